/** Event queries from the deployment's start block, split into smaller ranges when an RPC refuses a large one. */

/**
 * Runs `query` over [from, to]. When the RPC refuses the range (hosted RPCs cap getLogs at some thousands of
 * blocks), runs it over each half, down to ranges of 1,000 blocks; an RPC that fails even on one block fails here.
 */
export async function queryRange<T>(
  query: (from: number, to: number) => Promise<T[]>,
  from: number,
  to: number,
  probed = false,
): Promise<T[]> {
  if (from > to) return [];
  try {
    return await query(from, to);
  } catch (error) {
    if (to - from < 1_000) throw error;
    if (!probed) await query(to, to); // throws when the RPC fails whatever the range
    const mid = from + Math.floor((to - from) / 2);
    return [...(await queryRange(query, from, mid, true)), ...(await queryRange(query, mid + 1, to, true))];
  }
}
