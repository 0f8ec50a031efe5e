// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {INodeRegistry} from "../interfaces/INodeRegistry.sol";
import {IProofRegistry} from "../interfaces/IProofRegistry.sol";
import {IProofVerifier} from "../interfaces/IProofVerifier.sol";
import {IStaking} from "../interfaces/IStaking.sol";
import {MODE_COUNT, Nodes} from "../types/Nodes.sol";
import {Proofs} from "../types/Proofs.sol";

/// @title ProofRegistry
/// @notice See the documentation in {IProofRegistry}.
/// @dev One storage slot per commitment, whatever the number of records: a batch of a million records costs what a
/// batch of ten does, keyed by its root; a single record is keyed by its inference id, which makes ids unique.
/// The two live in separate mappings, so that no batch root can stand in for, or block, a single record.
contract ProofRegistry is IProofRegistry, AccessControl {
    using SafeERC20 for IERC20;

    /*//////////////////////////////////////////////////////////////////////////
                                     CONSTANTS
    //////////////////////////////////////////////////////////////////////////*/

    /// @inheritdoc IProofRegistry
    bytes32 public constant override ARBITER_ROLE = keccak256("ARBITER_ROLE");

    /// @inheritdoc IProofRegistry
    bytes32 public constant override RECORDER_ROLE = keccak256("RECORDER_ROLE");

    /// @notice Single-record inference ids starting with this byte are reserved for {RECORDER_ROLE} (on-chain
    /// requests), so that no node can take a request's id before the request is fulfilled.
    bytes1 public constant override RESERVED_INFERENCE_PREFIX = 0xff;

    uint32 internal constant PPM = 1_000_000;
    uint64 public constant MIN_CHALLENGE_WINDOW = 1 hours;
    uint64 public constant MAX_CHALLENGE_WINDOW = 28 days;
    uint32 public constant MAX_SLASH_PPM = 100_000;
    uint256 public constant MIN_CHALLENGE_BOND = 1e18;
    uint256 public constant MAX_CHALLENGE_BOND = 1_000_000e18;

    /*//////////////////////////////////////////////////////////////////////////
                                  STATE VARIABLES
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice The token bonds are paid in (OPG).
    IERC20 public immutable TOKEN;

    /// @notice Where nodes and their operators are registered.
    INodeRegistry public immutable NODES;

    /// @notice Where operators are slashed.
    IStaking public immutable STAKING;

    /// @inheritdoc IProofRegistry
    uint64 public override challengeWindow = 7 days;

    /// @inheritdoc IProofRegistry
    uint32 public override slashPpm = 50_000;

    /// @inheritdoc IProofRegistry
    uint256 public override challengeBond = 100e18;

    IProofVerifier[MODE_COUNT] internal _verifiers;
    mapping(bytes32 root => Proofs.Commitment commitment) internal _commitments;
    mapping(bytes32 inferenceId => Proofs.SingleRecord record) internal _records;
    mapping(bytes32 challengeId => Proofs.Challenge challenge) internal _challenges;

    /*//////////////////////////////////////////////////////////////////////////
                                    CONSTRUCTOR
    //////////////////////////////////////////////////////////////////////////*/

    /// @param token The bond token (OPG).
    /// @param nodes The node registry.
    /// @param staking The staking contract, which must give this contract its slasher role.
    /// @param admin The account given the default admin and arbiter roles (the timelock, after deployment).
    constructor(IERC20 token, INodeRegistry nodes, IStaking staking, address admin) {
        TOKEN = token;
        NODES = nodes;
        STAKING = staking;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(ARBITER_ROLE, admin);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                  CONSTANT FUNCTIONS
    //////////////////////////////////////////////////////////////////////////*/

    /// @inheritdoc IProofRegistry
    function verifierOf(Nodes.Mode proofType) external view override returns (IProofVerifier) {
        return _verifiers[uint8(proofType)];
    }

    /// @inheritdoc IProofRegistry
    function leafOf(Proofs.Record calldata record) public pure override returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(record))));
    }

    /// @inheritdoc IProofRegistry
    function getCommitment(bytes32 root) external view override returns (Proofs.Commitment memory) {
        return _commitments[root];
    }

    /// @inheritdoc IProofRegistry
    function getRecord(bytes32 inferenceId) external view override returns (Proofs.SingleRecord memory) {
        return _records[inferenceId];
    }

    /// @inheritdoc IProofRegistry
    function isIncluded(
        bytes32 root,
        Proofs.Record calldata record,
        bytes32[] calldata proof
    ) external view override returns (bool) {
        return _commitments[root].committedAt != 0 && MerkleProof.verifyCalldata(proof, root, leafOf(record));
    }

    /// @inheritdoc IProofRegistry
    function isRecordCommitted(Proofs.Record calldata record) public view override returns (bool) {
        Proofs.SingleRecord storage stored = _records[record.inferenceId];
        return stored.challengeableUntil != 0 && stored.leafPrefix == bytes20(leafOf(record));
    }

    /// @inheritdoc IProofRegistry
    function isFinal(bytes32 root) external view override returns (bool) {
        return block.timestamp > _existing(root).challengeableUntil;
    }

    /// @inheritdoc IProofRegistry
    function isRecordFinal(bytes32 inferenceId) external view override returns (bool) {
        uint40 until = _records[inferenceId].challengeableUntil;
        require(until != 0, ProofsUnknownRecord(inferenceId));
        return block.timestamp > until;
    }

    /// @inheritdoc IProofRegistry
    function getChallenge(bytes32 challengeId) external view override returns (Proofs.Challenge memory) {
        return _challenges[challengeId];
    }

    /*//////////////////////////////////////////////////////////////////////////
                                NON-CONSTANT FUNCTIONS
    //////////////////////////////////////////////////////////////////////////*/

    /// @inheritdoc IProofRegistry
    function commitRecord(uint256 nodeId, Proofs.Record calldata record) external override returns (bytes32) {
        _checkOperator(nodeId);
        require(record.inferenceId[0] != RESERVED_INFERENCE_PREFIX, ProofsReservedInferenceId(record.inferenceId));
        return _commitRecord(nodeId, record);
    }

    /// @inheritdoc IProofRegistry
    function commitRecordFor(
        uint256 nodeId,
        Proofs.Record calldata record
    ) external override onlyRole(RECORDER_ROLE) returns (bytes32) {
        return _commitRecord(nodeId, record);
    }

    /// @inheritdoc IProofRegistry
    function commitBatch(uint256 nodeId, bytes32 root, uint64 recordCount, string calldata uri) external override {
        _checkOperator(nodeId);
        require(root != bytes32(0) && recordCount > 0, ProofsEmptyBatch());
        require(_commitments[root].committedAt == 0, ProofsBatchAlreadyCommitted(root));
        _commitments[root] = Proofs.Commitment({
            nodeId: SafeCast.toUint64(nodeId),
            committedAt: uint40(block.timestamp),
            challengeableUntil: uint40(block.timestamp + challengeWindow),
            recordCount: recordCount
        });
        emit BatchCommitted(nodeId, root, recordCount, uri);
    }

    /// @inheritdoc IProofRegistry
    function challenge(
        bytes32 root,
        Proofs.Record calldata record,
        bytes32[] calldata proof,
        bytes calldata evidence
    ) external override returns (bytes32 challengeId) {
        // Check: a record of a batch, or the single record committed under its inference id.
        bytes32 leaf = leafOf(record);
        (uint64 nodeId, uint64 closedAt) = _challengeable(root, record, leaf, proof);
        require(block.timestamp <= closedAt, ProofsChallengeWindowClosed(root, closedAt));
        challengeId = keccak256(abi.encode(root, leaf));
        Proofs.Challenge storage c = _challenges[challengeId];
        require(c.status == Proofs.ChallengeStatus.None, ProofsAlreadyChallenged(challengeId));

        // Effect
        uint256 bond = challengeBond;
        c.challenger = msg.sender;
        c.openedAt = uint40(block.timestamp);
        c.status = Proofs.ChallengeStatus.Pending;
        c.bond = uint128(bond);
        c.nodeId = nodeId;
        emit RecordChallenged(challengeId, root, record.inferenceId, nodeId, msg.sender, bond);

        // Interaction: take the bond, then let the verifier decide when it can.
        TOKEN.safeTransferFrom(msg.sender, address(this), bond);
        _decideByVerifier(challengeId, c, record, evidence);
    }

    /// @inheritdoc IProofRegistry
    function resolveChallenge(bytes32 challengeId, bool upheld) external override onlyRole(ARBITER_ROLE) {
        Proofs.Challenge storage c = _challenges[challengeId];
        require(c.status == Proofs.ChallengeStatus.Pending, ProofsChallengeNotPending(challengeId));
        _resolve(challengeId, c, upheld);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                    GOVERNANCE
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice Sets the verifier of a proof type; zero leaves its challenges to the arbiter. Only the default admin.
    function setVerifier(Nodes.Mode proofType, IProofVerifier verifier) external onlyRole(DEFAULT_ADMIN_ROLE) {
        emit VerifierSet(proofType, address(_verifiers[uint8(proofType)]), address(verifier));
        _verifiers[uint8(proofType)] = verifier;
    }

    /// @notice Sets the challenge window, within [1 hour, 28 days]. Only the default admin.
    function setChallengeWindow(uint64 newWindow) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _checkBounds("challengeWindow", newWindow, MIN_CHALLENGE_WINDOW, MAX_CHALLENGE_WINDOW);
        emit ParameterSet("challengeWindow", challengeWindow, newWindow);
        challengeWindow = newWindow;
    }

    /// @notice Sets the slash of an upheld challenge, at most 10% of the operator's stake. Only the default admin.
    function setSlash(uint32 newSlashPpm) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _checkBounds("slashPpm", newSlashPpm, 0, MAX_SLASH_PPM);
        emit ParameterSet("slashPpm", slashPpm, newSlashPpm);
        slashPpm = newSlashPpm;
    }

    /// @notice Sets the challenge bond, within [1, 1,000,000] OPG. Only the default admin.
    function setChallengeBond(uint256 newBond) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _checkBounds("challengeBond", newBond, MIN_CHALLENGE_BOND, MAX_CHALLENGE_BOND);
        emit ParameterSet("challengeBond", challengeBond, newBond);
        challengeBond = newBond;
    }

    /*//////////////////////////////////////////////////////////////////////////
                                 INTERNAL FUNCTIONS
    //////////////////////////////////////////////////////////////////////////*/

    function _commitRecord(uint256 nodeId, Proofs.Record calldata record) internal returns (bytes32 leaf) {
        bytes32 inferenceId = record.inferenceId;
        Proofs.SingleRecord storage stored = _records[inferenceId];
        require(stored.challengeableUntil == 0, ProofsInferenceAlreadyCommitted(inferenceId));
        leaf = leafOf(record);
        _records[inferenceId] = Proofs.SingleRecord({
            leafPrefix: bytes20(leaf),
            nodeId: SafeCast.toUint56(nodeId),
            challengeableUntil: uint40(block.timestamp + challengeWindow)
        });
        emit RecordCommitted(
            nodeId,
            inferenceId,
            record.modelId,
            record.inputHash,
            record.outputHash,
            record.proofType,
            record.proofHash,
            leaf
        );
    }

    /// @dev The node and the end of the window of the record being challenged, once it is known to be committed:
    /// in the batch `root` by `proof`, or, with `root` zero, as the single record of its inference id.
    function _challengeable(
        bytes32 root,
        Proofs.Record calldata record,
        bytes32 leaf,
        bytes32[] calldata proof
    ) internal view returns (uint64 nodeId, uint64 closedAt) {
        if (root == bytes32(0)) {
            Proofs.SingleRecord memory stored = _records[record.inferenceId];
            require(stored.challengeableUntil != 0, ProofsUnknownRecord(record.inferenceId));
            require(stored.leafPrefix == bytes20(leaf), ProofsRecordNotIncluded(root, leaf));
            return (stored.nodeId, stored.challengeableUntil);
        }
        Proofs.Commitment memory commitment = _existing(root);
        require(MerkleProof.verifyCalldata(proof, root, leaf), ProofsRecordNotIncluded(root, leaf));
        return (commitment.nodeId, commitment.challengeableUntil);
    }

    /// @dev Lets the verifier of the record's proof type decide, when there is one and the evidence is the proof
    /// the record committed to; otherwise the challenge waits for the arbiter.
    function _decideByVerifier(
        bytes32 challengeId,
        Proofs.Challenge storage c,
        Proofs.Record calldata record,
        bytes calldata evidence
    ) internal {
        IProofVerifier verifier = _verifiers[uint8(record.proofType)];
        if (address(verifier) != address(0) && keccak256(evidence) == record.proofHash) {
            _resolve(challengeId, c, !verifier.verify(record, evidence));
        }
    }

    /// @dev Settles a challenge: upheld slashes the node's operator and returns the bond; rejected pays the bond to
    /// the operator. The status is set before any call, so a challenge is decided once.
    function _resolve(bytes32 challengeId, Proofs.Challenge storage c, bool upheld) internal {
        c.status = upheld ? Proofs.ChallengeStatus.Upheld : Proofs.ChallengeStatus.Rejected;
        (address operator, ) = NODES.nodeOperatorOf(c.nodeId);
        uint256 bond = c.bond;
        uint256 slashed;
        if (upheld) {
            uint256 slashable = STAKING.slashableStakeOf(operator);
            // Within staking's own bound, so that a lowered bound there never blocks a decision here.
            slashed = Math.min((slashable * slashPpm) / PPM, (slashable * STAKING.maxSlashPpm()) / PPM);
            if (slashed > 0) STAKING.slash(operator, slashed, c.challenger);
            TOKEN.safeTransfer(c.challenger, bond);
        } else {
            TOKEN.safeTransfer(operator, bond);
        }
        emit ChallengeResolved(challengeId, upheld, slashed, upheld ? bond : 0);
    }

    function _checkOperator(uint256 nodeId) internal view {
        (address operator, bool serving) = NODES.nodeOperatorOf(nodeId);
        require(serving && operator == msg.sender, ProofsNotNodeOperator(nodeId, msg.sender));
    }

    function _existing(bytes32 root) internal view returns (Proofs.Commitment memory commitment) {
        commitment = _commitments[root];
        require(commitment.committedAt != 0, ProofsUnknownCommitment(root));
    }

    function _checkBounds(bytes32 parameter, uint256 value, uint256 minimum, uint256 maximum) internal pure {
        require(value >= minimum && value <= maximum, ProofsParameterOutOfBounds(parameter, value, minimum, maximum));
    }
}
