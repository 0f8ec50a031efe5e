import { ponder } from "ponder:registry";
import {
  delegation,
  delegationChange,
  feeCredit,
  operator,
  rewardClaim,
  slash,
  stakeChange,
  stakeLock,
  thawRequest,
} from "ponder:schema";
import { and, asc, eq, lte } from "ponder";
import { decodeFunctionData } from "viem";

import { StakingAbi } from "../abis/index.js";
import { record } from "./network.js";
import { emptyOperator, where } from "./where.js";

ponder.on("Staking:StakeDeposited", async ({ event, context }) => {
  const { operator: op, amount } = event.args;
  await context.db
    .insert(stakeChange)
    .values({ id: event.id, operator: op, staker: op, kind: "deposit", amount, ...where(event) });
  await context.db
    .insert(operator)
    .values({ address: op, ...emptyOperator, ownActive: amount, firstStakedAt: event.block.timestamp })
    .onConflictDoUpdate((row) => ({
      ownActive: row.ownActive + amount,
      firstStakedAt: row.firstStakedAt ?? event.block.timestamp,
    }));
  await record(context.db, event.block.timestamp, {}, { totalActive: amount });
});

ponder.on("Staking:StakeDelegated", async ({ event, context }) => {
  const { delegator, operator: op, amount, shares } = event.args;
  await context.db
    .insert(stakeChange)
    .values({ id: event.id, operator: op, staker: delegator, kind: "delegate", amount, ...where(event) });
  const maxCutPpm = acceptedCut(event.transaction, context.contracts.Staking.address);
  const position = await context.db
    .insert(delegation)
    .values({
      operator: op,
      delegator,
      shares,
      maxCutPpm,
      since: event.block.timestamp,
      updatedAt: event.block.timestamp,
    })
    .onConflictDoUpdate((row) => ({
      shares: row.shares + shares,
      maxCutPpm: maxCutPpm ?? row.maxCutPpm,
      updatedAt: event.block.timestamp,
    }));
  await context.db.insert(delegationChange).values({
    id: event.id,
    operator: op,
    delegator,
    kind: "delegate",
    amount,
    shares,
    sharesAfter: position.shares,
    maxCutPpm,
    ...where(event),
  });
  await context.db
    .insert(operator)
    .values({ address: op, ...emptyOperator, delegated: amount, delegatedShares: shares })
    .onConflictDoUpdate((row) => ({
      delegated: row.delegated + amount,
      delegatedShares: row.delegatedShares + shares,
    }));
  await record(context.db, event.block.timestamp, {}, { totalActive: amount });
});

ponder.on("Staking:ThawRequested", async ({ event, context }) => {
  const { staker, operator: op, requestId, amount, thawingShares, thawingUntil } = event.args;
  const own = staker === op;
  await context.db
    .insert(stakeChange)
    .values({ id: event.id, operator: op, staker, kind: "thaw", amount, ...where(event) });
  const before = await context.db.find(operator, { address: op });
  const o = before ?? { address: op, ...emptyOperator };
  await context.db.insert(thawRequest).values({
    id: event.id,
    operator: op,
    staker,
    requestId,
    amount,
    shares: thawingShares,
    thawingUntil,
    epoch: own ? o.ownThawingEpoch : o.delegatedThawingEpoch,
    status: "open",
    ...where(event),
  });
  if (own) {
    await context.db.update(operator, { address: op }).set((row) => ({
      ownActive: row.ownActive - amount,
      ownThawing: row.ownThawing + amount,
      ownThawingShares: row.ownThawingShares + thawingShares,
    }));
  } else {
    // The delegation shares burned are not in the event: they are the `shares` argument of undelegate.
    const burned = await undelegatedShares(event.transaction, context, op, staker);
    const position = await context.db.update(delegation, { operator: op, delegator: staker }).set((row) => ({
      shares: burned === undefined ? row.shares : row.shares - burned,
      updatedAt: event.block.timestamp,
    }));
    const burnedShares = burned ?? 0n;
    await context.db.insert(delegationChange).values({
      id: event.id,
      operator: op,
      delegator: staker,
      kind: "undelegate",
      amount,
      shares: burnedShares,
      sharesAfter: position.shares,
      maxCutPpm: null,
      ...where(event),
    });
    await context.db.update(operator, { address: op }).set((row) => ({
      delegated: row.delegated - amount,
      delegatedShares: row.delegatedShares - burnedShares,
      delegatedThawing: row.delegatedThawing + amount,
      delegatedThawingShares: row.delegatedThawingShares + thawingShares,
    }));
  }
  await record(context.db, event.block.timestamp, {}, { totalActive: -amount, totalThawing: amount });
});

