// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Nodes} from "../types/Nodes.sol";
import {Payments} from "../types/Payments.sol";

/// @title IPaymentsEscrow
/// @notice An escrow per payer, and two ways to pay nodes for inference from it. (1) An on-chain request locks a fee
/// cap until an eligible node fulfils it with its output and proof record, and is paid its price for the mode; or
/// the payer reclaims the cap after the deadline. (2) EIP-712 cumulative vouchers: one signature covers any number
/// of inferences, and a node (or a facilitator) redeems one voucher or a batch from many payers in one transaction.
/// Every payment is split between the node's operator and its delegators (credited in staking as the payment is
/// made, so that only the stake of that moment shares it), the model's owner and the protocol. Withdrawals thaw first, so that nodes can still collect vouchers signed before.
interface IPaymentsEscrow {
    /*//////////////////////////////////////////////////////////////////////////
                                       EVENTS
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice Emitted when `depositor` adds `amount` to `payer`'s account.
    event Deposited(address indexed payer, address indexed depositor, uint256 amount);

    /// @notice Emitted when a payer starts (or replaces, or with 0 cancels) a thaw.
    event ThawStarted(address indexed payer, uint256 amount, uint64 thawEndsAt);

    /// @notice Emitted when a payer withdraws thawed funds; `amount` is what moved.
    event Withdrawn(address indexed payer, uint256 amount);

    /// @notice Emitted for every payment, with each share, so that history needs no other call.
    event PaymentCollected(
        address indexed payer,
        uint256 indexed nodeId,
        bytes32 indexed modelId,
        address operator,
        address modelOwner,
        Nodes.Mode mode,
        Payments.PaymentKind kind,
        uint256 gross,
        uint256 nodeShare,
        uint256 royalty,
        uint256 protocolFee
    );

    /// @notice Emitted when a voucher in a batch is skipped; `reason` is the selector of the error it would raise.
    event VoucherSkipped(uint256 indexed index, address indexed payer, uint256 indexed nodeId, bytes4 reason);

    /// @notice Emitted when a payer posts a request, locking `feeCap`.
    event RequestPosted(
        uint256 indexed requestId,
        address indexed payer,
        bytes32 indexed modelId,
        bytes32 inputHash,
        Nodes.Mode mode,
        uint256 feeCap,
        uint64 deadline,
        uint256 nodeId
    );

    /// @notice Emitted when a node fulfils a request; the payment itself is a {PaymentCollected}.
    event RequestFulfilled(
        uint256 indexed requestId,
        uint256 indexed nodeId,
        bytes32 outputHash,
        bytes32 proofHash,
        uint256 price,
        uint256 refunded
    );

    /// @notice Emitted when an expired request's fee cap goes back to the payer.
    event RequestReclaimed(uint256 indexed requestId, address indexed payer, uint256 feeCap);

    /// @notice Emitted when a model owner collects royalties.
    event RoyaltiesCollected(address indexed owner, uint256 amount);

    /// @notice Emitted when protocol fees leave the escrow: burned when `recipient` is zero.
    event ProtocolFeesFlushed(address indexed recipient, uint256 amount);

    /// @notice Emitted when a parameter changes; `parameter` names it.
    event ParameterSet(bytes32 indexed parameter, uint256 oldValue, uint256 newValue);

    /// @notice Emitted when the protocol fee recipient changes (zero burns).
    event FeeRecipientSet(address oldRecipient, address newRecipient);

    /*//////////////////////////////////////////////////////////////////////////
                                       ERRORS
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice Thrown when an amount is zero.
    error EscrowZeroAmount();

    /// @notice Thrown when a payer's spendable balance is short.
    error EscrowInsufficientBalance(uint256 available, uint256 needed);

    /// @notice Thrown when withdrawing before the thaw ends (or with no thaw: `thawEndsAt` 0).
    error EscrowThawNotEnded(uint64 thawEndsAt);

    /// @notice Thrown when a voucher's signature is not the payer's.
    error EscrowInvalidSignature(address payer);

    /// @notice Thrown when a voucher has expired.
    error EscrowVoucherExpired(uint64 expiry);

    /// @notice Thrown when a voucher is dated in the future.
    error EscrowVoucherFromTheFuture(uint64 issuedAt);

    /// @notice Thrown when a voucher's cumulative amount has already been collected.
    error EscrowNothingOwed(uint256 cumulativeAmount, uint256 redeemed);

    /// @notice Thrown when a payer would pay a node it operates.
    error EscrowSelfDealing(address payer, uint256 nodeId);

    /// @notice Thrown when a batch's vouchers and signatures differ in number, or it is empty.
    error EscrowBadBatch(uint256 vouchers, uint256 signatures);

    /// @notice Thrown when a batch pays nothing at all.
    error EscrowBatchPaidNothing();

    /// @notice Thrown when no node has the id.
    error EscrowUnknownNode(uint256 nodeId);

    /// @notice Thrown when a voucher's node may not work now: deregistered, jailed, or not covered by its operator's
    /// stake (own stake per node, and in all).
    error EscrowNodeNotServing(uint256 nodeId);

    /// @notice Thrown when the model is not registered.
    error EscrowUnknownModel(bytes32 modelId);

    /// @notice Thrown when a request's deadline is not in the future.
    error EscrowDeadlinePassed(uint64 deadline);

    /// @notice Thrown when acting on a request that is not open.
    error EscrowRequestNotOpen(uint256 requestId, Payments.RequestStatus status);

