/*
VestingVault
├── deployment
│   ├── when the treasury is zero → it reverts VestingZeroTreasury
│   └── otherwise → it stores the token and the treasury, gives the admin the three roles, deploys the voting
│       vault implementation; it emits TreasurySet(0, treasury)
├── createSchedule
│   ├── when the caller lacks SCHEDULE_CREATOR_ROLE → it reverts AccessControlUnauthorizedAccount
│   ├── when the beneficiary is zero → it reverts VestingZeroBeneficiary
│   ├── when the total is zero → it reverts VestingZeroTotal
│   ├── when the unlock at start exceeds the total → it reverts VestingUnlockExceedsTotal(unlock, total)
│   ├── when the cliff is before the start → it reverts VestingCliffBeforeStart(start, cliff)
│   ├── when the cliff is after the end → it reverts VestingCliffAfterEnd(cliff, end)
│   ├── when monthly and cliff..end is not whole months → it reverts VestingNotWholeMonths(cliff, end, MONTH)
│   ├── when the caller has not approved the total → it reverts ERC20InsufficientAllowance
│   └── when the terms are good → it stores the schedule under the next id, pulls the total from the caller;
│       it emits ScheduleCreated with every term (edge terms: unlock == total, start == cliff == end, 0 months)
├── createSchedules
│   ├── when the caller lacks SCHEDULE_CREATOR_ROLE → it reverts AccessControlUnauthorizedAccount
│   ├── when the batch is empty → it reverts VestingEmptyBatch
│   ├── when any row is bad (first, middle, last) → the whole batch reverts with that row's error
│   └── when every row is good → consecutive ids from nextScheduleId, one transfer of the sum, one event per row
├── release
│   ├── given an unknown id → it reverts VestingScheduleNotFound(id)
│   ├── given the start has not come → it reverts VestingNothingToRelease(id)
│   ├── given the cliff has not come
│   │   ├── with an unlock at start → it pays the unlock once, then reverts VestingNothingToRelease until the cliff
│   │   └── without an unlock at start → it reverts VestingNothingToRelease
│   ├── given the cliff has passed (linear) → it pays vestedAt(now) - released
│   ├── given monthly steps → it pays one step at each month boundary and nothing in between
│   ├── given the end has passed → it pays the rest; then it reverts VestingNothingToRelease
│   ├── when called twice in the same second → the second reverts VestingNothingToRelease(id)
│   └── when called by anyone → the tokens go to the beneficiary; it emits TokensReleased(id, beneficiary, amount)
├── revoke
│   ├── when the caller lacks REVOKER_ROLE → it reverts AccessControlUnauthorizedAccount
│   ├── given an unknown id → it reverts VestingScheduleNotFound(id)
│   ├── given a non-revocable schedule → it reverts VestingNotRevocable(id)
│   ├── given a revoked schedule → it reverts VestingAlreadyRevoked(id)
│   ├── given a fully vested schedule → it reverts VestingNothingToRevoke(id)
│   ├── given the start or the cliff has not come → it refunds everything unvested to the treasury
│   ├── given mid-way → the vested part stays releasable, later releases pay exactly that and no more;
│   │   it emits ScheduleRevoked(id, beneficiary, treasury, vested, refunded); vestedAt is capped
│   └── given the treasury was changed → it pays the current treasury
├── transferSchedule
│   ├── given an unknown id → it reverts VestingScheduleNotFound(id)
│   ├── when the caller is not the beneficiary → it reverts VestingNotBeneficiary(id, caller, beneficiary)
│   ├── when the new beneficiary is zero, the vault or the same → it reverts VestingInvalidNewBeneficiary
│   └── when the beneficiary hands it on → releases go to the new one, the old one cannot act, the delegation stays
├── delegate
│   ├── given an unknown id → it reverts VestingScheduleNotFound(id)
│   ├── when the caller is not the beneficiary → it reverts VestingNotBeneficiary(id, caller, beneficiary)
│   ├── when the delegatee is the current one (incl. zero when undelegated) → it reverts VestingAlreadyDelegated
│   ├── when first delegating to a delegatee → it deploys votingVaultOf(delegatee) once, moves the locked tokens
│   │   there, the delegatee's votes equal them; it emits VotingVaultDeployed and LockedVotesDelegated
│   ├── when a second schedule delegates to the same delegatee → one vault, votes add, no second deployment
│   ├── when re-delegating → the tokens and votes move to the new delegatee's vault
│   ├── when delegating to zero → the tokens come back to the vault, the votes go
│   ├── when nothing is locked → it moves nothing and deploys nothing
│   ├── given a delegated schedule → release and revoke take the tokens from the voting vault
│   └── VotingVault.initialize by anyone but the vesting vault → it reverts VotingVaultOnlyVesting(caller)
├── setTreasury
│   ├── when the caller lacks DEFAULT_ADMIN_ROLE → it reverts AccessControlUnauthorizedAccount
│   ├── when the new treasury is zero → it reverts VestingZeroTreasury
│   └── otherwise → it sets the treasury; it emits TreasurySet(old, new)
├── views (getSchedule, vestedAt, releasableOf, releasedOf, lockedOf, votingVaultOf)
│   ├── given an unknown id → each reverts VestingScheduleNotFound(id)
│   ├── votingVaultOf is the CREATE2 address of a minimal clone salted with the delegatee
│   └── for each curve (linear/monthly, with/without unlock or cliff, all at once) → they equal the closed form
│       deploy/lib/vesting.ts vestedAt at start-1, start, start+1, cliff-1, cliff, cliff+1, mid, end-1, end, end+1…
└── conservation → after every action, balanceOf(vault) + Σ voting vaults == Σ lockedOf(id)
*/

import { expect } from "chai";
import { ethers, network } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { ContractTransactionResponse } from "ethers";

import { OPG__factory, VestingVault__factory, VotingVault__factory } from "../../typechain-types";
import type { Vesting } from "../../typechain-types/contracts/vesting/VestingVault";
import { MONTH, Shape, vestedAt } from "../../deploy/lib/vesting";
import { opg } from "../../deploy/lib/format";
import { DAY } from "../helpers/protocol";

const YEAR = 12n * MONTH;
/** A total that does not divide evenly, so every rounding shows. */
const TOTAL = opg(1_000_000n) + 7n;
/** What the admin holds to fund schedules. */
const FUNDING = opg(100_000_000n);
/** A fixed gas limit, so that a reverting transaction is mined in its block instead of failing at estimation. */
const GAS = 1_000_000n;
const { ZeroAddress, MaxUint256 } = ethers;

interface Params {
  beneficiary: string;
  total: bigint;
  unlockedAtStart: bigint;
  start: bigint;
  cliff: bigint;
  end: bigint;
  shape: Shape;
  revocable: boolean;
}

/*//////////////////////////////////////////////////////////////////////////
                                    FIXTURE
//////////////////////////////////////////////////////////////////////////*/

async function deployVestingFixture() {
  const [deployer, admin, treasury, alice, bob, carol, dave, stranger] = await ethers.getSigners();
  const token = await new OPG__factory(deployer).deploy(deployer.address);
  const tokenAddress = await token.getAddress();
  const vault = await new VestingVault__factory(deployer).deploy(tokenAddress, admin.address, treasury.address);
  const vaultAddress = await vault.getAddress();
  const deployTx = vault.deploymentTransaction()!;

  await token.connect(deployer).transfer(admin.address, FUNDING);
  await token.connect(admin).approve(vaultAddress, MaxUint256);

  const roles = {
    admin: await vault.DEFAULT_ADMIN_ROLE(),
    creator: await vault.SCHEDULE_CREATOR_ROLE(),
    revoker: await vault.REVOKER_ROLE(),
  };
  const signers = [deployer, admin, treasury, alice, bob, carol, dave, stranger];
  // Schedules start a day after deployment, so every test can reach the second before the start.
  const start = BigInt(await time.latest()) + DAY;
  return {
    token,
    tokenAddress,
    vault,
    vaultAddress,
    deployTx,
    roles,
    signers,
    start,
    deployer,
    admin,
    treasury,
    alice,
    bob,
    carol,
    dave,
    stranger,
  };
}

type Fixture = Awaited<ReturnType<typeof deployVestingFixture>>;

/** Default terms: alice, 10% at start, a 12-month cliff, then 36 months linear; revocable. */
function params(f: Fixture, overrides: Partial<Params> = {}): Params {
  const start = overrides.start ?? f.start;
  const cliff = overrides.cliff ?? start + 12n * MONTH;
  return {
    beneficiary: f.alice.address,
    total: TOTAL,
    unlockedAtStart: TOTAL / 10n,
    start,
    cliff,
    end: cliff + 36n * MONTH,
    shape: Shape.Linear,
    revocable: true,
    ...overrides,
  };
}

/*//////////////////////////////////////////////////////////////////////////
                                    HELPERS
//////////////////////////////////////////////////////////////////////////*/

type Stored = ReturnType<typeof fieldsOf>;

/** The stored schedule as a plain object, to compare whole. */
function fieldsOf(s: Vesting.ScheduleStructOutput) {
  return {
    beneficiary: s.beneficiary,
    released: s.released,
    total: s.total,
    unlockedAtStart: s.unlockedAtStart,
    start: s.start,
    shape: s.shape,
    revocable: s.revocable,
    revoked: s.revoked,
    cliff: s.cliff,
    end: s.end,
    delegatee: s.delegatee,
    refunded: s.refunded,
  };
}

