// Mirrors indexer/src/ProofRegistry.ts.
import { log } from "@graphprotocol/graph-ts";

import {
  BatchCommitted,
  ChallengeResolved,
  ParameterSet,
  RecordChallenged,
  RecordCommitted,
  RoleAdminChanged,
  RoleGranted,
  RoleRevoked,
  VerifierSet,
} from "../generated/ProofRegistry/ProofRegistry";
import { ProofBatch, ProofChallenge, ProofRecord } from "../generated/schema";
import { logEvent, where } from "./common";

const CONTRACT = "ProofRegistry";

export function handleRecordCommitted(event: RecordCommitted): void {
  const a = event.params;
  const row = new ProofRecord(a.inferenceId);
  row.nodeId = a.nodeId;
  row.modelId = a.modelId;
  row.inputHash = a.inputHash;
  row.outputHash = a.outputHash;
  row.proofType = a.proofType;
  row.proofHash = a.proofHash;
  row.leaf = a.leaf;
  where(row, event);
  row.save();
}

export function handleBatchCommitted(event: BatchCommitted): void {
  const a = event.params;
  const row = new ProofBatch(a.root);
  row.nodeId = a.nodeId;
  row.recordCount = a.recordCount;
  row.uri = a.uri;
  where(row, event);
  row.save();
}

export function handleRecordChallenged(event: RecordChallenged): void {
  const a = event.params;
  const row = new ProofChallenge(a.challengeId);
  row.root = a.root;
  row.inferenceId = a.inferenceId;
  row.nodeId = a.nodeId;
  row.challenger = a.challenger;
  row.bond = a.bond;
  row.status = "pending";
  row.slashed = null;
  row.bondReturned = null;
  row.openedAt = event.block.timestamp;
  row.resolvedAt = null;
  row.save();
}

export function handleChallengeResolved(event: ChallengeResolved): void {
  const a = event.params;
  const row = ProofChallenge.load(a.challengeId);
  // An unknown challenge stops the subgraph, as Ponder's update throws.
  if (row == null) {
    log.critical("ProofRegistry: no challenge {}", [a.challengeId.toHexString()]);
    return;
  }
  row.status = a.upheld ? "upheld" : "rejected";
  row.slashed = a.slashed;
  row.bondReturned = a.bondReturned;
  row.resolvedAt = event.block.timestamp;
  row.save();
}

export function handleParameterSet(event: ParameterSet): void {
  logEvent(event, CONTRACT, "ParameterSet");
}

export function handleVerifierSet(event: VerifierSet): void {
  logEvent(event, CONTRACT, "VerifierSet");
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
