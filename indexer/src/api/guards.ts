/**
 * Guards in front of the two routes that take a query from the caller: SQL over HTTP (`/sql/*`, Ponder's `client()`
 * middleware for `@ponder/client`) and GraphQL (`/graphql`, Ponder's `graphql()` middleware). Ponder answers a refused
 * or failing query with 500 (SQL) or with a masked INTERNAL_SERVER_ERROR (GraphQL), and bounds neither the cost of a
 * SQL query nor how a GraphQL `limit` above its maximum is reported. Here every query that is not a bounded read gets
 * 400 with a reason before it reaches the database:
 *
 * SQL (`OPG_SQL`: `on` or `off`; default `on` with PostgreSQL, `off` with PGlite, because PGlite is one connection
 * inside the indexing process: any query there, however cheap, waits for and holds up indexing):
 *   - only `GET /sql/db` and `GET /sql/live`, with a `sql` parameter that is superjson `{ json: { sql, params } }`;
 *   - one statement, a SELECT, passing Ponder's own allow-list (no writes, no COPY, no DDL, no system functions);
 *   - only the app's tables (no CTE names, no system tables, no schema-qualified names), and at most
 *     `OPG_SQL_MAX_TABLES` table references (default 4): the planner's estimate of a many-way join rests on table
 *     statistics that may be stale (a seven-way self join of a 15-row table, 170 million rows, was planned at 1,501
 *     on PGlite, whose tables are never analyzed), so joins are bounded by shape too;
 *   - a planned cost (EXPLAIN, nothing run) at most `OPG_SQL_MAX_COST` (default 100,000 planner units: a sequential
 *     scan of a few million rows passes; a seven-way self join of a 15-row table, 170 million rows, is 850,000 and
 *     took some 20 s on PGlite);
 *   - at most `OPG_SQL_MAX_ROWS` rows in the answer (default 10,000): add a LIMIT;
 *   - on PostgreSQL Ponder runs the query on its read-only pool (its own connections, not indexing's), read-only
 *     transaction, 30 s statement timeout.
 * GraphQL: POST bodies up to 64 KiB, valid JSON with a `query` string that parses, selection depth at most
 * `GRAPHQL_MAX_DEPTH`, every `limit` at most 1000 (Ponder's maximum); Ponder's own token and alias bounds then apply.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { pathToFileURL } from "node:url";

import { type DocumentNode, Kind, type SelectionSetNode, type ValueNode, parse } from "graphql";
import type { Context, MiddlewareHandler } from "hono";

const bad = (c: Context, reason: string, status: 400 | 404 | 405 | 413 = 400) => c.json({ error: reason }, status);

function envNumber(name: string, fallback: number): number {
  const n = Number(process.env[name]);
  return process.env[name] && Number.isFinite(n) && n > 0 ? n : fallback;
}

// ---------------------------------------------------------------- SQL

export const SQL_MAX_COST = envNumber("OPG_SQL_MAX_COST", 100_000);
export const SQL_MAX_ROWS = envNumber("OPG_SQL_MAX_ROWS", 10_000);
export const SQL_MAX_TABLES = envNumber("OPG_SQL_MAX_TABLES", 4);
const SQL_MAX_LENGTH = 5_000; // Ponder's own limit on the query text

interface PonderDatabase {
  driver:
    | { dialect: "postgres"; readonly: { query(text: string, params: unknown[]): Promise<{ rows: unknown[] }> } }
    | { dialect: "pglite"; instance: { query(text: string, params: unknown[]): Promise<{ rows: unknown[] }> } };
}
const ponderDatabase = () => (globalThis as unknown as { PONDER_DATABASE?: PonderDatabase }).PONDER_DATABASE;

/** Whether /sql/* is served: OPG_SQL, else on with PostgreSQL only. */
export function sqlEnabled(): boolean {
  const setting = process.env.OPG_SQL;
  if (setting === "on") return true;
  if (setting === "off") return false;
  return ponderDatabase()?.driver.dialect === "postgres";
}

