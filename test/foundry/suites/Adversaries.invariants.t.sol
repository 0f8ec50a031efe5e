// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Nodes} from "@opg/types/Nodes.sol";
import {Payments} from "@opg/types/Payments.sol";
import {Proofs} from "@opg/types/Proofs.sol";
import {MockProofVerifier} from "@opg/test/MockProofVerifier.sol";

import {Test} from "../utils/Test.sol";
import {System, SystemDeploy} from "../utils/System.sol";
import {AdversaryHandler, Cast} from "../handlers/AdversaryHandler.sol";

/// @title Adversaries of the disputes and payments redesign (issues 12 and 17)
/// @notice An operator coalition with wrong records, a dishonest payer and a copier node, among an honest operator,
/// an honest delegator and an honest payer; see {AdversaryHandler}. After every call: the coalition never profits,
/// pending challenges keep their stake in staking, fees reach only stake that was there, no delegator pays a cut above
/// what it accepted, events equal movements, honest nodes are paid, and every token is accounted for.
contract AdversariesInvariants is Test {
    System internal s;
    AdversaryHandler internal handler;
    Cast internal c;

    function setUp() public {
        s = SystemDeploy.deploy(vm, address(0x7EA5));
        s.proofs.setVerifier(Nodes.Mode.Zk, new MockProofVerifier());
        // Thaws of 3 days (the minimum is 1), so that the dishonest payer's withdrawals come within a run's reach.
        s.escrow.setWithdrawalThawingPeriod(3 days);
        c.puppetAKey = 0xA11CE1;
        c.honestPayerKey = 0xB0B;
        c.badPayerKey = 0xBAD;
        c.honestOp = address(0x40E57);
        c.evilOp = address(0xE511);
        c.copierOp = address(0xC0B1E5);
        c.puppetA = vm.addr(c.puppetAKey);
        c.puppetB = address(0xB2B2);
        c.puppetD = address(0xD0D0);
        c.honestDel = address(0xDE1E);
        c.honestPayer = vm.addr(c.honestPayerKey);
        c.badPayer = vm.addr(c.badPayerKey);
        c.model = keccak256("model weights");
        c.badModel = keccak256("the dishonest payer's model");

        address[9] memory everyone = [
            c.honestOp,
            c.evilOp,
            c.copierOp,
            c.puppetA,
            c.puppetB,
            c.puppetD,
            c.honestDel,
            c.honestPayer,
            c.badPayer
        ];
        for (uint256 i; i < everyone.length; ++i) {
            s.token.transfer(everyone[i], everyone[i] == c.honestPayer ? 20_000_000e18 : 1_000_000e18);
            vm.startPrank(everyone[i]);
            s.token.approve(address(s.staking), type(uint256).max);
            s.token.approve(address(s.escrow), type(uint256).max);
            s.token.approve(address(s.proofs), type(uint256).max);
            vm.stopPrank();
        }
        SystemDeploy.registerModel(s, vm, address(0x30DE1), c.model, "ipfs://model", 50_000);
        SystemDeploy.registerModel(s, vm, c.badPayer, c.badModel, "ipfs://bad-model", 0);

        c.honestNode = _node(c.honestOp, 200_000e18, true);
        c.evilNode = _node(c.evilOp, 60_000e18, false);
        c.copierNode = _node(c.copierOp, 100_000e18, false);
        c.badNode = _node(c.badPayer, 20_000e18, true);
        // An honest delegator behind the evil operator (its slashes reach it), the coalition's delegator behind the
        // honest one (to take fees from the honest payer's payments).
        vm.prank(c.honestDel);
        s.staking.delegate(c.evilOp, 50_000e18, 1_000_000);
        vm.prank(c.puppetD);
        s.staking.delegate(c.honestOp, 10_000e18, 1_000_000);

        handler = new AdversaryHandler(s, c);
        s.proofs.grantRole(s.proofs.ARBITER_ROLE(), address(handler));
        handler.startBooks();

        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](32);
        selectors[0] = handler.evilCommit.selector;
        selectors[1] = handler.honestCommit.selector;
        selectors[2] = handler.coalitionChallenge.selector;
        selectors[3] = handler.coalitionChallenge.selector;
        selectors[4] = handler.arbiterDecide.selector;
        selectors[5] = handler.expire.selector;
        selectors[6] = handler.evilStake.selector;
        selectors[7] = handler.evilUnstake.selector;
        selectors[8] = handler.withdrawStake.selector;
        selectors[9] = handler.delegate.selector;
        selectors[10] = handler.undelegate.selector;
        selectors[11] = handler.claim.selector;
        selectors[12] = handler.setCut.selector;
        selectors[13] = handler.pay.selector;
        selectors[14] = handler.pay.selector;
        selectors[15] = handler.badFund.selector;
        selectors[16] = handler.badSign.selector;
        selectors[17] = handler.badSign.selector;
        selectors[18] = handler.honestRedeem.selector;
        selectors[19] = handler.badThaw.selector;
        selectors[20] = handler.badWithdraw.selector;
        selectors[21] = handler.badSelfDeal.selector;
        selectors[22] = handler.badRoyalty.selector;
        selectors[23] = handler.flush.selector;
        selectors[24] = handler.postRequest.selector;
        selectors[25] = handler.honestCommitAnswer.selector;
        selectors[26] = handler.honestFulfil.selector;
        selectors[27] = handler.reclaim.selector;
        selectors[28] = handler.warp.selector;
        selectors[29] = handler.warp.selector;
        selectors[30] = handler.honestFulfil.selector;
        selectors[31] = handler.delegate.selector;
        targetSelector(FuzzSelector(address(handler), selectors));
    }

    function _node(address op, uint256 amount, bool bothModels) internal returns (uint256 id) {
        bytes32[] memory served = new bytes32[](bothModels ? 2 : 1);
        served[0] = c.model;
        if (bothModels) served[1] = c.badModel;
        vm.startPrank(op);
        s.staking.stake(amount);
        id = s.nodes.registerNode(Nodes.NodeParams("ipfs://node", 1, bytes32(0), 8, [uint80(1e18), 0, 0]), served);
        vm.stopPrank();
    }

    /*//////////////////////////////////////////////////////////////////////////
                                     INVARIANTS
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice "An operator's coalition never ends with more OPG than it put in when its records are wrong": what the
    /// evil operator and its sockpuppets hold (tokens, own stake active and thawing, delegations active and thawing,
    /// unclaimed rewards and fees, escrow balances, pending bonds) never exceeds what they put in, plus the honest
    /// income it is owed: the fees its node earned from payers outside the coalition, its delegator's share of the
    /// fees credited to other operators, and (at most) its stake's share of the rewards stream; bonds, slashes and
    /// challenger shares all counted.
    function invariant_coalitionNeverProfitsFromWrongRecords() public view {
        (uint256 size, , ) = handler.counts();
        uint256 value;
        for (uint256 i; i < size; ++i) value += handler.coalitionValue(handler.coalition(i));
        assertLe(
            value,
            handler.coalitionPutIn() +
                handler.coalitionHonestFees() +
                handler.coalitionStream() +
                handler.shareActions(),
            "the coalition ended with more OPG than it put in plus its honest income"
        );
        assertEq(handler.violations("verifier"), 0, handler.firstViolation("verifier"));
    }

    /// @notice "While a challenge is pending, the stake it can slash stays in Staking": each operator's pending slashes
    /// are exactly the slashes of its pending challenges, and its lock is their sum up to its slashable stake, never
    /// above it; no withdrawal left less than the lock;
    /// staking's balance covers its books. And "events equal movements": for every decision, the challenger's
    /// balance moved by ChallengeResolved's toChallenger (and its bond), the supply fell by slashed - toChallenger, the
    /// operator's slashable stake by slashed, and StakeSlashed's parts add up to it.
    function invariant_pendingChallengeKeepsItsStakeInStaking() public view {
        assertEq(handler.violations("lock"), 0, handler.firstViolation("lock"));
        assertEq(handler.violations("events"), 0, handler.firstViolation("events"));
        assertEq(handler.violations("slash"), 0, handler.firstViolation("slash"));
        assertEq(handler.violations("bond"), 0, handler.firstViolation("bond"));
        (, , uint256 pendingCount) = handler.counts();
        for (uint256 i; i < handler.operatorCount(); ++i) {
            address op = handler.operators(i);
            uint256 locked;
            for (uint256 j; j < pendingCount; ++j) {
                Proofs.Challenge memory ch = s.proofs.getChallenge(handler.pendingChallenges(j));
                (address nodeOp, ) = s.nodes.nodeOperatorOf(ch.nodeId);
                if (nodeOp == op) locked += ch.lockedStake;
            }
            uint256 slashable = s.staking.slashableStakeOf(op);
            assertEq(s.staking.pendingSlashOf(op), locked, "pendingSlashOf != the slashes of the pending challenges");
            assertEq(
                s.staking.lockedStakeOf(op),
                locked < slashable ? locked : slashable,
                "lockedStakeOf != min(the pending slashes, slashableStakeOf)"
            );
            assertLe(s.staking.lockedStakeOf(op), slashable, "lockedStakeOf > slashableStakeOf");
        }
        assertGe(s.token.balanceOf(address(s.staking)), _stakingBooks(), "staking's balance < its books");
    }

    /// @notice "Fees reach only stake that was there while they were released": a delegator's claimed and claimable
    /// rewards from an operator never exceed the fees credited while it was delegated plus those still streaming when
    /// it joined (staking releases each payment over FEE_STREAM_PERIOD to the stake of each moment) plus its
    /// stake's share of the rewards stream while delegated. And "a delegator never pays a cut above
    /// what it accepted": every fee credited under a cut above a delegator's bound came from a cut scheduled after
    /// the delegation (seen coming for the whole delay), and no delegation went through above its bound.
    function invariant_feesReachOnlyStakeThatWasThereUnderTheAcceptedCut() public view {
        assertEq(handler.violations("fees"), 0, handler.firstViolation("fees"));
        assertEq(handler.violations("cut"), 0, handler.firstViolation("cut"));
        for (uint256 i; i < handler.delegatorCount(); ++i) {
            address d = handler.delegators(i);
            for (uint256 j; j < handler.operatorCount(); ++j) {
                address op = handler.operators(j);
                assertLe(
                    handler.claimedBy(d, op) + s.staking.claimableRewards(d, op),
                    handler.feesWhileDelegated(d, op) +
                        handler.streamBound(d, op) +
                        handler.roundingAllowance(d, op) +
                        2,
                    "a delegator's rewards include fees credited while it was not delegated"
                );
            }
        }
    }

    /// @notice "An honest node's voucher signed before the payer's thaw is always paid in full while the payer's escrow
    /// with its operator covered it when signed", and "an honest node that fulfils a request it committed to is paid
    /// and credited with the record": the dishonest payer (overdrawn vouchers, thaws, withdrawals raced, self-dealing)
    /// and the copier (the honest answer, committed and fulfilled in the reveal's block and after) never take it.
    function invariant_honestNodesArePaid() public view {
        assertEq(handler.violations("honestVoucher"), 0, handler.firstViolation("honestVoucher"));
        assertEq(handler.violations("honestNode"), 0, handler.firstViolation("honestNode"));
        assertEq(handler.violations("copier"), 0, handler.firstViolation("copier"));
        assertEq(handler.violations("payer"), 0, handler.firstViolation("payer"));
    }

    /// @notice Token conservation: the total supply only falls, by exactly what slashes, the bonds of rejected and
    /// expired challenges and protocol fees burned;
    /// every token is somewhere (staking, escrow, the proof registry's bonds, vesting, holders), and each contract's
    /// books match its balance.
    function invariant_everyTokenIsAccountedFor() public view {
        assertEq(handler.violations("supply"), 0, handler.firstViolation("supply"));
        uint256 supply = s.token.totalSupply();
        assertEq(
            supply,
            SystemDeploy.GENESIS_SUPPLY - handler.ghostBurned() - handler.ghostFlushed(),
            "total supply != genesis - burned by slashes and failed bonds - protocol fees burned"
        );
        (, uint256 holderCount, ) = handler.counts();
        uint256 sum = s.token.balanceOf(address(this)) + s.token.balanceOf(address(handler));
        for (uint256 i; i < holderCount; ++i) sum += s.token.balanceOf(handler.holders(i));
        assertEq(sum, supply, "the known holders do not hold the whole supply");
        assertEq(s.token.balanceOf(address(s.staking)), _stakingBooks(), "staking's balance != its books");
        assertEq(s.token.balanceOf(address(s.escrow)), _escrowBooks(), "escrow's balance != its books");
        assertEq(s.token.balanceOf(address(s.proofs)), handler.ghostBonds(), "the registry's balance != pending bonds");
        assertEq(s.token.balanceOf(address(s.vesting)), 0, "vesting holds tokens without schedules");
    }

    /*//////////////////////////////////////////////////////////////////////////
                                       BOOKS
    //////////////////////////////////////////////////////////////////////////*/

    function _stakingBooks() internal view returns (uint256) {
        return
            s.staking.totalActiveStake() +
            s.staking.totalThawingStake() +
            SystemDeploy.REWARDS_TOTAL +
            s.staking.feesDistributed() -
            s.staking.rewardsClaimed();
    }

    /// @dev Free balances, escrows with every operator, open requests' caps, royalties owed, protocol fees pending.
    function _escrowBooks() internal view returns (uint256 sum) {
        sum =
            s.escrow.protocolFeesPending() +
            s.escrow.royaltiesOf(address(0x30DE1)) +
            s.escrow.royaltiesOf(c.badPayer);
        (, uint256 holderCount, ) = handler.counts();
        for (uint256 i; i < holderCount; ++i) {
            address payer = handler.holders(i);
            sum += s.escrow.balanceOf(payer);
            for (uint256 j; j < handler.operatorCount(); ++j)
                sum += s.escrow.getEscrow(payer, handler.operators(j)).balance;
        }
        for (uint256 id = 1; id < s.escrow.nextRequestId(); ++id) {
            Payments.Request memory r = s.escrow.getRequest(id);
            if (r.status == Payments.RequestStatus.Open) sum += r.feeCap;
        }
    }
}
