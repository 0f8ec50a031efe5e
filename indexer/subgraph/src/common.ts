/**
 * What every mapping shares: the id and the place of an event row (Ponder's `event.id` and `where(event)`), and the
 * log of the events the Ponder indexer has no table for.
 */
import { Address, BigInt, Bytes, Entity, Value, ethereum } from "@graphprotocol/graph-ts";

import { ContractEvent } from "../generated/schema";

export const ZERO_ADDRESS = Address.zero();
export const ZERO = BigInt.zero();

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

/** An event argument as JSON: numbers as decimal strings (they exceed JSON's safe integers), bytes as 0x hex. */
function json(value: ethereum.Value): string {
  switch (value.kind) {
    case ethereum.ValueKind.ADDRESS:
      return quoted(value.toAddress().toHexString());
    case ethereum.ValueKind.FIXED_BYTES:
    case ethereum.ValueKind.BYTES:
      return quoted(value.toBytes().toHexString());
    case ethereum.ValueKind.INT:
    case ethereum.ValueKind.UINT:
      return quoted(value.toBigInt().toString());
    case ethereum.ValueKind.BOOL:
      return value.toBoolean() ? "true" : "false";
    case ethereum.ValueKind.STRING:
      return quoted(value.toString());
    default: {
      // arrays and tuples alike: a JSON array of their members
      const items =
        value.kind == ethereum.ValueKind.TUPLE ? changetype<Array<ethereum.Value>>(value.toTuple()) : value.toArray();
      const parts = new Array<string>(0);
      for (let i = 0; i < items.length; i++) parts.push(json(items[i]));
      return "[" + parts.join(",") + "]";
    }
  }
}

/** Records an event the Ponder indexer does not table, with its arguments, so that the subgraph drops none. */
export function logEvent(event: ethereum.Event, contract: string, name: string): void {
  const parts = new Array<string>(0);
  for (let i = 0; i < event.parameters.length; i++) {
    const param = event.parameters[i];
    parts.push(quoted(param.name) + ":" + json(param.value));
  }
  const row = new ContractEvent(eventId(event));
  row.contract = contract;
  row.address = event.address;
  row.event = name;
  row.args = "{" + parts.join(",") + "}";
  where(row, event);
  row.save();
}
