// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {VestingMath} from "@opg/libraries/VestingMath.sol";

// The suites and handlers import `System` from here; it and the core's deployment are generated from deploy/core.ts.
import {CoreParams, System, SystemWiring} from "./SystemWiring.sol";
import {Vm} from "./Vm.sol";

/// @notice The whole system, deployed and wired as deploy/system.ts does (SystemWiring, generated from deploy/core.ts:
/// the proof registry as staking's slasher and the escrow as its fee source, recorder role to the escrow), plus the
/// staking-rewards allocation in the staking contract and protocol fees burned, with every admin role kept by the
/// deployer (a test contract or a handler) instead of the timelock.
library SystemDeploy {
    uint256 internal constant GENESIS_SUPPLY = 1_000_000_000e18;
    uint256 internal constant REWARDS_TOTAL = 100_000_000e18;
    /// @dev 2026-04-21T00:00:00Z, the TGE of the allocation table.
    uint40 internal constant TGE = 1_776_729_600;
    uint40 internal constant MONTH = VestingMath.MONTH;
    uint64 internal constant REWARDS_DURATION = 96 * uint64(MONTH);

    /// @notice Registers a model as its builder does: committed in one block, registered in the next.
    function registerModel(
        System memory s,
        Vm vm,
        address owner,
        bytes32 modelId,
        string memory uri,
        uint32 royaltyPpm
    ) internal {
        bytes32 commitment = s.models.modelCommitmentOf(owner, modelId);
        vm.prank(owner);
        s.models.commitModel(commitment);
        vm.roll(block.number + 1);
        vm.prank(owner);
        s.models.registerModel(modelId, uri, royaltyPpm);
    }

    /// @notice Deploys every contract with the caller as the holder of every role and of the whole supply less the
    /// rewards allocation, `treasury` as the vault's treasury. The clock is set to the TGE, where rewards start.
    function deploy(Vm vm, address treasury) internal returns (System memory s) {
        vm.warp(TGE);
        s = SystemWiring.deployCore(
            CoreParams({
                admin: address(this),
                treasury: treasury,
                rewardsTotal: REWARDS_TOTAL,
                rewardsStart: TGE,
                rewardsDuration: REWARDS_DURATION,
                feeRecipient: address(0) // protocol fees burned, deploy/system.ts's default
            })
        );
        // The staking-rewards allocation, which deploy/system.ts checks the staking contract holds.
        s.token.transfer(address(s.staking), REWARDS_TOTAL);
    }
}
