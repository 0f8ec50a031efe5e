// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Nodes} from "./Nodes.sol";

/// @notice Namespace for the structs and enums of proof commitments.
library Proofs {
    /// @notice What a node commits about one inference. A batch commits the root of an OpenZeppelin standard Merkle
    /// tree of records with leaf encoding (bytes32, bytes32, bytes32, bytes32, uint8, bytes32), in this order.
    /// @param inferenceId The inference's id, unique per network.
    /// @param modelId The model that ran (its weights' content hash).
    /// @param inputHash The hash of the input.
    /// @param outputHash The hash of the output.
    /// @param proofType How the inference is proven: the node's verification mode.
    /// @param proofHash The hash of the proof or attestation, which the node publishes.
    struct Record {
        bytes32 inferenceId;
        bytes32 modelId;
        bytes32 inputHash;
        bytes32 outputHash;
        Nodes.Mode proofType;
        bytes32 proofHash;
    }

    /// @notice A committed batch root, as stored under its node and root. The window's end is fixed at commitment, so
    /// that a later change of the challenge window never reopens a final batch nor shortens an open one.
    struct Commitment {
        uint40 committedAt;
        uint40 challengeableUntil;
        uint64 recordCount;
    }

    /// @notice A single committed record, as stored in one slot under its node and inference id: the first 20 bytes
    /// of its leaf (a second preimage of 160 bits is out of reach), and the end of its challenge window.
    struct SingleRecord {
        bytes20 leafPrefix;
        uint40 challengeableUntil;
    }

    /// @notice A node's standing as last checked in full, kept in one slot: its operator, until when its commits rely
    /// on the check, and the challenge window they take until then (fixed at the check, so that a commit reads no
    /// other slot of this contract).
    struct Coverage {
        address operator;
        uint40 until;
        uint40 window;
    }

    /// @notice Where a challenge stands.
    /// @custom:value Pending Waiting for the arbiter, with the stake it could slash locked, until `decideBy`.
    /// @custom:value Upheld The record was wrong: the operator was slashed, the bond returned.
    /// @custom:value Rejected The record stands: the lock was released, the bond burned.
    /// @custom:value Expired The arbiter did not decide by `decideBy`: the lock was released, the bond burned.
    /// @custom:value Superseded A verifier upheld another challenge of the same record first: the lock was released
    /// and the bond returned.
    enum ChallengeStatus {
        None,
        Pending,
        Upheld,
        Rejected,
        Expired,
        Superseded
    }

    /// @notice A challenge of one record, as stored.
    struct Challenge {
        // slot 0
        address challenger;
        uint40 openedAt;
        uint40 decideBy;
        ChallengeStatus status;
        // slot 1: the bond, and the operator's stake locked for the slash fixed when the challenge was opened
        uint128 bond;
        uint128 lockedStake;
        // slot 2
        bytes32 recordKey;
        // slot 3
        uint64 nodeId;
    }

    /// @notice What is known of a record's disputes: the challenge waiting for the arbiter, if any; whether a
    /// decision (a verifier's either way, or the arbiter upholding) settled the record for good; and until when the
    /// record can be challenged again after a challenge for the arbiter failed (rejected or expired), even past its
    /// window, so that a challenge waiting out the window cannot shield it.
    struct Dispute {
        // slot 0
        bytes32 pendingChallengeId;
        // slot 1
        bool settled;
        uint40 reopenedUntil;
    }
}
