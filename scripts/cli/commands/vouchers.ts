/**
 * Vouchers: `voucher sign` (the payer signs, off chain, an EIP-712 voucher that it owes a node a cumulative amount
 * for a model and mode; nothing is sent) and `voucher redeem` (anyone submits signed vouchers; the escrow pays each
 * node what it has not yet collected). Redeem checks every voucher first with the escrow's views and the same rules
 * as the contract, says what each will pay or why it will be skipped, and after the transaction reads the
 * PaymentCollected and VoucherSkipped events back into words.
 */
import { Interface, TypedDataDomain } from "ethers";

import { formatOpg, formatTime } from "../../lib/opg";
import { parseAmount, parseBytes32, parseDeadline, parseMode, parseWhole } from "../args";
import { Chain, requireContracts } from "../connect";
import { Run, eventsIn } from "../context";
import { CliError, UsageError, describeRevertData, encodeProtocolError, protocolErrorName } from "../errors";
import { SignedVoucher, Voucher, VoucherEntry, checkWritable, readVoucherFile, voucherJson, writeJson } from "../files";
import { eligibilityWords, formatDuration, toJson } from "../format";
import { modeName } from "../../lib/modes";
import { PPM } from "../../lib/units";
import { domainOf, signVoucher, voucherDigest, voucherSigner } from "../../lib/voucher";

const UINT64_MAX = 2n ** 64n - 1n;
const UINT128_MAX = 2n ** 128n - 1n;
/** The default life of a voucher. */
export const DEFAULT_VOUCHER_LIFE = "7d";

/** The escrow's EIP-712 domain, as it reports it (EIP-5267). */
async function voucherDomain(chain: Chain): Promise<TypedDataDomain> {
  return domainOf(await chain.read.escrow.eip712Domain());
}

/*//////////////////////////////////////////////////////////////////////////
                                     SIGN
//////////////////////////////////////////////////////////////////////////*/

export async function voucherSign(run: Run): Promise<void> {
  const nodeId = parseWhole("--node", run.option("node")!, { min: 1n, max: UINT64_MAX });
  const modelId = parseBytes32("--model", run.option("model")!);
  const mode = parseMode("--mode", run.option("mode")!);
  const amount = parseAmount("--amount", run.option("amount")!);
  if (amount > UINT128_MAX) throw new UsageError(`--amount: too large for a voucher (a uint128 of wei)`);
  const expires = parseDeadline("--expires", run.option("expires") ?? DEFAULT_VOUCHER_LIFE);
  const outFile = run.option("out");
  if (outFile !== undefined) checkWritable("--out", outFile, run.env);
  // Without --out the voucher is the output: the words go to stderr.
  const out = outFile === undefined ? run.out.withJson(true) : run.out;

  const chain = await run.chain();
  await requireContracts(chain, ["PaymentsEscrow"]);
  const me = await run.signer();
  const { escrow, nodes, models } = chain.read;

  const [[operator, serving], exists, now, domain] = await Promise.all([
    nodes.nodeOperatorOf(nodeId),
    models.exists(modelId),
    chain.now(),
    voucherDomain(chain),
  ]);
  if (operator === "0x0000000000000000000000000000000000000000") throw new CliError(`there is no node ${nodeId}`);
  if (operator === me.address)
    throw new CliError(`${me.address} operates node ${nodeId}: a payer cannot pay its own node`);
  if (!exists) throw new CliError(`model ${modelId} is not registered`);
  const expiry = "after" in expires ? now + expires.after : expires.at;
  if (expiry <= now)
    throw new UsageError(`--expires: ${formatTime(expiry)} is not after the chain's time, ${formatTime(now)}`);
  if (expiry > UINT64_MAX) throw new UsageError(`--expires: too far in the future`);

  const [redeemed, available, eligibility] = await Promise.all([
    escrow.redeemedOf(me.address, nodeId, modelId, mode),
    escrow.availableOf(me.address, operator),
    nodes.eligibilityOf(nodeId, modelId, mode),
  ]);
  if (!serving)
    out.warn(
      `node ${nodeId} is not serving now (deregistered, jailed, or its operator's stake does not cover it): ` +
        "its vouchers are not paid until it is",
    );
  if (eligibility !== 0n)
    out.warn(
      `node ${nodeId} cannot serve model ${modelId} with ${modeName(mode)} now: ${eligibilityWords(eligibility)}`,
    );
  if (amount <= redeemed)
    out.warn(
      `node ${nodeId} has already collected ${formatOpg(redeemed)} from you for this model and mode: a voucher ` +
        `for ${formatOpg(amount)} in all pays nothing (the amount is cumulative)`,
    );
  else if (amount - redeemed > available)
    out.warn(
      `the voucher owes ${formatOpg(amount - redeemed)} more, but your escrow with node ${nodeId}'s operator ` +
        `${operator} has ${formatOpg(available)} available: it pays at most that ` +
        `(\`opg escrow deposit <amount> --node ${nodeId}\` to add)`,
    );

  const voucher: Voucher = {
    payer: me.address,
    nodeId,
    modelId,
    mode,
    cumulativeAmount: amount,
    issuedAt: now,
    expiry,
  };
  const { signature } = await signVoucher(me.wallet, domain, voucher);
  const signed = { voucher: voucherJson(voucher), signature };

  const summary =
    `voucher signed: ${formatOpg(amount)} in all to node ${nodeId} for model ${modelId} with ${modeName(mode)}, ` +
    `expires ${formatTime(expiry)} (in ${formatDuration(expiry - now)})`;
  if (outFile === undefined) {
    out.raw(toJson(signed) + "\n");
    out.info(summary);
    return;
  }
  const file = writeJson(outFile, signed, run.env);
  out.info(summary);
  out.info(`  written to ${file}`);
  run.out.result({ action: "voucher sign", file, ...signed });
}

