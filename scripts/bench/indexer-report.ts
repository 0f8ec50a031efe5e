/**
 * The indexer's figures in the benchmarks report, read from the JSON the indexer benchmark writes
 * (`npm run bench:indexer`, scripts/bench/indexer/): cold sync against a Transfer-only app, and route latency.
 */
export interface Speed {
  seconds: number;
  eventsPerSecond: number;
}

export interface Latency {
  p50Ms: number;
  p99Ms: number;
  requests: number;
  concurrency: number;
}

export interface IndexerBench {
  eventsTotal: number;
  blocks: number;
  full: Speed;
  transferOnly: Speed;
  latency: Record<string, Latency>;
  database: string;
  date: string;
}

/** Checks the shape of the indexer benchmark's JSON; a bad field is an error that names it. */
export function parseIndexerBench(text: string, file: string): IndexerBench {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file}: not JSON (${(error as Error).message})`);
  }
  const fail = (field: string, want: string, got: unknown): never => {
    throw new Error(`${file}: ${field} should be ${want}, got ${JSON.stringify(got)}`);
  };
  const obj = (v: unknown, field: string) =>
    typeof v === "object" && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : fail(field, "an object", v);
  const num = (v: unknown, field: string) =>
    typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : fail(field, "a number >= 0", v);
  const str = (v: unknown, field: string) => (typeof v === "string" && v !== "" ? v : fail(field, "a string", v));
  const root = obj(data, "the file");
  // The report of `npm run bench:indexer` runs each app several times, alternating (`runs`); an older one had a
  // single `full` and `transferOnly`. Several runs are averaged: those through the one RPC URL, not the sitting with
  // the per-URL limit lifted (`lifted`), which indexer-bench.md reports beside them.
  const speed = (field: string): Speed => {
    if (root[field] === undefined && Array.isArray(root.runs)) {
      const runs = root.runs.map((r, i) => obj(r, `runs[${i}]`)).filter((r) => r.app === field && r.lifted !== true);
      if (runs.length === 0) fail(`runs (app ${field})`, "at least one run", root.runs);
      const mean = (key: string) => runs.reduce((sum, r, i) => sum + num(r[key], `runs[${i}].${key}`), 0) / runs.length;
      return { seconds: mean("seconds"), eventsPerSecond: Math.round(mean("eventsPerSecond")) };
    }
    const s = obj(root[field], field);
    return {
      seconds: num(s.seconds, `${field}.seconds`),
      eventsPerSecond: num(s.eventsPerSecond, `${field}.eventsPerSecond`),
    };
  };
  const latency: Record<string, Latency> = {};
  for (const [route, value] of Object.entries(obj(root.latency, "latency"))) {
    const l = obj(value, `latency.${route}`);
    latency[route] = {
      p50Ms: num(l.p50Ms, `latency.${route}.p50Ms`),
      p99Ms: num(l.p99Ms, `latency.${route}.p99Ms`),
      requests: num(l.requests, `latency.${route}.requests`),
      concurrency: num(l.concurrency, `latency.${route}.concurrency`),
    };
  }
  return {
    eventsTotal: num(root.eventsTotal, "eventsTotal"),
    blocks: num(root.blocks, "blocks"),
    full: speed("full"),
    transferOnly: speed("transferOnly"),
    latency,
    database: str(root.database, "database"),
    date: str(root.date, "date"),
  };
}

/** The report's indexer section: the figures with their date, or how to produce them. */
export function renderIndexer(bench: IndexerBench | undefined, file: string): string[] {
  if (!bench)
    return [
      `No indexer figures: ${file} does not exist. \`npm run bench -- --indexer\` runs the indexer benchmark ` +
        "(`npm run bench:indexer`: a cold sync of 100,000 events by the OPG indexer and by a minimal Transfer-only " +
        "Ponder app on the same chain, and route latency under concurrent load), then writes this report with its " +
        "figures; once the file exists, `npm run bench` includes them.",
    ];
  const n = (v: number, digits = 0) => v.toLocaleString("en-US", { maximumFractionDigits: digits });
  return [
    `_Measured on ${bench.date} by \`npm run bench:indexer\` (wall-clock figures on this machine, ${bench.database}; ` +
      `they vary from run to run, unlike the gas figures), read from ${file}._`,
    "",
    `Cold sync of ${n(bench.eventsTotal)} events in ${n(bench.blocks)} blocks:`,
    "",
    "| app | seconds | events per second |",
    "| --- | ---: | ---: |",
    `| the OPG indexer (every table) | ${n(bench.full.seconds, 1)} | ${n(bench.full.eventsPerSecond)} |`,
    `| a minimal Transfer-only Ponder app | ${n(bench.transferOnly.seconds, 1)} | ${n(bench.transferOnly.eventsPerSecond)} |`,
    `| the OPG indexer / Transfer-only | ${(bench.full.seconds / bench.transferOnly.seconds).toFixed(2)}x the time | ` +
      `${(bench.full.eventsPerSecond / bench.transferOnly.eventsPerSecond).toFixed(2)}x the rate |`,
    "",
    "Route latency under concurrent load:",
    "",
    "| route | median (ms) | 99th percentile (ms) | requests | concurrency |",
    "| --- | ---: | ---: | ---: | ---: |",
    ...Object.entries(bench.latency).map(
      ([route, l]) => `| ${route} | ${n(l.p50Ms, 1)} | ${n(l.p99Ms, 1)} | ${n(l.requests)} | ${n(l.concurrency)} |`,
    ),
  ];
}
