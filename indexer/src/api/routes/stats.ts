/** /stats (the network at the last indexed block) and /stats/daily (one row per UTC day with activity). */
import { Hono } from "hono";
import { and, count, desc, eq, gte, lte, sql } from "ponder";
import { db } from "ponder:api";
import schema from "ponder:schema";

import config from "../../../ponder.config";
import { perIndexedState } from "../cache";
import { type Env, amount, computed } from "../http";
import { day, inOrder, limit, none, query, valid } from "../params";
import { supplyFigures } from "./supply";

const app = new Hono<Env>();

const dailyQuery = query({ from: day("from"), to: day("to"), limit: limit(366, 5000) }).superRefine((q, ctx) =>
  inOrder(ctx, q.from, q.to),
);

const routes = app
  .get("/stats", perIndexedState, none, computed, async (c) => {
    const [net] = await db.select().from(schema.network);
    const supply = await supplyFigures();
    const escrow = config.contracts.PaymentsEscrow.address.toLowerCase() as `0x${string}`;
    const [escrowAccount] = await db.select().from(schema.account).where(eq(schema.account.address, escrow));
    const countOf = async (query: Promise<{ n: number }[]>) => Number((await query)[0]?.n ?? 0);
    const ch = schema.proofChallenge;
    const challenges = await db.select({ status: ch.status, n: count() }).from(ch).groupBy(ch.status);
    const challengeCount = (status: string) => Number(challenges.find((x) => x.status === status)?.n ?? 0);
    const [paid] = await db
      .select({
        n: count(),
        volume: sql<string>`coalesce(sum(${schema.payment.gross}), 0)::text`,
      })
      .from(schema.payment);
    const [proofs] = await db
      .select({ n: count(), leaves: sql<string>`coalesce(sum(${schema.proofBatch.recordCount}), 0)::text` })
      .from(schema.proofBatch);
    const records = await countOf(db.select({ n: count() }).from(schema.proofRecord));
    return c.json({
      block: c.var.sync.indexed,
      totalSupply: amount(supply.total),
      burned: amount(supply.burned),
      circulating: amount(supply.circulating),
      totalStaked: amount((net?.totalActive ?? 0n) + (net?.totalThawing ?? 0n)),
      activeStake: amount(net?.totalActive ?? 0n),
      thawingStake: amount(net?.totalThawing ?? 0n),
      escrowBalance: amount(escrowAccount?.balance ?? 0n),
      operators: await countOf(
        db
          .select({ n: count() })
          .from(schema.operator)
          .where(sql`${schema.operator.firstStakedAt} is not null`),
      ),
      nodes: await countOf(db.select({ n: count() }).from(schema.node)),
      activeNodes: await countOf(db.select({ n: count() }).from(schema.node).where(eq(schema.node.active, true))),
      models: await countOf(db.select({ n: count() }).from(schema.model)),
      inferencesPaid: Number(paid?.n ?? 0),
      paymentsVolume: amount(BigInt(paid?.volume ?? "0")),
      feesBurned: amount(net?.feesBurned ?? 0n),
      proofsCommitted: records + Number(BigInt(proofs?.leaves ?? "0")),
      proofRecords: records,
      proofBatches: Number(proofs?.n ?? 0),
      challenges: {
        open: challengeCount("pending"),
        upheld: challengeCount("upheld"),
        rejected: challengeCount("rejected"),
        expired: challengeCount("expired"),
        superseded: challengeCount("superseded"),
      },
    });
  })
  .get("/stats/daily", perIndexedState, valid("query", dailyQuery), computed, async (c) => {
    const { from, to, limit } = c.req.valid("query");
    const d = schema.dailyStats;
    const filters = [
      from === undefined ? undefined : gte(d.day, from),
      to === undefined ? undefined : lte(d.day, to),
    ].filter((f) => f !== undefined);
    // The latest `limit` days of the range, oldest first.
    const rows = await db
      .select()
      .from(d)
      .where(filters.length ? and(...filters) : undefined)
      .orderBy(desc(d.day))
      .limit(limit);
    return c.json({
      days: rows.reverse().map((r) => ({
        day: r.day,
        inferencesPaid: r.inferencesPaid,
        proofsCommitted: Number(r.proofsCommitted),
        proofRecords: r.proofRecords,
        proofBatches: r.proofBatches,
        volume: amount(r.volume),
        feesBurned: amount(r.feesBurned),
        totalStaked: amount(r.totalStaked),
        circulatingSupply: amount(r.circulatingSupply),
      })),
    });
  });

export default routes;
