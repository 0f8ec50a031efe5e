// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

import {PPM} from "../../libraries/PPM.sol";
import {Stakes} from "../../types/Stakes.sol";

/// @title StakingRewards
/// @notice The reward math of staking: the emission stream, an operator's accrual under the global reward per
/// token, a delegation's under its operator's reward per share, and the release and split of node fees.
/// @dev Each part rounds down: together the parts never exceed what the stream or the fees handed out.
library StakingRewards {
    /// @notice Scale of the reward accumulators: rewards of 1e26 over a stake of 1 wei still fit in 256 bits.
    uint256 internal constant PRECISION = 1e27;

    /// @notice Parts per million, the unit of the operator's cut.

    /// @notice What a stream of `total` from `start` over `duration` has emitted at `time`: linear, then all of it.
    function emittedAt(uint256 total, uint64 start, uint64 duration, uint64 time) internal pure returns (uint256) {
        if (time <= start) return 0;
        uint256 elapsed = Math.min(time - start, duration);
        return (total * elapsed) / duration;
    }

    /// @notice The reward per token after `emitted` more over `active` tokens.
    function perTokenAfter(uint256 perToken, uint256 emitted, uint256 active) internal pure returns (uint256) {
        return perToken + Math.mulDiv(emitted, PRECISION, active);
    }

    /// @notice What the operator and its delegators earned since the operator was last settled, at `current`: the
    /// operator's own stake's part and its cut, and the increase of the reward per delegated share.
    function operatorAccrual(
        Stakes.Operator storage o,
        uint256 current
    ) internal view returns (uint256 operatorShare, uint256 perShareIncrease) {
        uint256 delta = current - o.rewardPerTokenPaid;
        if (delta == 0) return (0, 0);
        uint256 ownPart = Math.mulDiv(o.ownActive, delta, PRECISION);
        uint256 delegatedPart = Math.mulDiv(o.delegated.tokens, delta, PRECISION);
        uint256 cut = PPM.mulPpm(delegatedPart, o.cutPpm);
        operatorShare = ownPart + cut;
        uint256 shares = o.delegated.shares;
        if (shares > 0) perShareIncrease = Math.mulDiv(delegatedPart - cut, PRECISION, shares);
    }

    /// @notice What a delegation earned since it was last settled, at its operator's reward per share `current`.
    function delegatorAccrual(Stakes.Delegation storage d, uint256 current) internal view returns (uint256) {
        return Math.mulDiv(d.shares, current - d.rewardPerSharePaid, PRECISION);
    }

    /// @notice What the operator's fee stream has released since its last update, as of now: linear to its end.
    function releasedFees(Stakes.Operator storage o) internal view returns (uint256) {
        uint256 streaming = o.feesStreaming;
        if (streaming == 0) return 0;
        uint256 endsAt = o.feeStreamEndsAt;
        if (block.timestamp >= endsAt) return streaming;
        uint256 updatedAt = o.feeStreamUpdatedAt;
        return (streaming * (block.timestamp - updatedAt)) / (endsAt - updatedAt);
    }

    /// @notice How released fees split at the stake of this moment: the delegated stake's part, after the
    /// operator's cut, per delegated share; the rest (own stake's part, the cut and the rounding) the operator's.
    function feeSplit(
        Stakes.Operator storage o,
        uint256 amount
    ) internal view returns (uint256 operatorShare, uint256 perShareIncrease) {
        if (amount == 0) return (0, 0);
        uint256 delegatedTokens = o.delegated.tokens;
        uint256 active = uint256(o.ownActive) + delegatedTokens;
        uint256 delegatedPart = active == 0 ? 0 : (amount * delegatedTokens) / active;
        uint256 toDelegators = delegatedPart - PPM.mulPpm(delegatedPart, o.cutPpm);
        if (toDelegators > 0) perShareIncrease = Math.mulDiv(toDelegators, PRECISION, o.delegated.shares);
        operatorShare = amount - toDelegators;
    }
}
