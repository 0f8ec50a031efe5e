import { expect } from "chai";
import * as fs from "node:fs";
import * as path from "node:path";

import { ROOT } from "../helpers/node";

/**
 * indexer/patches/ponder+0.16.10.patch (applied by patch-package on install) backports Ponder 0.17's fix to the merging of
 * a contract's events into one eth_getLogs request per range: without it Ponder 0.16 sends one request per handled
 * event and range (75 here), and a cold sync spends most of its time on them (scripts/reports/indexer-bench.md).
 */
describe("Ponder's eth_getLogs merge (indexer/patches/ponder+0.16.10.patch)", function () {
  const ponder = path.join(ROOT, "node_modules", "ponder");

  it("is applied to the installed Ponder (run `npm ci`, or `npx patch-package`, if not)", () => {
    const version = JSON.parse(fs.readFileSync(path.join(ponder, "package.json"), "utf8")).version;
    expect(version, "the patch is for Ponder 0.16.10: drop it on an upgrade to 0.17+, which has the fix").to.equal(
      "0.16.10",
    );
    const code = fs.readFileSync(path.join(ponder, "dist", "esm", "sync-historical", "index.js"), "utf8");
    for (const n of [1, 2, 3])
      expect(code, `topic${n}: a null topic is no filter`).to.contain(
        `const hasTopic${n} = filter.topic${n} !== undefined && filter.topic${n} !== null;`,
      );
  });
});
