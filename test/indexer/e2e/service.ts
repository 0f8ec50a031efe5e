import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { parseEther } from "ethers";

import { System, deployedSystem, graphql } from "../../helpers/activity";
import type { Group, Part } from "./group";

/** A `/sql/db` request as `@ponder/client` sends it (superjson of { sql, params }). */
const sqlRoute = (sql: string, params: unknown[] = []) =>
  `/sql/db?sql=${encodeURIComponent(JSON.stringify({ json: { sql, params, typings: [] } }))}`;

/**
 * The indexer as a service, under the two things a public endpoint meets: being asked before it has caught up, and
 * hostile requests. The group's first part: the readiness checks need the gate (e2e/group.ts) still closed.
 *
 * service
 * ├── while Ponder cannot finish its historical sync (the RPC holds its eth_getLogs)
 * │   └── computed routes answer 503 with Retry-After and a JSON reason; /payments answers, marked incomplete
 * ├── once synced, the same routes answer 200 with the chain's figures
 * └── a battery of hostile requests (writes and DDL over SQL, several statements, an expensive join, huge GraphQL
 *     limits, deep queries, oversized and malformed bodies, bad parameters on every route)
 *     ├── each answers 4xx with a JSON reason, never 5xx, never a stack trace
 *     ├── nothing changes (the tables read the same before and after)
 *     └── /stats answers 200 all along, and well-formed reads over /sql and /graphql still answer
 */
