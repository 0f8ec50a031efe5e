/**
 * The subgraph (indexer/subgraph/): generated from a real deployment on the in-process network, then `graph codegen`
 * and `graph build` (offline), against the schema.graphql generated from Ponder's tables (schema.test.ts checks it is
 * current). The mappings are compiled and type-checked here, not executed: matchstick and
 * graph-node are not available on this machine.
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import hre from "hardhat";

import { devnetGenesis } from "../../deploy/config";
import { CONTRACT_NAMES, Deployment } from "../../deploy/lib/deployments";
import { deploySystem } from "../../deploy/system";
import {
  Abi,
  GRAPH_NETWORKS,
  SUBGRAPH_DIR,
  SubgraphError,
  buildSubgraph,
  eventNames,
  eventSignature,
  generateSubgraph,
  renderManifest,
} from "../../scripts/subgraph";
import { ROOT } from "../helpers/node";

interface DataSource {
  name: string;
  network?: string;
  address?: string;
  startBlock?: number;
  handlers: { event: string; handler: string }[];
}

/** The data sources of a manifest in the shape subgraph.template.yaml has (no YAML library in the dependencies). */
function dataSources(manifest: string): DataSource[] {
  const sources: DataSource[] = [];
  let current: DataSource | undefined;
  const unquote = (s: string) => s.replace(/^"(.*)"$/, "$1");
  for (const line of manifest.split("\n")) {
    let m: RegExpExecArray | null;
    if (/^ {2}- kind: /.test(line)) sources.push((current = { name: "", handlers: [] }));
    else if (!current) continue;
    else if ((m = /^ {4}name: (\S+)$/.exec(line))) current.name = m[1];
    else if ((m = /^ {4}network: (\S+)$/.exec(line))) current.network = m[1];
    else if ((m = /^ {6}address: (\S+)$/.exec(line))) current.address = unquote(m[1]);
    else if ((m = /^ {6}startBlock: (\S+)$/.exec(line))) current.startBlock = Number(m[1]);
    else if ((m = /^ {8}- event: (.+)$/.exec(line))) current.handlers.push({ event: unquote(m[1]), handler: "" });
    else if ((m = /^ {10}handler: (\S+)$/.exec(line)) && current.handlers.length > 0)
      current.handlers[current.handlers.length - 1].handler = m[1];
  }
  return sources;
}

/** The subgraph's entities (indexer/subgraph/schema.graphql): field name to GraphQL type. */
function subgraphEntities(): Map<string, Map<string, string>> {
  const source = fs.readFileSync(path.join(SUBGRAPH_DIR, "schema.graphql"), "utf8");
  const entities = new Map();
  for (const m of source.matchAll(/type (\w+) @entity\([^)]*\) \{([^}]*)\}/g))
    entities.set(m[1], new Map([...m[2].matchAll(/^\s*(\w+): (\S+)$/gm)].map((f) => [f[1], f[2]])));
  return entities;
}

/**
 * Each mapping file's handlers that only log the event to ProtocolEvent: handler name to the event name logged and the
 * parameters it writes as JSON numbers.
 */
function loggedOnly(contract: string): Map<string, { event: string; numbers: string[] }> {
  const source = fs.readFileSync(path.join(SUBGRAPH_DIR, "src", `${contract}.ts`), "utf8");
  const pattern =
    /export function (handle\w+)\(event: \w+\): void \{\s*logEvent\(event, CONTRACT, "(\w+)"(?:, \[([^\]]*)\])?\);\s*\}/g;
  return new Map(
    [...source.matchAll(pattern)].map((m) => [
      m[1],
      { event: m[2], numbers: [...(m[3] ?? "").matchAll(/"(\w+)"/g)].map((n) => n[1]) },
    ]),
  );
}

/**
 * The events Ponder records as protocol_event rows (indexer/src/Protocol.ts), read from its NAMES list: the role
 * events of each contract listed with `ROLES.map`, and the "<Contract>:<Event>" literals.
 */
function ponderProtocolEvents(): string[] {
  const source = fs.readFileSync(path.join(ROOT, "indexer", "src", "Protocol.ts"), "utf8");
  const roles = /const ROLES = \[([^\]]*)\]/
    .exec(source)![1]
    .match(/"(\w+)"/g)!
    .map((r) => r.slice(1, -1));
  const names = /const NAMES = \[([\s\S]*?)\] as const satisfies/.exec(source)![1];
  return [
    ...[...names.matchAll(/ROLES\.map\(\(r\) => `(\w+):\$\{r\}` as const\)/g)].flatMap((m) =>
      roles.map((r) => `${m[1]}:${r}`),
    ),
    ...[...names.matchAll(/"(\w+:\w+)"/g)].map((m) => m[1]),
  ];
}

