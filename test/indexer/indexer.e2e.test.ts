import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { JsonRpcProvider, JsonRpcSigner, TypedDataDomain, id, parseEther } from "ethers";

import { DEVNET_TEE_MEASUREMENT } from "../../deploy/config";
import { Deployment } from "../../deploy/lib/deployments";
import { LocalNode, hardhat, startNode } from "../helpers/node";
import { startPonder } from "../helpers/ponder";
import {
  ModelRegistry__factory,
  NodeRegistry__factory,
  OPG__factory,
  PaymentsEscrow__factory,
  Staking__factory,
  VestingVault__factory,
} from "../../typechain-types";
import { VOUCHER_TYPES } from "../../deploy/lib/vouchers";

const NONE = 0;
const TEE = 1;

interface Amount {
  wei: string;
  opg: string;
}
interface UnlocksAnswer {
  address: string;
  at: string;
  schedules: { id: string; vested: Amount; released: Amount; releasable: Amount; total: Amount }[];
}
interface PaymentsAnswer {
  payments: {
    id: string;
    payer: string;
    operator: string;
    gross: string;
    nodeShare: string;
    royalty: string;
    protocolFee: string;
    transactionHash: string;
  }[];
  nextCursor: string | null;
}

/**
 * The indexer end to end: a hardhat node with the real deployment and some real activity (a transfer, a stake, a
 * deposit, two voucher redemptions, a vesting release after time passes), then Ponder on a fresh database, and every
 * answer checked against the chain's own views to the wei.
 */
