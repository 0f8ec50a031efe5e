/**
 * The deployments file: deploy/deployments/<chainId>.json, written by the deployment and read by the CLI,
 * the devnet and the indexer. One record per chain: each contract's address, deployment block and
 * transaction, and the genesis that was run.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import type { RecordedTransaction } from "./transactions";

export const DEPLOYMENTS_DIR = path.join(__dirname, "..", "deployments");

export interface DeployedContract {
  address: string;
  blockNumber: number;
  blockHash: string;
  transactionHash: string;
  /** The deployer's nonce of the deployment transaction: with the deployer it gives the address. */
  nonce?: number;
  /** What the explorer needs to verify the contract (`npm run verify`). */
  source?: ContractSource;
}

/** A contract's constructor arguments and compiler settings, as the explorer's verification takes them. */
export interface ContractSource {
  /** Fully qualified name: "contracts/token/OPG.sol:OPG". */
  contract: string;
  /** The constructor arguments as JSON (numbers as decimal strings). */
  constructorArgs: unknown[];
  /** The same, ABI-encoded (hex, no 0x): what the explorer's API takes. */
  constructorArgsEncoded: string;
  /** "v0.8.28+commit.7893614a" */
  compilerVersion: string;
  optimizer: { enabled: boolean; runs: number };
  evmVersion: string;
}

/** Every contract the deployment makes, in the order it makes them. */
export const CONTRACT_NAMES = [
  "OPGTimelock",
  "OPG",
  "VestingVault",
  "Staking",
  "ModelRegistry",
  "NodeRegistry",
  "ProofRegistry",
  "PaymentsEscrow",
] as const;

export type ContractName = (typeof CONTRACT_NAMES)[number];

export interface Deployment {
  chainId: number;
  network: string;
  /** The package version and a hash of the deployed contracts' ABIs: readers check they speak the same ABI. */
  abiVersion: string;
  deployer: string;
  /** The first block of the deployment: where an indexer starts. */
  startBlock: number;
  contracts: Partial<Record<ContractName, DeployedContract>>;
  /** Every transaction of the deployment in the order sent, recorded before it is broadcast or waited on. */
  transactions: RecordedTransaction[];
  genesis: {
    tge: string;
    treasury: string;
    /** Transactions of the genesis steps that are done, by step name. */
    steps: Record<string, string>;
    /** The vesting schedule ids of each category: [first, last], inclusive. */
    scheduleIds: Record<string, [number, number]>;
    circulatingAtTge: string;
    complete: boolean;
  };
}

export function deploymentPath(chainId: number | bigint, dir = DEPLOYMENTS_DIR): string {
  return path.join(dir, `${chainId}.json`);
}

export function readDeployment(chainId: number | bigint, dir = DEPLOYMENTS_DIR): Deployment | undefined {
  const file = deploymentPath(chainId, dir);
  if (!fs.existsSync(file)) return undefined;
  const deployment = JSON.parse(fs.readFileSync(file, "utf8")) as Deployment;
  deployment.transactions ??= []; // files written before transactions were recorded
  return deployment;
}

export function writeDeployment(deployment: Deployment, dir = DEPLOYMENTS_DIR): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = deploymentPath(deployment.chainId, dir);
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(deployment, null, 2) + "\n");
  fs.renameSync(tmp, file); // a crash mid-write leaves the previous record whole
  return file;
}
