/**
 * `npm run deploy` / `npm run verify` in the test process: deploy/cli.ts's main with the environment given, its
 * exit status and what it printed. A subprocess costs a Node.js start and a Hardhat load per run; the deploy tests
 * keep subprocesses for the runs they kill (test/deploy/helpers.ts, npmRun) and one smoke run each.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { format } from "node:util";

import { main } from "../../deploy/cli";

export interface CliRun {
  status: number;
  output: string;
}

/** The output of the run whose async context a `console` call comes from; none outside runs. */
const currentRun = new AsyncLocalStorage<(...args: unknown[]) => void>();
const METHODS = ["log", "info", "warn", "error"] as const;
let runs = 0;
let saved: Pick<Console, (typeof METHODS)[number]> | undefined;

/**
 * Runs `main(argv, env)` and returns its status and output, as a subprocess's stdout and stderr together would be.
 * What the run prints through `console` (hardhat-verify does) is its output too: while runs are going, `console`
 * sends each line to the run it comes from, and lines from anywhere else where they always went.
 */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  if (env.OPG_DEPLOY_KILL_AT)
    throw new Error("OPG_DEPLOY_KILL_AT kills the process it runs in: run that deployment as a subprocess");
  let output = "";
  const write = (...args: unknown[]) => void (output += format(...args) + "\n");
  if (runs++ === 0) {
    const original = (saved = { log: console.log, info: console.info, warn: console.warn, error: console.error });
    for (const m of METHODS) console[m] = (...args: unknown[]) => (currentRun.getStore() ?? original[m])(...args);
  }
  try {
    const status = await currentRun.run(write, () => main(argv, env, { log: write, error: write }));
    return { status, output };
  } finally {
    if (--runs === 0) Object.assign(console, saved);
  }
}
