// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IStakingBase
/// @notice The slice of staking that other contracts read: how much stake stands behind an operator.
interface IStakingBase {
    /// @notice The operator's active stake: its own plus what is delegated to it, without anything thawing.
    /// @dev What node eligibility is measured against. Thawing stake is still slashable but does not count here.
    function activeStakeOf(address operator) external view returns (uint256);
}
