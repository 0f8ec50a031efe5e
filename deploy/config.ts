/**
 * The deployment's settings, from the environment (see deploy/.env.example): which genesis to run, when its
 * TGE is, and how the timelock is set up. Local networks get a devnet genesis over the node's own accounts.
 */
import * as fs from "node:fs";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import {
  ALLOCATION_TABLE,
  CategoryKey,
  Genesis,
  Grant,
  PUBLISHED_TGE,
  STAKING,
  TIMELOCK,
  buildGenesis,
} from "./genesis";
import { opg, parseOpg } from "./lib/format";
import { REMOTE_NETWORKS, isPrivateKey } from "./lib/networks";
import type { DeployOptions } from "./system";

export const LOCAL_NETWORKS = ["hardhat", "localhost"];

/** The enclave measurement a local deployment approves: keccak256("opg-devnet-enclave"). */
export const DEVNET_TEE_MEASUREMENT = "0xd322a40667baf1de82ccc81deb98207a7c894229458b4c61c79b91f1a1de9119";

/** Reads a TGE: "now", "published", a unix time in seconds, or an ISO date. */
export function parseTge(text: string, now: bigint): bigint {
  const value = text.trim();
  if (value === "now") return now;
  if (value === "published") return PUBLISHED_TGE;
  if (/^\d+$/.test(value)) return BigInt(value);
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new Error(`GENESIS_TGE: "${text}" is not "now", "published", a unix time or an ISO date`);
  return BigInt(Math.floor(ms / 1000));
}

/** The file named by GENESIS_FILE: who receives each category. Amounts in OPG ("1500.5"). */
interface GenesisFile {
  treasury?: string;
  grants: Record<CategoryKey, { beneficiary: string; amount: string; label?: string }[]>;
}

export function readGenesisFile(file: string, tge: bigint): Genesis {
  const parsed = JSON.parse(fs.readFileSync(file, "utf8")) as GenesisFile;
  const grants = {} as Record<CategoryKey, Grant[]>;
  for (const [key, list] of Object.entries(parsed.grants ?? {}))
    grants[key as CategoryKey] = list.map((g) => ({
      beneficiary: g.beneficiary,
      amount: parseOpg(g.amount),
      label: g.label,
    }));
  return buildGenesis({ tge, treasury: parsed.treasury ?? TIMELOCK, grants });
}

/**
 * A genesis over local accounts, for a devnet: each category to its own account (1-9), core contributors and
 * investors split between several, staking rewards to the staking contract.
 */
export function devnetGenesis(tge: bigint, accounts: string[]): Genesis {
  if (accounts.length < 10) throw new Error(`a devnet genesis needs 10 accounts, the node has ${accounts.length}`);
  const to = (i: number, millions: number, label: string): Grant => ({
    beneficiary: accounts[i],
    amount: opg(millions * 1_000_000),
    label,
  });
  return buildGenesis({
    tge,
    treasury: TIMELOCK,
    grants: {
      ecosystem: [to(1, 400, "ecosystem fund")],
      foundation: [to(2, 150, "foundation")],
      coreContributors: [to(3, 60, "contributor A"), to(4, 54, "contributor B"), to(5, 36, "contributor C")],
      investors: [to(6, 70, "investor A"), to(7, 30, "advisor B")],
      stakingRewards: [
        {
          beneficiary: STAKING,
          amount: ALLOCATION_TABLE.stakingRewards.amount,
          label: "staking rewards stream",
        },
      ],
      liquidity: [to(8, 60, "liquidity")],
      airdrop: [to(9, 40, "airdrop")],
    },
  });
}

/** A rehearsal genesis for a testnet with only the deployer's key: every category to the deployer. */
export function soloGenesis(tge: bigint, deployer: string): Genesis {
  const grants = {} as Record<CategoryKey, Grant[]>;
  for (const key of Object.keys(ALLOCATION_TABLE) as CategoryKey[])
    grants[key] = [{ beneficiary: deployer, amount: ALLOCATION_TABLE[key].amount, label: "deployer (rehearsal)" }];
  grants.stakingRewards = [
    { beneficiary: STAKING, amount: ALLOCATION_TABLE.stakingRewards.amount, label: "staking rewards" },
  ];
  return buildGenesis({ tge, treasury: TIMELOCK, grants });
}

