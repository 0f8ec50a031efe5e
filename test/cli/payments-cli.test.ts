import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { HDNodeWallet, Interface, JsonRpcProvider, TypedDataDomain, ZeroAddress, id, verifyTypedData } from "ethers";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";

import { DEVNET_TEE_MEASUREMENT } from "../../deploy/config";
import { Deployment } from "../../deploy/lib/deployments";
import { formatOpg, formatTime, opg, parseOpg, ppmOf } from "../../scripts/lib/opg";
import { HARDHAT_MNEMONIC } from "../../scripts/cli/connect";
import { durationSeconds, parseDeadline, parseMode } from "../../scripts/cli/args";
import { UsageError, describeRevertData } from "../../scripts/cli/errors";
import { RECORD_TYPES, parseRecord, parseSignedVoucher, readRecords } from "../../scripts/cli/files";
import { VOUCHER_TYPES } from "../../scripts/lib/voucher";
import {
  ModelRegistry__factory,
  NodeRegistry__factory,
  OPG__factory,
  PaymentsEscrow__factory,
  ProofRegistry__factory,
  Staking__factory,
} from "../../typechain-types";
import { DeployedChain, deployedChain } from "./chain";
import { accountAddress, cliOn, ok, shown } from "./helpers";

const DAY = 86_400;
const TEE = 1; // Nodes.Mode.Tee

