/*
Disputes (attack class): each attack written as the attacker would run it, asserting that it fails

disputes
├── (a) self-challenge for profit: an operator with the minimum own stake (5,000 OPG; 1 OPG cannot register a node)
│   and 100,000 OPG delegated commits ten wrong records and challenges them from a second account; the arbiter
│   upholds all ten → the coalition (operator + second account, bonds, rewards and stake counted) ends poorer; the
│   second account is paid half of the operator's own stake only; the delegators' loss is burned (supply drop),
│   never paid to the challenger
├── (b) escaping a slash by waiting
│   ├── with a challenge pending, the operator and its delegators unstake everything and wait past the 14-day thaw
│   │   → the locked amount cannot be withdrawn (StakingStakeLocked for the operator and for the delegator whose
│   │   withdrawal would take the stake below the lock); the arbiter upholds within its deadline and the slash
│   │   lands in full
│   └── expiry: nobody decides → the lock holds until someone calls expireChallenge after decideBy; then its pending
│       slash is removed and the bond burned (griefing costs the griefer its bond and pays no one: bondRecipient
│       zero, the supply drops by it); the record, past its window, is reopened for a day after the expiry
├── (c) a sockpuppet's challenge with wrong evidence, pending for the arbiter, does not stop an honest challenger
│   whose evidence the verifier checks → the verifier's outcome wins (upheld, the record settled, not reopened), the
│   sockpuppet's challenge is Superseded (its pending slash removed, its bond back), the honest challenger is paid
├── (d) squatting (F3 and batch roots): another node commits the victim's inference id and batch root first → the
│   victim still commits both, and a challenge of the victim's record charges the victim, not the squatter
├── (e) events equal movements: ChallengeResolved.slashed and toChallenger equal the token movements to the wei
│   (staking's balance, the challenger's, the registry's, totalSupply), for a slash split between own and delegated
│   stake and for a slash that sweeps a thawing pool's dust (slashed = locked + the dust)
├── (f) governance raising (or lowering) slashPpm, or lowering staking's maxSlashPpm, while a challenge is pending
│   → the pending challenge slashes the amount fixed at opening
├── (g) bogus challenges filling the lock (was a finding; fixed: pending slashes add up): a sockpuppet's 20
│   challenges of the operator's correct records add 20 x 3,000 pending, locking all 60,000; an honest challenge of a
│   wrong record still fixes its whole 3,000 (pendingSlashOf 63,000, lockedStakeOf capped at 60,000)
│   ├── the arbiter upholds it first → it slashes the whole 3,000 (half to the challenger, half burned) and settles
│   │   the record; the puppet's challenges, rejected later, burn their 20 bonds; the coalition (operator, puppet,
│   │   stake) ends 3,000 + 2,000 poorer
│   └── two wrong records upheld while the 20 wait → each takes its whole fixed slash; the 20 left to expire burn
│       their bonds and release the lock
└── (h) waiting out the window behind a puppet's challenge (decision period = window): the puppet challenges at the
    window's start, so its challenge waits past the window's end and the record is closed to everyone else
    ├── left to expire after the window closed → reopened until the expiry + 1 day: at reopenedUntil the honest
    │   challenger challenges, the arbiter upholds, the slash lands, the record is settled
    ├── one second after reopenedUntil (and the window) → ProofsChallengeWindowClosed(0, reopenedUntil)
    └── rejected at its deadline → reopened for a day from the rejection (accepted at its end); upheld → settled,
        not reopened: closed at the record's own window (ProofsChallengeWindowClosed(0, challengeableUntil))
*/
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { ContractTransactionResponse, Signer } from "ethers";

import { MockProofVerifier__factory } from "../../typechain-types";
import { opg } from "../../deploy/lib/format";
import { addOperator, DAY, deploySystemFixture, freshWallet, Mode, MODEL, PPM, type System } from "./fixture";
import { commitChallenge, openChallenge } from "../helpers/challenges";

const ZERO = ethers.ZeroHash;
/** Proofs.ChallengeStatus. */
const Status = { None: 0n, Pending: 1n, Upheld: 2n, Rejected: 3n, Expired: 4n, Superseded: 5n } as const;
const BOND = opg(100n);
const OWN_MINIMUM = opg(5_000n);
const THAW = 14n * DAY;
/** A fixed gas limit, so that a transaction pinned to a timestamp is mined there even when it reverts. */
const GAS = 1_000_000n;

interface Rec {
  inferenceId: string;
  modelId: string;
  inputHash: string;
  outputHash: string;
  proofType: number;
  proofHash: string;
}

function makeRecord(label: string, proofType: number = Mode.None, proofHash = ethers.id(`proof:${label}`)): Rec {
  return {
    inferenceId: ethers.id(`inference:${label}`),
    modelId: MODEL,
    inputHash: ethers.id(`input:${label}`),
    outputHash: ethers.id(`a wrong output:${label}`),
    proofType,
    proofHash,
  };
}

/**
 * An operator (a fresh wallet) with `own` OPG of its own stake and the given delegations (fresh wallets), running one
 * none-only node serving MODEL. Returns the operator, its node and its delegators.
 */
async function operatorWith(f: System, own: bigint, delegations: bigint[]) {
  const op = await freshWallet(f, own + opg(1_000n));
  await f.token.connect(op).approve(f.staking, ethers.MaxUint256);
  await f.token.connect(op).approve(f.proofs, ethers.MaxUint256);
  await f.staking.connect(op).stake(own);
  const delegators = [];
  for (const amount of delegations) {
    const d = await freshWallet(f, amount);
    await f.token.connect(d).approve(f.staking, ethers.MaxUint256);
    await f.staking.connect(d).delegate(op.address, amount, PPM);
    delegators.push(d);
  }
  const nodeId = await f.nodes.nextNodeId();
  await f.nodes.connect(op).registerNode(
    {
      metadataURI: "https://op.example",
      modes: 1,
      teeMeasurement: ZERO,
      capacity: 1n,
      prices: [1n, 0n, 0n],
    },
    [MODEL],
  );
  return { op, nodeId, delegators };
}

