/*
NodeRegistry
├── deployment → it stores the model registry and staking; the admin holds DEFAULT_ADMIN_ROLE and JAILER_ROLE;
│   minimums are None 10,000, TEE 25,000, ZK 50,000 OPG; the own minimum is 5,000 OPG per node, within
│   [1, 1,000,000] OPG; the liveness window is 1 hour; ids start at 1; nodeOperatorOf(unknown) is (0, false);
│   operatorOf(unknown) is 0; PRICE_INCREASE_DELAY is 1 day
├── registerNode
│   ├── when the modes mask is 0 or has a bit beyond ZK (8, 255) → it reverts NodeInvalidModes(modes)
│   ├── when TEE is offered without a measurement → it reverts NodeTeeMeasurementMissing
│   ├── when a measurement is given without TEE → it reverts NodeTeeMeasurementWithoutTee(measurement)
│   ├── when the capacity is zero → it reverts NodeZeroCapacity
│   ├── when a mode not offered has a price → it reverts NodePriceForModeNotOffered(mode, price)
│   ├── when a model is not registered → it reverts NodeUnknownModel(model)
│   ├── when a model is listed twice → it reverts NodeAlreadyServesModel(nodeId, model)
│   ├── when more than MAX_MODELS_PER_NODE models are listed → it reverts NodeTooManyModels(count, 256);
│   │   exactly 256 is accepted
│   ├── when the operator's own active stake is below minimumOwnStake per node → it reverts
│   │   NodeInsufficientOwnStake(operator, own, requiredOwn) before the total check (no stake at all, 1 wei short)
│   ├── when the operator's active stake is below the minimum → it reverts NodeInsufficientStake(operator, active,
│   │   required) (1 wei short); exactly the minimum is accepted; delegations count once the own stake is there
│   ├── given 1 OPG own and 100,000 delegated (the issue's attack) → every mode reverts NodeInsufficientOwnStake
│   └── when everything is in order → it stores the node under nextNodeId (seen now, active, not jailed), counts it
│       at its most demanding mode, moves no tokens, serves (nodeOperatorOf); its prices apply at once (priceOf,
│       no increase pending); it emits NodeRegistered with every value and NodeModelAdded per model (none is fine)
├── several nodes under one operator
│   ├── for every modes mask → the node counts at its most demanding mode (ZK over TEE over None)
│   ├── the required stake is Σ nodeCountsOf[mode] × minimumStake(mode); other operators are untouched
│   └── a second node needs the stake of both → NodeInsufficientStake(operator, active, sum) until staked
├── updateNode
│   ├── given an unknown id → it reverts NodeNotFound(id)
│   ├── when the caller is not the operator → it reverts NodeNotOperator(id, caller, operator)
│   ├── given a deregistered node → it reverts NodeInactive(id)
│   ├── when the params are malformed → it reverts as registerNode does
│   ├── when the most demanding mode rises beyond the stake → it reverts NodeInsufficientStake; once staked it passes
│   ├── when the most demanding mode falls or stays → it never fails on stake, even under-staked
│   └── otherwise → it replaces the declaration, moves the node between mode counts, keeps the rest (operator,
│       times, jail, models); it emits NodeUpdated with the new values and the prices asked; the prices follow
│       the next branch
├── updateNode: prices (measured against the prices in force: the pending ones once due, else the stored ones)
│   ├── a decrease → priceOf falls in the update's block; priceIncreaseAt 0; no NodePriceIncreaseScheduled
│   ├── an increase → the stored prices keep the old one, pendingPrices the new ones, priceIncreaseAt = now + 1 day;
│   │   it emits NodePriceIncreaseScheduled(id, prices, now + 1 day); priceOf is the old price one second before,
│   │   the new one at that second and after, though the node as stored does not change
│   ├── a mixed update → its decreases at once, its increases a day later; the event carries every price asked
│   ├── a second update during the delay → replaces the schedule, measured from the prices in force: the first
│   │   schedule never applies; a decrease below the price in force cancels it; asking the same prices again
│   │   keeps the schedule; once an increase is in force, asking it again schedules nothing
│   └── a mode newly offered → its price rises from 0: it is priced 0 for a day, while the node is eligible for it
├── operatorOf → the node's operator, also once deregistered or jailed; zero for an unknown id
├── addModels / removeModels
│   ├── when the caller is not the operator → they revert NodeNotOperator; on a deregistered node → NodeInactive
│   ├── addModels: unknown model → NodeUnknownModel; already served or listed twice → NodeAlreadyServesModel;
│   │   beyond 256 → NodeTooManyModels; otherwise it serves them, emits NodeModelAdded each
│   └── removeModels: a model not served (or listed twice) → NodeDoesNotServeModel(id, model); otherwise it stops
│       serving them, emits NodeModelRemoved each, and frees room for others
├── deregisterNode
│   ├── when the caller is not the operator → it reverts NodeNotOperator
│   └── when the operator retires it → inactive, not serving, the rest unchanged, its minimum and own minimum no
│       longer required; it emits NodeDeregistered; then every operator action reverts NodeInactive(id)
├── heartbeat
│   ├── given an unknown id → NodeNotFound; not the operator → NodeNotOperator
│   └── otherwise → lastSeen = now, nothing else; it emits NodeHeartbeat(id, now); a stale node is fresh again
├── eligibility (eligibilityOf and isEligible)
│   ├── each reason: NotRegistered (id 0, nextNodeId), Inactive, Jailed, Stale, ModeNotOffered, ModelNotServed,
│   │   MeasurementNotApproved, InsufficientStake, InsufficientOwnStake, and Eligible
│   ├── several reasons at once → the first in enum order, except that the own stake is checked before the total
│   │   (InsufficientOwnStake when both are short)
│   ├── stake: eligible → InsufficientStake as the operator unstakes below the minimum → eligible again when it
│   │   stakes, or when another holder delegates; one operator's shortfall makes all its nodes ineligible
│   ├── liveness: eligible through lastSeen + livenessWindow, Stale one second later, fresh after a heartbeat
│   └── TEE: MeasurementNotApproved until setTeeMeasurementApproval(measurement, true), again after revoking
├── own stake
│   ├── requiredOwnStakeOf → active nodes × minimumOwnStake, whatever their mode; a second node needs twice the own
│   │   stake though delegations cover the total (NodeInsufficientOwnStake(operator, own, 2 × minimum)); retiring
│   │   a node frees its part
│   ├── updateNode to a more demanding mode → NodeInsufficientOwnStake when the own stake fell short
│   ├── eligibility → InsufficientOwnStake once the operator unstakes below the own minimum (1 OPG own, 100,000
│   │   delegated), InsufficientStake when only the total is short, Eligible when both are covered
│   └── nodeOperatorOf → serving while the stake still active covers the node mid-thaw; not serving below the total
│       or below the own minimum (thawing stake does not count), while jailed, once deregistered
├── jailing
│   ├── when the caller lacks JAILER_ROLE → jailNode and unjailNode revert AccessControlUnauthorizedAccount
│   ├── given an unknown id → NodeNotFound
│   ├── when the term is now or earlier, or beyond now + MAX_JAIL_DURATION → it reverts NodeInvalidJailTerm(until,
│   │   latest); now + 1 and now + MAX_JAIL_DURATION are accepted
│   ├── a jailed node is ineligible until the term ends (eligible again at jailedUntil) or unjailNode;
│   │   it emits NodeJailed(id, until) / NodeUnjailed(id)
│   └── jailing moves no tokens: the operator's stake, balances and required stake are unchanged
└── governance
    ├── setMinimumStake / setMinimumOwnStake / setLivenessWindow / setTeeMeasurementApproval: only
    │   DEFAULT_ADMIN_ROLE (not the jailer)
    ├── setMinimumOwnStake outside [1, 1,000,000] OPG → NodeParameterOutOfBounds(name, value, min, max); the bounds are
    │   accepted; it emits MinimumOwnStakeSet(old, new); raised above the own stake → InsufficientOwnStake and not
    │   serving at once, whatever is delegated; lowered → eligible again
    ├── outside [1, 10,000,000] OPG / [5 minutes, 7 days] → NodeParameterOutOfBounds(name, value, min, max); the bounds
    │   themselves are accepted; they emit MinimumStakeSet(mode, old, new) / LivenessWindowSet(old, new)
    ├── a raised minimum makes a previously eligible node ineligible at once (and a lowered one eligible again);
    │   the minimum of a mode the operator does not run changes nothing
    └── a shorter liveness window makes a node stale sooner
*/

import { expect } from "chai";
import { ethers, network } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { ContractTransactionResponse } from "ethers";

import type { Nodes } from "../../typechain-types/contracts/nodes/NodeRegistry";
import { opg } from "../../deploy/lib/format";
import { deployTestCore } from "../helpers/core";
import { commitAndRegisterModel } from "../helpers/models";

const { ZeroHash, MaxUint256, encodeBytes32String } = ethers;
/** The highest cut a delegator can accept: delegations here do not test the bound. */
const ANY_CUT = 1_000_000n;

/** Verification modes (the enum Nodes.Mode) and their bits in a modes mask (1 << mode). */
const Mode = { None: 0, Tee: 1, Zk: 2 } as const;
type ModeValue = (typeof Mode)[keyof typeof Mode];
const NONE = 1;
const TEE = 2;
const ZK = 4;

/** Nodes.Eligibility, in its declared order. */
const Eligibility = {
  Eligible: 0n,
  NotRegistered: 1n,
  Inactive: 2n,
  Jailed: 3n,
  Stale: 4n,
  ModeNotOffered: 5n,
  ModelNotServed: 6n,
  MeasurementNotApproved: 7n,
  InsufficientStake: 8n,
  InsufficientOwnStake: 9n,
} as const;

/** Default minimum stakes, indexed by mode. */
const MINIMUM = [opg(10_000n), opg(25_000n), opg(50_000n)] as const;
const HOUR = 3_600n;
const DAY = 86_400n;
const MAX_JAIL_DURATION = 90n * DAY;
/** How long a price increase waits; decreases apply at once. */
const PRICE_INCREASE_DELAY = DAY;
const MAX_MODELS = 256;
/** The operator's own stake required per active node, by default, and its bounds. */
const MINIMUM_OWN = opg(5_000n);
const MIN_MINIMUM_OWN = opg(1n);
const MAX_MINIMUM_OWN = opg(1_000_000n);
const MIN_MINIMUM_STAKE = opg(1n);
const MAX_MINIMUM_STAKE = opg(10_000_000n);
const MIN_WINDOW = 5n * 60n;
const MAX_WINDOW = 7n * DAY;

/** What each operator and delegator is given. */
const FUNDS = opg(1_000_000n);
/** A fixed gas limit, so that a transaction pinned to a timestamp is mined there even when it reverts. */
const GAS = 1_000_000n;

const modelId = (name: string) => ethers.id(`weights:${name}`);
const LLAMA = modelId("llama-3-8b");
const MISTRAL = modelId("mistral-7b");
const PHI = modelId("phi-3");
const UNKNOWN_MODEL = modelId("never-registered");
const MEASUREMENT = ethers.id("enclave:mrenclave:v1");
const OTHER_MEASUREMENT = ethers.id("enclave:mrenclave:v2");

interface Params {
  metadataURI: string;
  modes: number;
  teeMeasurement: string;
  capacity: bigint;
  prices: [bigint, bigint, bigint];
}

/*//////////////////////////////////////////////////////////////////////////
                                    FIXTURE
//////////////////////////////////////////////////////////////////////////*/

async function deployNodeRegistryFixture() {
  const [deployer, admin, jailer, modelOwner, alice, bob, carol, stranger] = await ethers.getSigners();
  const { token, staking, models, nodes } = await deployTestCore(deployer, admin);
  const stakingAddress = await staking.getAddress();

  for (const holder of [alice, bob, carol]) {
    await token.connect(admin).transfer(holder.address, FUNDS);
    await token.connect(holder).approve(stakingAddress, MaxUint256);
  }
  for (const id of [LLAMA, MISTRAL, PHI]) await commitAndRegisterModel(models, modelOwner, id, `ipfs://${id}`, 0n);

  const roles = { admin: await nodes.DEFAULT_ADMIN_ROLE(), jailer: await nodes.JAILER_ROLE() };
  await nodes.connect(admin).grantRole(roles.jailer, jailer.address);
  return {
    token,
    staking,
    stakingAddress,
    models,
    nodes,
    nodesAddress: await nodes.getAddress(),
    roles,
    deployer,
    admin,
    jailer,
    modelOwner,
    alice,
    bob,
    carol,
    stranger,
  };
}

type Fixture = Awaited<ReturnType<typeof deployNodeRegistryFixture>>;

/** A node offering no verification only: a price for None, 16 at once. */
function params(overrides: Partial<Params> = {}): Params {
  return {
    metadataURI: "https://node.example/v1",
    modes: NONE,
    teeMeasurement: ZeroHash,
    capacity: 16n,
    prices: [10n ** 15n, 0n, 0n],
    ...overrides,
  };
}

/** A node offering TEE and None, with the enclave measurement. */
const teeParams = (overrides: Partial<Params> = {}) =>
  params({ modes: TEE | NONE, teeMeasurement: MEASUREMENT, prices: [10n ** 15n, 3n * 10n ** 15n, 0n], ...overrides });