/*//////////////////////////////////////////////////////////////////////////
                                    REDEEM
//////////////////////////////////////////////////////////////////////////*/

const ERC1271 = new Interface(["function isValidSignature(bytes32 hash, bytes signature) view returns (bytes4)"]);
const ERC1271_MAGIC = "0x1626ba7e";

/** What a voucher will do: pay, with its split, or be skipped with the contract's error and its values. */
interface Plan {
  entry: VoucherEntry;
  pays: bigint;
  nodeShare: bigint;
  royalty: bigint;
  protocolFee: bigint;
  operator?: string;
  modelOwner?: string;
  /** Collected on the channel before this voucher. */
  redeemedBefore: bigint;
  /** What the payer's escrow with the node's operator can pay this voucher: all of the balance if it predates a
   * thaw, else the available. */
  available?: bigint;
  failure?: { name: string; words: string };
}

interface PayerState {
  balance: bigint;
  thawing: bigint;
  thawStartedAt: bigint;
}

/**
 * The vouchers' fate in order, by the contract's rules (PaymentsEscrow._redeem): dates, signature, node, model,
 * what the channel still owes, and what the payer can pay; each payment counted before the next voucher.
 */
async function plan(chain: Chain, entries: VoucherEntry[], now: bigint): Promise<Plan[]> {
  const { escrow, nodes, models } = chain.read;
  const domain = await voucherDomain(chain);
  // The protocol fee of each voucher: the one in force when it was issued (a recent increase waits for older ones).
  const feeRates = await Promise.all(entries.map((e) => escrow.protocolFeeFor(e.voucher.issuedAt)));
  const operators = new Map<bigint, Promise<[string, boolean]>>();
  const royalties = new Map<string, Promise<{ owner: string; ppm: bigint } | undefined>>();
  const payers = new Map<string, Promise<PayerState>>();
  const channels = new Map<string, bigint>();
  const operatorOf = (id: bigint) => {
    if (!operators.has(id))
      operators.set(
        id,
        nodes.nodeOperatorOf(id).then(([op, serving]) => [op, serving]),
      );
    return operators.get(id)!;
  };
  const royaltyOf = (model: string) => {
    if (!royalties.has(model))
      royalties.set(
        model,
        models.royaltyOf(model).then(
          ([owner, ppm]) => ({ owner, ppm: BigInt(ppm) }),
          () => undefined,
        ),
      );
    return royalties.get(model)!;
  };
  /** The payer's escrow with an operator, which alone pays the vouchers of that operator's nodes. */
  const payerState = (payer: string, operator: string) => {
    const key = `${payer}|${operator}`;
    if (!payers.has(key))
      payers.set(
        key,
        escrow.getEscrow(payer, operator).then((a) => ({
          balance: a.balance,
          thawing: a.thawing,
          thawStartedAt: a.thawStartedAt,
        })),
      );
    return payers.get(key)!;
  };
  // Read everything at once; the order only matters for the sums below.
  await Promise.all(entries.flatMap(({ voucher: v }) => [operatorOf(v.nodeId), royaltyOf(v.modelId)]));
  const signedBy = await Promise.all(entries.map((e) => signatureValid(chain, domain, e)));
  const channelKeys = entries.map(({ voucher: v }) => `${v.payer}|${v.nodeId}|${v.modelId}|${v.mode}`);
  const redeemedNow = await Promise.all(
    entries.map(({ voucher: v }) => escrow.redeemedOf(v.payer, v.nodeId, v.modelId, v.mode)),
  );
  channelKeys.forEach((key, i) => {
    if (!channels.has(key)) channels.set(key, redeemedNow[i]);
  });

  const plans: Plan[] = [];
  for (const [i, entry] of entries.entries()) {
    const v = entry.voucher;
    const redeemed = channels.get(channelKeys[i])!;
    const result: Plan = { entry, pays: 0n, nodeShare: 0n, royalty: 0n, protocolFee: 0n, redeemedBefore: redeemed };
    plans.push(result);
    const fail = (name: string, values: unknown[]) => {
      result.failure = { name, words: describeRevertData(encodeProtocolError(name, values), { now }) };
    };
    if (v.expiry < now) {
      fail("EscrowVoucherExpired", [v.expiry]);
      continue;
    }
    if (v.issuedAt > now) {
      fail("EscrowVoucherFromTheFuture", [v.issuedAt]);
      continue;
    }
    if (!signedBy[i]) {
      fail("EscrowInvalidSignature", [v.payer]);
      continue;
    }
    const [operator, serving] = await operatorOf(v.nodeId);
    if (operator === "0x0000000000000000000000000000000000000000") {
      fail("EscrowUnknownNode", [v.nodeId]);
      continue;
    }
    if (operator === v.payer) {
      fail("EscrowSelfDealing", [v.payer, v.nodeId]);
      continue;
    }
    if (!serving) {
      fail("EscrowNodeNotServing", [v.nodeId]);
      continue;
    }
    const royalty = await royaltyOf(v.modelId);
    if (!royalty) {
      fail("EscrowUnknownModel", [v.modelId]);
      continue;
    }
    if (v.cumulativeAmount <= redeemed) {
      fail("EscrowNothingOwed", [v.cumulativeAmount, redeemed]);
      continue;
    }
    const account = await payerState(v.payer, operator);
    const available = v.issuedAt < account.thawStartedAt ? account.balance : account.balance - account.thawing;
    result.available = available;
    const owed = v.cumulativeAmount - redeemed;
    const pays = owed < available ? owed : available;
    if (pays === 0n) {
      fail("EscrowInsufficientBalance", [available, owed]);
      continue;
    }
    channels.set(channelKeys[i], redeemed + pays);
    account.balance -= pays;
    if (account.thawing > account.balance) account.thawing = account.balance;
    result.pays = pays;
    result.protocolFee = (pays * BigInt(feeRates[i])) / PPM;
    result.royalty = (pays * royalty.ppm) / PPM;
    result.nodeShare = pays - result.protocolFee - result.royalty;
    result.operator = operator;
    result.modelOwner = royalty.owner;
  }
  return plans;
}

