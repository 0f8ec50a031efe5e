/**
 * Answers computed once per indexed state: an answer that only changes when the indexer writes (a block indexed, a
 * block reverted) is kept and served again until it does.
 *
 * The key of a kept answer is the request (method, URL, Accept) and the indexed state it was computed at: Ponder's
 * checkpoint string, read by every request anyway (sync.ts), and a generation bumped by each notification Ponder's
 * live-query trigger sends on the `<schema>_live_query` channel whenever the checkpoint row changes. The checkpoint
 * alone is not enough: a block reorganised away and replaced at the same height and second by one whose last event has
 * the same position gives the same checkpoint string with other rows; the trigger fires on the revert and on the new
 * block, so the generation moves. While the listening connection is down (or with PGlite, where there is no other
 * connection to listen on), nothing is kept or served from the cache: every request computes its answer.
 *
 * A takeover (scripts/indexer/takeover.ts) notifies the views schema's channel in its transaction: readers drop what
 * they kept from the schema that was replaced.
 */
import { createMiddleware } from "hono/factory";
import pg from "pg";

import type { Env } from "./http";
import { syncState } from "./sync";

/** Bumped by each notification and each (re)connection; null while not listening. */
let generation: number | null = null;
let counter = 0;

/** The schema whose checkpoint the API reads (the views schema for a `ponder serve` reader). */
function apiSchema(): string | undefined {
  const build = (globalThis as { PONDER_NAMESPACE_BUILD?: { schema?: string } }).PONDER_NAMESPACE_BUILD;
  return build?.schema ?? process.env.DATABASE_SCHEMA;
}

function listen(url: string, schema: string) {
  const client = new pg.Client({ connectionString: url, application_name: "opg-indexer-answer-cache" });
  let retried = false;
  const retry = () => {
    generation = null;
    if (retried) return;
    retried = true;
    client.end().catch(() => {});
    setTimeout(() => listen(url, schema), 1_000).unref();
  };
  client.on("notification", () => {
    if (generation !== null) generation = ++counter;
  });
  client.on("error", retry);
  client.on("end", retry);
  client
    .connect()
    .then(() => client.query(`LISTEN "${schema.replaceAll('"', '""')}_live_query"`))
    .then(() => {
      generation = ++counter;
    })
    .catch(retry);
}

const url = process.env.DATABASE_URL ?? process.env.DATABASE_PRIVATE_URL;
const schema = apiSchema();
const enabled = Boolean(url && schema) && process.env.OPG_ANSWER_CACHE !== "off";
if (enabled) listen(url!, schema!);

interface Kept {
  status: number;
  headers: [string, string][];
  body: ArrayBuffer;
}

const MAX_ENTRIES = 10_000;
const MAX_BODY = 1 << 20;
let kept = { state: "", entries: new Map<string, Kept>() };

/**
 * Serves a kept answer for the same request at the same indexed state, or computes it and keeps a 200 (up to 1 MiB,
 * 10,000 answers: then it starts over). After `computed` it uses the sync state that set; on a list route it reads it
 * (and sets `c.var.sync` for the handler). Says `x-cache: hit` or `miss`.
 */
export const perIndexedState = createMiddleware<Env>(async (c, next) => {
  if (!enabled) return next();
  const gen = generation;
  if (gen === null) return next();
  let sync = c.get("sync");
  if (!sync) {
    // A list route (no `computed` before): its handler reads the state itself when this cannot.
    const read = await syncState().catch(() => undefined);
    if (!read) return next();
    sync = read;
    c.set("sync", sync);
  }
  if (!sync.checkpoint) return next();
  const state = `${gen}/${sync.checkpoint}/${sync.synced}`;
  if (kept.state !== state) kept = { state, entries: new Map() };
  const key = `${c.req.method} ${c.req.url} ${c.req.header("accept") ?? ""}`;
  const hit = kept.entries.get(key);
  if (hit) {
    const headers = new Headers(hit.headers);
    headers.set("x-cache", "hit");
    return new Response(hit.body, { status: hit.status, headers });
  }
  const entries = kept.entries;
  await next();
  c.res.headers.set("x-cache", "miss");
  // Kept only if nothing moved while it was computed (a notification, another checkpoint seen meanwhile).
  if (c.res.status !== 200 || generation !== gen || kept.entries !== entries) return;
  const body = await c.res.clone().arrayBuffer();
  if (body.byteLength > MAX_BODY) return;
  if (entries.size >= MAX_ENTRIES) entries.clear();
  entries.set(key, { status: 200, headers: [...c.res.headers.entries()], body });
});
