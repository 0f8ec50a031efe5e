// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IProofRegistry} from "../interfaces/IProofRegistry.sol";
import {IStaking} from "../interfaces/IStaking.sol";
import {IStakingBase} from "../interfaces/IStakingBase.sol";
import {PPM} from "../libraries/PPM.sol";
import {Stakes} from "../types/Stakes.sol";
import {SharePool} from "./libraries/SharePool.sol";
import {StakingRewards} from "./libraries/StakingRewards.sol";
import {ThawQueues} from "./libraries/ThawQueues.sol";

/// @title Staking
/// @notice See the documentation in {IStaking}.
/// @dev Where the tokens are: every token this contract holds is active stake (own or delegated), thawing stake
/// (in the two thawing pools of each operator), or rewards and node fees not yet claimed: at the end of every
/// transaction the balance is at least totalActiveStake + totalThawingStake + REWARDS_TOTAL + feesDistributed -
/// rewardsClaimed (more only by donations, which nobody can claim). Rewards use two accumulators: a global reward
/// per active token, settled into an operator's books before any change to its stake, delegation or cut; and per
/// operator a reward per delegated share, settled into a delegation before any change to it. Node fees join the
/// operator's fee stream as each payment is made and are released into the same books linearly over
/// {FEE_STREAM_PERIOD}, to the stake of each moment, so that the moment of a collection decides nothing: a stake shares
/// a payment's fees in proportion to the time it stays while they are released. Nothing loops over
/// stakers; a withdrawal loops over at most {maxThawRequests} of the caller's own requests.
// The two protocol contracts set once add to the stream's and the books' state; splitting the contract is planned.
// solhint-disable-next-line max-states-count
contract Staking is IStaking, AccessControl, Pausable {
    using SafeERC20 for IERC20;
    using SafeCast for uint256;
    using SharePool for Stakes.Pool;

    /*//////////////////////////////////////////////////////////////////////////
                                     CONSTANTS
    //////////////////////////////////////////////////////////////////////////*/

    /// @inheritdoc IStaking
    bytes32 public constant override PAUSER_ROLE = keccak256("PAUSER_ROLE");

    uint64 public constant MIN_THAWING_PERIOD = 1 days;
    uint64 public constant MAX_THAWING_PERIOD = 28 days;
    uint64 public constant MIN_CUT_CHANGE_DELAY = 1 days;
    uint64 public constant MAX_CUT_CHANGE_DELAY = 28 days;
    uint256 public constant MIN_MINIMUM_DELEGATION = 1e15;
    uint256 public constant MAX_MINIMUM_DELEGATION = 100_000e18;
    uint256 public constant MAX_THAW_REQUESTS_BOUND = 1000;
    uint32 public constant MAX_CHALLENGER_SHARE_PPM = 500_000;
    uint32 public constant MAX_SLASH_BOUND_PPM = 100_000;

    /// @inheritdoc IStaking
    uint64 public constant override FEE_STREAM_PERIOD = 7 days;

    /*//////////////////////////////////////////////////////////////////////////
                                  STATE VARIABLES
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice The staked token (OPG); it must be burnable, since slashes burn.
    IERC20 public immutable TOKEN;

    /// @inheritdoc IStaking
    uint256 public immutable override REWARDS_TOTAL;

    /// @inheritdoc IStaking
    uint64 public immutable override REWARDS_START;

    /// @inheritdoc IStaking
    uint64 public immutable override REWARDS_DURATION;

    /// @inheritdoc IStaking
    uint64 public override thawingPeriod = 14 days;

    /// @inheritdoc IStaking
    uint64 public override cutChangeDelay = 7 days;

    /// @inheritdoc IStaking
    uint32 public override challengerSharePpm = 500_000;

    /// @inheritdoc IStaking
    uint32 public override maxSlashPpm = 100_000;

    /// @inheritdoc IStaking
    uint256 public override minimumDelegation = 1e18;

    /// @inheritdoc IStaking
    uint256 public override maxThawRequests = 100;

    /// @inheritdoc IStaking
    uint256 public override totalActiveStake;

    /// @inheritdoc IStaking
    uint256 public override totalThawingStake;

    /// @notice The global reward per active token, scaled by 1e27, as of {lastRewardUpdate}.
    uint256 public rewardPerToken;

    /// @notice When rewards were last accrued into {rewardPerToken}.
    uint64 public lastRewardUpdate;

    /// @notice Rewards accrued to stakers so far (what {rewardPerToken} has handed out, before rounding).
    uint256 public rewardsAllocated;

    /// @inheritdoc IStaking
    uint256 public override rewardsClaimed;

    /// @inheritdoc IStaking
    uint256 public override rewardsUnallocated;

    /// @inheritdoc IStaking
    uint256 public override feesDistributed;

    /// @inheritdoc IStaking
    address public override slasher;

    /// @inheritdoc IStaking
    address public override feeSource;

    /// @inheritdoc IStaking
    mapping(address operator => uint256 pending) public override pendingSlashOf;

    /// @dev What a slash took from each part of an operator's stake.
    struct Taken {
        uint256 fromOwnActive;
        uint256 fromOwnThawing;
        uint256 fromDelegated;
        uint256 fromDelegatedThawing;
    }

    mapping(address operator => Stakes.Operator) internal _operators;
    mapping(address operator => mapping(address delegator => Stakes.Delegation)) internal _delegations;
    mapping(address operator => mapping(address staker => Stakes.ThawQueue)) internal _thawQueues;
    mapping(address operator => mapping(address staker => mapping(uint256 id => Stakes.ThawRequest)))
        internal _thawRequests;

    /*//////////////////////////////////////////////////////////////////////////
                                    CONSTRUCTOR
    //////////////////////////////////////////////////////////////////////////*/

    /// @param token The staked token (OPG).
    /// @param admin The account given the default admin role and the pauser role (the timelock, after deployment).
    /// @param rewardsTotal The rewards allocation, which the genesis transfers to this contract.
    /// @param rewardsStart When the rewards stream starts (the TGE).
    /// @param rewardsDuration How long it lasts (96 months).
    constructor(IERC20 token, address admin, uint256 rewardsTotal, uint64 rewardsStart, uint64 rewardsDuration) {
        require(rewardsDuration > 0, StakingParameterOutOfBounds("rewardsDuration", 0, 1, type(uint64).max));
        TOKEN = token;
        REWARDS_TOTAL = rewardsTotal;
        REWARDS_START = rewardsStart;
        REWARDS_DURATION = rewardsDuration;
        lastRewardUpdate = uint64(block.timestamp);
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(PAUSER_ROLE, admin);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                  CONSTANT FUNCTIONS
    //////////////////////////////////////////////////////////////////////////*/

    /// @inheritdoc IStakingBase
    function activeStakeOf(address operator) external view override returns (uint256) {
        Stakes.Operator storage o = _operators[operator];
        return uint256(o.ownActive) + o.delegated.tokens;
    }

    /// @inheritdoc IStakingBase
    function stakeOf(address operator) external view override returns (uint256 own, uint256 delegated) {
        Stakes.Operator storage o = _operators[operator];
        return (o.ownActive, o.delegated.tokens);
    }

    /// @inheritdoc IStaking
    function lockedStakeOf(address operator) public view override returns (uint256) {
        return Math.min(pendingSlashOf[operator], slashableStakeOf(operator));
    }

    /// @inheritdoc IStaking
    function slashableStakeOf(address operator) public view override returns (uint256) {
        Stakes.Operator storage o = _operators[operator];
        return uint256(o.ownActive) + o.ownThawing.tokens + o.delegated.tokens + o.delegatedThawing.tokens;
    }

    /// @inheritdoc IStaking
    function rewardsEmittedAt(uint64 time) public view override returns (uint256) {
        return StakingRewards.emittedAt(REWARDS_TOTAL, REWARDS_START, REWARDS_DURATION, time);
    }

    /// @inheritdoc IStaking
    function feesStreamingOf(address operator) external view override returns (uint256) {
        Stakes.Operator storage o = _operators[operator];
        return o.feesStreaming - StakingRewards.releasedFees(o);
    }

    /// @inheritdoc IStaking
    function getOperator(address operator) external view override returns (Stakes.Operator memory) {
        return _operators[operator];
    }

    /// @inheritdoc IStaking
    function getDelegation(
        address operator,
        address delegator
    ) external view override returns (uint256 shares, uint256 tokens, uint256 rewards) {
        Stakes.Operator storage o = _operators[operator];
        Stakes.Delegation storage d = _delegations[operator][delegator];
        shares = d.shares;
        tokens = o.delegated.toTokens(shares);
        rewards = d.rewards + StakingRewards.delegatorAccrual(d, _currentDelegatorRewardPerShare(o));
    }

    /// @inheritdoc IStaking
    function claimableRewards(address account, address operator) external view override returns (uint256) {
        Stakes.Operator storage o = _operators[operator];
        if (account == operator) {
            (uint256 operatorShare, ) = StakingRewards.operatorAccrual(o, _currentRewardPerToken());
            (uint256 feeShare, ) = StakingRewards.feeSplit(o, StakingRewards.releasedFees(o));
            return o.rewards + operatorShare + feeShare;
        }
        Stakes.Delegation storage d = _delegations[operator][account];
        return d.rewards + StakingRewards.delegatorAccrual(d, _currentDelegatorRewardPerShare(o));
    }

    /// @inheritdoc IStaking
    function thawRequestsOf(
        address staker,
        address operator
    ) external view override returns (uint256[] memory ids, uint256[] memory amounts, uint64[] memory thawingUntil) {
        Stakes.ThawQueue memory queue = _thawQueues[operator][staker];
        mapping(uint256 id => Stakes.ThawRequest) storage requests = _thawRequests[operator][staker];
        (Stakes.Pool memory pool, uint32 epoch) = _thawingPool(operator, staker);
        // A first pass counts the open requests; the second lists them, valued as a withdrawal in this order would
        // pay them.
        ThawQueues.Listing memory listing;
        ThawQueues.Walk memory w = ThawQueues.start(pool, epoch, 0);
        ThawQueues.walk(requests, queue.head, queue.tail, ThawQueues.Pass.All, w, listing);
        (ids, amounts, thawingUntil) = (new uint256[](w.count), new uint256[](w.count), new uint64[](w.count));
        listing = ThawQueues.Listing({ids: ids, amounts: amounts, thawingUntil: thawingUntil});
        // The first pass took from its copy of the pool; the second starts again from the stored one.
        (pool, ) = _thawingPool(operator, staker);
        w = ThawQueues.start(pool, epoch, 0);
        ThawQueues.walk(requests, queue.head, queue.tail, ThawQueues.Pass.All, w, listing);
    }

    /// @inheritdoc IStaking
    function withdrawableOf(
        address staker,
        address operator
    ) external view override returns (uint256 withdrawableNow, uint256 stillThawing, uint64 nextThawingUntil) {
        (Stakes.Pool memory pool, uint32 epoch) = _thawingPool(operator, staker);
        // What pending slashes lock stays, thawed or not, until they are decided.
        (uint256 free, , ) = _freeOfLock(_operators[operator], operator, staker == operator);
        Stakes.ThawQueue memory queue = _thawQueues[operator][staker];
        mapping(uint256 id => Stakes.ThawRequest) storage requests = _thawRequests[operator][staker];
        // As {withdraw} takes them, to the wei: the thawed requests up to what is free, then the rest against the
        // pool they leave (the requests the lock holds and those still thawing).
        ThawQueues.Listing memory none;
        ThawQueues.Walk memory w = ThawQueues.start(pool, epoch, free);
        withdrawableNow = ThawQueues.walk(requests, queue.head, queue.tail, ThawQueues.Pass.Thawed, w, none);
        stillThawing = ThawQueues.walk(requests, queue.head, queue.tail, ThawQueues.Pass.Rest, w, none);
        nextThawingUntil = w.nextThawingUntil;
    }

    /*//////////////////////////////////////////////////////////////////////////
                                NON-CONSTANT FUNCTIONS
    //////////////////////////////////////////////////////////////////////////*/

    /// @inheritdoc IStaking
    function stake(uint256 amount) external override {
        _stake(amount);
    }

    /// @inheritdoc IStaking
    function stakeWithPermit(uint256 amount, uint256 deadline, uint8 v, bytes32 r, bytes32 s) external override {
        _tryPermit(amount, deadline, v, r, s);
        _stake(amount);
    }

    /// @inheritdoc IStaking
    function delegate(address operator, uint256 amount, uint32 maxCutPpm) external override {
        _delegate(operator, amount, maxCutPpm);
    }

    /// @inheritdoc IStaking
    function delegateWithPermit(
        address operator,
        uint256 amount,
        uint32 maxCutPpm,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external override {
        _tryPermit(amount, deadline, v, r, s);
        _delegate(operator, amount, maxCutPpm);
    }

    /// @inheritdoc IStaking
    function unstake(uint256 amount) external override returns (uint256 requestId) {
        // Check
        Stakes.Operator storage o = _settleOperator(msg.sender);
        uint256 active = o.ownActive;
        require(amount > 0, StakingZeroAmount());
        require(amount <= active, StakingInsufficientStake(active, amount));
        require(amount >= minimumDelegation || amount == active, StakingThawTooSmall(amount, minimumDelegation));

        // Effect
        o.ownActive = uint128(active - amount);
        totalActiveStake -= amount;
        requestId = _queueThaw(o.ownThawing, o.ownThawingEpoch, msg.sender, msg.sender, amount);
    }

    /// @inheritdoc IStaking
    function undelegate(address operator, uint256 shares) external override returns (uint256 requestId) {
        // Check
        Stakes.Operator storage o = _settleOperator(operator);
        Stakes.Delegation storage d = _delegations[operator][msg.sender];
        _settleDelegator(o, d);
        uint256 held = d.shares;
        require(shares > 0, StakingZeroAmount());
        require(shares <= held, StakingInsufficientStake(held, shares));
        // Rounds down: the shares left behind are worth at least as much as before.
        uint256 amount = o.delegated.toTokens(shares);
        require(amount >= minimumDelegation || shares == held, StakingThawTooSmall(amount, minimumDelegation));

        // Effect
        d.shares = uint128(held - shares);
        o.delegated.shares -= uint128(shares);
        o.delegated.tokens -= uint128(amount);
        totalActiveStake -= amount;
        requestId = _queueThaw(o.delegatedThawing, o.delegatedThawingEpoch, operator, msg.sender, amount);
    }

    /// @inheritdoc IStaking
    function withdraw(address operator, uint256 maxRequests) external override returns (uint256 amount) {
        Stakes.Operator storage o = _operators[operator];
        bool own = operator == msg.sender;
        Stakes.Pool storage poolRef = own ? o.ownThawing : o.delegatedThawing;

        // Check and effect: what pending slashes do not lock can leave, even out of part of a request. Among the
        // oldest `maxRequests` (0: all), the walk is bounded by the caller's own open requests.
        (uint256 free, uint256 locked, uint256 holding) = _freeOfLock(o, operator, own);
        Stakes.ThawQueue storage queue = _thawQueues[operator][msg.sender];
        mapping(uint256 id => Stakes.ThawRequest) storage requests = _thawRequests[operator][msg.sender];
        uint256 end = maxRequests == 0 || maxRequests > queue.tail - queue.head ? queue.tail : queue.head + maxRequests;
        ThawQueues.Listing memory none;
        ThawQueues.Walk memory w = ThawQueues.start(poolRef, own ? o.ownThawingEpoch : o.delegatedThawingEpoch, free);
        amount = ThawQueues.walk(requests, queue.head, end, ThawQueues.Pass.Thawed, w, none);
        bool held = w.stopId != type(uint256).max;
        require(w.count > 0 || held, StakingNothingThawed(w.nextThawingUntil));
        require(amount > 0 || !held, StakingStakeLocked(locked, holding));
        ThawQueues.removeTaken(queue, requests, end, w);
        poolRef.tokens = w.pool.tokens;
        poolRef.shares = w.pool.shares;
        totalThawingStake -= amount;

        // Interaction
        if (amount > 0) TOKEN.safeTransfer(msg.sender, amount);
        emit StakeWithdrawn(msg.sender, operator, amount, w.count);
    }

    /// @inheritdoc IStaking
    function claimRewards(address operator) external override returns (uint256 amount) {
        Stakes.Operator storage o = _settleOperator(operator);
        if (msg.sender == operator) {
            amount = o.rewards;
            o.rewards = 0;
        } else {
            Stakes.Delegation storage d = _delegations[operator][msg.sender];
            _settleDelegator(o, d);
            amount = d.rewards;
            d.rewards = 0;
        }
        require(amount > 0, StakingNoRewards(msg.sender, operator));
        rewardsClaimed += amount;
        TOKEN.safeTransfer(msg.sender, amount);
        emit RewardsClaimed(msg.sender, operator, amount);
    }

    /// @inheritdoc IStaking
    function setDelegationCut(uint32 cutPpm) external override {
        require(cutPpm <= PPM.ONE, StakingInvalidCut(cutPpm));
        Stakes.Operator storage o = _operators[msg.sender];
        require(o.staked, StakingNotOperator(msg.sender));
        // Delegators or not: a first delegator must be able to see the cut it will pay before it applies.
        uint64 effectiveAt = uint64(block.timestamp) + cutChangeDelay;
        o.pendingCutPpm = cutPpm;
        o.pendingCutAt = uint40(effectiveAt);
        emit DelegationCutScheduled(msg.sender, o.cutPpm, cutPpm, effectiveAt);
    }

    /// @inheritdoc IStaking
    function applyDelegationCut(address operator) external override {
        Stakes.Operator storage o = _operators[operator];
        uint40 effectiveAt = o.pendingCutAt;
        require(effectiveAt != 0 && effectiveAt <= block.timestamp, StakingCutNotDue(effectiveAt));
        // Rewards up to now are settled under the old cut.
        _settleOperator(operator);
        emit DelegationCutSet(operator, o.cutPpm, o.pendingCutPpm);
        o.cutPpm = o.pendingCutPpm;
        o.pendingCutAt = 0;
    }

    /// @inheritdoc IStaking
    function creditFees(address operator, uint256 amount) external override returns (uint256 streaming) {
        require(msg.sender == feeSource, StakingUnauthorized(msg.sender));
        // Effect: what the stream released so far goes to the stake it was released to; the rest and this payment
        // are released over a new period. Fees change no stake, so the rewards stream need not be settled first:
        // both only ever add to the same per-share books.
        Stakes.Operator storage o = _operators[operator];
        _releaseFees(o);
        streaming = o.feesStreaming + amount;
        uint64 endsAt = uint64(block.timestamp) + FEE_STREAM_PERIOD;
        o.feesStreaming = streaming.toUint128();
        o.feeStreamUpdatedAt = uint40(block.timestamp);
        o.feeStreamEndsAt = uint40(endsAt);
        feesDistributed += amount;
        emit FeesCredited(operator, amount, streaming, endsAt);
    }

    /// @inheritdoc IStaking
    function lockStake(address operator, uint256 amount) external override returns (uint256 locked) {
        // Check
        require(msg.sender == slasher, StakingUnauthorized(msg.sender));
        require(amount > 0, StakingZeroAmount());
        uint256 slashable = slashableStakeOf(operator);
        uint256 maximum = PPM.mulPpm(slashable, maxSlashPpm);
        require(amount <= maximum, StakingSlashTooLarge(amount, maximum));

        // Effect: pending slashes add up, whatever is already held: what they lock is their sum, up to the whole
        // slashable stake, so that no challenge, bogus or not, can use up the lock another one needs.
        uint256 pending = pendingSlashOf[operator] + amount;
        pendingSlashOf[operator] = pending;
        emit StakeLocked(operator, amount, pending);
        return amount;
    }

    /// @inheritdoc IStaking
    function unlockStake(address operator, uint256 amount) external override {
        require(msg.sender == slasher, StakingUnauthorized(msg.sender));
        emit StakeUnlocked(operator, amount, _unlock(operator, amount));
    }

    /// @inheritdoc IStaking
    function slash(
        address operator,
        uint256 amount,
        address challenger
    ) external override returns (uint256 taken, uint256 toChallenger) {
        // Check
        require(msg.sender == slasher, StakingUnauthorized(msg.sender));
        require(amount > 0, StakingZeroAmount());
        emit StakeUnlocked(operator, amount, _unlock(operator, amount));
        Stakes.Operator storage o = _settleOperator(operator);
        // Other slashes since the lock may have left less than this one's pending amount.
        uint256 rest = Math.min(amount, slashableStakeOf(operator));
        if (rest == 0) return (0, 0);

        // Effect
        Taken memory t = _take(o, rest);
        totalActiveStake -= t.fromOwnActive + t.fromDelegated;
        totalThawingStake -= t.fromOwnThawing + t.fromDelegatedThawing;

        // Interaction: the challenger is paid out of the operator's own stake only, so that an operator that
        // challenges its own records from another account never gains, and delegators never pay a challenger.
        if (challenger != address(0)) toChallenger = PPM.mulPpm(t.fromOwnActive + t.fromOwnThawing, challengerSharePpm);
        taken = t.fromOwnActive + t.fromOwnThawing + t.fromDelegated + t.fromDelegatedThawing;
        ERC20Burnable(address(TOKEN)).burn(taken - toChallenger);
        if (toChallenger > 0) TOKEN.safeTransfer(challenger, toChallenger);
        emit StakeSlashed(
            operator,
            challenger,
            t.fromOwnActive,
            t.fromOwnThawing,
            t.fromDelegated,
            t.fromDelegatedThawing,
            taken - toChallenger,
            toChallenger
        );
    }

    /*//////////////////////////////////////////////////////////////////////////
                                    GOVERNANCE
    //////////////////////////////////////////////////////////////////////////*/

    /// @inheritdoc IStaking
    function setThawingPeriod(uint64 newThawingPeriod) external override onlyRole(DEFAULT_ADMIN_ROLE) {
        _checkThawingPeriod(newThawingPeriod);
        emit ThawingPeriodSet(thawingPeriod, newThawingPeriod);
        thawingPeriod = newThawingPeriod;
    }

    /// @inheritdoc IStaking
    function setCutChangeDelay(uint64 newDelay) external override onlyRole(DEFAULT_ADMIN_ROLE) {
        _checkBounds("cutChangeDelay", newDelay, MIN_CUT_CHANGE_DELAY, MAX_CUT_CHANGE_DELAY);
        emit CutChangeDelaySet(cutChangeDelay, newDelay);
        cutChangeDelay = newDelay;
    }

    /// @inheritdoc IStaking
    function setMinimumDelegation(uint256 newMinimum) external override onlyRole(DEFAULT_ADMIN_ROLE) {
        _checkBounds("minimumDelegation", newMinimum, MIN_MINIMUM_DELEGATION, MAX_MINIMUM_DELEGATION);
        emit MinimumDelegationSet(minimumDelegation, newMinimum);
        minimumDelegation = newMinimum;
    }

    /// @inheritdoc IStaking
    function setMaxThawRequests(uint256 newMaximum) external override onlyRole(DEFAULT_ADMIN_ROLE) {
        _checkBounds("maxThawRequests", newMaximum, 1, MAX_THAW_REQUESTS_BOUND);
        emit MaxThawRequestsSet(maxThawRequests, newMaximum);
        maxThawRequests = newMaximum;
    }

    /// @inheritdoc IStaking
    function setChallengerShare(uint32 newSharePpm) external override onlyRole(DEFAULT_ADMIN_ROLE) {
        _checkBounds("challengerSharePpm", newSharePpm, 0, MAX_CHALLENGER_SHARE_PPM);
        emit ChallengerShareSet(challengerSharePpm, newSharePpm);
        challengerSharePpm = newSharePpm;
    }

    /// @inheritdoc IStaking
    function setMaxSlash(uint32 newMaxSlashPpm) external override onlyRole(DEFAULT_ADMIN_ROLE) {
        _checkBounds("maxSlashPpm", newMaxSlashPpm, 0, MAX_SLASH_BOUND_PPM);
        emit MaxSlashSet(maxSlashPpm, newMaxSlashPpm);
        maxSlashPpm = newMaxSlashPpm;
    }

    /// @inheritdoc IStaking
    function setProtocolContracts(
        address newSlasher,
        address newFeeSource
    ) external override onlyRole(DEFAULT_ADMIN_ROLE) {
        // Once: no role can later make another contract a slasher or a source of fees (which could take stake).
        require(
            slasher == address(0) && newSlasher != address(0) && newFeeSource != address(0),
            StakingProtocolContractsSet(slasher, feeSource)
        );
        slasher = newSlasher;
        feeSource = newFeeSource;
        // The thaw in force must already outlast the slasher's challenge window, as setThawingPeriod requires.
        _checkThawingPeriod(thawingPeriod);
        emit ProtocolContractsSet(newSlasher, newFeeSource);
    }

    /// @inheritdoc IStaking
    function pause() external override onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @inheritdoc IStaking
    function unpause() external override onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    /*//////////////////////////////////////////////////////////////////////////
                                 INTERNAL FUNCTIONS
    //////////////////////////////////////////////////////////////////////////*/

    function _stake(uint256 amount) internal whenNotPaused {
        require(amount > 0, StakingZeroAmount());
        // Effect
        Stakes.Operator storage o = _settleOperator(msg.sender);
        o.ownActive += amount.toUint128();
        o.staked = true;
        totalActiveStake += amount;
        // Interaction
        TOKEN.safeTransferFrom(msg.sender, address(this), amount);
        emit StakeDeposited(msg.sender, amount);
    }

    function _delegate(address operator, uint256 amount, uint32 maxCutPpm) internal whenNotPaused {
        // Check
        require(operator != msg.sender, StakingSelfDelegation(operator));
        require(amount >= minimumDelegation, StakingDelegationTooSmall(amount, minimumDelegation));
        Stakes.Operator storage o = _settleOperator(operator);
        require(o.staked, StakingNotOperator(operator));
        uint32 cut = o.pendingCutAt != 0 && o.pendingCutPpm > o.cutPpm ? o.pendingCutPpm : o.cutPpm;
        require(cut <= maxCutPpm, StakingCutAboveAccepted(cut, maxCutPpm));
        Stakes.Pool memory pool = o.delegated;
        require(pool.tokens > 0 || pool.shares == 0, StakingInvalidPoolState(operator));
        // Rounds down: the new delegator gets at most its share, never a part of the others'.
        uint256 shares = pool.sharesFor(amount);
        require(shares > 0, StakingZeroShares(amount));

        // Effect
        Stakes.Delegation storage d = _delegations[operator][msg.sender];
        _settleDelegator(o, d);
        d.shares += shares.toUint128();
        o.delegated.tokens = (pool.tokens + amount).toUint128();
        o.delegated.shares = (pool.shares + shares).toUint128();
        totalActiveStake += amount;

        // Interaction
        TOKEN.safeTransferFrom(msg.sender, address(this), amount);
        emit StakeDelegated(msg.sender, operator, amount, shares);
    }

    /// @dev Uses a permit if it is still valid; one already used (say, by a front-runner) leaves an allowance.
    function _tryPermit(uint256 amount, uint256 deadline, uint8 v, bytes32 r, bytes32 s) internal {
        try IERC20Permit(address(TOKEN)).permit(msg.sender, address(this), amount, deadline, v, r, s) {} catch {}
    }

    /// @dev Adds `amount` to a thawing pool and queues a request for its shares.
    function _queueThaw(
        Stakes.Pool storage pool,
        uint32 epoch,
        address operator,
        address staker,
        uint256 amount
    ) internal returns (uint256 requestId) {
        Stakes.ThawQueue storage queue = _thawQueues[operator][staker];
        uint256 open = queue.tail - queue.head;
        require(open < maxThawRequests, StakingTooManyThawRequests(open, maxThawRequests));

        uint256 shares = SharePool.sharesFor(pool, amount);
        pool.tokens += amount.toUint128();
        pool.shares += shares.toUint128();
        totalThawingStake += amount;

        requestId = queue.tail;
        uint64 thawingUntil = uint64(block.timestamp) + thawingPeriod;
        _thawRequests[operator][staker][requestId] = Stakes.ThawRequest({
            shares: uint128(shares),
            thawingUntil: uint40(thawingUntil),
            epoch: epoch
        });
        queue.tail = uint64(requestId + 1);
        emit ThawRequested(staker, operator, requestId, amount, shares, thawingUntil);
    }

    /// @dev Takes `amount` (at most the slashable stake) from an operator: own active, then own thawing, then
    /// delegated active and thawing pro rata. A pool the slash empties starts a new epoch.
    function _take(Stakes.Operator storage o, uint256 amount) internal returns (Taken memory t) {
        uint256 rest = amount;
        t.fromOwnActive = Math.min(rest, o.ownActive);
        o.ownActive -= uint128(t.fromOwnActive);
        rest -= t.fromOwnActive;

        uint256 fromOwnThawing = Math.min(rest, o.ownThawing.tokens);
        rest -= fromOwnThawing;
        bool emptied;
        (t.fromOwnThawing, emptied) = o.ownThawing.takeFromThawing(fromOwnThawing);
        if (emptied) ++o.ownThawingEpoch;

        if (rest > 0) {
            uint256 delegatedTotal = uint256(o.delegated.tokens) + o.delegatedThawing.tokens;
            // rest <= delegatedTotal, since amount <= slashable. Rounds down on the active side; the thawing side
            // takes the remainder, which is at most its own tokens.
            t.fromDelegated = (rest * o.delegated.tokens) / delegatedTotal;
            o.delegated.tokens -= uint128(t.fromDelegated);
            (t.fromDelegatedThawing, emptied) = o.delegatedThawing.takeFromThawing(rest - t.fromDelegated);
            if (emptied) ++o.delegatedThawingEpoch;
        }
    }

    /// @dev Accrues the rewards stream into the global reward per token.
    function _accrueRewards() internal {
        uint64 last = lastRewardUpdate;
        if (last == block.timestamp) return;
        uint256 emitted = rewardsEmittedAt(uint64(block.timestamp)) - rewardsEmittedAt(last);
        lastRewardUpdate = uint64(block.timestamp);
        if (emitted == 0) return;
        uint256 active = totalActiveStake;
        if (active == 0) {
            rewardsUnallocated += emitted;
        } else {
            rewardPerToken = StakingRewards.perTokenAfter(rewardPerToken, emitted, active);
            rewardsAllocated += emitted;
        }
    }

    /// @dev Accrues the rewards stream, releases the operator's fees due, and settles its rewards: its own stake's
    /// and its cut into its books, the delegators' into the reward per delegated share.
    function _settleOperator(address operator) internal returns (Stakes.Operator storage o) {
        _accrueRewards();
        o = _operators[operator];
        _releaseFees(o);
        uint256 current = rewardPerToken;
        if (o.rewardPerTokenPaid == current) return o;
        (uint256 operatorShare, uint256 perShareIncrease) = StakingRewards.operatorAccrual(o, current);
        if (operatorShare > 0) o.rewards += operatorShare.toUint128();
        if (perShareIncrease > 0) o.delegatorRewardPerShare += perShareIncrease;
        o.rewardPerTokenPaid = current;
    }

    function _settleDelegator(Stakes.Operator storage o, Stakes.Delegation storage d) internal {
        uint256 current = o.delegatorRewardPerShare;
        uint256 owed = StakingRewards.delegatorAccrual(d, current);
        if (owed > 0) d.rewards += owed.toUint128();
        d.rewardPerSharePaid = current;
    }

    /// @dev The global reward per token as it would be after accruing now.
    function _currentRewardPerToken() internal view returns (uint256) {
        uint256 active = totalActiveStake;
        if (active == 0) return rewardPerToken;
        uint256 emitted = rewardsEmittedAt(uint64(block.timestamp)) - rewardsEmittedAt(lastRewardUpdate);
        return StakingRewards.perTokenAfter(rewardPerToken, emitted, active);
    }

    function _currentDelegatorRewardPerShare(Stakes.Operator storage o) internal view returns (uint256) {
        (, uint256 perShareIncrease) = StakingRewards.operatorAccrual(o, _currentRewardPerToken());
        (, uint256 feePerShareIncrease) = StakingRewards.feeSplit(o, StakingRewards.releasedFees(o));
        return o.delegatorRewardPerShare + perShareIncrease + feePerShareIncrease;
    }

    /// @dev Releases the part of the operator's fee stream due since it was last updated into the books, split by
    /// the stake of this moment (unchanged since the last update: every change of stake settles first).
    function _releaseFees(Stakes.Operator storage o) internal {
        if (o.feesStreaming == 0 || o.feeStreamUpdatedAt == block.timestamp) return;
        uint256 released = StakingRewards.releasedFees(o);
        o.feesStreaming -= uint128(released);
        o.feeStreamUpdatedAt = uint40(block.timestamp);
        (uint256 operatorShare, uint256 perShareIncrease) = StakingRewards.feeSplit(o, released);
        if (operatorShare > 0) o.rewards += operatorShare.toUint128();
        if (perShareIncrease > 0) o.delegatorRewardPerShare += perShareIncrease;
    }

    /// @dev The thawing pool a staker's requests with an operator hold shares of, and its epoch.
    function _thawingPool(address operator, address staker) internal view returns (Stakes.Pool memory, uint32) {
        Stakes.Operator storage o = _operators[operator];
        return operator == staker ? (o.ownThawing, o.ownThawingEpoch) : (o.delegatedThawing, o.delegatedThawingEpoch);
    }

    /// @dev What a withdrawal may take out without touching the stake pending slashes lock (all of it when none is
    /// pending), the lock, and the stake that holds it. The operator's own stake holds the lock first: the operator
    /// may not take out own stake the lock needs, and a delegator is held back only by what the whole slashable stake
    /// holds beyond the lock.
    function _freeOfLock(
        Stakes.Operator storage o,
        address operator,
        bool own
    ) internal view returns (uint256 free, uint256 locked, uint256 holding) {
        uint256 pending = pendingSlashOf[operator];
        if (pending == 0) return (type(uint256).max, 0, 0);
        uint256 slashable = slashableStakeOf(operator);
        locked = Math.min(pending, slashable);
        holding = own ? uint256(o.ownActive) + o.ownThawing.tokens : slashable;
        free = holding > locked ? holding - locked : 0;
    }

    /// @dev Removes `amount` from the operator's pending slashes; returns what stays pending.
    function _unlock(address operator, uint256 amount) internal returns (uint256 pending) {
        uint256 before = pendingSlashOf[operator];
        require(amount <= before, StakingNotLocked(before, amount));
        pending = before - amount;
        pendingSlashOf[operator] = pending;
    }

    /// @dev Reverts unless `period` is within the thawing period's bounds, the slasher's challenges included.
    function _checkThawingPeriod(uint256 period) internal view {
        uint256 minimum = Math.max(MIN_THAWING_PERIOD, _minimumThawForChallenges());
        _checkBounds("thawingPeriod", period, minimum, MAX_THAWING_PERIOD);
    }

    /// @dev The shortest thaw that keeps stake in staking as long as a record committed before the unbonding can be
    /// challenged: the slasher's longest window still open, plus the day a record reopens after a failed challenge
    /// (ProofRegistry.RECHALLENGE_WINDOW). Zero before the slasher is set, or for a slasher without a window.
    function _minimumThawForChallenges() internal view returns (uint256) {
        if (slasher.code.length == 0) return 0;
        // A low-level call: a slasher without the function (a test double) has no window to respect.
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory data) = slasher.staticcall(abi.encodeCall(IProofRegistry.longestOpenWindow, ()));
        return ok && data.length == 32 ? uint256(abi.decode(data, (uint64))) + 1 days : 0;
    }

    function _checkBounds(bytes32 parameter, uint256 value, uint256 minimum, uint256 maximum) internal pure {
        require(value >= minimum && value <= maximum, StakingParameterOutOfBounds(parameter, value, minimum, maximum));
    }
}
