/**
 * The EIP-712 type of a payments voucher (`Payments.Voucher`), as the escrow hashes it: one definition for the CLI
 * that signs and redeems vouchers, the tests and the gas scenarios. The domain is always read from the escrow's
 * eip712Domain(), never written here.
 */
export const VOUCHER_TYPES = {
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
