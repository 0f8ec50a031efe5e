/**
 * Where the test time goes: runs the tests as `npm test` does (`hardhat test --parallel`, over all of test/** or the
 * files given) with this file as the Mocha reporter, and writes per-file and per-group times to
 * scripts/reports/test-times.md.
 *
 *   npx ts-node --transpile-only scripts/test-times.ts [--fast] [--serial] [--out <file.md>] [test files...]
 *
 * `--fast` measures `npm run test:fast` as package.json has it; `--serial` runs the files one after another in the
 * test process (`hardhat test`), the way npm test ran before it ran them in worker processes. The same module is
 * also the reporter: hardhat.config.ts names it when TEST_TIMES_JSON is set, and it then prints the usual spec output
 * and writes one JSON line per test file (the time from its first suite starting to its last suite ending, hooks
 * included). In a parallel run a file's events reach the reporter only when the file is done, so the worker that ran
 * it times it instead, through the root hooks of scripts/test-times-hooks.ts, which hardhat.config.ts has every worker load.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import Mocha from "mocha";

import { childrenCpuMs, workerTimes } from "./test-times-hooks";

const ROOT = path.join(__dirname, "..");

interface FileTime {
  file: string;
  ms: number;
  /** CPU time of the test process itself (user + system) over the file: what an idle core would take, less the
   * processes the file starts (nodes, Ponder, the CLI), which it does not count. */
  cpuMs: number;
  /** In a parallel run: the CPU of the processes the file started and saw exit (nodes, Ponder, anvil, the CLI). */
  childCpuMs?: number;
  tests: number;
  failed: number;
}

/** The Mocha reporter: spec output, plus the wall time and test counts of each file appended to TEST_TIMES_JSON. */
class TestTimesReporter extends Mocha.reporters.Spec {
  constructor(runner: Mocha.Runner, options?: Mocha.MochaOptions) {
    super(runner, options);
    const out = process.env.TEST_TIMES_JSON!;
    const files = new Map<
      string,
      { start: number; end: number; cpuStart: NodeJS.CpuUsage; cpuMs: number; tests: number; failed: number }
    >();
    const entry = (file: string) => {
      let e = files.get(file);
      if (!e)
        files.set(
          file,
          (e = { start: Date.now(), end: Date.now(), cpuStart: process.cpuUsage(), cpuMs: 0, tests: 0, failed: 0 }),
        );
      return e;
    };
    const fileOf = (r: Mocha.Runnable | Mocha.Suite) => path.relative(ROOT, r.file ?? "(unknown)");
    // Every suite of a file, nested ones too: in a parallel run the suites the reporter gets are copies whose parent
    // is only a title, so a file's top-level suites cannot be told apart; its first suite starts it, its last ends it.
    runner.on(Mocha.Runner.constants.EVENT_SUITE_BEGIN, (suite: Mocha.Suite) => {
      if (suite.file) entry(fileOf(suite));
    });
    // Written after every file, so that a run stopped part-way still says where its time went.
    const write = () =>
      fs.writeFileSync(
        out,
        [...files]
          .map(
            ([file, e]) =>
              ({ file, ms: e.end - e.start, cpuMs: e.cpuMs, tests: e.tests, failed: e.failed }) satisfies FileTime,
          )
          .map((t) => JSON.stringify(t) + "\n")
          .join(""),
      );
    runner.on(Mocha.Runner.constants.EVENT_SUITE_END, (suite: Mocha.Suite) => {
      if (!suite.file) return;
      const e = entry(fileOf(suite));
      e.end = Date.now();
      const cpu = process.cpuUsage(e.cpuStart);
      e.cpuMs = (cpu.user + cpu.system) / 1000;
      write();
    });
    runner.on(Mocha.Runner.constants.EVENT_TEST_PASS, (test: Mocha.Test) => entry(fileOf(test)).tests++);
    runner.on(Mocha.Runner.constants.EVENT_TEST_FAIL, (test: Mocha.Runnable) => {
      const e = entry(fileOf(test));
      e.tests++;
      e.failed++;
    });
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, write);
  }
}

