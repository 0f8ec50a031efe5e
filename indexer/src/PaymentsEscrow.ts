import { ponder } from "ponder:registry";
import {
  deposit,
  escrowAccount,
  escrowCollection,
  escrowFunding,
  model,
  operatorEscrow,
  payment,
  request,
  requestCommitment,
  voucherSkip,
  withdrawal,
} from "ponder:schema";
import { zeroAddress } from "viem";

import { promoteRoyalty } from "./ModelRegistry.js";
import { record } from "./network.js";
import { where } from "./where.js";

const emptyAccount = { balance: 0n, deposited: 0n, funded: 0n, withdrawn: 0n, paid: 0n };
const emptyEscrow = {
  balance: 0n,
  thawing: 0n,
  thawStartedAt: 0n,
  thawEndsAt: 0n,
  funded: 0n,
  withdrawn: 0n,
  paid: 0n,
};

ponder.on("PaymentsEscrow:Deposited", async ({ event, context }) => {
  const { payer, depositor, amount } = event.args;
  await context.db.insert(deposit).values({ id: event.id, payer, depositor, amount, ...where(event) });
  await context.db
    .insert(escrowAccount)
    .values({ payer, ...emptyAccount, balance: amount, deposited: amount })
    .onConflictDoUpdate((row) => ({ balance: row.balance + amount, deposited: row.deposited + amount }));
});

/** The free balance funds the escrow with the operator (depositToEscrow deposits first, in the same call). */
ponder.on("PaymentsEscrow:EscrowFunded", async ({ event, context }) => {
  const { payer, operator, amount } = event.args;
  await context.db.insert(escrowFunding).values({ id: event.id, payer, operator, amount, ...where(event) });
  await context.db
    .update(escrowAccount, { payer })
    .set((row) => ({ balance: row.balance - amount, funded: row.funded + amount }));
  await context.db
    .insert(operatorEscrow)
    .values({ payer, operator, ...emptyEscrow, balance: amount, funded: amount })
    .onConflictDoUpdate((row) => ({ balance: row.balance + amount, funded: row.funded + amount }));
});

/** A thaw replaces the previous one; an amount of 0 cancels it. */
ponder.on("PaymentsEscrow:ThawStarted", async ({ event, context }) => {
  const { payer, operator, amount, thawEndsAt } = event.args;
  const thawStartedAt = amount === 0n ? 0n : event.block.timestamp;
  await context.db
    .insert(operatorEscrow)
    .values({ payer, operator, ...emptyEscrow, thawing: amount, thawStartedAt, thawEndsAt })
    .onConflictDoUpdate({ thawing: amount, thawStartedAt, thawEndsAt });
});

/** From the escrow with `operator` (what was thawing), or from the free balance when `operator` is zero. */
ponder.on("PaymentsEscrow:Withdrawn", async ({ event, context }) => {
  const { payer, operator, amount } = event.args;
  await context.db.insert(withdrawal).values({ id: event.id, payer, operator, amount, ...where(event) });
  if (operator === zeroAddress) {
    await context.db
      .update(escrowAccount, { payer })
      .set((row) => ({ balance: row.balance - amount, withdrawn: row.withdrawn + amount }));
    return;
  }
  await context.db
    .insert(escrowAccount)
    .values({ payer, ...emptyAccount, withdrawn: amount })
    .onConflictDoUpdate((row) => ({ withdrawn: row.withdrawn + amount }));
  await context.db.update(operatorEscrow, { payer, operator }).set((row) => ({
    balance: row.balance - amount,
    withdrawn: row.withdrawn + amount,
    thawing: 0n,
    thawStartedAt: 0n,
    thawEndsAt: 0n,
  }));
});