/**
 * The highest cut a delegation accepted: the `maxCutPpm` argument of delegate or delegateWithPermit, which no event
 * carries, decoded from the transaction's input when it calls Staking directly; null when another contract made the
 * call (a wallet, a multicall).
 */
function acceptedCut(transaction: { to: `0x${string}` | null; input: `0x${string}` }, staking: `0x${string}`) {
  if (transaction.to?.toLowerCase() !== staking.toLowerCase()) return null;
  try {
    const call = decodeFunctionData({ abi: StakingAbi, data: transaction.input });
    if (call.functionName === "delegate" || call.functionName === "delegateWithPermit") return call.args[2];
  } catch {
    // not a Staking call we know
  }
  return null;
}

/**
 * The delegation shares an undelegate burned: from the call data when the transaction calls Staking.undelegate
 * directly, else from the delegation's shares before and after (read at the event's block: exact unless the same
 * delegator changed that delegation twice in one block through another contract).
 */
async function undelegatedShares(
  transaction: { to: `0x${string}` | null; input: `0x${string}` },
  context: Parameters<Parameters<typeof ponder.on<"Staking:ThawRequested">>[1]>[0]["context"],
  op: `0x${string}`,
  delegator: `0x${string}`,
): Promise<bigint | undefined> {
  if (transaction.to?.toLowerCase() === context.contracts.Staking.address.toLowerCase()) {
    try {
      const call = decodeFunctionData({ abi: StakingAbi, data: transaction.input });
      if (call.functionName === "undelegate") return call.args[1];
    } catch {
      // not a Staking call we know: read the state instead
    }
  }
  const held = (await context.db.find(delegation, { operator: op, delegator }))?.shares ?? 0n;
  const [after] = await context.client.readContract({
    abi: StakingAbi,
    address: context.contracts.Staking.address,
    functionName: "getDelegation",
    args: [op, delegator],
  });
  return held - after;
}

ponder.on("Staking:StakeWithdrawn", async ({ event, context }) => {
  const { staker, operator: op, amount, requests } = event.args;
  const own = staker === op;
  await context.db
    .insert(stakeChange)
    .values({ id: event.id, operator: op, staker, kind: "withdraw", amount, ...where(event) });
  // The withdrawal took every thawed request among the oldest it looked at: `requests` of them, the first thawed
  // ones in queue order. Those of the pool's current epoch held shares.
  const o = (await context.db.find(operator, { address: op }))!;
  const epoch = own ? o.ownThawingEpoch : o.delegatedThawingEpoch;
  const oldest = await context.db.sql
    .select()
    .from(thawRequest)
    .where(
      and(
        eq(thawRequest.operator, op),
        eq(thawRequest.staker, staker),
        eq(thawRequest.status, "open"),
        lte(thawRequest.thawingUntil, event.block.timestamp),
      ),
    )
    .orderBy(asc(thawRequest.requestId))
    .limit(Number(requests));
  let shares = 0n;
  for (const r of oldest) {
    if (r.epoch === epoch) shares += r.shares;
    await context.db.update(thawRequest, { id: r.id }).set({ status: "withdrawn", withdrawnAt: event.block.timestamp });
  }
  await context.db.update(operator, { address: op }).set((row) =>
    own
      ? { ownThawing: row.ownThawing - amount, ownThawingShares: row.ownThawingShares - shares }
      : {
          delegatedThawing: row.delegatedThawing - amount,
          delegatedThawingShares: row.delegatedThawingShares - shares,
        },
  );
  await record(context.db, event.block.timestamp, {}, { totalThawing: -amount });
});

