/*
PaymentsEscrow (a payer's free balance funds requests and escrows and leaves at once; its escrow with each operator
alone pays that operator's vouchers and leaves only through a thaw; node shares are credited in staking per payment)
├── deployment → it stores the token, node and model registries, staking and proofs; the admin holds DEFAULT_ADMIN_ROLE;
│   the protocol fee is 1%, the withdrawal thaw 30 days, the fee recipient zero (burn), request ids start at 1;
│   VOUCHER_TYPEHASH is the hash of the voucher type; the EIP-712 domain is ("OPG Payments", "1", chain, escrow)
├── deposit
│   ├── when the amount is 0 → it reverts EscrowZeroAmount
│   ├── when the payer deposits for itself → its free balance grows, the tokens move from it, no escrow grows; it
│   │   emits Deposited(payer, payer, amount) and no EscrowFunded
│   ├── when a depositor pays for another payer (an EOA or a contract wallet) → Deposited(payer, depositor, amount)
│   └── given a thaw in progress → the escrow and its thaw are unchanged
├── free balance and escrows
│   ├── depositToEscrow → Deposited(payer, depositor, amount) and EscrowFunded(payer, operator, amount); the escrow grows
│   ├── fundEscrow → the free balance moves into the escrow with the operator, no token moves; EscrowFunded; 0 →
│   │   EscrowZeroAmount; above the free balance → EscrowInsufficientBalance(balance, amount)
│   ├── a zero operator or the payer itself → EscrowInvalidOperator(operator) (fundEscrow and depositToEscrow)
│   └── withdrawBalance → at once; Withdrawn(payer, 0, amount); a locked fee cap and the escrows stay; 0 →
│       EscrowZeroAmount; above → EscrowInsufficientBalance(balance, amount)
├── depositWithPermit
│   ├── when the permit is valid → it spends the permit (nonce used, allowance back to 0) and deposits
│   ├── when someone submitted the same permit first (front-run) → the deposit still succeeds
│   └── when the permit is bad and there is no allowance → it reverts ERC20InsufficientAllowance
├── thaw (of the escrow with an operator)
│   ├── when the amount is above that escrow → it reverts EscrowInsufficientBalance(balance, amount); an escrow with
│   │   another operator is apart
│   ├── when the amount is within it (all of it included) → thawing = amount, started now, ending now + the thawing
│   │   period, availableOf(payer, operator) drops, no token moves; ThawStarted(payer, operator, amount, endsAt)
│   ├── a fee cap locked in a request and the free balance are apart; each escrow thaws on its own
│   ├── given a thaw in progress → a new thaw replaces its amount, start and end; it never ends before the thaw it
│   │   replaces (or cancelled): endsAt = max(now + period, previous end), after the period is shortened too
│   └── when the amount is 0 → it cancels the thaw: thawing and start back to 0, the end kept as the floor of the
│       next thaw (until a withdrawal clears it); ThawStarted(payer, op, 0, 0)
├── withdraw (an escrow's thawed funds)
│   ├── given no thaw → it reverts EscrowThawNotEnded(0)
│   ├── given the thaw has not ended → it reverts EscrowThawNotEnded(endsAt), up to its last second
│   ├── given the thaw has ended → it pays the thawing amount, clears the thaw; Withdrawn(payer, operator, amount);
│   │   withdrawing again reverts EscrowThawNotEnded(0)
│   ├── given vouchers took part of the thawing funds during the thaw → it pays only what is left
│   └── given vouchers took all of it → it pays 0 and emits Withdrawn(payer, operator, 0)
├── postRequest
│   ├── when the fee cap is 0 → it reverts EscrowZeroAmount
│   ├── when the deadline is now or past → it reverts EscrowDeadlinePassed(deadline)
│   ├── when the deadline is MAX_REQUEST_DURATION (1 day) away or later → EscrowDeadlineTooFar(deadline, now + 1 day
│   │   − 1 s); 1 s less is accepted; a deadline beyond uint40 is refused so, never truncated
│   ├── when the model is unknown → it reverts EscrowUnknownModel(model)
│   ├── when the cap is above the free balance (escrows not counted) → EscrowInsufficientBalance(balance, cap);
│   │   exactly the free balance is accepted
│   ├── otherwise → the cap leaves the free balance, the request is stored Open with postedAt, ids count up, no
│   │   token moves; it emits RequestPosted with every value
│   └── when the node id does not fit its storage slot → SafeCastOverflowedUintDowncast, never truncated
├── fulfil (an open request is committed a block before)
│   ├── given an unknown request → it reverts EscrowRequestNotOpen(id, None)
│   ├── when a node was chosen and another fulfils → it reverts EscrowWrongNode(id, chosen, nodeId)
│   ├── when the caller does not operate the node → it reverts EscrowNotNodeOperator(nodeId, caller)
│   ├── when the payer operates the node (self-dealing) → it reverts EscrowSelfDealing(payer, nodeId)
│   ├── when the node is not eligible → it reverts EscrowNodeNotEligible(nodeId, model, mode, reason) for
│   │   ModeNotOffered, ModelNotServed, Jailed, Stale, MeasurementNotApproved, InsufficientOwnStake,
│   │   InsufficientStake, Inactive
│   ├── when the node's price is above the cap → it reverts EscrowPriceAboveCap(price, cap)
│   ├── after the deadline → it reverts EscrowDeadlinePassed(deadline); at the deadline it still pays
│   ├── otherwise → it pays the price split exactly at protocolFeeFor(postedAt) (fee and royalty rounded down, the
│   │   node the rest, credited in staking: FeesCredited, tokens to staking in the same transaction), refunds cap −
│   │   price to the free balance, marks the request Fulfilled; RequestFulfilled and PaymentCollected(kind Request);
│   │   it commits a proof record under requestInferenceId(id) (first byte 0xff), held for the node
│   ├── when no node was chosen → any eligible node may fulfil it
│   ├── when the mode's price is 0 → the whole cap is refunded and no payment is recorded
│   ├── when fulfilled twice → it reverts EscrowRequestNotOpen(id, Fulfilled)
│   └── given another node committed the record's leaf as a batch root first (a front-run) → it still pays
├── commitments of open requests
│   ├── commitFulfilment by a non-operator → EscrowNotNodeOperator; of a request not open → EscrowRequestNotOpen;
│   │   otherwise FulfilmentCommitted(id, nodeId, commitment), commitment = keccak256(id, nodeId, output, proof)
│   ├── no commitment, another answer's or another node's → EscrowNotCommitted(id, commitment of this answer)
│   ├── committed in the same block → EscrowNotCommitted; one block later → paid
│   └── a request naming its node → paid without a commitment
├── protocolFeeFor
│   ├── an increase applies to terms agreed before it (voucher issuedAt, request postedAt) only after one withdrawal
│   │   thawing period; to later ones at once
│   ├── a decrease applies at once, to earlier terms too
│   ├── two increases within the grace → the lowest earlier fee for terms agreed before the second
│   ├── an increase after the grace ended → the earlier fee is the one then in force
│   └── the grace's end is stored at the increase (feeGraceEndsAt = increase + the period then in force): a later
│       change of the thawing period, shorter or longer, does not move it; a decrease leaves it
├── the node's price increase delay, as fulfil sees it → NodePriceIncreaseScheduled(node, prices, now + 1 day); the
│   old price until then, the new one from then (for a request posted after it was scheduled); a decrease at once
├── reclaim
│   ├── before or at the deadline → it reverts EscrowRequestNotExpired(id, deadline)
│   ├── after the deadline → anyone may reclaim; the cap goes back to the free balance; it emits RequestReclaimed
│   ├── then fulfil → it reverts EscrowRequestNotOpen(id, Reclaimed); reclaiming again → the same
│   └── given a fulfilled request → it reverts EscrowRequestNotOpen(id, Fulfilled)
├── redeem (from the payer's escrow with the node's operator only)
│   ├── the digest → voucherDigest equals the EIP-712 hash under the domain read from eip712Domain()
│   ├── a first voucher → it pays cumulative − 0, split exactly; PaymentCollected(kind Voucher) and FeesCredited; it
│   │   returns what it paid; anyone may submit it
│   ├── the same voucher again → EscrowNothingOwed(cumulative, redeemed); a higher one pays only the difference;
│   │   an older (lower) one → EscrowNothingOwed
│   ├── channels → each (payer, node, model, mode) has its own redeemed amount
│   ├── a bad signature, or a field changed after signing → EscrowInvalidSignature(payer)
│   ├── a voucher signed for another chain id, verifying contract, name or version → EscrowInvalidSignature(payer)
│   ├── expired → EscrowVoucherExpired(expiry); at its expiry it still pays
│   ├── issued in the future → EscrowVoucherFromTheFuture(issuedAt); at issuedAt it pays
│   ├── an unknown node → EscrowUnknownNode(nodeId); self-dealing → EscrowSelfDealing(payer, nodeId); an unknown
│   │   model → EscrowUnknownModel(model); a model the node does not list or a mode it does not offer →
│   │   EscrowNodeDoesNotOffer(nodeId, model, mode) (an unknown model is named first); paid once it lists the model
│   ├── a jailed or deregistered node, or one whose operator unstaked below its minimum → EscrowNodeNotServing(node)
│   │   (skipped so in a batch); paid again once it serves
│   ├── an EIP-1271 contract wallet payer → it pays with its owner's signature; another's → EscrowInvalidSignature
│   ├── a payer's ECDSA signature is accepted whatever code its account has (an EIP-7702 account whose code rejects
│   │   EIP-1271); another key's is still refused
│   └── a payer short in its escrow with the operator → it pays what that escrow has (its free balance and other
│       escrows do not pay), the rest after a top-up; with nothing → EscrowInsufficientBalance(0, owed)
├── redeem during a thaw
│   ├── a voucher issued before the thaw started → it can take the thawing funds; thawing shrinks to the balance
│   ├── a voucher issued at or after the start → it cannot: EscrowInsufficientBalance(available, owed), or it is
│   │   paid only from the part not thawing
│   └── after a cancelled thaw → every voucher may take the whole balance again
├── redeemBatch
│   ├── when the lengths differ or the batch is empty → it reverts EscrowBadBatch(vouchers, signatures)
│   ├── many payers and two nodes in one transaction → each is paid from its own escrow, split exactly; the total
│   ├── one bad voucher → the others are paid; it emits VoucherSkipped(index, payer, nodeId, selector)
│   ├── every kind of failure → each is skipped with its own error's selector
│   ├── the same voucher twice → the second is skipped with EscrowNothingOwed
│   ├── a payer's escrow with the operator runs out → later vouchers skipped; another operator's node is not paid
│   └── when nothing pays → it reverts EscrowBatchPaidNothing
├── node fees credited in staking
│   ├── a payment → FeesCredited(operator, nodeShare, streaming, endsAt) in its transaction, Staking's token balance up by
│   │   the node share; claimableRewards of the operator and of its delegator grew by exactly their parts
│   ├── each operator's fees are its own
│   └── a delegation made after a payment does not share it
├── collectRoyalties
│   ├── when nothing is owed → it reverts EscrowNothingToCollect(caller)
│   └── otherwise → it pays the model owner; it emits RoyaltiesCollected(owner, amount)
├── flushProtocolFees
│   ├── when nothing is pending → it reverts EscrowNothingToCollect(escrow)
│   ├── given the recipient is zero → it burns: the total supply drops by exactly the fees
│   └── after setFeeRecipient → it pays the recipient; it emits ProtocolFeesFlushed(recipient, amount)
└── governance
    ├── when the caller lacks DEFAULT_ADMIN_ROLE → every setter reverts AccessControlUnauthorizedAccount
    ├── setProtocolFee: above 10% → EscrowParameterOutOfBounds("protocolFeePpm", fee, 0, 100000); the bounds are
    │   accepted; it emits ParameterSet; the next payment uses it
    ├── setWithdrawalThawingPeriod: outside [1 day, 60 days] → EscrowParameterOutOfBounds("withdrawalThawingPeriod",
    │   period, 1 day, 60 days); the bounds are accepted; it emits ParameterSet; only new thaws use it
    └── setFeeRecipient → it emits FeeRecipientSet(old, new)
*/

import { expect } from "chai";
import { ethers, network } from "hardhat";
import { loadFixture, mine, time } from "@nomicfoundation/hardhat-network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { ContractTransactionResponse, LogDescription, TypedDataDomain } from "ethers";

import { MockERC1271Wallet__factory, PaymentsEscrow__factory } from "../../typechain-types";
import { opg } from "../../deploy/lib/format";
import {
  Eligibility,
  Mode,
  PERMIT_TYPES,
  PPM,
  PaymentKind as Kind,
  RequestStatus as Status,
  VOUCHER_TYPES,
  type Voucher,
} from "../helpers/protocol";
import { REWARDS_TOTAL, deployTestCore } from "../helpers/core";
import { commitAndRegisterModel } from "../helpers/models";

const { ZeroAddress, ZeroHash, MaxUint256, encodeBytes32String, keccak256, AbiCoder, toBeHex, concat, id } = ethers;
const abi = AbiCoder.defaultAbiCoder();

const HOUR = 3_600n;
const DAY = 86_400n;
const GENESIS_SUPPLY = opg(1_000_000_000n);
/** What each account is given by the admin. */
const FUNDS = opg(1_000_000n);
/** A fixed gas limit, so that a transaction pinned to a timestamp is mined there even when it reverts. */
const GAS = 2_000_000n;

const FEE_PPM = 10_000n;
const MAX_FEE_PPM = 100_000n;
const ROYALTY_PPM = 50_000n;
const THAWING_PERIOD = 30n * DAY;
const MIN_THAWING_PERIOD = DAY;
const MAX_THAWING_PERIOD = 60n * DAY;

const OPERATOR_STAKE = opg(60_000n);
const OPERATOR2_STAKE = opg(10_000n);
const DELEGATION = opg(20_000n);
/** The operator's cut of its delegators' rewards and fees: 20%. */
const CUT_PPM = 200_000n;
/** What payer and payer2 hold in the escrow after the fixture. */
const DEPOSIT = opg(100n);

const MODEL = id("weights:llama-3-8b");
/** Registered (royalty 0) and served by node 2 only. */
const OTHER_MODEL = id("weights:mistral-7b");
const UNKNOWN_MODEL = id("weights:never-registered");
const MEASUREMENT = id("enclave:mrenclave:v1");
const INPUT = id("input:what is 2 + 2?");
const OUTPUT = id("output:4");
const PROOF = id("proof:attestation");

/** Node 1 (the operator's): none and TEE at 1 and 3 OPG. Node 2 (operator2's): none at 2 OPG. */
const NODE1_PRICES: [bigint, bigint, bigint] = [opg(1n), opg(3n), 0n];
const NODE2_PRICES: [bigint, bigint, bigint] = [opg(2n), 0n, 0n];

const VOUCHER_TYPE =
  "Voucher(address payer,uint256 nodeId,bytes32 modelId,uint8 mode,uint128 cumulativeAmount,uint64 issuedAt,uint64 expiry)";
/*//////////////////////////////////////////////////////////////////////////
                                    FIXTURE
//////////////////////////////////////////////////////////////////////////*/

async function deployEscrowFixture() {
  const [
    deployer,
    admin,
    builder,
    operator,
    delegator,
    operator2,
    payer,
    payer2,
    payer3,
    walletOwner,
    permitter,
    stranger,
    treasury,
  ] = await ethers.getSigners();
  const { token, staking, models, nodes, proofs, escrow } = await deployTestCore(deployer, admin);
  await token.connect(admin).transfer(staking, REWARDS_TOTAL);
  const wallet = await new MockERC1271Wallet__factory(deployer).deploy(walletOwner.address);
  const [escrowAddress, stakingAddress, walletAddress] = await Promise.all([
    escrow.getAddress(),
    staking.getAddress(),
    wallet.getAddress(),
  ]);

  await nodes.connect(admin).setTeeMeasurementApproval(MEASUREMENT, true);
  await commitAndRegisterModel(models, builder, MODEL, "ipfs://llama-3-8b", ROYALTY_PPM);
  await commitAndRegisterModel(models, builder, OTHER_MODEL, "ipfs://mistral-7b", 0n);

  for (const s of [operator, operator2, delegator, payer, payer2, payer3, walletOwner, permitter, stranger]) {
    await token.connect(admin).transfer(s.address, FUNDS);
  }
  for (const s of [operator, operator2, delegator]) await token.connect(s).approve(stakingAddress, MaxUint256);
  // The permitter approves nothing: it deposits by permit only.
  for (const s of [operator, payer, payer2, payer3, walletOwner, stranger]) {
    await token.connect(s).approve(escrowAddress, MaxUint256);
  }

  // Node 1: the operator's TEE + none node, with a delegator behind it and a 20% cut.
  await staking.connect(operator).stake(OPERATOR_STAKE);
  // Every cut change waits its delay.
  await staking.connect(operator).setDelegationCut(CUT_PPM);
  await time.increase(await staking.cutChangeDelay());
  await staking.applyDelegationCut(operator.address);
  const nodeId = await nodes.nextNodeId();
  await nodes.connect(operator).registerNode(
    {
      metadataURI: "https://node-1.example",
      modes: 3,
      teeMeasurement: MEASUREMENT,
      capacity: 16n,
      prices: NODE1_PRICES,
    },
    [MODEL],
  );
  await staking.connect(delegator).delegate(operator.address, DELEGATION, CUT_PPM);

  // Node 2: operator2's none-only node, serving both models.
  await staking.connect(operator2).stake(OPERATOR2_STAKE);
  const nodeId2 = await nodes.nextNodeId();
  await nodes
    .connect(operator2)
    .registerNode(
      { metadataURI: "https://node-2.example", modes: 1, teeMeasurement: ZeroHash, capacity: 8n, prices: NODE2_PRICES },
      [MODEL, OTHER_MODEL],
    );

  // Each has DEPOSIT in its free balance (requests) and DEPOSIT in its escrow with node 1's operator (vouchers).
  for (const p of [payer, payer2]) {
    await escrow.connect(p).deposit(p.address, DEPOSIT);
    await escrow.connect(p).depositToEscrow(p.address, operator.address, DEPOSIT);
  }

  const who: Record<string, string> = {
    payer: payer.address,
    payer2: payer2.address,
    payer3: payer3.address,
    operator: operator.address,
    operator2: operator2.address,
    delegator: delegator.address,
    builder: builder.address,
    wallet: walletAddress,
    walletOwner: walletOwner.address,
    permitter: permitter.address,
    stranger: stranger.address,
    treasury: treasury.address,
    escrow: escrowAddress,
    staking: stakingAddress,
  };
  return {
    token,
    staking,
    models,
    nodes,
    proofs,
    escrow,
    wallet,
    escrowAddress,
    stakingAddress,
    walletAddress,
    nodeId,
    nodeId2,
    who,
    deployer,
    admin,
    builder,
    operator,
    delegator,
    operator2,
    payer,
    payer2,
    payer3,
    walletOwner,
    permitter,
    stranger,
    treasury,
  };
}

type Fixture = Awaited<ReturnType<typeof deployEscrowFixture>>;

