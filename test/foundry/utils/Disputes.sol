// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {OPG} from "@opg/token/OPG.sol";
import {Staking} from "@opg/staking/Staking.sol";
import {ProofRegistry} from "@opg/proofs/ProofRegistry.sol";
import {IStaking} from "@opg/interfaces/IStaking.sol";
import {IProofRegistry} from "@opg/interfaces/IProofRegistry.sol";
import {Stakes} from "@opg/types/Stakes.sol";
import {Proofs} from "@opg/types/Proofs.sol";

import {Vm} from "./Vm.sol";
import {Handler} from "./Handler.sol";

/// @notice What a handler that opens and decides challenges shares: a snapshot before a decision, and the check
/// after it that the events equal the movements (ChallengeResolved's slashed and toChallenger, StakeSlashed's parts)
/// and that the slash, the bond and the lock went where the design says.
abstract contract Disputes is Handler {
    uint256 internal constant PPM_ = 1_000_000;

    /// @dev What a decision is checked against, taken before it.
    struct Before {
        address op;
        uint256 slashable;
        uint256 own;
        uint256 locked;
        uint256 pending;
        uint256 challengerBalance;
        uint256 operatorBalance;
        uint256 supply;
        uint256 challengerShare;
        uint256 epochs;
        // a bond burned in the same call by another challenge closed (rejected) with this one
        uint256 alsoBurned;
    }

    /// @dev What the events of a decision said. Only ever in memory, laid out for reading.
    // solhint-disable-next-line gas-struct-packing
    struct Said {
        bool resolved;
        uint8 outcome;
        uint256 slashed;
        uint256 toChallenger;
        address bondRecipient;
        uint256 bond;
        bool slashEvent;
        uint256 fromOwn;
        uint256 fromDelegated;
        uint256 burned;
        uint256 slashToChallenger;
    }

    /// @dev Everything decisions burned: the slashes' burned part and the bonds of failed challenges.
    uint256 public ghostBurned;
    /// @dev The bonds of rejected and expired challenges, burned (part of ghostBurned).
    uint256 public ghostBondsBurned;
    uint256 public ghostSlashed;
    uint256 public ghostSlashes;
    uint256 public ghostDustSwept;
    /// @dev Bonds the registry holds for pending challenges.
    uint256 public ghostBonds;

    function _token() internal view virtual returns (OPG);

    function _staking() internal view virtual returns (Staking);

    function _proofs() internal view virtual returns (ProofRegistry);

    function _before(address op, address challenger) internal view returns (Before memory b) {
        Staking staking = _staking();
        Stakes.Operator memory o = staking.getOperator(op);
        b.op = op;
        b.slashable = staking.slashableStakeOf(op);
        b.own = uint256(o.ownActive) + o.ownThawing.tokens;
        b.locked = staking.lockedStakeOf(op);
        b.pending = staking.pendingSlashOf(op);
        b.challengerBalance = _token().balanceOf(challenger);
        b.operatorBalance = _token().balanceOf(op);
        b.supply = _token().totalSupply();
        b.challengerShare = staking.challengerSharePpm();
        b.epochs = uint256(o.ownThawingEpoch) + o.delegatedThawingEpoch;
    }

    /// @dev Reads the ChallengeResolved of `id` and the StakeSlashed of `op` among the logs recorded since the last
    /// read.
    function _said(bytes32 id, address op) internal returns (Said memory said) {
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i; i < logs.length; ++i) {
            Vm.Log memory entry = logs[i];
            if (entry.topics.length == 0) continue;
            if (
                entry.emitter == address(_proofs()) &&
                entry.topics[0] == IProofRegistry.ChallengeResolved.selector &&
                entry.topics[1] == id
            ) {
                said.resolved = true;
                (said.outcome, said.slashed, said.toChallenger, said.bondRecipient, said.bond) = abi.decode(
                    entry.data,
                    (uint8, uint256, uint256, address, uint256)
                );
            } else if (
                entry.emitter == address(_staking()) &&
                entry.topics[0] == IStaking.StakeSlashed.selector &&
                entry.topics[1] == bytes32(uint256(uint160(op)))
            ) {
                (uint256 a, uint256 b, uint256 c, uint256 d, uint256 burned, uint256 toChallenger) = abi.decode(
                    entry.data,
                    (uint256, uint256, uint256, uint256, uint256, uint256)
                );
                said.slashEvent = true;
                said.fromOwn = a + b;
                said.fromDelegated = c + d;
                said.burned = burned;
                said.slashToChallenger = toChallenger;
            }
        }
    }

    /// @dev Checks a decided challenge against the snapshot and its events: the events equal the movements (the
    /// challenger's balance moved by toChallenger (+ its bond back), the supply fell by slashed - toChallenger, the
    /// operator's slashable stake by slashed), the challenger's share came from the operator's own stake only, the
    /// slash took the lock fixed at opening (or all that was left), and a rejected or expired challenge burned its
    /// bond (ChallengeResolved's bondRecipient zero) and moved nothing else; the pending slash it added is removed,
    /// and the lock stays within the slashable stake. `bondJustTaken`: the challenge was decided in the call that
    /// opened it.
    function _afterDecision(Proofs.Challenge memory c, Before memory b, Said memory said, bool bondJustTaken) internal {
        Staking staking = _staking();
        OPG token = _token();
        _check(said.resolved, "events", "a decision emitted no ChallengeResolved");
        _check(said.outcome == uint8(c.status), "events", "ChallengeResolved's outcome != the stored status");
        _check(said.bond == c.bond, "events", "ChallengeResolved's bond != the challenge's bond");
        uint256 bondOut = bondJustTaken ? c.bond : 0;
        uint256 slashableNow = staking.slashableStakeOf(b.op);
        if (c.status == Proofs.ChallengeStatus.Upheld) {
            uint256 expected = c.lockedStake < b.slashable ? c.lockedStake : b.slashable;
            _check(said.bondRecipient == c.challenger, "bond", "an upheld challenge's bond not returned");
            _check(b.slashable - slashableNow == said.slashed, "events", "slashable drop != ChallengeResolved.slashed");
            _check(
                b.supply - token.totalSupply() == said.slashed - said.toChallenger + b.alsoBurned,
                "events",
                "supply drop != slashed - toChallenger"
            );
            _check(
                token.balanceOf(c.challenger) + bondOut == b.challengerBalance + said.toChallenger + c.bond,
                "events",
                "challenger's balance delta != toChallenger + bond"
            );
            _check(said.slashed >= expected, "slash", "the slash took less than its lock");
            if (said.slashed > expected) {
                _check(
                    _epochs(b.op) > b.epochs,
                    "slash",
                    "the slash took more than its lock, and no thawing pool was swept"
                );
                ghostDustSwept += said.slashed - expected;
            }
            if (said.slashed > 0) {
                _check(said.slashEvent, "events", "a slash without StakeSlashed");
                _check(said.fromOwn + said.fromDelegated == said.slashed, "events", "StakeSlashed parts != slashed");
                _check(said.slashToChallenger == said.toChallenger, "events", "StakeSlashed/ChallengeResolved share");
                _check(said.burned == said.slashed - said.toChallenger, "events", "StakeSlashed.burned != the rest");
                _check(said.fromOwn <= b.own + (said.slashed - expected), "slash", "took more own stake than held");
                _check(
                    said.toChallenger == (said.fromOwn * b.challengerShare) / PPM_,
                    "slash",
                    "the challenger's share is not of the operator's own stake only"
                );
            }
            if (!bondJustTaken) {
                _check(
                    staking.pendingSlashOf(b.op) + c.lockedStake == b.pending,
                    "lock",
                    "an upheld challenge did not remove its pending slash"
                );
            }
            ghostBurned += said.slashed - said.toChallenger + b.alsoBurned;
            ghostBondsBurned += b.alsoBurned;
            ghostSlashed += said.slashed;
            ++ghostSlashes;
        } else {
            // Superseded returns the bond; rejected and expired burn it.
            bool returned = c.status == Proofs.ChallengeStatus.Superseded;
            uint256 burned = (returned ? 0 : c.bond) + b.alsoBurned;
            _check(
                said.bondRecipient == (returned ? c.challenger : address(0)),
                "bond",
                "the bond went to the wrong account"
            );
            _check(said.slashed == 0 && said.toChallenger == 0, "events", "an unslashing decision says it slashed");
            _check(slashableNow == b.slashable, "slash", "a rejected, expired or superseded challenge slashed");
            _check(
                b.supply - token.totalSupply() == burned,
                "bond",
                "the supply fell by other than the failed challenges' bonds"
            );
            _check(
                token.balanceOf(c.challenger) + bondOut == b.challengerBalance + (returned ? c.bond : 0),
                "bond",
                "the challenger's balance moved by other than its bond returned"
            );
            if (b.op != c.challenger) {
                _check(token.balanceOf(b.op) == b.operatorBalance, "bond", "a failed challenge paid the operator");
            }
            if (!bondJustTaken) {
                _check(
                    staking.pendingSlashOf(b.op) + c.lockedStake == b.pending,
                    "lock",
                    "a closed challenge did not remove exactly its pending slash"
                );
            }
            ghostBurned += burned;
            ghostBondsBurned += burned;
        }
        _lockWithinSlashable(b.op);
    }

    /// @dev lockedStakeOf is the pending slashes, up to the whole slashable stake: never above it.
    function _lockWithinSlashable(address op) internal {
        Staking staking = _staking();
        uint256 slashable = staking.slashableStakeOf(op);
        uint256 pending = staking.pendingSlashOf(op);
        _check(
            staking.lockedStakeOf(op) == (pending < slashable ? pending : slashable),
            "lock",
            "lockedStakeOf != min(pendingSlashOf, slashableStakeOf)"
        );
    }

    /// @dev What pending slashes leave free for a withdrawal from `op`'s own (`own`) or delegated thawing stake, as
    /// Staking.withdraw reads it (all of it when nothing is pending; the operator's own stake holds the lock first),
    /// and the most a partial request can lose to whole shares: a wei per token a share is worth, plus one.
    function _freeOfLock(address op, bool own) internal view returns (uint256 free, uint256 rounding) {
        Staking staking = _staking();
        Stakes.Operator memory o = staking.getOperator(op);
        Stakes.Pool memory pool = own ? o.ownThawing : o.delegatedThawing;
        rounding = pool.shares == 0 ? 1 : uint256(pool.tokens) / pool.shares + 2;
        uint256 pending = staking.pendingSlashOf(op);
        if (pending == 0) return (type(uint256).max, rounding);
        uint256 slashable = staking.slashableStakeOf(op);
        uint256 locked = pending < slashable ? pending : slashable;
        uint256 holding = own ? uint256(o.ownActive) + o.ownThawing.tokens : slashable;
        free = holding > locked ? holding - locked : 0;
    }

    function _epochs(address op) internal view returns (uint256) {
        Stakes.Operator memory o = _staking().getOperator(op);
        return uint256(o.ownThawingEpoch) + o.delegatedThawingEpoch;
    }
}
