// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IStakingBase
/// @notice The slice of staking that other contracts read: how much stake stands behind an operator.
interface IStakingBase {
    /// @notice The operator's active stake: its own plus what is delegated to it, without anything thawing.
    /// @dev What node eligibility is measured against. Thawing stake is still slashable but does not count here.
    function activeStakeOf(address operator) external view returns (uint256);

    /// @notice The operator's active stake in two parts: its own, and what is delegated to it.
    /// @dev Node eligibility counts the operator's own stake first, against a minimum per node.
    function stakeOf(address operator) external view returns (uint256 own, uint256 delegated);
}
