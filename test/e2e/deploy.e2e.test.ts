import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { JsonRpcProvider, getAddress } from "ethers";

import { CONTRACT_NAMES, Deployment } from "../../deploy/lib/deployments";
import { PUBLISHED_CIRCULATING_AT_TGE, TOTAL_SUPPLY } from "../../deploy/genesis";
import { runCli } from "../helpers/deploy-cli";
import { SharedDeployment, sharedDeployment } from "../helpers/node";
import { OPG__factory, VestingVault__factory } from "../../typechain-types";

describe("npm run deploy against a hardhat node (end to end)", function () {
  this.timeout(300_000);
  let chain: SharedDeployment;
  let provider: JsonRpcProvider;
  let dir: string;

  // The run's shared node, on which the first end-to-end file to ask ran `npm run deploy` (test/helpers/node.ts).
  before(async () => {
    chain = await sharedDeployment();
    await chain.fresh();
    provider = new JsonRpcProvider(chain.url, undefined, { staticNetwork: true });
    dir = chain.deploymentsDir;
  });
  after(() => provider?.destroy());

  // `npm run deploy -- --network localhost` in the test process (deploy/cli.ts's main).
  const deploy = (env: Record<string, string> = {}) =>
    runCli(["deploy", "--network", "localhost"], {
      ...process.env,
      LOCALHOST_RPC_URL: chain.url,
      DEPLOYMENTS_DIR: dir,
      ...env,
    });

  it("deploys everything, runs the genesis and writes the deployments file", async () => {
    expect(chain.output).to.match(/circulating at TGE \(.*\): 190,000,000 OPG/);
    const file = path.join(dir, "31337.json");
    const deployment = JSON.parse(fs.readFileSync(file, "utf8")) as Deployment;

    expect(deployment.chainId).to.equal(31337);
    expect(deployment.genesis.complete).to.equal(true);
    expect(BigInt(deployment.genesis.circulatingAtTge)).to.equal(PUBLISHED_CIRCULATING_AT_TGE);
    expect(deployment.abiVersion).to.match(/^\d+\.\d+\.\d+\+[0-9a-f]{12}$/);
    for (const name of CONTRACT_NAMES) {
      const c = deployment.contracts[name]!;
      expect(await provider.getCode(c.address), name).to.not.equal("0x");
      const receipt = await provider.getTransactionReceipt(c.transactionHash);
      expect(receipt!.blockNumber, name).to.equal(c.blockNumber);
      expect(getAddress(receipt!.contractAddress!), name).to.equal(c.address);
    }
    expect(deployment.startBlock).to.equal(deployment.contracts.OPGTimelock!.blockNumber);

    const token = OPG__factory.connect(deployment.contracts.OPG!.address, provider);
    const vesting = VestingVault__factory.connect(deployment.contracts.VestingVault!.address, provider);
    expect(await token.totalSupply()).to.equal(TOTAL_SUPPLY);
    expect(await token.balanceOf(deployment.deployer)).to.equal(0n);
    expect(await vesting.nextScheduleId()).to.equal(8n);
    expect(await vesting.hasRole(await vesting.DEFAULT_ADMIN_ROLE(), deployment.deployer)).to.equal(false);
  });

  it("reuses what is deployed when run again, sending nothing", async () => {
    const deployer = (JSON.parse(fs.readFileSync(path.join(dir, "31337.json"), "utf8")) as Deployment).deployer;
    const nonce = await provider.getTransactionCount(deployer);
    const run = await deploy();
    expect(run.status, run.output).to.equal(0);
    expect(run.output)
      .to.match(/OPGTimelock: reusing/)
      .and.match(/OPG: reusing/)
      .and.match(/VestingVault: reusing/);
    expect(await provider.getTransactionCount(deployer)).to.equal(nonce);
  });

  it("refuses a wrong allocation table before sending any transaction", async () => {
    const bad = {
      grants: {
        ecosystem: [{ beneficiary: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", amount: "400000000" }],
        foundation: [{ beneficiary: "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC", amount: "150000000" }],
        coreContributors: [{ beneficiary: "0x90F79bf6EB2c4f870365E785982E1f101E93b906", amount: "150000000" }],
        investors: [
          {
            beneficiary: "0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65",
            amount: "99999999.5",
            label: "short by half a token",
          },
        ],
        stakingRewards: [{ beneficiary: "staking", amount: "100000000" }],
        liquidity: [{ beneficiary: "0x9965507D1a55bcC2695C58ba16FB37d819B0A4dc", amount: "60000000" }],
        airdrop: [{ beneficiary: "0x976EA74026E726554dB657fA54763abd0C3a0aa9", amount: "40000000" }],
      },
    };
    const file = path.join(dir, "bad-genesis.json");
    fs.writeFileSync(file, JSON.stringify(bad));
    const block = await provider.getBlockNumber();
    const run = await deploy({
      GENESIS_FILE: file,
      DEPLOYMENTS_DIR: fs.mkdtempSync(path.join(os.tmpdir(), "opg-bad-")),
    });
    expect(run.status).to.equal(1);
    expect(run.output).to.match(/the allocation table is refused, nothing was deployed/);
    expect(run.output).to.match(
      /Investors and advisors \(investors\): grants add up to 99,999,999.5 OPG, the category is 100,000,000 OPG/,
    );
    expect(await provider.getBlockNumber()).to.equal(block);
  });
});
