/**
 * `npm run deploy -- --network baseSepolia` as a deployer runs it, against anvil (from npm) with chain id 84532
 * through BASE_SEPOLIA_RPC_URL and anvil's funded key as DEPLOYER_PRIVATE_KEY: the preflight, the hand-over, runs
 * killed at several points and resumed (same addresses, no extra transaction, the same file), a node that mines a
 * block a second, and a node that does not mine at all (the wait times out, the rerun finds the transaction).
 * The commands run in the test process (deploy/cli.ts's main, through `deploy`), except the runs OPG_DEPLOY_KILL_AT
 * kills and one smoke run, which are processes of their own (`deployProcess`).
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { Wallet, getCreateAddress } from "ethers";

import { CONTRACT_NAMES, Deployment } from "../../deploy/lib/deployments";
import { runtimeFor } from "../../deploy/lib/runtime";
import { pollInterval } from "../../deploy/lib/transactions";
import {
  ANVIL_ADDRESS,
  ANVIL_KEY,
  Anvil,
  Run,
  SAFE,
  deploy,
  deployProcess,
  referenceDeployment,
  settings,
  startAnvil,
  tmp,
} from "./helpers";
import { freePort } from "../helpers/node";

/** Anvil's third account's key: funded, but not the deployer. */
const OTHER_KEY = "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a";

const read = (dir: string): Deployment => JSON.parse(fs.readFileSync(path.join(dir, "84532.json"), "utf8"));
const nonceOf = async (anvil: Anvil, address = ANVIL_ADDRESS) =>
  Number(BigInt(await anvil.rpc<string>("eth_getTransactionCount", [address, "latest"])));

/** The file without what differs between two chains: block hashes, and (`hashes`) numbers and transaction hashes. */
function normalized(d: Deployment, hashes: boolean): unknown {
  const drop = hashes ? ["blockHash"] : ["blockHash", "blockNumber", "startBlock", "hash", "transactionHash"];
  const copy = JSON.parse(JSON.stringify(d, (k, v) => (drop.includes(k) ? undefined : v)));
  if (!hashes) copy.genesis.steps = Object.keys(copy.genesis.steps);
  return copy;
}

