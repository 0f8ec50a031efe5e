#!/usr/bin/env node
// Runs before `npm start` and `npm test`: installs the locked dependencies when they are missing or stale, so that
// a fresh clone needs only these two commands. Plain JavaScript: it runs before TypeScript tooling is installed.
const { execSync } = require("node:child_process");
const { createHash } = require("node:crypto");
const fs = require("node:fs");
const path = require("node:path");

const root = path.join(__dirname, "..");
const lock = path.join(root, "package-lock.json");
const stamp = path.join(root, "node_modules", ".opg-install-stamp");
const want = createHash("sha256").update(fs.readFileSync(lock)).digest("hex");
const have = fs.existsSync(stamp) ? fs.readFileSync(stamp, "utf8").trim() : "";

if (process.argv.includes("--stamp")) {
  // npm's postinstall: the install just ran; remember which lock file it installed.
  fs.writeFileSync(stamp, want + "\n");
} else if (have !== want) {
  const why = have ? "package-lock.json changed since the last install" : "dependencies are not installed";
  console.log(`${why}: running npm ci (about two minutes, once)`);
  execSync("npm ci --no-audit --no-fund", { cwd: root, stdio: "inherit" });
  fs.writeFileSync(stamp, want + "\n");
}
