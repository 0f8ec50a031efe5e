// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";

import {IModelRegistry} from "../interfaces/IModelRegistry.sol";
import {INodeRegistry} from "../interfaces/INodeRegistry.sol";
import {IStakingBase} from "../interfaces/IStakingBase.sol";
import {MODE_COUNT, Nodes} from "../types/Nodes.sol";

/// @title NodeRegistry
/// @notice See the documentation in {INodeRegistry}.
/// @dev The stake an operator needs is the sum over its active nodes of the minimum of each node's most demanding
/// mode. It is kept as a count of nodes per mode, so that a change of a minimum by governance applies to every
/// operator at once and the view stays O(1).
contract NodeRegistry is INodeRegistry, AccessControl {
    /*//////////////////////////////////////////////////////////////////////////
                                     CONSTANTS
    //////////////////////////////////////////////////////////////////////////*/

    /// @inheritdoc INodeRegistry
    bytes32 public constant override JAILER_ROLE = keccak256("JAILER_ROLE");

    /// @notice The longest jail term.
    uint64 public constant MAX_JAIL_DURATION = 90 days;

    /// @inheritdoc INodeRegistry
    uint64 public constant override PRICE_INCREASE_DELAY = 1 days;

    /// @notice The most models one node may list.
    uint256 public constant MAX_MODELS_PER_NODE = 256;

    /// @notice Bounds of a mode's minimum stake.
    uint256 public constant MIN_MINIMUM_STAKE = 1e18;
    uint256 public constant MAX_MINIMUM_STAKE = 10_000_000e18;

    /// @notice Bounds of the own stake per node.
    uint256 public constant MIN_MINIMUM_OWN_STAKE = 1e18;
    uint256 public constant MAX_MINIMUM_OWN_STAKE = 1_000_000e18;

    /// @notice Bounds of the liveness window.
    uint64 public constant MIN_LIVENESS_WINDOW = 5 minutes;
    uint64 public constant MAX_LIVENESS_WINDOW = 7 days;

    /*//////////////////////////////////////////////////////////////////////////
                                  STATE VARIABLES
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice Where models are registered.
    IModelRegistry public immutable MODELS;

    /// @notice Where operators' stake is kept.
    IStakingBase public immutable STAKING;

    /// @inheritdoc INodeRegistry
    uint256 public override nextNodeId = 1;

    /// @inheritdoc INodeRegistry
    uint64 public override livenessWindow = 1 hours;

    /// @dev The minimum stake per node of each mode (indexed by Mode), then the minimum own stake per node
    /// ({OWN_MINIMUM}): two slots, read together by every stake check.
    uint128[MODE_COUNT + 1] internal _minimums = [uint128(10_000e18), 25_000e18, 50_000e18, 5_000e18];

    uint256 internal constant OWN_MINIMUM = MODE_COUNT;

    mapping(uint256 nodeId => Nodes.Node node) internal _nodes;
    mapping(uint256 nodeId => mapping(bytes32 modelId => bool served)) internal _serves;
    mapping(address operator => uint32[MODE_COUNT] counts) internal _nodeCounts;
    mapping(bytes32 measurement => bool approved) internal _approvedMeasurements;

    /*//////////////////////////////////////////////////////////////////////////
                                    CONSTRUCTOR
    //////////////////////////////////////////////////////////////////////////*/

    /// @param models The model registry.
    /// @param staking The staking contract whose active stake backs the nodes.
    /// @param admin The account given the default admin and jailer roles (the timelock, after deployment).
    constructor(IModelRegistry models, IStakingBase staking, address admin) {
        MODELS = models;
        STAKING = staking;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(JAILER_ROLE, admin);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                  CONSTANT FUNCTIONS
    //////////////////////////////////////////////////////////////////////////*/

    /// @inheritdoc INodeRegistry
    function minimumOwnStake() external view override returns (uint256) {
        return _minimums[OWN_MINIMUM];
    }

    /// @inheritdoc INodeRegistry
    function minimumStake(Nodes.Mode mode) external view override returns (uint256) {
        return _minimums[uint8(mode)];
    }

    /// @inheritdoc INodeRegistry
    function isTeeMeasurementApproved(bytes32 measurement) external view override returns (bool) {
        return _approvedMeasurements[measurement];
    }

    /// @inheritdoc INodeRegistry
    function getNode(uint256 nodeId) external view override returns (Nodes.Node memory) {
        return _existing(nodeId);
    }

    /// @inheritdoc INodeRegistry
    function operatorOf(uint256 nodeId) external view override returns (address) {
        return _nodes[nodeId].operator;
    }

    /// @inheritdoc INodeRegistry
    function nodeOperatorOf(uint256 nodeId) external view override returns (address operator, bool serving) {
        Nodes.Node storage node = _nodes[nodeId];
        operator = node.operator;
        serving =
            node.active &&
            node.jailedUntil <= block.timestamp &&
            _stakeEligibility(operator) == Nodes.Eligibility.Eligible;
    }

    /// @inheritdoc INodeRegistry
    function offers(uint256 nodeId, bytes32 modelId, Nodes.Mode mode) external view override returns (bool) {
        return _serves[nodeId][modelId] && _nodes[nodeId].modes & _bit(mode) != 0;
    }

    /// @inheritdoc INodeRegistry
    function servesModel(uint256 nodeId, bytes32 modelId) external view override returns (bool) {
        return _serves[nodeId][modelId];
    }

    /// @inheritdoc INodeRegistry
    function priceOf(uint256 nodeId, Nodes.Mode mode) external view override returns (uint256) {
        return _pricesNow(_existing(nodeId))[uint8(mode)];
    }

    /// @inheritdoc INodeRegistry
    function requiredStakeOf(address operator) public view override returns (uint256 required) {
        uint32[MODE_COUNT] storage counts = _nodeCounts[operator];
        for (uint256 mode; mode < MODE_COUNT; ++mode) required += counts[mode] * _minimums[mode];
    }

    /// @inheritdoc INodeRegistry
    function requiredOwnStakeOf(address operator) public view override returns (uint256) {
        uint32[MODE_COUNT] storage counts = _nodeCounts[operator];
        return (uint256(counts[0]) + counts[1] + counts[2]) * _minimums[OWN_MINIMUM];
    }

    /// @inheritdoc INodeRegistry
    function nodeCountsOf(address operator) external view override returns (uint32[3] memory) {
        return _nodeCounts[operator];
    }

    /// @inheritdoc INodeRegistry
    function eligibilityOf(
        uint256 nodeId,
        bytes32 modelId,
        Nodes.Mode mode
    ) public view override returns (Nodes.Eligibility) {
        Nodes.Node storage node = _nodes[nodeId];
        if (node.operator == address(0)) return Nodes.Eligibility.NotRegistered;
        if (!node.active) return Nodes.Eligibility.Inactive;
        if (node.jailedUntil > block.timestamp) return Nodes.Eligibility.Jailed;
        if (uint256(node.lastSeen) + livenessWindow < block.timestamp) return Nodes.Eligibility.Stale;
        if (node.modes & _bit(mode) == 0) return Nodes.Eligibility.ModeNotOffered;
        if (!_serves[nodeId][modelId]) return Nodes.Eligibility.ModelNotServed;
        if (mode == Nodes.Mode.Tee && !_approvedMeasurements[node.teeMeasurement]) {
            return Nodes.Eligibility.MeasurementNotApproved;
        }
        return _stakeEligibility(node.operator);
    }

    /// @inheritdoc INodeRegistry
    function isEligible(uint256 nodeId, bytes32 modelId, Nodes.Mode mode) external view override returns (bool) {
        return eligibilityOf(nodeId, modelId, mode) == Nodes.Eligibility.Eligible;
    }

    /*//////////////////////////////////////////////////////////////////////////
                                NON-CONSTANT FUNCTIONS
    //////////////////////////////////////////////////////////////////////////*/

    /// @inheritdoc INodeRegistry
    function registerNode(
        Nodes.NodeParams calldata params,
        bytes32[] calldata modelIds
    ) external override returns (uint256 nodeId) {
        _checkParams(params);
        nodeId = nextNodeId++;

        // Effect
        Nodes.Node storage node = _nodes[nodeId];
        node.operator = msg.sender;
        node.lastSeen = uint40(block.timestamp);
        node.modes = params.modes;
        node.active = true;
        node.capacity = params.capacity;
        node.registeredAt = uint40(block.timestamp);
        node.prices = params.prices;
        node.teeMeasurement = params.teeMeasurement;
        node.metadataURI = params.metadataURI;
        ++_nodeCounts[msg.sender][_topMode(params.modes)];
        emit NodeRegistered(
            nodeId,
            msg.sender,
            params.metadataURI,
            params.modes,
            params.teeMeasurement,
            params.capacity,
            params.prices
        );
        _addModels(nodeId, node, modelIds);

        // Check: with this node counted, the stake still covers every node.
        _checkStake(msg.sender);
    }

    /// @inheritdoc INodeRegistry
    function updateNode(uint256 nodeId, Nodes.NodeParams calldata params) external override {
        Nodes.Node storage node = _operated(nodeId);
        _checkParams(params);

        uint8 oldTop = _topMode(node.modes);
        uint8 newTop = _topMode(params.modes);
        if (oldTop != newTop) {
            --_nodeCounts[msg.sender][oldTop];
            ++_nodeCounts[msg.sender][newTop];
        }
        node.modes = params.modes;
        node.capacity = params.capacity;
        _setPrices(nodeId, node, params.prices);
        node.teeMeasurement = params.teeMeasurement;
        node.metadataURI = params.metadataURI;
        emit NodeUpdated(
            nodeId,
            params.metadataURI,
            params.modes,
            params.teeMeasurement,
            params.capacity,
            params.prices
        );

        // A node that asks for more must be covered; one that asks for less or the same never fails here.
        if (newTop > oldTop) _checkStake(msg.sender);
    }

    /// @inheritdoc INodeRegistry
    function addModels(uint256 nodeId, bytes32[] calldata modelIds) external override {
        _addModels(nodeId, _operated(nodeId), modelIds);
    }

    /// @inheritdoc INodeRegistry
    function removeModels(uint256 nodeId, bytes32[] calldata modelIds) external override {
        Nodes.Node storage node = _operated(nodeId);
        uint256 count = modelIds.length;
        for (uint256 i; i < count; ++i) {
            bytes32 modelId = modelIds[i];
            require(_serves[nodeId][modelId], NodeDoesNotServeModel(nodeId, modelId));
            _serves[nodeId][modelId] = false;
            emit NodeModelRemoved(nodeId, modelId);
        }
        node.modelCount -= uint32(count);
    }

    /// @inheritdoc INodeRegistry
    function deregisterNode(uint256 nodeId) external override {
        Nodes.Node storage node = _operated(nodeId);
        node.active = false;
        --_nodeCounts[msg.sender][_topMode(node.modes)];
        emit NodeDeregistered(nodeId, msg.sender);
    }

    /// @inheritdoc INodeRegistry
    function heartbeat(uint256 nodeId) external override {
        _operated(nodeId).lastSeen = uint40(block.timestamp);
        emit NodeHeartbeat(nodeId, uint64(block.timestamp));
    }

    /// @inheritdoc INodeRegistry
    function jailNode(uint256 nodeId, uint64 jailedUntil) external override onlyRole(JAILER_ROLE) {
        Nodes.Node storage node = _existing(nodeId);
        uint64 latest = uint64(block.timestamp) + MAX_JAIL_DURATION;
        require(jailedUntil > block.timestamp && jailedUntil <= latest, NodeInvalidJailTerm(jailedUntil, latest));
        node.jailedUntil = uint40(jailedUntil);
        emit NodeJailed(nodeId, jailedUntil);
    }

    /// @inheritdoc INodeRegistry
    function unjailNode(uint256 nodeId) external override onlyRole(JAILER_ROLE) {
        _existing(nodeId).jailedUntil = 0;
        emit NodeUnjailed(nodeId);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                    GOVERNANCE
    //////////////////////////////////////////////////////////////////////////*/

    /// @inheritdoc INodeRegistry
    function setMinimumStake(Nodes.Mode mode, uint256 newMinimum) external override onlyRole(DEFAULT_ADMIN_ROLE) {
        uint8 index = uint8(mode);
        uint256 lower = index == 0 ? MIN_MINIMUM_STAKE : _minimums[index - 1];
        uint256 upper = index == MODE_COUNT - 1 ? MAX_MINIMUM_STAKE : _minimums[index + 1];
        require(
            newMinimum >= MIN_MINIMUM_STAKE &&
                newMinimum <= MAX_MINIMUM_STAKE &&
                newMinimum >= lower &&
                newMinimum <= upper,
            NodeParameterOutOfBounds("minimumStake", newMinimum, lower, upper)
        );
        emit MinimumStakeSet(mode, _minimums[uint8(mode)], newMinimum);
        _minimums[uint8(mode)] = uint128(newMinimum);
    }

    /// @inheritdoc INodeRegistry
    function setLivenessWindow(uint64 newWindow) external override onlyRole(DEFAULT_ADMIN_ROLE) {
        require(
            newWindow >= MIN_LIVENESS_WINDOW && newWindow <= MAX_LIVENESS_WINDOW,
            NodeParameterOutOfBounds("livenessWindow", newWindow, MIN_LIVENESS_WINDOW, MAX_LIVENESS_WINDOW)
        );
        emit LivenessWindowSet(livenessWindow, newWindow);
        livenessWindow = newWindow;
    }

    /// @inheritdoc INodeRegistry
    function setMinimumOwnStake(uint256 newMinimum) external override onlyRole(DEFAULT_ADMIN_ROLE) {
        require(
            newMinimum >= MIN_MINIMUM_OWN_STAKE && newMinimum <= MAX_MINIMUM_OWN_STAKE,
            NodeParameterOutOfBounds("minimumOwnStake", newMinimum, MIN_MINIMUM_OWN_STAKE, MAX_MINIMUM_OWN_STAKE)
        );
        emit MinimumOwnStakeSet(_minimums[OWN_MINIMUM], newMinimum);
        _minimums[OWN_MINIMUM] = uint128(newMinimum);
    }

    /// @inheritdoc INodeRegistry
    function setTeeMeasurementApproval(
        bytes32 measurement,
        bool approved
    ) external override onlyRole(DEFAULT_ADMIN_ROLE) {
        _approvedMeasurements[measurement] = approved;
        emit TeeMeasurementApprovalSet(measurement, approved);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                 INTERNAL FUNCTIONS
    //////////////////////////////////////////////////////////////////////////*/

    function _addModels(uint256 nodeId, Nodes.Node storage node, bytes32[] calldata modelIds) internal {
        uint256 count = modelIds.length;
        uint256 total = node.modelCount + count;
        require(total <= MAX_MODELS_PER_NODE, NodeTooManyModels(total, MAX_MODELS_PER_NODE));
        for (uint256 i; i < count; ++i) {
            bytes32 modelId = modelIds[i];
            require(MODELS.exists(modelId), NodeUnknownModel(modelId));
            require(!_serves[nodeId][modelId], NodeAlreadyServesModel(nodeId, modelId));
            _serves[nodeId][modelId] = true;
            emit NodeModelAdded(nodeId, modelId);
        }
        node.modelCount = uint32(total);
    }

    /// @dev The prices in force now: the scheduled ones once their increase is due, the stored ones before.
    function _pricesNow(Nodes.Node storage node) internal view returns (uint80[MODE_COUNT] memory) {
        uint40 increaseAt = node.priceIncreaseAt;
        return increaseAt != 0 && block.timestamp >= increaseAt ? node.pendingPrices : node.prices;
    }

    /// @dev Applies decreases at once and schedules increases {PRICE_INCREASE_DELAY} later, so that no request pays
    /// a price raised after it was posted (requests stay open less long). A mode offered anew is priced like any
    /// other: its price rises from 0 after the delay, and until then its operator decides whether to fulfil at 0.
    function _setPrices(uint256 nodeId, Nodes.Node storage node, uint80[MODE_COUNT] calldata prices) internal {
        // The increase already waiting, asked again (say, with a new URI), keeps its schedule.
        if (node.priceIncreaseAt > block.timestamp && _samePrices(node.pendingPrices, prices)) return;
        uint80[MODE_COUNT] memory current = _pricesNow(node);
        bool increase;
        for (uint256 mode; mode < MODE_COUNT; ++mode) {
            if (prices[mode] > current[mode]) increase = true;
            else current[mode] = prices[mode];
        }
        node.prices = current;
        if (!increase) {
            node.priceIncreaseAt = 0;
            return;
        }
        uint64 effectiveAt = uint64(block.timestamp) + PRICE_INCREASE_DELAY;
        node.pendingPrices = prices;
        node.priceIncreaseAt = uint40(effectiveAt);
        emit NodePriceIncreaseScheduled(nodeId, prices, effectiveAt);
    }

    function _samePrices(uint80[MODE_COUNT] storage a, uint80[MODE_COUNT] calldata b) internal view returns (bool) {
        for (uint256 mode; mode < MODE_COUNT; ++mode) if (a[mode] != b[mode]) return false;
        return true;
    }

    function _checkParams(Nodes.NodeParams calldata params) internal pure {
        uint8 modes = params.modes;
        require(modes != 0 && modes < (1 << MODE_COUNT), NodeInvalidModes(modes));
        bool tee = modes & _bit(Nodes.Mode.Tee) != 0;
        require(!tee || params.teeMeasurement != bytes32(0), NodeTeeMeasurementMissing());
        require(tee || params.teeMeasurement == bytes32(0), NodeTeeMeasurementWithoutTee(params.teeMeasurement));
        require(params.capacity > 0, NodeZeroCapacity());
        for (uint8 mode; mode < MODE_COUNT; ++mode) {
            uint80 price = params.prices[mode];
            require(price == 0 || modes & (1 << mode) != 0, NodePriceForModeNotOffered(Nodes.Mode(mode), price));
        }
    }

    function _checkStake(address operator) internal view {
        (uint256 own, uint256 delegated) = STAKING.stakeOf(operator);
        uint256 requiredOwn = requiredOwnStakeOf(operator);
        require(own >= requiredOwn, NodeInsufficientOwnStake(operator, own, requiredOwn));
        uint256 required = requiredStakeOf(operator);
        require(own + delegated >= required, NodeInsufficientStake(operator, own + delegated, required));
    }

    /// @dev Whether the operator's active stake covers its active nodes: its own stake first, then in all.
    function _stakeEligibility(address operator) internal view returns (Nodes.Eligibility) {
        (uint256 own, uint256 delegated) = STAKING.stakeOf(operator);
        if (own < requiredOwnStakeOf(operator)) return Nodes.Eligibility.InsufficientOwnStake;
        if (own + delegated < requiredStakeOf(operator)) return Nodes.Eligibility.InsufficientStake;
        return Nodes.Eligibility.Eligible;
    }

    function _existing(uint256 nodeId) internal view returns (Nodes.Node storage node) {
        node = _nodes[nodeId];
        require(node.operator != address(0), NodeNotFound(nodeId));
    }

    function _operated(uint256 nodeId) internal view returns (Nodes.Node storage node) {
        node = _existing(nodeId);
        require(msg.sender == node.operator, NodeNotOperator(nodeId, msg.sender, node.operator));
        require(node.active, NodeInactive(nodeId));
    }

    /// @dev The most demanding mode of a mask: ZK over TEE over none.
    function _topMode(uint8 modes) internal pure returns (uint8 top) {
        for (uint8 mode = MODE_COUNT; mode > 0; --mode) {
            if (modes & (1 << (mode - 1)) != 0) return mode - 1;
        }
    }

    function _bit(Nodes.Mode mode) internal pure returns (uint8) {
        return uint8(1 << uint8(mode));
    }
}
