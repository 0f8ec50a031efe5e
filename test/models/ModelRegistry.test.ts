/*
ModelRegistry
├── deployment → the admin holds DEFAULT_ADMIN_ROLE; maxRoyaltyPpm is 100,000, MAX_ROYALTY_BOUND_PPM 500,000; no models
├── registerModel
│   ├── when the id is zero → it reverts ModelZeroId
│   ├── given the id is registered (by anyone, the owner included) → it reverts ModelAlreadyRegistered(id, owner)
│   ├── when the royalty is above maxRoyaltyPpm → it reverts ModelRoyaltyTooHigh(royalty, max)
│   ├── without the caller's own commitment (commitModel of modelCommitmentOf(caller, id)), another's, or one made
│   │   in the same block → it reverts ModelNotCommitted(caller, commitment); the commitment is used up
│   └── when the id is new and the royalty at most the max (0 and the max itself included)
│       → it stores the caller as owner, the royalty, the block time, no pending owner, the URI (empty allowed);
│         modelCount goes up by one; exists() turns true; other models are untouched; it emits ModelRegistered
├── setMetadataURI
│   ├── given an unknown id → it reverts ModelNotFound(id)
│   ├── when the caller is not the owner → it reverts ModelNotOwner(id, caller, owner)
│   └── when the caller is the owner → only the URI changes; it emits ModelMetadataSet(id, uri)
├── setRoyalty
│   ├── given an unknown id → it reverts ModelNotFound(id)
│   ├── when the caller is not the owner → it reverts ModelNotOwner(id, caller, owner)
│   ├── when the royalty is above maxRoyaltyPpm → it reverts ModelRoyaltyTooHigh(royalty, max)
│   ├── when the caller is the owner and the royalty does not rise → it applies now (dropping an increase not yet
│   │   due; one in force stays on record, both sides lowered to at most the new share); ModelRoyaltySet(id, old, new)
│   ├── when the caller is the owner and the royalty rises → it applies ROYALTY_INCREASE_DELAY later; it emits
│   │   ModelRoyaltyIncreaseScheduled(id, current, new, effectiveAt); royaltyOf keeps the old share until then
│   ├── payments agreed before an increase (royaltyFor) → the royalty of before until ROYALTY_INCREASE_GRACE after
│   │   it; agreed from its start, or after the grace, the increase
│   └── a second increase before the last one's grace ends (a decrease between or not) → it reverts
│       ModelRoyaltyIncreasePending(id, graceEndsAt)
├── two-step ownership (transferModelOwnership, acceptModelOwnership)
│   ├── transfer
│   │   ├── given an unknown id → it reverts ModelNotFound(id)
│   │   ├── when the caller is not the owner (the pending owner included) → it reverts ModelNotOwner
│   │   ├── when the owner offers it → only pendingOwner changes; it emits ModelOwnershipTransferStarted
│   │   ├── when the owner offers it again to someone else → the new offer replaces the old one
│   │   └── when the owner offers it to zero → the offer is cancelled; it emits ModelOwnershipTransferStarted(.., 0)
│   └── accept
│       ├── given an unknown id → it reverts ModelNotFound(id)
│       ├── given no offer → it reverts ModelNotPendingOwner(id, caller, 0)
│       ├── when the caller is not the pending owner (the owner included) → it reverts ModelNotPendingOwner
│       └── when the pending owner accepts → owner = caller, no pending owner, the rest unchanged;
│           it emits ModelOwnershipTransferred(id, previous, new); the old owner loses control, the new one has it
├── setMaxRoyalty
│   ├── when the caller is not the admin → it reverts AccessControlUnauthorizedAccount(caller, DEFAULT_ADMIN_ROLE)
│   ├── when above MAX_ROYALTY_BOUND_PPM → it reverts ModelMaxRoyaltyAboveBound(value, bound)
│   ├── when the admin sets it (0 and the bound included) → it emits MaxRoyaltySet(old, new); later registrations
│   │   and setRoyalty obey it; models above it keep their stored royalty, but royaltyOf gives the maximum, and
│   │   setRoyalty starts from (and reports as old) the clamped share
│   ├── given an increase scheduled before the maximum was lowered → once due, royaltyOf is the maximum, never the
│   │   scheduled share; a lower maximum clamps a royalty already in force at once; raising the maximum again
│   │   lets the stored share through at once
│   └── a change after the clamp → no increase up to the clamped share; above it, an increase scheduled again
├── views
│   ├── getModel / royaltyOf on an unknown id (zero included) → they revert ModelNotFound(id); exists() is false
│   └── royaltyOf → (owner, royaltyPpm) of the model, following ownership and royalty changes
└── scale: 2,000 models
    ├── modelCount is 2,000; exists() and getModel() are right for a random sample; unknown ids still do not exist
    └── registering model #2,000 costs what registering model #2 costs (same URI length), within 1%; beyond
        calldata every registration after the first spends the same gas; model #1 spends exactly the one-off
        first write of modelCount (zero to non-zero: 22,100 instead of 5,000 gas) more
*/

import { expect } from "chai";
import { ethers, network } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { ContractTransactionResponse } from "ethers";

import { ModelRegistry__factory } from "../../typechain-types";
import type { Models } from "../../typechain-types/contracts/models/ModelRegistry";
import { commitAndRegisterModel } from "../helpers/models";

const { ZeroAddress, ZeroHash } = ethers;

/** A content hash of some weights: the model id. */
const modelId = (name: string) => ethers.id(`weights:${name}`);

const LLAMA = modelId("llama-3-8b");
const MISTRAL = modelId("mistral-7b");
const UNKNOWN = modelId("never-registered");
const URI = "ipfs://bafy-llama-3-8b/metadata.json";

const DEFAULT_MAX_ROYALTY = 100_000n;
const ROYALTY_BOUND = 500_000n;

/*//////////////////////////////////////////////////////////////////////////
                                    FIXTURE
//////////////////////////////////////////////////////////////////////////*/

async function deployModelRegistryFixture() {
  const [deployer, admin, alice, bob, carol, stranger] = await ethers.getSigners();
  const registry = await new ModelRegistry__factory(deployer).deploy(admin.address);
  const adminRole = await registry.DEFAULT_ADMIN_ROLE();
  return { registry, adminRole, deployer, admin, alice, bob, carol, stranger };
}

type Fixture = Awaited<ReturnType<typeof deployModelRegistryFixture>>;

