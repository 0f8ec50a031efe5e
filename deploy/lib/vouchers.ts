/**
 * The EIP-712 type of a payments voucher (`Payments.Voucher`), as tests import it: the shared library's own
 * (scripts/lib/voucher.ts), not a second definition.
 */
export { VOUCHER_TYPES } from "../../scripts/lib/voucher";
