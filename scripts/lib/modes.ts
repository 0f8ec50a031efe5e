/**
 * The verification modes, numbered as the Solidity enum `Nodes.Mode`: one list for the CLI, the devnet, the
 * indexer, the page and the tests. A node offers a set of modes as a mask with bit `1 << mode`.
 */

export const MODES = ["none", "tee", "zk"] as const;
export type ModeName = (typeof MODES)[number];

/** `Nodes.Mode` by name, for code that means one mode: Mode.Tee. */
export const Mode = { None: 0, Tee: 1, Zk: 2 } as const;
export type Mode = (typeof Mode)[keyof typeof Mode];

/** "tee" for 1; "mode 7" for a number the enum does not have. */
export function modeName(mode: number | bigint): string {
  return MODES[Number(mode)] ?? `mode ${mode}`;
}

/** The mode of a name ("tee", any case) or of its number ("1"); undefined when it is neither. */
export function modeOf(text: string): number | undefined {
  const word = text.trim().toLowerCase();
  const mode = /^\d$/.test(word) ? Number(word) : (MODES as readonly string[]).indexOf(word);
  return mode >= 0 && mode < MODES.length ? mode : undefined;
}

/** The mode numbers set in a mask, lowest first. */
export function modesOf(mask: number | bigint): number[] {
  const m = Number(mask);
  return MODES.map((_, i) => i).filter((i) => (m & (1 << i)) !== 0);
}

/** The mask of a list of modes. */
export function maskOf(modes: Iterable<number>): number {
  let mask = 0;
  for (const mode of modes) mask |= 1 << mode;
  return mask;
}

/** A node's three prices (none, tee, zk) by mode name: { none: p0, tee: p1, zk: p2 }. */
export function byMode<T>(values: readonly T[]): Record<ModeName, T> {
  return { none: values[0], tee: values[1], zk: values[2] };
}
