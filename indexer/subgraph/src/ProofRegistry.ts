// Mirrors indexer/src/ProofRegistry.ts.
import { Address, BigInt, Bytes, ethereum, log } from "@graphprotocol/graph-ts";

import {
  BatchCommitted,
  ChallengeCommitted,
  CoverageSet,
  ChallengeResolved,
  ChallengeBondSet,
  ChallengeWindowSet,
  DecisionPeriodSet,
  LockBondSet,
  SlashSet,
  RecordChallenged,
  RecordCommitted,
  RoleAdminChanged,
  RoleGranted,
  RoleRevoked,
  VerifierSet,
} from "../generated/ProofRegistry/ProofRegistry";
import { Node, ProofBatch, ProofChallenge, ProofRecord } from "../generated/schema";
import { logEvent, where } from "./common";
import { change, record } from "./network";
import { operator } from "./operators";

/** Proofs.ChallengeStatus by name, as the outcome of ChallengeResolved gives it. */
const CHALLENGE_STATUS: string[] = ["none", "pending", "upheld", "rejected", "expired", "superseded"];

/** A record's or batch's id: the node id as 32 bytes, then the inference id or root (Ponder's two-column key). */
function byNode(nodeId: BigInt, key: Bytes): Bytes {
  return ethereum.encode(ethereum.Value.fromUnsignedBigInt(nodeId))!.concat(key);
}

const CONTRACT = "ProofRegistry";

export function handleRecordCommitted(event: RecordCommitted): void {
  const a = event.params;
  const row = new ProofRecord(byNode(a.nodeId, a.inferenceId));
  row.nodeId = a.nodeId;
  row.inferenceId = a.inferenceId;
  row.modelId = a.modelId;
  row.inputHash = a.inputHash;
  row.outputHash = a.outputHash;
  row.proofType = a.proofType;
  row.proofHash = a.proofHash;
  row.leaf = a.leaf;
  where(row, event);
  row.save();
  const c = change();
  c.proofsCommitted = BigInt.fromI32(1);
  c.proofRecords = 1;
  record(event.block.timestamp, c);
}

export function handleBatchCommitted(event: BatchCommitted): void {
  const a = event.params;
  const row = new ProofBatch(byNode(a.nodeId, a.root));
  row.nodeId = a.nodeId;
  row.root = a.root;
  row.recordCount = a.recordCount;
  row.uri = a.uri;
  where(row, event);
  row.save();
  const c = change();
  c.proofsCommitted = a.recordCount;
  c.proofBatches = 1;
  record(event.block.timestamp, c);
}

/** Every challenge opens pending (one a verifier decides is resolved in the same transaction, right after). */
export function handleRecordChallenged(event: RecordChallenged): void {
  const a = event.params;
  const n = Node.load(a.nodeId.toString());
  if (n == null) {
    log.critical("ProofRegistry: no node {}", [a.nodeId.toString()]);
    return;
  }
  const row = new ProofChallenge(a.challengeId);
  row.root = a.root;
  row.inferenceId = a.inferenceId;
  row.recordKey = a.recordKey;
  row.nodeId = a.nodeId;
  row.operator = n.operator;
  row.challenger = a.challenger;
  row.bond = a.bond;
  row.lockedStake = a.lockedStake;
  row.decideBy = a.decideBy;
  row.status = "pending";
  row.slashed = null;
  row.toChallenger = null;
  row.bondRecipient = null;
  row.openedAt = event.block.timestamp;
  row.resolvedAt = null;
  row.save();
  const o = operator(Address.fromBytes(n.operator));
  o.pendingChallenges = o.pendingChallenges + 1;
  o.save();
}

export function handleChallengeResolved(event: ChallengeResolved): void {
  const a = event.params;
  const row = ProofChallenge.load(a.challengeId);
  // An unknown challenge stops the subgraph, as Ponder's update throws.
  if (row == null) {
    log.critical("ProofRegistry: no challenge {}", [a.challengeId.toHexString()]);
    return;
  }
  const wasPending = row.status == "pending";
  const outcome = i32(a.outcome);
  row.status = outcome < CHALLENGE_STATUS.length ? CHALLENGE_STATUS[outcome] : "unknown(" + outcome.toString() + ")";
  row.slashed = a.slashed;
  row.toChallenger = a.toChallenger;
  row.bondRecipient = a.bondRecipient;
  row.resolvedAt = event.block.timestamp;
  row.save();
  if (wasPending) {
    const o = operator(Address.fromBytes(row.operator));
    o.pendingChallenges = o.pendingChallenges - 1;
    o.save();
  }
}

export function handleChallengeWindowSet(event: ChallengeWindowSet): void {
  logEvent(event, CONTRACT, "ChallengeWindowSet");
}
export function handleDecisionPeriodSet(event: DecisionPeriodSet): void {
  logEvent(event, CONTRACT, "DecisionPeriodSet");
}
export function handleSlashSet(event: SlashSet): void {
  logEvent(event, CONTRACT, "SlashSet", ["oldSlashPpm", "newSlashPpm"]);
}
export function handleLockBondSet(event: LockBondSet): void {
  logEvent(event, CONTRACT, "LockBondSet", ["oldLockBondPpm", "newLockBondPpm"]);
}
export function handleChallengeBondSet(event: ChallengeBondSet): void {
  logEvent(event, CONTRACT, "ChallengeBondSet");
}

export function handleChallengeCommitted(event: ChallengeCommitted): void {
  logEvent(event, CONTRACT, "ChallengeCommitted");
}

export function handleCoverageSet(event: CoverageSet): void {
  logEvent(event, CONTRACT, "CoverageSet");
}

export function handleVerifierSet(event: VerifierSet): void {
  logEvent(event, CONTRACT, "VerifierSet", ["proofType"]);
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
