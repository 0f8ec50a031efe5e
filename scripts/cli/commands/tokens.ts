/**
 * The commands that move tokens: transfer, stake, unstake, withdraw, delegate, undelegate, rewards claim. Each
 * checks its arguments first, then what it can cheaply check on chain (balances, a simulation of the call), then
 * says what it will do and asks, then sends and waits.
 */
import { ContractTransactionResponse } from "ethers";

import { formatOpg, formatPpm, formatTime } from "../../lib/opg";
import { domainOf, signPermit } from "../../lib/voucher";
import { parseAddress, parseAmount, parsePercent } from "../args";
import type { Chain, Signer } from "../connect";
import { Run, eventsIn } from "../context";
import { CliError, explain } from "../errors";
import { formatDuration, formatShares, withdrawableWords } from "../format";

/*//////////////////////////////////////////////////////////////////////////
                                   TRANSFER
//////////////////////////////////////////////////////////////////////////*/

export async function transfer(run: Run): Promise<void> {
  const to = parseAddress("<to>", run.args[0]);
  const amount = parseAmount("<amount>", run.args[1]);
  const chain = await run.chain();
  const me = await run.signer();
  const { token } = chain.read;

  const balance = await token.balanceOf(me.address);
  requireBalance(balance, amount);
  await me.write.token.transfer.estimateGas(to, amount);

  await run.confirm(`Transfer ${formatOpg(amount)}`, [
    ["from", me.address],
    ["to", to],
    ["balance after", formatOpg(balance - amount)],
  ]);
  const receipt = await run.send("transfer", me.write.token.transfer(to, amount));
  run.out.info(`transferred ${formatOpg(amount)} to ${to}`);
  run.out.result({ action: "transfer", from: me.address, to, amount, tx: receipt.hash, block: receipt.blockNumber });
}

/*//////////////////////////////////////////////////////////////////////////
                                 STAKE, DELEGATE
//////////////////////////////////////////////////////////////////////////*/

export async function stake(run: Run): Promise<void> {
  const amount = parseAmount("<amount>", run.args[0]);
  const chain = await run.chain();
  const me = await run.signer();
  const { token, staking } = chain.read;

  const [balance, paused, operator] = await Promise.all([
    token.balanceOf(me.address),
    staking.paused(),
    staking.getOperator(me.address),
  ]);
  if (paused) throw new CliError("staking is paused: new stake and delegation are stopped");
  requireBalance(balance, amount);
  const how = await fundingMethod(run, chain, me, amount);

  await run.confirm(`Stake ${formatOpg(amount)} as an operator (your own stake)`, [
    ["from", me.address],
    ["into", `Staking ${staking.target}`],
    ["own stake after", formatOpg(operator.ownActive + amount)],
    ["balance after", formatOpg(balance - amount)],
    ["approval", FUNDING_WORDS[how]],
  ]);
  const receipt = await pay(run, chain, me, amount, how, "stake", {
    plain: () => me.write.staking.stake(amount),
    permit: (p) => me.write.staking.stakeWithPermit(amount, p.deadline, p.v, p.r, p.s),
  });
  const deposited = eventsIn(receipt, staking, "StakeDeposited")[0]?.args.amount ?? amount;
  const after = await staking.getOperator(me.address);
  run.out.info(`staked ${formatOpg(deposited)}; own active stake now ${formatOpg(after.ownActive)}`);
  run.out.result({
    action: "stake",
    operator: me.address,
    amount: deposited,
    ownActive: after.ownActive,
    tx: receipt.hash,
    block: receipt.blockNumber,
  });
}

