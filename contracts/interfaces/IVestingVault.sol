// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Vesting} from "../types/Vesting.sol";

/// @title IVestingVault
/// @notice Holds OPG in vesting schedules (an unlock at start, a cliff, then linear or monthly vesting to an end)
/// and pays each beneficiary what has vested. Revocable schedules return their unvested part to the treasury;
/// what has vested always stays the beneficiary's. Beneficiaries can hand their schedule on and delegate the
/// votes of their still-locked tokens.
interface IVestingVault {
    /*//////////////////////////////////////////////////////////////////////////
                                       EVENTS
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice Emitted when a schedule is created, with every term an indexer needs.
    event ScheduleCreated(
        uint256 indexed scheduleId,
        address indexed beneficiary,
        address indexed funder,
        uint96 total,
        uint96 unlockedAtStart,
        uint40 start,
        uint40 cliff,
        uint40 end,
        Vesting.Shape shape,
        bool revocable
    );

    /// @notice Emitted when vested tokens are paid to the beneficiary; `amount` is what moved.
    event TokensReleased(uint256 indexed scheduleId, address indexed beneficiary, uint256 amount);

    /// @notice Emitted when a schedule is revoked: `vested` stays the beneficiary's, `refunded` went to `treasury`.
    event ScheduleRevoked(
        uint256 indexed scheduleId,
        address indexed beneficiary,
        address indexed treasury,
        uint256 vested,
        uint256 refunded
    );

    /// @notice Emitted when a beneficiary hands its schedule to another address.
    event ScheduleTransferred(uint256 indexed scheduleId, address indexed from, address indexed to);

    /// @notice Emitted when the votes of a schedule's locked tokens move; `amount` is the locked amount moved.
    event LockedVotesDelegated(
        uint256 indexed scheduleId,
        address indexed fromDelegatee,
        address indexed toDelegatee,
        uint256 amount
    );

    /// @notice Emitted the first time a schedule delegates to `delegatee`, when its voting vault is deployed.
    event VotingVaultDeployed(address indexed delegatee, address vault);

    /// @notice Emitted when the treasury that receives revoked tokens changes.
    event TreasurySet(address oldTreasury, address newTreasury);

    /*//////////////////////////////////////////////////////////////////////////
                                       ERRORS
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice Thrown when a schedule would have no beneficiary.
    error VestingZeroBeneficiary();

    /// @notice Thrown when a schedule would hold nothing.
    error VestingZeroTotal();

    /// @notice Thrown when the unlock at start is larger than the total.
    error VestingUnlockExceedsTotal(uint96 unlockedAtStart, uint96 total);

    /// @notice Thrown when the cliff comes before the start.
    error VestingCliffBeforeStart(uint40 start, uint40 cliff);

    /// @notice Thrown when the end comes before the cliff.
    error VestingCliffAfterEnd(uint40 cliff, uint40 end);

    /// @notice Thrown when a monthly schedule's vesting period (cliff to end) is not a whole number of months.
    error VestingNotWholeMonths(uint40 cliff, uint40 end, uint40 month);

    /// @notice Thrown when a batch of schedules is empty.
    error VestingEmptyBatch();

    /// @notice Thrown when no schedule has the id.
    error VestingScheduleNotFound(uint256 scheduleId);

    /// @notice Thrown when a schedule has nothing to release now.
    error VestingNothingToRelease(uint256 scheduleId);

    /// @notice Thrown when someone other than the beneficiary acts on a schedule.
    error VestingNotBeneficiary(uint256 scheduleId, address caller, address beneficiary);

    /// @notice Thrown when a schedule cannot be revoked.
    error VestingNotRevocable(uint256 scheduleId);

    /// @notice Thrown when a schedule was already revoked.
    error VestingAlreadyRevoked(uint256 scheduleId);

    /// @notice Thrown when revoking a schedule that has fully vested: there is nothing to return.
    error VestingNothingToRevoke(uint256 scheduleId);

    /// @notice Thrown when a schedule is handed to an address that cannot hold it.
    error VestingInvalidNewBeneficiary(uint256 scheduleId, address newBeneficiary);

    /// @notice Thrown when the locked votes are already delegated to `delegatee`.
    error VestingAlreadyDelegated(uint256 scheduleId, address delegatee);

    /// @notice Thrown when the treasury would be the zero address.
    error VestingZeroTreasury();

