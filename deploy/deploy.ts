/**
 * `npm run deploy -- --network <name>`: deploys the token, the vesting vault and the timelock, runs the
 * genesis, hands the admin roles to the timelock and writes deploy/deployments/<chainId>.json.
 * Run again, it resumes: what the deployments file records and the chain still has is reused.
 */
import hre from "hardhat";

import { optionsFromEnv } from "./config";
import { GenesisError } from "./genesis";
import { DEPLOYMENTS_DIR } from "./lib/deployments";
import { deploySystem, recordedDeployment } from "./system";

async function main() {
  // The in-process network ends with this command: a deployments file for it would point at nothing.
  const persist = hre.network.name !== "hardhat" || process.env.DEPLOYMENTS_DIR !== undefined;
  const deploymentsDir = persist ? (process.env.DEPLOYMENTS_DIR ?? DEPLOYMENTS_DIR) : undefined;
  const recorded = deploymentsDir ? await recordedDeployment(hre, deploymentsDir) : undefined;
  const options = await optionsFromEnv(hre, process.env, console.log, recorded?.genesis.tge || undefined);
  const system = await deploySystem(hre, { ...options, deploymentsDir });
  console.log(system.file ? `deployments file: ${system.file}` : JSON.stringify(system.deployment, null, 2));
}

main().catch((error) => {
  console.error(error instanceof GenesisError ? error.message : error);
  process.exitCode = 1;
});
