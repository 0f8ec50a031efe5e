/**
 * The indexer's HTTP API: GraphQL (/graphql) and SQL over HTTP (/sql/*, for @ponder/client), then plain routes for
 * the questions people ask most. Amounts are decimal strings in wei beside a formatted OPG string; bad input gets
 * 400 with a reason, unknown addresses get empty results.
 */
import { getTableName, isTable } from "drizzle-orm";
import { Hono } from "hono";
import { createMiddleware } from "hono/factory";
import { and, asc, client, count, desc, eq, graphql, gte, inArray, lt, lte, or, sql } from "ponder";
import { db } from "ponder:api";
import schema from "ponder:schema";
import { isAddress, parseEther } from "viem";

import { ALLOCATION_TABLE, type CategoryKey } from "../../../deploy/genesis";
import { formatOpg } from "../../../deploy/lib/format";
import { MONTH, type ScheduleTerms, Shape, unlockPoints, vestedAt } from "../../../deploy/lib/vesting";
import config, { deployment } from "../../ponder.config";
import { emptyOperator } from "../where";
import { GRAPHQL_MAX_DEPTH, graphqlGuard, sqlGuard } from "./guards";
import pageRoutes from "./page";
import { type Block, type SyncState, syncState } from "./sync";

type Env = { Variables: { sync: SyncState } };
const app = new Hono<Env>();

// Queries from the caller: guarded first (guards.ts), then Ponder's middlewares with tighter bounds.
app.use("/graphql", graphqlGuard);
app.use("/graphql", graphql({ db, schema }, { maxOperationDepth: GRAPHQL_MAX_DEPTH + 2, maxOperationAliases: 30 }));
app.use("/sql/*", sqlGuard(Object.values(schema).filter(isTable).map(getTableName)));
app.use("/sql/*", client({ db, schema }));
app.route("/", pageRoutes);

class BadRequest extends Error {}

app.onError((error, c) => {
  if (error instanceof BadRequest) return c.json({ error: error.message }, 400);
  console.error(error);
  return c.json({ error: "internal error" }, 500);
});

/**
 * For the routes that compute a figure from the indexed state: 503 with Retry-After and the reason while the indexer
 * is catching up (see sync.ts), so that no partial figure is ever answered with 200.
 */
const computed = createMiddleware<Env>(async (c, next) => {
  const state = await syncState().catch((error: Error): SyncState => ({
    ready: false,
    indexed: { number: 0, timestamp: 0 },
    head: null,
    synced: false,
    reason: `the indexer is starting (${error.message.split("\n")[0].slice(0, 200)})`,
  }));
  if (!state.synced) {
    c.header("Retry-After", "5");
    return c.json({ error: state.reason, indexedBlock: state.indexed, chainHead: state.head }, 503);
  }
  c.set("sync", state);
  await next();
});

/** "Now": the time asked for, or the latest indexed block's time; said in the answer as `at` and `atSource`. */
function timeOrIndexed(name: string, text: string | undefined, indexed: Block) {
  const given = parseOptionalTime(name, text);
  return given === undefined
    ? { at: BigInt(indexed.timestamp), atSource: "indexedBlock" as const }
    : { at: given, atSource: "query" as const };
}

/** A 0x address in any case, as the lower-case form the tables store. */
function parseAddress(text: string): `0x${string}` {
  if (!isAddress(text, { strict: false }))
    throw new BadRequest(`not an address: "${text}" (expected 0x and 40 hex digits)`);
  return text.toLowerCase() as `0x${string}`;
}

const MAX_TIME = 2n ** 40n - 1n;