type SqlParse = {
  parseSQLQuery(sql: string): Promise<Record<string, unknown>>;
  getSQLQueryRelations(sql: string): Promise<Set<string>>;
  validateAllowableSQLQuery(sql: string): Promise<void>;
};
let sqlParse: Promise<SqlParse | undefined> | undefined;

/** Ponder's own SQL parser and allow-list (the ones its client() middleware applies), found beside its package. */
function ponderSqlParse(): Promise<SqlParse | undefined> {
  sqlParse ??= (async () => {
    for (let dir = process.cwd(); ; dir = path.dirname(dir)) {
      const file = path.join(dir, "node_modules", "ponder", "dist", "esm", "utils", "sql-parse.js");
      if (fs.existsSync(file)) return (await import(pathToFileURL(file).href)) as SqlParse;
      if (path.dirname(dir) === dir) return undefined;
    }
  })();
  return sqlParse;
}

/** What the statement is, in words, for the refusal. */
const STATEMENT_WORDS: Record<string, string> = {
  InsertStmt: "INSERT",
  UpdateStmt: "UPDATE",
  DeleteStmt: "DELETE",
  CopyStmt: "COPY",
  DropStmt: "DROP",
  TruncateStmt: "TRUNCATE",
  CreateStmt: "CREATE TABLE",
  AlterTableStmt: "ALTER TABLE",
  VariableSetStmt: "SET",
  TransactionStmt: "a transaction command",
  ExplainStmt: "EXPLAIN",
  GrantStmt: "GRANT",
  DoStmt: "DO",
  CallStmt: "CALL",
};

/** How many table references (FROM items, joins, subqueries' tables) a parsed statement has. */
function countRangeVars(node: unknown): number {
  if (!node || typeof node !== "object") return 0;
  let n = 0;
  for (const [key, child] of Object.entries(node)) n += (key === "RangeVar" ? 1 : 0) + countRangeVars(child);
  return n;
}

/** The planner's estimate of a query, nothing run. */
async function plannedCost(sql: string, params: unknown[]): Promise<{ cost: number; rows: number }> {
  const database = ponderDatabase();
  if (!database) throw new Error("no database");
  const text = `EXPLAIN (FORMAT JSON) ${sql}`;
  const result =
    database.driver.dialect === "postgres"
      ? await database.driver.readonly.query(text, params)
      : await database.driver.instance.query(text, params);
  const row = result.rows[0] as Record<string, unknown>;
  let plan = row["QUERY PLAN"] ?? Object.values(row)[0];
  if (typeof plan === "string") plan = JSON.parse(plan);
  const top = (plan as { Plan: { "Total Cost": number; "Plan Rows": number } }[])[0].Plan;
  return { cost: top["Total Cost"], rows: top["Plan Rows"] };
}

