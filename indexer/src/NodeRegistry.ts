import { ponder } from "ponder:registry";
import { minimumStake, node, nodeModel, nodeRegistryParams, operator, teeMeasurement } from "ponder:schema";
import { parseEther } from "viem";

import { emptyOperator, pricesNow } from "./where.js";

/** The contract's defaults, before any MinimumStakeSet: none, tee, zk. */
const DEFAULT_MINIMUM_STAKES = [parseEther("10000"), parseEther("25000"), parseEther("50000")];
const DEFAULT_LIVENESS_WINDOW = 3_600n;
const DEFAULT_MINIMUM_OWN_STAKE = parseEther("5000");
const defaultParams = {
  id: "NodeRegistry",
  livenessWindow: DEFAULT_LIVENESS_WINDOW,
  minimumOwnStake: DEFAULT_MINIMUM_OWN_STAKE,
};

ponder.on("NodeRegistry:setup", async ({ context }) => {
  for (const [mode, minimum] of DEFAULT_MINIMUM_STAKES.entries())
    await context.db.insert(minimumStake).values({ mode, minimum }).onConflictDoNothing();
  await context.db.insert(nodeRegistryParams).values(defaultParams).onConflictDoNothing();
});

/** The node's active node count changes by `delta` (NodeRegistry's node counts, which its own stake must cover). */
async function countNodes(
  db: Parameters<Parameters<typeof ponder.on<"NodeRegistry:setup">>[1]>[0]["context"]["db"],
  op: `0x${string}`,
  delta: number,
) {
  await db
    .insert(operator)
    .values({ address: op, ...emptyOperator, activeNodes: delta })
    .onConflictDoUpdate((row) => ({ activeNodes: row.activeNodes + delta }));
}

const declared = (a: { metadataURI: string; modes: number; teeMeasurement: `0x${string}`; capacity: number }) => ({
  metadataURI: a.metadataURI,
  modes: a.modes,
  teeMeasurement: a.teeMeasurement,
  capacity: a.capacity,
});

const noIncrease = { pendingPriceNone: null, pendingPriceTee: null, pendingPriceZk: null, priceIncreaseAt: null };

ponder.on("NodeRegistry:NodeRegistered", async ({ event, context }) => {
  const a = event.args;
  await context.db.insert(node).values({
    id: a.nodeId,
    operator: a.operator,
    ...declared(a),
    priceNone: a.prices[0],
    priceTee: a.prices[1],
    priceZk: a.prices[2],
    ...noIncrease,
    active: true,
    jailedUntil: 0n,
    lastSeen: event.block.timestamp,
    registeredAt: event.block.timestamp,
  });
  await countNodes(context.db, a.operator, 1);
});

/**
 * As NodeRegistry._setPrices: a decrease applies at once, an increase waits (its NodePriceIncreaseScheduled comes
 * first in the same transaction and set the pending prices); the stored prices are the lower of those in force and
 * those asked.
 */
ponder.on("NodeRegistry:NodeUpdated", async ({ event, context }) => {
  const { nodeId, prices } = event.args;
  const row = (await context.db.find(node, { id: nodeId }))!;
  const current = [...pricesNow(row, event.block.timestamp)];
  let increase = false;
  for (let mode = 0; mode < 3; mode++) {
    if (prices[mode]! > current[mode]!) increase = true;
    else current[mode] = prices[mode]!;
  }
  await context.db.update(node, { id: nodeId }).set({
    ...declared(event.args),
    priceNone: current[0]!,
    priceTee: current[1]!,
    priceZk: current[2]!,
    ...(increase ? {} : noIncrease),
  });
});

ponder.on("NodeRegistry:NodePriceIncreaseScheduled", async ({ event, context }) => {
  const { nodeId, prices, effectiveAt } = event.args;
  const row = (await context.db.find(node, { id: nodeId }))!;
  // An earlier increase that is due by now is the price in force: it becomes the stored price first.
  const now = pricesNow(row, event.block.timestamp);
  await context.db.update(node, { id: nodeId }).set({
    priceNone: now[0],
    priceTee: now[1],
    priceZk: now[2],
    pendingPriceNone: prices[0],
    pendingPriceTee: prices[1],
    pendingPriceZk: prices[2],
    priceIncreaseAt: effectiveAt,
  });
});

ponder.on("NodeRegistry:NodeModelAdded", async ({ event, context }) => {
  const { nodeId, modelId } = event.args;
  await context.db.insert(nodeModel).values({ nodeId, modelId }).onConflictDoNothing();
});

ponder.on("NodeRegistry:NodeModelRemoved", async ({ event, context }) => {
  const { nodeId, modelId } = event.args;
  await context.db.delete(nodeModel, { nodeId, modelId });
});

ponder.on("NodeRegistry:NodeDeregistered", async ({ event, context }) => {
  await context.db.update(node, { id: event.args.nodeId }).set({ active: false });
  await countNodes(context.db, event.args.operator, -1);
});

ponder.on("NodeRegistry:NodeHeartbeat", async ({ event, context }) => {
  const { nodeId, timestamp } = event.args;
  await context.db.update(node, { id: nodeId }).set({ lastSeen: timestamp });
});

ponder.on("NodeRegistry:NodeJailed", async ({ event, context }) => {
  const { nodeId, jailedUntil } = event.args;
  await context.db.update(node, { id: nodeId }).set({ jailedUntil });
});

ponder.on("NodeRegistry:NodeUnjailed", async ({ event, context }) => {
  await context.db.update(node, { id: event.args.nodeId }).set({ jailedUntil: 0n });
});

ponder.on("NodeRegistry:MinimumStakeSet", async ({ event, context }) => {
  const { mode, newMinimum } = event.args;
  await context.db
    .insert(minimumStake)
    .values({ mode, minimum: newMinimum })
    .onConflictDoUpdate({ minimum: newMinimum });
});

ponder.on("NodeRegistry:LivenessWindowSet", async ({ event, context }) => {
  const { newWindow } = event.args;
  await context.db
    .insert(nodeRegistryParams)
    .values({ ...defaultParams, livenessWindow: newWindow })
    .onConflictDoUpdate({ livenessWindow: newWindow });
});

ponder.on("NodeRegistry:MinimumOwnStakeSet", async ({ event, context }) => {
  const { newMinimum } = event.args;
  await context.db
    .insert(nodeRegistryParams)
    .values({ ...defaultParams, minimumOwnStake: newMinimum })
    .onConflictDoUpdate({ minimumOwnStake: newMinimum });
});

ponder.on("NodeRegistry:TeeMeasurementApprovalSet", async ({ event, context }) => {
  const { measurement, approved } = event.args;
  await context.db.insert(teeMeasurement).values({ measurement, approved }).onConflictDoUpdate({ approved });
});
