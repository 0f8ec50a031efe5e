/**
 * What the tests share about the protocol: its constants, its enums as the contracts number them, the EIP-712 types
 * they sign (ERC-2612 permits, ERC-5805 delegations, payment vouchers), and the actions many tests repeat (sign a
 * permit, sign a voucher, with the domain read from the contract). What the CLI, the devnet and the indexer share
 * too (modes, units, the voucher and permit types) comes from scripts/lib, defined once there; the rest is here.
 */
import type { Signature, Signer, TypedDataDomain, TypedDataField } from "ethers";
import { Signature as Sig } from "ethers";

import { Mode } from "../../scripts/lib/modes";
import { Shape } from "../../scripts/lib/schedule";
import { DAY, MONTH, PPM } from "../../scripts/lib/units";
import { PERMIT_TYPES, VOUCHER_TYPES, Voucher } from "../../scripts/lib/voucher";

export { DAY, MONTH, Mode, PERMIT_TYPES, PPM, Shape, VOUCHER_TYPES };
export type { Voucher };

/*//////////////////////////////////////////////////////////////////////////
                                  CONSTANTS
//////////////////////////////////////////////////////////////////////////*/

/** The largest uint256. */
export const MAX_UINT256 = 2n ** 256n - 1n;

/*//////////////////////////////////////////////////////////////////////////
                                    ENUMS
//////////////////////////////////////////////////////////////////////////*/

/** Nodes.Eligibility: why a node may not serve (the first reason in this order when several hold). */
export const Eligibility = {
  Eligible: 0,
  NotRegistered: 1,
  Inactive: 2,
  Jailed: 3,
  Stale: 4,
  ModeNotOffered: 5,
  ModelNotServed: 6,
  MeasurementNotApproved: 7,
  InsufficientStake: 8,
  InsufficientOwnStake: 9,
} as const;
/** Proofs.ChallengeStatus. */
export const ChallengeStatus = { None: 0, Pending: 1, Upheld: 2, Rejected: 3, Expired: 4, Superseded: 5 } as const;
/** Payments.RequestStatus. */
export const RequestStatus = { None: 0, Open: 1, Fulfilled: 2, Reclaimed: 3 } as const;
/** Payments.PaymentKind. */
export const PaymentKind = { Voucher: 0, Request: 1 } as const;

/*//////////////////////////////////////////////////////////////////////////
                                EIP-712 TYPES
//////////////////////////////////////////////////////////////////////////*/

/** ERC-5805 `Delegation`, as OpenZeppelin's Votes hashes it. */
export const DELEGATION_TYPES: Record<string, TypedDataField[]> = {
  Delegation: [
    { name: "delegatee", type: "address" },
    { name: "nonce", type: "uint256" },
    { name: "expiry", type: "uint256" },
  ],
};

/*//////////////////////////////////////////////////////////////////////////
                                   ACTIONS
//////////////////////////////////////////////////////////////////////////*/

/** A contract that publishes its EIP-712 domain (ERC-5267): the token, the escrow. */
export interface Eip712Contract {
  eip712Domain(): Promise<[string, string, string, bigint, string, string, bigint[]]>;
}

/** The contract's EIP-712 domain, read from the contract (ERC-5267) rather than written by hand. */
export async function domainOf(contract: Eip712Contract): Promise<TypedDataDomain> {
  const [, name, version, chainId, verifyingContract] = await contract.eip712Domain();
  return { name, version, chainId, verifyingContract };
}

/** The token with what a permit needs: its domain and the owner's next nonce. */
export interface PermitToken extends Eip712Contract {
  nonces(owner: string): Promise<bigint>;
}

/** What a test may change in a permit: who signs it (the owner by default), its nonce, its chain. */
export interface PermitOptions {
  signer?: Signer;
  nonce?: bigint;
  chainId?: bigint;
}

/**
 * A permit from `owner` for `spender` to spend `value` of `token` until `deadline`, with the token's own domain and
 * the owner's next nonce; `options` can break it (another signer, a used nonce, another chain). Returns the domain
 * and message signed and the split signature, ready for `permit(owner, spender, value, deadline, v, r, s)`.
 */
export async function signPermit(
  token: PermitToken,
  owner: Signer,
  spender: string,
  value: bigint,
  deadline: bigint,
  options: PermitOptions = {},
): Promise<{
  domain: TypedDataDomain;
  message: { owner: string; spender: string; value: bigint; nonce: bigint; deadline: bigint };
  signature: Signature;
}> {
  const ownerAddress = await owner.getAddress();
  const domain = await domainOf(token);
  if (options.chainId !== undefined) domain.chainId = options.chainId;
  const nonce = options.nonce ?? (await token.nonces(ownerAddress));
  const message = { owner: ownerAddress, spender, value, nonce, deadline };
  const signature = Sig.from(await (options.signer ?? owner).signTypedData(domain, PERMIT_TYPES, message));
  return { domain, message, signature };
}

/** `signer` delegates its votes in `token` to `delegatee` by signature (ERC-5805), with the token's own domain. */
export async function signDelegation(
  token: Eip712Contract,
  signer: Signer,
  delegatee: string,
  nonce: bigint,
  expiry: bigint,
): Promise<Signature> {
  const message = { delegatee, nonce, expiry };
  return Sig.from(await signer.signTypedData(await domainOf(token), DELEGATION_TYPES, message));
}

/** `payer` signs `voucher` for the escrow (its domain read from the escrow); returns the signature's bytes. */
export async function voucherSignature(escrow: Eip712Contract, payer: Signer, voucher: Voucher): Promise<string> {
  return payer.signTypedData(await domainOf(escrow), VOUCHER_TYPES, voucher);
}
