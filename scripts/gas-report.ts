/**
 * `npm run gas`: measures gas per operation for the token and vesting, with OpenZeppelin's VestingWallet measured
 * beside ours in the same run, and writes scripts/reports/gas.md. Runs on the in-process Hardhat network under
 * cancun rules (set by the npm script), the rules of contracts/DESIGN.md's cost targets.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import hre from "hardhat";

import { measureGas } from "../test/gas/scenarios";
import { measureStakingGas } from "../test/gas/staking-scenarios";
import { measurePaymentGas } from "../test/gas/payments-scenarios";

/** contracts/DESIGN.md's targets for payments and proofs, per operation ("ours, at most"). */
const PAYMENT_TARGETS: Record<string, string> = {
  "voucher for 10,000 inferences, redeemed alone": "100 per inference when a voucher covers 1,000",
  "batch of 10 vouchers, 1,000 inferences each": "100 per inference (one ERC-20 transfer each: 34,465)",
  "batch of 100 vouchers, 1,000 inferences each": "100 per inference (one ERC-20 transfer each: 34,465)",
  "proof: commit one record": "60,000 (EAS attest: 322,724)",
  "proof: commit a batch root of 100 records": "about 55,000, flat in N (EAS multiAttest: 279,695 per record)",
  "proof: commit a batch root of 10,000 records": "about 55,000, flat in N",
  "proof: commit a batch root of 1,000,000 records": "about 55,000, flat in N",
  "proof: check inclusion in a 1,000,000-record batch (eth_estimateGas of the view)": "40,000",
};

const POPULATIONS = [1, 100, 1000];

/** contracts/DESIGN.md's targets ("ours, at most") and the alternatives' figures it quotes. */
const TARGETS: Record<string, { target: bigint; alternative: string }> = {
  "create one schedule (cliff + unlock at start)": { target: 150_000n, alternative: "Sablier Lockup linear: 295,778" },
  "create + delegate locked votes to self, together": {
    target: 150_000n,
    alternative: "Sablier Lockup linear: 295,778",
  },
  "create in a batch of 10, per schedule": { target: 100_000n, alternative: "Sablier batch of 10: 225,181" },
  "create in a batch of 100, per schedule": { target: 100_000n, alternative: "Sablier batch of 10: 225,181" },
  "release again later, beneficiary self-delegated (locked votes to self)": {
    target: 70_000n,
    alternative: "Sablier withdrawMax: 137,869",
  },
  "release again later, beneficiary undelegated": { target: 50_000n, alternative: "OZ VestingWallet release: 53,253" },
};

async function main() {
  const rows = await measureGas(hre);
  const hardfork = (hre.network.config as { hardfork?: string }).hardfork ?? "default";
  const fmt = (n: bigint | undefined) => (n === undefined ? "" : n.toLocaleString("en-US"));
  const lines = [
    "# Gas report: token, vesting, staking, nodes, payments and proofs",
    "",
    `Written by \`npm run gas\` (scripts/gas-report.ts); Hardhat ${hre.hardhatArguments ? require("hardhat/package.json").version : ""} in-process network, ` +
      `\`${hardfork}\` rules, solc ${hre.config.solidity.compilers[0].version} (optimizer ${hre.config.solidity.compilers[0].settings.optimizer.runs} runs). ` +
      "Every figure is a receipt's gasUsed. \"OZ\" is OpenZeppelin 5.4's VestingWalletCliff with the same start, cliff and end, deployed and measured in the same run.",
    "",
    "| group | operation | ours | OZ VestingWallet | target (DESIGN.md) | alternative quoted in DESIGN.md | note |",
    "| --- | --- | ---: | ---: | ---: | --- | --- |",
    ...rows.map((r) => {
      const t = TARGETS[r.operation];
      const verdict = t ? `${fmt(t.target)} ${r.ours <= t.target ? "(met)" : "(**missed**)"}` : "";
      return `| ${r.group} | ${r.operation} | ${fmt(r.ours)} | ${fmt(r.openZeppelin)} | ${verdict} | ${t?.alternative ?? ""} | ${r.note ?? ""} |`;
    }),
    "",
    "## Payments and proofs, per inference",
    "",
    "Vouchers are measured on open channels (a node already paid once by the payer), as a running network has them.",
    "",
    "| operation | gas | inferences | gas per inference | target (DESIGN.md) |",
    "| --- | ---: | ---: | ---: | --- |",
    ...(await measurePaymentGas(hre)).map(
      (r) =>
        `| ${r.operation} | ${fmt(r.gas)} | ${fmt(r.inferences)} | ${fmt(r.gas / r.inferences)} | ${PAYMENT_TARGETS[r.operation] ?? ""} |`,
    ),
    "",
    "## Staking and nodes, as the number of operators grows",
    "",
    `Each operation measured after ${POPULATIONS.join(", ")} other operators have staked and registered a TEE node. ` +
      "Global totals are warmed first (a claim and an unbonding), as on a running network.",
    "",
    `| operation | ${POPULATIONS.map((n) => `${n.toLocaleString("en-US")} operators`).join(" | ")} |`,
    `| --- | ${POPULATIONS.map(() => "---:").join(" | ")} |`,
    ...(await measureStakingGas(hre, POPULATIONS)).map((r) => `| ${r.operation} | ${r.gas.map(fmt).join(" | ")} |`),
    "",
  ];
  const file = path.join(__dirname, "reports", "gas.md");
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, lines.join("\n"));
  console.log(lines.join("\n"));
  console.log(`written to ${path.relative(process.cwd(), file)}`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
