/*
Staking (invariants)
├── random sequences of 10 to 25 actions by 3 operators and 4 delegators: stake, delegate (with a random highest
│   accepted cut), unstake, undelegate, withdraw (every thawed request in the window of oldest ids, in any order),
│   claim, lock (the slasher adds a pending slash of up to maxSlashPpm of the slashable stake, however much already
│   pends), unlock (up to, or a wei beyond, what pends), slash (lock then slash, or slash out of the pending slashes
│   already there), advance time (1 s to 30 days), set the thawing period (1 to 28 days: requests thaw out of order),
│   set cut (always scheduled), apply cut, and node fees (the fee source sends the tokens, then creditFees); inputs
│   are bounded to their valid ranges (fractions of what is held, up to the slash bound), and an action whose
│   preconditions fail (read from the views) is sent anyway and must revert with its custom error and arguments
│   (StakingCutAboveAccepted, StakingStakeLocked, StakingNotLocked, StakingSlashTooLarge included); after every
│   action:
│   ├── every token is accounted for: balanceOf(staking) >= and, with no donations, == totalActiveStake +
│   │   totalThawingStake + REWARDS_TOTAL + feesDistributed - rewardsClaimed (rounding dust stays in the pools)
│   ├── totalActiveStake == Σ activeStakeOf(operator), and each activeStakeOf == ownActive + delegated.tokens ==
│   │   Σ stakeOf; slashableStakeOf == own and delegated, active and thawing
│   ├── locks: pendingSlashOf(operator) == Σ locks - unlocks - slashes (ghost); lockedStakeOf(operator) ==
│   │   min(pendingSlashOf, slashableStakeOf), so always <= slashableStakeOf, even after a slash swept dust
│   ├── totalThawingStake == Σ ownThawing.tokens + delegatedThawing.tokens
│   ├── pools: Σ thaw request values of an operator's own queue == ownThawing.tokens; Σ delegation shares ==
│   │   delegated.shares; Σ delegation values <= delegated.tokens and Σ delegators' thaw request values <=
│   │   delegatedThawing.tokens, each short by less than a wei per position
│   ├── rewards: rewardsClaimed <= rewardsAllocated + feesDistributed (claims include fees); rewardsAllocated <=
│   │   rewardsEmittedAt(now); rewardsAllocated + rewardsUnallocated == rewardsEmittedAt(lastRewardUpdate);
│   │   rewardsClaimed + Σ claimable == what the stream allocated up to now + feesDistributed, short only by
│   │   rounding dust (a few wei per action)
│   ├── accounts (ghost totals): no account withdraws more than it deposited; withdrawn + what it still holds
│   │   (active and thawing) <= deposited, with equality while nothing was slashed; Σ claims == rewardsClaimed
│   ├── slashes: the challenger gets at most 50% of the operator's own part; supply: totalSupply == genesis supply
│   │   - Σ burned, so it never goes up; the challenger holds Σ its shares; feesDistributed == Σ fees credited
│   └── withdrawals: what is paid matches thawRequestsOf (exactly for a prefix, within a wei per request out of
│       order), capped by what the lock leaves free (own active + own thawing − lock for the operator, slashable −
│       lock for a delegator), out of part of a request if need be (StakeWithdrawn counts the whole ones); it
│       reverts only for the lock, when (next to) nothing is free (StakingStakeLocked(min(pending, slashable
│       before), holding)), and one that succeeds leaves the lock covered
├── the same, after a prefix that reaches every new path each time: a delegation above the accepted cut, an
│   operator's withdrawal cut to what the lock leaves free (part of a request), then held back by it, a
│   delegator's let through under it, a slash out of the lock, a newer request withdrawn before an older one
├── the same, after pending slashes beyond the slashable stake (eleven locks of 10%): the delegator's and the
│   operator's withdrawals held back, the delegator's let through once half is released, a slash out of them
└── the same, with slashes that would leave 1 to 3 wei in an own thawing pool (the dust is swept)
*/

import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { ContractTransactionResponse } from "ethers";
import fc from "fast-check";

import { OPG__factory, Staking__factory } from "../../typechain-types";
import type { Staking } from "../../typechain-types";
import { opg } from "../../deploy/lib/format";

const DAY = 86_400n;
const MONTH = 2_629_800n;
const REWARDS_TOTAL = opg(100_000_000n);
const REWARDS_DURATION = 96n * MONTH;
const GENESIS_SUPPLY = opg(1_000_000_000n);
const PPM = 1_000_000n;
const FUNDS = opg(10_000_000n);
const GAS = 2_000_000n;
const PENDING = { blockTag: "pending" } as const;
const NUM_RUNS = Number(process.env.STAKING_INVARIANT_RUNS ?? 30);
const { ZeroAddress, MaxUint256 } = ethers;

/** What the fixture stakes and delegates before every run, so that runs start with something to act on. */
const SEED = { operator0: opg(10_000n), operator1: opg(2_000n), delegator0To0: opg(5_000n) };

/*//////////////////////////////////////////////////////////////////////////
                                    FIXTURE
//////////////////////////////////////////////////////////////////////////*/

async function deployInvariantFixture() {
  const signers = await ethers.getSigners();
  const [admin, slasher, challenger] = signers;
  const operators = signers.slice(3, 6);
  const delegators = signers.slice(6, 10);
  // Stands in for the payments escrow: it sends node fees to staking and credits them.
  const feeSource = signers[10];
  const token = await new OPG__factory(admin).deploy(admin.address);
  const rewardsStart = BigInt(await time.latest()) + 1n;
  const staking = await new Staking__factory(admin).deploy(
    await token.getAddress(),
    admin.address,
    REWARDS_TOTAL,
    rewardsStart,
    REWARDS_DURATION,
  );
  const stakingAddress = await staking.getAddress();
  await token.connect(admin).transfer(stakingAddress, REWARDS_TOTAL);
  for (const s of [...operators, ...delegators]) {
    await token.connect(admin).transfer(s.address, FUNDS);
    await token.connect(s).approve(stakingAddress, MaxUint256);
  }
  await token.connect(admin).transfer(feeSource.address, FUNDS);
  // The slasher stands in for the proof registry, which locks and slashes.
  await staking.connect(admin).setProtocolContracts(slasher.address, feeSource.address);
  // Short delays (within their bounds), so that thaws end and cut changes come due within a sequence.
  await staking.connect(admin).setThawingPeriod(2n * DAY);
  await staking.connect(admin).setCutChangeDelay(DAY);

  await staking.connect(operators[0]).stake(SEED.operator0);
  await staking.connect(operators[1]).stake(SEED.operator1);
  await staking.connect(delegators[0]).delegate(operators[0].address, SEED.delegator0To0, PPM);
  return {
    token,
    staking,
    stakingAddress,
    admin,
    slasher,
    feeSource,
    challenger,
    operators,
    delegators,
    /** Operators first, then delegators: the index of an account in the ghost totals. */
    accounts: [...operators, ...delegators],
  };
}

