/**
 * The options every command takes, and the checks of each kind of value. Every check names the argument
 * it failed on and what it got, so that a wrong command line says what to fix, and nothing is sent.
 */
import { ZeroAddress, getAddress, isHexString } from "ethers";

import { parseOpg } from "../lib/opg";
import { UsageError } from "./errors";
import { MODES, maskOf, modeOf } from "../lib/modes";
import { PPM } from "../lib/units";

export type OptionType = "string" | "boolean";

export interface OptionSpec {
  type: OptionType;
  /** The placeholder in usage lines: "<uri>". */
  value?: string;
  required?: boolean;
  description: string;
  short?: string;
}

/** The options every command takes. */
export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  network: { type: "string", value: "<name>", description: "localhost (default), baseSepolia or testnet" },
  rpc: { type: "string", value: "<url>", description: "JSON-RPC URL; overrides --network (env OPG_RPC_URL)" },
  deployments: {
    type: "string",
    value: "<dir>",
    description: "where <chainId>.json is (default deploy/deployments; env OPG_DEPLOYMENTS_DIR)",
  },
  keystore: {
    type: "string",
    value: "<file>",
    description: "sign with an encrypted JSON wallet (password: env OPG_KEYSTORE_PASSWORD, or asked)",
  },
  account: {
    type: "string",
    value: "<n>",
    description: "on a local chain (31337): sign with the n-th account of Hardhat's test mnemonic",
  },
  yes: { type: "boolean", short: "y", description: "do not ask for confirmation" },
  json: { type: "boolean", description: "print the result as JSON on stdout" },
  help: { type: "boolean", short: "h", description: "show help" },
};

/*//////////////////////////////////////////////////////////////////////////
                                 VALUE CHECKS
//////////////////////////////////////////////////////////////////////////*/

/** An address, checksummed; a mixed-case address with a wrong checksum is refused. */
export function parseAddress(name: string, text: string, { allowZero = false } = {}): string {
  let address: string;
  try {
    address = getAddress(text);
  } catch {
    const hint = /^0x[0-9a-fA-F]{40}$/.test(text) ? " (its mixed-case checksum is wrong)" : "";
    throw new UsageError(`${name}: expected an address (0x and 40 hex digits), got "${text}"${hint}`);
  }
  if (!allowZero && address === ZeroAddress) throw new UsageError(`${name}: the zero address is not allowed`);
  return address;
}

/** An OPG amount greater than zero, in OPG with up to 18 decimals ("1500.5"), as wei. */
export function parseAmount(name: string, text: string): bigint {
  let wei: bigint;
  try {
    wei = parseOpg(text);
  } catch {
    throw new UsageError(`${name}: expected an amount of OPG such as 1500.5 (at most 18 decimals), got "${text}"`);
  }
  if (wei === 0n) throw new UsageError(`${name}: expected an amount of OPG greater than 0, got "${text}"`);
  return wei;
}

/** A price in OPG, zero allowed, that fits the contract's uint80. */
export function parsePrice(name: string, text: string): bigint {
  let wei: bigint;
  try {
    wei = parseOpg(text);
  } catch {
    throw new UsageError(`${name}: expected a price in OPG such as 0.25 (at most 18 decimals), got "${text}"`);
  }
  if (wei >= 2n ** 80n) throw new UsageError(`${name}: at most 1,208,925 OPG (a uint80 of wei), got "${text}"`);
  return wei;
}

/** A whole number from `min` to `max`. */
export function parseWhole(name: string, text: string, { min = 1n, max = 2n ** 256n - 1n } = {}): bigint {
  if (!/^\d+$/.test(text)) {
    const what = min > 0n ? "a positive whole number" : "a whole number";
    throw new UsageError(`${name}: expected ${what}, got "${text}"`);
  }
  const value = BigInt(text);
  if (value < min) throw new UsageError(`${name}: expected at least ${min}, got "${text}"`);
  if (value > max) throw new UsageError(`${name}: expected at most ${max}, got "${text}"`);
  return value;
}

/** A 0x-prefixed 32-byte hex value (a model id, an enclave measurement). */
export function parseBytes32(name: string, text: string, { allowZero = false } = {}): string {
  if (!isHexString(text, 32)) throw new UsageError(`${name}: expected 0x and 64 hex digits (32 bytes), got "${text}"`);
  if (!allowZero && /^0x0{64}$/.test(text)) throw new UsageError(`${name}: must not be zero`);
  return text.toLowerCase();
}

/** A comma-separated list of 32-byte ids, each once. */
export function parseBytes32List(name: string, text: string): string[] {
  const items = text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 0) throw new UsageError(`${name}: expected one or more comma-separated ids, got "${text}"`);
  const ids = items.map((item) => parseBytes32(name, item));
  const dup = ids.find((id, i) => ids.indexOf(id) !== i);
  if (dup) throw new UsageError(`${name}: ${dup} is listed twice`);
  return ids;
}

