"""Tests of rnn_attention.attention against the papers' equations, written out by hand."""

import math

import pytest
import torch
import torch.nn.functional as F

from rnn_attention.attention import (
    AdditiveAttention,
    DotAttention,
    GeneralAttention,
    attend,
    scaled_dot_product_attention,
)
from rnn_attention.masking import lengths_to_mask

B, DQ, DK, A = 3, 4, 5, 6  # small, so the explicit loops below stay fast


def make_module(kind: str, dtype=torch.float64, seed: int = 0):
    """One attention module of each kind, with query size DQ and key size DK (DQ for dot)."""
    torch.manual_seed(seed)
    if kind == "additive":
        module = AdditiveAttention(DQ, DK, A)
    elif kind == "general":
        module = GeneralAttention(DQ, DK)
    else:
        module = DotAttention()
    return module.to(dtype)


def key_size(kind: str) -> int:
    return DQ if kind == "dot" else DK


def make_batch(lengths, dk=DK, dtype=torch.float64, seed=0):
    """query (B, DQ), keys (B, S, dk) with garbage on padding, mask (B, S)."""
    gen = torch.Generator().manual_seed(seed)
    lengths = torch.tensor(lengths)
    S = int(lengths.max())
    query = torch.randn(len(lengths), DQ, generator=gen, dtype=dtype)
    keys = torch.randn(len(lengths), S, dk, generator=gen, dtype=dtype)
    mask = lengths_to_mask(lengths, S)
    return query, keys, mask


def softmax_and_context(scores, keys, mask):
    """alpha_ij = exp(e_ij) / sum_k exp(e_ik) over real k; c_i = sum_j alpha_ij h_j (Python floats)."""
    weights, contexts = [], []
    for b, row in enumerate(scores):
        real = [j for j in range(len(row)) if mask[b][j]]
        top = max(row[j] for j in real)
        total = sum(math.exp(row[j] - top) for j in real)
        alpha = [math.exp(row[j] - top) / total if j in real else 0.0 for j in range(len(row))]
        context = [sum(alpha[j] * keys[b][j][k] for j in range(len(row))) for k in range(len(keys[b][0]))]
        weights.append(alpha)
        contexts.append(context)
    return torch.tensor(contexts, dtype=torch.float64), torch.tensor(weights, dtype=torch.float64)


def hand_additive(attn, query, keys, mask):
    """Bahdanau et al. (2015), eq. for e_ij, with explicit loops over b, j and every index."""
    W = attn.W_a.weight.tolist()  # (A, DQ)
    U = attn.U_a.weight.tolist()  # (A, DK)
    v = attn.v_a.weight[0].tolist()  # (A,)
    s, h = query.tolist(), keys.tolist()
    scores = []
    for b in range(len(h)):
        row = []
        for j in range(len(h[b])):
            # e_bj = sum_a v_a tanh( sum_k W_ak s_bk + sum_k U_ak h_bjk )
            e = 0.0
            for a in range(len(v)):
                pre = sum(W[a][k] * s[b][k] for k in range(len(s[b])))
                pre += sum(U[a][k] * h[b][j][k] for k in range(len(h[b][j])))
                e += v[a] * math.tanh(pre)
            row.append(e)
        scores.append(row)
    return softmax_and_context(scores, h, mask.tolist())


def hand_dot(query, keys, mask):
    """Luong et al. (2015) dot: e_bj = sum_k s_bk h_bjk."""
    s, h = query.tolist(), keys.tolist()
    scores = [[sum(s[b][k] * h[b][j][k] for k in range(len(s[b]))) for j in range(len(h[b]))] for b in range(len(h))]
    return softmax_and_context(scores, h, mask.tolist())


def hand_general(attn, query, keys, mask):
    """Luong et al. (2015) general: e_bj = sum_k sum_l s_bk W_kl h_bjl."""
    W = attn.W_a.weight.tolist()  # (DQ, DK): W_a maps h into the query's space
    s, h = query.tolist(), keys.tolist()
    scores = [
        [
            sum(s[b][k] * W[k][m] * h[b][j][m] for k in range(len(s[b])) for m in range(len(h[b][j])))
            for j in range(len(h[b]))
        ]
        for b in range(len(h))
    ]
    return softmax_and_context(scores, h, mask.tolist())


