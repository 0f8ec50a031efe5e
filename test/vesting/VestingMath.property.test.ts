import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import fc from "fast-check";

import { MONTH, ScheduleTerms, Shape, vestedAt } from "../../deploy/lib/vesting";
import { propertyRuns } from "../helpers/lanes";

const SUPPLY = 10n ** 27n;
const YEAR = 31_557_600n;
const NOW = BigInt(Date.UTC(2026, 3, 21) / 1000);

/** Random schedules: any amounts up to the supply, any start within ten years, cliffs and ends after it. */
const terms = fc
  .record({
    total: fc.bigInt({ min: 1n, max: SUPPLY }),
    unlockShare: fc.bigInt({ min: 0n, max: 1_000_000n }),
    start: fc.bigInt({ min: NOW, max: NOW + 10n * YEAR }),
    cliffDelay: fc.oneof(fc.constant(0n), fc.bigInt({ min: 0n, max: 4n * YEAR })),
    months: fc.bigInt({ min: 0n, max: 120n }),
    extra: fc.bigInt({ min: 0n, max: 1000n }),
    shape: fc.constantFrom(Shape.Linear, Shape.Monthly),
  })
  .map(({ total, unlockShare, start, cliffDelay, months, extra, shape }): ScheduleTerms => {
    const cliff = start + cliffDelay;
    // Monthly schedules vest whole months; linear ones any number of seconds.
    const end = cliff + months * MONTH + (shape === Shape.Linear ? extra : 0n);
    return { total, unlockedAtStart: (total * unlockShare) / 1_000_000n, start, cliff, end, shape };
  });

/** Times that hit the edges: around start, cliff, end and month boundaries, and anywhere else. */
const timeFor = (t: ScheduleTerms) =>
  fc
    .oneof(
      fc.constantFrom(
        t.start - 1n,
        t.start,
        t.cliff - 1n,
        t.cliff,
        t.cliff + MONTH - 1n,
        t.cliff + MONTH,
        t.end - 1n,
        t.end,
        t.end + 1n,
      ),
      fc.bigInt({ min: t.start > YEAR ? t.start - YEAR : 0n, max: t.end + YEAR }),
    )
    .filter((x) => x >= 0n && x < 2n ** 40n);

