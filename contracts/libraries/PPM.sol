// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title PPM
/// @notice Shares in parts per million, the unit of every fee, royalty, cut and slash in OPG: 1% is 10,000 ppm and
/// the whole is {ONE}.
library PPM {
    /// @notice The whole of an amount: 1,000,000 parts per million.
    uint32 internal constant ONE = 1_000_000;

    /// @notice `ppm` parts per million of `amount`, rounded down.
    /// @dev Rounding down means a share never exceeds its exact value, so that shares of one amount whose ppm add up
    /// to at most {ONE} never add up to more than the amount: whoever takes the remainder (a payment's node, an
    /// operator's delegators) gets the dust. Reverts on overflow, which needs an `amount` above 2^224, far beyond any
    /// OPG amount (the supply is 1e27 wei, below 2^90).
    function mulPpm(uint256 amount, uint32 ppm) internal pure returns (uint256) {
        return (amount * ppm) / ONE;
    }
}
