/*
ProofRegistry (batches keyed by (nodeId, root), single records by (nodeId, inferenceId); disputes per record)
├── deployment → it stores the token, node registry and staking; the admin holds DEFAULT_ADMIN_ROLE and ARBITER_ROLE;
│   the window is 7 days, the decision period 7 days, the slash 5%, the bond 100 OPG, RECHALLENGE_WINDOW 1 day; no
│   verifier is set; the reserved prefix is 0xff; staking's slasher is the registry (setProtocolContracts)
├── commitRecord
│   ├── when the caller is not the node's operator (a stranger, the delegator, another operator, an unknown id)
│   │   → it reverts ProofsNotNodeOperator(nodeId, caller)
│   ├── given the node is deregistered → it reverts ProofsNotNodeOperator
│   ├── given the node is jailed → it reverts ProofsNotNodeOperator until the term ends
│   ├── when the inference id starts with 0xff → it reverts ProofsReservedInferenceId(id); 0xfe… and …ff are fine
│   ├── when the node committed the inference id (the same record or another) → it reverts
│   │   ProofsInferenceAlreadyCommitted(nodeId, id)
│   ├── when the record's leaf is a committed batch root (of this node or another) → it commits; the batch is untouched
│   ├── otherwise → it stores SingleRecord(leaf's first 20 bytes, now + window) under (node, inference id), and no
│   │   batch; the leaf is leafOf(record) = keccak256(keccak256(abi.encode(record))), the root of a one-leaf
│   │   StandardMerkleTree; it emits RecordCommitted with every field and the leaf; it moves no tokens
│   └── its gas is at most 60,000 (the design's target) by the recorder or a covered node; the first commit of a
│       coverage period, which checks the node's standing in full, at most 105,000
├── commitRecordFor
│   ├── when the caller lacks RECORDER_ROLE (the operator and the admin included) → AccessControlUnauthorizedAccount
│   ├── when the recorder calls → it commits for the node, 0xff ids included; an id the node already has reverts
│   │   ProofsInferenceAlreadyCommitted(nodeId, id), whoever committed it
│   └── when another node committed the record's leaf as a one-leaf batch first (front-running) → it commits all
│       the same, and the two are challenged apart
├── coverage (a node's standing, checked in full at most once per COVERAGE_PERIOD, an hour)
│   ├── none until the first commit, which checks and emits CoverageSet(nodeId, operator, now + 1 hour, window);
│   │   commits within the hour read it; at its end the next commit checks again
│   ├── given the stake left after the check → commits until the coverage ends, then ProofsNotNodeOperator; what it
│   │   committed is backed: the thawing stake is locked by a challenge on its window's last second
│   ├── checkCoverage by anyone: ends a node that may not work (CoverageSet(…, 0, 0)), renews one that may for its
│   │   operator only; a node without coverage that may not work is left alone, silently
│   └── an upheld challenge ends the node's coverage: its next commit checks again
├── getRecord / isRecordCommitted / isRecordFinal (per node)
│   ├── getRecord(nodeId, id) → the stored single record; all zero for an id the node never committed (or only in a
│   │   batch, or under another node)
│   ├── isRecordCommitted(nodeId, record) → true for the committed record only: false for any field changed, an
│   │   unknown id, a record committed only in a batch
│   └── isRecordFinal(nodeId, id) → ProofsUnknownRecord(nodeId, id) for an unknown id; false through
│       challengeableUntil, then true, a pending challenge notwithstanding
├── commitBatch
│   ├── when the caller does not operate a serving node → it reverts ProofsNotNodeOperator
│   ├── when the root is zero or the count is zero → it reverts ProofsEmptyBatch
│   ├── when the node committed the root as a batch → it reverts ProofsBatchAlreadyCommitted(nodeId, root); another
│   │   node commits the same root for itself
│   ├── when the root is a single record's leaf → it commits; the single record is untouched
│   ├── otherwise → it stores (now, now + window, count) under (node, root); it emits BatchCommitted(nodeId, root,
│   │   count, uri)
│   └── its gas is the same (within 1%) for 100, 10,000 and 1,000,000 records
├── isIncluded(nodeId, root, record, proof)
│   ├── for every record of a 50-record tree with its proof → true (as StandardMerkleTree.verify says)
│   ├── isLeafIncluded(nodeId, root, leaf, proof) → the same from the leaf; false for another proof, a leaf hashed
│   │   once, another node, a root never committed
│   ├── for a record not in the tree, a tampered record, another leaf's proof, a truncated proof → false
│   ├── for a root the node never committed → false, even with a valid proof
│   └── for a single record under its leaf → false (it is no batch; isRecordCommitted says it); for a one-record
│       batch → true with the empty proof
├── Merkle second preimage
│   ├── leafOf(record) of any record never equals an inner node of the tree
│   ├── an inner node's 64-byte preimage cannot be decoded as a record
│   └── an inner node's sub-proof, with a "record" made of its children, is not included and cannot be challenged
├── keyed by node
│   ├── two nodes commit the same inference id → two records; views, finality and challenges per node
│   └── two nodes commit the same root → two commitments with their own windows; a challenge charges the named node
├── challenge(nodeId, root, record, proof, evidence) (root ≠ 0: a batch record; SINGLE = root 0: the node's single
│   │   record under the record's id); id = keccak256(abi.encode(recordKeyOf(nodeId, root, leaf), challenger))
│   ├── given a root the node never committed (a single record's leaf, another node's batch) →
│   │   ProofsUnknownCommitment(nodeId, root)
│   ├── after challengeableUntil → it reverts ProofsChallengeWindowClosed(root, challengeableUntil); at it, accepted
│   ├── when the record is not in the batch (in a one-record batch: with a non-empty proof)
│   │   → it reverts ProofsRecordNotIncluded(root, leaf)
│   ├── while a challenge waits for the arbiter → ProofsAlreadyChallenged(pending id), unless the evidence is for the
│   │   verifier; once settled → ProofsRecordSettled(recordKey), for anyone and any evidence
│   ├── the same record as a single record and in two batches → three records, three challenges
│   ├── when the proof type has no verifier, or the evidence does not hash to proofHash → the bond is pulled, the
│   │   slash fixed now (5% of the slashable stake) is added to the operator's pending slashes in staking
│   │   (StakeLocked(operator, slash, totalPending)), the challenge waits Pending until decideBy = now +
│   │   decisionPeriod; it emits RecordChallenged and StakeLocked only
│   ├── when the verifier finds the proof invalid → upheld at once, the record settled: the operator loses slashPpm
│   │   of its slashable stake (own stake first), the challenger gets staking's share of the own part and its bond,
│   │   the rest is burned; it emits RecordChallenged, StakeSlashed and ChallengeResolved(id, Upheld, slashed,
│   │   toChallenger, challenger, bond)
│   └── when the verifier finds the proof valid → rejected at once, the record settled (not reopened): the bond is
│       burned (ChallengeResolved's bondRecipient zero, the supply drops by it), nobody is paid, nothing locked
├── challenge of a single record (root 0)
│   ├── when the node committed no record under the id (even if the record is in a batch) →
│   │   ProofsUnknownRecord(nodeId, id)
│   ├── when the record is not the one committed under its id → ProofsRecordNotIncluded(0, leaf)
│   ├── after challengeableUntil → ProofsChallengeWindowClosed(0, challengeableUntil); at it, accepted
│   ├── the id and the record key in closed form; pending → ProofsAlreadyChallenged, decided → ProofsRecordSettled
│   ├── it charges the node named (the recorder's choice included), whom the arbiter's upholding slashes; the
│   │   proof argument is not consulted
│   ├── when the verifier finds the proof invalid → upheld at once: RecordChallenged(id, nodeId, inferenceId, 0,
│   │   recordKey, challenger, bond, locked, decideBy) and ChallengeResolved; the record stays committed
│   └── when the proof type has no verifier → pending; the arbiter upholds it (or rejects it)
├── slashing (an upheld challenge)
│   ├── own active stake first, then own thawing stake, then delegated active and thawing pro rata (Staking's rules);
│   │   the challenger's share is of the own part only
│   ├── slashPpm 0 → nothing locked or slashed, no StakeSlashed; the bond comes back
│   └── staking's maxSlashPpm below slashPpm → capped by staking's bound
├── resolveChallenge
│   ├── when the caller lacks ARBITER_ROLE → it reverts AccessControlUnauthorizedAccount(caller, ARBITER_ROLE)
│   ├── when the challenge is not pending (unknown, decided by the verifier, decided before) → ProofsChallengeNotPending
│   ├── upheld (up to decideBy inclusive) → removes its pending slash and slashes that fixed amount as above (or
│   │   what is left of the slashable stake), returns the bond, settles the record
│   └── rejected → removes its pending slash, burns the held bond (the bond of the challenge, not the current one);
│       the record stays open to other challengers, in its window and until reopenedUntil = now + 1 day
├── disputes: locks, deadlines, expiry, supersession, reopening
│   ├── each pending challenge adds its fixed slash to the operator's pending slashes (pendingSlashOf), which lock
│   │   their sum up to the slashable stake (lockedStakeOf); its outcome removes it
│   ├── pending slashes add up past the slashable stake (eleven of 10%) → each challenge keeps its whole fixed slash,
│   │   lockedStakeOf is the whole slashable stake and nothing can be withdrawn; upheld ones take their whole slash
│   │   while stake is left, then min(slash, what is left): the last takes 0 (no StakeSlashed), its bond back
│   ├── at decideBy the arbiter decides and expiry reverts ProofsDecisionDeadlineNotPassed; one second later the
│   │   arbiter's decision reverts ProofsDecisionDeadlinePassed
│   ├── expireChallenge, by anyone after decideBy → Expired: pending slash removed, bond burned; once; the record is
│   │   reopened until now + 1 day (here inside its window, which still rules); the expired challenger cannot
│   │   challenge the record again, another one can
│   ├── rejected → the same challenger twice reverts ProofsAlreadyChallenged(its id); another challenges
│   ├── a puppet's challenges opened at the window's start, waiting past its end → nobody else can challenge
│   │   (ProofsChallengeWindowClosed(root, challengeableUntil)); expired → reopened until the expiry + 1 day: at
│   │   reopenedUntil an honest challenge is accepted (and upheld, slashing), one second later it reverts
│   │   ProofsChallengeWindowClosed(root, reopenedUntil)
│   ├── decided after the window: rejected → reopened for a day from the decision, with the same edges; upheld →
│   │   settled and not reopened (ProofsChallengeWindowClosed(root, challengeableUntil))
│   ├── upheld → settled: ProofsRecordSettled for any later challenge, verifiable evidence included
│   ├── verifiable evidence upheld while one waits → the waiting one Superseded (pending slash removed, bond back to
│   │   its challenger), the new one Upheld; exact balances; rejected by the verifier → both Rejected, both bonds
│   │   burned, the record settled and not reopened
│   ├── setSlash mid-flight → a pending challenge's lock and slash stay those fixed at opening
│   ├── a reverting verifier → the verifiable challenge reverts, nothing moves; the arbiter's path stays open
│   └── gas of opening, deciding (upheld, rejected), verifier decisions, supersession and expiry (logged)
├── isFinal(nodeId, root)
│   ├── given a root the node never committed (a single record's leaf, another node's root) →
│   │   ProofsUnknownCommitment(nodeId, root)
│   ├── false through challengeableUntil (committedAt + window) and true one second later, for batches (isFinal)
│   │   and single records (isRecordFinal)
│   └── the window's end is fixed at commitment: raising the window keeps a final commitment final (and
│       unchallengeable); lowering it does not shorten an open one; new commitments take the new window
└── governance
    ├── setVerifier / setChallengeWindow / setDecisionPeriod / setSlash / setLockBond / setChallengeBond: only DEFAULT_ADMIN_ROLE
    ├── outside [1 hour, 28 days] / [1 day, 28 days] / [0, 10%] / [1, 1,000,000] OPG →
    │   ProofsParameterOutOfBounds(name, value, min, max); the bounds themselves are accepted
    └── they emit ChallengeWindowSet / DecisionPeriodSet / SlashSet / LockBondSet / ChallengeBondSet(old, new) and
        VerifierSet(proofType, old, new)
*/

