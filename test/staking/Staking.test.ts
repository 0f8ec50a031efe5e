/*
Staking
├── deployment
│   ├── when the rewards duration is 0 → it reverts StakingParameterOutOfBounds("rewardsDuration", 0, 1, 2^64 - 1)
│   ├── otherwise → it stores the token and the rewards terms, the default parameters and bounds, and gives the
│   │   admin DEFAULT_ADMIN_ROLE and PAUSER_ROLE; there is no SLASHER_ROLE (the fixture sets the slasher and fee source)
│   └── a fresh deployment → slasher and feeSource are zero
├── setProtocolContracts
│   ├── when the caller lacks DEFAULT_ADMIN_ROLE → it reverts AccessControlUnauthorizedAccount(caller, DEFAULT_ADMIN_ROLE)
│   ├── when the slasher or the fee source is zero → it reverts StakingProtocolContractsSet(0, 0)
│   └── when both are set → it sets them, emits ProtocolContractsSet(slasher, feeSource); any second call, even
│       with the same addresses, reverts StakingProtocolContractsSet(slasher, feeSource)
├── stake
│   ├── when paused → it reverts EnforcedPause
│   ├── when the amount is 0 → it reverts StakingZeroAmount
│   ├── when the allowance is too small → it reverts ERC20InsufficientAllowance(staking, allowance, amount)
│   └── when the amount is good → own active stake and totalActiveStake grow, the operator is staked, the tokens
│       move; it emits StakeDeposited(operator, amount); staking again adds
├── stakeWithPermit
│   ├── when paused → it reverts EnforcedPause
│   ├── when the permit is valid → it spends the permit (nonce used, allowance back to 0) and stakes
│   ├── when someone else submitted the same permit first (front-run) → the stake still succeeds
│   └── when the permit is bad and there is no allowance → it reverts ERC20InsufficientAllowance
├── delegate (with maxCutPpm = 100% unless said otherwise)
│   ├── when paused → it reverts EnforcedPause
│   ├── when delegating to oneself → it reverts StakingSelfDelegation(operator)
│   ├── when the amount is below the minimum → it reverts StakingDelegationTooSmall(amount, minimum)
│   ├── when the operator never staked → it reverts StakingNotOperator(operator)
│   ├── given an empty pool → it mints shares 1:1; it emits StakeDelegated(delegator, operator, amount, shares)
│   ├── given an unslashed pool → later delegations also mint 1:1
│   ├── given a slashed pool → it mints amount * shares / tokens, rounded down
│   └── given an operator that unstaked everything → it still accepts delegations (the operator stays "staked")
├── delegateWithPermit
│   ├── when paused → it reverts EnforcedPause
│   ├── when the permit is valid → it delegates with the permit
│   └── when the permit was front-run → the delegation still succeeds
├── unstake
│   ├── when the amount is 0 → it reverts StakingZeroAmount
│   ├── when the amount exceeds own active stake → it reverts StakingInsufficientStake(active, amount)
│   ├── when the amount is below the minimum and not all → it reverts StakingThawTooSmall(amount, minimum)
│   ├── when the amount is below the minimum but all of it → it queues it
│   ├── when the amount is good → active stake and totalActiveStake drop, the own thawing pool and
│   │   totalThawingStake grow, slashable stake stays, no token moves; it emits ThawRequested with
│   │   thawingUntil = block time + thawingPeriod; request ids count up
│   ├── when paused → it still works
│   └── given maxThawRequests open requests → it reverts StakingTooManyThawRequests(open, maximum) until one is withdrawn
├── undelegate
│   ├── when the shares are 0 → it reverts StakingZeroAmount
│   ├── when the shares exceed the delegation → it reverts StakingInsufficientStake(held, shares)
│   ├── when the value is below the minimum and not all → it reverts StakingThawTooSmall(amount, minimum)
│   ├── when the value is below the minimum but all of it → it queues it
│   ├── when the shares are good → the delegation and the delegated pool shrink, the delegated thawing pool grows;
│   │   it emits ThawRequested(delegator, operator, id, amount, shares, block time + thawingPeriod)
│   ├── given a slashed pool → the amount is shares * tokens / shares, rounded down
│   ├── when paused → it still works
│   └── given maxThawRequests open requests → it reverts StakingTooManyThawRequests(open, maximum)
├── withdraw
│   ├── given no request → it reverts StakingNothingThawed(0)
│   ├── given the oldest request is still thawing → it reverts StakingNothingThawed(thawingUntil), up to its last second
│   ├── given it has thawed → it pays it; it emits StakeWithdrawn(staker, operator, amount, 1); withdrawableOf and
│   │   thawRequestsOf show it before and not after
│   ├── given several thawed requests → maxRequests limits the window of oldest ids; 0 pays all
│   ├── given an older request still thawing (longer period) and a newer thawed one (period shortened since) → it
│   │   pays the newer one; withdrawableOf's nextThawingUntil is the older one's; a window holding only the older
│   │   one reverts StakingNothingThawed(older's thawingUntil)
│   ├── given holes left by requests withdrawn out of order → the views skip them, they count in the window,
│   │   nextThawingUntil is the earliest still thawing, and the head passes them once the older ones go
│   ├── given a delegator → it pays from the delegated thawing pool
│   └── when paused → it still works
├── withdraw under a lock (the lock: min(pendingSlashOf, slashable stake before the withdrawal); what it leaves free:
│   own active + own thawing − lock for the operator, slashable − lock for a delegator)
│   ├── given the operator → it takes the free part, out of part of a request if need be (whole shares): the rest
│   │   stays thawed in the same request id (thawRequestsOf), StakeWithdrawn counts only the requests taken whole;
│   │   with nothing free → StakingStakeLocked(locked, own active + own thawing), whatever is delegated; after
│   │   unlockStake the next withdrawal takes the rest of the request
│   ├── given a delegator and own stake covering the lock → it withdraws everything
│   ├── given a delegator and own stake not covering it → it takes what the whole slashable stake holds beyond the
│   │   lock, out of part of a request; with nothing free → StakingStakeLocked(locked, slashable); the rest later
│   ├── given a withdrawal that pays 0 (swept epoch) → it is not held back
│   ├── given pending slashes beyond the slashable stake → the lock is all of it: every withdrawal reverts
│   │   StakingStakeLocked(slashable, holding), the operator's and the delegators', until enough pending slashes
│   │   are released; unbonding still works
│   └── the lock is measured before the withdrawal: pending 1,050 against 1,000 slashable holds back a 1 OPG
│       withdrawal (StakingStakeLocked(1,000, 1,000)); 999 pending let it through
├── lockStake / unlockStake / slash
│   ├── when the caller is not the slasher (stranger, admin, operator, fee source) → each reverts
│   │   StakingUnauthorized(caller)
│   ├── given nothing slashable → lockStake reverts StakingSlashTooLarge(amount, 0)
│   ├── when the amount is 0 → lockStake and slash revert StakingZeroAmount
│   ├── when a lock is above maxSlashPpm of slashable → it reverts StakingSlashTooLarge(amount, maximum), however
│   │   much is pending; a lock taken before maxSlashPpm fell can still be slashed
│   ├── when slashing or unlocking more than is pending → it reverts StakingNotLocked(pending, amount), also when
│   │   the pending slashes exceed the slashable stake (more than is locked but not more than pends passes)
│   ├── lockStake → it adds the whole amount to pendingSlashOf, whatever is pending already, returns it and emits
│   │   StakeLocked(operator, amount, total pending); lockedStakeOf = min(pending, slashable): it stops at the
│   │   slashable stake and follows it as the stake grows
│   ├── unlockStake → it emits StakeUnlocked(operator, amount, pending left); no stake or token moves
│   ├── slash → it removes its amount from the pending slashes (StakeUnlocked) and takes min(amount, slashable now):
│   │   after a sweep took more than its amount, the rest pending takes what is left; with nothing left it returns
│   │   (0, 0) and emits no StakeSlashed
│   ├── a later challenge after earlier ones filled the lock → its lock still adds up; upheld, it takes its whole
│   │   amount, whether the earlier ones were released first or still pend (then upheld, each takes what is left
│   │   and the last one nothing)
│   ├── challenger → challengerSharePpm of what comes from the operator's own stake (active and thawing) only;
│   │   the delegators' part is all burned: 1 OPG own + 100,000 delegated, a 10,000 slash pays 0.5 and burns
│   │   9,999.5 (totalSupply falls by exactly that)
│   ├── order → own active first, then own thawing, then delegated active and delegated thawing pro rata
│   ├── given the operator started a thaw just before → the thaw request pays less: the slash is not escaped
│   ├── given a delegator thawing → its request pays less too
│   ├── challenger (own stake only) → challengerSharePpm of it goes to it, the rest is burned; totalSupply drops by
│   │   the burned amount; a zero challenger (or a zero share) → all is burned
│   ├── given a slash that empties the own thawing pool → a new epoch: old requests are worth 0 and take
│   │   nothing from new ones; withdrawing them succeeds and pays 0
│   ├── given slashes that empty the delegated thawing pool → the same for delegators
│   ├── given a slash that would leave dust in a thawing pool → the dust goes too, a new epoch starts, and the
│   │   operator can still unstake
│   ├── other operators → untouched
│   ├── when paused → it still works
│   └── property (fast-check): for random stakes, delegations, thaws and slashes, taken == the sum of the parts,
│       burned + toChallenger == taken, toChallenger <= share * own part, the supply falls by burned exactly
├── rewards
│   ├── before rewardsStart → nothing is emitted nor earned; claimRewards reverts StakingNoRewards
│   ├── rewardsEmittedAt → the closed form REWARDS_TOTAL * min(t - start, duration) / duration
│   ├── while nothing is staked → the emission is unallocated and paid to nobody
│   ├── one staker → it gets the whole emission of an interval, within rounding, never more
│   ├── two stakers → they split it pro rata to their stake
│   ├── an operator with delegators → the operator gets its stake's part plus its cut of the delegated part
│   ├── a delegator who joins late → earns only from joining
│   ├── a delegator who leaves → stops earning at undelegate; what it earned stays claimable
│   └── a slashed operator → earns less from the slash on
├── claimRewards
│   ├── given nothing to claim → it reverts StakingNoRewards(account, operator)
│   ├── given rewards → it pays claimableRewards (as read just before, at the same time); it emits
│   │   RewardsClaimed(account, operator, amount); rewardsClaimed grows; claimableRewards is 0 after
│   └── when paused → it still works
├── creditFees (the fee source sends the tokens, then credits them)
│   ├── when the caller is not the fee source → it reverts StakingUnauthorized(caller)
│   ├── given no active stake, or only the operator's own → all of it is the operator's; a 0 credit changes nothing
│   ├── given delegators → it returns what streams and emits FeesCredited(operator, amount, streaming, endsAt);
│   │   over FEE_STREAM_PERIOD amount * delegated.tokens / active goes to them after the operator's cut, pro rata to
│   │   their shares, the rest is the operator's; feesDistributed grows; claimRewards pays it
│   ├── given a slashed pool → the split follows the tokens left, not the shares
│   ├── given a delegator who left → it keeps what it earned; later payments are not shared with it
│   ├── a delegation made just before a payment and gone just after (600,000 OPG, F4, review 1-2) → a moment's worth
│   ├── a delegation made after a stream ran out → nothing of it, only its share of later payments
│   ├── the stream → linear over the period; a new payment spreads what is left with it over a new period
│   ├── a change of stake mid-stream → the stream is settled first: each part goes to the stake of its moment
│   └── when paused → it still works
├── setDelegationCut
│   ├── when the cut is above 100% → it reverts StakingInvalidCut(cut)
│   ├── when the caller never staked → it reverts StakingNotOperator(caller)
│   ├── given no delegator → it still schedules it (DelegationCutScheduled, never DelegationCutSet); the cut is
│   │   unchanged until applied
│   ├── given delegators → it schedules it; it emits DelegationCutScheduled(operator, current, new, now + cutChangeDelay)
│   └── given every delegator left → a new schedule replaces the old one and still waits the delay
├── delegate: maxCutPpm
│   ├── when the cut in force is above it → it reverts StakingCutAboveAccepted(cut, maxCut); equal passes
│   ├── when a raise is scheduled above it → delegate and delegateWithPermit revert StakingCutAboveAccepted(scheduled,
│   │   maxCut); once applied the cut in force is what counts
│   └── when a lower cut is scheduled → the cut in force is what counts
├── applyDelegationCut
│   ├── given nothing scheduled → it reverts StakingCutNotDue(0)
│   ├── given a change not yet due → it reverts StakingCutNotDue(effectiveAt), up to its last second
│   ├── given a due change → anyone applies it; it emits DelegationCutSet(operator, old, new)
│   ├── rewards before the change is applied → shared under the old cut
│   └── a delegator who undelegated before the change → is not affected by the new cut
├── governance setters (thawingPeriod, cutChangeDelay, minimumDelegation, maxThawRequests, challengerSharePpm, maxSlashPpm)
│   ├── when the caller lacks DEFAULT_ADMIN_ROLE → it reverts AccessControlUnauthorizedAccount(caller, DEFAULT_ADMIN_ROLE)
│   ├── when the value is outside the bounds → it reverts StakingParameterOutOfBounds(name, value, min, max)
│   └── when the value is at a bound → it sets it; it emits its XSet(old, new) (ThawingPeriodSet, ...)
└── pause / unpause
    ├── when the caller lacks PAUSER_ROLE → it reverts AccessControlUnauthorizedAccount(caller, PAUSER_ROLE)
    ├── pause → it emits Paused; new stake and delegation revert EnforcedPause; pausing twice reverts EnforcedPause
    └── unpause → it emits Unpaused; stake works again; unpausing twice reverts ExpectedPause
*/

import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { Signature } from "ethers";
import fc from "fast-check";

import { OPG__factory, Staking__factory } from "../../typechain-types";
import { opg } from "../../deploy/lib/format";
import { MONTH, PERMIT_TYPES, PPM } from "../helpers/protocol";

const DAY = 86_400n;
/** A month as the rewards stream counts it: 365.25 days / 12. */
const REWARDS_TOTAL = opg(100_000_000n);
const REWARDS_DURATION = 96n * MONTH;
const FEE_STREAM_PERIOD = 7n * DAY;
/** What each test account gets from the admin. */
const FUNDS = opg(1_000_000n);
/** A fixed gas limit, so that a reverting transaction is mined at the time set for it instead of failing at estimation. */
const GAS = 2_000_000n;
const PENDING = { blockTag: "pending" } as const;
/** The highest cut a delegator can accept (100%): for delegations that do not test the slippage bound. */
const ANY_CUT = 1_000_000n;
const { ZeroAddress, MaxUint256, encodeBytes32String } = ethers;

/*//////////////////////////////////////////////////////////////////////////
                                    FIXTURE
//////////////////////////////////////////////////////////////////////////*/

async function deployStakingFixture() {
  const [admin, slasher, alice, bob, carol, dave, erin, challenger, stranger, feeSource] = await ethers.getSigners();
  const token = await new OPG__factory(admin).deploy(admin.address);
  const tokenAddress = await token.getAddress();
  const rewardsStart = BigInt(await time.latest()) + 1n;
  const staking = await new Staking__factory(admin).deploy(
    tokenAddress,
    admin.address,
    REWARDS_TOTAL,
    rewardsStart,
    REWARDS_DURATION,
  );
  const stakingAddress = await staking.getAddress();
  await token.connect(admin).transfer(stakingAddress, REWARDS_TOTAL);

  // alice and bob act as operators, carol and dave as delegators; erin is funded but approves nothing (permits);
  // feeSource stands for the payments escrow: it sends the fees it credits.
  for (const s of [alice, bob, carol, dave, erin, feeSource]) {
    await token.connect(admin).transfer(s.address, FUNDS);
    if (s !== erin && s !== feeSource) await token.connect(s).approve(stakingAddress, MaxUint256);
  }
  const roles = {
    admin: await staking.DEFAULT_ADMIN_ROLE(),
    pauser: await staking.PAUSER_ROLE(),
  };
  // slasher stands for the proof registry: it locks and slashes.
  await staking.connect(admin).setProtocolContracts(slasher.address, feeSource.address);
  return {
    token,
    tokenAddress,
    staking,
    stakingAddress,
    rewardsStart,
    roles,
    operators: [alice, bob],
    admin,
    slasher,
    alice,
    bob,
    carol,
    dave,
    erin,
    challenger,
    stranger,
    feeSource,
  };
}

type Fixture = Awaited<ReturnType<typeof deployStakingFixture>>;

/*//////////////////////////////////////////////////////////////////////////
                                    HELPERS
//////////////////////////////////////////////////////////////////////////*/

interface Pool {
  tokens: bigint;
  shares: bigint;
}

/** An operator's stake as stored, without the reward books (which every action settles). */
interface StakeFields {
  ownActive: bigint;
  cutPpm: bigint;
  pendingCutPpm: bigint;
  pendingCutAt: bigint;
  staked: boolean;
  ownThawing: Pool;
  delegated: Pool;
  delegatedThawing: Pool;
  ownThawingEpoch: bigint;
  delegatedThawingEpoch: bigint;
}

interface SlashParts {
  fromOwnActive: bigint;
  fromOwnThawing: bigint;
  fromDelegated: bigint;
  fromDelegatedThawing: bigint;
  burned: bigint;
  toChallenger: bigint;
}

const min = (a: bigint, b: bigint) => (a < b ? a : b);
const abs = (a: bigint) => (a < 0n ? -a : a);

async function stakeOf(f: Fixture, operator: string): Promise<StakeFields> {
  const o = await f.staking.getOperator(operator);
  return {
    ownActive: o.ownActive,
    cutPpm: o.cutPpm,
    pendingCutPpm: o.pendingCutPpm,
    pendingCutAt: o.pendingCutAt,
    staked: o.staked,
    ownThawing: { tokens: o.ownThawing.tokens, shares: o.ownThawing.shares },
    delegated: { tokens: o.delegated.tokens, shares: o.delegated.shares },
    delegatedThawing: { tokens: o.delegatedThawing.tokens, shares: o.delegatedThawing.shares },
    ownThawingEpoch: o.ownThawingEpoch,
    delegatedThawingEpoch: o.delegatedThawingEpoch,
  };
}

/** Every operator's stake but `except`'s, to check that an action leaves bystanders alone. */
async function othersOf(f: Fixture, except: string): Promise<StakeFields[]> {
  return Promise.all(f.operators.filter((o) => o.address !== except).map((o) => stakeOf(f, o.address)));
}

async function totalsOf(f: Fixture) {
  const { staking, token, stakingAddress } = f;
  return {
    active: await staking.totalActiveStake(),
    thawing: await staking.totalThawingStake(),
    held: await token.balanceOf(stakingAddress),
    supply: await token.totalSupply(),
    claimed: await staking.rewardsClaimed(),
    fees: await staking.feesDistributed(),
  };
}

async function balanceOf(f: Fixture, account: string): Promise<bigint> {
  return f.token.balanceOf(account);
}

async function sharesOf(f: Fixture, operator: string, delegator: string): Promise<bigint> {
  return (await f.staking.getDelegation(operator, delegator)).shares;
}

async function thawRequestsOf(f: Fixture, staker: string, operator: string, pending = false) {
  const [ids, amounts, until] = await f.staking.thawRequestsOf(staker, operator, pending ? PENDING : {});
  return { ids: [...ids], amounts: [...amounts], until: [...until] };
}

/** Shares a pool mints for `amount`: 1:1 when empty, pro rata (rounded down) otherwise. */
function sharesFor(pool: Pool, amount: bigint): bigint {
  return pool.shares === 0n ? amount : (amount * pool.shares) / pool.tokens;
}

/** The next transaction (and views read at PENDING) run at `t`. */
async function at(t: bigint) {
  await time.setNextBlockTimestamp(t);
}

/** Sets the next transaction one second after the latest block and returns that time. */
async function next(): Promise<bigint> {
  const t = BigInt(await time.latest()) + 1n;
  await at(t);
  return t;
}

async function expectMinedAt(t: bigint) {
  expect(BigInt(await time.latest())).to.equal(t);
}

/** The rewards stream's closed form. */
function emittedAt(f: Fixture, t: bigint): bigint {
  if (t <= f.rewardsStart) return 0n;
  const elapsed = min(t - f.rewardsStart, REWARDS_DURATION);
  return (REWARDS_TOTAL * elapsed) / REWARDS_DURATION;
}

/** `actual` is within `tolerance` wei of `ideal` (the rounding of the accumulators). */
function expectClose(actual: bigint, ideal: bigint, what: string, tolerance = 3n) {
  expect(abs(actual - ideal) <= tolerance, `${what}: ${actual} is not within ${tolerance} wei of ${ideal}`).to.equal(
    true,
  );
}

async function claimableAt(f: Fixture, account: string, operator: string, t: bigint): Promise<bigint> {
  if (BigInt(await time.latest()) < t) await time.increaseTo(t);
  await expectMinedAt(t);
  return f.staking.claimableRewards(account, operator);
}

/** An EIP-2612 permit for the staking contract, signed with the token's own domain and the owner's nonce. */
async function signPermit(
  f: Fixture,
  owner: HardhatEthersSigner,
  value: bigint,
  deadline: bigint,
  signer: HardhatEthersSigner = owner,
): Promise<Signature> {
  const [, name, version, chainId, verifyingContract] = await f.token.eip712Domain();
  const nonce = await f.token.nonces(owner.address);
  const message = { owner: owner.address, spender: f.stakingAddress, value, nonce, deadline };
  return ethers.Signature.from(
    await signer.signTypedData({ name, version, chainId, verifyingContract }, PERMIT_TYPES, message),
  );
}

/**
 * stake (or stakeWithPermit with `permit`) and asserts: own active stake, totalActiveStake, activeStakeOf and
 * slashableStakeOf grow by `amount`, `staked` is set, the tokens move from the operator to the contract; nothing
 * else changes: thawing, delegation, other operators, the supply.
 */
