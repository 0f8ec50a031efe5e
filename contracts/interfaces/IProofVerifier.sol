// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Proofs} from "../types/Proofs.sol";

/// @title IProofVerifier
/// @notice Decides whether the proof a node published for a record is valid: a TEE attestation verifier (for
/// example over Automata's on-chain DCAP attestation) or a ZK verifier, one per proof type.
interface IProofVerifier {
    /// @notice Whether `proof` proves `record`: for TEE, an attestation by an approved enclave over the record's
    /// input and output; for ZK, a proof of the model's computation from input to output.
    /// @dev The registry has already checked that `keccak256(proof) == record.proofHash`.
    function verify(Proofs.Record calldata record, bytes calldata proof) external view returns (bool valid);
}
