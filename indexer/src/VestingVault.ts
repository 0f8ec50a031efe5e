import { ponder } from "ponder:registry";
import { scheduleTransfer, votingVault, vestingRelease, vestingRevocation, vestingSchedule } from "ponder:schema";

import { lockAccount, record } from "./network.js";
import { where } from "./where.js";

ponder.on("VestingVault:ScheduleCreated", async ({ event, context }) => {
  const a = event.args;
  await context.db.insert(vestingSchedule).values({
    id: a.scheduleId,
    beneficiary: a.beneficiary,
    funder: a.funder,
    total: a.total,
    unlockedAtStart: a.unlockedAtStart,
    start: BigInt(a.start),
    cliff: BigInt(a.cliff),
    end: BigInt(a.end),
    shape: a.shape,
    revocable: a.revocable,
    revoked: false,
    released: 0n,
    refunded: 0n,
    delegatee: null,
    createdAt: event.block.timestamp,
  });
});

ponder.on("VestingVault:TokensReleased", async ({ event, context }) => {
  const { scheduleId, beneficiary, amount } = event.args;
  await context.db.insert(vestingRelease).values({ id: event.id, scheduleId, beneficiary, amount, ...where(event) });
  await context.db.update(vestingSchedule, { id: scheduleId }).set((row) => ({ released: row.released + amount }));
});

ponder.on("VestingVault:ScheduleRevoked", async ({ event, context }) => {
  const { scheduleId, beneficiary, treasury, vested, refunded } = event.args;
  await context.db
    .insert(vestingRevocation)
    .values({ id: event.id, scheduleId, beneficiary, treasury, vested, refunded, ...where(event) });
  await context.db.update(vestingSchedule, { id: scheduleId }).set({ revoked: true, refunded });
});

ponder.on("VestingVault:ScheduleTransferred", async ({ event, context }) => {
  const { scheduleId, from, to } = event.args;
  await context.db.insert(scheduleTransfer).values({ id: event.id, scheduleId, from, to, ...where(event) });
  await context.db.update(vestingSchedule, { id: scheduleId }).set({ beneficiary: to });
});

ponder.on("VestingVault:LockedVotesDelegated", async ({ event, context }) => {
  const { scheduleId, toDelegatee } = event.args;
  await context.db.update(vestingSchedule, { id: scheduleId }).set({ delegatee: toDelegatee });
});

ponder.on("VestingVault:VotingVaultDeployed", async ({ event, context }) => {
  const { delegatee, vault } = event.args;
  const added = await context.db.insert(votingVault).values({ address: vault, delegatee }).onConflictDoNothing();
  // Whatever reached the vault before this event was counted as circulating: it is locked.
  const held = added ? await lockAccount(context.db, vault) : 0n;
  if (held !== 0n) await record(context.db, event.block.timestamp, {}, { locked: held });
});
