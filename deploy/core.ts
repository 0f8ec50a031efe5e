/**
 * The core system, deployed and wired in one place: token, vesting vault, staking, the model and node registries, the
 * proof registry and the payments escrow; then the proof registry as staking's slasher and the escrow as its fee
 * source (both fixed once), and the escrow as the proof registry's recorder. Both halves are tables
 * (CORE_DEPLOYMENTS, CORE_WIRING) that deployCore runs and scripts/foundry-system.ts turns into the Foundry suites'
 * Solidity, so that the order, the constructor arguments and the wiring are written down once. deploySystem runs
 * deployCore through its resumable record (then the genesis and the hand-over to the timelock); test fixtures run it
 * `direct`ly, then add their own setup.
 */
import { ContractFactory, ZeroAddress, ZeroHash, id } from "ethers";
import type { BaseContract, InterfaceAbi, Signer } from "ethers";

import {
  ModelRegistry__factory,
  NodeRegistry__factory,
  OPG__factory,
  PaymentsEscrow__factory,
  ProofRegistry__factory,
  Staking__factory,
  VestingVault__factory,
} from "../typechain-types";
import type {
  ModelRegistry,
  NodeRegistry,
  OPG,
  PaymentsEscrow,
  ProofRegistry,
  Staking,
  VestingVault,
} from "../typechain-types";

/** The core contracts' artifacts, by the name the deployments file records them under. */
const FACTORIES = {
  OPG: OPG__factory,
  VestingVault: VestingVault__factory,
  Staking: Staking__factory,
  ModelRegistry: ModelRegistry__factory,
  NodeRegistry: NodeRegistry__factory,
  ProofRegistry: ProofRegistry__factory,
  PaymentsEscrow: PaymentsEscrow__factory,
} as const;
export type CoreName = keyof typeof FACTORIES;

export interface CoreContracts {
  token: OPG;
  vesting: VestingVault;
  staking: Staking;
  models: ModelRegistry;
  nodes: NodeRegistry;
  proofs: ProofRegistry;
  escrow: PaymentsEscrow;
}

export interface CoreParams {
  /**
   * Receives the whole supply and holds every admin role: deploySystem's deployer (until it hands the roles to the
   * timelock), a test's admin signer.
   */
  admin: string;
  /** Where the vesting vault sends what a revocation takes back. */
  treasury: string;
  /** Staking's reward emission: the amount, its start and its duration in seconds. */
  rewards: { total: bigint; start: bigint; duration: bigint };
  /** Where the escrow sends protocol fees; the zero address burns them. */
  feeRecipient: string;
  /** Runs between the deployments and the wiring: deploySystem's genesis, in the order its record has always had. */
  afterDeploy?: (core: CoreContracts) => Promise<void>;
}

/** How the transactions go out: deploySystem's resumable record, or `direct`ly. */
export interface CoreSender {
  deploy<T extends BaseContract>(name: CoreName, args: unknown[]): Promise<T>;
  /** Sends `method(args)` from the admin; `needed` tells a resumed deployment whether it is still to do. */
  call(
    what: string,
    contract: BaseContract,
    method: string,
    args: unknown[],
    needed?: () => Promise<boolean>,
  ): Promise<void>;
}

/** A role's id: DEFAULT_ADMIN_ROLE is zero, every other OpenZeppelin role is keccak256 of its name. */
export function roleId(name: string): string {
  return name === "DEFAULT_ADMIN_ROLE" ? ZeroHash : id(name);
}

/** Plain transactions on a fresh chain: `deployer` deploys, `admin` (the one of CoreParams) calls. */
export function direct(deployer: Signer, admin: Signer): CoreSender {
  return {
    async deploy<T extends BaseContract>(name: CoreName, args: unknown[]) {
      const { abi, bytecode } = FACTORIES[name];
      return (await new ContractFactory(abi as InterfaceAbi, bytecode, deployer).deploy(...args)) as unknown as T;
    },
    async call(_what: string, contract: BaseContract, method: string, args: unknown[]) {
      const tx = await contract
        .connect(admin)
        .getFunction(method)
        .send(...args);
      await tx.wait();
    },
  };
}

/** One of CoreParams, by the name the tables below give it. */
export const CORE_PARAMS = {
  admin: (p: CoreParams) => p.admin,
  treasury: (p: CoreParams) => p.treasury,
  "rewards.total": (p: CoreParams) => p.rewards.total,
  "rewards.start": (p: CoreParams) => p.rewards.start,
  "rewards.duration": (p: CoreParams) => p.rewards.duration,
  feeRecipient: (p: CoreParams) => p.feeRecipient,
} as const;
export type CoreParam = keyof typeof CORE_PARAMS;

