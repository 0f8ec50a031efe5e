/*
PaymentsEscrow (invariants)
├── random sequences of up to 25 actions by 3 payers, against 2 nodes of different operators (4 channels per payer:
│   node 1 none and TEE for model A, node 2 none for models A and B): deposit, thaw (0 cancels, sometimes above the
│   balance), withdraw, sign a voucher (the channel's largest cumulative amount plus an increment, sometimes
│   backdated, sometimes short-lived), redeem (the newest voucher of a channel, or any older one: a replay; now and
│   then with a forged signature), redeem a batch of such vouchers, post a request (any node or a chosen one; caps
│   of 0, below the price, or above what is available), fulfil (the right node, the wrong one, or a stranger),
│   reclaim, collect node fees / royalties / protocol fees, heartbeat, advance time (1 s to 3 days, or just past the
│   next thaw end or request deadline); runs start with 50 OPG per payer, two open requests and one thaw; every
│   action's outcome is predicted from the views and the ghost state: the exact events with their values, or the exact
│   custom error with its arguments; after every action:
│   ├── every token is accounted for: balanceOf(escrow) == Σ payer balances + Σ open request caps + Σ nodeFeesOf +
│   │   Σ royaltiesOf + protocolFeesPending; and thawing <= balance for every payer
│   ├── vouchers: for every channel, redeemedOf never decreases and never exceeds the largest cumulative amount
│   │   signed for it
│   ├── requests: each is paid (RequestFulfilled) or refunded (RequestReclaimed) at most once, never both, and its
│   │   stored status agrees with the events seen
│   ├── spending: for each payer, Σ PaymentCollected gross == deposited − withdrawn − balance − its open caps ==
│   │   Σ redeemedOf over its channels + Σ request payments; so Σ gross == Σ payers' spending
│   └── supply: totalSupply == genesis − Σ protocol fees flushed (burned)
└── a voucher signed before a thaw, redeemed before the thaw ends (random deposit, voucher amount, thaw amount,
    a request and a voucher issued after the thaw redeemed before or after it, random delays):
    ├── it is paid min(owed, balance): the thaw shields nothing from it; in full whenever the balance covers it
    ├── the voucher issued after the thaw never takes the thawing funds
    └── the withdrawal pays only what is left of the thaw after the older voucher was paid
*/

import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { ContractTransactionReceipt, ContractTransactionResponse, LogDescription } from "ethers";
import fc from "fast-check";

import {
  ModelRegistry__factory,
  NodeRegistry__factory,
  OPG__factory,
  PaymentsEscrow__factory,
  ProofRegistry__factory,
  Staking__factory,
} from "../../typechain-types";
import { opg } from "../../deploy/lib/format";
import { VOUCHER_TYPES } from "../../deploy/lib/vouchers";

const { ZeroAddress, ZeroHash, MaxUint256, id } = ethers;

const HOUR = 3_600n;
const DAY = 86_400n;
const MONTH = 2_629_800n;
const PPM = 1_000_000n;
const REWARDS_TOTAL = opg(100_000_000n);
const GENESIS_SUPPLY = opg(1_000_000_000n);
const FUNDS = opg(1_000_000n);
const GAS = 2_000_000n;
/** Short, within their bounds, so that thaws end and nodes go stale within a sequence. */
const THAWING_PERIOD = DAY;
const LIVENESS_WINDOW = DAY;
/** What each payer deposits in the fixture; payers 0 and 1 then lock a request cap each, payer 2 thaws a part. */
const SEED = opg(50n);
const SEED_REQUESTS = [opg(5n), opg(4n)];
const SEED_THAW = opg(20n);
const NUM_RUNS = Number(process.env.PAYMENTS_INVARIANT_RUNS ?? 25);
const SEED_OPTION = process.env.PAYMENTS_INVARIANT_SEED ? { seed: Number(process.env.PAYMENTS_INVARIANT_SEED) } : {};

const Mode = { None: 0, Tee: 1, Zk: 2 } as const;
const Kind = { Voucher: 0n, Request: 1n } as const;
const Status = { None: 0n, Open: 1n, Fulfilled: 2n, Reclaimed: 3n } as const;
const Eligibility = { Eligible: 0n, Stale: 4n, ModeNotOffered: 5n, ModelNotServed: 6n } as const;

const MODEL_A = id("weights:llama-3-8b");
const MODEL_B = id("weights:mistral-7b");
const ROYALTY = { [MODEL_A]: 50_000n, [MODEL_B]: 20_000n } as Record<string, bigint>;
const FEE_PPM = 10_000n;
const MEASUREMENT = id("enclave:mrenclave:v1");
const PRICES: [bigint, bigint, bigint][] = [
  [opg(1n), opg(3n), 0n],
  [opg(2n), 0n, 0n],
];

/** The channels of each payer: node index, model, mode. */
const CHANNELS = [
  { node: 0, model: MODEL_A, mode: Mode.None },
  { node: 0, model: MODEL_A, mode: Mode.Tee },
  { node: 1, model: MODEL_A, mode: Mode.None },
  { node: 1, model: MODEL_B, mode: Mode.None },
] as const;

interface Voucher {
  payer: string;
  nodeId: bigint;
  modelId: string;
  mode: number;
  cumulativeAmount: bigint;
  issuedAt: bigint;
  expiry: bigint;
}

/*//////////////////////////////////////////////////////////////////////////
                                    FIXTURE
//////////////////////////////////////////////////////////////////////////*/

