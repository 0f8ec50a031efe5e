/**
 * Proof records: `proofs commit` (a node's operator commits the Merkle root of a batch of records, or one record,
 * and keeps each record's proof in a file) and `proofs verify` (a record's inclusion, checked off chain against the
 * root and on chain against the commitment, and whether the commitment is final).
 */
import * as path from "node:path";
import { AbiCoder, ZeroAddress, ZeroHash, isHexString, keccak256 } from "ethers";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";

import { formatOpg, formatTime } from "../../lib/opg";
import { parseBytes32, parseWhole } from "../args";
import { requireContracts } from "../connect";
import { Run, eventsIn } from "../context";
import { CliError, UsageError } from "../errors";
import {
  ProofRecord,
  RECORD_TYPES,
  checkWritable,
  parseRecord,
  readJson,
  readRecords,
  recordValues,
  writeJson,
} from "../files";
import { eligibilityWords, formatDuration } from "../format";
import { modeName } from "../../lib/modes";

const UINT64_MAX = 2n ** 64n - 1n;
/** Eligibility values that say a node does not declare the model or mode at all (not a passing state). */
const NOT_DECLARED = [5n, 6n]; // ModeNotOffered, ModelNotServed

/** Where proofs go by default: records.json -> records.proofs.json, beside it. */
function defaultProofsFile(recordsFile: string): string {
  const base = recordsFile.replace(/\.json$/i, "");
  return `${base}.proofs.json`;
}

/** The standard tree's leaf of a record: keccak256(keccak256(abi.encode(values))), as ProofRegistry.leafOf. */
export function leafOf(record: ProofRecord): string {
  return keccak256(keccak256(AbiCoder.defaultAbiCoder().encode(RECORD_TYPES, recordValues(record))));
}

/*//////////////////////////////////////////////////////////////////////////
                                    COMMIT
//////////////////////////////////////////////////////////////////////////*/

