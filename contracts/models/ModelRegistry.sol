// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

import {IModelRegistry} from "../interfaces/IModelRegistry.sol";
import {PPM} from "../libraries/PPM.sol";
import {Models} from "../types/Models.sol";

/// @title ModelRegistry
/// @notice See the documentation in {IModelRegistry}.
contract ModelRegistry is IModelRegistry, AccessControl {
    /*//////////////////////////////////////////////////////////////////////////
                                  STATE VARIABLES
    //////////////////////////////////////////////////////////////////////////*/

    /// @inheritdoc IModelRegistry
    /// @dev Half of a payment: with the protocol fee's own bound (a tenth), the node that did the work keeps at least
    /// two fifths of every payment, and the shares taken never add up to more than the payment.
    uint32 public constant override MAX_ROYALTY_BOUND_PPM = PPM.ONE / 2;

    /// @inheritdoc IModelRegistry
    uint64 public constant override ROYALTY_INCREASE_DELAY = 7 days;

    /// @inheritdoc IModelRegistry
    uint64 public constant override ROYALTY_INCREASE_GRACE = 30 days;

    /// @inheritdoc IModelRegistry
    uint32 public override maxRoyaltyPpm = 100_000;

    /// @inheritdoc IModelRegistry
    uint256 public override modelCount;

    mapping(bytes32 modelId => Models.Model model) internal _models;

    mapping(address owner => mapping(bytes32 commitment => uint64 blockNumber)) internal _commitments;

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
        return (model.owner, _royaltyFor(model, uint64(block.timestamp)));
    }

    /// @inheritdoc IModelRegistry
    function royaltyFor(
        bytes32 modelId,
        uint64 agreedAt
    ) external view override returns (address owner, uint32 royaltyPpm) {
        Models.Model storage model = _existing(modelId);
        return (model.owner, _royaltyFor(model, agreedAt));
    }

    /*//////////////////////////////////////////////////////////////////////////
                                NON-CONSTANT FUNCTIONS
    //////////////////////////////////////////////////////////////////////////*/

    /// @inheritdoc IModelRegistry
    function modelCommitmentOf(address owner, bytes32 modelId) public pure override returns (bytes32) {
        return keccak256(abi.encode(owner, modelId));
    }

    /// @inheritdoc IModelRegistry
    function modelCommittedAt(address owner, bytes32 commitment) external view override returns (uint64) {
        return _commitments[owner][commitment];
    }

    /// @inheritdoc IModelRegistry
    function commitModel(bytes32 commitment) external override {
        _commitments[msg.sender][commitment] = uint64(block.number);
        emit ModelCommitted(msg.sender, commitment);
    }

    /// @inheritdoc IModelRegistry
    function registerModel(bytes32 modelId, string calldata metadataURI, uint32 royaltyPpm) external override {
        require(modelId != bytes32(0), ModelZeroId());
        Models.Model storage model = _models[modelId];
        require(model.owner == address(0), ModelAlreadyRegistered(modelId, model.owner));
        require(royaltyPpm <= maxRoyaltyPpm, ModelRoyaltyTooHigh(royaltyPpm, maxRoyaltyPpm));
        bytes32 commitment = modelCommitmentOf(msg.sender, modelId);
        uint64 committedAt = _commitments[msg.sender][commitment];
        require(committedAt != 0 && committedAt < block.number, ModelNotCommitted(msg.sender, commitment));
        delete _commitments[msg.sender][commitment];

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
        uint32 current = _royaltyFor(model, uint64(block.timestamp));
        uint40 increaseAt = model.royaltyIncreaseAt;
        if (royaltyPpm <= current) {
            if (increaseAt != 0 && block.timestamp >= increaseAt) {
                // An increase in force stays on record with its grace, lowered for both sides of it: a decrease
                // cannot be used to start a new increase from a higher base for payments agreed before.
                model.pendingRoyaltyPpm = royaltyPpm;
                if (model.royaltyPpm > royaltyPpm) model.royaltyPpm = royaltyPpm;
            } else {
                // No increase, or one not yet in force, which this drops.
                model.royaltyPpm = royaltyPpm;
                model.royaltyIncreaseAt = 0;
            }
            emit ModelRoyaltySet(modelId, current, royaltyPpm);
        } else {
            // One increase at a time: payments agreed before the last one still pay the royalty of before it.
            uint64 graceEndsAt = increaseAt + ROYALTY_INCREASE_GRACE;
            require(
                increaseAt == 0 || block.timestamp >= graceEndsAt,
                ModelRoyaltyIncreasePending(modelId, graceEndsAt)
            );
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

    /// @dev The royalty of a payment agreed at `agreedAt`: a scheduled increase once it is due, if the payment was
    /// agreed once it was or its grace has passed; the stored share before. Never above the maximum as it stands now,
    /// so that an increase scheduled before the maximum fell cannot exceed it.
    function _royaltyFor(Models.Model storage model, uint64 agreedAt) internal view returns (uint32) {
        uint40 increaseAt = model.royaltyIncreaseAt;
        bool increased =
            increaseAt != 0 &&
                block.timestamp >= increaseAt &&
                (agreedAt >= increaseAt || block.timestamp >= uint64(increaseAt) + ROYALTY_INCREASE_GRACE);
        uint32 royalty = increased ? model.pendingRoyaltyPpm : model.royaltyPpm;
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
