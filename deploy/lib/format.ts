/** Formatting of OPG amounts and times, done once at the edge: everything inside is bigint wei and seconds. */

export const OPG_DECIMALS = 18;
const UNIT = 10n ** BigInt(OPG_DECIMALS);

/** "1,234,567.5 OPG" from wei; at most `maxFractionDigits` decimals, trailing zeros dropped, rounded down. */
export function formatOpg(wei: bigint, { maxFractionDigits = 4, unit = true } = {}): string {
  const negative = wei < 0n;
  const abs = negative ? -wei : wei;
  const whole = abs / UNIT;
  const fraction = (abs % UNIT).toString().padStart(OPG_DECIMALS, "0").slice(0, maxFractionDigits).replace(/0+$/, "");
  const grouped = whole.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  const text = `${negative ? "-" : ""}${grouped}${fraction ? "." + fraction : ""}`;
  return unit ? `${text} OPG` : text;
}

/** Wei from an OPG amount written by a person: "1500.5", "1,000,000", "0.000000000000000001". */
export function parseOpg(text: string): bigint {
  const clean = text
    .trim()
    .replace(/,/g, "")
    .replace(/\s*OPG$/i, "");
  const match = /^(\d+)(?:\.(\d{1,18}))?$/.exec(clean);
  if (!match) throw new Error(`not an OPG amount: "${text}" (expected digits with at most 18 decimals, e.g. 1500.5)`);
  return BigInt(match[1]) * UNIT + BigInt((match[2] ?? "").padEnd(OPG_DECIMALS, "0"));
}

/** OPG as a whole-token bigint, for tables written in OPG. */
export function opg(tokens: bigint | number): bigint {
  return BigInt(tokens) * UNIT;
}

/** "2027-04-21 06:00 UTC" from unix seconds. */
export function formatTime(seconds: bigint | number): string {
  return new Date(Number(seconds) * 1000)
    .toISOString()
    .replace("T", " ")
    .replace(/:\d\d\.\d{3}Z$/, " UTC");
}
