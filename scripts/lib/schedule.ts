/**
 * A vesting schedule's terms from a row: the contract's getSchedule() result, an indexer row or a JSON answer
 * (numbers, bigints or decimal strings alike), for the curve in deploy/lib/vesting.ts.
 */
import { ScheduleTerms, Shape } from "../../deploy/lib/vesting";

export { MONTH } from "./units";
export { Shape } from "../../deploy/lib/vesting";
export type { ScheduleTerms } from "../../deploy/lib/vesting";

type Whole = bigint | number | string;

/** The fields of a schedule that fix its curve, as any reader gives them. */
export interface ScheduleRow {
  total: Whole;
  unlockedAtStart: Whole;
  start: Whole;
  cliff: Whole;
  end: Whole;
  /** The enum's number, or its name ("linear", "monthly"). */
  shape: Whole;
  revoked?: boolean;
  refunded?: Whole;
}

/** "linear" or "monthly". */
export function shapeName(shape: Shape | number | bigint): "linear" | "monthly" {
  return Number(shape) === Shape.Monthly ? "monthly" : "linear";
}

function shapeOf(shape: Whole): Shape {
  if (typeof shape === "string" && !/^\d+$/.test(shape)) {
    const name = shape.toLowerCase();
    if (name === "linear") return Shape.Linear;
    if (name === "monthly") return Shape.Monthly;
    throw new Error(`unknown vesting shape "${shape}" (expected linear or monthly)`);
  }
  const n = Number(shape);
  if (n !== Shape.Linear && n !== Shape.Monthly) throw new Error(`unknown vesting shape ${shape}`);
  return n;
}

/** The terms of a schedule row; a revoked schedule's refund caps what it vests. */
export function termsOf(row: ScheduleRow): ScheduleTerms {
  return {
    total: BigInt(row.total),
    unlockedAtStart: BigInt(row.unlockedAtStart),
    start: BigInt(row.start),
    cliff: BigInt(row.cliff),
    end: BigInt(row.end),
    shape: shapeOf(row.shape),
    refunded: row.revoked && row.refunded !== undefined ? BigInt(row.refunded) : undefined,
  };
}
