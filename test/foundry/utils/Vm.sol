// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice The few Foundry cheatcodes the suites use (forge-std is not available on this machine).
interface Vm {
    /// @notice A log recorded since {recordLogs}.
    struct Log {
        bytes32[] topics;
        bytes data;
        address emitter;
    }

    /// @notice Sets block.timestamp.
    function warp(uint256 newTimestamp) external;

    /// @notice Sets block.number.
    function roll(uint256 newHeight) external;

    /// @notice Starts recording every log emitted.
    function recordLogs() external;

    /// @notice The logs recorded since {recordLogs} or the last call of this, which clears them.
    function getRecordedLogs() external returns (Log[] memory logs);

    /// @notice Makes the next call come from `sender`.
    function prank(address sender) external;

    /// @notice Makes every call until {stopPrank} come from `sender`.
    function startPrank(address sender) external;

    /// @notice Ends a {startPrank}.
    function stopPrank() external;

    /// @notice The address of a private key.
    function addr(uint256 privateKey) external pure returns (address);

    /// @notice Signs a digest with a private key.
    function sign(uint256 privateKey, bytes32 digest) external pure returns (uint8 v, bytes32 r, bytes32 s);

    /// @notice Expects the next call to revert with exactly `revertData`.
    function expectRevert(bytes calldata revertData) external;

    /// @notice Discards the current fuzz input when `condition` is false.
    function assume(bool condition) external pure;

    /// @notice Names an address in traces.
    function label(address account, string calldata newLabel) external;
}

/// @dev The cheatcode address, keccak256("hevm cheat code") truncated, as every Foundry tool uses it.
Vm constant VM = Vm(0x7109709ECfa91a80626fF3989D68f67F5b1DD12D);
