import { expect } from "chai";
import type { EthereumProvider } from "hardhat/types";

import { pinClock } from "../../scripts/bench/clock";
import { formatEth, settle } from "../../scripts/bench/volume";
import { parseIndexerBench, renderIndexer } from "../../scripts/bench/indexer-report";
import { Measured, TARGETS, judge, largestTransaction } from "../../scripts/bench/targets";
import { perItem } from "../../scripts/bench/report";

/**
 * The arithmetic and checks behind `npm run bench` (scripts/bench/), on made-up figures: what the report says must
 * follow from the measurements, whatever they are. The measurements themselves are the gas scenarios' (budgets.test.ts).
 */
describe("npm run bench: the report's arithmetic", () => {
  describe("settle", () => {
    it("counts whole transactions, rounding a part-filled batch up", () => {
      const [s] = settle(2_000_001n, [{ method: "m", gasPerTransaction: 1_000n, perTransaction: 100n }], 10n);
      expect(s.transactions).to.equal(20_001n);
      expect(s.gas).to.equal(20_001_000n);
      expect(s.wei).to.equal(200_010_000n);
    });

    it("refuses a method that settles nothing, naming it", () => {
      expect(() => settle(1n, [{ method: "empty batch", gasPerTransaction: 1n, perTransaction: 0n }], 1n)).to.throw(
        /empty batch: perTransaction must be positive, got 0/,
      );
    });
  });

  it("formats wei as ETH, rounded to the digits asked", () => {
    expect(formatEth(5_636_540_000_000_000_000n)).to.equal("5.63654");
    expect(formatEth(1_234_567_890_123_456_789_000n, 6)).to.equal("1,234.56789");
    expect(formatEth(582_380_000_000n)).to.equal("0.000001");
    expect(formatEth(0n)).to.equal("0");
  });

  it("shows gas per item whole from 100 up and with two decimals below", () => {
    expect(perItem(3_793_120n, 100_000n)).to.equal("37.93");
    expect(perItem(58_238n, 1_000_000n)).to.equal("0.06");
    expect(perItem(85_802n, 100n)).to.equal("858");
  });

  describe("DESIGN.md's targets", () => {
    /** Every row the targets read, at made-up figures. */
    function measured(gas: Record<string, bigint> = {}): Measured {
      const v = (operation: string, ours: bigint, extra = {}) => ({ group: "vesting", operation, ours, ...extra });
      const p = (operation: string, g: bigint, inferences = 1n) => ({
        operation,
        gas: gas[operation] ?? g,
        inferences,
      });
      return {
        vesting: [
          v("create one schedule (cliff + unlock at start)", 100_000n),
          v("create + delegate locked votes to self, together", 140_000n),
          v("create in a batch of 10, per schedule", 90_000n, { batchGas: 900_000n }),
          v("create in a batch of 100, per schedule", 80_000n, { batchGas: 8_000_000n }),
          v("release again later, beneficiary self-delegated (locked votes to self)", 60_000n),
          v("release again later, beneficiary undelegated", gas.undelegated ?? 50_000n, { openZeppelin: 53_000n }),
        ],
        payments: [
          p("proof: commit one record", 59_000n),
          p(
            "proof: commit one record, the node's first of its coverage period (checks its standing in full)",
            101_000n,
          ),
          p("proof: commit a batch root of 100 records", 55_000n, 100n),
          p("proof: commit a batch root of 10,000 records", 55_000n, 10_000n),
          p("proof: commit a batch root of 1,000,000 records", 55_000n, 1_000_000n),
          p("proof: check inclusion in a 1,000,000-record batch (eth_estimateGas of the view)", 39_000n),
          p("proof: check inclusion in a 1,000,000-record batch (as a transaction)", 39_000n),
          p("proof: check a leaf's inclusion in a 1,000,000-record batch (as a transaction)", 38_000n),
          p("bare: a contract that stores and emits a root of 1,000,000 records", 54_000n, 1_000_000n),
          p("bare: an OpenZeppelin MerkleProof check of depth 20 against a stored root (as a transaction)", 38_000n),
          p("floor: plain ERC-20 (OpenZeppelin, no votes) transfer to a recipient already holding it", 34_000n),
          p("batch of 1 vouchers, 1,000 inferences each", 87_000n, 1_000n),
          p("batch of 10 vouchers, 1,000 inferences each", 420_000n, 10_000n),
          p("batch of 100 vouchers, 1,000 inferences each", 3_700_000n, 100_000n),
        ],
      };
    }
    const verdicts = (m: Measured) => TARGETS.map((t) => [t.operation, judge(t, m).met] as const);

    it("meets every target when every figure is at or under it", () => {
      for (const [operation, met] of verdicts(measured())) expect(met, operation).to.equal(true);
    });

    it("misses a target one gas over it, and only that one", () => {
      const missed = verdicts(measured({ undelegated: 50_001n })).filter(([, met]) => !met);
      expect(missed.map(([o]) => o)).to.deep.equal(["release again later, beneficiary undelegated"]);
    });

    it("says how a figure held to a bare operation compares with the bare one measured in the same run", () => {
      const m = measured();
      const check = "proof: check a leaf's inclusion in a 1,000,000-record batch (as a transaction)";
      m.payments.find((r) => r.operation === check)!.gas = 38_760n;
      const target = TARGETS.find((t) => t.operation.startsWith("check a leaf's inclusion"))!;
      const at = judge(target, m);
      expect(at.met).to.equal(false);
      expect(at.basis).to.include("2.0% above the bare one measured here, 38,000");
    });

    it("misses the batch root target when roots are not flat in N", () => {
      const m = measured();
      m.payments.find((r) => r.operation === "proof: commit a batch root of 1,000,000 records")!.gas = 54_000n;
      m.payments.find((r) => r.operation === "proof: commit a batch root of 100 records")!.gas = 50_000n;
      const root = judge(
        TARGETS.find((t) => t.operation === "commit a batch of N records")!,
        m,
      );
      expect(root.met).to.equal(false);
      expect(root.basis).to.include("flat in N: 5,000 gas apart");
    });

    it("finds the largest transaction from a batch's whole gas, not its gas per item", () => {
      expect(largestTransaction(measured())).to.deep.equal({ operation: "create in a batch of 100", gas: 8_000_000n });
    });

    it("names a measurement it cannot find", () => {
      const m = measured();
      m.payments = m.payments.filter((r) => r.operation !== "proof: commit one record");
      expect(() => verdicts(m)).to.throw(/no payments measurement named "proof: commit one record"/);
    });
  });

  describe("the indexer's figures", () => {
    const good = {
      eventsTotal: 100_000,
      blocks: 500,
      full: { seconds: 40, eventsPerSecond: 2_500 },
      transferOnly: { seconds: 25, eventsPerSecond: 4_000 },
      latency: { unlocks: { p50Ms: 3.2, p99Ms: 12.5, requests: 2_000, concurrency: 16 } },
      database: "PostgreSQL 16",
      date: "2026-11-26T14:00:00Z",
    };

    it("renders the figures with their date", () => {
      const text = renderIndexer(parseIndexerBench(JSON.stringify(good), "x.json"), "x.json").join("\n");
      expect(text).to.include("2026-11-26T14:00:00Z");
      expect(text).to.include("| the OPG indexer (every table) | 40 | 2,500 |");
      expect(text).to.include("| unlocks | 3.2 | 12.5 | 2,000 | 16 |");
      expect(text).to.include("1.60x the time");
    });

    it("averages the runs through one URL, leaving out the sitting with the per-URL limit lifted", () => {
      const run = (app: string, lifted: boolean, seconds: number) => ({
        app,
        lifted,
        seconds,
        eventsPerSecond: 100_000 / seconds,
      });
      const rest: Record<string, unknown> = { ...good };
      delete rest.full;
      delete rest.transferOnly;
      const runs = {
        ...rest,
        runs: [
          run("transferOnly", true, 10),
          run("full", true, 20),
          run("transferOnly", false, 24),
          run("full", false, 30),
          run("transferOnly", false, 26),
          run("full", false, 50),
        ],
      };
      const bench = parseIndexerBench(JSON.stringify(runs), "x.json");
      expect(bench.full).to.deep.equal({ seconds: 40, eventsPerSecond: 2_667 });
      expect(bench.transferOnly).to.deep.equal({ seconds: 25, eventsPerSecond: 4_006 });
    });

    it("says how to produce them when there are none", () => {
      expect(renderIndexer(undefined, "x.json").join("\n")).to.include("npm run bench -- --indexer");
    });

    it("names the field that is wrong", () => {
      const bad = { ...good, full: { seconds: "fast", eventsPerSecond: 1 } };
      expect(() => parseIndexerBench(JSON.stringify(bad), "x.json")).to.throw(
        'x.json: full.seconds should be a number >= 0, got "fast"',
      );
      expect(() => parseIndexerBench("{", "x.json")).to.throw(/x.json: not JSON/);
    });
  });

  describe("the pinned clock", () => {
    /** A provider that records calls and mines at whatever time it was last told. */
    function fakeProvider() {
      const calls: [string, unknown[] | undefined][] = [];
      let latest = 1_000;
      let next: number | undefined;
      const provider = {
        send: async (method: string, params?: unknown[]) => {
          calls.push([method, params]);
          if (method === "eth_getBlockByNumber") return { timestamp: "0x" + latest.toString(16) };
          if (method === "evm_setNextBlockTimestamp") next = params![0] as number;
          if (method === "eth_sendTransaction") latest = next ?? latest + 7; // the wall clock's drift
          return null;
        },
      };
      pinClock(provider as unknown as EthereumProvider);
      return { provider, calls, latest: () => latest };
    }

    it("stamps each block one second after the last", async () => {
      const f = fakeProvider();
      await f.provider.send("eth_sendTransaction", [{}]);
      await f.provider.send("eth_sendTransaction", [{}]);
      expect(f.latest()).to.equal(1_002);
    });

    it("keeps a time the scenario set, and adds a time it skipped", async () => {
      const f = fakeProvider();
      await f.provider.send("evm_setNextBlockTimestamp", [5_000]);
      await f.provider.send("eth_sendTransaction", [{}]);
      expect(f.latest()).to.equal(5_000);
      await f.provider.send("evm_increaseTime", [3_600]);
      await f.provider.send("eth_sendTransaction", [{}]);
      expect(f.latest()).to.equal(5_000 + 3_600 + 1);
      expect(f.calls.some(([m]) => m === "evm_increaseTime")).to.equal(false);
    });
  });
});
