/**
 * The routes' parameters as zod schemas, checked by Hono's validator (@hono/zod-validator) before a handler runs: a
 * handler reads what they give (`c.req.valid("param")`, `c.req.valid("query")`), parsed and typed. A bad parameter
 * answers 400 with {error: "<reason naming it>"} (BadRequest, answered by the app's onError); a parameter a route does
 * not take too (a typo such as `limt` would otherwise be ignored in silence).
 */
import { zValidator } from "@hono/zod-validator";
import type { ValidationTargets } from "hono";
import { isAddress, parseEther } from "viem";
import { z } from "zod";

import { MODES } from "../../../scripts/lib/modes";

/** Bad input: answered 400 with the message as the reason (the app's onError). */
export class BadRequest extends Error {}

export { MODES };

export const isoOf = (seconds: bigint) => new Date(Number(seconds) * 1000).toISOString();

const fail = (ctx: z.RefinementCtx, message: string) => {
  ctx.addIssue({ code: z.ZodIssueCode.custom, message });
  return z.NEVER;
};

/** A 0x address in any case, as the lower-case form the tables store. */
export const address = z.string().transform((text, ctx) => {
  if (!isAddress(text, { strict: false }))
    return fail(ctx, `not an address: "${text}" (expected 0x and 40 hex digits)`);
  return text.toLowerCase() as `0x${string}`;
});

export const MAX_TIME = 2n ** 40n - 1n;

/** Whether "YYYY-MM-DD" is a day of the calendar (Date.parse takes 2026-02-30 for March 2). */
export function realDay(day: string): boolean {
  const [y, m, d] = day.split("-").map(Number);
  const date = new Date(Date.UTC(y, m - 1, d));
  return date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/** Unix seconds or an ISO date, or the reason it is not one. */
function timeOf(text: string): bigint | string {
  let seconds: bigint;
  if (/^\d{1,13}$/.test(text)) seconds = BigInt(text);
  else if (
    /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text) &&
    realDay(text.slice(0, 10)) &&
    !Number.isNaN(Date.parse(text))
  )
    seconds = BigInt(Math.floor(Date.parse(text) / 1000));
  else return `not a time: "${text}" (expected unix seconds or an ISO date such as 2027-04-21T00:00:00Z)`;
  if (seconds > MAX_TIME) return `time out of range: ${text}`;
  return seconds;
}

/** An optional time (unix seconds or an ISO date): undefined when absent or empty. */
export const time = (name: string) =>
  z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined || text === "") return undefined;
      const seconds = timeOf(text);
      return typeof seconds === "bigint" ? seconds : fail(ctx, `bad ${name}: ${seconds}`);
    });

export const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** An optional day bound: "YYYY-MM-DD", unix seconds or an ISO time (its UTC day). */
export const day = (name: string) =>
  z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined || text === "") return undefined;
      if (DAY.test(text))
        return realDay(text) ? text : fail(ctx, `bad ${name}: "${text}" is not a day of the calendar`);
      const seconds = timeOf(text);
      return typeof seconds === "bigint" ? isoOf(seconds).slice(0, 10) : fail(ctx, `bad ${name}: ${seconds}`);
    });

/** The text of a page size, checked against `max` by `limitOf` (the maximum may depend on another parameter). */
export const limitText = z.string().optional();

/** A page size between 1 and `max`; `fallback` when absent; or the reason it is not one. */
function pageSize(text: string | undefined, fallback: number, max: number): number | string {
  if (text === undefined) return fallback;
  if (!/^\d{1,6}$/.test(text) || Number(text) < 1 || Number(text) > max)
    return `bad limit: "${text}" (expected 1 to ${max})`;
  return Number(text);
}

/** A page size between 1 and `max`, checked by the handler (when the maximum depends on a header too). */
export function limitOf(text: string | undefined, fallback: number, max: number): number {
  const size = pageSize(text, fallback, max);
  if (typeof size === "string") throw new BadRequest(size);
  return size;
}

/** A page size between 1 and `max`; `fallback` when absent. */
export const limit = (fallback: number, max: number) =>
  limitText.transform((text, ctx) => {
    const size = pageSize(text, fallback, max);
    return typeof size === "string" ? fail(ctx, size) : size;
  });

/** A bytes32 (0x and 64 hex digits), lower-cased; required (absent reads as ""). */
export const bytes32 = (name: string) =>
  z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined || !/^0x[0-9a-fA-F]{64}$/.test(text))
        return fail(ctx, `bad ${name}: "${text ?? ""}" (expected a bytes32: 0x and 64 hex digits)`);
      return text.toLowerCase() as `0x${string}`;
    });

