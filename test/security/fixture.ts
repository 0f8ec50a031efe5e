/**
 * The whole protocol, deployed directly (no genesis table) for the attack tests: token, vesting vault, staking, the
 * model and node registries, the proof registry and the payments escrow, deployed and wired by deploy/core.ts as
 * deploy/system.ts does (the proof registry is staking's slasher and the escrow its fee source, both fixed once with
 * setProtocolContracts; the escrow records). `gov` stands in for the timelock and holds every admin role, except in the tests of roles, which
 * deploy the real timelock.
 */
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { Signer, TypedDataDomain } from "ethers";

import type { PaymentsEscrow } from "../../typechain-types";
import { opg } from "../../deploy/lib/format";
import { REWARDS_DURATION, REWARDS_TOTAL, deployTestCore } from "../helpers/core";
import { commitAndRegisterModel } from "../helpers/models";
import { MONTH, PERMIT_TYPES, PPM, VOUCHER_TYPES, type Voucher } from "../helpers/protocol";

export { MONTH, PERMIT_TYPES, PPM, REWARDS_DURATION, REWARDS_TOTAL };
export type { Voucher };

export const DAY = 86_400n;
export const FUNDS = opg(1_000_000n);

export const Mode = { None: 0, Tee: 1, Zk: 2 } as const;
export const MODEL = ethers.id("weights:security-model");
export const MEASUREMENT = ethers.id("enclave:security");
export const ROYALTY_PPM = 50_000n;
export const FEE_PPM = 10_000n;
/** The operator's node: none at 1 OPG, TEE at 3 OPG. */
export const PRICES: [bigint, bigint, bigint] = [opg(1n), opg(3n), 0n];
export const OPERATOR_STAKE = opg(60_000n);
export const DEPOSIT = opg(1_000n);

export async function now(): Promise<bigint> {
  return BigInt(await time.latest());
}

/** Deploys the system; the operator runs node 1 (none + TEE, serving MODEL) and the payer has DEPOSIT in escrow. */
export async function deploySystemFixture() {
  const signers = await ethers.getSigners();
  const [deployer, gov, builder, operator, delegator, payer, payer2, attacker, challenger, beneficiary, treasury] =
    signers;
  const { token, vesting, staking, models, nodes, proofs, escrow } = await deployTestCore(deployer, gov, {
    treasury: treasury.address,
  });
  await token.connect(gov).transfer(staking, REWARDS_TOTAL);
  await nodes.connect(gov).setTeeMeasurementApproval(MEASUREMENT, true);
  await commitAndRegisterModel(models, builder, MODEL, "ipfs://model", ROYALTY_PPM);

  for (const s of [operator, delegator, payer, payer2, attacker, challenger]) {
    await token.connect(gov).transfer(s.address, FUNDS);
    for (const spender of [staking, escrow, proofs]) await token.connect(s).approve(spender, ethers.MaxUint256);
  }
  await token.connect(gov).approve(vesting, ethers.MaxUint256);

  await staking.connect(operator).stake(OPERATOR_STAKE);
  const nodeId = await nodes.nextNodeId();
  await nodes
    .connect(operator)
    .registerNode(
      { metadataURI: "https://node.example", modes: 3, teeMeasurement: MEASUREMENT, capacity: 8n, prices: PRICES },
      [MODEL],
    );
  await escrow.connect(payer).deposit(payer.address, DEPOSIT);

  return {
    signers,
    deployer,
    gov,
    builder,
    operator,
    delegator,
    payer,
    payer2,
    attacker,
    challenger,
    beneficiary,
    treasury,
    token,
    staking,
    vesting,
    models,
    nodes,
    proofs,
    escrow,
    nodeId,
  };
}

export type System = Awaited<ReturnType<typeof deploySystemFixture>>;

/** The escrow's EIP-712 domain, read from the contract. */
export async function escrowDomain(escrow: PaymentsEscrow): Promise<TypedDataDomain> {
  const d = await escrow.eip712Domain();
  return { name: d.name, version: d.version, chainId: d.chainId, verifyingContract: d.verifyingContract };
}

/** A voucher for the system's node and model (mode none), issued now, expiring in 30 days. */
export async function voucherFor(f: System, cumulativeAmount: bigint, over: Partial<Voucher> = {}): Promise<Voucher> {
  const t = await now();
  return {
    payer: f.payer.address,
    nodeId: f.nodeId,
    modelId: MODEL,
    mode: Mode.None,
    cumulativeAmount,
    issuedAt: t,
    expiry: t + 30n * DAY,
    ...over,
  };
}

export async function signVoucher(
  signer: Signer,
  voucher: Voucher,
  domain: TypedDataDomain | PaymentsEscrow,
): Promise<string> {
  const d = "eip712Domain" in domain ? await escrowDomain(domain) : domain;
  return signer.signTypedData(d, VOUCHER_TYPES, voucher);
}

/** The split of a payment: the protocol fee and the royalty round down, the node takes the rest. */
export function split(gross: bigint, royaltyPpm = ROYALTY_PPM, feePpm = FEE_PPM) {
  const fee = (gross * feePpm) / PPM;
  const royalty = (gross * royaltyPpm) / PPM;
  return { fee, royalty, node: gross - fee - royalty };
}

/** An EIP-2612 permit of OPG from `owner` to `spender`, split into v, r, s. */
export async function signPermit(
  f: System,
  owner: HardhatEthersSigner,
  spender: string,
  value: bigint,
  deadline: bigint,
  chainId?: bigint,
) {
  const d = await f.token.eip712Domain();
  const domain = {
    name: d.name,
    version: d.version,
    chainId: chainId ?? d.chainId,
    verifyingContract: d.verifyingContract,
  };
  const nonce = await f.token.nonces(owner.address);
  const sig = ethers.Signature.from(
    await owner.signTypedData(domain, PERMIT_TYPES, { owner: owner.address, spender, value, nonce, deadline }),
  );
  return { v: sig.v, r: sig.r, s: sig.s };
}

/** Registers one more operator with its own none-only node serving MODEL; returns its node id. */
export async function addOperator(f: System, who: HardhatEthersSigner, stake = opg(10_000n)): Promise<bigint> {
  if ((await f.token.balanceOf(who.address)) < stake) await f.token.connect(f.gov).transfer(who.address, stake);
  await f.token.connect(who).approve(f.staking, ethers.MaxUint256);
  await f.staking.connect(who).stake(stake);
  const id = await f.nodes.nextNodeId();
  await f.nodes.connect(who).registerNode(
    {
      metadataURI: "https://n.example",
      modes: 1,
      teeMeasurement: ethers.ZeroHash,
      capacity: 1n,
      prices: [1n, 0n, 0n],
    },
    [MODEL],
  );
  return id;
}

/** A fresh funded wallet (for growing the number of users without running out of named signers). */
export async function freshWallet(f: System, amount: bigint) {
  const w = ethers.Wallet.createRandom().connect(ethers.provider);
  await f.gov.sendTransaction({ to: w.address, value: ethers.parseEther("1") });
  if (amount > 0n) await f.token.connect(f.gov).transfer(w.address, amount);
  return w;
}
