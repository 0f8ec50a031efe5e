/**
 * The indexer's tables, for @ponder/client users writing their own SQL over `/sql/*`:
 *
 *   import { createClient } from "@ponder/client";
 *   import * as schema from "opg-indexer/client/schema";
 *   const client = createClient("http://127.0.0.1:42069/sql", { schema });
 *   const rows = await client.db.select().from(schema.payment).limit(10);
 *
 * A separate entry from ../index.ts, which stays free of Ponder imports so that CommonJS code can load it.
 */
export * from "../../ponder.schema";
