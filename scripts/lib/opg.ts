/**
 * OPG amounts for people: "1,234,567.5 OPG" from wei and back, and parts per million as percentages. Built on
 * ethers' formatUnits/parseUnits (exact decimal strings of a bigint) and Intl.NumberFormat (grouping and
 * truncation of a decimal string, exactly: a string is formatted as a decimal, never through a float).
 * Everything inside the code is bigint wei; these run once, at the edge.
 */
import { formatUnits, parseUnits } from "ethers";

import { OPG_DECIMALS, PPM, WEI_PER_OPG } from "./units";

export { OPG_DECIMALS, PPM } from "./units";

export interface OpgFormat {
  /** At most this many decimals, rounded down (towards zero); trailing zeros are dropped. Default 4. */
  maxFractionDigits?: number;
  /** Append " OPG". Default true. */
  unit?: boolean;
  /** Group thousands with commas. Default true. */
  grouping?: boolean;
}

// Intl's options and string input (ECMA-402 NumberFormat v3, in Node since 19) are newer than the es2022 lib.
type DecimalFormat = { format(value: string): string };
const formats = new Map<string, DecimalFormat>();

function decimalFormat(maxFractionDigits: number, grouping: boolean): DecimalFormat {
  const key = `${maxFractionDigits}/${grouping}`;
  let format = formats.get(key);
  if (!format) {
    // "negative": a negative amount that rounds to zero shows "0", not "-0".
    const options = {
      maximumFractionDigits: maxFractionDigits,
      roundingMode: "trunc",
      useGrouping: grouping,
      signDisplay: "negative",
    };
    format = new Intl.NumberFormat("en-US", options as Intl.NumberFormatOptions) as unknown as DecimalFormat;
    formats.set(key, format);
  }
  return format;
}

/** "1,234,567.5 OPG" from wei; at most `maxFractionDigits` decimals (default 4), trailing zeros dropped, rounded down. */
export function formatOpg(
  wei: bigint,
  { maxFractionDigits = 4, unit = true, grouping = true }: OpgFormat = {},
): string {
  if (!Number.isInteger(maxFractionDigits) || maxFractionDigits < 0 || maxFractionDigits > OPG_DECIMALS)
    throw new RangeError(
      `maxFractionDigits: expected a whole number from 0 to ${OPG_DECIMALS}, got ${maxFractionDigits}`,
    );
  const text = decimalFormat(maxFractionDigits, grouping).format(formatUnits(wei, OPG_DECIMALS));
  return unit ? `${text} OPG` : text;
}

/** "1234.5": every digit, no grouping, no unit (CSV columns, JSON). */
export function bareOpg(wei: bigint): string {
  return formatOpg(wei, { maxFractionDigits: OPG_DECIMALS, unit: false, grouping: false });
}

/** Wei from an OPG amount written by a person: "1500.5", "1,000,000", "2 OPG", "0.000000000000000001". */
export function parseOpg(text: string): bigint {
  const clean = text
    .trim()
    .replace(/,/g, "")
    .replace(/\s*OPG$/i, "");
  if (!/^\d+(\.\d{1,18})?$/.test(clean))
    throw new Error(`not an OPG amount: "${text}" (expected digits with at most 18 decimals, e.g. 1500.5)`);
  return parseUnits(clean, OPG_DECIMALS);
}

/** Whole OPG as wei, for amounts written in OPG in code: opg(25_000). */
export function opg(tokens: bigint | number): bigint {
  return BigInt(tokens) * WEI_PER_OPG;
}

/** Parts per million as a percentage with every digit: 25000 -> "2.5%", 1 -> "0.0001%". */
export function formatPpm(ppm: bigint | number): string {
  return `${formatUnits(BigInt(ppm), 4).replace(/\.0$/, "")}%`;
}

/** A share in ppm of an amount, rounded down as the contracts do: ppmOf(1000, 25_000) = 25. */
export function ppmOf(amount: bigint, ppm: bigint | number): bigint {
  return (amount * BigInt(ppm)) / PPM;
}

/** "2027-04-21 06:00 UTC" from unix seconds. */
export function formatTime(seconds: bigint | number): string {
  return new Date(Number(seconds) * 1000)
    .toISOString()
    .replace("T", " ")
    .replace(/:\d\d\.\d{3}Z$/, " UTC");
}
