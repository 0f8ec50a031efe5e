/**
 * The OPG allocation table (contracts/DESIGN.md, "The genesis"), as typed data, and the checks
 * that a genesis built from it must pass before a single transaction is sent.
 */
import { MONTH, Shape, ScheduleTerms, vestedAt } from "./lib/vesting";
import { formatOpg, opg } from "./lib/format";

export const TOTAL_SUPPLY = opg(1_000_000_000);

/** The published token generation event: 2026-04-21 00:00 UTC. */
export const PUBLISHED_TGE = BigInt(Date.UTC(2026, 3, 21) / 1000);

/** How a category's tokens leave the genesis account. */
export type Release =
  /** Sent at genesis to each grant's address; circulating at once. */
  | { kind: "transfer" }
  /** Locked in the vesting vault: a share unlocked at TGE, then a cliff, then vesting to the end. */
  | {
      kind: "vesting";
      /** The share of each grant unlocked at TGE, as an exact fraction. */
      unlockAtTge: { numerator: bigint; denominator: bigint };
      cliffMonths: bigint;
      /** Months of vesting after the cliff. */
      vestingMonths: bigint;
      shape: Shape;
      revocable: boolean;
    }
  /** Sent at genesis to a contract that pays it out over `months` (staking rewards); circulating as paid. */
  | { kind: "emission"; months: bigint };

export type CategoryKey =
  "ecosystem" | "foundation" | "coreContributors" | "investors" | "stakingRewards" | "liquidity" | "airdrop";

export interface CategoryTerms {
  name: string;
  amount: bigint;
  release: Release;
}

/** One address's share of a category. */
export interface Grant {
  /** An address, or a placeholder: {@link TIMELOCK} or {@link STAKING}. */
  beneficiary: string;
  amount: bigint;
  /** Who this is, for people reading the table and the deploy log; never sent on chain. */
  label?: string;
}

export interface Category extends CategoryTerms {
  key: CategoryKey;
  grants: Grant[];
}

/** Stands for the timelock's address, which is known only once it is deployed. */
export const TIMELOCK = "timelock";

/** Stands for the staking contract's address: where the staking-rewards allocation streams from. */
export const STAKING = "staking";

/** The placeholders a beneficiary may be, resolved to addresses during the deployment. */
export const PLACEHOLDERS = [TIMELOCK, STAKING];

export interface Genesis {
  /** Unix seconds: the start of every schedule. */
  tge: bigint;
  /** Receives the unvested part of revoked schedules: an address or {@link TIMELOCK}. */
  treasury: string;
  categories: Category[];
}

/** The published categories and terms. Every "cliff, then N months" reads: nothing before the cliff, then linear. */
export const ALLOCATION_TABLE: Record<CategoryKey, CategoryTerms> = {
  ecosystem: {
    name: "Ecosystem",
    amount: opg(400_000_000),
    release: vesting({ unlock: [1n, 10n], cliffMonths: 0n, vestingMonths: 60n, revocable: false }),
  },
  foundation: {
    name: "Foundation",
    amount: opg(150_000_000),
    release: vesting({ unlock: [1n, 3n], cliffMonths: 0n, vestingMonths: 48n, revocable: false }),
  },
  coreContributors: {
    name: "Core contributors",
    amount: opg(150_000_000),
    release: vesting({ unlock: [0n, 1n], cliffMonths: 12n, vestingMonths: 36n, revocable: true }),
  },
  investors: {
    name: "Investors and advisors",
    amount: opg(100_000_000),
    release: vesting({ unlock: [0n, 1n], cliffMonths: 12n, vestingMonths: 36n, revocable: false }),
  },
  stakingRewards: { name: "Staking rewards", amount: opg(100_000_000), release: { kind: "emission", months: 96n } },
  liquidity: { name: "Liquidity and launch", amount: opg(60_000_000), release: { kind: "transfer" } },
  airdrop: { name: "Airdrop", amount: opg(40_000_000), release: { kind: "transfer" } },
};