type Fixture = Awaited<ReturnType<typeof deployInvariantFixture>>;

/*//////////////////////////////////////////////////////////////////////////
                                GHOSTS AND ACTIONS
//////////////////////////////////////////////////////////////////////////*/

/** Totals kept beside the contract, per account (index into `accounts`) and overall. */
interface Ghosts {
  deposited: bigint[];
  withdrawn: bigint[];
  claimed: bigint[];
  burned: bigint;
  toChallenger: bigint;
  fees: bigint;
  /** Per operator: the pending slashes, what locks added less what unlocks and slashes removed. */
  pending: bigint[];
  slashes: number;
  supply: bigint;
  steps: number;
}

function freshGhosts(): Ghosts {
  return {
    deposited: [SEED.operator0, SEED.operator1, 0n, SEED.delegator0To0, 0n, 0n, 0n],
    withdrawn: Array(7).fill(0n),
    claimed: Array(7).fill(0n),
    burned: 0n,
    toChallenger: 0n,
    fees: 0n,
    pending: [0n, 0n, 0n],
    slashes: 0,
    supply: GENESIS_SUPPLY,
    steps: 0,
  };
}

type Action =
  | { kind: "stake"; op: number; amount: bigint }
  | { kind: "delegate"; d: number; op: number; amount: bigint; maxCut: bigint }
  | { kind: "unstake"; op: number; fraction: bigint }
  | { kind: "undelegate"; d: number; op: number; pick: number | null; fraction: bigint }
  | { kind: "withdraw"; account: number; op: number; pick: number | null; wait: boolean; maxRequests: bigint }
  | { kind: "claim"; account: number; op: number; pick: number | null }
  | { kind: "slash"; op: number; fraction: bigint; leave: bigint | null; challenger: boolean; fromLock: boolean }
  | { kind: "lock"; op: number; fraction: bigint }
  | { kind: "unlock"; op: number; fraction: bigint; over: boolean }
  | { kind: "advance"; seconds: bigint }
  | { kind: "thawingPeriod"; days: bigint }
  | { kind: "setCut"; op: number; cut: bigint }
  | { kind: "applyCut"; op: number; pick: number | null; wait: boolean }
  | { kind: "fees"; op: number; amount: bigint };

const op = fc.integer({ min: 0, max: 2 });
const delegator = fc.integer({ min: 0, max: 3 });
const account = fc.integer({ min: 0, max: 6 });
/** Mostly whole OPG amounts, sometimes dust below one OPG (below the minimum delegation). */
const amount = fc.oneof(
  { weight: 1, arbitrary: fc.bigInt({ min: 1n, max: opg(1n) }) },
  { weight: 5, arbitrary: fc.bigInt({ min: opg(1n), max: opg(50_000n) }) },
);
/** A fraction in parts per million of what is held; PPM (all of it) is common. */
const fraction = fc.oneof(fc.constant(PPM), fc.bigInt({ min: 1n, max: PPM }));
/**
 * Which existing position an action aims at (an index, taken modulo the positions there are), so that undelegate,
 * withdraw and claim mostly act on something; null (one time in eight) keeps the random account and operator, which
 * mostly hold nothing and must revert.
 */
const pick = fc.option(fc.nat(), { freq: 8 });
const seconds = fc.oneof(
  fc.bigInt({ min: 1n, max: 3_600n }),
  fc.bigInt({ min: 1n, max: 3n * DAY }),
  fc.bigInt({ min: 1n, max: 30n * DAY }),
);

/**
 * The actions. `leave` aims some slashes at the operator's own stake: all of it but `leave` wei of its own thawing
 * pool (0 empties the pool and starts a new epoch), when the slash bound allows it.
 */
const actionsWith = (leave: fc.Arbitrary<bigint | null>): fc.Arbitrary<Action> =>
  fc.oneof(
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("stake" as const), op, amount }) },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant("delegate" as const),
        d: delegator,
        op,
        amount,
        // Mostly any cut; now and then a bound that the cut (or a scheduled raise) may exceed.
        maxCut: fc.oneof(
          { weight: 2, arbitrary: fc.constant(PPM) },
          { weight: 1, arbitrary: fc.constant(0n) },
          { weight: 1, arbitrary: fc.bigInt({ min: 0n, max: PPM }) },
        ),
      }),
    },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant("unstake" as const), op, fraction }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant("undelegate" as const), d: delegator, op, pick, fraction }) },
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant("withdraw" as const),
        account,
        op,
        pick,
        wait: fc.boolean(),
        maxRequests: fc.bigInt({ min: 0n, max: 3n }),
      }),
    },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("claim" as const), account, op, pick }) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant("slash" as const),
        op,
        fraction,
        leave,
        challenger: fc.boolean(),
        // Slash out of the locks already held (a challenge decided later) rather than lock and slash at once.
        fromLock: fc.boolean(),
      }),
    },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("lock" as const), op, fraction }) },
    {
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant("unlock" as const), op, fraction, over: fc.boolean() }),
    },
    { weight: 4, arbitrary: fc.record({ kind: fc.constant("advance" as const), seconds }) },
    // The admin changes the thawing period: requests made after a shortening thaw before older ones.
    {
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant("thawingPeriod" as const), days: fc.bigInt({ min: 1n, max: 28n }) }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant("setCut" as const),
        op,
        // Now and then above 100%, which must revert.
        cut: fc.oneof({ weight: 9, arbitrary: fc.bigInt({ min: 0n, max: PPM }) }, fc.constant(PPM + 1n)),
      }),
    },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("applyCut" as const), op, pick, wait: fc.boolean() }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("fees" as const), op, amount }) },
  );
const action = actionsWith(fc.option(fc.constant(0n), { freq: 3 }));
/** Slashes that also leave 1 to 3 wei in the own thawing pool (see the skipped property below). */
const actionLeavingDust = actionsWith(fc.option(fc.bigInt({ min: 0n, max: 3n }), { freq: 2 }));

/*//////////////////////////////////////////////////////////////////////////
                                    HELPERS
//////////////////////////////////////////////////////////////////////////*/

const sum = (xs: readonly bigint[]) => xs.reduce((a, b) => a + b, 0n);

