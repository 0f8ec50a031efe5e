/*
OPG
├── deployment
│   ├── it has the name "OpenGradient", the symbol "OPG" and 18 decimals
│   ├── it mints the whole supply (1,000,000,000 OPG) to the genesis account, in one Transfer from zero
│   └── it exposes the supply as TOTAL_SUPPLY
├── supply
│   ├── the ABI has no function whose name contains "mint"
│   ├── burn
│   │   ├── when the amount exceeds the balance → it reverts ERC20InsufficientBalance(account, balance, amount)
│   │   └── when the amount is within the balance → it lowers the balance and the total supply
│   ├── burnFrom
│   │   ├── when the allowance is too small → it reverts ERC20InsufficientAllowance(spender, allowance, amount)
│   │   └── when the allowance covers it → it lowers the balance, the allowance and the total supply
│   └── across a sequence of transfers, approvals and burns → the total supply never goes up
├── transfer
│   ├── when the amount exceeds the balance → it reverts ERC20InsufficientBalance(from, balance, amount)
│   ├── when the receiver is zero → it reverts ERC20InvalidReceiver(0)
│   └── when the amount is within the balance → it moves the amount; it emits Transfer
├── transferFrom
│   ├── when the allowance is too small → it reverts ERC20InsufficientAllowance(spender, allowance, amount)
│   ├── when the allowance covers it but the balance does not → it reverts ERC20InsufficientBalance
│   ├── when the allowance covers it → it moves the amount and spends the allowance
│   └── when the allowance is unlimited → it moves the amount and keeps the allowance
├── permit (EIP-2612, domain read from eip712Domain())
│   ├── the domain names the token, version 1, this chain and this contract; DOMAIN_SEPARATOR matches it
│   ├── when signed by the owner before the deadline → it sets the allowance; it uses the nonce
│   ├── when the deadline is the block timestamp → it is accepted
│   ├── when the deadline has passed → it reverts ERC2612ExpiredSignature(deadline)
│   ├── when replayed → it reverts ERC2612InvalidSigner(recovered, owner)
│   └── when signed by another account → it reverts ERC2612InvalidSigner(signer, owner)
└── votes (ERC-5805, timestamp clock)
    ├── clock() is the latest block timestamp; CLOCK_MODE() is "mode=timestamp"
    ├── given no delegation → a holder has no votes
    ├── delegate → the delegatee gets the balance as votes; it emits DelegateChanged and DelegateVotesChanged
    ├── delegateBySig
    │   ├── when signed and fresh → it delegates for the signer and uses the nonce
    │   ├── when replayed → it reverts InvalidAccountNonce(signer, nonce)
    │   └── when expired → it reverts VotesExpiredSignature(expiry)
    ├── getPastVotes / getPastTotalSupply → the value at a past timestamp; the present or future reverts
    └── transfers between delegated accounts move the votes between their delegatees
*/

import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import type { TypedDataDomain } from "ethers";

import { OPG__factory } from "../../typechain-types";
import type { OPG } from "../../typechain-types";
import { OPG_DECIMALS, opg } from "../../deploy/lib/format";
import { PERMIT_TYPES, domainOf as readDomain, signDelegation, signPermit } from "../helpers/protocol";

/** The whole supply, in wei: one billion tokens of 18 decimals. */
const SUPPLY = opg(1_000_000_000n);

/*//////////////////////////////////////////////////////////////////////////
                                    FIXTURE
//////////////////////////////////////////////////////////////////////////*/

/** What genesis sends each of alice, bob and carol after deployment. */
const FUNDS = opg(1_000n);

/** OPG deployed with `genesis` as the genesis account, which then funds alice, bob and carol. */
async function deployOpgFixture() {
  const [genesis, alice, bob, carol, dave, spender] = await ethers.getSigners();
  const token = await new OPG__factory(genesis).deploy(genesis.address);
  await token.waitForDeployment();
  const tokenAddress = await token.getAddress();
  const deployTx = token.deploymentTransaction()!;
  const deployBlock = (await deployTx.wait())!.blockNumber;
  for (const holder of [alice, bob, carol]) await token.connect(genesis).transfer(holder.address, FUNDS);
  return { token, tokenAddress, deployTx, deployBlock, genesis, alice, bob, carol, dave, spender };
}