async function deployInvariantFixture() {
  const [deployer, admin, builder, builder2, operator, operator2, delegator, p0, p1, p2, stranger] =
    await ethers.getSigners();
  const payers = [p0, p1, p2];
  const token = await new OPG__factory(deployer).deploy(admin.address);
  const staking = await new Staking__factory(deployer).deploy(
    token,
    admin.address,
    REWARDS_TOTAL,
    BigInt(await time.latest()) + 1n,
    96n * MONTH,
  );
  await token.connect(admin).transfer(staking, REWARDS_TOTAL);
  const models = await new ModelRegistry__factory(deployer).deploy(admin.address);
  const nodes = await new NodeRegistry__factory(deployer).deploy(models, staking, admin.address);
  const proofs = await new ProofRegistry__factory(deployer).deploy(token, nodes, staking, admin.address);
  const escrow = await new PaymentsEscrow__factory(deployer).deploy(
    token,
    nodes,
    models,
    staking,
    proofs,
    admin.address,
    ZeroAddress,
  );
  const [escrowAddress, stakingAddress] = await Promise.all([escrow.getAddress(), staking.getAddress()]);
  await proofs.connect(admin).grantRole(await proofs.RECORDER_ROLE(), escrowAddress);
  await staking.connect(admin).grantRole(await staking.SLASHER_ROLE(), await proofs.getAddress());
  await nodes.connect(admin).setTeeMeasurementApproval(MEASUREMENT, true);
  await nodes.connect(admin).setLivenessWindow(LIVENESS_WINDOW);
  await escrow.connect(admin).setWithdrawalThawingPeriod(THAWING_PERIOD);
  await models.connect(builder).registerModel(MODEL_A, "ipfs://a", ROYALTY[MODEL_A]);
  await models.connect(builder2).registerModel(MODEL_B, "ipfs://b", ROYALTY[MODEL_B]);

  for (const s of [operator, operator2, delegator, ...payers]) await token.connect(admin).transfer(s.address, FUNDS);
  for (const s of [operator, operator2, delegator]) await token.connect(s).approve(stakingAddress, MaxUint256);
  for (const s of payers) await token.connect(s).approve(escrowAddress, MaxUint256);

  await staking.connect(operator).stake(opg(60_000n));
  await staking.connect(operator).setDelegationCut(200_000n);
  const nodeId1 = await nodes.nextNodeId();
  await nodes.connect(operator).registerNode(
    {
      metadataURI: "https://node-1.example",
      modes: 3,
      teeMeasurement: MEASUREMENT,
      capacity: 16n,
      prices: PRICES[0],
    },
    [MODEL_A],
  );
  await staking.connect(delegator).delegate(operator.address, opg(20_000n));
  await staking.connect(operator2).stake(opg(10_000n));
  const nodeId2 = await nodes.nextNodeId();
  await nodes
    .connect(operator2)
    .registerNode(
      { metadataURI: "https://node-2.example", modes: 1, teeMeasurement: ZeroHash, capacity: 8n, prices: PRICES[1] },
      [MODEL_A, MODEL_B],
    );
  for (const s of payers) await escrow.connect(s).deposit(s.address, SEED);
  // Something to act on from the first step: two open requests and a thaw in progress.
  const now = BigInt(await time.latest());
  await escrow.connect(p0).postRequest(MODEL_A, id("input:1"), Mode.None, SEED_REQUESTS[0], now + 2n * DAY, 0n);
  await escrow.connect(p1).postRequest(MODEL_A, id("input:2"), Mode.Tee, SEED_REQUESTS[1], now + DAY, nodeId1);
  await escrow.connect(p2).thaw(SEED_THAW);

  return {
    token,
    staking,
    models,
    nodes,
    proofs,
    escrow,
    escrowAddress,
    stakingAddress,
    domain: await (async () => {
      const [, name, version, chainId, verifyingContract] = await escrow.eip712Domain();
      return { name, version, chainId, verifyingContract };
    })(),
    nodeIds: [nodeId1, nodeId2],
    operators: [operator, operator2],
    owners: { [MODEL_A]: builder, [MODEL_B]: builder2 } as Record<string, HardhatEthersSigner>,
    builders: [builder, builder2],
    payers,
    stranger,
    admin,
  };
}

type Fixture = Awaited<ReturnType<typeof deployInvariantFixture>>;

/*//////////////////////////////////////////////////////////////////////////
                                GHOSTS AND ACTIONS
//////////////////////////////////////////////////////////////////////////*/

interface Signed {
  v: Voucher;
  signature: string;
}

interface Ghosts {
  /** Every voucher signed, per channel key `payer:channel`, in the order signed (cumulative amounts grow). */
  signed: Map<string, Signed[]>;
  /** redeemedOf per channel as last seen. */
  redeemed: Map<string, bigint>;
  deposited: bigint[];
  withdrawn: bigint[];
  /** Σ PaymentCollected gross per payer, and the part paid for requests. */
  gross: bigint[];
  requestGross: bigint[];
  /** RequestFulfilled and RequestReclaimed seen per request id. */
  fulfilled: Map<bigint, number>;
  reclaimed: Map<bigint, number>;
  requestIds: bigint[];
  burned: bigint;
  steps: number;
  /** Pre-thaw vouchers paid (at least partly) from thawing funds before the thaw ended. */
  preThawPaid: number;
}

function freshGhosts(): Ghosts {
  return {
    signed: new Map(),
    redeemed: new Map(),
    deposited: [SEED, SEED, SEED],
    withdrawn: [0n, 0n, 0n],
    gross: [0n, 0n, 0n],
    requestGross: [0n, 0n, 0n],
    fulfilled: new Map(),
    reclaimed: new Map(),
    requestIds: [1n, 2n],
    burned: 0n,
    steps: 0,
    preThawPaid: 0,
  };
}

interface RedeemPick {
  p: number;
  ch: number;
  /** null: the newest voucher of the channel; a number: any voucher signed so far (mostly an older one). */
  pick: number | null;
  forge: boolean;
}

type Action =
  | { kind: "deposit"; p: number; amount: bigint }
  | { kind: "thaw"; p: number; fraction: bigint }
  | { kind: "withdraw"; p: number; pick: boolean }
  | { kind: "sign"; p: number; ch: number; increment: bigint; backdate: bigint; short: boolean }
  | ({ kind: "redeem" } & RedeemPick)
  | { kind: "batch"; items: RedeemPick[] }
  | { kind: "post"; p: number; model: number; mode: number; cap: bigint; seconds: bigint; node: number }
  | { kind: "fulfil"; pick: number | null; node: "match" | 0 | 1; stranger: boolean }
  | { kind: "reclaim"; pick: number | null; byPayer: boolean }
  | { kind: "collect"; what: number }
  | { kind: "heartbeat"; node: number }
  | { kind: "advance"; seconds: bigint; to: "thaw end" | "deadline" | null };

