/**
 * A Hardhat runtime for one network whose settings come from a given environment, not from the one the process
 * loaded hardhat.config.ts with: `npm run deploy` / `npm run verify` (deploy/cli.ts) build theirs here, and the tests
 * call the CLI's main in their own process, a new environment (RPC URL, key, explorer) per call.
 */
import type { HardhatConfig, HardhatRuntimeEnvironment, HttpNetworkConfig } from "hardhat/types";

import { REMOTE_NETWORKS, etherscanConfig, localhostUrl, remoteNetworkConfig } from "./networks";

/**
 * The process's Hardhat runtime (loading hardhat.config.ts and its plugins if nothing has yet), with `network`
 * selected and its entry, and the explorer settings, read from `env` as hardhat.config.ts reads them from
 * process.env. The same tasks and plugins (hardhat-ethers, hardhat-verify) are set up on it as `hardhat run` has.
 */
export function runtimeFor(network: string, env: NodeJS.ProcessEnv): HardhatRuntimeEnvironment {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const base: HardhatRuntimeEnvironment = require("hardhat");
  const { HardhatContext } = require("hardhat/internal/context");
  const { Environment } = require("hardhat/internal/core/runtime-environment");
  /* eslint-enable @typescript-eslint/no-require-imports */
  const networks = { ...base.config.networks };
  const remote = REMOTE_NETWORKS[network];
  if (remote) {
    const entry = remoteNetworkConfig(remote, env);
    // Hardhat keeps keys 0x-prefixed and lowercase in its resolved config.
    networks[network] = {
      ...(base.config.networks[network] as HttpNetworkConfig),
      ...entry,
      accounts: entry.accounts.map((key) => key.toLowerCase()),
    };
  } else if (network === "localhost")
    networks.localhost = { ...(base.config.networks.localhost as HttpNetworkConfig), url: localhostUrl(env) };
  const etherscan = { ...(base.config as { etherscan?: object }).etherscan, ...etherscanConfig(env) };
  const config = { ...base.config, networks, etherscan } as HardhatConfig;
  const context = HardhatContext.getHardhatContext();
  return new Environment(
    config,
    { ...base.hardhatArguments, network },
    context.tasksDSL.getTaskDefinitions(),
    context.tasksDSL.getScopesDefinitions(),
    context.environmentExtenders,
    base.userConfig,
    context.providerExtenders,
  );
}
