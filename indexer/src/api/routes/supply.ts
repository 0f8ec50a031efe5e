/** /supply/total and /supply/circulating: bare numbers of OPG, one definition (README "Circulating supply"). */
import { Hono } from "hono";
import { eq } from "ponder";
import { db } from "ponder:api";
import schema from "ponder:schema";

import { perIndexedState } from "../cache";
import { type Env, bareOpg, computed } from "../http";
import { none } from "../params";

const app = new Hono<Env>();

/**
 * The supply figures, one definition for every route (README "Circulating supply"):
 *   total       = OPG.totalSupply(): minted less burned (a burn lowers it; burned OPG is in neither figure);
 *   circulating = total less what the contracts that hold OPG for others hold: the vesting vault and its voting
 *                 vaults (locked), Staking (stakes, thawing stakes and the staking-rewards pool not yet paid out) and
 *                 the payments escrow (deposits, locked request fees, unpaid fees). The handlers keep that sum as
 *                 each transfer moves tokens in or out of them (network.locked). The timelock's treasury circulates.
 */
export async function supplyFigures(): Promise<{ total: bigint; burned: bigint; locked: bigint; circulating: bigint }> {
  const [sup] = await db.select().from(schema.supply).where(eq(schema.supply.id, "OPG"));
  const [net] = await db.select({ locked: schema.network.locked }).from(schema.network);
  const total = sup?.total ?? 0n;
  const locked = net?.locked ?? 0n;
  return { total, burned: sup?.burned ?? 0n, locked, circulating: total - locked };
}

const routes = app
  .get("/supply/total", perIndexedState, none, computed, async (c) => c.text(bareOpg((await supplyFigures()).total)))
  .get("/supply/circulating", perIndexedState, none, computed, async (c) =>
    c.text(bareOpg((await supplyFigures()).circulating)),
  );

export default routes;
