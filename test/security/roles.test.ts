/*
Roles: what governance can and cannot do, with the real timelock holding every admin role as deploy/system.ts leaves
it, and the open findings of the review (contracts/SECURITY.md, "Findings").

roles
├── governance at its worst bounds (every parameter at its harshest, staking paused, the node jailed, the schedule
│   revoked, the treasury moved) → the payer still withdraws its whole deposit (its free balance at once, its escrow
│   with the operator at the end of the thaw it started before), the staker its whole stake, the beneficiary every
│   vested token: no role can keep or take them
├── the timelock's delay → an operation cannot run before minDelay (TimelockUnexpectedOperationState); an operator
│   cannot outrun the arbiter's scheduled decision (the pending challenge locks the slash; the stake thaws 14
│   days, the delay is 2 days, thawing stake stays slashable)
└── findings (contracts/SECURITY.md), each as the attacker would try it, now failing
    ├── F1 fixed: staking's slasher is the proof registry, set once; governance is no slasher (a slash through the
    │   timelock reverts StakingUnauthorized) and cannot make itself one (setProtocolContracts a second time
    │   reverts StakingProtocolContractsSet; there is no slasher role to grant)
    ├── F2 fixed: a sockpuppet's pending challenge does not lock out evidence the verifier checks (its challenge is
    │   superseded, the honest challenger is paid), and an upheld puppet is paid only half of the operator's own
    │   part: the operator and its puppet end poorer
    ├── F3 fixed: records are keyed by node: another operator committing a node's inference id first does not
    │   stop the node's own commit
    └── F4 fixed: node fees are credited per payment (FeesCredited with the node's share, from the payer's escrow
        with the operator) and released over FEE_STREAM_PERIOD: a delegator who joins after that shares none of it
*/
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";

import { MockProofVerifier__factory, OPGTimelock__factory } from "../../typechain-types";
import { opg } from "../../deploy/lib/format";
import {
  addOperator,
  DAY,
  DEPOSIT,
  deploySystemFixture,
  MODEL,
  Mode,
  MONTH,
  now,
  OPERATOR_STAKE,
  PPM,
  signVoucher,
  split,
  voucherFor,
} from "./fixture";
import { commitChallenge, openChallenge } from "../helpers/challenges";

const MIN_DELAY = 2n * DAY;

/** The system with every admin role handed to a real timelock (proposer: gov), as deploy/system.ts does. */
async function timelockedFixture() {
  const f = await deploySystemFixture();
  const timelock = await new OPGTimelock__factory(f.deployer).deploy(
    MIN_DELAY,
    [f.gov.address],
    [ethers.ZeroAddress],
    ethers.ZeroAddress,
  );
  const tl = await timelock.getAddress();
  // A revocable schedule for the beneficiary, created before the hand-over.
  const t = await now();
  await f.vesting.connect(f.gov).createSchedule({
    beneficiary: f.beneficiary.address,
    total: opg(1_200n),
    unlockedAtStart: 0n,
    start: t,
    cliff: t,
    end: t + 12n * MONTH,
    shape: 0,
    revocable: true,
  });
  await f.staking.connect(f.delegator).delegate(f.operator.address, opg(1_000n), PPM);
  const handOver = [
    [f.vesting, [await f.vesting.SCHEDULE_CREATOR_ROLE(), await f.vesting.REVOKER_ROLE()]],
    // No slasher role: only the proof registry's dispute path slashes (F1).
    [f.staking, [await f.staking.PAUSER_ROLE()]],
    [f.models, []],
    [f.nodes, [await f.nodes.JAILER_ROLE()]],
    [f.proofs, [await f.proofs.ARBITER_ROLE()]],
    [f.escrow, []],
  ] as const;
  for (const [contract, roles] of handOver) {
    for (const role of [...roles, ethers.ZeroHash]) {
      await contract.connect(f.gov).grantRole(role, tl);
      if (await contract.hasRole(role, f.gov.address)) await contract.connect(f.gov).renounceRole(role, f.gov.address);
    }
  }
  return { ...f, timelock, tl };
}

type F = Awaited<ReturnType<typeof timelockedFixture>>;

