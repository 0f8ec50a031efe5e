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

    /// @notice A committed batch root, as stored. The window's end is fixed at commitment, so that a later change of
    /// the challenge window never reopens a final batch nor shortens an open one.
    struct Commitment {
        uint64 nodeId;
        uint40 committedAt;
        uint40 challengeableUntil;
        uint64 recordCount;
    }

    /// @notice A single committed record, as stored in one slot under its inference id: the first 20 bytes of its
    /// leaf (a second preimage of 160 bits is out of reach), its node, and the end of its challenge window.
    struct SingleRecord {
        bytes20 leafPrefix;
        uint56 nodeId;
        uint40 challengeableUntil;
    }

    /// @notice Where a challenge stands.
    enum ChallengeStatus {
        None,
        Pending,
        Upheld,
        Rejected
    }

    /// @notice A challenge of one record, as stored.
    struct Challenge {
        // slot 0
        address challenger;
        uint40 openedAt;
        ChallengeStatus status;
        // slot 1
        uint128 bond;
        uint64 nodeId;
    }
}
