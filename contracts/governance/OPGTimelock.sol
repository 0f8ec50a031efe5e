// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/// @title OPGTimelock
/// @notice The account that holds every admin role of the protocol after deployment. A change proposed by a
/// proposer waits `minDelay` seconds before anyone can execute it, so that users can see it coming and leave.
/// @dev OpenZeppelin's TimelockController as it is; the contract exists so that the deployment, the
/// artifacts and the indexer have one name for it.
contract OPGTimelock is TimelockController {
    /// @param minDelay Seconds between scheduling and executing an operation.
    /// @param proposers Accounts that may schedule and cancel operations.
    /// @param executors Accounts that may execute ready operations; `address(0)` lets anyone execute.
    /// @param admin An optional account that may configure roles; `address(0)` leaves the timelock in charge of itself.
    constructor(
        uint256 minDelay,
        address[] memory proposers,
        address[] memory executors,
        address admin
    ) TimelockController(minDelay, proposers, executors, admin) {}
}
