import { expect } from "chai";
import { parseEther } from "ethers";

import { System, allRows, deployedSystem, expectIndexerMatchesChain, getJson, graphql } from "../helpers/activity";
import { freshDatabase, startPonder, untilIndexed } from "../helpers/ponder";

/**
 * A chain reorganisation under the indexer: Ponder follows a hardhat node live; blocks with a transfer, a vesting
 * release, a deposit and a payment are indexed, then `evm_revert` drops them and a longer chain with different
 * blocks (other amounts, other recipients, another time) replaces them. The indexer's answers must then be the new
 * chain's, with nothing left of the dropped blocks.
 *
 * The reorganisation is a few blocks deep, well inside the 30 blocks that Ponder leaves unfinalized on chain 31337:
 * deeper ones are "unrecoverable" for Ponder (it stops with an error), as they would be on a real chain.
 *
 * reorg
 * ├── given the dropped blocks were indexed → the indexer showed them (so the test can see them go)
 * └── when a longer, different chain replaces them
 *     ├── it has every balance, transfer, release, deposit and payment of the new chain, to the wei
 *     └── it has nothing of the dropped blocks: their recipients hold nothing, their transactions are nowhere
 */
function reorgScenario(serverUrl?: string) {
  return function (this: Mocha.Suite) {
    let database: ReturnType<typeof freshDatabase> | undefined;
    let databaseUrl: string | undefined;
    this.timeout(600_000);
    let sys: System;
    let ponder: Awaited<ReturnType<typeof startPonder>> | undefined;

    before(async () => {
      // A database of its own: see freshDatabase.
      database = serverUrl ? freshDatabase(serverUrl) : undefined;
      databaseUrl = database?.url;
      sys = await deployedSystem();
      await sys.setUpPayments();
      await sys.deposit(parseEther("1000"));
      await sys.pay(10n);
    });
    after(async () => {
      await ponder?.stop();
      await sys?.stop();
      database?.drop();
    });

    it("answers as the new chain after evm_revert and different, longer blocks", async () => {
      ponder = await startPonder(sys.node.url, sys.deploymentsDir, { databaseUrl });
      await untilIndexed(ponder, await sys.blockNumber());

      // The old branch: a transfer to a fresh address, a release after 10 days, a deposit, a payment.
      const fork = await sys.blockNumber();
      const snapshot: string = await sys.provider.send("evm_snapshot", []);
      const dropped = [await sys.transfer(parseEther("1234")), await sys.transfer(parseEther("5678"))];
      const droppedHashes = [
        ...dropped.map((t) => t.hash),
        await sys.release(10 * 86_400),
        await sys.deposit(parseEther("11")),
        await sys.pay(100n),
      ];
      const oldTip = await sys.blockNumber();
      await untilIndexed(ponder, oldTip);
      const seen = await graphql<{ account: { balance: string } | null }>(
        ponder.url,
        `
          query ($a: String!) {
            account(address: $a) {
              balance
            }
          }
        `,
        { a: dropped[0].to.toLowerCase() },
      );
      expect(seen.account?.balance, "the old branch was indexed").to.equal(parseEther("1234").toString());
      const before = await getJson<{ payments: unknown[] }>(ponder.url, `/payments/${sys.accounts.payer.address}`);
      expect(before.payments.length).to.equal(2);
      // With PostgreSQL the answer is kept for this indexed state (indexer/src/api/cache.ts): asked again, it is served
      // from there; after the reorganisation below it must be the new chain's all the same.
      const again = await fetch(`${ponder.url}/payments/${sys.accounts.payer.address}`);
      expect(await again.json()).to.deep.equal(before);
      expect(again.headers.get("x-cache"), "the second ask, from the answer cache").to.equal(
        databaseUrl ? "hit" : null,
      );

      // The new branch: back to the fork, then other recipients and amounts, another time, and more blocks.
      expect(await sys.provider.send("evm_revert", [snapshot])).to.equal(true);
      expect(await sys.blockNumber()).to.equal(fork);
      const kept = [
        await sys.transfer(parseEther("42")),
        await sys.transfer(parseEther("43")),
        await sys.transfer(parseEther("44")),
      ];
      const keptHashes = [
        ...kept.map((t) => t.hash),
        await sys.release(40 * 86_400),
        await sys.deposit(parseEther("7")),
        await sys.pay(250n),
      ];
      for (let i = 0; i < 3; i++) await sys.provider.send("evm_mine", []);
      const newTip = await sys.blockNumber();
      expect(newTip).to.be.greaterThan(oldTip);
      // The old chain never reached newTip: once /status shows it, Ponder is on the new chain.
      await untilIndexed(ponder, newTip);
      const status = await getJson<{ opg: { block: { number: number; timestamp: number } } }>(ponder.url, "/status");
      const tip = (await sys.provider.getBlock(status.opg.block.number))!;
      expect(status.opg.block.timestamp, "the indexed tip is the new chain's block").to.equal(tip.timestamp);
      // Ponder saw the reorganisation and rolled back ("Reorged block" names the common ancestor): to the fork, or
      // to the block before it when Ponder polled right after the revert, while the fork block was the chain's head
      // (a head that is not higher than Ponder's own is taken as a reorganisation, and the fork block is re-added).
      const reorgs = ponder
        .output()
        .split("\n")
        .filter((line) => line.includes('"Reorged block"'))
        .map((line) => (JSON.parse(line) as { number: number }).number);
      expect(
        reorgs.filter((n) => n === fork || n === fork - 1),
        ponder.output(),
      ).to.have.lengthOf.at.least(1);

      // Everything as the new chain has it.
      await expectIndexerMatchesChain(sys, ponder.url);
      for (const { to } of kept)
        expect(await sys.contracts.token.balanceOf(to)).to.be.oneOf([42n, 43n, 44n].map((n) => n * 10n ** 18n));

      // Nothing of the old branch: its recipients have no row, its transactions appear in no table.
      for (const { to } of dropped) {
        const { account } = await graphql<{ account: unknown }>(
          ponder.url,
          `
            query ($a: String!) {
              account(address: $a) {
                balance
              }
            }
          `,
          { a: to.toLowerCase() },
        );
        expect(account, `the dropped recipient ${to}`).to.equal(null);
      }
      const hashes = JSON.stringify(droppedHashes.map((h) => h.toLowerCase()));
      for (const table of ["transfers", "vestingReleases", "deposits", "payments"]) {
        const rows = await allRows(ponder.url, table, "id", `{ transactionHash_in: ${hashes} }`);
        expect(rows, `${table} of the dropped blocks`).to.deep.equal([]);
      }
      const keptList = JSON.stringify(keptHashes.map((h) => h.toLowerCase()));
      const keptTransfers = await allRows(ponder.url, "transfers", "id", `{ transactionHash_in: ${keptList} }`);
      // The three transfers, the release (vault to beneficiary) and the deposit (payer to escrow) at least move OPG.
      const newTransfers = await sys.contracts.token.queryFilter(sys.contracts.token.filters.Transfer(), fork + 1);
      expect(keptTransfers.length).to.equal(newTransfers.length).and.to.be.greaterThanOrEqual(5);
      const after = await getJson<{ payments: { transactionHash: string }[] }>(
        ponder.url,
        `/payments/${sys.accounts.payer.address}`,
      );
      expect(after.payments.map((p) => p.transactionHash)[0]).to.equal(keptHashes[keptHashes.length - 1].toLowerCase());
      expect(after.payments.length).to.equal(2);
    });
  };
}

describe("indexer: a chain reorganisation, on PGlite (end to end)", reorgScenario());

(process.env.DATABASE_URL ? describe : describe.skip)(
  "indexer: a chain reorganisation, on PostgreSQL (end to end)",
  reorgScenario(process.env.DATABASE_URL),
);
