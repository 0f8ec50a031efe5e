/*
Denial of service by a reverting recipient (attack class). OPG transfers call nothing on the recipient, so a recipient
that is a contract refusing every call (RevertingRecipient) cannot make a payout revert. The only calls into
recipient-controlled code are EIP-1271 and IProofVerifier, both STATICCALLs whose failure is handled
(test/security/reentrancy.test.ts).

reverting recipient
├── as the protocol fee recipient → flushProtocolFees pays it
├── as a model owner → payments for its model go through; its royalties are paid when it collects (through exec)
├── as a challenger → an upheld challenge pays it its bond and challengerSharePpm of the slash fixed at opening
├── as an operator → a rejected challenge pays it the bond; its fees are credited in staking as a voucher pays
│   (FeesCredited, tokens moved in the same transaction); its thaw is withdrawn
├── as a vesting beneficiary → anyone's release pays it; as the treasury → a revocation pays it
└── what can revert: only a payer's own EIP-1271 wallet (its voucher is refused, or skipped in a batch) and a verifier
    (its challenge falls back to the arbiter); both are covered in reentrancy.test.ts
*/
import { expect } from "chai";
import { ethers } from "hardhat";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";

import { RevertingRecipient__factory, VestingVault__factory } from "../../typechain-types";
import { opg } from "../../deploy/lib/format";
import { DAY, deploySystemFixture, MODEL, Mode, PPM, signVoucher, split, voucherFor } from "./fixture";
import { openChallenge } from "../helpers/challenges";

async function recipientFixture() {
  const f = await deploySystemFixture();
  const rr = await new RevertingRecipient__factory(f.attacker).deploy(f.attacker.address);
  const address = await rr.getAddress();
  await f.token.connect(f.gov).transfer(address, opg(100_000n));
  // The payer's vouchers to the operator's node are paid from its escrow with the operator.
  await f.escrow.connect(f.payer).fundEscrow(f.operator.address, opg(500n));
  return { ...f, rr, rrAddress: address };
}

type F = Awaited<ReturnType<typeof recipientFixture>>;

/** Acts as the reverting recipient. */
async function as(f: F, target: { getAddress(): Promise<string> }, data: string) {
  return f.rr.connect(f.attacker).exec(await target.getAddress(), data);
}

