/**
 * The JSON files the CLI reads and writes: signed vouchers ({voucher, signature}, or an array of them) and proof
 * records. Every field is checked, and a wrong one is named with its file and its place in it, as a usage error:
 * "records.json: record 3: inputHash is not a 32-byte hex value". Amounts and ids are decimal strings.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { getAddress, isHexString } from "ethers";

import { userPath } from "./connect";
import { UsageError } from "./errors";
import { toJson } from "./format";
import { MODES } from "../lib/modes";
import type { SignedVoucher, Voucher } from "../lib/voucher";

/** The leaf encoding of a proof record in a standard Merkle tree, as Proofs.Record orders its fields. */
export const RECORD_TYPES = ["bytes32", "bytes32", "bytes32", "bytes32", "uint8", "bytes32"];
export const RECORD_FIELDS = ["inferenceId", "modelId", "inputHash", "outputHash", "proofType", "proofHash"] as const;

const UINT64_MAX = 2n ** 64n - 1n;
const UINT128_MAX = 2n ** 128n - 1n;

/** Reads and parses a JSON file named on the command line; `label` is how messages name it. */
export function readJson(label: string, file: string, env: NodeJS.ProcessEnv = process.env): unknown {
  const full = userPath(file, env);
  let text: string;
  try {
    text = fs.readFileSync(full, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "a directory" : (code ?? "error");
    throw new UsageError(`${label}: cannot read ${full} (${why})`);
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${label}: not valid JSON (${(error as Error).message})`);
  }
}

/** Writes JSON (bigints as decimal strings) to a file named on the command line, atomically; returns its path. */
export function writeJson(file: string, value: unknown, env: NodeJS.ProcessEnv = process.env): string {
  const full = userPath(file, env);
  const tmp = `${full}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, toJson(value) + "\n");
  fs.renameSync(tmp, full);
  return full;
}

/** Checks that a file can be written (its directory exists and is writable) before anything is sent. */
export function checkWritable(name: string, file: string, env: NodeJS.ProcessEnv = process.env): string {
  const full = userPath(file, env);
  const dir = path.dirname(full);
  try {
    if (!fs.statSync(dir).isDirectory()) throw new Error();
    fs.accessSync(dir, fs.constants.W_OK);
  } catch {
    throw new UsageError(`${name}: cannot write ${full} (its directory does not exist or is not writable)`);
  }
  if (fs.existsSync(full) && fs.statSync(full).isDirectory()) throw new UsageError(`${name}: ${full} is a directory`);
  return full;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A whole number in a JSON file: a decimal string, or a number that is a safe integer. */
function wholeField(where: string, field: string, value: unknown, min: bigint, max: bigint, what: string): bigint {
  let n: bigint | undefined;
  if (typeof value === "string" && /^\d+$/.test(value)) n = BigInt(value);
  else if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) n = BigInt(value);
  if (n === undefined || n < min || n > max)
    throw new UsageError(`${where}: ${field} is not ${what} (got ${JSON.stringify(value)})`);
  return n;
}

function bytes32Field(where: string, field: string, value: unknown): string {
  if (typeof value !== "string" || !isHexString(value, 32))
    throw new UsageError(`${where}: ${field} is not a 32-byte hex value (got ${JSON.stringify(value)})`);
  return value.toLowerCase();
}

/** A mode in a file: its name (none, tee, zk) or its number (0 to 2). */
function modeField(where: string, field: string, value: unknown): number {
  const word = typeof value === "string" ? value.trim().toLowerCase() : undefined;
  const mode =
    typeof value === "number"
      ? value
      : word !== undefined && /^\d$/.test(word)
        ? Number(word)
        : (MODES as readonly string[]).indexOf(word ?? "");
  if (!Number.isInteger(mode) || mode < 0 || mode >= MODES.length)
    throw new UsageError(`${where}: ${field} is not one of ${MODES.join(", ")} or 0-2 (got ${JSON.stringify(value)})`);
  return mode;
}

/** Refuses a field that is missing, and a field the object should not have (a misspelt name). */
function checkFields(where: string, value: Record<string, unknown>, fields: readonly string[]): void {
  for (const field of fields) if (value[field] === undefined) throw new UsageError(`${where}: ${field} is missing`);
  const unknown = Object.keys(value).find((key) => !fields.includes(key));
  if (unknown !== undefined)
    throw new UsageError(`${where}: unknown field "${unknown}" (expected ${fields.join(", ")})`);
}

/*//////////////////////////////////////////////////////////////////////////
                                   VOUCHERS
//////////////////////////////////////////////////////////////////////////*/

export type { SignedVoucher, Voucher } from "../lib/voucher";

/** A signed voucher read from a file, with where it came from ("a.json", "batch.json: voucher 2"). */
export interface VoucherEntry extends SignedVoucher {
  where: string;
}

const VOUCHER_FIELDS = ["payer", "nodeId", "modelId", "mode", "cumulativeAmount", "issuedAt", "expiry"] as const;

/** Checks one {voucher, signature} object. */
export function parseSignedVoucher(where: string, value: unknown): SignedVoucher {
  if (!isObject(value)) throw new UsageError(`${where}: expected an object {voucher, signature}`);
  checkFields(where, value, ["voucher", "signature"]);
  const v = value.voucher;
  if (!isObject(v)) throw new UsageError(`${where}: voucher is not an object`);
  checkFields(`${where}: voucher`, v, VOUCHER_FIELDS);
  let payer: string;
  try {
    if (typeof v.payer !== "string") throw new Error();
    payer = getAddress(v.payer);
  } catch {
    throw new UsageError(`${where}: payer is not an address (got ${JSON.stringify(v.payer)})`);
  }
  const voucher: Voucher = {
    payer,
    nodeId: wholeField(where, "nodeId", v.nodeId, 1n, UINT64_MAX, "a node id (a whole number from 1)"),
    modelId: bytes32Field(where, "modelId", v.modelId),
    mode: modeField(where, "mode", v.mode),
    cumulativeAmount: wholeField(
      where,
      "cumulativeAmount",
      v.cumulativeAmount,
      1n,
      UINT128_MAX,
      "an amount in wei (a decimal string from 1 to 2^128 - 1)",
    ),
    issuedAt: wholeField(where, "issuedAt", v.issuedAt, 0n, UINT64_MAX, "a time in unix seconds"),
    expiry: wholeField(where, "expiry", v.expiry, 0n, UINT64_MAX, "a time in unix seconds"),
  };
  const signature = value.signature;
  if (typeof signature !== "string" || !isHexString(signature, true) || signature.length < 4)
    throw new UsageError(`${where}: signature is not 0x and hex bytes (got ${JSON.stringify(signature)})`);
  return { voucher, signature: signature.toLowerCase() };
}

/** The signed vouchers of a file: one {voucher, signature}, or an array of them. */
export function readVoucherFile(file: string, env: NodeJS.ProcessEnv = process.env): VoucherEntry[] {
  const json = readJson(file, file, env);
  if (Array.isArray(json)) {
    if (json.length === 0) throw new UsageError(`${file}: the array has no vouchers`);
    return json.map((item, i) => {
      const where = `${file}: voucher ${i + 1}`;
      return { ...parseSignedVoucher(where, item), where };
    });
  }
  return [{ ...parseSignedVoucher(file, json), where: file }];
}

/** A voucher as JSON: amounts, ids and times as decimal strings, the mode as its number. */
export function voucherJson(v: Voucher): Record<string, string | number> {
  return {
    payer: v.payer,
    nodeId: v.nodeId.toString(),
    modelId: v.modelId,
    mode: v.mode,
    cumulativeAmount: v.cumulativeAmount.toString(),
    issuedAt: v.issuedAt.toString(),
    expiry: v.expiry.toString(),
  };
}

/*//////////////////////////////////////////////////////////////////////////
                                PROOF RECORDS
//////////////////////////////////////////////////////////////////////////*/

/** Proofs.Record, as the contract takes it. */
export interface ProofRecord {
  inferenceId: string;
  modelId: string;
  inputHash: string;
  outputHash: string;
  proofType: number;
  proofHash: string;
}

/** Checks one record: the six fields, each a 32-byte hex value but proofType (none, tee, zk or 0-2). */
export function parseRecord(where: string, value: unknown): ProofRecord {
  if (!isObject(value)) throw new UsageError(`${where}: expected an object with ${RECORD_FIELDS.join(", ")}`);
  checkFields(where, value, RECORD_FIELDS);
  return {
    inferenceId: bytes32Field(where, "inferenceId", value.inferenceId),
    modelId: bytes32Field(where, "modelId", value.modelId),
    inputHash: bytes32Field(where, "inputHash", value.inputHash),
    outputHash: bytes32Field(where, "outputHash", value.outputHash),
    proofType: modeField(where, "proofType", value.proofType),
    proofHash: bytes32Field(where, "proofHash", value.proofHash),
  };
}

/** The records of a batch file: a non-empty array of records, each inference id once. Records count from 1. */
export function readRecords(file: string, env: NodeJS.ProcessEnv = process.env): ProofRecord[] {
  const json = readJson(file, file, env);
  if (!Array.isArray(json)) throw new UsageError(`${file}: expected an array of records`);
  if (json.length === 0) throw new UsageError(`${file}: the array has no records`);
  const records = json.map((item, i) => parseRecord(`${file}: record ${i + 1}`, item));
  const seen = new Map<string, number>();
  records.forEach((r, i) => {
    const first = seen.get(r.inferenceId);
    if (first !== undefined)
      throw new UsageError(`${file}: record ${i + 1}: inferenceId ${r.inferenceId} is also record ${first + 1}'s`);
    seen.set(r.inferenceId, i);
  });
  return records;
}

/** A record's values in the leaf encoding's order, for StandardMerkleTree. */
export function recordValues(r: ProofRecord): [string, string, string, string, number, string] {
  return [r.inferenceId, r.modelId, r.inputHash, r.outputHash, r.proofType, r.proofHash];
}
