/**
 * One hardhat node with the real deployment (deploy/deploy.ts), shared by the CLI's end-to-end files instead of
 * one node and one deployment each. Each file works on a copy of the deployments file in its own directory,
 * from a snapshot of the fresh deployment, and reverts to it when done: the files do not depend on their order.
 * The node stops after the last file (a root hook of the run).
 */
import { expect } from "chai";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

import type { Deployment } from "../../deploy/lib/deployments";
import { LocalNode, hardhat, startNode } from "../helpers/node";

interface Shared {
  node: LocalNode;
  /** Where deploy/deploy.ts wrote 31337.json. */
  deploymentsDir: string;
}

let shared: Promise<Shared> | undefined;

async function rpc<T>(url: string, method: string, params: unknown[] = []): Promise<T> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
  });
  const body = (await res.json()) as { result?: T; error?: { message: string } };
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result as T;
}

function deployed(): Promise<Shared> {
  shared ??= (async () => {
    const node = await startNode();
    const deploymentsDir = fs.mkdtempSync(path.join(os.tmpdir(), "opg-cli-deployed-"));
    const run = hardhat(["run", "deploy/deploy.ts", "--network", "localhost"], {
      LOCALHOST_RPC_URL: node.url,
      DEPLOYMENTS_DIR: deploymentsDir,
    });
    expect(run.status, run.output).to.equal(0);
    return { node, deploymentsDir };
  })();
  return shared;
}

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
  const { node, deploymentsDir } = await deployed();
  const snapshot = await rpc<string>(node.url, "evm_snapshot");
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.copyFileSync(path.join(deploymentsDir, "31337.json"), path.join(dir, "31337.json"));
  const deployment = JSON.parse(fs.readFileSync(path.join(dir, "31337.json"), "utf8")) as Deployment;
  return {
    url: node.url,
    dir,
    deployment,
    async release() {
      expect(await rpc<boolean>(node.url, "evm_revert", [snapshot])).to.equal(true);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

// A root hook: registered when a test file imports this module, it runs once after every file.
if (typeof after === "function")
  after(async () => {
    if (!shared) return;
    const { node, deploymentsDir } = await shared;
    await node.stop();
    fs.rmSync(deploymentsDir, { recursive: true, force: true });
  });
