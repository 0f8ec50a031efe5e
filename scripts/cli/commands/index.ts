/** The table of commands: their words, arguments, options, one line of help, and the function that runs them. */
import type { OptionSpec } from "../args";
import type { Run } from "../context";
import { payments } from "./indexed";
import { escrowDeposit, escrowFund, escrowStatus, escrowThaw, escrowWithdraw } from "./escrow";
import { challengeExpire, challengeOpen, challengeShow } from "./disputes";
import { DEFAULT_PROOFS_FILE, proofsCommit, proofsVerify } from "./proofs";
import { requestFulfil, requestShow } from "./requests";
import { modelRegister, nodeHeartbeat, nodeModels, nodeRegister, nodeUpdate } from "./registry";
import { claimRewards, delegate, stake, transfer, undelegate, unstake, withdraw } from "./tokens";
import { status, unlocks } from "./views";
import { DEFAULT_VOUCHER_LIFE, voucherRedeem, voucherSign } from "./vouchers";

export interface Command {
  /** The command's words: "node register". */
  name: string;
  /** Positional arguments: "<x>" required, "[x]" optional, a trailing "..." for the rest. */
  args: string[];
  options: Record<string, OptionSpec>;
  summary: string;
  run(run: Run): Promise<void>;
}

const operatorOption: Record<string, OptionSpec> = {
  operator: { type: "string", value: "<address>", description: "the operator (default: your own stake)" },
};

const escrowOperatorOptions = (what: string): Record<string, OptionSpec> => ({
  operator: { type: "string", value: "<address>", description: what },
  node: { type: "string", value: "<id>", description: "the operator of this node, instead of --operator" },
});

const indexerOption: OptionSpec = {
  type: "string",
  value: "<url>",
  description: "the indexer's URL (env OPG_INDEXER_URL; `npm start` serves one at http://127.0.0.1:42069)",
};

const timeOption = (what: string): OptionSpec => ({
  type: "string",
  value: "<date>",
  description: `${what}: unix seconds or an ISO date such as 2027-04-21`,
});

const approveOption: Record<string, OptionSpec> = {
  approve: {
    type: "boolean",
    description: "send an approve transaction instead of signing an EIP-2612 permit, when the allowance is short",
  },
};

const nodeDeclaration = (register: boolean): Record<string, OptionSpec> => ({
  metadata: {
    type: "string",
    value: "<uri>",
    required: register,
    description: "where the node's endpoint is described",
  },
  modes: {
    type: "string",
    value: "<none,tee,zk>",
    required: register,
    description: "verification modes offered, comma-separated",
  },
  capacity: { type: "string", value: "<n>", required: register, description: "inferences served at once" },
  "tee-measurement": { type: "string", value: "<0x..>", description: "the enclave measurement (required with tee)" },
  "price-none": { type: "string", value: "<OPG>", description: "price per inference without verification" },
  "price-tee": { type: "string", value: "<OPG>", description: "price per inference in a TEE" },
  "price-zk": { type: "string", value: "<OPG>", description: "price per inference with a ZK proof" },
  models: {
    type: "string",
    value: "<id,id>",
    description: register ? "models served (registered model ids)" : "the whole list of models served from now on",
  },
});