/** The circulating supply at TGE that the published figures give: 40M + 50M + 60M + 40M. */
export const PUBLISHED_CIRCULATING_AT_TGE = opg(190_000_000);

function vesting(o: { unlock: [bigint, bigint]; cliffMonths: bigint; vestingMonths: bigint; revocable: boolean }) {
  return {
    kind: "vesting" as const,
    unlockAtTge: { numerator: o.unlock[0], denominator: o.unlock[1] },
    cliffMonths: o.cliffMonths,
    vestingMonths: o.vestingMonths,
    shape: Shape.Linear,
    revocable: o.revocable,
  };
}

/** Builds a genesis from the published table and, for each category, who receives it. */
export function buildGenesis(options: {
  tge: bigint;
  treasury: string;
  grants: Record<CategoryKey, Grant[]>;
}): Genesis {
  const categories = (Object.keys(ALLOCATION_TABLE) as CategoryKey[]).map((key) => ({
    key,
    ...ALLOCATION_TABLE[key],
    grants: options.grants[key] ?? [],
  }));
  return { tge: options.tge, treasury: options.treasury, categories };
}

/** A vesting schedule the genesis creates, with its category. */
export interface GenesisSchedule extends ScheduleTerms {
  category: CategoryKey;
  beneficiary: string;
  revocable: boolean;
  label?: string;
}

/** The vesting schedules of a genesis, in the order the deployment creates them. */
export function genesisSchedules(genesis: Genesis): GenesisSchedule[] {
  const schedules: GenesisSchedule[] = [];
  for (const category of genesis.categories) {
    const release = category.release;
    if (release.kind !== "vesting") continue;
    for (const grant of category.grants) {
      const cliff = genesis.tge + release.cliffMonths * MONTH;
      schedules.push({
        category: category.key,
        beneficiary: grant.beneficiary,
        label: grant.label,
        total: grant.amount,
        unlockedAtStart: (grant.amount * release.unlockAtTge.numerator) / release.unlockAtTge.denominator,
        start: genesis.tge,
        cliff,
        end: cliff + release.vestingMonths * MONTH,
        shape: release.shape,
        revocable: release.revocable,
      });
    }
  }
  return schedules;
}

