/*
Merkle proofs: off chain (@openzeppelin/merkle-tree) and on chain (ProofRegistry) agree
├── for random trees of 1 to 200 records → every leaf hash is leafOf(record), and every record's proof verifies
│   with StandardMerkleTree.verify and with isIncluded(nodeId, root, …) against the root the node committed
├── for a copy of any record with one field tampered (one bit of a hash, or another proof type) → both reject it
└── for random records committed one by one (commitRecord) → getRecord(nodeId, id) holds the first 20 bytes of the
    off-chain leaf hash, isRecordCommitted(nodeId, …) accepts each record (under its node only) and rejects every
    tampered copy, and a one-record batch of the same record (root = leaf) is included with the empty proof and
    leaves the single record as it was
*/

import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import fc from "fast-check";

import { opg } from "../../deploy/lib/format";
import { REWARDS_TOTAL, deployTestCore } from "../helpers/core";
import { commitAndRegisterModel } from "../helpers/models";

const LEAF_ENCODING = ["bytes32", "bytes32", "bytes32", "bytes32", "uint8", "bytes32"];
const FIELDS = ["inferenceId", "modelId", "inputHash", "outputHash", "proofType", "proofHash"] as const;
const MODEL = ethers.id("weights:llama-3-8b");
const MEASUREMENT = ethers.id("enclave:mrenclave:v1");

interface Rec {
  inferenceId: string;
  modelId: string;
  inputHash: string;
  outputHash: string;
  proofType: number;
  proofHash: string;
}
type Values = [string, string, string, string, number, string];

/** The proof registry with one node, staked and registered for none, TEE and ZK. */
async function deployMerkleFixture() {
  const [deployer, admin, operator, modelOwner] = await ethers.getSigners();
  const { token, staking, models, nodes, proofs: registry } = await deployTestCore(deployer, admin);
  const stakingAddress = await staking.getAddress();
  await token.connect(admin).transfer(stakingAddress, REWARDS_TOTAL);
  await commitAndRegisterModel(models, modelOwner, MODEL, "ipfs://llama", 0n);
  await nodes.connect(admin).setTeeMeasurementApproval(MEASUREMENT, true);

  await token.connect(admin).transfer(operator.address, opg(100_000n));
  await token.connect(operator).approve(stakingAddress, opg(100_000n));
  await staking.connect(operator).stake(opg(100_000n));
  const nodeId = await nodes.nextNodeId();
  await nodes.connect(operator).registerNode(
    {
      metadataURI: "https://node.example/v1",
      modes: 7,
      teeMeasurement: MEASUREMENT,
      capacity: 16,
      prices: [opg(1n), opg(2n), opg(3n)],
    },
    [MODEL],
  );
  return { registry, nodeId, operator };
}

/** The first byte of the inference ids reserved for on-chain requests, which a node cannot commit. */
const RESERVED_PREFIX = "0xff";

const valuesOf = (r: Rec): Values => [r.inferenceId, r.modelId, r.inputHash, r.outputHash, r.proofType, r.proofHash];

/** Any 32 bytes, the all-zero and all-one words included. */
const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => ethers.hexlify(b));

const record: fc.Arbitrary<Rec> = fc.record({
  inferenceId: bytes32,
  modelId: bytes32,
  inputHash: bytes32,
  outputHash: bytes32,
  proofType: fc.integer({ min: 0, max: 2 }),
  proofHash: bytes32,
});

/** How to tamper with one record: which field, and which bit of it (or which other proof type). */
const tamper = fc.record({
  field: fc.integer({ min: 0, max: FIELDS.length - 1 }),
  bit: fc.integer({ min: 0, max: 255 }),
});

/** 1 to 200 distinct records, and one tampering per record. */
const batch = fc
  .integer({ min: 1, max: 200 })
  .chain((n) =>
    fc.tuple(
      fc.uniqueArray(record, { minLength: n, maxLength: n, selector: (r) => valuesOf(r).join() }),
      fc.array(tamper, { minLength: n, maxLength: n }),
    ),
  );

function tampered(r: Rec, t: { field: number; bit: number }): Rec {
  const field = FIELDS[t.field];
  if (field === "proofType") return { ...r, proofType: (r.proofType + 1 + (t.bit % 2)) % 3 };
  const flipped = BigInt(r[field]) ^ (1n << BigInt(t.bit));
  return { ...r, [field]: ethers.toBeHex(flipped, 32) };
}