async function stakeAndCheck(f: Fixture, operator: HardhatEthersSigner, amount: bigint, permit?: Signature) {
  const { staking, token, stakingAddress } = f;
  const before = await stakeOf(f, operator.address);
  const others = await othersOf(f, operator.address);
  const totals = await totalsOf(f);
  const operatorBalance = await balanceOf(f, operator.address);
  const active = await staking.activeStakeOf(operator.address);
  const slashable = await staking.slashableStakeOf(operator.address);

  const tx = permit
    ? staking.connect(operator).stakeWithPermit(amount, MaxUint256, permit.v, permit.r, permit.s)
    : staking.connect(operator).stake(amount);
  await expect(tx).to.emit(staking, "StakeDeposited").withArgs(operator.address, amount);
  await expect(tx).to.emit(token, "Transfer").withArgs(operator.address, stakingAddress, amount);

  expect(await stakeOf(f, operator.address)).to.deep.equal({
    ...before,
    ownActive: before.ownActive + amount,
    staked: true,
  });
  expect(await othersOf(f, operator.address)).to.deep.equal(others);
  expect(await totalsOf(f)).to.deep.equal({
    ...totals,
    active: totals.active + amount,
    held: totals.held + amount,
  });
  expect(await balanceOf(f, operator.address)).to.equal(operatorBalance - amount);
  expect(await staking.activeStakeOf(operator.address)).to.equal(active + amount);
  expect(await staking.slashableStakeOf(operator.address)).to.equal(slashable + amount);
}

/**
 * delegate (or delegateWithPermit) and asserts: it mints sharesFor(pool, amount) shares to the delegator, the
 * delegated pool and totalActiveStake grow by `amount`, the tokens move; nothing else changes. Returns the shares.
 */
async function delegateAndCheck(
  f: Fixture,
  delegator: HardhatEthersSigner,
  operator: string,
  amount: bigint,
  permit?: Signature,
): Promise<bigint> {
  const { staking, token, stakingAddress } = f;
  const before = await stakeOf(f, operator);
  const others = await othersOf(f, operator);
  const totals = await totalsOf(f);
  const delegatorBalance = await balanceOf(f, delegator.address);
  const held = await sharesOf(f, operator, delegator.address);
  const shares = sharesFor(before.delegated, amount);

  const tx = permit
    ? staking.connect(delegator).delegateWithPermit(operator, amount, ANY_CUT, MaxUint256, permit.v, permit.r, permit.s)
    : staking.connect(delegator).delegate(operator, amount, ANY_CUT);
  await expect(tx).to.emit(staking, "StakeDelegated").withArgs(delegator.address, operator, amount, shares);
  await expect(tx).to.emit(token, "Transfer").withArgs(delegator.address, stakingAddress, amount);

  expect(await stakeOf(f, operator)).to.deep.equal({
    ...before,
    delegated: { tokens: before.delegated.tokens + amount, shares: before.delegated.shares + shares },
  });
  expect(await othersOf(f, operator)).to.deep.equal(others);
  expect(await sharesOf(f, operator, delegator.address)).to.equal(held + shares);
  expect(await totalsOf(f)).to.deep.equal({
    ...totals,
    active: totals.active + amount,
    held: totals.held + amount,
  });
  expect(await balanceOf(f, delegator.address)).to.equal(delegatorBalance - amount);
  return shares;
}

/**
 * unstake at the next second and asserts: own active stake and totalActiveStake drop by `amount`, the own thawing
 * pool and totalThawingStake grow by it, slashable stake stays, a request is queued with thawingUntil = now +
 * thawingPeriod; no token moves. Returns the request id and its thawingUntil.
 */
async function unstakeAndCheck(f: Fixture, operator: HardhatEthersSigner, amount: bigint) {
  const { staking } = f;
  const before = await stakeOf(f, operator.address);
  const others = await othersOf(f, operator.address);
  const totals = await totalsOf(f);
  const operatorBalance = await balanceOf(f, operator.address);
  const slashable = await staking.slashableStakeOf(operator.address);
  const requests = await thawRequestsOf(f, operator.address, operator.address);
  const shares = sharesFor(before.ownThawing, amount);
  const thawingPeriod = await staking.thawingPeriod();
  const requestId = await staking.connect(operator).unstake.staticCall(amount);
  const t = await next();

  await expect(staking.connect(operator).unstake(amount))
    .to.emit(staking, "ThawRequested")
    .withArgs(operator.address, operator.address, requestId, amount, shares, t + thawingPeriod);

  await expectMinedAt(t);
  expect(await stakeOf(f, operator.address)).to.deep.equal({
    ...before,
    ownActive: before.ownActive - amount,
    ownThawing: { tokens: before.ownThawing.tokens + amount, shares: before.ownThawing.shares + shares },
  });
  expect(await othersOf(f, operator.address)).to.deep.equal(others);
  expect(await totalsOf(f)).to.deep.equal({
    ...totals,
    active: totals.active - amount,
    thawing: totals.thawing + amount,
  });
  expect(await balanceOf(f, operator.address)).to.equal(operatorBalance);
  expect(await staking.slashableStakeOf(operator.address)).to.equal(slashable);
  const after = await thawRequestsOf(f, operator.address, operator.address);
  expect(after.ids).to.deep.equal([...requests.ids, requestId]);
  expect(after.until).to.deep.equal([...requests.until, t + thawingPeriod]);
  // The new request is worth what was queued, less at most a wei of rounding when the pool was slashed before.
  const worth = after.amounts[after.amounts.length - 1];
  expect(worth <= amount && worth + 1n >= amount).to.equal(true);
  return { requestId, thawingUntil: t + thawingPeriod };
}

/**
 * undelegate at the next second and asserts: the shares leave the delegation and the delegated pool with what they
 * are worth (rounded down), which joins the delegated thawing pool; totals move by it; no token moves.
 */
async function undelegateAndCheck(f: Fixture, delegator: HardhatEthersSigner, operator: string, shares: bigint) {
  const { staking } = f;
  const before = await stakeOf(f, operator);
  const others = await othersOf(f, operator);
  const totals = await totalsOf(f);
  const delegatorBalance = await balanceOf(f, delegator.address);
  const held = await sharesOf(f, operator, delegator.address);
  const slashable = await staking.slashableStakeOf(operator);
  const requests = await thawRequestsOf(f, delegator.address, operator);
  const amount = (shares * before.delegated.tokens) / before.delegated.shares;
  const thawShares = sharesFor(before.delegatedThawing, amount);
  const thawingPeriod = await staking.thawingPeriod();
  const requestId = await staking.connect(delegator).undelegate.staticCall(operator, shares);
  const t = await next();

  await expect(staking.connect(delegator).undelegate(operator, shares))
    .to.emit(staking, "ThawRequested")
    .withArgs(delegator.address, operator, requestId, amount, thawShares, t + thawingPeriod);

  await expectMinedAt(t);
  expect(await stakeOf(f, operator)).to.deep.equal({
    ...before,
    delegated: { tokens: before.delegated.tokens - amount, shares: before.delegated.shares - shares },
    delegatedThawing: {
      tokens: before.delegatedThawing.tokens + amount,
      shares: before.delegatedThawing.shares + thawShares,
    },
  });
  expect(await othersOf(f, operator)).to.deep.equal(others);
  expect(await sharesOf(f, operator, delegator.address)).to.equal(held - shares);
  expect(await totalsOf(f)).to.deep.equal({
    ...totals,
    active: totals.active - amount,
    thawing: totals.thawing + amount,
  });
  expect(await balanceOf(f, delegator.address)).to.equal(delegatorBalance);
  expect(await staking.slashableStakeOf(operator)).to.equal(slashable);
  const after = await thawRequestsOf(f, delegator.address, operator);
  expect(after.ids).to.deep.equal([...requests.ids, requestId]);
  expect(after.until).to.deep.equal([...requests.until, t + thawingPeriod]);
  return { requestId, amount, thawingUntil: t + thawingPeriod };
}

/**
 * withdraw at `t` (default: the next second) and asserts: it pays every thawed request among the oldest
 * `maxRequests` ids of the queue (0 for all; withdrawn holes count in that window) what thawRequestsOf values them
 * at, whatever their order, from the staker's thawing pool; it emits StakeWithdrawn with the amount and the count;
 * the paid requests leave the queue, the others stay as they were; nothing else changes. (The values add up exactly
 * when the taken requests are a prefix or the pool was never slashed, as in every test that uses it.)
 */
async function withdrawAndCheck(
  f: Fixture,
  staker: HardhatEthersSigner,
  operator: string,
  maxRequests = 0n,
  t?: bigint,
): Promise<bigint> {
  const { staking, token, stakingAddress } = f;
  const own = staker.address === operator;
  const when = t ?? BigInt(await time.latest()) + 1n;
  await at(when);
  const before = await stakeOf(f, operator);
  const others = await othersOf(f, operator);
  const totals = await totalsOf(f);
  const stakerBalance = await balanceOf(f, staker.address);
  const requests = await thawRequestsOf(f, staker.address, operator, true);
  const [withdrawableNow, stillThawing] = await staking.withdrawableOf(staker.address, operator, PENDING);
  // The queue's head is its oldest open request; the window is counted in ids from it.
  const end = requests.ids.length === 0 ? 0n : requests.ids[0] + maxRequests;
  const taken = requests.ids.map((id, i) => requests.until[i] <= when && (maxRequests === 0n || id < end));
  const count = taken.filter(Boolean).length;
  expect(count, "withdrawAndCheck expects a thawed request").to.be.greaterThan(0);
  const amount = requests.amounts.filter((_, i) => taken[i]).reduce((a, b) => a + b, 0n);
  if (maxRequests === 0n) expect(amount).to.equal(withdrawableNow);
  expect(withdrawableNow + stillThawing).to.equal(requests.amounts.reduce((a, b) => a + b, 0n));

  const tx = staking.connect(staker).withdraw(operator, maxRequests);
  await expect(tx).to.emit(staking, "StakeWithdrawn").withArgs(staker.address, operator, amount, count);
  if (amount > 0n) await expect(tx).to.emit(token, "Transfer").withArgs(stakingAddress, staker.address, amount);
  else await expect(tx).not.to.emit(token, "Transfer");

  await expectMinedAt(when);
  const after = await stakeOf(f, operator);
  const pool = own ? "ownThawing" : "delegatedThawing";
  expect(after[pool].tokens).to.equal(before[pool].tokens - amount);
  expect(after[pool].shares <= before[pool].shares).to.equal(true);
  expect({ ...after, [pool]: before[pool] }).to.deep.equal(before);
  expect(await othersOf(f, operator)).to.deep.equal(others);
  expect(await totalsOf(f)).to.deep.equal({
    ...totals,
    thawing: totals.thawing - amount,
    held: totals.held - amount,
  });
  expect(await balanceOf(f, staker.address)).to.equal(stakerBalance + amount);
  const left = await thawRequestsOf(f, staker.address, operator);
  expect(left.ids).to.deep.equal(requests.ids.filter((_, i) => !taken[i]));
  expect(left.until).to.deep.equal(requests.until.filter((_, i) => !taken[i]));
  expect(left.amounts).to.deep.equal(requests.amounts.filter((_, i) => !taken[i]));
  return amount;
}

/**
 * withdraw(operator, 0) under a lock and asserts: it pays `amount` (what the lock leaves free), StakeWithdrawn counts
 * the `whole` requests withdrawn whole, the thawing pool and the totals lose `amount`, and the staker's open requests
 * are then `left` (a request withdrawn in part keeps its id and thaw time).
 */
async function withdrawUnderLockAndCheck(
  f: Fixture,
  staker: HardhatEthersSigner,
  operator: string,
  amount: bigint,
  whole: bigint,
  left: { ids: bigint[]; amounts: bigint[] },
) {
  const { staking, token, stakingAddress } = f;
  const pool = staker.address === operator ? "ownThawing" : "delegatedThawing";
  const before = await stakeOf(f, operator);
  const totals = await totalsOf(f);
  const stakerBalance = await balanceOf(f, staker.address);
  const requests = await thawRequestsOf(f, staker.address, operator);
  const tx = staking.connect(staker).withdraw(operator, 0n);
  await expect(tx).to.emit(staking, "StakeWithdrawn").withArgs(staker.address, operator, amount, whole);
  await expect(tx).to.emit(token, "Transfer").withArgs(stakingAddress, staker.address, amount);
  const after = await stakeOf(f, operator);
  expect(after[pool].tokens).to.equal(before[pool].tokens - amount);
  expect({ ...after, [pool]: before[pool] }).to.deep.equal(before);
  expect(await totalsOf(f)).to.deep.equal({ ...totals, thawing: totals.thawing - amount, held: totals.held - amount });
  expect(await balanceOf(f, staker.address)).to.equal(stakerBalance + amount);
  const now = await thawRequestsOf(f, staker.address, operator);
  expect({ ids: now.ids, amounts: now.amounts }).to.deep.equal(left);
  expect(now.until).to.deep.equal(requests.until.filter((_, i) => left.ids.includes(requests.ids[i])));
}

/**
 * The parts a slash takes, computed from the stake before it: the specification in TypeScript. `amount` is capped
 * by the slashable stake, as the contract caps it.
 */
function slashPartsOf(o: StakeFields, amount: bigint, challenger: string, sharePpm: bigint): SlashParts {
  let rest = min(amount, o.ownActive + o.ownThawing.tokens + o.delegated.tokens + o.delegatedThawing.tokens);
  const fromOwnActive = min(rest, o.ownActive);
  rest -= fromOwnActive;
  const ownThawingTake = min(rest, o.ownThawing.tokens);
  rest -= ownThawingTake;
  const fromOwnThawing = swept(o.ownThawing, ownThawingTake);
  let fromDelegated = 0n;
  let fromDelegatedThawing = 0n;
  if (rest > 0n) {
    fromDelegated = (rest * o.delegated.tokens) / (o.delegated.tokens + o.delegatedThawing.tokens);
    fromDelegatedThawing = swept(o.delegatedThawing, rest - fromDelegated);
  }
  // The challenger is paid out of the operator's own stake only; the delegators' part is all burned.
  const toChallenger = challenger === ZeroAddress ? 0n : ((fromOwnActive + fromOwnThawing) * sharePpm) / PPM;
  return {
    fromOwnActive,
    fromOwnThawing,
    fromDelegated,
    fromDelegatedThawing,
    burned: fromOwnActive + fromOwnThawing + fromDelegated + fromDelegatedThawing - toChallenger,
    toChallenger,
  };
}

/** What a slash takes from a thawing pool: `take`, or everything when it would leave under 1e-9 token per share. */
function swept(pool: Pool, take: bigint): bigint {
  if (take === 0n) return 0n;
  const left = pool.tokens - take;
  return left * 1_000_000_000n < pool.shares ? pool.tokens : take;
}

/** Everything a slash takes. */
function takenBy(parts: SlashParts): bigint {
  return parts.fromOwnActive + parts.fromOwnThawing + parts.fromDelegated + parts.fromDelegatedThawing;
}

/** A thawing pool after a slash takes `amount`: emptied pools drop their shares and start a new epoch. */
function afterTake(pool: Pool, epoch: bigint, amount: bigint): [Pool, bigint] {
  if (amount === 0n) return [pool, epoch];
  const tokens = pool.tokens - amount;
  return tokens === 0n ? [{ tokens: 0n, shares: 0n }, epoch + 1n] : [{ tokens, shares: pool.shares }, epoch];
}

/**
 * lockStake by the slasher and asserts: it adds the whole `amount` to pendingSlashOf, however much is already
 * pending, and returns it; it emits StakeLocked(operator, amount, pending after); lockedStakeOf is min(pending,
 * slashable) before and after; no stake, total or token moves. Returns what it returned.
 */
async function lockAndCheck(f: Fixture, operator: string, amount: bigint): Promise<bigint> {
  const { staking } = f;
  const before = await stakeOf(f, operator);
  const totals = await totalsOf(f);
  const pending = await staking.pendingSlashOf(operator);
  const slashable = await staking.slashableStakeOf(operator);
  expect(await staking.lockedStakeOf(operator)).to.equal(min(pending, slashable));
  expect(await staking.connect(f.slasher).lockStake.staticCall(operator, amount)).to.equal(amount);

  await expect(staking.connect(f.slasher).lockStake(operator, amount))
    .to.emit(staking, "StakeLocked")
    .withArgs(operator, amount, pending + amount);

  expect(await staking.pendingSlashOf(operator)).to.equal(pending + amount);
  expect(await staking.lockedStakeOf(operator)).to.equal(min(pending + amount, slashable));
  expect(await staking.slashableStakeOf(operator)).to.equal(slashable);
  expect(await stakeOf(f, operator)).to.deep.equal(before);
  expect(await totalsOf(f)).to.deep.equal(totals);
  return amount;
}

/** Locks and slashes without the checks of slashAndCheck, for tests about what a slash does to rewards. */
async function lockAndSlash(f: Fixture, operator: string, amount: bigint, challenger: string) {
  await f.staking.connect(f.slasher).lockStake(operator, amount);
  await f.staking.connect(f.slasher).slash(operator, amount, challenger);
}

/**
 * lockStake (unless `lock` is false: the amount is already pending) then slash, and asserts: `amount` leaves the
 * pending slashes (StakeUnlocked(operator, amount, pending left)); the parts taken follow the order of slashPartsOf,
 * capped by the slashable stake now, whatever other slashes are pending; it
 * emits StakeSlashed with them; the challenger gets its share of the operator's own part, the rest is burned
 * (totalSupply drops by exactly that); totals drop by the parts; an emptied thawing pool starts a new epoch; other
 * operators and every delegation's shares are untouched; lockedStakeOf is min(pending left, slashable left).
 */
async function slashAndCheck(
  f: Fixture,
  operator: string,
  amount: bigint,
  challenger: string = f.challenger.address,
  lock = true,
): Promise<SlashParts> {
  const { staking, token, stakingAddress } = f;
  if (lock) expect(await lockAndCheck(f, operator, amount)).to.equal(amount);
  const before = await stakeOf(f, operator);
  const others = await othersOf(f, operator);
  const totals = await totalsOf(f);
  const pending = await staking.pendingSlashOf(operator);
  const slashable = await staking.slashableStakeOf(operator);
  const challengerBalance = challenger === ZeroAddress ? 0n : await balanceOf(f, challenger);
  const parts = slashPartsOf(before, amount, challenger, await staking.challengerSharePpm());
  const [taken, toChallenger] = await staking.connect(f.slasher).slash.staticCall(operator, amount, challenger);
  expect([taken, toChallenger]).to.deep.equal([takenBy(parts), parts.toChallenger]);

  const tx = staking.connect(f.slasher).slash(operator, amount, challenger);
  await expect(tx)
    .to.emit(staking, "StakeUnlocked")
    .withArgs(operator, amount, pending - amount);
  await expect(tx)
    .to.emit(staking, "StakeSlashed")
    .withArgs(
      operator,
      challenger,
      parts.fromOwnActive,
      parts.fromOwnThawing,
      parts.fromDelegated,
      parts.fromDelegatedThawing,
      parts.burned,
      parts.toChallenger,
    );
  await expect(tx).to.emit(token, "Transfer").withArgs(stakingAddress, ZeroAddress, parts.burned);
  if (parts.toChallenger > 0n)
    await expect(tx).to.emit(token, "Transfer").withArgs(stakingAddress, challenger, parts.toChallenger);

  const [ownThawing, ownThawingEpoch] = afterTake(before.ownThawing, before.ownThawingEpoch, parts.fromOwnThawing);
  const [delegatedThawing, delegatedThawingEpoch] = afterTake(
    before.delegatedThawing,
    before.delegatedThawingEpoch,
    parts.fromDelegatedThawing,
  );
  expect(await stakeOf(f, operator)).to.deep.equal({
    ...before,
    ownActive: before.ownActive - parts.fromOwnActive,
    ownThawing,
    ownThawingEpoch,
    delegated: { tokens: before.delegated.tokens - parts.fromDelegated, shares: before.delegated.shares },
    delegatedThawing,
    delegatedThawingEpoch,
  });
  expect(await othersOf(f, operator)).to.deep.equal(others);
  expect(await totalsOf(f)).to.deep.equal({
    ...totals,
    active: totals.active - parts.fromOwnActive - parts.fromDelegated,
    thawing: totals.thawing - parts.fromOwnThawing - parts.fromDelegatedThawing,
    held: totals.held - takenBy(parts),
    supply: totals.supply - parts.burned,
  });
  if (challenger !== ZeroAddress)
    expect(await balanceOf(f, challenger)).to.equal(challengerBalance + parts.toChallenger);
  expect(await staking.slashableStakeOf(operator)).to.equal(slashable - takenBy(parts));
  expect(await staking.pendingSlashOf(operator)).to.equal(pending - amount);
  expect(await staking.lockedStakeOf(operator)).to.equal(min(pending - amount, slashable - takenBy(parts)));
  expect(parts.toChallenger <= ((parts.fromOwnActive + parts.fromOwnThawing) * PPM) / 2n / PPM).to.equal(true);
  return parts;
}

/**
 * claimRewards at `when` (default: the next second) and asserts: it pays exactly claimableRewards as read at that second; it emits
 * RewardsClaimed; rewardsClaimed grows by it; claimableRewards is 0 after; stakes and totals are untouched.
 */
async function claimAndCheck(
  f: Fixture,
  account: HardhatEthersSigner,
  operator: string,
  when?: bigint,
): Promise<bigint> {
  const { staking, token, stakingAddress } = f;
  const t = when ?? BigInt(await time.latest()) + 1n;
  await at(t);
  const amount = await staking.claimableRewards(account.address, operator, PENDING);
  expect(amount > 0n, "claimAndCheck expects rewards").to.equal(true);
  const before = await stakeOf(f, operator);
  const totals = await totalsOf(f);
  const accountBalance = await balanceOf(f, account.address);

  const tx = staking.connect(account).claimRewards(operator);
  await expect(tx).to.emit(staking, "RewardsClaimed").withArgs(account.address, operator, amount);
  await expect(tx).to.emit(token, "Transfer").withArgs(stakingAddress, account.address, amount);

  await expectMinedAt(t);
  expect(await staking.claimableRewards(account.address, operator)).to.equal(0n);
  expect(await stakeOf(f, operator)).to.deep.equal(before);
  expect(await totalsOf(f)).to.deep.equal({
    ...totals,
    held: totals.held - amount,
    claimed: totals.claimed + amount,
  });
  expect(await balanceOf(f, account.address)).to.equal(accountBalance + amount);
  return amount;
}

/**
 * The fee source sends `amount` to staking, then credits it at the next second (as the payments escrow does in one
 * transaction), and asserts: it returns and emits FeesCredited(operator, amount, streaming, t + FEE_STREAM_PERIOD),
 * streaming being what was still streaming plus `amount`; nothing of it is claimable at that second; feesDistributed
 * and the contract's balance grow by `amount`; stakes and the other totals stay. Then it lets the stream run out with
 * no change of stake and asserts: amount * delegated / active (after the cut) went to the delegators pro rata to
 * their shares, the rest to the operator, and nothing is left streaming. Call it after the rewards stream has ended
 * (`afterEmission`) and with nothing streaming, so that what becomes claimable is this payment's fees only. Returns the
 * delegators' part.
 */
