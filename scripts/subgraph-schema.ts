/**
 * Writes the subgraph's entities (indexer/subgraph/schema.graphql) from the Ponder indexer's tables
 * (indexer/ponder.schema.ts), so that the entities are defined once:
 *
 *   npx tsx scripts/subgraph-schema.ts           # write it (`npm run subgraph` does too)
 *   npx tsx scripts/subgraph-schema.ts --check   # exit 1 if it is stale (`npm run lint`, test/subgraph)
 *
 * The schema file is read as TypeScript source, not run: Ponder is an ES module the rest of the repository cannot
 * load, and the doc comments, which become the entities' descriptions, exist only in the source.
 *
 * Tables to entities: a table `fooBar` is the entity `FooBar`; hex -> Bytes, bigint -> BigInt, text -> String,
 * integer -> Int, boolean -> Boolean, an onchainEnum column -> a GraphQL enum; `.notNull()` and the key -> `!`.
 * The key is `id`:
 * - an event row (a table with transactionHash and logIndex) is `id: Bytes!`: the transaction hash and log index
 *   where Ponder has its `event.id` text, the key's columns' bytes one after the other (integers as 32 bytes) where
 *   Ponder has a two-column key; immutable unless GRAPH_ONLY says a mapping updates it;
 * - a one-column hex key is `id: Bytes!`, any other one-column key `id: ID!` (an integer as its decimal); the column
 *   stays a field when its type is not the id's (an integer key);
 * - a two-column key is `id: ID!`, "<first>-<second>" (hex as 0x hex, integers as decimals), both columns fields.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import ts from "typescript";

import { writeOrCheck } from "./lib/generated";

const ROOT = path.join(__dirname, "..");
export const PONDER_SCHEMA = path.join(ROOT, "indexer", "ponder.schema.ts");
export const SUBGRAPH_SCHEMA = path.join(ROOT, "indexer", "subgraph", "schema.graphql");

export class SchemaError extends Error {}

/** Ponder column builders and the Graph scalar each is. */
export const SCALARS: Record<string, string> = {
  hex: "Bytes",
  bigint: "BigInt",
  text: "String",
  integer: "Int",
  boolean: "Boolean",
};

/** Column modifiers that say nothing the Graph schema has (defaults are the handlers' business there). */
const IGNORED_MODIFIERS = new Set(["default", "$default", "$defaultFn", "$onUpdate", "$type"]);

/**
 * What ponder.schema.ts cannot say, by table: an event row that a mapping loads and saves again (graph-node refuses
 * to save an immutable entity twice), and an id a mapping builds its own way (with why).
 */
export const GRAPH_ONLY: Record<string, { mutable?: true; id?: string }> = {
  thawRequest: {
    mutable: true,
    id:
      "operator (20 bytes) + staker (20 bytes) + requestId (32 bytes, big-endian): the contract numbers each " +
      "(operator, staker) queue from 0 and withdraws from its head, and a mapping cannot query the store, so a " +
      "withdrawal finds its requests by id",
  },
  requestCommitment: { mutable: true },
};

export interface Column {
  name: string;
  /** A key of SCALARS, or the name of an enum */
  type: string;
  notNull: boolean;
  doc?: string;
}
export interface Table {
  name: string;
  columns: Column[];
  key: string[];
  doc?: string;
  /** The `// ---- token` line before it, if any. */
  section?: string;
}
export interface PonderSchema {
  tables: Table[];
  enums: Map<string, string[]>;
}

const docOf = (node: ts.Node): string | undefined => {
  const docs = ts.getJSDocCommentsAndTags(node).filter(ts.isJSDoc);
  const text = docs.map((d) => ts.getTextOfJSDocComment(d.comment) ?? "").join(" ");
  return text.replace(/\s+/g, " ").trim() || undefined;
};

/** The arrow function's object literal: `(t) => ({ ... })`. */
function objectOf(node: ts.Node | undefined, where: string): ts.ObjectLiteralExpression {
  let body = node && ts.isArrowFunction(node) ? node.body : undefined;
  while (body && ts.isParenthesizedExpression(body)) body = body.expression;
  if (!body || !ts.isObjectLiteralExpression(body)) throw new SchemaError(`${where}: expected (t) => ({ ... })`);
  return body;
}

/** `t.hex().notNull()` (or `myEnum("x").notNull()`): the builder and the modifiers, innermost first. */
function chainOf(expression: ts.Expression, where: string): { builder: string; isEnum: boolean; modifiers: string[] } {
  const modifiers: string[] = [];
  let e = expression;
  while (
    ts.isCallExpression(e) &&
    ts.isPropertyAccessExpression(e.expression) &&
    ts.isCallExpression(e.expression.expression)
  ) {
    modifiers.unshift(e.expression.name.text);
    e = e.expression.expression;
  }
  if (ts.isCallExpression(e) && ts.isPropertyAccessExpression(e.expression))
    return { builder: e.expression.name.text, isEnum: false, modifiers };
  if (ts.isCallExpression(e) && ts.isIdentifier(e.expression))
    return { builder: e.expression.text, isEnum: true, modifiers };
  throw new SchemaError(`${where}: not a column (t.<type>()...)`);
}

