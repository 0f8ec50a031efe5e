/** The read-only commands: status (balance, stake, thawing, rewards, nodes and their eligibility) and unlocks. */
import { ZeroHash } from "ethers";

import { formatOpg, formatPpm, formatTime } from "../../lib/opg";
import { ScheduleTerms, Shape, unlockPoints, vestedAt } from "../../../deploy/lib/vesting";
import { shapeName, termsOf } from "../../lib/schedule";
import { MONTH } from "../../lib/units";
import { parseAddress, parseTime } from "../args";
import type { Chain } from "../connect";
import type { Run } from "../context";
import { UsageError } from "../errors";
import { eligibilityWords, formatDuration, formatShares, withdrawableWords } from "../format";
import { modeName, modesOf } from "../../lib/modes";
import { queryRange } from "../logs";
import { givenIndexerUrl, unlocksFromIndexer } from "./indexed";
import { servedModels } from "./registry";

/** The address a view is about: the argument (checked before connecting), or the signer's. */
export async function subject(run: Run, given: string | undefined): Promise<string> {
  if (given !== undefined) return given;
  const signer = await run.optionalSigner();
  if (!signer)
    throw new UsageError(
      "[address]: give an address, or a signing key (OPG_PRIVATE_KEY, --keystore, or --account on a local chain)",
    );
  return signer.address;
}

interface ThawLine {
  id: bigint;
  amount: bigint;
  thawingUntil: bigint;
}

async function thawRequests(chain: Chain, staker: string, operator: string): Promise<ThawLine[]> {
  const [ids, amounts, until] = await chain.read.staking.thawRequestsOf(staker, operator);
  return ids.map((id, i) => ({ id, amount: amounts[i], thawingUntil: until[i] }));
}

/*//////////////////////////////////////////////////////////////////////////
                                    STATUS
//////////////////////////////////////////////////////////////////////////*/