/** Whether "YYYY-MM-DD" is a day of the calendar (Date.parse takes 2026-02-30 for March 2). */
function realDay(day: string): boolean {
  const [y, m, d] = day.split("-").map(Number);
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/** Unix seconds or an ISO date. */
function parseTime(text: string): bigint {
  let seconds: bigint;
  if (/^\d{1,13}$/.test(text)) seconds = BigInt(text);
  else if (
    /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text) &&
    realDay(text.slice(0, 10)) &&
    !Number.isNaN(Date.parse(text))
  )
    seconds = BigInt(Math.floor(Date.parse(text) / 1000));
  else
    throw new BadRequest(`not a time: "${text}" (expected unix seconds or an ISO date such as 2027-04-21T00:00:00Z)`);
  if (seconds > MAX_TIME) throw new BadRequest(`time out of range: ${text}`);
  return seconds;
}

/** An optional time: undefined when absent. */
function parseOptionalTime(name: string, text: string | undefined): bigint | undefined {
  if (text === undefined || text === "") return undefined;
  try {
    return parseTime(text);
  } catch (error) {
    throw new BadRequest(`bad ${name}: ${(error as Error).message}`);
  }
}

/** A page size between 1 and `max`. */
function parseLimit(text: string | undefined, fallback: number, max: number): number {
  if (text === undefined) return fallback;
  if (!/^\d{1,6}$/.test(text) || Number(text) < 1 || Number(text) > max)
    throw new BadRequest(`bad limit: "${text}" (expected 1 to ${max})`);
  return Number(text);
}

function parseBytes32(name: string, text: string | undefined): `0x${string}` {
  if (text === undefined || !/^0x[0-9a-fA-F]{64}$/.test(text))
    throw new BadRequest(`bad ${name}: "${text ?? ""}" (expected a bytes32: 0x and 64 hex digits)`);
  return text.toLowerCase() as `0x${string}`;
}

function parseUint(name: string, text: string): bigint {
  if (!/^\d{1,78}$/.test(text) || BigInt(text) >= 2n ** 256n)
    throw new BadRequest(`bad ${name}: "${text}" (expected a whole number)`);
  return BigInt(text);
}

function range(from: bigint | undefined, to: bigint | undefined) {
  if (from !== undefined && to !== undefined && from > to)
    throw new BadRequest(`bad range: from (${from}) is after to (${to})`);
}

const isoOf = (seconds: bigint) => new Date(Number(seconds) * 1000).toISOString();

const amount = (wei: bigint) => ({ wei: wei.toString(), opg: formatOpg(wei) });

/** "1234.5": a bare decimal number of OPG, no grouping, no unit, every digit kept. */
function bareOpg(wei: bigint): string {
  const negative = wei < 0n;
  const abs = negative ? -wei : wei;
  const fraction = (abs % 10n ** 18n).toString().padStart(18, "0").replace(/0+$/, "");
  return `${negative ? "-" : ""}${abs / 10n ** 18n}${fraction ? "." + fraction : ""}`;
}

// ---------------------------------------------------------------- unlocks

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
        ? schedules
            .filter((s) => s.id >= BigInt(ids[0]) && s.id <= BigInt(ids[1]))
            .map((s) => ({ ...s, shape: s.shape as Shape }))
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

app.get("/unlocks", computed, async (c) => {
  const from = parseOptionalTime("from", c.req.query("from"));
  const to = parseOptionalTime("to", c.req.query("to"));
  range(from, to);
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
    categories: list.map((cat) => ({ key: cat.key, name: ALLOCATION_TABLE[cat.key].name, total: amount(cat.total) })),
    months,
  });
});