/** The accounts that can hold a free balance or an escrow in these tests, and the operators they fund. */
const HOLDERS = ["payer", "payer2", "payer3", "operator", "wallet", "permitter"] as const;
const OPERATORS = ["operator", "operator2"] as const;

/*//////////////////////////////////////////////////////////////////////////
                                    HELPERS
//////////////////////////////////////////////////////////////////////////*/

async function now(): Promise<bigint> {
  return BigInt(await time.latest());
}

/** Pins the next block to the next second and returns it. */
async function nextSecond(): Promise<bigint> {
  const t = (await now()) + 1n;
  await time.setNextBlockTimestamp(t);
  return t;
}

function nameOf(f: Fixture, address: string): string {
  const found = Object.entries(f.who).find(([, a]) => a.toLowerCase() === address.toLowerCase());
  if (!found) throw new Error(`unknown address ${address}`);
  return found[0];
}

/** The split of a payment: the protocol fee and the royalty round down, the node takes the rest. */
function split(gross: bigint, royaltyPpm: bigint = ROYALTY_PPM, feePpm: bigint = FEE_PPM) {
  const fee = (gross * feePpm) / PPM;
  const royalty = (gross * royaltyPpm) / PPM;
  return { fee, royalty, node: gross - fee - royalty };
}

/**
 * Every amount a payment, deposit, withdrawal or collection can touch: token balances of every account and contract,
 * free balances, escrows per operator (balance and thawing), the operators' credited fees in staking (their own part
 * and the total), royalties, pending protocol fees and the supply.
 */
async function booksOf(f: Fixture): Promise<Record<string, bigint>> {
  const { escrow, token } = f;
  const entries: [string, Promise<bigint>][] = Object.entries(f.who).map(([name, a]) => [
    `token:${name}`,
    token.balanceOf(a),
  ]);
  for (const name of HOLDERS) {
    entries.push([`balance:${name}`, escrow.balanceOf(f.who[name])]);
    for (const op of OPERATORS) {
      if (op === name) continue;
      const e = escrow.getEscrow(f.who[name], f.who[op]);
      entries.push([`escrow:${name}:${op}`, e.then((a) => a.balance)]);
      entries.push([`thawing:${name}:${op}`, e.then((a) => a.thawing)]);
    }
  }
  // Node fees are credited in staking as each payment is made (each one's operator is checked on its FeesCredited
  // event); staking releases them to the stake over time, so its per-operator books are not compared here.
  entries.push(["stakingFees", f.staking.feesDistributed()]);
  entries.push(["royalties:builder", escrow.royaltiesOf(f.who.builder)]);
  entries.push(["fees", escrow.protocolFeesPending()]);
  entries.push(["supply", token.totalSupply()]);
  const values = await Promise.all(entries.map(([, p]) => p));
  return Object.fromEntries(entries.map(([k], i) => [k, values[i]]));
}

/** Asserts that every book moved by exactly `changes` (by key) and nothing else moved. */
async function expectBooks(f: Fixture, before: Record<string, bigint>, changes: Record<string, bigint>) {
  for (const k of Object.keys(changes)) if (!(k in before)) throw new Error(`no book named ${k}`);
  const expected = Object.fromEntries(Object.entries(before).map(([k, v]) => [k, v + (changes[k] ?? 0n)]));
  expect(await booksOf(f)).to.deep.equal(expected);
}

/** Adds `delta` to `changes[key]`. */
function add(changes: Record<string, bigint>, key: string, delta: bigint) {
  changes[key] = (changes[key] ?? 0n) + delta;
}

/** How a payment's node share is credited in staking now: the delegators' part after the cut, the operator the rest. */
async function creditOf(f: Fixture, operator: string, amount: bigint) {
  const o = await f.staking.getOperator(operator);
  const active = o.ownActive + o.delegated.tokens;
  const delegatedPart = active === 0n ? 0n : (amount * o.delegated.tokens) / active;
  const toDelegators = delegatedPart - (delegatedPart * o.cutPpm) / PPM;
  return { toOperator: amount - toDelegators, toDelegators };
}

/** Adds a node share credited in staking to `changes`: the tokens leave the escrow for staking in the same call. */
async function addCredit(f: Fixture, changes: Record<string, bigint>, operator: string, amount: bigint) {
  const c = await creditOf(f, operator, amount);
  add(changes, "stakingFees", amount);
  add(changes, "token:staking", amount);
  add(changes, "token:escrow", -amount);
  return c;
}

/** A payer's escrow with an operator (node 1's by default). */
async function accountOf(f: Fixture, payer: string, operator: string = f.operator.address) {
  const a = await f.escrow.getEscrow(payer, operator);
  return { balance: a.balance, thawing: a.thawing, thawStartedAt: a.thawStartedAt, thawEndsAt: a.thawEndsAt };
}

async function requestOf(f: Fixture, requestId: bigint) {
  const r = await f.escrow.getRequest(requestId);
  return {
    payer: r.payer,
    deadline: r.deadline,
    mode: Number(r.mode),
    status: Number(r.status),
    postedAt: r.postedAt,
    feeCap: r.feeCap,
    nodeId: r.nodeId,
    modelId: r.modelId,
    inputHash: r.inputHash,
  };
}

/** The escrow's events in a transaction, in order, optionally only those named `name`. */
async function escrowEvents(f: Fixture, tx: ContractTransactionResponse, name?: string): Promise<LogDescription[]> {
  const receipt = (await tx.wait())!;
  return receipt.logs
    .filter((l) => l.address.toLowerCase() === f.escrowAddress.toLowerCase())
    .map((l) => f.escrow.interface.parseLog(l)!)
    .filter((e) => name === undefined || e.name === name);
}

function selectorOf(f: Fixture, error: string): string {
  return f.escrow.interface.getError(error)!.selector;
}

/*//////////////////////////////////////////////////////////////////////////
                                EIP-712 SIGNING
//////////////////////////////////////////////////////////////////////////*/

/** The escrow's EIP-712 domain, as the contract reports it. */
async function domainOf(f: Fixture): Promise<TypedDataDomain> {
  const [, name, version, chainId, verifyingContract] = await f.escrow.eip712Domain();
  return { name, version, chainId, verifyingContract };
}

/** A voucher from `payer` to node 1 for MODEL without verification, issued now and valid for 90 days. */
async function voucherOf(f: Fixture, overrides: Partial<Voucher> = {}): Promise<Voucher> {
  const t = await now();
  return {
    payer: f.payer.address,
    nodeId: f.nodeId,
    modelId: MODEL,
    mode: Mode.None,
    cumulativeAmount: opg(10n),
    issuedAt: t,
    expiry: t + 90n * DAY,
    ...overrides,
  };
}

/** Signs a voucher with `signer` under the escrow's domain, or that domain with `domain` changed. */
async function signVoucher(
  f: Fixture,
  signer: HardhatEthersSigner,
  v: Voucher,
  domain: Partial<TypedDataDomain> = {},
): Promise<string> {
  return signer.signTypedData({ ...(await domainOf(f)), ...domain }, VOUCHER_TYPES, v);
}

/** An EIP-2612 permit for the escrow, signed with the token's own domain and the owner's nonce. */
async function signPermit(f: Fixture, owner: HardhatEthersSigner, value: bigint, deadline: bigint, signer = owner) {
  const [, name, version, chainId, verifyingContract] = await f.token.eip712Domain();
  const nonce = await f.token.nonces(owner.address);
  const message = { owner: owner.address, spender: f.escrowAddress, value, nonce, deadline };
  return ethers.Signature.from(
    await signer.signTypedData({ name, version, chainId, verifyingContract }, PERMIT_TYPES, message),
  );
}

/** The inference id of a request's proof record, in closed form: keccak(chain, escrow, id) >> 8 with 0xff on top. */
async function inferenceIdOf(f: Fixture, requestId: bigint): Promise<string> {
  const { chainId } = await domainOf(f);
  const h = BigInt(keccak256(abi.encode(["uint256", "address", "uint256"], [chainId, f.escrowAddress, requestId])));
  return toBeHex((h >> 8n) | (0xffn << 248n), 32);
}

/** The first 20 bytes of the leaf of the single record a node holds under an inference id (zero if none). */
async function singleRecordOf(f: Fixture, nodeId: bigint, inferenceId: string): Promise<string> {
  const r = await f.proofs.getRecord(nodeId, inferenceId);
  return String(r.leafPrefix).toLowerCase();
}

/** A proof record's leaf, hashed twice as OpenZeppelin's standard tree does. */
function leafOf(r: {
  inferenceId: string;
  modelId: string;
  inputHash: string;
  outputHash: string;
  proofType: number;
  proofHash: string;
}): string {
  const encoded = abi.encode(
    ["bytes32", "bytes32", "bytes32", "bytes32", "uint8", "bytes32"],
    [r.inferenceId, r.modelId, r.inputHash, r.outputHash, r.proofType, r.proofHash],
  );
  return keccak256(concat([keccak256(encoded)]));
}

/*//////////////////////////////////////////////////////////////////////////
                                ACTION HELPERS
//////////////////////////////////////////////////////////////////////////*/

/** deposit and asserts: the payer's balance grows, the depositor pays, the event; nothing else moves. */
async function depositAndCheck(f: Fixture, depositor: HardhatEthersSigner, payer: string, amount: bigint) {
  const before = await booksOf(f);
  await expect(f.escrow.connect(depositor).deposit(payer, amount))
    .to.emit(f.escrow, "Deposited")
    .withArgs(payer, depositor.address, amount)
    .and.not.to.emit(f.escrow, "EscrowFunded");
  await expectBooks(f, before, {
    [`balance:${nameOf(f, payer)}`]: amount,
    [`token:${nameOf(f, depositor.address)}`]: -amount,
    "token:escrow": amount,
  });
}

/** depositToEscrow and asserts: the payer's escrow with the operator grows, the depositor pays, both events. */
async function depositToEscrowAndCheck(
  f: Fixture,
  depositor: HardhatEthersSigner,
  payer: string,
  operator: string,
  amount: bigint,
) {
  const before = await booksOf(f);
  const account = await accountOf(f, payer, operator);
  const tx = f.escrow.connect(depositor).depositToEscrow(payer, operator, amount);
  await expect(tx).to.emit(f.escrow, "Deposited").withArgs(payer, depositor.address, amount);
  await expect(tx).to.emit(f.escrow, "EscrowFunded").withArgs(payer, operator, amount);
  expect(await accountOf(f, payer, operator)).to.deep.equal({ ...account, balance: account.balance + amount });
  await expectBooks(f, before, {
    [`escrow:${nameOf(f, payer)}:${nameOf(f, operator)}`]: amount,
    [`token:${nameOf(f, depositor.address)}`]: -amount,
    "token:escrow": amount,
  });
}

/** fundEscrow and asserts: the amount moves from the free balance to the escrow with the operator; no token moves. */
async function fundAndCheck(f: Fixture, payer: HardhatEthersSigner, operator: string, amount: bigint) {
  const before = await booksOf(f);
  await expect(f.escrow.connect(payer).fundEscrow(operator, amount))
    .to.emit(f.escrow, "EscrowFunded")
    .withArgs(payer.address, operator, amount);
  await expectBooks(f, before, {
    [`balance:${nameOf(f, payer.address)}`]: -amount,
    [`escrow:${nameOf(f, payer.address)}:${nameOf(f, operator)}`]: amount,
  });
}

/** thaw at the next second and asserts: the thaw stored (or cleared, its end kept as the floor), the event; nothing
 * else moves. */
async function thawAndCheck(
  f: Fixture,
  payer: HardhatEthersSigner,
  amount: bigint,
  operator: string = f.operator.address,
) {
  const before = await booksOf(f);
  const account = await accountOf(f, payer.address, operator);
  const period = await f.escrow.withdrawalThawingPeriod();
  const t = await nextSecond();
  // A thaw never ends before the thaw it replaces or cancelled; a cancel keeps that end as the floor.
  const floor = account.thawEndsAt;
  const endsAt = amount === 0n ? 0n : t + period > floor ? t + period : floor;
  await expect(f.escrow.connect(payer).thaw(operator, amount))
    .to.emit(f.escrow, "ThawStarted")
    .withArgs(payer.address, operator, amount, endsAt);
  expect(await accountOf(f, payer.address, operator)).to.deep.equal({
    balance: account.balance,
    thawing: amount,
    thawStartedAt: amount === 0n ? 0n : t,
    thawEndsAt: amount === 0n ? floor : endsAt,
  });
  expect(await f.escrow.availableOf(payer.address, operator)).to.equal(account.balance - amount);
  await expectBooks(f, before, {
    [`thawing:${nameOf(f, payer.address)}:${nameOf(f, operator)}`]: amount - account.thawing,
  });
  return { t, endsAt };
}

/** withdraw and asserts: it pays `expected` (what is left of the thaw), clears the thaw, the event. */
async function withdrawAndCheck(
  f: Fixture,
  payer: HardhatEthersSigner,
  expected: bigint,
  operator: string = f.operator.address,
) {
  const account = await accountOf(f, payer.address, operator);
  expect(account.thawing).to.equal(expected);
  const before = await booksOf(f);
  await expect(f.escrow.connect(payer).withdraw(operator))
    .to.emit(f.escrow, "Withdrawn")
    .withArgs(payer.address, operator, expected);
  expect(await accountOf(f, payer.address, operator)).to.deep.equal({
    balance: account.balance - expected,
    thawing: 0n,
    thawStartedAt: 0n,
    thawEndsAt: 0n,
  });
  const name = nameOf(f, payer.address);
  const op = nameOf(f, operator);
  await expectBooks(f, before, {
    [`escrow:${name}:${op}`]: -expected,
    [`thawing:${name}:${op}`]: -expected,
    [`token:${name}`]: expected,
    "token:escrow": -expected,
  });
}

/**
 * redeem and asserts: it pays `expected`, split exactly between the node's operator, the model's owner and the
 * protocol; the channel's redeemed amount grows by it; the payer's balance drops by it (and its thawing amount to
 * the balance when above it); the event; no token moves.
 */
async function redeemAndCheck(
  f: Fixture,
  v: Voucher,
  signature: string,
  expected: bigint,
  caller: HardhatEthersSigner = f.stranger,
) {
  const { escrow } = f;
  const [operator] = await f.nodes.nodeOperatorOf(v.nodeId);
  const [owner, royaltyPpm] = await f.models.royaltyOf(v.modelId);
  const s = split(expected, royaltyPpm, await escrow.protocolFeeFor(v.issuedAt));
  const account = await accountOf(f, v.payer, operator);
  const redeemed = await escrow.redeemedOf(v.payer, v.nodeId, v.modelId, v.mode);
  const before = await booksOf(f);

  const tx = await escrow.connect(caller).redeem(v, signature);
  await expect(tx)
    .to.emit(escrow, "PaymentCollected")
    .withArgs(v.payer, v.nodeId, v.modelId, operator, owner, v.mode, Kind.Voucher, expected, s.node, s.royalty, s.fee);
  await expect(tx).to.emit(f.staking, "FeesCredited").withArgs(operator, s.node, anyValue, anyValue);
  expect(await escrow.redeemedOf(v.payer, v.nodeId, v.modelId, v.mode)).to.equal(redeemed + expected);

  const balance = account.balance - expected;
  const thawing = account.thawing > balance ? balance : account.thawing;
  expect(await accountOf(f, v.payer, operator)).to.deep.equal({ ...account, balance, thawing });
  const payer = nameOf(f, v.payer);
  const op = nameOf(f, operator);
  const changes: Record<string, bigint> = {};
  add(changes, `escrow:${payer}:${op}`, -expected);
  add(changes, `thawing:${payer}:${op}`, thawing - account.thawing);
  await addCredit(f, changes, operator, s.node);
  add(changes, `royalties:${nameOf(f, owner)}`, s.royalty);
  add(changes, "fees", s.fee);
  await expectBooks(f, before, changes);
  return tx;
}

interface RequestParams {
  modelId: string;
  inputHash: string;
  mode: number;
  feeCap: bigint;
  deadline: bigint;
  nodeId: bigint;
}

async function requestParams(overrides: Partial<RequestParams> = {}): Promise<RequestParams> {
  return {
    modelId: MODEL,
    inputHash: INPUT,
    mode: Mode.Tee,
    feeCap: opg(5n),
    deadline: (await now()) + HOUR,
    nodeId: 0n,
    ...overrides,
  };
}

function post(f: Fixture, payer: HardhatEthersSigner, p: RequestParams, overrides: { gasLimit?: bigint } = {}) {
  return f.escrow.connect(payer).postRequest(p.modelId, p.inputHash, p.mode, p.feeCap, p.deadline, p.nodeId, overrides);
}

/** postRequest and asserts: the id, the stored request, the cap locked from the balance, the event; no token moves. */
async function postAndCheck(f: Fixture, payer: HardhatEthersSigner, overrides: Partial<RequestParams> = {}) {
  const p = await requestParams(overrides);
  const requestId = await f.escrow.nextRequestId();
  const balance = await f.escrow.balanceOf(payer.address);
  const before = await booksOf(f);
  const t = await nextSecond();
  await expect(post(f, payer, p))
    .to.emit(f.escrow, "RequestPosted")
    .withArgs(requestId, payer.address, p.modelId, p.inputHash, p.mode, p.feeCap, p.deadline, p.nodeId);
  expect(await f.escrow.nextRequestId()).to.equal(requestId + 1n);
  expect(await requestOf(f, requestId)).to.deep.equal({
    payer: payer.address,
    deadline: p.deadline,
    mode: p.mode,
    status: Status.Open,
    postedAt: t,
    feeCap: p.feeCap,
    nodeId: p.nodeId,
    modelId: p.modelId,
    inputHash: p.inputHash,
  });
  expect(await f.escrow.balanceOf(payer.address)).to.equal(balance - p.feeCap);
  await expectBooks(f, before, { [`balance:${nameOf(f, payer.address)}`]: -p.feeCap });
  return { requestId, ...p };
}

/**
 * fulfil and asserts: the price split exactly, the refund, the request Fulfilled (nothing else of it changed), the
 * events, the proof record committed under the request's reserved inference id; no token moves.
 */
