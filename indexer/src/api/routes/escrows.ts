/** /escrows/:address: a payer's free balance and its escrow with each operator, and the escrows held with an operator. */
import { Hono } from "hono";
import { z } from "zod";
import { asc, eq } from "ponder";
import { db } from "ponder:api";
import schema from "ponder:schema";

import { perIndexedState } from "../cache";
import { type Env, amount, computed } from "../http";
import { address, none, valid } from "../params";

const app = new Hono<Env>();

const escrowJson = (e: typeof schema.operatorEscrow.$inferSelect) => ({
  payer: e.payer,
  operator: e.operator,
  balance: amount(e.balance),
  thawing: amount(e.thawing),
  thawStartedAt: e.thawStartedAt.toString(),
  thawEndsAt: e.thawEndsAt.toString(),
  funded: amount(e.funded),
  withdrawn: amount(e.withdrawn),
  paid: amount(e.paid),
});

/** A payer's free balance and its escrow with each operator (PaymentsEscrow.balanceOf, getEscrow), and the escrows
 * payers hold with the address as operator. Balances are computed figures: 503 while the indexer catches up. */
const routes = app.get(
  "/escrows/:address",
  perIndexedState,
  valid("param", z.object({ address })),
  none,
  computed,
  async (c) => {
    const { address } = c.req.valid("param");
    const e = schema.operatorEscrow;
    const [account] = await db.select().from(schema.escrowAccount).where(eq(schema.escrowAccount.payer, address));
    const asPayer = await db.select().from(e).where(eq(e.payer, address)).orderBy(asc(e.operator));
    const asOperator = await db.select().from(e).where(eq(e.operator, address)).orderBy(asc(e.payer));
    return c.json({
      address,
      balance: amount(account?.balance ?? 0n),
      deposited: amount(account?.deposited ?? 0n),
      funded: amount(account?.funded ?? 0n),
      withdrawn: amount(account?.withdrawn ?? 0n),
      paid: amount(account?.paid ?? 0n),
      escrows: asPayer.map(escrowJson),
      escrowsAsOperator: asOperator.map(escrowJson),
    });
  },
);

export default routes;
