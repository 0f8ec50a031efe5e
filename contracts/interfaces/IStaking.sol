// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Stakes} from "../types/Stakes.sol";
import {IStakingBase} from "./IStakingBase.sol";

/// @title IStaking
/// @notice Operators stake OPG behind the nodes they run, and holders delegate to operators. Unbonding goes
/// through a thawing period during which the stake stays slashable. The protocol's dispute path slashes: the
/// operator's own stake first, then delegated and thawing stake pro rata; part is burned, part goes to the
/// challenger. The staking-rewards allocation streams to active stake pro rata over its duration, with the
/// operator taking its cut of its delegators' rewards, all settled in O(1) per action.
interface IStaking is IStakingBase {
    /*//////////////////////////////////////////////////////////////////////////
                                       EVENTS
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice Emitted when an operator adds to its own stake.
    event StakeDeposited(address indexed operator, uint256 amount);

    /// @notice Emitted when a holder delegates to an operator; `shares` are the delegation shares minted.
    event StakeDelegated(address indexed delegator, address indexed operator, uint256 amount, uint256 shares);

    /// @notice Emitted when a staker starts to unbond `amount`, withdrawable from `thawingUntil`.
    event ThawRequested(
        address indexed staker,
        address indexed operator,
        uint256 indexed requestId,
        uint256 amount,
        uint256 thawingShares,
        uint64 thawingUntil
    );

    /// @notice Emitted when a staker withdraws thawed stake; `amount` is what moved, after any slash.
    event StakeWithdrawn(address indexed staker, address indexed operator, uint256 amount, uint256 requests);

    /// @notice Emitted when an operator is slashed, with where each part was taken from and where it went.
    event StakeSlashed(
        address indexed operator,
        address indexed challenger,
        uint256 fromOwnActive,
        uint256 fromOwnThawing,
        uint256 fromDelegated,
        uint256 fromDelegatedThawing,
        uint256 burned,
        uint256 toChallenger
    );

    /// @notice Emitted when fees earned by an operator's nodes arrive: `toDelegators` is the delegators' part after
    /// the operator's cut, the rest is the operator's.
    event FeesDistributed(address indexed operator, address indexed from, uint256 amount, uint256 toDelegators);

    /// @notice Emitted when an operator or delegator claims rewards.
    event RewardsClaimed(address indexed account, address indexed operator, uint256 amount);

    /// @notice Emitted when an operator schedules a new cut, effective from `effectiveAt`.
    event DelegationCutScheduled(address indexed operator, uint32 currentCutPpm, uint32 newCutPpm, uint64 effectiveAt);

    /// @notice Emitted when an operator's cut changes.
    event DelegationCutSet(address indexed operator, uint32 oldCutPpm, uint32 newCutPpm);

    /// @notice Emitted when a parameter changes; `parameter` names it.
    event ParameterSet(bytes32 indexed parameter, uint256 oldValue, uint256 newValue);

    /*//////////////////////////////////////////////////////////////////////////
                                       ERRORS
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice Thrown when an amount is zero.
    error StakingZeroAmount();

    /// @notice Thrown when a staker asks for more than it has.
    error StakingInsufficientStake(uint256 available, uint256 requested);

    /// @notice Thrown when delegating to an address that has no stake of its own.
    error StakingNotOperator(address operator);

    /// @notice Thrown when an operator delegates to itself: its own stake is {stake}.
    error StakingSelfDelegation(address operator);

    /// @notice Thrown when a delegation is below the minimum.
    error StakingDelegationTooSmall(uint256 amount, uint256 minimum);

    /// @notice Thrown when a thaw request is below the minimum and does not empty the position.
    error StakingThawTooSmall(uint256 amount, uint256 minimum);

    /// @notice Thrown when a delegation pool was slashed to zero tokens while it still has shares.
    error StakingInvalidPoolState(address operator);

    /// @notice Thrown when a delegation would mint no shares.
    error StakingZeroShares(uint256 amount);

    /// @notice Thrown when a staker has as many open thaw requests as allowed.
    error StakingTooManyThawRequests(uint256 open, uint256 maximum);

