/** scripts/lib/modes.ts and schedule.ts: the mode list, masks, and a schedule's terms from any kind of row. */
import { expect } from "chai";
import fc from "fast-check";

import { MODES, Mode, byMode, maskOf, modeName, modeOf, modesOf } from "../../scripts/lib/modes";
import { Shape, shapeName, termsOf } from "../../scripts/lib/schedule";
import { NodeRegistry__factory } from "../../typechain-types";

describe("lib/modes", () => {
  it("is the contract's enum, in order", () => {
    // The ABI names the enum's type only, so the order is held against Mode, which the contract tests use.
    expect(MODES).to.deep.equal(["none", "tee", "zk"]);
    expect([Mode.None, Mode.Tee, Mode.Zk].map(modeName)).to.deep.equal(["none", "tee", "zk"]);
    expect(NodeRegistry__factory.abi.some((f) => "name" in f && f.name === "minimumStake")).to.equal(true);
  });

  it("names and reads modes", () => {
    expect(modeName(7)).to.equal("mode 7");
    expect(modeName(2n)).to.equal("zk");
    expect(modeOf("TEE")).to.equal(1);
    expect(modeOf(" zk ")).to.equal(2);
    expect(modeOf("0")).to.equal(0);
    expect(modeOf("3")).to.equal(undefined);
    expect(modeOf("gpu")).to.equal(undefined);
    expect(byMode([1n, 2n, 3n])).to.deep.equal({ none: 1n, tee: 2n, zk: 3n });
  });

  it("modesOf and maskOf are inverse on every mask", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 7 }), (mask) => {
        expect(maskOf(modesOf(mask))).to.equal(mask);
        expect(modesOf(BigInt(mask))).to.deep.equal(modesOf(mask));
      }),
    );
    expect(modesOf(0b110)).to.deep.equal([Mode.Tee, Mode.Zk]);
  });
});

describe("lib/schedule", () => {
  const row = { total: 100n, unlockedAtStart: 10n, start: 1n, cliff: 2n, end: 3n, shape: 1n };

  it("reads a contract row, an indexer row and JSON alike", () => {
    const expected = { total: 100n, unlockedAtStart: 10n, start: 1n, cliff: 2n, end: 3n, shape: Shape.Monthly };
    expect(termsOf(row)).to.deep.equal({ ...expected, refunded: undefined });
    expect(termsOf({ ...row, total: "100", start: 1, shape: "monthly" })).to.deep.equal({
      ...expected,
      refunded: undefined,
    });
    expect(termsOf({ ...row, shape: 0, revoked: true, refunded: "7" })).to.deep.include({
      shape: Shape.Linear,
      refunded: 7n,
    });
    expect(termsOf({ ...row, revoked: false, refunded: 7n }).refunded).to.equal(undefined);
  });

  it("names shapes and refuses unknown ones", () => {
    expect(shapeName(Shape.Monthly)).to.equal("monthly");
    expect(shapeName(0n)).to.equal("linear");
    expect(() => termsOf({ ...row, shape: 2 })).to.throw(/unknown vesting shape 2/);
    expect(() => termsOf({ ...row, shape: "cliff" })).to.throw(/unknown vesting shape "cliff"/);
  });
});
