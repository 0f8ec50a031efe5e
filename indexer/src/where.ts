/** Shared by the handlers (and the API): where an event happened, and empty rows. */

/** Where an event happened, for the event tables. */
export function where(event: {
  block: { number: bigint; timestamp: bigint };
  transaction: { hash: `0x${string}` };
  log: { logIndex: number };
}) {
  return {
    blockNumber: event.block.number,
    timestamp: event.block.timestamp,
    transactionHash: event.transaction.hash,
    logIndex: event.log.logIndex,
  };
}

/** An operator row before its first event: what the handlers insert and what the API answers for an unknown one. */
export const emptyOperator = {
  ownActive: 0n,
  ownThawing: 0n,
  ownThawingShares: 0n,
  ownThawingEpoch: 0,
  delegated: 0n,
  delegatedShares: 0n,
  delegatedThawing: 0n,
  delegatedThawingShares: 0n,
  delegatedThawingEpoch: 0,
  slashed: 0n,
  pendingSlash: 0n,
  pendingChallenges: 0,
  activeNodes: 0,
  feesCredited: 0n,
  feesStreaming: 0n,
  feeStreamEndsAt: 0n,
  rewardsClaimed: 0n,
  cutPpm: 0,
};

/** A node's prices in force at `time` (NodeRegistry._pricesNow): the scheduled ones once their increase is due. */
export function pricesNow(
  row: {
    priceNone: bigint;
    priceTee: bigint;
    priceZk: bigint;
    pendingPriceNone: bigint | null;
    pendingPriceTee: bigint | null;
    pendingPriceZk: bigint | null;
    priceIncreaseAt: bigint | null;
  },
  time: bigint,
): readonly [bigint, bigint, bigint] {
  if (row.priceIncreaseAt !== null && row.priceIncreaseAt <= time)
    return [row.pendingPriceNone ?? 0n, row.pendingPriceTee ?? 0n, row.pendingPriceZk ?? 0n];
  return [row.priceNone, row.priceTee, row.priceZk];
}
