/**
 * The hand-over report, read from the chain after a deployment: every role of every deployed contract and who
 * holds it among the accounts the deployment knows, the timelock's own roles, and what the deployer kept.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { Contract, ZeroAddress, getAddress } from "ethers";

import { Deployment } from "./deployments";
import { formatOpg } from "./format";

export interface HandOverReport {
  /** One line per role: "VestingVault.DEFAULT_ADMIN_ROLE: timelock (0x...)". */
  roles: string[];
  /** OPG held by each known account, largest first (zero balances left out). */
  holdings: string[];
  /** What is wrong: the deployer holds a role, an admin role is not the timelock's, the deployer holds OPG. */
  problems: string[];
  /** What is allowed but worth saying (a rehearsal's deployer as the timelock's proposer). */
  notes: string[];
}

export interface HandOverOptions {
  /** Other accounts to look at, by label: proposers, beneficiaries, the fee recipient. */
  accounts: Record<string, string>;
  /** A rehearsal or a local chain without TIMELOCK_PROPOSERS: the deployer may be the timelock's proposer. */
  deployerMayPropose: boolean;
  /** A rehearsal: every allocation went to the deployer. */
  deployerMayHoldOpg: boolean;
}

export async function handOverReport(
  hre: HardhatRuntimeEnvironment,
  deployment: Deployment,
  options: HandOverOptions,
): Promise<HandOverReport> {
  const provider = hre.ethers.provider;
  const deployer = getAddress(deployment.deployer);
  const timelock = deployment.contracts.OPGTimelock?.address;
  const labels = new Map<string, string>();
  const label = (address: string, name: string) => {
    const a = getAddress(address);
    if (!labels.has(a)) labels.set(a, name);
  };
  label(deployer, "deployer");
  for (const [name, c] of Object.entries(deployment.contracts)) if (c) label(c.address, name);
  for (const [name, address] of Object.entries(options.accounts)) label(address, name);
  label(ZeroAddress, "anyone (address 0)");
  const who = (a: string) => `${labels.get(a)} (${a})`;

  const report: HandOverReport = { roles: [], holdings: [], problems: [], notes: [] };
  for (const [name, deployed] of Object.entries(deployment.contracts)) {
    if (!deployed) continue;
    const { abi } = await hre.artifacts.readArtifact(name);
    const contract = new Contract(deployed.address, abi, provider);
    if (!contract.interface.getFunction("hasRole")) continue;
    // Every role the contract declares: its constant views named *_ROLE.
    const roleNames = contract.interface.fragments
      .filter((f) => f.type === "function")
      .map((f) => f as unknown as { name: string; inputs: unknown[]; outputs: { type: string }[] })
      .filter((f) => f.name.endsWith("_ROLE") && f.inputs.length === 0 && f.outputs[0]?.type === "bytes32")
      .map((f) => f.name)
      .sort((a, b) => (a === "DEFAULT_ADMIN_ROLE" ? -1 : b === "DEFAULT_ADMIN_ROLE" ? 1 : a.localeCompare(b)));
    for (const roleName of roleNames) {
      const role: string = await contract.getFunction(roleName)();
      const holders: string[] = [];
      for (const account of labels.keys()) if (await contract.hasRole(role, account)) holders.push(account);
      report.roles.push(`${name}.${roleName}: ${holders.length ? holders.map(who).join(", ") : "nobody known"}`);
      if (holders.includes(deployer)) {
        const timelockRole = name === "OPGTimelock" && ["PROPOSER_ROLE", "CANCELLER_ROLE"].includes(roleName);
        const line = `the deployer ${deployer} holds ${roleName} on ${name}`;
        if (timelockRole && options.deployerMayPropose) report.notes.push(`${line} (TIMELOCK_PROPOSERS is not set)`);
        else report.problems.push(line);
      }
      if (roleName === "DEFAULT_ADMIN_ROLE" && name !== "OPGTimelock" && timelock && !holders.includes(timelock))
        report.problems.push(`the timelock does not hold DEFAULT_ADMIN_ROLE on ${name}`);
    }
  }

  // Staking's slasher and fee source are not roles: each is one contract, set once.
  const staking = deployment.contracts.Staking;
  if (staking) {
    const { abi } = await hre.artifacts.readArtifact("Staking");
    const contract = new Contract(staking.address, abi, provider);
    const expected = { slasher: "ProofRegistry", feeSource: "PaymentsEscrow" } as const;
    for (const [view, name] of Object.entries(expected)) {
      const holder = getAddress(await contract.getFunction(view)());
      if (!labels.has(holder)) label(holder, "unknown");
      report.roles.push(`Staking.${view}: ${who(holder)}`);
      const wanted = deployment.contracts[name as keyof typeof deployment.contracts]?.address;
      if (!wanted || holder !== getAddress(wanted)) report.problems.push(`Staking's ${view} is not the ${name}`);
    }
  }

  const token = deployment.contracts.OPG;
  if (token) {
    const { abi } = await hre.artifacts.readArtifact("OPG");
    const opg = new Contract(token.address, abi, provider);
    const balances: [string, bigint][] = [];
    for (const account of labels.keys()) {
      const balance: bigint = await opg.balanceOf(account);
      if (balance > 0n) balances.push([account, balance]);
    }
    balances.sort((a, b) => (b[1] > a[1] ? 1 : b[1] < a[1] ? -1 : 0));
    report.holdings = balances.map(([a, b]) => `${who(a)}: ${formatOpg(b)}`);
    const own = balances.find(([a]) => a === deployer)?.[1] ?? 0n;
    if (own > 0n) {
      const line = `the deployer ${deployer} holds ${formatOpg(own)}`;
      if (options.deployerMayHoldOpg) report.notes.push(`${line} (a rehearsal: every allocation went to the deployer)`);
      else report.problems.push(line);
    }
  }
  return report;
}
