/**
 * The indexer benchmark (a script, not a test): `npm run bench:indexer`.
 *
 * On a `hardhat node` with the real deployment it produces BENCH_EVENTS (100,000) events: real protocol activity (an
 * operator, a node and a model, a deposit, voucher payments, monthly vesting releases) and then OPG Transfer events
 * in bulk from a small contract (TransferFan.sol, compiled here with the npm solc) that sends OPG to a pool of
 * recipients in a loop, BENCH_TRANSFERS_PER_TX a transaction. Then it times a cold sync to the last block of
 *   (a) the full OPG indexer (indexer/), and
 *   (b) a minimal Ponder app that indexes only the token's Transfer events (scripts/bench/indexer/transfer-app/),
 * each on a fresh database (PostgreSQL when DATABASE_URL is set, PGlite otherwise), BENCH_ROUNDS (2) times alternating,
 * with a profile of each sync from Ponder's /metrics; then measures the latency (median and 99th percentile) of
 * /unlocks/:address and /payments/:address under BENCH_CONCURRENCY concurrent clients (BENCH_REQUESTS requests each)
 * against the last synced full indexer, and the live latency (a block mined until /stats shows it, BENCH_LIVE_SAMPLES
 * blocks). Writes scripts/reports/indexer-bench.{md,json}.
 *
 * Settings (environment): BENCH_EVENTS, BENCH_TRANSFERS_PER_TX, BENCH_PAYMENTS, BENCH_REQUESTS, BENCH_CONCURRENCY,
 * BENCH_RPC_COPIES (the node's URL listed that many times in OPG_RPC_URL: Ponder limits each URL on its own),
 * BENCH_LIFTED_RPC_COPIES (8; 0 skips them: the same rounds again, first, with the URL listed that many times for both
 * apps, so that the report also shows the ratio with Ponder's per-URL limit lifted), BENCH_ROUNDS, BENCH_LIVE_SAMPLES,
 * DATABASE_URL; BENCH_RENDER_ONLY=1 only rewrites the .md from the .json.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { ContractFactory, Interface, dataSlice, getAddress, id, keccak256, parseEther, toBeHex } from "ethers";

import { ROOT } from "../../../test/helpers/node";
import { System, deployedSystem } from "../../../test/helpers/activity";
import { freshDatabase, startPonder, untilAnswers, untilIndexed } from "../../../test/helpers/ponder";
import { summariseCpuProfile } from "./cpu-profile";

const HERE = path.join(ROOT, "scripts", "bench", "indexer");
const TRANSFER_APP = path.join(HERE, "transfer-app");
const REPORTS = path.join(ROOT, "scripts", "reports");

function setting(name: string, fallback: number, min: number, max: number): number {
  const text = process.env[name];
  if (text === undefined || text === "") return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new Error(`${name}: "${text}" is not a whole number from ${min} to ${max}`);
  return value;
}

const settings = {
  events: setting("BENCH_EVENTS", 100_000, 1_000, 10_000_000),
  // 200 transfers to warm recipients fit easily under the 2^24 gas cap per transaction.
  transfersPerTx: setting("BENCH_TRANSFERS_PER_TX", 200, 1, 400),
  payments: setting("BENCH_PAYMENTS", 100, 1, 10_000),
  recipients: 1_000,
  requests: setting("BENCH_REQUESTS", 2_000, 10, 1_000_000),
  concurrency: setting("BENCH_CONCURRENCY", 16, 1, 1_000),
  rpcCopies: setting("BENCH_RPC_COPIES", 1, 1, 64),
  liftedRpcCopies: setting("BENCH_LIFTED_RPC_COPIES", 8, 0, 64),
  rounds: setting("BENCH_ROUNDS", 2, 1, 10),
  liveSamples: setting("BENCH_LIVE_SAMPLES", 40, 1, 10_000),
};
const databaseServer = process.env.DATABASE_URL || undefined;

const log = (line: string) => console.log(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}`);

/** TransferFan.sol through the npm solc (the version Hardhat uses): its ABI and bytecode. */
function compileFan(): { abi: Interface; bytecode: string } {
  const solc = require("solc");
  const input = {
    language: "Solidity",
    sources: { "TransferFan.sol": { content: fs.readFileSync(path.join(HERE, "TransferFan.sol"), "utf8") } },
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: "cancun",
      outputSelection: { "*": { "*": ["abi", "evm.bytecode.object"] } },
    },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as {
    errors?: { severity: string; formattedMessage: string }[];
    contracts: Record<string, Record<string, { abi: unknown[]; evm: { bytecode: { object: string } } }>>;
  };
  const errors = (output.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length) throw new Error(errors.map((e) => e.formattedMessage).join("\n"));
  const fan = output.contracts["TransferFan.sol"].TransferFan;
  return { abi: new Interface(fan.abi as string[]), bytecode: `0x${fan.evm.bytecode.object}` };
}

interface RawLog {
  blockNumber: string;
  address: string;
  topics: string[];
}

/** Every log of the deployment's contracts from its start block to `tip`: in all, Transfers, and blocks with any. */
async function countEvents(sys: System, tip: number) {
  const addresses = Object.values(sys.deployment.contracts).map((c) => c!.address.toLowerCase());
  const opg = sys.deployment.contracts.OPG!.address.toLowerCase();
  const transferTopic = id("Transfer(address,address,uint256)");
  let total = 0;
  let transfers = 0;
  const blocks = new Set<string>();
  const transferBlocks = new Set<string>();
  for (let from = sys.deployment.startBlock; from <= tip; from += 5) {
    let logs: RawLog[];
    try {
      logs = await sys.provider.send("eth_getLogs", [
        { fromBlock: toBeHex(from), toBlock: toBeHex(Math.min(from + 4, tip)), address: addresses },
      ]);
    } catch (error) {
      throw new Error(`eth_getLogs from block ${from}: ${error}`);
    }
    total += logs.length;
    for (const l of logs) {
      blocks.add(l.blockNumber);
      if (l.address.toLowerCase() === opg && l.topics[0] === transferTopic) {
        transfers++;
        transferBlocks.add(l.blockNumber);
      }
    }
  }
  return { total, transfers, blocksWithEvents: blocks.size, blocksWithTransfers: transferBlocks.size };
}