/** A funded account that has approved the proof registry for bonds. */
async function challengerWallet(f: System, amount = opg(10_000n)) {
  const w = await freshWallet(f, amount);
  await f.token.connect(w).approve(f.proofs, ethers.MaxUint256);
  return w;
}

/** Opens a challenge of a node's single record and returns its id. */
async function challenge(f: System, by: Signer, nodeId: bigint, r: Rec, evidence = "0x") {
  await commitChallenge(f.proofs, by, nodeId, ZERO, r, [], evidence);
  const id = await f.proofs.connect(by).challenge.staticCall(nodeId, ZERO, r, [], evidence, { blockTag: "pending" });
  await f.proofs.connect(by).challenge(nodeId, ZERO, r, [], evidence);
  return id;
}

/** The ChallengeResolved events of a transaction. */
async function resolvedIn(f: System, tx: ContractTransactionResponse) {
  const receipt = (await tx.wait())!;
  const out: { id: string; outcome: bigint; slashed: bigint; toChallenger: bigint; recipient: string }[] = [];
  for (const log of receipt.logs) {
    const parsed = f.proofs.interface.parseLog(log);
    if (parsed?.name === "ChallengeResolved") {
      out.push({
        id: parsed.args.challengeId,
        outcome: parsed.args.outcome,
        slashed: parsed.args.slashed,
        toChallenger: parsed.args.toChallenger,
        recipient: parsed.args.bondRecipient,
      });
    }
  }
  return out;
}

/** Balances of the given accounts, staking's and the registry's, and the total supply. */
async function snapshot(f: System, accounts: string[]) {
  const out: Record<string, bigint> = {};
  for (const a of [...accounts, await f.staking.getAddress(), await f.proofs.getAddress()])
    out[a] = await f.token.balanceOf(a);
  out.supply = await f.token.totalSupply();
  return out;
}