/** A node offering ZK only. */
const zkParams = (overrides: Partial<Params> = {}) =>
  params({ modes: ZK, prices: [0n, 0n, 9n * 10n ** 15n], ...overrides });

/** The most demanding mode of a mask: ZK over TEE over None. */
function topMode(modes: number): ModeValue {
  if (modes & ZK) return Mode.Zk;
  if (modes & TEE) return Mode.Tee;
  return Mode.None;
}

/*//////////////////////////////////////////////////////////////////////////
                                    HELPERS
//////////////////////////////////////////////////////////////////////////*/

type Stored = ReturnType<typeof fieldsOf>;

function fieldsOf(n: Nodes.NodeStructOutput) {
  return {
    operator: n.operator,
    lastSeen: n.lastSeen,
    jailedUntil: n.jailedUntil,
    modes: n.modes,
    active: n.active,
    capacity: n.capacity,
    modelCount: n.modelCount,
    registeredAt: n.registeredAt,
    priceIncreaseAt: n.priceIncreaseAt,
    prices: [...n.prices] as bigint[],
    pendingPrices: [...n.pendingPrices] as bigint[],
    teeMeasurement: n.teeMeasurement,
    metadataURI: n.metadataURI,
  };
}

async function nodeOf(f: Fixture, id: bigint): Promise<Stored> {
  return fieldsOf(await f.nodes.getNode(id));
}

async function now(): Promise<bigint> {
  return BigInt(await time.latest());
}

async function blockTimeOf(tx: ContractTransactionResponse): Promise<bigint> {
  const receipt = (await tx.wait())!;
  return BigInt((await ethers.provider.getBlock(receipt.blockNumber))!.timestamp);
}

async function countsOf(f: Fixture, operator: string): Promise<bigint[]> {
  return [...(await f.nodes.nodeCountsOf(operator))];
}

/** The required stake from the counts and the current minimums, in closed form. */
async function expectedRequired(f: Fixture, operator: string): Promise<bigint> {
  const counts = await countsOf(f, operator);
  let required = 0n;
  for (const mode of [Mode.None, Mode.Tee, Mode.Zk]) required += counts[mode] * (await f.nodes.minimumStake(mode));
  return required;
}

/** The own stake required: every active node times minimumOwnStake, whatever its mode. */
async function expectedRequiredOwn(f: Fixture, operator: string): Promise<bigint> {
  const counts = await countsOf(f, operator);
  return (counts[0] + counts[1] + counts[2]) * (await f.nodes.minimumOwnStake());
}

/** What the registry must never touch: the operator's stake and every token balance involved. */
async function tokensOf(f: Fixture, operator: string) {
  const o = await f.staking.getOperator(operator);
  return {
    active: await f.staking.activeStakeOf(operator),
    slashable: await f.staking.slashableStakeOf(operator),
    ownActive: o.ownActive,
    delegated: [...o.delegated],
    operatorBalance: await f.token.balanceOf(operator),
    stakingBalance: await f.token.balanceOf(f.stakingAddress),
    registryBalance: await f.token.balanceOf(f.nodesAddress),
    totalActiveStake: await f.staking.totalActiveStake(),
  };
}

/** What an operator's standing in the registry is made of. */
async function standingOf(f: Fixture, operator: string) {
  return { counts: await countsOf(f, operator), required: await f.nodes.requiredStakeOf(operator) };
}

async function stake(f: Fixture, who: HardhatEthersSigner, amount: bigint) {
  const before = await f.staking.activeStakeOf(who.address);
  await f.staking.connect(who).stake(amount);
  expect(await f.staking.activeStakeOf(who.address)).to.equal(before + amount);
}

async function unstake(f: Fixture, who: HardhatEthersSigner, amount: bigint) {
  const before = await f.staking.activeStakeOf(who.address);
  await f.staking.connect(who).unstake(amount);
  expect(await f.staking.activeStakeOf(who.address)).to.equal(before - amount);
}

/** The arguments of every `name` event the registry emitted in the transaction, in order. */
async function eventsOf(f: Fixture, tx: ContractTransactionResponse, name: string): Promise<unknown[][]> {
  const receipt = (await tx.wait())!;
  return receipt.logs
    .filter((l) => l.address === f.nodesAddress)
    .map((l) => f.nodes.interface.parseLog(l)!)
    .filter((e) => e.name === name)
    .map((e) => [...e.args]);
}

async function expectEligibility(f: Fixture, id: bigint, model: string, mode: ModeValue, reason: bigint) {
  expect(await f.nodes.eligibilityOf(id, model, mode), `eligibilityOf(${id}, mode ${mode})`).to.equal(reason);
  expect(await f.nodes.isEligible(id, model, mode)).to.equal(reason === Eligibility.Eligible);
}

/** Mines an empty block at `t`, so that views read `t` as the current time. */
async function viewAt(t: bigint) {
  await time.increaseTo(t);
  expect(await now()).to.equal(t);
}

/**
 * registerNode and asserts: the id, the stored node, the served models, the count at the top mode, the required
 * stake, the events; that no token moved and other operators are untouched.
 */
async function registerAndCheck(
  f: Fixture,
  operator: HardhatEthersSigner,
  p: Params,
  modelIds: string[] = [LLAMA],
): Promise<bigint> {
  const { nodes } = f;
  const id = await nodes.nextNodeId();
  expect(await nodes.connect(operator).registerNode.staticCall(p, modelIds)).to.equal(id);
  const counts = await countsOf(f, operator.address);
  const required = await nodes.requiredStakeOf(operator.address);
  const tokens = await tokensOf(f, operator.address);
  const others = [f.alice, f.bob, f.carol].filter((s) => s.address !== operator.address);
  const othersBefore = await Promise.all(others.map((s) => standingOf(f, s.address)));

  const tx = await nodes.connect(operator).registerNode(p, modelIds);
  await expect(tx)
    .to.emit(nodes, "NodeRegistered")
    .withArgs(id, operator.address, p.metadataURI, p.modes, p.teeMeasurement, p.capacity, p.prices);
  expect(await eventsOf(f, tx, "NodeModelAdded")).to.deep.equal(modelIds.map((m) => [id, m]));

  const t = await blockTimeOf(tx);
  expect(await nodeOf(f, id)).to.deep.equal({
    operator: operator.address,
    lastSeen: t,
    jailedUntil: 0n,
    modes: BigInt(p.modes),
    active: true,
    capacity: p.capacity,
    modelCount: BigInt(modelIds.length),
    registeredAt: t,
    // A registration's prices apply at once: nothing to wait for.
    priceIncreaseAt: 0n,
    prices: p.prices,
    pendingPrices: [0n, 0n, 0n],
    teeMeasurement: p.teeMeasurement,
    metadataURI: p.metadataURI,
  });
  for (const model of modelIds) expect(await nodes.servesModel(id, model)).to.equal(true);
  for (const mode of [Mode.None, Mode.Tee, Mode.Zk]) expect(await nodes.priceOf(id, mode)).to.equal(p.prices[mode]);
  expect(await nodes.nextNodeId()).to.equal(id + 1n);
  const top = topMode(p.modes);
  expect(await countsOf(f, operator.address)).to.deep.equal(counts.map((c, m) => (m === top ? c + 1n : c)));
  expect(await nodes.requiredStakeOf(operator.address)).to.equal(required + (await nodes.minimumStake(top)));
  expect(await nodes.requiredStakeOf(operator.address)).to.equal(await expectedRequired(f, operator.address));
  expect(await nodes.requiredOwnStakeOf(operator.address)).to.equal(await expectedRequiredOwn(f, operator.address));
  expect(await nodes.nodeOperatorOf(id)).to.deep.equal([operator.address, true]);
  expect(await tokensOf(f, operator.address)).to.deep.equal(tokens);
  expect(await Promise.all(others.map((s) => standingOf(f, s.address)))).to.deep.equal(othersBefore);
  return id;
}

/** Asserts a registration reverted and changed nothing: no id taken, no count, no required stake. */
async function expectNoRegistration(f: Fixture, operator: string, nextBefore: bigint, standing: object) {
  expect(await f.nodes.nextNodeId()).to.equal(nextBefore);
  expect(await standingOf(f, operator)).to.deep.equal(standing);
  await expect(f.nodes.getNode(nextBefore)).to.be.revertedWithCustomError(f.nodes, "NodeNotFound").withArgs(nextBefore);
}

/** The prices in force at time `t`, from the node as stored: the pending ones once their increase is due. */
function pricesAt(n: Stored, t: bigint): bigint[] {
  return n.priceIncreaseAt !== 0n && t >= n.priceIncreaseAt ? n.pendingPrices : n.prices;
}

async function pricesOf(f: Fixture, id: bigint): Promise<bigint[]> {
  return Promise.all([Mode.None, Mode.Tee, Mode.Zk].map((mode) => f.nodes.priceOf(id, mode)));
}

/**
 * updateNode at `t` (default: the next second) and asserts: the declaration replaced, the rest kept, the counts
 * moved, NodeUpdated with the prices asked. Prices: each mode's decrease (from the price in force at `t`) applies at
 * once; when any mode rises, the stored prices keep the lower of the price in force and the new one, the new prices
 * pend until t + PRICE_INCREASE_DELAY (replacing any schedule) and NodePriceIncreaseScheduled(id, prices, t + 1 day)
 * is emitted; otherwise no increase pends (priceIncreaseAt 0; the stale pendingPrices are left as they were) and no
 * NodePriceIncreaseScheduled is emitted. priceOf shows the stored prices at `t`. Returns `t`.
 */
async function updateAndCheck(
  f: Fixture,
  operator: HardhatEthersSigner,
  id: bigint,
  p: Params,
  at?: bigint,
): Promise<bigint> {
  const { nodes } = f;
  const before = await nodeOf(f, id);
  const counts = await countsOf(f, operator.address);
  const tokens = await tokensOf(f, operator.address);
  const served = await Promise.all([LLAMA, MISTRAL, PHI].map((m) => nodes.servesModel(id, m)));
  const t = at ?? (await now()) + 1n;
  await time.setNextBlockTimestamp(t);
  const inForce = pricesAt(before, t);
  const lower = p.prices.map((price, m) => (price < inForce[m] ? price : inForce[m]));
  const increase = p.prices.some((price, m) => price > inForce[m]);

  const tx = await nodes.connect(operator).updateNode(id, p);
  expect(await blockTimeOf(tx)).to.equal(t);
  await expect(tx)
    .to.emit(nodes, "NodeUpdated")
    .withArgs(id, p.metadataURI, p.modes, p.teeMeasurement, p.capacity, p.prices);
  if (increase) {
    await expect(tx)
      .to.emit(nodes, "NodePriceIncreaseScheduled")
      .withArgs(id, p.prices, t + PRICE_INCREASE_DELAY);
  } else {
    await expect(tx).not.to.emit(nodes, "NodePriceIncreaseScheduled");
  }

  expect(await nodeOf(f, id)).to.deep.equal({
    ...before,
    modes: BigInt(p.modes),
    capacity: p.capacity,
    priceIncreaseAt: increase ? t + PRICE_INCREASE_DELAY : 0n,
    prices: lower,
    pendingPrices: increase ? p.prices : before.pendingPrices,
    teeMeasurement: p.teeMeasurement,
    metadataURI: p.metadataURI,
  });
  expect(await pricesOf(f, id)).to.deep.equal(lower);
  const [oldTop, newTop] = [topMode(Number(before.modes)), topMode(p.modes)];
  const expectedCounts = [...counts];
  expectedCounts[oldTop] -= 1n;
  expectedCounts[newTop] += 1n;
  expect(await countsOf(f, operator.address)).to.deep.equal(expectedCounts);
  expect(await nodes.requiredStakeOf(operator.address)).to.equal(await expectedRequired(f, operator.address));
  expect(await Promise.all([LLAMA, MISTRAL, PHI].map((m) => nodes.servesModel(id, m)))).to.deep.equal(served);
  expect(await tokensOf(f, operator.address)).to.deep.equal(tokens);
  expect(await nodes.operatorOf(id)).to.equal(operator.address);
  return t;
}

/** addModels and asserts: each served, the count up, one event each, the rest of the node unchanged. */
async function addModelsAndCheck(f: Fixture, operator: HardhatEthersSigner, id: bigint, modelIds: string[]) {
  const before = await nodeOf(f, id);
  const tx = await f.nodes.connect(operator).addModels(id, modelIds);
  expect(await eventsOf(f, tx, "NodeModelAdded")).to.deep.equal(modelIds.map((m) => [id, m]));
  for (const model of modelIds) expect(await f.nodes.servesModel(id, model)).to.equal(true);
  expect(await nodeOf(f, id)).to.deep.equal({ ...before, modelCount: before.modelCount + BigInt(modelIds.length) });
}

/** removeModels and asserts: each no longer served, the count down, one event each, the rest unchanged. */
async function removeModelsAndCheck(f: Fixture, operator: HardhatEthersSigner, id: bigint, modelIds: string[]) {
  const before = await nodeOf(f, id);
  const tx = await f.nodes.connect(operator).removeModels(id, modelIds);
  expect(await eventsOf(f, tx, "NodeModelRemoved")).to.deep.equal(modelIds.map((m) => [id, m]));
  for (const model of modelIds) expect(await f.nodes.servesModel(id, model)).to.equal(false);
  expect(await nodeOf(f, id)).to.deep.equal({ ...before, modelCount: before.modelCount - BigInt(modelIds.length) });
}

