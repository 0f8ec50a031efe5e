/**
 * `npm run deploy -- --network <name> [--dry-run] [--rehearsal]` and `npm run verify -- --network <name>`.
 * `hardhat run` takes no flags of its own scripts: this reads them, builds the Hardhat runtime for the network
 * (deploy/lib/runtime.ts), compiles as `hardhat run` would, and runs deploy/deploy.ts's runDeploy or
 * deploy/verify.ts's runVerify in this process. `main` is what the tests call, with their own environment.
 */
import type { Output } from "./deploy";

const USAGE = `usage: npm run deploy -- [--network <name>] [--dry-run] [--rehearsal]
       npm run verify -- --network <name>

  --network    hardhat (default, in-process), localhost, baseSepolia, testnet
  --dry-run    the preflight and the plan only: nothing is sent (DRY_RUN=1)
  --rehearsal  on a public chain without GENESIS_FILE: every allocation to the deployer (REHEARSAL=1)`;

/** Whether this process has compiled already: a test calling main many times checks the sources once. */
let compiled = false;

/**
 * Runs `deploy` or `verify` with the arguments after it, the settings read from `env` (the process's environment
 * when run as a command), printing to `out`; returns the exit status.
 */
export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env, out: Output = console) {
  const [command, ...args] = argv;
  if (command !== "deploy" && command !== "verify") {
    out.error(USAGE);
    return 2;
  }
  let network = "hardhat";
  const flags = { dryRun: false, rehearsal: false };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--network" && args[i + 1]) network = args[++i];
    else if (arg.startsWith("--network=")) network = arg.slice("--network=".length);
    else if (arg === "--dry-run" && command === "deploy") flags.dryRun = true;
    else if (arg === "--rehearsal" && command === "deploy") flags.rehearsal = true;
    else if (arg === "--help" || arg === "-h") {
      out.log(USAGE);
      return 0;
    } else {
      out.error(`unknown argument "${arg}"\n${USAGE}`);
      return 2;
    }
  }
  // Loaded here, not at the top: loading Hardhat reads hardhat.config.ts (and .env into process.env).
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { runtimeFor } = require("./lib/runtime") as typeof import("./lib/runtime");
  const { runDeploy } = require("./deploy") as typeof import("./deploy");
  const { runVerify } = require("./verify") as typeof import("./verify");
  /* eslint-enable @typescript-eslint/no-require-imports */
  let hre;
  try {
    hre = runtimeFor(network, env);
    if (!compiled) await hre.run("compile", { quiet: true });
    compiled = true;
  } catch (error) {
    out.error((error as Error).message ?? error);
    return 1;
  }
  return command === "deploy" ? runDeploy(hre, env, flags, out) : runVerify(hre, env, out);
}

if (require.main === module) void main(process.argv.slice(2)).then((status) => (process.exitCode = status));
