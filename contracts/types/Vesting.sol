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

    /// @notice A vesting schedule, as stored.
    /// @dev Amounts fit in 96 bits because the whole OPG supply (1e27 wei) is below 2^96 (7.9e28). The release
    /// path reads slots 0 to 2 and writes slot 0 only; slot 3 is read only for a revoked schedule.
    struct Schedule {
        // slot 0
        address beneficiary;
        uint96 released;
        // slot 1
        uint96 total;
        uint96 unlockedAtStart;
        uint40 start;
        Shape shape;
        bool revocable;
        bool revoked;
        // slot 2
        uint40 cliff;
        uint40 end;
        address delegatee;
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
