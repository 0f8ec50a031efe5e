// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice Namespace for the structs of the model registry.
library Models {
    /// @notice A published model, keyed by the content hash of its weights.
    struct Model {
        // slot 0
        address owner;
        uint32 royaltyPpm;
        uint40 registeredAt;
        // slot 1: a two-step ownership transfer, and a royalty increase that applies from `royaltyIncreaseAt`
        address pendingOwner;
        uint32 pendingRoyaltyPpm;
        uint40 royaltyIncreaseAt;
        // slot 2
        string metadataURI;
    }
}