/** The real protocol's events, then OPG Transfers in bulk until the deployment's contracts have emitted `events`. */
async function produceEvents(sys: System) {
  await sys.setUpPayments();
  await sys.deposit(parseEther("5000"));
  for (let i = 1; i <= settings.payments; i++) await sys.pay(BigInt(i) * 3n);
  for (let month = 0; month < 12; month++) await sys.release(2_629_800);
  log(`protocol activity done at block ${await sys.blockNumber()}`);

  const { abi, bytecode } = compileFan();
  const { liquidity } = sys.accounts;
  const token = sys.contracts.token;
  const fan = await new ContractFactory(abi, bytecode, liquidity).deploy();
  await fan.waitForDeployment();
  const fanAddress = await fan.getAddress();
  const each = parseEther("1");
  await sys.mine(token.connect(liquidity).transfer(fanAddress, each * BigInt(settings.events)));
  const recipients = Array.from({ length: settings.recipients }, (_, i) =>
    getAddress(dataSlice(keccak256(toBeHex(i + 1, 32)), 12)),
  );
  const opg = await token.getAddress();

  let counted = (await countEvents(sys, await sys.blockNumber())).total;
  let next = 0;
  let last = "";
  while (counted < settings.events) {
    const n = Math.min(settings.transfersPerTx, settings.events - counted);
    const to = Array.from({ length: n }, () => recipients[next++ % recipients.length]);
    // Automine: the transaction is mined when eth_sendTransaction returns; a fixed gas limit skips the estimate.
    const tx = await liquidity.sendTransaction({
      to: fanAddress,
      data: abi.encodeFunctionData("fan", [opg, to, each]),
      gasLimit: 16_000_000,
    });
    last = tx.hash;
    counted += n;
    if (counted % 20_000 < n) log(`${counted} events`);
  }
  const receipt = await sys.provider.getTransactionReceipt(last);
  if (receipt?.status !== 1) throw new Error(`the last TransferFan transaction failed: ${last}`);
}

/** Where a cold sync's time went, from Ponder's own Prometheus counters (`/metrics`) read right after it. */
interface Profile {
  /** JSON-RPC requests by method: how many, and their summed duration (ms; they overlap, up to 25 at once). */
  rpc: Record<string, { count: number; ms: number }>;
  /** Every indexing function's summed duration (ms) and the Transfer handler's alone. */
  handlersMs: number;
  transferHandlerMs: number;
  transferEvents: number;
  /** Writing the indexing cache to the tables (COPY and updates), ms, all tables and the two Transfer tables. */
  flushMs: number;
  flushTransferTablesMs: number;
  /** Reads of the indexing store that missed the in-memory cache (the database was asked). */
  storeReadsFromDatabase: number;
  /** Ponder's historical pipeline: fetching and storing RPC data ("extract") beside indexing it ("transform"), ms. */
  extractMs: number;
  transformMs: number;
  /** Live indexing of the last (unfinalized) blocks: committing each block in every table, ms, and how often. */
  commitBlockMs: number;
  commitBlocks: number;
  tables: number;
  /** CPU seconds from Ponder's spawn to the tip: Ponder's own process (start-up included) and the hardhat node's. */
  cpu?: { ponderSeconds: number; nodeSeconds: number };
  /** Ponder's historical indexing steps (ponder_historical_transform_duration), ms. */
  transformSteps?: Record<string, number>;
  /** The sync's phases from Ponder's log (coldSync): backfill, setup (indexes, triggers), live to the tip. */
  phases?: { backfillSeconds: number; setupSeconds: number; liveSeconds: number; liveBlocks: number };
}

async function profileOf(url: string): Promise<Profile> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const series: { name: string; labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split("\n")) {
    const m = /^(\w+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(/(\w+)="([^"]*)"/g)) labels[l[1]] = l[2];
    series.push({ name: m[1], labels, value: Number(m[3]) });
  }
  const sum = (name: string, where: (labels: Record<string, string>) => boolean = () => true) =>
    series.filter((x) => x.name === name && where(x.labels)).reduce((a, x) => a + x.value, 0);
  const round = (x: number) => Math.round(x);
  const rpc: Profile["rpc"] = {};
  for (const x of series.filter((x) => x.name === "ponder_rpc_request_duration_count"))
    rpc[x.labels.method] = {
      count: x.value,
      ms: round(sum("ponder_rpc_request_duration_sum", (l) => l.method === x.labels.method)),
    };
  const transferTables = (l: Record<string, string>) => l.table === "account" || l.table === "transfer";
  return {
    rpc,
    handlersMs: round(sum("ponder_indexing_function_duration_sum")),
    transferHandlerMs: round(sum("ponder_indexing_function_duration_sum", (l) => l.event === "OPG:Transfer")),
    transferEvents: sum("ponder_indexing_function_duration_count", (l) => l.event === "OPG:Transfer"),
    flushMs: round(sum("ponder_indexing_cache_query_duration_sum", (l) => l.method === "flush")),
    flushTransferTablesMs: round(
      sum("ponder_indexing_cache_query_duration_sum", (l) => l.method === "flush" && transferTables(l)),
    ),
    storeReadsFromDatabase: sum("ponder_indexing_cache_requests_total", (l) => l.type === "miss"),
    extractMs: round(sum("ponder_historical_concurrency_group_duration", (l) => l.group === "extract")),
    transformMs: round(sum("ponder_historical_concurrency_group_duration", (l) => l.group === "transform")),
    transformSteps: Object.fromEntries(
      series
        .filter((x) => x.name === "ponder_historical_transform_duration")
        .map((x) => [x.labels.step, round(x.value)]),
    ),
    commitBlockMs: round(sum("ponder_database_method_duration_sum", (l) => l.method === "commit_block")),
    commitBlocks: sum("ponder_database_method_duration_count", (l) => l.method === "commit_block"),
    tables: new Set(
      series.filter((x) => x.name === "ponder_indexing_cache_query_duration_count").map((x) => x.labels.table),
    ).size,
  };
}

/**
 * CPU seconds (user and system) used so far by the process listening on `port` (found by `--port <port>` in its
 * command line; Linux /proc, 100 ticks a second): on a shared machine, the work done, which the wall clock is not.
 */