type Fixture = Awaited<ReturnType<typeof deployOpgFixture>>;

/*//////////////////////////////////////////////////////////////////////////
                                    HELPERS
//////////////////////////////////////////////////////////////////////////*/

/** The EIP-712 domain as the contract reports it (ERC-5267), never hard-coded. */
async function domainOf(token: OPG): Promise<TypedDataDomain> {
  const [fields] = await token.eip712Domain();
  // 0x0f: name, version, chainId and verifyingContract are set; salt and extensions are not.
  expect(fields).to.equal("0x0f");
  return readDomain(token);
}

async function balances(token: OPG, accounts: string[]): Promise<bigint[]> {
  return Promise.all(accounts.map((a) => token.balanceOf(a)));
}

/** Transfers and asserts: the two balances move by `amount`, every bystander and the supply stay. */
async function transferAndCheck(
  f: Fixture,
  from: HardhatEthersSigner,
  to: string,
  amount: bigint,
  bystanders: string[] = [],
) {
  const { token } = f;
  const [fromBefore, toBefore] = await balances(token, [from.address, to]);
  const othersBefore = await balances(token, bystanders);
  const supplyBefore = await token.totalSupply();

  await expect(token.connect(from).transfer(to, amount)).to.emit(token, "Transfer").withArgs(from.address, to, amount);

  if (from.address === to) {
    // A transfer to oneself emits the event and moves nothing.
    expect(await token.balanceOf(to)).to.equal(toBefore);
  } else {
    expect(await token.balanceOf(from.address)).to.equal(fromBefore - amount);
    expect(await token.balanceOf(to)).to.equal(toBefore + amount);
  }
  expect(await balances(token, bystanders)).to.deep.equal(othersBefore);
  expect(await token.totalSupply()).to.equal(supplyBefore);
}

/** transferFrom and asserts: balances move, the allowance drops by `amount` (unless unlimited), the supply stays. */
async function transferFromAndCheck(
  f: Fixture,
  spender: HardhatEthersSigner,
  from: string,
  to: string,
  amount: bigint,
) {
  const { token } = f;
  const [fromBefore, toBefore, spenderBefore] = await balances(token, [from, to, spender.address]);
  const allowanceBefore = await token.allowance(from, spender.address);
  const supplyBefore = await token.totalSupply();

  await expect(token.connect(spender).transferFrom(from, to, amount))
    .to.emit(token, "Transfer")
    .withArgs(from, to, amount);

  expect(await token.balanceOf(from)).to.equal(fromBefore - amount);
  expect(await token.balanceOf(to)).to.equal(toBefore + amount);
  expect(await token.balanceOf(spender.address)).to.equal(spenderBefore);
  const expectedAllowance = allowanceBefore === ethers.MaxUint256 ? allowanceBefore : allowanceBefore - amount;
  expect(await token.allowance(from, spender.address)).to.equal(expectedAllowance);
  expect(await token.totalSupply()).to.equal(supplyBefore);
}

/** Burns and asserts: the balance and the total supply drop by `amount`; the votes of the delegate too. */
async function burnAndCheck(f: Fixture, account: HardhatEthersSigner, amount: bigint) {
  const { token } = f;
  const balanceBefore = await token.balanceOf(account.address);
  const supplyBefore = await token.totalSupply();
  const delegatee = await token.delegates(account.address);
  const votesBefore = delegatee === ethers.ZeroAddress ? 0n : await token.getVotes(delegatee);

  await expect(token.connect(account).burn(amount))
    .to.emit(token, "Transfer")
    .withArgs(account.address, ethers.ZeroAddress, amount);

  expect(await token.balanceOf(account.address)).to.equal(balanceBefore - amount);
  expect(await token.totalSupply()).to.equal(supplyBefore - amount);
  if (delegatee !== ethers.ZeroAddress) expect(await token.getVotes(delegatee)).to.equal(votesBefore - amount);
}

