/** /models/:id: a model with the royalty in force at the latest indexed block's time. */
import { Hono } from "hono";
import { z } from "zod";
import { eq } from "ponder";
import { db } from "ponder:api";
import schema from "ponder:schema";

import { perIndexedState } from "../cache";
import { type Env, computed } from "../http";
import { bytes32, none, valid } from "../params";

const app = new Hono<Env>();

/** A model with the royalty in force now: a scheduled increase whose time has come counts (the chain applies it
 * without an event, so the table may still show it as pending). */
const routes = app.get(
  "/models/:id",
  perIndexedState,
  valid("param", z.object({ id: bytes32("model id") })),
  none,
  computed,
  async (c) => {
    const { id } = c.req.valid("param");
    const now = BigInt(c.var.sync.indexed.timestamp);
    const at = { at: now.toString(), atSource: "indexedBlock" as const };
    const [m] = await db.select().from(schema.model).where(eq(schema.model.id, id));
    if (!m) return c.json({ id, ...at, model: null });
    const due = m.pendingRoyaltyPpm !== null && m.royaltyEffectiveAt !== null && m.royaltyEffectiveAt <= now;
    return c.json({
      id,
      ...at,
      model: {
        owner: m.owner,
        pendingOwner: m.pendingOwner,
        royaltyPpm: due ? m.pendingRoyaltyPpm : m.royaltyPpm,
        scheduledRoyalty:
          due || m.pendingRoyaltyPpm === null
            ? null
            : { royaltyPpm: m.pendingRoyaltyPpm, effectiveAt: m.royaltyEffectiveAt!.toString() },
        metadataURI: m.metadataURI,
        registeredAt: m.registeredAt.toString(),
      },
    });
  },
);

export default routes;