const payerArb = fc.integer({ min: 0, max: 2 });
const channelArb = fc.integer({ min: 0, max: CHANNELS.length - 1 });
const amountArb = fc.oneof(
  { weight: 1, arbitrary: fc.bigInt({ min: 1n, max: opg(1n) }) },
  { weight: 4, arbitrary: fc.bigInt({ min: opg(1n), max: opg(40n) }) },
);
/** For vouchers: the newest of the channel half of the time, otherwise any voucher signed so far (a replay). */
const pickArb = fc.option(fc.nat(), { freq: 2 });
/** For requests: mostly the newest open one, sometimes any (often closed). */
const requestPickArb = fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: fc.nat() });
const forgeArb = fc.oneof({ weight: 12, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) });
const redeemPickArb = fc.record({ p: payerArb, ch: channelArb, pick: pickArb, forge: forgeArb });
/** Above PPM: more than the balance, which must revert. */
const thawFractionArb = fc.oneof(
  { weight: 2, arbitrary: fc.bigInt({ min: 1n, max: PPM }) },
  { weight: 2, arbitrary: fc.constant(PPM) },
  { weight: 1, arbitrary: fc.constant(0n) },
  { weight: 1, arbitrary: fc.constant(PPM + 1n) },
);
/** -1: one wei above what is available, 0: zero; otherwise an amount, often below the node's price. */
const capArb = fc.oneof(
  { weight: 1, arbitrary: fc.constant(-1n) },
  { weight: 1, arbitrary: fc.constant(0n) },
  { weight: 2, arbitrary: fc.bigInt({ min: 1n, max: opg(4n) }) },
  { weight: 5, arbitrary: fc.bigInt({ min: opg(3n), max: opg(20n) }) },
);
const secondsArb = fc.oneof(
  fc.bigInt({ min: 1n, max: HOUR }),
  fc.bigInt({ min: 1n, max: DAY }),
  fc.bigInt({ min: 1n, max: 3n * DAY }),
);

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("deposit" as const), p: payerArb, amount: amountArb }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("thaw" as const), p: payerArb, fraction: thawFractionArb }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("withdraw" as const),
      p: payerArb,
      // Mostly a payer whose thaw has ended, when there is one.
      pick: fc.oneof({ weight: 3, arbitrary: fc.constant(true) }, fc.constant(false)),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("sign" as const),
      p: payerArb,
      ch: channelArb,
      increment: amountArb,
      backdate: fc.oneof({ weight: 3, arbitrary: fc.constant(0n) }, fc.bigInt({ min: 1n, max: 2n * DAY })),
      short: fc.oneof({ weight: 4, arbitrary: fc.constant(false) }, fc.constant(true)),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant("redeem" as const),
      p: payerArb,
      ch: channelArb,
      pick: pickArb,
      forge: forgeArb,
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("batch" as const),
      items: fc.array(redeemPickArb, { minLength: 1, maxLength: 5 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("post" as const),
      p: payerArb,
      model: fc.integer({ min: 0, max: 1 }),
      mode: fc.integer({ min: 0, max: 1 }),
      cap: capArb,
      seconds: fc.bigInt({ min: 1n, max: 2n * DAY }),
      node: fc.oneof({ weight: 3, arbitrary: fc.constant(-1) }, fc.integer({ min: 0, max: 1 })),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("fulfil" as const),
      pick: requestPickArb,
      node: fc.oneof({ weight: 4, arbitrary: fc.constant("match" as const) }, fc.constantFrom(0 as const, 1 as const)),
      stranger: fc.oneof({ weight: 10, arbitrary: fc.constant(false) }, fc.constant(true)),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("reclaim" as const), pick: requestPickArb, byPayer: fc.boolean() }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("collect" as const), what: fc.integer({ min: 0, max: 4 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("heartbeat" as const), node: fc.integer({ min: 0, max: 1 }) }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant("advance" as const),
      seconds: secondsArb,
      // Now and then just past the next thaw end or request deadline (when there is one), plus `seconds` % 60.
      to: fc.oneof(
        { weight: 2, arbitrary: fc.constant(null) },
        { weight: 1, arbitrary: fc.constantFrom("thaw end" as const, "deadline" as const) },
      ),
    }),
  },
);

/*//////////////////////////////////////////////////////////////////////////
                                    HELPERS
//////////////////////////////////////////////////////////////////////////*/

const sum = (xs: readonly bigint[]) => xs.reduce((a, b) => a + b, 0n);
const min = (a: bigint, b: bigint) => (a < b ? a : b);
const key = (p: number, ch: number) => `${p}:${ch}`;

function split(gross: bigint, royaltyPpm: bigint) {
  const fee = (gross * FEE_PPM) / PPM;
  const royalty = (gross * royaltyPpm) / PPM;
  return { fee, royalty, node: gross - fee - royalty };
}

interface AccountState {
  balance: bigint;
  thawing: bigint;
  thawStartedAt: bigint;
  thawEndsAt: bigint;
}

async function accountOf(f: Fixture, p: number): Promise<AccountState> {
  const a = await f.escrow.getAccount(f.payers[p].address);
  return { balance: a.balance, thawing: a.thawing, thawStartedAt: a.thawStartedAt, thawEndsAt: a.thawEndsAt };
}

function escrowEvents(f: Fixture, receipt: ContractTransactionReceipt): LogDescription[] {
  return receipt.logs
    .filter((l) => l.address.toLowerCase() === f.escrowAddress.toLowerCase())
    .map((l) => f.escrow.interface.parseLog(l)!);
}

const asRow = (e: LogDescription) => [e.name, ...e.args];

/** Updates the ghost totals from the escrow's events of a transaction. */
function record(f: Fixture, g: Ghosts, events: LogDescription[]) {
  const payerIndex = (a: string) => f.payers.findIndex((s) => s.address === a);
  for (const e of events) {
    switch (e.name) {
      case "Deposited":
        g.deposited[payerIndex(e.args.payer)] += e.args.amount;
        break;
      case "Withdrawn":
        g.withdrawn[payerIndex(e.args.payer)] += e.args.amount;
        break;
      case "PaymentCollected": {
        const i = payerIndex(e.args.payer);
        expect(e.args.nodeShare + e.args.royalty + e.args.protocolFee).to.equal(e.args.gross);
        g.gross[i] += e.args.gross;
        if (e.args.kind === Kind.Request) g.requestGross[i] += e.args.gross;
        break;
      }
      case "RequestFulfilled":
        g.fulfilled.set(e.args.requestId, (g.fulfilled.get(e.args.requestId) ?? 0) + 1);
        break;
      case "RequestReclaimed":
        g.reclaimed.set(e.args.requestId, (g.reclaimed.get(e.args.requestId) ?? 0) + 1);
        break;
      case "ProtocolFeesFlushed":
        g.burned += e.args.amount;
        break;
    }
  }
}

type Outcome = { revert: string; args: unknown[] } | { events: unknown[][] };

/**
 * Sends a transaction mined at the pinned second and asserts its predicted outcome: the exact custom error and
 * arguments, or the exact list of the escrow's events. Returns the label, with the error's name after ": ".
 */