/** burnFrom and asserts: the balance, the allowance and the total supply drop by `amount`; the spender's stays. */
async function burnFromAndCheck(f: Fixture, spender: HardhatEthersSigner, account: string, amount: bigint) {
  const { token } = f;
  const [accountBefore, spenderBefore] = await balances(token, [account, spender.address]);
  const allowanceBefore = await token.allowance(account, spender.address);
  const supplyBefore = await token.totalSupply();

  await expect(token.connect(spender).burnFrom(account, amount))
    .to.emit(token, "Transfer")
    .withArgs(account, ethers.ZeroAddress, amount);

  expect(await token.balanceOf(account)).to.equal(accountBefore - amount);
  expect(await token.balanceOf(spender.address)).to.equal(spenderBefore);
  expect(await token.allowance(account, spender.address)).to.equal(allowanceBefore - amount);
  expect(await token.totalSupply()).to.equal(supplyBefore - amount);
}

/** Delegates and asserts: the old delegatee loses the balance as votes, the new one gains it, the balance stays. */
async function delegateAndCheck(f: Fixture, account: HardhatEthersSigner, delegatee: string) {
  const { token } = f;
  const balance = await token.balanceOf(account.address);
  const previous = await token.delegates(account.address);
  const previousVotes = await token.getVotes(previous);
  const newVotes = await token.getVotes(delegatee);

  const tx = token.connect(account).delegate(delegatee);
  await expect(tx).to.emit(token, "DelegateChanged").withArgs(account.address, previous, delegatee);
  if (balance > 0n)
    await expect(tx)
      .to.emit(token, "DelegateVotesChanged")
      .withArgs(delegatee, newVotes, newVotes + balance);

  expect(await token.delegates(account.address)).to.equal(delegatee);
  expect(await token.getVotes(delegatee)).to.equal(newVotes + balance);
  if (previous !== ethers.ZeroAddress) expect(await token.getVotes(previous)).to.equal(previousVotes - balance);
  expect(await token.balanceOf(account.address)).to.equal(balance);
}

/*//////////////////////////////////////////////////////////////////////////
                                     TESTS
//////////////////////////////////////////////////////////////////////////*/

