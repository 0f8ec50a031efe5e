/**
 * Challenges of proof records: `challenge open` (a record of a node's batch or a single record, with evidence and a
 * bond), `challenge show` (where a challenge stands: its lock and deadline while pending, the outcome and what
 * staking moved once closed) and `challenge expire` (anyone closes a pending challenge the arbiter did not decide by
 * its deadline: the lock is released and the bond goes to the operator).
 */
import { ZeroAddress, ZeroHash, isHexString, keccak256 } from "ethers";

import { formatOpg, formatPpm, formatTime, ppmOf } from "../../lib/opg";
import { parseBytes32, parseWhole } from "../args";
import { Chain, requireContracts } from "../connect";
import { Run, eventsIn } from "../context";
import { CHALLENGE_STATUS, CliError, UsageError } from "../errors";
import { formatDuration } from "../format";
import { queryRange } from "../logs";
import { leafOf, readProofFile, readRecordFile } from "./proofs";

const UINT64_MAX = 2n ** 64n - 1n;

export function challengeStatusName(status: bigint | number): string {
  return CHALLENGE_STATUS[Number(status)] ?? `status ${status}`;
}

/** What a ChallengeResolved says, in words: the outcome, what staking moved, and where the bond went. */
function resolutionWords(r: {
  outcome: bigint;
  slashed: bigint;
  toChallenger: bigint;
  bondRecipient: string;
  bond: bigint;
}) {
  const outcome = challengeStatusName(r.outcome);
  const moved =
    r.slashed > 0n
      ? `slashed ${formatOpg(r.slashed)}, ${formatOpg(r.toChallenger)} of it to the challenger (the rest burned)`
      : "nothing slashed";
  // A failed challenge's bond is burned: its recipient is the zero address.
  const bond = BigInt(r.bondRecipient) === 0n ? "burned" : `to ${r.bondRecipient}`;
  return `${outcome}: ${moved}; bond of ${formatOpg(r.bond)} ${bond}`;
}

/*//////////////////////////////////////////////////////////////////////////
                                     OPEN
//////////////////////////////////////////////////////////////////////////*/

