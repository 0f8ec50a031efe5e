// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {INodeRegistry} from "../interfaces/INodeRegistry.sol";
import {IProofRegistry} from "../interfaces/IProofRegistry.sol";
import {IProofVerifier} from "../interfaces/IProofVerifier.sol";
import {IStaking} from "../interfaces/IStaking.sol";
import {PPM} from "../libraries/PPM.sol";
import {MODE_COUNT, Nodes} from "../types/Nodes.sol";
import {Proofs} from "../types/Proofs.sol";

/// @title ProofRegistry
/// @notice See the documentation in {IProofRegistry}.
/// @dev One storage slot per commitment, whatever the number of records: a batch of a million records costs what a
/// batch of ten does. Batches are keyed by (node, root) and single records by (node, inference id), in separate
/// mappings, so that no node can take another's root or id and no batch root can stand in for a single record.
/// Disputes are kept per record (node, root, leaf): at most one challenge waits for the arbiter, holding a lock on
/// the operator's stake in staking; a verifier's decision or an upheld challenge settles the record once.
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
    /// requests), so that no node can commit a request's id before the request is fulfilled.
    bytes1 public constant override RESERVED_INFERENCE_PREFIX = 0xff;

    /// @notice How long a record stays challengeable after a challenge of it for the arbiter was rejected or expired,
    /// past its window if need be: a challenge that waits out the window, say an operator's own, shields nothing.
    uint64 public constant override RECHALLENGE_WINDOW = 1 days;
    uint64 public constant MIN_CHALLENGE_WINDOW = 1 hours;
    uint64 public constant MAX_CHALLENGE_WINDOW = 28 days;
    uint64 public constant MIN_DECISION_PERIOD = 1 days;
    uint64 public constant MAX_DECISION_PERIOD = 28 days;
    uint32 public constant MAX_SLASH_PPM = 100_000;
    uint256 public constant MIN_CHALLENGE_BOND = 1e18;
    uint256 public constant MAX_CHALLENGE_BOND = 1_000_000e18;
    uint32 public constant MAX_LOCK_BOND_PPM = 100_000;

    /// @inheritdoc IProofRegistry
    uint64 public constant override COVERAGE_PERIOD = 1 hours;

    /*//////////////////////////////////////////////////////////////////////////
                                  STATE VARIABLES
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice The token bonds are paid in (OPG).
    IERC20 public immutable TOKEN;

    /// @notice Where nodes and their operators are registered.
    INodeRegistry public immutable NODES;

    /// @notice Where operators' stake is locked and slashed.
    IStaking public immutable STAKING;

    /// @inheritdoc IProofRegistry
    uint64 public override challengeWindow = 7 days;

    /// @inheritdoc IProofRegistry
    uint64 public override decisionPeriod = 7 days;

    /// @inheritdoc IProofRegistry
    uint32 public override slashPpm = 50_000;

    /// @inheritdoc IProofRegistry
    uint256 public override challengeBond = 100e18;

    /// @inheritdoc IProofRegistry
    uint32 public override lockBondPpm = 10_000;

    /// @dev A longer window replaced by a shorter one, and when: commitments made under it may still be open.
    uint64 internal _replacedWindow;
    uint64 internal _windowReplacedAt;

    /// @dev What opening a challenge needs to know, past the checks of its record.
    struct Opening {
        uint256 nodeId;
        bytes32 root;
        bytes32 inferenceId;
        bytes32 recordKey;
        bool verifiable;
        bool upheld;
    }

    IProofVerifier[MODE_COUNT] internal _verifiers;
    mapping(uint256 nodeId => mapping(bytes32 root => Proofs.Commitment commitment)) internal _commitments;
    mapping(uint256 nodeId => mapping(bytes32 inferenceId => Proofs.SingleRecord record)) internal _records;
    mapping(bytes32 recordKey => Proofs.Dispute dispute) internal _disputes;
    mapping(bytes32 challengeId => Proofs.Challenge challenge) internal _challenges;
    mapping(address challenger => mapping(bytes32 commitment => uint64 blockNumber)) internal _challengeCommitments;
    mapping(uint256 nodeId => Proofs.Coverage coverage) internal _coverages;

    /*//////////////////////////////////////////////////////////////////////////
                                    CONSTRUCTOR
    //////////////////////////////////////////////////////////////////////////*/

    /// @param token The bond token (OPG).
    /// @param nodes The node registry.
    /// @param staking The staking contract, which must make this contract its slasher.
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
    function recordKeyOf(uint256 nodeId, bytes32 root, bytes32 leaf) public pure override returns (bytes32) {
        return keccak256(abi.encode(nodeId, root, leaf));
    }

    /// @inheritdoc IProofRegistry
    function longestOpenWindow() external view override returns (uint64) {
        return COVERAGE_PERIOD + _longestWindow();
    }

    /// @inheritdoc IProofRegistry
    function coverageOf(uint256 nodeId) external view override returns (Proofs.Coverage memory) {
        return _coverages[nodeId];
    }

    /// @inheritdoc IProofRegistry
    function challengeCommitmentOf(
        address challenger,
        uint256 nodeId,
        bytes32 root,
        Proofs.Record calldata record,
        bytes calldata evidence
    ) external pure override returns (bytes32) {
        return _challengeCommitment(challenger, recordKeyOf(nodeId, root, leafOf(record)), evidence);
    }

    /// @inheritdoc IProofRegistry
    function challengeCommittedAt(address challenger, bytes32 commitment) external view override returns (uint64) {
        return _challengeCommitments[challenger][commitment];
    }

    /// @inheritdoc IProofRegistry
    function getCommitment(uint256 nodeId, bytes32 root) external view override returns (Proofs.Commitment memory) {
        return _commitments[nodeId][root];
    }

    /// @inheritdoc IProofRegistry
    function getRecord(
        uint256 nodeId,
        bytes32 inferenceId
    ) external view override returns (Proofs.SingleRecord memory) {
        return _records[nodeId][inferenceId];
    }

    /// @inheritdoc IProofRegistry
    function isIncluded(
        uint256 nodeId,
        bytes32 root,
        Proofs.Record calldata record,
        bytes32[] calldata proof
    ) external view override returns (bool) {
        return isLeafIncluded(nodeId, root, leafOf(record), proof);
    }

    /// @inheritdoc IProofRegistry
    function isLeafIncluded(
        uint256 nodeId,
        bytes32 root,
        bytes32 leaf,
        bytes32[] calldata proof
    ) public view override returns (bool) {
        return _commitments[nodeId][root].committedAt != 0 && MerkleProof.verifyCalldata(proof, root, leaf);
    }

    /// @inheritdoc IProofRegistry
    function isRecordCommitted(uint256 nodeId, Proofs.Record calldata record) public view override returns (bool) {
        Proofs.SingleRecord storage stored = _records[nodeId][record.inferenceId];
        return stored.challengeableUntil != 0 && stored.leafPrefix == bytes20(leafOf(record));
    }

    /// @inheritdoc IProofRegistry
    function isFinal(uint256 nodeId, bytes32 root) external view override returns (bool) {
        return block.timestamp > _existing(nodeId, root).challengeableUntil;
    }

    /// @inheritdoc IProofRegistry
    function isRecordFinal(uint256 nodeId, bytes32 inferenceId) external view override returns (bool) {
        uint40 until = _records[nodeId][inferenceId].challengeableUntil;
        require(until != 0, ProofsUnknownRecord(nodeId, inferenceId));
        return block.timestamp > until;
    }

    /// @inheritdoc IProofRegistry
    function getChallenge(bytes32 challengeId) external view override returns (Proofs.Challenge memory) {
        return _challenges[challengeId];
    }

    /// @inheritdoc IProofRegistry
    function getDispute(bytes32 recordKey) external view override returns (Proofs.Dispute memory) {
        return _disputes[recordKey];
    }

    /*//////////////////////////////////////////////////////////////////////////
                                NON-CONSTANT FUNCTIONS
    //////////////////////////////////////////////////////////////////////////*/

    /// @inheritdoc IProofRegistry
    function checkCoverage(uint256 nodeId) external override {
        _checkCoverage(nodeId);
    }

    /// @inheritdoc IProofRegistry
    function commitRecord(uint256 nodeId, Proofs.Record calldata record) external override returns (bytes32) {
        uint64 window = _coveredWindow(nodeId);
        require(record.inferenceId[0] != RESERVED_INFERENCE_PREFIX, ProofsReservedInferenceId(record.inferenceId));
        return _commitRecord(nodeId, record, window);
    }

    /// @inheritdoc IProofRegistry
    function commitRecordFor(
        uint256 nodeId,
        Proofs.Record calldata record
    ) external override onlyRole(RECORDER_ROLE) returns (bytes32) {
        return _commitRecord(nodeId, record, challengeWindow);
    }

    /// @inheritdoc IProofRegistry
    function commitBatch(uint256 nodeId, bytes32 root, uint64 recordCount, string calldata uri) external override {
        uint64 window = _coveredWindow(nodeId);
        require(root != bytes32(0) && recordCount > 0, ProofsEmptyBatch());
        Proofs.Commitment storage commitment = _commitments[nodeId][root];
        require(commitment.committedAt == 0, ProofsBatchAlreadyCommitted(nodeId, root));
        commitment.committedAt = uint40(block.timestamp);
        commitment.challengeableUntil = uint40(block.timestamp + window);
        commitment.recordCount = recordCount;
        emit BatchCommitted(nodeId, root, recordCount, uri);
    }

    /// @inheritdoc IProofRegistry
    function challenge(
        uint256 nodeId,
        bytes32 root,
        Proofs.Record calldata record,
        bytes32[] calldata proof,
        bytes calldata evidence
    ) external override returns (bytes32 challengeId) {
        // Check: a record of the node's batch, or the single record it committed under the inference id, not yet
        // settled; the caller's own commitment to this challenge from an earlier block, used up; then what the
        // record's proof type's verifier, if the evidence is for it, makes of it.
        Opening memory opening = Opening({
            nodeId: nodeId,
            root: root,
            inferenceId: record.inferenceId,
            recordKey: _openRecordKey(nodeId, root, record, proof),
            verifiable: false,
            upheld: false
        });
        bytes32 commitment = _challengeCommitment(msg.sender, opening.recordKey, evidence);
        uint64 committedAt = _challengeCommitments[msg.sender][commitment];
        require(committedAt != 0 && committedAt < block.number, ProofsChallengeNotCommitted(msg.sender, commitment));
        delete _challengeCommitments[msg.sender][commitment];
        (opening.verifiable, opening.upheld) = _verifierOutcome(record, evidence);
        return _open(opening);
    }

    /// @inheritdoc IProofRegistry
    function commitChallenge(bytes32 commitment) external override {
        _challengeCommitments[msg.sender][commitment] = uint64(block.number);
        emit ChallengeCommitted(msg.sender, commitment);
    }

    /// @inheritdoc IProofRegistry
    function resolveChallenge(bytes32 challengeId, bool upheld) external override onlyRole(ARBITER_ROLE) {
        Proofs.Challenge storage c = _pending(challengeId);
        require(block.timestamp <= c.decideBy, ProofsDecisionDeadlinePassed(challengeId, c.decideBy));
        Proofs.Dispute storage dispute = _disputes[c.recordKey];
        dispute.pendingChallengeId = bytes32(0);
        // Upheld settles the record; rejected leaves it open to other evidence, for a while past its window if need be.
        if (upheld) dispute.settled = true;
        else dispute.reopenedUntil = uint40(block.timestamp + RECHALLENGE_WINDOW);
        address operator = NODES.operatorOf(c.nodeId);
        _close(challengeId, c, operator, upheld ? Proofs.ChallengeStatus.Upheld : Proofs.ChallengeStatus.Rejected);
    }

    /// @inheritdoc IProofRegistry
    function expireChallenge(bytes32 challengeId) external override {
        Proofs.Challenge storage c = _pending(challengeId);
        require(block.timestamp > c.decideBy, ProofsDecisionDeadlineNotPassed(challengeId, c.decideBy));
        Proofs.Dispute storage dispute = _disputes[c.recordKey];
        dispute.pendingChallengeId = bytes32(0);
        dispute.reopenedUntil = uint40(block.timestamp + RECHALLENGE_WINDOW);
        address operator = NODES.operatorOf(c.nodeId);
        _close(challengeId, c, operator, Proofs.ChallengeStatus.Expired);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                    GOVERNANCE
    //////////////////////////////////////////////////////////////////////////*/

    /// @inheritdoc IProofRegistry
    function setVerifier(Nodes.Mode proofType, IProofVerifier verifier) external override onlyRole(DEFAULT_ADMIN_ROLE) {
        emit VerifierSet(proofType, address(_verifiers[uint8(proofType)]), address(verifier));
        _verifiers[uint8(proofType)] = verifier;
    }

    /// @inheritdoc IProofRegistry
    function setChallengeWindow(uint64 newWindow) external override onlyRole(DEFAULT_ADMIN_ROLE) {
        uint64 thaw = STAKING.thawingPeriod();
        uint64 margin = RECHALLENGE_WINDOW + COVERAGE_PERIOD;
        uint64 maximum = thaw > margin ? thaw - margin : 0;
        if (maximum > MAX_CHALLENGE_WINDOW) maximum = MAX_CHALLENGE_WINDOW;
        _checkBounds("challengeWindow", newWindow, MIN_CHALLENGE_WINDOW, maximum);
        // A shorter window leaves the longer one on record for as long as its commitments may be open, so that
        // staking's thaw cannot be shortened under them.
        uint64 longest = _longestWindow();
        if (newWindow < longest) (_replacedWindow, _windowReplacedAt) = (longest, uint64(block.timestamp));
        emit ChallengeWindowSet(challengeWindow, newWindow);
        challengeWindow = newWindow;
    }

    /// @inheritdoc IProofRegistry
    function setDecisionPeriod(uint64 newPeriod) external override onlyRole(DEFAULT_ADMIN_ROLE) {
        _checkBounds("decisionPeriod", newPeriod, MIN_DECISION_PERIOD, MAX_DECISION_PERIOD);
        emit DecisionPeriodSet(decisionPeriod, newPeriod);
        decisionPeriod = newPeriod;
    }

    /// @inheritdoc IProofRegistry
    function setSlash(uint32 newSlashPpm) external override onlyRole(DEFAULT_ADMIN_ROLE) {
        _checkBounds("slashPpm", newSlashPpm, 0, MAX_SLASH_PPM);
        emit SlashSet(slashPpm, newSlashPpm);
        slashPpm = newSlashPpm;
    }

    /// @inheritdoc IProofRegistry
    function setLockBond(uint32 newLockBondPpm) external override onlyRole(DEFAULT_ADMIN_ROLE) {
        _checkBounds("lockBondPpm", newLockBondPpm, 0, MAX_LOCK_BOND_PPM);
        emit LockBondSet(lockBondPpm, newLockBondPpm);
        lockBondPpm = newLockBondPpm;
    }

    /// @inheritdoc IProofRegistry
    function setChallengeBond(uint256 newBond) external override onlyRole(DEFAULT_ADMIN_ROLE) {
        _checkBounds("challengeBond", newBond, MIN_CHALLENGE_BOND, MAX_CHALLENGE_BOND);
        emit ChallengeBondSet(challengeBond, newBond);
        challengeBond = newBond;
    }

    /*//////////////////////////////////////////////////////////////////////////
                                 INTERNAL FUNCTIONS
    //////////////////////////////////////////////////////////////////////////*/

    function _commitRecord(
        uint256 nodeId,
        Proofs.Record calldata record,
        uint64 window
    ) internal returns (bytes32 leaf) {
        bytes32 inferenceId = record.inferenceId;
        Proofs.SingleRecord storage stored = _records[nodeId][inferenceId];
        require(stored.challengeableUntil == 0, ProofsInferenceAlreadyCommitted(nodeId, inferenceId));
        leaf = leafOf(record);
        stored.leafPrefix = bytes20(leaf);
        stored.challengeableUntil = uint40(block.timestamp + window);
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

    /// @dev The longest challenge window of a commitment that can still be made or be open: the one in force, or a
    /// longer one it replaced, which coverages taken before commit under for one more period.
    function _longestWindow() internal view returns (uint64) {
        uint64 replaced = _replacedWindow;
        uint64 window = challengeWindow;
        bool replacedOpen = block.timestamp < uint256(_windowReplacedAt) + COVERAGE_PERIOD + replaced;
        return replaced > window && replacedOpen ? replaced : window;
    }

    /// @dev The key of a record that can be challenged now: committed by the node, in its window, not settled.
    function _openRecordKey(
        uint256 nodeId,
        bytes32 root,
        Proofs.Record calldata record,
        bytes32[] calldata proof
    ) internal view returns (bytes32 recordKey) {
        bytes32 leaf = leafOf(record);
        uint64 closedAt = _challengeable(nodeId, root, record, leaf, proof);
        recordKey = recordKeyOf(nodeId, root, leaf);
        Proofs.Dispute storage dispute = _disputes[recordKey];
        if (dispute.reopenedUntil > closedAt) closedAt = dispute.reopenedUntil;
        require(block.timestamp <= closedAt, ProofsChallengeWindowClosed(root, closedAt));
        require(!dispute.settled, ProofsRecordSettled(recordKey));
    }

    /// @dev Whether the record's proof type has a verifier and the evidence is the proof the record committed to, and
    /// if so whether the verifier finds it invalid (the challenge upheld). A view: the verifier cannot re-enter, and
    /// one that reverts only stops this evidence.
    function _verifierOutcome(
        Proofs.Record calldata record,
        bytes calldata evidence
    ) internal view returns (bool verifiable, bool upheld) {
        IProofVerifier verifier = _verifiers[uint8(record.proofType)];
        verifiable = address(verifier) != address(0) && keccak256(evidence) == record.proofHash;
        upheld = verifiable && !verifier.verify(record, evidence);
    }

    /// @dev Opens a challenge of a record that can be challenged, and closes it at once when a verifier decided.
    function _open(Opening memory opening) internal returns (bytes32 challengeId) {
        // Check: never challenged by the caller; only the arbiter's queue is one at a time, so that evidence that a
        // verifier checks always reaches it.
        challengeId = keccak256(abi.encode(opening.recordKey, msg.sender));
        Proofs.Challenge storage c = _challenges[challengeId];
        require(c.status == Proofs.ChallengeStatus.None, ProofsAlreadyChallenged(challengeId));
        Proofs.Dispute storage dispute = _disputes[opening.recordKey];
        bytes32 pending = dispute.pendingChallengeId;
        require(opening.verifiable || pending == bytes32(0), ProofsAlreadyChallenged(pending));
        address operator = NODES.operatorOf(opening.nodeId);
        (uint256 slash, uint256 bond) = _slashAndBond(opening, operator);

        // Effect
        c.challenger = msg.sender;
        c.openedAt = uint40(block.timestamp);
        c.decideBy = uint40(block.timestamp + decisionPeriod);
        c.status = Proofs.ChallengeStatus.Pending;
        c.bond = uint128(bond);
        c.recordKey = opening.recordKey;
        c.nodeId = uint64(opening.nodeId);
        // A verifier's outcome settles the record, and closes the challenge waiting for the arbiter with it.
        if (opening.verifiable) dispute.settled = true;
        dispute.pendingChallengeId = opening.verifiable ? bytes32(0) : challengeId;

        // Interaction: the bond; the challenge that waited closed (releasing its lock); the slash fixed above locked.
        TOKEN.safeTransferFrom(msg.sender, address(this), bond);
        if (opening.verifiable && pending != bytes32(0)) {
            Proofs.ChallengeStatus superseded =
                opening.upheld ? Proofs.ChallengeStatus.Superseded : Proofs.ChallengeStatus.Rejected;
            _close(pending, _challenges[pending], operator, superseded);
        }
        if (slash > 0) c.lockedStake = uint128(STAKING.lockStake(operator, slash));
        emit RecordChallenged(
            challengeId,
            opening.nodeId,
            opening.inferenceId,
            opening.root,
            opening.recordKey,
            msg.sender,
            c.bond,
            c.lockedStake,
            c.decideBy
        );
        if (opening.verifiable) {
            _close(
                challengeId,
                c,
                operator,
                opening.upheld ? Proofs.ChallengeStatus.Upheld : Proofs.ChallengeStatus.Rejected
            );
        }
    }

    /// @dev A challenger's commitment to challenging the record `recordKey` with `evidence` ({challengeCommitmentOf}).
    function _challengeCommitment(
        address challenger,
        bytes32 recordKey,
        bytes calldata evidence
    ) internal pure returns (bytes32) {
        return keccak256(abi.encode(challenger, recordKey, keccak256(evidence)));
    }

    /// @dev The slash fixed when a challenge is opened (the slash in force then is the one its decision applies;
    /// none when a verifier rejects it at once), and its bond: for a challenge that waits for the arbiter, at least
    /// {lockBondPpm} of the slash it locks.
    function _slashAndBond(
        Opening memory opening,
        address operator
    ) internal view returns (uint256 slash, uint256 bond) {
        slash = !opening.verifiable || opening.upheld ? _slashOf(operator) : 0;
        bond = challengeBond;
        if (!opening.verifiable) bond = Math.max(bond, PPM.mulPpm(slash, lockBondPpm));
    }

    /// @dev The slash a new challenge's upholding takes: {slashPpm} of the operator's slashable stake now, within
    /// staking's own bound. Staking adds it to the operator's pending slashes, which lock it.
    function _slashOf(address operator) internal view returns (uint256) {
        return PPM.mulPpm(STAKING.slashableStakeOf(operator), uint32(Math.min(slashPpm, STAKING.maxSlashPpm())));
    }

    /// @dev The end of the window of the record being challenged, once it is known to be committed by the node: in
    /// its batch `root` by `proof`, or, with `root` zero, as its single record of the inference id.
    function _challengeable(
        uint256 nodeId,
        bytes32 root,
        Proofs.Record calldata record,
        bytes32 leaf,
        bytes32[] calldata proof
    ) internal view returns (uint64 closedAt) {
        if (root == bytes32(0)) {
            Proofs.SingleRecord memory stored = _records[nodeId][record.inferenceId];
            require(stored.challengeableUntil != 0, ProofsUnknownRecord(nodeId, record.inferenceId));
            require(stored.leafPrefix == bytes20(leaf), ProofsRecordNotIncluded(root, leaf));
            return stored.challengeableUntil;
        }
        Proofs.Commitment memory commitment = _existing(nodeId, root);
        require(MerkleProof.verifyCalldata(proof, root, leaf), ProofsRecordNotIncluded(root, leaf));
        return commitment.challengeableUntil;
    }

    /// @dev Closes a challenge with `outcome`. Upheld slashes its pending slash and returns the bond; superseded
    /// releases it and returns the bond; rejected and expired release it and burn the bond, so that a failed
    /// challenge profits no one, not even an operator challenging itself to lock its delegators' stake. The status
    /// is set before any call, so a challenge is closed once.
    function _close(
        bytes32 challengeId,
        Proofs.Challenge storage c,
        address operator,
        Proofs.ChallengeStatus outcome
    ) internal {
        c.status = outcome;
        // The slash may leave the node short of its minimum: its next commit checks in full.
        if (outcome == Proofs.ChallengeStatus.Upheld) delete _coverages[c.nodeId];
        uint256 locked = c.lockedStake;
        uint256 bond = c.bond;
        address challenger = c.challenger;
        bool returnBond = outcome == Proofs.ChallengeStatus.Upheld || outcome == Proofs.ChallengeStatus.Superseded;
        address bondRecipient = returnBond ? challenger : address(0);
        uint256 slashed;
        uint256 toChallenger;
        if (locked > 0) {
            if (outcome == Proofs.ChallengeStatus.Upheld) {
                (slashed, toChallenger) = STAKING.slash(operator, locked, challenger);
            } else {
                STAKING.unlockStake(operator, locked);
            }
        }
        if (returnBond) TOKEN.safeTransfer(challenger, bond);
        else ERC20Burnable(address(TOKEN)).burn(bond);
        emit ChallengeResolved(challengeId, outcome, slashed, toChallenger, bondRecipient, bond);
    }

    function _pending(bytes32 challengeId) internal view returns (Proofs.Challenge storage c) {
        c = _challenges[challengeId];
        require(c.status == Proofs.ChallengeStatus.Pending, ProofsChallengeNotPending(challengeId));
    }

    /// @dev The challenge window of a commit by the caller for its node: from the node's coverage while it is in
    /// force, from a full check of the node's standing otherwise, which renews the coverage.
    function _coveredWindow(uint256 nodeId) internal returns (uint64) {
        Proofs.Coverage memory coverage = _coverages[nodeId];
        if (coverage.operator == msg.sender && block.timestamp < coverage.until) return coverage.window;
        coverage = _checkCoverage(nodeId);
        require(coverage.operator == msg.sender, ProofsNotNodeOperator(nodeId, msg.sender));
        return coverage.window;
    }

    /// @dev Checks the node's standing in full: a node that may work is covered for {COVERAGE_PERIOD} under the
    /// challenge window in force, any other loses its coverage. Returns the coverage now in force, zero for none.
    function _checkCoverage(uint256 nodeId) internal returns (Proofs.Coverage memory coverage) {
        (address operator, bool serving) = NODES.nodeOperatorOf(nodeId);
        if (serving) {
            coverage = Proofs.Coverage(operator, uint40(block.timestamp + COVERAGE_PERIOD), uint40(challengeWindow));
            _coverages[nodeId] = coverage;
            emit CoverageSet(nodeId, operator, coverage.until, coverage.window);
        } else if (_coverages[nodeId].until != 0) {
            delete _coverages[nodeId];
            emit CoverageSet(nodeId, operator, 0, 0);
        }
    }

    function _existing(uint256 nodeId, bytes32 root) internal view returns (Proofs.Commitment memory commitment) {
        commitment = _commitments[nodeId][root];
        require(commitment.committedAt != 0, ProofsUnknownCommitment(nodeId, root));
    }

    function _checkBounds(bytes32 parameter, uint256 value, uint256 minimum, uint256 maximum) internal pure {
        require(value >= minimum && value <= maximum, ProofsParameterOutOfBounds(parameter, value, minimum, maximum));
    }
}
