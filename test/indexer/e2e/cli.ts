import { expect } from "chai";
import { id, parseEther } from "ethers";

import { DEVNET_TEE_MEASUREMENT } from "../../../deploy/config";
import { Deployment } from "../../../deploy/lib/deployments";
import { signVoucher } from "../../../scripts/lib/voucher";
import { runCli, shown } from "../../cli/helpers";
import { commitAndRegisterModel } from "../../helpers/models";
import { domainOf } from "../../helpers/protocol";
import type { Group, Part } from "./group";

const TEE = 1;

interface UnlocksJson {
  schedules: { id?: string; scheduleId?: string; vested?: { wei: string }; vestedNow?: string }[];
}
interface PaymentsJson {
  payments: {
    payer: string;
    operator: string;
    mode: string;
    gross: { wei: string; opg: string };
    nodeShare: { wei: string; opg: string };
    transactionHash: string;
  }[];
  nextCursor: string | null;
  totals: { paid: string; earnedAsOperator: string; earnedAsOwner: string };
}

/**
 * `opg unlocks --at` and `opg payments` read the indexer: two voucher payments and a vesting release, then the CLI's
 * answers against the chain's views (the CLI's other commands: test/cli/).
 */
export function cliPart(group: Group): Part {
  const who: Record<string, string> = {};
  const paymentTxs: string[] = [];
  let scheduleIds: bigint[] = [];

  return {
    async drive() {
      const { provider, deployment } = group;
      const at = (name: keyof Deployment["contracts"]) => deployment.contracts[name]!.address;
      // The genesis's ecosystem and liquidity accounts; every other actor is a wallet of this part's own.
      const [ecosystem, liquidity] = await Promise.all([1, 8].map((i) => provider.getSigner(i)));
      const { operator, payer, builder, facilitator } = await group.wallets("cli", [
        "operator",
        "payer",
        "builder",
        "facilitator",
      ] as const);
      Object.assign(who, { ecosystem: ecosystem.address, operator: operator.address, payer: payer.address });
      const { token, vesting: vault, staking, models, nodes, escrow } = group.contracts();
      const mine = async (tx: Promise<{ wait(): Promise<unknown> }>) => (await tx).wait();

      await mine(token.connect(liquidity).transfer(operator.address, parseEther("100000")));
      await mine(token.connect(liquidity).transfer(payer.address, parseEther("1000")));
      const modelId = id("cli-indexer-model");
      await mine(commitAndRegisterModel(models, builder, modelId, "ipfs://model", 20_000));
      await mine(token.connect(operator).approve(at("Staking"), parseEther("60000")));
      await mine(staking.connect(operator).stake(parseEther("60000")));
      await mine(
        nodes.connect(operator).registerNode(
          {
            metadataURI: "https://node.example",
            modes: 1 << TEE,
            teeMeasurement: DEVNET_TEE_MEASUREMENT,
            capacity: 4,
            prices: [0n, parseEther("0.05"), 0n],
          },
          [modelId],
        ),
      );
      const nodeId = (await nodes.nextNodeId()) - 1n;
      await mine(token.connect(payer).approve(at("PaymentsEscrow"), parseEther("500")));
      // Vouchers are paid only from the payer's escrow with the node's operator.
      await mine(escrow.connect(payer).depositToEscrow(payer.address, operator.address, parseEther("500")));
      const domain = await domainOf(escrow);
      for (const inferences of [40n, 100n]) {
        const issuedAt = BigInt((await provider.getBlock("latest"))!.timestamp);
        const voucher = {
          payer: payer.address,
          nodeId,
          modelId,
          mode: TEE,
          cumulativeAmount: inferences * parseEther("0.05"),
          issuedAt,
          expiry: issuedAt + 86_400n,
        };
        const { signature } = await signVoucher(payer, domain, voucher);
        const tx = await escrow.connect(facilitator).redeem(voucher, signature);
        await tx.wait();
        paymentTxs.push(tx.hash);
      }
      scheduleIds = (await vault.queryFilter(vault.filters.ScheduleCreated(undefined, ecosystem.address))).map(
        (e) => e.args.scheduleId,
      );
      expect(scheduleIds.length).to.be.greaterThan(0);
      await provider.send("evm_increaseTime", [40 * 86_400]);
      await provider.send("evm_mine", []);
      await mine(vault.connect(ecosystem).release(scheduleIds[0]));
    },

    tests() {
      describe("opg unlocks and opg payments through the indexer", () => {
        before(() => group.synced());

        const chainArgs = () => ["--rpc", group.url, "--deployments", group.deploymentsDir];

        it("opg payments lists a payer's payments from the indexer, with the chain's amounts", async () => {
          const r = await runCli(["payments", who.payer, "--indexer", group.ponder().url, "--json"]);
          expect(r.status, shown(r)).to.equal(0);
          const answer = JSON.parse(r.stdout) as PaymentsJson;
          expect(answer.payments.map((p) => p.transactionHash).sort()).to.deep.equal([...paymentTxs].sort());
          // Cumulative vouchers: 40 then 100 inferences at 0.05 OPG pay 2 OPG, then 3 OPG more.
          expect(answer.payments.map((p) => p.gross.wei)).to.deep.equal([
            parseEther("3").toString(),
            parseEther("2").toString(),
          ]);
          expect(answer.payments.map((p) => p.mode)).to.deep.equal(["tee", "tee"]);
          expect(answer.totals.paid).to.equal(parseEther("5").toString());
          const balance = await group.contracts().escrow.availableOf(who.payer, who.operator);
          expect(parseEther("500") - BigInt(answer.totals.paid)).to.equal(balance);

          const human = await runCli(["payments", who.payer, "--indexer", group.ponder().url]);
          expect(human.status, shown(human)).to.equal(0);
          expect(human.stdout).to.match(/payments of 0x[0-9a-fA-F]{40} \(indexer .*\): 2/);
          expect(human.stdout).to.match(/time\s+role\s+kind\s+node\s+model\s+mode\s+gross/);
          expect(human.stdout).to.include(paymentTxs[0].slice(0, 10));
          expect(human.stdout).to.match(/paid\s+5 OPG/);
        });

        it("opg payments --csv prints the indexer's CSV, amounts in OPG and wei", async () => {
          const r = await runCli(["payments", who.payer, "--indexer", group.ponder().url, "--csv"]);
          expect(r.status, shown(r)).to.equal(0);
          const [header, ...rows] = r.stdout.trimEnd().split("\n");
          const columns = header.split(",");
          expect(columns).to.include.members(["time", "transaction", "mode", "gross_opg", "gross_wei"]);
          expect(rows).to.have.length(2);
          const cell = (row: string, name: string) => row.split(",")[columns.indexOf(name)];
          expect(rows.map((row) => cell(row, "gross_opg"))).to.deep.equal(["3", "2"]);
          expect(rows.map((row) => cell(row, "gross_wei"))).to.deep.equal([
            parseEther("3").toString(),
            parseEther("2").toString(),
          ]);
          expect(rows.map((row) => cell(row, "transaction")).sort()).to.deep.equal([...paymentTxs].sort());
          // --limit 1: the newest row under the header, and a hint that --all gives every one.
          const paged = await runCli(["payments", who.payer, "--indexer", group.ponder().url, "--csv", "--limit", "1"]);
          expect(paged.status, shown(paged)).to.equal(0);
          expect(paged.stdout.trimEnd().split("\n")).to.deep.equal([header, rows[0]]);
          expect(paged.stderr).to.match(/--all/);
        });

        it("opg payments filters by role and pages with --limit", async () => {
          const asOperator = await runCli([
            "payments",
            who.operator,
            "--role",
            "operator",
            "--indexer",
            group.ponder().url,
            "--json",
          ]);
          expect(asOperator.status, shown(asOperator)).to.equal(0);
          const operatorAnswer = JSON.parse(asOperator.stdout) as PaymentsJson;
          expect(operatorAnswer.payments).to.have.length(2);
          expect(BigInt(operatorAnswer.totals.earnedAsOperator)).to.be.greaterThan(0n);
          const asPayer = await runCli([
            "payments",
            who.operator,
            "--role",
            "payer",
            "--indexer",
            group.ponder().url,
            "--json",
          ]);
          expect((JSON.parse(asPayer.stdout) as PaymentsJson).payments).to.have.length(0);
          const one = await runCli(["payments", who.payer, "--limit", "1", "--indexer", group.ponder().url, "--json"]);
          const page = JSON.parse(one.stdout) as PaymentsJson;
          expect(page.payments).to.have.length(1);
          expect(page.nextCursor).to.be.a("string");
        });

        it("opg unlocks --at reads the same vested amounts from the indexer and from the chain, for a future date", async () => {
          const at = BigInt((await group.provider.getBlock("latest"))!.timestamp) + 400n * 86_400n;
          const iso = new Date(Number(at) * 1000).toISOString();
          const vault = group.contracts().vesting;
          const expected = await Promise.all(scheduleIds.map((s) => vault.vestedAt(s, at)));

          const fromIndexer = await runCli([
            "unlocks",
            who.ecosystem,
            "--at",
            iso,
            "--indexer",
            group.ponder().url,
            "--json",
          ]);
          expect(fromIndexer.status, shown(fromIndexer)).to.equal(0);
          const indexed = JSON.parse(fromIndexer.stdout) as UnlocksJson;
          expect(indexed.schedules.map((s) => BigInt(s.vested!.wei))).to.deep.equal(expected);

          const fromChain = await runCli(["unlocks", who.ecosystem, "--at", String(at), ...chainArgs(), "--json"]);
          expect(fromChain.status, shown(fromChain)).to.equal(0);
          const direct = JSON.parse(fromChain.stdout) as UnlocksJson;
          expect(direct.schedules.map((s) => BigInt(s.vestedNow!))).to.deep.equal(expected);

          const human = await runCli(["unlocks", who.ecosystem, "--at", iso, "--indexer", group.ponder().url]);
          expect(human.status, shown(human)).to.equal(0);
          expect(human.stdout).to.match(/schedule\s+shape\s+total\s+vested\s+released\s+releasable\s+locked/);
          expect(human.stdout).to.include("next unlocks:");
        });

        it("names the bad argument and sends nothing", async () => {
          const cases: [string[], RegExp][] = [
            [["payments", who.payer, "--role", "owner"], /--role: expected one of any, payer, operator, modelOwner/],
            [["payments", who.payer, "--from", "2027-02-01", "--to", "2027-01-01"], /--from: 2027-02-01 is after --to/],
            [["payments", who.payer, "--model", "0x12"], /--model: expected 0x and 64 hex digits/],
            [["payments", who.payer, "--limit", "501"], /--limit: expected at most 500/],
            [["payments", who.payer, "--indexer", "ftp://x"], /--indexer: expected an http\(s\) URL/],
            [["unlocks", who.payer, "--at", "next week"], /--at: expected unix seconds or an ISO date/],
          ];
          for (const [args, message] of cases) {
            const r = await runCli(args.includes("--indexer") ? args : [...args, "--indexer", group.ponder().url]);
            expect(r.status, shown(r)).to.equal(2);
            expect(r.stderr).to.match(message);
          }
          const unreachable = await runCli(["payments", who.payer, "--indexer", "http://127.0.0.1:9"]);
          expect(unreachable.status, shown(unreachable)).to.equal(1);
          expect(unreachable.stderr).to.match(/cannot reach the indexer at http:\/\/127\.0\.0\.1:9/);
        });
      });
    },
  };
}
