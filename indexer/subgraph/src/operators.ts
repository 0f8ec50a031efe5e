// Ponder's emptyOperator (indexer/src/where.ts), shared by the mappings that touch an operator.
import { Address } from "@graphprotocol/graph-ts";

import { Operator } from "../generated/schema";
import { ZERO } from "./common";

/** Ponder's emptyOperator: every amount 0, epochs 0, no cut, nothing pending, never staked. */
export function emptyOperator(address: Address): Operator {
  const row = new Operator(address);
  row.ownActive = ZERO;
  row.ownThawing = ZERO;
  row.ownThawingShares = ZERO;
  row.ownThawingEpoch = 0;
  row.delegated = ZERO;
  row.delegatedShares = ZERO;
  row.delegatedThawing = ZERO;
  row.delegatedThawingShares = ZERO;
  row.delegatedThawingEpoch = 0;
  row.slashed = ZERO;
  row.pendingSlash = ZERO;
  row.pendingChallenges = 0;
  row.activeNodes = 0;
  row.feesCredited = ZERO;
  row.feesStreaming = ZERO;
  row.feeStreamEndsAt = ZERO;
  row.rewardsClaimed = ZERO;
  row.cutPpm = 0;
  // A nullable Int has no null in AssemblyScript's i32: unset() stores the null Ponder stores.
  row.unset("pendingCutPpm");
  row.pendingCutAt = null;
  row.firstStakedAt = null;
  return row;
}

/** The operator, created empty when it has none yet: Ponder's upsert. */
export function operator(address: Address): Operator {
  const row = Operator.load(address);
  return row == null ? emptyOperator(address) : row;
}
