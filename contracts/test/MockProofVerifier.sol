// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IProofVerifier} from "../interfaces/IProofVerifier.sol";
import {Proofs} from "../types/Proofs.sol";

/// @notice A verifier for tests: a proof is valid unless its first byte is 0x00.
contract MockProofVerifier is IProofVerifier {
    function verify(Proofs.Record calldata, bytes calldata proof) external pure returns (bool) {
        return proof.length > 0 && proof[0] != 0x00;
    }
}
