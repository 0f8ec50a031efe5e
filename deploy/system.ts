/**
 * Deploys the whole system in dependency order and runs the genesis, resuming from the deployments file:
 * timelock -> the core, deployed and wired (deploy/core.ts) -> genesis (schedules, transfers) -> admin roles to the
 * timelock -> checks.
 */
import { createHash } from "node:crypto";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { BaseContract, Interface, TransactionRequest, getAddress, getCreateAddress } from "ethers";
import type { Signer } from "ethers";

import { CoreContracts, deployCore, roleId } from "./core";
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
  ContractSource,
  DeployedContract,
  Deployment,
  deploymentPath,
  readDeployment,
  writeDeployment,
} from "./lib/deployments";
import { Sender, SenderOptions, detectAutomine, pollInterval } from "./lib/transactions";
import { formatOpg, formatTime } from "./lib/format";
import { MONTH, vestedAt } from "./lib/vesting";
import type { OPG, OPGTimelock, VestingVault } from "../typechain-types";

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
  /** Confirmations to wait for each transaction (default 2); 1 when the node mines each transaction on arrival. */
  confirmations?: number;
  /** Seconds to wait for one transaction before stopping with a resumable error (default 600). */
  txTimeoutSeconds?: number;
  /** Plan only: send nothing, write nothing, return the plan with gas estimates. */
  dryRun?: boolean;
  /** Test hook (OPG_DEPLOY_KILL_AT): kill the process when the Nth transaction of the run reaches a phase. */
  killAt?: SenderOptions["killAt"];
  log?: (line: string) => void;
}

/** One transaction of the deployment as the preflight shows it. */
export interface PlannedAction {
  what: string;
  kind: "deploy" | "call";
  /** done: recorded and on chain, reused; pending: recorded, to be looked up by hash; todo: to be sent. */
  state: "done" | "pending" | "todo";
  /** For a contract: its address (recorded, or the one deployer and nonce will give). */
  address?: string;
  /** Estimated gas (todo and pending only); `estimated` false when it is a fixed allowance, not the node's. */
  gas?: bigint;
  estimated?: boolean;
}

export interface DeployedSystem extends CoreContracts {
  deployment: Deployment;
  timelock: OPGTimelock;
  schedules: (GenesisSchedule & { id: number })[];
  circulatingAtTge: bigint;
  /** Every transaction, in order, with what was already done. */
  plan: PlannedAction[];
  /** Confirmations waited for per transaction. */
  confirmations: number;
  file?: string;
}

/** Gas allowed for a call the node cannot estimate yet (its contract is not deployed): above what each measured. */
const CALL_GAS: Record<string, bigint> = {
  approve: 60_000n,
  transfer: 70_000n,
  grantRole: 60_000n,
  renounceRole: 40_000n,
  setTeeMeasurementApproval: 60_000n,
};
/** createSchedules: per schedule, and once per batch. */
const SCHEDULE_GAS = 140_000n;
const BATCH_GAS = 60_000n;

