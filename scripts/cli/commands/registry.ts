/** The commands of the registries: model register, node register, node update, node models, node heartbeat. */
import { ZeroHash } from "ethers";

import { formatOpg, formatPpm, formatTime } from "../../lib/opg";
import type { Nodes } from "../../../typechain-types/contracts/nodes/NodeRegistry";
import { parseBytes32, parseBytes32List, parseModes, parsePercent, parsePrice, parseWhole } from "../args";
import type { Chain } from "../connect";
import { Run, eventsIn } from "../context";
import { CliError, UsageError } from "../errors";
import { MODES, Mode, modeName, modesOf } from "../../lib/modes";
import { queryRange } from "../logs";

/*//////////////////////////////////////////////////////////////////////////
                                    MODELS
//////////////////////////////////////////////////////////////////////////*/

export async function modelRegister(run: Run): Promise<void> {
  const modelId = parseBytes32("<modelId>", run.args[0]);
  const metadata = requireText(run, "metadata");
  const royalty = run.option("royalty") === undefined ? 0n : parsePercent("--royalty", run.option("royalty")!);
  const chain = await run.chain();
  const me = await run.signer();

  // A registration needs the owner's commitment to it from an earlier block, so that nobody who sees it in the
  // mempool can register the same weights first.
  const commitment = await chain.read.models.modelCommitmentOf(me.address, modelId);
  if ((await chain.read.models.modelCommittedAt(me.address, commitment)) === 0n) {
    await run.send("commit model", me.write.models.commitModel(commitment));
  }
  const receipt = await run.send("register model", me.write.models.registerModel(modelId, metadata, royalty));
  const event = eventsIn(receipt, chain.read.models, "ModelRegistered")[0];
  run.out.info(`model ${modelId} registered: owner ${me.address}, royalty ${formatPpm(royalty)}, metadata ${metadata}`);
  run.out.result({
    action: "model register",
    modelId,
    owner: event?.args.owner ?? me.address,
    royaltyPpm: royalty,
    metadataURI: metadata,
    tx: receipt.hash,
    block: receipt.blockNumber,
  });
}

/*//////////////////////////////////////////////////////////////////////////
                                    NODES
//////////////////////////////////////////////////////////////////////////*/

/** The declaration options of node register and node update. */
const DECLARATION_OPTIONS = ["metadata", "modes", "capacity", "tee-measurement", "price-none", "price-tee", "price-zk"];

interface NodeOptions {
  metadata?: string;
  modes?: number;
  capacity?: bigint;
  teeMeasurement?: string;
  prices: (bigint | undefined)[];
  models?: string[];
}

/** Reads and checks the node options as given, each on its own. */
function nodeOptions(run: Run): NodeOptions {
  const text = (name: string) => run.option(name);
  const options: NodeOptions = { prices: MODES.map(() => undefined) };
  if (text("metadata") !== undefined) options.metadata = requireText(run, "metadata");
  if (text("modes") !== undefined) options.modes = parseModes("--modes", text("modes")!);
  if (text("capacity") !== undefined)
    options.capacity = parseWhole("--capacity", text("capacity")!, { min: 1n, max: 2n ** 32n - 1n });
  if (text("tee-measurement") !== undefined)
    options.teeMeasurement = parseBytes32("--tee-measurement", text("tee-measurement")!);
  MODES.forEach((mode, i) => {
    const price = text(`price-${mode}`);
    if (price !== undefined) options.prices[i] = parsePrice(`--price-${mode}`, price);
  });
  if (text("models") !== undefined) options.models = parseBytes32List("--models", text("models")!);
  return options;
}

