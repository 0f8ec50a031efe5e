/*
Independent review (wt-rev): each FINDING test passes while the problem exists; each "holds" test is an attack that
fails as it should. Open: findings 6, 9. Fixed (now "holds (finding n, fixed)" tests): 1, 2, 3, 3b, 4, 5, 7, 8, 10,
11, 12. Only the deployment fixture of fixture.ts is reused. Run: npx hardhat test test/security/review.test.ts

review
├── FINDING 1 (medium, FIXED: fees stream over FEE_STREAM_PERIOD) fees were split by the stake at redemption: a
│   delegation made just before a redemption took most of the fees of a voucher accumulated before it existed
├── FINDING 2 (medium, FIXED: the same stream) the operator times redemptions: staking just before one moved its
│   delegators' fees to its cut-free own side (an effective cut of ~89% against an accepted 10%)
├── FINDING 3 (medium, FIXED: commit-reveal challenges) a verifiable challenge was public calldata decided in one
│   transaction: a copier took the challenger's reward; 3b the same by a puppet for records the arbiter decides
├── FINDING 4 (medium, FIXED: commit-reveal registration) model ids (content hashes) were first come first served:
│   a squatter front-ran a builder's registration and was paid the royalty of every inference of the model
├── FINDING 5 (low, FIXED: EscrowNodeDoesNotOffer) a voucher could name any registered model and any mode: a
│   zero-royalty label skipped the real model owner's royalty; now a "holds (finding 5, fixed)" test
├── FINDING 6 (low) issuedAt is the payer's choice: backdated vouchers keep the fee before an increase for the grace
├── FINDING 7 (low, FIXED: feeGraceEndsAt) the fee grace used the withdrawal thaw in force at redemption:
│   shortening it cut the grace of vouchers already signed; now a "holds (finding 7, fixed)" test
├── FINDING 8 (low, FIXED: a thaw never ends before the one it replaces or cancelled) after the withdrawal thaw was
│   shortened, a payer restarted its 30-day thaw as a 1-day one; now a "holds (finding 8, fixed)" test
├── FINDING 9 (low) the delegated active pool is never swept: slashed to zero it keeps its shares and refuses every
│   delegation forever (StakingInvalidPoolState)
├── FINDING 10 (low, FIXED: each setter checks the other) thaw and challenge window were bounded separately: at a
│   thaw shorter than the window an operator withdrew before its wrong record was challenged
├── FINDING 11 (medium, FIXED: ECDSA first whatever the code) an EOA payer that attached EIP-7702 code during its
│   thaw had every voucher it signed refused; now a "holds (finding 11, fixed)" test
├── FINDING 12 (medium, FIXED: withdraw takes the free part of a request) one 100-OPG challenge froze an operator's
│   whole single-request thaw; now a "holds (finding 12, fixed)" test (failed challenges still reopen the record,
│   but each holds only its slash)
└── attacks that hold: a copier's same-block commit and reveal; voucher replay (alone, twice in a batch); a payer's
    escrow taken through a puppet operator's node; a voucher after the thaw; withdrawing more own stake than a lock
    leaves free; front-running a delegation into a higher cut; reserved ids and other nodes' records; the books after payments,
    fees, a JIT delegation and a slash; a delegation after a payment (F4's fix); the new fee for honest dates;
    undelegating as a challenge opens; paying one's own node; a price raised after a request was posted
*/
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, mine, time } from "@nomicfoundation/hardhat-network-helpers";

import { MockProofVerifier__factory } from "../../typechain-types";
import { opg } from "../../deploy/lib/format";
import {
  DAY,
  MODEL,
  Mode,
  OPERATOR_STAKE,
  PPM,
  deploySystemFixture,
  now,
  signVoucher,
  voucherFor,
  addOperator,
  type System,
} from "./fixture";
import type { CoreContracts } from "../../deploy/core";
import { commitChallenge, openChallenge } from "../helpers/challenges";
import { deployTestCore } from "../helpers/core";
import { commitAndRegisterModel } from "../helpers/models";

function record(over: Partial<Record<string, unknown>> = {}) {
  return {
    inferenceId: ethers.id("inference:1"),
    modelId: MODEL,
    inputHash: ethers.id("input"),
    outputHash: ethers.id("output"),
    proofType: Mode.Tee,
    proofHash: ethers.keccak256("0x00aa"),
    ...over,
  };
}