/** An operator's stake without its reward books, which every action settles. */
function stakeFields(o: Awaited<ReturnType<Staking["getOperator"]>>) {
  return {
    ownActive: o.ownActive,
    cutPpm: o.cutPpm,
    pendingCutPpm: o.pendingCutPpm,
    pendingCutAt: o.pendingCutAt,
    staked: o.staked,
    ownThawing: [o.ownThawing.tokens, o.ownThawing.shares],
    delegated: [o.delegated.tokens, o.delegated.shares],
    delegatedThawing: [o.delegatedThawing.tokens, o.delegatedThawing.shares],
    ownThawingEpoch: o.ownThawingEpoch,
    delegatedThawingEpoch: o.delegatedThawingEpoch,
  };
}

/** Every (account, operator) pair that can hold a position: each operator with itself, each delegator with each. */
const PAIRS: [number, number][] = [
  ...[0, 1, 2].map((i): [number, number] => [i, i]),
  ...[3, 4, 5, 6].flatMap((d) => [0, 1, 2].map((o): [number, number] => [d, o])),
];

/** The pair `pick` chooses among those that pass `has`, or the action's own pair when there is none or no pick. */
async function choose(
  f: Fixture,
  pick: number | null,
  own: [number, number],
  has: (account: string, operator: string) => Promise<boolean>,
): Promise<[number, number]> {
  if (pick === null) return own;
  const found = await Promise.all(PAIRS.map(([a, o]) => has(f.accounts[a].address, f.operators[o].address)));
  const candidates = PAIRS.filter((_, i) => found[i]);
  return candidates.length === 0 ? own : candidates[pick % candidates.length];
}

/** A transaction that the preconditions say must fail: mined at the set time, reverting with `error(args)`. */
async function expectRevert(
  f: Fixture,
  tx: Promise<ContractTransactionResponse>,
  error: string,
  args: unknown[],
  what: string,
) {
  await expect(tx, what)
    .to.be.revertedWithCustomError(f.staking, error)
    .withArgs(...args);
}

/**
 * lockStake by the slasher of operator `op`, asserting the custom error its preconditions predict, or that it adds
 * the whole amount to the pending slashes, however much already pends (StakeLocked(operator, amount, pending)), and
 * returns it. Returns the pending slashes after it, or null when it reverted.
 */
async function lock(f: Fixture, g: Ghosts, op: number, amount: bigint, label: string): Promise<bigint | null> {
  const { staking } = f;
  const operator = f.operators[op].address;
  const gas = { gasLimit: GAS };
  const slashable = await staking.slashableStakeOf(operator);
  const maximum = (slashable * (await staking.maxSlashPpm())) / PPM;
  if (amount === 0n) {
    await expectRevert(f, staking.connect(f.slasher).lockStake(operator, 0n, gas), "StakingZeroAmount", [], label);
    return null;
  }
  if (amount > maximum) {
    await expectRevert(
      f,
      staking.connect(f.slasher).lockStake(operator, amount, gas),
      "StakingSlashTooLarge",
      [amount, maximum],
      label,
    );
    return null;
  }
  const pending = (await staking.pendingSlashOf(operator)) + amount;
  expect(await staking.connect(f.slasher).lockStake.staticCall(operator, amount, PENDING), label).to.equal(amount);
  await expect(staking.connect(f.slasher).lockStake(operator, amount), label)
    .to.emit(staking, "StakeLocked")
    .withArgs(operator, amount, pending);
  g.pending[op] = pending;
  return pending;
}

/**
 * Runs one action at the next second (advance mines a later block instead), asserting what it must do: the event
 * with its values, or the custom error its preconditions predict; updates the ghosts. Returns a label.
 */
