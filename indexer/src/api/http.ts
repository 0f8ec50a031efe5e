/**
 * What every route group shares: the 400 for bad input, the 503 while catching up, the parsers of addresses, times,
 * limits and ids, the { wei, opg } amounts, and CSV answers.
 */
import { createMiddleware } from "hono/factory";
import { isAddress } from "viem";

import { formatOpg } from "../../../deploy/lib/format";
import { type Block, type SyncState, syncState } from "./sync";

export type Env = { Variables: { sync: SyncState } };

/** Bad input: answered 400 with the message as the reason. */
export class BadRequest extends Error {}

/** The verification modes by name, numbered as the Solidity enum (`1 << mode` in a node's mask). */
export const MODES = ["none", "tee", "zk"] as const;

/** Refuses query parameters a route does not take (a typo such as `limt` would otherwise be ignored in silence). */
export const only = (...names: string[]) =>
  createMiddleware(async (c, next) => {
    const unknown = Object.keys(c.req.queries()).filter((name) => !names.includes(name));
    if (unknown.length)
      throw new BadRequest(
        `unknown parameter${unknown.length > 1 ? "s" : ""}: ${unknown.join(", ")} (this route takes ${names.length ? names.join(", ") : "none"})`,
      );
    await next();
  });

/**
 * For the routes that compute a figure from the indexed state: 503 with Retry-After and the reason while the indexer
 * is catching up (see sync.ts), so that no partial figure is ever answered with 200.
 */
export const computed = createMiddleware<Env>(async (c, next) => {
  const state = await syncState().catch((error: Error): SyncState => ({
    ready: false,
    indexed: { number: 0, timestamp: 0 },
    checkpoint: "",
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
export function timeOrIndexed(name: string, text: string | undefined, indexed: Block) {
  const given = parseOptionalTime(name, text);
  return given === undefined
    ? { at: BigInt(indexed.timestamp), atSource: "indexedBlock" as const }
    : { at: given, atSource: "query" as const };
}

/** A 0x address in any case, as the lower-case form the tables store. */
export function parseAddress(text: string): `0x${string}` {
  if (!isAddress(text, { strict: false }))
    throw new BadRequest(`not an address: "${text}" (expected 0x and 40 hex digits)`);
  return text.toLowerCase() as `0x${string}`;
}

export const MAX_TIME = 2n ** 40n - 1n;

/** Whether "YYYY-MM-DD" is a day of the calendar (Date.parse takes 2026-02-30 for March 2). */
export function realDay(day: string): boolean {
  const [y, m, d] = day.split("-").map(Number);
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/** Unix seconds or an ISO date. */
export function parseTime(text: string): bigint {
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
export function parseOptionalTime(name: string, text: string | undefined): bigint | undefined {
  if (text === undefined || text === "") return undefined;
  try {
    return parseTime(text);
  } catch (error) {
    throw new BadRequest(`bad ${name}: ${(error as Error).message}`);
  }
}

/** A page size between 1 and `max`. */
export function parseLimit(text: string | undefined, fallback: number, max: number): number {
  if (text === undefined) return fallback;
  if (!/^\d{1,6}$/.test(text) || Number(text) < 1 || Number(text) > max)
    throw new BadRequest(`bad limit: "${text}" (expected 1 to ${max})`);
  return Number(text);
}

export function parseBytes32(name: string, text: string | undefined): `0x${string}` {
  if (text === undefined || !/^0x[0-9a-fA-F]{64}$/.test(text))
    throw new BadRequest(`bad ${name}: "${text ?? ""}" (expected a bytes32: 0x and 64 hex digits)`);
  return text.toLowerCase() as `0x${string}`;
}

export function parseUint(name: string, text: string): bigint {
  if (!/^\d{1,78}$/.test(text) || BigInt(text) >= 2n ** 256n)
    throw new BadRequest(`bad ${name}: "${text}" (expected a whole number)`);
  return BigInt(text);
}

export function range(from: bigint | undefined, to: bigint | undefined) {
  if (from !== undefined && to !== undefined && from > to)
    throw new BadRequest(`bad range: from (${from}) is after to (${to})`);
}

export const isoOf = (seconds: bigint) => new Date(Number(seconds) * 1000).toISOString();

export const amount = (wei: bigint) => ({ wei: wei.toString(), opg: formatOpg(wei) });

/** "1234.5": a bare decimal number of OPG, no grouping, no unit, every digit kept. */
export function bareOpg(wei: bigint): string {
  const negative = wei < 0n;
  const abs = negative ? -wei : wei;
  const fraction = (abs % 10n ** 18n).toString().padStart(18, "0").replace(/0+$/, "");
  return `${negative ? "-" : ""}${abs / 10n ** 18n}${fraction ? "." + fraction : ""}`;
}

export const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A day bound: "YYYY-MM-DD", unix seconds or an ISO time (its UTC day). */
export function parseDay(name: string, text: string | undefined): string | undefined {
  if (text === undefined || text === "") return undefined;
  if (DAY.test(text)) {
    if (!realDay(text)) throw new BadRequest(`bad ${name}: "${text}" is not a day of the calendar`);
    return text;
  }
  const time = parseOptionalTime(name, text)!;
  return isoOf(time).slice(0, 10);
}

// ---------------------------------------------------------------- CSV

/** A CSV column: its header and how a row gives it; amounts give two columns, `<name>_opg` and `<name>_wei`. */
export type Column<T> = [header: string, value: (row: T) => string | number | boolean | null];

export const csvField = (value: string | number | boolean | null) => {
  const text = value === null ? "" : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

/** Two columns for an amount: OPG as a plain decimal (every digit, no grouping) and wei. */
export function amountColumns<T>(name: string, pick: (row: T) => { wei: string }): Column<T>[] {
  return [
    [`${name}_opg`, (row) => bareOpg(BigInt(pick(row).wei))],
    [`${name}_wei`, (row) => pick(row).wei],
  ];
}

export const isoColumn = <T>(name: string, pick: (row: T) => string): Column<T> => [
  name,
  (row) => isoOf(BigInt(pick(row))),
];

export function csvResponse<T>(
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

/** `?format=json|csv`, else `Accept: text/csv`, else JSON. */
export function responseFormat(c: {
  req: { query(name: string): string | undefined; header(name: string): string | undefined };
}) {
  const text = c.req.query("format");
  if (text !== undefined) {
    if (text !== "json" && text !== "csv") throw new BadRequest(`bad format: "${text}" (expected json or csv)`);
    return text;
  }
  return /\btext\/csv\b/.test(c.req.header("accept") ?? "") ? "csv" : "json";
}
