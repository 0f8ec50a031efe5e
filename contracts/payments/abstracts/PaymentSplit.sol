// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

import {IModelRegistry} from "../../interfaces/IModelRegistry.sol";
import {INodeRegistry} from "../../interfaces/INodeRegistry.sol";
import {IPaymentsEscrow} from "../../interfaces/IPaymentsEscrow.sol";
import {IStaking} from "../../interfaces/IStaking.sol";
import {PPM} from "../../libraries/PPM.sol";
import {Nodes} from "../../types/Nodes.sol";
import {Payments} from "../../types/Payments.sol";
import {EscrowBalances} from "./EscrowBalances.sol";

/// @title PaymentSplit
/// @notice How a payment is shared and where each share waits: the protocol fee (with its grace after an increase),
/// the model owner's royalty, and the node's share credited in staking (as Horizon's GraphPayments splits what its
/// escrow pays). See the documentation in {IPaymentsEscrow}.
/// @dev The second layer of {PaymentsEscrow}: {Vouchers} and {Requests} decide that a payment is due, then pay it
/// through {_pay} into a {Ledger} and close the call with {_settle}.
abstract contract PaymentSplit is EscrowBalances {
    using PPM for uint256;
    using SafeERC20 for IERC20;

    /*//////////////////////////////////////////////////////////////////////////
                                     CONSTANTS
    //////////////////////////////////////////////////////////////////////////*/

    /// @dev A tenth of a payment: with a model's royalty bounded by half ({IModelRegistry-MAX_ROYALTY_BOUND_PPM}),
    /// the fee and the royalty never take more than the payment, so that the node's share in {_pay} cannot underflow.
    /// A literal, not `PPM.ONE / 10`: solc computes such an expression at each use, 88 bytes of an escrow that is
    /// near the 24,576-byte limit.
    uint32 public constant MAX_PROTOCOL_FEE_PPM = 100_000;

    /// @dev How many nodes one call keeps track of (see {_nodeEntry}).
    uint256 internal constant LEDGER_SIZE = 8;

    /*//////////////////////////////////////////////////////////////////////////
                                  STATE VARIABLES
    //////////////////////////////////////////////////////////////////////////*/

    INodeRegistry public immutable NODES;
    IModelRegistry public immutable MODELS;
    IStaking public immutable STAKING;

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
    address public override feeRecipient;

    /// @inheritdoc IPaymentsEscrow
    uint256 public override protocolFeesPending;

    mapping(address owner => uint256 royalties) internal _royalties;

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

    /// @param initialFeeRecipient Where protocol fees go; zero burns them.
    constructor(INodeRegistry nodes, IModelRegistry models, IStaking staking, address initialFeeRecipient) {
        NODES = nodes;
        MODELS = models;
        STAKING = staking;
        feeRecipient = initialFeeRecipient;
        emit FeeRecipientSet(address(0), initialFeeRecipient);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                  CONSTANT FUNCTIONS
    //////////////////////////////////////////////////////////////////////////*/

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
    function royaltiesOf(address owner) external view override returns (uint256) {
        return _royalties[owner];
    }

    /*//////////////////////////////////////////////////////////////////////////
                                NON-CONSTANT FUNCTIONS
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

    /// @inheritdoc IPaymentsEscrow
    function setProtocolFee(uint32 newFeePpm) external override onlyRole(DEFAULT_ADMIN_ROLE) {
        require(
            newFeePpm <= MAX_PROTOCOL_FEE_PPM,
            EscrowParameterOutOfBounds("protocolFeePpm", newFeePpm, 0, MAX_PROTOCOL_FEE_PPM)
        );
        uint32 current = protocolFeePpm;
        emit ProtocolFeeSet(current, newFeePpm);
        if (newFeePpm > current) {
            // Within the grace of an earlier increase, the terms agreed before it keep the lower fee of the two.
            uint32 before = block.timestamp < feeGraceEndsAt ? feeBeforeIncreasePpm : current;
            feeBeforeIncreasePpm = before < current ? before : current;
            feeIncreasedAt = uint40(block.timestamp);
            feeGraceEndsAt = uint40(block.timestamp + withdrawalThawingPeriod);
        }
        protocolFeePpm = newFeePpm;
    }

    /// @inheritdoc IPaymentsEscrow
    function setFeeRecipient(address newRecipient) external override onlyRole(DEFAULT_ADMIN_ROLE) {
        emit FeeRecipientSet(feeRecipient, newRecipient);
        feeRecipient = newRecipient;
    }

    /*//////////////////////////////////////////////////////////////////////////
                                 INTERNAL FUNCTIONS
    //////////////////////////////////////////////////////////////////////////*/

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

    /// @dev Splits a payment: the protocol fee and the model's royalty round down, the node takes the rest, which is
    /// added to the node's ledger entry and credited in staking when the call settles, to the operator and the stake
    /// delegated to it at that moment (the moment of the payment: nothing in between changes stake).
    function _pay(Split memory split, uint256 gross, NodeEntry memory node) internal {
        uint256 protocolFee = gross.mulPpm(protocolFeeFor(split.agreedAt));
        uint256 royalty = gross.mulPpm(split.royaltyPpm);
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
}
