// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IModelRegistry} from "@opg/interfaces/IModelRegistry.sol";
import {IStaking} from "@opg/interfaces/IStaking.sol";
import {Nodes} from "@opg/types/Nodes.sol";
import {Payments} from "@opg/types/Payments.sol";
import {Proofs} from "@opg/types/Proofs.sol";

import {Test} from "../utils/Test.sol";
import {System, SystemDeploy} from "../utils/System.sol";

/// @title Reproductions of what the adversary campaign's review found in the contracts
/// @notice Each test passes while the behaviour it reproduces is there: it asserts the behaviour, not the fix. See
/// the findings in test/foundry/README.md.
contract FindingsTest is Test {
    System internal s;
    address internal operator = address(0x0BE7A70E0);
    address internal delegator = address(0xDE1E9A7E0);
    address internal puppet = address(0x5BC9);
    bytes32 internal model = keccak256("model weights");
    uint256 internal nodeId;

    function setUp() public {
        s = SystemDeploy.deploy(vm, address(0x7EA5));
        SystemDeploy.registerModel(s, vm, address(0x30DE1), model, "ipfs://model", 0);
        address[3] memory accounts = [operator, delegator, puppet];
        for (uint256 i; i < 3; ++i) {
            s.token.transfer(accounts[i], 1_000_000e18);
            vm.startPrank(accounts[i]);
            s.token.approve(address(s.staking), type(uint256).max);
            s.token.approve(address(s.proofs), type(uint256).max);
            vm.stopPrank();
        }
        bytes32[] memory served = new bytes32[](1);
        served[0] = model;
        vm.startPrank(operator);
        s.staking.stake(10_000e18);
        vm.stopPrank();
        // The operator's node stands on its own stake (the minimum); a large delegation stands behind it too.
        vm.prank(delegator);
        s.staking.delegate(operator, 500_000e18, 1_000_000);
        vm.prank(operator);
        nodeId = s.nodes.registerNode(Nodes.NodeParams("ipfs://node", 1, bytes32(0), 8, [uint80(1e18), 0, 0]), served);
    }

    /// @notice Finding 1, now a documented limitation: an operator can still freeze its delegators' withdrawals, but no
    /// longer for free. It challenges its own (right) records from a sockpuppet on the arbiter path: each challenge
    /// adds slashPpm (5%) of the whole slashable stake, delegated stake included, to the pending slashes, which lock up
    /// to all of it. Twenty such challenges lock everything; a delegator whose thaw has ended cannot withdraw until the
    /// challenges close, and the operator can open new ones before they do. Since "failed challenges burn their bond",
    /// every expired challenge burns its 100 OPG bond: the freeze costs the coalition 2,000 OPG a week here.
    function test_limitation_operatorLocksItsDelegatorsAtABurnedBondPerChallenge() public {
        uint256 coalitionBefore = s.token.balanceOf(operator) + s.token.balanceOf(puppet);
        (uint256 shares, , ) = s.staking.getDelegation(operator, delegator);
        vm.prank(delegator);
        s.staking.undelegate(operator, shares);

        bytes32[] memory ids = _lockEverything(0);
        uint256 slashable = s.staking.slashableStakeOf(operator);
        assertEq(s.staking.lockedStakeOf(operator), slashable, "twenty self-challenges lock it all");

        // The challenges' deadline (7 days) comes before the end of the delegator's thaw (14 days): the operator
        // expires them (their bonds are burned) and, in the same block, opens twenty more on new records.
        uint256 bond = s.proofs.challengeBond();
        uint256 supply = s.token.totalSupply();
        vm.warp(block.timestamp + 7 days + 1);
        for (uint256 k; k < 20; ++k) s.proofs.expireChallenge(ids[k]);
        assertEq(supply - s.token.totalSupply(), 20 * bond, "each expired challenge burned its bond");
        _lockEverything(100);
        vm.warp(block.timestamp + 7 days);
        // The thaw has ended, but withdrawableOf says what withdraw would pay: nothing, the lock holding all of it.
        (uint256 withdrawable, uint256 held, ) = s.staking.withdrawableOf(delegator, operator);
        assertEq(withdrawable, 0, "nothing is free under the lock");
        assertGe(held, 499_000e18, "the delegator's thawed stake is held");
        // The lock still holds: the pending slashes lock the whole slashable stake, and nothing is free.
        slashable = s.staking.slashableStakeOf(operator);
        assertEq(s.staking.lockedStakeOf(operator), slashable, "the second twenty lock it all again");
        bytes memory expected = abi.encodeWithSelector(IStaking.StakingStakeLocked.selector, slashable, slashable);
        vm.prank(delegator);
        vm.expectRevert(expected);
        s.staking.withdraw(operator, 0);

        // The cost: the twenty expired bonds are burned, and the twenty pending ones will be too when they expire.
        uint256 pendingBonds = 20 * bond;
        assertEq(
            s.token.balanceOf(operator) + s.token.balanceOf(puppet) + pendingBonds,
            coalitionBefore - 20 * bond,
            "the coalition's balance fell by the burned bonds"
        );
        vm.warp(block.timestamp + 1);
        (, , uint256 rest) = _expireAll(100);
        assertEq(
            s.token.balanceOf(operator) + s.token.balanceOf(puppet),
            coalitionBefore - 40 * bond,
            "forty challenges cost forty bonds"
        );
        assertEq(rest, 0, "every lock released");
    }

    /// @notice Finding 1, continued, fixed by "pending slashes add up": with everything locked, an upheld slash that
    /// empties the operator's thawing pool but for its dust (less than a billionth of a token per share) sweeps the
    /// dust too, while the pending slashes fall only by the slash. It used to leave `lockedStakeOf` 5e12 wei above
    /// `slashableStakeOf`; now the lock is min(pendingSlashOf, slashableStakeOf): the pending slashes stay 5e12 wei
    /// above, the lock does not. Own stake 10,000 OPG, delegated 190,000 OPG - 1e14 wei, so that each 5% lock is 5e12
    /// wei short of the own stake, which the operator unstakes after the locks; the arbiter upholds one challenge.
    function test_fixed_lockNeverAboveSlashableAfterDustSweep() public {
        address op = address(0x0BE7A70E1);
        address d = address(0xDE1E9A7E1);
        s.token.transfer(op, 10_000e18);
        s.token.transfer(d, 190_000e18);
        vm.prank(op);
        s.token.approve(address(s.staking), type(uint256).max);
        vm.prank(d);
        s.token.approve(address(s.staking), type(uint256).max);
        bytes32[] memory served = new bytes32[](1);
        served[0] = model;
        vm.startPrank(op);
        s.staking.stake(10_000e18);
        uint256 node = s.nodes.registerNode(
            Nodes.NodeParams("ipfs://node", 1, bytes32(0), 8, [uint80(1e18), 0, 0]),
            served
        );
        vm.stopPrank();
        vm.prank(d);
        s.staking.delegate(op, 190_000e18 - 1e14, 1_000_000);

        bytes32[] memory ids = _lockEverything(op, node, 1_000);
        vm.prank(op);
        s.staking.unstake(10_000e18);
        s.proofs.resolveChallenge(ids[0], true);

        uint256 locked = s.staking.lockedStakeOf(op);
        uint256 slashable = s.staking.slashableStakeOf(op);
        uint256 pending = s.staking.pendingSlashOf(op);
        assertEq(slashable, 190_000e18 - 1e14, "the slash took all the own stake, its dust swept");
        assertEq(pending - slashable, 5e12, "the pending slashes stay above the slashable stake by the dust swept");
        assertLe(locked, slashable, "lockedStakeOf <= slashableStakeOf");
        assertEq(locked, slashable, "lockedStakeOf == min(pendingSlashOf, slashableStakeOf)");

        // The remaining slashes take what is left: each min(its slash, slashable now), and the pending ones run out
        // together with the stake.
        for (uint256 k = 1; k < 20; ++k) {
            s.proofs.resolveChallenge(ids[k], true);
            assertLe(s.staking.lockedStakeOf(op), s.staking.slashableStakeOf(op), "lock <= slashable after each slash");
        }
        assertEq(s.staking.pendingSlashOf(op), 0, "no pending slash left");
        assertEq(s.staking.lockedStakeOf(op), 0, "no lock left");
    }

    /// @notice Finding 2 (fixed): a payer that owns the model raised its royalty after signing, and a voucher redeemed
    /// once the increase applied (7 days later, well within the 30-day withdrawal thaw and the voucher's life) paid
    /// the node less than the terms it was signed under. Now a payment pays the royalty of when it was agreed (the
    /// voucher's issuedAt) for ROYALTY_INCREASE_GRACE after the increase, like the protocol fee; after that, the new
    /// one (a backdated issuedAt keeps the old royalty no longer than that).
    function test_fixed_payerOwnedRoyaltyRaisedAfterSigning() public {
        uint256 payerKey = 0xBAD;
        address payer = vm.addr(payerKey);
        bytes32 own = keccak256("the payer's model");
        s.token.transfer(payer, 1_000e18);
        SystemDeploy.registerModel(s, vm, payer, own, "ipfs://own", 0);
        vm.startPrank(payer);
        s.token.approve(address(s.escrow), type(uint256).max);
        s.escrow.depositToEscrow(payer, operator, 1_000e18);
        vm.stopPrank();
        // A voucher pays only for a model the node lists: the operator lists the payer's model.
        bytes32[] memory listed = new bytes32[](1);
        listed[0] = own;
        vm.prank(operator);
        s.nodes.addModels(nodeId, listed);
        Payments.Voucher memory v = Payments.Voucher(
            payer,
            nodeId,
            own,
            Nodes.Mode.None,
            1_000e18,
            uint64(block.timestamp),
            uint64(block.timestamp + 30 days)
        );
        (uint8 sv, bytes32 sr, bytes32 ss) = vm.sign(payerKey, s.escrow.voucherDigest(v));
        uint32 raised = s.models.maxRoyaltyPpm();
        vm.prank(payer);
        s.models.setRoyalty(own, raised);
        vm.warp(block.timestamp + 7 days);
        vm.prank(operator);
        s.nodes.heartbeat(nodeId);
        uint256 credited = s.staking.feesDistributed();
        s.escrow.redeem(v, abi.encodePacked(sr, ss, sv));
        // Signed at a 0% royalty and 1% fee: 990 OPG to the node, as signed.
        assertEq(s.staking.feesDistributed() - credited, 990e18, "the node's share under the royalty it signed for");
        assertEq(s.escrow.royaltiesOf(payer), 0, "the payer takes nothing back as the model's owner");
        // A voucher issued once the increase is in force pays it.
        (, uint32 now_) = s.models.royaltyOf(own);
        assertEq(now_, raised, "in force for payments agreed from now on");
        // A decrease lowers both sides, and a second increase waits for the first one's grace, decrease or not.
        vm.prank(payer);
        s.models.setRoyalty(own, raised - 1);
        (, uint32 before_) = s.models.royaltyFor(own, v.issuedAt);
        assertEq(before_, 0, "a decrease leaves earlier terms at the royalty of before the increase");
        uint64 graceEndsAt = uint64(block.timestamp) + 30 days;
        vm.prank(payer);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelRoyaltyIncreasePending.selector, own, graceEndsAt));
        s.models.setRoyalty(own, raised);
    }

    /// @dev The operator commits twenty right records and its sockpuppet challenges each on the arbiter path.
    function _lockEverything(uint256 from) internal returns (bytes32[] memory ids) {
        return _lockEverything(operator, nodeId, from);
    }

    function _lockEverything(address op, uint256 node, uint256 from) internal returns (bytes32[] memory ids) {
        ids = new bytes32[](20);
        for (uint256 i; i < 20; ++i) {
            Proofs.Record memory r = _record(from + i);
            vm.prank(op);
            s.proofs.commitRecord(node, r);
            bytes32 commitment = s.proofs.challengeCommitmentOf(puppet, node, bytes32(0), r, "no evidence");
            vm.prank(puppet);
            s.proofs.commitChallenge(commitment);
            vm.roll(block.number + 1);
            vm.prank(puppet);
            ids[i] = s.proofs.challenge(node, bytes32(0), r, new bytes32[](0), "no evidence");
        }
    }

    /// @dev Expires the operator's pending challenges of the records from `from` (as `_lockEverything` opened them);
    /// returns how many, the bonds burned, and the pending slashes left.
    function _expireAll(uint256 from) internal returns (uint256 count, uint256 burned, uint256 pending) {
        for (uint256 i; i < 20; ++i) {
            Proofs.Record memory r = _record(from + i);
            bytes32 key = s.proofs.recordKeyOf(nodeId, bytes32(0), s.proofs.leafOf(r));
            bytes32 id = s.proofs.getDispute(key).pendingChallengeId;
            if (id == bytes32(0)) continue;
            burned += s.proofs.getChallenge(id).bond;
            s.proofs.expireChallenge(id);
            ++count;
        }
        pending = s.staking.pendingSlashOf(operator);
    }

    function _record(uint256 i) internal view returns (Proofs.Record memory r) {
        r.inferenceId = bytes32(uint256(keccak256(abi.encode("inference", i))) >> 8);
        r.modelId = model;
        r.inputHash = keccak256(abi.encode("input", i));
        r.outputHash = keccak256(abi.encode("output", i));
        r.proofType = Nodes.Mode.None;
        r.proofHash = keccak256(abi.encode("proof", i));
    }
}
