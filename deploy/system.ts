/**
 * Deploys the whole system in dependency order and runs the genesis, resuming from the deployments file:
 * timelock -> token -> vesting vault -> genesis (schedules, transfers) -> admin roles to the timelock -> checks.
 */
import { createHash } from "node:crypto";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { ContractTransactionResponse, Signer } from "ethers";

import {
  ALLOCATION_TABLE,
  CategoryKey,
  Genesis,
  GenesisSchedule,
  STAKING,
  TIMELOCK,
  TOTAL_SUPPLY,
  checkGenesis,
  circulatingAt,
  genesisSchedules,
} from "./genesis";
import {
  CONTRACT_NAMES,
  ContractName,
  DeployedContract,
  Deployment,
  readDeployment,
  writeDeployment,
} from "./lib/deployments";
import { formatOpg, formatTime } from "./lib/format";
import { MONTH, vestedAt } from "./lib/vesting";
import type {
  ModelRegistry,
  NodeRegistry,
  OPG,
  OPGTimelock,
  PaymentsEscrow,
  ProofRegistry,
  Staking,
  VestingVault,
} from "../typechain-types";

/** Schedules per createSchedules call: about 80k gas each, well under the 2^24 per-transaction cap. */
export const SCHEDULES_PER_BATCH = 100;

export interface DeployOptions {
  genesis: Genesis;
  /** Seconds a timelocked change waits. */
  timelockMinDelay: bigint;
  /** Who may propose timelocked changes; the deployer when empty. */
  timelockProposers?: string[];
  /** Where the deployments file goes; nothing is written when undefined. */
  deploymentsDir?: string;
  /** Where protocol fees go: "burn", "treasury", or an address. */
  protocolFeeRecipient?: string;
  /** Enclave measurements approved for TEE nodes at deployment (later ones through the timelock). */
  teeMeasurements?: string[];
  /** Confirmations to wait for each transaction (1 locally). */
  confirmations?: number;
  log?: (line: string) => void;
}

export interface DeployedSystem {
  deployment: Deployment;
  timelock: OPGTimelock;
  token: OPG;
  vesting: VestingVault;
  staking: Staking;
  models: ModelRegistry;
  nodes: NodeRegistry;
  proofs: ProofRegistry;
  escrow: PaymentsEscrow;
  schedules: (GenesisSchedule & { id: number })[];
  circulatingAtTge: bigint;
  file?: string;
}

