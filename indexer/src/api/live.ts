/**
 * When the indexed state moves: a generation bumped by each notification Ponder's live-query trigger sends on the
 * `<schema>_live_query` channel (whenever the checkpoint row changes, so on every block indexed or reverted) and by
 * each (re)connection of the listening client. A takeover (scripts/indexer/takeover.ts) notifies the views schema's
 * channel in its transaction, so a reader's generation moves when the schema behind its views is replaced.
 *
 * What is read from the database at generation g and still held at generation g is what the database holds now (up
 * to the notification's delivery): the answer cache (cache.ts) and the checkpoint read (sync.ts) rely on it. While
 * the listening connection is down, or with PGlite (no other connection to listen on), `generation()` is null and
 * nothing may be kept.
 */
import pg from "pg";

let current: number | null = null;
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
    current = null;
    if (retried) return;
    retried = true;
    client.end().catch(() => {});
    setTimeout(() => listen(url, schema), 1_000).unref();
  };
  client.on("notification", () => {
    if (current !== null) current = ++counter;
  });
  client.on("error", retry);
  client.on("end", retry);
  client
    .connect()
    .then(() => client.query(`LISTEN "${schema.replaceAll('"', '""')}_live_query"`))
    .then(() => {
      current = ++counter;
    })
    .catch(retry);
}

const url = process.env.DATABASE_URL ?? process.env.DATABASE_PRIVATE_URL;
const schema = apiSchema();
/** Whether answers may be kept at all (PostgreSQL, and not turned off with OPG_ANSWER_CACHE=off). */
export const keeping = Boolean(url && schema) && process.env.OPG_ANSWER_CACHE !== "off";
if (keeping) listen(url!, schema!);

/** The current generation, or null while nothing may be kept. */
export function generation(): number | null {
  return current;
}