export async function proofsCommit(run: Run): Promise<void> {
  const file = run.args[0];
  const nodeId = parseWhole("--node", run.option("node")!, { min: 1n, max: UINT64_MAX });
  const single = run.flag("single");
  const uri = run.option("uri");
  if (uri !== undefined && uri.trim() === "") throw new UsageError("--uri: must not be empty");
  if (single && uri !== undefined) throw new UsageError("--uri: a single record (--single) is committed without a URI");
  const records = readRecords(file, run.env);
  if (single && records.length !== 1)
    throw new UsageError(`--single: ${file} has ${records.length} records; --single commits exactly one`);
  if (single && records[0].inferenceId.startsWith("0xff"))
    throw new UsageError(`${file}: record 1: inferenceId starts with 0xff, which is reserved for on-chain requests`);
  const outFile = run.option("out") ?? defaultProofsFile(file);
  checkWritable("--out", outFile, run.env);
  const values = records.map(recordValues);
  const tree = StandardMerkleTree.of(values, RECORD_TYPES);
  const root = tree.root;

  const chain = await run.chain();
  await requireContracts(chain, ["ProofRegistry"]);
  const me = await run.signer();
  const { proofs, nodes } = chain.read;

  const [[operator, serving], commitment, stored] = await Promise.all([
    nodes.nodeOperatorOf(nodeId),
    proofs.getCommitment(nodeId, root),
    proofs.getRecord(nodeId, records[0].inferenceId),
  ]);
  if (operator === ZeroAddress) throw new CliError(`there is no node ${nodeId}`);
  if (operator !== me.address) throw new CliError(`node ${nodeId} is operated by ${operator}, not by ${me.address}`);
  if (!serving)
    throw new CliError(
      `node ${nodeId} may not work now (deregistered, jailed, or its operator's stake does not cover it): ` +
        "it cannot commit proof records",
    );
  if (!single && commitment.committedAt !== 0n)
    throw new CliError(`node ${nodeId} already committed the root ${root}, at ${formatTime(commitment.committedAt)}`);
  if (single && stored.challengeableUntil !== 0n)
    throw new CliError(`node ${nodeId} already committed inference ${records[0].inferenceId} as a single record`);
  await warnAboutRecords(run, nodeId, records);
  // The chain's own check, before anything is written or sent.
  if (single) await me.write.proofs.commitRecord.staticCall(nodeId, records[0]);
  else await me.write.proofs.commitBatch.staticCall(nodeId, root, records.length, uri ?? "");

  // The proofs are written before the transaction, so that a committed root never lacks them.
  const written = writeJson(
    outFile,
    {
      root,
      chainId: chain.chainId,
      proofRegistry: String(proofs.target),
      nodeId,
      uri: uri ?? "",
      single,
      count: records.length,
      leafEncoding: RECORD_TYPES,
      records: records.map((record, i) => ({ record, leaf: tree.leafHash(values[i]), proof: tree.getProof(i) })),
    },
    run.env,
  );
  const what = single ? `commit record of node ${nodeId}` : `commit ${records.length} record(s) of node ${nodeId}`;
  const receipt = await run.send(
    what,
    single
      ? me.write.proofs.commitRecord(nodeId, records[0])
      : me.write.proofs.commitBatch(nodeId, root, records.length, uri ?? ""),
  );
  const event = single
    ? eventsIn(receipt, proofs, "RecordCommitted")[0]
    : eventsIn(receipt, proofs, "BatchCommitted")[0];
  const committedRoot: string = single ? (event?.args.leaf ?? root) : (event?.args.root ?? root);
  const [block, closesAt, coverage] = await Promise.all([
    chain.provider.getBlock(receipt.blockNumber),
    single
      ? proofs.getRecord(nodeId, records[0].inferenceId).then((r) => r.challengeableUntil)
      : proofs.getCommitment(nodeId, root).then((c) => c.challengeableUntil),
    proofs.coverageOf(nodeId),
  ]);
  const committedAt = BigInt(block!.timestamp);
  run.out.info(
    single
      ? `committed record ${records[0].inferenceId} of node ${nodeId} (leaf ${committedRoot})`
      : `committed root ${committedRoot}: ${records.length} record(s) of node ${nodeId}`,
  );
  run.out.rows([
    ["proofs", written],
    ["challenge window", `closes at ${formatTime(closesAt)} (in ${formatDuration(closesAt - committedAt)})`],
    // The node's stake was checked in full by this commit or one within the hour; the next check is then.
    ["stake checked until", formatTime(coverage.until)],
  ]);
  run.out.result({
    action: "proofs commit",
    nodeId,
    root: committedRoot,
    count: records.length,
    single,
    uri: uri ?? "",
    proofsFile: written,
    challengeWindowClosesAt: closesAt,
    tx: receipt.hash,
    block: receipt.blockNumber,
  });
}

/** Warns when the node does not declare a record's model or proof type: a challenger would point at it. */
async function warnAboutRecords(run: Run, nodeId: bigint, records: ProofRecord[]): Promise<void> {
  const chain = await run.chain();
  const pairs = [...new Set(records.map((r) => `${r.modelId}|${r.proofType}`))].slice(0, 20);
  const answers = await Promise.all(
    pairs.map((pair) => {
      const [model, mode] = pair.split("|");
      return chain.read.nodes.eligibilityOf(nodeId, model, Number(mode));
    }),
  );
  pairs.forEach((pair, i) => {
    if (!NOT_DECLARED.includes(answers[i])) return;
    const [model, mode] = pair.split("|");
    run.out.warn(
      `records say node ${nodeId} ran model ${model} with ${modeName(Number(mode))}, ` +
        `but for the node that is: ${eligibilityWords(answers[i])}`,
    );
  });
}

/*//////////////////////////////////////////////////////////////////////////
                                    VERIFY
//////////////////////////////////////////////////////////////////////////*/

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A record file: the record itself, or an entry of a proofs file ({record, leaf, proof}). */
export function readRecordFile(file: string, env: NodeJS.ProcessEnv): ProofRecord {
  const json = readJson(file, file, env);
  if (isObject(json) && isObject(json.record)) return parseRecord(`${file}: record`, json.record);
  return parseRecord(file, json);
}

