import { expect } from "chai";
import { StandardMerkleTree } from "@openzeppelin/merkle-tree";
import { JsonRpcProvider, JsonRpcSigner, ZeroAddress, ZeroHash, id, parseEther } from "ethers";

import { DEVNET_TEE_MEASUREMENT } from "../../../deploy/config";
import { ALLOCATION_TABLE, type CategoryKey } from "../../../deploy/genesis";
import { Deployment } from "../../../deploy/lib/deployments";
import { modeName } from "../../../scripts/lib/modes";
import { signVoucher } from "../../../scripts/lib/voucher";
import { type Amount, IndexerError, createIndexerClient } from "../../../indexer/client";
import type * as Api from "../../../indexer/client";
import type { Group, Part } from "./group";
import { OPGTimelock__factory } from "../../../typechain-types";
import { commitAndRegisterModel } from "../../helpers/models";
import { openChallenge } from "../../helpers/challenges";
import { MONTH, domainOf } from "../../helpers/protocol";

const NONE = 0;
const TEE = 1;
const RECORD_TYPES = ["bytes32", "bytes32", "bytes32", "bytes32", "uint8", "bytes32"];
const DAY = 86_400;

const wei = (a: Amount) => BigInt(a.wei);
const dayOf = (seconds: number | bigint) => new Date(Number(seconds) * 1000).toISOString().slice(0, 10);

/**
 * The indexer end to end: one hardhat node with the real deployment and real activity of every contract (transfers,
 * stakes, delegations, cut changes, thaws and withdrawals, vouchers and requests, proofs, challenges upheld and
 * rejected through the timelock, jailing, heartbeats, a deregistration, a schedule transfer, releases, reward claims,
 * fee collections and a burn), then Ponder on a fresh database (PGlite, and PostgreSQL when DATABASE_URL is set),
 * and every route, the typed client and GraphQL checked against the chain's own views to the wei.
 */
