import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { parseEther } from "ethers";

import { takeover } from "../../scripts/indexer/takeover";
import { System, deployedSystem, graphql } from "../helpers/activity";
import { freshDatabase, startPonder, untilAnswers, untilIndexed } from "../helpers/ponder";

type Ponder = Awaited<ReturnType<typeof startPonder>>;

/**
 * Scaling out on Ponder's own engine (PostgreSQL only: `ponder serve` does not run on PGlite): one `ponder start`
 * writes into its own schema and, once ready, points the views schema `opg` at it (`--views-schema opg`); any number
 * of `ponder serve --schema opg` read the views. A new deployment indexes into a schema of its own beside the running
 * one and takes the views over when it is ready; the readers never stop.
 *
 * scale out
 * ├── given a writer (schema opg_v1, views opg) and two readers (ponder serve --schema opg)
 * ├── both readers answer every route as the writer does
 * └── when a second writer (schema opg_v2) indexes beside the first, takes the views over once caught up
 *     (`npm run indexer:takeover`), and the first is stopped, while a client keeps querying the readers and the chain
 *     keeps moving
 *     ├── not one request fails (every answer 200)
 *     └── the views now read opg_v2, and the readers follow the new writer to the chain's head
 */
describe("indexer scaled out: one writer, two readers, a redeployment with no failed request", function () {
  this.timeout(900_000);
  const serverUrl = process.env.DATABASE_URL;
  let sys: System;
  let database: ReturnType<typeof freshDatabase> | undefined;
  const started: Ponder[] = [];
  const VIEWS = "opg";

  before(async function () {
    if (!serverUrl) return this.skip();
    sys = await deployedSystem();
    await sys.setUpPayments();
    await sys.deposit(parseEther("100"));
    for (const n of [10n, 25n]) await sys.pay(n);
    for (let i = 0; i < 4; i++) await sys.transfer(parseEther(String(i + 1)));
    database = freshDatabase(serverUrl);
  });
  after(async () => {
    for (const p of started) await p.stop();
    await sys?.stop();
    database?.drop();
  });

  const start = async (options: Parameters<typeof startPonder>[2]) => {
    const p = await startPonder(sys.node.url, sys.deploymentsDir, { databaseUrl: database!.url, ...options });
    started.push(p);
    return p;
  };
  const text = async (p: Ponder, route: string) => {
    const res = await fetch(`${p.url}${route}`);
    return { status: res.status, body: await res.text() };
  };
  const psql = (sql: string) =>
    spawnSync("psql", [database!.url, "-At", "-c", sql], { encoding: "utf8" }).stdout.trim();

  it("serves the writer's answers from two readers, and survives a redeployment with zero failed requests", async () => {
    const { payer, operator, ecosystem } = sys.accounts;
    const writer1 = await start({ schema: "opg_v1", viewsSchema: VIEWS });
    await untilIndexed(writer1, await sys.blockNumber());
    await untilAnswers(writer1);
    const readers = [
      await start({ command: "serve", schema: VIEWS }),
      await start({ command: "serve", schema: VIEWS }),
    ];
    for (const r of readers) await untilAnswers(r);

    // Both readers answer as the writer does.
    const at = await sys.now();
    const routes = [
      "/stats",
      "/supply/circulating",
      "/supply/total",
      `/unlocks/${ecosystem.address}?at=${at}`,
      "/unlocks",
      `/payments/${payer.address}`,
      `/payments/${payer.address}?format=csv`,
      `/operators/${operator.address}`,
      `/escrows/${payer.address}`,
      "/stats/daily",
      `/sql/db?sql=${encodeURIComponent(JSON.stringify({ json: { sql: "SELECT address, balance FROM account ORDER BY address LIMIT 20", params: [] } }))}`,
    ];
    for (const route of routes) {
      const expected = await text(writer1, route);
      expect(expected.status, `${route}: ${expected.body}`).to.equal(200);
      // SQL answers carry the relation's oid per field (a view's on a reader, the table's on the writer): the rows.
      const rows = (t: { status: number; body: string }) =>
        route.startsWith("/sql/") ? { status: t.status, rows: JSON.parse(t.body).rows } : t;
      for (const r of readers) expect(rows(await text(r, route)), `${route} on a reader`).to.deep.equal(rows(expected));
    }
    const accounts = '{ accounts(limit: 1000, orderBy: "address") { items { address balance } } }';
    const fromWriter = await graphql(writer1.url, accounts);
    for (const r of readers) expect(await graphql(r.url, accounts)).to.deep.equal(fromWriter);

    // A client keeps querying the readers while the chain moves and a new deployment takes over.
    let running = true;
    const failures: string[] = [];
    let answered = 0;
    const client = (async () => {
      const loop = [`/stats`, `/payments/${payer.address}`, `/supply/circulating`, `/unlocks/${ecosystem.address}`];
      for (let i = 0; running; i++) {
        const reader = readers[i % readers.length];
        const route = loop[i % loop.length];
        try {
          const { status, body } = await text(reader, route);
          if (status !== 200) failures.push(`${route}: ${status} ${body.slice(0, 200)}`);
          else answered++;
        } catch (error) {
          failures.push(`${route}: ${(error as Error).message}`);
        }
      }
    })();
    try {
      await sys.transfer(parseEther("7"));
      // The new deployment indexes into its own schema (no --views-schema: Ponder would point the views at it at the
      // end of its historical sync, before it reached the head); the takeover points them once it has caught up.
      const writer2 = await start({ schema: "opg_v2" });
      await untilAnswers(writer2);
      await sys.transfer(parseEther("7.5"));
      await takeover(database!.url, "opg_v2", VIEWS, 300);
      expect(psql(`select definition from pg_views where schemaname = '${VIEWS}' and viewname = 'account'`)).to.match(
        /opg_v2/,
      );
      await writer1.stop();
      await sys.pay(40n);
      await sys.transfer(parseEther("8"));
      const head = await sys.blockNumber();
      await untilIndexed(writer2, head);
      for (const r of readers) await untilIndexed(r, head);
    } finally {
      running = false;
      await client;
    }
    const logged = readers
      .flatMap((r) => r.output().split("\n"))
      .filter((line) => /error/i.test(line))
      .slice(0, 5);
    expect(failures, [...failures.slice(0, 5), ...logged].join("\n")).to.deep.equal([]);
    expect(answered).to.be.greaterThan(10);

    // After the takeover the readers answer from the new writer's tables, the new activity included.
    const payments = JSON.parse((await text(readers[0], `/payments/${payer.address}`)).body);
    expect(payments.payments).to.have.length(3);
    const writer2 = started[started.length - 1];
    for (const route of ["/stats", `/payments/${payer.address}`, "/supply/circulating"])
      for (const r of readers) expect(await text(r, route), route).to.deep.equal(await text(writer2, route));
  });
});
