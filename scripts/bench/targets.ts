/**
 * contracts/DESIGN.md's cost targets ("ours, at most"), each with the figure it quotes for the alternative and how to
 * read ours from a run's measurements. The Sablier and EAS figures are quoted, not measured: their npm builds are
 * not installed here, and nothing may be added. The OpenZeppelin and ERC-20 alternatives are measured in the run.
 */
import type { GasRow } from "../../test/gas/scenarios";
import type { PaymentGasRow } from "../../test/gas/payments-scenarios";

export interface Measured {
  vesting: GasRow[];
  payments: PaymentGasRow[];
}

export interface Target {
  operation: string;
  alternative: string;
  /** The alternative's gas as DESIGN.md quotes it. */
  quoted: string;
  /** The alternative measured in this run, where it can be. */
  measuredAlternative?: (m: Measured) => bigint;
  /** Ours, at most. */
  limit: bigint;
  /** The target as DESIGN.md words it, where it says more than "at most the limit". */
  wording?: string;
  /** Ours, the figure compared with the target. */
  ours: (m: Measured) => bigint;
  /** A condition beyond "at most the limit", with its words for the basis. */
  also?: (m: Measured) => { met: boolean; words: string };
  /** What else the verdict rests on, in a few words. */
  basis?: (ours: bigint, m: Measured) => string;
}

export interface Verdict {
  ours: bigint;
  met: boolean;
  basis: string;
}

/** Ours beside the target: met when at most the limit (and the extra condition, if any, holds). */
export function judge(t: Target, m: Measured): Verdict {
  const ours = t.ours(m);
  const also = t.also?.(m);
  const margin =
    ours <= t.limit ? `${fmt(t.limit - ours)} under` : `${fmt(ours - t.limit)} over (${pct(ours - t.limit, t.limit)})`;
  return {
    ours,
    met: ours <= t.limit && (also?.met ?? true),
    basis: [t.basis?.(ours, m), also?.words, margin].filter(Boolean).join("; "),
  };
}

const fmt = (n: bigint) => n.toLocaleString("en-US");

/** The vesting row of that name; a missing row is an error that names it. */
export function vestingRow(m: Measured, operation: string): GasRow {
  const row = m.vesting.find((r) => r.operation === operation);
  if (!row) throw new Error(`no vesting measurement named "${operation}"`);
  return row;
}

/** The payments or proofs row of that name; a missing row is an error that names it. */
export function paymentRow(m: Measured, operation: string): PaymentGasRow {
  const row = m.payments.find((r) => r.operation === operation);
  if (!row) throw new Error(`no payments measurement named "${operation}"`);
  return row;
}

const perInference = (r: PaymentGasRow) => r.gas / r.inferences;
const pct = (part: bigint, whole: bigint) => `${((Number(part) / Number(whole)) * 100).toFixed(1)}%`;
const BATCH_ROOTS = ["100", "10,000", "1,000,000"].map((n) => `proof: commit a batch root of ${n} records`);

/** The per-transaction gas cap of Ethereum since Osaka and of Hardhat's default network. */
export const TX_CAP = 2n ** 24n;

/** The largest single transaction the run measured, with its name. */
export function largestTransaction(m: Measured): { operation: string; gas: bigint } {
  const all = [
    ...m.payments.map((r) => ({ operation: r.operation, gas: r.gas })),
    ...m.vesting.map((r) => ({ operation: r.operation.replace(", per schedule", ""), gas: r.batchGas ?? r.ours })),
  ];
  return all.reduce((a, b) => (b.gas > a.gas ? b : a));
}