export function routesPart(group: Group): Part {
  let provider: JsonRpcProvider;
  let deployment: Deployment;
  const at = (name: keyof Deployment["contracts"]) => deployment.contracts[name]!.address;
  const signer = (i: number): Promise<JsonRpcSigner> => provider.getSigner(i);
  const mine = async (tx: Promise<{ wait(): Promise<unknown> }>) => (await tx).wait();
  const now = async () => BigInt((await provider.getBlock("latest"))!.timestamp);
  // The CLI's set of contracts (e2e/group.ts), and the timelock, which it has no use for.
  const contracts = () => ({
    ...group.contracts(),
    timelock: OPGTimelock__factory.connect(at("OPGTimelock"), provider),
  });
  // Who does what (the devnet genesis gives accounts 1-9 their allocations).
  let actors: Record<
    | "deployer"
    | "ecosystem"
    | "contributor"
    | "liquidity"
    | "airdrop"
    | "opA"
    | "opB"
    | "payer"
    | "builder"
    | "challenger"
    | "facilitator"
    | "delegator"
    | "heir",
    JsonRpcSigner
  >;
  const modelId = id("indexer-model");
  let nodeIds: { a1: bigint; a2: bigint; b: bigint };
  /** The accepted cut of the delegation (delegate's maxCutPpm), which no event carries. */
  const MAX_CUT = 150_000;
  let transferredAt: bigint;
  let transferredSchedule: bigint;

  /** Real activity of every contract, spread over two UTC days at least (a 90-day jump in the middle). */
  async function act() {
    const { token, vesting: vault, staking, models, nodes, proofs, escrow, timelock } = contracts();
    const { deployer, ecosystem, contributor, liquidity, airdrop, opA, opB, payer, builder, challenger } = actors;
    const { facilitator, delegator, heir } = actors;

    await mine(token.connect(liquidity).transfer(opA.address, parseEther("200000")));
    await mine(token.connect(liquidity).transfer(opB.address, parseEther("100000")));
    await mine(token.connect(airdrop).transfer(payer.address, parseEther("10000")));
    await mine(token.connect(airdrop).transfer(challenger.address, parseEther("1000")));
    await mine(token.connect(airdrop).transfer(delegator.address, parseEther("20000")));
    await mine(commitAndRegisterModel(models, builder, modelId, "ipfs://model", 50_000));

    // Stakes, a cut scheduled (every change waits), three nodes, a delegation accepting a cut up to MAX_CUT, then
    // a second cut change, applied after the delay.
    await mine(token.connect(opA).approve(at("Staking"), parseEther("60000")));
    await mine(staking.connect(opA).stake(parseEther("60000")));
    await mine(staking.connect(opA).setDelegationCut(100_000));
    await mine(token.connect(opB).approve(at("Staking"), parseEther("30000")));
    await mine(staking.connect(opB).stake(parseEther("30000")));
    const params = (name: string) => ({
      metadataURI: `https://${name}.example`,
      modes: (1 << NONE) | (1 << TEE),
      teeMeasurement: DEVNET_TEE_MEASUREMENT,
      capacity: 16,
      prices: [parseEther("0.01"), parseEther("0.03"), 0n] as [bigint, bigint, bigint],
    });
    const register = async (op: JsonRpcSigner, name: string) => {
      await mine(nodes.connect(op).registerNode(params(name), [modelId]));
      return (await nodes.nextNodeId()) - 1n;
    };
    nodeIds = { a1: await register(opA, "a1"), a2: await register(opA, "a2"), b: await register(opB, "b") };
    await mine(token.connect(delegator).approve(at("Staking"), parseEther("10000")));
    await mine(staking.connect(delegator).delegate(opA.address, parseEther("10000"), MAX_CUT));
    await mine(staking.connect(opA).setDelegationCut(200_000));
    await mine(nodes.connect(opA).heartbeat(nodeIds.a1));

    // Escrow: a deposit to the free balance, an escrow with each operator (one funded from the balance, one
    // deposited straight into it), vouchers to two nodes (node a1 twice, cumulative), a fulfilled request (its
    // answer committed a block before) and an expiring one.
    await mine(token.connect(payer).approve(at("PaymentsEscrow"), parseEther("220")));
    await mine(escrow.connect(payer).deposit(payer.address, parseEther("200")));
    await mine(escrow.connect(payer).fundEscrow(opA.address, parseEther("50")));
    await mine(escrow.connect(payer).depositToEscrow(payer.address, opB.address, parseEther("20")));
    const domain = await domainOf(escrow);
    for (const [nodeId, inferences] of [
      [nodeIds.a1, 100n],
      [nodeIds.a1, 250n],
      [nodeIds.b, 40n],
    ] as const) {
      const issuedAt = await now();
      const voucher = {
        payer: payer.address,
        nodeId,
        modelId,
        mode: TEE,
        cumulativeAmount: inferences * parseEther("0.03"),
        issuedAt,
        expiry: issuedAt + 86_400n,
      };
      const { signature } = await signVoucher(payer, domain, voucher);
      await mine(escrow.connect(facilitator).redeem(voucher, signature));
    }
    const deadline = (await now()) + 3_000n;
    await mine(escrow.connect(payer).postRequest(modelId, id("input-1"), TEE, parseEther("1"), deadline, 0));
    const fulfilled = (await escrow.queryFilter(escrow.filters.RequestPosted()))[0].args.requestId;
    const commitment = await escrow.fulfilmentCommitmentOf(fulfilled, nodeIds.a1, id("output-1"), id("proof-1"));
    await mine(escrow.connect(opA).commitFulfilment(fulfilled, nodeIds.a1, commitment));
    await mine(escrow.connect(opA).fulfil(fulfilled, nodeIds.a1, id("output-1"), id("proof-1")));
    await mine(escrow.connect(payer).postRequest(modelId, id("input-2"), TEE, parseEther("2"), deadline, 0));
    await mine(escrow.connect(payer).thaw(opA.address, parseEther("10")));

    // Proofs: a single record and a batch of four; three challenges waiting for the arbiter (each locks stake).
    const record = (i: number) => ({
      inferenceId: id(`inference-${i}`),
      modelId,
      inputHash: id(`in-${i}`),
      outputHash: id(`out-${i}`),
      proofType: TEE,
      proofHash: id(`att-${i}`),
    });
    const asTuple = (r: ReturnType<typeof record>) => [
      r.inferenceId,
      r.modelId,
      r.inputHash,
      r.outputHash,
      r.proofType,
      r.proofHash,
    ];
    await mine(proofs.connect(opA).commitRecord(nodeIds.a1, record(0)));
    const batch = [1, 2, 3, 4].map(record);
    const tree = StandardMerkleTree.of(batch.map(asTuple), RECORD_TYPES);
    await mine(proofs.connect(opA).commitBatch(nodeIds.a1, tree.root, 4, "ipfs://batch"));
    const bond = await proofs.challengeBond();
    await mine(token.connect(challenger).approve(at("ProofRegistry"), bond * 4n));
    await mine(openChallenge(proofs, challenger, nodeIds.a1, tree.root, batch[1], tree.getProof(1), "0x"));
    await mine(openChallenge(proofs, challenger, nodeIds.a1, ZeroHash, record(0), [], "0x"));
    await mine(openChallenge(proofs, challenger, nodeIds.a1, tree.root, batch[2], tree.getProof(2), "0x"));
    const [upheldId, rejectedId, expiredId] = (await proofs.queryFilter(proofs.filters.RecordChallenged())).map(
      (e) => e.args.challengeId,
    );

    // The timelock (arbiter and jailer) upholds one, rejects another (the third waits) and jails node b.
    const delay = await timelock.getMinDelay();
    const targets = [at("ProofRegistry"), at("ProofRegistry"), at("NodeRegistry")];
    const data = [
      proofs.interface.encodeFunctionData("resolveChallenge", [upheldId, true]),
      proofs.interface.encodeFunctionData("resolveChallenge", [rejectedId, false]),
      nodes.interface.encodeFunctionData("jailNode", [nodeIds.b, (await now()) + delay + 10n * BigInt(DAY)]),
    ];
    const values = [0, 0, 0];
    await mine(timelock.connect(deployer).scheduleBatch(targets, values, data, ZeroHash, ZeroHash, delay));
    await provider.send("evm_increaseTime", [Number(delay)]);
    await provider.send("evm_mine", []);
    await mine(timelock.connect(facilitator).executeBatch(targets, values, data, ZeroHash, ZeroHash));

    // Thaws: the operator's own and half of the delegation; a royalty increase; a schedule changes hands.
    await mine(staking.connect(opA).unstake(parseEther("5000")));
    const [shares] = await staking.getDelegation(opA.address, delegator.address);
    await mine(staking.connect(delegator).undelegate(opA.address, shares / 2n));
    await mine(models.connect(builder).setRoyalty(modelId, 80_000));
    const [first] = deployment.genesis.scheduleIds.coreContributors;
    transferredSchedule = BigInt(first);
    expect((await vault.getSchedule(transferredSchedule)).beneficiary).to.equal(contributor.address);
    await mine(vault.connect(contributor).transferSchedule(transferredSchedule, heir.address));
    transferredAt = await now();

    // Ninety days later: the third challenge expired undecided; withdrawals, releases, claims, collections, a burn, a
    // reclaim, a deregistration.
    await provider.send("evm_increaseTime", [90 * DAY]);
    await provider.send("evm_mine", []);
    await mine(proofs.connect(facilitator).expireChallenge(expiredId));
    const ecosystemSchedule = BigInt(deployment.genesis.scheduleIds.ecosystem[0]);
    await mine(vault.connect(ecosystem).release(ecosystemSchedule));
    // The schedule's locked votes to a voting vault: its OPG moves there and stays out of the circulating supply.
    await mine(vault.connect(ecosystem).delegate(ecosystemSchedule, ecosystem.address));
    await mine(staking.connect(opA).withdraw(opA.address, 0));
    await mine(staking.connect(delegator).withdraw(opA.address, 0));
    await mine(staking.connect(opA).claimRewards(opA.address));
    await mine(staking.connect(delegator).claimRewards(opA.address));
    await mine(staking.connect(opB).claimRewards(opB.address));
    await mine(staking.connect(facilitator).applyDelegationCut(opA.address));
    await mine(escrow.connect(builder).collectRoyalties());
    await mine(escrow.connect(facilitator).flushProtocolFees());
    const expiring = (await escrow.queryFilter(escrow.filters.RequestPosted()))[1].args.requestId;
    await mine(escrow.connect(facilitator).reclaim(expiring));
    await mine(escrow.connect(payer).withdraw(opA.address));
    await mine(escrow.connect(payer).withdrawBalance(parseEther("5")));
    await mine(nodes.connect(opA).deregisterNode(nodeIds.a2));
    // A second own thaw, still thawing at the end; a fresh record challenged, pending at the end with stake locked.
    await mine(staking.connect(opA).unstake(parseEther("1000")));
    await mine(proofs.connect(opA).commitRecord(nodeIds.a1, record(5)));
    await mine(openChallenge(proofs, challenger, nodeIds.a1, ZeroHash, record(5), [], "0x"));
  }

  return {
    async drive() {
      provider = group.provider;
      deployment = group.deployment;
      const list = await Promise.all([0, 1, 3, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17].map(signer));
      const names = [
        "deployer",
        "ecosystem",
        "contributor",
        "liquidity",
        "airdrop",
        "opA",
        "opB",
        "payer",
        "builder",
        "challenger",
        "facilitator",
        "delegator",
        "heir",
      ] as const;
      actors = Object.fromEntries(names.map((n, i) => [n, list[i]])) as typeof actors;
      await act();
    },

    tests() {
      describe("every contract, every route, the typed client and GraphQL", () => {
        before(() => group.synced());
        const get = async (route: string) => {
          const res = await fetch(`${group.ponder().url}${route}`);
          return { status: res.status, text: await res.text() };
        };
        const getJson = async <T>(route: string): Promise<T> => {
          const { status, text } = await get(route);
          expect(status, `${route}: ${text}`).to.equal(200);
          return JSON.parse(text) as T;
        };

        it("answers /unlocks/:address as the vault does, following schedule transfers", async () => {
          const { vesting: vault } = contracts();
          const { ecosystem, contributor, heir } = actors;
          const t = await now();
          const schedules = await vault.queryFilter(vault.filters.ScheduleCreated(undefined, ecosystem.address));
          const scheduleId = schedules[0].args.scheduleId;
          for (const time of [t, t + 400n * 86_400n, 10n ** 10n]) {
            const answer = await getJson<Api.Unlocks>(`/unlocks/${ecosystem.address}?at=${time}`);
            expect(answer.schedules.map((s) => s.id)).to.deep.equal(schedules.map((e) => e.args.scheduleId.toString()));
            for (const s of answer.schedules) {
              const vested = await vault.vestedAt(BigInt(s.id), time);
              const released = await vault.releasedOf(BigInt(s.id));
              expect(s.vested.wei, `vested of ${s.id} at ${time}`).to.equal(vested.toString());
              expect(s.released.wei).to.equal(released.toString());
              expect(s.releasable.wei).to.equal((vested - released).toString());
            }
          }
          const iso = new Date(Number(t) * 1000).toISOString();
          const byIso = await getJson<Api.Unlocks>(`/unlocks/${ecosystem.address.toLowerCase()}?at=${iso}`);
          expect(byIso.at).to.equal(t.toString());
          expect(byIso.atSource).to.equal("query");
          // CSV: one row per schedule, the JSON's figures in OPG and wei.
          const csv = await fetch(`${group.ponder().url}/unlocks/${ecosystem.address}?at=${t}&format=csv`);
          expect(csv.headers.get("content-type")).to.match(/^text\/csv/);
          const [head, ...rows] = (await csv.text()).trimEnd().split("\r\n");
          const columns = head.split(",");
          expect(columns.slice(0, 4)).to.deep.equal(["at", "at_timestamp", "at_source", "schedule"]);
          expect(rows).to.have.length(byIso.schedules.length);
          rows.forEach((line, i) => {
            const row = Object.fromEntries(line.split(",").map((v, j) => [columns[j], v]));
            expect(row.schedule).to.equal(byIso.schedules[i].id);
            expect(row.vested_wei).to.equal(byIso.schedules[i].vested.wei);
            expect(parseEther(row.releasable_opg)).to.equal(BigInt(byIso.schedules[i].releasable.wei));
            expect(row.at_timestamp).to.equal(t.toString());
          });
          // Without `at`, "now" is the latest indexed block's time (the chain's clock), and the answer says so.
          const plain = await getJson<Api.Unlocks>(`/unlocks/${ecosystem.address}`);
          expect(plain.atSource).to.equal("indexedBlock");
          expect(plain.at).to.equal(t.toString());
          expect(plain.at).to.equal(String((await getJson<Api.Stats>("/stats")).block.timestamp));
          expect(byIso.schedules[0].releasable.wei).to.equal((await vault.releasableOf(scheduleId)).toString());
          const release = (await vault.queryFilter(vault.filters.TokensReleased(scheduleId)))[0];
          const releasedAt = BigInt((await release.getBlock()).timestamp);
          const before = await getJson<Api.Unlocks>(`/unlocks/${ecosystem.address}?at=${releasedAt - 1n}`);
          expect(before.schedules[0].released.wei).to.equal("0");

          // The transferred schedule belongs to the contributor before the transfer and to the heir from it on.
          const idText = transferredSchedule.toString();
          const ids = async (who: string, time: bigint) =>
            (await getJson<Api.Unlocks>(`/unlocks/${who}?at=${time}`)).schedules.map((s) => s.id);
          expect(await ids(contributor.address, transferredAt - 1n)).to.include(idText);
          expect(await ids(contributor.address, transferredAt)).to.not.include(idText);
          expect(await ids(heir.address, transferredAt - 1n)).to.deep.equal([]);
          expect(await ids(heir.address, transferredAt)).to.deep.equal([idText]);
          expect(await ids(heir.address, t)).to.deep.equal([idText]);
          const heirNow = await getJson<Api.Unlocks>(`/unlocks/${heir.address}?at=${t}`);
          expect(heirNow.schedules[0].vested.wei).to.equal((await vault.vestedAt(transferredSchedule, t)).toString());
        });

        it("answers the /unlocks timeline month by month as vestedAt and the rewards stream say", async () => {
          const { vesting: vault, staking } = contracts();
          const timeline = await getJson<Api.UnlockTimeline>("/unlocks");
          const tge = BigInt(deployment.genesis.tge);
          expect(timeline.tge).to.equal(tge.toString());
          expect(timeline.months[0].time).to.equal(tge.toString());
          expect(timeline.categories.map((c) => c.key)).to.deep.equal(Object.keys(ALLOCATION_TABLE));
          expect(timeline.categories.reduce((s, c) => s + wei(c.total), 0n)).to.equal(parseEther("1000000000"));
          const emissionEnd = tge + (await staking.REWARDS_DURATION());
          expect(timeline.lastUnlock).to.equal(emissionEnd.toString());
          expect(timeline.months[timeline.months.length - 1].unlocked.wei).to.equal(
            parseEther("1000000000").toString(),
          );
          for (let i = 1; i < timeline.months.length; i++)
            expect(BigInt(timeline.months[i].time) - BigInt(timeline.months[i - 1].time) <= MONTH).to.equal(true);

          // The month of now, and one a year and a half out: each category as the chain computes it.
          const t = await now();
          const current = [...timeline.months].reverse().find((m) => BigInt(m.time) <= t)!;
          const later = timeline.months.find((m) => BigInt(m.time) >= t + 18n * MONTH)!;
          for (const month of [timeline.months[0], current, later]) {
            const time = BigInt(month.time);
            let unlocked = 0n;
            for (const key of Object.keys(ALLOCATION_TABLE) as CategoryKey[]) {
              const release = ALLOCATION_TABLE[key].release;
              let expected: bigint;
              if (release.kind === "vesting") {
                const [first, last] = deployment.genesis.scheduleIds[key];
                expected = 0n;
                for (let sid = first; sid <= last; sid++) expected += await vault.vestedAt(sid, time);
              } else if (release.kind === "emission") expected = await staking.rewardsEmittedAt(time);
              else expected = ALLOCATION_TABLE[key].amount;
              expect(month.byCategory[key].wei, `${key} at ${month.date}`).to.equal(expected.toString());
              unlocked += expected;
            }
            expect(month.unlocked.wei).to.equal(unlocked.toString());
          }
          expect(current.unlocked.wei).to.not.equal(later.unlocked.wei);

          // A window: only the months in it.
          const from = BigInt(timeline.months[3].time);
          const to = BigInt(timeline.months[5].time);
          const window = await getJson<Api.UnlockTimeline>(`/unlocks?from=${from}&to=${to}`);
          expect(window.months).to.deep.equal(timeline.months.slice(3, 6));
        });

        it("answers /operators/:address as Staking's views, to the wei", async () => {
          const { staking, nodes } = contracts();
          const { opA, opB, delegator } = actors;
          const answer = await getJson<Api.Operator>(`/operators/${opA.address}`);
          const o = await staking.getOperator(opA.address);
          expect(wei(answer.ownActive)).to.equal(o.ownActive);
          expect(wei(answer.ownThawing)).to.equal(o.ownThawing.tokens);
          expect(wei(answer.delegated)).to.equal(o.delegated.tokens);
          expect(wei(answer.delegatedThawing)).to.equal(o.delegatedThawing.tokens);
          expect(wei(answer.activeStake)).to.equal(await staking.activeStakeOf(opA.address));
          expect(answer.cutPpm).to.equal(Number(o.cutPpm)).and.to.equal(200_000);
          expect(answer.pendingCut).to.equal(null);
          const slashes = await staking.queryFilter(staking.filters.StakeSlashed(opA.address));
          expect(slashes.length).to.equal(1);
          const a = slashes[0].args;
          expect(wei(answer.slashed)).to.equal(
            a.fromOwnActive + a.fromOwnThawing + a.fromDelegated + a.fromDelegatedThawing,
          );
          expect(answer.slashes.map((s) => wei(s.burned))).to.deep.equal([a.burned]);
          expect(answer.slashes[0].challenger).to.equal(actors.challenger.address.toLowerCase());
          const claims = await staking.queryFilter(staking.filters.RewardsClaimed(undefined, opA.address));
          expect(claims.length).to.equal(2);
          expect(wei(answer.rewardsClaimed)).to.equal(claims.reduce((s, e) => s + e.args.amount, 0n));
          expect(answer.rewardClaims.map((c) => c.account).sort()).to.deep.equal(
            [opA.address, delegator.address].map((x) => x.toLowerCase()).sort(),
          );
          // Node fees credited with each payment: the events' sums, and each payment's node share of opA's nodes.
          const fees = await staking.queryFilter(staking.filters.FeesCredited(opA.address));
          expect(fees.length).to.equal(3);
          expect(wei(answer.feesCredited)).to.equal(fees.reduce((s, e) => s + e.args.amount, 0n));
          // What is still streaming, as Staking releases it, at the time of the latest block (the one indexed): the
          // same line, within the wei each settlement rounds.
          expect(wei(answer.feesStreaming)).to.be.closeTo(await staking.feesStreamingOf(opA.address), 10n);
          expect(answer.feeStreamEndsAt).to.equal(fees[fees.length - 1].args.streamEndsAt.toString());
          const shares = (await contracts().escrow.queryFilter(contracts().escrow.filters.PaymentCollected()))
            .filter((e) => e.args.operator === opA.address)
            .map((e) => e.args.nodeShare);
          expect(answer.feeCredits.map((f) => wei(f.amount)).reverse()).to.deep.equal(shares);
          expect(answer.feeCredits.map((f) => wei(f.streaming)).reverse()).to.deep.equal(
            fees.map((e) => e.args.streaming),
          );

          // Locked stake: the pending challenge's lock, with its id and deadline as the registry has them.
          const { proofs } = contracts();
          expect(wei(answer.lockedStake)).to.equal(await staking.lockedStakeOf(opA.address));
          expect(wei(answer.lockedStake)).to.be.greaterThan(0n);
          expect(answer.pendingChallenges).to.have.length(1);
          const pending = await proofs.getChallenge(answer.pendingChallenges[0].id);
          expect(pending.status).to.equal(1n);
          expect(answer.pendingChallenges[0].decideBy).to.equal(pending.decideBy.toString());
          expect(wei(answer.pendingChallenges[0].lockedStake)).to.equal(pending.lockedStake);
          expect(answer.pendingChallenges[0].nodeId).to.equal(pending.nodeId.toString());
          // Every challenge of its nodes: status by name, amounts and the bond's recipient as the events and views say.
          const STATUS = ["none", "pending", "upheld", "rejected", "expired", "superseded"];
          expect(answer.challenges.map((x) => x.status).sort()).to.deep.equal([
            "expired",
            "pending",
            "rejected",
            "upheld",
          ]);
          const resolved = await proofs.queryFilter(proofs.filters.ChallengeResolved());
          for (const x of answer.challenges) {
            const onChain = await proofs.getChallenge(x.id);
            expect(x.status, x.id).to.equal(STATUS[Number(onChain.status)]);
            expect(wei(x.lockedStake)).to.equal(onChain.lockedStake);
            expect(wei(x.bond)).to.equal(onChain.bond);
            expect(x.decideBy).to.equal(onChain.decideBy.toString());
            const r = resolved.find((e) => e.args.challengeId === x.id);
            if (x.status === "pending") {
              expect([r, x.slashed, x.bondRecipient]).to.deep.equal([undefined, null, null]);
              continue;
            }
            expect(wei(x.slashed!)).to.equal(r!.args.slashed);
            expect(wei(x.toChallenger!)).to.equal(r!.args.toChallenger);
            // Upheld returns the bond to the challenger; rejected and expired burn it (recipient zero).
            expect(x.bondRecipient).to.equal(
              (x.status === "upheld" ? actors.challenger.address : ZeroAddress).toLowerCase(),
            );
          }
          const upheld = answer.challenges.find((x) => x.status === "upheld")!;
          expect(wei(upheld.slashed!)).to.equal(
            a.fromOwnActive + a.fromOwnThawing + a.fromDelegated + a.fromDelegatedThawing,
          );

          // Own stake against the per-node minimum, as NodeRegistry and Staking.stakeOf have them.
          const [own] = await staking.stakeOf(opA.address);
          expect(wei(answer.ownStake.own)).to.equal(own);
          expect(wei(answer.ownStake.required)).to.equal(await nodes.requiredOwnStakeOf(opA.address));
          expect(wei(answer.ownStake.minimumPerNode)).to.equal(await nodes.minimumOwnStake());
          expect(answer.ownStake.activeNodes).to.equal(1);
          expect(answer.ownStake.covered).to.equal(true);

          // The delegation: shares and what they are worth now.
          const [delegationShares, tokens] = await staking.getDelegation(opA.address, delegator.address);
          expect(answer.delegations).to.have.length(1);
          expect(answer.delegations[0].delegator).to.equal(delegator.address.toLowerCase());
          expect(answer.delegations[0].shares).to.equal(delegationShares.toString());
          expect(wei(answer.delegations[0].tokens)).to.equal(tokens);
          expect(answer.delegations[0].maxCutPpm).to.equal(MAX_CUT);

          // Thaw requests: the withdrawn ones, and the open one valued as thawRequestsOf values it.
          for (const staker of [opA.address, delegator.address]) {
            const [ids, amounts, until] = await staking.thawRequestsOf(staker, opA.address);
            const open = answer.thawRequests.filter((r) => r.staker === staker.toLowerCase() && r.status === "open");
            expect(open.map((r) => r.requestId)).to.deep.equal(ids.map(String));
            expect(open.map((r) => r.value!.wei)).to.deep.equal(amounts.map(String));
            expect(open.map((r) => r.thawingUntil)).to.deep.equal(until.map(String));
          }
          expect(answer.thawRequests.filter((r) => r.status === "withdrawn")).to.have.length(2);
          const withdrawn = await staking.queryFilter(staking.filters.StakeWithdrawn(undefined, opA.address));
          expect(withdrawn.length).to.equal(2);

          // Nodes: active, jailed, modes as the registry has them.
          expect(answer.nodes.map((n) => n.id)).to.deep.equal([nodeIds.a1, nodeIds.a2].map(String));
          for (const n of answer.nodes) {
            const onChain = await nodes.getNode(BigInt(n.id));
            expect(n.active).to.equal(onChain.active);
            expect(n.jailedUntil).to.equal(onChain.jailedUntil.toString());
            expect(n.modes).to.deep.equal(["none", "tee"]);
            expect(n.capacity).to.equal(Number(onChain.capacity));
          }
          expect(answer.nodes.map((n) => n.active)).to.deep.equal([true, false]);
          const b = await getJson<Api.Operator>(`/operators/${opB.address}`);
          expect(b.nodes[0].jailedUntil).to.equal((await nodes.getNode(nodeIds.b)).jailedUntil.toString());
          expect(b.nodes[0].jailedUntil).to.not.equal("0");
          expect(wei(b.ownActive)).to.equal((await staking.getOperator(opB.address)).ownActive);

          // An address that never staked: zeros and empty lists.
          const nobody = await getJson<Api.Operator>(`/operators/0x000000000000000000000000000000000000dEaD`);
          expect(nobody.ownActive.wei).to.equal("0");
          expect([nobody.delegations, nobody.thawRequests, nobody.slashes, nobody.nodes]).to.deep.equal([
            [],
            [],
            [],
            [],
          ]);
        });

        it("answers /stats and /stats/daily as the token, staking and escrow balances and the events say", async () => {
          const { token, vesting: vault, staking, models, nodes, proofs, escrow } = contracts();
          const stats = await getJson<Api.Stats>("/stats");
          expect(stats.block.number).to.be.at.least(group.lastBlock);
          const supply = await token.totalSupply();
          expect(wei(stats.totalSupply)).to.equal(supply);
          expect(wei(stats.burned)).to.equal(parseEther("1000000000") - supply);
          const staked = (await staking.totalActiveStake()) + (await staking.totalThawingStake());
          expect(wei(stats.totalStaked)).to.equal(staked);
          expect(wei(stats.escrowBalance)).to.equal(await token.balanceOf(at("PaymentsEscrow")));
          const vaults = await vault.queryFilter(vault.filters.VotingVaultDeployed());
          expect(vaults).to.have.length(1);
          expect(await token.balanceOf(vaults[0].args.vault)).to.be.greaterThan(0n);
          let held = 0n;
          for (const h of [at("VestingVault"), at("Staking"), at("PaymentsEscrow"), ...vaults.map((v) => v.args.vault)])
            held += await token.balanceOf(h);
          expect(wei(stats.circulating)).to.equal(supply - held);
          expect(parseEther((await get("/supply/circulating")).text)).to.equal(supply - held);
          // The counts are the group's whole chain (every part's operators, nodes and payments), as the chain has
          // them; this part's own among them.
          const stakers = new Set(
            (await staking.queryFilter(staking.filters.StakeDeposited())).map((e) => e.args.operator),
          );
          expect([...stakers]).to.include.members([actors.opA.address, actors.opB.address]);
          expect(stats.operators).to.equal(stakers.size);
          const nodeCount = Number((await nodes.nextNodeId()) - 1n);
          expect(stats.nodes).to.equal(nodeCount);
          const registered = await Promise.all(Array.from({ length: nodeCount }, (_, i) => nodes.getNode(i + 1)));
          // Node b is jailed, not deregistered: it counts as active; a2 is deregistered.
          expect([nodeIds.a1, nodeIds.a2, nodeIds.b].map((i) => registered[Number(i) - 1].active)).to.deep.equal([
            true,
            false,
            true,
          ]);
          expect(stats.activeNodes).to.equal(registered.filter((n) => n.active).length);
          expect(stats.models).to.equal(Number(await models.modelCount()));
          const payments = await escrow.queryFilter(escrow.filters.PaymentCollected());
          expect(stats.inferencesPaid).to.equal(payments.length);
          expect(payments.filter((e) => e.args.payer === actors.payer.address)).to.have.length(4);
          const volume = payments.reduce((s, e) => s + e.args.gross, 0n);
          expect(wei(stats.paymentsVolume)).to.equal(volume);
          const flushed = await escrow.queryFilter(escrow.filters.ProtocolFeesFlushed(ZeroAddress));
          const feesBurned = flushed.reduce((s, e) => s + e.args.amount, 0n);
          expect(feesBurned).to.be.greaterThan(0n);
          expect(wei(stats.feesBurned)).to.equal(feesBurned);
          const records = await proofs.queryFilter(proofs.filters.RecordCommitted());
          const batches = await proofs.queryFilter(proofs.filters.BatchCommitted());
          // Two committed by node a1, one by the fulfilled request (answered by a1).
          const ours = [nodeIds.a1, nodeIds.a2, nodeIds.b];
          expect(records.filter((e) => ours.includes(e.args.nodeId))).to.have.length(3);
          expect(stats.proofsCommitted).to.equal(
            records.length + batches.reduce((s, e) => s + Number(e.args.recordCount), 0),
          );
          expect(stats.proofBatches).to.equal(batches.length);
          expect(stats.challenges).to.deep.equal({ open: 1, upheld: 1, rejected: 1, expired: 1, superseded: 0 });

          // Daily: each day's counts and sums as the events of that UTC day; the last day's snapshots as the chain now.
          const daily = await getJson<Api.DailyStats>("/stats/daily");
          const days = daily.days.map((d) => d.day);
          expect(days).to.deep.equal([...days].sort());
          expect(days.length).to.be.at.least(2);
          const byDay = new Map<string, { paid: number; volume: bigint; proofs: number }>();
          const bump = async (
            e: { getBlock(): Promise<{ timestamp: number }> },
            f: (d: { paid: number; volume: bigint; proofs: number }) => void,
          ) => {
            const day = dayOf((await e.getBlock()).timestamp);
            const d = byDay.get(day) ?? { paid: 0, volume: 0n, proofs: 0 };
            f(d);
            byDay.set(day, d);
          };
          for (const e of payments) await bump(e, (d) => ((d.paid += 1), (d.volume += e.args.gross)));
          for (const e of records) await bump(e, (d) => (d.proofs += 1));
          for (const e of batches) await bump(e, (d) => (d.proofs += Number(e.args.recordCount)));
          for (const [day, expected] of byDay) {
            const row = daily.days.find((d) => d.day === day)!;
            expect(row, day).to.not.equal(undefined);
            expect(row.inferencesPaid, day).to.equal(expected.paid);
            expect(wei(row.volume), day).to.equal(expected.volume);
            expect(row.proofsCommitted, day).to.equal(expected.proofs);
          }
          expect(daily.days.reduce((s, d) => s + d.inferencesPaid, 0)).to.equal(payments.length);
          expect(daily.days.reduce((s, d) => s + wei(d.feesBurned), 0n)).to.equal(feesBurned);
          const last = daily.days[daily.days.length - 1];
          expect(last.day).to.equal(dayOf(await now()));
          expect(wei(last.totalStaked)).to.equal(staked);
          expect(wei(last.circulatingSupply)).to.equal(supply - held);
          const one = await getJson<Api.DailyStats>(`/stats/daily?from=${days[0]}&to=${days[0]}`);
          expect(one.days).to.deep.equal([daily.days[0]]);
          expect((await getJson<Api.DailyStats>("/stats/daily?limit=1")).days).to.deep.equal([last]);
        });

        it("filters /payments by role, node, model and time, newest first with a cursor", async () => {
          const { escrow } = contracts();
          const { payer, opA, opB, builder } = actors;
          // The payer's own payments (the group's other parts pay too, from payers of their own).
          const events = (await escrow.queryFilter(escrow.filters.PaymentCollected(payer.address))).reverse();
          const seen: Api.Payment[] = [];
          let cursor: string | null = null;
          do {
            const page: Api.Payments = await getJson<Api.Payments>(
              `/payments/${payer.address}?limit=1${cursor ? `&cursor=${cursor}` : ""}`,
            );
            seen.push(...page.payments);
            cursor = page.nextCursor;
          } while (cursor);
          expect(seen.map((p) => p.transactionHash)).to.deep.equal(events.map((e) => e.transactionHash));
          for (const [i, e] of events.entries()) {
            expect(seen[i].gross.wei).to.equal(e.args.gross.toString());
            expect(seen[i].nodeShare.wei).to.equal(e.args.nodeShare.toString());
            expect(seen[i].royalty.wei).to.equal(e.args.royalty.toString());
            expect(seen[i].protocolFee.wei).to.equal(e.args.protocolFee.toString());
            expect(seen[i].gross.opg).to.match(/ OPG$/);
            expect(seen[i].mode).to.equal(modeName(e.args.mode));
          }
          expect(seen.map((p) => p.kind)).to.deep.equal(
            events.map((e) => (e.args.kind === 1n ? "request" : "voucher")),
          );
          const count = async (route: string) => (await getJson<Api.Payments>(route)).payments.length;
          expect(await count(`/payments/${opA.address}?role=operator`)).to.equal(3);
          expect(await count(`/payments/${opB.address}?role=operator`)).to.equal(1);
          expect(await count(`/payments/${opA.address}?role=payer`)).to.equal(0);
          expect(await count(`/payments/${builder.address}?role=modelOwner`)).to.equal(4);
          expect(await count(`/payments/${payer.address}?node=${nodeIds.b}`)).to.equal(1);
          expect(await count(`/payments/${payer.address}?node=${nodeIds.a2}`)).to.equal(0);
          expect(await count(`/payments/${payer.address}?model=${modelId}`)).to.equal(4);
          expect(await count(`/payments/${payer.address}?model=${ZeroHash}`)).to.equal(0);
          const times = await Promise.all(events.map(async (e) => BigInt((await e.getBlock()).timestamp)));
          const [newest, , , oldest] = times;
          expect(await count(`/payments/${payer.address}?from=${newest}`)).to.equal(
            times.filter((t) => t >= newest).length,
          );
          expect(await count(`/payments/${payer.address}?to=${oldest}`)).to.equal(
            times.filter((t) => t <= oldest).length,
          );
          const iso = (t: bigint) => new Date(Number(t) * 1000).toISOString();
          expect(await count(`/payments/${payer.address}?from=${iso(oldest)}&to=${iso(newest)}`)).to.equal(4);
          expect(await count(`/payments/${payer.address}?from=${newest + 1n}`)).to.equal(0);

          // CSV: the same rows (format=csv or Accept: text/csv), amounts in OPG and wei, the documented header.
          const csv = await fetch(`${group.ponder().url}/payments/${payer.address}?format=csv`);
          expect(csv.status).to.equal(200);
          expect(csv.headers.get("content-type")).to.match(/^text\/csv/);
          expect(csv.headers.get("content-disposition")).to.match(
            /attachment; filename="payments-0x[0-9a-f]{40}\.csv"/,
          );
          const lines = (await csv.text()).trimEnd().split("\r\n");
          expect(lines[0]).to.equal(
            "time,timestamp,block,transaction,log_index,kind,payer,operator,model_owner,node_id,model_id,mode," +
              "gross_opg,gross_wei,node_share_opg,node_share_wei,royalty_opg,royalty_wei,protocol_fee_opg,protocol_fee_wei",
          );
          const header = lines[0].split(",");
          const rows = lines.slice(1).map((l) => Object.fromEntries(l.split(",").map((v, i) => [header[i], v])));
          expect(rows.map((r) => r.transaction)).to.deep.equal(events.map((e) => e.transactionHash));
          for (const [i, e] of events.entries()) {
            expect(rows[i].gross_wei).to.equal(e.args.gross.toString());
            expect(parseEther(rows[i].gross_opg)).to.equal(e.args.gross);
            expect(rows[i].protocol_fee_wei).to.equal(e.args.protocolFee.toString());
            expect(rows[i].mode).to.equal("tee");
            expect(rows[i].time).to.equal(new Date(Number(times[i]) * 1000).toISOString());
          }
          const byAccept = await fetch(`${group.ponder().url}/payments/${payer.address}`, {
            headers: { accept: "text/csv" },
          });
          expect(byAccept.headers.get("content-type")).to.match(/^text\/csv/);
          expect((await byAccept.text()).trimEnd().split("\r\n")).to.deep.equal(lines);
          const paged = await fetch(`${group.ponder().url}/payments/${payer.address}?format=csv&limit=1`);
          expect((await paged.text()).trimEnd().split("\r\n")).to.deep.equal(lines.slice(0, 2));
          expect(paged.headers.get("x-next-cursor")).to.be.a("string");
        });

        it("answers /escrows/:address as balanceOf and getEscrow, per operator", async () => {
          const { escrow } = contracts();
          const { payer, opA, opB } = actors;
          const answer = await getJson<Api.Escrows>(`/escrows/${payer.address}`);
          expect(wei(answer.balance)).to.equal(await escrow.balanceOf(payer.address));
          expect(answer.escrows.map((e) => e.operator)).to.deep.equal(
            [opA.address, opB.address].map((x) => x.toLowerCase()).sort(),
          );
          for (const e of answer.escrows) {
            const onChain = await escrow.getEscrow(payer.address, e.operator);
            expect(wei(e.balance), e.operator).to.equal(onChain.balance);
            expect(wei(e.thawing), e.operator).to.equal(onChain.thawing);
            expect(e.thawEndsAt).to.equal(onChain.thawEndsAt.toString());
            expect(e.thawStartedAt).to.equal(onChain.thawStartedAt.toString());
          }
          const a = answer.escrows.find((e) => e.operator === opA.address.toLowerCase())!;
          expect(wei(a.withdrawn)).to.equal(parseEther("10"));
          expect(wei(a.funded)).to.equal(parseEther("50"));
          const b = answer.escrows.find((e) => e.operator === opB.address.toLowerCase())!;
          expect(wei(b.paid)).to.equal(40n * parseEther("0.03"));
          expect(wei(answer.withdrawn)).to.equal(parseEther("15"));
          const asOperator = await getJson<Api.Escrows>(`/escrows/${opB.address}`);
          expect(asOperator.escrows).to.deep.equal([]);
          expect(asOperator.escrowsAsOperator).to.deep.equal([b]);
        });

        it("gives the royalty in force, a due scheduled increase included", async () => {
          const { models } = contracts();
          const model = await getJson<Api.Model>(`/models/${modelId}`);
          const [owner, royaltyPpm] = await models.royaltyOf(modelId);
          expect(model.model!.owner).to.equal(owner.toLowerCase());
          expect(model.model!.royaltyPpm).to.equal(Number(royaltyPpm)).and.to.equal(80_000);
          expect(model.model!.scheduledRoyalty).to.equal(null);
          expect((await getJson<Api.Model>(`/models/${ZeroHash}`)).model).to.equal(null);
        });

        it("gives the same answers through the typed client, and IndexerError with the reason on bad input", async () => {
          const client = createIndexerClient(group.ponder().url);
          const { ecosystem, payer, opA } = actors;
          const t = await now();
          expect(await client.unlocksOf(ecosystem.address, { at: t })).to.deep.equal(
            await getJson(`/unlocks/${ecosystem.address}?at=${t}`),
          );
          expect(await client.unlocksOf(ecosystem.address, { at: new Date(Number(t) * 1000) })).to.deep.equal(
            await getJson(`/unlocks/${ecosystem.address}?at=${t}`),
          );
          expect(await client.unlockTimeline()).to.deep.equal(await getJson("/unlocks"));
          expect(await client.supplyCirculating()).to.equal((await get("/supply/circulating")).text);
          expect(parseEther(await client.supplyTotal())).to.equal(await contracts().token.totalSupply());
          const page = await client.paymentsOf(payer.address, {
            role: "payer",
            node: nodeIds.a1,
            model: modelId,
            limit: 2,
          });
          expect(page).to.deep.equal(
            await getJson(`/payments/${payer.address}?role=payer&node=${nodeIds.a1}&model=${modelId}&limit=2`),
          );
          expect(page.payments).to.have.length(2);
          const next = await client.paymentsOf(payer.address, { node: nodeIds.a1, cursor: page.nextCursor! });
          expect(next.payments).to.have.length(1);
          expect(next.nextCursor).to.equal(null);
          expect(await client.nodes({ model: modelId, mode: "tee" })).to.deep.equal(
            await getJson(`/nodes?model=${modelId}&mode=tee`),
          );
          expect(await client.operator(opA.address)).to.deep.equal(await getJson(`/operators/${opA.address}`));
          expect((await client.stats()).totalSupply).to.deep.equal((await getJson<Api.Stats>("/stats")).totalSupply);
          expect(await client.dailyStats({ limit: 2 })).to.deep.equal(await getJson("/stats/daily?limit=2"));
          expect(await client.model(modelId)).to.deep.equal(await getJson(`/models/${modelId}`));
          expect(await client.escrows(payer.address)).to.deep.equal(await getJson(`/escrows/${payer.address}`));
          for (const call of [
            () => client.unlocksOf("0x1234"),
            () => client.paymentsOf(payer.address, { node: "-1" }),
            () => client.paymentsOf(payer.address, { from: 20, to: 10 }),
            () => client.nodes({ model: modelId, mode: "bogus" as "tee" }),
            () => client.operator("nope"),
            () => client.escrows("0x12"),
            () => client.dailyStats({ limit: 0 }),
            () => client.unlockTimeline({ from: "soon" }),
          ]) {
            const error = await call().then(
              () => undefined,
              (e: unknown) => e,
            );
            expect(error).to.be.instanceOf(IndexerError);
            expect((error as IndexerError).status).to.equal(400);
            expect((error as IndexerError).reason)
              .to.be.a("string")
              .and.not.equal("");
          }
        });

        it("answers GraphQL as the chain does", async () => {
          const { token, staking, escrow } = contracts();
          const { opA, payer, delegator } = actors;
          const res = await fetch(`${group.ponder().url}/graphql`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({
              query: `query ($op: String!, $payer: String!, $delegator: String!) {
                account(address: $op) { balance }
                escrowAccount(payer: $payer) { balance deposited paid withdrawn }
                operatorEscrow(payer: $payer, operator: $op) { balance }
                operator(address: $op) { ownActive delegated }
                delegation(operator: $op, delegator: $delegator) { shares }
                delegationChanges(where: { delegator: $delegator }) { items { kind } }
                rewardClaims(where: { operator: $op }) { items { amount } }
                dailyStatss { items { day inferencesPaid } }
                protocolEvents(where: { name: "CallExecuted" }) { items { contract } }
              }`,
              variables: {
                op: opA.address.toLowerCase(),
                payer: payer.address.toLowerCase(),
                delegator: delegator.address.toLowerCase(),
              },
            }),
          });
          const body = (await res.json()) as {
            errors?: unknown;
            data: {
              account: { balance: string };
              escrowAccount: { balance: string; deposited: string; paid: string; withdrawn: string };
              operatorEscrow: { balance: string };
              operator: { ownActive: string; delegated: string };
              delegation: { shares: string };
              delegationChanges: { items: { kind: string }[] };
              rewardClaims: { items: { amount: string }[] };
              dailyStatss: { items: { day: string; inferencesPaid: number }[] };
              protocolEvents: { items: { contract: string }[] };
            };
          };
          expect(body.errors, JSON.stringify(body.errors)).to.equal(undefined);
          const d = body.data;
          expect(BigInt(d.account.balance)).to.equal(await token.balanceOf(opA.address));
          expect(BigInt(d.escrowAccount.balance)).to.equal(await escrow.balanceOf(payer.address));
          expect(BigInt(d.escrowAccount.withdrawn)).to.equal(parseEther("15"));
          expect(BigInt(d.operatorEscrow.balance)).to.equal(
            (await escrow.getEscrow(payer.address, opA.address)).balance,
          );
          const o = await staking.getOperator(opA.address);
          expect([BigInt(d.operator.ownActive), BigInt(d.operator.delegated)]).to.deep.equal([
            o.ownActive,
            o.delegated.tokens,
          ]);
          expect(BigInt(d.delegation.shares)).to.equal(
            (await staking.getDelegation(opA.address, delegator.address))[0],
          );
          expect(d.delegationChanges.items.map((x) => x.kind).sort()).to.deep.equal(["delegate", "undelegate"]);
          expect(d.rewardClaims.items).to.have.length(2);
          expect(d.dailyStatss.items.length).to.be.at.least(2);
          expect(d.protocolEvents.items.map((x) => x.contract)).to.include("OPGTimelock");
        });

        it("answers 400 with a reason for bad input on every route, and empty results for unknown addresses", async () => {
          const nobody = "0x000000000000000000000000000000000000dEaD";
          expect((await getJson<Api.Unlocks>(`/unlocks/${nobody}`)).schedules).to.deep.equal([]);
          expect((await getJson<Api.Payments>(`/payments/${nobody}`)).payments).to.deep.equal([]);
          for (const route of [
            "/unlocks/0x1234",
            "/unlocks/not-an-address",
            `/unlocks/${nobody}?at=yesterday`,
            `/unlocks/${nobody}?at=2027-13-45`,
            `/unlocks/${nobody}?at=99999999999999999999`,
            "/unlocks?from=tomorrow",
            "/unlocks?to=2027-02-30T99:00",
            "/unlocks?from=2000000000&to=1000000000",
            "/payments/0xzz",
            `/payments/${nobody}?cursor=!!!`,
            `/payments/${nobody}?cursor=${Buffer.from("x:y").toString("base64url")}`,
            `/payments/${nobody}?role=thief`,
            `/payments/${nobody}?limit=0`,
            `/payments/${nobody}?limit=501`,
            `/payments/${nobody}?node=-1`,
            `/payments/${nobody}?node=abc`,
            `/payments/${nobody}?model=0x12`,
            `/payments/${nobody}?from=never`,
            `/payments/${nobody}?to=2027-99-01`,
            `/payments/${nobody}?from=200&to=100`,
            `/payments/${nobody}?format=xml`,
            `/payments/${nobody}?format=csv&limit=10001`,
            `/unlocks/${nobody}?format=pdf`,
            `/payments/${nobody}?limt=5`,
            `/unlocks/${nobody}?when=2027-01-01`,
            "/stats?verbose=1",
            "/supply/circulating?format=json",
            `/nodes?model=${modelId}&mode=bogus`,
            "/nodes?mode=tee",
            `/nodes?model=${modelId}&mode=tee&minStake=-1`,
            "/operators/0x12",
            "/operators/someone",
            "/escrows/0x12",
            "/escrows/nobody",
            "/models/0x1234",
            "/stats/daily?from=yesterday",
            "/stats/daily?from=2026-05-02&to=2026-05-01",
            "/stats/daily?limit=0",
            "/stats/daily?limit=many",
          ]) {
            const { status, text } = await get(route);
            expect(status, `${route}: ${text}`).to.equal(400);
            expect(JSON.parse(text).error, route).to.be.a("string");
          }
        });
      });
    },
  };
}