async function settle(
  f: Fixture,
  g: Ghosts,
  label: string,
  send: (overrides: { gasLimit: bigint }) => Promise<ContractTransactionResponse>,
  outcome: Outcome,
): Promise<string> {
  if ("revert" in outcome) {
    const assertion = expect(send({ gasLimit: GAS }), label).to.be.revertedWithCustomError(f.escrow, outcome.revert);
    if (outcome.args.length > 0) await assertion.withArgs(...outcome.args);
    else await assertion;
    return `${label}: ${outcome.revert}`;
  }
  const tx = await send({ gasLimit: GAS });
  const events = escrowEvents(f, (await tx.wait())!);
  expect(events.map(asRow), label).to.deep.equal(outcome.events);
  record(f, g, events);
  return label;
}

async function signVoucher(f: Fixture, signer: HardhatEthersSigner, v: Voucher): Promise<string> {
  return signer.signTypedData(f.domain, VOUCHER_TYPES, v);
}

/** Signs the next voucher of a channel: its largest cumulative amount plus `increment`. */
async function signNext(
  f: Fixture,
  g: Ghosts,
  p: number,
  ch: number,
  increment: bigint,
  backdate = 0n,
  short = false,
): Promise<Signed> {
  const latest = BigInt(await time.latest());
  const list = g.signed.get(key(p, ch)) ?? [];
  const top = list.length > 0 ? list[list.length - 1].v.cumulativeAmount : 0n;
  const c = CHANNELS[ch];
  const v: Voucher = {
    payer: f.payers[p].address,
    nodeId: f.nodeIds[c.node],
    modelId: c.model,
    mode: c.mode,
    cumulativeAmount: top + increment,
    issuedAt: latest - backdate,
    expiry: latest + (short ? HOUR : 60n * DAY),
  };
  const signed = { v, signature: await signVoucher(f, f.payers[p], v) };
  g.signed.set(key(p, ch), [...list, signed]);
  return signed;
}

/** The voucher a pick names, signing one when there is none yet; with its channel. */
async function choose(f: Fixture, g: Ghosts, r: RedeemPick): Promise<{ s: Signed; p: number; ch: number }> {
  if (r.pick !== null) {
    const all = [...g.signed.entries()].flatMap(([k, list]) => list.map((s) => ({ k, s })));
    if (all.length > 0) {
      const { k, s } = all[r.pick % all.length];
      const [p, ch] = k.split(":").map(Number);
      return { s, p, ch };
    }
  }
  const list = g.signed.get(key(r.p, r.ch));
  if (list && list.length > 0) return { s: list[list.length - 1], p: r.p, ch: r.ch };
  return { s: await signNext(f, g, r.p, r.ch, opg(2n)), p: r.p, ch: r.ch };
}

/** What redeeming `v` at `t` does to an account and channel: the error and its arguments, or what it pays. */
function predictRedeem(
  v: Voucher,
  forged: boolean,
  t: bigint,
  account: AccountState,
  redeemed: bigint,
): { error: string; args: unknown[] } | { paid: bigint } {
  if (v.expiry < t) return { error: "EscrowVoucherExpired", args: [v.expiry] };
  if (v.issuedAt > t) return { error: "EscrowVoucherFromTheFuture", args: [v.issuedAt] };
  if (forged) return { error: "EscrowInvalidSignature", args: [v.payer] };
  if (v.cumulativeAmount <= redeemed) return { error: "EscrowNothingOwed", args: [v.cumulativeAmount, redeemed] };
  // A voucher issued before the thaw started may take the thawing funds; a later one only the rest.
  const available = v.issuedAt < account.thawStartedAt ? account.balance : account.balance - account.thawing;
  const owed = v.cumulativeAmount - redeemed;
  const paid = min(owed, available);
  if (paid === 0n) return { error: "EscrowInsufficientBalance", args: [available, owed] };
  return { paid };
}

/** Applies a redemption to a local copy of an account; counts a pre-thaw voucher taking thawing funds. */
function applyRedeem(g: Ghosts, v: Voucher, t: bigint, account: AccountState, paid: bigint) {
  if (v.issuedAt < account.thawStartedAt && t < account.thawEndsAt && paid > account.balance - account.thawing) {
    g.preThawPaid++;
  }
  account.balance -= paid;
  if (account.thawing > account.balance) account.thawing = account.balance;
}

function paymentRow(f: Fixture, v: Voucher, node: number, paid: bigint, kind: bigint = Kind.Voucher) {
  const s = split(paid, ROYALTY[v.modelId]);
  return [
    "PaymentCollected",
    v.payer,
    v.nodeId,
    v.modelId,
    f.operators[node].address,
    f.owners[v.modelId].address,
    BigInt(v.mode),
    kind,
    paid,
    s.node,
    s.royalty,
    s.fee,
  ];
}

/** Why a node cannot serve a model with a mode at `t` (only the reasons these sequences can reach). */
async function eligibilityAt(f: Fixture, node: number, modelId: string, mode: number, t: bigint): Promise<bigint> {
  const n = await f.nodes.getNode(f.nodeIds[node]);
  if (n.lastSeen + (await f.nodes.livenessWindow()) < t) return Eligibility.Stale;
  if ((Number(n.modes) & (1 << mode)) === 0) return Eligibility.ModeNotOffered;
  if (!(await f.nodes.servesModel(f.nodeIds[node], modelId))) return Eligibility.ModelNotServed;
  return Eligibility.Eligible;
}

/** The node of the single proof record under an inference id (0 when none). */
async function singleRecordNodeOf(f: Fixture, inferenceId: string): Promise<bigint> {
  return BigInt((await f.proofs.getRecord(inferenceId)).nodeId);
}

/**
 * The request a pick names: a number picks any request posted (often a closed one: a replay); null the newest open
 * one, or the newest when none is open; id 1 (never posted) when there is none at all.
 */
async function chooseRequest(f: Fixture, g: Ghosts, pick: number | null): Promise<bigint> {
  if (g.requestIds.length === 0) return 1n;
  if (pick !== null) return g.requestIds[pick % g.requestIds.length];
  const statuses = await Promise.all(g.requestIds.map((i) => f.escrow.getRequest(i).then((r) => r.status)));
  const open = g.requestIds.filter((_, i) => statuses[i] === Status.Open);
  return open.length > 0 ? open[open.length - 1] : g.requestIds[g.requestIds.length - 1];
}

