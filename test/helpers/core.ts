/**
 * The core system as the unit fixtures start from it: deployed and wired by deploy/core.ts, as deploySystem does,
 * with a signer in the timelock's place and no genesis.
 */
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { ZeroAddress } from "ethers";
import type { Signer } from "ethers";

import { CoreContracts, CoreParams, deployCore, direct } from "../../deploy/core";
import { opg } from "../../deploy/lib/format";
import { MONTH } from "./protocol";

/** Staking's reward emission in the fixtures: the genesis allocation, over 96 months. */
export const REWARDS_TOTAL = opg(100_000_000n);
export const REWARDS_DURATION = 96n * MONTH;

/**
 * `deployer` deploys; `admin` receives the whole supply and holds every admin role. Rewards start with the next
 * block, protocol fees burn, and the vault's treasury is `treasury` (the admin by default). Staking is not funded.
 * `afterDeploy` runs between the deployments and the wiring, as deploySystem's genesis does.
 */
export async function deployTestCore(
  deployer: Signer,
  admin: Signer,
  { treasury, afterDeploy }: Pick<Partial<CoreParams>, "treasury" | "afterDeploy"> = {},
): Promise<CoreContracts> {
  const adminAddress = await admin.getAddress();
  return deployCore(direct(deployer, admin), {
    admin: adminAddress,
    treasury: treasury ?? adminAddress,
    rewards: { total: REWARDS_TOTAL, start: BigInt(await time.latest()) + 1n, duration: REWARDS_DURATION },
    feeRecipient: ZeroAddress,
    afterDeploy,
  });
}
