/**
 * Runs the opg CLI for tests: in-process through `main(argv, env, io)` (fast: no new node, no TypeScript to
 * load), or as a child process the way a person would (`node scripts/opg.js <args>`), for the few smoke tests.
 */
import { spawn } from "node:child_process";
import * as path from "node:path";
import { expect } from "chai";
import { HDNodeWallet } from "ethers";

import { memoryIo } from "../../scripts/cli/io";
import { main } from "../../scripts/cli/main";
import { ROOT } from "../helpers/node";

export const OPG_BIN = path.join(ROOT, "scripts", "opg.js");
const MNEMONIC = "test test test test test test test test test test test junk";

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** The address of the n-th account of Hardhat's test mnemonic (what --account <n> signs with). */
export function accountAddress(n: number): string {
  return HDNodeWallet.fromPhrase(MNEMONIC, undefined, `m/44'/60'/0'/0/${n}`).address;
}

/** The test process's environment without any OPG_* variable of the person running the tests, plus `env`. */
function cleanEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const clean: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.startsWith("OPG_")) clean[key] = value;
  return { ...clean, ...env };
}

/**
 * Runs the CLI in-process with `args`: stdin is not a terminal (fed with `input`), stdout and stderr are
 * collected, the environment is the clean one. Runs may overlap: each has its own streams.
 */
export async function runCli(
  args: string[],
  { input = "", env = {} as Record<string, string> } = {},
): Promise<CliResult> {
  const io = memoryIo(input);
  const status = await main(args, cleanEnv(env), io);
  return { status, stdout: io.out(), stderr: io.err() };
}

/** Runs the CLI as a child process, `node scripts/opg.js <args>`, with stdin a pipe (never a terminal). */
export function runCliProcess(
  args: string[],
  { input = "", env = {} as Record<string, string> } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [OPG_BIN, ...args], {
      cwd: ROOT,
      env: cleanEnv(env),
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 90_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ status: code ?? -1, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

/** The result as one string for assertion messages. */
export function shown(r: CliResult): string {
  return `exit ${r.status}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

/** `opg <args> --rpc <node> --deployments <dir> [--account n] [--yes]` on the chain `chain()` names once it is up. */
export function cliOn(chain: () => { url: string; dir: string }) {
  return (args: string[], { account, yes = true }: { account?: number; yes?: boolean } = {}) =>
    runCli([
      ...args,
      "--rpc",
      chain().url,
      "--deployments",
      chain().dir,
      ...(account === undefined ? [] : ["--account", String(account)]),
      ...(yes ? ["--yes"] : []),
    ]);
}

/** The result of a run that must succeed; the run's output is the message when it did not. */
export function ok(r: CliResult): CliResult {
  expect(r.status, shown(r)).to.equal(0);
  return r;
}
