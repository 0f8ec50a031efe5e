/*
Timestamp manipulation within validator bounds (attack class). A block producer can shift a block's timestamp by a few
seconds; we try ±15 s around every edge. No edge has a lump: moving a block 15 s moves at most 15 s worth of a linear
amount, and every pair of "before/after" actions has one inclusive and one exclusive edge, so no shift allows both.

timestamps (±15 s)
├── vesting cliff → at cliff − 15 s and at the cliff only the unlock at start; at cliff + 15 s exactly 15 s of slope
├── vesting end → at end − 15 s the total less at most 15 s of slope (rounded down); at end the total
├── staking thaw → withdraw at thawingUntil − 15 s: StakingNothingThawed(thawingUntil); at thawingUntil it pays
├── escrow thaw (the payer's escrow with an operator) → withdraw at thawEndsAt − 15 s: EscrowThawNotEnded(thawEndsAt);
│   at thawEndsAt it pays
├── request deadline (a request naming its node) → fulfil at the deadline pays and reclaim reverts; at deadline + 1
│   reclaim refunds and fulfil reverts: never both
├── request duration → a deadline MAX_REQUEST_DURATION − 1 s after the posting block is accepted, one second more
│   is EscrowDeadlineTooFar(deadline, latest) whatever second the producer gives the block
├── voucher expiry → at the expiry it pays; 1 s later EscrowVoucherExpired(expiry)
├── challenge window → at its last second a challenge opens; 1 s later ProofsChallengeWindowClosed; isFinal flips
│   exactly there
└── the rewards stream → 15 s moves at most 15 s of emission for the whole network (about 5.9 OPG)
*/
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";

import { opg } from "../../deploy/lib/format";
import {
  DAY,
  deploySystemFixture,
  MODEL,
  Mode,
  MONTH,
  now,
  PRICES,
  REWARDS_DURATION,
  REWARDS_TOTAL,
  signVoucher,
  voucherFor,
} from "./fixture";
import { commitChallenge, openChallenge } from "../helpers/challenges";

const SKEW = 15n;
/** Pinned transactions carry their own gas limit, so that they are mined at the pinned second even when they revert. */
const GAS = { gasLimit: 2_000_000n };

async function vestingFixture() {
  const f = await deploySystemFixture();
  const t = (await now()) + 100n;
  const schedule = {
    beneficiary: f.beneficiary.address,
    total: opg(48_000_000n) + 1n,
    unlockedAtStart: opg(1_000n),
    start: t,
    cliff: t + 12n * MONTH,
    end: t + 48n * MONTH,
    shape: 0,
    revocable: false,
  };
  await f.vesting.connect(f.gov).createSchedule(schedule);
  // The same shape over days instead of years, for the releases: the test moves the chain days, not years ahead.
  const short = { ...schedule, cliff: t + 2n * DAY, end: t + 32n * DAY };
  await f.vesting.connect(f.gov).createSchedule(short);
  return { ...f, schedule, short };
}