def reference_additive(attn, query, keys, mask=None):
    """The same equation as one line of tensor code with torch.tanh (any length, float64)."""
    scores = torch.tanh(keys @ attn.U_a.weight.T + (query @ attn.W_a.weight.T).unsqueeze(1)) @ attn.v_a.weight[0]
    if mask is not None:
        scores = scores.masked_fill(~mask, -math.inf)
    weights = torch.softmax(scores, dim=-1)
    return torch.einsum("bs,bsk->bk", weights, keys), weights


# ---------------------------------------------------------------- against the equations


@pytest.mark.parametrize("lengths", [[5, 2, 4], [1, 1, 1], [3, 3, 3]], ids=["ragged", "one", "full"])
def test_additive_matches_bahdanau_equations_by_hand(lengths):
    attn = make_module("additive")
    query, keys, mask = make_batch(lengths)
    context, weights = attn(query, keys, mask)
    hand_context, hand_weights = hand_additive(attn, query, keys, mask)
    torch.testing.assert_close(weights, hand_weights, rtol=0, atol=1e-10)
    torch.testing.assert_close(context, hand_context, rtol=0, atol=1e-10)
    # score() alone, on the real positions, is e_ij itself
    scores = attn.score(query, keys)
    assert scores.shape == mask.shape


def test_additive_scores_match_equation_by_hand():
    attn = make_module("additive")
    query, keys, _ = make_batch([4, 4, 4])
    scores = attn.score(query, keys)  # (B, S)
    W, U, v = attn.W_a.weight.detach(), attn.U_a.weight.detach(), attn.v_a.weight[0].detach()
    for b in range(B):
        for j in range(4):
            e = sum(v[a] * math.tanh(float(W[a] @ query[b] + U[a] @ keys[b, j])) for a in range(A))
            assert abs(scores[b, j].item() - float(e)) < 1e-10


def test_dot_matches_luong_by_hand():
    attn = make_module("dot")
    query, keys, mask = make_batch([5, 2, 4], dk=DQ)
    context, weights = attn(query, keys, mask)
    hand_context, hand_weights = hand_dot(query, keys, mask)
    torch.testing.assert_close(weights, hand_weights, rtol=0, atol=1e-10)
    torch.testing.assert_close(context, hand_context, rtol=0, atol=1e-10)
    assert sum(p.numel() for p in attn.parameters()) == 0


def test_general_matches_luong_by_hand():
    attn = make_module("general")
    query, keys, mask = make_batch([5, 2, 4])
    context, weights = attn(query, keys, mask)
    hand_context, hand_weights = hand_general(attn, query, keys, mask)
    torch.testing.assert_close(weights, hand_weights, rtol=0, atol=1e-10)
    torch.testing.assert_close(context, hand_context, rtol=0, atol=1e-10)
    assert sum(p.numel() for p in attn.parameters()) == DQ * DK


def test_attend_by_hand():
    scores = torch.tensor([[0.0, math.log(3.0), 5.0]], dtype=torch.float64)
    keys = torch.tensor([[[1.0, 0.0], [0.0, 1.0], [9.0, 9.0]]], dtype=torch.float64)
    mask = torch.tensor([[True, True, False]])
    context, weights = attend(scores, keys, mask)
    torch.testing.assert_close(weights, torch.tensor([[0.25, 0.75, 0.0]], dtype=torch.float64), rtol=0, atol=1e-15)
    torch.testing.assert_close(context, torch.tensor([[0.25, 0.75]], dtype=torch.float64), rtol=0, atol=1e-15)


def test_parameter_shapes_follow_the_design():
    attn = AdditiveAttention(7, 9, 11)
    assert attn.W_a.weight.shape == (11, 7) and attn.W_a.bias is None
    assert attn.U_a.weight.shape == (11, 9) and attn.U_a.bias is None
    assert attn.v_a.weight.shape == (1, 11) and attn.v_a.bias is None


# ---------------------------------------------------------------- any length, one module


