// Mirrors indexer/src/PaymentsEscrow.ts.
import { Address, BigInt, Bytes, ethereum, log } from "@graphprotocol/graph-ts";

import {
  Deposited,
  EIP712DomainChanged,
  EscrowFunded,
  FeeRecipientSet,
  FulfilmentCommitted,
  ProtocolFeeSet,
  WithdrawalThawingPeriodSet,
  PaymentCollected,
  ProtocolFeesFlushed,
  RequestFulfilled,
  RequestPosted,
  RequestReclaimed,
  RoleAdminChanged,
  RoleGranted,
  RoleRevoked,
  RoyaltiesCollected,
  ThawStarted,
  VoucherSkipped,
  Withdrawn,
} from "../generated/PaymentsEscrow/PaymentsEscrow";
import {
  Deposit,
  EscrowAccount,
  EscrowCollection,
  EscrowFunding,
  Model,
  OperatorEscrow,
  Payment,
  Request,
  RequestCommitment,
  VoucherSkip,
  Withdrawal,
} from "../generated/schema";
import { ZERO, ZERO_ADDRESS, eventId, logEvent, pairId, where } from "./common";
import { promoteRoyalty } from "./ModelRegistry";
import { change, record } from "./network";

const CONTRACT = "PaymentsEscrow";
const VOUCHER = 0;

/** The payer's account, created empty when it has none yet: Ponder's upsert. */
function upsertAccount(payer: Address): EscrowAccount {
  let row = EscrowAccount.load(payer);
  if (row == null) {
    row = new EscrowAccount(payer);
    row.balance = ZERO;
    row.deposited = ZERO;
    row.funded = ZERO;
    row.withdrawn = ZERO;
    row.paid = ZERO;
  }
  return row;
}

/** The payer's escrow with the operator, created empty when it has none yet: Ponder's upsert. */
function upsertEscrow(payer: Address, op: Address): OperatorEscrow {
  const id = pairId(payer, op);
  let row = OperatorEscrow.load(id);
  if (row == null) {
    row = new OperatorEscrow(id);
    row.payer = payer;
    row.operator = op;
    row.balance = ZERO;
    row.thawing = ZERO;
    row.thawStartedAt = ZERO;
    row.thawEndsAt = ZERO;
    row.funded = ZERO;
    row.withdrawn = ZERO;
    row.paid = ZERO;
  }
  return row;
}

/** An escrow with a deposit: a withdrawal or voucher without one stops the subgraph, as Ponder's update throws. */
function escrow(payer: Address, op: Address): OperatorEscrow {
  const row = OperatorEscrow.load(pairId(payer, op));
  if (row == null) log.critical("PaymentsEscrow: no escrow of {} with {}", [payer.toHexString(), op.toHexString()]);
  return row!;
}

/** A payer with a deposit: a withdrawal, payment or request without one stops the subgraph, as Ponder's update throws. */
function account(payer: Address): EscrowAccount {
  const row = EscrowAccount.load(payer);
  if (row == null) log.critical("PaymentsEscrow: no escrow account for {}", [payer.toHexString()]);
  return row!;
}

function request(id: BigInt): Request {
  const row = Request.load(id.toString());
  if (row == null) log.critical("PaymentsEscrow: no request {}", [id.toString()]);
  return row!;
}

export function handleDeposited(event: Deposited): void {
  const a = event.params;
  const row = new Deposit(eventId(event));
  row.payer = a.payer;
  row.depositor = a.depositor;
  row.amount = a.amount;
  where(row, event);
  row.save();
  const acc = upsertAccount(a.payer);
  acc.balance = acc.balance.plus(a.amount);
  acc.deposited = acc.deposited.plus(a.amount);
  acc.save();
}

/** The free balance funds the escrow with the operator (depositToEscrow deposits first, in the same call). */
export function handleEscrowFunded(event: EscrowFunded): void {
  const a = event.params;
  const row = new EscrowFunding(eventId(event));
  row.payer = a.payer;
  row.operator = a.operator;
  row.amount = a.amount;
  where(row, event);
  row.save();
  const acc = account(a.payer);
  acc.balance = acc.balance.minus(a.amount);
  acc.funded = acc.funded.plus(a.amount);
  acc.save();
  const e = upsertEscrow(a.payer, a.operator);
  e.balance = e.balance.plus(a.amount);
  e.funded = e.funded.plus(a.amount);
  e.save();
}

/** A thaw replaces the previous one; an amount of 0 cancels it. */
export function handleThawStarted(event: ThawStarted): void {
  const a = event.params;
  const e = upsertEscrow(a.payer, a.operator);
  e.thawing = a.amount;
  e.thawStartedAt = a.amount.isZero() ? ZERO : event.block.timestamp;
  e.thawEndsAt = a.thawEndsAt;
  e.save();
}

/** From the escrow with `operator` (what was thawing), or from the free balance when `operator` is zero. */
export function handleWithdrawn(event: Withdrawn): void {
  const a = event.params;
  const row = new Withdrawal(eventId(event));
  row.payer = a.payer;
  row.operator = a.operator;
  row.amount = a.amount;
  where(row, event);
  row.save();
  if (a.operator.equals(ZERO_ADDRESS)) {
    const acc = account(a.payer);
    acc.balance = acc.balance.minus(a.amount);
    acc.withdrawn = acc.withdrawn.plus(a.amount);
    acc.save();
    return;
  }
  const acc = upsertAccount(a.payer);
  acc.withdrawn = acc.withdrawn.plus(a.amount);
  acc.save();
  const e = escrow(a.payer, a.operator);
  e.balance = e.balance.minus(a.amount);
  e.withdrawn = e.withdrawn.plus(a.amount);
  e.thawing = ZERO;
  e.thawStartedAt = ZERO;
  e.thawEndsAt = ZERO;
  e.save();
}