    /// @notice Thrown when nothing has finished thawing; `nextThawingUntil` is when the oldest request does.
    error StakingNothingThawed(uint64 nextThawingUntil);

    /// @notice Thrown when a slash is larger than the bound allows.
    error StakingSlashTooLarge(uint256 amount, uint256 maximum);

    /// @notice Thrown when there is nothing to slash.
    error StakingNothingToSlash(address operator);

    /// @notice Thrown when a cut is above 100%.
    error StakingInvalidCut(uint32 cutPpm);

    /// @notice Thrown when applying a cut change that is not yet due (or not scheduled: `effectiveAt` 0).
    error StakingCutNotDue(uint64 effectiveAt);

    /// @notice Thrown when a parameter is set outside its bounds.
    error StakingParameterOutOfBounds(bytes32 parameter, uint256 value, uint256 minimum, uint256 maximum);

    /// @notice Thrown when there are no rewards to claim.
    error StakingNoRewards(address account, address operator);

    /*//////////////////////////////////////////////////////////////////////////
                                  CONSTANT FUNCTIONS
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice The role that may slash: the dispute path of the proofs contract, and governance.
    function SLASHER_ROLE() external view returns (bytes32);

    /// @notice The role that may pause new stake and delegation (never withdrawals or claims).
    function PAUSER_ROLE() external view returns (bytes32);

    /// @notice The whole rewards allocation streamed to stakers.
    function REWARDS_TOTAL() external view returns (uint256);

    /// @notice When the rewards stream starts.
    function REWARDS_START() external view returns (uint64);

    /// @notice How long the rewards stream lasts, in seconds.
    function REWARDS_DURATION() external view returns (uint64);

    /// @notice Seconds a thaw request waits before it can be withdrawn.
    function thawingPeriod() external view returns (uint64);

    /// @notice Seconds between an operator scheduling a new cut and the cut applying.
    function cutChangeDelay() external view returns (uint64);

    /// @notice The smallest delegation, and the smallest thaw request that does not empty a position.
    function minimumDelegation() external view returns (uint256);

    /// @notice How many thaw requests a staker may have open with one operator.
    function maxThawRequests() external view returns (uint256);

    /// @notice The challenger's share of a slash, in parts per million; the rest is burned.
    function challengerSharePpm() external view returns (uint32);

    /// @notice The largest slash, in parts per million of the operator's slashable stake.
    function maxSlashPpm() external view returns (uint32);

    /// @notice The sum of all active stake (own and delegated), which rewards are shared over.
    function totalActiveStake() external view returns (uint256);

    /// @notice The sum of all thawing stake.
    function totalThawingStake() external view returns (uint256);

    /// @notice Rewards and fees paid out so far.
    function rewardsClaimed() external view returns (uint256);

    /// @notice Node fees received so far through {distributeFees}, claimable with the rewards.
    function feesDistributed() external view returns (uint256);

    /// @notice Rewards emitted while no stake was active: never paid, kept in the contract.
    function rewardsUnallocated() external view returns (uint256);

    /// @notice The rewards the stream has emitted by `time`.
    function rewardsEmittedAt(uint64 time) external view returns (uint256);

    /// @notice The operator's stake and books.
    function getOperator(address operator) external view returns (Stakes.Operator memory);

    /// @notice A delegator's shares with an operator, what they are worth now, and its unclaimed rewards.
    function getDelegation(
        address operator,
        address delegator
    ) external view returns (uint256 shares, uint256 tokens, uint256 rewards);

    /// @notice The operator's slashable stake: own and delegated, active and thawing.
    function slashableStakeOf(address operator) external view returns (uint256);

    /// @notice The rewards `account` can claim now from `operator` (as the operator itself, or as a delegator).
    function claimableRewards(address account, address operator) external view returns (uint256);

    /// @notice A staker's open thaw requests with an operator: ids, amounts now (after any slash) and times.
    function thawRequestsOf(
        address staker,
        address operator
    ) external view returns (uint256[] memory ids, uint256[] memory amounts, uint64[] memory thawingUntil);

    /// @notice What a staker can withdraw now from an operator, what is still thawing, and when the next part is free.
    function withdrawableOf(
        address staker,
        address operator
    ) external view returns (uint256 withdrawableNow, uint256 stillThawing, uint64 nextThawingUntil);

    /*//////////////////////////////////////////////////////////////////////////
                                NON-CONSTANT FUNCTIONS
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice Adds `amount` to the caller's own stake as an operator.
    /// @dev Emits a {StakeDeposited} event. Requirements: not paused; `amount` > 0; allowance given.
    function stake(uint256 amount) external;

