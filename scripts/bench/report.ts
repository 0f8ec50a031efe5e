/**
 * scripts/reports/benchmarks.md from one run's measurements: every figure beside its alternative, each table with
 * the rules, the compiler settings, the date and the command under its heading. Pure: the run is in bench.ts.
 */
import { Measured, TARGETS, TX_CAP, judge, largestTransaction, paymentRow, vestingRow } from "./targets";
import { Method, formatEth, settle } from "./volume";
import type { IndexerBench } from "./indexer-report";
import { renderIndexer } from "./indexer-report";

export interface RunInfo {
  /** The day of the run, YYYY-MM-DD (UTC). */
  date: string;
  hardfork: string;
  hardhat: string;
  solc: string;
  optimizerRuns: number;
  evmVersion: string;
  openZeppelin: string;
  /** The chain's pinned start, ISO. */
  chainStart: string;
  command: string;
}

export interface BenchInput {
  run: RunInfo;
  measured: Measured;
  /** The indexer benchmark's JSON, or undefined when there is none. */
  indexer?: IndexerBench;
  indexerFile: string;
}

/** The network's published volume (issue 7; no period is given with it). */
export const VOLUME = { inferences: 2_000_000n, proofs: 500_000n };
/** An assumption, stated beside every ETH figure: 0.01 gwei, a usual gas price on Base. */
export const GAS_PRICE_WEI = 10_000_000n;
/** The same price in gwei, for the tables: wei * 10^9 read as ETH is the price in gwei. */
const GWEI = `${formatEth(GAS_PRICE_WEI * 10n ** 9n)} gwei`;

/** a / b as "Nx": whole above 10, two decimals below (a record checked in full costs more than one covered). */
const ratio = (a: bigint, b: bigint) =>
  a >= 10n * b ? `${fmt(a / b)}x` : `${(Number(a) / Number(b)).toLocaleString("en-US", { maximumFractionDigits: 2 })}x`;
const fmt = (n: bigint) => n.toLocaleString("en-US");
/** Gas per item: whole gas from 100 up, two decimals below (a batch root per 1,000,000 records is 0.06 a record). */
export const perItem = (gas: bigint, items: bigint) =>
  gas / items >= 100n
    ? fmt(gas / items)
    : (Number(gas) / Number(items)).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const inferences = (n: bigint) => `${fmt(n)} inference${n === 1n ? "" : "s"}`;
const VOUCHER_SIZES = [1n, 100n, 1_000n, 10_000n];
const BATCH_SIZES = [1, 10, 100];
const RECORD_BATCHES = [100n, 10_000n, 1_000_000n];

