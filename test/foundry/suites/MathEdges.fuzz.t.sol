// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IVestingVault} from "@opg/interfaces/IVestingVault.sol";
import {IStaking} from "@opg/interfaces/IStaking.sol";
import {IPaymentsEscrow} from "@opg/interfaces/IPaymentsEscrow.sol";
import {IModelRegistry} from "@opg/interfaces/IModelRegistry.sol";
import {VestingMath} from "@opg/libraries/VestingMath.sol";
import {Vesting} from "@opg/types/Vesting.sol";
import {Nodes} from "@opg/types/Nodes.sol";
import {Payments} from "@opg/types/Payments.sol";

import {Test} from "../utils/Test.sol";
import {System, SystemDeploy} from "../utils/System.sol";

/// @title Fuzz tests of the math at its edges
/// @notice Amounts near zero and near the supply (and the 2^96 a schedule's total is stored in), times at and one
/// second around a schedule's start, cliff and end, royalty and protocol fee shares at their bounds, and schedules
/// whose terms are out of order (refused with the custom error and its values).
contract MathEdgesFuzz is Test {
    uint256 internal constant PPM = 1_000_000;
    uint40 internal constant MONTH = VestingMath.MONTH;
    uint256 internal constant PAYER_KEY = 0xB0B;

    System internal s;
    address internal payer;
    address internal operator = address(0x0BE7A70E0);
    address internal owner = address(0x30DE1);
    uint256 internal nodeId;

    function setUp() public {
        s = SystemDeploy.deploy(vm, address(0x7EA5));
        payer = vm.addr(PAYER_KEY);
        s.models.setMaxRoyalty(s.models.MAX_ROYALTY_BOUND_PPM());
        s.token.transfer(payer, 800_000_000e18);
        vm.prank(payer);
        s.token.approve(address(s.escrow), type(uint256).max);
        s.token.transfer(operator, 100_000e18);
        vm.startPrank(operator);
        s.token.approve(address(s.staking), type(uint256).max);
        s.staking.stake(100_000e18);
        vm.stopPrank();
        s.token.approve(address(s.vesting), type(uint256).max);
        s.token.approve(address(s.staking), type(uint256).max);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                      VESTING
    //////////////////////////////////////////////////////////////////////////*/

    struct Terms {
        uint256 total;
        uint256 unlocked;
        uint40 start;
        uint40 cliff;
        uint40 end;
        Vesting.Shape shape;
    }

    function _terms(
        uint256 total,
        uint256 unlocked,
        uint256 start,
        uint256 cliffOffset,
        uint256 length,
        bool monthly
    ) internal pure returns (Terms memory t) {
        // Up to 2^96 - 1: the largest total a schedule can store, 79 times the whole supply.
        t.total = bound(total, 1, type(uint96).max);
        t.unlocked = bound(unlocked, 0, t.total);
        t.start = uint40(bound(start, 0, 2 ** 39));
        t.cliff = t.start + uint40(bound(cliffOffset, 0, 10 * 12 * uint256(MONTH)));
        t.end =
            monthly
                ? t.cliff + uint40(bound(length, 0, 240)) * MONTH
                : t.cliff + uint40(bound(length, 0, 20 * 12 * uint256(MONTH)));
        t.shape = monthly ? Vesting.Shape.Monthly : Vesting.Shape.Linear;
    }

    function _vested(Terms memory t, uint256 time) internal pure returns (uint256) {
        return VestingMath.vestedAt(t.total, t.unlocked, t.start, t.cliff, t.end, t.shape, uint40(time));
    }

    /// @notice The schedule written out: nothing before the start, the unlock until the cliff, then the rest in
    /// proportion to the seconds (or whole months) elapsed, all of it from the end.
    function _closedForm(Terms memory t, uint256 time) internal pure returns (uint256) {
        if (time < t.start) return 0;
        if (time >= t.end) return t.total;
        if (time < t.cliff) return t.unlocked;
        uint256 elapsed = time - t.cliff;
        if (t.shape == Vesting.Shape.Monthly) elapsed = (elapsed / MONTH) * MONTH;
        return t.unlocked + ((t.total - t.unlocked) * elapsed) / (t.end - t.cliff);
    }

    /// @notice vested(t) is monotone, bounded by the total, equal to the closed form, and the total from the end.
    function testFuzz_vestedAtIsMonotoneBoundedAndClosedForm(
        uint256 total,
        uint256 unlocked,
        uint256 start,
        uint256 cliffOffset,
        uint256 length,
        bool monthly,
        uint256 t1,
        uint256 t2
    ) public pure {
        Terms memory t = _terms(total, unlocked, start, cliffOffset, length, monthly);
        t1 = bound(t1, 0, uint256(t.end) + 3650 days);
        t2 = bound(t2, t1, uint256(t.end) + 3650 days);
        uint256 v1 = _vested(t, t1);
        uint256 v2 = _vested(t, t2);
        assertLe(v1, v2, "vested not monotone");
        assertLe(v2, t.total, "vested above the total");
        assertEq(v1, _closedForm(t, t1), "vested(t1) != closed form");
        assertEq(v2, _closedForm(t, t2), "vested(t2) != closed form");
        assertEq(_vested(t, t.end), t.total, "vested(end) != total");
        if (t.start > 0) assertEq(_vested(t, t.start - 1), 0, "vested before the start");
    }

    /// @notice At the cliff nothing jumps (no lump), one second either side of it and of the end behave, and a
    /// monthly schedule steps exactly at whole months.
    function testFuzz_vestedAroundCliffAndEnd(
        uint256 total,
        uint256 unlocked,
        uint256 start,
        uint256 cliffOffset,
        uint256 length,
        bool monthly
    ) public pure {
        Terms memory t = _terms(total, unlocked, start, cliffOffset, length, monthly);
        vm.assume(t.end > t.cliff);
        uint256 rest = t.total - t.unlocked;
        uint256 span = t.end - t.cliff;
        assertEq(_vested(t, t.start), t.unlocked, "vested(start) != unlocked at start");
        if (t.cliff > t.start) assertEq(_vested(t, t.cliff - 1), t.unlocked, "vested before the cliff != unlock");
        assertEq(_vested(t, t.cliff), t.unlocked, "a lump at the cliff");
        if (monthly) {
            assertEq(_vested(t, t.cliff + MONTH - 1), t.unlocked, "a monthly step before the month");
            assertEq(_vested(t, t.cliff + MONTH), t.unlocked + (rest * MONTH) / span, "the first monthly step");
        } else {
            assertEq(_vested(t, t.cliff + 1), t.unlocked + rest / span, "one second after the cliff");
        }
        uint256 beforeEnd = _vested(t, t.end - 1);
        if (rest > 0) assertLe(beforeEnd + 1, t.total, "fully vested before the end");
        assertEq(_vested(t, t.end), t.total, "vested(end) != total");
        assertEq(_vested(t, uint256(t.end) + 1), t.total, "vested after the end != total");
    }

    /// @notice "A 12-month cliff, then 36 months" at any size up to the whole supply: nothing until TGE + 12 months,
    /// no lump there, half at TGE + 30 months, all at TGE + 48 months, and the vault pays exactly that.
    function testFuzz_genesisTermsAtTheEdges(uint256 total, uint256 offset) public {
        total = bound(total, 1, s.token.balanceOf(address(this)));
        uint40 tge = SystemDeploy.TGE;
        uint256 id = s.vesting.createSchedule(
            Vesting.CreateParams(
                address(0xBE7E),
                uint96(total),
                0,
                tge,
                tge + 12 * MONTH,
                tge + 48 * MONTH,
                Vesting.Shape.Linear,
                true
            )
        );
        assertEq(s.vesting.vestedAt(id, tge + 12 * MONTH - 1), 0, "vested before the cliff");
        assertEq(s.vesting.vestedAt(id, tge + 12 * MONTH), 0, "a lump at the cliff");
        assertEq(s.vesting.vestedAt(id, tge + 30 * MONTH), total / 2, "not half at 30 months");
        assertEq(s.vesting.vestedAt(id, tge + 48 * MONTH), total, "not all at 48 months");
        uint256 at = tge + 12 * MONTH + bound(offset, 0, 40 * MONTH);
        vm.warp(at);
        uint256 expected = s.vesting.vestedAt(id, uint40(at));
        vm.assume(expected > 0);
        assertEq(s.vesting.release(id), expected, "release != vested");
        assertEq(s.token.balanceOf(address(0xBE7E)), expected, "the beneficiary got another amount");
        assertEq(s.token.balanceOf(address(s.vesting)), total - expected, "the vault holds other than the rest");
    }

    /// @notice A schedule that ends before it starts is refused, with the error naming the cliff and the end.
    function testFuzz_scheduleEndingBeforeItStartsIsRefused(uint256 start, uint256 end, uint256 total) public {
        uint40 s0 = uint40(bound(start, 1, type(uint40).max));
        uint40 e0 = uint40(bound(end, 0, s0 - 1));
        Vesting.CreateParams memory p = Vesting.CreateParams(
            address(0xBE7E),
            uint96(bound(total, 1, 1e27)),
            0,
            s0,
            s0,
            e0,
            Vesting.Shape.Linear,
            false
        );
        vm.expectRevert(abi.encodeWithSelector(IVestingVault.VestingCliffAfterEnd.selector, s0, e0));
        s.vesting.createSchedule(p);
    }

    /// @notice A cliff before the start, an unlock above the total and a monthly schedule of a broken month are
    /// refused with their errors and values.
    function testFuzz_scheduleTermsOutOfOrderAreRefused(uint256 start, uint256 gap, uint256 total) public {
        uint40 s0 = uint40(bound(start, 1, 2 ** 39));
        uint40 cliff = uint40(bound(gap, 0, s0 - 1));
        uint96 t = uint96(bound(total, 1, 1e27 - 1));
        Vesting.CreateParams memory p = Vesting.CreateParams(
            address(0xBE7E),
            t,
            0,
            s0,
            cliff,
            s0 + 1,
            Vesting.Shape.Linear,
            false
        );
        vm.expectRevert(abi.encodeWithSelector(IVestingVault.VestingCliffBeforeStart.selector, s0, cliff));
        s.vesting.createSchedule(p);

        p.cliff = s0;
        p.unlockedAtStart = t + 1;
        vm.expectRevert(abi.encodeWithSelector(IVestingVault.VestingUnlockExceedsTotal.selector, t + 1, t));
        s.vesting.createSchedule(p);

        p.unlockedAtStart = 0;
        p.shape = Vesting.Shape.Monthly;
        p.end = s0 + MONTH + uint40(bound(gap, 1, MONTH - 1));
        vm.expectRevert(abi.encodeWithSelector(IVestingVault.VestingNotWholeMonths.selector, s0, p.end, MONTH));
        s.vesting.createSchedule(p);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                   PAYMENT SPLITS
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice Picks a share: its lower bound, its upper bound, or anything between.
    function _share(uint256 seed, uint256 maximum) internal pure returns (uint32) {
        if (seed % 3 == 0) return 0;
        if (seed % 3 == 1) return uint32(maximum);
        return uint32(bound(seed / 3, 0, maximum));
    }

    function _setUpPayment(
        uint256 royaltySeed,
        uint256 feeSeed
    ) internal returns (bytes32 modelId, uint32 r, uint32 f) {
        r = _share(royaltySeed, s.models.MAX_ROYALTY_BOUND_PPM());
        f = _share(feeSeed, s.escrow.MAX_PROTOCOL_FEE_PPM());
        s.escrow.setProtocolFee(f);
        modelId = keccak256("model");
        SystemDeploy.registerModel(s, vm, owner, modelId, "ipfs://model", r);
        bytes32[] memory served = new bytes32[](1);
        served[0] = modelId;
        vm.prank(operator);
        nodeId = s.nodes.registerNode(Nodes.NodeParams("ipfs://node", 1, bytes32(0), 8, [uint80(1e18), 0, 0]), served);
    }

    function _assertSplit(uint256 gross, uint32 r, uint32 f) internal view {
        uint256 fee = (gross * f) / PPM;
        uint256 royalty = (gross * r) / PPM;
        assertEq(s.escrow.protocolFeesPending(), fee, "protocol fee != gross * fee, rounded down");
        assertEq(s.escrow.royaltiesOf(owner), royalty, "royalty != gross * royalty, rounded down");
        assertEq(s.staking.feesDistributed(), gross - fee - royalty, "node share credited != the rest");
        assertEq(
            s.staking.feesDistributed() + s.escrow.royaltiesOf(owner) + s.escrow.protocolFeesPending(),
            gross,
            "the split does not sum to the gross"
        );
    }

    /// @notice A voucher of any size, from 1 wei to most of the supply, at royalty and fee shares at their bounds,
    /// is split into node share, royalty and protocol fee that sum to it exactly.
    function testFuzz_voucherSplitSumsToGross(uint256 gross, uint256 royaltySeed, uint256 feeSeed) public {
        (bytes32 modelId, uint32 r, uint32 f) = _setUpPayment(royaltySeed, feeSeed);
        gross = bound(gross, 1, s.token.balanceOf(payer));
        vm.prank(payer);
        s.escrow.depositToEscrow(payer, operator, gross);
        Payments.Voucher memory v = Payments.Voucher(
            payer,
            nodeId,
            modelId,
            Nodes.Mode.None,
            uint128(gross),
            uint64(block.timestamp),
            uint64(block.timestamp)
        );
        (uint8 sv, bytes32 sr, bytes32 ss) = vm.sign(PAYER_KEY, s.escrow.voucherDigest(v));
        assertEq(s.escrow.redeem(v, abi.encodePacked(sr, ss, sv)), gross, "the voucher paid other than owed");
        _assertSplit(gross, r, f);
        assertEq(s.escrow.getEscrow(payer, operator).balance, 0, "the payer kept part of a fully owed balance");
    }

    /// @notice A request at any price up to the largest a node can set, under any cap, pays the price split exactly
    /// and refunds the rest of the cap.
    function testFuzz_requestSplitSumsToPrice(uint256 price, uint256 cap, uint256 royaltySeed, uint256 feeSeed) public {
        (bytes32 modelId, uint32 r, uint32 f) = _setUpPayment(royaltySeed, feeSeed);
        price = bound(price, 0, type(uint80).max);
        cap = bound(cap, price == 0 ? 1 : price, s.token.balanceOf(payer));
        vm.prank(operator);
        s.nodes.updateNode(nodeId, Nodes.NodeParams("ipfs://node", 1, bytes32(0), 8, [uint80(price), 0, 0]));
        // A price increase applies a day later.
        vm.warp(block.timestamp + 1 days);
        vm.prank(operator);
        s.nodes.heartbeat(nodeId);
        assertEq(s.nodes.priceOf(nodeId, Nodes.Mode.None), price, "the price in force after the delay");
        vm.startPrank(payer);
        s.escrow.deposit(payer, cap);
        uint256 id = s.escrow.postRequest(
            modelId,
            bytes32("in"),
            Nodes.Mode.None,
            cap,
            uint64(block.timestamp + 1),
            nodeId
        );
        vm.stopPrank();
        vm.prank(operator);
        s.escrow.fulfil(id, nodeId, bytes32("out"), bytes32("proof"));
        assertEq(s.escrow.balanceOf(payer), cap - price, "refund != cap - price");
        _assertSplit(price, r, f);
    }

    /// @notice A protocol fee or a royalty bound above its bound is refused with the error and its values.
    function testFuzz_sharesAboveTheirBoundsAreRefused(uint256 fee, uint256 maxRoyalty, uint256 royalty) public {
        uint32 maxFee = s.escrow.MAX_PROTOCOL_FEE_PPM();
        fee = bound(fee, uint256(maxFee) + 1, type(uint32).max);
        vm.expectRevert(
            abi.encodeWithSelector(
                IPaymentsEscrow.EscrowParameterOutOfBounds.selector,
                bytes32("protocolFeePpm"),
                fee,
                0,
                maxFee
            )
        );
        s.escrow.setProtocolFee(uint32(fee));

        uint32 bound_ = s.models.MAX_ROYALTY_BOUND_PPM();
        maxRoyalty = bound(maxRoyalty, uint256(bound_) + 1, type(uint32).max);
        vm.expectRevert(
            abi.encodeWithSelector(IModelRegistry.ModelMaxRoyaltyAboveBound.selector, uint32(maxRoyalty), bound_)
        );
        s.models.setMaxRoyalty(uint32(maxRoyalty));

        royalty = bound(royalty, uint256(bound_) + 1, type(uint32).max);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelRoyaltyTooHigh.selector, uint32(royalty), bound_));
        s.models.registerModel(keccak256("too dear"), "ipfs://x", uint32(royalty));
    }

    /*//////////////////////////////////////////////////////////////////////////
                                AMOUNTS AT THE EDGES
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice From 1 wei to most of the supply, a deposit thawed and withdrawn comes back whole.
    function testFuzz_escrowDepositThawWithdrawIsExact(uint256 amount) public {
        amount = bound(amount, 1, s.token.balanceOf(payer));
        vm.startPrank(payer);
        s.escrow.depositToEscrow(payer, operator, amount);
        s.escrow.thaw(operator, amount);
        vm.warp(block.timestamp + s.escrow.withdrawalThawingPeriod());
        assertEq(s.escrow.withdraw(operator), amount, "withdrawn != deposited");
        vm.stopPrank();
        assertEq(s.token.balanceOf(address(s.escrow)), 0, "the escrow kept something");
    }

    /// @notice From 1 wei to most of the supply, stake unbonded and withdrawn comes back whole, and a delegation
    /// (from the minimum up) comes back whole too.
    function testFuzz_stakeAndDelegationComeBackWhole(uint256 amount, uint256 delegated) public {
        address staker = address(0x57A4E);
        // The test contract holds 99.9M OPG after the setup: the two share it.
        amount = bound(amount, 1, 45_000_000e18);
        delegated = bound(delegated, s.staking.minimumDelegation(), 45_000_000e18);
        s.token.transfer(staker, amount);
        vm.startPrank(staker);
        s.token.approve(address(s.staking), type(uint256).max);
        s.staking.stake(amount);
        s.staking.unstake(amount);
        vm.stopPrank();
        s.staking.delegate(operator, delegated, uint32(PPM));
        (uint256 shares, uint256 tokens, ) = s.staking.getDelegation(operator, address(this));
        assertEq(tokens, delegated, "a first delegation is not worth what it put in");
        s.staking.undelegate(operator, shares);
        vm.warp(block.timestamp + s.staking.thawingPeriod());
        vm.prank(staker);
        assertEq(s.staking.withdraw(staker, 0), amount, "unstaked != staked");
        assertEq(s.staking.withdraw(operator, 0), delegated, "undelegated != delegated");
    }

    /// @notice A slash of exactly its bound passes and takes exactly that from the operator; one wei more is refused
    /// with the amount and the bound.
    function testFuzz_slashAtItsBound(uint256 stakeAmount, uint256 maxSlashPpm) public {
        stakeAmount = bound(stakeAmount, 1, s.token.balanceOf(address(this)));
        s.staking.setMaxSlash(uint32(bound(maxSlashPpm, 1, 100_000)));
        s.staking.stake(stakeAmount);
        uint256 slashable = s.staking.slashableStakeOf(address(this));
        uint256 maximum = (slashable * s.staking.maxSlashPpm()) / PPM;
        // Only the slasher (the proof registry) locks and slashes, and only what it locked.
        vm.prank(address(s.proofs));
        vm.expectRevert(abi.encodeWithSelector(IStaking.StakingSlashTooLarge.selector, maximum + 1, maximum));
        s.staking.lockStake(address(this), maximum + 1);
        vm.assume(maximum > 0);
        uint256 supply = s.token.totalSupply();
        uint256 others = s.staking.slashableStakeOf(operator);
        vm.prank(address(s.proofs));
        s.staking.lockStake(address(this), maximum);
        vm.prank(address(s.proofs));
        s.staking.slash(address(this), maximum, address(0xC4A11E0));
        assertEq(s.staking.lockedStakeOf(address(this)), 0, "the slash did not release its lock");
        uint256 toChallenger = (maximum * s.staking.challengerSharePpm()) / PPM;
        assertEq(s.staking.slashableStakeOf(address(this)), slashable - maximum, "slashed other than the amount");
        assertEq(s.token.balanceOf(address(0xC4A11E0)), toChallenger, "the challenger's share");
        assertEq(s.token.totalSupply(), supply - (maximum - toChallenger), "burned other than the rest");
        assertEq(s.staking.slashableStakeOf(operator), others, "another operator lost stake");
    }

    /// @notice Pending slashes add up and lock up to the whole slashable stake (`lockedStakeOf` == min(pending,
    /// slashable)); a delegator's thawed withdrawal takes what they leave free, out of part of its request if need be
    /// (the rest stays in it), and is refused with StakingStakeLocked only when nothing is free.
    function testFuzz_withdrawalUnderPendingSlashesTakesWhatIsFree(uint256 delegated, uint256 pendingSeed) public {
        delegated = bound(delegated, s.staking.minimumDelegation(), 10_000_000e18);
        s.staking.delegate(operator, delegated, 1_000_000);
        (uint256 shares, , ) = s.staking.getDelegation(operator, address(this));
        s.staking.undelegate(operator, shares);
        uint256 slashable = s.staking.slashableStakeOf(operator);
        // Up to a fifth beyond the slashable stake, in locks of at most maxSlashPpm each.
        uint256 pending = bound(pendingSeed, 1, slashable + slashable / 5);
        uint256 maximum = (slashable * s.staking.maxSlashPpm()) / PPM;
        for (uint256 left = pending; left > 0;) {
            uint256 lock = left < maximum ? left : maximum;
            vm.prank(address(s.proofs));
            s.staking.lockStake(operator, lock);
            left -= lock;
        }
        assertEq(s.staking.pendingSlashOf(operator), pending, "pending slashes add up");
        uint256 locked = pending < slashable ? pending : slashable;
        assertEq(s.staking.lockedStakeOf(operator), locked, "lockedStakeOf != min(pending, slashable)");
        vm.warp(block.timestamp + s.staking.thawingPeriod());
        (uint256 thawed, , ) = s.staking.withdrawableOf(address(this), operator);
        uint256 free = slashable - locked;
        uint256 balance = s.token.balanceOf(address(this));
        if (free == 0) {
            vm.expectRevert(abi.encodeWithSelector(IStaking.StakingStakeLocked.selector, locked, slashable));
            s.staking.withdraw(operator, 0);
            return;
        }
        uint256 amount = s.staking.withdraw(operator, 0);
        assertEq(s.token.balanceOf(address(this)), balance + amount, "paid other than withdraw said");
        if (free >= thawed) {
            assertEq(amount, thawed, "a withdrawal the lock does not reach paid other than withdrawableOf");
        } else {
            assertLe(amount, free, "took locked stake");
            assertLe(free - amount, 2, "took less than what is free beyond rounding");
            (uint256 rest, , ) = s.staking.withdrawableOf(address(this), operator);
            assertLe(thawed - amount - rest, 2, "the rest of the request did not stay in it");
        }
        assertGe(s.staking.slashableStakeOf(operator), locked, "left less slashable stake than the lock");
    }

    /// @notice Node fees at any size, with the operator's cut at 0, at 100% or between, go to the operator and its
    /// delegators in full, short by rounding only (less than a wei per position).
    function testFuzz_feeSplitAtCutBounds(uint256 fees, uint256 cutSeed, uint256 delegated) public {
        // After the rewards stream has ended, so that what becomes claimable is the fees alone.
        vm.warp(uint256(SystemDeploy.TGE) + SystemDeploy.REWARDS_DURATION + 1);
        uint32 cut = _share(cutSeed, PPM);
        vm.prank(operator);
        s.staking.setDelegationCut(cut);
        vm.warp(block.timestamp + s.staking.cutChangeDelay());
        s.staking.applyDelegationCut(operator);
        delegated = bound(delegated, s.staking.minimumDelegation(), 45_000_000e18);
        s.staking.delegate(operator, delegated, cut);
        uint256 before = s.staking.claimableRewards(operator, operator);
        fees = bound(fees, 1, 45_000_000e18);
        // As the escrow (staking's fee source) does: credited, then sent; released over the fee stream's period.
        vm.prank(address(s.escrow));
        s.staking.creditFees(operator, fees);
        s.token.transfer(address(s.staking), fees);
        vm.warp(block.timestamp + s.staking.FEE_STREAM_PERIOD());
        uint256 toOperator = s.staking.claimableRewards(operator, operator) - before;
        uint256 toDelegator = s.staking.claimableRewards(address(this), operator);
        assertLe(toOperator + toDelegator, fees, "fees paid out above what came in");
        assertLe(fees - (toOperator + toDelegator), 2, "fees lost beyond rounding");
        if (cut == PPM) assertEq(toDelegator, 0, "delegators paid under a 100% cut");
    }

    /// @notice The rewards stream is monotone, never above the allocation, and all of it by the end.
    function testFuzz_rewardsEmittedAreMonotoneAndBounded(uint64 t1, uint64 t2) public view {
        uint256 end = uint256(SystemDeploy.TGE) + SystemDeploy.REWARDS_DURATION;
        t1 = uint64(bound(t1, 0, end + 3650 days));
        t2 = uint64(bound(t2, t1, end + 3650 days));
        uint256 e1 = s.staking.rewardsEmittedAt(t1);
        uint256 e2 = s.staking.rewardsEmittedAt(t2);
        assertLe(e1, e2, "emission not monotone");
        assertLe(e2, SystemDeploy.REWARDS_TOTAL, "emitted above the allocation");
        assertEq(s.staking.rewardsEmittedAt(uint64(end)), SystemDeploy.REWARDS_TOTAL, "not all emitted at the end");
    }
}
