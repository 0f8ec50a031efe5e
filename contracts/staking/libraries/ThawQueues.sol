// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Stakes} from "../../types/Stakes.sol";
import {SharePool} from "./SharePool.sol";

/// @title ThawQueues
/// @notice The one walk of a staker's thaw requests with an operator, oldest first, that values them against
/// their thawing pool as a withdrawal takes them; {Staking} withdraws, and its views report, through it.
/// @dev A request withdrawn out of order leaves a hole (thawingUntil 0) until the head passes it; the walk skips
/// holes. A request of an older epoch (from before a slash emptied the pool) holds nothing.
library ThawQueues {
    using SharePool for Stakes.Pool;

    /// @notice Which requests a pass of the walk takes from the pool.
    /// @custom:value Thawed The thawed requests, in order, until their value reaches `limit`: what a withdrawal
    /// takes. The request the limit reaches gives its whole shares up to the limit, and the pass stops there.
    /// @custom:value Rest After a `Thawed` pass: every request it left, the rest of the one it stopped at included.
    /// @custom:value All Every request, listed with its value.
    enum Pass {
        Thawed,
        Rest,
        All
    }

    /// @notice The state a walk carries from request to request, and from one pass to the next.
    /// @param pool The thawing pool as the requests taken so far leave it.
    /// @param epoch The pool's epoch.
    /// @param limit The most a `Thawed` pass may take (what pending slashes leave free).
    /// @param count The requests the last pass went through (for `Thawed`: those a withdrawal deletes).
    /// @param stopId The request a `Thawed` pass stopped at, or `type(uint256).max`.
    /// @param stopShares The shares the `Thawed` pass took from that request.
    /// @param nextThawingUntil The earliest end of thawing among the requests not yet thawed, or 0.
    /// @dev Only ever in memory, so it is laid out for reading, not packing.
    // solhint-disable-next-line gas-struct-packing
    struct Walk {
        Stakes.Pool pool;
        uint32 epoch;
        uint256 limit;
        uint256 count;
        uint256 stopId;
        uint256 stopShares;
        uint64 nextThawingUntil;
    }

    /// @notice The requests of an `All` pass, in order: ids, values and ends of thawing, or empty arrays if the
    /// pass need not list them.
    struct Listing {
        uint256[] ids;
        uint256[] amounts;
        uint64[] thawingUntil;
    }

    /// @notice A walk of a pool from its epoch, with `limit` for its `Thawed` pass, not yet stopped.
    function start(Stakes.Pool memory pool, uint32 epoch, uint256 limit) internal pure returns (Walk memory) {
        return
            Walk({
                pool: pool,
                epoch: epoch,
                limit: limit,
                count: 0,
                stopId: type(uint256).max,
                stopShares: 0,
                nextThawingUntil: 0
            });
    }

    /// @notice Walks the requests with ids `head` to `end - 1` in one pass and returns the value it took.
    function walk(
        mapping(uint256 id => Stakes.ThawRequest) storage requests,
        uint256 head,
        uint256 end,
        Pass pass,
        Walk memory w,
        Listing memory listing
    ) internal view returns (uint256 amount) {
        w.count = 0;
        for (uint256 id = head; id < end; ++id) {
            Stakes.ThawRequest storage request = requests[id];
            uint64 until = request.thawingUntil;
            if (until == 0) continue;
            bool thawed = until <= block.timestamp;
            if (!thawed && (w.nextThawingUntil == 0 || until < w.nextThawingUntil)) w.nextThawingUntil = until;
            if (pass == Pass.Thawed ? !thawed : pass == Pass.Rest && thawed && id < w.stopId) continue;
            uint256 value;
            if (request.epoch == w.epoch) {
                if (pass != Pass.Thawed) {
                    value = w.pool.take(id == w.stopId ? request.shares - w.stopShares : request.shares);
                } else {
                    (uint256 taken, uint256 shares, bool whole) = w.pool.takeUpTo(request.shares, w.limit - amount);
                    if (!whole) {
                        (w.stopId, w.stopShares) = (id, shares);
                        return amount + taken;
                    }
                    value = taken;
                }
            }
            if (listing.ids.length > 0) {
                (listing.ids[w.count], listing.amounts[w.count], listing.thawingUntil[w.count]) = (id, value, until);
            }
            amount += value;
            ++w.count;
        }
    }

    /// @notice After a withdrawal's `Thawed` pass of ids `head` to `end - 1`: deletes the requests it took whole,
    /// takes its shares from the one it stopped at, and moves the queue's head past the holes.
    function removeTaken(
        Stakes.ThawQueue storage queue,
        mapping(uint256 id => Stakes.ThawRequest) storage requests,
        uint256 end,
        Walk memory w
    ) internal {
        uint256 head = queue.head;
        uint256 last = end < w.stopId ? end : w.stopId;
        for (uint256 id = head; id < last; ++id) {
            uint64 until = requests[id].thawingUntil;
            if (until != 0 && until <= block.timestamp) delete requests[id];
            else if (until != 0) continue;
            // A hole, old or new: the head passes it if nothing open is before it.
            if (id == head) ++head;
        }
        if (w.stopId != type(uint256).max) requests[w.stopId].shares -= uint128(w.stopShares);
        else {
            uint256 tail = queue.tail;
            while (head < tail && requests[head].thawingUntil == 0) ++head;
        }
        queue.head = uint64(head);
    }
}