export async function delegate(run: Run): Promise<void> {
  const operatorAddress = parseAddress("<operator>", run.args[0]);
  const amount = parseAmount("<amount>", run.args[1]);
  const maxCutText = run.option("max-cut");
  const maxCutGiven = maxCutText === undefined ? undefined : parsePercent("--max-cut", maxCutText);
  const chain = await run.chain();
  const me = await run.signer();
  const { token, staking } = chain.read;

  if (operatorAddress === me.address)
    throw new CliError(`${me.address} cannot delegate to itself: an operator adds to its own stake with \`opg stake\``);
  const [balance, paused, operator, minimum, before] = await Promise.all([
    token.balanceOf(me.address),
    staking.paused(),
    staking.getOperator(operatorAddress),
    staking.minimumDelegation(),
    staking.getDelegation(operatorAddress, me.address),
  ]);
  if (paused) throw new CliError("staking is paused: new stake and delegation are stopped");
  if (!operator.staked) throw new CliError(`${operatorAddress} is not an operator: it has never staked`);
  if (amount < minimum)
    throw new CliError(`delegation too small: ${formatOpg(amount)}, the minimum is ${formatOpg(minimum)}`);
  // The highest cut the delegator accepts: by default the cut in force. A higher cut already scheduled would
  // apply to this delegation too, so it must be accepted explicitly.
  const scheduled = operator.pendingCutAt !== 0n && operator.pendingCutPpm > operator.cutPpm;
  const highest = scheduled ? operator.pendingCutPpm : operator.cutPpm;
  const maxCut = maxCutGiven ?? operator.cutPpm;
  if (highest > maxCut)
    throw new CliError(
      `${operatorAddress} has scheduled a cut of ${formatPpm(highest)} (now ${formatPpm(operator.cutPpm)}) from ` +
        `${formatTime(operator.pendingCutAt)}, above the ${formatPpm(maxCut)} you accept` +
        (maxCutGiven === undefined ? " by default (its cut now)" : "") +
        `: pass --max-cut ${formatPpm(highest).replace("%", "")} or more to delegate anyway`,
    );
  requireBalance(balance, amount);
  const how = await fundingMethod(run, chain, me, amount);
  const cutRows: [string, string][] = [
    ["operator's cut", `${formatPpm(operator.cutPpm)} of your rewards and fees`],
    ...(operator.pendingCutAt !== 0n
      ? ([["cut scheduled", `${formatPpm(operator.pendingCutPpm)} from ${formatTime(operator.pendingCutAt)}`]] as [
          string,
          string,
        ][])
      : []),
    [
      "max cut you accept",
      `${formatPpm(maxCut)}${maxCutGiven === undefined ? " (its cut now; --max-cut to change)" : ""}`,
    ],
  ];

  await run.confirm(`Delegate ${formatOpg(amount)} to operator ${operatorAddress}`, [
    ["from", me.address],
    ["into", `Staking ${staking.target}`],
    ["delegated after", `about ${formatOpg(before.tokens + amount)}`],
    ...cutRows,
    ["balance after", formatOpg(balance - amount)],
    ["approval", FUNDING_WORDS[how]],
  ]);
  const receipt = await pay(run, chain, me, amount, how, "delegate", {
    plain: () => me.write.staking.delegate(operatorAddress, amount, maxCut),
    permit: (p) => me.write.staking.delegateWithPermit(operatorAddress, amount, maxCut, p.deadline, p.v, p.r, p.s),
  });
  const event = eventsIn(receipt, staking, "StakeDelegated")[0];
  const after = await staking.getDelegation(operatorAddress, me.address);
  run.out.info(
    `delegated ${formatOpg(event?.args.amount ?? amount)} to ${operatorAddress} (${formatShares(event?.args.shares ?? 0n)}); ` +
      `your delegation is now worth ${formatOpg(after.tokens)}`,
  );
  run.out.result({
    action: "delegate",
    delegator: me.address,
    operator: operatorAddress,
    amount: event?.args.amount ?? amount,
    shares: event?.args.shares,
    maxCutPpm: maxCut,
    tx: receipt.hash,
    block: receipt.blockNumber,
  });
}

export type Funding = "allowance" | "approve" | "permit";

const FUNDING_WORDS: Record<Funding, string> = {
  allowance: "the existing allowance covers it (one transaction)",
  approve: "approve the staking contract, then send (two transactions)",
  permit: "an EIP-2612 permit signed now, sent with the stake (one transaction)",
};

/** How an amount reaches `spender` (the staking contract unless named): the allowance, approve, or a permit. */
export async function fundingMethod(
  run: Run,
  chain: Chain,
  me: Signer,
  amount: bigint,
  spender: string = String(chain.read.staking.target),
  { permit = true } = {},
): Promise<Funding> {
  const allowance = await chain.read.token.allowance(me.address, spender);
  if (allowance >= amount) return "allowance";
  return run.flag("approve") || !permit ? "approve" : "permit";
}

export interface Permit {
  deadline: bigint;
  v: number;
  r: string;
  s: string;
}

/**
 * Pays `amount` into staking (or `spender`) by the chosen route: the allowance as it is, approve first, or a
 * signed permit.
 */
export async function pay(
  run: Run,
  chain: Chain,
  me: Signer,
  amount: bigint,
  how: Funding,
  what: string,
  send: {
    plain: () => Promise<ContractTransactionResponse>;
    permit: (p: Permit) => Promise<ContractTransactionResponse>;
  },
  spender: string = String(chain.read.staking.target),
) {
  if (how === "approve") {
    await run.send("approve", me.write.token.approve(spender, amount));
    return run.send(what, send.plain());
  }
  if (how === "permit") return run.send(what, send.permit(await permitFor(chain, me, amount, spender)));
  return run.send(what, send.plain());
}