    /// @notice Thrown when reclaiming a request before its deadline.
    error EscrowRequestNotExpired(uint256 requestId, uint64 deadline);

    /// @notice Thrown when a node other than the one a request chose fulfils it.
    error EscrowWrongNode(uint256 requestId, uint256 chosenNodeId, uint256 nodeId);

    /// @notice Thrown when the caller does not operate the node.
    error EscrowNotNodeOperator(uint256 nodeId, address caller);

    /// @notice Thrown when the node cannot serve the request's model with its mode now.
    error EscrowNodeNotEligible(uint256 nodeId, bytes32 modelId, Nodes.Mode mode, Nodes.Eligibility reason);

    /// @notice Thrown when the node's price for the mode is above the request's fee cap.
    error EscrowPriceAboveCap(uint256 price, uint256 feeCap);

    /// @notice Thrown when there is nothing to collect.
    error EscrowNothingToCollect(address account);

    /// @notice Thrown when a parameter is set outside its bounds.
    error EscrowParameterOutOfBounds(bytes32 parameter, uint256 value, uint256 minimum, uint256 maximum);

    /*//////////////////////////////////////////////////////////////////////////
                                  CONSTANT FUNCTIONS
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice The EIP-712 type hash of {Payments.Voucher}.
    function VOUCHER_TYPEHASH() external view returns (bytes32);

    /// @notice The protocol's fee on every payment, in parts per million.
    function protocolFeePpm() external view returns (uint32);

    /// @notice Seconds a withdrawal thaws.
    function withdrawalThawingPeriod() external view returns (uint64);

    /// @notice Where protocol fees go; zero burns them.
    function feeRecipient() external view returns (address);

    /// @notice A payer's account.
    function getAccount(address payer) external view returns (Payments.Account memory);

    /// @notice What a payer can spend on new requests and newer vouchers: the balance less what is thawing.
    function availableOf(address payer) external view returns (uint256);

    /// @notice What a node has collected so far from a payer for a model and mode.
    function redeemedOf(
        address payer,
        uint256 nodeId,
        bytes32 modelId,
        Nodes.Mode mode
    ) external view returns (uint256);

    /// @notice The EIP-712 digest a payer signs for `voucher`.
    function voucherDigest(Payments.Voucher calldata voucher) external view returns (bytes32);

    /// @notice A request by id.
    function getRequest(uint256 requestId) external view returns (Payments.Request memory);

    /// @notice Royalties owed to a model owner, not yet collected.
    function royaltiesOf(address owner) external view returns (uint256);

    /// @notice Protocol fees not yet flushed.
    function protocolFeesPending() external view returns (uint256);

    /*//////////////////////////////////////////////////////////////////////////
                                NON-CONSTANT FUNCTIONS
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice Adds `amount` of the caller's OPG to `payer`'s account (the caller's own, or another's).
    function deposit(address payer, uint256 amount) external;

    /// @notice {deposit} to the caller's own account with an EIP-2612 permit; a front-run permit does not fail it.
    function depositWithPermit(uint256 amount, uint256 deadline, uint8 v, bytes32 r, bytes32 s) external;

    /// @notice Starts a thaw of `amount` of the caller's balance, replacing any thaw in progress; 0 cancels.
    /// @dev From now on the amount is not spendable by new requests or by vouchers issued from now on; vouchers
    /// issued before can still collect it until the thaw ends. Emits {ThawStarted}.
    function thaw(uint256 amount) external;

    /// @notice Withdraws the thawed amount (what is left of it) once the thaw has ended. Emits {Withdrawn}.
    function withdraw() external returns (uint256 amount);

    /// @notice Collects what a voucher owes its node. Anyone may submit it; the money goes to the node's books.
    /// @dev Pays `cumulativeAmount - redeemed`, or what the payer has if less. Emits {PaymentCollected}.
    function redeem(Payments.Voucher calldata voucher, bytes calldata signature) external returns (uint256 paid);

    /// @notice Collects many vouchers (many payers, nodes and models) in one transaction.
    /// @dev A voucher that cannot pay (bad signature, expired, nothing owed, payer empty, self-dealing, node not
    /// serving) is skipped
    /// with a {VoucherSkipped} event naming its error; the rest are paid. Reverts only when nothing at all is paid.
    function redeemBatch(
        Payments.Voucher[] calldata vouchers,
        bytes[] calldata signatures
    ) external returns (uint256 paid);

    /// @notice Posts an on-chain request, locking `feeCap` of the caller's available balance.
    /// @param nodeId The node that must fulfil it, or 0 for any eligible node.
    function postRequest(
        bytes32 modelId,
        bytes32 inputHash,
        Nodes.Mode mode,
        uint256 feeCap,
        uint64 deadline,
        uint256 nodeId
    ) external returns (uint256 requestId);

    /// @notice Fulfils an open request with its output and the hash of its proof: the node is paid its price for
    /// the request's mode, the rest of the cap returns to the payer, and the proof record is committed.
    /// @dev Only the node's operator, before the deadline, while the node is eligible for the model and mode.
    function fulfil(uint256 requestId, uint256 nodeId, bytes32 outputHash, bytes32 proofHash) external;

    /// @notice Returns an expired request's fee cap to its payer. Anyone may call it.
    function reclaim(uint256 requestId) external;

    /// @notice Pays the caller its royalties as a model owner.
    function collectRoyalties() external returns (uint256 amount);

    /// @notice Sends the protocol fees to the fee recipient, or burns them. Anyone may call it.
    function flushProtocolFees() external returns (uint256 amount);
}