export async function challengeOpen(run: Run): Promise<void> {
  const [recordFile, proofFile] = run.args;
  const evidenceText = run.option("evidence")!;
  if (!isHexString(evidenceText))
    throw new UsageError(`--evidence: expected 0x and hex bytes, got "${evidenceText}"`, run.command);
  const evidence = evidenceText.toLowerCase();
  const nodeGiven =
    run.option("node") === undefined ? undefined : parseWhole("--node", run.option("node")!, { max: UINT64_MAX });
  const rootGiven = run.option("root") === undefined ? undefined : parseBytes32("--root", run.option("root")!);
  const record = readRecordFile(recordFile, run.env);
  const leaf = leafOf(record);
  // With a proof file: a record of a batch; without: the single record the node committed under its inference id.
  const source = proofFile === undefined ? undefined : readProofFile(proofFile, record, leaf, run.env);
  const root = source ? (rootGiven ?? source.root) : ZeroHash;
  if (root === undefined) throw new UsageError(`--root: required, as ${proofFile} names no root`, run.command);
  if (!source && rootGiven !== undefined)
    throw new UsageError("--root: a single record (no proof file) is challenged without a root", run.command);
  const nodeId = nodeGiven ?? source?.nodeId;
  if (nodeId === undefined)
    throw new UsageError(
      proofFile === undefined
        ? "--node: required for a single record (no proof file)"
        : `--node: required, as ${proofFile} names no node (records are kept under their node)`,
      run.command,
    );
  const proof = source?.proof ?? [];

  const chain = await run.chain();
  await requireContracts(chain, ["ProofRegistry"]);
  const me = await run.signer();
  const { proofs, token, staking, nodes } = chain.read;
  const [[operator], bond, balance, allowance, recordKey, verifier, slashPpm, maxSlashPpm, period, now] =
    await Promise.all([
      nodes.nodeOperatorOf(nodeId),
      proofs.challengeBond(),
      token.balanceOf(me.address),
      token.allowance(me.address, proofs.target),
      proofs.recordKeyOf(nodeId, root, leaf),
      proofs.verifierOf(record.proofType),
      proofs.slashPpm(),
      staking.maxSlashPpm(),
      proofs.decisionPeriod(),
      chain.now(),
    ]);
  if (operator === ZeroAddress) throw new CliError(`there is no node ${nodeId}`);
  if (balance < bond)
    throw new CliError(`insufficient balance for the bond: have ${formatOpg(balance)}, need ${formatOpg(bond)}`);
  const dispute = await proofs.getDispute(recordKey);
  if (dispute.settled) throw new CliError(`the record is already settled (record key ${recordKey})`);
  // A verifier decides at once when the evidence is the proof the record committed to; else the arbiter does.
  const verified = verifier !== ZeroAddress && keccak256(evidence) === record.proofHash;
  const slashable = await staking.slashableStakeOf(operator);
  const lock = ppmOf(slashable, slashPpm < maxSlashPpm ? slashPpm : maxSlashPpm);
  // The allowance first, when short: the simulation below needs it.
  if (allowance < bond) {
    await run.confirm(`Approve the proof registry to take the challenge bond of ${formatOpg(bond)}`, [
      ["from", me.address],
      ["spender", `ProofRegistry ${proofs.target}`],
    ]);
    await run.send("approve", me.write.token.approve(proofs.target, bond));
  }
  // A challenge needs the challenger's own commitment to it (the record and the evidence, bound to its address) from
  // an earlier block, so that nobody who sees the challenge in the mempool can copy it first.
  const commitment = await proofs.challengeCommitmentOf(me.address, nodeId, root, record, evidence);
  if ((await proofs.challengeCommittedAt(me.address, commitment)) === 0n) {
    await run.confirm(`Commit to the challenge (its evidence stays private until the challenge itself)`, [
      ["challenger", me.address],
      ["commitment", commitment],
    ]);
    await run.send("commitChallenge", me.write.proofs.commitChallenge(commitment));
  }
  // The chain's own check, before asking: a revert is decoded into words and nothing is sent. In the next block,
  // where the challenge will go.
  await me.write.proofs.challenge.staticCall(nodeId, root, record, proof, evidence, { blockTag: "pending" });

  await run.confirm(`Challenge a record of node ${nodeId} (operator ${operator}) with a bond of ${formatOpg(bond)}`, [
    ["challenger", me.address],
    ["record", `${record.inferenceId} (leaf ${leaf})`],
    ["commitment", root === ZeroHash ? "a single record" : `the batch with root ${root}`],
    [
      "decided by",
      verified
        ? `the proof type's verifier, at once (the evidence is the record's proof)`
        : `the arbiter, within ${formatDuration(period)} (by about ${formatTime(now + period)}); ` +
          `${formatOpg(lock)} of the operator's stake is locked meanwhile`,
    ],
    ["if upheld", `the operator is slashed ${formatPpm(BigInt(slashPpm))} of its stake; your bond comes back`],
    ["if rejected or expired", "your bond is burned"],
  ]);
  const receipt = await run.send("challenge", me.write.proofs.challenge(nodeId, root, record, proof, evidence));
  const opened = eventsIn(receipt, proofs, "RecordChallenged")[0];
  const resolved = eventsIn(receipt, proofs, "ChallengeResolved")[0];
  const challengeId: string = opened?.args.challengeId;
  const lockedStake: bigint = opened?.args.lockedStake ?? 0n;
  const decideBy: bigint = opened?.args.decideBy ?? 0n;
  if (resolved)
    run.out.info(
      `challenge ${challengeId} decided at once by the verifier: ${resolutionWords(resolved.args as never)}`,
    );
  else
    run.out.info(
      `challenge ${challengeId} opened: waiting for the arbiter until ${formatTime(decideBy)}; ` +
        `${formatOpg(lockedStake)} of ${operator}'s stake locked`,
    );
  run.out.result({
    action: "challenge open",
    challengeId,
    nodeId,
    operator,
    root,
    leaf,
    recordKey,
    bond: opened?.args.bond ?? bond,
    lockedStake,
    decideBy,
    outcome: resolved ? challengeStatusName(resolved.args.outcome) : "pending",
    ...(resolved ? { slashed: resolved.args.slashed, toChallenger: resolved.args.toChallenger } : {}),
    tx: receipt.hash,
    block: receipt.blockNumber,
  });
}

/*//////////////////////////////////////////////////////////////////////////
                                  SHOW, EXPIRE
//////////////////////////////////////////////////////////////////////////*/

