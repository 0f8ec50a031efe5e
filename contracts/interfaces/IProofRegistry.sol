// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Proofs} from "../types/Proofs.sol";
import {Nodes} from "../types/Nodes.sol";
import {IProofVerifier} from "./IProofVerifier.sol";

/// @title IProofRegistry
/// @notice Nodes commit proof records of the inferences they ran: one record at a time, or the Merkle root of a
/// batch of any size (OpenZeppelin's standard tree, leaves hashed twice), at the same cost whatever the size.
/// Anyone can check a record's inclusion. Within the challenge window anyone can challenge a record with a bond:
/// the verifier of its proof type decides at once, or the arbiter decides. An upheld challenge slashes the node's
/// operator through staking, which pays the challenger its share; the bond comes back. A rejected one forfeits
/// the bond to the node's operator. A record whose window has passed unchallenged is final.
interface IProofRegistry {
    /*//////////////////////////////////////////////////////////////////////////
                                       EVENTS
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice Emitted when a node commits one record, with all of it.
    event RecordCommitted(
        uint256 indexed nodeId,
        bytes32 indexed inferenceId,
        bytes32 indexed modelId,
        bytes32 inputHash,
        bytes32 outputHash,
        Nodes.Mode proofType,
        bytes32 proofHash,
        bytes32 leaf
    );

    /// @notice Emitted when a node commits the root of a batch of `recordCount` records, fetchable at `uri`.
    event BatchCommitted(uint256 indexed nodeId, bytes32 indexed root, uint256 recordCount, string uri);

    /// @notice Emitted when a record is challenged.
    event RecordChallenged(
        bytes32 indexed challengeId,
        bytes32 indexed root,
        bytes32 indexed inferenceId,
        uint256 nodeId,
        address challenger,
        uint256 bond
    );

    /// @notice Emitted when a challenge is decided; `slashed` is what the operator lost, `toChallenger` its share.
    event ChallengeResolved(bytes32 indexed challengeId, bool upheld, uint256 slashed, uint256 bondReturned);

    /// @notice Emitted when the verifier of a proof type changes.
    event VerifierSet(Nodes.Mode indexed proofType, address oldVerifier, address newVerifier);

    /// @notice Emitted when a parameter changes; `parameter` names it.
    event ParameterSet(bytes32 indexed parameter, uint256 oldValue, uint256 newValue);

    /*//////////////////////////////////////////////////////////////////////////
                                       ERRORS
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice Thrown when the caller is not the operator of an active, unjailed node.
    error ProofsNotNodeOperator(uint256 nodeId, address caller);

    /// @notice Thrown when an inference id was already committed as a single record.
    error ProofsInferenceAlreadyCommitted(bytes32 inferenceId);

    /// @notice Thrown when a node commits a single record under an id reserved for on-chain requests (first byte 0xff).
    error ProofsReservedInferenceId(bytes32 inferenceId);

    /// @notice Thrown when a batch root was already committed.
    error ProofsBatchAlreadyCommitted(bytes32 root);

    /// @notice Thrown when a batch is empty or its root is zero.
    error ProofsEmptyBatch();

    /// @notice Thrown when no batch has the root.
    error ProofsUnknownCommitment(bytes32 root);

    /// @notice Thrown when no single record was committed under the inference id.
    error ProofsUnknownRecord(bytes32 inferenceId);

    /// @notice Thrown when a record is not in the commitment.
    error ProofsRecordNotIncluded(bytes32 root, bytes32 leaf);

    /// @notice Thrown when the challenge window of a commitment (a batch root, or zero for a single record) has passed.
    error ProofsChallengeWindowClosed(bytes32 root, uint64 closedAt);

    /// @notice Thrown when the record was already challenged.
    error ProofsAlreadyChallenged(bytes32 challengeId);

    /// @notice Thrown when resolving a challenge that is not pending.
    error ProofsChallengeNotPending(bytes32 challengeId);

    /// @notice Thrown when a parameter is set outside its bounds.
    error ProofsParameterOutOfBounds(bytes32 parameter, uint256 value, uint256 minimum, uint256 maximum);

