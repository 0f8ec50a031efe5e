/*
Reentrancy (attack class: reentrancy through hooks)

OPG has no transfer hooks, so the only calls the protocol makes into code it does not trust are the EIP-1271
isValidSignature of a contract-wallet payer (voucher redemption) and IProofVerifier.verify (a challenge whose proof
type has a verifier). Both are made with STATICCALL. ReentrantAttacker re-enters every state-changing function of
every protocol contract (plus the classic double-spends: the same voucher, the same challenge) from inside them.

reentrancy
├── control: the same re-entries sent as plain calls → some succeed (they are not doomed for another reason)
├── from isValidSignature during redeem (called with at most WALLET_SIGNATURE_GAS)
│   ├── when the wallet accepts only if a re-entry succeeded → it reverts EscrowInvalidSignature(wallet): none did
│   ├── when the wallet answers honestly after its re-entries → they exhaust its capped gas: refused, nothing moves
│   ├── when the wallet answers honestly without re-entries → the voucher pays exactly once; the channel and the
│   │   wallet's escrow move by exactly the voucher, the node share goes to staking in the same transaction
│   └── when the wallet reverts or burns its gas → the voucher is refused (EscrowInvalidSignature), nothing moves;
│       in a batch it is skipped and the other vouchers are paid (the gas is the redeemer's: simulate first)
└── from verify during challenge
    ├── when the verifier rejects only if a re-entry succeeded → the challenge is upheld once, the operator slashed
    │   once by exactly slashPpm of its slashable stake; the re-entered resolveChallenge/challenge did nothing
    ├── when the verifier answers honestly on a valid proof → rejected once; the bond goes to the operator
    └── when the verifier reverts or burns its gas → the challenge with the proof as evidence reverts (no bond is
        taken); with other evidence it goes to the arbiter, who decides it once
*/
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import type { Interface, ParamType } from "ethers";

import { ReentrantAttacker__factory } from "../../typechain-types";
import { opg } from "../../deploy/lib/format";
import { deploySystemFixture, MODEL, Mode, PPM, signVoucher, split, System, voucherFor } from "./fixture";
import { openChallenge } from "../helpers/challenges";

const AttackerMode = { Honest: 0, ValidIfReentered: 1, Revert: 2, BurnGas: 3 } as const;

/** A plausible value of any ABI type: the attacker's own address, small numbers, the model id. */
function sample(p: ParamType, self: string): unknown {
  if (p.baseType === "array") {
    const n = p.arrayLength && p.arrayLength > 0 ? p.arrayLength : 0;
    return Array.from({ length: n }, () => sample(p.arrayChildren!, self));
  }
  if (p.baseType === "tuple") return p.components!.map((c) => sample(c, self));
  if (p.type === "address") return self;
  if (p.type === "bool") return false;
  if (p.type === "string") return "";
  if (p.type === "bytes") return "0x";
  if (p.type === "bytes32") return MODEL;
  if (p.type.startsWith("bytes")) return "0x" + "11".repeat(Number(p.type.slice(5)));
  if (p.type.startsWith("uint") || p.type.startsWith("int")) return 1n;
  throw new Error(`no sample for ${p.type}`);
}

/** Every state-changing function of a contract, called with sample arguments. */
function everyWrite(iface: Interface, target: string, self: string): [string, string][] {
  const calls: [string, string][] = [];
  iface.forEachFunction((fn) => {
    if (fn.stateMutability === "view" || fn.stateMutability === "pure") return;
    // renounceRole of a role the caller does not hold writes nothing and succeeds even under STATICCALL: not a
    // re-entry, and it would make ValidIfReentered answer "valid" for the wrong reason.
    if (fn.name === "renounceRole") return;
    const args = fn.inputs.map((p) => sample(p, self));
    calls.push([target, iface.encodeFunctionData(fn, args)]);
  });
  return calls;
}

async function attackerFixture() {
  const f = await deploySystemFixture();
  const owner = f.attacker;
  const attacker = await new ReentrantAttacker__factory(owner).deploy(owner.address);
  const self = await attacker.getAddress();
  await f.token.connect(f.gov).transfer(self, opg(1_000n));
  await attacker.connect(owner).approve(f.token, await f.escrow.getAddress(), ethers.MaxUint256);
  await f.escrow.connect(owner).depositToEscrow(self, f.operator.address, opg(100n));
  // The honest payer's escrow with the operator, for the vouchers batched with the wallet's.
  await f.escrow.connect(f.payer).fundEscrow(f.operator.address, opg(100n));
  return { ...f, attackerContract: attacker, self };
}