export async function deploySystem(hre: HardhatRuntimeEnvironment, options: DeployOptions): Promise<DeployedSystem> {
  const log = options.log ?? (() => undefined);
  const { ethers } = hre;

  // Check: the table, before anything touches the chain.
  checkGenesis(options.genesis);
  const schedulesPlanned = genesisSchedules(options.genesis);
  log(
    `allocation table checked: ${options.genesis.categories.length} categories, ${schedulesPlanned.length} vesting schedules`,
  );
  log(
    `circulating at TGE (${formatTime(options.genesis.tge)}): ${formatOpg(circulatingAt(options.genesis, options.genesis.tge))}`,
  );

  const [deployer] = (await ethers.getSigners()) as Signer[];
  if (!deployer) throw new Error(`no deployer account for network "${hre.network.name}": set DEPLOYER_PRIVATE_KEY`);
  const deployerAddress = await deployer.getAddress();
  const chainId = Number((await ethers.provider.getNetwork()).chainId);
  const confirmations = options.confirmations ?? 1;

  const deployment = await resumable(hre, chainId, deployerAddress, options);
  const save = () => {
    if (options.deploymentsDir) writeDeployment(deployment, options.deploymentsDir);
  };
  const wait = async (tx: ContractTransactionResponse, what: string) => {
    log(`  ${what}: sent ${tx.hash}, waiting for ${confirmations} confirmation(s)`);
    const receipt = await tx.wait(confirmations);
    if (!receipt || receipt.status !== 1) throw new Error(`${what} failed in ${tx.hash}`);
    return receipt;
  };

  async function deployContract<T>(name: ContractName, args: unknown[]): Promise<T> {
    const recorded = deployment.contracts[name];
    if (recorded) {
      log(`${name}: reusing ${recorded.address} (block ${recorded.blockNumber})`);
      return (await ethers.getContractAt(name, recorded.address)) as T;
    }
    log(`${name}: deploying`);
    const factory = await ethers.getContractFactory(name, deployer);
    const contract = await factory.deploy(...args);
    const tx = contract.deploymentTransaction()!;
    const receipt = await wait(tx as ContractTransactionResponse, `${name} deployment`);
    deployment.contracts[name] = {
      address: await contract.getAddress(),
      blockNumber: receipt.blockNumber,
      blockHash: receipt.blockHash,
      transactionHash: receipt.hash,
    };
    if (deployment.startBlock === 0 || receipt.blockNumber < deployment.startBlock)
      deployment.startBlock = receipt.blockNumber;
    save();
    log(`${name}: ${deployment.contracts[name]!.address}`);
    return contract as T;
  }

  // Timelock: proposers schedule, anyone executes, the timelock administers itself.
  const proposers = options.timelockProposers?.length ? options.timelockProposers : [deployerAddress];
  const timelock = await deployContract<OPGTimelock>("OPGTimelock", [
    options.timelockMinDelay,
    proposers,
    [ethers.ZeroAddress],
    ethers.ZeroAddress,
  ]);
  const timelockAddress = await timelock.getAddress();
  const treasuryOf = (a: string) => (a === TIMELOCK ? timelockAddress : a);
  const treasury = treasuryOf(options.genesis.treasury);

  const token = await deployContract<OPG>("OPG", [deployerAddress]);
  const tokenAddress = await token.getAddress();
  const vesting = await deployContract<VestingVault>("VestingVault", [tokenAddress, deployerAddress, treasury]);
  const vestingAddress = await vesting.getAddress();
  const emission = options.genesis.categories.find((c) => c.key === "stakingRewards")!.release;
  const staking = await deployContract<Staking>("Staking", [
    tokenAddress,
    deployerAddress,
    ALLOCATION_TABLE.stakingRewards.amount,
    options.genesis.tge,
    (emission.kind === "emission" ? emission.months : 96n) * MONTH,
  ]);
  const stakingAddress = await staking.getAddress();
  const models = await deployContract<ModelRegistry>("ModelRegistry", [deployerAddress]);
  const nodes = await deployContract<NodeRegistry>("NodeRegistry", [
    await models.getAddress(),
    stakingAddress,
    deployerAddress,
  ]);
  const nodesAddress = await nodes.getAddress();
  const proofs = await deployContract<ProofRegistry>("ProofRegistry", [
    tokenAddress,
    nodesAddress,
    stakingAddress,
    deployerAddress,
  ]);
  const feeRecipientOption = options.protocolFeeRecipient ?? "burn";
  const feeRecipient =
    feeRecipientOption === "burn"
      ? ethers.ZeroAddress
      : feeRecipientOption === "treasury"
        ? treasury
        : feeRecipientOption;
  const escrow = await deployContract<PaymentsEscrow>("PaymentsEscrow", [
    tokenAddress,
    nodesAddress,
    await models.getAddress(),
    stakingAddress,
    await proofs.getAddress(),
    deployerAddress,
    feeRecipient,
  ]);
  const resolve = (a: string) => (a === TIMELOCK ? timelockAddress : a === STAKING ? stakingAddress : a);
  deployment.abiVersion = abiVersion(hre);
  deployment.genesis.tge = options.genesis.tge.toString();
  deployment.genesis.treasury = treasury;

  // Genesis: every step is recorded once mined, so a rerun picks up where a failed run stopped.
  const steps = deployment.genesis.steps;
  async function step(name: string, send: () => Promise<ContractTransactionResponse>) {
    if (steps[name]) return;
    const receipt = await wait(await send(), name);
    steps[name] = receipt.hash;
    save();
  }

  const vestedTotal = schedulesPlanned.reduce((sum, s) => sum + s.total, 0n);
  await step("approve vesting", () => token.approve(vestingAddress, vestedTotal));
  for (let i = 0; i < schedulesPlanned.length; i += SCHEDULES_PER_BATCH) {
    const batch = schedulesPlanned.slice(i, i + SCHEDULES_PER_BATCH);
    await step(`schedules ${i + 1}-${i + batch.length}`, () =>
      vesting.createSchedules(
        batch.map((s) => ({
          beneficiary: resolve(s.beneficiary),
          total: s.total,
          unlockedAtStart: s.unlockedAtStart,
          start: s.start,
          cliff: s.cliff,
          end: s.end,
          shape: s.shape,
          revocable: s.revocable,
        })),
      ),
    );
  }
  const schedules = schedulesPlanned.map((s, i) => ({ ...s, beneficiary: resolve(s.beneficiary), id: i + 1 }));
  deployment.genesis.scheduleIds = scheduleIdRanges(schedules);

  for (const category of options.genesis.categories) {
    if (category.release.kind === "vesting") continue;
    for (const [i, grant] of category.grants.entries()) {
      await step(`${category.key} ${i + 1}: ${formatOpg(grant.amount)}`, () =>
        token.transfer(resolve(grant.beneficiary), grant.amount),
      );
    }
  }

  for (const measurement of options.teeMeasurements ?? []) {
    if (!(await nodes.isTeeMeasurementApproved(measurement)))
      await step(`approve TEE measurement ${measurement.slice(0, 10)}`, () =>
        nodes.setTeeMeasurementApproval(measurement, true),
      );
  }

  // The dispute path slashes and the escrow credits node fees, both fixed once in Staking; the escrow records the
  // proofs of fulfilled requests.
  const proofsAddress = await proofs.getAddress();
  const escrowAddress = await escrow.getAddress();
  if ((await staking.slasher()) === ethers.ZeroAddress)
    await step("Staking: slasher ProofRegistry, fee source PaymentsEscrow", () =>
      staking.setProtocolContracts(proofsAddress, escrowAddress),
    );
  if ((await staking.slasher()) !== proofsAddress || (await staking.feeSource()) !== escrowAddress)
    throw new Error(`Staking's slasher and fee source are not this deployment's ProofRegistry and PaymentsEscrow`);
  if (!(await proofs.hasRole(await proofs.RECORDER_ROLE(), escrowAddress)))
    await step("ProofRegistry: recorder role to PaymentsEscrow", async () =>
      proofs.grantRole(await proofs.RECORDER_ROLE(), escrowAddress),
    );

  // Admin roles to the timelock; the deployer keeps none.
  const handOver: [
    string,
    {
      hasRole(role: string, a: string): Promise<boolean>;
      grantRole(role: string, a: string): Promise<ContractTransactionResponse>;
      renounceRole(role: string, a: string): Promise<ContractTransactionResponse>;
    },
    string[],
  ][] = [
    ["VestingVault", vesting, [await vesting.SCHEDULE_CREATOR_ROLE(), await vesting.REVOKER_ROLE()]],
    // No slasher for governance: Staking's slasher is the proof registry, fixed once (contracts/SECURITY.md, F1).
    ["Staking", staking, [await staking.PAUSER_ROLE()]],
    ["ModelRegistry", models, []],
    ["NodeRegistry", nodes, [await nodes.JAILER_ROLE()]],
    ["ProofRegistry", proofs, [await proofs.ARBITER_ROLE()]],
    ["PaymentsEscrow", escrow, []],
  ];
  const ADMIN = ethers.ZeroHash; // DEFAULT_ADMIN_ROLE, handed over last
  for (const [name, contract, roles] of handOver) {
    for (const role of [...roles, ADMIN]) {
      if (!(await contract.hasRole(role, timelockAddress)))
        await step(`${name}: grant ${role.slice(0, 10)} to timelock`, () => contract.grantRole(role, timelockAddress));
    }
    for (const role of [...roles, ADMIN]) {
      if (await contract.hasRole(role, deployerAddress))
        await step(`${name}: renounce ${role.slice(0, 10)}`, () => contract.renounceRole(role, deployerAddress));
    }
  }

  // Verify the result against the table, from the chain.
  const circulatingAtTge = await verify(token, vesting, options.genesis, schedules, deployerAddress, resolve);
  const stakingBalance = await token.balanceOf(stakingAddress);
  if (stakingBalance !== ALLOCATION_TABLE.stakingRewards.amount)
    throw new Error(`the staking contract holds ${formatOpg(stakingBalance)}, not the staking-rewards allocation`);
  deployment.genesis.circulatingAtTge = circulatingAtTge.toString();
  deployment.genesis.complete = true;
  save();
  log(
    `genesis verified: supply ${formatOpg(await token.totalSupply())}, circulating at TGE ${formatOpg(circulatingAtTge)}`,
  );

  const file = options.deploymentsDir ? `${options.deploymentsDir}/${chainId}.json` : undefined;
  return {
    deployment,
    timelock,
    token,
    vesting,
    staking,
    models,
    nodes,
    proofs,
    escrow,
    schedules,
    circulatingAtTge,
    file,
  };
}

