/**
 * The Chromium that the page tests drive with playwright-core, found without downloading anything:
 * - the system's, when there is one: CHROMIUM_PATH, else `chromium` on PATH (Debian's package);
 * - otherwise the one that comes with the devDependencies: `@sparticuz/chromium` ships a compressed headless Chromium
 *   (Linux x64) inside its npm package, unpacked once into the temporary folder.
 * OPG_BROWSER=system or OPG_BROWSER=npm forces one of the two (CI forces npm for the fallback test).
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { pathToFileURL } from "node:url";

export type BrowserSource = "system" | "npm";

export interface FoundBrowser {
  source: BrowserSource;
  /** What it is and why it was chosen, for the test's output. */
  description: string;
  /** For playwright-core's `chromium.launch` or `launchPersistentContext`. */
  launchOptions: { executablePath: string; args: string[]; env: Record<string, string | undefined> };
}

/** No background traffic: these tests reach only the loopback. */
const QUIET = [
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];
const SYSTEM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", ...QUIET];
/** Flags of @sparticuz/chromium's list left out: they weaken the page's security, which the tests never need. */
const INSECURE = ["--disable-web-security", "--allow-running-insecure-content", "--disable-site-isolation-trials"];

function executable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

/** CHROMIUM_PATH (which must then exist), else `chromium` on PATH, else undefined. */
export function systemChromium(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.CHROMIUM_PATH) {
    if (!executable(env.CHROMIUM_PATH)) throw new Error(`CHROMIUM_PATH=${env.CHROMIUM_PATH} is not an executable file`);
    return env.CHROMIUM_PATH;
  }
  for (const dir of (env.PATH ?? "").split(path.delimiter).filter(Boolean)) {
    const file = path.join(dir, "chromium");
    if (executable(file)) return file;
  }
  return undefined;
}

/** Where @sparticuz/chromium is, and its version. */
function npmPackage(): { dir: string; entry: string; version: string } {
  let entry: string;
  try {
    entry = require.resolve("@sparticuz/chromium");
  } catch {
    throw new Error("@sparticuz/chromium is not installed: npm ci installs it with the devDependencies");
  }
  const dir = path.dirname(path.dirname(entry));
  const version = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")).version as string;
  return { dir, entry, version };
}

/**
 * Runs @sparticuz/chromium (an ES module) in a child Node with TMPDIR set to `tmp`: it answers its recommended flags
 * and, with `unpack`, unpacks its browser into `tmp` (it unpacks into the temporary folder, as `tmp/chromium`).
 */
function sparticuz(entry: string, tmp: string, unpack: boolean): { args: string[]; executablePath: string | null } {
  const script = `const { default: c } = await import(process.argv[1]);
    process.stdout.write(JSON.stringify({ args: c.args, executablePath: process.argv[2] ? await c.executablePath() : null }));`;
  const out = execFileSync(
    process.execPath,
    ["--input-type=module", "-e", script, pathToFileURL(entry).href, ...(unpack ? ["unpack"] : [])],
    { env: { ...process.env, TMPDIR: tmp }, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] },
  );
  return JSON.parse(out);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * The npm package's Chromium, unpacked once into `<tmp>/opg-chromium-<version>`: into a folder of this process first,
 * renamed into place when complete, so that an interrupted unpacking or a concurrent one never leaves a half-written
 * browser to be used later.
 */
export function npmChromium(): FoundBrowser {
  if (process.platform !== "linux" || process.arch !== "x64")
    throw new Error(
      `@sparticuz/chromium ships a Chromium for Linux x64 only, not ${process.platform} ${process.arch}: ` +
        "set CHROMIUM_PATH to a Chromium or Chrome",
    );
  const pkg = npmPackage();
  const dir = path.join(os.tmpdir(), `opg-chromium-${pkg.version}`);
  const executablePath = path.join(dir, "chromium");
  let unpacked = "";
  if (!fs.existsSync(executablePath)) {
    for (const name of fs.readdirSync(os.tmpdir())) {
      const m = new RegExp(`^${path.basename(dir).replace(/\./g, "\\.")}\\.partial-(\\d+)$`).exec(name);
      if (m && !alive(Number(m[1]))) fs.rmSync(path.join(os.tmpdir(), name), { recursive: true, force: true });
    }
    const partial = `${dir}.partial-${process.pid}`;
    fs.rmSync(partial, { recursive: true, force: true });
    fs.mkdirSync(partial);
    const started = Date.now();
    const { executablePath: inPartial } = sparticuz(pkg.entry, partial, true);
    if (inPartial !== path.join(partial, "chromium"))
      throw new Error(`@sparticuz/chromium unpacked to ${inPartial}, not into ${partial}`);
    // Its fonts (Open Sans) beside the system's: text renders on a machine without any font installed.
    fs.writeFileSync(
      path.join(partial, "fonts.opg.conf"),
      `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n` +
        `  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n` +
        `  <dir>${path.join(dir, "fonts")}</dir>\n  <cachedir>${path.join(dir, "fonts-cache")}</cachedir>\n` +
        `</fontconfig>\n`,
    );
    try {
      fs.renameSync(partial, dir);
      unpacked = `, unpacked in ${((Date.now() - started) / 1000).toFixed(1)} s`;
    } catch (e) {
      // Another process put its copy in place first: use that one.
      fs.rmSync(partial, { recursive: true, force: true });
      if (!fs.existsSync(executablePath)) throw e;
    }
  }
  const { args } = sparticuz(pkg.entry, os.tmpdir(), false);
  return {
    source: "npm",
    description: `@sparticuz/chromium ${pkg.version} from npm (${executablePath}${unpacked})`,
    launchOptions: {
      executablePath,
      args: [...args.filter((a) => !INSECURE.includes(a)), ...QUIET],
      env: { ...process.env, FONTCONFIG_FILE: path.join(dir, "fonts.opg.conf") },
    },
  };
}

/** The system's Chromium if there is one, else the npm package's; OPG_BROWSER=system|npm forces one. */
export function findBrowser(env: NodeJS.ProcessEnv = process.env): FoundBrowser {
  const wanted = env.OPG_BROWSER || "auto";
  if (!["auto", "system", "npm"].includes(wanted))
    throw new Error(`OPG_BROWSER=${wanted}: expected system, npm, or nothing (the system's, else npm's)`);
  if (wanted !== "npm") {
    const system = systemChromium(env);
    if (system)
      return {
        source: "system",
        description: `the system's Chromium (${system}${env.CHROMIUM_PATH ? ", CHROMIUM_PATH" : ", on PATH"})`,
        launchOptions: { executablePath: system, args: SYSTEM_ARGS, env: { ...process.env } },
      };
    if (wanted === "system")
      throw new Error("OPG_BROWSER=system, but CHROMIUM_PATH is unset and no chromium is on PATH");
  }
  return npmChromium();
}
