/*
Roles: what governance can and cannot do, with the real timelock holding every admin role as deploy/system.ts leaves
it, and the open findings of the review (contracts/SECURITY.md, "Findings").

roles
├── governance at its worst bounds (every parameter at its harshest, staking paused, the node jailed, the schedule
│   revoked, the treasury moved) → the payer still withdraws its whole deposit, the staker its whole stake, the
│   beneficiary every vested token: no role can keep or take them
├── the timelock's delay → an operation cannot run before minDelay (TimelockUnexpectedOperationState); an operator
│   cannot outrun a scheduled slash (its stake thaws 14 days, the delay is 2 days, thawing stake stays slashable)
└── findings (documented; the skipped tests state the property the code does not have yet)
    ├── F1 the slasher role names the challenger: the deployment gives governance no slasher role (only the
    │   proof registry slashes); an admin that grants itself the role, in a public delayed operation, could still
    │   slash repeatedly (10% each) and direct half of each slash to any address
    ├── F2 an operator can challenge its own record first (a sockpuppet): an honest challenger is locked out and,
    │   when upheld, half of the slash comes back to the operator
    ├── F3 single records are keyed by inference id alone: another operator can commit a node's record first and
    │   the node's own commit reverts ProofsInferenceAlreadyCommitted
    └── F4 node fees are shared by the stake present when anyone calls collectNodeFees: a delegator who joins just
        before takes most of fees earned before it joined
*/
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";

