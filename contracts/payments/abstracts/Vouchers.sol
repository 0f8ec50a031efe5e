// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {IPaymentsEscrow} from "../../interfaces/IPaymentsEscrow.sol";
import {Nodes} from "../../types/Nodes.sol";
import {Payments} from "../../types/Payments.sol";
import {PaymentSplit} from "./PaymentSplit.sol";

/// @title Vouchers
/// @notice Collection of EIP-712 cumulative vouchers, one or a batch of many payers and nodes, from the payer's escrow
/// with the node's operator (as Horizon's GraphTallyCollector collects receipt aggregates). See the documentation
/// in {IPaymentsEscrow}.
/// @dev A layer of {PaymentsEscrow} beside {Requests}: it checks a voucher, takes what it owes from the escrow
/// ({_debit}) and hands it to the split ({_pay}, {_settle}).
abstract contract Vouchers is PaymentSplit, EIP712 {
    /*//////////////////////////////////////////////////////////////////////////
                                     CONSTANTS
    //////////////////////////////////////////////////////////////////////////*/

    /// @inheritdoc IPaymentsEscrow
    bytes32 public constant override VOUCHER_TYPEHASH = keccak256(
        "Voucher(address payer,uint256 nodeId,bytes32 modelId,uint8 mode,uint128 cumulativeAmount,uint64 issuedAt,uint64 expiry)"
    );

    /// @notice The gas a contract payer's EIP-1271 `isValidSignature` may use: a wallet that needs more is refused,
    /// and in a batch skipped, without sinking the rest.
    uint256 public constant WALLET_SIGNATURE_GAS = 100_000;

    /*//////////////////////////////////////////////////////////////////////////
                                  STATE VARIABLES
    //////////////////////////////////////////////////////////////////////////*/

    mapping(bytes32 channel => uint128 redeemed) internal _redeemed;

    /*//////////////////////////////////////////////////////////////////////////
                                    CONSTRUCTOR
    //////////////////////////////////////////////////////////////////////////*/

    constructor() EIP712("OPG Payments", "1") {}

    /*//////////////////////////////////////////////////////////////////////////
                                  CONSTANT FUNCTIONS
    //////////////////////////////////////////////////////////////////////////*/

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

    /*//////////////////////////////////////////////////////////////////////////
                                NON-CONSTANT FUNCTIONS
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
                                 INTERNAL FUNCTIONS
    //////////////////////////////////////////////////////////////////////////*/

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
        _debit(escrow, paid);
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
