/**
 * The typed client of the indexer's HTTP routes: one function per route, plain `fetch`, no Ponder import (the
 * CommonJS CLI loads it through ts-node). Amounts come as `{ wei, opg }`: `wei` a decimal string to read with
 * BigInt, `opg` formatted for people. Bad input answers 400: the client throws an {@link IndexerError} with the
 * server's reason.
 *
 *   const indexer = createIndexerClient("http://127.0.0.1:42069");
 *   const { schedules } = await indexer.unlocksOf("0x…", { at: "2027-04-21" });
 */

export interface Amount {
  /** Wei, as a decimal string. */
  wei: string;
  /** "1,234.5 OPG". */
  opg: string;
}

export type Time = bigint | number | string | Date;

/** A verification mode, by name everywhere (the Solidity enum's 0, 1, 2). */
export type Mode = "none" | "tee" | "zk";

/** Where an answer's "now" came from: the query's `at`, or the latest indexed block's time (the chain's clock). */
export type AtSource = "query" | "indexedBlock";

export interface Block {
  number: number;
  timestamp: number;
}

export interface UnlockPoint {
  time: string;
  date: string;
  vested: Amount;
}

export interface Schedule {
  id: string;
  beneficiary: string;
  total: Amount;
  unlockedAtStart: Amount;
  start: string;
  cliff: string;
  end: string;
  shape: "linear" | "monthly";
  revocable: boolean;
  revoked: boolean;
  refunded: Amount;
  delegatee: string | null;
  vested: Amount;
  released: Amount;
  releasable: Amount;
  locked: Amount;
  nextUnlocks: UnlockPoint[];
}

export interface Unlocks {
  address: string;
  at: string;
  atSource: AtSource;
  date: string;
  total: Amount;
  vested: Amount;
  released: Amount;
  releasable: Amount;
  schedules: Schedule[];
}

export interface UnlockTimeline {
  tge: string;
  lastUnlock: string;
  categories: { key: string; name: string; total: Amount }[];
  /** `unlocked`: what the schedules, grants and the rewards stream have released by then (not the circulating supply:
   * unlocked OPG may still sit in a contract, e.g. staked). */
  months: { time: string; date: string; unlocked: Amount; byCategory: Record<string, Amount> }[];
}

export interface Payment {
  id: string;
  payer: string;
  nodeId: string;
  modelId: string;
  operator: string;
  modelOwner: string;
  mode: Mode;
  kind: "voucher" | "request";
  gross: Amount;
  nodeShare: Amount;
  royalty: Amount;
  protocolFee: Amount;
  blockNumber: string;
  timestamp: string;
  transactionHash: string;
  logIndex: number;
}

export interface Payments {
  address: string;
  /** The last block indexed: the list is complete up to it. */
  indexedBlock: Block;
  /** False while the indexer is still catching up with the chain. */
  complete: boolean;
  payments: Payment[];
  nextCursor: string | null;
}

export interface PaymentsQuery {
  role?: "any" | "payer" | "operator" | "modelOwner";
  node?: bigint | number | string;
  model?: string;
  from?: Time;
  to?: Time;
  cursor?: string;
  limit?: number;
}

export interface EligibleNode {
  id: string;
  operator: string;
  metadataURI: string;
  capacity: number;
  price: Amount;
  stake: Amount;
  requiredStake: Amount;
  teeMeasurement: string;
  lastSeen: string;
}

export interface Nodes {
  model: string;
  mode: Mode;
  /** "Now" for liveness and jail: the latest indexed block's time. */
  at: string;
  atSource: AtSource;
  nodes: EligibleNode[];
}

interface At {
  blockNumber: string;
  timestamp: string;
  transactionHash: string;
}

