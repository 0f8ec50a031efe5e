/*
Signature replay and permit front-running (attack classes: signature replay across chains and contracts; permit
front-running)

replay
├── vouchers
│   ├── signed for another chain id → EscrowInvalidSignature(payer); nothing moves
│   ├── signed for another escrow on the same chain → refused here, paid there (the control), and paying there
│   │   does not lower what this escrow owes on its own vouchers (each paid from the payer's escrow with the node's
│   │   operator in that contract)
│   ├── replayed after redemption → EscrowNothingOwed(cumulative, redeemed); in a batch, skipped
│   ├── re-pointed at another node, model, mode, payer, amount, issue time or expiry → EscrowInvalidSignature
│   └── an older, lower voucher after a higher one → EscrowNothingOwed: the channel never goes down
└── permits
    ├── the same permit twice → the second is refused by the token (nonce spent)
    └── a permit signed for another chain → ignored; without an allowance the deposit reverts
permit front-running
├── someone submits the user's permit first → depositWithPermit, stakeWithPermit, delegateWithPermit still succeed
└── the front-runner gains nothing: it cannot spend the allowance for itself (deposit pulls from the caller)
*/
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";

import { PaymentsEscrow__factory, Staking__factory } from "../../typechain-types";
import { opg } from "../../deploy/lib/format";
import {
  DAY,
  deploySystemFixture,
  escrowDomain,
  freshWallet,
  MODEL,
  Mode,
  now,
  REWARDS_DURATION,
  REWARDS_TOTAL,
  signPermit,
  signVoucher,
  voucherFor,
} from "./fixture";

async function twoEscrowsFixture() {
  const f = await deploySystemFixture();
  // Staking takes node fees from one escrow only: the other escrow credits its own (unfunded) staking books.
  const otherStaking = await new Staking__factory(f.deployer).deploy(
    f.token,
    f.gov.address,
    REWARDS_TOTAL,
    (await now()) + 1n,
    REWARDS_DURATION,
  );
  const other = await new PaymentsEscrow__factory(f.deployer).deploy(
    f.token,
    f.nodes,
    f.models,
    otherStaking,
    f.proofs,
    f.gov.address,
    ethers.ZeroAddress,
  );
  await f.proofs.connect(f.gov).grantRole(await f.proofs.RECORDER_ROLE(), other);
  await otherStaking.connect(f.gov).setProtocolContracts(f.proofs, other);
  await f.token.connect(f.payer).approve(other, ethers.MaxUint256);
  await other.connect(f.payer).depositToEscrow(f.payer.address, f.operator.address, opg(1_000n));
  await f.escrow.connect(f.payer).fundEscrow(f.operator.address, opg(1_000n));
  return { ...f, other };
}

/** The system with the payer's deposit moved into its escrow with the node's operator, which pays its vouchers. */
async function fundedFixture() {
  const f = await deploySystemFixture();
  await f.escrow.connect(f.payer).fundEscrow(f.operator.address, opg(1_000n));
  return f;
}

