/**
 * Files written by a script from a single source and checked in: the script writes its file, or with `--check` (in
 * `npm run lint`) fails when the checked-in copy is not what the source gives now.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import prettier from "prettier";

/** Whether `target` holds exactly `printed`. */
export function isCurrent(target: string, printed: string): boolean {
  return fs.existsSync(target) && fs.readFileSync(target, "utf8") === printed;
}

/**
 * The command line of a generator: with `--check` among `argv`, sets exit code 1 and names `command` when the file is
 * stale; else writes it (only when it changed). Returns whether it was, or would be, changed.
 */
export function writeOrCheck(target: string, printed: string, command: string, argv = process.argv): boolean {
  const relative = path.relative(process.cwd(), target);
  const stale = !isCurrent(target, printed);
  if (argv.includes("--check")) {
    if (stale) {
      console.error(`${relative} is stale: run ${command}`);
      process.exitCode = 1;
    }
  } else if (stale) {
    fs.writeFileSync(target, printed);
    console.log(`wrote ${relative}`);
  }
  return stale;
}

/** `text` as Prettier prints `target`: the repository's settings, and the plugin its file type needs. */
export async function formatLike(target: string, text: string): Promise<string> {
  const options = (await prettier.resolveConfig(target)) ?? {};
  return prettier.format(text, { ...options, filepath: target });
}

/** A generator's command line: prints its file, then writes or checks it (writeOrCheck); a failure exits 1. */
export function runGenerator(target: string, print: () => Promise<string>, command: string): void {
  print()
    .then((printed) => writeOrCheck(target, printed, command))
    .catch((error: Error) => {
      console.error(error.message);
      process.exitCode = 1;
    });
}
