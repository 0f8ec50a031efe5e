/**
 * The deployments file: deploy/deployments/<chainId>.json, written by the deployment and read by the CLI,
 * the devnet and the indexer. One record per chain: each contract's address, deployment block and
 * transaction, and the genesis that was run.
 */
import * as fs from "node:fs";
import * as path from "node:path";

export const DEPLOYMENTS_DIR = path.join(__dirname, "..", "deployments");

export interface DeployedContract {
  address: string;
  blockNumber: number;
  blockHash: string;
  transactionHash: string;
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
  return JSON.parse(fs.readFileSync(file, "utf8")) as Deployment;
}

export function writeDeployment(deployment: Deployment, dir = DEPLOYMENTS_DIR): string {
  fs.mkdirSync(dir, { recursive: true });
  const file = deploymentPath(deployment.chainId, dir);
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(deployment, null, 2) + "\n");
  fs.renameSync(tmp, file); // a crash mid-write leaves the previous record whole
  return file;
}