def test_same_module_handles_any_length_with_fixed_parameters():
    attn = make_module("additive", dtype=torch.float32)
    n_params = sum(p.numel() for p in attn.parameters())
    assert n_params == A * DQ + A * DK + A  # W_a, U_a, v_a: nothing depends on S
    names = [name for name, _ in attn.named_parameters()]
    for S in (1, 2, 7, 300):
        query, keys, mask = make_batch([S] * B, dtype=torch.float32, seed=S)
        context, weights = attn(query, keys, mask)
        assert context.shape == (B, DK)
        assert weights.shape == (B, S)
        torch.testing.assert_close(weights.sum(-1), torch.ones(B), rtol=0, atol=1e-5)
        ref_context, ref_weights = reference_additive(attn.double(), query.double(), keys.double())
        attn.float()
        torch.testing.assert_close(weights.double(), ref_weights, rtol=0, atol=1e-6)
        torch.testing.assert_close(context.double(), ref_context, rtol=0, atol=1e-5)
        assert sum(p.numel() for p in attn.parameters()) == n_params
        assert [name for name, _ in attn.named_parameters()] == names
        assert list(attn.buffers()) == []
    # one position: all the weight on it, and the context is that h_1
    query, keys, _ = make_batch([1] * B, dtype=torch.float32)
    context, weights = attn(query, keys)
    assert torch.equal(weights, torch.ones(B, 1))
    torch.testing.assert_close(context, keys[:, 0], rtol=0, atol=1e-6)


