/** /payments/:address: payments newest first, JSON or CSV. */
import { Hono } from "hono";
import { z } from "zod";
import { and, desc, eq, gte, lt, lte, or } from "ponder";
import { db } from "ponder:api";
import schema from "ponder:schema";

import { type Column, type Env, MODES, amount, amountColumns, csvResponse, isoColumn } from "../http";
import {
  address,
  bytes32,
  format,
  inOrder,
  limitOf,
  limitText,
  oneOf,
  query,
  responseFormat,
  time,
  uint,
  valid,
} from "../params";
import { perIndexedState } from "../cache";
import { syncState } from "../sync";

const app = new Hono<Env>();

const ROLES = ["any", "payer", "operator", "modelOwner"] as const;

/** A cursor is the (block, log index) of the last row of the previous page, base64url-encoded. */
function encodeCursor(blockNumber: bigint, logIndex: number): string {
  return Buffer.from(`${blockNumber}:${logIndex}`).toString("base64url");
}
const cursor = z
  .string()
  .optional()
  .transform((text, ctx) => {
    if (text === undefined) return undefined;
    const match = /^(\d{1,20}):(\d{1,9})$/.exec(Buffer.from(text, "base64url").toString("utf8"));
    if (!/^[A-Za-z0-9_-]+$/.test(text) || !match) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `bad cursor: "${text}"` });
      return z.NEVER;
    }
    return { blockNumber: BigInt(match[1]), logIndex: Number(match[2]) };
  });

// In the order an unknown parameter's 400 lists them.
const paymentsQuery = query({
  role: oneOf("role", ROLES, "any"),
  node: uint("node").optional(),
  model: bytes32("model").optional(),
  from: time("from"),
  to: time("to"),
  limit: limitText,
  cursor,
  format,
}).transform((q, ctx) => {
  inOrder(ctx, q.from, q.to);
  return q;
});

const routes = app.get(
  "/payments/:address",
  perIndexedState,
  valid("param", z.object({ address })),
  valid("query", paymentsQuery),
  async (c) => {
    const { address } = c.req.valid("param");
    const { role, cursor, node: nodeId, model: modelId, from, to, ...q } = c.req.valid("query");
    const format = responseFormat(q.format, c.req.header("accept"));
    // A CSV is a download: pages of up to 10,000 rows (JSON: 500).
    const limit = format === "csv" ? limitOf(q.limit, 10_000, 10_000) : limitOf(q.limit, 50, 500);

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
    // Read before the rows when the answer cache did (perIndexedState): then the rows are at least this recent.
    const state =
      c.get("sync") ?? (await syncState().catch(() => ({ indexed: { number: 0, timestamp: 0 }, synced: false })));
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
  },
);

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

export default routes;
