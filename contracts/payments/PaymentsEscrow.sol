// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

import {IModelRegistry} from "../interfaces/IModelRegistry.sol";
import {INodeRegistry} from "../interfaces/INodeRegistry.sol";
import {IProofRegistry} from "../interfaces/IProofRegistry.sol";
import {IStaking} from "../interfaces/IStaking.sol";
import {EscrowBalances} from "./abstracts/EscrowBalances.sol";
import {PaymentSplit} from "./abstracts/PaymentSplit.sol";
import {Requests} from "./abstracts/Requests.sol";
import {Vouchers} from "./abstracts/Vouchers.sol";

/// @title PaymentsEscrow
/// @notice See the documentation in {IPaymentsEscrow}.
/// @dev One contract, one address, built from one layer per job (as The Graph's Horizon splits its escrow, payments
/// and collector, here kept in one deployment so that the tokens never cross a contract boundary between them):
/// {EscrowBalances} (free balances, escrows per operator, thaws), {PaymentSplit} on it (the protocol fee, royalties,
/// the node's share credited in staking), and {Vouchers} and {Requests} side by side on that (the two ways a payment
/// becomes due). Storage follows that order, each layer's variables after those of the layers it builds on: slot 0
/// AccessControl's roles; 1-3 {EscrowBalances}; 4-7 {PaymentSplit} (the fee parameters packed in slot 4, read
/// together by every payment); 8-9 EIP712's fallback name and version (unused: both fit in immutables); 10
/// {Vouchers}; 11-13 {Requests}. Nothing is upgradeable, so the layout binds no later version.
///
/// Where the tokens are: every token this contract holds is a payer's free balance, a payer's escrow with an
/// operator (which only that operator's vouchers can take, and which leaves only through a thaw), a fee cap locked in
/// an open request, royalties owed to a model owner, or protocol fees not yet flushed. A payment's node share is
/// credited in staking's books at once (so that only the stake of that moment shares it) and its tokens follow in one
/// transfer per transaction, whatever the number of vouchers; the rest only moves between these books.
contract PaymentsEscrow is Vouchers, Requests {
    /// @param admin The account given the default admin role (the timelock, after deployment).
    /// @param initialFeeRecipient Where protocol fees go; zero burns them.
    constructor(
        IERC20 token,
        INodeRegistry nodes,
        IModelRegistry models,
        IStaking staking,
        IProofRegistry proofs,
        address admin,
        address initialFeeRecipient
    ) EscrowBalances(token, admin) PaymentSplit(nodes, models, staking, initialFeeRecipient) Requests(proofs) {}
}
