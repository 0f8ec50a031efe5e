/*
PaymentsEscrow (invariants, model-based with fast-check)
├── random sequences of up to 30 actions by two honest payers and a dishonest one, against two honest nodes of
│   different operators (4 channels: node 1 none and TEE for model A, node 2 none for models A and B), the dishonest
│   payer's own node (its own operator account, staked at the minimum) and a copier node: deposit to the free balance
│   or to an escrow with an operator, fund an escrow, thaw (0 cancels, sometimes above the escrow), withdraw an escrow,
│   withdraw the free balance, sign a voucher (an honest node accepts it only while the payer's escrow with its
│   operator covers everything signed to that operator and not yet paid), redeem (one, or a batch), post a request
│   (open or naming its node), commit an answer, reveal it (alone, or raced by the copier committing and fulfilling
│   ahead of it in the same block), the copier's uncommitted copy, reclaim, collect royalties or flush fees,
│   heartbeats, advance time; the dishonest payer also signs its own node a voucher for all it holds and redeems it
│   and claims its fees (drain), and races its withdrawal (thaws an honest operator's escrow and withdraws at once);
│   after every action:
│   ├── tokens: balanceOf(escrow) == Σ free balances + Σ escrows + Σ open request caps + Σ royalties + pending
│   │   protocol fees; thawing <= balance for every escrow
│   ├── honest vouchers: a voucher an honest node accepted (covered when signed), redeemed while no withdrawal of
│   │   that escrow came after it, is paid in full, whatever the payer did with its other escrows, its own node
│   │   included, or its thaws
│   ├── the drain: the dishonest payer's own node is paid at most its escrow with its own operator; no other escrow
│   │   and no free balance moves; the race: the withdrawal right after the thaw reverts EscrowThawNotEnded
│   ├── the copier: its fulfil, uncommitted or committed in the block of the reveal, never succeeds
│   ├── vouchers: for every channel, redeemedOf never decreases and never exceeds the largest cumulative amount signed
│   ├── requests: each pays its node at most once or refunds at most once, never both, and its stored status agrees
│   │   with the events seen
│   ├── spending: for each payer, Σ PaymentCollected gross == deposited − withdrawn − free balance − Σ escrows − its
│   │   open caps
│   └── supply: totalSupply == genesis − Σ protocol fees flushed (burned)
└── a voucher signed before a thaw, redeemed before the thaw ends (random escrow, voucher amount, thaw amount, a
    request from the free balance and a voucher issued after the thaw redeemed before or after it, random delays):
    ├── it is paid min(owed, escrow balance): the thaw shields nothing from it; in full whenever the escrow covers it
    ├── the voucher issued after the thaw never takes the thawing funds
    └── the withdrawal pays only what is left of the thaw after the older voucher was paid
*/

