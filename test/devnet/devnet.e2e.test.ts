import { expect } from "chai";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { JsonRpcProvider } from "ethers";

import { Deployment } from "../../deploy/lib/deployments";
import { ppmOf } from "../../scripts/lib/opg";
import { MONTH } from "../../scripts/lib/units";
import { portProblem } from "../../scripts/devnet/processes";
import { ArgError, parseStartArgs } from "../../scripts/devnet/args";
import {
  OPG__factory,
  PaymentsEscrow__factory,
  ProofRegistry__factory,
  Staking__factory,
  VestingVault__factory,
} from "../../typechain-types";
import { ROOT, freePort } from "../helpers/node";
import { describePage } from "../page/page";
import { RunningDevnet, groupsLeft, removeLeftovers, startDevnet } from "./devnet";

interface Amount {
  wei: string;
  opg: string;
}

async function get(url: string): Promise<{ status: number; type: string; body: string }> {
  // Once more on a closed socket: fetch may reuse a kept-alive connection the server has just closed.
  const res = await fetch(url).catch(() => fetch(url));
  return { status: res.status, type: res.headers.get("content-type") ?? "", body: await res.text() };
}

/**
 * `npm start` end to end: refused on a taken port; otherwise a devnet that prints URLs that answer and commands that
 * work, whose scripted life the chain and the indexer agree on, and which Ctrl-C stops without leaving a process.
 */