/** The schedule a fresh `createSchedule(p)` stores. */
function storedFrom(p: Params): Stored {
  return {
    beneficiary: p.beneficiary,
    released: 0n,
    total: p.total,
    unlockedAtStart: p.unlockedAtStart,
    start: p.start,
    shape: BigInt(p.shape),
    revocable: p.revocable,
    revoked: false,
    cliff: p.cliff,
    end: p.end,
    delegatee: ZeroAddress,
    refunded: 0n,
  };
}

/** The closed-form terms of a stored schedule (the cap of a revoked one included). */
function curveOf(s: Stored) {
  return {
    total: s.total,
    unlockedAtStart: s.unlockedAtStart,
    start: s.start,
    cliff: s.cliff,
    end: s.end,
    shape: Number(s.shape) as Shape,
    refunded: s.refunded,
  };
}

async function scheduleOf(f: Fixture, id: bigint): Promise<Stored> {
  return fieldsOf(await f.vault.getSchedule(id));
}

function signerOf(f: Fixture, address: string): HardhatEthersSigner {
  const signer = f.signers.find((s) => s.address === address);
  if (!signer) throw new Error(`no signer for ${address}`);
  return signer;
}

/** Who holds a schedule's locked tokens: the vault, or the voting vault of its delegatee. */
async function holderOf(f: Fixture, delegatee: string): Promise<string> {
  return delegatee === ZeroAddress ? f.vaultAddress : f.vault.votingVaultOf(delegatee);
}

async function balanceOf(f: Fixture, account: string): Promise<bigint> {
  return f.token.balanceOf(account);
}

async function votesOf(f: Fixture, account: string): Promise<bigint> {
  return account === ZeroAddress ? 0n : f.token.getVotes(account);
}

/** The next transaction is mined at exactly `t`. */
async function at(t: bigint) {
  await time.setNextBlockTimestamp(t);
}

/** Asserts the latest block (where a reverting transaction sent with GAS was mined) is at `t`. */
async function expectMinedAt(t: bigint) {
  expect(BigInt(await time.latest())).to.equal(t);
}

/** The revert of a mined transaction, as a rejection the custom-error matchers can read. */
async function minedRevert(hash: string): Promise<never> {
  const trace = await network.provider.send("debug_traceTransaction", [
    hash,
    { disableStack: true, disableMemory: true, disableStorage: true },
  ]);
  expect(trace.failed).to.equal(true);
  const data: string = trace.returnValue.startsWith("0x") ? trace.returnValue : `0x${trace.returnValue}`;
  throw Object.assign(new Error(`transaction ${hash} reverted`), { data });
}

/** Every holder balance equals the locked tokens of the schedules it holds; their sum equals Σ lockedOf. */
async function expectConserved(f: Fixture) {
  const { vault, vaultAddress } = f;
  const expected = new Map<string, bigint>([[vaultAddress, 0n]]);
  for (const s of f.signers) expected.set(await vault.votingVaultOf(s.address), 0n);
  let locked = 0n;
  const next = await vault.nextScheduleId();
  for (let id = 1n; id < next; id++) {
    const s = await scheduleOf(f, id);
    const l = await vault.lockedOf(id);
    expect(l).to.equal(s.total - s.released - s.refunded);
    locked += l;
    const holder = await holderOf(f, s.delegatee);
    expected.set(holder, (expected.get(holder) ?? 0n) + l);
  }
  let held = 0n;
  for (const [holder, amount] of expected) {
    const balance = await balanceOf(f, holder);
    expect(balance, `balance of holder ${holder}`).to.equal(amount);
    held += balance;
  }
  expect(held).to.equal(locked);
}

/** createSchedule and asserts: the next id, the stored terms, the tokens pulled, the event. */
async function createAndCheck(f: Fixture, p: Params, funder: HardhatEthersSigner = f.admin): Promise<bigint> {
  const { vault, token, vaultAddress } = f;
  const id = await vault.nextScheduleId();
  expect(await vault.connect(funder).createSchedule.staticCall(p)).to.equal(id);
  const [funderBefore, vaultBefore, beneficiaryBefore] = await Promise.all(
    [funder.address, vaultAddress, p.beneficiary].map((a) => balanceOf(f, a)),
  );

  const tx = vault.connect(funder).createSchedule(p);
  await expect(tx)
    .to.emit(vault, "ScheduleCreated")
    .withArgs(
      id,
      p.beneficiary,
      funder.address,
      p.total,
      p.unlockedAtStart,
      p.start,
      p.cliff,
      p.end,
      p.shape,
      p.revocable,
    );
  await expect(tx).to.emit(token, "Transfer").withArgs(funder.address, vaultAddress, p.total);

  expect(await balanceOf(f, funder.address)).to.equal(funderBefore - p.total);
  expect(await balanceOf(f, vaultAddress)).to.equal(vaultBefore + p.total);
  if (p.beneficiary !== funder.address) expect(await balanceOf(f, p.beneficiary)).to.equal(beneficiaryBefore);
  expect(await scheduleOf(f, id)).to.deep.equal(storedFrom(p));
  expect(await vault.nextScheduleId()).to.equal(id + 1n);
  expect(await vault.lockedOf(id)).to.equal(p.total);
  expect(await vault.releasedOf(id)).to.equal(0n);
  return id;
}

/** createSchedules and asserts: consecutive ids, every row stored, one transfer of the sum, one event per row. */
async function createBatchAndCheck(f: Fixture, rows: Params[], funder: HardhatEthersSigner = f.admin) {
  const { vault, token, vaultAddress, tokenAddress } = f;
  const first = await vault.nextScheduleId();
  expect(await vault.connect(funder).createSchedules.staticCall(rows)).to.equal(first);
  const sum = rows.reduce((acc, r) => acc + r.total, 0n);
  const [funderBefore, vaultBefore] = await Promise.all([funder.address, vaultAddress].map((a) => balanceOf(f, a)));

  const tx = await vault.connect(funder).createSchedules(rows);
  const receipt = (await tx.wait())!;
  for (const [i, p] of rows.entries()) {
    await expect(tx)
      .to.emit(vault, "ScheduleCreated")
      .withArgs(
        first + BigInt(i),
        p.beneficiary,
        funder.address,
        p.total,
        p.unlockedAtStart,
        p.start,
        p.cliff,
        p.end,
        p.shape,
        p.revocable,
      );
    expect(await scheduleOf(f, first + BigInt(i))).to.deep.equal(storedFrom(p));
  }
  const created = receipt.logs.filter((l) => vault.interface.parseLog(l)?.name === "ScheduleCreated");
  expect(created).to.have.length(rows.length);
  const transfers = receipt.logs.filter((l) => l.address === tokenAddress).map((l) => token.interface.parseLog(l)!);
  expect(transfers.filter((l) => l.name === "Transfer").map((l) => [...l.args])).to.deep.equal([
    [funder.address, vaultAddress, sum],
  ]);

  expect(await balanceOf(f, funder.address)).to.equal(funderBefore - sum);
  expect(await balanceOf(f, vaultAddress)).to.equal(vaultBefore + sum);
  expect(await vault.nextScheduleId()).to.equal(first + BigInt(rows.length));
  return rows.map((_, i) => first + BigInt(i));
}

/** Asserts a create (single or batch) reverted and changed nothing. */
async function expectNothingCreated(f: Fixture, nextBefore: bigint, funderBefore: bigint, vaultBefore: bigint) {
  expect(await f.vault.nextScheduleId()).to.equal(nextBefore);
  expect(await balanceOf(f, f.admin.address)).to.equal(funderBefore);
  expect(await balanceOf(f, f.vaultAddress)).to.equal(vaultBefore);
  await expect(f.vault.getSchedule(nextBefore))
    .to.be.revertedWithCustomError(f.vault, "VestingScheduleNotFound")
    .withArgs(nextBefore);
}

/**
 * release at `t` by `caller` and asserts: it pays vestedAt(t) - released to the beneficiary from the holder, only
 * `released` changes, the delegatee's votes drop by the amount, the caller and the treasury are untouched.
 */
async function releaseAt(f: Fixture, id: bigint, t: bigint, caller?: HardhatEthersSigner): Promise<bigint> {
  const { vault } = f;
  const before = await scheduleOf(f, id);
  const by = caller ?? signerOf(f, before.beneficiary);
  const holder = await holderOf(f, before.delegatee);
  const amount = vestedAt(curveOf(before), t) - before.released;
  expect(amount > 0n, "releaseAt expects something to release").to.equal(true);
  const treasury = await vault.treasury();
  const [beneficiaryBefore, holderBefore, callerBefore, treasuryBefore] = await Promise.all(
    [before.beneficiary, holder, by.address, treasury].map((a) => balanceOf(f, a)),
  );
  const votesBefore = await votesOf(f, before.delegatee);
  const lockedBefore = await vault.lockedOf(id);

  await at(t);
  await expect(vault.connect(by).release(id)).to.emit(vault, "TokensReleased").withArgs(id, before.beneficiary, amount);

  await expectMinedAt(t);
  expect(await balanceOf(f, before.beneficiary)).to.equal(beneficiaryBefore + amount);
  expect(await balanceOf(f, holder)).to.equal(holderBefore - amount);
  if (by.address !== before.beneficiary) expect(await balanceOf(f, by.address)).to.equal(callerBefore);
  expect(await balanceOf(f, treasury)).to.equal(treasuryBefore);
  expect(await votesOf(f, before.delegatee)).to.equal(votesBefore - (before.delegatee === ZeroAddress ? 0n : amount));
  expect(await scheduleOf(f, id)).to.deep.equal({ ...before, released: before.released + amount });
  expect(await vault.releasedOf(id)).to.equal(before.released + amount);
  expect(await vault.lockedOf(id)).to.equal(lockedBefore - amount);
  expect(await vault.releasableOf(id)).to.equal(0n);
  return amount;
}