describe("VestingMath (property-based)", () => {
  describe("the closed form (TypeScript)", () => {
    it("is monotone in time", () => {
      fc.assert(
        fc.property(
          terms.chain((t) => fc.tuple(fc.constant(t), timeFor(t), timeFor(t))),
          ([t, a, b]) => {
            const [lo, hi] = a <= b ? [a, b] : [b, a];
            expect(vestedAt(t, lo) <= vestedAt(t, hi)).to.equal(true);
          },
        ),
        { numRuns: propertyRuns(3000, 300) },
      );
    });

    it("never exceeds the total, is 0 before the start and the total from the end", () => {
      fc.assert(
        fc.property(
          terms.chain((t) => fc.tuple(fc.constant(t), timeFor(t))),
          ([t, at]) => {
            const v = vestedAt(t, at);
            expect(v >= 0n && v <= t.total).to.equal(true);
            if (at < t.start) expect(v).to.equal(0n);
            if (at >= t.end) expect(v).to.equal(t.total);
            if (at >= t.start && at < t.cliff) expect(v).to.equal(t.unlockedAtStart);
          },
        ),
        { numRuns: propertyRuns(3000, 300) },
      );
    });

    it("steps only at whole months for a monthly schedule", () => {
      const monthly = terms.filter((t) => t.shape === Shape.Monthly && t.end - t.cliff >= 2n * MONTH);
      fc.assert(
        fc.property(
          monthly.chain((t) =>
            fc.tuple(
              fc.constant(t),
              fc.bigInt({ min: 0n, max: (t.end - t.cliff) / MONTH - 1n }),
              fc.bigInt({ min: 0n, max: MONTH - 1n }),
            ),
          ),
          ([t, month, offset]) => {
            const stepStart = t.cliff + month * MONTH;
            expect(vestedAt(t, stepStart + offset)).to.equal(vestedAt(t, stepStart));
          },
        ),
        { numRuns: propertyRuns(1000, 100) },
      );
    });
  });

  describe("the contract", () => {
    async function harnessFixture() {
      const harness = await ethers.deployContract("VestingMathHarness");
      return { harness };
    }

    it("VestingMath.vestedAt equals the closed form for random schedules and times", async () => {
      const { harness } = await loadFixture(harnessFixture);
      await fc.assert(
        fc.asyncProperty(
          terms.chain((t) => fc.tuple(fc.constant(t), fc.array(timeFor(t), { minLength: 1, maxLength: 6 }))),
          async ([t, times]) => {
            for (const at of times) {
              const onChain = await harness.vestedAt(t.total, t.unlockedAtStart, t.start, t.cliff, t.end, t.shape, at);
              expect(onChain).to.equal(vestedAt(t, at));
            }
          },
        ),
        { numRuns: propertyRuns(150, 30) },
      );
    });

    async function vaultFixture() {
      const [admin, beneficiary, treasury] = await ethers.getSigners();
      const token = await ethers.deployContract("OPG", [admin.address]);
      const vault = await ethers.deployContract("VestingVault", [
        await token.getAddress(),
        admin.address,
        treasury.address,
      ]);
      await token.approve(await vault.getAddress(), ethers.MaxUint256);
      return { token, vault, beneficiary, treasury };
    }

    /** Schedules that start 1,000 s after NOW; each run moves them after the chain's own time (see `later`). */
    const futureTerms = terms.map((t) => {
      const shift = NOW + 1000n - t.start;
      return { ...t, start: t.start + shift, cliff: t.cliff + shift, end: t.end + shift };
    });

    /** How far to move a run's times so that they start after the chain's latest block (other files move time). */
    async function later(): Promise<bigint> {
      const latest = BigInt(await time.latest());
      return latest + 1000n > NOW + 1000n ? latest - NOW : 0n;
    }
    const moved = (t: ScheduleTerms, by: bigint): ScheduleTerms => ({
      ...t,
      start: t.start + by,
      cliff: t.cliff + by,
      end: t.end + by,
    });

    // Releases at any sequence of times paying exactly what has vested, and the total by the end, are held by the
    // Foundry campaign (test/foundry/suites/TokenVesting.invariants.t.sol: released <= vested <= total, every release
    // pays exactly the releasable amount, vested(end) == total) over random sequences of every vault action; the
    // curve it checks against is tied to this TypeScript one by the property above.

    it("vestedAt of a revoked schedule is the curve capped at what had vested at revocation", async () => {
      await fc.assert(
        fc.asyncProperty(
          futureTerms
            .filter((t) => t.end > t.start + 1n)
            .chain((t) =>
              fc.tuple(
                fc.constant(t),
                fc.bigInt({ min: t.start, max: t.end - 1n }),
                fc.array(timeFor(t), { minLength: 1, maxLength: 5 }),
              ),
            ),
          async ([generated, generatedRevokeAt, generatedTimes]) => {
            const { vault, beneficiary, token, treasury } = await loadFixture(vaultFixture);
            const by = await later();
            const t = moved(generated, by);
            const revokeAt = generatedRevokeAt + by;
            const times = generatedTimes.map((x) => x + by);
            await vault.createSchedule({ beneficiary: beneficiary.address, ...t, revocable: true });
            const id = (await vault.nextScheduleId()) - 1n;
            const vestedThen = vestedAt(t, revokeAt);
            await time.setNextBlockTimestamp(revokeAt);
            if (vestedThen === t.total) {
              await expect(vault.revoke(id))
                .to.be.revertedWithCustomError(vault, "VestingNothingToRevoke")
                .withArgs(id);
              return;
            }
            await vault.revoke(id);
            expect(await token.balanceOf(treasury.address)).to.equal(t.total - vestedThen);
            const revoked = { ...t, refunded: t.total - vestedThen };
            for (const at of times) {
              const expected = vestedAt(t, at) < vestedThen ? vestedAt(t, at) : vestedThen;
              expect(vestedAt(revoked, at)).to.equal(expected);
              expect(await vault.vestedAt(id, at)).to.equal(expected);
            }
          },
        ),
        { numRuns: propertyRuns(25, 5) },
      );
    });
  });
});
