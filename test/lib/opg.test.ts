/**
 * scripts/lib/opg.ts: OPG amounts and percentages, formatted through formatUnits and Intl.NumberFormat.
 *
 * formatOpg
 * ├── matches a plain bigint model (digits, grouping, truncation, sign) for any wei and any precision
 * ├── drops trailing zeros and never shows "-0"
 * └── refuses a precision outside 0..18
 * parseOpg
 * ├── reads back every digit formatOpg writes at full precision (round trip)
 * └── refuses what is not an amount
 * formatPpm: matches the bigint model; ppmOf rounds down
 */
import { expect } from "chai";
import fc from "fast-check";

import { bareOpg, formatOpg, formatPpm, formatTime, opg, parseOpg, ppmOf } from "../../scripts/lib/opg";
import { MONTH, PPM } from "../../scripts/lib/units";

const RUNS = { numRuns: 500 };

/** The model: digits cut by string slicing, grouped by a regular expression. */
function model(wei: bigint, digits: number, unit: boolean, grouping: boolean): string {
  const negative = wei < 0n;
  const abs = negative ? -wei : wei;
  const whole = (abs / 10n ** 18n).toString();
  const fraction = (abs % 10n ** 18n).toString().padStart(18, "0").slice(0, digits).replace(/0+$/, "");
  const grouped = grouping ? whole.replace(/\B(?=(\d{3})+(?!\d))/g, ",") : whole;
  const zero = whole === "0" && fraction === "";
  const text = `${negative && !zero ? "-" : ""}${grouped}${fraction ? "." + fraction : ""}`;
  return unit ? `${text} OPG` : text;
}

/** Wei from tiny to far beyond the supply, negative too: lengths spread so that every digit count is drawn. */
const wei = fc.oneof(
  fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n }),
  fc.bigInt({ min: 0n, max: 10n ** 20n }),
  fc.integer({ min: 0, max: 40 }).chain((n) => fc.bigInt({ min: 0n, max: 10n ** BigInt(n) })),
);

describe("lib/opg: OPG amounts", () => {
  it("formatOpg matches the bigint model for any amount, precision, unit and grouping", () => {
    fc.assert(
      fc.property(wei, fc.integer({ min: 0, max: 18 }), fc.boolean(), fc.boolean(), (w, digits, unit, grouping) => {
        expect(formatOpg(w, { maxFractionDigits: digits, unit, grouping })).to.equal(model(w, digits, unit, grouping));
      }),
      RUNS,
    );
  });

  it("formats the usual cases", () => {
    expect(formatOpg(opg(1_234_567) + 5n * 10n ** 17n)).to.equal("1,234,567.5 OPG");
    expect(formatOpg(opg(25_000))).to.equal("25,000 OPG");
    expect(formatOpg(1n)).to.equal("0 OPG"); // rounded down to 4 decimals
    expect(formatOpg(-1n)).to.equal("0 OPG"); // never "-0"
    expect(formatOpg(-opg(5))).to.equal("-5 OPG");
    expect(formatOpg(parseOpg("0.123456789"))).to.equal("0.1234 OPG");
    expect(formatOpg(parseOpg("0.99999"), { maxFractionDigits: 2 })).to.equal("0.99 OPG"); // not 1
    expect(formatOpg(opg(10n ** 9n), { unit: false })).to.equal("1,000,000,000");
    expect(bareOpg(opg(1234) + 5n)).to.equal("1234.000000000000000005");
    expect(bareOpg(-opg(1))).to.equal("-1");
  });

  it("formatOpg refuses a precision outside 0..18", () => {
    expect(() => formatOpg(1n, { maxFractionDigits: 19 })).to.throw(RangeError, /maxFractionDigits/);
    expect(() => formatOpg(1n, { maxFractionDigits: -1 })).to.throw(RangeError);
    expect(() => formatOpg(1n, { maxFractionDigits: 1.5 })).to.throw(RangeError);
  });

  it("parseOpg reads back every digit formatOpg writes at full precision", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 40n }), fc.boolean(), fc.boolean(), (w, unit, grouping) => {
        expect(parseOpg(formatOpg(w, { maxFractionDigits: 18, unit, grouping }))).to.equal(w);
      }),
      RUNS,
    );
  });

  it("parseOpg reads a person's amounts and refuses the rest", () => {
    expect(parseOpg("1500.5")).to.equal(opg(1500) + 5n * 10n ** 17n);
    expect(parseOpg(" 1,000,000 OPG ")).to.equal(opg(1_000_000));
    expect(parseOpg("0.000000000000000001")).to.equal(1n);
    for (const bad of ["", "abc", "1.5.0", "-1", "1e18", ".5", "1.", "0.0000000000000000001", "0x10"])
      expect(() => parseOpg(bad), bad).to.throw(/not an OPG amount/);
  });
});

describe("lib/opg: parts per million", () => {
  it("formatPpm matches the bigint model", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n * PPM }), (ppm) => {
        const whole = ppm / 10_000n;
        const fraction = (ppm % 10_000n).toString().padStart(4, "0").replace(/0+$/, "");
        expect(formatPpm(ppm)).to.equal(`${whole}${fraction ? "." + fraction : ""}%`);
      }),
      RUNS,
    );
    expect(formatPpm(25_000)).to.equal("2.5%");
    expect(formatPpm(PPM)).to.equal("100%");
    expect(formatPpm(0)).to.equal("0%");
    expect(formatPpm(1)).to.equal("0.0001%");
  });

  it("ppmOf rounds down as the contracts do", () => {
    expect(ppmOf(1_000n, 25_000n)).to.equal(25n);
    expect(ppmOf(39n, 25_000n)).to.equal(0n);
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 10n ** 30n }), fc.bigInt({ min: 0n, max: PPM }), (amount, ppm) => {
        const share = ppmOf(amount, ppm);
        expect(share * PPM <= amount * ppm).to.equal(true);
        expect((share + 1n) * PPM > amount * ppm).to.equal(true);
      }),
      RUNS,
    );
  });

  it("formatTime and MONTH", () => {
    expect(formatTime(0)).to.equal("1970-01-01 00:00 UTC");
    expect(formatTime(1_808_287_200n)).to.equal("2027-04-21 06:00 UTC");
    expect(MONTH * 12n).to.equal(365n * 86_400n + 21_600n); // 365.25 days
  });
});