@pytest.mark.parametrize("kind", ["dot", "general"])
def test_luong_scores_handle_any_length(kind):
    attn = make_module(kind)
    for S in (1, 2, 7, 300):
        query, keys, mask = make_batch([S, max(1, S // 2), 1], dk=key_size(kind), seed=S)
        context, weights = attn(query, keys, mask)
        assert context.shape == (3, key_size(kind)) and weights.shape == (3, S)
        torch.testing.assert_close(weights.sum(-1), torch.ones(3, dtype=torch.float64), rtol=0, atol=1e-12)


# ---------------------------------------------------------------- padding


@pytest.mark.parametrize("kind", ["additive", "dot", "general"])
def test_garbage_in_padding_changes_nothing(kind):
    attn = make_module(kind, dtype=torch.float32)
    lengths = [7, 3, 5, 1]
    query, keys, mask = make_batch(lengths, dk=key_size(kind), dtype=torch.float32)
    outputs = []
    for seed, scale in ((1, 1.0), (2, 1e3), (3, 1e30)):
        gen = torch.Generator().manual_seed(seed)
        noisy = keys.clone()
        noisy[~mask] = torch.randn(int((~mask).sum()), keys.shape[2], generator=gen) * scale
        assert torch.isfinite(noisy).all()
        outputs.append(attn(query, noisy, mask))
    for context, weights in outputs:
        assert torch.all(weights[~mask] == 0)  # exactly 0, not just small
        assert torch.equal(context, outputs[0][0])
        assert torch.equal(weights, outputs[0][1])
        torch.testing.assert_close(weights.sum(-1), torch.ones(4), rtol=0, atol=1e-5)


@pytest.mark.parametrize("kind", ["additive", "dot", "general"])
def test_padded_batch_equals_one_by_one(kind):
    attn = make_module(kind)
    lengths = [6, 1, 4]
    query, keys, mask = make_batch(lengths, dk=key_size(kind))
    keys[~mask] = 1e6  # padding that would dominate any unmasked score
    context, weights = attn(query, keys, mask)
    for b, n in enumerate(lengths):
        c1, w1 = attn(query[b : b + 1], keys[b : b + 1, :n])  # no padding, no mask
        torch.testing.assert_close(context[b : b + 1], c1, rtol=0, atol=1e-12)
        torch.testing.assert_close(weights[b : b + 1, :n], w1, rtol=0, atol=1e-12)


# ---------------------------------------------------------------- precomputed keys


def test_project_keys_reuse_gives_identical_results():
    attn = make_module("additive", dtype=torch.float32)
    query, keys, mask = make_batch([6, 2, 5], dtype=torch.float32)
    projected_keys = attn.project_keys(keys)
    torch.testing.assert_close(projected_keys, keys @ attn.U_a.weight.T, rtol=0, atol=1e-6)  # U_a h_j
    for step in range(3):
        query = torch.tanh(query + step)  # the decoder moves on; the keys stay
        fresh = attn(query, keys, mask)
        reused = attn(query, keys, mask, projected_keys=projected_keys)
        assert torch.equal(fresh[0], reused[0])
        assert torch.equal(fresh[1], reused[1])


def test_general_project_keys_reuse_gives_identical_results():
    attn = make_module("general", dtype=torch.float32)
    query, keys, mask = make_batch([6, 2, 5], dtype=torch.float32)
    projected_keys = attn.project_keys(keys)
    fresh = attn(query, keys, mask)
    reused = attn(query, keys, mask, projected_keys=projected_keys)
    assert torch.equal(fresh[0], reused[0]) and torch.equal(fresh[1], reused[1])


def test_dot_project_keys_is_the_keys():
    keys = torch.randn(2, 3, DQ)
    assert DotAttention().project_keys(keys) is keys


def test_projected_keys_are_really_used():
    """Passing other projected keys changes the scores: the module does not silently recompute."""
    attn = make_module("additive")
    query, keys, _ = make_batch([4, 4, 4])
    projected_keys = attn.project_keys(keys)
    _, weights = attn(query, keys, projected_keys=projected_keys)
    _, other = attn(query, keys, projected_keys=projected_keys.flip(1))
    assert not torch.allclose(weights, other)


# ---------------------------------------------------------------- gradients


@pytest.mark.parametrize("kind", ["additive", "dot", "general"])
def test_gradients_reach_real_positions_and_are_exactly_zero_on_padding(kind):
    attn = make_module(kind, dtype=torch.float32)
    query, keys, mask = make_batch([6, 2, 4], dk=key_size(kind), dtype=torch.float32)
    keys[~mask] = torch.randn(int((~mask).sum()), keys.shape[2]) * 1e3  # garbage on padding
    query.requires_grad_()
    keys.requires_grad_()
    context, weights = attn(query, keys, mask)
    gen = torch.Generator().manual_seed(5)
    loss = (context * torch.randn(context.shape, generator=gen)).sum() + (
        weights * torch.randn(weights.shape, generator=gen)
    ).sum()
    loss.backward()
    assert torch.all(keys.grad[~mask] == 0)
    assert torch.all(keys.grad.norm(dim=-1)[mask] > 0)  # every real h_j gets a gradient
    assert torch.all(query.grad.norm(dim=-1) > 0)
    for name, p in attn.named_parameters():
        assert torch.isfinite(p.grad).all() and p.grad.abs().sum() > 0, name


def test_additive_gradients_match_the_tanh_equation():
    """Autograd through the module equals autograd through v_a^T tanh(W_a s + U_a h), float64."""
    attn = make_module("additive")
    query, keys, mask = make_batch([5, 3, 1])
    outputs = []
    for fn in (lambda q, k: attn(q, k, mask), lambda q, k: reference_additive(attn, q, k, mask)):
        q, k = query.clone().requires_grad_(), keys.clone().requires_grad_()
        attn.zero_grad()
        context, weights = fn(q, k)
        (context.sum() * 0.5 + (weights * torch.arange(5.0, dtype=torch.float64)).sum()).backward()
        outputs.append([q.grad, k.grad] + [p.grad.clone() for p in attn.parameters()])
    for got, expected in zip(*outputs):
        torch.testing.assert_close(got, expected, rtol=0, atol=1e-12)


def test_additive_passes_gradcheck():
    attn = make_module("additive")
    query, keys, mask = make_batch([3, 1])
    query.requires_grad_()
    keys.requires_grad_()
    assert torch.autograd.gradcheck(lambda q, k: attn(q, k, mask), (query, keys))
    projected_keys = attn.project_keys(keys.detach()).requires_grad_()
    assert torch.autograd.gradcheck(
        lambda q, pk: attn(q, keys.detach(), mask, projected_keys=pk), (query, projected_keys)
    )


@pytest.mark.parametrize("dtype, atol", [(torch.float64, 1e-12), (torch.float32, 1e-6)], ids=["float64", "float32"])
def test_fast_tanh_option_gives_the_reference_numbers(dtype, atol):
    """tanh_via_sigmoid=True: the same scores, weights, contexts and gradients as v_a^T tanh(.)."""
    reference = make_module("additive", dtype=dtype)
    fast = AdditiveAttention(DQ, DK, A, tanh_via_sigmoid=True).to(dtype)
    fast.load_state_dict(reference.state_dict())
    assert not reference.tanh_via_sigmoid and fast.tanh_via_sigmoid
    query, keys, mask = make_batch([6, 2, 4], dtype=dtype)
    torch.testing.assert_close(fast.score(query, keys), reference.score(query, keys), rtol=0, atol=atol)
    grads = []
    for module in (reference, fast):
        q, k = query.clone().requires_grad_(), keys.clone().requires_grad_()
        module.zero_grad()
        context, weights = module(q, k, mask, projected_keys=module.project_keys(k))
        (context.square().sum() + (weights * torch.arange(6.0, dtype=dtype)).sum()).backward()
        grads.append([context, weights, q.grad, k.grad] + [p.grad for p in module.parameters()])
    for got, expected in zip(grads[1], grads[0]):
        torch.testing.assert_close(got, expected, rtol=0, atol=10 * atol)
    with torch.no_grad():  # 1e-6 in float32 as well, on the tensors the model actually sees
        torch.testing.assert_close(fast(query, keys, mask)[1], reference(query, keys, mask)[1], rtol=0, atol=atol)


def test_reference_score_reads_as_the_equation():
    """score() is v_a(tanh(W_a s + U_a h)): the linear layers themselves, in that order."""
    attn = make_module("additive")
    query, keys, _ = make_batch([4, 2])
    expected = attn.v_a(torch.tanh(attn.W_a(query).unsqueeze(1) + attn.U_a(keys))).squeeze(-1)
    torch.testing.assert_close(attn.score(query, keys), expected, rtol=0, atol=0)


# ---------------------------------------------------------------- low precision


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16], ids=str)
@pytest.mark.parametrize("kind", ["additive", "dot", "general"])
def test_low_precision_weights_are_a_distribution(kind, dtype):
    attn = make_module(kind, dtype=dtype)
    query, keys, mask = make_batch([7, 1, 4], dk=key_size(kind), dtype=dtype)
    context, weights = attn(query, keys, mask)
    assert context.dtype == weights.dtype == dtype
    assert torch.isfinite(context).all() and torch.isfinite(weights).all()
    assert torch.all(weights[~mask] == 0)
    torch.testing.assert_close(weights.float().sum(-1), torch.ones(3), rtol=0, atol=1e-2)
    ref_context, ref_weights = make_module(kind).forward(query.double(), keys.double(), mask)
    torch.testing.assert_close(weights.double(), ref_weights, rtol=0, atol=5e-2)


# ---------------------------------------------------------------- scaled dot-product


def test_scaled_dot_product_matches_hand_formula():
    torch.manual_seed(6)
    q, k, v = (
        torch.randn(2, 3, 4, dtype=torch.float64),
        torch.randn(2, 5, 4, dtype=torch.float64),
        torch.randn(2, 5, 7, dtype=torch.float64),
    )
    out, weights = scaled_dot_product_attention(q, k, v)
    scores = torch.einsum("btd,bsd->bts", q, k) / 2.0  # sqrt(D) = sqrt(4)
    expected_w = torch.exp(scores - scores.amax(-1, keepdim=True))
    expected_w = expected_w / expected_w.sum(-1, keepdim=True)
    torch.testing.assert_close(weights, expected_w, rtol=0, atol=1e-12)
    torch.testing.assert_close(out, torch.einsum("bts,bsv->btv", expected_w, v), rtol=0, atol=1e-12)


@pytest.mark.parametrize("mask_kind", ["none", "key-padding", "full"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=str)
def test_scaled_dot_product_matches_torch(mask_kind, dtype):
    torch.manual_seed(7)
    Bq, T, S, D, Dv = 3, 4, 6, 8, 5
    q, k, v = (
        torch.randn(Bq, T, D, dtype=dtype),
        torch.randn(Bq, S, D, dtype=dtype),
        torch.randn(Bq, S, Dv, dtype=dtype),
    )
    if mask_kind == "none":
        mask, torch_mask = None, None
    elif mask_kind == "key-padding":
        mask = lengths_to_mask(torch.tensor([6, 2, 4]), S)  # (B, S)
        torch_mask = mask[:, None, :]  # (B, 1, S)
    else:
        mask = torch.rand(Bq, T, S) > 0.6  # (B, T, S)
        mask[torch.arange(Bq)[:, None], torch.arange(T)[None, :], torch.randint(S, (Bq, T))] = True
        torch_mask = mask
    out, weights = scaled_dot_product_attention(q, k, v, mask)
    expected = F.scaled_dot_product_attention(q, k, v, attn_mask=torch_mask)
    tol = 1e-6 if dtype == torch.float32 else 1e-12
    torch.testing.assert_close(out, expected, rtol=0, atol=tol)
    assert weights.shape == (Bq, T, S)
    torch.testing.assert_close(weights.sum(-1), torch.ones(Bq, T, dtype=dtype), rtol=0, atol=tol)
    if mask is not None:
        assert torch.all(weights.masked_select(~torch_mask.expand(Bq, T, S)) == 0)


def test_scaled_dot_product_row_with_nothing_to_attend_is_zero_not_nan():
    q, k, v = torch.randn(1, 2, 4), torch.randn(1, 3, 4), torch.randn(1, 3, 2)
    mask = torch.tensor([[[True, False, True], [False, False, False]]])
    out, weights = scaled_dot_product_attention(q, k, v, mask)
    assert not torch.isnan(out).any()
    assert torch.all(out[0, 1] == 0) and torch.all(weights[0, 1] == 0)


# ---------------------------------------------------------------- bad input

_q, _k = torch.randn(2, DQ), torch.randn(2, 5, DK)
_mask = torch.ones(2, 5, dtype=torch.bool)
_additive = AdditiveAttention(DQ, DK, A)
_general = GeneralAttention(DQ, DK)

BAD_CALLS = {
    "wrong-batch": (
        lambda: _additive(torch.randn(3, DQ), _k),
        ValueError,
        r"batch size B: query \(3, 4\), keys \(2, 5, 5\)",
    ),
    "wrong-query-size": (
        lambda: _additive(torch.randn(2, DQ + 1), _k),
        ValueError,
        r"feature size Dq=4, got shape \(2, 5\)",
    ),
    "wrong-key-size": (
        lambda: _additive(_q, torch.randn(2, 5, DK + 1)),
        ValueError,
        r"feature size Dk=5, got shape \(2, 5, 6\)",
    ),
    "unbatched-keys": (
        lambda: _additive(_q, torch.randn(5, DK)),
        ValueError,
        r"keys must have shape \(B, S, Dk\).*3 dimensions.*got shape \(5, 5\)",
    ),
    "unbatched-query": (
        lambda: _additive(torch.randn(DQ), _k),
        ValueError,
        r"query must have shape \(B, Dq\).*got shape \(4,\)",
    ),
    "keys-not-tensor": (lambda: _additive(_q, _k.tolist()), TypeError, r"keys must be a torch.Tensor.*got list"),
    "int-keys": (
        lambda: _additive(_q, torch.ones(2, 5, DK, dtype=torch.long)),
        TypeError,
        r"floating point.*got dtype torch.int64",
    ),
    "empty-keys": (lambda: _additive(_q, torch.randn(2, 0, DK)), ValueError, r"S = 0.*\(2, 0, 5\)"),
    "float-mask": (
        lambda: _additive(_q, _k, torch.ones(2, 5)),
        TypeError,
        r"torch.bool tensor of shape \(B, S\).*got torch.float32",
    ),
    "int-mask": (
        lambda: _additive(_q, _k, torch.ones(2, 5, dtype=torch.int64)),
        TypeError,
        r"torch.bool.*got torch.int64",
    ),
    "wrong-mask-length": (
        lambda: _additive(_q, _k, torch.ones(2, 4, dtype=torch.bool)),
        ValueError,
        r"mask must have shape \(B, S\) = \(2, 5\).*got \(2, 4\)",
    ),
    "wrong-mask-batch": (
        lambda: _additive(_q, _k, torch.ones(1, 5, dtype=torch.bool)),
        ValueError,
        r"\(B, S\) = \(2, 5\).*got \(1, 5\)",
    ),
    "wrong-projected-keys": (
        lambda: _additive(_q, _k, projected_keys=torch.randn(2, 5, A + 1)),
        ValueError,
        r"projected_keys must have shape \(B, S, A\) = \(2, 5, 6\).*got \(2, 5, 7\)",
    ),
    "project-wrong-key-size": (
        lambda: _additive.project_keys(torch.randn(2, 5, DK + 2)),
        ValueError,
        r"Dk=5, got shape \(2, 5, 7\)",
    ),
    "bad-module-size": (lambda: AdditiveAttention(0, DK, A), ValueError, r"query_size must be a positive int, got 0"),
    "dot-feature-mismatch": (
        lambda: DotAttention()(_q, _k),
        ValueError,
        r"same feature size.*query \(2, 4\) and keys \(2, 5, 5\)",
    ),
    "dot-float-mask": (
        lambda: DotAttention()(_q, torch.randn(2, 5, DQ), torch.zeros(2, 5)),
        TypeError,
        r"torch.bool.*got torch.float32",
    ),
    "general-wrong-key-size": (
        lambda: _general(_q, torch.randn(2, 5, DK + 1)),
        ValueError,
        r"Dk=5, got shape \(2, 5, 6\)",
    ),
    "general-wrong-batch": (
        lambda: _general(_q, torch.randn(4, 5, DK)),
        ValueError,
        r"batch size B: query \(2, 4\), keys \(4, 5, 5\)",
    ),
    "sdpa-2d-query": (
        lambda: scaled_dot_product_attention(torch.randn(3, 4), torch.randn(1, 5, 4), torch.randn(1, 5, 2)),
        ValueError,
        r"query must have shape \(B, T, D\).*got shape \(3, 4\)",
    ),
    "sdpa-wrong-batch": (
        lambda: scaled_dot_product_attention(torch.randn(2, 3, 4), torch.randn(1, 5, 4), torch.randn(1, 5, 2)),
        ValueError,
        r"batch size B, got \(2, 3, 4\), \(1, 5, 4\), \(1, 5, 2\)",
    ),
    "sdpa-wrong-D": (
        lambda: scaled_dot_product_attention(torch.randn(1, 3, 4), torch.randn(1, 5, 3), torch.randn(1, 5, 2)),
        ValueError,
        r"feature size D, got \(1, 3, 4\) and \(1, 5, 3\)",
    ),
    "sdpa-wrong-S": (
        lambda: scaled_dot_product_attention(torch.randn(1, 3, 4), torch.randn(1, 5, 4), torch.randn(1, 6, 2)),
        ValueError,
        r"length S, got \(1, 5, 4\) and \(1, 6, 2\)",
    ),
    "sdpa-float-mask": (
        lambda: scaled_dot_product_attention(
            torch.randn(1, 3, 4), torch.randn(1, 5, 4), torch.randn(1, 5, 2), torch.ones(1, 5)
        ),
        TypeError,
        r"torch.bool.*got torch.float32",
    ),
    "sdpa-wrong-mask": (
        lambda: scaled_dot_product_attention(
            torch.randn(1, 3, 4), torch.randn(1, 5, 4), torch.randn(1, 5, 2), torch.ones(1, 4, dtype=torch.bool)
        ),
        ValueError,
        r"\(B, S\) = \(1, 5\) or \(B, T, S\) = \(1, 3, 5\), got \(1, 4\)",
    ),
}


@pytest.mark.parametrize("name", list(BAD_CALLS))
def test_bad_input_raises_a_clear_error(name):
    call, exc, match = BAD_CALLS[name]
    with pytest.raises(exc, match=match):
        call()
