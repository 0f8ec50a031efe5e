/**
 * Root hooks for scripts/test-times.ts in a parallel run (`hardhat test --parallel`): each file runs in a worker
 * process, whose events reach the reporter only once the file is done, so the worker times the file itself. Mocha
 * runs a worker's root hooks once per file; these append the file's wall time and the worker's CPU over it to
 * TEST_TIMES_JSON's `.workers` file, with the CPU of the processes the file started and saw exit. hardhat.config.ts has the workers load this module when TEST_TIMES_JSON is set.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import type Mocha from "mocha";

const ROOT = path.join(__dirname, "..");

/** Where the workers of a parallel run write their files' times: beside TEST_TIMES_JSON. */
export const workerTimes = (json: string) => `${json}.workers`;

/**
 * The CPU time (user + system) of this process's children that have exited and been waited for, in ms (Linux: from
 * /proc); undefined elsewhere. A test's nodes, Ponder and CLI processes count once the test has seen them exit.
 */
export function childrenCpuMs(): number | undefined {
  try {
    // /proc/self/stat: fields 16 and 17 (cutime, cstime), counted after the command name's closing parenthesis.
    const stat = fs.readFileSync("/proc/self/stat", "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[13]) + Number(fields[14]);
    hz ??= Number(spawnSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).stdout?.trim()) || 100;
    return (1000 * ticks) / hz;
  } catch {
    return undefined;
  }
}
let hz: number | undefined;

let start: { at: number; cpu: NodeJS.CpuUsage; children: number | undefined } | undefined;

export const mochaHooks = {
  beforeAll() {
    start = { at: Date.now(), cpu: process.cpuUsage(), children: childrenCpuMs() };
  },
  afterAll(this: Mocha.Context) {
    const json = process.env.TEST_TIMES_JSON;
    const file = this.test?.parent?.suites.find((s) => s.file)?.file;
    if (!json || !file || !start) return;
    const cpu = process.cpuUsage(start.cpu);
    const children = childrenCpuMs();
    const line = {
      file: path.relative(ROOT, file),
      ms: Date.now() - start.at,
      cpuMs: (cpu.user + cpu.system) / 1000,
      childCpuMs: children === undefined || start.children === undefined ? undefined : children - start.children,
    };
    fs.appendFileSync(workerTimes(json), JSON.stringify(line) + "\n");
  },
};
