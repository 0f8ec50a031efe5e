// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

import {IProofVerifier} from "../../interfaces/IProofVerifier.sol";
import {Proofs} from "../../types/Proofs.sol";

/// @title ReentrantAttacker
/// @notice Test-only: the callbacks the protocol makes to contracts it does not trust (an EIP-1271 payer wallet
/// during voucher redemption, an {IProofVerifier} during a challenge) try to re-enter every state-changing function
/// of the protocol listed by the test before answering.
/// @dev The protocol makes both calls with STATICCALL, so every re-entry is expected to fail. The callbacks cannot
/// write state to report it, so the attacker reports through its answer instead: in `Mode.ValidIfReentered` the
/// signature (or the proof) is only accepted when at least one re-entry succeeded, so a redemption that pays proves a
/// re-entry got through; in `Mode.Honest` the answer is the honest one whatever the re-entries did, so the test can
/// check that the outer action still completes exactly once.
contract ReentrantAttacker is IERC1271, IProofVerifier {
    /// @notice How the callbacks answer after trying their re-entries.
    /// @custom:value Honest The owner's signature is valid; a proof is valid unless it starts with 0x00.
    /// @custom:value ValidIfReentered Valid (signature or proof) only if a re-entry succeeded.
    /// @custom:value Revert The callback reverts.
    /// @custom:value BurnGas The callback consumes all the gas it was given.
    enum Mode {
        Honest,
        ValidIfReentered,
        Revert,
        BurnGas
    }

    /// @notice A call the callbacks try: `data` sent to `target`.
    struct Reentry {
        address target;
        bytes data;
    }

    /// @notice Thrown by a call that only the owner may make.
    error AttackerNotOwner(address caller);

    /// @notice Thrown by the callbacks in `Mode.Revert`.
    error AttackerCallbackReverted();

    /// @notice The key whose ECDSA signatures the wallet accepts in `Mode.Honest`.
    address public immutable OWNER;

    /// @notice How the callbacks answer.
    Mode public mode;

    /// @notice Gas given to each re-entry, so that one failing re-entry cannot starve the others.
    uint256 public gasPerReentry = 300_000;

    Reentry[] internal _reentries;

    /// @param owner The key whose signatures the wallet accepts.
    constructor(address owner) {
        OWNER = owner;
    }

    /// @notice Sets how the callbacks answer. Only the owner.
    function setMode(Mode newMode) external {
        require(msg.sender == OWNER, AttackerNotOwner(msg.sender));
        mode = newMode;
    }

    /// @notice Replaces the list of re-entries the callbacks try. Only the owner.
    function setReentries(address[] calldata targets, bytes[] calldata data) external {
        require(msg.sender == OWNER, AttackerNotOwner(msg.sender));
        delete _reentries;
        for (uint256 i; i < targets.length; ++i) _reentries.push(Reentry(targets[i], data[i]));
    }

    /// @notice How many re-entries the callbacks try.
    function reentryCount() external view returns (uint256) {
        return _reentries.length;
    }

    /// @notice Approves `spender` for the wallet's tokens (a payer wallet funding its escrow). Only the owner.
    function approve(IERC20 token, address spender, uint256 amount) external {
        require(msg.sender == OWNER, AttackerNotOwner(msg.sender));
        token.approve(spender, amount);
    }

    /// @notice Runs every re-entry outside any callback, as a plain call, and returns how many succeeded: the
    /// control that shows the listed calls are not all doomed for another reason.
    function reenterNow() external returns (uint256 succeeded) {
        require(msg.sender == OWNER, AttackerNotOwner(msg.sender));
        return _reenter();
    }

    /// @notice EIP-1271: tries every re-entry, then answers as `mode` says.
    function isValidSignature(bytes32 hash, bytes calldata signature) external view override returns (bytes4) {
        bool valid = _decide(ECDSA.recover(hash, signature) == OWNER);
        return valid ? IERC1271.isValidSignature.selector : bytes4(0xffffffff);
    }

    /// @notice {IProofVerifier}: tries every re-entry, then answers as `mode` says.
    function verify(Proofs.Record calldata, bytes calldata proof) external view override returns (bool) {
        return _decide(proof.length > 0 && proof[0] != 0x00);
    }

    /// @dev Tries the re-entries (a view cannot call out, so it goes through a static view of `_reenter`), then
    /// answers honestly or only if a re-entry went through.
    function _decide(bool honest) internal view returns (bool) {
        Mode current = mode;
        if (current == Mode.Revert) revert AttackerCallbackReverted();
        if (current == Mode.BurnGas) {
            // INVALID consumes every unit of gas the call was given, as a gas-burning loop would, in one step.
            // solhint-disable-next-line no-inline-assembly
            assembly {
                invalid()
            }
        }
        uint256 succeeded = _reenterView();
        return current == Mode.ValidIfReentered ? succeeded > 0 : honest;
    }

    /// @dev `_reenter` seen as a view: the callbacks are views (the protocol calls them with STATICCALL), so their
    /// re-entries go through a function pointer cast; the EVM, not the compiler, decides whether they may write.
    function _reenterView() internal view returns (uint256 succeeded) {
        function() internal returns (uint256) writer = _reenter;
        function() internal view returns (uint256) reader;
        // solhint-disable-next-line no-inline-assembly
        assembly {
            reader := writer
        }
        return reader();
    }

    function _reenter() internal returns (uint256 succeeded) {
        uint256 count = _reentries.length;
        uint256 gasEach = gasPerReentry;
        for (uint256 i; i < count; ++i) {
            Reentry storage r = _reentries[i];
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok, ) = r.target.call{gas: gasEach}(r.data);
            if (ok) ++succeeded;
        }
    }
}
