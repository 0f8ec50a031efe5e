/**
 * Sending the deployment's transactions so that an interrupted run never sends one twice. Each transaction is
 * written to the deployments file (what it is, its nonce, its hash, for a contract the address that deployer and
 * nonce give) before it is broadcast or waited on; a rerun looks it up by hash instead of sending it again. Every
 * wait has a deadline whose error names the transaction and how to resume.
 */
import { Transaction, TransactionReceipt, TransactionRequest, Wallet, getCreateAddress } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { Signer } from "ethers";

import type { Deployment } from "./deployments";

export interface RecordedTransaction {
  /** What the transaction does: "OPG deployment", a genesis step's name. */
  what: string;
  nonce: number;
  hash: string;
  /** For a contract deployment: the address deployer and nonce give. */
  address?: string;
  /** "sent" until it has its confirmations, then "mined". */
  status: "sent" | "mined";
  blockNumber?: number;
  /** The signed transaction, kept while it is not mined: a rerun broadcasts these same bytes, never new ones. */
  raw?: string;
}

export class TransactionTimeoutError extends Error {}

export interface SenderOptions {
  /** Confirmations to wait for; 1 when the node mines each transaction on arrival. */
  confirmations: number;
  /** Seconds to wait for one transaction before giving up (it stays recorded). */
  timeoutSeconds: number;
  /** Milliseconds between two looks at the chain. */
  pollMs: number;
  /** Writes the deployments file; called after every change of the record. */
  save: () => void;
  /** Where the record is, for the messages. */
  file?: string;
  log: (line: string) => void;
  /** Test hook: stop the process (SIGKILL) when the Nth transaction of this run reaches a phase. */
  killAt?: { count: number; phase: "recorded" | "sent" };
}

/** Whether the node mines each transaction as it arrives (hardhat, anvil): then no second block may ever come. */
export async function detectAutomine(hre: HardhatRuntimeEnvironment): Promise<boolean> {
  for (const method of ["hardhat_getAutomine", "anvil_getAutomine"]) {
    try {
      if ((await hre.network.provider.send(method, [])) === true) return true;
      return false;
    } catch {
      // not this kind of node
    }
  }
  return false;
}

/** How many recent blocks pollInterval averages the block time over. */
const BLOCK_TIME_SAMPLE = 10;

/**
 * Milliseconds between two looks at the chain while a transaction waits for its confirmations: a quarter of the
 * block time the chain's last blocks show (timestamps are whole seconds), between 50 ms and 1 s, so that a block
 * is seen soon after it is mined without asking a slow chain more than once a second. 250 ms on a chain with too
 * few blocks to tell.
 */
export async function pollInterval(hre: HardhatRuntimeEnvironment): Promise<number> {
  const provider = hre.ethers.provider;
  const latest = await provider.getBlock("latest");
  if (!latest || latest.number < 2) return 250;
  // Block 0's timestamp is when the node started, not a block time: it is left out.
  const span = Math.min(BLOCK_TIME_SAMPLE, latest.number - 1);
  const earlier = await provider.getBlock(latest.number - span);
  if (!earlier) return 250;
  const blockTimeMs = ((latest.timestamp - earlier.timestamp) * 1000) / span;
  return Math.round(Math.min(1000, Math.max(50, blockTimeMs / 4)));
}

/** The deployer's key when Hardhat holds one for this network (remote networks): transactions are signed here. */
export function localKey(hre: HardhatRuntimeEnvironment): string | undefined {
  const accounts = hre.network.config.accounts;
  return Array.isArray(accounts) && typeof accounts[0] === "string" ? accounts[0] : undefined;
}

export class Sender {
  private sent = 0;
  private readonly wallet?: Wallet;

  constructor(
    private readonly hre: HardhatRuntimeEnvironment,
    private readonly deployer: Signer,
    private readonly deployerAddress: string,
    private readonly deployment: Deployment,
    private readonly options: SenderOptions,
  ) {
    const key = localKey(hre);
    if (key) this.wallet = new Wallet(key, hre.ethers.provider);
  }

  /** The recorded transaction for `what`, if a run has sent (or was about to send) it. */
  recorded(what: string): RecordedTransaction | undefined {
    return this.deployment.transactions.find((t) => t.what === what);
  }

  /** The nonce the next new transaction will have. */
  async nextNonce(): Promise<number> {
    return this.hre.ethers.provider.getTransactionCount(this.deployerAddress, "pending");
  }

