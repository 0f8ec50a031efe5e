/**
 * Gas scenarios for the token and vesting, shared by the gas report (scripts/gas-report.ts) and the gas budget
 * test (test/gas/budgets.test.ts). Every figure is a receipt's gasUsed on the in-process Hardhat network.
 */
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import type { ContractTransactionResponse } from "ethers";

import { MONTH, Shape } from "../../deploy/lib/vesting";
import type { OZVestingWalletCliff } from "../../typechain-types";

/** The per-transaction gas cap (2^24) every transaction must fit under (contracts/DESIGN.md). */
export const TX_GAS_CAP = 2n ** 24n;

export interface GasRow {
  group: string;
  operation: string;
  ours: bigint;
  /** The same operation with OpenZeppelin's VestingWallet, measured in the same run. */
  openZeppelin?: bigint;
  /** What the OpenZeppelin figure stands for, or why there is none. */
  openZeppelinNote?: string;
  /** For an operation measured in a batch: the whole transaction's gas (ours is per item). */
  batchGas?: bigint;
  note?: string;
}

export async function measureGas(hre: HardhatRuntimeEnvironment): Promise<GasRow[]> {
  const { ethers } = hre;
  const [admin, alice, bob, carol, dave, treasury, erin] = await ethers.getSigners();
  const gas = async (tx: Promise<ContractTransactionResponse>) => (await (await tx).wait())!.gasUsed;
  const now = async () => BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
  const setTime = (t: bigint) => hre.network.provider.send("evm_setNextBlockTimestamp", [Number(t)]);

  const token = await ethers.deployContract("OPG", [admin.address]);
  const vault = await ethers.deployContract("VestingVault", [
    await token.getAddress(),
    admin.address,
    treasury.address,
  ]);
  const vaultAddress = await vault.getAddress();
  await token.approve(vaultAddress, ethers.MaxUint256);
  const rows: GasRow[] = [];

  // Token
  const opg = (n: number) => ethers.parseEther(String(n));
  rows.push({
    group: "token",
    operation: "transfer to a new holder",
    ours: await gas(token.transfer(alice.address, opg(1000))),
  });
  rows.push({
    group: "token",
    operation: "transfer to an existing holder",
    ours: await gas(token.transfer(alice.address, opg(1000))),
  });
  rows.push({
    group: "token",
    operation: "delegate (self, first time)",
    ours: await gas(token.connect(alice).delegate(alice.address)),
  });
  await token.connect(bob).delegate(bob.address);
  rows.push({
    group: "token",
    operation: "transfer between two delegated holders",
    ours: await gas(token.connect(alice).transfer(bob.address, opg(10))),
  });

  // The terms compared: a 12-month cliff, then 36 months linear, 10% unlocked at start.
  const start = (await now()) + 100n;
  const cliff = start + 12n * MONTH;
  const end = cliff + 36n * MONTH;
  const total = opg(1_000_000);
  const params = (beneficiary: string, revocable = false) => ({
    beneficiary,
    total,
    unlockedAtStart: total / 10n,
    start,
    cliff,
    end,
    shape: Shape.Linear,
    revocable,
  });

  // Creation: the first schedule and a later one.
  rows.push({
    group: "vesting",
    operation: "create one schedule (cliff + unlock at start), first",
    ours: await gas(vault.createSchedule(params(carol.address))),
  });
  const created = await gas(vault.createSchedule(params(dave.address, true)));
  rows.push({ group: "vesting", operation: "create one schedule (cliff + unlock at start)", ours: created });
  const delegated = await gas(vault.connect(dave).delegate(2n, dave.address));
  rows.push({
    group: "vesting",
    operation: "delegate locked votes (first use of the delegatee's vault)",
    ours: delegated,
  });
  rows.push({
    group: "vesting",
    operation: "create + delegate locked votes to self, together",
    ours: created + delegated,
  });

  for (const n of [10, 100]) {
    const batch = Array.from({ length: n }, (_, i) =>
      params(ethers.getAddress("0x" + (0xb000 + i).toString(16).padStart(40, "0"))),
    );
    const used = await gas(vault.createSchedules(batch));
    rows.push({
      group: "vesting",
      operation: `create in a batch of ${n}, per schedule`,
      ours: used / BigInt(n),
      batchGas: used,
      note: `${used.toLocaleString("en-US")} for the batch`,
    });
  }

  // OpenZeppelin VestingWalletCliff with the same start, cliff and end (no unlock at start: it has none).
  const wallets: OZVestingWalletCliff[] = [];
  let ozCreate = 0n;
  for (const who of [carol, dave, erin]) {
    const factory = await ethers.getContractFactory("OZVestingWalletCliff");
    const wallet = (await factory.deploy(
      who.address,
      start,
      end - start,
      cliff - start,
    )) as unknown as OZVestingWalletCliff;
    const deployGas = (await wallet.deploymentTransaction()!.wait())!.gasUsed;
    const fundGas = await gas(token.transfer(await wallet.getAddress(), total));
    ozCreate = deployGas + fundGas;
    wallets.push(wallet);
  }
  const createRow = rows.find((r) => r.operation === "create one schedule (cliff + unlock at start)")!;
  createRow.openZeppelin = ozCreate;
  createRow.openZeppelinNote = "deploy a VestingWalletCliff + fund it (a transfer)";
  createRow.note = "OZ: deploy a wallet + fund it";

  // OpenZeppelin in a batch: one transaction deploys and funds a wallet per beneficiary (contracts/test/bench/).
  const ozBatch = await ethers.deployContract("OZVestingWalletBatch");
  await token.approve(await ozBatch.getAddress(), ethers.MaxUint256);
  const ozBatchSize = 10;
  const ozBatchGas = await gas(
    ozBatch.deployAndFund(
      await token.getAddress(),
      Array.from({ length: ozBatchSize }, (_, i) =>
        ethers.getAddress("0x" + (0xc000 + i).toString(16).padStart(40, "0")),
      ),
      start,
      end - start,
      cliff - start,
      total,
    ),
  );
  const ozPerWallet = ozBatchGas / BigInt(ozBatchSize);
  Object.assign(
    rows.find((r) => r.operation === "create in a batch of 10, per schedule")!,
    {
      openZeppelin: ozPerWallet,
      openZeppelinNote: `${ozBatchGas.toLocaleString("en-US")} for 10 wallets deployed and funded in one transaction`,
    },
  );
  rows.find((r) => r.operation === "create in a batch of 100, per schedule")!.openZeppelinNote =
    `does not fit: 100 wallets would take about ${(ozPerWallet * 100n).toLocaleString("en-US")} gas, over the 2^24 cap; ` +
    `at most ${TX_GAS_CAP / ozPerWallet} wallets fit in one transaction`;

  // Releases: carol undelegated (schedule 1), dave self-delegated with locked votes delegated to self (schedule 2).
  await token.connect(dave).delegate(dave.address);
  const erinSchedule = await vault.nextScheduleId();
  await vault.createSchedule(params(erin.address));
  await token.connect(erin).delegate(erin.address);
  const release = (signer: typeof carol, id: bigint) => gas(vault.connect(signer).release(id));
  const ozRelease = (i: number) => gas(wallets[i]["release(address)"](token.getAddress()));

  await setTime(cliff + MONTH);
  const first = await release(carol, 1n);
  await setTime(cliff + MONTH + 10n);
  const ozFirst = await ozRelease(0);
  rows.push({
    group: "vesting",
    operation: "release, first (beneficiary holds no OPG yet)",
    ours: first,
    openZeppelin: ozFirst,
  });
  await setTime(cliff + 2n * MONTH);
  await release(dave, 2n);
  await release(erin, erinSchedule);
  await ozRelease(1);
  await ozRelease(2);

  await setTime(cliff + 3n * MONTH);
  const again = await release(carol, 1n);
  await setTime(cliff + 3n * MONTH + 10n);
  const ozAgain = await ozRelease(0);
  rows.push({
    group: "vesting",
    operation: "release again later, beneficiary undelegated",
    ours: again,
    openZeppelin: ozAgain,
  });
  await setTime(cliff + 4n * MONTH);
  const selfDelegated = await release(dave, 2n);
  await setTime(cliff + 4n * MONTH + 10n);
  const ozSelf = await ozRelease(1);
  rows.push({
    group: "vesting",
    operation: "release again later, beneficiary self-delegated (locked votes to self)",
    ours: selfDelegated,
    openZeppelin: ozSelf,
  });
  await setTime(cliff + 4n * MONTH + 20n);
  const selfNotLocked = await release(erin, erinSchedule);
  await setTime(cliff + 4n * MONTH + 30n);
  const ozSelf2 = await ozRelease(2);
  rows.push({
    group: "vesting",
    operation: "release again later, beneficiary self-delegated (locked votes not delegated)",
    ours: selfNotLocked,
    openZeppelin: ozSelf2,
  });

  // Delegation moves, handover, revocation.
  await vault.createSchedule(params(alice.address));
  const aliceSchedule = (await vault.nextScheduleId()) - 1n;
  rows.push({
    group: "vesting",
    operation: "delegate locked votes to an existing vault",
    ours: await gas(vault.connect(alice).delegate(aliceSchedule, dave.address)),
  });
  rows.push({
    group: "vesting",
    operation: "undelegate locked votes (back to the vault)",
    ours: await gas(vault.connect(alice).delegate(aliceSchedule, ethers.ZeroAddress)),
  });
  rows.push({
    group: "vesting",
    operation: "hand a schedule to a new beneficiary",
    ours: await gas(vault.connect(alice).transferSchedule(aliceSchedule, bob.address)),
  });
  const revoked = await gas(vault.revoke(2n));
  // OpenZeppelin's VestingWallet cannot be revoked. The nearest thing needs the beneficiary's consent: it releases
  // what has vested, then hands its wallet (Ownable) to the treasury, which gets the rest only as it vests.
  await setTime(cliff + 5n * MONTH);
  const handBack = (await ozRelease(1)) + (await gas(wallets[1].connect(dave).transferOwnership(treasury.address)));
  rows.push({
    group: "vesting",
    operation: "revoke (delegated schedule, mid-vesting)",
    ours: revoked,
    openZeppelin: handBack,
    openZeppelinNote:
      "no revoke: only with the beneficiary's consent (it releases, then hands the wallet to the treasury: " +
      "this figure), and the unvested part still reaches the treasury only as it vests, a release at a time",
    note: "OZ VestingWallet cannot be revoked: its figure needs the beneficiary's consent",
  });
  await setTime(cliff + 6n * MONTH);
  rows.push({
    group: "vesting",
    operation: "after a revocation, recover what vests later (treasury releases the handed-back wallet)",
    ours: 0n,
    openZeppelin: await gas(wallets[1]["release(address)"](token.getAddress())),
    openZeppelinNote: "one release, paid again each time more vests, until the end",
    note: "ours: nothing to do, revoke returned the unvested part at once",
  });
  return rows;
}
