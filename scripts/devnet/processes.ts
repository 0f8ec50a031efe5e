/**
 * The processes `npm start` runs: each child in its own process group (so that a child's own children go with it),
 * its output in a log file, and all of them stopped together, on Ctrl-C, on SIGTERM, or when one of them dies.
 */
import { ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as net from "node:net";

export interface Child {
  name: string;
  pid: number;
  log: string;
  process: ChildProcess;
  /** Everything the child printed so far (also in `log`). */
  output(): string;
  exited(): boolean;
}

/** A port we are about to listen on, and the flag that chooses another. */
export interface PortUse {
  port: number;
  host: string;
  /** "the hardhat node's JSON-RPC" */
  name: string;
  flag: string;
}

/** Resolves to undefined when `port` is free on `host`, or to the reason it is not. */
export function portProblem(port: number, host: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
    server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(undefined)));
  });
}

/** Every port that is taken, each as a line naming it and the flag to choose another. */
export async function takenPorts(uses: PortUse[]): Promise<string[]> {
  const lines: string[] = [];
  for (const use of uses) {
    const problem = await portProblem(use.port, use.host);
    if (problem === "EADDRINUSE")
      lines.push(`port ${use.port} (${use.name}) is already in use: choose another with ${use.flag} <port>`);
    else if (problem !== undefined)
      lines.push(`port ${use.port} (${use.name}) cannot be used (${problem}): choose another with ${use.flag} <port>`);
  }
  return lines;
}

export class Supervisor {
  readonly children: Child[] = [];
  private stopping: Promise<void> | undefined;
  /** Called once when a child exits on its own (not stopped by us). */
  onUnexpectedExit: (child: Child, code: number | null, signal: NodeJS.Signals | null) => void = () => undefined;

  /** Starts `command` detached (its own process group), output to `log`. */
  start(name: string, command: string, args: string[], options: { cwd: string; env: NodeJS.ProcessEnv; log: string }) {
    const out = fs.openSync(options.log, "w");
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const collect = (data: Buffer) => {
      fs.writeSync(out, data);
      // Only the tail is kept in memory: enough to report why a child died.
      output = (output + data.toString()).slice(-20_000);
    };
    child.stdout!.on("data", collect);
    child.stderr!.on("data", collect);
    let exited = false;
    child.once("exit", (code, signal) => {
      exited = true;
      fs.closeSync(out);
      if (!this.stopping) this.onUnexpectedExit(entry, code, signal);
    });
    if (child.pid === undefined) throw new Error(`${name}: could not start ${command}`);
    const entry: Child = {
      name,
      pid: child.pid,
      log: options.log,
      process: child,
      output: () => output,
      exited: () => exited,
    };
    this.children.push(entry);
    return entry;
  }

  /** True once stopAll has been called: errors from children being stopped are expected then. */
  get isStopping(): boolean {
    return this.stopping !== undefined;
  }

  /** Stops every child, newest first: SIGTERM to its process group, SIGKILL after `graceMs`. Idempotent. */
  stopAll(graceMs = 5_000): Promise<void> {
    this.stopping ??= (async () => {
      for (const child of [...this.children].reverse()) await stopGroup(child, graceMs);
    })();
    return this.stopping;
  }
}

/** True while any process of the group `pgid` is alive. */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function stopGroup(child: Child, graceMs: number): Promise<void> {
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-child.pid, sig);
    } catch {
      // the group is already gone
    }
  };
  signal("SIGTERM");
  const deadline = Date.now() + graceMs;
  // The leader may exit before the rest of its group: wait for the whole group.
  while (groupAlive(child.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  if (groupAlive(child.pid)) {
    signal("SIGKILL");
    while (groupAlive(child.pid)) await new Promise((r) => setTimeout(r, 50));
  }
}
