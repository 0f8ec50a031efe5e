/**
 * `opg`: the operator CLI. Finds the command, checks its arguments and options before anything connects, runs it,
 * and turns every error into one line of words and an exit code (0 done, 1 failed, 2 bad arguments).
 */
import * as path from "node:path";
import * as dotenv from "dotenv";

import { GLOBAL_OPTIONS, OptionSpec, parseCommandLine } from "./args";
import { COMMANDS, Command } from "./commands";
import { checkSignerOptions } from "./connect";
import { Output, Run } from "./context";
import { EXIT_OK, UsageError, explain } from "./errors";
import { commandUsage, generalUsage, shortUsage } from "./usage";

/** Every option of every command, for parsing; which command may use which is checked after. */
function allOptions(): Record<string, OptionSpec> {
  const all: Record<string, OptionSpec> = { ...GLOBAL_OPTIONS };
  for (const command of COMMANDS) Object.assign(all, command.options);
  return all;
}

/** The command named by the first positionals (the longest match), and the positionals after its words. */
function findCommand(positionals: string[]): { command: Command; rest: string[] } {
  for (const words of [2, 1]) {
    const name = positionals.slice(0, words).join(" ");
    const command = COMMANDS.find((c) => c.name === name);
    if (command) return { command, rest: positionals.slice(words) };
  }
  const group = COMMANDS.filter((c) => c.name.startsWith(positionals[0] + " "));
  if (group.length > 0) {
    const sub = positionals[1];
    throw new UsageError(
      `${sub === undefined ? "missing" : `unknown`} command "${positionals.slice(0, 2).join(" ")}"` +
        ` (known: ${group.map((c) => c.name).join(", ")})`,
    );
  }
  throw new UsageError(`unknown command "${positionals[0]}"`);
}

/** Checks the positionals' count and that each option given belongs to the command or is global. */
function checkInvocation(command: Command, rest: string[], values: Record<string, unknown>): void {
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined || name in GLOBAL_OPTIONS || name in command.options) continue;
    throw new UsageError(`--${name}: not an option of \`opg ${command.name}\``, command.name);
  }
  const required = command.args.filter((a) => a.startsWith("<"));
  const variadic = command.args.some((a) => a.endsWith("...>") || a.endsWith("...]"));
  if (rest.length < required.length) throw new UsageError(`${required[rest.length]}: missing`, command.name);
  if (!variadic && rest.length > command.args.length)
    throw new UsageError(`unexpected argument "${rest[command.args.length]}"`, command.name);
  for (const [name, spec] of Object.entries(command.options))
    if (spec.required && values[name] === undefined) throw new UsageError(`--${name}: required`, command.name);
}

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  // RPC URLs and keys may sit in the repository's .env, as for the deployment; the environment wins.
  dotenv.config({ path: path.join(__dirname, "..", "..", ".env"), quiet: true });
  const out = new Output(argv.includes("--json"));
  let commandName: string | undefined;
  let run: Run | undefined;
  try {
    const { positionals, values } = parseCommandLine(argv, allOptions());
    if (positionals[0] === "help" || (values.help && positionals.length === 0)) {
      const named = positionals[0] === "help" ? positionals.slice(1) : [];
      process.stdout.write((named.length > 0 ? commandUsage(findCommand(named).command) : generalUsage()) + "\n");
      return EXIT_OK;
    }
    if (positionals.length === 0) throw new UsageError("no command given");
    const { command, rest } = findCommand(positionals);
    commandName = command.name;
    if (values.help) {
      process.stdout.write(commandUsage(command) + "\n");
      return EXIT_OK;
    }
    checkInvocation(command, rest, values);
    checkSignerOptions(values);
    run = new Run(command.name, rest, values, env, out);
    await command.run(run);
    return EXIT_OK;
  } catch (error) {
    const { message, exitCode } = explain(error);
    process.stderr.write(`error: ${message}\n`);
    if (error instanceof UsageError) process.stderr.write(`\n${shortUsage(error.command ?? commandName)}\n`);
    return exitCode;
  } finally {
    run?.close();
  }
}