/** A whole number below 2^256. */
export const uint = (name: string) =>
  z.string().transform((text, ctx) => {
    if (!/^\d{1,78}$/.test(text) || BigInt(text) >= 2n ** 256n)
      return fail(ctx, `bad ${name}: "${text}" (expected a whole number)`);
    return BigInt(text);
  });

/** One of a list of names; `fallback` when absent (or required: absent reads as ""). */
export const oneOf = <const T extends readonly [string, ...string[]]>(name: string, names: T, fallback?: T[number]) =>
  z
    .string()
    .optional()
    .transform((text, ctx) => {
      const value = text ?? fallback ?? "";
      if (!names.includes(value)) return fail(ctx, `bad ${name}: "${value}" (expected one of ${names.join(", ")})`);
      return value as T[number];
    });

/** `?format=json|csv`; undefined when absent (then the Accept header decides: responseFormat). */
export const format = z
  .string()
  .optional()
  .transform((text, ctx) => {
    if (text !== undefined && text !== "json" && text !== "csv")
      return fail(ctx, `bad format: "${text}" (expected json or csv)`);
    return text as "json" | "csv" | undefined;
  });

/** `format` when given, else `Accept: text/csv`, else JSON. */
export const responseFormat = (given: "json" | "csv" | undefined, accept: string | undefined) =>
  given ?? (/\btext\/csv\b/.test(accept ?? "") ? "csv" : "json");

/** A mode by name, as its number in the Solidity enum. */
export const mode = oneOf("mode", MODES).transform((name) => MODES.indexOf(name));

/** An optional amount of OPG (up to 18 decimals), in wei; 0 when absent. */
export const opgAmount = (name: string) =>
  z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined) return 0n;
      if (!/^\d{1,12}(\.\d{1,18})?$/.test(text))
        return fail(ctx, `bad ${name}: "${text}" (expected an amount of OPG such as 25000 or 0.5)`);
      return parseEther(text);
    });

/** A `from` after its `to` is refused; `what` shows the bounds (seconds, or days). */
export function inOrder<T extends bigint | string>(ctx: z.RefinementCtx, from: T | undefined, to: T | undefined) {
  if (from === undefined || to === undefined || from <= to) return true;
  fail(
    ctx,
    typeof from === "bigint"
      ? `bad range: from (${from}) is after to (${to})`
      : `bad range: from ${from} is after to ${to}`,
  );
  return false;
}

/** The query parameters a route takes; any other is refused by name. */
export const query = <S extends z.ZodRawShape>(shape: S) => {
  const names = Object.keys(shape);
  return z.object(shape).strict(unknownParameters(names));
};

const UNKNOWN = "\u0000unknown:";
/** Marks the unrecognized_keys issue; the hook below names the keys and what the route takes. */
const unknownParameters = (names: string[]) => UNKNOWN + names.join(", ");

/** The first issue as the reason: a parameter the route does not take first, else the first bad one. */
function reasonOf(error: z.ZodError): string {
  const unknown = error.issues.find((issue) => issue.code === z.ZodIssueCode.unrecognized_keys);
  if (unknown && unknown.code === z.ZodIssueCode.unrecognized_keys) {
    const takes = unknown.message.startsWith(UNKNOWN) ? unknown.message.slice(UNKNOWN.length) : "";
    const keys = unknown.keys;
    return `unknown parameter${keys.length > 1 ? "s" : ""}: ${keys.join(", ")} (this route takes ${takes || "none"})`;
  }
  const first = error.issues[0];
  const name = first?.path.join(".");
  return first
    ? first.code === z.ZodIssueCode.custom || !name
      ? first.message
      : `bad ${name}: ${first.message}`
    : "bad request";
}

/** A parameter given twice reads as its first value (as `c.req.query(name)` does). */
const firstValues = (value: unknown) =>
  value && typeof value === "object" && !Array.isArray(value)
    ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]))
    : value;

/** Hono's validator with a zod schema: the parsed value in `c.req.valid(target)`, else 400 with the reason. */
export const valid = <T extends z.ZodTypeAny, Target extends keyof ValidationTargets>(target: Target, schema: T) =>
  zValidator(
    target,
    schema,
    (result) => {
      if (!result.success) throw new BadRequest(reasonOf(result.error as z.ZodError));
    },
    {
      validationFunction: (s, value) =>
        (s as z.ZodTypeAny).safeParseAsync(target === "query" ? firstValues(value) : value) as never,
    },
  );

/** No query parameters at all. */
export const none = valid("query", query({}));
