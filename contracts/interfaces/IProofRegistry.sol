// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Proofs} from "../types/Proofs.sol";
import {Nodes} from "../types/Nodes.sol";
import {IProofVerifier} from "./IProofVerifier.sol";

/// @title IProofRegistry
/// @notice Nodes commit proof records of the inferences they ran: one record at a time, or the Merkle root of a
/// batch of any size (OpenZeppelin's standard tree, leaves hashed twice), at the same cost whatever the size. Both
/// are kept under the committing node, so that no node can take another's inference id or batch root. Anyone can
/// check a record's inclusion. Within the challenge window anyone can challenge a record with a bond:
/// - with evidence its proof type's verifier can check (the proof the record committed to), the verifier decides at
///   once, whatever else is pending on the record, and its outcome settles the record;
/// - otherwise the challenge waits for the arbiter (one at a time per record) until a deadline, and the stake its
///   slash would take (fixed when it is opened) is locked in staking, so that nobody can unbond out of it.
/// An upheld challenge slashes the node's operator through staking: the challenger is paid a share of what the
/// operator's own stake loses, the rest is burned, and the bond comes back. A rejected or expired challenge's bond
/// is burned: griefing costs the griefer, and profits no one, not even an operator that challenges itself to lock
/// its delegators' stake. A record whose window has passed unchallenged is final.
///
/// Only a node that may work commits: active, unjailed, its operator's stake covering it (own stake per node, and in
/// all). That check reads the node registry and staking; a node's commits take it in full at most once per
/// {COVERAGE_PERIOD} and keep its result, the node's coverage, in the meantime. A node whose stake falls below its
/// minimum stops committing within {COVERAGE_PERIOD}, or at once when anyone calls {checkCoverage}, and an upheld
/// challenge ends its node's coverage. Whatever a node commits under a coverage is backed by the stake checked: staking's
/// thaw outlasts {longestOpenWindow}, which counts the coverage period, so that stake cannot leave before the
/// commitment's window closes.
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

    /// @notice Emitted when a challenger commits to a challenge it may open from the next block on (see
    /// {challengeCommitmentOf}).
    event ChallengeCommitted(address indexed challenger, bytes32 indexed commitment);

    /// @notice Emitted when a record is challenged: `lockedStake` is the operator's stake locked for the slash (the
    /// slash an upheld decision takes), `decideBy` the arbiter's deadline. A challenge that a verifier decides at once
    /// is followed by its {ChallengeResolved} in the same transaction.
    event RecordChallenged(
        bytes32 indexed challengeId,
        uint256 indexed nodeId,
        bytes32 indexed inferenceId,
        bytes32 root,
        bytes32 recordKey,
        address challenger,
        uint256 bond,
        uint256 lockedStake,
        uint64 decideBy
    );

    /// @notice Emitted when a challenge is closed: `slashed` is what the operator and its delegators lost and
    /// `toChallenger` the challenger's part, both as staking moved them; `bond` went back to `bondRecipient`, the
    /// challenger, or was burned when `bondRecipient` is zero.
    event ChallengeResolved(
        bytes32 indexed challengeId,
        Proofs.ChallengeStatus outcome,
        uint256 slashed,
        uint256 toChallenger,
        address bondRecipient,
        uint256 bond
    );

    /// @notice Emitted when a node's coverage is checked in full: `until` is when its commits check again, `window`
    /// the challenge window they take until then; both zero when the check found the node may not work.
    event CoverageSet(uint256 indexed nodeId, address indexed operator, uint64 until, uint64 window);

    /// @notice Emitted when the verifier of a proof type changes.
    event VerifierSet(Nodes.Mode indexed proofType, address oldVerifier, address newVerifier);

    /// @notice Emitted when governance sets the challenge window of commitments made from now on.
    event ChallengeWindowSet(uint64 oldWindow, uint64 newWindow);

    /// @notice Emitted when governance sets the arbiter's decision period of challenges opened from now on.
    event DecisionPeriodSet(uint64 oldPeriod, uint64 newPeriod);

    /// @notice Emitted when governance sets the slash of challenges opened from now on.
    event SlashSet(uint32 oldSlashPpm, uint32 newSlashPpm);

    /// @notice Emitted when governance sets the least bond of a challenge for the arbiter, as a share of its lock.
    event LockBondSet(uint32 oldLockBondPpm, uint32 newLockBondPpm);

    /// @notice Emitted when governance sets the flat challenge bond.
    event ChallengeBondSet(uint256 oldBond, uint256 newBond);

    /*//////////////////////////////////////////////////////////////////////////
                                       ERRORS
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice Thrown when the caller is not the operator of a node that may work now (active, unjailed, staked).
    error ProofsNotNodeOperator(uint256 nodeId, address caller);

    /// @notice Thrown when the node already committed a single record under the inference id.
    error ProofsInferenceAlreadyCommitted(uint256 nodeId, bytes32 inferenceId);

    /// @notice Thrown when a node commits a single record under an id reserved for on-chain requests (first byte 0xff).
    error ProofsReservedInferenceId(bytes32 inferenceId);

    /// @notice Thrown when the node already committed the batch root.
    error ProofsBatchAlreadyCommitted(uint256 nodeId, bytes32 root);

    /// @notice Thrown when a batch is empty or its root is zero.
    error ProofsEmptyBatch();

    /// @notice Thrown when the node committed no batch with the root.
    error ProofsUnknownCommitment(uint256 nodeId, bytes32 root);

    /// @notice Thrown when the node committed no single record under the inference id.
    error ProofsUnknownRecord(uint256 nodeId, bytes32 inferenceId);

    /// @notice Thrown when a record is not in the commitment.
    error ProofsRecordNotIncluded(bytes32 root, bytes32 leaf);

    /// @notice Thrown when the challenge window of a commitment (a batch root, or zero for a single record) has passed.
    error ProofsChallengeWindowClosed(bytes32 root, uint64 closedAt);

    /// @notice Thrown when a challenge for the arbiter is opened while another waits on the same record, or a
    /// challenger challenges the same record twice.
    error ProofsAlreadyChallenged(bytes32 challengeId);

    /// @notice Thrown when the record was already settled by a verifier or an upheld challenge.
    error ProofsRecordSettled(bytes32 recordKey);

    /// @notice Thrown when deciding or expiring a challenge that is not pending.
    error ProofsChallengeNotPending(bytes32 challengeId);

    /// @notice Thrown when a challenge was not committed by its challenger in an earlier block.
    error ProofsChallengeNotCommitted(address challenger, bytes32 commitment);

    /// @notice Thrown when the arbiter decides after the deadline: the challenge can only expire.
    error ProofsDecisionDeadlinePassed(bytes32 challengeId, uint64 decideBy);

    /// @notice Thrown when expiring a challenge before its deadline.
    error ProofsDecisionDeadlineNotPassed(bytes32 challengeId, uint64 decideBy);

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

    /// @notice How long a node's commits rely on the last full check of its standing: one hour.
    function COVERAGE_PERIOD() external view returns (uint64);

    /// @notice The node's coverage: the operator whose commits it covers, until when, and the challenge window they
    /// take; zero when none is in force or kept.
    function coverageOf(uint256 nodeId) external view returns (Proofs.Coverage memory);

    /// @notice The longest a commitment can stay open after its node's stake was checked: the coverage period plus
    /// the challenge window in force, or a longer window it replaced while commitments under it can still be made or
    /// be open. Staking keeps its thawing period a day longer than this.
    function longestOpenWindow() external view returns (uint64);

    /// @notice Seconds the arbiter has to decide a challenge before it can only expire.
    function decisionPeriod() external view returns (uint64);

    /// @notice The bond a challenger puts up, in OPG wei: at least this, and for a challenge that waits for the
    /// arbiter at least {lockBondPpm} of the slash it locks.
    function challengeBond() external view returns (uint256);

    /// @notice The least bond of a challenge that waits for the arbiter, as a share of the slash it locks, in parts
    /// per million: locking stake costs in proportion to the stake locked, so that bogus challenges cannot hold a
    /// large pool for a flat fee (they lose the bond when rejected or expired).
    function lockBondPpm() external view returns (uint32);

    /// @notice The share of the operator's slashable stake an upheld challenge takes, in parts per million, fixed for
    /// each challenge when it is opened.
    function slashPpm() external view returns (uint32);

    /// @notice The verifier of a proof type; zero when the arbiter decides.
    function verifierOf(Nodes.Mode proofType) external view returns (IProofVerifier);

    /// @notice The leaf of a record in a standard Merkle tree: keccak256(keccak256(abi.encode(record))).
    function leafOf(Proofs.Record calldata record) external pure returns (bytes32);

    /// @notice The key of a record's disputes: keccak256(abi.encode(nodeId, root, leaf)), root zero for a single one.
    function recordKeyOf(uint256 nodeId, bytes32 root, bytes32 leaf) external pure returns (bytes32);

    /// @notice A batch the node committed, by its root; all zero when unknown.
    function getCommitment(uint256 nodeId, bytes32 root) external view returns (Proofs.Commitment memory);

    /// @notice The single record the node committed under `inferenceId`; all zero when none.
    function getRecord(uint256 nodeId, bytes32 inferenceId) external view returns (Proofs.SingleRecord memory);

    /// @notice Whether `record` is in the node's batch with root `root`, by its Merkle proof.
    function isIncluded(
        uint256 nodeId,
        bytes32 root,
        Proofs.Record calldata record,
        bytes32[] calldata proof
    ) external view returns (bool);

    /// @notice Whether `record` is the single record the node committed under its inference id.
    function isRecordCommitted(uint256 nodeId, Proofs.Record calldata record) external view returns (bool);

    /// @notice Whether the batch's challenge window has passed: its records never challenged are final.
    /// @dev A record whose challenge for the arbiter failed can be challenged for {RECHALLENGE_WINDOW} more, past the
    /// window: a record is final once this is true and its {getDispute} is settled or its `reopenedUntil` has passed.
    function isFinal(uint256 nodeId, bytes32 root) external view returns (bool);

    /// @notice Whether the single record's challenge window has passed (see {isFinal} for a record challenged in it).
    function isRecordFinal(uint256 nodeId, bytes32 inferenceId) external view returns (bool);

    /// @notice A challenge by its id: keccak256(abi.encode(recordKey, challenger)).
    function getChallenge(bytes32 challengeId) external view returns (Proofs.Challenge memory);

    /// @notice How long a record stays challengeable after a challenge of it for the arbiter failed, in seconds.
    function RECHALLENGE_WINDOW() external view returns (uint64);

    /// @notice A record's disputes by its key (see {recordKeyOf}): the pending challenge, whether it is settled, and
    /// until when it can be challenged again past its window.
    function getDispute(bytes32 recordKey) external view returns (Proofs.Dispute memory);

    /*//////////////////////////////////////////////////////////////////////////
                                NON-CONSTANT FUNCTIONS
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice Checks the node's standing in full now, as a commit does when the coverage has lapsed: renews its
    /// coverage when it may work, ends it when not. Anyone may call it, so that a node whose stake left or that was
    /// jailed stops committing at once rather than at the end of its coverage.
    /// @dev Emits a {CoverageSet} event.
    function checkCoverage(uint256 nodeId) external;

    /// @notice Commits one record for the caller's node, in one storage slot. Emits {RecordCommitted}.
    /// @dev Requirements: the caller operates the node and it may work (active, unjailed, its stake covering it);
    /// the node has not committed the inference id; the id does not start with the byte 0xff, which is reserved for
    /// on-chain requests.
    /// @return leaf The record's leaf.
    function commitRecord(uint256 nodeId, Proofs.Record calldata record) external returns (bytes32 leaf);

    /// @notice Commits one record for a node on its behalf. Only {RECORDER_ROLE}, which checked the node, and which
    /// alone may use inference ids starting with {RESERVED_INFERENCE_PREFIX}.
    function commitRecordFor(uint256 nodeId, Proofs.Record calldata record) external returns (bytes32 leaf);

    /// @notice Commits the root of a batch of `recordCount` records for the caller's node. Emits {BatchCommitted}.
    /// @dev Requirements: as {commitRecord}; the node has not committed the root; the root and the count are not
    /// zero. The cost does not depend on the number of records.
    function commitBatch(uint256 nodeId, bytes32 root, uint64 recordCount, string calldata uri) external;

    /// @notice Challenges one record of node `nodeId` with `evidence` and a bond (pulled from the caller): a record
    /// of the node's batch with root `root` (with its Merkle `proof`), or, with `root` zero, the single record the
    /// node committed under its inference id.
    /// @dev When the record's proof type has a verifier and `keccak256(evidence)` is the record's proof hash, the
    /// verifier decides at once and settles the record, even while another challenge waits for the arbiter (that
    /// one is superseded when upheld, rejected when not). Otherwise the challenge waits for the arbiter until
    /// `decideBy`, with the slash it would take locked in staking. Emits {RecordChallenged}, and {ChallengeResolved}
    /// when decided at once.
    ///
    /// Requirements: the caller committed {challengeCommitmentOf} this challenge with {commitChallenge} in an earlier
    /// block (used up here); the commitment exists and its window is open; the record is in it; the record is not
    /// settled; the caller has not challenged it before; for the arbiter, no other challenge of it is pending.
    /// @return challengeId The challenge's id.
    function challenge(
        uint256 nodeId,
        bytes32 root,
        Proofs.Record calldata record,
        bytes32[] calldata proof,
        bytes calldata evidence
    ) external returns (bytes32 challengeId);

    /// @notice Commits the caller to a challenge it opens with {challenge} from the next block on: `commitment` is
    /// {challengeCommitmentOf} the caller, the record and the evidence. The evidence stays private until the
    /// challenge, and a challenge needs its challenger's own commitment from an earlier block, so that nobody can copy
    /// a challenge seen in the mempool and be paid for it first. Emits {ChallengeCommitted}.
    function commitChallenge(bytes32 commitment) external;

    /// @notice The commitment {challenge} needs from `challenger` for a record of node `nodeId` (of its batch `root`,
    /// or its single record when `root` is zero) and `evidence`.
    function challengeCommitmentOf(
        address challenger,
        uint256 nodeId,
        bytes32 root,
        Proofs.Record calldata record,
        bytes calldata evidence
    ) external pure returns (bytes32);

    /// @notice The block in which `challenger` committed `commitment`, zero if it did not or has used it.
    function challengeCommittedAt(address challenger, bytes32 commitment) external view returns (uint64);

    /// @notice Decides a pending challenge before its deadline. Only {ARBITER_ROLE}. Upheld slashes the locked stake
    /// and settles the record; rejected releases the lock, burns the bond and leaves the record open to other
    /// challenges within its window, and for {RECHALLENGE_WINDOW} after the decision if that is later. Emits
    /// {ChallengeResolved}.
    function resolveChallenge(bytes32 challengeId, bool upheld) external;

    /// @notice Closes a pending challenge whose deadline has passed undecided: the lock is released, the bond is
    /// burned, and the record can be challenged again for {RECHALLENGE_WINDOW} even past its window. Anyone may call
    /// it. Emits {ChallengeResolved}.
    function expireChallenge(bytes32 challengeId) external;

    /*//////////////////////////////////////////////////////////////////////////
                                     GOVERNANCE
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice Sets the verifier of a proof type; zero leaves its challenges to the arbiter. Only the default admin.
    /// @dev Emits a {VerifierSet} event.
    function setVerifier(Nodes.Mode proofType, IProofVerifier verifier) external;

    /// @notice Sets the challenge window, within [1 hour, 28 days] and at least {RECHALLENGE_WINDOW} plus
    /// {COVERAGE_PERIOD} shorter than staking's thawing period, so that stake unbonded after a node's standing was
    /// checked is still there for the challenges of what it commits under that check. Commits under a coverage taken
    /// before keep the old window until the coverage lapses. Only the default admin.
    /// @dev Emits a {ChallengeWindowSet} event. Reverts {ProofsParameterOutOfBounds} outside the bounds.
    function setChallengeWindow(uint64 newWindow) external;

    /// @notice Sets the arbiter's decision period of new challenges, within [1 day, 28 days]. Only the default admin.
    /// @dev Emits a {DecisionPeriodSet} event. Reverts {ProofsParameterOutOfBounds} outside the bounds.
    function setDecisionPeriod(uint64 newPeriod) external;

    /// @notice Sets the slash of challenges opened from now on, at most 10% of the operator's stake. Only the default
    /// admin.
    /// @dev Emits a {SlashSet} event. Reverts {ProofsParameterOutOfBounds} outside the bounds.
    function setSlash(uint32 newSlashPpm) external;

    /// @notice Sets the least bond of a challenge for the arbiter as a share of the slash it locks, at most 10%, for
    /// challenges opened from now on. Only the default admin.
    /// @dev Emits a {LockBondSet} event. Reverts {ProofsParameterOutOfBounds} outside the bounds.
    function setLockBond(uint32 newLockBondPpm) external;

    /// @notice Sets the challenge bond, within [1, 1,000,000] OPG. Only the default admin.
    /// @dev Emits a {ChallengeBondSet} event. Reverts {ProofsParameterOutOfBounds} outside the bounds.
    function setChallengeBond(uint256 newBond) external;
}