async function fulfilAndCheck(
  f: Fixture,
  caller: HardhatEthersSigner,
  requestId: bigint,
  nodeId: bigint,
  outputHash = OUTPUT,
  proofHash = PROOF,
) {
  const { escrow, proofs } = f;
  const request = await requestOf(f, requestId);
  if (request.nodeId === 0n) {
    // An open request pays only an answer committed in an earlier block.
    const commitment = await escrow.fulfilmentCommitmentOf(requestId, nodeId, outputHash, proofHash);
    await expect(escrow.connect(caller).commitFulfilment(requestId, nodeId, commitment))
      .to.emit(escrow, "FulfilmentCommitted")
      .withArgs(requestId, nodeId, commitment);
  }
  const price = await f.nodes.priceOf(nodeId, request.mode);
  const [owner, royaltyPpm] = await f.models.royaltyOf(request.modelId);
  const s = split(price, royaltyPpm, await escrow.protocolFeeFor(request.postedAt));
  const refund = request.feeCap - price;
  const inferenceId = await inferenceIdOf(f, requestId);
  expect(await escrow.requestInferenceId(requestId)).to.equal(inferenceId);
  expect(inferenceId.slice(0, 4)).to.equal("0xff");
  const record = {
    inferenceId,
    modelId: request.modelId,
    inputHash: request.inputHash,
    outputHash,
    proofType: request.mode,
    proofHash,
  };
  const leaf = leafOf(record);
  expect(await proofs.leafOf(record)).to.equal(leaf);
  expect(await singleRecordOf(f, nodeId, inferenceId)).to.equal(ZeroHash.slice(0, 42));
  const before = await booksOf(f);

  const tx = await escrow.connect(caller).fulfil(requestId, nodeId, outputHash, proofHash);
  await expect(tx)
    .to.emit(escrow, "RequestFulfilled")
    .withArgs(requestId, nodeId, outputHash, proofHash, price, refund);
  if (price > 0n) {
    await expect(tx)
      .to.emit(escrow, "PaymentCollected")
      .withArgs(
        request.payer,
        nodeId,
        request.modelId,
        caller.address,
        owner,
        request.mode,
        Kind.Request,
        price,
        s.node,
        s.royalty,
        s.fee,
      );
  } else {
    await expect(tx).not.to.emit(escrow, "PaymentCollected");
  }
  await expect(tx)
    .to.emit(proofs, "RecordCommitted")
    .withArgs(nodeId, inferenceId, request.modelId, request.inputHash, outputHash, request.mode, proofHash, leaf);
  expect(await singleRecordOf(f, nodeId, inferenceId)).to.equal(leaf.slice(0, 42));
  expect(await requestOf(f, requestId)).to.deep.equal({ ...request, status: Status.Fulfilled });

  if (price > 0n)
    await expect(tx).to.emit(f.staking, "FeesCredited").withArgs(caller.address, s.node, anyValue, anyValue);
  const changes: Record<string, bigint> = {};
  add(changes, `balance:${nameOf(f, request.payer)}`, refund);
  if (s.node > 0n) await addCredit(f, changes, caller.address, s.node);
  add(changes, `royalties:${nameOf(f, owner)}`, s.royalty);
  add(changes, "fees", s.fee);
  await expectBooks(f, before, changes);
  return { tx, price, refund, split: s, inferenceId, leaf };
}

/** Commits `nodeId`'s answer to an open request (then a later block may fulfil it). */
async function commit(
  f: Fixture,
  caller: HardhatEthersSigner,
  requestId: bigint,
  nodeId: bigint,
  outputHash = OUTPUT,
  proofHash = PROOF,
) {
  const commitment = await f.escrow.fulfilmentCommitmentOf(requestId, nodeId, outputHash, proofHash);
  await f.escrow.connect(caller).commitFulfilment(requestId, nodeId, commitment);
  return commitment;
}

/** reclaim and asserts: the cap back in the payer's balance, the request Reclaimed, the event; no token moves. */
async function reclaimAndCheck(f: Fixture, caller: HardhatEthersSigner, requestId: bigint) {
  const request = await requestOf(f, requestId);
  const before = await booksOf(f);
  await expect(f.escrow.connect(caller).reclaim(requestId))
    .to.emit(f.escrow, "RequestReclaimed")
    .withArgs(requestId, request.payer, request.feeCap);
  expect(await requestOf(f, requestId)).to.deep.equal({ ...request, status: Status.Reclaimed });
  await expectBooks(f, before, { [`balance:${nameOf(f, request.payer)}`]: request.feeCap });
}

/** What a batch item is expected to do: pay an amount, or be skipped with an error. */
interface BatchItem {
  v: Voucher;
  signature: string;
  paid?: bigint;
  skip?: string;
}

/**
 * redeemBatch and asserts: the total it returns, the events in order (PaymentCollected for each item paid,
 * VoucherSkipped with its error's selector for each skipped), each channel's redeemed amount and every book.
 * Assumes no payer in the batch is thawing.
 */
async function redeemBatchAndCheck(f: Fixture, items: BatchItem[], caller: HardhatEthersSigner = f.stranger) {
  const { escrow } = f;
  const vouchers = items.map((i) => i.v);
  const signatures = items.map((i) => i.signature);
  const total = items.reduce((a, i) => a + (i.paid ?? 0n), 0n);
  const channels = await Promise.all(vouchers.map((v) => escrow.redeemedOf(v.payer, v.nodeId, v.modelId, v.mode)));
  const expectedEvents: unknown[][] = [];
  const changes: Record<string, bigint> = {};
  for (const [index, item] of items.entries()) {
    const { v } = item;
    if (item.skip) {
      expectedEvents.push(["VoucherSkipped", BigInt(index), v.payer, v.nodeId, selectorOf(f, item.skip)]);
      continue;
    }
    const [operator] = await f.nodes.nodeOperatorOf(v.nodeId);
    const [owner, royaltyPpm] = await f.models.royaltyOf(v.modelId);
    const s = split(item.paid!, royaltyPpm, await escrow.protocolFeeFor(v.issuedAt));
    expectedEvents.push([
      "PaymentCollected",
      v.payer,
      v.nodeId,
      v.modelId,
      operator,
      owner,
      BigInt(v.mode),
      BigInt(Kind.Voucher),
      item.paid!,
      s.node,
      s.royalty,
      s.fee,
    ]);
    add(changes, `escrow:${nameOf(f, v.payer)}:${nameOf(f, operator)}`, -item.paid!);
    await addCredit(f, changes, operator, s.node);
    add(changes, `royalties:${nameOf(f, owner)}`, s.royalty);
    add(changes, "fees", s.fee);
  }
  expect(await escrow.connect(caller).redeemBatch.staticCall(vouchers, signatures)).to.equal(total);
  const before = await booksOf(f);
  const tx = await escrow.connect(caller).redeemBatch(vouchers, signatures);
  // Staking's FeesCredited events are interleaved with the escrow's; only the escrow's are compared here.
  const events = (await escrowEvents(f, tx)).map((e) => [e.name, ...e.args]);
  expect(events).to.deep.equal(expectedEvents);
  await expectBooks(f, before, changes);
  // Each channel grew by what its items paid (an item counted once per channel it names).
  const paidByChannel = new Map<string, bigint>();
  items.forEach((i) => {
    const k = JSON.stringify([i.v.payer, i.v.nodeId.toString(), i.v.modelId, i.v.mode]);
    paidByChannel.set(k, (paidByChannel.get(k) ?? 0n) + (i.paid ?? 0n));
  });
  for (const [index, v] of vouchers.entries()) {
    const k = JSON.stringify([v.payer, v.nodeId.toString(), v.modelId, v.mode]);
    const firstIndex = vouchers.findIndex(
      (w) => JSON.stringify([w.payer, w.nodeId.toString(), w.modelId, w.mode]) === k,
    );
    expect(await escrow.redeemedOf(v.payer, v.nodeId, v.modelId, v.mode)).to.equal(
      channels[firstIndex] + paidByChannel.get(k)!,
      `channel of item ${index}`,
    );
  }
  return tx;
}

/*//////////////////////////////////////////////////////////////////////////
                                     TESTS
//////////////////////////////////////////////////////////////////////////*/

