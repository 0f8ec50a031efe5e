// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

import {IModelRegistry} from "../interfaces/IModelRegistry.sol";
import {Models} from "../types/Models.sol";

/// @title ModelRegistry
/// @notice See the documentation in {IModelRegistry}.
contract ModelRegistry is IModelRegistry, AccessControl {
    /*//////////////////////////////////////////////////////////////////////////
                                  STATE VARIABLES
    //////////////////////////////////////////////////////////////////////////*/

    /// @inheritdoc IModelRegistry
    uint32 public constant override MAX_ROYALTY_BOUND_PPM = 500_000;

    /// @inheritdoc IModelRegistry
    uint64 public constant override ROYALTY_INCREASE_DELAY = 7 days;

    /// @inheritdoc IModelRegistry
    uint32 public override maxRoyaltyPpm = 100_000;

    /// @inheritdoc IModelRegistry
    uint256 public override modelCount;

    mapping(bytes32 modelId => Models.Model model) internal _models;

    /*//////////////////////////////////////////////////////////////////////////
                                    CONSTRUCTOR
    //////////////////////////////////////////////////////////////////////////*/

    /// @param admin The account given the default admin role (the timelock, after deployment).
    constructor(address admin) {
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                  CONSTANT FUNCTIONS
    //////////////////////////////////////////////////////////////////////////*/

    /// @inheritdoc IModelRegistry
    function exists(bytes32 modelId) external view override returns (bool) {
        return _models[modelId].owner != address(0);
    }

    /// @inheritdoc IModelRegistry
    function getModel(bytes32 modelId) external view override returns (Models.Model memory) {
        return _existing(modelId);
    }

    /// @inheritdoc IModelRegistry
    function royaltyOf(bytes32 modelId) external view override returns (address owner, uint32 royaltyPpm) {
        Models.Model storage model = _existing(modelId);
        return (model.owner, _royaltyNow(model));
    }

    /*//////////////////////////////////////////////////////////////////////////
                                NON-CONSTANT FUNCTIONS
    //////////////////////////////////////////////////////////////////////////*/

    /// @inheritdoc IModelRegistry
    function registerModel(bytes32 modelId, string calldata metadataURI, uint32 royaltyPpm) external override {
        require(modelId != bytes32(0), ModelZeroId());
        Models.Model storage model = _models[modelId];
        require(model.owner == address(0), ModelAlreadyRegistered(modelId, model.owner));
        require(royaltyPpm <= maxRoyaltyPpm, ModelRoyaltyTooHigh(royaltyPpm, maxRoyaltyPpm));

        model.owner = msg.sender;
        model.royaltyPpm = royaltyPpm;
        model.registeredAt = uint40(block.timestamp);
        model.metadataURI = metadataURI;
        unchecked {
            // Cannot overflow: each model costs a transaction.
            ++modelCount;
        }
        emit ModelRegistered(modelId, msg.sender, royaltyPpm, metadataURI);
    }

    /// @inheritdoc IModelRegistry
    function setMetadataURI(bytes32 modelId, string calldata metadataURI) external override {
        _owned(modelId).metadataURI = metadataURI;
        emit ModelMetadataSet(modelId, metadataURI);
    }

    /// @inheritdoc IModelRegistry
    function setRoyalty(bytes32 modelId, uint32 royaltyPpm) external override {
        Models.Model storage model = _owned(modelId);
        require(royaltyPpm <= maxRoyaltyPpm, ModelRoyaltyTooHigh(royaltyPpm, maxRoyaltyPpm));
        uint32 current = _royaltyNow(model);
        if (royaltyPpm <= current) {
            model.royaltyPpm = royaltyPpm;
            model.royaltyIncreaseAt = 0;
            emit ModelRoyaltySet(modelId, current, royaltyPpm);
        } else {
            uint64 effectiveAt = uint64(block.timestamp) + ROYALTY_INCREASE_DELAY;
            model.royaltyPpm = current;
            model.pendingRoyaltyPpm = royaltyPpm;
            model.royaltyIncreaseAt = uint40(effectiveAt);
            emit ModelRoyaltyIncreaseScheduled(modelId, current, royaltyPpm, effectiveAt);
        }
    }

    /// @inheritdoc IModelRegistry
    function transferModelOwnership(bytes32 modelId, address newOwner) external override {
        _owned(modelId).pendingOwner = newOwner;
        emit ModelOwnershipTransferStarted(modelId, msg.sender, newOwner);
    }

    /// @inheritdoc IModelRegistry
    function acceptModelOwnership(bytes32 modelId) external override {
        Models.Model storage model = _existing(modelId);
        address pendingOwner = model.pendingOwner;
        require(msg.sender == pendingOwner, ModelNotPendingOwner(modelId, msg.sender, pendingOwner));
        address previousOwner = model.owner;
        model.owner = pendingOwner;
        model.pendingOwner = address(0);
        emit ModelOwnershipTransferred(modelId, previousOwner, pendingOwner);
    }

    /// @inheritdoc IModelRegistry
    function setMaxRoyalty(uint32 newMaxRoyaltyPpm) external override onlyRole(DEFAULT_ADMIN_ROLE) {
        require(
            newMaxRoyaltyPpm <= MAX_ROYALTY_BOUND_PPM,
            ModelMaxRoyaltyAboveBound(newMaxRoyaltyPpm, MAX_ROYALTY_BOUND_PPM)
        );
        emit MaxRoyaltySet(maxRoyaltyPpm, newMaxRoyaltyPpm);
        maxRoyaltyPpm = newMaxRoyaltyPpm;
    }

    /*//////////////////////////////////////////////////////////////////////////
                                 INTERNAL FUNCTIONS
    //////////////////////////////////////////////////////////////////////////*/

    /// @dev The royalty in force now: a scheduled increase once it is due, the stored share before; never above the
    /// maximum as it stands now, so that an increase scheduled before the maximum fell cannot exceed it.
    function _royaltyNow(Models.Model storage model) internal view returns (uint32) {
        uint40 increaseAt = model.royaltyIncreaseAt;
        uint32 royalty = increaseAt != 0 && block.timestamp >= increaseAt ? model.pendingRoyaltyPpm : model.royaltyPpm;
        uint32 maximum = maxRoyaltyPpm;
        return royalty < maximum ? royalty : maximum;
    }

    function _existing(bytes32 modelId) internal view returns (Models.Model storage model) {
        model = _models[modelId];
        require(model.owner != address(0), ModelNotFound(modelId));
    }

    function _owned(bytes32 modelId) internal view returns (Models.Model storage model) {
        model = _existing(modelId);
        require(msg.sender == model.owner, ModelNotOwner(modelId, msg.sender, model.owner));
    }
}
