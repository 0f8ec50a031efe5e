// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// The number of verification modes: a node's `modes` mask uses bits 0 to MODE_COUNT - 1.
uint8 constant MODE_COUNT = 3;

/// @notice Namespace for the structs and enums of the node registry.
library Nodes {
    /// @notice How a node proves what it ran; each is a bit of a node's `modes` mask (`1 << mode`).
    /// @custom:value None No verification (vanilla inference).
    /// @custom:value Tee Run inside an attested TEE enclave whose measurement is approved.
    /// @custom:value Zk A zero-knowledge proof of the inference.
    enum Mode {
        None,
        Tee,
        Zk
    }

    /// @notice A node, as stored.
    struct Node {
        // slot 0
        address operator;
        uint40 lastSeen;
        uint40 jailedUntil;
        uint8 modes;
        bool active;
        // slot 1
        uint32 capacity;
        uint32 modelCount;
        uint40 registeredAt;
        uint40 priceIncreaseAt;
        // slot 2: price per inference for each mode, in wei; 0 for a mode the node does not offer. Until
        // `priceIncreaseAt` (if set); `pendingPrices` from then on.
        uint80[MODE_COUNT] prices;
        // slot 3
        uint80[MODE_COUNT] pendingPrices;
        // slot 4
        bytes32 teeMeasurement;
        // slot 5
        string metadataURI;
    }

    /// @notice What an operator declares for a node, at registration and on update.
    /// @param metadataURI Where the node's endpoint and description are published.
    /// @param modes The verification modes offered, as a mask of `1 << Mode`.
    /// @param teeMeasurement For TEE: the enclave measurement the node attests to; zero otherwise.
    /// @param capacity How many inferences the node serves at once.
    /// @param prices The price per inference of each mode offered, in wei, indexed by Mode.
    // Only ever in calldata, so it is laid out for reading, not packing.
    // solhint-disable-next-line gas-struct-packing
    struct NodeParams {
        string metadataURI;
        uint8 modes;
        bytes32 teeMeasurement;
        uint32 capacity;
        uint80[MODE_COUNT] prices;
    }

    /// @notice Why a node can or cannot serve a model with a mode now; `Eligible` when it can.
    enum Eligibility {
        Eligible,
        NotRegistered,
        Inactive,
        Jailed,
        Stale,
        ModeNotOffered,
        ModelNotServed,
        MeasurementNotApproved,
        InsufficientStake,
        InsufficientOwnStake
    }
}
