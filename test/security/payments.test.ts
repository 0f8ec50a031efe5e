/*
Payments nodes can rely on (issue 17): each attack written as the attacker would run it, asserting that it fails.

payments
├── (1) a payer leaves at once through a node of its own
│   └── it signs its own node (its own operator account, staked at the minimum) a voucher for all it holds, redeems
│       it and claims the fees → only what it put in its escrow with ITS OWN operator is paid (FeesCredited to its
│       operator for that split, released over FEE_STREAM_PERIOD, not at once); an honest node's earlier 600 OPG voucher (funded in the payer's escrow with the
│       honest operator) is paid in full, during the payer's thaw; the thaw (started after the voucher) cannot be
│       withdrawn before it ends, and then yields nothing
├── (2) an open request's work taken by a copier
│   ├── the copier submits the honest answer without a commitment, in the block before the reveal →
│   │   EscrowNotCommitted(requestId, its commitment)
│   └── the copier commits and fulfils in the block of the honest reveal, ahead of it (higher priority) → its fulfil
│       reverts; the honest node is paid and holds the record (getRecord(honestNode, requestInferenceId(id)))
├── (3) a price raised to the cap in the block of the fulfil
│   ├── the node raises its price just before fulfilling, in the same block → the request pays the old price
│   └── raised in the block of the posting, fulfilled at the deadline of the longest request (MAX_REQUEST_DURATION
│       − 1 s) → the old price; a deadline one second later is refused (EscrowDeadlineTooFar)
├── (4) a protocol fee raised after a voucher was signed
│   └── 1% → 10% by governance: the earlier voucher's 100 OPG still pays the node 94 (royalty 5%); a voucher
│       issued after the increase pays 10% at once; after one withdrawal thawing period the earlier voucher pays 10%
├── (4b) a royalty raised after a voucher was signed, by a payer that owns the model
│   └── 0% → the maximum: the earlier voucher's 100 OPG still pays the node 99 and the payer-owner nothing; a
│       voucher issued once the increase is in force pays it
├── (5) a contract payer that sinks a whole batch
│   └── a wallet answering with 1 MB of returndata, and one burning all its gas, among honest vouchers → each is
│       skipped (VoucherSkipped with EscrowInvalidSignature's selector), the rest paid; the batch's gas stays under
│       the honest batch's gas + WALLET_SIGNATURE_GAS + a margin per hostile voucher
└── (6) a batch root committed first by another node
    └── the victim commits the same root after it → accepted: commitments are keyed by node, each holds its own; a
        single record under an inference id the squatter used first too
*/
import { expect } from "chai";
import { ethers, network } from "hardhat";
import { loadFixture, mine, time } from "@nomicfoundation/hardhat-network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";

import { MockGasBurningWallet__factory, MockHugeReturnWallet__factory } from "../../typechain-types";
import { opg } from "../../deploy/lib/format";
import {
  addOperator,
  DAY,
  deploySystemFixture,
  MEASUREMENT,
  MODEL,
  Mode,
  now,
  PRICES,
  signVoucher,
  split,
  System,
  voucherFor,
} from "./fixture";
import { commitAndRegisterModel } from "../helpers/models";

const { id } = ethers;
/** Pinned or queued transactions carry their own gas limit, so that they are not estimated against another state. */
const GAS = { gasLimit: 2_000_000n };

/** The operator's node params with `prices`, everything else as registered by the fixture. */
function node1Params(prices: [bigint, bigint, bigint]) {
  return { metadataURI: "https://node.example", modes: 3, teeMeasurement: MEASUREMENT, capacity: 8n, prices };
}

/** Runs `send` with automine off, mines one block with everything sent, and turns automine back on. */
async function inOneBlock<T>(send: () => Promise<T>): Promise<T> {
  await network.provider.send("evm_setAutomine", [false]);
  try {
    const sent = await send();
    await mine();
    return sent;
  } finally {
    await network.provider.send("evm_setAutomine", [true]);
  }
}

async function receiptOf(hash: string) {
  const r = await ethers.provider.getTransactionReceipt(hash);
  if (!r) throw new Error(`no receipt for ${hash}`);
  return r;
}

