import { ponder } from "ponder:registry";
import { model, modelOwnership } from "ponder:schema";
import { zeroAddress } from "viem";

import { where } from "./where.js";

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
  await context.db
    .insert(modelOwnership)
    .values({ id: event.id, modelId, kind: "offered", from: owner, to: pendingOwner, ...where(event) });
  await context.db
    .update(model, { id: modelId })
    .set({ pendingOwner: pendingOwner === zeroAddress ? null : pendingOwner });
});

ponder.on("ModelRegistry:ModelOwnershipTransferred", async ({ event, context }) => {
  const { modelId, previousOwner, newOwner } = event.args;
  await context.db
    .insert(modelOwnership)
    .values({ id: event.id, modelId, kind: "transferred", from: previousOwner, to: newOwner, ...where(event) });
  await context.db.update(model, { id: modelId }).set({ owner: newOwner, pendingOwner: null });
});