/** Schedules a batch of calls on the timelock, waits the delay, executes it. */
async function govern(f: F, calls: { target: { getAddress(): Promise<string> }; data: string }[], salt: string) {
  const targets = await Promise.all(calls.map((c) => c.target.getAddress()));
  const datas = calls.map((c) => c.data);
  const values = calls.map(() => 0n);
  await f.timelock.connect(f.gov).scheduleBatch(targets, values, datas, ethers.ZeroHash, salt, MIN_DELAY);
  await time.increase(MIN_DELAY);
  await f.timelock.executeBatch(targets, values, datas, ethers.ZeroHash, salt);
}

describe("security: roles", function () {
  it("governance at its worst bounds keeps no user's deposit, stake or vested tokens", async function () {
    const f = await loadFixture(timelockedFixture);
    // The payer keeps half of its deposit free and moves half into its escrow with the operator, whose thaw
    // started before governance acts; the staker's and delegator's too.
    await f.escrow.connect(f.payer).fundEscrow(f.operator.address, DEPOSIT / 2n);
    await f.escrow.connect(f.payer).thaw(f.operator.address, DEPOSIT / 2n);
    await f.staking.connect(f.operator).unstake(OPERATOR_STAKE);
    const { shares } = await f.staking.getDelegation(f.operator.address, f.delegator.address);
    await f.staking.connect(f.delegator).undelegate(f.operator.address, shares);
    await time.increase(30n * DAY);
    const vestedBefore = await f.vesting.releasableOf(1n);

    const e = f.escrow.interface;
    const s = f.staking.interface;
    await govern(
      f,
      [
        { target: f.escrow, data: e.encodeFunctionData("setProtocolFee", [100_000n]) },
        { target: f.escrow, data: e.encodeFunctionData("setWithdrawalThawingPeriod", [60n * DAY]) },
        { target: f.escrow, data: e.encodeFunctionData("setFeeRecipient", [f.attacker.address]) },
        { target: f.staking, data: s.encodeFunctionData("setThawingPeriod", [28n * DAY]) },
        { target: f.staking, data: s.encodeFunctionData("setMinimumDelegation", [opg(100_000n)]) },
        { target: f.staking, data: s.encodeFunctionData("setMaxThawRequests", [1n]) },
        { target: f.staking, data: s.encodeFunctionData("pause") },
        {
          target: f.nodes,
          data: f.nodes.interface.encodeFunctionData("jailNode", [f.nodeId, (await now()) + 80n * DAY]),
        },
        { target: f.models, data: f.models.interface.encodeFunctionData("setMaxRoyalty", [500_000n]) },
        { target: f.vesting, data: f.vesting.interface.encodeFunctionData("setTreasury", [f.attacker.address]) },
        { target: f.vesting, data: f.vesting.interface.encodeFunctionData("revoke", [1n]) },
      ],
      ethers.id("worst"),
    );
    expect(await f.staking.paused()).to.equal(true);

    // The payer's whole deposit comes back, the free half at once and the thawed escrow at the end its thaw was
    // given (the 60-day period applies to later thaws); the fee applies only to payments, none were made.
    const payerBefore = await f.token.balanceOf(f.payer.address);
    await f.escrow.connect(f.payer).withdrawBalance(DEPOSIT / 2n);
    await f.escrow.connect(f.payer).withdraw(f.operator.address);
    expect((await f.token.balanceOf(f.payer.address)) - payerBefore).to.equal(DEPOSIT);
    expect(await f.escrow.balanceOf(f.payer.address)).to.equal(0n);
    expect((await f.escrow.getEscrow(f.payer.address, f.operator.address)).balance).to.equal(0n);
    // The operator's and the delegator's stake come back while staking is paused.
    for (const who of [f.operator, f.delegator]) {
      const before = await f.token.balanceOf(who.address);
      await f.staking.connect(who).withdraw(f.operator.address, 0n);
      const expected = who === f.operator ? OPERATOR_STAKE : opg(1_000n);
      expect((await f.token.balanceOf(who.address)) - before).to.equal(expected);
    }
    // What had vested when the schedule was revoked stays the beneficiary's.
    const schedule = await f.vesting.getSchedule(1n);
    const vested = schedule.total - schedule.refunded;
    expect(vested).to.be.greaterThan(vestedBefore);
    const revokedAt = (await ethers.provider.getBlock("latest"))!.timestamp;
    expect(await f.vesting.vestedAt(1n, revokedAt + 100)).to.equal(vested);
    await f.vesting.release(1n);
    expect(await f.token.balanceOf(f.beneficiary.address)).to.equal(vested);
    expect(await f.token.balanceOf(f.attacker.address)).to.equal(opg(1_000_000n) + schedule.refunded);
  });

  it("the timelock's delay holds, and an operator cannot outrun the arbiter's scheduled decision", async function () {
    const f = await loadFixture(timelockedFixture);
    // A wrong record of the operator's, challenged: the challenge waits for the arbiter (the timelock) and locks
    // the slash fixed now, 5% of the slashable stake.
    const record = {
      inferenceId: ethers.id("inference:late"),
      modelId: MODEL,
      inputHash: ethers.id("in"),
      outputHash: ethers.id("a wrong output"),
      proofType: Mode.None,
      proofHash: ethers.id("proof"),
    };
    await f.proofs.connect(f.operator).commitRecord(f.nodeId, record);
    await commitChallenge(f.proofs, f.challenger, f.nodeId, ethers.ZeroHash, record, [], "0x");
    const challengeId = await f.proofs
      .connect(f.challenger)
      .challenge.staticCall(f.nodeId, ethers.ZeroHash, record, [], "0x", { blockTag: "pending" });
    await openChallenge(f.proofs, f.challenger, f.nodeId, ethers.ZeroHash, record, [], "0x");
    const amount = ((await f.staking.slashableStakeOf(f.operator.address)) * (await f.proofs.slashPpm())) / PPM;
    expect((await f.proofs.getChallenge(challengeId)).lockedStake).to.equal(amount);

    const targets = [await f.proofs.getAddress()];
    const datas = [f.proofs.interface.encodeFunctionData("resolveChallenge", [challengeId, true])];
    const values = [0n];
    const salt = ethers.id("uphold");
    await f.timelock.connect(f.gov).scheduleBatch(targets, values, datas, ethers.ZeroHash, salt, MIN_DELAY);
    const opId = await f.timelock.hashOperationBatch(targets, values, datas, ethers.ZeroHash, salt);
    await expect(f.timelock.executeBatch(targets, values, datas, ethers.ZeroHash, salt)).to.be.revertedWithCustomError(
      f.timelock,
      "TimelockUnexpectedOperationState",
    );
    // The operator sees it coming and unstakes everything: its stake thaws for 14 days, longer than the delay.
    await f.staking.connect(f.operator).unstake(OPERATOR_STAKE);
    await time.increase(MIN_DELAY);
    await expect(f.staking.connect(f.operator).withdraw(f.operator.address, 0n)).to.be.revertedWithCustomError(
      f.staking,
      "StakingNothingThawed",
    );
    const slashable = await f.staking.slashableStakeOf(f.operator.address);
    await f.timelock.executeBatch(targets, values, datas, ethers.ZeroHash, salt);
    expect(await f.timelock.isOperationDone(opId)).to.equal(true);
    expect(await f.staking.slashableStakeOf(f.operator.address)).to.equal(slashable - amount);
    expect(await f.staking.lockedStakeOf(f.operator.address)).to.equal(0n);
  });

  describe("findings", function () {
    it("F1 (fixed): governance is no slasher, so a slash through the timelock reverts StakingUnauthorized", async function () {
      const f = await loadFixture(timelockedFixture);
      expect(await f.staking.slasher()).to.equal(await f.proofs.getAddress());
      expect(await f.staking.feeSource()).to.equal(await f.escrow.getAddress());
      const amount = ((await f.staking.slashableStakeOf(f.operator.address)) * 100_000n) / PPM;
      const s = f.staking.interface;
      const calls = [
        s.encodeFunctionData("slash", [f.operator.address, amount, f.tl]),
        s.encodeFunctionData("lockStake", [f.operator.address, amount]),
      ];
      for (const [i, data] of calls.entries()) {
        await expect(govern(f, [{ target: f.staking, data }], ethers.id(`f1-${i}`)))
          .to.be.revertedWithCustomError(f.staking, "StakingUnauthorized")
          .withArgs(f.tl);
      }
    });

    it("F1 (residual, fixed): no grant path: setProtocolContracts a second time reverts, even through the timelock", async function () {
      // Was open: DEFAULT_ADMIN_ROLE could grant SLASHER_ROLE and then slash 10% at a time, naming the challenger.
      // The role is gone; the slasher is set once. The attacker (governance) tries to make itself the slasher.
      const f = await loadFixture(timelockedFixture);
      const named = (name: string) => f.staking.interface.fragments.some((x) => "name" in x && x.name === name);
      expect([named("PAUSER_ROLE"), named("SLASHER_ROLE")]).to.deep.equal([true, false]);
      const proofs = await f.proofs.getAddress();
      const escrow = await f.escrow.getAddress();
      const s = f.staking.interface;
      for (const [slasher, feeSource] of [
        [f.tl, f.tl],
        [f.tl, escrow],
        [proofs, f.tl],
      ]) {
        const data = s.encodeFunctionData("setProtocolContracts", [slasher, feeSource]);
        await expect(govern(f, [{ target: f.staking, data }], ethers.id(`again ${slasher} ${feeSource}`)))
          .to.be.revertedWithCustomError(f.staking, "StakingProtocolContractsSet")
          .withArgs(proofs, escrow);
      }
      // Nobody else can either (the deployer and gov no longer hold the admin role).
      for (const who of [f.gov, f.deployer, f.attacker]) {
        await expect(f.staking.connect(who).setProtocolContracts(who.address, who.address))
          .to.be.revertedWithCustomError(f.staking, "AccessControlUnauthorizedAccount")
          .withArgs(who.address, ethers.ZeroHash);
      }
      expect(await f.staking.slasher()).to.equal(proofs);
      expect(await f.staking.feeSource()).to.equal(escrow);
    });

    it("F2 (fixed): a sockpuppet's pending challenge does not lock out verifiable evidence, and the coalition loses", async function () {
      const f = await loadFixture(timelockedFixture);
      const verifier = await new MockProofVerifier__factory(f.deployer).deploy();
      const setVerifier = f.proofs.interface.encodeFunctionData("setVerifier", [Mode.Tee, await verifier.getAddress()]);
      await govern(f, [{ target: f.proofs, data: setVerifier }], ethers.id("verifier"));
      // A TEE record whose committed proof the verifier rejects (first byte 0x00).
      const proof = ethers.concat(["0x00", ethers.toUtf8Bytes("a forged attestation")]);
      const record = {
        inferenceId: ethers.id("inference:bad"),
        modelId: MODEL,
        inputHash: ethers.id("in"),
        outputHash: ethers.id("a wrong output"),
        proofType: Mode.Tee,
        proofHash: ethers.keccak256(proof),
      };
      await f.proofs.connect(f.operator).commitRecord(f.nodeId, record);
      const coalition = async () =>
        (await f.token.balanceOf(f.operator.address)) +
        (await f.token.balanceOf(f.payer2.address)) +
        (await f.staking.slashableStakeOf(f.operator.address));
      const start = await coalition();
      // The operator's sockpuppet (payer2) challenges first, with evidence that sends it to the arbiter.
      await commitChallenge(f.proofs, f.payer2, f.nodeId, ethers.ZeroHash, record, [], "0x");
      const puppetId = await f.proofs
        .connect(f.payer2)
        .challenge.staticCall(f.nodeId, ethers.ZeroHash, record, [], "0x", { blockTag: "pending" });
      await openChallenge(f.proofs, f.payer2, f.nodeId, ethers.ZeroHash, record, [], "0x");
      // The honest challenger's evidence goes to the verifier all the same: upheld, the puppet superseded.
      const honestBefore = await f.token.balanceOf(f.challenger.address);
      const slashed = ((await f.staking.slashableStakeOf(f.operator.address)) * (await f.proofs.slashPpm())) / PPM;
      await expect(openChallenge(f.proofs, f.challenger, f.nodeId, ethers.ZeroHash, record, [], proof))
        .to.emit(f.proofs, "ChallengeResolved")
        .withArgs(puppetId, 5n, 0n, 0n, f.payer2.address, await f.proofs.challengeBond());
      expect((await f.proofs.getChallenge(puppetId)).status).to.equal(5n); // Superseded
      // The honest challenger is paid half of the slash (all from the operator's own stake), the rest burned.
      expect((await f.token.balanceOf(f.challenger.address)) - honestBefore).to.equal(slashed / 2n);
      expect(await coalition()).to.equal(start - slashed);
    });

    it("F2 (fixed): a puppet upheld by the arbiter recovers at most half of the operator's own part: the coalition loses", async function () {
      const f = await loadFixture(timelockedFixture);
      const record = {
        inferenceId: ethers.id("inference:bad"),
        modelId: MODEL,
        inputHash: ethers.id("in"),
        outputHash: ethers.id("a wrong output"),
        proofType: Mode.None,
        proofHash: ethers.id("proof"),
      };
      await f.proofs.connect(f.operator).commitRecord(f.nodeId, record);
      const coalition = async () =>
        (await f.token.balanceOf(f.operator.address)) +
        (await f.token.balanceOf(f.payer2.address)) +
        (await f.staking.slashableStakeOf(f.operator.address));
      const start = await coalition();
      await commitChallenge(f.proofs, f.payer2, f.nodeId, ethers.ZeroHash, record, [], "0x");
      const puppetId = await f.proofs
        .connect(f.payer2)
        .challenge.staticCall(f.nodeId, ethers.ZeroHash, record, [], "0x", { blockTag: "pending" });
      await openChallenge(f.proofs, f.payer2, f.nodeId, ethers.ZeroHash, record, [], "0x");
      // With no verifier for the type, the honest challenger waits behind the pending challenge.
      await expect(openChallenge(f.proofs, f.challenger, f.nodeId, ethers.ZeroHash, record, [], "0x"))
        .to.be.revertedWithCustomError(f.proofs, "ProofsAlreadyChallenged")
        .withArgs(puppetId);
      const slashed = (await f.proofs.getChallenge(puppetId)).lockedStake;
      const data = f.proofs.interface.encodeFunctionData("resolveChallenge", [puppetId, true]);
      await govern(f, [{ target: f.proofs, data }], ethers.id("uphold"));
      // The slash lands in full; the puppet's half comes back, the other half is burned: the coalition loses half.
      expect(await coalition()).to.equal(start - slashed + slashed / 2n);
      expect(await coalition()).to.be.lessThan(start);
    });

    it("F3 (fixed): another operator committing a node's inference id first does not stop the node", async function () {
      const f = await loadFixture(timelockedFixture);
      const squatterNode = await addOperator(f, f.attacker);
      const record = {
        inferenceId: ethers.id("inference:victim"),
        modelId: MODEL,
        inputHash: ethers.id("in"),
        outputHash: ethers.id("out"),
        proofType: Mode.None,
        proofHash: ethers.id("proof"),
      };
      // The squatter copies the record from the mempool and commits it under its own node first.
      await f.proofs.connect(f.attacker).commitRecord(squatterNode, record);
      await expect(f.proofs.connect(f.operator).commitRecord(f.nodeId, record)).to.emit(f.proofs, "RecordCommitted");
      expect(await f.proofs.isRecordCommitted(f.nodeId, record)).to.equal(true);
      expect(await f.proofs.isRecordCommitted(squatterNode, record)).to.equal(true);
      // And the same for a batch root.
      const root = ethers.id("a batch root");
      await f.proofs.connect(f.attacker).commitBatch(squatterNode, root, 10n, "");
      await expect(f.proofs.connect(f.operator).commitBatch(f.nodeId, root, 10n, "")).to.emit(
        f.proofs,
        "BatchCommitted",
      );
    });

    it("F4 (fixed): a delegator who joins after a payment's fees were released shares none of them", async function () {
      const f = await loadFixture(timelockedFixture);
      // A month of inferences paid by voucher, from the payer's escrow with the node's operator: the node's share
      // joins the operator's fee stream at payment and is released to the stake over FEE_STREAM_PERIOD.
      await f.escrow.connect(f.payer).fundEscrow(f.operator.address, DEPOSIT);
      const v = { ...(await voucherFor(f, opg(900n))), payer: f.payer.address };
      await expect(f.escrow.redeem(v, await signVoucher(f.payer, v, f.escrow)))
        .to.emit(f.staking, "FeesCredited")
        .withArgs(f.operator.address, split(opg(900n)).node, anyValue, anyValue);
      await time.increase(await f.staking.FEE_STREAM_PERIOD());
      const operatorOwed = await f.staking.claimableRewards(f.operator.address, f.operator.address);
      // The sniper delegates ten times the operator's stake right after.
      await f.token.connect(f.gov).transfer(f.attacker.address, opg(600_000n));
      await f.staking.connect(f.attacker).delegate(f.operator.address, opg(600_000n), PPM);
      expect(await f.staking.claimableRewards(f.attacker.address, f.operator.address)).to.equal(0n);
      // What was earned before stays with those staked then.
      expect(await f.staking.claimableRewards(f.operator.address, f.operator.address)).to.be.gte(operatorOwed);
    });
  });
});
