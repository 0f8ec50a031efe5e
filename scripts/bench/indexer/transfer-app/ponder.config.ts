/**
 * The benchmark's reference app: only the OPG token's Transfer events, from the same deployments file and with the
 * same chain settings as the full indexer (indexer/ponder.config.ts), so that the two cold syncs differ only in
 * what they index.
 *   OPG_CHAIN_ID, OPG_RPC_URL (comma-separated copies), OPG_DEPLOYMENTS_DIR, OPG_PGLITE_DIR, DATABASE_URL
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { createConfig } from "ponder";

import { OPGAbi } from "../../../../indexer/abis/OPG.js";

const here = path.dirname(fileURLToPath(import.meta.url));
const chainId = Number(process.env.OPG_CHAIN_ID ?? 31337);
const dir = path.resolve(here, process.env.OPG_DEPLOYMENTS_DIR ?? "../../../../deploy/deployments");
const file = path.join(dir, `${chainId}.json`);
if (!fs.existsSync(file)) throw new Error(`no deployment for chain ${chainId}: ${file} does not exist`);
const deployment = JSON.parse(fs.readFileSync(file, "utf8")) as {
  contracts: { OPG?: { address: `0x${string}`; blockNumber: number } };
};
const opg = deployment.contracts.OPG;
if (!opg) throw new Error(`${file} has no OPG`);
const rpc = (process.env.OPG_RPC_URL ?? "http://127.0.0.1:8545").split(",").map((url) => url.trim());

export default createConfig({
  database: process.env.DATABASE_URL
    ? { kind: "postgres", connectionString: process.env.DATABASE_URL }
    : { kind: "pglite", directory: process.env.OPG_PGLITE_DIR ?? path.join(here, ".ponder", "pglite") },
  chains: {
    opg: { id: chainId, rpc: rpc.length === 1 ? rpc[0] : rpc, disableCache: chainId === 31337, pollingInterval: 200 },
  },
  contracts: {
    OPG: { abi: OPGAbi, chain: "opg", address: opg.address, startBlock: opg.blockNumber },
  },
});
