// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

interface IERC20Transfer {
    function transfer(address to, uint256 amount) external returns (bool);
}

/// @title TransferFan
/// @notice The indexer benchmark's event source: many OPG Transfer events per transaction, so that 100,000 events
/// take a few hundred blocks instead of 100,000 transactions. Compiled and deployed by scripts/bench/indexer/run.ts
/// only; it is not part of the protocol.
contract TransferFan {
    /// @notice Thrown when the token refuses a transfer (returns false).
    error TransferFanTransferFailed(address to, uint256 amount);

    /// @notice Sends `amount` of `token` from this contract's balance to each of `recipients`, in order.
    /// @param token The token to send (OPG).
    /// @param recipients Who receives, one Transfer event each; repeats are fine.
    /// @param amount What each receives, in wei.
    function fan(IERC20Transfer token, address[] calldata recipients, uint256 amount) external {
        for (uint256 i = 0; i < recipients.length; ++i) {
            require(token.transfer(recipients[i], amount), TransferFanTransferFailed(recipients[i], amount));
        }
    }
}
