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
  feesDistributed: 0n,
  rewardsClaimed: 0n,
  cutPpm: 0,
};
