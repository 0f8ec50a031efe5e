/**
 * `npm run bench [-- --indexer]`: measures OPG's costs beside the alternatives a user would pick instead, all in one
 * fresh run, and writes scripts/reports/benchmarks.md. Reuses the gas scenarios of test/gas/ (the same ones the gas
 * report and the gas budgets test run). With --indexer it first runs the indexer benchmark (`npm run bench:indexer`);
 * without it, the indexer's figures come from scripts/reports/indexer-bench.json when that file exists.
 *
 * Runs outside `hardhat run` so that it can take its own flag: the rules (cancun) and the chain's start are set
 * before Hardhat reads its config, and the figures do not depend on the caller's environment.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { spawnSync } from "node:child_process";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { pinClock } from "./clock";
import { renderBenchmarks } from "./report";
import { IndexerBench, parseIndexerBench } from "./indexer-report";
import { measureGas } from "../../test/gas/scenarios";
import { measurePaymentGas } from "../../test/gas/payments-scenarios";

const USAGE = "usage: npm run bench [-- --indexer]";
const HARDFORK = "cancun";
/** TGE, 2026-04-21: the chain starts there in every run. */
const CHAIN_START = "2026-04-21T00:00:00Z";
const ROOT = path.join(__dirname, "..", "..");
const REPORT = path.join(ROOT, "scripts", "reports", "benchmarks.md");
const INDEXER_JSON = path.join(ROOT, "scripts", "reports", "indexer-bench.json");

function parseArgs(argv: string[]): { indexer: boolean } {
  let indexer = false;
  for (const arg of argv) {
    if (arg === "--indexer") indexer = true;
    else if (arg === "--help" || arg === "-h") {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`unknown argument "${arg}"; ${USAGE}`);
  }
  return { indexer };
}

function runIndexerBench(): void {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
    scripts: Record<string, string>;
  };
  if (!pkg.scripts["bench:indexer"])
    throw new Error('--indexer: package.json has no "bench:indexer" script to run the indexer benchmark with');
  console.log("running the indexer benchmark: npm run bench:indexer");
  const result = spawnSync("npm", ["run", "bench:indexer"], { cwd: ROOT, stdio: "inherit" });
  if (result.status !== 0)
    throw new Error(`--indexer: npm run bench:indexer failed (exit ${result.status ?? result.signal})`);
  if (!fs.existsSync(INDEXER_JSON))
    throw new Error(`--indexer: npm run bench:indexer succeeded but wrote no ${path.relative(ROOT, INDEXER_JSON)}`);
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  process.env.HARDHAT_HARDFORK = HARDFORK;
  process.env.HARDHAT_INITIAL_DATE = CHAIN_START;
  process.env.HARDHAT_NETWORK = "hardhat";
  if (args.indexer) runIndexerBench();

  // Loaded only now, so that Hardhat reads the settings above.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const hre: HardhatRuntimeEnvironment = require("hardhat");
  await hre.run("compile", { quiet: true });
  const hardfork = (hre.network.config as { hardfork?: string }).hardfork;
  if (hardfork !== HARDFORK) throw new Error(`the network runs ${hardfork} rules, not ${HARDFORK}`);
  pinClock(hre.network.provider);

  console.log("measuring vesting beside OpenZeppelin's VestingWallet");
  const vesting = await measureGas(hre);
  console.log("measuring payments and proofs");
  const payments = await measurePaymentGas(hre, { batchVoucherSizes: [1n, 100n, 1_000n, 10_000n] });

  let indexer: IndexerBench | undefined;
  if (fs.existsSync(INDEXER_JSON))
    indexer = parseIndexerBench(fs.readFileSync(INDEXER_JSON, "utf8"), path.relative(ROOT, INDEXER_JSON));

  const compiler = hre.config.solidity.compilers[0];
  const markdown = renderBenchmarks({
    run: {
      date: new Date().toISOString().slice(0, 10),
      hardfork: HARDFORK,
      hardhat: require("hardhat/package.json").version,
      solc: compiler.version,
      optimizerRuns: compiler.settings.optimizer.runs,
      evmVersion: compiler.settings.evmVersion,
      openZeppelin: require("@openzeppelin/contracts/package.json").version,
      chainStart: CHAIN_START,
      command: "npm run bench",
    },
    measured: { vesting, payments },
    indexer,
    indexerFile: path.relative(ROOT, INDEXER_JSON),
  });
  fs.mkdirSync(path.dirname(REPORT), { recursive: true });
  fs.writeFileSync(REPORT, markdown);
  console.log(markdown);
  console.log(`written to ${path.relative(process.cwd(), REPORT)}`);
}

main().catch((error) => {
  // A bad argument or input file gets its message alone; anything else its stack too.
  console.error(
    error instanceof Error && /^(unknown argument|--indexer|scripts\/reports\/)/.test(error.message)
      ? error.message
      : error,
  );
  process.exitCode = 1;
});
