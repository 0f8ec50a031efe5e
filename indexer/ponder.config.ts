/**
 * The indexer's config, built from the deployments file (deploy/deployments/<chainId>.json): each contract's
 * address and the block it was deployed in. The chain, the RPC and the deployments directory come from the
 * environment; the defaults are the local devnet.
 *   OPG_CHAIN_ID          chain id (default 31337)
 *   OPG_RPC_URL           JSON-RPC URL (default http://127.0.0.1:8545); several, comma-separated, share the load
 *   OPG_DEPLOYMENTS_DIR   where <chainId>.json is (default ../deploy/deployments)
 *   OPG_PGLITE_DIR        PGlite data directory when DATABASE_URL is not set (default .ponder/pglite)
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { createConfig } from "ponder";
import { http } from "viem";

import {
  ModelRegistryAbi,
  NodeRegistryAbi,
  OPGAbi,
  OPGTimelockAbi,
  PaymentsEscrowAbi,
  ProofRegistryAbi,
  StakingAbi,
  VestingVaultAbi,
} from "./abis/index.js";
import { mergingGetLogs } from "./src/rpc.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const chainId = Number(process.env.OPG_CHAIN_ID ?? 31337);
const dir = path.resolve(here, process.env.OPG_DEPLOYMENTS_DIR ?? "../deploy/deployments");
const file = path.join(dir, `${chainId}.json`);
if (!fs.existsSync(file))
  throw new Error(`no deployment for chain ${chainId}: ${file} does not exist (run the deployment first)`);

interface DeploymentFile {
  chainId: number;
  startBlock: number;
  contracts: Record<string, { address: `0x${string}`; blockNumber: number } | undefined>;
  genesis?: { tge: string; scheduleIds: Record<string, [number, number]> };
}
/** The deployments file as read at start: the API reads the genesis (TGE, schedule ids per category) from it. */
export const deployment = JSON.parse(fs.readFileSync(file, "utf8")) as DeploymentFile;
if (deployment.chainId !== chainId) throw new Error(`${file} is for chain ${deployment.chainId}, not ${chainId}`);

function at(name: string) {
  const contract = deployment.contracts[name];
  if (!contract) throw new Error(`${file} has no ${name}`);
  return { chain: "opg" as const, address: contract.address, startBlock: contract.blockNumber };
}

const rpc = (process.env.OPG_RPC_URL ?? "http://127.0.0.1:8545").split(",").map((url) => url.trim());
const local = chainId === 31337;

export default createConfig({
  database: process.env.DATABASE_URL
    ? { kind: "postgres", connectionString: process.env.DATABASE_URL }
    : { kind: "pglite", directory: process.env.OPG_PGLITE_DIR ?? path.join(here, ".ponder", "pglite") },
  chains: {
    opg: {
      id: chainId,
      // One URL: through the transport that sends a block range's eth_getLogs of all the contracts as one request
      // (src/rpc.ts), with no cap on an answer's size, as Ponder's own client (viem's default, 10 MiB, is less than a
      // merged range of 100 blocks of Transfers). Several URLs: Ponder's own client, which limits each on its own.
      rpc: rpc.length === 1 ? mergingGetLogs(http(rpc[0], { maxResponseBodySize: false })) : rpc,
      // A local chain restarts with the same id and different blocks: never reuse cached RPC answers.
      disableCache: local,
      pollingInterval: local ? 100 : 1_000,
    },
  },
  contracts: {
    OPG: { abi: OPGAbi, ...at("OPG") },
    VestingVault: { abi: VestingVaultAbi, ...at("VestingVault") },
    Staking: { abi: StakingAbi, ...at("Staking") },
    PaymentsEscrow: { abi: PaymentsEscrowAbi, ...at("PaymentsEscrow") },
    ModelRegistry: { abi: ModelRegistryAbi, ...at("ModelRegistry") },
    NodeRegistry: { abi: NodeRegistryAbi, ...at("NodeRegistry") },
    ProofRegistry: { abi: ProofRegistryAbi, ...at("ProofRegistry") },
    OPGTimelock: { abi: OPGTimelockAbi, ...at("OPGTimelock") },
  },
});