ponder.on("Staking:StakeSlashed", async ({ event, context }) => {
  const a = event.args;
  const total = a.fromOwnActive + a.fromOwnThawing + a.fromDelegated + a.fromDelegatedThawing;
  await context.db.insert(slash).values({
    id: event.id,
    operator: a.operator,
    challenger: a.challenger,
    fromOwnActive: a.fromOwnActive,
    fromOwnThawing: a.fromOwnThawing,
    fromDelegated: a.fromDelegated,
    fromDelegatedThawing: a.fromDelegatedThawing,
    burned: a.burned,
    toChallenger: a.toChallenger,
    ...where(event),
  });
  await context.db
    .insert(stakeChange)
    .values({ id: event.id, operator: a.operator, staker: a.operator, kind: "slash", amount: total, ...where(event) });
  // A slash that takes a thawing pool's last token empties it (the contract sweeps dust with it): its shares go and
  // a new epoch starts, whose requests hold nothing of the old ones.
  await context.db
    .insert(operator)
    .values({ address: a.operator, ...emptyOperator })
    .onConflictDoUpdate((row) => {
      const ownThawing = row.ownThawing - a.fromOwnThawing;
      const delegatedThawing = row.delegatedThawing - a.fromDelegatedThawing;
      const ownEmptied = a.fromOwnThawing > 0n && ownThawing === 0n;
      const delegatedEmptied = a.fromDelegatedThawing > 0n && delegatedThawing === 0n;
      return {
        ownActive: row.ownActive - a.fromOwnActive,
        delegated: row.delegated - a.fromDelegated,
        ownThawing,
        delegatedThawing,
        ownThawingShares: ownEmptied ? 0n : row.ownThawingShares,
        ownThawingEpoch: ownEmptied ? row.ownThawingEpoch + 1 : row.ownThawingEpoch,
        delegatedThawingShares: delegatedEmptied ? 0n : row.delegatedThawingShares,
        delegatedThawingEpoch: delegatedEmptied ? row.delegatedThawingEpoch + 1 : row.delegatedThawingEpoch,
        slashed: row.slashed + total,
      };
    });
  await record(
    context.db,
    event.block.timestamp,
    {},
    { totalActive: -(a.fromOwnActive + a.fromDelegated), totalThawing: -(a.fromOwnThawing + a.fromDelegatedThawing) },
  );
});

ponder.on("Staking:FeesCredited", async ({ event, context }) => {
  const { operator: op, amount, streaming, streamEndsAt } = event.args;
  await context.db
    .insert(feeCredit)
    .values({ id: event.id, operator: op, amount, streaming, streamEndsAt, ...where(event) });
  await context.db
    .insert(operator)
    .values({
      address: op,
      ...emptyOperator,
      feesCredited: amount,
      feesStreaming: streaming,
      feeStreamEndsAt: streamEndsAt,
    })
    .onConflictDoUpdate((row) => ({
      feesCredited: row.feesCredited + amount,
      feesStreaming: streaming,
      feeStreamEndsAt: streamEndsAt,
    }));
});

ponder.on("Staking:StakeLocked", async ({ event, context }) => {
  const { operator: op, amount, totalPending } = event.args;
  await context.db
    .insert(stakeLock)
    .values({ id: event.id, operator: op, kind: "lock", amount, totalPending, ...where(event) });
  await context.db
    .insert(operator)
    .values({ address: op, ...emptyOperator, pendingSlash: totalPending })
    .onConflictDoUpdate({ pendingSlash: totalPending });
});

ponder.on("Staking:StakeUnlocked", async ({ event, context }) => {
  const { operator: op, amount, totalPending } = event.args;
  await context.db
    .insert(stakeLock)
    .values({ id: event.id, operator: op, kind: "unlock", amount, totalPending, ...where(event) });
  await context.db
    .insert(operator)
    .values({ address: op, ...emptyOperator, pendingSlash: totalPending })
    .onConflictDoUpdate({ pendingSlash: totalPending });
});

ponder.on("Staking:RewardsClaimed", async ({ event, context }) => {
  const { account, operator: op, amount } = event.args;
  await context.db.insert(rewardClaim).values({ id: event.id, account, operator: op, amount, ...where(event) });
  await context.db
    .insert(operator)
    .values({ address: op, ...emptyOperator, rewardsClaimed: amount })
    .onConflictDoUpdate((row) => ({ rewardsClaimed: row.rewardsClaimed + amount }));
});

ponder.on("Staking:DelegationCutScheduled", async ({ event, context }) => {
  const { operator: op, newCutPpm, effectiveAt } = event.args;
  await context.db
    .insert(operator)
    .values({ address: op, ...emptyOperator, pendingCutPpm: newCutPpm, pendingCutAt: effectiveAt })
    .onConflictDoUpdate({ pendingCutPpm: newCutPpm, pendingCutAt: effectiveAt });
});

ponder.on("Staking:DelegationCutSet", async ({ event, context }) => {
  const { operator: op, newCutPpm } = event.args;
  await context.db
    .insert(operator)
    .values({ address: op, ...emptyOperator, cutPpm: newCutPpm })
    .onConflictDoUpdate({ cutPpm: newCutPpm, pendingCutPpm: null, pendingCutAt: null });
});