export const COMMANDS: Command[] = [
  {
    name: "transfer",
    args: ["<to>", "<amount>"],
    options: {},
    summary: "send OPG to an address",
    run: transfer,
  },
  {
    name: "model register",
    args: ["<modelId>"],
    options: {
      metadata: { type: "string", value: "<uri>", required: true, description: "where the model is described" },
      royalty: { type: "string", value: "<percent>", description: "royalty share of each paid inference, e.g. 2.5" },
    },
    summary: "register a model (its id is the 0x 32-byte content hash of the weights)",
    run: modelRegister,
  },
  {
    name: "node register",
    args: [],
    options: nodeDeclaration(true),
    summary: "register a node you operate; prints its id",
    run: nodeRegister,
  },
  {
    name: "node update",
    args: ["<nodeId>"],
    options: nodeDeclaration(false),
    summary: "change a node's declaration; options not given keep their value",
    run: nodeUpdate,
  },
  {
    name: "node models",
    args: ["<add|remove>", "<nodeId>", "<modelId...>"],
    options: {},
    summary: "add or remove models a node serves",
    run: nodeModels,
  },
  {
    name: "node heartbeat",
    args: ["<nodeId>"],
    options: {},
    summary: "record that a node is alive now",
    run: nodeHeartbeat,
  },
  {
    name: "stake",
    args: ["<amount>"],
    options: approveOption,
    summary: "add OPG to your own stake as an operator",
    run: stake,
  },
  {
    name: "unstake",
    args: ["<amount|all>"],
    options: {},
    summary: "start unbonding your own stake; prints when it is withdrawable",
    run: unstake,
  },
  {
    name: "withdraw",
    args: [],
    options: operatorOption,
    summary: "withdraw thawed stake (own, or a delegation with --operator); prints the amount",
    run: withdraw,
  },
  {
    name: "delegate",
    args: ["<operator>", "<amount>"],
    options: {
      "max-cut": {
        type: "string",
        value: "<percent>",
        description: "the highest cut of your rewards you accept, e.g. 10 (default: the operator's cut now)",
      },
      ...approveOption,
    },
    summary: "delegate OPG to an operator",
    run: delegate,
  },
  {
    name: "undelegate",
    args: ["<operator>", "<amount|all>"],
    options: {},
    summary: "start unbonding a delegation",
    run: undelegate,
  },
  {
    name: "rewards claim",
    args: [],
    options: {
      operator: {
        type: "string",
        value: "<address>",
        description: "the operator you delegated to (default: your own rewards as an operator)",
      },
    },
    summary: "claim staking rewards",
    run: claimRewards,
  },
  {
    name: "escrow",
    args: ["[address]"],
    options: {},
    summary: "free balance, and the escrow with each operator: balance, thawing, available",
    run: escrowStatus,
  },
  {
    name: "escrow balance",
    args: ["[address]"],
    options: {},
    summary: "the same as `opg escrow`",
    run: escrowStatus,
  },
  {
    name: "escrow deposit",
    args: ["<amount>"],
    options: {
      ...escrowOperatorOptions("into your escrow with this operator (default: your free balance)"),
      for: {
        type: "string",
        value: "<payer>",
        description: "the payer whose balance or escrow to fund (default: your own)",
      },
      ...approveOption,
    },
    summary: "deposit OPG into the payments escrow: the free balance, or an escrow with an operator",
    run: escrowDeposit,
  },
  {
    name: "escrow fund",
    args: ["<amount>"],
    options: escrowOperatorOptions("the operator whose escrow to fund (one of the two is required)"),
    summary: "move free balance into your escrow with an operator, which pays its nodes' vouchers",
    run: escrowFund,
  },
  {
    name: "escrow thaw",
    args: ["<amount>"],
    options: escrowOperatorOptions("the operator whose escrow to thaw (one of the two is required)"),
    summary: "start thawing an escrow with an operator (0 cancels, all thaws it all); prints when withdrawable",
    run: escrowThaw,
  },
  {
    name: "escrow withdraw",
    args: ["[amount|all]"],
    options: escrowOperatorOptions("withdraw the thawed part of your escrow with this operator"),
    summary: "withdraw free balance at once, or (--operator/--node) a thawed escrow once its thaw has ended",
    run: escrowWithdraw,
  },
  {
    name: "voucher sign",
    args: [],
    options: {
      node: { type: "string", value: "<id>", required: true, description: "the node the voucher pays" },
      model: { type: "string", value: "<modelId>", required: true, description: "the model it pays for (0x 32 bytes)" },
      mode: { type: "string", value: "<none|tee|zk>", required: true, description: "the verification mode" },
      amount: {
        type: "string",
        value: "<OPG>",
        required: true,
        description: "what you owe the node for this model and mode in all so far (cumulative, not per voucher)",
      },
      expires: {
        type: "string",
        value: "<when>",
        description: `a duration (7d, 12h, 30m, 2w) or an ISO date (2026-06-01T12:00Z); default ${DEFAULT_VOUCHER_LIFE}`,
      },
      out: { type: "string", value: "<file>", description: "write the signed voucher there (default: stdout)" },
    },
    summary: "sign a payment voucher to a node as its payer (off chain: nothing is sent)",
    run: voucherSign,
  },
  {
    name: "voucher redeem",
    args: ["<file...>"],
    options: {},
    summary: "redeem signed voucher files; several vouchers are redeemed in one batch",
    run: voucherRedeem,
  },
  {
    name: "proofs commit",
    args: ["<records.json>"],
    options: {
      node: { type: "string", value: "<id>", required: true, description: "your node that ran the inferences" },
      uri: { type: "string", value: "<uri>", description: "where the batch of records is published" },
      out: {
        type: "string",
        value: "<proofs.json>",
        description: `where to write the proofs (default ${DEFAULT_PROOFS_FILE})`,
      },
      single: { type: "boolean", description: "commit a file of exactly one record as a single record (commitRecord)" },
    },
    summary: "commit the Merkle root of proof records; writes their proofs",
    run: proofsCommit,
  },
  {
    name: "proofs verify",
    args: ["<record.json>", "<proof.json>"],
    options: {
      root: { type: "string", value: "<root>", description: "the commitment's root (default: the proof file's)" },
      node: { type: "string", value: "<id>", description: "the node that committed it (default: the proof file's)" },
    },
    summary: "check a record's inclusion off and on chain, and its finality",
    run: proofsVerify,
  },
  {
    name: "challenge open",
    args: ["<record.json>", "[proof.json]"],
    options: {
      evidence: { type: "string", value: "<0x..>", required: true, description: "the evidence, as hex bytes" },
      node: { type: "string", value: "<id>", description: "the node that committed it (default: the proof file's)" },
      root: { type: "string", value: "<root>", description: "the batch's root (default: the proof file's)" },
    },
    summary: "challenge a record of a node's batch (or, without a proof file, a single record) with a bond",
    run: challengeOpen,
  },
  {
    name: "challenge show",
    args: ["<challengeId>"],
    options: {},
    summary: "a challenge: pending with its lock and deadline, or its outcome and what was slashed",
    run: challengeShow,
  },
  {
    name: "challenge expire",
    args: ["<challengeId>"],
    options: {},
    summary: "close a pending challenge the arbiter did not decide by its deadline (bond to the operator)",
    run: challengeExpire,
  },
  {
    name: "request show",
    args: ["<requestId>"],
    options: {},
    summary: "an on-chain request: its terms, the answers committed to it, its fulfilment",
    run: requestShow,
  },
  {
    name: "request fulfil",
    args: ["<requestId>"],
    options: {
      node: { type: "string", value: "<id>", required: true, description: "your node that ran the inference" },
      output: { type: "string", value: "<0x..>", required: true, description: "the hash of the output" },
      proof: { type: "string", value: "<0x..>", required: true, description: "the hash of the proof or attestation" },
    },
    summary: "fulfil a request; an open one: commit the answer, then fulfil in a later block",
    run: requestFulfil,
  },
  {
    name: "status",
    args: ["[address]"],
    options: {},
    summary: "balance, stake, thaw requests, rewards, nodes and their eligibility",
    run: status,
  },
  {
    name: "unlocks",
    args: ["[address]"],
    options: {
      at: timeOption("vested and next unlocks as at this time, past or future (default: now)"),
      indexer: { ...indexerOption, description: "read from the indexer at <url> instead of the chain" },
    },
    summary: "vesting schedules: vested, released, releasable, next unlocks",
    run: unlocks,
  },
  {
    name: "payments",
    args: ["<address>"],
    options: {
      role: { type: "string", value: "<role>", description: "any (default), payer, operator or modelOwner" },
      node: { type: "string", value: "<id>", description: "only payments to this node" },
      model: { type: "string", value: "<modelId>", description: "only payments for this model" },
      from: timeOption("only payments at or after this time"),
      to: timeOption("only payments at or before this time"),
      limit: { type: "string", value: "<n>", description: "how many, newest first (default 20, at most 500)" },
      all: { type: "boolean", description: "every payment, page after page" },
      csv: { type: "boolean", description: "print CSV (amounts in OPG and wei; header in indexer/README.md)" },
      indexer: indexerOption,
    },
    summary: "payments made and received, newest first, from the indexer",
    run: payments,
  },
];
