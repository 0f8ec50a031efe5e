/*
Unbounded loops (attack class): nothing loops over other users, so an operation costs the same with 1 or with 200
users around it. Each test measures the same operation with 1 and with 200 (schedules, delegators, payers, nodes)
and asserts the gas is flat (within 1%: calldata differs by a few zero bytes of addresses).

unbounded loops
├── vesting: releasing a schedule when 1 or 200 schedules exist → flat
├── staking: the 2nd and the 201st delegation to one operator; a delegator's claim and a slash of the operator with
│   2 or 201 delegators → flat (the first delegator pays for the operator's first pool writes: a warm-up); on a
│   staking whose slasher is the governor (lockStake then slash), the system's being set once to the proof registry
├── escrow: a voucher from the 2nd and the 201st payer of one node (each from its escrow with the operator, the node
│   share credited in staking) → flat (the first warms the books)
└── nodes: eligibility of an operator's node when it runs 1 or 200 nodes → flat (counts per mode, not a list)
*/
import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";

import { Staking__factory } from "../../typechain-types";
import { opg } from "../../deploy/lib/format";
import {
  DAY,
  deploySystemFixture,
  MODEL,
  Mode,
  now,
  REWARDS_DURATION,
  REWARDS_TOTAL,
  signVoucher,
  System,
  voucherFor,
} from "./fixture";

const USERS = 200;

function expectFlat(one: bigint, many: bigint, what: string) {
  const diff = one > many ? one - many : many - one;
  expect(diff * 100n, `${what}: ${one} with 1, ${many} with ${USERS}`).to.be.lessThanOrEqual(one);
}

async function gasOf(tx: Promise<{ wait(): Promise<{ gasUsed: bigint } | null> }>): Promise<bigint> {
  return (await (await tx).wait())!.gasUsed;
}

/** Funded accounts without ether transfers: hardhat_setBalance, then OPG and approvals. */
async function users(f: System, count: number, tokens: bigint) {
  const out = [];
  for (let i = 0; i < count; i++) {
    const w = ethers.Wallet.createRandom().connect(ethers.provider);
    await ethers.provider.send("hardhat_setBalance", [w.address, "0x56BC75E2D63100000"]);
    await f.token.connect(f.gov).transfer(w.address, tokens);
    out.push(w);
  }
  return out;
}

