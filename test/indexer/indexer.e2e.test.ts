/**
 * The indexer end to end, as one group: one chain (the run's shared node with the real deployment) on which every
 * part drives its activity with accounts of its own, then ONE Ponder boot per database (PGlite, and PostgreSQL when
 * DATABASE_URL is set) that indexes all of it, and every part's checks against that Ponder (test/indexer/e2e/).
 * A Ponder boot and its sync are the slow step; the parts were files of their own, each paying for its boot, and
 * with `npm test --parallel` in different workers they could not share one.
 *
 * indexer end to end
 * ├── activity, in this order (before any boot): the CLI part (a 40-day jump), every contract (e2e/routes.ts: the
 * │   timelock's delay and a 90-day jump), the service part's payments and transfers, then the nodes part (its
 * │   price increase pending: no time passes after it)
 * ├── the typed client's answer types are what indexer/client/answers.gen.ts prints
 * └── on each database: Ponder behind a gate that holds its eth_getLogs (e2e/group.ts)
 *     ├── service (e2e/service.ts): while the gate is closed, computed routes answer 503 with Retry-After and a
 *     │   reason; once open and synced, 200 with the chain's figures; hostile requests all 4xx, nothing changed,
 *     │   /stats answering throughout; each 400 names its bad parameter
 *     ├── every contract, every route (e2e/routes.ts): /unlocks, the timeline, /operators, /stats and /stats/daily,
 *     │   /payments (filters, cursor, CSV), /escrows, /models, the typed client, GraphQL, bad input: to the wei
 *     ├── models, nodes and proofs (e2e/nodes.ts): /nodes as NodeRegistry.isEligible judges, cheapest first;
 *     │   models, records, batches and pending prices over GraphQL
 *     └── the CLI (e2e/cli.ts): opg payments (JSON, table, CSV, roles, pages) and opg unlocks --at from the
 *         indexer equal the chain's; bad arguments refused by name
 *
 * reorg.e2e (its own chain, rewritten), restart.e2e (two boots by nature) and scale.e2e (a writer and readers on
 * PostgreSQL) keep boots of their own.
 */
import { cliPart } from "./e2e/cli";
import { createGroup, databases } from "./e2e/group";
import { nodesPart } from "./e2e/nodes";
import { routesPart } from "./e2e/routes";
import { servicePart } from "./e2e/service";

describe("indexer end to end (one chain, one Ponder per database)", function () {
  this.timeout(900_000);
  const fixture = createGroup();
  const { group } = fixture;
  const cli = cliPart(group);
  const routes = routesPart(group);
  const service = servicePart(group);
  const nodes = nodesPart(group);
  // Activity in the order the header gives: the time jumps before the part that must see no time pass.
  const activity = [cli, routes, service, nodes];
  // Checks with the service part first: its readiness checks need the gate still closed.
  const checks = [service, routes, nodes, cli];

  before(async () => {
    await fixture.start();
    for (const part of activity) await part.drive();
    await fixture.driven();
  });
  after(async () => {
    for (const part of activity) await part.done?.();
    await fixture.stop();
  });

  service.anyDatabase();

  for (const database of databases()) {
    describe(`on ${database.name}`, () => {
      before(() => fixture.boot(database.databaseUrl));
      after(() => fixture.shutdown());
      for (const part of checks) part.tests();
    });
  }
});
