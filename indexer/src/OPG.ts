import { ponder } from "ponder:registry";
import { account, supply, transfer } from "ponder:schema";
import { zeroAddress } from "viem";

import { where } from "./where.js";

const emptyAccount = { balance: 0n, votes: 0n };

ponder.on("OPG:Transfer", async ({ event, context }) => {
  const { from, to, value } = event.args;
  await context.db.insert(transfer).values({ id: event.id, from, to, amount: value, ...where(event) });
  if (from === zeroAddress) {
    await context.db
      .insert(supply)
      .values({ id: "OPG", total: value, burned: 0n })
      .onConflictDoUpdate((row) => ({ total: row.total + value }));
  } else {
    await context.db
      .insert(account)
      .values({ address: from, ...emptyAccount, balance: -value })
      .onConflictDoUpdate((row) => ({ balance: row.balance - value }));
  }
  if (to === zeroAddress) {
    await context.db
      .insert(supply)
      .values({ id: "OPG", total: -value, burned: value })
      .onConflictDoUpdate((row) => ({ total: row.total - value, burned: row.burned + value }));
  } else {
    await context.db
      .insert(account)
      .values({ address: to, ...emptyAccount, balance: value })
      .onConflictDoUpdate((row) => ({ balance: row.balance + value }));
  }
});

ponder.on("OPG:DelegateChanged", async ({ event, context }) => {
  const { delegator, toDelegate } = event.args;
  await context.db
    .insert(account)
    .values({ address: delegator, ...emptyAccount, delegate: toDelegate })
    .onConflictDoUpdate({ delegate: toDelegate });
});

ponder.on("OPG:DelegateVotesChanged", async ({ event, context }) => {
  const { delegate, newVotes } = event.args;
  await context.db
    .insert(account)
    .values({ address: delegate, ...emptyAccount, votes: newVotes })
    .onConflictDoUpdate({ votes: newVotes });
});