async function run(f: Fixture, g: Ghosts, a: Action): Promise<string> {
  const { staking, token } = f;
  if (a.kind === "advance") {
    await time.increase(a.seconds);
    return `advance ${a.seconds} s`;
  }
  if (a.kind === "thawingPeriod") {
    await staking.connect(f.admin).setThawingPeriod(a.days * DAY);
    return `thawing period ${a.days} days`;
  }
  let t = BigInt(await time.latest()) + 1n;
  await time.setNextBlockTimestamp(t);
  /** Moves the action later, to `until`, as a staker waiting for its thaw (or a keeper for a cut) would. */
  const waitUntil = async (until: bigint) => {
    if (until <= t) return;
    t = until;
    await time.setNextBlockTimestamp(t);
  };
  const gas = { gasLimit: GAS };
  const minimum = await staking.minimumDelegation();

  switch (a.kind) {
    case "stake": {
      const operator = f.operators[a.op];
      const balance = await token.balanceOf(operator.address);
      await expect(staking.connect(operator).stake(a.amount))
        .to.emit(staking, "StakeDeposited")
        .withArgs(operator.address, a.amount);
      expect(await token.balanceOf(operator.address)).to.equal(balance - a.amount);
      g.deposited[a.op] += a.amount;
      return `operator ${a.op} stakes ${a.amount}`;
    }

    case "delegate": {
      const who = f.delegators[a.d];
      const operator = f.operators[a.op].address;
      const label = `delegator ${a.d} delegates ${a.amount} to operator ${a.op}`;
      const o = await staking.getOperator(operator);
      if (a.amount < minimum) {
        await expectRevert(
          f,
          staking.connect(who).delegate(operator, a.amount, a.maxCut, gas),
          "StakingDelegationTooSmall",
          [a.amount, minimum],
          label,
        );
        return `${label}: too small`;
      }
      if (!o.staked) {
        await expectRevert(
          f,
          staking.connect(who).delegate(operator, a.amount, a.maxCut, gas),
          "StakingNotOperator",
          [operator],
          label,
        );
        return `${label}: not an operator`;
      }
      // The highest of the cut in force and a scheduled raise must be accepted.
      const cut = o.pendingCutAt !== 0n && o.pendingCutPpm > o.cutPpm ? o.pendingCutPpm : o.cutPpm;
      if (cut > a.maxCut) {
        await expectRevert(
          f,
          staking.connect(who).delegate(operator, a.amount, a.maxCut, gas),
          "StakingCutAboveAccepted",
          [cut, a.maxCut],
          label,
        );
        return `${label}: cut ${cut} above ${a.maxCut}`;
      }
      const shares = o.delegated.shares === 0n ? a.amount : (a.amount * o.delegated.shares) / o.delegated.tokens;
      const balance = await token.balanceOf(who.address);
      await expect(staking.connect(who).delegate(operator, a.amount, a.maxCut), label)
        .to.emit(staking, "StakeDelegated")
        .withArgs(who.address, operator, a.amount, shares);
      expect(await token.balanceOf(who.address)).to.equal(balance - a.amount);
      g.deposited[3 + a.d] += a.amount;
      return label;
    }

    case "unstake": {
      const operator = f.operators[a.op];
      const active = (await staking.getOperator(operator.address)).ownActive;
      const value = a.fraction === PPM ? active : (active * a.fraction) / PPM;
      const label = `operator ${a.op} unstakes ${value} of ${active}`;
      if (value === 0n) {
        await expectRevert(f, staking.connect(operator).unstake(value, gas), "StakingZeroAmount", [], label);
        return `${label}: zero`;
      }
      if (value < minimum && value !== active) {
        await expectRevert(
          f,
          staking.connect(operator).unstake(value, gas),
          "StakingThawTooSmall",
          [value, minimum],
          label,
        );
        return `${label}: too small`;
      }
      const balance = await token.balanceOf(operator.address);
      await expect(staking.connect(operator).unstake(value), label)
        .to.emit(staking, "ThawRequested")
        .withArgs(operator.address, operator.address, anyValue, value, anyValue, t + (await staking.thawingPeriod()));
      expect(await token.balanceOf(operator.address)).to.equal(balance);
      return label;
    }

    case "undelegate": {
      const [d, o0] = await choose(
        f,
        a.pick,
        [3 + a.d, a.op],
        async (acc, operator) => acc !== operator && (await staking.getDelegation(operator, acc))[0] > 0n,
      );
      const [dIndex, opIndex] = [d - 3, o0];
      const who = f.delegators[dIndex];
      const operator = f.operators[opIndex].address;
      const o = await staking.getOperator(operator);
      const [held] = await staking.getDelegation(operator, who.address);
      const shares = a.fraction === PPM ? held : (held * a.fraction) / PPM;
      const label = `delegator ${dIndex} undelegates ${shares} of ${held} shares from operator ${opIndex}`;
      if (shares === 0n) {
        await expectRevert(f, staking.connect(who).undelegate(operator, shares, gas), "StakingZeroAmount", [], label);
        return `${label}: zero`;
      }
      const value = (shares * o.delegated.tokens) / o.delegated.shares;
      if (value < minimum && shares !== held) {
        await expectRevert(
          f,
          staking.connect(who).undelegate(operator, shares, gas),
          "StakingThawTooSmall",
          [value, minimum],
          label,
        );
        return `${label}: too small`;
      }
      await expect(staking.connect(who).undelegate(operator, shares), label)
        .to.emit(staking, "ThawRequested")
        .withArgs(who.address, operator, anyValue, value, anyValue, t + (await staking.thawingPeriod()));
      return label;
    }

    case "withdraw": {
      const [accountIndex, opIndex] = await choose(
        f,
        a.pick,
        [a.account, a.op],
        async (acc, operator) => (await staking.thawRequestsOf(acc, operator))[0].length > 0,
      );
      const who = f.accounts[accountIndex];
      const operator = f.operators[opIndex].address;
      if (a.wait) {
        // Wait for the first request to thaw, whichever it is.
        const [ids, , untils] = await staking.thawRequestsOf(who.address, operator);
        if (ids.length > 0) await waitUntil(untils.reduce((x, y) => (y < x ? y : x)));
      }
      const [ids, amounts, until] = await staking.thawRequestsOf(who.address, operator, PENDING);
      // Every thawed request among the oldest maxRequests ids (withdrawn holes count; the head is the first open id).
      const end = ids.length === 0 ? 0n : ids[0] + a.maxRequests;
      const inWindow = [...ids].map((id) => a.maxRequests === 0n || id < end);
      const taken = inWindow.map((w, i) => w && until[i] <= t);
      const count = taken.filter(Boolean).length;
      const label = `account ${accountIndex} withdraws ${count} of ${until.length} requests from operator ${opIndex}`;
      if (count === 0) {
        const thawing = [...until].filter((u, i) => inWindow[i] && u > t);
        await expectRevert(
          f,
          staking.connect(who).withdraw(operator, a.maxRequests, gas),
          "StakingNothingThawed",
          [thawing.length > 0 ? thawing.reduce((x, y) => (y < x ? y : x)) : 0n],
          label,
        );
        return `${label}: nothing thawed`;
      }
      // thawRequestsOf values the requests in order, each after the ones before: exact for a prefix; out of order
      // the rounding of a slashed pool may move each value by a wei.
      const predicted = sum([...amounts].filter((_, i) => taken[i]));
      const prefix = taken.every((x, i) => x === i < count);
      const tolerance = prefix ? 0n : BigInt(ids.length);
      const locked = await staking.lockedStakeOf(operator);
      const o = await staking.getOperator(operator);
      const own = who.address === operator;
      // What holds the lock, before the withdrawal: the operator's own stake, or all of it; what it leaves free.
      const holding = own
        ? o.ownActive + o.ownThawing.tokens
        : o.ownActive + o.ownThawing.tokens + o.delegated.tokens + o.delegatedThawing.tokens;
      const free = locked === 0n ? predicted : holding > locked ? holding - locked : 0n;
      // The requests taken whole: in id order, until one is worth more than what is still free.
      let whole = 0;
      let acc = 0n;
      for (const [i, amount] of [...amounts].entries()) {
        if (!taken[i]) continue;
        if (acc + amount > free) break;
        acc += amount;
        whole++;
      }
      const partial = whole < count;
      // A part is taken in whole shares, rounded down: it may fall short of what is free by a little.
      const slack = tolerance + (partial ? 2n : 0n);
      const expected = predicted < free ? predicted : free;
      let paid: bigint | null = null;
      try {
        paid = await staking.connect(who).withdraw.staticCall(operator, a.maxRequests, PENDING);
      } catch {
        paid = null;
      }
      if (paid === null) {
        // Only the lock can stop a withdrawal of thawed requests, and only when it leaves (next to) nothing free.
        expect(locked > 0n && partial && free <= slack, `${label}: reverted with ${free} free`).to.equal(true);
        await expect(staking.connect(who).withdraw(operator, a.maxRequests, gas), label)
          .to.be.revertedWithCustomError(staking, "StakingStakeLocked")
          .withArgs(locked, holding);
        return `${label}: locked ${locked}`;
      }
      expect(
        paid - expected <= tolerance && expected - paid <= slack,
        `${label}: paid ${paid} of ${expected}`,
      ).to.equal(true);
      if (locked > 0n) {
        expect(holding - paid >= locked || paid === 0n, `${label}: withdrew under the lock`).to.equal(true);
      }
      const balance = await token.balanceOf(who.address);
      await expect(staking.connect(who).withdraw(operator, a.maxRequests), label)
        .to.emit(staking, "StakeWithdrawn")
        .withArgs(who.address, operator, paid, prefix ? whole : anyValue);
      expect(await token.balanceOf(who.address), label).to.equal(balance + paid);
      g.withdrawn[accountIndex] += paid;
      const under = locked > 0n ? ` under a lock of ${locked}${partial ? ", in part" : ""}` : "";
      return `${label}${prefix ? "" : " out of order"}${under}, paid ${paid}`;
    }

    case "claim": {
      const [accountIndex, opIndex] = await choose(
        f,
        a.pick,
        [a.account, a.op],
        async (acc, operator) => (await staking.claimableRewards(acc, operator, PENDING)) > 0n,
      );
      const who = f.accounts[accountIndex];
      const operator = f.operators[opIndex].address;
      const claimable = await staking.claimableRewards(who.address, operator, PENDING);
      const label = `account ${accountIndex} claims ${claimable} from operator ${opIndex}`;
      if (claimable === 0n) {
        await expectRevert(
          f,
          staking.connect(who).claimRewards(operator, gas),
          "StakingNoRewards",
          [who.address, operator],
          label,
        );
        return `${label}: nothing`;
      }
      const balance = await token.balanceOf(who.address);
      await expect(staking.connect(who).claimRewards(operator), label)
        .to.emit(staking, "RewardsClaimed")
        .withArgs(who.address, operator, claimable);
      expect(await token.balanceOf(who.address), label).to.equal(balance + claimable);
      g.claimed[accountIndex] += claimable;
      return label;
    }

    case "lock": {
      const operator = f.operators[a.op].address;
      const slashable = await staking.slashableStakeOf(operator);
      const maximum = (slashable * (await staking.maxSlashPpm())) / PPM;
      const value = (maximum * a.fraction) / PPM;
      const label = `lock ${value} of operator ${a.op}`;
      const pending = await lock(f, g, a.op, value, label);
      if (pending === null) return `${label}: rejected`;
      return `${label}, pending ${pending}${pending > slashable ? " beyond the slashable stake" : ""}`;
    }

    case "unlock": {
      const operator = f.operators[a.op].address;
      const pending = await staking.pendingSlashOf(operator);
      const value = a.over ? pending + 1n : (pending * a.fraction) / PPM;
      const label = `unlock ${value} of operator ${a.op}`;
      if (value > pending) {
        await expectRevert(
          f,
          staking.connect(f.slasher).unlockStake(operator, value, gas),
          "StakingNotLocked",
          [pending, value],
          label,
        );
        return `${label}: more than pending`;
      }
      await expect(staking.connect(f.slasher).unlockStake(operator, value), label)
        .to.emit(staking, "StakeUnlocked")
        .withArgs(operator, value, pending - value);
      g.pending[a.op] = pending - value;
      return label;
    }

    case "slash": {
      const operator = f.operators[a.op].address;
      const challenger = a.challenger ? f.challenger.address : ZeroAddress;
      const slashable = await staking.slashableStakeOf(operator);
      const label = `slash operator ${a.op}`;
      let value: bigint;
      const held = await staking.pendingSlashOf(operator);
      const fromLock = a.fromLock && held > 0n;
      if (fromLock) {
        // A challenge decided later: part of what pends already, whatever other slashes took since.
        value = a.fraction === PPM ? held : (held * a.fraction) / PPM;
        if (value === 0n) {
          await expectRevert(
            f,
            staking.connect(f.slasher).slash(operator, 0n, challenger, gas),
            "StakingZeroAmount",
            [],
            label,
          );
          return `${label}: zero`;
        }
      } else {
        const maximum = (slashable * (await staking.maxSlashPpm())) / PPM;
        let wanted = (maximum * a.fraction) / PPM;
        if (a.leave !== null) {
          const o = await staking.getOperator(operator);
          const own = o.ownActive + o.ownThawing.tokens;
          if (o.ownThawing.tokens > a.leave && own - a.leave <= maximum) wanted = own - a.leave;
        }
        if ((await lock(f, g, a.op, wanted, label)) === null) return `${label}: lock rejected`;
        value = wanted;
        // The lock moved the block on: the slash comes a second later.
        t = BigInt(await time.latest()) + 1n;
        await time.setNextBlockTimestamp(t);
      }
      const before = stakeFields(await staking.getOperator(operator));
      const others = await Promise.all(
        f.operators.filter((o) => o.address !== operator).map(async (o) => stakeFields(await staking.getOperator(o))),
      );
      const shares = await Promise.all(f.delegators.map(async (d) => (await staking.getDelegation(operator, d))[0]));
      const pendingBefore = await staking.pendingSlashOf(operator);
      // At most what is slashable now (other slashes may have taken it, or swept more than their amount).
      let rest = value < slashable ? value : slashable;
      // The order: own active, own thawing, then delegated active and thawing pro rata.
      const fromOwnActive = rest < before.ownActive ? rest : before.ownActive;
      rest -= fromOwnActive;
      const ownThawingTake = rest < before.ownThawing[0] ? rest : before.ownThawing[0];
      rest -= ownThawingTake;
      // A pool the slash would leave under 1e-9 token per share loses its dust too.
      const swept = ([tokens, shares]: bigint[], take: bigint) =>
        take > 0n && (tokens - take) * 1_000_000_000n < shares ? tokens : take;
      const fromOwnThawing = swept(before.ownThawing, ownThawingTake);
      const [dTokens] = before.delegated;
      const [dtTokens] = before.delegatedThawing;
      const fromDelegated = rest > 0n ? (rest * dTokens) / (dTokens + dtTokens) : 0n;
      const fromDelegatedThawing = swept(before.delegatedThawing, rest - fromDelegated);
      // The challenger is paid out of the operator's own stake only.
      const toChallenger = a.challenger
        ? ((fromOwnActive + fromOwnThawing) * (await staking.challengerSharePpm())) / PPM
        : 0n;
      const taken = fromOwnActive + fromOwnThawing + fromDelegated + fromDelegatedThawing;
      const burned = taken - toChallenger;

      const tx = staking.connect(f.slasher).slash(operator, value, challenger);
      await expect(tx, label)
        .to.emit(staking, "StakeUnlocked")
        .withArgs(operator, value, pendingBefore - value);
      if (taken === 0n) await expect(tx, label).not.to.emit(staking, "StakeSlashed");
      else
        await expect(tx, label)
          .to.emit(staking, "StakeSlashed")
          .withArgs(
            operator,
            challenger,
            fromOwnActive,
            fromOwnThawing,
            fromDelegated,
            fromDelegatedThawing,
            burned,
            toChallenger,
          );
      expect(toChallenger * PPM <= 500_000n * (fromOwnActive + fromOwnThawing), `${label}: challenger`).to.equal(true);
      // No one else loses anything: other operators, and the delegators' shares, are untouched.
      const after = await Promise.all(
        f.operators.filter((o) => o.address !== operator).map(async (o) => stakeFields(await staking.getOperator(o))),
      );
      expect(after, `${label}: other operators`).to.deep.equal(others);
      expect(
        await Promise.all(f.delegators.map(async (d) => (await staking.getDelegation(operator, d))[0])),
        `${label}: shares`,
      ).to.deep.equal(shares);
      g.burned += burned;
      g.toChallenger += toChallenger;
      g.pending[a.op] = pendingBefore - value;
      g.slashes++;
      return `${label}${fromLock ? " out of its lock" : ""} by ${value} of ${slashable}, took ${taken}`;
    }

    case "setCut": {
      const operator = f.operators[a.op];
      const o = await staking.getOperator(operator.address);
      const label = `operator ${a.op} sets its cut to ${a.cut}`;
      if (a.cut > PPM) {
        await expectRevert(
          f,
          staking.connect(operator).setDelegationCut(a.cut, gas),
          "StakingInvalidCut",
          [a.cut],
          label,
        );
        return `${label}: invalid`;
      }
      if (!o.staked) {
        await expectRevert(
          f,
          staking.connect(operator).setDelegationCut(a.cut, gas),
          "StakingNotOperator",
          [operator.address],
          label,
        );
        return `${label}: not an operator`;
      }
      // Always scheduled, with or without delegators; never applied at once.
      const tx = staking.connect(operator).setDelegationCut(a.cut);
      await expect(tx, label)
        .to.emit(staking, "DelegationCutScheduled")
        .withArgs(operator.address, o.cutPpm, a.cut, t + (await staking.cutChangeDelay()));
      await expect(tx, label).not.to.emit(staking, "DelegationCutSet");
      return `${label} (scheduled)`;
    }

    case "fees": {
      const operator = f.operators[a.op].address;
      const label = `fees of ${a.amount} to operator ${a.op}`;
      // As the payments escrow does in one transaction: send the tokens, credit them. They join the operator's
      // stream: what it had not released by this second, plus this payment, over a new period.
      await token.connect(f.feeSource).transfer(f.stakingAddress, a.amount);
      t = BigInt(await time.latest()) + 1n;
      await time.setNextBlockTimestamp(t);
      const streamingBefore = await staking.feesStreamingOf(operator, { blockTag: "pending" });
      await expect(staking.connect(f.feeSource).creditFees(operator, a.amount), label)
        .to.emit(staking, "FeesCredited")
        .withArgs(operator, a.amount, streamingBefore + a.amount, t + (await staking.FEE_STREAM_PERIOD()));
      g.fees += a.amount;
      return label;
    }

    case "applyCut": {
      // Aim at an operator with a change scheduled, when there is one.
      const scheduled = await Promise.all(
        f.operators.map(async (o) => (await staking.getOperator(o)).pendingCutAt !== 0n),
      );
      const candidates = [0, 1, 2].filter((i) => scheduled[i]);
      const opIndex = a.pick === null || candidates.length === 0 ? a.op : candidates[a.pick % candidates.length];
      const operator = f.operators[opIndex].address;
      const o = await staking.getOperator(operator);
      if (a.wait) await waitUntil(o.pendingCutAt);
      const label = `apply the cut of operator ${opIndex}`;
      if (o.pendingCutAt === 0n || o.pendingCutAt > t) {
        await expectRevert(
          f,
          staking.connect(f.delegators[0]).applyDelegationCut(operator, gas),
          "StakingCutNotDue",
          [o.pendingCutAt],
          label,
        );
        return `${label}: not due`;
      }
      await expect(staking.connect(f.delegators[0]).applyDelegationCut(operator), label)
        .to.emit(staking, "DelegationCutSet")
        .withArgs(operator, o.cutPpm, o.pendingCutPpm);
      return label;
    }
  }
}