import { expect } from "chai";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import hre, { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { ContractTransactionResponse, Signer } from "ethers";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";

import { MockProofVerifier__factory, RevertingRecipient__factory } from "../../typechain-types";
import { opg } from "../../deploy/lib/format";
import { commitChallenge, openChallenge } from "../helpers/challenges";
import { REWARDS_TOTAL, deployTestCore } from "../helpers/core";
import { commitAndRegisterModel } from "../helpers/models";
import { PPM } from "../helpers/protocol";

const { ZeroAddress, ZeroHash, MaxUint256, AbiCoder, keccak256, encodeBytes32String, hexlify, randomBytes } = ethers;
const abi = AbiCoder.defaultAbiCoder();

/** Verification modes (Nodes.Mode), which are the proof types. */
const Mode = { None: 0, Tee: 1, Zk: 2 } as const;
/** Proofs.ChallengeStatus, in its declared order. */
const Status = { None: 0n, Pending: 1n, Upheld: 2n, Rejected: 3n, Expired: 4n, Superseded: 5n } as const;

const LEAF_ENCODING = ["bytes32", "bytes32", "bytes32", "bytes32", "uint8", "bytes32"];
const HOUR = 3_600n;
const DAY = 86_400n;
const WINDOW = 7n * DAY;
const DECISION = 7n * DAY;
const MIN_DECISION = DAY;
const MAX_DECISION = 28n * DAY;
const SLASH_PPM = 50_000n;
/** How long a record stays challengeable after a challenge of it for the arbiter failed (rejected or expired). */
const RECHALLENGE_WINDOW = DAY;
const BOND = opg(100n);
const MIN_WINDOW = HOUR;
const MAX_WINDOW = 28n * DAY;
/** How long a node's commits rely on the last full check of its standing. */
const COVERAGE_PERIOD = HOUR;
/** The longest window staking's 14-day thaw allows: a day and a coverage period shorter. */
const MAX_WINDOW_FOR_THAW = 13n * DAY - COVERAGE_PERIOD;
const MAX_SLASH_PPM = 100_000n;
const MIN_BOND = opg(1n);
const MAX_BOND = opg(1_000_000n);
const OWN_STAKE = opg(100_000n);
const DELEGATED = opg(50_000n);
/** A fixed gas limit, so that a transaction pinned to a timestamp is mined there even when it reverts. */
const GAS = 1_000_000n;
/** The design's target for committing one proof record: by a covered node, or by the recorder. */
const COMMIT_RECORD_GAS_TARGET = 60_000n;
/** The first commit of a coverage period: the target plus the full check of the node's standing and its coverage. */
const COMMIT_RECORD_CHECKED_GAS_BOUND = 105_000n;
/** The root a single record is challenged under: zero, which no batch can have. */
const SINGLE = ZeroHash;

const MODEL = ethers.id("weights:llama-3-8b");
const MEASUREMENT = ethers.id("enclave:mrenclave:v1");

/** Whether solidity-coverage runs these tests on its instrumented contracts (`npm run coverage`). */
const UNDER_COVERAGE =
  (hre as unknown as { __SOLIDITY_COVERAGE_RUNNING?: boolean }).__SOLIDITY_COVERAGE_RUNNING === true;

/** Set PROOFS_GAS_LOG=1 to print the gas figures measured below. */
const LOG_GAS = process.env.PROOFS_GAS_LOG !== undefined;

interface Rec {
  inferenceId: string;
  modelId: string;
  inputHash: string;
  outputHash: string;
  proofType: number;
  proofHash: string;
}
type Values = [string, string, string, string, number, string];

/*//////////////////////////////////////////////////////////////////////////
                                    FIXTURE
//////////////////////////////////////////////////////////////////////////*/

async function deployProofRegistryFixture() {
  const [
    deployer,
    admin,
    operator,
    delegator,
    challenger,
    recorder,
    arbiter,
    other,
    stranger,
    modelOwner,
    delegator2,
    challenger2,
  ] = await ethers.getSigners();
  const { token, staking, models, nodes, proofs: registry } = await deployTestCore(deployer, admin);
  const stakingAddress = await staking.getAddress();
  const registryAddress = await registry.getAddress();
  await token.connect(admin).transfer(stakingAddress, REWARDS_TOTAL);
  await commitAndRegisterModel(models, modelOwner, MODEL, "ipfs://llama", 0n);
  await nodes.connect(admin).setTeeMeasurementApproval(MEASUREMENT, true);
  const verifier = await new MockProofVerifier__factory(deployer).deploy();

  const roles = {
    admin: await registry.DEFAULT_ADMIN_ROLE(),
    arbiter: await registry.ARBITER_ROLE(),
    recorder: await registry.RECORDER_ROLE(),
  };
  await registry.connect(admin).grantRole(roles.recorder, recorder.address);
  await registry.connect(admin).grantRole(roles.arbiter, arbiter.address);

  for (const holder of [operator, delegator, delegator2, other, challenger, challenger2]) {
    await token.connect(admin).transfer(holder.address, opg(1_000_000n));
    await token.connect(holder).approve(stakingAddress, MaxUint256);
  }
  for (const holder of [challenger, challenger2, other])
    await token.connect(holder).approve(registryAddress, MaxUint256);

  // The operator: 100,000 OPG of its own, 50,000 delegated, one node offering none, TEE and ZK.
  await staking.connect(operator).stake(OWN_STAKE);
  await staking.connect(delegator).delegate(operator.address, DELEGATED, PPM);
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
  // Another operator with a node of its own.
  await staking.connect(other).stake(opg(10_000n));
  const otherNodeId = await nodes.nextNodeId();
  await nodes
    .connect(other)
    .registerNode(
      { metadataURI: "https://other.example", modes: 1, teeMeasurement: ZeroHash, capacity: 1, prices: [1n, 0n, 0n] },
      [MODEL],
    );

  return {
    token,
    staking,
    models,
    nodes,
    registry,
    registryAddress,
    verifier,
    verifierAddress: await verifier.getAddress(),
    roles,
    nodeId,
    otherNodeId,
    deployer,
    admin,
    operator,
    delegator,
    delegator2,
    challenger,
    challenger2,
    recorder,
    arbiter,
    other,
    stranger,
  };
}

type Fixture = Awaited<ReturnType<typeof deployProofRegistryFixture>>;

/*//////////////////////////////////////////////////////////////////////////
                                    HELPERS
//////////////////////////////////////////////////////////////////////////*/

const bytes32 = () => hexlify(randomBytes(32));

/** A record with fields derived from `label`; the proof hash commits to `evidence`. */
function makeRecord(label: string, overrides: Partial<Rec> = {}, evidence = validEvidence(label)): Rec {
  return {
    inferenceId: ethers.id(`inference:${label}`),
    modelId: MODEL,
    inputHash: ethers.id(`input:${label}`),
    outputHash: ethers.id(`output:${label}`),
    proofType: Mode.Tee,
    proofHash: keccak256(evidence),
    ...overrides,
  };
}

/** Evidence the mock verifier accepts (first byte not 0x00) and evidence it rejects. */
const validEvidence = (label: string) => ethers.concat(["0x01", ethers.toUtf8Bytes(`attestation:${label}`)]);
const invalidEvidence = (label: string) => ethers.concat(["0x00", ethers.toUtf8Bytes(`attestation:${label}`)]);

const valuesOf = (r: Rec): Values => [r.inferenceId, r.modelId, r.inputHash, r.outputHash, r.proofType, r.proofHash];

/** The leaf in closed form: keccak256(keccak256(abi.encode(record))). */
const leafOf = (r: Rec) => keccak256(keccak256(abi.encode(LEAF_ENCODING, valuesOf(r))));

/** A record's dispute key: keccak256(abi.encode(nodeId, root, leaf)), root zero (SINGLE) for a single record. */
const recordKeyOf = (nodeId: bigint, root: string, r: Rec) =>
  keccak256(abi.encode(["uint256", "bytes32", "bytes32"], [nodeId, root, leafOf(r)]));

/** A challenge's id: keccak256(abi.encode(recordKey, challenger)): one challenge per record and challenger. */
const challengeIdOf = (nodeId: bigint, root: string, r: Rec, challenger: string) =>
  keccak256(abi.encode(["bytes32", "address"], [recordKeyOf(nodeId, root, r), challenger]));

/** What a single record stores of its leaf: the first 20 bytes. */
const leafPrefixOf = (leaf: string) => ethers.dataSlice(leaf, 0, 20);

/** OpenZeppelin's node hash: the keccak256 of the sorted pair. */
function nodeHash(a: string, b: string): string {
  return BigInt(a) < BigInt(b) ? keccak256(ethers.concat([a, b])) : keccak256(ethers.concat([b, a]));
}

function treeOf(records: Rec[]) {
  return StandardMerkleTree.of(records.map(valuesOf), LEAF_ENCODING);
}

/** A reserved (request) inference id: first byte 0xff. */
const reservedId = (label: string) => ethers.concat(["0xff", ethers.dataSlice(ethers.id(label), 1)]);

async function now(): Promise<bigint> {
  return BigInt(await time.latest());
}

async function blockTimeOf(tx: ContractTransactionResponse): Promise<bigint> {
  const receipt = (await tx.wait())!;
  return BigInt((await ethers.provider.getBlock(receipt.blockNumber))!.timestamp);
}

async function gasOf(tx: ContractTransactionResponse): Promise<bigint> {
  return (await tx.wait())!.gasUsed;
}

/** Mines an empty block at `t`, so that views run at `t`. */
async function viewAt(t: bigint) {
  await time.increaseTo(t);
  expect(await now()).to.equal(t);
}

/** A delegation's shares and their value (not its rewards, which accrue every second). */
async function delegationOf(f: Fixture, delegator: string) {
  const d = await f.staking.getDelegation(f.operator.address, delegator);
  return { shares: d.shares, tokens: d.tokens };
}

async function commitmentOf(f: Fixture, root: string, nodeId = f.nodeId) {
  const c = await f.registry.getCommitment(nodeId, root);
  return { committedAt: c.committedAt, challengeableUntil: c.challengeableUntil, recordCount: c.recordCount };
}
const NO_COMMITMENT = { committedAt: 0n, challengeableUntil: 0n, recordCount: 0n };

async function recordOf(f: Fixture, inferenceId: string, nodeId = f.nodeId) {
  const r = await f.registry.getRecord(nodeId, inferenceId);
  return { leafPrefix: r.leafPrefix, challengeableUntil: r.challengeableUntil };
}
const NO_RECORD = { leafPrefix: ZeroHash.slice(0, 42), challengeableUntil: 0n };

async function challengeOf(f: Fixture, id: string) {
  const c = await f.registry.getChallenge(id);
  return {
    challenger: c.challenger,
    openedAt: c.openedAt,
    decideBy: c.decideBy,
    status: c.status,
    bond: c.bond,
    lockedStake: c.lockedStake,
    recordKey: c.recordKey,
    nodeId: c.nodeId,
  };
}

async function disputeOf(f: Fixture, recordKey: string) {
  const d = await f.registry.getDispute(recordKey);
  return { pendingChallengeId: d.pendingChallengeId, settled: d.settled, reopenedUntil: d.reopenedUntil };
}

/** The operator of a node (whoever is charged for its records). */
async function operatorOf(f: Fixture, nodeId: bigint): Promise<string> {
  return (await f.nodes.nodeOperatorOf(nodeId)).operator;
}

/** Token balances of everyone a proof action could touch, by address, and the total supply. */
async function tokensOf(f: Fixture) {
  const balances: Record<string, bigint> = {};
  for (const address of [
    f.operator.address,
    f.other.address,
    f.challenger.address,
    f.challenger2.address,
    f.registryAddress,
    await f.staking.getAddress(),
    f.delegator.address,
  ])
    balances[address] = await f.token.balanceOf(address);
  balances.supply = await f.token.totalSupply();
  return balances;
}

/**
 * The stake fields of an operator (not its reward books, which any staking call settles), the sum of its pending
 * slashes and what they lock (their sum, up to the whole slashable stake).
 */
async function stakeOf(f: Fixture, operator: string) {
  const o = await f.staking.getOperator(operator);
  return {
    ownActive: o.ownActive,
    ownThawing: o.ownThawing.tokens,
    delegated: o.delegated.tokens,
    delegatedShares: o.delegated.shares,
    delegatedThawing: o.delegatedThawing.tokens,
    pending: await f.staking.pendingSlashOf(operator),
    locked: await f.staking.lockedStakeOf(operator),
  };
}
type Stake = Awaited<ReturnType<typeof stakeOf>>;

const min = (a: bigint, b: bigint) => (a < b ? a : b);

/** The slashable stake in the fields of `stakeOf`: own active and thawing, delegated active and thawing. */
const slashableOf = (s: Stake) => s.ownActive + s.ownThawing + s.delegated + s.delegatedThawing;

/** `s` with its pending slashes set to `pending`, and the lock they make: min(pending, slashable). */
const pendingAt = (s: Stake, pending: bigint): Stake => ({ ...s, pending, locked: min(pending, slashableOf(s)) });

/**
 * Staking's slash in closed form: own active, then own thawing, then delegated active and thawing pro rata; the
 * challenger's share is of what came out of the operator's own stake only, the rest is burned.
 */
function splitSlash(s: Stake, amount: bigint, challengerSharePpm: bigint) {
  let rest = amount;
  const fromOwnActive = rest < s.ownActive ? rest : s.ownActive;
  rest -= fromOwnActive;
  const fromOwnThawing = rest < s.ownThawing ? rest : s.ownThawing;
  rest -= fromOwnThawing;
  let fromDelegated = 0n;
  let fromDelegatedThawing = 0n;
  if (rest > 0n) {
    fromDelegated = (rest * s.delegated) / (s.delegated + s.delegatedThawing);
    fromDelegatedThawing = rest - fromDelegated;
  }
  const toChallenger = ((fromOwnActive + fromOwnThawing) * challengerSharePpm) / PPM;
  return {
    fromOwnActive,
    fromOwnThawing,
    fromDelegated,
    fromDelegatedThawing,
    toChallenger,
    burned: amount - toChallenger,
  };
}

/** What a challenge opened now locks (and an upheld one takes): slashPpm of the slashable stake, within staking's bound. */
async function expectedSlashOf(f: Fixture, operator = f.operator.address): Promise<bigint> {
  const slashable = await f.staking.slashableStakeOf(operator);
  const ours = (slashable * (await f.registry.slashPpm())) / PPM;
  const bound = (slashable * (await f.staking.maxSlashPpm())) / PPM;
  return ours < bound ? ours : bound;
}

/**
 * commitRecord (or commitRecordFor by the recorder) and asserts: the leaf, the stored single record under the node
 * (its window's end fixed now), the views, the event, no batch touched, no token moved. Returns the leaf.
 */
/**
 * The challenge window the next block's commit by `by` takes: its node's coverage's while it is in force for `by`,
 * the one in force otherwise (a full check, or the recorder, which needs no coverage).
 */
async function windowOfNextCommit(f: Fixture, nodeId: bigint, by: Signer): Promise<bigint> {
  const coverage = await f.registry.coverageOf(nodeId);
  const covered =
    by !== f.recorder && coverage.operator === (await by.getAddress()) && (await now()) + 1n < coverage.until;
  return covered ? coverage.window : await f.registry.challengeWindow();
}

async function commitRecordAndCheck(f: Fixture, r: Rec, { by = f.operator, nodeId = f.nodeId } = {}): Promise<string> {
  const viaRecorder = by === f.recorder;
  const leaf = leafOf(r);
  const call = viaRecorder ? f.registry.connect(by).commitRecordFor : f.registry.connect(by).commitRecord;
  expect(await call.staticCall(nodeId, r)).to.equal(leaf);
  expect(await recordOf(f, r.inferenceId, nodeId)).to.deep.equal(NO_RECORD);
  expect(await f.registry.isRecordCommitted(nodeId, r)).to.equal(false);
  const tokens = await tokensOf(f);
  const batch = await commitmentOf(f, leaf, nodeId);
  const window = await windowOfNextCommit(f, nodeId, by);

  const tx = await call(nodeId, r);
  await expect(tx)
    .to.emit(f.registry, "RecordCommitted")
    .withArgs(nodeId, r.inferenceId, r.modelId, r.inputHash, r.outputHash, r.proofType, r.proofHash, leaf);
  await expect(tx).to.not.emit(f.registry, "BatchCommitted");
  const at = await blockTimeOf(tx);

  expect(await recordOf(f, r.inferenceId, nodeId)).to.deep.equal({
    leafPrefix: leafPrefixOf(leaf),
    challengeableUntil: at + window,
  });
  expect(await f.registry.isRecordCommitted(nodeId, r)).to.equal(true);
  expect(await f.registry.isRecordFinal(nodeId, r.inferenceId)).to.equal(false);
  expect(await f.registry.leafOf(r)).to.equal(leaf);
  // The batch mapping is another world: a batch with the leaf as its root (if any) is left as it was.
  expect(await commitmentOf(f, leaf, nodeId)).to.deep.equal(batch);
  expect(await tokensOf(f)).to.deep.equal(tokens);
  return leaf;
}

/** commitBatch and asserts: storage under the node, the event, no token moved. Returns the receipt's gas. */
async function commitBatchAndCheck(
  f: Fixture,
  root: string,
  count: bigint,
  uri = "ipfs://batch",
  { by = f.operator, nodeId = f.nodeId } = {},
): Promise<bigint> {
  const tokens = await tokensOf(f);
  const window = await windowOfNextCommit(f, nodeId, by);
  const tx = await f.registry.connect(by).commitBatch(nodeId, root, count, uri);
  await expect(tx).to.emit(f.registry, "BatchCommitted").withArgs(nodeId, root, count, uri);
  await expect(tx).to.not.emit(f.registry, "RecordCommitted");
  const at = await blockTimeOf(tx);
  expect(await commitmentOf(f, root, nodeId)).to.deep.equal({
    committedAt: at,
    challengeableUntil: at + window,
    recordCount: count,
  });
  expect(await tokensOf(f)).to.deep.equal(tokens);
  return gasOf(tx);
}

type Outcome = "pending" | "upheld" | "rejected" | "expired";
const STATUS_OF: Record<Outcome, bigint> = {
  pending: Status.Pending,
  upheld: Status.Upheld,
  rejected: Status.Rejected,
  expired: Status.Expired,
};

interface Before {
  tokens: Record<string, bigint>;
  stake: Stake;
  /** The challenge's fixed slash: what its opening adds to the pending slashes, or (decisions) what it added. */
  lock: bigint;
  bond: bigint;
  /** Whether the registry held the bond before (resolveChallenge, expireChallenge) or the challenger (challenge). */
  bondHeld: boolean;
  operator: string;
  challenger: string;
}

/**
 * Asserts what an action on a challenge moved. Pending: the bond is pulled and the slash fixed now is added to the
 * operator's pending slashes (StakeLocked(operator, slash, totalPending)), which lock their sum up to the slashable
 * stake. Upheld: the fixed slash leaves the pending slashes and Staking takes it, or what is left of the slashable
 * stake if less, by its rules (the StakeSlashed event and the operator's pools); the challenger gets its share of the
 * operator's own part and its bond, the rest is burned. Rejected and expired: the pending slash (if any) is removed
 * and the bond is burned (ChallengeResolved's bondRecipient is zero; the supply drops by the bond).
 */
async function expectDecision(f: Fixture, tx: ContractTransactionResponse, id: string, outcome: Outcome, b: Before) {
  const { tokens, stake, bond, bondHeld, operator, challenger, lock } = b;
  const after = await tokensOf(f);
  const expected = { ...tokens };
  if (!bondHeld) {
    expected[challenger] -= bond;
    expected[f.registryAddress] += bond;
  }
  // Opening adds the fixed slash to the pending slashes, whatever they already lock.
  if (!bondHeld && lock > 0n)
    await expect(tx)
      .to.emit(f.staking, "StakeLocked")
      .withArgs(operator, lock, stake.pending + lock);
  if (outcome === "pending") {
    await expect(tx).to.not.emit(f.registry, "ChallengeResolved");
    await expect(tx).to.not.emit(f.staking, "StakeSlashed");
    await expect(tx).to.not.emit(f.staking, "StakeUnlocked");
    if (lock === 0n) await expect(tx).to.not.emit(f.staking, "StakeLocked");
    expect(after).to.deep.equal(expected);
    expect(await stakeOf(f, operator)).to.deep.equal(pendingAt(stake, stake.pending + lock));
    return;
  }
  expected[f.registryAddress] -= bond;
  const status = STATUS_OF[outcome];
  // Whatever the outcome, the challenge's fixed slash leaves the pending slashes (a verifier's rejection added none).
  if (lock > 0n)
    await expect(tx)
      .to.emit(f.staking, "StakeUnlocked")
      .withArgs(operator, lock, stake.pending - (bondHeld ? lock : 0n));
  else await expect(tx).to.not.emit(f.staking, "StakeUnlocked");
  if (outcome !== "upheld") {
    // The bond is burned: nobody is paid, the supply drops by it.
    expected.supply -= bond;
    await expect(tx).to.emit(f.registry, "ChallengeResolved").withArgs(id, status, 0n, 0n, ZeroAddress, bond);
    await expect(tx).to.not.emit(f.staking, "StakeSlashed");
    expect(after).to.deep.equal(expected);
    expect(await stakeOf(f, operator)).to.deep.equal(pendingAt(stake, stake.pending - (bondHeld ? lock : 0n)));
    return;
  }
  // The whole fixed slash, or what is left of the slashable stake if other slashes took more since the opening.
  const slashed = min(lock, slashableOf(stake));
  const split = splitSlash(stake, slashed, await f.staking.challengerSharePpm());
  expected[challenger] += bond + split.toChallenger;
  expected[await f.staking.getAddress()] -= slashed;
  expected.supply -= split.burned;
  await expect(tx)
    .to.emit(f.registry, "ChallengeResolved")
    .withArgs(id, status, slashed, split.toChallenger, challenger, bond);
  if (slashed > 0n) {
    await expect(tx)
      .to.emit(f.staking, "StakeSlashed")
      .withArgs(
        operator,
        challenger,
        split.fromOwnActive,
        split.fromOwnThawing,
        split.fromDelegated,
        split.fromDelegatedThawing,
        split.burned,
        split.toChallenger,
      );
  } else {
    await expect(tx).to.not.emit(f.staking, "StakeSlashed");
  }
  expect(after).to.deep.equal(expected);
  // Opened and upheld at once: added and removed in one transaction; by the arbiter: the pending slash is used up.
  const left = {
    ...stake,
    ownActive: stake.ownActive - split.fromOwnActive,
    ownThawing: stake.ownThawing - split.fromOwnThawing,
    delegated: stake.delegated - split.fromDelegated,
    delegatedThawing: stake.delegatedThawing - split.fromDelegatedThawing,
  };
  expect(await stakeOf(f, operator)).to.deep.equal(pendingAt(left, stake.pending - (bondHeld ? lock : 0n)));
}

/**
 * challenge and asserts: the id, the stored challenge, the bond pulled, RecordChallenged, the dispute, and the
 * outcome (`pending`, or decided at once by the verifier). `root` is the batch's, or SINGLE for the single record
 * the node committed under the record's inference id. No other challenge may be pending on the record.
 */
async function challengeAndCheck(
  f: Fixture,
  root: string,
  r: Rec,
  proof: string[],
  evidence: string,
  outcome: Outcome,
  { nodeId = f.nodeId, by = f.challenger } = {},
): Promise<string> {
  const id = challengeIdOf(nodeId, root, r, by.address);
  const recordKey = recordKeyOf(nodeId, root, r);
  expect(await f.registry.recordKeyOf(nodeId, root, leafOf(r))).to.equal(recordKey);
  await commitChallenge(f.registry, by, nodeId, root, r, proof, evidence);
  expect(
    await f.registry.connect(by).challenge.staticCall(nodeId, root, r, proof, evidence, { blockTag: "pending" }),
  ).to.equal(id);
  const dispute = await disputeOf(f, recordKey);
  expect(dispute).to.include({ pendingChallengeId: ZeroHash, settled: false });
  const operator = await operatorOf(f, nodeId);
  const lock = outcome === "rejected" ? 0n : await expectedSlashOf(f, operator);
  // A challenge that waits for the arbiter bonds at least lockBondPpm of the slash it locks.
  const flat = await f.registry.challengeBond();
  const proportional = (lock * (await f.registry.lockBondPpm())) / PPM;
  const bond = outcome === "pending" && proportional > flat ? proportional : flat;
  const before: Before = {
    tokens: await tokensOf(f),
    stake: await stakeOf(f, operator),
    lock,
    bond,
    bondHeld: false,
    operator,
    challenger: by.address,
  };

  const tx = await f.registry.connect(by).challenge(nodeId, root, r, proof, evidence);
  const at = await blockTimeOf(tx);
  const decideBy = at + (await f.registry.decisionPeriod());
  await expect(tx)
    .to.emit(f.registry, "RecordChallenged")
    .withArgs(id, nodeId, r.inferenceId, root, recordKey, by.address, bond, lock, decideBy);
  expect(await challengeOf(f, id)).to.deep.equal({
    challenger: by.address,
    openedAt: at,
    decideBy,
    status: STATUS_OF[outcome],
    bond,
    lockedStake: lock,
    recordKey,
    nodeId,
  });
  // Pending waits for the arbiter; a verifier's outcome, either way, settles the record. Neither reopens it.
  expect(await disputeOf(f, recordKey)).to.deep.equal(
    outcome === "pending"
      ? { ...dispute, pendingChallengeId: id }
      : { ...dispute, pendingChallengeId: ZeroHash, settled: true },
  );
  await expectDecision(f, tx, id, outcome, before);
  return id;
}

/**
 * resolveChallenge (or expireChallenge, `expire`) and asserts the stored status, the dispute and what moved. Upheld
 * settles the record; rejected and expired reopen it until RECHALLENGE_WINDOW (1 day) after the decision.
 */
async function resolveAndCheck(f: Fixture, id: string, upheld: boolean | "expire", by = f.arbiter) {
  const stored = await challengeOf(f, id);
  expect(stored.status).to.equal(Status.Pending);
  const operator = await operatorOf(f, stored.nodeId);
  const dispute = await disputeOf(f, stored.recordKey);
  expect(dispute).to.include({ pendingChallengeId: id, settled: false });
  const before: Before = {
    tokens: await tokensOf(f),
    stake: await stakeOf(f, operator),
    lock: stored.lockedStake,
    bond: stored.bond,
    bondHeld: true,
    operator,
    challenger: stored.challenger,
  };
  const tx =
    upheld === "expire"
      ? await f.registry.connect(by).expireChallenge(id)
      : await f.registry.connect(by).resolveChallenge(id, upheld);
  const at = await blockTimeOf(tx);
  const outcome: Outcome = upheld === "expire" ? "expired" : upheld ? "upheld" : "rejected";
  expect(await challengeOf(f, id)).to.deep.equal({ ...stored, status: STATUS_OF[outcome] });
  // Only an upheld challenge settles the record; otherwise it is open to other challenges in its window, and for a
  // day after the decision even past it.
  expect(await disputeOf(f, stored.recordKey)).to.deep.equal(
    upheld === true
      ? { ...dispute, pendingChallengeId: ZeroHash, settled: true }
      : { pendingChallengeId: ZeroHash, settled: false, reopenedUntil: at + RECHALLENGE_WINDOW },
  );
  await expectDecision(f, tx, id, outcome, before);
  return tx;
}

/** Commits a batch of `count` records made from `prefix`, and returns them with the tree. */
async function commitTree(f: Fixture, prefix: string, count: number, overrides: Partial<Rec> = {}) {
  const records = Array.from({ length: count }, (_, i) => makeRecord(`${prefix}-${i}`, overrides));
  const tree = treeOf(records);
  await commitBatchAndCheck(f, tree.root, BigInt(count));
  return { records, tree, root: tree.root };
}

/*//////////////////////////////////////////////////////////////////////////
                                     TESTS
//////////////////////////////////////////////////////////////////////////*/

describe("ProofRegistry", function () {
  describe("deployment", function () {
    it("stores its collaborators, gives the admin its roles and starts at the documented defaults", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      const { registry } = f;
      expect(await registry.TOKEN()).to.equal(await f.token.getAddress());
      expect(await registry.NODES()).to.equal(await f.nodes.getAddress());
      expect(await registry.STAKING()).to.equal(await f.staking.getAddress());
      expect(await registry.hasRole(f.roles.admin, f.admin.address)).to.equal(true);
      expect(await registry.hasRole(f.roles.arbiter, f.admin.address)).to.equal(true);
      expect(await registry.hasRole(f.roles.admin, f.deployer.address)).to.equal(false);
      expect(await registry.hasRole(f.roles.recorder, f.admin.address)).to.equal(false);
      expect(f.roles.arbiter).to.equal(ethers.id("ARBITER_ROLE"));
      expect(f.roles.recorder).to.equal(ethers.id("RECORDER_ROLE"));
      expect(await registry.RESERVED_INFERENCE_PREFIX()).to.equal("0xff");
      expect(await registry.challengeWindow()).to.equal(WINDOW);
      expect(await registry.decisionPeriod()).to.equal(DECISION);
      expect(await registry.slashPpm()).to.equal(SLASH_PPM);
      expect(await registry.challengeBond()).to.equal(BOND);
      expect(await registry.RECHALLENGE_WINDOW()).to.equal(RECHALLENGE_WINDOW);
      expect(await f.staking.slasher()).to.equal(f.registryAddress);
      for (const mode of [Mode.None, Mode.Tee, Mode.Zk]) expect(await registry.verifierOf(mode)).to.equal(ZeroAddress);
    });
  });

  describe("commitRecord", function () {
    it("reverts ProofsNotNodeOperator(nodeId, caller) for anyone but the node's operator", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      const r = makeRecord("a");
      for (const caller of [f.stranger, f.delegator, f.other, f.admin, f.recorder]) {
        await expect(f.registry.connect(caller).commitRecord(f.nodeId, r))
          .to.be.revertedWithCustomError(f.registry, "ProofsNotNodeOperator")
          .withArgs(f.nodeId, caller.address);
      }
      // The operator cannot commit for another operator's node, nor for one that does not exist.
      for (const id of [f.otherNodeId, 0n, 99n]) {
        await expect(f.registry.connect(f.operator).commitRecord(id, r))
          .to.be.revertedWithCustomError(f.registry, "ProofsNotNodeOperator")
          .withArgs(id, f.operator.address);
      }
      expect(await recordOf(f, r.inferenceId)).to.deep.equal(NO_RECORD);
      await commitRecordAndCheck(f, r);
    });

    it("reverts ProofsNotNodeOperator for a deregistered node", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      await f.nodes.connect(f.operator).deregisterNode(f.nodeId);
      const r = makeRecord("a");
      await expect(f.registry.connect(f.operator).commitRecord(f.nodeId, r))
        .to.be.revertedWithCustomError(f.registry, "ProofsNotNodeOperator")
        .withArgs(f.nodeId, f.operator.address);
      await expect(f.registry.connect(f.operator).commitBatch(f.nodeId, bytes32(), 10n, ""))
        .to.be.revertedWithCustomError(f.registry, "ProofsNotNodeOperator")
        .withArgs(f.nodeId, f.operator.address);
    });

    it("reverts ProofsNotNodeOperator for a jailed node until the term ends", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      const until = (await now()) + DAY;
      await f.nodes.connect(f.admin).jailNode(f.nodeId, until);
      const r = makeRecord("a");
      await expect(f.registry.connect(f.operator).commitRecord(f.nodeId, r))
        .to.be.revertedWithCustomError(f.registry, "ProofsNotNodeOperator")
        .withArgs(f.nodeId, f.operator.address);
      await expect(f.registry.connect(f.operator).commitBatch(f.nodeId, bytes32(), 10n, ""))
        .to.be.revertedWithCustomError(f.registry, "ProofsNotNodeOperator")
        .withArgs(f.nodeId, f.operator.address);
      // One second before the end it is still jailed; at the end it serves again.
      await time.setNextBlockTimestamp(until - 1n);
      await expect(f.registry.connect(f.operator).commitRecord(f.nodeId, r, { gasLimit: GAS }))
        .to.be.revertedWithCustomError(f.registry, "ProofsNotNodeOperator")
        .withArgs(f.nodeId, f.operator.address);
      await viewAt(until);
      await commitRecordAndCheck(f, r);
    });

    it("reverts ProofsReservedInferenceId(id) for ids starting with 0xff", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      const ids = [
        reservedId("request-1"),
        ethers.concat(["0xff", new Uint8Array(31)]),
        ethers.toBeHex(MaxUint256, 32),
      ];
      for (const inferenceId of ids) {
        await expect(f.registry.connect(f.operator).commitRecord(f.nodeId, makeRecord("r", { inferenceId })))
          .to.be.revertedWithCustomError(f.registry, "ProofsReservedInferenceId")
          .withArgs(inferenceId);
        expect(await recordOf(f, inferenceId)).to.deep.equal(NO_RECORD);
      }
      // Only the first byte matters: 0xfe…, …ff and the zero id are the node's to use.
      const allowed = [
        ethers.concat(["0xfe", ethers.dataSlice(ethers.toBeHex(MaxUint256, 32), 1)]),
        ethers.concat([new Uint8Array(31), "0xff"]),
        ZeroHash,
      ];
      for (const [i, inferenceId] of allowed.entries())
        await commitRecordAndCheck(f, makeRecord(`ok${i}`, { inferenceId }));
    });

    it("reverts ProofsInferenceAlreadyCommitted(nodeId, id) for an id the node committed before, whatever the record", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      const r = makeRecord("a");
      const leaf = await commitRecordAndCheck(f, r);
      const stored = await recordOf(f, r.inferenceId);
      const again = [r, { ...r, outputHash: ethers.id("another output") }, { ...r, proofType: Mode.Zk }];
      for (const record of again) {
        await expect(f.registry.connect(f.operator).commitRecord(f.nodeId, record))
          .to.be.revertedWithCustomError(f.registry, "ProofsInferenceAlreadyCommitted")
          .withArgs(f.nodeId, r.inferenceId);
      }
      // The recorder cannot overwrite it either.
      await expect(f.registry.connect(f.recorder).commitRecordFor(f.nodeId, again[1]))
        .to.be.revertedWithCustomError(f.registry, "ProofsInferenceAlreadyCommitted")
        .withArgs(f.nodeId, r.inferenceId);
      expect(await recordOf(f, r.inferenceId)).to.deep.equal(stored);
      expect(stored.leafPrefix).to.equal(leafPrefixOf(leaf));
      expect(await f.registry.isRecordCommitted(f.nodeId, r)).to.equal(true);
      for (const record of again.slice(1)) expect(await f.registry.isRecordCommitted(f.nodeId, record)).to.equal(false);
    });

    it("commits a record whose leaf is already a committed batch root; the batch is untouched", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      // A one-record batch has the record's leaf as its root, by this node or another one.
      for (const [label, by, nodeId] of [
        ["a", f.operator, f.nodeId],
        ["b", f.other, f.otherNodeId],
      ] as const) {
        const r = makeRecord(label);
        const tree = treeOf([r]);
        expect(tree.root).to.equal(leafOf(r));
        await commitBatchAndCheck(f, tree.root, 1n, "", { by, nodeId });
        const batch = await commitmentOf(f, tree.root, nodeId);
        // Committing the record is not blocked, and leaves the batch as it was (commitRecordAndCheck checks both).
        await commitRecordAndCheck(f, r);
        expect(await commitmentOf(f, tree.root, nodeId)).to.deep.equal(batch);
        expect(await f.registry.isIncluded(nodeId, tree.root, r, [])).to.equal(true);
        expect(await f.registry.isRecordCommitted(f.nodeId, r)).to.equal(true);
      }
    });

    it("commits: the leaf is leafOf(record), the closed form and a one-leaf tree's root; RecordCommitted carries every field", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      const records = [
        makeRecord("tee"),
        makeRecord("none", { proofType: Mode.None }),
        makeRecord("zk", { proofType: Mode.Zk }),
        { ...makeRecord("zeros"), modelId: ZeroHash, inputHash: ZeroHash, outputHash: ZeroHash, proofHash: ZeroHash },
      ];
      for (const r of records) {
        const tree = treeOf([r]);
        expect(tree.root).to.equal(leafOf(r));
        expect(tree.getProof(0)).to.deep.equal([]);
        expect(await f.registry.leafOf(r)).to.equal(tree.root);
        const leaf = await commitRecordAndCheck(f, r);
        expect(leaf).to.equal(tree.root);
        expect(StandardMerkleTree.verify(leaf, LEAF_ENCODING, valuesOf(r), [])).to.equal(true);
      }
      // Each record stays under its own id, in no batch; other ids stay empty.
      for (const r of records) {
        expect((await recordOf(f, r.inferenceId)).leafPrefix).to.equal(leafPrefixOf(leafOf(r)));
        expect(await f.registry.isRecordCommitted(f.nodeId, r)).to.equal(true);
        expect(await commitmentOf(f, leafOf(r))).to.deep.equal(NO_COMMITMENT);
        expect(await f.registry.isIncluded(f.nodeId, leafOf(r), r, [])).to.equal(false);
      }
      expect(await recordOf(f, ethers.id("never"))).to.deep.equal(NO_RECORD);
    });

    it("stores the record in one slot: at most 60,000 gas by a covered node or the recorder; a full check once an hour", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      // Every transaction starts cold (EIP-2929) and writes one new slot. The records' hashes are random-looking, as
      // real ones are (zero calldata bytes would be cheaper). A node's first commit of a coverage period checks its
      // standing in full (the node registry and the operator's stake in staking, cold calls and their slots) and
      // writes its coverage; its later commits in the period read the coverage's one slot instead.
      const gas: bigint[] = [];
      for (const [i, by] of [f.operator, f.operator, f.operator, f.recorder].entries()) {
        const r = makeRecord(`gas-${i}`);
        const tx =
          by === f.recorder
            ? await f.registry.connect(by).commitRecordFor(f.nodeId, r)
            : await f.registry.connect(by).commitRecord(f.nodeId, r);
        gas.push(await gasOf(tx));
        expect(await f.registry.isRecordCommitted(f.nodeId, r)).to.equal(true);
      }
      if (LOG_GAS)
        console.log(
          `      gas: commitRecord checked ${gas[0]}, covered ${gas[1]}, ${gas[2]}; commitRecordFor ${gas[3]} (target ${COMMIT_RECORD_GAS_TARGET})`,
        );
      expect(gas[0]).to.be.lte(COMMIT_RECORD_CHECKED_GAS_BOUND);
      for (const g of gas.slice(1)) expect(g).to.be.lte(COMMIT_RECORD_GAS_TARGET);
      expect(gas[1]).to.equal(gas[2]);
      expect(gas[0] - gas[1]).to.be.greaterThan(20_000n);
    });
  });

  describe("commitRecordFor", function () {
    it("reverts AccessControlUnauthorizedAccount(caller, RECORDER_ROLE) without the role", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      const r = makeRecord("req", { inferenceId: reservedId("request-1") });
      for (const caller of [f.operator, f.admin, f.arbiter, f.stranger]) {
        await expect(f.registry.connect(caller).commitRecordFor(f.nodeId, r))
          .to.be.revertedWithCustomError(f.registry, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, f.roles.recorder);
      }
      expect(await recordOf(f, r.inferenceId)).to.deep.equal(NO_RECORD);
    });

    it("lets the recorder commit for a node, reserved ids included, once per id", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      const reserved = makeRecord("req", { inferenceId: reservedId("request-1") });
      await commitRecordAndCheck(f, reserved, { by: f.recorder });
      await commitRecordAndCheck(f, makeRecord("plain"), { by: f.recorder, nodeId: f.otherNodeId });
      await expect(f.registry.connect(f.recorder).commitRecordFor(f.nodeId, { ...reserved, outputHash: bytes32() }))
        .to.be.revertedWithCustomError(f.registry, "ProofsInferenceAlreadyCommitted")
        .withArgs(f.nodeId, reserved.inferenceId);
      // An id a node committed itself is taken for the recorder too.
      const own = makeRecord("own");
      await commitRecordAndCheck(f, own);
      await expect(f.registry.connect(f.recorder).commitRecordFor(f.nodeId, own))
        .to.be.revertedWithCustomError(f.registry, "ProofsInferenceAlreadyCommitted")
        .withArgs(f.nodeId, own.inferenceId);
    });

    // Was a bug: a one-leaf batch's root is its record's leaf, and single records lived in the batch mapping, so a
    // node that saw a fulfil() in the mempool could front-run commitBatch(itsNode, leafOf(record), 1, "") and make
    // the fulfilment's commitRecordFor (and the whole fulfil()) revert. Single records now live apart, by id.
    it("a node cannot occupy a request's record (a reserved id) with a one-leaf batch", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      await f.registry.connect(f.admin).setVerifier(Mode.Tee, f.verifierAddress);
      const r = makeRecord("req", { inferenceId: reservedId("request-1") }, invalidEvidence("req"));
      const leaf = leafOf(r);
      // The other node front-runs with the record's leaf as a "batch" root.
      await commitBatchAndCheck(f, leaf, 1n, "", { by: f.other, nodeId: f.otherNodeId });
      const batch = await commitmentOf(f, leaf, f.otherNodeId);
      // The fulfilment's record is committed all the same, under the request's node; the batch is left as it was.
      await commitRecordAndCheck(f, r, { by: f.recorder });
      expect(await f.registry.isRecordCommitted(f.nodeId, r)).to.equal(true);
      expect(await f.registry.isRecordCommitted(f.otherNodeId, r)).to.equal(false);
      expect(await commitmentOf(f, leaf, f.otherNodeId)).to.deep.equal(batch);
      expect(await commitmentOf(f, leaf, f.nodeId)).to.deep.equal(NO_COMMITMENT);

      // The two are challenged apart: the single record (root zero) charges the request's node, the batch record
      // (root = leaf, empty proof) the batch's node; their ids differ.
      const single = await challengeAndCheck(f, SINGLE, r, [], invalidEvidence("req"), "upheld");
      expect((await challengeOf(f, single)).nodeId).to.equal(f.nodeId);
      // The batch's node is the other operator's: keep the arbiter out of it (no verifier decision, evidence "0x").
      const inBatch = await challengeAndCheck(f, leaf, r, [], "0x", "pending", { nodeId: f.otherNodeId });
      expect((await challengeOf(f, inBatch)).nodeId).to.equal(f.otherNodeId);
      expect(inBatch).to.not.equal(single);

      // In the other order too: a batch with a committed record's leaf as root is accepted, and changes nothing.
      const later = makeRecord("req-2", { inferenceId: reservedId("request-2") });
      await commitRecordAndCheck(f, later, { by: f.recorder });
      const stored = await recordOf(f, later.inferenceId);
      await commitBatchAndCheck(f, leafOf(later), 1n, "", { by: f.operator, nodeId: f.nodeId });
      expect(await recordOf(f, later.inferenceId)).to.deep.equal(stored);
      expect(await f.registry.isRecordCommitted(f.nodeId, later)).to.equal(true);
    });
  });

  describe("coverage", function () {
    /** The coverage a full check at `at` gives the fixture's node under `window`. */
    const coveredAt = (f: Fixture, at: bigint, window = WINDOW) => [f.operator.address, at + COVERAGE_PERIOD, window];

    it("is none until the node's first commit, which checks its standing in full and covers it for an hour", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      expect(await f.registry.COVERAGE_PERIOD()).to.equal(COVERAGE_PERIOD);
      expect(await f.registry.coverageOf(f.nodeId)).to.deep.equal([ZeroAddress, 0n, 0n]);
      const tx = await f.registry.connect(f.operator).commitRecord(f.nodeId, makeRecord("first"));
      const at = await blockTimeOf(tx);
      await expect(tx)
        .to.emit(f.registry, "CoverageSet")
        .withArgs(f.nodeId, f.operator.address, at + COVERAGE_PERIOD, WINDOW);
      expect(await f.registry.coverageOf(f.nodeId)).to.deep.equal(coveredAt(f, at));
      // Commits within the hour read the coverage: no new check, no event.
      await time.setNextBlockTimestamp(at + COVERAGE_PERIOD - 1n);
      await expect(f.registry.connect(f.operator).commitBatch(f.nodeId, bytes32(), 5n, "")).to.not.emit(
        f.registry,
        "CoverageSet",
      );
      // At its end the next commit checks again, and covers the node for another hour.
      await time.setNextBlockTimestamp(at + COVERAGE_PERIOD);
      await expect(f.registry.connect(f.operator).commitRecord(f.nodeId, makeRecord("again")))
        .to.emit(f.registry, "CoverageSet")
        .withArgs(f.nodeId, f.operator.address, at + 2n * COVERAGE_PERIOD, WINDOW);
    });

    it("lets a node whose stake left commit until its coverage ends, with that stake still slashable; then refuses", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      const tx = await f.registry.connect(f.operator).commitRecord(f.nodeId, makeRecord("before"));
      const until = (await blockTimeOf(tx)) + COVERAGE_PERIOD;
      // The operator unbonds its own stake and its delegator leaves: the node is no longer covered by active stake.
      await f.staking.connect(f.operator).unstake(OWN_STAKE);
      await f.staking.connect(f.delegator).undelegate(f.operator.address, DELEGATED);
      expect((await f.nodes.nodeOperatorOf(f.nodeId)).serving).to.equal(false);
      const wrong = makeRecord("wrong-under-coverage");
      await time.setNextBlockTimestamp(until - 1n);
      await commitRecordAndCheck(f, wrong);
      await expect(f.registry.connect(f.operator).commitRecord(f.nodeId, makeRecord("late")))
        .to.be.revertedWithCustomError(f.registry, "ProofsNotNodeOperator")
        .withArgs(f.nodeId, f.operator.address);
      // What it committed under the coverage is backed: at its window's last second the thawing stake is still there
      // to lock and slash.
      const closedAt = (await recordOf(f, wrong.inferenceId)).challengeableUntil;
      await commitChallenge(f.registry, f.challenger, f.nodeId, SINGLE, wrong, [], "0x");
      await time.setNextBlockTimestamp(closedAt);
      const challenged = await openChallenge(f.registry, f.challenger, f.nodeId, SINGLE, wrong, [], "0x");
      const expected = ((OWN_STAKE + DELEGATED) * SLASH_PPM) / PPM;
      await expect(challenged)
        .to.emit(f.registry, "RecordChallenged")
        .withArgs(
          anyValue,
          f.nodeId,
          wrong.inferenceId,
          SINGLE,
          anyValue,
          f.challenger.address,
          BOND,
          expected,
          anyValue,
        );
    });

    it("checkCoverage: anyone ends the coverage of a node that may no longer work, at once", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      await f.registry.connect(f.operator).commitRecord(f.nodeId, makeRecord("covered"));
      await f.nodes.connect(f.admin).jailNode(f.nodeId, (await now()) + DAY);
      // Still covered: the jailed node commits until someone checks.
      await f.registry.connect(f.operator).commitRecord(f.nodeId, makeRecord("jailed-but-covered"));
      await expect(f.registry.connect(f.stranger).checkCoverage(f.nodeId))
        .to.emit(f.registry, "CoverageSet")
        .withArgs(f.nodeId, f.operator.address, 0n, 0n);
      expect(await f.registry.coverageOf(f.nodeId)).to.deep.equal([ZeroAddress, 0n, 0n]);
      await expect(f.registry.connect(f.operator).commitBatch(f.nodeId, bytes32(), 5n, ""))
        .to.be.revertedWithCustomError(f.registry, "ProofsNotNodeOperator")
        .withArgs(f.nodeId, f.operator.address);
      // Checking a node without coverage that may not work changes nothing, and says nothing.
      await expect(f.registry.connect(f.stranger).checkCoverage(f.nodeId)).to.not.emit(f.registry, "CoverageSet");
      await expect(f.registry.connect(f.stranger).checkCoverage(999n)).to.not.emit(f.registry, "CoverageSet");
    });

    it("checkCoverage: renews a node that may work for its operator, whoever calls; no one else commits under it", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      const tx = await f.registry.connect(f.stranger).checkCoverage(f.nodeId);
      const at = await blockTimeOf(tx);
      await expect(tx)
        .to.emit(f.registry, "CoverageSet")
        .withArgs(f.nodeId, f.operator.address, at + COVERAGE_PERIOD, WINDOW);
      expect(await f.registry.coverageOf(f.nodeId)).to.deep.equal(coveredAt(f, at));
      for (const caller of [f.stranger, f.other, f.delegator]) {
        await expect(f.registry.connect(caller).commitRecord(f.nodeId, makeRecord("not-theirs")))
          .to.be.revertedWithCustomError(f.registry, "ProofsNotNodeOperator")
          .withArgs(f.nodeId, caller.address);
      }
    });

    it("ends with an upheld challenge of the node: its next commit checks its standing again", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      const r = makeRecord("upheld");
      await commitRecordAndCheck(f, r);
      expect((await f.registry.coverageOf(f.nodeId)).until).to.be.greaterThan(0n);
      const challenged = await openChallenge(f.registry, f.challenger, f.nodeId, SINGLE, r, [], "0x");
      const challengeId = (await f.registry.getDispute(await f.registry.recordKeyOf(f.nodeId, SINGLE, leafOf(r))))
        .pendingChallengeId;
      await expect(challenged).to.emit(f.registry, "RecordChallenged");
      await f.registry.connect(f.arbiter).resolveChallenge(challengeId, true);
      expect(await f.registry.coverageOf(f.nodeId)).to.deep.equal([ZeroAddress, 0n, 0n]);
      await expect(f.registry.connect(f.operator).commitRecord(f.nodeId, makeRecord("after"))).to.emit(
        f.registry,
        "CoverageSet",
      );
    });
  });

  describe("getRecord / isRecordCommitted / isRecordFinal", function () {
    it("getRecord(nodeId, id): the leaf's first 20 bytes and the window's end; all zero for an id the node never committed", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      const mine = makeRecord("mine");
      const theirs = makeRecord("theirs", { inferenceId: reservedId("request-1") });
      const { records } = await commitTree(f, "batched", 3);
      for (const id of [mine.inferenceId, theirs.inferenceId, records[0].inferenceId, ZeroHash, bytes32()]) {
        expect(await recordOf(f, id)).to.deep.equal(NO_RECORD);
      }

      const leaf = await commitRecordAndCheck(f, mine);
      const at = await now();
      expect(await recordOf(f, mine.inferenceId)).to.deep.equal({
        leafPrefix: ethers.dataSlice(leaf, 0, 20),
        challengeableUntil: at + WINDOW,
      });
      expect(await recordOf(f, mine.inferenceId, f.otherNodeId)).to.deep.equal(NO_RECORD);
      // The recorder commits for another node: the record is under that node only.
      await commitRecordAndCheck(f, theirs, { by: f.recorder, nodeId: f.otherNodeId });
      expect((await recordOf(f, theirs.inferenceId, f.otherNodeId)).leafPrefix).to.equal(leafPrefixOf(leafOf(theirs)));
      expect(await recordOf(f, theirs.inferenceId)).to.deep.equal(NO_RECORD);
      // A record only in a batch is no single record.
      expect(await recordOf(f, records[0].inferenceId)).to.deep.equal(NO_RECORD);
      // The window's end follows the window of the node's coverage: the old one until the coverage lapses.
      await f.registry.connect(f.admin).setChallengeWindow(MIN_WINDOW);
      const covered = makeRecord("covered");
      await commitRecordAndCheck(f, covered);
      expect((await recordOf(f, covered.inferenceId)).challengeableUntil).to.equal((await now()) + WINDOW);
      await time.increase(COVERAGE_PERIOD);
      const short = makeRecord("short");
      await commitRecordAndCheck(f, short);
      expect((await recordOf(f, short.inferenceId)).challengeableUntil).to.equal((await now()) + MIN_WINDOW);
    });

    it("isRecordCommitted: true for the committed record only", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      const r = makeRecord("c");
      const { records } = await commitTree(f, "batched", 3);
      expect(await f.registry.isRecordCommitted(f.nodeId, r)).to.equal(false);
      // A batch's record is not a single record, nor is a one-record batch's, whose root is the leaf.
      expect(await f.registry.isRecordCommitted(f.nodeId, records[0])).to.equal(false);
      const lone = makeRecord("lone");
      await commitBatchAndCheck(f, leafOf(lone), 1n);
      expect(await f.registry.isRecordCommitted(f.nodeId, lone)).to.equal(false);

      await commitRecordAndCheck(f, r);
      expect(await f.registry.isRecordCommitted(f.nodeId, r)).to.equal(true);
      // Every field is covered: the same id with any other field changed, or the same fields under another id.
      const others: Rec[] = [
        { ...r, inferenceId: bytes32() },
        { ...r, modelId: bytes32() },
        { ...r, inputHash: bytes32() },
        { ...r, outputHash: bytes32() },
        { ...r, proofType: Mode.Zk },
        { ...r, proofHash: bytes32() },
      ];
      for (const o of others) expect(await f.registry.isRecordCommitted(f.nodeId, o)).to.equal(false);
      // It stays committed once its window has passed.
      await time.increase(WINDOW * 2n);
      expect(await f.registry.isRecordCommitted(f.nodeId, r)).to.equal(true);
    });

    it("isRecordFinal: ProofsUnknownRecord(nodeId, id) for an id the node never committed; false through the window's end, then true", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      const { records } = await commitTree(f, "batched", 3);
      for (const id of [ethers.id("never"), ZeroHash, records[0].inferenceId]) {
        await expect(f.registry.isRecordFinal(f.nodeId, id))
          .to.be.revertedWithCustomError(f.registry, "ProofsUnknownRecord")
          .withArgs(f.nodeId, id);
      }
      const r = makeRecord("final");
      await commitRecordAndCheck(f, r);
      // Another node never committed it.
      await expect(f.registry.isRecordFinal(f.otherNodeId, r.inferenceId))
        .to.be.revertedWithCustomError(f.registry, "ProofsUnknownRecord")
        .withArgs(f.otherNodeId, r.inferenceId);
      const { challengeableUntil } = await recordOf(f, r.inferenceId);
      expect(await f.registry.isRecordFinal(f.nodeId, r.inferenceId)).to.equal(false);
      await viewAt(challengeableUntil);
      expect(await f.registry.isRecordFinal(f.nodeId, r.inferenceId)).to.equal(false);
      await viewAt(challengeableUntil + 1n);
      expect(await f.registry.isRecordFinal(f.nodeId, r.inferenceId)).to.equal(true);
      // A pending challenge does not hold finality back: the window alone decides.
      const s = makeRecord("pending", { proofType: Mode.Zk });
      await commitRecordAndCheck(f, s);
      await challengeAndCheck(f, SINGLE, s, [], "0x", "pending");
      await viewAt((await recordOf(f, s.inferenceId)).challengeableUntil + 1n);
      expect(await f.registry.isRecordFinal(f.nodeId, s.inferenceId)).to.equal(true);
    });
  });

  describe("commitBatch", function () {
    it("reverts ProofsNotNodeOperator(nodeId, caller) for anyone but the node's operator", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      const root = bytes32();
      for (const caller of [f.stranger, f.delegator, f.other, f.recorder, f.admin]) {
        await expect(f.registry.connect(caller).commitBatch(f.nodeId, root, 10n, ""))
          .to.be.revertedWithCustomError(f.registry, "ProofsNotNodeOperator")
          .withArgs(f.nodeId, caller.address);
      }
      await expect(f.registry.connect(f.operator).commitBatch(f.otherNodeId, root, 10n, ""))
        .to.be.revertedWithCustomError(f.registry, "ProofsNotNodeOperator")
        .withArgs(f.otherNodeId, f.operator.address);
      expect(await commitmentOf(f, root)).to.deep.equal(NO_COMMITMENT);
    });

    it("reverts ProofsEmptyBatch for a zero root or a zero count", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      for (const [root, count] of [
        [ZeroHash, 10n],
        [bytes32(), 0n],
        [ZeroHash, 0n],
      ] as [string, bigint][]) {
        await expect(f.registry.connect(f.operator).commitBatch(f.nodeId, root, count, "ipfs://x"))
          .to.be.revertedWithCustomError(f.registry, "ProofsEmptyBatch")
          .withArgs();
      }
      expect(await commitmentOf(f, ZeroHash)).to.deep.equal(NO_COMMITMENT);
    });

    it("reverts ProofsBatchAlreadyCommitted(nodeId, root) for a root the node committed before; not for a single record's leaf", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      const root = bytes32();
      await commitBatchAndCheck(f, root, 10n);
      const stored = await commitmentOf(f, root);
      await expect(f.registry.connect(f.operator).commitBatch(f.nodeId, root, 10n, "ipfs://again"))
        .to.be.revertedWithCustomError(f.registry, "ProofsBatchAlreadyCommitted")
        .withArgs(f.nodeId, root);
      // Another node commits the same root under its own id; the first node's commitment is untouched.
      await commitBatchAndCheck(f, root, 99n, "", { by: f.other, nodeId: f.otherNodeId });
      await expect(f.registry.connect(f.other).commitBatch(f.otherNodeId, root, 99n, ""))
        .to.be.revertedWithCustomError(f.registry, "ProofsBatchAlreadyCommitted")
        .withArgs(f.otherNodeId, root);
      expect(await commitmentOf(f, root)).to.deep.equal(stored);

      // A single record's leaf is no batch root: it can be committed as one, once, and the record stays as it was.
      const r = makeRecord("single");
      const leaf = await commitRecordAndCheck(f, r);
      const record = await recordOf(f, r.inferenceId);
      expect(await commitmentOf(f, leaf)).to.deep.equal(NO_COMMITMENT);
      await commitBatchAndCheck(f, leaf, 1n);
      await expect(f.registry.connect(f.operator).commitBatch(f.nodeId, leaf, 1n, ""))
        .to.be.revertedWithCustomError(f.registry, "ProofsBatchAlreadyCommitted")
        .withArgs(f.nodeId, leaf);
      expect(await recordOf(f, r.inferenceId)).to.deep.equal(record);
      expect(await f.registry.isRecordCommitted(f.nodeId, r)).to.equal(true);
    });

    it("commits a root: stored with its count and time, BatchCommitted(nodeId, root, count, uri)", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      const { root, records } = await commitTree(f, "b", 7);
      // Its records are no single records.
      for (const r of records) {
        expect(await recordOf(f, r.inferenceId)).to.deep.equal(NO_RECORD);
        expect(await f.registry.isRecordCommitted(f.nodeId, r)).to.equal(false);
      }
      // Any count up to 2^64 - 1, any uri, the other node too.
      await commitBatchAndCheck(f, bytes32(), 2n ** 64n - 1n, "");
      await commitBatchAndCheck(f, bytes32(), 1n, "ar://" + "x".repeat(300), { by: f.other, nodeId: f.otherNodeId });
      expect((await commitmentOf(f, root)).recordCount).to.equal(7n);
    });

    it("costs the same (within 1%) for 100, 10,000 and 1,000,000 records", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      const uri = "ipfs://bafybeigdyrzt5sfp7udm7hu76uh7y26nf3efuylqabf3oclgtqy55fbzdi";
      const sizes = [100n, 10_000n, 1_000_000n];
      const roots = [
        treeOf(Array.from({ length: 100 }, (_, i) => makeRecord(`g100-${i}`))).root,
        treeOf(Array.from({ length: 10_000 }, (_, i) => makeRecord(`g10k-${i}`))).root,
        // Only the root matters on chain: a random one stands for a million records.
        bytes32(),
      ];
      // On a covered node, as a running one is: the first commit of a coverage period checks the node in full.
      await f.registry.checkCoverage(f.nodeId);
      const gas: bigint[] = [];
      for (const [i, size] of sizes.entries()) gas.push(await commitBatchAndCheck(f, roots[i], size, uri));
      const single = await gasOf(await f.registry.connect(f.operator).commitRecord(f.nodeId, makeRecord("gas")));
      if (LOG_GAS)
        console.log(
          `      gas: commitRecord ${single}; commitBatch ${sizes.map((s, i) => `${s}: ${gas[i]}`).join(", ")}`,
        );

      const min = gas.reduce((a, b) => (a < b ? a : b));
      const max = gas.reduce((a, b) => (a > b ? a : b));
      expect((max - min) * 100n, `commitBatch gas ${gas.join(", ")}`).to.be.lte(min);
      for (const g of [...gas, single]) expect(g).to.be.lt(2n ** 24n);
    });
  });

  describe("isIncluded", function () {
    it("is true for every record of a 50-record tree with its proof, as StandardMerkleTree.verify says", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      const { records, tree, root } = await commitTree(f, "t", 50);
      for (const [i, r] of records.entries()) {
        const proof = tree.getProof(i);
        expect(StandardMerkleTree.verify(root, LEAF_ENCODING, valuesOf(r), proof)).to.equal(true);
        expect(await f.registry.isIncluded(f.nodeId, root, r, proof), `record ${i}`).to.equal(true);
        expect(await f.registry.leafOf(r)).to.equal(tree.leafHash(valuesOf(r)));
      }
    });

    it("isLeafIncluded: answers as isIncluded does, from the record's leaf, and only under the node that committed it", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      const { records, tree, root } = await commitTree(f, "leaf", 20);
      for (const [i, r] of records.entries()) {
        const leaf = leafOf(r);
        expect(await f.registry.isLeafIncluded(f.nodeId, root, leaf, tree.getProof(i)), `leaf ${i}`).to.equal(true);
        // Another leaf's proof, a leaf not in the tree, the record's single hash instead of its leaf, another node.
        const other = tree.getProof((i + 1) % records.length);
        expect(await f.registry.isLeafIncluded(f.nodeId, root, leaf, other)).to.equal(false);
        expect(await f.registry.isLeafIncluded(f.nodeId, root, bytes32(), tree.getProof(i))).to.equal(false);
        const once = keccak256(AbiCoder.defaultAbiCoder().encode(LEAF_ENCODING, valuesOf(r)));
        expect(await f.registry.isLeafIncluded(f.nodeId, root, once, tree.getProof(i))).to.equal(false);
        expect(await f.registry.isLeafIncluded(f.otherNodeId, root, leaf, tree.getProof(i))).to.equal(false);
      }
      // A root never committed, whatever the proof.
      const uncommitted = treeOf(records.slice(0, 4));
      const leaf0 = leafOf(records[0]);
      expect(await f.registry.isLeafIncluded(f.nodeId, uncommitted.root, leaf0, uncommitted.getProof(0))).to.equal(
        false,
      );
    });

    it("is false for a record not in the tree, a tampered record, another leaf's proof or a truncated proof", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      const { records, tree, root } = await commitTree(f, "t", 50);
      const outsider = makeRecord("outsider");
      for (let i = 0; i < records.length; i += 7) {
        const proof = tree.getProof(i);
        expect(await f.registry.isIncluded(f.nodeId, root, outsider, proof)).to.equal(false);
        // Every field is covered by the leaf.
        const r = records[i];
        const tampered: Rec[] = [
          { ...r, inferenceId: bytes32() },
          { ...r, modelId: bytes32() },
          { ...r, inputHash: bytes32() },
          { ...r, outputHash: bytes32() },
          { ...r, proofType: (r.proofType + 1) % 3 },
          { ...r, proofHash: bytes32() },
        ];
        for (const t of tampered) {
          expect(await f.registry.isIncluded(f.nodeId, root, t, proof)).to.equal(false);
          expect(StandardMerkleTree.verify(root, LEAF_ENCODING, valuesOf(t), proof)).to.equal(false);
        }
        // The proof of another leaf, a proof with its last sibling dropped, an empty one.
        const j = (i + 1) % records.length;
        expect(await f.registry.isIncluded(f.nodeId, root, r, tree.getProof(j))).to.equal(false);
        expect(await f.registry.isIncluded(f.nodeId, root, r, proof.slice(0, -1))).to.equal(false);
        expect(await f.registry.isIncluded(f.nodeId, root, r, [])).to.equal(false);
        expect(await f.registry.isIncluded(f.nodeId, root, r, [...proof, bytes32()])).to.equal(false);
      }
    });

    it("is false for a root never committed, even with a valid proof", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      const records = Array.from({ length: 8 }, (_, i) => makeRecord(`u-${i}`));
      const tree = treeOf(records);
      expect(tree.verify(0, tree.getProof(0))).to.equal(true);
      expect(await f.registry.isIncluded(f.nodeId, tree.root, records[0], tree.getProof(0))).to.equal(false);
      const r = makeRecord("single");
      expect(await f.registry.isIncluded(f.nodeId, leafOf(r), r, [])).to.equal(false);
      await commitBatchAndCheck(f, tree.root, 8n);
      expect(await f.registry.isIncluded(f.nodeId, tree.root, records[0], tree.getProof(0))).to.equal(true);
    });

    it("is false for a single record under its leaf (isRecordCommitted says it); true for a one-record batch with the empty proof", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      const r = makeRecord("single");
      const leaf = await commitRecordAndCheck(f, r);
      expect(await f.registry.isIncluded(f.nodeId, leaf, r, [])).to.equal(false);
      expect(await f.registry.isRecordCommitted(f.nodeId, r)).to.equal(true);
      // A one-record batch: its root is the leaf, its proof empty, and nothing else is under it.
      const lone = makeRecord("lone");
      await commitBatchAndCheck(f, treeOf([lone]).root, 1n);
      expect(await f.registry.isIncluded(f.nodeId, leafOf(lone), lone, [])).to.equal(true);
      expect(await f.registry.isIncluded(f.nodeId, leafOf(lone), lone, [bytes32()])).to.equal(false);
      expect(await f.registry.isIncluded(f.nodeId, leafOf(lone), { ...lone, proofHash: bytes32() }, [])).to.equal(
        false,
      );
      expect(await f.registry.isRecordCommitted(f.nodeId, lone)).to.equal(false);
    });

    it("reverts, as any call does, for a record whose proof type is not a mode (the leaf encodes a uint8)", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      const r = makeRecord("odd", { proofType: 3 });
      const tree = treeOf([r, makeRecord("even")]);
      await commitBatchAndCheck(f, tree.root, 2n);
      // Off chain it is in the tree; on chain it cannot even be decoded, so it can be neither shown nor challenged.
      expect(tree.verify(0, tree.getProof(0))).to.equal(true);
      await expect(f.registry.isIncluded(f.nodeId, tree.root, r, tree.getProof(0))).to.be.reverted;
      await expect(openChallenge(f.registry, f.challenger, f.nodeId, tree.root, r, tree.getProof(0), "0x")).to.be
        .reverted;
    });
  });

  describe("Merkle second preimage", function () {
    it("never gives a record's leaf the value of an inner node", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      const { records, tree, root } = await commitTree(f, "sp", 50);
      const nodes = tree.dump().tree;
      // In the array of a standard tree, node i has children 2i + 1 and 2i + 2: 49 inner nodes, the root first.
      const inner = nodes.filter((_, i) => 2 * i + 1 < nodes.length);
      expect(inner.length).to.equal(49);
      expect(inner[0]).to.equal(root);
      for (const [i, hash] of inner.entries()) {
        expect(hash).to.equal(nodeHash(nodes[2 * i + 1], nodes[2 * i + 2]));
      }
      const innerSet = new Set(inner);

      // The tree's own records, and "records" built from the children of every inner node in both orders.
      const candidates: Rec[] = [...records];
      for (let i = 0; i < inner.length; i++) {
        const [left, right] = [nodes[2 * i + 1], nodes[2 * i + 2]];
        for (const [a, b] of [
          [left, right],
          [right, left],
        ]) {
          candidates.push({
            inferenceId: a,
            modelId: b,
            inputHash: ZeroHash,
            outputHash: ZeroHash,
            proofType: 0,
            proofHash: ZeroHash,
          });
          candidates.push({
            inferenceId: ZeroHash,
            modelId: ZeroHash,
            inputHash: ZeroHash,
            outputHash: a,
            proofType: 0,
            proofHash: b,
          });
        }
      }
      for (const c of candidates) {
        const leaf = await f.registry.leafOf(c);
        expect(leaf).to.equal(leafOf(c));
        expect(innerSet.has(leaf)).to.equal(false);
      }
    });

    it("cannot decode an inner node's 64-byte preimage as a record", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      const { tree } = await commitTree(f, "sp", 50);
      const nodes = tree.dump().tree;
      const [left, right] = [nodes[1], nodes[2]].sort((a, b) => (BigInt(a) < BigInt(b) ? -1 : 1));
      // The root is keccak256(left ‖ right): 64 bytes, where a record's encoding is 192.
      expect(keccak256(ethers.concat([left, right]))).to.equal(tree.root);
      const selector = f.registry.interface.getFunction("leafOf").selector;
      await expect(ethers.provider.call({ to: f.registryAddress, data: ethers.concat([selector, left, right]) })).to.be
        .reverted;
    });

    it("rejects every inner node's sub-proof, with a 'record' made of its children, in isIncluded and challenge", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      const { tree, root } = await commitTree(f, "sp", 50);
      const nodes = tree.dump().tree;
      const parent = (i: number) => Math.floor((i - 1) / 2);
      const sibling = (i: number) => (i % 2 === 1 ? i + 1 : i - 1);
      for (let i = 1; 2 * i + 1 < nodes.length; i++) {
        // The siblings from inner node i up to the root: with the node itself as the "leaf", they prove the root.
        const subProof: string[] = [];
        for (let k = i; k > 0; k = parent(k)) subProof.push(nodes[sibling(k)]);
        expect(subProof.reduce(nodeHash, nodes[i])).to.equal(root);

        const [left, right] = [nodes[2 * i + 1], nodes[2 * i + 2]];
        for (const [a, b] of [
          [left, right],
          [right, left],
        ]) {
          const fake: Rec = {
            inferenceId: a,
            modelId: b,
            inputHash: ZeroHash,
            outputHash: ZeroHash,
            proofType: 0,
            proofHash: ZeroHash,
          };
          expect(await f.registry.isIncluded(f.nodeId, root, fake, subProof)).to.equal(false);
          expect(StandardMerkleTree.verify(root, LEAF_ENCODING, valuesOf(fake), subProof)).to.equal(false);
          if (i === 1) {
            await expect(openChallenge(f.registry, f.challenger, f.nodeId, root, fake, subProof, "0x"))
              .to.be.revertedWithCustomError(f.registry, "ProofsRecordNotIncluded")
              .withArgs(root, leafOf(fake));
          }
        }
      }
    });
  });

  describe("challenge", function () {
    it("reverts ProofsUnknownCommitment(nodeId, root) for a root the node never committed, a single record's leaf included", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      const r = makeRecord("a");
      for (const root of [leafOf(r), bytes32()]) {
        await expect(openChallenge(f.registry, f.challenger, f.nodeId, root, r, [], "0x"))
          .to.be.revertedWithCustomError(f.registry, "ProofsUnknownCommitment")
          .withArgs(f.nodeId, root);
      }
      // Committed as a single record, it is challenged under root zero, not under its leaf.
      await commitRecordAndCheck(f, r);
      await expect(openChallenge(f.registry, f.challenger, f.nodeId, leafOf(r), r, [], "0x"))
        .to.be.revertedWithCustomError(f.registry, "ProofsUnknownCommitment")
        .withArgs(f.nodeId, leafOf(r));
      // A batch another node committed is unknown under this node.
      const tree = treeOf([r, makeRecord("b")]);
      await commitBatchAndCheck(f, tree.root, 2n, "", { by: f.other, nodeId: f.otherNodeId });
      await expect(openChallenge(f.registry, f.challenger, f.nodeId, tree.root, r, tree.getProof(0), "0x"))
        .to.be.revertedWithCustomError(f.registry, "ProofsUnknownCommitment")
        .withArgs(f.nodeId, tree.root);
    });

    it("reverts ProofsChallengeWindowClosed(root, closedAt) after challengeableUntil; at it, it is accepted", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      const { records, tree, root } = await commitTree(f, "w", 4);
      const { committedAt, challengeableUntil: closedAt } = await commitmentOf(f, root);
      expect(closedAt).to.equal(committedAt + WINDOW);
      await commitChallenge(f.registry, f.challenger, f.nodeId, root, records[0], tree.getProof(0), "0x");
      await time.setNextBlockTimestamp(closedAt);
      await challengeAndCheck(f, root, records[0], tree.getProof(0), "0x", "pending");
      for (const t of [closedAt + 1n, closedAt + 365n * DAY]) {
        await time.setNextBlockTimestamp(t);
        await expect(
          openChallenge(f.registry, f.challenger, f.nodeId, root, records[1], tree.getProof(1), "0x", {
            gasLimit: GAS,
          }),
        )
          .to.be.revertedWithCustomError(f.registry, "ProofsChallengeWindowClosed")
          .withArgs(root, closedAt);
      }
      expect((await challengeOf(f, challengeIdOf(f.nodeId, root, records[1], f.challenger.address))).status).to.equal(
        Status.None,
      );
    });

    it("reverts ProofsRecordNotIncluded(root, leaf) for a record not in the commitment", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      const { records, tree, root } = await commitTree(f, "n", 10);
      const outsider = makeRecord("outsider");
      await expect(openChallenge(f.registry, f.challenger, f.nodeId, root, outsider, tree.getProof(0), "0x"))
        .to.be.revertedWithCustomError(f.registry, "ProofsRecordNotIncluded")
        .withArgs(root, leafOf(outsider));
      await expect(openChallenge(f.registry, f.challenger, f.nodeId, root, records[0], tree.getProof(1), "0x"))
        .to.be.revertedWithCustomError(f.registry, "ProofsRecordNotIncluded")
        .withArgs(root, leafOf(records[0]));
      // A one-record batch is challenged with the empty proof only.
      const r = makeRecord("lone");
      await commitBatchAndCheck(f, leafOf(r), 1n);
      await expect(openChallenge(f.registry, f.challenger, f.nodeId, leafOf(r), r, [bytes32()], "0x"))
        .to.be.revertedWithCustomError(f.registry, "ProofsRecordNotIncluded")
        .withArgs(leafOf(r), leafOf(r));
      const tokens = await tokensOf(f);
      await challengeAndCheck(f, leafOf(r), r, [], "0x", "pending");
      expect((await tokensOf(f))[f.challenger.address]).to.equal(tokens[f.challenger.address] - BOND);
    });

    it("reverts ProofsAlreadyChallenged(pending id) while a challenge is pending, ProofsRecordSettled(key) once decided", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      await f.registry.connect(f.admin).setVerifier(Mode.Tee, f.verifierAddress);
      const records = [makeRecord("p", { proofType: Mode.None }), makeRecord("d", {}, invalidEvidence("d"))];
      const tree = treeOf(records);
      await commitBatchAndCheck(f, tree.root, 2n);
      const pending = await challengeAndCheck(f, tree.root, records[0], tree.getProof(0), "0x", "pending");
      const decided = await challengeAndCheck(
        f,
        tree.root,
        records[1],
        tree.getProof(1),
        invalidEvidence("d"),
        "upheld",
      );
      const challenge = (by: typeof f.other, i: number, evidence: string) =>
        openChallenge(f.registry, by, f.nodeId, tree.root, records[i], tree.getProof(i), evidence);
      // Pending (no verifier for None): the challenger again, or anyone else, waits behind the pending challenge.
      const stored = await challengeOf(f, pending);
      for (const by of [f.challenger, f.challenger2, f.other]) {
        await expect(challenge(by, 0, "0x"))
          .to.be.revertedWithCustomError(f.registry, "ProofsAlreadyChallenged")
          .withArgs(pending);
      }
      expect(await challengeOf(f, pending)).to.deep.equal(stored);
      // Decided by the verifier: the record is settled for everyone.
      const key = recordKeyOf(f.nodeId, tree.root, records[1]);
      for (const by of [f.challenger, f.challenger2]) {
        for (const evidence of ["0x", invalidEvidence("d")]) {
          await expect(challenge(by, 1, evidence))
            .to.be.revertedWithCustomError(f.registry, "ProofsRecordSettled")
            .withArgs(key);
        }
      }
      expect((await challengeOf(f, decided)).status).to.equal(Status.Upheld);
    });

    it("takes the same record in another commitment as another challenge", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      const r = makeRecord("twice");
      await commitRecordAndCheck(f, r);
      const tree = treeOf([r, makeRecord("x")]);
      await commitBatchAndCheck(f, tree.root, 2n);
      const other = treeOf([r, makeRecord("y"), makeRecord("z")]);
      await commitBatchAndCheck(f, other.root, 3n);
      const a = await challengeAndCheck(f, SINGLE, r, [], "0x", "pending");
      const b = await challengeAndCheck(f, tree.root, r, tree.getProof(0), "0x", "pending");
      const c = await challengeAndCheck(f, other.root, r, other.getProof(0), "0x", "pending");
      expect(new Set([a, b, c]).size).to.equal(3);
    });

    it("pulls the bond and leaves the challenge Pending when the proof type has no verifier", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      await f.registry.connect(f.admin).setVerifier(Mode.Tee, f.verifierAddress);
      // ZK and None have no verifier: even the evidence the verifier would reject waits for the arbiter.
      for (const proofType of [Mode.Zk, Mode.None]) {
        const label = `nv${proofType}`;
        const r = makeRecord(label, { proofType }, invalidEvidence(label));
        await commitRecordAndCheck(f, r);
        await challengeAndCheck(f, SINGLE, r, [], invalidEvidence(label), "pending");
      }
      // Without allowance the challenge reverts and nothing is recorded.
      const r = makeRecord("no-allowance", { proofType: Mode.Zk });
      await commitRecordAndCheck(f, r);
      await f.token.connect(f.other).approve(f.registryAddress, BOND - 1n);
      await expect(openChallenge(f.registry, f.other, f.nodeId, SINGLE, r, [], "0x"))
        .to.be.revertedWithCustomError(f.token, "ERC20InsufficientAllowance")
        .withArgs(f.registryAddress, BOND - 1n, BOND);
      expect((await challengeOf(f, challengeIdOf(f.nodeId, SINGLE, r, f.other.address))).status).to.equal(Status.None);
    });

    it("leaves the challenge Pending when the evidence does not hash to the record's proofHash", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      await f.registry.connect(f.admin).setVerifier(Mode.Tee, f.verifierAddress);
      const { records, tree, root } = await commitTree(f, "e", 4);
      // The record commits to valid evidence; invalid evidence that is not the committed proof decides nothing.
      const evidences = ["0x", invalidEvidence("e-0"), ethers.concat([validEvidence("e-2"), "0x00"])];
      for (const [i, evidence] of evidences.entries()) {
        expect(keccak256(evidence)).to.not.equal(records[i].proofHash);
        await challengeAndCheck(f, root, records[i], tree.getProof(i), evidence, "pending");
      }
    });

    it("upholds at once when the verifier finds the committed proof invalid: slash, share, burn, bond back", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      await f.registry.connect(f.admin).setVerifier(Mode.Tee, f.verifierAddress);
      const records = Array.from({ length: 5 }, (_, i) => makeRecord(`bad-${i}`, {}, invalidEvidence(`bad-${i}`)));
      const tree = treeOf(records);
      await commitBatchAndCheck(f, tree.root, 5n);

      const supply = await f.token.totalSupply();
      const delegation = await delegationOf(f, f.delegator.address);
      const slashable = await f.staking.slashableStakeOf(f.operator.address);
      expect(slashable).to.equal(OWN_STAKE + DELEGATED);
      const challengerBefore = await f.token.balanceOf(f.challenger.address);

      const id = await challengeAndCheck(
        f,
        tree.root,
        records[2],
        tree.getProof(2),
        invalidEvidence("bad-2"),
        "upheld",
      );
      // In numbers: 5% of 150,000 = 7,500 OPG, all from the operator's own 100,000; half to the challenger.
      const slashed = opg(7_500n);
      expect(await f.staking.slashableStakeOf(f.operator.address)).to.equal(slashable - slashed);
      expect(await f.token.balanceOf(f.challenger.address)).to.equal(challengerBefore + slashed / 2n);
      expect(await f.token.totalSupply()).to.equal(supply - slashed / 2n);
      expect(await stakeOf(f, f.operator.address)).to.include({ ownActive: OWN_STAKE - slashed, delegated: DELEGATED });
      // The delegator is untouched while the operator's own stake covers the slash.
      expect(await delegationOf(f, f.delegator.address)).to.deep.equal(delegation);
      expect((await challengeOf(f, id)).status).to.equal(Status.Upheld);
      // Another bad record of the batch is slashed again, 5% of what is left.
      await challengeAndCheck(f, tree.root, records[4], tree.getProof(4), invalidEvidence("bad-4"), "upheld");
      expect(await f.staking.slashableStakeOf(f.operator.address)).to.equal(
        slashable - slashed - ((slashable - slashed) * SLASH_PPM) / PPM,
      );
    });

    it("rejects at once when the verifier finds the committed proof valid: the bond is burned, nobody is paid", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      await f.registry.connect(f.admin).setVerifier(Mode.Tee, f.verifierAddress);
      await f.registry.connect(f.admin).setVerifier(Mode.Zk, f.verifierAddress);
      const r = makeRecord("good");
      await commitRecordAndCheck(f, r);
      const tokens = await tokensOf(f);
      const slashable = await f.staking.slashableStakeOf(f.operator.address);
      const id = await challengeAndCheck(f, SINGLE, r, [], validEvidence("good"), "rejected");
      // The challenger's bond is gone from the supply; the operator is not paid; nothing was locked.
      const after = await tokensOf(f);
      expect(tokens[f.challenger.address] - after[f.challenger.address]).to.equal(BOND);
      expect(tokens.supply - after.supply).to.equal(BOND);
      expect(after[f.operator.address]).to.equal(tokens[f.operator.address]);
      expect(after[f.registryAddress]).to.equal(tokens[f.registryAddress]);
      expect(await f.staking.slashableStakeOf(f.operator.address)).to.equal(slashable);
      expect(await f.staking.pendingSlashOf(f.operator.address)).to.equal(0n);
      // A verifier's rejection settles the record; it does not reopen it.
      expect(await disputeOf(f, (await challengeOf(f, id)).recordKey)).to.deep.equal({
        pendingChallengeId: ZeroHash,
        settled: true,
        reopenedUntil: 0n,
      });
      // In a batch, with another verifier'd type, the same.
      const { records, tree, root } = await commitTree(f, "zk", 3, { proofType: Mode.Zk });
      await challengeAndCheck(f, root, records[1], tree.getProof(1), validEvidence("zk-1"), "rejected");
    });
  });

  describe("challenge of a single record (root zero)", function () {
    it("reverts ProofsUnknownRecord(nodeId, id) when the node committed no record under the id, even one in a batch", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      const r = makeRecord("none");
      const { records, tree } = await commitTree(f, "batched", 4);
      // A one-record batch's root is its record's leaf: still no single record.
      const lone = makeRecord("lone");
      await commitBatchAndCheck(f, leafOf(lone), 1n);
      const tokens = await tokensOf(f);
      for (const [record, proof] of [
        [r, []],
        [records[0], tree.getProof(0)],
        [lone, []],
      ] as [Rec, string[]][]) {
        await expect(openChallenge(f.registry, f.challenger, f.nodeId, SINGLE, record, proof, "0x"))
          .to.be.revertedWithCustomError(f.registry, "ProofsUnknownRecord")
          .withArgs(f.nodeId, record.inferenceId);
        expect((await challengeOf(f, challengeIdOf(f.nodeId, SINGLE, record, f.challenger.address))).status).to.equal(
          Status.None,
        );
      }
      expect(await tokensOf(f)).to.deep.equal(tokens);
    });

    it("reverts ProofsRecordNotIncluded(0, leaf) for a record that is not the one committed under its id", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      const r = makeRecord("one", { proofType: Mode.Zk });
      await commitRecordAndCheck(f, r);
      const tokens = await tokensOf(f);
      const wrong: Rec[] = [
        { ...r, modelId: bytes32() },
        { ...r, inputHash: bytes32() },
        { ...r, outputHash: bytes32() },
        { ...r, proofType: Mode.Tee },
        { ...r, proofHash: bytes32() },
      ];
      for (const w of wrong) {
        await expect(openChallenge(f.registry, f.challenger, f.nodeId, SINGLE, w, [], "0x"))
          .to.be.revertedWithCustomError(f.registry, "ProofsRecordNotIncluded")
          .withArgs(SINGLE, leafOf(w));
      }
      // The same fields under another id: that id is unknown.
      const moved = { ...r, inferenceId: bytes32() };
      await expect(openChallenge(f.registry, f.challenger, f.nodeId, SINGLE, moved, [], "0x"))
        .to.be.revertedWithCustomError(f.registry, "ProofsUnknownRecord")
        .withArgs(f.nodeId, moved.inferenceId);
      expect(await tokensOf(f)).to.deep.equal(tokens);
      await challengeAndCheck(f, SINGLE, r, [], "0x", "pending");
    });

    it("reverts ProofsChallengeWindowClosed(0, challengeableUntil) after the window's end; at it, it is accepted", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      const a = makeRecord("a", { proofType: Mode.Zk });
      const b = makeRecord("b", { proofType: Mode.Zk });
      await commitRecordAndCheck(f, a);
      await commitRecordAndCheck(f, b);
      const closedA = (await recordOf(f, a.inferenceId)).challengeableUntil;
      const closedB = (await recordOf(f, b.inferenceId)).challengeableUntil;
      expect(closedB).to.be.gt(closedA);
      await commitChallenge(f.registry, f.challenger, f.nodeId, SINGLE, a, [], "0x");
      await time.setNextBlockTimestamp(closedA);
      await challengeAndCheck(f, SINGLE, a, [], "0x", "pending");
      for (const t of [closedB + 1n, closedB + 365n * DAY]) {
        await commitChallenge(f.registry, f.challenger, f.nodeId, SINGLE, b, [], "0x");
        await time.setNextBlockTimestamp(t);
        await expect(openChallenge(f.registry, f.challenger, f.nodeId, SINGLE, b, [], "0x", { gasLimit: GAS }))
          .to.be.revertedWithCustomError(f.registry, "ProofsChallengeWindowClosed")
          .withArgs(SINGLE, closedB);
      }
      expect((await challengeOf(f, challengeIdOf(f.nodeId, SINGLE, b, f.challenger.address))).status).to.equal(
        Status.None,
      );
    });

    it("id = keccak256(abi.encode(recordKeyOf(node, 0, leaf), challenger)); one pending at a time, settled once decided", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      await f.registry.connect(f.admin).setVerifier(Mode.Tee, f.verifierAddress);
      const records = [makeRecord("p", { proofType: Mode.Zk }), makeRecord("d", {}, invalidEvidence("d"))];
      for (const r of records) await commitRecordAndCheck(f, r);
      const pending = await challengeAndCheck(f, SINGLE, records[0], [], "0x", "pending");
      const decided = await challengeAndCheck(f, SINGLE, records[1], [], invalidEvidence("d"), "upheld");
      for (const [i, id] of [pending, decided].entries()) {
        const key = keccak256(abi.encode(["uint256", "bytes32", "bytes32"], [f.nodeId, ZeroHash, leafOf(records[i])]));
        expect(await f.registry.recordKeyOf(f.nodeId, ZeroHash, leafOf(records[i]))).to.equal(key);
        expect(id).to.equal(keccak256(abi.encode(["bytes32", "address"], [key, f.challenger.address])));
        const stored = await challengeOf(f, id);
        for (const [by, evidence] of [
          [f.challenger, "0x"],
          [f.challenger, invalidEvidence("d")],
          [f.other, "0x"],
        ] as const) {
          const call = openChallenge(f.registry, by, f.nodeId, SINGLE, records[i], [], evidence);
          if (i === 0)
            await expect(call).to.be.revertedWithCustomError(f.registry, "ProofsAlreadyChallenged").withArgs(id);
          else await expect(call).to.be.revertedWithCustomError(f.registry, "ProofsRecordSettled").withArgs(key);
        }
        expect(await challengeOf(f, id)).to.deep.equal(stored);
      }
    });

    it("charges the node named in the call, whose record it is (the recorder's choice included); the proof argument is not consulted", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      // The recorder commits for the other operator's node.
      const r = makeRecord("theirs", { proofType: Mode.Zk });
      await commitRecordAndCheck(f, r, { by: f.recorder, nodeId: f.otherNodeId });
      // Under this node the record is unknown.
      await expect(openChallenge(f.registry, f.challenger, f.nodeId, SINGLE, r, [], "0x"))
        .to.be.revertedWithCustomError(f.registry, "ProofsUnknownRecord")
        .withArgs(f.nodeId, r.inferenceId);
      const proof = [bytes32(), bytes32()];
      const id = await challengeAndCheck(f, SINGLE, r, proof, "0x", "pending", { nodeId: f.otherNodeId });
      expect(id).to.equal(challengeIdOf(f.otherNodeId, SINGLE, r, f.challenger.address));
      expect((await challengeOf(f, id)).nodeId).to.equal(f.otherNodeId);

      // Upheld by the arbiter: the other operator is slashed (its own stake: half to the challenger), this one not.
      const slashable = await f.staking.slashableStakeOf(f.other.address);
      const mine = await stakeOf(f, f.operator.address);
      const slashed = (slashable * SLASH_PPM) / PPM;
      await expect(f.registry.connect(f.arbiter).resolveChallenge(id, true))
        .to.emit(f.registry, "ChallengeResolved")
        .withArgs(id, Status.Upheld, slashed, slashed / 2n, f.challenger.address, BOND);
      expect(await f.staking.slashableStakeOf(f.other.address)).to.equal(slashable - slashed);
      expect(await stakeOf(f, f.operator.address)).to.deep.equal(mine);
    });

    it("upholds at once when the verifier finds the committed proof invalid: RecordChallenged(id, 0, …), slash, bond back", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      await f.registry.connect(f.admin).setVerifier(Mode.Tee, f.verifierAddress);
      const r = makeRecord("bad", {}, invalidEvidence("bad"));
      await commitRecordAndCheck(f, r);
      const slashable = await f.staking.slashableStakeOf(f.operator.address);
      const challengerBefore = await f.token.balanceOf(f.challenger.address);
      const id = challengeIdOf(f.nodeId, SINGLE, r, f.challenger.address);
      const at = (await now()) + 10n;
      await commitChallenge(f.registry, f.challenger, f.nodeId, SINGLE, r, [], invalidEvidence("bad"));
      await time.setNextBlockTimestamp(at);
      await expect(openChallenge(f.registry, f.challenger, f.nodeId, SINGLE, r, [], invalidEvidence("bad")))
        .to.emit(f.registry, "RecordChallenged")
        .withArgs(
          id,
          f.nodeId,
          r.inferenceId,
          ZeroHash,
          recordKeyOf(f.nodeId, SINGLE, r),
          f.challenger.address,
          BOND,
          opg(7_500n),
          at + DECISION,
        )
        .and.to.emit(f.registry, "ChallengeResolved")
        .withArgs(id, Status.Upheld, opg(7_500n), opg(3_750n), f.challenger.address, BOND);
      expect((await challengeOf(f, id)).status).to.equal(Status.Upheld);
      // 5% of 150,000 = 7,500 OPG from the operator's own stake; half to the challenger, whose bond is back.
      expect(await f.staking.slashableStakeOf(f.operator.address)).to.equal(slashable - opg(7_500n));
      expect(await f.token.balanceOf(f.challenger.address)).to.equal(challengerBefore + opg(3_750n));
      // The record itself stays committed, and final once its window has passed.
      expect(await f.registry.isRecordCommitted(f.nodeId, r)).to.equal(true);
      await viewAt((await recordOf(f, r.inferenceId)).challengeableUntil + 1n);
      expect(await f.registry.isRecordFinal(f.nodeId, r.inferenceId)).to.equal(true);

      // The same through the checked helper, for a second bad record.
      const second = makeRecord("bad-2", {}, invalidEvidence("bad-2"));
      await commitRecordAndCheck(f, second);
      await challengeAndCheck(f, SINGLE, second, [], invalidEvidence("bad-2"), "upheld");
    });

    it("waits for the arbiter when the proof type has no verifier: upheld or rejected by it", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      await f.registry.connect(f.admin).setVerifier(Mode.Tee, f.verifierAddress);
      const up = makeRecord("up", { proofType: Mode.Zk }, invalidEvidence("up"));
      const down = makeRecord("down", { proofType: Mode.None });
      for (const r of [up, down]) await commitRecordAndCheck(f, r);
      const upId = await challengeAndCheck(f, SINGLE, up, [], invalidEvidence("up"), "pending");
      const downId = await challengeAndCheck(f, SINGLE, down, [], validEvidence("down"), "pending");
      await resolveAndCheck(f, upId, true);
      await resolveAndCheck(f, downId, false);
      expect((await challengeOf(f, upId)).status).to.equal(Status.Upheld);
      expect((await challengeOf(f, downId)).status).to.equal(Status.Rejected);
    });
  });

  describe("slashing (an upheld challenge)", function () {
    async function withBadRecord(f: Fixture, label: string) {
      await f.registry.connect(f.admin).setVerifier(Mode.Tee, f.verifierAddress);
      const r = makeRecord(label, {}, invalidEvidence(label));
      await commitRecordAndCheck(f, r);
      return { r, root: SINGLE, evidence: invalidEvidence(label) };
    }

    it("takes own thawing stake after own active stake: a thaw does not escape the slash", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      // Committed while serving; the operator then unstakes below its own-stake minimum (no longer serving).
      const { r, root, evidence } = await withBadRecord(f, "thaw");
      await f.staking.connect(f.operator).unstake(opg(98_000n));
      const delegation = await delegationOf(f, f.delegator.address);
      await challengeAndCheck(f, root, r, [], evidence, "upheld");
      // 7,500: 2,000 from active, 5,500 from thawing; the delegator is untouched.
      expect(await stakeOf(f, f.operator.address)).to.include({
        ownActive: 0n,
        ownThawing: opg(98_000n - 5_500n),
        delegated: DELEGATED,
      });
      expect(await delegationOf(f, f.delegator.address)).to.deep.equal(delegation);
    });

    it("takes delegated active and thawing stake pro rata once the operator's own stake is gone", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      // The operator keeps 1,000 OPG of its own, the own-stake minimum governance set, and commits then (a record
      // cannot outlive a thaw: the window is shorter than the thaw). Two delegators, one of them half unbonding.
      await f.nodes.connect(f.admin).setMinimumOwnStake(opg(1_000n));
      await f.staking.connect(f.operator).unstake(opg(99_000n));
      await time.increase(14n * DAY);
      await f.staking.connect(f.operator).withdraw(f.operator.address, 0n);
      await f.nodes.connect(f.operator).heartbeat(f.nodeId);
      const { r, root, evidence } = await withBadRecord(f, "deep");
      await f.staking.connect(f.delegator2).delegate(f.operator.address, opg(30_000n), PPM);
      const shares = (await f.staking.getDelegation(f.operator.address, f.delegator.address)).shares;
      await f.staking.connect(f.delegator).undelegate(f.operator.address, shares / 2n);
      expect(await stakeOf(f, f.operator.address)).to.include({
        ownActive: opg(1_000n),
        ownThawing: 0n,
        delegated: opg(55_000n),
        delegatedThawing: opg(25_000n),
      });

      const holdings = async () => {
        const out: bigint[] = [];
        for (const d of [f.delegator, f.delegator2])
          out.push((await f.staking.getDelegation(f.operator.address, d.address)).tokens);
        out.push((await f.staking.thawRequestsOf(f.delegator.address, f.operator.address)).amounts[0]);
        return out;
      };
      const before = await holdings();
      expect(before).to.deep.equal([opg(25_000n), opg(30_000n), opg(25_000n)]);
      await challengeAndCheck(f, root, r, [], evidence, "upheld");

      // 5% of 81,000 = 4,050: 1,000 own, then 3,050 split 55:25 between delegated active and thawing.
      expect(await stakeOf(f, f.operator.address)).to.include({
        ownActive: 0n,
        delegated: opg(55_000n) - 2_096_875n * 10n ** 15n,
        delegatedThawing: opg(25_000n) - 953_125n * 10n ** 15n,
      });
      // Every delegator loses the same fraction, 3,050 / 80,000, to rounding (1 wei) on the share value.
      const after = await holdings();
      for (const [i, held] of before.entries()) {
        const expected = (held * (opg(80_000n) - opg(3_050n))) / opg(80_000n);
        expect(after[i] <= expected && expected - after[i] <= 1n, `holding ${i}: ${after[i]} vs ${expected}`).to.equal(
          true,
        );
      }
    });

    it("slashes nothing with slashPpm 0: no StakeSlashed, the bond comes back", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      await f.registry.connect(f.admin).setSlash(0);
      const { r, root, evidence } = await withBadRecord(f, "zero");
      const id = await challengeAndCheck(f, root, r, [], evidence, "upheld");
      expect((await challengeOf(f, id)).status).to.equal(Status.Upheld);
      expect(await f.staking.slashableStakeOf(f.operator.address)).to.equal(OWN_STAKE + DELEGATED);
    });

    it("stays within staking's own bound when it is below slashPpm", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      await f.registry.connect(f.admin).setSlash(Number(MAX_SLASH_PPM));
      await f.staking.connect(f.admin).setMaxSlash(20_000);
      const { r, root, evidence } = await withBadRecord(f, "bound");
      await challengeAndCheck(f, root, r, [], evidence, "upheld");
      // 2% of 150,000, not 10%.
      expect(await f.staking.slashableStakeOf(f.operator.address)).to.equal(OWN_STAKE + DELEGATED - opg(3_000n));
      // And 10% when staking allows it.
      await f.staking.connect(f.admin).setMaxSlash(Number(MAX_SLASH_PPM));
      const second = await withBadRecord(f, "bound-2");
      await challengeAndCheck(f, second.root, second.r, [], second.evidence, "upheld");
      expect(await f.staking.slashableStakeOf(f.operator.address)).to.equal(
        ((OWN_STAKE + DELEGATED - opg(3_000n)) * 9n) / 10n,
      );
    });
  });

  describe("resolveChallenge", function () {
    async function withPending(f: Fixture, label: string) {
      const r = makeRecord(label, { proofType: Mode.Zk });
      await commitRecordAndCheck(f, r);
      return challengeAndCheck(f, SINGLE, r, [], "0x", "pending");
    }

    it("reverts AccessControlUnauthorizedAccount(caller, ARBITER_ROLE) without the role", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      const id = await withPending(f, "p");
      for (const caller of [f.operator, f.challenger, f.recorder, f.stranger]) {
        for (const upheld of [true, false]) {
          await expect(f.registry.connect(caller).resolveChallenge(id, upheld))
            .to.be.revertedWithCustomError(f.registry, "AccessControlUnauthorizedAccount")
            .withArgs(caller.address, f.roles.arbiter);
        }
      }
      expect((await challengeOf(f, id)).status).to.equal(Status.Pending);
      // The admin holds the role from deployment.
      await resolveAndCheck(f, id, false, f.admin);
    });

    it("reverts ProofsChallengeNotPending(id) for an unknown challenge or one decided by the verifier", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      const unknown = bytes32();
      await expect(f.registry.connect(f.arbiter).resolveChallenge(unknown, true))
        .to.be.revertedWithCustomError(f.registry, "ProofsChallengeNotPending")
        .withArgs(unknown);
      await f.registry.connect(f.admin).setVerifier(Mode.Tee, f.verifierAddress);
      const r = makeRecord("v");
      await commitRecordAndCheck(f, r);
      const id = await challengeAndCheck(f, SINGLE, r, [], validEvidence("v"), "rejected");
      for (const upheld of [true, false]) {
        await expect(f.registry.connect(f.arbiter).resolveChallenge(id, upheld))
          .to.be.revertedWithCustomError(f.registry, "ProofsChallengeNotPending")
          .withArgs(id);
      }
    });

    it("upholds: slashes the operator, pays the challenger its share and the held bond, burns the rest; once", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      const id = await withPending(f, "u");
      // Even after the window has closed and the commitment is final: up to decideBy, inclusive.
      const { decideBy } = await challengeOf(f, id);
      await time.setNextBlockTimestamp(decideBy);
      await resolveAndCheck(f, id, true);
      expect(await now()).to.equal(decideBy);
      expect(await f.staking.slashableStakeOf(f.operator.address)).to.equal(((OWN_STAKE + DELEGATED) * 95n) / 100n);
      for (const upheld of [true, false]) {
        await expect(f.registry.connect(f.arbiter).resolveChallenge(id, upheld))
          .to.be.revertedWithCustomError(f.registry, "ProofsChallengeNotPending")
          .withArgs(id);
      }
    });

    it("rejects: burns the held bond (not the current one), pays no one; once", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      const id = await withPending(f, "x");
      await f.registry.connect(f.admin).setChallengeBond(opg(500n));
      const tokens = await tokensOf(f);
      await resolveAndCheck(f, id, false);
      const after = await tokensOf(f);
      expect(tokens.supply - after.supply).to.equal(BOND);
      expect(tokens[f.registryAddress] - after[f.registryAddress]).to.equal(BOND);
      expect(after[f.operator.address]).to.equal(tokens[f.operator.address]);
      expect(after[f.challenger.address]).to.equal(tokens[f.challenger.address]);
      for (const upheld of [true, false]) {
        await expect(f.registry.connect(f.arbiter).resolveChallenge(id, upheld))
          .to.be.revertedWithCustomError(f.registry, "ProofsChallengeNotPending")
          .withArgs(id);
      }
      // A new challenge pays the new bond, and an upheld one returns exactly it.
      const next = await withPending(f, "y");
      expect((await challengeOf(f, next)).bond).to.equal(opg(500n));
      await resolveAndCheck(f, next, true);
    });
  });

  describe("keyed by node", function () {
    it("two nodes commit the same inference id independently: records, views and challenges per node", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      const mine = makeRecord("shared", { proofType: Mode.Zk });
      // The other node commits its own record under the same id, first.
      const theirs = { ...mine, outputHash: ethers.id("their output") };
      await commitRecordAndCheck(f, theirs, { by: f.other, nodeId: f.otherNodeId });
      await time.increase(HOUR);
      await commitRecordAndCheck(f, mine);
      // Each node's record is its own: the views answer per node.
      expect((await recordOf(f, mine.inferenceId)).leafPrefix).to.equal(leafPrefixOf(leafOf(mine)));
      expect((await recordOf(f, mine.inferenceId, f.otherNodeId)).leafPrefix).to.equal(leafPrefixOf(leafOf(theirs)));
      expect(await f.registry.isRecordCommitted(f.nodeId, mine)).to.equal(true);
      expect(await f.registry.isRecordCommitted(f.nodeId, theirs)).to.equal(false);
      expect(await f.registry.isRecordCommitted(f.otherNodeId, theirs)).to.equal(true);
      expect(await f.registry.isRecordCommitted(f.otherNodeId, mine)).to.equal(false);
      const until = (await recordOf(f, mine.inferenceId)).challengeableUntil;
      const theirUntil = (await recordOf(f, mine.inferenceId, f.otherNodeId)).challengeableUntil;
      expect(until - theirUntil).to.be.gte(HOUR);
      await viewAt(theirUntil + 1n);
      expect(await f.registry.isRecordFinal(f.otherNodeId, mine.inferenceId)).to.equal(true);
      expect(await f.registry.isRecordFinal(f.nodeId, mine.inferenceId)).to.equal(false);
      // Challenged apart: each challenge names its node, and charges that node's operator.
      await expect(openChallenge(f.registry, f.challenger, f.nodeId, SINGLE, theirs, [], "0x"))
        .to.be.revertedWithCustomError(f.registry, "ProofsRecordNotIncluded")
        .withArgs(SINGLE, leafOf(theirs));
      const id = await challengeAndCheck(f, SINGLE, mine, [], "0x", "pending");
      expect((await challengeOf(f, id)).recordKey).to.not.equal(recordKeyOf(f.otherNodeId, SINGLE, mine));
      expect(await f.staking.lockedStakeOf(f.other.address)).to.equal(0n);
    });

    it("two nodes commit the same batch root independently: commitments, inclusion, finality and challenges per node", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      const { records, tree, root } = await commitTree(f, "both", 4, { proofType: Mode.Zk });
      await time.increase(DAY);
      await commitBatchAndCheck(f, root, 4n, "ipfs://copy", { by: f.other, nodeId: f.otherNodeId });
      const mine = await commitmentOf(f, root);
      const theirs = await commitmentOf(f, root, f.otherNodeId);
      expect(theirs.committedAt - mine.committedAt).to.be.gte(DAY);
      for (const nodeId of [f.nodeId, f.otherNodeId]) {
        expect(await f.registry.isIncluded(nodeId, root, records[1], tree.getProof(1))).to.equal(true);
      }
      expect(await f.registry.isIncluded(99n, root, records[1], tree.getProof(1))).to.equal(false);
      await viewAt(mine.challengeableUntil + 1n);
      expect(await f.registry.isFinal(f.nodeId, root)).to.equal(true);
      expect(await f.registry.isFinal(f.otherNodeId, root)).to.equal(false);
      // This node's copy is closed; the other's is still open, and its challenge charges the other operator.
      await expect(
        openChallenge(f.registry, f.challenger, f.nodeId, root, records[0], tree.getProof(0), "0x", { gasLimit: GAS }),
      )
        .to.be.revertedWithCustomError(f.registry, "ProofsChallengeWindowClosed")
        .withArgs(root, mine.challengeableUntil);
      const id = await challengeAndCheck(f, root, records[0], tree.getProof(0), "0x", "pending", {
        nodeId: f.otherNodeId,
      });
      expect((await challengeOf(f, id)).nodeId).to.equal(f.otherNodeId);
      expect(await f.staking.lockedStakeOf(f.other.address)).to.equal(opg(500n));
      expect(await f.staking.lockedStakeOf(f.operator.address)).to.equal(0n);
    });
  });

  describe("disputes: locks, deadlines, expiry, supersession", function () {
    async function withPending(f: Fixture, label: string, by = f.challenger) {
      const r = makeRecord(label, { proofType: Mode.Zk });
      await commitRecordAndCheck(f, r);
      const id = await challengeAndCheck(f, SINGLE, r, [], "0x", "pending", { by });
      return { r, id };
    }

    it("a pending challenge locks the slash fixed at opening: 5% of 150,000 = 7,500 OPG, held until decided", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      const { id } = await withPending(f, "lock");
      expect((await challengeOf(f, id)).lockedStake).to.equal(opg(7_500n));
      expect(await f.staking.pendingSlashOf(f.operator.address)).to.equal(opg(7_500n));
      expect(await f.staking.lockedStakeOf(f.operator.address)).to.equal(opg(7_500n));
      // A second record's challenge adds 5% of the same slashable stake on top.
      await withPending(f, "lock-2");
      expect(await f.staking.pendingSlashOf(f.operator.address)).to.equal(opg(15_000n));
      expect(await f.staking.lockedStakeOf(f.operator.address)).to.equal(opg(15_000n));
      await resolveAndCheck(f, id, false);
      expect(await f.staking.pendingSlashOf(f.operator.address)).to.equal(opg(7_500n));
      expect(await f.staking.lockedStakeOf(f.operator.address)).to.equal(opg(7_500n));
    });

    it("the arbiter decides up to decideBy inclusive; one second later ProofsDecisionDeadlinePassed, and only expiry remains", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      const a = await withPending(f, "edge-a");
      const b = await withPending(f, "edge-b");
      const aDecideBy = (await challengeOf(f, a.id)).decideBy;
      const { openedAt, decideBy: bDecideBy } = await challengeOf(f, b.id);
      expect(bDecideBy).to.equal(openedAt + DECISION);
      expect(bDecideBy).to.be.gt(aDecideBy);
      // At a's decideBy: expiry is too early.
      await time.setNextBlockTimestamp(aDecideBy);
      await expect(f.registry.connect(f.stranger).expireChallenge(a.id, { gasLimit: GAS }))
        .to.be.revertedWithCustomError(f.registry, "ProofsDecisionDeadlineNotPassed")
        .withArgs(a.id, aDecideBy);
      // At b's decideBy, the arbiter still decides b.
      await time.setNextBlockTimestamp(bDecideBy);
      await resolveAndCheck(f, b.id, true);
      expect(await now()).to.equal(bDecideBy);
      // Past a's decideBy: no decision either way, only expiry.
      expect(await now()).to.be.gt(aDecideBy);
      for (const upheld of [true, false]) {
        await expect(f.registry.connect(f.arbiter).resolveChallenge(a.id, upheld))
          .to.be.revertedWithCustomError(f.registry, "ProofsDecisionDeadlinePassed")
          .withArgs(a.id, aDecideBy);
      }
      await resolveAndCheck(f, a.id, "expire", f.stranger);
    });

    it("expireChallenge: anyone after decideBy; the lock is released, the bond burned; once; the record is open again", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      // A decision period shorter than the window, so that the record is still open after the expiry.
      await f.registry.connect(f.admin).setDecisionPeriod(MIN_DECISION);
      const { r, id } = await withPending(f, "exp");
      const { decideBy } = await challengeOf(f, id);
      expect(decideBy).to.equal((await challengeOf(f, id)).openedAt + MIN_DECISION);
      await time.setNextBlockTimestamp(decideBy);
      await expect(f.registry.connect(f.stranger).expireChallenge(id, { gasLimit: GAS }))
        .to.be.revertedWithCustomError(f.registry, "ProofsDecisionDeadlineNotPassed")
        .withArgs(id, decideBy + 0n);
      const tokens = await tokensOf(f);
      await time.setNextBlockTimestamp(decideBy + 1n);
      await resolveAndCheck(f, id, "expire", f.stranger);
      // The griefer's bond is burned, not paid to the operator; nothing was slashed, nothing stays locked.
      const after = await tokensOf(f);
      expect(tokens.supply - after.supply).to.equal(BOND);
      expect(after[f.operator.address]).to.equal(tokens[f.operator.address]);
      expect(await f.staking.pendingSlashOf(f.operator.address)).to.equal(0n);
      expect(await f.staking.lockedStakeOf(f.operator.address)).to.equal(0n);
      // Reopened for a day from the expiry, which ends before the record's own window: the window still rules.
      const { reopenedUntil } = await disputeOf(f, recordKeyOf(f.nodeId, SINGLE, r));
      expect(reopenedUntil).to.equal(decideBy + 1n + RECHALLENGE_WINDOW);
      expect(reopenedUntil).to.be.lt((await recordOf(f, r.inferenceId)).challengeableUntil);
      for (const call of [
        () => f.registry.expireChallenge(id),
        () => f.registry.connect(f.arbiter).resolveChallenge(id, true),
      ]) {
        await expect(call()).to.be.revertedWithCustomError(f.registry, "ProofsChallengeNotPending").withArgs(id);
      }
      await expect(f.registry.expireChallenge(bytes32())).to.be.revertedWithCustomError(
        f.registry,
        "ProofsChallengeNotPending",
      );
      // The expired challenger cannot come back; another challenger can, within the window, after the day too.
      await expect(openChallenge(f.registry, f.challenger, f.nodeId, SINGLE, r, [], "0x"))
        .to.be.revertedWithCustomError(f.registry, "ProofsAlreadyChallenged")
        .withArgs(id);
      await viewAt(reopenedUntil + 1n);
      await challengeAndCheck(f, SINGLE, r, [], "0x", "pending", { by: f.challenger2 });
    });

    it("rejected by the arbiter: the record stays open to others; the same challenger twice reverts ProofsAlreadyChallenged(its id)", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      const { r, id } = await withPending(f, "rej");
      await resolveAndCheck(f, id, false);
      await expect(openChallenge(f.registry, f.challenger, f.nodeId, SINGLE, r, [], "0x"))
        .to.be.revertedWithCustomError(f.registry, "ProofsAlreadyChallenged")
        .withArgs(id);
      const second = await challengeAndCheck(f, SINGLE, r, [], "0x", "pending", { by: f.challenger2 });
      expect(second).to.equal(challengeIdOf(f.nodeId, SINGLE, r, f.challenger2.address));
      expect(second).to.not.equal(id);
      await resolveAndCheck(f, second, true);
    });

    it("pending slashes add up past the slashable stake: each keeps its whole fixed slash; an upheld one takes it, or what is left", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      // 10% of 150,000 = 15,000 per challenge: eleven pending slashes sum to 165,000, more than there is. Decisions
      // may take 28 days, longer than the thaw below.
      await f.registry.connect(f.admin).setSlash(Number(MAX_SLASH_PPM));
      await f.registry.connect(f.admin).setDecisionPeriod(MAX_DECISION);
      const { records, tree, root } = await commitTree(f, "sum", 11, { proofType: Mode.Zk });
      const ids: string[] = [];
      for (const [i, r] of records.entries())
        ids.push(await challengeAndCheck(f, root, r, tree.getProof(i), "0x", "pending"));
      for (const id of ids) expect((await challengeOf(f, id)).lockedStake).to.equal(opg(15_000n));
      expect(await f.staking.pendingSlashOf(f.operator.address)).to.equal(opg(165_000n));
      // What they lock is capped by the slashable stake: all of it; the operator cannot take out a token (its own
      // 100,000, active and thawing, holds the lock first, and none of it is free).
      expect(await f.staking.lockedStakeOf(f.operator.address)).to.equal(opg(150_000n));
      await f.staking.connect(f.operator).unstake(opg(1n));
      await time.increase(14n * DAY);
      await expect(f.staking.connect(f.operator).withdraw(f.operator.address, 0n))
        .to.be.revertedWithCustomError(f.staking, "StakingStakeLocked")
        .withArgs(opg(150_000n), opg(100_000n));
      // The last one opened is upheld first: it takes its whole 15,000 (own stake; half to the challenger).
      await resolveAndCheck(f, ids[10], true);
      expect(await f.staking.slashableStakeOf(f.operator.address)).to.equal(opg(135_000n));
      expect(await f.staking.pendingSlashOf(f.operator.address)).to.equal(opg(150_000n));
      expect(await f.staking.lockedStakeOf(f.operator.address)).to.equal(opg(135_000n));
      // Nine more take 15,000 each, the operator's own stake first, then the delegated: nothing is left.
      for (const id of ids.slice(0, 9)) await resolveAndCheck(f, id, true);
      expect(await f.staking.slashableStakeOf(f.operator.address)).to.equal(0n);
      expect(await f.staking.pendingSlashOf(f.operator.address)).to.equal(opg(15_000n));
      expect(await f.staking.lockedStakeOf(f.operator.address)).to.equal(0n);
      // The eleventh finds nothing to take: upheld, slashed 0, its pending slash removed, its bond (1% of the 15,000
      // it locked: 150 OPG) back.
      const tx = await resolveAndCheck(f, ids[9], true);
      await expect(tx)
        .to.emit(f.registry, "ChallengeResolved")
        .withArgs(ids[9], Status.Upheld, 0n, 0n, f.challenger.address, (opg(15_000n) * 10_000n) / PPM);
      expect(await f.staking.pendingSlashOf(f.operator.address)).to.equal(0n);
    });

    it("a puppet's challenge opened at the window's start and expired after it closed reopens the record for a day", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      const { records, tree, root } = await commitTree(f, "reopen", 2, { proofType: Mode.Zk });
      const { challengeableUntil: closedAt } = await commitmentOf(f, root);
      // The operator's puppet (another account) challenges both records at once: the decision period (7 days) is
      // the window, so the challenges wait for the arbiter past its end.
      const ids: string[] = [];
      for (const i of [0, 1])
        ids.push(await challengeAndCheck(f, root, records[i], tree.getProof(i), "0x", "pending", { by: f.other }));
      const decideBy = await Promise.all(ids.map(async (id) => (await challengeOf(f, id)).decideBy));
      for (const d of decideBy) expect(d).to.be.gt(closedAt);
      // Meanwhile the window closes: nobody else can challenge.
      await time.setNextBlockTimestamp(closedAt + 1n);
      await expect(
        openChallenge(f.registry, f.challenger, f.nodeId, root, records[0], tree.getProof(0), "0x", { gasLimit: GAS }),
      )
        .to.be.revertedWithCustomError(f.registry, "ProofsChallengeWindowClosed")
        .withArgs(root, closedAt);
      // The arbiter lets the first expire: the puppet's bond is burned, and the record reopens for a day.
      await time.setNextBlockTimestamp(decideBy[0] + 1n);
      await resolveAndCheck(f, ids[0], "expire", f.stranger);
      const reopenedUntil = decideBy[0] + 1n + RECHALLENGE_WINDOW;
      expect((await disputeOf(f, recordKeyOf(f.nodeId, root, records[0]))).reopenedUntil).to.equal(reopenedUntil);
      // One second after reopenedUntil (and the window) it is closed, with reopenedUntil as its end.
      await time.setNextBlockTimestamp(reopenedUntil + 1n);
      await expect(
        openChallenge(f.registry, f.challenger, f.nodeId, root, records[0], tree.getProof(0), "0x", { gasLimit: GAS }),
      )
        .to.be.revertedWithCustomError(f.registry, "ProofsChallengeWindowClosed")
        .withArgs(root, reopenedUntil);
      // The second, expired only now, long after its deadline: reopened for a day from the expiry. At its
      // reopenedUntil exactly, the honest challenger challenges; the arbiter upholds it and the slash lands.
      const expiredAt = reopenedUntil + 2n;
      await time.setNextBlockTimestamp(expiredAt);
      await resolveAndCheck(f, ids[1], "expire", f.stranger);
      await commitChallenge(f.registry, f.challenger, f.nodeId, root, records[1], tree.getProof(1), "0x");
      await time.setNextBlockTimestamp(expiredAt + RECHALLENGE_WINDOW);
      const honest = await challengeAndCheck(f, root, records[1], tree.getProof(1), "0x", "pending");
      expect((await challengeOf(f, honest)).openedAt).to.equal(expiredAt + RECHALLENGE_WINDOW);
      // isFinal still reports the batch final: it reads the batch's window only, not a record's reopening.
      expect(await f.registry.isFinal(f.nodeId, root)).to.equal(true);
      await resolveAndCheck(f, honest, true);
      expect(await f.staking.slashableStakeOf(f.operator.address)).to.equal(opg(150_000n - 7_500n));
    });

    it("a rejection after the window reopens the record for a day from the decision; an upheld decision settles it", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      // Decisions may take 28 days, long past the 7-day window.
      await f.registry.connect(f.admin).setDecisionPeriod(MAX_DECISION);
      const { records, tree, root } = await commitTree(f, "rej-reopen", 3, { proofType: Mode.Zk });
      const { challengeableUntil: closedAt } = await commitmentOf(f, root);
      const ids: string[] = [];
      for (const i of [0, 1, 2])
        ids.push(await challengeAndCheck(f, root, records[i], tree.getProof(i), "0x", "pending", { by: f.other }));
      const challenge = (by: typeof f.challenger, i: number) =>
        openChallenge(f.registry, by, f.nodeId, root, records[i], tree.getProof(i), "0x", { gasLimit: GAS });
      // An hour after the window: the arbiter upholds the third. Settled, not reopened: the window stays closed.
      await time.setNextBlockTimestamp(closedAt + HOUR);
      await resolveAndCheck(f, ids[2], true);
      expect(await disputeOf(f, recordKeyOf(f.nodeId, root, records[2]))).to.deep.equal({
        pendingChallengeId: ZeroHash,
        settled: true,
        reopenedUntil: 0n,
      });
      // A day after the window: it rejects the first and the second (a second apart); each reopens for a day.
      const rejectedAt = closedAt + DAY;
      for (const i of [0, 1]) {
        await time.setNextBlockTimestamp(rejectedAt + BigInt(i));
        await resolveAndCheck(f, ids[i], false);
      }
      await time.setNextBlockTimestamp(rejectedAt + 2n);
      await expect(challenge(f.challenger, 2))
        .to.be.revertedWithCustomError(f.registry, "ProofsChallengeWindowClosed")
        .withArgs(root, closedAt);
      // The first, at its reopenedUntil exactly: accepted.
      await commitChallenge(f.registry, f.challenger, f.nodeId, root, records[0], tree.getProof(0), "0x");
      await time.setNextBlockTimestamp(rejectedAt + RECHALLENGE_WINDOW);
      const honest = await challengeAndCheck(f, root, records[0], tree.getProof(0), "0x", "pending");
      expect((await challengeOf(f, honest)).openedAt).to.equal(rejectedAt + RECHALLENGE_WINDOW);
      // The second, one second after its reopenedUntil: closed at reopenedUntil.
      await time.setNextBlockTimestamp(rejectedAt + 1n + RECHALLENGE_WINDOW + 1n);
      await expect(challenge(f.challenger, 1))
        .to.be.revertedWithCustomError(f.registry, "ProofsChallengeWindowClosed")
        .withArgs(root, rejectedAt + 1n + RECHALLENGE_WINDOW);
      // The honest challenge is rejected too: the record reopens again, a day from that decision.
      await resolveAndCheck(f, honest, false);
    });

    it("upheld by the arbiter settles the record: every later challenge, verifiable evidence included, reverts ProofsRecordSettled", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      await f.registry.connect(f.admin).setVerifier(Mode.Zk, f.verifierAddress);
      const r = makeRecord("settle", { proofType: Mode.Zk }, invalidEvidence("settle"));
      await commitRecordAndCheck(f, r);
      const id = await challengeAndCheck(f, SINGLE, r, [], "0x", "pending");
      await resolveAndCheck(f, id, true);
      const key = recordKeyOf(f.nodeId, SINGLE, r);
      for (const [by, evidence] of [
        [f.challenger2, "0x"],
        [f.challenger2, invalidEvidence("settle")],
        [f.challenger, invalidEvidence("settle")],
      ] as const) {
        await expect(openChallenge(f.registry, by, f.nodeId, SINGLE, r, [], evidence))
          .to.be.revertedWithCustomError(f.registry, "ProofsRecordSettled")
          .withArgs(key);
      }
    });

    it("supersede: verifiable evidence upheld while a challenge waits for the arbiter; exact balances and locks", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      await f.registry.connect(f.admin).setVerifier(Mode.Tee, f.verifierAddress);
      const r = makeRecord("sup", {}, invalidEvidence("sup"));
      await commitRecordAndCheck(f, r);
      // The first challenger's evidence does not hash to proofHash: it waits for the arbiter, locking 7,500.
      const pending = await challengeAndCheck(f, SINGLE, r, [], "0x", "pending");
      const stake = await stakeOf(f, f.operator.address);
      expect(stake.locked).to.equal(opg(7_500n));
      const tokens = await tokensOf(f);
      const id = challengeIdOf(f.nodeId, SINGLE, r, f.challenger2.address);
      const key = recordKeyOf(f.nodeId, SINGLE, r);
      // The pending slash of the waiting challenge is removed first: the new one fixes 5% of the same 150,000.
      const tx = await openChallenge(f.registry, f.challenger2, f.nodeId, SINGLE, r, [], invalidEvidence("sup"));
      await expect(tx)
        .to.emit(f.registry, "ChallengeResolved")
        .withArgs(pending, Status.Superseded, 0n, 0n, f.challenger.address, BOND);
      await expect(tx)
        .to.emit(f.registry, "ChallengeResolved")
        .withArgs(id, Status.Upheld, opg(7_500n), opg(3_750n), f.challenger2.address, BOND);
      // Staking saw the waiting one's pending slash removed, the new one's added (7,500 pending) and slashed.
      await expect(tx).to.emit(f.staking, "StakeUnlocked").withArgs(f.operator.address, opg(7_500n), 0n);
      await expect(tx).to.emit(f.staking, "StakeLocked").withArgs(f.operator.address, opg(7_500n), opg(7_500n));
      expect((await challengeOf(f, pending)).status).to.equal(Status.Superseded);
      expect((await challengeOf(f, id)).status).to.equal(Status.Upheld);
      expect(await disputeOf(f, key)).to.deep.equal({ pendingChallengeId: ZeroHash, settled: true, reopenedUntil: 0n });
      const after = await tokensOf(f);
      // The superseded challenger has its bond back; the honest one its bond (net 0) and half the slash.
      expect(after[f.challenger.address] - tokens[f.challenger.address]).to.equal(BOND);
      expect(after[f.challenger2.address] - tokens[f.challenger2.address]).to.equal(opg(3_750n));
      expect(after[f.operator.address]).to.equal(tokens[f.operator.address]);
      expect(after[f.registryAddress]).to.equal(tokens[f.registryAddress] - BOND);
      expect(tokens.supply - after.supply).to.equal(opg(3_750n));
      expect(await stakeOf(f, f.operator.address)).to.deep.equal({
        ...stake,
        ownActive: stake.ownActive - opg(7_500n),
        pending: 0n,
        locked: 0n,
      });
      // The arbiter has nothing left to decide.
      await expect(f.registry.connect(f.arbiter).resolveChallenge(pending, true))
        .to.be.revertedWithCustomError(f.registry, "ProofsChallengeNotPending")
        .withArgs(pending);
    });

    it("verifiable evidence the verifier accepts while a challenge waits: both rejected, both bonds burned, the record settled", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      await f.registry.connect(f.admin).setVerifier(Mode.Tee, f.verifierAddress);
      const r = makeRecord("good");
      await commitRecordAndCheck(f, r);
      const pending = await challengeAndCheck(f, SINGLE, r, [], "0x", "pending");
      const stake = await stakeOf(f, f.operator.address);
      const tokens = await tokensOf(f);
      const id = challengeIdOf(f.nodeId, SINGLE, r, f.challenger2.address);
      const tx = await openChallenge(f.registry, f.challenger2, f.nodeId, SINGLE, r, [], validEvidence("good"));
      await expect(tx)
        .to.emit(f.registry, "ChallengeResolved")
        .withArgs(pending, Status.Rejected, 0n, 0n, ZeroAddress, BOND);
      await expect(tx)
        .to.emit(f.registry, "ChallengeResolved")
        .withArgs(id, Status.Rejected, 0n, 0n, ZeroAddress, BOND);
      await expect(tx).to.emit(f.staking, "StakeUnlocked").withArgs(f.operator.address, opg(7_500n), 0n);
      await expect(tx).to.not.emit(f.staking, "StakeSlashed");
      await expect(tx).to.not.emit(f.staking, "StakeLocked");
      // Both bonds burned: the registry's held one and the one just pulled; the operator is paid nothing.
      const after = await tokensOf(f);
      expect(after[f.operator.address]).to.equal(tokens[f.operator.address]);
      expect(tokens[f.challenger2.address] - after[f.challenger2.address]).to.equal(BOND);
      expect(after[f.challenger.address]).to.equal(tokens[f.challenger.address]);
      expect(tokens[f.registryAddress] - after[f.registryAddress]).to.equal(BOND);
      expect(tokens.supply - after.supply).to.equal(2n * BOND);
      expect(await stakeOf(f, f.operator.address)).to.deep.equal({ ...stake, pending: 0n, locked: 0n });
      // Settled by the verifier, not reopened: the rejection of the waiting challenge is the verifier's.
      expect(await disputeOf(f, recordKeyOf(f.nodeId, SINGLE, r))).to.deep.equal({
        pendingChallengeId: ZeroHash,
        settled: true,
        reopenedUntil: 0n,
      });
    });

    it("fixes the slash at opening: governance raising setSlash mid-flight changes neither the lock nor the slash", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      const { id } = await withPending(f, "fixed");
      expect((await challengeOf(f, id)).lockedStake).to.equal(opg(7_500n));
      await f.registry.connect(f.admin).setSlash(Number(MAX_SLASH_PPM));
      // resolveAndCheck slashes exactly the locked 7,500 (5% of 150,000), not 10%.
      await resolveAndCheck(f, id, true);
      expect(await f.staking.slashableStakeOf(f.operator.address)).to.equal(opg(150_000n - 7_500n));
      // A challenge opened now takes the new 10%.
      const next = await withPending(f, "fixed-2");
      expect((await challengeOf(f, next.id)).lockedStake).to.equal(opg(14_250n));
      // And lowering it mid-flight does not shrink that one either.
      await f.registry.connect(f.admin).setSlash(0);
      await resolveAndCheck(f, next.id, true);
      expect(await f.staking.slashableStakeOf(f.operator.address)).to.equal(opg(142_500n - 14_250n));
    });

    it("a reverting verifier makes the verifiable challenge revert; the arbiter's path stays open", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      const broken = await new RevertingRecipient__factory(f.deployer).deploy(f.deployer.address);
      await f.registry.connect(f.admin).setVerifier(Mode.Tee, await broken.getAddress());
      const r = makeRecord("broken", {}, invalidEvidence("broken"));
      await commitRecordAndCheck(f, r);
      const tokens = await tokensOf(f);
      await expect(
        openChallenge(f.registry, f.challenger, f.nodeId, SINGLE, r, [], invalidEvidence("broken")),
      ).to.be.revertedWithCustomError(broken, "RecipientRefuses");
      expect(await tokensOf(f)).to.deep.equal(tokens);
      expect((await challengeOf(f, challengeIdOf(f.nodeId, SINGLE, r, f.challenger.address))).status).to.equal(
        Status.None,
      );
      // Evidence that is not the committed proof never reaches the verifier: pending, and the arbiter upholds.
      const id = await challengeAndCheck(f, SINGLE, r, [], "0x", "pending");
      await resolveAndCheck(f, id, true);
    });

    it("gas: opening, deciding and expiring a challenge (PROOFS_GAS_LOG=1 prints them)", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      await f.registry.connect(f.admin).setVerifier(Mode.Tee, f.verifierAddress);
      const records = ["g-up", "g-rej", "g-exp", "g-ver", "g-sup"].map((l) =>
        makeRecord(l, { proofType: l === "g-ver" || l === "g-sup" ? Mode.Tee : Mode.Zk }, invalidEvidence(l)),
      );
      const tree = treeOf(records);
      await commitBatchAndCheck(f, tree.root, BigInt(records.length));
      const open = async (i: number, evidence = "0x", by = f.challenger) =>
        openChallenge(f.registry, by, f.nodeId, tree.root, records[i], tree.getProof(i), evidence);
      const idOf = (i: number, by = f.challenger) => challengeIdOf(f.nodeId, tree.root, records[i], by.address);
      const gas: Record<string, bigint> = {};
      gas.openPending = await gasOf(await open(0));
      await open(1);
      await open(2);
      gas.upheld = await gasOf(await f.registry.connect(f.arbiter).resolveChallenge(idOf(0), true));
      gas.rejected = await gasOf(await f.registry.connect(f.arbiter).resolveChallenge(idOf(1), false));
      gas.verifierUpheld = await gasOf(await open(3, invalidEvidence("g-ver")));
      await open(4);
      gas.supersede = await gasOf(await open(4, invalidEvidence("g-sup"), f.challenger2));
      await time.increaseTo((await challengeOf(f, idOf(2))).decideBy + 1n);
      gas.expire = await gasOf(await f.registry.connect(f.stranger).expireChallenge(idOf(2)));
      if (LOG_GAS)
        console.log(
          `      gas: ${Object.entries(gas)
            .map(([k, v]) => `${k} ${v}`)
            .join(", ")}`,
        );
      // Bounded (each is a handful of slots and two or three external calls), and ordered as their work is.
      // solidity-coverage's instrumentation adds gas to every statement: the bound holds for the compiled contracts.
      if (!UNDER_COVERAGE) for (const g of Object.values(gas)) expect(g).to.be.lt(400_000n);
      expect(gas.supersede).to.be.gt(gas.verifierUpheld);
      expect(gas.upheld).to.be.gt(gas.rejected);
    });
  });

  describe("isFinal", function () {
    it("reverts ProofsUnknownCommitment(nodeId, root) for a root the node never committed, a single record's leaf included", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      const r = makeRecord("single");
      await commitRecordAndCheck(f, r);
      const theirs = bytes32();
      await commitBatchAndCheck(f, theirs, 3n, "", { by: f.other, nodeId: f.otherNodeId });
      for (const root of [bytes32(), ZeroHash, leafOf(r), theirs]) {
        await expect(f.registry.isFinal(f.nodeId, root))
          .to.be.revertedWithCustomError(f.registry, "ProofsUnknownCommitment")
          .withArgs(f.nodeId, root);
      }
      expect(await f.registry.isFinal(f.otherNodeId, theirs)).to.equal(false);
    });

    it("is false through challengeableUntil and true one second later, for batches and single records", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      const { root } = await commitTree(f, "f", 3);
      const r = makeRecord("single");
      await commitRecordAndCheck(f, r);
      const batch = await commitmentOf(f, root);
      const single = await recordOf(f, r.inferenceId);
      expect(batch.challengeableUntil).to.equal(batch.committedAt + WINDOW);
      expect(single.challengeableUntil).to.be.gt(batch.challengeableUntil);
      const isFinal = [
        () => f.registry.isFinal(f.nodeId, root),
        () => f.registry.isRecordFinal(f.nodeId, r.inferenceId),
      ];
      for (const [i, closedAt] of [batch.challengeableUntil, single.challengeableUntil].entries()) {
        expect(await isFinal[i]()).to.equal(false);
        if ((await now()) < closedAt) await viewAt(closedAt);
        expect(await isFinal[i]()).to.equal(false);
      }
      await viewAt(single.challengeableUntil + 1n);
      expect(await f.registry.isFinal(f.nodeId, root)).to.equal(true);
      expect(await f.registry.isRecordFinal(f.nodeId, r.inferenceId)).to.equal(true);
    });

    // Was a bug: the window was read at challenge time, so raising it re-opened commitments that isFinal had
    // reported final. The window's end is now fixed at commitment.
    it("keeps a final commitment final when governance raises the window", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      const { records, tree, root } = await commitTree(f, "g", 2);
      const r = makeRecord("single", { proofType: Mode.Zk });
      await commitRecordAndCheck(f, r);
      const batchClosedAt = (await commitmentOf(f, root)).challengeableUntil;
      const singleClosedAt = (await recordOf(f, r.inferenceId)).challengeableUntil;
      await viewAt(singleClosedAt + 1n);
      expect(await f.registry.isFinal(f.nodeId, root)).to.equal(true);
      expect(await f.registry.isRecordFinal(f.nodeId, r.inferenceId)).to.equal(true);

      await f.registry.connect(f.admin).setChallengeWindow(MAX_WINDOW_FOR_THAW);
      expect(await f.registry.isFinal(f.nodeId, root)).to.equal(true);
      expect(await f.registry.isRecordFinal(f.nodeId, r.inferenceId)).to.equal(true);
      await expect(openChallenge(f.registry, f.challenger, f.nodeId, root, records[0], tree.getProof(0), "0x"))
        .to.be.revertedWithCustomError(f.registry, "ProofsChallengeWindowClosed")
        .withArgs(root, batchClosedAt);
      await expect(openChallenge(f.registry, f.challenger, f.nodeId, SINGLE, r, [], "0x"))
        .to.be.revertedWithCustomError(f.registry, "ProofsChallengeWindowClosed")
        .withArgs(SINGLE, singleClosedAt);
      // Stored commitments are unchanged; a new one takes the new window.
      expect((await commitmentOf(f, root)).challengeableUntil).to.equal(batchClosedAt);
      expect((await recordOf(f, r.inferenceId)).challengeableUntil).to.equal(singleClosedAt);
      const next = await commitTree(f, "g-next", 2);
      const nextBatch = await commitmentOf(f, next.root);
      expect(nextBatch.challengeableUntil).to.equal(nextBatch.committedAt + MAX_WINDOW_FOR_THAW);
    });

    it("does not shorten an open commitment's window when governance lowers it", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      const { records, tree, root } = await commitTree(f, "l", 2);
      await time.increase(HOUR);
      const r = makeRecord("single", { proofType: Mode.Zk });
      await commitRecordAndCheck(f, r);
      const batchClosedAt = (await commitmentOf(f, root)).challengeableUntil;
      const singleClosedAt = (await recordOf(f, r.inferenceId)).challengeableUntil;

      await f.registry.connect(f.admin).setChallengeWindow(MIN_WINDOW);
      // Well past committedAt + the new window, before the end promised at commitment: still open.
      await viewAt(batchClosedAt - DAY);
      expect(await f.registry.isFinal(f.nodeId, root)).to.equal(false);
      expect(await f.registry.isRecordFinal(f.nodeId, r.inferenceId)).to.equal(false);
      // A commitment made now takes the new window and is final first.
      const r2 = makeRecord("short", { proofType: Mode.Zk });
      await commitRecordAndCheck(f, r2);
      const shortClosedAt = (await recordOf(f, r2.inferenceId)).challengeableUntil;
      expect(shortClosedAt).to.equal((await now()) + MIN_WINDOW);
      expect(shortClosedAt).to.be.lt(batchClosedAt);
      await viewAt(shortClosedAt + 1n);
      expect(await f.registry.isRecordFinal(f.nodeId, r2.inferenceId)).to.equal(true);
      expect(await f.registry.isFinal(f.nodeId, root)).to.equal(false);

      // The open ones are challenged at their promised ends, and not a second later.
      await commitChallenge(f.registry, f.challenger, f.nodeId, root, records[0], tree.getProof(0), "0x");
      await time.setNextBlockTimestamp(batchClosedAt);
      await challengeAndCheck(f, root, records[0], tree.getProof(0), "0x", "pending");
      await time.setNextBlockTimestamp(batchClosedAt + 1n);
      await expect(
        openChallenge(f.registry, f.challenger, f.nodeId, root, records[1], tree.getProof(1), "0x", { gasLimit: GAS }),
      )
        .to.be.revertedWithCustomError(f.registry, "ProofsChallengeWindowClosed")
        .withArgs(root, batchClosedAt);
      await commitChallenge(f.registry, f.challenger, f.nodeId, SINGLE, r, [], "0x");
      await time.setNextBlockTimestamp(singleClosedAt);
      await challengeAndCheck(f, SINGLE, r, [], "0x", "pending");
      expect(await f.registry.isRecordFinal(f.nodeId, r.inferenceId)).to.equal(false);
      await viewAt(singleClosedAt + 1n);
      expect(await f.registry.isFinal(f.nodeId, root)).to.equal(true);
      expect(await f.registry.isRecordFinal(f.nodeId, r.inferenceId)).to.equal(true);
    });
  });

  describe("governance", function () {
    it("lets only DEFAULT_ADMIN_ROLE set verifiers and parameters", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      const { registry } = f;
      for (const caller of [f.arbiter, f.recorder, f.operator, f.deployer]) {
        const calls = [
          () => registry.connect(caller).setVerifier(Mode.Tee, f.verifierAddress),
          () => registry.connect(caller).setChallengeWindow(DAY),
          () => registry.connect(caller).setDecisionPeriod(2n * DAY),
          () => registry.connect(caller).setSlash(10_000),
          () => registry.connect(caller).setChallengeBond(opg(5n)),
        ];
        for (const call of calls) {
          await expect(call())
            .to.be.revertedWithCustomError(registry, "AccessControlUnauthorizedAccount")
            .withArgs(caller.address, f.roles.admin);
        }
      }
      expect(await registry.verifierOf(Mode.Tee)).to.equal(ZeroAddress);
      expect(await registry.challengeWindow()).to.equal(WINDOW);
      expect(await registry.decisionPeriod()).to.equal(DECISION);
      expect(await registry.slashPpm()).to.equal(SLASH_PPM);
      expect(await registry.challengeBond()).to.equal(BOND);
    });

    it("setVerifier: VerifierSet(proofType, old, new); zero hands the type back to the arbiter", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      const { registry } = f;
      const second = await new MockProofVerifier__factory(f.deployer).deploy();
      const steps: [number, string][] = [
        [Mode.Tee, f.verifierAddress],
        [Mode.Zk, await second.getAddress()],
        [Mode.Tee, await second.getAddress()],
        [Mode.Tee, ZeroAddress],
      ];
      const current = [ZeroAddress, ZeroAddress, ZeroAddress];
      for (const [mode, verifier] of steps) {
        await expect(registry.connect(f.admin).setVerifier(mode, verifier))
          .to.emit(registry, "VerifierSet")
          .withArgs(mode, current[mode], verifier);
        current[mode] = verifier;
        for (const m of [Mode.None, Mode.Tee, Mode.Zk]) expect(await registry.verifierOf(m)).to.equal(current[m]);
      }
      // A proof type beyond the modes does not decode.
      await expect(registry.connect(f.admin).setVerifier(3, f.verifierAddress)).to.be.reverted;
      // With TEE back to the arbiter, a TEE challenge with the committed invalid proof waits.
      const r = makeRecord("back", {}, invalidEvidence("back"));
      await commitRecordAndCheck(f, r);
      await challengeAndCheck(f, SINGLE, r, [], invalidEvidence("back"), "pending");
    });

    const parameters = [
      {
        name: "challengeWindow",
        event: "ChallengeWindowSet",
        initial: WINDOW,
        minimum: MIN_WINDOW,
        maximum: MAX_WINDOW_FOR_THAW,
        outside: [0n, MIN_WINDOW - 1n, MAX_WINDOW_FOR_THAW + 1n, MAX_WINDOW, 2n ** 64n - 1n],
        inside: [MIN_WINDOW, MAX_WINDOW_FOR_THAW, 2n * DAY],
        set: (f: Fixture, v: bigint) => f.registry.connect(f.admin).setChallengeWindow(v),
        get: (f: Fixture) => f.registry.challengeWindow(),
      },
      {
        name: "decisionPeriod",
        event: "DecisionPeriodSet",
        initial: DECISION,
        minimum: MIN_DECISION,
        maximum: MAX_DECISION,
        outside: [0n, MIN_DECISION - 1n, MAX_DECISION + 1n, 2n ** 64n - 1n],
        inside: [MIN_DECISION, MAX_DECISION, 3n * DAY],
        set: (f: Fixture, v: bigint) => f.registry.connect(f.admin).setDecisionPeriod(v),
        get: (f: Fixture) => f.registry.decisionPeriod(),
      },
      {
        name: "slashPpm",
        event: "SlashSet",
        initial: SLASH_PPM,
        minimum: 0n,
        maximum: MAX_SLASH_PPM,
        outside: [MAX_SLASH_PPM + 1n, 2n ** 32n - 1n],
        inside: [0n, MAX_SLASH_PPM, 20_000n],
        set: (f: Fixture, v: bigint) => f.registry.connect(f.admin).setSlash(v),
        get: (f: Fixture) => f.registry.slashPpm(),
      },
      {
        name: "lockBondPpm",
        event: "LockBondSet",
        initial: 10_000n,
        minimum: 0n,
        maximum: 100_000n,
        outside: [100_001n, 2n ** 32n - 1n],
        inside: [0n, 100_000n, 20_000n],
        set: (f: Fixture, v: bigint) => f.registry.connect(f.admin).setLockBond(v),
        get: (f: Fixture) => f.registry.lockBondPpm(),
      },
      {
        name: "challengeBond",
        event: "ChallengeBondSet",
        initial: BOND,
        minimum: MIN_BOND,
        maximum: MAX_BOND,
        outside: [0n, MIN_BOND - 1n, MAX_BOND + 1n, MaxUint256],
        inside: [MIN_BOND, MAX_BOND, opg(250n)],
        set: (f: Fixture, v: bigint) => f.registry.connect(f.admin).setChallengeBond(v),
        get: (f: Fixture) => f.registry.challengeBond(),
      },
    ];

    it("a challenge for the arbiter bonds at least lockBondPpm of the slash it locks; verifiable evidence the flat bond", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      const { r, evidence } = await (async () => {
        const rec = makeRecord("big", {}, invalidEvidence("big"));
        await commitRecordAndCheck(f, rec);
        return { r: rec, evidence: invalidEvidence("big") };
      })();
      // 10% of the slash it locks, above the flat 100 OPG.
      await f.registry.connect(f.admin).setLockBond(100_000n);
      const slash = ((await f.staking.slashableStakeOf(f.operator.address)) * SLASH_PPM) / PPM;
      const bond = slash / 10n;
      expect(bond).to.be.greaterThan(BOND);
      const before = await f.token.balanceOf(f.challenger.address);
      await expect(openChallenge(f.registry, f.challenger, f.nodeId, SINGLE, r, [], "0x"))
        .to.emit(f.registry, "RecordChallenged")
        .withArgs(anyValue, f.nodeId, r.inferenceId, SINGLE, anyValue, f.challenger.address, bond, slash, anyValue);
      expect(before - (await f.token.balanceOf(f.challenger.address))).to.equal(bond);
      // The verifier decides at once, nothing stays locked: the flat bond.
      await f.registry.connect(f.admin).setVerifier(Mode.Tee, f.verifierAddress);
      await expect(openChallenge(f.registry, f.other, f.nodeId, SINGLE, r, [], evidence))
        .to.emit(f.registry, "RecordChallenged")
        .withArgs(anyValue, f.nodeId, r.inferenceId, SINGLE, anyValue, f.other.address, BOND, anyValue, anyValue);
    });

    it("challengeWindow: at most staking's thaw less a day and a coverage period; a shorter window keeps the longer one open for staking's thaw", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      // Staking's thaw (14 days) bounds the window at 13 days less an hour; a longer thaw lets it grow, never past 28
      // days. longestOpenWindow counts the coverage period: a commit may take a window up to an hour after the check.
      await f.staking.connect(f.admin).setThawingPeriod(28n * DAY);
      const longest = 27n * DAY - COVERAGE_PERIOD;
      await expect(f.registry.connect(f.admin).setChallengeWindow(longest + 1n))
        .to.be.revertedWithCustomError(f.registry, "ProofsParameterOutOfBounds")
        .withArgs(encodeBytes32String("challengeWindow"), longest + 1n, MIN_WINDOW, longest);
      await f.registry.connect(f.admin).setChallengeWindow(longest);
      expect(await f.registry.longestOpenWindow()).to.equal(longest + COVERAGE_PERIOD);
      // Lowered to an hour: coverages taken before commit under the long window for an hour more, and their
      // commitments stay open that long after: staking's thaw cannot be shortened under them until then.
      const tx = await f.registry.connect(f.admin).setChallengeWindow(MIN_WINDOW);
      const loweredAt = await blockTimeOf(tx);
      expect(await f.registry.challengeWindow()).to.equal(MIN_WINDOW);
      expect(await f.registry.longestOpenWindow()).to.equal(longest + COVERAGE_PERIOD);
      const shortThaw = DAY + MIN_WINDOW + COVERAGE_PERIOD;
      await expect(f.staking.connect(f.admin).setThawingPeriod(shortThaw))
        .to.be.revertedWithCustomError(f.staking, "StakingParameterOutOfBounds")
        .withArgs(encodeBytes32String("thawingPeriod"), shortThaw, 28n * DAY, 28n * DAY);
      await viewAt(loweredAt + COVERAGE_PERIOD + longest - 1n);
      expect(await f.registry.longestOpenWindow()).to.equal(longest + COVERAGE_PERIOD);
      await viewAt(loweredAt + COVERAGE_PERIOD + longest);
      expect(await f.registry.longestOpenWindow()).to.equal(MIN_WINDOW + COVERAGE_PERIOD);
      await expect(f.staking.connect(f.admin).setThawingPeriod(shortThaw)).to.emit(f.staking, "ThawingPeriodSet");
    });

    for (const p of parameters) {
      it(`${p.name}: ProofsParameterOutOfBounds("${p.name}", value, min, max) outside its bounds; ${p.event}(old, new)`, async function () {
        const f = await loadFixture(deployProofRegistryFixture);
        const name = encodeBytes32String(p.name);
        for (const value of p.outside) {
          await expect(p.set(f, value))
            .to.be.revertedWithCustomError(f.registry, "ProofsParameterOutOfBounds")
            .withArgs(name, value, p.minimum, p.maximum);
        }
        expect(await p.get(f)).to.equal(p.initial);
        let old = p.initial;
        for (const value of p.inside) {
          await expect(p.set(f, value)).to.emit(f.registry, p.event).withArgs(old, value);
          expect(await p.get(f)).to.equal(value);
          old = value;
        }
      });
    }
  });

  describe("gas of an inclusion check in a 1,000,000-record batch", function () {
    it("verifies a 20-sibling proof in isIncluded", async function () {
      const f = await loadFixture(deployProofRegistryFixture);
      const r = makeRecord("deep");
      const siblings = Array.from({ length: 20 }, () => bytes32());
      const root = siblings.reduce(nodeHash, leafOf(r));
      await commitBatchAndCheck(f, root, 1_000_000n);
      expect(await f.registry.isIncluded(f.nodeId, root, r, siblings)).to.equal(true);
      expect(await f.registry.isIncluded(f.nodeId, root, r, siblings.slice(1))).to.equal(false);
      const gas = await f.registry.isIncluded.estimateGas(f.nodeId, root, r, siblings);
      if (LOG_GAS) console.log(`      gas: isIncluded, 20 siblings (estimateGas, a transaction's whole cost): ${gas}`);
      expect(gas).to.be.lt(100_000n);
    });
  });
});