app.get("/unlocks/:address", computed, async (c) => {
  const address = parseAddress(c.req.param("address"));
  const format = responseFormat(c);
  const { at, atSource } = timeOrIndexed("at", c.req.query("at"), c.var.sync.indexed);
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
        .where(and(inArray(schema.vestingRelease.scheduleId, ids), sql`${schema.vestingRelease.timestamp} <= ${at}`))
        .groupBy(schema.vestingRelease.scheduleId)
    : [];
  const releasedBy = new Map(releasedRows.map((r) => [r.scheduleId, BigInt(r.released)]));
  let vestedSum = 0n;
  let releasedSum = 0n;
  let totalSum = 0n;
  const out = schedules.map((s) => {
    const terms: ScheduleTerms = {
      total: s.total,
      unlockedAtStart: s.unlockedAtStart,
      start: s.start,
      cliff: s.cliff,
      end: s.end,
      shape: s.shape,
      refunded: s.refunded,
    };
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
      shape: s.shape === 1 ? "monthly" : "linear",
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
});

// ---------------------------------------------------------------- supply

/**
 * The supply figures, one definition for every route (README "Circulating supply"):
 *   total       = OPG.totalSupply(): minted less burned (a burn lowers it; burned OPG is in neither figure);
 *   circulating = total less what the contracts that hold OPG for others hold: the vesting vault and its voting
 *                 vaults (locked), Staking (stakes, thawing stakes and the staking-rewards pool not yet paid out) and
 *                 the payments escrow (deposits, locked request fees, unpaid fees). The handlers keep that sum as
 *                 each transfer moves tokens in or out of them (network.locked). The timelock's treasury circulates.
 */
async function supplyFigures(): Promise<{ total: bigint; burned: bigint; locked: bigint; circulating: bigint }> {
  const [sup] = await db.select().from(schema.supply).where(eq(schema.supply.id, "OPG"));
  const [net] = await db.select({ locked: schema.network.locked }).from(schema.network);
  const total = sup?.total ?? 0n;
  const locked = net?.locked ?? 0n;
  return { total, burned: sup?.burned ?? 0n, locked, circulating: total - locked };
}

app.get("/supply/total", computed, async (c) => c.text(bareOpg((await supplyFigures()).total)));

app.get("/supply/circulating", computed, async (c) => c.text(bareOpg((await supplyFigures()).circulating)));

// ---------------------------------------------------------------- CSV

/** A CSV column: its header and how a row gives it; amounts give two columns, `<name>_opg` and `<name>_wei`. */
type Column<T> = [header: string, value: (row: T) => string | number | boolean | null];

const csvField = (value: string | number | boolean | null) => {
  const text = value === null ? "" : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

/** Two columns for an amount: OPG as a plain decimal (every digit, no grouping) and wei. */
function amountColumns<T>(name: string, pick: (row: T) => { wei: string }): Column<T>[] {
  return [
    [`${name}_opg`, (row) => bareOpg(BigInt(pick(row).wei))],
    [`${name}_wei`, (row) => pick(row).wei],
  ];
}

const isoColumn = <T>(name: string, pick: (row: T) => string): Column<T> => [name, (row) => isoOf(BigInt(pick(row)))];

type PaymentRow = ReturnType<typeof paymentOut>;
/** The columns of /payments/:address?format=csv (README "CSV"). */
const PAYMENT_CSV: Column<PaymentRow>[] = [
  isoColumn("time", (p) => p.timestamp),
  ["timestamp", (p) => p.timestamp],
  ["block", (p) => p.blockNumber],
  ["transaction", (p) => p.transactionHash],
  ["log_index", (p) => p.logIndex],
  ["kind", (p) => p.kind],
  ["payer", (p) => p.payer],
  ["operator", (p) => p.operator],
  ["model_owner", (p) => p.modelOwner],
  ["node_id", (p) => p.nodeId],
  ["model_id", (p) => p.modelId],
  ["mode", (p) => p.mode],
  ...amountColumns<PaymentRow>("gross", (p) => p.gross),
  ...amountColumns<PaymentRow>("node_share", (p) => p.nodeShare),
  ...amountColumns<PaymentRow>("royalty", (p) => p.royalty),
  ...amountColumns<PaymentRow>("protocol_fee", (p) => p.protocolFee),
];

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

function csvResponse<T>(
  c: { body(data: string, status: 200, headers: Record<string, string>): Response },
  filename: string,
  columns: Column<T>[],
  rows: T[],
  headers: Record<string, string> = {},
): Response {
  const lines = [columns.map(([h]) => h).join(",")];
  for (const row of rows) lines.push(columns.map(([, value]) => csvField(value(row))).join(","));
  return c.body(lines.join("\r\n") + "\r\n", 200, {
    "content-type": "text/csv; charset=utf-8",
    "content-disposition": `attachment; filename="${filename}"`,
    ...headers,
  });
}

// ---------------------------------------------------------------- payments

/** `?format=json|csv`, else `Accept: text/csv`, else JSON. */
function responseFormat(c: {
  req: { query(name: string): string | undefined; header(name: string): string | undefined };
}) {
  const text = c.req.query("format");
  if (text !== undefined) {
    if (text !== "json" && text !== "csv") throw new BadRequest(`bad format: "${text}" (expected json or csv)`);
    return text;
  }
  return /\btext\/csv\b/.test(c.req.header("accept") ?? "") ? "csv" : "json";
}

const ROLES = ["any", "payer", "operator", "modelOwner"] as const;
type Role = (typeof ROLES)[number];

/** A cursor is the (block, log index) of the last row of the previous page, base64url-encoded. */
function encodeCursor(blockNumber: bigint, logIndex: number): string {
  return Buffer.from(`${blockNumber}:${logIndex}`).toString("base64url");
}
function decodeCursor(text: string): { blockNumber: bigint; logIndex: number } {
  const match = /^(\d{1,20}):(\d{1,9})$/.exec(Buffer.from(text, "base64url").toString("utf8"));
  if (!/^[A-Za-z0-9_-]+$/.test(text) || !match) throw new BadRequest(`bad cursor: "${text}"`);
  return { blockNumber: BigInt(match[1]), logIndex: Number(match[2]) };
}

app.get("/payments/:address", async (c) => {
  const address = parseAddress(c.req.param("address"));
  const format = responseFormat(c);
  const role = (c.req.query("role") ?? "any") as Role;
  if (!ROLES.includes(role)) throw new BadRequest(`bad role: "${role}" (expected one of ${ROLES.join(", ")})`);
  // A CSV is a download: pages of up to 10,000 rows (JSON: 500).
  const limit =
    format === "csv" ? parseLimit(c.req.query("limit"), 10_000, 10_000) : parseLimit(c.req.query("limit"), 50, 500);
  const cursorText = c.req.query("cursor");
  const cursor = cursorText === undefined ? undefined : decodeCursor(cursorText);
  const nodeText = c.req.query("node");
  const nodeId = nodeText === undefined ? undefined : parseUint("node", nodeText);
  const modelText = c.req.query("model");
  const modelId = modelText === undefined ? undefined : parseBytes32("model", modelText);
  const from = parseOptionalTime("from", c.req.query("from"));
  const to = parseOptionalTime("to", c.req.query("to"));
  range(from, to);

  const p = schema.payment;
  const byRole =
    role === "payer"
      ? eq(p.payer, address)
      : role === "operator"
        ? eq(p.operator, address)
        : role === "modelOwner"
          ? eq(p.modelOwner, address)
          : or(eq(p.payer, address), eq(p.operator, address), eq(p.modelOwner, address));
  const before = cursor
    ? or(
        lt(p.blockNumber, cursor.blockNumber),
        and(eq(p.blockNumber, cursor.blockNumber), lt(p.logIndex, cursor.logIndex)),
      )
    : undefined;
  const filters = [
    byRole,
    before,
    nodeId === undefined ? undefined : eq(p.nodeId, nodeId),
    modelId === undefined ? undefined : eq(p.modelId, modelId),
    from === undefined ? undefined : gte(p.timestamp, from),
    to === undefined ? undefined : lte(p.timestamp, to),
  ].filter((f) => f !== undefined);
  const rows = await db
    .select()
    .from(p)
    .where(and(...filters))
    .orderBy(desc(p.blockNumber), desc(p.logIndex))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  const state = await syncState().catch(() => ({ indexed: { number: 0, timestamp: 0 }, synced: false }));
  const nextCursor = rows.length > limit && last ? encodeCursor(last.blockNumber, last.logIndex) : null;
  if (format === "csv")
    return csvResponse(c, `payments-${address}.csv`, PAYMENT_CSV, page.map(paymentOut), {
      "x-indexed-block": String(state.indexed.number),
      "x-complete": String(state.synced),
      ...(nextCursor ? { "x-next-cursor": nextCursor } : {}),
    });
  return c.json({
    address,
    // A list may answer while the indexer catches up: it is complete up to `indexedBlock`, said here.
    indexedBlock: state.indexed,
    complete: state.synced,
    payments: page.map(paymentOut),
    nextCursor,
  });
});

/** A payment as the routes give it: amounts as { wei, opg }, the mode and kind by name. */
function paymentOut(row: typeof schema.payment.$inferSelect) {
  return {
    id: row.id,
    payer: row.payer,
    nodeId: row.nodeId.toString(),
    modelId: row.modelId,
    operator: row.operator,
    modelOwner: row.modelOwner,
    mode: MODES[row.mode] ?? `mode ${row.mode}`,
    kind: row.kind === 1 ? ("request" as const) : ("voucher" as const),
    gross: amount(row.gross),
    nodeShare: amount(row.nodeShare),
    royalty: amount(row.royalty),
    protocolFee: amount(row.protocolFee),
    blockNumber: row.blockNumber.toString(),
    timestamp: row.timestamp.toString(),
    transactionHash: row.transactionHash,
    logIndex: row.logIndex,
  };
}

// ---------------------------------------------------------------- nodes

const MODES = ["none", "tee", "zk"] as const;
const PRICE = ["priceNone", "priceTee", "priceZk"] as const;

/** The most demanding mode in a node's mask, as NodeRegistry's _topMode. */
function topMode(modes: number): number {
  for (let mode = MODES.length - 1; mode >= 0; mode--) if (modes & (1 << mode)) return mode;
  return 0;
}

app.get("/nodes", computed, async (c) => {
  const modelText = c.req.query("model") ?? "";
  if (!/^0x[0-9a-fA-F]{64}$/.test(modelText))
    throw new BadRequest(`bad model: "${modelText}" (expected a bytes32: 0x and 64 hex digits)`);
  const modelId = modelText.toLowerCase() as `0x${string}`;
  const modeText = c.req.query("mode") ?? "";
  const mode = MODES.indexOf(modeText as (typeof MODES)[number]);
  if (mode < 0) throw new BadRequest(`bad mode: "${modeText}" (expected one of ${MODES.join(", ")})`);
  const minStakeText = c.req.query("minStake");
  if (minStakeText !== undefined && !/^\d{1,12}(\.\d{1,18})?$/.test(minStakeText))
    throw new BadRequest(`bad minStake: "${minStakeText}" (expected an amount of OPG such as 25000 or 0.5)`);
  const minStake = minStakeText === undefined ? 0n : parseEther(minStakeText);
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

  const out = offered
    .map((row) => ({ row, stake: stakeOf.get(row.operator) ?? 0n, price: row[PRICE[mode]] }))
    .filter(({ row, stake }) => stake >= (required.get(row.operator) ?? 0n) && stake >= minStake)
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

// ---------------------------------------------------------------- operators

const MODE_NAMES = ["none", "tee", "zk"] as const;
const modesOf = (mask: number) => MODE_NAMES.filter((_, mode) => (mask & (1 << mode)) !== 0);

app.get("/operators/:address", computed, async (c) => {
  const address = parseAddress(c.req.param("address"));
  const [o] = await db.select().from(schema.operator).where(eq(schema.operator.address, address));
  const zero = {
    ...emptyOperator,
    pendingCutPpm: null,
    pendingCutAt: null,
    firstStakedAt: null,
  };
  const op = o ?? { address, ...zero };
  const delegations = await db
    .select()
    .from(schema.delegation)
    .where(and(eq(schema.delegation.operator, address), sql`${schema.delegation.shares} > 0`))
    .orderBy(desc(schema.delegation.shares), asc(schema.delegation.delegator));
  const requests = await db
    .select()
    .from(schema.thawRequest)
    .where(eq(schema.thawRequest.operator, address))
    .orderBy(asc(schema.thawRequest.staker), asc(schema.thawRequest.requestId));
  // An open request is worth its shares of its thawing pool, valued in queue order as a withdrawal would pay them
  // (Staking.thawRequestsOf); a request from before a slash emptied its pool is worth nothing.
  const pools = new Map<string, { tokens: bigint; shares: bigint; epoch: number }>();
  const valueOf = new Map<string, bigint>();
  for (const r of requests.filter((x) => x.status === "open")) {
    const own = r.staker === address;
    let pool = pools.get(r.staker);
    if (!pool) {
      pool = own
        ? { tokens: op.ownThawing, shares: op.ownThawingShares, epoch: op.ownThawingEpoch }
        : { tokens: op.delegatedThawing, shares: op.delegatedThawingShares, epoch: op.delegatedThawingEpoch };
      pools.set(r.staker, pool);
    }
    let value = 0n;
    if (r.epoch === pool.epoch && pool.shares > 0n) {
      value = (r.shares * pool.tokens) / pool.shares;
      pool.tokens -= value;
      pool.shares -= r.shares;
    }
    valueOf.set(r.id, value);
  }
  const slashes = await db
    .select()
    .from(schema.slash)
    .where(eq(schema.slash.operator, address))
    .orderBy(desc(schema.slash.blockNumber), desc(schema.slash.logIndex));
  const claims = await db
    .select()
    .from(schema.rewardClaim)
    .where(eq(schema.rewardClaim.operator, address))
    .orderBy(desc(schema.rewardClaim.blockNumber), desc(schema.rewardClaim.logIndex));
  const nodes = await db.select().from(schema.node).where(eq(schema.node.operator, address)).orderBy(schema.node.id);
  const served = nodes.length
    ? await db
        .select()
        .from(schema.nodeModel)
        .where(
          inArray(
            schema.nodeModel.nodeId,
            nodes.map((n) => n.id),
          ),
        )
    : [];
  const tokensOf = (shares: bigint) => (op.delegatedShares === 0n ? 0n : (shares * op.delegated) / op.delegatedShares);
  const where = (r: { blockNumber: bigint; timestamp: bigint; transactionHash: string }) => ({
    blockNumber: r.blockNumber.toString(),
    timestamp: r.timestamp.toString(),
    transactionHash: r.transactionHash,
  });
  return c.json({
    address,
    ownActive: amount(op.ownActive),
    ownThawing: amount(op.ownThawing),
    delegated: amount(op.delegated),
    delegatedThawing: amount(op.delegatedThawing),
    activeStake: amount(op.ownActive + op.delegated),
    slashed: amount(op.slashed),
    rewardsClaimed: amount(op.rewardsClaimed),
    feesDistributed: amount(op.feesDistributed),
    cutPpm: op.cutPpm,
    pendingCut:
      op.pendingCutPpm === null || op.pendingCutAt === null
        ? null
        : { cutPpm: op.pendingCutPpm, effectiveAt: op.pendingCutAt.toString() },
    firstStakedAt: op.firstStakedAt?.toString() ?? null,
    delegations: delegations.map((d) => ({
      delegator: d.delegator,
      shares: d.shares.toString(),
      tokens: amount(tokensOf(d.shares)),
      since: d.since.toString(),
    })),
    thawRequests: requests.map((r) => ({
      staker: r.staker,
      requestId: r.requestId.toString(),
      own: r.staker === address,
      requested: amount(r.amount),
      value: r.status === "open" ? amount(valueOf.get(r.id) ?? 0n) : null,
      shares: r.shares.toString(),
      thawingUntil: r.thawingUntil.toString(),
      status: r.status,
      withdrawnAt: r.withdrawnAt?.toString() ?? null,
      ...where(r),
    })),
    slashes: slashes.map((x) => ({
      challenger: x.challenger,
      total: amount(x.fromOwnActive + x.fromOwnThawing + x.fromDelegated + x.fromDelegatedThawing),
      fromOwnActive: amount(x.fromOwnActive),
      fromOwnThawing: amount(x.fromOwnThawing),
      fromDelegated: amount(x.fromDelegated),
      fromDelegatedThawing: amount(x.fromDelegatedThawing),
      burned: amount(x.burned),
      toChallenger: amount(x.toChallenger),
      ...where(x),
    })),
    rewardClaims: claims.map((x) => ({ account: x.account, amount: amount(x.amount), ...where(x) })),
    nodes: nodes.map((n) => ({
      id: n.id.toString(),
      active: n.active,
      modes: modesOf(n.modes),
      capacity: n.capacity,
      prices: { none: amount(n.priceNone), tee: amount(n.priceTee), zk: amount(n.priceZk) },
      metadataURI: n.metadataURI,
      teeMeasurement: n.teeMeasurement,
      jailedUntil: n.jailedUntil.toString(),
      lastSeen: n.lastSeen.toString(),
      registeredAt: n.registeredAt.toString(),
      models: served.filter((m) => m.nodeId === n.id).map((m) => m.modelId),
    })),
  });
});

// ---------------------------------------------------------------- models

/** A model with the royalty in force now: a scheduled increase whose time has come counts (the chain applies it
 * without an event, so the table may still show it as pending). */
app.get("/models/:id", computed, async (c) => {
  const id = parseBytes32("model id", c.req.param("id"));
  const now = BigInt(c.var.sync.indexed.timestamp);
  const at = { at: now.toString(), atSource: "indexedBlock" as const };
  const [m] = await db.select().from(schema.model).where(eq(schema.model.id, id));
  if (!m) return c.json({ id, ...at, model: null });
  const due = m.pendingRoyaltyPpm !== null && m.royaltyEffectiveAt !== null && m.royaltyEffectiveAt <= now;
  return c.json({
    id,
    ...at,
    model: {
      owner: m.owner,
      pendingOwner: m.pendingOwner,
      royaltyPpm: due ? m.pendingRoyaltyPpm : m.royaltyPpm,
      scheduledRoyalty:
        due || m.pendingRoyaltyPpm === null
          ? null
          : { royaltyPpm: m.pendingRoyaltyPpm, effectiveAt: m.royaltyEffectiveAt!.toString() },
      metadataURI: m.metadataURI,
      registeredAt: m.registeredAt.toString(),
    },
  });
});

// ---------------------------------------------------------------- stats

app.get("/stats", computed, async (c) => {
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
    },
  });
});

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A day bound: "YYYY-MM-DD", unix seconds or an ISO time (its UTC day). */
function parseDay(name: string, text: string | undefined): string | undefined {
  if (text === undefined || text === "") return undefined;
  if (DAY.test(text)) {
    if (!realDay(text)) throw new BadRequest(`bad ${name}: "${text}" is not a day of the calendar`);
    return text;
  }
  const time = parseOptionalTime(name, text)!;
  return isoOf(time).slice(0, 10);
}

app.get("/stats/daily", computed, async (c) => {
  const from = parseDay("from", c.req.query("from"));
  const to = parseDay("to", c.req.query("to"));
  if (from !== undefined && to !== undefined && from > to)
    throw new BadRequest(`bad range: from ${from} is after to ${to}`);
  const limit = parseLimit(c.req.query("limit"), 366, 5000);
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

export default app;
