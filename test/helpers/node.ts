/** A real JSON-RPC node for end-to-end tests: `hardhat node` on a free port, stopped with its process group. */
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import * as net from "node:net";
import * as path from "node:path";

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
