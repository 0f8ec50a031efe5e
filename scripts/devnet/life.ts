/**
 * The scripted life of the devnet, after the deployment: model builders publish models, operators stake (at least
 * the own stake required per node) and register nodes (different models, modes and prices), two operators schedule
 * a cut that applies after the staking delay, holders delegate with the highest cut they accept, payers deposit and
 * fund their escrow with each operator whose nodes they pay, post open requests that nodes commit to and then
 * fulfil in a later block, and pay by vouchers that nodes redeem (each payment's node share credited in staking at
 * once), nodes commit proof batches and records, challenged records wait for the arbiter with the stake they could
 * slash locked: a dishonest one is upheld through the timelock (the arbiter) and its node's operator slashed,
 * another is rejected; then time moves on month by month with the vesting releases and reward claims, and at the
 * end one challenge is left pending (its lock and deadline open), so that the chain, the indexer and the page have
 * a history and an open dispute to show.
 *
 * Every actor is one of the node's own accounts (accounts 1-9 hold the genesis allocations, see deploy/config.ts).
 */
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import type { ContractTransactionResponse, Interface, Signer, TransactionReceipt } from "ethers";
import { ZeroHash, id, parseEther } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { DEVNET_TEE_MEASUREMENT } from "../../deploy/config";
import { formatOpg, formatTime } from "../lib/opg";
import { MONTH } from "../lib/units";
import { Mode, maskOf, modeName } from "../lib/modes";
import { domainOf, signVoucher } from "../lib/voucher";
import type { DeployedSystem } from "../../deploy/system";

const { None: NONE, Tee: TEE, Zk: ZK } = Mode;
const RECORD_TYPES = ["bytes32", "bytes32", "bytes32", "bytes32", "uint8", "bytes32"];

/** Who did what: printed by `npm start` and checked by its test. */
export interface LifeSummary {
  investor: string;
  advisor: string;
  payers: string[];
  operators: string[];
  builders: string[];
  models: { id: string; name: string; owner: string }[];
  nodes: { id: string; operator: string; models: string[]; modes: string[] }[];
  slashed: { operator: string; nodeId: string; amount: string; challengeId: string };
  /** The challenge rejected by the arbiter (its bond went to the operator). */
  rejectedChallengeId: string;
  /** The challenge left waiting for the arbiter at the end: its lock and deadline. */
  pendingChallenge: { challengeId: string; nodeId: string; operator: string; lockedStake: string; decideBy: number };
  /** The cuts the operators scheduled and applied, in ppm, by operator. */
  cuts: Record<string, number>;
  months: number;
  vouchersRedeemed: number;
  requestsFulfilled: number;
  releases: number;
  lastBlock: number;
  chainTime: number;
}

export interface LifeOptions {
  months: number;
  /** One line of progress ("month 3/14: ..."). */
  log: (line: string) => void;
}

interface NodePlan {
  operator: number;
  uri: string;
  models: string[];
  modes: number[];
  prices: [string, string, string];
  capacity: number;
}

const MODELS = [
  { name: "llama-3.1-8b-instruct", builder: 14, uri: "hf://meta-llama/Llama-3.1-8B-Instruct", royaltyPpm: 50_000 },
  { name: "mistral-7b-instruct", builder: 14, uri: "hf://mistralai/Mistral-7B-Instruct-v0.3", royaltyPpm: 30_000 },
  {
    name: "stable-diffusion-xl",
    builder: 15,
    uri: "hf://stabilityai/stable-diffusion-xl-base-1.0",
    royaltyPpm: 80_000,
  },
];