export function renderBenchmarks(input: BenchInput): string {
  const { run, measured: m } = input;
  const rules =
    `_${run.hardfork} rules · solc ${run.solc}, optimizer ${run.optimizerRuns.toLocaleString("en-US")} runs, ` +
    `evm ${run.evmVersion} · run on ${run.date} · \`${run.command}\`_`;
  const table = (head: string[], align: string[], rows: string[][]) => [
    `| ${head.join(" | ")} |`,
    `| ${align.join(" | ")} |`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ];
  const floorWarm = paymentRow(m, "floor: OPG transfer to a recipient already holding it").gas;
  const times = (gas: bigint, items: bigint) => {
    const ratio = Number(gas) / Number(items) / Number(floorWarm);
    return `${ratio.toLocaleString("en-US", { maximumSignificantDigits: 3 })}x`;
  };

  // Payments: every method of paying for inferences, as one transaction's gas and what it settles.
  const request = paymentRow(m, "open on-chain request: post + commit + fulfil");
  const namedRequest = paymentRow(m, "on-chain request naming its node: post + fulfil");
  const paymentMethods: Method[] = [
    {
      method: "on-chain request open to any node (post + commit + fulfil, the proof record included)",
      gasPerTransaction: request.gas,
      perTransaction: 1n,
    },
    {
      method: "on-chain request naming its node (post + fulfil, the proof record included)",
      gasPerTransaction: namedRequest.gas,
      perTransaction: 1n,
    },
    ...VOUCHER_SIZES.flatMap((size) =>
      BATCH_SIZES.map((batch) => {
        const r = paymentRow(m, `batch of ${batch} vouchers, ${fmt(size)} inferences each`);
        return {
          method: `vouchers for ${inferences(size)}, redeemed ${batch} per transaction`,
          gasPerTransaction: r.gas,
          perTransaction: r.inferences,
        };
      }),
    ),
    ...(
      [
        ["OPG", "OPG"],
        ["plain ERC-20 (OpenZeppelin, no votes)", "plain ERC-20"],
      ] as const
    ).flatMap(([name, short]) => [
      {
        method: `floor: one ${short} transfer per inference, to a holder`,
        gasPerTransaction: paymentRow(m, `floor: ${name} transfer to a recipient already holding it`).gas,
        perTransaction: 1n,
      },
      {
        method: `floor: one ${short} transfer per inference, to a new recipient`,
        gasPerTransaction: paymentRow(m, `floor: ${name} transfer to a new recipient`).gas,
        perTransaction: 1n,
      },
    ]),
  ];
  const single = paymentRow(m, "proof: commit one record");
  const proofMethods: Method[] = [
    { method: "one record per transaction", gasPerTransaction: single.gas, perTransaction: 1n },
    {
      method: "one record, the node's first of its coverage period (checks its standing in full)",
      gasPerTransaction: paymentRow(
        m,
        "proof: commit one record, the node's first of its coverage period (checks its standing in full)",
      ).gas,
      perTransaction: 1n,
    },
    ...RECORD_BATCHES.map((n) => ({
      method: `a batch root per ${fmt(n)} records`,
      gasPerTransaction: paymentRow(m, `proof: commit a batch root of ${fmt(n)} records`).gas,
      perTransaction: n,
    })),
  ];
  const volumeTable = (volume: bigint, methods: Method[]) =>
    table(
      ["method", "gas per transaction", "transactions", "gas", `ETH at ${GWEI} (assumed)`],
      ["---", "---:", "---:", "---:", "---:"],
      settle(volume, methods, GAS_PRICE_WEI).map((s) => [
        s.method,
        fmt(s.gasPerTransaction),
        fmt(s.transactions),
        fmt(s.gas),
        formatEth(s.wei),
      ]),
    );

  const lines = [
    "# Benchmarks: OPG's costs beside the alternatives",
    "",
    `Written by \`${run.command}\` (scripts/bench/bench.ts) from a fresh run on ${run.date}. Every gas figure is a ` +
      `receipt's gasUsed (or, where said, eth_estimateGas) on Hardhat ${run.hardhat}'s in-process network under ` +
      `${run.hardfork} rules, contracts compiled by solc ${run.solc} (optimizer ${run.optimizerRuns.toLocaleString("en-US")} runs, ` +
      `evm ${run.evmVersion}), OpenZeppelin Contracts ${run.openZeppelin}. Each alternative is deployed and measured ` +
      `in the same run, except the Sablier and EAS figures, which are quoted from contracts/DESIGN.md (their npm builds ` +
      `are not installed here). The chain starts at ${run.chainStart} and every block is stamped one second after ` +
      `the last unless a scenario sets the time, and payer keys are derived, not random: the gas figures repeat ` +
      `exactly from run to run (only this date and the indexer's wall-clock figures change).`,
    "",
    "## In short",
    "",
    ...headline(m).map((h) => `- ${h}`),
    "",
    "## contracts/DESIGN.md's cost targets: met or missed",
    "",
    rules,
    "",
    ...table(
      [
        "operation",
        "the alternative",
        "its gas (DESIGN.md)",
        "measured here",
        "ours",
        "target, at most",
        "verdict",
        "basis",
      ],
      ["---", "---", "---:", "---:", "---:", "---:", "---", "---"],
      TARGETS.map((t) => {
        const verdict = judge(t, m);
        return [
          t.operation,
          t.alternative,
          t.quoted,
          t.measuredAlternative ? fmt(t.measuredAlternative(m)) : "-",
          fmt(verdict.ours),
          t.wording ?? fmt(t.limit),
          verdict.met ? "met" : "**missed**",
          verdict.basis,
        ];
      }),
    ),
    "",
    "## Vesting: VestingVault beside OpenZeppelin's VestingWallet",
    "",
    rules,
    "",
    "The terms: 1,000,000 OPG, 10% unlocked at the start, a 12-month cliff, then 36 months linear. OpenZeppelin's " +
      'VestingWallet is one contract per beneficiary: its "create" is deploying a VestingWalletCliff with the same ' +
      "start, cliff and end (it has no unlock at the start) and funding it; its batch is a helper " +
      "(contracts/test/bench/OZVestingWalletBatch.sol) that deploys and funds N wallets in one transaction.",
    "",
    ...table(
      ["operation", "ours (VestingVault)", "OpenZeppelin VestingWallet", "OZ / ours", "what the OZ figure is", "note"],
      ["---", "---:", "---:", "---:", "---", "---"],
      m.vesting
        .filter((r) => r.group === "vesting")
        .map((r) => [
          r.operation,
          fmt(r.ours),
          r.openZeppelin === undefined ? "-" : fmt(r.openZeppelin),
          r.openZeppelin === undefined || r.ours === 0n
            ? "-"
            : `${(Number(r.openZeppelin) / Number(r.ours)).toFixed(2)}x`,
          r.openZeppelinNote ?? (r.openZeppelin === undefined ? "no counterpart" : "the same call"),
          // "OZ: ..." notes are the gas report's short form of what the OZ column already says here.
          r.openZeppelinNote && r.note?.startsWith("OZ") ? "" : (r.note ?? ""),
        ]),
    ),
    "",
    "## Payments: gas per inference",
    "",
    rules,
    "",
    "Vouchers are cumulative and EIP-712 signed; each is redeemed on an open channel (the payer already paid that " +
      "node once), as on a running network, and a batch mixes payers and two nodes. The floor is one token " +
      `transfer per inference; \"x floor\" compares with an OPG transfer to a holder (${fmt(floorWarm)}).`,
    "",
    ...table(
      ["method", "gas per transaction", "inferences", "gas per inference", "x floor"],
      ["---", "---:", "---:", "---:", "---:"],
      [
        ...[
          paymentRow(m, "open on-chain request: post"),
          paymentRow(m, "open on-chain request: commit the answer"),
          paymentRow(m, "open on-chain request: fulfil (pays the node, commits the proof record)"),
          request,
          paymentRow(m, "on-chain request naming its node: post"),
          paymentRow(m, "on-chain request naming its node: fulfil (pays the node, commits the proof record)"),
          namedRequest,
          ...[1n, 100n, 10_000n].map((n) => paymentRow(m, `voucher for ${fmt(n)} inferences, redeemed alone`)),
        ].map((r) => [
          r.operation.replace("1 inferences", "1 inference"),
          fmt(r.gas),
          fmt(r.inferences),
          perItem(r.gas, r.inferences),
          times(r.gas, r.inferences),
        ]),
        ...m.payments
          .filter((r) => r.operation.startsWith("floor: "))
          .map((r) => [r.operation, fmt(r.gas), fmt(r.inferences), fmt(r.gas), times(r.gas, 1n)]),
      ],
    ),
    "",
    "Beside the figures before the redesign of disputes, fees and payments (issues 12 and 17; the committed " +
      "report of 2026-11-26): a voucher in a batch of 100 " +
      `${fmt(paymentRow(m, "batch of 100 vouchers, 1,000 inferences each").gas / 100n)} per voucher against 37,917 ` +
      "(each node's fees now credited to its stakers once per transaction, each node checked once); a request " +
      `naming its node ${fmt(namedRequest.gas)} and an open one ${fmt(request.gas)} (commit included) against ` +
      "281,827 for post + fulfil (the price in force, the escrow per operator, the stake check, the commitment).",
    "",
    "Vouchers in batches (`redeemBatch`), gas per inference (and per transaction):",
    "",
    ...table(
      ["inferences per voucher", ...BATCH_SIZES.map((b) => `batch of ${b}`)],
      ["---:", ...BATCH_SIZES.map(() => "---:")],
      VOUCHER_SIZES.map((size) => [
        fmt(size),
        ...BATCH_SIZES.map((batch) => {
          const r = paymentRow(m, `batch of ${batch} vouchers, ${fmt(size)} inferences each`);
          return `${perItem(r.gas, r.inferences)} (${fmt(r.gas)})`;
        }),
      ]),
    ),
    "",
    "## Proofs: one record beside a batch root",
    "",
    rules,
    "",
    ...table(
      ["method", "gas per transaction", "records", "gas per record", "one record each / this"],
      ["---", "---:", "---:", "---:", "---:"],
      proofMethods.map((p) => [
        p.method,
        fmt(p.gasPerTransaction),
        fmt(p.perTransaction),
        perItem(p.gasPerTransaction, p.perTransaction),
        ratio(single.gas * p.perTransaction, p.gasPerTransaction),
      ]),
    ),
    "",
    "The inclusion check of one record in a 1,000,000-record batch (a proof of 20 siblings, OpenZeppelin's " +
      "double-hashed leaves):",
    "",
    ...table(
      ["how", "gas"],
      ["---", "---:"],
      [
        "proof: check inclusion in a 1,000,000-record batch (eth_estimateGas of the view)",
        "proof: check inclusion in a 1,000,000-record batch (as a transaction)",
      ].map((o) => [o.replace("proof: check inclusion in a 1,000,000-record batch ", ""), fmt(paymentRow(m, o).gas)]),
    ),
    "",
    "A view called off chain (eth_call) costs nothing; the figures are what a transaction, or a contract acting on " +
      "the answer, pays (21,000 of each is the transaction's own base cost).",
    "",
    "A node's commits check that its operator's stake still covers it (own stake per node, and in all) at most once " +
      "per coverage period (an hour): the first commit of a period makes that full check and keeps its result, the " +
      "node's coverage; the others, as on a running node, read the coverage's one slot (contracts/DESIGN.md, " +
      '"Coverage"). The rows above are on a covered node, except the one that says otherwise.',
    "",
    "## Disputes: opening, deciding and expiring a challenge",
    "",
    rules,
    "",
    "A single record challenged with a 100 OPG bond; the operator stakes 60,000 OPG of its own (the slash locked at " +
      "opening is 5% of it). The arbiter's calls are measured from the timelock's address.",
    "",
    ...table(
      ["step", "gas"],
      ["---", "---:"],
      m.payments.filter((r) => r.operation.startsWith("dispute: ")).map((r) => [r.operation.slice(9), fmt(r.gas)]),
    ),
    "",
    "## The network's published volume, settled on chain",
    "",
    rules,
    "",
    `${fmt(VOLUME.inferences)} inferences and ${fmt(VOLUME.proofs)} proofs, the network's published volume as issue 7 ` +
      "gives it (contracts/DESIGN.md states no volume, and no period is given with it). ETH at **an assumed gas " +
      `price of ${GWEI}** (a usual price on Base; L1 data fees not included). ` +
      "A part-filled last batch is counted as a full one.",
    "",
    `Paying for ${fmt(VOLUME.inferences)} inferences:`,
    "",
    ...volumeTable(VOLUME.inferences, paymentMethods),
    "",
    `Committing ${fmt(VOLUME.proofs)} proof records (an on-chain request's fulfilment already commits its own):`,
    "",
    ...volumeTable(VOLUME.proofs, proofMethods),
    "",
    `The cap on one transaction is 2^24 (${fmt(TX_CAP)}) gas; the largest transaction measured is "` +
      `${largestTransaction(m).operation}" at ${fmt(largestTransaction(m).gas)}.`,
    "",
    "## The indexer",
    "",
    ...renderIndexer(input.indexer, input.indexerFile),
    "",
  ];
  return lines.join("\n");
}