export async function deploySystem(hre: HardhatRuntimeEnvironment, options: DeployOptions): Promise<DeployedSystem> {
  const log = options.log ?? (() => undefined);
  const { ethers } = hre;
  const dryRun = options.dryRun ?? false;

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

  const deployment = await resumable(hre, chainId, deployerAddress, options);
  const file = options.deploymentsDir ? deploymentPath(chainId, options.deploymentsDir) : undefined;
  const save = () => {
    if (options.deploymentsDir && !dryRun) writeDeployment(deployment, options.deploymentsDir);
  };
  // A node that mines each transaction as it arrives never mines a second block on its own: one confirmation.
  const automine = await detectAutomine(hre);
  const confirmations = automine ? 1 : (options.confirmations ?? 2);
  if (automine && (options.confirmations ?? 1) > 1)
    log(`the node mines each transaction as it arrives: waiting for 1 confirmation, not ${options.confirmations}`);
  const sender = new Sender(hre, deployer, deployerAddress, deployment, {
    confirmations,
    timeoutSeconds: options.txTimeoutSeconds ?? 600,
    // On a chain that mines by itself, a look soon after each block: 2 confirmations cost about 2 block times.
    pollMs: automine ? 20 : await pollInterval(hre),
    save,
    file,
    log,
    killAt: options.killAt,
  });

  const plan: PlannedAction[] = [];
  /** Contracts on chain: only these may be read (a dry run plans the others at their future addresses). */
  const live = new Set<string>();
  // The nonce the plan's next new transaction gets: after any recorded one the node has not seen yet.
  let nextNonce = dryRun ? await sender.nextNonce() : 0;
  for (const t of deployment.transactions) if (t.status === "sent") nextNonce = Math.max(nextNonce, t.nonce + 1);
  const estimate = async (request: TransactionRequest, fallback: bigint, canEstimate: boolean) => {
    if (canEstimate)
      try {
        return { gas: await ethers.provider.estimateGas({ ...request, from: deployerAddress }), estimated: true };
      } catch {
        // depends on an earlier step of the plan: the allowance below
      }
    return { gas: fallback, estimated: false };
  };

  async function deployContract<T>(name: ContractName, args: unknown[]): Promise<T> {
    const what = `${name} deployment`;
    const recorded = deployment.contracts[name];
    const factory = await ethers.getContractFactory(name, deployer);
    if (recorded) {
      log(`${name}: reusing ${recorded.address} (block ${recorded.blockNumber})`);
      plan.push({ what, kind: "deploy", state: "done", address: recorded.address });
      live.add(recorded.address);
      if (!recorded.source && !dryRun) {
        recorded.source = await contractSource(hre, name, factory.interface, args);
        save();
      }
      return (await ethers.getContractAt(name, recorded.address)) as T;
    }
    const request = await factory.getDeployTransaction(...args);
    if (dryRun) {
      const pending = sender.recorded(what);
      const address = pending?.address ?? getCreateAddress({ from: deployerAddress, nonce: nextNonce++ });
      plan.push({
        what,
        kind: "deploy",
        state: pending ? "pending" : "todo",
        address,
        ...(await estimate(request, 0n, true)),
      });
      return (await ethers.getContractAt(name, address)) as T;
    }
    log(`${name}: deploying`);
    const receipt = await sender.send(what, request, true);
    const address = getAddress(receipt.contractAddress!);
    deployment.contracts[name] = {
      address,
      blockNumber: receipt.blockNumber,
      blockHash: receipt.blockHash,
      transactionHash: receipt.hash,
      nonce: sender.recorded(what)!.nonce,
      source: await contractSource(hre, name, factory.interface, args),
    };
    if (deployment.startBlock === 0 || receipt.blockNumber < deployment.startBlock)
      deployment.startBlock = receipt.blockNumber;
    save();
    live.add(address);
    log(`${name}: ${address}`);
    return (await ethers.getContractAt(name, address)) as T;
  }

  // Genesis and roles: every call is recorded before it is sent and marked done once mined, so a rerun picks up
  // where a stopped run left off. `needed` reads the chain to skip what is already so (only once deployed).
  const steps = deployment.genesis.steps;
  async function step(
    what: string,
    contract: BaseContract,
    method: string,
    args: unknown[],
    needed?: () => Promise<boolean>,
  ) {
    if (steps[what]) {
      plan.push({ what, kind: "call", state: "done" });
      return;
    }
    const to = await contract.getAddress();
    const recorded = sender.recorded(what);
    if (!recorded && needed && live.has(to) && !(await needed())) return;
    const request = { to, data: contract.interface.encodeFunctionData(method, args) };
    if (dryRun) {
      const fallback =
        method === "createSchedules"
          ? BATCH_GAS + SCHEDULE_GAS * BigInt((args[0] as unknown[]).length)
          : (CALL_GAS[method] ?? 100_000n);
      plan.push({
        what,
        kind: "call",
        state: recorded ? "pending" : "todo",
        ...(await estimate(request, fallback, live.has(to))),
      });
      if (!recorded) nextNonce++;
      return;
    }
    const receipt = await sender.send(what, request);
    steps[what] = receipt.hash;
    save();
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

  const emission = options.genesis.categories.find((c) => c.key === "stakingRewards")!.release;
  const feeRecipientOption = options.protocolFeeRecipient ?? "burn";
  const feeRecipient =
    feeRecipientOption === "burn"
      ? ethers.ZeroAddress
      : feeRecipientOption === "treasury"
        ? treasury
        : feeRecipientOption;
  // The genesis runs between the core's deployments and its wiring (deployCore's afterDeploy), the order the
  // deployments file has always recorded.
  let schedules: (GenesisSchedule & { id: number })[] = [];
  let resolve = (a: string) => a;
  async function genesis({ token, vesting, staking, nodes }: CoreContracts) {
    const stakingAddress = await staking.getAddress();
    resolve = (a: string) => (a === TIMELOCK ? timelockAddress : a === STAKING ? stakingAddress : a);
    deployment.abiVersion = abiVersion(hre);
    deployment.genesis.tge = options.genesis.tge.toString();
    deployment.genesis.treasury = treasury;

    const vestedTotal = schedulesPlanned.reduce((sum, s) => sum + s.total, 0n);
    await step("approve vesting", token, "approve", [await vesting.getAddress(), vestedTotal]);
    for (let i = 0; i < schedulesPlanned.length; i += SCHEDULES_PER_BATCH) {
      const batch = schedulesPlanned.slice(i, i + SCHEDULES_PER_BATCH);
      await step(`schedules ${i + 1}-${i + batch.length}`, vesting, "createSchedules", [
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
      ]);
    }
    schedules = schedulesPlanned.map((s, i) => ({ ...s, beneficiary: resolve(s.beneficiary), id: i + 1 }));
    deployment.genesis.scheduleIds = scheduleIdRanges(schedules);

    for (const category of options.genesis.categories) {
      if (category.release.kind === "vesting") continue;
      for (const [i, grant] of category.grants.entries()) {
        await step(`${category.key} ${i + 1}: ${formatOpg(grant.amount)}`, token, "transfer", [
          resolve(grant.beneficiary),
          grant.amount,
        ]);
      }
    }

    for (const measurement of options.teeMeasurements ?? []) {
      await step(
        `approve TEE measurement ${measurement.slice(0, 10)}`,
        nodes,
        "setTeeMeasurementApproval",
        [measurement, true],
        async () => !(await nodes.isTeeMeasurementApproved(measurement)),
      );
    }
  }

  // The deployer administers the core until the hand-over below; every call goes through the resumable record.
  const core = await deployCore(
    { deploy: deployContract, call: step },
    {
      admin: deployerAddress,
      treasury,
      rewards: {
        total: ALLOCATION_TABLE.stakingRewards.amount,
        start: options.genesis.tge,
        duration: (emission.kind === "emission" ? emission.months : 96n) * MONTH,
      },
      feeRecipient,
      afterDeploy: genesis,
    },
  );
  const { token, vesting, staking, models, nodes, proofs, escrow } = core;
  const stakingAddress = await staking.getAddress();

  const grant = (what: string, contract: RoleHolder, role: string, to: string) =>
    step(what, contract, "grantRole", [roleId(role), to], async () => !(await contract.hasRole(roleId(role), to)));
  const [proofsAddress, escrowAddress] = [await proofs.getAddress(), await escrow.getAddress()];
  if (!dryRun && ((await staking.slasher()) !== proofsAddress || (await staking.feeSource()) !== escrowAddress))
    throw new Error(`Staking's slasher and fee source are not this deployment's ProofRegistry and PaymentsEscrow`);

  // Admin roles to the timelock; the deployer keeps none.
  const handOver: [string, RoleHolder, string[]][] = [
    ["VestingVault", vesting, ["SCHEDULE_CREATOR_ROLE", "REVOKER_ROLE"]],
    // No slasher for governance: Staking's slasher is the proof registry, fixed once (contracts/SECURITY.md, F1).
    ["Staking", staking, ["PAUSER_ROLE"]],
    ["ModelRegistry", models, []],
    ["NodeRegistry", nodes, ["JAILER_ROLE"]],
    ["ProofRegistry", proofs, ["ARBITER_ROLE"]],
    ["PaymentsEscrow", escrow, []],
  ];
  for (const [name, contract, roles] of handOver) {
    // DEFAULT_ADMIN_ROLE last: granted after the others, renounced after them.
    for (const role of [...roles, "DEFAULT_ADMIN_ROLE"])
      await grant(`${name}: grant ${role} to timelock`, contract, role, timelockAddress);
    for (const role of [...roles, "DEFAULT_ADMIN_ROLE"])
      await step(`${name}: renounce ${role}`, contract, "renounceRole", [roleId(role), deployerAddress], () =>
        contract.hasRole(roleId(role), deployerAddress),
      );
  }

  let circulatingAtTge = circulatingAt(options.genesis, options.genesis.tge);
  if (!dryRun) {
    // Verify the result against the table, from the chain.
    circulatingAtTge = await checkOnChain(token, vesting, options.genesis, schedules, deployerAddress, resolve);
    const stakingBalance = await token.balanceOf(stakingAddress);
    if (stakingBalance !== ALLOCATION_TABLE.stakingRewards.amount)
      throw new Error(`the staking contract holds ${formatOpg(stakingBalance)}, not the staking-rewards allocation`);
    deployment.genesis.circulatingAtTge = circulatingAtTge.toString();
    deployment.genesis.complete = true;
    save();
    log(
      `genesis verified: supply ${formatOpg(await token.totalSupply())}, circulating at TGE ${formatOpg(circulatingAtTge)}`,
    );
  }

  return { deployment, timelock, ...core, schedules, circulatingAtTge, plan, confirmations, file };
}

type RoleHolder = BaseContract & { hasRole(role: string, account: string): Promise<boolean> };

/** What the explorer needs to verify a contract: its name, constructor arguments and compiler settings. */
async function contractSource(
  hre: HardhatRuntimeEnvironment,
  name: ContractName,
  iface: Interface,
  args: unknown[],
): Promise<ContractSource> {
  const artifact = await hre.artifacts.readArtifact(name);
  const contract = `${artifact.sourceName}:${artifact.contractName}`;
  const build = await hre.artifacts.getBuildInfo(contract);
  if (!build) throw new Error(`no build information for ${contract}: run npx hardhat compile`);
  const settings = build.input.settings;
  return {
    contract,
    constructorArgs: JSON.parse(JSON.stringify(args, (_k, v) => (typeof v === "bigint" ? v.toString() : v))),
    constructorArgsEncoded: iface.encodeDeploy(args).slice(2),
    compilerVersion: `v${build.solcLongVersion}`,
    optimizer: { enabled: settings.optimizer?.enabled ?? false, runs: settings.optimizer?.runs ?? 200 },
    evmVersion: settings.evmVersion ?? "default",
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
    transactions: [],
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
async function checkOnChain(
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