describe("OPG", function () {
  describe("deployment", function () {
    it("has the name OpenGradient, the symbol OPG and 18 decimals", async function () {
      const { token } = await loadFixture(deployOpgFixture);
      expect(await token.name()).to.equal("OpenGradient");
      expect(await token.symbol()).to.equal("OPG");
      expect(await token.decimals()).to.equal(BigInt(OPG_DECIMALS));
      expect(OPG_DECIMALS).to.equal(18);
    });

    it("mints the whole supply to the genesis account and nothing to anyone else", async function () {
      const { token, genesis, alice, tokenAddress, deployBlock } = await loadFixture(deployOpgFixture);
      const atDeployment = { blockTag: deployBlock };
      expect(SUPPLY).to.equal(10n ** 9n * 10n ** 18n);
      expect(await token.TOTAL_SUPPLY()).to.equal(SUPPLY);
      expect(await token.totalSupply(atDeployment)).to.equal(SUPPLY);
      expect(await token.balanceOf(genesis.address, atDeployment)).to.equal(SUPPLY);
      expect(await token.balanceOf(alice.address, atDeployment)).to.equal(0n);
      expect(await token.balanceOf(tokenAddress, atDeployment)).to.equal(0n);
      // The funding of the fixture only moved tokens.
      expect(await token.totalSupply()).to.equal(SUPPLY);
      expect(await token.balanceOf(genesis.address)).to.equal(SUPPLY - 3n * FUNDS);
    });

    it("emits one Transfer from zero to the genesis account for the whole supply", async function () {
      const { token, deployTx, genesis } = await loadFixture(deployOpgFixture);
      await expect(deployTx).to.emit(token, "Transfer").withArgs(ethers.ZeroAddress, genesis.address, SUPPLY);
      const receipt = (await deployTx.wait())!;
      const transfers = receipt.logs.filter((log) => token.interface.parseLog(log)?.name === "Transfer");
      expect(transfers).to.have.length(1);
    });
  });

  describe("supply", function () {
    it("has no function whose name contains mint in its ABI", async function () {
      const { token } = await loadFixture(deployOpgFixture);
      const names: string[] = [];
      token.interface.forEachFunction((fn) => names.push(fn.name));
      const fragmentNames = token.interface.fragments
        .filter((fragment) => fragment.type === "function")
        .map((fragment) => (fragment as unknown as { name: string }).name);
      // The lists are not empty, so the check below is not vacuous.
      expect(fragmentNames).to.include.members(["transfer", "burn", "burnFrom", "permit", "delegate"]);
      expect(fragmentNames).to.have.members(names);
      expect(fragmentNames.filter((name) => name.toLowerCase().includes("mint"))).to.deep.equal([]);
    });

    describe("burn", function () {
      it("reverts ERC20InsufficientBalance when the amount exceeds the balance", async function () {
        const f = await loadFixture(deployOpgFixture);
        await expect(f.token.connect(f.alice).burn(FUNDS + 1n))
          .to.be.revertedWithCustomError(f.token, "ERC20InsufficientBalance")
          .withArgs(f.alice.address, FUNDS, FUNDS + 1n);
        expect(await f.token.totalSupply()).to.equal(SUPPLY);
      });

      it("lowers the balance and the total supply", async function () {
        const f = await loadFixture(deployOpgFixture);
        await burnAndCheck(f, f.alice, opg(400n));
        await burnAndCheck(f, f.alice, FUNDS - opg(400n));
        expect(await f.token.balanceOf(f.alice.address)).to.equal(0n);
        expect(await f.token.totalSupply()).to.equal(SUPPLY - FUNDS);
      });

      it("lowers the votes of the burner's delegatee", async function () {
        const f = await loadFixture(deployOpgFixture);
        await delegateAndCheck(f, f.alice, f.bob.address);
        await burnAndCheck(f, f.alice, opg(250n));
        expect(await f.token.getVotes(f.bob.address)).to.equal(FUNDS - opg(250n));
      });
    });

    describe("burnFrom", function () {
      it("reverts ERC20InsufficientAllowance when the allowance is too small", async function () {
        const f = await loadFixture(deployOpgFixture);
        await f.token.connect(f.alice).approve(f.spender.address, opg(10n));
        await expect(f.token.connect(f.spender).burnFrom(f.alice.address, opg(10n) + 1n))
          .to.be.revertedWithCustomError(f.token, "ERC20InsufficientAllowance")
          .withArgs(f.spender.address, opg(10n), opg(10n) + 1n);
        expect(await f.token.totalSupply()).to.equal(SUPPLY);
        expect(await f.token.balanceOf(f.alice.address)).to.equal(FUNDS);
      });

      it("lowers the balance, the allowance and the total supply", async function () {
        const f = await loadFixture(deployOpgFixture);
        await f.token.connect(f.alice).approve(f.spender.address, opg(10n));
        await burnFromAndCheck(f, f.spender, f.alice.address, opg(6n));
        await burnFromAndCheck(f, f.spender, f.alice.address, opg(4n));
        expect(await f.token.allowance(f.alice.address, f.spender.address)).to.equal(0n);
        expect(await f.token.totalSupply()).to.equal(SUPPLY - opg(10n));
      });
    });

    it("never goes up across transfers, approvals, permits, delegations and burns", async function () {
      const f = await loadFixture(deployOpgFixture);
      const { token } = f;
      let last = await token.totalSupply();
      let burned = 0n;
      const step = async (action: () => Promise<unknown>, burns = 0n) => {
        await action();
        burned += burns;
        const supply = await token.totalSupply();
        expect(supply <= last).to.equal(true);
        expect(supply).to.equal(SUPPLY - burned);
        last = supply;
      };
      await step(() => transferAndCheck(f, f.alice, f.bob.address, opg(5n)));
      await step(() => token.connect(f.bob).approve(f.spender.address, opg(50n)));
      await step(() => transferFromAndCheck(f, f.spender, f.bob.address, f.carol.address, opg(20n)));
      await step(() => delegateAndCheck(f, f.carol, f.carol.address));
      await step(() => burnAndCheck(f, f.carol, opg(3n)), opg(3n));
      await step(() => burnFromAndCheck(f, f.spender, f.bob.address, opg(30n)), opg(30n));
      const deadline = BigInt(await time.latest()) + 3600n;
      const { signature } = await signPermit(token, f.dave, f.spender.address, 0n, deadline);
      await step(() =>
        token.permit(f.dave.address, f.spender.address, 0n, deadline, signature.v, signature.r, signature.s),
      );
      await step(() => burnAndCheck(f, f.genesis, opg(1_000_000n)), opg(1_000_000n));
    });
  });

  describe("transfer", function () {
    it("reverts ERC20InsufficientBalance when the amount exceeds the balance", async function () {
      const f = await loadFixture(deployOpgFixture);
      await expect(f.token.connect(f.alice).transfer(f.bob.address, FUNDS + 1n))
        .to.be.revertedWithCustomError(f.token, "ERC20InsufficientBalance")
        .withArgs(f.alice.address, FUNDS, FUNDS + 1n);
      await expect(f.token.connect(f.dave).transfer(f.bob.address, 1n))
        .to.be.revertedWithCustomError(f.token, "ERC20InsufficientBalance")
        .withArgs(f.dave.address, 0n, 1n);
      expect(await balances(f.token, [f.alice.address, f.bob.address])).to.deep.equal([FUNDS, FUNDS]);
    });

    it("reverts ERC20InvalidReceiver when the receiver is zero", async function () {
      const f = await loadFixture(deployOpgFixture);
      await expect(f.token.connect(f.alice).transfer(ethers.ZeroAddress, 1n))
        .to.be.revertedWithCustomError(f.token, "ERC20InvalidReceiver")
        .withArgs(ethers.ZeroAddress);
    });

    it("moves the amount and leaves everyone else alone", async function () {
      const f = await loadFixture(deployOpgFixture);
      await transferAndCheck(f, f.genesis, f.dave.address, opg(123n), [f.alice.address, f.bob.address]);
      await transferAndCheck(f, f.alice, f.bob.address, FUNDS, [f.carol.address, f.dave.address]);
      await transferAndCheck(f, f.bob, f.bob.address, opg(1n), [f.alice.address]);
      await transferAndCheck(f, f.carol, f.dave.address, 0n, [f.alice.address]);
      expect(await f.token.balanceOf(f.alice.address)).to.equal(0n);
      expect(await f.token.balanceOf(f.bob.address)).to.equal(2n * FUNDS);
      expect(await f.token.balanceOf(f.dave.address)).to.equal(opg(123n));
    });
  });

  describe("transferFrom", function () {
    it("reverts ERC20InsufficientAllowance when the allowance is too small", async function () {
      const f = await loadFixture(deployOpgFixture);
      await expect(f.token.connect(f.spender).transferFrom(f.alice.address, f.bob.address, 1n))
        .to.be.revertedWithCustomError(f.token, "ERC20InsufficientAllowance")
        .withArgs(f.spender.address, 0n, 1n);
      await f.token.connect(f.alice).approve(f.spender.address, opg(7n));
      await expect(f.token.connect(f.spender).transferFrom(f.alice.address, f.bob.address, opg(7n) + 1n))
        .to.be.revertedWithCustomError(f.token, "ERC20InsufficientAllowance")
        .withArgs(f.spender.address, opg(7n), opg(7n) + 1n);
      expect(await f.token.allowance(f.alice.address, f.spender.address)).to.equal(opg(7n));
    });

    it("reverts ERC20InsufficientBalance when the allowance covers it but the balance does not", async function () {
      const f = await loadFixture(deployOpgFixture);
      await f.token.connect(f.alice).approve(f.spender.address, FUNDS * 2n);
      await expect(f.token.connect(f.spender).transferFrom(f.alice.address, f.bob.address, FUNDS + 1n))
        .to.be.revertedWithCustomError(f.token, "ERC20InsufficientBalance")
        .withArgs(f.alice.address, FUNDS, FUNDS + 1n);
    });

    it("moves the amount and spends the allowance", async function () {
      const f = await loadFixture(deployOpgFixture);
      await expect(f.token.connect(f.alice).approve(f.spender.address, opg(30n)))
        .to.emit(f.token, "Approval")
        .withArgs(f.alice.address, f.spender.address, opg(30n));
      await transferFromAndCheck(f, f.spender, f.alice.address, f.bob.address, opg(10n));
      await transferFromAndCheck(f, f.spender, f.alice.address, f.dave.address, opg(20n));
      expect(await f.token.allowance(f.alice.address, f.spender.address)).to.equal(0n);
      await expect(f.token.connect(f.spender).transferFrom(f.alice.address, f.bob.address, 1n))
        .to.be.revertedWithCustomError(f.token, "ERC20InsufficientAllowance")
        .withArgs(f.spender.address, 0n, 1n);
    });

    it("keeps an unlimited allowance unlimited", async function () {
      const f = await loadFixture(deployOpgFixture);
      await f.token.connect(f.alice).approve(f.spender.address, ethers.MaxUint256);
      await transferFromAndCheck(f, f.spender, f.alice.address, f.bob.address, opg(10n));
      expect(await f.token.allowance(f.alice.address, f.spender.address)).to.equal(ethers.MaxUint256);
    });
  });

  describe("permit", function () {
    it("reads a domain that names the token, version 1, this chain and this contract", async function () {
      const { token, tokenAddress } = await loadFixture(deployOpgFixture);
      const domain = await domainOf(token);
      const { chainId } = await ethers.provider.getNetwork();
      expect(domain.name).to.equal(await token.name());
      expect(domain.version).to.equal("1");
      expect(domain.chainId).to.equal(chainId);
      expect(domain.verifyingContract).to.equal(tokenAddress);
      expect(await token.DOMAIN_SEPARATOR()).to.equal(ethers.TypedDataEncoder.hashDomain(domain));
    });

    it("sets the allowance and uses the nonce when signed by the owner", async function () {
      const f = await loadFixture(deployOpgFixture);
      const { token, alice, spender, carol } = f;
      const value = opg(42n);
      const deadline = BigInt(await time.latest()) + 3600n;
      const nonceBefore = await token.nonces(alice.address);
      const { domain, message, signature } = await signPermit(token, alice, spender.address, value, deadline);
      expect(ethers.verifyTypedData(domain, PERMIT_TYPES, message, signature)).to.equal(alice.address);

      // Anyone may submit it; here carol relays.
      await expect(
        token
          .connect(carol)
          .permit(alice.address, spender.address, value, deadline, signature.v, signature.r, signature.s),
      )
        .to.emit(token, "Approval")
        .withArgs(alice.address, spender.address, value);

      expect(await token.allowance(alice.address, spender.address)).to.equal(value);
      expect(await token.nonces(alice.address)).to.equal(nonceBefore + 1n);
      expect(await token.nonces(carol.address)).to.equal(0n);
      expect(await token.balanceOf(alice.address)).to.equal(FUNDS);
      await transferFromAndCheck(f, spender, alice.address, carol.address, value);
    });

    it("accepts a permit whose deadline is the block timestamp", async function () {
      const { token, alice, spender } = await loadFixture(deployOpgFixture);
      const deadline = BigInt(await time.latest()) + 100n;
      const { signature } = await signPermit(token, alice, spender.address, 5n, deadline);
      await time.setNextBlockTimestamp(deadline);
      await token.permit(alice.address, spender.address, 5n, deadline, signature.v, signature.r, signature.s);
      expect(await token.allowance(alice.address, spender.address)).to.equal(5n);
    });

    it("reverts ERC2612ExpiredSignature once the deadline has passed", async function () {
      const { token, alice, spender } = await loadFixture(deployOpgFixture);
      const deadline = BigInt(await time.latest()) + 100n;
      const { signature } = await signPermit(token, alice, spender.address, 5n, deadline);
      await time.setNextBlockTimestamp(deadline + 1n);
      await expect(token.permit(alice.address, spender.address, 5n, deadline, signature.v, signature.r, signature.s))
        .to.be.revertedWithCustomError(token, "ERC2612ExpiredSignature")
        .withArgs(deadline);
      expect(await token.allowance(alice.address, spender.address)).to.equal(0n);
      expect(await token.nonces(alice.address)).to.equal(0n);
    });

    it("reverts ERC2612InvalidSigner when a permit is replayed", async function () {
      const { token, alice, spender } = await loadFixture(deployOpgFixture);
      const deadline = BigInt(await time.latest()) + 3600n;
      const { domain, message, signature } = await signPermit(token, alice, spender.address, 5n, deadline);
      const args = [alice.address, spender.address, 5n, deadline, signature.v, signature.r, signature.s] as const;
      await token.permit(...args);
      await token.connect(alice).approve(spender.address, 0n);

      // The contract now hashes the next nonce, so the signature recovers to some other address.
      const recovered = ethers.verifyTypedData(
        domain,
        PERMIT_TYPES,
        { ...message, nonce: message.nonce + 1n },
        signature,
      );
      expect(recovered).to.not.equal(alice.address);
      await expect(token.permit(...args))
        .to.be.revertedWithCustomError(token, "ERC2612InvalidSigner")
        .withArgs(recovered, alice.address);
      expect(await token.allowance(alice.address, spender.address)).to.equal(0n);
      expect(await token.nonces(alice.address)).to.equal(1n);
    });

    it("reverts ERC2612InvalidSigner when signed by another account", async function () {
      const { token, alice, bob, spender } = await loadFixture(deployOpgFixture);
      const deadline = BigInt(await time.latest()) + 3600n;
      const { signature } = await signPermit(token, alice, spender.address, 5n, deadline, { signer: bob });
      await expect(token.permit(alice.address, spender.address, 5n, deadline, signature.v, signature.r, signature.s))
        .to.be.revertedWithCustomError(token, "ERC2612InvalidSigner")
        .withArgs(bob.address, alice.address);
      expect(await token.nonces(alice.address)).to.equal(0n);
    });
  });

  describe("votes", function () {
    it("runs on a timestamp clock: clock() is the latest block timestamp", async function () {
      const { token } = await loadFixture(deployOpgFixture);
      expect(await token.CLOCK_MODE()).to.equal("mode=timestamp");
      expect(await token.clock()).to.equal(BigInt(await time.latest()));
      const later = BigInt(await time.latest()) + 12_345n;
      await time.increaseTo(later);
      expect(await token.clock()).to.equal(later);
      expect(await token.clock()).to.equal(BigInt(await time.latest()));
    });

    it("gives a holder no votes until it delegates", async function () {
      const f = await loadFixture(deployOpgFixture);
      expect(await f.token.getVotes(f.genesis.address)).to.equal(0n);
      expect(await f.token.getVotes(f.alice.address)).to.equal(0n);
      expect(await f.token.delegates(f.alice.address)).to.equal(ethers.ZeroAddress);
      await delegateAndCheck(f, f.alice, f.alice.address);
      expect(await f.token.getVotes(f.alice.address)).to.equal(FUNDS);
      expect(await f.token.getVotes(f.genesis.address)).to.equal(0n);
    });

    it("moves the votes when the delegation changes", async function () {
      const f = await loadFixture(deployOpgFixture);
      await delegateAndCheck(f, f.alice, f.bob.address);
      await delegateAndCheck(f, f.carol, f.bob.address);
      expect(await f.token.getVotes(f.bob.address)).to.equal(2n * FUNDS);
      await delegateAndCheck(f, f.alice, f.dave.address);
      expect(await f.token.getVotes(f.bob.address)).to.equal(FUNDS);
      expect(await f.token.getVotes(f.dave.address)).to.equal(FUNDS);
    });

    describe("delegateBySig", function () {
      it("delegates for the signer and uses its nonce", async function () {
        const f = await loadFixture(deployOpgFixture);
        const { token, alice, bob, carol } = f;
        const expiry = BigInt(await time.latest()) + 3600n;
        const signature = await signDelegation(token, alice, bob.address, 0n, expiry);

        await expect(token.connect(carol).delegateBySig(bob.address, 0n, expiry, signature.v, signature.r, signature.s))
          .to.emit(token, "DelegateChanged")
          .withArgs(alice.address, ethers.ZeroAddress, bob.address);

        expect(await token.delegates(alice.address)).to.equal(bob.address);
        expect(await token.delegates(carol.address)).to.equal(ethers.ZeroAddress);
        expect(await token.getVotes(bob.address)).to.equal(FUNDS);
        expect(await token.getVotes(carol.address)).to.equal(0n);
        expect(await token.nonces(alice.address)).to.equal(1n);
      });

      it("reverts InvalidAccountNonce when replayed", async function () {
        const { token, alice, bob } = await loadFixture(deployOpgFixture);
        const expiry = BigInt(await time.latest()) + 3600n;
        const signature = await signDelegation(token, alice, bob.address, 0n, expiry);
        await token.delegateBySig(bob.address, 0n, expiry, signature.v, signature.r, signature.s);
        await token.connect(alice).delegate(alice.address);

        await expect(token.delegateBySig(bob.address, 0n, expiry, signature.v, signature.r, signature.s))
          .to.be.revertedWithCustomError(token, "InvalidAccountNonce")
          .withArgs(alice.address, 1n);
        expect(await token.delegates(alice.address)).to.equal(alice.address);
      });

      it("reverts VotesExpiredSignature once the expiry has passed", async function () {
        const { token, alice, bob } = await loadFixture(deployOpgFixture);
        const expiry = BigInt(await time.latest()) + 100n;
        const signature = await signDelegation(token, alice, bob.address, 0n, expiry);
        await time.setNextBlockTimestamp(expiry + 1n);
        await expect(token.delegateBySig(bob.address, 0n, expiry, signature.v, signature.r, signature.s))
          .to.be.revertedWithCustomError(token, "VotesExpiredSignature")
          .withArgs(expiry);
        expect(await token.delegates(alice.address)).to.equal(ethers.ZeroAddress);
      });
    });

    describe("getPastVotes and getPastTotalSupply", function () {
      it("return the values at a past timestamp", async function () {
        const f = await loadFixture(deployOpgFixture);
        const { token, alice, bob } = f;
        const t0 = BigInt(await time.latest());
        const t1 = t0 + 1_000n;
        const t2 = t1 + 1_000n;
        const t3 = t2 + 1_000n;

        await time.setNextBlockTimestamp(t1);
        await token.connect(alice).delegate(alice.address);
        await time.setNextBlockTimestamp(t2);
        await token.connect(bob).transfer(alice.address, opg(100n));
        await time.setNextBlockTimestamp(t3);
        await token.connect(alice).burn(opg(50n));
        await time.increase(10);

        expect(await token.getPastVotes(alice.address, t1 - 1n)).to.equal(0n);
        expect(await token.getPastVotes(alice.address, t1)).to.equal(FUNDS);
        expect(await token.getPastVotes(alice.address, t2 - 1n)).to.equal(FUNDS);
        expect(await token.getPastVotes(alice.address, t2)).to.equal(FUNDS + opg(100n));
        expect(await token.getPastVotes(alice.address, t3)).to.equal(FUNDS + opg(50n));
        expect(await token.getVotes(alice.address)).to.equal(FUNDS + opg(50n));

        expect(await token.getPastTotalSupply(t3 - 1n)).to.equal(SUPPLY);
        expect(await token.getPastTotalSupply(t3)).to.equal(SUPPLY - opg(50n));
      });

      it("revert ERC5805FutureLookup for the present and the future", async function () {
        const { token, alice } = await loadFixture(deployOpgFixture);
        const now = BigInt(await time.latest());
        await expect(token.getPastVotes(alice.address, now))
          .to.be.revertedWithCustomError(token, "ERC5805FutureLookup")
          .withArgs(now, now);
        await expect(token.getPastTotalSupply(now + 1n))
          .to.be.revertedWithCustomError(token, "ERC5805FutureLookup")
          .withArgs(now + 1n, now);
      });
    });

    it("moves the votes with transfers between delegated accounts", async function () {
      const f = await loadFixture(deployOpgFixture);
      const { token, alice, bob, carol, dave } = f;
      await delegateAndCheck(f, alice, alice.address);
      await delegateAndCheck(f, bob, carol.address);

      const [aliceVotes, carolVotes] = [await token.getVotes(alice.address), await token.getVotes(carol.address)];
      await expect(token.connect(alice).transfer(bob.address, opg(300n)))
        .to.emit(token, "DelegateVotesChanged")
        .withArgs(alice.address, aliceVotes, aliceVotes - opg(300n));
      expect(await token.getVotes(alice.address)).to.equal(aliceVotes - opg(300n));
      expect(await token.getVotes(carol.address)).to.equal(carolVotes + opg(300n));
      expect(await token.getVotes(bob.address)).to.equal(0n);

      // To an account that has not delegated: the votes leave the sender's delegatee and go nowhere.
      await transferAndCheck(f, bob, dave.address, opg(200n));
      expect(await token.getVotes(carol.address)).to.equal(carolVotes + opg(100n));
      expect(await token.getVotes(dave.address)).to.equal(0n);

      // From an account that has not delegated: the receiver's delegatee gains them.
      await transferAndCheck(f, dave, alice.address, opg(200n));
      expect(await token.getVotes(alice.address)).to.equal(aliceVotes - opg(100n));
    });
  });
});
