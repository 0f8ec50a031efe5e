// Mirrors indexer/src/NodeRegistry.ts.
import { Address, BigInt, Bytes, ethereum, log, store } from "@graphprotocol/graph-ts";

import {
  LivenessWindowSet,
  MinimumOwnStakeSet,
  MinimumStakeSet,
  NodeDeregistered,
  NodeHeartbeat,
  NodeJailed,
  NodeModelAdded,
  NodeModelRemoved,
  NodePriceIncreaseScheduled,
  NodeRegistered,
  NodeUnjailed,
  NodeUpdated,
  RoleAdminChanged,
  RoleGranted,
  RoleRevoked,
  TeeMeasurementApprovalSet,
} from "../generated/NodeRegistry/NodeRegistry";
import { MinimumStake, Node, NodeModel, NodeRegistryParams, TeeMeasurement } from "../generated/schema";
import { ZERO, logEvent } from "./common";
import { operator } from "./operators";

const CONTRACT = "NodeRegistry";
const PARAMS = "NodeRegistry";
const OPG = BigInt.fromI32(10).pow(18);
/** The contract's defaults, before any MinimumStakeSet: none, tee, zk (in OPG). */
const DEFAULT_MINIMUM_STAKES: i32[] = [10_000, 25_000, 50_000];
const DEFAULT_LIVENESS_WINDOW: i32 = 3_600;
/** The contract's default own stake per active node, in OPG. */
const DEFAULT_MINIMUM_OWN_STAKE: i32 = 5_000;

/** The registry's parameters with the contract's defaults: Ponder's defaultParams. */
function params(): NodeRegistryParams {
  let row = NodeRegistryParams.load(PARAMS);
  if (row == null) {
    row = new NodeRegistryParams(PARAMS);
    row.livenessWindow = BigInt.fromI32(DEFAULT_LIVENESS_WINDOW);
    row.minimumOwnStake = BigInt.fromI32(DEFAULT_MINIMUM_OWN_STAKE).times(OPG);
  }
  return row;
}

/** The operator's active node count changes by `delta`. */
function countNodes(op: Address, delta: i32): void {
  const o = operator(op);
  o.activeNodes = o.activeNodes + delta;
  o.save();
}

/** Ponder's NodeRegistry:setup, as a block handler that runs once at the start block. */
export function handleSetup(block: ethereum.Block): void {
  for (let mode = 0; mode < DEFAULT_MINIMUM_STAKES.length; mode++) {
    if (MinimumStake.load(mode.toString()) != null) continue;
    const row = new MinimumStake(mode.toString());
    row.mode = mode;
    row.minimum = BigInt.fromI32(DEFAULT_MINIMUM_STAKES[mode]).times(OPG);
    row.save();
  }
  if (NodeRegistryParams.load(PARAMS) == null) params().save();
}

/** A registered node: a later event for an unknown one stops the subgraph, as Ponder's update throws. */
function node(id: BigInt): Node {
  const row = Node.load(id.toString());
  if (row == null) log.critical("NodeRegistry: no node {}", [id.toString()]);
  return row!;
}

function declare(row: Node, metadataURI: string, modes: i32, tee: Bytes, capacity: BigInt): void {
  row.metadataURI = metadataURI;
  row.modes = modes;
  row.teeMeasurement = tee;
  row.capacity = capacity.toI32();
}

/** The prices in force at `time` (NodeRegistry._pricesNow): the scheduled ones once their increase is due. */
function pricesNow(row: Node, time: BigInt): BigInt[] {
  const at = row.priceIncreaseAt;
  if (at && at.le(time)) {
    const none = row.pendingPriceNone;
    const tee = row.pendingPriceTee;
    const zk = row.pendingPriceZk;
    return [none ? none : ZERO, tee ? tee : ZERO, zk ? zk : ZERO];
  }
  return [row.priceNone, row.priceTee, row.priceZk];
}

function noIncrease(row: Node): void {
  row.pendingPriceNone = null;
  row.pendingPriceTee = null;
  row.pendingPriceZk = null;
  row.priceIncreaseAt = null;
}

function nodeModelId(nodeId: BigInt, modelId: Bytes): string {
  return nodeId.toString() + "-" + modelId.toHexString();
}

