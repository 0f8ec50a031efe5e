// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice Namespace for the structs of staking.
library Stakes {
    /// @notice Tokens held for many holders in proportion to their shares. A slash lowers `tokens` and leaves
    /// `shares`, so that every holder loses the same fraction.
    struct Pool {
        uint128 tokens;
        uint128 shares;
    }

    /// @notice An operator's stake and its reward books.
    struct Operator {
        // slot 0
        uint128 ownActive;
        uint32 cutPpm;
        uint32 pendingCutPpm;
        uint40 pendingCutAt;
        bool staked;
        // slot 1: the operator's own unbonding stake; its requests hold shares of it
        Pool ownThawing;
        // slot 2: delegated stake; delegators hold shares of it
        Pool delegated;
        // slot 3: delegated unbonding stake; delegators' requests hold shares of it
        Pool delegatedThawing;
        // slot 4: the global reward per token when the operator's rewards were last settled
        uint256 rewardPerTokenPaid;
        // slot 5: rewards per delegated share, for the delegators after the operator's cut
        uint256 delegatorRewardPerShare;
        // slot 6: the operator's unclaimed rewards (own stake and cut), and the generation of each thawing pool,
        // bumped when a slash empties the pool so that requests from before hold nothing of what comes after
        uint128 rewards;
        uint32 ownThawingEpoch;
        uint32 delegatedThawingEpoch;
        // slot 7: node fees credited and not yet released to the stake: they are released linearly until
        // `feeStreamEndsAt`, by the stake of each moment, so that no moment of collection decides who shares them
        uint128 feesStreaming;
        uint40 feeStreamUpdatedAt;
        uint40 feeStreamEndsAt;
    }

    /// @notice A delegator's position with one operator.
    struct Delegation {
        // slot 0
        uint128 shares;
        uint128 rewards;
        // slot 1
        uint256 rewardPerSharePaid;
    }

    /// @notice A request to unbond: shares of a thawing pool, withdrawable from `thawingUntil`.
    struct ThawRequest {
        uint128 shares;
        uint40 thawingUntil;
        uint32 epoch;
    }

    /// @notice A staker's thaw requests with one operator, oldest first: ids `head` to `tail - 1`.
    struct ThawQueue {
        uint64 head;
        uint64 tail;
    }
}
