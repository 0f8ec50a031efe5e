/**
 * The indexer's tables. State tables are keyed by their natural key and updated by the handlers; history lives in
 * append-only event tables keyed by the event id (Ponder keeps no point-in-time history of its own). Amounts are
 * wei, times unix seconds. Indexes are on what the routes filter by.
 */
import { index, onchainTable, primaryKey } from "ponder";

/** Every event row carries where it happened. */
type Columns = Parameters<Extract<Parameters<typeof onchainTable>[1], (...args: never[]) => unknown>>[0];
const at = (t: Columns) => ({
  blockNumber: t.bigint().notNull(),
  timestamp: t.bigint().notNull(),
  transactionHash: t.hex().notNull(),
  logIndex: t.integer().notNull(),
});

// ---------------------------------------------------------------- token

/** One row per OPG holder (and per address that ever held votes). */
export const account = onchainTable("account", (t) => ({
  address: t.hex().primaryKey(),
  balance: t.bigint().notNull(),
  votes: t.bigint().notNull(),
  delegate: t.hex(),
  /** A voting vault's OPG does not circulate: set when its VotingVaultDeployed is indexed, read by each Transfer. */
  locked: t.boolean().notNull(),
}));

export const transfer = onchainTable(
  "transfer",
  (t) => ({
    id: t.text().primaryKey(),
    from: t.hex().notNull(),
    to: t.hex().notNull(),
    amount: t.bigint().notNull(),
    ...at(t),
  }),
  (table) => ({ fromIdx: index().on(table.from), toIdx: index().on(table.to) }),
);

/** The token's total supply, kept from mints and burns (transfers from and to the zero address): one row, id "OPG". */
export const supply = onchainTable("supply", (t) => ({
  id: t.text().primaryKey(),
  total: t.bigint().notNull(),
  burned: t.bigint().notNull(),
}));

// ---------------------------------------------------------------- vesting

export const vestingSchedule = onchainTable(
  "vesting_schedule",
  (t) => ({
    id: t.bigint().primaryKey(),
    beneficiary: t.hex().notNull(),
    funder: t.hex().notNull(),
    total: t.bigint().notNull(),
    unlockedAtStart: t.bigint().notNull(),
    start: t.bigint().notNull(),
    cliff: t.bigint().notNull(),
    end: t.bigint().notNull(),
    /** 0 linear, 1 monthly (Vesting.Shape). */
    shape: t.integer().notNull(),
    revocable: t.boolean().notNull(),
    revoked: t.boolean().notNull(),
    released: t.bigint().notNull(),
    /** The unvested part returned to the treasury at revocation. */
    refunded: t.bigint().notNull(),
    delegatee: t.hex(),
    createdAt: t.bigint().notNull(),
  }),
  (table) => ({ beneficiaryIdx: index().on(table.beneficiary) }),
);

/** The contracts that hold locked schedules' tokens while their votes are delegated (one per delegatee). */
export const votingVault = onchainTable("voting_vault", (t) => ({
  address: t.hex().primaryKey(),
  delegatee: t.hex().notNull(),
}));

export const vestingRelease = onchainTable(
  "vesting_release",
  (t) => ({
    id: t.text().primaryKey(),
    scheduleId: t.bigint().notNull(),
    beneficiary: t.hex().notNull(),
    amount: t.bigint().notNull(),
    ...at(t),
  }),
  (table) => ({ scheduleIdx: index().on(table.scheduleId), beneficiaryIdx: index().on(table.beneficiary) }),
);

export const vestingRevocation = onchainTable(
  "vesting_revocation",
  (t) => ({
    id: t.text().primaryKey(),
    scheduleId: t.bigint().notNull(),
    beneficiary: t.hex().notNull(),
    treasury: t.hex().notNull(),
    vested: t.bigint().notNull(),
    refunded: t.bigint().notNull(),
    ...at(t),
  }),
  (table) => ({ scheduleIdx: index().on(table.scheduleId) }),
);

