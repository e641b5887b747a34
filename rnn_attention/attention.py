"""Attention modules: a fixed set of parameters that scores inputs of any length.

Introduced in notebook 02 (the score a(s_{i-1}, h_j)); notebook 00 already calls AdditiveAttention.

Every module here answers the course's question in code. Its parameters
depend only on the sizes of the states (query_size, key_size, attn_size),
never on the source length S. The weights alpha are *computed*, one per
position, by applying the same score function to every encoder state h_j:

    e_ij     = a(s_{i-1}, h_j)                     one score per position j
    alpha_ij = exp(e_ij) / sum_k exp(e_ik)         a distribution over the S positions
    c_i      = sum_j alpha_ij h_j                  the size of one h_j, whatever S is

Shapes use B (batch), S (source length), T (target length), Dq (query size),
Dk (key size), A (attention size). Every module returns (context, attn_weights).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .masking import masked_softmax

__all__ = [
    "AdditiveAttention",
    "DotAttention",
    "GeneralAttention",
    "scaled_dot_product_attention",
    "attend",
    "v_tanh_via_sigmoid",
]


def _check_tensor(x, name: str, dims: int, what: str) -> None:
    """Raise a clear error unless x is a floating tensor with `dims` dimensions."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor of shape {what}, got {type(x).__name__}")
    if x.dim() != dims:
        raise ValueError(f"{name} must have shape {what} ({dims} dimensions), got shape {tuple(x.shape)}")
    if not x.is_floating_point():
        raise TypeError(f"{name} must be a floating point tensor, got dtype {x.dtype}")


def _check_bool_mask(mask, shape: str) -> None:
    """Raise a TypeError unless mask is a torch.bool tensor; `shape` says which shape is expected."""
    if not isinstance(mask, torch.Tensor) or mask.dtype != torch.bool:
        got = mask.dtype if isinstance(mask, torch.Tensor) else type(mask).__name__
        raise TypeError(f"mask must be a torch.bool tensor of shape {shape}, got {got}")


def _autocasting() -> bool:
    """True inside torch.autocast (mixed precision), where tensors of two dtypes meet by design."""
    return any(torch.is_autocast_enabled(device) for device in ("cpu", "cuda"))


def _check_sizes(**sizes) -> None:
    """Raise a ValueError unless every size is a positive int (bool is not a size)."""
    for name, value in sizes.items():
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")


def _check_inputs(query, keys, mask, query_size: int | None, key_size: int | None) -> None:
    """Validate query (B, Dq), keys (B, S, Dk) and mask (B, S) before attending."""
    _check_tensor(query, "query", 2, "(B, Dq) = s_{i-1}")
    _check_tensor(keys, "keys", 3, "(B, S, Dk) = h_1..h_S")
    if query.shape[0] != keys.shape[0]:
        raise ValueError(
            f"query and keys disagree on the batch size B: query {tuple(query.shape)}, keys {tuple(keys.shape)}"
        )
    if query.dtype != keys.dtype and not _autocasting():
        raise TypeError(f"query and keys must have the same dtype, got query {query.dtype} and keys {keys.dtype}")
    if keys.shape[1] == 0:
        raise ValueError(f"keys have no positions (S = 0), shape {tuple(keys.shape)}: nothing to attend to")
    if query_size is not None and query.shape[1] != query_size:
        raise ValueError(f"query must have feature size Dq={query_size}, got shape {tuple(query.shape)}")
    if key_size is not None and keys.shape[2] != key_size:
        raise ValueError(f"keys must have feature size Dk={key_size}, got shape {tuple(keys.shape)}")
    if mask is not None:
        _check_bool_mask(mask, "(B, S) with True = real token")
        if tuple(mask.shape) != tuple(keys.shape[:2]):
            raise ValueError(
                f"mask must have shape (B, S) = {tuple(keys.shape[:2])} to match keys, got {tuple(mask.shape)}"
            )


def attend(scores: torch.Tensor, keys: torch.Tensor, mask: torch.Tensor | None = None):
    """From scores e_i. (B, S) and keys h_j (B, S, Dk) to (context c_i, weights alpha_i.)."""
    # alpha_ij = softmax_j(e_ij), only over the real positions
    attn_weights = masked_softmax(scores, mask, dim=-1)  # (B, S)
    # c_i = sum_j alpha_ij h_j: a weighted sum, one vector of size Dk
    context = torch.bmm(attn_weights.unsqueeze(1), keys).squeeze(1)  # (B, Dk)
    return context, attn_weights


