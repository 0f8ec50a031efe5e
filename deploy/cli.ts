/**
 * `npm run deploy -- --network <name> [--dry-run] [--rehearsal]` and `npm run verify -- --network <name>`.
 * `hardhat run` takes no flags of its own scripts: this reads them and runs deploy/deploy.ts or deploy/verify.ts
 * through Hardhat with DRY_RUN=1 / REHEARSAL=1 in the environment.
 */
import { spawnSync } from "node:child_process";
import * as path from "node:path";

const ROOT = path.join(__dirname, "..");
const USAGE = `usage: npm run deploy -- [--network <name>] [--dry-run] [--rehearsal]
       npm run verify -- --network <name>

  --network    hardhat (default, in-process), localhost, baseSepolia, testnet
  --dry-run    the preflight and the plan only: nothing is sent (DRY_RUN=1)
  --rehearsal  on a public chain without GENESIS_FILE: every allocation to the deployer (REHEARSAL=1)`;

function main(argv: string[]): number {
  const [command, ...args] = argv;
  const script = { deploy: "deploy/deploy.ts", verify: "deploy/verify.ts" }[command ?? ""];
  if (!script) {
    console.error(USAGE);
    return 2;
  }
  const env: NodeJS.ProcessEnv = { ...process.env };
  const hardhatArgs = ["run", script];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--network" && args[i + 1]) hardhatArgs.push("--network", args[++i]);
    else if (arg.startsWith("--network=")) hardhatArgs.push("--network", arg.slice("--network=".length));
    else if (arg === "--dry-run" && command === "deploy") env.DRY_RUN = "1";
    else if (arg === "--rehearsal" && command === "deploy") env.REHEARSAL = "1";
    else if (arg === "--help" || arg === "-h") {
      console.log(USAGE);
      return 0;
    } else {
      console.error(`unknown argument "${arg}"\n${USAGE}`);
      return 2;
    }
  }
  const hardhat = path.join(ROOT, "node_modules", ".bin", "hardhat");
  const result = spawnSync(hardhat, hardhatArgs, { cwd: ROOT, env, stdio: "inherit" });
  if (result.signal) process.kill(process.pid, result.signal);
  return result.status ?? 1;
}

process.exitCode = main(process.argv.slice(2));
