/**
 * The payer's escrow: escrow deposit, escrow thaw, escrow withdraw, escrow balance. A deposit pays OPG into the
 * payments escrow, from which vouchers and requests pay nodes; a withdrawal thaws first (30 days by default), so
 * that nodes can still collect the vouchers signed before the thaw started.
 */
import { formatOpg, formatTime } from "../../../deploy/lib/format";
import { parseAddress, parseAmount } from "../args";
import { requireContracts } from "../connect";
import { Run, eventsIn } from "../context";
import { CliError, explain } from "../errors";
import { formatDuration, withdrawableWords } from "../format";
import { queryRange } from "../logs";
import { Funding, fundingMethod, pay, requireBalance } from "./tokens";
import { subject } from "./views";

const FUNDING_WORDS: Record<Funding, string> = {
  allowance: "the existing allowance covers it (one transaction)",
  approve: "approve the escrow, then deposit (two transactions)",
  permit: "an EIP-2612 permit signed now, sent with the deposit (one transaction)",
};

/*//////////////////////////////////////////////////////////////////////////
                                   DEPOSIT
//////////////////////////////////////////////////////////////////////////*/

export async function escrowDeposit(run: Run): Promise<void> {
  const amount = parseAmount("<amount>", run.args[0]);
  const forGiven = run.option("for") === undefined ? undefined : parseAddress("--for", run.option("for")!);
  const chain = await run.chain();
  await requireContracts(chain, ["PaymentsEscrow"]);
  const me = await run.signer();
  const { token, escrow } = chain.read;
  const payer = forGiven ?? me.address;
  const own = payer === me.address;

  const [balance, account] = await Promise.all([token.balanceOf(me.address), escrow.getAccount(payer)]);
  requireBalance(balance, amount);
  // The permit route deposits to the signer's own account only: another payer's deposit goes through approve.
  const spender = String(escrow.target);
  const how = await fundingMethod(run, chain, me, amount, spender, { permit: own });

  await run.confirm(`Deposit ${formatOpg(amount)} into the payments escrow${own ? "" : ` for ${payer}`}`, [
    ["from", me.address],
    ["payer", own ? `${payer} (you)` : payer],
    ["into", `PaymentsEscrow ${escrow.target}`],
    ["escrow balance after", formatOpg(account.balance + amount)],
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
      plain: () => me.write.escrow.deposit(payer, amount),
      permit: (p) => me.write.escrow.depositWithPermit(amount, p.deadline, p.v, p.r, p.s),
    },
    spender,
  );
  const deposited = eventsIn(receipt, escrow, "Deposited")[0]?.args.amount ?? amount;
  const [after, available] = await Promise.all([escrow.getAccount(payer), escrow.availableOf(payer)]);
  run.out.info(
    `deposited ${formatOpg(deposited)}${own ? "" : ` for ${payer}`}; ` +
      `escrow balance now ${formatOpg(after.balance)} (${formatOpg(available)} available)`,
  );
  run.out.result({
    action: "escrow deposit",
    depositor: me.address,
    payer,
    amount: deposited,
    balance: after.balance,
    available,
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
  const chain = await run.chain();
  await requireContracts(chain, ["PaymentsEscrow"]);
  const me = await run.signer();
  const { escrow } = chain.read;

  const [account, period, now] = await Promise.all([
    escrow.getAccount(me.address),
    escrow.withdrawalThawingPeriod(),
    chain.now(),
  ]);
  const amount = all ? account.balance : asked;
  if (all && amount === 0n) throw new CliError(`nothing to thaw: ${me.address} has no escrow balance`);
  if (amount > account.balance)
    throw new CliError(
      `insufficient escrow balance: have ${formatOpg(account.balance)} in escrow, need ${formatOpg(amount)}`,
    );
  const thawing = account.thawEndsAt > 0n;
  if (cancel && !thawing) throw new CliError("nothing is thawing: there is no thaw to cancel");
  await me.write.escrow.thaw.staticCall(amount);

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
    await run.confirm(`Cancel the escrow thaw of ${formatOpg(account.thawing)}`, [
      ["payer", me.address],
      ...current,
      ["available after", formatOpg(account.balance)],
    ]);
  } else {
    await run.confirm(`Thaw ${formatOpg(amount)} of your escrow balance (to withdraw it after the thawing period)`, [
      ["payer", me.address],
      ...current,
      ["available after", formatOpg(account.balance - amount)],
      ["thawing period", `${formatDuration(period)}: withdrawable at about ${formatTime(now + period)}`],
      ["meanwhile", "vouchers you signed before now can still collect it; newer ones cannot"],
    ]);
  }
  const receipt = await run.send(cancel ? "cancel thaw" : "thaw", me.write.escrow.thaw(amount));
  const event = eventsIn(receipt, escrow, "ThawStarted")[0];
  const endsAt: bigint = event?.args.thawEndsAt ?? (cancel ? 0n : now + period);
  const minedAt = BigInt((await chain.provider.getBlock(receipt.blockNumber))!.timestamp);
  const available = await escrow.availableOf(me.address);
  if (cancel) run.out.info(`thaw cancelled: ${formatOpg(available)} available`);
  else
    run.out.info(
      `thawing ${formatOpg(amount)}: ${withdrawableWords(endsAt, minedAt)}; ${formatOpg(available)} stays available`,
    );
  run.out.result({
    action: "escrow thaw",
    payer: me.address,
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

export async function escrowWithdraw(run: Run): Promise<void> {
  const chain = await run.chain();
  await requireContracts(chain, ["PaymentsEscrow"]);
  const me = await run.signer();
  const { token, escrow } = chain.read;

  const now = await chain.now();
  let amount: bigint;
  try {
    amount = await me.write.escrow.withdraw.staticCall();
  } catch (error) {
    throw new CliError(explain(error, { now }).message);
  }
  const [account, balance] = await Promise.all([escrow.getAccount(me.address), token.balanceOf(me.address)]);

  const rows: [string, string][] = [
    ["to", me.address],
    ["escrow balance after", formatOpg(account.balance - amount)],
    ["your balance after", formatOpg(balance + amount)],
  ];
  if (amount === 0n) rows.push(["note", "vouchers collected all of the thawed amount: this only ends the thaw"]);
  await run.confirm(`Withdraw ${formatOpg(amount)} of thawed escrow balance`, rows);
  const receipt = await run.send("withdraw", me.write.escrow.withdraw());
  const paid = eventsIn(receipt, escrow, "Withdrawn")[0]?.args.amount ?? amount;
  const [after, tokens] = await Promise.all([escrow.getAccount(me.address), token.balanceOf(me.address)]);
  run.out.info(
    `withdrew ${formatOpg(paid)} from the escrow; balance now ${formatOpg(tokens)} ` +
      `(${formatOpg(after.balance)} left in escrow)`,
  );
  run.out.result({
    action: "escrow withdraw",
    payer: me.address,
    amount: paid,
    escrowBalance: after.balance,
    tx: receipt.hash,
    block: receipt.blockNumber,
  });
}

/*//////////////////////////////////////////////////////////////////////////
                                   BALANCE
//////////////////////////////////////////////////////////////////////////*/

export async function escrowBalance(run: Run): Promise<void> {
  const given = run.args[0] !== undefined ? parseAddress("[address]", run.args[0], { allowZero: true }) : undefined;
  const chain = await run.chain();
  await requireContracts(chain, ["PaymentsEscrow"]);
  const address = await subject(run, given);
  const { escrow, staking, models, nodes } = chain.read;
  const latest = await chain.provider.getBlock("latest");
  const now = BigInt(latest!.timestamp);
  const from = chain.deployment.startBlock;
  const to = latest!.number;

  const [account, available, nodeFees, royalties, operator, counts, registered, received] = await Promise.all([
    escrow.getAccount(address),
    escrow.availableOf(address),
    escrow.nodeFeesOf(address),
    escrow.royaltiesOf(address),
    staking.getOperator(address),
    nodes.nodeCountsOf(address),
    queryRange((a, b) => models.queryFilter(models.filters.ModelRegistered(undefined, address), a, b), from, to),
    queryRange(
      (a, b) => models.queryFilter(models.filters.ModelOwnershipTransferred(undefined, undefined, address), a, b),
      from,
      to,
    ),
  ]);
  // The models it owns now: registered or received, and not handed on since.
  const candidates = [...new Set([...registered, ...received].map((e) => e.args.modelId))];
  const owners = await Promise.all(candidates.map((m) => models.getModel(m)));
  const owned = candidates.filter((_, i) => owners[i].owner === address);
  const isOperator = operator.staked || counts.some((c) => c > 0n) || nodeFees > 0n;
  const isModelOwner = owned.length > 0 || royalties > 0n;
  const thawEndsAt = account.thawEndsAt;

  run.out.result({
    address,
    chainId: chain.chainId,
    block: to,
    time: now,
    balance: account.balance,
    thawing: account.thawing,
    available,
    thawStartedAt: account.thawStartedAt,
    thawEndsAt,
    withdrawable: thawEndsAt > 0n && thawEndsAt <= now,
    ...(isOperator ? { nodeFeesOwed: nodeFees } : {}),
    ...(isModelOwner ? { royaltiesOwed: royalties, models: owned } : {}),
  });
  if (run.out.json) return;

  run.out.info(`escrow of ${address} on ${chain.label}, block ${to} at ${formatTime(now)}`);
  const rows: [string, string][] = [
    ["balance", formatOpg(account.balance)],
    ["thawing", thawEndsAt === 0n ? "none" : formatOpg(account.thawing)],
    ["available", formatOpg(available)],
    [
      "thaw ends",
      thawEndsAt === 0n ? "no thaw in progress" : `${formatTime(thawEndsAt)}: ${withdrawableWords(thawEndsAt, now)}`,
    ],
  ];
  if (isOperator)
    rows.push([
      "node fees owed",
      `${formatOpg(nodeFees)}${nodeFees > 0n ? " (collectNodeFees hands them to staking, to claim as rewards)" : ""}`,
    ]);
  if (isModelOwner)
    rows.push([
      "royalties owed",
      `${formatOpg(royalties)} (${owned.length} model(s) owned)${royalties > 0n ? "; collectRoyalties pays them" : ""}`,
    ]);
  run.out.rows(rows);
}
