/**
 * The payer's side of the payments escrow. A payer has a free balance (requests lock fee caps from it; it funds
 * escrows; it is withdrawn at once) and an escrow with each operator, which alone pays the vouchers of that
 * operator's nodes and leaves only through a thaw (30 days by default), so that nodes can still collect the
 * vouchers signed before the thaw started. Commands: escrow (the status), escrow deposit, escrow fund, escrow thaw,
 * escrow withdraw.
 */
import { ZeroAddress } from "ethers";

import { formatOpg, formatTime } from "../../lib/opg";
import { parseAddress, parseAmount, parseWhole } from "../args";
import { Chain, requireContracts } from "../connect";
import { Run, eventsIn } from "../context";
import { CliError, UsageError, explain } from "../errors";
import { formatDuration, withdrawableWords } from "../format";
import { queryRange } from "../logs";
import { Funding, fundingMethod, pay, requireBalance } from "./tokens";
import { subject } from "./views";

const FUNDING_WORDS: Record<Funding, string> = {
  allowance: "the existing allowance covers it (one transaction)",
  approve: "approve the escrow, then deposit (two transactions)",
  permit: "an EIP-2612 permit signed now, sent with the deposit (one transaction)",
};

const UINT64_MAX = 2n ** 64n - 1n;

/** --operator or --node as given, checked before connecting: which operator's escrow a command is about. */
export type OperatorChoice = { operator: string } | { nodeId: bigint } | undefined;

export function parseOperatorChoice(run: Run): OperatorChoice {
  const operator = run.option("operator");
  const node = run.option("node");
  if (operator !== undefined && node !== undefined)
    throw new UsageError("--node: give the operator either with --operator or with --node, not both", run.command);
  if (operator !== undefined) return { operator: parseAddress("--operator", operator) };
  if (node !== undefined) return { nodeId: parseWhole("--node", node, { min: 1n, max: UINT64_MAX }) };
  return undefined;
}

/** The operator named by --operator, or the operator of the node named by --node. */
export async function resolveOperator(chain: Chain, choice: NonNullable<OperatorChoice>): Promise<string> {
  if ("operator" in choice) return choice.operator;
  const [operator] = await chain.read.nodes.nodeOperatorOf(choice.nodeId);
  if (operator === ZeroAddress) throw new CliError(`--node: there is no node ${choice.nodeId}`);
  return operator;
}

function requireOperatorChoice(run: Run, what: string): NonNullable<OperatorChoice> {
  const choice = parseOperatorChoice(run);
  if (!choice) throw new UsageError(`--operator: required (or --node <id>): ${what}`, run.command);
  return choice;
}

function describeOperator(choice: NonNullable<OperatorChoice>, operator: string): string {
  return "nodeId" in choice ? `${operator} (operator of node ${choice.nodeId})` : operator;
}

/*//////////////////////////////////////////////////////////////////////////
                                   DEPOSIT
//////////////////////////////////////////////////////////////////////////*/

