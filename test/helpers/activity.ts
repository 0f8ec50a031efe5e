/**
 * The real system on a `hardhat node` for the indexer's robustness tests (reorganisation, restart): the deployment,
 * a staked operator with a node and a model, a funded payer, and one helper per action that the tests repeat
 * (a transfer, a vesting release, a deposit, a voucher payment), plus the chain-side views the indexer is held to.
 */
import { expect } from "chai";
import { JsonRpcProvider, JsonRpcSigner, Wallet, id, parseEther } from "ethers";

import { DEVNET_TEE_MEASUREMENT } from "../../deploy/config";
import { Deployment } from "../../deploy/lib/deployments";
import {
  ModelRegistry__factory,
  NodeRegistry__factory,
  OPG__factory,
  PaymentsEscrow__factory,
  Staking__factory,
  VestingVault__factory,
} from "../../typechain-types";
import { sharedDeployment } from "./node";
import { DAY, Mode, voucherSignature } from "./protocol";
import { commitAndRegisterModel } from "./models";

/** The price per inference of the node's TEE mode. */
export const PRICE = parseEther("0.03");

type Mined = Promise<{ wait(): Promise<unknown> }>;

/** A signer the system's actors can be: one of the node's accounts, or a wallet of a test's own. */
export type Actor = JsonRpcSigner | Wallet;

export interface SystemOptions {
  /**
   * Leave the chain as it is rather than return it to the fresh deployment: for a group of tests that drive one
   * chain together (test/indexer/indexer.e2e.test.ts), where going back would undo the others' activity.
   */
  keepChain?: boolean;
  /** The operator, payer, builder and facilitator to act as, instead of the node's accounts 10, 12, 13 and 15. */
  actors?: Record<"operator" | "payer" | "builder" | "facilitator", Actor>;
}

/**
 * The run's shared hardhat node with the real deployment (devnet genesis), returned to the moment the deployment
 * finished (test/helpers/node.ts, sharedDeployment) unless `keepChain`, with typed contracts and the devnet's named
 * accounts.
 */
export async function deployedSystem(options: SystemOptions = {}) {
  const chain = await sharedDeployment();
  if (!options.keepChain) await chain.fresh();
  const node = { url: chain.url };
  const provider = new JsonRpcProvider(node.url, undefined, { staticNetwork: true, cacheTimeout: -1 });
  const { deployment, deploymentsDir } = chain;
  const at = (name: keyof Deployment["contracts"]) => deployment.contracts[name]!.address;
  const signer = (i: number): Promise<JsonRpcSigner> => provider.getSigner(i);
  // The devnet genesis gives each category its own account (1-9); 10 and up hold only ETH.
  const [ecosystem, liquidity, airdrop, ...own] = await Promise.all([1, 8, 9, 10, 12, 13, 15].map(signer));
  const [operator, payer, builder, facilitator]: Actor[] = options.actors
    ? [options.actors.operator, options.actors.payer, options.actors.builder, options.actors.facilitator]
    : own;
  const token = OPG__factory.connect(at("OPG"), provider);
  const vault = VestingVault__factory.connect(at("VestingVault"), provider);
  const staking = Staking__factory.connect(at("Staking"), provider);
  const models = ModelRegistry__factory.connect(at("ModelRegistry"), provider);
  const nodes = NodeRegistry__factory.connect(at("NodeRegistry"), provider);
  const escrow = PaymentsEscrow__factory.connect(at("PaymentsEscrow"), provider);
  const mine = async (tx: Mined) => (await tx).wait();
  const now = async () => BigInt((await provider.getBlock("latest"))!.timestamp);
  const ecosystemSchedule = (await vault.queryFilter(vault.filters.ScheduleCreated(undefined, ecosystem.address)))[0]
    .args.scheduleId;

  const modelId = id("robustness-model");
  let nodeId = 0n;

  return {
    node,
    provider,
    deployment,
    deploymentsDir,
    accounts: { ecosystem, liquidity, airdrop, operator, payer, builder, facilitator },
    contracts: { token, vault, staking, models, nodes, escrow },
    ecosystemSchedule,
    mine,
    now,
    async blockNumber() {
      return provider.getBlockNumber();
    },

    /** An operator with 60,000 OPG staked and a TEE node serving one model; a payer with 10,000 OPG. */
    async setUpPayments() {
      await mine(token.connect(liquidity).transfer(operator.address, parseEther("100000")));
      await mine(token.connect(airdrop).transfer(payer.address, parseEther("10000")));
      await mine(commitAndRegisterModel(models, builder, modelId, "ipfs://model", 50_000));
      await mine(token.connect(operator).approve(at("Staking"), parseEther("60000")));
      await mine(staking.connect(operator).stake(parseEther("60000")));
      await mine(
        nodes.connect(operator).registerNode(
          {
            metadataURI: "https://node.example",
            modes: (1 << Mode.None) | (1 << Mode.Tee),
            teeMeasurement: DEVNET_TEE_MEASUREMENT,
            capacity: 16,
            prices: [parseEther("0.01"), PRICE, 0n],
          },
          [modelId],
        ),
      );
      nodeId = (await nodes.nextNodeId()) - 1n;
      await mine(token.connect(payer).approve(at("PaymentsEscrow"), parseEther("10000")));
    },

    /** The liquidity account sends `amount` to `to` (a fresh address by default); returns the transaction hash. */
    async transfer(amount: bigint, to: string = Wallet.createRandom().address) {
      const tx = await token.connect(liquidity).transfer(to, amount);
      await tx.wait();
      return { hash: tx.hash, to };
    },

    /** Time passes by `seconds`, then the ecosystem fund releases what has vested. */
    async release(seconds: number) {
      await provider.send("evm_increaseTime", [seconds]);
      const tx = await vault.connect(ecosystem).release(ecosystemSchedule);
      await tx.wait();
      return tx.hash;
    },

    /** The payer deposits `amount` straight into its escrow with the operator (Deposited, then EscrowFunded). */
    async deposit(amount: bigint) {
      const tx = await escrow.connect(payer).depositToEscrow(payer.address, operator.address, amount);
      await tx.wait();
      return tx.hash;
    },

    /** The facilitator redeems the payer's cumulative voucher for `inferences` TEE inferences in all. */
    async pay(inferences: bigint) {
      const issuedAt = await now();
      const voucher = {
        payer: payer.address,
        nodeId,
        modelId,
        mode: Mode.Tee,
        cumulativeAmount: inferences * PRICE,
        issuedAt,
        expiry: issuedAt + DAY,
      };
      const signature = await voucherSignature(escrow, payer, voucher);
      const tx = await escrow.connect(facilitator).redeem(voucher, signature);
      await tx.wait();
      return tx.hash;
    },

    /** Lets go of the node; the node itself is shared and stops when the test process exits. */
    async stop() {
      provider.destroy();
    },
  };
}