/** The full declaration: the options given over the node's current one (none for a new node), checked together. */
function declaration(options: NodeOptions, current?: Nodes.NodeStructOutput): Nodes.NodeParamsStruct {
  const modes = options.modes ?? Number(current!.modes);
  const offered = modesOf(modes);
  const tee = offered.includes(Mode.Tee);
  let teeMeasurement = options.teeMeasurement;
  if (teeMeasurement !== undefined && !tee)
    throw new UsageError("--tee-measurement: given, but the node does not offer tee (--modes)");
  if (teeMeasurement === undefined) {
    const kept = current && current.teeMeasurement !== ZeroHash ? current.teeMeasurement : undefined;
    if (tee && !kept) throw new UsageError("--tee-measurement: required when the node offers tee");
    teeMeasurement = tee ? kept! : ZeroHash;
  }
  const prices = MODES.map((mode, i) => {
    const given = options.prices[i];
    if (given !== undefined && !offered.includes(i))
      throw new UsageError(
        `--price-${mode}: the node does not offer ${mode} (--modes ${offered.map(modeName).join(",")})`,
      );
    if (given !== undefined) return given;
    return offered.includes(i) && current ? current.prices[i] : 0n;
  }) as [bigint, bigint, bigint];
  return {
    metadataURI: options.metadata ?? current!.metadataURI,
    modes,
    teeMeasurement,
    capacity: options.capacity ?? current!.capacity,
    prices,
  };
}

export async function nodeRegister(run: Run): Promise<void> {
  const options = nodeOptions(run);
  for (const name of ["metadata", "modes", "capacity"])
    if (run.option(name) === undefined) throw new UsageError(`--${name}: required`);
  const params = declaration(options);
  const models = options.models ?? [];
  const chain = await run.chain();
  const me = await run.signer();
  await warnAboutMeasurement(run, chain, params);

  const receipt = await run.send("register node", me.write.nodes.registerNode(params, models));
  const event = eventsIn(receipt, chain.read.nodes, "NodeRegistered")[0];
  if (!event) throw new CliError(`no NodeRegistered event in ${receipt.hash}`);
  const nodeId: bigint = event.args.nodeId;
  const [required, active] = await Promise.all([
    chain.read.nodes.requiredStakeOf(me.address),
    chain.read.staking.activeStakeOf(me.address),
  ]);
  run.out.info(
    `node ${nodeId} registered: modes ${modesOf(params.modes as number)
      .map(modeName)
      .join(",")}, capacity ${params.capacity}, ${models.length} model(s)`,
  );
  run.out.info(`  your nodes need ${formatOpg(required)} active stake; you have ${formatOpg(active)}`);
  run.out.result({
    action: "node register",
    nodeId,
    operator: me.address,
    ...params,
    models,
    tx: receipt.hash,
    block: receipt.blockNumber,
  });
}

export async function nodeUpdate(run: Run): Promise<void> {
  const nodeId = parseNodeId(run.args[0]);
  const options = nodeOptions(run);
  const declares = DECLARATION_OPTIONS.some((name) => run.option(name) !== undefined);
  if (!declares && options.models === undefined)
    throw new UsageError(
      `nothing to update: give at least one of ${[...DECLARATION_OPTIONS, "models"].map((o) => `--${o}`).join(", ")}`,
    );
  const chain = await run.chain();
  const me = await run.signer();
  const { nodes } = chain.read;

  const current = await nodes.getNode(nodeId);
  if (current.operator !== me.address)
    throw new CliError(`node ${nodeId} is operated by ${current.operator}, not by ${me.address}`);
  if (!current.active) throw new CliError(`node ${nodeId} is deregistered`);
  const params = declaration(options, current);
  const sent: string[] = [];
  if (declares) {
    await warnAboutMeasurement(run, chain, params);
    const receipt = await run.send(`update node ${nodeId}`, me.write.nodes.updateNode(nodeId, params));
    sent.push(receipt.hash);
  }
  if (options.models !== undefined) {
    // The models option names the whole list: add what is missing, remove what is not listed.
    const served = await servedModels(chain, nodeId);
    const add = options.models.filter((m) => !served.includes(m));
    const remove = served.filter((m) => !options.models!.includes(m));
    if (add.length > 0)
      sent.push((await run.send(`add ${add.length} model(s)`, me.write.nodes.addModels(nodeId, add))).hash);
    if (remove.length > 0)
      sent.push((await run.send(`remove ${remove.length} model(s)`, me.write.nodes.removeModels(nodeId, remove))).hash);
  }
  run.out.info(sent.length > 0 ? `node ${nodeId} updated` : `node ${nodeId}: already as asked, nothing sent`);
  run.out.result({ action: "node update", nodeId, ...params, models: options.models, txs: sent });
}