    /// @notice {stake} with an EIP-2612 permit instead of an allowance.
    /// @dev A permit already used (for example by a front-runner) does not make the stake fail.
    function stakeWithPermit(uint256 amount, uint256 deadline, uint8 v, bytes32 r, bytes32 s) external;

    /// @notice Delegates `amount` to `operator`.
    /// @dev Emits a {StakeDelegated} event.
    ///
    /// Requirements:
    /// - Not paused; `operator` has staked; the caller is not `operator`; `amount` >= {minimumDelegation}.
    function delegate(address operator, uint256 amount) external;

    /// @notice {delegate} with an EIP-2612 permit instead of an allowance.
    function delegateWithPermit(
        address operator,
        uint256 amount,
        uint256 deadline,
        uint8 v,
        bytes32 r,
        bytes32 s
    ) external;

    /// @notice Starts unbonding `amount` of the caller's own stake as an operator.
    /// @dev The stake stops counting and earning at once, stays slashable while it thaws, and is withdrawable
    /// after {thawingPeriod}. Emits a {ThawRequested} event.
    ///
    /// Requirements:
    /// - `amount` is at most the caller's own active stake, and at least {minimumDelegation} unless it is all of it.
    /// - The caller has fewer than {maxThawRequests} open requests.
    /// @return requestId The id of the thaw request.
    function unstake(uint256 amount) external returns (uint256 requestId);

    /// @notice Starts unbonding `shares` of the caller's delegation to `operator`.
    /// @dev As {unstake}; the amount is what the shares are worth now.
    /// @return requestId The id of the thaw request.
    function undelegate(address operator, uint256 shares) external returns (uint256 requestId);

    /// @notice Withdraws up to `maxRequests` of the caller's thawed requests with `operator`, oldest first.
    /// @dev Pays what the requests are worth after any slash, which may be 0. Emits a {StakeWithdrawn} event.
    /// Reverts with {StakingNothingThawed} when the oldest request is still thawing.
    /// @return amount The amount paid.
    function withdraw(address operator, uint256 maxRequests) external returns (uint256 amount);

    /// @notice Claims the caller's rewards from `operator`: its own rewards and cut when the caller is the
    /// operator, its delegation's rewards otherwise. Emits a {RewardsClaimed} event.
    /// @return amount The amount paid.
    function claimRewards(address operator) external returns (uint256 amount);

    /// @notice Sets the caller's cut of its delegators' rewards and fees, in parts per million.
    /// @dev With no delegation yet, the cut applies at once; otherwise it applies {cutChangeDelay} later (see
    /// {applyDelegationCut}), so that delegators can leave first. Emits {DelegationCutScheduled} or {DelegationCutSet}.
    function setDelegationCut(uint32 cutPpm) external;

    /// @notice Applies an operator's scheduled cut once it is due. Anyone may call it.
    function applyDelegationCut(address operator) external;

    /// @notice Adds `amount` of node fees for `operator` (pulled from the caller, the payments escrow): the part
    /// earned by delegated stake (delegated / active) goes to the delegators after the operator's cut, the rest to
    /// the operator. Both claim it with {claimRewards}. Emits a {FeesDistributed} event.
    function distributeFees(address operator, uint256 amount) external;

    /// @notice Slashes `amount` of the operator's stake: own active, then own thawing, then delegated active and
    /// thawing pro rata. {challengerSharePpm} of it goes to `challenger` (none when zero), the rest is burned. A
    /// thawing pool that the slash would leave worth less than a billionth of a token per share loses that dust too
    /// (burned), and its requests start a new epoch; {StakeSlashed} carries what was actually taken.
    /// @dev Only {SLASHER_ROLE}. At most {maxSlashPpm} of the slashable stake. Emits a {StakeSlashed} event.
    function slash(address operator, uint256 amount, address challenger) external;
}