/** The deployment recorded in `dir` for the chain hre is connected to, if every contract in it is still there. */
export async function recordedDeployment(hre: HardhatRuntimeEnvironment, dir: string): Promise<Deployment | undefined> {
  const chainId = Number((await hre.ethers.provider.getNetwork()).chainId);
  const recorded = readDeployment(chainId, dir);
  if (!recorded) return undefined;
  // A local chain restarts with the same id and new blocks: reuse only what is still on this chain.
  for (const contract of Object.values(recorded.contracts) as DeployedContract[]) {
    const block = await hre.ethers.provider.getBlock(contract.blockNumber);
    const code = await hre.ethers.provider.getCode(contract.address);
    if (!block || block.hash !== contract.blockHash || code === "0x") return undefined;
  }
  return recorded;
}

/** The recorded deployment for this chain, if it is still there; a fresh record otherwise. */
async function resumable(
  hre: HardhatRuntimeEnvironment,
  chainId: number,
  deployer: string,
  options: DeployOptions,
): Promise<Deployment> {
  const fresh: Deployment = {
    chainId,
    network: hre.network.name,
    abiVersion: "",
    deployer,
    startBlock: 0,
    contracts: {},
    genesis: { tge: "", treasury: "", steps: {}, scheduleIds: {}, circulatingAtTge: "", complete: false },
  };
  if (!options.deploymentsDir) return fresh;
  const recorded = await recordedDeployment(hre, options.deploymentsDir);
  if (!recorded) {
    if (readDeployment(chainId, options.deploymentsDir))
      options.log?.("the deployments file records contracts that are not on this chain: deploying everything anew");
    return fresh;
  }
  if (recorded.genesis.tge && recorded.genesis.tge !== options.genesis.tge.toString())
    throw new Error(
      `this chain already has a genesis with TGE ${recorded.genesis.tge}, not ${options.genesis.tge}: ` +
        `set GENESIS_TGE=${recorded.genesis.tge} to resume it, or deploy to a fresh chain`,
    );
  return { ...recorded, network: hre.network.name };
}