export interface Operator {
  address: string;
  ownActive: Amount;
  ownThawing: Amount;
  delegated: Amount;
  delegatedThawing: Amount;
  activeStake: Amount;
  slashed: Amount;
  rewardsClaimed: Amount;
  /** Staking.lockedStakeOf: what its nodes' pending challenges may slash, held back from withdrawals. */
  lockedStake: Amount;
  /** Staking.pendingSlashOf: the sum of its pending challenges' slashes (may exceed the slashable stake). */
  pendingSlash: Amount;
  /** The challenges waiting for the arbiter, each with its lock and the time it expires undecided after. */
  pendingChallenges: {
    id: string;
    nodeId: string;
    challenger: string;
    lockedStake: Amount;
    decideBy: string;
    openedAt: string;
  }[];
  /** Every challenge of its nodes, newest first. */
  challenges: {
    id: string;
    nodeId: string;
    inferenceId: string;
    root: string;
    challenger: string;
    status: "pending" | "upheld" | "rejected" | "expired" | "superseded";
    bond: Amount;
    lockedStake: Amount;
    decideBy: string;
    /** What staking took and what of it the challenger got; null while pending. */
    slashed: Amount | null;
    toChallenger: Amount | null;
    /** Who got the bond: the challenger (upheld, superseded), or the zero address when it was burned (rejected,
     * expired); null while pending. */
    bondRecipient: string | null;
    openedAt: string;
    resolvedAt: string | null;
  }[];
  /** Own active stake against what its active nodes need (NodeRegistry.requiredOwnStakeOf). */
  ownStake: { own: Amount; required: Amount; minimumPerNode: Amount; activeNodes: number; covered: boolean };
  /** Node fees credited with each payment, and the delegators' part of them after the cut. */
  feesCredited: Amount;
  feesStreaming: Amount;
  feeStreamEndsAt: string;
  /** The latest 100 credits, newest first. */
  feeCredits: ({ amount: Amount; streaming: Amount; streamEndsAt: string } & At)[];
  cutPpm: number;
  pendingCut: { cutPpm: number; effectiveAt: string } | null;
  firstStakedAt: string | null;
  /** `maxCutPpm`: the highest cut the delegator accepted in its last delegation (null if not decodable). */
  delegations: { delegator: string; shares: string; tokens: Amount; maxCutPpm: number | null; since: string }[];
  thawRequests: ({
    staker: string;
    requestId: string;
    own: boolean;
    requested: Amount;
    /** What an open request is worth now, after any slash; null once withdrawn. */
    value: Amount | null;
    shares: string;
    thawingUntil: string;
    status: "open" | "withdrawn";
    withdrawnAt: string | null;
  } & At)[];
  slashes: ({
    challenger: string;
    total: Amount;
    fromOwnActive: Amount;
    fromOwnThawing: Amount;
    fromDelegated: Amount;
    fromDelegatedThawing: Amount;
    burned: Amount;
    toChallenger: Amount;
  } & At)[];
  rewardClaims: ({ account: string; amount: Amount } & At)[];
  nodes: {
    id: string;
    active: boolean;
    modes: ("none" | "tee" | "zk")[];
    capacity: number;
    prices: { none: Amount; tee: Amount; zk: Amount };
    /** A scheduled price increase: these prices apply from effectiveAt; null when none. */
    scheduledPrices: { none: Amount; tee: Amount; zk: Amount; effectiveAt: string } | null;
    metadataURI: string;
    teeMeasurement: string;
    jailedUntil: string;
    lastSeen: string;
    registeredAt: string;
    models: string[];
  }[];
}

export interface Escrow {
  payer: string;
  operator: string;
  balance: Amount;
  /** The part on its way out, withdrawable from thawEndsAt ("0": no thaw). */
  thawing: Amount;
  thawStartedAt: string;
  thawEndsAt: string;
  funded: Amount;
  withdrawn: Amount;
  paid: Amount;
}

export interface Escrows {
  address: string;
  /** The free balance (PaymentsEscrow.balanceOf). */
  balance: Amount;
  deposited: Amount;
  funded: Amount;
  withdrawn: Amount;
  paid: Amount;
  /** The address's escrows as a payer, one per operator. */
  escrows: Escrow[];
  /** The escrows payers hold with the address as operator. */
  escrowsAsOperator: Escrow[];
}

export interface Model {
  id: string;
  at: string;
  atSource: AtSource;
  model: {
    owner: string;
    pendingOwner: string | null;
    /** The royalty in force now, a due scheduled increase included. */
    royaltyPpm: number;
    scheduledRoyalty: { royaltyPpm: number; effectiveAt: string } | null;
    metadataURI: string;
    registeredAt: string;
  } | null;
}

export interface Stats {
  block: Block;
  totalSupply: Amount;
  burned: Amount;
  circulating: Amount;
  totalStaked: Amount;
  activeStake: Amount;
  thawingStake: Amount;
  escrowBalance: Amount;
  operators: number;
  nodes: number;
  activeNodes: number;
  models: number;
  inferencesPaid: number;
  paymentsVolume: Amount;
  feesBurned: Amount;
  proofsCommitted: number;
  proofRecords: number;
  proofBatches: number;
  challenges: { open: number; upheld: number; rejected: number; expired: number; superseded: number };
}

export interface DailyStats {
  days: {
    day: string;
    inferencesPaid: number;
    proofsCommitted: number;
    proofRecords: number;
    proofBatches: number;
    volume: Amount;
    feesBurned: Amount;
    totalStaked: Amount;
    circulatingSupply: Amount;
  }[];
}

/** A route answered with an error: `status` is the HTTP status, `reason` the server's `error` text; a 503 (the
 * indexer is catching up) comes with `retryAfter`, seconds. */
export class IndexerError extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    readonly route: string,
    readonly retryAfter?: number,
  ) {
    super(`indexer ${route}: ${status} ${reason}`);
    this.name = "IndexerError";
  }
}

