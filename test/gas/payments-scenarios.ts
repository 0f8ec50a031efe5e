/**
 * Gas of paying for inference and committing its proofs, per operation and per inference: on-chain requests,
 * cumulative vouchers (one voucher for 1 to 10,000 inferences, batches of 1 to 100 vouchers), proof records and
 * batch roots of any size, and the inclusion check. Shared by the gas report and the gas budget test.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { ContractTransactionResponse, Signer } from "ethers";

import { devnetGenesis, DEVNET_TEE_MEASUREMENT } from "../../deploy/config";
import { deploySystem } from "../../deploy/system";
import { Mode, VOUCHER_TYPES, domainOf } from "../helpers/protocol";
import { openChallenge } from "../helpers/challenges";
import { commitAndRegisterModel } from "../helpers/models";

export interface PaymentGasRow {
  operation: string;
  gas: bigint;
  /** How many inferences the operation pays for or proves; gas / inferences is the cost per inference. */
  inferences: bigint;
}

const TEE = Mode.Tee;

export interface PaymentGasOptions {
  /** Inferences each voucher covers in the batches of 1, 10 and 100 vouchers (default: 1,000, DESIGN.md's case). */
  batchVoucherSizes?: bigint[];
}

export async function measurePaymentGas(
  hre: HardhatRuntimeEnvironment,
  options: PaymentGasOptions = {},
): Promise<PaymentGasRow[]> {
  const { ethers } = hre;
  const signers = await ethers.getSigners();
  const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
  const genesis = devnetGenesis(
    now,
    signers.map((s) => s.address),
  );
  const {
    timelock: timelockContract,
    token,
    staking,
    models,
    nodes,
    proofs,
    escrow,
  } = await deploySystem(hre, {
    genesis,
    timelockMinDelay: 60n,
    teeMeasurements: [DEVNET_TEE_MEASUREMENT],
  });
  const gas = async (tx: Promise<ContractTransactionResponse>) => (await (await tx).wait())!.gasUsed;
  const rows: PaymentGasRow[] = [];
  const liquidity = signers[8];
  const price = ethers.parseEther("0.01");

  // Two operators with a TEE node each, a model, payers with deposits.
  const modelId = ethers.id("model-weights");
  await commitAndRegisterModel(models, signers[13], modelId, "ipfs://model", 50_000);
  const operators = [signers[10], signers[11]];
  const nodeIds: bigint[] = [];
  for (const operator of operators) {
    await token.connect(liquidity).transfer(operator.address, ethers.parseEther("60000"));
    await token.connect(operator).approve(await staking.getAddress(), ethers.MaxUint256);
    await staking.connect(operator).stake(ethers.parseEther("60000"));
    await nodes.connect(operator).registerNode(
      {
        metadataURI: "https://node.example",
        modes: 1 << TEE,
        teeMeasurement: DEVNET_TEE_MEASUREMENT,
        capacity: 8,
        prices: [0n, price, 0n],
      },
      [modelId],
    );
    nodeIds.push((await nodes.nextNodeId()) - 1n);
  }

  /**
   * A funded payer with a free balance and an escrow with each operator. Its key is derived from a counter, not
   * drawn at random: calldata carries its address and signatures, whose zero bytes cost less, so random keys would
   * move the figures between runs.
   */
  let payers = 0;
  async function payer(): Promise<Signer> {
    const wallet = new ethers.Wallet(ethers.id(`opg-gas-payer-${payers++}`), ethers.provider);
    await hre.network.provider.send("hardhat_setBalance", [wallet.address, "0x56BC75E2D63100000"]);
    await token.connect(liquidity).transfer(wallet.address, ethers.parseEther("1000"));
    await token.connect(wallet).approve(await escrow.getAddress(), ethers.MaxUint256);
    await escrow.connect(wallet).deposit(wallet.address, ethers.parseEther("200"));
    for (const operator of operators)
      await escrow.connect(wallet).depositToEscrow(wallet.address, operator.address, ethers.parseEther("400"));
    return wallet;
  }
  const domain = await domainOf(escrow);
  const issuedAt = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
  async function voucher(from: Signer, nodeIndex: number, cumulative: bigint) {
    const value = {
      payer: await from.getAddress(),
      nodeId: nodeIds[nodeIndex],
      modelId,
      mode: TEE,
      cumulativeAmount: cumulative,
      issuedAt,
      expiry: issuedAt + 10n ** 9n,
    };
    return { value, signature: await from.signTypedData(domain, VOUCHER_TYPES, value) };
  }
  const facilitator = signers[15];

  // Warm the books once (first payment to each node, owner and the fee pot), as a running network has them.
  const warm = await payer();
  for (let n = 0; n < 2; n++) {
    const v = await voucher(warm, n, price);
    await escrow.connect(facilitator).redeem(v.value, v.signature);
  }

  // Mode 1: requests and their fulfilment: one that names its node, and one open to any node, whose node commits to
  // its answer in an earlier block first.
  const requester = await payer();
  const deadline = BigInt((await ethers.provider.getBlock("latest"))!.timestamp) + 3600n;
  const [output, attestation] = [ethers.id("output"), ethers.id("attestation")];
  const named = await gas(
    escrow.connect(requester).postRequest(modelId, ethers.id("input"), TEE, price * 2n, deadline, nodeIds[0]),
  );
  const namedId = (await escrow.nextRequestId()) - 1n;
  const namedFulfilled = await gas(escrow.connect(operators[0]).fulfil(namedId, nodeIds[0], output, attestation));
  rows.push({ operation: "on-chain request naming its node: post", gas: named, inferences: 1n });
  rows.push({
    operation: "on-chain request naming its node: fulfil (pays the node, commits the proof record)",
    gas: namedFulfilled,
    inferences: 1n,
  });
  rows.push({
    operation: "on-chain request naming its node: post + fulfil",
    gas: named + namedFulfilled,
    inferences: 1n,
  });
  const posted = await gas(
    escrow.connect(requester).postRequest(modelId, ethers.id("input-2"), TEE, price * 2n, deadline, 0),
  );
  const requestId = (await escrow.nextRequestId()) - 1n;
  const commitment = await escrow.fulfilmentCommitmentOf(requestId, nodeIds[0], output, attestation);
  const committed = await gas(escrow.connect(operators[0]).commitFulfilment(requestId, nodeIds[0], commitment));
  const fulfilled = await gas(escrow.connect(operators[0]).fulfil(requestId, nodeIds[0], output, attestation));
  rows.push({ operation: "open on-chain request: post", gas: posted, inferences: 1n });
  rows.push({ operation: "open on-chain request: commit the answer", gas: committed, inferences: 1n });
  rows.push({
    operation: "open on-chain request: fulfil (pays the node, commits the proof record)",
    gas: fulfilled,
    inferences: 1n,
  });
  rows.push({
    operation: "open on-chain request: post + commit + fulfil",
    gas: posted + committed + fulfilled,
    inferences: 1n,
  });

  // Mode 2: one voucher, redeemed again later on an open channel, covering 1, 100 and 10,000 inferences.
  for (const inferences of [1n, 100n, 10_000n]) {
    const from = await payer();
    const first = await voucher(from, 0, price / 1000n);
    await escrow.connect(facilitator).redeem(first.value, first.signature);
    const next = await voucher(from, 0, price / 1000n + (price / 1000n) * inferences);
    rows.push({
      operation: `voucher for ${inferences.toLocaleString("en-US")} inferences, redeemed alone`,
      gas: await gas(escrow.connect(facilitator).redeem(next.value, next.signature)),
      inferences,
    });
  }

  // Batches of 1, 10 and 100 vouchers (different payers, two nodes), each voucher for 1,000 inferences by default.
  for (const perVoucher of options.batchVoucherSizes ?? [1000n]) {
    for (const size of [1, 10, 100]) {
      const batch = [];
      for (let i = 0; i < size; i++) {
        const from = await payer();
        const first = await voucher(from, i % 2, price / 1000n);
        await escrow.connect(facilitator).redeem(first.value, first.signature);
        batch.push(await voucher(from, i % 2, price / 1000n + (price / 1000n) * perVoucher));
      }
      const used = await gas(
        escrow.connect(facilitator).redeemBatch(
          batch.map((b) => b.value),
          batch.map((b) => b.signature),
        ),
      );
      rows.push({
        operation: `batch of ${size} vouchers, ${perVoucher.toLocaleString("en-US")} inferences each`,
        gas: used,
        inferences: BigInt(size) * perVoucher,
      });
    }
  }

  // Proofs: one record, and batch roots of any size (only the root goes on chain). A node's first commit of a coverage
  // period checks its standing in full; the others, as on a running node, read its coverage.
  const firstOfPeriod = {
    inferenceId: ethers.id("first"),
    modelId,
    inputHash: ethers.id("in-first"),
    outputHash: ethers.id("out-first"),
    proofType: TEE,
    proofHash: ethers.id("att-first"),
  };
  rows.push({
    operation: "proof: commit one record, the node's first of its coverage period (checks its standing in full)",
    gas: await gas(proofs.connect(operators[0]).commitRecord(nodeIds[0], firstOfPeriod)),
    inferences: 1n,
  });
  const record = {
    inferenceId: ethers.id("one"),
    modelId,
    inputHash: ethers.id("in"),
    outputHash: ethers.id("out"),
    proofType: TEE,
    proofHash: ethers.id("att"),
  };
  rows.push({
    operation: "proof: commit one record",
    gas: await gas(proofs.connect(operators[0]).commitRecord(nodeIds[0], record)),
    inferences: 1n,
  });
  for (const size of [100n, 10_000n, 1_000_000n]) {
    const used = await gas(
      proofs
        .connect(operators[0])
        .commitBatch(
          nodeIds[0],
          ethers.id(`root-${size}`),
          size,
          "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi",
        ),
    );
    rows.push({
      operation: `proof: commit a batch root of ${size.toLocaleString("en-US")} records`,
      gas: used,
      inferences: size,
    });
  }

  // Inclusion in a 1,000,000-record batch: a proof of 20 siblings, checked in a transaction (a call's gas + 21,000).
  const leaf = await proofs.leafOf(record);
  const siblings = Array.from({ length: 20 }, (_, i) => ethers.id(`sibling-${i}`));
  let node = leaf;
  for (const sibling of siblings)
    node =
      BigInt(node) < BigInt(sibling)
        ? ethers.keccak256(ethers.concat([node, sibling]))
        : ethers.keccak256(ethers.concat([sibling, node]));
  await proofs.connect(operators[0]).commitBatch(nodeIds[0], node, 1_000_000n, "ipfs://deep");
  const inclusion = await proofs.isIncluded.estimateGas(nodeIds[0], node, record, siblings);
  rows.push({
    operation: "proof: check inclusion in a 1,000,000-record batch (eth_estimateGas of the view)",
    gas: inclusion,
    inferences: 1n,
  });
  // The same check sent as a transaction (a contract acting on it pays about this much on top of its own work).
  const asTransaction = async (to: string, data: string) =>
    (await (await signers[0].sendTransaction({ to, data })).wait())!.gasUsed;
  const proofsAddress = await proofs.getAddress();
  rows.push({
    operation: "proof: check inclusion in a 1,000,000-record batch (as a transaction)",
    gas: await asTransaction(
      proofsAddress,
      proofs.interface.encodeFunctionData("isIncluded", [nodeIds[0], node, record, siblings]),
    ),
    inferences: 1n,
  });
  rows.push({
    operation: "proof: check a leaf's inclusion in a 1,000,000-record batch (as a transaction)",
    gas: await asTransaction(
      proofsAddress,
      proofs.interface.encodeFunctionData("isLeafIncluded", [nodeIds[0], node, leaf, siblings]),
    ),
    inferences: 1n,
  });

  // The floors of the two: a bare contract that stores and emits a root, and checks a leaf against a stored root with
  // OpenZeppelin's MerkleProof (contracts/test/bench/BareRoots.sol), on the same root, record count, URI and proof.
  const bare = await ethers.deployContract("BareRoots");
  rows.push({
    operation: "bare: a contract that stores and emits a root of 1,000,000 records",
    gas: await gas(
      bare.store(
        ethers.id("bare-root"),
        1_000_000n,
        "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi",
      ),
    ),
    inferences: 1_000_000n,
  });
  await bare.store(node, 1_000_000n, "ipfs://deep");
  rows.push({
    operation: "bare: an OpenZeppelin MerkleProof check of depth 20 against a stored root (as a transaction)",
    gas: await asTransaction(
      await bare.getAddress(),
      bare.interface.encodeFunctionData("verify", [node, leaf, siblings]),
    ),
    inferences: 1n,
  });

  // Disputes: a challenge for the arbiter (bond in, the slash locked), decided upheld (slash, challenger's share,
  // bond back) or left to expire (lock released, bond to the operator); and one a verifier decides at once. The
  // arbiter and admin are the timelock: its address is impersonated to measure the calls themselves.
  const timelock = await ethers.getSigner(await timelockContract.getAddress());
  await hre.network.provider.send("hardhat_impersonateAccount", [timelock.address]);
  await hre.network.provider.send("hardhat_setBalance", [timelock.address, "0x56BC75E2D63100000"]);
  const challenger = await payer();
  await token.connect(challenger).approve(await proofs.getAddress(), ethers.MaxUint256);
  await token.connect(liquidity).transfer(await challenger.getAddress(), ethers.parseEther("1000"));
  const disputed = async (label: string) => {
    const r = { ...record, inferenceId: ethers.id(`disputed-${label}`) };
    await proofs.connect(operators[1]).commitRecord(nodeIds[1], r);
    return r;
  };
  const challengeIdOf = async (r: typeof record) =>
    ethers.keccak256(
      ethers.AbiCoder.defaultAbiCoder().encode(
        ["bytes32", "address"],
        [await proofs.recordKeyOf(nodeIds[1], ethers.ZeroHash, await proofs.leafOf(r)), await challenger.getAddress()],
      ),
    );
  const upheldRecord = await disputed("upheld");
  // A challenge is committed a block ahead (its evidence private until the challenge): that transaction first.
  const challengeCommitment = await proofs.challengeCommitmentOf(
    await challenger.getAddress(),
    nodeIds[1],
    ethers.ZeroHash,
    upheldRecord,
    "0x",
  );
  rows.push({
    operation: "dispute: commit to a challenge, a block ahead (commitChallenge)",
    gas: await gas(proofs.connect(challenger).commitChallenge(challengeCommitment)),
    inferences: 1n,
  });
  rows.push({
    operation: "dispute: open a challenge for the arbiter (bond, slash locked)",
    gas: await gas(openChallenge(proofs, challenger, nodeIds[1], ethers.ZeroHash, upheldRecord, [], "0x")),
    inferences: 1n,
  });
  rows.push({
    operation: "dispute: the arbiter upholds (slash, challenger's share, bond back)",
    gas: await gas(proofs.connect(timelock).resolveChallenge(await challengeIdOf(upheldRecord), true)),
    inferences: 1n,
  });
  const rejectedRecord = await disputed("rejected");
  await openChallenge(proofs, challenger, nodeIds[1], ethers.ZeroHash, rejectedRecord, [], "0x");
  rows.push({
    operation: "dispute: the arbiter rejects (lock released, bond burned)",
    gas: await gas(proofs.connect(timelock).resolveChallenge(await challengeIdOf(rejectedRecord), false)),
    inferences: 1n,
  });
  const expiredRecord = await disputed("expired");
  await openChallenge(proofs, challenger, nodeIds[1], ethers.ZeroHash, expiredRecord, [], "0x");
  // Past the deadline, set as the next block's time (the benchmark pins the clock; evm_increaseTime would not move it).
  const { decideBy } = await proofs.getChallenge(await challengeIdOf(expiredRecord));
  await hre.network.provider.send("evm_setNextBlockTimestamp", [Number(decideBy) + 1]);
  rows.push({
    operation: "dispute: expire past the deadline (lock released, bond burned)",
    gas: await gas(proofs.connect(challenger).expireChallenge(await challengeIdOf(expiredRecord))),
    inferences: 1n,
  });
  const verifier = await ethers.deployContract("MockProofVerifier");
  await proofs.connect(timelock).setVerifier(TEE, await verifier.getAddress());
  const badProof = "0x00";
  const verifiedRecord = {
    ...record,
    inferenceId: ethers.id("disputed-verified"),
    proofHash: ethers.keccak256(badProof),
  };
  await proofs.connect(operators[1]).commitRecord(nodeIds[1], verifiedRecord);
  rows.push({
    operation: "dispute: a verifier upholds at once (bond, lock, slash, bond back)",
    gas: await gas(openChallenge(proofs, challenger, nodeIds[1], ethers.ZeroHash, verifiedRecord, [], badProof)),
    inferences: 1n,
  });

  // The floor: one token transfer per inference, to a new recipient (its balance slot goes from zero) and to one
  // that already holds the token; OPG (votes, neither side delegated) and OpenZeppelin's plain ERC-20.
  const plain = await ethers.deployContract("PlainERC20", [ethers.parseEther("1000000")]);
  await plain.transfer(liquidity.address, ethers.parseEther("1000"));
  for (const [name, erc20] of [
    ["OPG", token],
    ["plain ERC-20 (OpenZeppelin, no votes)", plain],
  ] as const) {
    const to = ethers.getAddress(ethers.id(`floor-${name}`).slice(0, 42));
    rows.push({
      operation: `floor: ${name} transfer to a new recipient`,
      gas: await gas(erc20.connect(liquidity).transfer(to, price)),
      inferences: 1n,
    });
    rows.push({
      operation: `floor: ${name} transfer to a recipient already holding it`,
      gas: await gas(erc20.connect(liquidity).transfer(to, price)),
      inferences: 1n,
    });
  }
  return rows;
}
