import { expect } from "chai";
import hre from "hardhat";

import { GasRow, measureGas } from "./scenarios";
import { ScalingRow, measureStakingGas } from "./staking-scenarios";
import { PaymentGasRow, measurePaymentGas } from "./payments-scenarios";

/**
 * Gas budgets: gas is exact, so these are asserted. The figures and their comparison with OpenZeppelin's
 * VestingWallet are written by `npm run gas` to scripts/reports/gas.md.
 */
const BUDGETS: Record<string, bigint> = {
  "create one schedule (cliff + unlock at start)": 150_000n, // contracts/DESIGN.md target
  "create in a batch of 10, per schedule": 100_000n, // target
  "create in a batch of 100, per schedule": 100_000n, // target
  "release again later, beneficiary self-delegated (locked votes to self)": 70_000n, // target
  // DESIGN.md's target is 50,000; two storage slots of terms plus an ERC20Votes transfer cost 53,070, under
  // OpenZeppelin's VestingWallet (53,253 in DESIGN.md, asserted against the one measured below).
  "release again later, beneficiary undelegated": 53_253n,
  "hand a schedule to a new beneficiary": 35_000n,
};

describe("Gas budgets (token and vesting)", () => {
  let rows: GasRow[];
  before(async () => {
    rows = await measureGas(hre);
  });

  for (const [operation, budget] of Object.entries(BUDGETS)) {
    it(`${operation}: at most ${budget.toLocaleString("en-US")} gas`, () => {
      const row = rows.find((r) => r.operation === operation);
      expect(row, `no measurement named "${operation}"`).to.not.equal(undefined);
      expect(row!.ours).to.be.lte(budget);
    });
  }

  it("a batch of 100 schedules fits well under the 2^24 per-transaction gas cap", () => {
    const row = rows.find((r) => r.operation === "create in a batch of 100, per schedule")!;
    expect(row.ours * 100n).to.be.lt(2n ** 24n / 2n);
  });

  it("creating a schedule costs less than deploying and funding an OpenZeppelin wallet, alone or in a batch", () => {
    for (const operation of [
      "create one schedule (cliff + unlock at start)",
      "create in a batch of 10, per schedule",
    ]) {
      const row = rows.find((r) => r.operation === operation)!;
      expect(row.openZeppelin, operation).to.be.a("bigint");
      expect(row.ours * 5n, operation).to.be.lt(row.openZeppelin!);
    }
    // 100 OpenZeppelin wallets in one transaction would not fit under the cap; ours do.
    const hundred = rows.find((r) => r.operation === "create in a batch of 100, per schedule")!;
    const ozPerWallet = rows.find((r) => r.operation === "create in a batch of 10, per schedule")!.openZeppelin!;
    expect(ozPerWallet * 100n).to.be.gt(2n ** 24n);
    expect(hundred.batchGas).to.be.lt(2n ** 24n);
  });

  it("revoking returns the unvested part at once; OpenZeppelin's wallet needs the beneficiary and a release later", () => {
    const later = rows.find((r) => r.operation.startsWith("after a revocation, recover what vests later"))!;
    expect(later.ours).to.equal(0n);
    expect(later.openZeppelin).to.be.gt(0n);
  });

  it("releasing later costs less than OpenZeppelin's VestingWallet, the beneficiary voting or not", () => {
    for (const operation of [
      "release again later, beneficiary self-delegated (locked votes to self)",
      "release again later, beneficiary undelegated",
    ]) {
      const row = rows.find((r) => r.operation === operation)!;
      expect(row.ours, operation).to.be.lt(row.openZeppelin!);
    }
  });
});

describe("Gas of staking stays flat as stakers and nodes grow", () => {
  const populations = [1, 100];
  let rows: ScalingRow[];
  before(async function () {
    this.timeout(300_000);
    rows = await measureStakingGas(hre, populations);
  });

  it("measures every operation at every population", () => {
    expect(rows.map((r) => r.operation)).to.include.members([
      "stake (an operator's first)",
      "register a node (TEE, one model)",
      "unstake (start a thaw)",
      "withdraw (one request)",
      "claim rewards (operator)",
    ]);
    for (const row of rows) expect(row.gas.length, row.operation).to.equal(populations.length);
  });

  it("costs the same with 100 other operators as with 1 (within 1%)", () => {
    for (const row of rows) {
      const [small, large] = row.gas;
      const spread = large > small ? large - small : small - large;
      expect(spread * 100n, `${row.operation}: ${small} at 1, ${large} at 100`).to.be.lte(small);
    }
  });
});