    /*//////////////////////////////////////////////////////////////////////////
                                  CONSTANT FUNCTIONS
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice The role that may create schedules.
    function SCHEDULE_CREATOR_ROLE() external view returns (bytes32);

    /// @notice The role that may revoke revocable schedules.
    function REVOKER_ROLE() external view returns (bytes32);

    /// @notice The vested token.
    function TOKEN() external view returns (IERC20);

    /// @notice Where the unvested part of a revoked schedule goes.
    function treasury() external view returns (address);

    /// @notice The id the next schedule will have; ids start at 1.
    function nextScheduleId() external view returns (uint256);

    /// @notice The schedule: its terms and where it stands (released, revoked, delegated).
    /// @dev Reverts with {VestingScheduleNotFound} for an unknown id.
    function getSchedule(uint256 scheduleId) external view returns (Vesting.Schedule memory);

    /// @notice The amount of the schedule vested at `time`, for any time, past or future.
    /// @dev For a revoked schedule, the curve capped at what had vested when it was revoked.
    function vestedAt(uint256 scheduleId, uint40 time) external view returns (uint256);

    /// @notice The amount the beneficiary would receive from {release} now.
    function releasableOf(uint256 scheduleId) external view returns (uint256);

    /// @notice The amount released to the beneficiary so far.
    function releasedOf(uint256 scheduleId) external view returns (uint256);

    /// @notice The tokens the vault still holds for the schedule (vested or not, not yet released).
    function lockedOf(uint256 scheduleId) external view returns (uint256);

    /// @notice The address of the voting vault that holds the locked tokens delegated to `delegatee`, deployed or not.
    function votingVaultOf(address delegatee) external view returns (address);

    /*//////////////////////////////////////////////////////////////////////////
                                NON-CONSTANT FUNCTIONS
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice Creates a schedule funded by the caller.
    /// @dev Emits a {ScheduleCreated} event.
    ///
    /// Requirements:
    /// - The caller has {SCHEDULE_CREATOR_ROLE} and has approved `params.total` to this contract.
    /// - The beneficiary is not zero, the total is not zero, `unlockedAtStart <= total`, `start <= cliff <= end`,
    ///   and for a monthly schedule `end - cliff` is a whole number of months.
    ///
    /// @return scheduleId The new schedule's id.
    function createSchedule(Vesting.CreateParams calldata params) external returns (uint256 scheduleId);

    /// @notice Creates many schedules in one transaction, pulling their sum from the caller once.
    /// @dev Emits one {ScheduleCreated} event per schedule. Same requirements as {createSchedule}, for each.
    /// The caller sizes the batch to fit the transaction gas cap (about 100 schedules per 8M gas).
    /// @return firstScheduleId The id of the first schedule; the others follow in order.
    function createSchedules(Vesting.CreateParams[] calldata params) external returns (uint256 firstScheduleId);

    /// @notice Pays the beneficiary everything that has vested and not been released.
    /// @dev Anyone may call it; the tokens only ever go to the beneficiary. Emits a {TokensReleased} event.
    ///
    /// Requirements:
    /// - The schedule exists and has something releasable.
    ///
    /// @return amount The amount paid.
    function release(uint256 scheduleId) external returns (uint256 amount);

    /// @notice Ends a revocable schedule now: what has vested stays releasable by the beneficiary, the rest goes
    /// to the treasury.
    /// @dev Emits a {ScheduleRevoked} event.
    ///
    /// Requirements:
    /// - The caller has {REVOKER_ROLE}.
    /// - The schedule exists, is revocable, has not been revoked, and has not fully vested.
    function revoke(uint256 scheduleId) external;

    /// @notice Hands the schedule, and everything not yet released from it, to `newBeneficiary`.
    /// @dev The delegation of the locked votes is kept; the new beneficiary can change it. Emits a
    /// {ScheduleTransferred} event.
    ///
    /// Requirements:
    /// - The caller is the beneficiary.
    /// - `newBeneficiary` is not zero, not this contract, and not the current beneficiary.
    function transferSchedule(uint256 scheduleId, address newBeneficiary) external;

    /// @notice Delegates the votes of the schedule's locked tokens to `delegatee`; zero stops delegating.
    /// @dev The locked tokens move to the voting vault of `delegatee` (deployed on first use), which delegates
    /// its whole balance to `delegatee` on the token. Emits a {LockedVotesDelegated} event.
    ///
    /// Requirements:
    /// - The caller is the beneficiary.
    /// - `delegatee` differs from the current one.
    function delegate(uint256 scheduleId, address delegatee) external;

    /// @notice Sets the treasury that receives the unvested part of revoked schedules.
    /// @dev Emits a {TreasurySet} event.
    ///
    /// Requirements:
    /// - The caller has the default admin role.
    /// - `newTreasury` is not zero.
    function setTreasury(address newTreasury) external;
}
