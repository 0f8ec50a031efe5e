import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { BrowserContext, Page, chromium } from "playwright-core";

import { formatOpg } from "../../scripts/lib/opg";
import type { RunningDevnet } from "../devnet/devnet";
import { findBrowser } from "../helpers/browser";
import { ROOT } from "../helpers/node";

const SCREENSHOT = path.join(ROOT, "scripts", "reports", "page.png");

interface Amount {
  wei: string;
  opg: string;
}

async function json<T>(url: string): Promise<T> {
  const res = await fetch(url);
  expect(res.status, url).to.equal(200);
  return (await res.json()) as T;
}

/**
 * The page as its users see it, in a real browser, against `devnet()`: test/devnet/devnet.e2e.test.ts runs these
 * tests inside its suite, on its devnet (one devnet for both; a file of its own would start a second one, and in a
 * parallel run it would, in another worker).
 */
export function describePage(devnet: () => RunningDevnet) {
  describe("the page in a browser (chromium, playwright-core)", function () {
    this.timeout(120_000);
    let userDataDir: string;
    let context: BrowserContext;
    let page: Page;
    const errors: string[] = [];

    before(async function () {
      // The system's Chromium, else the one from npm (test/helpers/browser.ts).
      const browser = findBrowser();
      console.log(`      browser: ${browser.description}`);
      userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "opg-page-chromium-"));
      context = await chromium.launchPersistentContext(userDataDir, {
        ...browser.launchOptions,
        headless: true,
        viewport: { width: 1200, height: 900 },
      });
      page = await context.newPage();
      page.on("pageerror", (error) => errors.push(error.message));
      await page.goto(`${devnet().indexerUrl}/`);
      await page.waitForSelector("body[data-ready=true]", { timeout: 60_000 });
    });
    after(async () => {
      await context?.close();
      if (userDataDir) fs.rmSync(userDataDir, { recursive: true, force: true });
    });

    it("shows the network statistics as of the indexer's last block", async () => {
      const stats = await json<{ block: { number: number }; models: number; totalSupply: Amount }>(
        `${devnet().indexerUrl}/stats`,
      );
      const asOf = await page.locator("#as-of").innerText();
      expect(asOf).to.contain(`As of block ${stats.block.number.toLocaleString("en-US")}`);
      const terms = await page.locator("#stats dt").allInnerTexts();
      const values = await page.locator("#stats dd").allInnerTexts();
      const stat = (name: string) => values[terms.indexOf(name)];
      expect(stat("Models")).to.equal(String(stats.models));
      expect(stat("Total supply")).to.equal(formatOpg(BigInt(stats.totalSupply.wei), { maxFractionDigits: 0 }));
      expect(await page.locator("#stats .error").isHidden()).to.equal(true);
    });

    it("draws the unlock chart with the totals of /unlocks, today marked", async () => {
      const unlocks = await json<{
        categories: { key: string; total: Amount }[];
        months: { unlocked: Amount }[];
      }>(`${devnet().indexerUrl}/unlocks`);
      const last = unlocks.months[unlocks.months.length - 1].unlocked.wei;
      // One stacked area and one legend entry per category, each with its total.
      expect(await page.locator("svg.unlock-chart path.area").count()).to.equal(unlocks.categories.length);
      const legend = await page.locator("#unlock-legend li").allInnerTexts();
      expect(legend).to.have.length(unlocks.categories.length);
      unlocks.categories.forEach((c, i) =>
        expect(legend[i]).to.contain(`of ${formatOpg(BigInt(c.total.wei), { maxFractionDigits: 0 })}`),
      );
      // The total at the last unlock is the API's last point, and the sum of the categories.
      const total = page.locator("#unlock-total");
      expect(await total.getAttribute("data-wei")).to.equal(last);
      expect(await total.innerText()).to.equal(formatOpg(BigInt(last), { maxFractionDigits: 0 }));
      const sum = unlocks.categories.reduce((s, c) => s + BigInt(c.total.wei), 0n);
      expect(sum.toString()).to.equal(last);
      // Today (the chain's time, after the devnet's months) is inside the chart, with axis labels.
      expect(await page.locator("svg.unlock-chart .today line").count()).to.equal(1);
      expect(await page.locator("svg.unlock-chart .axis text", { hasText: "TGE" }).count()).to.equal(1);
      // The cliff where core contributors and investors (150M + 100M OPG) start to vest is marked.
      const cliff = await page.locator("svg.unlock-chart .cliff").allTextContents();
      expect(cliff).to.have.length(1);
      expect(cliff[0]).to.contain("250M OPG start to vest");
    });

    it("finds an investor's schedules and next unlocks", async () => {
      const investor = devnet().investor;
      const answer = await json<{
        schedules: { id: string; total: Amount; nextUnlocks: unknown[] }[];
      }>(`${devnet().indexerUrl}/unlocks/${investor}`);
      expect(answer.schedules.length).to.be.greaterThan(0);
      await page.fill("#address", investor);
      await page.click("#search-form button[type=submit]");
      const table = page.locator("#search-result table", { hasText: "Vesting schedules" });
      await table.waitFor();
      const rows = await table.locator("tbody tr").allInnerTexts();
      expect(rows).to.have.length(answer.schedules.length);
      answer.schedules.forEach((s, i) => {
        expect(rows[i]).to.contain(`#${s.id}`);
        expect(rows[i]).to.contain(formatOpg(BigInt(s.total.wei), { maxFractionDigits: 0 }));
        // Investors vest over 36 months after their cliff: the next unlock is in the future, said in words.
        expect(rows[i]).to.match(/\(in \d+ (years?|months?|days?)\)/);
      });
      expect(page.url()).to.contain(`#address=${investor}`);
    });

    it("finds a payer's payment history", async () => {
      const payer = devnet().payers[0];
      const answer = await json<{ payments: { gross: Amount; kind: string }[] }>(
        `${devnet().indexerUrl}/payments/${payer}?limit=20`,
      );
      expect(answer.payments.length).to.be.greaterThan(0);
      await page.fill("#address", payer);
      await page.click("#search-form button[type=submit]");
      const table = page.locator("#search-result table", { hasText: "Payments" });
      await table.waitFor();
      const rows = await table.locator("tbody tr").allInnerTexts();
      expect(rows).to.have.length(answer.payments.length);
      answer.payments.forEach((p, i) => {
        expect(rows[i]).to.contain(formatOpg(BigInt(p.gross.wei)));
        expect(rows[i]).to.contain(p.kind);
        expect(rows[i]).to.contain("payer");
      });
      fs.mkdirSync(path.dirname(SCREENSHOT), { recursive: true });
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
    });

    it("shows the payer's free balance and its escrow with each operator, as /escrows does", async () => {
      const payer = devnet().payers[0];
      const answer = await json<{
        balance: Amount;
        escrows: { operator: string; balance: Amount; thawing: Amount; paid: Amount }[];
      }>(`${devnet().indexerUrl}/escrows/${payer}`);
      expect(answer.escrows.length).to.be.greaterThan(0);
      await page.fill("#address", payer);
      await page.click("#search-form button[type=submit]");
      const table = page.locator("#search-result table", { hasText: "Escrows with operators" });
      await table.waitFor();
      const rows = await table.locator("tbody tr").allInnerTexts();
      expect(rows).to.have.length(answer.escrows.length);
      answer.escrows.forEach((e, i) => {
        expect(rows[i]).to.contain(e.operator);
        expect(rows[i]).to.contain(formatOpg(BigInt(e.balance.wei)));
      });
      expect(await page.locator("#search-result .escrows p").innerText()).to.contain(
        formatOpg(BigInt(answer.balance.wei)),
      );
      // A part the address lacks (here: schedules, so no schedules CSV link) is left out, not written as "null".
      expect(await page.locator("#search-result").innerText()).not.to.match(/\bnull\b|\bundefined\b/);
    });

    it("lists the open challenges (node, challenger, locked stake, deadline) as GraphQL has them", async () => {
      const res = await fetch(`${devnet().indexerUrl}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          query: `{ proofChallenges(where: { status: "pending" }, orderBy: "decideBy", orderDirection: "asc") {
            items { nodeId challenger lockedStake } } }`,
        }),
      });
      const pending = (
        (await res.json()) as {
          data: { proofChallenges: { items: { nodeId: string; challenger: string; lockedStake: string }[] } };
        }
      ).data.proofChallenges.items;
      const rows = await page.locator("#challenge-list tbody tr").allInnerTexts();
      expect(rows).to.have.length(pending.length);
      pending.forEach((x, i) => {
        expect(rows[i]).to.contain(`#${x.nodeId}`);
        expect(rows[i]).to.contain(x.challenger);
        expect(rows[i]).to.contain(formatOpg(BigInt(x.lockedStake)));
      });
      if (pending.length === 0)
        expect(await page.locator("#challenge-list").innerText()).to.contain("No challenge is waiting");
    });

    it("lists the nodes that can serve a model with a mode, as /nodes does", async () => {
      const options = await page
        .locator("#filter-model option")
        .evaluateAll((list) => list.map((o) => (o as unknown as { value: string }).value).filter(Boolean));
      expect(options.length).to.be.greaterThan(1);
      const everyNode = await page.locator("#node-list tbody tr").count();
      for (const mode of ["none", "tee"]) {
        await page.selectOption("#filter-model", options[0]);
        await page.selectOption("#filter-mode", mode);
        const answer = await json<{ nodes: { id: string }[] }>(
          `${devnet().indexerUrl}/nodes?model=${options[0]}&mode=${mode}`,
        );
        await page.waitForSelector(`#node-list[data-filter="${options[0]}|${mode}"]`);
        const ids = await page.locator("#node-list tbody tr td:first-child").allInnerTexts();
        expect(ids).to.deep.equal(answer.nodes.map((n) => `#${n.id}`));
      }
      await page.selectOption("#filter-model", "");
      await page.selectOption("#filter-mode", "");
      await page.waitForSelector(`#node-list[data-filter="|"]`);
      expect(await page.locator("#node-list tbody tr").count()).to.equal(everyNode);
    });

    it("links CSV downloads of an address's schedules and payments, as the API serves them", async () => {
      const payer = devnet().payers[0];
      await page.fill("#address", payer);
      await page.click("#search-form button[type=submit]");
      const link = page.locator("#payments-csv");
      await link.waitFor();
      const href = await link.getAttribute("href");
      expect(href).to.equal(`/payments/${payer}?format=csv`);
      const res = await fetch(`${devnet().indexerUrl}${href}`);
      expect(res.headers.get("content-type")).to.match(/^text\/csv/);
      expect((await res.text()).split("\r\n")[0]).to.match(/^time,timestamp,block,transaction,/);
    });

    it("says a wrong address in the URL is wrong, and fits a phone's width", async () => {
      const phone = await context.newPage();
      await phone.setViewportSize({ width: 360, height: 740 });
      await phone.goto(`${devnet().indexerUrl}/#address=0x12zz`);
      await phone.waitForSelector("body[data-ready=true]");
      expect(await phone.locator("#search .error").innerText()).to.contain('"0x12zz" is not an address');
      // Nothing but tables (which scroll inside themselves) is wider than the screen.
      const overflow = await phone.evaluate("document.documentElement.scrollWidth - window.innerWidth");
      expect(Number(overflow)).to.be.at.most(0);
      expect(await phone.content()).to.contain("<noscript>");
      await phone.close();
    });

    it("says what is wrong instead of showing nothing: a bad address, an API that fails", async () => {
      await page.fill("#address", "0x1234");
      await page.click("#search-form button[type=submit]");
      expect(await page.locator("#search .error").innerText()).to.contain('"0x1234" is not an address');

      const broken = await context.newPage();
      await broken.route("**/unlocks", (route) =>
        route.fulfill({ status: 500, contentType: "application/json", body: '{"error":"internal error"}' }),
      );
      await broken.goto(`${devnet().indexerUrl}/`);
      await broken.waitForSelector("body[data-ready=true]");
      expect(await broken.locator("#unlocks .error").innerText()).to.contain("/unlocks answered 500: internal error");
      // The rest of the page still works.
      expect(await broken.locator("#stats dd").count()).to.be.greaterThan(5);
      await broken.close();
      expect(errors, "uncaught errors in the page").to.deep.equal([]);
    });
  });
}
