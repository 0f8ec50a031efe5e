// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Nodes} from "./Nodes.sol";

/// @notice Namespace for the structs and enums of the payments escrow.
library Payments {
    /// @notice A payer's escrow with one operator: what backs the vouchers of that operator's nodes.
    struct Account {
        // slot 0: everything put in escrow for the operator and not yet paid or withdrawn
        uint128 balance;
        // the part of `balance` on its way out: not spendable by vouchers issued from the thaw's start on
        uint128 thawing;
        // slot 1
        uint40 thawStartedAt;
        uint40 thawEndsAt;
    }

    /// @notice An EIP-712 voucher from a payer to a node for a model and mode: the payer owes the node
    /// `cumulativeAmount` in all, across every inference so far, and the node collects what it has not yet.
    struct Voucher {
        address payer;
        uint256 nodeId;
        bytes32 modelId;
        Nodes.Mode mode;
        uint128 cumulativeAmount;
        uint64 issuedAt;
        uint64 expiry;
    }

    /// @notice Where an on-chain request stands.
    enum RequestStatus {
        None,
        Open,
        Fulfilled,
        Reclaimed
    }

    /// @notice An on-chain inference request, as stored.
    struct Request {
        // slot 0
        address payer;
        uint40 deadline;
        uint40 postedAt;
        Nodes.Mode mode;
        RequestStatus status;
        // slot 1
        uint128 feeCap;
        uint64 nodeId;
        // slot 2
        bytes32 modelId;
        // slot 3
        bytes32 inputHash;
    }

    /// @notice How a payment was made, in {PaymentCollected}.
    enum PaymentKind {
        Voucher,
        Request
    }
}
