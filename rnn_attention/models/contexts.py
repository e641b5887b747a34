"""Context modules: what the decoder looks at, c_i, at each output step i; one interface, one registry.

The decoder (decoder.py) asks a context module, at every step i, for the
context c_i and the weights alpha_i given its previous state s_{i-1}:

    context, attn_weights = module(query, keys, mask, projected_keys)
    #   query s_{i-1} (B, H); keys h_1..h_S (B, S, K); mask (B, S), True = real token;
    #   projected_keys = module.project_keys(keys), the part that depends only on h_j,
    #   computed once per sentence (None when there is nothing to precompute)
    #   -> context c_i (B, K), attn_weights alpha_i (B, S), or None without attention

A module whose weights also read the previous step's weights alpha_{i-1}
(location-aware attention) sets `uses_previous_weights = True` and takes them
as a fifth argument `prev_weights` (None = the first step). The kinds:

    none            the fixed-size summary, the same c at every step (a bidirectional variant of Cho et al. 2014)
    location        alpha_i = softmax(W s_{i-1}) from nn.Linear(H, max_len): never looks at h_j
    additive/concat e_ij = v_a^T tanh(W_a s_{i-1} + U_a h_j) (Bahdanau et al. 2015; Luong's concat)
    dot, general    e_ij = s_{i-1}^T P h_j and s_{i-1}^T W_a h_j (Luong et al. 2015)
    location_aware  e_ij = w^T tanh(W s_{i-1} + V h_j + U f_ij + b), f_i = F * alpha_{i-1} (Chorowski et al. 2015)

Adding a kind is one class and one registry line:

    @register_context("uniform")
    class UniformContext(ContextModule):
        def forward(self, query, keys, mask=None, projected_keys=None): ...

`build_context(cfg, query_size, key_size)` looks the kind up (cfg.attention)
and lets the class build itself from the config (`from_config`).

Shapes: B batch, S source length, H decoder state size, K = size of one h_j
(2 x encoder hidden), A attention size.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import nn

from ..attention import AdditiveAttention, DotAttention, GeneralAttention, attend

__all__ = [
    "ContextModule",
    "SummaryContext",
    "LocationContext",
    "AdditiveContext",
    "DotContext",
    "GeneralContext",
    "LocationAwareContext",
    "register_context",
    "unregister_context",
    "attention_kinds",
    "build_context",
    "config_value",
]

CONTEXTS: dict[str, type] = {}  # kind -> context module class; fill it with @register_context


def config_value(cfg, name: str, default=None):
    """cfg.name, or cfg[name] for a dict, or default: a TrainConfig and a plain dict both work."""
    value = cfg.get(name, default) if isinstance(cfg, Mapping) else getattr(cfg, name, default)
    return default if value is None else value


def register_context(*kinds: str):
    """Class decorator: make the context module available as cfg.attention = each of `kinds`."""

    def register(cls):
        for kind in kinds:
            if kind in CONTEXTS and CONTEXTS[kind] is not cls:
                raise ValueError(f"attention kind {kind!r} is already registered to {CONTEXTS[kind].__name__}")
            CONTEXTS[kind] = cls
        return cls

    return register


def unregister_context(kind: str) -> None:
    """Remove a kind from the registry (tests that register their own kind clean up with it)."""
    if kind not in CONTEXTS:
        raise ValueError(f"attention kind {kind!r} is not registered; registered: {attention_kinds()}")
    del CONTEXTS[kind]


def attention_kinds() -> tuple[str, ...]:
    """The registered kinds, the values cfg.attention may take."""
    return tuple(CONTEXTS)


def build_context(cfg, query_size: int, key_size: int) -> nn.Module:
    """The context module of kind cfg.attention (default "additive"), built by its class from cfg."""
    kind = config_value(cfg, "attention", "additive")
    if kind not in CONTEXTS:
        raise ValueError(f"attention must be one of {attention_kinds()}, got {kind!r}")
    return CONTEXTS[kind].from_config(cfg, query_size, key_size)


class ContextModule(nn.Module):
    """The interface the decoder relies on, with the defaults most kinds share.

    A subclass implements forward(query (B, H), keys (B, S, K), mask (B, S) or None,
    projected_keys) -> (context (B, K), attn_weights (B, S) or None), and, where
    it differs from the default, how it is built from a config and how s_0 is made.
    """

    uses_previous_weights = False  # True: forward takes alpha_{i-1} as a fifth argument, prev_weights

    def __init__(self, query_size: int | None = None, key_size: int | None = None):
        """Remember the sizes of s_{i-1} (query_size, H) and of one h_j (key_size, K)."""
        super().__init__()
        self.query_size, self.key_size = query_size, key_size

    @classmethod
    def from_config(cls, cfg, query_size: int, key_size: int):
        """Build from a config (TrainConfig or dict); by default from the state sizes alone."""
        return cls(query_size, key_size)

    def project_keys(self, keys: torch.Tensor):
        """The part of the scores that depends only on h_j, once per sentence; by default nothing."""
        return None

    def init_source_size(self, key_size: int) -> int:
        """Size of the part of the encoder's summary `final` (B, K) that s_0 is made from."""
        return key_size // 2

    def init_source(self, final: torch.Tensor) -> torch.Tensor:
        """s_0 is made from the backward half of final, h<-_1, as in Bahdanau et al. (2015): (B, K/2)."""
        return final[:, final.shape[-1] // 2 :]  # (B, K/2)


@register_context("none")
class SummaryContext(ContextModule):
    """No attention (a bidirectional variant of Cho et al. 2014): c_i = the encoder's summary, the same at every step.

    c = [forward state at the last real token; backward state at the first], the
    K numbers of `final`, read off h_j. The whole source, however long, must pass
    through them: the bottleneck that attention removes. No weights (None).
    """

    def init_source_size(self, key_size: int) -> int:
        """s_0 is made from all of `final`: it is the decoder's only view of the source."""
        return key_size

    def init_source(self, final: torch.Tensor) -> torch.Tensor:
        """All of final, (B, K): s_0 = tanh(W_init c)."""
        return final  # (B, K)

    @staticmethod
    def summary(keys: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        """c = [forward h at the last real token; backward h at the first]: `final`, read off h_j (B, K)."""
        B, S, K = keys.shape
        lengths = torch.full((B,), S, device=keys.device) if mask is None else mask.sum(dim=1)  # (B,)
        rows = torch.arange(B, device=keys.device)  # (B,)
        forward_last = keys[rows, lengths - 1, : K // 2]  # (B, K/2)
        backward_first = keys[:, 0, K // 2 :]  # (B, K/2)
        return torch.cat([forward_last, backward_first], dim=-1)  # (B, K)

    def forward(self, query, keys, mask=None, projected_keys=None):
        """(c (B, K), None): the same summary whatever s_{i-1} is."""
        return self.summary(keys, mask), None


@register_context("location")
class LocationContext(ContextModule):
    """The misconception made real: alpha_i = softmax(W s_{i-1}) from an nn.Linear(H, max_len).

    The layer has exactly max_len outputs, one per *position*, like the old PyTorch
    tutorial's `nn.Linear(hidden_size * 2, max_length)` and Luong et al. (2015)'s
    location score: its weights never look at h_j. The scores are cut to the
    sentence's length S and renormalised over the real tokens. Positions past
    max_len get no score: weight exactly 0 (strict=False, the default), or a
    ValueError (strict=True).
    """

    def __init__(self, query_size: int, key_size: int, max_len: int, strict: bool = False):
        super().__init__(query_size, key_size)
        if not isinstance(max_len, int) or max_len < 1:
            raise ValueError(f"max_len must be a positive int, got {max_len!r}")
        self.max_len, self.strict = max_len, strict
        self.W = nn.Linear(query_size, max_len)  # one output per position 1..max_len

    @classmethod
    def from_config(cls, cfg, query_size: int, key_size: int):
        """max_len = cfg.location_max_len (required), strict = cfg.location_strict (default False)."""
        max_len = config_value(cfg, "location_max_len")
        if not max_len:
            raise ValueError("attention='location' needs cfg.location_max_len, the number of positions W can score")
        return cls(query_size, key_size, int(max_len), bool(config_value(cfg, "location_strict", False)))

    def forward(self, query, keys, mask=None, projected_keys=None):
        """query s_{i-1} (B, H), keys h_j (B, S, K) -> (context (B, K), attn_weights (B, S))."""
        B, S, _ = keys.shape
        if S > self.max_len and self.strict:
            raise ValueError(
                f"location attention was built with max_len={self.max_len} and cannot attend to a source of "
                f"length {S}: its weights come from a layer with exactly {self.max_len} outputs"
            )
        scores = self.W(query)  # (B, max_len): e_ij = (W s_{i-1})_j, no h_j in sight
        if S <= self.max_len:
            scores = scores[:, :S]  # (B, S): truncate to the sentence
        else:
            scores = torch.cat([scores, scores.new_zeros(B, S - self.max_len)], dim=1)  # (B, S), masked below
        reachable = torch.arange(S, device=keys.device) < self.max_len  # (S,)
        mask = reachable.expand(B, S) if mask is None else mask & reachable  # (B, S)
        return attend(scores, keys, mask)  # renormalised over the reachable real tokens


# AdditiveAttention comes first among the bases, so its project_keys, score and forward
# are the ones used; ContextModule adds from_config and the s_0 rule.
@register_context("additive", "concat")
class AdditiveContext(AdditiveAttention, ContextModule):
    """Bahdanau et al. (2015): c_i = sum_j alpha_ij h_j with e_ij = v_a^T tanh(W_a s_{i-1} + U_a h_j).

    Luong's "concat" score v^T tanh(W [s; h]) is the same score with W = [W_a U_a],
    so "concat" names this class too. Built from a config, it computes tanh through
    tanh(x) = 2 sigmoid(2x) - 1 (`tanh_via_sigmoid=True`: the same numbers to float
    rounding, 1e-6 in float32): PyTorch's CPU tanh costs several times its sigmoid,
    so a CPU training step is faster (`make bench` reports speedup_fast_tanh).
    Built directly, AdditiveContext(H, K, A) computes the equation as it reads.
    """

    @classmethod
    def from_config(cls, cfg, query_size: int, key_size: int):
        """A = cfg.attn_size; tanh computed via sigmoid, the faster form on a CPU."""
        attn_size = config_value(cfg, "attn_size")
        if not attn_size:
            raise ValueError("additive attention needs cfg.attn_size, the size A of W_a s + U_a h")
        return cls(query_size, key_size, int(attn_size), tanh_via_sigmoid=True)


@register_context("dot")
class DotContext(ContextModule):
    """Luong's dot score when s_{i-1} (size H) and h_j (size K) differ in size: e_ij = s_{i-1}^T (P h_j).

    P is a bias-free (K -> H) projection of the keys, computed once per sentence in
    `project_keys`; the context is still sum_j alpha_ij h_j. With H == K the
    projection is skipped and this is the plain, parameter-free dot score.
    """

    def __init__(self, query_size: int, key_size: int):
        super().__init__(query_size, key_size)
        self.dot = DotAttention()
        self.P = nn.Linear(key_size, query_size, bias=False) if key_size != query_size else None

    def project_keys(self, keys: torch.Tensor) -> torch.Tensor:
        """P h_j for every j (or h_j itself when the sizes already match): (B, S, H)."""
        return keys if self.P is None else self.P(keys)

    def forward(self, query, keys, mask=None, projected_keys=None):
        """Score with the (projected) keys, average the original keys: (B, K), (B, S)."""
        if projected_keys is None:
            projected_keys = self.project_keys(keys)  # (B, S, H)
        scores = self.dot.score(query, projected_keys)  # (B, S): e_ij = s_{i-1} . P h_j
        return attend(scores, keys, mask)


@register_context("general")
class GeneralContext(GeneralAttention, ContextModule):
    """Luong et al. (2015) general score: e_ij = s_{i-1}^T W_a h_j, W_a h_j computed once per sentence."""


@register_context("location_aware")
class LocationAwareContext(ContextModule):
    """Chorowski et al. (2015): content and location, e_ij = w^T tanh(W s_{i-1} + V h_j + U f_ij + b).

    The location features f_i = F * alpha_{i-1} are a 1-D convolution (k filters,
    odd width r, 'same' zero padding) of the previous step's weights, so each
    position sees where the attention was a step ago, around it. The number of
    parameters depends on H, K, A, k and r, never on S. Padding has weight 0 in
    alpha_{i-1}, the same as the zeros past a sentence's end, so a padded batch
    gives what each sentence gives alone.

    First step: with no previous weights (prev_weights=None), alpha_0 puts all
    its weight on position 1, as if the decoder had just read the first token.
    A one-hot start means the same thing for every length (a uniform alpha_0
    would spread thinner as S grows) and suits the left-to-right alignments of
    the course's tasks.
    """

    uses_previous_weights = True

    def __init__(self, query_size: int, key_size: int, attn_size: int, filters: int = 8, kernel_size: int = 11):
        super().__init__(query_size, key_size)
        for name, value in (("attn_size", attn_size), ("filters", filters), ("kernel_size", kernel_size)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        if kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be odd, so that f_ij is centred on position j, got {kernel_size}")
        self.attn_size = attn_size
        self.W = nn.Linear(query_size, attn_size, bias=False)  # looks at s_{i-1}
        self.V = nn.Linear(key_size, attn_size, bias=False)  # looks at h_j
        self.F = nn.Conv1d(1, filters, kernel_size, padding=kernel_size // 2, bias=False)  # k filters over alpha_{i-1}
        self.U = nn.Linear(filters, attn_size, bias=False)  # looks at f_ij
        self.b = nn.Parameter(torch.zeros(attn_size))
        self.w = nn.Linear(attn_size, 1, bias=False)  # turns A numbers into one score

    @classmethod
    def from_config(cls, cfg, query_size: int, key_size: int):
        """A = cfg.attn_size, k = cfg.location_filters (8), r = cfg.location_kernel_size (11)."""
        attn_size = config_value(cfg, "attn_size")
        if not attn_size:
            raise ValueError("location-aware attention needs cfg.attn_size, the size A of its hidden layer")
        filters = int(config_value(cfg, "location_filters", 8))
        kernel_size = int(config_value(cfg, "location_kernel_size", 11))
        return cls(query_size, key_size, int(attn_size), filters, kernel_size)

    def project_keys(self, keys: torch.Tensor) -> torch.Tensor:
        """V h_j + b for every j: it does not depend on i, so compute it once per sentence (B, S, A)."""
        return self.V(keys) + self.b  # (B, S, A)

    @staticmethod
    def initial_weights(keys: torch.Tensor) -> torch.Tensor:
        """alpha_0 for the first step: all the weight on position 1 (B, S)."""
        weights = keys.new_zeros(keys.shape[:2])  # (B, S)
        weights[:, 0] = 1.0
        return weights

    def location_features(self, prev_weights: torch.Tensor) -> torch.Tensor:
        """f_i = F * alpha_{i-1}: k numbers per position saying where the attention was (B, S, k)."""
        return self.F(prev_weights.unsqueeze(1)).transpose(1, 2)  # (B, 1, S) -> (B, k, S) -> (B, S, k)

    def forward(self, query, keys, mask=None, projected_keys=None, prev_weights=None):
        """query s_{i-1} (B, H), keys (B, S, K), prev_weights alpha_{i-1} (B, S) or None -> (B, K), (B, S)."""
        if projected_keys is None:
            projected_keys = self.project_keys(keys)  # (B, S, A)
        if prev_weights is None:
            prev_weights = self.initial_weights(keys)  # (B, S): alpha_0
        f = self.location_features(prev_weights)  # (B, S, k)
        # e_ij = w^T tanh(W s_{i-1} + V h_j + U f_ij + b)
        x = self.W(query).unsqueeze(1) + projected_keys + self.U(f)  # (B, S, A)
        scores = self.w(torch.tanh(x)).squeeze(-1)  # (B, S)
        return attend(scores, keys, mask)