import { expect } from "chai";
import { ethers, network } from "hardhat";
import { loadFixture, mine, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { ContractTransactionReceipt, ContractTransactionResponse } from "ethers";
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
import { commitAndRegisterModel } from "../helpers/models";

const { ZeroAddress, ZeroHash, MaxUint256, id } = ethers;

const DAY = 86_400n;
const HOUR = 3_600n;
const MONTH = 2_629_800n;
const PPM = 1_000_000n;
const REWARDS_TOTAL = opg(100_000_000n);
const GENESIS_SUPPLY = opg(1_000_000_000n);
const FUNDS = opg(1_000_000n);
const GAS = 3_000_000n;
/** Short, within its bounds, so that thaws end within a sequence. */
const THAWING_PERIOD = DAY;
const SEED = opg(50n);
const NUM_RUNS = Number(process.env.PAYMENTS_INVARIANT_RUNS ?? 20);
const SEED_OPTION = process.env.PAYMENTS_INVARIANT_SEED ? { seed: Number(process.env.PAYMENTS_INVARIANT_SEED) } : {};

const Mode = { None: 0, Tee: 1 } as const;
const Status = { Open: 1n, Fulfilled: 2n, Reclaimed: 3n } as const;
const MODEL_A = id("weights:llama-3-8b");
const MODEL_B = id("weights:mistral-7b");
const MEASUREMENT = id("enclave:mrenclave:v1");

/** The honest channels: node index (0: node 1, 1: node 2), model, mode. Operator index == node index. */
const CHANNELS = [
  { node: 0, model: MODEL_A, mode: Mode.None },
  { node: 0, model: MODEL_A, mode: Mode.Tee },
  { node: 1, model: MODEL_A, mode: Mode.None },
  { node: 1, model: MODEL_B, mode: Mode.None },
] as const;
/** The dishonest payer's index among the payers. */
const D = 2;

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
  const signers = await ethers.getSigners();
  const [deployer, admin, builder, builder2, operator, operator2, delegator, p0, p1, dishonest, dOp, copierOp] =
    signers;
  const payers = [p0, p1, dishonest];
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
  await staking.connect(admin).setProtocolContracts(await proofs.getAddress(), escrowAddress);
  await nodes.connect(admin).setTeeMeasurementApproval(MEASUREMENT, true);
  await nodes.connect(admin).setLivenessWindow(DAY);
  await escrow.connect(admin).setWithdrawalThawingPeriod(THAWING_PERIOD);
  await commitAndRegisterModel(models, builder, MODEL_A, "ipfs://a", 50_000n);
  await commitAndRegisterModel(models, builder2, MODEL_B, "ipfs://b", 20_000n);

  for (const s of [operator, operator2, delegator, dOp, copierOp, ...payers]) {
    await token.connect(admin).transfer(s.address, FUNDS);
    await token.connect(s).approve(stakingAddress, MaxUint256);
    await token.connect(s).approve(escrowAddress, MaxUint256);
  }

  await staking.connect(operator).stake(opg(60_000n));
  await staking.connect(operator).setDelegationCut(200_000n);
  await time.increase(await staking.cutChangeDelay());
  await staking.applyDelegationCut(operator.address);
  const params = (modes: number, prices: [bigint, bigint, bigint]) => ({
    metadataURI: "https://node.example",
    modes,
    teeMeasurement: modes & 2 ? MEASUREMENT : ZeroHash,
    capacity: 8n,
    prices,
  });
  const nodeIds: bigint[] = [];
  const register = async (who: HardhatEthersSigner, modes: number, prices: [bigint, bigint, bigint], m: string[]) => {
    nodeIds.push(await nodes.nextNodeId());
    await nodes.connect(who).registerNode(params(modes, prices), m);
  };
  await register(operator, 3, [opg(1n), opg(3n), 0n], [MODEL_A]);
  await staking.connect(delegator).delegate(operator.address, opg(20_000n), 200_000n);
  await staking.connect(operator2).stake(opg(10_000n));
  await register(operator2, 1, [opg(2n), 0n, 0n], [MODEL_A, MODEL_B]);
  // The dishonest payer's own node, staked at the minimum; and the copier's.
  const minimum = [await nodes.minimumStake(Mode.None), await nodes.minimumOwnStake()].reduce((a, b) =>
    a > b ? a : b,
  );
  await staking.connect(dOp).stake(minimum);
  await register(dOp, 1, [opg(1n), 0n, 0n], [MODEL_A]);
  await staking.connect(copierOp).stake(opg(10_000n));
  await register(copierOp, 1, [opg(1n), 0n, 0n], [MODEL_A]);

  const operators = [operator, operator2, dOp, copierOp];
  for (const p of payers) {
    await escrow.connect(p).deposit(p.address, SEED);
    await escrow.connect(p).depositToEscrow(p.address, operator.address, SEED);
    await escrow.connect(p).depositToEscrow(p.address, operator2.address, SEED);
  }
  await escrow.connect(dishonest).depositToEscrow(dishonest.address, dOp.address, SEED);
  const [, name, version, chainId, verifyingContract] = await escrow.eip712Domain();
  return {
    token,
    staking,
    nodes,
    proofs,
    escrow,
    escrowAddress,
    stakingAddress,
    domain: { name, version, chainId, verifyingContract },
    nodeIds,
    operators,
    builders: [builder, builder2],
    payers,
  };
}

type Fixture = Awaited<ReturnType<typeof deployInvariantFixture>>;

/*//////////////////////////////////////////////////////////////////////////
                                GHOSTS AND ACTIONS
//////////////////////////////////////////////////////////////////////////*/

interface Signed {
  v: Voucher;
  signature: string;
  /** Accepted by an honest node while the escrow covered it; cleared by a later withdrawal of that escrow. */
  protected: boolean;
}

interface Ghosts {
  signed: Map<string, Signed[]>;
  redeemed: Map<string, bigint>;
  deposited: bigint[];
  withdrawn: bigint[];
  gross: bigint[];
  fulfilled: Map<bigint, number>;
  reclaimed: Map<bigint, number>;
  requestIds: bigint[];
  commitments: Map<bigint, { node: number; output: string; proof: string; block: number }>;
  burned: bigint;
  steps: number;
  stats: Map<string, number>;
}

function freshGhosts(): Ghosts {
  return {
    signed: new Map(),
    redeemed: new Map(),
    deposited: [3n * SEED, 3n * SEED, 4n * SEED],
    withdrawn: [0n, 0n, 0n],
    gross: [0n, 0n, 0n],
    fulfilled: new Map(),
    reclaimed: new Map(),
    requestIds: [],
    commitments: new Map(),
    burned: 0n,
    steps: 0,
    stats: new Map(),
  };
}

const key = (p: number, ch: number) => `${p}:${ch}`;
const sum = (xs: bigint[]) => xs.reduce((a, b) => a + b, 0n);
const min = (a: bigint, b: bigint) => (a < b ? a : b);
const count = (g: Ghosts, k: string) => g.stats.set(k, (g.stats.get(k) ?? 0) + 1);

