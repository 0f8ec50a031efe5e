import type { BytesLike, ContractTransactionResponse, Overrides, Signer } from "ethers";

import type { ModelRegistry } from "../../typechain-types";

/**
 * Registers a model as a builder does: commits it (`commitModel` of `modelCommitmentOf` the owner and the id) in one
 * block, unless already committed, then sends `registerModel` in the next. Returns the registration's transaction,
 * so that `expect(commitAndRegisterModel(...)).to.emit(...)` and `.to.be.revertedWith...` read it as a direct call.
 */
export async function commitAndRegisterModel(
  models: ModelRegistry,
  owner: Signer,
  modelId: BytesLike,
  metadataURI: string,
  royaltyPpm: bigint | number,
  overrides: Overrides = {},
): Promise<ContractTransactionResponse> {
  const address = await owner.getAddress();
  const commitment = await models.modelCommitmentOf(address, modelId);
  if ((await models.modelCommittedAt(address, commitment)) === 0n) {
    await (await models.connect(owner).commitModel(commitment)).wait();
  }
  return models.connect(owner).registerModel(modelId, metadataURI, royaltyPpm, overrides);
}