    /*//////////////////////////////////////////////////////////////////////////
                                  CONSTANT FUNCTIONS
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice The role that decides challenges of records whose proof type has no verifier.
    function ARBITER_ROLE() external view returns (bytes32);

    /// @notice The first byte of the single-record inference ids reserved for {RECORDER_ROLE}: 0xff.
    function RESERVED_INFERENCE_PREFIX() external view returns (bytes1);

    /// @notice The role that may commit a record on behalf of a node (the payments escrow, on fulfilment).
    function RECORDER_ROLE() external view returns (bytes32);

    /// @notice Seconds after a commitment during which its records can be challenged.
    function challengeWindow() external view returns (uint64);

    /// @notice The bond a challenger puts up, in OPG wei.
    function challengeBond() external view returns (uint256);

    /// @notice The share of the operator's slashable stake an upheld challenge takes, in parts per million.
    function slashPpm() external view returns (uint32);

    /// @notice The verifier of a proof type; zero when the arbiter decides.
    function verifierOf(Nodes.Mode proofType) external view returns (IProofVerifier);

    /// @notice The leaf of a record in a standard Merkle tree: keccak256(keccak256(abi.encode(record))).
    function leafOf(Proofs.Record calldata record) external pure returns (bytes32);

    /// @notice A committed batch by its root; all zero when unknown.
    function getCommitment(bytes32 root) external view returns (Proofs.Commitment memory);

    /// @notice The single record committed under `inferenceId`; all zero when none.
    function getRecord(bytes32 inferenceId) external view returns (Proofs.SingleRecord memory);

    /// @notice Whether `record` is in the batch with root `root`, by its Merkle proof.
    function isIncluded(
        bytes32 root,
        Proofs.Record calldata record,
        bytes32[] calldata proof
    ) external view returns (bool);

    /// @notice Whether `record` is the single record committed under its inference id.
    function isRecordCommitted(Proofs.Record calldata record) external view returns (bool);

    /// @notice Whether the batch's challenge window has passed: its unchallenged records are final.
    function isFinal(bytes32 root) external view returns (bool);

    /// @notice Whether the single record's challenge window has passed.
    function isRecordFinal(bytes32 inferenceId) external view returns (bool);

    /// @notice A challenge by its id: keccak256(abi.encode(root, leaf)), with root zero for a single record.
    function getChallenge(bytes32 challengeId) external view returns (Proofs.Challenge memory);

    /*//////////////////////////////////////////////////////////////////////////
                                NON-CONSTANT FUNCTIONS
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice Commits one record for the caller's node, in one storage slot. Emits {RecordCommitted}.
    /// @dev Requirements: the caller operates the active, unjailed node; the inference id is new and does not start
    /// with the byte 0xff, which is reserved for on-chain requests.
    /// @return leaf The record's leaf.
    function commitRecord(uint256 nodeId, Proofs.Record calldata record) external returns (bytes32 leaf);

    /// @notice Commits one record for a node on its behalf. Only {RECORDER_ROLE}, which checked the node, and which
    /// alone may use inference ids starting with {RESERVED_INFERENCE_PREFIX}.
    function commitRecordFor(uint256 nodeId, Proofs.Record calldata record) external returns (bytes32 leaf);

    /// @notice Commits the root of a batch of `recordCount` records for the caller's node. Emits {BatchCommitted}.
    /// @dev Requirements: the caller operates the active, unjailed node; the root is new and not zero; the count
    /// is not zero. The cost does not depend on the number of records.
    function commitBatch(uint256 nodeId, bytes32 root, uint64 recordCount, string calldata uri) external;

    /// @notice Challenges one record with `evidence` and a bond (pulled from the caller): a record of the batch with
    /// root `root` (with its Merkle `proof`), or, with `root` zero, the single record committed under its inference id.
    /// @dev When the record's proof type has a verifier and `keccak256(evidence)` is the record's proof hash, the
    /// verifier decides at once; otherwise the challenge waits for the arbiter. Emits {RecordChallenged}, and
    /// {ChallengeResolved} when decided at once.
    ///
    /// Requirements: the commitment exists and its window is open; the record is in it (or is the single record);
    /// it was not challenged.
    /// @return challengeId The challenge's id.
    function challenge(
        bytes32 root,
        Proofs.Record calldata record,
        bytes32[] calldata proof,
        bytes calldata evidence
    ) external returns (bytes32 challengeId);

    /// @notice Decides a pending challenge. Only {ARBITER_ROLE}. Emits {ChallengeResolved}.
    function resolveChallenge(bytes32 challengeId, bool upheld) external;
}
