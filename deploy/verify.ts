/**
 * `npm run verify -- --network <name>`: verifies every contract of deploy/deployments/<chainId>.json on the
 * chain's explorer through hardhat-verify (Etherscan v2 API, one key: ETHERSCAN_API_KEY), with the constructor
 * arguments the deployment recorded. Idempotent: a contract the explorer already has verified is left alone.
 * ETHERSCAN_API_URL and ETHERSCAN_BROWSER_URL point it at another explorer API (or a test's stand-in).
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import type { Output } from "./deploy";
import { CONTRACT_NAMES, DEPLOYMENTS_DIR, Deployment, deploymentPath, readDeployment } from "./lib/deployments";
import { explorers } from "./lib/networks";

/**
 * hardhat-verify 2.1 sends a single-key (v2) configuration to api.etherscan.io whatever customChains says; when
 * ETHERSCAN_API_URL is set, its requests (same v2 parameters, chainid included) go to that URL instead, until the
 * returned function puts hardhat-verify back as it was (a process may run several verifications).
 */
function useApiUrl(url: string | undefined): () => void {
  if (!url) return () => undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Etherscan } = require("@nomicfoundation/hardhat-verify/internal/etherscan");
  const original = Etherscan?.fromChainConfig;
  if (typeof original !== "function")
    throw new Error("ETHERSCAN_API_URL: this version of hardhat-verify cannot be pointed at another URL");
  Etherscan.fromChainConfig = (...args: unknown[]) => {
    const etherscan = original.apply(Etherscan, args);
    etherscan.apiUrl = url;
    return etherscan;
  };
  return () => (Etherscan.fromChainConfig = original);
}

/**
 * Verifies the deployment recorded for the chain `hre` is connected to, with the settings of `env`; prints to `out`
 * (hardhat-verify prints its own lines to the console) and returns the exit status: 1 if any contract is not verified.
 */
export async function runVerify(
  hre: HardhatRuntimeEnvironment,
  env: NodeJS.ProcessEnv,
  out: Output = console,
): Promise<number> {
  try {
    return await verify(hre, env, out);
  } catch (error) {
    out.error((error as Error).message ?? error);
    return 1;
  }
}

async function verify(hre: HardhatRuntimeEnvironment, env: NodeJS.ProcessEnv, out: Output): Promise<number> {
  const problems: string[] = [];
  if (!env.ETHERSCAN_API_KEY)
    problems.push("ETHERSCAN_API_KEY is not set: an Etherscan API key (one key serves every chain of the v2 API)");
  const chainId = Number((await hre.ethers.provider.getNetwork()).chainId);
  if (!explorers(env).some((e) => e.chainId === chainId))
    problems.push(`no explorer is configured for chain ${chainId} (deploy/lib/networks.ts, explorers)`);
  const dir = env.DEPLOYMENTS_DIR ?? DEPLOYMENTS_DIR;
  const deployment = readDeployment(chainId, dir);
  if (!deployment) problems.push(`${deploymentPath(chainId, dir)} does not exist: deploy first`);
  if (problems.length > 0 || !deployment) {
    out.error(`stopped:\n  - ${problems.join("\n  - ")}`);
    return 1;
  }
  const restore = useApiUrl(env.ETHERSCAN_API_URL);
  try {
    return await verifyAll(hre, deployment, out);
  } finally {
    restore();
  }
}

async function verifyAll(hre: HardhatRuntimeEnvironment, deployment: Deployment, out: Output): Promise<number> {
  const failed: string[] = [];
  let verified = 0;
  for (const name of CONTRACT_NAMES) {
    const contract = deployment.contracts[name];
    if (!contract) continue;
    if (!contract.source) {
      failed.push(`${name}: the deployments file has no constructor arguments for it (run npm run deploy again)`);
      continue;
    }
    out.log(`${name} at ${contract.address}`);
    try {
      await hre.run("verify:verify", {
        address: contract.address,
        constructorArguments: contract.source.constructorArgs,
        contract: contract.source.contract,
      });
      verified += 1;
    } catch (error) {
      const message = (error as Error).message ?? String(error);
      if (/already verified/i.test(message)) {
        out.log(`${name}: already verified`);
        verified += 1;
      } else failed.push(`${name} (${contract.address}): ${message.split("\n")[0]}`);
    }
  }
  out.log(`verified on the explorer: ${verified} of ${verified + failed.length}`);
  if (failed.length === 0) return 0;
  out.error(`not verified:\n  - ${failed.join("\n  - ")}`);
  return 1;
}

// `hardhat run deploy/verify.ts --network <name>`: Hardhat has loaded the runtime for that network.
if (require.main === module)
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  void runVerify(require("hardhat"), process.env).then((status) => (process.exitCode = status));