/** release at `t` reverts VestingNothingToRelease(id), mined at `t`, and changes nothing. */
async function nothingToReleaseAt(f: Fixture, id: bigint, t: bigint, caller?: HardhatEthersSigner) {
  const before = await scheduleOf(f, id);
  const by = caller ?? signerOf(f, before.beneficiary);
  expect(vestedAt(curveOf(before), t)).to.equal(before.released);
  const beneficiaryBefore = await balanceOf(f, before.beneficiary);

  await at(t);
  await expect(f.vault.connect(by).release(id, { gasLimit: GAS }))
    .to.be.revertedWithCustomError(f.vault, "VestingNothingToRelease")
    .withArgs(id);

  await expectMinedAt(t);
  expect(await scheduleOf(f, id)).to.deep.equal(before);
  expect(await balanceOf(f, before.beneficiary)).to.equal(beneficiaryBefore);
}

/**
 * revoke at `t` and asserts: vested = vestedAt(t) stays, refunded = total - vested goes from the holder to the
 * treasury, only `revoked` and `refunded` change, vestedAt is capped at vested from now on.
 */
async function revokeAt(f: Fixture, id: bigint, t: bigint, caller: HardhatEthersSigner = f.admin) {
  const { vault } = f;
  const before = await scheduleOf(f, id);
  const vested = vestedAt(curveOf(before), t);
  const refunded = before.total - vested;
  const treasury = await vault.treasury();
  const holder = await holderOf(f, before.delegatee);
  const [treasuryBefore, holderBefore, beneficiaryBefore] = await Promise.all(
    [treasury, holder, before.beneficiary].map((a) => balanceOf(f, a)),
  );
  const votesBefore = await votesOf(f, before.delegatee);

  await at(t);
  await expect(vault.connect(caller).revoke(id))
    .to.emit(vault, "ScheduleRevoked")
    .withArgs(id, before.beneficiary, treasury, vested, refunded);

  await expectMinedAt(t);
  const after = { ...before, revoked: true, refunded };
  expect(await scheduleOf(f, id)).to.deep.equal(after);
  expect(await balanceOf(f, treasury)).to.equal(treasuryBefore + refunded);
  expect(await balanceOf(f, holder)).to.equal(holderBefore - refunded);
  expect(await balanceOf(f, before.beneficiary)).to.equal(beneficiaryBefore);
  expect(await votesOf(f, before.delegatee)).to.equal(votesBefore - (before.delegatee === ZeroAddress ? 0n : refunded));
  expect(await vault.lockedOf(id)).to.equal(vested - before.released);
  expect(await vault.releasableOf(id)).to.equal(vested - before.released);
  for (const later of [t, before.end - 1n, before.end, before.end + YEAR]) {
    expect(await vault.vestedAt(id, later)).to.equal(vestedAt(curveOf(after), later));
    expect(await vault.vestedAt(id, later)).to.equal(vested);
  }
  return { vested, refunded };
}

/**
 * delegate and asserts: the locked tokens move from the old holder to the new one, the votes follow, the voting
 * vault is deployed (and announced) only on first use, only `delegatee` changes.
 */
async function delegateAndCheck(f: Fixture, id: bigint, delegatee: string, caller?: HardhatEthersSigner) {
  const { vault, token } = f;
  const before = await scheduleOf(f, id);
  const by = caller ?? signerOf(f, before.beneficiary);
  const locked = await vault.lockedOf(id);
  const from = await holderOf(f, before.delegatee);
  const to = await holderOf(f, delegatee);
  const deploys = delegatee !== ZeroAddress && locked > 0n && (await ethers.provider.getCode(to)) === "0x";
  const [fromBefore, toBefore, vaultBefore] = await Promise.all([from, to, f.vaultAddress].map((a) => balanceOf(f, a)));
  const [previousVotes, newVotes] = [await votesOf(f, before.delegatee), await votesOf(f, delegatee)];

  const tx = vault.connect(by).delegate(id, delegatee);
  await expect(tx).to.emit(vault, "LockedVotesDelegated").withArgs(id, before.delegatee, delegatee, locked);
  if (deploys) await expect(tx).to.emit(vault, "VotingVaultDeployed").withArgs(delegatee, to);
  else await expect(tx).not.to.emit(vault, "VotingVaultDeployed");

  expect(await scheduleOf(f, id)).to.deep.equal({ ...before, delegatee });
  expect(await vault.lockedOf(id)).to.equal(locked);
  expect(await balanceOf(f, from)).to.equal(fromBefore - locked);
  expect(await balanceOf(f, to)).to.equal(toBefore + locked);
  if (from !== f.vaultAddress && to !== f.vaultAddress)
    expect(await balanceOf(f, f.vaultAddress)).to.equal(vaultBefore);
  expect(await votesOf(f, before.delegatee)).to.equal(previousVotes - (before.delegatee === ZeroAddress ? 0n : locked));
  expect(await votesOf(f, delegatee)).to.equal(newVotes + (delegatee === ZeroAddress ? 0n : locked));
  if (deploys) {
    expect(await ethers.provider.getCode(to)).to.not.equal("0x");
    expect(await token.delegates(to)).to.equal(delegatee);
    expect(await token.allowance(to, f.vaultAddress)).to.equal(MaxUint256);
  }
  return { locked, holder: to };
}

/** transferSchedule and asserts: only the beneficiary changes; no token moves; the votes stay. */
async function transferAndCheck(f: Fixture, id: bigint, to: string, caller?: HardhatEthersSigner) {
  const { vault } = f;
  const before = await scheduleOf(f, id);
  const by = caller ?? signerOf(f, before.beneficiary);
  const holder = await holderOf(f, before.delegatee);
  const accounts = [before.beneficiary, to, holder, f.vaultAddress];
  const balancesBefore = await Promise.all(accounts.map((a) => balanceOf(f, a)));
  const votesBefore = await votesOf(f, before.delegatee);

  await expect(vault.connect(by).transferSchedule(id, to))
    .to.emit(vault, "ScheduleTransferred")
    .withArgs(id, before.beneficiary, to);

  expect(await scheduleOf(f, id)).to.deep.equal({ ...before, beneficiary: to });
  expect(await Promise.all(accounts.map((a) => balanceOf(f, a)))).to.deep.equal(balancesBefore);
  expect(await votesOf(f, before.delegatee)).to.equal(votesBefore);
}

/** setTreasury and asserts: the treasury changes, it emits old and new, no token moves. */
async function setTreasuryAndCheck(f: Fixture, to: string, caller: HardhatEthersSigner = f.admin) {
  const old = await f.vault.treasury();
  const balancesBefore = await Promise.all([old, to, f.vaultAddress].map((a) => balanceOf(f, a)));
  await expect(f.vault.connect(caller).setTreasury(to)).to.emit(f.vault, "TreasurySet").withArgs(old, to);
  expect(await f.vault.treasury()).to.equal(to);
  expect(await Promise.all([old, to, f.vaultAddress].map((a) => balanceOf(f, a)))).to.deep.equal(balancesBefore);
}

