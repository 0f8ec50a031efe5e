import { ChildProcess, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { ROOT, freePort } from "./node";

const INDEXER = path.join(ROOT, "indexer");
const PONDER = path.join(ROOT, "node_modules", ".bin", "ponder");

export interface PonderOptions {
  /** PostgreSQL instead of PGlite; each run gets its own schema unless `schema` names one. */
  databaseUrl?: string;
  /** The database schema (PostgreSQL) Ponder writes to; a fresh random one by default. */
  schema?: string;
  /** A PGlite directory to reuse (a restart); a fresh temporary one by default, removed by stop(). */
  dataDir?: string;
  /** Leave the PGlite directory in place on stop(), so that a second Ponder can start on it. */
  keepData?: boolean;
  /** Extra environment for the Ponder process. */
  env?: NodeJS.ProcessEnv;
  /** Another Ponder app to run (its directory) instead of the indexer, e.g. the benchmark's reference app. */
  appDir?: string;
  /** `start` (index and serve, the default) or `serve` (serve what a writer indexes: PostgreSQL only). */
  command?: "start" | "serve";
  /** With `start`: the views schema (`--views-schema`) the writer points at its schema once it is ready. */
  viewsSchema?: string;
}

/** Ponder started on a fresh database (PGlite unless a PostgreSQL URL is given) and a free port, stopped with its
 * process group. With `command: "serve"`, a reader of what a writer indexes into `schema` (a views schema). */
export async function startPonder(rpcUrl: string, deploymentsDir: string, options: PonderOptions = {}) {
  const port = await freePort();
  const ownDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "opg-indexer-pglite-"));
  const schema = options.schema ?? (options.databaseUrl ? `opg_test_${process.pid}_${port}` : "opg");
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PONDER_TELEMETRY_DISABLED: "true",
    OPG_CHAIN_ID: "31337",
    OPG_RPC_URL: rpcUrl,
    OPG_DEPLOYMENTS_DIR: deploymentsDir,
    OPG_PGLITE_DIR: dataDir,
    NODE_ENV: "production",
    ...options.env,
  };
  delete env.DATABASE_URL;
  delete env.DATABASE_PRIVATE_URL;
  if (options.databaseUrl) env.DATABASE_URL = options.databaseUrl;
  const child: ChildProcess = spawn(
    PONDER,
    [
      options.command ?? "start",
      "--schema",
      schema,
      ...(options.viewsSchema ? ["--views-schema", options.viewsSchema] : []),
      "--port",
      String(port),
      "--log-format",
      "json",
    ],
    {
      cwd: options.appDir ?? INDEXER,
      env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  return {
    url: `http://127.0.0.1:${port}`,
    schema,
    dataDir,
    output: () => output,
    exited: () => child.exitCode !== null || child.signalCode !== null,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((r) => child.once("exit", r));
        process.kill(-child.pid!, "SIGTERM");
        const timer = setTimeout(() => process.kill(-child.pid!, "SIGKILL"), 10_000);
        await exited;
        clearTimeout(timer);
      }
      if (ownDataDir && !options.keepData) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** The last block Ponder's /status shows indexed (-1 before it has one). */
export async function indexedBlock(ponder: Awaited<ReturnType<typeof startPonder>>): Promise<number> {
  const res = await fetch(`${ponder.url}/status`);
  if (!res.ok) return -1;
  const status = (await res.json()) as Record<string, { block: { number: number } }>;
  return status.opg?.block.number ?? -1;
}

/** Waits until Ponder's /status shows `block` indexed and /ready answers 200, polling every `pollMs` (or throws after
 * `ms`). */
export async function untilIndexed(
  ponder: Awaited<ReturnType<typeof startPonder>>,
  block: number,
  ms = 180_000,
  pollMs = 250,
) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (ponder.exited()) throw new Error(`ponder exited:\n${ponder.output()}`);
    try {
      // The block, and Ponder's readiness: computed routes answer 503 until the historical sync is done.
      if ((await indexedBlock(ponder)) >= block && (await fetch(`${ponder.url}/ready`)).status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline)
      throw new Error(`ponder did not reach block ${block} in ${ms / 1000} s:\n${ponder.output()}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/**
 * A new, empty PostgreSQL database beside the one `databaseUrl` names, for one test or benchmark run. Ponder keeps raw
 * logs and blocks in a `ponder_sync` schema shared by every app on a database, keyed by (chain id, block number, log
 * index) and inserted with ON CONFLICT DO NOTHING, even with `disableCache: true`; and it reads its backfill events
 * back from there. Two local chains with id 31337 on one database therefore mix: the second chain's logs are dropped
 * and the first one's are indexed. A database per run keeps each chain's logs its own.
 */
export function freshDatabase(databaseUrl: string): { url: string; drop(): void } {
  const name = `opg_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const run = (sql: string) => {
    const result = spawnSync("psql", [databaseUrl, "-q", "-v", "ON_ERROR_STOP=1", "-c", sql], { encoding: "utf8" });
    if (result.status !== 0) throw new Error(`psql ${sql}: ${result.stderr || result.error}`);
  };
  run(`CREATE DATABASE "${name}"`);
  const url = new URL(databaseUrl);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => run(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}

/** Waits until `route` answers 200 (Ponder's `/ready` by default), or throws after `ms`. */
export async function untilAnswers(ponder: Awaited<ReturnType<typeof startPonder>>, route = "/ready", ms = 180_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    if (ponder.exited()) throw new Error(`ponder exited:\n${ponder.output()}`);
    const status = await fetch(`${ponder.url}${route}`)
      .then((r) => r.status)
      .catch(() => 0);
    if (status === 200) return;
    if (Date.now() > deadline) throw new Error(`${route} did not answer 200 in ${ms / 1000} s:\n${ponder.output()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
