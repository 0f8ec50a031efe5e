// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {OPG} from "@opg/token/OPG.sol";
import {Staking} from "@opg/staking/Staking.sol";
import {NodeRegistry} from "@opg/nodes/NodeRegistry.sol";
import {ModelRegistry} from "@opg/models/ModelRegistry.sol";
import {ProofRegistry} from "@opg/proofs/ProofRegistry.sol";
import {PaymentsEscrow} from "@opg/payments/PaymentsEscrow.sol";
import {Nodes} from "@opg/types/Nodes.sol";
import {Payments} from "@opg/types/Payments.sol";

import {Handler} from "../utils/Handler.sol";
import {System} from "../utils/System.sol";

/// @notice Drives the payments escrow: deposits (also by a third party and by permit), thaws, withdrawals; EIP-712
/// vouchers signed with vm.sign by the payers' own keys, redeemed alone or in batches, replayed, tampered with, or
/// signed for another chain or contract; on-chain requests posted, fulfilled (which commits a proof record) and
/// reclaimed; node fees handed to staking, royalties and protocol fees collected; royalty and fee changes within
/// their bounds; time passing. One payer is also a node's operator, so that self-dealing is tried all along.
contract EscrowHandler is Handler {
    uint256 internal constant PPM = 1_000_000;
    uint256 public constant MAX_VOUCHERS = 64;
    uint256 public constant MAX_REQUESTS = 64;
    bytes32 internal constant DOMAIN_TYPEHASH = keccak256(
        "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)"
    );
    bytes32 internal constant PERMIT_TYPEHASH = keccak256(
        "Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)"
    );

    struct Channel {
        address payer;
        uint256 nodeId;
        bytes32 modelId;
        Nodes.Mode mode;
    }

    struct Signed {
        Payments.Voucher voucher;
        bytes signature;
    }

    /// @dev The books a payment moves, before it.
    struct Books {
        uint256 nodeFees;
        uint256 royalties;
        uint256 protocolFees;
        address operator;
        address owner;
        uint256 royaltyPpm;
        uint256 feePpm;
    }

    OPG public immutable token;
    Staking public immutable staking;
    NodeRegistry public immutable nodes;
    ModelRegistry public immutable models;
    ProofRegistry public immutable proofs;
    PaymentsEscrow public immutable escrow;

    uint256[] internal _keys;
    address[] public payers;
    address[] public operators;
    address[] public owners;
    uint256[] public nodeIds;
    bytes32[] public modelIds;
    Channel[] public channels;
    Signed[] internal _vouchers;
    uint256 internal _voucherNonce;
    uint256[] public requestIds;

    mapping(bytes32 channel => uint256 amount) public maxSigned;
    mapping(bytes32 channel => uint256 amount) public lastRedeemed;
    mapping(uint256 requestId => uint256 count) public fulfilled;
    mapping(uint256 requestId => uint256 count) public reclaimed;
    mapping(address payer => uint256 amount) public deposited;
    mapping(address payer => uint256 amount) public withdrawn;
    mapping(address payer => uint256 amount) public gross;
    uint256 public ghostGross;
    uint256 public ghostNodeFeesCollected;
    uint256 public ghostRoyaltiesCollected;
    uint256 public ghostFlushed;

    constructor(
        System memory s,
        uint256[] memory payerKeys,
        address[] memory operators_,
        address[] memory owners_,
        uint256[] memory nodeIds_,
        bytes32[] memory modelIds_
    ) {
        token = s.token;
        staking = s.staking;
        nodes = s.nodes;
        models = s.models;
        proofs = s.proofs;
        escrow = s.escrow;
        for (uint256 i; i < payerKeys.length; ++i) {
            _keys.push(payerKeys[i]);
            payers.push(vm.addr(payerKeys[i]));
        }
        operators = operators_;
        owners = owners_;
        nodeIds = nodeIds_;
        modelIds = modelIds_;
        for (uint256 p; p < payers.length; ++p) {
            for (uint256 n; n < nodeIds_.length; ++n) {
                for (uint256 m; m < modelIds_.length; ++m) {
                    channels.push(Channel(payers[p], nodeIds_[n], modelIds_[m], Nodes.Mode.None));
                    channels.push(Channel(payers[p], nodeIds_[n], modelIds_[m], Nodes.Mode.Tee));
                }
            }
        }
    }

    function maxWarp() public pure override returns (uint256) {
        return 3 days;
    }

    /// @dev After every action: no channel's redeemed amount went down, nor above what its payer signed.
    modifier channelsHold() {
        _;
        for (uint256 i; i < channels.length; ++i) {
            bytes32 key = _key(channels[i]);
            Channel memory c = channels[i];
            uint256 redeemed = escrow.redeemedOf(c.payer, c.nodeId, c.modelId, c.mode);
            _check(redeemed >= lastRedeemed[key], "channel", "redeemedOf went down");
            _check(redeemed <= maxSigned[key], "channel", "redeemedOf above the largest signed cumulative amount");
            lastRedeemed[key] = redeemed;
        }
    }

    /*//////////////////////////////////////////////////////////////////////////
                                  DEPOSITS AND THAWS
    //////////////////////////////////////////////////////////////////////////*/

    function deposit(uint256 payerSeed, bool byThirdParty, uint256 amount) external tick("deposit") channelsHold {
        address payer = _pick(payers, payerSeed);
        address from = byThirdParty ? address(this) : payer;
        amount = bound(amount, 1, token.balanceOf(from) / 4 + 1);
        vm.prank(from);
        escrow.deposit(payer, amount);
        deposited[payer] += amount;
    }

    function depositWithPermit(uint256 payerSeed, uint256 amount) external tick("depositWithPermit") channelsHold {
        uint256 index = payerSeed % payers.length;
        address payer = payers[index];
        amount = bound(amount, 1, token.balanceOf(payer) / 4 + 1);
        uint256 deadline = block.timestamp + 1 hours;
        bytes32 digest = keccak256(
            abi.encodePacked(
                "\x19\x01",
                token.DOMAIN_SEPARATOR(),
                keccak256(abi.encode(PERMIT_TYPEHASH, payer, address(escrow), amount, token.nonces(payer), deadline))
            )
        );
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(_keys[index], digest);
        vm.prank(payer);
        escrow.depositWithPermit(amount, deadline, v, r, s);
        deposited[payer] += amount;
    }

    /// @notice A payer moves part of its free balance into its escrow with an operator (never itself).
    function fundEscrow(uint256 payerSeed, uint256 opSeed, uint256 amount) external tick("fundEscrow") channelsHold {
        address payer = _pick(payers, payerSeed);
        address op = _pick(operators, opSeed);
        uint256 free = escrow.balanceOf(payer);
        if (op == payer || free == 0) return;
        amount = bound(amount, 1, free);
        uint256 before = escrow.getEscrow(payer, op).balance;
        vm.prank(payer);
        escrow.fundEscrow(op, amount);
        _check(escrow.getEscrow(payer, op).balance == before + amount, "withdraw", "funding moved other than asked");
    }

    /// @notice A payer takes part of its free balance out at once.
    function withdrawBalance(uint256 payerSeed, uint256 amount) external tick("withdrawBalance") channelsHold {
        address payer = _pick(payers, payerSeed);
        uint256 free = escrow.balanceOf(payer);
        if (free == 0) return;
        amount = bound(amount, 1, free);
        uint256 before = token.balanceOf(payer);
        vm.prank(payer);
        escrow.withdrawBalance(amount);
        _check(token.balanceOf(payer) == before + amount, "withdraw", "withdrawBalance paid other than asked");
        withdrawn[payer] += amount;
    }

    function thaw(uint256 payerSeed, uint256 opSeed, uint256 amount) external tick("thaw") channelsHold {
        address payer = _pick(payers, payerSeed);
        address op = _pick(operators, opSeed);
        amount = bound(amount, 0, escrow.getEscrow(payer, op).balance);
        vm.prank(payer);
        escrow.thaw(op, amount);
    }

    function withdraw(uint256 payerSeed, uint256 opSeed) external tick("withdraw") channelsHold {
        address payer = _pick(payers, payerSeed);
        address op = _pick(operators, opSeed);
        Payments.Account memory a = escrow.getEscrow(payer, op);
        if (a.thawEndsAt == 0 || block.timestamp < a.thawEndsAt) return;
        uint256 before = token.balanceOf(payer);
        vm.prank(payer);
        uint256 amount = escrow.withdraw(op);
        _check(amount == a.thawing, "withdraw", "withdraw paid other than what was left of the thaw");
        _check(token.balanceOf(payer) == before + amount, "withdraw", "the payer got other than withdraw said");
        withdrawn[payer] += amount;
    }

    /*//////////////////////////////////////////////////////////////////////////
                                      VOUCHERS
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice A payer signs its channel's next cumulative amount, sometimes backdated, sometimes short-lived.
    function signVoucher(
        uint256 channelSeed,
        uint256 increment,
        uint256 backdate,
        uint256 lifetime
    ) external tick("signVoucher") channelsHold {
        uint256 index = channelSeed % channels.length;
        Channel memory c = channels[index];
        bytes32 key = _key(c);
        // Mostly whole OPG, sometimes dust.
        uint256 cumulative =
            maxSigned[key] + (increment % 4 == 0 ? bound(increment, 1, 1e18) : bound(increment, 1e18, 100_000e18));
        Payments.Voucher memory v = Payments.Voucher({
            payer: c.payer,
            nodeId: c.nodeId,
            modelId: c.modelId,
            mode: c.mode,
            cumulativeAmount: uint128(cumulative),
            issuedAt: uint64(block.timestamp - bound(backdate, 0, 3 days)),
            expiry: uint64(
                block.timestamp + (lifetime % 8 == 0 ? bound(lifetime, 0, 1 hours) : bound(lifetime, 1 days, 30 days))
            )
        });
        bytes32 digest = _digest(v, block.chainid, address(escrow));
        _check(digest == escrow.voucherDigest(v), "foreign", "the digest is not over this chain and contract");
        Signed memory signed = Signed(v, _sign(_keyOf(c.payer), digest));
        if (_vouchers.length < MAX_VOUCHERS) _vouchers.push(signed);
        else _vouchers[_voucherNonce % MAX_VOUCHERS] = signed;
        ++_voucherNonce;
        maxSigned[key] = cumulative;
    }

    /// @notice Redeems a stored voucher (the newest of its channel or an older one: a replay), by anyone.
    function redeem(uint256 voucherSeed, uint256 callerSeed) external tick("redeem") channelsHold {
        if (_vouchers.length == 0) return;
        Signed memory sv = _vouchers[voucherSeed % _vouchers.length];
        Payments.Voucher memory v = sv.voucher;
        if (v.expiry < block.timestamp) return;
        (address operator, ) = nodes.nodeOperatorOf(v.nodeId);
        if (operator == v.payer) {
            _trySelfDealing(sv);
            return;
        }
        uint256 expected = _expectedPaid(v);
        if (expected == 0) return;
        Books memory before = _books(v.nodeId, v.modelId, v.issuedAt);
        vm.prank(_pick(payers, callerSeed));
        uint256 paid = escrow.redeem(v, sv.signature);
        _check(paid == expected, "voucher", "redeem paid other than min(owed, available)");
        _afterPayment(v.payer, before, paid);
    }

    /// @notice Redeems up to three stored vouchers in one batch (possibly the same one twice: only one pays).
    function redeemBatch(uint256 a, uint256 b, uint256 c) external tick("redeemBatch") channelsHold {
        if (_vouchers.length == 0) return;
        Payments.Voucher[] memory vs = new Payments.Voucher[](3);
        bytes[] memory sigs = new bytes[](3);
        uint256[3] memory seeds = [a, b, c];
        for (uint256 i; i < 3; ++i) {
            Signed memory sv = _vouchers[seeds[i] % _vouchers.length];
            (vs[i], sigs[i]) = (sv.voucher, sv.signature);
        }
        uint256[] memory balances = new uint256[](payers.length);
        for (uint256 p; p < payers.length; ++p) balances[p] = _escrowed(payers[p]);
        uint256 owedBefore = _owedTotal();
        uint256 paid = escrow.redeemBatch(vs, sigs);
        uint256 sum;
        for (uint256 p; p < payers.length; ++p) {
            uint256 spent = balances[p] - _escrowed(payers[p]);
            gross[payers[p]] += spent;
            sum += spent;
        }
        _check(sum == paid, "voucher", "a batch took from payers other than it paid");
        _check(_owedTotal() == owedBefore + paid, "split", "a batch's splits do not add up to what it paid");
        ghostGross += paid;
        ghostNodeFeesCollected = staking.feesDistributed();
    }

    /// @notice A stored voucher signed for another chain or another contract, or with a field changed after
    /// signing: none of them may ever pay.
    function redeemForeign(uint256 voucherSeed, uint256 how) external tick("redeemForeign") channelsHold {
        if (_vouchers.length == 0) return;
        Signed memory sv = _vouchers[voucherSeed % _vouchers.length];
        Payments.Voucher memory v = sv.voucher;
        bytes memory signature;
        how %= 4;
        if (how == 0) signature = _sign(_keyOf(v.payer), _digest(v, block.chainid + 1, address(escrow)));
        else if (how == 1) signature = _sign(_keyOf(v.payer), _digest(v, block.chainid, address(staking)));
        else {
            signature = sv.signature;
            if (how == 2) v.cumulativeAmount += 1;
            else v.modelId = v.modelId == modelIds[0] ? modelIds[1] : modelIds[0];
        }
        try escrow.redeem(v, signature) returns (uint256 paid) {
            _check(paid == 0, "foreign", "a voucher for another chain or contract, or a tampered one, paid");
        } catch {}
    }

    /*//////////////////////////////////////////////////////////////////////////
                                      REQUESTS
    //////////////////////////////////////////////////////////////////////////*/

    function postRequest(
        uint256 payerSeed,
        uint256 modelSeed,
        bool tee,
        uint256 feeCap,
        uint256 deadline,
        uint256 nodeChoice
    ) external tick("postRequest") channelsHold {
        if (requestIds.length >= MAX_REQUESTS) return;
        address payer = _pick(payers, payerSeed);
        uint256 available = escrow.balanceOf(payer);
        if (available == 0) return;
        feeCap = bound(feeCap, 1, available);
        nodeChoice %= nodeIds.length + 1;
        vm.prank(payer);
        uint256 id = escrow.postRequest(
            modelIds[modelSeed % modelIds.length],
            keccak256(abi.encode("input", feeCap)),
            tee ? Nodes.Mode.Tee : Nodes.Mode.None,
            feeCap,
            uint64(block.timestamp + bound(deadline, 1, 1 days)),
            nodeChoice == 0 ? 0 : nodeIds[nodeChoice - 1]
        );
        requestIds.push(id);
    }

    /// @notice The node's operator sends a heartbeat and fulfils an open request.
    function fulfil(uint256 requestSeed, uint256 nodeSeed) external tick("fulfil") channelsHold {
        if (requestIds.length == 0) return;
        uint256 id = requestIds[requestSeed % requestIds.length];
        Payments.Request memory r = escrow.getRequest(id);
        if (r.status != Payments.RequestStatus.Open || block.timestamp > r.deadline) return;
        uint256 nodeId = r.nodeId != 0 ? r.nodeId : nodeIds[nodeSeed % nodeIds.length];
        (address operator, bool serving) = nodes.nodeOperatorOf(nodeId);
        if (!serving) return;
        uint256 price = nodes.priceOf(nodeId, r.mode);
        if (price > r.feeCap) return;
        if (operator == r.payer) {
            vm.prank(operator);
            nodes.heartbeat(nodeId);
            vm.prank(operator);
            try escrow.fulfil(id, nodeId, bytes32("output"), bytes32("proof")) {
                _check(false, "selfDealing", "a node's operator was paid for its own request");
            } catch {}
            return;
        }
        if (r.nodeId == 0) {
            // An open request pays only an answer committed in an earlier block.
            bytes32 commitment = escrow.fulfilmentCommitmentOf(id, nodeId, bytes32("output"), bytes32("proof"));
            vm.prank(operator);
            escrow.commitFulfilment(id, nodeId, commitment);
            _nextBlock();
            if (block.timestamp > r.deadline) return;
        }
        Books memory before = _books(nodeId, r.modelId, r.postedAt);
        uint256 balance = escrow.balanceOf(r.payer);
        vm.startPrank(operator);
        nodes.heartbeat(nodeId);
        escrow.fulfil(id, nodeId, bytes32("output"), bytes32("proof"));
        vm.stopPrank();
        ++fulfilled[id];
        _check(escrow.balanceOf(r.payer) == balance + r.feeCap - price, "request", "refund != cap - price");
        _check(
            proofs.getRecord(nodeId, escrow.requestInferenceId(id)).challengeableUntil != 0,
            "request",
            "no proof record for the fulfilled request"
        );
        _afterPayment(r.payer, before, price);
    }

    function reclaim(uint256 requestSeed) external tick("reclaim") channelsHold {
        if (requestIds.length == 0) return;
        uint256 id = requestIds[requestSeed % requestIds.length];
        Payments.Request memory r = escrow.getRequest(id);
        if (r.status != Payments.RequestStatus.Open || block.timestamp <= r.deadline) return;
        uint256 balance = escrow.balanceOf(r.payer);
        escrow.reclaim(id);
        ++reclaimed[id];
        _check(escrow.balanceOf(r.payer) == balance + r.feeCap, "request", "reclaim refunded other than cap");
    }

    /*//////////////////////////////////////////////////////////////////////////
                                    COLLECTIONS
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice An operator claims the node fees (and rewards) credited to it in staking.
    function claimNodeFees(uint256 opSeed) external tick("claimNodeFees") channelsHold {
        address op = _pick(operators, opSeed);
        uint256 owed = staking.claimableRewards(op, op);
        if (owed == 0) return;
        uint256 before = token.balanceOf(op);
        vm.prank(op);
        uint256 amount = staking.claimRewards(op);
        _check(amount == owed && token.balanceOf(op) == before + amount, "collect", "claim paid other than owed");
    }

    function collectRoyalties(uint256 ownerSeed) external tick("collectRoyalties") channelsHold {
        address owner = _pick(owners, ownerSeed);
        uint256 owed = escrow.royaltiesOf(owner);
        if (owed == 0) return;
        uint256 before = token.balanceOf(owner);
        vm.prank(owner);
        uint256 amount = escrow.collectRoyalties();
        _check(amount == owed && token.balanceOf(owner) == before + amount, "collect", "royalties not all paid");
        ghostRoyaltiesCollected += amount;
    }

    function flushProtocolFees() external tick("flushProtocolFees") channelsHold {
        uint256 pending = escrow.protocolFeesPending();
        if (pending == 0) return;
        uint256 supply = token.totalSupply();
        uint256 amount = escrow.flushProtocolFees();
        _check(amount == pending && token.totalSupply() == supply - amount, "collect", "fees not all burned");
        ghostFlushed += amount;
    }

    /*//////////////////////////////////////////////////////////////////////////
                                    GOVERNANCE
    //////////////////////////////////////////////////////////////////////////*/

    /// @notice A model owner changes its royalty within the bound (an increase applies a week later).
    function setRoyalty(uint256 modelSeed, uint256 ppm) external tick("setRoyalty") channelsHold {
        uint256 index = modelSeed % modelIds.length;
        ppm = bound(ppm, 0, models.maxRoyaltyPpm());
        vm.prank(owners[index]);
        models.setRoyalty(modelIds[index], uint32(ppm));
    }

    /// @notice Governance moves the protocol fee within its bound, or the largest royalty within its own.
    function setFees(uint256 which, uint256 ppm) external tick("setFees") channelsHold {
        if (which % 2 == 0) escrow.setProtocolFee(uint32(bound(ppm, 0, escrow.MAX_PROTOCOL_FEE_PPM())));
        else models.setMaxRoyalty(uint32(bound(ppm, 0, models.MAX_ROYALTY_BOUND_PPM())));
    }

    /*//////////////////////////////////////////////////////////////////////////
                                      INTERNAL
    //////////////////////////////////////////////////////////////////////////*/

    function _expectedPaid(Payments.Voucher memory v) internal view returns (uint256) {
        uint256 redeemed = escrow.redeemedOf(v.payer, v.nodeId, v.modelId, v.mode);
        if (v.cumulativeAmount <= redeemed) return 0;
        uint256 owed = v.cumulativeAmount - redeemed;
        (address op, bool serving) = nodes.nodeOperatorOf(v.nodeId);
        if (!serving) return 0;
        Payments.Account memory a = escrow.getEscrow(v.payer, op);
        // A voucher signed before the thaw began may take the thawing funds too; a newer one may not.
        uint256 available = v.issuedAt < a.thawStartedAt ? a.balance : a.balance - a.thawing;
        return owed < available ? owed : available;
    }

    function _trySelfDealing(Signed memory sv) internal {
        try escrow.redeem(sv.voucher, sv.signature) returns (uint256 paid) {
            _check(paid == 0, "selfDealing", "a node's operator was paid by its own voucher");
        } catch {}
    }

    function _books(uint256 nodeId, bytes32 modelId, uint64 agreedAt) internal view returns (Books memory b) {
        (b.operator, ) = nodes.nodeOperatorOf(nodeId);
        uint32 royaltyPpm;
        (b.owner, royaltyPpm) = models.royaltyFor(modelId, agreedAt);
        b.royaltyPpm = royaltyPpm;
        b.feePpm = escrow.protocolFeeFor(agreedAt);
        b.nodeFees = staking.feesDistributed();
        b.royalties = escrow.royaltiesOf(b.owner);
        b.protocolFees = escrow.protocolFeesPending();
    }

    /// @dev The payment was split exactly: fee and royalty rounded down, the node the rest, adding up to `paid`.
    function _afterPayment(address payer, Books memory before, uint256 paid) internal {
        uint256 fee = (paid * before.feePpm) / PPM;
        uint256 royalty = (paid * before.royaltyPpm) / PPM;
        uint256 nodeShare = staking.feesDistributed() - before.nodeFees;
        _check(escrow.protocolFeesPending() - before.protocolFees == fee, "split", "protocol fee != gross * fee");
        _check(escrow.royaltiesOf(before.owner) - before.royalties == royalty, "split", "royalty != gross * royalty");
        _check(nodeShare + fee + royalty == paid, "split", "node + royalty + fee != gross");
        gross[payer] += paid;
        ghostGross += paid;
        ghostNodeFeesCollected += nodeShare;
    }

    /// @dev What a payer holds in its escrows with every operator.
    function _escrowed(address payer) internal view returns (uint256 sum) {
        for (uint256 i; i < operators.length; ++i) sum += escrow.getEscrow(payer, operators[i]).balance;
    }

    function _owedTotal() internal view returns (uint256 sum) {
        sum = escrow.protocolFeesPending() + staking.feesDistributed();
        for (uint256 i; i < owners.length; ++i) sum += escrow.royaltiesOf(owners[i]);
    }

    function _digest(Payments.Voucher memory v, uint256 chainId, address verifier) internal view returns (bytes32) {
        bytes32 domain = keccak256(
            abi.encode(DOMAIN_TYPEHASH, keccak256("OPG Payments"), keccak256("1"), chainId, verifier)
        );
        bytes32 structHash = keccak256(
            abi.encode(
                escrow.VOUCHER_TYPEHASH(),
                v.payer,
                v.nodeId,
                v.modelId,
                v.mode,
                v.cumulativeAmount,
                v.issuedAt,
                v.expiry
            )
        );
        return keccak256(abi.encodePacked("\x19\x01", domain, structHash));
    }

    function _sign(uint256 key, bytes32 digest) internal pure returns (bytes memory) {
        (uint8 v, bytes32 r, bytes32 s) = vm.sign(key, digest);
        return abi.encodePacked(r, s, v);
    }

    function _keyOf(address payer) internal view returns (uint256) {
        for (uint256 i; i < payers.length; ++i) if (payers[i] == payer) return _keys[i];
        revert("unknown payer");
    }

    function _key(Channel memory c) internal pure returns (bytes32) {
        return keccak256(abi.encode(c.payer, c.nodeId, c.modelId, c.mode));
    }

    /*//////////////////////////////////////////////////////////////////////////
                                       VIEWS
    //////////////////////////////////////////////////////////////////////////*/

    function channelKey(uint256 index) external view returns (bytes32) {
        return _key(channels[index]);
    }

    function channelCount() external view returns (uint256) {
        return channels.length;
    }

    function requestCount() external view returns (uint256) {
        return requestIds.length;
    }

    function payerCount() external view returns (uint256) {
        return payers.length;
    }

    function operatorCount() external view returns (uint256) {
        return operators.length;
    }

    function ownerCount() external view returns (uint256) {
        return owners.length;
    }
}
