// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";

import {VM, Vm} from "./Vm.sol";

/// @notice Assertions, input bounding and the invariant runner's target lists, in place of forge-std.
/// @dev forge reads `targetContracts()` and `targetSelectors()` from an invariant test by their signatures, so these
/// two views and the `FuzzSelector` layout must match forge-std's StdInvariant exactly.
abstract contract Test {
    using Strings for uint256;

    /// @notice A contract and the selectors the invariant runner may call on it.
    struct FuzzSelector {
        address addr;
        bytes4[] selectors;
    }

    Vm internal constant vm = VM;

    address[] private _targetedContracts;
    FuzzSelector[] private _targetedSelectors;

    /*//////////////////////////////////////////////////////////////////////////
                                  INVARIANT TARGETS
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice The contracts the invariant runner calls (only the handlers, never the system directly).
    function targetContracts() public view returns (address[] memory) {
        return _targetedContracts;
    }

    /// @notice The handler functions the invariant runner calls (not their views or helpers).
    function targetSelectors() public view returns (FuzzSelector[] memory) {
        return _targetedSelectors;
    }

    function targetContract(address target) internal {
        _targetedContracts.push(target);
    }

    function targetSelector(FuzzSelector memory selector) internal {
        _targetedSelectors.push(selector);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                     ASSERTIONS
    //////////////////////////////////////////////////////////////////////////*/

    function assertTrue(bool condition, string memory message) internal pure {
        if (!condition) revert(message);
    }

    function assertEq(uint256 a, uint256 b, string memory message) internal pure {
        if (a != b) revert(string.concat(message, ": ", a.toString(), " != ", b.toString()));
    }

    function assertEq(address a, address b, string memory message) internal pure {
        if (a != b) {
            revert(string.concat(message, ": ", Strings.toHexString(a), " != ", Strings.toHexString(b)));
        }
    }

    function assertEq(bytes32 a, bytes32 b, string memory message) internal pure {
        if (a != b) {
            revert(string.concat(message, ": ", uint256(a).toHexString(32), " != ", uint256(b).toHexString(32)));
        }
    }

    function assertLe(uint256 a, uint256 b, string memory message) internal pure {
        if (a > b) revert(string.concat(message, ": ", a.toString(), " > ", b.toString()));
    }

    function assertGe(uint256 a, uint256 b, string memory message) internal pure {
        if (a < b) revert(string.concat(message, ": ", a.toString(), " < ", b.toString()));
    }

    /*//////////////////////////////////////////////////////////////////////////
                                       INPUTS
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice Maps any `x` into [min, max], keeping small values and values near the top as they are, so that
    /// the fuzzer's favourite edge cases (0, 1, type max) land on the bounds.
    function bound(uint256 x, uint256 min, uint256 max) internal pure returns (uint256) {
        require(min <= max, "bound: min > max");
        if (x >= min && x <= max) return x;
        uint256 size = max - min + 1;
        if (size == 0) return x; // the whole uint256 range
        if (x <= 3 && size > x) return min + x;
        if (x >= type(uint256).max - 3 && size > type(uint256).max - x) return max - (type(uint256).max - x);
        return min + (x % size);
    }
}
