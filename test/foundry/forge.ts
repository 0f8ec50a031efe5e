/**
 * Runs the Foundry suites of test/foundry (invariant campaigns and fuzz tests) with a profile of foundry.toml, and
 * reads forge's JSON report into a summary per suite: its tests, runs, calls and duration.
 *
 *   npx ts-node --transpile-only test/foundry/forge.ts short   # npm run test:invariants
 *   npx ts-node --transpile-only test/foundry/forge.ts long    # npm run test:invariants:long
 */
import { spawn } from "node:child_process";
import * as path from "node:path";

export const FOUNDRY_DIR = __dirname;
const FORGE = path.join(__dirname, "..", "..", "node_modules", ".bin", "forge");

export type Profile = "short" | "long";

export interface TestResult {
  name: string;
  passed: boolean;
  reason: string | null;
  kind: "invariant" | "fuzz" | "unit";
  runs: number;
  calls: number;
  reverts: number;
  /** Calls per handler function ("Handler.selector"), for invariant tests. */
  metrics: Record<string, number>;
  counterexample: unknown;
}

export interface SuiteSummary {
  /** The contract name, e.g. "StakingInvariants". */
  suite: string;
  file: string;
  seconds: number;
  tests: TestResult[];
  /** Handler calls over every invariant campaign of the suite. */
  calls: number;
}

export interface ForgeRun {
  profile: Profile;
  exitCode: number | null;
  /** Forge exited 0 and every test passed. */
  ok: boolean;
  suites: SuiteSummary[];
  /** What forge printed besides its JSON report (compiler errors, warnings). */
  output: string;
  seconds: number;
}

/** "1s 901ms 876µs 112ns" -> 1.901876112 */
export function parseDuration(text: string): number {
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 1e-3, µs: 1e-6, ns: 1e-9 };
  let seconds = 0;
  for (const [, value, unit] of text.matchAll(/([\d.]+)(h|ms|µs|ns|m|s)/g)) seconds += Number(value) * units[unit];
  return seconds;
}

interface ForgeTestJson {
  status: string;
  reason: string | null;
  counterexample: unknown;
  kind: {
    Invariant?: { runs: number; calls: number; reverts: number; metrics?: Record<string, { calls: number }> };
    Fuzz?: { runs: number };
    Unit?: unknown;
  };
}

/** Reads forge's `--json` report: { "file:Contract": { duration, test_results: { "name()": ForgeTestJson } } }. */
export function summarize(report: Record<string, { duration: string; test_results: Record<string, ForgeTestJson> }>) {
  return Object.entries(report)
    .map(([id, suite]): SuiteSummary => {
      const [file, name] = id.split(":");
      const tests = Object.entries(suite.test_results).map(([testName, t]): TestResult => {
        const invariant = t.kind.Invariant;
        const metrics: Record<string, number> = {};
        for (const [key, m] of Object.entries(invariant?.metrics ?? {})) metrics[key.split(":").pop()!] = m.calls;
        return {
          name: testName.replace(/\(.*\)$/, ""),
          passed: t.status === "Success",
          reason: t.reason,
          kind: invariant ? "invariant" : t.kind.Fuzz ? "fuzz" : "unit",
          runs: invariant?.runs ?? t.kind.Fuzz?.runs ?? 1,
          calls: invariant?.calls ?? 0,
          reverts: invariant?.reverts ?? 0,
          metrics,
          counterexample: t.counterexample,
        };
      });
      return {
        suite: name,
        file,
        seconds: parseDuration(suite.duration),
        tests: tests.sort((a, b) => a.name.localeCompare(b.name)),
        calls: tests.reduce((sum, t) => sum + t.calls, 0),
      };
    })
    .sort((a, b) => a.suite.localeCompare(b.suite));
}

/** Runs `forge test --json` in test/foundry with the profile (compiling first when sources changed). */
export function runForge(profile: Profile, extraArgs: string[] = []): Promise<ForgeRun> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(FORGE, ["test", "--json", ...extraArgs], {
      cwd: FOUNDRY_DIR,
      env: { ...process.env, FOUNDRY_PROFILE: profile },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (exitCode) => {
      // The report is the one line that is a JSON object; anything else (compiler output) is kept as output.
      const lines = stdout.split("\n");
      const json = lines.find((line) => line.startsWith("{"));
      const output = [...lines.filter((line) => line !== json), stderr].join("\n").trim();
      let suites: SuiteSummary[] = [];
      if (json) suites = summarize(JSON.parse(json));
      const allPassed = suites.length > 0 && suites.every((s) => s.tests.every((t) => t.passed));
      resolve({
        profile,
        exitCode,
        ok: exitCode === 0 && allPassed,
        suites,
        output,
        seconds: (Date.now() - started) / 1000,
      });
    });
  });
}

/** A table of the suites, their tests and call counts, and every failure with its reason and counterexample. */
export function formatRun(run: ForgeRun): string {
  const n = (x: number) => x.toLocaleString("en-US");
  const lines: string[] = [
    `forge test, profile "${run.profile}": ${run.ok ? "passed" : "FAILED"} in ${run.seconds.toFixed(1)} s`,
  ];
  for (const s of run.suites) {
    lines.push(
      `\n${s.suite} (${s.file}): ${s.tests.length} tests, ${n(s.calls)} invariant calls, ${s.seconds.toFixed(1)} s`,
    );
    for (const t of s.tests) {
      const what =
        t.kind === "invariant"
          ? `runs ${n(t.runs)}, calls ${n(t.calls)}, reverts ${n(t.reverts)}`
          : `${t.kind}, runs ${n(t.runs)}`;
      lines.push(`  ${t.passed ? "pass" : "FAIL"}  ${t.name}: ${what}`);
      if (!t.passed) {
        lines.push(`        reason: ${t.reason}`);
        if (t.counterexample) lines.push(`        counterexample: ${JSON.stringify(t.counterexample, null, 2)}`);
      }
    }
  }
  const calls = run.suites.reduce((sum, s) => sum + s.calls, 0);
  lines.push(`\n${run.suites.length} suites, ${n(calls)} invariant calls in all`);
  if (!run.ok && run.output) lines.push(`\nforge output:\n${run.output.slice(-20_000)}`);
  return lines.join("\n");
}

if (require.main === module) {
  const profile = (process.argv[2] ?? "short") as Profile;
  if (profile !== "short" && profile !== "long") {
    console.error(`unknown profile "${profile}": use "short" or "long"`);
    process.exit(2);
  }
  runForge(profile, process.argv.slice(3)).then(
    (run) => {
      console.log(formatRun(run));
      process.exit(run.ok ? 0 : 1);
    },
    (error) => {
      console.error(error);
      process.exit(1);
    },
  );
}
