/**
 * `npm run deploy -- --network <name> [--dry-run] [--rehearsal]` (deploy/cli.ts calls runDeploy in its process;
 * `hardhat run deploy/deploy.ts --network <name>` runs this file, the flags as DRY_RUN=1 and REHEARSAL=1): a
 * preflight (settings, chain, deployer, balance, plan, gas and cost), then the timelock, the token, the vesting
 * vault and the rest, the genesis, the admin roles to the timelock, deploy/deployments/<chainId>.json, and the
 * hand-over report read from the chain.
 * Run again, it resumes: what the deployments file records and the chain has is reused, and a transaction it
 * recorded is looked up by its hash, never sent again.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { formatEther, getAddress } from "ethers";

import { LOCAL_NETWORKS, optionsFromEnv, publicChainProblems, settingsProblems } from "./config";
import { GenesisError } from "./genesis";
import { formatOpg } from "./lib/format";
import { DEPLOYMENTS_DIR, deploymentPath, readDeployment } from "./lib/deployments";
import { handOverReport } from "./lib/handover";
import { REMOTE_NETWORKS } from "./lib/networks";
import { TransactionTimeoutError } from "./lib/transactions";
import { PlannedAction, deploySystem, recordedDeployment } from "./system";

type Log = (line: string) => void;

/** A refusal the deployer can act on: printed as a list, without a stack trace. */
class Refused extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
  }
}

const flag = (env: NodeJS.ProcessEnv, name: string) => ["1", "true", "yes"].includes((env[name] ?? "").toLowerCase());

/** Where a run prints: the console, or a test's capture. */
export type Output = Pick<Console, "log" | "error">;

export interface RunFlags {
  /** --dry-run: the preflight and the plan only (DRY_RUN=1 in the environment does the same). */
  dryRun?: boolean;
  /** --rehearsal: every allocation to the deployer on a public chain (REHEARSAL=1 does the same). */
  rehearsal?: boolean;
}

/** The chain id the network's URL answers with, asked directly (Hardhat would refuse a wrong one less clearly). */
async function chainIdOf(url: string, variable: string): Promise<number> {
  const host = (() => {
    try {
      return new URL(url).host; // the path may carry an API key: not printed
    } catch {
      return "?";
    }
  })();
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(15_000),
    });
    const body = (await response.json()) as { result?: string };
    if (!body.result) throw new Error(`HTTP ${response.status}, no chain id in the answer`);
    return Number(BigInt(body.result));
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    throw new Refused([`${variable} (${host}) does not answer: ${cause ?? (error as Error).message}`]);
  }
}

/**
 * The deployment on the network `hre` is connected to, with the settings of `env`; prints to `out` and returns the
 * exit status: 0 deployed (or planned), 1 refused or failed, the reason printed without a stack trace (a local
 * network's unexpected error keeps its stack).
 */
export async function runDeploy(
  hre: HardhatRuntimeEnvironment,
  env: NodeJS.ProcessEnv,
  flags: RunFlags = {},
  out: Output = console,
): Promise<number> {
  try {
    await deploy(hre, env, flags, (line) => out.log(line));
    return 0;
  } catch (error) {
    if (error instanceof Refused) {
      out.error(`stopped:\n  - ${error.problems.join("\n  - ")}`);
    } else if (error instanceof GenesisError || error instanceof TransactionTimeoutError) {
      out.error(error.message);
    } else {
      out.error(LOCAL_NETWORKS.includes(hre.network.name) ? error : `${(error as Error).message ?? error}`);
    }
    return 1;
  }
}