/** Every invariant of the tree above, at the latest block. */
async function checkInvariants(f: Fixture, g: Ghosts, label: string) {
  const { staking, token, stakingAddress } = f;
  const m = (what: string) => `after step ${g.steps} (${label}): ${what}`;
  const now = BigInt(await time.latest());
  const [held, active, thawing, claimed, allocated, unallocated, last, supply, challengerBalance, fees] =
    await Promise.all([
      token.balanceOf(stakingAddress),
      staking.totalActiveStake(),
      staking.totalThawingStake(),
      staking.rewardsClaimed(),
      staking.rewardsAllocated(),
      staking.rewardsUnallocated(),
      staking.lastRewardUpdate(),
      token.totalSupply(),
      token.balanceOf(f.challenger.address),
      staking.feesDistributed(),
    ]);
  const [emittedNow, emittedLast] = await Promise.all([staking.rewardsEmittedAt(now), staking.rewardsEmittedAt(last)]);

  // Every token is somewhere: at least (the contract's own accounting) and, with no donations, exactly.
  expect(held >= active + thawing + REWARDS_TOTAL + fees - claimed, m("balance >= what staking owes")).to.equal(true);
  expect(held, m("balance == active + thawing + unclaimed rewards and fees")).to.equal(
    active + thawing + REWARDS_TOTAL + fees - claimed,
  );
  expect(fees, m("feesDistributed == Σ fees paid in")).to.equal(g.fees);

  // Totals equal the sums of the pools.
  const operators = f.operators.map((o) => o.address);
  const [books, activeStakes] = await Promise.all([
    Promise.all(operators.map((o) => staking.getOperator(o))),
    Promise.all(operators.map((o) => staking.activeStakeOf(o))),
  ]);
  books.forEach((o, i) =>
    expect(activeStakes[i], m(`activeStakeOf(operator ${i})`)).to.equal(o.ownActive + o.delegated.tokens),
  );
  expect(active, m("totalActiveStake == Σ activeStakeOf")).to.equal(sum(activeStakes));

  // Locks: the pending slashes, up to the slashable stake: never more than it, even after a slash swept dust.
  const [locks, pendings, slashables, stakes] = await Promise.all([
    Promise.all(operators.map((o) => staking.lockedStakeOf(o))),
    Promise.all(operators.map((o) => staking.pendingSlashOf(o))),
    Promise.all(operators.map((o) => staking.slashableStakeOf(o))),
    Promise.all(operators.map((o) => staking.stakeOf(o))),
  ]);
  books.forEach((o, i) => {
    expect(slashables[i], m(`slashableStakeOf(operator ${i})`)).to.equal(
      o.ownActive + o.ownThawing.tokens + o.delegated.tokens + o.delegatedThawing.tokens,
    );
    expect(pendings[i], m(`pendingSlashOf(operator ${i}) == Σ locks - unlocks - slashes`)).to.equal(g.pending[i]);
    expect(locks[i], m(`lockedStakeOf(operator ${i}) == min(pending, slashable)`)).to.equal(
      pendings[i] < slashables[i] ? pendings[i] : slashables[i],
    );
    expect(locks[i] <= slashables[i], m(`locked ${locks[i]} <= slashable ${slashables[i]}`)).to.equal(true);
    expect([...stakes[i]], m(`stakeOf(operator ${i})`)).to.deep.equal([o.ownActive, o.delegated.tokens]);
  });
  expect(thawing, m("totalThawingStake == Σ thawing pools")).to.equal(
    sum(books.map((o) => o.ownThawing.tokens + o.delegatedThawing.tokens)),
  );

  // Pools: what the positions are worth never exceeds what the pool holds.
  const holdings: bigint[] = Array(7).fill(0n);
  let claimable = 0n;
  const views = await Promise.all(
    operators.map(async (operator) => {
      const [own, ownClaimable, delegations, requests] = await Promise.all([
        staking.thawRequestsOf(operator, operator),
        staking.claimableRewards(operator, operator),
        Promise.all(f.delegators.map((d) => staking.getDelegation(operator, d))),
        Promise.all(f.delegators.map((d) => staking.thawRequestsOf(d, operator))),
      ]);
      return { ownAmounts: [...own[1]], ownClaimable, delegations, requests };
    }),
  );
  for (const [i, { ownAmounts, ownClaimable, delegations, requests }] of views.entries()) {
    const o = books[i];
    expect(sum(ownAmounts), m(`own thaw requests of operator ${i} == ownThawing.tokens`)).to.equal(o.ownThawing.tokens);
    holdings[i] += o.ownActive + sum(ownAmounts);
    claimable += ownClaimable;

    expect(sum(delegations.map(([shares]) => shares)), m(`Σ shares of operator ${i}`)).to.equal(o.delegated.shares);
    const delegatedWorth = sum(delegations.map(([, tokens]) => tokens));
    expect(delegatedWorth <= o.delegated.tokens, m(`Σ delegations of operator ${i} <= pool`)).to.equal(true);
    expect(o.delegated.tokens - delegatedWorth < 4n, m(`pool of operator ${i} short by dust only`)).to.equal(true);
    const thawingWorth = sum(requests.map(([, amounts]) => sum([...amounts])));
    const openRequests = sum(requests.map(([ids]) => BigInt(ids.length)));
    expect(thawingWorth <= o.delegatedThawing.tokens, m(`Σ thaw requests of operator ${i} <= pool`)).to.equal(true);
    expect(
      o.delegatedThawing.tokens - thawingWorth <= openRequests,
      m(`delegated thawing pool of operator ${i} short by dust only`),
    ).to.equal(true);
    delegations.forEach(([, tokens, rewards], d) => {
      holdings[3 + d] += tokens + sum([...requests[d][1]]);
      claimable += rewards;
    });
  }

  // Rewards never exceed what the stream emitted, and what it allocated (and the fees) reach the stakers up to
  // rounding.
  // rewardsClaimed counts the fees paid out too.
  expect(claimed <= allocated + fees, m("rewardsClaimed <= rewardsAllocated + feesDistributed")).to.equal(true);
  expect(allocated <= emittedNow, m("rewardsAllocated <= rewardsEmittedAt(now)")).to.equal(true);
  expect(allocated + unallocated, m("allocated + unallocated == emitted at the last update")).to.equal(emittedLast);
  // Fees not yet released by the operators' fee streams are owed to no one yet.
  const streaming = sum(await Promise.all(f.operators.map((o) => f.staking.feesStreamingOf(o.address))));
  const owed = allocated + (active > 0n ? emittedNow - emittedLast : 0n) + fees - streaming;
  expect(claimed + claimable <= owed, m("claimed + claimable <= allocated + fees released")).to.equal(true);
  const dust = 4n * BigInt(g.steps + 4) + 20n;
  expect(
    owed - (claimed + claimable) <= dust,
    m(`rewards lost to rounding: ${owed - (claimed + claimable)} > ${dust}`),
  ).to.equal(true);
  expect(sum(g.claimed), m("Σ claims == rewardsClaimed")).to.equal(claimed);

  // Accounts: nobody takes out more than it put in (rewards aside).
  for (let i = 0; i < 7; i++) {
    expect(g.withdrawn[i] <= g.deposited[i], m(`account ${i} withdrew more than it deposited`)).to.equal(true);
    const total = g.withdrawn[i] + holdings[i];
    if (g.slashes === 0) expect(total, m(`account ${i}: withdrawn + held == deposited`)).to.equal(g.deposited[i]);
    else expect(total <= g.deposited[i], m(`account ${i}: withdrawn + held <= deposited`)).to.equal(true);
  }

  // Supply only goes down, by exactly the burns.
  expect(supply <= g.supply, m("totalSupply went up")).to.equal(true);
  expect(supply, m("totalSupply == genesis - Σ burned")).to.equal(GENESIS_SUPPLY - g.burned);
  expect(challengerBalance, m("challenger holds Σ its shares")).to.equal(g.toChallenger);
  g.supply = supply;
}

