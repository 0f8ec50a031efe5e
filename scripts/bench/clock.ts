/**
 * A chain clock that ignores the wall clock. Hardhat stamps a new block with its start date plus the real time
 * elapsed since, and calldata carries timestamps (vesting terms, voucher dates) whose zero bytes cost less than
 * the others: figures would then move by a few gas from one run to the next. Pinned, every block is stamped one
 * second after the one before, unless a scenario sets or moves the time itself, and a run repeats exactly.
 */
import type { EthereumProvider } from "hardhat/types";

/** Methods that mine a block. */
const MINING = new Set(["eth_sendTransaction", "eth_sendRawTransaction", "evm_mine", "hardhat_mine"]);

export function pinClock(provider: EthereumProvider): void {
  const send = provider.send.bind(provider);
  // Seconds a scenario asked to move (evm_increaseTime), and whether it set the next block's time itself.
  let skip = 0n;
  let set = false;
  provider.send = async (method: string, params?: unknown[]) => {
    if (method === "evm_setNextBlockTimestamp") set = true;
    if (method === "evm_increaseTime") {
      skip += BigInt(params![0] as number | string);
      return Number(skip);
    }
    if (MINING.has(method)) {
      if (!set) {
        const latest = (await send("eth_getBlockByNumber", ["latest", false])) as { timestamp: string };
        await send("evm_setNextBlockTimestamp", [Number(BigInt(latest.timestamp) + 1n + skip)]);
      }
      set = false;
      skip = 0n;
    }
    return send(method, params);
  };
}
