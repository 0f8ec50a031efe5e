/**
 * One chain and one Ponder boot per database for the indexer's end-to-end parts (test/indexer/indexer.e2e.test.ts).
 * A Ponder boot, with its historical sync, is the slow step of these tests; the parts used to pay for one each (and
 * with `npm test --parallel` in different workers, so they could not share it as files). Here every part drives its
 * activity on the run's shared node first, with accounts no other part uses, then one Ponder per database indexes
 * all of it and every part checks its own answers against it.
 *
 * The Ponder reads the node through a gate that holds `eth_getLogs` until a part calls `synced()`: the readiness
 * part (e2e/service.ts) checks the 503s of a Ponder still catching up first, and the others wait for the sync.
 */
import * as http from "node:http";
import { AddressInfo } from "node:net";
import { JsonRpcProvider, Wallet, id, parseEther, toQuantity } from "ethers";

import type { Deployment } from "../../../deploy/lib/deployments";
import { Contracts, contractsOf } from "../../../scripts/cli/connect";
import { sharedDeployment } from "../../helpers/node";
import { freshDatabase, startPonder, untilIndexed } from "../../helpers/ponder";

export type Ponder = Awaited<ReturnType<typeof startPonder>>;

/** PGlite always; PostgreSQL too when DATABASE_URL is set (each run in a database of its own: freshDatabase). */
export function databases(): { name: string; databaseUrl?: string }[] {
  const list: { name: string; databaseUrl?: string }[] = [{ name: "PGlite" }];
  if (process.env.DATABASE_URL) list.push({ name: "PostgreSQL", databaseUrl: process.env.DATABASE_URL });
  return list;
}

/** What a part sees of the group: the chain before the boot, the Ponder of the database under test after it. */
export interface Group {
  /** The node's JSON-RPC URL (the run's shared node, test/helpers/node.ts). */
  readonly url: string;
  readonly provider: JsonRpcProvider;
  readonly deployment: Deployment;
  /** The directory of the deployments file (31337.json) Ponder and the CLI read. */
  readonly deploymentsDir: string;
  /** The deployment's contracts, read through `provider` (the CLI's set: scripts/cli/connect.ts). */
  contracts(): Contracts;
  /** The last block of every part's activity: what Ponder has indexed once `synced()` resolves. */
  readonly lastBlock: number;
  /** The Ponder of the database under test, booted behind the gate. */
  ponder(): Ponder;
  /** Opens the gate and waits until the Ponder has indexed `lastBlock` and answers /ready. */
  synced(): Promise<void>;
  /**
   * Wallets of the part's own, each with 1,000 ETH (hardhat_setBalance) and nothing else: no other part can touch
   * them, so what a part asserts of its accounts stays its own. The keys follow from `part` and the names.
   */
  wallets<K extends string>(part: string, names: readonly K[]): Promise<Record<K, Wallet>>;
}

/** A part of the group: its activity, driven once, its tests, registered once per database, and its clean-up. */
export interface Part {
  drive(): Promise<void>;
  tests(): void;
  done?(): Promise<void>;
}

/**
 * A JSON-RPC proxy in front of the node whose `eth_getLogs` answers wait while the gate is closed: Ponder behind it
 * cannot finish its historical sync until the gate opens, so "catching up" lasts as long as a test needs.
 */
export async function gatedRpc(target: string) {
  let open = false;
  const waiting: (() => void)[] = [];
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    if (!open && body.includes('"eth_getLogs"')) await new Promise<void>((resolve) => waiting.push(resolve));
    try {
      const answer = await fetch(target, { method: "POST", headers: { "content-type": "application/json" }, body });
      res.writeHead(answer.status, { "content-type": "application/json" });
      res.end(await answer.text());
    } catch {
      res.destroy();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    open() {
      open = true;
      waiting.splice(0).forEach((resolve) => resolve());
    },
    close: () =>
      new Promise<void>((resolve) => {
        open = true;
        waiting.splice(0).forEach((r) => r());
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The group's fixture: `start` (the chain), then per database `boot` and `shutdown`, then `stop`. */
export function createGroup() {
  let chain: Awaited<ReturnType<typeof sharedDeployment>> | undefined;
  let provider: JsonRpcProvider | undefined;
  let lastBlock = -1;
  let ponder: Ponder | undefined;
  let rpc: Awaited<ReturnType<typeof gatedRpc>> | undefined;
  let fresh: ReturnType<typeof freshDatabase> | undefined;
  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`the group has no ${what} yet`);
    return value;
  };

  const group: Group = {
    get url() {
      return need(chain, "chain").url;
    },
    get provider() {
      return need(provider, "chain");
    },
    get deployment() {
      return need(chain, "chain").deployment;
    },
    get deploymentsDir() {
      return need(chain, "chain").deploymentsDir;
    },
    contracts() {
      return contractsOf(group.deployment, group.provider);
    },
    get lastBlock() {
      if (lastBlock < 0) throw new Error("the group's activity is not driven yet");
      return lastBlock;
    },
    ponder: () => need(ponder, "Ponder"),
    async synced() {
      need(rpc, "Ponder").open();
      await untilIndexed(need(ponder, "Ponder"), group.lastBlock, 300_000);
    },
    async wallets<K extends string>(part: string, names: readonly K[]) {
      const entries = await Promise.all(
        names.map(async (name) => {
          const wallet = new Wallet(id(`opg indexer e2e: ${part}: ${name}`), group.provider);
          await group.provider.send("hardhat_setBalance", [wallet.address, toQuantity(parseEther("1000"))]);
          return [name, wallet] as const;
        }),
      );
      return Object.fromEntries(entries) as Record<K, Wallet>;
    },
  };

  return {
    group,
    /** The run's shared node, back at the fresh deployment (every part's activity starts from there). */
    async start() {
      chain = await sharedDeployment();
      await chain.fresh();
      provider = new JsonRpcProvider(chain.url, undefined, { staticNetwork: true, cacheTimeout: -1 });
    },
    /** Called once every part has driven its activity: the block Ponder must reach. */
    async driven() {
      lastBlock = await group.provider.getBlockNumber();
    },
    /** Ponder on a fresh database (PostgreSQL when `databaseUrl` is given), behind a closed gate. */
    async boot(databaseUrl?: string) {
      if (databaseUrl) fresh = freshDatabase(databaseUrl);
      rpc = await gatedRpc(group.url);
      // SQL over HTTP on, PGlite too: the hostile-request part (e2e/service.ts) holds its guards.
      ponder = await startPonder(rpc.url, group.deploymentsDir, { databaseUrl: fresh?.url, env: { OPG_SQL: "on" } });
    },
    async shutdown() {
      await ponder?.stop();
      await rpc?.close();
      fresh?.drop();
      [ponder, rpc, fresh] = [undefined, undefined, undefined];
    },
    async stop() {
      provider?.destroy();
    },
  };
}
