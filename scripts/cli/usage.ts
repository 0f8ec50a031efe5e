/** Help text: the general usage (every command with its arguments) and the usage line after a bad argument. Each
 * command's own help is commander's, with FOOTER after it. */
import { GLOBAL_OPTIONS, OptionSpec } from "./args";
import { COMMANDS, Command } from "./commands";

function optionUsage(name: string, spec: OptionSpec): string {
  const text = `--${name}${spec.value ? ` ${spec.value}` : ""}`;
  return spec.required ? text : `[${text}]`;
}

export function commandLine(command: Command): string {
  return [
    "opg",
    command.name,
    ...command.args,
    ...Object.entries(command.options).map(([n, s]) => optionUsage(n, s)),
  ].join(" ");
}

function optionRows(options: Record<string, OptionSpec>): string[] {
  const rows = Object.entries(options).map(([name, spec]) => [
    `${spec.short ? `-${spec.short}, ` : ""}--${name}${spec.value ? ` ${spec.value}` : ""}`,
    spec.description,
  ]);
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`);
}

export const FOOTER = [
  "Signing key: env OPG_PRIVATE_KEY, or --keystore <file>, or --account <n> on a local chain (31337).",
  "Amounts are in OPG with decimals (1500.5), never wei. Transactions that move tokens ask",
  '"Proceed? [y/N]" first; --yes skips it, and without a terminal --yes is required.',
  "Voucher and proof files are JSON; amounts in them are wei, as decimal strings. Signing a voucher sends nothing.",
  "Exit codes: 0 done; 1 a failed transaction, a revert or a chain error; 2 bad arguments (nothing sent).",
  "Run it from the repository: npx opg <command>, or npm run opg -- <command>.",
];

export function generalUsage(): string {
  const lines = COMMANDS.map((c) => [
    ["opg", c.name, ...c.args].join(" ") + (Object.keys(c.options).length > 0 ? " [options]" : ""),
    c.summary,
  ]);
  const width = Math.max(...lines.map(([left]) => left.length));
  return [
    "usage: opg <command> [arguments] [options]",
    "",
    "commands:",
    ...lines.map(([left, right]) => `  ${left.padEnd(width)}  ${right}`),
    "",
    "options of every command:",
    ...optionRows(GLOBAL_OPTIONS),
    "",
    ...FOOTER,
    "`opg <command> --help` shows a command's options.",
  ].join("\n");
}

/** What follows an error about the arguments: the command's usage line, or the list of commands. */
export function shortUsage(name?: string): string {
  const command = COMMANDS.find((c) => c.name === name);
  if (command) return `usage: ${commandLine(command)}\n(opg ${command.name} --help for the options)`;
  const lines = COMMANDS.map((c) => `  ${["opg", c.name, ...c.args].join(" ")}`);
  return ["usage: opg <command> [arguments] [options]", "", "commands:", ...lines, "", "(opg --help for more)"].join(
    "\n",
  );
}