describe("security: disputes", function () {
  it("(a) an operator challenging its own wrong records from a second account, ten times, ends poorer; its delegators' loss is burned", async function () {
    const f = await loadFixture(deploySystemFixture);
    // It cannot run a node on 1 OPG of its own, however much is delegated.
    const tiny = await freshWallet(f, opg(1n));
    await f.token.connect(tiny).approve(f.staking, ethers.MaxUint256);
    await f.staking.connect(tiny).stake(opg(1n));
    await f.staking.connect(f.delegator).delegate(tiny.address, opg(100_000n), PPM);
    await expect(
      f.nodes
        .connect(tiny)
        .registerNode({ metadataURI: "x", modes: 1, teeMeasurement: ZERO, capacity: 1n, prices: [1n, 0n, 0n] }, [
          MODEL,
        ]),
    )
      .to.be.revertedWithCustomError(f.nodes, "NodeInsufficientOwnStake")
      .withArgs(tiny.address, opg(1n), OWN_MINIMUM);

    // So it takes the minimum: 5,000 of its own, 100,000 delegated by two honest delegators.
    expect(await f.nodes.minimumOwnStake()).to.equal(OWN_MINIMUM);
    const { op, nodeId, delegators } = await operatorWith(f, OWN_MINIMUM, [opg(60_000n), opg(40_000n)]);
    const puppet = await challengerWallet(f, opg(2_000n));
    const holdings = async () => {
      const out: bigint[] = [];
      for (const d of delegators) out.push((await f.staking.getDelegation(op.address, d.address)).tokens);
      return out;
    };
    const heldBefore = await holdings();
    const coalition = async () =>
      (await f.token.balanceOf(op.address)) +
      (await f.token.balanceOf(puppet.address)) +
      (await f.staking.getOperator(op.address)).ownActive +
      (await f.staking.getOperator(op.address)).ownThawing.tokens +
      (await f.staking.claimableRewards(op.address, op.address));
    const start = await coalition();
    const delegatedBefore = (await f.staking.getOperator(op.address)).delegated.tokens;
    const before = await snapshot(f, [op.address, puppet.address, f.challenger.address]);

    // Ten wrong records, committed while the node serves; the second account challenges each.
    const records = Array.from({ length: 10 }, (_, i) => makeRecord(`self-${i}`));
    for (const r of records) await f.proofs.connect(op).commitRecord(nodeId, r);
    const ids: string[] = [];
    for (const r of records) ids.push(await challenge(f, puppet, nodeId, r));
    // Each adds 5% of the 105,000 slashable at opening to the pending slashes, which lock their sum.
    expect(await f.staking.pendingSlashOf(op.address)).to.equal(10n * opg(5_250n));
    expect(await f.staking.lockedStakeOf(op.address)).to.equal(10n * opg(5_250n));

    // The arbiter looks at the records and upholds every challenge (they are wrong).
    let slashed = 0n;
    let paid = 0n;
    for (const id of ids) {
      const [ev] = await resolvedIn(f, await f.proofs.connect(f.gov).resolveChallenge(id, true));
      expect(ev.outcome).to.equal(Status.Upheld);
      expect(ev.recipient).to.equal(puppet.address);
      slashed += ev.slashed;
      paid += ev.toChallenger;
    }
    // The operator's own 5,000 went in the first slash; the second account got half of it and nothing more.
    expect(slashed).to.equal(10n * opg(5_250n));
    expect(paid).to.equal(OWN_MINIMUM / 2n);
    const after = await snapshot(f, [op.address, puppet.address, f.challenger.address]);
    expect(after[puppet.address] - before[puppet.address]).to.equal(paid);
    // Everything else is burned: the delegators' 47,500 and the other half of the operator's own stake.
    const delegatedLoss = delegatedBefore - (await f.staking.getOperator(op.address)).delegated.tokens;
    expect(delegatedLoss).to.equal(slashed - OWN_MINIMUM);
    expect(before.supply - after.supply).to.equal(slashed - paid);
    expect(before.supply - after.supply).to.equal(delegatedLoss + OWN_MINIMUM - paid);
    // Each delegator lost its share of it (to a wei of rounding) and was paid nothing.
    const heldAfter = await holdings();
    const lost = heldBefore.reduce((t, h, i) => t + h - heldAfter[i], 0n);
    expect(lost - delegatedLoss >= 0n && lost - delegatedLoss <= 2n, `${lost} vs ${delegatedLoss}`).to.equal(true);
    // Pro rata: 60,000 and 40,000 lose in the ratio 3:2.
    const skew = (heldBefore[0] - heldAfter[0]) * 2n - (heldBefore[1] - heldAfter[1]) * 3n;
    expect(skew >= -6n && skew <= 6n, `skew ${skew}`).to.equal(true);
    expect(heldBefore[0] - heldAfter[0]).to.be.greaterThan(opg(28_000n));
    for (const d of delegators) expect(await f.token.balanceOf(d.address)).to.equal(0n);
    // The operator claims whatever rewards it earned meanwhile; the coalition still ends poorer by about half of
    // the operator's own stake.
    await f.staking.connect(op).claimRewards(op.address);
    const end = await coalition();
    expect(end).to.be.lessThan(start);
    expect(start - end).to.be.greaterThan(opg(2_400n));
    expect(await f.staking.lockedStakeOf(op.address)).to.equal(0n);
    // The records are settled: no second round of challenges on them.
    await expect(openChallenge(f.proofs, puppet, nodeId, ZERO, records[0], [], "0x")).to.be.revertedWithCustomError(
      f.proofs,
      "ProofsRecordSettled",
    );
  });

  describe("(b) escaping a slash by waiting", function () {
    it("unstaking everything and waiting out the thaw does not free the locked stake; the arbiter's upholding lands in full", async function () {
      const f = await loadFixture(deploySystemFixture);
      // Decisions may take up to 28 days: longer than the thaw the attackers will wait out.
      await f.proofs.connect(f.gov).setDecisionPeriod(28n * DAY);
      const { op, nodeId, delegators } = await operatorWith(f, OWN_MINIMUM, [opg(60_000n), opg(40_000n)]);
      const [a, b] = delegators;
      const r = makeRecord("escape");
      await f.proofs.connect(op).commitRecord(nodeId, r);
      const id = await challenge(f, f.challenger, nodeId, r);
      const locked = opg(5_250n);
      expect((await f.proofs.getChallenge(id)).lockedStake).to.equal(locked);

      // The operator and its delegators see the challenge and leave.
      await f.staking.connect(op).unstake(OWN_MINIMUM);
      for (const d of [a, b]) {
        const { shares } = await f.staking.getDelegation(op.address, d.address);
        await f.staking.connect(d).undelegate(op.address, shares);
      }
      await time.increase(THAW + 1n);
      // The operator's own stake holds the lock first: none of its 5,000 is free of the 5,250 locked.
      await expect(f.staking.connect(op).withdraw(op.address, 0n))
        .to.be.revertedWithCustomError(f.staking, "StakingStakeLocked")
        .withArgs(locked, OWN_MINIMUM);
      // A delegator leaves while the rest covers the lock; the last one takes only what leaves the lock whole.
      await f.staking.connect(a).withdraw(op.address, 0n);
      expect(await f.token.balanceOf(a.address)).to.equal(opg(60_000n));
      await f.staking.connect(b).withdraw(op.address, 0n);
      expect(await f.token.balanceOf(b.address)).to.equal(opg(40_000n) - (locked - OWN_MINIMUM));
      await expect(f.staking.connect(b).withdraw(op.address, 0n))
        .to.be.revertedWithCustomError(f.staking, "StakingStakeLocked")
        .withArgs(locked, locked);
      expect(await f.staking.slashableStakeOf(op.address)).to.equal(locked);

      // The arbiter upholds within its deadline: the slash lands in full, 5,000 own and 250 of b's thawing stake.
      const { decideBy } = await f.proofs.getChallenge(id);
      expect(await time.latest()).to.be.lessThan(Number(decideBy));
      const before = await snapshot(f, [f.challenger.address]);
      const tx = await f.proofs.connect(f.gov).resolveChallenge(id, true);
      const [ev] = await resolvedIn(f, tx);
      expect(ev.slashed).to.equal(locked);
      expect(ev.toChallenger).to.equal(OWN_MINIMUM / 2n);
      const after = await snapshot(f, [f.challenger.address]);
      expect(after[f.challenger.address] - before[f.challenger.address]).to.equal(BOND + OWN_MINIMUM / 2n);
      expect(before.supply - after.supply).to.equal(locked - OWN_MINIMUM / 2n);
      expect(await f.staking.lockedStakeOf(op.address)).to.equal(0n);
      // What is left comes out: b's 40,000 less its 250 (already out), the operator's nothing.
      await f.staking.connect(b).withdraw(op.address, 0n);
      expect(await f.token.balanceOf(b.address)).to.equal(opg(40_000n) - (locked - OWN_MINIMUM));
      const opBefore = await f.token.balanceOf(op.address);
      await f.staking.connect(op).withdraw(op.address, 0n);
      expect(await f.token.balanceOf(op.address)).to.equal(opBefore);
    });

    it("expiry: the lock holds until someone expires the challenge after decideBy; then it is released and the griefer's bond burned", async function () {
      const f = await loadFixture(deploySystemFixture);
      const { op, nodeId } = await operatorWith(f, opg(20_000n), []);
      // A correct record, challenged by a griefer; nobody decides.
      const r = makeRecord("grief");
      await f.proofs.connect(op).commitRecord(nodeId, r);
      const griefer = await challengerWallet(f, BOND);
      const id = await challenge(f, griefer, nodeId, r);
      const locked = opg(1_000n);
      expect(await f.staking.lockedStakeOf(op.address)).to.equal(locked);
      await f.staking.connect(op).unstake(opg(20_000n));
      await time.increase(THAW + 1n);
      const { decideBy } = await f.proofs.getChallenge(id);
      expect(BigInt(await time.latest())).to.be.greaterThan(decideBy);
      // Past decideBy, but until someone expires it the lock still holds (only what it leaves free comes out) and
      // the arbiter can no longer decide.
      const opStart = await f.token.balanceOf(op.address);
      await f.staking.connect(op).withdraw(op.address, 0n);
      expect((await f.token.balanceOf(op.address)) - opStart).to.equal(opg(20_000n) - locked);
      await expect(f.staking.connect(op).withdraw(op.address, 0n))
        .to.be.revertedWithCustomError(f.staking, "StakingStakeLocked")
        .withArgs(locked, locked);
      await expect(f.proofs.connect(f.gov).resolveChallenge(id, true))
        .to.be.revertedWithCustomError(f.proofs, "ProofsDecisionDeadlinePassed")
        .withArgs(id, decideBy);
      // Anyone expires it (the operator itself, here): the griefer's bond is burned, paid to no one.
      const before = await snapshot(f, [op.address, griefer.address]);
      const tx = await f.proofs.connect(op).expireChallenge(id);
      const [ev] = await resolvedIn(f, tx);
      expect(ev).to.deep.equal({
        id,
        outcome: Status.Expired,
        slashed: 0n,
        toChallenger: 0n,
        recipient: ethers.ZeroAddress,
      });
      await expect(tx).to.emit(f.staking, "StakeUnlocked").withArgs(op.address, locked, 0n);
      const after = await snapshot(f, [op.address, griefer.address]);
      expect(after[op.address]).to.equal(before[op.address]);
      expect(after[griefer.address]).to.equal(0n);
      expect(before[await f.proofs.getAddress()] - after[await f.proofs.getAddress()]).to.equal(BOND);
      expect(before.supply - after.supply).to.equal(BOND);
      expect(await f.staking.pendingSlashOf(op.address)).to.equal(0n);
      expect(await f.staking.lockedStakeOf(op.address)).to.equal(0n);
      // The record, past its window, can be challenged again for a day after the expiry.
      const key = await f.proofs.recordKeyOf(nodeId, ZERO, await f.proofs.leafOf(r));
      const expiredAt = BigInt((await ethers.provider.getBlock((await tx.wait())!.blockNumber))!.timestamp);
      expect(await f.proofs.getDispute(key)).to.deep.equal([ZERO, false, expiredAt + DAY]);
      await f.staking.connect(op).withdraw(op.address, 0n);
      expect(await f.token.balanceOf(op.address)).to.equal(before[op.address] + locked);
    });

    it("expiry edge: at decideBy the challenge cannot be expired, one second later it can", async function () {
      const f = await loadFixture(deploySystemFixture);
      const { op, nodeId } = await operatorWith(f, opg(20_000n), []);
      const r = makeRecord("edge");
      await f.proofs.connect(op).commitRecord(nodeId, r);
      const id = await challenge(f, f.attacker, nodeId, r);
      const { decideBy } = await f.proofs.getChallenge(id);
      await time.setNextBlockTimestamp(decideBy);
      await expect(f.proofs.connect(f.attacker).expireChallenge(id, { gasLimit: GAS }))
        .to.be.revertedWithCustomError(f.proofs, "ProofsDecisionDeadlineNotPassed")
        .withArgs(id, decideBy);
      await time.setNextBlockTimestamp(decideBy + 1n);
      await expect(f.proofs.connect(f.attacker).expireChallenge(id)).to.emit(f.proofs, "ChallengeResolved");
      expect((await f.proofs.getChallenge(id)).status).to.equal(Status.Expired);
    });
  });

  it("(c) a sockpuppet's pending challenge with wrong evidence does not stop the honest challenger's verifiable evidence", async function () {
    const f = await loadFixture(deploySystemFixture);
    const verifier = await new MockProofVerifier__factory(f.deployer).deploy();
    await f.proofs.connect(f.gov).setVerifier(Mode.Tee, verifier);
    // The operator's TEE record commits to a proof the verifier rejects (first byte 0x00).
    const proof = ethers.concat(["0x00", ethers.toUtf8Bytes("forged attestation")]);
    const r = makeRecord("tee", Mode.Tee, ethers.keccak256(proof));
    await f.proofs.connect(f.operator).commitRecord(f.nodeId, r);
    // The sockpuppet challenges first, with evidence that is not the committed proof: pending for the arbiter.
    const puppetId = await challenge(f, f.attacker, f.nodeId, r, "0x01");
    const key = await f.proofs.recordKeyOf(f.nodeId, ZERO, await f.proofs.leafOf(r));
    expect((await f.proofs.getDispute(key)).pendingChallengeId).to.equal(puppetId);
    const slashable = await f.staking.slashableStakeOf(f.operator.address);
    const lock = (slashable * 50_000n) / PPM;
    expect(await f.staking.lockedStakeOf(f.operator.address)).to.equal(lock);
    // Another arbiter challenge waits behind it...
    await expect(openChallenge(f.proofs, f.challenger, f.nodeId, ZERO, r, [], "0x"))
      .to.be.revertedWithCustomError(f.proofs, "ProofsAlreadyChallenged")
      .withArgs(puppetId);
    // ...but the honest challenger's evidence is the committed proof: the verifier decides at once.
    const before = await snapshot(f, [f.challenger.address, f.attacker.address, f.operator.address]);
    await commitChallenge(f.proofs, f.challenger, f.nodeId, ZERO, r, [], proof);
    const honestId = await f.proofs
      .connect(f.challenger)
      .challenge.staticCall(f.nodeId, ZERO, r, [], proof, { blockTag: "pending" });
    const tx = await openChallenge(f.proofs, f.challenger, f.nodeId, ZERO, r, [], proof);
    const events = await resolvedIn(f, tx);
    expect(events).to.deep.equal([
      { id: puppetId, outcome: Status.Superseded, slashed: 0n, toChallenger: 0n, recipient: f.attacker.address },
      {
        id: honestId,
        outcome: Status.Upheld,
        slashed: lock,
        toChallenger: lock / 2n,
        recipient: f.challenger.address,
      },
    ]);
    const after = await snapshot(f, [f.challenger.address, f.attacker.address, f.operator.address]);
    expect(after[f.challenger.address] - before[f.challenger.address]).to.equal(lock / 2n);
    expect(after[f.attacker.address] - before[f.attacker.address]).to.equal(BOND);
    expect(before.supply - after.supply).to.equal(lock - lock / 2n);
    expect(await f.staking.slashableStakeOf(f.operator.address)).to.equal(slashable - lock);
    expect(await f.staking.lockedStakeOf(f.operator.address)).to.equal(0n);
    // Settled by the verifier: not reopened.
    expect(await f.proofs.getDispute(key)).to.deep.equal([ZERO, true, 0n]);
    // The arbiter has nothing left to decide, and the puppet cannot come back.
    await expect(f.proofs.connect(f.gov).resolveChallenge(puppetId, false))
      .to.be.revertedWithCustomError(f.proofs, "ProofsChallengeNotPending")
      .withArgs(puppetId);
    await expect(openChallenge(f.proofs, f.attacker, f.nodeId, ZERO, r, [], proof))
      .to.be.revertedWithCustomError(f.proofs, "ProofsRecordSettled")
      .withArgs(key);
  });

  it("(d) a squatter committing the victim's inference id and batch root first neither blocks the victim nor takes its challenges", async function () {
    const f = await loadFixture(deploySystemFixture);
    const squatterNode = await addOperator(f, f.attacker);
    const r = makeRecord("victim");
    const other = makeRecord("victim-2");
    const leaves = [await f.proofs.leafOf(r), await f.proofs.leafOf(other)].sort();
    const root = ethers.keccak256(ethers.concat(leaves));
    // The squatter copies both from the mempool and commits them under its own node first.
    await f.proofs.connect(f.attacker).commitRecord(squatterNode, r);
    await f.proofs.connect(f.attacker).commitBatch(squatterNode, root, 2n, "");
    // The victim commits its own, all the same.
    await expect(f.proofs.connect(f.operator).commitRecord(f.nodeId, r)).to.emit(f.proofs, "RecordCommitted");
    await expect(f.proofs.connect(f.operator).commitBatch(f.nodeId, root, 2n, "")).to.emit(f.proofs, "BatchCommitted");
    const victimUntil = (await f.proofs.getRecord(f.nodeId, r.inferenceId)).challengeableUntil;
    expect(victimUntil).to.be.greaterThan((await f.proofs.getRecord(squatterNode, r.inferenceId)).challengeableUntil);
    // Challenges of the victim's records are the victim's: its stake is locked and slashed, the squatter's untouched.
    const single = await challenge(f, f.challenger, f.nodeId, r);
    const proof = [leaves[0] === (await f.proofs.leafOf(r)) ? leaves[1] : leaves[0]];
    await commitChallenge(f.proofs, f.challenger, f.nodeId, root, r, proof, "0x");
    const inBatch = await f.proofs
      .connect(f.challenger)
      .challenge.staticCall(f.nodeId, root, r, proof, "0x", { blockTag: "pending" });
    await openChallenge(f.proofs, f.challenger, f.nodeId, root, r, proof, "0x");
    for (const id of [single, inBatch]) expect((await f.proofs.getChallenge(id)).nodeId).to.equal(f.nodeId);
    expect(await f.staking.lockedStakeOf(f.attacker.address)).to.equal(0n);
    const squatterStake = await f.staking.slashableStakeOf(f.attacker.address);
    const victimStake = await f.staking.slashableStakeOf(f.operator.address);
    const lock = (await f.proofs.getChallenge(single)).lockedStake;
    await f.proofs.connect(f.gov).resolveChallenge(single, true);
    expect(await f.staking.slashableStakeOf(f.operator.address)).to.equal(victimStake - lock);
    expect(await f.staking.slashableStakeOf(f.attacker.address)).to.equal(squatterStake);
    // The squatter's copy is a record of its own, challengeable apart (and charging the squatter).
    const theirs = await challenge(f, f.challenger, squatterNode, r);
    expect((await f.proofs.getChallenge(theirs)).nodeId).to.equal(squatterNode);
    expect(await f.staking.lockedStakeOf(f.attacker.address)).to.be.greaterThan(0n);
  });

  describe("(e) events equal movements", function () {
    it("a slash split between own and delegated stake: slashed and toChallenger equal the balance deltas and the supply drop", async function () {
      const f = await loadFixture(deploySystemFixture);
      const { op, nodeId, delegators } = await operatorWith(f, OWN_MINIMUM, [opg(100_000n)]);
      const r = makeRecord("split");
      await f.proofs.connect(op).commitRecord(nodeId, r);
      const id = await challenge(f, f.challenger, nodeId, r);
      const accounts = [f.challenger.address, op.address, delegators[0].address];
      const before = await snapshot(f, accounts);
      const tx = await f.proofs.connect(f.gov).resolveChallenge(id, true);
      const [ev] = await resolvedIn(f, tx);
      const after = await snapshot(f, accounts);
      const staking = await f.staking.getAddress();
      const proofs = await f.proofs.getAddress();
      expect(ev.slashed).to.equal(opg(5_250n));
      expect(ev.toChallenger).to.equal(OWN_MINIMUM / 2n);
      expect(before[staking] - after[staking]).to.equal(ev.slashed);
      expect(after[f.challenger.address] - before[f.challenger.address]).to.equal(ev.toChallenger + BOND);
      expect(before[proofs] - after[proofs]).to.equal(BOND);
      expect(before.supply - after.supply).to.equal(ev.slashed - ev.toChallenger);
      // Staking's own event says the same, part by part.
      await expect(tx)
        .to.emit(f.staking, "StakeSlashed")
        .withArgs(
          op.address,
          f.challenger.address,
          OWN_MINIMUM,
          0n,
          opg(250n),
          0n,
          ev.slashed - ev.toChallenger,
          ev.toChallenger,
        );
      expect(after[op.address]).to.equal(before[op.address]);
      expect(after[delegators[0].address]).to.equal(before[delegators[0].address]);
    });

    it("a slash that sweeps a thawing pool's dust: slashed = locked + the dust, and still equals what moved", async function () {
      const f = await loadFixture(deploySystemFixture);
      // Own 5,000 (to be all thawing) and delegated 95,000 - 20 wei: 5% of the slashable 100,000 - 20 wei is
      // 5,000 - 1 wei, which leaves 1 wei in the own thawing pool: dust, which the slash sweeps.
      const { op, nodeId } = await operatorWith(f, OWN_MINIMUM, [opg(95_000n) - 20n]);
      const r = makeRecord("dust");
      await f.proofs.connect(op).commitRecord(nodeId, r);
      await f.staking.connect(op).unstake(OWN_MINIMUM);
      const id = await challenge(f, f.challenger, nodeId, r);
      const locked = (await f.proofs.getChallenge(id)).lockedStake;
      expect(locked).to.equal(OWN_MINIMUM - 1n);
      const accounts = [f.challenger.address, op.address];
      const before = await snapshot(f, accounts);
      const tx = await f.proofs.connect(f.gov).resolveChallenge(id, true);
      const [ev] = await resolvedIn(f, tx);
      const after = await snapshot(f, accounts);
      const staking = await f.staking.getAddress();
      // The whole own thawing pool went, one wei more than was locked; the delegated stake is untouched.
      expect(ev.slashed).to.equal(OWN_MINIMUM);
      expect(ev.toChallenger).to.equal(OWN_MINIMUM / 2n);
      expect(before[staking] - after[staking]).to.equal(ev.slashed);
      expect(after[f.challenger.address] - before[f.challenger.address]).to.equal(ev.toChallenger + BOND);
      expect(before.supply - after.supply).to.equal(ev.slashed - ev.toChallenger);
      const o = await f.staking.getOperator(op.address);
      expect([o.ownThawing.tokens, o.ownThawing.shares]).to.deep.equal([0n, 0n]);
      expect(o.delegated.tokens).to.equal(opg(95_000n) - 20n);
      expect(await f.staking.lockedStakeOf(op.address)).to.equal(0n);
      // The swept request is worth nothing: the operator withdraws 0 after the thaw.
      await time.increase(THAW);
      await f.staking.connect(op).withdraw(op.address, 0n);
      expect(await f.token.balanceOf(op.address)).to.equal(after[op.address]);
    });
  });

  it("(f) governance changing the slash while a challenge is pending does not change that challenge's slash", async function () {
    const f = await loadFixture(deploySystemFixture);
    const records = [makeRecord("raise"), makeRecord("lower")];
    for (const r of records) await f.proofs.connect(f.operator).commitRecord(f.nodeId, r);
    const slashable = await f.staking.slashableStakeOf(f.operator.address);
    const raise = await challenge(f, f.challenger, f.nodeId, records[0]);
    const fixedRaise = (await f.proofs.getChallenge(raise)).lockedStake;
    expect(fixedRaise).to.equal((slashable * 50_000n) / PPM);
    // Raised to the 10% maximum while pending: the pending challenge still takes 5%.
    await f.proofs.connect(f.gov).setSlash(100_000);
    let [ev] = await resolvedIn(f, await f.proofs.connect(f.gov).resolveChallenge(raise, true));
    expect(ev.slashed).to.equal(fixedRaise);
    // A challenge opened now takes 10%; lowered to 0 here and in staking's bound while pending, it still takes 10%.
    const remaining = await f.staking.slashableStakeOf(f.operator.address);
    const lower = await challenge(f, f.challenger, f.nodeId, records[1]);
    const fixedLower = (await f.proofs.getChallenge(lower)).lockedStake;
    expect(fixedLower).to.equal((remaining * 100_000n) / PPM);
    await f.proofs.connect(f.gov).setSlash(0);
    await f.staking.connect(f.gov).setMaxSlash(0);
    [ev] = await resolvedIn(f, await f.proofs.connect(f.gov).resolveChallenge(lower, true));
    expect(ev.slashed).to.equal(fixedLower);
    expect(await f.staking.slashableStakeOf(f.operator.address)).to.equal(remaining - fixedLower);
  });

  describe("(g) bogus challenges filling the lock (was a finding, fixed: pending slashes add up)", function () {
    // Was: each pending challenge locked 5% of the slashable stake and Staking.lockStake capped a lock at what was
    // left unlocked, so 20 sockpuppet challenges of correct records locked everything, an honest challenge of a wrong
    // record then locked 0, and upholding it slashed nothing yet settled the record. Now each challenge's fixed
    // slash is added to the operator's pending slashes whatever they already lock (lockedStakeOf is their sum up
    // to the slashable stake), an upheld challenge takes its whole fixed slash from what is left, and a failed
    // challenge's bond is burned.
    async function saturated(wrongCount = 1) {
      const f = await loadFixture(deploySystemFixture);
      const wrong = Array.from({ length: wrongCount }, (_, i) => makeRecord(`wrong-${i}`));
      const correct = Array.from({ length: 20 }, (_, i) => makeRecord(`correct-${i}`));
      for (const r of [...wrong, ...correct]) await f.proofs.connect(f.operator).commitRecord(f.nodeId, r);
      const coalition = async () =>
        (await f.token.balanceOf(f.operator.address)) +
        (await f.token.balanceOf(f.attacker.address)) +
        (await f.staking.slashableStakeOf(f.operator.address));
      const start = await coalition();
      const slashable = await f.staking.slashableStakeOf(f.operator.address);
      expect(slashable).to.equal(opg(60_000n));
      const fixed = (slashable * 50_000n) / PPM;
      // The operator's sockpuppet challenges 20 correct records: 20 x 3,000 pending lock all 60,000.
      const puppetIds: string[] = [];
      for (const r of correct) puppetIds.push(await challenge(f, f.attacker, f.nodeId, r));
      expect(await f.staking.pendingSlashOf(f.operator.address)).to.equal(20n * fixed);
      expect(await f.staking.lockedStakeOf(f.operator.address)).to.equal(slashable);
      // The honest challenges of the wrong records still fix their whole slash, 5% of the same 60,000.
      const honestBy = [f.challenger, f.payer2];
      const honest: string[] = [];
      for (const [i, r] of wrong.entries()) {
        honest.push(await challenge(f, honestBy[i], f.nodeId, r));
        expect((await f.proofs.getChallenge(honest[i])).lockedStake).to.equal(fixed);
      }
      expect(await f.staking.pendingSlashOf(f.operator.address)).to.equal((20n + BigInt(wrongCount)) * fixed);
      expect(await f.staking.lockedStakeOf(f.operator.address)).to.equal(slashable);
      return { f, wrong, honest, honestBy, puppetIds, coalition, start, fixed };
    }

    it("the attack fails: upheld first, the honest challenge takes its whole fixed slash; the puppet's rejected challenges burn their bonds", async function () {
      const { f, wrong, honest, puppetIds, coalition, start, fixed } = await saturated();
      expect(fixed).to.equal(opg(3_000n));
      const before = await snapshot(f, [f.challenger.address, f.operator.address, f.attacker.address]);
      const tx = await f.proofs.connect(f.gov).resolveChallenge(honest[0], true);
      const [ev] = await resolvedIn(f, tx);
      expect(ev).to.deep.equal({
        id: honest[0],
        outcome: Status.Upheld,
        slashed: fixed,
        toChallenger: fixed / 2n,
        recipient: f.challenger.address,
      });
      await expect(tx)
        .to.emit(f.staking, "StakeSlashed")
        .withArgs(f.operator.address, f.challenger.address, fixed, 0n, 0n, 0n, fixed / 2n, fixed / 2n);
      await expect(tx)
        .to.emit(f.staking, "StakeUnlocked")
        .withArgs(f.operator.address, fixed, 20n * fixed);
      const after = await snapshot(f, [f.challenger.address, f.operator.address, f.attacker.address]);
      expect(after[f.challenger.address] - before[f.challenger.address]).to.equal(BOND + fixed / 2n);
      expect(before[await f.staking.getAddress()] - after[await f.staking.getAddress()]).to.equal(fixed);
      expect(before.supply - after.supply).to.equal(fixed / 2n);
      // The puppet's 60,000 still pending lock all that is left, 57,000.
      expect(await f.staking.pendingSlashOf(f.operator.address)).to.equal(20n * fixed);
      expect(await f.staking.lockedStakeOf(f.operator.address)).to.equal(opg(57_000n));
      // The record is settled: nobody can challenge it again.
      await expect(openChallenge(f.proofs, f.payer2, f.nodeId, ZERO, wrong[0], [], "0x"))
        .to.be.revertedWithCustomError(f.proofs, "ProofsRecordSettled")
        .withArgs(await f.proofs.recordKeyOf(f.nodeId, ZERO, await f.proofs.leafOf(wrong[0])));
      // The arbiter rejects the puppet's challenges of correct records: each bond is burned, paid to no one.
      for (const id of puppetIds) {
        const [rejected] = await resolvedIn(f, await f.proofs.connect(f.gov).resolveChallenge(id, false));
        expect(rejected).to.deep.equal({
          id,
          outcome: Status.Rejected,
          slashed: 0n,
          toChallenger: 0n,
          recipient: ethers.ZeroAddress,
        });
      }
      const end = await snapshot(f, [f.challenger.address, f.operator.address, f.attacker.address]);
      expect(end[f.operator.address]).to.equal(after[f.operator.address]);
      expect(end[f.attacker.address]).to.equal(after[f.attacker.address]);
      expect(after.supply - end.supply).to.equal(20n * BOND);
      expect(after[await f.proofs.getAddress()] - end[await f.proofs.getAddress()]).to.equal(20n * BOND);
      expect(await f.staking.pendingSlashOf(f.operator.address)).to.equal(0n);
      expect(await f.staking.lockedStakeOf(f.operator.address)).to.equal(0n);
      // The coalition lost the whole slash and every bond.
      expect(await coalition()).to.equal(start - fixed - 20n * BOND);
    });

    it("intended, and now so: an upheld challenge of a wrong record slashes its whole fixed slash whatever else is pending", async function () {
      const { f, honest, honestBy, puppetIds, coalition, start, fixed } = await saturated(2);
      // Two wrong records, both upheld while the puppet's 20 still wait: each takes its fixed 3,000 in full.
      let slashed = 0n;
      for (const [i, id] of honest.entries()) {
        const [ev] = await resolvedIn(f, await f.proofs.connect(f.gov).resolveChallenge(id, true));
        expect(ev).to.deep.equal({
          id,
          outcome: Status.Upheld,
          slashed: fixed,
          toChallenger: fixed / 2n,
          recipient: honestBy[i].address,
        });
        slashed += ev.slashed;
      }
      expect(await f.staking.slashableStakeOf(f.operator.address)).to.equal(opg(60_000n) - slashed);
      expect(await f.staking.lockedStakeOf(f.operator.address)).to.equal(opg(54_000n));
      // The puppet's challenges are left to expire: the lock holds until each is expired, then every bond is burned.
      const { decideBy } = await f.proofs.getChallenge(puppetIds[puppetIds.length - 1]);
      await time.increaseTo(decideBy + 1n);
      const before = await snapshot(f, [f.operator.address, f.attacker.address]);
      for (const id of puppetIds) {
        const [ev] = await resolvedIn(f, await f.proofs.connect(f.attacker).expireChallenge(id));
        expect([ev.outcome, ev.slashed, ev.recipient]).to.deep.equal([Status.Expired, 0n, ethers.ZeroAddress]);
      }
      const after = await snapshot(f, [f.operator.address, f.attacker.address]);
      expect(before.supply - after.supply).to.equal(20n * BOND);
      expect(after[f.attacker.address]).to.equal(before[f.attacker.address]);
      expect(await f.staking.pendingSlashOf(f.operator.address)).to.equal(0n);
      expect(await coalition()).to.equal(start - slashed - 20n * BOND);
    });
  });

  describe("(h) waiting out the window behind a puppet's challenge", function () {
    // The decision period (7 days) equals the window: a puppet's challenge opened at the window's start waits for the
    // arbiter past the window's end, and nobody else can challenge meanwhile. A rejected or expired one reopens the
    // record for RECHALLENGE_WINDOW (1 day) from that moment; an upheld one settles it.
    async function puppetAtStart(labels: string[]) {
      const f = await loadFixture(deploySystemFixture);
      const records = labels.map((l) => makeRecord(l));
      for (const r of records) await f.proofs.connect(f.operator).commitRecord(f.nodeId, r);
      const ids: string[] = [];
      for (const r of records) ids.push(await challenge(f, f.attacker, f.nodeId, r));
      const closedAt: bigint[] = [];
      const decideBy: bigint[] = [];
      for (const [i, r] of records.entries()) {
        closedAt.push((await f.proofs.getRecord(f.nodeId, r.inferenceId)).challengeableUntil);
        decideBy.push((await f.proofs.getChallenge(ids[i])).decideBy);
        expect(decideBy[i]).to.be.greaterThan(closedAt[i]);
      }
      expect(await f.proofs.RECHALLENGE_WINDOW()).to.equal(DAY);
      const keys: string[] = [];
      for (const r of records) keys.push(await f.proofs.recordKeyOf(f.nodeId, ZERO, await f.proofs.leafOf(r)));
      // Committed first, so that the challenge itself is sent at `t`.
      const challengeAt = (t: bigint, by: Signer, i: number) =>
        commitChallenge(f.proofs, by, f.nodeId, ZERO, records[i], [], "0x")
          .then(() => time.setNextBlockTimestamp(t))
          .then(() => openChallenge(f.proofs, by, f.nodeId, ZERO, records[i], [], "0x", { gasLimit: GAS }));
      return { f, records, ids, closedAt, decideBy, keys, challengeAt };
    }

    it("left to expire after the window closed: within the day after, the honest challenger still challenges, and the slash lands", async function () {
      const { f, ids, closedAt, decideBy, keys, challengeAt } = await puppetAtStart(["shield"]);
      // Past the window, while the puppet's challenge waits: closed to everyone else.
      await expect(challengeAt(closedAt[0] + 1n, f.challenger, 0))
        .to.be.revertedWithCustomError(f.proofs, "ProofsChallengeWindowClosed")
        .withArgs(ZERO, closedAt[0]);
      // Nobody decides; it is expired after its deadline: the puppet's bond is burned, the record reopened.
      await time.setNextBlockTimestamp(decideBy[0] + 1n);
      const supply = await f.token.totalSupply();
      await f.proofs.connect(f.attacker).expireChallenge(ids[0]);
      expect(supply - (await f.token.totalSupply())).to.equal(BOND);
      const reopenedUntil = decideBy[0] + 1n + DAY;
      expect(await f.proofs.getDispute(keys[0])).to.deep.equal([ZERO, false, reopenedUntil]);
      // At reopenedUntil itself (a day after the expiry, past the window) the honest challenge is accepted.
      const slashable = await f.staking.slashableStakeOf(f.operator.address);
      const tx = await challengeAt(reopenedUntil, f.challenger, 0);
      const at = BigInt((await ethers.provider.getBlock((await tx.wait())!.blockNumber))!.timestamp);
      expect(at).to.equal(reopenedUntil);
      const { pendingChallengeId: honestId } = await f.proofs.getDispute(keys[0]);
      expect((await f.proofs.getChallenge(honestId)).challenger).to.equal(f.challenger.address);
      const fixed = (slashable * 50_000n) / PPM;
      expect((await f.proofs.getChallenge(honestId)).lockedStake).to.equal(fixed);
      // The arbiter upholds it: the slash lands in full, and the record is settled.
      const [ev] = await resolvedIn(f, await f.proofs.connect(f.gov).resolveChallenge(honestId, true));
      expect(ev).to.deep.equal({
        id: honestId,
        outcome: Status.Upheld,
        slashed: fixed,
        toChallenger: fixed / 2n,
        recipient: f.challenger.address,
      });
      expect(await f.staking.slashableStakeOf(f.operator.address)).to.equal(slashable - fixed);
      expect(await f.proofs.getDispute(keys[0])).to.deep.equal([ZERO, true, reopenedUntil]);
    });

    it("one second after reopenedUntil (and the window) it is closed: ProofsChallengeWindowClosed(0, reopenedUntil)", async function () {
      const { f, ids, closedAt, decideBy, keys, challengeAt } = await puppetAtStart(["late"]);
      await time.setNextBlockTimestamp(decideBy[0] + 1n);
      await f.proofs.connect(f.attacker).expireChallenge(ids[0]);
      const reopenedUntil = decideBy[0] + 1n + DAY;
      expect(reopenedUntil).to.be.greaterThan(closedAt[0]);
      await expect(challengeAt(reopenedUntil + 1n, f.challenger, 0))
        .to.be.revertedWithCustomError(f.proofs, "ProofsChallengeWindowClosed")
        .withArgs(ZERO, reopenedUntil);
      expect(await f.proofs.getDispute(keys[0])).to.deep.equal([ZERO, false, reopenedUntil]);
      expect(await f.staking.pendingSlashOf(f.operator.address)).to.equal(0n);
    });

    it("a rejection after the window reopens the record too; an upheld puppet challenge settles it (no reopen)", async function () {
      const { f, ids, closedAt, decideBy, keys, challengeAt } = await puppetAtStart(["rejected", "upheld"]);
      // The arbiter decides both at their deadlines, past the window: the first rejected, the second upheld.
      await time.setNextBlockTimestamp(decideBy[0]);
      let [ev] = await resolvedIn(f, await f.proofs.connect(f.gov).resolveChallenge(ids[0], false));
      expect([ev.outcome, ev.recipient]).to.deep.equal([Status.Rejected, ethers.ZeroAddress]);
      expect(await f.proofs.getDispute(keys[0])).to.deep.equal([ZERO, false, decideBy[0] + DAY]);
      await time.setNextBlockTimestamp(decideBy[1]);
      [ev] = await resolvedIn(f, await f.proofs.connect(f.gov).resolveChallenge(ids[1], true));
      expect([ev.outcome, ev.recipient]).to.deep.equal([Status.Upheld, f.attacker.address]);
      expect(ev.slashed).to.be.greaterThan(0n);
      expect(await f.proofs.getDispute(keys[1])).to.deep.equal([ZERO, true, 0n]);
      // The upheld record stays closed at its own window's end; the rejected one is open for the day.
      await expect(challengeAt(decideBy[1] + 2n, f.challenger, 1))
        .to.be.revertedWithCustomError(f.proofs, "ProofsChallengeWindowClosed")
        .withArgs(ZERO, closedAt[1]);
      await expect(challengeAt(decideBy[0] + DAY, f.challenger, 0)).to.emit(f.proofs, "RecordChallenged");
      expect((await f.proofs.getDispute(keys[0])).pendingChallengeId).to.not.equal(ZERO);
    });
  });
});
