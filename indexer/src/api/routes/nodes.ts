/** /nodes: the nodes that can serve a model with a mode now, as NodeRegistry.eligibilityOf judges them. */
import { Hono } from "hono";
import { and, eq, inArray, sql } from "ponder";
import { db } from "ponder:api";
import schema from "ponder:schema";
import { parseEther } from "viem";

import { pricesNow } from "../../where";
import { perIndexedState } from "../cache";
import { type Env, MODES, amount, computed } from "../http";
import { bytes32, mode, opgAmount, query, valid } from "../params";

const app = new Hono<Env>();

/** The most demanding mode in a node's mask, as NodeRegistry's _topMode. */
function topMode(modes: number): number {
  for (let mode = MODES.length - 1; mode >= 0; mode--) if (modes & (1 << mode)) return mode;
  return 0;
}

const nodesQuery = query({ model: bytes32("model"), mode, minStake: opgAmount("minStake") });

const routes = app.get("/nodes", perIndexedState, valid("query", nodesQuery), computed, async (c) => {
  const { model: modelId, mode, minStake } = c.req.valid("query");
  // The registry judges liveness and jail by the chain's clock: the latest indexed block's time.
  const now = BigInt(c.var.sync.indexed.timestamp);

  const n = schema.node;
  const [params] = await db.select().from(schema.nodeRegistryParams);
  const window = params?.livenessWindow ?? 3_600n;
  const candidates = await db
    .select({ node: n, approved: schema.teeMeasurement.approved })
    .from(n)
    .innerJoin(schema.nodeModel, and(eq(schema.nodeModel.nodeId, n.id), eq(schema.nodeModel.modelId, modelId)))
    .leftJoin(schema.teeMeasurement, eq(schema.teeMeasurement.measurement, n.teeMeasurement))
    .where(
      and(
        eq(n.active, true),
        sql`${n.jailedUntil} <= ${now}`,
        sql`${n.lastSeen} + ${window} >= ${now}`,
        sql`(${n.modes} & ${1 << mode}) <> 0`,
      ),
    );
  const offered = candidates.filter((r) => mode !== 1 || r.approved === true).map((r) => r.node);
  const operators = [...new Set(offered.map((r) => r.operator))];
  const at = { at: now.toString(), atSource: "indexedBlock" as const };
  if (operators.length === 0) return c.json({ model: modelId, mode: MODES[mode], ...at, nodes: [] });

  // What each operator must stake: the minimum of each of its active nodes' most demanding mode, summed
  // (NodeRegistry.requiredStakeOf); what it has: own active stake plus the delegated pool (Staking.activeStakeOf).
  const minimums = new Map((await db.select().from(schema.minimumStake)).map((m) => [m.mode, m.minimum]));
  const operated = await db
    .select({ operator: n.operator, modes: n.modes })
    .from(n)
    .where(and(eq(n.active, true), inArray(n.operator, operators)));
  const required = new Map<string, bigint>();
  for (const o of operated)
    required.set(o.operator, (required.get(o.operator) ?? 0n) + (minimums.get(topMode(o.modes)) ?? 0n));
  const stakes = await db.select().from(schema.operator).where(inArray(schema.operator.address, operators));
  const stakeOf = new Map(stakes.map((s) => [s.address, s.ownActive + s.delegated]));
  // Its own stake must cover its active nodes too (NodeRegistry.requiredOwnStakeOf), before delegations.
  const minimumOwn = params?.minimumOwnStake ?? parseEther("5000");
  const ownCovered = new Set(
    stakes.filter((s) => s.ownActive >= BigInt(s.activeNodes) * minimumOwn).map((s) => s.address),
  );

  // The prices in force now: a scheduled increase counts once its time has come (the registry switches without an
  // event).
  const out = offered
    .map((row) => ({ row, stake: stakeOf.get(row.operator) ?? 0n, price: pricesNow(row, now)[mode]! }))
    .filter(
      ({ row, stake }) =>
        ownCovered.has(row.operator) && stake >= (required.get(row.operator) ?? 0n) && stake >= minStake,
    )
    .sort((a, b) => (a.price < b.price ? -1 : a.price > b.price ? 1 : a.row.id < b.row.id ? -1 : 1));
  return c.json({
    model: modelId,
    mode: MODES[mode],
    ...at,
    nodes: out.map(({ row, stake, price }) => ({
      id: row.id.toString(),
      operator: row.operator,
      metadataURI: row.metadataURI,
      capacity: row.capacity,
      price: amount(price),
      stake: amount(stake),
      requiredStake: amount(required.get(row.operator) ?? 0n),
      teeMeasurement: row.teeMeasurement,
      lastSeen: row.lastSeen.toString(),
    })),
  });
});

export default routes;
