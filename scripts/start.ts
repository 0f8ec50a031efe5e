/**
 * `npm start [-- flags]`: the whole OPG network on this machine (scripts/devnet/run.ts): a hardhat node, the
 * deployment with the genesis, a scripted life of the network, and the indexer with its API and page.
 * `--rpc <url>` runs only the indexer and page against an existing deployment; `--print` deploys to an in-process
 * chain and prints the contracts and unlock timeline; `--help` lists the flags.
 */
import { ArgError, USAGE, parseStartArgs } from "./devnet/args";
import { StartError, runDevnet, runIndexerOnly } from "./devnet/run";

async function main(argv: string[]): Promise<void> {
  const args = parseStartArgs(argv);
  if (args.mode === "help") return console.log(USAGE);
  if (args.mode === "print") {
    const { printInProcess } = await import("./devnet/print");
    return printInProcess();
  }
  if (args.mode === "rpc") return runIndexerOnly(args);
  return runDevnet(args);
}

main(process.argv.slice(2)).then(
  () => process.exit(0),
  (error) => {
    if (error instanceof ArgError) console.error(`${error.message}\n\n${USAGE}`);
    else if (error instanceof StartError) console.error(error.message);
    else if (error?.name === "GenesisError") console.error(error.message);
    else console.error(error);
    // process.exit runs the supervisor's exit hook: no child outlives a failed start.
    process.exit(1);
  },
);
