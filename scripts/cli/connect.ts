/**
 * Connection and signing: which RPC to talk to, which chain it is, the deployments file for that chain, the
 * protocol contracts in it, and the key that signs. A key is never printed, not even in an error.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { HDNodeWallet, JsonRpcProvider, Network, Wallet, ZeroAddress } from "ethers";

import {
  ContractName,
  DEPLOYMENTS_DIR,
  Deployment,
  deploymentPath,
  readDeployment,
} from "../../deploy/lib/deployments";
import type { ModelRegistry } from "../../typechain-types/contracts/models/ModelRegistry";
import type { PaymentsEscrow } from "../../typechain-types/contracts/payments/PaymentsEscrow";
import type { ProofRegistry } from "../../typechain-types/contracts/proofs/ProofRegistry";
import type { NodeRegistry } from "../../typechain-types/contracts/nodes/NodeRegistry";
import type { Staking } from "../../typechain-types/contracts/staking/Staking";
import type { OPG } from "../../typechain-types/contracts/token/OPG";
import type { VestingVault } from "../../typechain-types/contracts/vesting/VestingVault";
import { ModelRegistry__factory } from "../../typechain-types/factories/contracts/models/ModelRegistry__factory";
import { PaymentsEscrow__factory } from "../../typechain-types/factories/contracts/payments/PaymentsEscrow__factory";
import { ProofRegistry__factory } from "../../typechain-types/factories/contracts/proofs/ProofRegistry__factory";
import { NodeRegistry__factory } from "../../typechain-types/factories/contracts/nodes/NodeRegistry__factory";
import { Staking__factory } from "../../typechain-types/factories/contracts/staking/Staking__factory";
import { OPG__factory } from "../../typechain-types/factories/contracts/token/OPG__factory";
import { VestingVault__factory } from "../../typechain-types/factories/contracts/vesting/VestingVault__factory";
import { parseWhole } from "./args";
import { CliError, EXIT_USAGE, UsageError } from "./errors";
import { Io, processIo } from "./io";
import { askHidden, canAsk } from "./prompt";

/** The chain id of Hardhat's local networks, where --account is allowed. */
export const LOCAL_CHAIN_ID = 31337n;

/** Hardhat's well-known test mnemonic: its accounts are public, so only a local chain accepts them. */
export const HARDHAT_MNEMONIC = "test test test test test test test test test test test junk";

/** The networks --network knows, as in hardhat.config.ts. */
export const NETWORKS: Record<
  string,
  {
    url: (env: NodeJS.ProcessEnv) => string | undefined;
    env?: string;
    chainId?: (env: NodeJS.ProcessEnv) => bigint | undefined;
  }
> = {
  localhost: { url: (env) => env.LOCALHOST_RPC_URL ?? "http://127.0.0.1:8545" },
  baseSepolia: { url: (env) => env.BASE_SEPOLIA_RPC_URL, env: "BASE_SEPOLIA_RPC_URL", chainId: () => 84532n },
  testnet: {
    url: (env) => env.TESTNET_RPC_URL,
    env: "TESTNET_RPC_URL",
    chainId: (env) => (env.TESTNET_CHAIN_ID ? BigInt(env.TESTNET_CHAIN_ID) : undefined),
  },
};

export interface Contracts {
  token: OPG;
  vesting: VestingVault;
  staking: Staking;
  models: ModelRegistry;
  nodes: NodeRegistry;
  /** Connected at the zero address when the deployment has none: commands that use it call requireContracts. */
  escrow: PaymentsEscrow;
  proofs: ProofRegistry;
}

export interface Chain {
  provider: JsonRpcProvider;
  chainId: bigint;
  /** "localhost (chain 31337)": said before every transaction. */
  label: string;
  deployment: Deployment;
  deploymentFile: string;
  /** The contracts, for reading. */
  read: Contracts;
  /** The latest block's timestamp: the chain's "now", which a devnet may have moved ahead of the clock. */
  now(): Promise<bigint>;
}

export interface Signer {
  wallet: Wallet | HDNodeWallet;
  address: string;
  /** The contracts, connected to the signer. */
  write: Contracts;
}

export interface Endpoint {
  url: string;
  name: string;
  /** The chain id the named network must have, when known. */
  expectedChainId?: bigint;
}

/** Where a user-given relative path points: npm run changes to the package root, INIT_CWD is where it was run. */
export function userPath(file: string, env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.INIT_CWD ?? process.cwd(), file);
}

