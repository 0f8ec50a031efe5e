import { expect } from "chai";
import hre, { ethers } from "hardhat";
import { loadFixture, reset, time } from "@nomicfoundation/hardhat-network-helpers";

import { devnetGenesis } from "../../deploy/config";
import {
  ALLOCATION_TABLE,
  CategoryKey,
  Genesis,
  GenesisError,
  PUBLISHED_CIRCULATING_AT_TGE,
  PUBLISHED_TGE,
  TOTAL_SUPPLY,
  circulatingAt,
  genesisProblems,
  unlockedByCategory,
} from "../../deploy/genesis";
import { opg } from "../../deploy/lib/format";
import { MONTH } from "../../deploy/lib/vesting";
import { deploySystem } from "../../deploy/system";

const M = (millions: number) => opg(millions * 1_000_000);
const ACCOUNTS = Array.from({ length: 10 }, (_, i) => ethers.getAddress("0x" + (i + 1).toString(16).padStart(40, "0")));

/** A fresh copy of the devnet genesis that a test may break. */
function table(): Genesis {
  return structuredClone(devnetGenesis(PUBLISHED_TGE, ACCOUNTS));
}
const category = (g: Genesis, key: CategoryKey) => g.categories.find((c) => c.key === key)!;

/**
 * The published terms, read by hand from contracts/DESIGN.md ("The genesis"): what each category has unlocked `months` after TGE.
 * A 12-month cliff then 36 months vests nothing before month 12 and (months - 12)/36 after.
 */
function published(months: number): Record<CategoryKey, bigint> {
  const linear = (amount: bigint, after: number, over: number) => {
    const elapsed = Math.min(Math.max(months - after, 0), over);
    return (amount * BigInt(elapsed)) / BigInt(over);
  };
  return {
    ecosystem: M(40) + linear(M(360), 0, 60),
    foundation: M(50) + linear(M(100), 0, 48),
    coreContributors: linear(M(150), 12, 36),
    investors: linear(M(100), 12, 36),
    stakingRewards: linear(M(100), 0, 96),
    liquidity: M(60),
    airdrop: M(40),
  };
}