/*//////////////////////////////////////////////////////////////////////////
                                    HELPERS
//////////////////////////////////////////////////////////////////////////*/

type Stored = ReturnType<typeof fieldsOf>;

function fieldsOf(m: Models.ModelStructOutput) {
  return {
    owner: m.owner,
    royaltyPpm: m.royaltyPpm,
    registeredAt: m.registeredAt,
    pendingOwner: m.pendingOwner,
    pendingRoyaltyPpm: m.pendingRoyaltyPpm,
    royaltyIncreaseAt: m.royaltyIncreaseAt,
    metadataURI: m.metadataURI,
  };
}

async function modelOf(f: Fixture, id: string): Promise<Stored> {
  return fieldsOf(await f.registry.getModel(id));
}

async function blockTimeOf(tx: ContractTransactionResponse): Promise<bigint> {
  const receipt = (await tx.wait())!;
  return BigInt((await ethers.provider.getBlock(receipt.blockNumber))!.timestamp);
}

/** registerModel and asserts: the stored model, the count, exists(), the event, and that `others` are untouched. */
async function registerAndCheck(
  f: Fixture,
  owner: HardhatEthersSigner,
  id: string,
  uri = URI,
  royaltyPpm = 50_000n,
  others: string[] = [],
): Promise<Stored> {
  const { registry } = f;
  const countBefore = await registry.modelCount();
  const othersBefore = await Promise.all(others.map((o) => modelOf(f, o)));
  expect(await registry.exists(id)).to.equal(false);

  const tx = await commitAndRegisterModel(registry, owner, id, uri, royaltyPpm);
  await expect(tx).to.emit(registry, "ModelRegistered").withArgs(id, owner.address, royaltyPpm, uri);

  const expected: Stored = {
    owner: owner.address,
    royaltyPpm,
    registeredAt: await blockTimeOf(tx),
    pendingOwner: ZeroAddress,
    pendingRoyaltyPpm: 0n,
    royaltyIncreaseAt: 0n,
    metadataURI: uri,
  };
  expect(await modelOf(f, id)).to.deep.equal(expected);
  expect(await registry.modelCount()).to.equal(countBefore + 1n);
  expect(await registry.exists(id)).to.equal(true);
  expect(await registry.royaltyOf(id)).to.deep.equal([owner.address, royaltyPpm]);
  expect(await Promise.all(others.map((o) => modelOf(f, o)))).to.deep.equal(othersBefore);
  return expected;
}

/** Asserts `action` changed nothing about the model and the count (after a revert). */
async function expectUnchanged(f: Fixture, id: string, before: Stored, countBefore: bigint) {
  expect(await modelOf(f, id)).to.deep.equal(before);
  expect(await f.registry.modelCount()).to.equal(countBefore);
}

/** A fixture with LLAMA registered by alice at 5%, and MISTRAL by bob at 1%. */
async function withModels(f: Fixture) {
  const llama = await registerAndCheck(f, f.alice, LLAMA, URI, 50_000n);
  const mistral = await registerAndCheck(f, f.bob, MISTRAL, "ipfs://bafy-mistral", 10_000n, [LLAMA]);
  return { llama, mistral };
}

/** A deterministic pseudo-random generator (mulberry32), so that a failing sample can be replayed. */
function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/*//////////////////////////////////////////////////////////////////////////
                                     TESTS
//////////////////////////////////////////////////////////////////////////*/