export async function escrowDeposit(run: Run): Promise<void> {
  const amount = parseAmount("<amount>", run.args[0]);
  const forGiven = run.option("for") === undefined ? undefined : parseAddress("--for", run.option("for")!);
  const choice = parseOperatorChoice(run);
  const chain = await run.chain();
  await requireContracts(chain, ["PaymentsEscrow"]);
  const me = await run.signer();
  const { token, escrow } = chain.read;
  const payer = forGiven ?? me.address;
  const own = payer === me.address;
  const operator = choice ? await resolveOperator(chain, choice) : undefined;
  if (operator === payer)
    throw new CliError(`${"nodeId" in choice! ? "--node" : "--operator"}: ${payer} cannot hold an escrow with itself`);

  const [balance, free, account] = await Promise.all([
    token.balanceOf(me.address),
    escrow.balanceOf(payer),
    operator ? escrow.getEscrow(payer, operator) : undefined,
  ]);
  requireBalance(balance, amount);
  // The permit route deposits to the signer's own free balance only: anything else goes through approve.
  const spender = String(escrow.target);
  const how = await fundingMethod(run, chain, me, amount, spender, { permit: own && !operator });
  const into = operator ? `escrow with operator ${describeOperator(choice!, operator)}` : "free balance";

  await run.confirm(`Deposit ${formatOpg(amount)} into the payments escrow${own ? "" : ` for ${payer}`}: ${into}`, [
    ["from", me.address],
    ["payer", own ? `${payer} (you)` : payer],
    ["into", `PaymentsEscrow ${escrow.target}`],
    ...(operator
      ? ([
          ["escrow after", `${formatOpg(account!.balance + amount)} with ${operator}`],
          ["pays", "vouchers of that operator's nodes only; it leaves only through a thaw"],
        ] as [string, string][])
      : ([["free balance after", formatOpg(free + amount)]] as [string, string][])),
    ["your balance after", formatOpg(balance - amount)],
    ["approval", FUNDING_WORDS[how]],
  ]);
  const receipt = await pay(
    run,
    chain,
    me,
    amount,
    how,
    "deposit",
    {
      plain: () =>
        operator ? me.write.escrow.depositToEscrow(payer, operator, amount) : me.write.escrow.deposit(payer, amount),
      permit: (p) => me.write.escrow.depositWithPermit(amount, p.deadline, p.v, p.r, p.s),
    },
    spender,
  );
  const deposited = eventsIn(receipt, escrow, "Deposited")[0]?.args.amount ?? amount;
  const [freeAfter, after, available] = await Promise.all([
    escrow.balanceOf(payer),
    operator ? escrow.getEscrow(payer, operator) : undefined,
    operator ? escrow.availableOf(payer, operator) : undefined,
  ]);
  run.out.info(
    `deposited ${formatOpg(deposited)}${own ? "" : ` for ${payer}`}` +
      (operator
        ? ` into the escrow with ${operator}: ${formatOpg(after!.balance)} there (${formatOpg(available!)} available)`
        : `; free balance now ${formatOpg(freeAfter)}`),
  );
  run.out.result({
    action: "escrow deposit",
    depositor: me.address,
    payer,
    operator: operator ?? null,
    amount: deposited,
    freeBalance: freeAfter,
    ...(operator ? { escrowBalance: after!.balance, available } : {}),
    tx: receipt.hash,
    block: receipt.blockNumber,
  });
}

/*//////////////////////////////////////////////////////////////////////////
                                     FUND
//////////////////////////////////////////////////////////////////////////*/

export async function escrowFund(run: Run): Promise<void> {
  const amount = parseAmount("<amount>", run.args[0]);
  const choice = requireOperatorChoice(run, "the operator whose escrow to fund");
  const chain = await run.chain();
  await requireContracts(chain, ["PaymentsEscrow"]);
  const me = await run.signer();
  const { escrow } = chain.read;
  const operator = await resolveOperator(chain, choice);
  if (operator === me.address)
    throw new CliError(
      `${"nodeId" in choice ? "--node" : "--operator"}: ${me.address} cannot fund an escrow with itself`,
    );
  const [free, account] = await Promise.all([escrow.balanceOf(me.address), escrow.getEscrow(me.address, operator)]);
  if (free < amount)
    throw new CliError(
      `insufficient free balance: have ${formatOpg(free)}, need ${formatOpg(amount)} ` +
        "(`opg escrow deposit <amount>` adds to it)",
    );
  await me.write.escrow.fundEscrow.staticCall(operator, amount);

  await run.confirm(`Move ${formatOpg(amount)} of your free balance into your escrow with ${operator}`, [
    ["payer", me.address],
    ["operator", describeOperator(choice, operator)],
    ["free balance after", formatOpg(free - amount)],
    ["escrow after", formatOpg(account.balance + amount)],
    ["note", "the escrow pays only that operator's vouchers and leaves only through a thaw"],
  ]);
  const receipt = await run.send("fund escrow", me.write.escrow.fundEscrow(operator, amount));
  const funded = eventsIn(receipt, escrow, "EscrowFunded")[0]?.args.amount ?? amount;
  const [freeAfter, after] = await Promise.all([escrow.balanceOf(me.address), escrow.getEscrow(me.address, operator)]);
  run.out.info(
    `funded ${formatOpg(funded)}: escrow with ${operator} now ${formatOpg(after.balance)}, ` +
      `free balance ${formatOpg(freeAfter)}`,
  );
  run.out.result({
    action: "escrow fund",
    payer: me.address,
    operator,
    amount: funded,
    escrowBalance: after.balance,
    freeBalance: freeAfter,
    tx: receipt.hash,
    block: receipt.blockNumber,
  });
}