describe("security: unbounded loops", function () {
  it("vesting: a release costs the same with 1 or 200 schedules", async function () {
    const f = await loadFixture(deploySystemFixture);
    const t = await now();
    const params = (b: string) => ({
      beneficiary: b,
      total: opg(1_000n),
      unlockedAtStart: 0n,
      start: t,
      cliff: t,
      end: t + 100n * DAY,
      shape: 0,
      revocable: false,
    });
    // The beneficiary already holds OPG, so that neither release pays for a first balance.
    await f.token.connect(f.gov).transfer(f.beneficiary.address, 1n);
    await f.vesting.connect(f.gov).createSchedule(params(f.beneficiary.address));
    await time.increase(DAY);
    const one = await gasOf(f.vesting.release(1n));
    const others = (await ethers.getSigners()).slice(12, 20).map((s) => s.address);
    for (let batch = 0; batch < 2; batch++) {
      await f.vesting
        .connect(f.gov)
        .createSchedules(Array.from({ length: USERS / 2 }, (_, i) => params(others[i % others.length])));
    }
    await f.vesting.connect(f.gov).createSchedule(params(f.beneficiary.address));
    const last = (await f.vesting.nextScheduleId()) - 1n;
    expect(last).to.equal(BigInt(USERS + 2));
    await time.increase(DAY);
    // Both are first releases of a schedule by the same beneficiary.
    const many = await gasOf(f.vesting.release(last));
    expectFlat(one, many, "release");
  });

  describe("staking with 2 or 201 delegators", function () {
    async function crowded() {
      const f = await loadFixture(deploySystemFixture);
      // A staking with a rewards stream whose slasher is the governor, so that it can lock and slash directly (the
      // system's slasher is set once, to the proof registry).
      const staking = await new Staking__factory(f.deployer).deploy(
        f.token,
        f.gov.address,
        REWARDS_TOTAL,
        (await now()) + 1n,
        REWARDS_DURATION,
      );
      await f.token.connect(f.gov).transfer(staking, REWARDS_TOTAL);
      await staking.connect(f.gov).setProtocolContracts(f.gov.address, f.gov.address);
      await f.token.connect(f.operator).approve(staking, ethers.MaxUint256);
      await staking.connect(f.operator).stake(opg(60_000n));
      const slash = async () => {
        await staking.connect(f.gov).lockStake(f.operator.address, opg(1n));
        return gasOf(staking.connect(f.gov).slash(f.operator.address, opg(1n), f.challenger.address));
      };
      // One delegator warms the operator's pool and the global books; the measured ones come after it.
      const crowd = await users(f, USERS + 1, opg(20n));
      await f.token.connect(crowd[USERS]).approve(staking, ethers.MaxUint256);
      await staking.connect(crowd[USERS]).delegate(f.operator.address, opg(10n), 0n);
      await slash();
      await time.increase(DAY);
      await staking.connect(crowd[USERS]).claimRewards(f.operator.address);
      const first = crowd[0];
      await f.token.connect(first).approve(staking, ethers.MaxUint256);
      const delegateOne = await gasOf(staking.connect(first).delegate(f.operator.address, opg(10n), 0n));
      await time.increase(DAY);
      const claimOne = await gasOf(staking.connect(first).claimRewards(f.operator.address));
      const slashOne = await slash();
      for (const u of crowd.slice(1, USERS - 1)) {
        await f.token.connect(u).approve(staking, ethers.MaxUint256);
        await staking.connect(u).delegate(f.operator.address, opg(10n), 0n);
      }
      const last = crowd[USERS - 1];
      await f.token.connect(last).approve(staking, ethers.MaxUint256);
      const delegateMany = await gasOf(staking.connect(last).delegate(f.operator.address, opg(10n), 0n));
      await time.increase(DAY);
      const claimMany = await gasOf(staking.connect(last).claimRewards(f.operator.address));
      const slashMany = await slash();
      const [, , rewards] = await staking.getDelegation(f.operator.address, crowd[100].address);
      return { delegateOne, delegateMany, claimOne, claimMany, slashOne, slashMany, rewards };
    }

    it("delegating, claiming and slashing stay flat", async function () {
      const g = await crowded();
      expectFlat(g.delegateOne, g.delegateMany, "delegate");
      expectFlat(g.claimOne, g.claimMany, "claimRewards");
      expectFlat(g.slashOne, g.slashMany, "slash");
      // The delegators in the middle were not touched by any of it, yet their rewards accrue.
      expect(g.rewards).to.be.greaterThan(0n);
    });
  });

  it("escrow: the 201st payer's voucher costs what the 2nd one's does", async function () {
    const f = await loadFixture(deploySystemFixture);
    const crowd = await users(f, USERS, opg(10n));
    // The fixture's payer warms the node's fees, the owner's royalties and the protocol's pending fees first.
    await f.escrow.connect(f.payer).fundEscrow(f.operator.address, opg(10n));
    // Twice, in two blocks: the second releases the first's fee stream, so that the operator's books are warm too.
    for (const amount of [opg(1n), opg(2n)]) {
      const warm = await voucherFor(f, amount);
      await f.escrow.connect(f.operator).redeem(warm, await signVoucher(f.payer, warm, f.escrow));
    }
    const pay = async (u: (typeof crowd)[number]) => {
      await f.token.connect(u).approve(f.escrow, ethers.MaxUint256);
      await f.escrow.connect(u).depositToEscrow(u.address, f.operator.address, opg(10n));
      const v = await voucherFor(f, opg(1n), { payer: u.address });
      return f.escrow.connect(f.operator).redeem.estimateGas(v, await signVoucher(u, v, f.escrow));
    };
    const one = await pay(crowd[0]);
    for (const u of crowd.slice(1, USERS - 1)) {
      await f.token.connect(u).approve(f.escrow, ethers.MaxUint256);
      await f.escrow.connect(u).depositToEscrow(u.address, f.operator.address, opg(10n));
      const v = await voucherFor(f, opg(1n), { payer: u.address });
      await f.escrow.connect(f.operator).redeem(v, await signVoucher(u, v, f.escrow));
    }
    const many = await pay(crowd[USERS - 1]);
    expectFlat(one, many, "redeem");
    // Every payment's node share was credited in staking as it was made.
    expect(await f.staking.feesDistributed()).to.be.greaterThan(0n);
  });

  it("nodes: eligibility costs the same for an operator of 1 or 200 nodes", async function () {
    const f = await loadFixture(deploySystemFixture);
    const op: HardhatEthersSigner = f.delegator;
    await f.token.connect(f.gov).transfer(op.address, opg(10_000n) * BigInt(USERS));
    await f.staking.connect(op).stake(opg(10_000n) * BigInt(USERS));
    const params = {
      metadataURI: "https://n.example",
      modes: 1,
      teeMeasurement: ethers.ZeroHash,
      capacity: 1n,
      prices: [1n, 0n, 0n] as [bigint, bigint, bigint],
    };
    const first = await f.nodes.nextNodeId();
    await f.nodes.connect(op).registerNode(params, [MODEL]);
    const one = await f.nodes.eligibilityOf.estimateGas(first, MODEL, Mode.None);
    for (let i = 1; i < USERS; i++) await f.nodes.connect(op).registerNode(params, [MODEL]);
    expect((await f.nodes.nodeCountsOf(op.address))[0]).to.equal(BigInt(USERS));
    const many = await f.nodes.eligibilityOf.estimateGas(first, MODEL, Mode.None);
    expectFlat(one, many, "eligibilityOf");
    expect(await f.nodes.isEligible(first, MODEL, Mode.None)).to.equal(true);
  });
});
