/**
 * An anvil node (from npm) on a free port, a stand-in of the explorer's verification API, and the deploy commands:
 * in the test process (cliRun), or as processes of their own (npmRun) for the runs that are killed.
 */
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";

import { runCli } from "../helpers/deploy-cli";
import { ROOT, freePort } from "../helpers/node";

/** Anvil's first default account: funded with 10,000 ETH on every anvil chain. Public knowledge, not a secret. */
export const ANVIL_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
export const ANVIL_ADDRESS = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266";
/** Anvil's second account, standing for the multisig that proposes timelocked changes. */
export const SAFE = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

export interface Anvil {
  url: string;
  rpc<T = unknown>(method: string, params?: unknown[]): Promise<T>;
  stop(): Promise<void>;
}

/** `npx anvil --chain-id 84532` on a free port; `args` adds --block-time 1, --no-mining and the like. */
export async function startAnvil(args: string[] = [], chainId = 84532): Promise<Anvil> {
  const port = await freePort();
  const bin = path.join(ROOT, "node_modules", ".bin", "anvil");
  const child: ChildProcess = spawn(bin, ["--chain-id", String(chainId), "--port", String(port), ...args], {
    cwd: ROOT,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  let id = 0;
  const rpc = async <T>(method: string, params: unknown[] = []): Promise<T> => {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: ++id, method, params }),
    });
    const body = (await res.json()) as { result?: T; error?: { message: string } };
    if (body.error) throw new Error(`${method}: ${body.error.message}`);
    return body.result as T;
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`anvil exited: ${output}`);
    try {
      await rpc("eth_chainId");
      break;
    } catch {
      if (Date.now() > deadline) throw new Error(`anvil did not answer in 30 s: ${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    url,
    rpc,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      process.kill(-child.pid!, "SIGTERM");
      await exited;
    },
  };
}

export interface Run {
  status: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/** A clean environment (none of the deployment's settings from this process or a .env) with `env` added. */
function cleanEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = { ...process.env };
  for (const name of Object.keys(clean))
    if (
      /^(DEPLOYER_PRIVATE_KEY|BASE_SEPOLIA_RPC_URL|GENESIS_|TIMELOCK_|TEE_|CONFIRMATIONS|TX_TIMEOUT|ETHERSCAN_|OPG_DEPLOY_|DRY_RUN|REHEARSAL|PROTOCOL_FEE|DEPLOYMENTS_DIR)/.test(
        name,
      )
    )
      delete clean[name];
  // Empty rather than absent: hardhat.config.ts loads a developer's .env, which must not fill them in.
  const unset = { DEPLOYER_PRIVATE_KEY: "", BASE_SEPOLIA_RPC_URL: "", GENESIS_FILE: "", TIMELOCK_PROPOSERS: "" };
  return { ...clean, ...unset, ETHERSCAN_API_KEY: "", ...env };
}

/**
 * `npm run <script> -- <args>` as a process (deploy/cli.ts) with the environment `env` added to a clean one: for
 * the runs OPG_DEPLOY_KILL_AT kills, and a smoke run of each command.
 */
export async function npmRun(script: "deploy" | "verify", args: string[], env: Record<string, string>): Promise<Run> {
  const child = spawn("node", ["-r", "ts-node/register/transpile-only", "deploy/cli.ts", script, ...args], {
    cwd: ROOT,
    env: cleanEnv(env),
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const timer = setTimeout(() => child.kill("SIGKILL"), 300_000);
  const [status, signal] = (await new Promise((r) => child.once("exit", (c, s) => r([c, s])))) as [
    number | null,
    NodeJS.Signals | null,
  ];
  clearTimeout(timer);
  return { status, signal, output };
}

/** The same command in this process (deploy/cli.ts's main, test/helpers/deploy-cli.ts), the same clean environment. */
export async function cliRun(script: "deploy" | "verify", args: string[], env: Record<string, string>): Promise<Run> {
  const { status, output } = await runCli([script, ...args], cleanEnv(env));
  return { status, signal: null, output };
}

/** A request the explorer stand-in received. */
export interface ExplorerRequest {
  action: string;
  params: Record<string, string>;
}

export interface Explorer {
  url: string;
  requests: ExplorerRequest[];
  /** Addresses (lowercase) the stand-in holds as verified. */
  verified: Set<string>;
  close(): Promise<void>;
}

/**
 * A stand-in of the Etherscan v2 verification API: getsourcecode (verified or not), verifysourcecode (checked by
 * `check`, which returns an error message or undefined; answers a guid), checkverifystatus (Pass - Verified).
 */
export async function startExplorer(check: (params: Record<string, string>) => string | undefined): Promise<Explorer> {
  const requests: ExplorerRequest[] = [];
  const verified = new Set<string>();
  const pending = new Map<string, string>();
  const server = http.createServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      const url = new URL(req.url!, "http://stand-in");
      const params: Record<string, string> = Object.fromEntries(url.searchParams);
      if (req.method === "POST") Object.assign(params, Object.fromEntries(new URLSearchParams(body)));
      requests.push({ action: params.action, params });
      const answer = (status: string, message: string, result: unknown) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify({ status, message, result }));
      };
      if (params.chainid !== "84532") return answer("0", "NOTOK", "Missing or unsupported chainid parameter");
      if (!params.apikey) return answer("0", "NOTOK", "Missing/Invalid API Key");
      if (params.action === "getsourcecode") {
        const address = (params.address ?? "").toLowerCase();
        return answer("1", "OK", [{ SourceCode: verified.has(address) ? "{...}" : "", ABI: "" }]);
      }
      if (params.action === "verifysourcecode") {
        const address = (params.contractaddress ?? "").toLowerCase();
        if (verified.has(address)) return answer("0", "NOTOK", "Contract source code already verified");
        const problem = check(params);
        if (problem) return answer("0", "NOTOK", problem);
        const guid = `guid-${pending.size + 1}-${address.slice(2, 10)}`;
        pending.set(guid, address);
        return answer("1", "OK", guid);
      }
      if (params.action === "checkverifystatus") {
        const address = pending.get(params.guid);
        if (!address) return answer("0", "NOTOK", "Unknown UID");
        verified.add(address);
        return answer("1", "OK", "Pass - Verified");
      }
      answer("0", "NOTOK", `unknown action ${params.action}`);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v2/api`,
    requests,
    verified,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

export const tmp = (prefix: string) => fs.mkdtempSync(path.join(os.tmpdir(), prefix));

/** Anvil's accounts 2 to 7: the beneficiaries of a real (non-rehearsal) genesis file. */
const HOLDERS = [
  "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC",
  "0x90F79bf6EB2c4f870365E785982E1f101E93b906",
  "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65",
  "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc",
  "0x976EA74026E726554dB657fA54763abd0C3a0aa9",
  "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955",
];

/** A real genesis file: each category to one of HOLDERS, the staking rewards to the staking contract. */
export const GENESIS_FILE = path.join(tmp("opg-genesis-"), "genesis.json");
fs.writeFileSync(
  GENESIS_FILE,
  JSON.stringify({
    grants: {
      ecosystem: [{ beneficiary: HOLDERS[0], amount: "400000000", label: "ecosystem fund" }],
      foundation: [{ beneficiary: HOLDERS[1], amount: "150000000", label: "foundation" }],
      coreContributors: [{ beneficiary: HOLDERS[2], amount: "150000000", label: "contributors" }],
      investors: [{ beneficiary: HOLDERS[3], amount: "100000000", label: "investors" }],
      stakingRewards: [{ beneficiary: "staking", amount: "100000000" }],
      liquidity: [{ beneficiary: HOLDERS[4], amount: "60000000", label: "liquidity" }],
      airdrop: [{ beneficiary: HOLDERS[5], amount: "40000000", label: "airdrop" }],
    },
  }),
);

/** The settings of a real deployment to `anvil`, recorded in `dir`. */
export const settings = (anvil: Anvil, dir: string, extra: Record<string, string> = {}) => ({
  BASE_SEPOLIA_RPC_URL: anvil.url,
  DEPLOYER_PRIVATE_KEY: ANVIL_KEY,
  DEPLOYMENTS_DIR: dir,
  GENESIS_FILE,
  TIMELOCK_PROPOSERS: SAFE,
  ...extra,
});

/** `npm run deploy -- --network baseSepolia <flags>` with `env`, in this process. */
export const deploy = (env: Record<string, string>, ...flags: string[]) =>
  cliRun("deploy", ["--network", "baseSepolia", ...flags], env);

/** The same as a process of its own: the runs OPG_DEPLOY_KILL_AT kills, and a smoke run. */
export const deployProcess = (env: Record<string, string>, ...flags: string[]) =>
  npmRun("deploy", ["--network", "baseSepolia", ...flags], env);

let reference: Promise<{ node: Anvil; dir: string; run: Run }> | undefined;

/**
 * The run's reference deployment: the real genesis file, SAFE proposing, CONFIRMATIONS=2 on an automining anvil,
 * made once by whichever of deploy.test.ts and verify.test.ts asks first (neither changes the chain after it).
 * The anvil is stopped when the test process exits.
 */
export function referenceDeployment(): Promise<{ node: Anvil; dir: string; run: Run }> {
  reference ??= (async () => {
    const node = await startAnvil();
    process.once("exit", () => void node.stop().catch(() => undefined));
    const dir = tmp("opg-dep-");
    const run = await deploy(settings(node, dir, { CONFIRMATIONS: "2" }));
    return { node, dir, run };
  })();
  return reference;
}