describe("security: timestamp manipulation within validator bounds", function () {
  it("vesting cliff: no lump; 15 s after it, exactly 15 s of slope", async function () {
    const f = await loadFixture(vestingFixture);
    const { schedule: s } = f;
    const rest = s.total - s.unlockedAtStart;
    const span = s.end - s.cliff;
    expect(await f.vesting.vestedAt(1n, s.cliff - SKEW)).to.equal(s.unlockedAtStart);
    expect(await f.vesting.vestedAt(1n, s.cliff)).to.equal(s.unlockedAtStart);
    const slope15 = (rest * SKEW) / span;
    expect(await f.vesting.vestedAt(1n, s.cliff + SKEW)).to.equal(s.unlockedAtStart + slope15);
    // 15 s of this schedule's slope is about 7.6 OPG of 48,000,000.
    expect(slope15).to.be.lessThan(opg(8n));
    const short = f.short;
    const shortSlope15 = ((short.total - short.unlockedAtStart) * SKEW) / (short.end - short.cliff);
    await time.setNextBlockTimestamp(short.cliff + SKEW);
    await expect(f.vesting.release(2n, GAS))
      .to.emit(f.vesting, "TokensReleased")
      .withArgs(2n, f.beneficiary.address, short.unlockedAtStart + shortSlope15);
  });

  it("vesting end: 15 s early is the total less at most 15 s of slope; at the end, the total", async function () {
    const f = await loadFixture(vestingFixture);
    const { schedule: s } = f;
    const rest = s.total - s.unlockedAtStart;
    const span = s.end - s.cliff;
    const early = await f.vesting.vestedAt(1n, s.end - SKEW);
    expect(s.total - early).to.be.lessThanOrEqual((rest * SKEW) / span + 1n);
    expect(await f.vesting.vestedAt(1n, s.end)).to.equal(s.total);
    await time.setNextBlockTimestamp(f.short.end);
    await expect(f.vesting.release(2n, GAS))
      .to.emit(f.vesting, "TokensReleased")
      .withArgs(2n, f.beneficiary.address, f.short.total);
  });

  it("staking thaw: 15 s early is refused; at thawingUntil it pays", async function () {
    const f = await loadFixture(deploySystemFixture);
    await f.staking.connect(f.operator).unstake(opg(1_000n));
    const [, , [until]] = await f.staking.thawRequestsOf(f.operator.address, f.operator.address);
    await time.setNextBlockTimestamp(until - SKEW);
    await expect(f.staking.connect(f.operator).withdraw(f.operator.address, 0n, GAS))
      .to.be.revertedWithCustomError(f.staking, "StakingNothingThawed")
      .withArgs(until);
    await time.setNextBlockTimestamp(until);
    await expect(f.staking.connect(f.operator).withdraw(f.operator.address, 0n, GAS))
      .to.emit(f.staking, "StakeWithdrawn")
      .withArgs(f.operator.address, f.operator.address, opg(1_000n), 1n);
  });

  it("escrow thaw: 15 s early is refused; at thawEndsAt it pays", async function () {
    const f = await loadFixture(deploySystemFixture);
    const op = f.operator.address;
    await f.escrow.connect(f.payer).fundEscrow(op, opg(10n));
    await f.escrow.connect(f.payer).thaw(op, opg(10n));
    const { thawEndsAt } = await f.escrow.getEscrow(f.payer.address, op);
    await time.setNextBlockTimestamp(thawEndsAt - SKEW);
    await expect(f.escrow.connect(f.payer).withdraw(op, GAS))
      .to.be.revertedWithCustomError(f.escrow, "EscrowThawNotEnded")
      .withArgs(thawEndsAt);
    await time.setNextBlockTimestamp(thawEndsAt);
    await expect(f.escrow.connect(f.payer).withdraw(op, GAS))
      .to.emit(f.escrow, "Withdrawn")
      .withArgs(f.payer.address, op, opg(10n));
  });

  describe("request deadline: fulfil and reclaim never both", function () {
    async function posted() {
      const f = await loadFixture(deploySystemFixture);
      const deadline = (await now()) + 600n;
      // Named for its node, so that no commitment is needed (open requests are covered in payments.test.ts).
      await f.escrow.connect(f.payer).postRequest(MODEL, ethers.id("in"), Mode.None, opg(2n), deadline, f.nodeId);
      await f.nodes.connect(f.operator).heartbeat(f.nodeId);
      return { f, deadline, requestId: 1n };
    }

    it("at the deadline: reclaim reverts, fulfil pays", async function () {
      const { f, deadline, requestId } = await posted();
      await time.setNextBlockTimestamp(deadline - SKEW);
      await expect(f.escrow.reclaim(requestId, GAS))
        .to.be.revertedWithCustomError(f.escrow, "EscrowRequestNotExpired")
        .withArgs(requestId, deadline);
      // Each transaction is its own block, so the two attempts at the deadline's own second run from one snapshot.
      const snapshot = await ethers.provider.send("evm_snapshot", []);
      await time.setNextBlockTimestamp(deadline);
      await expect(f.escrow.reclaim(requestId, GAS))
        .to.be.revertedWithCustomError(f.escrow, "EscrowRequestNotExpired")
        .withArgs(requestId, deadline);
      await ethers.provider.send("evm_revert", [snapshot]);
      await time.setNextBlockTimestamp(deadline);
      await expect(f.escrow.connect(f.operator).fulfil(requestId, f.nodeId, ethers.id("out"), ethers.id("p"), GAS))
        .to.emit(f.escrow, "RequestFulfilled")
        .withArgs(requestId, f.nodeId, ethers.id("out"), ethers.id("p"), PRICES[0], opg(2n) - PRICES[0]);
      await expect(f.escrow.reclaim(requestId, GAS))
        .to.be.revertedWithCustomError(f.escrow, "EscrowRequestNotOpen")
        .withArgs(requestId, 2n);
    });

    it("one second after: fulfil reverts, reclaim refunds", async function () {
      const { f, deadline, requestId } = await posted();
      await time.setNextBlockTimestamp(deadline + 1n);
      await expect(f.escrow.connect(f.operator).fulfil(requestId, f.nodeId, ethers.id("out"), ethers.id("p"), GAS))
        .to.be.revertedWithCustomError(f.escrow, "EscrowDeadlinePassed")
        .withArgs(deadline);
      await expect(f.escrow.reclaim(requestId))
        .to.emit(f.escrow, "RequestReclaimed")
        .withArgs(requestId, f.payer.address, opg(2n));
      await expect(f.escrow.connect(f.operator).fulfil(requestId, f.nodeId, ethers.id("out"), ethers.id("p"), GAS))
        .to.be.revertedWithCustomError(f.escrow, "EscrowRequestNotOpen")
        .withArgs(requestId, 3n);
    });
  });

  it("request duration: a producer's timestamp moves the latest deadline with it, never past it", async function () {
    const f = await loadFixture(deploySystemFixture);
    const max = await f.escrow.MAX_REQUEST_DURATION();
    expect(max).to.equal(DAY);
    for (const skew of [0n, SKEW]) {
      const t = (await now()) + 1n + skew;
      await time.setNextBlockTimestamp(t);
      await expect(
        f.escrow.connect(f.payer).postRequest(MODEL, ethers.id("in"), Mode.None, opg(2n), t + max + 1n, 0n, GAS),
      )
        .to.be.revertedWithCustomError(f.escrow, "EscrowDeadlineTooFar")
        .withArgs(t + max + 1n, t + max - 1n);
      await time.setNextBlockTimestamp(t + 1n);
      await expect(
        f.escrow.connect(f.payer).postRequest(MODEL, ethers.id("in"), Mode.None, opg(2n), t + 1n + max, 0n, GAS),
      )
        .to.be.revertedWithCustomError(f.escrow, "EscrowDeadlineTooFar")
        .withArgs(t + 1n + max, t + max);
      await time.setNextBlockTimestamp(t + 2n);
      await expect(
        f.escrow.connect(f.payer).postRequest(MODEL, ethers.id("in"), Mode.None, opg(2n), t + 1n + max, 0n, GAS),
      ).to.emit(f.escrow, "RequestPosted");
    }
  });

  it("voucher expiry: paid at the expiry, refused one second later", async function () {
    const f = await loadFixture(deploySystemFixture);
    await f.escrow.connect(f.payer).fundEscrow(f.operator.address, opg(10n));
    const expiry = (await now()) + 100n;
    const v = await voucherFor(f, opg(5n), { expiry });
    const sig = await signVoucher(f.payer, v, f.escrow);
    const v2 = { ...v, cumulativeAmount: opg(6n) };
    const sig2 = await signVoucher(f.payer, v2, f.escrow);
    await time.setNextBlockTimestamp(expiry);
    await expect(f.escrow.redeem(v, sig, GAS)).to.emit(f.escrow, "PaymentCollected");
    await time.setNextBlockTimestamp(expiry + 1n);
    await expect(f.escrow.redeem(v2, sig2, GAS))
      .to.be.revertedWithCustomError(f.escrow, "EscrowVoucherExpired")
      .withArgs(expiry);
  });

  it("challenge window: open at its last second, closed one second later, final exactly then", async function () {
    const f = await loadFixture(deploySystemFixture);
    const records = [1, 2].map((i) => ({
      inferenceId: ethers.id(`inference:${i}`),
      modelId: MODEL,
      inputHash: ethers.id("in"),
      outputHash: ethers.id("out"),
      proofType: Mode.None,
      proofHash: ethers.id("proof"),
    }));
    for (const r of records) await f.proofs.connect(f.operator).commitRecord(f.nodeId, r);
    const until = (await f.proofs.getRecord(f.nodeId, records[0].inferenceId)).challengeableUntil;
    const until2 = (await f.proofs.getRecord(f.nodeId, records[1].inferenceId)).challengeableUntil;
    await commitChallenge(f.proofs, f.challenger, f.nodeId, ethers.ZeroHash, records[0], [], "0x");
    await time.setNextBlockTimestamp(until);
    await expect(openChallenge(f.proofs, f.challenger, f.nodeId, ethers.ZeroHash, records[0], [], "0x", GAS)).to.emit(
      f.proofs,
      "RecordChallenged",
    );
    expect(await f.proofs.isRecordFinal(f.nodeId, records[0].inferenceId)).to.equal(false);
    await commitChallenge(f.proofs, f.challenger, f.nodeId, ethers.ZeroHash, records[1], [], "0x");
    await time.setNextBlockTimestamp(until2 + 1n);
    await expect(openChallenge(f.proofs, f.challenger, f.nodeId, ethers.ZeroHash, records[1], [], "0x", GAS))
      .to.be.revertedWithCustomError(f.proofs, "ProofsChallengeWindowClosed")
      .withArgs(ethers.ZeroHash, until2);
    expect(await f.proofs.isRecordFinal(f.nodeId, records[1].inferenceId)).to.equal(true);
  });

  it("the rewards stream: 15 s moves at most 15 s of emission for the whole network", async function () {
    const f = await loadFixture(deploySystemFixture);
    const start = await f.staking.REWARDS_START();
    const perSkew = (REWARDS_TOTAL * SKEW) / REWARDS_DURATION;
    for (const t of [start + 1n, start + 12n * MONTH, start + REWARDS_DURATION - SKEW]) {
      const moved = (await f.staking.rewardsEmittedAt(t + SKEW)) - (await f.staking.rewardsEmittedAt(t));
      expect(moved).to.be.lessThanOrEqual(perSkew + 1n);
      expect(moved).to.be.greaterThanOrEqual(perSkew - 1n);
    }
    expect(perSkew).to.be.lessThan(opg(6n));
    expect(await f.staking.rewardsEmittedAt(start + REWARDS_DURATION + SKEW)).to.equal(REWARDS_TOTAL);
  });
});
