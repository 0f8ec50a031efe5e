// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice OpenZeppelin's ERC-20 with nothing added (no votes, no permit): the floor a payment per inference
/// could cost with any token, beside OPG's own transfer (which also moves votes checkpoints when delegated).
contract PlainERC20 is ERC20 {
    constructor(uint256 supply) ERC20("Plain", "PLN") {
        _mint(msg.sender, supply);
    }
}
