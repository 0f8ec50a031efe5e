/**
 * The indexer's JSON-RPC transport: one `eth_getLogs` to the node where Ponder sends one per contract.
 *
 * Ponder 0.16 fetches a block range's logs with one `eth_getLogs` per contract (address) and sends them together:
 * eight contracts make eight scans of the same blocks by the node, where a Transfer-only app makes one (the profile
 * in scripts/reports/indexer-bench.md). Here the requests for the same range that arrive within a few milliseconds of
 * each other are sent as one, for the union of their addresses and event topics, and each caller gets back exactly
 * the logs its own filter matches (address and topic0, the only parts Ponder's requests for this indexer set).
 * Anything else (a request by block hash, filters on other topics, other methods) passes through unchanged.
 */
import type { EIP1193RequestFn, Transport } from "viem";
import { custom } from "viem";

type Hex = `0x${string}`;

interface LogFilter {
  fromBlock: Hex;
  toBlock: Hex;
  address?: Hex | Hex[];
  topics?: (Hex | Hex[] | null)[];
}

interface Log {
  address: Hex;
  topics: Hex[];
}

interface Waiter {
  filter: LogFilter;
  resolve: (logs: Log[]) => void;
  reject: (error: unknown) => void;
}

/** How long a request waits for others of its range: Ponder sends a range's requests within a few ms. */
const WINDOW_MS = 5;

const lower = (x: Hex | Hex[]) => (Array.isArray(x) ? x : [x]).map((v) => v.toLowerCase());

/** A filter by block range, addresses and at most topic0: the requests this transport merges. */
function mergeable(filter: unknown): filter is LogFilter {
  const f = filter as Partial<LogFilter> & { blockHash?: unknown };
  if (!f || typeof f.fromBlock !== "string" || typeof f.toBlock !== "string" || f.blockHash !== undefined) return false;
  if (f.address === undefined) return false;
  return (f.topics ?? []).every((t, i) => i === 0 || t === null);
}

/** The logs of `logs` that `filter` matches. */
function matching(filter: LogFilter, logs: Log[]): Log[] {
  const addresses = new Set(lower(filter.address!));
  const topic0 = filter.topics?.[0];
  const topics = topic0 ? new Set(lower(topic0)) : undefined;
  return logs.filter(
    (log) => addresses.has(log.address.toLowerCase()) && (!topics || topics.has((log.topics[0] ?? "").toLowerCase())),
  );
}

/** One request for every filter of `group` (same range), answered to each with its own logs. */
async function send(request: EIP1193RequestFn, group: Waiter[]) {
  const [{ filter: first }] = group;
  const addresses = [...new Set(group.flatMap((w) => lower(w.filter.address!)))] as Hex[];
  // No topic filter if any caller has none; else every caller's topic0s.
  const topic0s = group.every((w) => w.filter.topics?.[0])
    ? ([...new Set(group.flatMap((w) => lower(w.filter.topics![0]!)))] as Hex[])
    : undefined;
  const union: LogFilter = {
    fromBlock: first.fromBlock,
    toBlock: first.toBlock,
    address: addresses,
    ...(topic0s ? { topics: [topic0s] } : {}),
  };
  try {
    const logs = (await request({ method: "eth_getLogs", params: [union] } as never)) as Log[];
    for (const w of group) w.resolve(matching(w.filter, logs));
  } catch (error) {
    for (const w of group) w.reject(error);
  }
}

/** `inner` with the `eth_getLogs` of the same block range merged (see above). */
export function mergingGetLogs(inner: Transport): Transport {
  return (params) => {
    const transport = inner(params);
    const waiting = new Map<string, Waiter[]>();
    const request = (async ({ method, params: args }: { method: string; params?: unknown }) => {
      const filter = Array.isArray(args) ? args[0] : undefined;
      if (method !== "eth_getLogs" || !mergeable(filter)) return transport.request({ method, params: args } as never);
      const key = `${filter.fromBlock}:${filter.toBlock}`;
      return new Promise<Log[]>((resolve, reject) => {
        let group = waiting.get(key);
        if (!group) {
          group = [];
          waiting.set(key, group);
          setTimeout(() => {
            waiting.delete(key);
            void send(transport.request, group!);
          }, WINDOW_MS);
        }
        group.push({ filter, resolve, reject });
      });
    }) as EIP1193RequestFn;
    return custom({ request })({ ...params, retryCount: 0 });
  };
}