describe("opg CLI: escrow, vouchers and proofs against a hardhat node (end to end)", function () {
  this.timeout(180_000);
  let chain: DeployedChain;
  let provider: JsonRpcProvider;
  let dir: string;
  let deployment: Deployment;
  let nodeId: bigint;

  const payer = accountAddress(15);
  const payer2 = accountAddress(16);
  const operator = accountAddress(10);
  const modelOwner = accountAddress(13);
  const modelId = id("opg-payments-cli-model");

  const opgCli = cliOn(() => chain);
  const file = (name: string, value?: unknown) => {
    const full = path.join(dir, name);
    if (value !== undefined) fs.writeFileSync(full, JSON.stringify(value, null, 2));
    return full;
  };
  const read = (name: string) => JSON.parse(fs.readFileSync(path.join(dir, name), "utf8"));
  const wallet = (n: number) =>
    HDNodeWallet.fromPhrase(HARDHAT_MNEMONIC, undefined, `m/44'/60'/0'/0/${n}`).connect(provider);
  const contracts = () => {
    const at = (name: keyof Deployment["contracts"]) => deployment.contracts[name]!.address;
    return {
      token: OPG__factory.connect(at("OPG"), provider),
      staking: Staking__factory.connect(at("Staking"), provider),
      models: ModelRegistry__factory.connect(at("ModelRegistry"), provider),
      nodes: NodeRegistry__factory.connect(at("NodeRegistry"), provider),
      escrow: PaymentsEscrow__factory.connect(at("PaymentsEscrow"), provider),
      proofs: ProofRegistry__factory.connect(at("ProofRegistry"), provider),
    };
  };
  const increaseTime = async (seconds: number) => {
    await provider.send("evm_increaseTime", [seconds]);
    await provider.send("evm_mine", []);
  };
  const signArgs = (amount: string, extra: string[] = []) => [
    "voucher",
    "sign",
    "--node",
    String(nodeId),
    "--model",
    modelId,
    "--mode",
    "tee",
    "--amount",
    amount,
    ...extra,
  ];

  before(async () => {
    chain = await deployedChain("opg-payments-cli-");
    ({ dir, deployment } = chain);
    provider = new JsonRpcProvider(chain.url, undefined, {
      staticNetwork: true,
      cacheTimeout: -1,
      pollingInterval: 100,
    });
    expect(deployment.contracts.PaymentsEscrow?.address).to.be.a("string");
    expect(deployment.contracts.ProofRegistry?.address).to.be.a("string");
  });
  after(async () => {
    provider?.destroy();
    await chain?.release();
  });

  it("deposits a free balance (by permit) and into escrows with an operator (by approve), and shows them", async () => {
    const { token, escrow } = contracts();
    await (await token.connect(wallet(8)).transfer(payer, opg(1_000))).wait();

    // The payer deposits to its free balance with a permit; the liquidity account funds a second payer's escrow
    // with the operator: approve, then depositToEscrow.
    const [deposited, forOther] = await Promise.all([
      opgCli(["escrow", "deposit", "100"], { account: 15 }),
      opgCli(["escrow", "deposit", "50", "--for", payer2, "--operator", operator], { account: 8 }),
    ]);
    expect(ok(deposited).stdout)
      .to.match(/Deposit 100 OPG into the payments escrow: free balance/)
      .and.match(/approval\s+an EIP-2612 permit/)
      .and.match(/deposited 100 OPG; free balance now 100 OPG/);
    expect(await escrow.balanceOf(payer)).to.equal(opg(100));
    expect(await token.balanceOf(payer)).to.equal(opg(900));
    expect(ok(forOther).stdout)
      .to.match(/approve: sent 0x[0-9a-f]{64}/)
      .and.match(new RegExp(`deposited 50 OPG for ${payer2} into the escrow with ${operator}: 50 OPG there`));
    expect(await escrow.availableOf(payer2, operator)).to.equal(opg(50));
    expect(await escrow.balanceOf(payer2)).to.equal(0n);

    // The payer moves 60 of its free balance into its escrow with the operator, then deposits 40 more there.
    const funded = ok(await opgCli(["escrow", "fund", "60", "--operator", operator], { account: 15 }));
    expect(funded.stdout).to.match(
      new RegExp(`funded 60 OPG: escrow with ${operator} now 60 OPG, free balance 40 OPG`),
    );
    ok(await opgCli(["escrow", "deposit", "40", "--operator", operator], { account: 15 }));
    expect((await escrow.getEscrow(payer, operator)).balance).to.equal(opg(100));
    expect(await escrow.balanceOf(payer)).to.equal(opg(40));
    expect(await token.balanceOf(payer)).to.equal(opg(860));
    // More than the free balance: refused in words, nothing sent.
    const short = await opgCli(["escrow", "fund", "41", "--operator", operator], { account: 15 });
    expect(short.status, shown(short)).to.equal(1);
    expect(short.stderr).to.contain("insufficient free balance: have 40 OPG, need 41 OPG");

    const [status, json] = await Promise.all([
      opgCli(["escrow"], { account: 15 }),
      opgCli(["escrow", payer, "--json"]),
    ]);
    expect(ok(status).stdout)
      .to.match(/free balance\s+40 OPG/)
      .and.match(/in escrows\s+100 OPG with 1 operator\(s\)/)
      .and.match(new RegExp(`${operator}\\s+100 OPG\\s+-\\s+100 OPG\\s+no thaw`))
      .and.not.match(/royalties owed/);
    expect(JSON.parse(ok(json).stdout)).to.deep.include({
      address: payer,
      freeBalance: opg(40).toString(),
      inEscrows: opg(100).toString(),
      escrows: [
        {
          operator,
          balance: opg(100).toString(),
          thawing: "0",
          available: opg(100).toString(),
          thawStartedAt: "0",
          thawEndsAt: "0",
          withdrawable: false,
        },
      ],
    });
  });

  it("signs cumulative vouchers as the payer and redeems the latest as the operator", async () => {
    const { token, escrow, nodes, staking } = contracts();
    // An operator with a TEE node serving a model whose owner takes a 5% royalty.
    await (await token.connect(wallet(8)).transfer(operator, opg(30_000))).wait();
    const [model, staked] = await Promise.all([
      opgCli(["model", "register", modelId, "--metadata", "ipfs://m", "--royalty", "5"], { account: 13 }),
      opgCli(["stake", "25000"], { account: 10 }),
    ]);
    ok(model);
    ok(staked);
    const registered = ok(
      await opgCli(
        [
          "node",
          "register",
          "--metadata",
          "https://node.example/1",
          "--modes",
          "tee",
          "--capacity",
          "4",
          "--tee-measurement",
          DEVNET_TEE_MEASUREMENT,
          "--price-tee",
          "0.01",
          "--models",
          modelId,
        ],
        { account: 10 },
      ),
    );
    nodeId = BigInt(/node (\d+) registered/.exec(registered.stdout)![1]);
    expect(await nodes.isEligible(nodeId, modelId, TEE)).to.equal(true);

    // Two vouchers, 5 then 8 OPG in all: one written to a file, one printed on stdout. Nothing is sent.
    const nonce = await provider.getTransactionCount(payer);
    const [first, second] = await Promise.all([
      opgCli(signArgs("5", ["--out", file("v5.json"), "--expires", "30d"]), { account: 15 }),
      opgCli(signArgs("8"), { account: 15 }),
    ]);
    expect(ok(first).stdout)
      .to.match(new RegExp(`voucher signed: 5 OPG in all to node ${nodeId} for model ${modelId} with tee`))
      .and.match(/expires .* \(in 30 days\)/)
      .and.match(/written to .*v5\.json/);
    expect(ok(second).stderr).to.match(/voucher signed: 8 OPG in all .* \(in 7 days\)/);
    const v8 = JSON.parse(second.stdout);
    fs.writeFileSync(file("v8.json"), second.stdout);
    expect(Object.keys(v8)).to.deep.equal(["voucher", "signature"]);
    expect(v8.voucher).to.deep.include({
      payer,
      nodeId: nodeId.toString(),
      modelId,
      mode: TEE,
      cumulativeAmount: opg(8).toString(),
    });
    const issuedAt = BigInt(v8.voucher.issuedAt);
    expect(BigInt(v8.voucher.expiry) - issuedAt).to.equal(7n * BigInt(DAY));
    expect(issuedAt <= BigInt((await provider.getBlock("latest"))!.timestamp)).to.equal(true);
    const [, name, version, chainId, verifyingContract] = await escrow.eip712Domain();
    const domain: TypedDataDomain = { name, version, chainId, verifyingContract };
    expect(verifyTypedData(domain, VOUCHER_TYPES, v8.voucher, v8.signature)).to.equal(payer);
    expect(read("v5.json").voucher.cumulativeAmount).to.equal(opg(5).toString());
    expect(await provider.getTransactionCount(payer)).to.equal(nonce);

    // The operator redeems the 8 OPG voucher: 1% protocol fee, 5% royalty, the rest to the node.
    const redeemed = ok(await opgCli(["voucher", "redeem", file("v8.json")], { account: 10 }));
    expect(redeemed.stdout)
      .to.match(
        /pays 8 OPG \(voucher for 8 OPG in all, 0 OPG collected before, 100 OPG in the payer's escrow with the operator for it\): node 7\.52 OPG, royalty 0\.4 OPG/,
      )
      .and.match(/Redeem 1 voucher\(s\): 8 OPG from the payers' escrow to the nodes/)
      .and.match(/redeem: sent 0x[0-9a-f]{64}, waiting for it to be mined/)
      .and.match(/redeemed 1 voucher\(s\): paid 8 OPG in all/)
      .and.match(
        new RegExp(
          `payer ${payer} to node ${nodeId} \\(operator ${operator}\\), tee: 8 OPG = node share 7\\.52 OPG \\+ ` +
            `royalty 0\\.4 OPG \\(to ${modelOwner}\\) \\+ protocol fee 0\\.08 OPG`,
        ),
      );
    // The node's share was credited in staking with the payment, to be released over the fee stream's period.
    const credited = await staking.queryFilter(staking.filters.FeesCredited(operator));
    expect(credited.map((e) => [e.args.amount, e.args.streaming])).to.deep.equal([
      [parseOpg("7.52"), parseOpg("7.52")],
    ]);
    expect(await staking.feesDistributed()).to.equal(parseOpg("7.52"));
    expect(await escrow.royaltiesOf(modelOwner)).to.equal(parseOpg("0.4"));
    expect(await escrow.protocolFeesPending()).to.equal(parseOpg("0.08"));
    expect(await escrow.availableOf(payer, operator)).to.equal(opg(92));
    expect(await escrow.balanceOf(payer)).to.equal(opg(40)); // the free balance pays no voucher

    // Again, or the older 5 OPG voucher: refused in words, nothing sent.
    const block = await provider.getBlockNumber();
    const [again, older] = await Promise.all([
      opgCli(["voucher", "redeem", file("v8.json")], { account: 10 }),
      opgCli(["voucher", "redeem", file("v5.json")], { account: 10 }),
    ]);
    expect(again.status, shown(again)).to.equal(1);
    expect(again.stderr).to.equal(
      "error: nothing owed: the voucher is for 8 OPG in all and 8 OPG of it is already collected\n",
    );
    expect(older.status, shown(older)).to.equal(1);
    expect(older.stderr).to.match(/nothing owed: the voucher is for 5 OPG in all and 8 OPG of it is already collected/);
    expect(await provider.getBlockNumber()).to.equal(block);

    // What the model owner is owed.
    const ownerView = await opgCli(["escrow", "balance"], { account: 13 });
    expect(ok(ownerView).stdout).to.match(/royalties owed\s+0\.4 OPG \(1 model\(s\) owned\)/);
  });

  it("redeems a batch from two payers, skipping a voucher whose signature is corrupted", async () => {
    const { escrow, staking } = contracts();
    const [mine, theirs] = await Promise.all([
      opgCli(signArgs("10"), { account: 15 }),
      opgCli(signArgs("3"), { account: 16 }),
    ]);
    const good = JSON.parse(ok(mine).stdout);
    const bad = JSON.parse(ok(theirs).stdout);
    const flipped = bad.signature[10] === "0" ? "1" : "0";
    bad.signature = bad.signature.slice(0, 10) + flipped + bad.signature.slice(11);
    const batch = file("batch.json", [good, bad]);

    const feesBefore = await staking.feesDistributed();
    const r = ok(await opgCli(["voucher", "redeem", batch], { account: 17 })); // anyone may submit
    expect(r.stdout)
      .to.match(/1\. .*batch\.json: voucher 1: payer .* to node \d+, model 0x[0-9a-f]{64}, tee\s+pays 2 OPG/)
      .and.match(/2\. .*batch\.json: voucher 2: .*\s+skipped: the voucher's signature is not the payer's/)
      .and.match(/Redeem 2 voucher\(s\): 2 OPG from the payers' escrow to the nodes \(1 skipped\)/)
      .and.match(/call\s+redeemBatch of 2/)
      .and.match(/redeemed 1 voucher\(s\): paid 2 OPG in all/)
      .and.match(
        new RegExp(
          `skipped voucher 2 \\(.*batch\\.json: voucher 2\\), payer ${payer2}, node ${nodeId}: ` +
            `the voucher's signature is not the payer's \\(${payer2}\\)`,
        ),
      );
    expect(await staking.feesDistributed()).to.equal(feesBefore + parseOpg("1.88"));
    expect(await escrow.availableOf(payer, operator)).to.equal(opg(90));
    expect(await escrow.availableOf(payer2, operator)).to.equal(opg(50));
    expect(await escrow.redeemedOf(payer, nodeId, modelId, TEE)).to.equal(opg(10));
  });

  it("thaws an escrow with an operator, refuses to withdraw before the thaw ends, and withdraws after", async () => {
    const { token, escrow } = contracts();
    const noOperator = await opgCli(["escrow", "thaw", "90"], { account: 15 });
    expect(noOperator.status, shown(noOperator)).to.equal(2);
    expect(noOperator.stderr).to.contain("--operator: required (or --node <id>): the operator whose escrow to thaw");

    const thawed = ok(await opgCli(["escrow", "thaw", "90", "--node", String(nodeId)], { account: 15 }));
    expect(thawed.stdout)
      .to.match(new RegExp(`Thaw 90 OPG of your escrow with ${operator}`))
      .and.match(new RegExp(`operator\\s+${operator} \\(operator of node ${nodeId}\\)`))
      .and.match(/thawing period\s+30 days/)
      .and.match(
        /thawing 90 OPG of the escrow with .*: withdrawable in 30 days \(\d{4}-\d\d-\d\d \d\d:\d\d UTC\); 0 OPG stays available/,
      );
    const endsAt = (await escrow.getEscrow(payer, operator)).thawEndsAt;

    await increaseTime(1_800);
    const [early, status] = await Promise.all([
      opgCli(["escrow", "withdraw", "--operator", operator], { account: 15 }),
      opgCli(["escrow", "--json"], { account: 15 }),
    ]);
    expect(early.status, shown(early)).to.equal(1);
    expect(early.stderr).to.match(/^error: the thaw ends at \d{4}-\d\d-\d\d \d\d:\d\d UTC \(in 29 days 23 h\)\n$/);
    expect(early.stderr).to.include(new Date(Number(endsAt) * 1000).toISOString().slice(0, 16).replace("T", " "));
    const account = await escrow.getEscrow(payer, operator);
    expect(JSON.parse(ok(status).stdout).escrows[0]).to.deep.include({
      balance: account.balance.toString(),
      thawing: opg(90).toString(),
      available: "0",
      thawStartedAt: account.thawStartedAt.toString(),
      thawEndsAt: endsAt.toString(),
      withdrawable: false,
    });

    // The free balance leaves at once.
    const free = ok(await opgCli(["escrow", "withdraw", "all"], { account: 15 }));
    expect(free.stdout).to.match(/withdrew 40 OPG of your free balance; balance now 900 OPG \(0 OPG left free/);
    expect(await escrow.balanceOf(payer)).to.equal(0n);

    await increaseTime(30 * DAY);
    const withdrawn = ok(await opgCli(["escrow", "withdraw", "--operator", operator], { account: 15 }));
    expect(withdrawn.stdout).to.match(
      new RegExp(
        `withdrew 90 OPG from the escrow with ${operator}; balance now 990 OPG \\(0 OPG left in that escrow\\)`,
      ),
    );
    expect(await token.balanceOf(payer)).to.equal(opg(990));
    expect((await escrow.getEscrow(payer, operator)).balance).to.equal(0n);
  });

  it("commits a batch of 20 proof records, verifies one, and says a tampered one is not included", async () => {
    const { proofs } = contracts();
    const records = Array.from({ length: 20 }, (_, i) => ({
      inferenceId: id(`cli-inference-${i}`),
      modelId,
      inputHash: id(`cli-input-${i}`),
      outputHash: id(`cli-output-${i}`),
      proofType: i % 2 === 0 ? "tee" : 1,
      proofHash: id(`cli-attestation-${i}`),
    }));
    const values = records.map((r) => [r.inferenceId, r.modelId, r.inputHash, r.outputHash, TEE, r.proofHash]);
    const tree = StandardMerkleTree.of(values, RECORD_TYPES);
    const recordsFile = file("records.json", records);
    const proofsFile = file("proofs.json");

    const committed = ok(
      await opgCli(
        ["proofs", "commit", recordsFile, "--node", String(nodeId), "--uri", "ipfs://batch", "--out", proofsFile],
        { account: 10 },
      ),
    );
    expect(committed.stdout)
      .to.match(new RegExp(`committed root ${tree.root}: 20 record\\(s\\) of node ${nodeId}`))
      .and.match(/challenge window\s+closes at .* \(in 7 days\)/);
    const commitment = await proofs.getCommitment(nodeId, tree.root);
    // The node's coverage: its stake checked in full by this commit, or by one within the hour before it.
    const coverage = await proofs.coverageOf(nodeId);
    expect(coverage.until > commitment.committedAt && coverage.until <= commitment.committedAt + 3_600n).to.equal(true);
    expect(committed.stdout).to.match(/stake checked until\s+\S+/);
    expect(commitment.recordCount).to.equal(20n);
    expect(commitment.committedAt > 0n).to.equal(true);
    const written = read("proofs.json");
    expect(written.root).to.equal(tree.root);
    expect(written.nodeId).to.equal(nodeId.toString());
    expect(written.records).to.have.length(20);
    expect(written.records[7].proof).to.deep.equal(tree.getProof(7));

    // Record 7 with proofs.json as its proof, and with a bare proof and --root; the same record with another
    // output; and meanwhile one record alone, committed as a single record.
    const record7 = file("record7.json", records[7]);
    const proof7 = file("proof7.json", tree.getProof(7));
    const tampered = file("tampered.json", { ...records[7], outputHash: id("another output") });
    const single = { ...records[0], inferenceId: id("cli-single") };
    const singleFile = file("single.json", [single]);
    const [verified, byRoot, r, one] = await Promise.all([
      opgCli(["proofs", "verify", record7, proofsFile]),
      opgCli(["proofs", "verify", record7, proof7, "--root", tree.root, "--node", String(nodeId), "--json"]),
      opgCli(["proofs", "verify", tampered, proofsFile]),
      opgCli(["proofs", "commit", singleFile, "--node", String(nodeId), "--single"], { account: 10 }),
    ]);
    expect(ok(verified).stdout)
      .to.match(new RegExp(`off chain\\s+included \\(a proof of ${tree.getProof(7).length} hash\\(es\\)\\)`))
      .and.match(new RegExp(`on chain\\s+included: node ${nodeId} committed the root at .*, a batch of 20`))
      .and.match(/final\s+not yet: the challenge window closes at .* \(in (7 days|6 days 23 h)\)/);
    expect(JSON.parse(ok(byRoot).stdout)).to.deep.include({
      includedOffChain: true,
      includedOnChain: true,
      committed: "batch",
      final: false,
    });
    expect(r.status, shown(r)).to.equal(1);
    expect(r.stdout)
      .to.match(/off chain\s+not included .*the file's record with this inference id differs/)
      .and.match(/on chain\s+not included/);
    expect(r.stderr).to.equal(`error: the record is not included in root ${tree.root}\n`);

    expect(ok(one).stdout).to.match(new RegExp(`committed record ${single.inferenceId} of node ${nodeId}`));
    expect(fs.existsSync(path.join(dir, "single.proofs.json"))).to.equal(true);
    const singleRecord = file("single-record.json", single);
    expect(ok(await opgCli(["proofs", "verify", singleRecord, path.join(dir, "single.proofs.json")])).stdout)
      .to.match(/off chain\s+included \(a proof of 0 hash\(es\)\)/)
      .and.match(new RegExp(`on chain\\s+included: node ${nodeId} committed inference .* as a single record`));
  });

  it("fulfils an open request in two blocks (commit, then fulfil) and a named one in one, and shows them", async () => {
    const { escrow } = contracts();
    // The node reports in (a month passed since it registered), and the payer funds its free balance.
    ok(await opgCli(["node", "heartbeat", String(nodeId)], { account: 10 }));
    ok(await opgCli(["escrow", "deposit", "5"], { account: 15 }));
    const freeBefore = await escrow.balanceOf(payer);
    const post = async (named: boolean, seq: number) => {
      const deadline = BigInt((await provider.getBlock("latest"))!.timestamp) + 3_600n;
      const receipt = await (
        await escrow
          .connect(wallet(15))
          .postRequest(modelId, id(`cli-request-${seq}`), TEE, opg(1), deadline, named ? nodeId : 0n)
      ).wait();
      return escrow.interface.parseLog(
        receipt!.logs.find((l) => l.address.toLowerCase() === String(escrow.target).toLowerCase())!,
      )!.args.requestId as bigint;
    };
    const open = await post(false, 1);
    const [output, proofHash] = [id("cli-output-1"), id("cli-proof-1")];
    const commitment = await escrow.fulfilmentCommitmentOf(open, nodeId, output, proofHash);

    const fulfilled = ok(
      await opgCli(
        ["request", "fulfil", String(open), "--node", String(nodeId), "--output", output, "--proof", proofHash],
        { account: 10 },
      ),
    );
    expect(fulfilled.stdout)
      .to.match(/steps\s+commit the answer, then fulfil in a later block \(two transactions\)/)
      .and.match(/paid\s+0\.01 OPG \(the node's price in force; the fee cap is 1 OPG\)/)
      .and.match(/commit answer: sent 0x[0-9a-f]{64}/)
      .and.match(new RegExp(`answer committed \\(${commitment}\\); waiting for a block after \\d+ to fulfil`))
      .and.match(
        new RegExp(`fulfilled request ${open} with node ${nodeId}: paid 0\\.01 OPG, 0\\.99 OPG of the cap back`),
      );
    // On chain: committed, then fulfilled in a later block; the payer paid the price and got the rest back.
    const [committed] = await escrow.queryFilter(escrow.filters.FulfilmentCommitted(open));
    const [done] = await escrow.queryFilter(escrow.filters.RequestFulfilled(open));
    expect(committed.args.commitment).to.equal(commitment);
    expect(done.blockNumber).to.be.greaterThan(committed.blockNumber);
    expect([done.args.price, done.args.refunded]).to.deep.equal([parseOpg("0.01"), parseOpg("0.99")]);
    expect((await escrow.getRequest(open)).status).to.equal(2n); // Fulfilled
    expect(await escrow.balanceOf(payer)).to.equal(freeBefore - parseOpg("0.01"));

    const shownRequest = ok(await opgCli(["request", "show", String(open)]));
    expect(shownRequest.stdout)
      .to.match(new RegExp(`request ${open} on .*: fulfilled`))
      .and.match(/node\s+any eligible node \(it commits its answer first/)
      .and.match(new RegExp(`${nodeId}\\s+${commitment}\\s+${committed.blockNumber}`))
      .and.match(new RegExp(`fulfilled by node ${nodeId} in block ${done.blockNumber}`))
      .and.match(/paid\s+0\.01 OPG \(0\.99 OPG of the cap back to the payer\)/);
    const json = JSON.parse(ok(await opgCli(["request", "show", String(open), "--json"])).stdout);
    expect(json.commitments).to.deep.equal([
      { nodeId: nodeId.toString(), commitment, block: committed.blockNumber, tx: committed.transactionHash },
    ]);
    expect(json.fulfilment).to.deep.include({ price: parseOpg("0.01").toString(), outputHash: output });

    // A request naming the node needs no commitment: one transaction.
    const named = await post(true, 2);
    const one = ok(
      await opgCli(
        ["request", "fulfil", String(named), "--node", String(nodeId), "--output", output, "--proof", proofHash],
        { account: 10 },
      ),
    );
    expect(one.stdout)
      .to.match(/steps\s+fulfil \(one transaction: the request names this node\)/)
      .and.not.match(/commit answer/);
    expect(await escrow.queryFilter(escrow.filters.FulfilmentCommitted(named))).to.deep.equal([]);
    expect((await escrow.getRequest(named)).status).to.equal(2n);
    // Again: the request is closed, said in words.
    const again = await opgCli(
      ["request", "fulfil", String(named), "--node", String(nodeId), "--output", output, "--proof", proofHash],
      { account: 10 },
    );
    expect(again.status, shown(again)).to.equal(1);
    expect(again.stderr).to.equal(`error: request ${named} is not open (it is fulfilled)\n`);
  });

  it("challenges a record: the lock shows in status, holds a withdrawal, and is released when the challenge expires", async () => {
    const { token, staking, proofs } = contracts();
    const challenger = accountAddress(17);
    await (await token.connect(wallet(8)).transfer(challenger, opg(1_000))).wait();
    const bond = await proofs.challengeBond();

    const opened = ok(
      await opgCli(["challenge", "open", file("record7.json"), file("proofs.json"), "--evidence", "0x1234"], {
        account: 17,
      }),
    );
    expect(opened.stdout)
      .to.match(/approve: sent 0x[0-9a-f]{64}/)
      .and.match(new RegExp(`Challenge a record of node ${nodeId} \\(operator ${operator}\\) with a bond of 100 OPG`))
      .and.match(/decided by\s+the arbiter, within 7 days/);
    const challengeId = /challenge (0x[0-9a-f]{64}) opened: waiting for the arbiter until/.exec(opened.stdout)![1];
    const challenge = await proofs.getChallenge(challengeId);
    expect(challenge.status).to.equal(1n); // Pending
    expect(challenge.nodeId).to.equal(nodeId);
    const slashable = await staking.slashableStakeOf(operator);
    expect(challenge.lockedStake).to.equal(ppmOf(slashable, 50_000n));
    expect(await staking.lockedStakeOf(operator)).to.equal(challenge.lockedStake);
    expect(await token.balanceOf(challenger)).to.equal(opg(1_000) - bond);

    // The operator's status: the lock, and the pending challenge with its deadline, to the wei in JSON.
    const [status, json, shownChallenge] = await Promise.all([
      opgCli(["status"], { account: 10 }),
      opgCli(["status", operator, "--json"]),
      opgCli(["challenge", "show", challengeId]),
    ]);
    expect(ok(status).stdout)
      .to.match(
        new RegExp(`locked stake\\s+${formatOpg(challenge.lockedStake).replace(/[.]/g, "\\.")} by 1 pending challenge`),
      )
      .and.match(/pending challenges against its nodes:/)
      .and.match(
        new RegExp(
          `${challengeId}\\s+${nodeId}\\s+${formatOpg(challenge.lockedStake).replace(/[.]/g, "\\.")}\\s+` +
            `${formatTime(challenge.decideBy)} \\(in (7 days|6 days 23 h)\\)`,
        ),
      );
    const view = JSON.parse(ok(json).stdout);
    expect(view.lockedStake).to.equal(challenge.lockedStake.toString());
    expect(view.pendingChallenges).to.deep.equal([
      {
        challengeId,
        nodeId: nodeId.toString(),
        challenger,
        lockedStake: challenge.lockedStake.toString(),
        decideBy: challenge.decideBy.toString(),
      },
    ]);
    expect(ok(shownChallenge).stdout)
      .to.match(new RegExp(`challenge ${challengeId} on .*: pending`))
      .and.match(/decide by\s+.* \(in (7 days|6 days 23 h)\)/);

    // Before its deadline the challenge cannot expire; nothing is sent.
    const early = await opgCli(["challenge", "expire", challengeId], { account: 17 });
    expect(early.status, shown(early)).to.equal(1);
    expect(early.stderr).to.contain(`challenge ${challengeId} can expire only after its deadline`);

    // The operator unbonds all its own stake; once thawed, what the lock leaves free leaves, the locked part stays,
    // and a second withdrawal is refused in words.
    ok(await opgCli(["unstake", "all"], { account: 10 }));
    await increaseTime(14 * DAY + 1);
    const ownStake = opg(25_000);
    const first = ok(await opgCli(["withdraw"], { account: 10 }));
    expect(first.stdout).to.contain(`withdrew ${formatOpg(ownStake - challenge.lockedStake)}`);
    const held = await opgCli(["withdraw"], { account: 10 });
    expect(held.status, shown(held)).to.equal(1);
    const locked = formatOpg(challenge.lockedStake);
    expect(held.stderr).to.equal(
      `error: stake locked by pending challenges: ${locked} locked, ${locked} held, none of it free ` +
        "(it can be withdrawn once the challenges are decided or expire)\n",
    );

    // Past the deadline anyone expires it: the lock is released, the bond is burned.
    const operatorTokens = await token.balanceOf(operator);
    const supply = await token.totalSupply();
    const expired = ok(await opgCli(["challenge", "expire", challengeId, "--json"], { account: 16 }));
    expect(JSON.parse(expired.stdout)).to.deep.include({
      action: "challenge expire",
      challengeId,
      outcome: "expired",
      slashed: "0",
      toChallenger: "0",
      bondRecipient: ZeroAddress,
      bond: bond.toString(),
      released: challenge.lockedStake.toString(),
    });
    expect(expired.stderr).to.contain(`challenge ${challengeId} expired: nothing slashed; bond of 100 OPG burned`);
    expect((await proofs.getChallenge(challengeId)).status).to.equal(4n); // Expired
    expect(await staking.lockedStakeOf(operator)).to.equal(0n);
    expect(await token.balanceOf(operator)).to.equal(operatorTokens);
    expect(supply - (await token.totalSupply())).to.equal(bond);
    expect(ok(await opgCli(["challenge", "show", challengeId])).stdout).to.match(
      /outcome\s+expired: nothing slashed; bond of 100 OPG burned/,
    );
    const withdrawn = ok(await opgCli(["withdraw"], { account: 10 }));
    expect(withdrawn.stdout).to.contain(`withdrew ${locked}`);
  });

  it("refuses bad arguments with exit code 2, names the problem, and sends nothing", async () => {
    const accounts = [10, 13, 15, 16];
    const nonces = async () => Promise.all(accounts.map((n) => provider.getTransactionCount(accountAddress(n))));
    const before = await nonces();
    const block = await provider.getBlockNumber();

    const good = {
      inferenceId: id("x"),
      modelId,
      inputHash: id("in"),
      outputHash: id("out"),
      proofType: "tee",
      proofHash: id("p"),
    };
    const badRecords = file("bad-records.json", [
      good,
      { ...good, inferenceId: id("y") },
      { ...good, inputHash: "0x12" },
    ]);
    const badMode = file("bad-mode.json", [good, { ...good, inferenceId: id("z"), proofType: "gpu" }]);
    const notArray = file("not-array.json", good);
    const dup = file("dup.json", [good, good]);
    const badVoucher = file("bad-voucher.json", { ...read("v8.json"), signature: "0xzz" });
    const sign = (extra: string[]) => ["voucher", "sign", ...extra, "--account", "15"];
    const base = { node: String(nodeId), model: modelId, mode: "tee", amount: "5" };
    const signWith = (o: Partial<typeof base> & { expires?: string }) =>
      sign(Object.entries({ ...base, ...o }).flatMap(([k, v]) => [`--${k}`, v as string]));

    const cases: [string[], RegExp][] = [
      [signWith({ node: "abc" }), /--node: expected a positive whole number, got "abc"/],
      [signWith({ model: "0x1234" }), /--model: expected 0x and 64 hex digits \(32 bytes\), got "0x1234"/],
      [signWith({ mode: "gpu" }), /--mode: unknown mode "gpu" \(expected one of none, tee, zk\)/],
      [signWith({ expires: "7x" }), /--expires: expected a duration such as 7d, 12h, 30m, 2w .*got "7x"/],
      [signWith({ expires: "2020-01-01" }), /--expires: 2020-01-01 00:00 UTC is not after the chain's time/],
      [
        ["proofs", "commit", badRecords, "--node", String(nodeId), "--account", "10"],
        /bad-records\.json: record 3: inputHash is not a 32-byte hex value \(got "0x12"\)/,
      ],
      [
        ["proofs", "commit", badMode, "--node", String(nodeId), "--account", "10"],
        /bad-mode\.json: record 2: proofType is not one of none, tee, zk or 0-2 \(got "gpu"\)/,
      ],
      [
        ["proofs", "commit", notArray, "--node", String(nodeId), "--account", "10"],
        /not-array\.json: expected an array of records/,
      ],
      [["proofs", "commit", dup, "--node", "0", "--account", "10"], /--node: expected at least 1, got "0"/],
      [
        ["proofs", "verify", file("record7.json"), file("proof7.json")],
        /--root: required, as .*proof7\.json names no root/,
      ],
      [["escrow", "deposit", "abc", "--account", "15"], /<amount>: expected an amount of OPG such as 1500\.5/],
      [["escrow", "balance", "0x123"], /\[address\]: expected an address \(0x and 40 hex digits\), got "0x123"/],
      [
        ["voucher", "redeem", file("missing.json"), "--account", "10"],
        /missing\.json: cannot read .* \(no such file\)/,
      ],
      [["voucher", "redeem", badVoucher, "--account", "10"], /bad-voucher\.json: signature is not 0x and hex bytes/],
      [
        ["escrow", "fund", "5", "--operator", "0x12", "--account", "15"],
        /--operator: expected an address .*got "0x12"/,
      ],
      [["escrow", "thaw", "5", "--node", "x", "--account", "15"], /--node: expected a positive whole number, got "x"/],
      [
        ["escrow", "deposit", "5", "--operator", operator, "--node", "1", "--account", "15"],
        /--node: give the operator either with --operator or with --node, not both/,
      ],
      [["escrow", "withdraw", "--account", "15"], /\[amount\|all\]: missing/],
      [
        ["escrow", "withdraw", "5", "--operator", operator, "--account", "15"],
        /unexpected argument "5": from an escrow with an operator, what has thawed is withdrawn/,
      ],
      [
        ["request", "fulfil", "1", "--node", "1", "--output", "0x12", "--proof", id("p"), "--account", "10"],
        /--output: expected 0x and 64 hex digits \(32 bytes\), got "0x12"/,
      ],
      [["request", "show", "one"], /<requestId>: expected a positive whole number, got "one"/],
      [["challenge", "expire", "0x12", "--account", "16"], /<challengeId>: expected 0x and 64 hex digits/],
      [
        ["challenge", "open", file("record7.json"), "--evidence", "zz", "--account", "16"],
        /--evidence: expected 0x and hex bytes, got "zz"/,
      ],
      [
        ["challenge", "open", file("record7.json"), "--evidence", "0x12", "--account", "16"],
        /--node: required for a single record \(no proof file\)/,
      ],
      [["delegate", operator, "5", "--max-cut", "101", "--account", "13"], /--max-cut: at most 100, got "101"/],
    ];
    const results = await Promise.all(cases.map(([args]) => opgCli(args)));
    results.forEach((r, i) => {
      expect(r.status, shown(r)).to.equal(2);
      expect(r.stderr, shown(r))
        .to.match(cases[i][1])
        .and.match(/usage: opg/);
      expect(r.stderr).to.not.match(/\n\s+at /); // no stack trace
    });

    // Without --yes and without a terminal, a deposit is refused before it is sent.
    const unconfirmed = await opgCli(["escrow", "deposit", "1"], { account: 15, yes: false });
    expect(unconfirmed.status, shown(unconfirmed)).to.equal(2);
    expect(unconfirmed.stdout).to.match(/Deposit 1 OPG into the payments escrow/);
    expect(unconfirmed.stderr).to.match(/not confirmed: there is no terminal to ask/);

    expect(await nonces()).to.deep.equal(before);
    expect(await provider.getBlockNumber()).to.equal(block);
  });
});

describe("opg CLI: escrow and proof revert words", () => {
  const escrow = new Interface(PaymentsEscrow__factory.abi);
  const proofs = new Interface(ProofRegistry__factory.abi);

  it("says the escrow's and the registry's errors in words with OPG amounts and dates", () => {
    expect(
      describeRevertData(escrow.encodeErrorResult("EscrowInsufficientBalance", [opg(3), parseOpg("7.5")])),
    ).to.equal("insufficient escrow balance: have 3 OPG available, need 7.5 OPG");
    const now = 1_780_000_000n;
    expect(
      describeRevertData(escrow.encodeErrorResult("EscrowThawNotEnded", [now + 30n * 86_400n - 3_600n]), { now }),
    ).to.match(/^the thaw ends at \d{4}-\d\d-\d\d \d\d:\d\d UTC \(in 29 days 23 h\)$/);
    expect(describeRevertData(escrow.encodeErrorResult("EscrowThawNotEnded", [0n]))).to.match(/^nothing is thawing/);
    expect(describeRevertData(escrow.encodeErrorResult("EscrowNothingOwed", [opg(8), opg(8)]))).to.equal(
      "nothing owed: the voucher is for 8 OPG in all and 8 OPG of it is already collected",
    );
    expect(describeRevertData(proofs.encodeErrorResult("ProofsBatchAlreadyCommitted", [3n, id("root")]))).to.equal(
      `node 3 already committed the root ${id("root")}`,
    );
  });

  it("says the errors of commitments, serving nodes and challenge deadlines in words", () => {
    const now = 1_780_000_000n;
    expect(describeRevertData(escrow.encodeErrorResult("EscrowNotCommitted", [7n, id("c")]))).to.equal(
      "request 7 is open to any node: the answer must be committed (commitFulfilment) in an earlier block first; " +
        `commitment ${id("c")} is not`,
    );
    expect(describeRevertData(escrow.encodeErrorResult("EscrowNodeNotServing", [4n]))).to.equal(
      "node 4 is not serving: deregistered, jailed, or its operator's stake does not cover it",
    );
    expect(
      describeRevertData(escrow.encodeErrorResult("EscrowDeadlineTooFar", [now + 2n * 86_400n, now + 86_400n]), {
        now,
      }),
    ).to.match(/^the deadline .* \(in 2 days\) is too far: at most \d{4}-\d\d-\d\d \d\d:\d\d UTC$/);
    expect(
      describeRevertData(proofs.encodeErrorResult("ProofsDecisionDeadlineNotPassed", [id("x"), now + 3_600n]), { now }),
    ).to.match(new RegExp(`^challenge ${id("x")} can expire only after its deadline, .* \\(in 1 h\\)$`));
    expect(
      describeRevertData(proofs.encodeErrorResult("ProofsDecisionDeadlinePassed", [id("x"), now - 60n]), { now }),
    ).to.match(/it can only expire now \(`opg challenge expire <id>`\)$/);
    expect(describeRevertData(proofs.encodeErrorResult("ProofsRecordSettled", [id("k")]))).to.equal(
      `the record was already settled by a verifier or an upheld challenge (record key ${id("k")})`,
    );
  });
});

describe("opg CLI: checks of files and values", () => {
  const usage = (f: () => unknown) => {
    try {
      f();
    } catch (error) {
      expect(error).to.be.instanceOf(UsageError);
      return (error as Error).message;
    }
    throw new Error("no usage error");
  };
  const record = {
    inferenceId: id("a"),
    modelId: id("m"),
    inputHash: id("i"),
    outputHash: id("o"),
    proofType: "zk",
    proofHash: id("p"),
  };

  it("reads durations and dates for --expires", () => {
    expect(durationSeconds("7d")).to.equal(7n * 86_400n);
    expect(durationSeconds("1d12h")).to.equal(36n * 3_600n);
    expect(durationSeconds("90min")).to.equal(5_400n);
    expect(durationSeconds("2w")).to.equal(14n * 86_400n);
    expect(durationSeconds("7")).to.equal(undefined);
    expect(parseDeadline("--expires", "2026-06-01")).to.deep.equal({ at: BigInt(Date.UTC(2026, 5, 1) / 1000) });
    expect(parseDeadline("--expires", "2026-06-01T12:00+02:00")).to.deep.equal({
      at: BigInt(Date.UTC(2026, 5, 1, 10) / 1000),
    });
    expect(usage(() => parseDeadline("--expires", "0d"))).to.match(/--expires: the duration must be longer than 0/);
    expect(usage(() => parseDeadline("--expires", "2026-13-45"))).to.match(/--expires: expected a duration/);
    expect(parseMode("--mode", "ZK")).to.equal(2);
    expect(usage(() => parseMode("--mode", "3"))).to.match(/--mode: unknown mode "3"/);
  });

  it("names the record and the field that is wrong", () => {
    expect(parseRecord("r", record).proofType).to.equal(2);
    expect(usage(() => parseRecord("r", { ...record, proofHash: undefined }))).to.equal("r: proofHash is missing");
    expect(usage(() => parseRecord("r", { ...record, outputhash: id("x") }))).to.match(/r: unknown field "outputhash"/);
    expect(usage(() => parseRecord("r", [record]))).to.match(/^r: expected an object with inferenceId/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "opg-records-"));
    const dup = path.join(dir, "dup.json");
    fs.writeFileSync(dup, JSON.stringify([record, { ...record, inputHash: id("j") }]));
    expect(usage(() => readRecords(dup))).to.match(
      /dup\.json: record 2: inferenceId 0x[0-9a-f]{64} is also record 1's/,
    );
    const empty = path.join(dir, "empty.json");
    fs.writeFileSync(empty, "[]");
    expect(usage(() => readRecords(empty))).to.match(/empty\.json: the array has no records/);
    const broken = path.join(dir, "broken.json");
    fs.writeFileSync(broken, "[{");
    expect(usage(() => readRecords(broken))).to.match(/broken\.json: not valid JSON/);
  });

  it("names the voucher field that is wrong", () => {
    const voucher = {
      payer: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
      nodeId: "1",
      modelId: id("m"),
      mode: 1,
      cumulativeAmount: opg(8).toString(),
      issuedAt: "1780000000",
      expiry: "1780600000",
    };
    const signature = "0x" + "11".repeat(65);
    expect(parseSignedVoucher("v", { voucher, signature }).voucher.cumulativeAmount).to.equal(opg(8));
    expect(usage(() => parseSignedVoucher("v", { voucher: { ...voucher, nodeId: "0" }, signature }))).to.match(
      /^v: nodeId is not a node id/,
    );
    expect(
      usage(() => parseSignedVoucher("v", { voucher: { ...voucher, cumulativeAmount: "8.5" }, signature })),
    ).to.match(/^v: cumulativeAmount is not an amount in wei/);
    expect(usage(() => parseSignedVoucher("v", { voucher: { ...voucher, payer: "0x12" }, signature }))).to.match(
      /^v: payer is not an address/,
    );
    expect(usage(() => parseSignedVoucher("v", { voucher: { ...voucher, mode: "gpu" }, signature }))).to.match(
      /^v: mode is not one of none, tee, zk/,
    );
    expect(usage(() => parseSignedVoucher("v", { voucher }))).to.equal("v: signature is missing");
  });
});
