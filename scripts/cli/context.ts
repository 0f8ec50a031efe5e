/**
 * What a command runs with: its arguments, the output (human lines, or JSON on stdout with the human lines on
 * stderr), a lazily made connection and signer; and the two steps of every transaction: confirm, then send and
 * show progress until the receipt.
 */
import Table from "cli-table3";
import type { ContractTransactionReceipt, ContractTransactionResponse, LogDescription } from "ethers";

import { Chain, Signer, connect, loadSigner, requireSigner } from "./connect";
import { CliError, EXIT_FAILED, EXIT_USAGE, describeRevertData, findRevertData } from "./errors";
import { toJson } from "./format";
import { Io, processIo } from "./io";
import { canAsk, confirm } from "./prompt";

/** cli-table3 without borders: columns two spaces apart, a dashed line under the header. */
const PLAIN_TABLE = {
  chars: {
    top: "",
    "top-mid": "",
    "top-left": "",
    "top-right": "",
    bottom: "",
    "bottom-mid": "",
    "bottom-left": "",
    "bottom-right": "",
    left: "",
    "left-mid": "",
    mid: "-",
    "mid-mid": "  ",
    right: "",
    "right-mid": "",
    middle: "  ",
  },
  style: { head: [], border: [], compact: true, "padding-left": 0, "padding-right": 0 },
};

export class Output {
  constructor(
    readonly json: boolean,
    readonly io: Io = processIo,
  ) {}

  /** The same streams, with or without JSON on stdout. */
  withJson(json: boolean): Output {
    return new Output(json, this.io);
  }

  /** Text as it is, on stdout: a command's whole output (a voucher, CSV). */
  raw(text: string): void {
    this.io.stdout.write(text);
  }

  /** A line for a person: stdout, or stderr when stdout carries JSON. */
  info(line = ""): void {
    (this.json ? this.io.stderr : this.io.stdout).write(line + "\n");
  }

  /** Label and value rows, the labels padded to one width. */
  rows(rows: [string, string][], indent = "  "): void {
    const width = Math.max(0, ...rows.map(([label]) => label.length));
    for (const [label, value] of rows) this.info(`${indent}${label.padEnd(width)}  ${value}`);
  }

  /** A table (cli-table3): a header row, then rows; right-aligned columns where `right[i]`. */
  table(headers: string[], rows: string[][], { right = [] as boolean[], indent = "  " } = {}): void {
    const table = new Table({
      ...PLAIN_TABLE,
      head: headers,
      colAligns: headers.map((_, i) => (right[i] ? "right" : "left")),
    });
    table.push(...rows.map((row) => headers.map((_, i) => row[i] ?? "")));
    for (const line of table.toString().split("\n")) this.info(`${indent}${line}`.trimEnd());
  }

  warn(line: string): void {
    this.io.stderr.write(`warning: ${line}\n`);
  }

  /** The machine-readable result, printed only with --json. */
  result(value: unknown): void {
    if (this.json) this.io.stdout.write(toJson(value) + "\n");
  }
}

export class Run {
  private chainPromise?: Promise<Chain>;
  private signerPromise?: Promise<Signer | undefined>;

  constructor(
    /** The command's name: "node register". */
    readonly command: string,
    /** The positional arguments after the command's words. */
    readonly args: string[],
    readonly values: Record<string, string | boolean | undefined>,
    readonly env: NodeJS.ProcessEnv,
    readonly out: Output,
  ) {}

  get io(): Io {
    return this.out.io;
  }

  option(name: string): string | undefined {
    return this.values[name] as string | undefined;
  }

  flag(name: string): boolean {
    return this.values[name] === true;
  }

  chain(): Promise<Chain> {
    this.chainPromise ??= connect(this.values, this.env);
    return this.chainPromise;
  }

  async optionalSigner(): Promise<Signer | undefined> {
    const chain = await this.chain();
    this.signerPromise ??= loadSigner(this.values, this.env, chain, this.io);
    return this.signerPromise;
  }

  async signer(): Promise<Signer> {
    return requireSigner(await this.optionalSigner(), this.command);
  }

  /** Closes the connection, so that the process can exit. */
  close(): void {
    void this.chainPromise?.then((c) => c.provider.destroy()).catch(() => undefined);
  }

  /**
   * Shows what a transaction that moves tokens will do and asks "Proceed? [y/N]". --yes skips the question;
   * without a terminal and without --yes, it refuses and nothing is sent.
   */
  async confirm(title: string, rows: [string, string][]): Promise<void> {
    const chain = await this.chain();
    this.out.info(title);
    this.out.rows([...rows, ["network", chain.label]]);
    if (this.flag("yes")) return;
    if (!canAsk(this.io))
      throw new CliError(
        'not confirmed: there is no terminal to ask "Proceed? [y/N]"; pass --yes to send without asking. Nothing was sent.',
        EXIT_USAGE,
      );
    if (!(await confirm(this.io))) throw new CliError("aborted: nothing was sent", EXIT_FAILED);
  }

  /** Sends a transaction (estimated first, so that a revert is decoded before anything is sent) and waits for it. */
  async send(what: string, sending: Promise<ContractTransactionResponse>): Promise<ContractTransactionReceipt> {
    const chain = await this.chain();
    const tx = await sending;
    this.out.info(`${what}: sent ${tx.hash}, waiting for it to be mined...`);
    let receipt: ContractTransactionReceipt | null;
    try {
      receipt = await tx.wait();
    } catch (error) {
      const failed = (error as { receipt?: ContractTransactionReceipt }).receipt;
      if (!failed) throw error;
      throw new CliError(
        `${what}: transaction ${tx.hash} failed in block ${failed.blockNumber}${await why(failed.blockNumber)}`,
      );
    }
    if (!receipt) throw new CliError(`${what}: transaction ${tx.hash} was replaced or dropped`);
    this.out.info(`  confirmed in block ${receipt.blockNumber}`);
    return receipt;

    /** Replays a failed transaction on the state before its block, for the revert's words. */
    async function why(block: number): Promise<string> {
      try {
        await chain.provider.call({ to: tx.to, from: tx.from, data: tx.data, value: tx.value, blockTag: block - 1 });
        return "";
      } catch (error) {
        const data = findRevertData(error);
        return data ? `: ${describeRevertData(data)}` : "";
      }
    }
  }
}

/** The events named `name` that `contract` emitted in a receipt. */
export function eventsIn(
  receipt: ContractTransactionReceipt,
  contract: {
    target: unknown;
    interface: { parseLog(log: { topics: string[]; data: string }): LogDescription | null };
  },
  name: string,
): LogDescription[] {
  const address = String(contract.target).toLowerCase();
  const found: LogDescription[] = [];
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== address) continue;
    const parsed = contract.interface.parseLog({ topics: [...log.topics], data: log.data });
    if (parsed?.name === name) found.push(parsed);
  }
  return found;
}