/*//////////////////////////////////////////////////////////////////////////
                                     THAW
//////////////////////////////////////////////////////////////////////////*/

export async function escrowThaw(run: Run): Promise<void> {
  const text = run.args[0];
  const all = text === "all";
  const cancel = /^0+(\.0*)?$/.test(text);
  const asked = all || cancel ? 0n : parseAmount("<amount>", text);
  const choice = requireOperatorChoice(run, "the operator whose escrow to thaw");
  const chain = await run.chain();
  await requireContracts(chain, ["PaymentsEscrow"]);
  const me = await run.signer();
  const { escrow } = chain.read;
  const operator = await resolveOperator(chain, choice);

  const [account, period, now] = await Promise.all([
    escrow.getEscrow(me.address, operator),
    escrow.withdrawalThawingPeriod(),
    chain.now(),
  ]);
  const amount = all ? account.balance : asked;
  if (all && amount === 0n) throw new CliError(`nothing to thaw: ${me.address} has no escrow with ${operator}`);
  if (amount > account.balance)
    throw new CliError(
      `insufficient escrow balance: have ${formatOpg(account.balance)} in escrow with ${operator}, need ${formatOpg(amount)}`,
    );
  const thawing = account.thawEndsAt > 0n;
  if (cancel && !thawing) throw new CliError(`nothing is thawing in the escrow with ${operator}: no thaw to cancel`);
  await me.write.escrow.thaw.staticCall(operator, amount);

  const current: [string, string][] = thawing
    ? [
        [
          cancel ? "cancels" : "replaces",
          `the thaw of ${formatOpg(account.thawing)}, ${withdrawableWords(account.thawEndsAt, now)}` +
            (cancel ? "" : " (its clock starts again)"),
        ],
      ]
    : [];
  if (cancel) {
    await run.confirm(`Cancel the thaw of ${formatOpg(account.thawing)} of your escrow with ${operator}`, [
      ["payer", me.address],
      ["operator", describeOperator(choice, operator)],
      ...current,
      ["available after", formatOpg(account.balance)],
    ]);
  } else {
    await run.confirm(
      `Thaw ${formatOpg(amount)} of your escrow with ${operator} (to withdraw it after the thawing period)`,
      [
        ["payer", me.address],
        ["operator", describeOperator(choice, operator)],
        ...current,
        ["available after", formatOpg(account.balance - amount)],
        ["thawing period", `${formatDuration(period)}: withdrawable at about ${formatTime(now + period)}`],
        ["meanwhile", "vouchers you signed before now can still collect it; newer ones cannot"],
      ],
    );
  }
  const receipt = await run.send(cancel ? "cancel thaw" : "thaw", me.write.escrow.thaw(operator, amount));
  const event = eventsIn(receipt, escrow, "ThawStarted")[0];
  const endsAt: bigint = event?.args.thawEndsAt ?? (cancel ? 0n : now + period);
  const minedAt = BigInt((await chain.provider.getBlock(receipt.blockNumber))!.timestamp);
  const available = await escrow.availableOf(me.address, operator);
  if (cancel) run.out.info(`thaw cancelled: ${formatOpg(available)} available with ${operator}`);
  else
    run.out.info(
      `thawing ${formatOpg(amount)} of the escrow with ${operator}: ${withdrawableWords(endsAt, minedAt)}; ` +
        `${formatOpg(available)} stays available`,
    );
  run.out.result({
    action: "escrow thaw",
    payer: me.address,
    operator,
    amount,
    thawEndsAt: endsAt,
    available,
    tx: receipt.hash,
    block: receipt.blockNumber,
  });
}

