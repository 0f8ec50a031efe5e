/**
 * Answers computed once per indexed state: an answer that only changes when the indexer writes (a block indexed, a
 * block reverted) is kept and served again until it does.
 *
 * The key of a kept answer is the request (method, URL, Accept) and the indexed state it was computed at: Ponder's
 * checkpoint string and the generation of live.ts (moved by each notification of Ponder's live-query trigger). The
 * checkpoint alone is not enough: a block reorganised away and replaced at the same height and second by one whose
 * last event has the same position gives the same checkpoint string with other rows; the trigger fires on the revert
 * and on the new block, so the generation moves. While live.ts is not listening (or with PGlite), nothing is kept or
 * served from the cache: every request computes its answer.
 *
 * This middleware comes first on its routes, before the parameters' validation and the 503 of `computed`: a request
 * seen before at this state (same URL, so the same validation) is answered from memory with no query, no parsing and
 * no serialisation. Only 200s are kept, and the state's `synced` is in the key, so a route that answers 503 while the
 * indexer catches up never gets a kept 200 then. It sets `c.var.sync` for what follows (`computed` and the handlers use
 * it), so that an answer and its key come from the same read.
 */
import type { ServerResponse } from "node:http";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";

import type { Env } from "./http";
import { generation, keeping } from "./live";
import { syncState } from "./sync";

interface Kept {
  headers: Record<string, string>;
  body: Uint8Array<ArrayBuffer>;
}

/** @hono/node-server's mark of a response already written to the socket (its RESPONSE_ALREADY_SENT). */
const ALREADY_SENT = { "x-hono-already-sent": "true" };

/**
 * A kept answer, written straight to Node's response when the server is Node's (Ponder's is): Hono would turn any
 * Response returned here into a web stream read back chunk by chunk (its `c.res` setter copies the body of the one
 * the CORS middleware made first), which the profile in scripts/reports/indexer-bench.md shows to be most of a
 * request's CPU. The headers set before (CORS) are sent along; the Response returned says it is already sent, so the
 * server writes nothing more and Ponder's metrics still see a 200.
 */
function sendKept(c: Context<Env>, kept: Kept): Response {
  const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
  if (!outgoing) return c.body(kept.body, 200, kept.headers);
  const headers: Record<string, string> = Object.fromEntries(c.res.headers.entries());
  Object.assign(headers, kept.headers, { "content-length": String(kept.body.byteLength) });
  outgoing.writeHead(200, headers);
  outgoing.end(kept.body);
  return new Response(null, { status: 200, headers: ALREADY_SENT });
}

const MAX_ENTRIES = 10_000;
const MAX_BODY = 1 << 20;
let kept = { state: "", entries: new Map<string, Kept>() };

/**
 * Serves a kept answer for the same request at the same indexed state, or computes it and keeps a 200 (up to 1 MiB,
 * 10,000 answers: then it starts over). Says `x-cache: hit` or `miss`.
 */
export const perIndexedState = createMiddleware<Env>(async (c, next) => {
  if (!keeping) return next();
  const gen = generation();
  if (gen === null) return next();
  // A failed read is left to the route (`computed` answers 503 with the reason).
  const sync = await syncState().catch(() => undefined);
  if (!sync?.checkpoint) return next();
  c.set("sync", sync);
  const state = `${gen}/${sync.checkpoint}/${sync.synced}`;
  if (kept.state !== state) kept = { state, entries: new Map() };
  const key = `${c.req.method} ${c.req.url} ${c.req.header("accept") ?? ""}`;
  const hit = kept.entries.get(key);
  if (hit) return sendKept(c, hit);
  const entries = kept.entries;
  await next();
  c.res.headers.set("x-cache", "miss");
  // Kept only if nothing moved while it was computed (a notification, another checkpoint seen meanwhile).
  if (c.res.status !== 200 || generation() !== gen || kept.entries !== entries) return;
  const body = new Uint8Array(await c.res.clone().arrayBuffer());
  if (body.byteLength > MAX_BODY) return;
  if (entries.size >= MAX_ENTRIES) entries.clear();
  const headers = Object.fromEntries(c.res.headers.entries());
  entries.set(key, { headers: { ...headers, "x-cache": "hit" }, body });
});