describe("security: signature replay", function () {
  describe("vouchers", function () {
    it("a voucher signed for another chain id is refused", async function () {
      const f = await loadFixture(twoEscrowsFixture);
      const v = await voucherFor(f, opg(10n));
      for (const chainId of [1n, 8453n, 84532n]) {
        const sig = await signVoucher(f.payer, v, { ...(await escrowDomain(f.escrow)), chainId });
        await expect(f.escrow.redeem(v, sig))
          .to.be.revertedWithCustomError(f.escrow, "EscrowInvalidSignature")
          .withArgs(f.payer.address);
      }
      expect(await f.escrow.redeemedOf(f.payer.address, f.nodeId, MODEL, Mode.None)).to.equal(0n);
    });

    it("a voucher signed for another escrow is refused here and paid there, once, without touching this one", async function () {
      const f = await loadFixture(twoEscrowsFixture);
      const v = await voucherFor(f, opg(10n));
      const forOther = await signVoucher(f.payer, v, f.other);
      await expect(f.escrow.redeem(v, forOther))
        .to.be.revertedWithCustomError(f.escrow, "EscrowInvalidSignature")
        .withArgs(f.payer.address);
      await f.other.redeem(v, forOther);
      expect(await f.other.redeemedOf(f.payer.address, f.nodeId, MODEL, Mode.None)).to.equal(opg(10n));
      // This escrow's own voucher for the same channel still pays in full: nothing was taken from it.
      const forThis = await signVoucher(f.payer, v, f.escrow);
      const balance = (await f.escrow.getEscrow(f.payer.address, f.operator.address)).balance;
      await f.escrow.redeem(v, forThis);
      expect(balance - (await f.escrow.getEscrow(f.payer.address, f.operator.address)).balance).to.equal(opg(10n));
      await expect(f.other.redeem(v, forOther))
        .to.be.revertedWithCustomError(f.other, "EscrowNothingOwed")
        .withArgs(opg(10n), opg(10n));
    });

    it("a redeemed voucher replayed pays nothing, alone or in a batch", async function () {
      const f = await loadFixture(fundedFixture);
      const v = await voucherFor(f, opg(10n));
      const sig = await signVoucher(f.payer, v, f.escrow);
      await f.escrow.redeem(v, sig);
      const balance = (await f.escrow.getEscrow(f.payer.address, f.operator.address)).balance;
      await expect(f.escrow.redeem(v, sig))
        .to.be.revertedWithCustomError(f.escrow, "EscrowNothingOwed")
        .withArgs(opg(10n), opg(10n));
      await expect(f.escrow.redeemBatch([v, v], [sig, sig])).to.be.revertedWithCustomError(
        f.escrow,
        "EscrowBatchPaidNothing",
      );
      const higher = { ...v, cumulativeAmount: opg(12n) };
      const higherSig = await signVoucher(f.payer, higher, f.escrow);
      await expect(f.escrow.redeemBatch([v, higher, higher], [sig, higherSig, higherSig]))
        .to.emit(f.escrow, "VoucherSkipped")
        .withArgs(2n, f.payer.address, f.nodeId, f.escrow.interface.getError("EscrowNothingOwed")!.selector);
      expect(balance - (await f.escrow.getEscrow(f.payer.address, f.operator.address)).balance).to.equal(opg(2n));
      // The older, lower voucher never pulls the channel back.
      await expect(f.escrow.redeem(v, sig))
        .to.be.revertedWithCustomError(f.escrow, "EscrowNothingOwed")
        .withArgs(opg(10n), opg(12n));
    });

    it("a signature re-pointed at any other field is refused", async function () {
      const f = await loadFixture(deploySystemFixture);
      const other = await f.nodes.nextNodeId();
      await f.staking.connect(f.delegator).stake(opg(10_000n));
      await f.nodes
        .connect(f.delegator)
        .registerNode(
          { metadataURI: "x", modes: 1, teeMeasurement: ethers.ZeroHash, capacity: 1n, prices: [1n, 0n, 0n] },
          [MODEL],
        );
      await f.escrow.connect(f.payer2).depositToEscrow(f.payer2.address, f.operator.address, opg(100n));
      const v = await voucherFor(f, opg(10n));
      const sig = await signVoucher(f.payer, v, f.escrow);
      const changes = {
        payer: { payer: f.payer2.address },
        nodeId: { nodeId: other },
        modelId: { modelId: ethers.id("weights:other") },
        mode: { mode: Mode.Tee },
        cumulativeAmount: { cumulativeAmount: opg(11n) },
        issuedAt: { issuedAt: v.issuedAt - 1n },
        expiry: { expiry: v.expiry + DAY },
      };
      for (const [field, change] of Object.entries(changes)) {
        const forged = { ...v, ...change };
        await expect(f.escrow.redeem(forged, sig), field)
          .to.be.revertedWithCustomError(f.escrow, "EscrowInvalidSignature")
          .withArgs(forged.payer);
      }
    });
  });

  describe("permits", function () {
    it("the same permit twice: the second is refused by the token (nonce spent)", async function () {
      const f = await loadFixture(deploySystemFixture);
      const user = await freshWallet(f, opg(100n));
      const escrowAddress = await f.escrow.getAddress();
      const deadline = (await now()) + DAY;
      const p = await signPermit(f, user as never, escrowAddress, opg(60n), deadline);
      await f.escrow.connect(user).depositWithPermit(opg(60n), deadline, p.v, p.r, p.s);
      await expect(f.token.permit(user.address, escrowAddress, opg(60n), deadline, p.v, p.r, p.s))
        .to.be.revertedWithCustomError(f.token, "ERC2612InvalidSigner")
        .withArgs(anyAddressBut(user.address), user.address);
      // Replayed through the escrow, the permit is ignored and there is no allowance left to spend.
      await expect(f.escrow.connect(user).depositWithPermit(opg(60n), deadline, p.v, p.r, p.s))
        .to.be.revertedWithCustomError(f.token, "ERC20InsufficientAllowance")
        .withArgs(escrowAddress, 0n, opg(60n));
      expect(await f.escrow.balanceOf(user.address)).to.equal(opg(60n));
    });

    it("a permit signed for another chain is ignored; without an allowance the deposit reverts", async function () {
      const f = await loadFixture(deploySystemFixture);
      const user = await freshWallet(f, opg(100n));
      const escrowAddress = await f.escrow.getAddress();
      const deadline = (await now()) + DAY;
      const p = await signPermit(f, user as never, escrowAddress, opg(60n), deadline, 8453n);
      await expect(f.escrow.connect(user).depositWithPermit(opg(60n), deadline, p.v, p.r, p.s))
        .to.be.revertedWithCustomError(f.token, "ERC20InsufficientAllowance")
        .withArgs(escrowAddress, 0n, opg(60n));
      expect(await f.token.nonces(user.address)).to.equal(0n);
    });
  });
});

