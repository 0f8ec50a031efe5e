// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Nodes} from "../types/Nodes.sol";
import {Payments} from "../types/Payments.sol";

/// @title IPaymentsEscrow
/// @notice Payers keep OPG here to pay nodes for inference, in two ways. (1) An on-chain request locks a fee cap from
/// the payer's free balance until an eligible node fulfils it with its output and proof record, and is paid its
/// price for the mode; or the payer reclaims the cap after the deadline. A request open to any node pays only an
/// answer its node committed to in an earlier block, so that a copier of a pending answer cannot take the work.
/// (2) EIP-712 cumulative vouchers: one signature covers any number of inferences, and a node (or a facilitator)
/// redeems one voucher or a batch from many payers in one transaction. A voucher is paid only from the payer's escrow
/// with the node's operator (as The Graph's Horizon keeps one per payer and receiver), which leaves only through a
/// thaw; a voucher issued before the thaw began is still paid from the thawing funds until the payer withdraws.
/// Nothing the payer does with another node, its own included, can take what backs a node's vouchers. Every payment
/// is split between the node's operator and its delegators (credited in staking as the payment is made, so that
/// only the stake of that moment shares it), the model's owner and the protocol, at the protocol fee in force when
/// the voucher was issued or the request posted.
interface IPaymentsEscrow {
    /*//////////////////////////////////////////////////////////////////////////
                                       EVENTS
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice Emitted when `depositor` adds `amount` to `payer`'s free balance.
    event Deposited(address indexed payer, address indexed depositor, uint256 amount);

    /// @notice Emitted when `amount` of a payer's free balance goes into its escrow with `operator`.
    event EscrowFunded(address indexed payer, address indexed operator, uint256 amount);

    /// @notice Emitted when a payer starts (or replaces, or with 0 cancels) the thaw of its escrow with `operator`.
    event ThawStarted(address indexed payer, address indexed operator, uint256 amount, uint64 thawEndsAt);

    /// @notice Emitted when a payer withdraws: thawed funds of its escrow with `operator`, or with `operator` zero
    /// from its free balance; `amount` is what moved.
    event Withdrawn(address indexed payer, address indexed operator, uint256 amount);

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

    /// @notice Emitted when a node commits to its answer of an open request: `commitment` is
    /// {fulfilmentCommitmentOf}(requestId, nodeId, outputHash, proofHash).
    event FulfilmentCommitted(uint256 indexed requestId, uint256 indexed nodeId, bytes32 commitment);

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

    /// @notice Emitted when governance sets the protocol fee.
    event ProtocolFeeSet(uint32 oldFeePpm, uint32 newFeePpm);

    /// @notice Emitted when governance sets the withdrawal thawing period of thaws started from now on.
    event WithdrawalThawingPeriodSet(uint64 oldPeriod, uint64 newPeriod);

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

    /// @notice Thrown when a voucher's node does not list its model or does not offer its mode.
    error EscrowNodeDoesNotOffer(uint256 nodeId, bytes32 modelId, Nodes.Mode mode);

    /// @notice Thrown when the model is not registered.
    error EscrowUnknownModel(bytes32 modelId);

    /// @notice Thrown when a request's deadline is not in the future.
    error EscrowDeadlinePassed(uint64 deadline);

    /// @notice Thrown when a request's deadline is not earlier than {MAX_REQUEST_DURATION} from now; `latest` is the
    /// latest deadline accepted (now + MAX_REQUEST_DURATION - 1).
    error EscrowDeadlineTooFar(uint64 deadline, uint64 latest);

    /// @notice Thrown when an open request is fulfilled with an answer not committed in an earlier block.
    error EscrowNotCommitted(uint256 requestId, bytes32 commitment);

    /// @notice Thrown when funding an escrow with no operator, or with the payer itself.
    error EscrowInvalidOperator(address operator);

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

    /// @notice The longest a request may stay open, in seconds.
    function MAX_REQUEST_DURATION() external view returns (uint64);

    /// @notice A payer's free balance: what it can post requests with, fund escrows with, or withdraw at once.
    function balanceOf(address payer) external view returns (uint256);

    /// @notice A payer's escrow with an operator, which backs the vouchers of that operator's nodes.
    function getEscrow(address payer, address operator) external view returns (Payments.Account memory);

    /// @notice What vouchers issued from now on can take from a payer's escrow with an operator: its balance less
    /// what is thawing.
    function availableOf(address payer, address operator) external view returns (uint256);

    /// @notice The protocol fee, in parts per million, of a payment whose terms were agreed at `agreedAt` (a voucher's
    /// issuedAt, a request's posting): the fee in force now, or the lower one before its last increase for terms
    /// agreed before it, during one withdrawal thawing period after it.
    function protocolFeeFor(uint64 agreedAt) external view returns (uint32);

    /// @notice The commitment a node posts before fulfilling an open request with `outputHash` and `proofHash`.
    function fulfilmentCommitmentOf(
        uint256 requestId,
        uint256 nodeId,
        bytes32 outputHash,
        bytes32 proofHash
    ) external pure returns (bytes32);

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

    /// @notice Adds `amount` of the caller's OPG to `payer`'s free balance (the caller's own, or another's).
    /// Emits {Deposited}.
    function deposit(address payer, uint256 amount) external;

    /// @notice {deposit} to the caller's own balance with an EIP-2612 permit; a front-run permit does not fail it.
    function depositWithPermit(uint256 amount, uint256 deadline, uint8 v, bytes32 r, bytes32 s) external;

    /// @notice Adds `amount` of the caller's OPG to `payer`'s escrow with `operator`. Emits {Deposited} and
    /// {EscrowFunded}.
    function depositToEscrow(address payer, address operator, uint256 amount) external;

    /// @notice Moves `amount` of the caller's free balance into its escrow with `operator`. Emits {EscrowFunded}.
    /// @dev Requirements: `operator` is not zero and not the caller; the balance covers `amount`.
    function fundEscrow(address operator, uint256 amount) external;

    /// @notice Withdraws `amount` of the caller's free balance at once: nothing was promised from it. Emits
    /// {Withdrawn} with operator zero.
    function withdrawBalance(uint256 amount) external;

    /// @notice Starts a thaw of `amount` of the caller's escrow with `operator`, replacing any thaw in progress; 0
    /// cancels.
    /// @dev From now on the amount is not spendable by vouchers issued from now on; vouchers issued before can still
    /// collect it until it is withdrawn. A thaw ends {withdrawalThawingPeriod} from now, and never before a thaw it
    /// replaces (or cancelled) would have. Emits {ThawStarted}.
    function thaw(address operator, uint256 amount) external;

    /// @notice Withdraws what is left of the thawed amount of the caller's escrow with `operator` once the thaw has
    /// ended. Emits {Withdrawn}.
    function withdraw(address operator) external returns (uint256 amount);

    /// @notice Collects what a voucher owes its node. Anyone may submit it; the money goes to the node's books.
    /// @dev Pays `cumulativeAmount - redeemed`, or what the payer's escrow with the node's operator has if less. The
    /// node must be serving (active, unjailed, covered by its operator's stake). Emits {PaymentCollected}.
    function redeem(Payments.Voucher calldata voucher, bytes calldata signature) external returns (uint256 paid);

    /// @notice Collects many vouchers (many payers, nodes and models) in one transaction.
    /// @dev A voucher that cannot pay (bad signature, expired, nothing owed, payer empty, self-dealing, node not
    /// serving) is skipped
    /// with a {VoucherSkipped} event naming its error; the rest are paid. Reverts only when nothing at all is paid.
    function redeemBatch(
        Payments.Voucher[] calldata vouchers,
        bytes[] calldata signatures
    ) external returns (uint256 paid);

    /// @notice Posts an on-chain request, locking `feeCap` of the caller's free balance.
    /// @dev The deadline is less than {MAX_REQUEST_DURATION} away, shorter than a node's price increase waits, so
    /// that the request pays at most the node's price in force or already scheduled when it was posted.
    /// @param nodeId The node that must fulfil it, or 0 for any eligible node (which must commit its answer first,
    /// see {commitFulfilment}).
    function postRequest(
        bytes32 modelId,
        bytes32 inputHash,
        Nodes.Mode mode,
        uint256 feeCap,
        uint64 deadline,
        uint256 nodeId
    ) external returns (uint256 requestId);

    /// @notice Commits the caller's node to its answer of an open request, before revealing it with {fulfil} in a
    /// later block. Only the node's operator. Emits {FulfilmentCommitted}.
    function commitFulfilment(uint256 requestId, uint256 nodeId, bytes32 commitment) external;

    /// @notice Fulfils an open request with its output and the hash of its proof: the node is paid its price for
    /// the request's mode, the rest of the cap returns to the payer, and the proof record is committed.
    /// @dev Only the node's operator, before the deadline, while the node is eligible for the model and mode. A
    /// request that names no node needs the answer's {commitFulfilment} in an earlier block.
    function fulfil(uint256 requestId, uint256 nodeId, bytes32 outputHash, bytes32 proofHash) external;

    /// @notice Returns an expired request's fee cap to its payer. Anyone may call it.
    function reclaim(uint256 requestId) external;

    /// @notice Pays the caller its royalties as a model owner.
    function collectRoyalties() external returns (uint256 amount);

    /// @notice Sends the protocol fees to the fee recipient, or burns them. Anyone may call it.
    function flushProtocolFees() external returns (uint256 amount);

    /*//////////////////////////////////////////////////////////////////////////
                                     GOVERNANCE
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice Sets the protocol fee, at most 10%. A decrease applies to every payment from now on; an increase only
    /// to vouchers issued and requests posted from now on, and to earlier ones after one withdrawal thawing period.
    /// Only the default admin.
    /// @dev Emits a {ProtocolFeeSet} event. Reverts {EscrowParameterOutOfBounds} outside the bounds.
    function setProtocolFee(uint32 newFeePpm) external;

    /// @notice Sets where protocol fees go; zero burns them. Only the default admin.
    /// @dev Emits a {FeeRecipientSet} event.
    function setFeeRecipient(address newRecipient) external;

    /// @notice Sets the withdrawal thawing period, within [1 day, 60 days]. Only the default admin.
    /// @dev Emits a {WithdrawalThawingPeriodSet} event. Reverts {EscrowParameterOutOfBounds} outside the bounds.
    function setWithdrawalThawingPeriod(uint64 newPeriod) external;
}