describe("PaymentsEscrow", function () {
  /*
  deployment → immutables, roles, defaults, the voucher type hash and the EIP-712 domain
  */
  describe("deployment", function () {
    it("stores its dependencies, gives the admin its role and starts from the default parameters", async function () {
      const f = await loadFixture(deployEscrowFixture);
      const { escrow } = f;
      expect(await escrow.TOKEN()).to.equal(await f.token.getAddress());
      expect(await escrow.NODES()).to.equal(await f.nodes.getAddress());
      expect(await escrow.MODELS()).to.equal(await f.models.getAddress());
      expect(await escrow.STAKING()).to.equal(f.stakingAddress);
      expect(await escrow.PROOFS()).to.equal(await f.proofs.getAddress());
      expect(await escrow.hasRole(await escrow.DEFAULT_ADMIN_ROLE(), f.admin.address)).to.equal(true);
      expect(await escrow.hasRole(await escrow.DEFAULT_ADMIN_ROLE(), f.deployer.address)).to.equal(false);
      expect(await escrow.protocolFeePpm()).to.equal(FEE_PPM);
      expect(await escrow.withdrawalThawingPeriod()).to.equal(THAWING_PERIOD);
      expect(await escrow.feeRecipient()).to.equal(ZeroAddress);
      expect(await escrow.nextRequestId()).to.equal(1n);
      expect(await escrow.protocolFeesPending()).to.equal(0n);
      expect(await escrow.MAX_PROTOCOL_FEE_PPM()).to.equal(MAX_FEE_PPM);
      expect(await escrow.MIN_WITHDRAWAL_THAWING_PERIOD()).to.equal(MIN_THAWING_PERIOD);
      expect(await escrow.MAX_WITHDRAWAL_THAWING_PERIOD()).to.equal(MAX_THAWING_PERIOD);
      expect(await escrow.VOUCHER_TYPEHASH()).to.equal(id(VOUCHER_TYPE));
      await expect(escrow.deploymentTransaction())
        .to.emit(escrow, "FeeRecipientSet")
        .withArgs(ZeroAddress, ZeroAddress);
    });

    it("reports the EIP-712 domain of OPG Payments version 1 on this chain and at its own address", async function () {
      const f = await loadFixture(deployEscrowFixture);
      const [fields, name, version, chainId, verifyingContract, salt, extensions] = await f.escrow.eip712Domain();
      expect(fields).to.equal("0x0f");
      expect([name, version]).to.deep.equal(["OPG Payments", "1"]);
      expect(chainId).to.equal((await ethers.provider.getNetwork()).chainId);
      expect(verifyingContract).to.equal(f.escrowAddress);
      expect([salt, [...extensions]]).to.deep.equal([ZeroHash, []]);
    });
  });

  /*
  deposit
  ├── when the amount is 0 → EscrowZeroAmount
  ├── own → balance grows, tokens move; Deposited(payer, payer, amount)
  └── on behalf of another payer (EOA or contract wallet) → Deposited(payer, depositor, amount)
  */
  describe("deposit", function () {
    it("reverts EscrowZeroAmount for 0", async function () {
      const f = await loadFixture(deployEscrowFixture);
      await expect(f.escrow.connect(f.payer3).deposit(f.payer3.address, 0n)).to.be.revertedWithCustomError(
        f.escrow,
        "EscrowZeroAmount",
      );
    });

    it("adds to the caller's own balance", async function () {
      const f = await loadFixture(deployEscrowFixture);
      await depositAndCheck(f, f.payer3, f.payer3.address, opg(7n));
      await depositAndCheck(f, f.payer3, f.payer3.address, 1n);
      expect(await f.escrow.balanceOf(f.payer3.address)).to.equal(opg(7n) + 1n);
      // The free balance backs no voucher: no escrow grew.
      expect(await f.escrow.availableOf(f.payer3.address, f.operator.address)).to.equal(0n);
    });

    it("adds to another payer's balance, paid by the depositor", async function () {
      const f = await loadFixture(deployEscrowFixture);
      await depositAndCheck(f, f.stranger, f.payer3.address, opg(3n));
      await depositAndCheck(f, f.walletOwner, f.walletAddress, opg(4n));
      expect(await f.escrow.balanceOf(f.stranger.address)).to.equal(0n);
    });

    it("keeps a thaw in progress as it was, and the escrow unchanged", async function () {
      const f = await loadFixture(deployEscrowFixture);
      await thawAndCheck(f, f.payer, opg(40n));
      const escrow = await accountOf(f, f.payer.address);
      await depositAndCheck(f, f.payer2, f.payer.address, opg(5n));
      expect(await accountOf(f, f.payer.address)).to.deep.equal(escrow);
      expect(await f.escrow.availableOf(f.payer.address, f.operator.address)).to.equal(DEPOSIT - opg(40n));
    });
  });

  /*
  free balance and escrows
  ├── depositToEscrow → Deposited(payer, depositor, amount) and EscrowFunded(payer, operator, amount); the escrow grows
  ├── fundEscrow → moves free balance into the escrow with the operator; EscrowFunded(payer, operator, amount)
  ├── fundEscrow / depositToEscrow with a zero operator or the payer itself → EscrowInvalidOperator(operator); 0 →
  │   EscrowZeroAmount; above the free balance → EscrowInsufficientBalance(balance, amount)
  └── withdrawBalance → at once, Withdrawn(payer, 0, amount); 0 → EscrowZeroAmount; above → EscrowInsufficientBalance;
      a fee cap locked in a request is not withdrawable; an escrow is not either
  */
  describe("free balance and escrows", function () {
    it("depositToEscrow adds to the payer's escrow with the operator, paid by the depositor", async function () {
      const f = await loadFixture(deployEscrowFixture);
      await depositToEscrowAndCheck(f, f.payer3, f.payer3.address, f.operator.address, opg(9n));
      await depositToEscrowAndCheck(f, f.stranger, f.payer3.address, f.operator2.address, opg(2n));
      await depositToEscrowAndCheck(f, f.walletOwner, f.walletAddress, f.operator.address, 1n);
      expect(await f.escrow.balanceOf(f.payer3.address)).to.equal(0n);
      expect(await f.escrow.availableOf(f.payer3.address, f.operator2.address)).to.equal(opg(2n));
    });

    it("fundEscrow moves the free balance into the escrow, at once and without tokens moving", async function () {
      const f = await loadFixture(deployEscrowFixture);
      await fundAndCheck(f, f.payer, f.operator2.address, opg(30n));
      await fundAndCheck(f, f.payer, f.operator.address, DEPOSIT - opg(30n));
      expect(await f.escrow.balanceOf(f.payer.address)).to.equal(0n);
      await expect(f.escrow.connect(f.payer).fundEscrow(f.operator.address, 1n))
        .to.be.revertedWithCustomError(f.escrow, "EscrowInsufficientBalance")
        .withArgs(0n, 1n);
      await expect(f.escrow.connect(f.payer).fundEscrow(f.operator.address, 0n)).to.be.revertedWithCustomError(
        f.escrow,
        "EscrowZeroAmount",
      );
    });

    it("reverts EscrowInvalidOperator(operator) for a zero operator or the payer itself", async function () {
      const f = await loadFixture(deployEscrowFixture);
      for (const operator of [ZeroAddress, f.payer.address]) {
        await expect(f.escrow.connect(f.payer).fundEscrow(operator, 1n))
          .to.be.revertedWithCustomError(f.escrow, "EscrowInvalidOperator")
          .withArgs(operator);
        await expect(f.escrow.connect(f.payer).depositToEscrow(f.payer.address, operator, 1n))
          .to.be.revertedWithCustomError(f.escrow, "EscrowInvalidOperator")
          .withArgs(operator);
      }
      // A depositor naming the payer as the operator is refused too.
      await expect(f.escrow.connect(f.stranger).depositToEscrow(f.payer3.address, f.payer3.address, 1n))
        .to.be.revertedWithCustomError(f.escrow, "EscrowInvalidOperator")
        .withArgs(f.payer3.address);
      await expect(
        f.escrow.connect(f.stranger).depositToEscrow(f.payer3.address, f.operator.address, 0n),
      ).to.be.revertedWithCustomError(f.escrow, "EscrowZeroAmount");
    });

    it("withdrawBalance pays the free balance at once; locked caps and escrows stay", async function () {
      const f = await loadFixture(deployEscrowFixture);
      await postAndCheck(f, f.payer, { feeCap: opg(30n) });
      await expect(f.escrow.connect(f.payer).withdrawBalance(0n)).to.be.revertedWithCustomError(
        f.escrow,
        "EscrowZeroAmount",
      );
      await expect(f.escrow.connect(f.payer).withdrawBalance(DEPOSIT - opg(30n) + 1n))
        .to.be.revertedWithCustomError(f.escrow, "EscrowInsufficientBalance")
        .withArgs(DEPOSIT - opg(30n), DEPOSIT - opg(30n) + 1n);
      const escrowBefore = await accountOf(f, f.payer.address);
      const before = await booksOf(f);
      await expect(f.escrow.connect(f.payer).withdrawBalance(DEPOSIT - opg(30n)))
        .to.emit(f.escrow, "Withdrawn")
        .withArgs(f.payer.address, ZeroAddress, DEPOSIT - opg(30n));
      await expectBooks(f, before, {
        "balance:payer": -(DEPOSIT - opg(30n)),
        "token:payer": DEPOSIT - opg(30n),
        "token:escrow": -(DEPOSIT - opg(30n)),
      });
      expect(await accountOf(f, f.payer.address)).to.deep.equal(escrowBefore);
      await expect(f.escrow.connect(f.payer).withdrawBalance(1n))
        .to.be.revertedWithCustomError(f.escrow, "EscrowInsufficientBalance")
        .withArgs(0n, 1n);
    });
  });

  /*
  depositWithPermit
  ├── valid permit → spends it and deposits
  ├── front-run permit → still deposits
  └── bad permit, no allowance → ERC20InsufficientAllowance
  */
  describe("depositWithPermit", function () {
    it("deposits with a valid permit and spends it", async function () {
      const f = await loadFixture(deployEscrowFixture);
      const amount = opg(12n);
      const permit = await signPermit(f, f.permitter, amount, MaxUint256);
      const nonce = await f.token.nonces(f.permitter.address);
      const before = await booksOf(f);
      await expect(f.escrow.connect(f.permitter).depositWithPermit(amount, MaxUint256, permit.v, permit.r, permit.s))
        .to.emit(f.escrow, "Deposited")
        .withArgs(f.permitter.address, f.permitter.address, amount);
      expect(await f.token.nonces(f.permitter.address)).to.equal(nonce + 1n);
      expect(await f.token.allowance(f.permitter.address, f.escrowAddress)).to.equal(0n);
      await expectBooks(f, before, { "balance:permitter": amount, "token:permitter": -amount, "token:escrow": amount });
    });

    it("still deposits when someone submitted the permit first", async function () {
      const f = await loadFixture(deployEscrowFixture);
      const amount = opg(12n);
      const permit = await signPermit(f, f.permitter, amount, MaxUint256);
      await f.token
        .connect(f.stranger)
        .permit(f.permitter.address, f.escrowAddress, amount, MaxUint256, permit.v, permit.r, permit.s);
      expect(await f.token.allowance(f.permitter.address, f.escrowAddress)).to.equal(amount);
      const before = await booksOf(f);
      await expect(f.escrow.connect(f.permitter).depositWithPermit(amount, MaxUint256, permit.v, permit.r, permit.s))
        .to.emit(f.escrow, "Deposited")
        .withArgs(f.permitter.address, f.permitter.address, amount);
      expect(await f.token.allowance(f.permitter.address, f.escrowAddress)).to.equal(0n);
      await expectBooks(f, before, { "balance:permitter": amount, "token:permitter": -amount, "token:escrow": amount });
    });

    it("reverts ERC20InsufficientAllowance when the permit is not the owner's and there is no allowance", async function () {
      const f = await loadFixture(deployEscrowFixture);
      const amount = opg(12n);
      const permit = await signPermit(f, f.permitter, amount, MaxUint256, f.stranger);
      await expect(f.escrow.connect(f.permitter).depositWithPermit(amount, MaxUint256, permit.v, permit.r, permit.s))
        .to.be.revertedWithCustomError(f.token, "ERC20InsufficientAllowance")
        .withArgs(f.escrowAddress, 0n, amount);
    });

    it("reverts EscrowZeroAmount for 0", async function () {
      const f = await loadFixture(deployEscrowFixture);
      const permit = await signPermit(f, f.permitter, 0n, MaxUint256);
      await expect(
        f.escrow.connect(f.permitter).depositWithPermit(0n, MaxUint256, permit.v, permit.r, permit.s),
      ).to.be.revertedWithCustomError(f.escrow, "EscrowZeroAmount");
    });
  });

  /*
  thaw
  ├── above the balance → EscrowInsufficientBalance(balance, amount)
  ├── within (all included) → stored; ThawStarted(payer, amount, now + period)
  ├── replaces a thaw in progress; never ends before it (after the period is shortened; a longer one ends later)
  └── 0 cancels, keeping the end as the next thaw's floor
  */
  describe("thaw", function () {
    it("reverts EscrowInsufficientBalance(balance, amount) above the balance", async function () {
      const f = await loadFixture(deployEscrowFixture);
      await expect(f.escrow.connect(f.payer).thaw(f.operator.address, DEPOSIT + 1n))
        .to.be.revertedWithCustomError(f.escrow, "EscrowInsufficientBalance")
        .withArgs(DEPOSIT, DEPOSIT + 1n);
      await expect(f.escrow.connect(f.payer3).thaw(f.operator.address, 1n))
        .to.be.revertedWithCustomError(f.escrow, "EscrowInsufficientBalance")
        .withArgs(0n, 1n);
      // Per operator: the payer has no escrow with operator2.
      await expect(f.escrow.connect(f.payer).thaw(f.operator2.address, 1n))
        .to.be.revertedWithCustomError(f.escrow, "EscrowInsufficientBalance")
        .withArgs(0n, 1n);
    });

    it("thaws the escrow only: a fee cap locked in a request and the free balance are apart", async function () {
      const f = await loadFixture(deployEscrowFixture);
      await postAndCheck(f, f.payer, { feeCap: opg(30n) });
      await thawAndCheck(f, f.payer, DEPOSIT);
      expect(await f.escrow.balanceOf(f.payer.address)).to.equal(DEPOSIT - opg(30n));
    });

    it("thaws each escrow on its own", async function () {
      const f = await loadFixture(deployEscrowFixture);
      await fundAndCheck(f, f.payer, f.operator2.address, opg(20n));
      await thawAndCheck(f, f.payer, opg(15n), f.operator2.address);
      expect(await accountOf(f, f.payer.address)).to.include({ balance: DEPOSIT, thawing: 0n });
      expect(await f.escrow.availableOf(f.payer.address, f.operator2.address)).to.equal(opg(5n));
    });

    it("starts a thaw of part or all of the balance", async function () {
      const f = await loadFixture(deployEscrowFixture);
      await thawAndCheck(f, f.payer, opg(40n));
      await thawAndCheck(f, f.payer2, DEPOSIT);
      expect(await f.escrow.availableOf(f.payer2.address, f.operator.address)).to.equal(0n);
    });

    it("replaces a thaw in progress: amount, start and end", async function () {
      const f = await loadFixture(deployEscrowFixture);
      const first = await thawAndCheck(f, f.payer, opg(40n));
      await time.increase(5n * DAY);
      const second = await thawAndCheck(f, f.payer, opg(10n));
      expect(second.t > first.t && second.endsAt === second.t + THAWING_PERIOD).to.equal(true);
      // The first end no longer lets it withdraw.
      await time.setNextBlockTimestamp(first.endsAt);
      await expect(f.escrow.connect(f.payer).withdraw(f.operator.address, { gasLimit: GAS }))
        .to.be.revertedWithCustomError(f.escrow, "EscrowThawNotEnded")
        .withArgs(second.endsAt);
    });

    it("cancels with 0: nothing thaws, the end stays as the floor of the next thaw", async function () {
      const f = await loadFixture(deployEscrowFixture);
      const { endsAt } = await thawAndCheck(f, f.payer, opg(40n));
      await thawAndCheck(f, f.payer, 0n);
      expect(await accountOf(f, f.payer.address)).to.deep.equal({
        balance: DEPOSIT,
        thawing: 0n,
        thawStartedAt: 0n,
        thawEndsAt: endsAt,
      });
      expect(await f.escrow.availableOf(f.payer.address, f.operator.address)).to.equal(DEPOSIT);
      await expect(f.escrow.connect(f.payer).withdraw(f.operator.address, { gasLimit: GAS }))
        .to.be.revertedWithCustomError(f.escrow, "EscrowThawNotEnded")
        .withArgs(endsAt);
    });

    it("never ends a thaw before the thaw it replaces, after the period is shortened", async function () {
      const f = await loadFixture(deployEscrowFixture);
      const first = await thawAndCheck(f, f.payer, opg(40n));
      expect(first.endsAt).to.equal(first.t + THAWING_PERIOD);
      await f.escrow.connect(f.admin).setWithdrawalThawingPeriod(DAY);
      const second = await thawAndCheck(f, f.payer, opg(30n));
      expect(second.endsAt).to.equal(first.endsAt); // not second.t + 1 day
      await time.setNextBlockTimestamp(second.t + DAY);
      await expect(f.escrow.connect(f.payer).withdraw(f.operator.address, { gasLimit: GAS }))
        .to.be.revertedWithCustomError(f.escrow, "EscrowThawNotEnded")
        .withArgs(first.endsAt);
      // Cancelled, then thawed again: the same floor.
      await thawAndCheck(f, f.payer, 0n);
      const third = await thawAndCheck(f, f.payer, opg(20n));
      expect(third.endsAt).to.equal(first.endsAt);
      await time.increaseTo(first.endsAt);
      await withdrawAndCheck(f, f.payer, opg(20n));
      // Once withdrawn, the floor is gone: a new thaw ends one (short) period from now.
      const fourth = await thawAndCheck(f, f.payer, opg(10n));
      expect(fourth.endsAt).to.equal(fourth.t + DAY);
    });

    it("ends a replacing thaw at now + the period when that is later than the floor (a longer period)", async function () {
      const f = await loadFixture(deployEscrowFixture);
      const first = await thawAndCheck(f, f.payer, opg(40n));
      await f.escrow.connect(f.admin).setWithdrawalThawingPeriod(60n * DAY);
      const second = await thawAndCheck(f, f.payer, opg(40n));
      expect(second.endsAt).to.equal(second.t + 60n * DAY);
      expect(second.endsAt > first.endsAt).to.equal(true);
    });
  });

  /*
  withdraw
  ├── no thaw → EscrowThawNotEnded(0)
  ├── before the end → EscrowThawNotEnded(endsAt), up to its last second
  ├── at the end → pays the thawing amount; Withdrawn; again → EscrowThawNotEnded(0)
  ├── vouchers took part → pays what is left
  └── vouchers took all → pays 0
  */
  describe("withdraw", function () {
    it("reverts EscrowThawNotEnded(0) with no thaw", async function () {
      const f = await loadFixture(deployEscrowFixture);
      await expect(f.escrow.connect(f.payer).withdraw(f.operator.address))
        .to.be.revertedWithCustomError(f.escrow, "EscrowThawNotEnded")
        .withArgs(0n);
    });

    it("reverts EscrowThawNotEnded(endsAt) up to the last second of the thaw", async function () {
      const f = await loadFixture(deployEscrowFixture);
      const { endsAt } = await thawAndCheck(f, f.payer, opg(40n));
      await expect(f.escrow.connect(f.payer).withdraw(f.operator.address, { gasLimit: GAS }))
        .to.be.revertedWithCustomError(f.escrow, "EscrowThawNotEnded")
        .withArgs(endsAt);
      await time.setNextBlockTimestamp(endsAt - 1n);
      await expect(f.escrow.connect(f.payer).withdraw(f.operator.address, { gasLimit: GAS }))
        .to.be.revertedWithCustomError(f.escrow, "EscrowThawNotEnded")
        .withArgs(endsAt);
    });

    it("pays the thawing amount once the thaw has ended, and only once", async function () {
      const f = await loadFixture(deployEscrowFixture);
      const { endsAt } = await thawAndCheck(f, f.payer, opg(40n));
      await time.setNextBlockTimestamp(endsAt);
      await withdrawAndCheck(f, f.payer, opg(40n));
      expect(await f.escrow.availableOf(f.payer.address, f.operator.address)).to.equal(DEPOSIT - opg(40n));
      await expect(f.escrow.connect(f.payer).withdraw(f.operator.address))
        .to.be.revertedWithCustomError(f.escrow, "EscrowThawNotEnded")
        .withArgs(0n);
    });

    it("pays only what is left when vouchers took part of the thawing funds during the thaw", async function () {
      const f = await loadFixture(deployEscrowFixture);
      // Signed before the thaw: it may take the thawing funds.
      const v = await voucherOf(f, { cumulativeAmount: opg(70n) });
      const signature = await signVoucher(f, f.payer, v);
      const { endsAt } = await thawAndCheck(f, f.payer, opg(50n));
      // 70 from a balance of 100: the 50 not thawing, then 20 of the thawing funds.
      await redeemAndCheck(f, v, signature, opg(70n));
      expect(await accountOf(f, f.payer.address)).to.include({ balance: opg(30n), thawing: opg(30n) });
      await time.increaseTo(endsAt);
      await withdrawAndCheck(f, f.payer, opg(30n));
      expect(await accountOf(f, f.payer.address)).to.include({ balance: 0n, thawing: 0n });
    });

    it("pays 0 when vouchers took all of it", async function () {
      const f = await loadFixture(deployEscrowFixture);
      const v = await voucherOf(f, { cumulativeAmount: DEPOSIT });
      const signature = await signVoucher(f, f.payer, v);
      const { endsAt } = await thawAndCheck(f, f.payer, DEPOSIT);
      await redeemAndCheck(f, v, signature, DEPOSIT);
      await time.increaseTo(endsAt);
      await withdrawAndCheck(f, f.payer, 0n);
    });
  });

  /*
  postRequest
  ├── zero cap / past deadline / unknown model / cap above available (thawing excluded) → reverts
  ├── success → cap locked, request stored, ids count up; RequestPosted
  └── node id or deadline beyond its storage slot → it reverts SafeCastOverflowedUintDowncast
  */
  describe("postRequest", function () {
    it("reverts EscrowZeroAmount for a zero fee cap", async function () {
      const f = await loadFixture(deployEscrowFixture);
      await expect(post(f, f.payer, await requestParams({ feeCap: 0n }))).to.be.revertedWithCustomError(
        f.escrow,
        "EscrowZeroAmount",
      );
    });

    it("reverts EscrowDeadlinePassed(deadline) for a deadline now or in the past", async function () {
      const f = await loadFixture(deployEscrowFixture);
      const past = (await now()) - 10n;
      await expect(post(f, f.payer, await requestParams({ deadline: past })))
        .to.be.revertedWithCustomError(f.escrow, "EscrowDeadlinePassed")
        .withArgs(past);
      const t = await nextSecond();
      await expect(post(f, f.payer, await requestParams({ deadline: t }), { gasLimit: GAS }))
        .to.be.revertedWithCustomError(f.escrow, "EscrowDeadlinePassed")
        .withArgs(t);
    });

    it("reverts EscrowUnknownModel(model) for a model not registered", async function () {
      const f = await loadFixture(deployEscrowFixture);
      await expect(post(f, f.payer, await requestParams({ modelId: UNKNOWN_MODEL })))
        .to.be.revertedWithCustomError(f.escrow, "EscrowUnknownModel")
        .withArgs(UNKNOWN_MODEL);
    });

    it("reverts EscrowInsufficientBalance(balance, cap) above the free balance, escrows excluded", async function () {
      const f = await loadFixture(deployEscrowFixture);
      await expect(post(f, f.payer, await requestParams({ feeCap: DEPOSIT + 1n })))
        .to.be.revertedWithCustomError(f.escrow, "EscrowInsufficientBalance")
        .withArgs(DEPOSIT, DEPOSIT + 1n);
      await fundAndCheck(f, f.payer, f.operator.address, opg(60n));
      await expect(post(f, f.payer, await requestParams({ feeCap: opg(41n) })))
        .to.be.revertedWithCustomError(f.escrow, "EscrowInsufficientBalance")
        .withArgs(opg(40n), opg(41n));
      // Exactly the free balance is accepted, and the escrow stays.
      await postAndCheck(f, f.payer, { feeCap: opg(40n) });
      expect(await accountOf(f, f.payer.address)).to.include({ balance: DEPOSIT + opg(60n), thawing: 0n });
      await expect(post(f, f.payer, await requestParams({ feeCap: 1n })))
        .to.be.revertedWithCustomError(f.escrow, "EscrowInsufficientBalance")
        .withArgs(0n, 1n);
    });

    it("reverts EscrowDeadlineTooFar(deadline, latest) at MAX_REQUEST_DURATION or later, and accepts 1 s less", async function () {
      const f = await loadFixture(deployEscrowFixture);
      const max = await f.escrow.MAX_REQUEST_DURATION();
      expect(max).to.equal(DAY);
      const t = await nextSecond();
      await expect(post(f, f.payer, await requestParams({ deadline: t + max }), { gasLimit: GAS }))
        .to.be.revertedWithCustomError(f.escrow, "EscrowDeadlineTooFar")
        .withArgs(t + max, t + max - 1n);
      const t2 = await nextSecond();
      await expect(post(f, f.payer, await requestParams({ deadline: t2 + 30n * DAY }), { gasLimit: GAS }))
        .to.be.revertedWithCustomError(f.escrow, "EscrowDeadlineTooFar")
        .withArgs(t2 + 30n * DAY, t2 + max - 1n);
      const t3 = (await now()) + 1n;
      await postAndCheck(f, f.payer, { deadline: t3 + max - 1n });
    });

    it("locks the cap and stores the request; ids count up from 1", async function () {
      const f = await loadFixture(deployEscrowFixture);
      const first = await postAndCheck(f, f.payer, {});
      const second = await postAndCheck(f, f.payer2, {
        modelId: OTHER_MODEL,
        inputHash: id("another input"),
        mode: Mode.None,
        feeCap: opg(2n),
        nodeId: f.nodeId2,
        deadline: (await now()) + DAY - 1n,
      });
      expect([first.requestId, second.requestId]).to.deep.equal([1n, 2n]);
    });

    // A node id or deadline that does not fit its storage slot is refused, never truncated into another one.
    it("refuses a node id beyond uint64 (it would name another node) with SafeCastOverflowedUintDowncast", async function () {
      const f = await loadFixture(deployEscrowFixture);
      const named = (1n << 64n) + f.nodeId;
      const p = await requestParams({ nodeId: named });
      await expect(post(f, f.payer, p))
        .to.be.revertedWithCustomError(f.escrow, "SafeCastOverflowedUintDowncast")
        .withArgs(64, named);
      expect(await f.escrow.nextRequestId()).to.equal(1n);
    });

    it("refuses a deadline beyond uint40 (it would expire early) before storing it: EscrowDeadlineTooFar", async function () {
      const f = await loadFixture(deployEscrowFixture);
      const deadline = (1n << 40n) + (await now()) + HOUR;
      const p = await requestParams({ deadline });
      await expect(post(f, f.payer, p)).to.be.revertedWithCustomError(f.escrow, "EscrowDeadlineTooFar");
      expect(await f.escrow.nextRequestId()).to.equal(1n);
    });
  });

  /*
  fulfil
  ├── unknown request / wrong node / not operator / self-dealing / ineligible / price above cap / after deadline
  ├── success → exact split, refund, proof record under the reserved id
  ├── any node when none chosen; a free mode refunds everything
  ├── twice → EscrowRequestNotOpen(id, Fulfilled)
  └── a batch root equal to the record's leaf committed first → still pays
  */
  describe("fulfil", function () {
    it("reverts EscrowRequestNotOpen(id, None) for an unknown request", async function () {
      const f = await loadFixture(deployEscrowFixture);
      await expect(f.escrow.connect(f.operator).fulfil(7n, f.nodeId, OUTPUT, PROOF))
        .to.be.revertedWithCustomError(f.escrow, "EscrowRequestNotOpen")
        .withArgs(7n, Status.None);
    });

    it("reverts EscrowWrongNode(id, chosen, nodeId) when another node than the chosen one fulfils", async function () {
      const f = await loadFixture(deployEscrowFixture);
      const { requestId } = await postAndCheck(f, f.payer, { mode: Mode.None, nodeId: f.nodeId });
      await expect(f.escrow.connect(f.operator2).fulfil(requestId, f.nodeId2, OUTPUT, PROOF))
        .to.be.revertedWithCustomError(f.escrow, "EscrowWrongNode")
        .withArgs(requestId, f.nodeId, f.nodeId2);
      await fulfilAndCheck(f, f.operator, requestId, f.nodeId);
    });

    it("reverts EscrowNotNodeOperator(nodeId, caller) when the caller does not operate the node", async function () {
      const f = await loadFixture(deployEscrowFixture);
      const { requestId } = await postAndCheck(f, f.payer, { mode: Mode.None });
      await expect(f.escrow.connect(f.stranger).fulfil(requestId, f.nodeId, OUTPUT, PROOF))
        .to.be.revertedWithCustomError(f.escrow, "EscrowNotNodeOperator")
        .withArgs(f.nodeId, f.stranger.address);
      await expect(f.escrow.connect(f.operator2).fulfil(requestId, f.nodeId, OUTPUT, PROOF))
        .to.be.revertedWithCustomError(f.escrow, "EscrowNotNodeOperator")
        .withArgs(f.nodeId, f.operator2.address);
      // The payer cannot name a node of its own choosing either, nor a node that does not exist.
      await expect(f.escrow.connect(f.payer).fulfil(requestId, f.nodeId, OUTPUT, PROOF))
        .to.be.revertedWithCustomError(f.escrow, "EscrowNotNodeOperator")
        .withArgs(f.nodeId, f.payer.address);
      await expect(f.escrow.connect(f.operator).fulfil(requestId, 99n, OUTPUT, PROOF))
        .to.be.revertedWithCustomError(f.escrow, "EscrowNotNodeOperator")
        .withArgs(99n, f.operator.address);
    });

    it("reverts EscrowSelfDealing(payer, nodeId) when the payer operates the node", async function () {
      const f = await loadFixture(deployEscrowFixture);
      await depositAndCheck(f, f.operator, f.operator.address, opg(10n));
      const { requestId } = await postAndCheck(f, f.operator, { mode: Mode.None });
      await expect(f.escrow.connect(f.operator).fulfil(requestId, f.nodeId, OUTPUT, PROOF))
        .to.be.revertedWithCustomError(f.escrow, "EscrowSelfDealing")
        .withArgs(f.operator.address, f.nodeId);
      // Another operator's node may serve it.
      await fulfilAndCheck(f, f.operator2, requestId, f.nodeId2);
    });

    describe("when the node is not eligible", function () {
      async function expectNotEligible(
        f: Fixture,
        requestId: bigint,
        nodeId: bigint,
        caller: HardhatEthersSigner,
        reason: number,
      ) {
        const r = await requestOf(f, requestId);
        expect(await f.nodes.eligibilityOf(nodeId, r.modelId, r.mode)).to.equal(reason);
        // Committed in an earlier block, so that eligibility is what stops it.
        await commit(f, caller, requestId, nodeId);
        await expect(f.escrow.connect(caller).fulfil(requestId, nodeId, OUTPUT, PROOF))
          .to.be.revertedWithCustomError(f.escrow, "EscrowNodeNotEligible")
          .withArgs(nodeId, r.modelId, r.mode, reason);
      }

      it("reverts with ModeNotOffered for a mode the node does not offer", async function () {
        const f = await loadFixture(deployEscrowFixture);
        const zk = await postAndCheck(f, f.payer, { mode: Mode.Zk });
        await expectNotEligible(f, zk.requestId, f.nodeId, f.operator, Eligibility.ModeNotOffered);
        const tee = await postAndCheck(f, f.payer, { mode: Mode.Tee });
        await expectNotEligible(f, tee.requestId, f.nodeId2, f.operator2, Eligibility.ModeNotOffered);
      });

      it("reverts with ModelNotServed for a model the node does not serve", async function () {
        const f = await loadFixture(deployEscrowFixture);
        const { requestId } = await postAndCheck(f, f.payer, { modelId: OTHER_MODEL, mode: Mode.None });
        await expectNotEligible(f, requestId, f.nodeId, f.operator, Eligibility.ModelNotServed);
        await fulfilAndCheck(f, f.operator2, requestId, f.nodeId2);
      });

      it("reverts with Jailed while the node is jailed", async function () {
        const f = await loadFixture(deployEscrowFixture);
        const { requestId } = await postAndCheck(f, f.payer, {});
        await f.nodes.connect(f.admin).jailNode(f.nodeId, (await now()) + DAY);
        await expectNotEligible(f, requestId, f.nodeId, f.operator, Eligibility.Jailed);
        await f.nodes.connect(f.admin).unjailNode(f.nodeId);
        await fulfilAndCheck(f, f.operator, requestId, f.nodeId);
      });

      it("reverts with Stale once the node has missed its liveness window", async function () {
        const f = await loadFixture(deployEscrowFixture);
        const { requestId } = await postAndCheck(f, f.payer, { deadline: (await now()) + DAY });
        await time.increase(2n * HOUR);
        await expectNotEligible(f, requestId, f.nodeId, f.operator, Eligibility.Stale);
        await f.nodes.connect(f.operator).heartbeat(f.nodeId);
        await fulfilAndCheck(f, f.operator, requestId, f.nodeId);
      });

      it("reverts with MeasurementNotApproved for TEE once the measurement is revoked", async function () {
        const f = await loadFixture(deployEscrowFixture);
        const { requestId } = await postAndCheck(f, f.payer, { mode: Mode.Tee });
        await f.nodes.connect(f.admin).setTeeMeasurementApproval(MEASUREMENT, false);
        await expectNotEligible(f, requestId, f.nodeId, f.operator, Eligibility.MeasurementNotApproved);
      });

      it("reverts with InsufficientOwnStake once the operator unstakes below its minimum own stake", async function () {
        const f = await loadFixture(deployEscrowFixture);
        const { requestId } = await postAndCheck(f, f.payer, { mode: Mode.None });
        await f.staking.connect(f.operator).unstake(OPERATOR_STAKE);
        await expectNotEligible(f, requestId, f.nodeId, f.operator, Eligibility.InsufficientOwnStake);
      });

      it("reverts with InsufficientStake once own + delegated stake falls below the modes' minimums", async function () {
        const f = await loadFixture(deployEscrowFixture);
        const { requestId } = await postAndCheck(f, f.payer, { mode: Mode.None });
        // Nothing delegated, and own stake 1 wei below what its nodes' modes require (above the own minimum).
        const required = await f.nodes.requiredStakeOf(f.operator.address);
        expect(required - 1n).to.be.greaterThan(await f.nodes.requiredOwnStakeOf(f.operator.address));
        const { shares } = await f.staking.getDelegation(f.operator.address, f.delegator.address);
        await f.staking.connect(f.delegator).undelegate(f.operator.address, shares);
        await f.staking.connect(f.operator).unstake(OPERATOR_STAKE - (required - 1n));
        await expectNotEligible(f, requestId, f.nodeId, f.operator, Eligibility.InsufficientStake);
      });

      it("reverts with Inactive once the node is deregistered", async function () {
        const f = await loadFixture(deployEscrowFixture);
        const { requestId } = await postAndCheck(f, f.payer, { mode: Mode.None });
        await f.nodes.connect(f.operator).deregisterNode(f.nodeId);
        await expectNotEligible(f, requestId, f.nodeId, f.operator, Eligibility.Inactive);
      });
    });

    it("reverts EscrowPriceAboveCap(price, cap) when the node's price is above the cap", async function () {
      const f = await loadFixture(deployEscrowFixture);
      const { requestId } = await postAndCheck(f, f.payer, { mode: Mode.Tee, feeCap: opg(3n) - 1n });
      await commit(f, f.operator, requestId, f.nodeId);
      await expect(f.escrow.connect(f.operator).fulfil(requestId, f.nodeId, OUTPUT, PROOF))
        .to.be.revertedWithCustomError(f.escrow, "EscrowPriceAboveCap")
        .withArgs(opg(3n), opg(3n) - 1n);
      // Exactly the price is accepted, with nothing to refund.
      const exact = await postAndCheck(f, f.payer, { mode: Mode.Tee, feeCap: opg(3n) });
      const { refund } = await fulfilAndCheck(f, f.operator, exact.requestId, f.nodeId);
      expect(refund).to.equal(0n);
    });

    it("reverts EscrowDeadlinePassed(deadline) after the deadline, and pays at the deadline", async function () {
      const f = await loadFixture(deployEscrowFixture);
      const late = await postAndCheck(f, f.payer, {});
      await time.setNextBlockTimestamp(late.deadline + 1n);
      await expect(f.escrow.connect(f.operator).fulfil(late.requestId, f.nodeId, OUTPUT, PROOF, { gasLimit: GAS }))
        .to.be.revertedWithCustomError(f.escrow, "EscrowDeadlinePassed")
        .withArgs(late.deadline);

      await f.nodes.connect(f.operator).heartbeat(f.nodeId);
      const onTime = await postAndCheck(f, f.payer, {});
      // Committed in the second before the deadline, fulfilled at it.
      await time.setNextBlockTimestamp(onTime.deadline - 1n);
      await fulfilAndCheck(f, f.operator, onTime.requestId, f.nodeId);
      expect(await now()).to.equal(onTime.deadline);
    });

    it("pays the price split exactly, refunds the rest of the cap and commits the proof record", async function () {
      const f = await loadFixture(deployEscrowFixture);
      const { requestId, feeCap } = await postAndCheck(f, f.payer, { mode: Mode.Tee, feeCap: opg(5n) });
      const { price, refund, split: s, inferenceId } = await fulfilAndCheck(f, f.operator, requestId, f.nodeId);
      expect(price).to.equal(opg(3n));
      expect(refund).to.equal(feeCap - opg(3n));
      // 1% fee, 5% royalty, 94% to the node.
      expect(s).to.deep.equal({ fee: opg(3n) / 100n, royalty: (opg(3n) * 5n) / 100n, node: (opg(3n) * 94n) / 100n });
      expect(inferenceId.startsWith("0xff")).to.equal(true);
      // The record's id cannot be taken by a node's own commitRecord.
      await expect(
        f.proofs.connect(f.operator).commitRecord(f.nodeId, {
          inferenceId,
          modelId: MODEL,
          inputHash: INPUT,
          outputHash: OUTPUT,
          proofType: Mode.Tee,
          proofHash: PROOF,
        }),
      )
        .to.be.revertedWithCustomError(f.proofs, "ProofsReservedInferenceId")
        .withArgs(inferenceId);
    });

    it("rounds the fee and the royalty down and gives the node the rest", async function () {
      const f = await loadFixture(deployEscrowFixture);
      // A TEE price of 3 OPG + 99 wei: the fee loses 0.99 wei, the royalty 0.95 wei, both to the node.
      const price = opg(3n) + 99n;
      await f.nodes.connect(f.operator).updateNode(f.nodeId, {
        metadataURI: "https://node-1.example",
        modes: 3,
        teeMeasurement: MEASUREMENT,
        capacity: 16n,
        prices: [opg(1n) + 19n, price, 0n],
      });
      // An increase applies after PRICE_INCREASE_DELAY.
      await time.increase(await f.nodes.PRICE_INCREASE_DELAY());
      await f.nodes.connect(f.operator).heartbeat(f.nodeId);
      const { requestId } = await postAndCheck(f, f.payer, { mode: Mode.Tee });
      const { split: s } = await fulfilAndCheck(f, f.operator, requestId, f.nodeId);
      expect(s).to.deep.equal({
        fee: opg(3n) / 100n,
        royalty: (opg(3n) * 5n) / 100n + 4n,
        node: price - opg(3n) / 100n - (opg(3n) * 5n) / 100n - 4n,
      });
    });

    it("lets any eligible node fulfil a request that chose none", async function () {
      const f = await loadFixture(deployEscrowFixture);
      const a = await postAndCheck(f, f.payer, { mode: Mode.None });
      const b = await postAndCheck(f, f.payer, { mode: Mode.None, inputHash: id("other") });
      await fulfilAndCheck(f, f.operator2, a.requestId, f.nodeId2);
      await fulfilAndCheck(f, f.operator, b.requestId, f.nodeId);
    });

    it("refunds the whole cap and records no payment when the mode is free", async function () {
      const f = await loadFixture(deployEscrowFixture);
      await f.nodes.connect(f.operator).updateNode(f.nodeId, {
        metadataURI: "https://node-1.example",
        modes: 3,
        teeMeasurement: MEASUREMENT,
        capacity: 16n,
        prices: [0n, opg(3n), 0n],
      });
      const { requestId, feeCap } = await postAndCheck(f, f.payer, { mode: Mode.None });
      const { refund } = await fulfilAndCheck(f, f.operator, requestId, f.nodeId);
      expect(refund).to.equal(feeCap);
    });

    it("reverts EscrowRequestNotOpen(id, Fulfilled) the second time, and reclaim too", async function () {
      const f = await loadFixture(deployEscrowFixture);
      const { requestId, deadline } = await postAndCheck(f, f.payer, {});
      await fulfilAndCheck(f, f.operator, requestId, f.nodeId);
      await expect(f.escrow.connect(f.operator).fulfil(requestId, f.nodeId, id("another output"), PROOF))
        .to.be.revertedWithCustomError(f.escrow, "EscrowRequestNotOpen")
        .withArgs(requestId, Status.Fulfilled);
      await time.increaseTo(deadline + 1n);
      await expect(f.escrow.connect(f.payer).reclaim(requestId))
        .to.be.revertedWithCustomError(f.escrow, "EscrowRequestNotOpen")
        .withArgs(requestId, Status.Fulfilled);
    });

    // A regression guard: single records and batch roots once shared one namespace in ProofRegistry (a single
    // record's root was its leaf), so any serving operator could front-run fulfil with commitBatch(leaf) and make it
    // revert ProofsBatchAlreadyCommitted. The registry now keys single records by inference id apart from batches.
    it("cannot be blocked by another node committing the record's leaf as a batch root first", async function () {
      const f = await loadFixture(deployEscrowFixture);
      const { requestId } = await postAndCheck(f, f.payer, { mode: Mode.Tee });
      const record = {
        inferenceId: await inferenceIdOf(f, requestId),
        modelId: MODEL,
        inputHash: INPUT,
        outputHash: OUTPUT,
        proofType: Mode.Tee,
        proofHash: PROOF,
      };
      // The front-runner reads OUTPUT and PROOF from the pending fulfil and commits the leaf first.
      await f.proofs.connect(f.operator2).commitBatch(f.nodeId2, leafOf(record), 1n, "");
      await fulfilAndCheck(f, f.operator, requestId, f.nodeId);
    });
  });

  /*
  commitments of open requests
  ├── commitFulfilment by someone not operating the node → EscrowNotNodeOperator(nodeId, caller); of a request not
  │   open → EscrowRequestNotOpen(id, status); otherwise FulfilmentCommitted(id, nodeId, commitment)
  ├── an open request fulfilled with no commitment, or with one of another answer or node → EscrowNotCommitted(id,
  │   fulfilmentCommitmentOf(id, nodeId, output, proof))
  ├── committed in the same block as the fulfil → EscrowNotCommitted; in the block before → paid
  └── a request naming its node needs no commitment
  */
  describe("commitments of open requests", function () {
    it("commitFulfilment checks the operator and the request, and emits FulfilmentCommitted", async function () {
      const f = await loadFixture(deployEscrowFixture);
      const { requestId } = await postAndCheck(f, f.payer, { mode: Mode.None });
      const c = await f.escrow.fulfilmentCommitmentOf(requestId, f.nodeId, OUTPUT, PROOF);
      expect(c).to.equal(
        keccak256(abi.encode(["uint256", "uint256", "bytes32", "bytes32"], [requestId, f.nodeId, OUTPUT, PROOF])),
      );
      await expect(f.escrow.connect(f.operator2).commitFulfilment(requestId, f.nodeId, c))
        .to.be.revertedWithCustomError(f.escrow, "EscrowNotNodeOperator")
        .withArgs(f.nodeId, f.operator2.address);
      await expect(f.escrow.connect(f.operator).commitFulfilment(99n, f.nodeId, c))
        .to.be.revertedWithCustomError(f.escrow, "EscrowRequestNotOpen")
        .withArgs(99n, Status.None);
      const before = await booksOf(f);
      await expect(f.escrow.connect(f.operator).commitFulfilment(requestId, f.nodeId, c))
        .to.emit(f.escrow, "FulfilmentCommitted")
        .withArgs(requestId, f.nodeId, c);
      await expectBooks(f, before, {});
    });

    it("reverts EscrowNotCommitted for no commitment, another answer's or another node's", async function () {
      const f = await loadFixture(deployEscrowFixture);
      const { requestId } = await postAndCheck(f, f.payer, { mode: Mode.None });
      const mine1 = await f.escrow.fulfilmentCommitmentOf(requestId, f.nodeId, OUTPUT, PROOF);
      await expect(f.escrow.connect(f.operator).fulfil(requestId, f.nodeId, OUTPUT, PROOF))
        .to.be.revertedWithCustomError(f.escrow, "EscrowNotCommitted")
        .withArgs(requestId, mine1);
      // Committed to another output: that answer, not this one.
      await commit(f, f.operator, requestId, f.nodeId, id("another output"));
      await expect(f.escrow.connect(f.operator).fulfil(requestId, f.nodeId, OUTPUT, PROOF))
        .to.be.revertedWithCustomError(f.escrow, "EscrowNotCommitted")
        .withArgs(requestId, mine1);
      // Node 2's commitment does not cover node 1's answer.
      await commit(f, f.operator2, requestId, f.nodeId2);
      await expect(f.escrow.connect(f.operator).fulfil(requestId, f.nodeId, OUTPUT, PROOF))
        .to.be.revertedWithCustomError(f.escrow, "EscrowNotCommitted")
        .withArgs(requestId, mine1);
      await fulfilAndCheck(f, f.operator2, requestId, f.nodeId2);
    });

    it("reverts EscrowNotCommitted when committed in the same block, and pays one block later", async function () {
      const f = await loadFixture(deployEscrowFixture);
      const { requestId } = await postAndCheck(f, f.payer, { mode: Mode.None });
      const c = await f.escrow.fulfilmentCommitmentOf(requestId, f.nodeId, OUTPUT, PROOF);
      const sent: ContractTransactionResponse[] = [];
      await network.provider.send("evm_setAutomine", [false]);
      try {
        sent.push(await f.escrow.connect(f.operator).commitFulfilment(requestId, f.nodeId, c, { gasLimit: GAS }));
        sent.push(await f.escrow.connect(f.operator).fulfil(requestId, f.nodeId, OUTPUT, PROOF, { gasLimit: GAS }));
        // The pending block holds the commitment: a fulfil in it names the reason.
        await expect(
          f.escrow.connect(f.operator).fulfil.staticCall(requestId, f.nodeId, OUTPUT, PROOF, { blockTag: "pending" }),
        )
          .to.be.revertedWithCustomError(f.escrow, "EscrowNotCommitted")
          .withArgs(requestId, c);
        await mine();
      } finally {
        await network.provider.send("evm_setAutomine", [true]);
      }
      const [rc, rf] = await Promise.all(sent.map((t) => ethers.provider.getTransactionReceipt(t.hash)));
      expect([rc!.status, rf!.status, rc!.blockNumber]).to.deep.equal([1, 0, rf!.blockNumber]);
      expect((await requestOf(f, requestId)).status).to.equal(Status.Open);
      // Committing again keeps the first block: one block later, it pays.
      await fulfilAndCheck(f, f.operator, requestId, f.nodeId);
    });

    it("needs no commitment for a request naming its node", async function () {
      const f = await loadFixture(deployEscrowFixture);
      const { requestId, feeCap } = await postAndCheck(f, f.payer, { mode: Mode.None, nodeId: f.nodeId });
      const before = await booksOf(f);
      await expect(f.escrow.connect(f.operator).fulfil(requestId, f.nodeId, OUTPUT, PROOF)).to.emit(
        f.escrow,
        "RequestFulfilled",
      );
      const s = split(NODE1_PRICES[0]);
      const changes: Record<string, bigint> = { "balance:payer": feeCap - NODE1_PRICES[0] };
      await addCredit(f, changes, f.operator.address, s.node);
      add(changes, "royalties:builder", s.royalty);
      add(changes, "fees", s.fee);
      await expectBooks(f, before, changes);
    });
  });

  /*
  protocolFeeFor, and the node's price as fulfil sees it
  ├── an increase applies to vouchers issued and requests posted before it only after one withdrawal thawing period;
  │   to later ones at once
  ├── a decrease applies to every payment at once
  ├── two increases within the grace keep the lowest earlier fee for terms agreed before the second
  └── a node's price increase waits PRICE_INCREASE_DELAY: a fulfil before it pays the old price, one after (of a
      request posted after the increase was scheduled) the new; a decrease applies at once
  */
  describe("protocolFeeFor", function () {
    it("applies an increase to earlier terms only after one withdrawal thawing period", async function () {
      const f = await loadFixture(deployEscrowFixture);
      const agreed = await now();
      const period = await f.escrow.withdrawalThawingPeriod();
      const t = await nextSecond();
      await f.escrow.connect(f.admin).setProtocolFee(50_000n);
      expect(await f.escrow.feeIncreasedAt()).to.equal(t);
      expect(await f.escrow.feeBeforeIncreasePpm()).to.equal(FEE_PPM);
      expect(await f.escrow.protocolFeeFor(agreed)).to.equal(FEE_PPM);
      expect(await f.escrow.protocolFeeFor(t - 1n)).to.equal(FEE_PPM);
      expect(await f.escrow.protocolFeeFor(t)).to.equal(50_000n);
      await time.increaseTo(t + period - 1n);
      expect(await f.escrow.protocolFeeFor(agreed)).to.equal(FEE_PPM);
      await mine();
      expect(await f.escrow.protocolFeeFor(agreed)).to.equal(50_000n);
    });

    it("stores the grace's end at an increase (feeGraceEndsAt): a later change of the thawing period does not move it", async function () {
      const f = await loadFixture(deployEscrowFixture);
      expect(await f.escrow.feeGraceEndsAt()).to.equal(0n);
      const agreed = await now();
      const t = await nextSecond();
      await f.escrow.connect(f.admin).setProtocolFee(50_000n);
      expect(await f.escrow.feeGraceEndsAt()).to.equal(t + THAWING_PERIOD);
      await f.escrow.connect(f.admin).setWithdrawalThawingPeriod(DAY); // shortened: the grace stays
      expect(await f.escrow.feeGraceEndsAt()).to.equal(t + THAWING_PERIOD);
      await time.increaseTo(t + DAY + 1n);
      expect(await f.escrow.protocolFeeFor(agreed)).to.equal(FEE_PPM);
      await time.increaseTo(t + THAWING_PERIOD - 1n);
      expect(await f.escrow.protocolFeeFor(agreed)).to.equal(FEE_PPM);
      await mine();
      expect(await f.escrow.protocolFeeFor(agreed)).to.equal(50_000n);
      // A decrease leaves it; the next increase sets it from the period then in force (1 day).
      await f.escrow.connect(f.admin).setProtocolFee(20_000n);
      expect(await f.escrow.feeGraceEndsAt()).to.equal(t + THAWING_PERIOD);
      const t2 = await nextSecond();
      await f.escrow.connect(f.admin).setProtocolFee(60_000n);
      expect(await f.escrow.feeGraceEndsAt()).to.equal(t2 + DAY);
      expect(await f.escrow.protocolFeeFor(t2 - 1n)).to.equal(20_000n);
    });

    it("keeps a lengthened period from stretching the grace of an earlier increase", async function () {
      const f = await loadFixture(deployEscrowFixture);
      const agreed = await now();
      const t = await nextSecond();
      await f.escrow.connect(f.admin).setProtocolFee(50_000n);
      await f.escrow.connect(f.admin).setWithdrawalThawingPeriod(60n * DAY);
      expect(await f.escrow.feeGraceEndsAt()).to.equal(t + THAWING_PERIOD);
      await time.increaseTo(t + THAWING_PERIOD);
      expect(await f.escrow.protocolFeeFor(agreed)).to.equal(50_000n);
    });

    it("applies a request's posting time: posted before an increase, it pays the earlier fee", async function () {
      const f = await loadFixture(deployEscrowFixture);
      const before = await postAndCheck(f, f.payer, { mode: Mode.None, nodeId: f.nodeId });
      await f.escrow.connect(f.admin).setProtocolFee(MAX_FEE_PPM);
      const after = await postAndCheck(f, f.payer, { mode: Mode.None, nodeId: f.nodeId, inputHash: id("x") });
      const { split: s1 } = await fulfilAndCheck(f, f.operator, before.requestId, f.nodeId);
      const { split: s2 } = await fulfilAndCheck(f, f.operator, after.requestId, f.nodeId);
      expect(s1.fee).to.equal((NODE1_PRICES[0] * FEE_PPM) / PPM);
      expect(s2.fee).to.equal((NODE1_PRICES[0] * MAX_FEE_PPM) / PPM);
    });

    it("applies a decrease at once, to earlier terms too", async function () {
      const f = await loadFixture(deployEscrowFixture);
      const agreed = await now();
      await f.escrow.connect(f.admin).setProtocolFee(5_000n);
      expect(await f.escrow.protocolFeeFor(agreed)).to.equal(5_000n);
      expect(await f.escrow.feeIncreasedAt()).to.equal(0n);
      // Within the grace of an increase, a decrease below the earlier fee applies at once as well.
      await f.escrow.connect(f.admin).setProtocolFee(80_000n);
      await f.escrow.connect(f.admin).setProtocolFee(1_000n);
      expect(await f.escrow.protocolFeeFor(agreed)).to.equal(1_000n);
      expect(await f.escrow.protocolFeeFor(await now())).to.equal(1_000n);
    });

    it("keeps the lowest earlier fee through two increases within the grace", async function () {
      const f = await loadFixture(deployEscrowFixture);
      const agreed = await now();
      await f.escrow.connect(f.admin).setProtocolFee(30_000n);
      const between = (await now()) + 5n;
      await time.increaseTo(between);
      await f.escrow.connect(f.admin).setProtocolFee(90_000n);
      const second = await now();
      expect(await f.escrow.feeBeforeIncreasePpm()).to.equal(FEE_PPM);
      expect(await f.escrow.feeIncreasedAt()).to.equal(second);
      // Terms from before the first increase, and those agreed between the two, keep 1% for the second's grace.
      expect(await f.escrow.protocolFeeFor(agreed)).to.equal(FEE_PPM);
      expect(await f.escrow.protocolFeeFor(between)).to.equal(FEE_PPM);
      expect(await f.escrow.protocolFeeFor(second)).to.equal(90_000n);
      // A voucher signed before the first increase still pays 1% (redeemAndCheck splits at protocolFeeFor).
      const v = await voucherOf(f, { issuedAt: agreed, cumulativeAmount: opg(10n) });
      const tx = await redeemAndCheck(f, v, await signVoucher(f, f.payer, v), opg(10n));
      const s = split(opg(10n));
      await expect(tx)
        .to.emit(f.escrow, "PaymentCollected")
        .withArgs(
          f.payer.address,
          f.nodeId,
          MODEL,
          f.operator.address,
          f.builder.address,
          Mode.None,
          Kind.Voucher,
          opg(10n),
          s.node,
          s.royalty,
          s.fee,
        );
      // After a thawing period from the second increase, everything pays 9%.
      await time.increaseTo(second + THAWING_PERIOD);
      expect(await f.escrow.protocolFeeFor(agreed)).to.equal(90_000n);
    });

    it("starts a fresh grace once the last one ended: the earlier fee is then the one in force", async function () {
      const f = await loadFixture(deployEscrowFixture);
      await f.escrow.connect(f.admin).setProtocolFee(30_000n);
      await time.increase(THAWING_PERIOD);
      const agreed = await now();
      await f.escrow.connect(f.admin).setProtocolFee(60_000n);
      expect(await f.escrow.feeBeforeIncreasePpm()).to.equal(30_000n);
      expect(await f.escrow.protocolFeeFor(agreed)).to.equal(30_000n);
    });
  });

  describe("the node's price increase delay, as fulfil sees it", function () {
    it("pays the old price until PRICE_INCREASE_DELAY has passed, and a decrease at once", async function () {
      const f = await loadFixture(deployEscrowFixture);
      const delay = await f.nodes.PRICE_INCREASE_DELAY();
      expect(delay).to.equal(DAY);
      const params = (prices: [bigint, bigint, bigint]) => ({
        metadataURI: "https://node-1.example",
        modes: 3,
        teeMeasurement: MEASUREMENT,
        capacity: 16n,
        prices,
      });
      const t = await nextSecond();
      await expect(f.nodes.connect(f.operator).updateNode(f.nodeId, params([opg(4n), opg(3n), 0n])))
        .to.emit(f.nodes, "NodePriceIncreaseScheduled")
        .withArgs(f.nodeId, [opg(4n), opg(3n), 0n], t + delay);
      const early = await postAndCheck(f, f.payer, { mode: Mode.None, nodeId: f.nodeId });
      expect((await fulfilAndCheck(f, f.operator, early.requestId, f.nodeId)).price).to.equal(NODE1_PRICES[0]);
      // Posted after the increase was scheduled, fulfilled once it applies: the new price (the payer could see it).
      const late = await postAndCheck(f, f.payer, {
        mode: Mode.None,
        nodeId: f.nodeId,
        deadline: (await now()) + delay,
      });
      expect(await f.nodes.priceOf(f.nodeId, Mode.None)).to.equal(NODE1_PRICES[0]);
      await time.setNextBlockTimestamp(t + delay);
      await f.nodes.connect(f.operator).heartbeat(f.nodeId);
      expect(await f.nodes.priceOf(f.nodeId, Mode.None)).to.equal(opg(4n));
      expect((await fulfilAndCheck(f, f.operator, late.requestId, f.nodeId)).price).to.equal(opg(4n));
      // A decrease applies at once.
      await f.nodes.connect(f.operator).updateNode(f.nodeId, params([opg(2n), opg(3n), 0n]));
      const cheap = await postAndCheck(f, f.payer, { mode: Mode.None, nodeId: f.nodeId });
      expect((await fulfilAndCheck(f, f.operator, cheap.requestId, f.nodeId)).price).to.equal(opg(2n));
    });
  });

  /*
  reclaim
  ├── before or at the deadline → EscrowRequestNotExpired(id, deadline)
  ├── after → by anyone, cap back
  ├── then fulfil / reclaim → EscrowRequestNotOpen(id, Reclaimed)
  */
  describe("reclaim", function () {
    it("reverts EscrowRequestNotExpired(id, deadline) up to the deadline", async function () {
      const f = await loadFixture(deployEscrowFixture);
      const { requestId, deadline } = await postAndCheck(f, f.payer, {});
      await expect(f.escrow.connect(f.payer).reclaim(requestId))
        .to.be.revertedWithCustomError(f.escrow, "EscrowRequestNotExpired")
        .withArgs(requestId, deadline);
      await time.setNextBlockTimestamp(deadline);
      await expect(f.escrow.connect(f.payer).reclaim(requestId, { gasLimit: GAS }))
        .to.be.revertedWithCustomError(f.escrow, "EscrowRequestNotExpired")
        .withArgs(requestId, deadline);
    });

    it("reverts EscrowRequestNotOpen(id, None) for an unknown request", async function () {
      const f = await loadFixture(deployEscrowFixture);
      await expect(f.escrow.connect(f.payer).reclaim(3n))
        .to.be.revertedWithCustomError(f.escrow, "EscrowRequestNotOpen")
        .withArgs(3n, Status.None);
    });

    it("gives the cap back to the payer after the deadline, whoever calls it; then nothing else", async function () {
      const f = await loadFixture(deployEscrowFixture);
      const { requestId, deadline } = await postAndCheck(f, f.payer, { feeCap: opg(9n) });
      await time.setNextBlockTimestamp(deadline + 1n);
      await reclaimAndCheck(f, f.stranger, requestId);
      expect(await f.escrow.balanceOf(f.payer.address)).to.equal(DEPOSIT);
      await f.nodes.connect(f.operator).heartbeat(f.nodeId);
      await expect(f.escrow.connect(f.operator).fulfil(requestId, f.nodeId, OUTPUT, PROOF))
        .to.be.revertedWithCustomError(f.escrow, "EscrowRequestNotOpen")
        .withArgs(requestId, Status.Reclaimed);
      await expect(f.escrow.connect(f.payer).reclaim(requestId))
        .to.be.revertedWithCustomError(f.escrow, "EscrowRequestNotOpen")
        .withArgs(requestId, Status.Reclaimed);
    });
  });

  /*
  redeem
  ├── digest, first voucher, replays, higher and lower cumulative amounts, channels
  ├── signatures: bad, tampered fields, other chain / contract / name / version
  ├── dates: expired, from the future; nodes and models: unknown, self-dealing
  ├── EIP-1271 wallets
  └── a payer short of funds
  */
  describe("redeem", function () {
    it("signs the digest voucherDigest reports, under the domain read from eip712Domain()", async function () {
      const f = await loadFixture(deployEscrowFixture);
      const v = await voucherOf(f, { cumulativeAmount: opg(3n) + 7n, mode: Mode.Tee });
      const digest = ethers.TypedDataEncoder.hash(await domainOf(f), VOUCHER_TYPES, v);
      expect(await f.escrow.voucherDigest(v)).to.equal(digest);
      const signature = await signVoucher(f, f.payer, v);
      expect(ethers.recoverAddress(digest, signature)).to.equal(f.payer.address);
    });

    it("pays a first voucher in full, split exactly, and returns what it paid", async function () {
      const f = await loadFixture(deployEscrowFixture);
      const v = await voucherOf(f, { cumulativeAmount: opg(10n) });
      const signature = await signVoucher(f, f.payer, v);
      expect(await f.escrow.connect(f.stranger).redeem.staticCall(v, signature)).to.equal(opg(10n));
      const tx = await redeemAndCheck(f, v, signature, opg(10n));
      expect(await escrowEvents(f, tx, "PaymentCollected")).to.have.length(1);
      expect(split(opg(10n))).to.deep.equal({ fee: opg(1n) / 10n, royalty: opg(1n) / 2n, node: opg(94n) / 10n });
    });

    it("rounds the fee and the royalty down on odd amounts", async function () {
      const f = await loadFixture(deployEscrowFixture);
      const v = await voucherOf(f, { cumulativeAmount: 1_234_567n });
      await redeemAndCheck(f, v, await signVoucher(f, f.payer, v), 1_234_567n);
      // 12,345.67 → 12,345 and 61,728.35 → 61,728: the node takes the rest.
      expect(split(1_234_567n)).to.deep.equal({ fee: 12_345n, royalty: 61_728n, node: 1_160_494n });
      const dust = await voucherOf(f, { cumulativeAmount: 1_234_567n + 19n });
      await redeemAndCheck(f, dust, await signVoucher(f, f.payer, dust), 19n);
    });

    it("reverts EscrowNothingOwed for the same voucher again, pays a higher one the difference and refuses an older one", async function () {
      const f = await loadFixture(deployEscrowFixture);
      const v1 = await voucherOf(f, { cumulativeAmount: opg(10n) });
      const s1 = await signVoucher(f, f.payer, v1);
      await redeemAndCheck(f, v1, s1, opg(10n));
      await expect(f.escrow.redeem(v1, s1))
        .to.be.revertedWithCustomError(f.escrow, "EscrowNothingOwed")
        .withArgs(opg(10n), opg(10n));

      const v2 = await voucherOf(f, { cumulativeAmount: opg(25n) });
      const s2 = await signVoucher(f, f.payer, v2);
      await redeemAndCheck(f, v2, s2, opg(15n));
      await expect(f.escrow.redeem(v2, s2))
        .to.be.revertedWithCustomError(f.escrow, "EscrowNothingOwed")
        .withArgs(opg(25n), opg(25n));
      await expect(f.escrow.redeem(v1, s1))
        .to.be.revertedWithCustomError(f.escrow, "EscrowNothingOwed")
        .withArgs(opg(10n), opg(25n));
      // An older voucher with a later date is still older by its amount.
      const v3 = await voucherOf(f, { cumulativeAmount: opg(20n) });
      await expect(f.escrow.redeem(v3, await signVoucher(f, f.payer, v3)))
        .to.be.revertedWithCustomError(f.escrow, "EscrowNothingOwed")
        .withArgs(opg(20n), opg(25n));
      expect(await f.escrow.redeemedOf(f.payer.address, f.nodeId, MODEL, Mode.None)).to.equal(opg(25n));
    });

    it("keeps a separate redeemed amount per payer, node, model and mode", async function () {
      const f = await loadFixture(deployEscrowFixture);
      await fundAndCheck(f, f.payer, f.operator2.address, opg(10n));
      await f.nodes.connect(f.operator).addModels(f.nodeId, [OTHER_MODEL]); // node 1 lists a second model
      const base = await voucherOf(f, { cumulativeAmount: opg(4n) });
      await redeemAndCheck(f, base, await signVoucher(f, f.payer, base), opg(4n));
      const variants: Voucher[] = [
        { ...base, mode: Mode.Tee },
        { ...base, nodeId: f.nodeId2 },
        { ...base, modelId: OTHER_MODEL },
        { ...base, payer: f.payer2.address },
      ];
      for (const v of variants) {
        const signer = v.payer === f.payer.address ? f.payer : f.payer2;
        await redeemAndCheck(f, v, await signVoucher(f, signer, v), opg(4n));
      }
      expect(await f.escrow.redeemedOf(f.payer.address, f.nodeId, MODEL, Mode.None)).to.equal(opg(4n));
      expect(await f.escrow.redeemedOf(f.payer.address, f.nodeId, MODEL, Mode.Zk)).to.equal(0n);
    });

    it("reverts EscrowNodeDoesNotOffer(nodeId, modelId, mode) for a model the node does not list or a mode it does not offer", async function () {
      const f = await loadFixture(deployEscrowFixture);
      expect(await f.nodes.offers(f.nodeId, OTHER_MODEL, Mode.None)).to.equal(false);
      expect(await f.nodes.offers(f.nodeId, MODEL, Mode.Zk)).to.equal(false);
      expect(await f.nodes.offers(f.nodeId, MODEL, Mode.Tee)).to.equal(true);
      const unlisted = await voucherOf(f, { modelId: OTHER_MODEL, cumulativeAmount: opg(5n) });
      const unlistedSig = await signVoucher(f, f.payer, unlisted);
      await expect(f.escrow.redeem(unlisted, unlistedSig))
        .to.be.revertedWithCustomError(f.escrow, "EscrowNodeDoesNotOffer")
        .withArgs(f.nodeId, OTHER_MODEL, Mode.None);
      const zk = await voucherOf(f, { mode: Mode.Zk, cumulativeAmount: opg(5n) });
      await expect(f.escrow.redeem(zk, await signVoucher(f, f.payer, zk)))
        .to.be.revertedWithCustomError(f.escrow, "EscrowNodeDoesNotOffer")
        .withArgs(f.nodeId, MODEL, Mode.Zk);
      // An unknown model is named as such first, listed or not.
      const unknown = await voucherOf(f, { modelId: UNKNOWN_MODEL, mode: Mode.Zk });
      await expect(f.escrow.redeem(unknown, await signVoucher(f, f.payer, unknown)))
        .to.be.revertedWithCustomError(f.escrow, "EscrowUnknownModel")
        .withArgs(UNKNOWN_MODEL);
      expect(await accountOf(f, f.payer.address)).to.include({ balance: DEPOSIT });
      // Once the node lists the model, the same signed voucher is paid; unlisted again, it is refused again.
      await f.nodes.connect(f.operator).addModels(f.nodeId, [OTHER_MODEL]);
      expect(await f.nodes.offers(f.nodeId, OTHER_MODEL, Mode.None)).to.equal(true);
      await redeemAndCheck(f, unlisted, unlistedSig, opg(5n));
    });

    it("pays the ECDSA voucher of a payer whose account has code that rejects EIP-1271 (an EIP-7702 account)", async function () {
      const f = await loadFixture(deployEscrowFixture);
      const v = await voucherOf(f, { cumulativeAmount: opg(7n) });
      const signature = await signVoucher(f, f.payer, v);
      // Code that reverts on every call: isValidSignature never answers.
      await ethers.provider.send("hardhat_setCode", [f.payer.address, "0x60006000fd"]);
      expect(await ethers.provider.getCode(f.payer.address)).to.equal("0x60006000fd");
      // A signature by another key is still refused: ECDSA fails and the code does not confirm it.
      await expect(f.escrow.redeem(v, await signVoucher(f, f.payer2, v)))
        .to.be.revertedWithCustomError(f.escrow, "EscrowInvalidSignature")
        .withArgs(f.payer.address);
      await redeemAndCheck(f, v, signature, opg(7n));
      expect(await f.escrow.redeemedOf(f.payer.address, f.nodeId, MODEL, Mode.None)).to.equal(opg(7n));
    });

    it("reverts EscrowInvalidSignature(payer) for a signature that is not the payer's", async function () {
      const f = await loadFixture(deployEscrowFixture);
      const v = await voucherOf(f);
      await expect(f.escrow.redeem(v, await signVoucher(f, f.payer2, v)))
        .to.be.revertedWithCustomError(f.escrow, "EscrowInvalidSignature")
        .withArgs(f.payer.address);
      await expect(f.escrow.redeem(v, "0x1234"))
        .to.be.revertedWithCustomError(f.escrow, "EscrowInvalidSignature")
        .withArgs(f.payer.address);
      await expect(f.escrow.redeem(v, "0x"))
        .to.be.revertedWithCustomError(f.escrow, "EscrowInvalidSignature")
        .withArgs(f.payer.address);
    });

    it("reverts EscrowInvalidSignature(payer) when any field is changed after signing", async function () {
      const f = await loadFixture(deployEscrowFixture);
      const v = await voucherOf(f, { cumulativeAmount: opg(5n) });
      const signature = await signVoucher(f, f.payer, v);
      const tampered: Voucher[] = [
        { ...v, payer: f.payer2.address },
        { ...v, nodeId: f.nodeId2 },
        { ...v, modelId: OTHER_MODEL },
        { ...v, mode: Mode.Tee },
        { ...v, cumulativeAmount: opg(50n) },
        { ...v, issuedAt: v.issuedAt - 1n },
        { ...v, expiry: v.expiry + 1n },
      ];
      for (const t of tampered) {
        await expect(
          f.escrow.redeem(t, signature),
          JSON.stringify(t, (_, x) => (typeof x === "bigint" ? `${x}` : x)),
        )
          .to.be.revertedWithCustomError(f.escrow, "EscrowInvalidSignature")
          .withArgs(t.payer);
      }
      await redeemAndCheck(f, v, signature, opg(5n));
    });

    it("reverts EscrowInvalidSignature(payer) for a voucher signed for another chain, contract, name or version", async function () {
      const f = await loadFixture(deployEscrowFixture);
      const v = await voucherOf(f);
      const domain = await domainOf(f);
      const others: Partial<TypedDataDomain>[] = [
        { chainId: BigInt(domain.chainId!) + 1n },
        { verifyingContract: f.stakingAddress },
        { name: "OPG Payments v2" },
        { version: "2" },
      ];
      for (const other of others) {
        const label = JSON.stringify(other, (_, x) => (typeof x === "bigint" ? `${x}` : x));
        await expect(f.escrow.redeem(v, await signVoucher(f, f.payer, v, other)), label)
          .to.be.revertedWithCustomError(f.escrow, "EscrowInvalidSignature")
          .withArgs(f.payer.address);
      }
      expect(await f.escrow.redeemedOf(f.payer.address, f.nodeId, MODEL, Mode.None)).to.equal(0n);
    });

    it("does not pay a voucher signed for another escrow deployment", async function () {
      const f = await loadFixture(deployEscrowFixture);
      const other = await new PaymentsEscrow__factory(f.deployer).deploy(
        f.token,
        f.nodes,
        f.models,
        f.staking,
        f.proofs,
        f.admin.address,
        ZeroAddress,
      );
      const [, name, version, chainId, verifyingContract] = await other.eip712Domain();
      const v = await voucherOf(f);
      const signature = await f.payer.signTypedData({ name, version, chainId, verifyingContract }, VOUCHER_TYPES, v);
      await expect(f.escrow.redeem(v, signature))
        .to.be.revertedWithCustomError(f.escrow, "EscrowInvalidSignature")
        .withArgs(f.payer.address);
    });

    it("reverts EscrowVoucherExpired(expiry) after the expiry, and pays at it", async function () {
      const f = await loadFixture(deployEscrowFixture);
      const t = await now();
      const late = await voucherOf(f, { expiry: t + 10n });
      const lateSig = await signVoucher(f, f.payer, late);
      await time.setNextBlockTimestamp(t + 11n);
      await expect(f.escrow.redeem(late, lateSig, { gasLimit: GAS }))
        .to.be.revertedWithCustomError(f.escrow, "EscrowVoucherExpired")
        .withArgs(t + 10n);

      const onTime = await voucherOf(f, { mode: Mode.Tee, expiry: t + 20n });
      await time.setNextBlockTimestamp(t + 20n);
      await redeemAndCheck(f, onTime, await signVoucher(f, f.payer, onTime), opg(10n));
    });

    it("reverts EscrowVoucherFromTheFuture(issuedAt) before its date, and pays from it", async function () {
      const f = await loadFixture(deployEscrowFixture);
      const t = await now();
      const v = await voucherOf(f, { issuedAt: t + 100n });
      const signature = await signVoucher(f, f.payer, v);
      await time.setNextBlockTimestamp(t + 99n);
      await expect(f.escrow.redeem(v, signature, { gasLimit: GAS }))
        .to.be.revertedWithCustomError(f.escrow, "EscrowVoucherFromTheFuture")
        .withArgs(t + 100n);
      await time.setNextBlockTimestamp(t + 100n);
      await redeemAndCheck(f, v, signature, opg(10n));
    });

    it("reverts EscrowUnknownNode(nodeId) for a node that does not exist", async function () {
      const f = await loadFixture(deployEscrowFixture);
      for (const nodeId of [0n, 99n]) {
        const v = await voucherOf(f, { nodeId });
        await expect(f.escrow.redeem(v, await signVoucher(f, f.payer, v)))
          .to.be.revertedWithCustomError(f.escrow, "EscrowUnknownNode")
          .withArgs(nodeId);
      }
    });

    it("reverts EscrowSelfDealing(payer, nodeId) when the payer operates the node", async function () {
      const f = await loadFixture(deployEscrowFixture);
      await depositToEscrowAndCheck(f, f.operator, f.operator.address, f.operator2.address, opg(10n));
      const v = await voucherOf(f, { payer: f.operator.address });
      await expect(f.escrow.redeem(v, await signVoucher(f, f.operator, v)))
        .to.be.revertedWithCustomError(f.escrow, "EscrowSelfDealing")
        .withArgs(f.operator.address, f.nodeId);
      // An operator cannot hold an escrow with itself.
      await expect(f.escrow.connect(f.operator).depositToEscrow(f.operator.address, f.operator.address, 1n))
        .to.be.revertedWithCustomError(f.escrow, "EscrowInvalidOperator")
        .withArgs(f.operator.address);
      // The same payer may pay another operator's node.
      const other = await voucherOf(f, { payer: f.operator.address, nodeId: f.nodeId2 });
      await redeemAndCheck(f, other, await signVoucher(f, f.operator, other), opg(10n));
    });

    it("reverts EscrowUnknownModel(model) for a model not registered", async function () {
      const f = await loadFixture(deployEscrowFixture);
      const v = await voucherOf(f, { modelId: UNKNOWN_MODEL });
      await expect(f.escrow.redeem(v, await signVoucher(f, f.payer, v)))
        .to.be.revertedWithCustomError(f.escrow, "EscrowUnknownModel")
        .withArgs(UNKNOWN_MODEL);
    });

    it("pays a voucher from an EIP-1271 contract wallet signed by its owner, and no one else's", async function () {
      const f = await loadFixture(deployEscrowFixture);
      await depositToEscrowAndCheck(f, f.walletOwner, f.walletAddress, f.operator.address, opg(20n));
      const v = await voucherOf(f, { payer: f.walletAddress, cumulativeAmount: opg(8n) });
      await expect(f.escrow.redeem(v, await signVoucher(f, f.stranger, v)))
        .to.be.revertedWithCustomError(f.escrow, "EscrowInvalidSignature")
        .withArgs(f.walletAddress);
      await redeemAndCheck(f, v, await signVoucher(f, f.walletOwner, v), opg(8n));
      expect(await f.escrow.availableOf(f.walletAddress, f.operator.address)).to.equal(opg(12n));
    });

    it("pays what a short payer has, the rest after a top-up, and nothing from an empty one", async function () {
      const f = await loadFixture(deployEscrowFixture);
      await depositToEscrowAndCheck(f, f.payer3, f.payer3.address, f.operator.address, opg(10n));
      // Its free balance and its escrow with another operator do not pay this node.
      await depositAndCheck(f, f.payer3, f.payer3.address, opg(50n));
      await fundAndCheck(f, f.payer3, f.operator2.address, opg(30n));
      const v = await voucherOf(f, { payer: f.payer3.address, cumulativeAmount: opg(25n) });
      const signature = await signVoucher(f, f.payer3, v);
      await redeemAndCheck(f, v, signature, opg(10n));
      await expect(f.escrow.redeem(v, signature))
        .to.be.revertedWithCustomError(f.escrow, "EscrowInsufficientBalance")
        .withArgs(0n, opg(15n));
      await fundAndCheck(f, f.payer3, f.operator.address, opg(20n));
      await redeemAndCheck(f, v, signature, opg(15n));
      await expect(f.escrow.redeem(v, signature))
        .to.be.revertedWithCustomError(f.escrow, "EscrowNothingOwed")
        .withArgs(opg(25n), opg(25n));
      expect(await f.escrow.availableOf(f.payer3.address, f.operator.address)).to.equal(opg(5n));
      expect(await f.escrow.availableOf(f.payer3.address, f.operator2.address)).to.equal(opg(30n));
      expect(await f.escrow.balanceOf(f.payer3.address)).to.equal(0n);
    });

    it("reverts EscrowNodeNotServing(nodeId) for a jailed node, and pays once it is unjailed", async function () {
      const f = await loadFixture(deployEscrowFixture);
      await f.nodes.connect(f.admin).jailNode(f.nodeId, (await now()) + DAY);
      const v = await voucherOf(f, { cumulativeAmount: opg(2n) });
      const signature = await signVoucher(f, f.payer, v);
      await expect(f.escrow.redeem(v, signature))
        .to.be.revertedWithCustomError(f.escrow, "EscrowNodeNotServing")
        .withArgs(f.nodeId);
      await f.nodes.connect(f.admin).unjailNode(f.nodeId);
      await redeemAndCheck(f, v, signature, opg(2n));
    });

    it("reverts EscrowNodeNotServing(nodeId) for a deregistered node", async function () {
      const f = await loadFixture(deployEscrowFixture);
      await f.nodes.connect(f.operator).deregisterNode(f.nodeId);
      const v = await voucherOf(f, { cumulativeAmount: opg(3n) });
      await expect(f.escrow.redeem(v, await signVoucher(f, f.payer, v)))
        .to.be.revertedWithCustomError(f.escrow, "EscrowNodeNotServing")
        .withArgs(f.nodeId);
    });

    it("reverts EscrowNodeNotServing(nodeId) once the operator unstakes below its minimum, and pays once covered", async function () {
      const f = await loadFixture(deployEscrowFixture);
      const v = await voucherOf(f, { cumulativeAmount: opg(3n) });
      const signature = await signVoucher(f, f.payer, v);
      // Own stake 4,999 OPG: below the 5,000 OPG own minimum per node (delegations do not count for it).
      await f.staking.connect(f.operator).unstake(OPERATOR_STAKE - opg(4_999n));
      expect((await f.nodes.nodeOperatorOf(f.nodeId))[1]).to.equal(false);
      await expect(f.escrow.redeem(v, signature))
        .to.be.revertedWithCustomError(f.escrow, "EscrowNodeNotServing")
        .withArgs(f.nodeId);
      // In a batch it is skipped with that error's selector.
      const other = await voucherOf(f, { nodeId: f.nodeId2, payer: f.payer2.address, cumulativeAmount: opg(1n) });
      await fundAndCheck(f, f.payer2, f.operator2.address, opg(1n));
      await redeemBatchAndCheck(f, [
        { v, signature, skip: "EscrowNodeNotServing" },
        { v: other, signature: await signVoucher(f, f.payer2, other), paid: opg(1n) },
      ]);
      await f.staking.connect(f.operator).stake(opg(1n));
      await redeemAndCheck(f, v, signature, opg(3n));
    });
  });

  /*
  redeem during a thaw
  ├── issued before the thaw started → may take the thawing funds; thawing shrinks to the balance
  ├── issued at or after the start → only what is not thawing
  └── after a cancelled thaw → the whole balance again
  */
  describe("redeem during a thaw", function () {
    it("lets a voucher issued before the thaw take the thawing funds, and not one issued after", async function () {
      const f = await loadFixture(deployEscrowFixture);
      const before = await voucherOf(f, { cumulativeAmount: opg(60n) });
      const beforeSig = await signVoucher(f, f.payer, before);
      const { t, endsAt } = await thawAndCheck(f, f.payer, DEPOSIT);
      expect(before.issuedAt < t).to.equal(true);

      // Issued at the second the thaw started, and later: nothing is available to them.
      for (const issuedAt of [t, t + 1n]) {
        const after = await voucherOf(f, { mode: Mode.Tee, cumulativeAmount: opg(30n), issuedAt });
        await time.setNextBlockTimestamp(t + 2n + (issuedAt - t));
        await expect(f.escrow.redeem(after, await signVoucher(f, f.payer, after), { gasLimit: GAS }))
          .to.be.revertedWithCustomError(f.escrow, "EscrowInsufficientBalance")
          .withArgs(0n, opg(30n));
      }

      // Redeemed before the thaw ends, the older voucher is paid in full from the thawing funds.
      await redeemAndCheck(f, before, beforeSig, opg(60n));
      expect(await accountOf(f, f.payer.address)).to.deep.equal({
        balance: opg(40n),
        thawing: opg(40n),
        thawStartedAt: t,
        thawEndsAt: endsAt,
      });
      await time.increaseTo(endsAt);
      await withdrawAndCheck(f, f.payer, opg(40n));
    });

    it("pays a voucher issued after the thaw only from the part not thawing, leaving the thaw whole", async function () {
      const f = await loadFixture(deployEscrowFixture);
      const { t, endsAt } = await thawAndCheck(f, f.payer, opg(80n));
      const after = await voucherOf(f, { cumulativeAmount: opg(30n) });
      expect(after.issuedAt >= t).to.equal(true);
      const signature = await signVoucher(f, f.payer, after);
      await redeemAndCheck(f, after, signature, opg(20n));
      expect(await accountOf(f, f.payer.address)).to.include({ balance: opg(80n), thawing: opg(80n) });
      await expect(f.escrow.redeem(after, signature))
        .to.be.revertedWithCustomError(f.escrow, "EscrowInsufficientBalance")
        .withArgs(0n, opg(10n));
      await time.increaseTo(endsAt);
      await withdrawAndCheck(f, f.payer, opg(80n));
      // After the withdrawal there is no thaw; a top-up of the escrow pays the rest.
      await depositToEscrowAndCheck(f, f.payer, f.payer.address, f.operator.address, opg(10n));
      await redeemAndCheck(f, after, signature, opg(10n));
    });

    it("takes a pre-thaw voucher from the part not thawing first", async function () {
      const f = await loadFixture(deployEscrowFixture);
      const old = await voucherOf(f, { cumulativeAmount: opg(30n) });
      const oldSig = await signVoucher(f, f.payer, old);
      const { endsAt } = await thawAndCheck(f, f.payer, opg(50n));
      // 30 from the 50 not thawing: the thaw keeps all its 50.
      await redeemAndCheck(f, old, oldSig, opg(30n));
      expect(await accountOf(f, f.payer.address)).to.include({ balance: opg(70n), thawing: opg(50n) });
      await time.increaseTo(endsAt);
      await withdrawAndCheck(f, f.payer, opg(50n));
    });

    it("lets every voucher take the whole balance again once the thaw is cancelled", async function () {
      const f = await loadFixture(deployEscrowFixture);
      await thawAndCheck(f, f.payer, DEPOSIT);
      const after = await voucherOf(f, { cumulativeAmount: opg(30n) });
      const signature = await signVoucher(f, f.payer, after);
      await expect(f.escrow.redeem(after, signature))
        .to.be.revertedWithCustomError(f.escrow, "EscrowInsufficientBalance")
        .withArgs(0n, opg(30n));
      await thawAndCheck(f, f.payer, 0n);
      await redeemAndCheck(f, after, signature, opg(30n));
    });
  });

  /*
  redeemBatch
  ├── lengths differ or empty → EscrowBadBatch(vouchers, signatures)
  ├── many payers, two nodes → each paid; returns the total
  ├── one bad → others paid; VoucherSkipped(index, payer, nodeId, selector)
  ├── every kind of failure → its own selector
  ├── the same voucher twice → the second skipped
  └── nothing pays → EscrowBatchPaidNothing
  */
  describe("redeemBatch", function () {
    it("reverts EscrowBadBatch(vouchers, signatures) when the lengths differ or the batch is empty", async function () {
      const f = await loadFixture(deployEscrowFixture);
      const v = await voucherOf(f);
      const signature = await signVoucher(f, f.payer, v);
      await expect(f.escrow.redeemBatch([v, v], [signature]))
        .to.be.revertedWithCustomError(f.escrow, "EscrowBadBatch")
        .withArgs(2n, 1n);
      await expect(f.escrow.redeemBatch([v], [signature, signature]))
        .to.be.revertedWithCustomError(f.escrow, "EscrowBadBatch")
        .withArgs(1n, 2n);
      await expect(f.escrow.redeemBatch([], []))
        .to.be.revertedWithCustomError(f.escrow, "EscrowBadBatch")
        .withArgs(0n, 0n);
    });

    it("pays many payers and two nodes in one transaction", async function () {
      const f = await loadFixture(deployEscrowFixture);
      // Each voucher draws from its payer's escrow with the node's operator.
      await depositToEscrowAndCheck(f, f.payer3, f.payer3.address, f.operator.address, opg(30n));
      await depositToEscrowAndCheck(f, f.walletOwner, f.walletAddress, f.operator2.address, opg(30n));
      await fundAndCheck(f, f.payer, f.operator2.address, opg(5n));
      await fundAndCheck(f, f.payer2, f.operator2.address, opg(3n));
      const items: BatchItem[] = [];
      const add1 = async (signer: HardhatEthersSigner, o: Partial<Voucher>, paid: bigint) => {
        const v = await voucherOf(f, o);
        items.push({ v, signature: await signVoucher(f, signer, v), paid });
      };
      await add1(f.payer, { cumulativeAmount: opg(10n) }, opg(10n));
      await add1(f.payer2, { payer: f.payer2.address, mode: Mode.Tee, cumulativeAmount: opg(7n) + 3n }, opg(7n) + 3n);
      await add1(f.payer, { nodeId: f.nodeId2, cumulativeAmount: opg(5n) }, opg(5n));
      await add1(
        f.payer2,
        { payer: f.payer2.address, nodeId: f.nodeId2, modelId: OTHER_MODEL, cumulativeAmount: opg(3n) },
        opg(3n),
      );
      await add1(f.payer3, { payer: f.payer3.address, cumulativeAmount: opg(1n) }, opg(1n));
      await add1(f.walletOwner, { payer: f.walletAddress, nodeId: f.nodeId2, cumulativeAmount: opg(4n) }, opg(4n));
      const tx = await redeemBatchAndCheck(f, items);
      expect(await escrowEvents(f, tx, "PaymentCollected")).to.have.length(6);
    });

    it("pays the others and emits VoucherSkipped for one bad voucher", async function () {
      const f = await loadFixture(deployEscrowFixture);
      const a = await voucherOf(f, { cumulativeAmount: opg(2n) });
      const b = await voucherOf(f, { payer: f.payer2.address, cumulativeAmount: opg(3n) });
      const c = await voucherOf(f, { nodeId: f.nodeId2, cumulativeAmount: opg(4n) });
      await fundAndCheck(f, f.payer, f.operator2.address, opg(4n));
      await redeemBatchAndCheck(f, [
        { v: a, signature: await signVoucher(f, f.payer, a), paid: opg(2n) },
        { v: b, signature: await signVoucher(f, f.payer, b), skip: "EscrowInvalidSignature" },
        { v: c, signature: await signVoucher(f, f.payer, c), paid: opg(4n) },
      ]);
      expect(await f.escrow.redeemedOf(f.payer2.address, f.nodeId, MODEL, Mode.None)).to.equal(0n);
    });

    it("skips every kind of failure with its own error's selector", async function () {
      const f = await loadFixture(deployEscrowFixture);
      await depositToEscrowAndCheck(f, f.operator, f.operator.address, f.operator2.address, opg(10n));
      await fundAndCheck(f, f.payer, f.operator2.address, opg(6n));
      const t = await now();
      const done = await voucherOf(f, { mode: Mode.Tee, cumulativeAmount: opg(1n) });
      const doneSig = await signVoucher(f, f.payer, done);
      await redeemAndCheck(f, done, doneSig, opg(1n));

      const items: BatchItem[] = [];
      const push = async (
        signer: HardhatEthersSigner,
        o: Partial<Voucher>,
        outcome: { skip?: string; paid?: bigint },
      ) => {
        const v = await voucherOf(f, o);
        items.push({ v, signature: await signVoucher(f, signer, v), ...outcome });
      };
      await push(f.payer, { expiry: t - 1n }, { skip: "EscrowVoucherExpired" });
      await push(f.payer, { issuedAt: t + DAY }, { skip: "EscrowVoucherFromTheFuture" });
      await push(f.payer2, {}, { skip: "EscrowInvalidSignature" });
      await push(f.payer, { nodeId: 99n }, { skip: "EscrowUnknownNode" });
      await push(f.operator, { payer: f.operator.address }, { skip: "EscrowSelfDealing" });
      await push(f.payer, { modelId: UNKNOWN_MODEL }, { skip: "EscrowUnknownModel" });
      await push(f.payer, { modelId: OTHER_MODEL }, { skip: "EscrowNodeDoesNotOffer" }); // not listed by node 1
      await push(f.payer, { nodeId: f.nodeId2, mode: Mode.Tee }, { skip: "EscrowNodeDoesNotOffer" }); // none only
      items.push({ v: done, signature: doneSig, skip: "EscrowNothingOwed" });
      await push(f.payer3, { payer: f.payer3.address }, { skip: "EscrowInsufficientBalance" });
      await push(f.payer, { nodeId: f.nodeId2, cumulativeAmount: opg(6n) }, { paid: opg(6n) });
      const tx = await redeemBatchAndCheck(f, items);
      expect(await escrowEvents(f, tx, "VoucherSkipped")).to.have.length(10);
    });

    it("skips the second copy of a voucher in the same batch with EscrowNothingOwed", async function () {
      const f = await loadFixture(deployEscrowFixture);
      const v = await voucherOf(f, { cumulativeAmount: opg(5n) });
      const signature = await signVoucher(f, f.payer, v);
      await redeemBatchAndCheck(f, [
        { v, signature, paid: opg(5n) },
        { v, signature, skip: "EscrowNothingOwed" },
      ]);
    });

    it("pays a payer's vouchers in order until its escrow with the operator runs out; others do not draw on it", async function () {
      const f = await loadFixture(deployEscrowFixture);
      await depositToEscrowAndCheck(f, f.payer3, f.payer3.address, f.operator.address, opg(10n));
      const a = await voucherOf(f, { payer: f.payer3.address, cumulativeAmount: opg(7n) });
      const b = await voucherOf(f, { payer: f.payer3.address, mode: Mode.Tee, cumulativeAmount: opg(7n) });
      const c = await voucherOf(f, { payer: f.payer3.address, nodeId: f.nodeId2, cumulativeAmount: opg(1n) });
      await redeemBatchAndCheck(f, [
        { v: a, signature: await signVoucher(f, f.payer3, a), paid: opg(7n) },
        { v: b, signature: await signVoucher(f, f.payer3, b), paid: opg(3n) },
        { v: c, signature: await signVoucher(f, f.payer3, c), skip: "EscrowInsufficientBalance" },
      ]);
    });

    it("reverts EscrowBatchPaidNothing when nothing pays", async function () {
      const f = await loadFixture(deployEscrowFixture);
      const v = await voucherOf(f);
      const bad = await signVoucher(f, f.payer2, v);
      const empty = await voucherOf(f, { payer: f.payer3.address });
      await expect(
        f.escrow.redeemBatch([v, empty], [bad, await signVoucher(f, f.payer3, empty)]),
      ).to.be.revertedWithCustomError(f.escrow, "EscrowBatchPaidNothing");
    });
  });

  /*
  node fees credited in staking per payment
  ├── a payment → FeesCredited(operator, nodeShare, streaming, endsAt) in the same transaction, Staking's token
  │   balance up by the node share; once the fee stream has run out, claimableRewards of the operator and its
  │   delegator grew by their parts (cut, delegated / active), exactly
  ├── each operator's fees are its own
  └── a delegation made after a payment's stream ran out does not share it
  */
  describe("node fees credited in staking", function () {
    /** What `send` adds to the claimable rewards of `accounts` with `operator`, once its fees are released. */
    async function claimableDelta(f: Fixture, operator: string, accounts: string[], send: () => Promise<unknown>) {
      const t = (await now()) + 10n;
      const read = async () => {
        const block = await ethers.provider.getBlockNumber();
        return Promise.all(accounts.map((a) => f.staking.claimableRewards(a, operator, { blockTag: block })));
      };
      // Read once the payment's fee stream has run out (staking releases fees over FEE_STREAM_PERIOD).
      const end = t + (await f.staking.FEE_STREAM_PERIOD());
      const snapshot = await network.provider.send("evm_snapshot", []);
      await time.setNextBlockTimestamp(t);
      await mine();
      await time.increaseTo(end);
      const without = await read();
      await network.provider.send("evm_revert", [snapshot]);
      await time.setNextBlockTimestamp(t);
      await send();
      await time.increaseTo(end);
      const withIt = await read();
      return withIt.map((v, i) => v - without[i]);
    }

    it("credits the node share: once it is released, the operator's and the delegator's claims grow by their parts", async function () {
      const f = await loadFixture(deployEscrowFixture);
      const { staking } = f;
      const gross = opg(50n) + 7n;
      const amount = split(gross).node;
      const o = await staking.getOperator(f.operator.address);
      expect([o.ownActive, o.delegated.tokens, o.delegated.shares, o.cutPpm]).to.deep.equal([
        OPERATOR_STAKE,
        DELEGATION,
        DELEGATION,
        CUT_PPM,
      ]);
      const delegatedPart = (amount * DELEGATION) / (OPERATOR_STAKE + DELEGATION);
      const toDelegators = delegatedPart - (delegatedPart * CUT_PPM) / PPM;
      const precision = 10n ** 27n;
      const toDelegator = (DELEGATION * ((toDelegators * precision) / DELEGATION)) / precision;
      const v = await voucherOf(f, { cumulativeAmount: gross });
      const signature = await signVoucher(f, f.payer, v);
      let tx: ContractTransactionResponse | undefined;
      const stakingTokens = await f.token.balanceOf(f.stakingAddress);
      const [toOperator, delegator] = await claimableDelta(
        f,
        f.operator.address,
        [f.operator.address, f.delegator.address],
        async () => (tx = await redeemAndCheck(f, v, signature, gross)),
      );
      await expect(tx!).to.emit(staking, "FeesCredited").withArgs(f.operator.address, amount, anyValue, anyValue);
      expect(toOperator).to.equal(amount - toDelegators);
      expect(delegator).to.equal(toDelegator);
      // The tokens came with it, in the same transaction.
      expect((await f.token.balanceOf(f.stakingAddress)) - stakingTokens).to.equal(amount);
      // And they are claimed in staking.
      await expect(staking.connect(f.delegator).claimRewards(f.operator.address)).to.emit(staking, "RewardsClaimed");
    });

    it("credits each operator's fees to it alone", async function () {
      const f = await loadFixture(deployEscrowFixture);
      await fundAndCheck(f, f.payer, f.operator2.address, opg(10n));
      const v = await voucherOf(f, { nodeId: f.nodeId2, cumulativeAmount: opg(10n) });
      const signature = await signVoucher(f, f.payer, v);
      const amount = split(opg(10n)).node;
      let tx: ContractTransactionResponse | undefined;
      const [op2, op1] = await claimableDelta(
        f,
        f.operator2.address,
        [f.operator2.address, f.operator.address],
        async () => {
          tx = await redeemAndCheck(f, v, signature, opg(10n));
        },
      );
      // operator2 has no delegators: all of it is its own.
      await expect(tx!).to.emit(f.staking, "FeesCredited").withArgs(f.operator2.address, amount, anyValue, anyValue);
      expect([op2, op1]).to.deep.equal([amount, 0n]);
    });

    it("does not share a payment with a delegation made after its stream ran out", async function () {
      const f = await loadFixture(deployEscrowFixture);
      const v = await voucherOf(f, { cumulativeAmount: opg(40n) });
      await redeemAndCheck(f, v, await signVoucher(f, f.payer, v), opg(40n));
      await time.increase(await f.staking.FEE_STREAM_PERIOD());
      await f.token.connect(f.payer3).approve(f.stakingAddress, MaxUint256);
      await f.staking.connect(f.payer3).delegate(f.operator.address, DELEGATION, CUT_PPM);
      const block = await ethers.provider.getBlockNumber();
      expect(await f.staking.claimableRewards(f.payer3.address, f.operator.address, { blockTag: block })).to.equal(0n);
    });
  });

  /*
  collectRoyalties
  ├── nothing owed → EscrowNothingToCollect(caller)
  └── pays the owner; RoyaltiesCollected(owner, amount)
  */
  describe("collectRoyalties", function () {
    it("reverts EscrowNothingToCollect(caller) when nothing is owed", async function () {
      const f = await loadFixture(deployEscrowFixture);
      await expect(f.escrow.connect(f.builder).collectRoyalties())
        .to.be.revertedWithCustomError(f.escrow, "EscrowNothingToCollect")
        .withArgs(f.builder.address);
    });

    it("pays the model owner what its models earned, from vouchers and requests", async function () {
      const f = await loadFixture(deployEscrowFixture);
      const v = await voucherOf(f, { cumulativeAmount: opg(20n) });
      await redeemAndCheck(f, v, await signVoucher(f, f.payer, v), opg(20n));
      const { requestId } = await postAndCheck(f, f.payer2, {});
      await fulfilAndCheck(f, f.operator, requestId, f.nodeId);
      const amount = split(opg(20n)).royalty + split(opg(3n)).royalty;
      expect(await f.escrow.royaltiesOf(f.builder.address)).to.equal(amount);
      const before = await booksOf(f);
      await expect(f.escrow.connect(f.builder).collectRoyalties())
        .to.emit(f.escrow, "RoyaltiesCollected")
        .withArgs(f.builder.address, amount);
      await expectBooks(f, before, { "royalties:builder": -amount, "token:escrow": -amount, "token:builder": amount });
      await expect(f.escrow.connect(f.builder).collectRoyalties())
        .to.be.revertedWithCustomError(f.escrow, "EscrowNothingToCollect")
        .withArgs(f.builder.address);
    });
  });

  /*
  flushProtocolFees
  ├── nothing pending → EscrowNothingToCollect(escrow)
  ├── zero recipient → burns; supply drops by exactly the fees
  └── after setFeeRecipient → pays the recipient
  */
  describe("flushProtocolFees", function () {
    it("reverts EscrowNothingToCollect(escrow) when nothing is pending", async function () {
      const f = await loadFixture(deployEscrowFixture);
      await expect(f.escrow.flushProtocolFees())
        .to.be.revertedWithCustomError(f.escrow, "EscrowNothingToCollect")
        .withArgs(f.escrowAddress);
    });

    it("burns the fees while the recipient is zero: the supply drops by exactly them", async function () {
      const f = await loadFixture(deployEscrowFixture);
      const v = await voucherOf(f, { cumulativeAmount: opg(33n) + 33n });
      await redeemAndCheck(f, v, await signVoucher(f, f.payer, v), opg(33n) + 33n);
      const fees = split(opg(33n) + 33n).fee;
      expect(await f.escrow.protocolFeesPending()).to.equal(fees);
      expect(await f.token.totalSupply()).to.equal(GENESIS_SUPPLY);
      const before = await booksOf(f);
      await expect(f.escrow.connect(f.stranger).flushProtocolFees())
        .to.emit(f.escrow, "ProtocolFeesFlushed")
        .withArgs(ZeroAddress, fees);
      await expectBooks(f, before, { fees: -fees, "token:escrow": -fees, supply: -fees });
      expect(await f.token.totalSupply()).to.equal(GENESIS_SUPPLY - fees);
    });

    it("pays the recipient set by governance", async function () {
      const f = await loadFixture(deployEscrowFixture);
      await expect(f.escrow.connect(f.admin).setFeeRecipient(f.treasury.address))
        .to.emit(f.escrow, "FeeRecipientSet")
        .withArgs(ZeroAddress, f.treasury.address);
      const v = await voucherOf(f, { cumulativeAmount: opg(40n) });
      await redeemAndCheck(f, v, await signVoucher(f, f.payer, v), opg(40n));
      const fees = split(opg(40n)).fee;
      const before = await booksOf(f);
      await expect(f.escrow.connect(f.stranger).flushProtocolFees())
        .to.emit(f.escrow, "ProtocolFeesFlushed")
        .withArgs(f.treasury.address, fees);
      await expectBooks(f, before, { fees: -fees, "token:escrow": -fees, "token:treasury": fees });
      await expect(f.escrow.flushProtocolFees())
        .to.be.revertedWithCustomError(f.escrow, "EscrowNothingToCollect")
        .withArgs(f.escrowAddress);
    });
  });

  /*
  governance
  ├── not admin → AccessControlUnauthorizedAccount(caller, DEFAULT_ADMIN_ROLE)
  ├── setProtocolFee bounds, event, applies to the next payment
  ├── setWithdrawalThawingPeriod bounds, event, applies to new thaws
  └── setFeeRecipient event
  */
  describe("governance", function () {
    it("reverts AccessControlUnauthorizedAccount for every setter when the caller is not the admin", async function () {
      const f = await loadFixture(deployEscrowFixture);
      const role = await f.escrow.DEFAULT_ADMIN_ROLE();
      for (const caller of [f.stranger, f.deployer, f.operator]) {
        await expect(f.escrow.connect(caller).setProtocolFee(0n))
          .to.be.revertedWithCustomError(f.escrow, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, role);
        await expect(f.escrow.connect(caller).setWithdrawalThawingPeriod(DAY))
          .to.be.revertedWithCustomError(f.escrow, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, role);
        await expect(f.escrow.connect(caller).setFeeRecipient(caller.address))
          .to.be.revertedWithCustomError(f.escrow, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, role);
      }
    });

    it("bounds the protocol fee to [0, 10%], emits ParameterSet and applies it to the next payment", async function () {
      const f = await loadFixture(deployEscrowFixture);
      const name = encodeBytes32String("protocolFeePpm");
      await expect(f.escrow.connect(f.admin).setProtocolFee(MAX_FEE_PPM + 1n))
        .to.be.revertedWithCustomError(f.escrow, "EscrowParameterOutOfBounds")
        .withArgs(name, MAX_FEE_PPM + 1n, 0n, MAX_FEE_PPM);
      await expect(f.escrow.connect(f.admin).setProtocolFee(MAX_FEE_PPM))
        .to.emit(f.escrow, "ProtocolFeeSet")
        .withArgs(FEE_PPM, MAX_FEE_PPM);
      expect(await f.escrow.protocolFeePpm()).to.equal(MAX_FEE_PPM);
      const v = await voucherOf(f, { cumulativeAmount: opg(10n) });
      await redeemAndCheck(f, v, await signVoucher(f, f.payer, v), opg(10n));
      expect(await f.escrow.protocolFeesPending()).to.equal(opg(1n));

      await expect(f.escrow.connect(f.admin).setProtocolFee(0n))
        .to.emit(f.escrow, "ProtocolFeeSet")
        .withArgs(MAX_FEE_PPM, 0n);
      const v2 = await voucherOf(f, { cumulativeAmount: opg(20n) });
      await redeemAndCheck(f, v2, await signVoucher(f, f.payer, v2), opg(10n));
      expect(await f.escrow.protocolFeesPending()).to.equal(opg(1n));
    });

    it("bounds the withdrawal thaw to [1 day, 60 days], emits WithdrawalThawingPeriodSet(old, new) and applies it to new thaws only", async function () {
      const f = await loadFixture(deployEscrowFixture);
      const name = encodeBytes32String("withdrawalThawingPeriod");
      for (const bad of [0n, MIN_THAWING_PERIOD - 1n, MAX_THAWING_PERIOD + 1n]) {
        await expect(f.escrow.connect(f.admin).setWithdrawalThawingPeriod(bad))
          .to.be.revertedWithCustomError(f.escrow, "EscrowParameterOutOfBounds")
          .withArgs(name, bad, MIN_THAWING_PERIOD, MAX_THAWING_PERIOD);
      }
      await expect(f.escrow.connect(f.admin).setWithdrawalThawingPeriod(MAX_THAWING_PERIOD))
        .to.emit(f.escrow, "WithdrawalThawingPeriodSet")
        .withArgs(THAWING_PERIOD, MAX_THAWING_PERIOD);
      const old = await thawAndCheck(f, f.payer, opg(10n));
      expect(old.endsAt).to.equal(old.t + MAX_THAWING_PERIOD);

      await expect(f.escrow.connect(f.admin).setWithdrawalThawingPeriod(MIN_THAWING_PERIOD))
        .to.emit(f.escrow, "WithdrawalThawingPeriodSet")
        .withArgs(MAX_THAWING_PERIOD, MIN_THAWING_PERIOD);
      expect((await accountOf(f, f.payer.address)).thawEndsAt).to.equal(old.endsAt);
      const fresh = await thawAndCheck(f, f.payer2, opg(10n));
      expect(fresh.endsAt).to.equal(fresh.t + MIN_THAWING_PERIOD);
    });

    it("sets the fee recipient back to zero (burn) with FeeRecipientSet(old, new)", async function () {
      const f = await loadFixture(deployEscrowFixture);
      await f.escrow.connect(f.admin).setFeeRecipient(f.treasury.address);
      await expect(f.escrow.connect(f.admin).setFeeRecipient(ZeroAddress))
        .to.emit(f.escrow, "FeeRecipientSet")
        .withArgs(f.treasury.address, ZeroAddress);
      expect(await f.escrow.feeRecipient()).to.equal(ZeroAddress);
    });
  });
});
