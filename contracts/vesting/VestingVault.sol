// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";

import {IVestingVault} from "../interfaces/IVestingVault.sol";
import {VestingMath} from "../libraries/VestingMath.sol";
import {Vesting} from "../types/Vesting.sol";
import {VotingVault} from "./VotingVault.sol";

/// @title VestingVault
/// @notice See the documentation in {IVestingVault}.
/// @dev Where the tokens are: a schedule's locked tokens (total - released - refunded) sit in this contract while
/// it is not delegated, and in the {VotingVault} of its delegatee while it is. Every path that pays out (release,
/// revoke) or moves votes (delegate) takes the amount from that one holder, so the holders' balances always equal
/// the sums of their schedules' locked tokens. Nothing loops over schedules; every action is O(1).
contract VestingVault is IVestingVault, AccessControl {
    using SafeERC20 for IERC20;

    /*//////////////////////////////////////////////////////////////////////////
                                  STATE VARIABLES
    //////////////////////////////////////////////////////////////////////////*/

    /// @inheritdoc IVestingVault
    bytes32 public constant override SCHEDULE_CREATOR_ROLE = keccak256("SCHEDULE_CREATOR_ROLE");

    /// @inheritdoc IVestingVault
    bytes32 public constant override REVOKER_ROLE = keccak256("REVOKER_ROLE");

    /// @inheritdoc IVestingVault
    IERC20 public immutable override TOKEN;

    /// @notice The implementation that every voting vault clones.
    address public immutable VOTING_VAULT_IMPLEMENTATION;

    /// @inheritdoc IVestingVault
    address public override treasury;

    /// @inheritdoc IVestingVault
    uint256 public override nextScheduleId = 1;

    mapping(uint256 scheduleId => Vesting.Stored schedule) internal _schedules;

    /*//////////////////////////////////////////////////////////////////////////
                                    CONSTRUCTOR
    //////////////////////////////////////////////////////////////////////////*/

    /// @param token The vested token (OPG); it must implement ERC-5805 votes for {delegate} to work.
    /// @param admin The account given the default admin role, the creator role and the revoker role.
    /// @param initialTreasury Where the unvested part of revoked schedules goes.
    constructor(IERC20 token, address admin, address initialTreasury) {
        require(initialTreasury != address(0), VestingZeroTreasury());
        TOKEN = token;
        VOTING_VAULT_IMPLEMENTATION = address(new VotingVault(address(token)));
        treasury = initialTreasury;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(SCHEDULE_CREATOR_ROLE, admin);
        _grantRole(REVOKER_ROLE, admin);
        emit TreasurySet(address(0), initialTreasury);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                  CONSTANT FUNCTIONS
    //////////////////////////////////////////////////////////////////////////*/

    /// @inheritdoc IVestingVault
    function getSchedule(uint256 scheduleId) external view override returns (Vesting.Schedule memory) {
        Vesting.Stored storage schedule = _existing(scheduleId);
        uint96 total = schedule.total;
        return
            Vesting.Schedule({
                beneficiary: schedule.beneficiary,
                released: total - schedule.unreleased,
                total: total,
                unlockedAtStart: total - schedule.rest,
                start: schedule.start,
                shape: schedule.shape,
                revocable: schedule.revocable,
                revoked: schedule.revoked,
                cliff: schedule.cliff,
                end: schedule.end,
                delegatee: schedule.delegatee,
                refunded: schedule.refunded
            });
    }

    /// @inheritdoc IVestingVault
    function vestedAt(uint256 scheduleId, uint40 time) external view override returns (uint256) {
        return _vestedAt(_existing(scheduleId), time);
    }

    /// @inheritdoc IVestingVault
    function releasableOf(uint256 scheduleId) external view override returns (uint256) {
        Vesting.Stored storage schedule = _existing(scheduleId);
        return _releasable(schedule, schedule.unreleased);
    }

    /// @inheritdoc IVestingVault
    function releasedOf(uint256 scheduleId) external view override returns (uint256) {
        Vesting.Stored storage schedule = _existing(scheduleId);
        return schedule.total - schedule.unreleased;
    }

    /// @inheritdoc IVestingVault
    function lockedOf(uint256 scheduleId) external view override returns (uint256) {
        return _locked(_existing(scheduleId));
    }

    /// @inheritdoc IVestingVault
    function votingVaultOf(address delegatee) public view override returns (address) {
        return Clones.predictDeterministicAddress(VOTING_VAULT_IMPLEMENTATION, _salt(delegatee));
    }

    /*//////////////////////////////////////////////////////////////////////////
                                NON-CONSTANT FUNCTIONS
    //////////////////////////////////////////////////////////////////////////*/

    /// @inheritdoc IVestingVault
    function createSchedule(
        Vesting.CreateParams calldata params
    ) external override onlyRole(SCHEDULE_CREATOR_ROLE) returns (uint256 scheduleId) {
        scheduleId = nextScheduleId;
        // Effect: the total is checked against 2^96 by its type; ids cannot realistically overflow.
        nextScheduleId = scheduleId + 1;
        _create(scheduleId, params);

        // Interaction: pull the tokens last.
        TOKEN.safeTransferFrom(msg.sender, address(this), params.total);
    }

    /// @inheritdoc IVestingVault
    function createSchedules(
        Vesting.CreateParams[] calldata params
    ) external override onlyRole(SCHEDULE_CREATOR_ROLE) returns (uint256 firstScheduleId) {
        uint256 count = params.length;
        require(count > 0, VestingEmptyBatch());
        firstScheduleId = nextScheduleId;

        // Effect
        nextScheduleId = firstScheduleId + count;
        uint256 sum;
        for (uint256 i; i < count; ++i) {
            _create(firstScheduleId + i, params[i]);
            sum += params[i].total;
        }

        // Interaction
        TOKEN.safeTransferFrom(msg.sender, address(this), sum);
    }

    /// @inheritdoc IVestingVault
    function release(uint256 scheduleId) external override returns (uint256 amount) {
        // Check: slots 0 and 1 hold all a release needs (see {Vesting.Stored}).
        Vesting.Stored storage schedule = _existing(scheduleId);
        uint96 unreleased = schedule.unreleased;
        amount = _releasable(schedule, unreleased);
        require(amount > 0, VestingNothingToRelease(scheduleId));

        // Effect: amount is at most what is unreleased, so this cannot underflow.
        schedule.unreleased = unreleased - uint96(amount);

        // Interaction: only a delegated schedule reads its delegatee's slot.
        address beneficiary = schedule.beneficiary;
        _pay(schedule.delegated ? schedule.delegatee : address(0), beneficiary, amount);
        emit TokensReleased(scheduleId, beneficiary, amount);
    }

    /// @inheritdoc IVestingVault
    function revoke(uint256 scheduleId) external override onlyRole(REVOKER_ROLE) {
        // Check
        Vesting.Stored storage schedule = _existing(scheduleId);
        require(schedule.revocable, VestingNotRevocable(scheduleId));
        require(!schedule.revoked, VestingAlreadyRevoked(scheduleId));
        uint256 vested = _vestedAt(schedule, uint40(block.timestamp));
        uint256 refunded = schedule.total - vested;
        require(refunded > 0, VestingNothingToRevoke(scheduleId));

        // Effect: from now on the schedule vests at most `total - refunded`, which is `vested`.
        schedule.revoked = true;
        schedule.refunded = uint96(refunded);

        // Interaction
        address to = treasury;
        _pay(schedule.delegatee, to, refunded);
        emit ScheduleRevoked(scheduleId, schedule.beneficiary, to, vested, refunded);
    }

    /// @inheritdoc IVestingVault
    function transferSchedule(uint256 scheduleId, address newBeneficiary) external override {
        Vesting.Stored storage schedule = _existing(scheduleId);
        address beneficiary = schedule.beneficiary;
        require(msg.sender == beneficiary, VestingNotBeneficiary(scheduleId, msg.sender, beneficiary));
        require(
            newBeneficiary != address(0) && newBeneficiary != address(this) && newBeneficiary != beneficiary,
            VestingInvalidNewBeneficiary(scheduleId, newBeneficiary)
        );

        schedule.beneficiary = newBeneficiary;
        emit ScheduleTransferred(scheduleId, beneficiary, newBeneficiary);
    }

    /// @inheritdoc IVestingVault
    function delegate(uint256 scheduleId, address delegatee) external override {
        // Check
        Vesting.Stored storage schedule = _existing(scheduleId);
        address beneficiary = schedule.beneficiary;
        require(msg.sender == beneficiary, VestingNotBeneficiary(scheduleId, msg.sender, beneficiary));
        address previous = schedule.delegatee;
        require(delegatee != previous, VestingAlreadyDelegated(scheduleId, delegatee));

        // Effect
        schedule.delegatee = delegatee;
        schedule.delegated = delegatee != address(0);
        uint256 locked = _locked(schedule);

        // Interaction: the locked tokens follow the votes; a released-out schedule moves nothing.
        if (locked > 0) {
            address to = delegatee == address(0) ? address(this) : _deployVotingVault(delegatee);
            _pay(previous, to, locked);
        }
        emit LockedVotesDelegated(scheduleId, previous, delegatee, locked);
    }

    /// @inheritdoc IVestingVault
    function setTreasury(address newTreasury) external override onlyRole(DEFAULT_ADMIN_ROLE) {
        require(newTreasury != address(0), VestingZeroTreasury());
        emit TreasurySet(treasury, newTreasury);
        treasury = newTreasury;
    }

    /*//////////////////////////////////////////////////////////////////////////
                                 INTERNAL FUNCTIONS
    //////////////////////////////////////////////////////////////////////////*/

    /// @dev Checks the terms and stores a schedule; the caller moves the tokens.
    function _create(uint256 scheduleId, Vesting.CreateParams calldata params) internal {
        require(params.beneficiary != address(0), VestingZeroBeneficiary());
        require(params.total > 0, VestingZeroTotal());
        require(
            params.unlockedAtStart <= params.total,
            VestingUnlockExceedsTotal(params.unlockedAtStart, params.total)
        );
        require(params.start <= params.cliff, VestingCliffBeforeStart(params.start, params.cliff));
        require(params.cliff <= params.end, VestingCliffAfterEnd(params.cliff, params.end));
        require(
            params.shape != Vesting.Shape.Monthly || (params.end - params.cliff) % VestingMath.MONTH == 0,
            VestingNotWholeMonths(params.cliff, params.end, VestingMath.MONTH)
        );

        _schedules[scheduleId] = Vesting.Stored({
            beneficiary: params.beneficiary,
            unreleased: params.total,
            rest: params.total - params.unlockedAtStart,
            start: params.start,
            cliff: params.cliff,
            end: params.end,
            shape: params.shape,
            revocable: params.revocable,
            revoked: false,
            delegated: false,
            delegatee: address(0),
            total: params.total,
            refunded: 0
        });

        emit ScheduleCreated(
            scheduleId,
            params.beneficiary,
            msg.sender,
            params.total,
            params.unlockedAtStart,
            params.start,
            params.cliff,
            params.end,
            params.shape,
            params.revocable
        );
    }

    /// @dev Moves `amount` of a schedule's locked tokens from the holder for `delegatee` to `to`.
    function _pay(address delegatee, address to, uint256 amount) internal {
        if (delegatee == address(0)) TOKEN.safeTransfer(to, amount);
        else TOKEN.safeTransferFrom(votingVaultOf(delegatee), to, amount);
    }

    /// @dev Returns the voting vault of `delegatee`, deploying it on first use.
    function _deployVotingVault(address delegatee) internal returns (address vault) {
        vault = votingVaultOf(delegatee);
        if (vault.code.length == 0) {
            Clones.cloneDeterministic(VOTING_VAULT_IMPLEMENTATION, _salt(delegatee));
            VotingVault(vault).initialize(delegatee);
            emit VotingVaultDeployed(delegatee, vault);
        }
    }

    /// @dev The schedule with the id, or a revert naming the id.
    function _existing(uint256 scheduleId) internal view returns (Vesting.Stored storage schedule) {
        schedule = _schedules[scheduleId];
        require(schedule.beneficiary != address(0), VestingScheduleNotFound(scheduleId));
    }

    /// @dev The vested amount at `time`; a revoked schedule is capped at what had vested when it was revoked.
    function _vestedAt(Vesting.Stored storage schedule, uint40 time) internal view returns (uint256 vested) {
        uint256 total = schedule.total;
        vested = VestingMath.vestedAt(
            total,
            total - schedule.rest,
            schedule.start,
            schedule.cliff,
            schedule.end,
            schedule.shape,
            time
        );
        if (schedule.revoked) {
            uint256 cap = total - schedule.refunded;
            if (vested > cap) vested = cap;
        }
    }

    /// @dev What a release pays now, `vested - released`, from slots 0 and 1 only (and slot 3 once revoked).
    /// From the start on, `vested - released = (total - released) + vestedAfterCliff(rest) - rest`, whichever of
    /// `released` and `unlockedAtStart` is larger; before the start nothing has vested or been released.
    function _releasable(Vesting.Stored storage schedule, uint256 unreleased) internal view returns (uint256 amount) {
        uint40 time = uint40(block.timestamp);
        if (time < schedule.start) return 0;
        uint256 rest = schedule.rest;
        amount =
            unreleased +
            VestingMath.vestedAfterCliff(rest, schedule.cliff, schedule.end, schedule.shape, time) -
            rest;
        // Revoked, the schedule vests at most `total - refunded`: at most `unreleased - refunded` is left to pay.
        if (schedule.revoked) {
            uint256 cap = unreleased - schedule.refunded;
            if (amount > cap) amount = cap;
        }
    }

    /// @dev The tokens still held for the schedule; `refunded` is zero until a revocation, so only then is it read.
    function _locked(Vesting.Stored storage schedule) internal view returns (uint256 locked) {
        locked = schedule.unreleased;
        if (schedule.revoked) locked -= schedule.refunded;
    }

    function _salt(address delegatee) internal pure returns (bytes32) {
        return bytes32(uint256(uint160(delegatee)));
    }
}
