/** /unlocks (the network's unlock timeline) and /unlocks/:address (an address's schedules at any time). */
import { Hono } from "hono";
import { z } from "zod";
import { and, asc, eq, inArray, or, sql } from "ponder";
import { db } from "ponder:api";
import schema from "ponder:schema";

import { ALLOCATION_TABLE, type CategoryKey } from "../../../../deploy/genesis";
import { MONTH, type ScheduleTerms, Shape, unlockPoints, vestedAt } from "../../../../deploy/lib/vesting";
import { termsOf } from "../../../../scripts/lib/schedule";
import { deployment } from "../../../ponder.config";
import { perIndexedState } from "../cache";
import {
  BadRequest,
  type Column,
  type Env,
  amount,
  amountColumns,
  computed,
  csvResponse,
  isoColumn,
  isoOf,
  timeOrIndexed,
} from "../http";
import { address, format, inOrder, query, responseFormat, time, valid } from "../params";

const app = new Hono<Env>();

/**
 * The schedules whose beneficiary at `at` is `address`, following ScheduleTransferred: the last transfer at or before
 * `at` names the beneficiary then; before the first transfer it was that transfer's `from`.
 */
async function schedulesOf(address: `0x${string}`, at: bigint) {
  const vs = schema.vestingSchedule;
  const st = schema.scheduleTransfer;
  const touched = await db
    .select({ scheduleId: st.scheduleId })
    .from(st)
    .where(or(eq(st.from, address), eq(st.to, address)));
  const candidates = await db
    .select()
    .from(vs)
    .where(
      touched.length
        ? or(
            eq(vs.beneficiary, address),
            inArray(
              vs.id,
              touched.map((t) => t.scheduleId),
            ),
          )
        : eq(vs.beneficiary, address),
    )
    .orderBy(vs.id);
  if (!touched.length) return candidates;
  const transfers = await db
    .select()
    .from(st)
    .where(
      inArray(
        st.scheduleId,
        candidates.map((c) => c.id),
      ),
    )
    .orderBy(asc(st.blockNumber), asc(st.logIndex));
  return candidates.filter((s) => {
    const own = transfers.filter((t) => t.scheduleId === s.id);
    if (own.length === 0) return s.beneficiary === address;
    const past = own.filter((t) => t.timestamp <= at);
    const holder = past.length ? past[past.length - 1]!.to : own[0]!.from;
    return holder === address;
  });
}

interface Category {
  key: CategoryKey;
  total: bigint;
  unlockedAt: (time: bigint) => bigint;
  lastUnlock: bigint;
}

/** The genesis categories with what each has unlocked at any time, from the deployments file and the schedules. */
async function categories(): Promise<{ tge: bigint; list: Category[] }> {
  const genesis = deployment.genesis;
  if (!genesis?.tge) throw new BadRequest("this deployment has no genesis recorded: no unlock timeline");
  const tge = BigInt(genesis.tge);
  const schedules = await db.select().from(schema.vestingSchedule).orderBy(schema.vestingSchedule.id);
  const list: Category[] = [];
  for (const key of Object.keys(ALLOCATION_TABLE) as CategoryKey[]) {
    const terms = ALLOCATION_TABLE[key];
    const release = terms.release;
    if (release.kind === "vesting") {
      const ids = genesis.scheduleIds[key];
      const own: ScheduleTerms[] = ids
        ? schedules.filter((s) => s.id >= BigInt(ids[0]) && s.id <= BigInt(ids[1])).map((s) => termsOf(s))
        : [];
      list.push({
        key,
        total: own.reduce((sum, s) => sum + s.total - (s.refunded ?? 0n), 0n),
        unlockedAt: (time) => own.reduce((sum, s) => sum + vestedAt(s, time), 0n),
        lastUnlock: own.reduce((last, s) => (s.end > last ? s.end : last), tge),
      });
    } else if (release.kind === "emission") {
      // Staking streams the allocation linearly from TGE over its months (Staking.rewardsEmittedAt).
      const stream: ScheduleTerms = {
        total: terms.amount,
        unlockedAtStart: 0n,
        start: tge,
        cliff: tge,
        end: tge + release.months * MONTH,
        shape: Shape.Linear,
      };
      list.push({ key, total: terms.amount, unlockedAt: (time) => vestedAt(stream, time), lastUnlock: stream.end });
    } else {
      list.push({ key, total: terms.amount, unlockedAt: (time) => (time >= tge ? terms.amount : 0n), lastUnlock: tge });
    }
  }
  return { tge, list };
}

const timelineQuery = query({ from: time("from"), to: time("to") }).superRefine((q, ctx) => inOrder(ctx, q.from, q.to));

