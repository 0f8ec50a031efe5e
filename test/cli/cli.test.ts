import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { HDNodeWallet, Interface, JsonRpcProvider, id } from "ethers";

import { DEVNET_TEE_MEASUREMENT } from "../../deploy/config";
import { Deployment } from "../../deploy/lib/deployments";
import { formatOpg, formatTime, opg, parseOpg } from "../../scripts/lib/opg";
import { unlockPoints } from "../../deploy/lib/vesting";
import { termsOf } from "../../scripts/lib/schedule";
import { HARDHAT_MNEMONIC } from "../../scripts/cli/connect";
import { describeRevertData } from "../../scripts/cli/errors";
import { formatDuration } from "../../scripts/cli/format";
import {
  ModelRegistry__factory,
  NodeRegistry__factory,
  OPG__factory,
  Staking__factory,
  VestingVault__factory,
} from "../../typechain-types";
import { ROOT } from "../helpers/node";
import { DeployedChain, deployedChain } from "./chain";
import { accountAddress, cliOn, ok, runCli, runCliProcess, shown } from "./helpers";

const DAY = 86_400;
const TEE = 1; // Nodes.Mode.Tee
const INSUFFICIENT_OWN_STAKE = 9n; // Nodes.Eligibility.InsufficientOwnStake