/** The RPC endpoint from --rpc, --network, OPG_RPC_URL, in that order; localhost when none is given. */
export function resolveEndpoint(values: Record<string, unknown>, env: NodeJS.ProcessEnv): Endpoint {
  const networkName = values.network as string | undefined;
  const rpc = (values.rpc as string | undefined) ?? (networkName ? undefined : env.OPG_RPC_URL);
  if (networkName !== undefined && !NETWORKS[networkName])
    throw new UsageError(
      `--network: unknown network "${networkName}" (known: ${Object.keys(NETWORKS).join(", ")}; or pass --rpc <url>)`,
    );
  const known = NETWORKS[networkName ?? "localhost"];
  if (rpc !== undefined) {
    let url: URL;
    try {
      url = new URL(rpc);
    } catch {
      throw new UsageError(`--rpc: expected an http(s) URL, got "${rpc}"`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:")
      throw new UsageError(`--rpc: expected an http(s) URL, got a ${url.protocol} URL`);
    // A hosted RPC URL often carries an API key in its path or query: show only the host.
    return { url: rpc, name: networkName ?? url.host, expectedChainId: networkName ? known.chainId?.(env) : undefined };
  }
  const url = known.url(env);
  if (!url)
    throw new UsageError(
      `--network ${networkName}: set ${known.env} to its RPC URL (in the environment or .env), or pass --rpc <url>`,
    );
  return { url, name: networkName ?? "localhost", expectedChainId: known.chainId?.(env) };
}

/** eth_chainId with a timeout, so that an unreachable node fails fast instead of being retried forever. */
async function fetchChainId(endpoint: Endpoint): Promise<bigint> {
  let body: { result?: string; error?: { message?: string } };
  try {
    const res = await fetch(endpoint.url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(15_000),
    });
    body = (await res.json()) as typeof body;
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (error as Error).message;
    throw new CliError(`cannot reach the RPC of ${endpoint.name}: ${why}`);
  }
  if (!body.result)
    throw new CliError(`the RPC of ${endpoint.name} did not answer eth_chainId: ${body.error?.message}`);
  return BigInt(body.result);
}

/** Connects, reads the deployments file for the chain, and checks that its contracts are there. */
export async function connect(values: Record<string, unknown>, env: NodeJS.ProcessEnv): Promise<Chain> {
  const endpoint = resolveEndpoint(values, env);
  const chainId = await fetchChainId(endpoint);
  if (endpoint.expectedChainId !== undefined && endpoint.expectedChainId !== chainId)
    throw new CliError(
      `the RPC of ${endpoint.name} is chain ${chainId}, but ${endpoint.name} is chain ${endpoint.expectedChainId}`,
    );
  const label = `${endpoint.name} (chain ${chainId})`;
  const provider = new JsonRpcProvider(endpoint.url, Network.from(chainId), {
    staticNetwork: true,
    // No cache of repeated requests: a second transaction right after a first must see the new nonce.
    cacheTimeout: -1,
    pollingInterval: chainId === LOCAL_CHAIN_ID ? 250 : 2_000,
  });

  const dirOption = (values.deployments as string | undefined) ?? env.OPG_DEPLOYMENTS_DIR;
  const dir = dirOption ? userPath(dirOption, env) : DEPLOYMENTS_DIR;
  const file = deploymentPath(chainId, dir);
  let deployment: Deployment | undefined;
  try {
    deployment = readDeployment(chainId, dir);
  } catch (error) {
    provider.destroy();
    throw new CliError(`cannot read the deployments file ${file}: ${(error as Error).message}`, EXIT_USAGE);
  }
  if (!deployment) {
    provider.destroy();
    throw new CliError(
      `no deployment of chain ${chainId} in ${dir} (no ${path.basename(file)}): deploy first ` +
        `(npm run deploy -- --network ${endpoint.name === "localhost" ? "localhost" : "<name>"}) or pass --deployments <dir>`,
      EXIT_USAGE,
    );
  }
  const needed: ContractName[] = ["OPG", "VestingVault", "Staking", "ModelRegistry", "NodeRegistry"];
  const missing = needed.filter((name) => !deployment!.contracts[name]?.address);
  if (missing.length > 0) {
    provider.destroy();
    throw new CliError(`${file} has no ${missing.join(", ")}: the deployment is incomplete; run it again`, EXIT_USAGE);
  }
  const address = (name: ContractName) => deployment!.contracts[name]!.address;
  const codes = await Promise.all(needed.map((name) => provider.getCode(address(name))));
  const absent = needed.filter((_, i) => codes[i] === "0x");
  if (absent.length > 0) {
    provider.destroy();
    throw new CliError(
      `${file} records ${absent.join(", ")} at addresses where chain ${chainId} has no contract ` +
        `(a restarted local node?): deploy again`,
    );
  }
  return {
    provider,
    chainId,
    label,
    deployment,
    deploymentFile: file,
    read: contractsOf(deployment, provider),
    async now() {
      const block = await provider.getBlock("latest");
      return BigInt(block!.timestamp);
    },
  };
}

export function contractsOf(deployment: Deployment, runner: JsonRpcProvider | Wallet | HDNodeWallet): Contracts {
  const at = (name: ContractName) => deployment.contracts[name]?.address ?? ZeroAddress;
  return {
    token: OPG__factory.connect(at("OPG"), runner),
    vesting: VestingVault__factory.connect(at("VestingVault"), runner),
    staking: Staking__factory.connect(at("Staking"), runner),
    models: ModelRegistry__factory.connect(at("ModelRegistry"), runner),
    nodes: NodeRegistry__factory.connect(at("NodeRegistry"), runner),
    escrow: PaymentsEscrow__factory.connect(at("PaymentsEscrow"), runner),
    proofs: ProofRegistry__factory.connect(at("ProofRegistry"), runner),
  };
}

/**
 * Checks that the deployment has the contracts a command needs beyond the core ones (the payments escrow, the
 * proof registry), and that the chain has code at their addresses; a deployment made before them is refused.
 */
export async function requireContracts(chain: Chain, names: ContractName[]): Promise<void> {
  const missing = names.filter((name) => !chain.deployment.contracts[name]?.address);
  if (missing.length > 0)
    throw new CliError(
      `${chain.deploymentFile} has no ${missing.join(", ")}: the deployment predates them; deploy again`,
      EXIT_USAGE,
    );
  const codes = await Promise.all(
    names.map((name) => chain.provider.getCode(chain.deployment.contracts[name]!.address)),
  );
  const absent = names.filter((_, i) => codes[i] === "0x");
  if (absent.length > 0)
    throw new CliError(
      `${chain.deploymentFile} records ${absent.join(", ")} at addresses where chain ${chain.chainId} has no contract ` +
        `(a restarted local node?): deploy again`,
    );
}

/** Which key the command line asks for, checked before anything connects. */
export function checkSignerOptions(values: Record<string, unknown>): void {
  if (values.account !== undefined && values.keystore !== undefined)
    throw new UsageError("--account and --keystore: use one of them");
  if (values.account !== undefined) parseWhole("--account", values.account as string, { min: 0n, max: 10_000n });
}

/**
 * The signing key: --keystore, or --account on a local chain, or OPG_PRIVATE_KEY. Undefined when none is given.
 */
export async function loadSigner(
  values: Record<string, unknown>,
  env: NodeJS.ProcessEnv,
  chain: Chain,
  io: Io = processIo,
): Promise<Signer | undefined> {
  checkSignerOptions(values);
  let wallet: Wallet | HDNodeWallet | undefined;
  if (values.account !== undefined) {
    const n = parseWhole("--account", values.account as string, { min: 0n, max: 10_000n });
    if (chain.chainId !== LOCAL_CHAIN_ID)
      throw new UsageError(
        `--account: only on a local chain (chain id ${LOCAL_CHAIN_ID}), this is ${chain.label}; use OPG_PRIVATE_KEY or --keystore`,
      );
    wallet = HDNodeWallet.fromPhrase(HARDHAT_MNEMONIC, undefined, `m/44'/60'/0'/0/${n}`);
  } else if (values.keystore !== undefined) {
    const file = userPath(values.keystore as string, env);
    let json: string;
    try {
      json = fs.readFileSync(file, "utf8");
    } catch (error) {
      throw new UsageError(`--keystore: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? "error"})`);
    }
    let password = env.OPG_KEYSTORE_PASSWORD;
    if (password === undefined) {
      if (!canAsk(io))
        throw new UsageError(
          "--keystore: set OPG_KEYSTORE_PASSWORD, or run in a terminal to be asked for the password",
        );
      password = await askHidden(io, `password for ${path.basename(file)}`);
    }
    try {
      wallet = await Wallet.fromEncryptedJson(json, password);
    } catch {
      throw new UsageError(`--keystore: cannot decrypt ${file}: wrong password, or not an encrypted JSON wallet`);
    }
  } else if (env.OPG_PRIVATE_KEY) {
    try {
      wallet = new Wallet(env.OPG_PRIVATE_KEY.trim());
    } catch {
      // The value itself is never echoed.
      throw new UsageError("OPG_PRIVATE_KEY: not a private key (expected 64 hex digits, with or without 0x)");
    }
  }
  if (!wallet) return undefined;
  const connected = wallet.connect(chain.provider);
  return { wallet: connected, address: connected.address, write: contractsOf(chain.deployment, connected) };
}

/** The signer, or a usage error that says how to give one. */
export function requireSigner(signer: Signer | undefined, command: string): Signer {
  if (!signer)
    throw new UsageError(
      "no signing key: set OPG_PRIVATE_KEY, or pass --keystore <file>, or --account <n> on a local chain",
      command,
    );
  return signer;
}
