// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IPaymentsEscrow} from "../../interfaces/IPaymentsEscrow.sol";
import {IProofRegistry} from "../../interfaces/IProofRegistry.sol";
import {Nodes} from "../../types/Nodes.sol";
import {Payments} from "../../types/Payments.sol";
import {Proofs} from "../../types/Proofs.sol";
import {PaymentSplit} from "./PaymentSplit.sol";

/// @title Requests
/// @notice On-chain inference requests: a fee cap locked from the payer's free balance, fulfilled by an eligible
/// node with its output and proof record (an open request only with an answer committed a block ahead), or
/// reclaimed after the deadline. See the documentation in {IPaymentsEscrow}.
/// @dev A layer of {PaymentsEscrow} beside {Vouchers}: a fulfilled request's price goes through the split ({_pay},
/// {_settle}), the rest of its cap back to the free balance.
abstract contract Requests is PaymentSplit {
    /*//////////////////////////////////////////////////////////////////////////
                                     CONSTANTS
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice A request's deadline is earlier than this from its posting: it stays open for less time than a node's
    /// price increase waits, so that a request never pays an increase scheduled after it was posted (one scheduled
    /// in the posting's block takes effect at posting + 1 day, one second after the latest deadline).
    uint64 public constant MAX_REQUEST_DURATION = 1 days;

    /*//////////////////////////////////////////////////////////////////////////
                                  STATE VARIABLES
    //////////////////////////////////////////////////////////////////////////*/

    IProofRegistry public immutable PROOFS;

    /// @notice The id the next request will have; ids start at 1.
    uint256 public nextRequestId = 1;

    mapping(uint256 requestId => Payments.Request request) internal _requests;
    mapping(bytes32 commitment => uint256 blockNumber) internal _fulfilmentCommitments;

    /*//////////////////////////////////////////////////////////////////////////
                                    CONSTRUCTOR
    //////////////////////////////////////////////////////////////////////////*/

    constructor(IProofRegistry proofs) {
        PROOFS = proofs;
    }

    /*//////////////////////////////////////////////////////////////////////////
                                  CONSTANT FUNCTIONS
    //////////////////////////////////////////////////////////////////////////*/

    /// @inheritdoc IPaymentsEscrow
    function getRequest(uint256 requestId) external view override returns (Payments.Request memory) {
        return _requests[requestId];
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

    /// @notice The inference id under which a fulfilled request's proof record is committed.
    function requestInferenceId(uint256 requestId) public view returns (bytes32) {
        bytes32 id = keccak256(abi.encode(block.chainid, address(this), requestId));
        // The first byte is the registry's reserved prefix, which nodes cannot use for their own records.
        return (id >> 8) | bytes32(PROOFS.RESERVED_INFERENCE_PREFIX());
    }

    /*//////////////////////////////////////////////////////////////////////////
                                NON-CONSTANT FUNCTIONS
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

    /*//////////////////////////////////////////////////////////////////////////
                                 INTERNAL FUNCTIONS
    //////////////////////////////////////////////////////////////////////////*/

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
}