/** Whether the payer signed the voucher: an ECDSA signature of its key, or its contract wallet's ERC-1271 word. */
async function signatureValid(chain: Chain, domain: TypedDataDomain, entry: SignedVoucher): Promise<boolean> {
  const { voucher, signature } = entry;
  const digest = voucherDigest(domain, voucher);
  // An ECDSA signature of the payer's key; otherwise perhaps a contract wallet's.
  if (signature.length === 132 && voucherSigner(domain, entry) === voucher.payer) return true;
  if ((await chain.provider.getCode(voucher.payer)) === "0x") return false;
  try {
    const answer = await chain.provider.call({
      to: voucher.payer,
      data: ERC1271.encodeFunctionData("isValidSignature", [digest, signature]),
    });
    return answer.slice(0, 10).toLowerCase() === ERC1271_MAGIC;
  } catch {
    return false;
  }
}

/** "payer 0x.. to node 3, model 0x.., tee". */
function channelWords(v: Voucher): string {
  return `payer ${v.payer} to node ${v.nodeId}, model ${v.modelId}, ${modeName(v.mode)}`;
}

export async function voucherRedeem(run: Run): Promise<void> {
  const entries = run.args.flatMap((file) => readVoucherFile(file, run.env));
  const chain = await run.chain();
  await requireContracts(chain, ["PaymentsEscrow"]);
  const me = await run.signer();
  const { escrow } = chain.read;

  const now = await chain.now();
  const plans = await plan(chain, entries, now);
  const paying = plans.filter((p) => p.failure === undefined);
  const total = paying.reduce((sum, p) => sum + p.pays, 0n);

  run.out.info(`${entries.length} voucher(s):`);
  plans.forEach((p, i) => {
    const v = p.entry.voucher;
    run.out.info(`  ${i + 1}. ${p.entry.where}: ${channelWords(v)}`);
    if (p.failure) run.out.info(`     skipped: ${p.failure.words}`);
    else
      run.out.info(
        `     pays ${formatOpg(p.pays)} (voucher for ${formatOpg(v.cumulativeAmount)} in all, ` +
          `${formatOpg(p.redeemedBefore)} collected before, ${formatOpg(p.available!)} in the payer's escrow with the operator for it): ` +
          `node ${formatOpg(p.nodeShare)}, royalty ${formatOpg(p.royalty)}, protocol fee ${formatOpg(p.protocolFee)}`,
      );
  });
  if (entries.length === 1 && plans[0].failure) throw new CliError(plans[0].failure.words);
  if (paying.length === 0) throw new CliError(`none of the ${entries.length} vouchers pays anything: nothing was sent`);

  const vouchers = entries.map((e) => e.voucher);
  const signatures = entries.map((e) => e.signature);
  const single = entries.length === 1;
  // The chain's own check, before asking: a revert here is decoded into words and nothing is sent.
  if (single) await me.write.escrow.redeem.staticCall(vouchers[0], signatures[0]);
  else await me.write.escrow.redeemBatch.staticCall(vouchers, signatures);

  const skipped = plans.length - paying.length;
  await run.confirm(
    `Redeem ${entries.length} voucher(s): ${formatOpg(total)} from the payers' escrow to the nodes` +
      (skipped > 0 ? ` (${skipped} skipped)` : ""),
    [
      ["sender", me.address],
      ["call", single ? "redeem" : `redeemBatch of ${entries.length}`],
      ["escrow", `PaymentsEscrow ${escrow.target}`],
    ],
  );
  const receipt = await run.send(
    single ? "redeem" : "redeem batch",
    single ? me.write.escrow.redeem(vouchers[0], signatures[0]) : me.write.escrow.redeemBatch(vouchers, signatures),
  );

  const payments = eventsIn(receipt, escrow, "PaymentCollected").map((e) => ({
    payer: e.args.payer as string,
    nodeId: e.args.nodeId as bigint,
    modelId: e.args.modelId as string,
    operator: e.args.operator as string,
    modelOwner: e.args.modelOwner as string,
    mode: modeName(Number(e.args.mode)),
    gross: e.args.gross as bigint,
    nodeShare: e.args.nodeShare as bigint,
    royalty: e.args.royalty as bigint,
    protocolFee: e.args.protocolFee as bigint,
  }));
  const skips = await Promise.all(
    eventsIn(receipt, escrow, "VoucherSkipped").map(async (e) => {
      const index = Number(e.args.index);
      const reason = e.args.reason as string;
      return {
        index,
        where: entries[index]?.where,
        payer: e.args.payer as string,
        nodeId: e.args.nodeId as bigint,
        reason: await skipWords(chain, plans[index], reason, receipt.blockNumber),
        reasonSelector: reason,
      };
    }),
  );
  const paid = payments.reduce((sum, p) => sum + p.gross, 0n);
  run.out.info(`redeemed ${payments.length} voucher(s): paid ${formatOpg(paid)} in all`);
  for (const p of payments)
    run.out.info(
      `  payer ${p.payer} to node ${p.nodeId} (operator ${p.operator}), ${p.mode}: ${formatOpg(p.gross)} = ` +
        `node share ${formatOpg(p.nodeShare)} + royalty ${formatOpg(p.royalty)} (to ${p.modelOwner}) + ` +
        `protocol fee ${formatOpg(p.protocolFee)}`,
    );
  for (const s of skips)
    run.out.info(`  skipped voucher ${s.index + 1} (${s.where}), payer ${s.payer}, node ${s.nodeId}: ${s.reason}`);
  run.out.result({
    action: "voucher redeem",
    sender: me.address,
    paid,
    payments,
    skipped: skips,
    tx: receipt.hash,
    block: receipt.blockNumber,
  });
}

