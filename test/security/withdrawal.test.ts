/*
Voucher front-running of a withdrawal (attack class). The design's promise: a payer's withdrawal never takes funds owed
to a node for a voucher signed before the thaw began, as long as the node redeems before the thaw ends (30 days). The
funds are the payer's escrow with the node's operator (thaw(operator, amount), withdraw(operator)).

voucher vs withdrawal
├── given a voucher signed before the thaw → the node collects it from the thawing funds at any time during the thaw;
│   the payer withdraws only what is left
├── given the payer re-starts or cancels and re-starts its thaw → the earlier voucher still predates the thaw
├── given a voucher signed at or after the thaw's start → it cannot take the thawing funds:
│   EscrowInsufficientBalance(available, owed)
├── given a voucher signed in the very second the thaw starts → it counts as after the thaw (the payer's side)
└── given the node waits past the end of the thaw → the payer can withdraw first and the voucher finds nothing:
    EscrowInsufficientBalance(0, owed) (the limit the README states: redeem within the thaw)
*/
import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";

import { opg } from "../../deploy/lib/format";
import { DAY, DEPOSIT, deploySystemFixture, MODEL, Mode, now, signVoucher, System, voucherFor } from "./fixture";

const THAW = 30n * DAY;

/** The system with the payer's deposit in its escrow with the node's operator, which backs that node's vouchers. */
async function fundedFixture() {
  const f = await deploySystemFixture();
  await f.escrow.connect(f.payer).fundEscrow(f.operator.address, DEPOSIT);
  return f;
}

async function signedThenThawed() {
  const f = await loadFixture(fundedFixture);
  const v = await voucherFor(f, opg(300n), { expiry: (await now()) + 90n * DAY });
  const sig = await signVoucher(f.payer, v, f.escrow);
  await time.increase(60);
  await f.escrow.connect(f.payer).thaw(f.operator.address, DEPOSIT);
  return { f, v, sig };
}

async function account(f: System) {
  return f.escrow.getEscrow(f.payer.address, f.operator.address);
}

describe("security: voucher front-running of a withdrawal", function () {
  it("a voucher signed before the thaw is collected from the thawing funds; the payer withdraws the rest", async function () {
    const { f, v, sig } = await signedThenThawed();
    const { thawEndsAt } = await account(f);
    await time.increaseTo(thawEndsAt - 2n);
    await f.escrow.connect(f.operator).redeem(v, sig);
    const a = await account(f);
    expect(a.balance).to.equal(DEPOSIT - opg(300n));
    expect(a.thawing).to.equal(DEPOSIT - opg(300n));
    await time.increaseTo(thawEndsAt);
    const before = await f.token.balanceOf(f.payer.address);
    await expect(f.escrow.connect(f.payer).withdraw(f.operator.address))
      .to.emit(f.escrow, "Withdrawn")
      .withArgs(f.payer.address, f.operator.address, DEPOSIT - opg(300n));
    expect((await f.token.balanceOf(f.payer.address)) - before).to.equal(DEPOSIT - opg(300n));
    expect(await f.escrow.redeemedOf(f.payer.address, f.nodeId, MODEL, Mode.None)).to.equal(opg(300n));
  });

  it("re-starting or cancelling and re-starting the thaw does not shake off an earlier voucher", async function () {
    const { f, v, sig } = await signedThenThawed();
    await time.increase(10n * DAY);
    await f.escrow.connect(f.payer).thaw(f.operator.address, 0n);
    await f.escrow.connect(f.payer).thaw(f.operator.address, DEPOSIT);
    await time.increase(THAW - 60n);
    await expect(f.escrow.connect(f.operator).redeem(v, sig)).to.emit(f.escrow, "PaymentCollected");
    expect((await account(f)).balance).to.equal(DEPOSIT - opg(300n));
  });

  it("a voucher signed after the thaw began cannot take the thawing funds", async function () {
    const f = await loadFixture(fundedFixture);
    await f.escrow.connect(f.payer).thaw(f.operator.address, opg(900n));
    await time.increase(60);
    const v = await voucherFor(f, opg(300n));
    const sig = await signVoucher(f.payer, v, f.escrow);
    // 100 OPG are not thawing: the voucher is paid that much and no more.
    await f.escrow.connect(f.operator).redeem(v, sig);
    expect(await f.escrow.redeemedOf(f.payer.address, f.nodeId, MODEL, Mode.None)).to.equal(opg(100n));
    await expect(f.escrow.connect(f.operator).redeem(v, sig))
      .to.be.revertedWithCustomError(f.escrow, "EscrowInsufficientBalance")
      .withArgs(0n, opg(200n));
    const a = await account(f);
    expect(a.thawing).to.equal(opg(900n));
    expect(a.balance).to.equal(opg(900n));
  });

  it("a voucher signed in the second the thaw starts counts as after it", async function () {
    const f = await loadFixture(fundedFixture);
    const t = (await now()) + 5n;
    const v = await voucherFor(f, opg(300n), { issuedAt: t });
    const sig = await signVoucher(f.payer, v, f.escrow);
    await time.setNextBlockTimestamp(t);
    await f.escrow.connect(f.payer).thaw(f.operator.address, DEPOSIT);
    await expect(f.escrow.connect(f.operator).redeem(v, sig))
      .to.be.revertedWithCustomError(f.escrow, "EscrowInsufficientBalance")
      .withArgs(0n, opg(300n));
    // One second earlier, it would have been paid.
    const earlier = { ...v, issuedAt: t - 1n };
    await f.escrow.connect(f.operator).redeem(earlier, await signVoucher(f.payer, earlier, f.escrow));
    expect(await f.escrow.redeemedOf(f.payer.address, f.nodeId, MODEL, Mode.None)).to.equal(opg(300n));
  });

  it("a node that waits past the thaw's end can be front-run by the withdrawal", async function () {
    const { f, v, sig } = await signedThenThawed();
    await time.increaseTo((await account(f)).thawEndsAt);
    await f.escrow.connect(f.payer).withdraw(f.operator.address);
    await expect(f.escrow.connect(f.operator).redeem(v, sig))
      .to.be.revertedWithCustomError(f.escrow, "EscrowInsufficientBalance")
      .withArgs(0n, opg(300n));
    const a = await account(f);
    expect(a.balance).to.equal(0n);
    // No node fee was credited in staking.
    expect(await f.staking.feesDistributed()).to.equal(0n);
  });
});