/** An EIP-2612 permit for `spender` (staking by default), its domain read from the token (EIP-5267), valid for an hour. */
async function permitFor(
  chain: Chain,
  me: Signer,
  amount: bigint,
  spender: string = String(chain.read.staking.target),
): Promise<Permit> {
  const { token } = chain.read;
  const [domain, nonce, now] = await Promise.all([token.eip712Domain(), token.nonces(me.address), chain.now()]);
  return signPermit(me.wallet, domainOf(domain), {
    owner: me.address,
    spender,
    value: amount,
    nonce,
    deadline: now + 3_600n,
  });
}

export function requireBalance(balance: bigint, amount: bigint): void {
  if (balance < amount)
    throw new CliError(`insufficient balance: have ${formatOpg(balance)}, need ${formatOpg(amount)}`);
}

/*//////////////////////////////////////////////////////////////////////////
                              UNSTAKE, UNDELEGATE
//////////////////////////////////////////////////////////////////////////*/

export async function unstake(run: Run): Promise<void> {
  const all = run.args[0] === "all";
  const asked = all ? 0n : parseAmount("<amount>", run.args[0]);
  const chain = await run.chain();
  const me = await run.signer();
  const { staking, nodes } = chain.read;

  const [operator, active, required, period, now] = await Promise.all([
    staking.getOperator(me.address),
    staking.activeStakeOf(me.address),
    nodes.requiredStakeOf(me.address),
    staking.thawingPeriod(),
    chain.now(),
  ]);
  const amount = all ? operator.ownActive : asked;
  if (amount === 0n) throw new CliError(`nothing to unstake: ${me.address} has no own active stake`);
  // The chain's own check, before asking: a revert here is decoded into words and nothing is sent.
  await me.write.staking.unstake.staticCall(amount);

  const rows: [string, string][] = [
    ["operator", me.address],
    ["own stake after", formatOpg(operator.ownActive - amount)],
    ["thawing period", `${formatDuration(period)}: withdrawable at about ${formatTime(now + period)}`],
  ];
  if (required > 0n && active - amount < required)
    rows.push([
      "your nodes",
      `need ${formatOpg(required)} active stake, you will have ${formatOpg(active - amount)}: they stop being eligible`,
    ]);
  await run.confirm(`Unstake ${formatOpg(amount)} of your own stake (it stays slashable while it thaws)`, rows);
  const receipt = await run.send("unstake", me.write.staking.unstake(amount));
  const thaw = eventsIn(receipt, staking, "ThawRequested")[0];
  const until = thaw?.args.thawingUntil ?? now + period;
  const minedAt = BigInt((await chain.provider.getBlock(receipt.blockNumber))!.timestamp);
  run.out.info(
    `unstaked ${formatOpg(thaw?.args.amount ?? amount)} (thaw request #${thaw?.args.requestId ?? "?"}): ` +
      withdrawableWords(until, minedAt),
  );
  run.out.result({
    action: "unstake",
    operator: me.address,
    amount: thaw?.args.amount ?? amount,
    requestId: thaw?.args.requestId,
    thawingUntil: until,
    tx: receipt.hash,
    block: receipt.blockNumber,
  });
}

export async function undelegate(run: Run): Promise<void> {
  const operatorAddress = parseAddress("<operator>", run.args[0]);
  const all = run.args[1] === "all";
  const asked = all ? 0n : parseAmount("<amount|all>", run.args[1]);
  const chain = await run.chain();
  const me = await run.signer();
  const { staking } = chain.read;

  const [delegation, operator, period, now] = await Promise.all([
    staking.getDelegation(operatorAddress, me.address),
    staking.getOperator(operatorAddress),
    staking.thawingPeriod(),
    chain.now(),
  ]);
  if (delegation.shares === 0n) throw new CliError(`${me.address} has no delegation with ${operatorAddress}`);
  // OPG to shares with the pool's own numbers, rounded up so that the request is worth at least the amount asked,
  // and never more shares than held.
  let shares = delegation.shares;
  if (!all) {
    if (asked > delegation.tokens)
      throw new CliError(
        `insufficient delegation: have ${formatOpg(delegation.tokens)} delegated to ${operatorAddress}, need ${formatOpg(asked)}`,
      );
    const pool = operator.delegated;
    const wanted = (asked * pool.shares + pool.tokens - 1n) / pool.tokens;
    if (wanted < shares) shares = wanted;
  }
  const worth = (shares * operator.delegated.tokens) / operator.delegated.shares;
  try {
    await me.write.staking.undelegate.staticCall(operatorAddress, shares);
  } catch (error) {
    throw new CliError(explain(error, { shares: true, now }).message);
  }

  await run.confirm(`Undelegate ${formatOpg(worth)} from operator ${operatorAddress}`, [
    ["delegator", me.address],
    ["shares", `${formatShares(shares)} of your ${formatShares(delegation.shares)}`],
    ["delegated after", formatOpg(delegation.tokens - worth)],
    ["thawing period", `${formatDuration(period)}: withdrawable at about ${formatTime(now + period)}`],
  ]);
  const receipt = await run.send("undelegate", me.write.staking.undelegate(operatorAddress, shares));
  const thaw = eventsIn(receipt, staking, "ThawRequested")[0];
  const until = thaw?.args.thawingUntil ?? now + period;
  const minedAt = BigInt((await chain.provider.getBlock(receipt.blockNumber))!.timestamp);
  run.out.info(
    `undelegated ${formatOpg(thaw?.args.amount ?? worth)} from ${operatorAddress} ` +
      `(thaw request #${thaw?.args.requestId ?? "?"}): ${withdrawableWords(until, minedAt)}`,
  );
  run.out.result({
    action: "undelegate",
    delegator: me.address,
    operator: operatorAddress,
    shares,
    amount: thaw?.args.amount ?? worth,
    requestId: thaw?.args.requestId,
    thawingUntil: until,
    tx: receipt.hash,
    block: receipt.blockNumber,
  });
}

