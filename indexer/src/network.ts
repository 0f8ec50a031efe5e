/**
 * The network's running totals and the daily statistics, kept by the handlers: each handler that moves a total calls
 * `record` with what changed, and the day's row gets its counters bumped and its end-of-day snapshot refreshed.
 */
import type { Context } from "ponder:registry";
import { account, dailyStats, network, supply } from "ponder:schema";

import config from "../ponder.config";

/** The contracts whose OPG is not circulating, lowercase; voting vaults join them as they are deployed
 * (`account.locked`). */
const LOCKED_CONTRACTS: ReadonlySet<string> = new Set(
  [
    config.contracts.VestingVault.address,
    config.contracts.Staking.address,
    config.contracts.PaymentsEscrow.address,
  ].map((a) => a.toLowerCase()),
);

/** An account row before its first event. */
export const emptyAccount = { balance: 0n, votes: 0n, locked: false };

type Db = Context["db"];

/** The UTC day of a unix time, "YYYY-MM-DD". */
export function dayOf(timestamp: bigint): string {
  return new Date(Number(timestamp) * 1000).toISOString().slice(0, 10);
}

/** Whether `address` is one of the fixed contracts whose OPG does not circulate: the vesting vault,
 * staking, the escrow. A voting vault is known by its account row's `locked` instead (no read per Transfer). */
export function isLockedContract(address: `0x${string}`): boolean {
  return LOCKED_CONTRACTS.has(address.toLowerCase());
}

/** Marks a voting vault's account locked; answers what it already holds (its Transfer may come before its
 * deployment event). */
export async function lockAccount(db: Db, address: `0x${string}`): Promise<bigint> {
  const row = await db
    .insert(account)
    .values({ address, ...emptyAccount, locked: true })
    .onConflictDoUpdate({ locked: true });
  return row.balance;
}

export interface Counters {
  inferencesPaid?: number;
  proofsCommitted?: bigint;
  proofRecords?: number;
  proofBatches?: number;
  volume?: bigint;
  feesBurned?: bigint;
}

export interface Totals {
  locked?: bigint;
  totalActive?: bigint;
  totalThawing?: bigint;
  feesBurned?: bigint;
  protocolFeesFlushed?: bigint;
}

const emptyNetwork = { locked: 0n, totalActive: 0n, totalThawing: 0n, feesBurned: 0n, protocolFeesFlushed: 0n };

/** Applies `totals` to the network row and `counters` to the day of `timestamp`, and refreshes the day's snapshot. */
export async function record(db: Db, timestamp: bigint, counters: Counters = {}, totals: Totals = {}) {
  const d = { ...emptyNetwork, ...totals };
  const net = await db
    .insert(network)
    .values({ id: "network", ...d })
    .onConflictDoUpdate((row) => ({
      locked: row.locked + d.locked,
      totalActive: row.totalActive + d.totalActive,
      totalThawing: row.totalThawing + d.totalThawing,
      feesBurned: row.feesBurned + d.feesBurned,
      protocolFeesFlushed: row.protocolFeesFlushed + d.protocolFeesFlushed,
    }));
  const total = (await db.find(supply, { id: "OPG" }))?.total ?? 0n;
  const snapshot = { totalStaked: net.totalActive + net.totalThawing, circulatingSupply: total - net.locked };
  const c = {
    inferencesPaid: 0,
    proofsCommitted: 0n,
    proofRecords: 0,
    proofBatches: 0,
    volume: 0n,
    feesBurned: 0n,
    ...counters,
  };
  await db
    .insert(dailyStats)
    .values({ day: dayOf(timestamp), ...c, ...snapshot })
    .onConflictDoUpdate((row) => ({
      inferencesPaid: row.inferencesPaid + c.inferencesPaid,
      proofsCommitted: row.proofsCommitted + c.proofsCommitted,
      proofRecords: row.proofRecords + c.proofRecords,
      proofBatches: row.proofBatches + c.proofBatches,
      volume: row.volume + c.volume,
      feesBurned: row.feesBurned + c.feesBurned,
      ...snapshot,
    }));
}
