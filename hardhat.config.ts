import { HardhatUserConfig, subtask } from "hardhat/config";
import { TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD } from "hardhat/builtin-tasks/task-names";
import "@nomicfoundation/hardhat-toolbox";
import * as dotenv from "dotenv";

import { REMOTE_NETWORKS, etherscanConfig, localhostUrl, remoteNetworkConfig } from "./deploy/lib/networks";

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
    // From the environment (deploy/lib/networks.ts); deploy/lib/runtime.ts builds the same entries from another one.
    localhost: { url: localhostUrl() },
    baseSepolia: remoteNetworkConfig(REMOTE_NETWORKS.baseSepolia),
    testnet: remoteNetworkConfig(REMOTE_NETWORKS.testnet),
  },
  // `npm run verify`: one Etherscan v2 key for every chain; the explorer's URLs can be pointed elsewhere.
  etherscan: etherscanConfig(),
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
