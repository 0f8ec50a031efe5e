/**
 * How far the indexer has come, for the routes that must not answer from a partial state.
 *
 * A computed figure (a supply, a balance, a stake, an eligibility, an unlock) read while Ponder is still catching up
 * is wrong, not merely old: `/supply/circulating` answered 0 in the first seconds of `npm start`. So those routes ask
 * `syncState()` first and answer 503 with `Retry-After` and a reason until both hold:
 *   - Ponder's own readiness: `_ponder_meta.is_ready`, set once the historical backfill is done (what `/ready` reads);
 *   - the indexed block is within `OPG_MAX_LAG_BLOCKS` (default 16) of the chain's latest block, when the RPC answers
 *     (the head is asked at most once a second; an unreachable RPC leaves Ponder's readiness alone to decide).
 *
 * "Now" everywhere is the latest indexed block's time (`indexedBlock().timestamp`): the chain's clock as the indexed
 * state knows it, never the server's.
 */
import { sql } from "ponder";
import { db, publicClients } from "ponder:api";

import { generation } from "./live";

export interface Block {
  number: number;
  timestamp: number;
}

export interface SyncState {
  /** Historical indexing done (Ponder's `/ready`). */
  ready: boolean;
  /** The last block indexed. */
  indexed: Block;
  /** Ponder's checkpoint string ("" before the first). */
  checkpoint: string;
  /** The chain's latest block number, or null when the RPC did not answer. */
  head: number | null;
  /** Whether computed routes may answer. */
  synced: boolean;
  /** Why not, when not. */
  reason?: string;
}

const MAX_LAG = (() => {
  const text = process.env.OPG_MAX_LAG_BLOCKS;
  const n = text === undefined || text === "" ? 16 : Number(text);
  return Number.isInteger(n) && n >= 0 ? n : 16;
})();

type Rows<T> = { rows: T[] } | T[];
const rowsOf = <T>(result: unknown): T[] => {
  const r = result as Rows<T>;
  return Array.isArray(r) ? r : r.rows;
};

// Once ready, a schema stays ready (and a views schema only ever points at ready schemas): cache the yes.
let readySeen = false;

let checkpointRead: Promise<{ block: Block; checkpoint: string }> | undefined;
/** The last read, the generation (live.ts) it began at and when: the checkpoint is the same while the generation is.
 * Kept a second at most: a writer restarting on the schema drops its trigger while it catches up, so a checkpoint
 * can move without a notification then. */
let checkpointKept: { generation: number; at: number; value: { block: Block; checkpoint: string } } | undefined;
const KEPT_MS = 1_000;

/** Ponder's checkpoint and the last block indexed (block time, chain id and block number, fixed-width digits).
 * Requests that ask while a read is under way share it: under load, one query at a time instead of one a request.
 * Once Ponder is ready (its live-query trigger exists then: every later checkpoint change notifies), a read is kept
 * until the generation moves: then a request costs no query at all. */
export function indexedCheckpoint(): Promise<{ block: Block; checkpoint: string }> {
  const now = generation();
  const kept = checkpointKept;
  if (now !== null && kept?.generation === now && Date.now() - kept.at < KEPT_MS) return Promise.resolve(kept.value);
  checkpointRead ??= (async () => {
    const startedAt = readySeen ? generation() : null;
    const at = Date.now();
    try {
      const list = rowsOf<{ c: string }>(await db.execute(sql`select latest_checkpoint as c from _ponder_checkpoint`));
      const checkpoint = list[0]?.c ?? "";
      const value = checkpoint
        ? {
            block: { timestamp: Number(checkpoint.slice(0, 10)), number: Number(checkpoint.slice(26, 42)) },
            checkpoint,
          }
        : { block: { number: 0, timestamp: 0 }, checkpoint };
      if (startedAt !== null) checkpointKept = { generation: startedAt, at, value };
      return value;
    } finally {
      checkpointRead = undefined;
    }
  })();
  return checkpointRead;
}

/** The last block indexed. */
export async function indexedBlock(): Promise<Block> {
  return (await indexedCheckpoint()).block;
}

async function ponderReady(): Promise<boolean> {
  if (readySeen) return true;
  const list = rowsOf<{ r: string | null }>(
    await db.execute(sql`select value->>'is_ready' as r from _ponder_meta where key = 'app'`),
  );
  readySeen = list[0]?.r === "1";
  return readySeen;
}

let headCache: { at: number; value: Promise<number | null> } | undefined;

/** The chain's latest block number, asked at most once a second; null if the RPC fails or is slow (2 s). */
function chainHead(): Promise<number | null> {
  const now = Date.now();
  if (headCache && now - headCache.at < 1_000) return headCache.value;
  const value = Promise.race([
    publicClients.opg.getBlockNumber({ cacheTime: 0 }).then(Number),
    new Promise<null>((resolve) => setTimeout(() => resolve(null), 2_000).unref()),
  ]).catch(() => null);
  headCache = { at: now, value };
  return value;
}

export async function syncState(): Promise<SyncState> {
  const [ready, { block: indexed, checkpoint }, head] = await Promise.all([
    ponderReady(),
    indexedCheckpoint(),
    chainHead(),
  ]);
  if (!ready)
    return {
      ready,
      indexed,
      checkpoint,
      head,
      synced: false,
      reason: `the indexer is catching up (historical sync not done; block ${indexed.number} of ${head ?? "?"})`,
    };
  if (head !== null && head - indexed.number > MAX_LAG)
    return {
      ready,
      indexed,
      checkpoint,
      head,
      synced: false,
      reason: `the indexer is ${head - indexed.number} blocks behind the chain (block ${indexed.number} of ${head}; at most ${MAX_LAG} allowed)`,
    };
  return { ready, indexed, checkpoint, head, synced: true };
}