function columnsOf(
  literal: ts.ObjectLiteralExpression,
  table: string,
  helpers: Map<string, ts.Node>,
  enums: Map<string, string[]>,
): { columns: Column[]; key: string[] } {
  const columns: Column[] = [];
  const key: string[] = [];
  for (const property of literal.properties) {
    if (ts.isSpreadAssignment(property)) {
      // a helper's columns, as `...at(t)`
      const call = property.expression;
      const helper = ts.isCallExpression(call) && ts.isIdentifier(call.expression) && helpers.get(call.expression.text);
      if (!helper) throw new SchemaError(`${table}: cannot resolve ${property.getText()}`);
      const spread = columnsOf(objectOf(helper, `${table}: ${property.getText()}`), table, helpers, enums);
      columns.push(...spread.columns);
      key.push(...spread.key);
      continue;
    }
    if (!ts.isPropertyAssignment(property) || !ts.isIdentifier(property.name))
      throw new SchemaError(`${table}: cannot read ${property.getText()}`);
    const name = property.name.text;
    const where = `${table}.${name}`;
    const { builder, isEnum, modifiers } = chainOf(property.initializer, where);
    if (isEnum && !enums.has(builder))
      throw new SchemaError(`${where}: ${builder}() is not an onchainEnum this file exports before the table`);
    if (!isEnum && !(builder in SCALARS))
      throw new SchemaError(
        `${where}: t.${builder}() has no Graph type here (mapped: ${Object.keys(SCALARS).join(", ")} and enums)`,
      );
    const unknown = modifiers.filter((m) => m !== "notNull" && m !== "primaryKey" && !IGNORED_MODIFIERS.has(m));
    if (unknown.length > 0) throw new SchemaError(`${where}: .${unknown[0]}() has no Graph equivalent here`);
    if (modifiers.includes("primaryKey")) key.push(name);
    const notNull = modifiers.includes("notNull") || modifiers.includes("primaryKey");
    columns.push({ name, type: builder, notNull, doc: docOf(property) });
  }
  return { columns, key };
}

/** `primaryKey({ columns: [table.a, table.b] })` in the table's extra config, if it has one. */
function compositeKey(config: ts.Node | undefined, table: string): string[] {
  if (!config) return [];
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isCallExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === "primaryKey") {
      const columns = node.getText().match(/table\.(\w+)/g) ?? [];
      if (columns.length === 0) throw new SchemaError(`${table}: cannot read ${node.getText()}`);
      found.push(...columns.map((c) => c.slice("table.".length)));
    } else ts.forEachChild(node, visit);
  };
  visit(config);
  return found;
}

/** Reads the tables and enums of a Ponder schema source (ponder.schema.ts by default). */
export function readPonderSchema(source = fs.readFileSync(PONDER_SCHEMA, "utf8"), file = PONDER_SCHEMA): PonderSchema {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.ES2022, true);
  const helpers = new Map<string, ts.Node>();
  const enums = new Map<string, string[]>();
  const tables: Table[] = [];
  for (const statement of sf.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    const exported = statement.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword) ?? false;
    for (const decl of statement.declarationList.declarations) {
      if (!ts.isIdentifier(decl.name) || !decl.initializer) continue;
      const name = decl.name.text;
      const init = decl.initializer;
      const callee = ts.isCallExpression(init) && ts.isIdentifier(init.expression) ? init.expression.text : "";
      if (!exported) {
        if (ts.isArrowFunction(init)) helpers.set(name, init);
      } else if (callee === "onchainEnum" && ts.isCallExpression(init)) {
        const values = init.arguments[1];
        if (!values || !ts.isArrayLiteralExpression(values) || !values.elements.every(ts.isStringLiteral))
          throw new SchemaError(`${name}: onchainEnum values must be a list of strings`);
        enums.set(
          name,
          values.elements.map((v) => (v as ts.StringLiteral).text),
        );
      } else if (callee === "onchainTable" && ts.isCallExpression(init)) {
        const { columns, key } = columnsOf(objectOf(init.arguments[1], name), name, helpers, enums);
        key.push(...compositeKey(init.arguments[2], name));
        if (key.length === 0) throw new SchemaError(`${name}: no primary key`);
        const section = ts
          .getLeadingCommentRanges(source, statement.pos)
          ?.map((r) => source.slice(r.pos, r.end))
          .find((c) => /^\/\/ -{8,} \w/.test(c));
        tables.push({ name, columns, key, doc: docOf(statement), section: section?.slice(3) });
      } else
        throw new SchemaError(
          `${name}: only onchainTable and onchainEnum exports become entities (relations and views have no mapping here)`,
        );
    }
  }
  return { tables, enums };
}