type F = Awaited<ReturnType<typeof attackerFixture>>;

/** Every write of every protocol contract, plus `extra` (the double-spends of the action under attack). */
async function reentries(f: F | System, self: string, extra: [string, string][]) {
  const contracts = [f.escrow, f.proofs, f.staking, f.vesting, f.nodes, f.models, f.token];
  const calls: [string, string][] = [...extra];
  for (const c of contracts) calls.push(...everyWrite(c.interface, await c.getAddress(), self));
  return calls;
}

async function arm(f: F, calls: [string, string][]) {
  await f.attackerContract.connect(f.attacker).setReentries(
    calls.map((c) => c[0]),
    calls.map((c) => c[1]),
  );
}

describe("security: reentrancy through callbacks", function () {
  describe("from isValidSignature during redeem", function () {
    async function armed() {
      const f = await loadFixture(attackerFixture);
      const voucher = await voucherFor(f, opg(10n), { payer: f.self });
      const signature = await signVoucher(f.attacker, voucher, f.escrow);
      const escrowAddress = await f.escrow.getAddress();
      const again = f.escrow.interface.encodeFunctionData("redeem", [voucher, signature]);
      // A bigger voucher of the same channel, and a withdrawal of the wallet's own funds, tried mid-redemption.
      const bigger = { ...voucher, cumulativeAmount: opg(20n) };
      const biggerSig = await signVoucher(f.attacker, bigger, f.escrow);
      const extra: [string, string][] = [
        [escrowAddress, again],
        [escrowAddress, f.escrow.interface.encodeFunctionData("redeem", [bigger, biggerSig])],
        [escrowAddress, f.escrow.interface.encodeFunctionData("thaw", [f.operator.address, opg(100n)])],
        [escrowAddress, f.escrow.interface.encodeFunctionData("deposit", [f.self, 1n])],
      ];
      const calls = await reentries(f, f.self, extra);
      await arm(f, calls);
      return { f, voucher, signature, calls };
    }

    it("control: the listed re-entries, sent as plain calls, are not all doomed (some succeed)", async function () {
      const { f, calls } = await armed();
      expect(calls.length).to.be.greaterThan(90);
      const succeeded = await f.attackerContract.connect(f.attacker).reenterNow.staticCall();
      // thaw, deposit, approve, registerModel, transferModelOwnership ... succeed outside a STATICCALL.
      expect(succeeded).to.be.greaterThanOrEqual(4n);
    });

    it("a wallet that accepts only if a re-entry succeeded is refused: no re-entry got through", async function () {
      const { f, voucher, signature } = await armed();
      await f.attackerContract.connect(f.attacker).setMode(AttackerMode.ValidIfReentered);
      await expect(f.escrow.connect(f.operator).redeem(voucher, signature, { gasLimit: 16_000_000 }))
        .to.be.revertedWithCustomError(f.escrow, "EscrowInvalidSignature")
        .withArgs(f.self);
      expect(await f.escrow.redeemedOf(f.self, f.nodeId, MODEL, Mode.None)).to.equal(0n);
    });

    it("an honest wallet that tries its re-entries runs out of its capped gas and is refused; nothing moves", async function () {
      const { f, voucher, signature } = await armed();
      const before = await f.escrow.getEscrow(f.self, f.operator.address);
      await expect(f.escrow.connect(f.operator).redeem(voucher, signature, { gasLimit: 16_000_000 }))
        .to.be.revertedWithCustomError(f.escrow, "EscrowInvalidSignature")
        .withArgs(f.self);
      expect(await f.escrow.getEscrow(f.self, f.operator.address)).to.deep.equal(before);
      expect(await f.escrow.redeemedOf(f.self, f.nodeId, MODEL, Mode.None)).to.equal(0n);
    });

    it("an honest wallet is paid exactly once (its share credited in staking in the same transaction)", async function () {
      const { f, voucher, signature } = await armed();
      // Without re-entries its answer fits WALLET_SIGNATURE_GAS.
      await f.attackerContract.connect(f.attacker).setReentries([], []);
      const before = await f.escrow.getEscrow(f.self, f.operator.address);
      const escrowTokens = await f.token.balanceOf(f.escrow);
      const stakingTokens = await f.token.balanceOf(f.staking);
      const s = split(voucher.cumulativeAmount);
      await expect(f.escrow.connect(f.operator).redeem(voucher, signature, { gasLimit: 16_000_000 }))
        .to.emit(f.escrow, "PaymentCollected")
        .withArgs(
          f.self,
          f.nodeId,
          MODEL,
          f.operator.address,
          f.builder.address,
          Mode.None,
          0,
          voucher.cumulativeAmount,
          s.node,
          s.royalty,
          s.fee,
        );
      const after = await f.escrow.getEscrow(f.self, f.operator.address);
      expect(before.balance - after.balance).to.equal(voucher.cumulativeAmount);
      expect(after.thawing).to.equal(0n);
      expect(await f.escrow.redeemedOf(f.self, f.nodeId, MODEL, Mode.None)).to.equal(voucher.cumulativeAmount);
      expect(await f.staking.feesDistributed()).to.equal(s.node);
      expect(escrowTokens - (await f.token.balanceOf(f.escrow))).to.equal(s.node);
      expect((await f.token.balanceOf(f.staking)) - stakingTokens).to.equal(s.node);
      await expect(f.escrow.redeem(voucher, signature))
        .to.be.revertedWithCustomError(f.escrow, "EscrowNothingOwed")
        .withArgs(voucher.cumulativeAmount, voucher.cumulativeAmount);
    });

    for (const [name, mode] of [
      ["reverts", AttackerMode.Revert],
      ["burns all its gas", AttackerMode.BurnGas],
    ] as const) {
      it(`a wallet that ${name} is refused; in a batch it is skipped and the rest is paid`, async function () {
        const { f, voucher, signature } = await armed();
        await f.attackerContract.connect(f.attacker).setMode(mode);
        await expect(f.escrow.redeem(voucher, signature, { gasLimit: 16_000_000 }))
          .to.be.revertedWithCustomError(f.escrow, "EscrowInvalidSignature")
          .withArgs(f.self);
        const good = await voucherFor(f, opg(5n));
        const goodSig = await signVoucher(f.payer, good, f.escrow);
        const tx = f.escrow.redeemBatch([voucher, good], [signature, goodSig], { gasLimit: 16_000_000 });
        await expect(tx)
          .to.emit(f.escrow, "VoucherSkipped")
          .withArgs(0n, f.self, f.nodeId, f.escrow.interface.getError("EscrowInvalidSignature")!.selector);
        expect(await f.escrow.redeemedOf(f.payer.address, f.nodeId, MODEL, Mode.None)).to.equal(opg(5n));
        expect(await f.escrow.redeemedOf(f.self, f.nodeId, MODEL, Mode.None)).to.equal(0n);
      });
    }
  });

  describe("from verify during challenge", function () {
    const evidence = "0x00aabbcc"; // an invalid proof by the honest rule (first byte 0x00)
    const validEvidence = "0x01aabbcc";

    async function challengeable(proofEvidence: string) {
      const f = await loadFixture(attackerFixture);
      await f.proofs.connect(f.gov).setVerifier(Mode.Tee, f.attackerContract);
      const record = {
        inferenceId: ethers.id(`inference:${proofEvidence}`),
        modelId: MODEL,
        inputHash: ethers.id("in"),
        outputHash: ethers.id("out"),
        proofType: Mode.Tee,
        proofHash: ethers.keccak256(proofEvidence),
      };
      await f.proofs.connect(f.operator).commitRecord(f.nodeId, record);
      const proofsAddress = await f.proofs.getAddress();
      // A challenge's id is keccak256(recordKey, challenger); a single record's root is zero.
      const recordKey = await f.proofs.recordKeyOf(f.nodeId, ethers.ZeroHash, await f.proofs.leafOf(record));
      const challengeId = ethers.keccak256(
        ethers.AbiCoder.defaultAbiCoder().encode(["bytes32", "address"], [recordKey, f.challenger.address]),
      );
      const extra: [string, string][] = [
        [proofsAddress, f.proofs.interface.encodeFunctionData("resolveChallenge", [challengeId, false])],
        [
          proofsAddress,
          f.proofs.interface.encodeFunctionData("challenge", [f.nodeId, ethers.ZeroHash, record, [], proofEvidence]),
        ],
        [await f.staking.getAddress(), f.staking.interface.encodeFunctionData("withdraw", [f.operator.address, 0n])],
      ];
      await arm(f, await reentries(f, f.self, extra));
      return { f, record, challengeId };
    }

    it("a verifier that rejects only if a re-entry succeeded: the challenge is upheld once, slashed once", async function () {
      const { f, record, challengeId } = await challengeable(evidence);
      await f.attackerContract.connect(f.attacker).setMode(AttackerMode.ValidIfReentered);
      const slashable = await f.staking.slashableStakeOf(f.operator.address);
      const slashPpm = await f.proofs.slashPpm();
      const expected = (slashable * slashPpm) / PPM;
      // The operator's stake is all its own: the challenger gets challengerSharePpm of all the slash.
      const toChallenger = (expected * (await f.staking.challengerSharePpm())) / PPM;
      const bond = await f.proofs.challengeBond();
      const before = await f.token.balanceOf(f.challenger.address);
      await expect(
        openChallenge(f.proofs, f.challenger, f.nodeId, ethers.ZeroHash, record, [], evidence, {
          gasLimit: 16_000_000,
        }),
      )
        .to.emit(f.proofs, "ChallengeResolved")
        .withArgs(challengeId, 2n, expected, toChallenger, f.challenger.address, bond); // Upheld
      expect(await f.staking.slashableStakeOf(f.operator.address)).to.equal(slashable - expected);
      expect((await f.proofs.getChallenge(challengeId)).status).to.equal(2n); // Upheld
      // The challenger got its bond back and its share of the slash, nothing more.
      expect((await f.token.balanceOf(f.challenger.address)) - before).to.equal(toChallenger);
      await expect(f.proofs.connect(f.gov).resolveChallenge(challengeId, false))
        .to.be.revertedWithCustomError(f.proofs, "ProofsChallengeNotPending")
        .withArgs(challengeId);
    });

    it("an honest verifier that tries every re-entry rejects a valid proof once; the bond is burned", async function () {
      const { f, record, challengeId } = await challengeable(validEvidence);
      const bond = await f.proofs.challengeBond();
      const operatorBefore = await f.token.balanceOf(f.operator.address);
      const supplyBefore = await f.token.totalSupply();
      const slashable = await f.staking.slashableStakeOf(f.operator.address);
      await expect(
        openChallenge(f.proofs, f.challenger, f.nodeId, ethers.ZeroHash, record, [], validEvidence, {
          gasLimit: 16_000_000,
        }),
      )
        .to.emit(f.proofs, "ChallengeResolved")
        .withArgs(challengeId, 3n, 0n, 0n, ethers.ZeroAddress, bond); // Rejected: the bond is burned
      expect(await f.token.balanceOf(f.operator.address)).to.equal(operatorBefore);
      expect(supplyBefore - (await f.token.totalSupply())).to.equal(bond);
      expect(await f.staking.slashableStakeOf(f.operator.address)).to.equal(slashable);
      expect((await f.proofs.getChallenge(challengeId)).status).to.equal(3n); // Rejected
    });

    for (const [name, mode] of [
      ["reverts", AttackerMode.Revert],
      ["burns all its gas", AttackerMode.BurnGas],
    ] as const) {
      it(`a verifier that ${name} cannot block a challenge: other evidence goes to the arbiter`, async function () {
        const { f, record, challengeId } = await challengeable(evidence);
        await f.attackerContract.connect(f.attacker).setMode(mode);
        const before = await f.token.balanceOf(f.challenger.address);
        await expect(
          openChallenge(f.proofs, f.challenger, f.nodeId, ethers.ZeroHash, record, [], evidence, {
            gasLimit: 5_000_000,
          }),
        ).to.be.reverted;
        expect(await f.token.balanceOf(f.challenger.address)).to.equal(before);
        await openChallenge(f.proofs, f.challenger, f.nodeId, ethers.ZeroHash, record, [], "0x", {
          gasLimit: 5_000_000,
        });
        expect((await f.proofs.getChallenge(challengeId)).status).to.equal(1n); // Pending, for the arbiter
        await f.proofs.connect(f.gov).resolveChallenge(challengeId, true);
        expect((await f.proofs.getChallenge(challengeId)).status).to.equal(2n);
      });
    }
  });
});
