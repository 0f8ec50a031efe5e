// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {Stakes} from "../../types/Stakes.sol";

/// @title SharePool
/// @notice The share math of a {Stakes.Pool}: tokens held for many holders in proportion to their shares.
/// @dev Every conversion rounds down, in the pool's favour: a holder gets at most its part, so that what is left in
/// the pool stays at least proportional to the shares left.
library SharePool {
    /// @notice The most shares a thawing pool may have per token before a slash sweeps it (see {takeFromThawing}).
    uint256 internal constant MAX_THAWING_SHARES_PER_TOKEN = 1e9;

    /// @notice The tokens `shares` are worth.
    function toTokens(Stakes.Pool memory pool, uint256 shares) internal pure returns (uint256) {
        return pool.shares == 0 ? 0 : Math.mulDiv(shares, pool.tokens, pool.shares);
    }

    /// @notice The shares `amount` buys: one per token in an empty pool.
    /// @dev A pool with tokens always has shares, and a slash that empties a thawing pool drops its shares.
    function sharesFor(Stakes.Pool memory pool, uint256 amount) internal pure returns (uint256) {
        return pool.shares == 0 ? amount : Math.mulDiv(amount, pool.shares, pool.tokens);
    }

    /// @notice Takes `shares` out of the pool and returns their value.
    function take(Stakes.Pool memory pool, uint256 shares) internal pure returns (uint256 value) {
        value = toTokens(pool, shares);
        _remove(pool, shares, value);
    }

    /// @notice Takes `shares` out of the pool if they are worth at most `limit`; otherwise only the whole shares
    /// `limit` is worth (`whole` false). Returns the value and the shares taken.
    function takeUpTo(
        Stakes.Pool memory pool,
        uint256 shares,
        uint256 limit
    ) internal pure returns (uint256 value, uint256 taken, bool whole) {
        value = toTokens(pool, shares);
        if (value <= limit) {
            _remove(pool, shares, value);
            return (value, shares, true);
        }
        taken = Math.mulDiv(limit, pool.shares, pool.tokens);
        return (take(pool, taken), taken, false);
    }

    /// @notice Takes `amount` from a thawing pool and returns what it took. A pool left worth less than a billionth
    /// of a token per share (or nothing) would price new requests' shares beyond 128 bits, so its dust goes with the
    /// slash: its shares are dropped, `emptied` is true and the caller starts a new epoch, so that older requests (now
    /// worth nothing) never take from newer ones.
    function takeFromThawing(Stakes.Pool storage pool, uint256 amount) internal returns (uint256 taken, bool emptied) {
        if (amount == 0) return (0, false);
        uint256 left = pool.tokens - amount;
        if (left * MAX_THAWING_SHARES_PER_TOKEN < pool.shares) {
            pool.tokens = 0;
            pool.shares = 0;
            return (amount + left, true);
        }
        pool.tokens = uint128(left);
        return (amount, false);
    }

    function _remove(Stakes.Pool memory pool, uint256 shares, uint256 value) private pure {
        pool.tokens -= uint128(value);
        pool.shares -= uint128(shares);
    }
}
