// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title RevertingRecipient
/// @notice Test-only: an account that refuses everything sent to it (any call, any ether), standing in for a fee
/// recipient, model owner, challenger, operator or beneficiary that is a broken or hostile contract. Its owner can
/// still act through it with {exec}, so that it can register a model, stake or deposit like any account.
contract RevertingRecipient {
    /// @notice Thrown by every call that is not {exec} from the owner.
    error RecipientRefuses(address caller, bytes4 selector);

    /// @notice The account that may act through this one.
    address public immutable OWNER;

    /// @param owner The account that may act through this one.
    constructor(address owner) {
        OWNER = owner;
    }

    /// @notice Sends `data` to `target` as this account and bubbles up a revert. Only the owner.
    function exec(address target, bytes calldata data) external returns (bytes memory result) {
        require(msg.sender == OWNER, RecipientRefuses(msg.sender, msg.sig));
        bool ok;
        // solhint-disable-next-line avoid-low-level-calls
        (ok, result) = target.call(data);
        if (!ok) {
            // Bubbles the callee's own error up, so that tests see the protocol's custom error and its values.
            // solhint-disable-next-line no-inline-assembly
            assembly {
                revert(add(result, 32), mload(result))
            }
        }
    }

    /// @notice Refuses every other call.
    fallback() external payable {
        revert RecipientRefuses(msg.sender, msg.sig);
    }

    /// @notice Refuses plain ether too.
    receive() external payable {
        revert RecipientRefuses(msg.sender, bytes4(0));
    }
}