ponder.on("PaymentsEscrow:PaymentCollected", async ({ event, context }) => {
  const a = event.args;
  await context.db.insert(payment).values({
    id: event.id,
    payer: a.payer,
    nodeId: a.nodeId,
    modelId: a.modelId,
    operator: a.operator,
    modelOwner: a.modelOwner,
    mode: a.mode,
    kind: a.kind,
    gross: a.gross,
    nodeShare: a.nodeShare,
    royalty: a.royalty,
    protocolFee: a.protocolFee,
    ...where(event),
  });
  // A voucher is paid from the payer's escrow with the node's operator, its thaw capped at what is left; a request
  // from its fee cap, which left the free balance when the request was posted.
  if (a.kind === 0)
    await context.db.update(operatorEscrow, { payer: a.payer, operator: a.operator }).set((row) => {
      const balance = row.balance - a.gross;
      return { balance, thawing: row.thawing > balance ? balance : row.thawing, paid: row.paid + a.gross };
    });
  await context.db
    .insert(escrowAccount)
    .values({ payer: a.payer, ...emptyAccount, paid: a.gross })
    .onConflictDoUpdate((row) => ({ paid: row.paid + a.gross }));
  await record(context.db, event.block.timestamp, { inferencesPaid: 1, volume: a.gross });
  // The registry applied any royalty increase that was due: the model row follows now.
  const m = await context.db.find(model, { id: a.modelId });
  if (m) await promoteRoyalty(context.db, m, event.block.timestamp);
});

ponder.on("PaymentsEscrow:VoucherSkipped", async ({ event, context }) => {
  const { index, payer, nodeId, reason } = event.args;
  await context.db.insert(voucherSkip).values({ id: event.id, index, payer, nodeId, reason, ...where(event) });
});

ponder.on("PaymentsEscrow:RoyaltiesCollected", async ({ event, context }) => {
  const { owner, amount } = event.args;
  await context.db
    .insert(escrowCollection)
    .values({ id: event.id, kind: "royalties", to: owner, amount, ...where(event) });
});

ponder.on("PaymentsEscrow:ProtocolFeesFlushed", async ({ event, context }) => {
  const { recipient, amount } = event.args;
  await context.db
    .insert(escrowCollection)
    .values({ id: event.id, kind: "protocolFees", to: recipient, amount, ...where(event) });
  const burned = recipient === zeroAddress ? amount : 0n;
  await record(
    context.db,
    event.block.timestamp,
    { feesBurned: burned },
    { feesBurned: burned, protocolFeesFlushed: amount },
  );
});

ponder.on("PaymentsEscrow:RequestPosted", async ({ event, context }) => {
  const a = event.args;
  await context.db.insert(request).values({
    id: a.requestId,
    payer: a.payer,
    modelId: a.modelId,
    inputHash: a.inputHash,
    mode: a.mode,
    feeCap: a.feeCap,
    deadline: a.deadline,
    nodeId: a.nodeId,
    status: "open",
    price: null,
    postedAt: event.block.timestamp,
  });
  await context.db.update(escrowAccount, { payer: a.payer }).set((row) => ({ balance: row.balance - a.feeCap }));
});

/** The node's answer committed before an open request is fulfilled (a later block): the last per (request, node). */
ponder.on("PaymentsEscrow:FulfilmentCommitted", async ({ event, context }) => {
  const { requestId, nodeId, commitment } = event.args;
  await context.db
    .insert(requestCommitment)
    .values({ requestId, nodeId, commitment, ...where(event) })
    .onConflictDoUpdate({ commitment, ...where(event) });
});

ponder.on("PaymentsEscrow:RequestFulfilled", async ({ event, context }) => {
  const { requestId, nodeId, price, refunded } = event.args;
  const posted = await context.db.update(request, { id: requestId }).set({ status: "fulfilled", price, nodeId });
  await context.db.update(escrowAccount, { payer: posted.payer }).set((row) => ({ balance: row.balance + refunded }));
});

ponder.on("PaymentsEscrow:RequestReclaimed", async ({ event, context }) => {
  const { requestId, payer, feeCap } = event.args;
  await context.db.update(request, { id: requestId }).set({ status: "reclaimed" });
  await context.db.update(escrowAccount, { payer }).set((row) => ({ balance: row.balance + feeCap }));
});