export async function nodeModels(run: Run): Promise<void> {
  const action = run.args[0];
  if (action !== "add" && action !== "remove")
    throw new UsageError(`<add|remove>: expected add or remove, got "${action}"`);
  const nodeId = parseNodeId(run.args[1]);
  const models = run.args.slice(2).map((m) => parseBytes32("<modelId>", m));
  if (models.length === 0) throw new UsageError("<modelId>: give at least one model id");
  const dup = models.find((m, i) => models.indexOf(m) !== i);
  if (dup) throw new UsageError(`<modelId>: ${dup} is listed twice`);
  const chain = await run.chain();
  const me = await run.signer();

  const receipt =
    action === "add"
      ? await run.send(`add ${models.length} model(s) to node ${nodeId}`, me.write.nodes.addModels(nodeId, models))
      : await run.send(
          `remove ${models.length} model(s) from node ${nodeId}`,
          me.write.nodes.removeModels(nodeId, models),
        );
  const node = await chain.read.nodes.getNode(nodeId);
  run.out.info(`node ${nodeId} now serves ${node.modelCount} model(s)`);
  run.out.result({ action: `node models ${action}`, nodeId, models, tx: receipt.hash, block: receipt.blockNumber });
}

export async function nodeHeartbeat(run: Run): Promise<void> {
  const nodeId = parseNodeId(run.args[0]);
  await run.chain();
  const me = await run.signer();
  const receipt = await run.send(`heartbeat of node ${nodeId}`, me.write.nodes.heartbeat(nodeId));
  const chain = await run.chain();
  const event = eventsIn(receipt, chain.read.nodes, "NodeHeartbeat")[0];
  run.out.info(`node ${nodeId} seen at ${formatTime(event?.args.timestamp ?? 0n)}`);
  run.out.result({
    action: "node heartbeat",
    nodeId,
    timestamp: event?.args.timestamp,
    tx: receipt.hash,
    block: receipt.blockNumber,
  });
}

/** The models a node lists now: every NodeModelAdded of the node since the deployment, still served. */
export async function servedModels(chain: Chain, nodeId: bigint): Promise<string[]> {
  const { nodes } = chain.read;
  const latest = await chain.provider.getBlockNumber();
  const added = await queryRange(
    (from, to) => nodes.queryFilter(nodes.filters.NodeModelAdded(nodeId), from, to),
    chain.deployment.startBlock,
    latest,
  );
  const ids = [...new Set(added.map((log) => log.args.modelId.toLowerCase()))];
  const serving = await Promise.all(ids.map((id) => nodes.servesModel(nodeId, id)));
  return ids.filter((_, i) => serving[i]);
}

function parseNodeId(text: string): bigint {
  return parseWhole("<nodeId>", text, { min: 1n });
}

function requireText(run: Run, name: string): string {
  const value = run.option(name);
  if (value === undefined) throw new UsageError(`--${name}: required`);
  if (value.trim() === "") throw new UsageError(`--${name}: must not be empty`);
  return value;
}

async function warnAboutMeasurement(run: Run, chain: Chain, params: Nodes.NodeParamsStruct): Promise<void> {
  if (params.teeMeasurement === ZeroHash) return;
  if (!(await chain.read.nodes.isTeeMeasurementApproved(params.teeMeasurement)))
    run.out.warn(
      `the enclave measurement ${params.teeMeasurement} is not approved: the node will not be eligible for tee until governance approves it`,
    );
}