export const TARGETS: Target[] = [
  {
    operation: "create one vesting schedule (cliff + unlock at start), votes token, locked votes included",
    alternative: "Sablier Lockup linear stream",
    quoted: "295,778",
    limit: 150_000n,
    ours: (m) => vestingRow(m, "create + delegate locked votes to self, together").ours,
    basis: (_ours, m) =>
      `create ${fmt(vestingRow(m, "create one schedule (cliff + unlock at start)").ours)} (alone, it meets the ` +
      "target) + delegating the locked votes",
  },
  {
    operation: "create one, per schedule, in a genesis batch",
    alternative: "Sablier batch of 10",
    quoted: "225,181",
    limit: 100_000n,
    ours: (m) => vestingRow(m, "create in a batch of 10, per schedule").ours,
    basis: (_ours, m) =>
      `batch of 10; batch of 100: ${fmt(vestingRow(m, "create in a batch of 100, per schedule").ours)}`,
  },
  {
    operation: "release again later, beneficiary self-delegated",
    alternative: "Sablier withdrawMax",
    quoted: "137,869",
    limit: 70_000n,
    ours: (m) => vestingRow(m, "release again later, beneficiary self-delegated (locked votes to self)").ours,
  },
  {
    operation: "release again later, beneficiary undelegated",
    alternative: "OZ VestingWallet release",
    quoted: "53,253",
    measuredAlternative: (m) => vestingRow(m, "release again later, beneficiary undelegated").openZeppelin!,
    limit: 50_000n,
    ours: (m) => vestingRow(m, "release again later, beneficiary undelegated").ours,
    basis: (ours, m) => {
      const oz = vestingRow(m, "release again later, beneficiary undelegated").openZeppelin!;
      const versus = ours < oz ? `${fmt(oz - ours)} under` : `${fmt(ours - oz)} over`;
      return `two storage slots of terms plus an ERC20Votes transfer; ${versus} OpenZeppelin's, measured here`;
    },
  },
  {
    operation: "commit one proof record",
    alternative: "EAS attest",
    quoted: "322,724",
    limit: 60_000n,
    ours: (m) => paymentRow(m, "proof: commit one record").gas,
    basis: (_ours, m) =>
      "on a covered node (its stake checked in full at most once an hour); the first commit of a coverage period: " +
      fmt(
        paymentRow(m, "proof: commit one record, the node's first of its coverage period (checks its standing in full)")
          .gas,
      ),
  },
  {
    operation: "commit a batch of N records",
    alternative: "EAS multiAttest, per record",
    quoted: "279,695 x N",
    limit: 55_000n,
    wording: "one root: about 55,000 flat in N",
    ours: (m) => BATCH_ROOTS.map((o) => paymentRow(m, o).gas).reduce((a, b) => (b > a ? b : a)),
    also: (m) => ({ met: spread(m) < 100n, words: `flat in N: ${fmt(spread(m))} gas apart` }),
    basis: () =>
      "the largest of N = 100, 10,000, 1,000,000, on a covered node; a bare contract storing and emitting a root: " +
      "54,077 (issue 15)",
  },
  {
    operation: "check a record's inclusion in a 1M-record batch",
    alternative: "(none)",
    quoted: "-",
    limit: 40_000n,
    ours: (m) => paymentRow(m, "proof: check inclusion in a 1,000,000-record batch (eth_estimateGas of the view)").gas,
    basis: (_ours, m) =>
      "eth_estimateGas of the view (as a transaction: " +
      `${fmt(paymentRow(m, "proof: check inclusion in a 1,000,000-record batch (as a transaction)").gas)}); ` +
      "21,000 of it is the transaction itself, the rest 20 siblings of calldata and hashing",
  },
  {
    operation: "pay for one inference by voucher, amortized over 1,000",
    alternative: "one ERC-20 transfer each",
    quoted: "34,465",
    measuredAlternative: (m) =>
      paymentRow(m, "floor: plain ERC-20 (OpenZeppelin, no votes) transfer to a recipient already holding it").gas,
    limit: 100n,
    ours: (m) => perInference(paymentRow(m, "batch of 10 vouchers, 1,000 inferences each")),
    basis: (_ours, m) =>
      "per inference, vouchers for 1,000 in a batch of 10; in a batch of 100: " +
      `${fmt(perInference(paymentRow(m, "batch of 100 vouchers, 1,000 inferences each")))}; a batch of 1: ` +
      `${fmt(perInference(paymentRow(m, "batch of 1 vouchers, 1,000 inferences each")))}`,
  },
  {
    operation: "every transaction, batches included, under 2^24 gas",
    alternative: "-",
    quoted: "-",
    limit: TX_CAP,
    ours: (m) => largestTransaction(m).gas,
    basis: (_ours, m) => `the largest transaction measured: ${largestTransaction(m).operation}`,
  },
];

function spread(m: Measured): bigint {
  const gas = BATCH_ROOTS.map((o) => paymentRow(m, o).gas);
  return gas.reduce((a, b) => (b > a ? b : a)) - gas.reduce((a, b) => (b < a ? b : a));
}
