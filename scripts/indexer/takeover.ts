/**
 * `npm run indexer:takeover -- --schema <new> [--views-schema opg] [--timeout <s>]`: points the views schema that the
 * readers (`ponder serve --schema opg`) read at a new deployment's schema, in one transaction, once that deployment
 * has caught up with the one it replaces. DATABASE_URL names the database.
 *
 * Why not leave it to `ponder start --views-schema`: Ponder points the views at a new schema at the end of its
 * historical sync, which stops at the chain's finalized block, before the realtime sync has indexed the blocks after
 * it. On the devnet that is 30 blocks behind the head: the readers would step back 30 blocks and their computed
 * routes would answer 503 (too far behind) until the new writer catches up. And `ponder db create-views` drops and
 * recreates the views one statement at a time, so a reader's query between the two fails. Here:
 *   1. wait until the new schema is ready (`_ponder_meta.is_ready`) and its checkpoint is at or past the one the
 *      views show now (the readers never step back);
 *   2. in one transaction, `CREATE OR REPLACE VIEW` every table of the new schema (plus `_ponder_meta` and
 *      `_ponder_checkpoint`) in the views schema (a view whose columns changed is dropped and created in the same
 *      transaction), drop the views of tables the new schema no longer has, and move the live-query trigger to the new
 *      schema's checkpoint table. The transaction first takes every view's lock at once with a 100 ms lock timeout,
 *      and starts again when it cannot: readers' queries wait for the commit (milliseconds, well under their 500 ms
 *      lock timeout) and then read the new schema.
 * The views schema must exist: the first writer creates it (`ponder start --schema opg_1 --views-schema opg`).
 * Stop the old writer afterwards, and do not restart it with `--views-schema`: at the end of its own sync it would
 * point the views back at itself.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const pg = require("pg") as {
  Client: new (options: { connectionString: string }) => {
    connect(): Promise<void>;
    query<R = Record<string, unknown>>(text: string, params?: unknown[]): Promise<{ rows: R[] }>;
    end(): Promise<void>;
  };
};

class TakeoverError extends Error {}

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,44}$/;

function parseArgs(argv: string[]) {
  const options: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (!flag.startsWith("--") || argv[i + 1] === undefined) throw new TakeoverError(`bad argument: ${flag}`);
    options[flag.slice(2)] = argv[++i];
  }
  const schema = options.schema;
  const views = options["views-schema"] ?? "opg";
  const timeout = Number(options.timeout ?? 3600);
  if (!schema || !IDENTIFIER.test(schema)) throw new TakeoverError(`--schema: expected a schema name, got "${schema}"`);
  if (!IDENTIFIER.test(views)) throw new TakeoverError(`--views-schema: expected a schema name, got "${views}"`);
  if (schema === views) throw new TakeoverError("--schema and --views-schema must differ");
  if (!Number.isFinite(timeout) || timeout < 0) throw new TakeoverError(`--timeout: expected seconds`);
  const url = process.env.DATABASE_URL;
  if (!url) throw new TakeoverError("DATABASE_URL is not set");
  return { schema, views, timeout, url };
}

/** Points `views` at `schema` once it has caught up; returns the checkpoint it took over at. */
export async function takeover(url: string, schema: string, views: string, timeoutSeconds = 3600): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const q = (name: string) => `"${name}"`;
    const exists = async (s: string) =>
      (await client.query(`select 1 from information_schema.schemata where schema_name = $1`, [s])).rows.length > 0;
    if (!(await exists(views)))
      throw new TakeoverError(
        `the views schema "${views}" does not exist: start the first writer with --views-schema ${views}`,
      );
    if (!(await exists(schema)))
      throw new TakeoverError(`the schema "${schema}" does not exist: start its writer first`);

    // 1. Ready, and at or past what the readers see now.
    const deadline = Date.now() + timeoutSeconds * 1000;
    let checkpoint = "";
    for (;;) {
      const ready = await client.query<{ r: string | null }>(
        `select value->>'is_ready' as r from ${q(schema)}._ponder_meta where key = 'app'`,
      );
      const mine = await client.query<{ c: string }>(
        `select latest_checkpoint as c from ${q(schema)}._ponder_checkpoint`,
      );
      const theirs = await client
        .query<{ c: string }>(`select latest_checkpoint as c from ${q(views)}._ponder_checkpoint`)
        .catch(() => ({ rows: [] as { c: string }[] }));
      checkpoint = mine.rows[0]?.c ?? "";
      const behind = theirs.rows[0]?.c ?? "";
      if (ready.rows[0]?.r === "1" && checkpoint !== "" && checkpoint >= behind) break;
      if (Date.now() > deadline)
        throw new TakeoverError(
          `"${schema}" did not catch up in ${timeoutSeconds} s (ready: ${ready.rows[0]?.r === "1"}, checkpoint ${checkpoint || "none"} against ${behind || "none"})`,
        );
      await new Promise((r) => setTimeout(r, 500));
    }

    // 2. One transaction.
    const tables = (
      await client.query<{ t: string }>(
        `select table_name as t from information_schema.tables
         where table_schema = $1 and table_type = 'BASE TABLE' and table_name not like '\\_%' and table_name <> 'live_query_tables'`,
        [schema],
      )
    ).rows.map((r) => r.t);
    const targets = [...tables, "_ponder_meta", "_ponder_checkpoint"];
    const current = (
      await client.query<{ v: string }>(
        `select table_name as v from information_schema.views where table_schema = $1`,
        [views],
      )
    ).rows.map((r) => r.v);
    // Readers wait on the views' locks while the swap holds them, and give up after Ponder's 500 ms lock timeout. So
    // the swap takes every lock it needs at once with a short lock timeout of its own, and when it cannot (a reader's
    // query or the writer's flush holds one), rolls back, letting everyone through, and tries again a moment later.
    const swap = async (): Promise<boolean> => {
      await client.query("begin");
      try {
        await client.query("set local lock_timeout = '100ms'");
        await client.query(
          `create or replace trigger ${q(`${views}_live_query_notify`)} after insert or update or delete
           on ${q(schema)}._ponder_checkpoint for each statement execute procedure ${q(views)}.live_query_notify()`,
        );
        if (current.length)
          await client.query(
            `lock table ${current.map((v) => `${q(views)}.${q(v)}`).join(", ")} in access exclusive mode`,
          );
        for (const t of targets) {
          const create = `create or replace view ${q(views)}.${q(t)} as select * from ${q(schema)}.${q(t)}`;
          await client.query("savepoint view");
          try {
            await client.query(create);
          } catch {
            // The columns changed (another version of the app): drop and create, still inside the transaction.
            await client.query("rollback to savepoint view");
            await client.query(`drop view if exists ${q(views)}.${q(t)}`);
            await client.query(create.replace("create or replace view", "create view"));
          }
        }
        for (const v of current.filter((name) => !targets.includes(name)))
          await client.query(`drop view if exists ${q(views)}.${q(v)}`);
        // The readers keep answers per indexed state (indexer/src/api/cache.ts), told of a change on this channel:
        // the views now show another schema, so what they kept goes (delivered at the commit).
        await client.query("select pg_notify($1, $2)", [`${views}_live_query`, JSON.stringify(["_ponder_checkpoint"])]);
        await client.query("commit");
        return true;
      } catch (error) {
        await client.query("rollback");
        if ((error as { code?: string }).code === "55P03") return false; // lock_not_available: try again
        throw error;
      }
    };
    for (let attempt = 1; !(await swap()); attempt++) {
      if (attempt >= 200) throw new TakeoverError(`could not take the views' locks in ${attempt} attempts`);
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 150));
    }
    return checkpoint;
  } finally {
    await client.end();
  }
}

if (require.main === module) {
  (async () => {
    const { schema, views, timeout, url } = parseArgs(process.argv.slice(2));
    console.log(`waiting for "${schema}" to be ready and caught up with what "${views}" shows…`);
    const checkpoint = await takeover(url, schema, views, timeout);
    console.log(`"${views}" now reads "${schema}" (checkpoint ${checkpoint}); stop the old writer`);
  })().catch((error) => {
    console.error(error instanceof TakeoverError ? error.message : error);
    process.exit(1);
  });
}
