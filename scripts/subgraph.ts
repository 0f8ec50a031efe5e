/**
 * `npm run subgraph -- [--chain-id <id>] [--network <graph network name>] [--deployments <dir>] [--no-build]`:
 * writes indexer/subgraph/subgraph.yaml from subgraph.template.yaml with each contract's address and start block from
 * the deployments file (deploy/deployments/<chainId>.json) and each event's full signature from the Hardhat
 * artifacts, copies the ABIs from the artifacts to indexer/subgraph/abis/, rewrites schema.graphql from the Ponder
 * schema (scripts/subgraph-schema.ts), then runs `graph codegen` and `graph build` (offline). Nothing in the manifest
 * or the schema is pasted by hand: a redeployment is one command away.
 */
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";

import { CONTRACT_NAMES, DEPLOYMENTS_DIR, Deployment, readDeployment, deploymentPath } from "../deploy/lib/deployments";
import { writeOrCheck } from "./lib/generated";
import { SUBGRAPH_SCHEMA, printSchema } from "./subgraph-schema";

const ROOT = path.join(__dirname, "..");
export const SUBGRAPH_DIR = path.join(ROOT, "indexer", "subgraph");
export const TEMPLATE = path.join(SUBGRAPH_DIR, "subgraph.template.yaml");
const GRAPH = path.join(ROOT, "node_modules", ".bin", "graph");

/** The Graph's names of the chains the deployment knows; any other chain needs --network. */
export const GRAPH_NETWORKS: Record<number, string> = {
  1: "mainnet",
  11155111: "sepolia",
  8453: "base",
  84532: "base-sepolia",
  31337: "hardhat",
};

export interface AbiParam {
  type: string;
  name?: string;
  indexed?: boolean;
  components?: AbiParam[];
}
export interface AbiItem {
  type: string;
  name?: string;
  inputs?: AbiParam[];
}
export type Abi = readonly AbiItem[];

/** Thrown for a bad argument or input: the message says what to fix. */
export class SubgraphError extends Error {}

/** An event's signature as graph-cli writes it in a manifest: `Name(indexed address,uint256,(uint8,bytes32)[])`. */
export function eventSignature(event: AbiItem): string {
  const param = (p: AbiParam): string => {
    const indexed = p.indexed ? "indexed " : "";
    const tuple = /^tuple((\[\d*\])*)$/.exec(p.type);
    if (tuple) return `(${indexed}${p.components!.map(param).join(",")})${tuple[1]}`;
    return `${indexed}${p.type}`;
  };
  return `${event.name}(${(event.inputs ?? []).map(param).join(",")})`;
}

/** The event names of an ABI, sorted. */
export function eventNames(abi: Abi): string[] {
  return abi
    .filter((item) => item.type === "event")
    .map((item) => item.name!)
    .sort();
}

/**
 * The manifest text: every `{{network}}`, `{{address:<Contract>}}`, `{{startBlock:<Contract>}}` and
 * `{{event:<Contract>:<Event>}}` of the template filled in. An unknown placeholder, a contract the deployment lacks or
 * an event the contract's ABI lacks is an error that names it.
 */
export function renderManifest(template: string, deployment: Deployment, abis: Record<string, Abi>, network: string) {
  const where = `deploy/deployments/${deployment.chainId}.json`;
  const contract = (name: string) => {
    const c = deployment.contracts[name as keyof Deployment["contracts"]];
    if (!c) throw new SubgraphError(`${where} has no ${name}: finish the deployment first`);
    return c;
  };
  return template.replace(/\{\{([^}]*)\}\}/g, (_, key: string) => {
    const [kind, name, event] = key.split(":");
    if (kind === "network" && name === undefined) return network;
    if (kind === "address" && name && event === undefined) return contract(name).address.toLowerCase();
    if (kind === "startBlock" && name && event === undefined) return String(contract(name).blockNumber);
    if (kind === "event" && name && event) {
      const abi = abis[name];
      if (!abi) throw new SubgraphError(`subgraph.template.yaml: no ABI for ${name}`);
      const matches = abi.filter((item) => item.type === "event" && item.name === event);
      if (matches.length !== 1)
        throw new SubgraphError(
          `subgraph.template.yaml: ${name} has ${matches.length === 0 ? "no" : "an overloaded"} event ${event}` +
            ` (its events: ${eventNames(abi).join(", ")})`,
        );
      return eventSignature(matches[0]);
    }
    throw new SubgraphError(`subgraph.template.yaml: unknown placeholder {{${key}}}`);
  });
}

/** A contract's ABI from the Hardhat artifacts (artifacts/contracts/<dir>/<Name>.sol/<Name>.json). */
export function readArtifactAbi(name: string, artifactsDir = path.join(ROOT, "artifacts")): Abi {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name === `${name}.json` && path.basename(dir) === `${name}.sol`) found.push(full);
    }
  };
  const contracts = path.join(artifactsDir, "contracts");
  if (fs.existsSync(contracts)) walk(contracts);
  if (found.length !== 1)
    throw new SubgraphError(
      found.length === 0
        ? `no artifact for ${name} in ${artifactsDir}: run \`npx hardhat compile\` first`
        : `several artifacts for ${name}: ${found.join(", ")}`,
    );
  return JSON.parse(fs.readFileSync(found[0], "utf8")).abi as Abi;
}

export interface GenerateOptions {
  chainId: number;
  /** The Graph's network name (the chain graph-node indexes); by default GRAPH_NETWORKS[chainId]. */
  network?: string;
  deploymentsDir?: string;
  /** Where subgraph.yaml goes: indexer/subgraph/ itself or a file directly in it (relative paths stay right). */
  manifest?: string;
  readAbi?: (name: string) => Abi | Promise<Abi>;
}

