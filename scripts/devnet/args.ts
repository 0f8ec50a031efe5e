/** The command line of `npm start`: flags, their defaults, and errors that name the bad flag. */
import * as path from "node:path";
import { parseArgs } from "node:util";

export const DEFAULT_PORT = 8545;
export const DEFAULT_INDEXER_PORT = 42069;
export const DEFAULT_MONTHS = 14;

export const USAGE = `usage: npm start [-- <flags>]

Runs the whole OPG network locally: a hardhat node, the deployment with the genesis, a scripted life of the
network (models, nodes, stakes, payments, proofs, a slash, months of vesting), then the indexer with its API and
page. Ctrl-C stops everything.

  --port <n>            the hardhat node's JSON-RPC port (default ${DEFAULT_PORT})
  --indexer-port <n>    the indexer's HTTP port: API and page (default ${DEFAULT_INDEXER_PORT})
  --months <n>          months the devnet lives through after TGE (default ${DEFAULT_MONTHS}, 0 to 60)
  --deployments <dir>   where the deployments file is written or read (default deploy/deployments)
  --rpc <url>           no devnet: run only the indexer and page against the deployment on this chain
  --chain-id <n>        with --rpc: the chain id (default: asked from the RPC)
  --print               no devnet: deploy to an in-process chain and print the contracts and unlock timeline
  --help                this text`;

export class ArgError extends Error {}

export interface StartArgs {
  mode: "devnet" | "rpc" | "print" | "help";
  port: number;
  indexerPort: number;
  months: number;
  deploymentsDir?: string;
  rpc?: string;
  chainId?: number;
}

function whole(flag: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  if (!/^\d+$/.test(text) || Number(text) < min || Number(text) > max)
    throw new ArgError(`${flag}: expected a whole number from ${min} to ${max}, got "${text}"`);
  return Number(text);
}

export function parseStartArgs(argv: string[], cwd = process.env.INIT_CWD ?? process.cwd()): StartArgs {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: "string" },
        "indexer-port": { type: "string" },
        months: { type: "string" },
        deployments: { type: "string" },
        rpc: { type: "string" },
        "chain-id": { type: "string" },
        print: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new ArgError((error as Error).message.replace(/^.*?: /, ""));
  }
  const port = whole("--port", values.port as string | undefined, DEFAULT_PORT, 1, 65_535);
  const indexerPort = whole(
    "--indexer-port",
    values["indexer-port"] as string | undefined,
    DEFAULT_INDEXER_PORT,
    1,
    65_535,
  );
  if (port === indexerPort) throw new ArgError(`--port and --indexer-port: both are ${port}; choose two ports`);
  const months = whole("--months", values.months as string | undefined, DEFAULT_MONTHS, 0, 60);
  const rpc = values.rpc as string | undefined;
  if (rpc !== undefined) {
    let url: URL;
    try {
      url = new URL(rpc);
    } catch {
      throw new ArgError(`--rpc: expected an http(s) URL, got "${rpc}"`);
    }
    if (url.protocol !== "http:" && url.protocol !== "https:")
      throw new ArgError(`--rpc: expected an http(s) URL, got a ${url.protocol} URL`);
  }
  const chainIdText = values["chain-id"] as string | undefined;
  if (chainIdText !== undefined && rpc === undefined) throw new ArgError("--chain-id: only with --rpc <url>");
  const chainId = chainIdText === undefined ? undefined : whole("--chain-id", chainIdText, 0, 1, 2 ** 48);
  if (values.print && rpc !== undefined) throw new ArgError("--print and --rpc: use one of them");
  const deployments = values.deployments as string | undefined;
  return {
    mode: values.help ? "help" : values.print ? "print" : rpc !== undefined ? "rpc" : "devnet",
    port,
    indexerPort,
    months,
    deploymentsDir: deployments === undefined ? undefined : path.resolve(cwd, deployments),
    rpc,
    chainId,
  };
}
