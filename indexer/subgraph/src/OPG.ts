// Mirrors indexer/src/OPG.ts.
import { Address, BigInt } from "@graphprotocol/graph-ts";

import {
  Approval,
  DelegateChanged,
  DelegateVotesChanged,
  EIP712DomainChanged,
  Transfer as TransferEvent,
} from "../generated/OPG/OPG";
import { Account, Supply, Transfer } from "../generated/schema";
import { ZERO, ZERO_ADDRESS, eventId, logEvent, where } from "./common";

const CONTRACT = "OPG";

/** The account, created empty (balance 0, votes 0, no delegate) when it has none yet: Ponder's upsert. */
function account(address: Address): Account {
  let row = Account.load(address);
  if (row == null) {
    row = new Account(address);
    row.balance = ZERO;
    row.votes = ZERO;
  }
  return row;
}

function supply(): Supply {
  let row = Supply.load("OPG");
  if (row == null) {
    row = new Supply("OPG");
    row.total = ZERO;
    row.burned = ZERO;
  }
  return row;
}

export function handleTransfer(event: TransferEvent): void {
  const from = event.params.from;
  const to = event.params.to;
  const value: BigInt = event.params.value;
  const row = new Transfer(eventId(event));
  row.from = from;
  row.to = to;
  row.amount = value;
  where(row, event);
  row.save();
  if (from.equals(ZERO_ADDRESS)) {
    const s = supply();
    s.total = s.total.plus(value);
    s.save();
  } else {
    const a = account(from);
    a.balance = a.balance.minus(value);
    a.save();
  }
  if (to.equals(ZERO_ADDRESS)) {
    const s = supply();
    s.total = s.total.minus(value);
    s.burned = s.burned.plus(value);
    s.save();
  } else {
    const a = account(to);
    a.balance = a.balance.plus(value);
    a.save();
  }
}

export function handleDelegateChanged(event: DelegateChanged): void {
  const a = account(event.params.delegator);
  a.delegate = event.params.toDelegate;
  a.save();
}

export function handleDelegateVotesChanged(event: DelegateVotesChanged): void {
  const a = account(event.params.delegate);
  a.votes = event.params.newVotes;
  a.save();
}

export function handleApproval(event: Approval): void {
  logEvent(event, CONTRACT, "Approval");
}

export function handleEIP712DomainChanged(event: EIP712DomainChanged): void {
  logEvent(event, CONTRACT, "EIP712DomainChanged");
}
