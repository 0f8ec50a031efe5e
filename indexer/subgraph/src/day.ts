/**
 * The UTC calendar day of a unix time, for the daily statistics (Ponder's `dayOf`, which uses Date.toISOString): the
 * mapping has no host date functions, so the proleptic Gregorian date comes from the days since 1970-01-01 by H.
 * Hinnant's civil_from_days. No graph-ts import: test/subgraph/subgraph.test.ts compiles this file alone and runs it
 * against JavaScript's Date.
 */

/** The UTC day of `seconds` (a unix time, >= 0) as the number YYYYMMDD. */
export function civilDay(seconds: i64): i32 {
  const days = seconds / 86_400;
  const z = days + 719_468;
  const era = z / 146_097; // z >= 0 for any time since 1970
  const doe = z - era * 146_097; // day of the 400-year era, [0, 146096]
  const yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365; // year of the era, [0, 399]
  const doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // day of the year starting in March, [0, 365]
  const mp = (5 * doy + 2) / 153; // month starting in March, [0, 11]
  const d = doy - (153 * mp + 2) / 5 + 1;
  const m = mp < 10 ? mp + 3 : mp - 9;
  const y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return <i32>(y * 10_000 + m * 100 + d);
}