type Action =
  | { kind: "deposit"; p: number; amount: bigint; op: number | null }
  | { kind: "fund"; p: number; op: number; ppm: bigint }
  | { kind: "thaw"; p: number; op: number; ppm: bigint }
  | { kind: "withdraw"; p: number; op: number }
  | { kind: "withdrawBalance"; p: number; ppm: bigint }
  | { kind: "sign"; p: number; ch: number; amount: bigint }
  | { kind: "redeem"; p: number; ch: number }
  | { kind: "batch"; items: { p: number; ch: number }[] }
  | { kind: "drain" }
  | { kind: "race"; op: number }
  | { kind: "post"; p: number; ch: number; named: boolean; cap: bigint; seconds: bigint }
  | { kind: "commit"; pick: number }
  | { kind: "reveal"; pick: number; raced: boolean }
  | { kind: "copy"; pick: number }
  | { kind: "reclaim"; pick: number }
  | { kind: "collect"; what: number }
  | { kind: "advance"; seconds: bigint };

const payerArb = fc.integer({ min: 0, max: 2 });
const opArb = fc.integer({ min: 0, max: 1 });
const chArb = fc.integer({ min: 0, max: CHANNELS.length - 1 });
const amountArb = fc.oneof(fc.bigInt({ min: 1n, max: opg(1n) }), fc.bigInt({ min: opg(1n), max: opg(40n) }));
const ppmArb = fc.oneof(fc.constant(PPM), fc.constant(0n), fc.bigInt({ min: 1n, max: PPM }), fc.constant(PPM + 1n));
const actionArb: fc.Arbitrary<Action> = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("deposit" as const),
      p: payerArb,
      amount: amountArb,
      op: fc.option(opArb),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("fund" as const), p: payerArb, op: opArb, ppm: ppmArb }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("thaw" as const), p: payerArb, op: opArb, ppm: ppmArb }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("withdraw" as const), p: payerArb, op: opArb }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("withdrawBalance" as const), p: payerArb, ppm: ppmArb }) },
  {
    weight: 5,
    arbitrary: fc.record({ kind: fc.constant("sign" as const), p: payerArb, ch: chArb, amount: amountArb }),
  },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("redeem" as const), p: payerArb, ch: chArb }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("batch" as const),
      items: fc.array(fc.record({ p: payerArb, ch: chArb }), { minLength: 1, maxLength: 4 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("drain" as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("race" as const), op: opArb }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant("post" as const),
      p: payerArb,
      ch: chArb,
      named: fc.boolean(),
      cap: fc.oneof(fc.bigInt({ min: 1n, max: opg(8n) }), fc.bigInt({ min: opg(3n), max: opg(8n) })),
      seconds: fc.bigInt({ min: 60n, max: DAY - 1n }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("commit" as const), pick: fc.nat() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("reveal" as const), pick: fc.nat(), raced: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("copy" as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("reclaim" as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("collect" as const), what: fc.integer({ min: 0, max: 2 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("advance" as const),
      seconds: fc.oneof(fc.bigInt({ min: 1n, max: HOUR }), fc.bigInt({ min: 1n, max: 2n * DAY })),
    }),
  },
);

/** Records what a mined transaction's escrow events say. */
function record(f: Fixture, g: Ghosts, receipt: ContractTransactionReceipt | null) {
  if (!receipt) return;
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== f.escrowAddress.toLowerCase()) continue;
    const e = f.escrow.interface.parseLog(log);
    if (!e) continue;
    const payerIndex = (a: string) => f.payers.findIndex((s) => s.address === a);
    if (e.name === "Deposited") g.deposited[payerIndex(e.args.payer)] += e.args.amount;
    if (e.name === "Withdrawn") {
      const p = payerIndex(e.args.payer);
      g.withdrawn[p] += e.args.amount;
      // A node that waited past the thaw's end is no longer covered: the limit the design states.
      const op = f.operators.findIndex((o) => o.address === e.args.operator);
      if (e.args.amount > 0n && op >= 0) {
        CHANNELS.forEach((c, ch) => {
          if (c.node === op) for (const s of g.signed.get(key(p, ch)) ?? []) s.protected = false;
        });
      }
    }
    if (e.name === "PaymentCollected") g.gross[payerIndex(e.args.payer)] += e.args.gross;
    if (e.name === "RequestFulfilled") g.fulfilled.set(e.args.requestId, (g.fulfilled.get(e.args.requestId) ?? 0) + 1);
    if (e.name === "RequestReclaimed") g.reclaimed.set(e.args.requestId, (g.reclaimed.get(e.args.requestId) ?? 0) + 1);
    if (e.name === "RequestPosted") g.requestIds.push(e.args.requestId);
    if (e.name === "ProtocolFeesFlushed" && e.args.recipient === ZeroAddress) g.burned += e.args.amount;
  }
}

/** Sends a transaction with a fixed gas limit; returns its receipt, or null when it reverted. */
async function send(
  f: Fixture,
  g: Ghosts,
  fn: (o: { gasLimit: bigint }) => Promise<ContractTransactionResponse>,
): Promise<ContractTransactionReceipt | null> {
  try {
    const receipt = await (await fn({ gasLimit: GAS })).wait();
    record(f, g, receipt);
    return receipt;
  } catch {
    return null;
  }
}

async function sign(f: Fixture, signer: HardhatEthersSigner, v: Voucher) {
  return signer.signTypedData(f.domain, VOUCHER_TYPES, v);
}

/** What the payer's vouchers to an operator's nodes still owe, at their newest amounts. */
async function outstanding(f: Fixture, g: Ghosts, p: number, op: number): Promise<bigint> {
  let owed = 0n;
  for (const [ch, c] of CHANNELS.entries()) {
    if (c.node !== op) continue;
    const list = g.signed.get(key(p, ch)) ?? [];
    if (list.length === 0) continue;
    const redeemed = await f.escrow.redeemedOf(f.payers[p].address, f.nodeIds[op], c.model, c.mode);
    owed += list[list.length - 1].v.cumulativeAmount - redeemed;
  }
  return owed;
}

/** Redeems the newest vouchers of the channels (one, or a batch) and checks the protected ones are paid in full. */
async function redeemNewest(f: Fixture, g: Ghosts, wanted: { p: number; ch: number }[]) {
  // A pick of a channel with nothing signed falls on one that has a voucher, so that most redemptions pay.
  const keys = [...g.signed.keys()];
  const picks = wanted.map(({ p, ch }) => {
    if (g.signed.has(key(p, ch)) || keys.length === 0) return { p, ch };
    const [q, c] = keys[(p * CHANNELS.length + ch) % keys.length].split(":").map(Number);
    return { p: q, ch: c };
  });
  const items = picks
    .map(({ p, ch }) => ({ p, ch, s: (g.signed.get(key(p, ch)) ?? []).at(-1) }))
    .filter((i) => i.s !== undefined)
    // One item per channel: a second copy would be skipped as already paid.
    .filter((i, n, all) => all.findIndex((j) => j.p === i.p && j.ch === i.ch) === n);
  if (items.length === 0) return "nothing signed";
  const before = await Promise.all(
    items.map(({ s }) => f.escrow.redeemedOf(s!.v.payer, s!.v.nodeId, s!.v.modelId, s!.v.mode)),
  );
  const receipt =
    items.length === 1
      ? await send(f, g, (o) =>
          f.escrow.connect(f.operators[CHANNELS[items[0].ch].node]).redeem(items[0].s!.v, items[0].s!.signature, o),
        )
      : await send(f, g, (o) =>
          f.escrow.redeemBatch(
            items.map((i) => i.s!.v),
            items.map((i) => i.s!.signature),
            o,
          ),
        );
  for (const [n, { p, ch, s }] of items.entries()) {
    if (!s!.protected) continue;
    const after = await f.escrow.redeemedOf(s!.v.payer, s!.v.nodeId, s!.v.modelId, s!.v.mode);
    expect(after, `payer ${p} channel ${ch}: an honest, covered voucher was not paid in full`).to.equal(
      s!.v.cumulativeAmount,
    );
    if (before[n] < s!.v.cumulativeAmount) count(g, "protected voucher paid");
  }
  return receipt ? "ok" : "reverted";
}

async function openRequest(f: Fixture, g: Ghosts, pick: number) {
  if (g.requestIds.length === 0) return null;
  const requestId = g.requestIds[pick % g.requestIds.length];
  return { requestId, request: await f.escrow.getRequest(requestId) };
}

/** The honest node that can serve a request: node 1 for TEE, else the one named or node 1 for model A, node 2 for B. */
function honestNodeFor(f: Fixture, r: { nodeId: bigint; modelId: string; mode: bigint }): number {
  if (r.nodeId !== 0n) return f.nodeIds.indexOf(r.nodeId);
  return r.modelId === MODEL_B ? 1 : 0;
}

async function run(f: Fixture, g: Ghosts, a: Action): Promise<string> {
  const { escrow } = f;
  const opAddr = (op: number) => f.operators[op].address;
  switch (a.kind) {
    case "deposit": {
      const payer = f.payers[a.p];
      const r = await send(f, g, (o) =>
        a.op === null
          ? escrow.connect(payer).deposit(payer.address, a.amount, o)
          : escrow.connect(payer).depositToEscrow(payer.address, opAddr(a.op), a.amount, o),
      );
      return r ? "ok" : "reverted";
    }
    case "fund": {
      const payer = f.payers[a.p];
      const amount = ((await escrow.balanceOf(payer.address)) * a.ppm) / PPM;
      return (await send(f, g, (o) => escrow.connect(payer).fundEscrow(opAddr(a.op), amount, o))) ? "ok" : "reverted";
    }
    case "thaw": {
      const payer = f.payers[a.p];
      const amount = ((await escrow.getEscrow(payer.address, opAddr(a.op))).balance * a.ppm) / PPM;
      return (await send(f, g, (o) => escrow.connect(payer).thaw(opAddr(a.op), amount, o))) ? "ok" : "reverted";
    }
    case "withdraw": {
      const payer = f.payers[a.p];
      return (await send(f, g, (o) => escrow.connect(payer).withdraw(opAddr(a.op), o))) ? "ok" : "reverted";
    }
    case "withdrawBalance": {
      const payer = f.payers[a.p];
      const amount = ((await escrow.balanceOf(payer.address)) * a.ppm) / PPM;
      return (await send(f, g, (o) => escrow.connect(payer).withdrawBalance(amount, o))) ? "ok" : "reverted";
    }
    case "sign": {
      const c = CHANNELS[a.ch];
      const payer = f.payers[a.p];
      const list = g.signed.get(key(a.p, a.ch)) ?? [];
      const redeemed = await escrow.redeemedOf(payer.address, f.nodeIds[c.node], c.model, c.mode);
      const last = list.length ? list[list.length - 1].v.cumulativeAmount : 0n;
      const cumulative = (last > redeemed ? last : redeemed) + a.amount;
      // The honest node does the work only if the escrow with its operator covers all it is owed, this included.
      const owed = (await outstanding(f, g, a.p, c.node)) + (cumulative - (last > redeemed ? last : redeemed));
      if ((await escrow.availableOf(payer.address, opAddr(c.node))) < owed) {
        count(g, "over-signing refused by the honest node");
        return "refused by the node";
      }
      const t = BigInt(await time.latest());
      const v: Voucher = {
        payer: payer.address,
        nodeId: f.nodeIds[c.node],
        modelId: c.model,
        mode: c.mode,
        cumulativeAmount: cumulative,
        issuedAt: t,
        expiry: t + 365n * DAY,
      };
      list.push({ v, signature: await sign(f, payer, v), protected: true });
      g.signed.set(key(a.p, a.ch), list);
      return "ok";
    }
    case "redeem":
      return redeemNewest(f, g, [{ p: a.p, ch: a.ch }]);
    case "batch":
      return redeemNewest(f, g, a.items);
    case "drain": {
      // The dishonest payer pays its own node all it ever put in, and its operator claims the fees.
      const payer = f.payers[D];
      const dOp = f.operators[2];
      const everything = g.deposited[D];
      const channel = [payer.address, f.nodeIds[2], MODEL_A, Mode.None] as const;
      const redeemed = await escrow.redeemedOf(...channel);
      const t = BigInt(await time.latest());
      const v: Voucher = {
        payer: payer.address,
        nodeId: f.nodeIds[2],
        modelId: MODEL_A,
        mode: Mode.None,
        cumulativeAmount: redeemed + everything,
        issuedAt: t,
        expiry: t + DAY,
      };
      const others = await Promise.all([0, 1].map((op) => escrow.getEscrow(payer.address, opAddr(op))));
      const free = await escrow.balanceOf(payer.address);
      const own = await escrow.getEscrow(payer.address, dOp.address);
      const signature = await sign(f, payer, v);
      const receipt = await send(f, g, (o) => escrow.connect(dOp).redeem(v, signature, o));
      const paid = (await escrow.redeemedOf(...channel)) - redeemed;
      // Exactly what its escrow with its own operator holds (no thaw of it), up to what the voucher says.
      expect(paid, "the drain did not take exactly its escrow with its own operator").to.equal(
        min(everything, own.balance - own.thawing),
      );
      expect(receipt !== null, "the drain's outcome").to.equal(paid > 0n);
      if (receipt) {
        const credited = receipt.logs
          .filter((l) => l.address.toLowerCase() === f.stakingAddress.toLowerCase())
          .map((l) => f.staking.interface.parseLog(l))
          .filter((e) => e?.name === "FeesCredited")
          .map((e) => [e!.args.operator, e!.args.amount]);
        const share = paid - (paid * 10_000n) / PPM - (paid * 50_000n) / PPM;
        expect(credited, "the drain's fee credit").to.deep.equal([[dOp.address, share]]);
      }
      const othersAfter = await Promise.all([0, 1].map((op) => escrow.getEscrow(payer.address, opAddr(op))));
      expect(
        othersAfter.map((e) => [e.balance, e.thawing]),
        "the drain moved an honest escrow",
      ).to.deep.equal(others.map((e) => [e.balance, e.thawing]));
      expect(await escrow.balanceOf(payer.address), "the drain moved the free balance").to.equal(free);
      if (receipt) count(g, "drain paid");
      if ((await f.staking.claimableRewards(dOp.address, dOp.address)) > 0n) {
        await send(f, g, (o) => f.staking.connect(dOp).claimRewards(dOp.address, o));
      }
      return receipt ? "ok" : "reverted";
    }
    case "race": {
      const payer = f.payers[D];
      const e = await escrow.getEscrow(payer.address, opAddr(a.op));
      if (e.balance === 0n) return "nothing to thaw";
      await send(f, g, (o) => escrow.connect(payer).thaw(opAddr(a.op), e.balance, o));
      const endsAt = (await escrow.getEscrow(payer.address, opAddr(a.op))).thawEndsAt;
      await expect(escrow.connect(payer).withdraw(opAddr(a.op), { gasLimit: GAS }))
        .to.be.revertedWithCustomError(escrow, "EscrowThawNotEnded")
        .withArgs(endsAt);
      return "ok";
    }
    case "post": {
      const c = CHANNELS[a.ch];
      const payer = f.payers[a.p];
      const deadline = BigInt(await time.latest()) + a.seconds;
      const nodeId = a.named ? f.nodeIds[c.node] : 0n;
      return (await send(f, g, (o) =>
        escrow.connect(payer).postRequest(c.model, id(`input:${g.steps}`), c.mode, a.cap, deadline, nodeId, o),
      ))
        ? "ok"
        : "reverted";
    }
    case "commit": {
      const got = await openRequest(f, g, a.pick);
      if (!got || got.request.status !== Status.Open) return "no open request";
      const node = honestNodeFor(f, got.request);
      const output = id(`output:${got.requestId}:${g.steps}`);
      const proof = id(`proof:${got.requestId}:${g.steps}`);
      const commitment = await escrow.fulfilmentCommitmentOf(got.requestId, f.nodeIds[node], output, proof);
      const r = await send(f, g, (o) =>
        escrow.connect(f.operators[node]).commitFulfilment(got.requestId, f.nodeIds[node], commitment, o),
      );
      if (r) g.commitments.set(got.requestId, { node, output, proof, block: r.blockNumber });
      return r ? "ok" : "reverted";
    }
    case "reveal": {
      const got = await openRequest(f, g, a.pick);
      if (!got || got.request.status !== Status.Open) return "no open request";
      const named = got.request.nodeId !== 0n;
      const c = g.commitments.get(got.requestId) ?? {
        node: honestNodeFor(f, got.request),
        output: id(`output:${got.requestId}`),
        proof: id(`proof:${got.requestId}`),
        block: 0,
      };
      if (!named && !g.commitments.has(got.requestId)) return "not committed";
      const honest = f.operators[c.node];
      await send(f, g, (o) => f.nodes.connect(honest).heartbeat(f.nodeIds[c.node], o));
      if (!a.raced || named || got.request.modelId !== MODEL_A || got.request.mode !== BigInt(Mode.None)) {
        return (await send(f, g, (o) =>
          escrow.connect(honest).fulfil(got.requestId, f.nodeIds[c.node], c.output, c.proof, o),
        ))
          ? "ok"
          : "reverted";
      }
      // The copier sees the reveal in the mempool and commits and fulfils ahead of it, in the same block.
      const copier = f.operators[3];
      const copierNode = f.nodeIds[3];
      await send(f, g, (o) => f.nodes.connect(copier).heartbeat(copierNode, o));
      const commitment = await escrow.fulfilmentCommitmentOf(got.requestId, copierNode, c.output, c.proof);
      const fee = (await ethers.provider.getFeeData()).maxFeePerGas!;
      const high = { gasLimit: GAS, maxFeePerGas: fee * 4n, maxPriorityFeePerGas: fee * 2n };
      const low = { gasLimit: GAS, maxFeePerGas: fee * 3n, maxPriorityFeePerGas: 1n };
      await network.provider.send("evm_setAutomine", [false]);
      let txs: ContractTransactionResponse[];
      try {
        const h = await escrow.connect(honest).fulfil(got.requestId, f.nodeIds[c.node], c.output, c.proof, low);
        const c1 = await escrow.connect(copier).commitFulfilment(got.requestId, copierNode, commitment, high);
        const c2 = await escrow.connect(copier).fulfil(got.requestId, copierNode, c.output, c.proof, high);
        txs = [c1, c2, h];
        await mine();
      } finally {
        await network.provider.send("evm_setAutomine", [true]);
      }
      const receipts = await Promise.all(txs.map((t) => ethers.provider.getTransactionReceipt(t.hash)));
      expect(receipts[1]!.status, "the copier's fulfil succeeded").to.equal(0);
      expect(receipts[1]!.index).to.be.lessThan(receipts[2]!.index);
      if (receipts[2]!.status === 1) {
        record(f, g, (await txs[2].wait())!);
        count(g, "raced reveal paid the honest node");
        const paid = await escrow.queryFilter(escrow.filters.RequestFulfilled(got.requestId));
        expect(paid.map((e) => e.args.nodeId)).to.deep.equal([f.nodeIds[c.node]]);
      }
      return receipts[2]!.status === 1 ? "ok" : "reverted";
    }
    case "copy": {
      const got = await openRequest(f, g, a.pick);
      const c = got && g.commitments.get(got.requestId);
      if (!got || !c || got.request.status !== Status.Open) return "nothing to copy";
      const r = await send(f, g, (o) =>
        escrow.connect(f.operators[3]).fulfil(got.requestId, f.nodeIds[3], c.output, c.proof, o),
      );
      expect(r, "the copier's uncommitted fulfil succeeded").to.equal(null);
      return "reverted";
    }
    case "reclaim": {
      const got = await openRequest(f, g, a.pick);
      if (!got) return "no request";
      return (await send(f, g, (o) => escrow.reclaim(got.requestId, o))) ? "ok" : "reverted";
    }
    case "collect": {
      if (a.what === 2) return (await send(f, g, (o) => escrow.flushProtocolFees(o))) ? "ok" : "reverted";
      return (await send(f, g, (o) => escrow.connect(f.builders[a.what]).collectRoyalties(o))) ? "ok" : "reverted";
    }
    case "advance":
      await time.increase(a.seconds);
      return "ok";
  }
}

async function checkInvariants(f: Fixture, g: Ghosts, label: string) {
  const { escrow } = f;
  const m = (what: string) => `after step ${g.steps} (${label}): ${what}`;
  const pairs = [0, 1, 2].flatMap((p) => [0, 1, 2, 3].map((op) => [p, op] as const));
  const [held, free, escrows, requests, royalties, pending, supply] = await Promise.all([
    f.token.balanceOf(f.escrowAddress),
    Promise.all(f.payers.map((p) => escrow.balanceOf(p.address))),
    Promise.all(pairs.map(([p, op]) => escrow.getEscrow(f.payers[p].address, f.operators[op].address))),
    Promise.all(g.requestIds.map((i) => escrow.getRequest(i))),
    Promise.all(f.builders.map((b) => escrow.royaltiesOf(b.address))),
    escrow.protocolFeesPending(),
    f.token.totalSupply(),
  ]);
  const openCaps = [0n, 0n, 0n];
  requests.forEach((r) => {
    if (r.status === Status.Open) openCaps[f.payers.findIndex((s) => s.address === r.payer)] += r.feeCap;
  });
  expect(held, m("escrow holds free balances + escrows + locked caps + royalties + pending fees")).to.equal(
    sum(free) + sum(escrows.map((e) => e.balance)) + sum(openCaps) + sum(royalties) + pending,
  );
  escrows.forEach((e, i) => expect(e.thawing <= e.balance, m(`escrow ${pairs[i]}: thawing <= balance`)).to.equal(true));

  for (let p = 0; p < 3; p++) {
    for (const [ch, c] of CHANNELS.entries()) {
      const k = key(p, ch);
      const redeemed = await escrow.redeemedOf(f.payers[p].address, f.nodeIds[c.node], c.model, c.mode);
      const largest = (g.signed.get(k) ?? []).reduce(
        (a, s) => (s.v.cumulativeAmount > a ? s.v.cumulativeAmount : a),
        0n,
      );
      expect(redeemed >= (g.redeemed.get(k) ?? 0n), m(`redeemedOf(${k}) went down`)).to.equal(true);
      expect(redeemed <= largest, m(`redeemedOf(${k}) above the largest signed`)).to.equal(true);
      g.redeemed.set(k, redeemed);
    }
  }

  g.requestIds.forEach((requestId, i) => {
    const paid = g.fulfilled.get(requestId) ?? 0;
    const refunded = g.reclaimed.get(requestId) ?? 0;
    expect(
      paid <= 1 && refunded <= 1 && paid + refunded <= 1,
      m(`request ${requestId}: ${paid} paid, ${refunded} refunded`),
    ).to.equal(true);
    const expected = paid === 1 ? Status.Fulfilled : refunded === 1 ? Status.Reclaimed : Status.Open;
    expect(requests[i].status, m(`request ${requestId}: status`)).to.equal(expected);
  });

  for (let p = 0; p < 3; p++) {
    const held = free[p] + sum(escrows.filter((_, i) => pairs[i][0] === p).map((e) => e.balance)) + openCaps[p];
    expect(g.gross[p], m(`payer ${p}: Σ gross == deposited - withdrawn - held`)).to.equal(
      g.deposited[p] - g.withdrawn[p] - held,
    );
  }
  expect(supply, m("totalSupply == genesis - Σ burned")).to.equal(GENESIS_SUPPLY - g.burned);
}

/*//////////////////////////////////////////////////////////////////////////
                                     TESTS
//////////////////////////////////////////////////////////////////////////*/

describe("PaymentsEscrow (invariants)", function () {
  it("holds every invariant after every action of random sequences, a dishonest payer and a copier included", async function () {
    this.timeout(600_000);
    const stats = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(fc.array(actionArb, { minLength: 10, maxLength: 30, size: "max" }), async (actions) => {
        const f = await loadFixture(deployInvariantFixture);
        const g = freshGhosts();
        await checkInvariants(f, g, "fixture");
        for (const a of actions) {
          g.steps++;
          const outcome = await run(f, g, a);
          if (process.env.PAYMENTS_INVARIANT_TRACE) console.log(g.steps, a.kind, outcome);
          count(g, `${a.kind} ${outcome}`);
          await checkInvariants(f, g, `${a.kind} ${outcome}`);
        }
        for (const [k, v] of g.stats) stats.set(k, (stats.get(k) ?? 0) + v);
      }),
      { numRuns: NUM_RUNS, ...SEED_OPTION },
    );
    if (process.env.PAYMENTS_INVARIANT_STATS) console.log([...stats.entries()].sort());
    // The sequences must exercise the contract, not only its reverts.
    expect(stats.get("redeem ok") ?? 0).to.be.greaterThan(0);
    expect(stats.get("protected voucher paid") ?? 0).to.be.greaterThan(0);
    expect(stats.get("drain paid") ?? 0).to.be.greaterThan(0);
    expect((stats.get("reveal ok") ?? 0) + (stats.get("raced reveal paid the honest node") ?? 0)).to.be.greaterThan(0);
  });

  it("never lets a withdrawal take what a voucher signed before the thaw owes, when redeemed before the thaw ends", async function () {
    this.timeout(300_000);
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
          const op = f.operators[0].address;
          const step = async (label: string, fn: () => Promise<unknown>) => {
            g.steps++;
            await fn();
            await checkInvariants(f, g, label);
          };
          if (c.extra > 0n) {
            await step("deposit", () =>
              send(f, g, (o) => escrow.connect(payer).depositToEscrow(payer.address, op, c.extra, o)),
            );
          }
          const balance0 = (await escrow.getEscrow(payer.address, op)).balance;
          const signVoucher = async (ch: number, amount: bigint) => {
            const ch0 = CHANNELS[ch];
            const t = BigInt(await time.latest());
            const v: Voucher = {
              payer: payer.address,
              nodeId: f.nodeIds[ch0.node],
              modelId: ch0.model,
              mode: ch0.mode,
              cumulativeAmount: amount,
              issuedAt: t,
              expiry: t + 365n * DAY,
            };
            const s: Signed = { v, signature: await sign(f, payer, v), protected: false };
            g.signed.set(key(0, ch), [s]);
            return s;
          };
          // The older voucher, signed before the thaw.
          const old = await signVoucher(0, c.owed);
          await time.increase(c.gap);
          const thawAmount = (balance0 * c.thawPpm) / PPM === 0n ? 1n : (balance0 * c.thawPpm) / PPM;
          const thawAt = BigInt(await time.latest()) + 1n;
          await time.setNextBlockTimestamp(thawAt);
          await step("thaw", async () =>
            expect(await escrow.connect(payer).thaw(op, thawAmount))
              .to.emit(escrow, "ThawStarted")
              .withArgs(payer.address, op, thawAmount, thawAt + THAWING_PERIOD),
          );
          const thawed = await escrow.getEscrow(payer.address, op);
          expect(old.v.issuedAt < thawed.thawStartedAt).to.equal(true);
          const endsAt = thawed.thawEndsAt;

          // A request locks part of the free balance; it never touches the escrow or its thaw.
          const cap = ((await escrow.balanceOf(payer.address)) * c.requestPpm) / PPM;
          if (cap > 0n) {
            await step("post", () =>
              send(f, g, (o) =>
                escrow.connect(payer).postRequest(MODEL_A, id("input"), Mode.None, cap, thawAt + HOUR, 0n, o),
              ),
            );
            expect(await escrow.getEscrow(payer.address, op)).to.deep.equal(thawed);
          }

          // A voucher of the same operator issued after the thaw began: only the part not thawing is its.
          let laterPaid = 0n;
          const redeemLater = async () => {
            if (c.later === 0n) return;
            const before = await escrow.getEscrow(payer.address, op);
            const later = await signVoucher(1, c.later);
            expect(later.v.issuedAt >= before.thawStartedAt).to.equal(true);
            await step("later voucher", () => redeemNewest(f, g, [{ p: 0, ch: 1 }]));
            laterPaid = await escrow.redeemedOf(payer.address, f.nodeIds[0], MODEL_A, Mode.Tee);
            expect(laterPaid, "the later voucher took thawing funds").to.equal(
              min(c.later, before.balance - before.thawing),
            );
            expect((await escrow.getEscrow(payer.address, op)).thawing).to.equal(before.thawing);
          };
          if (c.laterFirst) await redeemLater();

          // The node redeems the older voucher before the thaw ends: min(owed, balance), thawing or not.
          if (c.delay > 0n) await time.increase(c.delay);
          const before = await escrow.getEscrow(payer.address, op);
          expect(BigInt(await time.latest()) + 1n < endsAt).to.equal(true);
          await step("older voucher", () => redeemNewest(f, g, [{ p: 0, ch: 0 }]));
          const oldPaid = await escrow.redeemedOf(payer.address, f.nodeIds[0], MODEL_A, Mode.None);
          expect(oldPaid, "the thaw shielded funds from a voucher signed before it").to.equal(
            min(c.owed, before.balance),
          );
          expect(oldPaid).to.equal(min(c.owed, balance0 - laterPaid));
          if (c.owed <= balance0 - laterPaid) expect(oldPaid, "paid in full").to.equal(c.owed);

          if (!c.laterFirst) await redeemLater();

          // The withdrawal pays only what the thaw still holds.
          await time.increaseTo(endsAt);
          const last = await escrow.getEscrow(payer.address, op);
          const withdrawn = min(thawAmount, balance0 - laterPaid - oldPaid);
          expect(last.thawing).to.equal(withdrawn);
          await step("withdraw", () => send(f, g, (o) => escrow.connect(payer).withdraw(op, o)));
          expect(g.withdrawn[0]).to.equal(withdrawn);
          expect((await escrow.getEscrow(payer.address, op)).balance).to.equal(
            balance0 - laterPaid - oldPaid - withdrawn,
          );
        },
      ),
      { numRuns: NUM_RUNS, ...SEED_OPTION },
    );
  });
});