async function deploy(hre: HardhatRuntimeEnvironment, env: NodeJS.ProcessEnv, flags: RunFlags, log: Log) {
  const network = hre.network.name;
  const dryRun = flags.dryRun || flag(env, "DRY_RUN");
  const rehearsal = flags.rehearsal || flag(env, "REHEARSAL");

  // 1. Settings, before anything connects: every problem at once.
  const problems = settingsProblems(network, env);
  const remote = REMOTE_NETWORKS[network];
  const urlVar = remote?.urlVar ?? (network === "localhost" ? "LOCALHOST_RPC_URL" : undefined);
  if (remote && !env[remote.urlVar]) throw new Refused(problems);

  // 2. The chain: its id against the network's.
  let chainId: number;
  if ("url" in hre.network.config) {
    try {
      chainId = await chainIdOf(hre.network.config.url, urlVar ?? `the URL of network "${network}"`);
    } catch (error) {
      throw new Refused([...problems, ...(error instanceof Refused ? error.problems : [String(error)])]);
    }
    const expected = hre.network.config.chainId;
    if (expected !== undefined && expected !== chainId)
      problems.push(`${urlVar} points at chain ${chainId}, not ${network}'s ${expected}`);
  } else chainId = Number((await hre.ethers.provider.getNetwork()).chainId);
  const publicChain = chainId !== 31337;
  if (publicChain) problems.push(...publicChainProblems(env, rehearsal));
  if (problems.length > 0) throw new Refused(problems);
  log(`network ${network}, chain ${chainId}${publicChain ? " (public)" : " (local)"}${dryRun ? ", dry run" : ""}`);

  // 3. The deployer, its balance, and what is recorded for this chain.
  const persist = network !== "hardhat" || env.DEPLOYMENTS_DIR !== undefined;
  const deploymentsDir = persist ? (env.DEPLOYMENTS_DIR ?? DEPLOYMENTS_DIR) : undefined;
  const [signer] = await hre.ethers.getSigners();
  const deployer = getAddress(signer.address);
  const balance = await hre.ethers.provider.getBalance(deployer);
  log(`deployer ${deployer}: ${formatEther(balance)} ETH`);
  const recorded = deploymentsDir ? await recordedDeployment(hre, deploymentsDir) : undefined;
  const file = deploymentsDir ? deploymentPath(chainId, deploymentsDir) : undefined;
  const anyRecord = deploymentsDir ? readDeployment(chainId, deploymentsDir) : undefined;
  const owner = (recorded ?? (anyRecord?.transactions.length ? anyRecord : undefined))?.deployer;
  if (owner && getAddress(owner) !== deployer)
    throw new Refused([
      `${file} records a deployment by ${getAddress(owner)}, but ${remote ? "DEPLOYER_PRIVATE_KEY" : "the node's first account"} ` +
        `is ${deployer}: resume with ${getAddress(owner)}'s key, or move the file away to deploy anew`,
    ]);
  if (recorded) log(`resuming the deployment recorded in ${file}`);

  // 4. The plan, estimated by the node where it can: each transaction, what is reused, gas and cost.
  const options = await optionsFromEnv(hre, env, log, recorded?.genesis.tge || undefined);
  const killAt = /^(\d+):(recorded|sent)$/.exec(env.OPG_DEPLOY_KILL_AT ?? "");
  const settings = {
    ...options,
    deploymentsDir,
    killAt: killAt ? { count: Number(killAt[1]), phase: killAt[2] as "recorded" | "sent" } : undefined,
  };
  const planned = await deploySystem(hre, { ...settings, dryRun: true, log: () => undefined });
  const fee = await hre.ethers.provider.getFeeData();
  const price = fee.maxFeePerGas ?? fee.gasPrice ?? 0n;
  const todo = planned.plan.filter((a) => a.state !== "done");
  const gas = todo.reduce((sum, a) => sum + (a.gas ?? 0n), 0n);
  const cost = gas * price;
  const count = (state: PlannedAction["state"]) => planned.plan.filter((a) => a.state === state).length;
  printPlan(planned.plan, log);
  log(
    `${count("todo")} transaction(s) to send, ${count("pending")} recorded (looked up, not sent again), ` +
      `${count("done")} done; about ${gas.toLocaleString("en-US")} gas, ` +
      `at most ${formatEther(cost)} ETH at ${formatGwei(price)} gwei (max fee per gas now); ` +
      `${planned.confirmations} confirmation(s) each, ${options.txTimeoutSeconds} s at most per transaction (TX_TIMEOUT)`,
  );
  if (balance < cost)
    throw new Refused([
      `the deployer ${deployer} holds ${formatEther(balance)} ETH, the plan needs up to ${formatEther(cost)} ETH: ` +
        `send it ETH${chainId === 84532 ? " (a Base Sepolia faucet)" : ""} and run again`,
    ]);
  if (dryRun) {
    log("dry run: nothing was sent");
    return;
  }

  // 5. The deployment.
  const system = await deploySystem(hre, settings);
  log(system.file ? `deployments file: ${system.file}` : JSON.stringify(system.deployment, null, 2));

  // 6. The hand-over, read from the chain.
  const accounts: Record<string, string> = {};
  options.timelockProposers?.forEach((p, i) => (accounts[`proposer ${i + 1}`] = p));
  for (const c of options.genesis.categories)
    c.grants.forEach((g, i) => {
      if (hre.ethers.isAddress(g.beneficiary)) accounts[g.label ?? `${c.key} ${i + 1}`] = g.beneficiary;
    });
  if (hre.ethers.isAddress(options.protocolFeeRecipient ?? ""))
    accounts["fee recipient"] = options.protocolFeeRecipient!;
  const report = await handOverReport(hre, system.deployment, {
    accounts,
    deployerMayPropose: rehearsal || !publicChain,
    deployerMayHoldOpg: rehearsal,
  });
  log("\nhand-over (read from the chain):");
  for (const line of report.roles) log(`  ${line}`);
  if (rehearsal || !publicChain) {
    log("who holds OPG:");
    for (const line of report.holdings) log(`  ${line}`);
    const vesting = new Map<string, bigint>();
    for (const schedule of system.schedules)
      vesting.set(schedule.beneficiary, (vesting.get(schedule.beneficiary) ?? 0n) + schedule.total);
    log("who vests OPG in the vault:");
    for (const [beneficiary, total] of vesting)
      log(`  ${getAddress(beneficiary) === deployer ? "deployer " : ""}${beneficiary}: ${formatOpg(total)}`);
  }
  for (const note of report.notes) log(`note: ${note}`);
  if (report.problems.length > 0) throw new Refused(report.problems.map((p) => `hand-over: ${p}`));
  log(
    rehearsal
      ? "hand-over checked: the deployer holds no role on the protocol's contracts (a rehearsal: see the notes)"
      : "hand-over checked: the deployer holds no role and no OPG",
  );
}

function printPlan(plan: PlannedAction[], log: Log) {
  log("plan:");
  for (const a of plan) {
    const state =
      a.state === "done" ? "done, reused" : a.state === "pending" ? "recorded, will be looked up" : "to send";
    const gas =
      a.gas !== undefined && a.state !== "done"
        ? `, ${a.estimated ? "" : "~"}${a.gas.toLocaleString("en-US")} gas`
        : "";
    log(`  ${a.what}${a.address ? ` at ${a.address}` : ""}: ${state}${gas}`);
  }
}

function formatGwei(wei: bigint): string {
  return (Number(wei) / 1e9).toFixed(3);
}

// `hardhat run deploy/deploy.ts --network <name>`: Hardhat has loaded the runtime for that network.
if (require.main === module)
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  void runDeploy(require("hardhat"), process.env).then((status) => (process.exitCode = status));
