// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";

import {Vesting} from "@opg/types/Vesting.sol";
import {VestingMath} from "@opg/libraries/VestingMath.sol";

import {Test} from "../utils/Test.sol";
import {System, SystemDeploy} from "../utils/System.sol";
import {TokenVestingHandler} from "../handlers/TokenVestingHandler.sol";

/// @title Token and vesting invariants
/// @notice the design: "total supply is 1,000,000,000 OPG at genesis and only ever goes down (burns); nothing
/// can mint", "vesting holds exactly the sum of unreleased schedule amounts", and "for every schedule, at every
/// time: released <= vested(t) <= total; vested is monotone in t; vested(t) equals the closed-form schedule;
/// vested(end) == total", after every call of a random sequence of token and vesting actions.
contract TokenVestingInvariants is Test {
    using Strings for uint256;

    System internal s;
    TokenVestingHandler internal handler;

    function setUp() public {
        s = SystemDeploy.deploy(vm, address(0x7EA5));
        uint256[] memory keys = new uint256[](4);
        for (uint256 i; i < 4; ++i) keys[i] = 0xA11CE + i;
        address[] memory delegatees = new address[](3);
        for (uint256 i; i < 3; ++i) delegatees[i] = address(uint160(0xDE1E6A7E0 + i));
        handler = new TokenVestingHandler(s, keys, delegatees);

        s.vesting.grantRole(s.vesting.SCHEDULE_CREATOR_ROLE(), address(handler));
        s.vesting.grantRole(s.vesting.REVOKER_ROLE(), address(handler));
        s.token.transfer(address(handler), 500_000_000e18);
        for (uint256 i; i < 4; ++i) s.token.transfer(handler.actors(i), 50_000_000e18);
        vm.prank(address(handler));
        s.token.approve(address(s.vesting), type(uint256).max);

        targetContract(address(handler));
        bytes4[] memory selectors = new bytes4[](15);
        selectors[0] = handler.transfer.selector;
        selectors[1] = handler.approveAndTransferFrom.selector;
        selectors[2] = handler.permitAndTransferFrom.selector;
        selectors[3] = handler.burn.selector;
        selectors[4] = handler.burnFrom.selector;
        selectors[5] = handler.delegateVotes.selector;
        selectors[6] = handler.createSchedule.selector;
        selectors[7] = handler.createBatch.selector;
        selectors[8] = handler.release.selector;
        selectors[9] = handler.revoke.selector;
        selectors[10] = handler.transferSchedule.selector;
        selectors[11] = handler.delegateLocked.selector;
        selectors[12] = handler.warp.selector;
        selectors[13] = handler.warpToEdge.selector;
        selectors[14] = handler.release.selector; // releases twice as often: the race with revocation
        targetSelector(FuzzSelector(address(handler), selectors));
    }

    /// @notice Design: "total supply is 1,000,000,000 OPG at genesis and only ever goes down (burns); nothing can mint."
    /// forge-config: long.invariant.runs = 67
    function invariant_totalSupplyOnlyGoesDown() public view {
        _assertTotalSupplyOnlyGoesDown();
        _assertNothingMintsEveryTokenIsSomewhere();
    }

    /// @notice Design: "vesting holds exactly the sum of unreleased schedule amounts" (in the vault and its voting vaults).
    /// forge-config: long.invariant.runs = 67
    function invariant_vestingHoldsExactlyUnreleased() public view {
        _assertVestingHoldsExactlyUnreleased();
        _assertLockedVotesFollowDelegation();
        _assertActionsMoveExactAmounts();
    }

    /// @notice Design: "for every schedule, at every time: released <= vested(t) <= total; vested is monotone in t;
    /// vested(t) equals the closed-form schedule; vested(end) == total" (and a revocation never takes what vested).
    /// forge-config: long.invariant.runs = 67
    function invariant_releasedLeVestedLeTotalMonotoneClosedForm() public view {
        _assertReleasedLeVestedLeTotal();
        _assertVestedMonotoneInTime();
        _assertVestedEqualsClosedForm();
        _assertRevocationNeverTakesVested();
    }

    /*//////////////////////////////////////////////////////////////////////////
                                    SUPPLY
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice Total supply is the genesis supply less what was burned: it only ever goes down.
    function _assertTotalSupplyOnlyGoesDown() internal view {
        assertEq(
            s.token.totalSupply(),
            SystemDeploy.GENESIS_SUPPLY - handler.ghostBurned(),
            "total supply != genesis - burned"
        );
    }

    /// @notice Nothing can mint: every token is with a known holder, and the holders add up to the supply.
    function _assertNothingMintsEveryTokenIsSomewhere() internal view {
        uint256 sum =
            s.token.balanceOf(address(this)) +
                s.token.balanceOf(address(handler)) +
                s.token.balanceOf(address(s.vesting)) +
                s.token.balanceOf(s.params.treasury) +
                s.token.balanceOf(address(s.staking));
        for (uint256 i; i < handler.actorCount(); ++i) sum += s.token.balanceOf(handler.actors(i));
        for (uint256 i; i < handler.delegateeCount(); ++i) {
            sum += s.token.balanceOf(s.vesting.votingVaultOf(handler.delegatees(i)));
        }
        assertEq(sum, s.token.totalSupply(), "known holders != total supply");
    }

    /*//////////////////////////////////////////////////////////////////////////
                                    VESTING
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice The vault and its voting vaults hold exactly the sum of the schedules' unreleased amounts.
    function _assertVestingHoldsExactlyUnreleased() internal view {
        uint256 held = s.token.balanceOf(address(s.vesting));
        for (uint256 i; i < handler.delegateeCount(); ++i) {
            held += s.token.balanceOf(s.vesting.votingVaultOf(handler.delegatees(i)));
        }
        uint256 unreleased;
        for (uint256 i; i < handler.scheduleCount(); ++i) {
            Vesting.Schedule memory v = s.vesting.getSchedule(handler.scheduleIds(i));
            unreleased += uint256(v.total) - v.released - v.refunded;
            assertEq(s.vesting.lockedOf(handler.scheduleIds(i)), uint256(v.total) - v.released - v.refunded, "locked");
        }
        assertEq(held, unreleased, "vesting holds != sum of unreleased schedule amounts");
        assertEq(
            unreleased,
            handler.ghostCreated() - handler.ghostReleased() - handler.ghostRefunded(),
            "sum of unreleased != created - released - refunded"
        );
    }

    /// @notice Each voting vault holds exactly the locked tokens of the schedules delegated to its delegatee, and
    /// the delegatee's votes are exactly those tokens.
    function _assertLockedVotesFollowDelegation() internal view {
        for (uint256 d; d < handler.delegateeCount(); ++d) {
            address delegatee = handler.delegatees(d);
            uint256 locked;
            for (uint256 i; i < handler.scheduleCount(); ++i) {
                uint256 id = handler.scheduleIds(i);
                Vesting.Schedule memory v = s.vesting.getSchedule(id);
                if (v.delegatee == delegatee) locked += s.vesting.lockedOf(id);
            }
            uint256 vault = s.token.balanceOf(s.vesting.votingVaultOf(delegatee));
            assertEq(vault, locked, "voting vault != locked tokens delegated to it");
            assertEq(s.token.getVotes(delegatee), locked, "delegatee's votes != locked tokens delegated to it");
        }
    }

    /// @notice released <= vested(now) <= total, for every schedule.
    function _assertReleasedLeVestedLeTotal() internal view {
        for (uint256 i; i < handler.scheduleCount(); ++i) {
            uint256 id = handler.scheduleIds(i);
            Vesting.Schedule memory v = s.vesting.getSchedule(id);
            uint256 vested = s.vesting.vestedAt(id, uint40(block.timestamp));
            assertLe(v.released, vested, string.concat("released > vested, schedule ", id.toString()));
            assertLe(vested, v.total, string.concat("vested > total, schedule ", id.toString()));
            assertEq(s.vesting.releasableOf(id), vested - v.released, "releasable != vested - released");
        }
    }

    /// @notice vested is monotone in t: checked by the handler after every action, and here across the schedule's
    /// edges (before the start, at it, around the cliff and the end, now, and far later).
    function _assertVestedMonotoneInTime() internal view {
        assertEq(handler.violations("monotone"), 0, handler.firstViolation("monotone"));
        for (uint256 i; i < handler.scheduleCount(); ++i) {
            uint256 id = handler.scheduleIds(i);
            Vesting.Schedule memory v = s.vesting.getSchedule(id);
            uint40[9] memory times = [
                v.start - 1,
                v.start,
                v.cliff - 1,
                v.cliff,
                v.cliff + 1,
                (v.cliff + v.end) / 2,
                v.end - 1,
                v.end,
                v.end + 365 days
            ];
            uint256 previous;
            uint40 last;
            for (uint256 k; k < times.length; ++k) {
                // The points are sorted except where a short phase puts a "-1" or the midpoint before a point already
                // checked (the long campaign met a 1-second vesting period): only later times are compared.
                if (times[k] < last) continue;
                uint256 vested = s.vesting.vestedAt(id, times[k]);
                assertGe(vested, previous, string.concat("vested not monotone, schedule ", id.toString()));
                previous = vested;
                last = times[k];
            }
        }
    }

    /// @notice vested(t) equals the closed-form schedule at now and at the edges, capped at revocation; vested(end)
    /// is the total (less what a revocation refunded).
    function _assertVestedEqualsClosedForm() internal view {
        for (uint256 i; i < handler.scheduleCount(); ++i) {
            uint256 id = handler.scheduleIds(i);
            Vesting.Schedule memory v = s.vesting.getSchedule(id);
            uint40[5] memory times = [uint40(block.timestamp), v.start, v.cliff, (v.cliff + v.end) / 2, v.end];
            for (uint256 k; k < times.length; ++k) {
                uint256 expected = closedForm(v, times[k]);
                if (v.revoked && expected > v.total - v.refunded) expected = v.total - v.refunded;
                assertEq(s.vesting.vestedAt(id, times[k]), expected, "vested != closed form");
            }
            assertEq(s.vesting.vestedAt(id, v.end), v.total - v.refunded, "vested(end) != total - refunded");
        }
    }

    /// @notice A revocation refunds exactly the unvested part at its time, and what had vested stays the
    /// beneficiary's.
    function _assertRevocationNeverTakesVested() internal view {
        assertEq(handler.violations("revoke"), 0, handler.firstViolation("revoke"));
        for (uint256 i; i < handler.scheduleCount(); ++i) {
            uint256 id = handler.scheduleIds(i);
            Vesting.Schedule memory v = s.vesting.getSchedule(id);
            if (!v.revoked) {
                assertEq(v.refunded, 0, "refunded without a revocation");
                continue;
            }
            assertEq(v.refunded + closedForm(v, handler.revokedAt(id)), v.total, "refunded != total - vested");
        }
    }

    /// @notice Every release paid exactly what was releasable, to the beneficiary; transfers and allowances moved
    /// exactly what they said; creating a schedule pulled exactly its total.
    function _assertActionsMoveExactAmounts() internal view {
        assertEq(handler.violations("release"), 0, handler.firstViolation("release"));
        assertEq(handler.violations("token"), 0, handler.firstViolation("token"));
        assertEq(handler.violations("create"), 0, handler.firstViolation("create"));
    }

    /// @notice The schedule's curve written out: nothing before the start, the unlock from the start, and from the
    /// cliff the rest in proportion to the time (or the whole months) elapsed, all of it from the end.
    function closedForm(Vesting.Schedule memory v, uint40 t) internal pure returns (uint256) {
        if (t < v.start) return 0;
        if (t >= v.end) return v.total;
        if (t < v.cliff) return v.unlockedAtStart;
        uint256 elapsed = t - v.cliff;
        if (v.shape == Vesting.Shape.Monthly) elapsed = (elapsed / VestingMath.MONTH) * VestingMath.MONTH;
        return v.unlockedAtStart + (uint256(v.total - v.unlockedAtStart) * elapsed) / (v.end - v.cliff);
    }
}