/*//////////////////////////////////////////////////////////////////////////
                                      RUN
//////////////////////////////////////////////////////////////////////////*/

/** Runs one action at the next second (advance mines a later block instead), asserting its predicted outcome. */
async function run(f: Fixture, g: Ghosts, a: Action): Promise<string> {
  const { escrow } = f;
  if (a.kind === "advance") {
    const latest = BigInt(await time.latest());
    let target = latest + a.seconds;
    if (a.to !== null) {
      const times =
        a.to === "thaw end"
          ? (await Promise.all([0, 1, 2].map((p) => accountOf(f, p)))).map((x) => x.thawEndsAt)
          : (await Promise.all(g.requestIds.map((i) => escrow.getRequest(i))))
              .filter((r) => r.status === Status.Open)
              .map((r) => r.deadline + 1n);
      const next = times.filter((x) => x > latest).sort((x, y) => (x < y ? -1 : x > y ? 1 : 0))[0];
      if (next !== undefined) target = next + (a.seconds % 60n);
    }
    await time.increaseTo(target);
    return `advance ${target - latest} s${a.to ? ` (to the next ${a.to})` : ""}`;
  }
  if (a.kind === "sign") {
    const s = await signNext(f, g, a.p, a.ch, a.increment, a.backdate, a.short);
    return `payer ${a.p} signs ${s.v.cumulativeAmount} on channel ${a.ch}`;
  }
  const t = BigInt(await time.latest()) + 1n;
  await time.setNextBlockTimestamp(t);

  switch (a.kind) {
    case "deposit": {
      const payer = f.payers[a.p];
      return settle(
        f,
        g,
        `payer ${a.p} deposits ${a.amount}`,
        (o) => escrow.connect(payer).deposit(payer, a.amount, o),
        {
          events: [["Deposited", payer.address, payer.address, a.amount]],
        },
      );
    }

    case "thaw": {
      const payer = f.payers[a.p];
      const { balance } = await accountOf(f, a.p);
      const amount = a.fraction > PPM ? balance + 1n : (balance * a.fraction) / PPM;
      const label = `payer ${a.p} thaws ${amount} of ${balance}`;
      const send = (o: { gasLimit: bigint }) => escrow.connect(payer).thaw(amount, o);
      if (amount > balance)
        return settle(f, g, label, send, { revert: "EscrowInsufficientBalance", args: [balance, amount] });
      const endsAt = amount === 0n ? 0n : t + THAWING_PERIOD;
      const result = await settle(f, g, label, send, { events: [["ThawStarted", payer.address, amount, endsAt]] });
      expect(await accountOf(f, a.p), label).to.deep.equal({
        balance,
        thawing: amount,
        thawStartedAt: amount === 0n ? 0n : t,
        thawEndsAt: endsAt,
      });
      return result;
    }

    case "withdraw": {
      const all = await Promise.all([0, 1, 2].map((p) => accountOf(f, p)));
      const ended = [0, 1, 2].filter((p) => all[p].thawEndsAt !== 0n && all[p].thawEndsAt <= t);
      const p = a.pick && ended.length > 0 ? ended[a.p % ended.length] : a.p;
      const payer = f.payers[p];
      const account = all[p];
      const label = `payer ${p} withdraws`;
      const send = (o: { gasLimit: bigint }) => escrow.connect(payer).withdraw(o);
      if (account.thawEndsAt === 0n || t < account.thawEndsAt) {
        return settle(f, g, label, send, { revert: "EscrowThawNotEnded", args: [account.thawEndsAt] });
      }
      const wallet = await f.token.balanceOf(payer.address);
      const result = await settle(f, g, `${label} ${account.thawing}`, send, {
        events: [["Withdrawn", payer.address, account.thawing]],
      });
      expect(await f.token.balanceOf(payer.address), label).to.equal(wallet + account.thawing);
      expect(await accountOf(f, p), label).to.deep.equal({
        balance: account.balance - account.thawing,
        thawing: 0n,
        thawStartedAt: 0n,
        thawEndsAt: 0n,
      });
      return result;
    }

    case "redeem": {
      const { s, p, ch } = await choose(f, g, a);
      const { v } = s;
      const signature = a.forge ? await signVoucher(f, f.payers[(p + 1) % 3], v) : s.signature;
      const account = await accountOf(f, p);
      const redeemed = await escrow.redeemedOf(v.payer, v.nodeId, v.modelId, v.mode);
      const prediction = predictRedeem(v, a.forge, t, account, redeemed);
      const label = `redeem ${v.cumulativeAmount} of payer ${p} on channel ${ch}${a.forge ? " (forged)" : ""}`;
      const send = (o: { gasLimit: bigint }) => escrow.connect(f.stranger).redeem(v, signature, o);
      if ("error" in prediction) return settle(f, g, label, send, { revert: prediction.error, args: prediction.args });
      const expected = { ...account };
      applyRedeem(g, v, t, expected, prediction.paid);
      const result = await settle(f, g, `${label}, paid ${prediction.paid}`, send, {
        events: [paymentRow(f, v, CHANNELS[ch].node, prediction.paid)],
      });
      expect(await accountOf(f, p), label).to.deep.equal(expected);
      return result;
    }

    case "batch": {
      const chosen: { s: Signed; p: number; ch: number; forge: boolean }[] = [];
      for (const item of a.items) chosen.push({ ...(await choose(f, g, item)), forge: item.forge });
      const signatures = await Promise.all(
        chosen.map((c) => (c.forge ? signVoucher(f, f.payers[(c.p + 1) % 3], c.s.v) : Promise.resolve(c.s.signature))),
      );
      // Simulated in order: each item sees the accounts and channels as the earlier items left them.
      const accounts = await Promise.all([0, 1, 2].map((p) => accountOf(f, p)));
      const redeemed = new Map<string, bigint>();
      for (const c of chosen) {
        const k = key(c.p, c.ch);
        if (!redeemed.has(k))
          redeemed.set(k, await escrow.redeemedOf(c.s.v.payer, c.s.v.nodeId, c.s.v.modelId, c.s.v.mode));
      }
      const events: unknown[][] = [];
      let total = 0n;
      for (const [index, c] of chosen.entries()) {
        const k = key(c.p, c.ch);
        const prediction = predictRedeem(c.s.v, c.forge, t, accounts[c.p], redeemed.get(k)!);
        if ("error" in prediction) {
          const selector = escrow.interface.getError(prediction.error)!.selector;
          events.push(["VoucherSkipped", BigInt(index), c.s.v.payer, c.s.v.nodeId, selector]);
          continue;
        }
        applyRedeem(g, c.s.v, t, accounts[c.p], prediction.paid);
        redeemed.set(k, redeemed.get(k)! + prediction.paid);
        events.push(paymentRow(f, c.s.v, CHANNELS[c.ch].node, prediction.paid));
        total += prediction.paid;
      }
      const label = `batch of ${chosen.length} (${chosen.map((c) => `${c.p}:${c.ch}${c.forge ? "!" : ""}`).join(" ")})`;
      const send = (o: { gasLimit: bigint }) =>
        escrow.connect(f.stranger).redeemBatch(
          chosen.map((c) => c.s.v),
          signatures,
          o,
        );
      if (total === 0n) return settle(f, g, label, send, { revert: "EscrowBatchPaidNothing", args: [] });
      const result = await settle(f, g, `${label}, paid ${total}`, send, { events });
      expect(await Promise.all([0, 1, 2].map((p) => accountOf(f, p))), label).to.deep.equal(accounts);
      return result;
    }

    case "post": {
      const payer = f.payers[a.p];
      const account = await accountOf(f, a.p);
      const available = account.balance - account.thawing;
      const cap = a.cap < 0n ? available + 1n : a.cap;
      const modelId = [MODEL_A, MODEL_B][a.model];
      const nodeId = a.node < 0 ? 0n : f.nodeIds[a.node];
      const deadline = t + a.seconds;
      const requestId = await escrow.nextRequestId();
      const label = `payer ${a.p} posts request ${requestId} with cap ${cap} of ${available}`;
      const send = (o: { gasLimit: bigint }) =>
        escrow.connect(payer).postRequest(modelId, id(`input:${requestId}`), a.mode, cap, deadline, nodeId, o);
      if (cap === 0n) return settle(f, g, label, send, { revert: "EscrowZeroAmount", args: [] });
      if (cap > available) {
        return settle(f, g, label, send, { revert: "EscrowInsufficientBalance", args: [available, cap] });
      }
      const result = await settle(f, g, label, send, {
        events: [
          [
            "RequestPosted",
            requestId,
            payer.address,
            modelId,
            id(`input:${requestId}`),
            BigInt(a.mode),
            cap,
            deadline,
            nodeId,
          ],
        ],
      });
      g.requestIds.push(requestId);
      return result;
    }

    case "fulfil": {
      const requestId = await chooseRequest(f, g, a.pick);
      const r = await escrow.getRequest(requestId);
      const mode = Number(r.mode);
      const node =
        a.node !== "match"
          ? a.node
          : r.nodeId !== 0n
            ? f.nodeIds.indexOf(r.nodeId)
            : mode === Mode.Tee
              ? 0
              : r.modelId === MODEL_B
                ? 1
                : Number(requestId % 2n);
      const nodeId = f.nodeIds[node];
      const caller = a.stranger ? f.stranger : f.operators[node];
      const [output, proof] = [id(`output:${requestId}`), id(`proof:${requestId}`)];
      const label = `node ${node + 1} fulfils request ${requestId}`;
      const send = (o: { gasLimit: bigint }) => escrow.connect(caller).fulfil(requestId, nodeId, output, proof, o);
      if (r.status !== Status.Open) {
        return settle(f, g, label, send, { revert: "EscrowRequestNotOpen", args: [requestId, r.status] });
      }
      if (t > r.deadline) return settle(f, g, label, send, { revert: "EscrowDeadlinePassed", args: [r.deadline] });
      if (r.nodeId !== 0n && r.nodeId !== nodeId) {
        return settle(f, g, label, send, { revert: "EscrowWrongNode", args: [requestId, r.nodeId, nodeId] });
      }
      if (a.stranger) {
        return settle(f, g, label, send, { revert: "EscrowNotNodeOperator", args: [nodeId, caller.address] });
      }
      const reason = await eligibilityAt(f, node, r.modelId, mode, t);
      if (reason !== Eligibility.Eligible) {
        return settle(f, g, label, send, {
          revert: "EscrowNodeNotEligible",
          args: [nodeId, r.modelId, mode, reason],
        });
      }
      const price = PRICES[node][mode];
      if (price > r.feeCap)
        return settle(f, g, label, send, { revert: "EscrowPriceAboveCap", args: [price, r.feeCap] });
      const v = { payer: r.payer, nodeId, modelId: r.modelId, mode } as Voucher;
      const events: unknown[][] = price > 0n ? [paymentRow(f, v, node, price, Kind.Request)] : [];
      events.push(["RequestFulfilled", requestId, nodeId, output, proof, price, r.feeCap - price]);
      const result = await settle(f, g, `${label} at ${price}`, send, { events });
      const inferenceId = await escrow.requestInferenceId(requestId);
      expect(inferenceId.slice(0, 4), label).to.equal("0xff");
      expect(await singleRecordNodeOf(f, inferenceId), label).to.equal(nodeId);
      return result;
    }

    case "reclaim": {
      const requestId = await chooseRequest(f, g, a.pick);
      const r = await escrow.getRequest(requestId);
      const caller = a.byPayer && r.payer !== ZeroAddress ? f.payers.find((s) => s.address === r.payer)! : f.stranger;
      const label = `reclaim request ${requestId}`;
      const send = (o: { gasLimit: bigint }) => escrow.connect(caller).reclaim(requestId, o);
      if (r.status !== Status.Open) {
        return settle(f, g, label, send, { revert: "EscrowRequestNotOpen", args: [requestId, r.status] });
      }
      if (t <= r.deadline) {
        return settle(f, g, label, send, { revert: "EscrowRequestNotExpired", args: [requestId, r.deadline] });
      }
      return settle(f, g, label, send, { events: [["RequestReclaimed", requestId, r.payer, r.feeCap]] });
    }

    case "collect": {
      if (a.what <= 1) {
        const operator = f.operators[a.what].address;
        const owed = await escrow.nodeFeesOf(operator);
        const label = `collect the node fees of operator ${a.what + 1}`;
        const send = (o: { gasLimit: bigint }) => escrow.connect(f.stranger).collectNodeFees(operator, o);
        if (owed === 0n) return settle(f, g, label, send, { revert: "EscrowNothingToCollect", args: [operator] });
        const staked = await f.token.balanceOf(f.stakingAddress);
        const result = await settle(f, g, `${label} ${owed}`, send, {
          events: [["NodeFeesCollected", operator, owed]],
        });
        expect(await f.token.balanceOf(f.stakingAddress), label).to.equal(staked + owed);
        return result;
      }
      if (a.what <= 3) {
        const owner = f.builders[a.what - 2];
        const owed = await escrow.royaltiesOf(owner.address);
        const label = `owner ${a.what - 1} collects royalties`;
        const send = (o: { gasLimit: bigint }) => escrow.connect(owner).collectRoyalties(o);
        if (owed === 0n) return settle(f, g, label, send, { revert: "EscrowNothingToCollect", args: [owner.address] });
        return settle(f, g, `${label} ${owed}`, send, { events: [["RoyaltiesCollected", owner.address, owed]] });
      }
      const pending = await escrow.protocolFeesPending();
      const label = "flush the protocol fees";
      const send = (o: { gasLimit: bigint }) => escrow.connect(f.stranger).flushProtocolFees(o);
      if (pending === 0n)
        return settle(f, g, label, send, { revert: "EscrowNothingToCollect", args: [f.escrowAddress] });
      return settle(f, g, `${label} ${pending}`, send, { events: [["ProtocolFeesFlushed", ZeroAddress, pending]] });
    }

    case "heartbeat": {
      await f.nodes.connect(f.operators[a.node]).heartbeat(f.nodeIds[a.node]);
      return `heartbeat of node ${a.node + 1}`;
    }
  }
}

