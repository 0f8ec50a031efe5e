// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice An EIP-1271 wallet for tests that burns every unit of gas it is given in a loop.
contract MockGasBurningWallet {
    function isValidSignature(bytes32, bytes calldata) external view returns (bytes4 answer) {
        // solhint-disable-next-line no-inline-assembly
        assembly {
            for {} gt(gas(), 0) {} {
                answer := add(answer, sload(0))
            }
        }
    }
}