const seconds = (ms: number | undefined) => (ms === undefined || Number.isNaN(ms) ? "–" : (ms / 1000).toFixed(1));

/** How a run went as a whole: its wall time, exit status, and the CPU of every process it waited for. */
interface Run {
  wallMs: number;
  status: number;
  /** The CPU time of the run's processes (the test process, its workers, and the nodes, Ponder, anvil, forge and
   * CLI processes they waited for), if the platform says (Linux: /proc). */
  cpuMs: number | undefined;
  /** Worker processes, or 0 for a serial run. */
  jobs: number;
}

function render(title: string, command: string, run: Run, times: FileTime[]): string {
  times.sort((a, b) => b.ms - a.ms);
  const groups = new Map<string, FileTime>();
  for (const t of times) {
    const group = path.dirname(t.file);
    const g = groups.get(group) ?? { file: group, ms: 0, cpuMs: 0, childCpuMs: 0, tests: 0, failed: 0 };
    g.ms += t.ms;
    g.cpuMs += t.cpuMs;
    g.childCpuMs = t.childCpuMs === undefined ? undefined : (g.childCpuMs ?? 0) + t.childCpuMs;
    g.tests += t.tests;
    g.failed += t.failed;
    groups.set(group, g);
  }
  const inFiles = times.reduce((a, t) => a + t.ms, 0);
  const tests = times.reduce((a, t) => a + t.tests, 0);
  const failed = times.reduce((a, t) => a + t.failed, 0);
  const cpu = times.reduce((a, t) => a + t.cpuMs, 0);
  // The CPU of the processes each file started: measured by the workers of a parallel run only.
  const started = times.some((t) => t.childCpuMs !== undefined);
  const row = (t: FileTime) =>
    `| ${t.file} | ${seconds(t.ms)} | ${((100 * t.ms) / inFiles).toFixed(1)}% | ${seconds(t.cpuMs)} | ${
      started ? `${seconds(t.childCpuMs)} | ` : ""
    }${t.tests} | ${t.failed} |`;
  const head = (first: string) => [
    `| ${first} | seconds | share | CPU s | ${started ? "started CPU s | " : ""}tests | failed |`,
    `| --- | ---: | ---: | ---: | ${started ? "---: | " : ""}---: | ---: |`,
  ];
  return [
    `## ${title}`,
    "",
    `Written by \`${command}\` on ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC`,
    `(${os.cpus().length} cores, load average ${os.loadavg()[0].toFixed(1)} at the end: other work shares the machine).`,
    "",
    `Wall time ${seconds(run.wallMs)} s, exit status ${run.status}; ${tests} tests (${failed} failed) in ${times.length} files`,
    run.jobs > 0
      ? `run in ${run.jobs} worker processes at once, so the files' times add up to more than the wall time:`
      : "run one after another in the test process:",
    `${seconds(inFiles)} s inside the files, of which the test processes themselves used ${seconds(cpu)} s of CPU (an idle`,
    started
      ? 'core\'s time for the in-process tests); "started CPU" is that of the nodes, Ponder, anvil and CLI processes a file started and saw exit.'
      : "core's time for the in-process tests; the nodes, Ponder and CLI processes a file starts are not counted).",
    ...(run.cpuMs === undefined
      ? []
      : [
          `Every process of the run together (the test processes and what they started and waited for) used`,
          `${seconds(run.cpuMs)} s of CPU: the figure that does not depend on the load.`,
        ]),
    "",
    "### By group",
    "",
    ...head("group"),
    ...[...groups.values()].sort((a, b) => b.ms - a.ms).map(row),
    "",
    "### By file",
    "",
    ...head("file"),
    ...times.map(row),
    "",
  ].join("\n");
}

const HEADER = [
  "# Test times",
  "",
  "Where the time of the test suite goes, per group (folder) and per file, as `scripts/test-times.ts` measures it: it",
  "runs the tests with its own Mocha reporter, which times each file from its first suite starting to its last one",
  "ending (hooks and fixtures included; in a parallel run the worker that ran the file times it); the wall time adds",
  "Hardhat's start and its compile check. Each section is rewritten by its own command; the others are left as they",
  "are.",
  "",
].join("\n");

