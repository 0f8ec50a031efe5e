import { ponder } from "ponder:registry";
import { account, allowance, supply, transfer } from "ponder:schema";
import { zeroAddress } from "viem";

import { emptyAccount, isLockedContract, record } from "./network.js";
import { where } from "./where.js";

ponder.on("OPG:Transfer", async ({ event, context }) => {
  const { from, to, value } = event.args;
  const db = context.db;
  await db.insert(transfer).values({ id: event.id, from, to, amount: value, ...where(event) });
  let locked = 0n;
  if (from === zeroAddress) {
    await db
      .insert(supply)
      .values({ id: "OPG", total: value, burned: 0n })
      .onConflictDoUpdate((row) => ({ total: row.total + value }));
  } else {
    // The upsert answers the row: its `locked` says whether it is a voting vault, with no read of its own.
    const row = await db
      .insert(account)
      .values({ address: from, ...emptyAccount, balance: -value })
      .onConflictDoUpdate((row) => ({ balance: row.balance - value }));
    if (row.locked || isLockedContract(from)) locked -= value;
  }
  if (to === zeroAddress) {
    await db
      .insert(supply)
      .values({ id: "OPG", total: -value, burned: value })
      .onConflictDoUpdate((row) => ({ total: row.total - value, burned: row.burned + value }));
  } else {
    const row = await db
      .insert(account)
      .values({ address: to, ...emptyAccount, balance: value })
      .onConflictDoUpdate((row) => ({ balance: row.balance + value }));
    if (row.locked || isLockedContract(to)) locked += value;
  }
  // Mints, burns and moves in or out of the locked contracts change the circulating supply.
  if (locked !== 0n || from === zeroAddress || to === zeroAddress)
    await record(db, event.block.timestamp, {}, { locked });
});

ponder.on("OPG:Approval", async ({ event, context }) => {
  const { owner, spender, value } = event.args;
  await context.db.insert(allowance).values({ owner, spender, amount: value }).onConflictDoUpdate({ amount: value });
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
