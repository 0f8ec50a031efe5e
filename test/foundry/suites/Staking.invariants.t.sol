// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Stakes} from "@opg/types/Stakes.sol";
import {Nodes} from "@opg/types/Nodes.sol";
import {Proofs} from "@opg/types/Proofs.sol";
import {MockProofVerifier} from "@opg/test/MockProofVerifier.sol";

import {Test} from "../utils/Test.sol";
import {System, SystemDeploy} from "../utils/System.sol";
import {StakingHandler} from "../handlers/StakingHandler.sol";

/// @title Staking, nodes and slashing invariants
/// @notice the design: "staking holds exactly staked + thawing" (plus the rewards allocation not yet paid and
/// the node fees not yet claimed), "a slashed operator loses exactly the slashed amount, split as configured; no one
/// else loses anything", the slash bound (at most maxSlashPpm of the slashable stake), and "total supply ... only ever
/// goes down", after every call of a random sequence of staking, node, proof and dispute actions.
contract StakingInvariants is Test {
    System internal s;
    StakingHandler internal handler;
    address[] internal operators;
    address[] internal delegators;

    function setUp() public {
        s = SystemDeploy.deploy(vm, address(0x7EA5));
        for (uint256 i; i < 3; ++i) operators.push(address(uint160(0x0BE7A70E0 + i)));
        for (uint256 i; i < 3; ++i) delegators.push(address(uint160(0xDE1E9A7E0 + i)));
        address challenger = address(0xC4A11E0);
        bytes32 measurement = keccak256("enclave measurement");
        bytes32[] memory models = new bytes32[](2);
        models[0] = keccak256("model A weights");
        models[1] = keccak256("model B weights");
        SystemDeploy.registerModel(s, vm, address(0x30DE1), models[0], "ipfs://a", 50_000);
        SystemDeploy.registerModel(s, vm, address(0x30DE1), models[1], "ipfs://b", 0);
        s.nodes.setTeeMeasurementApproval(measurement, true);
        s.proofs.setVerifier(Nodes.Mode.Zk, new MockProofVerifier());

        handler = new StakingHandler(s, operators, delegators, challenger, models, measurement);
        s.staking.grantRole(s.staking.DEFAULT_ADMIN_ROLE(), address(handler));
        s.proofs.grantRole(s.proofs.DEFAULT_ADMIN_ROLE(), address(handler));
        s.proofs.grantRole(s.proofs.ARBITER_ROLE(), address(handler));
        s.nodes.grantRole(s.nodes.JAILER_ROLE(), address(handler));

        s.token.transfer(address(handler), 200_000_000e18);
        for (uint256 i; i < 3; ++i) {
            _fund(operators[i], 5_000_000e18);
            _fund(delegators[i], 5_000_000e18);
        }
        _fund(challenger, 10_000_000e18);
        // Runs start with an operator staked, a node and a delegation to act on.
        handler.stake(0, 100_000e18);
        handler.stake(1, 60_000e18);
        handler.registerNode(0, 1, 1e18);
        handler.registerNode(1, 4, 1e18);
        handler.delegate(0, 0, 20_000e18);

        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](21);
        selectors[0] = handler.stake.selector;
        selectors[1] = handler.unstake.selector;
        selectors[2] = handler.delegate.selector;
        selectors[3] = handler.undelegate.selector;
        selectors[4] = handler.withdraw.selector;
        selectors[5] = handler.claim.selector;
        selectors[6] = handler.creditFees.selector;
        selectors[7] = handler.setCut.selector;
        selectors[8] = handler.applyCut.selector;
        selectors[9] = handler.registerNode.selector;
        selectors[10] = handler.heartbeat.selector;
        selectors[11] = handler.deregisterNode.selector;
        selectors[12] = handler.jailNode.selector;
        selectors[13] = handler.commitRecord.selector;
        selectors[14] = handler.commitBatch.selector;
        selectors[15] = handler.challenge.selector;
        selectors[16] = handler.resolve.selector;
        selectors[17] = handler.setParameter.selector;
        selectors[18] = handler.warp.selector;
        selectors[19] = handler.challenge.selector; // twice as often: slashes are what this suite is about
        selectors[20] = handler.expire.selector;
        targetSelector(FuzzSelector(address(handler), selectors));
    }

    function _fund(address account, uint256 amount) internal {
        s.token.transfer(account, amount);
        vm.startPrank(account);
        s.token.approve(address(s.staking), type(uint256).max);
        s.token.approve(address(s.proofs), type(uint256).max);
        vm.stopPrank();
    }

    /// @notice Design: "total supply ... only ever goes down (burns); nothing can mint": by exactly what slashes and
    /// failed challenges' bonds burned.
    function invariant_totalSupplyOnlyGoesDown() public view {
        _assertTotalSupplyOnlyGoesDown();
    }

    /// @notice Design: "staking holds exactly staked + thawing" (plus the rewards allocation and the fees paid in, less
    /// claims), with the totals, pools, rewards and principal of every staker adding up.
    function invariant_stakingHoldsExactlyStakedPlusThawing() public view {
        _assertStakingHoldsExactlyStakedPlusThawing();
        _assertTotalsAreTheSumOfPools();
        _assertPoolsCoverEveryPosition();
        _assertRewardsNeverExceedTheStream();
        _assertStakersNeverWithdrawMoreThanDeposited();
    }

    /// @notice Design: "a slashed operator loses exactly the slashed amount, split as configured; no one else loses
    /// anything", and no slash exceeds its bound.
    function invariant_slashedOperatorLosesExactlyTheSlash() public view {
        _assertSlashedOperatorLosesExactlyTheSlash();
        _assertSlashNeverExceedsItsBound();
    }

    /*//////////////////////////////////////////////////////////////////////////
                                  EVERY TOKEN
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice Staking holds exactly the active and thawing stake, plus the rewards allocation and the node fees paid
    /// in, less what was claimed.
    function _assertStakingHoldsExactlyStakedPlusThawing() internal view {
        uint256 expected =
            s.staking.totalActiveStake() +
                s.staking.totalThawingStake() +
                SystemDeploy.REWARDS_TOTAL +
                s.staking.feesDistributed() -
                s.staking.rewardsClaimed();
        assertEq(s.token.balanceOf(address(s.staking)), expected, "staking balance != staked + thawing + rewards");
        assertEq(s.staking.feesDistributed(), handler.ghostFees(), "feesDistributed != fees paid in");
        assertEq(s.staking.rewardsClaimed(), handler.ghostClaimed(), "rewardsClaimed != claims paid");
    }

    /// @notice The totals are the operators' pools: active == own + delegated; thawing == own + delegated thawing.
    function _assertTotalsAreTheSumOfPools() internal view {
        uint256 active;
        uint256 thawing;
        for (uint256 i; i < operators.length; ++i) {
            Stakes.Operator memory o = s.staking.getOperator(operators[i]);
            assertEq(s.staking.activeStakeOf(operators[i]), uint256(o.ownActive) + o.delegated.tokens, "active");
            (uint256 own, uint256 delegated) = s.staking.stakeOf(operators[i]);
            assertEq(own, o.ownActive, "stakeOf's own != ownActive");
            assertEq(delegated, o.delegated.tokens, "stakeOf's delegated != the delegated pool");
            assertEq(
                s.staking.slashableStakeOf(operators[i]),
                uint256(o.ownActive) + o.ownThawing.tokens + o.delegated.tokens + o.delegatedThawing.tokens,
                "slashableStakeOf != own and delegated, active and thawing"
            );
            active += uint256(o.ownActive) + o.delegated.tokens;
            thawing += uint256(o.ownThawing.tokens) + o.delegatedThawing.tokens;
        }
        assertEq(s.staking.totalActiveStake(), active, "totalActiveStake != sum of active pools");
        assertEq(s.staking.totalThawingStake(), thawing, "totalThawingStake != sum of thawing pools");
    }

    /// @notice Shares add up: the delegators' shares are the pool's; their value, and the value of their thaw
    /// requests, never exceed the pool's tokens and fall short of them by less than a wei per position (each value
    /// rounds down once); an operator's own thaw requests are worth exactly its thawing pool.
    function _assertPoolsCoverEveryPosition() internal view {
        for (uint256 i; i < operators.length; ++i) {
            address op = operators[i];
            Stakes.Operator memory o = s.staking.getOperator(op);
            uint256 shares;
            uint256 value;
            uint256 thawing;
            uint256 requests;
            for (uint256 j; j < delegators.length; ++j) {
                (uint256 sh, uint256 tokens, ) = s.staking.getDelegation(op, delegators[j]);
                shares += sh;
                value += tokens;
                thawing += _requestsValue(delegators[j], op);
                (uint256[] memory ids, , ) = s.staking.thawRequestsOf(delegators[j], op);
                requests += ids.length;
            }
            assertEq(shares, o.delegated.shares, "delegators' shares != pool shares");
            assertLe(value, o.delegated.tokens, "delegations worth more than the pool");
            assertLe(
                o.delegated.tokens - value,
                delegators.length - 1,
                "delegated pool short of its positions by more than dust"
            );
            assertLe(thawing, o.delegatedThawing.tokens, "delegators' thaw requests worth more than the pool");
            assertLe(
                o.delegatedThawing.tokens - thawing,
                requests,
                "delegated thawing pool short of its requests by more than dust"
            );
            assertEq(_requestsValue(op, op), o.ownThawing.tokens, "own thaw requests != own thawing pool");
        }
    }

    function _requestsValue(address staker, address op) internal view returns (uint256 sum) {
        (, uint256[] memory amounts, ) = s.staking.thawRequestsOf(staker, op);
        for (uint256 k; k < amounts.length; ++k) sum += amounts[k];
    }

    /*//////////////////////////////////////////////////////////////////////////
                                    REWARDS
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice Rewards: what is claimed and claimable never exceeds what the stream emitted plus the fees paid in;
    /// the stream's books add up to what it emitted, never more than the allocation.
    function _assertRewardsNeverExceedTheStream() internal view {
        uint256 emitted = s.staking.rewardsEmittedAt(s.staking.lastRewardUpdate());
        assertEq(s.staking.rewardsAllocated() + s.staking.rewardsUnallocated(), emitted, "allocated + unallocated");
        assertLe(emitted, SystemDeploy.REWARDS_TOTAL, "emitted more than the allocation");
        uint256 owed = s.staking.rewardsClaimed();
        for (uint256 i; i < operators.length; ++i) {
            owed += s.staking.claimableRewards(operators[i], operators[i]);
            for (uint256 j; j < delegators.length; ++j) {
                owed += s.staking.claimableRewards(delegators[j], operators[i]);
            }
        }
        uint256 available =
            s.staking.rewardsEmittedAt(uint64(block.timestamp)) -
                s.staking.rewardsUnallocated() +
                s.staking.feesDistributed();
        assertLe(owed, available, "claimed + claimable > emitted to stake + fees");
        // And nothing is lost but rounding: what the stream allocated (and, with stake to receive it, emitted since
        // the last update) plus the fees the operators' streams have released reaches the stakers, short by a few
        // wei per action.
        uint256 released = s.staking.rewardsAllocated() + s.staking.feesDistributed();
        if (s.staking.totalActiveStake() > 0) released += s.staking.rewardsEmittedAt(uint64(block.timestamp)) - emitted;
        for (uint256 i; i < operators.length; ++i) released -= s.staking.feesStreamingOf(operators[i]);
        assertLe(owed, released, "claimed + claimable > allocated + fees released");
        assertLe(released - owed, 4 * handler.totalCalls() + 20, "rewards lost beyond rounding");
    }

    /// @notice No staker ever takes out more principal than it put in. All stakers together: what they took out plus
    /// what they still hold never exceeds what they put in. One staker: it may also hold the rounding dust that
    /// others' share-priced actions left in a pool it shares (at most a wei per such action, since a share is never
    /// worth more than a token), and nothing more. (The long campaign found a delegator 1 wei above its deposit
    /// after a slash and a few delegations: dust from the other delegators' rounding, which this bound admits.)
    function _assertStakersNeverWithdrawMoreThanDeposited() internal view {
        uint256 dust = handler.ghostShareActions();
        uint256 allOut;
        uint256 allIn;
        for (uint256 i; i < operators.length; ++i) {
            address op = operators[i];
            uint256 held = _operatorHolds(op);
            assertLe(handler.withdrawn(op) + held, handler.deposited(op) + dust, "operator out + held > in + dust");
            allOut += handler.withdrawn(op) + held;
            allIn += handler.deposited(op);
        }
        for (uint256 j; j < delegators.length; ++j) {
            address d = delegators[j];
            uint256 held = _delegatorHolds(d);
            assertLe(handler.withdrawn(d) + held, handler.deposited(d) + dust, "delegator out + held > in + dust");
            allOut += handler.withdrawn(d) + held;
            allIn += handler.deposited(d);
        }
        assertLe(allOut, allIn, "stakers together took out + hold more than they put in");
        // Until a slash, every share is worth a token and nothing rounds: each staker holds or took out exactly what
        // it put in.
        if (handler.ghostSlashes() == 0) {
            for (uint256 i; i < operators.length; ++i) {
                address op = operators[i];
                assertEq(handler.withdrawn(op) + _operatorHolds(op), handler.deposited(op), "unslashed operator");
            }
            for (uint256 j; j < delegators.length; ++j) {
                address d = delegators[j];
                assertEq(handler.withdrawn(d) + _delegatorHolds(d), handler.deposited(d), "unslashed delegator");
            }
        }
        assertEq(handler.violations("withdraw"), 0, handler.firstViolation("withdraw"));
        assertEq(handler.violations("claim"), 0, handler.firstViolation("claim"));
    }

    /// @dev An operator's own stake, active and thawing.
    function _operatorHolds(address op) internal view returns (uint256) {
        return s.staking.getOperator(op).ownActive + _requestsValue(op, op);
    }

    /// @dev A delegator's delegations and thaw requests with every operator.
    function _delegatorHolds(address d) internal view returns (uint256 held) {
        for (uint256 i; i < operators.length; ++i) {
            (, uint256 tokens, ) = s.staking.getDelegation(operators[i], d);
            held += tokens + _requestsValue(d, operators[i]);
        }
    }

    /*//////////////////////////////////////////////////////////////////////////
                                    SLASHING
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice Every upheld challenge took exactly the slash from the node's operator (own stake first, then
    /// delegated, active and thawing; plus only the dust of a thawing pool it emptied), gave the challenger its share
    /// and its bond and burned the rest; no other operator lost anything; a rejected or expired one burned its bond.
    function _assertSlashedOperatorLosesExactlyTheSlash() internal view {
        assertEq(handler.violations("slash"), 0, handler.firstViolation("slash"));
        assertEq(handler.violations("bond"), 0, handler.firstViolation("bond"));
        // The registry holds exactly the bonds of the pending challenges.
        assertEq(s.token.balanceOf(address(s.proofs)), handler.ghostBonds(), "registry != pending bonds");
    }

    /// @notice "while a challenge is pending, the stake it can slash stays in Staking": each operator's pending slashes
    /// are the sum of its pending challenges' slashes, its lock that sum up to its slashable stake, never above it;
    /// every decision's events equal the
    /// movements (challenger's balance delta == toChallenger, supply drop == slashed - toChallenger).
    function invariant_pendingChallengeKeepsItsStakeInStaking() public view {
        assertEq(handler.violations("lock"), 0, handler.firstViolation("lock"));
        assertEq(handler.violations("events"), 0, handler.firstViolation("events"));
        for (uint256 i; i < operators.length; ++i) {
            uint256 locked;
            for (uint256 j; j < handler.pendingCount(); ++j) {
                Proofs.Challenge memory c = s.proofs.getChallenge(handler.pendingChallenges(j));
                (address op, ) = s.nodes.nodeOperatorOf(c.nodeId);
                if (op == operators[i]) locked += c.lockedStake;
            }
            uint256 slashable = s.staking.slashableStakeOf(operators[i]);
            assertEq(s.staking.pendingSlashOf(operators[i]), locked, "pendingSlashOf != sum of pending slashes");
            assertEq(
                s.staking.lockedStakeOf(operators[i]),
                locked < slashable ? locked : slashable,
                "lockedStakeOf != min(pending slashes, slashable)"
            );
            assertLe(s.staking.lockedStakeOf(operators[i]), slashable, "lockedStakeOf > slashableStakeOf");
        }
    }

    /// @notice "a delegator never pays a cut above what it accepted": a delegation goes through only when the cut in
    /// force and any higher cut scheduled are within its bound.
    function invariant_delegatorNeverAcceptsACutAboveItsBound() public view {
        assertEq(handler.violations("cut"), 0, handler.firstViolation("cut"));
    }

    /// @notice No slash exceeded its bound: maxSlashPpm (<= 10%) of the operator's slashable stake.
    function _assertSlashNeverExceedsItsBound() internal view {
        assertEq(handler.violations("slashBound"), 0, handler.firstViolation("slashBound"));
        assertLe(s.staking.maxSlashPpm(), 100_000, "maxSlashPpm above 10%");
        assertLe(s.staking.challengerSharePpm(), 500_000, "challenger share above 50%");
    }

    /// @notice The supply went down by exactly what slashes and the bonds of failed challenges burned, and nothing
    /// else.
    function _assertTotalSupplyOnlyGoesDown() internal view {
        assertEq(
            s.token.totalSupply(),
            SystemDeploy.GENESIS_SUPPLY - handler.ghostBurned(),
            "total supply != genesis - burned by slashes and failed bonds"
        );
    }
}
