import type { BytesLike, ContractTransactionResponse, Overrides, Signer } from "ethers";

import type { ProofRegistry } from "../../typechain-types";
import type { Proofs } from "../../typechain-types/contracts/proofs/ProofRegistry";

/**
 * Opens a challenge as a challenger does: commits it (`commitChallenge` of `challengeCommitmentOf` the challenger, the
 * record and the evidence) in one block, then sends `challenge` in the next. Returns the challenge's transaction, so
 * that `expect(openChallenge(...)).to.emit(...)` and `.to.be.revertedWith...` read it as they read a direct call.
 */
export async function openChallenge(
  proofs: ProofRegistry,
  challenger: Signer,
  nodeId: bigint | number,
  root: BytesLike,
  record: Proofs.RecordStruct,
  proof: BytesLike[],
  evidence: BytesLike,
  overrides: Overrides = {},
): Promise<ContractTransactionResponse> {
  await commitChallenge(proofs, challenger, nodeId, root, record, proof, evidence);
  return proofs.connect(challenger).challenge(nodeId, root, record, proof, evidence, overrides);
}

/**
 * Commits a challenge as {openChallenge} does, without opening it: to read `challenge.staticCall` first, or ahead of a
 * `time.setNextBlockTimestamp` that the challenge itself must meet. Does nothing when already committed.
 */
export async function commitChallenge(
  proofs: ProofRegistry,
  challenger: Signer,
  nodeId: bigint | number,
  root: BytesLike,
  record: Proofs.RecordStruct,
  _proof: BytesLike[],
  evidence: BytesLike,
): Promise<void> {
  const address = await challenger.getAddress();
  const commitment = await proofs.challengeCommitmentOf(address, nodeId, root, record, evidence);
  if ((await proofs.challengeCommittedAt(address, commitment)) !== 0n) return;
  await (await proofs.connect(challenger).commitChallenge(commitment)).wait();
}