/** The figures a reader wants first, each beside its alternative. */
function headline(m: Measured): string[] {
  const v = (o: string) => vestingRow(m, o);
  const p = (o: string) => paymentRow(m, o);
  const x = (a: bigint, b: bigint) =>
    `${(Number(a) / Number(b)).toLocaleString("en-US", { maximumSignificantDigits: 3 })}x`;
  const create = v("create one schedule (cliff + unlock at start)");
  const batch = v("create in a batch of 10, per schedule");
  const release = v("release again later, beneficiary undelegated");
  const voted = v("release again later, beneficiary self-delegated (locked votes to self)");
  const request = p("open on-chain request: post + commit + fulfil");
  const vouchers = p("batch of 100 vouchers, 1,000 inferences each");
  const floor = p("floor: plain ERC-20 (OpenZeppelin, no votes) transfer to a recipient already holding it");
  const single = p("proof: commit one record");
  const root = p("proof: commit a batch root of 1,000,000 records");
  const perTransfer = VOLUME.inferences * floor.gas;
  const perVoucher = ((VOLUME.inferences + vouchers.inferences - 1n) / vouchers.inferences) * vouchers.gas;
  return [
    `Vesting, create one schedule: ${fmt(create.ours)} gas, against ${fmt(create.openZeppelin!)} to deploy and fund ` +
      `an OpenZeppelin VestingWalletCliff (${x(create.openZeppelin!, create.ours)}); in a batch of 10, ` +
      `${fmt(batch.ours)} per schedule against ${fmt(batch.openZeppelin!)} per wallet.`,
    `Vesting, release: ${fmt(release.ours)} against OpenZeppelin's ${fmt(release.openZeppelin!)} for an undelegated ` +
      `beneficiary; ${fmt(voted.ours)} against ${fmt(voted.openZeppelin!)} for one whose locked votes are delegated. ` +
      "Revoke: OpenZeppelin's wallet has none.",
    `Paying for one inference: ${fmt(request.gas)} by an on-chain request open to any node (post + commit + fulfil), ` +
      `${perItem(vouchers.gas, vouchers.inferences)} by vouchers for 1,000 inferences redeemed 100 at a time, ` +
      `against a floor of ${fmt(floor.gas)} for one plain ERC-20 transfer per inference.`,
    `Proofs: ${fmt(single.gas)} for one record, ${fmt(root.gas)} for a root of 1,000,000 records ` +
      `(${perItem(root.gas, root.inferences)} a record).`,
    `${fmt(VOLUME.inferences)} inferences paid one ERC-20 transfer each: ${fmt(perTransfer)} gas; by vouchers for ` +
      `1,000 in batches of 100: ${fmt(perVoucher)} gas (${formatEth(perVoucher * GAS_PRICE_WEI)} ETH at an assumed ` +
      `${GWEI}, against ${formatEth(perTransfer * GAS_PRICE_WEI)}).`,
  ];
}
