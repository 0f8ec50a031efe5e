// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {VestingMath} from "../libraries/VestingMath.sol";
import {Vesting} from "../types/Vesting.sol";

/// @notice Exposes {VestingMath} to property tests, so that many random schedules cost no transactions.
contract VestingMathHarness {
    function vestedAt(
        uint96 total,
        uint96 unlockedAtStart,
        uint40 start,
        uint40 cliff,
        uint40 end,
        Vesting.Shape shape,
        uint40 time
    ) external pure returns (uint256) {
        return VestingMath.vestedAt(total, unlockedAtStart, start, cliff, end, shape, time);
    }
}
