/**
 * Errors of the CLI and their exit codes, and the decoding of reverts into words: a custom error of any protocol
 * contract is found by its selector in the ABIs of all of them and said with its values, amounts in OPG.
 */
import { ErrorDescription, Interface, InterfaceAbi, decodeBytes32String, id, isError } from "ethers";

import { formatOpg, formatTime } from "../lib/opg";
import { ModelRegistry__factory } from "../../typechain-types/factories/contracts/models/ModelRegistry__factory";
import { PaymentsEscrow__factory } from "../../typechain-types/factories/contracts/payments/PaymentsEscrow__factory";
import { ProofRegistry__factory } from "../../typechain-types/factories/contracts/proofs/ProofRegistry__factory";
import { NodeRegistry__factory } from "../../typechain-types/factories/contracts/nodes/NodeRegistry__factory";
import { Staking__factory } from "../../typechain-types/factories/contracts/staking/Staking__factory";
import { OPG__factory } from "../../typechain-types/factories/contracts/token/OPG__factory";
import { VestingVault__factory } from "../../typechain-types/factories/contracts/vesting/VestingVault__factory";
import { eligibilityWords, formatDuration, formatShares } from "./format";
import { modeName } from "../lib/modes";

export const EXIT_OK = 0;
/** A failed transaction, a revert, an unreachable chain, or a state that makes the command pointless. */
export const EXIT_FAILED = 1;
/** Bad arguments or settings: nothing was sent. */
export const EXIT_USAGE = 2;

/** An expected failure: its message is printed as it is, without a stack. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT_FAILED,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** A wrong argument or option: the message names it, and the usage of the command is printed after it. */
export class UsageError extends CliError {
  constructor(
    message: string,
    /** The command whose usage to print; the general usage when undefined. */
    readonly command?: string,
  ) {
    super(message, EXIT_USAGE);
    this.name = "UsageError";
  }
}

/** Every error a protocol contract can revert with, by selector. */
const PROTOCOL = (() => {
  const seen = new Set<string>();
  const fragments: InterfaceAbi = [];
  for (const abi of [
    Staking__factory.abi,
    NodeRegistry__factory.abi,
    ModelRegistry__factory.abi,
    VestingVault__factory.abi,
    OPG__factory.abi,
    PaymentsEscrow__factory.abi,
    ProofRegistry__factory.abi,
  ]) {
    for (const item of abi as readonly { type: string; name?: string; inputs?: readonly { type: string }[] }[]) {
      if (item.type !== "error") continue;
      const signature = `${item.name}(${(item.inputs ?? []).map((i) => i.type).join(",")})`;
      if (seen.has(signature)) continue;
      seen.add(signature);
      (fragments as unknown[]).push(item);
    }
  }
  return new Interface(fragments);
})();

/** The protocol's custom error with this 4-byte selector (a VoucherSkipped reason), or undefined. */
export function protocolErrorName(selector: string): string | undefined {
  try {
    return PROTOCOL.getError(selector)?.name;
  } catch {
    return undefined;
  }
}

/** Revert data for a protocol error and its values, to be said in words by describeRevertData. */
export function encodeProtocolError(name: string, values: readonly unknown[]): string {
  return PROTOCOL.encodeErrorResult(name, values);
}

/** What the decoder may know besides the error: the chain's time, for "withdrawable in 3 days". */
export interface DecodeContext {
  now?: bigint;
  /** StakingInsufficientStake counts shares in undelegate and tokens in unstake; say which. */
  shares?: boolean;
}

const opg = (v: unknown) => formatOpg(v as bigint);
const ppm = (v: unknown) => `${(Number(v) / 10_000).toLocaleString("en-US", { maximumFractionDigits: 4 })}%`;
const ROLES: Record<string, string> = {
  "0x0000000000000000000000000000000000000000000000000000000000000000": "DEFAULT_ADMIN_ROLE",
};
for (const role of [
  "PAUSER_ROLE",
  "JAILER_ROLE",
  "SCHEDULE_CREATOR_ROLE",
  "REVOKER_ROLE",
  "ARBITER_ROLE",
  "RECORDER_ROLE",
])
  ROLES[id(role)] = role;