describe("Merkle proofs: off chain and on chain agree", function () {
  it("for random trees of 1 to 200 records: every proof verifies both ways, and every tampered record fails both", async function () {
    this.timeout(600_000);
    const { registry, nodeId, operator } = await loadFixture(deployMerkleFixture);
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(batch, async ([records, tampers]) => {
        runs++;
        const tree = StandardMerkleTree.of(records.map(valuesOf), LEAF_ENCODING);
        const root = tree.root;
        await registry.connect(operator).commitBatch(nodeId, root, BigInt(records.length), "");
        const keys = new Set(records.map((r) => valuesOf(r).join()));

        for (const [i, r] of records.entries()) {
          const proof = tree.getProof(i);
          expect(await registry.leafOf(r), `leaf ${i}`).to.equal(tree.leafHash(valuesOf(r)));
          expect(StandardMerkleTree.verify(root, LEAF_ENCODING, valuesOf(r), proof), `off chain ${i}`).to.equal(true);
          expect(await registry.isIncluded(nodeId, root, r, proof), `on chain ${i}`).to.equal(true);

          const t = tampered(r, tampers[i]);
          // A tampered copy could only be included by being another record of the batch, which the bit flip
          // practically never gives; skip it if it does.
          if (keys.has(valuesOf(t).join())) continue;
          expect(
            StandardMerkleTree.verify(root, LEAF_ENCODING, valuesOf(t), proof),
            `tampered off chain ${i}`,
          ).to.equal(false);
          expect(await registry.isIncluded(nodeId, root, t, proof), `tampered on chain ${i}`).to.equal(false);
        }
      }),
      { numRuns: 20 },
    );
    expect(runs).to.be.gte(20);
  });

  it("for random single records: getRecord holds the leaf's first 20 bytes, and every tampered record fails isRecordCommitted", async function () {
    this.timeout(600_000);
    let runs = 0;
    // Ids a node may use: any but those starting with the reserved byte (a tampered copy may have one).
    const single = record.filter((r) => !r.inferenceId.startsWith(RESERVED_PREFIX));
    const singles = fc
      .integer({ min: 1, max: 12 })
      .chain((n) =>
        fc.tuple(
          fc.uniqueArray(single, { minLength: n, maxLength: n, selector: (r) => r.inferenceId }),
          fc.array(tamper, { minLength: n, maxLength: n }),
        ),
      );
    await fc.assert(
      fc.asyncProperty(singles, async ([records, tampers]) => {
        runs++;
        // A fresh registry per run: inference ids are unique for good.
        const { registry, nodeId, operator } = await loadFixture(deployMerkleFixture);
        for (const [i, r] of records.entries()) {
          const leaf = StandardMerkleTree.of([valuesOf(r)], LEAF_ENCODING).root;
          await registry.connect(operator).commitRecord(nodeId, r);
          const stored = await registry.getRecord(nodeId, r.inferenceId);
          expect(stored.leafPrefix, `prefix ${i}`).to.equal(ethers.dataSlice(leaf, 0, 20));
          expect(await registry.isRecordCommitted(nodeId, r), `committed ${i}`).to.equal(true);
          // Keyed by node: under any other node id the record is unknown.
          expect(await registry.isRecordCommitted(nodeId + 1n, r), `other node ${i}`).to.equal(false);
          expect((await registry.getRecord(nodeId + 1n, r.inferenceId)).challengeableUntil).to.equal(0n);
          // A single record is no batch; the one-record batch of it is, and the two stay apart.
          expect(await registry.isIncluded(nodeId, leaf, r, []), `no batch ${i}`).to.equal(false);
          await registry.connect(operator).commitBatch(nodeId, leaf, 1n, "");
          expect(await registry.isIncluded(nodeId, leaf, r, []), `batch ${i}`).to.equal(true);
          const after = await registry.getRecord(nodeId, r.inferenceId);
          expect([after.leafPrefix, after.challengeableUntil], `untouched ${i}`).to.deep.equal([
            stored.leafPrefix,
            stored.challengeableUntil,
          ]);

          const t = tampered(r, tampers[i]);
          // As above: a tampered copy that is another record of the run (practically never) is skipped.
          if (records.some((o) => valuesOf(o).join() === valuesOf(t).join())) continue;
          expect(await registry.isRecordCommitted(nodeId, t), `tampered ${i}`).to.equal(false);
        }
      }),
      { numRuns: 20 },
    );
    expect(runs).to.be.gte(20);
  });
});