describe("npm run deploy -- --network baseSepolia, against anvil (chain 84532)", function () {
  this.timeout(600_000);
  const nodes: Anvil[] = [];
  const anvil = async (args: string[] = [], chainId?: number) => {
    const node = await startAnvil(args, chainId);
    nodes.push(node);
    return node;
  };
  after(async () => {
    for (const node of nodes) await node.stop();
  });

  /**
   * The node mining a block a second spends most of its minute waiting for blocks (two confirmations of each of 37
   * transactions): its two runs start with the file, and its test awaits them, so that the wait overlaps the others.
   */
  let blockTime: Promise<{ node: Anvil; dir: string; killed: Run; run: Run }>;
  before(() => {
    blockTime = (async () => {
      const node = await anvil(["--block-time", "1"]);
      const dir = tmp("opg-dep-");
      const killed = await deployProcess(settings(node, dir, { OPG_DEPLOY_KILL_AT: "10:sent" }));
      const run = await deploy(settings(node, dir));
      return { node, dir, killed, run };
    })();
    blockTime.catch(() => undefined); // its test reports a failure
  });

  describe("preflight", () => {
    // The smoke run of `npm run deploy` as a process of its own; the kills below are the others.
    it("names every missing setting by its variable, all at once, without a stack trace", async () => {
      const run = await deployProcess({ DEPLOYMENTS_DIR: tmp("opg-dep-") });
      expect(run.status, run.output).to.equal(1);
      expect(run.output)
        .to.match(/DEPLOYER_PRIVATE_KEY is not set/)
        .and.match(/BASE_SEPOLIA_RPC_URL is not set/)
        .and.not.match(/\n\s+at /);
    });

    it("names malformed settings without repeating the key, and an RPC that does not answer", async () => {
      const port = await freePort();
      const run = await deploy({
        DEPLOYER_PRIVATE_KEY: "0x1234abcd",
        BASE_SEPOLIA_RPC_URL: `http://127.0.0.1:${port}`,
        TIMELOCK_MIN_DELAY: "two days",
        TIMELOCK_PROPOSERS: "0xnot-an-address",
        CONFIRMATIONS: "0",
        TX_TIMEOUT: "soon",
        DEPLOYMENTS_DIR: tmp("opg-dep-"),
      });
      expect(run.status, run.output).to.equal(1);
      expect(run.output)
        .to.match(/DEPLOYER_PRIVATE_KEY is not a private key/)
        .and.match(new RegExp(`BASE_SEPOLIA_RPC_URL \\(127.0.0.1:${port}\\) does not answer`))
        .and.match(/TIMELOCK_MIN_DELAY: "two days"/)
        .and.match(/TIMELOCK_PROPOSERS: "0xnot-an-address" is not an address/)
        .and.match(/CONFIRMATIONS: "0"/)
        .and.match(/TX_TIMEOUT: "soon"/)
        .and.not.match(/1234abcd/)
        .and.not.match(/\n\s+at /);
    });

    it("refuses a node of another chain", async () => {
      const other = await anvil([], 1);
      const run = await deploy(settings(other, tmp("opg-dep-")));
      expect(run.status, run.output).to.equal(1);
      expect(run.output).to.match(/BASE_SEPOLIA_RPC_URL points at chain 1, not baseSepolia's 84532/);
      expect(await nonceOf(other)).to.equal(0);
    });

    it("on a public chain, refuses to run without a genesis file or proposers unless --rehearsal", async () => {
      const node = await anvil();
      const run = await deploy({ BASE_SEPOLIA_RPC_URL: node.url, DEPLOYER_PRIVATE_KEY: ANVIL_KEY });
      expect(run.status, run.output).to.equal(1);
      expect(run.output)
        .to.match(/GENESIS_FILE is not set: on a public chain .* --rehearsal/)
        .and.match(/TIMELOCK_PROPOSERS is not set/);
      expect(await nonceOf(node)).to.equal(0);
    });

    it("--dry-run prints the deployer, the plan, gas and cost, and sends nothing", async () => {
      const node = await anvil();
      const dir = tmp("opg-dep-");
      const run = await deploy(settings(node, dir), "--dry-run");
      expect(run.status, run.output).to.equal(0);
      expect(run.output)
        .to.match(new RegExp(`deployer ${ANVIL_ADDRESS}: 10000.0 ETH`))
        .and.match(
          new RegExp(
            `OPGTimelock deployment at ${getCreateAddress({ from: ANVIL_ADDRESS, nonce: 0 })}: to send, [\\d,]+ gas`,
          ),
        )
        .and.match(/schedules 1-4: to send, ~[\d,]+ gas/)
        .and.match(/PaymentsEscrow: renounce DEFAULT_ADMIN_ROLE: to send/)
        .and.match(
          /37 transaction\(s\) to send, 0 recorded \(looked up, not sent again\), 0 done; about [\d,]+ gas, at most [\d.]+ ETH/,
        )
        .and.match(/dry run: nothing was sent/);
      expect(await nonceOf(node)).to.equal(0);
      expect(fs.existsSync(path.join(dir, "84532.json"))).to.equal(false);
    });

    it("refuses a deployer without the ETH the plan needs, saying how much", async () => {
      const node = await anvil();
      const empty = Wallet.createRandom();
      const run = await deploy(settings(node, tmp("opg-dep-"), { DEPLOYER_PRIVATE_KEY: empty.privateKey }));
      expect(run.status, run.output).to.equal(1);
      expect(run.output)
        .to.match(new RegExp(`the deployer ${empty.address} holds 0.0 ETH, the plan needs up to [\\d.]+ ETH`))
        .and.not.match(new RegExp(empty.privateKey.slice(2)))
        .and.not.match(/\n\s+at /);
    });
  });

  describe("deployment, hand-over and resume (automine)", () => {
    let reference: Anvil;
    let referenceDir: string;
    let referenceRun: Run;

    // The reference deployment, shared with verify.test.ts (helpers.ts): made once per run, by whichever asks first.
    before(async () => {
      ({ node: reference, dir: referenceDir, run: referenceRun } = await referenceDeployment());
    });

    it("deploys 37 transactions, one confirmation each on an automining node, and hands everything over", async () => {
      const run = referenceRun;
      expect(run.status, run.output).to.equal(0);
      expect(run.output)
        .to.match(/1 confirmation\(s\) each/)
        .and.match(/OPGTimelock\.PROPOSER_ROLE: proposer 1 \(0x70997970C51812dc3A010C7d01b50e0d17dc79C8\)/)
        .and.match(/OPGTimelock\.EXECUTOR_ROLE: anyone \(address 0\)/)
        .and.match(/VestingVault\.DEFAULT_ADMIN_ROLE: OPGTimelock \(/)
        .and.match(/Staking\.slasher: ProofRegistry \(/)
        .and.match(/Staking\.feeSource: PaymentsEscrow \(/)
        .and.match(/hand-over checked: the deployer holds no role and no OPG/);
      expect(await nonceOf(reference)).to.equal(37);
      const d = read(referenceDir);
      expect(d.transactions.map((t) => t.nonce)).to.deep.equal([...Array(37).keys()]);
      expect(d.transactions.every((t) => t.status === "mined" && t.raw === undefined)).to.equal(true);
      for (const [i, name] of CONTRACT_NAMES.entries()) {
        const c = d.contracts[name]!;
        expect(c.nonce, name).to.equal(i);
        expect(c.address, name).to.equal(getCreateAddress({ from: ANVIL_ADDRESS, nonce: i }));
        expect(c.source!.compilerVersion).to.match(/^v0\.8\.28\+commit\.[0-9a-f]{8}$/);
        expect(c.source!.constructorArgsEncoded).to.match(/^([0-9a-f]{64})+$/);
      }
      expect(d.contracts.OPGTimelock!.source!.constructorArgs).to.deep.equal([
        "172800",
        [SAFE],
        ["0x0000000000000000000000000000000000000000"],
        "0x0000000000000000000000000000000000000000",
      ]);
    });

    it("run again, reuses everything and sends nothing", async () => {
      const run = await deploy(settings(reference, referenceDir));
      expect(run.status, run.output).to.equal(0);
      expect(run.output).to.match(/0 transaction\(s\) to send, 0 recorded \(looked up, not sent again\), 37 done/);
      expect(await nonceOf(reference)).to.equal(37);
    });

    it("refuses to resume with another key, naming both accounts", async () => {
      const run = await deploy(settings(reference, referenceDir, { DEPLOYER_PRIVATE_KEY: OTHER_KEY }));
      expect(run.status, run.output).to.equal(1);
      expect(run.output).to.match(
        new RegExp(
          `records a deployment by ${ANVIL_ADDRESS}, but DEPLOYER_PRIVATE_KEY is 0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC`,
        ),
      );
    });

    it("killed at four points and resumed, ends with the same addresses, nonces and file", async () => {
      const node = await anvil();
      const dir = tmp("opg-dep-");
      // Each run counts its own transactions: recorded but never broadcast, broadcast but not waited on, ...
      for (const at of ["1:recorded", "5:sent", "3:recorded", "20:sent"]) {
        const run = await deployProcess(settings(node, dir, { OPG_DEPLOY_KILL_AT: at }));
        expect(run.output, at).to.match(new RegExp(`killed after transaction ${at.split(":")[0]} was`));
        expect(run.output, at).to.not.match(/hand-over checked/);
        if (at === "1:recorded") {
          // Recorded, never broadcast: the plan looks it up and gives the next contract the next nonce.
          const plan = await deploy(settings(node, dir), "--dry-run");
          expect(plan.output)
            .to.match(
              new RegExp(
                `OPGTimelock deployment at ${getCreateAddress({ from: ANVIL_ADDRESS, nonce: 0 })}: recorded, will be looked up`,
              ),
            )
            .and.match(new RegExp(`OPG deployment at ${getCreateAddress({ from: ANVIL_ADDRESS, nonce: 1 })}: to send`))
            .and.match(/36 transaction\(s\) to send, 1 recorded \(looked up, not sent again\), 0 done/);
          expect(await nonceOf(node)).to.equal(0);
        }
      }
      const recorded = read(dir);
      expect(recorded.transactions.at(-1)!.status).to.equal("sent"); // killed before its wait
      const run = await deploy(settings(node, dir));
      expect(run.status, run.output).to.equal(0);
      expect(run.output).to.match(/found 0x[0-9a-f]{64} \(nonce \d+\) on chain/);
      expect(await nonceOf(node)).to.equal(37);
      expect(normalized(read(dir), true)).to.deep.equal(normalized(read(referenceDir), true));
    });

    it("a rehearsal says who holds what afterwards", async () => {
      const node = await anvil();
      const run = await deploy(
        { BASE_SEPOLIA_RPC_URL: node.url, DEPLOYER_PRIVATE_KEY: ANVIL_KEY, DEPLOYMENTS_DIR: tmp("opg-dep-") },
        "--rehearsal",
      );
      expect(run.status, run.output).to.equal(0);
      expect(run.output)
        .to.match(/GENESIS_FILE is not set: every allocation goes to the deployer/)
        .and.match(new RegExp(`who holds OPG:\\n(.*\\n)*  deployer \\(${ANVIL_ADDRESS}\\): 100,000,000 OPG`))
        .and.match(new RegExp(`who vests OPG in the vault:\\n  deployer ${ANVIL_ADDRESS}: 800,000,000 OPG`))
        .and.match(/note: the deployer .* holds PROPOSER_ROLE on OPGTimelock \(TIMELOCK_PROPOSERS is not set\)/);
    });

    it("a node that never mines: the wait times out naming the transaction; the rerun finds it, sends nothing twice", async () => {
      const node = await anvil(["--no-mining"]);
      const dir = tmp("opg-dep-");
      const run = await deploy(settings(node, dir, { TX_TIMEOUT: "2" }));
      expect(run.status, run.output).to.equal(1);
      expect(run.output)
        .to.match(/2 confirmation\(s\) each/)
        .and.match(
          /timed out after 2 s \(TX_TIMEOUT\) waiting for "OPGTimelock deployment": transaction 0x[0-9a-f]{64} \(nonce 0\) is not mined yet/,
        )
        .and.match(/run the same command again to resume/)
        .and.not.match(/\n\s+at /);
      const pending = read(dir).transactions;
      expect(pending.map((t) => [t.what, t.status])).to.deep.equal([["OPGTimelock deployment", "sent"]]);

      await node.rpc("evm_setAutomine", [true]);
      await node.rpc("evm_mine");
      const resumed = await deploy(settings(node, dir));
      expect(resumed.status, resumed.output).to.equal(0);
      expect(resumed.output).to.match(/OPGTimelock deployment: found 0x[0-9a-f]{64} \(nonce 0\) on chain/);
      expect(await nonceOf(node)).to.equal(37);
      expect(read(dir).contracts.OPGTimelock!.transactionHash).to.equal(pending[0].hash);
      expect(normalized(read(dir), false)).to.deep.equal(normalized(read(referenceDir), false));
    });

    it("a node mining a block a second: 2 confirmations, killed with a transaction in flight, resumed", async () => {
      const { node, dir, killed, run } = await blockTime;
      expect(killed.output)
        .to.match(/2 confirmation\(s\) each/)
        .and.match(/killed after transaction 10 was sent/);
      expect(run.status, run.output).to.equal(0);
      expect(run.output).to.match(/schedules 1-4: (found|0x[0-9a-f]{64} \(nonce 9\) is pending)/);
      expect(await nonceOf(node)).to.equal(37);
      // It looked for each confirmation at a quarter of the block time the chain's last blocks show.
      const hre = runtimeFor("baseSepolia", { BASE_SEPOLIA_RPC_URL: node.url });
      expect(await pollInterval(hre)).to.be.within(200, 300);
      expect(normalized(read(dir), false)).to.deep.equal(normalized(read(referenceDir), false));
    });
  });
});
