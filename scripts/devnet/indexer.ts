/** The indexer as `npm start` runs it: `ponder start` from the root install, cwd indexer/, on a fresh PGlite. */
import * as fs from "node:fs";
import * as path from "node:path";

import type { Child, Supervisor } from "./processes";

export const ROOT = path.join(__dirname, "..", "..");
export const INDEXER_DIR = path.join(ROOT, "indexer");
const PONDER = path.join(ROOT, "node_modules", ".bin", "ponder");

export interface IndexerOptions {
  rpcUrl: string;
  chainId: number;
  deploymentsDir: string;
  port: number;
  /** Where PGlite and the logs go; its pglite/ is wiped first (the chain is new). */
  workDir: string;
  /** Copies of the RPC URL: Ponder limits requests per URL, so a local node listed N times syncs faster. */
  rpcCopies?: number;
  /** Keep DATABASE_URL (PostgreSQL) from the environment instead of PGlite. */
  allowPostgres?: boolean;
}

export function startIndexer(supervisor: Supervisor, options: IndexerOptions): Child {
  const pglite = path.join(options.workDir, "pglite");
  fs.rmSync(pglite, { recursive: true, force: true });
  fs.mkdirSync(options.workDir, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PONDER_TELEMETRY_DISABLED: "true",
    NODE_ENV: "production",
    OPG_CHAIN_ID: String(options.chainId),
    OPG_RPC_URL: Array(options.rpcCopies ?? 1)
      .fill(options.rpcUrl)
      .join(","),
    OPG_DEPLOYMENTS_DIR: options.deploymentsDir,
    OPG_PGLITE_DIR: pglite,
  };
  if (!options.allowPostgres) {
    delete env.DATABASE_URL;
    delete env.DATABASE_PRIVATE_URL;
  }
  return supervisor.start(
    "indexer",
    PONDER,
    ["start", "--schema", "opg", "--port", String(options.port), "--hostname", "127.0.0.1"],
    { cwd: INDEXER_DIR, env, log: path.join(options.workDir, "indexer.log") },
  );
}

/** The block the indexer has reached (-1 before it answers). */
export async function indexedBlock(url: string): Promise<number> {
  try {
    const res = await fetch(`${url}/status`, { signal: AbortSignal.timeout(5_000) });
    if (!res.ok) return -1;
    const status = (await res.json()) as Record<string, { block?: { number?: number } } | undefined>;
    return status.opg?.block?.number ?? -1;
  } catch {
    return -1;
  }
}

/** Waits until the indexer has `block`, reporting progress every few seconds; throws if it exits first. */
/** Whether Ponder's /ready answers 200 (its historical sync is done). */
const ponderReady = (url: string) =>
  fetch(`${url}/ready`).then(
    (r) => r.status === 200,
    () => false,
  );

export async function untilIndexed(
  child: Child,
  url: string,
  block: number,
  progress: (line: string) => void,
  timeoutMs = 600_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastReport = 0;
  for (;;) {
    if (child.exited())
      throw new Error(`the indexer exited before it was ready; the end of ${child.log}:\n${tail(child)}`);
    const reached = await indexedBlock(url);
    // The block, and Ponder's readiness: the computed routes answer 503 until the historical sync is done.
    if (reached >= block && (await ponderReady(url))) return;
    if (Date.now() - lastReport > 3_000) {
      progress(reached < 0 ? "building and starting" : `block ${reached} of ${block}`);
      lastReport = Date.now();
    }
    if (Date.now() > deadline)
      throw new Error(`the indexer did not reach block ${block} in ${timeoutMs / 1000} s; see ${child.log}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export function tail(child: Child, lines = 15): string {
  return child
    .output()
    .trimEnd()
    .split("\n")
    .slice(-lines)
    .map((l) => `  | ${l}`)
    .join("\n");
}