async function creditAndCheck(
  f: Fixture,
  operator: string,
  amount: bigint,
  delegators: HardhatEthersSigner[] = [],
): Promise<bigint> {
  const { staking, token, stakingAddress, feeSource } = f;
  expect(await staking.feesStreamingOf(operator)).to.equal(0n);
  await token.connect(feeSource).transfer(stakingAddress, amount);
  const t = BigInt(await time.latest()) + 1n;
  await at(t);
  const before = await stakeOf(f, operator);
  const totals = await totalsOf(f);
  const active = before.ownActive + before.delegated.tokens;
  const delegatedPart = active === 0n ? 0n : (amount * before.delegated.tokens) / active;
  const toDelegators = delegatedPart - (delegatedPart * before.cutPpm) / PPM;
  const operatorBefore = await staking.claimableRewards(operator, operator, PENDING);
  const delegatorsBefore = await Promise.all(
    delegators.map((d) => staking.claimableRewards(d.address, operator, PENDING)),
  );
  const shares = await Promise.all(delegators.map((d) => sharesOf(f, operator, d.address)));
  expect(await staking.connect(feeSource).creditFees.staticCall(operator, amount, PENDING)).to.equal(amount);

  const endsAt = t + FEE_STREAM_PERIOD;
  await expect(staking.connect(feeSource).creditFees(operator, amount))
    .to.emit(staking, "FeesCredited")
    .withArgs(operator, amount, amount, endsAt);
  await expectMinedAt(t);
  expect(await staking.feesStreamingOf(operator)).to.equal(amount);
  expect(await staking.claimableRewards(operator, operator)).to.equal(operatorBefore);
  expect(await stakeOf(f, operator)).to.deep.equal(before);
  expect(await totalsOf(f)).to.deep.equal({ ...totals, fees: totals.fees + amount });

  // The stream runs out: everything is released, split by the stake of each moment (here unchanged).
  await time.increaseTo(endsAt);
  expect(await staking.feesStreamingOf(operator)).to.equal(0n);
  expect(await staking.claimableRewards(operator, operator)).to.equal(operatorBefore + amount - toDelegators);
  let paidToDelegators = 0n;
  for (const [i, d] of delegators.entries()) {
    const gained = (await staking.claimableRewards(d.address, operator)) - delegatorsBefore[i];
    const ideal = before.delegated.shares === 0n ? 0n : (toDelegators * shares[i]) / before.delegated.shares;
    expectClose(gained, ideal, `delegator ${d.address}`, 1n);
    paidToDelegators += gained;
  }
  // Fractions of a wei an earlier credit left in the delegators' books may be paid with this one: at most one wei per
  // delegator, less one. Over all credits together, delegators never get more than their parts (the property below).
  expect(paidToDelegators).to.be.lte(toDelegators + BigInt(Math.max(delegators.length - 1, 0)));
  paidByCredits.set(operator, (paidByCredits.get(operator) ?? 0n) + paidToDelegators);
  return toDelegators;
}

/** What creditAndCheck saw delegators paid, per operator, over every credit of the test. */
const paidByCredits = new Map<string, bigint>();

/** Moves past the end of the rewards stream, so that claimable rewards change only by fees. */
async function afterEmission(f: Fixture) {
  const end = f.rewardsStart + REWARDS_DURATION + 1n;
  if (BigInt(await time.latest()) < end) await time.increaseTo(end);
}

/** Schedules a cut and applies it once due, so that it is in force from the next block. */
async function setCutNow(f: Fixture, operator: HardhatEthersSigner, cutPpm: bigint) {
  await f.staking.connect(operator).setDelegationCut(cutPpm);
  await time.increase(await f.staking.cutChangeDelay());
  await f.staking.connect(f.stranger).applyDelegationCut(operator.address);
  expect((await f.staking.getOperator(operator.address)).cutPpm).to.equal(cutPpm);
}

/*//////////////////////////////////////////////////////////////////////////
                                     TESTS
//////////////////////////////////////////////////////////////////////////*/

