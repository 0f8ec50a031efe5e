// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Nodes} from "../types/Nodes.sol";

/// @title INodeRegistry
/// @notice Operators register the nodes they run: an endpoint metadata URI, the models served, the verification
/// modes offered (with, for TEE, the enclave measurement), the capacity and a price per mode. A node is eligible
/// to serve a model with a mode only while it is active, not jailed, recently seen, offers the mode (with an
/// approved measurement for TEE), serves the model, and its operator's active stake covers the minimum stake of
/// every node the operator runs, each at its most demanding mode.
interface INodeRegistry {
    /*//////////////////////////////////////////////////////////////////////////
                                       EVENTS
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice Emitted when a node is registered, with every value it was registered with.
    event NodeRegistered(
        uint256 indexed nodeId,
        address indexed operator,
        string metadataURI,
        uint8 modes,
        bytes32 teeMeasurement,
        uint32 capacity,
        uint80[3] prices
    );

    /// @notice Emitted when a node's declaration changes, with the new values; `prices` are the prices asked: a
    /// decrease applies at once, an increase from the {NodePriceIncreaseScheduled} emitted with it.
    event NodeUpdated(
        uint256 indexed nodeId,
        string metadataURI,
        uint8 modes,
        bytes32 teeMeasurement,
        uint32 capacity,
        uint80[3] prices
    );

    /// @notice Emitted when a node starts serving a model.
    event NodeModelAdded(uint256 indexed nodeId, bytes32 indexed modelId);

    /// @notice Emitted when a node stops serving a model.
    event NodeModelRemoved(uint256 indexed nodeId, bytes32 indexed modelId);

    /// @notice Emitted when an operator retires a node.
    event NodeDeregistered(uint256 indexed nodeId, address indexed operator);

    /// @notice Emitted when a node reports it is alive.
    event NodeHeartbeat(uint256 indexed nodeId, uint64 timestamp);

    /// @notice Emitted when governance jails a node until `jailedUntil`.
    event NodeJailed(uint256 indexed nodeId, uint64 jailedUntil);

    /// @notice Emitted when governance releases a node from jail early.
    event NodeUnjailed(uint256 indexed nodeId);

    /// @notice Emitted when the minimum stake of a mode changes.
    event MinimumStakeSet(Nodes.Mode indexed mode, uint256 oldMinimum, uint256 newMinimum);

    /// @notice Emitted when the liveness window changes.
    event LivenessWindowSet(uint64 oldWindow, uint64 newWindow);

    /// @notice Emitted when an update raises a node's price for a mode: `prices` apply from `effectiveAt`; until
    /// then the lower of the old and new price of each mode.
    event NodePriceIncreaseScheduled(uint256 indexed nodeId, uint80[3] prices, uint64 effectiveAt);

    /// @notice Emitted when the operator's own stake required per active node changes.
    event MinimumOwnStakeSet(uint256 oldMinimum, uint256 newMinimum);

    /// @notice Emitted when an enclave measurement is approved or no longer approved.
    event TeeMeasurementApprovalSet(bytes32 indexed measurement, bool approved);

    /*//////////////////////////////////////////////////////////////////////////
                                       ERRORS
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice Thrown when no node has the id.
    error NodeNotFound(uint256 nodeId);

    /// @notice Thrown when someone other than the node's operator acts on it.
    error NodeNotOperator(uint256 nodeId, address caller, address operator);

    /// @notice Thrown when acting on a deregistered node.
    error NodeInactive(uint256 nodeId);

    /// @notice Thrown when a modes mask is empty or has bits beyond the known modes.
    error NodeInvalidModes(uint8 modes);

    /// @notice Thrown when a node offers TEE without an enclave measurement.
    error NodeTeeMeasurementMissing();

    /// @notice Thrown when a node declares a measurement without offering TEE.
    error NodeTeeMeasurementWithoutTee(bytes32 measurement);

    /// @notice Thrown when a node's capacity is zero.
    error NodeZeroCapacity();