describe("security: payments nodes can rely on (issue 17)", function () {
  it("(1) a payer cannot leave at once through a node of its own", async function () {
    const f = await loadFixture(deploySystemFixture);
    const attacker = f.attacker; // the dishonest payer
    const attackerOp = f.signers[11]; // an operator account of its own
    const honestOp = f.operator.address;
    const minimum =
      (await f.nodes.minimumStake(Mode.None)) > (await f.nodes.minimumOwnStake())
        ? await f.nodes.minimumStake(Mode.None)
        : await f.nodes.minimumOwnStake();
    const ownNode = await addOperator(f, attackerOp, minimum);
    expect((await f.staking.getOperator(attackerOp.address)).ownActive).to.equal(minimum);

    // What backs the honest node's work: 600 OPG in its escrow with the honest operator. Its own node gets 400; the
    // rest of its money sits in its free balance.
    await f.escrow.connect(attacker).depositToEscrow(attacker.address, honestOp, opg(600n));
    await f.escrow.connect(attacker).depositToEscrow(attacker.address, attackerOp.address, opg(400n));
    await f.escrow.connect(attacker).deposit(attacker.address, opg(1_000n));
    const honest = await voucherFor(f, opg(600n), { payer: attacker.address, expiry: (await now()) + 90n * DAY });
    const honestSig = await signVoucher(attacker, honest, f.escrow);

    // The attack: thaw what backs the honest voucher, and pay its own node everything it ever put in.
    await time.increase(60);
    await f.escrow.connect(attacker).thaw(honestOp, opg(600n));
    const { thawEndsAt } = await f.escrow.getEscrow(attacker.address, honestOp);
    const everything = opg(2_000n);
    const drain = await voucherFor(f, everything, { payer: attacker.address, nodeId: ownNode });
    const drainSig = await signVoucher(attacker, drain, f.escrow);
    const s = split(opg(400n));
    const stakingTokens = await f.token.balanceOf(f.staking);
    const tx = f.escrow.connect(attackerOp).redeem(drain, drainSig);
    await expect(tx)
      .to.emit(f.escrow, "PaymentCollected")
      .withArgs(
        attacker.address,
        ownNode,
        MODEL,
        attackerOp.address,
        f.builder.address,
        Mode.None,
        0,
        opg(400n),
        s.node,
        s.royalty,
        s.fee,
      );
    await expect(tx).to.emit(f.staking, "FeesCredited").withArgs(attackerOp.address, s.node, anyValue, anyValue);
    expect((await f.token.balanceOf(f.staking)) - stakingTokens).to.equal(s.node);
    // Nothing more, alone or in a batch.
    await expect(f.escrow.connect(attackerOp).redeem(drain, drainSig))
      .to.be.revertedWithCustomError(f.escrow, "EscrowInsufficientBalance")
      .withArgs(0n, everything - opg(400n));
    await expect(f.escrow.redeemBatch([drain, drain], [drainSig, drainSig])).to.be.revertedWithCustomError(
      f.escrow,
      "EscrowBatchPaidNothing",
    );
    // Its node's fees are the node share of its own 400 only, nothing of the 600, and they do not come back at
    // once: staking releases them over FEE_STREAM_PERIOD (what it can claim now is a few seconds of it and of the
    // rewards stream).
    const streaming = await f.staking.feesStreamingOf(attackerOp.address);
    expect(streaming).to.be.lessThanOrEqual(s.node);
    expect(streaming).to.be.greaterThan(s.node - opg(1n));
    expect(await f.staking.claimableRewards(attackerOp.address, attackerOp.address)).to.be.lessThan(opg(10n));

    // The escrow with the honest operator is whole, and cannot leave before its thaw ends.
    expect(await f.escrow.getEscrow(attacker.address, honestOp)).to.deep.equal([
      opg(600n),
      opg(600n),
      thawEndsAt - 30n * DAY,
      thawEndsAt,
    ]);
    await expect(f.escrow.connect(attacker).withdraw(honestOp))
      .to.be.revertedWithCustomError(f.escrow, "EscrowThawNotEnded")
      .withArgs(thawEndsAt);

    // The honest node redeems within the thaw: paid in full.
    await time.increaseTo(thawEndsAt - 60n);
    const h = split(opg(600n));
    await expect(f.escrow.connect(f.operator).redeem(honest, honestSig))
      .to.emit(f.escrow, "PaymentCollected")
      .withArgs(
        attacker.address,
        f.nodeId,
        MODEL,
        honestOp,
        f.builder.address,
        Mode.None,
        0,
        opg(600n),
        h.node,
        h.royalty,
        h.fee,
      )
      .and.to.emit(f.staking, "FeesCredited")
      .withArgs(honestOp, h.node, anyValue, anyValue);
    await time.increaseTo(thawEndsAt);
    await expect(f.escrow.connect(attacker).withdraw(honestOp))
      .to.emit(f.escrow, "Withdrawn")
      .withArgs(attacker.address, honestOp, 0n);
    // What the attacker kept is only its free balance, which backed nothing.
    expect(await f.escrow.balanceOf(attacker.address)).to.equal(opg(1_000n));
  });

  describe("(2) an open request's work taken by a copier", function () {
    async function openRequest() {
      const f = await loadFixture(deploySystemFixture);
      const copierOp = f.signers[11];
      const copierNode = await addOperator(f, copierOp);
      const deadline = (await now()) + 3_600n;
      await f.escrow.connect(f.payer).postRequest(MODEL, id("input"), Mode.None, opg(2n), deadline, 0n);
      const requestId = (await f.escrow.nextRequestId()) - 1n;
      const output = id("honest output");
      const proof = id("honest proof");
      const honestCommitment = await f.escrow.fulfilmentCommitmentOf(requestId, f.nodeId, output, proof);
      const copierCommitment = await f.escrow.fulfilmentCommitmentOf(requestId, copierNode, output, proof);
      return { f, copierOp, copierNode, requestId, output, proof, honestCommitment, copierCommitment };
    }

    it("a copier's fulfil without a commitment, or committed in the block of the reveal, reverts; the honest node is paid", async function () {
      const { f, copierOp, copierNode, requestId, output, proof, honestCommitment, copierCommitment } =
        await openRequest();
      await expect(f.escrow.connect(f.operator).commitFulfilment(requestId, f.nodeId, honestCommitment))
        .to.emit(f.escrow, "FulfilmentCommitted")
        .withArgs(requestId, f.nodeId, honestCommitment);

      // The copier learnt the answer (off-chain, or from a first reveal attempt) and submits it first, uncommitted.
      await expect(f.escrow.connect(copierOp).fulfil(requestId, copierNode, output, proof))
        .to.be.revertedWithCustomError(f.escrow, "EscrowNotCommitted")
        .withArgs(requestId, copierCommitment);
      // Re-using the honest node's commitment for its own node does not help either.
      await expect(f.escrow.connect(copierOp).commitFulfilment(requestId, copierNode, honestCommitment)).to.emit(
        f.escrow,
        "FulfilmentCommitted",
      );
      await expect(f.escrow.connect(copierOp).fulfil(requestId, copierNode, output, proof))
        .to.be.revertedWithCustomError(f.escrow, "EscrowNotCommitted")
        .withArgs(requestId, copierCommitment);

      // The honest reveal is in the mempool; the copier commits and fulfils ahead of it, in the same block.
      const fee = (await ethers.provider.getFeeData()).maxFeePerGas!;
      const [copierCommit, copierFulfil, honestFulfil] = await inOneBlock(async () => {
        const high = { ...GAS, maxFeePerGas: fee * 3n, maxPriorityFeePerGas: fee * 2n };
        const low = { ...GAS, maxFeePerGas: fee * 2n, maxPriorityFeePerGas: 1n };
        const honestTx = await f.escrow.connect(f.operator).fulfil(requestId, f.nodeId, output, proof, low);
        const c1 = await f.escrow.connect(copierOp).commitFulfilment(requestId, copierNode, copierCommitment, high);
        const c2 = await f.escrow.connect(copierOp).fulfil(requestId, copierNode, output, proof, high);
        return [c1, c2, honestTx];
      });
      const [r1, r2, r3] = await Promise.all([copierCommit, copierFulfil, honestFulfil].map((t) => receiptOf(t.hash)));
      expect(r1.blockNumber).to.equal(r3.blockNumber);
      expect(r2.blockNumber).to.equal(r3.blockNumber);
      expect(r2.index).to.be.lessThan(r3.index); // the copier was first
      expect(r1.status).to.equal(1);
      expect(r2.status).to.equal(0); // EscrowNotCommitted: its commitment is of this very block
      expect(r3.status).to.equal(1);
      // The copier's fulfil, replayed against the state it met, names the reason.
      await expect(f.escrow.connect(copierOp).fulfil(requestId, copierNode, output, proof))
        .to.be.revertedWithCustomError(f.escrow, "EscrowRequestNotOpen")
        .withArgs(requestId, 2n);

      // The honest node was paid and holds the record.
      const s = split(PRICES[0]);
      const paid = (
        await f.escrow.queryFilter(f.escrow.filters.PaymentCollected(), r3.blockNumber, r3.blockNumber)
      ).map((e) => [e.args.nodeId, e.args.operator, e.args.gross, e.args.nodeShare]);
      expect(paid).to.deep.equal([[f.nodeId, f.operator.address, PRICES[0], s.node]]);
      expect((await f.escrow.getRequest(requestId)).status).to.equal(2n);
      const inferenceId = await f.escrow.requestInferenceId(requestId);
      const record = {
        inferenceId,
        modelId: MODEL,
        inputHash: id("input"),
        outputHash: output,
        proofType: Mode.None,
        proofHash: proof,
      };
      const leaf = await f.proofs.leafOf(record);
      expect((await f.proofs.getRecord(f.nodeId, inferenceId)).leafPrefix.toLowerCase()).to.equal(
        leaf.slice(0, 42).toLowerCase(),
      );
      expect(await f.proofs.isRecordCommitted(f.nodeId, record)).to.equal(true);
      expect(await f.proofs.isRecordCommitted(copierNode, record)).to.equal(false);
    });

    it("the copier's reverted fulfil of the shared block is EscrowNotCommitted", async function () {
      // The same block, with the honest reveal left out: the copier's commit and fulfil alone.
      const { f, copierOp, copierNode, requestId, output, proof, copierCommitment } = await openRequest();
      const [, fulfilTx] = await inOneBlock(async () => [
        await f.escrow.connect(copierOp).commitFulfilment(requestId, copierNode, copierCommitment, GAS),
        await f.escrow.connect(copierOp).fulfil(requestId, copierNode, output, proof, GAS),
      ]);
      expect((await receiptOf(fulfilTx.hash)).status).to.equal(0);
      // One block later the same commitment is old enough: the error was the commitment's block, nothing else.
      const snapshot = await network.provider.send("evm_snapshot", []);
      await expect(f.escrow.connect(copierOp).fulfil(requestId, copierNode, output, proof)).to.emit(
        f.escrow,
        "RequestFulfilled",
      );
      await network.provider.send("evm_revert", [snapshot]);
      // And within its own block, the reason is the one named.
      await network.provider.send("evm_setAutomine", [false]);
      try {
        const other = id("another request input");
        const deadline = (await now()) + 3_600n;
        await f.escrow.connect(f.payer).postRequest(MODEL, other, Mode.None, opg(2n), deadline, 0n, GAS);
        await mine();
        const next = (await f.escrow.nextRequestId()) - 1n;
        const commitment = await f.escrow.fulfilmentCommitmentOf(next, copierNode, output, proof);
        await f.escrow.connect(copierOp).commitFulfilment(next, copierNode, commitment, GAS);
        // The pending block's state: the commitment is there, but of this block.
        await expect(
          f.escrow.connect(copierOp).fulfil.staticCall(next, copierNode, output, proof, { blockTag: "pending" }),
        )
          .to.be.revertedWithCustomError(f.escrow, "EscrowNotCommitted")
          .withArgs(next, commitment);
        await mine();
      } finally {
        await network.provider.send("evm_setAutomine", [true]);
      }
    });
  });

  describe("(3) a price raised to the cap in the block of the fulfil", function () {
    const CAP = opg(50n);

    it("raised in the very block of the fulfil, just before it: the request pays the old price", async function () {
      const f = await loadFixture(deploySystemFixture);
      const deadline = (await now()) + 3_600n;
      await f.escrow.connect(f.payer).postRequest(MODEL, id("input"), Mode.None, CAP, deadline, f.nodeId);
      const requestId = (await f.escrow.nextRequestId()) - 1n;
      const [update, fulfil] = await inOneBlock(async () => [
        await f.nodes.connect(f.operator).updateNode(f.nodeId, node1Params([CAP, PRICES[1], 0n]), GAS),
        await f.escrow.connect(f.operator).fulfil(requestId, f.nodeId, id("out"), id("proof"), GAS),
      ]);
      const [ru, rf] = [await receiptOf(update.hash), await receiptOf(fulfil.hash)];
      expect([ru.status, rf.status, ru.blockNumber]).to.deep.equal([1, 1, rf.blockNumber]);
      expect(ru.index).to.be.lessThan(rf.index);
      const block = await ethers.provider.getBlock(rf.blockNumber);
      const delay = await f.nodes.PRICE_INCREASE_DELAY();
      const scheduled = await f.nodes.queryFilter(f.nodes.filters.NodePriceIncreaseScheduled(f.nodeId));
      expect(scheduled.map((e) => e.args.effectiveAt)).to.deep.equal([BigInt(block!.timestamp) + delay]);
      const fulfilled = await f.escrow.queryFilter(f.escrow.filters.RequestFulfilled(requestId));
      expect(fulfilled.map((e) => [e.args.price, e.args.refunded])).to.deep.equal([[PRICES[0], CAP - PRICES[0]]]);
      expect(delay).to.be.greaterThanOrEqual(await f.escrow.MAX_REQUEST_DURATION());
    });

    it("raised in the block of the posting, fulfilled at the deadline of the longest request: the old price", async function () {
      const f = await loadFixture(deploySystemFixture);
      const max = await f.escrow.MAX_REQUEST_DURATION();
      const t = (await now()) + 10n;
      // The latest deadline is one second short of the price increase's delay.
      await time.setNextBlockTimestamp(t - 1n);
      await expect(
        f.escrow.connect(f.payer).postRequest(MODEL, id("input"), Mode.None, CAP, t - 1n + max, f.nodeId, GAS),
      )
        .to.be.revertedWithCustomError(f.escrow, "EscrowDeadlineTooFar")
        .withArgs(t - 1n + max, t - 2n + max);
      await time.setNextBlockTimestamp(t);
      const deadline = t + max - 1n;
      const [post, update] = await inOneBlock(async () => [
        await f.escrow.connect(f.payer).postRequest(MODEL, id("input"), Mode.None, CAP, deadline, f.nodeId, GAS),
        await f.nodes.connect(f.operator).updateNode(f.nodeId, node1Params([CAP, PRICES[1], 0n]), GAS),
      ]);
      expect((await receiptOf(post.hash)).status).to.equal(1);
      expect((await receiptOf(update.hash)).status).to.equal(1);
      const requestId = (await f.escrow.nextRequestId()) - 1n;
      await time.setNextBlockTimestamp(deadline - 1n);
      await f.nodes.connect(f.operator).heartbeat(f.nodeId);
      await time.setNextBlockTimestamp(deadline);
      await expect(f.escrow.connect(f.operator).fulfil(requestId, f.nodeId, id("out"), id("proof"), GAS))
        .to.emit(f.escrow, "RequestFulfilled")
        .withArgs(requestId, f.nodeId, id("out"), id("proof"), PRICES[0], CAP - PRICES[0]);
    });
  });

  it("(4) a protocol fee raised after a voucher was signed takes nothing from it until the grace ends", async function () {
    const f = await loadFixture(deploySystemFixture);
    await f.escrow.connect(f.payer).fundEscrow(f.operator.address, opg(1_000n));
    const signed = await voucherFor(f, opg(100n), { expiry: (await now()) + 90n * DAY });
    const signedSig = await signVoucher(f.payer, signed, f.escrow);
    await time.increase(60);
    await expect(f.escrow.connect(f.gov).setProtocolFee(100_000n))
      .to.emit(f.escrow, "ProtocolFeeSet")
      .withArgs(10_000n, 100_000n);
    const increasedAt = await now();
    expect(await f.escrow.feeIncreasedAt()).to.equal(increasedAt);
    expect(await f.escrow.feeBeforeIncreasePpm()).to.equal(10_000n);
    expect(await f.escrow.protocolFeeFor(signed.issuedAt)).to.equal(10_000n);

    // The node's 94 OPG of the earlier voucher stands.
    await expect(f.escrow.redeem(signed, signedSig))
      .to.emit(f.escrow, "PaymentCollected")
      .withArgs(
        f.payer.address,
        f.nodeId,
        MODEL,
        f.operator.address,
        f.builder.address,
        Mode.None,
        0,
        opg(100n),
        opg(94n),
        opg(5n),
        opg(1n),
      );
    // A voucher issued after the increase pays the new fee at once.
    const after = await voucherFor(f, opg(100n), { modelId: MODEL, mode: Mode.Tee });
    await expect(f.escrow.redeem(after, await signVoucher(f.payer, after, f.escrow)))
      .to.emit(f.escrow, "PaymentCollected")
      .withArgs(
        f.payer.address,
        f.nodeId,
        MODEL,
        f.operator.address,
        f.builder.address,
        Mode.Tee,
        0,
        opg(100n),
        opg(85n),
        opg(5n),
        opg(10n),
      );
    // After one withdrawal thawing period, the earlier terms pay the fee in force.
    const period = await f.escrow.withdrawalThawingPeriod();
    const more = { ...signed, cumulativeAmount: opg(200n) };
    const moreSig = await signVoucher(f.payer, more, f.escrow);
    await time.setNextBlockTimestamp(increasedAt + period - 1n);
    const snapshot = await network.provider.send("evm_snapshot", []);
    await expect(f.escrow.redeem(more, moreSig, GAS))
      .to.emit(f.escrow, "PaymentCollected")
      .withArgs(
        f.payer.address,
        f.nodeId,
        MODEL,
        f.operator.address,
        f.builder.address,
        Mode.None,
        0,
        opg(100n),
        opg(94n),
        opg(5n),
        opg(1n),
      );
    await network.provider.send("evm_revert", [snapshot]);
    await time.setNextBlockTimestamp(increasedAt + period);
    await expect(f.escrow.redeem(more, moreSig, GAS))
      .to.emit(f.escrow, "PaymentCollected")
      .withArgs(
        f.payer.address,
        f.nodeId,
        MODEL,
        f.operator.address,
        f.builder.address,
        Mode.None,
        0,
        opg(100n),
        opg(85n),
        opg(5n),
        opg(10n),
      );
  });

  it("(4b) a payer that owns the model raises its royalty after signing: the voucher pays the royalty it was signed under", async function () {
    const f = await loadFixture(deploySystemFixture);
    // The payer publishes a model at 0% royalty; the honest node lists it; the payer funds its escrow and signs.
    const own = ethers.id("the payer's own model");
    await commitAndRegisterModel(f.models, f.payer, own, "ipfs://own", 0);
    await f.nodes.connect(f.operator).addModels(f.nodeId, [own]);
    await f.escrow.connect(f.payer).fundEscrow(f.operator.address, opg(1_000n));
    const signed = await voucherFor(f, opg(100n), { modelId: own, expiry: (await now()) + 90n * DAY });
    const signedSig = await signVoucher(f.payer, signed, f.escrow);
    // Then raises the royalty to the maximum, and waits for it to apply.
    const max = await f.models.maxRoyaltyPpm();
    await f.models.connect(f.payer).setRoyalty(own, max);
    await time.increase(await f.models.ROYALTY_INCREASE_DELAY());
    await f.nodes.connect(f.operator).heartbeat(f.nodeId);
    expect((await f.models.royaltyOf(own))[1]).to.equal(max);
    // The node's 99 OPG (1% fee, 0% royalty) stands; the payer takes nothing back as the model's owner.
    await expect(f.escrow.redeem(signed, signedSig))
      .to.emit(f.escrow, "PaymentCollected")
      .withArgs(
        f.payer.address,
        f.nodeId,
        own,
        f.operator.address,
        f.payer.address,
        Mode.None,
        0,
        opg(100n),
        opg(99n),
        0n,
        opg(1n),
      );
    expect(await f.escrow.royaltiesOf(f.payer.address)).to.equal(0n);
    // A voucher issued once the increase is in force pays it.
    const later = await voucherFor(f, opg(100n), { modelId: own, mode: Mode.Tee });
    const royalty = (opg(100n) * max) / 1_000_000n;
    await expect(f.escrow.redeem(later, await signVoucher(f.payer, later, f.escrow)))
      .to.emit(f.escrow, "PaymentCollected")
      .withArgs(
        f.payer.address,
        f.nodeId,
        own,
        f.operator.address,
        f.payer.address,
        Mode.Tee,
        0,
        opg(100n),
        opg(99n) - royalty,
        royalty,
        opg(1n),
      );
  });

  describe("(5) a contract payer that sinks a whole batch", function () {
    const HONEST = 5;

    async function batchFixture() {
      const f = await deploySystemFixture();
      const huge = await new MockHugeReturnWallet__factory(f.deployer).deploy(1_048_576n);
      const burner = await new MockGasBurningWallet__factory(f.deployer).deploy();
      // Hostile wallets with funds: a depositor funds their escrows with the operator, so that only the signature
      // check can stop them.
      for (const w of [huge, burner]) {
        await f.escrow.connect(f.payer2).depositToEscrow(await w.getAddress(), f.operator.address, opg(100n));
      }
      const honest: { payer: HardhatEthersSigner }[] = [];
      for (const s of f.signers.slice(11, 11 + HONEST)) {
        await f.token.connect(f.gov).transfer(s.address, opg(100n));
        await f.token.connect(s).approve(f.escrow, ethers.MaxUint256);
        await f.escrow.connect(s).depositToEscrow(s.address, f.operator.address, opg(100n));
        honest.push({ payer: s });
      }
      return { ...f, huge, burner, honest };
    }

    async function honestVouchers(f: System & { honest: { payer: HardhatEthersSigner }[] }) {
      const vouchers = [];
      const signatures = [];
      for (const { payer } of f.honest) {
        const v = await voucherFor(f, opg(10n), { payer: payer.address });
        vouchers.push(v);
        signatures.push(await signVoucher(payer, v, f.escrow));
      }
      return { vouchers, signatures };
    }

    it("each hostile wallet is skipped, the rest is paid, and the gas stays bounded", async function () {
      const f = await loadFixture(batchFixture);
      const walletGas = await f.escrow.WALLET_SIGNATURE_GAS();
      expect(walletGas).to.equal(100_000n);
      const { vouchers, signatures } = await honestVouchers(f);
      const hostile = [
        await voucherFor(f, opg(10n), { payer: await f.huge.getAddress() }),
        await voucherFor(f, opg(10n), { payer: await f.burner.getAddress() }),
      ];
      const junk = "0x" + "11".repeat(65);

      // The honest batch alone, as the budget's base.
      const snapshot = await network.provider.send("evm_snapshot", []);
      const base = (await (await f.escrow.redeemBatch(vouchers, signatures, { gasLimit: 10_000_000n })).wait())!
        .gasUsed;
      await network.provider.send("evm_revert", [snapshot]);

      // The same batch with the two hostile vouchers in the middle.
      const mixed = [...vouchers.slice(0, 2), hostile[0], ...vouchers.slice(2), hostile[1]];
      const mixedSigs = [...signatures.slice(0, 2), junk, ...signatures.slice(2), junk];
      const tx = await f.escrow.redeemBatch(mixed, mixedSigs, { gasLimit: 10_000_000n });
      const receipt = (await tx.wait())!;
      const selector = f.escrow.interface.getError("EscrowInvalidSignature")!.selector;
      const skipped = receipt.logs
        .map((l) => f.escrow.interface.parseLog(l))
        .filter((e) => e?.name === "VoucherSkipped")
        .map((e) => [e!.args.index, e!.args.payer, e!.args.reason]);
      expect(skipped).to.deep.equal([
        [2n, hostile[0].payer, selector],
        [BigInt(mixed.length - 1), hostile[1].payer, selector],
      ]);
      for (const v of vouchers) {
        expect(await f.escrow.redeemedOf(v.payer, v.nodeId, v.modelId, v.mode)).to.equal(opg(10n));
      }
      for (const v of hostile) {
        expect(await f.escrow.redeemedOf(v.payer, v.nodeId, v.modelId, v.mode)).to.equal(0n);
        expect((await f.escrow.getEscrow(v.payer, f.operator.address)).balance).to.equal(opg(100n));
      }
      // Bounded: each hostile voucher costs at most the wallet's cap plus its calldata, digest and checks.
      const MARGIN = 25_000n;
      expect(receipt.gasUsed).to.be.lessThanOrEqual(base + 2n * (walletGas + MARGIN));
      // And the cap is what bounds it: the burner did burn its 100,000.
      expect(receipt.gasUsed - base).to.be.greaterThan(walletGas);
    });

    it("a 1 MB answer would have cost the wallet millions: it runs out within its cap", async function () {
      const f = await loadFixture(batchFixture);
      const v = await voucherFor(f, opg(10n), { payer: await f.huge.getAddress() });
      await expect(f.escrow.redeem(v, "0x", { gasLimit: 10_000_000n }))
        .to.be.revertedWithCustomError(f.escrow, "EscrowInvalidSignature")
        .withArgs(v.payer);
      // The same wallet answering with one word is a valid signer: only the size was refused.
      const small = await new MockHugeReturnWallet__factory(f.deployer).deploy(32n);
      await f.escrow.connect(f.payer2).depositToEscrow(await small.getAddress(), f.operator.address, opg(10n));
      const ok = await voucherFor(f, opg(10n), { payer: await small.getAddress() });
      await expect(f.escrow.redeem(ok, "0x")).to.emit(f.escrow, "PaymentCollected");
    });
  });

  it("(6) a batch root committed first by another node does not block the victim", async function () {
    const f = await loadFixture(deploySystemFixture);
    const squatterOp = f.signers[11];
    const squatterNode = await addOperator(f, squatterOp);
    const root = id("the victim's batch root");
    // The squatter sees the victim's commitBatch in the mempool and commits the same root first.
    await expect(f.proofs.connect(squatterOp).commitBatch(squatterNode, root, 10n, "ipfs://copy"))
      .to.emit(f.proofs, "BatchCommitted")
      .withArgs(squatterNode, root, 10n, "ipfs://copy");
    await expect(f.proofs.connect(f.operator).commitBatch(f.nodeId, root, 7n, "ipfs://batch"))
      .to.emit(f.proofs, "BatchCommitted")
      .withArgs(f.nodeId, root, 7n, "ipfs://batch");
    const victim = await f.proofs.getCommitment(f.nodeId, root);
    const squatter = await f.proofs.getCommitment(squatterNode, root);
    expect(victim.recordCount).to.equal(7n);
    expect(squatter.recordCount).to.equal(10n);
    expect(victim.committedAt).to.be.greaterThan(squatter.committedAt);
    expect(await f.proofs.isFinal(f.nodeId, root)).to.equal(false);
    // Each node's commitment is its own: committing the same root twice for one node is what is refused.
    await expect(f.proofs.connect(f.operator).commitBatch(f.nodeId, root, 7n, "ipfs://again"))
      .to.be.revertedWithCustomError(f.proofs, "ProofsBatchAlreadyCommitted")
      .withArgs(f.nodeId, root);
    // The same holds for a single record under an inference id the squatter used first.
    const record = {
      inferenceId: id("inference:victim"),
      modelId: MODEL,
      inputHash: id("in"),
      outputHash: id("out"),
      proofType: Mode.None,
      proofHash: id("proof"),
    };
    await f.proofs.connect(squatterOp).commitRecord(squatterNode, record);
    await expect(f.proofs.connect(f.operator).commitRecord(f.nodeId, record)).to.emit(f.proofs, "RecordCommitted");
    expect(await f.proofs.isRecordCommitted(f.nodeId, record)).to.equal(true);
  });
});
