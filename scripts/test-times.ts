/**
 * Where the test time goes: runs `hardhat test` (all of test/**, or the files given) with this file as the Mocha
 * reporter, and writes per-file and per-group wall times to scripts/reports/test-times.md.
 *
 *   npx ts-node --transpile-only scripts/test-times.ts [--fast] [--out <file.md>] [test files...]
 *
 * `--fast` measures `npm run test:fast` as package.json has it. The same module is also the reporter:
 * hardhat.config.ts names it when TEST_TIMES_JSON is set, and it then prints the usual spec output and writes one
 * JSON line per test file (the time from its first suite starting to its last suite ending, hooks included).
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import Mocha from "mocha";

const ROOT = path.join(__dirname, "..");

interface FileTime {
  file: string;
  ms: number;
  /** CPU time of the test process itself (user + system) over the file: what an idle core would take, less the
   * processes the file starts (nodes, Ponder, the CLI), which it does not count. */
  cpuMs: number;
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
    runner.on(Mocha.Runner.constants.EVENT_SUITE_BEGIN, (suite: Mocha.Suite) => {
      if (suite.parent?.root) entry(fileOf(suite));
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
      if (!suite.parent?.root) return;
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

function render(title: string, command: string, wallMs: number, status: number, times: FileTime[]): string {
  times.sort((a, b) => b.ms - a.ms);
  const groups = new Map<string, FileTime>();
  for (const t of times) {
    const group = path.dirname(t.file);
    const g = groups.get(group) ?? { file: group, ms: 0, cpuMs: 0, tests: 0, failed: 0 };
    g.ms += t.ms;
    g.cpuMs += t.cpuMs;
    g.tests += t.tests;
    g.failed += t.failed;
    groups.set(group, g);
  }
  const inFiles = times.reduce((a, t) => a + t.ms, 0);
  const tests = times.reduce((a, t) => a + t.tests, 0);
  const failed = times.reduce((a, t) => a + t.failed, 0);
  const cpu = times.reduce((a, t) => a + t.cpuMs, 0);
  const row = (t: FileTime) =>
    `| ${t.file} | ${seconds(t.ms)} | ${((100 * t.ms) / inFiles).toFixed(1)}% | ${seconds(t.cpuMs)} | ${t.tests} | ${t.failed} |`;
  return [
    `## ${title}`,
    "",
    `Written by \`${command}\` on ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC`,
    `(${os.cpus().length} cores, load average ${os.loadavg()[0].toFixed(1)} at the end: other work shares the machine).`,
    "",
    `Wall time ${seconds(wallMs)} s, exit status ${status}; ${tests} tests (${failed} failed) in ${times.length} files,`,
    `${seconds(inFiles)} s inside the files, of which the test process itself used ${seconds(cpu)} s of CPU (an idle`,
    "core's time for the in-process tests; the nodes, Ponder and CLI processes a file starts are not counted).",
    "",
    "### By group",
    "",
    "| group | seconds | share | CPU s | tests | failed |",
    "| --- | ---: | ---: | ---: | ---: | ---: |",
    ...[...groups.values()].sort((a, b) => b.ms - a.ms).map(row),
    "",
    "### By file",
    "",
    "| file | seconds | share | CPU s | tests | failed |",
    "| --- | ---: | ---: | ---: | ---: | ---: |",
    ...times.map(row),
    "",
  ].join("\n");
}

const HEADER = [
  "# Test times",
  "",
  "Where the time of the test suite goes, per group (folder) and per file, as `scripts/test-times.ts` measures it: it",
  "runs the tests with its own Mocha reporter, which times each file from its first suite starting to its last one",
  "ending (hooks and fixtures included); the wall time adds Hardhat's start and its compile check. Each section is",
  "rewritten by its own command; the others are left as they are.",
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

function main(argv: string[]) {
  let out = path.join(ROOT, "scripts", "reports", "test-times.md");
  let fast = false;
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--fast") fast = true;
    else if (argv[i] === "--out") {
      if (!argv[i + 1]) throw new Error("--out needs a file");
      out = path.resolve(argv[++i]);
    } else if (argv[i].startsWith("-")) throw new Error(`unknown option ${argv[i]}`);
    else files.push(argv[i]);
  }
  if (fast && files.length > 0) throw new Error("--fast runs the files of npm run test:fast: give no files with it");
  const json = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "opg-test-times-")), "times.jsonl");
  const started = Date.now();
  // `npm run test:fast` itself (its environment and file globs as package.json has them), or `hardhat test`.
  const [bin, args] = fast
    ? ["npm", ["run", "test:fast"]]
    : [path.join(ROOT, "node_modules", ".bin", "hardhat"), ["test", ...files]];
  const run = spawnSync(bin, args, { cwd: ROOT, stdio: "inherit", env: { ...process.env, TEST_TIMES_JSON: json } });
  const wall = Date.now() - started;
  const times: FileTime[] = fs.existsSync(json)
    ? fs
        .readFileSync(json, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l))
    : [];
  const command = ["npx ts-node --transpile-only scripts/test-times.ts", ...argv].join(" ");
  const [key, title] = fast
    ? ["fast", "npm run test:fast"]
    : files.length === 0
      ? ["full", "npm test (every file)"]
      : ["files", `hardhat test ${files.join(" ")}`];
  const previous = fs.existsSync(out) ? fs.readFileSync(out, "utf8") : HEADER;
  fs.writeFileSync(out, replaceSection(previous, key, render(title, command, wall, run.status ?? -1, times)));
  console.log(`\n${path.relative(ROOT, out)}: ${seconds(wall)} s wall, ${times.length} files`);
  process.exitCode = run.status ?? 1;
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