/** The deploy options for the network hre is connected to, from the environment. */
export async function optionsFromEnv(
  hre: HardhatRuntimeEnvironment,
  env: NodeJS.ProcessEnv = process.env,
  log: (line: string) => void = console.log,
  /** The TGE of the genesis already on this chain: "now" means that one when resuming. */
  recordedTge?: string,
): Promise<DeployOptions> {
  const local = LOCAL_NETWORKS.includes(hre.network.name);
  const latest = await hre.ethers.provider.getBlock("latest");
  const tgeText = env.GENESIS_TGE ?? (local ? "now" : "published");
  const tge = tgeText === "now" && recordedTge ? BigInt(recordedTge) : parseTge(tgeText, BigInt(latest!.timestamp));
  const signers = await hre.ethers.getSigners();
  const accounts = await Promise.all(signers.map((s) => s.getAddress()));

  let genesis: Genesis;
  if (env.GENESIS_FILE) genesis = readGenesisFile(env.GENESIS_FILE, tge);
  else if (local) genesis = devnetGenesis(tge, accounts);
  else {
    log("GENESIS_FILE is not set: every allocation goes to the deployer (a rehearsal, not the real table)");
    genesis = soloGenesis(tge, accounts[0]);
  }

  const delay = env.TIMELOCK_MIN_DELAY ?? (local ? "3600" : "172800");
  if (!/^\d+$/.test(delay)) throw new Error(`TIMELOCK_MIN_DELAY: "${delay}" is not a number of seconds`);
  const proposers = (env.TIMELOCK_PROPOSERS ?? "")
    .split(",")
    .map((a) => a.trim())
    .filter(Boolean);
  for (const p of proposers)
    if (!hre.ethers.isAddress(p)) throw new Error(`TIMELOCK_PROPOSERS: "${p}" is not an address`);

  const measurements = (env.TEE_MEASUREMENTS ?? (local ? DEVNET_TEE_MEASUREMENT : ""))
    .split(",")
    .map((m) => m.trim())
    .filter(Boolean);
  for (const m of measurements)
    if (!/^0x[0-9a-fA-F]{64}$/.test(m)) throw new Error(`TEE_MEASUREMENTS: "${m}" is not a 32-byte hex value`);

  const feeRecipient = env.PROTOCOL_FEE_RECIPIENT ?? "burn";
  if (feeRecipient !== "burn" && feeRecipient !== "treasury" && !hre.ethers.isAddress(feeRecipient))
    throw new Error(`PROTOCOL_FEE_RECIPIENT: "${feeRecipient}" is not "burn", "treasury" or an address`);

  return {
    genesis,
    protocolFeeRecipient: feeRecipient,
    teeMeasurements: measurements,
    timelockMinDelay: BigInt(delay),
    timelockProposers: proposers,
    confirmations: local ? 1 : Number(env.CONFIRMATIONS ?? 2),
    txTimeoutSeconds: Number(env.TX_TIMEOUT ?? 600),
    log,
  };
}

/**
 * Every setting of the environment that is missing or malformed, each named by its variable, before anything
 * connects: the whole list at once. The value of DEPLOYER_PRIVATE_KEY is never repeated.
 */
