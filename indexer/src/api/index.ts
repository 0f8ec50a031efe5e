/**
 * The indexer's HTTP API: GraphQL (/graphql) and SQL over HTTP (/sql/*, for @ponder/client), both guarded
 * (guards.ts), then plain routes for the questions people ask most, one Hono sub-app a group (routes/). Amounts are
 * { wei, opg }; bad input gets 400 with a reason; computed figures answer 503 while the indexer catches up (sync.ts).
 */
import { getTableName, isTable } from "drizzle-orm";
import { Hono } from "hono";
import { client, graphql } from "ponder";
import { db } from "ponder:api";
import schema from "ponder:schema";

import { GRAPHQL_MAX_DEPTH, graphqlGuard, sqlGuard } from "./guards";
import { BadRequest, type Env } from "./http";
import pageRoutes from "./page";
import escrows from "./routes/escrows";
import models from "./routes/models";
import nodes from "./routes/nodes";
import operators from "./routes/operators";
import payments from "./routes/payments";
import stats from "./routes/stats";
import supply from "./routes/supply";
import unlocks from "./routes/unlocks";

const app = new Hono<Env>();

// Queries from the caller: guarded first (guards.ts), then Ponder's middlewares with tighter bounds.
app.use("/graphql", graphqlGuard);
app.use("/graphql", graphql({ db, schema }, { maxOperationDepth: GRAPHQL_MAX_DEPTH + 2, maxOperationAliases: 30 }));
app.use("/sql/*", sqlGuard(Object.values(schema).filter(isTable).map(getTableName)));
app.use("/sql/*", client({ db, schema }));

app.route("/", pageRoutes);
const routes = app
  .route("/", unlocks)
  .route("/", supply)
  .route("/", payments)
  .route("/", escrows)
  .route("/", nodes)
  .route("/", operators)
  .route("/", models)
  .route("/", stats);

/** The plain routes' types, for the typed client (indexer/client: `hc<AppType>`, InferResponseType). */
export type AppType = typeof routes;

/** PostgreSQL's codes for a query that gave way to others (lock or statement timeout, serialization, deadlock). */
const TRANSIENT = new Set(["55P03", "57014", "40001", "40P01"]);
function transient(error: unknown): boolean {
  for (let e = error as { code?: string; cause?: unknown } | undefined, depth = 0; e && depth < 5; depth++) {
    if (typeof e.code === "string" && TRANSIENT.has(e.code)) return true;
    e = e.cause as typeof e;
  }
  return false;
}

app.onError((error, c) => {
  if (error instanceof BadRequest) return c.json({ error: error.message }, 400);
  console.error(error);
  if (transient(error)) {
    // Not the request's fault, and not lasting (e.g. a lock held for a moment while a new deployment takes over).
    c.header("Retry-After", "1");
    return c.json({ error: "the database is busy: try again in a moment" }, 503);
  }
  return c.json({ error: "internal error" }, 500);
});

export default app;