describe("indexer against a hardhat node (end to end)", function () {
  this.timeout(300_000);
  let node: LocalNode;
  let provider: JsonRpcProvider;
  let deployment: Deployment;
  let deploymentsDir: string;
  let ponder: Awaited<ReturnType<typeof startPonder>> | undefined;

  before(async () => {
    node = await startNode();
    provider = new JsonRpcProvider(node.url, undefined, { staticNetwork: true, cacheTimeout: -1 });
    deploymentsDir = fs.mkdtempSync(path.join(os.tmpdir(), "opg-e2e-indexer-"));
    const run = hardhat(["run", "deploy/deploy.ts", "--network", "localhost"], {
      LOCALHOST_RPC_URL: node.url,
      DEPLOYMENTS_DIR: deploymentsDir,
    });
    expect(run.status, run.output).to.equal(0);
    deployment = JSON.parse(fs.readFileSync(path.join(deploymentsDir, "31337.json"), "utf8"));
  });
  after(async () => {
    await ponder?.stop();
    provider?.destroy();
    await node?.stop();
    if (deploymentsDir) fs.rmSync(deploymentsDir, { recursive: true, force: true });
  });

  it("answers unlocks, payments, supply and GraphQL as the chain does, and 400 for bad input", async () => {
    const at = (name: keyof Deployment["contracts"]) => deployment.contracts[name]!.address;
    const signer = (i: number): Promise<JsonRpcSigner> => provider.getSigner(i);
    const [ecosystem, liquidity, airdrop, operator, payer, builder, facilitator] = await Promise.all(
      [1, 8, 9, 10, 12, 13, 15].map(signer),
    );
    const token = OPG__factory.connect(at("OPG"), provider);
    const vault = VestingVault__factory.connect(at("VestingVault"), provider);
    const staking = Staking__factory.connect(at("Staking"), provider);
    const models = ModelRegistry__factory.connect(at("ModelRegistry"), provider);
    const nodes = NodeRegistry__factory.connect(at("NodeRegistry"), provider);
    const escrow = PaymentsEscrow__factory.connect(at("PaymentsEscrow"), provider);
    const mine = async (tx: Promise<{ wait(): Promise<unknown> }>) => (await tx).wait();
    const now = async () => BigInt((await provider.getBlock("latest"))!.timestamp);

    // A transfer, a stake, a model and a node.
    await mine(token.connect(liquidity).transfer(operator.address, parseEther("100000")));
    await mine(token.connect(airdrop).transfer(payer.address, parseEther("10000")));
    const modelId = id("indexer-model");
    await mine(models.connect(builder).registerModel(modelId, "ipfs://model", 50_000));
    await mine(token.connect(operator).approve(at("Staking"), parseEther("60000")));
    await mine(staking.connect(operator).stake(parseEther("60000")));
    await mine(
      nodes.connect(operator).registerNode(
        {
          metadataURI: "https://node.example",
          modes: (1 << NONE) | (1 << TEE),
          teeMeasurement: DEVNET_TEE_MEASUREMENT,
          capacity: 16,
          prices: [parseEther("0.01"), parseEther("0.03"), 0n],
        },
        [modelId],
      ),
    );
    const nodeId = (await nodes.nextNodeId()) - 1n;
    await mine(staking.connect(operator).unstake(parseEther("5000")));

    // A deposit, and one voucher redeemed twice (cumulative amounts): two payments.
    await mine(token.connect(payer).approve(at("PaymentsEscrow"), parseEther("100")));
    await mine(escrow.connect(payer).deposit(payer.address, parseEther("100")));
    const [, name, version, chainId, verifyingContract] = await escrow.eip712Domain();
    const domain: TypedDataDomain = { name, version, chainId, verifyingContract };
    for (const inferences of [100n, 250n]) {
      const issuedAt = await now();
      const voucher = {
        payer: payer.address,
        nodeId,
        modelId,
        mode: TEE,
        cumulativeAmount: inferences * parseEther("0.03"),
        issuedAt,
        expiry: issuedAt + 86_400n,
      };
      const signature = await payer.signTypedData(domain, VOUCHER_TYPES, voucher);
      await mine(escrow.connect(facilitator).redeem(voucher, signature));
    }

    // Time passes; the ecosystem fund releases what vested.
    const created = await vault.queryFilter(vault.filters.ScheduleCreated(undefined, ecosystem.address));
    expect(created.length).to.be.greaterThan(0);
    const scheduleId = created[0].args.scheduleId;
    await provider.send("evm_increaseTime", [90 * 86_400]);
    await provider.send("evm_mine", []);
    await mine(vault.connect(ecosystem).release(scheduleId));
    expect(await vault.releasedOf(scheduleId)).to.be.greaterThan(0n);

    // Ponder on a fresh database, until /status shows the last block.
    const last = await provider.getBlockNumber();
    ponder = await startPonder(node.url, deploymentsDir);
    const deadline = Date.now() + 180_000;
    for (;;) {
      if (ponder.exited()) throw new Error(`ponder exited:\n${ponder.output()}`);
      try {
        const res = await fetch(`${ponder.url}/status`);
        if (res.ok) {
          const status = (await res.json()) as Record<string, { block: { number: number } }>;
          if ((status.opg?.block.number ?? -1) >= last) break;
        }
      } catch {
        // not listening yet
      }
      if (Date.now() > deadline) throw new Error(`ponder did not reach block ${last} in 180 s:\n${ponder.output()}`);
      await new Promise((r) => setTimeout(r, 250));
    }
    const get = async (route: string) => {
      const res = await fetch(`${ponder!.url}${route}`);
      return { status: res.status, text: await res.text() };
    };
    const getJson = async <T>(route: string): Promise<T> => {
      const { status, text } = await get(route);
      expect(status, `${route}: ${text}`).to.equal(200);
      return JSON.parse(text) as T;
    };

    // Unlocks: now, in the past and in the future, as the vault's own vestedAt and releasedOf say.
    const t = await now();
    const schedules = await vault.queryFilter(vault.filters.ScheduleCreated(undefined, ecosystem.address));
    for (const time of [t, t + 400n * 86_400n, 10n ** 10n]) {
      const answer = await getJson<UnlocksAnswer>(`/unlocks/${ecosystem.address}?at=${time}`);
      expect(answer.schedules.map((s) => s.id)).to.deep.equal(schedules.map((e) => e.args.scheduleId.toString()));
      for (const s of answer.schedules) {
        const vested = await vault.vestedAt(BigInt(s.id), time);
        const released = await vault.releasedOf(BigInt(s.id));
        expect(s.vested.wei, `vested of ${s.id} at ${time}`).to.equal(vested.toString());
        expect(s.released.wei).to.equal(released.toString());
        expect(s.releasable.wei).to.equal((vested - released).toString());
      }
    }
    const iso = new Date(Number(t) * 1000).toISOString();
    const byIso = await getJson<UnlocksAnswer>(`/unlocks/${ecosystem.address.toLowerCase()}?at=${iso}`);
    expect(byIso.at).to.equal(t.toString());
    expect(byIso.schedules[0].releasable.wei).to.equal((await vault.releasableOf(scheduleId)).toString());
    // Before the release, nothing had been released.
    const before = await getJson<UnlocksAnswer>(`/unlocks/${ecosystem.address}?at=${t - 90n * 86_400n}`);
    expect(before.schedules[0].released.wei).to.equal("0");

    // Payments: newest first, one per page, every share as the events say.
    const events = (await escrow.queryFilter(escrow.filters.PaymentCollected())).reverse();
    expect(events.length).to.equal(2);
    const seen: PaymentsAnswer["payments"] = [];
    let cursor: string | null = null;
    do {
      const page: PaymentsAnswer = await getJson<PaymentsAnswer>(
        `/payments/${payer.address}?limit=1${cursor ? `&cursor=${cursor}` : ""}`,
      );
      seen.push(...page.payments);
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.map((p) => p.transactionHash)).to.deep.equal(events.map((e) => e.transactionHash));
    for (const [i, e] of events.entries()) {
      expect(seen[i].gross).to.equal(e.args.gross.toString());
      expect(seen[i].nodeShare).to.equal(e.args.nodeShare.toString());
      expect(seen[i].royalty).to.equal(e.args.royalty.toString());
      expect(seen[i].protocolFee).to.equal(e.args.protocolFee.toString());
      expect(seen[i].operator).to.equal(operator.address.toLowerCase());
    }
    const asOperator = await getJson<PaymentsAnswer>(`/payments/${operator.address}?role=operator`);
    expect(asOperator.payments.length).to.equal(2);
    expect((await getJson<PaymentsAnswer>(`/payments/${operator.address}?role=payer`)).payments).to.deep.equal([]);

    // Supply.
    const total = await get("/supply/total");
    expect(total.status).to.equal(200);
    expect(parseEther(total.text)).to.equal(await token.totalSupply());
    const vaults = await vault.queryFilter(vault.filters.VotingVaultDeployed());
    let held = 0n;
    for (const holder of [at("VestingVault"), at("Staking"), at("PaymentsEscrow"), ...vaults.map((v) => v.args.vault)])
      held += await token.balanceOf(holder);
    const circulating = await get("/supply/circulating");
    expect(parseEther(circulating.text)).to.equal((await token.totalSupply()) - held);

    // One real GraphQL query: balances, the escrow account and the operator's stake, as the chain has them.
    const res = await fetch(`${ponder.url}/graphql`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        query: `query ($op: String!, $payer: String!) {
          account(address: $op) { balance }
          escrowAccount(payer: $payer) { balance deposited paid }
          operator(address: $op) { ownActive }
          transfers(where: { to: $op }) { items { amount } }
          thawRequests(where: { staker: $op }) { items { amount } }
        }`,
        variables: { op: operator.address.toLowerCase(), payer: payer.address.toLowerCase() },
      }),
    });
    const body = (await res.json()) as {
      errors?: unknown;
      data: {
        account: { balance: string };
        escrowAccount: { balance: string; deposited: string; paid: string };
        operator: { ownActive: string };
        transfers: { items: { amount: string }[] };
        thawRequests: { items: { amount: string }[] };
      };
    };
    expect(body.errors, JSON.stringify(body.errors)).to.equal(undefined);
    expect(BigInt(body.data.account.balance)).to.equal(await token.balanceOf(operator.address));
    expect(BigInt(body.data.escrowAccount.balance)).to.equal((await escrow.getAccount(payer.address)).balance);
    expect(BigInt(body.data.operator.ownActive)).to.equal((await staking.getOperator(operator.address)).ownActive);
    expect(body.data.transfers.items.map((x) => x.amount)).to.deep.equal([parseEther("100000").toString()]);
    expect(body.data.thawRequests.items.map((x) => x.amount)).to.deep.equal([parseEther("5000").toString()]);
    expect((await staking.getOperator(operator.address)).ownActive).to.equal(parseEther("55000"));

    // Unknown addresses: empty answers. Bad input: 400 with a reason.
    const nobody = "0x000000000000000000000000000000000000dEaD";
    expect((await getJson<UnlocksAnswer>(`/unlocks/${nobody}`)).schedules).to.deep.equal([]);
    expect((await getJson<PaymentsAnswer>(`/payments/${nobody}`)).payments).to.deep.equal([]);
    for (const route of [
      "/unlocks/0x1234",
      "/unlocks/not-an-address",
      `/unlocks/${nobody}?at=yesterday`,
      `/unlocks/${nobody}?at=2027-13-45`,
      `/unlocks/${nobody}?at=99999999999999999999`,
      "/payments/0xzz",
      `/payments/${nobody}?cursor=!!!`,
      `/payments/${nobody}?cursor=${Buffer.from("x:y").toString("base64url")}`,
      `/payments/${nobody}?role=thief`,
      `/payments/${nobody}?limit=0`,
    ]) {
      const { status, text } = await get(route);
      expect(status, `${route}: ${text}`).to.equal(400);
      expect(JSON.parse(text).error, route).to.be.a("string");
    }
  });
});