function proofList(where: string, value: unknown): string[] {
  if (!Array.isArray(value)) throw new UsageError(`${where}: the proof is not an array of 32-byte hex values`);
  return value.map((item, i) => {
    if (typeof item !== "string" || !isHexString(item, 32))
      throw new UsageError(`${where}: proof item ${i + 1} is not a 32-byte hex value (got ${JSON.stringify(item)})`);
    return item.toLowerCase();
  });
}

interface ProofSource {
  proof: string[];
  root?: string;
  /** The committing node, as a proofs file names it. */
  nodeId?: bigint;
  /** Where the proof came from, in words. */
  note?: string;
  chainId?: string;
  proofRegistry?: string;
}

/**
 * The proof of `record` from a proof file: a proofs file written by `proofs commit` (its root, and the proof of
 * the entry with the record's leaf, or else with its inference id), an object {root?, proof}, or a bare array.
 */
export function readProofFile(file: string, record: ProofRecord, leaf: string, env: NodeJS.ProcessEnv): ProofSource {
  const json = readJson(file, file, env);
  if (Array.isArray(json)) return { proof: proofList(file, json) };
  if (!isObject(json)) throw new UsageError(`${file}: expected a proofs file, an object {root, proof}, or an array`);
  let root: string | undefined;
  if (json.root !== undefined) {
    if (typeof json.root !== "string" || !isHexString(json.root, 32))
      throw new UsageError(`${file}: root is not a 32-byte hex value (got ${JSON.stringify(json.root)})`);
    root = json.root.toLowerCase();
  }
  let nodeId: bigint | undefined;
  if (json.nodeId !== undefined) {
    if (typeof json.nodeId !== "string" || !/^\d+$/.test(json.nodeId) || BigInt(json.nodeId) === 0n)
      throw new UsageError(`${file}: nodeId is not a node id as a decimal string (got ${JSON.stringify(json.nodeId)})`);
    nodeId = BigInt(json.nodeId);
  }
  const meta = {
    nodeId,
    chainId: typeof json.chainId === "string" ? json.chainId : undefined,
    proofRegistry: typeof json.proofRegistry === "string" ? json.proofRegistry : undefined,
  };
  if (Array.isArray(json.records)) {
    const entries = json.records.filter(isObject);
    const byLeaf = entries.find((e) => typeof e.leaf === "string" && e.leaf.toLowerCase() === leaf);
    if (byLeaf) return { proof: proofList(`${file}: the record's entry`, byLeaf.proof), root, ...meta };
    const byId = entries.find(
      (e) => isObject(e.record) && String(e.record.inferenceId).toLowerCase() === record.inferenceId,
    );
    if (byId)
      return {
        proof: proofList(`${file}: the entry of inference ${record.inferenceId}`, byId.proof),
        root,
        note: "the file's record with this inference id differs from the record given",
        ...meta,
      };
    return { proof: [], root, note: `${file} has no entry for inference ${record.inferenceId}`, ...meta };
  }
  if (json.proof !== undefined) return { proof: proofList(file, json.proof), root, ...meta };
  throw new UsageError(`${file}: expected a proofs file (with records), an object {root, proof}, or an array`);
}

