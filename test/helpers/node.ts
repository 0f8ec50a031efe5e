/**
 * A real JSON-RPC node for end-to-end tests: `hardhat node` on a free port, stopped with its process group; and one
 * such node with the system deployed on it, shared by every end-to-end file of a run (sharedDeployment).
 */
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";

import type { Deployment } from "../../deploy/lib/deployments";
import { runCli } from "./deploy-cli";

export const ROOT = path.join(__dirname, "..", "..");
const HARDHAT = path.join(ROOT, "node_modules", ".bin", "hardhat");

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface LocalNode {
  url: string;
  stop(): Promise<void>;
}

/** Starts `hardhat node` and resolves once it answers JSON-RPC. */
export async function startNode(): Promise<LocalNode> {
  const port = await freePort();
  const child: ChildProcess = spawn(HARDHAT, ["node", "--hostname", "127.0.0.1", "--port", String(port)], {
    cwd: ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`hardhat node exited: ${output}`);
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}',
      });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`hardhat node did not start in 60 s: ${output}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      process.kill(-child.pid!, "SIGTERM");
      await exited;
    },
  };
}

/** Runs `hardhat <args>` against the node and returns its exit code and output. */
export function hardhat(args: string[], env: Record<string, string>): { status: number; output: string } {
  const result = spawnSync(HARDHAT, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    encoding: "utf8",
    timeout: 180_000,
  });
  return { status: result.status ?? -1, output: `${result.stdout}${result.stderr}` };
}

/** The node shared by the end-to-end files, with `npm run deploy` (devnet genesis) run on it once. */
export interface SharedDeployment {
  url: string;
  /** The directory of the deployments file (31337.json) the deployment wrote. */
  deploymentsDir: string;
  deployment: Deployment;
  /** What `npm run deploy -- --network localhost` printed. */
  output: string;
  /**
   * Returns the chain to the moment the deployment finished (evm_revert to a snapshot taken then), so that a file
   * sees the same chain whichever files ran before it. Call it in the file's `before`.
   */
  fresh(): Promise<void>;
}

let shared: Promise<SharedDeployment> | undefined;

/**
 * The run's shared node with the system deployed, started and deployed by the first file that asks (a node and a
 * deployment take about a minute here; each end-to-end file used to pay for its own). The node is stopped when the
 * test process exits; files must not stop it, and must call `fresh()` before they use it.
 */
export function sharedDeployment(): Promise<SharedDeployment> {
  shared ??= (async () => {
    const node = await startNode();
    // Hardhat's test task ends with process.exit: stop the node's process group then, synchronously.
    process.once("exit", () => void node.stop().catch(() => undefined));
    const deploymentsDir = fs.mkdtempSync(path.join(os.tmpdir(), "opg-e2e-shared-"));
    // `npm run deploy -- --network localhost` in this process (deploy/cli.ts's main): no second Node.js and Hardhat.
    const run = await runCli(["deploy", "--network", "localhost"], {
      ...process.env,
      LOCALHOST_RPC_URL: node.url,
      DEPLOYMENTS_DIR: deploymentsDir,
    });
    if (run.status !== 0) throw new Error(`npm run deploy failed on the shared node (${run.status}):\n${run.output}`);
    const deployment: Deployment = JSON.parse(fs.readFileSync(path.join(deploymentsDir, "31337.json"), "utf8"));
    const rpc = async <T>(method: string, params: unknown[] = []): Promise<T> => {
      const res = await fetch(node.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
      });
      const body = (await res.json()) as { result?: T; error?: { message: string } };
      if (body.error) throw new Error(`${method}: ${body.error.message}`);
      return body.result as T;
    };
    let snapshot = await rpc<string>("evm_snapshot");
    return {
      url: node.url,
      deploymentsDir,
      deployment,
      output: run.output,
      async fresh() {
        // A snapshot is used up by its revert: take the next one at once.
        if (!(await rpc<boolean>("evm_revert", [snapshot]))) throw new Error(`evm_revert ${snapshot} failed`);
        snapshot = await rpc<string>("evm_snapshot");
      },
    };
  })();
  return shared;
}