function timeParam(time: Time): string {
  if (time instanceof Date) return String(Math.floor(time.getTime() / 1000));
  return String(time);
}

function query(params: Record<string, string | number | bigint | Date | undefined>): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined) continue;
    const text = value instanceof Date ? timeParam(value) : String(value);
    parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(text)}`);
  }
  return parts.length ? `?${parts.join("&")}` : "";
}

export function createIndexerClient(baseUrl: string, options: { fetch?: typeof fetch } = {}) {
  const base = baseUrl.replace(/\/+$/, "");
  const doFetch = options.fetch ?? fetch;

  async function get(route: string): Promise<Response> {
    let res: Response;
    try {
      res = await doFetch(`${base}${route}`);
    } catch (error) {
      throw new IndexerError(0, `cannot reach ${base}: ${(error as Error).message}`, route);
    }
    if (!res.ok) {
      const text = await res.text();
      let reason = text;
      try {
        reason = (JSON.parse(text) as { error?: string }).error ?? text;
      } catch {
        // not JSON: the text is the reason
      }
      const retry = Number(res.headers.get("retry-after"));
      throw new IndexerError(res.status, reason, route, Number.isFinite(retry) && retry > 0 ? retry : undefined);
    }
    return res;
  }
  const json = async <T>(route: string): Promise<T> => (await (await get(route)).json()) as T;
  const paymentsRoute = (account: string, q: PaymentsQuery, format?: "csv") =>
    `/payments/${address(account)}${query({
      role: q.role,
      node: q.node === undefined ? undefined : String(q.node),
      model: q.model,
      from: time(q.from),
      to: time(q.to),
      cursor: q.cursor,
      limit: q.limit,
      format,
    })}`;
  const text = async (route: string): Promise<string> => (await get(route)).text();
  const address = (a: string) => encodeURIComponent(a);
  const time = (t: Time | undefined) => (t === undefined ? undefined : timeParam(t));

  return {
    /** GET /unlocks/:address: the address's schedules at `at` (default now). */
    unlocksOf: (account: string, { at }: { at?: Time } = {}) =>
      json<Unlocks>(`/unlocks/${address(account)}${query({ at: time(at) })}`),
    /** GET /unlocks: the network's unlock timeline by category, month by month. */
    unlockTimeline: ({ from, to }: { from?: Time; to?: Time } = {}) =>
      json<UnlockTimeline>(`/unlocks${query({ from: time(from), to: time(to) })}`),
    /** GET /supply/circulating, as a decimal number of OPG. */
    supplyCirculating: () => text("/supply/circulating"),
    /** GET /supply/total, as a decimal number of OPG. */
    supplyTotal: () => text("/supply/total"),
    /** GET /payments/:address, newest first; pass `nextCursor` back as `cursor` for the next page. */
    paymentsOf: (account: string, q: PaymentsQuery = {}) => json<Payments>(paymentsRoute(account, q)),
    /** GET /payments/:address?format=csv: up to 10,000 rows a page (header line included); `nextCursor` as above. */
    paymentsCsv: async (account: string, q: PaymentsQuery = {}) => {
      const res = await get(paymentsRoute(account, q, "csv"));
      return { csv: await res.text(), nextCursor: res.headers.get("x-next-cursor") };
    },
    /** GET /unlocks/:address?format=csv: one row per schedule as at `at`. */
    unlocksCsv: (account: string, { at }: { at?: Time } = {}) =>
      text(`/unlocks/${address(account)}${query({ at: time(at), format: "csv" })}`),
    /** GET /nodes: nodes eligible to serve `model` with `mode`, cheapest first. `minStake` in OPG. */
    nodes: ({ model, mode, minStake }: { model: string; mode: Mode; minStake?: string | number }) =>
      json<Nodes>(`/nodes${query({ model, mode, minStake: minStake === undefined ? undefined : String(minStake) })}`),
    /** GET /operators/:address: stake, delegations, thaws, slashes, rewards and nodes. */
    operator: (account: string) => json<Operator>(`/operators/${address(account)}`),
    /** GET /escrows/:address: the free balance and the escrow with each operator. */
    escrows: (account: string) => json<Escrows>(`/escrows/${address(account)}`),
    /** GET /models/:id: a model with the royalty in force now. */
    model: (id: string) => json<Model>(`/models/${encodeURIComponent(id)}`),
    /** GET /stats: the network now. */
    stats: () => json<Stats>("/stats"),
    /** GET /stats/daily: one row per UTC day with activity, oldest first. */
    dailyStats: ({ from, to, limit }: { from?: Time; to?: Time; limit?: number } = {}) =>
      json<DailyStats>(`/stats/daily${query({ from: time(from), to: time(to), limit })}`),
  };
}

export type IndexerClient = ReturnType<typeof createIndexerClient>;