/** Verification modes "none,tee,zk" as the contract's mask `sum of 1 << mode`. */
export function parseModes(name: string, text: string): number {
  const items = text
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  if (items.length === 0) throw new UsageError(`${name}: expected some of ${MODES.join(", ")}, got "${text}"`);
  const modes = items.map((item) => {
    const mode = (MODES as readonly string[]).indexOf(item);
    if (mode < 0)
      throw new UsageError(`${name}: unknown mode "${item}" (expected ${MODES.join(", ")}, comma-separated)`);
    return mode;
  });
  return maskOf(modes);
}

/** A percentage with up to 4 decimals ("2.5") as parts per million (25000), at most 100%. */
export function parsePercent(name: string, text: string): bigint {
  const match = /^(\d+)(?:\.(\d{1,4}))?%?$/.exec(text.trim());
  if (!match) throw new UsageError(`${name}: expected a percentage such as 2.5 (at most 4 decimals), got "${text}"`);
  const ppm = BigInt(match[1]) * 10_000n + BigInt((match[2] ?? "").padEnd(4, "0"));
  if (ppm > PPM) throw new UsageError(`${name}: at most 100, got "${text}"`);
  return ppm;
}

/** One verification mode: none, tee or zk (or its number, 0 to 2, as the contracts count them). */
export function parseMode(name: string, text: string): number {
  const mode = modeOf(text);
  if (mode === undefined) throw new UsageError(`${name}: unknown mode "${text}" (expected one of ${MODES.join(", ")})`);
  return mode;
}

const DURATION_UNITS: Record<string, bigint> = {
  s: 1n,
  m: 60n,
  min: 60n,
  h: 3_600n,
  d: 86_400n,
  w: 604_800n,
};

/** A duration such as 7d, 12h, 90m, 30s, 2w, or 1d12h, in seconds; undefined when the text is not one. */
export function durationSeconds(text: string): bigint | undefined {
  const clean = text.trim().toLowerCase();
  if (!/^(\d+(min|[smhdw]))+$/.test(clean)) return undefined;
  let seconds = 0n;
  for (const [, n, unit] of clean.matchAll(/(\d+)(min|[smhdw])/g)) seconds += BigInt(n) * DURATION_UNITS[unit];
  return seconds;
}

/** When something ends: a duration from the chain's now ("7d") or a date ("2026-06-01", "2026-06-01T12:00Z"). */
export type Deadline = { after: bigint } | { at: bigint };

/** A duration greater than zero or an ISO date (UTC unless it names a zone); checked against the chain later. */
export function parseDeadline(name: string, text: string): Deadline {
  const seconds = durationSeconds(text);
  if (seconds !== undefined) {
    if (seconds === 0n) throw new UsageError(`${name}: the duration must be longer than 0, got "${text}"`);
    return { after: seconds };
  }
  const at = isoDateSeconds(text);
  if (at === undefined)
    throw new UsageError(
      `${name}: expected a duration such as 7d, 12h, 30m, 2w (or 1d12h), or an ISO date such as 2026-06-01 or ` +
        `2026-06-01T12:00Z, got "${text}"`,
    );
  return { at };
}

/** An ISO date ("2026-06-01", "2026-06-01T12:00Z"; UTC unless it names a zone) as unix seconds; undefined if not one. */
function isoDateSeconds(text: string): bigint | undefined {
  const date = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)(Z|[+-]\d{2}:?\d{2})?)?$/i.exec(
    text.trim(),
  );
  const ms = date ? Date.parse(`${date[1]}T${date[2] ?? "00:00"}${date[3] ?? "Z"}`) : NaN;
  return Number.isNaN(ms) ? undefined : BigInt(Math.floor(ms / 1000));
}

/** A point in time: unix seconds, or an ISO date (UTC unless it names a zone), as unix seconds. */
export function parseTime(name: string, text: string): bigint {
  if (/^\d{1,12}$/.test(text.trim())) return BigInt(text.trim());
  const at = isoDateSeconds(text);
  if (at === undefined)
    throw new UsageError(
      `${name}: expected unix seconds or an ISO date such as 2027-04-21 or 2027-04-21T12:00Z, got "${text}"`,
    );
  return at;
}

/** An http(s) URL, without a trailing slash. */
export function parseUrl(name: string, text: string): string {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`${name}: expected an http(s) URL such as http://127.0.0.1:42069, got "${text}"`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new UsageError(`${name}: expected an http(s) URL such as http://127.0.0.1:42069, got "${text}"`);
  return text.replace(/\/+$/, "");
}