/** A governance parameter's name, stored as a bytes32 string. */
const parameter = (v: unknown) => {
  try {
    return decodeBytes32String(String(v));
  } catch {
    return String(v);
  }
};

/** "2026-05-21 00:00 UTC (in 29 days 23 h)", or without the part in brackets when the chain's time is unknown. */
const when = (at: unknown, c: DecodeContext) => {
  const t = at as bigint;
  if (c.now === undefined) return formatTime(t);
  if (t > c.now) return `${formatTime(t)} (in ${formatDuration(t - c.now)})`;
  return `${formatTime(t)} (${formatDuration(c.now - t)} ago)`;
};

const REQUEST_STATUS = ["unknown", "open", "fulfilled", "reclaimed"];

/** `Proofs.ChallengeStatus` in words, indexed by the enum. */
export const CHALLENGE_STATUS = ["none", "pending", "upheld", "rejected", "expired", "superseded"];

type Words = (args: readonly unknown[], context: DecodeContext) => string;

/** Each custom error in words, with its values. */
const WORDS: Record<string, Words> = {
  // Staking
  StakingZeroAmount: () => "the amount is zero",
  StakingInsufficientStake: ([available, requested], c) =>
    c.shares
      ? `insufficient delegation: have ${formatShares(available as bigint)}, need ${formatShares(requested as bigint)}`
      : `insufficient stake: have ${opg(available)}, need ${opg(requested)}`,
  StakingNotOperator: ([operator]) => `${operator} is not an operator: it has never staked`,
  StakingSelfDelegation: ([operator]) =>
    `${operator} cannot delegate to itself: an operator adds to its own stake with \`opg stake\``,
  StakingDelegationTooSmall: ([amount, minimum]) =>
    `delegation too small: ${opg(amount)}, the minimum is ${opg(minimum)}`,
  StakingThawTooSmall: ([amount, minimum]) =>
    `too little to unbond: ${opg(amount)}, the minimum is ${opg(minimum)} unless it is all of the position`,
  StakingInvalidPoolState: ([operator]) =>
    `the delegation pool of ${operator} was slashed to nothing: it takes no new delegation`,
  StakingZeroShares: ([amount]) => `${opg(amount)} is worth no delegation shares`,
  StakingTooManyThawRequests: ([open, maximum]) =>
    `too many open thaw requests: ${open}, at most ${maximum}; withdraw the thawed ones first`,
  StakingNothingThawed: ([next], c) => {
    const until = next as bigint;
    if (until === 0n) return "nothing to withdraw: there is no thaw request";
    const left = c.now !== undefined && until > c.now ? `in ${formatDuration(until - c.now)}, ` : "";
    return `nothing has finished thawing: the oldest request is withdrawable ${left}at ${formatTime(until)}`;
  },
  StakingSlashTooLarge: ([amount, maximum]) => `slash too large: ${opg(amount)}, at most ${opg(maximum)}`,
  StakingInvalidCut: ([cut]) => `invalid delegation cut ${ppm(cut)}: at most 100%`,
  StakingCutNotDue: ([at]) =>
    (at as bigint) === 0n
      ? "no delegation cut change is scheduled"
      : `the cut change is due at ${formatTime(at as bigint)}`,
  StakingCutAboveAccepted: ([cut, maxCut]) =>
    `the operator's cut (or the cut it has scheduled) is ${ppm(cut)}, above the ${ppm(maxCut)} you accept ` +
    "(pass --max-cut with at least that)",
  StakingStakeLocked: ([locked, holding]) =>
    `stake locked by pending challenges: ${opg(locked)} locked, ${opg(holding)} held, none of it free ` +
    "(it can be withdrawn once the challenges are decided or expire)",
  StakingNotLocked: ([pending, requested]) =>
    `not that much is pending to slash: ${opg(pending)} pending, ${opg(requested)} asked`,
  StakingUnauthorized: ([caller]) => `${caller} is not the protocol contract allowed to do this`,
  StakingProtocolContractsSet: ([slasher, feeSource]) =>
    `the slasher and fee source are set once, and not to zero (given ${slasher} and ${feeSource})`,
  StakingParameterOutOfBounds: ([, value, minimum, maximum]) =>
    `parameter out of bounds: ${value}, allowed ${minimum} to ${maximum}`,
  StakingNoRewards: ([account, operator]) => `no rewards to claim for ${account} from operator ${operator}`,

  // Nodes
  NodeNotFound: ([id]) => `there is no node ${id}`,
  NodeNotOperator: ([id, caller, operator]) => `node ${id} is operated by ${operator}, not by ${caller}`,
  NodeInactive: ([id]) => `node ${id} is deregistered`,
  NodeInvalidModes: ([modes]) => `invalid modes mask ${modes}: use some of none, tee, zk`,
  NodeTeeMeasurementMissing: () => "a node that offers tee needs an enclave measurement (--tee-measurement)",
  NodeTeeMeasurementWithoutTee: ([m]) => `an enclave measurement (${m}) is given but the node does not offer tee`,
  NodeZeroCapacity: () => "the capacity must be at least 1",
  NodePriceForModeNotOffered: ([mode, price]) =>
    `a price of ${opg(price)} is set for ${modeName(Number(mode))}, a mode the node does not offer`,
  NodeInsufficientStake: ([, active, required]) =>
    `insufficient stake for this node: the operator has ${opg(active)} active, needs ${opg(required)}`,
  NodeInsufficientOwnStake: ([, own, required]) =>
    `insufficient own stake: the operator has ${opg(own)} of its own staked, its nodes need ${opg(required)} ` +
    "(a minimum per node, counted before delegations)",
  NodeUnknownModel: ([model]) => `model ${model} is not registered (register it with \`opg model register\`)`,
  NodeAlreadyServesModel: ([id, model]) => `node ${id} already serves model ${model}`,
  NodeDoesNotServeModel: ([id, model]) => `node ${id} does not serve model ${model}`,
  NodeTooManyModels: ([count, maximum]) => `too many models for one node: ${count}, at most ${maximum}`,
  NodeInvalidJailTerm: ([until, latest]) =>
    `invalid jail term: until ${formatTime(until as bigint)}, at most ${formatTime(latest as bigint)}`,
  NodeParameterOutOfBounds: ([name, value, minimum, maximum]) =>
    `${parameter(name)} out of bounds: ${value}, allowed ${minimum} to ${maximum}`,

  // Models
  ModelZeroId: () => "the model id must not be zero",
  ModelAlreadyRegistered: ([model, owner]) => `model ${model} is already registered, owned by ${owner}`,
  ModelNotFound: ([model]) => `model ${model} is not registered`,
  ModelNotOwner: ([model, caller, owner]) => `model ${model} is owned by ${owner}, not by ${caller}`,
  ModelNotPendingOwner: ([model, caller, pending]) => `model ${model} is offered to ${pending}, not to ${caller}`,
  ModelRoyaltyTooHigh: ([royalty, maximum]) => `royalty ${ppm(royalty)} is above the maximum of ${ppm(maximum)}`,
  ModelMaxRoyaltyAboveBound: ([royalty, bound]) => `maximum royalty ${ppm(royalty)} is above the bound ${ppm(bound)}`,

  // Vesting
  VestingScheduleNotFound: ([id]) => `there is no vesting schedule ${id}`,
  VestingNothingToRelease: ([id]) => `schedule ${id} has nothing to release now`,
  VestingNotBeneficiary: ([id, caller, beneficiary]) => `schedule ${id} belongs to ${beneficiary}, not to ${caller}`,
  VestingNotRevocable: ([id]) => `schedule ${id} is not revocable`,
  VestingAlreadyRevoked: ([id]) => `schedule ${id} was already revoked`,
  VestingNothingToRevoke: ([id]) => `schedule ${id} has fully vested: there is nothing to revoke`,
  VestingInvalidNewBeneficiary: ([id, to]) => `schedule ${id} cannot be handed to ${to}`,
  VestingAlreadyDelegated: ([id, delegatee]) =>
    `the locked votes of schedule ${id} are already delegated to ${delegatee}`,

  // Payments escrow
  EscrowZeroAmount: () => "the amount is zero",
  EscrowInsufficientBalance: ([available, needed]) =>
    `insufficient escrow balance: have ${opg(available)} available, need ${opg(needed)}`,
  EscrowThawNotEnded: ([endsAt], c) =>
    (endsAt as bigint) === 0n
      ? "nothing is thawing: start a thaw first with `opg escrow thaw <amount> --operator <address>`"
      : `the thaw ends at ${when(endsAt, c)}`,
  EscrowInvalidSignature: ([payer]) =>
    `the voucher's signature is not the payer's (${payer}): altered, or signed for another escrow or chain`,
  EscrowVoucherExpired: ([expiry], c) => `the voucher expired at ${when(expiry, c)}`,
  EscrowVoucherFromTheFuture: ([issuedAt], c) => `the voucher is dated in the future: issued at ${when(issuedAt, c)}`,
  EscrowNothingOwed: ([cumulative, redeemed]) =>
    `nothing owed: the voucher is for ${opg(cumulative)} in all and ${opg(redeemed)} of it is already collected`,
  EscrowSelfDealing: ([payer, nodeId]) => `${payer} operates node ${nodeId}: a payer cannot pay its own node`,
  EscrowBadBatch: ([vouchers, signatures]) =>
    (vouchers as bigint) === 0n
      ? "the batch is empty"
      : `the batch has ${vouchers} voucher(s) but ${signatures} signature(s)`,
  EscrowBatchPaidNothing: () => "no voucher of the batch pays anything",
  EscrowUnknownNode: ([nodeId]) => `there is no node ${nodeId}`,
  EscrowUnknownModel: ([model]) => `model ${model} is not registered`,
  EscrowDeadlinePassed: ([deadline], c) => `the deadline has passed: it was ${when(deadline, c)}`,
  EscrowRequestNotOpen: ([requestId, status]) =>
    `request ${requestId} is not open (it is ${REQUEST_STATUS[Number(status)] ?? `in status ${status}`})`,
  EscrowRequestNotExpired: ([requestId, deadline], c) =>
    `request ${requestId} has not expired: its deadline is ${when(deadline, c)}`,
  EscrowWrongNode: ([requestId, chosen, nodeId]) => `request ${requestId} is for node ${chosen}, not node ${nodeId}`,
  EscrowNotNodeOperator: ([nodeId, caller]) => `${caller} does not operate node ${nodeId}`,
  EscrowNodeNotEligible: ([nodeId, model, mode, reason]) =>
    `node ${nodeId} cannot serve model ${model} with ${modeName(Number(mode))}: ${eligibilityWords(reason as bigint)}`,
  EscrowPriceAboveCap: ([price, cap]) => `the node's price ${opg(price)} is above the fee cap of ${opg(cap)}`,
  EscrowNodeNotServing: ([nodeId]) =>
    `node ${nodeId} is not serving: deregistered, jailed, or its operator's stake does not cover it`,
  EscrowDeadlineTooFar: ([deadline, latest], c) =>
    `the deadline ${when(deadline, c)} is too far: at most ${formatTime(latest as bigint)}`,
  EscrowNotCommitted: ([requestId, commitment]) =>
    `request ${requestId} is open to any node: the answer must be committed (commitFulfilment) in an earlier ` +
    `block first; commitment ${commitment} is not`,
  EscrowInvalidOperator: ([operator]) =>
    `${operator} cannot hold your escrow: an escrow is with an operator other than the payer, not the zero address`,
  EscrowNothingToCollect: ([account]) => `nothing to collect for ${account}`,
  EscrowParameterOutOfBounds: ([name, value, minimum, maximum]) =>
    `${parameter(name)} out of bounds: ${value}, allowed ${minimum} to ${maximum}`,

  // Proof registry
  ProofsNotNodeOperator: ([nodeId, caller]) =>
    `${caller} is not the operator of node ${nodeId}, or the node may not work now ` +
    "(deregistered, jailed, or its operator's stake does not cover it)",
  ProofsInferenceAlreadyCommitted: ([nodeId, inferenceId]) =>
    `node ${nodeId} already committed inference ${inferenceId} as a single record`,
  ProofsReservedInferenceId: ([inferenceId]) =>
    `inference id ${inferenceId} starts with 0xff, which is reserved for on-chain requests`,
  ProofsBatchAlreadyCommitted: ([nodeId, root]) => `node ${nodeId} already committed the root ${root}`,
  ProofsEmptyBatch: () => "the batch is empty (no records, or a zero root)",
  ProofsUnknownCommitment: ([nodeId, root]) => `node ${nodeId} committed no batch with the root ${root}`,
  ProofsUnknownRecord: ([nodeId, inferenceId]) =>
    `node ${nodeId} committed no single record under inference ${inferenceId}`,
  ProofsRecordNotIncluded: ([root, leaf]) => `the record (leaf ${leaf}) is not in the commitment ${root}`,
  ProofsChallengeWindowClosed: ([root, closedAt], c) =>
    `the challenge window of ${/^0x0+$/.test(String(root)) ? "the single record" : root} closed at ${when(closedAt, c)}`,
  ProofsAlreadyChallenged: ([challengeId]) =>
    `the record already has a challenge waiting for the arbiter, or you challenged it before (challenge ${challengeId})`,
  ProofsRecordSettled: ([recordKey]) =>
    `the record was already settled by a verifier or an upheld challenge (record key ${recordKey})`,
  ProofsChallengeNotPending: ([challengeId]) => `challenge ${challengeId} is not pending`,
  ProofsDecisionDeadlinePassed: ([challengeId, decideBy], c) =>
    `challenge ${challengeId} was to be decided by ${when(decideBy, c)}: it can only expire now ` +
    "(`opg challenge expire <id>`)",
  ProofsDecisionDeadlineNotPassed: ([challengeId, decideBy], c) =>
    `challenge ${challengeId} can expire only after its deadline, ${when(decideBy, c)}`,
  ProofsParameterOutOfBounds: ([name, value, minimum, maximum]) =>
    `${parameter(name)} out of bounds: ${value}, allowed ${minimum} to ${maximum}`,

  // The token (OpenZeppelin's ERC-20 errors)
  ERC20InsufficientBalance: ([, balance, needed]) => `insufficient balance: have ${opg(balance)}, need ${opg(needed)}`,
  ERC20InsufficientAllowance: ([spender, allowance, needed]) =>
    `insufficient allowance for ${spender}: have ${opg(allowance)}, need ${opg(needed)}`,
  ERC20InvalidReceiver: ([receiver]) => `OPG cannot be sent to ${receiver}`,
  ERC20InvalidSender: ([sender]) => `OPG cannot be sent from ${sender}`,
  ERC20InvalidSpender: ([spender]) => `${spender} cannot be approved`,
  ERC2612ExpiredSignature: ([deadline]) => `the permit expired at ${formatTime(deadline as bigint)}`,
  ERC2612InvalidSigner: ([signer, owner]) => `the permit is signed by ${signer}, not by the owner ${owner}`,

  // Shared
  AccessControlUnauthorizedAccount: ([account, role]) =>
    `${account} is not allowed to do this: it lacks ${ROLES[String(role)] ?? `role ${role}`}`,
  EnforcedPause: () => "the contract is paused: new stake and delegation are stopped (withdrawals and claims go on)",
  SafeERC20FailedOperation: ([token]) => `the token transfer failed (token ${token})`,
  SafeCastOverflowedUintDowncast: ([bits, value]) => `the value ${value} does not fit in ${bits} bits`,
};