export const scheduleTransfer = onchainTable(
  "schedule_transfer",
  (t) => ({
    id: t.text().primaryKey(),
    scheduleId: t.bigint().notNull(),
    from: t.hex().notNull(),
    to: t.hex().notNull(),
    ...at(t),
  }),
  (table) => ({
    scheduleIdx: index().on(table.scheduleId),
    fromIdx: index().on(table.from),
    toIdx: index().on(table.to),
  }),
);

// ---------------------------------------------------------------- staking

/**
 * An operator's stake as the contract books it (Stakes.Operator): own active stake, the delegated pool (tokens and
 * shares), and the two thawing pools with their shares and epochs (a slash that empties a thawing pool starts a new
 * epoch, whose requests hold nothing of the old one). `rewardsClaimed` counts every claim under the operator: its own
 * and its delegators'. `pendingSlash` is Staking.pendingSlashOf (the sum of its pending challenges' slashes: they lock
 * that much of its slashable stake, all of it at most, against withdrawal; Staking.lockedStakeOf), `pendingChallenges` the challenges of its nodes waiting for the arbiter. `activeNodes` counts its
 * active nodes: the own stake it needs is activeNodes x NodeRegistry.minimumOwnStake (requiredOwnStakeOf), compared
 * with `ownActive` (Staking.stakeOf's own). `feesCredited` is every node fee credited to it (FeesCredited);
 * Staking releases them to its stake linearly over FEE_STREAM_PERIOD: `feesStreaming` was not yet released at the
 * last credit, and is released by `feeStreamEndsAt`.
 */
export const operator = onchainTable("operator", (t) => ({
  address: t.hex().primaryKey(),
  ownActive: t.bigint().notNull(),
  ownThawing: t.bigint().notNull(),
  ownThawingShares: t.bigint().notNull(),
  ownThawingEpoch: t.integer().notNull(),
  delegated: t.bigint().notNull(),
  delegatedShares: t.bigint().notNull(),
  delegatedThawing: t.bigint().notNull(),
  delegatedThawingShares: t.bigint().notNull(),
  delegatedThawingEpoch: t.integer().notNull(),
  slashed: t.bigint().notNull(),
  pendingSlash: t.bigint().notNull(),
  pendingChallenges: t.integer().notNull(),
  activeNodes: t.integer().notNull(),
  feesCredited: t.bigint().notNull(),
  feesStreaming: t.bigint().notNull(),
  feeStreamEndsAt: t.bigint().notNull(),
  rewardsClaimed: t.bigint().notNull(),
  cutPpm: t.integer().notNull(),
  /** A scheduled cut and when it may be applied (applyDelegationCut); null when none is pending. */
  pendingCutPpm: t.integer(),
  pendingCutAt: t.bigint(),
  firstStakedAt: t.bigint(),
}));

/** A delegator's position with an operator now: its shares of the delegated pool (tokens = shares x pool tokens /
 * pool shares, as Staking.getDelegation). Rows stay when the shares reach 0. `maxCutPpm` is the highest cut the
 * delegator accepted in its last delegation (the `maxCutPpm` argument of delegate or delegateWithPermit, decoded from
 * the transaction's input; null when the transaction called Staking through another contract). */
export const delegation = onchainTable(
  "delegation",
  (t) => ({
    operator: t.hex().notNull(),
    delegator: t.hex().notNull(),
    shares: t.bigint().notNull(),
    maxCutPpm: t.integer(),
    /** The first delegation's time. */
    since: t.bigint().notNull(),
    updatedAt: t.bigint().notNull(),
  }),
  (table) => ({
    pk: primaryKey({ columns: [table.operator, table.delegator] }),
    delegatorIdx: index().on(table.delegator),
  }),
);

/** Every change to a delegation: kind "delegate" (shares minted) or "undelegate" (shares burned, amount thawing);
 * `maxCutPpm` is the cut a delegation accepted at most (null for an undelegation or when not decodable). */