/** Every invariant of the tree above, at the latest block. */
async function checkInvariants(f: Fixture, g: Ghosts, label: string) {
  const { escrow } = f;
  const m = (what: string) => `after step ${g.steps} (${label}): ${what}`;
  const channelKeys = [0, 1, 2].flatMap((p) => CHANNELS.map((_, ch) => [p, ch] as const));
  const [held, accounts, requests, nodeFees, royalties, pending, supply, redeemed] = await Promise.all([
    f.token.balanceOf(f.escrowAddress),
    Promise.all([0, 1, 2].map((p) => accountOf(f, p))),
    Promise.all(g.requestIds.map((i) => escrow.getRequest(i))),
    Promise.all(f.operators.map((o) => escrow.nodeFeesOf(o.address))),
    Promise.all(f.builders.map((b) => escrow.royaltiesOf(b.address))),
    escrow.protocolFeesPending(),
    f.token.totalSupply(),
    Promise.all(
      channelKeys.map(([p, ch]) =>
        escrow.redeemedOf(f.payers[p].address, f.nodeIds[CHANNELS[ch].node], CHANNELS[ch].model, CHANNELS[ch].mode),
      ),
    ),
  ]);
  const openCaps = [0n, 0n, 0n];
  requests.forEach((r) => {
    if (r.status === Status.Open) openCaps[f.payers.findIndex((s) => s.address === r.payer)] += r.feeCap;
  });

  // Every token is somewhere.
  expect(held, m("balanceOf(escrow) == balances + open caps + node fees + royalties + protocol fees")).to.equal(
    sum(accounts.map((a) => a.balance)) + sum(openCaps) + sum(nodeFees) + sum(royalties) + pending,
  );
  accounts.forEach((a, p) => expect(a.thawing <= a.balance, m(`payer ${p}: thawing <= balance`)).to.equal(true));

  // Vouchers: monotone, and never beyond what was signed.
  channelKeys.forEach(([p, ch], i) => {
    const k = key(p, ch);
    const list = g.signed.get(k) ?? [];
    const largest = list.reduce((a, s) => (s.v.cumulativeAmount > a ? s.v.cumulativeAmount : a), 0n);
    const previous = g.redeemed.get(k) ?? 0n;
    expect(redeemed[i] >= previous, m(`redeemedOf(${k}) went down: ${previous} -> ${redeemed[i]}`)).to.equal(true);
    expect(redeemed[i] <= largest, m(`redeemedOf(${k}) ${redeemed[i]} > largest signed ${largest}`)).to.equal(true);
    g.redeemed.set(k, redeemed[i]);
  });

  // Requests: paid or refunded at most once, never both, as the stored status says.
  g.requestIds.forEach((requestId, i) => {
    const paid = g.fulfilled.get(requestId) ?? 0;
    const refunded = g.reclaimed.get(requestId) ?? 0;
    expect(paid + refunded <= 1, m(`request ${requestId}: paid ${paid} and refunded ${refunded} times`)).to.equal(true);
    const expected = paid === 1 ? Status.Fulfilled : refunded === 1 ? Status.Reclaimed : Status.Open;
    expect(requests[i].status, m(`request ${requestId}: status`)).to.equal(expected);
  });

  // Spending: what left each payer's deposits went to payments, and nowhere else.
  for (let p = 0; p < 3; p++) {
    const spent = g.deposited[p] - g.withdrawn[p] - accounts[p].balance - openCaps[p];
    expect(g.gross[p], m(`payer ${p}: Σ gross == deposited - withdrawn - balance - open caps`)).to.equal(spent);
    const byChannel = sum(CHANNELS.map((_, ch) => redeemed[channelKeys.findIndex(([q, c]) => q === p && c === ch)]));
    expect(g.gross[p], m(`payer ${p}: Σ gross == Σ redeemedOf + request payments`)).to.equal(
      byChannel + g.requestGross[p],
    );
  }
  expect(sum(g.gross), m("Σ gross == Σ spending")).to.equal(
    sum(g.deposited) - sum(g.withdrawn) - sum(accounts.map((a) => a.balance)) - sum(openCaps),
  );

  // Supply: only protocol fee burns took tokens out of it.
  expect(supply, m("totalSupply == genesis - Σ burned")).to.equal(GENESIS_SUPPLY - g.burned);
}

