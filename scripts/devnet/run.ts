/**
 * `npm start`: the whole network on this machine. A hardhat node, the real deployment (deploy/system.ts, as
 * `npm run deploy -- --network localhost` runs it) with TGE at the devnet's start, the scripted life of the
 * network (./life.ts), then the indexer with its API and page; `--rpc <url>` runs only the indexer against an
 * existing deployment. Every child runs in its own process group and is stopped with it on Ctrl-C.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { DEPLOYMENTS_DIR, deploymentPath, readDeployment } from "../../deploy/lib/deployments";
import { formatOpg, formatTime } from "../lib/opg";
import { MONTH } from "../lib/units";
import type { DeployedSystem } from "../../deploy/system";
import { StartArgs } from "./args";
import { INDEXER_DIR, ROOT, startIndexer, tail, untilIndexed } from "./indexer";
import type { LifeSummary } from "./life";
import { Child, PortUse, Supervisor, groupAlive, takenPorts } from "./processes";

const HARDHAT = path.join(ROOT, "node_modules", ".bin", "hardhat");
const HOST = "127.0.0.1";
/** Real nodes report in every 30 minutes; the registry's liveness window is an hour. */
const HEARTBEAT_MS = 20 * 60_000;
/** Chain time the scripted life spends besides its months: the timelock's delay before the arbiter's decision. */
const LIFE_SECONDS = 3_600 + 60;

/** Thrown for failures that are explained in their message: printed without a stack, exit 1. */
export class StartError extends Error {}

class Steps {
  private n = 0;
  private readonly started = Date.now();
  constructor(private readonly total: number) {}
  next(what: string) {
    this.n++;
    console.log(`[${this.n}/${this.total}] ${what} (at ${this.seconds()} s)`);
  }
  detail(line: string) {
    console.log(`      ${line}`);
  }
  seconds() {
    return ((Date.now() - this.started) / 1000).toFixed(0);
  }
}

async function rpcCall<T>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    signal: AbortSignal.timeout(15_000),
  });
  const body = (await res.json()) as { result?: T; error?: { message?: string } };
  if (body.result === undefined) throw new Error(`${method}: ${body.error?.message ?? "no result"}`);
  return body.result;
}

