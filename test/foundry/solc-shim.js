#!/usr/bin/env node
/**
 * A stand-in for native solc that forge can drive: it answers `--version` as native solc 0.8.28 does and compiles
 * `--standard-json` from stdin with the npm `solc` package (WebAssembly), because this machine cannot download
 * native compilers. Imports that forge did not inline are read from `--base-path` and each `--include-path`.
 */
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const solc = require("solc");

const args = process.argv.slice(2);
const LONG = solc.version().replace(".Emscripten.clang", ".Linux.g++");

if (args.includes("--version") || args.includes("-v")) {
  process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${LONG}\n`);
  process.exit(0);
}
if (!args.includes("--standard-json")) {
  process.stderr.write(`solc-shim: only --version and --standard-json are supported (got: ${args.join(" ")})\n`);
  process.exit(1);
}

// Roots to resolve imports against: the base path, then every include path, then the working directory.
const roots = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--base-path" || args[i] === "--include-path") roots.push(args[++i]);
  else if (args[i].startsWith("--base-path=") || args[i].startsWith("--include-path="))
    roots.push(args[i].slice(args[i].indexOf("=") + 1));
}
roots.push(process.cwd());

function findImports(file) {
  const candidates = path.isAbsolute(file) ? [file] : roots.map((root) => path.resolve(root, file));
  for (const candidate of candidates) {
    if (fs.existsSync(candidate)) return { contents: fs.readFileSync(candidate, "utf8") };
  }
  return { error: `File not found: ${file} (looked in ${roots.join(", ")})` };
}

const input = fs.readFileSync(0, "utf8");
process.stdout.write(solc.compile(input, { import: findImports }));
