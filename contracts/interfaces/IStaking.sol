// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Stakes} from "../types/Stakes.sol";
import {IStakingBase} from "./IStakingBase.sol";

/// @title IStaking
/// @notice Operators stake OPG behind the nodes they run, and holders delegate to operators. Unbonding goes
/// through a thawing period during which the stake stays slashable. The protocol's dispute path (one slasher
/// contract, fixed once) locks what a pending challenge could slash, so that it cannot be withdrawn before the
/// decision, and slashes it when the challenge is upheld: the operator's own stake first, then delegated and
/// thawing stake pro rata. The challenger is paid only out of the operator's own stake; everything taken from
/// delegators is burned. The staking-rewards allocation streams to active stake pro rata over its duration, and
/// node fees are credited as each payment is made (by the payments contract, fixed once), both through the same
/// reward-per-share books, with the operator taking its cut of its delegators' part; all settled in O(1).
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

    /// @notice Emitted when the slasher adds a pending challenge's slash of `amount` to the operator's pending
    /// slashes, now `totalPending`; they lock as much of its slashable stake (all of it at most).
    event StakeLocked(address indexed operator, uint256 amount, uint256 totalPending);

    /// @notice Emitted when a pending slash is removed, by a decision or a slash; `totalPending` is what stays.
    event StakeUnlocked(address indexed operator, uint256 amount, uint256 totalPending);

    /// @notice Emitted when an operator is slashed, with where each part was taken from and where it went. The
    /// challenger's part is a share of `fromOwnActive + fromOwnThawing` only.
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

    /// @notice Emitted when the payments contract credits fees earned by an operator's nodes, as each payment is
    /// made. They join the operator's fee stream: `streaming` (this payment's and what earlier ones had not yet
    /// released) is released linearly until `streamEndsAt` to the stake of each moment, the delegators' part after
    /// the operator's cut in force.
    event FeesCredited(address indexed operator, uint256 amount, uint256 streaming, uint64 streamEndsAt);

    /// @notice Emitted when an operator or delegator claims rewards.
    event RewardsClaimed(address indexed account, address indexed operator, uint256 amount);

    /// @notice Emitted when an operator schedules a new cut, effective from `effectiveAt`.
    event DelegationCutScheduled(address indexed operator, uint32 currentCutPpm, uint32 newCutPpm, uint64 effectiveAt);

    /// @notice Emitted when an operator's cut changes.
    event DelegationCutSet(address indexed operator, uint32 oldCutPpm, uint32 newCutPpm);

    /// @notice Emitted once, when the slasher (the proof registry) and the fee source (the payments escrow) are set.
    event ProtocolContractsSet(address slasher, address feeSource);

    /// @notice Emitted when governance sets the thawing period of new thaw requests.
    event ThawingPeriodSet(uint64 oldThawingPeriod, uint64 newThawingPeriod);

    /// @notice Emitted when governance sets the delay of operators' cut changes.
    event CutChangeDelaySet(uint64 oldDelay, uint64 newDelay);

    /// @notice Emitted when governance sets the minimum delegation and thaw request.
    event MinimumDelegationSet(uint256 oldMinimum, uint256 newMinimum);

    /// @notice Emitted when governance sets how many thaw requests a staker may have open per operator.
    event MaxThawRequestsSet(uint256 oldMaximum, uint256 newMaximum);

    /// @notice Emitted when governance sets the challenger's share of a slash.
    event ChallengerShareSet(uint32 oldSharePpm, uint32 newSharePpm);

    /// @notice Emitted when governance sets the largest slash.
    event MaxSlashSet(uint32 oldMaxSlashPpm, uint32 newMaxSlashPpm);

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

    /// @notice Thrown when a cut is above 100%.
    error StakingInvalidCut(uint32 cutPpm);

    /// @notice Thrown when applying a cut change that is not yet due (or not scheduled: `effectiveAt` 0).
    error StakingCutNotDue(uint64 effectiveAt);

    /// @notice Thrown when an operator's cut, or the cut it has scheduled, is above what a delegator accepts.
    error StakingCutAboveAccepted(uint32 cutPpm, uint32 maxCutPpm);

    /// @notice Thrown when a withdrawal would leave less slashable stake than pending challenges have locked.
    error StakingStakeLocked(uint256 locked, uint256 slashableAfter);

    /// @notice Thrown when slashing or unlocking more than the operator's pending slashes.
    error StakingNotLocked(uint256 pending, uint256 requested);

    /// @notice Thrown when the caller is not the protocol contract that may do this.
    error StakingUnauthorized(address caller);

    /// @notice Thrown when the protocol contracts were already set, or are set to zero.
    error StakingProtocolContractsSet(address slasher, address feeSource);

    /// @notice Thrown when a parameter is set outside its bounds.
    error StakingParameterOutOfBounds(bytes32 parameter, uint256 value, uint256 minimum, uint256 maximum);

    /// @notice Thrown when there are no rewards to claim.
    error StakingNoRewards(address account, address operator);

    /*//////////////////////////////////////////////////////////////////////////
                                  CONSTANT FUNCTIONS
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice The one contract that may lock and slash stake (the proof registry's dispute path). Set once, by
    /// {setProtocolContracts}; no role can change it or slash otherwise.
    function slasher() external view returns (address);

    /// @notice The one contract that may credit node fees (the payments escrow). Set once, with {slasher}.
    function feeSource() external view returns (address);

    /// @notice The sum of the slashes of an operator's pending challenges, each fixed when its challenge was opened.
    function pendingSlashOf(address operator) external view returns (uint256);

    /// @notice What pending challenges lock of an operator's slashable stake, which cannot be withdrawn: their
    /// pending slashes, up to the whole slashable stake.
    function lockedStakeOf(address operator) external view returns (uint256);

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

    /// @notice Node fees credited so far through {creditFees}, claimable with the rewards.
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
    /// @dev `withdrawableNow` is what {withdraw} would pay now: thawed requests, up to what pending slashes leave
    /// free; the thawed part they hold counts in `stillThawing`.
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

    /// @notice Delegates `amount` to `operator`, accepting a cut of at most `maxCutPpm`.
    /// @dev Emits a {StakeDelegated} event. Like a slippage bound: an operator that raised its cut (or scheduled a
    /// raise) in the same block cannot take more than the delegator accepted.
    ///
    /// Requirements:
    /// - Not paused; `operator` has staked; the caller is not `operator`; `amount` >= {minimumDelegation}.
    /// - The operator's cut, and any cut it has scheduled, are at most `maxCutPpm`.
    function delegate(address operator, uint256 amount, uint32 maxCutPpm) external;

    /// @notice {delegate} with an EIP-2612 permit instead of an allowance.
    function delegateWithPermit(
        address operator,
        uint256 amount,
        uint32 maxCutPpm,
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

    /// @notice Withdraws every thawed request among the caller's `maxRequests` oldest open requests with `operator`
    /// (0: all), whatever their order: a request made after a shorter thawing period took effect is not held back
    /// by an older, longer one.
    /// @dev Pays what the requests are worth after any slash, which may be 0. Emits a {StakeWithdrawn} event
    /// (`requests`: how many were withdrawn whole). Pending challenges' slashes lock stake: a withdrawal takes only
    /// what they leave free, out of part of a request if need be (the rest stays thawed in it), and reverts with
    /// {StakingStakeLocked} when they leave nothing (an operator's own stake holds a lock first, so delegators are
    /// held back only when the operator's own stake does not cover it). Reverts with {StakingNothingThawed} when none
    /// of the requests has thawed.
    /// @return amount The amount paid.
    function withdraw(address operator, uint256 maxRequests) external returns (uint256 amount);

    /// @notice Claims the caller's rewards from `operator`: its own rewards and cut when the caller is the
    /// operator, its delegation's rewards otherwise. Emits a {RewardsClaimed} event.
    /// @return amount The amount paid.
    function claimRewards(address operator) external returns (uint256 amount);

    /// @notice Schedules the caller's cut of its delegators' rewards and fees, in parts per million.
    /// @dev Every change applies {cutChangeDelay} later (see {applyDelegationCut}), with or without delegators, so
    /// that no delegator, not even the first, meets a cut it did not see. Emits {DelegationCutScheduled}.
    function setDelegationCut(uint32 cutPpm) external;

    /// @notice Applies an operator's scheduled cut once it is due. Anyone may call it.
    function applyDelegationCut(address operator) external;

    /// @notice Credits `amount` of node fees to `operator` as a payment is made. They join the operator's fee
    /// stream: what it holds is released linearly over the next {FEE_STREAM_PERIOD}, at each moment to the stake of
    /// that moment (the part of delegated stake to the delegators after the operator's cut, the rest to the
    /// operator), who claim it with {claimRewards}. A redemption's fees therefore go to the stake that stays through
    /// the period, in proportion to the time it stays: a delegation made just before a payment and withdrawn just
    /// after it earns almost nothing of it. Emits a {FeesCredited} event.
    /// @dev Only {feeSource}, which transfers the credited tokens to this contract in the same transaction.
    /// @return streaming The operator's fees not yet released, this payment's included.
    function creditFees(address operator, uint256 amount) external returns (uint256 streaming);

    /// @notice How long a payment's fees take to reach the stake: every credit releases what the operator's fee
    /// stream holds linearly over this period from the credit on.
    function FEE_STREAM_PERIOD() external view returns (uint64);

    /// @notice The operator's node fees not yet released to its stake, as of now.
    function feesStreamingOf(address operator) external view returns (uint256);

    /// @notice Adds a pending challenge's slash of `amount` to the operator's pending slashes, which lock as much of
    /// its slashable stake (at most all of it) against withdrawal until they are slashed or released. Pending slashes
    /// add up whatever is already locked, so that bogus challenges cannot use up the lock a real one needs. Emits a
    /// {StakeLocked} event.
    /// @dev Only {slasher}. `amount` is at most {maxSlashPpm} of the slashable stake.
    /// @return locked `amount`.
    function lockStake(address operator, uint256 amount) external returns (uint256 locked);

    /// @notice Removes `amount` from an operator's pending slashes (a challenge rejected, expired or superseded).
    /// Only {slasher}. Emits a {StakeUnlocked} event.
    function unlockStake(address operator, uint256 amount) external;

    /// @notice Slashes `amount`, one of the operator's pending slashes (removing it), or what is left of the
    /// slashable stake if less: own active, then own thawing, then delegated active and thawing pro rata. `challenger` (none when zero) receives {challengerSharePpm} of
    /// what is taken from the operator's own stake; the delegators' part and the rest are burned. A thawing pool
    /// that the slash would leave worth less than a billionth of a token per share loses that dust too (burned), and
    /// its requests start a new epoch. Emits a {StakeSlashed} event with what was actually taken.
    /// @dev Only {slasher}; `amount` at most the pending slashes.
    /// @return taken What the operator and its delegators lost, dust sweeps included.
    /// @return toChallenger What the challenger received.
    function slash(
        address operator,
        uint256 amount,
        address challenger
    ) external returns (uint256 taken, uint256 toChallenger);

    /// @notice Sets the thawing period of new thaw requests, within [1 day, 28 days] and at least a day longer than
    /// the longest a commitment of the slasher can stay open after its node's stake was checked
    /// (`longestOpenWindow`). Only the default admin.
    /// @dev Emits a {ThawingPeriodSet} event. Reverts {StakingParameterOutOfBounds} outside the bounds.
    function setThawingPeriod(uint64 newThawingPeriod) external;

    /// @notice Sets the delay of operators' cut changes, within [1 day, 28 days]. Only the default admin.
    /// @dev Emits a {CutChangeDelaySet} event. Reverts {StakingParameterOutOfBounds} outside the bounds.
    function setCutChangeDelay(uint64 newDelay) external;

    /// @notice Sets the minimum delegation and thaw request, within [0.001, 100,000] OPG. Only the default admin.
    /// @dev Emits a {MinimumDelegationSet} event. Reverts {StakingParameterOutOfBounds} outside the bounds.
    function setMinimumDelegation(uint256 newMinimum) external;

    /// @notice Sets how many thaw requests a staker may have open per operator, within [1, 1000]. Only the default
    /// admin.
    /// @dev Emits a {MaxThawRequestsSet} event. Reverts {StakingParameterOutOfBounds} outside the bounds.
    function setMaxThawRequests(uint256 newMaximum) external;

    /// @notice Sets the challenger's share of a slash, at most 50%. Only the default admin.
    /// @dev Emits a {ChallengerShareSet} event. Reverts {StakingParameterOutOfBounds} outside the bounds.
    function setChallengerShare(uint32 newSharePpm) external;

    /// @notice Sets the largest slash, at most 10% of an operator's slashable stake. Only the default admin.
    /// @dev Emits a {MaxSlashSet} event. Reverts {StakingParameterOutOfBounds} outside the bounds.
    function setMaxSlash(uint32 newMaxSlashPpm) external;

    /// @notice Stops new stake and delegation; unstaking, withdrawals and claims go on. Only {PAUSER_ROLE}.
    function pause() external;

    /// @notice Lets new stake and delegation in again. Only {PAUSER_ROLE}.
    function unpause() external;

    /// @notice Sets the slasher and the fee source, once. Only the default admin.
    function setProtocolContracts(address newSlasher, address newFeeSource) external;
}
