import { ponder } from "ponder:registry";
import { proofBatch, proofChallenge, proofRecord } from "ponder:schema";

import { record } from "./network.js";
import { where } from "./where.js";

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

ponder.on("ProofRegistry:RecordChallenged", async ({ event, context }) => {
  const a = event.args;
  await context.db.insert(proofChallenge).values({
    id: a.challengeId,
    root: a.root,
    inferenceId: a.inferenceId,
    nodeId: a.nodeId,
    challenger: a.challenger,
    bond: a.bond,
    status: "pending",
    slashed: null,
    bondReturned: null,
    openedAt: event.block.timestamp,
    resolvedAt: null,
  });
});

ponder.on("ProofRegistry:ChallengeResolved", async ({ event, context }) => {
  const { challengeId, upheld, slashed, bondReturned } = event.args;
  await context.db.update(proofChallenge, { id: challengeId }).set({
    status: upheld ? "upheld" : "rejected",
    slashed,
    bondReturned,
    resolvedAt: event.block.timestamp,
  });
});
