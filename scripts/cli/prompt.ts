/**
 * Questions on the terminal, through @inquirer/prompts: a yes/no confirmation and a password read without echo.
 * They are asked on the run's stdin and drawn on its stderr (stdout stays the command's output, for --json).
 */
import { confirm as askConfirm, password } from "@inquirer/prompts";

import type { Io } from "./io";

/** Whether there is a person at a terminal to ask. */
export function canAsk(io: Io): boolean {
  return Boolean(io.stdin.isTTY);
}

/** "Proceed? (y/N)": true only when the person answers yes. */
export function confirm(io: Io, message = "Proceed?"): Promise<boolean> {
  return askConfirm({ message, default: false }, { input: io.stdin, output: io.stderr });
}

/** Reads a secret without echoing it (a keystore password). */
export function askHidden(io: Io, message: string): Promise<string> {
  return password({ message }, { input: io.stdin, output: io.stderr });
}
