/**
 * The subgraph's schema.graphql, generated from Ponder's tables (scripts/subgraph-schema.ts): the checked-in file is
 * the generator's output, the generator maps each kind of column and key, and the entities it marks immutable are
 * those no mapping loads again.
 *
 * schema.graphql
 * ├── is what indexer/ponder.schema.ts gives (the build in subgraph.test.ts compiles the mappings against it)
 * ├── maps each column type, nullability, enum and key kind of a Ponder schema
 * ├── marks mutable exactly the event entities a mapping loads again
 * └── refuses what it cannot map, naming the table and column
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import { isCurrent, writeOrCheck } from "../../scripts/lib/generated";
import { GRAPH_ONLY, SUBGRAPH_SCHEMA, SchemaError, printSchema, readPonderSchema } from "../../scripts/subgraph-schema";
import { SUBGRAPH_DIR } from "../../scripts/subgraph";

/** A Ponder schema source with one table of each kind the generator maps. */
const SAMPLE = `
import { index, onchainEnum, onchainTable, primaryKey } from "ponder";
const at = (t: Columns) => ({ transactionHash: t.hex().notNull(), logIndex: t.integer().notNull() });
export const side = onchainEnum("side", ["BUY", "SELL"]);

// ---------------------------------------------------------------- holders

/** A holder. */
export const holder = onchainTable("holder", (t) => ({
  address: t.hex().primaryKey(),
  /** How much, in wei. */
  balance: t.bigint().notNull().default(0n),
  label: t.text(),
  count: t.integer(),
  active: t.boolean().notNull(),
  side: side("side").notNull(),
}));
export const level = onchainTable("level", (t) => ({ tier: t.integer().primaryKey(), name: t.text().notNull() }));
export const counter = onchainTable("counter", (t) => ({ id: t.bigint().primaryKey(), n: t.integer().notNull() }));
export const pair = onchainTable(
  "pair",
  (t) => ({ a: t.hex().notNull(), b: t.bigint().notNull() }),
  (table) => ({ pk: primaryKey({ columns: [table.a, table.b] }), bIdx: index().on(table.b) }),
);
export const trade = onchainTable("trade", (t) => ({ id: t.text().primaryKey(), side: side().notNull(), ...at(t) }));
export const fill = onchainTable(
  "fill",
  (t) => ({ orderId: t.bigint().notNull(), maker: t.hex().notNull(), ...at(t) }),
  (table) => ({ pk: primaryKey({ columns: [table.orderId, table.maker] }) }),
);
`;

/** The type blocks of a printed schema, without descriptions and comments: name to its lines. */
function blocks(schema: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const m of schema.matchAll(/^((?:type|enum) \w+[^{]*)\{\n([^}]*)\}/gm))
    out.set(
      m[1].trim(),
      m[2]
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l && !l.startsWith('"')),
    );
  return out;
}

