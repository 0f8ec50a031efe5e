/**
 * The commands that read the indexer instead of the chain: an address's unlocks at any time, and its payment
 * history. The chain's views answer "now"; the indexer also answers "then" and "all of it", without scanning logs.
 */
import { formatOpg, formatTime } from "../../lib/opg";
import {
  IndexerError,
  createIndexerClient,
  type IndexerClient,
  type Payment,
  type PaymentsQuery,
} from "../../../indexer/client";
import { parseAddress, parseBytes32, parseTime, parseUrl, parseWhole } from "../args";
import type { Run } from "../context";
import { CliError, UsageError } from "../errors";
import { formatDuration } from "../format";

/** Where `npm start` serves the indexer. */
export const DEFAULT_INDEXER_URL = "http://127.0.0.1:42069";

/** The indexer's URL from --indexer, then OPG_INDEXER_URL; undefined when neither is given. */
export function givenIndexerUrl(run: Run): string | undefined {
  const flag = run.option("indexer");
  if (flag !== undefined) return parseUrl("--indexer", flag);
  const env = run.env.OPG_INDEXER_URL;
  return env === undefined || env === "" ? undefined : parseUrl("OPG_INDEXER_URL", env);
}

/** Runs a request, turning the client's errors into one line that says what to do. */
async function ask<T>(url: string, request: (client: IndexerClient) => Promise<T>): Promise<T> {
  try {
    return await request(createIndexerClient(url));
  } catch (error) {
    if (!(error instanceof IndexerError)) throw error;
    if (error.status === 0)
      throw new CliError(
        `cannot reach the indexer at ${url} (start it with \`npm start\`, or give --indexer <url> or OPG_INDEXER_URL)`,
      );
    if (error.status === 400) throw new UsageError(`the indexer refused the query: ${error.reason}`);
    if (error.status === 503)
      throw new CliError(
        `the indexer at ${url} is not ready: ${error.reason}; try again${error.retryAfter ? ` in ${error.retryAfter} s` : ""}`,
      );
    throw new CliError(`the indexer at ${url} answered ${error.status}: ${error.reason}`);
  }
}

const wei = (amount: { wei: string }) => BigInt(amount.wei);

/*//////////////////////////////////////////////////////////////////////////
                                   UNLOCKS
//////////////////////////////////////////////////////////////////////////*/

/** `opg unlocks <address> [--at]` answered by the indexer. */
export async function unlocksFromIndexer(run: Run, url: string, address: string, at: bigint | undefined) {
  const result = await ask(url, (c) => c.unlocksOf(address, { at }));
  run.out.result({ source: url, ...result });
  if (run.out.json) return;
  const out = run.out;
  const when = BigInt(result.at);
  const source = result.atSource === "indexedBlock" ? ", the latest indexed block's time" : "";
  out.info(
    `vesting schedules of ${address} at ${formatTime(when)}${source} (indexer ${url}): ${result.schedules.length}`,
  );
  if (result.schedules.length === 0) return;
  out.info();
  out.table(
    ["schedule", "shape", "total", "vested", "released", "releasable", "locked", "state"],
    result.schedules.map((s) => [
      s.id,
      s.shape,
      formatOpg(wei(s.total)),
      formatOpg(wei(s.vested)),
      formatOpg(wei(s.released)),
      formatOpg(wei(s.releasable)),
      formatOpg(wei(s.locked)),
      s.revoked ? "revoked" : wei(s.locked) === 0n ? "fully vested" : "vesting",
    ]),
    { right: [true, false, true, true, true, true, true, false] },
  );
  out.rows(
    [
      ["total", formatOpg(wei(result.total))],
      ["vested", formatOpg(wei(result.vested))],
      ["released", formatOpg(wei(result.released))],
      ["releasable", formatOpg(wei(result.releasable))],
    ],
    "  ",
  );
  const next = result.schedules
    .flatMap((s) => s.nextUnlocks.map((p) => ({ schedule: s.id, time: BigInt(p.time), vested: wei(p.vested) })))
    .sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0))
    .slice(0, 12);
  if (next.length === 0) return;
  out.info();
  out.info("next unlocks:");
  out.table(
    ["date", "in", "schedule", "vested by then"],
    next.map((p) => [formatTime(p.time), formatDuration(p.time - when), p.schedule, formatOpg(p.vested)]),
    { right: [false, false, true, true] },
  );
}

/*//////////////////////////////////////////////////////////////////////////
                                   PAYMENTS
//////////////////////////////////////////////////////////////////////////*/

const ROLES = ["any", "payer", "operator", "modelOwner"] as const;

