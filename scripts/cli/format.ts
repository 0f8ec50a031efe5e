/**
 * The CLI's own words for values: durations, eligibility, shares. OPG amounts, percentages and dates are formatted
 * by scripts/lib/opg.ts, mode names come from scripts/lib/modes.ts, once, at the edge.
 */
import { formatOpg, formatTime } from "../lib/opg";

/** `Nodes.Eligibility` in words, indexed by the enum. */
export const ELIGIBILITY = [
  "eligible",
  "not registered",
  "deregistered",
  "jailed",
  "stale (no heartbeat within the liveness window)",
  "mode not offered",
  "model not served",
  "enclave measurement not approved",
  "insufficient stake",
  "insufficient own stake (below the minimum per node)",
] as const;

export function eligibilityWords(value: number | bigint): string {
  return ELIGIBILITY[Number(value)] ?? `unknown eligibility ${value}`;
}

/** "13 days 23 h", "5 h 3 min", "12 min", "40 s": at most two units, rounded down. */
export function formatDuration(seconds: bigint): string {
  const s = seconds < 0n ? 0n : seconds;
  const days = s / 86_400n;
  const hours = (s % 86_400n) / 3_600n;
  const minutes = (s % 3_600n) / 60n;
  if (days > 0n) return `${days} ${days === 1n ? "day" : "days"}${hours > 0n ? ` ${hours} h` : ""}`;
  if (hours > 0n) return `${hours} h${minutes > 0n ? ` ${minutes} min` : ""}`;
  if (minutes > 0n) return `${minutes} min`;
  return `${s} s`;
}

/** "withdrawable in 13 days 23 h (2026-05-05 10:00 UTC)" or "withdrawable now", against the chain's time. */
export function withdrawableWords(thawingUntil: bigint, now: bigint): string {
  if (thawingUntil <= now) return "withdrawable now";
  return `withdrawable in ${formatDuration(thawingUntil - now)} (${formatTime(thawingUntil)})`;
}

/** Delegation shares, which count in the same 18 decimals as OPG: "500 shares". */
export function formatShares(shares: bigint): string {
  return `${formatOpg(shares, { unit: false })} shares`;
}

/** JSON with bigints as decimal strings, for --json. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v) => (typeof v === "bigint" ? v.toString() : v), 2);
}