const routes = app
  .get("/unlocks", perIndexedState, valid("query", timelineQuery), computed, async (c) => {
    const { from, to } = c.req.valid("query");
    const { tge, list } = await categories();
    const lastUnlock = list.reduce((last, cat) => (cat.lastUnlock > last ? cat.lastUnlock : last), tge);
    const times: bigint[] = [];
    for (let t = tge; t <= lastUnlock; t += MONTH) times.push(t);
    if (times[times.length - 1] !== lastUnlock) times.push(lastUnlock);
    const months = times
      .filter((t) => (from === undefined || t >= from) && (to === undefined || t <= to))
      .map((time) => {
        const byCategory: Record<string, ReturnType<typeof amount>> = {};
        let unlocked = 0n;
        for (const cat of list) {
          const own = cat.unlockedAt(time);
          byCategory[cat.key] = amount(own);
          unlocked += own;
        }
        return { time: time.toString(), date: isoOf(time), unlocked: amount(unlocked), byCategory };
      });
    return c.json({
      tge: tge.toString(),
      lastUnlock: lastUnlock.toString(),
      categories: list.map((cat) => ({
        key: cat.key as string,
        name: ALLOCATION_TABLE[cat.key].name,
        total: amount(cat.total),
      })),
      months,
    });
  })
  .get(
    "/unlocks/:address",
    perIndexedState,
    valid("param", z.object({ address })),
    valid("query", query({ at: time("at"), format })),
    computed,
    async (c) => {
      const { address } = c.req.valid("param");
      const q = c.req.valid("query");
      const format = responseFormat(q.format, c.req.header("accept"));
      const { at, atSource } = timeOrIndexed(q.at, c.var.sync.indexed);
      const schedules = await schedulesOf(address, at);
      const ids = schedules.map((s) => s.id);
      // What was released by `at`, from the append-only release history.
      const releasedRows = ids.length
        ? await db
            .select({
              scheduleId: schema.vestingRelease.scheduleId,
              released: sql<string>`coalesce(sum(${schema.vestingRelease.amount}), 0)::text`,
            })
            .from(schema.vestingRelease)
            .where(
              and(inArray(schema.vestingRelease.scheduleId, ids), sql`${schema.vestingRelease.timestamp} <= ${at}`),
            )
            .groupBy(schema.vestingRelease.scheduleId)
        : [];
      const releasedBy = new Map(releasedRows.map((r) => [r.scheduleId, BigInt(r.released)]));
      let vestedSum = 0n;
      let releasedSum = 0n;
      let totalSum = 0n;
      const out = schedules.map((s) => {
        const terms = termsOf(s);
        const vested = vestedAt(terms, at);
        const released = releasedBy.get(s.id) ?? 0n;
        const releasable = vested > released ? vested - released : 0n;
        vestedSum += vested;
        releasedSum += released;
        totalSum += s.total - s.refunded;
        const next = s.revoked
          ? []
          : unlockPoints(terms, at, 6).map((time) => ({
              time: time.toString(),
              date: new Date(Number(time) * 1000).toISOString(),
              vested: amount(vestedAt(terms, time)),
            }));
        return {
          id: s.id.toString(),
          beneficiary: s.beneficiary,
          total: amount(s.total),
          unlockedAtStart: amount(s.unlockedAtStart),
          start: s.start.toString(),
          cliff: s.cliff.toString(),
          end: s.end.toString(),
          shape: s.shape === 1 ? ("monthly" as const) : ("linear" as const),
          revocable: s.revocable,
          revoked: s.revoked,
          refunded: amount(s.refunded),
          delegatee: s.delegatee,
          vested: amount(vested),
          released: amount(released),
          releasable: amount(releasable),
          locked: amount(s.total - s.refunded - vested),
          nextUnlocks: next,
        };
      });
      if (format === "csv")
        return csvResponse(
          c,
          `unlocks-${address}-${at}.csv`,
          UNLOCK_CSV,
          out.map((s) => ({ ...s, at: at.toString(), atSource })),
        );
      return c.json({
        address,
        at: at.toString(),
        atSource,
        date: new Date(Number(at) * 1000).toISOString(),
        total: amount(totalSum),
        vested: amount(vestedSum),
        released: amount(releasedSum),
        releasable: amount(vestedSum - releasedSum),
        schedules: out,
      });
    },
  );

interface UnlockRow {
  at: string;
  atSource: string;
  id: string;
  beneficiary: string;
  shape: string;
  start: string;
  cliff: string;
  end: string;
  revocable: boolean;
  revoked: boolean;
  total: { wei: string };
  unlockedAtStart: { wei: string };
  refunded: { wei: string };
  vested: { wei: string };
  released: { wei: string };
  releasable: { wei: string };
  locked: { wei: string };
  nextUnlocks: { time: string }[];
}
/** The columns of /unlocks/:address?format=csv: one row per schedule, as at `at`. */
const UNLOCK_CSV: Column<UnlockRow>[] = [
  isoColumn("at", (s) => s.at),
  ["at_timestamp", (s) => s.at],
  ["at_source", (s) => s.atSource],
  ["schedule", (s) => s.id],
  ["beneficiary", (s) => s.beneficiary],
  ["shape", (s) => s.shape],
  isoColumn("start", (s) => s.start),
  isoColumn("cliff", (s) => s.cliff),
  isoColumn("end", (s) => s.end),
  ["revocable", (s) => s.revocable],
  ["revoked", (s) => s.revoked],
  ...amountColumns<UnlockRow>("total", (s) => s.total),
  ...amountColumns<UnlockRow>("unlocked_at_start", (s) => s.unlockedAtStart),
  ...amountColumns<UnlockRow>("refunded", (s) => s.refunded),
  ...amountColumns<UnlockRow>("vested", (s) => s.vested),
  ...amountColumns<UnlockRow>("released", (s) => s.released),
  ...amountColumns<UnlockRow>("releasable", (s) => s.releasable),
  ...amountColumns<UnlockRow>("locked", (s) => s.locked),
  ["next_unlock", (s) => (s.nextUnlocks[0] ? isoOf(BigInt(s.nextUnlocks[0].time)) : null)],
];

export default routes;
