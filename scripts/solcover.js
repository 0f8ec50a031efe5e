// solidity-coverage settings for `npm run coverage` (passed with --solcoverjs: the repository's top level is fixed).
// Test-only contracts (harnesses, mocks, attack contracts, OpenZeppelin's wallet measured beside ours) are not
// part of the figures.

/**
 * Tests that assert a gas budget ("at most 60,000 gas") measure the optimized contracts; instrumentation adds gas to
 * every line, so under coverage they would fail for a reason that is not theirs. They run in `npm test`.
 */
const GAS_BUDGET = /at most [\d,]+ gas/;

module.exports = {
  skipFiles: ["test/"],
  istanbulReporter: ["json-summary", "json", "text", "html"],
  // The plugin hands its hooks the Hardhat config object that `hardhat test` reads its mocha settings from.
  onServerReady: (config) => {
    config.mocha = { ...config.mocha, grep: GAS_BUDGET, invert: true };
  },
};