export const delegationChange = onchainTable(
  "delegation_change",
  (t) => ({
    id: t.text().primaryKey(),
    operator: t.hex().notNull(),
    delegator: t.hex().notNull(),
    kind: t.text().notNull(),
    amount: t.bigint().notNull(),
    shares: t.bigint().notNull(),
    sharesAfter: t.bigint().notNull(),
    maxCutPpm: t.integer(),
    ...at(t),
  }),
  (table) => ({ operatorIdx: index().on(table.operator), delegatorIdx: index().on(table.delegator) }),
);

/** Every RewardsClaimed: `account` is the operator itself or one of its delegators. */
export const rewardClaim = onchainTable(
  "reward_claim",
  (t) => ({
    id: t.text().primaryKey(),
    account: t.hex().notNull(),
    operator: t.hex().notNull(),
    amount: t.bigint().notNull(),
    ...at(t),
  }),
  (table) => ({ operatorIdx: index().on(table.operator), accountIdx: index().on(table.account) }),
);

/** A payment's node share credited to the operator in Staking (FeesCredited, emitted by the escrow's payment in the
 * same transaction): it joins the operator's fee stream, `streaming` in all after it, released linearly to the stake of
 * each moment until `streamEndsAt`. */
export const feeCredit = onchainTable(
  "fee_credit",
  (t) => ({
    id: t.text().primaryKey(),
    operator: t.hex().notNull(),
    amount: t.bigint().notNull(),
    streaming: t.bigint().notNull(),
    streamEndsAt: t.bigint().notNull(),
    ...at(t),
  }),
  (table) => ({ operatorIdx: index().on(table.operator), txIdx: index().on(table.transactionHash) }),
);

/** Pending slashes added and removed by the slasher (StakeLocked, StakeUnlocked): kind "lock" or "unlock";
 * `totalPending` is the operator's pending slashes after it. */
export const stakeLock = onchainTable(
  "stake_lock",
  (t) => ({
    id: t.text().primaryKey(),
    operator: t.hex().notNull(),
    kind: t.text().notNull(),
    amount: t.bigint().notNull(),
    totalPending: t.bigint().notNull(),
    ...at(t),
  }),
  (table) => ({ operatorIdx: index().on(table.operator) }),
);

/** Every change to an operator's stake: deposit, delegate, thaw, withdraw, slash (amount as booked). */
export const stakeChange = onchainTable(
  "stake_change",
  (t) => ({
    id: t.text().primaryKey(),
    operator: t.hex().notNull(),
    staker: t.hex().notNull(),
    kind: t.text().notNull(),
    amount: t.bigint().notNull(),
    ...at(t),
  }),
  (table) => ({ operatorIdx: index().on(table.operator), stakerIdx: index().on(table.staker) }),
);

export const thawRequest = onchainTable(
  "thaw_request",
  (t) => ({
    id: t.text().primaryKey(),
    operator: t.hex().notNull(),
    staker: t.hex().notNull(),
    requestId: t.bigint().notNull(),
    amount: t.bigint().notNull(),
    shares: t.bigint().notNull(),
    thawingUntil: t.bigint().notNull(),
    /** The thawing pool's epoch when the request was made. */
    epoch: t.integer().notNull(),
    /** open or withdrawn */
    status: t.text().notNull(),
    withdrawnAt: t.bigint(),
    ...at(t),
  }),
  (table) => ({
    operatorIdx: index().on(table.operator, table.staker, table.requestId),
    stakerIdx: index().on(table.staker),
  }),
);

export const slash = onchainTable(
  "slash",
  (t) => ({
    id: t.text().primaryKey(),
    operator: t.hex().notNull(),
    challenger: t.hex().notNull(),
    fromOwnActive: t.bigint().notNull(),
    fromOwnThawing: t.bigint().notNull(),
    fromDelegated: t.bigint().notNull(),
    fromDelegatedThawing: t.bigint().notNull(),
    burned: t.bigint().notNull(),
    toChallenger: t.bigint().notNull(),
    ...at(t),
  }),
  (table) => ({ operatorIdx: index().on(table.operator) }),
);

