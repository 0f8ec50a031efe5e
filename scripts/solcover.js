// solidity-coverage settings for `npm run coverage` (passed with --solcoverjs: the repository's top level is fixed).
// Test-only contracts (harnesses, mocks, attack contracts, OpenZeppelin's wallet measured beside ours) are not
// part of the figures.
module.exports = {
  skipFiles: ["test/"],
  istanbulReporter: ["json-summary", "json", "text", "html"],
  mocha: { timeout: 600000 },
};
