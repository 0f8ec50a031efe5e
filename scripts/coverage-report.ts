/**
 * The last step of `npm run coverage`: turns solidity-coverage's coverage/coverage-summary.json into a per-contract
 * table, scripts/reports/coverage.md, and checks the bar of issue 7 (every contract above 95% of lines and 90% of
 * branches). Files without executable code (interfaces, types) are left out. Exits 1 when a contract is below the
 * bar, naming it, so that the bar is asserted rather than read.
 *
 *   node -r ts-node/register scripts/coverage-report.ts [summary.json] [report.md]
 */
import * as fs from "node:fs";
import * as path from "node:path";

const ROOT = path.join(__dirname, "..");
const LINES_BAR = 95;
const BRANCHES_BAR = 90;

interface Metric {
  total: number;
  covered: number;
  pct: number | "Unknown";
}
type Summary = Record<string, { lines: Metric; statements: Metric; functions: Metric; branches: Metric }>;

export interface Row {
  file: string;
  lines: Metric;
  branches: Metric;
  functions: Metric;
  statements: Metric;
}

/** A percentage with one decimal, from the counts (istanbul's pct rounds to two decimals and says 100 for 0/0). */
export function pct(m: Metric): number {
  return m.total === 0 ? 100 : Math.floor((m.covered / m.total) * 1000) / 10;
}

export function rowsOf(summary: Summary, root: string): Row[] {
  return Object.entries(summary)
    .filter(([file]) => file !== "total")
    .map(([file, m]) => ({ file: path.relative(root, file) || file, ...m }))
    .filter((r) => r.statements.total > 0 || r.lines.total > 0)
    .sort((a, b) => a.file.localeCompare(b.file));
}

/** Whether `m` is above `bar` percent, from the exact counts (never from a rounded percentage). */
function above(m: Metric, bar: number): boolean {
  return m.total === 0 || m.covered * 100 > bar * m.total;
}

export function belowBar(r: Row): string[] {
  const why: string[] = [];
  if (!above(r.lines, LINES_BAR)) why.push(`lines ${pct(r.lines)}% (bar: above ${LINES_BAR}%)`);
  if (!above(r.branches, BRANCHES_BAR)) why.push(`branches ${pct(r.branches)}% (bar: above ${BRANCHES_BAR}%)`);
  return why;
}

function cell(m: Metric): string {
  return `${pct(m).toFixed(1)}% (${m.covered}/${m.total})`;
}

export function render(rows: Row[], total: Row | undefined, command: string): string {
  const lines = [
    "# Contract coverage",
    "",
    `Written by \`${command}\` (solidity-coverage over the in-process Hardhat network; the end-to-end tests that`,
    "drive a separate `hardhat node` or Ponder process are not instrumented and not run; test-only contracts in",
    "`contracts/test/` are left out, and so are files without executable lines of their own: interfaces, types and",
    "OPGTimelock, which is OpenZeppelin's TimelockController as it is). Bar: every contract above 95% of lines and 90%",
    "of branches.",
    "",
    "| contract | lines | branches | functions | statements | bar |",
    "| --- | ---: | ---: | ---: | ---: | --- |",
  ];
  for (const r of rows) {
    const why = belowBar(r);
    lines.push(
      `| ${r.file} | ${cell(r.lines)} | ${cell(r.branches)} | ${cell(r.functions)} | ${cell(r.statements)} | ${
        why.length ? "**below**: " + why.join(", ") : "met"
      } |`,
    );
  }
  if (total) {
    lines.push(
      `| **all contracts** | ${cell(total.lines)} | ${cell(total.branches)} | ${cell(total.functions)} | ${cell(total.statements)} | |`,
    );
  }
  lines.push("");
  return lines.join("\n");
}

function main() {
  const summaryFile = path.resolve(process.argv[2] ?? path.join(ROOT, "coverage", "coverage-summary.json"));
  const reportFile = path.resolve(process.argv[3] ?? path.join(ROOT, "scripts", "reports", "coverage.md"));
  if (!fs.existsSync(summaryFile)) {
    console.error(`no coverage summary at ${summaryFile}: run \`npm run coverage\` (it writes it first)`);
    process.exit(2);
  }
  const summary = JSON.parse(fs.readFileSync(summaryFile, "utf8")) as Summary;
  // solidity-coverage writes absolute paths of the tree it ran in: the contracts/ folder is the anchor.
  const anyFile = Object.keys(summary).find((f) => f !== "total" && f.includes(`${path.sep}contracts${path.sep}`));
  const root = anyFile ? anyFile.slice(0, anyFile.lastIndexOf(`${path.sep}contracts${path.sep}`)) : ROOT;
  const rows = rowsOf(summary, root);
  const totalRow = summary.total ? { file: "total", ...summary.total } : undefined;
  const markdown = render(rows, totalRow, "npm run coverage");
  fs.mkdirSync(path.dirname(reportFile), { recursive: true });
  fs.writeFileSync(reportFile, markdown);
  console.log(markdown);
  console.log(`written to ${path.relative(ROOT, reportFile)}`);
  const failing = rows.filter((r) => belowBar(r).length > 0);
  for (const r of failing) console.error(`below the bar: ${r.file}: ${belowBar(r).join(", ")}`);
  if (failing.length > 0) process.exit(1);
}

if (require.main === module) main();
