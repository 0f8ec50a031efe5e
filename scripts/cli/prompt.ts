/**
 * Questions on the terminal, through @inquirer/prompts: a yes/no confirmation and a password read without echo.
 * They are asked on the run's stdin and drawn on its stderr (stdout stays the command's output, for --json).
 */
import type { Io } from "./io";

/** @inquirer/prompts, loaded when a question is asked: most runs ask none, and it is the heaviest dependency. */
const inquirer = () => import("@inquirer/prompts");

/** Whether there is a person at a terminal to ask. */
export function canAsk(io: Io): boolean {
  return Boolean(io.stdin.isTTY);
}

/** "Proceed? (y/N)": true only when the person answers yes. */
export async function confirm(io: Io, message = "Proceed?"): Promise<boolean> {
  return (await inquirer()).confirm({ message, default: false }, { input: io.stdin, output: io.stderr });
}

/** Reads a secret without echoing it (a keystore password). */
export async function askHidden(io: Io, message: string): Promise<string> {
  return (await inquirer()).password({ message }, { input: io.stdin, output: io.stderr });
}
