/**
 * `opg`: the operator CLI, on commander. The command table (./commands) becomes a commander program: one
 * subcommand per command (groups such as `node` hold theirs), its arguments and options, its help. Commander
 * parses; its errors are said in the CLI's words, naming the bad argument. Then the command runs, and every
 * error becomes one line of words and an exit code (0 done, 1 failed, 2 bad arguments).
 *
 * `main(argv, env, io)` runs in-process: it writes only to `io` and reads only `env`, so that tests call it
 * directly and several runs may go at once.
 */
import * as path from "node:path";
import { Command as Program, CommanderError, Option } from "commander";
import * as dotenv from "dotenv";

import { GLOBAL_OPTIONS, OptionSpec } from "./args";
import { COMMANDS, Command } from "./commands";
import { checkSignerOptions } from "./connect";
import { Output, Run } from "./context";
import { EXIT_OK, UsageError, explain } from "./errors";
import { Io, processIo } from "./io";
import { FOOTER, generalUsage, shortUsage } from "./usage";

/** A commander command that knows which table entry it is, so that its parse errors can name it. */
class OpgProgram extends Program {
  opgCommand?: Command;

  createCommand(name?: string): OpgProgram {
    return new OpgProgram(name);
  }

  error(message: string, options?: { code?: string; exitCode?: number }): never {
    try {
      return super.error(message, options);
    } catch (error) {
      if (error instanceof CommanderError) throw usageErrorOf(error, this.opgCommand);
      throw error;
    }
  }
}

function optionOf(name: string, spec: OptionSpec): Option {
  const flags = `${spec.short ? `-${spec.short}, ` : ""}--${name}${spec.value ? ` ${spec.value}` : ""}`;
  const option = new Option(flags, spec.required ? `${spec.description} (required)` : spec.description);
  if (spec.required) option.makeOptionMandatory();
  return option;
}

/** The option (as "--name") that a commander message quotes: "'--capacity <n>'" or "'--capacity'". */
const quotedOption = (message: string) => /'(-\w, )?(--[\w-]+)[^']*'/.exec(message)?.[2];

/** Commander's parse errors in the CLI's words: the bad argument first, then what is wrong with it. */
function usageErrorOf(error: CommanderError, command: Command | undefined): UsageError {
  const name = command?.name;
  const option = quotedOption(error.message);
  switch (error.code) {
    case "commander.unknownOption": {
      const flag = /unknown option '([^']+)'/.exec(error.message)?.[1] ?? option ?? "";
      const elsewhere = COMMANDS.some((c) => Object.keys(c.options).some((o) => `--${o}` === flag));
      if (command && elsewhere) return new UsageError(`${flag}: not an option of \`opg ${name}\``, name);
      return new UsageError(`unknown option ${flag}`, name);
    }
    case "commander.optionMissingArgument":
      return new UsageError(`${option}: missing its value`, name);
    case "commander.missingMandatoryOptionValue":
      return new UsageError(`${option}: required`, name);
    case "commander.missingArgument": {
      const arg = /missing required argument '([^']+)'/.exec(error.message)?.[1];
      const spec = command?.args.find((a) => a.slice(1, -1).replace(/\.\.\.$/, "") === arg) ?? `<${arg}>`;
      return new UsageError(`${spec}: missing`, name);
    }
    case "commander.unknownCommand":
      return new UsageError(`unknown command "${/'([^']+)'/.exec(error.message)?.[1]}"`);
    default:
      return new UsageError(error.message.replace(/^error: /, ""), name);
  }
}

/** Every option given, by its name in the table ("tee-measurement"), from the command and the program. */
function valuesOf(cmd: Program, names: string[]): Record<string, string | boolean | undefined> {
  const given = cmd.optsWithGlobals() as Record<string, string | boolean | undefined>;
  const values: Record<string, string | boolean | undefined> = {};
  for (const name of names) {
    const key = name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    if (given[key] !== undefined) values[name] = given[key];
  }
  return values;
}

/** What the program found to run: the command, its positionals, its options. */
interface Invocation {
  command: Command;
  rest: string[];
  values: Record<string, string | boolean | undefined>;
}

