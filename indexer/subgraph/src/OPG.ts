// Mirrors indexer/src/OPG.ts.
import { Address, BigInt, dataSource } from "@graphprotocol/graph-ts";

import {
  Approval,
  DelegateChanged,
  DelegateVotesChanged,
  EIP712DomainChanged,
  Transfer as TransferEvent,
} from "../generated/OPG/OPG";
import { Account, Allowance, Supply, Transfer, VotingVault } from "../generated/schema";
import { ZERO, ZERO_ADDRESS, eventId, logEvent, pairId, where } from "./common";
import { change, record } from "./network";

const CONTRACT = "OPG";

/** The account, created empty (balance 0, votes 0, no delegate) when it has none yet: Ponder's upsert. */
function account(address: Address): Account {
  let row = Account.load(address);
  if (row == null) {
    row = new Account(address);
    row.balance = ZERO;
    row.votes = ZERO;
    row.locked = false;
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

/**
 * Whether `address` holds OPG that does not circulate: the vesting vault, staking, the escrow (their addresses come
 * from the deployments file through the data source's context, as Ponder's come from ponder.config.ts) or a voting
 * vault.
 */
function isLocked(address: Address): bool {
  const context = dataSource.context();
  const locked = ["VestingVault", "Staking", "PaymentsEscrow"];
  for (let i = 0; i < locked.length; i++) if (context.getBytes(locked[i]).equals(address)) return true;
  return VotingVault.load(address) != null;
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
  let locked = ZERO;
  if (from.equals(ZERO_ADDRESS)) {
    const s = supply();
    s.total = s.total.plus(value);
    s.save();
  } else {
    const a = account(from);
    a.balance = a.balance.minus(value);
    a.save();
    if (isLocked(from)) locked = locked.minus(value);
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
    if (isLocked(to)) locked = locked.plus(value);
  }
  // Mints, burns and moves in or out of the locked contracts change the circulating supply.
  if (!locked.isZero() || from.equals(ZERO_ADDRESS) || to.equals(ZERO_ADDRESS)) {
    const c = change();
    c.locked = locked;
    record(event.block.timestamp, c);
  }
}

export function handleApproval(event: Approval): void {
  const a = event.params;
  const id = pairId(a.owner, a.spender);
  let row = Allowance.load(id);
  if (row == null) {
    row = new Allowance(id);
    row.owner = a.owner;
    row.spender = a.spender;
  }
  row.amount = a.value;
  row.save();
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

export function handleEIP712DomainChanged(event: EIP712DomainChanged): void {
  logEvent(event, CONTRACT, "EIP712DomainChanged");
}