const pascal = (name: string) => name[0].toUpperCase() + name.slice(1);
const isEventRow = (t: Table) => ["transactionHash", "logIndex"].every((c) => t.columns.some((col) => col.name === c));

/** The entity's id: its GraphQL type, what it is, and which key column, if any, it replaces. */
function idOf(table: Table, graphOnly: typeof GRAPH_ONLY): { type: string; doc?: string; replaces?: string } {
  const byName = new Map(table.columns.map((c) => [c.name, c]));
  const [first] = table.key;
  const override = graphOnly[table.name]?.id;
  if (isEventRow(table)) {
    const replaces = table.key.length === 1 ? first : undefined;
    if (override) return { type: "Bytes!", doc: override, replaces };
    if (table.key.length === 1) return { type: "Bytes!", doc: "transaction hash + log index", replaces };
    const part = (c: string) => (byName.get(c)!.type === "hex" ? c : `${c} (32 bytes, big-endian)`);
    return { type: "Bytes!", doc: table.key.map(part).join(" + ") };
  }
  if (override) throw new SchemaError(`GRAPH_ONLY.${table.name}.id: only an event row's id is built its own way`);
  if (table.key.length > 1) return { type: "ID!", doc: table.key.map((c) => `<${c}>`).join("-") };
  const type = byName.get(first)!.type;
  const graphType = type === "hex" ? "Bytes!" : "ID!";
  if (type === "hex" || type === "text")
    return { type: graphType, doc: first === "id" ? undefined : `the ${first}`, replaces: first };
  // an integer key's id is its decimal: the column stays a field of its own type, unless it is named id
  return {
    type: graphType,
    doc: first === "id" ? "the id as a decimal" : `the ${first} as a decimal`,
    replaces: first === "id" ? first : undefined,
  };
}

/** A description: one line when it fits in 120 columns, else a block wrapped at 120. */
function description(text: string, indent: string): string[] {
  const line = `${indent}"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
  if (line.length <= 120) return [line];
  const lines: string[] = [];
  let current = "";
  for (const word of text.replace(/"""/g, '\\"""').split(" ")) {
    if (current && indent.length + current.length + 1 + word.length > 120) {
      lines.push(indent + current);
      current = word;
    } else current = current ? `${current} ${word}` : word;
  }
  return [`${indent}"""`, ...lines, indent + current, `${indent}"""`];
}

const HEADER = [
  "# Generated by scripts/subgraph-schema.ts from indexer/ponder.schema.ts: do not edit. `npm run subgraph` writes it,",
  "# `npm run lint` and test/subgraph check it. Each Ponder table is an entity with the same fields and meanings, keyed",
  "# by `id`: a state table's natural key (a two-column key as <first>-<second>, both columns kept), an event row's",
  "# transaction hash + log index. Amounts are wei, times unix seconds. graph-node keeps every version of the mutable",
  "# entities, so `block: { number: N }` reads them as they were at block N.",
];

/** The subgraph's schema.graphql for a Ponder schema. */
export function printSchema(schema = readPonderSchema(), graphOnly = GRAPH_ONLY): string {
  const names = new Set(schema.tables.map((t) => t.name));
  for (const name of Object.keys(graphOnly))
    if (!names.has(name)) throw new SchemaError(`GRAPH_ONLY names ${name}, which ponder.schema.ts does not have`);
  const out = [...HEADER, ""];
  for (const [name, values] of schema.enums)
    out.push(`enum ${pascal(name)} {`, ...values.map((v) => `  ${v}`), "}", "");
  for (const table of schema.tables) {
    if (table.section) out.push(`# ${table.section}`, "");
    const id = idOf(table, graphOnly);
    const mutable = !isEventRow(table) || graphOnly[table.name]?.mutable === true;
    const doc = [table.doc, id.doc && `id: ${id.doc}.`].filter(Boolean).join(" ");
    if (doc) out.push(...description(doc, ""));
    out.push(`type ${pascal(table.name)} @entity(immutable: ${!mutable}) {`, `  id: ${id.type}`);
    for (const c of table.columns) {
      if (c.name === id.replaces) continue;
      if (c.doc) out.push(...description(c.doc, "  "));
      const type = SCALARS[c.type] ?? pascal(c.type);
      out.push(`  ${c.name}: ${type}${c.notNull ? "!" : ""}`);
    }
    out.push("}", "");
  }
  return out.join("\n").replace(/\n+$/, "\n");
}

if (require.main === module) {
  try {
    writeOrCheck(SUBGRAPH_SCHEMA, printSchema(), "npx tsx scripts/subgraph-schema.ts");
  } catch (error) {
    console.error(error instanceof SchemaError ? `subgraph-schema: ${error.message}` : error);
    process.exitCode = 1;
  }
}
