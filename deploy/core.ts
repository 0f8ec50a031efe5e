/**
 * The core system, deployed and wired in one place: token, vesting vault, staking, the model and node registries, the
 * proof registry and the payments escrow; then the proof registry as staking's slasher and the escrow as its fee
 * source (both fixed once), and the escrow as the proof registry's recorder. deploySystem runs it through its
 * resumable record (then the genesis and the hand-over to the timelock); test fixtures run it `direct`ly, then add
 * their own setup.
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

/** Deploys the core contracts in dependency order and wires them; `params.admin` holds every role afterwards. */
export async function deployCore(sender: CoreSender, params: CoreParams): Promise<CoreContracts> {
  const { admin, rewards } = params;
  const token = await sender.deploy<OPG>("OPG", [admin]);
  const tokenAddress = await token.getAddress();
  const vesting = await sender.deploy<VestingVault>("VestingVault", [tokenAddress, admin, params.treasury]);
  const staking = await sender.deploy<Staking>("Staking", [
    tokenAddress,
    admin,
    rewards.total,
    rewards.start,
    rewards.duration,
  ]);
  const stakingAddress = await staking.getAddress();
  const models = await sender.deploy<ModelRegistry>("ModelRegistry", [admin]);
  const modelsAddress = await models.getAddress();
  const nodes = await sender.deploy<NodeRegistry>("NodeRegistry", [modelsAddress, stakingAddress, admin]);
  const nodesAddress = await nodes.getAddress();
  const proofs = await sender.deploy<ProofRegistry>("ProofRegistry", [
    tokenAddress,
    nodesAddress,
    stakingAddress,
    admin,
  ]);
  const proofsAddress = await proofs.getAddress();
  const escrow = await sender.deploy<PaymentsEscrow>("PaymentsEscrow", [
    tokenAddress,
    nodesAddress,
    modelsAddress,
    stakingAddress,
    proofsAddress,
    admin,
    params.feeRecipient,
  ]);
  const escrowAddress = await escrow.getAddress();
  const core = { token, vesting, staking, models, nodes, proofs, escrow };
  await params.afterDeploy?.(core);

  // The dispute path slashes and the escrow credits node fees, both fixed once in Staking; the escrow records the
  // proofs of fulfilled requests.
  await sender.call(
    "Staking: slasher ProofRegistry, fee source PaymentsEscrow",
    staking,
    "setProtocolContracts",
    [proofsAddress, escrowAddress],
    async () => (await staking.slasher()) === ZeroAddress,
  );
  const recorder = roleId("RECORDER_ROLE");
  await sender.call(
    "ProofRegistry: recorder role to PaymentsEscrow",
    proofs,
    "grantRole",
    [recorder, escrowAddress],
    async () => !(await proofs.hasRole(recorder, escrowAddress)),
  );
  return core;
}
