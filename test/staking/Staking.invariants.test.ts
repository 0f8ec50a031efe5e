/*
Staking (invariants)
├── random sequences of 10 to 25 actions by 3 operators and 4 delegators: stake, delegate, unstake, undelegate,
│   withdraw, claim, slash, advance time (1 s to 30 days), set cut, apply cut, and node fees paid in through
│   distributeFees; inputs are bounded to their valid ranges (fractions of what is held, up to the slash bound),
│   and an action whose preconditions fail (read from the views) is sent anyway and must revert with its custom
│   error and arguments; after every action:
│   ├── every token is accounted for: balanceOf(staking) == totalActiveStake + totalThawingStake + REWARDS_TOTAL
│   │   + feesDistributed - rewardsClaimed (exact: rounding dust stays inside the pools, which the totals sum)
│   ├── totalActiveStake == Σ activeStakeOf(operator), and each activeStakeOf == ownActive + delegated.tokens
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
│   └── supply: totalSupply == genesis supply - Σ burned, so it never goes up; the challenger holds Σ its
│       shares; feesDistributed == Σ fees paid in
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
  await staking.connect(admin).grantRole(await staking.SLASHER_ROLE(), slasher.address);
  // The admin stands in for the payments escrow, which pays node fees in.
  await token.connect(admin).approve(stakingAddress, MaxUint256);
  // Short delays (within their bounds), so that thaws end and cut changes come due within a sequence.
  await staking.connect(admin).setThawingPeriod(2n * DAY);
  await staking.connect(admin).setCutChangeDelay(DAY);

  await staking.connect(operators[0]).stake(SEED.operator0);
  await staking.connect(operators[1]).stake(SEED.operator1);
  await staking.connect(delegators[0]).delegate(operators[0].address, SEED.delegator0To0);
  return {
    token,
    staking,
    stakingAddress,
    admin,
    slasher,
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
    slashes: 0,
    supply: GENESIS_SUPPLY,
    steps: 0,
  };
}

type Action =
  | { kind: "stake"; op: number; amount: bigint }
  | { kind: "delegate"; d: number; op: number; amount: bigint }
  | { kind: "unstake"; op: number; fraction: bigint }
  | { kind: "undelegate"; d: number; op: number; pick: number | null; fraction: bigint }
  | { kind: "withdraw"; account: number; op: number; pick: number | null; wait: boolean; maxRequests: bigint }
  | { kind: "claim"; account: number; op: number; pick: number | null }
  | { kind: "slash"; op: number; fraction: bigint; leave: bigint | null; challenger: boolean }
  | { kind: "advance"; seconds: bigint }
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
    { weight: 3, arbitrary: fc.record({ kind: fc.constant("delegate" as const), d: delegator, op, amount }) },
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
      arbitrary: fc.record({ kind: fc.constant("slash" as const), op, fraction, leave, challenger: fc.boolean() }),
    },
    { weight: 4, arbitrary: fc.record({ kind: fc.constant("advance" as const), seconds }) },
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
 * Runs one action at the next second (advance mines a later block instead), asserting what it must do: the event
 * with its values, or the custom error its preconditions predict; updates the ghosts. Returns a label.
 */
