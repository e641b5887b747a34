"""The kinds of attention: what the decoder looks at, c_i, at each output step i; one interface, one registry.

Introduced in notebook 06.

The decoder (decoder.py) asks its attention, an `AttentionKind`, at every step i,
for the context c_i and the weights alpha_i given its previous state s_{i-1}:

    context, attn_weights = attention(query, keys, mask, projected_keys)
    #   query s_{i-1} (B, H); keys h_1..h_S (B, S, K); mask (B, S), True = real token;
    #   projected_keys = attention.project_keys(keys), the part that depends only on h_j,
    #   computed once per sentence (None when there is nothing to precompute)
    #   -> context c_i (B, K), attn_weights alpha_i (B, S), or None without attention

A kind whose weights also read the previous step's weights alpha_{i-1}
(location-aware attention) sets `uses_previous_weights = True` and takes them
as a fifth argument `prev_weights` (None = the first step). The kinds
(`attention_kinds()` lists what is registered):

    none            no attention: the fixed-size summary, the same c at every step
                    (a bidirectional variant of Cho et al. 2014)
    location        alpha_i = softmax(W s_{i-1}) from nn.Linear(H, max_len): never looks at h_j
    additive/concat e_ij = v_a^T tanh(W_a s_{i-1} + U_a h_j) (Bahdanau et al. 2015; Luong's concat)
    dot, general    e_ij = s_{i-1}^T P h_j and s_{i-1}^T W_a h_j (Luong et al. 2015)
    location_aware  e_ij = w^T tanh(W s_{i-1} + V h_j + U f_ij + b), f_i = F * alpha_{i-1} (Chorowski et al. 2015)

Adding a kind is one class and one registry line:

    @register_attention("uniform")
    class UniformKind(AttentionKind):
        def forward(self, query, keys, mask=None, projected_keys=None): ...

`build_attention(cfg, query_size, key_size)` looks the kind up (cfg.attention)
and lets the class build itself from the config (`from_config`). A kind owns
its settings: `from_config` reads its own fields, and `resolve(cfg, train_pairs)`
fills in those that depend on the training data (`resolve_attention` calls it
for cfg.attention; location attention's number of positions is one).

Before this vocabulary the kinds were called "context modules" (ContextModule,
register_context, build_context, AdditiveContext, ...): models/contexts.py keeps
those names as deprecated aliases.

Shapes: B batch, S source length, H decoder state size, K = size of one h_j
(2 x encoder hidden), A attention size.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import nn

from ..attention import AdditiveAttention, DotAttention, GeneralAttention, attend, v_tanh_via_sigmoid

__all__ = [
    "AttentionKind",
    "NoAttentionKind",
    "LocationKind",
    "AdditiveKind",
    "DotKind",
    "GeneralKind",
    "LocationAwareKind",
    "KINDS",
    "register_attention",
    "unregister_attention",
    "attention_kinds",
    "build_attention",
    "resolve_attention",
    "config_value",
]

KINDS: dict[str, type] = {}  # cfg.attention -> its AttentionKind class; fill it with @register_attention


def config_value(cfg, name: str, default=None):
    """cfg.name, or cfg[name] for a dict, or default: a TrainConfig and a plain dict both work."""
    value = cfg.get(name, default) if isinstance(cfg, Mapping) else getattr(cfg, name, default)
    return default if value is None else value


def register_attention(*kinds: str):
    """Class decorator: make the attention class available as cfg.attention = each of `kinds`."""

    def register(cls):
        for kind in kinds:
            if kind in KINDS and KINDS[kind] is not cls:
                raise ValueError(f"attention kind {kind!r} is already registered to {KINDS[kind].__name__}")
            KINDS[kind] = cls
        return cls

    return register


def unregister_attention(kind: str) -> None:
    """Remove a kind from the registry (tests that register their own kind clean up with it)."""
    if kind not in KINDS:
        raise ValueError(f"attention kind {kind!r} is not registered; registered: {attention_kinds()}")
    del KINDS[kind]


def attention_kinds() -> tuple[str, ...]:
    """The registered kinds, the values cfg.attention may take."""
    return tuple(KINDS)


def build_attention(cfg, query_size: int, key_size: int) -> nn.Module:
    """The attention of kind cfg.attention (default "additive"), built by its class from cfg."""
    kind = config_value(cfg, "attention", "additive")
    if kind not in KINDS:
        raise ValueError(f"attention must be one of {attention_kinds()}, got {kind!r}")
    return KINDS[kind].from_config(cfg, query_size, key_size)


def resolve_attention(cfg, train_pairs):
    """cfg with the settings of its kind of attention that depend on the training data filled in.

    The kind's class decides (`resolve`); an unknown kind is left for build_attention to refuse.
    """
    kind = KINDS.get(config_value(cfg, "attention", "additive"))
    return cfg if kind is None else kind.resolve(cfg, train_pairs)


class AttentionKind(nn.Module):
    """The interface the decoder relies on, with the defaults most kinds share.

    A subclass implements forward(query (B, H), keys (B, S, K), mask (B, S) or None,
    projected_keys) -> (context (B, K), attn_weights (B, S) or None), and, where
    it differs from the default, how it is built from a config, which of its
    settings depend on the training data, and how s_0 is made.
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

    @classmethod
    def resolve(cls, cfg, train_pairs):
        """cfg with this kind's data-dependent settings filled in from the training pairs; by default none."""
        return cfg

    def project_keys(self, keys: torch.Tensor):
        """The part of the scores that depends only on h_j, once per sentence; by default nothing."""
        return None

    def init_source_size(self, key_size: int) -> int:
        """Size of the part of the encoder's summary `final` (B, K) that s_0 is made from."""
        return key_size // 2

    def init_source(self, final: torch.Tensor) -> torch.Tensor:
        """s_0 is made from the backward half of final, h<-_1, as in Bahdanau et al. (2015): (B, K/2)."""
        return final[:, final.shape[-1] // 2 :]  # (B, K/2)


@register_attention("none")
class NoAttentionKind(AttentionKind):
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


@register_attention("location")
class LocationKind(AttentionKind):
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

    @classmethod
    def resolve(cls, cfg, train_pairs):
        """location_max_len, when not set, is the longest training source: W scores every position seen."""
        if cfg.location_max_len:
            return cfg
        return cfg.replace(location_max_len=max(len(s) for s, _ in train_pairs))

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
# are the ones used; AttentionKind adds from_config, resolve and the s_0 rule. Inheritance,
# not composition (as DotKind has): W_a, U_a and v_a stay direct children, so the
# state_dict keys (decoder.attention.W_a.weight, ...) of every saved checkpoint still load,
# and an AdditiveKind is an AdditiveAttention wherever one is expected.
@register_attention("additive", "concat")
class AdditiveKind(AdditiveAttention, AttentionKind):
    """Bahdanau et al. (2015): c_i = sum_j alpha_ij h_j with e_ij = v_a^T tanh(W_a s_{i-1} + U_a h_j).

    Luong's "concat" score v^T tanh(W [s; h]) is the same score with W = [W_a U_a],
    so "concat" names this class too. Built from a config, it computes tanh through
    tanh(x) = 2 sigmoid(2x) - 1 (`tanh_via_sigmoid=True`: the same numbers to float
    rounding, 1e-6 in float32): PyTorch's CPU tanh costs several times its sigmoid,
    so a CPU training step is faster (`make bench` reports speedup_fast_tanh).
    Built directly, AdditiveKind(H, K, A) computes the equation as it reads.
    """

    @classmethod
    def from_config(cls, cfg, query_size: int, key_size: int):
        """A = cfg.attn_size; tanh computed via sigmoid, the faster form on a CPU."""
        attn_size = config_value(cfg, "attn_size")
        if not attn_size:
            raise ValueError("additive attention needs cfg.attn_size, the size A of W_a s + U_a h")
        return cls(query_size, key_size, int(attn_size), tanh_via_sigmoid=True)


@register_attention("dot")
class DotKind(AttentionKind):
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


@register_attention("general")  # inherits, as AdditiveKind does, for the same reasons
class GeneralKind(GeneralAttention, AttentionKind):
    """Luong et al. (2015) general score: e_ij = s_{i-1}^T W_a h_j, W_a h_j computed once per sentence."""


@register_attention("location_aware")
class LocationAwareKind(AttentionKind):
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

    Built from a config, it computes tanh through tanh(x) = 2 sigmoid(2x) - 1
    (`tanh_via_sigmoid=True`, as the additive kind does) and the convolution
    as a product with the sliding windows of alpha_{i-1} (`unfold=True`): the
    same numbers to float rounding, about a fifth faster per CPU training step.
    Built directly, it computes the equations as they read.

    coverage=True (notebook 10; Tacotron 2's location-sensitive attention, Shen
    et al. 2018) convolves a second channel too, the cumulative weights
    alpha_1 + ... + alpha_{i-1} (zero at the first step), so f_ij can also say
    "this is already covered": F then has shape (k, 2, r). The decoder carries
    that sum (`uses_coverage`); forward takes it as `coverage`.
    """

    uses_previous_weights = True

    def __init__(
        self,
        query_size: int,
        key_size: int,
        attn_size: int,
        filters: int = 8,
        kernel_size: int = 11,
        tanh_via_sigmoid: bool = False,
        unfold: bool = False,
        coverage: bool = False,
    ):
        super().__init__(query_size, key_size)
        self.tanh_via_sigmoid, self.unfold = tanh_via_sigmoid, unfold
        self.uses_coverage = bool(coverage)  # the decoder carries the cumulative weights for it
        for name, value in (("attn_size", attn_size), ("filters", filters), ("kernel_size", kernel_size)):
            if not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive int, got {value!r}")
        if kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be odd, so that f_ij is centred on position j, got {kernel_size}")
        self.attn_size = attn_size
        self.W = nn.Linear(query_size, attn_size, bias=False)  # looks at s_{i-1}
        self.V = nn.Linear(key_size, attn_size, bias=False)  # looks at h_j
        channels = 2 if coverage else 1  # alpha_{i-1} (and the cumulative weights)
        self.F = nn.Conv1d(channels, filters, kernel_size, padding=kernel_size // 2, bias=False)  # k filters
        self.U = nn.Linear(filters, attn_size, bias=False)  # looks at f_ij
        self.b = nn.Parameter(torch.zeros(attn_size))
        self.w = nn.Linear(attn_size, 1, bias=False)  # turns A numbers into one score

    @classmethod
    def from_config(cls, cfg, query_size: int, key_size: int):
        """A = cfg.attn_size, k = cfg.location_filters (8), r = cfg.location_kernel_size (11), cfg.location_coverage."""
        attn_size = config_value(cfg, "attn_size")
        if not attn_size:
            raise ValueError("location-aware attention needs cfg.attn_size, the size A of its hidden layer")
        filters = int(config_value(cfg, "location_filters", 8))
        kernel_size = int(config_value(cfg, "location_kernel_size", 11))
        coverage = bool(config_value(cfg, "location_coverage", False))
        return cls(
            query_size,
            key_size,
            int(attn_size),
            filters,
            kernel_size,
            tanh_via_sigmoid=True,
            unfold=True,
            coverage=coverage,
        )

    def project_keys(self, keys: torch.Tensor) -> torch.Tensor:
        """V h_j + b for every j: it does not depend on i, so compute it once per sentence (B, S, A)."""
        return self.V(keys) + self.b  # (B, S, A)

    @staticmethod
    def initial_weights(keys: torch.Tensor) -> torch.Tensor:
        """alpha_0 for the first step: all the weight on position 1 (B, S)."""
        weights = keys.new_zeros(keys.shape[:2])  # (B, S)
        weights[:, 0] = 1.0
        return weights

    def location_features(self, prev_weights: torch.Tensor, coverage: torch.Tensor | None = None) -> torch.Tensor:
        """f_i = F * alpha_{i-1}: k numbers per position saying where the attention was (B, S, k).

        With coverage, f_i = F * [alpha_{i-1}; coverage], coverage (B, S) the sum of the earlier weights.
        """
        if self.uses_coverage:
            if coverage is None or coverage.shape != prev_weights.shape:
                got = None if coverage is None else tuple(coverage.shape)
                raise ValueError(
                    f"this location-aware attention has coverage: it needs the cumulative weights, shaped as "
                    f"prev_weights {tuple(prev_weights.shape)}, got {got}"
                )
            channels = torch.stack([prev_weights, coverage], dim=1)  # (B, 2, S)
            if self.unfold:
                r = self.F.kernel_size[0]
                windows = nn.functional.pad(channels, (r // 2, r // 2)).unfold(2, r, 1)  # (B, 2, S, r)
                # f_ij = sum_c sum_t F[:, c, t] x_{c, j + t - r//2}
                return torch.einsum("bcst,kct->bsk", windows, self.F.weight)  # (B, S, k)
            return self.F(channels).transpose(1, 2)  # (B, k, S) -> (B, S, k)
        if self.unfold:
            r = self.F.kernel_size[0]
            # f_ij = sum_t F[:, t] alpha_{i-1, j + t - r//2}: the windows of alpha_{i-1} times the filters
            windows = nn.functional.pad(prev_weights, (r // 2, r // 2)).unfold(1, r, 1)  # (B, S, r)
            return windows @ self.F.weight.squeeze(1).T  # (B, S, r) @ (r, k) -> (B, S, k)
        return self.F(prev_weights.unsqueeze(1)).transpose(1, 2)  # (B, 1, S) -> (B, k, S) -> (B, S, k)

    def forward(self, query, keys, mask=None, projected_keys=None, prev_weights=None, coverage=None):
        """query s_{i-1} (B, H), keys (B, S, K), prev_weights alpha_{i-1} (B, S) or None -> (B, K), (B, S).

        coverage (B, S): the sum of the earlier weights, for a kind built with coverage (None only at the first step).
        """
        if projected_keys is None:
            projected_keys = self.project_keys(keys)  # (B, S, A)
        if self.uses_coverage and prev_weights is None and coverage is None:
            coverage = keys.new_zeros(keys.shape[:2])  # (B, S): the first step, nothing covered yet
        if prev_weights is None:
            prev_weights = self.initial_weights(keys)  # (B, S): alpha_0
        f = self.location_features(prev_weights, coverage)  # (B, S, k)
        # e_ij = w^T tanh(W s_{i-1} + V h_j + U f_ij + b)
        x = self.W(query).unsqueeze(1) + projected_keys + self.U(f)  # (B, S, A)
        if self.tanh_via_sigmoid:
            scores = v_tanh_via_sigmoid(x, self.w.weight.squeeze(0))  # (B, S), the same numbers
        else:
            scores = self.w(torch.tanh(x)).squeeze(-1)  # (B, S)
        return attend(scores, keys, mask)


# ------------------------------------------------------------------ relative moves (notebook 11)


def shift_weights(weights: torch.Tensor, moves: torch.Tensor) -> torch.Tensor:
    """Move the weights by the moves {-1, 0, +1}: shifted_j = m_{+1} w_{j-1} + m_0 w_j + m_{-1} w_{j+1}.

    weights (B, S), moves (B, 3) = the probabilities of the moves -1, 0, +1 (in that
    order). Past both ends there is nothing: zero padding, not wrap-around, so weight
    moved off the end is lost (renormalise afterwards). Introduced in notebook 11.
    """
    if weights.dim() != 2 or moves.dim() != 2 or moves.shape != (weights.shape[0], 3):
        raise ValueError(
            f"shift_weights expects weights (B, S) and moves (B, 3) over the moves -1, 0, +1; "
            f"got weights {tuple(weights.shape)} and moves {tuple(moves.shape)}"
        )
    padded = nn.functional.pad(weights, (1, 1))  # (B, S + 2): a zero before position 1 and after position S
    from_left, here, from_right = padded[:, :-2], padded[:, 1:-1], padded[:, 2:]  # w_{j-1}, w_j, w_{j+1}: (B, S)
    # a move of +1 carries w_{j-1} to j; a move of -1 carries w_{j+1} to j
    return moves[:, 2:3] * from_left + moves[:, 1:2] * here + moves[:, 0:1] * from_right  # (B, S)


def sharpen_weights(weights: torch.Tensor, gamma: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
    """alpha_j = w_j ** gamma / sum_k w_k ** gamma over the real positions (mask True); gamma (B,) or (B, 1) >= 1.

    A weight of exactly 0 stays 0 (and its gradient finite). A row whose weight
    has all gone (moved off the sentence) stays all zeros, never NaN, as
    masked_softmax does for a row with no real position.
    """
    if mask is not None:
        weights = weights.masked_fill(~mask, 0.0)  # (B, S): nothing on padding
    gamma = gamma.reshape(-1, 1)  # (B, 1)
    positive = weights > 0  # (B, S)
    tiny = torch.finfo(weights.dtype).tiny
    powered = torch.where(positive, weights.clamp_min(tiny) ** gamma, torch.zeros_like(weights))  # (B, S)
    total = powered.sum(dim=-1, keepdim=True)  # (B, 1)
    return powered / total.clamp_min(tiny)  # (B, S), each row sums to 1 (or is all zeros)


@register_attention("relative_shift")
class RelativeShiftKind(AttentionKind):
    """Relative moves, no content (in the spirit of the Neural Turing Machine's shift, Graves et al. 2014, §3.3).

        alpha_0 = one-hot on position 1
        w_i     = softmax(W s_{i-1})              the moves -1, 0, +1
        gamma_i = 1 + softplus(g . s_{i-1} + b)   the sharpening exponent, >= 1
        alpha_i = sharpen(shift(alpha_{i-1}, w_i), gamma_i), renormalised over the real positions

    The shift pads with zeros (weight moved past an end is lost, then the row is
    renormalised). Nothing here knows an absolute position or the distance from
    the end: the rule is the same at every length. It cannot jump, so it can only
    read left to right from position 1 (copy, not reverse: see ContentShiftKind).
    """

    uses_previous_weights = True
    MOVES = (-1, 0, 1)

    def __init__(self, query_size: int, key_size: int):
        super().__init__(query_size, key_size)
        self.W_shift = nn.Linear(query_size, len(self.MOVES))  # w_i = softmax(W s_{i-1})
        self.g = nn.Linear(query_size, 1)  # gamma_i = 1 + softplus(g . s_{i-1} + b)

    initial_weights = staticmethod(LocationAwareKind.initial_weights)  # alpha_0: all the weight on position 1

    def start_weights(self, query, keys, mask, projected_keys, prev_weights):
        """What the shift moves: alpha_{i-1} (alpha_0 at the first step), with nothing on padding (B, S)."""
        weights = self.initial_weights(keys) if prev_weights is None else prev_weights  # (B, S)
        return weights if mask is None else weights.masked_fill(~mask, 0.0)

    def forward(self, query, keys, mask=None, projected_keys=None, prev_weights=None):
        """query s_{i-1} (B, H), keys (B, S, K), prev_weights alpha_{i-1} (B, S) or None -> (B, K), (B, S)."""
        start = self.start_weights(query, keys, mask, projected_keys, prev_weights)  # (B, S)
        moves = torch.softmax(self.W_shift(query), dim=-1)  # (B, 3): w_i over -1, 0, +1
        gamma = 1 + nn.functional.softplus(self.g(query))  # (B, 1): gamma_i >= 1
        attn_weights = sharpen_weights(shift_weights(start, moves), gamma, mask)  # (B, S)
        context = torch.bmm(attn_weights.unsqueeze(1), keys).squeeze(1)  # (B, K): c_i = sum_j alpha_ij h_j
        return context, attn_weights


@register_attention("content_shift")
class ContentShiftKind(RelativeShiftKind):
    """A content-based jump, then relative moves: the Neural Turing Machine's addressing (Graves et al. 2014, §3.3).

        a_i     = softmax_j(v_a^T tanh(W_a s_{i-1} + U_a h_j))  content-based (additive) weights
        g_i     = sigmoid(u . s_{i-1} + c)                        the interpolation gate, in (0, 1)
        alpha^g = g_i a_i + (1 - g_i) alpha_{i-1}                 jump (g near 1) or keep the place (g near 0)
        alpha_i = sharpen(shift(alpha^g, w_i), gamma_i)           then the relative move, as RelativeShiftKind

    Reverse needs it: the first step jumps to the last position by content (the
    backward state there has read one symbol, at every length), and every later
    step keeps the place and moves -1, the NTM's own account of its copy program
    (Graves et al. 2014, §4.1).
    """

    def __init__(self, query_size: int, key_size: int, attn_size: int):
        super().__init__(query_size, key_size)
        self.content = AdditiveAttention(query_size, key_size, attn_size, tanh_via_sigmoid=True)
        self.gate = nn.Linear(query_size, 1)  # g_i = sigmoid(u . s_{i-1} + c)

    @classmethod
    def from_config(cls, cfg, query_size: int, key_size: int):
        """A = cfg.attn_size, the size of the content-based score's hidden layer."""
        attn_size = config_value(cfg, "attn_size")
        if not attn_size:
            raise ValueError("content_shift attention needs cfg.attn_size, the size A of W_a s + U_a h")
        return cls(query_size, key_size, int(attn_size))

    def project_keys(self, keys: torch.Tensor) -> torch.Tensor:
        """U_a h_j, once per sentence (B, S, A)."""
        return self.content.project_keys(keys)

    def start_weights(self, query, keys, mask, projected_keys, prev_weights):
        """alpha^g = g_i a_i + (1 - g_i) alpha_{i-1}: the gate between a content jump and the previous place."""
        previous = super().start_weights(query, keys, mask, projected_keys, prev_weights)  # (B, S)
        _, content = self.content(query, keys, mask, projected_keys)  # (B, S): a_i
        gate = torch.sigmoid(self.gate(query))  # (B, 1): g_i
        return gate * content + (1 - gate) * previous  # (B, S)


__all__ += ["shift_weights", "sharpen_weights", "RelativeShiftKind", "ContentShiftKind"]
