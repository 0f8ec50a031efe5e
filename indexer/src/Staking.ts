import { ponder } from "ponder:registry";
import { operator, slash, stakeChange, thawRequest } from "ponder:schema";

import { where } from "./where.js";

const emptyOperator = { ownActive: 0n, delegated: 0n, slashed: 0n, feesDistributed: 0n, rewardsClaimed: 0n, cutPpm: 0 };

ponder.on("Staking:StakeDeposited", async ({ event, context }) => {
  const { operator: op, amount } = event.args;
  await context.db
    .insert(stakeChange)
    .values({ id: event.id, operator: op, staker: op, kind: "deposit", amount, ...where(event) });
  await context.db
    .insert(operator)
    .values({ address: op, ...emptyOperator, ownActive: amount })
    .onConflictDoUpdate((row) => ({ ownActive: row.ownActive + amount }));
});

ponder.on("Staking:StakeDelegated", async ({ event, context }) => {
  const { delegator, operator: op, amount } = event.args;
  await context.db
    .insert(stakeChange)
    .values({ id: event.id, operator: op, staker: delegator, kind: "delegate", amount, ...where(event) });
  await context.db
    .insert(operator)
    .values({ address: op, ...emptyOperator, delegated: amount })
    .onConflictDoUpdate((row) => ({ delegated: row.delegated + amount }));
});

ponder.on("Staking:ThawRequested", async ({ event, context }) => {
  const { staker, operator: op, requestId, amount, thawingShares, thawingUntil } = event.args;
  await context.db
    .insert(stakeChange)
    .values({ id: event.id, operator: op, staker, kind: "thaw", amount, ...where(event) });
  await context.db.insert(thawRequest).values({
    id: event.id,
    operator: op,
    staker,
    requestId,
    amount,
    shares: thawingShares,
    thawingUntil,
    ...where(event),
  });
  const own = staker === op;
  await context.db
    .insert(operator)
    .values({ address: op, ...emptyOperator })
    .onConflictDoUpdate((row) => (own ? { ownActive: row.ownActive - amount } : { delegated: row.delegated - amount }));
});

ponder.on("Staking:StakeWithdrawn", async ({ event, context }) => {
  const { staker, operator: op, amount } = event.args;
  await context.db
    .insert(stakeChange)
    .values({ id: event.id, operator: op, staker, kind: "withdraw", amount, ...where(event) });
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
  await context.db
    .insert(operator)
    .values({ address: a.operator, ...emptyOperator })
    .onConflictDoUpdate((row) => ({
      ownActive: row.ownActive - a.fromOwnActive,
      delegated: row.delegated - a.fromDelegated,
      slashed: row.slashed + total,
    }));
});

ponder.on("Staking:FeesDistributed", async ({ event, context }) => {
  const { operator: op, amount } = event.args;
  await context.db
    .insert(operator)
    .values({ address: op, ...emptyOperator, feesDistributed: amount })
    .onConflictDoUpdate((row) => ({ feesDistributed: row.feesDistributed + amount }));
});

ponder.on("Staking:RewardsClaimed", async ({ event, context }) => {
  const { operator: op, amount } = event.args;
  await context.db
    .insert(operator)
    .values({ address: op, ...emptyOperator, rewardsClaimed: amount })
    .onConflictDoUpdate((row) => ({ rewardsClaimed: row.rewardsClaimed + amount }));
});

ponder.on("Staking:DelegationCutSet", async ({ event, context }) => {
  const { operator: op, newCutPpm } = event.args;
  await context.db
    .insert(operator)
    .values({ address: op, ...emptyOperator, cutPpm: newCutPpm })
    .onConflictDoUpdate({ cutPpm: newCutPpm });
});
