// Mirrors indexer/src/ModelRegistry.ts.
import { Bytes, log } from "@graphprotocol/graph-ts";

import {
  MaxRoyaltySet,
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
  m.owner = a.newOwner;
  m.pendingOwner = null;
  m.save();
}

export function handleMaxRoyaltySet(event: MaxRoyaltySet): void {
  logEvent(event, CONTRACT, "MaxRoyaltySet");
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