function cpuSecondsOnPort(port: string): number | undefined {
  for (const pid of fs.readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
    try {
      if (!fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(`\0--port\0${port}\0`)) continue;
      const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      return (Number(fields[11]) + Number(fields[12])) / 100;
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
  return undefined;
}

/** Starts Ponder (the full indexer or the reference app) on a fresh database and times its sync to `tip`. */
/** The environment that preloads cpu-profile-hook.cjs into a Ponder process, its markers and profile in `dir`. */
function profiledEnv(dir: string): NodeJS.ProcessEnv {
  return { NODE_OPTIONS: `--require ${path.join(HERE, "cpu-profile-hook.cjs")}`, OPG_CPU_PROFILE_DIR: dir };
}

/** Waits (30 s at most) for the hook to write `what` into `dir`: "started", or ".cpuprofile" (the profile's path). */
async function fromProfileHook(dir: string, what: "started" | ".cpuprofile"): Promise<string> {
  for (let i = 0; i < 600; i++) {
    const file = fs.readdirSync(dir).find((f) => (what === "started" ? f === what : f.endsWith(what)));
    if (file) return path.join(dir, file);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the profile hook wrote no ${what} in ${dir} after 30 s`);
}

/** What a cold sync runs: the reference app (`appDir`) or the full indexer, profiled into `cpuProfileDir` or not. */
interface SyncOptions {
  appDir?: string;
  cpuProfileDir?: string;
}

async function coldSync(sys: System, tip: number, urls: number, databaseUrl: string | undefined, options: SyncOptions) {
  const { appDir, cpuProfileDir } = options;
  const rpc = Array.from({ length: urls }, () => sys.node.url).join(",");
  const spawned = Date.now();
  const loadBefore = os.loadavg()[0];
  const nodePort = new URL(sys.node.url).port;
  const nodeCpuBefore = cpuSecondsOnPort(nodePort);
  // Profiled from the hook's first look (the start marker is there before the process): start-up and sync.
  if (cpuProfileDir) fs.writeFileSync(path.join(cpuProfileDir, "start"), "");
  const env = cpuProfileDir ? profiledEnv(cpuProfileDir) : undefined;
  const ponder = await startPonder(rpc, sys.deploymentsDir, { databaseUrl, appDir, env });
  await untilIndexed(ponder, tip, 3_600_000, 100);
  const synced = Date.now();
  if (cpuProfileDir) fs.writeFileSync(path.join(cpuProfileDir, "stop"), "");
  const ponderCpu = cpuSecondsOnPort(new URL(ponder.url).port);
  const nodeCpuAfter = cpuSecondsOnPort(nodePort);
  const profile = await profileOf(ponder.url);
  profile.cpu = {
    ponderSeconds: ponderCpu ?? NaN,
    nodeSeconds: nodeCpuBefore !== undefined && nodeCpuAfter !== undefined ? nodeCpuAfter - nodeCpuBefore : NaN,
  };
  // Ponder's own log says when it started to fetch and index: the time before that is its build and database setup.
  const entries = ponder
    .output()
    .split("\n")
    .map((line) => {
      try {
        return JSON.parse(line) as { msg?: string; time?: number; endpoint?: string };
      } catch {
        return {};
      }
    });
  const timeOf = (msg: string, endpoint?: string) =>
    entries.find((entry) => entry.msg === msg && (endpoint === undefined || entry.endpoint === endpoint))?.time;
  const syncStart = timeOf("Started backfill indexing") ?? spawned;
  // The sync's three phases, from the same log: the backfill (fetch and index the finalized blocks), the setup
  // between it and live indexing (indexes, triggers, views), then live indexing of the unfinalized blocks to the tip.
  const backfillEnd = timeOf("Completed backfill indexing across all chains") ?? synced;
  const liveStart = timeOf("Started returning 200 responses", "/ready") ?? backfillEnd;
  profile.phases = {
    backfillSeconds: (backfillEnd - syncStart) / 1000,
    setupSeconds: (liveStart - backfillEnd) / 1000,
    liveSeconds: (synced - liveStart) / 1000,
    liveBlocks: entries.filter((entry) => entry.msg === "Indexed block").length,
  };
  const load = (x: number) => Math.round(x * 100) / 100;
  return {
    ponder,
    seconds: (synced - syncStart) / 1000,
    startupSeconds: (syncStart - spawned) / 1000,
    wallSeconds: (synced - spawned) / 1000,
    loadBefore: load(loadBefore),
    loadAfter: load(os.loadavg()[0]),
    profile,
  };
}

/** Each cold sync on a database of its own (Ponder's sync store is shared by chain id: see freshDatabase). */
async function coldSyncOnFreshDatabase(sys: System, tip: number, urls: number, options: SyncOptions = {}) {
  const database = databaseServer ? freshDatabase(databaseServer) : undefined;
  const databaseUrl = database?.url;
  try {
    return { ...(await coldSync(sys, tip, urls, databaseUrl, options)), databaseUrl, drop: () => database?.drop() };
  } catch (error) {
    database?.drop();
    throw error;
  }
}

/**
 * Live latency: a block is mined (a token transfer, automine) and the time until the API shows it (`/stats`'s
 * block, polled every 5 ms), `samples` times with a pause between, on the synced full indexer.
 */
async function liveLatency(sys: System, url: string, samples: number) {
  const { liquidity } = sys.accounts;
  const token = sys.contracts.token.connect(liquidity);
  const latencies: number[] = [];
  for (let i = 0; i < samples; i++) {
    const tx = await token.transfer(liquidity.address, 1n);
    // Automine: the block exists once the node answers eth_sendTransaction; time from here.
    const t0 = performance.now();
    const block = (await tx.wait())!.blockNumber;
    for (;;) {
      const res = await fetch(`${url}/stats`);
      if (res.status === 200) {
        const stats = (await res.json()) as { block: { number: number } };
        if (stats.block.number >= block) break;
      } else await res.text();
      if (performance.now() - t0 > 60_000) throw new Error(`block ${block} not shown by /stats within 60 s`);
      await new Promise((r) => setTimeout(r, 5));
    }
    latencies.push(performance.now() - t0);
    await new Promise((r) => setTimeout(r, 300));
  }
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)];
  const round = (x: number) => Math.round(x * 10) / 10;
  return { samples, p50Ms: round(pct(50)), p99Ms: round(pct(99)), maxMs: round(latencies[latencies.length - 1]) };
}

/**
 * One `ponder serve` reader with a CPU profiler preloaded (cpu-profile-hook.cjs), loaded with the routes' requests (a
 * warm-up, then settings.requests) while it profiles: where the API's CPU goes per request.
 */
/**
 * One more cold sync of an app with V8's CPU profiler in its Ponder process, from its start to the tip, through `urls`
 * URLs: where its CPU goes, by package and function (all of them, for the difference between the apps).
 */
async function profiledSync(sys: System, tip: number, urls: number, appDir?: string) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "opg-bench-sync-cpu-"));
  const run = await coldSyncOnFreshDatabase(sys, tip, urls, { appDir, cpuProfileDir: dir });
  try {
    const cpu = summariseCpuProfile(await fromProfileHook(dir, ".cpuprofile"), { functions: 400, packages: 100 });
    return { seconds: run.seconds, ponderCpuSeconds: run.profile.cpu?.ponderSeconds ?? NaN, ...cpu };
  } finally {
    await run.ponder.stop();
    run.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function profiledReader(sys: System, databaseUrl: string, schema: string, writerUrl: string, urls: string[]) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "opg-bench-cpu-"));
  const reader = await startPonder(sys.node.url, sys.deploymentsDir, {
    databaseUrl,
    schema,
    command: "serve",
    env: profiledEnv(dir),
  });
  try {
    await untilAnswers(reader, "/ready", 120_000);
    const own = urls.map((u) => u.replace(writerUrl, reader.url));
    await load(own, 200, settings.concurrency);
    fs.writeFileSync(path.join(dir, "start"), "");
    await fromProfileHook(dir, "started");
    const result = await load(own, settings.requests, settings.concurrency);
    fs.writeFileSync(path.join(dir, "stop"), "");
    return { load: result, ...summariseCpuProfile(await fromProfileHook(dir, ".cpuprofile")) };
  } finally {
    await reader.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** `total` GET requests over `concurrency` clients, each taking the next URL in turn: latencies in ms. */
async function load(urls: string[], total: number, concurrency: number) {
  const latencies: number[] = [];
  let issued = 0;
  const client = async () => {
    for (;;) {
      const n = issued++;
      if (n >= total) return;
      const url = urls[n % urls.length];
      const t0 = performance.now();
      const res = await fetch(url);
      const body = await res.text();
      const ms = performance.now() - t0;
      if (res.status !== 200) throw new Error(`${url}: ${res.status} ${body}`);
      latencies.push(ms);
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, client));
  const seconds = (performance.now() - t0) / 1000;
  latencies.sort((a, b) => a - b);
  // Nearest rank.
  const pct = (p: number) => latencies[Math.min(latencies.length - 1, Math.ceil((p / 100) * latencies.length) - 1)];
  const round = (x: number) => Math.round(x * 10) / 10;
  return {
    p50Ms: round(pct(50)),
    p99Ms: round(pct(99)),
    maxMs: round(latencies[latencies.length - 1]),
    requests: total,
    concurrency,
    requestsPerSecond: Math.round(total / seconds),
  };
}

async function main() {
  // BENCH_RENDER_ONLY=1 writes indexer-bench.md again from indexer-bench.json, as the template here now words it.
  if (process.env.BENCH_RENDER_ONLY === "1") {
    const report = JSON.parse(fs.readFileSync(path.join(REPORTS, "indexer-bench.json"), "utf8")) as Report;
    fs.writeFileSync(path.join(REPORTS, "indexer-bench.md"), markdown(report));
    log("wrote scripts/reports/indexer-bench.md from indexer-bench.json");
    return;
  }
  const date = new Date().toISOString();
  const loadBefore = os.loadavg();
  log(`settings ${JSON.stringify(settings)}, database ${databaseServer ? "postgres" : "pglite"}`);
  const sys = await deployedSystem();
  const created: string[] = [];
  for (const dir of [".ponder", "generated"])
    if (!fs.existsSync(path.join(TRANSFER_APP, dir))) created.push(path.join(TRANSFER_APP, dir));
  let running: Awaited<ReturnType<typeof coldSyncOnFreshDatabase>> | undefined;
  const stopRunning = async () => {
    await running?.ponder.stop();
    running?.drop();
    running = undefined;
  };
  try {
    const produceStart = performance.now();
    await produceEvents(sys);
    const tip = await sys.blockNumber();
    const counts = await countEvents(sys, tip);
    const produceSeconds = (performance.now() - produceStart) / 1000;
    log(`${counts.total} events (${counts.transfers} Transfers) in ${counts.blocksWithEvents} blocks; tip ${tip}`);

    // Two rounds, alternating, on the same chain: the ratio of a round is read from one sitting of the (shared)
    // machine. First with the per-URL limit lifted (if asked), then with the one URL; the last full indexer stays up
    // for the latency measurements.
    const runs: Run[] = [];
    const sittings = [
      ...(settings.liftedRpcCopies > 0 ? [{ urls: settings.liftedRpcCopies, lifted: true }] : []),
      { urls: settings.rpcCopies, lifted: false },
    ];
    for (const { urls, lifted } of sittings)
      for (let round = 1; round <= settings.rounds; round++) {
        for (const app of ["transferOnly", "full"] as const) {
          log(`cold sync ${round}, ${urls} URL(s): ${app === "full" ? "the full indexer" : "the Transfer-only app"}`);
          running = await coldSyncOnFreshDatabase(sys, tip, urls, {
            appDir: app === "full" ? undefined : TRANSFER_APP,
          });
          const r = running;
          const events = app === "full" ? counts.total : counts.transfers;
          runs.push({
            round,
            app,
            urls,
            lifted,
            seconds: r.seconds,
            eventsPerSecond: Math.round(events / r.seconds),
            startupSeconds: r.startupSeconds,
            wallSeconds: r.wallSeconds,
            loadBefore: r.loadBefore,
            loadAfter: r.loadAfter,
            profile: r.profile,
          });
          log(`${app}: ${r.seconds} s (load ${r.loadBefore} -> ${r.loadAfter})`);
          // The one-URL sitting comes last: its last full indexer stays up.
          if (lifted || !(app === "full" && round === settings.rounds)) await stopRunning();
        }
      }
    const full = running!;

    // Where the full indexer's extra CPU goes: one more sync of each app under the profiler, through as many URLs as
    // the fastest sitting (where CPU, not the rate limit, is the bound). The last full indexer keeps running beside
    // them, idle at the tip.
    const profiledUrls = settings.liftedRpcCopies || settings.rpcCopies;
    log(`profiled syncs (${profiledUrls} URL(s)): the Transfer-only app, then the full indexer`);
    const syncCpu = cpuDifference(
      profiledUrls,
      await profiledSync(sys, tip, profiledUrls, TRANSFER_APP),
      await profiledSync(sys, tip, profiledUrls),
    );

    log("latency: /unlocks/:address and /payments/:address");
    const { payer, operator, builder, ecosystem } = sys.accounts;
    const beneficiaries = await Promise.all([1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => sys.provider.getSigner(i)));
    const unlockUrls = [...beneficiaries.map((s) => s.address), ecosystem.address].map(
      (a) => `${full.ponder.url}/unlocks/${a}`,
    );
    const paymentUrls = [payer, operator, builder].map((s) => `${full.ponder.url}/payments/${s.address}?limit=50`);
    // The ceiling here: Ponder's own /health (no query, no route of ours) under the same clients on the same cores,
    // measured before and after the routes: the machine is shared, and its load moves between the two.
    const healthUrls = [`${full.ponder.url}/health`];
    await load(healthUrls, 100, settings.concurrency); // warm-up, not counted
    await load(unlockUrls, 100, settings.concurrency);
    await load(paymentUrls, 100, settings.concurrency);
    const healthBefore = await load(healthUrls, settings.requests, settings.concurrency);
    const unlocks = await load(unlockUrls, settings.requests, settings.concurrency);
    const payments = await load(paymentUrls, settings.requests, settings.concurrency);
    const health = await load(healthUrls, settings.requests, settings.concurrency);
    log(
      `/unlocks p50 ${unlocks.p50Ms} ms p99 ${unlocks.p99Ms} ms; /payments p50 ${payments.p50Ms} p99 ${payments.p99Ms}`,
    );
    // The same load on two `ponder serve` readers of the writer's schema (PostgreSQL only), half the clients each.
    let cpu: Awaited<ReturnType<typeof profiledReader>> | undefined;
    let readers: { unlocks: Awaited<ReturnType<typeof load>>; payments: Awaited<ReturnType<typeof load>> } | undefined;
    const { databaseUrl } = full;
    if (databaseUrl) {
      log("latency: the same routes on two ponder serve readers beside the writer");
      const started = await Promise.all(
        [1, 2].map(() =>
          startPonder(sys.node.url, sys.deploymentsDir, { databaseUrl, schema: full.ponder.schema, command: "serve" }),
        ),
      );
      try {
        await Promise.all(started.map((p) => untilAnswers(p, "/ready", 120_000)));
        const spread = (urls: string[]) => urls.flatMap((u) => started.map((p) => u.replace(full.ponder.url, p.url)));
        await load(spread(unlockUrls), 100, settings.concurrency);
        await load(spread(paymentUrls), 100, settings.concurrency);
        readers = {
          unlocks: await load(spread(unlockUrls), settings.requests, settings.concurrency),
          payments: await load(spread(paymentUrls), settings.requests, settings.concurrency),
        };
        log(
          `readers: /unlocks p50 ${readers.unlocks.p50Ms} p99 ${readers.unlocks.p99Ms}; /payments p50 ${readers.payments.p50Ms} p99 ${readers.payments.p99Ms}`,
        );
      } finally {
        await Promise.all(started.map((p) => p.stop()));
      }
      log("profile: one ponder serve reader under the same load, V8's CPU profiler");
      cpu = await profiledReader(sys, databaseUrl, full.ponder.schema, full.ponder.url, [
        ...unlockUrls,
        ...paymentUrls,
      ]);
    }
    log("live latency: a block mined until /stats shows it");
    const live = await liveLatency(sys, full.ponder.url, settings.liveSamples);
    log(`live p50 ${live.p50Ms} ms p99 ${live.p99Ms} ms`);
    await stopRunning();

    const ratiosOf = (lifted: boolean) =>
      Array.from({ length: settings.rounds }, (_, k) => {
        const of = (app: Run["app"]) => runs.find((r) => r.round === k + 1 && r.app === app && r.lifted === lifted);
        const [f, t] = [of("full"), of("transferOnly")];
        return f && t ? Math.round((f.eventsPerSecond / t.eventsPerSecond) * 100) / 100 : undefined;
      }).filter((x): x is number => x !== undefined);
    const cpus = os.cpus();
    const report: Report = {
      eventsTotal: counts.total,
      transferEvents: counts.transfers,
      blocks: tip - sys.deployment.startBlock + 1,
      blocksWithEvents: counts.blocksWithEvents,
      blocksWithTransfers: counts.blocksWithTransfers,
      runs,
      ratios: ratiosOf(false),
      liftedRatios: ratiosOf(true),
      latency: { unlocks, payments, healthBefore, health },
      readers,
      cpu,
      syncCpu,
      live,
      database: databaseServer ? "postgres" : "pglite",
      date,
      machine: {
        cpus: cpus.length,
        cpu: cpus[0]?.model ?? "unknown",
        memoryGb: Math.round(os.totalmem() / 2 ** 30),
        node: process.version,
        platform: `${os.platform()} ${os.release()}`,
        loadAverageBefore: loadBefore.map((x) => Math.round(x * 100) / 100),
        loadAverageAfter: os.loadavg().map((x) => Math.round(x * 100) / 100),
      },
      settings: {
        ...settings,
        chain: "hardhat node (automine), chain 31337",
        produceSeconds: Math.round(produceSeconds),
      },
    };
    fs.mkdirSync(REPORTS, { recursive: true });
    fs.writeFileSync(path.join(REPORTS, "indexer-bench.json"), JSON.stringify(report, null, 2) + "\n");
    fs.writeFileSync(path.join(REPORTS, "indexer-bench.md"), markdown(report));
    log(`wrote scripts/reports/indexer-bench.md and indexer-bench.json`);
  } finally {
    await stopRunning();
    await sys.stop();
    for (const dir of created) fs.rmSync(dir, { recursive: true, force: true });
  }
}

interface Run {
  round: number;
  app: "full" | "transferOnly";
  /** How many times the node's URL was listed to Ponder. */
  urls: number;
  /** Whether this run is of the sitting with the per-URL limit lifted (BENCH_LIFTED_RPC_COPIES). */
  lifted: boolean;
  seconds: number;
  eventsPerSecond: number;
  startupSeconds: number;
  wallSeconds: number;
  loadBefore: number;
  loadAfter: number;
  profile: Profile;
}

type Report = {
  eventsTotal: number;
  transferEvents: number;
  blocks: number;
  blocksWithEvents: number;
  blocksWithTransfers: number;
  runs: Run[];
  ratios: number[];
  liftedRatios: number[];
  latency: Record<"unlocks" | "payments" | "healthBefore" | "health", Awaited<ReturnType<typeof load>>>;
  readers?: Record<"unlocks" | "payments", Awaited<ReturnType<typeof load>>>;
  cpu?: Awaited<ReturnType<typeof profiledReader>>;
  syncCpu: ReturnType<typeof cpuDifference>;
  live: Awaited<ReturnType<typeof liveLatency>>;
  database: string;
  date: string;
  machine: Record<string, unknown> & { cpus: number; cpu: string; loadAverageBefore: number[] };
  settings: typeof settings & { chain: string; produceSeconds: number };
};

type ProfiledSync = Awaited<ReturnType<typeof profiledSync>>;

/**
 * The two profiled syncs side by side: the `packages` and `functions` on which the full indexer's Ponder spends the
 * most more CPU than the reference app's, in milliseconds of self time.
 */
function cpuDifference(urls: number, ref: ProfiledSync, full: ProfiledSync) {
  const rows = (list: "packages" | "functions", n: number) => {
    const names = new Set([...full[list].map((x) => x.name), ...ref[list].map((x) => x.name)]);
    const ms = (of: ProfiledSync, name: string) => of[list].find((x) => x.name === name)?.ms ?? 0;
    return [...names]
      .map((name) => ({ name, transferOnlyMs: ms(ref, name), fullMs: ms(full, name) }))
      .sort((a, b) => b.fullMs - b.transferOnlyMs - (a.fullMs - a.transferOnlyMs))
      .slice(0, n);
  };
  const totals = ({ seconds, ponderCpuSeconds, busyMs, idleMs }: ProfiledSync) => ({
    seconds,
    ponderCpuSeconds,
    busyMs,
    idleMs,
  });
  return {
    urls,
    transferOnly: totals(ref),
    full: totals(full),
    packages: rows("packages", 10),
    functions: rows("functions", 15),
  };
}

/** What the full indexer's Ponder spends more CPU on than the reference app's, from cpuDifference. */
function syncCpuSection(r: Report): string {
  const { full, transferOnly: ref } = r.syncCpu;
  const s = (ms: number) => (ms / 1000).toFixed(2);
  const diff = (list: "packages" | "functions") =>
    r.syncCpu[list]
      .map(
        (x) =>
          `| ${x.name.replaceAll("|", "\\|")} | ${s(x.transferOnlyMs)} | ${s(x.fullMs)} | ${x.fullMs - x.transferOnlyMs >= 0 ? "+" : ""}${s(x.fullMs - x.transferOnlyMs)} |`,
      )
      .join("\n");
  const extra = full.busyMs - ref.busyMs;
  return `
### Where the full indexer's extra CPU goes (V8's CPU profiler, one more sync of each app)

One more cold sync of each app through ${r.syncCpu.urls} URL(s), its Ponder process profiled from its start to the tip
(scripts/bench/indexer/cpu-profile-hook.cjs; the profiler slows it, so these syncs are not in the table above): the
Transfer-only app synced in ${ref.seconds} s, busy ${s(ref.busyMs)} s of CPU; the full indexer in
${full.seconds} s, busy ${s(full.busyMs)} s, ${s(extra)} s more (${Math.round((extra / ref.busyMs) * 100)}%). What it
spends more on, by package and then by function (self time, seconds):

| package | Transfer-only | full | difference |
| --- | ---: | ---: | ---: |
${diff("packages")}

| function | Transfer-only | full | difference |
| --- | ---: | ---: | ---: |
${diff("functions")}

What it shows (2026-12-06). With the limit lifted, each app's Ponder is busy for about the whole sync (its CPU seconds
are about its wall time), so the ratio of the two syncs is the ratio of their CPU. The full indexer's extra CPU is
Ponder's, not the handlers' (\`indexer/src\` is a fraction of a second):
- **Matching each log against every handler.** Ponder 0.16 builds the events of a block range by testing every log
  against the filter of every log handler in turn (\`buildEvents\`, \`isLogFilterMatched\`, which lowercases the
  log's topic0 and address again for each filter). The reference app has one handler; this indexer has about a
  hundred (every event of eight contracts: the named handlers and the governance events of indexer/src/Protocol.ts),
  so each of the 100,000 Transfers is tested about a hundred times. Ponder offers no setting for it; an index of the
  handlers by topic0 inside Ponder would remove it.
- **drizzle-orm and the garbage collector:** the rows and queries of 41 tables against 2 (flushes, the live phase's
  commit of every table for each block) and the larger app's build.
- Our Transfer handler (\`indexer/src/OPG.ts\`) and the other handlers are the smallest part.
`;
}

function cpuSection(cpu: NonNullable<Report["cpu"]>): string {
  const rows = (list: { name: string; ms: number; share: number }[]) =>
    list.map((x) => `| ${x.name.replaceAll("|", "\\|")} | ${x.ms} | ${x.share}% |`).join("\n");
  return `
### Where the API's CPU goes (one \`ponder serve\` reader, V8's CPU profiler)

The /unlocks and /payments requests above, in turn, on one more reader profiled while it answers them
(scripts/bench/indexer/cpu-profile-hook.cjs): ${cpu.load.requests}
requests at ${cpu.load.requestsPerSecond} requests/s (p50 ${cpu.load.p50Ms} ms, p99 ${cpu.load.p99Ms} ms). In that window
the process was busy ${(cpu.busyMs / 1000).toFixed(1)} s and idle ${(cpu.idleMs / 1000).toFixed(1)} s, that is
${Math.round((cpu.busyMs * 1000) / cpu.load.requests)} µs of CPU a request. Self time by package, then by function:

| package | ms | share |
| --- | ---: | ---: |
${rows(cpu.packages)}

| function | ms | share |
| --- | ---: | ---: |
${rows(cpu.functions)}
`;
}

/** Whether a route met issue 13's target, in words. */
function target(route: string, x: { requestsPerSecond: number; p99Ms: number }): string {
  const rate = x.requestsPerSecond >= 2000 ? "met" : "missed";
  const p99 = x.p99Ms <= 25 ? "met" : "missed";
  return `${route} ${rate} the rate (${x.requestsPerSecond.toLocaleString("en-US")}) and ${p99} the p99 (${x.p99Ms} ms)`;
}

/** The full indexer's Ponder CPU seconds over the reference app's, all rounds of one sitting. */
function cpuRatio(r: Report, lifted = false): string {
  const cpu = (app: Run["app"]) =>
    r.runs
      .filter((x) => x.app === app && x.lifted === lifted)
      .reduce((sum, x) => sum + (x.profile.cpu?.ponderSeconds ?? NaN), 0);
  return (cpu("full") / cpu("transferOnly")).toFixed(2);
}

/** Ponder's count of an RPC method in an app's syncs with one URL, summed over the rounds. */
function rpcOf(r: Report, app: Run["app"], method: string): number {
  return r.runs
    .filter((x) => x.app === app && !x.lifted)
    .reduce((sum, x) => sum + (x.profile.rpc[method]?.count ?? 0), 0);
}

function markdown(r: Report): string {
  const n = (x: number) => x.toLocaleString("en-US");
  const perBlock = (events: number, blocks: number) => Math.round(events / blocks);
  const name = (app: Run["app"]) =>
    app === "full" ? "the full OPG indexer (indexer/)" : "Transfer events only (scripts/bench/indexer/transfer-app/)";
  const rpc = (run: Run, method: string) => run.profile.rpc[method] ?? { count: 0, ms: 0 };
  const s = (ms: number) => (ms / 1000).toFixed(1);
  return `# Indexer benchmark

Written by \`npm run bench:indexer\` (scripts/bench/indexer/run.ts) on ${r.date}. Do not edit: run it again.

Machine: ${r.machine.cpus} × ${r.machine.cpu}, ${r.machine.memoryGb} GB, Node.js ${r.machine.node}; load average
before ${r.machine.loadAverageBefore.join(" / ")}, after ${(r.machine.loadAverageAfter as number[]).join(" / ")} (the machine is shared:
other work runs beside the benchmark; each sync's own 1-minute load is in its row). Database: ${r.database === "postgres" ? "PostgreSQL (DATABASE_URL)" : "PGlite"}.
Chain: a \`hardhat node\` (automine) with the real deployment; Ponder 0.16 with \`disableCache: true\`, the node's RPC URL
listed ${r.settings.rpcCopies} time(s)${r.liftedRatios.length ? ` (and ${r.settings.liftedRpcCopies} times in the sitting with the limit lifted)` : ""}.

## Cold sync to the last block

${n(r.eventsTotal)} events of the OPG contracts (${n(r.transferEvents)} of them OPG Transfers) in ${n(r.blocksWithEvents)} blocks
with events (${n(r.blocks)} blocks from the deployment to the tip): the real protocol's events (an operator, a node, a
model, a deposit, ${n(r.settings.payments)} voucher payments, 12 monthly vesting releases, and the genesis) and Transfers
in bulk from TransferFan.sol, ${r.settings.transfersPerTx} a transaction to a pool of ${n(r.settings.recipients)} recipients.
The two apps run ${r.settings.rounds} times, alternating, each on a fresh database${r.liftedRatios.length ? `: first with the node's URL listed ${r.settings.liftedRpcCopies} times to both apps, which lifts Ponder's limit of requests per URL, then with the one URL of the target` : ""}.

| round | RPC URLs | app | events | sync (s) | events/s | start-up (s) | load before → after |
| ---: | ---: | --- | ---: | ---: | ---: | ---: | --- |
${r.runs
  .map(
    (x) =>
      `| ${x.round} | ${x.urls} | ${name(x.app)} | ${n(x.app === "full" ? r.eventsTotal : r.transferEvents)} | ${x.seconds} | ${n(x.eventsPerSecond)} | ${x.startupSeconds} | ${x.loadBefore} → ${x.loadAfter} |`,
  )
  .join("\n")}

**Full indexer ÷ Transfer-only app, events/s, per round, through one URL: ${r.ratios.map((x) => `${x}x`).join(", ")}.**
${r.liftedRatios.length ? `**The same with the per-URL limit lifted (${r.settings.liftedRpcCopies} URLs): ${r.liftedRatios.map((x) => `${x}x`).join(", ")}.**\n` : ""}
"sync" runs from Ponder's "Started backfill indexing" log line to the first /status (polled every 100 ms) that shows
the tip; "start-up" is the time before it (Ponder's build, the database, the tables).

### Profile (Ponder's /metrics after each sync)

| round | URLs | app | CPU s: Ponder / node | backfill / setup / live, s (live blocks) | backfill indexing steps, s | eth_getLogs | eth_getBlockByNumber | other RPC | all handlers (s) | Transfer handler (s) | flush, all tables / account+transfer (s) | store reads from the database | fetch ("extract") / index ("transform") (s) | live block commits (count, s) | tables written |
| ---: | ---: | --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | --- | --- | ---: |
${r.runs
  .map((x) => {
    const p = x.profile;
    const other = Object.entries(p.rpc)
      .filter(([m]) => m !== "eth_getLogs" && m !== "eth_getBlockByNumber")
      .map(([m, v]) => `${m} ${v.count}`)
      .join(", ");
    const ph = p.phases;
    const phases = ph
      ? `${ph.backfillSeconds.toFixed(1)} / ${ph.setupSeconds.toFixed(1)} / ${ph.liveSeconds.toFixed(1)} (${ph.liveBlocks})`
      : "";
    const cpu = p.cpu ? `${p.cpu.ponderSeconds.toFixed(1)} / ${p.cpu.nodeSeconds.toFixed(1)}` : "";
    const steps = Object.entries(p.transformSteps ?? {})
      .map(([step, ms]) => `${step} ${s(ms)}`)
      .join(", ");
    return `| ${x.round} | ${x.urls} | ${x.app} | ${cpu} | ${phases} | ${steps} | ${rpc(x, "eth_getLogs").count} (${s(rpc(x, "eth_getLogs").ms)} s) | ${rpc(x, "eth_getBlockByNumber").count} (${s(rpc(x, "eth_getBlockByNumber").ms)} s) | ${other} | ${s(p.handlersMs)} | ${s(p.transferHandlerMs)} | ${s(p.flushMs)} / ${s(p.flushTransferTablesMs)} | ${n(p.storeReadsFromDatabase)} | ${s(p.extractMs)} / ${s(p.transformMs)} | ${n(p.commitBlocks)}, ${s(p.commitBlockMs)} | ${p.tables} |`;
  })
  .join("\n")}

RPC durations are summed over requests that overlap (Ponder runs up to 25 at once), so they exceed the sync's time.

"CPU s" is what Ponder's process (its start-up included) and the hardhat node used from Ponder's start to the tip:
on this shared machine the work done, where the wall clock also counts the other agents' work. The phases are from
Ponder's log: the backfill (fetch and index the finalized blocks), the setup after it (indexes, triggers) and live
indexing of the last 30 blocks (Ponder's finality for an unknown chain) to the tip.

What the profile shows (2026-12-06). The Transfer handler does the reference app's database work: one insert and two
upserts a Transfer, no read ("store reads from the database" 0; whether an address is a voting vault comes back from
the balance upsert), no statistics row (the network and daily rows are touched only by mints, burns and moves in or
out of the locked contracts), no \`readContract\`; "Transfer handler" is a few seconds of the sync in both apps, and
neither process is busy for the whole sync (its CPU seconds are about half the wall time, the node's a few). The
backfill waits on Ponder's own limit of requests to the one RPC URL (from 20 a second, raised 5% at a time), so its
length follows the number of requests Ponder makes:
- **More blocks**: ${n(rpcOf(r, "full", "eth_getBlockByNumber") - rpcOf(r, "transferOnly", "eth_getBlockByNumber"))}
  more \`eth_getBlockByNumber\` over the rounds, the blocks with protocol events but no Transfer, which the full
  indexer alone must fetch and index.
- **More \`eth_getLogs\`**: ${n(rpcOf(r, "full", "eth_getLogs") - rpcOf(r, "transferOnly", "eth_getLogs"))} more over the
  rounds: Ponder 0.16 asks once per contract and range, eight contracts here. indexer/src/rpc.ts (the transport
  ponder.config.ts gives Ponder) sends the requests of one range to the node as one (the union of addresses and
  topic0s; each caller gets its own logs, test/indexer/rpc.test.ts): the node scans each range once, as for the
  reference app. Ponder's limit counts them before the transport, though, so the wait for it stays: only Ponder
  can merge them before its limit (it merges a contract's events since \`patches/ponder+0.16.10.patch\`, which cut
  one request per *event* and range, 1,628 here, to one per contract).
- **Live indexing of 30 blocks** commits each block in every table: 41 tables against 2 (\`commit_block\` count),
  one query each per block; Ponder offers no setting for it. **Setup**: the indexes of 41 tables against 2.
At the limit's pace, those extra requests are about the gap in the backfill column. They are the cost of indexing
eight contracts into 41 tables with Ponder 0.16 through one rate-limited URL, not of the handlers. ${
    r.liftedRatios.length
      ? `With the limit lifted for both apps (the rows with ${r.settings.liftedRpcCopies} URLs), the ratio was ${r.liftedRatios.map((x) => `${x}x`).join(", ")}; there Ponder's CPU seconds (the full indexer's ${cpuRatio(r, true)}x the reference app's) and the database's work for 41 tables are the bound.`
      : `With the limit lifted for both apps, Ponder's CPU seconds (the full indexer's ${cpuRatio(r)}x the reference app's here) would be the next bound: not measured in this run (BENCH_LIFTED_RPC_COPIES=0).`
  }

What governs these figures: Ponder fetches every block that has a matching log with its own \`eth_getBlockByNumber\`
request and limits each RPC URL itself (from 20 requests/s, raised 5% at a time), so a cold sync costs about one
rate-limited request per block with events, plus \`eth_getLogs\` per range. Here ${n(r.blocksWithEvents)} blocks carry
about ${n(perBlock(r.eventsTotal, r.blocksWithEvents))} events each, so the events/s figures scale with events per
block: a chain with one event per block would sync far fewer events per second. \`BENCH_RPC_COPIES=8\` lists the URL 8
times and lifts the per-URL limit (several URLs use Ponder's own client, without the merged \`eth_getLogs\`).
${syncCpuSection(r)}
## Latency under load (the synced full indexer, round ${r.settings.rounds})

${r.latency.unlocks.concurrency} concurrent clients, ${n(r.latency.unlocks.requests)} requests per route after 100
warm-up requests, Node's fetch from the same machine, one \`ponder start\` process.

| route | p50 (ms) | p99 (ms) | max (ms) | requests/s |
| --- | ---: | ---: | ---: | ---: |
| \`GET /unlocks/:address\` (the nine genesis beneficiaries and the ecosystem fund in turn) | ${r.latency.unlocks.p50Ms} | ${r.latency.unlocks.p99Ms} | ${r.latency.unlocks.maxMs} | ${n(r.latency.unlocks.requestsPerSecond)} |
| \`GET /payments/:address?limit=50\` (the payer, the operator, the model owner in turn) | ${r.latency.payments.p50Ms} | ${r.latency.payments.p99Ms} | ${r.latency.payments.maxMs} | ${n(r.latency.payments.requestsPerSecond)} |
| (the ceiling: Ponder's \`GET /health\`, no query and no route of ours), before the two routes | ${r.latency.healthBefore.p50Ms} | ${r.latency.healthBefore.p99Ms} | ${r.latency.healthBefore.maxMs} | ${n(r.latency.healthBefore.requestsPerSecond)} |
| the same \`GET /health\`, after them | ${r.latency.health.p50Ms} | ${r.latency.health.p99Ms} | ${r.latency.health.maxMs} | ${n(r.latency.health.requestsPerSecond)} |

The target (issue 13) is 2,000 requests/s with a p99 of 25 ms at most, on one process: ${target("/unlocks/:address", r.latency.unlocks)}; ${target("/payments/:address", r.latency.payments)}.

${
  r.readers
    ? `The same, on two \`ponder serve\` readers of the writer's schema beside it (the writer indexing live), the
requests alternating between them:

| route | p50 (ms) | p99 (ms) | max (ms) | requests/s |
| --- | ---: | ---: | ---: | ---: |
| \`GET /unlocks/:address\` | ${r.readers.unlocks.p50Ms} | ${r.readers.unlocks.p99Ms} | ${r.readers.unlocks.maxMs} | ${n(r.readers.unlocks.requestsPerSecond)} |
| \`GET /payments/:address?limit=50\` | ${r.readers.payments.p50Ms} | ${r.readers.payments.p99Ms} | ${r.readers.payments.maxMs} | ${n(r.readers.payments.requestsPerSecond)} |

The same target, on the two readers together: ${target("/unlocks/:address", r.readers.unlocks)}; ${target("/payments/:address", r.readers.payments)}.
`
    : "(No readers: they need PostgreSQL.)"
}

Answers are kept per indexed state (indexer/src/api/cache.ts, PostgreSQL): after the first ask at a block, an answer
is served from memory before any validation, with no query (the checkpoint is read once per indexed block, see
indexer/README.md). The load generator (Node's fetch) runs on the same ${r.machine.cpus} cores as the indexer, the
database and the node, and takes its share of them: \`/health\` above, Ponder's own route with no work of ours, is the
ceiling of this setup.
${r.cpu ? cpuSection(r.cpu) : ""}
## Live latency

From a block's mining (a token transfer, automine: the block exists when the node answers the transaction) until
\`/stats\` shows it (polled every 5 ms), ${r.live.samples} blocks, 300 ms apart. Ponder polls the node every 100 ms here
(\`pollingInterval\` for chain 31337; 1 s elsewhere), so about 50 ms of the median is the wait for the next poll.

| samples | p50 (ms) | p99 (ms) | max (ms) |
| ---: | ---: | ---: | ---: |
| ${r.live.samples} | ${r.live.p50Ms} | ${r.live.p99Ms} | ${r.live.maxMs} |

## Settings

\`\`\`json
${JSON.stringify(r.settings, null, 2)}
\`\`\`
`;
}

// Exit when done: the shared hardhat node (test/helpers/node.ts) keeps the event loop alive and is stopped by the
// process's "exit" event, so without it the benchmark never ended and left its node running.
main().then(
  () => process.exit(),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