function scheduleIdRanges(schedules: { category: CategoryKey; id: number }[]): Record<string, [number, number]> {
  const ranges: Record<string, [number, number]> = {};
  for (const s of schedules) {
    const range = ranges[s.category];
    ranges[s.category] = range ? [range[0], s.id] : [s.id, s.id];
  }
  return ranges;
}

/** Checks the deployed state against the table; returns the circulating supply at TGE read from the chain. */
async function verify(
  token: OPG,
  vesting: VestingVault,
  genesis: Genesis,
  schedules: (GenesisSchedule & { id: number })[],
  deployer: string,
  resolve: (a: string) => string,
): Promise<bigint> {
  const problems: string[] = [];
  const supply = await token.totalSupply();
  if (supply !== TOTAL_SUPPLY) problems.push(`total supply is ${formatOpg(supply)}`);

  let circulating = 0n;
  for (const s of schedules) {
    const onChain = await vesting.getSchedule(s.id);
    if (onChain.beneficiary !== s.beneficiary || onChain.total !== s.total || onChain.end !== s.end)
      problems.push(`schedule ${s.id} (${s.category}) does not match the table`);
    const vested = await vesting.vestedAt(s.id, genesis.tge);
    if (vested !== vestedAt(s, genesis.tge))
      problems.push(`schedule ${s.id} vests ${vested} at TGE, the table says otherwise`);
    circulating += vested;
  }
  for (const category of genesis.categories) {
    if (category.release.kind !== "transfer") continue;
    circulating += category.grants.reduce((sum, g) => sum + g.amount, 0n);
  }
  const expected = circulatingAt(genesis, genesis.tge);
  if (circulating !== expected)
    problems.push(`circulating at TGE is ${formatOpg(circulating)}, the table gives ${formatOpg(expected)}`);

  const ownGrants = genesis.categories
    .filter((c) => c.release.kind !== "vesting")
    .flatMap((c) => c.grants)
    .filter((g) => resolve(g.beneficiary).toLowerCase() === deployer.toLowerCase())
    .reduce((sum, g) => sum + g.amount, 0n);
  const left = await token.balanceOf(deployer);
  if (left > ownGrants)
    problems.push(`the deployer still holds ${formatOpg(left - ownGrants)} that the table gives nobody`);

  if (problems.length > 0)
    throw new Error(`the deployed genesis does not match the table:\n  - ${problems.join("\n  - ")}`);
  return circulating;
}

/** The package version and a short hash of the deployed contracts' ABIs. */
function abiVersion(hre: HardhatRuntimeEnvironment): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { version } = require("../package.json");
  const hash = createHash("sha256");
  for (const name of CONTRACT_NAMES) hash.update(JSON.stringify(hre.artifacts.readArtifactSync(name).abi));
  return `${version}+${hash.digest("hex").slice(0, 12)}`;
}
