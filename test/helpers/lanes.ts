/**
 * The two lanes of the test suite: `npm test` runs every file with the full property-test counts; `npm run test:fast`
 * (OPG_TEST_LANE=fast) runs the in-process unit, property and security files with counts in proportion, enough to
 * exercise every generator and branch while the Foundry campaigns (`npm run test:invariants`) carry the long searches.
 */

/** True in `npm run test:fast`. */
export const FAST_LANE = process.env.OPG_TEST_LANE === "fast";

/**
 * How many runs a property test makes: `full` in `npm test`, `fast` (a tenth of it by default, at least one) in the
 * fast lane. An explicit count in OPG_PROPERTY_RUNS overrides both, for a long local search or a quick look.
 */
export function propertyRuns(full: number, fast = Math.max(1, Math.round(full / 10))): number {
  const forced = process.env.OPG_PROPERTY_RUNS;
  if (forced !== undefined) {
    const n = Number(forced);
    if (!Number.isInteger(n) || n < 1) throw new Error(`OPG_PROPERTY_RUNS=${forced} is not a positive whole number`);
    return n;
  }
  return FAST_LANE ? fast : full;
}
