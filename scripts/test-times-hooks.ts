/**
 * Root hooks for scripts/test-times.ts in a parallel run (`hardhat test --parallel`): each file runs in a worker
 * process, whose events reach the reporter only once the file is done, so the worker times the file itself. Mocha
 * runs a worker's root hooks once per file; these append the file's wall time and the worker's CPU over it to
 * TEST_TIMES_JSON's `.workers` file. hardhat.config.ts has the workers load this module when TEST_TIMES_JSON is set.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type Mocha from "mocha";

const ROOT = path.join(__dirname, "..");

/** Where the workers of a parallel run write their files' times: beside TEST_TIMES_JSON. */
export const workerTimes = (json: string) => `${json}.workers`;

let start: { at: number; cpu: NodeJS.CpuUsage } | undefined;

export const mochaHooks = {
  beforeAll() {
    start = { at: Date.now(), cpu: process.cpuUsage() };
  },
  afterAll(this: Mocha.Context) {
    const json = process.env.TEST_TIMES_JSON;
    const file = this.test?.parent?.suites.find((s) => s.file)?.file;
    if (!json || !file || !start) return;
    const cpu = process.cpuUsage(start.cpu);
    const line = { file: path.relative(ROOT, file), ms: Date.now() - start.at, cpuMs: (cpu.user + cpu.system) / 1000 };
    fs.appendFileSync(workerTimes(json), JSON.stringify(line) + "\n");
  },
};
