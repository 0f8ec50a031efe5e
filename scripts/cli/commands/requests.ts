/**
 * On-chain requests: `request show` (a request, the answers nodes committed to, and its fulfilment) and `request
 * fulfil` (a node's operator answers a request; a request open to any node takes two transactions: the answer is
 * committed first, then revealed in a later block, so that a copier of a pending answer cannot take the work).
 */
import { ZeroAddress } from "ethers";

import { formatOpg, formatTime } from "../../lib/opg";
import { parseBytes32, parseWhole } from "../args";
import { requireContracts } from "../connect";
import { Run, eventsIn } from "../context";
import { CliError, describeRevertData, findRevertData, protocolErrorName } from "../errors";
import { formatDuration } from "../format";
import { modeName } from "../../lib/modes";
import { queryRange } from "../logs";

const UINT64_MAX = 2n ** 64n - 1n;
const REQUEST_STATUS = ["none", "open", "fulfilled", "reclaimed"];
/** How long `request fulfil` waits for the block after its commitment's. */
const NEXT_BLOCK_WAIT_MS = 120_000;

/*//////////////////////////////////////////////////////////////////////////
                                     SHOW
//////////////////////////////////////////////////////////////////////////*/

export async function requestShow(run: Run): Promise<void> {
  const requestId = parseWhole("<requestId>", run.args[0]);
  const chain = await run.chain();
  await requireContracts(chain, ["PaymentsEscrow"]);
  const { escrow } = chain.read;
  const latest = await chain.provider.getBlock("latest");
  const now = BigInt(latest!.timestamp);
  const from = chain.deployment.startBlock;
  const to = latest!.number;

  const request = await escrow.getRequest(requestId);
  if (request.status === 0n) throw new CliError(`<requestId>: there is no request ${requestId}`);
  const [commits, fulfilled] = await Promise.all([
    queryRange((a, b) => escrow.queryFilter(escrow.filters.FulfilmentCommitted(requestId), a, b), from, to),
    queryRange((a, b) => escrow.queryFilter(escrow.filters.RequestFulfilled(requestId), a, b), from, to),
  ]);
  const commitments = commits.map((e) => ({
    nodeId: e.args.nodeId,
    commitment: e.args.commitment,
    block: e.blockNumber,
    tx: e.transactionHash,
  }));
  const fulfilment = fulfilled[0]
    ? {
        nodeId: fulfilled[0].args.nodeId,
        outputHash: fulfilled[0].args.outputHash,
        proofHash: fulfilled[0].args.proofHash,
        price: fulfilled[0].args.price,
        refunded: fulfilled[0].args.refunded,
        block: fulfilled[0].blockNumber,
      }
    : null;
  const status = REQUEST_STATUS[Number(request.status)] ?? `status ${request.status}`;

  run.out.result({
    requestId,
    status,
    payer: request.payer,
    modelId: request.modelId,
    inputHash: request.inputHash,
    mode: modeName(Number(request.mode)),
    feeCap: request.feeCap,
    nodeId: request.nodeId,
    postedAt: request.postedAt,
    deadline: request.deadline,
    commitments,
    fulfilment,
  });
  if (run.out.json) return;

  const out = run.out;
  out.info(`request ${requestId} on ${chain.label}: ${status}`);
  const deadline =
    request.deadline >= now
      ? `${formatTime(request.deadline)} (in ${formatDuration(request.deadline - now)})`
      : `${formatTime(request.deadline)} (passed ${formatDuration(now - request.deadline)} ago)`;
  out.rows([
    ["payer", request.payer],
    ["model", request.modelId],
    ["mode", modeName(Number(request.mode))],
    ["input hash", request.inputHash],
    ["fee cap", formatOpg(request.feeCap)],
    [
      "node",
      request.nodeId === 0n
        ? "any eligible node (it commits its answer first, then fulfils in a later block)"
        : `node ${request.nodeId} only (no commitment needed)`,
    ],
    ["posted", formatTime(request.postedAt)],
    ["deadline", deadline],
  ]);
  out.info();
  if (commitments.length === 0) out.info("commitments: none");
  else {
    out.info("commitments:");
    out.table(
      ["node", "commitment", "block"],
      commitments.map((c) => [String(c.nodeId), c.commitment, String(c.block)]),
      { right: [true, false, true] },
    );
  }
  if (fulfilment) {
    out.info();
    out.info(`fulfilled by node ${fulfilment.nodeId} in block ${fulfilment.block}:`);
    out.rows([
      ["output hash", fulfilment.outputHash],
      ["proof hash", fulfilment.proofHash],
      ["paid", `${formatOpg(fulfilment.price)} (${formatOpg(fulfilment.refunded)} of the cap back to the payer)`],
    ]);
  }
}

/*//////////////////////////////////////////////////////////////////////////
                                    FULFIL
//////////////////////////////////////////////////////////////////////////*/