export async function proofsVerify(run: Run): Promise<void> {
  const [recordFile, proofFile] = run.args;
  const rootGiven = run.option("root") === undefined ? undefined : parseBytes32("--root", run.option("root")!);
  const nodeGiven =
    run.option("node") === undefined ? undefined : parseWhole("--node", run.option("node")!, { max: UINT64_MAX });
  const record = readRecordFile(recordFile, run.env);
  const leaf = leafOf(record);
  const source = readProofFile(proofFile, record, leaf, run.env);
  const root = rootGiven ?? source.root;
  if (root === undefined) throw new UsageError(`--root: required, as ${proofFile} names no root`);
  const nodeId = nodeGiven ?? source.nodeId;
  if (nodeId === undefined)
    throw new UsageError(`--node: required, as ${proofFile} names no node (records are kept under their node)`);
  const offChain = StandardMerkleTree.verify(root, RECORD_TYPES, recordValues(record), source.proof);

  const chain = await run.chain();
  await requireContracts(chain, ["ProofRegistry"]);
  const { proofs } = chain.read;
  if (source.chainId !== undefined && source.chainId !== chain.chainId.toString())
    run.out.warn(`${proofFile} was written for chain ${source.chainId}, this is ${chain.label}`);
  else if (
    source.proofRegistry !== undefined &&
    source.proofRegistry.toLowerCase() !== String(proofs.target).toLowerCase()
  )
    run.out.warn(`${proofFile} was written for the ProofRegistry at ${source.proofRegistry}, not ${proofs.target}`);
  const [commitment, stored, now] = await Promise.all([
    proofs.getCommitment(nodeId, root),
    proofs.getRecord(nodeId, record.inferenceId),
    chain.now(),
  ]);
  // A batch with the root; else the single record committed under the record's inference id, if any.
  const batch = commitment.committedAt !== 0n;
  const single = !batch && stored.challengeableUntil !== 0n;
  const committed = batch || single;
  const [onChain, final] = batch
    ? await Promise.all([proofs.isIncluded(nodeId, root, record, source.proof), proofs.isFinal(nodeId, root)])
    : single
      ? await Promise.all([proofs.isRecordCommitted(nodeId, record), proofs.isRecordFinal(nodeId, record.inferenceId)])
      : [false, false];
  const closesAt = batch ? commitment.challengeableUntil : single ? stored.challengeableUntil : undefined;
  // The record's disputes, by its key (node, root, leaf; the root zero for a single record).
  const recordKey = await proofs.recordKeyOf(nodeId, single ? ZeroHash : root, leaf);
  const dispute = await proofs.getDispute(recordKey);
  const pending =
    dispute.pendingChallengeId === ZeroHash ? undefined : await proofs.getChallenge(dispute.pendingChallengeId);

  run.out.result({
    record,
    leaf,
    root,
    proof: source.proof,
    includedOffChain: offChain,
    includedOnChain: onChain,
    nodeId,
    committed: batch ? "batch" : single ? "single" : false,
    commitment: batch
      ? { committedAt: commitment.committedAt, recordCount: commitment.recordCount }
      : single
        ? { leafPrefix: stored.leafPrefix }
        : undefined,
    final,
    challengeWindowClosesAt: closesAt,
    recordKey,
    settled: dispute.settled,
    pendingChallenge: pending
      ? {
          id: dispute.pendingChallengeId,
          challenger: pending.challenger,
          lockedStake: pending.lockedStake,
          decideBy: pending.decideBy,
        }
      : null,
  });

  const what = batch
    ? `node ${nodeId} committed the root at ${formatTime(commitment.committedAt)}, ` +
      `a batch of ${commitment.recordCount} record(s)`
    : single
      ? `node ${nodeId} committed inference ${record.inferenceId} as a single record` +
        (onChain ? "" : ", with other contents")
      : `node ${nodeId} committed no such root on this chain`;
  const rows: [string, string][] = [
    [
      "off chain",
      `${offChain ? "included" : "not included"} (a proof of ${source.proof.length} hash(es))` +
        (source.note ? `; ${source.note}` : ""),
    ],
    ["on chain", `${onChain ? "included" : "not included"}: ${what}`],
  ];
  if (committed)
    rows.push([
      "final",
      final
        ? `yes: the challenge window closed at ${formatTime(closesAt!)}`
        : `not yet: the challenge window closes at ${formatTime(closesAt!)} (in ${formatDuration(closesAt! - now)})`,
    ]);
  if (dispute.settled) rows.push(["disputes", "settled: a verifier decided, or a challenge was upheld"]);
  if (pending)
    rows.push([
      "challenge",
      `pending ${dispute.pendingChallengeId}: ${formatOpg(pending.lockedStake)} of the operator's stake locked, ` +
        `the arbiter decides by ${formatTime(pending.decideBy)}`,
    ]);
  run.out.info(`record ${record.inferenceId} (leaf ${leaf})`);
  run.out.info(`root ${root}`);
  run.out.rows(rows);
  if (!offChain || !onChain)
    throw new CliError(
      !committed && offChain
        ? `the record is in the tree of root ${root}, but that root is not committed on ${chain.label}`
        : `the record is not included in root ${root}`,
    );
}

/** The proofs file a commit writes by default, for the help text. */
export const DEFAULT_PROOFS_FILE = `${path.basename(defaultProofsFile("records.json"))} beside <records.json>`;
