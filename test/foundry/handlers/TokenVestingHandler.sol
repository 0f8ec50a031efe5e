// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";

import {OPG} from "@opg/token/OPG.sol";
import {VestingVault} from "@opg/vesting/VestingVault.sol";
import {Vesting} from "@opg/types/Vesting.sol";
import {VestingMath} from "@opg/libraries/VestingMath.sol";

import {Handler} from "../utils/Handler.sol";
import {System} from "../utils/System.sol";

/// @notice Drives the token and the vesting vault: transfers, allowances, permits, burns, vote delegation; schedules
/// created alone and in batches, released, revoked, handed on and delegated; time passing, also to the exact second
/// around a schedule's start, cliff and end. It holds the schedule creator and revoker roles.
contract TokenVestingHandler is Handler {
    using Strings for uint256;

    uint256 public constant MAX_SCHEDULES = 40;
    uint40 internal constant MONTH = VestingMath.MONTH;
    bytes32 internal constant PERMIT_TYPEHASH = keccak256(
        "Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"
    );

    OPG public immutable token;
    VestingVault public immutable vesting;
    address public immutable treasury;

    uint256[] internal _keys;
    address[] public actors;
    /// @dev Addresses that only ever receive locked votes: their votes must equal their voting vault's balance.
    address[] public delegatees;
    uint256[] public scheduleIds;

    mapping(uint256 scheduleId => uint40 time) public revokedAt;
    mapping(uint256 scheduleId => uint256 vested) public lastVested;

    uint256 public ghostCreated;
    uint256 public ghostReleased;
    uint256 public ghostRefunded;
    uint256 public ghostBurned;

    constructor(System memory s, uint256[] memory keys, address[] memory delegatees_) {
        token = s.token;
        vesting = s.vesting;
        treasury = s.params.treasury;
        for (uint256 i; i < keys.length; ++i) {
            _keys.push(keys[i]);
            actors.push(vm.addr(keys[i]));
        }
        delegatees = delegatees_;
    }

    function maxWarp() public pure override returns (uint256) {
        return 90 days;
    }

    /// @dev After every action: no schedule's vested amount went down since the last action.
    modifier monotone() {
        _;
        uint256 count = scheduleIds.length;
        for (uint256 i; i < count; ++i) {
            uint256 id = scheduleIds[i];
            uint256 vested = vesting.vestedAt(id, uint40(block.timestamp));
            _check(
                vested >= lastVested[id],
                "monotone",
                string.concat("vested went down for schedule ", id.toString())
            );
            lastVested[id] = vested;
        }
    }

    /*//////////////////////////////////////////////////////////////////////////
                                       TOKEN
    //////////////////////////////////////////////////////////////////////////*/

    function transfer(uint256 fromSeed, uint256 toSeed, uint256 amount) external tick("transfer") {
        address from = _pick(actors, fromSeed);
        address to = _pick(actors, toSeed);
        amount = bound(amount, 0, token.balanceOf(from));
        uint256 before = token.balanceOf(to);
        vm.prank(from);
        token.transfer(to, amount);
        if (from != to) _check(token.balanceOf(to) == before + amount, "token", "transfer moved another amount");
    }

    function approveAndTransferFrom(
        uint256 ownerSeed,
        uint256 spenderSeed,
        uint256 allowance,
        uint256 amount
    ) external tick("transferFrom") {
        address owner = _pick(actors, ownerSeed);
        address spender = _pick(actors, spenderSeed);
        allowance = bound(allowance, 0, token.balanceOf(owner));
        amount = bound(amount, 0, allowance);
        vm.prank(owner);
        token.approve(spender, allowance);
        vm.prank(spender);
        token.transferFrom(owner, spender, amount);
        _check(token.allowance(owner, spender) == allowance - amount, "token", "allowance not spent exactly");
    }

    function permitAndTransferFrom(
        uint256 ownerSeed,
        uint256 spenderSeed,
        uint256 value,
        uint256 amount
    ) external tick("permit") {
        uint256 index = ownerSeed % _keys.length;
        address owner = actors[index];
        address spender = _pick(actors, spenderSeed);
        value = bound(value, 0, token.balanceOf(owner));
        amount = bound(amount, 0, value);
        uint256 deadline = block.timestamp + 1 hours;
        bytes32 structHash = keccak256(
            abi.encode(PERMIT_TYPEHASH, owner, spender, value, token.nonces(owner), deadline)
        );
        bytes32 digest = keccak256(abi.encodePacked("\x19\x01", token.DOMAIN_SEPARATOR(), structHash));
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(_keys[index], digest);
        token.permit(owner, spender, value, deadline, v, r, s);
        vm.prank(spender);
        token.transferFrom(owner, spender, amount);
    }

    function burn(uint256 actorSeed, uint256 amount) external tick("burn") {
        address actor = _pick(actors, actorSeed);
        amount = bound(amount, 0, token.balanceOf(actor));
        vm.prank(actor);
        token.burn(amount);
        ghostBurned += amount;
    }

    function burnFrom(uint256 ownerSeed, uint256 spenderSeed, uint256 amount) external tick("burnFrom") {
        address owner = _pick(actors, ownerSeed);
        address spender = _pick(actors, spenderSeed);
        amount = bound(amount, 0, token.balanceOf(owner));
        vm.prank(owner);
        token.approve(spender, amount);
        vm.prank(spender);
        token.burnFrom(owner, amount);
        ghostBurned += amount;
    }

    function delegateVotes(uint256 actorSeed, uint256 toSeed) external tick("delegateVotes") {
        address actor = _pick(actors, actorSeed);
        vm.prank(actor);
        token.delegate(_pick(actors, toSeed));
    }

    /*//////////////////////////////////////////////////////////////////////////
                                      VESTING
    //////////////////////////////////////////////////////////////////////////*/

    function createSchedule(
        uint256 beneficiarySeed,
        uint256 total,
        uint256 unlocked,
        uint256 startSeed,
        uint256 cliffSeed,
        uint256 lengthSeed,
        bool monthly,
        bool revocable
    ) external tick("createSchedule") monotone {
        if (scheduleIds.length >= MAX_SCHEDULES) return;
        Vesting.CreateParams memory p;
        p.beneficiary = _pick(actors, beneficiarySeed);
        p.total = uint96(bound(total, 1, token.balanceOf(address(this)) / 10));
        p.unlockedAtStart = uint96(bound(unlocked, 0, p.total));
        p.start = uint40(block.timestamp - 365 days + bound(startSeed, 0, 730 days));
        p.cliff = p.start + uint40(bound(cliffSeed, 0, 24 * uint256(MONTH)));
        p.end =
            monthly
                ? p.cliff + uint40(bound(lengthSeed, 0, 72)) * MONTH
                : p.cliff + uint40(bound(lengthSeed, 0, 72 * uint256(MONTH)));
        p.shape = monthly ? Vesting.Shape.Monthly : Vesting.Shape.Linear;
        p.revocable = revocable;
        uint256 before = token.balanceOf(address(vesting));
        uint256 id = vesting.createSchedule(p);
        _check(token.balanceOf(address(vesting)) == before + p.total, "create", "the vault did not receive the total");
        ghostCreated += p.total;
        scheduleIds.push(id);
    }

    /// @notice A genesis-like batch: "a 12-month cliff, then 36 months" for three beneficiaries, one revocable.
    function createBatch(uint256 seed, uint256 total) external tick("createBatch") monotone {
        if (scheduleIds.length + 3 > MAX_SCHEDULES) return;
        total = bound(total, 3, token.balanceOf(address(this)) / 10) / 3;
        Vesting.CreateParams[] memory batch = new Vesting.CreateParams[](3);
        uint40 start = uint40(block.timestamp - (seed % 400 days));
        for (uint256 i; i < 3; ++i) {
            batch[i] = Vesting.CreateParams({
                beneficiary: _pick(actors, seed + i),
                total: uint96(total),
                unlockedAtStart: i == 2 ? uint96(total / 10) : 0,
                start: start,
                cliff: start + 12 * MONTH,
                end: start + 48 * MONTH,
                shape: i == 1 ? Vesting.Shape.Monthly : Vesting.Shape.Linear,
                revocable: i == 0
            });
        }
        uint256 first = vesting.createSchedules(batch);
        for (uint256 i; i < 3; ++i) scheduleIds.push(first + i);
        ghostCreated += 3 * total;
    }

    function release(uint256 idSeed, uint256 callerSeed) external tick("release") monotone {
        if (scheduleIds.length == 0) return;
        uint256 id = scheduleIds[idSeed % scheduleIds.length];
        uint256 expected = vesting.releasableOf(id);
        if (expected == 0) return;
        address beneficiary = vesting.getSchedule(id).beneficiary;
        uint256 before = token.balanceOf(beneficiary);
        vm.prank(_pick(actors, callerSeed));
        uint256 amount = vesting.release(id);
        _check(amount == expected, "release", "release paid other than releasableOf");
        _check(token.balanceOf(beneficiary) == before + amount, "release", "the beneficiary got another amount");
        ghostReleased += amount;
    }

    function revoke(uint256 idSeed) external tick("revoke") monotone {
        if (scheduleIds.length == 0) return;
        uint256 id = scheduleIds[idSeed % scheduleIds.length];
        Vesting.Schedule memory s = vesting.getSchedule(id);
        uint256 vested = vesting.vestedAt(id, uint40(block.timestamp));
        if (!s.revocable || s.revoked || vested == s.total) return;
        uint256 before = token.balanceOf(treasury);
        vesting.revoke(id);
        uint256 refunded = s.total - vested;
        _check(token.balanceOf(treasury) == before + refunded, "revoke", "the treasury got other than the unvested");
        _check(vesting.releasableOf(id) == vested - s.released, "revoke", "revocation took vested tokens");
        ghostRefunded += refunded;
        revokedAt[id] = uint40(block.timestamp);
    }

    function transferSchedule(uint256 idSeed, uint256 toSeed) external tick("transferSchedule") monotone {
        if (scheduleIds.length == 0) return;
        uint256 id = scheduleIds[idSeed % scheduleIds.length];
        address beneficiary = vesting.getSchedule(id).beneficiary;
        address to = _pick(actors, toSeed);
        if (to == beneficiary) return;
        vm.prank(beneficiary);
        vesting.transferSchedule(id, to);
    }

    function delegateLocked(uint256 idSeed, uint256 delegateeSeed) external tick("delegateLocked") monotone {
        if (scheduleIds.length == 0) return;
        uint256 id = scheduleIds[idSeed % scheduleIds.length];
        Vesting.Schedule memory s = vesting.getSchedule(id);
        uint256 index = delegateeSeed % (delegatees.length + 1);
        address delegatee = index == delegatees.length ? address(0) : delegatees[index];
        if (delegatee == s.delegatee) return;
        vm.prank(s.beneficiary);
        vesting.delegate(id, delegatee);
    }

    /// @notice Moves the clock to a schedule's start, cliff or end, or one second either side of it (never back).
    function warpToEdge(uint256 idSeed, uint256 edgeSeed, uint256 offsetSeed) external tick("warpToEdge") monotone {
        if (scheduleIds.length == 0) return;
        Vesting.Schedule memory s = vesting.getSchedule(scheduleIds[idSeed % scheduleIds.length]);
        uint256 edge =
            edgeSeed % 3 == 0
                ? s.start
                : edgeSeed % 3 == 1
                    ? s.cliff
                    : s.end;
        uint256 target = edge + (offsetSeed % 3) - 1;
        if (target <= currentTime) return;
        currentTime = target;
        vm.warp(target);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                       VIEWS
    //////////////////////////////////////////////////////////////////////////*/

    function scheduleCount() external view returns (uint256) {
        return scheduleIds.length;
    }

    function actorCount() external view returns (uint256) {
        return actors.length;
    }

    function delegateeCount() external view returns (uint256) {
        return delegatees.length;
    }
}