/** The guard in front of Ponder's client() middleware on /sql/*: only the app's `tables` may be read. */
export const sqlGuard = (tables: string[]): MiddlewareHandler => {
  const known = new Set([...tables, "_ponder_checkpoint"]);
  return async (c, next) => {
    if (!sqlEnabled())
      return bad(
        c,
        "SQL over HTTP is off on this server (with PGlite it would run inside the indexing process; set OPG_SQL=on to serve it anyway); use the routes or /graphql",
        404,
      );
    if (c.req.path !== "/sql/db" && c.req.path !== "/sql/live")
      return bad(c, `no such SQL route: ${c.req.path} (expected /sql/db or /sql/live)`, 404);
    if (c.req.method !== "GET") return bad(c, `${c.req.method} is not served here: /sql/* takes GET`, 405);
    const text = c.req.query("sql");
    if (text === undefined || text === "") return bad(c, 'missing "sql" query parameter');
    let query: { sql: string; params: unknown[] };
    try {
      const body = JSON.parse(text) as { json?: { sql?: unknown; params?: unknown } };
      const json = body?.json;
      if (!json || typeof json.sql !== "string" || (json.params !== undefined && !Array.isArray(json.params)))
        return bad(c, 'bad "sql" parameter: expected superjson { "json": { "sql": "<select>", "params": [] } }');
      query = { sql: json.sql, params: (json.params as unknown[] | undefined) ?? [] };
    } catch {
      return bad(c, 'bad "sql" parameter: not JSON');
    }
    if (query.sql.length > SQL_MAX_LENGTH) return bad(c, `query too long: at most ${SQL_MAX_LENGTH} characters`);
    if (query.params.some((p) => p !== null && typeof p === "object"))
      return bad(c, "bad query parameters: expected strings, numbers, booleans or null");

    const parser = await ponderSqlParse();
    if (parser) {
      try {
        const root = await parser.parseSQLQuery(query.sql);
        const kind = Object.keys(root)[0] ?? "";
        if (kind !== "SelectStmt")
          return bad(c, `only a SELECT is served here, not ${STATEMENT_WORDS[kind] ?? kind.replace(/Stmt$/, "")}`);
        await parser.validateAllowableSQLQuery(query.sql);
        const references = countRangeVars(root);
        if (references > SQL_MAX_TABLES)
          return bad(
            c,
            `query too large: ${references} table references, at most ${SQL_MAX_TABLES} (the planner's estimates of a many-way join are not a bound; page with simpler queries)`,
          );
        const unknown = [...(await parser.getSQLQueryRelations(query.sql))].filter((r) => !known.has(r));
        if (unknown.length)
          return bad(
            c,
            `unknown table${unknown.length > 1 ? "s" : ""}: ${unknown.join(", ")} (see indexer/client/schema)`,
          );
      } catch (error) {
        return bad(c, `query refused: ${(error as Error).message}`);
      }
    }
    let plan: { cost: number; rows: number };
    try {
      plan = await plannedCost(query.sql, query.params);
    } catch (error) {
      return bad(c, `query refused: ${(error as Error).message}`);
    }
    if (plan.cost > SQL_MAX_COST)
      return bad(
        c,
        `query too expensive: planned cost ${Math.round(plan.cost)} is above ${SQL_MAX_COST} (filter on indexed columns, join on keys, add a LIMIT)`,
      );

    await next();
    c.res.headers.set("x-planned-cost", String(Math.round(plan.cost)));
    // Ponder answers a query that fails (an unknown column, a timeout) with 500 and the database's message: the query
    // is at fault, not the server.
    if (c.res.status === 500) {
      const message = await c.res.clone().text();
      c.res = c.json({ error: `query failed: ${message.slice(0, 500)}` }, 400);
      return;
    }
    if (c.req.path === "/sql/db" && c.res.status === 200) {
      const body = (await c.res.clone().json()) as { rows?: unknown[] };
      if (Array.isArray(body.rows) && body.rows.length > SQL_MAX_ROWS)
        c.res = c.json({ error: `too many rows: more than ${SQL_MAX_ROWS}; add a LIMIT (or page with a cursor)` }, 400);
    }
  };
};

// ---------------------------------------------------------------- GraphQL

export const GRAPHQL_MAX_DEPTH = envNumber("GRAPHQL_MAX_DEPTH", 6);
export const GRAPHQL_MAX_LIMIT = 1000; // Ponder's MAX_LIMIT
const GRAPHQL_MAX_BODY = 64 * 1024;

/** The deepest selection, fragments followed (each at most once on a path). */
function depthOf(doc: DocumentNode): number {
  const fragments = new Map<string, SelectionSetNode>();
  for (const d of doc.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d.selectionSet);
  const walk = (set: SelectionSetNode, seen: Set<string>): number => {
    let deepest = 0;
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) deepest = Math.max(deepest, s.selectionSet ? 1 + walk(s.selectionSet, seen) : 1);
      else if (s.kind === Kind.INLINE_FRAGMENT) deepest = Math.max(deepest, walk(s.selectionSet, seen));
      else if (!seen.has(s.name.value) && fragments.has(s.name.value))
        deepest = Math.max(deepest, walk(fragments.get(s.name.value)!, new Set([...seen, s.name.value])));
    }
    return deepest;
  };
  let deepest = 0;
  for (const d of doc.definitions)
    if (d.kind === Kind.OPERATION_DEFINITION) deepest = Math.max(deepest, walk(d.selectionSet, new Set()));
    else if (d.kind === Kind.FRAGMENT_DEFINITION) deepest = Math.max(deepest, walk(d.selectionSet, new Set()));
  return deepest;
}

