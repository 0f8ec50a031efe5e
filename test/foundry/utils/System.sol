// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {OPG} from "@opg/token/OPG.sol";
import {VestingVault} from "@opg/vesting/VestingVault.sol";
import {Staking} from "@opg/staking/Staking.sol";
import {ModelRegistry} from "@opg/models/ModelRegistry.sol";
import {NodeRegistry} from "@opg/nodes/NodeRegistry.sol";
import {ProofRegistry} from "@opg/proofs/ProofRegistry.sol";
import {PaymentsEscrow} from "@opg/payments/PaymentsEscrow.sol";
import {VestingMath} from "@opg/libraries/VestingMath.sol";

import {Vm} from "./Vm.sol";

/// @notice The whole system, deployed and wired as deploy/system.ts does (the proof registry as staking's slasher and the escrow as its fee source,
/// recorder role to the escrow, the staking-rewards allocation in the staking contract, protocol fees burned),
/// with every admin role kept by the deployer (a test contract or a handler) instead of the timelock.
struct System {
    OPG token;
    VestingVault vesting;
    Staking staking;
    ModelRegistry models;
    NodeRegistry nodes;
    ProofRegistry proofs;
    PaymentsEscrow escrow;
    address treasury;
}

library SystemDeploy {
    uint256 internal constant GENESIS_SUPPLY = 1_000_000_000e18;
    uint256 internal constant REWARDS_TOTAL = 100_000_000e18;
    /// @dev 2026-04-21T00:00:00Z, the TGE of the allocation table.
    uint40 internal constant TGE = 1_776_729_600;
    uint40 internal constant MONTH = VestingMath.MONTH;
    uint64 internal constant REWARDS_DURATION = 96 * uint64(MONTH);

    /// @notice Deploys every contract with `admin` (the caller's address) as the holder of every role and of the
    /// whole supply less the rewards allocation. The clock is set to the TGE.
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

    function deploy(Vm vm, address treasury) internal returns (System memory s) {
        vm.warp(TGE);
        address admin = address(this);
        s.treasury = treasury;
        s.token = new OPG(admin);
        s.vesting = new VestingVault(IERC20(address(s.token)), admin, treasury);
        s.staking = new Staking(IERC20(address(s.token)), admin, REWARDS_TOTAL, TGE, REWARDS_DURATION);
        s.models = new ModelRegistry(admin);
        s.nodes = new NodeRegistry(s.models, s.staking, admin);
        s.proofs = new ProofRegistry(IERC20(address(s.token)), s.nodes, s.staking, admin);
        s.escrow = new PaymentsEscrow(
            IERC20(address(s.token)),
            s.nodes,
            s.models,
            s.staking,
            s.proofs,
            admin,
            address(0) // protocol fees burned, deploy/system.ts's default
        );
        // The dispute path locks and slashes, the escrow credits node fees (both set once); the escrow records the
        // proofs of fulfilled requests.
        s.staking.setProtocolContracts(address(s.proofs), address(s.escrow));
        s.proofs.grantRole(s.proofs.RECORDER_ROLE(), address(s.escrow));
        // The staking-rewards allocation, which deploy/system.ts checks the staking contract holds.
        s.token.transfer(address(s.staking), REWARDS_TOTAL);
    }
}