// ---------------------------------------------------------------- network

/**
 * The network's running totals: one row, id "network". `locked` is what the vesting vault, its voting vaults,
 * staking and the escrow hold (not circulating); `totalActive` and `totalThawing` are Staking's own totals.
 */
export const network = onchainTable("network", (t) => ({
  id: t.text().primaryKey(),
  locked: t.bigint().notNull(),
  totalActive: t.bigint().notNull(),
  totalThawing: t.bigint().notNull(),
  feesBurned: t.bigint().notNull(),
  protocolFeesFlushed: t.bigint().notNull(),
}));

/**
 * Daily network statistics, by UTC day ("YYYY-MM-DD"): counts and sums of the day's events, and the end-of-day
 * snapshots (the state after the day's last event; a day without events has no row).
 */
export const dailyStats = onchainTable("daily_stats", (t) => ({
  day: t.text().primaryKey(),
  /** Payments collected (voucher redemptions and fulfilled requests). */
  inferencesPaid: t.integer().notNull(),
  /** Single records committed plus the record counts of committed batches. */
  proofsCommitted: t.bigint().notNull(),
  proofRecords: t.integer().notNull(),
  proofBatches: t.integer().notNull(),
  /** Gross paid. */
  volume: t.bigint().notNull(),
  /** Protocol fees burned (ProtocolFeesFlushed to the zero address). */
  feesBurned: t.bigint().notNull(),
  /** Staking's active plus thawing stake at the end of the day. */
  totalStaked: t.bigint().notNull(),
  /** Total supply less what the vesting vault, its voting vaults, staking and the escrow hold, at the end of the day. */
  circulatingSupply: t.bigint().notNull(),
}));

/**
 * Governance and housekeeping events that change no balance: roles, parameters, pauses, the timelock's operations,
 * fee recipients, verifiers, approvals of the token (ERC-20 allowances). `args` is the event's arguments as JSON.
 */
export const protocolEvent = onchainTable(
  "protocol_event",
  (t) => ({
    id: t.text().primaryKey(),
    contract: t.text().notNull(),
    name: t.text().notNull(),
    args: t.text().notNull(),
    ...at(t),
  }),
  (table) => ({ nameIdx: index().on(table.contract, table.name) }),
);

/** The token's allowances now (owner, spender), from Approval events. */
export const allowance = onchainTable(
  "allowance",
  (t) => ({ owner: t.hex().notNull(), spender: t.hex().notNull(), amount: t.bigint().notNull() }),
  (table) => ({ pk: primaryKey({ columns: [table.owner, table.spender] }) }),
);

// ---------------------------------------------------------------- payments

/** A payer's account: `balance` is its free balance (PaymentsEscrow.balanceOf: requests lock fee caps from it, it
 * funds escrows, it is withdrawn at once); `deposited` is what came in, `funded` what it put in escrows with
 * operators, `withdrawn` everything the payer took out (withdrawBalance and escrow withdrawals alike), `paid`
 * everything paid (vouchers from escrows, requests from fee caps). */
export const escrowAccount = onchainTable("escrow_account", (t) => ({
  payer: t.hex().primaryKey(),
  balance: t.bigint().notNull(),
  deposited: t.bigint().notNull(),
  funded: t.bigint().notNull(),
  withdrawn: t.bigint().notNull(),
  paid: t.bigint().notNull(),
}));

/** A payer's escrow with an operator (PaymentsEscrow.getEscrow): it alone pays vouchers of the operator's nodes and
 * leaves only through a thaw. `thawing` is the part on its way out (vouchers may still take it, down to the balance),
 * withdrawable from `thawEndsAt` (0: no thaw). */