describe("subgraph schema (scripts/subgraph-schema.ts)", () => {
  it("the checked-in schema.graphql is what indexer/ponder.schema.ts gives", () => {
    expect(isCurrent(SUBGRAPH_SCHEMA, printSchema()), "run npx tsx scripts/subgraph-schema.ts").to.equal(true);
    const tables = readPonderSchema().tables;
    expect(tables.length, "tables read from ponder.schema.ts").to.be.greaterThan(30);
    // the event rows' `...at(t)` columns are read through the helper
    expect(tables.find((t) => t.name === "transfer")!.columns.map((c) => c.name)).to.include("logIndex");
  });

  it("--check fails on a stale copy; a run rewrites it", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "opg-subgraph-schema-"));
    const target = path.join(dir, "schema.graphql");
    const printed = printSchema();
    const exitCode = process.exitCode;
    try {
      fs.writeFileSync(target, "type Stale @entity(immutable: true) {\n  id: ID!\n}\n");
      expect(writeOrCheck(target, printed, "npm run subgraph", ["--check"])).to.equal(true);
      expect(process.exitCode).to.equal(1);
      expect(isCurrent(target, printed), "--check writes nothing").to.equal(false);
      process.exitCode = exitCode;
      expect(writeOrCheck(target, printed, "npm run subgraph", [])).to.equal(true);
      expect(fs.readFileSync(target, "utf8")).to.equal(printed);
      expect(writeOrCheck(target, printed, "npm run subgraph", ["--check"])).to.equal(false);
      expect(process.exitCode).to.equal(exitCode);
    } finally {
      process.exitCode = exitCode;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("maps each column type, nullability, enum and kind of key", () => {
    const printed = printSchema(readPonderSchema(SAMPLE, "sample.ts"), { fill: { mutable: true } });
    expect(Object.fromEntries(blocks(printed))).to.deep.equal({
      "enum Side": ["BUY", "SELL"],
      // a hex key is the id, as Bytes; the enum column is the enum
      "type Holder @entity(immutable: false)": [
        "id: Bytes!",
        "balance: BigInt!",
        "label: String",
        "count: Int",
        "active: Boolean!",
        "side: Side!",
      ],
      // an integer key's id is its decimal: the column stays
      "type Level @entity(immutable: false)": ["id: ID!", "tier: Int!", "name: String!"],
      "type Counter @entity(immutable: false)": ["id: ID!", "n: Int!"],
      "type Pair @entity(immutable: false)": ["id: ID!", "a: Bytes!", "b: BigInt!"],
      // event rows: Bytes ids, immutable unless a mapping updates them
      "type Trade @entity(immutable: true)": ["id: Bytes!", "side: Side!", "transactionHash: Bytes!", "logIndex: Int!"],
      "type Fill @entity(immutable: false)": [
        "id: Bytes!",
        "orderId: BigInt!",
        "maker: Bytes!",
        "transactionHash: Bytes!",
        "logIndex: Int!",
      ],
    });
    // the doc comments are the descriptions, with what the id holds; the section line stays
    expect(printed).to.contain(
      '# ---------------------------------------------------------------- holders\n\n"A holder. id: the address."\ntype Holder',
    );
    expect(printed).to.contain('  "How much, in wei."\n  balance: BigInt!');
    expect(printed).to.contain('"id: <a>-<b>."\ntype Pair');
    expect(printed).to.contain('"id: transaction hash + log index."\ntype Trade');
    expect(printed).to.contain('"id: orderId (32 bytes, big-endian) + maker."\ntype Fill');
  });

  it("marks mutable exactly the event entities a mapping loads again", () => {
    const mappings = fs
      .readdirSync(path.join(SUBGRAPH_DIR, "src"))
      .map((f) => fs.readFileSync(path.join(SUBGRAPH_DIR, "src", f), "utf8"))
      .join("\n");
    const loaded = new Set([...mappings.matchAll(/\b(\w+)\.load\(/g)].map((m) => m[1]));
    const entities = blocks(fs.readFileSync(path.join(SUBGRAPH_DIR, "schema.graphql"), "utf8"));
    const immutable = [...entities.keys()].filter((k) => k.endsWith("(immutable: true)")).map((k) => k.split(" ")[1]);
    expect(immutable.length, "immutable entities").to.be.greaterThan(15);
    expect(
      immutable.filter((e) => loaded.has(e)),
      "immutable but loaded and saved again",
    ).to.deep.equal([]);
    const eventRows = readPonderSchema()
      .tables.filter((t) => t.columns.some((c) => c.name === "logIndex"))
      .map((t) => t.name);
    const mutableEventRows = eventRows.filter((t) => GRAPH_ONLY[t]?.mutable);
    expect(mutableEventRows.sort()).to.deep.equal(Object.keys(GRAPH_ONLY).sort());
    for (const t of mutableEventRows)
      expect(loaded.has(t[0].toUpperCase() + t.slice(1)), `${t} is loaded`).to.equal(true);
  });

  describe("bad input", () => {
    const table = (columns: string) =>
      `export const x = onchainTable("x", (t) => ({ id: t.text().primaryKey(), ${columns} }));`;
    const refuse = (source: string, message: string | RegExp) =>
      expect(() => printSchema(readPonderSchema(source, "bad.ts"), {})).to.throw(SchemaError, message);

    it("refuses a column type or modifier with no Graph equivalent, naming the column", () => {
      refuse(table("data: t.json()"), /^x\.data: t\.json\(\) has no Graph type here \(mapped: hex, bigint, text/);
      refuse(table("tags: t.text().array()"), "x.tags: .array() has no Graph equivalent here");
      refuse(table("side: side()"), "x.side: side() is not an onchainEnum this file exports before the table");
    });

    it("refuses a table without a key, an unresolved spread, and exports it cannot map", () => {
      refuse(`export const x = onchainTable("x", (t) => ({ n: t.integer() }));`, "x: no primary key");
      refuse(table("...where(t)"), "x: cannot resolve ...where(t)");
      refuse(
        `export const xRelations = relations(x, ({ one }) => ({}));`,
        /^xRelations: only onchainTable and onchainEnum/,
      );
    });

    it("refuses a GRAPH_ONLY entry for a table the schema lacks, or an own id for a state table", () => {
      expect(() => printSchema(readPonderSchema(table(""), "t.ts"), { gone: { mutable: true } })).to.throw(
        SchemaError,
        "GRAPH_ONLY names gone, which ponder.schema.ts does not have",
      );
      expect(() => printSchema(readPonderSchema(table(""), "t.ts"), { x: { id: "mine" } })).to.throw(
        SchemaError,
        "GRAPH_ONLY.x.id: only an event row's id is built its own way",
      );
    });
  });
});
