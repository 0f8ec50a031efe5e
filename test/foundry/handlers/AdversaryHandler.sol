// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IStaking} from "@opg/interfaces/IStaking.sol";
import {OPG} from "@opg/token/OPG.sol";
import {Staking} from "@opg/staking/Staking.sol";
import {NodeRegistry} from "@opg/nodes/NodeRegistry.sol";
import {ModelRegistry} from "@opg/models/ModelRegistry.sol";
import {ProofRegistry} from "@opg/proofs/ProofRegistry.sol";
import {PaymentsEscrow} from "@opg/payments/PaymentsEscrow.sol";
import {Stakes} from "@opg/types/Stakes.sol";
import {Nodes} from "@opg/types/Nodes.sol";
import {Payments} from "@opg/types/Payments.sol";
import {Proofs} from "@opg/types/Proofs.sol";

import {Vm} from "../utils/Vm.sol";
import {Disputes} from "../utils/Disputes.sol";
import {System} from "../utils/System.sol";

/// @notice The actors of the suite, as the suite set them up.
struct Cast {
    address honestOp;
    address evilOp;
    address copierOp;
    address puppetA;
    address puppetB;
    address puppetD;
    address honestDel;
    address honestPayer;
    address badPayer;
    uint256 puppetAKey;
    uint256 honestPayerKey;
    uint256 badPayerKey;
    uint256 honestNode;
    uint256 evilNode;
    uint256 copierNode;
    uint256 badNode;
    bytes32 model;
    bytes32 badModel;
}

