/**
 * `npm start -- --print`: deploys the whole system with the devnet genesis to an in-process chain and prints what
 * it made: the contracts, the schedules and the unlock timeline by category. Nothing keeps running.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";

import { unlockedByCategory } from "../../deploy/genesis";
import { formatOpg, formatTime } from "../lib/opg";
import { MONTH } from "../lib/units";

export async function printInProcess(): Promise<void> {
  process.env.HARDHAT_NETWORK = "hardhat";
  const hre = (await import("hardhat")).default as HardhatRuntimeEnvironment;
  await hre.run("compile", { quiet: true });
  const { optionsFromEnv } = await import("../../deploy/config");
  const { deploySystem } = await import("../../deploy/system");
  const options = await optionsFromEnv(hre);
  const system = await deploySystem(hre, options);
  const { genesis } = options;

  console.log("\ncontracts:");
  for (const [name, c] of Object.entries(system.deployment.contracts))
    console.log(`  ${name.padEnd(15)} ${c!.address}  block ${c!.blockNumber}`);

  console.log("\nvesting schedules:");
  for (const s of system.schedules)
    console.log(
      `  #${s.id} ${s.category.padEnd(17)} ${s.beneficiary}  ${formatOpg(s.total).padStart(18)}  ${formatTime(s.start)} -> ${formatTime(s.end)}${s.revocable ? "  revocable" : ""}`,
    );

  const keys = genesis.categories.map((c) => c.key);
  console.log("\nunlocked by category (OPG millions):");
  console.log(
    `  ${"month".padEnd(7)}${keys.map((k) => k.slice(0, 11).padStart(12)).join("")}${"circulating".padStart(14)}`,
  );
  for (const month of [0n, 6n, 12n, 13n, 24n, 36n, 48n, 60n, 96n]) {
    const unlocked = unlockedByCategory(genesis, genesis.tge + month * MONTH);
    const millions = (wei: bigint) => (Number(wei / 10n ** 15n) / 1e9).toFixed(1);
    const total = Object.values(unlocked).reduce((a, b) => a + b, 0n);
    console.log(
      `  ${("+" + month).padEnd(7)}${keys.map((k) => millions(unlocked[k]).padStart(12)).join("")}${millions(total).padStart(14)}`,
    );
  }
  console.log(`\ncirculating at TGE, read from the chain: ${formatOpg(system.circulatingAtTge)}`);
}
