import { HardhatUserConfig, subtask } from "hardhat/config";
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } from "hardhat/builtin-tasks/task-names";
import "@nomicfoundation/hardhat-toolbox";
import * as dotenv from "dotenv";

import { REMOTE_NETWORKS, UNSET_URL, deployerKey, explorers, remoteChainId } from "./deploy/lib/networks";

dotenv.config({ quiet: true });

const SOLC_VERSION = "0.8.28";

// Compile with the npm `solc` package (WebAssembly): this machine cannot download compilers.
subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async (args: { solcVersion: string }, _hre, runSuper) => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solc = require("solc");
  const long: string = solc.version();
  if (!long.startsWith(args.solcVersion + "+")) return runSuper();
  return {
    compilerPath: require.resolve("solc/soljson.js"),
    isSolcJs: true,
    version: args.solcVersion,
    longVersion: long.replace(".Emscripten.clang", ""),
  };
});

/**
 * A remote network from the environment (deploy/lib/networks.ts): its RPC URL and the deployer key, never printed.
 * A missing URL or a malformed key is left for the deployment's preflight to name, rather than failing here.
 */
function remote(name: keyof typeof REMOTE_NETWORKS) {
  const network = REMOTE_NETWORKS[name];
  const key = deployerKey();
  return {
    url: process.env[network.urlVar] || UNSET_URL,
    chainId: remoteChainId(network),
    accounts: key ? [key] : [],
  };
}

const config: HardhatUserConfig = {
  solidity: {
    version: SOLC_VERSION,
    settings: {
      optimizer: { enabled: true, runs: 10_000 },
      evmVersion: "cancun",
    },
  },
  networks: {
    hardhat: {
      // Gas figures are measured under cancun rules (as contracts/DESIGN.md's targets are); the default otherwise.
      ...(process.env.HARDHAT_HARDFORK ? { hardfork: process.env.HARDHAT_HARDFORK } : {}),
      initialDate: process.env.HARDHAT_INITIAL_DATE ?? "2026-04-21T00:00:00Z",
    },
    localhost: { url: process.env.LOCALHOST_RPC_URL ?? "http://127.0.0.1:8545" },
    baseSepolia: remote("baseSepolia"),
    testnet: remote("testnet"),
  },
  // `npm run verify`: one Etherscan v2 key for every chain; the explorer's URLs can be pointed elsewhere.
  etherscan: { apiKey: process.env.ETHERSCAN_API_KEY ?? "", customChains: explorers() },
  sourcify: { enabled: false },
  mocha: {
    timeout: 120_000,
    // `npm test` (`hardhat test --parallel`) runs the files in this many worker processes at once: the end-to-end
    // files mostly wait on the nodes, Ponder and anvil they start, so three keep a 2-core machine busy.
    jobs: Number(process.env.OPG_TEST_JOBS ?? 3),
    // scripts/test-times.ts measures each test file's time through its own reporter, and in the workers of a
    // parallel run through its root hooks, scripts/test-times-hooks.ts (after hardhat/register, which loads the
    // Hardhat runtime and TypeScript in each worker).
    ...(process.env.TEST_TIMES_JSON
      ? {
          reporter: require.resolve("./scripts/test-times.ts"),
          require: ["hardhat/register", require.resolve("./scripts/test-times-hooks.ts")],
        }
      : {}),
  },
  typechain: { outDir: "typechain-types", target: "ethers-v6" },
};

export default config;