/*//////////////////////////////////////////////////////////////////////////
                                     TESTS
//////////////////////////////////////////////////////////////////////////*/

describe("PaymentsEscrow (invariants)", function () {
  it("holds every invariant after every action of random sequences", async function () {
    this.timeout(300_000);
    const stats = { steps: 0, reverted: 0, preThawPaid: 0, byKind: new Map<string, number>() };
    await fc.assert(
      fc.asyncProperty(fc.array(actionArb, { minLength: 10, maxLength: 25, size: "max" }), async (actions) => {
        const f = await loadFixture(deployInvariantFixture);
        const g = freshGhosts();
        await checkInvariants(f, g, "fixture");
        for (const a of actions) {
          g.steps++;
          const label = await run(f, g, a);
          if (process.env.PAYMENTS_INVARIANT_TRACE) console.log(g.steps, label);
          await checkInvariants(f, g, label);
          stats.steps++;
          const outcome = label.includes(": ") ? label.split(": ").pop()! : "ok";
          if (outcome !== "ok") stats.reverted++;
          const k = `${a.kind} ${outcome}`;
          stats.byKind.set(k, (stats.byKind.get(k) ?? 0) + 1);
        }
        stats.preThawPaid += g.preThawPaid;
      }),
      { numRuns: NUM_RUNS, ...SEED_OPTION },
    );
    if (process.env.PAYMENTS_INVARIANT_STATS) console.log([...stats.byKind.entries()].sort(), stats);
    // The sequences must exercise the contract, not only its reverts.
    expect(stats.reverted).to.be.lessThan(stats.steps);
    expect(stats.byKind.get("redeem ok") ?? 0).to.be.greaterThan(0);
    expect(stats.byKind.get("fulfil ok") ?? 0).to.be.greaterThan(0);
  });

  it("never lets a withdrawal take what a voucher signed before the thaw owes, when redeemed before the thaw ends", async function () {
    this.timeout(120_000);
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          extra: fc.bigInt({ min: 0n, max: opg(100n) }),
          owed: fc.oneof(fc.bigInt({ min: 1n, max: opg(1n) }), fc.bigInt({ min: 1n, max: opg(200n) })),
          thawPpm: fc.oneof(fc.constant(PPM), fc.bigInt({ min: 1n, max: PPM })),
          later: fc.oneof(fc.constant(0n), fc.bigInt({ min: 1n, max: opg(150n) })),
          laterFirst: fc.boolean(),
          requestPpm: fc.oneof(fc.constant(0n), fc.bigInt({ min: 1n, max: PPM })),
          gap: fc.bigInt({ min: 1n, max: 1_000n }),
          delay: fc.bigInt({ min: 0n, max: THAWING_PERIOD - 100n }),
        }),
        async (c) => {
          const f = await loadFixture(deployInvariantFixture);
          const g = freshGhosts();
          const { escrow } = f;
          const payer = f.payers[0];
          const step = async (label: string, fn: () => Promise<string>) => {
            g.steps++;
            const done = await fn();
            await checkInvariants(f, g, `${label}: ${done}`);
            return done;
          };
          if (c.extra > 0n) await step("deposit", () => run(f, g, { kind: "deposit", p: 0, amount: c.extra }));
          const balance0 = (await accountOf(f, 0)).balance;

          // The older voucher, signed before the thaw.
          const old = await signNext(f, g, 0, 0, c.owed);
          await time.increase(c.gap);
          const thawAmount = (balance0 * c.thawPpm) / PPM === 0n ? 1n : (balance0 * c.thawPpm) / PPM;
          const thawAt = BigInt(await time.latest()) + 1n;
          await time.setNextBlockTimestamp(thawAt);
          await step("thaw", () =>
            settle(f, g, `payer 0 thaws ${thawAmount}`, (o) => escrow.connect(payer).thaw(thawAmount, o), {
              events: [["ThawStarted", payer.address, thawAmount, thawAt + THAWING_PERIOD]],
            }),
          );
          const thawed = await accountOf(f, 0);
          expect(thawed.thawStartedAt).to.equal(thawAt);
          expect(old.v.issuedAt < thawed.thawStartedAt).to.equal(true);
          const endsAt = thawed.thawEndsAt;

          // A request may lock part of what is not thawing; it never touches the thawing funds.
          const available = thawed.balance - thawed.thawing;
          const cap = (available * c.requestPpm) / PPM;
          if (cap > 0n) {
            await escrow
              .connect(payer)
              .postRequest(MODEL_A, id("input"), Mode.None, cap, BigInt(await time.latest()) + DAY, 0n);
            g.requestIds.push(await escrow.nextRequestId().then((n) => n - 1n));
            expect((await accountOf(f, 0)).thawing).to.equal(thawed.thawing);
          }

          // A voucher issued after the thaw began, redeemed before or after the older one: only the rest is its.
          let laterPaid = 0n;
          const redeemLater = async () => {
            if (c.later === 0n) return;
            const before = await accountOf(f, 0);
            const later = await signNext(f, g, 0, 2, c.later);
            expect(later.v.issuedAt >= before.thawStartedAt).to.equal(true);
            await step("later voucher", () => run(f, g, { kind: "redeem", p: 0, ch: 2, pick: null, forge: false }));
            laterPaid = await escrow.redeemedOf(payer.address, f.nodeIds[1], MODEL_A, Mode.None);
            expect(laterPaid, "the later voucher took thawing funds").to.equal(
              min(c.later, before.balance - before.thawing),
            );
            expect((await accountOf(f, 0)).thawing, "the later voucher shrank the thaw").to.equal(before.thawing);
          };
          if (c.laterFirst) await redeemLater();

          // The node redeems the older voucher before the thaw ends: it takes min(owed, balance), thawing or not.
          if (c.delay > 0n) await time.increase(c.delay);
          const before = await accountOf(f, 0);
          expect(BigInt(await time.latest()) + 1n < endsAt).to.equal(true);
          await step("older voucher", () => run(f, g, { kind: "redeem", p: 0, ch: 0, pick: null, forge: false }));
          const oldPaid = await escrow.redeemedOf(payer.address, f.nodeIds[0], MODEL_A, Mode.None);
          expect(oldPaid, "the thaw shielded funds from a voucher signed before it").to.equal(
            min(c.owed, before.balance),
          );
          expect(oldPaid).to.equal(min(c.owed, balance0 - cap - laterPaid));
          if (c.owed <= balance0 - cap - laterPaid) expect(oldPaid, "paid in full").to.equal(c.owed);

          if (!c.laterFirst) await redeemLater();

          // The withdrawal pays only what the thaw still holds.
          await time.increaseTo(endsAt);
          const last = await accountOf(f, 0);
          const withdrawn = min(thawAmount, balance0 - cap - laterPaid - oldPaid);
          expect(last.thawing).to.equal(withdrawn);
          await step("withdraw", () => run(f, g, { kind: "withdraw", p: 0, pick: false }));
          expect(g.withdrawn[0]).to.equal(withdrawn);
          expect((await accountOf(f, 0)).balance).to.equal(balance0 - cap - laterPaid - oldPaid - withdrawn);
        },
      ),
      { numRuns: NUM_RUNS, ...SEED_OPTION },
    );
  });
});
