/*
Griefing by dust deposits and thaw requests (attack class)

griefing
├── escrow
│   ├── a zero deposit → EscrowZeroAmount
│   └── 50 dust deposits by a stranger into a thawing payer's escrow with an operator and its free balance → the
│       thaw's amount and end do not move; the payer withdraws exactly its thawing amount on time, and the free dust
│       at once; the stranger paid every wei it sent
├── staking: dust
│   ├── a delegation below the minimum (1 OPG) → StakingDelegationTooSmall(amount, minimum)
│   └── a thaw request below the minimum → StakingThawTooSmall(amount, minimum); a whole (small) position may leave
└── staking: many thaw requests
    ├── the 101st open request of a staker with an operator → StakingTooManyThawRequests(100, 100)
    ├── queues are per (operator, staker): a griefer's 100 requests leave the operator's own queue empty and its
    │   withdrawal cost unchanged
    └── withdrawing 100 requests fits one transaction (well under 2^24 gas); maxRequests takes them in slices
*/
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";

import { opg } from "../../deploy/lib/format";
import { DAY, DEPOSIT, deploySystemFixture } from "./fixture";

const TX_GAS_CAP = 16_777_216n;

describe("security: griefing by dust deposits and thaw requests", function () {
  describe("escrow", function () {
    it("a zero deposit is refused", async function () {
      const f = await loadFixture(deploySystemFixture);
      await expect(f.escrow.connect(f.attacker).deposit(f.payer.address, 0n)).to.be.revertedWithCustomError(
        f.escrow,
        "EscrowZeroAmount",
      );
    });

    it("dust deposits into a thawing account move neither the thaw nor the withdrawal", async function () {
      const f = await loadFixture(deploySystemFixture);
      const op = f.operator.address;
      await f.escrow.connect(f.payer).fundEscrow(op, DEPOSIT);
      await f.escrow.connect(f.payer).thaw(op, DEPOSIT);
      const thaw = await f.escrow.getEscrow(f.payer.address, op);
      const attackerBefore = await f.token.balanceOf(f.attacker.address);
      // Dust into the thawing escrow itself, and into the free balance.
      for (let i = 0; i < 25; i++) await f.escrow.connect(f.attacker).depositToEscrow(f.payer.address, op, 1n);
      for (let i = 0; i < 25; i++) await f.escrow.connect(f.attacker).deposit(f.payer.address, 1n);
      expect(attackerBefore - (await f.token.balanceOf(f.attacker.address))).to.equal(50n);
      expect(await f.escrow.balanceOf(f.payer.address)).to.equal(25n);
      const after = await f.escrow.getEscrow(f.payer.address, op);
      expect(after.thawing).to.equal(thaw.thawing);
      expect(after.thawStartedAt).to.equal(thaw.thawStartedAt);
      expect(after.thawEndsAt).to.equal(thaw.thawEndsAt);
      expect(after.balance).to.equal(DEPOSIT + 25n);
      await time.increaseTo(thaw.thawEndsAt);
      await expect(f.escrow.connect(f.payer).withdraw(op))
        .to.emit(f.escrow, "Withdrawn")
        .withArgs(f.payer.address, op, DEPOSIT);
      expect((await f.escrow.getEscrow(f.payer.address, op)).balance).to.equal(25n);
      // The free balance's dust leaves at once.
      await expect(f.escrow.connect(f.payer).withdrawBalance(25n))
        .to.emit(f.escrow, "Withdrawn")
        .withArgs(f.payer.address, ethers.ZeroAddress, 25n);
    });
  });

  describe("staking: dust", function () {
    it("a delegation below the minimum is refused", async function () {
      const f = await loadFixture(deploySystemFixture);
      const minimum = await f.staking.minimumDelegation();
      await expect(f.staking.connect(f.attacker).delegate(f.operator.address, minimum - 1n, 0))
        .to.be.revertedWithCustomError(f.staking, "StakingDelegationTooSmall")
        .withArgs(minimum - 1n, minimum);
      await expect(f.staking.connect(f.attacker).delegate(f.operator.address, 1n, 0))
        .to.be.revertedWithCustomError(f.staking, "StakingDelegationTooSmall")
        .withArgs(1n, minimum);
    });

    it("a thaw request below the minimum is refused, unless it empties the position", async function () {
      const f = await loadFixture(deploySystemFixture);
      const minimum = await f.staking.minimumDelegation();
      await f.staking.connect(f.attacker).delegate(f.operator.address, opg(3n), 0);
      await expect(f.staking.connect(f.operator).unstake(1n))
        .to.be.revertedWithCustomError(f.staking, "StakingThawTooSmall")
        .withArgs(1n, minimum);
      const { shares } = await f.staking.getDelegation(f.operator.address, f.attacker.address);
      await expect(f.staking.connect(f.attacker).undelegate(f.operator.address, 1n))
        .to.be.revertedWithCustomError(f.staking, "StakingThawTooSmall")
        .withArgs(1n, minimum);
      // The whole position may always leave, however small.
      await f.staking.connect(f.attacker).undelegate(f.operator.address, shares);
      expect((await f.staking.getDelegation(f.operator.address, f.attacker.address)).shares).to.equal(0n);
    });
  });

  describe("staking: many thaw requests", function () {
    async function hundredRequests() {
      const f = await loadFixture(deploySystemFixture);
      const max = await f.staking.maxThawRequests();
      await f.staking.connect(f.attacker).delegate(f.operator.address, opg(1_000n), 0);
      const { shares } = await f.staking.getDelegation(f.operator.address, f.attacker.address);
      const slice = shares / 200n; // 5 OPG a request
      for (let i = 0n; i < max; i++) await f.staking.connect(f.attacker).undelegate(f.operator.address, slice);
      return { f, max, slice };
    }

    it("the 101st open request is refused", async function () {
      const { f, max, slice } = await hundredRequests();
      expect(max).to.equal(100n);
      await expect(f.staking.connect(f.attacker).undelegate(f.operator.address, slice))
        .to.be.revertedWithCustomError(f.staking, "StakingTooManyThawRequests")
        .withArgs(100n, 100n);
    });

    it("a griefer's requests are its own: the operator's queue and withdrawal cost are untouched", async function () {
      const { f } = await hundredRequests();
      const [ids] = await f.staking.thawRequestsOf(f.operator.address, f.operator.address);
      expect(ids.length).to.equal(0);
      await f.staking.connect(f.operator).unstake(opg(1_000n));
      await time.increase(15n * DAY);
      const receipt = await (await f.staking.connect(f.operator).withdraw(f.operator.address, 0n)).wait();
      // One request, whatever the griefer queued (the figure is one request's cost, with or without coverage).
      expect(receipt!.gasUsed).to.be.lessThan(200_000n);
    });

    it("100 requests are withdrawn in one transaction under the gas cap, or in slices with maxRequests", async function () {
      const { f, slice } = await hundredRequests();
      await time.increase(15n * DAY);
      const [, amounts] = await f.staking.thawRequestsOf(f.attacker.address, f.operator.address);
      const total = amounts.reduce((a, b) => a + b, 0n);
      const snapshot = await ethers.provider.send("evm_snapshot", []);
      const all = await (await f.staking.connect(f.attacker).withdraw(f.operator.address, 0n)).wait();
      expect(all!.gasUsed).to.be.lessThan(TX_GAS_CAP / 4n);
      await ethers.provider.send("evm_revert", [snapshot]);
      const before = await f.token.balanceOf(f.attacker.address);
      for (let i = 0; i < 10; i++) {
        await expect(f.staking.connect(f.attacker).withdraw(f.operator.address, 10n)).to.emit(
          f.staking,
          "StakeWithdrawn",
        );
      }
      expect((await f.token.balanceOf(f.attacker.address)) - before).to.equal(total);
      expect(total).to.be.closeTo(slice * 100n, 100n);
      await expect(f.staking.connect(f.attacker).withdraw(f.operator.address, 0n))
        .to.be.revertedWithCustomError(f.staking, "StakingNothingThawed")
        .withArgs(0n);
    });
  });
});
