// The Ponder indexer has no table for the timelock: every event goes to the ContractEvent log.
import {
  CallExecuted,
  CallSalt,
  CallScheduled,
  Cancelled,
  MinDelayChange,
  RoleAdminChanged,
  RoleGranted,
  RoleRevoked,
} from "../generated/OPGTimelock/OPGTimelock";
import { logEvent } from "./common";

const CONTRACT = "OPGTimelock";

export function handleCallExecuted(event: CallExecuted): void {
  logEvent(event, CONTRACT, "CallExecuted");
}

export function handleCallSalt(event: CallSalt): void {
  logEvent(event, CONTRACT, "CallSalt");
}

export function handleCallScheduled(event: CallScheduled): void {
  logEvent(event, CONTRACT, "CallScheduled");
}

export function handleCancelled(event: Cancelled): void {
  logEvent(event, CONTRACT, "Cancelled");
}

export function handleMinDelayChange(event: MinDelayChange): void {
  logEvent(event, CONTRACT, "MinDelayChange");
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
