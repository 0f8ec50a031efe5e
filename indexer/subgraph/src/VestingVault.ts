// Mirrors indexer/src/VestingVault.ts.
import { BigInt, log } from "@graphprotocol/graph-ts";

import {
  LockedVotesDelegated,
  RoleAdminChanged,
  RoleGranted,
  RoleRevoked,
  ScheduleCreated,
  ScheduleRevoked,
  ScheduleTransferred,
  TokensReleased,
  TreasurySet,
  VotingVaultDeployed,
} from "../generated/VestingVault/VestingVault";
import {
  Account,
  ScheduleTransfer,
  VestingRelease,
  VestingRevocation,
  VestingSchedule,
  VotingVault,
} from "../generated/schema";
import { ZERO, eventId, logEvent, where } from "./common";
import { change, record } from "./network";

const CONTRACT = "VestingVault";

/** A schedule the vault created: a later event for an unknown one stops the subgraph, as Ponder's update throws. */
function schedule(id: BigInt): VestingSchedule {
  const row = VestingSchedule.load(id.toString());
  if (row == null) log.critical("VestingVault: no schedule {}", [id.toString()]);
  return row!;
}

export function handleScheduleCreated(event: ScheduleCreated): void {
  const a = event.params;
  const row = new VestingSchedule(a.scheduleId.toString());
  row.beneficiary = a.beneficiary;
  row.funder = a.funder;
  row.total = a.total;
  row.unlockedAtStart = a.unlockedAtStart;
  row.start = a.start;
  row.cliff = a.cliff;
  row.end = a.end;
  row.shape = a.shape;
  row.revocable = a.revocable;
  row.revoked = false;
  row.released = ZERO;
  row.refunded = ZERO;
  row.delegatee = null;
  row.createdAt = event.block.timestamp;
  row.save();
}

export function handleTokensReleased(event: TokensReleased): void {
  const a = event.params;
  const row = new VestingRelease(eventId(event));
  row.scheduleId = a.scheduleId;
  row.beneficiary = a.beneficiary;
  row.amount = a.amount;
  where(row, event);
  row.save();
  const s = schedule(a.scheduleId);
  s.released = s.released.plus(a.amount);
  s.save();
}

export function handleScheduleRevoked(event: ScheduleRevoked): void {
  const a = event.params;
  const row = new VestingRevocation(eventId(event));
  row.scheduleId = a.scheduleId;
  row.beneficiary = a.beneficiary;
  row.treasury = a.treasury;
  row.vested = a.vested;
  row.refunded = a.refunded;
  where(row, event);
  row.save();
  const s = schedule(a.scheduleId);
  s.revoked = true;
  s.refunded = a.refunded;
  s.save();
}

export function handleScheduleTransferred(event: ScheduleTransferred): void {
  const a = event.params;
  const row = new ScheduleTransfer(eventId(event));
  row.scheduleId = a.scheduleId;
  row.from = a.from;
  row.to = a.to;
  where(row, event);
  row.save();
  const s = schedule(a.scheduleId);
  s.beneficiary = a.to;
  s.save();
}

export function handleLockedVotesDelegated(event: LockedVotesDelegated): void {
  const s = schedule(event.params.scheduleId);
  s.delegatee = event.params.toDelegatee;
  s.save();
}

export function handleVotingVaultDeployed(event: VotingVaultDeployed): void {
  if (VotingVault.load(event.params.vault) != null) return;
  const row = new VotingVault(event.params.vault);
  row.delegatee = event.params.delegatee;
  row.save();
  // Whatever reached the vault before this event was counted as circulating: it is locked.
  let held = Account.load(event.params.vault);
  if (held == null) {
    held = new Account(event.params.vault);
    held.balance = ZERO;
    held.votes = ZERO;
  }
  held.locked = true;
  held.save();
  if (!held.balance.isZero()) {
    const c = change();
    c.locked = held.balance;
    record(event.block.timestamp, c);
  }
}

export function handleRoleAdminChanged(event: RoleAdminChanged): void {
  logEvent(event, CONTRACT, "RoleAdminChanged");
}

export function handleRoleGranted(event: RoleGranted): void {
  logEvent(event, CONTRACT, "RoleGranted");
}

export function handleRoleRevoked(event: RoleRevoked): void {
  logEvent(event, CONTRACT, "RoleRevoked");
}

export function handleTreasurySet(event: TreasurySet): void {
  logEvent(event, CONTRACT, "TreasurySet");
}