/** `text` with the section `key` (between its markers) replaced by `section`, or added at the end. */
function replaceSection(text: string, key: string, section: string): string {
  const begin = `<!-- test-times:${key} -->`;
  const end = `<!-- /test-times:${key} -->`;
  const block = `${begin}\n${section}\n${end}\n`;
  const a = text.indexOf(begin);
  const b = text.indexOf(end);
  if (a >= 0 && b > a) return text.slice(0, a) + block + text.slice(b + end.length + 1);
  return `${text.trimEnd()}\n\n${block}`;
}

/** The lines of a JSON-lines file, parsed; none if it is missing. */
const jsonLines = <T>(file: string): T[] =>
  fs.existsSync(file)
    ? fs
        .readFileSync(file, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l) as T)
    : [];

function main(argv: string[]) {
  let out = path.join(ROOT, "scripts", "reports", "test-times.md");
  let fast = false;
  let serial = false;
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--fast") fast = true;
    else if (argv[i] === "--serial") serial = true;
    else if (argv[i] === "--out") {
      if (!argv[i + 1]) throw new Error("--out needs a file");
      out = path.resolve(argv[++i]);
    } else if (argv[i].startsWith("-")) throw new Error(`unknown option ${argv[i]}`);
    else files.push(argv[i]);
  }
  if (fast && files.length > 0) throw new Error("--fast runs the files of npm run test:fast: give no files with it");
  const json = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "opg-test-times-")), "times.jsonl");
  const scripts = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")).scripts;
  // `npm run test:fast` itself (its environment and file globs as package.json has it), or `npm test`'s hardhat
  // command (package.json's, `--parallel` dropped with --serial) over the files given.
  const testArgs = (scripts.test as string).split(" ").slice(1);
  const parallel = fast ? / --parallel\b/.test(scripts["test:fast"]) : testArgs.includes("--parallel") && !serial;
  const [bin, args] = fast
    ? ["npm", ["run", "test:fast"]]
    : [
        path.join(ROOT, "node_modules", ".bin", "hardhat"),
        [...testArgs.filter((a) => a !== "--parallel"), ...(parallel ? ["--parallel"] : []), ...files],
      ];
  const cpuBefore = childrenCpuMs();
  const started = Date.now();
  const result = spawnSync(bin, args, { cwd: ROOT, stdio: "inherit", env: { ...process.env, TEST_TIMES_JSON: json } });
  const cpuAfter = childrenCpuMs();
  const run: Run = {
    wallMs: Date.now() - started,
    status: result.status ?? -1,
    cpuMs: cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore,
    jobs: parallel ? Number(process.env.OPG_TEST_JOBS ?? 3) : 0,
  };
  // The workers' own figures for a file (parallel runs) over the reporter's.
  const byWorker = new Map(jsonLines<FileTime>(workerTimes(json)).map((t) => [t.file, t]));
  const times = jsonLines<FileTime>(json).map((t) => ({
    ...t,
    ...byWorker.get(t.file),
    tests: t.tests,
    failed: t.failed,
  }));
  const command = ["npx ts-node --transpile-only scripts/test-times.ts", ...argv].join(" ");
  const [key, title] = fast
    ? ["fast", "npm run test:fast"]
    : files.length === 0
      ? ["full", `npm test (every file${serial ? ", one after another" : ""})`]
      : ["files", `hardhat test ${parallel ? "--parallel " : ""}${files.join(" ")}`];
  const previous = fs.existsSync(out) ? fs.readFileSync(out, "utf8") : HEADER;
  fs.writeFileSync(out, replaceSection(previous, key, render(title, command, run, times)));
  console.log(`\n${path.relative(ROOT, out)}: ${seconds(run.wallMs)} s wall, ${times.length} files`);
  process.exitCode = result.status ?? 1;
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (e) {
    console.error(`test-times: ${(e as Error).message}`);
    process.exitCode = 2;
  }
}

export = TestTimesReporter;