export const operatorEscrow = onchainTable(
  "operator_escrow",
  (t) => ({
    payer: t.hex().notNull(),
    operator: t.hex().notNull(),
    balance: t.bigint().notNull(),
    thawing: t.bigint().notNull(),
    thawStartedAt: t.bigint().notNull(),
    thawEndsAt: t.bigint().notNull(),
    funded: t.bigint().notNull(),
    withdrawn: t.bigint().notNull(),
    paid: t.bigint().notNull(),
  }),
  (table) => ({
    pk: primaryKey({ columns: [table.payer, table.operator] }),
    operatorIdx: index().on(table.operator),
  }),
);

/** Every EscrowFunded: `amount` moved from the payer's free balance (or a depositToEscrow) into its escrow with
 * `operator`. */
export const escrowFunding = onchainTable(
  "escrow_funding",
  (t) => ({
    id: t.text().primaryKey(),
    payer: t.hex().notNull(),
    operator: t.hex().notNull(),
    amount: t.bigint().notNull(),
    ...at(t),
  }),
  (table) => ({ payerIdx: index().on(table.payer), operatorIdx: index().on(table.operator) }),
);

export const deposit = onchainTable(
  "deposit",
  (t) => ({
    id: t.text().primaryKey(),
    payer: t.hex().notNull(),
    depositor: t.hex().notNull(),
    amount: t.bigint().notNull(),
    ...at(t),
  }),
  (table) => ({ payerIdx: index().on(table.payer) }),
);

/** Every Withdrawn: from the escrow with `operator` after its thaw, or from the free balance (`operator` zero). */
export const withdrawal = onchainTable(
  "withdrawal",
  (t) => ({
    id: t.text().primaryKey(),
    payer: t.hex().notNull(),
    operator: t.hex().notNull(),
    amount: t.bigint().notNull(),
    ...at(t),
  }),
  (table) => ({ payerIdx: index().on(table.payer) }),
);

/** Every payment with each share (PaymentCollected): kind 0 voucher, 1 request. */
export const payment = onchainTable(
  "payment",
  (t) => ({
    id: t.text().primaryKey(),
    payer: t.hex().notNull(),
    nodeId: t.bigint().notNull(),
    modelId: t.hex().notNull(),
    operator: t.hex().notNull(),
    modelOwner: t.hex().notNull(),
    mode: t.integer().notNull(),
    kind: t.integer().notNull(),
    gross: t.bigint().notNull(),
    nodeShare: t.bigint().notNull(),
    royalty: t.bigint().notNull(),
    protocolFee: t.bigint().notNull(),
    ...at(t),
  }),
  (table) => ({
    payerIdx: index().on(table.payer, table.blockNumber, table.logIndex),
    operatorIdx: index().on(table.operator, table.blockNumber, table.logIndex),
    modelOwnerIdx: index().on(table.modelOwner, table.blockNumber, table.logIndex),
    nodeIdx: index().on(table.nodeId),
    modelIdx: index().on(table.modelId),
    timeIdx: index().on(table.timestamp),
  }),
);

/** Money leaving the escrow's pending books: kind "royalties" (to the owner), "protocolFees" (to the recipient, or
 * burned when it is the zero address). Node shares are credited in Staking with each payment (fee_credit). */
export const escrowCollection = onchainTable(
  "escrow_collection",
  (t) => ({
    id: t.text().primaryKey(),
    kind: t.text().notNull(),
    to: t.hex().notNull(),
    amount: t.bigint().notNull(),
    ...at(t),
  }),
  (table) => ({ toIdx: index().on(table.to) }),
);

/** A voucher of a batch that was not paid, with the error selector that skipped it. */
export const voucherSkip = onchainTable(
  "voucher_skip",
  (t) => ({
    id: t.text().primaryKey(),
    index: t.bigint().notNull(),
    payer: t.hex().notNull(),
    nodeId: t.bigint().notNull(),
    reason: t.hex().notNull(),
    ...at(t),
  }),
  (table) => ({ payerIdx: index().on(table.payer) }),
);

