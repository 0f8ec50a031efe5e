/**
 * `npm run gas`: measures gas per operation for the token and vesting, with OpenZeppelin's VestingWallet measured
 * beside ours in the same run, and writes scripts/reports/gas.md. Runs on the in-process Hardhat network under
 * cancun rules (set by the npm script), the rules of shared/DESIGN.md's cost targets.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import hre from "hardhat";

import { measureGas } from "../test/gas/scenarios";
import { measureStakingGas } from "../test/gas/staking-scenarios";

const POPULATIONS = [1, 100, 1000];

/** shared/DESIGN.md's targets ("ours, at most") and the alternatives' figures it quotes. */
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
    "# Gas report: token, vesting, staking and nodes",
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
    "## Staking and nodes, as the number of operators grows",
    "",
    `Each operation measured after ${POPULATIONS.join(", ")} other operators have staked and registered a TEE node. ` +
      "The first column also pays for the contract's first writes of its global totals (zero to non-zero).",
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