describe("ModelRegistry", function () {
  describe("deployment", function () {
    it("gives the admin DEFAULT_ADMIN_ROLE, sets the royalty bounds and starts empty", async function () {
      const f = await loadFixture(deployModelRegistryFixture);
      const { registry } = f;
      expect(await registry.hasRole(f.adminRole, f.admin.address)).to.equal(true);
      expect(await registry.hasRole(f.adminRole, f.deployer.address)).to.equal(false);
      expect(await registry.maxRoyaltyPpm()).to.equal(DEFAULT_MAX_ROYALTY);
      expect(await registry.MAX_ROYALTY_BOUND_PPM()).to.equal(ROYALTY_BOUND);
      expect(await registry.modelCount()).to.equal(0n);
      expect(await registry.exists(LLAMA)).to.equal(false);
    });
  });

  describe("registerModel", function () {
    it("reverts ModelZeroId when the id is zero", async function () {
      const f = await loadFixture(deployModelRegistryFixture);
      await expect(commitAndRegisterModel(f.registry, f.alice, ZeroHash, URI, 0n)).to.be.revertedWithCustomError(
        f.registry,
        "ModelZeroId",
      );
      expect(await f.registry.modelCount()).to.equal(0n);
      expect(await f.registry.exists(ZeroHash)).to.equal(false);
    });

    it("reverts ModelNotCommitted(caller, commitment) without the caller's own commitment from an earlier block", async function () {
      const f = await loadFixture(deployModelRegistryFixture);
      const mine = await f.registry.modelCommitmentOf(f.alice.address, LLAMA);
      expect(mine).to.equal(
        ethers.keccak256(ethers.AbiCoder.defaultAbiCoder().encode(["address", "bytes32"], [f.alice.address, LLAMA])),
      );
      // None, or another's.
      await expect(f.registry.connect(f.alice).registerModel(LLAMA, URI, 0n))
        .to.be.revertedWithCustomError(f.registry, "ModelNotCommitted")
        .withArgs(f.alice.address, mine);
      await f.registry.connect(f.bob).commitModel(mine);
      await expect(f.registry.connect(f.alice).registerModel(LLAMA, URI, 0n))
        .to.be.revertedWithCustomError(f.registry, "ModelNotCommitted")
        .withArgs(f.alice.address, mine);
      // In the same block as the registration.
      await ethers.provider.send("evm_setAutomine", [false]);
      const commit = await f.registry.connect(f.alice).commitModel(mine, { gasLimit: 100_000 });
      const register = await f.registry.connect(f.alice).registerModel(LLAMA, URI, 0n, { gasLimit: 500_000 });
      await ethers.provider.send("evm_mine", []);
      await ethers.provider.send("evm_setAutomine", [true]);
      await expect(commit).to.emit(f.registry, "ModelCommitted").withArgs(f.alice.address, mine);
      await expect(register.wait()).to.be.rejected;
      expect(await f.registry.exists(LLAMA)).to.equal(false);
      // From the next block on: registered, and the commitment used up.
      const block = BigInt((await ethers.provider.getBlock("latest"))!.number);
      expect(await f.registry.modelCommittedAt(f.alice.address, mine)).to.equal(block);
      await expect(f.registry.connect(f.alice).registerModel(LLAMA, URI, 0n)).to.emit(f.registry, "ModelRegistered");
      expect(await f.registry.modelCommittedAt(f.alice.address, mine)).to.equal(0n);
    });

    it("reverts ModelAlreadyRegistered(id, owner) for a registered id, whoever asks", async function () {
      const f = await loadFixture(deployModelRegistryFixture);
      const { llama } = await withModels(f);
      const count = await f.registry.modelCount();
      for (const caller of [f.bob, f.alice]) {
        await expect(commitAndRegisterModel(f.registry, caller, LLAMA, "ipfs://other", 0n))
          .to.be.revertedWithCustomError(f.registry, "ModelAlreadyRegistered")
          .withArgs(LLAMA, f.alice.address);
      }
      await expectUnchanged(f, LLAMA, llama, count);
    });

    it("reverts ModelAlreadyRegistered with the current owner after a transfer", async function () {
      const f = await loadFixture(deployModelRegistryFixture);
      await withModels(f);
      await f.registry.connect(f.alice).transferModelOwnership(LLAMA, f.carol.address);
      await f.registry.connect(f.carol).acceptModelOwnership(LLAMA);
      await expect(commitAndRegisterModel(f.registry, f.alice, LLAMA, URI, 0n))
        .to.be.revertedWithCustomError(f.registry, "ModelAlreadyRegistered")
        .withArgs(LLAMA, f.carol.address);
    });

    it("reverts ModelRoyaltyTooHigh(royalty, max) above maxRoyaltyPpm", async function () {
      const f = await loadFixture(deployModelRegistryFixture);
      for (const royalty of [DEFAULT_MAX_ROYALTY + 1n, ROYALTY_BOUND, 2n ** 32n - 1n]) {
        await expect(commitAndRegisterModel(f.registry, f.alice, LLAMA, URI, royalty))
          .to.be.revertedWithCustomError(f.registry, "ModelRoyaltyTooHigh")
          .withArgs(royalty, DEFAULT_MAX_ROYALTY);
      }
      expect(await f.registry.modelCount()).to.equal(0n);
      expect(await f.registry.exists(LLAMA)).to.equal(false);
    });

    it("stores the model with the caller as owner and emits ModelRegistered", async function () {
      const f = await loadFixture(deployModelRegistryFixture);
      await registerAndCheck(f, f.alice, LLAMA, URI, 50_000n);
      // A second owner, a royalty of zero and an empty URI; the first model is untouched.
      await registerAndCheck(f, f.bob, MISTRAL, "", 0n, [LLAMA]);
      // Exactly the maximum, by the owner of another model.
      await registerAndCheck(f, f.alice, modelId("phi-3"), "ar://phi-3", DEFAULT_MAX_ROYALTY, [LLAMA, MISTRAL]);
      expect(await f.registry.modelCount()).to.equal(3n);
    });

    it("records the block time of registration", async function () {
      const f = await loadFixture(deployModelRegistryFixture);
      await f.registry.connect(f.alice).commitModel(await f.registry.modelCommitmentOf(f.alice.address, LLAMA));
      const t = BigInt(await time.latest()) + 1_000n;
      await time.setNextBlockTimestamp(t);
      await f.registry.connect(f.alice).registerModel(LLAMA, URI, 1n);
      expect((await modelOf(f, LLAMA)).registeredAt).to.equal(t);
    });
  });

  describe("setMetadataURI", function () {
    it("reverts ModelNotFound(id) for an unknown id", async function () {
      const f = await loadFixture(deployModelRegistryFixture);
      await expect(f.registry.connect(f.alice).setMetadataURI(UNKNOWN, URI))
        .to.be.revertedWithCustomError(f.registry, "ModelNotFound")
        .withArgs(UNKNOWN);
    });

    it("reverts ModelNotOwner(id, caller, owner) when the caller is not the owner", async function () {
      const f = await loadFixture(deployModelRegistryFixture);
      const { llama } = await withModels(f);
      const count = await f.registry.modelCount();
      for (const caller of [f.bob, f.stranger, f.admin]) {
        await expect(f.registry.connect(caller).setMetadataURI(LLAMA, "ipfs://hijacked"))
          .to.be.revertedWithCustomError(f.registry, "ModelNotOwner")
          .withArgs(LLAMA, caller.address, f.alice.address);
      }
      await expectUnchanged(f, LLAMA, llama, count);
    });

    it("sets only the URI and emits ModelMetadataSet(id, uri)", async function () {
      const f = await loadFixture(deployModelRegistryFixture);
      const { llama, mistral } = await withModels(f);
      const count = await f.registry.modelCount();
      for (const uri of ["ipfs://bafy-llama-3-8b-v2/metadata.json", ""]) {
        // The event carries the new URI only: the interface declares no old value for it.
        await expect(f.registry.connect(f.alice).setMetadataURI(LLAMA, uri))
          .to.emit(f.registry, "ModelMetadataSet")
          .withArgs(LLAMA, uri);
        await expectUnchanged(f, LLAMA, { ...llama, metadataURI: uri }, count);
      }
      expect(await modelOf(f, MISTRAL)).to.deep.equal(mistral);
    });
  });

  describe("setRoyalty", function () {
    it("reverts ModelNotFound(id) for an unknown id", async function () {
      const f = await loadFixture(deployModelRegistryFixture);
      await expect(f.registry.connect(f.alice).setRoyalty(UNKNOWN, 1n))
        .to.be.revertedWithCustomError(f.registry, "ModelNotFound")
        .withArgs(UNKNOWN);
    });

    it("reverts ModelNotOwner(id, caller, owner) when the caller is not the owner", async function () {
      const f = await loadFixture(deployModelRegistryFixture);
      const { llama } = await withModels(f);
      const count = await f.registry.modelCount();
      for (const caller of [f.bob, f.admin]) {
        await expect(f.registry.connect(caller).setRoyalty(LLAMA, 0n))
          .to.be.revertedWithCustomError(f.registry, "ModelNotOwner")
          .withArgs(LLAMA, caller.address, f.alice.address);
      }
      await expectUnchanged(f, LLAMA, llama, count);
    });

    it("reverts ModelRoyaltyTooHigh(royalty, max) above maxRoyaltyPpm", async function () {
      const f = await loadFixture(deployModelRegistryFixture);
      const { llama } = await withModels(f);
      const count = await f.registry.modelCount();
      await expect(f.registry.connect(f.alice).setRoyalty(LLAMA, DEFAULT_MAX_ROYALTY + 1n))
        .to.be.revertedWithCustomError(f.registry, "ModelRoyaltyTooHigh")
        .withArgs(DEFAULT_MAX_ROYALTY + 1n, DEFAULT_MAX_ROYALTY);
      await expectUnchanged(f, LLAMA, llama, count);
    });

    it("applies a decrease now and emits ModelRoyaltySet(id, old, new); touches nothing else", async function () {
      const f = await loadFixture(deployModelRegistryFixture);
      const { llama, mistral } = await withModels(f);
      const count = await f.registry.modelCount();
      let old = llama.royaltyPpm;
      for (const royalty of [40_000n, 40_000n, 0n]) {
        await expect(f.registry.connect(f.alice).setRoyalty(LLAMA, royalty))
          .to.emit(f.registry, "ModelRoyaltySet")
          .withArgs(LLAMA, old, royalty);
        await expectUnchanged(f, LLAMA, { ...llama, royaltyPpm: royalty }, count);
        expect(await f.registry.royaltyOf(LLAMA)).to.deep.equal([f.alice.address, royalty]);
        old = royalty;
      }
      expect(await modelOf(f, MISTRAL)).to.deep.equal(mistral);
    });

    it("schedules an increase ROYALTY_INCREASE_DELAY ahead: the old share holds until then, the new one after", async function () {
      const f = await loadFixture(deployModelRegistryFixture);
      const { llama, mistral } = await withModels(f);
      const delay = await f.registry.ROYALTY_INCREASE_DELAY();
      expect(delay).to.equal(7n * 86_400n);
      const tx = await f.registry.connect(f.alice).setRoyalty(LLAMA, DEFAULT_MAX_ROYALTY);
      const effectiveAt = (await blockTimeOf(tx)) + delay;
      await expect(tx)
        .to.emit(f.registry, "ModelRoyaltyIncreaseScheduled")
        .withArgs(LLAMA, llama.royaltyPpm, DEFAULT_MAX_ROYALTY, effectiveAt);
      await expect(tx).to.not.emit(f.registry, "ModelRoyaltySet");
      expect(await modelOf(f, LLAMA)).to.deep.equal({
        ...llama,
        pendingRoyaltyPpm: DEFAULT_MAX_ROYALTY,
        royaltyIncreaseAt: effectiveAt,
      });
      await time.increaseTo(effectiveAt - 1n);
      expect(await f.registry.royaltyOf(LLAMA)).to.deep.equal([f.alice.address, llama.royaltyPpm]);
      await time.increaseTo(effectiveAt);
      expect(await f.registry.royaltyOf(LLAMA)).to.deep.equal([f.alice.address, DEFAULT_MAX_ROYALTY]);
      expect(await modelOf(f, MISTRAL)).to.deep.equal(mistral);

      // Once due, the increase is the share a later change starts from; a decrease lowers it and keeps the
      // increase on record, with its grace for payments agreed before it.
      await expect(f.registry.connect(f.alice).setRoyalty(LLAMA, 60_000n))
        .to.emit(f.registry, "ModelRoyaltySet")
        .withArgs(LLAMA, DEFAULT_MAX_ROYALTY, 60_000n);
      expect(await modelOf(f, LLAMA)).to.deep.equal({
        ...llama,
        pendingRoyaltyPpm: 60_000n,
        royaltyIncreaseAt: effectiveAt,
      });
      expect(await f.registry.royaltyOf(LLAMA)).to.deep.equal([f.alice.address, 60_000n]);
    });

    it("charges payments agreed before an increase the royalty of before, for ROYALTY_INCREASE_GRACE after it", async function () {
      const f = await loadFixture(deployModelRegistryFixture);
      const { llama } = await withModels(f); // 5%
      const grace = await f.registry.ROYALTY_INCREASE_GRACE();
      expect(grace).to.equal(30n * 86_400n);
      const tx = await f.registry.connect(f.alice).setRoyalty(LLAMA, DEFAULT_MAX_ROYALTY);
      const signedAt = await blockTimeOf(tx);
      const effectiveAt = signedAt + (await f.registry.ROYALTY_INCREASE_DELAY());
      await time.increaseTo(effectiveAt);
      const royaltyFor = async (agreedAt: bigint) => (await f.registry.royaltyFor(LLAMA, agreedAt))[1];
      // In force: a payment agreed before it pays 5%, one agreed from its start 10%.
      expect(await royaltyFor(signedAt)).to.equal(llama.royaltyPpm);
      expect(await royaltyFor(effectiveAt - 1n)).to.equal(llama.royaltyPpm);
      expect(await royaltyFor(effectiveAt)).to.equal(DEFAULT_MAX_ROYALTY);
      expect((await f.registry.royaltyOf(LLAMA))[1]).to.equal(DEFAULT_MAX_ROYALTY);
      // Until the grace ends; after it, every payment pays the increase, however it is dated.
      await time.increaseTo(effectiveAt + grace - 1n);
      expect(await royaltyFor(signedAt)).to.equal(llama.royaltyPpm);
      await time.increaseTo(effectiveAt + grace);
      expect(await royaltyFor(signedAt)).to.equal(DEFAULT_MAX_ROYALTY);
      expect(await royaltyFor(0n)).to.equal(DEFAULT_MAX_ROYALTY);
      // Before the increase is due, every payment pays the royalty of before, however late it is dated.
      const f2 = await loadFixture(deployModelRegistryFixture);
      await withModels(f2);
      const tx2 = await f2.registry.connect(f2.alice).setRoyalty(LLAMA, DEFAULT_MAX_ROYALTY);
      const late = (await blockTimeOf(tx2)) + 10n * 86_400n;
      expect((await f2.registry.royaltyFor(LLAMA, late))[1]).to.equal(llama.royaltyPpm);
    });

    it("reverts ModelRoyaltyIncreasePending(id, graceEndsAt) for an increase before the last one's grace ends", async function () {
      const f = await loadFixture(deployModelRegistryFixture);
      const { llama } = await withModels(f); // 5%
      const tx = await f.registry.connect(f.alice).setRoyalty(LLAMA, 80_000n);
      const effectiveAt = (await blockTimeOf(tx)) + (await f.registry.ROYALTY_INCREASE_DELAY());
      const graceEndsAt = effectiveAt + (await f.registry.ROYALTY_INCREASE_GRACE());
      // Scheduled, due, and in grace: a second increase waits, even after a decrease in between.
      for (const at of [effectiveAt - 1n, effectiveAt + 1n]) {
        if (at > BigInt(await time.latest())) await time.setNextBlockTimestamp(at);
        await expect(f.registry.connect(f.alice).setRoyalty(LLAMA, DEFAULT_MAX_ROYALTY))
          .to.be.revertedWithCustomError(f.registry, "ModelRoyaltyIncreasePending")
          .withArgs(LLAMA, graceEndsAt);
      }
      await f.registry.connect(f.alice).setRoyalty(LLAMA, 60_000n);
      await expect(f.registry.connect(f.alice).setRoyalty(LLAMA, DEFAULT_MAX_ROYALTY))
        .to.be.revertedWithCustomError(f.registry, "ModelRoyaltyIncreasePending")
        .withArgs(LLAMA, graceEndsAt);
      // The decrease lowered the new side only where it was above: earlier terms keep 5%, later pay 6%.
      expect((await f.registry.royaltyFor(LLAMA, effectiveAt - 1n))[1]).to.equal(llama.royaltyPpm);
      expect((await f.registry.royaltyOf(LLAMA))[1]).to.equal(60_000n);
      // A decrease below the old side lowers both.
      await f.registry.connect(f.alice).setRoyalty(LLAMA, 10_000n);
      expect((await f.registry.royaltyFor(LLAMA, effectiveAt - 1n))[1]).to.equal(10_000n);
      // After the grace, the next increase is scheduled from the royalty in force.
      await time.increaseTo(graceEndsAt);
      const next = await f.registry.connect(f.alice).setRoyalty(LLAMA, DEFAULT_MAX_ROYALTY);
      await expect(next)
        .to.emit(f.registry, "ModelRoyaltyIncreaseScheduled")
        .withArgs(
          LLAMA,
          10_000n,
          DEFAULT_MAX_ROYALTY,
          (await blockTimeOf(next)) + (await f.registry.ROYALTY_INCREASE_DELAY()),
        );
    });

    it("drops a scheduled increase when the owner lowers the royalty before it is due", async function () {
      const f = await loadFixture(deployModelRegistryFixture);
      const { llama } = await withModels(f);
      await f.registry.connect(f.alice).setRoyalty(LLAMA, DEFAULT_MAX_ROYALTY);
      await expect(f.registry.connect(f.alice).setRoyalty(LLAMA, 20_000n))
        .to.emit(f.registry, "ModelRoyaltySet")
        .withArgs(LLAMA, llama.royaltyPpm, 20_000n);
      await time.increase(30n * 86_400n);
      expect(await f.registry.royaltyOf(LLAMA)).to.deep.equal([f.alice.address, 20_000n]);
    });
  });

  describe("two-step ownership", function () {
    describe("transferModelOwnership", function () {
      it("reverts ModelNotFound(id) for an unknown id", async function () {
        const f = await loadFixture(deployModelRegistryFixture);
        await expect(f.registry.connect(f.alice).transferModelOwnership(UNKNOWN, f.bob.address))
          .to.be.revertedWithCustomError(f.registry, "ModelNotFound")
          .withArgs(UNKNOWN);
      });

      it("reverts ModelNotOwner when the caller is not the owner, the pending owner included", async function () {
        const f = await loadFixture(deployModelRegistryFixture);
        const { llama } = await withModels(f);
        await f.registry.connect(f.alice).transferModelOwnership(LLAMA, f.carol.address);
        const pending = { ...llama, pendingOwner: f.carol.address };
        for (const caller of [f.bob, f.carol, f.admin]) {
          await expect(f.registry.connect(caller).transferModelOwnership(LLAMA, caller.address))
            .to.be.revertedWithCustomError(f.registry, "ModelNotOwner")
            .withArgs(LLAMA, caller.address, f.alice.address);
        }
        expect(await modelOf(f, LLAMA)).to.deep.equal(pending);
      });

      it("sets only the pending owner and emits ModelOwnershipTransferStarted", async function () {
        const f = await loadFixture(deployModelRegistryFixture);
        const { llama, mistral } = await withModels(f);
        const count = await f.registry.modelCount();
        await expect(f.registry.connect(f.alice).transferModelOwnership(LLAMA, f.carol.address))
          .to.emit(f.registry, "ModelOwnershipTransferStarted")
          .withArgs(LLAMA, f.alice.address, f.carol.address);
        await expectUnchanged(f, LLAMA, { ...llama, pendingOwner: f.carol.address }, count);
        // The owner keeps control while the offer is open.
        expect(await f.registry.royaltyOf(LLAMA)).to.deep.equal([f.alice.address, llama.royaltyPpm]);
        await f.registry.connect(f.alice).setRoyalty(LLAMA, 1n);
        expect(await modelOf(f, MISTRAL)).to.deep.equal(mistral);
      });

      it("replaces an open offer: the former pending owner can no longer accept", async function () {
        const f = await loadFixture(deployModelRegistryFixture);
        const { llama } = await withModels(f);
        await f.registry.connect(f.alice).transferModelOwnership(LLAMA, f.carol.address);
        await expect(f.registry.connect(f.alice).transferModelOwnership(LLAMA, f.bob.address))
          .to.emit(f.registry, "ModelOwnershipTransferStarted")
          .withArgs(LLAMA, f.alice.address, f.bob.address);
        await expect(f.registry.connect(f.carol).acceptModelOwnership(LLAMA))
          .to.be.revertedWithCustomError(f.registry, "ModelNotPendingOwner")
          .withArgs(LLAMA, f.carol.address, f.bob.address);
        expect(await modelOf(f, LLAMA)).to.deep.equal({ ...llama, pendingOwner: f.bob.address });
      });

      it("cancels an offer with the zero address and emits ModelOwnershipTransferStarted(id, owner, 0)", async function () {
        const f = await loadFixture(deployModelRegistryFixture);
        const { llama } = await withModels(f);
        const count = await f.registry.modelCount();
        await f.registry.connect(f.alice).transferModelOwnership(LLAMA, f.carol.address);
        await expect(f.registry.connect(f.alice).transferModelOwnership(LLAMA, ZeroAddress))
          .to.emit(f.registry, "ModelOwnershipTransferStarted")
          .withArgs(LLAMA, f.alice.address, ZeroAddress);
        await expectUnchanged(f, LLAMA, llama, count);
        await expect(f.registry.connect(f.carol).acceptModelOwnership(LLAMA))
          .to.be.revertedWithCustomError(f.registry, "ModelNotPendingOwner")
          .withArgs(LLAMA, f.carol.address, ZeroAddress);
        await expectUnchanged(f, LLAMA, llama, count);
      });
    });

    describe("acceptModelOwnership", function () {
      it("reverts ModelNotFound(id) for an unknown id", async function () {
        const f = await loadFixture(deployModelRegistryFixture);
        await expect(f.registry.connect(f.alice).acceptModelOwnership(UNKNOWN))
          .to.be.revertedWithCustomError(f.registry, "ModelNotFound")
          .withArgs(UNKNOWN);
      });

      it("reverts ModelNotPendingOwner(id, caller, 0) when there is no offer", async function () {
        const f = await loadFixture(deployModelRegistryFixture);
        const { llama } = await withModels(f);
        for (const caller of [f.carol, f.alice]) {
          await expect(f.registry.connect(caller).acceptModelOwnership(LLAMA))
            .to.be.revertedWithCustomError(f.registry, "ModelNotPendingOwner")
            .withArgs(LLAMA, caller.address, ZeroAddress);
        }
        expect(await modelOf(f, LLAMA)).to.deep.equal(llama);
      });

      it("reverts ModelNotPendingOwner(id, caller, pending) for anyone but the pending owner", async function () {
        const f = await loadFixture(deployModelRegistryFixture);
        const { llama } = await withModels(f);
        await f.registry.connect(f.alice).transferModelOwnership(LLAMA, f.carol.address);
        for (const caller of [f.alice, f.bob, f.admin, f.stranger]) {
          await expect(f.registry.connect(caller).acceptModelOwnership(LLAMA))
            .to.be.revertedWithCustomError(f.registry, "ModelNotPendingOwner")
            .withArgs(LLAMA, caller.address, f.carol.address);
        }
        expect(await modelOf(f, LLAMA)).to.deep.equal({ ...llama, pendingOwner: f.carol.address });
      });

      it("hands the model to the pending owner and emits ModelOwnershipTransferred", async function () {
        const f = await loadFixture(deployModelRegistryFixture);
        const { llama, mistral } = await withModels(f);
        const count = await f.registry.modelCount();
        await f.registry.connect(f.alice).transferModelOwnership(LLAMA, f.carol.address);
        await expect(f.registry.connect(f.carol).acceptModelOwnership(LLAMA))
          .to.emit(f.registry, "ModelOwnershipTransferred")
          .withArgs(LLAMA, f.alice.address, f.carol.address);
        const handed = { ...llama, owner: f.carol.address };
        await expectUnchanged(f, LLAMA, handed, count);
        expect(await f.registry.royaltyOf(LLAMA)).to.deep.equal([f.carol.address, llama.royaltyPpm]);
        expect(await modelOf(f, MISTRAL)).to.deep.equal(mistral);

        // The offer is spent: accepting again fails.
        await expect(f.registry.connect(f.carol).acceptModelOwnership(LLAMA))
          .to.be.revertedWithCustomError(f.registry, "ModelNotPendingOwner")
          .withArgs(LLAMA, f.carol.address, ZeroAddress);

        // The old owner lost control of every owner action.
        await expect(f.registry.connect(f.alice).setMetadataURI(LLAMA, "ipfs://x"))
          .to.be.revertedWithCustomError(f.registry, "ModelNotOwner")
          .withArgs(LLAMA, f.alice.address, f.carol.address);
        await expect(f.registry.connect(f.alice).setRoyalty(LLAMA, 0n))
          .to.be.revertedWithCustomError(f.registry, "ModelNotOwner")
          .withArgs(LLAMA, f.alice.address, f.carol.address);
        await expect(f.registry.connect(f.alice).transferModelOwnership(LLAMA, f.alice.address))
          .to.be.revertedWithCustomError(f.registry, "ModelNotOwner")
          .withArgs(LLAMA, f.alice.address, f.carol.address);
        await expectUnchanged(f, LLAMA, handed, count);

        // The new owner has it.
        await expect(f.registry.connect(f.carol).setRoyalty(LLAMA, 7n))
          .to.emit(f.registry, "ModelRoyaltySet")
          .withArgs(LLAMA, llama.royaltyPpm, 7n);
        await expect(f.registry.connect(f.carol).setMetadataURI(LLAMA, "ipfs://carol"))
          .to.emit(f.registry, "ModelMetadataSet")
          .withArgs(LLAMA, "ipfs://carol");
        await expect(f.registry.connect(f.carol).transferModelOwnership(LLAMA, f.alice.address))
          .to.emit(f.registry, "ModelOwnershipTransferStarted")
          .withArgs(LLAMA, f.carol.address, f.alice.address);
        expect(await modelOf(f, LLAMA)).to.deep.equal({
          ...handed,
          royaltyPpm: 7n,
          metadataURI: "ipfs://carol",
          pendingOwner: f.alice.address,
        });
      });
    });
  });

  describe("setMaxRoyalty", function () {
    it("reverts AccessControlUnauthorizedAccount(caller, DEFAULT_ADMIN_ROLE) for anyone but the admin", async function () {
      const f = await loadFixture(deployModelRegistryFixture);
      for (const caller of [f.deployer, f.alice, f.stranger]) {
        await expect(f.registry.connect(caller).setMaxRoyalty(1n))
          .to.be.revertedWithCustomError(f.registry, "AccessControlUnauthorizedAccount")
          .withArgs(caller.address, f.adminRole);
      }
      expect(await f.registry.maxRoyaltyPpm()).to.equal(DEFAULT_MAX_ROYALTY);
    });

    it("reverts ModelMaxRoyaltyAboveBound(value, bound) above MAX_ROYALTY_BOUND_PPM", async function () {
      const f = await loadFixture(deployModelRegistryFixture);
      for (const value of [ROYALTY_BOUND + 1n, 1_000_000n, 2n ** 32n - 1n]) {
        await expect(f.registry.connect(f.admin).setMaxRoyalty(value))
          .to.be.revertedWithCustomError(f.registry, "ModelMaxRoyaltyAboveBound")
          .withArgs(value, ROYALTY_BOUND);
      }
      expect(await f.registry.maxRoyaltyPpm()).to.equal(DEFAULT_MAX_ROYALTY);
    });

    it("sets the maximum (0 and the bound included) and emits MaxRoyaltySet(old, new)", async function () {
      const f = await loadFixture(deployModelRegistryFixture);
      let old = DEFAULT_MAX_ROYALTY;
      for (const value of [ROYALTY_BOUND, 0n, 0n, 250_000n]) {
        await expect(f.registry.connect(f.admin).setMaxRoyalty(value))
          .to.emit(f.registry, "MaxRoyaltySet")
          .withArgs(old, value);
        expect(await f.registry.maxRoyaltyPpm()).to.equal(value);
        expect(await f.registry.MAX_ROYALTY_BOUND_PPM()).to.equal(ROYALTY_BOUND);
        old = value;
      }
    });

    // Changed with the redesign: a model above a lowered maximum used to keep its royalty in force.
    it("applies to later registrations and royalty changes; models above it are paid the maximum", async function () {
      const f = await loadFixture(deployModelRegistryFixture);
      const { registry } = f;
      await registry.connect(f.admin).setMaxRoyalty(ROYALTY_BOUND);
      const llama = await registerAndCheck(f, f.alice, LLAMA, URI, 400_000n);

      await registry.connect(f.admin).setMaxRoyalty(20_000n);
      // The model above the new maximum keeps its stored royalty, but the royalty in force is the maximum.
      expect(await modelOf(f, LLAMA)).to.deep.equal(llama);
      expect(await registry.royaltyOf(LLAMA)).to.deep.equal([f.alice.address, 20_000n]);
      // New registrations obey the new maximum.
      await expect(commitAndRegisterModel(registry, f.bob, MISTRAL, URI, 20_001n))
        .to.be.revertedWithCustomError(registry, "ModelRoyaltyTooHigh")
        .withArgs(20_001n, 20_000n);
      await registerAndCheck(f, f.bob, MISTRAL, URI, 20_000n, [LLAMA]);
      // So do changes, even one that lowers a royalty still above the maximum.
      await expect(registry.connect(f.alice).setRoyalty(LLAMA, 300_000n))
        .to.be.revertedWithCustomError(registry, "ModelRoyaltyTooHigh")
        .withArgs(300_000n, 20_000n);
      // The old share reported is the one in force (clamped), and the stored share follows.
      await expect(registry.connect(f.alice).setRoyalty(LLAMA, 20_000n))
        .to.emit(registry, "ModelRoyaltySet")
        .withArgs(LLAMA, 20_000n, 20_000n);
      expect(await modelOf(f, LLAMA)).to.deep.equal({ ...llama, royaltyPpm: 20_000n });
    });

    it("clamps a scheduled increase made before the maximum was lowered: royaltyOf never exceeds the maximum", async function () {
      const f = await loadFixture(deployModelRegistryFixture);
      const { registry } = f;
      const { llama, mistral } = await withModels(f); // LLAMA at 5%, MISTRAL at 1%
      const tx = await registry.connect(f.alice).setRoyalty(LLAMA, DEFAULT_MAX_ROYALTY);
      const effectiveAt = (await blockTimeOf(tx)) + (await registry.ROYALTY_INCREASE_DELAY());
      await registry.connect(f.admin).setMaxRoyalty(60_000n);
      // Before it is due the old share holds.
      await time.increaseTo(effectiveAt - 1n);
      expect(await registry.royaltyOf(LLAMA)).to.deep.equal([f.alice.address, llama.royaltyPpm]);
      // Due: the 10% scheduled is paid as the 6% maximum; the schedule itself is kept as stored.
      await time.increaseTo(effectiveAt);
      expect(await registry.royaltyOf(LLAMA)).to.deep.equal([f.alice.address, 60_000n]);
      expect(await modelOf(f, LLAMA)).to.deep.equal({
        ...llama,
        pendingRoyaltyPpm: DEFAULT_MAX_ROYALTY,
        royaltyIncreaseAt: effectiveAt,
      });
      // Models under the maximum are unaffected.
      expect(await registry.royaltyOf(MISTRAL)).to.deep.equal([f.bob.address, mistral.royaltyPpm]);
      // Lowered further below a royalty already in force: clamped at once.
      await registry.connect(f.admin).setMaxRoyalty(5_000n);
      expect(await registry.royaltyOf(LLAMA)).to.deep.equal([f.alice.address, 5_000n]);
      expect(await registry.royaltyOf(MISTRAL)).to.deep.equal([f.bob.address, 5_000n]);
      await registry.connect(f.admin).setMaxRoyalty(0n);
      expect(await registry.royaltyOf(LLAMA)).to.deep.equal([f.alice.address, 0n]);
      // As it stands now: raising the maximum again lets the stored share through at once (no owner delay; the
      // admin's own timelock is the only one).
      await registry.connect(f.admin).setMaxRoyalty(DEFAULT_MAX_ROYALTY);
      expect(await registry.royaltyOf(LLAMA)).to.deep.equal([f.alice.address, DEFAULT_MAX_ROYALTY]);
      expect(await registry.royaltyOf(MISTRAL)).to.deep.equal([f.bob.address, mistral.royaltyPpm]);
    });

    it("starts a later change from the clamped royalty: an increase from it is scheduled again", async function () {
      const f = await loadFixture(deployModelRegistryFixture);
      const { registry } = f;
      await withModels(f);
      await registry.connect(f.alice).setRoyalty(LLAMA, DEFAULT_MAX_ROYALTY);
      await time.increase(await registry.ROYALTY_INCREASE_DELAY());
      await registry.connect(f.admin).setMaxRoyalty(60_000n);
      // In force 6% (clamped); asking for 6% is no increase, asking for 6.5% is one, however the stored 10% looks.
      await expect(registry.connect(f.alice).setRoyalty(LLAMA, 60_000n))
        .to.emit(registry, "ModelRoyaltySet")
        .withArgs(LLAMA, 60_000n, 60_000n);
      await registry.connect(f.admin).setMaxRoyalty(DEFAULT_MAX_ROYALTY);
      expect(await registry.royaltyOf(LLAMA)).to.deep.equal([f.alice.address, 60_000n]);
      // Once the first increase's grace has ended.
      await time.increase(await registry.ROYALTY_INCREASE_GRACE());
      const tx = await registry.connect(f.alice).setRoyalty(LLAMA, 65_000n);
      await expect(tx)
        .to.emit(registry, "ModelRoyaltyIncreaseScheduled")
        .withArgs(LLAMA, 60_000n, 65_000n, (await blockTimeOf(tx)) + (await registry.ROYALTY_INCREASE_DELAY()));
    });
  });

  describe("views", function () {
    it("getModel and royaltyOf revert ModelNotFound(id) for unknown ids; exists() is false", async function () {
      const f = await loadFixture(deployModelRegistryFixture);
      await withModels(f);
      for (const id of [UNKNOWN, ZeroHash, `0x${"ff".repeat(32)}`]) {
        await expect(f.registry.getModel(id)).to.be.revertedWithCustomError(f.registry, "ModelNotFound").withArgs(id);
        await expect(f.registry.royaltyOf(id)).to.be.revertedWithCustomError(f.registry, "ModelNotFound").withArgs(id);
        expect(await f.registry.exists(id)).to.equal(false);
      }
    });

    it("royaltyOf returns the owner paid and the royalty", async function () {
      const f = await loadFixture(deployModelRegistryFixture);
      await withModels(f);
      expect(await f.registry.royaltyOf(LLAMA)).to.deep.equal([f.alice.address, 50_000n]);
      expect(await f.registry.royaltyOf(MISTRAL)).to.deep.equal([f.bob.address, 10_000n]);
    });
  });

  describe("scale: 2,000 models", function () {
    const COUNT = 2_000;
    /** Transactions per mined block: 150 × GAS_LIMIT fits the block gas limit. */
    const PER_BLOCK = 150;
    const GAS_LIMIT = 200_000n;
    const scaleId = (i: number) => modelId(`scale-${i}`);
    /** Every URI has the same length (and only non-zero bytes), so calldata costs the same but for the id. */
    const scaleUri = (i: number) => `ipfs://bafy-scale-model-${String(i).padStart(5, "0")}/metadata.json`;

    /** The gas a transaction spends beyond its intrinsic cost (21,000 plus 4 or 16 per calldata byte). */
    function executionGas(data: string, gasUsed: bigint): bigint {
      const bytes = ethers.getBytes(data);
      const calldata = bytes.reduce((sum, b) => sum + (b === 0 ? 4n : 16n), 0n);
      return gasUsed - 21_000n - calldata;
    }

    async function registerMany(f: Fixture) {
      const txs: ContractTransactionResponse[] = [];
      await network.provider.send("evm_setAutomine", [false]);
      try {
        for (let start = 1; start <= COUNT; start += PER_BLOCK) {
          const ids = [];
          for (let i = start; i < start + PER_BLOCK && i <= COUNT; i++) ids.push(i);
          const ownerOf = (i: number) => [f.alice, f.bob, f.carol][i % 3];
          // Each registration committed in the block before it, as builders do.
          await Promise.all(
            ids.map((i) =>
              f.registry
                .connect(ownerOf(i))
                .commitModel(
                  ethers.keccak256(
                    ethers.AbiCoder.defaultAbiCoder().encode(["address", "bytes32"], [ownerOf(i).address, scaleId(i)]),
                  ),
                  { gasLimit: 100_000 },
                ),
            ),
          );
          await network.provider.send("evm_mine");
          const batch = ids.map((i) =>
            f.registry
              .connect(ownerOf(i))
              .registerModel(scaleId(i), scaleUri(i), BigInt(i % 100_001), { gasLimit: GAS_LIMIT }),
          );
          txs.push(...(await Promise.all(batch)));
          await network.provider.send("evm_mine");
        }
      } finally {
        await network.provider.send("evm_setAutomine", [true]);
      }
      const mined = await Promise.all(txs.map(async (tx) => ({ data: tx.data, receipt: (await tx.wait())! })));
      for (const { receipt } of mined) expect(receipt.status).to.equal(1);
      // Concurrent sends reach the node in any order: model #n is the n-th registration the chain executed.
      return mined.sort((a, b) => a.receipt.blockNumber - b.receipt.blockNumber || a.receipt.index - b.receipt.index);
    }

    it("registers 2,000 models at a cost that does not grow with the count", async function () {
      const f = await loadFixture(deployModelRegistryFixture);
      const { registry } = f;
      const registrations = await registerMany(f);
      const receipts = registrations.map((r) => r.receipt);

      expect(await registry.modelCount()).to.equal(BigInt(COUNT));
      // Several blocks, so the batches really were mined a few hundred at a time.
      expect(new Set(receipts.map((r) => r.blockNumber)).size).to.equal(Math.ceil(COUNT / PER_BLOCK));

      // A random sample exists and is stored as registered.
      const next = random(0x0bad5eed);
      for (let k = 0; k < 40; k++) {
        const i = 1 + Math.floor(next() * COUNT);
        expect(await registry.exists(scaleId(i)), `model #${i}`).to.equal(true);
        const m = await registry.getModel(scaleId(i));
        expect(m.owner).to.equal([f.alice, f.bob, f.carol][i % 3].address);
        expect(m.royaltyPpm).to.equal(BigInt(i % 100_001));
        expect(m.metadataURI).to.equal(scaleUri(i));
      }
      for (const id of [scaleId(0), scaleId(COUNT + 1), UNKNOWN]) expect(await registry.exists(id)).to.equal(false);

      const used = (n: number) => registrations[n - 1].receipt.gasUsed;
      const execution = (n: number) => executionGas(registrations[n - 1].data, used(n));
      // Model #2,000 costs what model #2 costs, within 1% (the ids' zero bytes make the only difference).
      const diff = used(COUNT) > used(2) ? used(COUNT) - used(2) : used(2) - used(COUNT);
      expect(diff * 100n < used(2), `#2: ${used(2)} gas, #${COUNT}: ${used(COUNT)} gas`).to.equal(true);
      // Beyond calldata, every registration after the first costs exactly the same.
      const executions = new Set(registrations.slice(1).map((_, k) => execution(k + 2)));
      expect([...executions]).to.deep.equal([execution(2)]);
      // Model #1 pays once for modelCount's first write (zero to non-zero: 22,100 gas instead of 5,000), so it
      // costs about 14% more than the others, not within 1% of model #2,000.
      expect(execution(1) - execution(COUNT)).to.equal(22_100n - 5_000n);
    });
  });
});
