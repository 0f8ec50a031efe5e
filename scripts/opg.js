#!/usr/bin/env node
// The `opg` operator CLI (scripts/cli/). Plain JavaScript so that it starts without a build step: it compiles the
// contracts first when their artifacts or typechain types are missing, then runs the TypeScript CLI with ts-node
// (transpile only, no type check at run time). Each transpiled file is cached under node_modules/.cache/opg-cli,
// keyed by its content, so that only the first run after a change pays for loading TypeScript.
const { spawnSync } = require("node:child_process");
const { createHash } = require("node:crypto");
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

const project = path.join(root, "tsconfig.json");
const cacheDir = path.join(root, "node_modules", ".cache", "opg-cli");
let service; // ts-node, loaded on the first file not in the cache
let salt;

function transpile(source, filename) {
  if (!service)
    service = require("ts-node").create({ transpileOnly: true, project, compilerOptions: { module: "commonjs" } });
  return service.compile(source, filename);
}

require.extensions[".ts"] = function loadTypeScript(module, filename) {
  const source = fs.readFileSync(filename, "utf8");
  if (salt === undefined) {
    const version = (name) => {
      try {
        return require(`${name}/package.json`).version;
      } catch {
        return "";
      }
    };
    salt = [version("ts-node"), version("typescript"), fs.readFileSync(project, "utf8")].join("\0");
  }
  const key = createHash("sha256").update(salt).update("\0").update(filename).update("\0").update(source).digest("hex");
  const cached = path.join(cacheDir, `${key}.js`);
  let js;
  try {
    js = fs.readFileSync(cached, "utf8");
  } catch {
    js = transpile(source, filename);
    try {
      fs.mkdirSync(cacheDir, { recursive: true });
      const tmp = `${cached}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, js);
      fs.renameSync(tmp, cached); // atomic: a concurrent run reads a whole file or none
    } catch {
      // a read-only install still runs, only slower
    }
  }
  module._compile(js, filename);
};

// `opg status | head`: a reader that stops early is not an error.
for (const stream of [process.stdout, process.stderr])
  stream.on("error", (error) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });

require("./cli/main.ts")
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
