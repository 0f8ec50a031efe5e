import { type Context, ponder } from "ponder:registry";
import { model, modelOwnership } from "ponder:schema";
import { zeroAddress } from "viem";

import { where } from "./where.js";

type Model = typeof model.$inferSelect;

/**
 * A scheduled royalty increase takes effect at `royaltyEffectiveAt` without an event. The handlers apply it when the
 * next event touches the model (a payment for it, any registry event); readers apply it themselves before that
 * (`effectiveRoyalty`).
 */
export async function promoteRoyalty(db: Context["db"], row: Model, now: bigint) {
  if (row.pendingRoyaltyPpm === null || row.royaltyEffectiveAt === null || row.royaltyEffectiveAt > now) return;
  await db
    .update(model, { id: row.id })
    .set({ royaltyPpm: row.pendingRoyaltyPpm, pendingRoyaltyPpm: null, royaltyEffectiveAt: null });
}

async function touch(db: Context["db"], modelId: `0x${string}`, now: bigint) {
  const row = await db.find(model, { id: modelId });
  if (row) await promoteRoyalty(db, row, now);
}

ponder.on("ModelRegistry:ModelRegistered", async ({ event, context }) => {
  const { modelId, owner, royaltyPpm, metadataURI } = event.args;
  await context.db.insert(model).values({
    id: modelId,
    owner,
    pendingOwner: null,
    royaltyPpm,
    pendingRoyaltyPpm: null,
    royaltyEffectiveAt: null,
    metadataURI,
    registeredAt: event.block.timestamp,
  });
});

ponder.on("ModelRegistry:ModelMetadataSet", async ({ event, context }) => {
  const { modelId, metadataURI } = event.args;
  await touch(context.db, modelId, event.block.timestamp);
  await context.db.update(model, { id: modelId }).set({ metadataURI });
});

ponder.on("ModelRegistry:ModelRoyaltySet", async ({ event, context }) => {
  const { modelId, newRoyaltyPpm } = event.args;
  await context.db
    .update(model, { id: modelId })
    .set({ royaltyPpm: newRoyaltyPpm, pendingRoyaltyPpm: null, royaltyEffectiveAt: null });
});

ponder.on("ModelRegistry:ModelRoyaltyIncreaseScheduled", async ({ event, context }) => {
  const { modelId, currentRoyaltyPpm, newRoyaltyPpm, effectiveAt } = event.args;
  await context.db.update(model, { id: modelId }).set({
    royaltyPpm: currentRoyaltyPpm,
    pendingRoyaltyPpm: newRoyaltyPpm,
    royaltyEffectiveAt: effectiveAt,
  });
});

ponder.on("ModelRegistry:ModelOwnershipTransferStarted", async ({ event, context }) => {
  const { modelId, owner, pendingOwner } = event.args;
  await touch(context.db, modelId, event.block.timestamp);
  await context.db
    .insert(modelOwnership)
    .values({ id: event.id, modelId, kind: "offered", from: owner, to: pendingOwner, ...where(event) });
  await context.db
    .update(model, { id: modelId })
    .set({ pendingOwner: pendingOwner === zeroAddress ? null : pendingOwner });
});

ponder.on("ModelRegistry:ModelOwnershipTransferred", async ({ event, context }) => {
  const { modelId, previousOwner, newOwner } = event.args;
  await touch(context.db, modelId, event.block.timestamp);
  await context.db
    .insert(modelOwnership)
    .values({ id: event.id, modelId, kind: "transferred", from: previousOwner, to: newOwner, ...where(event) });
  await context.db.update(model, { id: modelId }).set({ owner: newOwner, pendingOwner: null });
});