const PANICS: Record<number, string> = {
  0x01: "assertion failed",
  0x11: "arithmetic overflow or underflow",
  0x12: "division by zero",
  0x21: "invalid enum value",
  0x32: "array index out of bounds",
  0x41: "out of memory",
};

/** The words for a decoded custom error; the error's name and raw values when it has no words. */
export function describeCustomError(error: ErrorDescription, context: DecodeContext = {}): string {
  const words = WORDS[error.name];
  if (words) return words(error.args.toArray(), context);
  if (error.name === "Error") return `reverted: ${error.args[0]}`;
  if (error.name === "Panic") {
    const code = Number(error.args[0]);
    return `reverted with panic 0x${code.toString(16)} (${PANICS[code] ?? "unknown panic"})`;
  }
  const raw = error.args.toArray().map((a) => (typeof a === "bigint" ? a.toString() : String(a)));
  return `${error.name}(${raw.join(", ")})`;
}

/** The words for revert data: a custom error of the protocol, Error(string), Panic(uint256) or unknown data. */
export function describeRevertData(data: string, context: DecodeContext = {}): string {
  if (data === "0x") return "the transaction reverted without a reason";
  let parsed: ErrorDescription | null = null;
  try {
    parsed = PROTOCOL.parseError(data);
  } catch {
    parsed = null;
  }
  if (!parsed) return `reverted with unknown error data ${data.length > 74 ? data.slice(0, 74) + "..." : data}`;
  return describeCustomError(parsed, context);
}

