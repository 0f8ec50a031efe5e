/**
 * Where a Ponder process spends its CPU: a V8 CPU profile of a window (cpu-profile-hook.cjs, preloaded into the
 * process), summed by function and by package. Used by run.ts on one `ponder serve` reader under load, and on each
 * app's cold sync.
 */
import * as fs from "node:fs";
import * as path from "node:path";

interface CpuNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: CpuNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface CpuSummary {
  /** Milliseconds sampled in the window, idle excluded. */
  busyMs: number;
  idleMs: number;
  /** The heaviest functions by self time, and the packages (node_modules/<name>, node:, our own code) likewise. */
  functions: { name: string; ms: number; share: number }[];
  packages: { name: string; ms: number; share: number }[];
}

/** The package a script belongs to: node_modules/<name> (scoped too), Node's own, or the file's folder. */
function packageOf(url: string): string {
  if (url === "") return "(V8 / native)";
  if (url.startsWith("node:")) return "node: (Node.js core)";
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1];
  return path
    .relative(process.cwd(), url.replace(/^file:\/\//, ""))
    .split("/")
    .slice(0, 3)
    .join("/");
}

/** Sums the samples of `file` (a .cpuprofile) by function and by package; lists the `top` heaviest of each. */
export function summariseCpuProfile(file: string, top = { functions: 12, packages: 10 }): CpuSummary {
  const profile = JSON.parse(fs.readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const fns = new Map<string, number>();
  const pkgs = new Map<string, number>();
  let busy = 0;
  let idle = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    const frame = byId.get(profile.samples[i])!.callFrame;
    if (frame.functionName === "(idle)") {
      idle += ms;
      continue;
    }
    busy += ms;
    const where = frame.url ? `${packageOf(frame.url)} ${path.basename(frame.url)}:${frame.lineNumber + 1}` : "";
    const name = `${frame.functionName || "(anonymous)"}${where ? ` (${where})` : ""}`;
    fns.set(name, (fns.get(name) ?? 0) + ms);
    const pkg = frame.url ? packageOf(frame.url) : frame.functionName;
    pkgs.set(pkg, (pkgs.get(pkg) ?? 0) + ms);
  }
  const heaviest = (m: Map<string, number>, n: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([name, ms]) => ({ name, ms: Math.round(ms), share: busy ? Math.round((ms / busy) * 1000) / 10 : 0 }));
  return {
    busyMs: Math.round(busy),
    idleMs: Math.round(idle),
    functions: heaviest(fns, top.functions),
    packages: heaviest(pkgs, top.packages),
  };
}