export async function status(run: Run): Promise<void> {
  const given = run.args[0] !== undefined ? parseAddress("[address]", run.args[0], { allowZero: true }) : undefined;
  const chain = await run.chain();
  const address = await subject(run, given);
  const { token, staking, nodes, proofs } = chain.read;
  const latest = await chain.provider.getBlock("latest");
  const now = BigInt(latest!.timestamp);
  const from = chain.deployment.startBlock;
  const to = latest!.number;

  const [
    balance,
    operator,
    active,
    required,
    requiredOwn,
    minimumOwn,
    locked,
    counts,
    claimable,
    ownThaws,
    registered,
    delegatedEvents,
    liveness,
  ] = await Promise.all([
    token.balanceOf(address),
    staking.getOperator(address),
    staking.activeStakeOf(address),
    nodes.requiredStakeOf(address),
    nodes.requiredOwnStakeOf(address),
    nodes.minimumOwnStake(),
    staking.lockedStakeOf(address),
    nodes.nodeCountsOf(address),
    staking.claimableRewards(address, address),
    thawRequests(chain, address, address),
    queryRange((a, b) => nodes.queryFilter(nodes.filters.NodeRegistered(undefined, address), a, b), from, to),
    queryRange((a, b) => staking.queryFilter(staking.filters.StakeDelegated(address), a, b), from, to),
    nodes.livenessWindow(),
  ]);

  // Delegations: every operator the address ever delegated to, with what is left there, the operator's cut (and
  // any cut it scheduled), and the highest cut the delegator accepted when it last delegated (from that call).
  const operators = [...new Set(delegatedEvents.map((e) => e.args.operator))];
  const delegations = await Promise.all(
    operators.map(async (op) => {
      const last = delegatedEvents.filter((e) => e.args.operator === op).at(-1)!;
      const [position, rewards, thaws, state, tx] = await Promise.all([
        staking.getDelegation(op, address),
        staking.claimableRewards(address, op),
        thawRequests(chain, address, op),
        staking.getOperator(op),
        chain.provider.getTransaction(last.transactionHash),
      ]);
      let acceptedCutPpm: bigint | undefined;
      try {
        const call = tx && tx.to === String(staking.target) ? staking.interface.parseTransaction(tx) : null;
        if (call?.name === "delegate" || call?.name === "delegateWithPermit") acceptedCutPpm = call.args.maxCutPpm;
      } catch {
        // delegated through another contract: the bound is not in the transaction's own call
      }
      return {
        operator: op,
        shares: position.shares,
        tokens: position.tokens,
        claimable: rewards,
        cutPpm: state.cutPpm,
        scheduledCut: state.pendingCutAt === 0n ? undefined : { cutPpm: state.pendingCutPpm, at: state.pendingCutAt },
        acceptedCutPpm,
        thaws,
      };
    }),
  );

  // Challenges pending against its nodes: RecordChallenged filtered by the indexed node id, then where each stands.
  const nodeIds = registered.map((e) => e.args.nodeId as bigint);
  const challengedEvents =
    nodeIds.length === 0
      ? []
      : await queryRange(
          // An OR of node ids in the indexed topic (ethers encodes an array as one).
          (a, b) => proofs.queryFilter(proofs.filters.RecordChallenged(undefined, nodeIds as never), a, b),
          from,
          to,
        );
  const pendingChallenges = (
    await Promise.all(
      challengedEvents.map(async (e) => {
        const c = await proofs.getChallenge(e.args.challengeId);
        return c.status !== 1n
          ? undefined
          : {
              challengeId: e.args.challengeId as string,
              nodeId: c.nodeId,
              challenger: c.challenger,
              lockedStake: c.lockedStake,
              decideBy: c.decideBy,
            };
      }),
    )
  ).filter((c) => c !== undefined);

  // Nodes: from NodeRegistered filtered by the indexed operator; each with its models and eligibility per mode.
  const nodeList = await Promise.all(
    registered.map(async (event) => {
      const nodeId: bigint = event.args.nodeId;
      const [node, models] = await Promise.all([nodes.getNode(nodeId), servedModels(chain, nodeId)]);
      const modes = modesOf(node.modes);
      const measurementApproved =
        node.teeMeasurement === ZeroHash ? undefined : await nodes.isTeeMeasurementApproved(node.teeMeasurement);
      const eligibility = await Promise.all(
        models.map(async (modelId) => ({
          modelId,
          modes: await Promise.all(
            modes.map(async (mode) => ({
              mode: modeName(mode),
              eligibility: eligibilityWords(await nodes.eligibilityOf(nodeId, modelId, mode)),
            })),
          ),
        })),
      );
      return {
        nodeId,
        active: node.active,
        metadataURI: node.metadataURI,
        modes: modes.map(modeName),
        prices: Object.fromEntries(modes.map((m) => [modeName(m), node.prices[m]])),
        capacity: node.capacity,
        teeMeasurement: measurementApproved === undefined ? undefined : node.teeMeasurement,
        measurementApproved,
        lastSeen: node.lastSeen,
        jailedUntil: node.jailedUntil,
        models: eligibility,
      };
    }),
  );

  const nodeCount = counts.reduce((sum, c) => sum + c, 0n);
  run.out.result({
    address,
    chainId: chain.chainId,
    block: to,
    time: now,
    balance,
    ownActiveStake: operator.ownActive,
    delegatedToIt: operator.delegated.tokens,
    activeStake: active,
    requiredStake: required,
    minimumOwnStakePerNode: minimumOwn,
    requiredOwnStake: requiredOwn,
    lockedStake: locked,
    pendingChallenges,
    scheduledCut:
      operator.pendingCutAt === 0n ? null : { cutPpm: operator.pendingCutPpm, effectiveAt: operator.pendingCutAt },
    nodeCounts: Object.fromEntries(counts.map((c, i) => [modeName(i), c])),
    delegationCutPpm: operator.cutPpm,
    claimableRewards: claimable,
    thawRequests: ownThaws.map((t) => ({ ...t, withdrawable: t.thawingUntil <= now })),
    delegations: delegations.map((d) => ({
      ...d,
      thaws: d.thaws.map((t) => ({ ...t, withdrawable: t.thawingUntil <= now })),
    })),
    nodes: nodeList,
  });
  if (run.out.json) return;

  const out = run.out;
  out.info(`${address} on ${chain.label}, block ${to} at ${formatTime(now)}`);
  const coverage =
    nodeCount === 0n
      ? "no active nodes"
      : `for ${nodeCount} node(s): ${active >= required ? "covered" : `short by ${formatOpg(required - active)}`}`;
  const ownCoverage =
    nodeCount === 0n
      ? "no active nodes"
      : `${formatOpg(minimumOwn)} per node x ${nodeCount}: ` +
        (operator.ownActive >= requiredOwn
          ? "covered"
          : `short by ${formatOpg(requiredOwn - operator.ownActive)} (its nodes may not serve)`);
  const cut =
    `cut ${formatPpm(operator.cutPpm)}` +
    (operator.pendingCutAt === 0n
      ? ""
      : `, ${formatPpm(operator.pendingCutPpm)} scheduled from ${formatTime(operator.pendingCutAt)}`);
  out.rows([
    ["OPG balance", formatOpg(balance)],
    ["own active stake", formatOpg(operator.ownActive)],
    ["required own stake", `${formatOpg(requiredOwn)} ${ownCoverage}`],
    ["delegated to it", `${formatOpg(operator.delegated.tokens)} (${cut})`],
    ["active stake", formatOpg(active)],
    ["required stake", `${formatOpg(required)} ${coverage}`],
    [
      "locked stake",
      locked === 0n
        ? "none"
        : `${formatOpg(locked)} by ${pendingChallenges.length} pending challenge(s): it cannot be withdrawn until decided`,
    ],
    ["claimable rewards", `${formatOpg(claimable)} (staking rewards and node fees)`],
  ]);
  if (pendingChallenges.length > 0) {
    out.info();
    out.info("pending challenges against its nodes:");
    out.table(
      ["challenge", "node", "locked", "decide by"],
      pendingChallenges.map((c) => [
        c.challengeId,
        String(c.nodeId),
        formatOpg(c.lockedStake),
        c.decideBy > now
          ? `${formatTime(c.decideBy)} (in ${formatDuration(c.decideBy - now)})`
          : `${formatTime(c.decideBy)} (passed: it can be expired)`,
      ]),
      { right: [false, true, true, false] },
    );
  }
  out.info();
  if (ownThaws.length === 0) out.info("own stake thawing: none");
  else {
    out.info("own stake thawing:");
    for (const t of ownThaws) out.info(`  #${t.id}  ${formatOpg(t.amount)}  ${withdrawableWords(t.thawingUntil, now)}`);
  }
  if (delegations.length > 0) {
    out.info();
    out.info("delegations:");
    for (const d of delegations) {
      out.info(
        `  to ${d.operator}: ${formatOpg(d.tokens)} (${formatShares(d.shares)}), claimable rewards ${formatOpg(d.claimable)}`,
      );
      out.info(
        `    cut ${formatPpm(d.cutPpm)}` +
          (d.scheduledCut
            ? `, ${formatPpm(d.scheduledCut.cutPpm)} scheduled from ${formatTime(d.scheduledCut.at)}`
            : "") +
          `; you accepted at most ${d.acceptedCutPpm === undefined ? "(unknown)" : formatPpm(d.acceptedCutPpm)}`,
      );
      for (const t of d.thaws)
        out.info(`    #${t.id}  ${formatOpg(t.amount)}  ${withdrawableWords(t.thawingUntil, now)}`);
    }
  }
  out.info();
  if (nodeList.length === 0) {
    out.info("nodes: none");
    return;
  }
  out.info("nodes:");
  for (const n of nodeList) {
    const seen = now - n.lastSeen;
    const state = !n.active
      ? "deregistered"
      : n.jailedUntil > now
        ? `jailed until ${formatTime(n.jailedUntil)}`
        : seen > liveness
          ? `stale: last heartbeat ${formatDuration(seen)} ago (window ${formatDuration(liveness)})`
          : `active, last heartbeat ${formatDuration(seen)} ago`;
    out.info(`  node ${n.nodeId}  ${state}`);
    out.rows(
      [
        ["metadata", n.metadataURI],
        ["modes", n.modes.map((m) => `${m} (${formatOpg(n.prices[m])} per inference)`).join(", ")],
        ["capacity", String(n.capacity)],
        ...(n.teeMeasurement
          ? ([["measurement", `${n.teeMeasurement} (${n.measurementApproved ? "approved" : "not approved"})`]] as [
              string,
              string,
            ][])
          : []),
        ["models", n.models.length === 0 ? "none" : String(n.models.length)],
      ],
      "    ",
    );
    for (const m of n.models)
      out.info(`      ${m.modelId}  ${m.modes.map((e) => `${e.mode}: ${e.eligibility}`).join("; ")}`);
  }
}