export const request = onchainTable(
  "request",
  (t) => ({
    id: t.bigint().primaryKey(),
    payer: t.hex().notNull(),
    modelId: t.hex().notNull(),
    inputHash: t.hex().notNull(),
    mode: t.integer().notNull(),
    feeCap: t.bigint().notNull(),
    deadline: t.bigint().notNull(),
    nodeId: t.bigint().notNull(),
    /** open, fulfilled, reclaimed */
    status: t.text().notNull(),
    price: t.bigint(),
    postedAt: t.bigint().notNull(),
  }),
  (table) => ({ payerIdx: index().on(table.payer) }),
);

/** An answer committed for an open request by a node's operator (FulfilmentCommitted), before fulfilling it in a
 * later block: one row per (request, node), the last commitment of that node. */
export const requestCommitment = onchainTable(
  "request_commitment",
  (t) => ({
    requestId: t.bigint().notNull(),
    nodeId: t.bigint().notNull(),
    commitment: t.hex().notNull(),
    ...at(t),
  }),
  (table) => ({ pk: primaryKey({ columns: [table.requestId, table.nodeId] }), nodeIdx: index().on(table.nodeId) }),
);

// ---------------------------------------------------------------- models

/** A registered model. A scheduled royalty increase waits in pendingRoyaltyPpm until royaltyEffectiveAt (the
 * contract applies it then, without an event: past that time the pending share is the one in force). */
export const model = onchainTable(
  "model",
  (t) => ({
    id: t.hex().primaryKey(),
    owner: t.hex().notNull(),
    pendingOwner: t.hex(),
    royaltyPpm: t.integer().notNull(),
    pendingRoyaltyPpm: t.integer(),
    royaltyEffectiveAt: t.bigint(),
    metadataURI: t.text().notNull(),
    registeredAt: t.bigint().notNull(),
  }),
  (table) => ({ ownerIdx: index().on(table.owner) }),
);

/** Every ownership step of a model: kind "offered" (to = pending owner, zero cancels) or "transferred". */
export const modelOwnership = onchainTable(
  "model_ownership",
  (t) => ({
    id: t.text().primaryKey(),
    modelId: t.hex().notNull(),
    kind: t.text().notNull(),
    from: t.hex().notNull(),
    to: t.hex().notNull(),
    ...at(t),
  }),
  (table) => ({ modelIdx: index().on(table.modelId) }),
);

// ---------------------------------------------------------------- nodes

/** A node as the registry stores it; prices in wei per inference for each mode (0: not offered), as stored before
 * any scheduled increase. An increase waits PRICE_INCREASE_DELAY: `pendingPriceNone/Tee/Zk` apply from
 * `priceIncreaseAt` (the registry switches without an event: past that time they are the prices in force); null when
 * none is scheduled. */
export const node = onchainTable(
  "node",
  (t) => ({
    id: t.bigint().primaryKey(),
    operator: t.hex().notNull(),
    metadataURI: t.text().notNull(),
    /** Mask of 1 << mode: 1 none, 2 tee, 4 zk. */
    modes: t.integer().notNull(),
    teeMeasurement: t.hex().notNull(),
    capacity: t.integer().notNull(),
    priceNone: t.bigint().notNull(),
    priceTee: t.bigint().notNull(),
    priceZk: t.bigint().notNull(),
    pendingPriceNone: t.bigint(),
    pendingPriceTee: t.bigint(),
    pendingPriceZk: t.bigint(),
    priceIncreaseAt: t.bigint(),
    active: t.boolean().notNull(),
    jailedUntil: t.bigint().notNull(),
    lastSeen: t.bigint().notNull(),
    registeredAt: t.bigint().notNull(),
  }),
  (table) => ({ operatorIdx: index().on(table.operator) }),
);