export function servicePart(group: Group): Part & { anyDatabase(): void } {
  let sys: System;

  return {
    async drive() {
      const actors = await group.wallets("service", ["operator", "payer", "builder", "facilitator"] as const);
      sys = await deployedSystem({ keepChain: true, actors });
      await sys.setUpPayments();
      await sys.deposit(parseEther("100"));
      for (const n of [10n, 25n, 40n]) await sys.pay(n);
      for (let i = 0; i < 6; i++) await sys.transfer(parseEther(String(i + 1)));
    },

    async done() {
      await sys?.stop();
    },

    anyDatabase() {
      it("gives the typed client the app's answer types (indexer/client/answers.ts is what answers.gen.ts prints)", () => {
        const run = spawnSync(process.execPath, ["--import", "tsx", "indexer/client/answers.gen.ts", "--check"], {
          encoding: "utf8",
        });
        expect(run.status, run.stderr).to.equal(0);
      });
    },

    tests() {
      describe("readiness and hostile requests", () => {
        const get = async (route: string, init?: RequestInit) => {
          const res = await fetch(`${group.ponder().url}${route}`, init);
          return { status: res.status, text: await res.text(), headers: res.headers };
        };

        it("answers computed routes 503 with Retry-After and a reason until synced, then the chain's figures", async () => {
          // The HTTP server is up while the historical sync waits on the gate.
          const deadline = Date.now() + 120_000;
          for (;;) {
            if (group.ponder().exited()) throw new Error(`ponder exited:\n${group.ponder().output()}`);
            const health = await get("/health").catch(() => undefined);
            if (health?.status === 200) break;
            if (Date.now() > deadline) throw new Error(`ponder did not come up:\n${group.ponder().output()}`);
            await new Promise((r) => setTimeout(r, 250));
          }
          expect((await get("/ready")).status).to.equal(503);
          const { payer } = sys.accounts;
          for (const route of [
            "/supply/circulating",
            "/supply/total",
            "/stats",
            "/stats/daily",
            "/unlocks",
            `/unlocks/${payer.address}`,
            `/operators/${payer.address}`,
            `/escrows/${payer.address}`,
            `/models/0x${"00".repeat(32)}`,
            `/nodes?model=0x${"00".repeat(32)}&mode=tee`,
          ]) {
            const { status, text, headers } = await get(route);
            expect(status, `${route}: ${text}`).to.equal(503);
            expect(headers.get("retry-after"), route).to.match(/^\d+$/);
            const body = JSON.parse(text);
            expect(body.error, route).to.match(/catching up|starting/);
            expect(body.indexedBlock.number, route).to.be.a("number");
          }
          const list = await get(`/payments/${payer.address}`);
          expect(list.status, list.text).to.equal(200);
          const partial = JSON.parse(list.text);
          expect(partial.complete).to.equal(false);
          expect(partial.indexedBlock.number).to.be.below(group.lastBlock);

          await group.synced();
          for (let i = 0; (await get("/ready")).status !== 200; i++) {
            if (i > 240) throw new Error("not ready after the sync");
            await new Promise((r) => setTimeout(r, 250));
          }
          const circulating = await get("/supply/circulating");
          expect(circulating.status).to.equal(200);
          const { token } = sys.contracts;
          let held = 0n;
          for (const name of ["VestingVault", "Staking", "PaymentsEscrow"] as const)
            held += await token.balanceOf(sys.deployment.contracts[name]!.address);
          const vaults = await sys.contracts.vault.queryFilter(sys.contracts.vault.filters.VotingVaultDeployed());
          for (const v of vaults) held += await token.balanceOf(v.args.vault);
          expect(parseEther(circulating.text)).to.equal((await token.totalSupply()) - held);
          const payments = JSON.parse((await get(`/payments/${payer.address}`)).text);
          expect(payments.complete).to.equal(true);
          expect(payments.indexedBlock.number).to.equal(group.lastBlock);
          expect(payments.payments).to.have.length(3);
        });

        it("refuses every hostile request with 4xx and a reason, changes nothing, and /stats keeps answering", async () => {
          await group.synced();
          const { payer } = sys.accounts;
          const nobody = "0x000000000000000000000000000000000000dEaD";
          const snapshot = async () => ({
            stats: (await get("/stats")).text,
            accounts: await graphql<{ accounts: { totalCount: number } }>(
              group.ponder().url,
              "{ accounts { totalCount } }",
            ),
            payments: (await get(`/payments/${payer.address}?limit=500`)).text,
          });
          const before = await snapshot();

          const gql = (query: string, variables: Record<string, unknown> = {}) => ({
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ query, variables }),
          });
          let deep = "id";
          for (let i = 0; i < 12; i++) deep = `ofType { ${deep} }`;
          const hostile: [string, RequestInit?][] = [
            // SQL: writes, DDL, COPY, several statements, session changes, system functions, junk
            [sqlRoute("INSERT INTO account (address, balance) VALUES ('0x00', 1)")],
            [sqlRoute("UPDATE account SET balance = 0")],
            [sqlRoute("DELETE FROM payment")],
            [sqlRoute("DROP TABLE account")],
            [sqlRoute("TRUNCATE payment")],
            [sqlRoute("COPY account TO STDOUT")],
            [sqlRoute("SELECT 1; DROP TABLE account")],
            [sqlRoute("SET statement_timeout = 0")],
            [sqlRoute("BEGIN")],
            [sqlRoute("SELECT pg_sleep(30)")],
            [sqlRoute("SELECT * FROM pg_catalog.pg_user")],
            [sqlRoute("SELECT * FROM no_such_table")],
            [sqlRoute("SELEC * FROM account")],
            [sqlRoute(`SELECT * FROM account WHERE address IN (${"'0x00',".repeat(1000)}'0x00')`)],
            [sqlRoute("SELECT count(*) FROM payment a, payment b, payment c, payment d, payment e")],
            [
              sqlRoute(
                "SELECT count(*) FROM transfer a, transfer b, transfer c, transfer d, transfer e, transfer f, transfer g",
              ),
            ],
            [sqlRoute("WITH x AS (SELECT * FROM account) SELECT * FROM x")],
            ["/sql/db"],
            ["/sql/db?sql=not-json"],
            [`/sql/db?sql=${encodeURIComponent('{"json":{"sql":42}}')}`],
            [`/sql/db?sql=${encodeURIComponent('{"json":{"sql":"select 1","params":[{"a":1}]}}')}`],
            ["/sql/other"],
            [sqlRoute("SELECT 1"), { method: "POST" }],
            // GraphQL: limits over the maximum (literal and variable), depth, size, junk
            ["/graphql", gql("{ payments(limit: 100000) { items { id } } }")],
            ["/graphql", gql("query ($n: Int) { payments(limit: $n) { items { id } } }", { n: 5000 })],
            ["/graphql", gql(`{ __schema { types { fields { type { ${deep} } } } } }`)],
            ["/graphql", gql(`{ ${Array.from({ length: 3000 }, (_, i) => `a${i}: __typename`).join(" ")} }`)],
            ["/graphql", { method: "POST", headers: { "content-type": "application/json" }, body: "{not json" }],
            ["/graphql", { method: "POST", headers: { "content-type": "application/json" }, body: '{"nope":1}' }],
            ["/graphql", gql("{ payments(limit: 1) { items { id }")],
            [
              "/graphql",
              {
                method: "POST",
                headers: { "content-type": "application/json" },
                body: JSON.stringify({ query: `{ __typename }`, pad: "x".repeat(200_000) }),
              },
            ],
            ["/graphql", { method: "PUT", body: "{}" }],
            // Routes: bad parameters everywhere
            [`/payments/${nobody}?limit=99999999999`],
            [`/payments/${nobody}?limit=-5`],
            [`/payments/${nobody}?cursor=${"A".repeat(5000)}`],
            [`/payments/${nobody}?node=${"9".repeat(100)}`],
            [`/payments/${nobody}?from=1e400`],
            [`/payments/${nobody}?format=xml`],
            [`/payments/%ZZ`],
            [`/unlocks/${"0x" + "f".repeat(4000)}`],
            [`/unlocks/${nobody}?at=-1`],
            [`/unlocks/${nobody}?at=99999999999999`],
            [`/unlocks?from=0x10`],
            [`/operators/0x${"g".repeat(40)}`],
            [`/escrows/0x${"g".repeat(40)}`],
            [`/escrows/${nobody}?limit=5`],
            [`/models/${"'; DROP TABLE model; --"}`],
            [`/nodes?model=0x${"00".repeat(32)}&mode=TEE`],
            [`/nodes?model=0x${"00".repeat(32)}&mode=tee&minStake=1e9`],
            [`/stats/daily?limit=5001`],
            [`/stats/daily?from=2026-02-30`],
            [`/page/..%2Fpackage.json`],
            [`/page/.env`],
            [`/no/such/route`],
          ];

          // /stats all along, in a loop beside the battery.
          let running = true;
          const statsAnswers: number[] = [];
          const watcher = (async () => {
            while (running) statsAnswers.push((await get("/stats")).status);
          })();
          const answers = await Promise.all(
            hostile.map(async ([route, init]) => ({
              route,
              init,
              ...(await get(route, init).catch((error: Error) => ({
                status: 0,
                text: `no answer: ${error.cause ?? error}`,
              }))),
            })),
          );
          running = false;
          await watcher;

          for (const { route, init, status, text } of answers) {
            const what = `${init?.method ?? "GET"} ${route.slice(0, 120)}: ${status} ${text.slice(0, 300)}`;
            expect(status, what).to.be.within(400, 499);
            expect(text, what).to.not.match(/\n\s+at |node_modules|\.ts:\d+/);
            if (!route.startsWith("/no/such") && !route.startsWith("/page/"))
              expect(JSON.parse(text).error, what).to.be.a("string").and.not.equal("");
          }
          expect(statsAnswers.length).to.be.greaterThan(0);
          expect(
            statsAnswers.every((s) => s === 200),
            JSON.stringify(statsAnswers),
          ).to.equal(true);
          expect(await snapshot()).to.deep.equal(before);

          // Well-formed reads still answer: SQL within bounds, GraphQL at the maximum limit.
          const ok = await get(sqlRoute("SELECT address, balance FROM account ORDER BY address LIMIT 5"));
          expect(ok.status, ok.text).to.equal(200);
          expect(JSON.parse(ok.text).rows).to.have.length(5);
          const params = await get(
            sqlRoute("SELECT count(*) AS n FROM payment WHERE payer = $1", [payer.address.toLowerCase()]),
          );
          expect(params.status, params.text).to.equal(200);
          expect(Number(JSON.parse(params.text).rows[0].n)).to.equal(3);
          const max = await graphql<{ payments: { items: unknown[] } }>(
            group.ponder().url,
            "{ payments(limit: 1000) { items { id } } }",
          );
          // Every payment of the group's chain, not only this part's three.
          const all = await sys.contracts.escrow.queryFilter(sys.contracts.escrow.filters.PaymentCollected());
          expect(all.length).to.be.greaterThan(3);
          expect(max.payments.items).to.have.length(all.length);
        });

        it("names the bad parameter in each 400 as the route's schema words it", async () => {
          const nobody = "0x000000000000000000000000000000000000dEaD";
          const model = `0x${"ab".repeat(32)}`;
          const reasons: [string, string][] = [
            ["/payments/0xzz", 'not an address: "0xzz" (expected 0x and 40 hex digits)'],
            [
              `/payments/${nobody}?limt=5`,
              "unknown parameter: limt (this route takes role, node, model, from, to, limit, cursor, format)",
            ],
            ["/stats?verbose=1&x=2", "unknown parameters: verbose, x (this route takes none)"],
            [`/payments/${nobody}?role=thief`, 'bad role: "thief" (expected one of any, payer, operator, modelOwner)'],
            [`/payments/${nobody}?limit=501`, 'bad limit: "501" (expected 1 to 500)'],
            [`/payments/${nobody}?format=csv&limit=10001`, 'bad limit: "10001" (expected 1 to 10000)'],
            [`/payments/${nobody}?node=-1`, 'bad node: "-1" (expected a whole number)'],
            [`/payments/${nobody}?model=0x12`, 'bad model: "0x12" (expected a bytes32: 0x and 64 hex digits)'],
            [`/payments/${nobody}?cursor=!!!`, 'bad cursor: "!!!"'],
            [`/payments/${nobody}?from=200&to=100`, "bad range: from (200) is after to (100)"],
            [`/payments/${nobody}?format=xml`, 'bad format: "xml" (expected json or csv)'],
            [
              `/unlocks/${nobody}?at=yesterday`,
              'bad at: not a time: "yesterday" (expected unix seconds or an ISO date such as 2027-04-21T00:00:00Z)',
            ],
            [`/unlocks/${nobody}?at=9999999999999`, "bad at: time out of range: 9999999999999"],
            ["/nodes?mode=tee", 'bad model: "" (expected a bytes32: 0x and 64 hex digits)'],
            [`/nodes?model=${model}&mode=TEE`, 'bad mode: "TEE" (expected one of none, tee, zk)'],
            [
              `/nodes?model=${model}&mode=tee&minStake=1e9`,
              'bad minStake: "1e9" (expected an amount of OPG such as 25000 or 0.5)',
            ],
            ["/models/0x1234", 'bad model id: "0x1234" (expected a bytes32: 0x and 64 hex digits)'],
            ["/stats/daily?from=2026-02-30", 'bad from: "2026-02-30" is not a day of the calendar'],
            ["/stats/daily?from=2026-05-02&to=2026-05-01", "bad range: from 2026-05-02 is after to 2026-05-01"],
            ["/stats/daily?limit=many", 'bad limit: "many" (expected 1 to 5000)'],
          ];
          for (const [route, reason] of reasons) {
            const { status, text } = await get(route);
            expect(status, `${route}: ${text}`).to.equal(400);
            expect(JSON.parse(text), route).to.deep.equal({ error: reason });
          }
          // A parameter given twice reads as its first value; a time is also a day bound.
          const twice = await get(`/unlocks/${nobody}?at=1800000000&at=junk`);
          expect(twice.status, twice.text).to.equal(200);
          expect(JSON.parse(twice.text)).to.include({ at: "1800000000", atSource: "query" });
          const days = await get("/stats/daily?from=1700000000&to=2100-01-01&limit=2");
          expect(days.status, days.text).to.equal(200);
          expect(JSON.parse(days.text).days).to.be.an("array").with.length.at.most(2);
        });
      });
    },
  };
}