    /// @notice Thrown when a price is set for a mode the node does not offer.
    error NodePriceForModeNotOffered(Nodes.Mode mode, uint80 price);

    /// @notice Thrown when the operator's active stake does not cover the minimum of all its nodes.
    error NodeInsufficientStake(address operator, uint256 activeStake, uint256 requiredStake);

    /// @notice Thrown when adding a model that is not registered.
    error NodeUnknownModel(bytes32 modelId);

    /// @notice Thrown when the operator's own stake, counted before any delegation, is below its minimum.
    error NodeInsufficientOwnStake(address operator, uint256 ownStake, uint256 requiredOwnStake);

    /// @notice Thrown when adding a model the node already serves.
    error NodeAlreadyServesModel(uint256 nodeId, bytes32 modelId);

    /// @notice Thrown when removing a model the node does not serve.
    error NodeDoesNotServeModel(uint256 nodeId, bytes32 modelId);

    /// @notice Thrown when a node would serve more models than allowed.
    error NodeTooManyModels(uint256 count, uint256 maximum);

    /// @notice Thrown when a jail term is in the past or longer than the bound.
    error NodeInvalidJailTerm(uint64 jailedUntil, uint64 latest);

    /// @notice Thrown when a parameter is set outside its bounds; `parameter` names it.
    error NodeParameterOutOfBounds(bytes32 parameter, uint256 value, uint256 minimum, uint256 maximum);

    /*//////////////////////////////////////////////////////////////////////////
                                  CONSTANT FUNCTIONS
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice The role that may jail nodes (governance).
    function JAILER_ROLE() external view returns (bytes32);

    /// @notice The id the next node will have; ids start at 1.
    function nextNodeId() external view returns (uint256);

    /// @notice The minimum active stake for a node whose most demanding mode is `mode`.
    function minimumStake(Nodes.Mode mode) external view returns (uint256);

    /// @notice How recently a node must have sent a heartbeat to be eligible, in seconds.
    function livenessWindow() external view returns (uint64);

    /// @notice Whether an enclave measurement is approved for TEE nodes.
    function isTeeMeasurementApproved(bytes32 measurement) external view returns (bool);

    /// @notice The node as stored. Reverts with {NodeNotFound} for an unknown id.
    function getNode(uint256 nodeId) external view returns (Nodes.Node memory);

    /// @notice The node's operator; zero for an unknown id.
    function operatorOf(uint256 nodeId) external view returns (address);

    /// @notice The node's operator (zero for an unknown id), and whether the node may work now: active, not jailed,
    /// and its operator's stake covers its nodes (own stake per node, and in all).
    /// @dev What payments and proofs check before a node redeems a voucher, fulfils a request or commits. A node
    /// whose operator started to unbond keeps working only while the stake still active covers it.
    function nodeOperatorOf(uint256 nodeId) external view returns (address operator, bool serving);

    /// @notice The operator's own stake required per active node, counted before delegations.
    function minimumOwnStake() external view returns (uint256);

    /// @notice The own stake the operator needs for all its active nodes.
    function requiredOwnStakeOf(address operator) external view returns (uint256);

    /// @notice Whether the node lists the model and offers the mode (whatever its eligibility): what a voucher for it
    /// must name.
    function offers(uint256 nodeId, bytes32 modelId, Nodes.Mode mode) external view returns (bool);

    /// @notice Whether the node lists the model (whatever its eligibility).
    function servesModel(uint256 nodeId, bytes32 modelId) external view returns (bool);

    /// @notice How long a price increase waits before it applies, in seconds; decreases apply at once.
    function PRICE_INCREASE_DELAY() external view returns (uint64);

    /// @notice The node's price per inference for a mode in force now, in wei.
    function priceOf(uint256 nodeId, Nodes.Mode mode) external view returns (uint256);

    /// @notice The active stake the operator needs for all its active nodes, at the current minimums.
    function requiredStakeOf(address operator) external view returns (uint256);

    /// @notice How many active nodes the operator runs at each most demanding mode, indexed by Mode.
    function nodeCountsOf(address operator) external view returns (uint32[3] memory);

    /// @notice Whether the node can serve `modelId` with `mode` now, and if not, the first reason why not.
    function eligibilityOf(uint256 nodeId, bytes32 modelId, Nodes.Mode mode) external view returns (Nodes.Eligibility);

    /// @notice Whether the node can serve `modelId` with `mode` now.
    function isEligible(uint256 nodeId, bytes32 modelId, Nodes.Mode mode) external view returns (bool);

    /*//////////////////////////////////////////////////////////////////////////
                                NON-CONSTANT FUNCTIONS
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice Registers a node operated by the caller, serving `modelIds`.
    /// @dev Emits {NodeRegistered} and one {NodeModelAdded} per model. The node starts as seen now.
    ///
    /// Requirements:
    /// - `params` are well formed: known modes, a measurement exactly when TEE is offered, a capacity, no price for
    ///   a mode not offered.
    /// - Every model is registered, listed once, and there are at most {MAX_MODELS_PER_NODE}.
    /// - The caller's active stake covers the minimum of all its nodes, this one included.
    /// @return nodeId The new node's id.
    function registerNode(
        Nodes.NodeParams calldata params,
        bytes32[] calldata modelIds
    ) external returns (uint256 nodeId);