def v_tanh_via_sigmoid(x: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """v^T tanh(x) over the last axis, computed as 2 v^T sigmoid(2x) - sum_k v_k (faster on a CPU).

    The identity tanh(x) = 2 sigmoid(2x) - 1 gives v^T tanh(x) = 2 v^T sigmoid(2x) - sum_k v_k.
    x is overwritten: pass a fresh tensor that autograd has not saved (W_a s + U_a h is one).
    """
    hidden = torch.sigmoid_(x.mul_(2))  # (..., A) = sigmoid(2x), in place: no extra memory pass
    return torch.matmul(hidden, 2 * v) - v.sum()  # (...,): one fused matrix-vector product


class AdditiveAttention(nn.Module):
    """Bahdanau et al. (2015): e_ij = v_a^T tanh(W_a s_{i-1} + U_a h_j).

    `score` computes the equation as it reads. tanh_via_sigmoid=True computes the
    same numbers through tanh(x) = 2 sigmoid(2x) - 1, which is faster on a CPU
    (PyTorch's CPU tanh costs several times its sigmoid); `make bench` reports both.
    """

    def __init__(self, query_size: int, key_size: int, attn_size: int, tanh_via_sigmoid: bool = False):
        super().__init__()
        _check_sizes(query_size=query_size, key_size=key_size, attn_size=attn_size)
        self.query_size, self.key_size, self.attn_size = query_size, key_size, attn_size
        self.tanh_via_sigmoid = bool(tanh_via_sigmoid)
        self.W_a = nn.Linear(query_size, attn_size, bias=False)  # looks at s_{i-1}
        self.U_a = nn.Linear(key_size, attn_size, bias=False)  # looks at h_j
        self.v_a = nn.Linear(attn_size, 1, bias=False)  # turns A numbers into one score

    def project_keys(self, keys: torch.Tensor) -> torch.Tensor:
        """U_a h_j for every j: it does not depend on i, so compute it once per sentence."""
        _check_tensor(keys, "keys", 3, "(B, S, Dk) = h_1..h_S")
        if keys.shape[2] != self.key_size:
            raise ValueError(f"keys must have feature size Dk={self.key_size}, got shape {tuple(keys.shape)}")
        return self.U_a(keys)  # (B, S, A)

    def score(self, query: torch.Tensor, keys: torch.Tensor, projected_keys: torch.Tensor | None = None):
        """The alignment scores e_ij for one decoder step: (B, Dq), (B, S, Dk) -> (B, S)."""
        if projected_keys is None:
            projected_keys = self.project_keys(keys)  # (B, S, A)
        elif tuple(projected_keys.shape) != (*keys.shape[:2], self.attn_size):
            raise ValueError(
                f"projected_keys must have shape (B, S, A) = {(*keys.shape[:2], self.attn_size)}, "
                f"got {tuple(projected_keys.shape)}; compute it with project_keys(keys)"
            )
        projected_query = self.W_a(query)  # (B, A)
        x = projected_keys + projected_query.unsqueeze(1)  # (B, S, A): W_a s_{i-1} + U_a h_j
        if self.tanh_via_sigmoid:
            return v_tanh_via_sigmoid(x, self.v_a.weight.squeeze(0))  # (B, S), the same numbers
        # e_ij = v_a^T tanh(W_a s_{i-1} + U_a h_j); the same v_a, W_a, U_a for every j
        return self.v_a(torch.tanh(x)).squeeze(-1)  # (B, S)

    def forward(self, query, keys, mask=None, projected_keys=None):
        """Attend with query s_{i-1} (B, Dq) over keys h_j (B, S, Dk); return (c_i, alpha_i.)."""
        _check_inputs(query, keys, mask, self.query_size, self.key_size)
        scores = self.score(query, keys, projected_keys)  # (B, S)
        return attend(scores, keys, mask)


class DotAttention(nn.Module):
    """Luong et al. (2015) dot score: e_ij = s_i^T h_j. No parameters at all."""

    def project_keys(self, keys: torch.Tensor) -> torch.Tensor:
        """Nothing to precompute for the dot score: the keys are used as they are."""
        _check_tensor(keys, "keys", 3, "(B, S, Dk) = h_1..h_S")
        return keys  # (B, S, Dk)

    def score(self, query, keys):
        """e_ij = s^T h_j for every j: (B, D), (B, S, D) -> (B, S)."""
        if query.shape[-1] != keys.shape[-1]:
            raise ValueError(
                f"the dot score needs query and keys of the same feature size, "
                f"got query {tuple(query.shape)} and keys {tuple(keys.shape)}"
            )
        return torch.bmm(keys, query.unsqueeze(2)).squeeze(2)  # (B, S)

    def forward(self, query, keys, mask=None, projected_keys=None):
        """Attend with query (B, D) over keys (B, S, D); return (context, attn_weights).

        projected_keys is accepted so that every attention module is called the same way;
        the dot score has nothing to precompute (project_keys returns the keys as they are).
        """
        _check_inputs(query, keys, mask, None, None)
        return attend(self.score(query, keys), keys, mask)


class GeneralAttention(nn.Module):
    """Luong et al. (2015) general score: e_ij = s_i^T W_a h_j."""

    def __init__(self, query_size: int, key_size: int):
        super().__init__()
        _check_sizes(query_size=query_size, key_size=key_size)
        self.query_size, self.key_size = query_size, key_size
        self.W_a = nn.Linear(key_size, query_size, bias=False)  # maps h_j into the query's space

    def project_keys(self, keys: torch.Tensor) -> torch.Tensor:
        """W_a h_j for every j, computed once per sentence."""
        _check_tensor(keys, "keys", 3, "(B, S, Dk) = h_1..h_S")
        if keys.shape[2] != self.key_size:
            raise ValueError(f"keys must have feature size Dk={self.key_size}, got shape {tuple(keys.shape)}")
        return self.W_a(keys)  # (B, S, Dq)

    def score(self, query, keys, projected_keys=None):
        """e_ij = s^T (W_a h_j): (B, Dq), (B, S, Dk) -> (B, S)."""
        if projected_keys is None:
            projected_keys = self.project_keys(keys)  # (B, S, Dq)
        return torch.bmm(projected_keys, query.unsqueeze(2)).squeeze(2)  # (B, S)

    def forward(self, query, keys, mask=None, projected_keys=None):
        """Attend with query (B, Dq) over keys (B, S, Dk); return (context, attn_weights)."""
        _check_inputs(query, keys, mask, self.query_size, self.key_size)
        return attend(self.score(query, keys, projected_keys), keys, mask)


def scaled_dot_product_attention(query, key, value, mask=None):
    """softmax(Q K^T / sqrt(d)) V, with every query position attending at once.

    query (B, T, D), key (B, S, D), value (B, S, Dv); mask (B, S) for key
    padding or (B, T, S), True = may attend. Returns (output (B, T, Dv), weights (B, T, S)).
    """
    _check_tensor(query, "query", 3, "(B, T, D)")
    _check_tensor(key, "key", 3, "(B, S, D)")
    _check_tensor(value, "value", 3, "(B, S, Dv)")
    if not (query.shape[0] == key.shape[0] == value.shape[0]):
        raise ValueError(
            f"query, key and value must share the batch size B, got {tuple(query.shape)}, "
            f"{tuple(key.shape)}, {tuple(value.shape)}"
        )
    if query.shape[2] != key.shape[2]:
        raise ValueError(
            f"query and key must share the feature size D, got {tuple(query.shape)} and {tuple(key.shape)}"
        )
    if key.shape[1] != value.shape[1]:
        raise ValueError(f"key and value must share the length S, got {tuple(key.shape)} and {tuple(value.shape)}")
    if query.shape[2] == 0 or key.shape[1] == 0:
        raise ValueError(
            f"need D >= 1 features and S >= 1 keys to attend (the scale 1/sqrt(D) is undefined at D = 0), "
            f"got query {tuple(query.shape)} and key {tuple(key.shape)}"
        )
    if not (query.dtype == key.dtype == value.dtype) and not _autocasting():
        raise TypeError(f"query, key and value must share one dtype, got {query.dtype}, {key.dtype}, {value.dtype}")
    B, T, D = query.shape
    S = key.shape[1]
    if mask is not None:
        _check_bool_mask(mask, "(B, S) or (B, T, S)")
        # A (B, S) key-padding mask is the same for every query; masked_softmax applies it so.
        if tuple(mask.shape) not in ((B, S), (B, T, S)):
            raise ValueError(
                f"mask must have shape (B, S) = {(B, S)} or (B, T, S) = {(B, T, S)}, got {tuple(mask.shape)}"
            )
    # e_ij = q_i . k_j / sqrt(D): dividing keeps the scores' spread independent of D
    scores = torch.bmm(query, key.transpose(1, 2)) / math.sqrt(D)  # (B, T, S)
    weights = masked_softmax(scores, mask, dim=-1)  # (B, T, S)
    return torch.bmm(weights, value), weights  # (B, T, Dv), (B, T, S)