/** The address's part in a payment: payer, operator, model owner, or several. */
function rolesIn(payment: Payment, address: string): string {
  const a = address.toLowerCase();
  const roles = [
    payment.payer.toLowerCase() === a ? "payer" : undefined,
    payment.operator.toLowerCase() === a ? "operator" : undefined,
    payment.modelOwner.toLowerCase() === a ? "model owner" : undefined,
  ].filter((r) => r !== undefined);
  return roles.join("+");
}

const short = (hex: string) => `${hex.slice(0, 10)}…`;

/** `opg payments <address>`: payments made or received, newest first, from the indexer. */
export async function payments(run: Run): Promise<void> {
  const address = parseAddress("<address>", run.args[0], { allowZero: true });
  const role = run.option("role") ?? "any";
  if (!(ROLES as readonly string[]).includes(role))
    throw new UsageError(`--role: expected one of ${ROLES.join(", ")}, got "${role}"`, run.command);
  const query: PaymentsQuery = { role: role as PaymentsQuery["role"] };
  const node = run.option("node");
  if (node !== undefined) query.node = parseWhole("--node", node, { min: 0n });
  const model = run.option("model");
  if (model !== undefined) query.model = parseBytes32("--model", model, { allowZero: true });
  const fromText = run.option("from");
  const from = fromText === undefined ? undefined : parseTime("--from", fromText);
  const toText = run.option("to");
  const to = toText === undefined ? undefined : parseTime("--to", toText);
  if (from !== undefined && to !== undefined && from > to)
    throw new UsageError(`--from: ${fromText} is after --to ${toText}`, run.command);
  Object.assign(query, { from, to });
  const limitText = run.option("limit");
  const limit = limitText === undefined ? 20 : Number(parseWhole("--limit", limitText, { min: 1n, max: 500n }));
  const all = run.flag("all");
  const url = givenIndexerUrl(run) ?? DEFAULT_INDEXER_URL;

  if (run.flag("csv")) {
    // The indexer's CSV as it is, pages joined under one header line.
    let header: string | undefined;
    const lines: string[] = [];
    let next: string | undefined;
    for (;;) {
      const page = await ask(url, (c) =>
        c.paymentsCsv(address, { ...query, cursor: next, limit: all ? 10_000 : limit }),
      );
      const [first, ...rest] = page.csv.replace(/\r\n$/, "").split("\r\n");
      header ??= first;
      lines.push(...rest.filter((line) => line !== ""));
      next = page.nextCursor ?? undefined;
      if (!all || next === undefined) break;
    }
    run.out.raw([header, ...lines].join("\n") + "\n");
    if (!all && next !== undefined) run.out.warn("more payments than --limit: add --all for every one");
    return;
  }

  const rows: Payment[] = [];
  let cursor: string | undefined;
  for (;;) {
    const page = await ask(url, (c) => c.paymentsOf(address, { ...query, cursor, limit: all ? 500 : limit }));
    rows.push(...page.payments);
    cursor = page.nextCursor ?? undefined;
    if (!all || cursor === undefined) break;
  }

  const sum = (pick: (p: Payment) => { wei: string }, who: (p: Payment) => boolean) =>
    rows.filter(who).reduce((total, p) => total + wei(pick(p)), 0n);
  const a = address.toLowerCase();
  const paid = sum(
    (p) => p.gross,
    (p) => p.payer.toLowerCase() === a,
  );
  const earnedAsOperator = sum(
    (p) => p.nodeShare,
    (p) => p.operator.toLowerCase() === a,
  );
  const earnedAsOwner = sum(
    (p) => p.royalty,
    (p) => p.modelOwner.toLowerCase() === a,
  );
  run.out.result({
    source: url,
    address,
    payments: rows,
    nextCursor: all ? null : (cursor ?? null),
    totals: { paid, earnedAsOperator, earnedAsOwner },
  });
  if (run.out.json) return;

  const out = run.out;
  out.info(`payments of ${address} (indexer ${url}): ${rows.length}${!all && cursor ? " shown, more with --all" : ""}`);
  if (rows.length === 0) return;
  out.info();
  out.table(
    ["time", "role", "kind", "node", "model", "mode", "gross", "node share", "royalty", "protocol fee", "tx"],
    rows.map((p) => [
      formatTime(BigInt(p.timestamp)),
      rolesIn(p, address),
      p.kind,
      p.nodeId,
      short(p.modelId),
      p.mode,
      formatOpg(wei(p.gross)),
      formatOpg(wei(p.nodeShare)),
      formatOpg(wei(p.royalty)),
      formatOpg(wei(p.protocolFee)),
      short(p.transactionHash),
    ]),
    { right: [false, false, false, true, false, false, true, true, true, true, false] },
  );
  out.info();
  out.rows([
    ["paid", formatOpg(paid)],
    ["earned as operator", formatOpg(earnedAsOperator)],
    ["earned as model owner", formatOpg(earnedAsOwner)],
  ]);
}