/** Revert data carried anywhere in an error from ethers or the node (`data`, `info.error.data`, `error.data`). */
export function findRevertData(error: unknown, depth = 0): string | undefined {
  if (!error || typeof error !== "object" || depth > 6) return undefined;
  const e = error as Record<string, unknown>;
  const data = e.data;
  if (typeof data === "string" && /^0x([0-9a-fA-F]{2})*$/.test(data)) return data;
  if (data && typeof data === "object") {
    const nested = findRevertData(data, depth + 1);
    if (nested) return nested;
  }
  for (const key of ["info", "error", "cause", "revert"]) {
    const nested = findRevertData(e[key], depth + 1);
    if (nested) return nested;
  }
  return undefined;
}

/** Turns any error into one line of words and an exit code; `debug` adds the stack of unexpected errors. */
export function explain(error: unknown, context: DecodeContext = {}): { message: string; exitCode: number } {
  if (error instanceof CliError) return { message: error.message, exitCode: error.exitCode };
  // Ctrl-C at a prompt (@inquirer/prompts' ExitPromptError).
  if (error instanceof Error && error.name === "ExitPromptError")
    return { message: "interrupted: nothing was sent", exitCode: EXIT_FAILED };
  if (isError(error, "CALL_EXCEPTION")) {
    const data = findRevertData(error);
    if (data !== undefined) return { message: describeRevertData(data, context), exitCode: EXIT_FAILED };
    return { message: error.shortMessage || "the call reverted", exitCode: EXIT_FAILED };
  }
  const data = findRevertData(error);
  if (data !== undefined && data.length >= 10)
    return { message: describeRevertData(data, context), exitCode: EXIT_FAILED };
  if (isError(error, "INSUFFICIENT_FUNDS"))
    return { message: "not enough ETH to pay for gas in the signing account", exitCode: EXIT_FAILED };
  if (isError(error, "NETWORK_ERROR") || isError(error, "TIMEOUT") || isError(error, "SERVER_ERROR"))
    return { message: `the RPC failed: ${error.shortMessage}`, exitCode: EXIT_FAILED };
  if (isError(error, "NONCE_EXPIRED") || isError(error, "REPLACEMENT_UNDERPRICED"))
    return { message: `the transaction was not accepted: ${error.shortMessage}`, exitCode: EXIT_FAILED };
  const short = (error as { shortMessage?: string })?.shortMessage;
  if (short) return { message: short, exitCode: EXIT_FAILED };
  const message = error instanceof Error ? error.message : String(error);
  const stack = process.env.OPG_DEBUG && error instanceof Error ? `\n${error.stack}` : "";
  return {
    message: `unexpected error: ${message}${stack}${stack ? "" : " (set OPG_DEBUG=1 for details)"}`,
    exitCode: EXIT_FAILED,
  };
}