/**
 * Each entity a mapping creates (`x = new Entity(...)`), with the fields set before it is saved or returned: assigned,
 * unset, or set by a helper it is passed to (`where(x, event)`, `declare(x, ...)`). graph-node refuses to save an
 * entity with a non-nullable field missing, and the compiler cannot see that.
 */
function constructions(): { file: string; entity: string; fields: Set<string> }[] {
  const src = (f: string) => fs.readFileSync(path.join(SUBGRAPH_DIR, "src", f), "utf8");
  const helpers = new Map<string, string[]>([
    ["where", [...src("common.ts").matchAll(/row\.set\("(\w+)"/g)].map((m) => m[1])],
  ]);
  const found: { file: string; entity: string; fields: Set<string> }[] = [];
  for (const file of fs.readdirSync(path.join(SUBGRAPH_DIR, "src"))) {
    const source = src(file);
    for (const m of source.matchAll(/function (\w+)\(row: \w+[^)]*\): void \{([\s\S]*?)\n\}/g))
      if (!helpers.has(m[1]))
        helpers.set(
          m[1],
          [...m[2].matchAll(/row\.(\w+) =/g)].map((f) => f[1]),
        );
    for (const m of source.matchAll(/(\w+) = new (\w+)\(/g)) {
      const v = m[1];
      const rest = source.slice(m.index!);
      const ends = [rest.indexOf(`${v}.save()`), rest.indexOf(`return ${v};`)].filter((i) => i >= 0);
      const segment = rest.slice(0, Math.min(...ends));
      const fields = new Set([
        ...[...segment.matchAll(new RegExp(`\\b${v}\\.(\\w+) =`, "g"))].map((f) => f[1]),
        ...[...segment.matchAll(new RegExp(`\\b${v}\\.unset\\("(\\w+)"\\)`, "g"))].map((f) => f[1]),
        ...[...segment.matchAll(new RegExp(`(\\w+)\\(${v},`, "g"))].flatMap((f) => helpers.get(f[1]) ?? []),
      ]);
      found.push({ file, entity: m[2], fields });
    }
  }
  return found;
}

const readAbi = async (name: string) => (await hre.artifacts.readArtifact(name)).abi as Abi;

describe("subgraph (indexer/subgraph)", function () {
  // graph codegen + graph build take about 10 s on an idle machine, minutes on a busy one.
  this.timeout(900_000);

  let deploymentsDir: string;
  let outputDir: string;
  let manifestPath: string;
  let manifest: string;
  let deployment: Deployment;
  let built: ReturnType<typeof buildSubgraph>;

  before(async () => {
    deploymentsDir = fs.mkdtempSync(path.join(os.tmpdir(), "opg-subgraph-deployments-"));
    outputDir = fs.mkdtempSync(path.join(os.tmpdir(), "opg-subgraph-build-"));
    const signers = await hre.ethers.getSigners();
    const now = BigInt((await hre.ethers.provider.getBlock("latest"))!.timestamp);
    await deploySystem(hre, {
      genesis: devnetGenesis(
        now,
        signers.map((s) => s.address),
      ),
      timelockMinDelay: 60n,
      deploymentsDir,
    });
    // A manifest of its own beside the template (its paths are relative), so that a developer's subgraph.yaml stays.
    manifestPath = path.join(SUBGRAPH_DIR, `.test-${process.pid}.yaml`);
    const generated = await generateSubgraph({ chainId: 31337, deploymentsDir, manifest: manifestPath, readAbi });
    deployment = generated.deployment;
    manifest = fs.readFileSync(manifestPath, "utf8");
    built = buildSubgraph(manifestPath, outputDir, 600_000);
  });

  after(() => {
    for (const p of [deploymentsDir, outputDir, manifestPath]) if (p) fs.rmSync(p, { recursive: true, force: true });
  });

  it("builds: a WebAssembly module per data source, the schema, the ABIs and the manifest", () => {
    for (const name of CONTRACT_NAMES) {
      const wasm = path.join(outputDir, name, `${name}.wasm`);
      expect(fs.existsSync(wasm), wasm).to.equal(true);
      // "\0asm": a WebAssembly binary, not an empty file
      expect(fs.readFileSync(wasm).subarray(0, 4).toString("hex"), wasm).to.equal("0061736d");
      expect(fs.existsSync(path.join(outputDir, name, `${name}.json`)), `${name} ABI`).to.equal(true);
    }
    expect(fs.readFileSync(path.join(outputDir, "schema.graphql"), "utf8")).to.equal(
      fs.readFileSync(path.join(SUBGRAPH_DIR, "schema.graphql"), "utf8"),
    );
    expect(fs.existsSync(path.join(outputDir, "subgraph.yaml"))).to.equal(true);
  });

  it("compiles the mappings without an AssemblyScript warning (a warning there has hidden a wrong value before)", () => {
    // each warning line, with the "in src/<file>(line,col)" line that locates it
    const warnings = built.output.split("\n").filter((l) => /(WARNING|ERROR) AS\d+|^\s*in src\//.test(l));
    expect(warnings).to.deep.equal([]);
  });

  it("has a handler for every event of every contract's ABI, named handle<Event>, and nothing else", async () => {
    const sources = dataSources(manifest);
    expect(sources.map((s) => s.name).sort()).to.deep.equal([...CONTRACT_NAMES].sort());
    for (const name of CONTRACT_NAMES) {
      const abi = await readAbi(name);
      const expected = abi.filter((item) => item.type === "event").map(eventSignature);
      expect(expected.length, `${name} has events`).to.be.greaterThan(0);
      const source = sources.find((s) => s.name === name)!;
      const handled = source.handlers.map((h) => h.event);
      const missing = expected.filter((e) => !handled.includes(e));
      expect(missing, `${name} events without a handler in subgraph.template.yaml`).to.deep.equal([]);
      expect(handled.sort(), `${name} handlers`).to.deep.equal(expected.sort());
      for (const h of source.handlers) expect(h.handler, h.event).to.equal(`handle${h.event.split("(")[0]}`);
    }
  });

  it("sets every non-nullable field of each entity a mapping creates before saving it", () => {
    const entities = subgraphEntities();
    const made = constructions();
    expect(new Set(made.map((c) => c.entity)).size, "entities created by the mappings").to.equal(entities.size);
    for (const { file, entity, fields } of made) {
      const required = [...entities.get(entity)!].filter(([f, t]) => f !== "id" && t.endsWith("!")).map(([f]) => f);
      expect(
        required.filter((f) => !fields.has(f)),
        `${file}: new ${entity} without`,
      ).to.deep.equal([]);
    }
  });

  it("tables the events Ponder tables and logs exactly Ponder's protocol events to ProtocolEvent", async () => {
    const ponderSource = fs
      .readdirSync(path.join(ROOT, "indexer", "src"))
      .filter((f) => f.endsWith(".ts"))
      .map((f) => fs.readFileSync(path.join(ROOT, "indexer", "src", f), "utf8"))
      .join("\n");
    const ponderTables = new Set([...ponderSource.matchAll(/ponder\.on\("(\w+:\w+)"/g)].map((m) => m[1]));
    const ponderLogs = ponderProtocolEvents();
    expect(ponderTables.size, "Ponder handlers found").to.be.greaterThan(40);
    expect(ponderLogs.length, "Ponder protocol events found").to.be.greaterThan(30);
    expect(new Set(ponderLogs).size, "protocol events listed once").to.equal(ponderLogs.length);
    for (const name of CONTRACT_NAMES) {
      const logged = loggedOnly(name);
      const abi = await readAbi(name);
      for (const [handler, { event, numbers }] of logged) {
        expect(handler, `${name}: ${handler} logs ${event}`).to.equal(`handle${event}`);
        // viem decodes integers of 48 bits or fewer as numbers, which Ponder's JSON writes as numbers
        const inputs = abi.find((item) => item.type === "event" && item.name === event)!.inputs ?? [];
        const small = inputs.filter((p) => /^u?int(\d+)$/.test(p.type) && Number(/\d+$/.exec(p.type)![0]) <= 48);
        expect(numbers, `${name}.${event}: parameters written as JSON numbers`).to.deep.equal(small.map((p) => p.name));
      }
      // a handler that tables an event logs nothing besides
      const source = fs.readFileSync(path.join(SUBGRAPH_DIR, "src", `${name}.ts`), "utf8");
      expect(source.match(/logEvent\(/g)?.length ?? 0, `${name}: logEvent calls`).to.equal(logged.size);
      const events = eventNames(abi);
      const protocol = ponderLogs.filter((e) => e.startsWith(`${name}:`)).map((e) => e.split(":")[1]);
      const tabled = events.filter((e) => ponderTables.has(`${name}:${e}`));
      expect([...logged.values()].map((l) => l.event).sort(), `${name}: events only logged`).to.deep.equal(
        protocol.sort(),
      );
      // Ponder handles every event once: as a table row or as a protocol event
      expect([...tabled, ...protocol].sort(), `${name}: events Ponder handles`).to.deep.equal(events);
    }
    // Ponder's one setup function (the registry's defaults) is the subgraph's once-block handler.
    expect([...ponderTables].filter((h) => h.endsWith(":setup"))).to.deep.equal(["NodeRegistry:setup"]);
    expect(dataSources(manifest).length).to.equal(CONTRACT_NAMES.length);
    expect(manifest).to.match(/- handler: handleSetup\n\s+filter:\n\s+kind: once/);
  });

  it("runs the mappings' calendar (src/day.ts compiled alone): the UTC day JavaScript's Date gives, 1970 to 2399", () => {
    // the AssemblyScript compiler graph-cli uses, on the one mapping file that needs no graph-node host
    const wasm = path.join(outputDir, "day.wasm");
    const asc = spawnSync(
      path.join(ROOT, "node_modules", ".bin", "asc"),
      [path.join(SUBGRAPH_DIR, "src", "day.ts"), "--binaryFile", wasm, "--runtime", "stub"],
      { cwd: ROOT, encoding: "utf8", timeout: 120_000 },
    );
    expect(asc.status, asc.stderr).to.equal(0);
    const abort = () => {
      throw new Error("day.ts aborted");
    };
    // Node's WebAssembly global: the tsconfig's libs do not declare it
    const { WebAssembly: Wasm } = globalThis as unknown as {
      WebAssembly: {
        Module: new (bytes: Uint8Array) => object;
        Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
      };
    };
    const instance = new Wasm.Instance(new Wasm.Module(fs.readFileSync(wasm)), { env: { abort } });
    const civilDay = instance.exports.civilDay as (seconds: bigint) => number;
    const iso = (s: bigint) => Number(new Date(Number(s) * 1000).toISOString().slice(0, 10).replace(/-/g, ""));
    expect([0n, 951_782_400n, 4_107_542_399n].map(civilDay)).to.deep.equal([19700101, 20000229, 21000228]);
    const DAY = 86_400n;
    const wrong: bigint[] = [];
    let checked = 0;
    for (let day = 0n; day < 157_000n; day++)
      for (const s of [day * DAY, day * DAY + 43_210n, day * DAY + DAY - 1n]) {
        checked++;
        if (civilDay(s) !== iso(s)) wrong.push(s);
      }
    expect(wrong.slice(0, 5), "unix times given the wrong day").to.deep.equal([]);
    expect(checked).to.equal(471_000);
    // the statistics' day is this function's, formatted YYYY-MM-DD
    const network = fs.readFileSync(path.join(SUBGRAPH_DIR, "src", "network.ts"), "utf8");
    expect(network).to.contain("const ymd = civilDay(timestamp.toI64());");
    expect(network).to.match(/stats = DailyStats\.load\(day\)/);
  });

  it("takes each contract's address and start block from the deployments file, on one network", () => {
    for (const source of dataSources(manifest)) {
      const recorded = deployment.contracts[source.name as (typeof CONTRACT_NAMES)[number]]!;
      expect(source.address, source.name).to.equal(recorded.address.toLowerCase());
      expect(source.startBlock, source.name).to.equal(recorded.blockNumber);
      expect(source.network, source.name).to.equal("hardhat");
    }
    // The OPG data source's context holds the contracts whose OPG does not circulate: Ponder's LOCKED_CONTRACTS.
    const network = fs.readFileSync(path.join(ROOT, "indexer", "src", "network.ts"), "utf8");
    const lockedList = /const LOCKED_CONTRACTS(?::[^=]*)? = new Set\(\s*\[([\s\S]*?)\]/.exec(network)![1];
    const locked = [...lockedList.matchAll(/config\.contracts\.(\w+)\.address/g)].map((m) => m[1]);
    expect(locked.length, "Ponder's locked contracts").to.be.greaterThan(0);
    const context = /\n {4}name: OPG\n[\s\S]*?\n {4}context:\n([\s\S]*?)\n {4}source:/.exec(manifest)![1];
    const entries = [...context.matchAll(/^ {6}(\w+):\n {8}type: Bytes\n {8}data: "(0x[0-9a-f]{40})"$/gm)];
    expect(Object.fromEntries(entries.map((m) => [m[1], m[2]]))).to.deep.equal(
      Object.fromEntries(
        locked.map((n) => [n, deployment.contracts[n as (typeof CONTRACT_NAMES)[number]]!.address.toLowerCase()]),
      ),
    );
    const onDisk = JSON.parse(fs.readFileSync(path.join(deploymentsDir, "31337.json"), "utf8")) as Deployment;
    expect(onDisk.contracts.OPG!.address).to.equal(deployment.contracts.OPG!.address);
    expect(manifest).to.contain(`${path.relative(ROOT, deploymentsDir)}/31337.json (abi ${onDisk.abiVersion})`);
  });

  it("copies the ABIs from the artifacts", async () => {
    for (const name of CONTRACT_NAMES) {
      const copied = JSON.parse(fs.readFileSync(path.join(SUBGRAPH_DIR, "abis", `${name}.json`), "utf8"));
      expect(copied, name).to.deep.equal(await readAbi(name));
    }
  });

  describe("bad input", () => {
    const abis = { OPG: [{ type: "event", name: "Transfer", inputs: [] }] as Abi };

    it("refuses an event the contract's ABI does not have, naming the contract and its events", () => {
      expect(() => renderManifest('event: "{{event:OPG:Minted}}"', deployment, abis, "hardhat")).to.throw(
        SubgraphError,
        "OPG has no event Minted (its events: Transfer)",
      );
    });

    it("refuses a contract the deployment lacks and an unknown placeholder", () => {
      const partial = { ...deployment, contracts: { OPG: deployment.contracts.OPG } };
      expect(() => renderManifest("{{address:Staking}}", partial, abis, "hardhat")).to.throw(
        SubgraphError,
        /no Staking/,
      );
      expect(() => renderManifest("{{chain}}", deployment, abis, "hardhat")).to.throw(SubgraphError, /\{\{chain\}\}/);
    });

    it("needs --network for a chain The Graph name is not known for, and a deployments file", async () => {
      await expect(generateSubgraph({ chainId: 31337, network: "Base Mainnet", deploymentsDir })).to.be.rejectedWith(
        SubgraphError,
        /--network "Base Mainnet"/,
      );
      await expect(generateSubgraph({ chainId: 4242, deploymentsDir })).to.be.rejectedWith(
        SubgraphError,
        /--chain-id 4242: .*4242\.json does not exist/,
      );
      const other = path.join(deploymentsDir, "4242.json");
      fs.writeFileSync(other, JSON.stringify({ ...deployment, chainId: 4242 }));
      await expect(generateSubgraph({ chainId: 4242, deploymentsDir })).to.be.rejectedWith(
        SubgraphError,
        /--network is required for chain 4242/,
      );
    });

    it("the command names a bad --chain-id", () => {
      const run = spawnSync(
        path.join(ROOT, "node_modules", ".bin", "ts-node"),
        ["--transpile-only", "scripts/subgraph.ts", "--chain-id", "mainnet"],
        { cwd: ROOT, encoding: "utf8", timeout: 120_000 },
      );
      expect(run.status, run.stderr).to.equal(1);
      expect(run.stderr).to.contain('subgraph: --chain-id "mainnet": a positive integer');
    });
  });

  it("names each known chain as The Graph's networks registry (bundled with graph-cli) does", () => {
    const registry = JSON.parse(
      fs.readFileSync(
        path.join(ROOT, "node_modules", "@graphprotocol", "graph-cli", "config", "TheGraphNetworksRegistry.json"),
        "utf8",
      ),
    ) as { networks: { id: string; caip2Id: string }[] };
    for (const [chainId, name] of Object.entries(GRAPH_NETWORKS)) {
      // a local chain has no registry entry: graph-node's config names it, and "hardhat" is ours
      if (chainId === "31337") continue;
      expect(registry.networks.find((n) => n.caip2Id === `eip155:${chainId}`)?.id, `chain ${chainId}`).to.equal(name);
    }
  });

  it("writes event signatures as graph-cli does, tuples and arrays included", () => {
    const event = {
      type: "event",
      name: "E",
      inputs: [
        { type: "address", indexed: true },
        { type: "uint80[3]" },
        {
          type: "tuple[]",
          components: [{ type: "uint8" }, { type: "tuple", components: [{ type: "bytes32" }, { type: "string" }] }],
        },
      ],
    };
    expect(eventSignature(event)).to.equal("E(indexed address,uint80[3],(uint8,(bytes32,string))[])");
    expect(eventNames([event, { type: "function", name: "f" }, { type: "event", name: "A" }])).to.deep.equal([
      "A",
      "E",
    ]);
  });
});