/**
 * A VoucherSkipped reason (the selector of the error it would raise) in words, with its values: the plan's, when
 * it foresaw the same error; else read after the block, as PaymentsEscrow._revertVoucher would give them.
 */
async function skipWords(chain: Chain, p: Plan | undefined, selector: string, block: number): Promise<string> {
  const name = protocolErrorName(selector);
  if (!name) return `skipped with unknown reason ${selector}`;
  if (p?.failure?.name === name) return p.failure.words;
  if (!p) return describeRevertData(selector);
  const v = p.entry.voucher;
  const { escrow } = chain.read;
  const at = { blockTag: block };
  const now = BigInt((await chain.provider.getBlock(block))!.timestamp);
  let values: unknown[];
  switch (name) {
    case "EscrowVoucherExpired":
      values = [v.expiry];
      break;
    case "EscrowVoucherFromTheFuture":
      values = [v.issuedAt];
      break;
    case "EscrowInvalidSignature":
      values = [v.payer];
      break;
    case "EscrowSelfDealing":
      values = [v.payer, v.nodeId];
      break;
    case "EscrowUnknownNode":
    case "EscrowNodeNotServing":
      values = [v.nodeId];
      break;
    case "EscrowUnknownModel":
      values = [v.modelId];
      break;
    case "EscrowNothingOwed":
      values = [v.cumulativeAmount, await escrow.redeemedOf(v.payer, v.nodeId, v.modelId, v.mode, at)];
      break;
    case "EscrowInsufficientBalance": {
      const redeemed = await escrow.redeemedOf(v.payer, v.nodeId, v.modelId, v.mode, at);
      const [operator] = await chain.read.nodes.nodeOperatorOf(v.nodeId, at);
      const account = await escrow.getEscrow(v.payer, operator, at);
      const available = v.issuedAt < account.thawStartedAt ? account.balance : account.balance - account.thawing;
      values = [available, v.cumulativeAmount - redeemed];
      break;
    }
    default:
      return name;
  }
  return describeRevertData(encodeProtocolError(name, values), { now });
}