/** Resolves once the node answers eth_chainId; throws if it exits first. */
async function untilNodeAnswers(child: Child, url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exited())
      throw new StartError(`the hardhat node exited at start; the end of ${child.log}:\n${tail(child)}`);
    try {
      await rpcCall(url, "eth_chainId");
      return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new StartError(`the hardhat node did not answer in ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Stops every child on Ctrl-C or SIGTERM, and when one of them dies on its own. */
function supervise(supervisor: Supervisor, cleanup: () => void): void {
  const stop = async (why: string, code: number) => {
    console.log(
      `\n${why}: stopping ${supervisor.children.map((c) => `${c.name} (pid ${c.pid})`).join(", ") || "nothing"}`,
    );
    await supervisor.stopAll();
    cleanup();
    console.log("stopped: no process left behind");
    process.exit(code);
  };
  process.on("SIGINT", () => void stop("Ctrl-C", 0));
  process.on("SIGTERM", () => void stop("SIGTERM", 0));
  supervisor.onUnexpectedExit = (child, code, signal) => {
    console.error(
      `\n${child.name} exited on its own (${signal ?? `code ${code}`}); the end of ${child.log}:\n${tail(child)}`,
    );
    void stop("a process died", 1);
  };
  // Last resort (an uncaught error): no child outlives this process.
  process.on("exit", () => {
    for (const child of supervisor.children)
      if (groupAlive(child.pid))
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          // gone meanwhile
        }
  });
}

async function checkPorts(uses: PortUse[]): Promise<void> {
  const taken = await takenPorts(uses);
  if (taken.length > 0) throw new StartError(taken.join("\n"));
}

function relative(file: string): string {
  const rel = path.relative(process.env.INIT_CWD ?? process.cwd(), file);
  return rel.startsWith("..") ? file : rel;
}

function printReady(lines: string[], startedSeconds: string, indexerUrl: string) {
  console.log(`\n${lines.join("\n")}\n`);
  console.log(`ready in ${startedSeconds} s: open ${indexerUrl}/ (Ctrl-C stops everything)`);
}

/** Runs `body`; an error raised because the supervisor is stopping everything (Ctrl-C) is not a failure. */
async function supervised(body: (supervisor: Supervisor) => Promise<void>): Promise<void> {
  const supervisor = new Supervisor();
  try {
    await body(supervisor);
  } catch (error) {
    if (supervisor.isStopping) return new Promise<never>(() => undefined); // the signal handler exits
    throw error;
  }
}

export const runDevnet = (args: StartArgs) => supervised((supervisor) => devnet(args, supervisor));
export const runIndexerOnly = (args: StartArgs) => supervised((supervisor) => indexerOnly(args, supervisor));

async function devnet(args: StartArgs, supervisor: Supervisor): Promise<void> {
  const workDir = path.join(INDEXER_DIR, ".ponder", `devnet-${args.indexerPort}`);
  supervise(supervisor, () => fs.rmSync(path.join(workDir, "pglite"), { recursive: true, force: true }));
  await checkPorts([
    { port: args.port, host: HOST, name: "the hardhat node's JSON-RPC", flag: "--port" },
    { port: args.indexerPort, host: HOST, name: "the indexer's API and page", flag: "--indexer-port" },
  ]);
  const steps = new Steps(6);
  const rpcUrl = `http://${HOST}:${args.port}`;
  const indexerUrl = `http://${HOST}:${args.indexerPort}`;
  const deploymentsDir = args.deploymentsDir ?? DEPLOYMENTS_DIR;
  fs.mkdirSync(workDir, { recursive: true });

  // The chain starts `months` months ago, so that after the scripted months its clock is about the real one: the
  // API's "now", the CLI's and the chain's agree.
  const start = new Date(Date.now() - (args.months * Number(MONTH) + LIFE_SECONDS) * 1000);
  steps.next(`starting a hardhat node on ${rpcUrl}, its clock at ${start.toISOString().slice(0, 10)}`);
  // Compiled first (nothing to do when the artifacts are current): a fresh clone has none, and the deployment and
  // the node's view of the contracts need them.
  process.env.HARDHAT_NETWORK = "localhost";
  process.env.LOCALHOST_RPC_URL = rpcUrl;
  const hre = (await import("hardhat")).default as HardhatRuntimeEnvironment;
  await hre.run("compile", { quiet: true });
  const node = supervisor.start("hardhat node", HARDHAT, ["node", "--hostname", HOST, "--port", String(args.port)], {
    cwd: ROOT,
    // Not this process's HARDHAT_NETWORK (localhost, for the deployment): the node runs the in-process network.
    env: { ...process.env, HARDHAT_NETWORK: undefined, HARDHAT_INITIAL_DATE: start.toISOString() },
    log: path.join(workDir, "node.log"),
  });
  await untilNodeAnswers(node, rpcUrl);
  steps.detail(`pid ${node.pid}, log ${relative(node.log)}`);

  steps.next("deploying the contracts and the genesis (TGE now)");
  const { optionsFromEnv } = await import("../../deploy/config");
  const { deploySystem } = await import("../../deploy/system");
  const quiet = (line: string) => {
    if (!/sent 0x|reusing|deploying$|anew/.test(line)) steps.detail(line.trim());
  };
  const options = await optionsFromEnv(hre, { GENESIS_TGE: "now" }, quiet);
  const system: DeployedSystem = await deploySystem(hre, { ...options, deploymentsDir, log: quiet });

  // The indexer builds and opens its database while the network lives its life.
  steps.next(`starting the indexer on ${indexerUrl} (it starts while the network runs)`);
  const indexer = startIndexer(supervisor, {
    rpcUrl,
    chainId: 31337,
    deploymentsDir,
    port: args.indexerPort,
    workDir,
    rpcCopies: 8,
  });
  steps.detail(`pid ${indexer.pid}, log ${relative(indexer.log)}`);

  steps.next("the network's first days: models, nodes, stakes, delegations, payments, proofs, challenges");
  const { runLife, heartbeatAll } = await import("./life");
  let monthsStep = false;
  const summary: LifeSummary = await runLife(hre, system, {
    months: args.months,
    log: (line) => {
      if (line.startsWith("month ") && !monthsStep) {
        steps.next(`${args.months} months pass: vesting releases, heartbeats, more payments`);
        monthsStep = true;
      }
      steps.detail(line);
    },
  });
  if (!monthsStep) steps.next("no months pass (--months 0)");

  steps.next(`indexing ${summary.lastBlock} blocks`);
  await untilIndexed(indexer, indexerUrl, summary.lastBlock, (line) => steps.detail(line));

  // Keep the nodes live while the devnet runs.
  const timer = setInterval(() => {
    heartbeatAll(hre, system, summary).catch((error) => console.error(`heartbeat failed: ${error.message}`));
  }, HEARTBEAT_MS);
  timer.unref();

  const file = deploymentPath(31337, deploymentsDir);
  const deploymentsFlag = args.deploymentsDir ? ` --deployments ${relative(deploymentsDir)}` : "";
  const llama = summary.models[0];
  const slashedNode = summary.nodes.find((n) => n.id === summary.slashed.nodeId)!;
  printReady(
    [
      "the OPG devnet:",
      `  page            ${indexerUrl}/`,
      `  API             ${indexerUrl}/stats  ${indexerUrl}/unlocks  ${indexerUrl}/supply/circulating`,
      `                  ${indexerUrl}/unlocks/<address>  ${indexerUrl}/payments/<address>  ${indexerUrl}/nodes?model=<id>&mode=tee`,
      `  GraphQL         ${indexerUrl}/graphql`,
      `  JSON-RPC        ${rpcUrl} (chain 31337, accounts from the mnemonic "test test ... junk")`,
      `  deployments     ${relative(file)}`,
      `  logs            ${relative(node.log)}, ${relative(indexer.log)}`,
      `  chain time      ${formatTime(summary.chainTime)} (TGE + ${summary.months} months)`,
      "",
      "who is who:",
      `  investor        ${summary.investor} (investors: 12-month cliff, then 36 months)`,
      `  advisor         ${summary.advisor}`,
      `  payers          ${summary.payers.join(", ")}`,
      `  operators       ${summary.operators.join(", ")}`,
      `  slashed         ${summary.slashed.operator} (node ${summary.slashed.nodeId}, ${slashedNode.models.join(", ")}): ${formatOpg(BigInt(summary.slashed.amount))}`,
      `  challenged      ${summary.pendingChallenge.operator} (node ${summary.pendingChallenge.nodeId}): ` +
        `challenge ${summary.pendingChallenge.challengeId} pending, ${formatOpg(BigInt(summary.pendingChallenge.lockedStake))} ` +
        `locked, decide by ${formatTime(summary.pendingChallenge.decideBy)}`,
      `  model           ${llama.name} ${llama.id}`,
      "",
      "try:",
      `  npx opg unlocks ${summary.investor} --rpc ${rpcUrl}${deploymentsFlag}`,
      `  curl ${indexerUrl}/unlocks/${summary.investor}`,
      `  curl ${indexerUrl}/payments/${summary.payers[0]}`,
      `  curl '${indexerUrl}/nodes?model=${llama.id}&mode=tee'`,
      `  curl ${indexerUrl}/supply/circulating`,
    ],
    steps.seconds(),
    indexerUrl,
  );
  await new Promise<never>(() => undefined); // until Ctrl-C
}

async function indexerOnly(args: StartArgs, supervisor: Supervisor): Promise<void> {
  supervise(supervisor, () => undefined);
  const rpcUrl = args.rpc!;
  const host = new URL(rpcUrl).host; // a hosted URL may carry a key in its path: show only the host
  await checkPorts([
    { port: args.indexerPort, host: HOST, name: "the indexer's API and page", flag: "--indexer-port" },
  ]);
  const steps = new Steps(2);
  let chainId = args.chainId;
  let latest: number;
  try {
    chainId ??= Number(BigInt(await rpcCall<string>(rpcUrl, "eth_chainId")));
    latest = Number(BigInt(await rpcCall<string>(rpcUrl, "eth_blockNumber")));
  } catch (error) {
    throw new StartError(`--rpc: cannot reach ${host}: ${(error as Error).cause ?? (error as Error).message}`);
  }
  const deploymentsDir = args.deploymentsDir ?? DEPLOYMENTS_DIR;
  const deployment = readDeployment(chainId, deploymentsDir);
  if (!deployment)
    throw new StartError(
      `no deployment of chain ${chainId} in ${relative(deploymentsDir)} (no ${chainId}.json): deploy first ` +
        `(npm run deploy -- --network <name>), or pass --deployments <dir> or --chain-id <n>`,
    );
  const workDir = path.join(INDEXER_DIR, ".ponder", `chain-${chainId}-${args.indexerPort}`);
  const indexerUrl = `http://${HOST}:${args.indexerPort}`;
  steps.next(
    `starting the indexer on ${indexerUrl} for chain ${chainId} (${host}), from block ${deployment.startBlock}`,
  );
  const indexer = startIndexer(supervisor, { rpcUrl, chainId, deploymentsDir, port: args.indexerPort, workDir });
  steps.detail(`pid ${indexer.pid}, log ${relative(indexer.log)}`);
  steps.next(`indexing to block ${latest}`);
  await untilIndexed(indexer, indexerUrl, latest, (line) => steps.detail(line), 3_600_000);
  printReady(
    [
      `the OPG indexer for chain ${chainId}:`,
      `  page            ${indexerUrl}/`,
      `  API             ${indexerUrl}/stats  ${indexerUrl}/unlocks  ${indexerUrl}/supply/circulating`,
      `                  ${indexerUrl}/unlocks/<address>  ${indexerUrl}/payments/<address>`,
      `  GraphQL         ${indexerUrl}/graphql`,
      `  deployments     ${relative(deploymentPath(chainId, deploymentsDir))}`,
      `  log             ${relative(indexer.log)}`,
    ],
    steps.seconds(),
    indexerUrl,
  );
  await new Promise<never>(() => undefined);
}