  /** Sends `request` as `what` (or finds the recorded one) and waits for its confirmations. */
  async send(what: string, request: TransactionRequest, contract = false): Promise<TransactionReceipt> {
    const recorded = this.recorded(what);
    if (recorded) {
      const receipt = await this.resume(recorded);
      if (receipt) return receipt;
      // Never broadcast and not signed here (a node-held account): its nonce is still free, send it anew.
      this.deployment.transactions.splice(this.deployment.transactions.indexOf(recorded), 1);
    }
    const nonce = await this.nextNonce();
    const record: RecordedTransaction = { what, nonce, hash: "", status: "sent" };
    if (contract) record.address = getCreateAddress({ from: this.deployerAddress, nonce });
    const { log } = this.options;
    if (this.wallet) {
      const populated = await this.wallet.populateTransaction({ ...request, nonce });
      const raw = await this.wallet.signTransaction(populated);
      record.hash = Transaction.from(raw).hash!;
      record.raw = raw;
      this.record(record);
      log(`  ${what}: nonce ${nonce}, ${record.hash} recorded, broadcasting`);
      await this.hre.ethers.provider.broadcastTransaction(raw);
    } else {
      const tx = await this.deployer.sendTransaction({ ...request, nonce });
      record.hash = tx.hash;
      this.record(record);
      log(`  ${what}: nonce ${nonce}, sent ${tx.hash}`);
    }
    this.hook("sent");
    return this.wait(record);
  }

  private record(record: RecordedTransaction) {
    this.deployment.transactions.push(record);
    this.options.save();
    this.sent += 1;
    this.hook("recorded");
  }

  private hook(phase: "recorded" | "sent") {
    const kill = this.options.killAt;
    if (kill && kill.phase === phase && kill.count === this.sent) {
      this.options.log(`OPG_DEPLOY_KILL_AT: killed after transaction ${this.sent} was ${phase}`);
      process.kill(process.pid, "SIGKILL");
    }
  }

  /**
   * A transaction a previous run recorded: its receipt if it is mined or pending (waited for), the same signed
   * bytes broadcast again if the node never got them, undefined if it was never sent and may be sent anew.
   */
  private async resume(record: RecordedTransaction): Promise<TransactionReceipt | undefined> {
    const provider = this.hre.ethers.provider;
    const { log } = this.options;
    if (await provider.getTransactionReceipt(record.hash)) {
      log(`  ${record.what}: found ${record.hash} (nonce ${record.nonce}) on chain`);
      return this.wait(record);
    }
    if (await provider.getTransaction(record.hash)) {
      log(`  ${record.what}: ${record.hash} (nonce ${record.nonce}) is pending, waiting for it`);
      return this.wait(record);
    }
    const used = await provider.getTransactionCount(this.deployerAddress, "latest");
    if (used > record.nonce)
      throw new Error(
        `"${record.what}" was recorded as ${record.hash} with nonce ${record.nonce}, but the chain does not know ` +
          `that transaction and another one used the nonce (the deployer has sent ${used}). Nothing was sent. ` +
          `Look up the deployer's transaction with nonce ${record.nonce} on the explorer before going on.`,
      );
    if (record.raw) {
      log(`  ${record.what}: ${record.hash} (nonce ${record.nonce}) never reached the node, broadcasting it`);
      await provider.broadcastTransaction(record.raw);
      return this.wait(record);
    }
    log(`  ${record.what}: ${record.hash} (nonce ${record.nonce}) never reached the node, sending it anew`);
    return undefined;
  }

  /** Waits for the receipt and the confirmations, until the deadline. */
  private async wait(record: RecordedTransaction): Promise<TransactionReceipt> {
    const provider = this.hre.ethers.provider;
    const { confirmations, timeoutSeconds, pollMs } = this.options;
    const deadline = Date.now() + timeoutSeconds * 1000;
    let receipt: TransactionReceipt | null = null;
    let head = 0;
    for (;;) {
      receipt = await provider.getTransactionReceipt(record.hash);
      if (receipt) {
        if (receipt.status !== 1)
          throw new Error(`"${record.what}" reverted in ${record.hash} (block ${receipt.blockNumber})`);
        head = await provider.getBlockNumber();
        if (head - receipt.blockNumber + 1 >= confirmations) break;
      }
      if (Date.now() > deadline) throw this.timeout(record, receipt, head);
      await new Promise((r) => setTimeout(r, pollMs));
    }
    record.status = "mined";
    record.blockNumber = receipt.blockNumber;
    delete record.raw;
    this.options.save();
    return receipt;
  }

  private timeout(record: RecordedTransaction, receipt: TransactionReceipt | null, head: number) {
    const { confirmations, timeoutSeconds, file } = this.options;
    const state = receipt
      ? `is mined in block ${receipt.blockNumber} with ${head - receipt.blockNumber + 1} of ${confirmations} confirmations`
      : "is not mined yet";
    return new TransactionTimeoutError(
      `timed out after ${timeoutSeconds} s (TX_TIMEOUT) waiting for "${record.what}": transaction ${record.hash} ` +
        `(nonce ${record.nonce}) ${state}. It is recorded${file ? ` in ${file}` : ""}: run the same command again ` +
        `to resume; the run looks this transaction up by its hash and does not send it again.` +
        (receipt ? " If the node mines only when it receives a transaction, set CONFIRMATIONS=1." : ""),
    );
  }
}
