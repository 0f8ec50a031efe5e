// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Test} from "./Test.sol";

/// @notice What every handler shares: its own clock, call counters and a record of broken per-action properties.
/// @dev A handler call that reverts is discarded by the invariant runner (fail_on_revert = false), ghosts included,
/// so a property checked inside a handler cannot simply revert: it is counted under a category, with the first
/// message kept, and an `invariant_*` function asserts the count is zero.
abstract contract Handler is Test {
    /// @notice The handler's clock: block.timestamp is set from it at the start of every call, so that time only
    /// moves through {warp} and never goes back between calls.
    uint256 public currentTime;

    /// @notice The handler's block number, set at the start of every call like the clock; it moves through
    /// {_nextBlock} (a commitment revealed in a later block).
    uint256 public currentBlock;

    /// @notice Successful calls per action, for the campaign's report.
    mapping(bytes32 action => uint256 count) public calls;

    /// @notice Successful calls of every action: each may leave a wei or so of rounding behind.
    uint256 public totalCalls;

    /// @notice Broken per-action properties, by category.
    mapping(bytes32 category => uint256 count) public violations;

    /// @notice The first broken property's message, by category.
    mapping(bytes32 category => string message) public firstViolation;

    constructor() {
        currentTime = block.timestamp;
        currentBlock = block.number;
    }

    modifier tick(bytes32 action) {
        vm.warp(currentTime);
        vm.roll(currentBlock);
        _;
        ++calls[action];
        ++totalCalls;
    }

    /// @notice Lets time pass: up to `maxWarp()` seconds.
    function warp(uint256 secondsSeed) external tick("warp") {
        uint256 next = currentTime + bound(secondsSeed, 1, maxWarp());
        _beforeTimeMoves(next);
        currentTime = next;
        vm.warp(currentTime);
    }

    /// @dev Called before the clock moves to `next`, with the state as it stood until then.
    function _beforeTimeMoves(uint256 next) internal virtual {}

    function maxWarp() public view virtual returns (uint256);

    /// @dev Mines a block: 12 seconds later, one block higher.
    function _nextBlock() internal {
        _beforeTimeMoves(currentTime + 12);
        currentTime += 12;
        vm.warp(currentTime);
        vm.roll(++currentBlock);
    }

    function _check(bool condition, bytes32 category, string memory message) internal {
        if (condition) return;
        if (violations[category] == 0) firstViolation[category] = message;
        ++violations[category];
    }

    function _pick(address[] storage list, uint256 seed) internal view returns (address) {
        return list[seed % list.length];
    }
}