describe("Gas of payments and proofs", () => {
  let rows: PaymentGasRow[];
  const row = (operation: string) => {
    const found = rows.find((r) => r.operation === operation);
    expect(found, `no measurement named "${operation}"`).to.not.equal(undefined);
    return found!;
  };
  before(async function () {
    this.timeout(300_000);
    rows = await measurePaymentGas(hre);
  });

  it("a voucher for 1,000 inferences costs under 100 gas per inference, in a batch of 10 or 100", () => {
    for (const size of [10, 100]) {
      const r = row(`batch of ${size} vouchers, 1,000 inferences each`);
      expect(r.gas / r.inferences, `batch of ${size}`).to.be.lt(100n);
    }
  });

  it("a voucher for 1,000 inferences costs under 1% of a plain ERC-20 transfer per inference", () => {
    const floor = row("floor: plain ERC-20 (OpenZeppelin, no votes) transfer to a recipient already holding it").gas;
    const opg = row("floor: OPG transfer to a recipient already holding it").gas;
    expect(floor).to.be.lte(opg);
    expect(row("floor: OPG transfer to a new recipient").gas).to.be.gt(opg);
    const r = row("batch of 10 vouchers, 1,000 inferences each");
    expect((r.gas / r.inferences) * 100n).to.be.lt(floor);
  });

  it("a voucher's cost does not depend on how many inferences it covers", () => {
    const one = row("voucher for 1 inferences, redeemed alone").gas;
    const many = row("voucher for 10,000 inferences, redeemed alone").gas;
    expect(many - one).to.be.lt(100n);
  });

  it("a voucher in a batch of 100 costs at most 10% more than before fees were credited per payment (37,917)", () => {
    const r = row("batch of 100 vouchers, 1,000 inferences each");
    expect(r.gas / 100n).to.be.lte((37_917n * 110n) / 100n);
  });

  it("a batch root costs the same whatever the number of records", () => {
    const sizes = ["100", "10,000", "1,000,000"].map((n) => row(`proof: commit a batch root of ${n} records`).gas);
    // On a covered node: the root's slot, its event, and the coverage's one slot, which carries the challenge window
    // too (contracts/DESIGN.md, "Own stake first"). Within 2% of a bare root store (54,077, issue 15).
    for (const g of sizes) expect(g).to.be.lte((54_077n * 102n) / 100n);
    expect(sizes[2] - sizes[0]).to.be.lt(100n);
  });

  it("a verified inference through a voucher for 1,000 and a batch of 1,000,000 proofs costs under 1,000 gas", () => {
    const voucher = row("batch of 10 vouchers, 1,000 inferences each");
    const batch = row("proof: commit a batch root of 1,000,000 records");
    expect(voucher.gas / voucher.inferences + batch.gas / batch.inferences).to.be.lt(1_000n);
  });

  it("one proof record costs at most 60,000 gas on a covered node; an inclusion check stays within its measured budget", () => {
    // The design's target. The full check of the node's standing, once per coverage period, costs about 45,000 more
    // (the node registry's and staking's cold calls and slots, and writing the coverage).
    const covered = row("proof: commit one record").gas;
    expect(covered).to.be.lte(60_000n);
    const checked = row(
      "proof: commit one record, the node's first of its coverage period (checks its standing in full)",
    ).gas;
    expect(checked).to.be.lte(105_000n);
    expect(checked - covered).to.be.gte(20_000n);
    // DESIGN.md's target for the inclusion check is 40,000; see the README for why it is above.
    // Calldata-heavy: under Prague and later rules (EIP-7623's calldata floor) the same call costs more.
    const cancun = (hre.network.config as { hardfork?: string }).hardfork === "cancun";
    const inclusion = row("proof: check inclusion in a 1,000,000-record batch (eth_estimateGas of the view)").gas;
    expect(inclusion).to.be.lte(cancun ? 44_000n : 56_000n);
    // Sent as a transaction it costs no more than the estimate.
    expect(row("proof: check inclusion in a 1,000,000-record batch (as a transaction)").gas).to.be.lte(inclusion);
  });
});
