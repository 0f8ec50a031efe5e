import { expect } from "chai";
import { custom } from "viem";

import * as path from "node:path";

// indexer/src is ESM ("type": "module"), which ts-node's require refuses: tsx's require loads it here (its types are
// only there for the node16 resolution, hence the plain require).
const tsx = require("tsx/cjs/api") as { require: (id: string, from: string) => unknown };
const { mergingGetLogs } = tsx.require(
  path.join(__dirname, "../../indexer/src/rpc.ts"),
  __filename,
) as typeof import("../../indexer/src/rpc");

type Hex = `0x${string}`;
const A = "0x00000000000000000000000000000000000000aa" as Hex;
const B = "0x00000000000000000000000000000000000000bb" as Hex;
const C = "0x00000000000000000000000000000000000000cc" as Hex;
const T1 = `0x${"1".repeat(64)}` as Hex;
const T2 = `0x${"2".repeat(64)}` as Hex;
const T3 = `0x${"3".repeat(64)}` as Hex;

/** The node's logs of the range, whatever is asked (the transport filters them for each caller). */
const LOGS = [
  { address: A, topics: [T1], logIndex: "0x0" },
  { address: B.toUpperCase().replace("0X", "0x") as Hex, topics: [T2], logIndex: "0x1" },
  { address: A, topics: [T3], logIndex: "0x2" },
  { address: C, topics: [T1], logIndex: "0x3" },
];

/** A node that records each request and answers eth_getLogs with the LOGS its filter matches. */
function fakeNode() {
  const requests: { method: string; params: unknown }[] = [];
  const transport = custom({
    async request({ method, params }: { method: string; params: unknown }) {
      requests.push({ method, params });
      if (method !== "eth_getLogs") return "0x1";
      const [filter] = params as [{ address?: Hex | Hex[]; topics?: (Hex | Hex[])[] }];
      const addresses = [filter.address ?? []].flat().map((a) => a.toLowerCase());
      const topic0 = filter.topics?.[0];
      return LOGS.filter(
        (l) =>
          (!filter.address || addresses.includes(l.address.toLowerCase())) &&
          (!topic0 || [topic0].flat().includes(l.topics[0])),
      );
    },
  });
  const merged = mergingGetLogs(transport)({ retryCount: 0 });
  return { requests, request: merged.request as (args: { method: string; params: unknown[] }) => Promise<unknown> };
}

const range = { fromBlock: "0x10", toBlock: "0x20" } as const;
const indexes = (logs: unknown) => (logs as { logIndex: string }[]).map((l) => l.logIndex);

describe("indexer: one eth_getLogs per block range (indexer/src/rpc.ts)", () => {
  it("sends the requests of one range as one and gives each caller exactly its own logs", async () => {
    const node = fakeNode();
    const [a, b, c] = await Promise.all([
      node.request({ method: "eth_getLogs", params: [{ ...range, address: A, topics: [[T1, T3]] }] }),
      node.request({ method: "eth_getLogs", params: [{ ...range, address: B, topics: [T2] }] }),
      node.request({ method: "eth_getLogs", params: [{ ...range, address: [C], topics: [[T2]] }] }),
    ]);
    expect(node.requests).to.have.length(1);
    expect(node.requests[0].params).to.deep.equal([{ ...range, address: [A, B, C], topics: [[T1, T3, T2]] }]);
    expect(indexes(a)).to.deep.equal(["0x0", "0x2"]);
    expect(indexes(b), "the node's address in another case is still B").to.deep.equal(["0x1"]);
    expect(indexes(c), "C's log has another topic").to.deep.equal([]);
  });

  it("asks without a topic filter when one caller has none, and keeps other ranges apart", async () => {
    const node = fakeNode();
    const [a, c, other] = await Promise.all([
      node.request({ method: "eth_getLogs", params: [{ ...range, address: A }] }),
      node.request({ method: "eth_getLogs", params: [{ ...range, address: C, topics: [T1] }] }),
      node.request({ method: "eth_getLogs", params: [{ fromBlock: "0x21", toBlock: "0x30", address: A }] }),
    ]);
    expect(node.requests).to.have.length(2);
    expect(node.requests[0].params).to.deep.equal([{ ...range, address: [A, C] }]);
    expect(indexes(a)).to.deep.equal(["0x0", "0x2"]);
    expect(indexes(c)).to.deep.equal(["0x3"]);
    expect(indexes(other)).to.deep.equal(["0x0", "0x2"]);
  });

  it("passes through what it does not merge: by block hash, other topics, other methods", async () => {
    const node = fakeNode();
    const byHash = { blockHash: `0x${"a".repeat(64)}`, address: A };
    const byTopic1 = { ...range, address: A, topics: [T1, T2] };
    await Promise.all([
      node.request({ method: "eth_getLogs", params: [byHash] }),
      node.request({ method: "eth_getLogs", params: [byTopic1] }),
      node.request({ method: "eth_blockNumber", params: [] }),
    ]);
    expect(node.requests.map((r) => r.params)).to.deep.equal([[byHash], [byTopic1], []]);
  });

  it("gives every caller of a merged request the node's error", async () => {
    const failing = mergingGetLogs(
      custom({
        async request() {
          throw new Error("query returned more than 10000 results");
        },
      }),
    )({ retryCount: 0 });
    const asks = [A, B].map((address) =>
      failing.request({ method: "eth_getLogs", params: [{ ...range, address }] } as never).then(
        () => "answered",
        (error: Error) => error.message,
      ),
    );
    for (const outcome of await Promise.all(asks)) expect(outcome).to.contain("more than 10000 results");
  });
});