describe("security review (wt-rev)", function () {
  describe("staking: fees and the moment of payment", function () {
    // Was FINDING 1: fees are earned when the node serves but were credited in a lump when the voucher was redeemed,
    // which the operator times: a delegation made just before a redemption shared every fee the voucher had
    // accumulated, then left (~827 of 940 OPG to an 880,000-OPG delegation that stayed a second). Fixed: a payment's
    // fees are released over FEE_STREAM_PERIOD to the stake of each moment, so a stake in for a moment gets a
    // moment's worth. Measured against the same history without the attack (an EVM snapshot): the attacker's gain,
    // fees and emission together, is under 1 OPG, and the honest delegator loses under 1 OPG.
    it("holds (finding 1, fixed): a delegation made just before a redemption and gone just after gets a moment's worth", async function () {
      const f = await loadFixture(deploySystemFixture);
      const { staking, escrow, operator, delegator, payer, attacker } = f;
      await staking.connect(delegator).delegate(operator.address, opg(60_000n), 0);
      await escrow.connect(payer).fundEscrow(operator.address, opg(1_000n));
      const v = await voucherFor(f, opg(1_000n));
      const sig = await signVoucher(payer, v, escrow);
      await time.increase(10n * DAY);
      const start = await now();

      /** Redeems with or without the attacker's delegation around it; returns each one's gain a period later. */
      const run = async (attack: boolean) => {
        const snapshot = await ethers.provider.send("evm_snapshot", []);
        const honestBefore = await staking.claimableRewards(delegator.address, operator.address);
        await time.setNextBlockTimestamp(start + 10n);
        if (attack) await staking.connect(attacker).delegate(operator.address, opg(880_000n), 0);
        await time.setNextBlockTimestamp(start + 11n);
        await escrow.redeem(v, sig);
        await time.setNextBlockTimestamp(start + 12n);
        if (attack) {
          const { shares } = await staking.getDelegation(operator.address, attacker.address);
          await staking.connect(attacker).undelegate(operator.address, shares);
        } else await mine();
        await time.increaseTo(start + 12n + (await staking.FEE_STREAM_PERIOD()));
        const honest = (await staking.claimableRewards(delegator.address, operator.address)) - honestBefore;
        const taken = await staking.claimableRewards(attacker.address, operator.address);
        await ethers.provider.send("evm_revert", [snapshot]);
        return { honest, taken };
      };
      const fair = await run(false);
      const attacked = await run(true);
      // Node share 940 OPG, half of it the delegator's (60,000 of 120,000 active): ~470 OPG, plus the emission.
      expect(fair.honest).to.be.greaterThan(opg(470n) - opg(1n));
      expect(attacked.taken).to.be.lessThan(opg(1n));
      expect(fair.honest - attacked.honest).to.be.lessThan(opg(1n));
    });

    // Was FINDING 2: the split between own and delegated stake was taken at redemption, which the operator times: by
    // staking 900,000 OPG of its own just before redeeming and unstaking just after, it took its delegators' fees to
    // its cut-free own side (an effective cut of ~89% against an accepted 10%). Fixed by the stream, as above.
    it("holds (finding 2, fixed): an operator's own stake added just before redeeming and gone just after moves a moment's worth", async function () {
      const f = await loadFixture(deploySystemFixture);
      const { staking, escrow, operator, delegator, payer, gov } = f;
      await staking.connect(operator).setDelegationCut(100_000); // 10%, applies after the delay
      await time.increase(7n * DAY);
      await staking.applyDelegationCut(operator.address);
      await staking.connect(delegator).delegate(operator.address, opg(60_000n), 100_000); // accepts 10%
      await escrow.connect(payer).fundEscrow(operator.address, opg(1_000n));
      await f.token.connect(gov).transfer(operator.address, opg(900_000n));
      const v = await voucherFor(f, opg(1_000n));
      const sig = await signVoucher(payer, v, escrow);
      const start = await now();

      const run = async (attack: boolean) => {
        const snapshot = await ethers.provider.send("evm_snapshot", []);
        const before = await staking.claimableRewards(delegator.address, operator.address);
        await time.setNextBlockTimestamp(start + 10n);
        if (attack) await staking.connect(operator).stake(opg(900_000n));
        else await mine();
        await time.setNextBlockTimestamp(start + 11n);
        await escrow.connect(operator).redeem(v, sig);
        await time.setNextBlockTimestamp(start + 12n);
        if (attack) await staking.connect(operator).unstake(opg(900_000n));
        else await mine();
        await time.increaseTo(start + 12n + (await staking.FEE_STREAM_PERIOD()));
        const gain = (await staking.claimableRewards(delegator.address, operator.address)) - before;
        await ethers.provider.send("evm_revert", [snapshot]);
        return gain;
      };
      const fair = await run(false);
      const attacked = await run(true);
      // Fair: node share 940, half delegated, 10% cut: 423 OPG (plus the emission, the same in both runs).
      expect(fair).to.be.greaterThan(opg(423n) - opg(1n));
      expect(fair - attacked).to.be.lessThan(opg(1n));
    });
  });
  describe("disputes: who is paid for a verifier's outcome", function () {
    // Was FINDING 3: a challenge with evidence a verifier checks is decided in its own transaction, and the evidence
    // was public calldata: anyone who copied a pending challenge with a higher fee (an MEV bot, or the operator's own
    // second account) was paid the challenger's share, and the honest challenger's transaction reverted. Fixed by
    // commit-reveal: a challenge needs its challenger's own commitment (bound to its address, the record and the
    // evidence) from an earlier block, so a copy of the reveal cannot land in the reveal's block.
    it("holds (finding 3, fixed): a copied verifiable challenge in the block of the honest reveal reverts; the honest one is paid", async function () {
      const f = await loadFixture(deploySystemFixture);
      const { proofs, staking, token, gov, operator, attacker: puppet, challenger, nodeId } = f;
      const verifier = await new MockProofVerifier__factory(gov).deploy();
      await proofs.connect(gov).setVerifier(Mode.Tee, verifier);
      const rec = record(); // its proof 0x00aa is invalid for the verifier
      await proofs.connect(operator).commitRecord(nodeId, rec);
      await commitChallenge(proofs, challenger, nodeId, ethers.ZeroHash, rec, [], "0x00aa");
      // Without a commitment of its own, the copy reverts.
      await expect(proofs.connect(puppet).challenge(nodeId, ethers.ZeroHash, rec, [], "0x00aa"))
        .to.be.revertedWithCustomError(proofs, "ProofsChallengeNotCommitted")
        .withArgs(
          puppet.address,
          await proofs.challengeCommitmentOf(puppet.address, nodeId, ethers.ZeroHash, rec, "0x00aa"),
        );
      // The puppet sees the honest reveal in the mempool and puts its own commit and challenge ahead of it, in the
      // same block.
      const honestBefore = await token.balanceOf(challenger.address);
      const puppetBefore = await token.balanceOf(puppet.address);
      const commitment = await proofs.challengeCommitmentOf(puppet.address, nodeId, ethers.ZeroHash, rec, "0x00aa");
      await ethers.provider.send("evm_setAutomine", [false]);
      await proofs.connect(puppet).commitChallenge(commitment, { gasLimit: 200_000 });
      const copy = await proofs
        .connect(puppet)
        .challenge(nodeId, ethers.ZeroHash, rec, [], "0x00aa", { gasLimit: 1_000_000 });
      const honest = await proofs
        .connect(challenger)
        .challenge(nodeId, ethers.ZeroHash, rec, [], "0x00aa", { gasLimit: 1_000_000 });
      await mine(1);
      await ethers.provider.send("evm_setAutomine", [true]);
      await expect(copy.wait()).to.be.rejected;
      expect((await honest.wait())!.status).to.equal(1);
      // Slash 5% of 60,000 = 3,000 from own stake; half of it to the honest challenger, nothing to the puppet.
      expect((await token.balanceOf(challenger.address)) - honestBefore).to.equal(opg(1_500n));
      expect(await token.balanceOf(puppet.address)).to.equal(puppetBefore);
      expect(await staking.slashableStakeOf(operator.address)).to.equal(OPERATOR_STAKE - opg(3_000n));
    });

    // Was FINDING 3b: the same for records no verifier checks: the puppet's copy, mined first, became the one
    // challenge waiting for the arbiter and turned the honest one away (ProofsAlreadyChallenged). Fixed by the same
    // commitment: the copy cannot land before the honest reveal.
    it("holds (finding 3b, fixed): a puppet's copy of an arbiter challenge cannot land before the honest one", async function () {
      const f = await loadFixture(deploySystemFixture);
      const { proofs, token, gov, operator, attacker: puppet, challenger, nodeId } = f;
      const rec = record({ proofType: Mode.None });
      await proofs.connect(operator).commitRecord(nodeId, rec);
      await commitChallenge(proofs, challenger, nodeId, ethers.ZeroHash, rec, [], "0xbeef");
      const commitment = await proofs.challengeCommitmentOf(puppet.address, nodeId, ethers.ZeroHash, rec, "0xbeef");
      await ethers.provider.send("evm_setAutomine", [false]);
      await proofs.connect(puppet).commitChallenge(commitment, { gasLimit: 200_000 });
      const copy = await proofs
        .connect(puppet)
        .challenge(nodeId, ethers.ZeroHash, rec, [], "0xbeef", { gasLimit: 1_000_000 });
      const honest = await proofs
        .connect(challenger)
        .challenge(nodeId, ethers.ZeroHash, rec, [], "0xbeef", { gasLimit: 1_000_000 });
      await mine(1);
      await ethers.provider.send("evm_setAutomine", [true]);
      await expect(copy.wait()).to.be.rejected;
      expect((await honest.wait())!.status).to.equal(1);
      const key = await proofs.recordKeyOf(nodeId, ethers.ZeroHash, await proofs.leafOf(rec));
      const id = (await proofs.getDispute(key)).pendingChallengeId;
      expect((await proofs.getChallenge(id)).challenger).to.equal(challenger.address);
      const before = await token.balanceOf(challenger.address);
      await proofs.connect(gov).resolveChallenge(id, true);
      // bond back + half of the 3,000 slashed from own stake
      expect((await token.balanceOf(challenger.address)) - before).to.equal(opg(100n) + opg(1_500n));
      // The puppet's later copy, committed in time, meets a settled record.
      await expect(
        openChallenge(proofs, puppet, nodeId, ethers.ZeroHash, rec, [], "0xbeef"),
      ).to.be.revertedWithCustomError(proofs, "ProofsRecordSettled");
    });
  });

  describe("models and royalties", function () {
    // Was FINDING 4: anyone could register any content hash first: a registration in the mempool was front-run by a
    // squatter, who became the owner of the id and was paid the royalty of every inference of that model. Fixed by
    // commit-reveal: a registration needs its owner's commitment (bound to its address and the id, which it hides)
    // from an earlier block, so a copy of a registration seen in the mempool cannot land first. A builder registers
    // its weights before it announces them (an id published off-chain first can still be taken: documented).
    it("holds (finding 4, fixed): a squatter copying a registration from the mempool cannot register the model first", async function () {
      const f = await loadFixture(deploySystemFixture);
      const { models, builder, attacker } = f;
      const weights = ethers.id("weights:builder-new-model");
      await models.connect(builder).commitModel(await models.modelCommitmentOf(builder.address, weights));
      // Without a commitment of its own, the copy reverts.
      const squatterCommitment = await models.modelCommitmentOf(attacker.address, weights);
      await expect(models.connect(attacker).registerModel(weights, "ipfs://copied", 100_000))
        .to.be.revertedWithCustomError(models, "ModelNotCommitted")
        .withArgs(attacker.address, squatterCommitment);
      // Seeing the builder's registration in the mempool, it commits and registers ahead of it, in the same block.
      await ethers.provider.send("evm_setAutomine", [false]);
      await models.connect(attacker).commitModel(squatterCommitment, { gasLimit: 200_000 });
      const copy = await models
        .connect(attacker)
        .registerModel(weights, "ipfs://copied", 100_000, { gasLimit: 500_000 });
      const honest = await models.connect(builder).registerModel(weights, "ipfs://mine", 10_000, { gasLimit: 500_000 });
      await mine(1);
      await ethers.provider.send("evm_setAutomine", [true]);
      await expect(copy.wait()).to.be.rejected;
      expect((await honest.wait())!.status).to.equal(1);
      expect((await models.getModel(weights)).owner).to.equal(builder.address);
      // Later, with a commitment in time, the squatter meets a registered id.
      await expect(commitAndRegisterModel(models, attacker, weights, "ipfs://copied", 100_000))
        .to.be.revertedWithCustomError(models, "ModelAlreadyRegistered")
        .withArgs(weights, builder.address);
    });

    // Broken promise (DESIGN.md, Payments: each payment splits between node, model owner and protocol; the royalty
    // is paid "on every payment"). A voucher may name any registered model, even one its node does not serve, and
    // any mode, even one the node does not offer: the escrow checks neither. A node and its payer (both better off)
    // label their vouchers with a zero-royalty model anyone can register, and the owner of the model that actually
    // ran gets nothing. On-chain requests do check eligibility (model served, mode offered); vouchers do not.
    // Suggested fix: in _checkVoucher, require NODES.servesModel(nodeId, modelId) and the mode offered by the node (as
    // requests require eligibility); this at least confines the label to models the node announced.
    // Fixed: _checkVoucher requires NODES.offers(nodeId, modelId, mode) (EscrowNodeDoesNotOffer).
    it("holds (finding 5, fixed): a voucher naming a model the node does not serve, or a mode it does not offer, is refused", async function () {
      const f = await loadFixture(deploySystemFixture);
      const { models, nodes, escrow, builder, payer2, operator, payer, nodeId } = f;
      const dummy = ethers.id("weights:zero-royalty-label");
      await commitAndRegisterModel(models, payer2, dummy, "ipfs://nothing", 0);
      expect(await nodes.servesModel(nodeId, dummy)).to.equal(false);
      await escrow.connect(payer).fundEscrow(operator.address, opg(1_000n));
      const label = await voucherFor(f, opg(1_000n), { modelId: dummy }); // an offered mode, an unlisted model
      await expect(escrow.redeem(label, await signVoucher(payer, label, escrow)))
        .to.be.revertedWithCustomError(escrow, "EscrowNodeDoesNotOffer")
        .withArgs(nodeId, dummy, Mode.None);
      const zk = await voucherFor(f, opg(1_000n), { mode: Mode.Zk }); // the listed model, a mode not offered
      await expect(escrow.redeem(zk, await signVoucher(payer, zk, escrow)))
        .to.be.revertedWithCustomError(escrow, "EscrowNodeDoesNotOffer")
        .withArgs(nodeId, MODEL, Mode.Zk);
      expect((await escrow.getEscrow(payer.address, operator.address)).balance).to.equal(opg(1_000n));
      // The real model, in an offered mode, pays its owner the royalty (5% of 1,000).
      const honest = await voucherFor(f, opg(1_000n));
      await expect(escrow.redeem(honest, await signVoucher(payer, honest, escrow))).to.emit(escrow, "PaymentCollected");
      expect(await escrow.royaltiesOf(builder.address)).to.equal(opg(50n));
      expect(await escrow.royaltiesOf(payer2.address)).to.equal(0n);
    });
  });

  describe("payments: the protocol fee after an increase", function () {
    // Broken promise (PaymentsEscrow.setProtocolFee; DESIGN.md Parameters): "an increase [applies] only to vouchers
    // issued and requests posted from now on". A voucher's issuedAt is whatever the payer signs: after an increase,
    // payer and node (both better off) sign new vouchers with issuedAt just before it and keep paying the old fee for
    // the whole grace period (30 days, up to 60).
    // Suggested fix: date vouchers by something the payer cannot choose, e.g. accept the old fee only for
    // cumulative amounts redeemed or signed before the increase (store per channel), or require issuedAt to be
    // within a short bound of the redemption time for the grace to apply.
    it("FINDING 6: a backdated issuedAt keeps the old protocol fee after an increase", async function () {
      const f = await loadFixture(deploySystemFixture);
      const { escrow, gov, operator, payer, nodeId } = f;
      await escrow.connect(payer).fundEscrow(operator.address, opg(1_000n));
      const increasedAt = (await now()) + 1n;
      await escrow.connect(gov).setProtocolFee(100_000); // 1% -> 10%
      await time.increase(5n * DAY);
      // Signed five days after the increase, dated one second before it.
      const v = await voucherFor(f, opg(1_000n), { issuedAt: increasedAt - 1n });
      await expect(escrow.redeem(v, await signVoucher(payer, v, escrow)))
        .to.emit(escrow, "PaymentCollected")
        .withArgs(
          payer.address,
          nodeId,
          MODEL,
          operator.address,
          f.builder.address,
          Mode.None,
          0,
          opg(1_000n),
          opg(940n),
          opg(50n),
          opg(10n),
        );
    });

    // Broken promise (DESIGN.md Parameters: the withdrawal thaw applies to "new thaws", and "a change never reaches
    // back into terms already agreed"; setProtocolFee: earlier vouchers pay an increase only "after one withdrawal
    // thawing period"). The grace is computed from the thawing period in force at redemption, so governance
    // shortening the thaw after (or with) a fee increase ends the grace of vouchers already signed early: a node that
    // accepted vouchers at 1% has 1 day, not 30, to redeem them before 10% is taken.
    // Suggested fix: store the grace's end (increase time + period then in force) at the increase.
    // Fixed: the grace's end is stored at the increase (feeGraceEndsAt = increase + the period then in force).
    it("holds (finding 7, fixed): shortening the withdrawal thaw does not cut the fee grace of vouchers signed before an increase", async function () {
      const f = await loadFixture(deploySystemFixture);
      const { escrow, gov, operator, payer } = f;
      await escrow.connect(payer).fundEscrow(operator.address, opg(1_000n));
      const v = await voucherFor(f, opg(1_000n)); // signed at 1%
      const sig = await signVoucher(payer, v, escrow);
      await escrow.connect(gov).setProtocolFee(100_000); // grace: 30 days as the thaw stands
      const increasedAt = await now();
      expect(await escrow.feeGraceEndsAt()).to.equal(increasedAt + 30n * DAY);
      await escrow.connect(gov).setWithdrawalThawingPeriod(DAY);
      expect(await escrow.feeGraceEndsAt()).to.equal(increasedAt + 30n * DAY);
      await time.increase(DAY + 1n);
      expect(await escrow.protocolFeeFor(v.issuedAt)).to.equal(10_000n);
      await expect(escrow.redeem(v, sig)).to.emit(escrow, "PaymentCollected");
      expect(await escrow.protocolFeesPending()).to.equal(opg(10n)); // 1%, one day into the 30-day grace
      // The grace ends 30 days after the increase, not earlier.
      await time.increaseTo(increasedAt + 30n * DAY);
      expect(await escrow.protocolFeeFor(v.issuedAt)).to.equal(100_000n);
    });
  });
  describe("governance mid-flight and pools slashed to nothing", function () {
    // Broken promise (DESIGN.md Parameters: the escrow withdrawal thaw applies to "new thaws", and "a change never
    // reaches back into terms already agreed"; SECURITY.md: "a voucher signed before the thaw is paid if redeemed
    // within the thaw (30 days)"). thaw() replaces a thaw in progress with one ending now + the current period, so
    // after governance shortens the period a payer re-starts its 30-day thaw as a 1-day one and withdraws 29 days
    // early, before the node has collected vouchers signed before the original thaw.
    // Suggested fix: a replacing thaw keeps the later of the two ends (never ends before the thaw it replaces), or
    // store the period with the escrow when it is first thawed.
    // Fixed: a thaw ends at max(now + period, the end of the thaw it replaces or cancelled).
    it("holds (finding 8, fixed): after the withdrawal thaw is shortened, a payer's re-thaw (or cancel and thaw) keeps the 30-day end", async function () {
      const f = await loadFixture(deploySystemFixture);
      const { escrow, gov, payer, operator } = f;
      await escrow.connect(payer).fundEscrow(operator.address, opg(500n));
      const v = await voucherFor(f, opg(500n)); // the node served 500 OPG of work
      const sig = await signVoucher(payer, v, escrow);
      await time.increase(1);
      await escrow.connect(payer).thaw(operator.address, opg(500n)); // the node expects until day 30
      const originalEnd = (await escrow.getEscrow(payer.address, operator.address)).thawEndsAt;
      expect(originalEnd).to.equal((await now()) + 30n * DAY);
      await escrow.connect(gov).setWithdrawalThawingPeriod(DAY);
      await expect(escrow.connect(payer).thaw(operator.address, opg(500n))) // restarted: still ends on day 30
        .to.emit(escrow, "ThawStarted")
        .withArgs(payer.address, operator.address, opg(500n), originalEnd);
      await escrow.connect(payer).thaw(operator.address, 0); // cancelled, then thawed again: day 30 still
      await escrow.connect(payer).thaw(operator.address, opg(500n));
      expect((await escrow.getEscrow(payer.address, operator.address)).thawEndsAt).to.equal(originalEnd);
      await time.increase(DAY);
      await expect(escrow.connect(payer).withdraw(operator.address))
        .to.be.revertedWithCustomError(escrow, "EscrowThawNotEnded")
        .withArgs(originalEnd);
      // The node collects its voucher signed before the thaw, within it.
      await expect(escrow.redeem(v, sig)).to.emit(escrow, "PaymentCollected");
      expect((await escrow.getEscrow(payer.address, operator.address)).balance).to.equal(0n);
    });

    // Broken promise (DESIGN.md Staking: a slash that would leave a pool worthless "sweeps that dust and starts a new
    // epoch of the pool", so that the pool keeps working). Only the thawing pools are swept: a slash that takes the
    // whole delegated active pool leaves it with shares and no tokens, and every later delegation to the operator
    // reverts StakingInvalidPoolState, forever (the operator can restake and run nodes, but never take delegations
    // again; its old delegators' shares are worth 0 and linger). Pending slashes add up to the whole stake with ten
    // challenges at 10% (or twenty at the default 5%).
    // Suggested fix: treat the delegated active pool like the thawing pools: when a slash leaves it (nearly) empty,
    // drop its shares and start a new epoch (delegations of an old epoch worth 0).
    it("FINDING 9: a delegated pool slashed to zero refuses every delegation forever", async function () {
      const f = await loadFixture(deploySystemFixture);
      const { proofs, staking, gov, operator, delegator, challenger, attacker, nodeId } = f;
      await staking.connect(delegator).delegate(operator.address, opg(10_000n), 0);
      await proofs.connect(gov).setSlash(100_000);
      const ids: string[] = [];
      for (let i = 0; i < 10; i++) {
        const rec = record({ inferenceId: ethers.id(`wrong:${i}`), proofType: Mode.None });
        await proofs.connect(operator).commitRecord(nodeId, rec);
        await openChallenge(proofs, challenger, nodeId, ethers.ZeroHash, rec, [], "0x");
        const key = await proofs.recordKeyOf(nodeId, ethers.ZeroHash, await proofs.leafOf(rec));
        ids.push((await proofs.getDispute(key)).pendingChallengeId);
      }
      for (const id of ids) await proofs.connect(gov).resolveChallenge(id, true);
      const o = await staking.getOperator(operator.address);
      expect(o.delegated.tokens).to.equal(0n);
      expect(o.delegated.shares).to.equal(opg(10_000n));
      await staking.connect(operator).stake(opg(60_000n)); // back in business
      await expect(staking.connect(attacker).delegate(operator.address, opg(1_000n), 0)).to.be.revertedWithCustomError(
        staking,
        "StakingInvalidPoolState",
      );
    });
  });

  describe("parameters whose bounds do not hold together", function () {
    // Was FINDING 10: stake stays slashable only while it thaws, and the thaw (1-28 days) and the challenge window
    // (1 hour-28 days) were bounded separately: at a 1-day thaw and the default 7-day window, an operator committed a
    // wrong record, unstaked at once, withdrew the next day, and the upheld challenge slashed nothing. Fixed: each
    // setter checks the other contract's parameter: thawingPeriod >= challengeWindow + 1 day (the reopening day).
    it("holds (finding 10, fixed): governance cannot set a thaw that ends before a record's challenges can", async function () {
      const f = await loadFixture(deploySystemFixture);
      const { proofs, staking, gov } = f;
      const window = await proofs.challengeWindow(); // 7 days
      // A commit may take the window up to a coverage period (an hour) after its node's stake was checked.
      const coverage = await proofs.COVERAGE_PERIOD();
      const minimum = window + coverage + DAY;
      await expect(staking.connect(gov).setThawingPeriod(DAY))
        .to.be.revertedWithCustomError(staking, "StakingParameterOutOfBounds")
        .withArgs(ethers.encodeBytes32String("thawingPeriod"), DAY, minimum, 28n * DAY);
      await expect(staking.connect(gov).setThawingPeriod(minimum - 1n)).to.be.revertedWithCustomError(
        staking,
        "StakingParameterOutOfBounds",
      );
      await expect(staking.connect(gov).setThawingPeriod(minimum)).to.emit(staking, "ThawingPeriodSet");
      // And from the other side: the window cannot grow past the thaw less a day.
      await expect(proofs.connect(gov).setChallengeWindow(window + 1n))
        .to.be.revertedWithCustomError(proofs, "ProofsParameterOutOfBounds")
        .withArgs(ethers.encodeBytes32String("challengeWindow"), window + 1n, 3_600n, window);
      await expect(proofs.connect(gov).setChallengeWindow(window)).to.emit(proofs, "ChallengeWindowSet");
      // And at deployment: a core whose staking had its thaw shortened before the wiring refuses the proof registry as
      // its slasher, whose window the thaw would not cover.
      const shortThaw = async ({ staking: fresh }: CoreContracts) => {
        await (await fresh.connect(gov).setThawingPeriod(DAY)).wait();
      };
      await expect(deployTestCore(f.deployer, gov, { afterDeploy: shortThaw }))
        .to.be.revertedWithCustomError(staking, "StakingParameterOutOfBounds")
        .withArgs(ethers.encodeBytes32String("thawingPeriod"), DAY, minimum, 28n * DAY);
      // With the two at their closest, stake unbonded just after its node's standing was checked is still there for
      // the upheld challenge, on the window's last second, of a wrong record committed on the coverage's last second.
      const { operator, challenger, nodeId } = f;
      await proofs.connect(operator).commitRecord(nodeId, record({ proofType: Mode.None }));
      await staking.connect(operator).unstake(OPERATOR_STAKE);
      const until = (await proofs.coverageOf(nodeId)).until;
      const rec = record({ proofType: Mode.None, inferenceId: ethers.id("inference:2") });
      await time.setNextBlockTimestamp(until - 1n);
      await proofs.connect(operator).commitRecord(nodeId, rec);
      // Once the coverage lapses, the node, whose stake left, commits nothing.
      const late = record({ proofType: Mode.None, inferenceId: ethers.id("inference:3") });
      await expect(proofs.connect(operator).commitRecord(nodeId, late))
        .to.be.revertedWithCustomError(proofs, "ProofsNotNodeOperator")
        .withArgs(nodeId, operator.address);
      await commitChallenge(proofs, challenger, nodeId, ethers.ZeroHash, rec, [], "0x");
      await time.setNextBlockTimestamp(until - 1n + window);
      await openChallenge(proofs, challenger, nodeId, ethers.ZeroHash, rec, [], "0x");
      const key = await proofs.recordKeyOf(nodeId, ethers.ZeroHash, await proofs.leafOf(rec));
      const id = (await proofs.getDispute(key)).pendingChallengeId;
      expect((await proofs.getChallenge(id)).lockedStake).to.be.greaterThan(0n);
      const supply = await f.token.totalSupply();
      await proofs.connect(gov).resolveChallenge(id, true);
      expect(await f.token.totalSupply()).to.be.lessThan(supply);
    });
  });

  describe("payments: who counts as a contract payer", function () {
    // Broken promise (DESIGN.md Payments: "What a node can rely on: a voucher ... issued before the payer started a
    // thaw ... is paid in full if that escrow covered it when it was issued ... and the node redeems it ... within
    // the thaw"). _isValidSignature accepts ECDSA only from an address without code; an address with code must answer
    // EIP-1271. Since EIP-7702 (live on Base and mainnet) an EOA can attach code to itself and remove it at will:
    // a payer that looked like a plain EOA to the node signs vouchers, starts a thaw, sets a 7702 delegation whose
    // code does not confirm raw ECDSA digests (most smart-account delegates wrap the hash, or have no ERC-1271 at
    // all) for the 30 days, clears it, and withdraws: every voucher it signed is refused throughout. (Simulated with
    // hardhat_setCode of the 7702 designator 0xef0100||address; it passes under Cancun and with
    // HARDHAT_HARDFORK=prague, where the designator really delegates.)
    // Suggested fix: as OpenZeppelin's SignatureChecker does, accept a valid ECDSA signature of the signer whatever
    // its code, and fall back to EIP-1271 only when ECDSA does not recover the signer.
    // Fixed: ECDSA first whatever the account's code; EIP-1271 only when ECDSA does not recover the payer.
    it("holds (finding 11, fixed): an EOA payer cannot void its signed vouchers by attaching EIP-7702 code during its thaw", async function () {
      const f = await loadFixture(deploySystemFixture);
      const { escrow, token, payer, operator } = f;
      await escrow.connect(payer).fundEscrow(operator.address, opg(500n));
      const v = await voucherFor(f, opg(500n), { expiry: (await now()) + 365n * DAY });
      const sig = await signVoucher(payer, v, escrow); // an ordinary EOA signature, valid now
      expect(await escrow.redeem.staticCall(v, sig)).to.equal(opg(500n));
      await time.increase(1);
      await escrow.connect(payer).thaw(operator.address, opg(500n));
      const designator = "0xef0100" + (await token.getAddress()).slice(2).toLowerCase(); // a delegate without ERC-1271
      await ethers.provider.send("hardhat_setCode", [payer.address, designator]);
      expect(await ethers.provider.getCode(payer.address)).to.equal(designator);
      const operatorBefore = await token.balanceOf(operator.address);
      await expect(escrow.redeem(v, sig)).to.emit(escrow, "PaymentCollected");
      expect((await escrow.getEscrow(payer.address, operator.address)).balance).to.equal(0n);
      await time.increase(30n * DAY);
      await ethers.provider.send("hardhat_setCode", [payer.address, "0x"]); // delegation cleared
      // The node was paid; the payer has nothing left to withdraw, and the voucher does not pay twice.
      expect(await token.balanceOf(operator.address)).to.equal(operatorBefore); // its share is credited in staking
      await expect(escrow.redeem(v, sig)).to.be.reverted;
    });
  });

  describe("locks: what one bogus challenge holds", function () {
    // Broken promise (DESIGN.md Disputes: "Each challenge locks only its own slash, not the operator's whole stake";
    // IStaking.withdraw: the operator "may not take out own stake the lock needs"). Withdrawals take whole thaw
    // requests and a request cannot be split after it is made, so an operator that unstaked in one request (the
    // natural way to leave) cannot withdraw any of it while a single challenge is pending: a 100-OPG bogus
    // challenge freezes all 60,000, not the 3,000 it locks. And since each failed challenge reopens the record for a
    // day from its decision, a griefer with fresh accounts chains challenges past the record's window: every cycle
    // (the arbiter's rejection or expiry, then a new challenge within the day) costs 100 OPG and keeps the whole
    // stake frozen, without end.
    // Suggested fix: let withdraw pay part of a request (up to what the lock leaves free) and keep the rest queued;
    // and do not reopen a record for a challenger other than one turned away while the failed challenge was pending
    // (or reopen only once per record).
    // Fixed: withdraw takes what pending slashes leave free, out of part of a request if need be (the rest stays
    // thawed in the same request). The record is still reopened after each failed challenge (see DESIGN.md), but a
    // chain of challenges now holds only the slash each locks, not the whole stake.
    it("holds (finding 12, fixed): one 100-OPG challenge holds only its 5% slash of an exiting operator's single thaw request", async function () {
      const f = await loadFixture(deploySystemFixture);
      const { proofs, staking, token, operator, attacker, payer2, nodeId } = f;
      const rec = record({ proofType: Mode.None });
      await proofs.connect(operator).commitRecord(nodeId, rec); // a correct record, its last
      await staking.connect(operator).unstake(OPERATOR_STAKE); // leaves in one request
      const key = await proofs.recordKeyOf(nodeId, ethers.ZeroHash, await proofs.leafOf(rec));
      const pendingId = async () => (await proofs.getDispute(key)).pendingChallengeId;
      const [[id]] = await staking.thawRequestsOf(operator.address, operator.address);

      await time.increase(6n * DAY);
      await openChallenge(proofs, attacker, nodeId, ethers.ZeroHash, rec, [], "0x"); // day 6, bogus
      expect(await staking.pendingSlashOf(operator.address)).to.equal(opg(3_000n)); // 5% of 60,000
      await time.increase(8n * DAY); // day 14: the thaw is over
      const before = await token.balanceOf(operator.address);
      await expect(staking.connect(operator).withdraw(operator.address, 0))
        .to.emit(staking, "StakeWithdrawn")
        .withArgs(operator.address, operator.address, opg(57_000n), 0); // all but the 3,000 locked; no whole request
      expect((await token.balanceOf(operator.address)) - before).to.equal(opg(57_000n));
      const [ids, amounts] = await staking.thawRequestsOf(operator.address, operator.address);
      expect(ids).to.deep.equal([id]);
      expect(amounts).to.deep.equal([opg(3_000n)]); // the rest stays thawed in the same request
      await expect(staking.connect(operator).withdraw(operator.address, 0))
        .to.be.revertedWithCustomError(staking, "StakingStakeLocked")
        .withArgs(opg(3_000n), opg(3_000n)); // nothing more is free
      await proofs.expireChallenge(await pendingId()); // the arbiter did not bother: reopened for a day
      await openChallenge(proofs, payer2, nodeId, ethers.ZeroHash, rec, [], "0x"); // day 14, past the window
      expect(await staking.pendingSlashOf(operator.address)).to.equal(opg(150n)); // 5% of the 3,000 left
      await expect(staking.connect(operator).withdraw(operator.address, 0))
        .to.emit(staking, "StakeWithdrawn")
        .withArgs(operator.address, operator.address, opg(2_850n), 0);
      // 200 OPG of bonds hold 150 OPG, not the 60,000.
    });
  });

  describe("attacks that hold", function () {
    it("holds: a copier node cannot fulfil an open request with another node's revealed answer", async function () {
      const f = await loadFixture(deploySystemFixture);
      const { escrow, nodes, payer, operator, attacker, nodeId } = f;
      const copierNode = await addOperator(f, attacker);
      const deadline = (await now()) + 3_600n;
      await escrow.connect(payer).postRequest(MODEL, ethers.id("in"), Mode.None, opg(5n), deadline, 0);
      const out = ethers.id("answer");
      const proof = ethers.id("proof");
      await escrow
        .connect(operator)
        .commitFulfilment(1, nodeId, await escrow.fulfilmentCommitmentOf(1, nodeId, out, proof));
      await mine(1);
      // The copier sees the honest reveal in the mempool and puts its own commit and reveal in the same block.
      await ethers.provider.send("evm_setAutomine", [false]);
      await escrow
        .connect(attacker)
        .commitFulfilment(1, copierNode, await escrow.fulfilmentCommitmentOf(1, copierNode, out, proof), {
          gasLimit: 200_000,
        });
      const copy = await escrow.connect(attacker).fulfil(1, copierNode, out, proof, { gasLimit: 1_000_000 });
      const honest = await escrow.connect(operator).fulfil(1, nodeId, out, proof, { gasLimit: 1_000_000 });
      await mine(1);
      await ethers.provider.send("evm_setAutomine", [true]);
      // The copier's commitment is not from an earlier block: its fulfil reverts, the honest one is paid.
      await expect(copy.wait()).to.be.rejected;
      expect((await honest.wait())!.status).to.equal(1);
      expect((await escrow.getRequest(1)).status).to.equal(2);
      expect(await nodes.operatorOf(copierNode)).to.equal(attacker.address);
    });

    it("holds: a voucher pays once, whether replayed alone or twice in one batch", async function () {
      const f = await loadFixture(deploySystemFixture);
      const { escrow, payer, operator } = f;
      await escrow.connect(payer).fundEscrow(operator.address, opg(100n));
      const v = await voucherFor(f, opg(10n));
      const sig = await signVoucher(payer, v, escrow);
      await expect(escrow.redeemBatch([v, v], [sig, sig])).to.emit(escrow, "VoucherSkipped");
      expect(await escrow.redeemedOf(payer.address, v.nodeId, v.modelId, v.mode)).to.equal(opg(10n));
      await expect(escrow.redeem(v, sig)).to.be.revertedWithCustomError(escrow, "EscrowNothingOwed");
      expect((await escrow.getEscrow(payer.address, operator.address)).balance).to.equal(opg(90n));
    });

    it("holds: a payer's escrow with one operator cannot be taken through another operator's node (its own puppet's)", async function () {
      const f = await loadFixture(deploySystemFixture);
      const { escrow, payer, operator, attacker } = f;
      const puppetNode = await addOperator(f, attacker);
      await escrow.connect(payer).fundEscrow(operator.address, opg(100n));
      await escrow.connect(payer).thaw(operator.address, opg(100n));
      const v = await voucherFor(f, opg(100n), { nodeId: puppetNode, issuedAt: 0n });
      await expect(escrow.redeem(v, await signVoucher(payer, v, escrow))).to.be.revertedWithCustomError(
        escrow,
        "EscrowInsufficientBalance",
      );
      expect((await escrow.getEscrow(payer.address, operator.address)).balance).to.equal(opg(100n));
    });

    it("holds: a voucher issued after the thaw began cannot take the thawing funds", async function () {
      const f = await loadFixture(deploySystemFixture);
      const { escrow, payer, operator } = f;
      await escrow.connect(payer).fundEscrow(operator.address, opg(100n));
      await escrow.connect(payer).thaw(operator.address, opg(100n));
      await time.increase(1);
      const v = await voucherFor(f, opg(100n));
      await expect(escrow.redeem(v, await signVoucher(payer, v, escrow))).to.be.revertedWithCustomError(
        escrow,
        "EscrowInsufficientBalance",
      );
    });

    it("holds: with a challenge pending, the operator withdraws only what the lock leaves free after the thaw", async function () {
      const f = await loadFixture(deploySystemFixture);
      const { proofs, staking, token, gov, operator, challenger, delegator, nodeId } = f;
      await staking.connect(delegator).delegate(operator.address, opg(10_000n), 0);
      await proofs.connect(gov).setDecisionPeriod(28n * DAY); // the arbiter decides after the thaw
      const rec = record({ proofType: Mode.None });
      await proofs.connect(operator).commitRecord(nodeId, rec);
      await openChallenge(proofs, challenger, nodeId, ethers.ZeroHash, rec, [], "0x");
      const locked = await staking.pendingSlashOf(operator.address); // 5% of 70,000
      expect(locked).to.equal(opg(3_500n));
      await staking.connect(operator).unstake(OPERATOR_STAKE);
      const { shares } = await staking.getDelegation(operator.address, delegator.address);
      await staking.connect(delegator).undelegate(operator.address, shares);
      await time.increase(14n * DAY);
      // The operator's own stake holds the lock first: 60,000 - 3,500 leaves, 3,500 stays thawed.
      const before = await token.balanceOf(operator.address);
      await staking.connect(operator).withdraw(operator.address, 0);
      expect((await token.balanceOf(operator.address)) - before).to.equal(OPERATOR_STAKE - locked);
      const [, amounts] = await staking.thawRequestsOf(operator.address, operator.address);
      expect(amounts).to.deep.equal([locked]);
      await expect(staking.connect(operator).withdraw(operator.address, 0))
        .to.be.revertedWithCustomError(staking, "StakingStakeLocked")
        .withArgs(locked, locked);
      // The delegator may leave whole: the operator's own thawing stake still covers the lock.
      const delegatorBefore = await token.balanceOf(delegator.address);
      await staking.connect(delegator).withdraw(operator.address, 0);
      expect((await token.balanceOf(delegator.address)) - delegatorBefore).to.equal(opg(10_000n));
      const challengeId = ethers.keccak256(
        ethers.AbiCoder.defaultAbiCoder().encode(
          ["bytes32", "address"],
          [await proofs.recordKeyOf(nodeId, ethers.ZeroHash, await proofs.leafOf(rec)), challenger.address],
        ),
      );
      await proofs.connect(gov).resolveChallenge(challengeId, true);
      await expect(proofs.connect(gov).resolveChallenge(challengeId, true)).to.be.revertedWithCustomError(
        proofs,
        "ProofsChallengeNotPending",
      );
      expect(await staking.slashableStakeOf(operator.address)).to.equal(0n); // the locked 3,500 was slashed
    });

    it("holds: a delegation cannot be front-run into a higher cut", async function () {
      const f = await loadFixture(deploySystemFixture);
      const { staking, operator, delegator } = f;
      await staking.connect(operator).setDelegationCut(500_000);
      await expect(staking.connect(delegator).delegate(operator.address, opg(1_000n), 0)).to.be.revertedWithCustomError(
        staking,
        "StakingCutAboveAccepted",
      );
    });

    it("holds: a node cannot commit a reserved inference id nor a record for another's node", async function () {
      const f = await loadFixture(deploySystemFixture);
      const { proofs, attacker, nodeId } = f;
      const mine_ = await addOperator(f, attacker);
      const reserved = record({ inferenceId: "0xff" + "00".repeat(31) });
      await expect(proofs.connect(attacker).commitRecord(mine_, reserved)).to.be.revertedWithCustomError(
        proofs,
        "ProofsReservedInferenceId",
      );
      await expect(proofs.connect(attacker).commitRecord(nodeId, record())).to.be.revertedWithCustomError(
        proofs,
        "ProofsNotNodeOperator",
      );
    });

    it("holds: after payments, fees, a JIT delegation and a slash, the books match the balances", async function () {
      const f = await loadFixture(deploySystemFixture);
      const { escrow, staking, token, proofs, gov, payer, operator, attacker, challenger, nodeId } = f;
      await staking.connect(attacker).delegate(operator.address, opg(100_000n), 0);
      await escrow.connect(payer).fundEscrow(operator.address, opg(500n));
      const v = await voucherFor(f, opg(300n));
      await escrow.redeem(v, await signVoucher(payer, v, escrow));
      await escrow
        .connect(payer)
        .postRequest(MODEL, ethers.id("x"), Mode.None, opg(2n), (await now()) + 1_000n, nodeId);
      await escrow.connect(operator).fulfil(1, nodeId, ethers.id("o"), ethers.id("p"));
      const rec = record({ proofType: Mode.None });
      await proofs.connect(operator).commitRecord(nodeId, rec);
      await openChallenge(proofs, challenger, nodeId, ethers.ZeroHash, rec, [], "0x");
      const key = await proofs.recordKeyOf(nodeId, ethers.ZeroHash, await proofs.leafOf(rec));
      await proofs.connect(gov).resolveChallenge((await proofs.getDispute(key)).pendingChallengeId, true);
      await time.increase(3n * DAY);
      await staking.connect(attacker).claimRewards(operator.address);

      // Escrow: free balances + escrows + royalties + protocol fees (no open request).
      const held = await token.balanceOf(escrow);
      const books =
        (await escrow.balanceOf(payer.address)) +
        (await escrow.getEscrow(payer.address, operator.address)).balance +
        (await escrow.royaltiesOf(f.builder.address)) +
        (await escrow.protocolFeesPending());
      expect(held).to.equal(books);
      // Staking: balance >= active + thawing + the stream + fees - claims.
      const s = await token.balanceOf(staking);
      const floor =
        (await staking.totalActiveStake()) +
        (await staking.totalThawingStake()) +
        (await staking.REWARDS_TOTAL()) +
        (await staking.feesDistributed()) -
        (await staking.rewardsClaimed());
      expect(s).to.be.greaterThanOrEqual(floor);
    });
    it("holds: a delegation made after a payment's fees were released never shares them (F4's fix)", async function () {
      const f = await loadFixture(deploySystemFixture);
      const { staking, escrow, operator, payer, attacker } = f;
      await escrow.connect(payer).fundEscrow(operator.address, opg(1_000n));
      const v = await voucherFor(f, opg(1_000n));
      await escrow.redeem(v, await signVoucher(payer, v, escrow));
      await time.increase(await staking.FEE_STREAM_PERIOD());
      await staking.connect(attacker).delegate(operator.address, opg(500_000n), 0);
      // Only stream rewards from here on: a second is worth far less than a wei of the 940 OPG of fees.
      expect(await staking.claimableRewards(attacker.address, operator.address)).to.be.lessThan(opg(1n));
    });

    it("holds: a voucher honestly dated after a fee increase pays the new fee", async function () {
      const f = await loadFixture(deploySystemFixture);
      const { escrow, gov, operator, payer } = f;
      await escrow.connect(payer).fundEscrow(operator.address, opg(1_000n));
      await escrow.connect(gov).setProtocolFee(100_000);
      const v = await voucherFor(f, opg(1_000n));
      await escrow.redeem(v, await signVoucher(payer, v, escrow));
      expect(await escrow.protocolFeesPending()).to.equal(opg(100n));
    });

    it("holds: a delegator who undelegates as a challenge opens still bears its share of the slash", async function () {
      const f = await loadFixture(deploySystemFixture);
      const { proofs, staking, token, gov, operator, delegator, challenger, nodeId } = f;
      await staking.connect(delegator).delegate(operator.address, opg(100_000n), 0);
      await staking.connect(operator).unstake(opg(55_000n));
      await time.increase(14n * DAY);
      await staking.connect(operator).withdraw(operator.address, 0); // own 5,000 left
      await proofs.connect(gov).setSlash(100_000);
      const rec = record({ proofType: Mode.None });
      await proofs.connect(operator).commitRecord(nodeId, rec);
      await openChallenge(proofs, challenger, nodeId, ethers.ZeroHash, rec, [], "0x"); // 10% of 105,000
      const { shares } = await staking.getDelegation(operator.address, delegator.address);
      await staking.connect(delegator).undelegate(operator.address, shares); // runs at once
      const key = await proofs.recordKeyOf(nodeId, ethers.ZeroHash, await proofs.leafOf(rec));
      await proofs.connect(gov).resolveChallenge((await proofs.getDispute(key)).pendingChallengeId, true);
      await time.increase(14n * DAY);
      const before = await token.balanceOf(delegator.address);
      await staking.connect(delegator).withdraw(operator.address, 0);
      // 10,500 slashed: 5,000 own, 5,500 from the delegator's thawing stake.
      expect((await token.balanceOf(delegator.address)) - before).to.equal(opg(94_500n));
    });

    it("holds: a payer cannot pay a node it operates", async function () {
      const f = await loadFixture(deploySystemFixture);
      const { escrow, operator, payer, nodeId } = f;
      await escrow.connect(payer).deposit(operator.address, opg(10n));
      const v = await voucherFor(f, opg(1n), { payer: operator.address, nodeId });
      await expect(escrow.redeem(v, await signVoucher(operator, v, escrow))).to.be.revertedWithCustomError(
        escrow,
        "EscrowSelfDealing",
      );
    });
    it("holds: a price raised after a request was posted is not charged to it, even in the fulfil's block", async function () {
      const f = await loadFixture(deploySystemFixture);
      const { escrow, nodes, payer, operator, nodeId } = f;
      const deadline = (await now()) + DAY - 10n;
      await escrow.connect(payer).postRequest(MODEL, ethers.id("in"), Mode.None, opg(50n), deadline, nodeId);
      const params = {
        metadataURI: "https://node.example",
        modes: 3,
        teeMeasurement: ethers.id("enclave:security"),
        capacity: 8n,
        prices: [opg(50n), opg(3n), 0n] as [bigint, bigint, bigint],
      };
      await nodes.connect(operator).updateNode(nodeId, params);
      await time.increaseTo(deadline - 3n);
      await nodes.connect(operator).heartbeat(nodeId);
      await expect(escrow.connect(operator).fulfil(1, nodeId, ethers.id("o"), ethers.id("p")))
        .to.emit(escrow, "RequestFulfilled")
        .withArgs(1, nodeId, ethers.id("o"), ethers.id("p"), opg(1n), opg(49n));
    });
  });
});
