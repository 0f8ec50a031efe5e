/**
 * Governance and housekeeping events that move no balance (roles, parameters, pauses, the timelock's operations, fee
 * recipients, verifiers, commitments to a model registration or a challenge, nodes' coverage checks): one append-only row each in `protocol_event`, with the arguments as JSON, so that every
 * event of every contract is indexed.
 */
import { type EventNames, ponder } from "ponder:registry";
import { protocolEvent } from "ponder:schema";

import { where } from "./where.js";

const ROLES = ["RoleAdminChanged", "RoleGranted", "RoleRevoked"] as const;
const NAMES = [
  ...ROLES.map((r) => `ModelRegistry:${r}` as const),
  ...ROLES.map((r) => `NodeRegistry:${r}` as const),
  ...ROLES.map((r) => `OPGTimelock:${r}` as const),
  ...ROLES.map((r) => `PaymentsEscrow:${r}` as const),
  ...ROLES.map((r) => `ProofRegistry:${r}` as const),
  ...ROLES.map((r) => `Staking:${r}` as const),
  ...ROLES.map((r) => `VestingVault:${r}` as const),
  "ModelRegistry:MaxRoyaltySet",
  "ModelRegistry:ModelCommitted",
  "OPG:EIP712DomainChanged",
  "OPGTimelock:CallExecuted",
  "OPGTimelock:CallSalt",
  "OPGTimelock:CallScheduled",
  "OPGTimelock:Cancelled",
  "OPGTimelock:MinDelayChange",
  "PaymentsEscrow:EIP712DomainChanged",
  "PaymentsEscrow:FeeRecipientSet",
  "PaymentsEscrow:ProtocolFeeSet",
  "PaymentsEscrow:WithdrawalThawingPeriodSet",
  "ProofRegistry:ChallengeCommitted",
  "ProofRegistry:CoverageSet",
  "ProofRegistry:ChallengeBondSet",
  "ProofRegistry:ChallengeWindowSet",
  "ProofRegistry:DecisionPeriodSet",
  "ProofRegistry:LockBondSet",
  "ProofRegistry:SlashSet",
  "ProofRegistry:VerifierSet",
  "Staking:ChallengerShareSet",
  "Staking:CutChangeDelaySet",
  "Staking:MaxSlashSet",
  "Staking:MaxThawRequestsSet",
  "Staking:MinimumDelegationSet",
  "Staking:ThawingPeriodSet",
  "Staking:ProtocolContractsSet",
  "Staking:Paused",
  "Staking:Unpaused",
  "VestingVault:TreasurySet",
] as const satisfies readonly EventNames[];

for (const fullName of NAMES) {
  const [contract, name] = fullName.split(":") as [string, string];
  ponder.on(fullName, async ({ event, context }) => {
    await context.db.insert(protocolEvent).values({
      id: event.id,
      contract,
      name,
      args: JSON.stringify(event.args ?? {}, (_, v) => (typeof v === "bigint" ? v.toString() : v)),
      ...where(event),
    });
  });
}