export function handleNodeRegistered(event: NodeRegistered): void {
  const a = event.params;
  const row = new Node(a.nodeId.toString());
  row.operator = a.operator;
  declare(row, a.metadataURI, a.modes, a.teeMeasurement, a.capacity);
  row.priceNone = a.prices[0];
  row.priceTee = a.prices[1];
  row.priceZk = a.prices[2];
  noIncrease(row);
  row.active = true;
  row.jailedUntil = ZERO;
  row.lastSeen = event.block.timestamp;
  row.registeredAt = event.block.timestamp;
  row.save();
  countNodes(a.operator, 1);
}

/** As NodeRegistry._setPrices: a decrease applies at once, an increase waits (NodePriceIncreaseScheduled came first). */
export function handleNodeUpdated(event: NodeUpdated): void {
  const a = event.params;
  const row = node(a.nodeId);
  declare(row, a.metadataURI, a.modes, a.teeMeasurement, a.capacity);
  const current = pricesNow(row, event.block.timestamp);
  let increase = false;
  for (let mode = 0; mode < 3; mode++) {
    if (a.prices[mode].gt(current[mode])) increase = true;
    else current[mode] = a.prices[mode];
  }
  row.priceNone = current[0];
  row.priceTee = current[1];
  row.priceZk = current[2];
  if (!increase) noIncrease(row);
  row.save();
}

export function handleNodePriceIncreaseScheduled(event: NodePriceIncreaseScheduled): void {
  const a = event.params;
  const row = node(a.nodeId);
  // An earlier increase that is due by now is the price in force: it becomes the stored price first.
  const now = pricesNow(row, event.block.timestamp);
  row.priceNone = now[0];
  row.priceTee = now[1];
  row.priceZk = now[2];
  row.pendingPriceNone = a.prices[0];
  row.pendingPriceTee = a.prices[1];
  row.pendingPriceZk = a.prices[2];
  row.priceIncreaseAt = a.effectiveAt;
  row.save();
}

export function handleNodeModelAdded(event: NodeModelAdded): void {
  const id = nodeModelId(event.params.nodeId, event.params.modelId);
  if (NodeModel.load(id) != null) return;
  const row = new NodeModel(id);
  row.nodeId = event.params.nodeId;
  row.modelId = event.params.modelId;
  row.save();
}

export function handleNodeModelRemoved(event: NodeModelRemoved): void {
  store.remove("NodeModel", nodeModelId(event.params.nodeId, event.params.modelId));
}

export function handleNodeDeregistered(event: NodeDeregistered): void {
  const row = node(event.params.nodeId);
  row.active = false;
  row.save();
  countNodes(event.params.operator, -1);
}

export function handleNodeHeartbeat(event: NodeHeartbeat): void {
  const row = node(event.params.nodeId);
  row.lastSeen = event.params.timestamp;
  row.save();
}

export function handleNodeJailed(event: NodeJailed): void {
  const row = node(event.params.nodeId);
  row.jailedUntil = event.params.jailedUntil;
  row.save();
}

export function handleNodeUnjailed(event: NodeUnjailed): void {
  const row = node(event.params.nodeId);
  row.jailedUntil = ZERO;
  row.save();
}

export function handleMinimumStakeSet(event: MinimumStakeSet): void {
  const id = event.params.mode.toString();
  let row = MinimumStake.load(id);
  if (row == null) {
    row = new MinimumStake(id);
    row.mode = event.params.mode;
  }
  row.minimum = event.params.newMinimum;
  row.save();
}

export function handleLivenessWindowSet(event: LivenessWindowSet): void {
  const row = params();
  row.livenessWindow = event.params.newWindow;
  row.save();
}

export function handleMinimumOwnStakeSet(event: MinimumOwnStakeSet): void {
  const row = params();
  row.minimumOwnStake = event.params.newMinimum;
  row.save();
}

export function handleTeeMeasurementApprovalSet(event: TeeMeasurementApprovalSet): void {
  let row = TeeMeasurement.load(event.params.measurement);
  if (row == null) row = new TeeMeasurement(event.params.measurement);
  row.approved = event.params.approved;
  row.save();
}

export function handleRoleAdminChanged(event: RoleAdminChanged): void {
  logEvent(event, CONTRACT, "RoleAdminChanged");
}

export function handleRoleGranted(event: RoleGranted): void {
  logEvent(event, CONTRACT, "RoleGranted");
}

export function handleRoleRevoked(event: RoleRevoked): void {
  logEvent(event, CONTRACT, "RoleRevoked");
}