/*//////////////////////////////////////////////////////////////////////////
                                     TESTS
//////////////////////////////////////////////////////////////////////////*/

/** Paths of the redesign that the sequences must reach, by the label of the action. */
const PATHS: [string, RegExp][] = [
  ["withdrawal held back by a lock", /: locked \d+$/],
  ["withdrawal under a lock", /under a lock of [1-9]\d*(, in part)?, paid [1-9]/],
  ["withdrawal of part of a request under a lock", /under a lock of [1-9]\d*, in part, paid [1-9]/],
  ["delegation above the accepted cut", /: cut \d+ above \d+$/],
  ["slash out of an earlier lock", /^slash operator \d out of its lock by/],
  ["lock", /^lock .*, pending [1-9]/],
  ["pending beyond the slashable stake", /^lock .* beyond the slashable stake$/],
  ["out-of-order withdrawal", /^account \d withdraws .* out of order, paid/],
];

/**
 * Runs `numRuns` random sequences from a fresh fixture, checking every invariant after every action. Returns how
 * many actions of each kind went through (did not revert).
 */
async function runSequences(
  actions: fc.Arbitrary<Action>,
  numRuns: number,
  prefix: Action[] = [],
): Promise<Map<string, number>> {
  const succeeded = new Map<string, number>();
  const sequences = fc.array(actions, { minLength: 10, maxLength: 25, size: "max" }).map((s) => [...prefix, ...s]);
  await fc.assert(
    fc.asyncProperty(sequences, async (sequence) => {
      const f = await loadFixture(deployInvariantFixture);
      const g = freshGhosts();
      await checkInvariants(f, g, "fixture");
      for (const a of sequence) {
        g.steps++;
        const label = await run(f, g, a);
        if (process.env.STAKING_INVARIANT_LOG) console.log(`  ${g.steps}. ${label}`);
        for (const [key, pattern] of PATHS) if (pattern.test(label)) seen.set(key, (seen.get(key) ?? 0) + 1);
        await checkInvariants(f, g, label);
        // Reverting actions are labelled "...: why".
        if (!label.includes(": ")) succeeded.set(a.kind, (succeeded.get(a.kind) ?? 0) + 1);
      }
    }),
    {
      numRuns,
      ...(process.env.STAKING_INVARIANT_SEED ? { seed: Number(process.env.STAKING_INVARIANT_SEED) } : {}),
    },
  );
  return succeeded;
}