/*//////////////////////////////////////////////////////////////////////////
                                   WITHDRAW
//////////////////////////////////////////////////////////////////////////*/

/**
 * With --operator (or --node): the thawed part of the escrow with that operator, once the thaw has ended. Without:
 * `<amount|all>` of the free balance, at once.
 */
export async function escrowWithdraw(run: Run): Promise<void> {
  const text = run.args[0];
  const choice = parseOperatorChoice(run);
  if (choice && text !== undefined)
    throw new UsageError(
      `unexpected argument "${text}": from an escrow with an operator, what has thawed is withdrawn (no amount)`,
      run.command,
    );
  if (!choice && text === undefined)
    throw new UsageError(
      "[amount|all]: missing: the amount of your free balance to withdraw, or --operator <address> (or --node <id>) " +
        "for the thawed part of an escrow",
      run.command,
    );
  const asked = !choice && text !== "all" ? parseAmount("[amount|all]", text) : undefined;
  const chain = await run.chain();
  await requireContracts(chain, ["PaymentsEscrow"]);
  const me = await run.signer();
  const { token, escrow } = chain.read;
  const balance = await token.balanceOf(me.address);

  if (!choice) {
    const free = await escrow.balanceOf(me.address);
    const amount = asked ?? free;
    if (amount === 0n) throw new CliError(`nothing to withdraw: ${me.address} has no free balance in the escrow`);
    if (amount > free)
      throw new CliError(`insufficient free balance: have ${formatOpg(free)}, need ${formatOpg(amount)}`);
    await me.write.escrow.withdrawBalance.staticCall(amount);
    await run.confirm(`Withdraw ${formatOpg(amount)} of your free balance (at once: nothing was promised from it)`, [
      ["to", me.address],
      ["free balance after", formatOpg(free - amount)],
      ["your balance after", formatOpg(balance + amount)],
    ]);
    const receipt = await run.send("withdraw", me.write.escrow.withdrawBalance(amount));
    const paid = eventsIn(receipt, escrow, "Withdrawn")[0]?.args.amount ?? amount;
    const [after, tokens] = await Promise.all([escrow.balanceOf(me.address), token.balanceOf(me.address)]);
    run.out.info(
      `withdrew ${formatOpg(paid)} of your free balance; balance now ${formatOpg(tokens)} ` +
        `(${formatOpg(after)} left free in the escrow)`,
    );
    run.out.result({
      action: "escrow withdraw",
      payer: me.address,
      operator: null,
      amount: paid,
      freeBalance: after,
      tx: receipt.hash,
      block: receipt.blockNumber,
    });
    return;
  }

  const operator = await resolveOperator(chain, choice);
  const now = await chain.now();
  let amount: bigint;
  try {
    amount = await me.write.escrow.withdraw.staticCall(operator);
  } catch (error) {
    throw new CliError(explain(error, { now }).message);
  }
  const account = await escrow.getEscrow(me.address, operator);
  const rows: [string, string][] = [
    ["to", me.address],
    ["operator", describeOperator(choice, operator)],
    ["escrow after", formatOpg(account.balance - amount)],
    ["your balance after", formatOpg(balance + amount)],
  ];
  if (amount === 0n) rows.push(["note", "vouchers collected all of the thawed amount: this only ends the thaw"]);
  await run.confirm(`Withdraw ${formatOpg(amount)} of thawed escrow with ${operator}`, rows);
  const receipt = await run.send("withdraw", me.write.escrow.withdraw(operator));
  const paid = eventsIn(receipt, escrow, "Withdrawn")[0]?.args.amount ?? amount;
  const [after, tokens] = await Promise.all([escrow.getEscrow(me.address, operator), token.balanceOf(me.address)]);
  run.out.info(
    `withdrew ${formatOpg(paid)} from the escrow with ${operator}; balance now ${formatOpg(tokens)} ` +
      `(${formatOpg(after.balance)} left in that escrow)`,
  );
  run.out.result({
    action: "escrow withdraw",
    payer: me.address,
    operator,
    amount: paid,
    escrowBalance: after.balance,
    tx: receipt.hash,
    block: receipt.blockNumber,
  });
}

