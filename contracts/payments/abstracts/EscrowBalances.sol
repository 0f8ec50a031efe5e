// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

import {IPaymentsEscrow} from "../../interfaces/IPaymentsEscrow.sol";
import {Payments} from "../../types/Payments.sol";

/// @title EscrowBalances
/// @notice The payers' money before it pays anyone: free balances, escrows per operator and their thaws (as The
/// Graph's Horizon PaymentsEscrow keeps one account per payer and receiver). See the documentation in
/// {IPaymentsEscrow}.
/// @dev The first layer of {PaymentsEscrow}: the layers above take payments from these books through {_debit} and
/// {_balances}, never around the thaw rules.
abstract contract EscrowBalances is IPaymentsEscrow, AccessControl {
    using SafeERC20 for IERC20;

    /*//////////////////////////////////////////////////////////////////////////
                                     CONSTANTS
    //////////////////////////////////////////////////////////////////////////*/

    uint64 public constant MIN_WITHDRAWAL_THAWING_PERIOD = 1 days;
    uint64 public constant MAX_WITHDRAWAL_THAWING_PERIOD = 60 days;

    /*//////////////////////////////////////////////////////////////////////////
                                  STATE VARIABLES
    //////////////////////////////////////////////////////////////////////////*/

    IERC20 public immutable TOKEN;

    /// @inheritdoc IPaymentsEscrow
    uint64 public override withdrawalThawingPeriod = 30 days;

    mapping(address payer => uint256 balance) internal _balances;
    mapping(address payer => mapping(address operator => Payments.Account escrow)) internal _escrows;

    /*//////////////////////////////////////////////////////////////////////////
                                    CONSTRUCTOR
    //////////////////////////////////////////////////////////////////////////*/

    /// @param admin The account given the default admin role (the timelock, after deployment).
    constructor(IERC20 token, address admin) {
        TOKEN = token;
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
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

    /*//////////////////////////////////////////////////////////////////////////
                                NON-CONSTANT FUNCTIONS
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

    /// @inheritdoc IPaymentsEscrow
    function setWithdrawalThawingPeriod(uint64 newPeriod) external override onlyRole(DEFAULT_ADMIN_ROLE) {
        require(
            newPeriod >= MIN_WITHDRAWAL_THAWING_PERIOD && newPeriod <= MAX_WITHDRAWAL_THAWING_PERIOD,
            EscrowParameterOutOfBounds(
                "withdrawalThawingPeriod",
                newPeriod,
                MIN_WITHDRAWAL_THAWING_PERIOD,
                MAX_WITHDRAWAL_THAWING_PERIOD
            )
        );
        emit WithdrawalThawingPeriodSet(withdrawalThawingPeriod, newPeriod);
        withdrawalThawingPeriod = newPeriod;
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

    /// @dev Takes a payment of `amount` (at most {_availableFor} it) out of an escrow. What is thawing shrinks with
    /// the balance when the payment reaches into it, so that the thaw never holds more than the escrow has.
    function _debit(Payments.Account storage escrow, uint256 amount) internal {
        uint128 balance = escrow.balance - uint128(amount);
        escrow.balance = balance;
        if (escrow.thawing > balance) escrow.thawing = balance;
    }

    /// @dev What a voucher issued at `issuedAt` may take: all of the balance when it predates the thaw, else the
    /// balance less what is thawing.
    function _availableFor(Payments.Account storage escrow, uint64 issuedAt) internal view returns (uint256) {
        uint256 balance = escrow.balance;
        return issuedAt < escrow.thawStartedAt ? balance : balance - escrow.thawing;
    }
}
