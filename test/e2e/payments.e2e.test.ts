import { expect } from "chai";
import { JsonRpcProvider, JsonRpcSigner, id, parseEther, ZeroHash } from "ethers";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";

import { DEVNET_TEE_MEASUREMENT } from "../../deploy/config";
import { Deployment } from "../../deploy/lib/deployments";
import { sharedDeployment } from "../helpers/node";
import {
  ModelRegistry__factory,
  NodeRegistry__factory,
  OPG__factory,
  OPGTimelock__factory,
  PaymentsEscrow__factory,
  ProofRegistry__factory,
  Staking__factory,
} from "../../typechain-types";
import { ChallengeStatus, DAY, Mode, PPM, voucherSignature } from "../helpers/protocol";
import { openChallenge } from "../helpers/challenges";
import { commitAndRegisterModel } from "../helpers/models";

const RECORD_TYPES = ["bytes32", "bytes32", "bytes32", "bytes32", "uint8", "bytes32"];

/**
 * The core loop through a real JSON-RPC node: a payer deposits and pays two nodes for 1,000 inferences with
 * vouchers redeemed in one batch, a node commits a batch of 1,000 proof records, one record is challenged, the
 * arbiter (the timelock) upholds it and the node's operator is slashed; every balance adds up.
 */
describe("payments and proofs against a hardhat node (end to end)", function () {
  this.timeout(300_000);
  let provider: JsonRpcProvider;
  let deployment: Deployment;

  // The run's shared node with the system deployed (test/helpers/node.ts), as it was right after the deployment.
  before(async () => {
    const chain = await sharedDeployment();
    await chain.fresh();
    provider = new JsonRpcProvider(chain.url, undefined, { staticNetwork: true, cacheTimeout: -1 });
    deployment = chain.deployment;
  });
  after(() => provider?.destroy());

  it("pays 1,000 inferences by vouchers, commits their proofs, and slashes a node for a bad record", async () => {
    const at = (name: keyof Deployment["contracts"]) => deployment.contracts[name]!.address;
    const signer = (i: number): Promise<JsonRpcSigner> => provider.getSigner(i);
    const [deployer, liquidity, airdrop, operatorA, operatorB, payer, builder, challenger, facilitator] =
      await Promise.all([0, 8, 9, 10, 11, 12, 13, 14, 15].map(signer));
    const token = OPG__factory.connect(at("OPG"), provider);
    const staking = Staking__factory.connect(at("Staking"), provider);
    const models = ModelRegistry__factory.connect(at("ModelRegistry"), provider);
    const nodes = NodeRegistry__factory.connect(at("NodeRegistry"), provider);
    const proofs = ProofRegistry__factory.connect(at("ProofRegistry"), provider);
    const escrow = PaymentsEscrow__factory.connect(at("PaymentsEscrow"), provider);
    const timelock = OPGTimelock__factory.connect(at("OPGTimelock"), provider);
    const mine = async (tx: Promise<{ wait(): Promise<unknown> }>) => (await tx).wait();
    const now = async () => BigInt((await provider.getBlock("latest"))!.timestamp);
    const supplyBefore = await token.totalSupply();

    // Operators, a payer, a model builder and a challenger get OPG from the genesis allocations.
    for (const who of [operatorA, operatorB])
      await mine(token.connect(liquidity).transfer(who.address, parseEther("100000")));
    await mine(token.connect(airdrop).transfer(payer.address, parseEther("10000")));
    await mine(token.connect(airdrop).transfer(challenger.address, parseEther("1000")));

    const modelId = id("llama-weights");
    await mine(commitAndRegisterModel(models, builder, modelId, "ipfs://llama", 50_000));
    const nodeIds: bigint[] = [];
    for (const operator of [operatorA, operatorB]) {
      await mine(token.connect(operator).approve(at("Staking"), parseEther("60000")));
      await mine(staking.connect(operator).stake(parseEther("60000")));
      const params = {
        metadataURI: `https://${operator.address}.example`,
        modes: (1 << Mode.None) | (1 << Mode.Tee),
        teeMeasurement: DEVNET_TEE_MEASUREMENT,
        capacity: 16,
        prices: [parseEther("0.01"), parseEther("0.03"), 0n] as [bigint, bigint, bigint],
      };
      await mine(nodes.connect(operator).registerNode(params, [modelId]));
      nodeIds.push((await nodes.nextNodeId()) - 1n);
      expect(await nodes.isEligible(nodeIds[nodeIds.length - 1], modelId, Mode.Tee)).to.equal(true);
    }

    // The payer funds its escrow with each operator (vouchers of a node are paid only from the escrow with its
    // operator) and signs one cumulative voucher per node after 500 TEE inferences each.
    await mine(token.connect(payer).approve(at("PaymentsEscrow"), parseEther("100")));
    for (const operator of [operatorA, operatorB])
      await mine(escrow.connect(payer).depositToEscrow(payer.address, operator.address, parseEther("50")));
    const issuedAt = await now();
    const vouchers = nodeIds.map((nodeId) => ({
      payer: payer.address,
      nodeId,
      modelId,
      mode: Mode.Tee,
      cumulativeAmount: 500n * parseEther("0.03"),
      issuedAt,
      expiry: issuedAt + DAY,
    }));
    const signatures = await Promise.all(vouchers.map((v) => voucherSignature(escrow, payer, v)));

    // A facilitator redeems both in one transaction.
    const receipt = (await (await escrow.connect(facilitator).redeemBatch(vouchers, signatures)).wait())!;
    const gross = 1000n * parseEther("0.03");
    for (const operator of [operatorA, operatorB])
      expect(await escrow.availableOf(payer.address, operator.address)).to.equal(parseEther("50") - gross / 2n);
    const fee = (gross / 2n / 100n) * 2n;
    const royalty = (((gross / 2n) * 50_000n) / PPM) * 2n;
    expect(await escrow.protocolFeesPending()).to.equal(fee);
    expect(await escrow.royaltiesOf(builder.address)).to.equal(royalty);
    // Each node's share is credited in staking with the payment (FeesCredited), the first of each operator's stream.
    const perNode = gross / 2n - gross / 2n / 100n - ((gross / 2n) * 50_000n) / PPM;
    const credited = await staking.queryFilter(
      staking.filters.FeesCredited(),
      receipt.blockNumber,
      receipt.blockNumber,
    );
    expect(credited.map((e) => [e.args.operator, e.args.amount, e.args.streaming])).to.have.deep.members([
      [operatorA.address, perNode, perNode],
      [operatorB.address, perNode, perNode],
    ]);
    expect(await staking.feesDistributed()).to.equal(2n * perNode);
    console.log(
      `      redeemBatch of 2 vouchers for 1,000 inferences: ${receipt.gasUsed} gas, ${receipt.gasUsed / 1000n} per inference`,
    );

    // The escrow holds exactly what it owes.
    const escrowBooks = async () =>
      (await escrow.balanceOf(payer.address)) +
      (await escrow.getEscrow(payer.address, operatorA.address)).balance +
      (await escrow.getEscrow(payer.address, operatorB.address)).balance +
      (await escrow.royaltiesOf(builder.address)) +
      (await escrow.protocolFeesPending());
    expect(await token.balanceOf(at("PaymentsEscrow"))).to.equal(await escrowBooks());

    // Node A commits the proof records of its 500 inferences and 500 more, as one batch of 1,000.
    const records = Array.from({ length: 1000 }, (_, i) => [
      id(`inference-${i}`),
      modelId,
      id(`input-${i}`),
      id(`output-${i}`),
      Mode.Tee,
      id(`attestation-${i}`),
    ]);
    const tree = StandardMerkleTree.of(records, RECORD_TYPES);
    await mine(proofs.connect(operatorA).commitBatch(nodeIds[0], tree.root, 1000, "ipfs://batch-a"));
    const record = (i: number) => {
      const [inferenceId, m, inputHash, outputHash, proofType, proofHash] = records[i] as [
        string,
        string,
        string,
        string,
        number,
        string,
      ];
      return { inferenceId, modelId: m, inputHash, outputHash, proofType, proofHash };
    };
    expect(await proofs.isIncluded(nodeIds[0], tree.root, record(777), tree.getProof(777))).to.equal(true);
    // Batches are kept under their node: node B has no such batch.
    expect(await proofs.isIncluded(nodeIds[1], tree.root, record(777), tree.getProof(777))).to.equal(false);
    expect(StandardMerkleTree.verify(tree.root, RECORD_TYPES, records[777], tree.getProof(777))).to.equal(true);

    // Record 313 is challenged; TEE has no verifier here, so the arbiter (the timelock) decides.
    const bond = await proofs.challengeBond();
    await mine(token.connect(challenger).approve(at("ProofRegistry"), bond));
    const slashable = await staking.slashableStakeOf(operatorA.address);
    const slashed = (slashable * (await proofs.slashPpm())) / PPM;
    await mine(openChallenge(proofs, challenger, nodeIds[0], tree.root, record(313), tree.getProof(313), "0x"));
    const [opened] = await proofs.queryFilter(proofs.filters.RecordChallenged());
    const challengeId = opened.args.challengeId;
    expect((await proofs.getChallenge(challengeId)).status).to.equal(ChallengeStatus.Pending);
    // While it waits for the arbiter, the slash it would take is locked in staking.
    expect(opened.args.lockedStake).to.equal(slashed);
    expect(await staking.lockedStakeOf(operatorA.address)).to.equal(slashed);
    const challengerBefore = await token.balanceOf(challenger.address);
    const data = proofs.interface.encodeFunctionData("resolveChallenge", [challengeId, true]);
    const delay = await timelock.getMinDelay();
    await mine(timelock.connect(deployer).schedule(at("ProofRegistry"), 0, data, ZeroHash, ZeroHash, delay));
    await provider.send("evm_increaseTime", [Number(delay)]);
    await provider.send("evm_mine", []);
    await mine(timelock.connect(facilitator).execute(at("ProofRegistry"), 0, data, ZeroHash, ZeroHash));

    const toChallenger = (slashed * (await staking.challengerSharePpm())) / PPM;
    expect((await proofs.getChallenge(challengeId)).status).to.equal(ChallengeStatus.Upheld);
    const [resolved] = await proofs.queryFilter(proofs.filters.ChallengeResolved(challengeId));
    expect([resolved.args.outcome, resolved.args.slashed, resolved.args.toChallenger]).to.deep.equal([
      2n,
      slashed,
      toChallenger,
    ]);
    expect(await staking.lockedStakeOf(operatorA.address)).to.equal(0n);
    expect(await staking.slashableStakeOf(operatorA.address)).to.equal(slashable - slashed);
    expect(await staking.slashableStakeOf(operatorB.address)).to.equal(parseEther("60000"));
    expect(await token.balanceOf(challenger.address)).to.equal(challengerBefore + toChallenger + bond);

    // Node fees are already in staking; the operators claim them with their rewards.
    for (const operator of [operatorA, operatorB]) {
      const before = await token.balanceOf(operator.address);
      const claimed = (await (await staking.connect(operator).claimRewards(operator.address)).wait())!;
      const [event] = await staking.queryFilter(
        staking.filters.RewardsClaimed(operator.address),
        claimed.blockNumber,
        claimed.blockNumber,
      );
      expect(event.args.amount >= perNode).to.equal(true); // the fees and the streamed rewards
      expect(await token.balanceOf(operator.address)).to.equal(before + event.args.amount);
    }
    await mine(escrow.connect(builder).collectRoyalties());
    await mine(escrow.connect(facilitator).flushProtocolFees());
    expect(await token.balanceOf(at("PaymentsEscrow"))).to.equal(await escrowBooks());
    expect(await token.balanceOf(builder.address)).to.equal(royalty);

    // Supply: down by exactly the burned part of the slash and the burned protocol fees.
    expect(await token.totalSupply()).to.equal(supplyBefore - (slashed - toChallenger) - fee);

    // Staking holds exactly the stake, the thawing stake and what is still owed as rewards and fees.
    const books =
      (await staking.totalActiveStake()) +
      (await staking.totalThawingStake()) +
      (await staking.REWARDS_TOTAL()) +
      (await staking.feesDistributed()) -
      (await staking.rewardsClaimed());
    expect(await token.balanceOf(at("Staking"))).to.equal(books);
  });
});
