/**
 * Where the CLI reads and writes: the process's streams when run as `opg`, or strings when a test runs it
 * in-process through `main(argv, env, io)`. Nothing in the CLI writes to process.stdout or reads process.stdin.
 */
import { PassThrough, Readable, Writable } from "node:stream";

export interface Io {
  stdout: Writable;
  stderr: Writable;
  /** A terminal when `isTTY`; prompts are asked only there. */
  stdin: Readable & { isTTY?: boolean };
}

export const processIo: Io = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin };

/** An Io that collects what is written, for running the CLI in-process; stdin is not a terminal. */
export function memoryIo(input = ""): Io & { out(): string; err(): string } {
  let out = "";
  let err = "";
  const sink = (append: (text: string) => void) =>
    new Writable({
      write(chunk, _encoding, done) {
        append(String(chunk));
        done();
      },
    });
  const stdin = new PassThrough();
  stdin.end(input);
  return {
    stdout: sink((t) => (out += t)),
    stderr: sink((t) => (err += t)),
    stdin,
    out: () => out,
    err: () => err,
  };
}
