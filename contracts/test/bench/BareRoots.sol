// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";

/// @notice The floors the proof registry's batch commit and inclusion check are measured against: a contract that
/// stores a root and emits it, and checks a leaf against a stored root with OpenZeppelin's MerkleProof, and does
/// nothing else (no node, no stake, no challenge window).
contract BareRoots {
    event RootStored(bytes32 indexed root, uint256 recordCount, string uri);

    mapping(bytes32 root => uint256 recordCount) public recordCountOf;

    function store(bytes32 root, uint256 recordCount, string calldata uri) external {
        recordCountOf[root] = recordCount;
        emit RootStored(root, recordCount, uri);
    }

    function verify(bytes32 root, bytes32 leaf, bytes32[] calldata proof) external view returns (bool) {
        return recordCountOf[root] != 0 && MerkleProof.verifyCalldata(proof, root, leaf);
    }
}
