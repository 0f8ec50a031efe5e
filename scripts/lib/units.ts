/**
 * The protocol's units, written once: OPG has 18 decimals, shares and cuts count in parts per million, and a
 * month is 1/12 of a year of 365.25 days (VestingMath.MONTH in the contracts).
 */

/** OPG's decimals (ERC-20 `decimals()`). */
export const OPG_DECIMALS = 18;

/** One OPG in wei. */
export const WEI_PER_OPG = 10n ** BigInt(OPG_DECIMALS);

/** Parts per million: the contracts' unit of shares, cuts and royalties (1_000_000 is 100%). */
export const PPM = 1_000_000n;

/** One month: 1/12 of a year of 365.25 days, as in VestingMath.MONTH (defined beside the vesting curve). */
export { MONTH } from "../../deploy/lib/vesting";

/** One day in seconds. */
export const DAY = 86_400n;
