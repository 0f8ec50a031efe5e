/**
 * Writes the Foundry suites' deployment of the core (test/foundry/utils/SystemWiring.sol) from the tables deployCore
 * runs (CORE_DEPLOYMENTS and CORE_WIRING in deploy/core.ts), so that the deploy order, the constructor arguments and
 * the wiring calls are written down once:
 *
 *   npx tsx scripts/foundry-system.ts           # write it
 *   npx tsx scripts/foundry-system.ts --check   # exit 1 if it is stale (`npm run lint`)
 *
 * Solidity cannot call TypeScript, so the tables become Solidity: a contract's constructor arguments and a call's
 * arguments are cast to what the compiled ABI (artifacts/, `npx hardhat compile`) says each parameter is; CoreParams
 * becomes a struct whose fields take the Solidity type of the first parameter they are passed to. `needed` is left
 * out: a Foundry test always starts from a fresh chain. What only the suites do (the clock at the TGE, the rewards
 * allocation sent to staking, registering models) stays hand-written in test/foundry/utils/System.sol.
 */
import * as fs from "node:fs";
import * as path from "node:path";

import { CORE_DEPLOYMENTS, CORE_PARAMS, CORE_WIRING } from "../deploy/core";
import type { CoreArg, CoreParam } from "../deploy/core";
import { formatLike, runGenerator } from "./lib/generated";

const ROOT = path.join(__dirname, "..");
export const SYSTEM_WIRING = path.join(ROOT, "test", "foundry", "utils", "SystemWiring.sol");
const ARTIFACTS = path.join(ROOT, "artifacts", "contracts");

interface AbiParameter {
  name: string;
  type: string;
  internalType?: string;
}
interface AbiEntry {
  type: string;
  name?: string;
  inputs?: AbiParameter[];
}
interface Artifact {
  contractName: string;
  sourceName: string;
  abi: AbiEntry[];
}

/** The compiled artifact of a contract under contracts/, found by its name (artifacts/contracts/…/Name.sol/Name.json). */
function readArtifact(name: string): Artifact {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const full = path.join(dir, entry.name);
      if (entry.name === `${name}.sol` && fs.existsSync(path.join(full, `${name}.json`)))
        found.push(path.join(full, `${name}.json`));
      else walk(full);
    }
  };
  if (fs.existsSync(ARTIFACTS)) walk(ARTIFACTS);
  if (found.length !== 1)
    throw new Error(`${found.length} artifacts of ${name} under artifacts/contracts: run npx hardhat compile`);
  return JSON.parse(fs.readFileSync(found[0], "utf8"));
}

/** "rewards.total" -> "rewardsTotal": a CoreParam as a Solidity struct field. */
const fieldOf = (param: CoreParam) => param.replace(/\.(\w)/g, (_, c: string) => c.toUpperCase());

export async function printSystemWiring(): Promise<string> {
  const artifacts = new Map(CORE_DEPLOYMENTS.map((d) => [d.key, readArtifact(d.name)]));
  const paramTypes = new Map<CoreParam, string>();

  /** A table argument as Solidity, for a parameter of the ABI; `callee` is the contract whose roles a role names. */
  function render(arg: CoreArg, parameter: AbiParameter, callee: string): string {
    if (typeof arg === "object") return `s.${callee}.${arg.role}()`;
    if (Object.hasOwn(CORE_PARAMS, arg)) {
      const param = arg as CoreParam;
      const known = paramTypes.get(param);
      if (known && known !== parameter.type)
        throw new Error(`${param} is passed as ${known} and as ${parameter.type}: one Solidity field cannot be both`);
      paramTypes.set(param, parameter.type);
      return `p.${fieldOf(param)}`;
    }
    // A core contract: as an address, or as the contract or interface type the parameter declares, which the
    // contract converts to implicitly (the compiler checks that it implements it).
    return parameter.internalType === "address" ? `address(s.${arg})` : `s.${arg}`;
  }
  function renderArgs(args: readonly CoreArg[], inputs: AbiParameter[], what: string, callee: string): string {
    if (args.length !== inputs.length)
      throw new Error(`${what} takes ${inputs.length} arguments, the table in deploy/core.ts gives ${args.length}`);
    return args.map((arg, i) => render(arg, inputs[i], callee)).join(", ");
  }

  const deployments = CORE_DEPLOYMENTS.map(({ key, name, args }) => {
    const constructor = artifacts.get(key)!.abi.find((e) => e.type === "constructor");
    return `s.${key} = new ${name}(${renderArgs(args, constructor?.inputs ?? [], `${name}'s constructor`, key)});`;
  });
  const wiring = CORE_WIRING.flatMap(({ what, contract, method, args }) => {
    const name = CORE_DEPLOYMENTS.find((d) => d.key === contract)!.name;
    const overloads = artifacts
      .get(contract)!
      .abi.filter((e) => e.type === "function" && e.name === method && e.inputs?.length === args.length);
    if (overloads.length !== 1)
      throw new Error(`${name} has ${overloads.length} functions ${method} of ${args.length} arguments`);
    return [`// ${what}`, `s.${contract}.${method}(${renderArgs(args, overloads[0].inputs!, name, contract)});`];
  });

  const params = Object.keys(CORE_PARAMS).map((param) => {
    const type = paramTypes.get(param as CoreParam);
    if (!type) throw new Error(`CoreParams' ${param} reaches no constructor: its Solidity type is unknown`);
    return `${type} ${fieldOf(param as CoreParam)};`;
  });
  const imports = CORE_DEPLOYMENTS.map(({ key, name }) => {
    const source = artifacts.get(key)!.sourceName.replace(/^contracts\//, "@opg/");
    return `import {${name}} from "${source}";`;
  });

  const text = `// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// Generated by scripts/foundry-system.ts from the tables of deploy/core.ts (CORE_DEPLOYMENTS, CORE_WIRING): do not
// edit. Change the tables, then run \`npx tsx scripts/foundry-system.ts\`; \`npm run lint\` fails while this is stale.

${imports.join("\n")}

/// @notice What the core is deployed with: deploy/core.ts's CoreParams.
struct CoreParams {
${params.join("\n")}
}

/// @notice The core contracts (deploy/core.ts's CoreContracts) and what they were deployed with.
struct System {
${CORE_DEPLOYMENTS.map(({ key, name }) => `${name} ${key};`).join("\n")}
CoreParams params;
}

library SystemWiring {
    /// @notice Deploys the core contracts and wires them as deployCore does (deploy/core.ts). The calling contract
    /// deploys and sends the wiring calls, so it must be the admin.
    function deployCore(CoreParams memory p) internal returns (System memory s) {
        require(p.admin == address(this), "SystemWiring: the deployer must be the admin");
        s.params = p;
${deployments.join("\n")}
${wiring.join("\n")}
    }
}
`;
  return formatLike(SYSTEM_WIRING, text);
}

if (require.main === module) runGenerator(SYSTEM_WIRING, printSystemWiring, "npx tsx scripts/foundry-system.ts");