/** A challenge as stored, with its ChallengeResolved when it is closed. */
async function readChallenge(chain: Chain, challengeId: string) {
  const { proofs } = chain.read;
  const challenge = await proofs.getChallenge(challengeId);
  if (challenge.status === 0n) throw new CliError(`<challengeId>: there is no challenge ${challengeId}`);
  const [operator] = await chain.read.nodes.nodeOperatorOf(challenge.nodeId);
  let resolution;
  if (challenge.status !== 1n) {
    const to = await chain.provider.getBlockNumber();
    const [event] = await queryRange(
      (a, b) => proofs.queryFilter(proofs.filters.ChallengeResolved(challengeId), a, b),
      chain.deployment.startBlock,
      to,
    );
    if (event)
      resolution = {
        outcome: event.args.outcome,
        slashed: event.args.slashed,
        toChallenger: event.args.toChallenger,
        bondRecipient: event.args.bondRecipient,
        bond: event.args.bond,
        block: event.blockNumber,
      };
  }
  return { challenge, operator, resolution };
}

export async function challengeShow(run: Run): Promise<void> {
  const challengeId = parseBytes32("<challengeId>", run.args[0]);
  const chain = await run.chain();
  await requireContracts(chain, ["ProofRegistry"]);
  const now = await chain.now();
  const { challenge, operator, resolution } = await readChallenge(chain, challengeId);
  const status = challengeStatusName(challenge.status);
  run.out.result({
    challengeId,
    status,
    nodeId: challenge.nodeId,
    operator,
    challenger: challenge.challenger,
    openedAt: challenge.openedAt,
    decideBy: challenge.decideBy,
    bond: challenge.bond,
    lockedStake: challenge.lockedStake,
    recordKey: challenge.recordKey,
    ...(resolution
      ? {
          outcome: challengeStatusName(resolution.outcome),
          slashed: resolution.slashed,
          toChallenger: resolution.toChallenger,
          bondRecipient: resolution.bondRecipient,
        }
      : {}),
  });
  if (run.out.json) return;
  run.out.info(`challenge ${challengeId} on ${chain.label}: ${status}`);
  const rows: [string, string][] = [
    ["node", `${challenge.nodeId} (operator ${operator})`],
    ["challenger", challenge.challenger],
    ["opened", formatTime(challenge.openedAt)],
    ["bond", formatOpg(challenge.bond)],
    ["record key", challenge.recordKey],
  ];
  if (challenge.status === 1n) {
    rows.push(["locked", `${formatOpg(challenge.lockedStake)} of the operator's stake, until the decision`]);
    rows.push([
      "decide by",
      challenge.decideBy > now
        ? `${formatTime(challenge.decideBy)} (in ${formatDuration(challenge.decideBy - now)})`
        : `${formatTime(challenge.decideBy)} (passed: anyone can expire it with \`opg challenge expire ${challengeId}\`)`,
    ]);
  } else if (resolution) rows.push(["outcome", resolutionWords(resolution)]);
  run.out.rows(rows);
}

export async function challengeExpire(run: Run): Promise<void> {
  const challengeId = parseBytes32("<challengeId>", run.args[0]);
  const chain = await run.chain();
  await requireContracts(chain, ["ProofRegistry"]);
  const me = await run.signer();
  const { proofs } = chain.read;
  const now = await chain.now();
  const { challenge, operator } = await readChallenge(chain, challengeId);
  if (challenge.status !== 1n)
    throw new CliError(`challenge ${challengeId} is not pending: it is ${challengeStatusName(challenge.status)}`);
  if (challenge.decideBy >= now)
    throw new CliError(
      `challenge ${challengeId} can expire only after its deadline, ${formatTime(challenge.decideBy)} ` +
        `(in ${formatDuration(challenge.decideBy - now + 1n)}): the arbiter may still decide it`,
    );
  await me.write.proofs.expireChallenge.staticCall(challengeId);
  await run.confirm(
    `Expire challenge ${challengeId}: the arbiter did not decide by ${formatTime(challenge.decideBy)}`,
    [
      ["node", `${challenge.nodeId} (operator ${operator})`],
      ["lock released", formatOpg(challenge.lockedStake)],
      ["bond", `${formatOpg(challenge.bond)} burned`],
    ],
  );
  const receipt = await run.send("expire", me.write.proofs.expireChallenge(challengeId));
  const event = eventsIn(receipt, proofs, "ChallengeResolved")[0];
  if (event) run.out.info(`challenge ${challengeId} ${resolutionWords(event.args as never)}`);
  run.out.result({
    action: "challenge expire",
    challengeId,
    outcome: event ? challengeStatusName(event.args.outcome) : "expired",
    slashed: event?.args.slashed ?? 0n,
    toChallenger: event?.args.toChallenger ?? 0n,
    bondRecipient: event?.args.bondRecipient ?? ZeroAddress,
    bond: event?.args.bond ?? challenge.bond,
    released: challenge.lockedStake,
    tx: receipt.hash,
    block: receipt.blockNumber,
  });
}
