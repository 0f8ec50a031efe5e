// Mirrors indexer/src/ModelRegistry.ts.
import { BigInt, Bytes, ValueKind, log } from "@graphprotocol/graph-ts";

import {
  MaxRoyaltySet,
  ModelCommitted,
  ModelMetadataSet,
  ModelOwnershipTransferStarted,
  ModelOwnershipTransferred,
  ModelRegistered,
  ModelRoyaltyIncreaseScheduled,
  ModelRoyaltySet,
  RoleAdminChanged,
  RoleGranted,
  RoleRevoked,
} from "../generated/ModelRegistry/ModelRegistry";
import { Model, ModelOwnership } from "../generated/schema";
import { ZERO_ADDRESS, eventId, logEvent, where } from "./common";

const CONTRACT = "ModelRegistry";

/** A registered model: a later event for an unknown one stops the subgraph, as Ponder's update throws. */
function model(id: Bytes): Model {
  const row = Model.load(id);
  if (row == null) log.critical("ModelRegistry: no model {}", [id.toHexString()]);
  return row!;
}

/**
 * A scheduled royalty increase takes effect at royaltyEffectiveAt without an event: the handlers apply it when the
 * next event touches the model (a payment for it, any registry event), as Ponder's promoteRoyalty. The caller saves.
 */
export function promoteRoyalty(m: Model, now: BigInt): void {
  const pending = m.get("pendingRoyaltyPpm");
  const effectiveAt = m.royaltyEffectiveAt;
  // Truthiness tests: `== null` on a nullable BigInt would call its overloaded `==`.
  if (!pending || pending.kind == ValueKind.NULL || !effectiveAt || effectiveAt.gt(now)) return;
  m.royaltyPpm = pending.toI32();
  m.unset("pendingRoyaltyPpm");
  m.royaltyEffectiveAt = null;
}

export function handleModelRegistered(event: ModelRegistered): void {
  const a = event.params;
  const row = new Model(a.modelId);
  row.owner = a.owner;
  row.pendingOwner = null;
  row.royaltyPpm = a.royaltyPpm.toI32();
  // A nullable Int has no null in AssemblyScript's i32: unset() stores the null Ponder stores.
  row.unset("pendingRoyaltyPpm");
  row.royaltyEffectiveAt = null;
  row.metadataURI = a.metadataURI;
  row.registeredAt = event.block.timestamp;
  row.save();
}

export function handleModelMetadataSet(event: ModelMetadataSet): void {
  const m = model(event.params.modelId);
  promoteRoyalty(m, event.block.timestamp);
  m.metadataURI = event.params.metadataURI;
  m.save();
}

export function handleModelRoyaltySet(event: ModelRoyaltySet): void {
  const m = model(event.params.modelId);
  m.royaltyPpm = event.params.newRoyaltyPpm.toI32();
  m.unset("pendingRoyaltyPpm");
  m.royaltyEffectiveAt = null;
  m.save();
}

export function handleModelRoyaltyIncreaseScheduled(event: ModelRoyaltyIncreaseScheduled): void {
  const a = event.params;
  const m = model(a.modelId);
  m.royaltyPpm = a.currentRoyaltyPpm.toI32();
  m.pendingRoyaltyPpm = a.newRoyaltyPpm.toI32();
  m.royaltyEffectiveAt = a.effectiveAt;
  m.save();
}

export function handleModelOwnershipTransferStarted(event: ModelOwnershipTransferStarted): void {
  const a = event.params;
  const row = new ModelOwnership(eventId(event));
  row.modelId = a.modelId;
  row.kind = "offered";
  row.from = a.owner;
  row.to = a.pendingOwner;
  where(row, event);
  row.save();
  const m = model(a.modelId);
  promoteRoyalty(m, event.block.timestamp);
  m.pendingOwner = a.pendingOwner.equals(ZERO_ADDRESS) ? null : a.pendingOwner;
  m.save();
}

export function handleModelOwnershipTransferred(event: ModelOwnershipTransferred): void {
  const a = event.params;
  const row = new ModelOwnership(eventId(event));
  row.modelId = a.modelId;
  row.kind = "transferred";
  row.from = a.previousOwner;
  row.to = a.newOwner;
  where(row, event);
  row.save();
  const m = model(a.modelId);
  promoteRoyalty(m, event.block.timestamp);
  m.owner = a.newOwner;
  m.pendingOwner = null;
  m.save();
}

export function handleModelCommitted(event: ModelCommitted): void {
  logEvent(event, CONTRACT, "ModelCommitted");
}

export function handleMaxRoyaltySet(event: MaxRoyaltySet): void {
  logEvent(event, CONTRACT, "MaxRoyaltySet", ["oldMaxRoyaltyPpm", "newMaxRoyaltyPpm"]);
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