/** Every `limit` argument's value, variables resolved: the ones above the maximum. */
function limitsOver(doc: DocumentNode, variables: Record<string, unknown>): string[] {
  const over: string[] = [];
  const valueOf = (v: ValueNode): unknown =>
    v.kind === Kind.INT || v.kind === Kind.FLOAT
      ? Number(v.value)
      : v.kind === Kind.VARIABLE
        ? variables[v.name.value]
        : undefined;
  const visit = (node: unknown) => {
    if (!node || typeof node !== "object") return;
    if (Array.isArray(node)) return node.forEach(visit);
    const n = node as {
      kind?: string;
      name?: { value: string };
      arguments?: { name: { value: string }; value: ValueNode }[];
    };
    if (n.kind === Kind.FIELD)
      for (const arg of n.arguments ?? []) {
        if (arg.name.value !== "limit") continue;
        const value = valueOf(arg.value);
        if (typeof value === "number" && value > GRAPHQL_MAX_LIMIT) over.push(`${n.name!.value}(limit: ${value})`);
      }
    for (const [key, child] of Object.entries(node)) if (key !== "loc") visit(child);
  };
  visit(doc);
  return over;
}

/**
 * The request body, or undefined when it is over `max` bytes. An oversized body is still drained (up to 16 times
 * `max`) so that the client reads the 413 instead of a reset connection.
 */
async function boundedBody(request: Request, max: number): Promise<string | undefined> {
  const reader = request.body?.getReader();
  if (!reader) return "";
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size <= max) chunks.push(value);
    else if (size > 16 * max) {
      await reader.cancel();
      break;
    }
  }
  return size > max ? undefined : Buffer.concat(chunks).toString("utf8");
}

/** The guard in front of Ponder's graphql() middleware: POST bodies checked, then handed on unchanged. */
export const graphqlGuard: MiddlewareHandler = async (c, next) => {
  if (c.req.method === "GET") return next(); // the GraphiQL page
  if (c.req.method !== "POST") return bad(c, `${c.req.method} is not served here: /graphql takes POST`, 405);
  const text = await boundedBody(c.req.raw, GRAPHQL_MAX_BODY);
  if (text === undefined) return bad(c, `request body too large: at most ${GRAPHQL_MAX_BODY} bytes`, 413);
  let body: { query?: unknown; variables?: unknown };
  try {
    body = JSON.parse(text);
  } catch {
    return bad(c, "bad request body: not JSON");
  }
  if (!body || typeof body !== "object" || typeof body.query !== "string") {
    return bad(c, 'bad request body: expected { "query": "<graphql>", "variables": {…} }');
  }
  const variables =
    body.variables && typeof body.variables === "object" ? (body.variables as Record<string, unknown>) : {};
  let doc: DocumentNode;
  try {
    doc = parse(body.query, { maxTokens: 2_000 });
  } catch (error) {
    return bad(c, `bad query: ${(error as Error).message}`);
  }
  const depth = depthOf(doc);
  if (depth > GRAPHQL_MAX_DEPTH) {
    return bad(c, `query too deep: ${depth} levels, at most ${GRAPHQL_MAX_DEPTH}`);
  }
  const over = limitsOver(doc, variables);
  if (over.length) {
    return bad(c, `limit too large: ${over.join(", ")}; at most ${GRAPHQL_MAX_LIMIT} (page with after/before)`);
  }
  // The body was read: hand Ponder's middleware a request that still has it.
  c.req.raw = new Request(c.req.raw.url, { method: "POST", headers: c.req.raw.headers, body: text });
  await next();
};
