/**
 * Gas of staking and node operations as the number of stakers and nodes grows: the same operations measured
 * after 1, 100 and 1,000 other operators have staked and registered a node. Shared by the gas report and the
 * gas budget test.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { ContractTransactionResponse, Signer } from "ethers";

import { devnetGenesis } from "../../deploy/config";
import { deploySystem } from "../../deploy/system";
import { Mode } from "../helpers/protocol";
import { commitAndRegisterModel } from "../helpers/models";

export interface ScalingRow {
  operation: string;
  /** Gas at each population, in the order of the populations measured. */
  gas: bigint[];
}

const OPG = 10n ** 18n;
const TEE = 1 << Mode.Tee;

export async function measureStakingGas(hre: HardhatRuntimeEnvironment, populations: number[]): Promise<ScalingRow[]> {
  const { ethers } = hre;
  const signers = await ethers.getSigners();
  const gas = async (tx: Promise<ContractTransactionResponse>) => (await (await tx).wait())!.gasUsed;
  const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);

  // The system as deploy/system.ts wires it (devnet genesis from now, the measurement approved at deployment).
  const measurement = ethers.id("gas-enclave");
  const { token, staking, models, nodes } = await deploySystem(hre, {
    genesis: devnetGenesis(
      now,
      signers.map((s) => s.address),
    ),
    timelockMinDelay: 60n,
    teeMeasurements: [measurement],
  });
  const modelId = ethers.id("model-weights");
  await commitAndRegisterModel(models, signers[13], modelId, "ipfs://model", 50_000);
  // The devnet genesis transfers liquidity (60M OPG) and the airdrop (40M OPG) to accounts 8 and 9 at TGE.
  const funders = [signers[8], signers[9]];
  const params = (i: number) => ({
    metadataURI: `https://node-${i}.example`,
    modes: TEE,
    teeMeasurement: measurement,
    capacity: 8,
    prices: [0n, OPG / 100n, 0n] as [bigint, bigint, bigint],
  });
  const stakeAmount = 30_000n * OPG;

  /** A fresh funded account, impersonated: no key, no signing cost in the setup. */
  let made = 0;
  async function account(): Promise<Signer> {
    const address = ethers.getAddress("0x" + (0xa11ce000000n + BigInt(++made)).toString(16).padStart(40, "0"));
    await hre.network.provider.send("hardhat_setBalance", [address, "0x56BC75E2D63100000"]);
    await hre.network.provider.send("hardhat_impersonateAccount", [address]);
    const signer = await ethers.getSigner(address);
    const funder = (await token.balanceOf(funders[0].address)) >= stakeAmount * 2n ? funders[0] : funders[1];
    await token.connect(funder).transfer(address, stakeAmount * 2n);
    await token.connect(signer).approve(await staking.getAddress(), ethers.MaxUint256);
    return signer;
  }

  const rows: Record<string, bigint[]> = {};
  const record = (operation: string, value: bigint) => (rows[operation] ??= []).push(value);
  let population = 0;
  let warmed = false;
  for (const target of populations) {
    // Grow the population of operators, each with stake and a node, up to the target.
    for (; population < target; population++) {
      const operator = await account();
      await staking.connect(operator).stake(stakeAmount);
      await nodes.connect(operator).registerNode(params(population), [modelId]);
    }
    await hre.network.provider.send("evm_increaseTime", [3600]);
    if (!warmed) {
      // A running network has claimed and unbonded before: warm the global totals once, outside the measurements.
      const veteran = await account();
      await staking.connect(veteran).stake(stakeAmount);
      await hre.network.provider.send("evm_increaseTime", [3600]);
      await staking.connect(veteran).claimRewards(await veteran.getAddress());
      await staking.connect(veteran).unstake(OPG);
      warmed = true;
    }

    // Measure one more operator's life, and a delegator's, at this population.
    const operator = await account();
    const delegator = await account();
    const operatorAddress = await operator.getAddress();
    record("stake (an operator's first)", await gas(staking.connect(operator).stake(stakeAmount)));
    record("stake again", await gas(staking.connect(operator).stake(OPG)));
    record("register a node (TEE, one model)", await gas(nodes.connect(operator).registerNode(params(-1), [modelId])));
    record("heartbeat", await gas(nodes.connect(operator).heartbeat((await nodes.nextNodeId()) - 1n)));
    record(
      "delegate (first)",
      await gas(staking.connect(delegator).delegate(operatorAddress, 1_000n * OPG, 1_000_000)),
    );
    await hre.network.provider.send("evm_increaseTime", [86_400]);
    record("claim rewards (operator)", await gas(staking.connect(operator).claimRewards(operatorAddress)));
    record("claim rewards (delegator)", await gas(staking.connect(delegator).claimRewards(operatorAddress)));
    record("unstake (start a thaw)", await gas(staking.connect(operator).unstake(OPG)));
    record("undelegate (start a thaw)", await gas(staking.connect(delegator).undelegate(operatorAddress, 100n * OPG)));
    await hre.network.provider.send("evm_increaseTime", [Number(await staking.thawingPeriod())]);
    record("withdraw (one request)", await gas(staking.connect(operator).withdraw(operatorAddress, 0)));
  }
  return Object.entries(rows).map(([operation, values]) => ({ operation, gas: values }));
}
