/**
 * The browser the page test uses (test/helpers/browser.ts): which one it picks, and the npm package's Chromium, the
 * fallback on a machine with only Node.js and npm, launched and rendering a page on every run, whatever is installed.
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { chromium } from "playwright-core";

import { findBrowser } from "../helpers/browser";

describe("the page test's browser (test/helpers/browser.ts)", function () {
  this.timeout(120_000);
  let bin: string;

  before(() => {
    // A folder with an executable named chromium, standing for a system package (never launched).
    bin = fs.mkdtempSync(path.join(os.tmpdir(), "opg-browser-test-"));
    fs.writeFileSync(path.join(bin, "chromium"), "#!/bin/sh\nexit 1\n", { mode: 0o755 });
  });
  after(() => fs.rmSync(bin, { recursive: true, force: true }));

  it("takes the system's chromium from CHROMIUM_PATH, else from PATH", () => {
    const fake = path.join(bin, "chromium");
    const onPath = findBrowser({ PATH: `/nonexistent${path.delimiter}${bin}` });
    expect(onPath.source).to.equal("system");
    expect(onPath.launchOptions.executablePath).to.equal(fake);
    const byPath = findBrowser({ PATH: "", CHROMIUM_PATH: fake });
    expect(byPath.source).to.equal("system");
    expect(byPath.description).to.contain("CHROMIUM_PATH");
  });

  it("says what is wrong: a CHROMIUM_PATH that is not there, OPG_BROWSER=system without one, a bad OPG_BROWSER", () => {
    const missing = path.join(bin, "missing");
    expect(() => findBrowser({ CHROMIUM_PATH: missing })).to.throw(
      `CHROMIUM_PATH=${missing} is not an executable file`,
    );
    expect(() => findBrowser({ PATH: "", OPG_BROWSER: "system" })).to.throw("no chromium is on PATH");
    expect(() => findBrowser({ OPG_BROWSER: "firefox" })).to.throw("OPG_BROWSER=firefox");
  });

  it("falls back to the npm package's Chromium when no system one is found, or when OPG_BROWSER=npm", () => {
    for (const env of [{ PATH: "" }, { PATH: bin, OPG_BROWSER: "npm" }]) {
      const found = findBrowser(env);
      expect(found.source, JSON.stringify(env)).to.equal("npm");
      expect(found.description).to.match(/^@sparticuz\/chromium \d+\.\d+\.\d+ from npm/);
      expect(fs.statSync(found.launchOptions.executablePath).isFile()).to.equal(true);
      expect(found.launchOptions.args).to.include("--no-sandbox");
      expect(found.launchOptions.args).not.to.include("--disable-web-security");
    }
  });

  it("renders a page in the npm package's Chromium: layout, script, text drawn with a font", async () => {
    const found = findBrowser({ ...process.env, OPG_BROWSER: "npm" });
    console.log(`      browser: ${found.description}`);
    const browser = await chromium.launch({ ...found.launchOptions, headless: true });
    try {
      const page = await browser.newPage({ viewport: { width: 400, height: 200 } });
      // Glyphs drawn on a canvas: with no font at all, fillText draws nothing and every pixel stays transparent.
      const html =
        "<title>opg</title><div id=box style='width:123px;height:45px'></div><canvas id=c width=200 height=40></canvas>" +
        "<script>document.title = String(6 * 7);" +
        "const ctx = document.getElementById('c').getContext('2d'); ctx.font = '24px sans-serif';" +
        "ctx.fillText('OPG 1,234', 4, 30); const data = ctx.getImageData(0, 0, 200, 40).data; let inked = 0;" +
        "for (let i = 3; i < data.length; i += 4) if (data[i] > 0) inked++; document.body.dataset.inked = inked;</script>";
      await page.goto(`data:text/html,${encodeURIComponent(html)}`);
      expect(await page.title()).to.equal("42");
      const box = await page.locator("#box").boundingBox();
      expect([box?.width, box?.height]).to.deep.equal([123, 45]);
      expect(Number(await page.locator("body").getAttribute("data-inked"))).to.be.greaterThan(100);
      const png = await page.screenshot();
      expect(png.subarray(1, 4).toString()).to.equal("PNG");
    } finally {
      await browser.close();
    }
  });
});