describe("opg CLI against a hardhat node (end to end)", function () {
  this.timeout(300_000);
  let chain: DeployedChain;
  let provider: JsonRpcProvider;
  let dir: string;
  let deployment: Deployment;

  const liquidity = accountAddress(8); // 60M OPG at genesis
  const airdrop = accountAddress(9); // 40M OPG at genesis
  const operator = accountAddress(10);
  const delegator = accountAddress(11);
  const otherOperator = accountAddress(12);
  const modelId = id("opg-cli-test-model");

  const opgCli = cliOn(() => chain);
  const contracts = () => ({
    token: OPG__factory.connect(deployment.contracts.OPG!.address, provider),
    staking: Staking__factory.connect(deployment.contracts.Staking!.address, provider),
    models: ModelRegistry__factory.connect(deployment.contracts.ModelRegistry!.address, provider),
    nodes: NodeRegistry__factory.connect(deployment.contracts.NodeRegistry!.address, provider),
    vesting: VestingVault__factory.connect(deployment.contracts.VestingVault!.address, provider),
  });
  const wallet = (n: number) =>
    HDNodeWallet.fromPhrase(HARDHAT_MNEMONIC, undefined, `m/44'/60'/0'/0/${n}`).connect(provider);
  const increaseTime = async (seconds: number) => {
    await provider.send("evm_increaseTime", [seconds]);
    await provider.send("evm_mine", []);
  };

  before(async () => {
    chain = await deployedChain("opg-cli-");
    ({ dir, deployment } = chain);
    provider = new JsonRpcProvider(chain.url, undefined, {
      staticNetwork: true,
      cacheTimeout: -1,
      pollingInterval: 100,
    });
  });
  after(async () => {
    provider?.destroy();
    await chain?.release();
  });

  it("walks through an operator's life: fund, model, stake, node, status, unstake, withdraw", async () => {
    const { token, staking, models, nodes } = contracts();

    // Fund the operator from the liquidity account.
    const funded = ok(await opgCli(["transfer", operator, "30000"], { account: 8 }));
    expect(funded.stdout)
      .to.match(/transferred 30,000 OPG/)
      .and.match(/confirmed in block \d+/);
    expect(await token.balanceOf(operator)).to.equal(opg(30_000));

    // Register a model with a 2.5% royalty.
    ok(await opgCli(["model", "register", modelId, "--metadata", "ipfs://model", "--royalty", "2.5"], { account: 10 }));
    const model = await models.getModel(modelId);
    expect(model.owner).to.equal(operator);
    expect(model.royaltyPpm).to.equal(25_000n);
    expect(model.metadataURI).to.equal("ipfs://model");

    // Stake the TEE minimum (a permit, one transaction).
    const staked = ok(await opgCli(["stake", "25000"], { account: 10 }));
    expect(staked.stdout).to.match(/staked 25,000 OPG; own active stake now 25,000 OPG/);
    expect((await staking.getOperator(operator)).ownActive).to.equal(opg(25_000));
    expect(await token.balanceOf(operator)).to.equal(opg(5_000));

    // Register a TEE node serving the model, with the devnet's approved measurement.
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
          "0.5",
          "--models",
          modelId,
        ],
        { account: 10 },
      ),
    );
    const nodeId = BigInt(/node (\d+) registered/.exec(registered.stdout)![1]);
    const stored = await nodes.getNode(nodeId);
    expect(stored.operator).to.equal(operator);
    expect(stored.modes).to.equal(2n);
    expect(stored.capacity).to.equal(4n);
    expect(stored.teeMeasurement).to.equal(DEVNET_TEE_MEASUREMENT);
    expect(stored.prices).to.deep.equal([0n, parseOpg("0.5"), 0n]);
    expect(await nodes.servesModel(nodeId, modelId)).to.equal(true);
    expect(await nodes.isEligible(nodeId, modelId, TEE)).to.equal(true);

    // Status: the node is eligible for the model with TEE.
    const status = ok(await opgCli(["status"], { account: 10 }));
    expect(status.stdout)
      .to.match(/own active stake\s+25,000 OPG/)
      .and.match(/required own stake\s+5,000 OPG 5,000 OPG per node x 1: covered/)
      .and.match(/required stake\s+25,000 OPG for 1 node\(s\): covered/)
      .and.match(/locked stake\s+none/)
      .and.match(new RegExp(`node ${nodeId}\\s+active`))
      .and.match(/modes\s+tee \(0\.5 OPG per inference\)/)
      .and.match(new RegExp(`${modelId}\\s+tee: eligible`));
    const json = JSON.parse(ok(await opgCli(["status", operator, "--json"])).stdout);
    expect(json.address).to.equal(operator);
    expect(json.ownActiveStake).to.equal(opg(25_000).toString());
    expect(json.requiredOwnStake).to.equal((await nodes.requiredOwnStakeOf(operator)).toString());
    expect(json.minimumOwnStakePerNode).to.equal(opg(5_000).toString());
    expect(json.lockedStake).to.equal("0");
    expect(json.pendingChallenges).to.deep.equal([]);
    expect(json.nodes[0].models[0]).to.deep.equal({ modelId, modes: [{ mode: "tee", eligibility: "eligible" }] });

    // Unstake everything: the node is no longer eligible, and the thaw shows its time left.
    const unstaked = ok(await opgCli(["unstake", "25000"], { account: 10 }));
    expect(unstaked.stdout).to.match(/unstaked 25,000 OPG \(thaw request #0\): withdrawable in 14 days \(/);
    expect((await staking.getOperator(operator)).ownActive).to.equal(0n);
    expect(await nodes.eligibilityOf(nodeId, modelId, TEE)).to.equal(INSUFFICIENT_OWN_STAKE);
    await increaseTime(1_800);
    const thawing = ok(await opgCli(["status"], { account: 10 }));
    expect(thawing.stdout)
      .to.match(new RegExp(`${modelId}\\s+tee: insufficient own stake \\(below the minimum per node\\)`))
      .and.match(/required own stake\s+5,000 OPG 5,000 OPG per node x 1: short by 5,000 OPG/)
      .and.match(/short by 25,000 OPG/)
      .and.match(/#0\s+25,000 OPG\s+withdrawable in 13 days 23 h \(/);

    // Past the thawing period, withdraw pays the 25,000 back.
    await increaseTime(14 * DAY);
    expect(ok(await opgCli(["status"], { account: 10 })).stdout).to.match(/#0\s+25,000 OPG\s+withdrawable now/);
    const withdrawn = ok(await opgCli(["withdraw"], { account: 10 }));
    expect(withdrawn.stdout).to.match(/withdrew 25,000 OPG \(1 thaw request\(s\)\); balance now 30,000 OPG/);
    expect(await token.balanceOf(operator)).to.equal(opg(30_000));
    expect((await staking.thawRequestsOf(operator, operator)).ids).to.deep.equal([]);
  });

  it("delegates, claims rewards, undelegates and withdraws for a delegator", async () => {
    const { token, staking } = contracts();
    ok(await opgCli(["transfer", delegator, "1000"], { account: 9 }));
    ok(await opgCli(["transfer", otherOperator, "2000"], { account: 9 }));
    // The operator stakes through an approve transaction instead of a permit.
    const staked = ok(await opgCli(["stake", "1000", "--approve"], { account: 12 }));
    expect(staked.stdout)
      .to.match(/approve: sent 0x[0-9a-f]{64}/)
      .and.match(/stake: sent 0x[0-9a-f]{64}/);
    expect((await staking.getOperator(otherOperator)).ownActive).to.equal(opg(1_000));

    // The operator schedules a cut of 12.5%: it applies only after the delay, and a delegation made meanwhile
    // must accept it.
    await (await staking.connect(wallet(12)).setDelegationCut(125_000)).wait();
    const scheduled = await staking.getOperator(otherOperator);
    expect(scheduled.pendingCutPpm).to.equal(125_000n);
    const refused = await opgCli(["delegate", otherOperator, "500"], { account: 11 });
    expect(refused.status, shown(refused)).to.equal(1);
    expect(refused.stderr).to.contain(
      `${otherOperator} has scheduled a cut of 12.5% (now 0%) from ${formatTime(scheduled.pendingCutAt)}, ` +
        "above the 0% you accept by default (its cut now): pass --max-cut 12.5 or more to delegate anyway",
    );
    const tooLow = await opgCli(["delegate", otherOperator, "500", "--max-cut", "10"], { account: 11 });
    expect(tooLow.status, shown(tooLow)).to.equal(1);
    expect(tooLow.stderr).to.contain("above the 10% you accept: pass --max-cut 12.5 or more");
    expect(await token.balanceOf(delegator)).to.equal(opg(1_000)); // nothing was sent
    const badCut = await opgCli(["delegate", otherOperator, "500", "--max-cut", "ten"], { account: 11 });
    expect(badCut.status).to.equal(2);
    expect(badCut.stderr).to.contain('--max-cut: expected a percentage such as 2.5 (at most 4 decimals), got "ten"');

    const delegated = ok(await opgCli(["delegate", otherOperator, "500", "--max-cut", "12.5"], { account: 11 }));
    expect(delegated.stdout)
      .to.match(/operator's cut\s+0% of your rewards and fees/)
      .and.match(/cut scheduled\s+12\.5% from /)
      .and.match(/max cut you accept\s+12\.5%/);
    expect((await staking.getDelegation(otherOperator, delegator)).tokens).to.equal(opg(500));
    expect(await token.balanceOf(delegator)).to.equal(opg(500));
    // The delegator's status shows the cut, the scheduled one, and the bound it accepted (from its delegate call).
    const delegatorStatus = ok(await opgCli(["status", delegator]));
    expect(delegatorStatus.stdout).to.contain(
      `cut 0%, 12.5% scheduled from ${formatTime(scheduled.pendingCutAt)}; you accepted at most 12.5%`,
    );
    const delegatorJson = JSON.parse(ok(await opgCli(["status", delegator, "--json"])).stdout);
    expect(delegatorJson.delegations[0].acceptedCutPpm).to.equal("125000");
    expect(delegatorJson.delegations[0].cutPpm).to.equal("0");

    await increaseTime(DAY);
    const before = await token.balanceOf(delegator);
    const claimed = ok(await opgCli(["rewards", "claim", "--operator", otherOperator], { account: 11 }));
    const paid = parseOpg(/claimed ([\d,.]+) OPG of rewards/.exec(claimed.stdout)![1]);
    const gained = (await token.balanceOf(delegator)) - before;
    expect(gained > 0n).to.equal(true);
    expect(formatOpg(gained)).to.equal(formatOpg(paid));

    ok(await opgCli(["undelegate", otherOperator, "200"], { account: 11 }));
    expect((await staking.getDelegation(otherOperator, delegator)).tokens).to.equal(opg(300));
    const all = ok(await opgCli(["undelegate", otherOperator, "all"], { account: 11 }));
    expect(all.stdout).to.match(/undelegated 300 OPG/);
    expect((await staking.getDelegation(otherOperator, delegator)).shares).to.equal(0n);
    expect((await staking.thawRequestsOf(delegator, otherOperator)).amounts).to.deep.equal([opg(200), opg(300)]);

    await increaseTime(14 * DAY + 1);
    const balance = await token.balanceOf(delegator);
    const withdrawn = ok(await opgCli(["withdraw", "--operator", otherOperator], { account: 11 }));
    expect(withdrawn.stdout).to.match(/withdrew 500 OPG \(2 thaw request\(s\)\)/);
    expect(await token.balanceOf(delegator)).to.equal(balance + opg(500));
  });

  it("shows a vesting beneficiary's schedule with its next unlocks", async () => {
    const { vesting } = contracts();
    const beneficiary = accountAddress(1); // the ecosystem fund: 10% at TGE, the rest linearly over 60 months
    const result = ok(await opgCli(["unlocks", beneficiary]));
    const now = BigInt((await provider.getBlock("latest"))!.timestamp);
    const s = await vesting.getSchedule(1);
    const end = unlockPoints(termsOf(s), now).at(-1)!;
    expect(end).to.equal(s.end);
    expect(result.stdout)
      .to.match(/vesting schedules of .*: 1/)
      .and.match(/schedule 1 \(ecosystem\)/)
      .and.match(/total\s+400,000,000 OPG/)
      .and.match(new RegExp(`vested now\\s+${formatOpg(await vesting.vestedAt(1, now))}`))
      .and.match(/released\s+0 OPG/)
      .and.match(new RegExp(`releasable now\\s+${formatOpg(await vesting.releasableOf(1))}`))
      .and.match(/terms\s+40,000,000 OPG at .*, then linear from .* about 6,000,000 OPG a month/)
      .and.match(new RegExp(`in ${formatDuration(end - now)}\\s+fully vested: 400,000,000 OPG`));

    // The signer's own schedules, as JSON.
    const json = JSON.parse(ok(await opgCli(["unlocks", "--json"], { account: 1 })).stdout);
    expect(json.schedules).to.have.length(1);
    expect(json.schedules[0]).to.include({
      scheduleId: "1",
      category: "ecosystem",
      total: opg(400_000_000).toString(),
    });
    expect(json.schedules[0].next.at(-1)).to.deep.include({ time: end.toString(), kind: "fully vested" });
  });

  it("refuses bad arguments with exit code 2, names the argument, and sends nothing", async () => {
    const nonces = async () => Promise.all([8, 10, 13].map((n) => provider.getTransactionCount(accountAddress(n))));
    const before = await nonces();
    const block = await provider.getBlockNumber();
    const cases: [string[], RegExp][] = [
      [["transfer", "0x123", "5", "--account", "8"], /<to>: expected an address \(0x and 40 hex digits\), got "0x123"/],
      [["stake", "abc", "--account", "10"], /<amount>: expected an amount of OPG such as 1500\.5 .*, got "abc"/],
      [["delegate", operator, "1.5.0", "--account", "13"], /<amount>: expected an amount of OPG .*got "1\.5\.0"/],
      [
        ["node", "register", "--metadata", "x", "--modes", "tee,gpu", "--capacity", "1", "--account", "13"],
        /--modes: unknown mode "gpu" \(expected none, tee, zk, comma-separated\)/,
      ],
      [["node", "register", "--metadata", "x", "--modes", "none", "--account", "13"], /--capacity: required/],
      [
        ["node", "register", "--metadata", "x", "--modes", "none", "--capacity", "abc", "--account", "13"],
        /--capacity: expected a positive whole number, got "abc"/,
      ],
      [
        [
          "node",
          "register",
          "--metadata",
          "x",
          "--modes",
          "none",
          "--capacity",
          "1",
          "--price-zk",
          "1",
          "--account",
          "13",
        ],
        /--price-zk: the node does not offer zk/,
      ],
      [["stake", "10", "--capacity", "3", "--account", "10"], /--capacity: not an option of `opg stake`/],
      [["frobnicate", "--account", "8"], /unknown command "frobnicate"/],
      [["status", "--account", "x"], /--account: expected a whole number, got "x"/],
    ];
    const results = await Promise.all(cases.map(([args]) => opgCli(args)));
    results.forEach((r, i) => {
      expect(r.status, shown(r)).to.equal(2);
      expect(r.stderr, shown(r))
        .to.match(cases[i][1])
        .and.match(/usage: opg/);
      expect(r.stderr).to.not.match(/\n\s+at /); // no stack trace
    });
    expect(await nonces()).to.deep.equal(before);
    expect(await provider.getBlockNumber()).to.equal(block);
  });

  it("decodes a revert into words with OPG amounts, before sending anything", async () => {
    const staker = accountAddress(14);
    const funder = HDNodeWallet.fromPhrase(HARDHAT_MNEMONIC, undefined, "m/44'/60'/0'/0/9").connect(provider);
    await (await contracts().token.connect(funder).transfer(staker, opg(1_000))).wait();
    const block = await provider.getBlockNumber();
    ok(await opgCli(["stake", "1000"], { account: 14 }));
    const r = await opgCli(["unstake", "1000000"], { account: 14 });
    expect(r.status, shown(r)).to.equal(1);
    expect(r.stderr).to.equal("error: insufficient stake: have 1,000 OPG, need 1,000,000 OPG\n");

    // A node without the stake its mode needs.
    const n = await opgCli(["node", "register", "--metadata", "x", "--modes", "none", "--capacity", "1"], {
      account: 13,
    });
    expect(n.status, shown(n)).to.equal(1);
    expect(n.stderr).to.equal(
      "error: insufficient own stake: the operator has 0 OPG of its own staked, its nodes need 5,000 OPG " +
        "(a minimum per node, counted before delegations)\n",
    );
    // More than the balance: said before the confirmation.
    const t = await opgCli(["transfer", operator, "5000"], { account: 13 });
    expect(t.status, shown(t)).to.equal(1);
    expect(t.stderr).to.equal("error: insufficient balance: have 0 OPG, need 5,000 OPG\n");
    expect(t.stdout).to.equal("");

    expect(await provider.getTransactionCount(staker)).to.equal(1); // only the stake
    expect(await provider.getTransactionCount(accountAddress(13))).to.equal(0);
    expect(await provider.getBlockNumber()).to.equal(block + 1);
  });

  it("refuses to move tokens without --yes when there is no terminal to ask (as a child process)", async () => {
    const { token } = contracts();
    const nonce = await provider.getTransactionCount(liquidity);
    const balance = await token.balanceOf(airdrop);
    const r = await runCliProcess([
      "transfer",
      airdrop,
      "1",
      "--rpc",
      chain.url,
      "--deployments",
      dir,
      "--account",
      "8",
    ]);
    expect(r.status, shown(r)).to.equal(2);
    expect(r.stdout)
      .to.match(/Transfer 1 OPG/)
      .and.match(/network\s+127\.0\.0\.1:\d+ \(chain 31337\)/);
    expect(r.stderr).to.match(/not confirmed: there is no terminal to ask "Proceed\? \[y\/N\]"; pass --yes/);
    expect(r.stderr).to.match(/Nothing was sent/);
    expect(await provider.getTransactionCount(liquidity)).to.equal(nonce);
    expect(await token.balanceOf(airdrop)).to.equal(balance);
  });

  it("runs as `npm run opg` from the repository root", () => {
    const r = spawnSync("npm", ["run", "-s", "opg", "--", "--help"], { cwd: ROOT, encoding: "utf8" });
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout)
      .to.match(/usage: opg <command>/)
      .and.match(/opg node register/);
  });
});

describe("opg CLI: revert words", () => {
  const staking = new Interface(Staking__factory.abi);
  const nodes = new Interface(NodeRegistry__factory.abi);
  const token = new Interface(OPG__factory.abi);
  const vesting = new Interface(VestingVault__factory.abi);
  const someone = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";

  it("says a custom error in words with its amounts in OPG", () => {
    expect(describeRevertData(staking.encodeErrorResult("StakingInsufficientStake", [opg(3), opg(5)]))).to.equal(
      "insufficient stake: have 3 OPG, need 5 OPG",
    );
    expect(
      describeRevertData(nodes.encodeErrorResult("NodeInsufficientStake", [someone, opg(10_000), opg(25_000)])),
    ).to.equal("insufficient stake for this node: the operator has 10,000 OPG active, needs 25,000 OPG");
    expect(
      describeRevertData(token.encodeErrorResult("ERC20InsufficientBalance", [someone, parseOpg("1.5"), opg(2)])),
    ).to.equal("insufficient balance: have 1.5 OPG, need 2 OPG");
    expect(
      describeRevertData(staking.encodeErrorResult("StakingNothingThawed", [1_000n + 3n * 86_400n]), { now: 1_000n }),
    ).to.match(/^nothing has finished thawing: the oldest request is withdrawable in 3 days, at 1970-01-0/);
  });

  it("says the errors of locks, own stake and accepted cuts with their values", () => {
    expect(describeRevertData(staking.encodeErrorResult("StakingStakeLocked", [opg(5_000), opg(4_200)]))).to.equal(
      "stake locked by pending challenges: 5,000 OPG locked, 4,200 OPG held, none of it free " +
        "(it can be withdrawn once the challenges are decided or expire)",
    );
    expect(describeRevertData(staking.encodeErrorResult("StakingCutAboveAccepted", [150_000, 100_000]))).to.equal(
      "the operator's cut (or the cut it has scheduled) is 15%, above the 10% you accept (pass --max-cut with at least that)",
    );
    expect(describeRevertData(staking.encodeErrorResult("StakingNotLocked", [opg(1), opg(2)]))).to.equal(
      "not that much is pending to slash: 1 OPG pending, 2 OPG asked",
    );
    expect(
      describeRevertData(nodes.encodeErrorResult("NodeInsufficientOwnStake", [someone, opg(4_000), opg(10_000)])),
    ).to.equal(
      "insufficient own stake: the operator has 4,000 OPG of its own staked, its nodes need 10,000 OPG " +
        "(a minimum per node, counted before delegations)",
    );
  });

  it("falls back to the error's name and raw values, then to the raw data", () => {
    expect(describeRevertData(vesting.encodeErrorResult("VestingCliffBeforeStart", [10n, 5n]))).to.equal(
      "VestingCliffBeforeStart(10, 5)",
    );
    expect(describeRevertData("0x12345678")).to.equal("reverted with unknown error data 0x12345678");
    expect(describeRevertData("0x")).to.equal("the transaction reverted without a reason");
  });
});

describe("opg CLI: help and command lines (in-process)", () => {
  it("lists every command in the general help, and shows each command's own options", async () => {
    const general = await runCli(["--help"]);
    expect(general.status, shown(general)).to.equal(0);
    expect(general.stdout)
      .to.match(/usage: opg <command>/)
      .and.match(/opg escrow deposit <amount> \[options\]/)
      .and.match(/opg voucher redeem <file\.\.\.>/);
    const own = await runCli(["node", "register", "--help"]);
    expect(own.status, shown(own)).to.equal(0);
    expect(own.stdout)
      .to.match(/Usage: opg node register \[options\]/)
      .and.match(/--capacity <n>\s+inferences served at once \(required\)/)
      .and.match(/--price-zk <OPG>\s+price per inference with a ZK proof/)
      .and.match(/Global Options:[\s\S]*--rpc <url>/)
      .and.match(/Exit codes: 0 done/)
      .and.not.match(/--evidence/);
    expect((await runCli(["help", "escrow", "deposit"])).stdout).to.match(/--for <payer>/);
    expect((await runCli(["escrow", "--help"])).stdout).to.match(
      /Usage: opg escrow \[options\] \[command\] \[address\]/,
    );
  });

  it("says what is wrong with a command line, and the usage, with exit code 2", async () => {
    const cases: [string[], string][] = [
      [[], "error: no command given"],
      [["node"], 'error: missing command "node" (known: node register, node update, node models, node heartbeat)'],
      [["escrow", "deposit"], "error: <amount>: missing"],
      [["transfer", "0x1", "2", "3"], 'error: unexpected argument "3"'],
      [["status", "--rpc"], "error: --rpc: missing its value"],
      [["stake", "1", "--bogus"], "error: unknown option --bogus"],
      [["stake", "1", "--node", "3"], "error: --node: not an option of `opg stake`"],
      [["voucher", "sign", "--node", "1"], "error: --model: required"],
      [["unstake", "-3"], 'error: negative values are not accepted: got "-3"'],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(args);
      expect(r.status, shown(r)).to.equal(2);
      expect(r.stderr.split("\n")[0], shown(r)).to.equal(message);
      expect(r.stderr, shown(r)).to.match(/usage: opg/);
      expect(r.stdout).to.equal("");
    }
  });
});