export function settingsProblems(network: string, env: NodeJS.ProcessEnv = process.env): string[] {
  const problems: string[] = [];
  const remote = REMOTE_NETWORKS[network];
  if (remote) {
    const key = env.DEPLOYER_PRIVATE_KEY;
    if (!key) problems.push("DEPLOYER_PRIVATE_KEY is not set: the deployer's private key (32 bytes of hex)");
    else if (!isPrivateKey(key))
      problems.push("DEPLOYER_PRIVATE_KEY is not a private key: 64 hex digits, with or without 0x (not shown here)");
    const url = env[remote.urlVar];
    if (!url) problems.push(`${remote.urlVar} is not set: the JSON-RPC URL of ${network}`);
    else if (!/^(https?|wss?):\/\/[^\s]+$/.test(url)) problems.push(`${remote.urlVar} is not an http(s) or ws(s) URL`);
    if (remote.chainIdVar) {
      const chainId = env[remote.chainIdVar];
      if (!chainId) problems.push(`${remote.chainIdVar} is not set: the chain id of ${network}`);
      else if (!/^\d+$/.test(chainId)) problems.push(`${remote.chainIdVar}: "${chainId}" is not a chain id`);
    }
  }
  if (env.GENESIS_TGE !== undefined)
    try {
      parseTge(env.GENESIS_TGE, 0n);
    } catch (error) {
      problems.push((error as Error).message);
    }
  if (env.GENESIS_FILE) {
    if (!fs.existsSync(env.GENESIS_FILE)) problems.push(`GENESIS_FILE: ${env.GENESIS_FILE} does not exist`);
    else
      try {
        readGenesisFile(env.GENESIS_FILE, 0n);
      } catch (error) {
        problems.push(`GENESIS_FILE: ${env.GENESIS_FILE}: ${(error as Error).message}`);
      }
  }
  if (env.TIMELOCK_MIN_DELAY !== undefined && !/^\d+$/.test(env.TIMELOCK_MIN_DELAY))
    problems.push(`TIMELOCK_MIN_DELAY: "${env.TIMELOCK_MIN_DELAY}" is not a number of seconds`);
  for (const p of (env.TIMELOCK_PROPOSERS ?? "").split(",").map((a) => a.trim()))
    if (p && !/^0x[0-9a-fA-F]{40}$/.test(p)) problems.push(`TIMELOCK_PROPOSERS: "${p}" is not an address`);
  for (const m of (env.TEE_MEASUREMENTS ?? "").split(",").map((a) => a.trim()))
    if (m && !/^0x[0-9a-fA-F]{64}$/.test(m)) problems.push(`TEE_MEASUREMENTS: "${m}" is not a 32-byte hex value`);
  const fee = env.PROTOCOL_FEE_RECIPIENT;
  if (fee !== undefined && fee !== "burn" && fee !== "treasury" && !/^0x[0-9a-fA-F]{40}$/.test(fee))
    problems.push(`PROTOCOL_FEE_RECIPIENT: "${fee}" is not "burn", "treasury" or an address`);
  if (env.CONFIRMATIONS !== undefined && !/^[1-9]\d*$/.test(env.CONFIRMATIONS))
    problems.push(`CONFIRMATIONS: "${env.CONFIRMATIONS}" is not a whole number of blocks (1 or more)`);
  if (env.TX_TIMEOUT !== undefined && !/^[1-9]\d*$/.test(env.TX_TIMEOUT))
    problems.push(`TX_TIMEOUT: "${env.TX_TIMEOUT}" is not a whole number of seconds`);
  return problems;
}

/** Settings that a public chain (any chain id but 31337) requires, and a local one does not. */
export function publicChainProblems(env: NodeJS.ProcessEnv, rehearsal: boolean): string[] {
  const problems: string[] = [];
  if (rehearsal) return problems;
  if (!env.GENESIS_FILE)
    problems.push(
      "GENESIS_FILE is not set: on a public chain the deployment runs the real allocation table. " +
        "--rehearsal (REHEARSAL=1) deploys with every allocation to the deployer instead, and says who holds what",
    );
  if (!env.TIMELOCK_PROPOSERS)
    problems.push(
      "TIMELOCK_PROPOSERS is not set: the deployer would keep the timelock's proposer and canceller roles; " +
        "set the address of the multisig (a Safe) that proposes governance changes",
    );
  return problems;
}
