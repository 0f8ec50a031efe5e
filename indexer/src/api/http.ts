/**
 * What every route group shares: the 400 for bad input, the 503 while catching up, the { wei, opg } amounts, and CSV
 * answers. The parameters' schemas are in params.ts.
 */
import type { TypedResponse } from "hono";
import { createMiddleware } from "hono/factory";

import { bareOpg, formatOpg } from "../../../scripts/lib/opg";
import { type Block, type SyncState, syncState } from "./sync";
import { isoOf } from "./params";

export type Env = { Variables: { sync: SyncState } };

export { BadRequest, MODES } from "./params";

/**
 * For the routes that compute a figure from the indexed state: 503 with Retry-After and the reason while the indexer
 * is catching up (see sync.ts), so that no partial figure is ever answered with 200.
 */
export const computed = createMiddleware<Env>(async (c, next) => {
  // The answer cache (perIndexedState, first on the route) has read it already when it could.
  const state =
    c.get("sync") ??
    (await syncState().catch((error: Error): SyncState => ({
      ready: false,
      indexed: { number: 0, timestamp: 0 },
      checkpoint: "",
      head: null,
      synced: false,
      reason: `the indexer is starting (${error.message.split("\n")[0].slice(0, 200)})`,
    })));
  if (!state.synced) {
    c.header("Retry-After", "5");
    return c.json({ error: state.reason, indexedBlock: state.indexed, chainHead: state.head }, 503);
  }
  c.set("sync", state);
  await next();
});

/** "Now": the time asked for, or the latest indexed block's time; said in the answer as `at` and `atSource`. */
export function timeOrIndexed(given: bigint | undefined, indexed: Block) {
  return given === undefined
    ? { at: BigInt(indexed.timestamp), atSource: "indexedBlock" as const }
    : { at: given, atSource: "query" as const };
}

export { isoOf };

export const amount = (wei: bigint) => ({ wei: wei.toString(), opg: formatOpg(wei) });

/** "1234.5": a bare decimal number of OPG, no grouping, no unit, every digit kept. */
export { bareOpg };

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
): Response & TypedResponse<string, 200, "text"> {
  const lines = [columns.map(([h]) => h).join(",")];
  for (const row of rows) lines.push(columns.map(([, value]) => csvField(value(row))).join(","));
  // Typed as text: the typed client tells it from the JSON answers (outputFormat), whatever its content type.
  return c.body(lines.join("\r\n") + "\r\n", 200, {
    "content-type": "text/csv; charset=utf-8",
    "content-disposition": `attachment; filename="${filename}"`,
    ...headers,
  }) as Response & TypedResponse<string, 200, "text">;
}
