// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {IVotes} from "@openzeppelin/contracts/governance/utils/IVotes.sol";

/// @title VotingVault
/// @notice Holds the locked tokens of every vesting schedule whose beneficiary delegated their votes to one
/// delegatee, and delegates its whole balance to that delegatee on the token.
/// @dev Deployed by the {VestingVault} as a minimal clone per delegatee (CREATE2, salt = the delegatee), only when a
/// schedule first delegates to it. The vesting vault keeps the books: which schedule holds how much here. The
/// clone only delegates and lets the vesting vault move its tokens; it holds no state of its own, so the token
/// and the vesting vault are immutables of the implementation, shared by every clone.
contract VotingVault {
    using SafeERC20 for IERC20;

    /// @notice The token whose votes this vault delegates.
    address public immutable TOKEN;

    /// @notice The vesting vault that deployed this vault and alone may move its tokens.
    address public immutable VESTING;

    /// @notice Thrown when an account other than the vesting vault initializes a vault.
    error VotingVaultOnlyVesting(address caller);

    /// @param token The votes token held in the vault.
    constructor(address token) {
        TOKEN = token;
        VESTING = msg.sender;
    }

    /// @notice Delegates the vault's votes to `delegatee` and lets the vesting vault move the vault's tokens.
    /// @dev Called once by the vesting vault, right after it deploys the clone.
    function initialize(address delegatee) external {
        require(msg.sender == VESTING, VotingVaultOnlyVesting(msg.sender));
        IVotes(TOKEN).delegate(delegatee);
        IERC20(TOKEN).forceApprove(VESTING, type(uint256).max);
    }
}
