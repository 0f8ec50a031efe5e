/**
 * What a volume of inferences and proofs would cost to settle on chain with each method: transactions needed
 * (rounded up: a part-filled batch costs as much as a full one, near enough), gas, and ETH at an assumed gas price.
 */
export interface Method {
  method: string;
  /** Gas of one transaction of this method. */
  gasPerTransaction: bigint;
  /** Inferences (or proof records) one transaction settles. */
  perTransaction: bigint;
}

export interface Settlement extends Method {
  transactions: bigint;
  gas: bigint;
  /** Wei at the assumed gas price. */
  wei: bigint;
}

export function settle(volume: bigint, methods: Method[], gasPriceWei: bigint): Settlement[] {
  if (volume <= 0n) throw new Error(`volume must be positive, got ${volume}`);
  return methods.map((m) => {
    if (m.perTransaction <= 0n)
      throw new Error(`${m.method}: perTransaction must be positive, got ${m.perTransaction}`);
    const transactions = (volume + m.perTransaction - 1n) / m.perTransaction;
    const gas = transactions * m.gasPerTransaction;
    return { ...m, transactions, gas, wei: gas * gasPriceWei };
  });
}

/** Wei as ETH with at most `digits` decimals, for a table. */
export function formatEth(wei: bigint, digits = 6): string {
  const scale = 10n ** BigInt(18 - digits);
  const rounded = (wei + scale / 2n) / scale;
  const whole = rounded / 10n ** BigInt(digits);
  const fraction = (rounded % 10n ** BigInt(digits)).toString().padStart(digits, "0").replace(/0+$/, "");
  return `${whole.toLocaleString("en-US")}${fraction ? "." + fraction : ""}`;
}