/*//////////////////////////////////////////////////////////////////////////
                                   UNLOCKS
//////////////////////////////////////////////////////////////////////////*/

export async function unlocks(run: Run): Promise<void> {
  const given = run.args[0] !== undefined ? parseAddress("[address]", run.args[0], { allowZero: true }) : undefined;
  const atText = run.option("at");
  const at = atText === undefined ? undefined : parseTime("--at", atText);
  const indexer = givenIndexerUrl(run);
  if (indexer !== undefined) return unlocksFromIndexer(run, indexer, await subject(run, given), at);
  const chain = await run.chain();
  const address = await subject(run, given);
  const { vesting } = chain.read;
  const latest = await chain.provider.getBlock("latest");
  // What has vested is a pure function of the terms and a time: the chain's views answer for any `at`, past or
  // future; released and releasable are what the chain holds now.
  const now = at ?? BigInt(latest!.timestamp);
  const from = chain.deployment.startBlock;
  const to = latest!.number;

  // Schedules created for the address or handed to it; kept if it is still their beneficiary.
  const [created, received] = await Promise.all([
    queryRange((a, b) => vesting.queryFilter(vesting.filters.ScheduleCreated(undefined, address), a, b), from, to),
    queryRange(
      (a, b) => vesting.queryFilter(vesting.filters.ScheduleTransferred(undefined, undefined, address), a, b),
      from,
      to,
    ),
  ]);
  const ids = [...new Set([...created, ...received].map((e) => e.args.scheduleId))].sort((a, b) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  const categories = Object.entries(chain.deployment.genesis?.scheduleIds ?? {});
  const categoryOf = (id: bigint) =>
    categories.find(([, [first, last]]) => id >= BigInt(first) && id <= BigInt(last))?.[0];

  const schedules = (
    await Promise.all(
      ids.map(async (id) => {
        const [s, vestedNow, releasable] = await Promise.all([
          vesting.getSchedule(id),
          vesting.vestedAt(id, now),
          vesting.releasableOf(id),
        ]);
        if (s.beneficiary !== address) return undefined;
        const terms = termsOf(s);
        // The next points where the vested amount changes, and what has vested by each (deploy/lib/vesting.ts).
        let previous = vestedNow;
        const next = s.revoked
          ? []
          : unlockPoints(terms, now, 6).map((time) => {
              const vested = vestedAt(terms, time);
              const point = { time, kind: pointKind(terms, time), vested, unlocks: vested - previous };
              previous = vested;
              return point;
            });
        return {
          scheduleId: id,
          category: categoryOf(id),
          total: s.total,
          vestedNow,
          released: s.released,
          releasableNow: releasable,
          locked: s.total - s.released - (s.revoked ? s.refunded : 0n),
          unlockedAtStart: s.unlockedAtStart,
          start: s.start,
          cliff: s.cliff,
          end: s.end,
          shape: shapeName(s.shape),
          revocable: s.revocable,
          revoked: s.revoked,
          refunded: s.refunded,
          next,
        };
      }),
    )
  ).filter((s) => s !== undefined);

  run.out.result({ address, chainId: chain.chainId, block: to, time: now, schedules });
  if (run.out.json) return;

  const out = run.out;
  out.info(`vesting schedules of ${address} on ${chain.label} at ${formatTime(now)}: ${schedules.length}`);
  for (const s of schedules) {
    out.info();
    out.info(`schedule ${s.scheduleId}${s.category ? ` (${s.category})` : ""}${s.revoked ? ", revoked" : ""}`);
    const vestingWords =
      s.shape === "monthly"
        ? `monthly steps from ${formatTime(s.cliff)} to ${formatTime(s.end)}`
        : `linear from ${formatTime(s.cliff)} to ${formatTime(s.end)}` +
          (s.end > s.cliff
            ? `, about ${formatOpg(((s.total - s.unlockedAtStart) * MONTH) / (s.end - s.cliff))} a month`
            : "");
    out.rows([
      ["total", formatOpg(s.total)],
      [at === undefined ? "vested now" : "vested then", formatOpg(s.vestedNow)],
      ["released", formatOpg(s.released)],
      ["releasable now", formatOpg(s.releasableNow)],
      ["terms", `${formatOpg(s.unlockedAtStart)} at ${formatTime(s.start)}, then ${vestingWords}`],
      ...(s.revoked ? ([["refunded", formatOpg(s.refunded)]] as [string, string][]) : []),
    ]);
    if (s.next.length === 0) out.info(s.revoked ? "  no further unlocks (revoked)" : "  fully vested");
    else {
      out.info("  next unlocks:");
      for (const p of s.next) {
        const what =
          p.kind === "vesting starts"
            ? `vesting starts (${s.shape})`
            : p.kind === "fully vested"
              ? `fully vested: ${formatOpg(p.vested)}`
              : `${p.kind}: +${formatOpg(p.unlocks)}, ${formatOpg(p.vested)} vested`;
        out.info(`    ${formatTime(p.time)}  in ${formatDuration(p.time - now)}  ${what}`);
      }
    }
  }
}

/** What happens at an unlock point, in words. */
function pointKind(terms: ScheduleTerms, time: bigint): string {
  if (time >= terms.end) return "fully vested";
  if (time === terms.start && terms.unlockedAtStart > 0n) return "unlock at start";
  if (time === terms.cliff) return terms.shape === Shape.Monthly ? "cliff" : "vesting starts";
  return "monthly step";
}
