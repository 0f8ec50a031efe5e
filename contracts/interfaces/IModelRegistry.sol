// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Models} from "../types/Models.sol";

/// @title IModelRegistry
/// @notice Model builders register the models they publish: the content hash of the weights is the model's id,
/// with a metadata URI, an owner who can hand the model on in two steps, and a royalty share of each paid
/// inference. Registration and look-up are O(1), as cheap for the 10,000th model as for the first.
interface IModelRegistry {
    /*//////////////////////////////////////////////////////////////////////////
                                       EVENTS
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice Emitted when a builder commits to registering a model from the next block on (see
    /// {modelCommitmentOf}).
    event ModelCommitted(address indexed owner, bytes32 indexed commitment);

    /// @notice Emitted when a model is registered.
    event ModelRegistered(bytes32 indexed modelId, address indexed owner, uint32 royaltyPpm, string metadataURI);

    /// @notice Emitted when a model's metadata URI changes.
    event ModelMetadataSet(bytes32 indexed modelId, string metadataURI);

    /// @notice Emitted when a model's royalty share changes now (a decrease, or no change).
    event ModelRoyaltySet(bytes32 indexed modelId, uint32 oldRoyaltyPpm, uint32 newRoyaltyPpm);

    /// @notice Emitted when an owner raises its royalty: the new share applies from `effectiveAt`, so that nodes
    /// can redeem what they were paid under the old one first.
    event ModelRoyaltyIncreaseScheduled(
        bytes32 indexed modelId,
        uint32 currentRoyaltyPpm,
        uint32 newRoyaltyPpm,
        uint64 effectiveAt
    );

    /// @notice Emitted when an owner offers the model to `pendingOwner` (zero cancels the offer).
    event ModelOwnershipTransferStarted(bytes32 indexed modelId, address indexed owner, address indexed pendingOwner);

    /// @notice Emitted when the pending owner accepts the model.
    event ModelOwnershipTransferred(bytes32 indexed modelId, address indexed previousOwner, address indexed newOwner);

    /// @notice Emitted when governance changes the largest royalty a model may take.
    event MaxRoyaltySet(uint32 oldMaxRoyaltyPpm, uint32 newMaxRoyaltyPpm);

    /*//////////////////////////////////////////////////////////////////////////
                                       ERRORS
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice Thrown when the model id (the weights' content hash) is zero.
    error ModelZeroId();

    /// @notice Thrown when a registration was not committed by its owner in an earlier block.
    error ModelNotCommitted(address owner, bytes32 commitment);

    /// @notice Thrown when a model with the id is already registered.
    error ModelAlreadyRegistered(bytes32 modelId, address owner);

    /// @notice Thrown when no model has the id.
    error ModelNotFound(bytes32 modelId);

    /// @notice Thrown when someone other than the owner acts on a model.
    error ModelNotOwner(bytes32 modelId, address caller, address owner);

    /// @notice Thrown when someone other than the pending owner accepts a model.
    error ModelNotPendingOwner(bytes32 modelId, address caller, address pendingOwner);

    /// @notice Thrown when a royalty share is above the current maximum.
    error ModelRoyaltyTooHigh(uint32 royaltyPpm, uint32 maxRoyaltyPpm);

    /// @notice Thrown when an owner raises its royalty before the previous increase's grace has ended.
    error ModelRoyaltyIncreasePending(bytes32 modelId, uint64 graceEndsAt);

    /// @notice Thrown when governance sets a maximum royalty above the hard bound.
    error ModelMaxRoyaltyAboveBound(uint32 maxRoyaltyPpm, uint32 bound);

    /*//////////////////////////////////////////////////////////////////////////
                                  CONSTANT FUNCTIONS
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice The hard bound on the maximum royalty, in parts per million: 500,000 (50%).
    function MAX_ROYALTY_BOUND_PPM() external view returns (uint32);

    /// @notice How long a royalty increase waits before it applies: 7 days.
    function ROYALTY_INCREASE_DELAY() external view returns (uint64);

    /// @notice How long after an increase takes effect payments agreed before it still pay the royalty of before:
    /// 30 days, the payments escrow's withdrawal thaw.
    function ROYALTY_INCREASE_GRACE() external view returns (uint64);

    /// @notice The largest royalty share a model may take, in parts per million; set by governance.
    function maxRoyaltyPpm() external view returns (uint32);

    /// @notice The number of models registered.
    function modelCount() external view returns (uint256);

    /// @notice Whether a model with the id is registered.
    function exists(bytes32 modelId) external view returns (bool);

    /// @notice The model as stored. Reverts with {ModelNotFound} for an unknown id.
    /// @dev `royaltyPpm` is the share until `royaltyIncreaseAt`, if set; {royaltyOf} gives the share in force now.
    function getModel(bytes32 modelId) external view returns (Models.Model memory);

    /// @notice The owner who is paid the royalty, and the royalty share in force now, in parts per million: never
    /// above {maxRoyaltyPpm} as it stands now, even for an increase scheduled before the maximum was lowered.
    /// @dev The slice the payments contract reads; reverts with {ModelNotFound} for an unknown id.
    function royaltyOf(bytes32 modelId) external view returns (address owner, uint32 royaltyPpm);

    /// @notice The owner who is paid the royalty, and the royalty share of a payment whose terms were agreed at
    /// `agreedAt` (a voucher's issuedAt, a request's posting): an increase applies to it only if it was agreed once
    /// the increase was in force, or once {ROYALTY_INCREASE_GRACE} has passed since, so that a model owner who is
    /// also a payer cannot raise the royalty of vouchers it has signed. Never above {maxRoyaltyPpm} as it stands now.
    /// @dev The slice the payments contract reads; reverts with {ModelNotFound} for an unknown id.
    function royaltyFor(bytes32 modelId, uint64 agreedAt) external view returns (address owner, uint32 royaltyPpm);

    /*//////////////////////////////////////////////////////////////////////////
                                NON-CONSTANT FUNCTIONS
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice The commitment {registerModel} needs from `owner` for `modelId`.
    function modelCommitmentOf(address owner, bytes32 modelId) external pure returns (bytes32);

    /// @notice The block in which `owner` committed `commitment`, zero if it did not or has used it.
    function modelCommittedAt(address owner, bytes32 commitment) external view returns (uint64);

    /// @notice Commits the caller to registering a model from the next block on: `commitment` is
    /// {modelCommitmentOf} the caller and the model id, which it does not reveal. A registration needs its owner's
    /// own commitment from an earlier block, so that nobody who sees a registration in the mempool can register the
    /// same weights first and collect their royalties. Emits {ModelCommitted}.
    function commitModel(bytes32 commitment) external;

    /// @notice Registers a model with the caller as its owner.
    /// @dev Emits a {ModelRegistered} event.
    ///
    /// Requirements:
    /// - the caller committed {modelCommitmentOf} itself and `modelId` with {commitModel} in an earlier block (used
    ///   up here).
    /// - `modelId` is not zero and not registered.
    /// - `royaltyPpm` is at most {maxRoyaltyPpm}.
    function registerModel(bytes32 modelId, string calldata metadataURI, uint32 royaltyPpm) external;

    /// @notice Sets the model's metadata URI. Only the owner. Emits a {ModelMetadataSet} event.
    function setMetadataURI(bytes32 modelId, string calldata metadataURI) external;

    /// @notice Sets the model's royalty share. Only the owner, at most {maxRoyaltyPpm}. A decrease applies now
    /// (and drops a scheduled increase); an increase applies {ROYALTY_INCREASE_DELAY} later, and only to payments
    /// agreed from then on until {ROYALTY_INCREASE_GRACE} has passed (see {royaltyFor}), so that a model owner cannot
    /// raise its share of what a node was already promised. One increase at a time: the next waits for the grace.
    /// @dev Emits {ModelRoyaltySet} or {ModelRoyaltyIncreaseScheduled}. Reverts with {ModelRoyaltyIncreasePending}
    /// for an increase before the previous one's grace has ended.
    function setRoyalty(bytes32 modelId, uint32 royaltyPpm) external;

    /// @notice Offers the model to `newOwner`, who must accept it; zero cancels an offer. Only the owner.
    /// @dev Emits a {ModelOwnershipTransferStarted} event.
    function transferModelOwnership(bytes32 modelId, address newOwner) external;

    /// @notice Accepts a model offered to the caller. Emits a {ModelOwnershipTransferred} event.
    function acceptModelOwnership(bytes32 modelId) external;

    /// @notice Sets the largest royalty a model may take from now on; models above it keep theirs until changed.
    /// @dev Only the default admin (the timelock). At most {MAX_ROYALTY_BOUND_PPM}. Emits a {MaxRoyaltySet} event.
    function setMaxRoyalty(uint32 newMaxRoyaltyPpm) external;
}