/** Writes abis/<Contract>.json and the manifest; returns the manifest's path, the network and the deployment. */
export async function generateSubgraph(options: GenerateOptions) {
  const dir = options.deploymentsDir ?? DEPLOYMENTS_DIR;
  const deployment = readDeployment(options.chainId, dir);
  if (!deployment)
    throw new SubgraphError(
      `--chain-id ${options.chainId}: ${deploymentPath(options.chainId, dir)} does not exist (deploy first)`,
    );
  if (deployment.chainId !== options.chainId)
    throw new SubgraphError(`${deploymentPath(options.chainId, dir)} is for chain ${deployment.chainId}`);
  const network = options.network ?? GRAPH_NETWORKS[options.chainId];
  if (!network)
    throw new SubgraphError(`--network is required for chain ${options.chainId} (The Graph's name for the chain)`);
  if (!/^[a-z0-9][a-z0-9-]*$/.test(network))
    throw new SubgraphError(`--network ${JSON.stringify(network)}: lower-case letters, digits and dashes only`);
  const manifest = options.manifest ?? path.join(SUBGRAPH_DIR, "subgraph.yaml");
  if (path.dirname(path.resolve(manifest)) !== SUBGRAPH_DIR)
    throw new SubgraphError(`the manifest must be directly in ${SUBGRAPH_DIR} (its paths are relative): ${manifest}`);

  const readAbi = options.readAbi ?? ((name: string) => readArtifactAbi(name));
  const abis: Record<string, Abi> = {};
  for (const name of CONTRACT_NAMES) abis[name] = await readAbi(name);
  // The template's own header comment says how to fill it in: the manifest gets one that says where it came from.
  const template = fs.readFileSync(TEMPLATE, "utf8").replace(/^(#.*\n)+/, "");
  const text = renderManifest(template, deployment, abis, network);

  fs.mkdirSync(path.join(SUBGRAPH_DIR, "abis"), { recursive: true });
  for (const [name, abi] of Object.entries(abis))
    fs.writeFileSync(path.join(SUBGRAPH_DIR, "abis", `${name}.json`), JSON.stringify(abi, null, 2) + "\n");
  const header =
    `# Generated by scripts/subgraph.ts from subgraph.template.yaml and ${path.relative(ROOT, deploymentPath(deployment.chainId, dir))}` +
    ` (abi ${deployment.abiVersion}). Do not edit: run \`npm run subgraph\`.\n`;
  fs.writeFileSync(manifest, header + text);
  return { manifest, network, deployment };
}

/** Runs graph-cli in indexer/subgraph/; throws with its output when it fails. */
function graph(args: string[], timeoutMs: number): { ms: number; output: string } {
  const started = Date.now();
  const run = spawnSync(GRAPH, args, { cwd: SUBGRAPH_DIR, encoding: "utf8", timeout: timeoutMs });
  const output = `${run.stdout}${run.stderr}`;
  if (run.status !== 0)
    throw new SubgraphError(
      `graph ${args.join(" ")} failed (${run.error?.message ?? `exit ${run.status}`}):\n${output}`,
    );
  return { ms: Date.now() - started, output };
}

/**
 * `graph codegen` (into indexer/subgraph/generated/, which the mappings import) then `graph build`: the times and
 * graph-cli's output (the AssemblyScript compiler's warnings are in it).
 */
export function buildSubgraph(manifest: string, outputDir = path.join(SUBGRAPH_DIR, "build"), timeoutMs = 300_000) {
  const codegen = graph(["codegen", manifest, "--output-dir", path.join(SUBGRAPH_DIR, "generated")], timeoutMs);
  const build = graph(["build", manifest, "--output-dir", outputDir], timeoutMs);
  return { codegenMs: codegen.ms, buildMs: build.ms, outputDir, output: codegen.output + build.output };
}

const USAGE =
  "usage: npm run subgraph -- [--chain-id <id>] [--network <graph network name>] [--deployments <dir>] [--no-build]";

async function main() {
  const { values } = parseArgs({
    options: {
      "chain-id": { type: "string", default: process.env.OPG_CHAIN_ID ?? "31337" },
      network: { type: "string" },
      deployments: { type: "string", default: process.env.OPG_DEPLOYMENTS_DIR },
      "no-build": { type: "boolean", default: false },
    },
    strict: true,
  });
  const chainId = Number(values["chain-id"]);
  if (!Number.isSafeInteger(chainId) || chainId <= 0)
    throw new SubgraphError(`--chain-id ${JSON.stringify(values["chain-id"])}: a positive integer`);
  const { manifest, network } = await generateSubgraph({
    chainId,
    network: values.network,
    deploymentsDir: values.deployments ? path.resolve(values.deployments) : undefined,
  });
  console.log(`wrote ${path.relative(process.cwd(), manifest)} for chain ${chainId} (network ${network})`);
  writeOrCheck(SUBGRAPH_SCHEMA, printSchema(), "npm run subgraph", []);
  if (values["no-build"]) return;
  const { codegenMs, buildMs, outputDir } = buildSubgraph(manifest);
  console.log(
    `graph codegen ${(codegenMs / 1000).toFixed(1)} s, graph build ${(buildMs / 1000).toFixed(1)} s: ` +
      `${path.relative(process.cwd(), outputDir)}/`,
  );
}

if (require.main === module)
  main().catch((error) => {
    if (error instanceof SubgraphError) console.error(`subgraph: ${error.message}`);
    else if (error instanceof TypeError)
      console.error(`subgraph: ${error.message}\n${USAGE}`); // from parseArgs
    else console.error(error);
    process.exitCode = 1;
  });