/** Thrown with every problem found in a genesis, each naming its row. */
export class GenesisError extends Error {
  constructor(readonly problems: string[]) {
    super(`the allocation table is refused, nothing was deployed:\n  - ${problems.join("\n  - ")}`);
    this.name = "GenesisError";
  }
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;
const ZERO_ADDRESS = /^0x0{40}$/;
const UINT96_MAX = 2n ** 96n - 1n;
const UINT40_MAX = 2n ** 40n - 1n;

/** Every problem of a genesis, each naming the category and grant it is in; empty when the genesis is sound. */
export function genesisProblems(genesis: Genesis): string[] {
  const problems: string[] = [];
  const isAddress = (a: string) => PLACEHOLDERS.includes(a) || (ADDRESS.test(a) && !ZERO_ADDRESS.test(a));
  if (genesis.tge <= 0n || genesis.tge > UINT40_MAX) problems.push(`TGE: ${genesis.tge} is not a unix time`);
  if (!isAddress(genesis.treasury)) problems.push(`treasury: "${genesis.treasury}" is not a non-zero address`);

  const seen = new Set<CategoryKey>();
  let sum = 0n;
  for (const category of genesis.categories) {
    const row = `${category.name} (${category.key})`;
    if (seen.has(category.key)) problems.push(`${row}: listed twice`);
    seen.add(category.key);
    sum += category.amount;

    const release = category.release;
    if (release.kind === "vesting") {
      const { numerator, denominator } = release.unlockAtTge;
      if (denominator <= 0n || numerator < 0n || numerator > denominator)
        problems.push(`${row}: unlock at TGE ${numerator}/${denominator} is not a share between 0 and 1`);
      if (release.cliffMonths < 0n || release.vestingMonths < 0n)
        problems.push(
          `${row}: cliff (${release.cliffMonths} months) and vesting (${release.vestingMonths} months) must not be negative`,
        );
      if (release.vestingMonths === 0n && release.cliffMonths === 0n && numerator !== denominator)
        problems.push(`${row}: nothing vests after TGE, so the unlock at TGE must be everything`);
    }
    if (release.kind === "emission") {
      if (release.months <= 0n) problems.push(`${row}: an emission needs a duration`);
      if (category.grants.length !== 1 || category.grants[0].beneficiary !== STAKING)
        problems.push(`${row}: must go whole to "${STAKING}", the contract that streams it to stakers`);
    }

    if (category.grants.length === 0)
      problems.push(`${row}: no grants: someone must receive ${formatOpg(category.amount)}`);
    let granted = 0n;
    category.grants.forEach((grant, i) => {
      const where = `${row}, grant ${i + 1}${grant.label ? ` "${grant.label}"` : ""}`;
      granted += grant.amount;
      if (!isAddress(grant.beneficiary))
        problems.push(`${where}: beneficiary "${grant.beneficiary}" is not a non-zero address`);
      if (grant.amount <= 0n) problems.push(`${where}: amount ${grant.amount} is not positive`);
      if (grant.amount > UINT96_MAX)
        problems.push(`${where}: amount ${formatOpg(grant.amount)} does not fit a schedule`);
      if (release.kind === "vesting") {
        const { numerator, denominator } = release.unlockAtTge;
        if (denominator > 0n && (grant.amount * numerator) % denominator !== 0n)
          problems.push(
            `${where}: ${numerator}/${denominator} of ${formatOpg(grant.amount)} is not a whole number of wei`,
          );
      }
    });
    if (granted !== category.amount)
      problems.push(`${row}: grants add up to ${formatOpg(granted)}, the category is ${formatOpg(category.amount)}`);
  }
  for (const key of Object.keys(ALLOCATION_TABLE) as CategoryKey[])
    if (!seen.has(key)) problems.push(`${ALLOCATION_TABLE[key].name} (${key}): missing from the table`);
  if (sum !== TOTAL_SUPPLY)
    problems.push(`total: the categories add up to ${formatOpg(sum)}, the supply is ${formatOpg(TOTAL_SUPPLY)}`);

  for (const schedule of problems.length === 0 ? genesisSchedules(genesis) : []) {
    if (schedule.end > UINT40_MAX)
      problems.push(`${schedule.category}, ${schedule.beneficiary}: ends after 2^40 seconds`);
  }
  return problems;
}

/** Throws a {@link GenesisError} that lists every problem of the genesis. */
export function checkGenesis(genesis: Genesis): void {
  const problems = genesisProblems(genesis);
  if (problems.length > 0) throw new GenesisError(problems);
}

/**
 * What a category has released to its holders by `time`: vested for schedules, everything for transfers, and
 * the linear emission for staking rewards (paid to stakers as it accrues).
 */
export function unlockedByCategory(genesis: Genesis, time: bigint): Record<CategoryKey, bigint> {
  const result = {} as Record<CategoryKey, bigint>;
  for (const category of genesis.categories) result[category.key] = 0n;
  for (const category of genesis.categories) {
    const release = category.release;
    if (release.kind === "transfer") result[category.key] = time >= genesis.tge ? category.amount : 0n;
    if (release.kind === "emission")
      result[category.key] = vestedAt(
        {
          total: category.amount,
          unlockedAtStart: 0n,
          start: genesis.tge,
          cliff: genesis.tge,
          end: genesis.tge + release.months * MONTH,
          shape: Shape.Linear,
        },
        time,
      );
  }
  for (const schedule of genesisSchedules(genesis)) result[schedule.category] += vestedAt(schedule, time);
  return result;
}

/** The circulating supply at `time`: everything unlocked, in every category. */
export function circulatingAt(genesis: Genesis, time: bigint): bigint {
  return Object.values(unlockedByCategory(genesis, time)).reduce((a, b) => a + b, 0n);
}
