/**
 * `npm run abis`: writes the indexer's ABIs (indexer/abis/*.ts) from the Hardhat artifacts. Run after a contract's
 * interface changes; test/indexer/abis.test.ts fails until the generated files match the artifacts again.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import hre from "hardhat";

import { ABIS_DIR, renderAbis } from "./lib/abis";

async function main() {
  const files = await renderAbis(async (name) => (await hre.artifacts.readArtifact(name)).abi);
  fs.mkdirSync(ABIS_DIR, { recursive: true });
  for (const [name, text] of files) fs.writeFileSync(path.join(ABIS_DIR, name), text);
  console.log(`wrote ${files.size} files to ${path.relative(process.cwd(), ABIS_DIR)}`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