describe("Genesis", () => {
  describe("the allocation table", () => {
    it("adds up to the supply, and the published categories give 190,000,000 OPG at TGE", () => {
      const sum = Object.values(ALLOCATION_TABLE).reduce((a, c) => a + c.amount, 0n);
      expect(sum).to.equal(TOTAL_SUPPLY);
      expect(genesisProblems(table())).to.deep.equal([]);
      expect(circulatingAt(table(), PUBLISHED_TGE)).to.equal(PUBLISHED_CIRCULATING_AT_TGE);
    });

    it("matches the published terms at TGE, +12, +24, +48, +60 and +96 months", () => {
      for (const months of [0, 12, 24, 48, 60, 96]) {
        const unlocked = unlockedByCategory(table(), PUBLISHED_TGE + BigInt(months) * MONTH);
        const expected = published(months);
        // Each schedule rounds down by less than 1 wei: a category of n schedules may be n - 1 wei short.
        for (const key of Object.keys(expected) as CategoryKey[]) {
          const n = BigInt(category(table(), key).grants.length);
          expect(unlocked[key], `${key} at +${months}`)
            .to.be.lte(expected[key])
            .and.gte(expected[key] - n);
        }
      }
    });

    describe("refuses a bad table, naming the row", () => {
      const refusals: [string, (g: Genesis) => void, RegExp][] = [
        [
          "a grant one wei short",
          (g) => (category(g, "investors").grants[0].amount -= 1n),
          /Investors and advisors \(investors\): grants add up to/,
        ],
        [
          "categories that do not add up to the supply",
          (g) => {
            category(g, "airdrop").amount += 1n;
            category(g, "airdrop").grants[0].amount += 1n;
          },
          /total: the categories add up to 1,000,000,000/,
        ],
        [
          "a zero beneficiary",
          (g) => (category(g, "foundation").grants[0].beneficiary = ethers.ZeroAddress),
          /Foundation \(foundation\), grant 1 "foundation": beneficiary "0x0{40}" is not a non-zero address/,
        ],
        [
          "a malformed beneficiary",
          (g) => (category(g, "airdrop").grants[0].beneficiary = "0x1234"),
          /Airdrop \(airdrop\), grant 1 "airdrop": beneficiary "0x1234"/,
        ],
        [
          "an unlock at start above the total",
          (g) => {
            const r = category(g, "ecosystem").release;
            if (r.kind === "vesting") r.unlockAtTge = { numerator: 11n, denominator: 10n };
          },
          /Ecosystem \(ecosystem\): unlock at TGE 11\/10 is not a share between 0 and 1/,
        ],
        [
          "a negative cliff",
          (g) => {
            const r = category(g, "coreContributors").release;
            if (r.kind === "vesting") r.cliffMonths = -1n;
          },
          /Core contributors \(coreContributors\): cliff \(-1 months\)/,
        ],
        [
          "an unlock that is not a whole number of wei",
          (g) => {
            const c = category(g, "foundation");
            c.grants = [
              { ...c.grants[0], amount: c.amount - 1n },
              { beneficiary: ACCOUNTS[0], amount: 1n, label: "dust" },
            ];
          },
          /Foundation \(foundation\), grant 1 "foundation": 1\/3 of/,
        ],
        [
          "a category with no grants",
          (g) => {
            category(g, "airdrop").grants = [];
          },
          /Airdrop \(airdrop\): no grants/,
        ],
        [
          "a missing category",
          (g) => {
            g.categories = g.categories.filter((c) => c.key !== "liquidity");
          },
          /Liquidity and launch \(liquidity\): missing from the table/,
        ],
        [
          "a zero treasury",
          (g) => {
            g.treasury = ethers.ZeroAddress;
          },
          /treasury: "0x0{40}" is not a non-zero address/,
        ],
      ];
      for (const [what, breakIt, message] of refusals) {
        it(`refuses ${what}`, () => {
          const g = table();
          breakIt(g);
          const problems = genesisProblems(g);
          expect(problems.join("\n")).to.match(message);
        });
      }

      it("sends no transaction for a bad table", async () => {
        const g = table();
        category(g, "investors").grants[0].amount -= 1n;
        const before = await ethers.provider.getBlockNumber();
        const nonce = await ethers.provider.getTransactionCount((await ethers.getSigners())[0].address);
        await expect(deploySystem(hre, { genesis: g, timelockMinDelay: 60n })).to.be.rejectedWith(
          GenesisError,
          /investors/,
        );
        expect(await ethers.provider.getBlockNumber()).to.equal(before);
        expect(await ethers.provider.getTransactionCount((await ethers.getSigners())[0].address)).to.equal(nonce);
      });
    });
  });

  describe("deployed with the published TGE", () => {
    // The chain starts at the published TGE (hardhat.config.ts, initialDate). Other files move the shared in-process
    // chain forward, so this group starts its own: a reset returns the chain to its first block and clears every
    // file's fixture snapshots (their next loadFixture deploys afresh), whatever ran before.
    before(async () => {
      await reset();
      expect(BigInt(await time.latest()), "the chain must start at or before the published TGE").to.be.lte(
        PUBLISHED_TGE,
      );
    });

    async function genesisFixture() {
      const signers = await ethers.getSigners();
      const genesis = devnetGenesis(
        PUBLISHED_TGE,
        signers.map((s) => s.address),
      );
      const system = await deploySystem(hre, { genesis, timelockMinDelay: 3600n });
      return { ...system, genesis, signers };
    }

    /** What each category has unlocked at `time`, read from the chain: the vault's views plus the genesis transfers. */
    async function onChainUnlocked(system: Awaited<ReturnType<typeof genesisFixture>>, time: bigint) {
      const result: Partial<Record<CategoryKey, bigint>> = {};
      for (const c of system.genesis.categories) result[c.key] = c.release.kind === "vesting" ? 0n : c.amount;
      for (const s of system.schedules) result[s.category]! += await system.vesting.vestedAt(s.id, time);
      return result as Record<CategoryKey, bigint>;
    }

    it("holds the whole supply where the table says, with no admin role left to the deployer", async () => {
      const system = await loadFixture(genesisFixture);
      const { token, vesting, timelock, signers } = system;
      expect(await token.totalSupply()).to.equal(TOTAL_SUPPLY);
      expect(await token.balanceOf(signers[0].address)).to.equal(0n);
      const vested = system.schedules.reduce((a, s) => a + s.total, 0n);
      expect(await token.balanceOf(await vesting.getAddress())).to.equal(vested);
      expect(await token.balanceOf(await system.staking.getAddress())).to.equal(ALLOCATION_TABLE.stakingRewards.amount);
      expect(await system.staking.REWARDS_START()).to.equal(PUBLISHED_TGE);
      expect(await system.staking.REWARDS_DURATION()).to.equal(96n * MONTH);
      expect(await token.balanceOf(signers[8].address)).to.equal(M(60));
      expect(await token.balanceOf(signers[9].address)).to.equal(M(40));
      for (const role of [
        await vesting.DEFAULT_ADMIN_ROLE(),
        await vesting.SCHEDULE_CREATOR_ROLE(),
        await vesting.REVOKER_ROLE(),
      ]) {
        expect(await vesting.hasRole(role, signers[0].address)).to.equal(false);
        expect(await vesting.hasRole(role, await timelock.getAddress())).to.equal(true);
      }
      expect(await vesting.treasury()).to.equal(await timelock.getAddress());
      const { staking, models, nodes } = system;
      const handedOver: [string, { hasRole(r: string, a: string): Promise<boolean> }, string[]][] = [
        ["Staking", staking, [ethers.ZeroHash, await staking.PAUSER_ROLE()]],
        ["ModelRegistry", models, [ethers.ZeroHash]],
        ["NodeRegistry", nodes, [ethers.ZeroHash, await nodes.JAILER_ROLE()]],
        ["ProofRegistry", system.proofs, [ethers.ZeroHash, await system.proofs.ARBITER_ROLE()]],
        ["PaymentsEscrow", system.escrow, [ethers.ZeroHash]],
      ];
      // The dispute path can slash, and only it: the slasher and the fee source are set once, to the proof registry
      // and the escrow, and no role can change them. The escrow can record the proofs of fulfilled requests.
      expect(await staking.slasher()).to.equal(await system.proofs.getAddress());
      expect(await staking.feeSource()).to.equal(await system.escrow.getAddress());
      await expect(
        staking.connect(signers[0]).setProtocolContracts(signers[0].address, signers[0].address),
      ).to.be.revertedWithCustomError(staking, "AccessControlUnauthorizedAccount");
      expect(
        await system.proofs.hasRole(await system.proofs.RECORDER_ROLE(), await system.escrow.getAddress()),
      ).to.equal(true);
      expect(await system.escrow.feeRecipient()).to.equal(ethers.ZeroAddress);
      for (const [name, contract, roles] of handedOver)
        for (const role of roles) {
          expect(await contract.hasRole(role, signers[0].address), `${name} ${role}`).to.equal(false);
          expect(await contract.hasRole(role, await timelock.getAddress()), `${name} ${role}`).to.equal(true);
        }
      expect(system.circulatingAtTge).to.equal(PUBLISHED_CIRCULATING_AT_TGE);
    });

    it("unlocks each category as published at TGE, +12, +24, +48 and +60 months", async () => {
      const system = await loadFixture(genesisFixture);
      for (const months of [0, 12, 24, 48, 60]) {
        const at = PUBLISHED_TGE + BigInt(months) * MONTH;
        const unlocked = await onChainUnlocked(system, at);
        const model = unlockedByCategory(system.genesis, at);
        const expected = published(months);
        for (const key of [
          "ecosystem",
          "foundation",
          "coreContributors",
          "investors",
          "liquidity",
          "airdrop",
        ] as CategoryKey[]) {
          expect(unlocked[key], `${key} at +${months}: the chain and the TypeScript model`).to.equal(model[key]);
          const n = BigInt(system.schedules.filter((s) => s.category === key).length);
          expect(unlocked[key], `${key} at +${months}: the published terms`)
            .to.be.lte(expected[key])
            .and.gte(expected[key] - n);
        }
      }
    });

    it("pays every beneficiary exactly its vested amount when they release 24 months in", async () => {
      const system = await loadFixture(genesisFixture);
      const at = PUBLISHED_TGE + 24n * MONTH;
      await time.setNextBlockTimestamp(at);
      await hre.network.provider.send("evm_setAutomine", [false]);
      const sent = [];
      for (const s of system.schedules) sent.push(await system.vesting.release(s.id));
      await hre.network.provider.send("evm_mine", []);
      await hre.network.provider.send("evm_setAutomine", [true]);
      for (const tx of sent) expect((await tx.wait())!.status).to.equal(1);
      for (const s of system.schedules) {
        const signer = system.signers.find((x) => x.address === s.beneficiary)!;
        expect(await system.token.balanceOf(signer.address), s.category).to.equal(
          await system.vesting.vestedAt(s.id, at),
        );
      }
    });
  });
});
