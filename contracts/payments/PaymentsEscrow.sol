// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IModelRegistry} from "../interfaces/IModelRegistry.sol";
import {INodeRegistry} from "../interfaces/INodeRegistry.sol";
import {IPaymentsEscrow} from "../interfaces/IPaymentsEscrow.sol";
import {IProofRegistry} from "../interfaces/IProofRegistry.sol";
import {IStaking} from "../interfaces/IStaking.sol";
import {Nodes} from "../types/Nodes.sol";
import {Payments} from "../types/Payments.sol";
import {Proofs} from "../types/Proofs.sol";

/// @title PaymentsEscrow
/// @notice See the documentation in {IPaymentsEscrow}.
/// @dev Where the tokens are: every token this contract holds is a payer's free balance, a payer's escrow with an
/// operator (which only that operator's vouchers can take, and which leaves only through a thaw), a fee cap locked in
/// an open request, royalties owed to a model owner, or protocol fees not yet flushed. A payment's node share is credited in
/// staking's books at once (so that only the stake of that moment shares it) and its tokens follow in one transfer
/// per transaction, whatever the number of vouchers; the rest only moves between these books.
contract PaymentsEscrow is IPaymentsEscrow, AccessControl, EIP712 {
    using SafeERC20 for IERC20;

    /*//////////////////////////////////////////////////////////////////////////
                                     CONSTANTS
    //////////////////////////////////////////////////////////////////////////*/

    /// @inheritdoc IPaymentsEscrow
    bytes32 public constant override VOUCHER_TYPEHASH = keccak256(
        "Voucher(address payer,uint256 nodeId,bytes32 modelId,uint8 mode,uint128 cumulativeAmount,uint64 issuedAt,uint64 expiry)"
    );

    uint32 internal constant PPM = 1_000_000;
    uint32 public constant MAX_PROTOCOL_FEE_PPM = 100_000;
    uint64 public constant MIN_WITHDRAWAL_THAWING_PERIOD = 1 days;
    uint64 public constant MAX_WITHDRAWAL_THAWING_PERIOD = 60 days;

    /// @notice A request's deadline is earlier than this from its posting: it stays open for less time than a node's
    /// price increase waits, so that a request never pays an increase scheduled after it was posted (one scheduled
    /// in the posting's block takes effect at posting + 1 day, one second after the latest deadline).
    uint64 public constant MAX_REQUEST_DURATION = 1 days;

    /// @notice The gas a contract payer's EIP-1271 `isValidSignature` may use: a wallet that needs more is refused,
    /// and in a batch skipped, without sinking the rest.
    uint256 public constant WALLET_SIGNATURE_GAS = 100_000;

    /*//////////////////////////////////////////////////////////////////////////
                                  STATE VARIABLES
    //////////////////////////////////////////////////////////////////////////*/

    IERC20 public immutable TOKEN;
    INodeRegistry public immutable NODES;
    IModelRegistry public immutable MODELS;
    IStaking public immutable STAKING;
    IProofRegistry public immutable PROOFS;

    /// @inheritdoc IPaymentsEscrow
    uint32 public override protocolFeePpm = 10_000;

    /// @notice The protocol fee before its last increase, which vouchers issued and requests posted before that
    /// increase still pay during the grace of one withdrawal thawing period.
    uint32 public feeBeforeIncreasePpm = 10_000;

    /// @notice When the protocol fee was last increased; 0 if never.
    uint40 public feeIncreasedAt;

    /// @notice Until when terms agreed before the last increase keep the fee before it: the increase plus the
    /// withdrawal thawing period as it was then, so that a later change of the period cannot shorten the grace.
    uint40 public feeGraceEndsAt;

    /// @inheritdoc IPaymentsEscrow
    uint64 public override withdrawalThawingPeriod = 30 days;

    /// @inheritdoc IPaymentsEscrow
    address public override feeRecipient;

    /// @notice The id the next request will have; ids start at 1.
    uint256 public nextRequestId = 1;

    /// @inheritdoc IPaymentsEscrow
    uint256 public override protocolFeesPending;

    mapping(address payer => uint256 balance) internal _balances;
    mapping(address payer => mapping(address operator => Payments.Account escrow)) internal _escrows;
    mapping(bytes32 commitment => uint256 blockNumber) internal _fulfilmentCommitments;
    mapping(bytes32 channel => uint128 redeemed) internal _redeemed;
    mapping(uint256 requestId => Payments.Request request) internal _requests;
    mapping(address owner => uint256 royalties) internal _royalties;

    /// @dev How many nodes one call keeps track of (see {_nodeEntry}).
    uint256 internal constant LEDGER_SIZE = 8;

    /// @dev A node seen in this call: its operator, whether it may be paid, and the fees it earned in this call.
    struct NodeEntry {
        uint256 nodeId;
        address operator;
        bool serving;
        uint256 fees;
    }

    /// @dev The nodes one call pays, so that each is checked once and its fees are credited in staking once: all in
    /// the same transaction, so at the same stake as payment by payment.
    struct Ledger {
        NodeEntry[LEDGER_SIZE] entries;
        uint256 count;
        uint256 nextEvicted;
        uint256 credited;
    }

    /// @dev Who a payment goes to and how it is split.
    struct Split {
        address payer;
        // when the terms were agreed: a voucher's issuedAt, a request's posting
        uint64 agreedAt;
        uint256 nodeId;
        address operator;
        uint32 royaltyPpm;
        Nodes.Mode mode;
        Payments.PaymentKind kind;
        bytes32 modelId;
        address modelOwner;
    }

    /*//////////////////////////////////////////////////////////////////////////
                                    CONSTRUCTOR
    //////////////////////////////////////////////////////////////////////////*/

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
    ) EIP712("OPG Payments", "1") {
        TOKEN = token;
        NODES = nodes;
        MODELS = models;
        STAKING = staking;
        PROOFS = proofs;
        feeRecipient = initialFeeRecipient;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        emit FeeRecipientSet(address(0), initialFeeRecipient);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                  CONSTANT FUNCTIONS
    //////////////////////////////////////////////////////////////////////////*/

    /// @inheritdoc IPaymentsEscrow
    function balanceOf(address payer) external view override returns (uint256) {
        return _balances[payer];
    }

    /// @inheritdoc IPaymentsEscrow
    function getEscrow(address payer, address operator) external view override returns (Payments.Account memory) {
        return _escrows[payer][operator];
    }

    /// @inheritdoc IPaymentsEscrow
    function availableOf(address payer, address operator) public view override returns (uint256) {
        Payments.Account storage escrow = _escrows[payer][operator];
        return escrow.balance - escrow.thawing;
    }

    /// @inheritdoc IPaymentsEscrow
    function protocolFeeFor(uint64 agreedAt) public view override returns (uint32) {
        uint32 current = protocolFeePpm;
        uint40 increasedAt = feeIncreasedAt;
        // Terms agreed before the last increase keep the fee before it, for one withdrawal thawing period: what a
        // node had signed or a payer had posted is not taken by a later change.
        if (agreedAt < increasedAt && block.timestamp < feeGraceEndsAt) {
            uint32 before = feeBeforeIncreasePpm;
            return before < current ? before : current;
        }
        return current;
    }

    /// @inheritdoc IPaymentsEscrow
    function redeemedOf(
        address payer,
        uint256 nodeId,
        bytes32 modelId,
        Nodes.Mode mode
    ) external view override returns (uint256) {
        return _redeemed[_channel(payer, nodeId, modelId, mode)];
    }

    /// @inheritdoc IPaymentsEscrow
    function voucherDigest(Payments.Voucher calldata voucher) public view override returns (bytes32) {
        return
            _hashTypedDataV4(
                keccak256(
                    abi.encode(
                        VOUCHER_TYPEHASH,
                        voucher.payer,
                        voucher.nodeId,
                        voucher.modelId,
                        voucher.mode,
                        voucher.cumulativeAmount,
                        voucher.issuedAt,
                        voucher.expiry
                    )
                )
            );
    }

    /// @inheritdoc IPaymentsEscrow
    function getRequest(uint256 requestId) external view override returns (Payments.Request memory) {
        return _requests[requestId];
    }

    /// @inheritdoc IPaymentsEscrow
    function royaltiesOf(address owner) external view override returns (uint256) {
        return _royalties[owner];
    }

    /*//////////////////////////////////////////////////////////////////////////
                                      ESCROW
    //////////////////////////////////////////////////////////////////////////*/

    /// @inheritdoc IPaymentsEscrow
    function deposit(address payer, uint256 amount) external override {
        _deposit(payer, amount);
    }

    /// @inheritdoc IPaymentsEscrow
    function depositWithPermit(uint256 amount, uint256 deadline, uint8 v, bytes32 r, bytes32 s) external override {
        try IERC20Permit(address(TOKEN)).permit(msg.sender, address(this), amount, deadline, v, r, s) {} catch {}
        _deposit(msg.sender, amount);
    }

    /// @inheritdoc IPaymentsEscrow
    function depositToEscrow(address payer, address operator, uint256 amount) external override {
        _deposit(payer, amount);
        _fund(payer, operator, amount);
    }

    /// @inheritdoc IPaymentsEscrow
    function fundEscrow(address operator, uint256 amount) external override {
        _fund(msg.sender, operator, amount);
    }

    /// @inheritdoc IPaymentsEscrow
    function withdrawBalance(uint256 amount) external override {
        // Check
        uint256 balance = _balances[msg.sender];
        require(amount > 0, EscrowZeroAmount());
        require(amount <= balance, EscrowInsufficientBalance(balance, amount));
        // Effect
        _balances[msg.sender] = balance - amount;
        // Interaction
        TOKEN.safeTransfer(msg.sender, amount);
        emit Withdrawn(msg.sender, address(0), amount);
    }

    /// @inheritdoc IPaymentsEscrow
    function thaw(address operator, uint256 amount) external override {
        Payments.Account storage escrow = _escrows[msg.sender][operator];
        uint256 balance = escrow.balance;
        require(amount <= balance, EscrowInsufficientBalance(balance, amount));
        uint64 endsAt;
        if (amount > 0) {
            // A thaw that replaces one never ends before it: after the thawing period is shortened, a payer cannot
            // leave sooner than its nodes were promised by re-starting its thaw.
            endsAt = uint64(block.timestamp) + withdrawalThawingPeriod;
            uint40 previous = escrow.thawEndsAt;
            if (previous > endsAt) endsAt = previous;
        }
        escrow.thawing = uint128(amount);
        escrow.thawStartedAt = amount == 0 ? 0 : uint40(block.timestamp);
        // A cancelled thaw keeps its end as the floor of the next one.
        if (amount > 0) escrow.thawEndsAt = uint40(endsAt);
        emit ThawStarted(msg.sender, operator, amount, endsAt);
    }

    /// @inheritdoc IPaymentsEscrow
    function withdraw(address operator) external override returns (uint256 amount) {
        Payments.Account storage escrow = _escrows[msg.sender][operator];
        uint40 endsAt = escrow.thawEndsAt;
        require(endsAt != 0 && block.timestamp >= endsAt, EscrowThawNotEnded(endsAt));

        // Effect: vouchers collected during the thaw may have taken part of it.
        amount = escrow.thawing;
        escrow.balance -= uint128(amount);
        escrow.thawing = 0;
        escrow.thawStartedAt = 0;
        escrow.thawEndsAt = 0;

        // Interaction
        if (amount > 0) TOKEN.safeTransfer(msg.sender, amount);
        emit Withdrawn(msg.sender, operator, amount);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                     VOUCHERS
    //////////////////////////////////////////////////////////////////////////*/

    /// @inheritdoc IPaymentsEscrow
    function redeem(
        Payments.Voucher calldata voucher,
        bytes calldata signature
    ) external override returns (uint256 paid) {
        Ledger memory ledger;
        bytes4 failure;
        (paid, failure) = _redeem(ledger, voucher, signature);
        if (failure != bytes4(0)) _revertVoucher(voucher, failure);
        _settle(ledger);
    }

    /// @inheritdoc IPaymentsEscrow
    function redeemBatch(
        Payments.Voucher[] calldata vouchers,
        bytes[] calldata signatures
    ) external override returns (uint256 paid) {
        uint256 count = vouchers.length;
        require(count > 0 && count == signatures.length, EscrowBadBatch(count, signatures.length));
        Ledger memory ledger;
        for (uint256 i; i < count; ++i) {
            (uint256 one, bytes4 failure) = _redeem(ledger, vouchers[i], signatures[i]);
            if (failure != bytes4(0)) emit VoucherSkipped(i, vouchers[i].payer, vouchers[i].nodeId, failure);
            paid += one;
        }
        require(paid > 0, EscrowBatchPaidNothing());
        _settle(ledger);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                     REQUESTS
    //////////////////////////////////////////////////////////////////////////*/

    /// @inheritdoc IPaymentsEscrow
    function postRequest(
        bytes32 modelId,
        bytes32 inputHash,
        Nodes.Mode mode,
        uint256 feeCap,
        uint64 deadline,
        uint256 nodeId
    ) external override returns (uint256 requestId) {
        // Check
        require(feeCap > 0, EscrowZeroAmount());
        require(deadline > block.timestamp, EscrowDeadlinePassed(deadline));
        // Strictly shorter than a price increase's delay: an increase scheduled in this block applies at now + 1 day.
        uint64 latest = uint64(block.timestamp) + MAX_REQUEST_DURATION - 1;
        require(deadline <= latest, EscrowDeadlineTooFar(deadline, latest));
        require(MODELS.exists(modelId), EscrowUnknownModel(modelId));
        uint256 balance = _balances[msg.sender];
        require(feeCap <= balance, EscrowInsufficientBalance(balance, feeCap));

        // Effect: the cap leaves the balance and is held by the request until it is paid or reclaimed.
        _balances[msg.sender] = balance - feeCap;
        requestId = nextRequestId++;
        _requests[requestId] = Payments.Request({
            payer: msg.sender,
            deadline: SafeCast.toUint40(deadline),
            postedAt: uint40(block.timestamp),
            mode: mode,
            status: Payments.RequestStatus.Open,
            feeCap: SafeCast.toUint128(feeCap),
            nodeId: SafeCast.toUint64(nodeId),
            modelId: modelId,
            inputHash: inputHash
        });
        emit RequestPosted(requestId, msg.sender, modelId, inputHash, mode, feeCap, deadline, nodeId);
    }

    /// @inheritdoc IPaymentsEscrow
    function fulfilmentCommitmentOf(
        uint256 requestId,
        uint256 nodeId,
        bytes32 outputHash,
        bytes32 proofHash
    ) public pure override returns (bytes32) {
        return keccak256(abi.encode(requestId, nodeId, outputHash, proofHash));
    }

    /// @inheritdoc IPaymentsEscrow
    function commitFulfilment(uint256 requestId, uint256 nodeId, bytes32 commitment) external override {
        Payments.Request storage request = _requests[requestId];
        Payments.RequestStatus status = request.status;
        require(status == Payments.RequestStatus.Open, EscrowRequestNotOpen(requestId, status));
        address operator = NODES.operatorOf(nodeId);
        require(operator == msg.sender, EscrowNotNodeOperator(nodeId, msg.sender));
        // The first block a commitment was seen in is kept: committing again cannot move it later or earlier.
        if (_fulfilmentCommitments[commitment] == 0) _fulfilmentCommitments[commitment] = block.number;
        emit FulfilmentCommitted(requestId, nodeId, commitment);
    }

    /// @inheritdoc IPaymentsEscrow
    function fulfil(uint256 requestId, uint256 nodeId, bytes32 outputHash, bytes32 proofHash) external override {
        // Check
        Payments.Request storage request = _requests[requestId];
        Payments.RequestStatus status = request.status;
        require(status == Payments.RequestStatus.Open, EscrowRequestNotOpen(requestId, status));
        require(block.timestamp <= request.deadline, EscrowDeadlinePassed(request.deadline));
        uint256 chosen = request.nodeId;
        require(chosen == 0 || chosen == nodeId, EscrowWrongNode(requestId, chosen, nodeId));
        address operator = NODES.operatorOf(nodeId);
        require(operator == msg.sender, EscrowNotNodeOperator(nodeId, msg.sender));
        require(operator != request.payer, EscrowSelfDealing(request.payer, nodeId));
        if (chosen == 0) {
            // An open request pays only an answer committed in an earlier block: a node that copies another's
            // pending answer cannot have committed it before seeing it.
            bytes32 commitment = fulfilmentCommitmentOf(requestId, nodeId, outputHash, proofHash);
            uint256 committedIn = _fulfilmentCommitments[commitment];
            require(committedIn != 0 && committedIn < block.number, EscrowNotCommitted(requestId, commitment));
        }
        uint256 price = _checkServable(nodeId, request);

        // Effect: paid once; the rest of the cap goes back to the payer.
        request.status = Payments.RequestStatus.Fulfilled;
        uint256 refund = request.feeCap - price;
        _balances[request.payer] += refund;
        Ledger memory ledger;
        if (price > 0) {
            Split memory split = Split({
                payer: request.payer,
                nodeId: nodeId,
                operator: operator,
                modelId: request.modelId,
                modelOwner: address(0),
                royaltyPpm: 0,
                mode: request.mode,
                kind: Payments.PaymentKind.Request,
                agreedAt: request.postedAt
            });
            (split.modelOwner, split.royaltyPpm) = MODELS.royaltyFor(request.modelId, request.postedAt);
            // Eligible above, so serving.
            ledger.entries[0] = NodeEntry({nodeId: nodeId, operator: operator, serving: true, fees: 0});
            ledger.count = 1;
            _pay(split, price, ledger.entries[0]);
        }
        emit RequestFulfilled(requestId, nodeId, outputHash, proofHash, price, refund);

        // Interaction: the node's share to staking, and the proof record, under an id no node can commit itself.
        _settle(ledger);
        _commitRequestRecord(requestId, nodeId, request, outputHash, proofHash);
    }

    function _commitRequestRecord(
        uint256 requestId,
        uint256 nodeId,
        Payments.Request storage request,
        bytes32 outputHash,
        bytes32 proofHash
    ) internal {
        PROOFS.commitRecordFor(
            nodeId,
            Proofs.Record({
                inferenceId: requestInferenceId(requestId),
                modelId: request.modelId,
                inputHash: request.inputHash,
                outputHash: outputHash,
                proofType: request.mode,
                proofHash: proofHash
            })
        );
    }

    /// @dev The node's price for the request, once it is known to be eligible for the model and mode and within the cap.
    function _checkServable(uint256 nodeId, Payments.Request storage request) internal view returns (uint256 price) {
        bytes32 modelId = request.modelId;
        Nodes.Mode mode = request.mode;
        Nodes.Eligibility eligibility = NODES.eligibilityOf(nodeId, modelId, mode);
        require(eligibility == Nodes.Eligibility.Eligible, EscrowNodeNotEligible(nodeId, modelId, mode, eligibility));
        price = NODES.priceOf(nodeId, mode);
        require(price <= request.feeCap, EscrowPriceAboveCap(price, request.feeCap));
    }

    /// @inheritdoc IPaymentsEscrow
    function reclaim(uint256 requestId) external override {
        Payments.Request storage request = _requests[requestId];
        Payments.RequestStatus status = request.status;
        require(status == Payments.RequestStatus.Open, EscrowRequestNotOpen(requestId, status));
        require(block.timestamp > request.deadline, EscrowRequestNotExpired(requestId, request.deadline));

        // Refunded once: the request is closed before the balance grows.
        request.status = Payments.RequestStatus.Reclaimed;
        uint128 feeCap = request.feeCap;
        address payer = request.payer;
        _balances[payer] += feeCap;
        emit RequestReclaimed(requestId, payer, feeCap);
    }

    /// @notice The inference id under which a fulfilled request's proof record is committed.
    function requestInferenceId(uint256 requestId) public view returns (bytes32) {
        bytes32 id = keccak256(abi.encode(block.chainid, address(this), requestId));
        // The first byte is the registry's reserved prefix, which nodes cannot use for their own records.
        return (id >> 8) | bytes32(PROOFS.RESERVED_INFERENCE_PREFIX());
    }

    /*//////////////////////////////////////////////////////////////////////////
                                    COLLECTIONS
    //////////////////////////////////////////////////////////////////////////*/

    /// @inheritdoc IPaymentsEscrow
    function collectRoyalties() external override returns (uint256 amount) {
        amount = _royalties[msg.sender];
        require(amount > 0, EscrowNothingToCollect(msg.sender));
        _royalties[msg.sender] = 0;
        TOKEN.safeTransfer(msg.sender, amount);
        emit RoyaltiesCollected(msg.sender, amount);
    }

    /// @inheritdoc IPaymentsEscrow
    function flushProtocolFees() external override returns (uint256 amount) {
        amount = protocolFeesPending;
        require(amount > 0, EscrowNothingToCollect(address(this)));
        protocolFeesPending = 0;
        address recipient = feeRecipient;
        if (recipient == address(0)) ERC20Burnable(address(TOKEN)).burn(amount);
        else TOKEN.safeTransfer(recipient, amount);
        emit ProtocolFeesFlushed(recipient, amount);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                    GOVERNANCE
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice Sets the protocol fee, at most 10%. A decrease applies to every payment from now on; an increase only
    /// to vouchers issued and requests posted from now on, and to earlier ones after one withdrawal thawing period.
    /// Only the default admin.
    function setProtocolFee(uint32 newFeePpm) external onlyRole(DEFAULT_ADMIN_ROLE) {
        require(
            newFeePpm <= MAX_PROTOCOL_FEE_PPM,
            EscrowParameterOutOfBounds("protocolFeePpm", newFeePpm, 0, MAX_PROTOCOL_FEE_PPM)
        );
        uint32 current = protocolFeePpm;
        emit ParameterSet("protocolFeePpm", current, newFeePpm);
        if (newFeePpm > current) {
            // Within the grace of an earlier increase, the terms agreed before it keep the lower fee of the two.
            uint32 before = block.timestamp < feeGraceEndsAt ? feeBeforeIncreasePpm : current;
            feeBeforeIncreasePpm = before < current ? before : current;
            feeIncreasedAt = uint40(block.timestamp);
            feeGraceEndsAt = uint40(block.timestamp + withdrawalThawingPeriod);
        }
        protocolFeePpm = newFeePpm;
    }

    /// @notice Sets the withdrawal thawing period, within [1 day, 60 days]. Only the default admin.
    function setWithdrawalThawingPeriod(uint64 newPeriod) external onlyRole(DEFAULT_ADMIN_ROLE) {
        require(
            newPeriod >= MIN_WITHDRAWAL_THAWING_PERIOD && newPeriod <= MAX_WITHDRAWAL_THAWING_PERIOD,
            EscrowParameterOutOfBounds(
                "withdrawalThawingPeriod",
                newPeriod,
                MIN_WITHDRAWAL_THAWING_PERIOD,
                MAX_WITHDRAWAL_THAWING_PERIOD
            )
        );
        emit ParameterSet("withdrawalThawingPeriod", withdrawalThawingPeriod, newPeriod);
        withdrawalThawingPeriod = newPeriod;
    }

    /// @notice Sets where protocol fees go; zero burns them. Only the default admin.
    function setFeeRecipient(address newRecipient) external onlyRole(DEFAULT_ADMIN_ROLE) {
        emit FeeRecipientSet(feeRecipient, newRecipient);
        feeRecipient = newRecipient;
    }

    /*//////////////////////////////////////////////////////////////////////////
                                 INTERNAL FUNCTIONS
    //////////////////////////////////////////////////////////////////////////*/

    function _deposit(address payer, uint256 amount) internal {
        require(amount > 0, EscrowZeroAmount());
        _balances[payer] += amount;
        TOKEN.safeTransferFrom(msg.sender, address(this), amount);
        emit Deposited(payer, msg.sender, amount);
    }

    /// @dev Moves `amount` of the payer's free balance into its escrow with `operator`, at once: it only ever becomes
    /// harder to take back.
    function _fund(address payer, address operator, uint256 amount) internal {
        require(amount > 0, EscrowZeroAmount());
        require(operator != address(0) && operator != payer, EscrowInvalidOperator(operator));
        uint256 balance = _balances[payer];
        require(amount <= balance, EscrowInsufficientBalance(balance, amount));
        _balances[payer] = balance - amount;
        _escrows[payer][operator].balance += SafeCast.toUint128(amount);
        emit EscrowFunded(payer, operator, amount);
    }

    /// @dev Pays what a voucher owes, adding the node's share to its entry in `ledger` (credited in staking when the
    /// call settles), or returns the selector of the error that stops it (and pays nothing).
    function _redeem(
        Ledger memory ledger,
        Payments.Voucher calldata voucher,
        bytes calldata signature
    ) internal returns (uint256 paid, bytes4 failure) {
        Split memory split;
        NodeEntry memory node;
        (split, node, failure) = _checkVoucher(ledger, voucher, signature);
        if (failure != bytes4(0)) return (0, failure);

        bytes32 channel = _channel(split.payer, split.nodeId, split.modelId, split.mode);
        uint128 redeemed = _redeemed[channel];
        if (voucher.cumulativeAmount <= redeemed) return (0, EscrowNothingOwed.selector);
        // Only the payer's escrow with this node's operator pays it: nothing the payer does with another node, its own
        // included, can take what backs this one.
        Payments.Account storage escrow = _escrows[split.payer][split.operator];
        paid = Math.min(voucher.cumulativeAmount - redeemed, _availableFor(escrow, voucher.issuedAt));
        if (paid == 0) return (0, EscrowInsufficientBalance.selector);

        // Effect: the channel first, so that no voucher of it pays twice.
        _redeemed[channel] = redeemed + uint128(paid);
        uint128 balance = escrow.balance - uint128(paid);
        escrow.balance = balance;
        if (escrow.thawing > balance) escrow.thawing = balance;
        _pay(split, paid, node);
    }

    /// @dev Checks a voucher's dates, signature, node and model; returns who it pays and its node's ledger entry, or
    /// why it cannot pay.
    function _checkVoucher(
        Ledger memory ledger,
        Payments.Voucher calldata voucher,
        bytes calldata signature
    ) internal returns (Split memory split, NodeEntry memory node, bytes4 failure) {
        if (voucher.expiry < block.timestamp) return (split, node, EscrowVoucherExpired.selector);
        if (voucher.issuedAt > block.timestamp) return (split, node, EscrowVoucherFromTheFuture.selector);
        if (!_isValidSignature(voucher.payer, voucherDigest(voucher), signature)) {
            return (split, node, EscrowInvalidSignature.selector);
        }
        node = _nodeEntry(ledger, voucher.nodeId);
        if (node.operator == address(0)) return (split, node, EscrowUnknownNode.selector);
        if (node.operator == voucher.payer) return (split, node, EscrowSelfDealing.selector);
        // A node that is deregistered, jailed, or no longer covered by its operator's stake is not paid until it is.
        if (!node.serving) return (split, node, EscrowNodeNotServing.selector);
        split.payer = voucher.payer;
        split.nodeId = voucher.nodeId;
        split.operator = node.operator;
        split.modelId = voucher.modelId;
        split.mode = voucher.mode;
        split.kind = Payments.PaymentKind.Voucher;
        split.agreedAt = voucher.issuedAt;
        try MODELS.royaltyFor(voucher.modelId, voucher.issuedAt) returns (address owner, uint32 royaltyPpm) {
            (split.modelOwner, split.royaltyPpm) = (owner, royaltyPpm);
        } catch {
            return (split, node, EscrowUnknownModel.selector);
        }
        // Paid only for a model it lists, in a mode it offers: the royalty goes to the model that ran.
        if (!NODES.offers(voucher.nodeId, voucher.modelId, voucher.mode)) {
            return (split, node, EscrowNodeDoesNotOffer.selector);
        }
    }

    /// @dev The ledger entry of a node: found among the nodes this call has seen, or read from the registry (its
    /// operator, and whether it is serving) into a free entry. With every entry taken, the oldest is settled and
    /// reused, so that a batch of any size checks and credits each of its last {LEDGER_SIZE} nodes once.
    function _nodeEntry(Ledger memory ledger, uint256 nodeId) internal returns (NodeEntry memory node) {
        uint256 count = ledger.count;
        for (uint256 i; i < count; ++i) {
            if (ledger.entries[i].nodeId == nodeId) return ledger.entries[i];
        }
        uint256 slot = count;
        if (count < LEDGER_SIZE) {
            ledger.count = count + 1;
        } else {
            slot = ledger.nextEvicted;
            ledger.nextEvicted = (slot + 1) % LEDGER_SIZE;
            _credit(ledger, ledger.entries[slot]);
        }
        (address operator, bool serving) = NODES.nodeOperatorOf(nodeId);
        node = NodeEntry({nodeId: nodeId, operator: operator, serving: serving, fees: 0});
        ledger.entries[slot] = node;
    }

    /// @dev Whether `signature` is `signer`'s over `digest`: ECDSA for an account without code, EIP-1271 otherwise,
    /// with the wallet's call capped at {WALLET_SIGNATURE_GAS} and at most 32 bytes of its answer read, so that a
    /// wallet that burns gas or answers with a huge returndata costs its own voucher, never a whole batch.
    function _isValidSignature(address signer, bytes32 digest, bytes calldata signature) internal view returns (bool) {
        // The key's signature first, whatever code the account has: an EIP-7702 account cannot void the vouchers
        // its key signed by attaching code.
        (address recovered, ECDSA.RecoverError error, ) = ECDSA.tryRecover(digest, signature);
        if (error == ECDSA.RecoverError.NoError && recovered == signer) return true;
        if (signer.code.length == 0) return false;
        bytes memory query = abi.encodeCall(IERC1271.isValidSignature, (digest, signature));
        bool success;
        bytes32 answer;
        uint256 gasCap = WALLET_SIGNATURE_GAS;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            // Copies at most one word of returndata into the scratch space: no memory expansion, whatever the size.
            success := staticcall(gasCap, signer, add(query, 0x20), mload(query), 0x00, 0x20)
            success := and(success, gt(returndatasize(), 0x1f))
            answer := mload(0x00)
        }
        return success && bytes4(answer) == IERC1271.isValidSignature.selector;
    }

    /// @dev What a voucher issued at `issuedAt` may take: all of the balance when it predates the thaw, else the
    /// balance less what is thawing.
    function _availableFor(Payments.Account storage escrow, uint64 issuedAt) internal view returns (uint256) {
        uint256 balance = escrow.balance;
        return issuedAt < escrow.thawStartedAt ? balance : balance - escrow.thawing;
    }

    /// @dev Splits a payment: the protocol fee and the model's royalty round down, the node takes the rest, which is
    /// added to the node's ledger entry and credited in staking when the call settles, to the operator and the stake
    /// delegated to it at that moment (the moment of the payment: nothing in between changes stake).
    function _pay(Split memory split, uint256 gross, NodeEntry memory node) internal {
        uint256 protocolFee = (gross * protocolFeeFor(split.agreedAt)) / PPM;
        uint256 royalty = (gross * split.royaltyPpm) / PPM;
        uint256 nodeShare = gross - protocolFee - royalty;
        protocolFeesPending += protocolFee;
        _royalties[split.modelOwner] += royalty;
        node.fees += nodeShare;
        emit PaymentCollected(
            split.payer,
            split.nodeId,
            split.modelId,
            split.operator,
            split.modelOwner,
            split.mode,
            split.kind,
            gross,
            nodeShare,
            royalty,
            protocolFee
        );
    }

    /// @dev Credits each node's fees of this call in staking, then sends their tokens in one transfer.
    function _settle(Ledger memory ledger) internal {
        uint256 count = ledger.count;
        for (uint256 i; i < count; ++i) _credit(ledger, ledger.entries[i]);
        uint256 total = ledger.credited;
        if (total > 0) TOKEN.safeTransfer(address(STAKING), total);
    }

    function _credit(Ledger memory ledger, NodeEntry memory node) internal {
        uint256 fees = node.fees;
        if (fees == 0) return;
        node.fees = 0;
        ledger.credited += fees;
        STAKING.creditFees(node.operator, fees);
    }

    /// @dev Reverts with the voucher's error and its values.
    function _revertVoucher(Payments.Voucher calldata voucher, bytes4 failure) internal view {
        if (failure == EscrowVoucherExpired.selector) revert EscrowVoucherExpired(voucher.expiry);
        if (failure == EscrowVoucherFromTheFuture.selector) revert EscrowVoucherFromTheFuture(voucher.issuedAt);
        if (failure == EscrowInvalidSignature.selector) revert EscrowInvalidSignature(voucher.payer);
        if (failure == EscrowSelfDealing.selector) revert EscrowSelfDealing(voucher.payer, voucher.nodeId);
        if (failure == EscrowUnknownNode.selector) revert EscrowUnknownNode(voucher.nodeId);
        if (failure == EscrowNodeNotServing.selector) revert EscrowNodeNotServing(voucher.nodeId);
        if (failure == EscrowNodeDoesNotOffer.selector) {
            revert EscrowNodeDoesNotOffer(voucher.nodeId, voucher.modelId, voucher.mode);
        }
        if (failure == EscrowUnknownModel.selector) revert EscrowUnknownModel(voucher.modelId);
        if (failure == EscrowNothingOwed.selector) {
            revert EscrowNothingOwed(
                voucher.cumulativeAmount,
                _redeemed[_channel(voucher.payer, voucher.nodeId, voucher.modelId, voucher.mode)]
            );
        }
        bytes32 channel = _channel(voucher.payer, voucher.nodeId, voucher.modelId, voucher.mode);
        address operator = NODES.operatorOf(voucher.nodeId);
        revert EscrowInsufficientBalance(
            _availableFor(_escrows[voucher.payer][operator], voucher.issuedAt),
            voucher.cumulativeAmount - _redeemed[channel]
        );
    }

    function _channel(address payer, uint256 nodeId, bytes32 modelId, Nodes.Mode mode) internal pure returns (bytes32) {
        return keccak256(abi.encode(payer, nodeId, modelId, mode));
    }
}