/** Any signer recovered from a replayed permit: a different address than the owner, which the test cannot know. */
function anyAddressBut(owner: string) {
  return (value: string) => ethers.isAddress(value) && value.toLowerCase() !== owner.toLowerCase();
}

describe("security: permit front-running", function () {
  it("a front-run permit does not stop depositWithPermit, stakeWithPermit or delegateWithPermit", async function () {
    const f = await loadFixture(deploySystemFixture);
    const user = await freshWallet(f, opg(30_000n));
    const deadline = (await now()) + DAY;
    const cases = [
      {
        spender: await f.escrow.getAddress(),
        amount: opg(100n),
        call: (p: { v: number; r: string; s: string }) =>
          f.escrow.connect(user).depositWithPermit(opg(100n), deadline, p.v, p.r, p.s),
        check: async () => expect(await f.escrow.balanceOf(user.address)).to.equal(opg(100n)),
      },
      {
        spender: await f.staking.getAddress(),
        amount: opg(10_000n),
        call: (p: { v: number; r: string; s: string }) =>
          f.staking.connect(user).stakeWithPermit(opg(10_000n), deadline, p.v, p.r, p.s),
        check: async () => expect((await f.staking.getOperator(user.address)).ownActive).to.equal(opg(10_000n)),
      },
      {
        spender: await f.staking.getAddress(),
        amount: opg(5_000n),
        call: (p: { v: number; r: string; s: string }) =>
          f.staking.connect(user).delegateWithPermit(f.operator.address, opg(5_000n), 0, deadline, p.v, p.r, p.s),
        check: async () =>
          expect((await f.staking.getDelegation(f.operator.address, user.address)).tokens).to.equal(opg(5_000n)),
      },
    ];
    for (const c of cases) {
      const p = await signPermit(f, user as never, c.spender, c.amount, deadline);
      // The attacker copies the permit from the mempool and submits it first.
      await f.token.connect(f.attacker).permit(user.address, c.spender, c.amount, deadline, p.v, p.r, p.s);
      expect(await f.token.allowance(user.address, c.spender)).to.equal(c.amount);
      await c.call(p);
      await c.check();
      expect(await f.token.allowance(user.address, c.spender)).to.equal(0n);
    }
    expect(await f.token.balanceOf(user.address)).to.equal(opg(30_000n) - opg(100n) - opg(10_000n) - opg(5_000n));
  });

  it("the front-runner cannot spend the allowance it set for itself", async function () {
    const f = await loadFixture(deploySystemFixture);
    const user = await freshWallet(f, opg(100n));
    const escrowAddress = await f.escrow.getAddress();
    const deadline = (await now()) + DAY;
    const p = await signPermit(f, user as never, escrowAddress, opg(100n), deadline);
    await f.token.connect(f.attacker).permit(user.address, escrowAddress, opg(100n), deadline, p.v, p.r, p.s);
    const attackerTokens = await f.token.balanceOf(f.attacker.address);
    // deposit(payer, amount) pulls from the caller: the attacker pays its own deposit, not the user's.
    await f.escrow.connect(f.attacker).deposit(f.attacker.address, opg(100n));
    expect(await f.token.balanceOf(f.attacker.address)).to.equal(attackerTokens - opg(100n));
    expect(await f.token.balanceOf(user.address)).to.equal(opg(100n));
    expect(await f.token.allowance(user.address, escrowAddress)).to.equal(opg(100n));
  });
});