/** The times at which a curve is checked: around start, cliff, the first months, the middle and the end. */
function checkpoints(p: Params): bigint[] {
  const ts = [
    p.start - 1n,
    p.start,
    p.start + 1n,
    p.cliff - 1n,
    p.cliff,
    p.cliff + 1n,
    p.cliff + MONTH - 1n,
    p.cliff + MONTH,
    p.cliff + 2n * MONTH + 1n,
    (p.cliff + p.end) / 2n,
    p.end - 1n,
    p.end,
    p.end + 1n,
    p.end + YEAR,
  ];
  return [...new Set(ts)].filter((t) => t >= p.start - 1n).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/*//////////////////////////////////////////////////////////////////////////
                                SHARED BEHAVIOUR
//////////////////////////////////////////////////////////////////////////*/

interface Curve {
  name: string;
  make: (f: Fixture) => Params;
}

const CURVES: Curve[] = [
  { name: "linear, unlock at start, 12-month cliff, 36 months", make: (f) => params(f) },
  { name: "linear, no unlock, 12-month cliff, 36 months", make: (f) => params(f, { unlockedAtStart: 0n }) },
  {
    name: "linear, unlock at start, no cliff, 24 months",
    make: (f) => params(f, { unlockedAtStart: TOTAL / 20n, cliff: f.start, end: f.start + 24n * MONTH }),
  },
  {
    name: "monthly, unlock at start, 6-month cliff, 24 months",
    make: (f) => params(f, { shape: Shape.Monthly, cliff: f.start + 6n * MONTH, end: f.start + 30n * MONTH }),
  },
  {
    name: "monthly, no unlock, no cliff, 7 months",
    make: (f) => params(f, { shape: Shape.Monthly, unlockedAtStart: 0n, cliff: f.start, end: f.start + 7n * MONTH }),
  },
  {
    name: "all at once at the cliff (cliff == end)",
    make: (f) => params(f, { unlockedAtStart: TOTAL / 4n, cliff: f.start + YEAR, end: f.start + YEAR }),
  },
  {
    name: "all at start (start == cliff == end)",
    make: (f) => params(f, { unlockedAtStart: 0n, cliff: f.start, end: f.start, revocable: false }),
  },
];

function shouldVestLike(curve: Curve) {
  describe(curve.name, function () {
    /** The module fixture with one schedule on this curve. */
    async function withSchedule() {
      const f = await loadFixture(deployVestingFixture);
      const p = curve.make(f);
      const id = await createAndCheck(f, p);
      return { f, p, id };
    }

    it("vestedAt equals the closed form at every checkpoint, past or future", async function () {
      const { f, p, id } = await withSchedule();
      for (const t of [0n, ...checkpoints(p), 2n ** 40n - 1n]) {
        expect(await f.vault.vestedAt(id, t), `vestedAt(${t})`).to.equal(vestedAt(p, t));
      }
      expect(await f.vault.vestedAt(id, p.start - 1n)).to.equal(0n);
      expect(await f.vault.vestedAt(id, p.end)).to.equal(p.total);
    });

    it("releasableOf, releasedOf and lockedOf follow the curve as time passes", async function () {
      const { f, p, id } = await withSchedule();
      for (const t of checkpoints(p)) {
        await time.increaseTo(t);
        const vested = vestedAt(p, t);
        expect(await f.vault.releasableOf(id), `releasableOf at ${t}`).to.equal(vested);
        expect(await f.vault.releasedOf(id)).to.equal(0n);
        expect(await f.vault.lockedOf(id)).to.equal(p.total);
        if (vested > 0n) expect(await f.vault.release.staticCall(id)).to.equal(vested);
      }
      expect(await scheduleOf(f, id)).to.deep.equal(storedFrom(p));
    });

    it("release pays what vested since the last release at each checkpoint, and nothing more", async function () {
      const { f, p, id } = await withSchedule();
      let paid = 0n;
      for (const t of checkpoints(p)) {
        if (vestedAt(p, t) > paid) paid += await releaseAt(f, id, t, f.stranger);
        else await nothingToReleaseAt(f, id, t, f.stranger);
        expect(paid).to.equal(vestedAt(p, t));
        expect(await f.vault.releasedOf(id)).to.equal(paid);
        expect(await f.vault.lockedOf(id)).to.equal(p.total - paid);
        await expectConserved(f);
      }
      expect(paid).to.equal(p.total);
      expect(await balanceOf(f, p.beneficiary)).to.equal(p.total);
    });
  });
}

/*//////////////////////////////////////////////////////////////////////////
                                     TESTS
//////////////////////////////////////////////////////////////////////////*/

describe("VestingVault", function () {
  describe("deployment", function () {
    it("reverts VestingZeroTreasury when the treasury is zero", async function () {
      const { deployer, admin, tokenAddress } = await loadFixture(deployVestingFixture);
      const factory = new VestingVault__factory(deployer);
      await expect(factory.deploy(tokenAddress, admin.address, ZeroAddress)).to.be.revertedWithCustomError(
        factory,
        "VestingZeroTreasury",
      );
    });

    it("stores the token and the treasury and gives the admin every role", async function () {
      const f = await loadFixture(deployVestingFixture);
      const { vault, roles } = f;
      expect(await vault.TOKEN()).to.equal(f.tokenAddress);
      expect(await vault.treasury()).to.equal(f.treasury.address);
      expect(await vault.nextScheduleId()).to.equal(1n);
      for (const role of Object.values(roles)) {
        expect(await vault.hasRole(role, f.admin.address)).to.equal(true);
        expect(await vault.hasRole(role, f.deployer.address)).to.equal(false);
        expect(await vault.hasRole(role, f.treasury.address)).to.equal(false);
      }
      await expect(f.deployTx).to.emit(vault, "TreasurySet").withArgs(ZeroAddress, f.treasury.address);
    });

    it("deploys a voting vault implementation bound to the token and this vault", async function () {
      const f = await loadFixture(deployVestingFixture);
      const implementation = await f.vault.VOTING_VAULT_IMPLEMENTATION();
      expect(await ethers.provider.getCode(implementation)).to.not.equal("0x");
      const votingVault = VotingVault__factory.connect(implementation, f.stranger);
      expect(await votingVault.TOKEN()).to.equal(f.tokenAddress);
      expect(await votingVault.VESTING()).to.equal(f.vaultAddress);
    });
  });

  describe("createSchedule", function () {
    it("reverts AccessControlUnauthorizedAccount when the caller lacks the creator role", async function () {
      const f = await loadFixture(deployVestingFixture);
      await f.token.connect(f.admin).transfer(f.stranger.address, TOTAL);
      await f.token.connect(f.stranger).approve(f.vaultAddress, TOTAL);
      await expect(f.vault.connect(f.stranger).createSchedule(params(f)))
        .to.be.revertedWithCustomError(f.vault, "AccessControlUnauthorizedAccount")
        .withArgs(f.stranger.address, f.roles.creator);
      expect(await f.vault.nextScheduleId()).to.equal(1n);
      expect(await balanceOf(f, f.stranger.address)).to.equal(TOTAL);
    });

    describe("when a term is bad", function () {
      const cases: { name: string; bad: (f: Fixture) => Params; error: string; args: (p: Params) => unknown[] }[] = [
        {
          name: "the beneficiary is zero",
          bad: (f) => params(f, { beneficiary: ZeroAddress }),
          error: "VestingZeroBeneficiary",
          args: () => [],
        },
        {
          name: "the total is zero",
          bad: (f) => params(f, { total: 0n, unlockedAtStart: 0n }),
          error: "VestingZeroTotal",
          args: () => [],
        },
        {
          name: "the unlock at start exceeds the total",
          bad: (f) => params(f, { unlockedAtStart: TOTAL + 1n }),
          error: "VestingUnlockExceedsTotal",
          args: (p) => [p.unlockedAtStart, p.total],
        },
        {
          name: "the cliff is before the start",
          bad: (f) => params(f, { cliff: f.start - 1n }),
          error: "VestingCliffBeforeStart",
          args: (p) => [p.start, p.cliff],
        },
        {
          name: "the cliff is after the end",
          bad: (f) => params(f, { cliff: f.start + YEAR, end: f.start + YEAR - 1n }),
          error: "VestingCliffAfterEnd",
          args: (p) => [p.cliff, p.end],
        },
        {
          name: "monthly and the vesting period is 13 months and a second",
          bad: (f) => params(f, { shape: Shape.Monthly, end: f.start + 12n * MONTH + 13n * MONTH + 1n }),
          error: "VestingNotWholeMonths",
          args: (p) => [p.cliff, p.end, MONTH],
        },
        {
          name: "monthly and the vesting period is a second short of a month",
          bad: (f) => params(f, { shape: Shape.Monthly, end: f.start + 12n * MONTH + MONTH - 1n }),
          error: "VestingNotWholeMonths",
          args: (p) => [p.cliff, p.end, MONTH],
        },
        {
          name: "monthly and the vesting period is whole 30-day months, not whole MONTHs",
          bad: (f) => params(f, { shape: Shape.Monthly, end: f.start + 12n * MONTH + 12n * 30n * DAY }),
          error: "VestingNotWholeMonths",
          args: (p) => [p.cliff, p.end, MONTH],
        },
      ];
      for (const c of cases) {
        it(`reverts ${c.error} when ${c.name}`, async function () {
          const f = await loadFixture(deployVestingFixture);
          const p = c.bad(f);
          const [adminBefore, vaultBefore] = [await balanceOf(f, f.admin.address), await balanceOf(f, f.vaultAddress)];
          await expect(f.vault.connect(f.admin).createSchedule(p))
            .to.be.revertedWithCustomError(f.vault, c.error)
            .withArgs(...c.args(p));
          await expectNothingCreated(f, 1n, adminBefore, vaultBefore);
        });
      }
    });

    it("reverts ERC20InsufficientAllowance when the caller has not approved the total", async function () {
      const f = await loadFixture(deployVestingFixture);
      await f.token.connect(f.admin).approve(f.vaultAddress, TOTAL - 1n);
      await expect(f.vault.connect(f.admin).createSchedule(params(f)))
        .to.be.revertedWithCustomError(f.token, "ERC20InsufficientAllowance")
        .withArgs(f.vaultAddress, TOTAL - 1n, TOTAL);
      await expectNothingCreated(f, 1n, FUNDING, 0n);
    });

    it("stores the schedule under the next id, pulls the total and emits ScheduleCreated", async function () {
      const f = await loadFixture(deployVestingFixture);
      expect(await createAndCheck(f, params(f))).to.equal(1n);
      expect(await createAndCheck(f, params(f, { beneficiary: f.bob.address, revocable: false }))).to.equal(2n);
      expect(
        await createAndCheck(
          f,
          params(f, { shape: Shape.Monthly, beneficiary: f.carol.address, total: 12n, unlockedAtStart: 1n }),
        ),
      ).to.equal(3n);
      expect(await balanceOf(f, f.vaultAddress)).to.equal(2n * TOTAL + 12n);
      await expectConserved(f);
    });

    it("accepts the edge terms: unlock == total, start == cliff == end, zero months, a start in the past", async function () {
      const f = await loadFixture(deployVestingFixture);
      await createAndCheck(f, params(f, { unlockedAtStart: TOTAL }));
      await createAndCheck(f, params(f, { cliff: f.start, end: f.start }));
      await createAndCheck(f, params(f, { shape: Shape.Monthly, cliff: f.start + MONTH, end: f.start + MONTH }));
      await createAndCheck(f, params(f, { shape: Shape.Linear, end: f.start + 12n * MONTH + 12345n }));
      await createAndCheck(f, params(f, { total: 1n, unlockedAtStart: 0n, start: 1n, cliff: 1n, end: 2n }));
      expect(await f.vault.vestedAt(5n, 1n)).to.equal(0n);
      expect(await f.vault.releasableOf(5n)).to.equal(1n);
      await expectConserved(f);
    });

    it("lets any holder of the creator role fund a schedule from its own balance", async function () {
      const f = await loadFixture(deployVestingFixture);
      await f.vault.connect(f.admin).grantRole(f.roles.creator, f.dave.address);
      await f.token.connect(f.admin).transfer(f.dave.address, TOTAL);
      await f.token.connect(f.dave).approve(f.vaultAddress, TOTAL);
      await createAndCheck(f, params(f), f.dave);
      expect(await balanceOf(f, f.dave.address)).to.equal(0n);
      expect(await balanceOf(f, f.admin.address)).to.equal(FUNDING - TOTAL);
    });
  });

  describe("createSchedules", function () {
    function rowsOf(f: Fixture): Params[] {
      return [
        params(f),
        params(f, { beneficiary: f.bob.address, shape: Shape.Monthly, total: TOTAL * 2n + 1n, revocable: false }),
        params(f, { beneficiary: f.carol.address, unlockedAtStart: 0n, cliff: f.start, end: f.start + YEAR }),
      ];
    }

    it("reverts AccessControlUnauthorizedAccount when the caller lacks the creator role", async function () {
      const f = await loadFixture(deployVestingFixture);
      await expect(f.vault.connect(f.stranger).createSchedules(rowsOf(f)))
        .to.be.revertedWithCustomError(f.vault, "AccessControlUnauthorizedAccount")
        .withArgs(f.stranger.address, f.roles.creator);
    });

    it("reverts VestingEmptyBatch when the batch is empty", async function () {
      const f = await loadFixture(deployVestingFixture);
      await expect(f.vault.connect(f.admin).createSchedules([])).to.be.revertedWithCustomError(
        f.vault,
        "VestingEmptyBatch",
      );
      await expectNothingCreated(f, 1n, FUNDING, 0n);
    });

    const badRows: {
      at: number;
      name: string;
      bad: (f: Fixture) => Params;
      error: string;
      args: (p: Params) => unknown[];
    }[] = [
      {
        at: 0,
        name: "first",
        bad: (f) => params(f, { beneficiary: ZeroAddress }),
        error: "VestingZeroBeneficiary",
        args: () => [],
      },
      {
        at: 1,
        name: "middle",
        bad: (f) => params(f, { unlockedAtStart: TOTAL + 1n }),
        error: "VestingUnlockExceedsTotal",
        args: (p) => [p.unlockedAtStart, p.total],
      },
      {
        at: 2,
        name: "last",
        bad: (f) => params(f, { shape: Shape.Monthly, end: f.start + 12n * MONTH + 5n * MONTH + 7n }),
        error: "VestingNotWholeMonths",
        args: (p) => [p.cliff, p.end, MONTH],
      },
    ];
    for (const row of badRows) {
      it(`reverts the whole batch with ${row.error} when the ${row.name} row is bad`, async function () {
        const f = await loadFixture(deployVestingFixture);
        await createAndCheck(f, params(f, { beneficiary: f.dave.address }));
        const [adminBefore, vaultBefore] = [await balanceOf(f, f.admin.address), await balanceOf(f, f.vaultAddress)];
        const rows = rowsOf(f);
        rows[row.at] = row.bad(f);
        await expect(f.vault.connect(f.admin).createSchedules(rows))
          .to.be.revertedWithCustomError(f.vault, row.error)
          .withArgs(...row.args(rows[row.at]));
        await expectNothingCreated(f, 2n, adminBefore, vaultBefore);
      });
    }

    it("creates consecutive ids from nextScheduleId with one transfer of the sum", async function () {
      const f = await loadFixture(deployVestingFixture);
      expect(await createBatchAndCheck(f, rowsOf(f))).to.deep.equal([1n, 2n, 3n]);
      await createAndCheck(f, params(f, { beneficiary: f.dave.address }));
      expect(await createBatchAndCheck(f, rowsOf(f).reverse())).to.deep.equal([5n, 6n, 7n]);
      expect(await createBatchAndCheck(f, [params(f, { total: 1n, unlockedAtStart: 1n })])).to.deep.equal([8n]);
      await expectConserved(f);
    });
  });

  describe("release", function () {
    it("reverts VestingScheduleNotFound for an unknown id", async function () {
      const f = await loadFixture(deployVestingFixture);
      await createAndCheck(f, params(f));
      for (const id of [0n, 2n, 2n ** 200n]) {
        await expect(f.vault.release(id))
          .to.be.revertedWithCustomError(f.vault, "VestingScheduleNotFound")
          .withArgs(id);
      }
    });

    it("reverts VestingNothingToRelease before the start", async function () {
      const f = await loadFixture(deployVestingFixture);
      const p = params(f);
      const id = await createAndCheck(f, p);
      await nothingToReleaseAt(f, id, p.start - DAY / 2n);
      await nothingToReleaseAt(f, id, p.start - 1n);
    });

    it("pays the unlock at start once and nothing more before the cliff", async function () {
      const f = await loadFixture(deployVestingFixture);
      const p = params(f);
      const id = await createAndCheck(f, p);
      expect(await releaseAt(f, id, p.start)).to.equal(p.unlockedAtStart);
      await nothingToReleaseAt(f, id, p.start + 1n);
      await nothingToReleaseAt(f, id, p.cliff - 1n);
      await nothingToReleaseAt(f, id, p.cliff);
      expect(await releaseAt(f, id, p.cliff + 1n)).to.equal(vestedAt(p, p.cliff + 1n) - p.unlockedAtStart);
    });

    it("reverts VestingNothingToRelease before the cliff without an unlock at start", async function () {
      const f = await loadFixture(deployVestingFixture);
      const p = params(f, { unlockedAtStart: 0n });
      const id = await createAndCheck(f, p);
      await nothingToReleaseAt(f, id, p.start);
      await nothingToReleaseAt(f, id, (p.start + p.cliff) / 2n);
      await nothingToReleaseAt(f, id, p.cliff);
      expect(await releaseAt(f, id, p.cliff + 1n)).to.equal(vestedAt(p, p.cliff + 1n));
    });

    it("pays vestedAt(now) - released during the linear part", async function () {
      const f = await loadFixture(deployVestingFixture);
      const p = params(f);
      const id = await createAndCheck(f, p);
      let paid = 0n;
      for (const t of [
        p.cliff + 1n,
        p.cliff + MONTH / 3n,
        p.cliff + 7n * MONTH + 11n,
        (p.cliff + p.end) / 2n,
        p.end - 1n,
      ]) {
        paid += await releaseAt(f, id, t);
        expect(paid).to.equal(vestedAt(p, t));
      }
      expect(await f.vault.lockedOf(id)).to.equal(p.total - vestedAt(p, p.end - 1n));
      await expectConserved(f);
    });

    it("pays one step at each month boundary and nothing in between (monthly)", async function () {
      const f = await loadFixture(deployVestingFixture);
      const months = 12n;
      const p = params(f, { shape: Shape.Monthly, unlockedAtStart: 0n, cliff: f.start + 3n * MONTH });
      p.end = p.cliff + months * MONTH;
      const id = await createAndCheck(f, p);
      for (let k = 1n; k <= months; k++) {
        const boundary = p.cliff + k * MONTH;
        await nothingToReleaseAt(f, id, boundary - 1n);
        const step = await releaseAt(f, id, boundary);
        expect(step).to.equal(vestedAt(p, boundary) - vestedAt(p, boundary - 1n));
        expect(await f.vault.releasedOf(id)).to.equal((p.total * k) / months);
      }
      expect(await balanceOf(f, f.alice.address)).to.equal(p.total);
    });

    it("pays the rest after the end, then reverts VestingNothingToRelease", async function () {
      const f = await loadFixture(deployVestingFixture);
      const p = params(f);
      const id = await createAndCheck(f, p);
      await releaseAt(f, id, (p.cliff + p.end) / 2n);
      const rest = await releaseAt(f, id, p.end + 1n);
      expect(rest).to.equal(p.total - vestedAt(p, (p.cliff + p.end) / 2n));
      expect(await f.vault.lockedOf(id)).to.equal(0n);
      expect(await f.vault.releasedOf(id)).to.equal(p.total);
      await nothingToReleaseAt(f, id, p.end + 2n);
      await nothingToReleaseAt(f, id, p.end + 10n * YEAR);
      await expectConserved(f);
    });

    it("reverts VestingNothingToRelease for a second release in the same second", async function () {
      const f = await loadFixture(deployVestingFixture);
      const p = params(f);
      const id = await createAndCheck(f, p);
      const t = (p.cliff + p.end) / 2n;
      let first!: ContractTransactionResponse;
      let second!: ContractTransactionResponse;
      await network.provider.send("evm_setAutomine", [false]);
      try {
        first = await f.vault.connect(f.alice).release(id, { gasLimit: GAS });
        second = await f.vault.connect(f.stranger).release(id, { gasLimit: GAS });
        await at(t);
        await network.provider.send("evm_mine", []);
      } finally {
        await network.provider.send("evm_setAutomine", [true]);
      }
      const [one, two] = await Promise.all([first, second].map((tx) => ethers.provider.getTransactionReceipt(tx.hash)));
      expect(two!.blockNumber).to.equal(one!.blockNumber);
      expect(BigInt((await ethers.provider.getBlock(one!.blockNumber))!.timestamp)).to.equal(t);
      expect([one!.status, two!.status]).to.deep.equal([1, 0]);

      await expect(first).to.emit(f.vault, "TokensReleased").withArgs(id, f.alice.address, vestedAt(p, t));
      await expect(minedRevert(second.hash))
        .to.be.revertedWithCustomError(f.vault, "VestingNothingToRelease")
        .withArgs(id);
      expect(await balanceOf(f, f.alice.address)).to.equal(vestedAt(p, t));
      expect(await f.vault.releasedOf(id)).to.equal(vestedAt(p, t));
      await expectConserved(f);
    });

    it("lets anyone call it but pays only the beneficiary", async function () {
      const f = await loadFixture(deployVestingFixture);
      const p = params(f);
      const id = await createAndCheck(f, p);
      const other = await createAndCheck(f, params(f, { beneficiary: f.bob.address }));
      await releaseAt(f, id, p.start, f.stranger);
      await releaseAt(f, id, p.cliff + MONTH, f.admin);
      await releaseAt(f, id, p.cliff + 2n * MONTH, f.bob);
      await releaseAt(f, id, p.cliff + 3n * MONTH, f.treasury);
      expect(await balanceOf(f, f.alice.address)).to.equal(vestedAt(p, p.cliff + 3n * MONTH));
      expect(await balanceOf(f, f.stranger.address)).to.equal(0n);
      expect(await balanceOf(f, f.bob.address)).to.equal(0n);
      expect(await f.vault.releasedOf(other)).to.equal(0n);
      expect(await f.vault.lockedOf(other)).to.equal(TOTAL);
      await expectConserved(f);
    });
  });

  describe("revoke", function () {
    it("reverts AccessControlUnauthorizedAccount when the caller lacks the revoker role", async function () {
      const f = await loadFixture(deployVestingFixture);
      const id = await createAndCheck(f, params(f));
      await f.vault.connect(f.admin).grantRole(f.roles.creator, f.bob.address);
      for (const caller of [f.stranger, f.alice, f.treasury, f.bob]) {
        await expect(f.vault.connect(caller).revoke(id))
          .to.be.revertedWithCustomError(f.vault, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, f.roles.revoker);
      }
      expect((await scheduleOf(f, id)).revoked).to.equal(false);
    });

    it("reverts VestingScheduleNotFound for an unknown id", async function () {
      const f = await loadFixture(deployVestingFixture);
      await createAndCheck(f, params(f));
      for (const id of [0n, 2n]) {
        await expect(f.vault.connect(f.admin).revoke(id))
          .to.be.revertedWithCustomError(f.vault, "VestingScheduleNotFound")
          .withArgs(id);
      }
    });

    it("reverts VestingNotRevocable for a non-revocable schedule", async function () {
      const f = await loadFixture(deployVestingFixture);
      const id = await createAndCheck(f, params(f, { revocable: false }));
      await expect(f.vault.connect(f.admin).revoke(id))
        .to.be.revertedWithCustomError(f.vault, "VestingNotRevocable")
        .withArgs(id);
      expect(await f.vault.lockedOf(id)).to.equal(TOTAL);
    });

    it("reverts VestingAlreadyRevoked the second time", async function () {
      const f = await loadFixture(deployVestingFixture);
      const p = params(f);
      const id = await createAndCheck(f, p);
      await revokeAt(f, id, p.cliff + MONTH);
      const before = await scheduleOf(f, id);
      await expect(f.vault.connect(f.admin).revoke(id))
        .to.be.revertedWithCustomError(f.vault, "VestingAlreadyRevoked")
        .withArgs(id);
      expect(await scheduleOf(f, id)).to.deep.equal(before);
    });

    it("reverts VestingNothingToRevoke once fully vested, released or not", async function () {
      const f = await loadFixture(deployVestingFixture);
      const p = params(f);
      const id = await createAndCheck(f, p);
      const released = await createAndCheck(f, params(f, { beneficiary: f.bob.address }));
      await releaseAt(f, released, p.end - 10n);
      await releaseAt(f, released, p.end);
      for (const [scheduleId, t] of [
        [id, p.end + 1n],
        [released, p.end + 2n],
        [id, p.end + YEAR],
      ]) {
        await at(t);
        await expect(f.vault.connect(f.admin).revoke(scheduleId, { gasLimit: GAS }))
          .to.be.revertedWithCustomError(f.vault, "VestingNothingToRevoke")
          .withArgs(scheduleId);
        await expectMinedAt(t);
      }
      // At the end exactly, too.
      const atEnd = await createAndCheck(f, params(f, { start: p.end + 2n * YEAR }));
      const q = await scheduleOf(f, atEnd);
      await at(q.end);
      await expect(f.vault.connect(f.admin).revoke(atEnd, { gasLimit: GAS }))
        .to.be.revertedWithCustomError(f.vault, "VestingNothingToRevoke")
        .withArgs(atEnd);
      await expectMinedAt(q.end);
      expect(await f.vault.lockedOf(id)).to.equal(TOTAL);
      expect(await balanceOf(f, f.treasury.address)).to.equal(0n);
    });

    it("refunds the whole total before the start; nothing is ever releasable", async function () {
      const f = await loadFixture(deployVestingFixture);
      const p = params(f);
      const id = await createAndCheck(f, p);
      const { vested, refunded } = await revokeAt(f, id, p.start - 1n);
      expect([vested, refunded]).to.deep.equal([0n, p.total]);
      expect(await balanceOf(f, f.treasury.address)).to.equal(p.total);
      expect(await f.vault.lockedOf(id)).to.equal(0n);
      await nothingToReleaseAt(f, id, p.start);
      await nothingToReleaseAt(f, id, p.end + 1n);
      await expectConserved(f);
    });

    it("refunds everything but the unlock before the cliff; the unlock stays releasable", async function () {
      const f = await loadFixture(deployVestingFixture);
      const p = params(f);
      const id = await createAndCheck(f, p);
      const { vested, refunded } = await revokeAt(f, id, p.cliff - 1n);
      expect(vested).to.equal(p.unlockedAtStart);
      expect(refunded).to.equal(p.total - p.unlockedAtStart);
      expect(await balanceOf(f, f.treasury.address)).to.equal(refunded);
      expect(await releaseAt(f, id, p.end)).to.equal(p.unlockedAtStart);
      await nothingToReleaseAt(f, id, p.end + YEAR);
      await expectConserved(f);
    });

    it("refunds the unvested part mid-way; later releases pay exactly the vested part and no more", async function () {
      const f = await loadFixture(deployVestingFixture);
      const p = params(f);
      const id = await createAndCheck(f, p);
      const t1 = p.cliff + 5n * MONTH + 17n;
      const t2 = p.cliff + 20n * MONTH + 3n;
      const first = await releaseAt(f, id, t1);
      const { vested, refunded } = await revokeAt(f, id, t2);
      expect(vested).to.equal(vestedAt(p, t2));
      expect(refunded).to.equal(p.total - vestedAt(p, t2));
      expect(await f.vault.releasableOf(id)).to.equal(vested - first);

      // The curve still applies below the cap, and stops at it.
      const revoked = { ...p, refunded };
      for (const t of [p.start - 1n, p.start, t1, t2 - 1n, t2, t2 + 1n, p.end - 1n, p.end, p.end + YEAR]) {
        expect(await f.vault.vestedAt(id, t)).to.equal(vestedAt(revoked, t));
        expect(await f.vault.vestedAt(id, t)).to.equal(vestedAt(p, t) < vested ? vestedAt(p, t) : vested);
      }

      expect(await releaseAt(f, id, t2 + 1n)).to.equal(vested - first);
      await nothingToReleaseAt(f, id, t2 + 2n);
      await nothingToReleaseAt(f, id, p.end + 1n);
      await nothingToReleaseAt(f, id, p.end + YEAR);
      expect(await balanceOf(f, f.alice.address)).to.equal(vested);
      expect(await balanceOf(f, f.treasury.address)).to.equal(refunded);
      expect(await f.vault.lockedOf(id)).to.equal(0n);
      await expectConserved(f);
    });

    it("keeps whole months only when a monthly schedule is revoked mid-month", async function () {
      const f = await loadFixture(deployVestingFixture);
      const p = params(f, { shape: Shape.Monthly, cliff: f.start + 6n * MONTH, end: f.start + 30n * MONTH });
      const id = await createAndCheck(f, p);
      const t = p.cliff + 4n * MONTH + MONTH / 2n;
      const { vested } = await revokeAt(f, id, t);
      expect(vested).to.equal(vestedAt(p, p.cliff + 4n * MONTH));
      expect(await releaseAt(f, id, p.end)).to.equal(vested);
      await expectConserved(f);
    });

    it("pays the current treasury and lets any revoker act", async function () {
      const f = await loadFixture(deployVestingFixture);
      const p = params(f);
      const id = await createAndCheck(f, p);
      await setTreasuryAndCheck(f, f.dave.address);
      await f.vault.connect(f.admin).grantRole(f.roles.revoker, f.carol.address);
      const { refunded } = await revokeAt(f, id, p.cliff + MONTH, f.carol);
      expect(await balanceOf(f, f.dave.address)).to.equal(refunded);
      expect(await balanceOf(f, f.treasury.address)).to.equal(0n);
      expect(await balanceOf(f, f.carol.address)).to.equal(0n);
    });
  });

  describe("transferSchedule", function () {
    it("reverts VestingScheduleNotFound for an unknown id", async function () {
      const f = await loadFixture(deployVestingFixture);
      await expect(f.vault.connect(f.alice).transferSchedule(1n, f.bob.address))
        .to.be.revertedWithCustomError(f.vault, "VestingScheduleNotFound")
        .withArgs(1n);
    });

    it("reverts VestingNotBeneficiary when the caller is not the beneficiary", async function () {
      const f = await loadFixture(deployVestingFixture);
      const id = await createAndCheck(f, params(f));
      for (const caller of [f.stranger, f.admin, f.bob]) {
        await expect(f.vault.connect(caller).transferSchedule(id, caller.address))
          .to.be.revertedWithCustomError(f.vault, "VestingNotBeneficiary")
          .withArgs(id, caller.address, f.alice.address);
      }
    });

    it("reverts VestingInvalidNewBeneficiary for zero, the vault itself and the same beneficiary", async function () {
      const f = await loadFixture(deployVestingFixture);
      const id = await createAndCheck(f, params(f));
      for (const to of [ZeroAddress, f.vaultAddress, f.alice.address]) {
        await expect(f.vault.connect(f.alice).transferSchedule(id, to))
          .to.be.revertedWithCustomError(f.vault, "VestingInvalidNewBeneficiary")
          .withArgs(id, to);
      }
      expect((await scheduleOf(f, id)).beneficiary).to.equal(f.alice.address);
    });

    it("hands the schedule on: releases go to the new beneficiary and the old one cannot act", async function () {
      const f = await loadFixture(deployVestingFixture);
      const p = params(f);
      const id = await createAndCheck(f, p);
      const before = await releaseAt(f, id, p.start);
      await transferAndCheck(f, id, f.bob.address);

      const paid = await releaseAt(f, id, p.cliff + MONTH, f.alice);
      expect(await balanceOf(f, f.bob.address)).to.equal(paid);
      expect(await balanceOf(f, f.alice.address)).to.equal(before);

      await expect(f.vault.connect(f.alice).transferSchedule(id, f.alice.address))
        .to.be.revertedWithCustomError(f.vault, "VestingNotBeneficiary")
        .withArgs(id, f.alice.address, f.bob.address);
      await expect(f.vault.connect(f.alice).delegate(id, f.alice.address))
        .to.be.revertedWithCustomError(f.vault, "VestingNotBeneficiary")
        .withArgs(id, f.alice.address, f.bob.address);

      // And it can go on, even back to the first beneficiary.
      await transferAndCheck(f, id, f.alice.address);
      await releaseAt(f, id, p.cliff + 2n * MONTH);
      expect(await balanceOf(f, f.bob.address)).to.equal(paid);
      await expectConserved(f);
    });

    it("keeps the delegation of the locked votes, which the new beneficiary may change", async function () {
      const f = await loadFixture(deployVestingFixture);
      const p = params(f);
      const id = await createAndCheck(f, p);
      const { locked } = await delegateAndCheck(f, id, f.carol.address);
      await transferAndCheck(f, id, f.bob.address);
      expect((await scheduleOf(f, id)).delegatee).to.equal(f.carol.address);
      expect(await f.token.getVotes(f.carol.address)).to.equal(locked);
      await delegateAndCheck(f, id, f.bob.address);
      expect(await f.token.getVotes(f.bob.address)).to.equal(locked);
      expect(await f.token.getVotes(f.carol.address)).to.equal(0n);
      await expectConserved(f);
    });

    it("works on a revoked schedule: the new beneficiary gets the vested part", async function () {
      const f = await loadFixture(deployVestingFixture);
      const p = params(f);
      const id = await createAndCheck(f, p);
      const { vested } = await revokeAt(f, id, p.cliff + 3n * MONTH);
      await transferAndCheck(f, id, f.dave.address);
      expect(await releaseAt(f, id, p.end)).to.equal(vested);
      expect(await balanceOf(f, f.dave.address)).to.equal(vested);
    });
  });

  describe("delegate", function () {
    /** Two schedules, alice's (default terms) and bob's (monthly, not revocable). */
    async function twoSchedules() {
      const f = await loadFixture(deployVestingFixture);
      const p = params(f);
      const q = params(f, {
        beneficiary: f.bob.address,
        total: TOTAL * 3n,
        shape: Shape.Monthly,
        cliff: f.start + 6n * MONTH,
        end: f.start + 30n * MONTH,
        revocable: false,
      });
      const a = await createAndCheck(f, p);
      const b = await createAndCheck(f, q);
      return { f, p, q, a, b };
    }

    it("reverts VestingScheduleNotFound for an unknown id", async function () {
      const { f } = await twoSchedules();
      await expect(f.vault.connect(f.alice).delegate(3n, f.carol.address))
        .to.be.revertedWithCustomError(f.vault, "VestingScheduleNotFound")
        .withArgs(3n);
    });

    it("reverts VestingNotBeneficiary when the caller is not the beneficiary", async function () {
      const { f, a, b } = await twoSchedules();
      await expect(f.vault.connect(f.bob).delegate(a, f.bob.address))
        .to.be.revertedWithCustomError(f.vault, "VestingNotBeneficiary")
        .withArgs(a, f.bob.address, f.alice.address);
      await expect(f.vault.connect(f.admin).delegate(b, f.admin.address))
        .to.be.revertedWithCustomError(f.vault, "VestingNotBeneficiary")
        .withArgs(b, f.admin.address, f.bob.address);
      expect(await ethers.provider.getCode(await f.vault.votingVaultOf(f.bob.address))).to.equal("0x");
    });

    it("reverts VestingAlreadyDelegated for the current delegatee, zero included", async function () {
      const { f, a } = await twoSchedules();
      await expect(f.vault.connect(f.alice).delegate(a, ZeroAddress))
        .to.be.revertedWithCustomError(f.vault, "VestingAlreadyDelegated")
        .withArgs(a, ZeroAddress);
      await delegateAndCheck(f, a, f.carol.address);
      await expect(f.vault.connect(f.alice).delegate(a, f.carol.address))
        .to.be.revertedWithCustomError(f.vault, "VestingAlreadyDelegated")
        .withArgs(a, f.carol.address);
    });

    it("deploys the delegatee's voting vault on first use and gives the delegatee the locked votes", async function () {
      const { f, a, p } = await twoSchedules();
      const predicted = await f.vault.votingVaultOf(f.carol.address);
      expect(await ethers.provider.getCode(predicted)).to.equal("0x");
      expect(await f.token.getVotes(f.carol.address)).to.equal(0n);

      const { locked, holder } = await delegateAndCheck(f, a, f.carol.address);
      expect(holder).to.equal(predicted);
      expect(locked).to.equal(p.total);
      expect(await f.token.getVotes(f.carol.address)).to.equal(p.total);
      expect(await balanceOf(f, predicted)).to.equal(p.total);
      const votingVault = VotingVault__factory.connect(predicted, f.stranger);
      expect(await votingVault.VESTING()).to.equal(f.vaultAddress);
      expect(await votingVault.TOKEN()).to.equal(f.tokenAddress);
      await expectConserved(f);
    });

    it("shares one voting vault between schedules with the same delegatee; their votes add", async function () {
      const { f, a, b, p, q } = await twoSchedules();
      await delegateAndCheck(f, a, f.carol.address);
      const second = f.vault.connect(f.bob).delegate(b, f.carol.address);
      await expect(second).not.to.emit(f.vault, "VotingVaultDeployed");
      await expect(second).to.emit(f.vault, "LockedVotesDelegated").withArgs(b, ZeroAddress, f.carol.address, q.total);
      const shared = await f.vault.votingVaultOf(f.carol.address);
      expect(await balanceOf(f, shared)).to.equal(p.total + q.total);
      expect(await f.token.getVotes(f.carol.address)).to.equal(p.total + q.total);
      expect(await balanceOf(f, f.vaultAddress)).to.equal(0n);
      await expectConserved(f);
    });

    it("moves the tokens and the votes when re-delegating, and back to the vault for zero", async function () {
      const { f, a, b, p, q } = await twoSchedules();
      await delegateAndCheck(f, a, f.carol.address);
      await delegateAndCheck(f, b, f.carol.address);
      await delegateAndCheck(f, a, f.dave.address);
      expect(await f.token.getVotes(f.carol.address)).to.equal(q.total);
      expect(await f.token.getVotes(f.dave.address)).to.equal(p.total);
      await expectConserved(f);

      // Back to a delegatee whose vault exists: no second deployment.
      await delegateAndCheck(f, a, f.carol.address);
      expect(await f.token.getVotes(f.carol.address)).to.equal(p.total + q.total);
      expect(await f.token.getVotes(f.dave.address)).to.equal(0n);
      await expectConserved(f);

      await delegateAndCheck(f, b, ZeroAddress);
      expect(await balanceOf(f, f.vaultAddress)).to.equal(q.total);
      expect(await f.token.getVotes(f.carol.address)).to.equal(p.total);
      await delegateAndCheck(f, a, ZeroAddress);
      expect(await balanceOf(f, f.vaultAddress)).to.equal(p.total + q.total);
      expect(await f.token.getVotes(f.carol.address)).to.equal(0n);
      await expectConserved(f);
    });

    it("lets the beneficiary delegate to itself; released tokens leave its locked votes", async function () {
      const { f, a, p } = await twoSchedules();
      await delegateAndCheck(f, a, f.alice.address);
      const paid = await releaseAt(f, a, p.cliff + 4n * MONTH);
      expect(await f.token.getVotes(f.alice.address)).to.equal(p.total - paid);
      expect(await balanceOf(f, f.alice.address)).to.equal(paid);
      await expectConserved(f);
    });

    it("moves nothing and deploys nothing when nothing is locked", async function () {
      const { f, a, p } = await twoSchedules();
      await releaseAt(f, a, p.end);
      const { locked } = await delegateAndCheck(f, a, f.carol.address);
      expect(locked).to.equal(0n);
      expect(await ethers.provider.getCode(await f.vault.votingVaultOf(f.carol.address))).to.equal("0x");
      expect(await f.token.getVotes(f.carol.address)).to.equal(0n);
      await delegateAndCheck(f, a, ZeroAddress);
      await expectConserved(f);
    });

    it("has release take the tokens from the voting vault", async function () {
      const { f, a, b, p, q } = await twoSchedules();
      await delegateAndCheck(f, a, f.carol.address);
      await delegateAndCheck(f, b, f.carol.address);
      const vv = await f.vault.votingVaultOf(f.carol.address);
      const paidA = await releaseAt(f, a, p.start);
      const paidB = await releaseAt(f, b, q.cliff + 2n * MONTH);
      expect(await balanceOf(f, vv)).to.equal(p.total + q.total - paidA - paidB);
      expect(await f.token.getVotes(f.carol.address)).to.equal(p.total + q.total - paidA - paidB);
      expect(await balanceOf(f, f.vaultAddress)).to.equal(0n);
      await expectConserved(f);
    });

    it("has revoke take the refund from the voting vault", async function () {
      const { f, a, b, p, q } = await twoSchedules();
      await delegateAndCheck(f, a, f.carol.address);
      await delegateAndCheck(f, b, f.carol.address);
      const vv = await f.vault.votingVaultOf(f.carol.address);
      const { vested, refunded } = await revokeAt(f, a, p.cliff + 9n * MONTH);
      expect(await balanceOf(f, f.treasury.address)).to.equal(refunded);
      expect(await balanceOf(f, vv)).to.equal(vested + q.total);
      expect(await f.token.getVotes(f.carol.address)).to.equal(vested + q.total);
      expect(await releaseAt(f, a, p.end)).to.equal(vested);
      expect(await balanceOf(f, vv)).to.equal(q.total);
      await expectConserved(f);
    });

    it("refuses VotingVault.initialize from anyone but the vesting vault", async function () {
      const { f, a } = await twoSchedules();
      await delegateAndCheck(f, a, f.carol.address);
      const clone = VotingVault__factory.connect(await f.vault.votingVaultOf(f.carol.address), f.stranger);
      const implementation = VotingVault__factory.connect(await f.vault.VOTING_VAULT_IMPLEMENTATION(), f.stranger);
      for (const [target, caller] of [
        [clone, f.stranger],
        [clone, f.carol],
        [clone, f.admin],
        [implementation, f.stranger],
      ] as const) {
        await expect(target.connect(caller).initialize(caller.address))
          .to.be.revertedWithCustomError(target, "VotingVaultOnlyVesting")
          .withArgs(caller.address);
      }
      expect(await f.token.delegates(await clone.getAddress())).to.equal(f.carol.address);
      expect(await f.token.allowance(await clone.getAddress(), f.stranger.address)).to.equal(0n);
    });
  });

  describe("setTreasury", function () {
    it("reverts AccessControlUnauthorizedAccount when the caller lacks the admin role", async function () {
      const f = await loadFixture(deployVestingFixture);
      await f.vault.connect(f.admin).grantRole(f.roles.revoker, f.bob.address);
      await f.vault.connect(f.admin).grantRole(f.roles.creator, f.bob.address);
      for (const caller of [f.stranger, f.treasury, f.bob]) {
        await expect(f.vault.connect(caller).setTreasury(caller.address))
          .to.be.revertedWithCustomError(f.vault, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, f.roles.admin);
      }
      expect(await f.vault.treasury()).to.equal(f.treasury.address);
    });

    it("reverts VestingZeroTreasury for zero", async function () {
      const f = await loadFixture(deployVestingFixture);
      await expect(f.vault.connect(f.admin).setTreasury(ZeroAddress)).to.be.revertedWithCustomError(
        f.vault,
        "VestingZeroTreasury",
      );
      expect(await f.vault.treasury()).to.equal(f.treasury.address);
    });

    it("sets the treasury and emits TreasurySet(old, new)", async function () {
      const f = await loadFixture(deployVestingFixture);
      await setTreasuryAndCheck(f, f.dave.address);
      await setTreasuryAndCheck(f, f.carol.address);
      await setTreasuryAndCheck(f, f.treasury.address);
    });
  });

  describe("views", function () {
    it("revert VestingScheduleNotFound for an unknown id", async function () {
      const f = await loadFixture(deployVestingFixture);
      await createAndCheck(f, params(f));
      const { vault } = f;
      for (const id of [0n, 2n]) {
        for (const call of [
          () => vault.getSchedule(id),
          () => vault.vestedAt(id, f.start),
          () => vault.releasableOf(id),
          () => vault.releasedOf(id),
          () => vault.lockedOf(id),
        ]) {
          await expect(call()).to.be.revertedWithCustomError(vault, "VestingScheduleNotFound").withArgs(id);
        }
      }
    });

    it("votingVaultOf is the CREATE2 address of a minimal clone salted with the delegatee", async function () {
      const f = await loadFixture(deployVestingFixture);
      const implementation = await f.vault.VOTING_VAULT_IMPLEMENTATION();
      // The ERC-1167 creation code, as OpenZeppelin's Clones writes it.
      const initCode = ethers.concat([
        "0x3d602d80600a3d3981f3363d3d373d3d3d363d73",
        implementation,
        "0x5af43d82803e903d91602b57fd5bf3",
      ]);
      const seen = new Set<string>();
      for (const s of f.signers) {
        const salt = ethers.zeroPadValue(s.address, 32);
        const expected = ethers.getCreate2Address(f.vaultAddress, salt, ethers.keccak256(initCode));
        expect(await f.vault.votingVaultOf(s.address)).to.equal(expected);
        seen.add(expected);
      }
      expect(seen.size).to.equal(f.signers.length);
    });

    for (const curve of CURVES) shouldVestLike(curve);
  });

  describe("conservation", function () {
    it("keeps balanceOf(vault) + Σ voting vaults == Σ lockedOf after every action", async function () {
      const f = await loadFixture(deployVestingFixture);
      const { start } = f;
      const p = params(f);
      const q = params(f, {
        beneficiary: f.bob.address,
        total: TOTAL * 2n,
        shape: Shape.Monthly,
        cliff: start + 6n * MONTH,
        end: start + 30n * MONTH,
        revocable: false,
      });
      await expectConserved(f);
      const a = await createAndCheck(f, p);
      await expectConserved(f);
      const b = await createAndCheck(f, q);
      await expectConserved(f);
      const [c, d, e] = await createBatchAndCheck(f, [
        params(f, { beneficiary: f.carol.address, unlockedAtStart: 0n }),
        params(f, { beneficiary: f.dave.address, total: 1_000n, unlockedAtStart: 1n }),
        params(f, { beneficiary: f.alice.address, cliff: start, end: start + YEAR }),
      ]);
      await expectConserved(f);

      // In time order: every timed step is later than the one before.
      const steps: (() => Promise<unknown>)[] = [
        () => releaseAt(f, a, start),
        () => delegateAndCheck(f, a, f.carol.address),
        () => delegateAndCheck(f, b, f.carol.address),
        () => delegateAndCheck(f, e, f.alice.address),
        () => releaseAt(f, e, start + MONTH),
        () => releaseAt(f, b, q.cliff + MONTH),
        () => revokeAt(f, e, start + 8n * MONTH),
        () => transferAndCheck(f, b, f.dave.address),
        () => delegateAndCheck(f, b, f.dave.address),
        () => delegateAndCheck(f, c, f.alice.address),
        () => revokeAt(f, a, p.cliff + 2n * MONTH),
        () => delegateAndCheck(f, c, ZeroAddress),
        () => setTreasuryAndCheck(f, f.stranger.address),
        () => revokeAt(f, c, p.cliff + 3n * MONTH),
        () => releaseAt(f, d, p.cliff + 4n * MONTH, f.stranger),
        () => releaseAt(f, b, q.end),
        () => releaseAt(f, a, p.end),
        () => releaseAt(f, c, p.end + 1n),
        () => releaseAt(f, d, p.end + 2n),
        () => releaseAt(f, e, p.end + 3n),
      ];
      for (const step of steps) {
        await step();
        await expectConserved(f);
      }
      for (const id of [a, b, c, d, e]) expect(await f.vault.lockedOf(id)).to.equal(0n);
      expect(await balanceOf(f, f.vaultAddress)).to.equal(0n);
    });
  });
});