describe("security: denial of service by a reverting recipient", function () {
  it("the recipient refuses every call and plain ether", async function () {
    const f = await loadFixture(recipientFixture);
    await expect(f.attacker.sendTransaction({ to: f.rrAddress, value: 1n })).to.be.revertedWithCustomError(
      f.rr,
      "RecipientRefuses",
    );
    await expect(f.attacker.sendTransaction({ to: f.rrAddress, data: "0x12345678" }))
      .to.be.revertedWithCustomError(f.rr, "RecipientRefuses")
      .withArgs(f.attacker.address, "0x12345678");
    await expect(f.rr.connect(f.payer).exec(f.rrAddress, "0x")).to.be.revertedWithCustomError(f.rr, "RecipientRefuses");
  });

  it("as the protocol fee recipient: flushProtocolFees pays it", async function () {
    const f = await loadFixture(recipientFixture);
    await f.escrow.connect(f.gov).setFeeRecipient(f.rrAddress);
    const v = await voucherFor(f, opg(100n));
    await f.escrow.redeem(v, await signVoucher(f.payer, v, f.escrow));
    const fee = split(opg(100n)).fee;
    const before = await f.token.balanceOf(f.rrAddress);
    await expect(f.escrow.flushProtocolFees()).to.emit(f.escrow, "ProtocolFeesFlushed").withArgs(f.rrAddress, fee);
    expect((await f.token.balanceOf(f.rrAddress)) - before).to.equal(fee);
  });

  it("as a model owner: payments for its model go through and its royalties are paid", async function () {
    const f = await loadFixture(recipientFixture);
    const model = ethers.id("weights:reverting-owner");
    const commitment = await f.models.modelCommitmentOf(f.rrAddress, model);
    await as(f, f.models, f.models.interface.encodeFunctionData("commitModel", [commitment]));
    await as(f, f.models, f.models.interface.encodeFunctionData("registerModel", [model, "", 100_000n]));
    // A voucher is paid only for a model its node lists.
    await f.nodes.connect(f.operator).addModels(f.nodeId, [model]);
    const v = await voucherFor(f, opg(50n), { modelId: model });
    await f.escrow.redeem(v, await signVoucher(f.payer, v, f.escrow));
    const royalty = (opg(50n) * 100_000n) / PPM;
    expect(await f.escrow.royaltiesOf(f.rrAddress)).to.equal(royalty);
    const before = await f.token.balanceOf(f.rrAddress);
    await as(f, f.escrow, f.escrow.interface.encodeFunctionData("collectRoyalties"));
    expect((await f.token.balanceOf(f.rrAddress)) - before).to.equal(royalty);
  });

  async function challengeable(f: F, operatorNode: bigint, operatorIsRr: boolean) {
    const record = {
      inferenceId: ethers.id(`inference:${operatorIsRr}`),
      modelId: MODEL,
      inputHash: ethers.id("in"),
      outputHash: ethers.id("out"),
      proofType: Mode.None,
      proofHash: ethers.id("proof"),
    };
    const commit = f.proofs.interface.encodeFunctionData("commitRecord", [operatorNode, record]);
    if (operatorIsRr) await as(f, f.proofs, commit);
    else await f.proofs.connect(f.operator).commitRecord(operatorNode, record);
    // A challenge's id is keccak256(recordKey, challenger); a single record's root is zero.
    const recordKey = await f.proofs.recordKeyOf(operatorNode, ethers.ZeroHash, await f.proofs.leafOf(record));
    const idOf = (challenger: string) =>
      ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(["bytes32", "address"], [recordKey, challenger]));
    return { record, idOf };
  }

  it("as a challenger: an upheld challenge pays it the bond and its share of the slash", async function () {
    const f = await loadFixture(recipientFixture);
    const { record, idOf } = await challengeable(f, f.nodeId, false);
    await as(
      f,
      f.token,
      f.token.interface.encodeFunctionData("approve", [await f.proofs.getAddress(), ethers.MaxUint256]),
    );
    // The slash is fixed when the challenge opens; the operator's stake is all its own, so the challenger's share
    // is challengerSharePpm of all of it.
    const slashed = ((await f.staking.slashableStakeOf(f.operator.address)) * (await f.proofs.slashPpm())) / PPM;
    const sharePpm = await f.staking.challengerSharePpm();
    // The challenger (a contract that reverts on receiving ETH) commits, then challenges in a later block.
    const commitment = await f.proofs.challengeCommitmentOf(f.rrAddress, f.nodeId, ethers.ZeroHash, record, "0x");
    await as(f, f.proofs, f.proofs.interface.encodeFunctionData("commitChallenge", [commitment]));
    await as(
      f,
      f.proofs,
      f.proofs.interface.encodeFunctionData("challenge", [f.nodeId, ethers.ZeroHash, record, [], "0x"]),
    );
    const before = await f.token.balanceOf(f.rrAddress);
    await f.proofs.connect(f.gov).grantRole(await f.proofs.ARBITER_ROLE(), f.gov.address);
    await f.proofs.connect(f.gov).resolveChallenge(idOf(f.rrAddress), true);
    const bond = await f.proofs.challengeBond();
    expect((await f.token.balanceOf(f.rrAddress)) - before).to.equal(bond + (slashed * BigInt(sharePpm)) / PPM);
  });

  it("as an operator: its fees reach staking; its thaw is withdrawn; a rejected challenge against it burns the bond", async function () {
    const f = await loadFixture(recipientFixture);
    const stakingAddress = await f.staking.getAddress();
    await as(f, f.token, f.token.interface.encodeFunctionData("approve", [stakingAddress, ethers.MaxUint256]));
    await as(f, f.staking, f.staking.interface.encodeFunctionData("stake", [opg(20_000n)]));
    const nodeId = await f.nodes.nextNodeId();
    const params = {
      metadataURI: "",
      modes: 1,
      teeMeasurement: ethers.ZeroHash,
      capacity: 1n,
      prices: [1n, 0n, 0n] as [bigint, bigint, bigint],
    };
    await as(f, f.nodes, f.nodes.interface.encodeFunctionData("registerNode", [params, [MODEL]]));

    const { record, idOf } = await challengeable(f, nodeId, true);
    await openChallenge(f.proofs, f.challenger, nodeId, ethers.ZeroHash, record, [], "0x");
    const before = await f.token.balanceOf(f.rrAddress);
    const supplyBefore = await f.token.totalSupply();
    await f.proofs.connect(f.gov).grantRole(await f.proofs.ARBITER_ROLE(), f.gov.address);
    await f.proofs.connect(f.gov).resolveChallenge(idOf(f.challenger.address), false);
    // A failed challenge profits no one: the bond is burned, the operator (this contract) receives nothing.
    expect(await f.token.balanceOf(f.rrAddress)).to.equal(before);
    expect(supplyBefore - (await f.token.totalSupply())).to.equal(await f.proofs.challengeBond());

    // Its fees are credited in staking as the voucher is paid, and the tokens follow in the same transaction.
    await f.escrow.connect(f.payer).fundEscrow(f.rrAddress, opg(10n));
    const v = await voucherFor(f, opg(10n), { nodeId });
    const stakingBefore = await f.token.balanceOf(stakingAddress);
    await expect(f.escrow.redeem(v, await signVoucher(f.payer, v, f.escrow)))
      .to.emit(f.staking, "FeesCredited")
      .withArgs(f.rrAddress, split(opg(10n)).node, split(opg(10n)).node, anyValue);
    expect((await f.token.balanceOf(stakingAddress)) - stakingBefore).to.equal(split(opg(10n)).node);

    await as(f, f.staking, f.staking.interface.encodeFunctionData("unstake", [opg(5_000n)]));
    await time.increase(15n * DAY);
    const beforeWithdraw = await f.token.balanceOf(f.rrAddress);
    await as(f, f.staking, f.staking.interface.encodeFunctionData("withdraw", [f.rrAddress, 0n]));
    expect((await f.token.balanceOf(f.rrAddress)) - beforeWithdraw).to.equal(opg(5_000n));
  });

  it("as a vesting beneficiary or treasury: release and revocation pay it", async function () {
    const f = await loadFixture(recipientFixture);
    const vesting = await new VestingVault__factory(f.deployer).deploy(f.token, f.gov.address, f.rrAddress);
    await f.token.connect(f.gov).approve(vesting, ethers.MaxUint256);
    const t = BigInt(await time.latest());
    const schedule = {
      beneficiary: f.rrAddress,
      total: opg(1_000n),
      unlockedAtStart: 0n,
      start: t,
      cliff: t,
      end: t + 100n * DAY,
      shape: 0,
      revocable: true,
    };
    await vesting.connect(f.gov).createSchedule(schedule);
    await time.increase(10n * DAY);
    const before = await f.token.balanceOf(f.rrAddress);
    await vesting.connect(f.payer).release(1n);
    const released = await vesting.releasedOf(1n);
    expect(released).to.be.greaterThan(0n);
    await vesting.connect(f.gov).revoke(1n);
    const refunded = (await vesting.getSchedule(1n)).refunded;
    expect((await f.token.balanceOf(f.rrAddress)) - before).to.equal(released + refunded);
    expect(released + refunded).to.be.lessThanOrEqual(opg(1_000n));
  });
});
