/**
 * The typed client of the indexer's HTTP routes: one function per route, plain `fetch`, no Ponder import (the
 * CommonJS CLI loads it through ts-node). Amounts come as `{ wei, opg }`: `wei` a decimal string to read with
 * BigInt, `opg` formatted for people. Bad input answers 400: the client throws an {@link IndexerError} with the
 * server's reason.
 *
 *   const indexer = createIndexerClient("http://127.0.0.1:42069");
 *   const { schedules } = await indexer.unlocksOf("0x…", { at: "2027-04-21" });
 */
import type { DailyStats, Escrows, Model, Nodes, Operator, Payments, Stats, UnlockTimeline, Unlocks } from "./answers";

export interface Amount {
  /** Wei, as a decimal string. */
  wei: string;
  /** "1,234.5 OPG". */
  opg: string;
}

export type Time = bigint | number | string | Date;

/** A verification mode, by name everywhere (the Solidity enum's 0, 1, 2). */
export type Mode = "none" | "tee" | "zk";

/** Where an answer's "now" came from: the query's `at`, or the latest indexed block's time (the chain's clock). */
export type AtSource = "query" | "indexedBlock";

/** The JSON answers, as the app's handlers type them (printed from the app by answers.gen.ts: written once). */
export type { DailyStats, Escrows, Model, Nodes, Operator, Payments, Stats, UnlockTimeline, Unlocks } from "./answers";

/** The last block indexed: `number` and `timestamp` (seconds). */
export type Block = Payments["indexedBlock"];
/** A schedule of /unlocks/:address, as at the query's `at`. */
export type Schedule = Unlocks["schedules"][number];
export type UnlockPoint = Schedule["nextUnlocks"][number];
export type Payment = Payments["payments"][number];
/** A node of /nodes: eligible now, cheapest first. */
export type EligibleNode = Nodes["nodes"][number];
/** An escrow a payer holds with an operator (PaymentsEscrow.getEscrow). */
export type Escrow = Escrows["escrows"][number];

export interface PaymentsQuery {
  role?: "any" | "payer" | "operator" | "modelOwner";
  node?: bigint | number | string;
  model?: string;
  from?: Time;
  to?: Time;
  cursor?: string;
  limit?: number;
}

/** A route answered with an error: `status` is the HTTP status, `reason` the server's `error` text; a 503 (the
 * indexer is catching up) comes with `retryAfter`, seconds. */
export class IndexerError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly route: string,
    readonly retryAfter?: number,
  ) {
    super(`indexer ${route}: ${status} ${reason}`);
    this.name = "IndexerError";
  }
}

function timeParam(time: Time): string {
  if (time instanceof Date) return String(Math.floor(time.getTime() / 1000));
  return String(time);
}

function query(params: Record<string, string | number | bigint | Date | undefined>): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    const text = value instanceof Date ? timeParam(value) : String(value);
    parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(text)}`);
  }
  return parts.length ? `?${parts.join("&")}` : "";
}

export function createIndexerClient(baseUrl: string, options: { fetch?: typeof fetch } = {}) {
  const base = baseUrl.replace(/\/+$/, "");
  const doFetch = options.fetch ?? fetch;

  async function get(route: string): Promise<Response> {
    let res: Response;
    try {
      res = await doFetch(`${base}${route}`);
    } catch (error) {
      throw new IndexerError(0, `cannot reach ${base}: ${(error as Error).message}`, route);
    }
    if (!res.ok) {
      const text = await res.text();
      let reason = text;
      try {
        reason = (JSON.parse(text) as { error?: string }).error ?? text;
      } catch {
        // not JSON: the text is the reason
      }
      const retry = Number(res.headers.get("retry-after"));
      throw new IndexerError(res.status, reason, route, Number.isFinite(retry) && retry > 0 ? retry : undefined);
    }
    return res;
  }
  const json = async <T>(route: string): Promise<T> => (await (await get(route)).json()) as T;
  const paymentsRoute = (account: string, q: PaymentsQuery, format?: "csv") =>
    `/payments/${address(account)}${query({
      role: q.role,
      node: q.node === undefined ? undefined : String(q.node),
      model: q.model,
      from: time(q.from),
      to: time(q.to),
      cursor: q.cursor,
      limit: q.limit,
      format,
    })}`;
  const text = async (route: string): Promise<string> => (await get(route)).text();
  const address = (a: string) => encodeURIComponent(a);
  const time = (t: Time | undefined) => (t === undefined ? undefined : timeParam(t));

  return {
    /** GET /unlocks/:address: the address's schedules at `at` (default now). */
    unlocksOf: (account: string, { at }: { at?: Time } = {}) =>
      json<Unlocks>(`/unlocks/${address(account)}${query({ at: time(at) })}`),
    /** GET /unlocks: the network's unlock timeline by category, month by month. */
    unlockTimeline: ({ from, to }: { from?: Time; to?: Time } = {}) =>
      json<UnlockTimeline>(`/unlocks${query({ from: time(from), to: time(to) })}`),
    /** GET /supply/circulating, as a decimal number of OPG. */
    supplyCirculating: () => text("/supply/circulating"),
    /** GET /supply/total, as a decimal number of OPG. */
    supplyTotal: () => text("/supply/total"),
    /** GET /payments/:address, newest first; pass `nextCursor` back as `cursor` for the next page. */
    paymentsOf: (account: string, q: PaymentsQuery = {}) => json<Payments>(paymentsRoute(account, q)),
    /** GET /payments/:address?format=csv: up to 10,000 rows a page (header line included); `nextCursor` as above. */
    paymentsCsv: async (account: string, q: PaymentsQuery = {}) => {
      const res = await get(paymentsRoute(account, q, "csv"));
      return { csv: await res.text(), nextCursor: res.headers.get("x-next-cursor") };
    },
    /** GET /unlocks/:address?format=csv: one row per schedule as at `at`. */
    unlocksCsv: (account: string, { at }: { at?: Time } = {}) =>
      text(`/unlocks/${address(account)}${query({ at: time(at), format: "csv" })}`),
    /** GET /nodes: nodes eligible to serve `model` with `mode`, cheapest first. `minStake` in OPG. */
    nodes: ({ model, mode, minStake }: { model: string; mode: Mode; minStake?: string | number }) =>
      json<Nodes>(`/nodes${query({ model, mode, minStake: minStake === undefined ? undefined : String(minStake) })}`),
    /** GET /operators/:address: stake, delegations, thaws, slashes, rewards and nodes. */
    operator: (account: string) => json<Operator>(`/operators/${address(account)}`),
    /** GET /escrows/:address: the free balance and the escrow with each operator. */
    escrows: (account: string) => json<Escrows>(`/escrows/${address(account)}`),
    /** GET /models/:id: a model with the royalty in force now. */
    model: (id: string) => json<Model>(`/models/${encodeURIComponent(id)}`),
    /** GET /stats: the network now. */
    stats: () => json<Stats>("/stats"),
    /** GET /stats/daily: one row per UTC day with activity, oldest first. */
    dailyStats: ({ from, to, limit }: { from?: Time; to?: Time; limit?: number } = {}) =>
      json<DailyStats>(`/stats/daily${query({ from: time(from), to: time(to), limit })}`),
  };
}

export type IndexerClient = ReturnType<typeof createIndexerClient>;
