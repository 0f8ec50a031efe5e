/**
 * The remote networks the deployment knows, and the environment variables each reads. hardhat.config.ts builds
 * its network entries from this table and the preflight names the variables from it, so they cannot drift.
 * No import: hardhat.config.ts loads this before Hardhat is up.
 */

export interface RemoteNetwork {
  /** The variable holding the RPC URL. */
  urlVar: string;
  /** The chain id, fixed, or read from `chainIdVar`. */
  chainId?: number;
  chainIdVar?: string;
}

export const REMOTE_NETWORKS: Record<string, RemoteNetwork> = {
  baseSepolia: { urlVar: "BASE_SEPOLIA_RPC_URL", chainId: 84532 },
  testnet: { urlVar: "TESTNET_RPC_URL", chainIdVar: "TESTNET_CHAIN_ID" },
};

/** Where a remote network points when its URL variable is unset: nothing listens there (the preflight says why). */
export const UNSET_URL = "http://127.0.0.1:0";

/** A private key as DEPLOYER_PRIVATE_KEY may hold it: 32 bytes of hex, with or without 0x. */
export function isPrivateKey(value: string | undefined): value is string {
  return value !== undefined && /^(0x)?[0-9a-fA-F]{64}$/.test(value.trim()) && !/^(0x)?0{64}$/.test(value.trim());
}

/** The key in the form Hardhat and ethers take (0x-prefixed), or undefined. */
export function deployerKey(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const key = env.DEPLOYER_PRIVATE_KEY?.trim();
  if (!isPrivateKey(key)) return undefined;
  return key.startsWith("0x") ? key : `0x${key}`;
}

/** The chain id a remote network is configured with, if any. */
export function remoteChainId(network: RemoteNetwork, env: NodeJS.ProcessEnv = process.env): number | undefined {
  if (network.chainId !== undefined) return network.chainId;
  const text = network.chainIdVar ? env[network.chainIdVar] : undefined;
  return text && /^\d+$/.test(text) ? Number(text) : undefined;
}

/**
 * A remote network's Hardhat entry from the environment: its RPC URL and the deployer key, never printed. A missing
 * URL or a malformed key is left for the deployment's preflight to name, rather than failing here.
 */
export function remoteNetworkConfig(network: RemoteNetwork, env: NodeJS.ProcessEnv = process.env) {
  const key = deployerKey(env);
  return {
    url: env[network.urlVar] || UNSET_URL,
    chainId: remoteChainId(network, env),
    accounts: key ? [key] : [],
  };
}

/** Where the `localhost` network points. */
export function localhostUrl(env: NodeJS.ProcessEnv = process.env): string {
  return env.LOCALHOST_RPC_URL ?? "http://127.0.0.1:8545";
}

/** hardhat-verify's settings: one Etherscan v2 key for every chain; the explorer's URLs can be pointed elsewhere. */
export function etherscanConfig(env: NodeJS.ProcessEnv = process.env) {
  return { apiKey: env.ETHERSCAN_API_KEY ?? "", customChains: explorers(env) };
}

/** The explorer of a chain for hardhat-verify (Etherscan v2 API, one key for every chain). */
export interface Explorer {
  network: string;
  chainId: number;
  urls: { apiURL: string; browserURL: string };
}

/** Base Sepolia's explorer; ETHERSCAN_API_URL and ETHERSCAN_BROWSER_URL point it elsewhere. */
export function explorers(env: NodeJS.ProcessEnv = process.env): Explorer[] {
  return [
    {
      network: "baseSepolia",
      chainId: 84532,
      urls: {
        apiURL: env.ETHERSCAN_API_URL || "https://api.etherscan.io/v2/api",
        browserURL: env.ETHERSCAN_BROWSER_URL || "https://sepolia.basescan.org",
      },
    },
  ];
}