/** deregisterNode and asserts: inactive, the rest unchanged, the count and required stake down, no tokens. */
async function deregisterAndCheck(f: Fixture, operator: HardhatEthersSigner, id: bigint) {
  const before = await nodeOf(f, id);
  const counts = await countsOf(f, operator.address);
  const required = await f.nodes.requiredStakeOf(operator.address);
  const tokens = await tokensOf(f, operator.address);
  const top = topMode(Number(before.modes));

  await expect(f.nodes.connect(operator).deregisterNode(id))
    .to.emit(f.nodes, "NodeDeregistered")
    .withArgs(id, operator.address);

  expect(await nodeOf(f, id)).to.deep.equal({ ...before, active: false });
  expect(await countsOf(f, operator.address)).to.deep.equal(counts.map((c, m) => (m === top ? c - 1n : c)));
  expect(await f.nodes.requiredStakeOf(operator.address)).to.equal(required - (await f.nodes.minimumStake(top)));
  expect(await f.nodes.requiredOwnStakeOf(operator.address)).to.equal(await expectedRequiredOwn(f, operator.address));
  expect(await f.nodes.nodeOperatorOf(id)).to.deep.equal([operator.address, false]);
  expect(await tokensOf(f, operator.address)).to.deep.equal(tokens);
}

/** heartbeat and asserts: lastSeen is the block time, nothing else changed, the event. */
async function heartbeatAndCheck(f: Fixture, operator: HardhatEthersSigner, id: bigint): Promise<bigint> {
  const before = await nodeOf(f, id);
  const tx = await f.nodes.connect(operator).heartbeat(id);
  const t = await blockTimeOf(tx);
  await expect(tx).to.emit(f.nodes, "NodeHeartbeat").withArgs(id, t);
  expect(await nodeOf(f, id)).to.deep.equal({ ...before, lastSeen: t });
  return t;
}

/** jailNode and asserts: only jailedUntil changed, no token moved, the required stake kept, the event. */
async function jailAndCheck(f: Fixture, id: bigint, until: bigint, jailer = f.jailer) {
  const before = await nodeOf(f, id);
  const tokens = await tokensOf(f, before.operator);
  const standing = await standingOf(f, before.operator);
  await expect(f.nodes.connect(jailer).jailNode(id, until)).to.emit(f.nodes, "NodeJailed").withArgs(id, until);
  expect(await nodeOf(f, id)).to.deep.equal({ ...before, jailedUntil: until });
  expect(await tokensOf(f, before.operator)).to.deep.equal(tokens);
  expect(await standingOf(f, before.operator)).to.deep.equal(standing);
}

/** Registers `count` models from the model owner, a few hundred per mined block. */
async function registerModels(f: Fixture, prefix: string, count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, (_, i) => modelId(`${prefix}-${i}`));
  const txs: ContractTransactionResponse[] = [];
  await network.provider.send("evm_setAutomine", [false]);
  try {
    for (let start = 0; start < count; start += 150) {
      const slice = ids.slice(start, start + 150);
      // Each registration committed in the block before it, as builders do.
      const owner = f.modelOwner.address;
      await Promise.all(
        slice.map(async (id) =>
          f.models
            .connect(f.modelOwner)
            .commitModel(await f.models.modelCommitmentOf(owner, id), { gasLimit: 100_000n }),
        ),
      );
      await network.provider.send("evm_mine");
      const batch = slice.map((id) =>
        f.models.connect(f.modelOwner).registerModel(id, "ipfs://m", 0n, { gasLimit: 200_000n }),
      );
      txs.push(...(await Promise.all(batch)));
      await network.provider.send("evm_mine");
    }
  } finally {
    await network.provider.send("evm_setAutomine", [true]);
  }
  for (const tx of txs) expect((await tx.wait())!.status).to.equal(1);
  for (const id of ids) expect(await f.models.exists(id)).to.equal(true);
  return ids;
}

/** Alice's None node serving LLAMA and MISTRAL, exactly covered by her stake. */
async function withNoneNode(f: Fixture) {
  await stake(f, f.alice, MINIMUM[Mode.None]);
  const id = await registerAndCheck(f, f.alice, params(), [LLAMA, MISTRAL]);
  await expectEligibility(f, id, LLAMA, Mode.None, Eligibility.Eligible);
  return id;
}

/*//////////////////////////////////////////////////////////////////////////
                                     TESTS
//////////////////////////////////////////////////////////////////////////*/

