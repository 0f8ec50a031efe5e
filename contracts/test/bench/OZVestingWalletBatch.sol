// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

import {OZVestingWalletCliff} from "../OZVestingWalletCliff.sol";

/// @notice The fairest batch form of OpenZeppelin's VestingWallet for the benchmarks: one transaction deploys a
/// wallet per beneficiary and funds it, as a genesis would have to, so that its cost per schedule stands beside
/// VestingVault.createSchedules.
contract OZVestingWalletBatch {
    using SafeERC20 for IERC20;

    /// @notice Deploys one VestingWalletCliff per beneficiary with the same terms and funds each with `amount`
    /// taken from the caller (who must have approved this contract for `amount * beneficiaries.length`).
    /// @return wallets The wallets, in the order of `beneficiaries`.
    function deployAndFund(
        IERC20 token,
        address[] calldata beneficiaries,
        uint64 start,
        uint64 duration,
        uint64 cliff,
        uint256 amount
    ) external returns (address[] memory wallets) {
        wallets = new address[](beneficiaries.length);
        for (uint256 i = 0; i < beneficiaries.length; i++) {
            address wallet = address(new OZVestingWalletCliff(beneficiaries[i], start, duration, cliff));
            token.safeTransferFrom(msg.sender, wallet, amount);
            wallets[i] = wallet;
        }
    }
}
