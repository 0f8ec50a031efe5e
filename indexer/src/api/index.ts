/**
 * The indexer's HTTP API: GraphQL (/graphql) and SQL over HTTP (/sql/*, for @ponder/client), then plain routes for
 * the questions people ask most. Amounts are decimal strings in wei beside a formatted OPG string; bad input gets
 * 400 with a reason, unknown addresses get empty results.
 */
import { Hono } from "hono";
import { and, client, desc, eq, graphql, inArray, lt, or, replaceBigInts, sql } from "ponder";
import { db, publicClients } from "ponder:api";
import schema from "ponder:schema";
import { isAddress, parseEther } from "viem";

import { formatOpg } from "../../../deploy/lib/format";
import { type ScheduleTerms, unlockPoints, vestedAt } from "../../../deploy/lib/vesting";
import config from "../../ponder.config";
import pageRoutes from "./page";

const app = new Hono();

app.use("/graphql", graphql({ db, schema }));
app.use("/sql/*", client({ db, schema }));
app.route("/", pageRoutes);

class BadRequest extends Error {}

app.onError((error, c) => {
  if (error instanceof BadRequest) return c.json({ error: error.message }, 400);
  console.error(error);
  return c.json({ error: "internal error" }, 500);
});

/** A 0x address in any case, as the lower-case form the tables store. */
function parseAddress(text: string): `0x${string}` {
  if (!isAddress(text, { strict: false }))
    throw new BadRequest(`not an address: "${text}" (expected 0x and 40 hex digits)`);
  return text.toLowerCase() as `0x${string}`;
}

const MAX_TIME = 2n ** 40n - 1n;

/** Unix seconds or an ISO date; undefined means now. */
function parseTime(text: string | undefined): bigint {
  if (text === undefined || text === "") return BigInt(Math.floor(Date.now() / 1000));
  let seconds: bigint;
  if (/^\d{1,13}$/.test(text)) seconds = BigInt(text);
  else if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text) && !Number.isNaN(Date.parse(text)))
    seconds = BigInt(Math.floor(Date.parse(text) / 1000));
  else
    throw new BadRequest(`not a time: "${text}" (expected unix seconds or an ISO date such as 2027-04-21T00:00:00Z)`);
  if (seconds > MAX_TIME) throw new BadRequest(`time out of range: ${text}`);
  return seconds;
}

const amount = (wei: bigint) => ({ wei: wei.toString(), opg: formatOpg(wei) });

/** "1234.5": a bare decimal number of OPG, no grouping, no unit, every digit kept. */
function bareOpg(wei: bigint): string {
  const negative = wei < 0n;
  const abs = negative ? -wei : wei;
  const fraction = (abs % 10n ** 18n).toString().padStart(18, "0").replace(/0+$/, "");
  return `${negative ? "-" : ""}${abs / 10n ** 18n}${fraction ? "." + fraction : ""}`;
}

// ---------------------------------------------------------------- unlocks

app.get("/unlocks/:address", async (c) => {
  const address = parseAddress(c.req.param("address"));
  const at = parseTime(c.req.query("at"));
  const schedules = await db
    .select()
    .from(schema.vestingSchedule)
    .where(eq(schema.vestingSchedule.beneficiary, address))
    .orderBy(schema.vestingSchedule.id);
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
  return c.json({
    address,
    at: at.toString(),
    date: new Date(Number(at) * 1000).toISOString(),
    total: amount(totalSum),
    vested: amount(vestedSum),
    released: amount(releasedSum),
    releasable: amount(vestedSum - releasedSum),
    schedules: out,
  });
});

// ---------------------------------------------------------------- supply

async function totalSupply(): Promise<bigint> {
  const [row] = await db.select().from(schema.supply).where(eq(schema.supply.id, "OPG"));
  return row?.total ?? 0n;
}

/** The contracts whose OPG is not circulating: the vesting vault and its voting vaults, staking, the escrow. */
async function lockedHolders(): Promise<`0x${string}`[]> {
  const contracts = config.contracts;
  const holders = [contracts.VestingVault.address, contracts.Staking.address, contracts.PaymentsEscrow.address].map(
    (a) => a.toLowerCase() as `0x${string}`,
  );
  const vaults = await db.select({ address: schema.votingVault.address }).from(schema.votingVault);
  return [...holders, ...vaults.map((v) => v.address)];
}

app.get("/supply/total", async (c) => c.text(bareOpg(await totalSupply())));

app.get("/supply/circulating", async (c) => {
  const total = await totalSupply();
  const holders = await lockedHolders();
  const [held] = await db
    .select({ sum: sql<string>`coalesce(sum(${schema.account.balance}), 0)::text` })
    .from(schema.account)
    .where(inArray(schema.account.address, holders));
  return c.text(bareOpg(total - BigInt(held?.sum ?? "0")));
});

// ---------------------------------------------------------------- payments

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
  const role = (c.req.query("role") ?? "any") as Role;
  if (!ROLES.includes(role)) throw new BadRequest(`bad role: "${role}" (expected one of ${ROLES.join(", ")})`);
  const limitText = c.req.query("limit") ?? "50";
  if (!/^\d{1,3}$/.test(limitText) || Number(limitText) < 1 || Number(limitText) > 500)
    throw new BadRequest(`bad limit: "${limitText}" (expected 1 to 500)`);
  const limit = Number(limitText);
  const cursorText = c.req.query("cursor");
  const cursor = cursorText === undefined ? undefined : decodeCursor(cursorText);

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
  const rows = await db
    .select()
    .from(p)
    .where(before ? and(byRole, before) : byRole)
    .orderBy(desc(p.blockNumber), desc(p.logIndex))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return c.json({
    address,
    payments: page.map((row) => ({
      ...(replaceBigInts(row, (v) => v.toString()) as Record<string, unknown>),
      kind: row.kind === 1 ? "request" : "voucher",
      grossOpg: formatOpg(row.gross),
    })),
    nextCursor: rows.length > limit && last ? encodeCursor(last.blockNumber, last.logIndex) : null,
  });
});

// ---------------------------------------------------------------- nodes

const MODES = ["none", "tee", "zk"] as const;
const PRICE = ["priceNone", "priceTee", "priceZk"] as const;

/** The most demanding mode in a node's mask, as NodeRegistry's _topMode. */
function topMode(modes: number): number {
  for (let mode = MODES.length - 1; mode >= 0; mode--) if (modes & (1 << mode)) return mode;
  return 0;
}

app.get("/nodes", async (c) => {
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
  // The registry judges liveness and jail by the chain's clock: the latest block's time (the server's if unreachable).
  const now = await publicClients.opg
    .getBlock({ blockTag: "latest" })
    .then((b) => b.timestamp)
    .catch(() => BigInt(Math.floor(Date.now() / 1000)));

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
  if (operators.length === 0) return c.json({ model: modelId, mode: MODES[mode], nodes: [] });

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

export default app;