/// @notice Adversaries against the redesigned disputes and payments (issues 12 and 17), with an honest cast around
/// them:
/// - an operator coalition (the evil operator, two sockpuppet challengers and a sockpuppet delegator) that commits
///   wrong records, challenges them itself on the arbiter path and on the verifier path, delegates and undelegates
///   around payments, unstakes and withdraws while its challenges are pending, and lets them expire;
/// - a dishonest payer with its own node and its own model that signs more than it holds, thaws and races its
///   withdrawal, and tries to pay itself;
/// - a copier node that fulfils open requests with the honest node's answer.
/// The handler is the arbiter (honest: it upholds exactly the wrong records) and keeps the ghost books the invariants
/// compare against.
contract AdversaryHandler is Disputes {
    uint256 internal constant PPM = 1_000_000;
    uint256 internal constant MAX_RECORDS = 48;
    uint256 internal constant MAX_REQUESTS = 48;

    struct Record {
        uint256 nodeId;
        Proofs.Record record;
        bytes32 root;
        bytes32 sibling;
        bytes evidence;
        bool wrong;
    }

    struct Request {
        uint256 id;
        bytes32 output;
        bool honestCommitted;
    }

    OPG public immutable token;
    Staking public immutable staking;
    NodeRegistry public immutable nodes;
    ModelRegistry public immutable models;
    ProofRegistry public immutable proofs;
    PaymentsEscrow public immutable escrow;

    Cast internal _c;
    /// @dev The coalition: the evil operator and its sockpuppets.
    address[] public coalition;
    /// @dev The delegators whose fees and cuts are tracked, and the operators they may delegate to.
    address[] public delegators;
    address[] public operators;
    /// @dev Every account that may hold tokens, for the conservation invariant.
    address[] public holders;
    Record[] internal _records;
    Request[] internal _requests;
    bytes32[] public pendingChallenges;
    uint256 internal _nonce;
    uint256 internal _seq;

    // The coalition's books.
    uint256 public coalitionPutIn;
    /// @dev Fees its nodes earned from payers outside the coalition, and its delegator's share of fees credited to
    /// other operators: honest income, excluded from the coalition's gain.
    uint256 public coalitionHonestFees;
    /// @dev An upper bound of the rewards stream it earned: its stake's share of every second's emission.
    uint256 public coalitionStream;
    /// @dev Share-priced actions: each may leave a wei of rounding in a pool the coalition shares.
    uint256 public shareActions;

    // Per delegator and operator: fees credited while delegated, a stream bound, claims, the cut accepted.
    mapping(address d => mapping(address op => uint256)) public feesWhileDelegated;
    mapping(address d => mapping(address op => uint256)) public streamBound;
    mapping(address d => mapping(address op => uint256)) public roundingAllowance;
    mapping(address d => mapping(address op => uint256)) public claimedBy;
    mapping(address d => mapping(address op => uint32)) public acceptedCut;
    mapping(address d => mapping(address op => uint256)) public delegatedSeq;
    mapping(address op => uint256) public cutScheduledSeq;
    mapping(address op => uint256) public pendingCutSeq;

    // The dishonest payer's vouchers to the honest node, per model: the largest cumulative amount the honest node
    // accepted (covered by the payer's escrow with the honest operator when signed), and the newest signed.
    mapping(bytes32 modelId => Payments.Voucher) internal _accepted;
    mapping(bytes32 modelId => bytes) internal _acceptedSig;
    /// @dev Whether an overdrawn voucher (refused by the honest node, submitted by someone else) ever paid.
    bool public overdrawnPaid;

    /// @dev How often each adversarial path was reached, for the report and the reachability checks.
    mapping(bytes32 path => uint256 count) public reached;

    // Token conservation.
    uint256 public ghostFlushed;
    uint256 public lastSupply;

    constructor(System memory s, Cast memory c) {
        token = s.token;
        staking = s.staking;
        nodes = s.nodes;
        models = s.models;
        proofs = s.proofs;
        escrow = s.escrow;
        _c = c;
        coalition.push(c.evilOp);
        coalition.push(c.puppetA);
        coalition.push(c.puppetB);
        coalition.push(c.puppetD);
        delegators.push(c.puppetD);
        delegators.push(c.honestDel);
        operators.push(c.honestOp);
        operators.push(c.evilOp);
        operators.push(c.copierOp);
        holders = [
            c.honestOp,
            c.evilOp,
            c.copierOp,
            c.puppetA,
            c.puppetB,
            c.puppetD,
            c.honestDel,
            c.honestPayer,
            c.badPayer,
            address(s.staking),
            address(s.escrow),
            address(s.proofs),
            address(s.vesting),
            s.params.treasury,
            address(0x30DE1)
        ];
        lastSupply = s.token.totalSupply();
    }

    /// @notice Called by the suite once the coalition's tokens are handed out.
    function startBooks() external {
        for (uint256 i; i < coalition.length; ++i) coalitionPutIn += coalitionValue(coalition[i]);
        for (uint256 i; i < delegators.length; ++i) {
            for (uint256 j; j < operators.length; ++j) {
                (uint256 shares, , ) = staking.getDelegation(operators[j], delegators[i]);
                if (shares > 0) delegatedSeq[delegators[i]][operators[j]] = ++_seq;
                acceptedCut[delegators[i]][operators[j]] = uint32(PPM);
            }
        }
    }

    function maxWarp() public pure override returns (uint256) {
        return 4 days;
    }

    modifier act(bytes32 action) {
        vm.warp(currentTime);
        vm.roll(currentBlock);
        ++_seq;
        _;
        ++calls[action];
        uint256 supply = token.totalSupply();
        _check(supply <= lastSupply, "supply", "the total supply went up");
        lastSupply = supply;
    }

    /*//////////////////////////////////////////////////////////////////////////
                           THE COALITION: RECORDS AND DISPUTES
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice The evil node commits a wrong record (alone, or two in a batch); a ZK one's proof is invalid, so the
    /// verifier upholds a challenge that shows it.
    function evilCommit(uint256 seed, bool batch) external act("evilCommit") {
        _commit(_c.evilNode, _c.evilOp, seed, batch, true);
    }

    /// @notice The honest node commits right records (its ZK proofs are valid).
    function honestCommit(uint256 seed, bool batch) external act("honestCommit") {
        _commit(_c.honestNode, _c.honestOp, seed, batch, false);
    }

    /// @notice A coalition member challenges a record: its own wrong ones (to win the challenger's share back), or the
    /// honest node's (griefing); with the evidence (the verifier decides at once) or without (the arbiter decides).
    function coalitionChallenge(
        uint256 recordSeed,
        uint256 whoSeed,
        bool withEvidence
    ) external act("coalitionChallenge") {
        if (_records.length == 0) return;
        Record storage r = _records[recordSeed % _records.length];
        address who =
            whoSeed % 3 == 0
                ? _c.evilOp
                : whoSeed % 3 == 1
                    ? _c.puppetA
                    : _c.puppetB;
        bytes32 key = proofs.recordKeyOf(r.nodeId, r.root, proofs.leafOf(r.record));
        bytes32 id = keccak256(abi.encode(key, who));
        Proofs.Dispute memory dispute = proofs.getDispute(key);
        if (proofs.getChallenge(id).status != Proofs.ChallengeStatus.None || dispute.settled) return;
        // A record whose challenge for the arbiter failed can be challenged again for a day, past its window too.
        uint256 closedAt = _closedAt(r);
        bool reopened = dispute.reopenedUntil > closedAt && block.timestamp > closedAt;
        if (reopened) closedAt = dispute.reopenedUntil;
        if (block.timestamp > closedAt) return;
        bool verifiable = withEvidence && address(proofs.verifierOf(r.record.proofType)) != address(0);
        if (!verifiable && dispute.pendingChallengeId != bytes32(0)) return;
        (address op, ) = nodes.nodeOperatorOf(r.nodeId);
        Before memory before = _before(op, who);
        if (verifiable && dispute.pendingChallengeId != bytes32(0)) {
            // Valid evidence of a right record closes the pending challenge as rejected: its bond is burned too (of a
            // wrong record, as superseded: its bond goes back to its challenger).
            Proofs.Challenge memory pending = proofs.getChallenge(dispute.pendingChallengeId);
            if (!r.wrong) before.alsoBurned = pending.bond;
            _dropPending(dispute.pendingChallengeId);
        }
        uint256 bound_ = (before.slashable * staking.maxSlashPpm()) / PPM;
        vm.recordLogs();
        _challenge(r, who, withEvidence);
        Proofs.Challenge memory c = proofs.getChallenge(id);
        _check(c.lockedStake <= bound_, "lock", "a lock above maxSlashPpm of the slashable stake");
        if (reopened) ++reached["rechallengedPastWindow"];
        if (c.status == Proofs.ChallengeStatus.Pending) {
            vm.getRecordedLogs();
            pendingChallenges.push(id);
            ghostBonds += c.bond;
        } else {
            ++reached[r.wrong ? bytes32("verifierUpheld") : bytes32("verifierRejected")];
            _check(
                (c.status == Proofs.ChallengeStatus.Upheld) == r.wrong,
                "verifier",
                "the verifier's decision is not the record's truth"
            );
            _afterDecision(c, before, _said(id, op), true);
        }
    }

    /// @notice The arbiter decides a pending challenge before its deadline: upheld exactly when the record is wrong.
    function arbiterDecide(uint256 seed) external act("arbiterDecide") {
        _decide(seed, false);
    }

    /// @notice Anyone closes a challenge the arbiter let pass its deadline.
    function expire(uint256 seed) external act("expire") {
        _decide(seed, true);
    }

    /*//////////////////////////////////////////////////////////////////////////
                       THE COALITION: STAKE AROUND ITS CHALLENGES
    //////////////////////////////////////////////////////////////////////////*/

    function evilStake(uint256 amount) external act("evilStake") {
        uint256 balance = token.balanceOf(_c.evilOp);
        if (balance == 0) return;
        amount = bound(amount, 1, balance);
        vm.prank(_c.evilOp);
        staking.stake(amount);
    }

    /// @notice The evil operator unbonds own stake, pending challenges or not.
    function evilUnstake(uint256 amount) external act("evilUnstake") {
        uint256 active = staking.getOperator(_c.evilOp).ownActive;
        if (active == 0) return;
        uint256 minimum = staking.minimumDelegation();
        amount = active <= minimum ? active : bound(amount, minimum, active);
        vm.prank(_c.evilOp);
        staking.unstake(amount);
        ++shareActions;
    }

    /// @notice A staker withdraws what has thawed: the evil operator racing the arbiter, or a delegator.
    function withdrawStake(uint256 stakerSeed, uint256 opSeed) external act("withdrawStake") {
        bool own = stakerSeed % 3 == 0;
        address staker = own ? _c.evilOp : _pick(delegators, stakerSeed / 3);
        address op = own ? _c.evilOp : _pick(operators, opSeed);
        (uint256 expected, , ) = staking.withdrawableOf(staker, op);
        (, , uint64[] memory until) = staking.thawRequestsOf(staker, op);
        if (until.length == 0) return;
        uint256 locked = staking.lockedStakeOf(op);
        // withdrawableOf ignores pending slashes: a withdrawal takes only what they leave free, out of part of a
        // request if need be (in whole shares).
        (uint256 free, uint256 rounding) = _freeOfLock(op, own);
        bool limited = free < expected;
        if (limited) expected = free;
        vm.prank(staker);
        try staking.withdraw(op, 0) returns (uint256 amount) {
            if (limited) {
                _check(
                    amount <= expected && amount + rounding >= expected,
                    "lock",
                    "a withdrawal held by pending slashes paid other than what they leave free"
                );
                ++reached["withdrawnInPart"];
            } else {
                _check(amount == expected, "lock", "withdraw paid other than withdrawableOf");
            }
            Stakes.Operator memory o = staking.getOperator(op);
            uint256 left =
                own
                    ? uint256(o.ownActive) + o.ownThawing.tokens
                    : uint256(o.ownActive) + o.ownThawing.tokens + o.delegated.tokens + o.delegatedThawing.tokens;
            _check(left >= locked, "lock", "a withdrawal left less slashable stake than the pending challenges lock");
            if (locked > 0) ++reached["withdrawnWhileLocked"];
        } catch (bytes memory reason) {
            // Refused only when nothing had thawed, or for the lock.
            bytes4 selector = bytes4(reason);
            _check(
                selector == IStaking.StakingNothingThawed.selector || selector == IStaking.StakingStakeLocked.selector,
                "lock",
                "a withdrawal refused for another reason"
            );
            _check(selector != IStaking.StakingNothingThawed.selector || expected == 0, "lock", "thawed but refused");
            _check(
                selector != IStaking.StakingStakeLocked.selector || free == 0,
                "lock",
                "a withdrawal refused for the lock while pending slashes left stake free"
            );
            if (selector == IStaking.StakingStakeLocked.selector) ++reached["withdrawalHeldByLock"];
        }
    }

    /// @notice The coalition's or the honest delegator delegates, accepting a cut up to a bound.
    function delegate(uint256 dSeed, uint256 opSeed, uint256 amount, uint256 cutSeed) external act("delegate") {
        address d = _pick(delegators, dSeed);
        address op = _pick(operators, opSeed);
        Stakes.Operator memory o = staking.getOperator(op);
        uint256 minimum = staking.minimumDelegation();
        uint256 balance = token.balanceOf(d);
        if (balance < minimum || (o.delegated.tokens == 0 && o.delegated.shares > 0)) return;
        amount = bound(amount, minimum, balance);
        if (o.delegated.shares > 0 && (amount * o.delegated.shares) / o.delegated.tokens == 0) return;
        uint32 maxCut = cutSeed % 2 == 0 ? uint32(PPM) : uint32(bound(cutSeed, 0, PPM));
        uint32 cut = o.pendingCutAt != 0 && o.pendingCutPpm > o.cutPpm ? o.pendingCutPpm : o.cutPpm;
        vm.prank(d);
        try staking.delegate(op, amount, maxCut) {
            _check(cut <= maxCut, "cut", "a delegation went through under a cut above what it accepted");
            // Fees still streaming when it joins are released to the stake of each moment from now on, its own
            // included: they bound what it may get of payments made before it.
            uint256 streaming = staking.feesStreamingOf(op);
            feesWhileDelegated[d][op] += streaming;
            ++roundingAllowance[d][op];
            if (d == _c.puppetD && op != _c.evilOp) coalitionHonestFees += streaming + 1;
            acceptedCut[d][op] = maxCut;
            delegatedSeq[d][op] = _seq;
            ++shareActions;
        } catch {
            _check(cut > maxCut, "cut", "a delegation within its accepted cut was refused");
        }
    }

    function undelegate(uint256 dSeed, uint256 opSeed, uint256 shares) external act("undelegate") {
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
        ++shareActions;
    }

    /// @notice An operator or a delegator claims its rewards and fees.
    function claim(uint256 accountSeed, uint256 opSeed) external act("claim") {
        address op = _pick(operators, opSeed);
        address account = accountSeed % 2 == 0 ? op : _pick(delegators, accountSeed / 2);
        uint256 expected = staking.claimableRewards(account, op);
        if (expected == 0) return;
        vm.prank(account);
        uint256 amount = staking.claimRewards(op);
        _check(amount == expected, "fees", "claimRewards paid other than claimableRewards");
        if (account != op) claimedBy[account][op] += amount;
    }

    /// @notice An operator schedules a new cut; anyone applies a due one.
    function setCut(uint256 opSeed, uint256 cut, bool apply_) external act("setCut") {
        address op = _pick(operators, opSeed);
        if (apply_) {
            Stakes.Operator memory o = staking.getOperator(op);
            if (o.pendingCutAt == 0 || o.pendingCutAt > block.timestamp) return;
            staking.applyDelegationCut(op);
            cutScheduledSeq[op] = pendingCutSeq[op];
            return;
        }
        vm.prank(op);
        staking.setDelegationCut(uint32(bound(cut, 0, PPM)));
        pendingCutSeq[op] = _seq;
    }

    /*//////////////////////////////////////////////////////////////////////////
                                       PAYMENTS
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice The honest payer pays one of the three nodes by voucher; or the coalition's sockpuppet pays the evil
    /// node (the coalition paying itself).
    function pay(uint256 nodeSeed, uint256 amount, bool byPuppet) external act("pay") {
        uint256 nodeId = byPuppet ? _c.evilNode : _nodeOf(nodeSeed);
        address payer = byPuppet ? _c.puppetA : _c.honestPayer;
        uint256 key = byPuppet ? _c.puppetAKey : _c.honestPayerKey;
        (address op, bool serving) = nodes.nodeOperatorOf(nodeId);
        if (!serving) return;
        amount = bound(amount, 1e15, byPuppet ? token.balanceOf(payer) / 4 + 1e15 : 200_000e18);
        if (token.balanceOf(payer) < amount) return;
        vm.prank(payer);
        escrow.depositToEscrow(payer, op, amount);
        Payments.Voucher memory v = Payments.Voucher({
            payer: payer,
            nodeId: nodeId,
            modelId: _c.model,
            mode: Nodes.Mode.None,
            cumulativeAmount: uint128(escrow.redeemedOf(payer, nodeId, _c.model, Nodes.Mode.None) + amount),
            issuedAt: uint64(block.timestamp),
            expiry: uint64(block.timestamp + 1 days)
        });
        _redeem(v, _sign(key, v), !byPuppet);
    }

    /// @notice The dishonest payer funds its escrow with the honest operator.
    function badFund(uint256 amount) external act("badFund") {
        uint256 balance = token.balanceOf(_c.badPayer);
        if (balance == 0) return;
        amount = bound(amount, 1, balance / 2 + 1);
        vm.prank(_c.badPayer);
        escrow.depositToEscrow(_c.badPayer, _c.honestOp, amount);
    }

    /// @notice The dishonest payer signs the honest node a voucher, for the shared model or its own, often for more
    /// than its escrow with the honest operator holds. The honest node accepts (serves, and keeps for redemption)
    /// only a voucher whose outstanding amounts, with its other channels with this payer, the escrow covers now.
    function badSign(uint256 amount, bool ownModel, bool overdraw) external act("badSign") {
        bytes32 modelId = ownModel ? _c.badModel : _c.model;
        Payments.Voucher memory last = _accepted[modelId];
        uint256 redeemed = escrow.redeemedOf(_c.badPayer, _c.honestNode, modelId, Nodes.Mode.None);
        uint256 base = last.cumulativeAmount > redeemed ? last.cumulativeAmount : redeemed;
        uint256 available = escrow.availableOf(_c.badPayer, _c.honestOp);
        uint256 outstanding = _outstanding(_c.model) + _outstanding(_c.badModel);
        uint256 room = available > outstanding ? available - outstanding : 0;
        amount = overdraw ? bound(amount, room + 1, room + 1_000_000e18) : bound(amount, 1, room + 1);
        Payments.Voucher memory v = Payments.Voucher({
            payer: _c.badPayer,
            nodeId: _c.honestNode,
            modelId: modelId,
            mode: Nodes.Mode.None,
            cumulativeAmount: uint128(base + amount),
            issuedAt: uint64(block.timestamp),
            expiry: uint64(block.timestamp + 365 days)
        });
        if (amount > room) {
            // Refused by the honest node; the payer may still hand it to anyone to submit.
            ++reached["overdrawnOffered"];
            if (amount % 5 == 0) _tryRedeem(v, _sign(_c.badPayerKey, v));
            return;
        }
        _accepted[modelId] = v;
        _acceptedSig[modelId] = _sign(_c.badPayerKey, v);
    }

    /// @notice The honest node redeems the vouchers it accepted from the dishonest payer.
    function honestRedeem() external act("honestRedeem") {
        _honestRedeemAll();
    }

    /// @notice The dishonest payer starts (or replaces, or cancels) a thaw of its escrow with the honest operator, in a
    /// block after the last voucher it signed (a thaw lands in a later block than the state the node checked).
    function badThaw(uint256 amount) external act("badThaw") {
        // Mostly a new thaw; sometimes one replacing (or, at 0, cancelling) the thaw in progress.
        if (escrow.getEscrow(_c.badPayer, _c.honestOp).thawEndsAt != 0 && amount % 4 != 0) return;
        _nextBlock();
        amount = bound(amount, 0, escrow.getEscrow(_c.badPayer, _c.honestOp).balance);
        vm.prank(_c.badPayer);
        escrow.thaw(_c.honestOp, amount);
    }

    /// @notice The dishonest payer withdraws the moment its thaw ends; the honest node, which saw the thaw start a
    /// whole thawing period before, has redeemed what it accepted by then. A try before the end is refused.
    function badWithdraw(bool early) external act("badWithdraw") {
        Payments.Account memory a = escrow.getEscrow(_c.badPayer, _c.honestOp);
        if (a.thawEndsAt == 0) return;
        if (block.timestamp < a.thawEndsAt) {
            if (!early) return;
            vm.prank(_c.badPayer);
            try escrow.withdraw(_c.honestOp) {
                _check(false, "payer", "a withdrawal before the thaw ended");
            } catch {}
            return;
        }
        _honestRedeemAll();
        a = escrow.getEscrow(_c.badPayer, _c.honestOp);
        uint256 before = token.balanceOf(_c.badPayer);
        vm.prank(_c.badPayer);
        uint256 amount = escrow.withdraw(_c.honestOp);
        ++reached[amount > 0 ? bytes32("payerWithdrew") : bytes32("payerWithdrewNothing")];
        _check(amount == a.thawing, "payer", "a withdrawal paid other than what was left of the thaw");
        _check(token.balanceOf(_c.badPayer) == before + amount, "payer", "the payer got other than withdraw said");
    }

    /// @notice The dishonest payer tries to pay itself: a voucher to its own node, an escrow with itself, its own
    /// request fulfilled by its own node. None of it may pay.
    function badSelfDeal(uint256 amount, uint256 how) external act("badSelfDeal") {
        amount = bound(amount, 1, 1_000e18);
        how %= 2;
        if (how == 0) {
            vm.prank(_c.badPayer);
            try escrow.depositToEscrow(_c.badPayer, _c.badPayer, amount) {
                _check(false, "payer", "a payer funded an escrow with itself");
            } catch {}
            Payments.Voucher memory v = Payments.Voucher({
                payer: _c.badPayer,
                nodeId: _c.badNode,
                modelId: _c.badModel,
                mode: Nodes.Mode.None,
                cumulativeAmount: uint128(amount),
                issuedAt: uint64(block.timestamp),
                expiry: uint64(block.timestamp + 1 days)
            });
            try escrow.redeem(v, _sign(_c.badPayerKey, v)) returns (uint256 paid) {
                _check(paid == 0, "payer", "a payer's own node was paid by its voucher");
            } catch {}
        } else {
            if (token.balanceOf(_c.badPayer) < amount) return;
            vm.startPrank(_c.badPayer);
            escrow.deposit(_c.badPayer, amount);
            uint256 id = escrow.postRequest(
                _c.badModel,
                bytes32("self"),
                Nodes.Mode.None,
                amount,
                uint64(block.timestamp + 1 hours),
                _c.badNode
            );
            nodes.heartbeat(_c.badNode);
            try escrow.fulfil(id, _c.badNode, bytes32("out"), bytes32("proof")) {
                _check(false, "payer", "a payer's own node was paid for its request");
            } catch {}
            vm.stopPrank();
            _keepRequest(Request(id, bytes32(0), false));
        }
    }

    /// @notice The dishonest payer, owner of its model, schedules a higher royalty (it applies a week later).
    function badRoyalty(uint256 ppm) external act("badRoyalty") {
        ppm = bound(ppm, 0, models.maxRoyaltyPpm());
        vm.prank(_c.badPayer);
        models.setRoyalty(_c.badModel, uint32(ppm));
    }

    /// @notice Protocol fees are burned now and then.
    function flush() external act("flush") {
        if (escrow.protocolFeesPending() == 0) return;
        ghostFlushed += escrow.flushProtocolFees();
    }

    /*//////////////////////////////////////////////////////////////////////////
                                 REQUESTS AND THE COPIER
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice The honest or the dishonest payer posts a request open to any node, or naming the honest node.
    function postRequest(uint256 cap, bool byBadPayer, bool named) external act("postRequest") {
        address payer = byBadPayer ? _c.badPayer : _c.honestPayer;
        cap = bound(cap, 1e18, 50e18);
        if (token.balanceOf(payer) < cap) return;
        vm.startPrank(payer);
        escrow.deposit(payer, cap);
        uint256 id = escrow.postRequest(
            _c.model,
            keccak256(abi.encode("input", _requests.length)),
            Nodes.Mode.None,
            cap,
            uint64(block.timestamp + bound(cap, 1 hours, 1 days)),
            named ? _c.honestNode : 0
        );
        vm.stopPrank();
        _keepRequest(Request(id, keccak256(abi.encode("answer", id)), false));
    }

    /// @dev The first request from `seed` on that is open, before its deadline, with an answer for the honest node.
    function _openRequest(uint256 seed) internal view returns (bool found, uint256 index) {
        uint256 n = _requests.length;
        for (uint256 k; k < n; ++k) {
            index = (seed + k) % n;
            Payments.Request memory r = escrow.getRequest(_requests[index].id);
            if (
                r.status == Payments.RequestStatus.Open && block.timestamp < r.deadline && _requests[index].output != 0
            ) {
                return (true, index);
            }
        }
    }

    /// @dev Keeps a request, in the place of one that is no longer open once the list is full.
    function _keepRequest(Request memory q) internal {
        if (_requests.length < MAX_REQUESTS) {
            _requests.push(q);
            return;
        }
        for (uint256 i; i < _requests.length; ++i) {
            if (escrow.getRequest(_requests[i].id).status == Payments.RequestStatus.Open) continue;
            _requests[i] = q;
            return;
        }
    }

    /// @notice The honest node commits its answer to an open request.
    function honestCommitAnswer(uint256 seed) external act("honestCommitAnswer") {
        if (_requests.length == 0) return;
        Request storage q = _requests[seed % _requests.length];
        Payments.Request memory r = escrow.getRequest(q.id);
        if (r.status != Payments.RequestStatus.Open || r.nodeId != 0 || q.output == bytes32(0)) return;
        bytes32 commitment = _commitment(q.id, _c.honestNode, q.output);
        vm.prank(_c.honestOp);
        escrow.commitFulfilment(q.id, _c.honestNode, commitment);
        q.honestCommitted = true;
    }

    /// @notice The honest node reveals its answer in a later block; the copier, which sees it in the mempool, commits
    /// the same answer for its own node and tries to fulfil first in that block, and again after. The honest node
    /// must be paid its price and credited with the record; the copier never.
    function honestFulfil(uint256 seed) external act("honestFulfil") {
        (bool found, uint256 index) = _openRequest(seed);
        if (!found) return;
        Request storage q = _requests[index];
        Payments.Request memory r = escrow.getRequest(q.id);
        if (r.nodeId == 0 && !q.honestCommitted) {
            bytes32 commitment = _commitment(q.id, _c.honestNode, q.output);
            vm.prank(_c.honestOp);
            escrow.commitFulfilment(q.id, _c.honestNode, commitment);
            q.honestCommitted = true;
        }
        _nextBlock();
        if (block.timestamp > r.deadline) return;
        // The copier, front-running the reveal.
        bytes32 copied = _commitment(q.id, _c.copierNode, q.output);
        vm.startPrank(_c.copierOp);
        nodes.heartbeat(_c.copierNode);
        escrow.commitFulfilment(q.id, _c.copierNode, copied);
        try escrow.fulfil(q.id, _c.copierNode, q.output, bytes32("proof")) {
            _check(false, "copier", "the copier was paid for an answer it copied");
        } catch {}
        vm.stopPrank();
        // The honest reveal.
        uint256 price = nodes.priceOf(_c.honestNode, Nodes.Mode.None);
        uint256 refundBefore = escrow.balanceOf(r.payer);
        uint256 fees = staking.feesDistributed();
        vm.startPrank(_c.honestOp);
        nodes.heartbeat(_c.honestNode);
        vm.recordLogs();
        try escrow.fulfil(q.id, _c.honestNode, q.output, bytes32("proof")) {
            _check(escrow.balanceOf(r.payer) == refundBefore + r.feeCap - price, "honestNode", "refund != cap - price");
            _check(
                proofs.getRecord(_c.honestNode, escrow.requestInferenceId(q.id)).challengeableUntil != 0,
                "honestNode",
                "the honest node was not credited with the record"
            );
            _check(staking.feesDistributed() > fees || price == 0, "honestNode", "the honest node was not paid");
            ++reached[r.nodeId == 0 ? bytes32("honestFulfilledOpen") : bytes32("honestFulfilledNamed")];
            _afterCredits(true);
        } catch {
            _check(false, "honestNode", "an honest node's committed answer was refused");
            vm.getRecordedLogs();
        }
        vm.stopPrank();
        // The copier, again, a block later.
        _nextBlock();
        vm.prank(_c.copierOp);
        try escrow.fulfil(q.id, _c.copierNode, q.output, bytes32("proof")) {
            _check(false, "copier", "the copier was paid after the honest node");
        } catch {}
    }

    /// @notice The payer reclaims an expired request.
    function reclaim(uint256 seed) external act("reclaim") {
        if (_requests.length == 0) return;
        Request storage q = _requests[seed % _requests.length];
        Payments.Request memory r = escrow.getRequest(q.id);
        if (r.status != Payments.RequestStatus.Open || block.timestamp <= r.deadline) return;
        escrow.reclaim(q.id);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                       INTERNAL
    //////////////////////////////////////////////////////////////////////////*/

    function _beforeTimeMoves(uint256 next) internal override {
        uint256 emitted = staking.rewardsEmittedAt(uint64(next)) - staking.rewardsEmittedAt(uint64(currentTime));
        uint256 total = staking.totalActiveStake();
        if (emitted == 0 || total == 0) return;
        // The coalition: its operator's own and delegated stake (its cut of others' rewards included), and its
        // delegator's stake with the other operators.
        uint256 stake_ = staking.activeStakeOf(_c.evilOp);
        for (uint256 j; j < operators.length; ++j) {
            if (operators[j] == _c.evilOp) continue;
            (, uint256 tokens, ) = staking.getDelegation(operators[j], _c.puppetD);
            stake_ += tokens;
        }
        coalitionStream += (emitted * stake_) / total + 1;
        for (uint256 i; i < delegators.length; ++i) {
            for (uint256 j; j < operators.length; ++j) {
                (, uint256 tokens, ) = staking.getDelegation(operators[j], delegators[i]);
                if (tokens == 0) continue;
                streamBound[delegators[i]][operators[j]] += (emitted * tokens) / total + 1;
            }
        }
    }

    function _commit(uint256 nodeId, address op, uint256 seed, bool batch, bool wrong) internal {
        (, bool serving) = nodes.nodeOperatorOf(nodeId);
        // The evil node also commits wrong records under a coverage that its stake, gone since, no longer backs, for
        // as long as the coverage lasts: the stake checked must still pay for them.
        Proofs.Coverage memory coverage = proofs.coverageOf(nodeId);
        bool covered = coverage.operator == op && block.timestamp < coverage.until;
        if (!(serving || (wrong && covered)) || _records.length + 2 > MAX_RECORDS) return;
        if (!serving) ++reached["committedUnderStaleCoverage"];
        Record storage a = _newRecord(nodeId, seed, wrong);
        if (!batch) {
            vm.prank(op);
            proofs.commitRecord(nodeId, a.record);
            return;
        }
        Record storage b = _newRecord(nodeId, seed >> 1, wrong);
        bytes32 leafA = proofs.leafOf(a.record);
        bytes32 leafB = proofs.leafOf(b.record);
        bytes32 root =
            leafA < leafB ? keccak256(abi.encodePacked(leafA, leafB)) : keccak256(abi.encodePacked(leafB, leafA));
        (a.root, a.sibling, b.root, b.sibling) = (root, leafB, root, leafA);
        vm.prank(op);
        proofs.commitBatch(nodeId, root, 2, "ipfs://batch");
    }

    function _newRecord(uint256 nodeId, uint256 seed, bool wrong) internal returns (Record storage r) {
        r = _records.push();
        r.nodeId = nodeId;
        r.wrong = wrong;
        r.record.inferenceId = bytes32(uint256(keccak256(abi.encode("inference", ++_nonce))) >> 8);
        r.record.modelId = _c.model;
        r.record.inputHash = keccak256(abi.encode("input", seed));
        r.record.outputHash = keccak256(abi.encode(wrong ? "wrong output" : "output", seed));
        // The verifier (ZK) rejects proofs starting with 0x00: a wrong record's proof does.
        r.record.proofType = seed % 2 == 0 ? Nodes.Mode.Zk : Nodes.Mode.None;
        r.evidence = abi.encodePacked(wrong ? bytes1(0x00) : bytes1(0x01), seed, _nonce);
        r.record.proofHash = keccak256(r.evidence);
    }

    function _challenge(Record storage r, address who, bool withEvidence) internal {
        bytes32[] memory proof = new bytes32[](r.root == bytes32(0) ? 0 : 1);
        if (proof.length == 1) proof[0] = r.sibling;
        bytes memory evidence = withEvidence ? r.evidence : bytes("no evidence");
        // Committed in one block and opened in the next, as every challenger must.
        bytes32 commitment = proofs.challengeCommitmentOf(who, r.nodeId, r.root, r.record, evidence);
        vm.prank(who);
        proofs.commitChallenge(commitment);
        vm.roll(block.number + 1);
        vm.prank(who);
        proofs.challenge(r.nodeId, r.root, r.record, proof, evidence);
    }

    function _closedAt(Record storage r) internal view returns (uint256) {
        return
            r.root == bytes32(0)
                ? proofs.getRecord(r.nodeId, r.record.inferenceId).challengeableUntil
                : proofs.getCommitment(r.nodeId, r.root).challengeableUntil;
    }

    function _decide(uint256 seed, bool expiring) internal {
        uint256 count = pendingChallenges.length;
        if (count == 0) return;
        bytes32 id = pendingChallenges[seed % count];
        Proofs.Challenge memory c = proofs.getChallenge(id);
        if (expiring != (block.timestamp > c.decideBy)) return;
        bool wrong = _isWrong(c.recordKey);
        (address op, ) = nodes.nodeOperatorOf(c.nodeId);
        Before memory before = _before(op, c.challenger);
        vm.recordLogs();
        if (expiring) proofs.expireChallenge(id);
        else proofs.resolveChallenge(id, wrong);
        _dropPending(id);
        Proofs.Challenge memory closed = proofs.getChallenge(id);
        ++reached[
            closed.status == Proofs.ChallengeStatus.Upheld
                ? bytes32("arbiterUpheld")
                : closed.status == Proofs.ChallengeStatus.Expired
                    ? bytes32("expired")
                    : bytes32("arbiterRejected")
        ];
        _afterDecision(closed, before, _said(id, op), false);
    }

    function _dropPending(bytes32 id) internal {
        for (uint256 i; i < pendingChallenges.length; ++i) {
            if (pendingChallenges[i] != id) continue;
            pendingChallenges[i] = pendingChallenges[pendingChallenges.length - 1];
            pendingChallenges.pop();
            ghostBonds -= proofs.getChallenge(id).bond;
            return;
        }
    }

    function _isWrong(bytes32 recordKey) internal view returns (bool) {
        for (uint256 i; i < _records.length; ++i) {
            Record storage r = _records[i];
            if (proofs.recordKeyOf(r.nodeId, r.root, proofs.leafOf(r.record)) == recordKey) return r.wrong;
        }
        return false;
    }

    function _nodeOf(uint256 seed) internal view returns (uint256) {
        seed %= 3;
        return
            seed == 0
                ? _c.honestNode
                : seed == 1
                    ? _c.evilNode
                    : _c.copierNode;
    }

    /// @dev What the honest node is still owed by the dishonest payer under the vouchers it accepted for a model.
    function _outstanding(bytes32 modelId) internal view returns (uint256) {
        uint256 redeemed = escrow.redeemedOf(_c.badPayer, _c.honestNode, modelId, Nodes.Mode.None);
        uint256 accepted = _accepted[modelId].cumulativeAmount;
        return accepted > redeemed ? accepted - redeemed : 0;
    }

    /// @dev The honest node redeems every voucher it accepted from the dishonest payer. Each was covered by the
    /// payer's escrow with the honest operator when signed (with everything else the node was owed), and the payer has
    /// withdrawn nothing since that the node had not redeemed first: each is paid in full, unless a voucher the node
    /// refused (an overdrawn one, which anyone may submit) paid it in its stead, and then the node was paid at least
    /// everything it accepted, over its channels with this payer.
    function _honestRedeemAll() internal {
        (, bool serving) = nodes.nodeOperatorOf(_c.honestNode);
        if (!serving) return;
        bytes32[2] memory modelIds = [_c.model, _c.badModel];
        for (uint256 i; i < 2; ++i) {
            uint256 owed = _outstanding(modelIds[i]);
            if (owed == 0) continue;
            vm.recordLogs();
            vm.prank(_c.honestOp);
            try escrow.redeem(_accepted[modelIds[i]], _acceptedSig[modelIds[i]]) returns (uint256 paid) {
                ++reached["honestVoucherPaid"];
                _check(
                    paid == owed || overdrawnPaid,
                    "honestVoucher",
                    "a covered voucher signed before the thaw was not paid in full"
                );
                _afterCredits(true);
            } catch {
                _check(overdrawnPaid, "honestVoucher", "a covered voucher signed before the thaw was refused");
                vm.getRecordedLogs();
            }
        }
        uint256 redeemed;
        uint256 accepted;
        for (uint256 i; i < 2; ++i) {
            redeemed += escrow.redeemedOf(_c.badPayer, _c.honestNode, modelIds[i], Nodes.Mode.None);
            accepted += _accepted[modelIds[i]].cumulativeAmount;
        }
        _check(redeemed >= accepted, "honestVoucher", "the honest node was paid less than the vouchers it accepted");
    }

    /// @dev Redeems a voucher and credits its fees in the books; `honest`: the payer is outside the coalition.
    function _redeem(Payments.Voucher memory v, bytes memory signature, bool honest) internal {
        uint256 balance = token.balanceOf(address(staking));
        uint256 credited = staking.feesDistributed();
        vm.recordLogs();
        escrow.redeem(v, signature);
        _check(
            token.balanceOf(address(staking)) - balance == staking.feesDistributed() - credited,
            "events",
            "staking received other than the fees it credited"
        );
        _afterCredits(honest);
    }

    function _tryRedeem(Payments.Voucher memory v, bytes memory signature) internal {
        vm.recordLogs();
        try escrow.redeem(v, signature) {
            overdrawnPaid = true;
            _afterCredits(true);
        } catch {
            vm.getRecordedLogs();
        }
    }

    /// @dev Books every FeesCredited among the logs just recorded: the coalition's honest income, and for each tracked
    /// delegator the most it may get of the payment (all of it, since the stream releases it to the stake of each
    /// moment of its period), after checking the stream the event reports and the cut the delegator may pay.
    function _afterCredits(bool honestPayer) internal {
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i; i < logs.length; ++i) {
            Vm.Log memory entry = logs[i];
            if (entry.emitter != address(staking) || entry.topics[0] != IStaking.FeesCredited.selector) continue;
            address op = address(uint160(uint256(entry.topics[1])));
            (uint256 amount, uint256 streaming, uint64 endsAt) = abi.decode(entry.data, (uint256, uint256, uint64));
            _check(
                streaming == staking.feesStreamingOf(op) && endsAt == block.timestamp + staking.FEE_STREAM_PERIOD(),
                "events",
                "FeesCredited's stream != the operator's fees streaming after the payment, over a new period"
            );
            _creditBooks(op, amount, honestPayer);
        }
    }

    function _creditBooks(address op, uint256 amount, bool honestPayer) internal {
        Stakes.Operator memory o = staking.getOperator(op);
        if (op == _c.evilOp && honestPayer) coalitionHonestFees += amount;
        for (uint256 i; i < delegators.length; ++i) {
            address d = delegators[i];
            (uint256 shares, , ) = staking.getDelegation(op, d);
            if (shares == 0 || amount == 0) continue;
            feesWhileDelegated[d][op] += amount;
            ++roundingAllowance[d][op];
            if (d == _c.puppetD && op != _c.evilOp) coalitionHonestFees += amount + 1;
            if (o.cutPpm > acceptedCut[d][op]) {
                _check(
                    cutScheduledSeq[op] > delegatedSeq[d][op],
                    "cut",
                    "a delegator paid a cut above what it accepted, scheduled before it delegated"
                );
            }
        }
    }

    function _commitment(uint256 id, uint256 nodeId, bytes32 output) internal view returns (bytes32) {
        return escrow.fulfilmentCommitmentOf(id, nodeId, output, bytes32("proof"));
    }

    function _sign(uint256 key, Payments.Voucher memory v) internal view returns (bytes memory) {
        (uint8 sv, bytes32 r, bytes32 s) = vm.sign(key, escrow.voucherDigest(v));
        return abi.encodePacked(r, s, sv);
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

    /// @notice Everything a coalition account holds: tokens, own stake (active and thawing), delegations (active and
    /// thawing), unclaimed rewards and fees, balances and escrows in the payments escrow, pending bonds.
    function coalitionValue(address account) public view returns (uint256 value) {
        value = token.balanceOf(account) + escrow.balanceOf(account);
        for (uint256 j; j < operators.length; ++j) {
            address op = operators[j];
            value += escrow.getEscrow(account, op).balance;
            if (account == op) {
                value += staking.getOperator(op).ownActive;
            } else {
                (, uint256 tokens, ) = staking.getDelegation(op, account);
                value += tokens;
            }
            (, uint256[] memory amounts, ) = staking.thawRequestsOf(account, op);
            for (uint256 k; k < amounts.length; ++k) value += amounts[k];
            value += staking.claimableRewards(account, op);
        }
        for (uint256 i; i < pendingChallenges.length; ++i) {
            Proofs.Challenge memory c = proofs.getChallenge(pendingChallenges[i]);
            if (c.challenger == account) value += c.bond;
        }
    }

    function cast() external view returns (Cast memory) {
        return _c;
    }

    function counts() external view returns (uint256 coalitionSize, uint256 holderCount, uint256 pendingCount) {
        return (coalition.length, holders.length, pendingChallenges.length);
    }

    /// @notice Handler calls so far.
    function sequence() external view returns (uint256) {
        return _seq;
    }

    function operatorCount() external view returns (uint256) {
        return operators.length;
    }

    function delegatorCount() external view returns (uint256) {
        return delegators.length;
    }
}