export async function requestFulfil(run: Run): Promise<void> {
  const requestId = parseWhole("<requestId>", run.args[0]);
  const nodeId = parseWhole("--node", run.option("node")!, { max: UINT64_MAX });
  const outputHash = parseBytes32("--output", run.option("output")!, { allowZero: true });
  const proofHash = parseBytes32("--proof", run.option("proof")!, { allowZero: true });
  const chain = await run.chain();
  await requireContracts(chain, ["PaymentsEscrow"]);
  const me = await run.signer();
  const { escrow, nodes } = chain.read;

  const [request, [operator], now] = await Promise.all([
    escrow.getRequest(requestId),
    nodes.nodeOperatorOf(nodeId),
    chain.now(),
  ]);
  if (request.status === 0n) throw new CliError(`<requestId>: there is no request ${requestId}`);
  const price = operator === ZeroAddress ? 0n : await nodes.priceOf(nodeId, request.mode);
  if (request.status !== 1n)
    throw new CliError(`request ${requestId} is not open (it is ${REQUEST_STATUS[Number(request.status)]})`);
  if (operator === ZeroAddress) throw new CliError(`--node: there is no node ${nodeId}`);
  if (operator !== me.address) throw new CliError(`node ${nodeId} is operated by ${operator}, not by ${me.address}`);
  if (request.nodeId !== 0n && request.nodeId !== nodeId)
    throw new CliError(`request ${requestId} is for node ${request.nodeId}, not node ${nodeId}`);
  const open = request.nodeId === 0n;
  const commitment = await escrow.fulfilmentCommitmentOf(requestId, nodeId, outputHash, proofHash);
  // A commitment already made (by an earlier run) is not made again: its first block is what counts.
  const committed = open
    ? (
        await queryRange(
          (a, b) => escrow.queryFilter(escrow.filters.FulfilmentCommitted(requestId, nodeId), a, b),
          chain.deployment.startBlock,
          await chain.provider.getBlockNumber(),
        )
      ).find((e) => e.args.commitment === commitment)
    : undefined;
  // The chain's own checks, before asking: a revert is decoded into words and nothing is sent.
  if (open && !committed) await me.write.escrow.commitFulfilment.staticCall(requestId, nodeId, commitment);
  if (!open) await me.write.escrow.fulfil.staticCall(requestId, nodeId, outputHash, proofHash);

  const steps = !open
    ? "fulfil (one transaction: the request names this node)"
    : committed
      ? `fulfil (one transaction: the answer was committed in block ${committed.blockNumber})`
      : "commit the answer, then fulfil in a later block (two transactions)";
  await run.confirm(`Fulfil request ${requestId} with node ${nodeId}`, [
    ["operator", me.address],
    ["model", `${request.modelId} with ${modeName(Number(request.mode))}`],
    ["output hash", outputHash],
    ["proof hash", proofHash],
    ["paid", `${formatOpg(price)} (the node's price in force; the fee cap is ${formatOpg(request.feeCap)})`],
    ["deadline", `${formatTime(request.deadline)} (in ${formatDuration(request.deadline - now)})`],
    ["steps", steps],
  ]);

  let commitBlock = committed?.blockNumber;
  if (open && !committed) {
    const receipt = await run.send("commit answer", me.write.escrow.commitFulfilment(requestId, nodeId, commitment));
    commitBlock = receipt.blockNumber;
    run.out.info(
      `  answer committed (${commitment}); waiting for a block after ${commitBlock} to fulfil: ` +
        "an open request pays only an answer committed in an earlier block",
    );
  }
  // Simulated on the pending block, the one the fulfil goes in: after the commitment's.
  if (open)
    await untilAfter(run, commitBlock!, () =>
      me.write.escrow.fulfil.staticCall(requestId, nodeId, outputHash, proofHash, { blockTag: "pending" }),
    );
  const receipt = await run.send("fulfil", me.write.escrow.fulfil(requestId, nodeId, outputHash, proofHash));
  const event = eventsIn(receipt, escrow, "RequestFulfilled")[0];
  const paid: bigint = event?.args.price ?? price;
  const refunded: bigint = event?.args.refunded ?? request.feeCap - price;
  run.out.info(
    `fulfilled request ${requestId} with node ${nodeId}: paid ${formatOpg(paid)}, ` +
      `${formatOpg(refunded)} of the cap back to the payer`,
  );
  run.out.result({
    action: "request fulfil",
    requestId,
    nodeId,
    operator: me.address,
    commitment: open ? commitment : null,
    commitBlock: commitBlock ?? null,
    price: paid,
    refunded,
    tx: receipt.hash,
    block: receipt.blockNumber,
  });
}

/**
 * Waits until the fulfil can go in a block after `block`: the chain has mined past it, or the fulfil's simulation on
 * the pending block passes (a chain that mines only on demand, as Hardhat's automine, mines the next block for the
 * fulfil itself), up to NEXT_BLOCK_WAIT_MS.
 */
async function untilAfter(run: Run, block: number, simulate: () => Promise<unknown>): Promise<void> {
  const chain = await run.chain();
  const deadline = Date.now() + NEXT_BLOCK_WAIT_MS;
  for (;;) {
    if ((await chain.provider.getBlockNumber()) > block) return;
    try {
      await simulate();
      return;
    } catch (error) {
      const data = findRevertData(error);
      const name = data && data.length >= 10 ? protocolErrorName(data.slice(0, 10)) : undefined;
      if (name !== "EscrowNotCommitted") throw new CliError(data ? describeRevertData(data) : String(error));
    }
    if (Date.now() > deadline)
      throw new CliError(
        `no block after ${block} in ${NEXT_BLOCK_WAIT_MS / 1000} s: the answer is committed; ` +
          "run the same command again to fulfil",
      );
    await new Promise((r) => setTimeout(r, 1_000));
  }
}
