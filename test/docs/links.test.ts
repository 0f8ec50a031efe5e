import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

import { anchorsOf, isExternal, linksOf, markdownFiles, slug } from "./markdown";

/**
 * The docs' relative links and anchors resolve, and the root README stays short.
 *
 * docs
 * ├── the link checker itself
 * │   ├── anchors are GitHub's: code, punctuation and case dropped, spaces to hyphens, repeats numbered
 * │   ├── links inside fenced code blocks and code spans are not links; headings inside code blocks are not anchors
 * │   └── given a folder with a missing file, a missing anchor in another file and a missing anchor in the same file
 * │       → each is reported with its file and line; a good link, an external one and a line anchor are not
 * ├── every relative link of every *.md file outside node_modules resolves to a file or folder of the repository,
 * │   and every #anchor it names is a heading of the .md file it points to
 * └── the root README is under 200 lines (what a newcomer reads first; detail goes to the folder READMEs)
 */

const ROOT = path.resolve(__dirname, "..", "..");

/** The broken relative links of the Markdown files under `root`, as "file:line: target (reason)". */
function brokenLinks(root: string): string[] {
  const broken: string[] = [];
  const anchorCache = new Map<string, Set<string>>();
  const anchorsIn = (file: string): Set<string> => {
    let anchors = anchorCache.get(file);
    if (!anchors) anchorCache.set(file, (anchors = anchorsOf(fs.readFileSync(file, "utf8"))));
    return anchors;
  };
  for (const rel of markdownFiles(root)) {
    const file = path.join(root, rel);
    for (const { line, target } of linksOf(fs.readFileSync(file, "utf8"))) {
      if (target === "" || isExternal(target)) continue;
      const hash = target.indexOf("#");
      const pathPart = decodeURIComponent(hash < 0 ? target : target.slice(0, hash));
      const anchor = hash < 0 ? undefined : decodeURIComponent(target.slice(hash + 1));
      const resolved =
        pathPart === ""
          ? file
          : pathPart.startsWith("/")
            ? path.join(root, pathPart)
            : path.resolve(path.dirname(file), pathPart);
      const where = `${rel}:${line}: ${target}`;
      if (!resolved.startsWith(root + path.sep) && resolved !== root) {
        broken.push(`${where} (outside the repository)`);
        continue;
      }
      if (!fs.existsSync(resolved)) {
        broken.push(`${where} (no such file or folder: ${path.relative(root, resolved)})`);
        continue;
      }
      if (anchor === undefined || anchor === "") continue;
      if (!resolved.endsWith(".md")) {
        // GitHub's line anchors (#L10, #L10-L20) on a source file; any other anchor on a non-Markdown file is a mistake.
        if (!/^L\d+(-L\d+)?$/.test(anchor)) broken.push(`${where} (an anchor on a file that is not Markdown)`);
        continue;
      }
      if (!anchorsIn(resolved).has(anchor)) {
        broken.push(`${where} (no heading with anchor #${anchor} in ${path.relative(root, resolved)})`);
      }
    }
  }
  return broken;
}

describe("docs", function () {
  describe("the link checker itself", function () {
    it("makes GitHub's anchors: code, punctuation and case dropped, spaces to hyphens, repeats numbered", function () {
      expect(slug("`GET /unlocks/:address[?at=<time>]`")).to.equal("get-unlocksaddressattime");
      expect(slug('"Now" is the chain\'s time')).to.equal("now-is-the-chains-time");
      expect(slug("Staking, rewards and fees")).to.equal("staking-rewards-and-fees");
      expect(slug("Scaling out: one writer, any number of readers")).to.equal(
        "scaling-out-one-writer-any-number-of-readers",
      );
      expect(slug("The [design](DESIGN.md) and **its** tests")).to.equal("the-design-and-its-tests");
      expect([...anchorsOf("# Tests\n\n## Tests\n\n### Tests\n")]).to.deep.equal(["tests", "tests-1", "tests-2"]);
    });

    it("skips links in fenced code blocks and code spans, and headings in code blocks", function () {
      const md = [
        "# Title",
        "```sh",
        "# not a heading",
        "[not](a-link.md)",
        "```",
        "a `[span](not-a-link.md)` and [a link](real.md#x)",
        "~~~",
        "[also not](x.md)",
        "~~~",
        "[ref]: defined.md",
      ].join("\n");
      expect([...anchorsOf(md)]).to.deep.equal(["title"]);
      expect(linksOf(md)).to.deep.equal([
        { line: 6, target: "real.md#x" },
        { line: 10, target: "defined.md" },
      ]);
    });

    it("reports a missing file, a missing anchor elsewhere and a missing anchor here, with file and line", function () {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), "opg-docs-links-"));
      try {
        fs.mkdirSync(path.join(dir, "sub"));
        fs.writeFileSync(path.join(dir, "sub", "code.ts"), "export {};\n");
        fs.writeFileSync(path.join(dir, "sub", "GUIDE.md"), "# Guide\n\n## Run it\n");
        fs.writeFileSync(
          path.join(dir, "README.md"),
          [
            "# Top",
            "[good](sub/GUIDE.md#run-it) [folder](sub/) [line](sub/code.ts#L1) [web](https://example.com/x.md)",
            "[here](#top) [root-relative](/sub/GUIDE.md)",
            "[missing file](sub/NOPE.md)",
            "[missing anchor](sub/GUIDE.md#run)",
            "[missing here](#bottom)",
            "[bad anchor on code](sub/code.ts#main)",
          ].join("\n"),
        );
        expect(brokenLinks(dir)).to.deep.equal([
          "README.md:4: sub/NOPE.md (no such file or folder: sub/NOPE.md)",
          "README.md:5: sub/GUIDE.md#run (no heading with anchor #run in sub/GUIDE.md)",
          "README.md:6: #bottom (no heading with anchor #bottom in README.md)",
          "README.md:7: sub/code.ts#main (an anchor on a file that is not Markdown)",
        ]);
      } finally {
        fs.rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  it("every relative link and anchor of every *.md file outside node_modules resolves", function () {
    const files = markdownFiles(ROOT);
    expect(files).to.include.members(["README.md", "contracts/README.md", "test/README.md"]);
    expect(files.filter((f) => f.includes("node_modules"))).to.deep.equal([]);
    expect(brokenLinks(ROOT)).to.deep.equal([]);
  });

  it("the root README is under 200 lines", function () {
    const lines = fs.readFileSync(path.join(ROOT, "README.md"), "utf8").trimEnd().split("\n").length;
    expect(lines, "README.md lines").to.be.below(200);
  });
});
