// Mirrors indexer/src/Staking.ts.
import { Address, BigInt, ethereum } from "@graphprotocol/graph-ts";

import {
  DelegationCutScheduled,
  DelegationCutSet,
  FeesDistributed,
  ParameterSet,
  Paused,
  RewardsClaimed,
  RoleAdminChanged,
  RoleGranted,
  RoleRevoked,
  StakeDelegated,
  StakeDeposited,
  StakeSlashed,
  StakeWithdrawn,
  ThawRequested,
  Unpaused,
} from "../generated/Staking/Staking";
import { Operator, Slash, StakeChange, ThawRequest } from "../generated/schema";
import { ZERO, eventId, logEvent, where } from "./common";

const CONTRACT = "Staking";

/** The operator, created empty when it has none yet: Ponder's upsert. */
function operator(address: Address): Operator {
  let row = Operator.load(address);
  if (row == null) {
    row = new Operator(address);
    row.ownActive = ZERO;
    row.delegated = ZERO;
    row.slashed = ZERO;
    row.feesDistributed = ZERO;
    row.rewardsClaimed = ZERO;
    row.cutPpm = 0;
  }
  return row;
}

function stakeChange(event: ethereum.Event, op: Address, staker: Address, kind: string, amount: BigInt): void {
  const row = new StakeChange(eventId(event));
  row.operator = op;
  row.staker = staker;
  row.kind = kind;
  row.amount = amount;
  where(row, event);
  row.save();
}

export function handleStakeDeposited(event: StakeDeposited): void {
  const op = event.params.operator;
  const amount = event.params.amount;
  stakeChange(event, op, op, "deposit", amount);
  const o = operator(op);
  o.ownActive = o.ownActive.plus(amount);
  o.save();
}

export function handleStakeDelegated(event: StakeDelegated): void {
  const a = event.params;
  stakeChange(event, a.operator, a.delegator, "delegate", a.amount);
  const o = operator(a.operator);
  o.delegated = o.delegated.plus(a.amount);
  o.save();
}

export function handleThawRequested(event: ThawRequested): void {
  const a = event.params;
  stakeChange(event, a.operator, a.staker, "thaw", a.amount);
  const row = new ThawRequest(eventId(event));
  row.operator = a.operator;
  row.staker = a.staker;
  row.requestId = a.requestId;
  row.amount = a.amount;
  row.shares = a.thawingShares;
  row.thawingUntil = a.thawingUntil;
  where(row, event);
  row.save();
  const o = operator(a.operator);
  if (a.staker.equals(a.operator)) o.ownActive = o.ownActive.minus(a.amount);
  else o.delegated = o.delegated.minus(a.amount);
  o.save();
}

export function handleStakeWithdrawn(event: StakeWithdrawn): void {
  const a = event.params;
  stakeChange(event, a.operator, a.staker, "withdraw", a.amount);
}

export function handleStakeSlashed(event: StakeSlashed): void {
  const a = event.params;
  const total = a.fromOwnActive.plus(a.fromOwnThawing).plus(a.fromDelegated).plus(a.fromDelegatedThawing);
  const row = new Slash(eventId(event));
  row.operator = a.operator;
  row.challenger = a.challenger;
  row.fromOwnActive = a.fromOwnActive;
  row.fromOwnThawing = a.fromOwnThawing;
  row.fromDelegated = a.fromDelegated;
  row.fromDelegatedThawing = a.fromDelegatedThawing;
  row.burned = a.burned;
  row.toChallenger = a.toChallenger;
  where(row, event);
  row.save();
  stakeChange(event, a.operator, a.operator, "slash", total);
  const o = operator(a.operator);
  o.ownActive = o.ownActive.minus(a.fromOwnActive);
  o.delegated = o.delegated.minus(a.fromDelegated);
  o.slashed = o.slashed.plus(total);
  o.save();
}

export function handleFeesDistributed(event: FeesDistributed): void {
  const o = operator(event.params.operator);
  o.feesDistributed = o.feesDistributed.plus(event.params.amount);
  o.save();
}

export function handleRewardsClaimed(event: RewardsClaimed): void {
  const o = operator(event.params.operator);
  o.rewardsClaimed = o.rewardsClaimed.plus(event.params.amount);
  o.save();
}

export function handleDelegationCutSet(event: DelegationCutSet): void {
  const o = operator(event.params.operator);
  o.cutPpm = event.params.newCutPpm.toI32();
  o.save();
}

export function handleDelegationCutScheduled(event: DelegationCutScheduled): void {
  logEvent(event, CONTRACT, "DelegationCutScheduled");
}

export function handleParameterSet(event: ParameterSet): void {
  logEvent(event, CONTRACT, "ParameterSet");
}

export function handlePaused(event: Paused): void {
  logEvent(event, CONTRACT, "Paused");
}

export function handleUnpaused(event: Unpaused): void {
  logEvent(event, CONTRACT, "Unpaused");
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
