/*
Rounding in reward and fee splits (attack class)

rounding
├── the payment split (fast-check: gross, protocol fee and royalty at random, bounds included)
│   └── node + royalty + fee == gross, exactly as PaymentCollected says; fee and royalty are the floors of their
│       exact shares; the payer's balance drops by gross
├── many small payments against one big one
│   └── 200 payments of 1 to 99 wei: the shares add up to what the payer paid; the protocol and the model owner
│       each get at most their exact share; the node, which takes the rest, gets at most 2 wei a payment above its
│       own (each payment costs tens of thousands of gas: splitting to dodge fees never pays)
├── fees credited in staking (no rewards stream, so only fees move): odd stakes, a 20% cut, 40 small and odd
│   creditFees by the fee source, each followed by its tokens
│   └── the claims add up to at most what was distributed, the dust left behind is at most one wei per delegator
│       per distribution, and each delegator gets at most its exact share plus one wei per distribution
└── a slash split
    └── burned + to the challenger == the parts taken == the amount asked; the challenger's part is the floor of
        its share of what was taken from the operator's own stake (the delegators' part is burned)
*/
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import fc from "fast-check";
import type { Interface } from "ethers";

import { OPG__factory, Staking__factory } from "../../typechain-types";
import { opg } from "../../deploy/lib/format";
import { deploySystemFixture, DEPOSIT, MODEL, Mode, PPM, signVoucher, voucherFor } from "./fixture";
import { commitAndRegisterModel } from "../helpers/models";

const NUM_RUNS = Number(process.env.SECURITY_RUNS ?? 20);

/** The system with the payer's deposit in its escrow with the node's operator, which pays that node's vouchers. */
async function fundedFixture() {
  const f = await deploySystemFixture();
  await f.escrow.connect(f.payer).fundEscrow(f.operator.address, DEPOSIT);
  return f;
}

/** The PaymentCollected event of a receipt: gross, node share, royalty, protocol fee. */
function paymentOf(
  f: { escrow: { interface: Interface } },
  logs: readonly { topics: readonly string[]; data: string }[],
) {
  for (const log of logs) {
    const parsed = f.escrow.interface.parseLog(log);
    if (parsed?.name === "PaymentCollected") {
      const [, , , , , , , gross, node, royalty, fee] = parsed.args as unknown as bigint[];
      return { gross, node, royalty, fee };
    }
  }
  throw new Error("no PaymentCollected");
}

