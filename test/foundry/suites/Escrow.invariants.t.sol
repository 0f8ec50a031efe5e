// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Nodes} from "@opg/types/Nodes.sol";
import {Payments} from "@opg/types/Payments.sol";

import {Test} from "../utils/Test.sol";
import {System, SystemDeploy} from "../utils/System.sol";
import {EscrowHandler} from "../handlers/EscrowHandler.sol";

/// @title Escrow, payments and proofs invariants
/// @notice the design: "escrow holds exactly the sum of payer balances (plus locked request fees)", "a voucher
/// pays at most its cumulative amount once: redeemed(payer, node) never decreases and never exceeds the largest
/// signed cumulative amount; a voucher for another chain or contract never pays", "a payer's withdrawal never takes
/// funds owed to a node for a voucher signed before the thaw began", "a request pays its node at most once, or
/// refunds its payer at most once, never both", each payment split between node, model owner and protocol, and the
/// supply only going down, after every call of a random sequence of escrow actions.
contract EscrowInvariants is Test {
    System internal s;
    EscrowHandler internal handler;

    function setUp() public {
        s = SystemDeploy.deploy(vm, address(0x7EA5));
        uint256[] memory keys = new uint256[](3);
        for (uint256 i; i < 3; ++i) keys[i] = 0xB0B0 + i;
        // The second node's operator is also a payer: self-dealing is tried all along.
        address[] memory operators = new address[](2);
        operators[0] = address(0x0BE7A70E0);
        operators[1] = vm.addr(keys[2]);
        address[] memory owners = new address[](2);
        owners[0] = address(0x30DE1A);
        owners[1] = address(0x30DE1B);
        bytes32[] memory models = new bytes32[](2);
        models[0] = keccak256("model A weights");
        models[1] = keccak256("model B weights");
        SystemDeploy.registerModel(s, vm, owners[0], models[0], "ipfs://a", 50_000);
        SystemDeploy.registerModel(s, vm, owners[1], models[1], "ipfs://b", 0);

        bytes32 measurement = keccak256("enclave measurement");
        s.nodes.setTeeMeasurementApproval(measurement, true);
        uint256[] memory nodeIds = new uint256[](2);
        nodeIds[0] = _node(operators[0], 3, measurement, [uint80(2e18), uint80(5e18), 0], models);
        nodeIds[1] = _node(operators[1], 1, bytes32(0), [uint80(1e18), 0, 0], models);

        handler = new EscrowHandler(s, keys, operators, owners, nodeIds, models);
        s.escrow.grantRole(s.escrow.DEFAULT_ADMIN_ROLE(), address(handler));
        s.models.grantRole(s.models.DEFAULT_ADMIN_ROLE(), address(handler));
        s.token.transfer(address(handler), 100_000_000e18);
        vm.prank(address(handler));
        s.token.approve(address(s.escrow), type(uint256).max);
        for (uint256 i; i < 3; ++i) {
            address payer = handler.payers(i);
            s.token.transfer(payer, 10_000_000e18);
            vm.prank(payer);
            s.token.approve(address(s.escrow), type(uint256).max);
        }
        // Runs start with money in every account, and in every escrow a payer may have.
        for (uint256 i; i < 3; ++i) {
            handler.deposit(i, false, 100_000e18);
            handler.fundEscrow(i, 0, 40_000e18);
            handler.fundEscrow(i, 1, 40_000e18);
        }

        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](22);
        selectors[0] = handler.deposit.selector;
        selectors[1] = handler.depositWithPermit.selector;
        selectors[2] = handler.thaw.selector;
        selectors[3] = handler.withdraw.selector;
        selectors[4] = handler.signVoucher.selector;
        selectors[5] = handler.redeem.selector;
        selectors[6] = handler.redeemBatch.selector;
        selectors[7] = handler.redeemForeign.selector;
        selectors[8] = handler.postRequest.selector;
        selectors[9] = handler.fulfil.selector;
        selectors[10] = handler.reclaim.selector;
        selectors[11] = handler.claimNodeFees.selector;
        selectors[12] = handler.collectRoyalties.selector;
        selectors[13] = handler.flushProtocolFees.selector;
        selectors[14] = handler.setRoyalty.selector;
        selectors[15] = handler.setFees.selector;
        selectors[16] = handler.warp.selector;
        selectors[17] = handler.signVoucher.selector; // vouchers twice as often: they are most of the traffic
        selectors[18] = handler.redeem.selector;
        selectors[19] = handler.fulfil.selector;
        selectors[20] = handler.fundEscrow.selector;
        selectors[21] = handler.withdrawBalance.selector;
        targetSelector(FuzzSelector(address(handler), selectors));
    }

    function _node(
        address operator,
        uint8 modes,
        bytes32 measurement,
        uint80[3] memory prices,
        bytes32[] memory models
    ) internal returns (uint256) {
        s.token.transfer(operator, 100_000e18);
        vm.startPrank(operator);
        s.token.approve(address(s.staking), type(uint256).max);
        s.staking.stake(100_000e18);
        uint256 id = s.nodes.registerNode(Nodes.NodeParams("ipfs://node", modes, measurement, 8, prices), models);
        vm.stopPrank();
        return id;
    }

    /// @notice Design: "total supply ... only ever goes down (burns)": by exactly the protocol fees burned.
    function invariant_totalSupplyOnlyGoesDown() public view {
        _assertTotalSupplyOnlyGoesDown();
    }

    /// @notice Design: "escrow holds exactly the sum of payer balances (plus locked request fees)", every payment split
    /// exactly, and the node fees handed to staking all there.
    function invariant_escrowHoldsExactlyPayerBalancesPlusLockedFees() public view {
        _assertEscrowHoldsExactlyPayerBalancesPlusLockedFees();
        _assertThawingNeverExceedsBalance();
        _assertPaymentsSplitExactlyIntoTheirShares();
        _assertStakingHoldsExactlyStakedPlusFees();
    }

    /// @notice Design: "a voucher pays at most its cumulative amount once: redeemed(payer, node) never decreases and
    /// never exceeds the largest signed cumulative amount; a voucher for another chain or contract never pays."
    function invariant_voucherPaysAtMostItsCumulativeAmountOnce() public view {
        _assertVoucherPaysAtMostItsCumulativeAmountOnce();
        _assertForeignVoucherNeverPays();
        _assertSelfDealingNeverPays();
    }

    /// @notice Design: "a payer's withdrawal never takes funds owed to a node for a voucher signed before the thaw began."
    function invariant_withdrawalNeverTakesFundsOwedForEarlierVouchers() public view {
        _assertWithdrawalNeverTakesFundsOwedForEarlierVouchers();
    }

    /// @notice Design: "a request pays its node at most once, or refunds its payer at most once, never both."
    function invariant_requestPaysOrRefundsAtMostOnce() public view {
        _assertRequestPaysOrRefundsAtMostOnce();
    }

    /*//////////////////////////////////////////////////////////////////////////
                                  EVERY TOKEN
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice The escrow holds exactly the payers' balances plus the fee caps locked in open requests, plus what
    /// payments owe nodes, model owners and the protocol and has not yet been collected.
    function _assertEscrowHoldsExactlyPayerBalancesPlusLockedFees() internal view {
        uint256 sum = s.escrow.protocolFeesPending();
        for (uint256 i; i < handler.payerCount(); ++i) sum += _held(handler.payers(i));
        sum += _lockedCaps(address(0));
        for (uint256 i; i < handler.ownerCount(); ++i) sum += s.escrow.royaltiesOf(handler.owners(i));
        assertEq(s.token.balanceOf(address(s.escrow)), sum, "escrow != balances + escrows + locked caps + owed fees");
    }

    /// @notice A thaw never covers more than the balance.
    function _assertThawingNeverExceedsBalance() internal view {
        for (uint256 i; i < handler.payerCount(); ++i) {
            for (uint256 j; j < handler.operatorCount(); ++j) {
                Payments.Account memory a = s.escrow.getEscrow(handler.payers(i), handler.operators(j));
                assertLe(a.thawing, a.balance, "thawing > balance");
            }
        }
    }

    /// @notice What each payer spent (deposited - withdrawn - balance - its locked caps) is exactly what it paid
    /// nodes, and every payment was split into node share, royalty and protocol fee adding up to the gross.
    function _assertPaymentsSplitExactlyIntoTheirShares() internal view {
        assertEq(handler.violations("split"), 0, handler.firstViolation("split"));
        for (uint256 i; i < handler.payerCount(); ++i) {
            address payer = handler.payers(i);
            uint256 spent = handler.deposited(payer) - handler.withdrawn(payer) - _held(payer) - _lockedCaps(payer);
            assertEq(spent, handler.gross(payer), "a payer's spending != what it paid nodes");
        }
        uint256 owed =
            s.escrow.protocolFeesPending() +
                handler.ghostNodeFeesCollected() +
                handler.ghostRoyaltiesCollected() +
                handler.ghostFlushed();
        for (uint256 i; i < handler.ownerCount(); ++i) owed += s.escrow.royaltiesOf(handler.owners(i));
        assertEq(owed, handler.ghostGross(), "node shares + royalties + protocol fees != gross paid");
        assertEq(handler.violations("collect"), 0, handler.firstViolation("collect"));
    }

    /*//////////////////////////////////////////////////////////////////////////
                                     VOUCHERS
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice For every channel, redeemed never decreases (checked after every action) and never exceeds the
    /// largest cumulative amount its payer signed.
    function _assertVoucherPaysAtMostItsCumulativeAmountOnce() internal view {
        assertEq(handler.violations("channel"), 0, handler.firstViolation("channel"));
        for (uint256 i; i < handler.channelCount(); ++i) {
            (address payer, uint256 nodeId, bytes32 modelId, Nodes.Mode mode) = handler.channels(i);
            uint256 redeemed = s.escrow.redeemedOf(payer, nodeId, modelId, mode);
            assertLe(redeemed, handler.maxSigned(handler.channelKey(i)), "redeemed > largest signed cumulative");
            assertGe(redeemed, handler.lastRedeemed(handler.channelKey(i)), "redeemed went down");
        }
        assertEq(handler.violations("voucher"), 0, handler.firstViolation("voucher"));
    }

    /// @notice A voucher signed for another chain or another contract, or changed after signing, never pays.
    function _assertForeignVoucherNeverPays() internal view {
        assertEq(handler.violations("foreign"), 0, handler.firstViolation("foreign"));
    }

    /// @notice A payer who is also the node's operator is never paid by its own voucher or request.
    function _assertSelfDealingNeverPays() internal view {
        assertEq(handler.violations("selfDealing"), 0, handler.firstViolation("selfDealing"));
    }

    /// @notice A payer's withdrawal never takes funds owed to a node for a voucher signed before the thaw began:
    /// such a voucher was always paid min(owed, whole balance), and a withdrawal pays only what is left of the thaw.
    function _assertWithdrawalNeverTakesFundsOwedForEarlierVouchers() internal view {
        assertEq(handler.violations("voucher"), 0, handler.firstViolation("voucher"));
        assertEq(handler.violations("withdraw"), 0, handler.firstViolation("withdraw"));
    }

    /*//////////////////////////////////////////////////////////////////////////
                                     REQUESTS
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice A request pays its node at most once, or refunds its payer at most once, never both; its stored
    /// status says which.
    function _assertRequestPaysOrRefundsAtMostOnce() internal view {
        assertEq(handler.violations("request"), 0, handler.firstViolation("request"));
        for (uint256 i; i < handler.requestCount(); ++i) {
            uint256 id = handler.requestIds(i);
            uint256 paid = handler.fulfilled(id);
            uint256 refunded = handler.reclaimed(id);
            assertLe(paid + refunded, 1, "a request paid and refunded, or either twice");
            Payments.RequestStatus status = s.escrow.getRequest(id).status;
            if (paid == 1) assertTrue(status == Payments.RequestStatus.Fulfilled, "paid but not Fulfilled");
            else if (refunded == 1) assertTrue(status == Payments.RequestStatus.Reclaimed, "refunded, not Reclaimed");
            else assertTrue(status == Payments.RequestStatus.Open, "neither paid nor refunded, but not Open");
        }
    }

    /*//////////////////////////////////////////////////////////////////////////
                                  SUPPLY AND STAKING
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice The supply went down by exactly the protocol fees burned, and nothing minted.
    function _assertTotalSupplyOnlyGoesDown() internal view {
        assertEq(
            s.token.totalSupply(),
            SystemDeploy.GENESIS_SUPPLY - handler.ghostFlushed(),
            "total supply != genesis - fees burned"
        );
    }

    /// @notice Node fees handed to staking are all there: staking holds staked + thawing + rewards + fees - claims.
    function _assertStakingHoldsExactlyStakedPlusFees() internal view {
        assertEq(s.staking.feesDistributed(), handler.ghostNodeFeesCollected(), "fees credited != node shares paid");
        uint256 expected =
            s.staking.totalActiveStake() +
                s.staking.totalThawingStake() +
                SystemDeploy.REWARDS_TOTAL +
                s.staking.feesDistributed() -
                s.staking.rewardsClaimed();
        assertEq(s.token.balanceOf(address(s.staking)), expected, "staking balance != staked + rewards + fees");
    }

    /// @dev A payer's free balance and its escrows with every operator.
    function _held(address payer) internal view returns (uint256 sum) {
        sum = s.escrow.balanceOf(payer);
        for (uint256 j; j < handler.operatorCount(); ++j)
            sum += s.escrow.getEscrow(payer, handler.operators(j)).balance;
    }

    /// @dev The caps of open requests: of one payer, or of all with zero.
    function _lockedCaps(address payer) internal view returns (uint256 sum) {
        for (uint256 i; i < handler.requestCount(); ++i) {
            Payments.Request memory r = s.escrow.getRequest(handler.requestIds(i));
            if (r.status == Payments.RequestStatus.Open && (payer == address(0) || r.payer == payer)) sum += r.feeCap;
        }
    }
}
