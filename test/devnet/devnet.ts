/**
 * `npm start` as a user runs it, for the end-to-end tests: spawned in its own process group on free ports, with
 * its deployments file in a temporary directory, read from its output (the URLs, who is who, the pids of what it
 * started), and stopped with SIGINT to the group, as Ctrl-C in a terminal does.
 */
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { groupAlive } from "../../scripts/devnet/processes";
import { ROOT, freePort } from "../helpers/node";

export interface RunningDevnet {
  rpcUrl: string;
  indexerUrl: string;
  port: number;
  indexerPort: number;
  deploymentsDir: string;
  investor: string;
  payers: string[];
  slashedOperator: string;
  slashedNode: string;
  /** The challenge the life left pending at the end, with its node's operator. */
  pendingChallenge: { operator: string; nodeId: string; challengeId: string };
  /** Process groups: npm's own, and each one the devnet says it started. */
  groups: number[];
  output(): string;
  /** Sends `signal` to npm's process group and resolves once npm has exited. */
  interrupt(signal?: NodeJS.Signals): Promise<void>;
  exited(): boolean;
}

/** Runs `npm start -- <args>` detached; the child and a getter of everything it printed. */
export function spawnStart(args: string[]): { child: ChildProcess; output: () => string } {
  const child = spawn("npm", ["start", "--", ...args], {
    cwd: ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, FORCE_COLOR: "0" },
  });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  return { child, output: () => output };
}

export async function startDevnet(timeoutMs = 300_000): Promise<RunningDevnet> {
  const port = await freePort();
  let indexerPort = await freePort();
  while (indexerPort === port) indexerPort = await freePort();
  const deploymentsDir = fs.mkdtempSync(path.join(os.tmpdir(), "opg-devnet-test-"));
  const { child, output } = spawnStart([
    "--port",
    String(port),
    "--indexer-port",
    String(indexerPort),
    "--deployments",
    deploymentsDir,
  ]);
  let exited = false;
  const exit = new Promise<void>((resolve) =>
    child.once("exit", () => {
      exited = true;
      resolve();
    }),
  );
  const deadline = Date.now() + timeoutMs;
  while (!/^ready in \d+ s/m.test(output())) {
    if (exited) throw new Error(`npm start exited before it was ready:\n${output()}`);
    if (Date.now() > deadline) {
      process.kill(-child.pid!, "SIGINT");
      throw new Error(`npm start was not ready in ${timeoutMs / 1000} s:\n${output()}`);
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  const text = output();
  const match = (re: RegExp) => {
    const m = re.exec(text);
    if (!m) throw new Error(`npm start did not print ${re}:\n${text}`);
    return m;
  };
  const payers = match(/^ {2}payers +(0x[0-9a-fA-F]{40}), (0x[0-9a-fA-F]{40})$/m);
  const slashed = match(/^ {2}slashed +(0x[0-9a-fA-F]{40}) \(node (\d+),/m);
  const challenged = match(/^ {2}challenged +(0x[0-9a-fA-F]{40}) \(node (\d+)\): challenge (0x[0-9a-f]{64}) pending/m);
  return {
    rpcUrl: match(/^ {2}JSON-RPC +(\S+)/m)[1],
    indexerUrl: match(/^ {2}page +(\S+?)\/?$/m)[1],
    port,
    indexerPort,
    deploymentsDir,
    investor: match(/^ {2}investor +(0x[0-9a-fA-F]{40})/m)[1],
    payers: [payers[1], payers[2]],
    slashedOperator: slashed[1],
    slashedNode: slashed[2],
    pendingChallenge: { operator: challenged[1], nodeId: challenged[2], challengeId: challenged[3] },
    groups: [child.pid!, ...[...text.matchAll(/^ +pid (\d+), log /gm)].map((m) => Number(m[1]))],
    output,
    exited: () => exited,
    async interrupt(signal: NodeJS.Signals = "SIGINT") {
      if (!exited) process.kill(-child.pid!, signal);
      await exit;
    },
  };
}

/** Removes what a stopped devnet leaves: its deployments directory and its logs under indexer/.ponder/. */
export function removeLeftovers(devnet: RunningDevnet): void {
  fs.rmSync(devnet.deploymentsDir, { recursive: true, force: true });
  fs.rmSync(path.join(ROOT, "indexer", ".ponder", `devnet-${devnet.indexerPort}`), { recursive: true, force: true });
}

/** Waits until no process of any of `groups` is left (or `ms` pass); returns the groups still alive. */
export async function groupsLeft(groups: number[], ms = 20_000): Promise<number[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const alive = groups.filter(groupAlive);
    if (alive.length === 0 || Date.now() > deadline) return alive;
    await new Promise((r) => setTimeout(r, 100));
  }
}
