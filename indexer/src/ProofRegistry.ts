import { ponder } from "ponder:registry";
import { node, operator, proofBatch, proofChallenge, proofRecord } from "ponder:schema";

import { record } from "./network.js";
import { emptyOperator, where } from "./where.js";

/** Proofs.ChallengeStatus by name, as the outcome of ChallengeResolved gives it. */
export const CHALLENGE_STATUS = ["none", "pending", "upheld", "rejected", "expired", "superseded"] as const;

ponder.on("ProofRegistry:RecordCommitted", async ({ event, context }) => {
  const a = event.args;
  await context.db.insert(proofRecord).values({
    inferenceId: a.inferenceId,
    nodeId: a.nodeId,
    modelId: a.modelId,
    inputHash: a.inputHash,
    outputHash: a.outputHash,
    proofType: a.proofType,
    proofHash: a.proofHash,
    leaf: a.leaf,
    ...where(event),
  });
  await record(context.db, event.block.timestamp, { proofsCommitted: 1n, proofRecords: 1 });
});

ponder.on("ProofRegistry:BatchCommitted", async ({ event, context }) => {
  const { nodeId, root, recordCount, uri } = event.args;
  await context.db.insert(proofBatch).values({ root, nodeId, recordCount, uri, ...where(event) });
  await record(context.db, event.block.timestamp, { proofsCommitted: recordCount, proofBatches: 1 });
});

/** Every challenge opens pending (one a verifier decides is resolved in the same transaction, right after). */
ponder.on("ProofRegistry:RecordChallenged", async ({ event, context }) => {
  const a = event.args;
  const op = (await context.db.find(node, { id: a.nodeId }))!.operator;
  await context.db.insert(proofChallenge).values({
    id: a.challengeId,
    root: a.root,
    inferenceId: a.inferenceId,
    recordKey: a.recordKey,
    nodeId: a.nodeId,
    operator: op,
    challenger: a.challenger,
    bond: a.bond,
    lockedStake: a.lockedStake,
    decideBy: a.decideBy,
    status: "pending",
    slashed: null,
    toChallenger: null,
    bondRecipient: null,
    openedAt: event.block.timestamp,
    resolvedAt: null,
  });
  await context.db
    .insert(operator)
    .values({ address: op, ...emptyOperator, pendingChallenges: 1 })
    .onConflictDoUpdate((row) => ({ pendingChallenges: row.pendingChallenges + 1 }));
});

ponder.on("ProofRegistry:ChallengeResolved", async ({ event, context }) => {
  const { challengeId, outcome, slashed, toChallenger, bondRecipient } = event.args;
  const before = (await context.db.find(proofChallenge, { id: challengeId }))!;
  await context.db.update(proofChallenge, { id: challengeId }).set({
    status: CHALLENGE_STATUS[outcome] ?? `unknown(${outcome})`,
    slashed,
    toChallenger,
    bondRecipient,
    resolvedAt: event.block.timestamp,
  });
  if (before.status === "pending")
    await context.db
      .update(operator, { address: before.operator })
      .set((row) => ({ pendingChallenges: row.pendingChallenges - 1 }));
});
