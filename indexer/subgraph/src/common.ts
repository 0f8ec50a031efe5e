/**
 * What every mapping shares: the id and the place of an event row (Ponder's `event.id` and `where(event)`), and the
 * protocol event log (Ponder's indexer/src/Protocol.ts).
 */
import { Address, BigInt, ByteArray, Bytes, Entity, Value, crypto, ethereum } from "@graphprotocol/graph-ts";

import { ProtocolEvent } from "../generated/schema";

export const ZERO_ADDRESS = Address.zero();
export const ZERO = BigInt.zero();

/** A two-column key as one id, as NodeModel, Delegation and Allowance use: "<first>-<second>". */
export function pairId(first: Bytes, second: Bytes): string {
  return first.toHexString() + "-" + second.toHexString();
}

/** An event row's id: the transaction hash and the log's index in the block, unique per event. */
export function eventId(event: ethereum.Event): Bytes {
  return event.transaction.hash.concatI32(event.logIndex.toI32());
}

/** Where an event happened, on an event row: blockNumber, timestamp, transactionHash, logIndex. */
export function where(row: Entity, event: ethereum.Event): void {
  row.set("blockNumber", Value.fromBigInt(event.block.number));
  row.set("timestamp", Value.fromBigInt(event.block.timestamp));
  row.set("transactionHash", Value.fromBytes(event.transaction.hash));
  row.set("logIndex", Value.fromI32(event.logIndex.toI32()));
}

function quoted(text: string): string {
  return '"' + text.replaceAll("\\", "\\\\").replaceAll('"', '\\"').replaceAll("\n", "\\n") + '"';
}

/** An address as viem writes it (EIP-55: a hex letter is upper-case where its nibble of keccak(lower-case hex) is >= 8). */
function checksummed(address: Address): string {
  const hex = address.toHexString().slice(2);
  const hash = crypto.keccak256(ByteArray.fromUTF8(hex));
  let out = "0x";
  for (let i = 0; i < hex.length; i++) {
    const nibble = i % 2 == 0 ? hash[i / 2] >> 4 : hash[i / 2] & 0x0f;
    out += nibble >= 8 ? hex.charAt(i).toUpperCase() : hex.charAt(i);
  }
  return out;
}

/**
 * An event argument as JSON, as Ponder's JSON.stringify of viem's decoding writes it: an integer as a decimal string
 * (a bigint), or as a JSON number when `asNumber` (viem decodes integers of 48 bits or fewer as numbers); bytes as
 * lower-case 0x hex; addresses checksummed.
 */
function json(value: ethereum.Value, asNumber: bool): string {
  switch (value.kind) {
    case ethereum.ValueKind.ADDRESS:
      return quoted(checksummed(value.toAddress()));
    case ethereum.ValueKind.FIXED_BYTES:
    case ethereum.ValueKind.BYTES:
      return quoted(value.toBytes().toHexString());
    case ethereum.ValueKind.INT:
    case ethereum.ValueKind.UINT:
      return asNumber ? value.toBigInt().toString() : quoted(value.toBigInt().toString());
    case ethereum.ValueKind.BOOL:
      return value.toBoolean() ? "true" : "false";
    case ethereum.ValueKind.STRING:
      return quoted(value.toString());
    default: {
      // arrays and tuples alike: a JSON array of their members (no protocol event has one today)
      const items =
        value.kind == ethereum.ValueKind.TUPLE ? changetype<Array<ethereum.Value>>(value.toTuple()) : value.toArray();
      const parts = new Array<string>(0);
      for (let i = 0; i < items.length; i++) parts.push(json(items[i], asNumber));
      return "[" + parts.join(",") + "]";
    }
  }
}

/**
 * Records a governance or housekeeping event with its arguments (Ponder's protocol_event rows). `numbers` names the
 * parameters of 48 bits or fewer (uint8, uint32...), which Ponder's JSON has as numbers: the mapping cannot see an
 * argument's ABI type, and test/subgraph/subgraph.test.ts checks each list against the ABI.
 */
export function logEvent(event: ethereum.Event, contract: string, name: string, numbers: string[] = []): void {
  const parts = new Array<string>(0);
  for (let i = 0; i < event.parameters.length; i++) {
    const param = event.parameters[i];
    parts.push(quoted(param.name) + ":" + json(param.value, numbers.includes(param.name)));
  }
  const row = new ProtocolEvent(eventId(event));
  row.contract = contract;
  row.name = name;
  row.args = "{" + parts.join(",") + "}";
  where(row, event);
  row.save();
}
