// Mirrors indexer/src/Staking.ts.
import { Address, BigInt, ByteArray, Bytes, crypto, ethereum, log } from "@graphprotocol/graph-ts";

import {
  DelegationCutScheduled,
  DelegationCutSet,
  FeesCredited,
  ThawingPeriodSet,
  CutChangeDelaySet,
  MinimumDelegationSet,
  MaxThawRequestsSet,
  ChallengerShareSet,
  MaxSlashSet,
  Paused,
  ProtocolContractsSet,
  RewardsClaimed,
  RoleAdminChanged,
  RoleGranted,
  RoleRevoked,
  StakeDelegated,
  StakeDeposited,
  StakeLocked,
  StakeSlashed,
  StakeUnlocked,
  StakeWithdrawn,
  Staking,
  ThawRequested,
  Unpaused,
} from "../generated/Staking/Staking";
import {
  Delegation,
  DelegationChange,
  FeeCredit,
  Operator,
  RewardClaim,
  Slash,
  StakeChange,
  StakeLock,
  ThawRequest,
} from "../generated/schema";
import { ZERO, eventId, logEvent, pairId, where } from "./common";
import { change, record } from "./network";
import { emptyOperator, operator } from "./operators";

const CONTRACT = "Staking";

/** An operator with stake: a thaw or withdrawal without one stops the subgraph, as Ponder's update throws. */
function existingOperator(address: Address): Operator {
  const row = Operator.load(address);
  if (row == null) log.critical("Staking: no operator {}", [address.toHexString()]);
  return row!;
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

function delegationChange(
  event: ethereum.Event,
  op: Address,
  delegator: Address,
  kind: string,
  amount: BigInt,
  shares: BigInt,
  sharesAfter: BigInt,
  maxCutPpm: i32,
): void {
  const row = new DelegationChange(eventId(event));
  row.operator = op;
  row.delegator = delegator;
  row.kind = kind;
  row.amount = amount;
  row.shares = shares;
  row.sharesAfter = sharesAfter;
  // -1: unknown, null as Ponder stores it
  if (maxCutPpm < 0) row.unset("maxCutPpm");
  else row.maxCutPpm = maxCutPpm;
  where(row, event);
  row.save();
}

/**
 * A thaw request's id: operator + staker + the request id as 32 bytes. The contract numbers each (operator, staker)
 * queue 0, 1, 2... and a withdrawal takes from its head, so StakeWithdrawn finds its requests by id (Ponder queries
 * them; a mapping cannot query the store).
 */
function thawRequestId(op: Address, staker: Address, requestId: BigInt): Bytes {
  const encoded = ethereum.encode(ethereum.Value.fromUnsignedBigInt(requestId))!;
  return op.concat(staker).concat(encoded);
}

/** Whether request `id` of the queue is open or was never made (the queue's ids at and after its head). */
function fromHead(op: Address, staker: Address, id: i64): bool {
  const row = ThawRequest.load(thawRequestId(op, staker, BigInt.fromI64(id)));
  return row == null || row.status == "open";
}

/**
 * The id of the queue's oldest open request (its head): the withdrawn requests are the ids before it, so it is found
 * by a search over ids in O(log n) loads, where Ponder orders the open rows by request id.
 */
function queueHead(op: Address, staker: Address): i64 {
  if (fromHead(op, staker, 0)) return 0;
  let below: i64 = 0;
  let above: i64 = 1;
  while (!fromHead(op, staker, above)) {
    below = above;
    above = above * 2;
  }
  // fromHead(below) is false, fromHead(above) is true
  while (above - below > 1) {
    const mid = below + (above - below) / 2;
    if (fromHead(op, staker, mid)) above = mid;
    else below = mid;
  }
  return above;
}

export function handleStakeDeposited(event: StakeDeposited): void {
  const op = event.params.operator;
  const amount = event.params.amount;
  stakeChange(event, op, op, "deposit", amount);
  const o = operator(op);
  o.ownActive = o.ownActive.plus(amount);
  if (!o.firstStakedAt) o.firstStakedAt = event.block.timestamp;
  o.save();
  const c = change();
  c.totalActive = amount;
  record(event.block.timestamp, c);
}

/**
 * The highest cut a delegation accepted: the maxCutPpm argument of delegate or delegateWithPermit, decoded from the
 * transaction input when it calls Staking directly; -1 (null) otherwise. Ponder's acceptedCut.
 */
function acceptedCut(event: ethereum.Event): i32 {
  const to = event.transaction.to;
  const input = event.transaction.input;
  if (!(to && to.equals(event.address)) || input.length < 4) return -1;
  const selector = Bytes.fromUint8Array(input.subarray(0, 4));
  const delegate = Bytes.fromUint8Array(
    crypto.keccak256(ByteArray.fromUTF8("delegate(address,uint256,uint32)")).subarray(0, 4),
  );
  const withPermit = Bytes.fromUint8Array(
    crypto
      .keccak256(ByteArray.fromUTF8("delegateWithPermit(address,uint256,uint32,uint256,uint8,bytes32,bytes32)"))
      .subarray(0, 4),
  );
  const args = Bytes.fromUint8Array(input.subarray(4));
  if (selector.equals(delegate)) {
    const call = ethereum.decode("(address,uint256,uint32)", args);
    if (call != null) return call.toTuple()[2].toBigInt().toI32();
  } else if (selector.equals(withPermit)) {
    const call = ethereum.decode("(address,uint256,uint32,uint256,uint8,bytes32,bytes32)", args);
    if (call != null) return call.toTuple()[2].toBigInt().toI32();
  }
  return -1;
}

export function handleStakeDelegated(event: StakeDelegated): void {
  const a = event.params;
  const maxCutPpm = acceptedCut(event);
  stakeChange(event, a.operator, a.delegator, "delegate", a.amount);
  const id = pairId(a.operator, a.delegator);
  let position = Delegation.load(id);
  if (position == null) {
    position = new Delegation(id);
    position.operator = a.operator;
    position.delegator = a.delegator;
    position.shares = ZERO;
    position.unset("maxCutPpm");
    position.since = event.block.timestamp;
  }
  position.shares = position.shares.plus(a.shares);
  if (maxCutPpm >= 0) position.maxCutPpm = maxCutPpm;
  position.updatedAt = event.block.timestamp;
  position.save();
  delegationChange(event, a.operator, a.delegator, "delegate", a.amount, a.shares, position.shares, maxCutPpm);
  const o = operator(a.operator);
  o.delegated = o.delegated.plus(a.amount);
  o.delegatedShares = o.delegatedShares.plus(a.shares);
  o.save();
  const c = change();
  c.totalActive = a.amount;
  record(event.block.timestamp, c);
}

export function handleThawRequested(event: ThawRequested): void {
  const a = event.params;
  const op = a.operator;
  const own = a.staker.equals(op);
  stakeChange(event, op, a.staker, "thaw", a.amount);
  const o = existingOperator(op);
  const row = new ThawRequest(thawRequestId(op, a.staker, a.requestId));
  row.operator = op;
  row.staker = a.staker;
  row.requestId = a.requestId;
  row.amount = a.amount;
  row.shares = a.thawingShares;
  row.thawingUntil = a.thawingUntil;
  row.epoch = own ? o.ownThawingEpoch : o.delegatedThawingEpoch;
  row.status = "open";
  row.withdrawnAt = null;
  where(row, event);
  row.save();
  if (own) {
    o.ownActive = o.ownActive.minus(a.amount);
    o.ownThawing = o.ownThawing.plus(a.amount);
    o.ownThawingShares = o.ownThawingShares.plus(a.thawingShares);
  } else {
    // The delegation shares burned are not in the event: they are the `shares` argument of undelegate.
    const burned = undelegatedShares(event, op, a.staker);
    const position = Delegation.load(pairId(op, a.staker));
    if (position == null) {
      log.critical("Staking: no delegation of {} to {}", [a.staker.toHexString(), op.toHexString()]);
      return;
    }
    position.shares = position.shares.minus(burned);
    position.updatedAt = event.block.timestamp;
    position.save();
    delegationChange(event, op, a.staker, "undelegate", a.amount, burned, position.shares, -1);
    o.delegated = o.delegated.minus(a.amount);
    o.delegatedShares = o.delegatedShares.minus(burned);
    o.delegatedThawing = o.delegatedThawing.plus(a.amount);
    o.delegatedThawingShares = o.delegatedThawingShares.plus(a.thawingShares);
  }
  o.save();
  const c = change();
  c.totalActive = a.amount.neg();
  c.totalThawing = a.amount;
  record(event.block.timestamp, c);
}

/**
 * The delegation shares an undelegate burned: from the call data (event.transaction.input) when the transaction calls
 * Staking.undelegate directly, else from the delegation's shares before and after (Staking.getDelegation through the
 * contract binding, an eth_call at the event's block: exact unless the same delegator changed that delegation twice
 * in one block through another contract). Ponder's undelegatedShares, rule for rule.
 */
function undelegatedShares(event: ethereum.Event, op: Address, delegator: Address): BigInt {
  const to = event.transaction.to;
  const input = event.transaction.input;
  const selector = Bytes.fromUint8Array(
    crypto.keccak256(ByteArray.fromUTF8("undelegate(address,uint256)")).subarray(0, 4),
  );
  // A truthiness test: `!= null` on a nullable Address would call its overloaded `==`.
  if (to && to.equals(event.address) && input.length >= 4) {
    if (Bytes.fromUint8Array(input.subarray(0, 4)).equals(selector)) {
      const call = ethereum.decode("(address,uint256)", Bytes.fromUint8Array(input.subarray(4)));
      if (call != null) return call.toTuple()[1].toBigInt();
    }
  }
  const position = Delegation.load(pairId(op, delegator));
  const held = position == null ? ZERO : position.shares;
  const after = Staking.bind(event.address).try_getDelegation(op, delegator);
  if (after.reverted) {
    log.critical("Staking: getDelegation({}, {}) reverted", [op.toHexString(), delegator.toHexString()]);
    return ZERO;
  }
  return held.minus(after.value.getShares());
}

export function handleStakeWithdrawn(event: StakeWithdrawn): void {
  const a = event.params;
  const op = a.operator;
  const own = a.staker.equals(op);
  stakeChange(event, op, a.staker, "withdraw", a.amount);
  // The withdrawal took every thawed request among the oldest it looked at: the first `requests` thawed open ones in
  // queue order (later ones may be open still). Those of the pool's current epoch held shares.
  const o = existingOperator(op);
  const epoch = own ? o.ownThawingEpoch : o.delegatedThawingEpoch;
  let id = queueHead(op, a.staker);
  const count = a.requests.toI64();
  let shares = ZERO;
  for (let taken: i64 = 0; taken < count; id++) {
    const r = ThawRequest.load(thawRequestId(op, a.staker, BigInt.fromI64(id)));
    if (r == null) break; // fewer thawed requests than taken: Ponder's query returns fewer rows
    if (r.status != "open" || r.thawingUntil.gt(event.block.timestamp)) continue;
    taken++;
    if (r.epoch == epoch) shares = shares.plus(r.shares);
    r.status = "withdrawn";
    r.withdrawnAt = event.block.timestamp;
    r.save();
  }
  if (own) {
    o.ownThawing = o.ownThawing.minus(a.amount);
    o.ownThawingShares = o.ownThawingShares.minus(shares);
  } else {
    o.delegatedThawing = o.delegatedThawing.minus(a.amount);
    o.delegatedThawingShares = o.delegatedThawingShares.minus(shares);
  }
  o.save();
  const c = change();
  c.totalThawing = a.amount.neg();
  record(event.block.timestamp, c);
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
  const existing = Operator.load(a.operator);
  if (existing == null) {
    // Ponder's insert of an empty operator (its onConflictDoUpdate only runs for a known one).
    emptyOperator(a.operator).save();
  } else {
    // A slash that takes a thawing pool's last token empties it (the contract sweeps dust with it): its shares go and
    // a new epoch starts, whose requests hold nothing of the old ones.
    const o = existing;
    const ownThawing = o.ownThawing.minus(a.fromOwnThawing);
    const delegatedThawing = o.delegatedThawing.minus(a.fromDelegatedThawing);
    const ownEmptied = !a.fromOwnThawing.isZero() && ownThawing.isZero();
    const delegatedEmptied = !a.fromDelegatedThawing.isZero() && delegatedThawing.isZero();
    o.ownActive = o.ownActive.minus(a.fromOwnActive);
    o.delegated = o.delegated.minus(a.fromDelegated);
    o.ownThawing = ownThawing;
    o.delegatedThawing = delegatedThawing;
    if (ownEmptied) {
      o.ownThawingShares = ZERO;
      o.ownThawingEpoch = o.ownThawingEpoch + 1;
    }
    if (delegatedEmptied) {
      o.delegatedThawingShares = ZERO;
      o.delegatedThawingEpoch = o.delegatedThawingEpoch + 1;
    }
    o.slashed = o.slashed.plus(total);
    o.save();
  }
  const c = change();
  c.totalActive = a.fromOwnActive.plus(a.fromDelegated).neg();
  c.totalThawing = a.fromOwnThawing.plus(a.fromDelegatedThawing).neg();
  record(event.block.timestamp, c);
}

export function handleFeesCredited(event: FeesCredited): void {
  const a = event.params;
  const row = new FeeCredit(eventId(event));
  row.operator = a.operator;
  row.amount = a.amount;
  row.streaming = a.streaming;
  row.streamEndsAt = a.streamEndsAt;
  where(row, event);
  row.save();
  const o = operator(a.operator);
  o.feesCredited = o.feesCredited.plus(a.amount);
  o.feesStreaming = a.streaming;
  o.feeStreamEndsAt = a.streamEndsAt;
  o.save();
}

function stakeLock(event: ethereum.Event, op: Address, kind: string, amount: BigInt, totalPending: BigInt): void {
  const row = new StakeLock(eventId(event));
  row.operator = op;
  row.kind = kind;
  row.amount = amount;
  row.totalPending = totalPending;
  where(row, event);
  row.save();
  const o = operator(op);
  o.pendingSlash = totalPending;
  o.save();
}

export function handleStakeLocked(event: StakeLocked): void {
  stakeLock(event, event.params.operator, "lock", event.params.amount, event.params.totalPending);
}

export function handleStakeUnlocked(event: StakeUnlocked): void {
  stakeLock(event, event.params.operator, "unlock", event.params.amount, event.params.totalPending);
}

export function handleProtocolContractsSet(event: ProtocolContractsSet): void {
  logEvent(event, CONTRACT, "ProtocolContractsSet");
}

export function handleRewardsClaimed(event: RewardsClaimed): void {
  const a = event.params;
  const row = new RewardClaim(eventId(event));
  row.account = a.account;
  row.operator = a.operator;
  row.amount = a.amount;
  where(row, event);
  row.save();
  const o = operator(a.operator);
  o.rewardsClaimed = o.rewardsClaimed.plus(a.amount);
  o.save();
}

export function handleDelegationCutScheduled(event: DelegationCutScheduled): void {
  const o = operator(event.params.operator);
  o.pendingCutPpm = event.params.newCutPpm.toI32();
  o.pendingCutAt = event.params.effectiveAt;
  o.save();
}

export function handleDelegationCutSet(event: DelegationCutSet): void {
  const o = operator(event.params.operator);
  o.cutPpm = event.params.newCutPpm.toI32();
  o.unset("pendingCutPpm");
  o.pendingCutAt = null;
  o.save();
}

export function handleThawingPeriodSet(event: ThawingPeriodSet): void {
  logEvent(event, CONTRACT, "ThawingPeriodSet");
}
export function handleCutChangeDelaySet(event: CutChangeDelaySet): void {
  logEvent(event, CONTRACT, "CutChangeDelaySet");
}
export function handleMinimumDelegationSet(event: MinimumDelegationSet): void {
  logEvent(event, CONTRACT, "MinimumDelegationSet");
}
export function handleMaxThawRequestsSet(event: MaxThawRequestsSet): void {
  logEvent(event, CONTRACT, "MaxThawRequestsSet");
}
export function handleChallengerShareSet(event: ChallengerShareSet): void {
  logEvent(event, CONTRACT, "ChallengerShareSet", ["oldSharePpm", "newSharePpm"]);
}
export function handleMaxSlashSet(event: MaxSlashSet): void {
  logEvent(event, CONTRACT, "MaxSlashSet", ["oldMaxSlashPpm", "newMaxSlashPpm"]);
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
