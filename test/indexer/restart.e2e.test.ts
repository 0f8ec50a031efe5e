import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Wallet, parseEther } from "ethers";

import { System, deployedSystem, expectIndexerMatchesChain } from "../helpers/activity";
import { freshDatabase, indexedBlock, startPonder, untilIndexed } from "../helpers/ponder";

/**
 * Ponder stopped mid-way and started again on the same database (the same PGlite directory, or the same PostgreSQL
 * schema): nothing is lost and nothing is counted twice.
 *
 * What Ponder 0.16 does (node_modules/ponder/dist/esm/database/index.js): `ponder start` on a schema that an app with
 * the same build id (a hash of the contracts in the config, the schema file and the handlers; not the RPC URL or the
 * port) used before, and that is no longer locked (SIGTERM unlocks it; after a crash the lock expires 25 s after the
 * last heartbeat), is a "crash recovery": it undoes every row written for blocks that were not yet finalized (from
 * its _reorg__ tables), then resumes from the last safe checkpoint. A different build id is refused ("Schema ... was
 * previously used by a different Ponder app"), and `ponder dev` always starts over. So the second run re-indexes the
 * unfinalized tail that the first one had already counted: balances that were counted twice would show here.
 *
 * restart
 * ├── given Ponder was stopped (SIGTERM) while it was indexing a stream of transfers, releases and payments
 * └── when more activity happens and a new Ponder starts on the same database
 *     ├── it recovers instead of starting over ("Detected crash recovery")
 *     └── balances sum to the supply and match the chain; transfers, releases, deposits and payments are the chain's,
 *         each once; escrow totals and unlocks match to the wei
 */
function restartScenario(serverUrl?: string) {
  return function (this: Mocha.Suite) {
    this.timeout(600_000);
    let database: ReturnType<typeof freshDatabase> | undefined;
    let databaseUrl: string | undefined;
    let sys: System;
    let dataDir: string;
    const schema = `opg_restart_${process.pid}`;
    let ponder: Awaited<ReturnType<typeof startPonder>> | undefined;

    before(async () => {
      // A database of its own (see freshDatabase), with one fixed schema across the two runs.
      database = serverUrl ? freshDatabase(serverUrl) : undefined;
      databaseUrl = database?.url;
      sys = await deployedSystem();
      await sys.setUpPayments();
      await sys.deposit(parseEther("1000"));
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "opg-indexer-restart-"));
    });
    after(async () => {
      await ponder?.stop();
      await sys?.stop();
      if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
      database?.drop();
    });

    it("loses nothing and counts nothing twice across a stop mid-way and a restart", async () => {
      const options = { databaseUrl, schema, dataDir, keepData: true };
      // A few recipients again and again, so that a transfer counted twice would change a balance.
      const recipients = [0, 1, 2].map(() => Wallet.createRandom().address);
      let inferences = 10n;
      const act = async (i: number) => {
        if (i % 10 === 9) await sys.release(86_400);
        else if (i % 5 === 4) await sys.pay((inferences += 7n));
        else if (i % 7 === 6) await sys.deposit(parseEther("3"));
        else await sys.transfer(parseEther(String(i + 1)), recipients[i % recipients.length]);
      };
      let i = 0;
      for (; i < 20; i++) await act(i);

      // The first run indexes what is there, then follows a stream of activity and is stopped in the middle of it.
      ponder = await startPonder(sys.node.url, sys.deploymentsDir, options);
      await untilIndexed(ponder, await sys.blockNumber());
      const first = ponder;
      const streamFrom = await sys.blockNumber();
      let stopped = false;
      const stream = (async () => {
        for (let n = 0; n < 40 || !stopped; n++, i++) await act(i);
      })();
      await untilIndexed(first, streamFrom + 20);
      const lastSeen = await indexedBlock(first);
      await first.stop();
      stopped = true;
      await stream;
      expect(lastSeen, "stopped while the stream went on").to.be.greaterThanOrEqual(streamFrom + 20);

      // More activity while no indexer runs, then a second run on the same database.
      for (const end = i + 20; i < end; i++) await act(i);
      ponder = await startPonder(sys.node.url, sys.deploymentsDir, options);
      const tip = await sys.blockNumber();
      expect(tip, "the second run has blocks to catch up on").to.be.greaterThan(lastSeen + 20);
      await untilIndexed(ponder, tip);
      expect(ponder.output(), "the second run recovered").to.include("Detected crash recovery");
      expect(ponder.output()).not.to.include("Created database tables");

      const { transfers } = await expectIndexerMatchesChain(sys, ponder.url);
      expect(transfers.length).to.be.greaterThan(80);
      for (const to of recipients) expect(await sys.contracts.token.balanceOf(to)).to.be.greaterThan(0n);
    });
  };
}

describe("indexer: stopped mid-way and restarted on PGlite (end to end)", restartScenario());

(process.env.DATABASE_URL ? describe : describe.skip)(
  "indexer: stopped mid-way and restarted on PostgreSQL, one schema (end to end)",
  restartScenario(process.env.DATABASE_URL),
);
