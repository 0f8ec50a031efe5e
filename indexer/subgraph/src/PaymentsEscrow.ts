// Mirrors indexer/src/PaymentsEscrow.ts.
import { Address, BigInt, log } from "@graphprotocol/graph-ts";

import {
  Deposited,
  EIP712DomainChanged,
  FeeRecipientSet,
  NodeFeesCollected,
  ParameterSet,
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
import { Deposit, EscrowAccount, Payment, Request, Withdrawal } from "../generated/schema";
import { ZERO, eventId, logEvent, where } from "./common";

const CONTRACT = "PaymentsEscrow";
const VOUCHER = 0;

/** The payer's account, created empty when it has none yet: Ponder's upsert (Deposited, ThawStarted). */
function upsertAccount(payer: Address): EscrowAccount {
  let row = EscrowAccount.load(payer);
  if (row == null) {
    row = new EscrowAccount(payer);
    row.balance = ZERO;
    row.thawing = ZERO;
    row.thawEndsAt = ZERO;
    row.deposited = ZERO;
    row.withdrawn = ZERO;
    row.paid = ZERO;
  }
  return row;
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

export function handleThawStarted(event: ThawStarted): void {
  const acc = upsertAccount(event.params.payer);
  acc.thawing = event.params.amount;
  acc.thawEndsAt = event.params.thawEndsAt;
  acc.save();
}

export function handleWithdrawn(event: Withdrawn): void {
  const a = event.params;
  const row = new Withdrawal(eventId(event));
  row.payer = a.payer;
  row.amount = a.amount;
  where(row, event);
  row.save();
  const acc = account(a.payer);
  acc.balance = acc.balance.minus(a.amount);
  acc.withdrawn = acc.withdrawn.plus(a.amount);
  acc.thawing = ZERO;
  acc.thawEndsAt = ZERO;
  acc.save();
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
  // A voucher is paid from the balance (a request's fee cap already left it when the request was posted).
  const fromBalance = a.kind == VOUCHER ? a.gross : ZERO;
  const acc = account(a.payer);
  acc.balance = acc.balance.minus(fromBalance);
  if (acc.thawing.gt(acc.balance)) acc.thawing = acc.balance;
  acc.paid = acc.paid.plus(a.gross);
  acc.save();
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

export function handleEIP712DomainChanged(event: EIP712DomainChanged): void {
  logEvent(event, CONTRACT, "EIP712DomainChanged");
}

export function handleFeeRecipientSet(event: FeeRecipientSet): void {
  logEvent(event, CONTRACT, "FeeRecipientSet");
}

export function handleNodeFeesCollected(event: NodeFeesCollected): void {
  logEvent(event, CONTRACT, "NodeFeesCollected");
}

export function handleParameterSet(event: ParameterSet): void {
  logEvent(event, CONTRACT, "ParameterSet");
}

export function handleProtocolFeesFlushed(event: ProtocolFeesFlushed): void {
  logEvent(event, CONTRACT, "ProtocolFeesFlushed");
}

export function handleRoyaltiesCollected(event: RoyaltiesCollected): void {
  logEvent(event, CONTRACT, "RoyaltiesCollected");
}

export function handleVoucherSkipped(event: VoucherSkipped): void {
  logEvent(event, CONTRACT, "VoucherSkipped");
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
