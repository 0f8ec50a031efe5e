/**
 * Mirrors indexer/src/network.ts: the network's running totals and the daily statistics. Each handler that moves a
 * total calls `record` with what changed, and the day's entity gets its counters bumped and its end-of-day snapshot
 * refreshed.
 */
import { BigInt } from "@graphprotocol/graph-ts";

import { DailyStats, Network, Supply } from "../generated/schema";
import { ZERO } from "./common";
import { civilDay } from "./day";

const NETWORK = "network";

/** The UTC day of a unix time, "YYYY-MM-DD", as Ponder's `dayOf` (`toISOString().slice(0, 10)`). */
export function dayOf(timestamp: BigInt): string {
  const ymd = civilDay(timestamp.toI64());
  const y = ymd / 10_000;
  const m = (ymd / 100) % 100;
  const d = ymd % 100;
  return y.toString().padStart(4, "0") + "-" + m.toString().padStart(2, "0") + "-" + d.toString().padStart(2, "0");
}

/** What an event changed: the day's counters (Ponder's Counters) and the network's totals (Ponder's Totals). */
export class Change {
  inferencesPaid: i32 = 0;
  proofsCommitted: BigInt = ZERO;
  proofRecords: i32 = 0;
  proofBatches: i32 = 0;
  volume: BigInt = ZERO;
  feesBurned: BigInt = ZERO;
  locked: BigInt = ZERO;
  totalActive: BigInt = ZERO;
  totalThawing: BigInt = ZERO;
  totalFeesBurned: BigInt = ZERO;
  protocolFeesFlushed: BigInt = ZERO;
}

/** Applies the totals of `c` to the network and its counters to the day of `timestamp`; refreshes the snapshot. */
export function record(timestamp: BigInt, c: Change): void {
  let net = Network.load(NETWORK);
  if (net == null) {
    net = new Network(NETWORK);
    net.locked = ZERO;
    net.totalActive = ZERO;
    net.totalThawing = ZERO;
    net.feesBurned = ZERO;
    net.protocolFeesFlushed = ZERO;
  }
  net.locked = net.locked.plus(c.locked);
  net.totalActive = net.totalActive.plus(c.totalActive);
  net.totalThawing = net.totalThawing.plus(c.totalThawing);
  net.feesBurned = net.feesBurned.plus(c.totalFeesBurned);
  net.protocolFeesFlushed = net.protocolFeesFlushed.plus(c.protocolFeesFlushed);
  net.save();

  const supply = Supply.load("OPG");
  const total = supply == null ? ZERO : supply.total;
  const day = dayOf(timestamp);
  let stats = DailyStats.load(day);
  if (stats == null) {
    stats = new DailyStats(day);
    stats.inferencesPaid = 0;
    stats.proofsCommitted = ZERO;
    stats.proofRecords = 0;
    stats.proofBatches = 0;
    stats.volume = ZERO;
    stats.feesBurned = ZERO;
    stats.totalStaked = ZERO;
    stats.circulatingSupply = ZERO;
  }
  stats.inferencesPaid = stats.inferencesPaid + c.inferencesPaid;
  stats.proofsCommitted = stats.proofsCommitted.plus(c.proofsCommitted);
  stats.proofRecords = stats.proofRecords + c.proofRecords;
  stats.proofBatches = stats.proofBatches + c.proofBatches;
  stats.volume = stats.volume.plus(c.volume);
  stats.feesBurned = stats.feesBurned.plus(c.feesBurned);
  stats.totalStaked = net.totalActive.plus(net.totalThawing);
  stats.circulatingSupply = total.minus(net.locked);
  stats.save();
}

/** An empty change, for a handler to fill in (the mappings create entities with `new`, changes with this). */
export function change(): Change {
  return new Change();
}