describe("security: rounding in reward and fee splits", function () {
  it("every payment splits into node + royalty + fee == gross, fee and royalty rounded down", async function () {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          gross: fc.oneof(fc.bigInt({ min: 1n, max: 1_000n }), fc.bigInt({ min: 1n, max: DEPOSIT })),
          feePpm: fc.oneof(fc.constant(0n), fc.constant(100_000n), fc.bigInt({ min: 0n, max: 100_000n })),
          royaltyPpm: fc.oneof(fc.constant(0n), fc.constant(500_000n), fc.bigInt({ min: 0n, max: 500_000n })),
        }),
        async ({ gross, feePpm, royaltyPpm }) => {
          const f = await loadFixture(fundedFixture);
          await f.escrow.connect(f.gov).setProtocolFee(feePpm);
          await f.models.connect(f.gov).setMaxRoyalty(500_000n);
          const model = ethers.id(`weights:${royaltyPpm}`);
          await commitAndRegisterModel(f.models, f.builder, model, "", royaltyPpm);
          // A voucher is paid only for a model its node lists.
          await f.nodes.connect(f.operator).addModels(f.nodeId, [model]);
          const v = await voucherFor(f, gross, { modelId: model });
          const before = (await f.escrow.getEscrow(f.payer.address, f.operator.address)).balance;
          const receipt = await (await f.escrow.redeem(v, await signVoucher(f.payer, v, f.escrow))).wait();
          const p = paymentOf(f, receipt!.logs);
          expect(p.gross).to.equal(gross);
          expect(p.node + p.royalty + p.fee).to.equal(gross);
          expect(p.fee).to.equal((gross * feePpm) / PPM);
          expect(p.royalty).to.equal((gross * royaltyPpm) / PPM);
          expect(before - (await f.escrow.getEscrow(f.payer.address, f.operator.address)).balance).to.equal(gross);
          expect(await f.escrow.royaltiesOf(f.builder.address)).to.equal(p.royalty);
          expect(await f.escrow.protocolFeesPending()).to.equal(p.fee);
        },
      ),
      { numRuns: NUM_RUNS },
    );
  });

  it("200 tiny payments: the shares add up, protocol and owner never above their share, the node at most 2 wei a payment above its own", async function () {
    const f = await loadFixture(fundedFixture);
    const sizes = Array.from({ length: 200 }, (_, i) => BigInt(1 + ((i * 37) % 99)));
    let cumulative = 0n;
    let gasTotal = 0n;
    const sum = { gross: 0n, node: 0n, royalty: 0n, fee: 0n };
    for (const size of sizes) {
      cumulative += size;
      const v = await voucherFor(f, cumulative);
      const receipt = await (await f.escrow.redeem(v, await signVoucher(f.payer, v, f.escrow))).wait();
      gasTotal += receipt!.gasUsed;
      const p = paymentOf(f, receipt!.logs);
      for (const k of ["gross", "node", "royalty", "fee"] as const) sum[k] += p[k];
    }
    const total = cumulative;
    expect(sum.gross).to.equal(total);
    expect(sum.node + sum.royalty + sum.fee).to.equal(total);
    expect(await f.escrow.redeemedOf(f.payer.address, f.nodeId, MODEL, Mode.None)).to.equal(total);
    // Exact shares, as rationals over PPM: fee 1%, royalty 5%, node 94%.
    expect(sum.fee * PPM).to.be.lessThanOrEqual(total * 10_000n);
    expect(sum.royalty * PPM).to.be.lessThanOrEqual(total * 50_000n);
    expect(sum.node * PPM - total * 940_000n).to.be.lessThanOrEqual(2n * 200n * PPM);
    // What the node gained by rounding is a few hundred wei; what it paid in gas is millions of gas units.
    expect(gasTotal).to.be.greaterThan(200n * 30_000n);
  });

  it("fees shared through staking: claims never exceed what came in; each delegator at most its share + 1 wei a distribution", async function () {
    const [deployer, gov, operator, d1, d2, d3, payer] = await ethers.getSigners();
    const token = await new OPG__factory(deployer).deploy(gov.address);
    // No rewards stream, so that only the fees move. The payer stands in for the escrow: the fee source, which
    // credits each payment and sends its tokens in the same transaction.
    const staking = await new Staking__factory(deployer).deploy(token, gov.address, 0n, 1n, 1n);
    await staking.connect(gov).setProtocolContracts(gov.address, payer.address);
    const stakes: [typeof operator, bigint][] = [
      [d1, opg(1_000n) + 7n],
      [d2, opg(333n) + 1n],
      [d3, opg(1n) + 999n],
    ];
    for (const s of [operator, d1, d2, d3, payer]) {
      await token.connect(gov).transfer(s.address, opg(10_000n));
      await token.connect(s).approve(staking, ethers.MaxUint256);
    }
    await staking.connect(operator).stake(opg(777n) + 3n);
    await staking.connect(operator).setDelegationCut(200_000n);
    await time.increase(await staking.cutChangeDelay());
    await staking.applyDelegationCut(operator.address);
    for (const [d, amount] of stakes) await staking.connect(d).delegate(operator.address, amount, 200_000n);

    const distributions = Array.from(
      { length: 40 },
      (_, i) => BigInt(1 + ((i * 7919) % 1_000)) + (i % 5 === 0 ? opg(1n) : 0n),
    );
    for (const amount of distributions) {
      await staking.connect(payer).creditFees(operator.address, amount);
      await token.connect(payer).transfer(staking, amount);
    }
    const distributed = distributions.reduce((a, b) => a + b, 0n);
    expect(await staking.feesDistributed()).to.equal(distributed);
    // Each credit releases what streamed before it; the last stream runs out. One rounding per release.
    await time.increase(await staking.FEE_STREAM_PERIOD());
    const releases = BigInt(distributions.length + 1);

    const o = await staking.getOperator(operator.address);
    const active = o.ownActive + o.delegated.tokens;
    let claimed = 0n;
    for (const [d] of stakes) {
      const { shares } = await staking.getDelegation(operator.address, d.address);
      const before = await token.balanceOf(d.address);
      await staking.connect(d).claimRewards(operator.address);
      const got = (await token.balanceOf(d.address)) - before;
      claimed += got;
      // exact = distributed × delegated/active × (1 − cut) × shares/totalShares, compared without dividing.
      const denominator = active * PPM * o.delegated.shares;
      const exactNumerator = distributed * o.delegated.tokens * (PPM - 200_000n) * shares;
      expect(got * denominator).to.be.lessThanOrEqual(exactNumerator + releases * denominator);
      expect(got).to.be.greaterThan(0n);
    }
    const before = await token.balanceOf(operator.address);
    await staking.connect(operator).claimRewards(operator.address);
    claimed += (await token.balanceOf(operator.address)) - before;
    expect(claimed).to.be.lessThanOrEqual(distributed);
    expect(distributed - claimed).to.be.lessThanOrEqual(BigInt(stakes.length) * releases);
    // What stays behind is the dust, still held: the contract's balance covers stake and unclaimed fees.
    expect(await token.balanceOf(staking)).to.equal(active + distributed - claimed);
  });

  it("a slash splits exactly into burned and the challenger's floor share", async function () {
    const f = await loadFixture(deploySystemFixture);
    // A staking whose slasher is the governor itself, so that it can lock and slash an odd amount directly (the
    // system's slasher is set once, to the proof registry).
    const staking = await new Staking__factory(f.deployer).deploy(f.token, f.gov.address, 0n, 1n, 1n);
    await staking.connect(f.gov).setProtocolContracts(f.gov.address, f.gov.address);
    for (const s of [f.operator, f.delegator]) await f.token.connect(s).approve(staking, ethers.MaxUint256);
    // Own stake first: an amount above the operator's own stake reaches the delegators too.
    await staking.connect(f.operator).stake(opg(1_000n) + 3n);
    await staking.connect(f.delegator).delegate(f.operator.address, opg(20_234n) + 5n, 0n);
    const supply = await f.token.totalSupply();
    const amount = opg(1_500n) + 7n;
    await staking.connect(f.gov).lockStake(f.operator.address, amount);
    const challengerBefore = await f.token.balanceOf(f.challenger.address);
    const receipt = await (await staking.connect(f.gov).slash(f.operator.address, amount, f.challenger.address)).wait();
    const log = receipt!.logs.map((l) => staking.interface.parseLog(l)).find((l) => l?.name === "StakeSlashed")!;
    const [, , fromOwnActive, fromOwnThawing, fromDelegated, fromDelegatedThawing, burned, toChallenger] =
      log.args as unknown as bigint[];
    expect(fromOwnActive + fromOwnThawing + fromDelegated + fromDelegatedThawing).to.equal(amount);
    expect(fromDelegated).to.be.greaterThan(0n);
    expect(burned + toChallenger).to.equal(amount);
    // The challenger's share is of the operator's own stake only; the delegators' part is burned.
    expect(toChallenger).to.equal(((fromOwnActive + fromOwnThawing) * 500_000n) / PPM);
    expect((await f.token.balanceOf(f.challenger.address)) - challengerBefore).to.equal(toChallenger);
    expect(supply - (await f.token.totalSupply())).to.equal(burned);
  });
});
