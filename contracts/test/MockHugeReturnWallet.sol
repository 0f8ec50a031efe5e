// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice An EIP-1271 wallet for tests that answers with `SIZE` bytes of returndata, the first word being the
/// EIP-1271 magic value: a returndata bomb (1 MB costs the wallet more than the escrow lets it spend).
contract MockHugeReturnWallet {
    uint256 public immutable SIZE;

    constructor(uint256 size) {
        SIZE = size;
    }

    function isValidSignature(bytes32, bytes calldata) external view returns (bytes4) {
        uint256 size = SIZE;
        // solhint-disable-next-line no-inline-assembly
        assembly {
            mstore(0, 0x1626ba7e00000000000000000000000000000000000000000000000000000000)
            return(0, size)
        }
    }
}
