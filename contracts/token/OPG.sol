// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {ERC20Votes} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Votes.sol";
import {Nonces} from "@openzeppelin/contracts/utils/Nonces.sol";
import {Time} from "@openzeppelin/contracts/utils/types/Time.sol";

/// @title OPG
/// @notice The OpenGradient token: a fixed supply of 1,000,000,000 OPG, all minted once at construction.
/// @dev There is no mint function: `_mint` is reached only from the constructor, so the total supply can only
/// go down (through burns). Votes follow ERC-5805 on a timestamp clock, so that vesting, staking and
/// governance all speak in seconds rather than block numbers, which differ between chains.
contract OPG is ERC20, ERC20Burnable, ERC20Permit, ERC20Votes {
    /// @notice The whole supply, minted at genesis.
    uint256 public constant TOTAL_SUPPLY = 1_000_000_000e18;

    /// @param genesis The account that receives the whole supply and distributes the allocation table.
    constructor(address genesis) ERC20("OpenGradient", "OPG") ERC20Permit("OpenGradient") {
        _mint(genesis, TOTAL_SUPPLY);
    }

    /*//////////////////////////////////////////////////////////////////////////
                                     ERC-6372 CLOCK
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice The votes clock: the block timestamp.
    function clock() public view override returns (uint48) {
        return Time.timestamp();
    }

    /// @notice The ERC-6372 description of the clock.
    // solhint-disable-next-line func-name-mixedcase
    function CLOCK_MODE() public pure override returns (string memory) {
        return "mode=timestamp";
    }

    /*//////////////////////////////////////////////////////////////////////////
                                  REQUIRED OVERRIDES
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice The next permit nonce of `owner`.
    function nonces(address owner) public view override(ERC20Permit, Nonces) returns (uint256) {
        return super.nonces(owner);
    }

    function _update(address from, address to, uint256 value) internal override(ERC20, ERC20Votes) {
        super._update(from, to, value);
    }
}
