/**
 * EIP-712 types and signing for the two typed messages of the protocol: a payments voucher (`Payments.Voucher`,
 * as the escrow hashes it) and an EIP-2612 permit of the OPG token. The domain is always read from the contract
 * (EIP-5267 `eip712Domain()`), never written here: `domainOf` turns that answer into ethers' form.
 */
import { Signature, TypedDataDomain, TypedDataEncoder, TypedDataField, recoverAddress } from "ethers";

export const VOUCHER_TYPES: Record<string, TypedDataField[]> = {
  Voucher: [
    { name: "payer", type: "address" },
    { name: "nodeId", type: "uint256" },
    { name: "modelId", type: "bytes32" },
    { name: "mode", type: "uint8" },
    { name: "cumulativeAmount", type: "uint128" },
    { name: "issuedAt", type: "uint64" },
    { name: "expiry", type: "uint64" },
  ],
};

export const PERMIT_TYPES: Record<string, TypedDataField[]> = {
  Permit: [
    { name: "owner", type: "address" },
    { name: "spender", type: "address" },
    { name: "value", type: "uint256" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint256" },
  ],
};

/** Payments.Voucher, as the contract takes it: the payer owes the node `cumulativeAmount` in all so far. */
export interface Voucher {
  payer: string;
  nodeId: bigint;
  modelId: string;
  mode: number;
  cumulativeAmount: bigint;
  issuedAt: bigint;
  expiry: bigint;
}

export interface SignedVoucher {
  voucher: Voucher;
  signature: string;
}

/** What signs typed data: an ethers Wallet or signer. */
export interface TypedDataSigner {
  signTypedData(
    domain: TypedDataDomain,
    types: Record<string, TypedDataField[]>,
    value: Record<string, unknown>,
  ): Promise<string>;
}

/** The answer of EIP-5267 `eip712Domain()` (fields, name, version, chainId, verifyingContract, ...), as a domain. */
export function domainOf(answer: readonly unknown[] | TypedDataDomain): TypedDataDomain {
  if (Array.isArray(answer)) {
    const [, name, version, chainId, verifyingContract] = answer as [unknown, string, string, bigint, string];
    return { name, version, chainId, verifyingContract };
  }
  const { name, version, chainId, verifyingContract } = answer as TypedDataDomain;
  return { name, version, chainId, verifyingContract };
}

/** The digest the escrow checks a voucher's signature against. */
export function voucherDigest(domain: TypedDataDomain, voucher: Voucher): string {
  return TypedDataEncoder.hash(domain, VOUCHER_TYPES, voucher as unknown as Record<string, unknown>);
}

/** Signs a voucher as its payer; the signature in lower case, as the CLI's voucher files hold it. */
export async function signVoucher(
  signer: TypedDataSigner,
  domain: TypedDataDomain,
  voucher: Voucher,
): Promise<SignedVoucher> {
  const signature = await signer.signTypedData(domain, VOUCHER_TYPES, voucher as unknown as Record<string, unknown>);
  return { voucher, signature: signature.toLowerCase() };
}

/** Who signed a voucher with an ECDSA key (65-byte signature); undefined when the signature is not one. */
export function voucherSigner(domain: TypedDataDomain, { voucher, signature }: SignedVoucher): string | undefined {
  try {
    return recoverAddress(voucherDigest(domain, voucher), signature);
  } catch {
    return undefined;
  }
}

/** An EIP-2612 permit's fields. */
export interface PermitMessage {
  owner: string;
  spender: string;
  value: bigint;
  nonce: bigint;
  deadline: bigint;
}

/** Signs an EIP-2612 permit and splits it into the (v, r, s) the token's permit() takes. */
export async function signPermit(
  signer: TypedDataSigner,
  domain: TypedDataDomain,
  message: PermitMessage,
): Promise<{ deadline: bigint; v: number; r: string; s: string }> {
  const signature = await signer.signTypedData(domain, PERMIT_TYPES, message as unknown as Record<string, unknown>);
  const { v, r, s } = Signature.from(signature);
  return { deadline: message.deadline, v, r, s };
}
