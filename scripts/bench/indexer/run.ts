/**
 * The indexer benchmark (a script, not a test): `npm run bench:indexer`.
 *
 * On a `hardhat node` with the real deployment it produces BENCH_EVENTS (100,000) events: real protocol activity (an
 * operator, a node and a model, a deposit, voucher payments, monthly vesting releases) and then OPG Transfer events
 * in bulk from a small contract (TransferFan.sol, compiled here with the npm solc) that sends OPG to a pool of
 * recipients in a loop, BENCH_TRANSFERS_PER_TX a transaction. Then it times a cold sync to the last block of
 *   (a) the full OPG indexer (indexer/), and
 *   (b) a minimal Ponder app that indexes only the token's Transfer events (scripts/bench/indexer/transfer-app/),
 * each on a fresh database (PostgreSQL when DATABASE_URL is set, PGlite otherwise), and measures the latency (median
 * and 99th percentile) of /unlocks/:address and /payments/:address under BENCH_CONCURRENCY concurrent clients
 * (BENCH_REQUESTS requests each) against the synced full indexer. Writes scripts/reports/indexer-bench.{md,json}.
 *
 * Settings (environment): BENCH_EVENTS, BENCH_TRANSFERS_PER_TX, BENCH_PAYMENTS, BENCH_REQUESTS, BENCH_CONCURRENCY,
 * BENCH_RPC_COPIES (the node's URL listed that many times in OPG_RPC_URL: Ponder limits each URL on its own),
 * DATABASE_URL.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { performance } from "node:perf_hooks";
import { ContractFactory, Interface, dataSlice, getAddress, id, keccak256, parseEther, toBeHex } from "ethers";

import { ROOT } from "../../../test/helpers/node";
import { System, deployedSystem } from "../../../test/helpers/activity";
import { freshDatabase, startPonder, untilIndexed } from "../../../test/helpers/ponder";

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
};
const databaseServer = process.env.DATABASE_URL || undefined;
// A new database on that server for the run (see freshDatabase: Ponder's sync store is shared by chain id).
let databaseUrl: string | undefined;

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

/** Starts Ponder (the full indexer or the reference app) on a fresh database and times its sync to `tip`. */
async function coldSync(sys: System, tip: number, appDir?: string) {
  const rpc = Array.from({ length: settings.rpcCopies }, () => sys.node.url).join(",");
  const spawned = Date.now();
  const ponder = await startPonder(rpc, sys.deploymentsDir, { databaseUrl, appDir });
  await untilIndexed(ponder, tip, 3_600_000, 100);
  const synced = Date.now();
  // Ponder's own log says when it started to fetch and index: the time before that is its build and database setup.
  const started = ponder
    .output()
    .split("\n")
    .map((line) => {
      try {
        return JSON.parse(line) as { msg?: string; time?: number };
      } catch {
        return {};
      }
    })
    .find((entry) => entry.msg === "Started backfill indexing");
  const syncStart = started?.time ?? spawned;
  return {
    ponder,
    seconds: (synced - syncStart) / 1000,
    startupSeconds: (syncStart - spawned) / 1000,
    wallSeconds: (synced - spawned) / 1000,
  };
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
  const date = new Date().toISOString();
  const loadBefore = os.loadavg();
  log(`settings ${JSON.stringify(settings)}, database ${databaseServer ? "postgres" : "pglite"}`);
  const database = databaseServer ? freshDatabase(databaseServer) : undefined;
  databaseUrl = database?.url;
  const sys = await deployedSystem();
  const created: string[] = [];
  for (const dir of [".ponder", "generated"])
    if (!fs.existsSync(path.join(TRANSFER_APP, dir))) created.push(path.join(TRANSFER_APP, dir));
  let running: { stop(): Promise<void> } | undefined;
  try {
    const produceStart = performance.now();
    await produceEvents(sys);
    const tip = await sys.blockNumber();
    const counts = await countEvents(sys, tip);
    const produceSeconds = (performance.now() - produceStart) / 1000;
    log(`${counts.total} events (${counts.transfers} Transfers) in ${counts.blocksWithEvents} blocks; tip ${tip}`);

    log("cold sync: the full indexer");
    const full = await coldSync(sys, tip);
    running = full.ponder;
    log(`full indexer: ${full.seconds} s`);

    log("latency: /unlocks/:address and /payments/:address");
    const { payer, operator, builder, ecosystem } = sys.accounts;
    const beneficiaries = await Promise.all([1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => sys.provider.getSigner(i)));
    const unlockUrls = [...beneficiaries.map((s) => s.address), ecosystem.address].map(
      (a) => `${full.ponder.url}/unlocks/${a}`,
    );
    const paymentUrls = [payer, operator, builder].map((s) => `${full.ponder.url}/payments/${s.address}?limit=50`);
    await load(unlockUrls, 100, settings.concurrency); // warm-up, not counted
    await load(paymentUrls, 100, settings.concurrency);
    const unlocks = await load(unlockUrls, settings.requests, settings.concurrency);
    const payments = await load(paymentUrls, settings.requests, settings.concurrency);
    log(
      `/unlocks p50 ${unlocks.p50Ms} ms p99 ${unlocks.p99Ms} ms; /payments p50 ${payments.p50Ms} p99 ${payments.p99Ms}`,
    );
    await full.ponder.stop();

    log("cold sync: the Transfer-only app");
    const transferOnly = await coldSync(sys, tip, TRANSFER_APP);
    running = transferOnly.ponder;
    await transferOnly.ponder.stop();
    log(`Transfer-only app: ${transferOnly.seconds} s`);

    const cpus = os.cpus();
    const report = {
      eventsTotal: counts.total,
      transferEvents: counts.transfers,
      blocks: tip - sys.deployment.startBlock + 1,
      blocksWithEvents: counts.blocksWithEvents,
      blocksWithTransfers: counts.blocksWithTransfers,
      full: {
        seconds: full.seconds,
        eventsPerSecond: Math.round(counts.total / full.seconds),
        startupSeconds: full.startupSeconds,
        wallSeconds: full.wallSeconds,
      },
      transferOnly: {
        seconds: transferOnly.seconds,
        eventsPerSecond: Math.round(counts.transfers / transferOnly.seconds),
        startupSeconds: transferOnly.startupSeconds,
        wallSeconds: transferOnly.wallSeconds,
      },
      latency: { unlocks, payments },
      database: database ? "postgres" : "pglite",
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
    await running?.stop();
    await sys.stop();
    database?.drop();
    for (const dir of created) fs.rmSync(dir, { recursive: true, force: true });
  }
}

type Report = {
  eventsTotal: number;
  transferEvents: number;
  blocks: number;
  blocksWithEvents: number;
  blocksWithTransfers: number;
  full: { seconds: number; eventsPerSecond: number; startupSeconds: number; wallSeconds: number };
  transferOnly: { seconds: number; eventsPerSecond: number; startupSeconds: number; wallSeconds: number };
  latency: Record<"unlocks" | "payments", Awaited<ReturnType<typeof load>>>;
  database: string;
  date: string;
  machine: Record<string, unknown> & { cpus: number; cpu: string; loadAverageBefore: number[] };
  settings: typeof settings & { produceSeconds: number };
};

function markdown(r: Report): string {
  const n = (x: number) => x.toLocaleString("en-US");
  const perBlock = (events: number, blocks: number) => Math.round(events / blocks);
  return `# Indexer benchmark

Written by \`npm run bench:indexer\` (scripts/bench/indexer/run.ts) on ${r.date}. Do not edit: run it again.

Machine: ${r.machine.cpus} × ${r.machine.cpu}, ${r.machine.memoryGb} GB, Node.js ${r.machine.node}; load average
before ${r.machine.loadAverageBefore.join(" / ")}, after ${(r.machine.loadAverageAfter as number[]).join(" / ")} (the machine is shared:
other work runs beside the benchmark). Database: ${r.database === "postgres" ? "PostgreSQL (DATABASE_URL)" : "PGlite"}.
Chain: a \`hardhat node\` (automine) with the real deployment; Ponder 0.16 with \`disableCache: true\`, one RPC URL listed
${r.settings.rpcCopies} time(s).

## Cold sync to the last block

${n(r.eventsTotal)} events of the OPG contracts (${n(r.transferEvents)} of them OPG Transfers) in ${n(r.blocksWithEvents)} blocks
with events (${n(r.blocks)} blocks from the deployment to the tip): the real protocol's events (an operator, a node, a
model, a deposit, ${n(r.settings.payments)} voucher payments, 12 monthly vesting releases, and the genesis) and Transfers
in bulk from TransferFan.sol, ${r.settings.transfersPerTx} a transaction to a pool of ${n(r.settings.recipients)} recipients.

| app | events | sync (s) | events/s | start-up before the sync (s) |
| --- | ---: | ---: | ---: | ---: |
| the full OPG indexer (indexer/) | ${n(r.eventsTotal)} | ${r.full.seconds} | ${n(r.full.eventsPerSecond)} | ${r.full.startupSeconds} |
| Transfer events only (scripts/bench/indexer/transfer-app/) | ${n(r.transferEvents)} | ${r.transferOnly.seconds} | ${n(r.transferOnly.eventsPerSecond)} | ${r.transferOnly.startupSeconds} |

"sync" runs from Ponder's "Started backfill indexing" log line to the first /status (polled every 100 ms) that shows
the tip; "start-up" is the time before it (Ponder's build, the database, the tables).

What governs these figures: Ponder fetches every block that has a matching log with its own \`eth_getBlockByNumber\`
request and limits each RPC URL itself (from 20 requests/s, raised 5% at a time), so a cold sync costs about one
rate-limited request per block with events, plus \`eth_getLogs\` per range; the handlers themselves are rarely the
limit. Here ${n(r.blocksWithEvents)} blocks carry about ${n(perBlock(r.eventsTotal, r.blocksWithEvents))} events each, so
the events/s figures scale with events per block: a chain with one event per block would sync far fewer events per
second. The last 30 blocks (Ponder's finality on chain 31337) are indexed live, one block at a time.
The full indexer runs a handler per event of eight contracts (a row per event and upserts of the state tables),
the reference app two upserts and an insert per Transfer. \`BENCH_RPC_COPIES=8\` lists the URL 8 times and lifts the
per-URL limit.

## Latency under load (the synced full indexer)

${r.latency.unlocks.concurrency} concurrent clients, ${n(r.latency.unlocks.requests)} requests per route after 100
warm-up requests, Node's fetch from the same machine.

| route | p50 (ms) | p99 (ms) | max (ms) | requests/s |
| --- | ---: | ---: | ---: | ---: |
| \`GET /unlocks/:address\` (the nine genesis beneficiaries and the ecosystem fund in turn) | ${r.latency.unlocks.p50Ms} | ${r.latency.unlocks.p99Ms} | ${r.latency.unlocks.maxMs} | ${n(r.latency.unlocks.requestsPerSecond)} |
| \`GET /payments/:address?limit=50\` (the payer, the operator, the model owner in turn) | ${r.latency.payments.p50Ms} | ${r.latency.payments.p99Ms} | ${r.latency.payments.maxMs} | ${n(r.latency.payments.requestsPerSecond)} |

## Settings

\`\`\`json
${JSON.stringify(r.settings, null, 2)}
\`\`\`
`;
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