/*//////////////////////////////////////////////////////////////////////////
                               WITHDRAW, CLAIM
//////////////////////////////////////////////////////////////////////////*/

export async function withdraw(run: Run): Promise<void> {
  const given = run.option("operator");
  const operatorGiven = given === undefined ? undefined : parseAddress("--operator", given);
  const chain = await run.chain();
  const me = await run.signer();
  const { token, staking } = chain.read;
  const operatorAddress = operatorGiven ?? me.address;
  const own = operatorAddress === me.address;

  const now = await chain.now();
  let amount: bigint;
  try {
    amount = await me.write.staking.withdraw.staticCall(operatorAddress, 0n);
  } catch (error) {
    throw new CliError(explain(error, { now }).message);
  }
  const [, stillThawing, nextUntil] = await staking.withdrawableOf(me.address, operatorAddress);
  const balance = await token.balanceOf(me.address);

  const rows: [string, string][] = [
    ["to", me.address],
    ["from", own ? "your own stake" : `your delegation to ${operatorAddress}`],
    ["balance after", formatOpg(balance + amount)],
  ];
  if (stillThawing > 0n)
    rows.push(["still thawing", `${formatOpg(stillThawing)}, ${withdrawableWords(nextUntil, now)}`]);
  await run.confirm(`Withdraw ${formatOpg(amount)} of thawed stake`, rows);
  const receipt = await run.send("withdraw", me.write.staking.withdraw(operatorAddress, 0n));
  const event = eventsIn(receipt, staking, "StakeWithdrawn")[0];
  const paid = event?.args.amount ?? amount;
  run.out.info(
    `withdrew ${formatOpg(paid)} (${event?.args.requests ?? "?"} thaw request(s)); ` +
      `balance now ${formatOpg(await token.balanceOf(me.address))}`,
  );
  run.out.result({
    action: "withdraw",
    staker: me.address,
    operator: operatorAddress,
    amount: paid,
    requests: event?.args.requests,
    tx: receipt.hash,
    block: receipt.blockNumber,
  });
}

export async function claimRewards(run: Run): Promise<void> {
  const given = run.option("operator");
  const operatorGiven = given === undefined ? undefined : parseAddress("--operator", given);
  const chain = await run.chain();
  const me = await run.signer();
  const { staking } = chain.read;
  const operatorAddress = operatorGiven ?? me.address;

  const claimable = await staking.claimableRewards(me.address, operatorAddress);
  if (claimable === 0n)
    throw new CliError(
      `no rewards to claim for ${me.address} from operator ${operatorAddress}` +
        (operatorGiven ? "" : " (a delegator names its operator with --operator)"),
    );
  await me.write.staking.claimRewards.staticCall(operatorAddress);

  await run.confirm(`Claim about ${formatOpg(claimable)} of staking rewards (a little more by the time it is mined)`, [
    ["to", me.address],
    ["from", operatorAddress === me.address ? "your own stake and cut" : `your delegation to ${operatorAddress}`],
  ]);
  const receipt = await run.send("claim", me.write.staking.claimRewards(operatorAddress));
  const event = eventsIn(receipt, staking, "RewardsClaimed")[0];
  const amount = event?.args.amount ?? claimable;
  run.out.info(`claimed ${formatOpg(amount)} of rewards`);
  run.out.result({
    action: "claim",
    account: me.address,
    operator: operatorAddress,
    amount,
    tx: receipt.hash,
    block: receipt.blockNumber,
  });
}