/*//////////////////////////////////////////////////////////////////////////
                                   STATUS
//////////////////////////////////////////////////////////////////////////*/

export async function escrowStatus(run: Run): Promise<void> {
  const given = run.args[0] !== undefined ? parseAddress("[address]", run.args[0], { allowZero: true }) : undefined;
  const chain = await run.chain();
  await requireContracts(chain, ["PaymentsEscrow"]);
  const address = await subject(run, given);
  const { escrow, models } = chain.read;
  const latest = await chain.provider.getBlock("latest");
  const now = BigInt(latest!.timestamp);
  const from = chain.deployment.startBlock;
  const to = latest!.number;

  const [free, royalties, funded, registered, received] = await Promise.all([
    escrow.balanceOf(address),
    escrow.royaltiesOf(address),
    queryRange((a, b) => escrow.queryFilter(escrow.filters.EscrowFunded(address), a, b), from, to),
    queryRange((a, b) => models.queryFilter(models.filters.ModelRegistered(undefined, address), a, b), from, to),
    queryRange(
      (a, b) => models.queryFilter(models.filters.ModelOwnershipTransferred(undefined, undefined, address), a, b),
      from,
      to,
    ),
  ]);
  // Its escrows: every operator it ever funded (EscrowFunded, indexed by payer), as they stand now.
  const operators = [...new Set(funded.map((e) => e.args.operator))];
  const escrows = await Promise.all(
    operators.map(async (operator) => {
      const [account, available] = await Promise.all([
        escrow.getEscrow(address, operator),
        escrow.availableOf(address, operator),
      ]);
      return {
        operator,
        balance: account.balance,
        thawing: account.thawing,
        available,
        thawStartedAt: account.thawStartedAt,
        thawEndsAt: account.thawEndsAt,
        withdrawable: account.thawEndsAt > 0n && account.thawEndsAt <= now,
      };
    }),
  );
  // The models it owns now: registered or received, and not handed on since.
  const candidates = [...new Set([...registered, ...received].map((e) => e.args.modelId))];
  const owners = await Promise.all(candidates.map((m) => models.getModel(m)));
  const owned = candidates.filter((_, i) => owners[i].owner === address);
  const isModelOwner = owned.length > 0 || royalties > 0n;
  const inEscrows = escrows.reduce((sum, e) => sum + e.balance, 0n);

  run.out.result({
    address,
    chainId: chain.chainId,
    block: to,
    time: now,
    freeBalance: free,
    inEscrows,
    escrows,
    ...(isModelOwner ? { royaltiesOwed: royalties, models: owned } : {}),
  });
  if (run.out.json) return;

  run.out.info(`escrow of ${address} on ${chain.label}, block ${to} at ${formatTime(now)}`);
  const rows: [string, string][] = [
    ["free balance", `${formatOpg(free)} (for requests and funding escrows; withdrawable at once)`],
    ["in escrows", `${formatOpg(inEscrows)} with ${escrows.length} operator(s)`],
  ];
  if (isModelOwner)
    rows.push([
      "royalties owed",
      `${formatOpg(royalties)} (${owned.length} model(s) owned)${royalties > 0n ? "; collectRoyalties pays them" : ""}`,
    ]);
  run.out.rows(rows);
  if (escrows.length === 0) return;
  run.out.info();
  run.out.table(
    ["operator", "balance", "thawing", "available", "thaw"],
    escrows.map((e) => [
      e.operator,
      formatOpg(e.balance),
      e.thawEndsAt === 0n ? "-" : formatOpg(e.thawing),
      formatOpg(e.available),
      e.thawEndsAt === 0n ? "no thaw" : withdrawableWords(e.thawEndsAt, now),
    ]),
    { right: [false, true, true, true, false] },
  );
}
