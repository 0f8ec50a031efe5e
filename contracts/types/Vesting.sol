// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice Namespace for the structs and enums of the vesting module.
library Vesting {
    /// @notice How the part after the unlock at start vests between the cliff and the end.
    /// @custom:value Linear Every second after the cliff vests its share.
    /// @custom:value Monthly Whole months after the cliff vest their share at once; a month is 1/12 of 365.25 days.
    enum Shape {
        Linear,
        Monthly
    }

    /// @notice A vesting schedule as {IVestingVault-getSchedule} returns it: its terms and where it stands.
    /// @dev Amounts fit in 96 bits because the whole OPG supply (1e27 wei) is below 2^96 (7.9e28). The vault
    /// stores a schedule as a {Stored}, from which every field here follows.
    struct Schedule {
        address beneficiary;
        uint96 released;
        uint96 total;
        uint96 unlockedAtStart;
        uint40 start;
        Shape shape;
        bool revocable;
        bool revoked;
        uint40 cliff;
        uint40 end;
        address delegatee;
        uint96 refunded;
    }

    /// @notice A vesting schedule as the vault stores it, laid out so that a release reads two slots and writes one.
    /// @dev A release pays `vested - released`. With `rest = total - unlockedAtStart` that is
    /// `(total - released) + vestedAfterCliff(rest) - rest` from the start on (see {VestingMath}), so slots 0 and 1
    /// hold `total - released` and `rest` rather than the three amounts `total`, `unlockedAtStart` and `released`,
    /// which would not fit in two slots beside the beneficiary and the times. `delegated` repeats
    /// `delegatee != address(0)` in slot 1 so that an undelegated schedule's release never reads slot 2; slot 3 is
    /// read only for a revoked schedule.
    struct Stored {
        // slot 0: read by every action; written by release and transfer
        address beneficiary;
        uint96 unreleased; // total - released
        // slot 1: the curve and the flags
        uint96 rest; // total - unlockedAtStart: what vests from the cliff to the end
        uint40 start;
        uint40 cliff;
        uint40 end;
        Shape shape;
        bool revocable;
        bool revoked;
        bool delegated;
        // slot 2
        address delegatee;
        uint96 total;
        // slot 3
        uint96 refunded;
    }

    /// @notice The terms of a new schedule. Only ever in calldata, so it is laid out for reading, not packing.
    /// @param beneficiary Who receives the tokens as they vest.
    /// @param total The whole amount the schedule holds, in wei.
    /// @param unlockedAtStart The part of `total` that vests at `start`.
    /// @param start When the schedule starts (the TGE for the genesis allocations).
    /// @param cliff When the rest starts to vest; nothing but `unlockedAtStart` vests before it.
    /// @param end When the schedule is fully vested.
    /// @param shape Linear or monthly steps between `cliff` and `end`.
    /// @param revocable Whether the revoker role may return the unvested part to the treasury.
    // solhint-disable-next-line gas-struct-packing
    struct CreateParams {
        address beneficiary;
        uint96 total;
        uint96 unlockedAtStart;
        uint40 start;
        uint40 cliff;
        uint40 end;
        Shape shape;
        bool revocable;
    }
}