/** A role of the contract a wiring step calls, by its name (OpenZeppelin's `*_ROLE` constant). */
export interface CoreRole {
  role: string;
}
export const role = (name: string): CoreRole => ({ role: name });

/** A constructor or call argument: another core contract (its address), one of CoreParams, or a role. */
export type CoreArg = keyof CoreContracts | CoreParam | CoreRole;

export interface CoreDeployment {
  /** Its key in CoreContracts. */
  key: keyof CoreContracts;
  /** Its contract (and artifact) name, which the deployments file records it under. */
  name: CoreName;
  /** Its constructor's arguments, in order. */
  args: CoreArg[];
}

export interface CoreWiringStep {
  /** What the step does; deploySystem's record knows the step by it, so it never changes once deployed. */
  what: string;
  /** The contract called, from the admin. */
  contract: keyof CoreContracts;
  method: string;
  args: CoreArg[];
  /** Whether a resumed deployment still has to send it (read from the chain). */
  needed: (core: CoreContracts) => Promise<boolean>;
}

/**
 * The core's deployments, in dependency order: each contract's constructor takes only those before it. deployCore
 * runs this table, and scripts/foundry-system.ts writes the Foundry suites' copy from it
 * (test/foundry/utils/SystemWiring.sol).
 */
export const CORE_DEPLOYMENTS: readonly CoreDeployment[] = [
  { key: "token", name: "OPG", args: ["admin"] },
  { key: "vesting", name: "VestingVault", args: ["token", "admin", "treasury"] },
  {
    key: "staking",
    name: "Staking",
    args: ["token", "admin", "rewards.total", "rewards.start", "rewards.duration"],
  },
  { key: "models", name: "ModelRegistry", args: ["admin"] },
  { key: "nodes", name: "NodeRegistry", args: ["models", "staking", "admin"] },
  { key: "proofs", name: "ProofRegistry", args: ["token", "nodes", "staking", "admin"] },
  {
    key: "escrow",
    name: "PaymentsEscrow",
    args: ["token", "nodes", "models", "staking", "proofs", "admin", "feeRecipient"],
  },
];

/**
 * The core's wiring, in order, once every contract is deployed. The dispute path slashes and the escrow credits node
 * fees, both fixed once in Staking; the escrow records the proofs of fulfilled requests.
 */
export const CORE_WIRING: readonly CoreWiringStep[] = [
  {
    what: "Staking: slasher ProofRegistry, fee source PaymentsEscrow",
    contract: "staking",
    method: "setProtocolContracts",
    args: ["proofs", "escrow"],
    needed: async ({ staking }) => (await staking.slasher()) === ZeroAddress,
  },
  {
    what: "ProofRegistry: recorder role to PaymentsEscrow",
    contract: "proofs",
    method: "grantRole",
    args: [role("RECORDER_ROLE"), "escrow"],
    needed: async ({ proofs, escrow }) => !(await proofs.hasRole(roleId("RECORDER_ROLE"), escrow)),
  },
];

/**
 * Deploys the core contracts and wires them as the two tables above say; `params.admin` holds every role
 * afterwards.
 */
export async function deployCore(sender: CoreSender, params: CoreParams): Promise<CoreContracts> {
  const deployed: Partial<Record<keyof CoreContracts, BaseContract>> = {};
  const value = async (arg: CoreArg): Promise<unknown> => {
    if (typeof arg === "object") return roleId(arg.role);
    if (Object.hasOwn(CORE_PARAMS, arg)) return CORE_PARAMS[arg as CoreParam](params);
    const contract = deployed[arg as keyof CoreContracts];
    if (!contract) throw new Error(`deploy/core.ts: ${arg} is used before it is deployed`);
    return contract.getAddress();
  };
  const values = (args: CoreArg[]) => Promise.all(args.map(value));

  for (const { key, name, args } of CORE_DEPLOYMENTS) deployed[key] = await sender.deploy(name, await values(args));
  const core = deployed as CoreContracts;
  await params.afterDeploy?.(core);
  for (const step of CORE_WIRING)
    await sender.call(step.what, core[step.contract], step.method, await values(step.args), () => step.needed(core));
  return core;
}