    /// @notice Replaces the node's declaration. Only its operator, on an active node.
    /// @dev Emits {NodeUpdated}. When the node's most demanding mode rises, the stake must cover the new minimum.
    function updateNode(uint256 nodeId, Nodes.NodeParams calldata params) external;

    /// @notice Adds models the node serves. Only its operator. Emits one {NodeModelAdded} per model.
    function addModels(uint256 nodeId, bytes32[] calldata modelIds) external;

    /// @notice Removes models the node serves. Only its operator. Emits one {NodeModelRemoved} per model.
    function removeModels(uint256 nodeId, bytes32[] calldata modelIds) external;

    /// @notice Retires the node: it is no longer eligible, and its minimum no longer counts against the stake.
    /// @dev Only its operator. Emits {NodeDeregistered}.
    function deregisterNode(uint256 nodeId) external;

    /// @notice Records that the node is alive now. Only its operator. Emits {NodeHeartbeat}.
    function heartbeat(uint256 nodeId) external;

    /// @notice Jails the node (not the operator's tokens) until `jailedUntil`, at most {MAX_JAIL_DURATION} ahead.
    /// @dev Only {JAILER_ROLE}. Emits {NodeJailed}.
    function jailNode(uint256 nodeId, uint64 jailedUntil) external;

    /// @notice Ends a node's jail term early. Only {JAILER_ROLE}. Emits {NodeUnjailed}.
    function unjailNode(uint256 nodeId) external;

    /*//////////////////////////////////////////////////////////////////////////
                                     GOVERNANCE
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice Sets the minimum stake of a mode, within [1, 10,000,000] OPG and keeping none <= TEE <= ZK, so that
    /// a node's most demanding mode is also its most expensive. Only the default admin.
    /// @dev Emits a {MinimumStakeSet} event. Reverts {NodeParameterOutOfBounds} outside the bounds.
    function setMinimumStake(Nodes.Mode mode, uint256 newMinimum) external;

    /// @notice Sets the liveness window, within [5 minutes, 7 days]. Only the default admin.
    /// @dev Emits a {LivenessWindowSet} event. Reverts {NodeParameterOutOfBounds} outside the bounds.
    function setLivenessWindow(uint64 newWindow) external;

    /// @notice Sets the operator's own stake required per active node, within [1, 1,000,000] OPG. Only the default
    /// admin.
    /// @dev Emits a {MinimumOwnStakeSet} event. Reverts {NodeParameterOutOfBounds} outside the bounds.
    function setMinimumOwnStake(uint256 newMinimum) external;

    /// @notice Approves, or stops approving, an enclave measurement for TEE nodes. Only the default admin.
    /// @dev Emits a {TeeMeasurementApprovalSet} event.
    function setTeeMeasurementApproval(bytes32 measurement, bool approved) external;
}