const NODES: NodePlan[] = [
  {
    operator: 10,
    uri: "https://node-a.devnet.opg",
    models: ["llama-3.1-8b-instruct", "mistral-7b-instruct"],
    modes: [NONE, TEE],
    prices: ["0.01", "0.03", "0"],
    capacity: 16,
  },
  {
    operator: 11,
    uri: "https://node-b.devnet.opg",
    models: ["llama-3.1-8b-instruct"],
    modes: [NONE],
    prices: ["0.008", "0", "0"],
    capacity: 8,
  },
  {
    operator: 12,
    uri: "https://node-c.devnet.opg",
    models: ["mistral-7b-instruct", "stable-diffusion-xl"],
    modes: [TEE],
    prices: ["0", "0.05", "0"],
    capacity: 4,
  },
  {
    operator: 12,
    uri: "https://node-d.devnet.opg",
    models: ["stable-diffusion-xl"],
    modes: [NONE, TEE],
    prices: ["0.02", "0.06", "0"],
    capacity: 4,
  },
  {
    operator: 13,
    uri: "https://node-e.devnet.opg",
    models: ["llama-3.1-8b-instruct"],
    modes: [NONE, ZK],
    prices: ["0.02", "0", "0.5"],
    capacity: 2,
  },
];

/**
 * Own stake per operator: at least the own stake required per node (5,000 OPG), and with the delegations enough
 * for the most demanding mode of each of its nodes (10k none, 25k TEE, 50k ZK).
 */
const STAKES: Record<number, string> = { 10: "40000", 11: "15000", 12: "60000", 13: "60000" };

/** The cuts operators schedule before anyone delegates (ppm): they apply after the staking's cut delay. */
const CUTS: Record<number, number> = { 10: 100_000, 13: 150_000 };