describe("NodeRegistry", function () {
  describe("deployment", function () {
    it("wires the registries, grants the admin both roles and sets the defaults", async function () {
      const f = await loadFixture(deployNodeRegistryFixture);
      const { nodes } = f;
      expect(await nodes.MODELS()).to.equal(await f.models.getAddress());
      expect(await nodes.STAKING()).to.equal(f.stakingAddress);
      expect(await nodes.hasRole(f.roles.admin, f.admin.address)).to.equal(true);
      expect(await nodes.hasRole(f.roles.jailer, f.admin.address)).to.equal(true);
      expect(await nodes.hasRole(f.roles.admin, f.deployer.address)).to.equal(false);
      expect(await nodes.hasRole(f.roles.admin, f.jailer.address)).to.equal(false);
      expect(f.roles.jailer).to.equal(ethers.id("JAILER_ROLE"));
      for (const mode of [Mode.None, Mode.Tee, Mode.Zk]) expect(await nodes.minimumStake(mode)).to.equal(MINIMUM[mode]);
      expect(await nodes.livenessWindow()).to.equal(HOUR);
      expect(await nodes.nextNodeId()).to.equal(1n);
      expect(await nodes.MAX_MODELS_PER_NODE()).to.equal(BigInt(MAX_MODELS));
      expect(await nodes.MAX_JAIL_DURATION()).to.equal(MAX_JAIL_DURATION);
      expect(await countsOf(f, f.alice.address)).to.deep.equal([0n, 0n, 0n]);
      expect(await nodes.requiredStakeOf(f.alice.address)).to.equal(0n);
      expect(await nodes.minimumOwnStake()).to.equal(MINIMUM_OWN);
      expect(await nodes.MIN_MINIMUM_OWN_STAKE()).to.equal(MIN_MINIMUM_OWN);
      expect(await nodes.MAX_MINIMUM_OWN_STAKE()).to.equal(MAX_MINIMUM_OWN);
      expect(await nodes.requiredOwnStakeOf(f.alice.address)).to.equal(0n);
      expect(await nodes.nodeOperatorOf(1n)).to.deep.equal([ethers.ZeroAddress, false]);
      expect(await nodes.operatorOf(1n)).to.equal(ethers.ZeroAddress);
      expect(await nodes.PRICE_INCREASE_DELAY()).to.equal(PRICE_INCREASE_DELAY);
    });
  });

  describe("registerNode", function () {
    async function expectRejected(f: Fixture, p: Params, modelIds: string[], error: string, args?: unknown[]) {
      const next = await f.nodes.nextNodeId();
      const standing = await standingOf(f, f.alice.address);
      const call = expect(f.nodes.connect(f.alice).registerNode(p, modelIds)).to.be.revertedWithCustomError(
        f.nodes,
        error,
      );
      if (args) await call.withArgs(...args);
      else await call;
      await expectNoRegistration(f, f.alice.address, next, standing);
    }

    it("reverts NodeInvalidModes(modes) for an empty mask or a bit beyond ZK", async function () {
      const f = await loadFixture(deployNodeRegistryFixture);
      await stake(f, f.alice, opg(100_000n));
      for (const modes of [0, 8, 8 | NONE, 255]) {
        await expectRejected(f, params({ modes, prices: [0n, 0n, 0n] }), [LLAMA], "NodeInvalidModes", [modes]);
      }
    });

    it("reverts NodeTeeMeasurementMissing when TEE is offered without a measurement", async function () {
      const f = await loadFixture(deployNodeRegistryFixture);
      await stake(f, f.alice, opg(100_000n));
      for (const modes of [TEE, TEE | NONE, TEE | ZK, TEE | ZK | NONE]) {
        await expectRejected(f, params({ modes, prices: [0n, 0n, 0n] }), [LLAMA], "NodeTeeMeasurementMissing");
      }
    });

    it("reverts NodeTeeMeasurementWithoutTee(measurement) when a measurement comes without TEE", async function () {
      const f = await loadFixture(deployNodeRegistryFixture);
      await stake(f, f.alice, opg(100_000n));
      for (const modes of [NONE, ZK, ZK | NONE]) {
        const p = params({ modes, teeMeasurement: MEASUREMENT, prices: [0n, 0n, 0n] });
        await expectRejected(f, p, [LLAMA], "NodeTeeMeasurementWithoutTee", [MEASUREMENT]);
      }
    });

    it("reverts NodeZeroCapacity when the capacity is zero", async function () {
      const f = await loadFixture(deployNodeRegistryFixture);
      await stake(f, f.alice, opg(100_000n));
      await expectRejected(f, params({ capacity: 0n }), [LLAMA], "NodeZeroCapacity");
      await expectRejected(f, teeParams({ capacity: 0n }), [LLAMA], "NodeZeroCapacity");
    });

    it("reverts NodePriceForModeNotOffered(mode, price) for a price on a mode not offered", async function () {
      const f = await loadFixture(deployNodeRegistryFixture);
      await stake(f, f.alice, opg(100_000n));
      const cases: [Params, number, bigint][] = [
        [params({ prices: [1n, 0n, 5n] }), Mode.Zk, 5n],
        [params({ prices: [1n, 2n, 0n] }), Mode.Tee, 2n],
        [zkParams({ prices: [7n, 0n, 1n] }), Mode.None, 7n],
        [teeParams({ prices: [0n, 1n, 2n ** 80n - 1n] }), Mode.Zk, 2n ** 80n - 1n],
        [params({ modes: ZK | NONE, prices: [1n, 1n, 1n] }), Mode.Tee, 1n],
      ];
      for (const [p, mode, price] of cases) {
        await expectRejected(f, p, [LLAMA], "NodePriceForModeNotOffered", [mode, price]);
      }
    });

    it("reverts NodeUnknownModel(model) for a model that is not registered", async function () {
      const f = await loadFixture(deployNodeRegistryFixture);
      await stake(f, f.alice, opg(100_000n));
      await expectRejected(f, params(), [UNKNOWN_MODEL], "NodeUnknownModel", [UNKNOWN_MODEL]);
      await expectRejected(f, params(), [LLAMA, UNKNOWN_MODEL, MISTRAL], "NodeUnknownModel", [UNKNOWN_MODEL]);
      await expectRejected(f, params(), [LLAMA, ZeroHash], "NodeUnknownModel", [ZeroHash]);
    });

    it("reverts NodeAlreadyServesModel(nodeId, model) for a model listed twice", async function () {
      const f = await loadFixture(deployNodeRegistryFixture);
      await stake(f, f.alice, opg(100_000n));
      const next = await f.nodes.nextNodeId();
      await expectRejected(f, params(), [LLAMA, MISTRAL, LLAMA], "NodeAlreadyServesModel", [next, LLAMA]);
      await expectRejected(f, params(), [PHI, PHI], "NodeAlreadyServesModel", [next, PHI]);
    });

    it("reverts NodeTooManyModels(count, 256) beyond MAX_MODELS_PER_NODE; 256 is accepted", async function () {
      const f = await loadFixture(deployNodeRegistryFixture);
      await stake(f, f.alice, opg(100_000n));
      const many = await registerModels(f, "many", MAX_MODELS + 1);
      await expectRejected(f, params(), many, "NodeTooManyModels", [BigInt(MAX_MODELS + 1), BigInt(MAX_MODELS)]);
      const id = await registerAndCheck(f, f.alice, params(), many.slice(0, MAX_MODELS));
      expect((await nodeOf(f, id)).modelCount).to.equal(BigInt(MAX_MODELS));
      expect(await f.nodes.servesModel(id, many[MAX_MODELS])).to.equal(false);
    });

    it("reverts NodeInsufficientOwnStake(operator, own, requiredOwn) before the total check", async function () {
      const f = await loadFixture(deployNodeRegistryFixture);
      // Changed with the redesign: with no stake at all the own stake is what is missing first.
      await expectRejected(f, params(), [LLAMA], "NodeInsufficientOwnStake", [f.alice.address, 0n, MINIMUM_OWN]);
      await stake(f, f.alice, MINIMUM_OWN - 1n);
      await expectRejected(f, zkParams(), [LLAMA], "NodeInsufficientOwnStake", [
        f.alice.address,
        MINIMUM_OWN - 1n,
        MINIMUM_OWN,
      ]);
    });

    it("reverts NodeInsufficientStake(operator, active, required) below the minimum; the minimum is enough", async function () {
      const f = await loadFixture(deployNodeRegistryFixture);
      await stake(f, f.alice, MINIMUM[Mode.None] - 1n);
      await expectRejected(f, params(), [LLAMA], "NodeInsufficientStake", [
        f.alice.address,
        MINIMUM[Mode.None] - 1n,
        MINIMUM[Mode.None],
      ]);
      await expectRejected(f, teeParams(), [LLAMA], "NodeInsufficientStake", [
        f.alice.address,
        MINIMUM[Mode.None] - 1n,
        MINIMUM[Mode.Tee],
      ]);
      await stake(f, f.alice, 1n);
      await expectRejected(f, zkParams(), [LLAMA], "NodeInsufficientStake", [
        f.alice.address,
        MINIMUM[Mode.None],
        MINIMUM[Mode.Zk],
      ]);
      await registerAndCheck(f, f.alice, params(), [LLAMA]);
    });

    it("counts delegated stake towards the minimum once the own stake is there", async function () {
      const f = await loadFixture(deployNodeRegistryFixture);
      await stake(f, f.alice, MINIMUM_OWN);
      await f.staking.connect(f.carol).delegate(f.alice.address, MINIMUM[Mode.None] - MINIMUM_OWN - 1n, ANY_CUT);
      await expectRejected(f, params(), [LLAMA], "NodeInsufficientStake", [
        f.alice.address,
        MINIMUM[Mode.None] - 1n,
        MINIMUM[Mode.None],
      ]);
      await f.staking.connect(f.carol).delegate(f.alice.address, opg(1n), ANY_CUT);
      expect(await f.staking.activeStakeOf(f.alice.address)).to.equal(MINIMUM[Mode.None] + opg(1n) - 1n);
      await registerAndCheck(f, f.alice, params(), [LLAMA]);
    });

    // The issue's attack: an operator with next to nothing at stake runs nodes on its delegators' money.
    it("rejects an operator with 1 OPG own and 100,000 delegated: NodeInsufficientOwnStake", async function () {
      const f = await loadFixture(deployNodeRegistryFixture);
      await stake(f, f.alice, opg(1n));
      await f.staking.connect(f.carol).delegate(f.alice.address, opg(100_000n), ANY_CUT);
      expect(await f.staking.stakeOf(f.alice.address)).to.deep.equal([opg(1n), opg(100_000n)]);
      for (const p of [params(), teeParams(), zkParams()])
        await expectRejected(f, p, [LLAMA], "NodeInsufficientOwnStake", [f.alice.address, opg(1n), MINIMUM_OWN]);
      // With the own minimum staked, the delegation covers the rest, ZK included.
      await stake(f, f.alice, MINIMUM_OWN - opg(1n));
      await registerAndCheck(f, f.alice, zkParams(), [LLAMA]);
    });

    it("stores the node, counts it, and emits NodeRegistered with every value and NodeModelAdded per model", async function () {
      const f = await loadFixture(deployNodeRegistryFixture);
      await stake(f, f.alice, opg(200_000n));
      const first = await registerAndCheck(f, f.alice, params(), [LLAMA]);
      expect(first).to.equal(1n);
      const t = (await now()) + 100n;
      await time.setNextBlockTimestamp(t);
      const p = teeParams({ metadataURI: "https://tee.example/alice", capacity: 2n ** 32n - 1n });
      const second = await registerAndCheck(f, f.alice, p, [MISTRAL, LLAMA, PHI]);
      expect(second).to.equal(2n);
      expect((await nodeOf(f, second)).registeredAt).to.equal(t);
      // Every mode, the largest prices, an empty URI, and no models at all.
      const all = params({
        modes: NONE | TEE | ZK,
        teeMeasurement: OTHER_MEASUREMENT,
        prices: [2n ** 80n - 1n, 1n, 0n],
        metadataURI: "",
      });
      const third = await registerAndCheck(f, f.alice, all, []);
      await expectEligibility(f, third, LLAMA, Mode.None, Eligibility.ModelNotServed);
      expect(await countsOf(f, f.alice.address)).to.deep.equal([1n, 1n, 1n]);
    });
  });

  describe("several nodes under one operator", function () {
    it("counts each node at its most demanding mode, for every modes mask", async function () {
      const f = await loadFixture(deployNodeRegistryFixture);
      await stake(f, f.bob, opg(500_000n));
      const expectedCounts = [0n, 0n, 0n];
      for (let modes = 1; modes <= 7; modes++) {
        const tee = (modes & TEE) !== 0;
        const p = params({ modes, teeMeasurement: tee ? MEASUREMENT : ZeroHash, prices: [0n, 0n, 0n] });
        await registerAndCheck(f, f.bob, p, [LLAMA]);
        expectedCounts[topMode(modes)] += 1n;
        expect(await countsOf(f, f.bob.address), `mask ${modes}`).to.deep.equal(expectedCounts);
      }
      // None: 1; TEE: 2, 3; ZK: 4, 5, 6, 7.
      expect(expectedCounts).to.deep.equal([1n, 2n, 4n]);
      expect(await f.nodes.requiredStakeOf(f.bob.address)).to.equal(
        MINIMUM[Mode.None] + 2n * MINIMUM[Mode.Tee] + 4n * MINIMUM[Mode.Zk],
      );
    });

    it("requires the sum of every node's minimum: a second node needs more stake", async function () {
      const f = await loadFixture(deployNodeRegistryFixture);
      const { nodes } = f;
      await stake(f, f.alice, MINIMUM[Mode.None]);
      const first = await registerAndCheck(f, f.alice, params(), [LLAMA]);

      // A second None node: both minimums.
      let next = await nodes.nextNodeId();
      let standing = await standingOf(f, f.alice.address);
      await expect(nodes.connect(f.alice).registerNode(params(), [LLAMA]))
        .to.be.revertedWithCustomError(nodes, "NodeInsufficientStake")
        .withArgs(f.alice.address, MINIMUM[Mode.None], 2n * MINIMUM[Mode.None]);
      await expectNoRegistration(f, f.alice.address, next, standing);
      await stake(f, f.alice, MINIMUM[Mode.None]);
      const second = await registerAndCheck(f, f.alice, params({ metadataURI: "https://node.example/2" }), [LLAMA]);

      // A TEE node on top: 2 × None + TEE.
      next = await nodes.nextNodeId();
      standing = await standingOf(f, f.alice.address);
      await expect(nodes.connect(f.alice).registerNode(teeParams(), [LLAMA]))
        .to.be.revertedWithCustomError(nodes, "NodeInsufficientStake")
        .withArgs(f.alice.address, 2n * MINIMUM[Mode.None], 2n * MINIMUM[Mode.None] + MINIMUM[Mode.Tee]);
      await expectNoRegistration(f, f.alice.address, next, standing);
      await stake(f, f.alice, MINIMUM[Mode.Tee]);
      await registerAndCheck(f, f.alice, teeParams(), [LLAMA]);

      // A node with every mode counts once, as ZK.
      await stake(f, f.alice, MINIMUM[Mode.Zk]);
      const all = teeParams({ modes: NONE | TEE | ZK, prices: [1n, 2n, 3n] });
      await registerAndCheck(f, f.alice, all, [LLAMA]);
      expect(await countsOf(f, f.alice.address)).to.deep.equal([2n, 1n, 1n]);
      const sum = 2n * MINIMUM[Mode.None] + MINIMUM[Mode.Tee] + MINIMUM[Mode.Zk];
      expect(await nodes.requiredStakeOf(f.alice.address)).to.equal(sum);
      expect(await f.staking.activeStakeOf(f.alice.address)).to.equal(sum);

      // Exactly covered: every node is eligible; other operators owe nothing.
      for (const id of [first, second]) await expectEligibility(f, id, LLAMA, Mode.None, Eligibility.Eligible);
      for (const other of [f.bob, f.carol]) {
        expect(await standingOf(f, other.address)).to.deep.equal({ counts: [0n, 0n, 0n], required: 0n });
      }
    });

    it("keeps operators apart: bob's nodes do not count against alice", async function () {
      const f = await loadFixture(deployNodeRegistryFixture);
      await stake(f, f.alice, MINIMUM[Mode.None]);
      await stake(f, f.bob, MINIMUM[Mode.Zk]);
      const alices = await registerAndCheck(f, f.alice, params(), [LLAMA]);
      const bobs = await registerAndCheck(f, f.bob, zkParams(), [LLAMA]);
      expect(await standingOf(f, f.alice.address)).to.deep.equal({
        counts: [1n, 0n, 0n],
        required: MINIMUM[Mode.None],
      });
      expect(await standingOf(f, f.bob.address)).to.deep.equal({ counts: [0n, 0n, 1n], required: MINIMUM[Mode.Zk] });
      await expectEligibility(f, alices, LLAMA, Mode.None, Eligibility.Eligible);
      await expectEligibility(f, bobs, LLAMA, Mode.Zk, Eligibility.Eligible);
    });
  });

  describe("updateNode", function () {
    it("reverts NodeNotFound, NodeNotOperator and NodeInactive", async function () {
      const f = await loadFixture(deployNodeRegistryFixture);
      const id = await withNoneNode(f);
      const before = await nodeOf(f, id);
      for (const unknown of [0n, id + 1n]) {
        await expect(f.nodes.connect(f.alice).updateNode(unknown, params()))
          .to.be.revertedWithCustomError(f.nodes, "NodeNotFound")
          .withArgs(unknown);
      }
      for (const caller of [f.bob, f.admin, f.jailer]) {
        await expect(f.nodes.connect(caller).updateNode(id, params({ capacity: 1n })))
          .to.be.revertedWithCustomError(f.nodes, "NodeNotOperator")
          .withArgs(id, caller.address, f.alice.address);
      }
      expect(await nodeOf(f, id)).to.deep.equal(before);
      await deregisterAndCheck(f, f.alice, id);
      await expect(f.nodes.connect(f.alice).updateNode(id, params({ capacity: 1n })))
        .to.be.revertedWithCustomError(f.nodes, "NodeInactive")
        .withArgs(id);
    });

    it("reverts as registerNode does for malformed params", async function () {
      const f = await loadFixture(deployNodeRegistryFixture);
      const id = await withNoneNode(f);
      const before = await nodeOf(f, id);
      const update = (p: Params) => f.nodes.connect(f.alice).updateNode(id, p);
      await expect(update(params({ modes: 0 })))
        .to.be.revertedWithCustomError(f.nodes, "NodeInvalidModes")
        .withArgs(0);
      await expect(update(params({ modes: 8 })))
        .to.be.revertedWithCustomError(f.nodes, "NodeInvalidModes")
        .withArgs(8);
      await expect(update(teeParams({ teeMeasurement: ZeroHash }))).to.be.revertedWithCustomError(
        f.nodes,
        "NodeTeeMeasurementMissing",
      );
      await expect(update(params({ teeMeasurement: MEASUREMENT })))
        .to.be.revertedWithCustomError(f.nodes, "NodeTeeMeasurementWithoutTee")
        .withArgs(MEASUREMENT);
      await expect(update(params({ capacity: 0n }))).to.be.revertedWithCustomError(f.nodes, "NodeZeroCapacity");
      await expect(update(params({ prices: [1n, 0n, 1n] })))
        .to.be.revertedWithCustomError(f.nodes, "NodePriceForModeNotOffered")
        .withArgs(Mode.Zk, 1n);
      expect(await nodeOf(f, id)).to.deep.equal(before);
    });

    it("replaces the declaration, keeps the rest, and emits NodeUpdated with the new values", async function () {
      const f = await loadFixture(deployNodeRegistryFixture);
      const id = await withNoneNode(f);
      await time.increase(600);
      await updateAndCheck(
        f,
        f.alice,
        id,
        params({ metadataURI: "https://node.example/v2", capacity: 1n, prices: [7n, 0n, 0n] }),
      );
      // Free inference in an offered mode is allowed.
      await updateAndCheck(f, f.alice, id, params({ prices: [0n, 0n, 0n] }));
      expect(await f.nodes.priceOf(id, Mode.None)).to.equal(0n);
      expect(await countsOf(f, f.alice.address)).to.deep.equal([1n, 0n, 0n]);
    });

    it("reverts NodeInsufficientStake when the most demanding mode rises beyond the stake; passes once staked", async function () {
      const f = await loadFixture(deployNodeRegistryFixture);
      const { nodes } = f;
      const id = await withNoneNode(f);
      const before = await nodeOf(f, id);
      const standing = await standingOf(f, f.alice.address);
      await expect(nodes.connect(f.alice).updateNode(id, teeParams()))
        .to.be.revertedWithCustomError(nodes, "NodeInsufficientStake")
        .withArgs(f.alice.address, MINIMUM[Mode.None], MINIMUM[Mode.Tee]);
      await expect(nodes.connect(f.alice).updateNode(id, zkParams({ modes: ZK | NONE, prices: [1n, 0n, 1n] })))
        .to.be.revertedWithCustomError(nodes, "NodeInsufficientStake")
        .withArgs(f.alice.address, MINIMUM[Mode.None], MINIMUM[Mode.Zk]);
      expect(await nodeOf(f, id)).to.deep.equal(before);
      expect(await standingOf(f, f.alice.address)).to.deep.equal(standing);

      await stake(f, f.alice, MINIMUM[Mode.Tee] - MINIMUM[Mode.None]);
      await updateAndCheck(f, f.alice, id, teeParams());
      expect(await standingOf(f, f.alice.address)).to.deep.equal({ counts: [0n, 1n, 0n], required: MINIMUM[Mode.Tee] });
      await stake(f, f.alice, MINIMUM[Mode.Zk] - MINIMUM[Mode.Tee]);
      await updateAndCheck(f, f.alice, id, zkParams());
      expect(await standingOf(f, f.alice.address)).to.deep.equal({ counts: [0n, 0n, 1n], required: MINIMUM[Mode.Zk] });
    });

    it("never fails on stake when the most demanding mode falls or stays, even under-staked", async function () {
      const f = await loadFixture(deployNodeRegistryFixture);
      await stake(f, f.alice, MINIMUM[Mode.Zk]);
      const id = await registerAndCheck(f, f.alice, zkParams(), [LLAMA]);
      // Alice unstakes below even the None minimum.
      await unstake(f, f.alice, MINIMUM[Mode.Zk] - opg(5_000n));
      await expectEligibility(f, id, LLAMA, Mode.Zk, Eligibility.InsufficientStake);

      // Same top mode, other values.
      await updateAndCheck(f, f.alice, id, zkParams({ capacity: 3n, metadataURI: "https://zk.example/" }));
      // ZK → TEE → None: each step down passes, though 5,000 OPG covers none of them.
      await updateAndCheck(f, f.alice, id, teeParams());
      expect(await standingOf(f, f.alice.address)).to.deep.equal({ counts: [0n, 1n, 0n], required: MINIMUM[Mode.Tee] });
      await updateAndCheck(f, f.alice, id, params());
      expect(await standingOf(f, f.alice.address)).to.deep.equal({
        counts: [1n, 0n, 0n],
        required: MINIMUM[Mode.None],
      });
      await expectEligibility(f, id, LLAMA, Mode.None, Eligibility.InsufficientStake);
      // Going back up needs the stake again.
      await expect(f.nodes.connect(f.alice).updateNode(id, teeParams()))
        .to.be.revertedWithCustomError(f.nodes, "NodeInsufficientStake")
        .withArgs(f.alice.address, opg(5_000n), MINIMUM[Mode.Tee]);
    });
  });

  describe("updateNode: price increases wait PRICE_INCREASE_DELAY", function () {
    const E15 = 10n ** 15n;

    /** Mines an empty block at `t` and asserts the prices in force there, by mode. */
    async function expectPricesAt(f: Fixture, id: bigint, t: bigint, prices: bigint[]) {
      await viewAt(t);
      expect(await pricesOf(f, id), `prices at ${t}`).to.deep.equal(prices);
    }

    it("applies a decrease at once: priceOf falls in the update's block, nothing is scheduled", async function () {
      const f = await loadFixture(deployNodeRegistryFixture);
      expect(await f.nodes.PRICE_INCREASE_DELAY()).to.equal(PRICE_INCREASE_DELAY);
      const id = await withNoneNode(f);
      const t = await updateAndCheck(f, f.alice, id, params({ prices: [4n * 10n ** 14n, 0n, 0n] }));
      expect(await nodeOf(f, id)).to.deep.include({ priceIncreaseAt: 0n, prices: [4n * 10n ** 14n, 0n, 0n] });
      // Nothing changes a day later.
      await expectPricesAt(f, id, t + PRICE_INCREASE_DELAY, [4n * 10n ** 14n, 0n, 0n]);
    });

    it("applies an increase one day later to the second: the old price one second before, the new one at it", async function () {
      const f = await loadFixture(deployNodeRegistryFixture);
      const id = await withNoneNode(f);
      const t = await updateAndCheck(f, f.alice, id, params({ prices: [2n * E15, 0n, 0n] }));
      const stored = { priceIncreaseAt: t + DAY, prices: [E15, 0n, 0n], pendingPrices: [2n * E15, 0n, 0n] };
      expect(await nodeOf(f, id)).to.deep.include(stored);
      await expectPricesAt(f, id, t + DAY - 1n, [E15, 0n, 0n]);
      await expectPricesAt(f, id, t + DAY, [2n * E15, 0n, 0n]);
      await expectPricesAt(f, id, t + 30n * DAY, [2n * E15, 0n, 0n]);
      // The increase applies by time alone: the node as stored has not changed.
      expect(await nodeOf(f, id)).to.deep.include(stored);
    });

    it("applies the decreases of a mixed update at once and its increases a day later", async function () {
      const f = await loadFixture(deployNodeRegistryFixture);
      await stake(f, f.alice, MINIMUM[Mode.Tee]);
      const id = await registerAndCheck(f, f.alice, teeParams(), [LLAMA]);
      // None falls from 1e15 to 5e14, TEE rises from 3e15 to 4e15.
      const p = teeParams({ prices: [5n * 10n ** 14n, 4n * E15, 0n] });
      const t = (await now()) + 10n;
      await time.setNextBlockTimestamp(t);
      const tx = await f.nodes.connect(f.alice).updateNode(id, p);
      expect(await blockTimeOf(tx)).to.equal(t);
      // The event carries every price asked, the decrease included, and when the increase applies.
      await expect(tx)
        .to.emit(f.nodes, "NodePriceIncreaseScheduled")
        .withArgs(id, [5n * 10n ** 14n, 4n * E15, 0n], t + DAY);
      await expect(tx)
        .to.emit(f.nodes, "NodeUpdated")
        .withArgs(id, p.metadataURI, p.modes, p.teeMeasurement, p.capacity, [5n * 10n ** 14n, 4n * E15, 0n]);
      await expectPricesAt(f, id, t + 1n, [5n * 10n ** 14n, 3n * E15, 0n]);
      expect(await nodeOf(f, id)).to.deep.include({
        priceIncreaseAt: t + DAY,
        prices: [5n * 10n ** 14n, 3n * E15, 0n],
        pendingPrices: [5n * 10n ** 14n, 4n * E15, 0n],
      });
      await expectPricesAt(f, id, t + DAY - 1n, [5n * 10n ** 14n, 3n * E15, 0n]);
      await expectPricesAt(f, id, t + DAY, [5n * 10n ** 14n, 4n * E15, 0n]);
    });

    it("replaces a pending increase with a second update, measured from the prices in force", async function () {
      const f = await loadFixture(deployNodeRegistryFixture);
      const id = await withNoneNode(f);
      const t1 = await updateAndCheck(f, f.alice, id, params({ prices: [3n * E15, 0n, 0n] }));
      // Half a day later, 2e15 instead: still an increase over the 1e15 in force, scheduled a day from now.
      const t2 = await updateAndCheck(f, f.alice, id, params({ prices: [2n * E15, 0n, 0n] }), t1 + DAY / 2n);
      expect(await nodeOf(f, id)).to.deep.include({
        priceIncreaseAt: t2 + DAY,
        prices: [E15, 0n, 0n],
        pendingPrices: [2n * E15, 0n, 0n],
      });
      // The first schedule is gone: neither 3e15 at t1 + 1 day nor 2e15 before t2 + 1 day.
      await expectPricesAt(f, id, t1 + DAY, [E15, 0n, 0n]);
      await expectPricesAt(f, id, t2 + DAY - 1n, [E15, 0n, 0n]);
      await expectPricesAt(f, id, t2 + DAY, [2n * E15, 0n, 0n]);
      // Once in force, 2e15 is what the next update is measured from: asking it again changes no price and
      // schedules nothing; 1.5e15 is a decrease, at once.
      await updateAndCheck(f, f.alice, id, params({ prices: [2n * E15, 0n, 0n], capacity: 4n }));
      expect(await nodeOf(f, id)).to.deep.include({ priceIncreaseAt: 0n, prices: [2n * E15, 0n, 0n] });
      await updateAndCheck(f, f.alice, id, params({ prices: [(3n * E15) / 2n, 0n, 0n] }));
      expect(await pricesOf(f, id)).to.deep.equal([(3n * E15) / 2n, 0n, 0n]);
    });

    it("cancels a pending increase with a decrease below the price in force", async function () {
      const f = await loadFixture(deployNodeRegistryFixture);
      const id = await withNoneNode(f);
      const t1 = await updateAndCheck(f, f.alice, id, params({ prices: [5n * E15, 0n, 0n] }));
      await updateAndCheck(f, f.alice, id, params({ prices: [5n * 10n ** 14n, 0n, 0n] }), t1 + HOUR);
      expect(await nodeOf(f, id)).to.deep.include({ priceIncreaseAt: 0n, prices: [5n * 10n ** 14n, 0n, 0n] });
      await expectPricesAt(f, id, t1 + DAY, [5n * 10n ** 14n, 0n, 0n]);
    });

    it("keeps the schedule when an update during the delay asks the same prices (say, for a new URI)", async function () {
      const f = await loadFixture(deployNodeRegistryFixture);
      const id = await withNoneNode(f);
      const t1 = await updateAndCheck(f, f.alice, id, params({ prices: [3n * E15, 0n, 0n] }));
      await time.setNextBlockTimestamp(t1 + DAY - 1n);
      const p = params({ prices: [3n * E15, 0n, 0n], metadataURI: "https://node.example/v3" });
      await expect(f.nodes.connect(f.alice).updateNode(id, p)).to.not.emit(f.nodes, "NodePriceIncreaseScheduled");
      expect(await nodeOf(f, id)).to.deep.include({ priceIncreaseAt: t1 + DAY, prices: [E15, 0n, 0n] });
      expect(await f.nodes.priceOf(id, Mode.None)).to.equal(E15);
      await expectPricesAt(f, id, t1 + DAY, [3n * E15, 0n, 0n]);
    });

    it("prices a mode newly offered at 0 for a day, the node eligible for it meanwhile", async function () {
      const f = await loadFixture(deployNodeRegistryFixture);
      await f.nodes.connect(f.admin).setTeeMeasurementApproval(MEASUREMENT, true);
      const id = await withNoneNode(f);
      await stake(f, f.alice, MINIMUM[Mode.Tee] - MINIMUM[Mode.None]);
      // TEE is added at 3e15: a rise from the 0 of a mode not offered.
      const t = await updateAndCheck(f, f.alice, id, teeParams());
      expect(await nodeOf(f, id)).to.deep.include({
        priceIncreaseAt: t + DAY,
        prices: [E15, 0n, 0n],
        pendingPrices: [E15, 3n * E15, 0n],
      });
      await expectEligibility(f, id, LLAMA, Mode.Tee, Eligibility.Eligible);
      await expectPricesAt(f, id, t + DAY - 1n, [E15, 0n, 0n]);
      await expectPricesAt(f, id, t + DAY, [E15, 3n * E15, 0n]);
    });
  });

  describe("operatorOf", function () {
    it("is the node's operator, also once deregistered or jailed; zero for an unknown id", async function () {
      const f = await loadFixture(deployNodeRegistryFixture);
      const id = await withNoneNode(f);
      await stake(f, f.bob, MINIMUM[Mode.None]);
      const bobs = await registerAndCheck(f, f.bob, params(), [LLAMA]);
      expect(await f.nodes.operatorOf(id)).to.equal(f.alice.address);
      expect(await f.nodes.operatorOf(bobs)).to.equal(f.bob.address);
      for (const unknown of [0n, bobs + 1n]) expect(await f.nodes.operatorOf(unknown)).to.equal(ethers.ZeroAddress);
      await jailAndCheck(f, bobs, (await now()) + DAY);
      await deregisterAndCheck(f, f.alice, id);
      expect(await f.nodes.operatorOf(id)).to.equal(f.alice.address);
      expect(await f.nodes.operatorOf(bobs)).to.equal(f.bob.address);
    });
  });

  describe("addModels / removeModels", function () {
    it("revert NodeNotOperator for anyone but the operator, NodeInactive on a deregistered node", async function () {
      const f = await loadFixture(deployNodeRegistryFixture);
      const id = await withNoneNode(f);
      for (const caller of [f.bob, f.modelOwner]) {
        await expect(f.nodes.connect(caller).addModels(id, [PHI]))
          .to.be.revertedWithCustomError(f.nodes, "NodeNotOperator")
          .withArgs(id, caller.address, f.alice.address);
        await expect(f.nodes.connect(caller).removeModels(id, [LLAMA]))
          .to.be.revertedWithCustomError(f.nodes, "NodeNotOperator")
          .withArgs(id, caller.address, f.alice.address);
      }
      await expect(f.nodes.connect(f.alice).addModels(id + 1n, [PHI]))
        .to.be.revertedWithCustomError(f.nodes, "NodeNotFound")
        .withArgs(id + 1n);
      await deregisterAndCheck(f, f.alice, id);
      await expect(f.nodes.connect(f.alice).addModels(id, [PHI]))
        .to.be.revertedWithCustomError(f.nodes, "NodeInactive")
        .withArgs(id);
      await expect(f.nodes.connect(f.alice).removeModels(id, [LLAMA]))
        .to.be.revertedWithCustomError(f.nodes, "NodeInactive")
        .withArgs(id);
    });

    it("addModels serves new models and emits NodeModelAdded each; rejects unknown and already served models", async function () {
      const f = await loadFixture(deployNodeRegistryFixture);
      const { nodes } = f;
      await stake(f, f.alice, MINIMUM[Mode.None]);
      const id = await registerAndCheck(f, f.alice, params(), [LLAMA]);
      const before = await nodeOf(f, id);
      await expect(nodes.connect(f.alice).addModels(id, [PHI, UNKNOWN_MODEL]))
        .to.be.revertedWithCustomError(nodes, "NodeUnknownModel")
        .withArgs(UNKNOWN_MODEL);
      await expect(nodes.connect(f.alice).addModels(id, [MISTRAL, LLAMA]))
        .to.be.revertedWithCustomError(nodes, "NodeAlreadyServesModel")
        .withArgs(id, LLAMA);
      await expect(nodes.connect(f.alice).addModels(id, [PHI, PHI]))
        .to.be.revertedWithCustomError(nodes, "NodeAlreadyServesModel")
        .withArgs(id, PHI);
      expect(await nodeOf(f, id)).to.deep.equal(before);
      expect(await nodes.servesModel(id, PHI)).to.equal(false);

      await expectEligibility(f, id, PHI, Mode.None, Eligibility.ModelNotServed);
      await addModelsAndCheck(f, f.alice, id, [PHI, MISTRAL]);
      await expectEligibility(f, id, PHI, Mode.None, Eligibility.Eligible);
      await addModelsAndCheck(f, f.alice, id, []);
    });

    it("removeModels stops serving them and emits NodeModelRemoved each; rejects models not served", async function () {
      const f = await loadFixture(deployNodeRegistryFixture);
      const { nodes } = f;
      const id = await withNoneNode(f);
      const before = await nodeOf(f, id);
      await expect(nodes.connect(f.alice).removeModels(id, [LLAMA, PHI]))
        .to.be.revertedWithCustomError(nodes, "NodeDoesNotServeModel")
        .withArgs(id, PHI);
      await expect(nodes.connect(f.alice).removeModels(id, [LLAMA, LLAMA]))
        .to.be.revertedWithCustomError(nodes, "NodeDoesNotServeModel")
        .withArgs(id, LLAMA);
      await expect(nodes.connect(f.alice).removeModels(id, [UNKNOWN_MODEL]))
        .to.be.revertedWithCustomError(nodes, "NodeDoesNotServeModel")
        .withArgs(id, UNKNOWN_MODEL);
      expect(await nodeOf(f, id)).to.deep.equal(before);

      await removeModelsAndCheck(f, f.alice, id, [LLAMA]);
      await expectEligibility(f, id, LLAMA, Mode.None, Eligibility.ModelNotServed);
      await expectEligibility(f, id, MISTRAL, Mode.None, Eligibility.Eligible);
      await removeModelsAndCheck(f, f.alice, id, [MISTRAL]);
      expect((await nodeOf(f, id)).modelCount).to.equal(0n);
      // A model removed can be added again.
      await addModelsAndCheck(f, f.alice, id, [LLAMA]);
      await expectEligibility(f, id, LLAMA, Mode.None, Eligibility.Eligible);
    });

    it("caps the models at 256: NodeTooManyModels(count, 256) until some are removed", async function () {
      const f = await loadFixture(deployNodeRegistryFixture);
      const { nodes } = f;
      await stake(f, f.alice, MINIMUM[Mode.None]);
      const many = await registerModels(f, "cap", MAX_MODELS - 1);
      const id = await registerAndCheck(f, f.alice, params(), many.slice(0, 200));
      await expect(nodes.connect(f.alice).addModels(id, [...many.slice(200), LLAMA, MISTRAL]))
        .to.be.revertedWithCustomError(nodes, "NodeTooManyModels")
        .withArgs(BigInt(MAX_MODELS + 1), BigInt(MAX_MODELS));
      await addModelsAndCheck(f, f.alice, id, [...many.slice(200), LLAMA]);
      expect((await nodeOf(f, id)).modelCount).to.equal(BigInt(MAX_MODELS));
      await expect(nodes.connect(f.alice).addModels(id, [MISTRAL]))
        .to.be.revertedWithCustomError(nodes, "NodeTooManyModels")
        .withArgs(BigInt(MAX_MODELS + 1), BigInt(MAX_MODELS));
      await removeModelsAndCheck(f, f.alice, id, [many[0]]);
      await addModelsAndCheck(f, f.alice, id, [MISTRAL]);
    });
  });

  describe("deregisterNode", function () {
    it("reverts NodeNotFound and NodeNotOperator", async function () {
      const f = await loadFixture(deployNodeRegistryFixture);
      const id = await withNoneNode(f);
      await expect(f.nodes.connect(f.alice).deregisterNode(id + 1n))
        .to.be.revertedWithCustomError(f.nodes, "NodeNotFound")
        .withArgs(id + 1n);
      for (const caller of [f.bob, f.admin]) {
        await expect(f.nodes.connect(caller).deregisterNode(id))
          .to.be.revertedWithCustomError(f.nodes, "NodeNotOperator")
          .withArgs(id, caller.address, f.alice.address);
      }
      expect((await nodeOf(f, id)).active).to.equal(true);
    });

    it("retires the node, frees its minimum and emits NodeDeregistered; then every action reverts NodeInactive", async function () {
      const f = await loadFixture(deployNodeRegistryFixture);
      const { nodes } = f;
      await stake(f, f.alice, MINIMUM[Mode.None] + MINIMUM[Mode.Tee]);
      const none = await registerAndCheck(f, f.alice, params(), [LLAMA]);
      const tee = await registerAndCheck(f, f.alice, teeParams(), [LLAMA]);
      await deregisterAndCheck(f, f.alice, tee);
      expect(await standingOf(f, f.alice.address)).to.deep.equal({
        counts: [1n, 0n, 0n],
        required: MINIMUM[Mode.None],
      });
      await expectEligibility(f, tee, LLAMA, Mode.None, Eligibility.Inactive);

      // The freed stake can leave without hurting the remaining node.
      await unstake(f, f.alice, MINIMUM[Mode.Tee]);
      await expectEligibility(f, none, LLAMA, Mode.None, Eligibility.Eligible);

      const frozen = await nodeOf(f, tee);
      const inactive = [
        () => nodes.connect(f.alice).updateNode(tee, params()),
        () => nodes.connect(f.alice).addModels(tee, [PHI]),
        () => nodes.connect(f.alice).removeModels(tee, [LLAMA]),
        () => nodes.connect(f.alice).heartbeat(tee),
        () => nodes.connect(f.alice).deregisterNode(tee),
      ];
      for (const action of inactive) {
        await expect(action()).to.be.revertedWithCustomError(nodes, "NodeInactive").withArgs(tee);
      }
      expect(await nodeOf(f, tee)).to.deep.equal(frozen);
      expect(await standingOf(f, f.alice.address)).to.deep.equal({
        counts: [1n, 0n, 0n],
        required: MINIMUM[Mode.None],
      });

      // Retiring the last node frees everything; a new node needs stake again, under a new id.
      await deregisterAndCheck(f, f.alice, none);
      expect(await standingOf(f, f.alice.address)).to.deep.equal({ counts: [0n, 0n, 0n], required: 0n });
      await unstake(f, f.alice, MINIMUM[Mode.None]);
      await expect(nodes.connect(f.alice).registerNode(params(), [LLAMA]))
        .to.be.revertedWithCustomError(nodes, "NodeInsufficientOwnStake")
        .withArgs(f.alice.address, 0n, MINIMUM_OWN);
      await stake(f, f.alice, MINIMUM[Mode.None]);
      expect(await registerAndCheck(f, f.alice, params(), [LLAMA])).to.equal(tee + 1n);
    });
  });

  describe("heartbeat", function () {
    it("reverts NodeNotFound and NodeNotOperator", async function () {
      const f = await loadFixture(deployNodeRegistryFixture);
      const id = await withNoneNode(f);
      await expect(f.nodes.connect(f.alice).heartbeat(0n))
        .to.be.revertedWithCustomError(f.nodes, "NodeNotFound")
        .withArgs(0n);
      await expect(f.nodes.connect(f.bob).heartbeat(id))
        .to.be.revertedWithCustomError(f.nodes, "NodeNotOperator")
        .withArgs(id, f.bob.address, f.alice.address);
    });

    it("records the time, changes nothing else and emits NodeHeartbeat(id, now)", async function () {
      const f = await loadFixture(deployNodeRegistryFixture);
      const id = await withNoneNode(f);
      const registeredAt = (await nodeOf(f, id)).registeredAt;
      await time.increase(2n * HOUR);
      await expectEligibility(f, id, LLAMA, Mode.None, Eligibility.Stale);
      const t = await heartbeatAndCheck(f, f.alice, id);
      expect(t > registeredAt + 2n * HOUR).to.equal(true);
      expect((await nodeOf(f, id)).registeredAt).to.equal(registeredAt);
      await expectEligibility(f, id, LLAMA, Mode.None, Eligibility.Eligible);
    });
  });

  describe("eligibility", function () {
    it("NotRegistered for id 0 and for ids not yet given", async function () {
      const f = await loadFixture(deployNodeRegistryFixture);
      const id = await withNoneNode(f);
      for (const unknown of [0n, id + 1n, 2n ** 256n - 1n]) {
        for (const mode of [Mode.None, Mode.Tee, Mode.Zk]) {
          await expectEligibility(f, unknown, LLAMA, mode, Eligibility.NotRegistered);
        }
        await expect(f.nodes.getNode(unknown)).to.be.revertedWithCustomError(f.nodes, "NodeNotFound").withArgs(unknown);
        await expect(f.nodes.priceOf(unknown, Mode.None))
          .to.be.revertedWithCustomError(f.nodes, "NodeNotFound")
          .withArgs(unknown);
        expect(await f.nodes.operatorOf(unknown)).to.equal(ethers.ZeroAddress);
      }
    });

    it("gives each reason, and the first in enum order when several hold", async function () {
      const f = await loadFixture(deployNodeRegistryFixture);
      const { nodes } = f;
      await stake(f, f.alice, MINIMUM[Mode.Tee]);
      const id = await registerAndCheck(f, f.alice, teeParams(), [LLAMA]);
      // Every reason at once: under-staked, measurement not approved, PHI not served, ZK not offered, stale, jailed.
      await nodes.connect(f.admin).setMinimumStake(Mode.Tee, MINIMUM[Mode.Tee] + 1n);
      const jailedUntil = (await now()) + 2n * HOUR;
      await jailAndCheck(f, id, jailedUntil);
      await time.increase(HOUR + 10n);
      await expectEligibility(f, id, PHI, Mode.Zk, Eligibility.Jailed);

      await expect(nodes.connect(f.jailer).unjailNode(id)).to.emit(nodes, "NodeUnjailed").withArgs(id);
      await expectEligibility(f, id, PHI, Mode.Zk, Eligibility.Stale);
      await heartbeatAndCheck(f, f.alice, id);
      await expectEligibility(f, id, PHI, Mode.Zk, Eligibility.ModeNotOffered);
      await expectEligibility(f, id, PHI, Mode.Tee, Eligibility.ModelNotServed);
      await addModelsAndCheck(f, f.alice, id, [PHI]);
      await expectEligibility(f, id, PHI, Mode.Tee, Eligibility.MeasurementNotApproved);
      // The measurement matters for TEE only: None goes straight to the stake.
      await expectEligibility(f, id, PHI, Mode.None, Eligibility.InsufficientStake);
      await nodes.connect(f.admin).setTeeMeasurementApproval(MEASUREMENT, true);
      await expectEligibility(f, id, PHI, Mode.Tee, Eligibility.InsufficientStake);
      await stake(f, f.alice, 1n);
      await expectEligibility(f, id, PHI, Mode.Tee, Eligibility.Eligible);
      await expectEligibility(f, id, PHI, Mode.None, Eligibility.Eligible);
      await expectEligibility(f, id, LLAMA, Mode.Tee, Eligibility.Eligible);

      // Inactive comes before jailed; NotRegistered before everything.
      await jailAndCheck(f, id, (await now()) + DAY);
      await deregisterAndCheck(f, f.alice, id);
      await expectEligibility(f, id, PHI, Mode.Zk, Eligibility.Inactive);
      await expectEligibility(f, id + 1n, PHI, Mode.Zk, Eligibility.NotRegistered);
    });

    it("follows the stake: InsufficientStake below the minimum, eligible again after staking or a delegation", async function () {
      const f = await loadFixture(deployNodeRegistryFixture);
      const { nodes, staking } = f;
      const id = await withNoneNode(f);
      const required = MINIMUM[Mode.None];
      expect(await staking.activeStakeOf(f.alice.address)).to.equal(required);

      // Unstaking the smallest amount allowed drops the node at once (thawing stake does not count).
      await unstake(f, f.alice, opg(1n));
      expect(await staking.slashableStakeOf(f.alice.address)).to.equal(required);
      await expectEligibility(f, id, LLAMA, Mode.None, Eligibility.InsufficientStake);
      expect(await nodes.requiredStakeOf(f.alice.address)).to.equal(required);
      expect((await nodeOf(f, id)).active).to.equal(true);

      // Staking it back.
      await stake(f, f.alice, opg(1n));
      await expectEligibility(f, id, LLAMA, Mode.None, Eligibility.Eligible);

      // Down again, then a delegation from another holder.
      await unstake(f, f.alice, opg(2_000n));
      await expectEligibility(f, id, LLAMA, Mode.None, Eligibility.InsufficientStake);
      await f.staking.connect(f.carol).delegate(f.alice.address, opg(1_999n), ANY_CUT);
      await expectEligibility(f, id, LLAMA, Mode.None, Eligibility.InsufficientStake);
      await f.staking.connect(f.carol).delegate(f.alice.address, opg(1n), ANY_CUT);
      expect(await staking.activeStakeOf(f.alice.address)).to.equal(required);
      await expectEligibility(f, id, LLAMA, Mode.None, Eligibility.Eligible);

      // The delegator leaving drops it again.
      const shares = (await staking.getDelegation(f.alice.address, f.carol.address)).shares;
      await staking.connect(f.carol).undelegate(f.alice.address, shares);
      await expectEligibility(f, id, LLAMA, Mode.None, Eligibility.InsufficientStake);
    });

    it("makes every node of an under-staked operator ineligible, not just the last one", async function () {
      const f = await loadFixture(deployNodeRegistryFixture);
      await stake(f, f.alice, 2n * MINIMUM[Mode.None]);
      const first = await registerAndCheck(f, f.alice, params(), [LLAMA]);
      const second = await registerAndCheck(f, f.alice, params(), [LLAMA]);
      await stake(f, f.bob, MINIMUM[Mode.None]);
      const bobs = await registerAndCheck(f, f.bob, params(), [LLAMA]);
      await unstake(f, f.alice, opg(1n));
      for (const id of [first, second]) await expectEligibility(f, id, LLAMA, Mode.None, Eligibility.InsufficientStake);
      await expectEligibility(f, bobs, LLAMA, Mode.None, Eligibility.Eligible);
      // Retiring one node brings the other back.
      await deregisterAndCheck(f, f.alice, second);
      await expectEligibility(f, first, LLAMA, Mode.None, Eligibility.Eligible);
    });

    it("is eligible through lastSeen + livenessWindow and Stale one second later", async function () {
      const f = await loadFixture(deployNodeRegistryFixture);
      const id = await withNoneNode(f);
      const lastSeen = (await nodeOf(f, id)).lastSeen;
      await viewAt(lastSeen + HOUR);
      await expectEligibility(f, id, LLAMA, Mode.None, Eligibility.Eligible);
      await viewAt(lastSeen + HOUR + 1n);
      await expectEligibility(f, id, LLAMA, Mode.None, Eligibility.Stale);
      const seen = await heartbeatAndCheck(f, f.alice, id);
      await expectEligibility(f, id, LLAMA, Mode.None, Eligibility.Eligible);
      await viewAt(seen + HOUR + 1n);
      await expectEligibility(f, id, LLAMA, Mode.None, Eligibility.Stale);
    });

    it("asks TEE for an approved measurement: MeasurementNotApproved until approved, again after revoking", async function () {
      const f = await loadFixture(deployNodeRegistryFixture);
      const { nodes } = f;
      await stake(f, f.alice, MINIMUM[Mode.Tee]);
      const id = await registerAndCheck(f, f.alice, teeParams(), [LLAMA]);
      await expectEligibility(f, id, LLAMA, Mode.Tee, Eligibility.MeasurementNotApproved);
      await expectEligibility(f, id, LLAMA, Mode.None, Eligibility.Eligible);
      await expectEligibility(f, id, LLAMA, Mode.Zk, Eligibility.ModeNotOffered);

      // Another measurement does not help.
      await nodes.connect(f.admin).setTeeMeasurementApproval(OTHER_MEASUREMENT, true);
      await expectEligibility(f, id, LLAMA, Mode.Tee, Eligibility.MeasurementNotApproved);
      await expect(nodes.connect(f.admin).setTeeMeasurementApproval(MEASUREMENT, true))
        .to.emit(nodes, "TeeMeasurementApprovalSet")
        .withArgs(MEASUREMENT, true);
      expect(await nodes.isTeeMeasurementApproved(MEASUREMENT)).to.equal(true);
      await expectEligibility(f, id, LLAMA, Mode.Tee, Eligibility.Eligible);

      // Moving the node to the other (approved) enclave keeps it eligible; revoking its measurement does not.
      await updateAndCheck(f, f.alice, id, teeParams({ teeMeasurement: OTHER_MEASUREMENT }));
      await expectEligibility(f, id, LLAMA, Mode.Tee, Eligibility.Eligible);
      await expect(nodes.connect(f.admin).setTeeMeasurementApproval(OTHER_MEASUREMENT, false))
        .to.emit(nodes, "TeeMeasurementApprovalSet")
        .withArgs(OTHER_MEASUREMENT, false);
      expect(await nodes.isTeeMeasurementApproved(OTHER_MEASUREMENT)).to.equal(false);
      await expectEligibility(f, id, LLAMA, Mode.Tee, Eligibility.MeasurementNotApproved);
      await expectEligibility(f, id, LLAMA, Mode.None, Eligibility.Eligible);
    });
  });

  describe("own stake", function () {
    it("requires minimumOwnStake per active node, whatever its mode: requiredOwnStakeOf", async function () {
      const f = await loadFixture(deployNodeRegistryFixture);
      const { nodes } = f;
      // Own stake for one node, delegations for the rest of the total.
      await stake(f, f.alice, MINIMUM_OWN);
      await f.staking.connect(f.carol).delegate(f.alice.address, opg(200_000n), ANY_CUT);
      const first = await registerAndCheck(f, f.alice, zkParams(), [LLAMA]);
      expect(await nodes.requiredOwnStakeOf(f.alice.address)).to.equal(MINIMUM_OWN);
      // A second node needs twice the own stake, though the total (205,000) covers both (60,000).
      const next = await nodes.nextNodeId();
      const standing = await standingOf(f, f.alice.address);
      await expect(nodes.connect(f.alice).registerNode(params(), [LLAMA]))
        .to.be.revertedWithCustomError(nodes, "NodeInsufficientOwnStake")
        .withArgs(f.alice.address, MINIMUM_OWN, 2n * MINIMUM_OWN);
      await expectNoRegistration(f, f.alice.address, next, standing);
      await stake(f, f.alice, MINIMUM_OWN);
      const second = await registerAndCheck(f, f.alice, params(), [LLAMA]);
      await stake(f, f.alice, MINIMUM_OWN);
      const third = await registerAndCheck(f, f.alice, teeParams(), [LLAMA]);
      expect(await nodes.requiredOwnStakeOf(f.alice.address)).to.equal(3n * MINIMUM_OWN);
      for (const id of [first, second, third])
        expect(await nodes.nodeOperatorOf(id)).to.deep.equal([f.alice.address, true]);
      // Retiring one frees its own minimum.
      await deregisterAndCheck(f, f.alice, third);
      expect(await nodes.requiredOwnStakeOf(f.alice.address)).to.equal(2n * MINIMUM_OWN);
      expect(await nodes.requiredOwnStakeOf(f.bob.address)).to.equal(0n);
    });

    it("updateNode to a more demanding mode reverts NodeInsufficientOwnStake when the own stake fell short", async function () {
      const f = await loadFixture(deployNodeRegistryFixture);
      const { nodes } = f;
      await stake(f, f.alice, MINIMUM_OWN);
      await f.staking.connect(f.carol).delegate(f.alice.address, opg(100_000n), ANY_CUT);
      const id = await registerAndCheck(f, f.alice, params(), [LLAMA]);
      await unstake(f, f.alice, opg(1n));
      await expect(nodes.connect(f.alice).updateNode(id, zkParams()))
        .to.be.revertedWithCustomError(nodes, "NodeInsufficientOwnStake")
        .withArgs(f.alice.address, MINIMUM_OWN - opg(1n), MINIMUM_OWN);
      // Falling or staying never checks the stake.
      await updateAndCheck(f, f.alice, id, params({ capacity: 3n }));
      await stake(f, f.alice, opg(1n));
      await updateAndCheck(f, f.alice, id, zkParams());
    });

    it("eligibility: InsufficientOwnStake when own active stake is below the minimum, delegations or not", async function () {
      const f = await loadFixture(deployNodeRegistryFixture);
      // The issue's attack on a registered node: the operator unstakes its own stake and keeps the delegations.
      await stake(f, f.alice, MINIMUM_OWN);
      await f.staking.connect(f.carol).delegate(f.alice.address, opg(100_000n), ANY_CUT);
      const id = await registerAndCheck(f, f.alice, params(), [LLAMA]);
      await expectEligibility(f, id, LLAMA, Mode.None, Eligibility.Eligible);
      await unstake(f, f.alice, MINIMUM_OWN - opg(1n)); // 1 OPG own, 100,000 delegated
      expect(await f.staking.stakeOf(f.alice.address)).to.deep.equal([opg(1n), opg(100_000n)]);
      await expectEligibility(f, id, LLAMA, Mode.None, Eligibility.InsufficientOwnStake);
      expect(await f.nodes.nodeOperatorOf(id)).to.deep.equal([f.alice.address, false]);
      // Short of both: the own stake is reported, being checked first (though it is the later enum value).
      const shares = (await f.staking.getDelegation(f.alice.address, f.carol.address)).shares;
      await f.staking.connect(f.carol).undelegate(f.alice.address, shares);
      await expectEligibility(f, id, LLAMA, Mode.None, Eligibility.InsufficientOwnStake);
      // Own stake back, the total still short.
      await stake(f, f.alice, MINIMUM_OWN);
      await expectEligibility(f, id, LLAMA, Mode.None, Eligibility.InsufficientStake);
      await stake(f, f.alice, MINIMUM[Mode.None] - MINIMUM_OWN - opg(1n));
      await expectEligibility(f, id, LLAMA, Mode.None, Eligibility.Eligible);
      // Reasons before the stake still come first.
      await expectEligibility(f, id, PHI, Mode.None, Eligibility.ModelNotServed);
    });

    it("nodeOperatorOf: serving only while active, unjailed and covered by active stake (thawing stake does not count)", async function () {
      const f = await loadFixture(deployNodeRegistryFixture);
      const { nodes } = f;
      await stake(f, f.alice, MINIMUM[Mode.None]);
      await f.staking.connect(f.carol).delegate(f.alice.address, opg(1_000n), ANY_CUT);
      const id = await registerAndCheck(f, f.alice, params(), [LLAMA]);
      expect(await nodes.nodeOperatorOf(id)).to.deep.equal([f.alice.address, true]);
      // Mid-thaw: the stake still active (9,000 own + 1,000 delegated) covers the node.
      await unstake(f, f.alice, opg(1_000n));
      expect(await nodes.nodeOperatorOf(id)).to.deep.equal([f.alice.address, true]);
      // Below the total: not serving, though the thawing stake is still slashable.
      await unstake(f, f.alice, opg(1n));
      expect(await f.staking.slashableStakeOf(f.alice.address)).to.equal(MINIMUM[Mode.None] + opg(1_000n));
      expect(await nodes.nodeOperatorOf(id)).to.deep.equal([f.alice.address, false]);
      await stake(f, f.alice, opg(1n));
      expect(await nodes.nodeOperatorOf(id)).to.deep.equal([f.alice.address, true]);
      // Below the own minimum with the total covered by a larger delegation: not serving.
      await f.staking.connect(f.carol).delegate(f.alice.address, opg(100_000n), ANY_CUT);
      await unstake(f, f.alice, opg(9_000n) - MINIMUM_OWN + opg(1n)); // own active 4,999
      expect(await f.staking.stakeOf(f.alice.address)).to.deep.equal([MINIMUM_OWN - opg(1n), opg(101_000n)]);
      expect(await nodes.nodeOperatorOf(id)).to.deep.equal([f.alice.address, false]);
      await stake(f, f.alice, opg(1n));
      expect(await nodes.nodeOperatorOf(id)).to.deep.equal([f.alice.address, true]);
      // Jailed: not serving until the term ends.
      const until = (await now()) + HOUR;
      await jailAndCheck(f, id, until);
      expect(await nodes.nodeOperatorOf(id)).to.deep.equal([f.alice.address, false]);
      await viewAt(until);
      expect(await nodes.nodeOperatorOf(id)).to.deep.equal([f.alice.address, true]);
      // Deregistered, and an unknown id.
      await deregisterAndCheck(f, f.alice, id);
      expect(await nodes.nodeOperatorOf(id)).to.deep.equal([f.alice.address, false]);
      expect(await nodes.nodeOperatorOf(id + 1n)).to.deep.equal([ethers.ZeroAddress, false]);
    });
  });

  describe("jailing", function () {
    it("reverts AccessControlUnauthorizedAccount(caller, JAILER_ROLE) for callers without the role", async function () {
      const f = await loadFixture(deployNodeRegistryFixture);
      const id = await withNoneNode(f);
      const until = (await now()) + DAY;
      for (const caller of [f.alice, f.stranger, f.deployer]) {
        await expect(f.nodes.connect(caller).jailNode(id, until))
          .to.be.revertedWithCustomError(f.nodes, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, f.roles.jailer);
        await expect(f.nodes.connect(caller).unjailNode(id))
          .to.be.revertedWithCustomError(f.nodes, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, f.roles.jailer);
      }
      expect((await nodeOf(f, id)).jailedUntil).to.equal(0n);
      // The admin holds the role from deployment.
      await jailAndCheck(f, id, until, f.admin);
    });

    it("reverts NodeNotFound for an unknown node", async function () {
      const f = await loadFixture(deployNodeRegistryFixture);
      await expect(f.nodes.connect(f.jailer).jailNode(1n, (await now()) + DAY))
        .to.be.revertedWithCustomError(f.nodes, "NodeNotFound")
        .withArgs(1n);
      await expect(f.nodes.connect(f.jailer).unjailNode(1n))
        .to.be.revertedWithCustomError(f.nodes, "NodeNotFound")
        .withArgs(1n);
    });

    it("reverts NodeInvalidJailTerm(until, latest) for a term not in the future or beyond MAX_JAIL_DURATION", async function () {
      const f = await loadFixture(deployNodeRegistryFixture);
      const id = await withNoneNode(f);
      const terms: ((t: bigint) => bigint)[] = [
        (t) => t,
        (t) => t - 1n,
        () => 0n,
        (t) => t + MAX_JAIL_DURATION + 1n,
        () => 2n ** 64n - 1n,
      ];
      for (const term of terms) {
        const t = (await now()) + 10n;
        const until = term(t);
        await time.setNextBlockTimestamp(t);
        await expect(f.nodes.connect(f.jailer).jailNode(id, until, { gasLimit: GAS }))
          .to.be.revertedWithCustomError(f.nodes, "NodeInvalidJailTerm")
          .withArgs(until, t + MAX_JAIL_DURATION);
        expect(await now()).to.equal(t);
      }
      expect((await nodeOf(f, id)).jailedUntil).to.equal(0n);

      // The edges: one second ahead, and exactly MAX_JAIL_DURATION ahead.
      for (const offset of [1n, MAX_JAIL_DURATION]) {
        const t = (await now()) + 10n;
        await time.setNextBlockTimestamp(t);
        await jailAndCheck(f, id, t + offset);
      }
    });

    it("keeps a jailed node ineligible until the term ends, touching no tokens", async function () {
      const f = await loadFixture(deployNodeRegistryFixture);
      const id = await withNoneNode(f);
      const until = (await now()) + 30n * 60n;
      await jailAndCheck(f, id, until);
      for (const mode of [Mode.None, Mode.Tee, Mode.Zk])
        await expectEligibility(f, id, LLAMA, mode, Eligibility.Jailed);
      // Still counted against the stake, still operated: a heartbeat in jail is fine.
      expect(await standingOf(f, f.alice.address)).to.deep.equal({
        counts: [1n, 0n, 0n],
        required: MINIMUM[Mode.None],
      });
      await heartbeatAndCheck(f, f.alice, id);
      await viewAt(until - 1n);
      await expectEligibility(f, id, LLAMA, Mode.None, Eligibility.Jailed);
      await viewAt(until);
      await expectEligibility(f, id, LLAMA, Mode.None, Eligibility.Eligible);
      expect(await f.staking.activeStakeOf(f.alice.address)).to.equal(MINIMUM[Mode.None]);
    });

    it("ends a term early with unjailNode: NodeUnjailed, eligible at once", async function () {
      const f = await loadFixture(deployNodeRegistryFixture);
      const id = await withNoneNode(f);
      await jailAndCheck(f, id, (await now()) + MAX_JAIL_DURATION);
      await expectEligibility(f, id, LLAMA, Mode.None, Eligibility.Jailed);
      const before = await nodeOf(f, id);
      const tokens = await tokensOf(f, f.alice.address);
      await expect(f.nodes.connect(f.jailer).unjailNode(id)).to.emit(f.nodes, "NodeUnjailed").withArgs(id);
      expect(await nodeOf(f, id)).to.deep.equal({ ...before, jailedUntil: 0n });
      expect(await tokensOf(f, f.alice.address)).to.deep.equal(tokens);
      await expectEligibility(f, id, LLAMA, Mode.None, Eligibility.Eligible);
      // A jailer may also re-jail, replacing the term.
      const shorter = (await now()) + 60n;
      await jailAndCheck(f, id, (await now()) + DAY);
      await jailAndCheck(f, id, shorter);
      await viewAt(shorter);
      await expectEligibility(f, id, LLAMA, Mode.None, Eligibility.Eligible);
    });
  });

  describe("governance", function () {
    it("lets only DEFAULT_ADMIN_ROLE set the minimums, the window and measurement approvals", async function () {
      const f = await loadFixture(deployNodeRegistryFixture);
      const { nodes } = f;
      for (const caller of [f.jailer, f.alice, f.deployer]) {
        await expect(nodes.connect(caller).setMinimumStake(Mode.None, opg(1n)))
          .to.be.revertedWithCustomError(nodes, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, f.roles.admin);
        await expect(nodes.connect(caller).setLivenessWindow(MIN_WINDOW))
          .to.be.revertedWithCustomError(nodes, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, f.roles.admin);
        await expect(nodes.connect(caller).setMinimumOwnStake(MIN_MINIMUM_OWN))
          .to.be.revertedWithCustomError(nodes, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, f.roles.admin);
        await expect(nodes.connect(caller).setTeeMeasurementApproval(MEASUREMENT, true))
          .to.be.revertedWithCustomError(nodes, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, f.roles.admin);
      }
      for (const mode of [Mode.None, Mode.Tee, Mode.Zk]) expect(await nodes.minimumStake(mode)).to.equal(MINIMUM[mode]);
      expect(await nodes.livenessWindow()).to.equal(HOUR);
      expect(await nodes.minimumOwnStake()).to.equal(MINIMUM_OWN);
      expect(await nodes.isTeeMeasurementApproved(MEASUREMENT)).to.equal(false);
    });

    it("setMinimumOwnStake: NodeParameterOutOfBounds outside [1, 1,000,000] OPG; MinimumOwnStakeSet(old, new)", async function () {
      const f = await loadFixture(deployNodeRegistryFixture);
      const { nodes } = f;
      for (const value of [0n, MIN_MINIMUM_OWN - 1n, MAX_MINIMUM_OWN + 1n, MaxUint256])
        await expect(nodes.connect(f.admin).setMinimumOwnStake(value))
          .to.be.revertedWithCustomError(nodes, "NodeParameterOutOfBounds")
          .withArgs(encodeBytes32String("minimumOwnStake"), value, MIN_MINIMUM_OWN, MAX_MINIMUM_OWN);
      expect(await nodes.minimumOwnStake()).to.equal(MINIMUM_OWN);
      let old = MINIMUM_OWN;
      for (const value of [MIN_MINIMUM_OWN, MAX_MINIMUM_OWN, MINIMUM_OWN]) {
        await expect(nodes.connect(f.admin).setMinimumOwnStake(value))
          .to.emit(nodes, "MinimumOwnStakeSet")
          .withArgs(old, value);
        expect(await nodes.minimumOwnStake()).to.equal(value);
        old = value;
      }
    });

    it("a raised own minimum makes an eligible node InsufficientOwnStake at once, and not serving", async function () {
      const f = await loadFixture(deployNodeRegistryFixture);
      const { nodes } = f;
      const id = await withNoneNode(f); // 10,000 own
      await nodes.connect(f.admin).setMinimumOwnStake(MINIMUM[Mode.None] + 1n);
      expect(await nodes.requiredOwnStakeOf(f.alice.address)).to.equal(MINIMUM[Mode.None] + 1n);
      await expectEligibility(f, id, LLAMA, Mode.None, Eligibility.InsufficientOwnStake);
      expect(await nodes.nodeOperatorOf(id)).to.deep.equal([f.alice.address, false]);
      // A delegation does not make up for own stake.
      await f.staking.connect(f.carol).delegate(f.alice.address, opg(100_000n), ANY_CUT);
      await expectEligibility(f, id, LLAMA, Mode.None, Eligibility.InsufficientOwnStake);
      await nodes.connect(f.admin).setMinimumOwnStake(MINIMUM[Mode.None]);
      await expectEligibility(f, id, LLAMA, Mode.None, Eligibility.Eligible);
      expect(await nodes.nodeOperatorOf(id)).to.deep.equal([f.alice.address, true]);
    });

    it("setMinimumStake: NodeParameterOutOfBounds outside [1, 10,000,000] OPG or out of the order none <= TEE <= ZK; MinimumStakeSet(mode, old, new)", async function () {
      const f = await loadFixture(deployNodeRegistryFixture);
      const { nodes } = f;
      // TEE must stay between none's minimum and ZK's.
      for (const value of [0n, MINIMUM[Mode.None] - 1n, MINIMUM[Mode.Zk] + 1n, MAX_MINIMUM_STAKE + 1n, MaxUint256]) {
        await expect(nodes.connect(f.admin).setMinimumStake(Mode.Tee, value))
          .to.be.revertedWithCustomError(nodes, "NodeParameterOutOfBounds")
          .withArgs(encodeBytes32String("minimumStake"), value, MINIMUM[Mode.None], MINIMUM[Mode.Zk]);
      }
      // None stays within [1 OPG, TEE's minimum]; ZK within [TEE's minimum, 10,000,000 OPG].
      await expect(nodes.connect(f.admin).setMinimumStake(Mode.None, MIN_MINIMUM_STAKE - 1n))
        .to.be.revertedWithCustomError(nodes, "NodeParameterOutOfBounds")
        .withArgs(encodeBytes32String("minimumStake"), MIN_MINIMUM_STAKE - 1n, MIN_MINIMUM_STAKE, MINIMUM[Mode.Tee]);
      await expect(nodes.connect(f.admin).setMinimumStake(Mode.Zk, MAX_MINIMUM_STAKE + 1n))
        .to.be.revertedWithCustomError(nodes, "NodeParameterOutOfBounds")
        .withArgs(encodeBytes32String("minimumStake"), MAX_MINIMUM_STAKE + 1n, MINIMUM[Mode.Tee], MAX_MINIMUM_STAKE);
      expect(await nodes.minimumStake(Mode.Tee)).to.equal(MINIMUM[Mode.Tee]);

      const current = [...MINIMUM];
      const steps: [ModeValue, bigint][] = [
        [Mode.None, MIN_MINIMUM_STAKE],
        [Mode.Tee, MIN_MINIMUM_STAKE],
        [Mode.Zk, MAX_MINIMUM_STAKE],
        [Mode.None, MIN_MINIMUM_STAKE],
        [Mode.Tee, opg(30_000n)],
        [Mode.None, opg(12_345n)],
      ];
      for (const [mode, value] of steps) {
        await expect(nodes.connect(f.admin).setMinimumStake(mode, value))
          .to.emit(nodes, "MinimumStakeSet")
          .withArgs(mode, current[mode], value);
        current[mode] = value;
        for (const m of [Mode.None, Mode.Tee, Mode.Zk]) expect(await nodes.minimumStake(m)).to.equal(current[m]);
      }
    });

    it("setLivenessWindow: NodeParameterOutOfBounds outside [5 minutes, 7 days]; LivenessWindowSet(old, new)", async function () {
      const f = await loadFixture(deployNodeRegistryFixture);
      const { nodes } = f;
      for (const value of [0n, MIN_WINDOW - 1n, MAX_WINDOW + 1n, 2n ** 64n - 1n]) {
        await expect(nodes.connect(f.admin).setLivenessWindow(value))
          .to.be.revertedWithCustomError(nodes, "NodeParameterOutOfBounds")
          .withArgs(encodeBytes32String("livenessWindow"), value, MIN_WINDOW, MAX_WINDOW);
      }
      expect(await nodes.livenessWindow()).to.equal(HOUR);
      let old = HOUR;
      for (const value of [MIN_WINDOW, MAX_WINDOW, 2n * HOUR]) {
        await expect(nodes.connect(f.admin).setLivenessWindow(value))
          .to.emit(nodes, "LivenessWindowSet")
          .withArgs(old, value);
        expect(await nodes.livenessWindow()).to.equal(value);
        old = value;
      }
    });

    it("a raised minimum makes an eligible node ineligible at once; a lowered one brings it back", async function () {
      const f = await loadFixture(deployNodeRegistryFixture);
      const { nodes } = f;
      const id = await withNoneNode(f);
      const counts = await countsOf(f, f.alice.address);

      // Minimums of modes alice does not run change nothing for her.
      await nodes.connect(f.admin).setMinimumStake(Mode.Zk, MAX_MINIMUM_STAKE);
      await nodes.connect(f.admin).setMinimumStake(Mode.Tee, MAX_MINIMUM_STAKE);
      await expectEligibility(f, id, LLAMA, Mode.None, Eligibility.Eligible);

      await nodes.connect(f.admin).setMinimumStake(Mode.None, MINIMUM[Mode.None] + 1n);
      await expectEligibility(f, id, LLAMA, Mode.None, Eligibility.InsufficientStake);
      expect(await nodes.requiredStakeOf(f.alice.address)).to.equal(MINIMUM[Mode.None] + 1n);
      expect(await countsOf(f, f.alice.address)).to.deep.equal(counts);
      // A new node now needs the new minimum.
      await expect(nodes.connect(f.alice).registerNode(params(), [LLAMA]))
        .to.be.revertedWithCustomError(nodes, "NodeInsufficientStake")
        .withArgs(f.alice.address, MINIMUM[Mode.None], 2n * (MINIMUM[Mode.None] + 1n));

      await nodes.connect(f.admin).setMinimumStake(Mode.None, opg(5_000n));
      await expectEligibility(f, id, LLAMA, Mode.None, Eligibility.Eligible);
      expect(await nodes.requiredStakeOf(f.alice.address)).to.equal(opg(5_000n));
    });

    it("a shorter liveness window makes a node stale sooner", async function () {
      const f = await loadFixture(deployNodeRegistryFixture);
      const id = await withNoneNode(f);
      const lastSeen = (await nodeOf(f, id)).lastSeen;
      await viewAt(lastSeen + MIN_WINDOW + 1n);
      await expectEligibility(f, id, LLAMA, Mode.None, Eligibility.Eligible);
      await f.nodes.connect(f.admin).setLivenessWindow(MIN_WINDOW);
      await expectEligibility(f, id, LLAMA, Mode.None, Eligibility.Stale);
      await f.nodes.connect(f.admin).setLivenessWindow(MAX_WINDOW);
      await viewAt(lastSeen + MAX_WINDOW);
      await expectEligibility(f, id, LLAMA, Mode.None, Eligibility.Eligible);
    });
  });
});