export function handlePaymentCollected(event: PaymentCollected): void {
  const a = event.params;
  const row = new Payment(eventId(event));
  row.payer = a.payer;
  row.nodeId = a.nodeId;
  row.modelId = a.modelId;
  row.operator = a.operator;
  row.modelOwner = a.modelOwner;
  row.mode = a.mode;
  row.kind = a.kind;
  row.gross = a.gross;
  row.nodeShare = a.nodeShare;
  row.royalty = a.royalty;
  row.protocolFee = a.protocolFee;
  where(row, event);
  row.save();
  // A voucher is paid from the payer's escrow with the node's operator, its thaw capped at what is left; a request
  // from its fee cap, which left the free balance when the request was posted.
  if (a.kind == VOUCHER) {
    const e = escrow(a.payer, a.operator);
    e.balance = e.balance.minus(a.gross);
    if (e.thawing.gt(e.balance)) e.thawing = e.balance;
    e.paid = e.paid.plus(a.gross);
    e.save();
  }
  const acc = upsertAccount(a.payer);
  acc.paid = acc.paid.plus(a.gross);
  acc.save();
  const c = change();
  c.inferencesPaid = 1;
  c.volume = a.gross;
  record(event.block.timestamp, c);
  // The registry applied any royalty increase that was due: the model follows now.
  const m = Model.load(a.modelId);
  if (m != null) {
    promoteRoyalty(m, event.block.timestamp);
    m.save();
  }
}

/** Money leaving the escrow's pending books (Ponder's escrow_collection). */
function collection(event: ethereum.Event, kind: string, to: Bytes, amount: BigInt): void {
  const row = new EscrowCollection(eventId(event));
  row.kind = kind;
  row.to = to;
  row.amount = amount;
  where(row, event);
  row.save();
}

export function handleRequestPosted(event: RequestPosted): void {
  const a = event.params;
  const row = new Request(a.requestId.toString());
  row.payer = a.payer;
  row.modelId = a.modelId;
  row.inputHash = a.inputHash;
  row.mode = a.mode;
  row.feeCap = a.feeCap;
  row.deadline = a.deadline;
  row.nodeId = a.nodeId;
  row.status = "open";
  row.price = null;
  row.postedAt = event.block.timestamp;
  row.save();
  const acc = account(a.payer);
  acc.balance = acc.balance.minus(a.feeCap);
  acc.save();
}

/** The node's answer committed before an open request is fulfilled (a later block): the last per (request, node). */
export function handleFulfilmentCommitted(event: FulfilmentCommitted): void {
  const a = event.params;
  const id = ethereum
    .encode(ethereum.Value.fromUnsignedBigInt(a.requestId))!
    .concat(ethereum.encode(ethereum.Value.fromUnsignedBigInt(a.nodeId))!);
  let row = RequestCommitment.load(id);
  if (row == null) {
    row = new RequestCommitment(id);
    row.requestId = a.requestId;
    row.nodeId = a.nodeId;
  }
  row.commitment = a.commitment;
  where(row, event);
  row.save();
}

export function handleRequestFulfilled(event: RequestFulfilled): void {
  const a = event.params;
  const posted = request(a.requestId);
  posted.status = "fulfilled";
  posted.price = a.price;
  posted.nodeId = a.nodeId;
  posted.save();
  const acc = account(Address.fromBytes(posted.payer));
  acc.balance = acc.balance.plus(a.refunded);
  acc.save();
}

export function handleRequestReclaimed(event: RequestReclaimed): void {
  const a = event.params;
  const posted = request(a.requestId);
  posted.status = "reclaimed";
  posted.save();
  const acc = account(a.payer);
  acc.balance = acc.balance.plus(a.feeCap);
  acc.save();
}

export function handleVoucherSkipped(event: VoucherSkipped): void {
  const a = event.params;
  const row = new VoucherSkip(eventId(event));
  row.index = a.index;
  row.payer = a.payer;
  row.nodeId = a.nodeId;
  row.reason = a.reason;
  where(row, event);
  row.save();
}

export function handleRoyaltiesCollected(event: RoyaltiesCollected): void {
  collection(event, "royalties", event.params.owner, event.params.amount);
}

export function handleProtocolFeesFlushed(event: ProtocolFeesFlushed): void {
  const a = event.params;
  collection(event, "protocolFees", a.recipient, a.amount);
  const burned = a.recipient.equals(ZERO_ADDRESS) ? a.amount : ZERO;
  const c = change();
  c.feesBurned = burned;
  c.totalFeesBurned = burned;
  c.protocolFeesFlushed = a.amount;
  record(event.block.timestamp, c);
}

export function handleEIP712DomainChanged(event: EIP712DomainChanged): void {
  logEvent(event, CONTRACT, "EIP712DomainChanged");
}

export function handleFeeRecipientSet(event: FeeRecipientSet): void {
  logEvent(event, CONTRACT, "FeeRecipientSet");
}

export function handleProtocolFeeSet(event: ProtocolFeeSet): void {
  logEvent(event, CONTRACT, "ProtocolFeeSet", ["oldFeePpm", "newFeePpm"]);
}

export function handleWithdrawalThawingPeriodSet(event: WithdrawalThawingPeriodSet): void {
  logEvent(event, CONTRACT, "WithdrawalThawingPeriodSet");
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