/** The models a node serves now: a row per (node, model), deleted when the node stops serving it. */
export const nodeModel = onchainTable(
  "node_model",
  (t) => ({ nodeId: t.bigint().notNull(), modelId: t.hex().notNull() }),
  (table) => ({ pk: primaryKey({ columns: [table.nodeId, table.modelId] }), modelIdx: index().on(table.modelId) }),
);

/** Enclave measurements governance approved (approved false once withdrawn). */
export const teeMeasurement = onchainTable("tee_measurement", (t) => ({
  measurement: t.hex().primaryKey(),
  approved: t.boolean().notNull(),
}));

/** The minimum stake of each mode (0 none, 1 tee, 2 zk), seeded with the contract's defaults. */
export const minimumStake = onchainTable("minimum_stake", (t) => ({
  mode: t.integer().primaryKey(),
  minimum: t.bigint().notNull(),
}));

/** The registry's parameters: one row, id "NodeRegistry"; `minimumOwnStake` is the own stake each active node needs. */
export const nodeRegistryParams = onchainTable("node_registry_params", (t) => ({
  id: t.text().primaryKey(),
  livenessWindow: t.bigint().notNull(),
  minimumOwnStake: t.bigint().notNull(),
}));

// ---------------------------------------------------------------- proofs

/** A single committed record, by node and inference id (the registry refuses a node's second commitment of one id). */
export const proofRecord = onchainTable(
  "proof_record",
  (t) => ({
    nodeId: t.bigint().notNull(),
    inferenceId: t.hex().notNull(),
    modelId: t.hex().notNull(),
    inputHash: t.hex().notNull(),
    outputHash: t.hex().notNull(),
    proofType: t.integer().notNull(),
    proofHash: t.hex().notNull(),
    leaf: t.hex().notNull(),
    ...at(t),
  }),
  (table) => ({
    pk: primaryKey({ columns: [table.nodeId, table.inferenceId] }),
    modelIdx: index().on(table.modelId),
  }),
);

/** A committed batch root, by node and root. */
export const proofBatch = onchainTable(
  "proof_batch",
  (t) => ({
    nodeId: t.bigint().notNull(),
    root: t.hex().notNull(),
    recordCount: t.bigint().notNull(),
    uri: t.text().notNull(),
    ...at(t),
  }),
  (table) => ({ pk: primaryKey({ columns: [table.nodeId, table.root] }) }),
);

/**
 * A challenge of a record (ProofRegistry.getChallenge). Status by name: "pending" (waiting for the arbiter until
 * `decideBy`, with `lockedStake` of the operator's stake locked), "upheld", "rejected", "expired" (no decision by
 * `decideBy`), "superseded" (a verifier upheld another challenge of the record first). A challenge a verifier decided at
 * once is never pending. On resolution: `slashed` and `toChallenger` as staking moved them, the bond and who got it
 * (`bondRecipient`: the challenger when upheld or superseded, the zero address when rejected or expired: burned).
 */
export const proofChallenge = onchainTable(
  "proof_challenge",
  (t) => ({
    id: t.hex().primaryKey(),
    root: t.hex().notNull(),
    inferenceId: t.hex().notNull(),
    recordKey: t.hex().notNull(),
    nodeId: t.bigint().notNull(),
    operator: t.hex().notNull(),
    challenger: t.hex().notNull(),
    bond: t.bigint().notNull(),
    lockedStake: t.bigint().notNull(),
    decideBy: t.bigint().notNull(),
    status: t.text().notNull(),
    slashed: t.bigint(),
    toChallenger: t.bigint(),
    bondRecipient: t.hex(),
    openedAt: t.bigint().notNull(),
    resolvedAt: t.bigint(),
  }),
  (table) => ({
    nodeIdx: index().on(table.nodeId),
    operatorIdx: index().on(table.operator, table.status),
    challengerIdx: index().on(table.challenger),
  }),
);
