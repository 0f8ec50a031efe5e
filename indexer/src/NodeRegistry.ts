import { ponder } from "ponder:registry";
import { minimumStake, node, nodeModel, nodeRegistryParams, teeMeasurement } from "ponder:schema";
import { parseEther } from "viem";

/** The contract's defaults, before any MinimumStakeSet: none, tee, zk. */
const DEFAULT_MINIMUM_STAKES = [parseEther("10000"), parseEther("25000"), parseEther("50000")];
const DEFAULT_LIVENESS_WINDOW = 3_600n;

ponder.on("NodeRegistry:setup", async ({ context }) => {
  for (const [mode, minimum] of DEFAULT_MINIMUM_STAKES.entries())
    await context.db.insert(minimumStake).values({ mode, minimum }).onConflictDoNothing();
  await context.db
    .insert(nodeRegistryParams)
    .values({ id: "NodeRegistry", livenessWindow: DEFAULT_LIVENESS_WINDOW })
    .onConflictDoNothing();
});

const declared = (a: {
  metadataURI: string;
  modes: number;
  teeMeasurement: `0x${string}`;
  capacity: number;
  prices: readonly [bigint, bigint, bigint];
}) => ({
  metadataURI: a.metadataURI,
  modes: a.modes,
  teeMeasurement: a.teeMeasurement,
  capacity: a.capacity,
  priceNone: a.prices[0],
  priceTee: a.prices[1],
  priceZk: a.prices[2],
});

ponder.on("NodeRegistry:NodeRegistered", async ({ event, context }) => {
  const a = event.args;
  await context.db.insert(node).values({
    id: a.nodeId,
    operator: a.operator,
    ...declared(a),
    active: true,
    jailedUntil: 0n,
    lastSeen: event.block.timestamp,
    registeredAt: event.block.timestamp,
  });
});

ponder.on("NodeRegistry:NodeUpdated", async ({ event, context }) => {
  await context.db.update(node, { id: event.args.nodeId }).set(declared(event.args));
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
    .values({ id: "NodeRegistry", livenessWindow: newWindow })
    .onConflictDoUpdate({ livenessWindow: newWindow });
});

ponder.on("NodeRegistry:TeeMeasurementApprovalSet", async ({ event, context }) => {
  const { measurement, approved } = event.args;
  await context.db.insert(teeMeasurement).values({ measurement, approved }).onConflictDoUpdate({ approved });
});
