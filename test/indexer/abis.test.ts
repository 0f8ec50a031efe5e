import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";
import hre from "hardhat";

import { ABIS_DIR, renderAbis } from "../../scripts/lib/abis";

describe("indexer ABIs", function () {
  it("indexer/abis/*.ts are exactly what the Hardhat artifacts give (run `npm run abis` after a change)", async () => {
    const files = await renderAbis(async (name) => (await hre.artifacts.readArtifact(name)).abi);
    const present = fs.readdirSync(ABIS_DIR).filter((f) => f.endsWith(".ts"));
    expect(present.sort(), "files in indexer/abis").to.deep.equal([...files.keys()].sort());
    for (const [name, text] of files) {
      const actual = fs.readFileSync(path.join(ABIS_DIR, name), "utf8");
      expect(actual === text, `indexer/abis/${name} differs from the artifacts: run \`npm run abis\``).to.equal(true);
    }
  });
});