import { OPGTimelock__factory } from "../../typechain-types";
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
  voucherFor,
} from "./fixture";

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
  await f.staking.connect(f.delegator).delegate(f.operator.address, opg(1_000n));
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
    // The payer's thaw started before governance acts; the staker's and delegator's too.
    await f.escrow.connect(f.payer).thaw(DEPOSIT);
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

    // The payer's whole deposit comes back; the fee applies only to payments, none were made.
    const payerBefore = await f.token.balanceOf(f.payer.address);
    await f.escrow.connect(f.payer).withdraw();
    expect((await f.token.balanceOf(f.payer.address)) - payerBefore).to.equal(DEPOSIT);
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

  it("the timelock's delay holds, and an operator cannot outrun a scheduled slash", async function () {
    const f = await loadFixture(timelockedFixture);
    const amount = ((await f.staking.slashableStakeOf(f.operator.address)) * 100_000n) / PPM;
    // Governance holds no slasher role (F1): a direct slash has to grant it first, in the same public operation.
    const targets = [await f.staking.getAddress(), await f.staking.getAddress()];
    const datas = [
      f.staking.interface.encodeFunctionData("grantRole", [await f.staking.SLASHER_ROLE(), f.tl]),
      f.staking.interface.encodeFunctionData("slash", [f.operator.address, amount, ethers.ZeroAddress]),
    ];
    const values = [0n, 0n];
    const salt = ethers.id("slash");
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
  });

  describe("findings", function () {
    it("F1 (fixed in the deployment): governance holds no slasher role, so a slash through the timelock reverts", async function () {
      const f = await loadFixture(timelockedFixture);
      expect(await f.staking.hasRole(await f.staking.SLASHER_ROLE(), f.tl)).to.equal(false);
      expect(await f.staking.hasRole(await f.staking.SLASHER_ROLE(), await f.proofs.getAddress())).to.equal(true);
      const amount = ((await f.staking.slashableStakeOf(f.operator.address)) * 100_000n) / PPM;
      const data = f.staking.interface.encodeFunctionData("slash", [f.operator.address, amount, f.tl]);
      await expect(govern(f, [{ target: f.staking, data }], ethers.id("f1"))).to.be.revertedWithCustomError(
        f.staking,
        "AccessControlUnauthorizedAccount",
      );
    });

    it("F1 (residual): an admin that grants itself the slasher role can slash 10% at a time and name the challenger", async function () {
      // What remains open: DEFAULT_ADMIN_ROLE can grant SLASHER_ROLE. It takes a public operation that waits the
      // timelock's delay (the test above), but once granted, repeated slashes pay half to any address named.
      const f = await loadFixture(timelockedFixture);
      const start = await f.staking.slashableStakeOf(f.operator.address);
      const s = f.staking.interface;
      const calls = [
        { target: f.staking, data: s.encodeFunctionData("grantRole", [await f.staking.SLASHER_ROLE(), f.tl]) },
      ];
      let left = start;
      for (let i = 0; i < 5; i++) {
        const amount = (left * 100_000n) / PPM;
        calls.push({ target: f.staking, data: s.encodeFunctionData("slash", [f.operator.address, amount, f.tl]) });
        left -= amount;
      }
      const before = await f.token.balanceOf(f.tl);
      await govern(f, calls, ethers.id("grant and slash x5"));
      const taken = start - left;
      expect(await f.staking.slashableStakeOf(f.operator.address)).to.equal(left);
      expect(taken * 100n).to.be.greaterThan(start * 40n);
      expect((await f.token.balanceOf(f.tl)) - before).to.be.closeTo(taken / 2n, 5n);
    });

    async function committed() {
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
      const challengeId = ethers.keccak256(
        ethers.AbiCoder.defaultAbiCoder().encode(
          ["bytes32", "bytes32"],
          [ethers.ZeroHash, await f.proofs.leafOf(record)],
        ),
      );
      return { f, record, challengeId };
    }

    it("F2: a cheating operator's own challenge locks out the honest one and recovers half of its slash", async function () {
      const { f, record, challengeId } = await committed();
      // The operator's sockpuppet (payer2 here) challenges first, with evidence that sends it to the arbiter.
      await f.proofs.connect(f.payer2).challenge(ethers.ZeroHash, record, [], "0x");
      await expect(f.proofs.connect(f.challenger).challenge(ethers.ZeroHash, record, [], "0x"))
        .to.be.revertedWithCustomError(f.proofs, "ProofsAlreadyChallenged")
        .withArgs(challengeId);
      const slashable = await f.staking.slashableStakeOf(f.operator.address);
      const slashed = (slashable * (await f.proofs.slashPpm())) / PPM;
      const puppetBefore = await f.token.balanceOf(f.payer2.address);
      const data = f.proofs.interface.encodeFunctionData("resolveChallenge", [challengeId, true]);
      await govern(f, [{ target: f.proofs, data }], ethers.id("uphold"));
      // The record was wrong and the arbiter upheld it, but half of the slash went to the operator's own account.
      const back = (await f.token.balanceOf(f.payer2.address)) - puppetBefore - (await f.proofs.challengeBond());
      expect(back).to.equal(slashed / 2n);
    });

    it("F3: another operator can take a node's inference id before the node commits it", async function () {
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
      await expect(f.proofs.connect(f.operator).commitRecord(f.nodeId, record))
        .to.be.revertedWithCustomError(f.proofs, "ProofsInferenceAlreadyCommitted")
        .withArgs(record.inferenceId);
      expect((await f.proofs.getRecord(record.inferenceId)).nodeId).to.equal(squatterNode);
    });

    async function feesPending() {
      const f = await loadFixture(timelockedFixture);
      await f.staking.connect(f.operator).setDelegationCut(100_000n); // applies at once: no delegators yet
      // A month of inferences paid by voucher: 900 OPG of node fees owed to the operator, not yet collected.
      const v = { ...(await voucherFor(f, opg(900n))), payer: f.payer.address };
      await f.escrow.redeem(v, await signVoucher(f.payer, v, f.escrow));
      const owed = await f.escrow.nodeFeesOf(f.operator.address);
      // The sniper delegates ten times the operator's stake in the block before the collection.
      await f.token.connect(f.gov).transfer(f.attacker.address, opg(600_000n));
      await f.staking.connect(f.attacker).delegate(f.operator.address, opg(600_000n));
      await f.escrow.connect(f.attacker).collectNodeFees(f.operator.address);
      const sniped = await f.staking.claimableRewards(f.attacker.address, f.operator.address);
      return { f, owed, sniped };
    }

    it("F4: a delegator who joins just before collectNodeFees takes most of the fees earned before it joined", async function () {
      const { f, owed, sniped } = await feesPending();
      // 600,000 of 661,000 active, less the 10% cut: about 81% of the fees, earned before the sniper existed.
      expect(sniped * 100n).to.be.greaterThan(owed * 80n);
      // It leaves at once; its stake is back after the thaw, and the fees are already its own.
      const { shares } = await f.staking.getDelegation(f.operator.address, f.attacker.address);
      await f.staking.connect(f.attacker).undelegate(f.operator.address, shares);
      await expect(f.staking.connect(f.attacker).claimRewards(f.operator.address)).to.emit(f.staking, "RewardsClaimed");
    });

    it.skip("F4 (open): fees earned before a delegation are not shared with it", async function () {
      // Skipped: Staking.distributeFees shares a lump of fees by the active stake of the moment, and anyone can pick
      // the moment (PaymentsEscrow.collectNodeFees is permissionless). Fix: credit node fees to the operator's
      // reward-per-share accumulator as they are earned (at each payment), or stream a lump over a period like the
      // rewards, or give new delegations a warm-up before they share fees.
      const { owed, sniped } = await feesPending();
      expect(sniped).to.equal(0n);
      expect(owed).to.be.greaterThan(0n);
    });

    it.skip("F3 (open): a node's single record cannot be taken by another node", async function () {
      // Skipped: ProofRegistry keys single records by inference id alone (only the 0xff prefix of on-chain requests
      // is reserved). Fix: key single records by (nodeId, inferenceId), or bind the inference id to the node (e.g.
      // require inferenceId = keccak256(nodeId, nonce)). A node can meanwhile commit the record in a batch root.
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
      await f.proofs.connect(f.attacker).commitRecord(squatterNode, record);
      await expect(f.proofs.connect(f.operator).commitRecord(f.nodeId, record)).to.emit(f.proofs, "RecordCommitted");
    });
  });
});
