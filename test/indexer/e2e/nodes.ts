import { expect } from "chai";
import { Typed, Wallet, ZeroHash, id, parseEther } from "ethers";

import { DEVNET_TEE_MEASUREMENT } from "../../../deploy/config";
import { Deployment } from "../../../deploy/lib/deployments";
import type { Contracts } from "../../../scripts/cli/connect";
import type { NodeRegistry, ProofRegistry } from "../../../typechain-types";
import { commitAndRegisterModel } from "../../helpers/models";
import type { Group, Part } from "./group";

const NONE = 0;
const TEE = 1;

type NodeParams = Exclude<Parameters<NodeRegistry["updateNode"]>[1], Typed>;
type ProofRecord = Exclude<Parameters<ProofRegistry["commitRecord"]>[1], Typed>;

interface NodesAnswer {
  model: string;
  mode: string;
  nodes: { id: string; operator: string; capacity: number; price: { wei: string }; stake: { wei: string } }[];
}

/**
 * The registries through the indexer: a model, two TEE nodes of two operators at different prices, a proof record
 * and a batch root, then /nodes checked against NodeRegistry.isEligible and GraphQL against the events. Driven last
 * of the group: the cheap node's price increase is pending, and no time may pass after it.
 */
export function nodesPart(group: Group): Part {
  const modelId = id("nodes-model");
  // What the activity left, for the checks.
  let c: Contracts;
  let cheap: Wallet, dear: Wallet, builder: Wallet;
  let dearId: bigint, cheapId: bigint;
  let raised: NodeParams;
  let record: ProofRecord;
  let leaf: string;
  let root: string;

  return {
    async drive() {
      const { provider, deployment } = group;
      const at = (name: keyof Deployment["contracts"]) => deployment.contracts[name]!.address;
      // The genesis's liquidity account funds the operators; every other actor is a wallet of this part's own.
      const liquidity = await provider.getSigner(8);
      ({ cheap, dear, builder } = await group.wallets("nodes", ["cheap", "dear", "builder"] as const));
      c = group.contracts();
      const { token, staking, models, nodes, proofs } = c;
      const mine = async (tx: Promise<{ wait(): Promise<unknown> }>) => (await tx).wait();

      await mine(commitAndRegisterModel(models, builder, modelId, "ipfs://nodes-model", 30_000));
      // Two operators stake 30,000 OPG (the TEE minimum is 25,000) and register a TEE node each.
      const registered: { op: Wallet; capacity: number; prices: [bigint, bigint, bigint]; modes: number }[] = [
        { op: dear, capacity: 8, prices: [0n, parseEther("0.05"), 0n], modes: 1 << TEE },
        {
          op: cheap,
          capacity: 32,
          prices: [parseEther("0.01"), parseEther("0.02"), 0n],
          modes: (1 << NONE) | (1 << TEE),
        },
      ];
      const ids: bigint[] = [];
      for (const { op, capacity, prices, modes } of registered) {
        await mine(token.connect(liquidity).transfer(op.address, parseEther("30000")));
        await mine(token.connect(op).approve(at("Staking"), parseEther("30000")));
        await mine(staking.connect(op).stake(parseEther("30000")));
        await mine(
          nodes.connect(op).registerNode(
            {
              metadataURI: `https://${op.address}.example`,
              modes,
              teeMeasurement: DEVNET_TEE_MEASUREMENT,
              capacity,
              prices,
            },
            [modelId],
          ),
        );
        ids.push((await nodes.nextNodeId()) - 1n);
      }
      [dearId, cheapId] = ids;
      // The cheap node lowers its price without verification (at once) and raises its TEE price (in a day).
      raised = {
        metadataURI: "https://cheap.example/v2",
        modes: (1 << NONE) | (1 << TEE),
        teeMeasurement: DEVNET_TEE_MEASUREMENT,
        capacity: 32,
        prices: [parseEther("0.005"), parseEther("0.04"), 0n] as [bigint, bigint, bigint],
      };
      await mine(nodes.connect(cheap).updateNode(cheapId, raised));

      // One record and one batch root, committed by the cheap node's operator.
      record = {
        inferenceId: id("inference-1"),
        modelId,
        inputHash: id("input"),
        outputHash: id("output"),
        proofType: TEE,
        proofHash: id("attestation"),
      };
      await mine(proofs.connect(cheap).commitRecord(cheapId, record));
      leaf = await proofs.leafOf(record);
      root = id("batch-root");
      await mine(proofs.connect(cheap).commitBatch(cheapId, root, 42n, "ipfs://batch"));
    },

    tests() {
      describe("models, nodes and proofs", () => {
        before(() => group.synced());

        it("lists eligible nodes cheapest first as the registry judges them, and indexes models and proofs", async () => {
          const { staking, models, nodes } = c;
          const get = async (route: string) => {
            const res = await fetch(`${group.ponder().url}${route}`);
            return { status: res.status, text: await res.text() };
          };
          const getJson = async <T>(route: string): Promise<T> => {
            const { status, text } = await get(route);
            expect(status, `${route}: ${text}`).to.equal(200);
            return JSON.parse(text) as T;
          };

          // TEE: both nodes, cheapest first, each eligible on chain, with its price and capacity.
          const tee = await getJson<NodesAnswer>(`/nodes?model=${modelId}&mode=tee`);
          expect(tee.nodes.map((n) => n.id)).to.deep.equal([cheapId.toString(), dearId.toString()]);
          for (const n of tee.nodes) {
            const nodeId = BigInt(n.id);
            expect(await nodes.isEligible(nodeId, modelId, TEE), `node ${n.id}`).to.equal(true);
            const onChain = await nodes.getNode(nodeId);
            expect(n.price.wei).to.equal((await nodes.priceOf(nodeId, TEE)).toString());
            expect(n.capacity).to.equal(Number(onChain.capacity));
            expect(n.operator).to.equal(onChain.operator.toLowerCase());
            expect(n.stake.wei).to.equal((await staking.activeStakeOf(onChain.operator)).toString());
          }
          expect(tee.nodes.map((n) => n.price.wei)).to.deep.equal([
            parseEther("0.02").toString(),
            parseEther("0.05").toString(),
          ]);
          expect(tee.nodes.map((n) => n.capacity)).to.deep.equal([32, 8]);

          // None: only the node that offers it, as the registry says; zk: nobody; a stake floor above theirs: nobody.
          const none = await getJson<NodesAnswer>(`/nodes?model=${modelId}&mode=none`);
          expect(none.nodes.map((n) => n.id)).to.deep.equal([cheapId.toString()]);
          expect(await nodes.isEligible(dearId, modelId, NONE)).to.equal(false);
          expect(none.nodes[0].price.wei).to.equal(parseEther("0.005").toString());
          expect(none.nodes[0].price.wei).to.equal((await nodes.priceOf(cheapId, NONE)).toString());
          expect((await getJson<NodesAnswer>(`/nodes?model=${modelId}&mode=zk`)).nodes).to.deep.equal([]);
          expect((await getJson<NodesAnswer>(`/nodes?model=${modelId}&mode=tee&minStake=30000`)).nodes).to.have.length(
            2,
          );
          expect((await getJson<NodesAnswer>(`/nodes?model=${modelId}&mode=tee&minStake=30000.5`)).nodes).to.deep.equal(
            [],
          );
          expect((await getJson<NodesAnswer>(`/nodes?model=${ZeroHash}&mode=tee`)).nodes).to.deep.equal([]);

          // GraphQL: the model, the record, the batch and the node's models.
          const res = await fetch(`${group.ponder().url}/graphql`, {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({
              query: `query ($model: String!, $inference: String!, $root: String!, $node: BigInt!, $op: String!) {
          model(id: $model) { owner royaltyPpm metadataURI }
          proofRecord(nodeId: $node, inferenceId: $inference) { nodeId modelId outputHash proofType leaf }
          proofBatch(nodeId: $node, root: $root) { nodeId recordCount uri }
          node(id: $node) { metadataURI priceNone priceTee pendingPriceNone pendingPriceTee priceIncreaseAt }
          operator(address: $op) { activeNodes }
          nodeRegistryParams(id: "NodeRegistry") { minimumOwnStake }
          nodeModels(where: { modelId: $model }) { items { nodeId } }
          minimumStakes { items { mode minimum } }
        }`,
              variables: {
                model: modelId,
                inference: record.inferenceId,
                root,
                node: cheapId.toString(),
                op: cheap.address.toLowerCase(),
              },
            }),
          });
          const body = (await res.json()) as {
            errors?: unknown;
            data: {
              model: { owner: string; royaltyPpm: number; metadataURI: string };
              proofRecord: { nodeId: string; modelId: string; outputHash: string; proofType: number; leaf: string };
              proofBatch: { nodeId: string; recordCount: string; uri: string };
              node: {
                metadataURI: string;
                priceNone: string;
                priceTee: string;
                pendingPriceNone: string;
                pendingPriceTee: string;
                priceIncreaseAt: string;
              };
              operator: { activeNodes: number };
              nodeRegistryParams: { minimumOwnStake: string };
              nodeModels: { items: { nodeId: string }[] };
              minimumStakes: { items: { mode: number; minimum: string }[] };
            };
          };
          expect(body.errors, JSON.stringify(body.errors)).to.equal(undefined);
          const onChainModel = await models.getModel(modelId);
          expect(body.data.model.owner).to.equal(builder.address.toLowerCase());
          expect(body.data.model.royaltyPpm).to.equal(Number((await models.royaltyOf(modelId)).royaltyPpm));
          expect(body.data.model.metadataURI).to.equal(onChainModel.metadataURI);
          expect(body.data.proofRecord).to.deep.equal({
            nodeId: cheapId.toString(),
            modelId,
            outputHash: record.outputHash,
            proofType: TEE,
            leaf,
          });
          // The node as the registry stores it: the decrease in force, the increase pending until priceIncreaseAt.
          const cheapNode = await nodes.getNode(cheapId);
          expect(body.data.node).to.deep.equal({
            metadataURI: raised.metadataURI,
            priceNone: cheapNode.prices[0].toString(),
            priceTee: cheapNode.prices[1].toString(),
            pendingPriceNone: cheapNode.pendingPrices[0].toString(),
            pendingPriceTee: cheapNode.pendingPrices[1].toString(),
            priceIncreaseAt: cheapNode.priceIncreaseAt.toString(),
          });
          expect(body.data.node.priceTee).to.equal(parseEther("0.02").toString());
          expect(body.data.node.pendingPriceTee).to.equal(parseEther("0.04").toString());
          expect(body.data.operator.activeNodes).to.equal(1);
          expect(BigInt(body.data.nodeRegistryParams.minimumOwnStake)).to.equal(await nodes.minimumOwnStake());
          expect(body.data.proofBatch).to.deep.equal({
            nodeId: cheapId.toString(),
            recordCount: "42",
            uri: "ipfs://batch",
          });
          expect(body.data.nodeModels.items.map((x) => x.nodeId).sort()).to.deep.equal(
            [cheapId, dearId].map(String).sort(),
          );
          const minimums = [...body.data.minimumStakes.items].sort((a, b) => a.mode - b.mode);
          for (const m of minimums) expect(BigInt(m.minimum)).to.equal(await nodes.minimumStake(m.mode));
          expect(minimums.length).to.equal(3);

          // Bad input: 400 with a reason.
          for (const route of [
            `/nodes?model=${modelId}&mode=bogus`,
            `/nodes?model=${modelId}`,
            `/nodes?model=0x1234&mode=tee`,
            `/nodes?mode=tee`,
            `/nodes?model=${modelId}&mode=tee&minStake=lots`,
            `/nodes?model=${modelId}&mode=tee&minStake=-1`,
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
