/**
 * The CLI's end-to-end files work on the run's shared node with the real deployment (test/helpers/node.ts,
 * sharedDeployment), not on a node and a deployment of their own. Each file starts from the fresh deployment, on a
 * copy of the deployments file in its own directory, and goes back to it when done: the files do not depend on
 * their order.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import type { Deployment } from "../../deploy/lib/deployments";
import { sharedDeployment } from "../helpers/node";

export interface DeployedChain {
  /** The node's JSON-RPC URL. */
  url: string;
  /** This file's own directory, holding a copy of the deployments file (31337.json). */
  dir: string;
  deployment: Deployment;
  /** Back to the fresh deployment (the chain's state and time), and this file's directory removed. */
  release(): Promise<void>;
}

/** The shared node at the state of the fresh deployment, with a directory of this file's own. */
export async function deployedChain(prefix: string): Promise<DeployedChain> {
  const chain = await sharedDeployment();
  await chain.fresh();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.copyFileSync(path.join(chain.deploymentsDir, "31337.json"), path.join(dir, "31337.json"));
  const deployment = JSON.parse(fs.readFileSync(path.join(dir, "31337.json"), "utf8")) as Deployment;
  return {
    url: chain.url,
    dir,
    deployment,
    async release() {
      await chain.fresh();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