describe("Staking", function () {
  describe("deployment", function () {
    it("reverts StakingParameterOutOfBounds when the rewards duration is 0", async function () {
      const f = await loadFixture(deployStakingFixture);
      const factory = new Staking__factory(f.admin);
      await expect(factory.deploy(f.tokenAddress, f.admin.address, REWARDS_TOTAL, f.rewardsStart, 0n))
        .to.be.revertedWithCustomError(f.staking, "StakingParameterOutOfBounds")
        .withArgs(encodeBytes32String("rewardsDuration"), 0n, 1n, 2n ** 64n - 1n);
    });

    it("stores the token, the rewards terms, the default parameters and bounds, and the roles", async function () {
      const { staking, token, tokenAddress, stakingAddress, rewardsStart, roles, admin, slasher, feeSource, stranger } =
        await loadFixture(deployStakingFixture);
      expect(await staking.TOKEN()).to.equal(tokenAddress);
      expect(await staking.REWARDS_TOTAL()).to.equal(REWARDS_TOTAL);
      expect(await staking.REWARDS_START()).to.equal(rewardsStart);
      expect(await staking.REWARDS_DURATION()).to.equal(REWARDS_DURATION);
      expect(await token.balanceOf(stakingAddress)).to.equal(REWARDS_TOTAL);

      expect(await staking.thawingPeriod()).to.equal(14n * DAY);
      expect(await staking.cutChangeDelay()).to.equal(7n * DAY);
      expect(await staking.challengerSharePpm()).to.equal(500_000n);
      expect(await staking.maxSlashPpm()).to.equal(100_000n);
      expect(await staking.minimumDelegation()).to.equal(opg(1n));
      expect(await staking.maxThawRequests()).to.equal(100n);
      expect(await staking.MIN_THAWING_PERIOD()).to.equal(DAY);
      expect(await staking.MAX_THAWING_PERIOD()).to.equal(28n * DAY);
      expect(await staking.MIN_CUT_CHANGE_DELAY()).to.equal(DAY);
      expect(await staking.MAX_CUT_CHANGE_DELAY()).to.equal(28n * DAY);
      expect(await staking.MIN_MINIMUM_DELEGATION()).to.equal(10n ** 15n);
      expect(await staking.MAX_MINIMUM_DELEGATION()).to.equal(opg(100_000n));
      expect(await staking.MAX_THAW_REQUESTS_BOUND()).to.equal(1000n);
      expect(await staking.MAX_CHALLENGER_SHARE_PPM()).to.equal(500_000n);
      expect(await staking.MAX_SLASH_BOUND_PPM()).to.equal(100_000n);

      expect(await staking.totalActiveStake()).to.equal(0n);
      expect(await staking.totalThawingStake()).to.equal(0n);
      expect(await staking.rewardsClaimed()).to.equal(0n);
      expect(await staking.feesDistributed()).to.equal(0n);
      expect(await staking.paused()).to.equal(false);

      expect(roles.pauser).to.equal(ethers.id("PAUSER_ROLE"));
      expect(await staking.hasRole(roles.admin, admin.address)).to.equal(true);
      expect(await staking.hasRole(roles.pauser, admin.address)).to.equal(true);
      for (const role of [roles.admin, roles.pauser])
        for (const who of [stranger, slasher, feeSource])
          expect(await staking.hasRole(role, who.address)).to.equal(false);
      // No slasher role any more: the one slasher and the one fee source are set by the fixture.
      expect(Staking__factory.abi.some((e) => "name" in e && (e.name as string) === "SLASHER_ROLE")).to.equal(false);
      expect(await staking.slasher()).to.equal(slasher.address);
      expect(await staking.feeSource()).to.equal(feeSource.address);
    });

    it("starts with no slasher and no fee source", async function () {
      const f = await loadFixture(deployStakingFixture);
      const staking = await new Staking__factory(f.admin).deploy(
        f.tokenAddress,
        f.admin.address,
        REWARDS_TOTAL,
        f.rewardsStart,
        REWARDS_DURATION,
      );
      expect(await staking.slasher()).to.equal(ZeroAddress);
      expect(await staking.feeSource()).to.equal(ZeroAddress);
    });
  });

  describe("setProtocolContracts", function () {
    async function freshStaking(f: Fixture) {
      return new Staking__factory(f.admin).deploy(
        f.tokenAddress,
        f.admin.address,
        REWARDS_TOTAL,
        f.rewardsStart,
        REWARDS_DURATION,
      );
    }

    it("reverts AccessControlUnauthorizedAccount when the caller lacks DEFAULT_ADMIN_ROLE", async function () {
      const f = await loadFixture(deployStakingFixture);
      const staking = await freshStaking(f);
      for (const caller of [f.stranger, f.slasher, f.feeSource])
        await expect(staking.connect(caller).setProtocolContracts(f.slasher.address, f.feeSource.address))
          .to.be.revertedWithCustomError(staking, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, f.roles.admin);
      expect(await staking.slasher()).to.equal(ZeroAddress);
    });

    it("reverts StakingProtocolContractsSet for a zero slasher or fee source", async function () {
      const f = await loadFixture(deployStakingFixture);
      const staking = await freshStaking(f);
      for (const [slasher, feeSource] of [
        [ZeroAddress, f.feeSource.address],
        [f.slasher.address, ZeroAddress],
        [ZeroAddress, ZeroAddress],
      ])
        await expect(staking.connect(f.admin).setProtocolContracts(slasher, feeSource))
          .to.be.revertedWithCustomError(staking, "StakingProtocolContractsSet")
          .withArgs(ZeroAddress, ZeroAddress);
    });

    it("sets both once; it emits ProtocolContractsSet; a second call reverts StakingProtocolContractsSet", async function () {
      const f = await loadFixture(deployStakingFixture);
      const staking = await freshStaking(f);
      await expect(staking.connect(f.admin).setProtocolContracts(f.slasher.address, f.feeSource.address))
        .to.emit(staking, "ProtocolContractsSet")
        .withArgs(f.slasher.address, f.feeSource.address);
      expect([await staking.slasher(), await staking.feeSource()]).to.deep.equal([
        f.slasher.address,
        f.feeSource.address,
      ]);
      // Not even the admin can swap them later, to anything.
      for (const [slasher, feeSource] of [
        [f.stranger.address, f.stranger.address],
        [f.slasher.address, f.feeSource.address],
      ])
        await expect(staking.connect(f.admin).setProtocolContracts(slasher, feeSource))
          .to.be.revertedWithCustomError(staking, "StakingProtocolContractsSet")
          .withArgs(f.slasher.address, f.feeSource.address);
      await expect(f.staking.connect(f.admin).setProtocolContracts(f.stranger.address, f.stranger.address))
        .to.be.revertedWithCustomError(f.staking, "StakingProtocolContractsSet")
        .withArgs(f.slasher.address, f.feeSource.address);
    });
  });

  describe("stake", function () {
    it("reverts EnforcedPause when paused", async function () {
      const { staking, admin, alice } = await loadFixture(deployStakingFixture);
      await staking.connect(admin).pause();
      await expect(staking.connect(alice).stake(opg(1n))).to.be.revertedWithCustomError(staking, "EnforcedPause");
    });

    it("reverts StakingZeroAmount when the amount is 0", async function () {
      const { staking, alice } = await loadFixture(deployStakingFixture);
      await expect(staking.connect(alice).stake(0n)).to.be.revertedWithCustomError(staking, "StakingZeroAmount");
    });

    it("reverts ERC20InsufficientAllowance when the allowance is too small", async function () {
      const { staking, token, stakingAddress, erin } = await loadFixture(deployStakingFixture);
      await token.connect(erin).approve(stakingAddress, opg(1n));
      await expect(staking.connect(erin).stake(opg(2n)))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientAllowance")
        .withArgs(stakingAddress, opg(1n), opg(2n));
    });

    it("reverts ERC20InsufficientBalance when the operator does not hold the amount", async function () {
      const { staking, token, stakingAddress, stranger } = await loadFixture(deployStakingFixture);
      await token.connect(stranger).approve(stakingAddress, MaxUint256);
      await expect(staking.connect(stranger).stake(1n))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientBalance")
        .withArgs(stranger.address, 0n, 1n);
    });

    it("adds to own active stake, marks the operator staked and pulls the tokens; it emits StakeDeposited", async function () {
      const f = await loadFixture(deployStakingFixture);
      expect((await stakeOf(f, f.alice.address)).staked).to.equal(false);
      await stakeAndCheck(f, f.alice, opg(1_000n));
      await stakeAndCheck(f, f.alice, 1n);
      await stakeAndCheck(f, f.bob, opg(250n));
      expect(await f.staking.activeStakeOf(f.alice.address)).to.equal(opg(1_000n) + 1n);
      expect(await f.staking.totalActiveStake()).to.equal(opg(1_250n) + 1n);
    });
  });

  describe("stakeWithPermit", function () {
    it("reverts EnforcedPause when paused", async function () {
      const f = await loadFixture(deployStakingFixture);
      const permit = await signPermit(f, f.erin, opg(10n), MaxUint256);
      await f.staking.connect(f.admin).pause();
      await expect(
        f.staking.connect(f.erin).stakeWithPermit(opg(10n), MaxUint256, permit.v, permit.r, permit.s),
      ).to.be.revertedWithCustomError(f.staking, "EnforcedPause");
    });

    it("stakes with a valid permit: the nonce is used and the allowance spent", async function () {
      const f = await loadFixture(deployStakingFixture);
      const permit = await signPermit(f, f.erin, opg(10n), MaxUint256);
      await stakeAndCheck(f, f.erin, opg(10n), permit);
      expect(await f.token.nonces(f.erin.address)).to.equal(1n);
      expect(await f.token.allowance(f.erin.address, f.stakingAddress)).to.equal(0n);
    });

    it("still stakes when someone else submitted the same permit first", async function () {
      const f = await loadFixture(deployStakingFixture);
      const permit = await signPermit(f, f.erin, opg(10n), MaxUint256);
      // The front-runner lifts the permit from the mempool and submits it to the token itself.
      await f.token
        .connect(f.stranger)
        .permit(f.erin.address, f.stakingAddress, opg(10n), MaxUint256, permit.v, permit.r, permit.s);
      expect(await f.token.allowance(f.erin.address, f.stakingAddress)).to.equal(opg(10n));
      await stakeAndCheck(f, f.erin, opg(10n), permit);
      expect(await f.token.nonces(f.erin.address)).to.equal(1n);
      expect(await f.token.allowance(f.erin.address, f.stakingAddress)).to.equal(0n);
    });

    it("reverts ERC20InsufficientAllowance when the permit is bad and there is no allowance", async function () {
      const f = await loadFixture(deployStakingFixture);
      // Signed by someone else than the owner: the permit fails inside, and the pull finds no allowance.
      const permit = await signPermit(f, f.erin, opg(10n), MaxUint256, f.stranger);
      await expect(f.staking.connect(f.erin).stakeWithPermit(opg(10n), MaxUint256, permit.v, permit.r, permit.s))
        .to.be.revertedWithCustomError(f.token, "ERC20InsufficientAllowance")
        .withArgs(f.stakingAddress, 0n, opg(10n));
      expect(await f.token.nonces(f.erin.address)).to.equal(0n);
    });
  });

  describe("delegate", function () {
    it("reverts EnforcedPause when paused", async function () {
      const { staking, admin, alice, carol } = await loadFixture(deployStakingFixture);
      await staking.connect(alice).stake(opg(100n));
      await staking.connect(admin).pause();
      await expect(staking.connect(carol).delegate(alice.address, opg(10n), ANY_CUT)).to.be.revertedWithCustomError(
        staking,
        "EnforcedPause",
      );
    });

    it("reverts StakingSelfDelegation when an operator delegates to itself", async function () {
      const { staking, alice } = await loadFixture(deployStakingFixture);
      await staking.connect(alice).stake(opg(100n));
      await expect(staking.connect(alice).delegate(alice.address, opg(10n), ANY_CUT))
        .to.be.revertedWithCustomError(staking, "StakingSelfDelegation")
        .withArgs(alice.address);
    });

    it("reverts StakingDelegationTooSmall below the minimum delegation", async function () {
      const { staking, admin, alice, carol } = await loadFixture(deployStakingFixture);
      await staking.connect(alice).stake(opg(100n));
      await expect(staking.connect(carol).delegate(alice.address, opg(1n) - 1n, ANY_CUT))
        .to.be.revertedWithCustomError(staking, "StakingDelegationTooSmall")
        .withArgs(opg(1n) - 1n, opg(1n));
      await expect(staking.connect(carol).delegate(alice.address, 0n, ANY_CUT))
        .to.be.revertedWithCustomError(staking, "StakingDelegationTooSmall")
        .withArgs(0n, opg(1n));
      await staking.connect(admin).setMinimumDelegation(opg(50n));
      await expect(staking.connect(carol).delegate(alice.address, opg(49n), ANY_CUT))
        .to.be.revertedWithCustomError(staking, "StakingDelegationTooSmall")
        .withArgs(opg(49n), opg(50n));
    });

    it("reverts StakingNotOperator when the operator never staked", async function () {
      const { staking, carol, stranger } = await loadFixture(deployStakingFixture);
      await expect(staking.connect(carol).delegate(stranger.address, opg(10n), ANY_CUT))
        .to.be.revertedWithCustomError(staking, "StakingNotOperator")
        .withArgs(stranger.address);
    });

    it("mints shares 1:1 into an empty pool and into an unslashed one; it emits StakeDelegated", async function () {
      const f = await loadFixture(deployStakingFixture);
      await stakeAndCheck(f, f.alice, opg(100n));
      expect(await delegateAndCheck(f, f.carol, f.alice.address, opg(1_000n))).to.equal(opg(1_000n));
      expect(await delegateAndCheck(f, f.dave, f.alice.address, opg(1n))).to.equal(opg(1n));
      expect(await delegateAndCheck(f, f.carol, f.alice.address, opg(7n) + 3n)).to.equal(opg(7n) + 3n);
      const [shares, tokens] = await f.staking.getDelegation(f.alice.address, f.carol.address);
      expect([shares, tokens]).to.deep.equal([opg(1_007n) + 3n, opg(1_007n) + 3n]);
    });

    it("mints shares pro rata to a slashed pool, rounded down", async function () {
      const f = await loadFixture(deployStakingFixture);
      await stakeAndCheck(f, f.alice, opg(100n));
      await delegateAndCheck(f, f.carol, f.alice.address, opg(1_000n));
      // Slashable 1,100, so at most 110: 100 from alice's own stake, then 10 from the delegated pool.
      expect(await slashAndCheck(f, f.alice.address, opg(110n))).to.deep.include({
        fromOwnActive: opg(100n),
        fromDelegated: opg(10n),
      });
      expect((await stakeOf(f, f.alice.address)).delegated).to.deep.equal({ tokens: opg(990n), shares: opg(1_000n) });
      // 99 OPG into a pool of 990 tokens and 1,000 shares buys 100 shares.
      expect(await delegateAndCheck(f, f.dave, f.alice.address, opg(99n))).to.equal(opg(100n));
      // 1 OPG buys 1,100 / 1,089 OPG of shares, rounded down.
      expect(await delegateAndCheck(f, f.dave, f.alice.address, opg(1n))).to.equal(
        (opg(1n) * opg(1_100n)) / opg(1_089n),
      );
      // Carol's shares are now worth her 990 OPG (less rounding that favours her, never the newcomer).
      const [, carolTokens] = await f.staking.getDelegation(f.alice.address, f.carol.address);
      expect(carolTokens >= opg(990n)).to.equal(true);
      expect(carolTokens - opg(990n) <= 1n).to.equal(true);
    });

    it("still accepts delegations to an operator that unstaked all its own stake", async function () {
      const f = await loadFixture(deployStakingFixture);
      await stakeAndCheck(f, f.alice, opg(100n));
      await unstakeAndCheck(f, f.alice, opg(100n));
      expect(await stakeOf(f, f.alice.address)).to.deep.include({ ownActive: 0n, staked: true });
      await delegateAndCheck(f, f.carol, f.alice.address, opg(10n));
    });
  });

  describe("delegateWithPermit", function () {
    it("reverts EnforcedPause when paused", async function () {
      const f = await loadFixture(deployStakingFixture);
      await f.staking.connect(f.alice).stake(opg(100n));
      const permit = await signPermit(f, f.erin, opg(10n), MaxUint256);
      await f.staking.connect(f.admin).pause();
      await expect(
        f.staking
          .connect(f.erin)
          .delegateWithPermit(f.alice.address, opg(10n), ANY_CUT, MaxUint256, permit.v, permit.r, permit.s),
      ).to.be.revertedWithCustomError(f.staking, "EnforcedPause");
    });

    it("delegates with a valid permit", async function () {
      const f = await loadFixture(deployStakingFixture);
      await stakeAndCheck(f, f.alice, opg(100n));
      const permit = await signPermit(f, f.erin, opg(10n), MaxUint256);
      expect(await delegateAndCheck(f, f.erin, f.alice.address, opg(10n), permit)).to.equal(opg(10n));
      expect(await f.token.nonces(f.erin.address)).to.equal(1n);
      expect(await f.token.allowance(f.erin.address, f.stakingAddress)).to.equal(0n);
    });

    it("still delegates when the permit was front-run", async function () {
      const f = await loadFixture(deployStakingFixture);
      await stakeAndCheck(f, f.alice, opg(100n));
      const permit = await signPermit(f, f.erin, opg(10n), MaxUint256);
      await f.token
        .connect(f.stranger)
        .permit(f.erin.address, f.stakingAddress, opg(10n), MaxUint256, permit.v, permit.r, permit.s);
      expect(await delegateAndCheck(f, f.erin, f.alice.address, opg(10n), permit)).to.equal(opg(10n));
      expect(await f.token.allowance(f.erin.address, f.stakingAddress)).to.equal(0n);
    });

    it("reverts StakingSelfDelegation with a permit too", async function () {
      const f = await loadFixture(deployStakingFixture);
      const permit = await signPermit(f, f.erin, opg(10n), MaxUint256);
      await expect(
        f.staking
          .connect(f.erin)
          .delegateWithPermit(f.erin.address, opg(10n), ANY_CUT, MaxUint256, permit.v, permit.r, permit.s),
      )
        .to.be.revertedWithCustomError(f.staking, "StakingSelfDelegation")
        .withArgs(f.erin.address);
    });
  });

  describe("unstake", function () {
    it("reverts StakingZeroAmount when the amount is 0", async function () {
      const { staking, alice } = await loadFixture(deployStakingFixture);
      await staking.connect(alice).stake(opg(100n));
      await expect(staking.connect(alice).unstake(0n)).to.be.revertedWithCustomError(staking, "StakingZeroAmount");
    });

    it("reverts StakingInsufficientStake when the amount exceeds own active stake", async function () {
      const { staking, alice, carol } = await loadFixture(deployStakingFixture);
      await staking.connect(alice).stake(opg(100n));
      await staking.connect(carol).delegate(alice.address, opg(500n), ANY_CUT);
      // Delegated stake is not the operator's to unstake.
      await expect(staking.connect(alice).unstake(opg(100n) + 1n))
        .to.be.revertedWithCustomError(staking, "StakingInsufficientStake")
        .withArgs(opg(100n), opg(100n) + 1n);
      await expect(staking.connect(carol).unstake(1n))
        .to.be.revertedWithCustomError(staking, "StakingInsufficientStake")
        .withArgs(0n, 1n);
    });

    it("reverts StakingThawTooSmall below the minimum unless it is all of the stake", async function () {
      const f = await loadFixture(deployStakingFixture);
      await stakeAndCheck(f, f.alice, opg(100n));
      await expect(f.staking.connect(f.alice).unstake(opg(1n) - 1n))
        .to.be.revertedWithCustomError(f.staking, "StakingThawTooSmall")
        .withArgs(opg(1n) - 1n, opg(1n));
      await unstakeAndCheck(f, f.alice, opg(1n));
      await stakeAndCheck(f, f.bob, opg(1n) / 2n);
      await unstakeAndCheck(f, f.bob, opg(1n) / 2n);
      expect(await f.staking.activeStakeOf(f.bob.address)).to.equal(0n);
    });

    it("moves the amount from active to thawing with thawingUntil = now + thawingPeriod; it emits ThawRequested", async function () {
      const f = await loadFixture(deployStakingFixture);
      await stakeAndCheck(f, f.alice, opg(1_000n));
      await delegateAndCheck(f, f.carol, f.alice.address, opg(500n));
      const first = await unstakeAndCheck(f, f.alice, opg(400n));
      expect(first.requestId).to.equal(0n);
      expect(await f.staking.activeStakeOf(f.alice.address)).to.equal(opg(1_100n));
      expect(await f.staking.totalActiveStake()).to.equal(opg(1_100n));
      expect(await f.staking.totalThawingStake()).to.equal(opg(400n));
      // A new thawing period applies to new requests only.
      await f.staking.connect(f.admin).setThawingPeriod(3n * DAY);
      const second = await unstakeAndCheck(f, f.alice, opg(100n));
      expect(second.requestId).to.equal(1n);
      expect(second.thawingUntil).to.equal(BigInt(await time.latest()) + 3n * DAY);
      const requests = await thawRequestsOf(f, f.alice.address, f.alice.address);
      expect(requests).to.deep.equal({
        ids: [0n, 1n],
        amounts: [opg(400n), opg(100n)],
        until: [first.thawingUntil, second.thawingUntil],
      });
    });

    it("still works when paused", async function () {
      const f = await loadFixture(deployStakingFixture);
      await stakeAndCheck(f, f.alice, opg(100n));
      await f.staking.connect(f.admin).pause();
      await unstakeAndCheck(f, f.alice, opg(40n));
    });

    it("reverts StakingTooManyThawRequests at maxThawRequests open requests, until one is withdrawn", async function () {
      const f = await loadFixture(deployStakingFixture);
      await f.staking.connect(f.admin).setMaxThawRequests(3n);
      await stakeAndCheck(f, f.alice, opg(100n));
      const { thawingUntil } = await unstakeAndCheck(f, f.alice, opg(1n));
      await unstakeAndCheck(f, f.alice, opg(1n));
      await unstakeAndCheck(f, f.alice, opg(1n));
      await expect(f.staking.connect(f.alice).unstake(opg(1n)))
        .to.be.revertedWithCustomError(f.staking, "StakingTooManyThawRequests")
        .withArgs(3n, 3n);
      // Lowering the maximum under the open count blocks too, with the open count in the error.
      await f.staking.connect(f.admin).setMaxThawRequests(2n);
      await expect(f.staking.connect(f.alice).unstake(opg(1n)))
        .to.be.revertedWithCustomError(f.staking, "StakingTooManyThawRequests")
        .withArgs(3n, 2n);
      await f.staking.connect(f.admin).setMaxThawRequests(3n);
      await withdrawAndCheck(f, f.alice, f.alice.address, 1n, thawingUntil);
      expect((await unstakeAndCheck(f, f.alice, opg(1n))).requestId).to.equal(3n);
    });
  });

  describe("undelegate", function () {
    it("reverts StakingZeroAmount when the shares are 0", async function () {
      const { staking, alice, carol } = await loadFixture(deployStakingFixture);
      await staking.connect(alice).stake(opg(100n));
      await staking.connect(carol).delegate(alice.address, opg(10n), ANY_CUT);
      await expect(staking.connect(carol).undelegate(alice.address, 0n)).to.be.revertedWithCustomError(
        staking,
        "StakingZeroAmount",
      );
    });

    it("reverts StakingInsufficientStake when the shares exceed the delegation", async function () {
      const { staking, alice, carol, dave } = await loadFixture(deployStakingFixture);
      await staking.connect(alice).stake(opg(100n));
      await staking.connect(carol).delegate(alice.address, opg(10n), ANY_CUT);
      await staking.connect(dave).delegate(alice.address, opg(10n), ANY_CUT);
      await expect(staking.connect(carol).undelegate(alice.address, opg(10n) + 1n))
        .to.be.revertedWithCustomError(staking, "StakingInsufficientStake")
        .withArgs(opg(10n), opg(10n) + 1n);
      await expect(staking.connect(alice).undelegate(alice.address, 1n))
        .to.be.revertedWithCustomError(staking, "StakingInsufficientStake")
        .withArgs(0n, 1n);
    });

    it("reverts StakingThawTooSmall below the minimum unless it is the whole delegation", async function () {
      const f = await loadFixture(deployStakingFixture);
      await stakeAndCheck(f, f.alice, opg(100n));
      await delegateAndCheck(f, f.carol, f.alice.address, opg(3n) / 2n);
      await expect(f.staking.connect(f.carol).undelegate(f.alice.address, opg(1n) / 2n))
        .to.be.revertedWithCustomError(f.staking, "StakingThawTooSmall")
        .withArgs(opg(1n) / 2n, opg(1n));
      await undelegateAndCheck(f, f.carol, f.alice.address, opg(1n));
      // Half an OPG is left: below the minimum, but all of it.
      const { amount } = await undelegateAndCheck(f, f.carol, f.alice.address, opg(1n) / 2n);
      expect(amount).to.equal(opg(1n) / 2n);
      expect(await sharesOf(f, f.alice.address, f.carol.address)).to.equal(0n);
    });

    it("moves the shares' worth from delegated to delegated thawing; it emits ThawRequested", async function () {
      const f = await loadFixture(deployStakingFixture);
      await stakeAndCheck(f, f.alice, opg(100n));
      await delegateAndCheck(f, f.carol, f.alice.address, opg(600n));
      await delegateAndCheck(f, f.dave, f.alice.address, opg(300n));
      const first = await undelegateAndCheck(f, f.carol, f.alice.address, opg(200n));
      expect(first).to.deep.include({ requestId: 0n, amount: opg(200n) });
      const second = await undelegateAndCheck(f, f.dave, f.alice.address, opg(300n));
      expect(second).to.deep.include({ requestId: 0n, amount: opg(300n) });
      expect(await f.staking.activeStakeOf(f.alice.address)).to.equal(opg(500n));
      expect(await f.staking.slashableStakeOf(f.alice.address)).to.equal(opg(1_000n));
      expect(await f.staking.withdrawableOf(f.carol.address, f.alice.address)).to.deep.equal([
        0n,
        opg(200n),
        first.thawingUntil,
      ]);
    });

    it("values the shares of a slashed pool at shares * tokens / shares, rounded down", async function () {
      const f = await loadFixture(deployStakingFixture);
      await stakeAndCheck(f, f.alice, opg(100n));
      await delegateAndCheck(f, f.carol, f.alice.address, opg(700n));
      await delegateAndCheck(f, f.dave, f.alice.address, opg(300n));
      await slashAndCheck(f, f.alice.address, opg(110n)); // 100 own, then 10 from the pool of 1,000
      const { amount } = await undelegateAndCheck(f, f.carol, f.alice.address, opg(100n) + 1n);
      expect(amount).to.equal(((opg(100n) + 1n) * opg(990n)) / opg(1_000n));
      const [, daveTokens] = await f.staking.getDelegation(f.alice.address, f.dave.address);
      expect(daveTokens).to.equal(opg(297n));
    });

    it("still works when paused", async function () {
      const f = await loadFixture(deployStakingFixture);
      await stakeAndCheck(f, f.alice, opg(100n));
      await delegateAndCheck(f, f.carol, f.alice.address, opg(10n));
      await f.staking.connect(f.admin).pause();
      await undelegateAndCheck(f, f.carol, f.alice.address, opg(10n));
    });

    it("reverts StakingTooManyThawRequests at maxThawRequests open requests", async function () {
      const f = await loadFixture(deployStakingFixture);
      await f.staking.connect(f.admin).setMaxThawRequests(2n);
      await stakeAndCheck(f, f.alice, opg(100n));
      await stakeAndCheck(f, f.bob, opg(100n));
      await delegateAndCheck(f, f.carol, f.alice.address, opg(10n));
      await delegateAndCheck(f, f.carol, f.bob.address, opg(10n));
      await undelegateAndCheck(f, f.carol, f.alice.address, opg(1n));
      await undelegateAndCheck(f, f.carol, f.alice.address, opg(1n));
      await expect(f.staking.connect(f.carol).undelegate(f.alice.address, opg(1n)))
        .to.be.revertedWithCustomError(f.staking, "StakingTooManyThawRequests")
        .withArgs(2n, 2n);
      // The cap is per operator: carol can still undelegate from bob.
      await undelegateAndCheck(f, f.carol, f.bob.address, opg(1n));
    });
  });

  describe("withdraw", function () {
    it("reverts StakingNothingThawed(0) when there is no request", async function () {
      const { staking, alice, carol } = await loadFixture(deployStakingFixture);
      await staking.connect(alice).stake(opg(100n));
      for (const [who, operator] of [
        [alice, alice.address],
        [carol, alice.address],
      ] as const)
        await expect(staking.connect(who).withdraw(operator, 0n))
          .to.be.revertedWithCustomError(staking, "StakingNothingThawed")
          .withArgs(0n);
    });

    it("reverts StakingNothingThawed(thawingUntil) until the oldest request has thawed, then pays it", async function () {
      const f = await loadFixture(deployStakingFixture);
      await stakeAndCheck(f, f.alice, opg(100n));
      const { thawingUntil } = await unstakeAndCheck(f, f.alice, opg(40n));
      for (const t of [BigInt(await time.latest()) + 1n, thawingUntil - 1n]) {
        await at(t);
        await expect(f.staking.connect(f.alice).withdraw(f.alice.address, 0n, { gasLimit: GAS }))
          .to.be.revertedWithCustomError(f.staking, "StakingNothingThawed")
          .withArgs(thawingUntil);
        await expectMinedAt(t);
      }
      expect(await f.staking.withdrawableOf(f.alice.address, f.alice.address)).to.deep.equal([
        0n,
        opg(40n),
        thawingUntil,
      ]);
      await time.increaseTo(thawingUntil);
      // From thawingUntil on, the view shows it withdrawable.
      expect(await f.staking.withdrawableOf(f.alice.address, f.alice.address)).to.deep.equal([opg(40n), 0n, 0n]);
      expect(await withdrawAndCheck(f, f.alice, f.alice.address)).to.equal(opg(40n));
      expect(await f.staking.withdrawableOf(f.alice.address, f.alice.address)).to.deep.equal([0n, 0n, 0n]);
      expect(await thawRequestsOf(f, f.alice.address, f.alice.address)).to.deep.equal({
        ids: [],
        amounts: [],
        until: [],
      });
      expect(await stakeOf(f, f.alice.address)).to.deep.include({
        ownActive: opg(60n),
        ownThawing: { tokens: 0n, shares: 0n },
      });
      await expect(f.staking.connect(f.alice).withdraw(f.alice.address, 0n))
        .to.be.revertedWithCustomError(f.staking, "StakingNothingThawed")
        .withArgs(0n);
    });

    it("pays at the exact thawingUntil second", async function () {
      const f = await loadFixture(deployStakingFixture);
      await stakeAndCheck(f, f.alice, opg(100n));
      const { thawingUntil } = await unstakeAndCheck(f, f.alice, opg(100n));
      expect(await withdrawAndCheck(f, f.alice, f.alice.address, 0n, thawingUntil)).to.equal(opg(100n));
    });

    it("pays at most maxRequests thawed requests, oldest first; 0 pays every thawed one", async function () {
      const f = await loadFixture(deployStakingFixture);
      await stakeAndCheck(f, f.alice, opg(100n));
      const requests = [];
      for (const amount of [opg(10n), opg(20n), opg(30n), opg(5n)])
        requests.push(await unstakeAndCheck(f, f.alice, amount));
      await time.increaseTo(requests[3].thawingUntil);
      const [ids] = await f.staking.thawRequestsOf(f.alice.address, f.alice.address);
      expect([...ids]).to.deep.equal([0n, 1n, 2n, 3n]);
      expect(await f.staking.withdrawableOf(f.alice.address, f.alice.address)).to.deep.equal([opg(65n), 0n, 0n]);
      expect(await withdrawAndCheck(f, f.alice, f.alice.address, 2n)).to.equal(opg(30n));
      expect(await withdrawAndCheck(f, f.alice, f.alice.address, 1n)).to.equal(opg(30n));
      expect(await withdrawAndCheck(f, f.alice, f.alice.address, 0n)).to.equal(opg(5n));
    });

    // Changed with the redesign: a withdrawal used to stop at the first request still thawing.
    it("pays a newer request thawed after a shortened thawingPeriod, though an older one still thaws", async function () {
      const f = await loadFixture(deployStakingFixture);
      await stakeAndCheck(f, f.alice, opg(100n));
      await f.staking.connect(f.admin).setThawingPeriod(28n * DAY);
      const older = await unstakeAndCheck(f, f.alice, opg(10n));
      await f.staking.connect(f.admin).setThawingPeriod(DAY);
      const newer = await unstakeAndCheck(f, f.alice, opg(20n));
      await time.increaseTo(newer.thawingUntil);
      expect(await f.staking.withdrawableOf(f.alice.address, f.alice.address)).to.deep.equal([
        opg(20n),
        opg(10n),
        older.thawingUntil,
      ]);
      // The window of one request holds only the older one, still thawing.
      await expect(f.staking.connect(f.alice).withdraw(f.alice.address, 1n))
        .to.be.revertedWithCustomError(f.staking, "StakingNothingThawed")
        .withArgs(older.thawingUntil);
      expect(await withdrawAndCheck(f, f.alice, f.alice.address, 0n)).to.equal(opg(20n));
      expect(await thawRequestsOf(f, f.alice.address, f.alice.address)).to.deep.equal({
        ids: [older.requestId],
        amounts: [opg(10n)],
        until: [older.thawingUntil],
      });
      await expect(f.staking.connect(f.alice).withdraw(f.alice.address, 0n))
        .to.be.revertedWithCustomError(f.staking, "StakingNothingThawed")
        .withArgs(older.thawingUntil);
      expect(await withdrawAndCheck(f, f.alice, f.alice.address, 0n, older.thawingUntil)).to.equal(opg(10n));
      expect(await stakeOf(f, f.alice.address)).to.deep.include({ ownActive: opg(70n) });
    });

    it("skips the holes of requests withdrawn out of order, in the views and in later withdrawals", async function () {
      const f = await loadFixture(deployStakingFixture);
      await stakeAndCheck(f, f.alice, opg(1_000n));
      await delegateAndCheck(f, f.carol, f.alice.address, opg(1_000n));
      await f.staking.connect(f.admin).setThawingPeriod(20n * DAY);
      const a = await undelegateAndCheck(f, f.carol, f.alice.address, opg(10n)); // id 0, 20 days
      await f.staking.connect(f.admin).setThawingPeriod(DAY);
      const b = await undelegateAndCheck(f, f.carol, f.alice.address, opg(20n)); // id 1, 1 day
      await f.staking.connect(f.admin).setThawingPeriod(10n * DAY);
      const c = await undelegateAndCheck(f, f.carol, f.alice.address, opg(30n)); // id 2, 10 days
      await f.staking.connect(f.admin).setThawingPeriod(2n * DAY);
      const d = await undelegateAndCheck(f, f.carol, f.alice.address, opg(40n)); // id 3, 2 days
      await time.increaseTo(b.thawingUntil);
      expect(await withdrawAndCheck(f, f.carol, f.alice.address)).to.equal(opg(20n));
      // Request 1 is a hole: the views skip it; the next request to thaw is d, before a and c.
      expect(await thawRequestsOf(f, f.carol.address, f.alice.address)).to.deep.equal({
        ids: [0n, 2n, 3n],
        amounts: [opg(10n), opg(30n), opg(40n)],
        until: [a.thawingUntil, c.thawingUntil, d.thawingUntil],
      });
      expect(await f.staking.withdrawableOf(f.carol.address, f.alice.address)).to.deep.equal([
        0n,
        opg(80n),
        d.thawingUntil,
      ]);
      // A window of 3 ids (0, the hole 1, 2) holds nothing thawed at d's time; all of them hold d.
      await at(d.thawingUntil);
      await expect(f.staking.connect(f.carol).withdraw(f.alice.address, 3n, { gasLimit: GAS }))
        .to.be.revertedWithCustomError(f.staking, "StakingNothingThawed")
        .withArgs(c.thawingUntil);
      expect(await withdrawAndCheck(f, f.carol, f.alice.address, 4n)).to.equal(opg(40n));
      expect(await f.staking.withdrawableOf(f.carol.address, f.alice.address)).to.deep.equal([
        0n,
        opg(40n),
        c.thawingUntil,
      ]);
      // Once the oldest goes, the head passes the holes: new requests still get the next id.
      expect(await withdrawAndCheck(f, f.carol, f.alice.address, 0n, a.thawingUntil)).to.equal(opg(40n));
      expect((await thawRequestsOf(f, f.carol.address, f.alice.address)).ids).to.deep.equal([]);
      expect((await undelegateAndCheck(f, f.carol, f.alice.address, opg(1n))).requestId).to.equal(4n);
    });

    it("shows partial progress in withdrawableOf: what is free now, what still thaws and when the next part is free", async function () {
      const f = await loadFixture(deployStakingFixture);
      await stakeAndCheck(f, f.alice, opg(100n));
      await delegateAndCheck(f, f.carol, f.alice.address, opg(100n));
      const first = await undelegateAndCheck(f, f.carol, f.alice.address, opg(10n));
      await time.increase(DAY);
      const second = await undelegateAndCheck(f, f.carol, f.alice.address, opg(15n));
      await time.increaseTo(first.thawingUntil);
      expect(await f.staking.withdrawableOf(f.carol.address, f.alice.address)).to.deep.equal([
        opg(10n),
        opg(15n),
        second.thawingUntil,
      ]);
      expect(await thawRequestsOf(f, f.carol.address, f.alice.address)).to.deep.equal({
        ids: [0n, 1n],
        amounts: [opg(10n), opg(15n)],
        until: [first.thawingUntil, second.thawingUntil],
      });
      // A delegator's withdrawal comes from the delegated thawing pool, never from the operator's own.
      expect(await withdrawAndCheck(f, f.carol, f.alice.address)).to.equal(opg(10n));
      expect(await withdrawAndCheck(f, f.carol, f.alice.address, 0n, second.thawingUntil)).to.equal(opg(15n));
      expect((await stakeOf(f, f.alice.address)).delegatedThawing).to.deep.equal({ tokens: 0n, shares: 0n });
    });

    it("still works when paused", async function () {
      const f = await loadFixture(deployStakingFixture);
      await stakeAndCheck(f, f.alice, opg(100n));
      await delegateAndCheck(f, f.carol, f.alice.address, opg(100n));
      const own = await unstakeAndCheck(f, f.alice, opg(50n));
      await undelegateAndCheck(f, f.carol, f.alice.address, opg(50n));
      await f.staking.connect(f.admin).pause();
      await time.increaseTo(own.thawingUntil + DAY);
      expect(await withdrawAndCheck(f, f.alice, f.alice.address)).to.equal(opg(50n));
      expect(await withdrawAndCheck(f, f.carol, f.alice.address)).to.equal(opg(50n));
    });
  });

  describe("withdraw under a lock", function () {
    it("withdraws the operator's own stake down to the lock, out of part of a request; the rest stays in it", async function () {
      const f = await loadFixture(deployStakingFixture);
      await stakeAndCheck(f, f.alice, opg(1_000n));
      await delegateAndCheck(f, f.carol, f.alice.address, opg(1_000n));
      await lockAndCheck(f, f.alice.address, opg(200n)); // at most 10% of 2,000
      const first = await unstakeAndCheck(f, f.alice, opg(900n)); // one request
      await time.increaseTo(first.thawingUntil + DAY);
      // Own 1,000 (100 active, 900 thawing) holds the 200 locked, though the delegated 1,000 would cover it: 800 of
      // the request leave, 100 stay in request 0.
      await withdrawUnderLockAndCheck(f, f.alice, f.alice.address, opg(800n), 0n, { ids: [0n], amounts: [opg(100n)] });
      expect(await f.staking.slashableStakeOf(f.alice.address)).to.equal(opg(1_200n));
      // Nothing more is free: StakingStakeLocked(locked, own active + own thawing).
      await expect(f.staking.connect(f.alice).withdraw(f.alice.address, 0n))
        .to.be.revertedWithCustomError(f.staking, "StakingStakeLocked")
        .withArgs(opg(200n), opg(200n));
      // Unstaking (the stake stays slashable) is never held back.
      const second = await unstakeAndCheck(f, f.alice, opg(100n));
      // 150 released (50 pending): 150 of the own 200 are free: the rest of request 0 leaves whole; request 1 thaws.
      await f.staking.connect(f.slasher).unlockStake(f.alice.address, opg(150n));
      await withdrawUnderLockAndCheck(f, f.alice, f.alice.address, opg(100n), 1n, { ids: [1n], amounts: [opg(100n)] });
      // Request 1 thawed: 50 of it leave, 50 stay.
      await time.increaseTo(second.thawingUntil);
      await withdrawUnderLockAndCheck(f, f.alice, f.alice.address, opg(50n), 0n, { ids: [1n], amounts: [opg(50n)] });
      // Released, the rest of the same request is withdrawn (whole).
      await f.staking.connect(f.slasher).unlockStake(f.alice.address, opg(50n));
      expect(await withdrawAndCheck(f, f.alice, f.alice.address, 0n)).to.equal(opg(50n));
      expect((await stakeOf(f, f.alice.address)).ownThawing).to.deep.equal({ tokens: 0n, shares: 0n });
    });

    it("lets a delegator withdraw while the operator's own stake covers the lock", async function () {
      const f = await loadFixture(deployStakingFixture);
      await stakeAndCheck(f, f.alice, opg(1_000n));
      await delegateAndCheck(f, f.carol, f.alice.address, opg(1_000n));
      await lockAndCheck(f, f.alice.address, opg(200n));
      const { thawingUntil } = await undelegateAndCheck(f, f.carol, f.alice.address, opg(1_000n));
      expect(await withdrawAndCheck(f, f.carol, f.alice.address, 0n, thawingUntil)).to.equal(opg(1_000n));
      expect(await f.staking.slashableStakeOf(f.alice.address)).to.equal(opg(1_000n));
    });

    it("withdraws a delegator's stake down to what the whole slashable stake must keep, out of part of a request", async function () {
      const f = await loadFixture(deployStakingFixture);
      await stakeAndCheck(f, f.alice, opg(100n));
      await delegateAndCheck(f, f.carol, f.alice.address, opg(900n));
      await delegateAndCheck(f, f.dave, f.alice.address, opg(1_000n));
      // Slashable 2,000: nine locks of 200 lock 1,800; alice's own 100 covers little of it.
      for (let i = 0; i < 9; i++) await lockAndCheck(f, f.alice.address, opg(200n));
      const carol = await undelegateAndCheck(f, f.carol, f.alice.address, opg(900n));
      await undelegateAndCheck(f, f.dave, f.alice.address, opg(100n));
      await time.increaseTo(carol.thawingUntil + 1n);
      // 200 are free (2,000 - 1,800): carol's request pays 200 and keeps 700.
      await withdrawUnderLockAndCheck(f, f.carol, f.alice.address, opg(200n), 0n, { ids: [0n], amounts: [opg(700n)] });
      // Nothing is free for dave: StakingStakeLocked(locked, slashable).
      await expect(f.staking.connect(f.dave).withdraw(f.alice.address, 0n))
        .to.be.revertedWithCustomError(f.staking, "StakingStakeLocked")
        .withArgs(opg(1_800n), opg(1_800n));
      await expect(f.staking.connect(f.carol).withdraw(f.alice.address, 0n))
        .to.be.revertedWithCustomError(f.staking, "StakingStakeLocked")
        .withArgs(opg(1_800n), opg(1_800n));
      // With 1,000 of the lock released (800 left), 1,000 are free: dave's 100, then the rest of carol's request.
      await f.staking.connect(f.slasher).unlockStake(f.alice.address, opg(1_000n));
      expect(await withdrawAndCheck(f, f.dave, f.alice.address)).to.equal(opg(100n));
      expect(await withdrawAndCheck(f, f.carol, f.alice.address)).to.equal(opg(700n));
      expect(await f.staking.slashableStakeOf(f.alice.address)).to.equal(opg(1_000n));
    });

    it("does not hold back a withdrawal that pays nothing (requests of a swept epoch)", async function () {
      const f = await loadFixture(deployStakingFixture);
      await stakeAndCheck(f, f.alice, opg(100n));
      const old = await unstakeAndCheck(f, f.alice, opg(100n));
      await delegateAndCheck(f, f.carol, f.alice.address, opg(1_000n));
      await slashAndCheck(f, f.alice.address, opg(110n)); // sweeps the own thawing pool
      await lockAndCheck(f, f.alice.address, opg(99n));
      expect(await withdrawAndCheck(f, f.alice, f.alice.address, 0n, old.thawingUntil)).to.equal(0n);
    });
    it("blocks every withdrawal while the pending slashes exceed the slashable stake, until enough are released", async function () {
      const f = await loadFixture(deployStakingFixture);
      await stakeAndCheck(f, f.alice, opg(1_000n));
      await delegateAndCheck(f, f.carol, f.alice.address, opg(1_000n));
      // Slashable 2,000: eleven locks of 200 pend 2,200; all of the 2,000 is locked.
      for (let i = 0; i < 11; i++) await lockAndCheck(f, f.alice.address, opg(200n));
      expect(await f.staking.lockedStakeOf(f.alice.address)).to.equal(opg(2_000n));
      // Unbonding is never held back: the stake stays slashable while it thaws.
      const alice = await unstakeAndCheck(f, f.alice, opg(1_000n));
      await undelegateAndCheck(f, f.carol, f.alice.address, opg(1_000n));
      await time.increaseTo(alice.thawingUntil + DAY);
      const both = async (locked: bigint) => {
        await expect(f.staking.connect(f.alice).withdraw(f.alice.address, 0n))
          .to.be.revertedWithCustomError(f.staking, "StakingStakeLocked")
          .withArgs(locked, opg(1_000n));
        await expect(f.staking.connect(f.carol).withdraw(f.alice.address, 0n))
          .to.be.revertedWithCustomError(f.staking, "StakingStakeLocked")
          .withArgs(locked, opg(2_000n));
      };
      // The lock is the whole 2,000: nothing is free, for the operator (own 1,000) nor the delegator (slashable 2,000).
      await both(opg(2_000n));
      // 200 released: 2,000 still pend, all of it locked.
      await f.staking.connect(f.slasher).unlockStake(f.alice.address, opg(200n));
      await both(opg(2_000n));
      // 1,000 more released: 1,000 pend. Carol's 1,000 leave exactly 1,000, alice's own stake: she may go.
      await f.staking.connect(f.slasher).unlockStake(f.alice.address, opg(1_000n));
      expect(await withdrawAndCheck(f, f.carol, f.alice.address)).to.equal(opg(1_000n));
      // Alice's own stake holds the lock: she may not take it out.
      await expect(f.staking.connect(f.alice).withdraw(f.alice.address, 0n))
        .to.be.revertedWithCustomError(f.staking, "StakingStakeLocked")
        .withArgs(opg(1_000n), opg(1_000n));
      await f.staking.connect(f.slasher).unlockStake(f.alice.address, opg(1_000n));
      expect(await withdrawAndCheck(f, f.alice, f.alice.address)).to.equal(opg(1_000n));
      expect(await f.staking.slashableStakeOf(f.alice.address)).to.equal(0n);
    });

    it("measures the lock and the free stake before the withdrawal: min(pending, slashable before)", async function () {
      const f = await loadFixture(deployStakingFixture);
      await stakeAndCheck(f, f.alice, opg(100n));
      await delegateAndCheck(f, f.carol, f.alice.address, opg(500n));
      await delegateAndCheck(f, f.dave, f.alice.address, opg(400n));
      // Slashable 1,000: 1,050 pend, 1,000 locked.
      for (let i = 0; i < 10; i++) await lockAndCheck(f, f.alice.address, opg(100n));
      await lockAndCheck(f, f.alice.address, opg(50n));
      const { thawingUntil } = await undelegateAndCheck(f, f.dave, f.alice.address, opg(1n));
      await time.increaseTo(thawingUntil);
      // The 1,000 locked is all of the slashable 1,000: not even 1 OPG is free (measured after, the lock would be 999).
      await expect(f.staking.connect(f.dave).withdraw(f.alice.address, 0n))
        .to.be.revertedWithCustomError(f.staking, "StakingStakeLocked")
        .withArgs(opg(1_000n), opg(1_000n));
      // With 999 pending, 1 OPG leaves 999: exactly the lock.
      await f.staking.connect(f.slasher).unlockStake(f.alice.address, opg(51n));
      expect(await withdrawAndCheck(f, f.dave, f.alice.address)).to.equal(opg(1n));
      expect(await f.staking.lockedStakeOf(f.alice.address)).to.equal(opg(999n));
    });
  });

  describe("slash", function () {
    it("reverts StakingUnauthorized for lockStake, unlockStake and slash by anyone but the slasher", async function () {
      const { staking, admin, alice, feeSource, stranger, slasher } = await loadFixture(deployStakingFixture);
      await staking.connect(alice).stake(opg(100n));
      await staking.connect(slasher).lockStake(alice.address, opg(1n));
      for (const caller of [stranger, admin, alice, feeSource]) {
        await expect(staking.connect(caller).lockStake(alice.address, opg(1n)))
          .to.be.revertedWithCustomError(staking, "StakingUnauthorized")
          .withArgs(caller.address);
        await expect(staking.connect(caller).unlockStake(alice.address, opg(1n)))
          .to.be.revertedWithCustomError(staking, "StakingUnauthorized")
          .withArgs(caller.address);
        await expect(staking.connect(caller).slash(alice.address, opg(1n), stranger.address))
          .to.be.revertedWithCustomError(staking, "StakingUnauthorized")
          .withArgs(caller.address);
      }
      expect(await staking.pendingSlashOf(alice.address)).to.equal(opg(1n));
      expect(await staking.lockedStakeOf(alice.address)).to.equal(opg(1n));
    });

    it("reverts StakingSlashTooLarge(amount, 0) on a lock when the operator has nothing slashable", async function () {
      const f = await loadFixture(deployStakingFixture);
      await expect(f.staking.connect(f.slasher).lockStake(f.stranger.address, 1n))
        .to.be.revertedWithCustomError(f.staking, "StakingSlashTooLarge")
        .withArgs(1n, 0n);
      // Also once everything was withdrawn.
      await stakeAndCheck(f, f.alice, opg(10n));
      const { thawingUntil } = await unstakeAndCheck(f, f.alice, opg(10n));
      await withdrawAndCheck(f, f.alice, f.alice.address, 0n, thawingUntil);
      await expect(f.staking.connect(f.slasher).lockStake(f.alice.address, 1n))
        .to.be.revertedWithCustomError(f.staking, "StakingSlashTooLarge")
        .withArgs(1n, 0n);
    });

    it("reverts StakingZeroAmount for 0 and StakingSlashTooLarge above maxSlashPpm of the slashable stake (lockStake)", async function () {
      const f = await loadFixture(deployStakingFixture);
      await stakeAndCheck(f, f.alice, opg(600n));
      await delegateAndCheck(f, f.carol, f.alice.address, opg(400n));
      await unstakeAndCheck(f, f.alice, opg(100n));
      await undelegateAndCheck(f, f.carol, f.alice.address, opg(100n));
      // Slashable counts thawing stake: 1,000, so at most 100.
      expect(await f.staking.slashableStakeOf(f.alice.address)).to.equal(opg(1_000n));
      await expect(f.staking.connect(f.slasher).lockStake(f.alice.address, 0n)).to.be.revertedWithCustomError(
        f.staking,
        "StakingZeroAmount",
      );
      await expect(
        f.staking.connect(f.slasher).slash(f.alice.address, 0n, f.challenger.address),
      ).to.be.revertedWithCustomError(f.staking, "StakingZeroAmount");
      await expect(f.staking.connect(f.slasher).lockStake(f.alice.address, opg(100n) + 1n))
        .to.be.revertedWithCustomError(f.staking, "StakingSlashTooLarge")
        .withArgs(opg(100n) + 1n, opg(100n));
      await f.staking.connect(f.admin).setMaxSlash(1_000n); // 0.1%
      await expect(f.staking.connect(f.slasher).lockStake(f.alice.address, opg(1n) + 1n))
        .to.be.revertedWithCustomError(f.staking, "StakingSlashTooLarge")
        .withArgs(opg(1n) + 1n, opg(1n));
      expect(await lockAndCheck(f, f.alice.address, opg(1n))).to.equal(opg(1n));
      await f.staking.connect(f.admin).setMaxSlash(0n);
      await expect(f.staking.connect(f.slasher).lockStake(f.alice.address, 1n))
        .to.be.revertedWithCustomError(f.staking, "StakingSlashTooLarge")
        .withArgs(1n, 0n);
      // The bound applies to the lock; the lock already taken can still be slashed.
      await slashAndCheck(f, f.alice.address, opg(1n), f.challenger.address, false);
    });

    it("reverts StakingNotLocked(pending, requested) when slashing or unlocking more than is pending", async function () {
      const f = await loadFixture(deployStakingFixture);
      await stakeAndCheck(f, f.alice, opg(1_000n));
      await expect(f.staking.connect(f.slasher).slash(f.alice.address, 1n, f.challenger.address))
        .to.be.revertedWithCustomError(f.staking, "StakingNotLocked")
        .withArgs(0n, 1n);
      await expect(f.staking.connect(f.slasher).unlockStake(f.alice.address, 1n))
        .to.be.revertedWithCustomError(f.staking, "StakingNotLocked")
        .withArgs(0n, 1n);
      await lockAndCheck(f, f.alice.address, opg(30n));
      await expect(f.staking.connect(f.slasher).slash(f.alice.address, opg(30n) + 1n, f.challenger.address))
        .to.be.revertedWithCustomError(f.staking, "StakingNotLocked")
        .withArgs(opg(30n), opg(30n) + 1n);
      await expect(f.staking.connect(f.slasher).unlockStake(f.alice.address, opg(30n) + 1n))
        .to.be.revertedWithCustomError(f.staking, "StakingNotLocked")
        .withArgs(opg(30n), opg(30n) + 1n);
      // A pending slash is per operator.
      await stakeAndCheck(f, f.bob, opg(1_000n));
      await expect(f.staking.connect(f.slasher).slash(f.bob.address, 1n, f.challenger.address))
        .to.be.revertedWithCustomError(f.staking, "StakingNotLocked")
        .withArgs(0n, 1n);
      expect(await f.staking.pendingSlashOf(f.alice.address)).to.equal(opg(30n));
      expect(await f.staking.pendingSlashOf(f.bob.address)).to.equal(0n);
    });

    it("reverts StakingNotLocked against the pending slashes, not the lock, when they exceed the slashable stake", async function () {
      const f = await loadFixture(deployStakingFixture);
      await stakeAndCheck(f, f.alice, opg(100n));
      // Slashable 100: eleven locks of 10 are 110 pending, of which 100 are locked.
      for (let i = 0; i < 11; i++) await lockAndCheck(f, f.alice.address, opg(10n));
      expect(await f.staking.pendingSlashOf(f.alice.address)).to.equal(opg(110n));
      expect(await f.staking.lockedStakeOf(f.alice.address)).to.equal(opg(100n));
      for (const call of [
        () => f.staking.connect(f.slasher).unlockStake(f.alice.address, opg(110n) + 1n),
        () => f.staking.connect(f.slasher).slash(f.alice.address, opg(110n) + 1n, f.challenger.address),
      ]) {
        await expect(call())
          .to.be.revertedWithCustomError(f.staking, "StakingNotLocked")
          .withArgs(opg(110n), opg(110n) + 1n);
      }
      // More than is locked but not more than is pending passes: unlocking 105 leaves 5.
      await expect(f.staking.connect(f.slasher).unlockStake(f.alice.address, opg(105n)))
        .to.emit(f.staking, "StakeUnlocked")
        .withArgs(f.alice.address, opg(105n), opg(5n));
      expect(await f.staking.lockedStakeOf(f.alice.address)).to.equal(opg(5n));
      await expect(f.staking.connect(f.slasher).slash(f.alice.address, opg(5n) + 1n, f.challenger.address))
        .to.be.revertedWithCustomError(f.staking, "StakingNotLocked")
        .withArgs(opg(5n), opg(5n) + 1n);
      await slashAndCheck(f, f.alice.address, opg(5n), f.challenger.address, false);
      await expect(f.staking.connect(f.slasher).unlockStake(f.alice.address, 1n))
        .to.be.revertedWithCustomError(f.staking, "StakingNotLocked")
        .withArgs(0n, 1n);
    });

    it("adds every lock to the pending slashes, beyond the slashable stake; lockedStakeOf stops at the slashable stake", async function () {
      const f = await loadFixture(deployStakingFixture);
      await stakeAndCheck(f, f.alice, opg(100n));
      await delegateAndCheck(f, f.carol, f.alice.address, opg(900n));
      // Slashable 1,000: each lock at most 100, however much is pending already.
      for (let i = 1n; i <= 9n; i++) expect(await lockAndCheck(f, f.alice.address, opg(100n))).to.equal(opg(100n));
      expect(await lockAndCheck(f, f.alice.address, opg(100n) - 1n)).to.equal(opg(100n) - 1n);
      expect(await f.staking.lockedStakeOf(f.alice.address)).to.equal(opg(1_000n) - 1n);
      // Changed with "pending slashes add up": the next lock adds its whole 100 (it used to lock the 1 wei left) and
      // one of 50 adds 50 (it used to lock nothing); the lock stays at the whole slashable stake.
      expect(await lockAndCheck(f, f.alice.address, opg(100n))).to.equal(opg(100n));
      expect(await lockAndCheck(f, f.alice.address, opg(50n))).to.equal(opg(50n));
      expect(await f.staking.pendingSlashOf(f.alice.address)).to.equal(opg(1_150n) - 1n);
      expect(await f.staking.lockedStakeOf(f.alice.address)).to.equal(opg(1_000n));
      // The bound is maxSlashPpm of the slashable stake, not of what is not yet pending.
      await expect(f.staking.connect(f.slasher).lockStake(f.alice.address, opg(100n) + 1n))
        .to.be.revertedWithCustomError(f.staking, "StakingSlashTooLarge")
        .withArgs(opg(100n) + 1n, opg(100n));
      // The lock follows the stake: more stake locks more of the pending slashes, up to all of them.
      await stakeAndCheck(f, f.alice, opg(100n));
      expect(await f.staking.lockedStakeOf(f.alice.address)).to.equal(opg(1_100n));
      await stakeAndCheck(f, f.alice, opg(100n));
      expect(await f.staking.lockedStakeOf(f.alice.address)).to.equal(opg(1_150n) - 1n);
      expect(await f.staking.pendingSlashOf(f.bob.address)).to.equal(0n);
      expect(await f.staking.lockedStakeOf(f.bob.address)).to.equal(0n);
    });

    it("unlocks part of the pending slashes; it emits StakeUnlocked(operator, amount, left); nothing else moves", async function () {
      const f = await loadFixture(deployStakingFixture);
      await stakeAndCheck(f, f.alice, opg(1_000n));
      await lockAndCheck(f, f.alice.address, opg(100n));
      await lockAndCheck(f, f.alice.address, opg(40n));
      const before = await stakeOf(f, f.alice.address);
      const totals = await totalsOf(f);
      await expect(f.staking.connect(f.slasher).unlockStake(f.alice.address, opg(100n)))
        .to.emit(f.staking, "StakeUnlocked")
        .withArgs(f.alice.address, opg(100n), opg(40n));
      expect(await f.staking.pendingSlashOf(f.alice.address)).to.equal(opg(40n));
      expect(await f.staking.lockedStakeOf(f.alice.address)).to.equal(opg(40n));
      await expect(f.staking.connect(f.slasher).unlockStake(f.alice.address, opg(40n)))
        .to.emit(f.staking, "StakeUnlocked")
        .withArgs(f.alice.address, opg(40n), 0n);
      expect(await f.staking.pendingSlashOf(f.alice.address)).to.equal(0n);
      expect(await f.staking.lockedStakeOf(f.alice.address)).to.equal(0n);
      expect(await stakeOf(f, f.alice.address)).to.deep.equal(before);
      expect(await totalsOf(f)).to.deep.equal(totals);
    });

    it("takes at most what is slashable when other slashes took more than their amount (a swept pool)", async function () {
      const f = await loadFixture(deployStakingFixture);
      await stakeAndCheck(f, f.alice, opg(10n));
      await unstakeAndCheck(f, f.alice, opg(10n)); // own: 10 thawing
      await delegateAndCheck(f, f.carol, f.alice.address, opg(90n));
      // Slashable 100, pending and locked in full by ten locks of 10.
      for (let i = 0; i < 10; i++) await lockAndCheck(f, f.alice.address, opg(10n));
      // A slash of 10 less a wei sweeps the wei left in the own thawing pool: it takes 10.
      expect(await slashAndCheck(f, f.alice.address, opg(10n) - 1n, f.challenger.address, false)).to.deep.equal({
        fromOwnActive: 0n,
        fromOwnThawing: opg(10n),
        fromDelegated: 0n,
        fromDelegatedThawing: 0n,
        burned: opg(5n),
        toChallenger: opg(5n),
      });
      expect(await f.staking.slashableStakeOf(f.alice.address)).to.equal(opg(90n));
      // Changed with "pending slashes add up": 90 and a wei pend, but only the 90 slashable are locked.
      expect(await f.staking.pendingSlashOf(f.alice.address)).to.equal(opg(90n) + 1n);
      expect(await f.staking.lockedStakeOf(f.alice.address)).to.equal(opg(90n));
      // The rest pending is a wei more than is slashable: the slash takes the 90, removes all that pends and pays
      // the challenger nothing (all of it was delegated).
      const parts = await slashAndCheck(f, f.alice.address, opg(90n) + 1n, f.challenger.address, false);
      expect(parts).to.deep.equal({
        fromOwnActive: 0n,
        fromOwnThawing: 0n,
        fromDelegated: opg(90n),
        fromDelegatedThawing: 0n,
        burned: opg(90n),
        toChallenger: 0n,
      });
      expect(await f.staking.pendingSlashOf(f.alice.address)).to.equal(0n);
      expect(await f.staking.lockedStakeOf(f.alice.address)).to.equal(0n);
      expect(await f.staking.slashableStakeOf(f.alice.address)).to.equal(0n);
    });

    it("returns (0, 0) and only removes the pending slash when nothing is left to slash", async function () {
      const f = await loadFixture(deployStakingFixture);
      await stakeAndCheck(f, f.alice, opg(10n));
      await unstakeAndCheck(f, f.alice, opg(10n));
      // Ten locks of 1 pend and lock the whole pool; a slash of all of it but a wei sweeps the wei too.
      for (let i = 0; i < 10; i++) await lockAndCheck(f, f.alice.address, opg(1n));
      await slashAndCheck(f, f.alice.address, opg(10n) - 1n, f.challenger.address, false);
      expect(await f.staking.slashableStakeOf(f.alice.address)).to.equal(0n);
      // Changed with "pending slashes add up": the wei still pends, but nothing is left to lock.
      expect(await f.staking.pendingSlashOf(f.alice.address)).to.equal(1n);
      expect(await f.staking.lockedStakeOf(f.alice.address)).to.equal(0n);
      const supply = await f.token.totalSupply();
      expect(
        await f.staking.connect(f.slasher).slash.staticCall(f.alice.address, 1n, f.challenger.address),
      ).to.deep.equal([0n, 0n]);
      const tx = f.staking.connect(f.slasher).slash(f.alice.address, 1n, f.challenger.address);
      await expect(tx).to.emit(f.staking, "StakeUnlocked").withArgs(f.alice.address, 1n, 0n);
      await expect(tx).not.to.emit(f.staking, "StakeSlashed");
      expect(await f.token.totalSupply()).to.equal(supply);
      expect(await f.staking.pendingSlashOf(f.alice.address)).to.equal(0n);
      expect(await f.staking.lockedStakeOf(f.alice.address)).to.equal(0n);
    });

    // The attack that "pending slashes add up" closes: bogus challenges filled the lock, so that a real one locked
    // nothing and its upheld slash took 0.
    it("takes the whole slash of a later challenge once the earlier ones that filled the lock were released", async function () {
      const f = await loadFixture(deployStakingFixture);
      await stakeAndCheck(f, f.alice, opg(1_000n));
      // Ten bogus challenges pend 100 each: the whole slashable stake is locked.
      for (let i = 0; i < 10; i++) await lockAndCheck(f, f.alice.address, opg(100n));
      expect(await f.staking.lockedStakeOf(f.alice.address)).to.equal(opg(1_000n));
      // The real challenge still adds its 100.
      expect(await lockAndCheck(f, f.alice.address, opg(100n))).to.equal(opg(100n));
      expect(await f.staking.pendingSlashOf(f.alice.address)).to.equal(opg(1_100n));
      // The bogus ones are rejected; the real one is upheld and takes its whole 100.
      await expect(f.staking.connect(f.slasher).unlockStake(f.alice.address, opg(1_000n)))
        .to.emit(f.staking, "StakeUnlocked")
        .withArgs(f.alice.address, opg(1_000n), opg(100n));
      expect(await slashAndCheck(f, f.alice.address, opg(100n), f.challenger.address, false)).to.deep.equal({
        fromOwnActive: opg(100n),
        fromOwnThawing: 0n,
        fromDelegated: 0n,
        fromDelegatedThawing: 0n,
        burned: opg(50n),
        toChallenger: opg(50n),
      });
      expect(await f.staking.pendingSlashOf(f.alice.address)).to.equal(0n);
      expect(await f.staking.slashableStakeOf(f.alice.address)).to.equal(opg(900n));
    });

    it("takes the whole slash of a later challenge while the earlier ones still pend; then each takes what is left", async function () {
      const f = await loadFixture(deployStakingFixture);
      await stakeAndCheck(f, f.alice, opg(1_000n));
      for (let i = 0; i < 10; i++) await lockAndCheck(f, f.alice.address, opg(100n));
      await lockAndCheck(f, f.alice.address, opg(100n));
      // Upheld before the others are decided: 100 taken; 1,000 still pend against 900 slashable, all locked.
      expect(await slashAndCheck(f, f.alice.address, opg(100n), f.challenger.address, false)).to.deep.include({
        fromOwnActive: opg(100n),
        burned: opg(50n),
        toChallenger: opg(50n),
      });
      expect(await f.staking.pendingSlashOf(f.alice.address)).to.equal(opg(1_000n));
      expect(await f.staking.lockedStakeOf(f.alice.address)).to.equal(opg(900n));
      // The earlier ones upheld too: nine take 100 each, the last finds nothing left.
      for (let i = 0; i < 9; i++) {
        expect(await slashAndCheck(f, f.alice.address, opg(100n), f.challenger.address, false)).to.deep.include({
          fromOwnActive: opg(100n),
        });
      }
      expect(await f.staking.slashableStakeOf(f.alice.address)).to.equal(0n);
      expect(await f.staking.pendingSlashOf(f.alice.address)).to.equal(opg(100n));
      expect(await f.staking.lockedStakeOf(f.alice.address)).to.equal(0n);
      expect(
        await f.staking.connect(f.slasher).slash.staticCall(f.alice.address, opg(100n), f.challenger.address),
      ).to.deep.equal([0n, 0n]);
      const tx = f.staking.connect(f.slasher).slash(f.alice.address, opg(100n), f.challenger.address);
      await expect(tx).to.emit(f.staking, "StakeUnlocked").withArgs(f.alice.address, opg(100n), 0n);
      await expect(tx).not.to.emit(f.staking, "StakeSlashed");
      expect(await f.staking.pendingSlashOf(f.alice.address)).to.equal(0n);
    });

    it("pays the challenger only out of the operator's own stake: 1 OPG own and 100,000 delegated", async function () {
      const f = await loadFixture(deployStakingFixture);
      await stakeAndCheck(f, f.alice, opg(1n));
      await delegateAndCheck(f, f.carol, f.alice.address, opg(100_000n));
      const supply = await f.token.totalSupply();
      // Slashable 100,001: a lock of 10,000 takes the 1 OPG own, then 9,999 delegated.
      const parts = await slashAndCheck(f, f.alice.address, opg(10_000n));
      expect(parts).to.deep.equal({
        fromOwnActive: opg(1n),
        fromOwnThawing: 0n,
        fromDelegated: opg(9_999n),
        fromDelegatedThawing: 0n,
        burned: opg(10_000n) - opg(1n) / 2n,
        toChallenger: opg(1n) / 2n,
      });
      expect(await f.token.balanceOf(f.challenger.address)).to.equal(opg(1n) / 2n);
      expect(await f.token.totalSupply()).to.equal(supply - (opg(10_000n) - opg(1n) / 2n));
      // With no own stake left, the next slash pays the challenger nothing and burns all.
      const again = await slashAndCheck(f, f.alice.address, opg(9_000n));
      expect(again).to.deep.include({ fromDelegated: opg(9_000n), burned: opg(9_000n), toChallenger: 0n });
      expect(await f.token.totalSupply()).to.equal(supply - opg(19_000n) + opg(1n) / 2n);
    });

    it("pays the challenger its share of own thawing stake too, never of delegated thawing stake", async function () {
      const f = await loadFixture(deployStakingFixture);
      await stakeAndCheck(f, f.alice, opg(40n));
      await unstakeAndCheck(f, f.alice, opg(30n)); // own: 10 active, 30 thawing
      await delegateAndCheck(f, f.carol, f.alice.address, opg(1_000n));
      await undelegateAndCheck(f, f.carol, f.alice.address, opg(500n)); // delegated: 500 active, 500 thawing
      // Slashable 1,040, at most 104: 10 + 30 own, then 64 split 1 : 1.
      expect(await slashAndCheck(f, f.alice.address, opg(104n))).to.deep.equal({
        fromOwnActive: opg(10n),
        fromOwnThawing: opg(30n),
        fromDelegated: opg(32n),
        fromDelegatedThawing: opg(32n),
        burned: opg(84n),
        toChallenger: opg(20n),
      });
    });

    it("takes own active stake first, then own thawing, then delegated active and thawing pro rata", async function () {
      const f = await loadFixture(deployStakingFixture);
      await stakeAndCheck(f, f.alice, opg(100n));
      await unstakeAndCheck(f, f.alice, opg(60n)); // own: 40 active, 60 thawing
      await delegateAndCheck(f, f.carol, f.alice.address, opg(2_700n));
      await delegateAndCheck(f, f.dave, f.alice.address, opg(900n));
      await undelegateAndCheck(f, f.dave, f.alice.address, opg(900n)); // delegated: 2,700 active, 900 thawing
      expect(await f.staking.slashableStakeOf(f.alice.address)).to.equal(opg(3_700n));

      // 30 fits in own active stake.
      expect(await slashAndCheck(f, f.alice.address, opg(30n))).to.deep.equal({
        fromOwnActive: opg(30n),
        fromOwnThawing: 0n,
        fromDelegated: 0n,
        fromDelegatedThawing: 0n,
        burned: opg(15n),
        toChallenger: opg(15n),
      });
      // 40: the last 10 of own active stake, then 30 of own thawing stake.
      expect(await slashAndCheck(f, f.alice.address, opg(40n))).to.deep.equal({
        fromOwnActive: opg(10n),
        fromOwnThawing: opg(30n),
        fromDelegated: 0n,
        fromDelegatedThawing: 0n,
        burned: opg(20n),
        toChallenger: opg(20n),
      });
      // Slashable is now 3,630, so at most 363: 30 of own thawing stake, then 333 split 2,700 : 900.
      expect(await f.staking.slashableStakeOf(f.alice.address)).to.equal(opg(3_630n));
      expect(await slashAndCheck(f, f.alice.address, opg(363n))).to.deep.equal({
        fromOwnActive: 0n,
        fromOwnThawing: opg(30n),
        fromDelegated: (opg(333n) * 3n) / 4n,
        fromDelegatedThawing: opg(333n) / 4n,
        // Changed with the redesign: the challenger's half is of the 30 own only; the delegators' 333 are burned.
        burned: opg(363n) - opg(15n),
        toChallenger: opg(15n),
      });
      // The own thawing pool was emptied: a new epoch. Carol's and dave's positions lost 333/3,600 each.
      expect(await stakeOf(f, f.alice.address)).to.deep.include({ ownThawingEpoch: 1n, delegatedThawingEpoch: 0n });
      const [, carolTokens] = await f.staking.getDelegation(f.alice.address, f.carol.address);
      expect(carolTokens).to.equal(opg(2_700n) - (opg(333n) * 3n) / 4n);
      expect((await thawRequestsOf(f, f.dave.address, f.alice.address)).amounts).to.deep.equal([
        opg(900n) - opg(333n) / 4n,
      ]);
    });

    it("reaches a thaw started just before the slash: the request pays what is left", async function () {
      const f = await loadFixture(deployStakingFixture);
      await stakeAndCheck(f, f.alice, opg(1_000n));
      await delegateAndCheck(f, f.carol, f.alice.address, opg(1_000n));
      // Alice sees the dispute coming and unstakes everything.
      const { thawingUntil } = await unstakeAndCheck(f, f.alice, opg(1_000n));
      expect(await slashAndCheck(f, f.alice.address, opg(200n))).to.deep.include({
        fromOwnActive: 0n,
        fromOwnThawing: opg(200n),
        fromDelegated: 0n,
      });
      expect(await f.staking.withdrawableOf(f.alice.address, f.alice.address)).to.deep.equal([
        0n,
        opg(800n),
        thawingUntil,
      ]);
      expect(await withdrawAndCheck(f, f.alice, f.alice.address, 0n, thawingUntil)).to.equal(opg(800n));
      // Carol, whose stake covered nothing of this slash, lost nothing.
      const [, carolTokens] = await f.staking.getDelegation(f.alice.address, f.carol.address);
      expect(carolTokens).to.equal(opg(1_000n));
    });

    it("reaches a delegator's thaw too, pro rata with the delegators still active", async function () {
      const f = await loadFixture(deployStakingFixture);
      await stakeAndCheck(f, f.alice, opg(10n));
      await delegateAndCheck(f, f.carol, f.alice.address, opg(600n));
      await delegateAndCheck(f, f.dave, f.alice.address, opg(390n));
      const { thawingUntil } = await undelegateAndCheck(f, f.carol, f.alice.address, opg(600n));
      // Slashable 1,000, at most 100: 10 own, then 90 split 390 : 600.
      expect(await slashAndCheck(f, f.alice.address, opg(100n))).to.deep.include({
        fromOwnActive: opg(10n),
        fromDelegated: (opg(90n) * 390n) / 990n,
        fromDelegatedThawing: opg(90n) - (opg(90n) * 390n) / 990n,
      });
      const paid = await withdrawAndCheck(f, f.carol, f.alice.address, 0n, thawingUntil);
      expect(paid).to.equal(opg(600n) - (opg(90n) - (opg(90n) * 390n) / 990n));
    });

    it("sends challengerSharePpm of the amount to the challenger and burns the rest", async function () {
      const f = await loadFixture(deployStakingFixture);
      await stakeAndCheck(f, f.alice, opg(1_000n));
      const supply = await f.token.totalSupply();
      expect(await slashAndCheck(f, f.alice.address, opg(50n))).to.deep.include({
        burned: opg(25n),
        toChallenger: opg(25n),
      });
      // An odd wei: the challenger's share rounds down, the burn takes the rest.
      expect(await slashAndCheck(f, f.alice.address, 101n)).to.deep.include({ burned: 51n, toChallenger: 50n });
      await f.staking.connect(f.admin).setChallengerShare(100_000n);
      expect(await slashAndCheck(f, f.alice.address, opg(10n))).to.deep.include({
        burned: opg(9n),
        toChallenger: opg(1n),
      });
      expect(await f.token.totalSupply()).to.equal(supply - opg(25n) - 51n - opg(9n));
      expect(await f.token.balanceOf(f.challenger.address)).to.equal(opg(26n) + 50n);
    });

    it("burns everything when the challenger is zero or its share is 0", async function () {
      const f = await loadFixture(deployStakingFixture);
      await stakeAndCheck(f, f.alice, opg(1_000n));
      const supply = await f.token.totalSupply();
      expect(await slashAndCheck(f, f.alice.address, opg(50n), ZeroAddress)).to.deep.include({
        burned: opg(50n),
        toChallenger: 0n,
      });
      await f.staking.connect(f.admin).setChallengerShare(0n);
      expect(await slashAndCheck(f, f.alice.address, opg(10n))).to.deep.include({ burned: opg(10n), toChallenger: 0n });
      expect(await f.token.totalSupply()).to.equal(supply - opg(60n));
      expect(await f.token.balanceOf(f.challenger.address)).to.equal(0n);
    });

    it("starts a new epoch when it empties the own thawing pool: old requests pay 0 and take nothing from new ones", async function () {
      const f = await loadFixture(deployStakingFixture);
      await stakeAndCheck(f, f.alice, opg(100n));
      const old = await unstakeAndCheck(f, f.alice, opg(100n));
      await delegateAndCheck(f, f.carol, f.alice.address, opg(1_000n));
      // Slashable 1,100, at most 110: the whole own thawing pool (100), then 10 from the delegated pool.
      expect(await slashAndCheck(f, f.alice.address, opg(110n))).to.deep.include({
        fromOwnThawing: opg(100n),
        fromDelegated: opg(10n),
      });
      expect(await stakeOf(f, f.alice.address)).to.deep.include({
        ownThawing: { tokens: 0n, shares: 0n },
        ownThawingEpoch: 1n,
      });
      await stakeAndCheck(f, f.alice, opg(50n));
      const fresh = await unstakeAndCheck(f, f.alice, opg(50n));
      // Without the epoch the old request's 100 shares would take 100/150 of the new 50 OPG.
      expect(await thawRequestsOf(f, f.alice.address, f.alice.address)).to.deep.equal({
        ids: [0n, 1n],
        amounts: [0n, opg(50n)],
        until: [old.thawingUntil, fresh.thawingUntil],
      });
      expect(await withdrawAndCheck(f, f.alice, f.alice.address, 1n, old.thawingUntil)).to.equal(0n);
      expect(await withdrawAndCheck(f, f.alice, f.alice.address, 0n, fresh.thawingUntil)).to.equal(opg(50n));
      expect((await stakeOf(f, f.alice.address)).ownThawing).to.deep.equal({ tokens: 0n, shares: 0n });
    });

    it("starts a new epoch when slashes empty the delegated thawing pool: old requests pay 0, new ones in full", async function () {
      const f = await loadFixture(deployStakingFixture);
      await f.staking.connect(f.admin).setMinimumDelegation(10n ** 15n);
      await stakeAndCheck(f, f.alice, opg(1n));
      await unstakeAndCheck(f, f.alice, opg(1n));
      await delegateAndCheck(f, f.carol, f.alice.address, opg(1_000n));
      await delegateAndCheck(f, f.dave, f.alice.address, 10n ** 15n);
      const old = await undelegateAndCheck(f, f.dave, f.alice.address, 10n ** 15n);
      // Each slash takes at most 10% of what is left, so emptying the pool takes a few hundred of them.
      let slashes = 0;
      while ((await f.staking.getOperator(f.alice.address)).delegatedThawingEpoch === 0n) {
        const maximum = ((await f.staking.slashableStakeOf(f.alice.address)) * 100_000n) / PPM;
        await lockAndSlash(f, f.alice.address, maximum, ZeroAddress);
        expect(++slashes).to.be.lessThan(1_000);
      }
      const o = await stakeOf(f, f.alice.address);
      expect(o.delegatedThawing).to.deep.equal({ tokens: 0n, shares: 0n });
      expect(o.delegated.tokens > 0n).to.equal(true);
      expect(await f.staking.totalThawingStake()).to.equal(o.ownThawing.tokens);
      // Carol leaves with all that is left of her delegation, into the new epoch.
      const [carolShares, carolTokens] = await f.staking.getDelegation(f.alice.address, f.carol.address);
      const fresh = await undelegateAndCheck(f, f.carol, f.alice.address, carolShares);
      expect(fresh.amount).to.equal(carolTokens);
      expect((await thawRequestsOf(f, f.dave.address, f.alice.address)).amounts).to.deep.equal([0n]);
      expect((await thawRequestsOf(f, f.carol.address, f.alice.address)).amounts).to.deep.equal([carolTokens]);
      expect(fresh.thawingUntil > old.thawingUntil).to.equal(true);
      await time.increaseTo(fresh.thawingUntil);
      expect(await withdrawAndCheck(f, f.dave, f.alice.address)).to.equal(0n);
      expect(await withdrawAndCheck(f, f.carol, f.alice.address)).to.equal(carolTokens);
    });

    // A slash that would leave dust in a thawing pool (here 1 wei against 1,000e18 shares) takes the dust too and
    // starts a new epoch: otherwise the next request's shares (10e18 * 1,000e18 / 1) would not fit in 128 bits.
    it("sweeps the dust a slash would leave in a thawing pool, so the operator can still unstake", async function () {
      const f = await loadFixture(deployStakingFixture);
      await stakeAndCheck(f, f.alice, opg(1_000n));
      await unstakeAndCheck(f, f.alice, opg(1_000n));
      await delegateAndCheck(f, f.carol, f.alice.address, opg(9_000n));
      // Slashable 10,000, at most 1,000: all of the own thawing pool but 1 wei, and the 1 wei goes too (burned).
      const parts = await slashAndCheck(f, f.alice.address, opg(1_000n) - 1n);
      expect(parts.fromOwnThawing).to.equal(opg(1_000n));
      expect(parts.burned + parts.toChallenger).to.equal(opg(1_000n));
      const after = await stakeOf(f, f.alice.address);
      expect(after.ownThawing).to.deep.equal({ tokens: 0n, shares: 0n });
      expect(after.ownThawingEpoch).to.equal(1n);
      await stakeAndCheck(f, f.alice, opg(10n));
      await unstakeAndCheck(f, f.alice, opg(10n));
    });

    it("still works when paused", async function () {
      const f = await loadFixture(deployStakingFixture);
      await stakeAndCheck(f, f.alice, opg(100n));
      await f.staking.connect(f.admin).pause();
      await slashAndCheck(f, f.alice.address, opg(10n));
    });
  });

  describe("slash: property", function () {
    // Random own, thawing and delegated stakes, a random challenger share and a few random locks and slashes: the
    // parts add up, nothing is minted, the challenger is paid only out of the operator's own stake.
    const scenario = fc.record({
      own: fc.bigInt({ min: 1n, max: opg(20_000n) }),
      ownThawPpm: fc.bigInt({ min: 0n, max: PPM }),
      carol: fc.oneof(fc.constant(0n), fc.bigInt({ min: opg(1n), max: opg(200_000n) })),
      dave: fc.oneof(fc.constant(0n), fc.bigInt({ min: opg(1n), max: opg(50_000n) })),
      daveThaws: fc.boolean(),
      sharePpm: fc.bigInt({ min: 0n, max: 500_000n }),
      withChallenger: fc.boolean(),
      slashPpms: fc.array(fc.bigInt({ min: 1n, max: PPM }), { minLength: 1, maxLength: 3 }),
    });

    it("taken == the sum of the parts, burned + toChallenger == taken, toChallenger <= share * own part, supply falls by burned", async function () {
      await fc.assert(
        fc.asyncProperty(scenario, async (c) => {
          const f = await loadFixture(deployStakingFixture);
          await f.staking.connect(f.alice).stake(c.own);
          const ownThaw = (c.own * c.ownThawPpm) / PPM;
          if (ownThaw === c.own || ownThaw >= opg(1n)) await f.staking.connect(f.alice).unstake(ownThaw);
          if (c.carol > 0n) await f.staking.connect(f.carol).delegate(f.alice.address, c.carol, ANY_CUT);
          if (c.dave > 0n) {
            await f.staking.connect(f.dave).delegate(f.alice.address, c.dave, ANY_CUT);
            if (c.daveThaws) await f.staking.connect(f.dave).undelegate(f.alice.address, c.dave);
          }
          await f.staking.connect(f.admin).setChallengerShare(c.sharePpm);
          const challenger = c.withChallenger ? f.challenger.address : ZeroAddress;
          for (const slashPpm of c.slashPpms) {
            const maximum = ((await f.staking.slashableStakeOf(f.alice.address)) * 100_000n) / PPM;
            const amount = (maximum * slashPpm) / PPM;
            if (amount === 0n) continue;
            const supply = await f.token.totalSupply();
            const held = await f.token.balanceOf(f.stakingAddress);
            const received = await f.token.balanceOf(f.challenger.address);
            const o = await stakeOf(f, f.alice.address);
            await f.staking.connect(f.slasher).lockStake(f.alice.address, amount);
            const [taken, toChallenger] = await f.staking
              .connect(f.slasher)
              .slash.staticCall(f.alice.address, amount, challenger);
            const receipt = await (
              await f.staking.connect(f.slasher).slash(f.alice.address, amount, challenger)
            ).wait();
            const event = receipt!.logs
              .map((l) => f.staking.interface.parseLog(l))
              .find((e) => e?.name === "StakeSlashed")!;
            const [, , fromOwnActive, fromOwnThawing, fromDelegated, fromDelegatedThawing, burned, paid] = event.args;
            const ownPart = fromOwnActive + fromOwnThawing;
            expect({
              fromOwnActive,
              fromOwnThawing,
              fromDelegated,
              fromDelegatedThawing,
              burned,
              toChallenger: paid,
            }).to.deep.equal(slashPartsOf(o, amount, challenger, c.sharePpm));
            expect(taken).to.equal(ownPart + fromDelegated + fromDelegatedThawing);
            expect(burned + paid).to.equal(taken);
            expect(paid).to.equal(toChallenger);
            expect(toChallenger * PPM <= c.sharePpm * ownPart).to.equal(true);
            if (!c.withChallenger) expect(toChallenger).to.equal(0n);
            // At least the amount is taken (a swept pool gives more), never more than was there to take.
            expect(taken >= amount).to.equal(true);
            expect(fromOwnActive).to.equal(min(amount, o.ownActive));
            expect(fromOwnThawing <= o.ownThawing.tokens && fromDelegatedThawing <= o.delegatedThawing.tokens).to.equal(
              true,
            );
            expect(fromDelegated <= o.delegated.tokens).to.equal(true);
            expect(await f.token.totalSupply()).to.equal(supply - burned);
            expect(await f.token.balanceOf(f.stakingAddress)).to.equal(held - taken);
            expect(await f.token.balanceOf(f.challenger.address)).to.equal(received + toChallenger);
            expect(await f.staking.pendingSlashOf(f.alice.address)).to.equal(0n);
            expect(await f.staking.lockedStakeOf(f.alice.address)).to.equal(0n);
          }
        }),
        { numRuns: 40 },
      );
    });
  });

  describe("rewards", function () {
    it("emits nothing before rewardsStart: nothing is earned and claimRewards reverts StakingNoRewards", async function () {
      const f = await loadFixture(deployStakingFixture);
      // A second deployment whose stream starts a day from now.
      const start = BigInt(await time.latest()) + DAY;
      const staking = await new Staking__factory(f.admin).deploy(
        f.tokenAddress,
        f.admin.address,
        REWARDS_TOTAL,
        start,
        REWARDS_DURATION,
      );
      await f.token.connect(f.admin).transfer(await staking.getAddress(), REWARDS_TOTAL);
      await f.token.connect(f.alice).approve(await staking.getAddress(), MaxUint256);
      await staking.connect(f.alice).stake(opg(1_000n));
      expect(await staking.rewardsEmittedAt(start)).to.equal(0n);
      await time.increaseTo(start - 1n);
      expect(await staking.claimableRewards(f.alice.address, f.alice.address)).to.equal(0n);
      // At the start itself nothing has been emitted yet.
      await at(start);
      expect(await staking.claimableRewards(f.alice.address, f.alice.address, PENDING)).to.equal(0n);
      await expect(staking.connect(f.alice).claimRewards(f.alice.address, { gasLimit: GAS }))
        .to.be.revertedWithCustomError(staking, "StakingNoRewards")
        .withArgs(f.alice.address, f.alice.address);
      await expectMinedAt(start);
      await time.increaseTo(start + 100n);
      expectClose(
        await staking.claimableRewards(f.alice.address, f.alice.address),
        (REWARDS_TOTAL * 100n) / REWARDS_DURATION,
        "alice after 100 s",
      );
      expect(await staking.rewardsUnallocated()).to.equal(0n);
    });

    it("rewardsEmittedAt follows the closed form, capped at REWARDS_TOTAL", async function () {
      const f = await loadFixture(deployStakingFixture);
      const s = f.rewardsStart;
      for (const t of [0n, s - 1n, s, s + 1n, s + DAY, s + MONTH, s + 12n * MONTH + 7n, s + REWARDS_DURATION - 1n]) {
        expect(await f.staking.rewardsEmittedAt(t)).to.equal(emittedAt(f, t));
      }
      expect(await f.staking.rewardsEmittedAt(s + REWARDS_DURATION)).to.equal(REWARDS_TOTAL);
      expect(await f.staking.rewardsEmittedAt(s + 2n * REWARDS_DURATION)).to.equal(REWARDS_TOTAL);
      expect(await f.staking.rewardsEmittedAt(2n ** 64n - 1n)).to.equal(REWARDS_TOTAL);
    });

    it("leaves the emission while nothing is staked unallocated, paid to nobody", async function () {
      const f = await loadFixture(deployStakingFixture);
      await time.increase(30n * DAY);
      const t = await next();
      await f.staking.connect(f.alice).stake(opg(1_000n));
      expect(await f.staking.rewardsUnallocated()).to.equal(emittedAt(f, t));
      expect(await f.staking.rewardsAllocated()).to.equal(0n);
      expect(await f.staking.claimableRewards(f.alice.address, f.alice.address)).to.equal(0n);
    });

    it("gives one staker the whole emission of an interval, within rounding and never more", async function () {
      const f = await loadFixture(deployStakingFixture);
      const t0 = await next();
      await f.staking.connect(f.alice).stake(opg(1_000n));
      for (const t of [t0 + 1n, t0 + DAY, t0 + 30n * DAY + 17n]) {
        const claimable = await claimableAt(f, f.alice.address, f.alice.address, t);
        const ideal = emittedAt(f, t) - emittedAt(f, t0);
        expect(claimable <= ideal).to.equal(true);
        expectClose(claimable, ideal, "one staker", 1n);
      }
      const paid = await claimAndCheck(f, f.alice, f.alice.address, t0 + 31n * DAY);
      expectClose(paid, emittedAt(f, t0 + 31n * DAY) - emittedAt(f, t0), "paid", 1n);
    });

    it("splits the emission between two stakers pro rata", async function () {
      const f = await loadFixture(deployStakingFixture);
      await f.staking.connect(f.alice).stake(opg(3_000n));
      const t1 = await next();
      await f.staking.connect(f.bob).stake(opg(1_000n));
      const [alice1, bob1] = [
        await f.staking.claimableRewards(f.alice.address, f.alice.address),
        await f.staking.claimableRewards(f.bob.address, f.bob.address),
      ];
      expect(bob1).to.equal(0n);
      const t2 = t1 + 10n * DAY;
      const alice2 = await claimableAt(f, f.alice.address, f.alice.address, t2);
      const bob2 = await f.staking.claimableRewards(f.bob.address, f.bob.address);
      const emitted = emittedAt(f, t2) - emittedAt(f, t1);
      expectClose(alice2 - alice1, (emitted * 3n) / 4n, "alice");
      expectClose(bob2 - bob1, emitted / 4n, "bob");
      expect(alice2 - alice1 + (bob2 - bob1) <= emitted).to.equal(true);
    });

    it("gives an operator its stake's part plus its cut of the delegated part", async function () {
      const f = await loadFixture(deployStakingFixture);
      await stakeAndCheck(f, f.alice, opg(1_000n));
      await setCutNow(f, f.alice, 200_000n); // 20%: scheduled and applied before any delegator
      const t1 = await next();
      await f.staking.connect(f.carol).delegate(f.alice.address, opg(3_000n), ANY_CUT);
      const alice1 = await f.staking.claimableRewards(f.alice.address, f.alice.address);
      const t2 = t1 + 20n * DAY;
      const alice2 = await claimableAt(f, f.alice.address, f.alice.address, t2);
      const carol2 = await f.staking.claimableRewards(f.carol.address, f.alice.address);
      const emitted = emittedAt(f, t2) - emittedAt(f, t1);
      const delegatedPart = (emitted * 3n) / 4n;
      expectClose(alice2 - alice1, emitted / 4n + delegatedPart / 5n, "alice: own part and cut");
      expectClose(carol2, (delegatedPart * 4n) / 5n, "carol: 80% of the delegated part");
      const [, , carolRewards] = await f.staking.getDelegation(f.alice.address, f.carol.address);
      expect(carolRewards).to.equal(carol2);
      // Both claim what the views showed.
      await claimAndCheck(f, f.alice, f.alice.address);
      await claimAndCheck(f, f.carol, f.alice.address);
    });

    it("pays a delegator who joins late only from joining", async function () {
      const f = await loadFixture(deployStakingFixture);
      await f.staking.connect(f.alice).stake(opg(1_000n));
      await f.staking.connect(f.carol).delegate(f.alice.address, opg(1_000n), ANY_CUT);
      await time.increase(30n * DAY);
      const t1 = await next();
      await f.staking.connect(f.dave).delegate(f.alice.address, opg(2_000n), ANY_CUT);
      expect(await f.staking.claimableRewards(f.dave.address, f.alice.address)).to.equal(0n);
      const carol1 = await f.staking.claimableRewards(f.carol.address, f.alice.address);
      const t2 = t1 + 5n * DAY;
      const dave2 = await claimableAt(f, f.dave.address, f.alice.address, t2);
      const carol2 = await f.staking.claimableRewards(f.carol.address, f.alice.address);
      const emitted = emittedAt(f, t2) - emittedAt(f, t1);
      expectClose(dave2, emitted / 2n, "dave");
      expectClose(carol2 - carol1, emitted / 4n, "carol");
    });

    it("stops paying a delegator at undelegate; what it earned stays claimable", async function () {
      const f = await loadFixture(deployStakingFixture);
      await f.staking.connect(f.alice).stake(opg(1_000n));
      const t0 = await next();
      await f.staking.connect(f.carol).delegate(f.alice.address, opg(1_000n), ANY_CUT);
      const t1 = t0 + 10n * DAY;
      await at(t1);
      await f.staking.connect(f.carol).undelegate(f.alice.address, opg(1_000n));
      const carol1 = await f.staking.claimableRewards(f.carol.address, f.alice.address);
      expectClose(carol1, (emittedAt(f, t1) - emittedAt(f, t0)) / 2n, "carol while delegated");
      const alice1 = await f.staking.claimableRewards(f.alice.address, f.alice.address);
      await time.increaseTo(t1 + 20n * DAY);
      expect(await f.staking.claimableRewards(f.carol.address, f.alice.address)).to.equal(carol1);
      const alice2 = await f.staking.claimableRewards(f.alice.address, f.alice.address);
      expectClose(alice2 - alice1, emittedAt(f, t1 + 20n * DAY) - emittedAt(f, t1), "alice alone");
      expect(await claimAndCheck(f, f.carol, f.alice.address, t1 + 25n * DAY)).to.equal(carol1);
    });

    it("pays a slashed operator less from the slash on", async function () {
      const f = await loadFixture(deployStakingFixture);
      await f.staking.connect(f.alice).stake(opg(1_000n));
      await f.staking.connect(f.bob).stake(opg(1_000n));
      await f.staking.connect(f.slasher).lockStake(f.alice.address, opg(100n));
      const t1 = await next();
      await f.staking.connect(f.slasher).slash(f.alice.address, opg(100n), f.challenger.address);
      const [alice1, bob1] = [
        await f.staking.claimableRewards(f.alice.address, f.alice.address),
        await f.staking.claimableRewards(f.bob.address, f.bob.address),
      ];
      const t2 = t1 + 15n * DAY;
      const alice2 = await claimableAt(f, f.alice.address, f.alice.address, t2);
      const bob2 = await f.staking.claimableRewards(f.bob.address, f.bob.address);
      const emitted = emittedAt(f, t2) - emittedAt(f, t1);
      expectClose(alice2 - alice1, (emitted * 900n) / 1_900n, "alice after the slash");
      expectClose(bob2 - bob1, (emitted * 1_000n) / 1_900n, "bob after the slash");
    });

    it("pays delegators of a slashed pool less, pro rata to what is left", async function () {
      const f = await loadFixture(deployStakingFixture);
      await f.staking.connect(f.alice).stake(opg(100n));
      await f.staking.connect(f.carol).delegate(f.alice.address, opg(1_000n), ANY_CUT);
      await f.staking.connect(f.bob).stake(opg(990n));
      await f.staking.connect(f.slasher).lockStake(f.alice.address, opg(110n));
      const t1 = await next();
      // 100 own and 10 delegated: alice's pool is left with 990, as much as bob's own stake.
      await f.staking.connect(f.slasher).slash(f.alice.address, opg(110n), f.challenger.address);
      const carol1 = await f.staking.claimableRewards(f.carol.address, f.alice.address);
      const bob1 = await f.staking.claimableRewards(f.bob.address, f.bob.address);
      const t2 = t1 + 15n * DAY;
      const carol2 = await claimableAt(f, f.carol.address, f.alice.address, t2);
      const bob2 = await f.staking.claimableRewards(f.bob.address, f.bob.address);
      expectClose(carol2 - carol1, bob2 - bob1, "carol's 990 against bob's 990");
      expectClose(bob2 - bob1, (emittedAt(f, t2) - emittedAt(f, t1)) / 2n, "bob");
    });
  });

  describe("claimRewards", function () {
    it("reverts StakingNoRewards when there is nothing to claim", async function () {
      const f = await loadFixture(deployStakingFixture);
      await expect(f.staking.connect(f.stranger).claimRewards(f.alice.address))
        .to.be.revertedWithCustomError(f.staking, "StakingNoRewards")
        .withArgs(f.stranger.address, f.alice.address);
      await f.staking.connect(f.alice).stake(opg(100n));
      await time.increase(DAY);
      // Rewards to the operator are not the delegators'.
      await expect(f.staking.connect(f.carol).claimRewards(f.alice.address))
        .to.be.revertedWithCustomError(f.staking, "StakingNoRewards")
        .withArgs(f.carol.address, f.alice.address);
      await claimAndCheck(f, f.alice, f.alice.address);
    });

    it("pays exactly what claimableRewards showed at the same second, to operators and delegators", async function () {
      const f = await loadFixture(deployStakingFixture);
      await f.staking.connect(f.alice).stake(opg(500n));
      await setCutNow(f, f.alice, 150_000n);
      await f.staking.connect(f.carol).delegate(f.alice.address, opg(700n), ANY_CUT);
      await f.staking.connect(f.dave).delegate(f.alice.address, opg(300n), ANY_CUT);
      for (let i = 0; i < 3; i++) {
        await time.increase(7n * DAY + BigInt(i));
        for (const who of [f.alice, f.carol, f.dave]) await claimAndCheck(f, who, f.alice.address);
      }
      expect(await f.staking.rewardsClaimed()).to.be.greaterThan(0n);
      expect(await f.staking.rewardsClaimed()).to.be.lessThanOrEqual(await f.staking.rewardsAllocated());
    });

    it("still works when paused", async function () {
      const f = await loadFixture(deployStakingFixture);
      await f.staking.connect(f.alice).stake(opg(100n));
      await f.staking.connect(f.carol).delegate(f.alice.address, opg(100n), ANY_CUT);
      await time.increase(DAY);
      await f.staking.connect(f.admin).pause();
      await claimAndCheck(f, f.alice, f.alice.address);
      await claimAndCheck(f, f.carol, f.alice.address);
    });
  });

  describe("creditFees", function () {
    it("reverts StakingUnauthorized when the caller is not the fee source", async function () {
      const { staking, admin, alice, slasher, stranger, carol } = await loadFixture(deployStakingFixture);
      await staking.connect(alice).stake(opg(100n));
      for (const caller of [stranger, admin, slasher, alice, carol])
        await expect(staking.connect(caller).creditFees(alice.address, opg(1n)))
          .to.be.revertedWithCustomError(staking, "StakingUnauthorized")
          .withArgs(caller.address);
      expect(await staking.feesDistributed()).to.equal(0n);
    });

    it("gives all of it to the operator without delegated stake, even with no stake at all", async function () {
      const f = await loadFixture(deployStakingFixture);
      await afterEmission(f);
      // An address that never staked: the fees wait in its books all the same.
      expect(await creditAndCheck(f, f.stranger.address, opg(3n))).to.equal(0n);
      await claimAndCheck(f, f.stranger, f.stranger.address);
      await stakeAndCheck(f, f.alice, opg(100n));
      expect(await creditAndCheck(f, f.alice.address, opg(7n) + 1n)).to.equal(0n);
      // A zero credit changes nothing but is not an error.
      expect(await creditAndCheck(f, f.alice.address, 0n)).to.equal(0n);
    });

    it("splits it by delegated / active stake, the delegators' part after the cut and pro rata to their shares", async function () {
      const f = await loadFixture(deployStakingFixture);
      await afterEmission(f);
      await stakeAndCheck(f, f.alice, opg(1_000n));
      await setCutNow(f, f.alice, 250_000n);
      await delegateAndCheck(f, f.carol, f.alice.address, opg(2_000n));
      await delegateAndCheck(f, f.dave, f.alice.address, opg(1_000n));
      // 400 OPG: 300 earned by delegated stake, of which the operator cuts 25%; the delegators share 225 as 2 : 1.
      expect(await creditAndCheck(f, f.alice.address, opg(400n), [f.carol, f.dave])).to.equal(opg(225n));
      // An amount that does not divide evenly.
      const odd = opg(1n) + 7n;
      const delegatedPart = (odd * 3n) / 4n;
      expect(await creditAndCheck(f, f.alice.address, odd, [f.carol, f.dave])).to.equal(
        delegatedPart - (delegatedPart * 250_000n) / PPM,
      );
      expect(await f.staking.feesDistributed()).to.equal(opg(400n) + odd);
      // The fees are claimed with the rewards.
      for (const who of [f.alice, f.carol, f.dave]) await claimAndCheck(f, who, f.alice.address);
    });

    it("splits by the tokens left in a slashed pool, not by its shares", async function () {
      const f = await loadFixture(deployStakingFixture);
      await afterEmission(f);
      await stakeAndCheck(f, f.alice, opg(100n));
      await delegateAndCheck(f, f.carol, f.alice.address, opg(1_000n));
      await slashAndCheck(f, f.alice.address, opg(110n)); // own 100 → 0, pool 1,000 → 990 tokens for 1,000 shares
      await stakeAndCheck(f, f.alice, opg(10n));
      // Active 1,000 = 10 own + 990 delegated.
      expect(await creditAndCheck(f, f.alice.address, opg(100n), [f.carol])).to.equal(opg(99n));
    });

    it("splits by the stake of the moment of each payment: stake unbonded since keeps its part", async function () {
      const f = await loadFixture(deployStakingFixture);
      await afterEmission(f);
      await stakeAndCheck(f, f.alice, opg(1_000n));
      await delegateAndCheck(f, f.carol, f.alice.address, opg(1_000n));
      expect(await creditAndCheck(f, f.alice.address, opg(100n), [f.carol])).to.equal(opg(50n));
      const earned = await f.staking.claimableRewards(f.carol.address, f.alice.address);
      // Carol leaves: the next payment is all alice's, and carol keeps what she earned before.
      await undelegateAndCheck(f, f.carol, f.alice.address, opg(1_000n));
      const left = await f.staking.claimableRewards(f.carol.address, f.alice.address);
      expect(left >= earned).to.equal(true);
      expect(await creditAndCheck(f, f.alice.address, opg(100n), [f.carol])).to.equal(0n);
      expect(await f.staking.claimableRewards(f.carol.address, f.alice.address)).to.equal(left);
    });

    // Findings F4 and review 1-2: with fees distributed in a lump at collection, a large stake added just before took
    // most of fees earned by the stake that was there. Streamed, a payment's fees go to the stake of each moment of
    // the period, so a stake in for a moment gets a moment's worth.
    it("gives a delegation made just before a payment and gone just after only a moment's worth (600,000 OPG)", async function () {
      const f = await loadFixture(deployStakingFixture);
      await afterEmission(f);
      await stakeAndCheck(f, f.alice, opg(1_000n));
      await delegateAndCheck(f, f.carol, f.alice.address, opg(1_000n));
      await f.token.connect(f.feeSource).transfer(f.stakingAddress, opg(1_000n));
      const t = await next();
      await f.staking.connect(f.dave).delegate(f.alice.address, opg(600_000n), ANY_CUT);
      await at(t + 1n);
      await f.staking.connect(f.feeSource).creditFees(f.alice.address, opg(1_000n));
      // Dave leaves one minute later, and the stream runs out.
      await at(t + 61n);
      await f.staking.connect(f.dave).undelegate(f.alice.address, await sharesOf(f, f.alice.address, f.dave.address));
      await time.increaseTo(t + 1n + FEE_STREAM_PERIOD);
      const dave = await f.staking.claimableRewards(f.dave.address, f.alice.address);
      // One minute of a seven-day stream, of which dave's stake was 600,000 / 601,999: at most 1,000 * 60 / 604,800.
      expect(dave <= (opg(1_000n) * 60n) / FEE_STREAM_PERIOD).to.equal(true);
      expect(dave > 0n).to.equal(true);
      // Carol and alice, there all along, get the rest: all but dave's minute.
      const carol = await f.staking.claimableRewards(f.carol.address, f.alice.address);
      const alice = await f.staking.claimableRewards(f.alice.address, f.alice.address);
      expectClose(alice + carol + dave, opg(1_000n), "released in all", 3n);
      expectClose(carol, alice, "carol and alice hold the same stake after dave left", opg(1n));
    });

    it("gives nothing of a released stream to a delegation made after it ran out", async function () {
      const f = await loadFixture(deployStakingFixture);
      await afterEmission(f);
      await stakeAndCheck(f, f.alice, opg(1_000n));
      await delegateAndCheck(f, f.carol, f.alice.address, opg(1_000n));
      for (let i = 0; i < 3; i++) await creditAndCheck(f, f.alice.address, opg(100n), [f.carol]);
      await delegateAndCheck(f, f.dave, f.alice.address, opg(600_000n));
      await time.increase(FEE_STREAM_PERIOD);
      expect(await f.staking.claimableRewards(f.dave.address, f.alice.address)).to.equal(0n);
      // A payment after dave joined is shared with him by the stake of its period: 601,000 of 602,000 delegated.
      expect(await creditAndCheck(f, f.alice.address, opg(602n), [f.carol, f.dave])).to.equal(opg(601n));
      expectClose(await f.staking.claimableRewards(f.dave.address, f.alice.address), opg(600n), "dave", 1n);
      await claimAndCheck(f, f.dave, f.alice.address);
    });

    it("releases linearly over the period; a new payment spreads what is left with it over a new period", async function () {
      const f = await loadFixture(deployStakingFixture);
      await afterEmission(f);
      await stakeAndCheck(f, f.alice, opg(1_000n));
      await f.token.connect(f.feeSource).transfer(f.stakingAddress, opg(2_000n));
      const t = await next();
      await f.staking.connect(f.feeSource).creditFees(f.alice.address, opg(1_400n));
      await time.increaseTo(t + FEE_STREAM_PERIOD / 2n);
      expect(await f.staking.feesStreamingOf(f.alice.address)).to.equal(opg(700n));
      expect(await f.staking.claimableRewards(f.alice.address, f.alice.address)).to.equal(opg(700n));
      // At the midpoint plus one second: 700 left, 600 more, 1,300 over a new seven days.
      const t2 = t + FEE_STREAM_PERIOD / 2n + 1n;
      await at(t2);
      const left = opg(1_400n) - (opg(1_400n) * (t2 - t)) / FEE_STREAM_PERIOD;
      await expect(f.staking.connect(f.feeSource).creditFees(f.alice.address, opg(600n)))
        .to.emit(f.staking, "FeesCredited")
        .withArgs(f.alice.address, opg(600n), left + opg(600n), t2 + FEE_STREAM_PERIOD);
      await time.increaseTo(t2 + FEE_STREAM_PERIOD / 4n);
      const streaming = left + opg(600n);
      expect(await f.staking.feesStreamingOf(f.alice.address)).to.equal(streaming - streaming / 4n);
      await time.increaseTo(t2 + FEE_STREAM_PERIOD);
      expect(await f.staking.feesStreamingOf(f.alice.address)).to.equal(0n);
      expect(await f.staking.claimableRewards(f.alice.address, f.alice.address)).to.equal(opg(2_000n));
      await claimAndCheck(f, f.alice, f.alice.address);
    });

    it("settles the stream before every change of stake: each part goes to the stake of its moment", async function () {
      const f = await loadFixture(deployStakingFixture);
      await afterEmission(f);
      await stakeAndCheck(f, f.alice, opg(1_000n));
      await f.token.connect(f.feeSource).transfer(f.stakingAddress, opg(700n));
      const t = await next();
      await f.staking.connect(f.feeSource).creditFees(f.alice.address, opg(700n));
      // Alice alone for the first day; then carol holds half of the stake for the other six.
      await at(t + DAY);
      await f.staking.connect(f.carol).delegate(f.alice.address, opg(1_000n), ANY_CUT);
      await time.increaseTo(t + FEE_STREAM_PERIOD);
      expectClose(await f.staking.claimableRewards(f.alice.address, f.alice.address), opg(100n + 300n), "alice", 2n);
      expectClose(await f.staking.claimableRewards(f.carol.address, f.alice.address), opg(300n), "carol", 2n);
    });

    it("property: the operator's and the delegators' parts add up to the credit, split by the stake of the moment", async function () {
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            own: fc.bigInt({ min: 1n, max: opg(50_000n) }),
            carol: fc.oneof(fc.constant(0n), fc.bigInt({ min: opg(1n), max: opg(600_000n) })),
            dave: fc.oneof(fc.constant(0n), fc.bigInt({ min: opg(1n), max: opg(100_000n) })),
            cut: fc.oneof(fc.constant(0n), fc.constant(PPM), fc.bigInt({ min: 0n, max: PPM })),
            credits: fc.array(fc.bigInt({ min: 0n, max: opg(10_000n) }), { minLength: 1, maxLength: 3 }),
          }),
          async (c) => {
            const f = await loadFixture(deployStakingFixture);
            await afterEmission(f);
            await f.staking.connect(f.alice).stake(c.own);
            if (c.cut > 0n) await setCutNow(f, f.alice, c.cut);
            if (c.carol > 0n) await f.staking.connect(f.carol).delegate(f.alice.address, c.carol, ANY_CUT);
            if (c.dave > 0n) await f.staking.connect(f.dave).delegate(f.alice.address, c.dave, ANY_CUT);
            // creditAndCheck asserts the split (amount * delegated / active, less the cut), the operator's part,
            // each delegator's part pro rata to its shares within a wei, and that nothing else moves.
            paidByCredits.clear();
            let owed = 0n;
            for (const amount of c.credits) {
              const toDelegators = await creditAndCheck(f, f.alice.address, amount, [f.carol, f.dave]);
              expect(toDelegators <= amount).to.equal(true);
              if (c.carol + c.dave === 0n || c.cut === PPM) expect(toDelegators).to.equal(0n);
              owed += toDelegators;
              // Over the credits so far, the delegators got at most their parts (rounding stays with the operator).
              expect(paidByCredits.get(f.alice.address)).to.be.lte(owed);
            }
          },
        ),
        { numRuns: 12 },
      );
    });

    it("accepts credits while paused", async function () {
      const f = await loadFixture(deployStakingFixture);
      await afterEmission(f);
      await stakeAndCheck(f, f.alice, opg(1_000n));
      await delegateAndCheck(f, f.carol, f.alice.address, opg(1_000n));
      await f.staking.connect(f.admin).pause();
      expect(await creditAndCheck(f, f.alice.address, opg(10n), [f.carol])).to.equal(opg(5n));
    });
  });

  describe("setDelegationCut", function () {
    it("reverts StakingInvalidCut above 100%", async function () {
      const { staking, alice } = await loadFixture(deployStakingFixture);
      await staking.connect(alice).stake(opg(100n));
      await expect(staking.connect(alice).setDelegationCut(1_000_001n))
        .to.be.revertedWithCustomError(staking, "StakingInvalidCut")
        .withArgs(1_000_001n);
    });

    it("reverts StakingNotOperator when the caller never staked", async function () {
      const { staking, stranger } = await loadFixture(deployStakingFixture);
      await expect(staking.connect(stranger).setDelegationCut(100n))
        .to.be.revertedWithCustomError(staking, "StakingNotOperator")
        .withArgs(stranger.address);
    });

    // Changed with the redesign: without delegators the cut used to apply at once (DelegationCutSet).
    it("schedules it even without delegators; it emits DelegationCutScheduled, never DelegationCutSet", async function () {
      const f = await loadFixture(deployStakingFixture);
      await f.staking.connect(f.alice).stake(opg(100n));
      const before = await stakeOf(f, f.alice.address);
      const t = await next();
      const tx = f.staking.connect(f.alice).setDelegationCut(1_000_000n);
      await expect(tx)
        .to.emit(f.staking, "DelegationCutScheduled")
        .withArgs(f.alice.address, 0n, 1_000_000n, t + 7n * DAY);
      await expect(tx).not.to.emit(f.staking, "DelegationCutSet");
      expect(await stakeOf(f, f.alice.address)).to.deep.equal({
        ...before,
        pendingCutPpm: 1_000_000n,
        pendingCutAt: t + 7n * DAY,
      });
      // The first delegator sees it coming and is not charged it before it is due.
      await expect(f.staking.connect(f.stranger).applyDelegationCut(f.alice.address))
        .to.be.revertedWithCustomError(f.staking, "StakingCutNotDue")
        .withArgs(t + 7n * DAY);
      expect((await stakeOf(f, f.alice.address)).cutPpm).to.equal(0n);
    });

    it("schedules it with delegators; it emits DelegationCutScheduled(effectiveAt = now + cutChangeDelay)", async function () {
      const f = await loadFixture(deployStakingFixture);
      await f.staking.connect(f.alice).stake(opg(100n));
      await setCutNow(f, f.alice, 100_000n);
      await f.staking.connect(f.carol).delegate(f.alice.address, opg(10n), ANY_CUT);
      const before = await stakeOf(f, f.alice.address);
      const t = await next();
      const tx = f.staking.connect(f.alice).setDelegationCut(300_000n);
      await expect(tx)
        .to.emit(f.staking, "DelegationCutScheduled")
        .withArgs(f.alice.address, 100_000n, 300_000n, t + 7n * DAY);
      await expect(tx).not.to.emit(f.staking, "DelegationCutSet");
      expect(await stakeOf(f, f.alice.address)).to.deep.equal({
        ...before,
        pendingCutPpm: 300_000n,
        pendingCutAt: t + 7n * DAY,
      });
      // A new schedule replaces the old one, with its own delay.
      await f.staking.connect(f.admin).setCutChangeDelay(DAY);
      const t2 = await next();
      await expect(f.staking.connect(f.alice).setDelegationCut(50_000n))
        .to.emit(f.staking, "DelegationCutScheduled")
        .withArgs(f.alice.address, 100_000n, 50_000n, t2 + DAY);
    });

    // Changed with the redesign: after every delegator left, a new cut used to apply at once.
    it("still waits after every delegator left: the new schedule replaces the old one", async function () {
      const f = await loadFixture(deployStakingFixture);
      await f.staking.connect(f.alice).stake(opg(100n));
      await f.staking.connect(f.carol).delegate(f.alice.address, opg(10n), ANY_CUT);
      await f.staking.connect(f.alice).setDelegationCut(900_000n);
      await f.staking.connect(f.carol).undelegate(f.alice.address, opg(10n));
      const t = await next();
      await expect(f.staking.connect(f.alice).setDelegationCut(200_000n))
        .to.emit(f.staking, "DelegationCutScheduled")
        .withArgs(f.alice.address, 0n, 200_000n, t + 7n * DAY);
      expect(await stakeOf(f, f.alice.address)).to.deep.include({
        cutPpm: 0n,
        pendingCutPpm: 200_000n,
        pendingCutAt: t + 7n * DAY,
      });
      await time.increaseTo(t + 7n * DAY);
      await expect(f.staking.applyDelegationCut(f.alice.address))
        .to.emit(f.staking, "DelegationCutSet")
        .withArgs(f.alice.address, 0n, 200_000n);
    });
  });

  describe("delegate: the highest cut accepted (maxCutPpm)", function () {
    it("reverts StakingCutAboveAccepted(cut, maxCut) when the cut in force is above it", async function () {
      const f = await loadFixture(deployStakingFixture);
      await stakeAndCheck(f, f.alice, opg(100n));
      await setCutNow(f, f.alice, 200_000n);
      await expect(f.staking.connect(f.carol).delegate(f.alice.address, opg(10n), 199_999n))
        .to.be.revertedWithCustomError(f.staking, "StakingCutAboveAccepted")
        .withArgs(200_000n, 199_999n);
      await expect(f.staking.connect(f.carol).delegate(f.alice.address, opg(10n), 0n))
        .to.be.revertedWithCustomError(f.staking, "StakingCutAboveAccepted")
        .withArgs(200_000n, 0n);
      const tx = f.staking.connect(f.carol).delegate(f.alice.address, opg(10n), 200_000n);
      await expect(tx)
        .to.emit(f.staking, "StakeDelegated")
        .withArgs(f.carol.address, f.alice.address, opg(10n), opg(10n));
    });

    it("reverts StakingCutAboveAccepted(scheduled, maxCut) when a raise is scheduled above it", async function () {
      const f = await loadFixture(deployStakingFixture);
      await stakeAndCheck(f, f.alice, opg(100n));
      await setCutNow(f, f.alice, 100_000n);
      // The operator schedules a raise in the block before the delegation: the delegator would pay it in 7 days.
      await f.staking.connect(f.alice).setDelegationCut(300_000n);
      await expect(f.staking.connect(f.carol).delegate(f.alice.address, opg(10n), 100_000n))
        .to.be.revertedWithCustomError(f.staking, "StakingCutAboveAccepted")
        .withArgs(300_000n, 100_000n);
      const permit = await signPermit(f, f.erin, opg(10n), MaxUint256);
      await expect(
        f.staking
          .connect(f.erin)
          .delegateWithPermit(f.alice.address, opg(10n), 299_999n, MaxUint256, permit.v, permit.r, permit.s),
      )
        .to.be.revertedWithCustomError(f.staking, "StakingCutAboveAccepted")
        .withArgs(300_000n, 299_999n);
      await delegateAndCheck(f, f.erin, f.alice.address, opg(10n), permit);
      await f.staking.connect(f.carol).delegate(f.alice.address, opg(10n), 300_000n);
      // Once applied nothing is scheduled any more: the cut in force is what counts.
      await time.increase(7n * DAY);
      await f.staking.applyDelegationCut(f.alice.address);
      await expect(f.staking.connect(f.dave).delegate(f.alice.address, opg(10n), 299_999n))
        .to.be.revertedWithCustomError(f.staking, "StakingCutAboveAccepted")
        .withArgs(300_000n, 299_999n);
      await f.staking.connect(f.dave).delegate(f.alice.address, opg(10n), 300_000n);
    });

    it("counts the cut in force, not a scheduled lower one, against maxCut", async function () {
      const f = await loadFixture(deployStakingFixture);
      await stakeAndCheck(f, f.alice, opg(100n));
      await setCutNow(f, f.alice, 200_000n);
      await f.staking.connect(f.alice).setDelegationCut(50_000n);
      await expect(f.staking.connect(f.carol).delegate(f.alice.address, opg(10n), 150_000n))
        .to.be.revertedWithCustomError(f.staking, "StakingCutAboveAccepted")
        .withArgs(200_000n, 150_000n);
      await delegateAndCheck(f, f.carol, f.alice.address, opg(10n));
      await f.staking.connect(f.dave).delegate(f.alice.address, opg(10n), 200_000n);
    });
  });

  describe("applyDelegationCut", function () {
    it("reverts StakingCutNotDue(0) when nothing is scheduled", async function () {
      const { staking, alice, stranger } = await loadFixture(deployStakingFixture);
      await expect(staking.connect(stranger).applyDelegationCut(alice.address))
        .to.be.revertedWithCustomError(staking, "StakingCutNotDue")
        .withArgs(0n);
    });

    it("reverts StakingCutNotDue(effectiveAt) before it is due, then anyone applies it; it emits DelegationCutSet", async function () {
      const f = await loadFixture(deployStakingFixture);
      await f.staking.connect(f.alice).stake(opg(100n));
      await f.staking.connect(f.carol).delegate(f.alice.address, opg(10n), ANY_CUT);
      const t = await next();
      await f.staking.connect(f.alice).setDelegationCut(300_000n);
      const effectiveAt = t + 7n * DAY;
      for (const when of [t + 1n, effectiveAt - 1n]) {
        await at(when);
        await expect(f.staking.connect(f.stranger).applyDelegationCut(f.alice.address, { gasLimit: GAS }))
          .to.be.revertedWithCustomError(f.staking, "StakingCutNotDue")
          .withArgs(effectiveAt);
        await expectMinedAt(when);
      }
      const before = await stakeOf(f, f.alice.address);
      await at(effectiveAt);
      await expect(f.staking.connect(f.stranger).applyDelegationCut(f.alice.address))
        .to.emit(f.staking, "DelegationCutSet")
        .withArgs(f.alice.address, 0n, 300_000n);
      expect(await stakeOf(f, f.alice.address)).to.deep.equal({ ...before, cutPpm: 300_000n, pendingCutAt: 0n });
      await expect(f.staking.connect(f.stranger).applyDelegationCut(f.alice.address))
        .to.be.revertedWithCustomError(f.staking, "StakingCutNotDue")
        .withArgs(0n);
    });

    it("shares rewards under the old cut until applied, and under the new one after", async function () {
      const f = await loadFixture(deployStakingFixture);
      await f.staking.connect(f.alice).stake(opg(1_000n));
      await f.staking.connect(f.carol).delegate(f.alice.address, opg(1_000n), ANY_CUT);
      const t0 = await next();
      await f.staking.connect(f.alice).setDelegationCut(500_000n);
      const carol0 = await f.staking.claimableRewards(f.carol.address, f.alice.address);
      // Applied late, two days after it was due: the cut was still 0 until then.
      const applied = t0 + 9n * DAY;
      await at(applied);
      await f.staking.connect(f.stranger).applyDelegationCut(f.alice.address);
      const carol1 = await f.staking.claimableRewards(f.carol.address, f.alice.address);
      expectClose(carol1 - carol0, (emittedAt(f, applied) - emittedAt(f, t0)) / 2n, "carol at no cut");
      const carol2 = await claimableAt(f, f.carol.address, f.alice.address, applied + 10n * DAY);
      expectClose(carol2 - carol1, (emittedAt(f, applied + 10n * DAY) - emittedAt(f, applied)) / 4n, "carol at 50%");
    });

    it("does not reach a delegator who undelegated before the change", async function () {
      const f = await loadFixture(deployStakingFixture);
      await f.staking.connect(f.alice).stake(opg(1_000n));
      await f.staking.connect(f.carol).delegate(f.alice.address, opg(1_000n), ANY_CUT);
      await f.staking.connect(f.dave).delegate(f.alice.address, opg(1_000n), ANY_CUT);
      const t0 = await next();
      await f.staking.connect(f.alice).setDelegationCut(1_000_000n);
      // Carol does not like it and leaves before it is due; dave stays.
      await at(t0 + 3n * DAY);
      await f.staking.connect(f.carol).undelegate(f.alice.address, opg(1_000n));
      const carolLeft = await f.staking.claimableRewards(f.carol.address, f.alice.address);
      await at(t0 + 7n * DAY);
      await f.staking.connect(f.stranger).applyDelegationCut(f.alice.address);
      const dave1 = await f.staking.claimableRewards(f.dave.address, f.alice.address);
      await time.increaseTo(t0 + 30n * DAY);
      expect(await f.staking.claimableRewards(f.carol.address, f.alice.address)).to.equal(carolLeft);
      // Under a 100% cut dave earns nothing more.
      expect(await f.staking.claimableRewards(f.dave.address, f.alice.address)).to.equal(dave1);
      expect(await claimAndCheck(f, f.carol, f.alice.address, t0 + 30n * DAY + 1n)).to.equal(carolLeft);
    });
  });

  describe("governance setters", function () {
    const parameters = [
      {
        name: "thawingPeriod",
        setter: "setThawingPeriod",
        event: "ThawingPeriodSet",
        initial: 14n * DAY,
        min: DAY,
        max: 28n * DAY,
      },
      {
        name: "cutChangeDelay",
        setter: "setCutChangeDelay",
        event: "CutChangeDelaySet",
        initial: 7n * DAY,
        min: DAY,
        max: 28n * DAY,
      },
      {
        name: "minimumDelegation",
        setter: "setMinimumDelegation",
        event: "MinimumDelegationSet",
        initial: opg(1n),
        min: 10n ** 15n,
        max: opg(100_000n),
      },
      {
        name: "maxThawRequests",
        setter: "setMaxThawRequests",
        event: "MaxThawRequestsSet",
        initial: 100n,
        min: 1n,
        max: 1_000n,
      },
      {
        name: "challengerSharePpm",
        setter: "setChallengerShare",
        event: "ChallengerShareSet",
        initial: 500_000n,
        min: 0n,
        max: 500_000n,
      },
      { name: "maxSlashPpm", setter: "setMaxSlash", event: "MaxSlashSet", initial: 100_000n, min: 0n, max: 100_000n },
    ];

    for (const p of parameters) {
      describe(p.setter, function () {
        it("reverts AccessControlUnauthorizedAccount when the caller lacks DEFAULT_ADMIN_ROLE", async function () {
          const { staking, roles, slasher, stranger } = await loadFixture(deployStakingFixture);
          for (const caller of [stranger, slasher])
            await expect(staking.connect(caller).getFunction(p.setter)(p.max))
              .to.be.revertedWithCustomError(staking, "AccessControlUnauthorizedAccount")
              .withArgs(caller.address, roles.admin);
        });

        it("reverts StakingParameterOutOfBounds outside [min, max]", async function () {
          const { staking, admin } = await loadFixture(deployStakingFixture);
          const outside = p.min > 0n ? [0n, p.min - 1n, p.max + 1n] : [p.max + 1n];
          for (const value of outside)
            await expect(staking.connect(admin).getFunction(p.setter)(value))
              .to.be.revertedWithCustomError(staking, "StakingParameterOutOfBounds")
              .withArgs(encodeBytes32String(p.name), value, p.min, p.max);
          expect(await staking.getFunction(p.name)()).to.equal(p.initial);
        });

        it(`sets it at either bound; it emits ${p.event}(old, new)`, async function () {
          const { staking, admin } = await loadFixture(deployStakingFixture);
          let old = p.initial;
          for (const value of [p.min, p.max, p.initial]) {
            await expect(staking.connect(admin).getFunction(p.setter)(value))
              .to.emit(staking, p.event)
              .withArgs(old, value);
            expect(await staking.getFunction(p.name)()).to.equal(value);
            old = value;
          }
        });
      });
    }
  });

  describe("pause / unpause", function () {
    it("reverts AccessControlUnauthorizedAccount when the caller lacks PAUSER_ROLE", async function () {
      const { staking, roles, admin, slasher, stranger } = await loadFixture(deployStakingFixture);
      for (const caller of [stranger, slasher])
        await expect(staking.connect(caller).pause())
          .to.be.revertedWithCustomError(staking, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, roles.pauser);
      await staking.connect(admin).pause();
      await expect(staking.connect(stranger).unpause())
        .to.be.revertedWithCustomError(staking, "AccessControlUnauthorizedAccount")
        .withArgs(stranger.address, roles.pauser);
    });

    it("lets any holder of PAUSER_ROLE pause: new stake and delegation revert EnforcedPause", async function () {
      const f = await loadFixture(deployStakingFixture);
      await f.staking.connect(f.alice).stake(opg(100n));
      await f.staking.connect(f.admin).grantRole(f.roles.pauser, f.stranger.address);
      await expect(f.staking.connect(f.stranger).pause()).to.emit(f.staking, "Paused").withArgs(f.stranger.address);
      expect(await f.staking.paused()).to.equal(true);
      await expect(f.staking.connect(f.admin).pause()).to.be.revertedWithCustomError(f.staking, "EnforcedPause");
      await expect(f.staking.connect(f.bob).stake(opg(1n))).to.be.revertedWithCustomError(f.staking, "EnforcedPause");
      await expect(
        f.staking.connect(f.carol).delegate(f.alice.address, opg(1n), ANY_CUT),
      ).to.be.revertedWithCustomError(f.staking, "EnforcedPause");
      // The cut and the claims are not new activity.
      await f.staking.connect(f.alice).setDelegationCut(10n);
    });

    it("unpauses: it emits Unpaused and stake works again; unpausing twice reverts ExpectedPause", async function () {
      const f = await loadFixture(deployStakingFixture);
      await f.staking.connect(f.admin).pause();
      await expect(f.staking.connect(f.admin).unpause()).to.emit(f.staking, "Unpaused").withArgs(f.admin.address);
      expect(await f.staking.paused()).to.equal(false);
      await expect(f.staking.connect(f.admin).unpause()).to.be.revertedWithCustomError(f.staking, "ExpectedPause");
      await stakeAndCheck(f, f.alice, opg(1n));
      await delegateAndCheck(f, f.carol, f.alice.address, opg(1n));
    });
  });
});
