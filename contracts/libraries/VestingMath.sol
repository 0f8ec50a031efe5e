// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Vesting} from "../types/Vesting.sol";

/// @title VestingMath
/// @notice The vesting curve as one pure function of a schedule's terms and a time.
/// @dev The curve: 0 before `start`; `unlockedAtStart` from `start`; from `cliff` the rest vests linearly (or in
/// whole months) until `end`, when the total has vested. There is no lump at the cliff: "a 12-month cliff, then
/// 36 months" vests nothing in the first 12 months and then 1/36 of the rest per month. The TypeScript twin is
/// `deploy/lib/vesting.ts`; property tests hold the two equal.
library VestingMath {
    /// @notice One month: 1/12 of a year of 365.25 days, so that 12, 36 and 48 months are whole Julian years.
    uint40 internal constant MONTH = 2_629_800;

    /// @notice The amount of a schedule vested at `time`.
    /// @dev Rounds down, so that a beneficiary is owed at most 1 wei less than the exact curve before `end`, and
    /// exactly `total` from `end` on.
    function vestedAt(
        uint256 total,
        uint256 unlockedAtStart,
        uint40 start,
        uint40 cliff,
        uint40 end,
        Vesting.Shape shape,
        uint40 time
    ) internal pure returns (uint256) {
        if (time < start) return 0;
        return unlockedAtStart + vestedAfterCliff(total - unlockedAtStart, cliff, end, shape, time);
    }

    /// @notice The part of `rest` (the total less the unlock at start) vested at `time`: nothing before the cliff,
    /// then linearly (or in whole months) until `end`, all of it from `end` on.
    /// @dev Rounds down. `rest * elapsed` is below 2^96 * 2^40, far from overflowing.
    function vestedAfterCliff(
        uint256 rest,
        uint40 cliff,
        uint40 end,
        Vesting.Shape shape,
        uint40 time
    ) internal pure returns (uint256) {
        if (time >= end) return rest;
        if (time < cliff) return 0;
        // From here cliff <= time < end, so `end - cliff` is not zero.
        uint256 elapsed = time - cliff;
        if (shape == Vesting.Shape.Monthly) elapsed -= elapsed % MONTH;
        return (rest * elapsed) / (end - cliff);
    }
}
