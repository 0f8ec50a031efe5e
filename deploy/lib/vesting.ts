/**
 * The vesting curve in TypeScript: the twin of contracts/libraries/VestingMath.sol, held equal to the
 * contract's own view by property tests (test/vesting/VestingMath.property.test.ts). The deploy checks, the
 * CLI and the indexer all compute unlocks with this one function.
 */

/** One month: 1/12 of a year of 365.25 days, as in VestingMath.MONTH. */
export const MONTH = 2_629_800n;

/** The shape of the vesting between cliff and end, numbered as the Solidity enum `Vesting.Shape`. */
export enum Shape {
  Linear = 0,
  Monthly = 1,
}

/** The terms that fix a schedule's curve; times are unix seconds, amounts wei. */
export interface ScheduleTerms {
  total: bigint;
  unlockedAtStart: bigint;
  start: bigint;
  cliff: bigint;
  end: bigint;
  shape: Shape;
  /** The unvested amount returned at revocation; a revoked schedule vests at most `total - refunded`. */
  refunded?: bigint;
}

/** The amount vested at `time`: 0 before start, the unlock at start until the cliff, then the rest to the end. */
export function vestedAt(terms: ScheduleTerms, time: bigint): bigint {
  const vested = curve(terms, time);
  const cap = terms.total - (terms.refunded ?? 0n);
  return vested > cap ? cap : vested;
}

function curve({ total, unlockedAtStart, start, cliff, end, shape }: ScheduleTerms, time: bigint): bigint {
  if (time < start) return 0n;
  if (time >= end) return total;
  if (time < cliff) return unlockedAtStart;
  let elapsed = time - cliff;
  if (shape === Shape.Monthly) elapsed -= elapsed % MONTH;
  return unlockedAtStart + ((total - unlockedAtStart) * elapsed) / (end - cliff);
}

/**
 * The times at which the vested amount changes in a way a person would call "an unlock", after `from`:
 * the start (if it unlocks anything), the cliff, each month for a monthly schedule, and the end.
 * A linear schedule vests every second between cliff and end; its listed points are cliff and end.
 */
export function unlockPoints(terms: ScheduleTerms, from: bigint, limit = 12): bigint[] {
  const points: bigint[] = [];
  const push = (t: bigint) => {
    if (t > from && points.length < limit && points[points.length - 1] !== t) points.push(t);
  };
  if (terms.unlockedAtStart > 0n) push(terms.start);
  if (terms.shape === Shape.Monthly) {
    for (let t = terms.cliff + MONTH; t < terms.end && points.length < limit; t += MONTH) push(t);
  } else if (terms.cliff > terms.start) push(terms.cliff);
  push(terms.end);
  return points;
}