describe("npm start (the devnet, end to end)", function () {
  this.timeout(400_000);

  it("refuses ports that are already in use, naming each and its flag, with exit code 1, before starting anything", async () => {
    // One `npm start` with both ports taken: every taken port is named at once.
    const servers = [net.createServer(), net.createServer()];
    const [rpcPort, indexerPort] = await Promise.all(
      servers.map(
        (server) =>
          new Promise<number>((resolve) =>
            server.listen(0, "127.0.0.1", () => resolve((server.address() as net.AddressInfo).port)),
          ),
      ),
    );
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "opg-devnet-taken-"));
    try {
      const run = spawnSync(
        "npm",
        ["start", "--", "--port", String(rpcPort), "--indexer-port", String(indexerPort), "--deployments", dir],
        { cwd: ROOT, encoding: "utf8", timeout: 120_000 },
      );
      const output = `${run.stdout}${run.stderr}`;
      expect(run.status, output).to.equal(1);
      expect(output)
        .to.contain(
          `port ${rpcPort} (the hardhat node's JSON-RPC) is already in use: choose another with --port <port>`,
        )
        .and.contain(
          `port ${indexerPort} (the indexer's API and page) is already in use: choose another with --indexer-port <port>`,
        );
      expect(output).not.to.contain("[1/6]");
      expect(fs.readdirSync(dir)).to.deep.equal([]); // nothing was deployed
    } finally {
      for (const server of servers) server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses a bad flag by name (parsed in-process: the exit code and message path is the one above)", () => {
    expect(() => parseStartArgs(["--port", "eighty"]))
      .to.throw(ArgError)
      .with.property("message")
      .that.contains('--port: expected a whole number from 1 to 65535, got "eighty"');
  });

  describe("running", () => {
    let devnet: RunningDevnet;
    let provider: JsonRpcProvider;
    let deployment: Deployment;

    before(async () => {
      devnet = await startDevnet();
      provider = new JsonRpcProvider(devnet.rpcUrl, undefined, { staticNetwork: true, cacheTimeout: -1 });
      deployment = JSON.parse(fs.readFileSync(path.join(devnet.deploymentsDir, "31337.json"), "utf8"));
    });
    after(async () => {
      provider?.destroy();
      // Normally the Ctrl-C test below has stopped it already.
      await devnet?.interrupt();
      if (devnet) removeLeftovers(devnet);
    });

    it("showed its progress step by step and printed the URLs, which answer", async () => {
      const output = devnet.output();
      for (let step = 1; step <= 6; step++) expect(output).to.match(new RegExp(`^\\[${step}/6\\] `, "m"));
      expect(devnet.indexerUrl).to.equal(`http://127.0.0.1:${devnet.indexerPort}`);
      expect(devnet.rpcUrl).to.match(new RegExp(`^http://127\\.0\\.0\\.1:${devnet.port}`));

      const page = await get(`${devnet.indexerUrl}/`);
      expect(page.status).to.equal(200);
      expect(page.type).to.contain("text/html");
      expect(page.body).to.contain("<h1>OPG network</h1>");
      for (const file of ["app.js", "style.css"])
        expect((await get(`${devnet.indexerUrl}/page/${file}`)).status).to.equal(200);
      for (const route of ["/stats", "/unlocks", "/supply/circulating", `/unlocks/${devnet.investor}`]) {
        const answer = await get(`${devnet.indexerUrl}${route}`);
        expect(answer.status, route).to.equal(200);
      }
      const chainId = await provider.send("eth_chainId", []);
      expect(Number(chainId)).to.equal(31337);
      expect(deployment.chainId).to.equal(31337);
      expect(deployment.genesis.complete).to.equal(true);
      expect(output).to.contain(path.join(devnet.deploymentsDir, "31337.json"));
    });

    it("prints example commands that work right away", async () => {
      const output = devnet.output();
      const command = /^ {2}npx opg unlocks (0x[0-9a-fA-F]{40}) --rpc (\S+) --deployments (\S+)$/m.exec(output);
      expect(command, output).to.not.equal(null);
      const cli = spawnSync(
        "node",
        ["scripts/opg.js", "unlocks", command![1], "--rpc", command![2], "--deployments", command![3]],
        {
          cwd: ROOT,
          encoding: "utf8",
          timeout: 120_000,
        },
      );
      expect(cli.status, `${cli.stdout}${cli.stderr}`).to.equal(0);
      expect(cli.stdout).to.contain("(investors)");
      for (const url of output.match(/^ {2}curl '?(http\S+?)'?$/gm)!.map((l) => l.replace(/^ {2}curl '?|'$/g, ""))) {
        const answer = await get(url);
        expect(answer.status, url).to.equal(200);
      }
    });

    it("lived through its months: the chain's clock moved and the investor's vesting was released after the cliff", async () => {
      const vault = VestingVault__factory.connect(deployment.contracts.VestingVault!.address, provider);
      const now = BigInt((await provider.getBlock("latest"))!.timestamp);
      const tge = BigInt(deployment.genesis.tge);
      expect(now - tge >= 14n * MONTH).to.equal(true);
      const [first, last] = deployment.genesis.scheduleIds.investors;
      let released = 0n;
      for (let id = first; id <= last; id++) {
        const schedule = await vault.getSchedule(id);
        if (schedule.beneficiary.toLowerCase() === devnet.investor.toLowerCase())
          released += await vault.releasedOf(id);
      }
      expect(released > 0n).to.equal(true);
      // The indexer agrees to the wei, at the chain's time.
      const unlocks = JSON.parse((await get(`${devnet.indexerUrl}/unlocks/${devnet.investor}?at=${now}`)).body) as {
        released: Amount;
      };
      expect(unlocks.released.wei).to.equal(released.toString());
    });

    it("slashed the dishonest node's operator through the timelock, as the chain and the indexer both say", async () => {
      const staking = Staking__factory.connect(deployment.contracts.Staking!.address, provider);
      const proofs = ProofRegistry__factory.connect(deployment.contracts.ProofRegistry!.address, provider);
      const slashes = await staking.queryFilter(staking.filters.StakeSlashed(devnet.slashedOperator));
      expect(slashes).to.have.length(1);
      // Two challenges decided by the arbiter (ChallengeStatus 2 upheld, 3 rejected); the third still waits.
      const resolved = await proofs.queryFilter(proofs.filters.ChallengeResolved());
      expect(resolved.map((c) => Number(c.args.outcome))).to.have.members([2, 3]);
      const upheld = resolved.find((c) => Number(c.args.outcome) === 2)!;
      expect((await proofs.getChallenge(upheld.args.challengeId)).nodeId.toString()).to.equal(devnet.slashedNode);
      const taken = upheld.args.slashed;
      expect(taken > 0n).to.equal(true);
      // What ChallengeResolved says staking moved is what StakeSlashed says it took and paid.
      const slash = slashes[0].args;
      expect(slash.fromOwnActive + slash.fromOwnThawing + slash.fromDelegated + slash.fromDelegatedThawing).to.equal(
        taken,
      );
      expect(slash.toChallenger).to.equal(upheld.args.toChallenger);
      // The slash was locked when the challenge opened: exactly what was taken, and nothing stays locked.
      const opened = await proofs.queryFilter(proofs.filters.RecordChallenged(upheld.args.challengeId));
      expect(opened[0].args.lockedStake).to.equal(taken);
      expect(await staking.lockedStakeOf(devnet.slashedOperator)).to.equal(0n);
      // The operator staked 60,000 OPG with no delegators; it now has that less the slash.
      expect(await staking.slashableStakeOf(devnet.slashedOperator)).to.equal(60_000n * 10n ** 18n - taken);
      const operator = JSON.parse((await get(`${devnet.indexerUrl}/operators/${devnet.slashedOperator}`)).body) as {
        slashed: Amount;
        slashes: unknown[];
      };
      expect(operator.slashed.wei).to.equal(taken.toString());
      expect(operator.slashes).to.have.length(1);
    });

    it("left one challenge pending, its stake locked until its deadline", async () => {
      const staking = Staking__factory.connect(deployment.contracts.Staking!.address, provider);
      const proofs = ProofRegistry__factory.connect(deployment.contracts.ProofRegistry!.address, provider);
      const { challengeId, operator, nodeId } = devnet.pendingChallenge;
      const challenge = await proofs.getChallenge(challengeId);
      expect(challenge.status).to.equal(1n); // Pending
      expect(challenge.nodeId.toString()).to.equal(nodeId);
      const now = BigInt((await provider.getBlock("latest"))!.timestamp);
      expect(challenge.decideBy > now).to.equal(true);
      expect(challenge.decideBy - challenge.openedAt).to.equal(await proofs.decisionPeriod());
      // The lock is the slash fixed at opening (slashPpm of the slashable stake), and all that is locked.
      const slashable = await staking.slashableStakeOf(operator);
      expect(challenge.lockedStake).to.equal(ppmOf(slashable, await proofs.slashPpm()));
      expect(await staking.lockedStakeOf(operator)).to.equal(challenge.lockedStake);
      const [event] = await proofs.queryFilter(proofs.filters.RecordChallenged(challengeId));
      expect(event.args.lockedStake).to.equal(challenge.lockedStake);
      expect(event.args.decideBy).to.equal(challenge.decideBy);
    });

    it("has payments for the printed payer, and the escrow holds its deposits less what it paid and withdrew", async () => {
      const escrow = PaymentsEscrow__factory.connect(deployment.contracts.PaymentsEscrow!.address, provider);
      const token = OPG__factory.connect(deployment.contracts.OPG!.address, provider);
      const payer = devnet.payers[0];
      const answer = JSON.parse((await get(`${devnet.indexerUrl}/payments/${payer}?role=payer&limit=500`)).body) as {
        payments: { gross: Amount; kind: string; payer: string }[];
        nextCursor: string | null;
      };
      expect(answer.nextCursor).to.equal(null);
      expect(answer.payments.map((p) => p.kind)).to.include.members(["voucher", "request"]);
      const paid = answer.payments.reduce((sum, p) => sum + BigInt(p.gross.wei), 0n);
      const sum = (events: { args: { amount: bigint } }[]) => events.reduce((total, e) => total + e.args.amount, 0n);
      const deposited = sum(await escrow.queryFilter(escrow.filters.Deposited(payer)));
      const withdrawn = sum(await escrow.queryFilter(escrow.filters.Withdrawn(payer)));
      expect(deposited > 0n).to.equal(true);
      expect(withdrawn).to.equal(500n * 10n ** 18n); // the thaw of its escrow with node B's operator
      // Its free balance and its escrow with each operator it funded.
      const funded = await escrow.queryFilter(escrow.filters.EscrowFunded(payer));
      const operators = [...new Set(funded.map((e) => e.args.operator))];
      expect(operators).to.have.length(2);
      let held = await escrow.balanceOf(payer);
      for (const op of operators) held += (await escrow.getEscrow(payer, op)).balance;
      expect(held).to.equal(deposited - paid - withdrawn);
      expect(await token.balanceOf(deployment.contracts.PaymentsEscrow!.address)).to.be.greaterThan(0n);
    });

    describePage(() => devnet);

    // A suite of its own, so that it runs after the page's suite (mocha runs a suite's tests before its suites).
    describe("Ctrl-C", () =>
      it("stops every process it started, its process groups included, and frees the ports", async () => {
        expect(devnet.groups.length).to.equal(3); // npm's, the hardhat node's, the indexer's
        await devnet.interrupt("SIGINT");
        expect(await groupsLeft(devnet.groups)).to.deep.equal([]);
        expect(devnet.output()).to.contain("stopped: no process left behind");
        expect(await portProblem(devnet.port, "127.0.0.1")).to.equal(undefined);
        expect(await portProblem(devnet.indexerPort, "127.0.0.1")).to.equal(undefined);
      }));
  });
});