export type System = Awaited<ReturnType<typeof deployedSystem>>;

/** One GraphQL query against the indexer; fails the test on a GraphQL error. */
export async function graphql<T>(url: string, query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res = await fetch(`${url}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data: T; errors?: unknown };
  expect(body.errors, JSON.stringify(body.errors)).to.equal(undefined);
  return body.data;
}

/** A JSON route of the indexer, which must answer 200. */
export async function getJson<T>(url: string, route: string): Promise<T> {
  const res = await fetch(`${url}${route}`);
  const text = await res.text();
  expect(res.status, `${route}: ${text}`).to.equal(200);
  return JSON.parse(text) as T;
}

interface Page<T> {
  items: T[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/** Every row of a GraphQL list field (`accounts`, `transfers`...), following its cursor. */
export async function allRows<T>(url: string, field: string, selection: string, where = "{}"): Promise<T[]> {
  const rows: T[] = [];
  let after: string | null = null;
  do {
    const data: Record<string, Page<T>> = await graphql<Record<string, Page<T>>>(
      url,
      `query ($after: String) { ${field}(where: ${where}, limit: 1000, after: $after) {
        items { ${selection} } pageInfo { hasNextPage endCursor } } }`,
      { after },
    );
    rows.push(...data[field].items);
    after = data[field].pageInfo.hasNextPage ? data[field].pageInfo.endCursor : null;
  } while (after);
  return rows;
}

/**
 * The indexer's books against the chain's, to the wei: every account's balance (and their sum is the supply), the
 * transfers, releases, deposits and payments (the same transactions, the same amounts, nothing more), the payer's
 * escrow account, and the ecosystem fund's /unlocks (vested and released, as the vault says) and the payer's
 * /payments (newest first). Returns what it compared, for the callers' own checks.
 */
export async function expectIndexerMatchesChain(sys: System, url: string) {
  const { token, vault, escrow } = sys.contracts;
  const { payer, ecosystem } = sys.accounts;

  const accounts = await allRows<{ address: string; balance: string }>(url, "accounts", "address balance");
  let sum = 0n;
  for (const a of accounts) {
    expect(BigInt(a.balance), `balance of ${a.address}`).to.equal(await token.balanceOf(a.address));
    sum += BigInt(a.balance);
  }
  expect(sum, "the indexed balances add up to the supply").to.equal(await token.totalSupply());

  const key = (hash: string, amount: bigint | string) => `${hash.toLowerCase()}:${amount}`;
  const chainTransfers = (await token.queryFilter(token.filters.Transfer())).map((e) =>
    key(e.transactionHash, e.args.value),
  );
  const indexedTransfers = (
    await allRows<{ transactionHash: string; amount: string }>(url, "transfers", "transactionHash amount")
  ).map((t) => key(t.transactionHash, t.amount));
  expect(indexedTransfers.sort()).to.deep.equal(chainTransfers.sort());

  const chainReleases = (await vault.queryFilter(vault.filters.TokensReleased())).map((e) =>
    key(e.transactionHash, e.args.amount),
  );
  const indexedReleases = (
    await allRows<{ transactionHash: string; amount: string }>(url, "vestingReleases", "transactionHash amount")
  ).map((r) => key(r.transactionHash, r.amount));
  expect(indexedReleases.sort()).to.deep.equal(chainReleases.sort());

  const chainDeposits = (await escrow.queryFilter(escrow.filters.Deposited())).map((e) =>
    key(e.transactionHash, e.args.amount),
  );
  const indexedDeposits = (
    await allRows<{ transactionHash: string; amount: string }>(url, "deposits", "transactionHash amount")
  ).map((d) => key(d.transactionHash, d.amount));
  expect(indexedDeposits.sort()).to.deep.equal(chainDeposits.sort());

  const chainPayments = await escrow.queryFilter(escrow.filters.PaymentCollected());
  const indexedPayments = await allRows<{ transactionHash: string; gross: string }>(
    url,
    "payments",
    "transactionHash gross",
  );
  expect(indexedPayments.map((p) => key(p.transactionHash, p.gross)).sort()).to.deep.equal(
    chainPayments.map((e) => key(e.transactionHash, e.args.gross)).sort(),
  );

  // The payer's account: free balance and its escrow with the operator as the contract has them, deposits, fundings
  // and payments as the events add up.
  const { escrowAccount, operatorEscrow } = await graphql<{
    escrowAccount: { balance: string; deposited: string; funded: string; paid: string };
    operatorEscrow: { balance: string; thawing: string; funded: string; paid: string };
  }>(
    url,
    `
      query ($payer: String!, $operator: String!) {
        escrowAccount(payer: $payer) {
          balance
          deposited
          funded
          paid
        }
        operatorEscrow(payer: $payer, operator: $operator) {
          balance
          thawing
          funded
          paid
        }
      }
    `,
    { payer: payer.address.toLowerCase(), operator: sys.accounts.operator.address.toLowerCase() },
  );
  const deposited = (await escrow.queryFilter(escrow.filters.Deposited(payer.address))).reduce(
    (s, e) => s + e.args.amount,
    0n,
  );
  const paid = chainPayments.filter((e) => e.args.payer === payer.address).reduce((s, e) => s + e.args.gross, 0n);
  const funded = (await escrow.queryFilter(escrow.filters.EscrowFunded(payer.address))).reduce(
    (s, e) => s + e.args.amount,
    0n,
  );
  expect(BigInt(escrowAccount.balance)).to.equal(await escrow.balanceOf(payer.address));
  expect(BigInt(escrowAccount.deposited)).to.equal(deposited);
  expect(BigInt(escrowAccount.funded)).to.equal(funded);
  expect(BigInt(escrowAccount.paid)).to.equal(paid);
  const onChain = await escrow.getEscrow(payer.address, sys.accounts.operator.address);
  expect(BigInt(operatorEscrow.balance)).to.equal(onChain.balance);
  expect(BigInt(operatorEscrow.thawing)).to.equal(onChain.thawing);
  expect(BigInt(operatorEscrow.funded)).to.equal(funded);
  expect(BigInt(operatorEscrow.paid)).to.equal(paid);

  // The routes: the ecosystem fund's unlocks at the chain's time (its clock ran ahead of the wall clock), and the
  // payer's payments, newest first.
  const t = await sys.now();
  const unlocks = await getJson<{
    schedules: { id: string; vested: { wei: string }; released: { wei: string } }[];
  }>(url, `/unlocks/${ecosystem.address}?at=${t}`);
  expect(unlocks.schedules.length).to.be.greaterThan(0);
  for (const s of unlocks.schedules) {
    expect(s.vested.wei, `vested of schedule ${s.id}`).to.equal((await vault.vestedAt(BigInt(s.id), t)).toString());
    expect(s.released.wei, `released of schedule ${s.id}`).to.equal((await vault.releasedOf(BigInt(s.id))).toString());
  }
  const payments = await getJson<{ payments: { transactionHash: string; gross: { wei: string } }[] }>(
    url,
    `/payments/${payer.address}?role=payer&limit=500`,
  );
  const payerPayments = chainPayments.filter((e) => e.args.payer === payer.address).reverse();
  expect(payments.payments.map((p) => key(p.transactionHash, p.gross.wei))).to.deep.equal(
    payerPayments.map((e) => key(e.transactionHash, e.args.gross)),
  );
  return { accounts, transfers: indexedTransfers, payments: payments.payments, unlocks };
}
