#!/usr/bin/env node
// The `opg` operator CLI (scripts/cli/). Plain JavaScript so that it starts without a build step: it compiles the
// contracts first when their artifacts or typechain types are missing, then runs the TypeScript CLI through tsx
// (esbuild; no type check at run time, `npm run lint` does that), which caches what it transpiled.
const { spawnSync } = require("node:child_process");
const fs = require("node:fs");
const path = require("node:path");

const root = path.join(__dirname, "..");

if (!fs.existsSync(path.join(root, "typechain-types")) || !fs.existsSync(path.join(root, "artifacts"))) {
  console.error("opg: contract artifacts or typechain types are missing: running `npx hardhat compile` first");
  const local = path.join(root, "node_modules", ".bin", process.platform === "win32" ? "hardhat.cmd" : "hardhat");
  const [command, args] = fs.existsSync(local) ? [local, ["compile"]] : ["npx", ["hardhat", "compile"]];
  // The compiler's output goes to stderr: stdout stays the CLI's own (for --json).
  const run = spawnSync(command, args, { cwd: root, stdio: ["ignore", 2, 2], shell: process.platform === "win32" });
  if (run.status !== 0) {
    console.error("opg: `npx hardhat compile` failed; fix it and run the command again");
    process.exit(1);
  }
}

// `opg status | head`: a reader that stops early is not an error.
for (const stream of [process.stdout, process.stderr])
  stream.on("error", (error) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });

// tsx's CommonJS hook (registered for the whole process: its scoped require() misses tsx's transform cache, as
// each process gets a new namespace, and would transpile every file on every run).
require("tsx/cjs/api").register();
require("./cli/main.ts")
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
