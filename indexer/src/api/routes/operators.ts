/** /operators/:address: an operator's stake as Staking books it, and its history. */
import { Hono } from "hono";
import { z } from "zod";
import { and, asc, desc, eq, inArray, sql } from "ponder";
import { db } from "ponder:api";
import schema from "ponder:schema";
import { parseEther } from "viem";

import { emptyOperator } from "../../where";
import { perIndexedState } from "../cache";
import { MODES, modesOf } from "../../../../scripts/lib/modes";
import { type Env, amount, computed } from "../http";
import { address, none, valid } from "../params";

const app = new Hono<Env>();

const min = (a: bigint, b: bigint) => (a < b ? a : b);

/** Staking's fee stream: what a credit left streaming is released linearly until its end. */
const FEE_STREAM_PERIOD = 7n * 86_400n;
const streamingAt = (streaming: bigint, endsAt: bigint, now: bigint) =>
  now >= endsAt ? 0n : (streaming * (endsAt - now)) / FEE_STREAM_PERIOD;

const routes = app.get(
  "/operators/:address",
  perIndexedState,
  valid("param", z.object({ address })),
  none,
  computed,
  async (c) => {
    const { address } = c.req.valid("param");
    const [o] = await db.select().from(schema.operator).where(eq(schema.operator.address, address));
    const zero = {
      ...emptyOperator,
      pendingCutPpm: null,
      pendingCutAt: null,
      firstStakedAt: null,
    };
    const op = o ?? { address, ...zero };
    // The stake locked by its nodes' pending challenges, each with its deadline; its own stake against what its active
    // nodes need (NodeRegistry.requiredOwnStakeOf: active nodes x minimumOwnStake).
    const challenges = await db
      .select()
      .from(schema.proofChallenge)
      .where(eq(schema.proofChallenge.operator, address))
      .orderBy(desc(schema.proofChallenge.openedAt), asc(schema.proofChallenge.id));
    const [registry] = await db.select().from(schema.nodeRegistryParams);
    const minimumOwnStake = registry?.minimumOwnStake ?? parseEther("5000");
    const requiredOwnStake = BigInt(op.activeNodes) * minimumOwnStake;
    const credits = await db
      .select()
      .from(schema.feeCredit)
      .where(eq(schema.feeCredit.operator, address))
      .orderBy(desc(schema.feeCredit.blockNumber), desc(schema.feeCredit.logIndex))
      .limit(100);
    const delegations = await db
      .select()
      .from(schema.delegation)
      .where(and(eq(schema.delegation.operator, address), sql`${schema.delegation.shares} > 0`))
      .orderBy(desc(schema.delegation.shares), asc(schema.delegation.delegator));
    const requests = await db
      .select()
      .from(schema.thawRequest)
      .where(eq(schema.thawRequest.operator, address))
      .orderBy(asc(schema.thawRequest.staker), asc(schema.thawRequest.requestId));
    // An open request is worth its shares of its thawing pool, valued in queue order as a withdrawal would pay them
    // (Staking.thawRequestsOf); a request from before a slash emptied its pool is worth nothing.
    const pools = new Map<string, { tokens: bigint; shares: bigint; epoch: number }>();
    const valueOf = new Map<string, bigint>();
    for (const r of requests.filter((x) => x.status === "open")) {
      const own = r.staker === address;
      let pool = pools.get(r.staker);
      if (!pool) {
        pool = own
          ? { tokens: op.ownThawing, shares: op.ownThawingShares, epoch: op.ownThawingEpoch }
          : { tokens: op.delegatedThawing, shares: op.delegatedThawingShares, epoch: op.delegatedThawingEpoch };
        pools.set(r.staker, pool);
      }
      let value = 0n;
      if (r.epoch === pool.epoch && pool.shares > 0n) {
        value = (r.shares * pool.tokens) / pool.shares;
        pool.tokens -= value;
        pool.shares -= r.shares;
      }
      valueOf.set(r.id, value);
    }
    const slashes = await db
      .select()
      .from(schema.slash)
      .where(eq(schema.slash.operator, address))
      .orderBy(desc(schema.slash.blockNumber), desc(schema.slash.logIndex));
    const claims = await db
      .select()
      .from(schema.rewardClaim)
      .where(eq(schema.rewardClaim.operator, address))
      .orderBy(desc(schema.rewardClaim.blockNumber), desc(schema.rewardClaim.logIndex));
    const nodes = await db.select().from(schema.node).where(eq(schema.node.operator, address)).orderBy(schema.node.id);
    const served = nodes.length
      ? await db
          .select()
          .from(schema.nodeModel)
          .where(
            inArray(
              schema.nodeModel.nodeId,
              nodes.map((n) => n.id),
            ),
          )
      : [];
    const tokensOf = (shares: bigint) =>
      op.delegatedShares === 0n ? 0n : (shares * op.delegated) / op.delegatedShares;
    const where = (r: { blockNumber: bigint; timestamp: bigint; transactionHash: string }) => ({
      blockNumber: r.blockNumber.toString(),
      timestamp: r.timestamp.toString(),
      transactionHash: r.transactionHash,
    });
    return c.json({
      address,
      ownActive: amount(op.ownActive),
      ownThawing: amount(op.ownThawing),
      delegated: amount(op.delegated),
      delegatedThawing: amount(op.delegatedThawing),
      activeStake: amount(op.ownActive + op.delegated),
      slashed: amount(op.slashed),
      rewardsClaimed: amount(op.rewardsClaimed),
      // Staking.lockedStakeOf: the pending slashes, up to the whole slashable stake.
      lockedStake: amount(min(op.pendingSlash, op.ownActive + op.ownThawing + op.delegated + op.delegatedThawing)),
      pendingSlash: amount(op.pendingSlash),
      pendingChallenges: challenges
        .filter((x) => x.status === "pending")
        .map((x) => ({
          id: x.id,
          nodeId: x.nodeId.toString(),
          challenger: x.challenger,
          lockedStake: amount(x.lockedStake),
          decideBy: x.decideBy.toString(),
          openedAt: x.openedAt.toString(),
        })),
      challenges: challenges.map((x) => ({
        id: x.id,
        nodeId: x.nodeId.toString(),
        inferenceId: x.inferenceId,
        root: x.root,
        challenger: x.challenger,
        status: x.status as "pending" | "upheld" | "rejected" | "expired" | "superseded",
        bond: amount(x.bond),
        lockedStake: amount(x.lockedStake),
        decideBy: x.decideBy.toString(),
        slashed: x.slashed === null ? null : amount(x.slashed),
        toChallenger: x.toChallenger === null ? null : amount(x.toChallenger),
        bondRecipient: x.bondRecipient,
        openedAt: x.openedAt.toString(),
        resolvedAt: x.resolvedAt?.toString() ?? null,
      })),
      ownStake: {
        own: amount(op.ownActive),
        required: amount(requiredOwnStake),
        minimumPerNode: amount(minimumOwnStake),
        activeNodes: op.activeNodes,
        covered: op.ownActive >= requiredOwnStake,
      },
      feesCredited: amount(op.feesCredited),
      // Released linearly from the last credit to its end (Staking.feesStreamingOf), as of the latest indexed block.
      feesStreaming: amount(streamingAt(op.feesStreaming, op.feeStreamEndsAt, BigInt(c.get("sync").indexed.timestamp))),
      feeStreamEndsAt: op.feeStreamEndsAt.toString(),
      feeCredits: credits.map((x) => ({
        amount: amount(x.amount),
        streaming: amount(x.streaming),
        streamEndsAt: x.streamEndsAt.toString(),
        ...where(x),
      })),
      cutPpm: op.cutPpm,
      pendingCut:
        op.pendingCutPpm === null || op.pendingCutAt === null
          ? null
          : { cutPpm: op.pendingCutPpm, effectiveAt: op.pendingCutAt.toString() },
      firstStakedAt: op.firstStakedAt?.toString() ?? null,
      delegations: delegations.map((d) => ({
        delegator: d.delegator,
        shares: d.shares.toString(),
        tokens: amount(tokensOf(d.shares)),
        maxCutPpm: d.maxCutPpm,
        since: d.since.toString(),
      })),
      thawRequests: requests.map((r) => ({
        staker: r.staker,
        requestId: r.requestId.toString(),
        own: r.staker === address,
        requested: amount(r.amount),
        value: r.status === "open" ? amount(valueOf.get(r.id) ?? 0n) : null,
        shares: r.shares.toString(),
        thawingUntil: r.thawingUntil.toString(),
        status: r.status as "open" | "withdrawn",
        withdrawnAt: r.withdrawnAt?.toString() ?? null,
        ...where(r),
      })),
      slashes: slashes.map((x) => ({
        challenger: x.challenger,
        total: amount(x.fromOwnActive + x.fromOwnThawing + x.fromDelegated + x.fromDelegatedThawing),
        fromOwnActive: amount(x.fromOwnActive),
        fromOwnThawing: amount(x.fromOwnThawing),
        fromDelegated: amount(x.fromDelegated),
        fromDelegatedThawing: amount(x.fromDelegatedThawing),
        burned: amount(x.burned),
        toChallenger: amount(x.toChallenger),
        ...where(x),
      })),
      rewardClaims: claims.map((x) => ({ account: x.account, amount: amount(x.amount), ...where(x) })),
      nodes: nodes.map((n) => ({
        id: n.id.toString(),
        active: n.active,
        modes: modesOf(n.modes).map((mode) => MODES[mode]),
        capacity: n.capacity,
        prices: { none: amount(n.priceNone), tee: amount(n.priceTee), zk: amount(n.priceZk) },
        scheduledPrices:
          n.priceIncreaseAt === null
            ? null
            : {
                none: amount(n.pendingPriceNone ?? 0n),
                tee: amount(n.pendingPriceTee ?? 0n),
                zk: amount(n.pendingPriceZk ?? 0n),
                effectiveAt: n.priceIncreaseAt.toString(),
              },
        metadataURI: n.metadataURI,
        teeMeasurement: n.teeMeasurement,
        jailedUntil: n.jailedUntil.toString(),
        lastSeen: n.lastSeen.toString(),
        registeredAt: n.registeredAt.toString(),
        models: served.filter((m) => m.nodeId === n.id).map((m) => m.modelId),
      })),
    });
  },
);

export default routes;