/** The commander program of the command table; the command chosen is handed to `chosen`. */
export function buildProgram(io: Io, chosen: (invocation: Invocation) => void): Program {
  const program = new OpgProgram("opg");
  const help = { helpWidth: 120, showGlobalOptions: true, sortOptions: false };
  program
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
      outputError: () => undefined, // said by main, in the CLI's words
    })
    .helpCommand(false)
    .configureHelp(help)
    .helpOption("-h, --help", "show help")
    .allowExcessArguments(true)
    .action((_options, cmd: Program) => {
      throw cmd.args.length === 0
        ? new UsageError("no command given")
        : usageErrorOf(
            new CommanderError(2, "commander.unknownCommand", `unknown command '${cmd.args[0]}'`),
            undefined,
          );
    });
  // The general help lists every command with its arguments, which commander's tree of groups would not.
  program.helpInformation = () => generalUsage() + "\n";
  for (const [name, spec] of Object.entries(GLOBAL_OPTIONS))
    if (name !== "help") program.addOption(optionOf(name, spec));

  const groups = new Map<string, OpgProgram>();
  const groupOf = (word: string): OpgProgram => {
    let group = groups.get(word) ?? (program.commands.find((c) => c.name() === word) as OpgProgram | undefined);
    if (!group) {
      const members = COMMANDS.filter((c) => c.name.startsWith(word + " "));
      group = program
        .command(word)
        .description(`${members.map((c) => c.name).join(", ")}`)
        .allowExcessArguments(true)
        .action((_options, cmd: Program) => {
          const sub = cmd.args[0];
          throw new UsageError(
            `${sub === undefined ? "missing" : "unknown"} command "${[word, ...cmd.args.slice(0, 1)].join(" ")}"` +
              ` (known: ${members.map((c) => c.name).join(", ")})`,
          );
        }) as OpgProgram;
    }
    groups.set(word, group);
    return group;
  };

  for (const command of COMMANDS) {
    const words = command.name.split(" ");
    const parent = words.length === 1 ? program : groupOf(words[0]);
    const leafName = words.at(-1)!;
    // A word that is both a command and a group (`escrow [address]` and `escrow deposit`): the group runs it.
    const existing = parent.commands.find((c) => c.name() === leafName) as OpgProgram | undefined;
    const cmd = existing ?? (parent.command(leafName) as OpgProgram);
    cmd.opgCommand = command;
    cmd.description(command.summary).configureHelp(help).allowExcessArguments(true);
    for (const arg of command.args) cmd.argument(arg);
    for (const [name, spec] of Object.entries(command.options)) cmd.addOption(optionOf(name, spec));
    cmd.addHelpText("after", `\n${FOOTER.join("\n")}`);
    const names = [...Object.keys(GLOBAL_OPTIONS), ...Object.keys(command.options)];
    cmd.action((...params: unknown[]) => {
      const self = params.at(-1) as Program;
      const rest = self.args;
      const variadic = command.args.some((a) => a.endsWith("...>") || a.endsWith("...]"));
      if (!variadic && rest.length > command.args.length)
        throw new UsageError(`unexpected argument "${rest[command.args.length]}"`, command.name);
      chosen({ command, rest, values: valuesOf(self, names) });
    });
  }
  return program;
}

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env, io: Io = processIo): Promise<number> {
  // RPC URLs and keys may sit in the repository's .env, as for the deployment; the environment wins. A caller that
  // passes its own environment (a test) gets exactly that.
  if (env === process.env) dotenv.config({ path: path.join(__dirname, "..", "..", ".env"), quiet: true });
  const out = new Output(argv.includes("--json"), io);
  let invocation: Invocation | undefined;
  let run: Run | undefined;
  try {
    // A negative amount would otherwise be read as a short option: say what it is.
    const negative = argv.find((arg) => /^-\d/.test(arg));
    if (negative !== undefined) throw new UsageError(`negative values are not accepted: got "${negative}"`);
    // `opg help node register` is `opg node register --help`.
    const args = argv[0] === "help" ? [...argv.slice(1), "--help"] : argv;
    buildProgram(io, (chosen) => (invocation = chosen)).parse(args, { from: "user" });
    if (!invocation) throw new UsageError("no command given");
    const { command, rest, values } = invocation;
    checkSignerOptions(values);
    run = new Run(command.name, rest, values, env, out);
    await command.run(run);
    return EXIT_OK;
  } catch (error) {
    if (
      error instanceof CommanderError &&
      (error.code === "commander.helpDisplayed" || error.code === "commander.help")
    )
      return EXIT_OK;
    const { message, exitCode } = explain(error);
    io.stderr.write(`error: ${message}\n`);
    if (error instanceof UsageError) io.stderr.write(`\n${shortUsage(error.command ?? invocation?.command.name)}\n`);
    return exitCode;
  } finally {
    run?.close();
  }
}