async function run(f: Fixture, g: Ghosts, a: Action): Promise<string> {
  const { staking, token } = f;
  if (a.kind === "advance") {
    await time.increase(a.seconds);
    return `advance ${a.seconds} s`;
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
          staking.connect(who).delegate(operator, a.amount, gas),
          "StakingDelegationTooSmall",
          [a.amount, minimum],
          label,
        );
        return `${label}: too small`;
      }
      if (!o.staked) {
        await expectRevert(
          f,
          staking.connect(who).delegate(operator, a.amount, gas),
          "StakingNotOperator",
          [operator],
          label,
        );
        return `${label}: not an operator`;
      }
      const shares = o.delegated.shares === 0n ? a.amount : (a.amount * o.delegated.shares) / o.delegated.tokens;
      const balance = await token.balanceOf(who.address);
      await expect(staking.connect(who).delegate(operator, a.amount), label)
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
        const [ids, , oldest] = await staking.thawRequestsOf(who.address, operator);
        if (ids.length > 0) await waitUntil(oldest[0]);
      }
      const [, amounts, until] = await staking.thawRequestsOf(who.address, operator, PENDING);
      let count = 0;
      while (count < until.length && until[count] <= t && (a.maxRequests === 0n || BigInt(count) < a.maxRequests))
        count++;
      const label = `account ${accountIndex} withdraws ${count} of ${until.length} requests from operator ${opIndex}`;
      if (count === 0) {
        await expectRevert(
          f,
          staking.connect(who).withdraw(operator, a.maxRequests, gas),
          "StakingNothingThawed",
          [until.length > 0 ? until[0] : 0n],
          label,
        );
        return `${label}: nothing thawed`;
      }
      const paid = sum([...amounts].slice(0, count));
      const balance = await token.balanceOf(who.address);
      await expect(staking.connect(who).withdraw(operator, a.maxRequests), label)
        .to.emit(staking, "StakeWithdrawn")
        .withArgs(who.address, operator, paid, count);
      expect(await token.balanceOf(who.address), label).to.equal(balance + paid);
      g.withdrawn[accountIndex] += paid;
      return `${label}, paid ${paid}`;
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

    case "slash": {
      const operator = f.operators[a.op].address;
      const challenger = a.challenger ? f.challenger.address : ZeroAddress;
      const slashable = await staking.slashableStakeOf(operator);
      const label = `slash operator ${a.op}`;
      if (slashable === 0n) {
        await expectRevert(
          f,
          staking.connect(f.slasher).slash(operator, 1n, challenger, gas),
          "StakingNothingToSlash",
          [operator],
          label,
        );
        return `${label}: nothing to slash`;
      }
      const maximum = (slashable * (await staking.maxSlashPpm())) / PPM;
      let value = (maximum * a.fraction) / PPM;
      if (a.leave !== null) {
        const o = await staking.getOperator(operator);
        const own = o.ownActive + o.ownThawing.tokens;
        if (o.ownThawing.tokens > a.leave && own - a.leave <= maximum) value = own - a.leave;
      }
      if (value === 0n) {
        await expectRevert(
          f,
          staking.connect(f.slasher).slash(operator, value, challenger, gas),
          "StakingZeroAmount",
          [],
          label,
        );
        return `${label}: zero`;
      }
      const before = stakeFields(await staking.getOperator(operator));
      const others = await Promise.all(
        f.operators.filter((o) => o.address !== operator).map(async (o) => stakeFields(await staking.getOperator(o))),
      );
      const shares = await Promise.all(f.delegators.map(async (d) => (await staking.getDelegation(operator, d))[0]));
      // The order: own active, own thawing, then delegated active and thawing pro rata.
      let rest = value;
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
      const toChallenger = a.challenger ? (value * (await staking.challengerSharePpm())) / PPM : 0n;
      const burned = fromOwnActive + fromOwnThawing + fromDelegated + fromDelegatedThawing - toChallenger;

      await expect(staking.connect(f.slasher).slash(operator, value, challenger), label)
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
      g.slashes++;
      return `${label} by ${value} of ${slashable}`;
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
      if (o.delegated.shares === 0n) {
        await expect(staking.connect(operator).setDelegationCut(a.cut), label)
          .to.emit(staking, "DelegationCutSet")
          .withArgs(operator.address, o.cutPpm, a.cut);
        return `${label} at once`;
      }
      await expect(staking.connect(operator).setDelegationCut(a.cut), label)
        .to.emit(staking, "DelegationCutScheduled")
        .withArgs(operator.address, o.cutPpm, a.cut, t + (await staking.cutChangeDelay()));
      return `${label} (scheduled)`;
    }

    case "fees": {
      const operator = f.operators[a.op].address;
      const o = await staking.getOperator(operator);
      const active = o.ownActive + o.delegated.tokens;
      const delegatedPart = active === 0n ? 0n : (a.amount * o.delegated.tokens) / active;
      const toDelegators = delegatedPart - (delegatedPart * o.cutPpm) / PPM;
      const label = `fees of ${a.amount} to operator ${a.op}`;
      await expect(staking.connect(f.admin).distributeFees(operator, a.amount), label)
        .to.emit(staking, "FeesDistributed")
        .withArgs(operator, f.admin.address, a.amount, toDelegators);
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

  // Every token is somewhere.
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
  const owed = allocated + (active > 0n ? emittedNow - emittedLast : 0n) + fees;
  expect(claimed + claimable <= owed, m("claimed + claimable <= allocated + fees")).to.equal(true);
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

describe("Staking (invariants)", function () {
  it("holds every invariant after every action of random sequences", async function () {
    this.timeout(600_000);
    const succeeded = await runSequences(action, NUM_RUNS);
    // The sequences must exercise the contract, not only its reverts.
    for (const kind of ["stake", "delegate", "unstake", "undelegate", "withdraw", "claim", "slash", "fees"])
      expect(succeeded.get(kind) ?? 0, `no ${kind} went through`).to.be.greaterThan(0);
  });

  // Slashes that would leave a few wei in a thawing pool take the dust too (otherwise the next unstake could not
  // price its shares in 128 bits); every invariant still holds.
  it("holds every invariant when slashes would leave dust in the own thawing pools", async function () {
    this.timeout(600_000);
    // Operator 1 (2,000 OPG of its own) gets 80,000 OPG of delegations and unstakes everything, so that a slash
    // within the 10% bound can take all of its own thawing pool but 1 wei; then it stakes again.
    await runSequences(actionLeavingDust, NUM_RUNS, [
      { kind: "delegate", d: 1, op: 1, amount: opg(40_000n) },
      { kind: "delegate", d: 2, op: 1, amount: opg(40_000n) },
      { kind: "unstake", op: 1, fraction: PPM },
      { kind: "slash", op: 1, fraction: PPM, leave: 1n, challenger: true },
      { kind: "stake", op: 1, amount: opg(100n) },
    ]);
  });
});