export async function runLife(
  hre: HardhatRuntimeEnvironment,
  system: DeployedSystem,
  options: LifeOptions,
): Promise<LifeSummary> {
  const { ethers } = hre;
  const provider = ethers.provider;
  const accounts = (await ethers.getSigners()) as unknown as Signer[];
  if (accounts.length < 20) throw new Error(`the devnet needs 20 accounts, the node has ${accounts.length}`);
  const address = await Promise.all(accounts.map((a) => a.getAddress()));
  const { token, vesting, staking, models, nodes, proofs, escrow, timelock } = system;
  const at = async (c: { getAddress(): Promise<string> }) => c.getAddress();
  const [stakingAddress, escrowAddress, proofsAddress] = await Promise.all([at(staking), at(escrow), at(proofs)]);
  const mine = async (tx: Promise<ContractTransactionResponse>) => {
    const receipt = await (await tx).wait();
    if (!receipt || receipt.status !== 1) throw new Error("a devnet transaction failed");
    return receipt;
  };
  /**
   * Sends every transaction, then mines them all in one block: the indexer fetches each block that has events, so
   * fewer blocks start the devnet sooner. A sender's transactions keep their order (nonces); different senders'
   * must not depend on one another.
   */
  const oneBlock = async (sends: (() => Promise<ContractTransactionResponse>)[]) => {
    await provider.send("evm_setAutomine", [false]);
    const sent: ContractTransactionResponse[] = [];
    try {
      for (const send of sends) sent.push(await send());
      await provider.send("evm_mine", []);
    } finally {
      await provider.send("evm_setAutomine", [true]);
    }
    const receipts: TransactionReceipt[] = [];
    for (const tx of sent) {
      const receipt = await tx.wait();
      if (!receipt || receipt.status !== 1) throw new Error(`a devnet transaction failed: ${tx.hash}`);
      receipts.push(receipt);
    }
    return receipts;
  };
  const now = async () => BigInt((await provider.getBlock("latest"))!.timestamp);
  const log = options.log;

  // Genesis holders fund the actors: liquidity (8) the operators, the airdrop (9) the payers, a challenger and a
  // delegator.
  const liquidity = accounts[8];
  const airdrop = accounts[9];
  await oneBlock([
    ...[10, 11, 12, 13].map((op) => () => token.connect(liquidity).transfer(address[op], parseEther("100000"))),
    ...(
      [
        [16, "20000"],
        [17, "20000"],
        [18, "2000"],
        [19, "50000"],
      ] as const
    ).map(
      ([who, amount]) =>
        () =>
          token.connect(airdrop).transfer(address[who], parseEther(amount)),
    ),
  ]);

  // Model builders publish models.
  const modelIds = new Map(MODELS.map((m) => [m.name, id(`weights:${m.name}`)]));
  // Each registration committed in the block before it, as builders do (commitModel).
  await oneBlock(
    MODELS.map(
      (m) => async () =>
        models
          .connect(accounts[m.builder])
          .commitModel(await models.modelCommitmentOf(await accounts[m.builder].getAddress(), modelIds.get(m.name)!)),
    ),
  );
  await oneBlock(
    MODELS.map(
      (m) => () => models.connect(accounts[m.builder]).registerModel(modelIds.get(m.name)!, m.uri, m.royaltyPpm),
    ),
  );
  log(`${MODELS.length} models published by 2 builders`);

  // Operators stake and register nodes.
  await oneBlock([
    ...Object.entries(STAKES).flatMap(([op, amount]) => [
      () => token.connect(accounts[Number(op)]).approve(stakingAddress, parseEther(amount)),
      () => staking.connect(accounts[Number(op)]).stake(parseEther(amount)),
    ]),
    // Every cut change waits the delay, even before the first delegator: delegators see it scheduled.
    ...Object.entries(CUTS).map(
      ([op, cut]) =>
        () =>
          staking.connect(accounts[Number(op)]).setDelegationCut(cut),
    ),
  ]);
  const registered = await oneBlock(
    NODES.map((plan) => () => {
      const params = {
        metadataURI: plan.uri,
        modes: maskOf(plan.modes),
        teeMeasurement: plan.modes.includes(TEE) ? DEVNET_TEE_MEASUREMENT : ZeroHash,
        capacity: plan.capacity,
        prices: plan.prices.map((p) => parseEther(p)) as [bigint, bigint, bigint],
      };
      return nodes.connect(accounts[plan.operator]).registerNode(
        params,
        plan.models.map((name) => modelIds.get(name)!),
      );
    }),
  );
  // Each node's id from its own receipt: the order of different senders in a block is the node's to choose.
  const nodeIds = registered.map((receipt) => eventArg(nodes.interface, receipt, "NodeRegistered", "nodeId") as bigint);
  log(
    `${NODES.length} nodes registered by 4 operators, ${Object.keys(STAKES).length} stakes; ` +
      `${Object.keys(CUTS).length} cuts scheduled`,
  );

  // Holders delegate to operators, each accepting at most the cut it saw scheduled: a fund (19), and the airdrop
  // holder (9) with some room above it.
  await oneBlock([
    () => token.connect(accounts[19]).approve(stakingAddress, parseEther("20000")),
    () => staking.connect(accounts[19]).delegate(address[10], parseEther("20000"), CUTS[10]),
    () => token.connect(airdrop).approve(stakingAddress, parseEther("10000")),
    () => staking.connect(airdrop).delegate(address[13], parseEther("10000"), CUTS[13] + 50_000),
  ]);
  log("2 holders delegated 30,000 OPG with a maximum cut");

  // Payers deposit: a free balance for requests, and an escrow with each operator whose nodes their vouchers pay.
  const payers = [16, 17];
  const escrows: [number, number, string][] = [
    [16, 10, "2000"],
    [16, 11, "1500"],
    [17, 12, "3500"],
  ];
  await oneBlock([
    ...payers.flatMap((p) => [
      () => token.connect(accounts[p]).approve(escrowAddress, parseEther("5000")),
      () => escrow.connect(accounts[p]).deposit(address[p], parseEther("1500")),
    ]),
    ...escrows.map(
      ([p, op, amount]) =>
        () =>
          escrow.connect(accounts[p]).depositToEscrow(address[p], address[op], parseEther(amount)),
    ),
  ]);

  // Vouchers: each payer keeps a cumulative amount per (node, model, mode) and signs a new voucher as it uses more.
  const domain = domainOf(await escrow.eip712Domain());
  const channels = [
    { payer: 16, node: 0, model: "llama-3.1-8b-instruct", mode: TEE, perMonth: 120 },
    { payer: 16, node: 1, model: "llama-3.1-8b-instruct", mode: NONE, perMonth: 300 },
    { payer: 17, node: 2, model: "mistral-7b-instruct", mode: TEE, perMonth: 80 },
    { payer: 17, node: 3, model: "stable-diffusion-xl", mode: NONE, perMonth: 40 },
  ].map((c) => ({ ...c, cumulative: 0n }));
  let vouchersRedeemed = 0;
  /** This round's vouchers (one per channel, cumulative), as transactions for the block they go in. */
  async function payByVouchers(inferencesScale: bigint): Promise<(() => Promise<ContractTransactionResponse>)[]> {
    const issuedAt = await now();
    const signed = [];
    for (const c of channels) {
      const plan = NODES[c.node];
      c.cumulative += BigInt(c.perMonth) * inferencesScale * parseEther(plan.prices[c.mode]);
      const voucher = {
        payer: address[c.payer],
        nodeId: nodeIds[c.node],
        modelId: modelIds.get(c.model)!,
        mode: c.mode,
        cumulativeAmount: c.cumulative,
        issuedAt,
        expiry: issuedAt + 30n * 86_400n,
      };
      signed.push({ ...(await signVoucher(accounts[c.payer], domain, voucher)), c });
    }
    // Node A's operator redeems its own voucher; a facilitator (the deployer) redeems the rest in one batch.
    const [own, ...rest] = signed;
    vouchersRedeemed += signed.length;
    return [
      () => escrow.connect(accounts[NODES[own.c.node].operator]).redeem(own.voucher, own.signature),
      () =>
        escrow.connect(accounts[0]).redeemBatch(
          rest.map((s) => s.voucher),
          rest.map((s) => s.signature),
        ),
    ];
  }
  await oneBlock(await payByVouchers(1n));

  // On-chain requests, paid from the payer's free balance. A request open to any node is fulfilled only with an
  // answer its node committed to in an earlier block; a request naming its node needs no commitment.
  let requestsFulfilled = 0;
  let requestSeq = 0;
  async function request(payer: number, node: number, model: string, mode: number, feeCap: string, named = false) {
    const seq = requestSeq++;
    const deadline = (await now()) + 3_600n;
    const receipt = await mine(
      escrow
        .connect(accounts[payer])
        .postRequest(
          modelIds.get(model)!,
          id(`input-${seq}`),
          mode,
          parseEther(feeCap),
          deadline,
          named ? nodeIds[node] : 0n,
        ),
    );
    const requestId = eventArg(escrow.interface, receipt, "RequestPosted", "requestId") as bigint;
    const operator = escrow.connect(accounts[NODES[node].operator]);
    const [output, proofHash] = [id(`output-${seq}`), id(`attestation-${seq}`)];
    if (!named) {
      const commitment = await escrow.fulfilmentCommitmentOf(requestId, nodeIds[node], output, proofHash);
      await mine(operator.commitFulfilment(requestId, nodeIds[node], commitment));
    }
    // Automining: the fulfilment is in the block after the commitment's.
    await mine(operator.fulfil(requestId, nodeIds[node], output, proofHash));
    requestsFulfilled++;
  }
  await request(16, 0, "llama-3.1-8b-instruct", TEE, "0.05");
  await request(16, 0, "mistral-7b-instruct", NONE, "0.02");
  await request(17, 3, "stable-diffusion-xl", TEE, "0.1", true);
  log(
    `2 payers deposited 10,000 OPG (3,000 free, 7,000 in escrow with 3 operators); ` +
      `${vouchersRedeemed} vouchers redeemed, ${requestsFulfilled} requests fulfilled (2 committed first)`,
  );

  // Proofs: nodes commit batches (Merkle roots) of their inference records; node B commits single records.
  const batches = new Map<number, { tree: StandardMerkleTree<(string | number)[]>; records: (string | number)[][] }>();
  const commits: (() => Promise<ContractTransactionResponse>)[] = [];
  for (const [node, count] of [
    [0, 400],
    [2, 200],
    [3, 100],
  ] as const) {
    const plan = NODES[node];
    const model = modelIds.get(plan.models[0])!;
    const mode = plan.modes[plan.modes.length - 1];
    const records = Array.from({ length: count }, (_, i) => [
      id(`inference-${node}-${i}`),
      model,
      id(`input-${node}-${i}`),
      id(`output-${node}-${i}`),
      mode,
      id(`attestation-${node}-${i}`),
    ]);
    const tree = StandardMerkleTree.of(records, RECORD_TYPES);
    commits.push(() =>
      proofs
        .connect(accounts[plan.operator])
        .commitBatch(nodeIds[node], tree.root, count, `ipfs://devnet-batch-${nodeIds[node]}`),
    );
    batches.set(node, { tree, records });
  }
  for (let i = 0; i < 3; i++)
    commits.push(() =>
      proofs.connect(accounts[11]).commitRecord(nodeIds[1], {
        inferenceId: id(`single-1-${i}`),
        modelId: modelIds.get("llama-3.1-8b-instruct")!,
        inputHash: id(`single-input-${i}`),
        outputHash: id(`single-output-${i}`),
        proofType: NONE,
        proofHash: ZeroHash,
      }),
    );
  await oneBlock(commits);
  log("3 proof batches (700 records) and 3 single records committed");

  // A challenger disputes a record of node C (dishonest: the arbiter upholds it) and one of node A (rejected). The
  // evidence is not a proof a verifier checks: both wait for the arbiter, the slash each could take locked.
  const recordOf = (node: number, i: number) => {
    const [inferenceId, modelId, inputHash, outputHash, proofType, proofHash] = batches.get(node)!.records[i] as [
      string,
      string,
      string,
      string,
      number,
      string,
    ];
    return { inferenceId, modelId, inputHash, outputHash, proofType, proofHash };
  };
  const challenger = accounts[18];
  const bond = await proofs.challengeBond();
  const disputed = [
    [2, 42],
    [0, 7],
  ] as const;
  // Each challenge is committed in an earlier block (commitChallenge), as a challenger must.
  const evidenceOf = (node: number, i: number) => id(`evidence-${node}-${i}`);
  await oneBlock([
    () => token.connect(challenger).approve(proofsAddress, bond * 3n),
    ...disputed.map(([node, i]) => async () => {
      const { tree } = batches.get(node)!;
      const commitment = await proofs.challengeCommitmentOf(
        await challenger.getAddress(),
        nodeIds[node],
        tree.root,
        recordOf(node, i),
        evidenceOf(node, i),
      );
      return proofs.connect(challenger).commitChallenge(commitment);
    }),
  ]);
  const challenged = await oneBlock([
    ...disputed.map(([node, i]) => () => {
      const { tree } = batches.get(node)!;
      return proofs
        .connect(challenger)
        .challenge(nodeIds[node], tree.root, recordOf(node, i), tree.getProof(i), id(`evidence-${node}-${i}`));
    }),
  ]);
  const challengeIds = challenged.map(
    (receipt) => eventArg(proofs.interface, receipt, "RecordChallenged", "challengeId") as string,
  );
  const locked = await staking.lockedStakeOf(address[NODES[2].operator]);
  log(
    `2 records challenged, waiting for the arbiter: ${formatOpg(locked)} of operator ` +
      `${address[NODES[2].operator]}'s stake locked`,
  );
  // The arbiter role is the timelock's: schedule both decisions, wait out its delay, execute.
  const delay = await timelock.getMinDelay();
  const decisions = [
    proofs.interface.encodeFunctionData("resolveChallenge", [challengeIds[0], true]),
    proofs.interface.encodeFunctionData("resolveChallenge", [challengeIds[1], false]),
  ];
  const slashedOperator = address[NODES[2].operator];
  const stakeBefore = await staking.slashableStakeOf(slashedOperator);
  await oneBlock(
    decisions.map(
      (data) => () => timelock.connect(accounts[0]).schedule(proofsAddress, 0, data, ZeroHash, ZeroHash, delay),
    ),
  );
  await provider.send("evm_increaseTime", [Number(delay)]);
  await provider.send("evm_mine", []);
  await oneBlock(
    decisions.map((data) => () => timelock.connect(accounts[18]).execute(proofsAddress, 0, data, ZeroHash, ZeroHash)),
  );
  const slashed = stakeBefore - (await staking.slashableStakeOf(slashedOperator));
  if ((await staking.lockedStakeOf(slashedOperator)) !== 0n) throw new Error("the upheld challenge left a lock");
  log(
    `a record of node ${nodeIds[2]} challenged and upheld by the timelock: operator ${slashedOperator} slashed ` +
      `${formatOpg(slashed)}; a challenge of node ${nodeIds[0]} rejected`,
  );

  // Months pass: each month the vested tokens are released, nodes report in, payers use more and vouchers are
  // redeemed, and now and then fees, royalties and rewards are collected.
  const scheduleCount = Number(await vesting.nextScheduleId()) - 1;
  let releases = 0;
  for (let month = 1; month <= options.months; month++) {
    await provider.send("evm_increaseTime", [Number(MONTH)]);
    await provider.send("evm_mine", []);
    // The month's business, in one block.
    const sends: (() => Promise<ContractTransactionResponse>)[] = [];
    let releasing = 0;
    for (let sid = 1; sid <= scheduleCount; sid++) {
      if ((await vesting.releasableOf(sid)) === 0n) continue;
      const schedule = await vesting.getSchedule(sid);
      const beneficiary = accounts[address.indexOf(schedule.beneficiary)];
      if (!beneficiary) continue; // not one of the node's accounts
      sends.push(() => vesting.connect(beneficiary).release(sid));
      releasing++;
    }
    for (const [i, plan] of NODES.entries())
      sends.push(() => nodes.connect(accounts[plan.operator]).heartbeat(nodeIds[i]));
    sends.push(...(await payByVouchers(BigInt(month + 1))));
    if (month === 1)
      // The scheduled cuts are due (the delay is shorter than a month): anyone may apply them.
      for (const op of Object.keys(CUTS))
        sends.push(() => staking.connect(accounts[0]).applyDelegationCut(address[Number(op)]));
    if (month % 4 === 0) {
      // Node fees were credited in staking with each payment: operators and delegators claim them with the rewards.
      for (const op of [10, 11, 12]) sends.push(() => staking.connect(accounts[op]).claimRewards(address[op]));
      sends.push(() => staking.connect(accounts[19]).claimRewards(address[10]));
      sends.push(() => escrow.connect(accounts[14]).collectRoyalties());
    }
    if (month === 2) {
      // Payer 17 tops up: a deposit to its free balance, then part of it into its escrow with node C and D's operator.
      sends.push(() => token.connect(accounts[17]).approve(escrowAddress, parseEther("2500")));
      sends.push(() => escrow.connect(accounts[17]).deposit(address[17], parseEther("2500")));
      sends.push(() => escrow.connect(accounts[17]).fundEscrow(address[12], parseEther("1000")));
    }
    if (month === 6)
      // Payer 16 takes 500 OPG of its escrow with node B's operator back: it thaws for 30 days.
      sends.push(() => escrow.connect(accounts[16]).thaw(address[11], parseEther("500")));
    if (month === 8) sends.push(() => escrow.connect(accounts[16]).withdraw(address[11]));
    if (month === 5) {
      // The fund takes a quarter of its delegation back (it thaws for 14 days).
      const [shares] = await staking.getDelegation(address[10], address[19]);
      sends.push(() => staking.connect(accounts[19]).undelegate(address[10], shares / 4n));
    }
    const receipts = await oneBlock(sends);
    let released = 0n;
    for (const receipt of receipts.slice(0, releasing))
      released += eventArg(vesting.interface, receipt, "TokensReleased", "amount") as bigint;
    releases += releasing;
    if (month % 3 === 0) await request(16, 0, "llama-3.1-8b-instruct", TEE, "0.05");
    log(`month ${month}/${options.months}: ${formatTime(await now())}, ${formatOpg(released)} released`);
  }
  // The nodes report in once more, so that they are live (eligible) when the devnet is ready.
  await oneBlock(NODES.map((plan, i) => () => nodes.connect(accounts[plan.operator]).heartbeat(nodeIds[i])));

  // At the end, node E commits a record that a challenger disputes: the challenge stays pending, with the stake it
  // could slash locked until the arbiter decides or its deadline passes.
  const lastRecord = {
    inferenceId: id("single-4-last"),
    modelId: modelIds.get("llama-3.1-8b-instruct")!,
    inputHash: id("single-input-last"),
    outputHash: id("single-output-last"),
    proofType: ZK,
    proofHash: id("zk-proof-last"),
  };
  await mine(proofs.connect(accounts[NODES[4].operator]).commitRecord(nodeIds[4], lastRecord));
  await mine(
    proofs
      .connect(challenger)
      .commitChallenge(
        await proofs.challengeCommitmentOf(
          await challenger.getAddress(),
          nodeIds[4],
          ZeroHash,
          lastRecord,
          id("evidence-last"),
        ),
      ),
  );
  const pendingReceipt = await mine(
    proofs.connect(challenger).challenge(nodeIds[4], ZeroHash, lastRecord, [], id("evidence-last")),
  );
  const pendingId = eventArg(proofs.interface, pendingReceipt, "RecordChallenged", "challengeId") as string;
  const pending = await proofs.getChallenge(pendingId);
  if (pending.status !== 1n) throw new Error(`the last challenge is not pending (status ${pending.status})`);
  log(
    `a record of node ${nodeIds[4]} challenged and left pending: ${formatOpg(pending.lockedStake)} locked, ` +
      `the arbiter decides by ${formatTime(pending.decideBy)}`,
  );

  // Empty blocks past the indexer's finality (30 blocks on a local chain): every event above is then final, and
  // the indexer reads it in one backfill instead of block by block.
  // (evm_mine, not hardhat_mine: the blocks hardhat_mine reserves change hash when read, which looks like a reorg.)
  for (let i = 0; i < 32; i++) await provider.send("evm_mine", []);
  const last = await provider.getBlock("latest");
  return {
    investor: address[6],
    advisor: address[7],
    payers: payers.map((p) => address[p]),
    operators: [10, 11, 12, 13].map((o) => address[o]),
    builders: [14, 15].map((b) => address[b]),
    models: MODELS.map((m) => ({ id: modelIds.get(m.name)!, name: m.name, owner: address[m.builder] })),
    nodes: NODES.map((plan, i) => ({
      id: nodeIds[i].toString(),
      operator: address[plan.operator],
      models: plan.models,
      modes: plan.modes.map(modeName),
    })),
    slashed: {
      operator: slashedOperator,
      nodeId: nodeIds[2].toString(),
      amount: slashed.toString(),
      challengeId: challengeIds[0],
    },
    rejectedChallengeId: challengeIds[1],
    pendingChallenge: {
      challengeId: pendingId,
      nodeId: nodeIds[4].toString(),
      operator: address[NODES[4].operator],
      lockedStake: pending.lockedStake.toString(),
      decideBy: Number(pending.decideBy),
    },
    cuts: Object.fromEntries(Object.entries(CUTS).map(([op, cut]) => [address[Number(op)], cut])),
    months: options.months,
    vouchersRedeemed,
    requestsFulfilled,
    releases,
    lastBlock: last!.number,
    chainTime: last!.timestamp,
  };
}

/** An argument of the first event `name` in a receipt, decoded with `iface`. */
function eventArg(iface: Interface, receipt: TransactionReceipt, name: string, arg: string): unknown {
  for (const log of receipt.logs) {
    try {
      const parsed = iface.parseLog(log);
      if (parsed?.name === name) return parsed.args[arg];
    } catch {
      // another contract's event
    }
  }
  throw new Error(`no ${name} event in ${receipt.hash}`);
}

/** Keeps the devnet's nodes live while it runs: a heartbeat from each, as real nodes send every 30 minutes. */
export async function heartbeatAll(hre: HardhatRuntimeEnvironment, system: DeployedSystem, summary: LifeSummary) {
  const signers = (await hre.ethers.getSigners()) as unknown as Signer[];
  const byAddress = new Map(await Promise.all(signers.map(async (s) => [await s.getAddress(), s] as const)));
  for (const node of summary.nodes) {
    const tx = await system.nodes.connect(byAddress.get(node.operator)!).heartbeat(BigInt(node.id));
    await tx.wait();
  }
}
