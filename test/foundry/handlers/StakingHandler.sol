// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {OPG} from "@opg/token/OPG.sol";
import {Staking} from "@opg/staking/Staking.sol";
import {NodeRegistry} from "@opg/staking/NodeRegistry.sol";
import {ProofRegistry} from "@opg/proofs/ProofRegistry.sol";
import {Stakes} from "@opg/types/Stakes.sol";
import {Nodes} from "@opg/types/Nodes.sol";
import {Proofs} from "@opg/types/Proofs.sol";

import {Handler} from "../utils/Handler.sol";
import {System} from "../utils/System.sol";

/// @notice Drives staking, nodes and the dispute path: stake, unstake, delegate, undelegate, withdraw, claim, node fees
/// paid in, cut changes; nodes registered, seen, retired and jailed; proof records and batch roots committed and
/// challenged, challenges upheld (slashing) or rejected by the arbiter or decided at once by a verifier; governance
/// moving parameters within their bounds; time passing. It is the arbiter, the jailer and the admin.
contract StakingHandler is Handler {
    uint256 internal constant PPM = 1_000_000;
    uint256 public constant MAX_RECORDS = 64;

    struct Record {
        Proofs.Record record;
        bytes32 root;
        bytes32 sibling;
        bytes evidence;
    }

    /// @dev What a slash is checked against: everyone's slashable stake, balances and supply, before it.
    struct Snapshot {
        uint256[] slashable;
        uint256 challengerBalance;
        uint256 operatorBalance;
        uint256 supply;
        uint256 bound;
        uint256 expected;
        uint256 challengerShare;
        uint256 epochs;
    }

    OPG public immutable token;
    Staking public immutable staking;
    NodeRegistry public immutable nodes;
    ProofRegistry public immutable proofs;
    address public immutable challenger;
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
    mapping(address account => uint256 amount) public claimed;
    uint256 public ghostClaimed;
    uint256 public ghostFees;
    uint256 public ghostBurned;
    uint256 public ghostSlashed;
    uint256 public ghostDustSwept;
    uint256 public ghostSlashes;
    uint256 public ghostBonds;
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
        vm.prank(d);
        staking.delegate(op, amount);
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
        // Mostly everything due; sometimes one request at a time.
        maxRequests = maxRequests % 4 == 0 ? 1 : 0;
        uint256 before = token.balanceOf(staker);
        vm.prank(staker);
        uint256 amount = staking.withdraw(op, maxRequests);
        if (maxRequests == 0) _check(amount == expected, "withdraw", "withdraw paid other than withdrawableOf");
        else _check(amount <= expected, "withdraw", "one request paid more than withdrawableOf");
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

    /// @notice Node fees paid in, as the payments escrow does.
    function distributeFees(uint256 opSeed, uint256 amount) external tick("distributeFees") {
        amount = bound(amount, 1, 1_000_000e18);
        staking.distributeFees(_pick(operators, opSeed), amount);
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
            if (staking.activeStakeOf(candidate) >= required) {
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
        vm.prank(op);
        proofs.commitBatch(id, root, 2, "ipfs://batch");
    }

    /// @notice Challenges a record: with its evidence (a ZK record is then decided at once by the verifier) or not
    /// (the arbiter decides later).
    function challenge(uint256 recordSeed, bool withEvidence) external tick("challenge") {
        if (_records.length == 0) return;
        Record storage r = _records[recordSeed % _records.length];
        bytes32 leaf = proofs.leafOf(r.record);
        bytes32 id = keccak256(abi.encode(r.root, leaf));
        if (proofs.getChallenge(id).status != Proofs.ChallengeStatus.None) return;
        uint256 closedAt =
            r.root == bytes32(0)
                ? proofs.getRecord(r.record.inferenceId).challengeableUntil
                : proofs.getCommitment(r.root).challengeableUntil;
        if (block.timestamp > closedAt) return;
        bytes32[] memory proof = new bytes32[](r.root == bytes32(0) ? 0 : 1);
        if (proof.length == 1) proof[0] = r.sibling;
        uint64 nodeId =
            r.root == bytes32(0)
                ? uint64(proofs.getRecord(r.record.inferenceId).nodeId)
                : proofs.getCommitment(r.root).nodeId;
        (address op, ) = nodes.nodeOperatorOf(nodeId);
        Snapshot memory before = _snapshot(op);
        vm.prank(challenger);
        proofs.challenge(r.root, r.record, proof, withEvidence ? r.evidence : bytes("no evidence"));
        Proofs.Challenge memory c = proofs.getChallenge(id);
        // The bond is in the registry until the challenge is decided.
        if (c.status == Proofs.ChallengeStatus.Pending) {
            pendingChallenges.push(id);
            ghostBonds += c.bond;
            _check(token.balanceOf(challenger) + c.bond == before.challengerBalance, "bond", "bond not taken");
        } else {
            _afterDecision(op, c, before, true);
        }
    }

    function resolve(uint256 challengeSeed, bool upheld) external tick("resolve") {
        uint256 count = pendingChallenges.length;
        if (count == 0) return;
        uint256 index = challengeSeed % count;
        bytes32 id = pendingChallenges[index];
        Proofs.Challenge memory c = proofs.getChallenge(id);
        (address op, ) = nodes.nodeOperatorOf(c.nodeId);
        Snapshot memory before = _snapshot(op);
        proofs.resolveChallenge(id, upheld);
        pendingChallenges[index] = pendingChallenges[count - 1];
        pendingChallenges.pop();
        ghostBonds -= c.bond;
        _afterDecision(op, proofs.getChallenge(id), before, false);
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

    function _snapshot(address op) internal view returns (Snapshot memory s) {
        s.slashable = new uint256[](operators.length);
        for (uint256 i; i < operators.length; ++i) s.slashable[i] = staking.slashableStakeOf(operators[i]);
        uint256 slashable = staking.slashableStakeOf(op);
        s.challengerBalance = token.balanceOf(challenger);
        s.operatorBalance = token.balanceOf(op);
        s.supply = token.totalSupply();
        s.bound = (slashable * staking.maxSlashPpm()) / PPM;
        uint256 asked = (slashable * proofs.slashPpm()) / PPM;
        s.expected = asked < s.bound ? asked : s.bound;
        s.challengerShare = staking.challengerSharePpm();
        s.epochs = _epochs(op);
    }

    function _epochs(address op) internal view returns (uint256) {
        Stakes.Operator memory o = staking.getOperator(op);
        return uint256(o.ownThawingEpoch) + o.delegatedThawingEpoch;
    }

    /// @dev A decided challenge: an upheld one took exactly the expected slash from the node's operator alone (plus
    /// the dust of a thawing pool it emptied), paid the challenger its share and its bond back, and burned the rest;
    /// a rejected one paid the bond to the operator and moved nothing else.
    function _afterDecision(
        address op,
        Proofs.Challenge memory c,
        Snapshot memory before,
        bool bondJustTaken
    ) internal {
        uint256 bondIn = bondJustTaken ? c.bond : 0;
        uint256 opIndex = type(uint256).max;
        for (uint256 i; i < operators.length; ++i) {
            uint256 nowSlashable = staking.slashableStakeOf(operators[i]);
            if (operators[i] == op) {
                opIndex = i;
                continue;
            }
            _check(nowSlashable == before.slashable[i], "slash", "another operator's stake changed");
        }
        if (c.status == Proofs.ChallengeStatus.Rejected) {
            _check(token.balanceOf(op) == before.operatorBalance + c.bond, "slash", "bond not paid to the operator");
            _check(token.totalSupply() == before.supply, "slash", "a rejected challenge burned");
            _check(staking.slashableStakeOf(op) == before.slashable[opIndex], "slash", "a rejected challenge slashed");
            return;
        }
        uint256 taken = before.slashable[opIndex] - staking.slashableStakeOf(op);
        uint256 toChallenger = before.expected == 0 ? 0 : (before.expected * before.challengerShare) / PPM;
        _check(taken >= before.expected, "slash", "the operator lost less than the slash");
        if (taken > before.expected) {
            // Only the dust of a thawing pool the slash emptied, which starts a new epoch.
            _check(_epochs(op) > before.epochs, "slash", "the operator lost more than the slash, no pool swept");
            ghostDustSwept += taken - before.expected;
        }
        _check(before.expected <= before.bound, "slashBound", "slash above maxSlashPpm of the slashable stake");
        _check(
            token.balanceOf(challenger) + bondIn == before.challengerBalance + toChallenger + c.bond,
            "slash",
            "the challenger got other than its share and its bond"
        );
        _check(token.totalSupply() + taken - toChallenger == before.supply, "slash", "burned other than the rest");
        ghostBurned += taken - toChallenger;
        ghostSlashed += taken;
        ++ghostSlashes;
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
