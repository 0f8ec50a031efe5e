/*
Foundry invariant campaigns and fuzz tests (test/foundry, short profile)
├── forge test (10 runs x 100 calls per invariant, every invariant checked after every call; 256 runs per fuzz test)
│   └── it passes: every suite, every invariant, every fuzz test (else: forge's reasons, counterexamples and output)
├── it reports the four invariant suites, the fuzz suite and the findings, with each invariant by name
├── every invariant campaign made its calls (runs x depth), and every handler function was called
├── every fuzz test ran its 256 runs
└── the findings' reproductions pass
*/

import { expect } from "chai";

import { ForgeRun, formatRun, runForge } from "./forge";

const INVARIANTS: Record<string, string[]> = {
  TokenVestingInvariants: [
    "invariant_releasedLeVestedLeTotalMonotoneClosedForm",
    "invariant_totalSupplyOnlyGoesDown",
    "invariant_vestingHoldsExactlyUnreleased",
  ],
  StakingInvariants: [
    "invariant_delegatorNeverAcceptsACutAboveItsBound",
    "invariant_pendingChallengeKeepsItsStakeInStaking",
    "invariant_slashedOperatorLosesExactlyTheSlash",
    "invariant_stakingHoldsExactlyStakedPlusThawing",
    "invariant_totalSupplyOnlyGoesDown",
  ],
  EscrowInvariants: [
    "invariant_escrowHoldsExactlyPayerBalancesPlusLockedFees",
    "invariant_requestPaysOrRefundsAtMostOnce",
    "invariant_totalSupplyOnlyGoesDown",
    "invariant_voucherPaysAtMostItsCumulativeAmountOnce",
    "invariant_withdrawalNeverTakesFundsOwedForEarlierVouchers",
  ],
  AdversariesInvariants: [
    "invariant_coalitionNeverProfitsFromWrongRecords",
    "invariant_everyTokenIsAccountedFor",
    "invariant_feesReachOnlyStakeThatWasThereUnderTheAcceptedCut",
    "invariant_honestNodesArePaid",
    "invariant_pendingChallengeKeepsItsStakeInStaking",
  ],
};
/** The handler functions each suite targets (forge's metrics name them "Handler.function"). */
const HANDLER_FUNCTIONS: Record<string, number> = {
  TokenVestingInvariants: 14,
  StakingInvariants: 20,
  EscrowInvariants: 19,
  AdversariesInvariants: 26,
};
const SHORT = { runs: 10, depth: 100, fuzzRuns: 256 };

describe("Foundry invariant campaigns and fuzz tests (short profile)", function () {
  // The first run compiles contracts/ and the suites with solcjs (a minute or more on a busy machine); forge caches
  // the build in test/foundry/cache, so later runs only fuzz.
  this.timeout(20 * 60_000);
  let run: ForgeRun;

  before(async function () {
    run = await runForge("short");
  });

  it("forge passes every suite", function () {
    if (!run.ok) expect.fail(`forge failed (exit code ${run.exitCode}):\n${formatRun(run)}`);
  });

  it("reports the four invariant suites, the fuzz suite and the findings, each invariant by name", function () {
    const names = run.suites.map((s) => s.suite);
    expect(names).to.have.members([...Object.keys(INVARIANTS), "MathEdgesFuzz", "FindingsTest"]);
    for (const [suite, invariants] of Object.entries(INVARIANTS)) {
      const found = run.suites.find((s) => s.suite === suite)!;
      expect(
        found.tests.map((t) => t.name),
        suite,
      ).to.have.members(invariants);
      expect(
        found.tests.every((t) => t.kind === "invariant"),
        suite,
      ).to.equal(true);
    }
  });

  it("every invariant campaign made all its calls, and every handler function was called", function () {
    for (const suite of Object.keys(INVARIANTS)) {
      const found = run.suites.find((s) => s.suite === suite)!;
      expect(found.calls, suite).to.equal(SHORT.runs * SHORT.depth * INVARIANTS[suite].length);
      for (const t of found.tests) {
        expect(t.runs, `${suite}.${t.name} runs`).to.equal(SHORT.runs);
        expect(t.calls, `${suite}.${t.name} calls`).to.equal(SHORT.runs * SHORT.depth);
        // Most calls go through: a campaign of reverted calls would test nothing.
        expect(t.reverts, `${suite}.${t.name} reverts`).to.be.below(t.calls / 5);
        const called = Object.entries(t.metrics).filter(([, calls]) => calls > 0);
        expect(called.length, `${suite}.${t.name} handler functions called`).to.equal(HANDLER_FUNCTIONS[suite]);
      }
    }
  });

  it("every fuzz test ran its runs", function () {
    const fuzz = run.suites.find((s) => s.suite === "MathEdgesFuzz")!;
    expect(fuzz.tests.length).to.be.at.least(10);
    for (const t of fuzz.tests) {
      expect(t.kind, t.name).to.equal("fuzz");
      expect(t.runs, t.name).to.equal(SHORT.fuzzRuns);
    }
  });

  it("the findings' reproductions pass", function () {
    const findings = run.suites.find((s) => s.suite === "FindingsTest")!;
    expect(findings.tests.map((t) => t.name)).to.have.members([
      "test_fixed_lockNeverAboveSlashableAfterDustSweep",
      "test_limitation_operatorLocksItsDelegatorsAtABurnedBondPerChallenge",
      "test_fixed_payerOwnedRoyaltyRaisedAfterSigning",
    ]);
    expect(findings.tests.every((t) => t.passed)).to.equal(true);
  });
});
