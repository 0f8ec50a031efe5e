// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {OPG} from "@opg/token/OPG.sol";
import {Staking} from "@opg/staking/Staking.sol";
import {NodeRegistry} from "@opg/nodes/NodeRegistry.sol";
import {ProofRegistry} from "@opg/proofs/ProofRegistry.sol";
import {Stakes} from "@opg/types/Stakes.sol";
import {Nodes} from "@opg/types/Nodes.sol";
import {Proofs} from "@opg/types/Proofs.sol";

import {Disputes} from "../utils/Disputes.sol";
import {System} from "../utils/System.sol";

/// @notice Drives staking, nodes and the dispute path: stake, unstake, delegate, undelegate, withdraw, claim, node fees
/// paid in, cut changes; nodes registered, seen, retired and jailed; proof records and batch roots committed and
/// challenged, challenges upheld (slashing) or rejected by the arbiter or decided at once by a verifier; governance
/// moving parameters within their bounds; time passing. It is the arbiter, the jailer and the admin.
contract StakingHandler is Disputes {
    uint256 internal constant PPM = 1_000_000;
    uint256 public constant MAX_RECORDS = 64;

    struct Record {
        uint256 nodeId;
        Proofs.Record record;
        bytes32 root;
        bytes32 sibling;
        bytes evidence;
    }

    OPG public immutable token;
    Staking public immutable staking;
    NodeRegistry public immutable nodes;
    ProofRegistry public immutable proofs;
    address public immutable challenger;
    address public immutable feeSource;
    bytes32 public immutable teeMeasurement;
    bytes32[] internal _models;

    address[] public operators;
    address[] public delegators;
    /// @dev Operators first, then delegators.
    address[] public stakers;
    uint256[] public nodeIds;
    Record[] internal _records;
    bytes32[] public pendingChallenges;
    uint256 internal _nonce;

    mapping(address account => uint256 amount) public deposited;
    mapping(address account => uint256 amount) public withdrawn;
    /// @dev Withdrawals that pending slashes held to part of what had thawed.
    uint256 public ghostPartialWithdrawals;
    mapping(address account => uint256 amount) public claimed;
    uint256 public ghostClaimed;
    uint256 public ghostFees;
    /// @dev Actions that price shares (delegate, undelegate, unstake into a thawing pool): each rounds down, and the
    /// wei it leaves in a pool belongs to the pool's other holders.
    uint256 public ghostShareActions;

    constructor(
        System memory s,
        address[] memory operators_,
        address[] memory delegators_,
        address challenger_,
        bytes32[] memory models_,
        bytes32 teeMeasurement_
    ) {
        token = s.token;
        staking = s.staking;
        nodes = s.nodes;
        proofs = s.proofs;
        operators = operators_;
        delegators = delegators_;
        for (uint256 i; i < operators_.length; ++i) stakers.push(operators_[i]);
        for (uint256 i; i < delegators_.length; ++i) stakers.push(delegators_[i]);
        challenger = challenger_;
        feeSource = address(s.escrow);
        _models = models_;
        teeMeasurement = teeMeasurement_;
    }

    function maxWarp() public pure override returns (uint256) {
        return 20 days;
    }

    /*//////////////////////////////////////////////////////////////////////////
                                      STAKING
    //////////////////////////////////////////////////////////////////////////*/

    function stake(uint256 opSeed, uint256 amount) external tick("stake") {
        address op = _pick(operators, opSeed);
        amount = bound(amount, 1, token.balanceOf(op));
        vm.prank(op);
        staking.stake(amount);
        deposited[op] += amount;
    }

    function unstake(uint256 opSeed, uint256 amount) external tick("unstake") {
        address op = _pick(operators, opSeed);
        uint256 active = staking.getOperator(op).ownActive;
        if (active == 0) return;
        uint256 minimum = staking.minimumDelegation();
        amount = active <= minimum ? active : bound(amount, minimum, active);
        vm.prank(op);
        staking.unstake(amount);
        ++ghostShareActions;
    }

    function delegate(uint256 dSeed, uint256 opSeed, uint256 amount) external tick("delegate") {
        address d = _pick(delegators, dSeed);
        address op = _pick(operators, opSeed);
        Stakes.Operator memory o = staking.getOperator(op);
        uint256 minimum = staking.minimumDelegation();
        uint256 balance = token.balanceOf(d);
        if (!o.staked || balance < minimum || (o.delegated.tokens == 0 && o.delegated.shares > 0)) return;
        amount = bound(amount, minimum, balance);
        if (o.delegated.shares > 0 && (amount * o.delegated.shares) / o.delegated.tokens == 0) return;
        // The cut a delegator accepts: mostly anything, sometimes a bound the operator's cut may break.
        uint32 maxCut = amount % 3 == 0 ? uint32(amount % (PPM + 1)) : uint32(PPM);
        uint32 cut = o.pendingCutAt != 0 && o.pendingCutPpm > o.cutPpm ? o.pendingCutPpm : o.cutPpm;
        vm.prank(d);
        try staking.delegate(op, amount, maxCut) {
            _check(cut <= maxCut, "cut", "a delegation went through under a cut above what it accepted");
        } catch {
            _check(cut > maxCut, "cut", "a delegation within its accepted cut was refused");
            return;
        }
        deposited[d] += amount;
        ++ghostShareActions;
    }

    function undelegate(uint256 dSeed, uint256 opSeed, uint256 shares) external tick("undelegate") {
        address d = _pick(delegators, dSeed);
        address op = _pick(operators, opSeed);
        (uint256 held, , ) = staking.getDelegation(op, d);
        if (held == 0) return;
        shares = bound(shares, 1, held);
        Stakes.Operator memory o = staking.getOperator(op);
        uint256 value = o.delegated.shares == 0 ? 0 : (shares * o.delegated.tokens) / o.delegated.shares;
        if (value < staking.minimumDelegation()) shares = held;
        vm.prank(d);
        staking.undelegate(op, shares);
        ++ghostShareActions;
    }

    function withdraw(uint256 stakerSeed, uint256 opSeed, uint256 maxRequests) external tick("withdraw") {
        address staker = _pick(stakers, stakerSeed);
        address op = stakerSeed % stakers.length < operators.length ? staker : _pick(operators, opSeed);
        (, , uint64[] memory until) = staking.thawRequestsOf(staker, op);
        if (until.length == 0 || until[0] > block.timestamp) return;
        (uint256 expected, , ) = staking.withdrawableOf(staker, op);
        // withdrawableOf ignores pending slashes: a withdrawal takes only what they leave free, out of part of a
        // request if need be (in whole shares).
        (uint256 free, uint256 rounding) = _freeOfLock(op, staker == op);
        bool limited = free < expected;
        if (limited) expected = free;
        // Mostly everything due; sometimes one request at a time.
        maxRequests = maxRequests % 4 == 0 ? 1 : 0;
        uint256 before = token.balanceOf(staker);
        vm.prank(staker);
        uint256 amount;
        try staking.withdraw(op, maxRequests) returns (uint256 paid) {
            amount = paid;
        } catch {
            // Something has thawed: only pending slashes may hold it back, and only when (next to) nothing is free.
            _check(free <= rounding, "withdraw", "a withdrawal of thawed stake reverted with stake free of the lock");
            return;
        }
        if (maxRequests == 0 && !limited) {
            _check(amount == expected, "withdraw", "withdraw paid other than withdrawableOf");
        } else if (maxRequests == 0) {
            _check(
                amount <= expected && amount + rounding >= expected,
                "withdraw",
                "a withdrawal held by pending slashes paid other than what they leave free"
            );
            ++ghostPartialWithdrawals;
        } else {
            _check(amount <= expected, "withdraw", "one request paid more than withdrawableOf or the free stake");
        }
        _check(token.balanceOf(staker) == before + amount, "withdraw", "the staker got other than withdraw said");
        withdrawn[staker] += amount;
    }

    function claim(uint256 accountSeed, uint256 opSeed) external tick("claim") {
        address op = _pick(operators, opSeed);
        address account = accountSeed % 2 == 0 ? op : _pick(delegators, accountSeed / 2);
        uint256 expected = staking.claimableRewards(account, op);
        if (expected == 0) return;
        vm.prank(account);
        uint256 amount = staking.claimRewards(op);
        _check(amount == expected, "claim", "claimRewards paid other than claimableRewards");
        claimed[account] += amount;
        ghostClaimed += amount;
    }

    /// @notice Node fees paid in, as the payments escrow (staking's fee source) does: credited, then sent.
    function creditFees(uint256 opSeed, uint256 amount) external tick("creditFees") {
        amount = bound(amount, 1, 1_000_000e18);
        vm.prank(feeSource);
        staking.creditFees(_pick(operators, opSeed), amount);
        token.transfer(address(staking), amount);
        ghostFees += amount;
    }

    function setCut(uint256 opSeed, uint256 cut) external tick("setCut") {
        address op = _pick(operators, opSeed);
        if (!staking.getOperator(op).staked) return;
        vm.prank(op);
        staking.setDelegationCut(uint32(bound(cut, 0, PPM)));
    }

    function applyCut(uint256 opSeed) external tick("applyCut") {
        address op = _pick(operators, opSeed);
        uint40 at = staking.getOperator(op).pendingCutAt;
        if (at == 0 || at > block.timestamp) return;
        staking.applyDelegationCut(op);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                       NODES
    //////////////////////////////////////////////////////////////////////////*/

    function registerNode(uint256 opSeed, uint256 modes, uint256 price) external tick("registerNode") {
        if (nodeIds.length >= 12) return;
        Nodes.NodeParams memory p;
        p.modes = uint8(bound(modes, 1, 7));
        uint8 top =
            p.modes >= 4
                ? 2
                : p.modes >= 2
                    ? 1
                    : 0;
        // The chosen operator, or the next one whose stake covers one more node.
        address op;
        for (uint256 i; i < operators.length; ++i) {
            address candidate = operators[(opSeed + i) % operators.length];
            uint256 required = nodes.requiredStakeOf(candidate) + nodes.minimumStake(Nodes.Mode(top));
            (uint256 own, ) = staking.stakeOf(candidate);
            uint256 requiredOwn = nodes.requiredOwnStakeOf(candidate) + nodes.minimumOwnStake();
            if (staking.activeStakeOf(candidate) >= required && own >= requiredOwn) {
                op = candidate;
                break;
            }
        }
        if (op == address(0)) return;
        p.metadataURI = "ipfs://node";
        p.capacity = 8;
        if (p.modes & 2 != 0) p.teeMeasurement = teeMeasurement;
        for (uint256 m; m < 3; ++m) if (p.modes & (1 << m) != 0) p.prices[m] = uint80(bound(price, 0, 1e24) >> m);
        bytes32[] memory served = new bytes32[](1);
        served[0] = _models[price % _models.length];
        vm.prank(op);
        nodeIds.push(nodes.registerNode(p, served));
    }

    function heartbeat(uint256 nodeSeed) external tick("heartbeat") {
        (uint256 id, address op, bool active) = _node(nodeSeed);
        if (!active) return;
        vm.prank(op);
        nodes.heartbeat(id);
    }

    function deregisterNode(uint256 nodeSeed) external tick("deregisterNode") {
        (uint256 id, address op, bool active) = _node(nodeSeed);
        if (!active) return;
        vm.prank(op);
        nodes.deregisterNode(id);
    }

    function jailNode(uint256 nodeSeed, uint256 duration) external tick("jailNode") {
        (uint256 id, , ) = _node(nodeSeed);
        if (id == 0) return;
        if (duration % 5 == 0) nodes.unjailNode(id);
        else nodes.jailNode(id, uint64(block.timestamp + bound(duration, 1, 90 days)));
    }

    /*//////////////////////////////////////////////////////////////////////////
                               PROOFS AND DISPUTES
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice One record, its evidence valid or not (the verifier rejects proofs starting with 0x00).
    function commitRecord(uint256 nodeSeed, uint256 seed) external tick("commitRecord") {
        (uint256 id, address op, ) = _node(nodeSeed);
        (, bool serving) = nodes.nodeOperatorOf(id);
        if (!serving || _records.length >= MAX_RECORDS) return;
        Record storage r = _newRecord(seed);
        r.nodeId = id;
        vm.prank(op);
        proofs.commitRecord(id, r.record);
    }

    /// @notice A batch of two records; both are kept, with their Merkle proofs (each other's leaf).
    function commitBatch(uint256 nodeSeed, uint256 seed) external tick("commitBatch") {
        (uint256 id, address op, ) = _node(nodeSeed);
        (, bool serving) = nodes.nodeOperatorOf(id);
        if (!serving || _records.length + 2 > MAX_RECORDS) return;
        Record storage a = _newRecord(seed);
        Record storage b = _newRecord(seed >> 1);
        bytes32 leafA = proofs.leafOf(a.record);
        bytes32 leafB = proofs.leafOf(b.record);
        bytes32 root =
            leafA < leafB ? keccak256(abi.encodePacked(leafA, leafB)) : keccak256(abi.encodePacked(leafB, leafA));
        (a.root, a.sibling, b.root, b.sibling) = (root, leafB, root, leafA);
        (a.nodeId, b.nodeId) = (id, id);
        vm.prank(op);
        proofs.commitBatch(id, root, 2, "ipfs://batch");
    }

    /// @notice Challenges a record: with its evidence (a ZK record is then decided at once by the verifier) or not
    /// (the arbiter decides later, with the slash fixed now locked in staking).
    function challenge(uint256 recordSeed, bool withEvidence) external tick("challenge") {
        if (_records.length == 0) return;
        Record storage r = _records[recordSeed % _records.length];
        bytes32 key = proofs.recordKeyOf(r.nodeId, r.root, proofs.leafOf(r.record));
        bytes32 id = keccak256(abi.encode(key, challenger));
        if (proofs.getChallenge(id).status != Proofs.ChallengeStatus.None || proofs.getDispute(key).settled) return;
        uint256 closedAt =
            r.root == bytes32(0)
                ? proofs.getRecord(r.nodeId, r.record.inferenceId).challengeableUntil
                : proofs.getCommitment(r.nodeId, r.root).challengeableUntil;
        if (block.timestamp > closedAt) return;
        bytes32[] memory proof = new bytes32[](r.root == bytes32(0) ? 0 : 1);
        if (proof.length == 1) proof[0] = r.sibling;
        (address op, ) = nodes.nodeOperatorOf(r.nodeId);
        Before memory before = _before(op, challenger);
        uint256 bound_ = (before.slashable * staking.maxSlashPpm()) / PPM;
        bytes memory evidence = withEvidence ? r.evidence : bytes("no evidence");
        // Committed in one block and opened in the next, as every challenger must.
        bytes32 commitment = proofs.challengeCommitmentOf(challenger, r.nodeId, r.root, r.record, evidence);
        vm.prank(challenger);
        proofs.commitChallenge(commitment);
        vm.roll(block.number + 1);
        vm.recordLogs();
        vm.prank(challenger);
        proofs.challenge(r.nodeId, r.root, r.record, proof, evidence);
        Proofs.Challenge memory c = proofs.getChallenge(id);
        _check(c.lockedStake <= bound_, "slashBound", "a lock above maxSlashPpm of the slashable stake");
        if (c.status == Proofs.ChallengeStatus.Pending) {
            vm.getRecordedLogs();
            pendingChallenges.push(id);
            ghostBonds += c.bond;
            _check(token.balanceOf(challenger) + c.bond == before.challengerBalance, "bond", "bond not taken");
        } else {
            _afterDecision(c, before, _said(id, op), true);
        }
    }

    /// @notice The arbiter decides a pending challenge before its deadline.
    function resolve(uint256 challengeSeed, bool upheld) external tick("resolve") {
        _close(challengeSeed, upheld, false);
    }

    /// @notice Anyone closes a pending challenge the arbiter left past its deadline.
    function expire(uint256 challengeSeed) external tick("expire") {
        _close(challengeSeed, false, true);
    }

    function _close(uint256 challengeSeed, bool upheld, bool expiring) internal {
        uint256 count = pendingChallenges.length;
        if (count == 0) return;
        uint256 index = challengeSeed % count;
        bytes32 id = pendingChallenges[index];
        Proofs.Challenge memory c = proofs.getChallenge(id);
        if (expiring != (block.timestamp > c.decideBy)) return;
        (address op, ) = nodes.nodeOperatorOf(c.nodeId);
        Before memory before = _before(op, challenger);
        vm.recordLogs();
        if (expiring) proofs.expireChallenge(id);
        else proofs.resolveChallenge(id, upheld);
        pendingChallenges[index] = pendingChallenges[count - 1];
        pendingChallenges.pop();
        ghostBonds -= c.bond;
        _afterDecision(proofs.getChallenge(id), before, _said(id, op), false);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                    GOVERNANCE
    //////////////////////////////////////////////////////////////////////////*/

    function setParameter(uint256 which, uint256 value) external tick("setParameter") {
        which %= 6;
        if (which == 0) staking.setThawingPeriod(uint64(bound(value, 1 days, 28 days)));
        else if (which == 1) staking.setMaxSlash(uint32(bound(value, 0, 100_000)));
        else if (which == 2) staking.setChallengerShare(uint32(bound(value, 0, 500_000)));
        else if (which == 3) proofs.setSlash(uint32(bound(value, 0, 100_000)));
        else if (which == 4) staking.setMinimumDelegation(bound(value, 1e15, 1_000e18));
        else staking.setMaxThawRequests(bound(value, 1, 1000));
    }

    /*//////////////////////////////////////////////////////////////////////////
                                     INTERNAL
    //////////////////////////////////////////////////////////////////////////*/

    function _node(uint256 seed) internal view returns (uint256 id, address op, bool active) {
        if (nodeIds.length == 0) return (0, address(0), false);
        id = nodeIds[seed % nodeIds.length];
        Nodes.Node memory n = nodes.getNode(id);
        return (id, n.operator, n.active);
    }

    function _newRecord(uint256 seed) internal returns (Record storage r) {
        r = _records.push();
        // Never the reserved first byte 0xff: those ids belong to the payments escrow.
        r.record.inferenceId = bytes32(uint256(keccak256(abi.encode("inference", ++_nonce))) >> 8);
        r.record.modelId = _models[seed % _models.length];
        r.record.inputHash = keccak256(abi.encode("input", seed));
        r.record.outputHash = keccak256(abi.encode("output", seed));
        r.record.proofType = Nodes.Mode(seed % 3);
        r.evidence = abi.encodePacked(seed % 4 == 0 ? bytes1(0x00) : bytes1(0x01), seed);
        r.record.proofHash = keccak256(r.evidence);
    }

    function _token() internal view override returns (OPG) {
        return token;
    }

    function _staking() internal view override returns (Staking) {
        return staking;
    }

    function _proofs() internal view override returns (ProofRegistry) {
        return proofs;
    }

    /*//////////////////////////////////////////////////////////////////////////
                                       VIEWS
    //////////////////////////////////////////////////////////////////////////*/

    function pendingCount() external view returns (uint256) {
        return pendingChallenges.length;
    }

    function nodeCount() external view returns (uint256) {
        return nodeIds.length;
    }

    function operatorCount() external view returns (uint256) {
        return operators.length;
    }

    function delegatorCount() external view returns (uint256) {
        return delegators.length;
    }
}
