/** scripts/lib/voucher.ts: voucher and permit signing, checked by recovery (what the escrow and token do). */
import { expect } from "chai";
import { TypedDataEncoder, Wallet, id, verifyTypedData } from "ethers";

import {
  PERMIT_TYPES,
  VOUCHER_TYPES,
  Voucher,
  domainOf,
  signPermit,
  signVoucher,
  voucherDigest,
  voucherSigner,
} from "../../scripts/lib/voucher";

describe("lib/voucher", () => {
  const payer = new Wallet(id("payer"));
  const other = new Wallet(id("other"));
  const escrow = "0x5FbDB2315678afecb367f032d93F642f64180aa3";
  const domain = domainOf(["0x0f", "OPG Payments", "1", 31337n, escrow, id("salt"), []]);
  const voucher: Voucher = {
    payer: payer.address,
    nodeId: 3n,
    modelId: id("model"),
    mode: 1,
    cumulativeAmount: 10n ** 18n,
    issuedAt: 1_000n,
    expiry: 2_000n,
  };

  it("reads an eip712Domain() answer as a domain", () => {
    expect(domain).to.deep.equal({ name: "OPG Payments", version: "1", chainId: 31337n, verifyingContract: escrow });
    expect(domainOf({ ...domain, chainId: 31337n })).to.deep.equal(domain);
  });

  it("signs a voucher its payer's key recovers, and names the signer of a changed one otherwise", async () => {
    const signed = await signVoucher(payer, domain, voucher);
    expect(signed.signature).to.match(/^0x[0-9a-f]{130}$/);
    expect(voucherSigner(domain, signed)).to.equal(payer.address);
    expect(verifyTypedData(domain, VOUCHER_TYPES, voucher, signed.signature)).to.equal(payer.address);
    const changed = { ...signed, voucher: { ...voucher, cumulativeAmount: 2n * 10n ** 18n } };
    expect(voucherSigner(domain, changed)).to.not.equal(payer.address);
    expect(voucherSigner(domain, { ...signed, signature: "0x1234" })).to.equal(undefined);
    expect(voucherSigner({ ...domain, chainId: 1n }, signed)).to.not.equal(payer.address);
    const byOther = await signVoucher(other, domain, voucher);
    expect(voucherSigner(domain, byOther)).to.equal(other.address);
  });

  it("hashes the voucher type the escrow declares", () => {
    expect(TypedDataEncoder.from(VOUCHER_TYPES).encodeType("Voucher")).to.equal(
      "Voucher(address payer,uint256 nodeId,bytes32 modelId,uint8 mode,uint128 cumulativeAmount,uint64 issuedAt,uint64 expiry)",
    );
    expect(voucherDigest(domain, voucher)).to.equal(TypedDataEncoder.hash(domain, VOUCHER_TYPES, voucher));
  });

  it("signs an EIP-2612 permit into (v, r, s)", async () => {
    const message = { owner: payer.address, spender: escrow, value: 5n, nonce: 0n, deadline: 99n };
    const p = await signPermit(payer, domain, message);
    expect(p.deadline).to.equal(99n);
    expect([27, 28]).to.include(p.v);
    const signature = `${p.r}${p.s.slice(2)}${(p.v - 27).toString(16).padStart(2, "0")}`;
    expect(verifyTypedData(domain, PERMIT_TYPES, message, signature)).to.equal(payer.address);
    expect(TypedDataEncoder.from(PERMIT_TYPES).encodeType("Permit")).to.equal(
      "Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)",
    );
  });
});