/** Counts the labels of the actions run, to show that the sequences reach a path. */
const seen = new Map<string, number>();

describe("Staking (invariants)", function () {
  it("holds every invariant after every action of random sequences", async function () {
    this.timeout(600_000);
    const succeeded = await runSequences(action, NUM_RUNS);
    // The sequences must exercise the contract, not only its reverts.
    for (const kind of ["stake", "delegate", "unstake", "undelegate", "withdraw", "claim", "slash", "fees", "lock"])
      expect(succeeded.get(kind) ?? 0, `no ${kind} went through`).to.be.greaterThan(0);
  });

  // Sequences that start by scheduling a cut, locking and unbonding, so that every new path is reached each time:
  // a delegation above the accepted cut, an operator's withdrawal cut to what the lock leaves free (part of a
  // request), a delegator's let through,
  // a slash out of the lock taken earlier, requests that thaw out of order.
  it("holds every invariant around locks, accepted cuts and out-of-order withdrawals", async function () {
    this.timeout(600_000);
    seen.clear();
    await runSequences(action, Math.max(1, Math.floor(NUM_RUNS / 3)), [
      { kind: "setCut", op: 0, cut: 500_000n },
      { kind: "delegate", d: 1, op: 0, amount: opg(1_000n), maxCut: 100_000n },
      // Four locks of 10% of 15,000: 6,000 locked, more than half of alice's own 10,000.
      { kind: "lock", op: 0, fraction: PPM },
      { kind: "lock", op: 0, fraction: PPM },
      { kind: "lock", op: 0, fraction: PPM },
      { kind: "lock", op: 0, fraction: PPM },
      { kind: "thawingPeriod", days: 20n },
      { kind: "unstake", op: 0, fraction: 500_000n },
      { kind: "thawingPeriod", days: 1n },
      { kind: "unstake", op: 0, fraction: PPM },
      { kind: "undelegate", d: 0, op: 0, pick: null, fraction: PPM },
      { kind: "advance", seconds: 2n * DAY },
      // The operator's thawed 5,000 would leave 5,000 own, under the 6,000 locked: 4,000 of it leave, 1,000 stay.
      { kind: "withdraw", account: 0, op: 0, pick: null, wait: false, maxRequests: 0n },
      // Its own 6,000 left all hold the lock: nothing more is free, held back.
      { kind: "withdraw", account: 0, op: 0, pick: null, wait: false, maxRequests: 0n },
      // The delegator's 5,000 leaves 10,000 slashable, above it: let through.
      { kind: "withdraw", account: 3, op: 0, pick: null, wait: false, maxRequests: 0n },
      // The challenge upheld: 6,000 out of alice's own thawing stake; then her newer request goes, out of order.
      { kind: "slash", op: 0, fraction: PPM, leave: null, challenger: true, fromLock: true },
      { kind: "withdraw", account: 0, op: 0, pick: null, wait: false, maxRequests: 0n },
    ]);
    // Pending slashes beyond the slashable stake have their own prefix below.
    for (const [key] of PATHS.filter(([k]) => k !== "pending beyond the slashable stake"))
      expect(seen.get(key) ?? 0, `never reached: ${key}`).to.be.greaterThan(0);
  });

  // Pending slashes add up beyond the slashable stake: the lock is then all of it, every withdrawal waits, and a slash
  // out of the pending ones takes what is there.
  it("holds every invariant while pending slashes exceed the slashable stake", async function () {
    this.timeout(600_000);
    seen.clear();
    await runSequences(action, Math.max(1, Math.floor(NUM_RUNS / 3)), [
      // Operator 1: 2,000 own and 1,000 delegated by delegator 2, so 3,000 slashable; eleven locks of 300 pend 3,300.
      { kind: "delegate", d: 2, op: 1, amount: opg(1_000n), maxCut: PPM },
      ...Array.from({ length: 11 }, (): Action => ({ kind: "lock", op: 1, fraction: PPM })),
      { kind: "undelegate", d: 2, op: 1, pick: null, fraction: PPM },
      { kind: "unstake", op: 1, fraction: 500_000n },
      { kind: "advance", seconds: 2n * DAY },
      // The lock is the whole 3,000: neither the delegator's 1,000 nor the operator's 1,000 may go.
      { kind: "withdraw", account: 5, op: 1, pick: null, wait: false, maxRequests: 0n },
      { kind: "withdraw", account: 1, op: 1, pick: null, wait: false, maxRequests: 0n },
      // Half released (1,650 pend): the delegator's 1,000 leaves 2,000, above it.
      { kind: "unlock", op: 1, fraction: 500_000n, over: false },
      { kind: "withdraw", account: 5, op: 1, pick: null, wait: false, maxRequests: 0n },
      { kind: "slash", op: 1, fraction: PPM, leave: null, challenger: true, fromLock: true },
    ]);
    for (const key of [
      "pending beyond the slashable stake",
      "withdrawal held back by a lock",
      "withdrawal under a lock",
      "slash out of an earlier lock",
    ])
      expect(seen.get(key) ?? 0, `never reached: ${key}`).to.be.greaterThan(0);
  });

  // Slashes that would leave a few wei in a thawing pool take the dust too (otherwise the next unstake could not
  // price its shares in 128 bits); every invariant still holds.
  it("holds every invariant when slashes would leave dust in the own thawing pools", async function () {
    this.timeout(600_000);
    // Operator 1 (2,000 OPG of its own) gets 80,000 OPG of delegations and unstakes everything, so that a slash
    // within the 10% bound can take all of its own thawing pool but 1 wei; then it stakes again.
    await runSequences(actionLeavingDust, NUM_RUNS, [
      { kind: "delegate", d: 1, op: 1, amount: opg(40_000n), maxCut: PPM },
      { kind: "delegate", d: 2, op: 1, amount: opg(40_000n), maxCut: PPM },
      { kind: "unstake", op: 1, fraction: PPM },
      { kind: "slash", op: 1, fraction: PPM, leave: 1n, challenger: true, fromLock: false },
      { kind: "stake", op: 1, amount: opg(100n) },
    ]);
  });
});
