/**
 * `npm run verify -- --network baseSepolia` against a local stand-in of the explorer's verification API (the real
 * explorer cannot be reached from here): what it receives for each contract of the deployments file, and a second
 * run that finds everything verified and submits nothing. The command runs in the test process (deploy/cli.ts's
 * main), that second run as a process of its own (the smoke run of `npm run verify`).
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { AbiCoder } from "ethers";
import hre from "hardhat";

import { CONTRACT_NAMES, Deployment } from "../../deploy/lib/deployments";
import { Anvil, Explorer, SAFE, cliRun, npmRun, referenceDeployment, startExplorer } from "./helpers";

describe("npm run verify -- --network baseSepolia, against a stand-in of the explorer", function () {
  this.timeout(300_000);
  let node: Anvil;
  let explorer: Explorer;
  let dir: string;
  let deployment: Deployment;
  const problems: string[] = [];

  before(async () => {
    // The reference deployment deploy.test.ts makes too (helpers.ts): one per run, whichever file asks first.
    const reference = await referenceDeployment();
    expect(reference.run.status, reference.run.output).to.equal(0);
    ({ node, dir } = reference);
    deployment = JSON.parse(fs.readFileSync(path.join(dir, "84532.json"), "utf8"));

    // What the explorer checks before it compiles: the address is one of ours, the contract's source is in the
    // standard JSON input with our compiler settings, the constructor arguments are the ones deployed.
    explorer = await startExplorer((params) => {
      const name = CONTRACT_NAMES.find(
        (n) => deployment.contracts[n]!.address.toLowerCase() === params.contractaddress?.toLowerCase(),
      );
      if (!name) {
        problems.push(`unknown address ${params.contractaddress}`);
        return "Unable to locate ContractCode";
      }
      const source = deployment.contracts[name]!.source!;
      const input = JSON.parse(params.sourceCode);
      const [file] = source.contract.split(":");
      const checks: [boolean, string][] = [
        [params.codeformat === "solidity-standard-json-input", "codeformat"],
        [params.contractname === source.contract, `contractname ${params.contractname}`],
        [params.compilerversion === source.compilerVersion, `compilerversion ${params.compilerversion}`],
        [input.language === "Solidity" && input.sources[file]?.content?.includes(`contract ${name}`), "source"],
        [input.settings.optimizer.enabled === true && input.settings.optimizer.runs === 10_000, "optimizer"],
        [input.settings.evmVersion === "cancun", "evmVersion"],
        [params.constructorArguements === source.constructorArgsEncoded, "constructor arguments"],
      ];
      const failed = checks.filter(([ok]) => !ok).map(([, what]) => `${name}: ${what}`);
      problems.push(...failed);
      return failed.length ? `Fail - ${failed.join(", ")}` : undefined;
    });
  });
  after(async () => {
    await explorer?.close();
  });

  const settings = (env: Record<string, string>) => ({
    BASE_SEPOLIA_RPC_URL: node.url,
    DEPLOYMENTS_DIR: dir,
    ETHERSCAN_API_KEY: "stand-in-key",
    ETHERSCAN_API_URL: explorer.url,
    ...env,
  });
  const verify = (env: Record<string, string> = {}) => cliRun("verify", ["--network", "baseSepolia"], settings(env));
  const verifyProcess = () => npmRun("verify", ["--network", "baseSepolia"], settings({}));

  it("names a missing API key", async () => {
    const run = await verify({ ETHERSCAN_API_KEY: "" });
    expect(run.status, run.output).to.equal(1);
    expect(run.output).to.match(/ETHERSCAN_API_KEY is not set/);
    expect(explorer.requests).to.have.length(0);
  });

  it("verifies every contract with its recorded constructor arguments and compiler", async () => {
    const run = await verify();
    expect(run.status, run.output).to.equal(0);
    expect(problems).to.deep.equal([]);
    expect(run.output).to.match(/verified on the explorer: 8 of 8/);
    const submitted = explorer.requests.filter((r) => r.action === "verifysourcecode");
    expect(submitted.map((r) => r.params.contractaddress.toLowerCase()).sort()).to.deep.equal(
      CONTRACT_NAMES.map((n) => deployment.contracts[n]!.address.toLowerCase()).sort(),
    );
    expect(submitted.every((r) => r.params.chainid === "84532" && r.params.apikey === "stand-in-key")).to.equal(true);
    expect(explorer.verified.size).to.equal(8);

    // The recorded arguments decode to what the deployment passed: the timelock's delay, proposers, executors.
    const timelock = deployment.contracts.OPGTimelock!.source!;
    const [delay, proposers] = AbiCoder.defaultAbiCoder().decode(
      ["uint256", "address[]", "address[]", "address"],
      "0x" + timelock.constructorArgsEncoded,
    );
    expect(delay).to.equal(172800n);
    expect(proposers).to.deep.equal([SAFE]);
    const artifact = await hre.artifacts.readArtifact("OPGTimelock");
    expect(timelock.contract).to.equal(`${artifact.sourceName}:OPGTimelock`);
  });

  it("run again, finds everything verified and submits nothing", async () => {
    const before = explorer.requests.filter((r) => r.action === "verifysourcecode").length;
    const run = await verifyProcess();
    expect(run.status, run.output).to.equal(0);
    expect(run.output)
      .to.match(/already been verified/)
      .and.match(/verified on the explorer: 8 of 8/);
    expect(explorer.requests.filter((r) => r.action === "verifysourcecode")).to.have.length(before);
  });

  it("a contract whose recorded arguments are not the deployed ones is refused by the explorer and named", async () => {
    const tampered = fs.mkdtempSync(path.join(os.tmpdir(), "opg-verify-"));
    const copy = structuredClone(deployment);
    copy.contracts.Staking!.source!.constructorArgs[2] = "1"; // rewardsTotal
    fs.writeFileSync(path.join(tampered, "84532.json"), JSON.stringify(copy));
    explorer.verified.clear();
    problems.length = 0;
    const run = await verify({ DEPLOYMENTS_DIR: tampered });
    expect(run.status, run.output).to.equal(1);
    expect(problems).to.deep.equal(["Staking: constructor arguments"]);
    expect(run.output)
      .to.match(/verified on the explorer: 7 of 8/)
      .and.match(new RegExp(`not verified:\n  - Staking \\(${deployment.contracts.Staking!.address}\\)`));
  });
});
