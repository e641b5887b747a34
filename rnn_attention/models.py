"""Encoder-decoder models: Bahdanau attention, the no-attention baseline, and fixed-size "location" weights.

The three decoders share one encoder and one step structure, so that the
experiments of notebook 08 compare only what the decoder is allowed to see:

* `AttentionDecoder`  (Bahdanau, Cho and Bengio 2015): at every step the previous
  state s_{i-1} scores *every* encoder state h_j with the same small network, so
  there is one weight per source position whatever the length S is.
* `PlainDecoder`      (Cho et al. 2014): no attention; every step sees the same
  fixed-size summary of the source, the encoder's final state.
* `LocationDecoder`   (the misconception, Luong et al. 2015's "location" score):
  alpha_i = softmax(W s_{i-1}) from a layer with max_len outputs. Its weights never
  look at the content of h_j and cannot reach past position max_len.

Shapes: B batch, S source length, T target length, E embedding size, H decoder
hidden size, K = encoder output size (2 x encoder hidden), A attention size, V vocabulary.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from .attention import AdditiveAttention, DotAttention, GeneralAttention, attend
from .masking import lengths_to_mask, masked_softmax

__all__ = [
    "Encoder",
    "AttentionDecoder",
    "PlainDecoder",
    "LocationDecoder",
    "LocationAttention",
    "ProjectedDotAttention",
    "Seq2Seq",
    "build_model",
    "count_parameters",
    "ATTENTION_KINDS",
    "attention_kinds",
]

PAD, SOS, EOS = 0, 1, 2  # the fixed special indices of rnn_attention.data.Vocab

ATTENTION_KINDS = ("additive", "concat", "dot", "general", "location", "none")


def attention_kinds() -> tuple[str, ...]:
    """The names `cfg.attention` may take (the CLI's choices)."""
    return ATTENTION_KINDS


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters: it does not depend on any sequence length."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def _check_src(src: torch.Tensor, src_lengths: torch.Tensor) -> None:
    """Raise a clear error unless src is (B, S) long and src_lengths (B,) fits it."""
    if not isinstance(src, torch.Tensor) or src.dim() != 2 or src.dtype != torch.long:
        got = f"shape {tuple(src.shape)} dtype {src.dtype}" if isinstance(src, torch.Tensor) else type(src).__name__
        raise ValueError(f"src must be a (B, S) tensor of token ids (torch.long), got {got}")
    if not isinstance(src_lengths, torch.Tensor) or tuple(src_lengths.shape) != (src.shape[0],):
        got = tuple(src_lengths.shape) if isinstance(src_lengths, torch.Tensor) else type(src_lengths).__name__
        raise ValueError(f"src_lengths must be a ({src.shape[0]},) tensor, one length per sentence, got {got}")
    if int(src_lengths.min()) < 1 or int(src_lengths.max()) > src.shape[1]:
        raise ValueError(
            f"src_lengths must lie in 1..S={src.shape[1]}, got min {int(src_lengths.min())}, max {int(src_lengths.max())}"
        )


class Encoder(nn.Module):
    """Embedding + bidirectional GRU: h_j = [forward h_j; backward h_j], zero on padding."""

    def __init__(self, vocab_size: int, emb_size: int, hidden_size: int, dropout: float = 0.0):
        super().__init__()
        self.hidden_size = hidden_size
        self.output_size = 2 * hidden_size  # K, the size of one h_j
        self.embedding = nn.Embedding(vocab_size, emb_size, padding_idx=PAD)
        self.dropout = nn.Dropout(dropout)
        self.rnn = nn.GRU(emb_size, hidden_size, batch_first=True, bidirectional=True)
        # A one-direction GRU of the same sizes, used only as a template that runs
        # with the weights of one direction of self.rnn (see _forward_by_reversal).
        self._one_direction = nn.GRU(emb_size, hidden_size, batch_first=True)
        for name, _ in list(self._one_direction.named_parameters()):
            delattr(self._one_direction, name)  # it owns no parameters: they come from self.rnn

    def forward(self, src: torch.Tensor, src_lengths: torch.Tensor, packed: bool | None = None):
        """src (B, S), src_lengths (B,) -> enc_outputs (B, S, 2H), final (B, 2H) = [fwd last; bwd first].

        packed=True runs the GRU over a PackedSequence; packed=False runs the exact
        equivalent by reversing each sentence within its length. None picks packing
        on CUDA (cuDNN) and the reversal on the CPU, where it is about twice as fast
        to train: the CPU backward pass of a packed GRU fills a zero tensor the size
        of the whole batch at every time step (measured: two thirds of a training
        step on the numbers task). Both give the same numbers (tests/test_models.py).
        """
        _check_src(src, src_lengths)
        embedded = self.dropout(self.embedding(src))  # (B, S, E)
        if packed is None:
            packed = embedded.is_cuda
        if not packed:
            return self._forward_by_reversal(embedded, src_lengths)
        # Packing runs each sentence only over its real tokens, so padding cannot
        # leak into the states, and the backward RNN starts at the true last token.
        packed = pack_padded_sequence(embedded, src_lengths.cpu(), batch_first=True, enforce_sorted=False)
        packed_out, h_n = self.rnn(packed)  # h_n (2, B, H), already in the batch's order
        enc_outputs, _ = pad_packed_sequence(packed_out, batch_first=True, total_length=src.shape[1])  # (B, S, 2H)
        final = torch.cat([h_n[0], h_n[1]], dim=-1)  # (B, 2H)
        return enc_outputs, final

    def _run_direction(self, inputs: torch.Tensor, suffix: str) -> torch.Tensor:
        """Run one direction of self.rnn (suffix "" forward, "_reverse" backward) left to right."""
        weights = {
            name: getattr(self.rnn, name + suffix)
            for name in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")
        }
        outputs, _ = torch.func.functional_call(self._one_direction, weights, (inputs,))
        return outputs  # (B, S, H)

    def _forward_by_reversal(self, embedded: torch.Tensor, src_lengths: torch.Tensor):
        """The packed computation without packing: exact, because padding sits on the right."""
        B, S, _ = embedded.shape
        lengths = src_lengths.to(embedded.device)
        positions = torch.arange(S, device=embedded.device).expand(B, S)  # (B, S)
        real = positions < lengths.unsqueeze(1)  # (B, S) True on real tokens
        # Reverse each sentence within its own length; padding stays where it is.
        # The same index undoes the reversal.
        flip = torch.where(real, lengths.unsqueeze(1) - 1 - positions, positions)  # (B, S)
        flip = flip.unsqueeze(2).expand(-1, -1, embedded.shape[2])  # (B, S, E)
        # Forward direction: right padding comes after every real token, so it cannot reach them.
        forward_out = self._run_direction(embedded, "")  # (B, S, H)
        # Backward direction: read the reversed sentence left to right, then put it back in order.
        backward_rev = self._run_direction(embedded.gather(1, flip), "_reverse")  # (B, S, H)
        backward_out = backward_rev.gather(1, flip[:, :, :1].expand(-1, -1, self.hidden_size))  # (B, S, H)
        enc_outputs = torch.cat([forward_out, backward_out], dim=2) * real.unsqueeze(2)  # (B, S, 2H), 0 on padding
        last = (lengths - 1).view(B, 1, 1).expand(-1, 1, self.hidden_size)  # (B, 1, H)
        final = torch.cat([forward_out.gather(1, last).squeeze(1), backward_out[:, 0]], dim=-1)  # (B, 2H)
        return enc_outputs, final


class LocationAttention(nn.Module):
    """alpha_i = softmax(W s_{i-1}) over positions 1..max_len: weights that never look at h_j.

    The layer has exactly max_len outputs, one per *position*, so it is tied to a
    maximum length. Its scores are cut to the sentence's length S and
    renormalised over the real tokens. Positions past max_len get no score:
    with strict=False (the default) they get weight exactly 0, so the model
    simply cannot attend there; with strict=True a source longer than max_len
    raises a ValueError.
    """

    def __init__(self, query_size: int, max_len: int, strict: bool = False):
        super().__init__()
        if not isinstance(max_len, int) or max_len < 1:
            raise ValueError(f"max_len must be a positive int, got {max_len!r}")
        self.query_size, self.max_len, self.strict = query_size, max_len, strict
        self.W = nn.Linear(query_size, max_len)  # one output per position 1..max_len

    def project_keys(self, keys: torch.Tensor):
        """Nothing to precompute: the keys' content is never used for the weights."""
        return None

    def forward(self, query, keys, mask=None, projected_keys=None):
        """query s_{i-1} (B, H), keys h_j (B, S, K) -> (context (B, K), attn_weights (B, S))."""
        B, S, _ = keys.shape
        if S > self.max_len and self.strict:
            raise ValueError(
                f"LocationDecoder was built with max_len={self.max_len} and cannot attend to a source of "
                f"length {S}: its weights come from a layer with exactly {self.max_len} outputs"
            )
        scores = self.W(query)  # (B, max_len): e_ij = (W s_{i-1})_j, no h_j in sight
        reachable = torch.arange(S, device=keys.device) < self.max_len  # (S,)
        if S <= self.max_len:
            scores = scores[:, :S]  # (B, S): truncate to the sentence
        else:
            pad = scores.new_zeros(B, S - self.max_len)
            scores = torch.cat([scores, pad], dim=1)  # (B, S); positions past max_len are masked below
        mask = reachable.expand(B, S) if mask is None else mask & reachable  # (B, S)
        return attend(scores, keys, mask)  # renormalised over the reachable real tokens


class ProjectedDotAttention(nn.Module):
    """Luong's dot score when s_{i-1} (size H) and h_j (size K) differ in size.

    e_ij = s_{i-1}^T (P h_j) with P a bias-free (K -> H) projection of the keys,
    computed once per sentence in `project_keys`; the context is still sum_j alpha_ij h_j.
    (With H == K the projection is skipped and this is the plain dot score.)
    """

    def __init__(self, query_size: int, key_size: int):
        super().__init__()
        self.query_size, self.key_size = query_size, key_size
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


def make_attention(kind: str, query_size: int, key_size: int, attn_size: int) -> nn.Module:
    """The content-based attention module for `kind`: additive (= Luong's concat), dot or general."""
    if kind in ("additive", "concat"):
        # Luong's "concat" score v^T tanh(W [s; h]) is Bahdanau's additive score with W = [W_a U_a].
        return AdditiveAttention(query_size, key_size, attn_size)
    if kind == "dot":
        return ProjectedDotAttention(query_size, key_size)
    if kind == "general":
        return GeneralAttention(query_size, key_size)
    raise ValueError(f"attention must be one of 'additive', 'concat', 'dot', 'general', got {kind!r}")


class AttentionDecoder(nn.Module):
    """Bahdanau et al. (2015) decoder: s_{i-1} queries the attention over all h_j at every step."""

    def __init__(
        self,
        vocab_size: int,
        emb_size: int,
        hidden_size: int,
        enc_size: int,
        attn_size: int,
        attention: str = "additive",
        dropout: float = 0.0,
    ):
        super().__init__()
        self.vocab_size, self.hidden_size, self.enc_size = vocab_size, hidden_size, enc_size
        self.embedding = nn.Embedding(vocab_size, emb_size, padding_idx=PAD)
        self.dropout = nn.Dropout(dropout)
        self.attention = self._make_attention(attention, hidden_size, enc_size, attn_size)
        self.init = nn.Linear(self._init_size(enc_size), hidden_size)  # W_init
        self.rnn = nn.GRUCell(emb_size + enc_size, hidden_size)  # s_i = GRU([E y_{i-1}; c_i], s_{i-1})
        self.output = nn.Linear(hidden_size + enc_size + emb_size, vocab_size)  # sees s_i, c_i, E y_{i-1}

    def _make_attention(self, kind, hidden_size, enc_size, attn_size):
        return make_attention(kind, hidden_size, enc_size, attn_size)

    def _init_size(self, enc_size: int) -> int:
        return enc_size // 2  # the backward half of `final`

    def init_state(self, enc_outputs, final, src_mask):
        """s_0 = tanh(W_init h<-_1): the backward RNN's state after reading the whole sentence."""
        backward_final = final[:, self.enc_size // 2 :]  # (B, K/2)
        return torch.tanh(self.init(backward_final))  # (B, H)

    def project_keys(self, enc_outputs):
        """The part of the scores that depends only on h_j, computed once per sentence."""
        return self.attention.project_keys(enc_outputs)  # (B, S, A), or None

    def step(self, y_prev, dec_state, enc_outputs, src_mask, projected_keys):
        """One output step i: (y_{i-1} (B,), s_{i-1} (B, H)) -> (logits (B, V), s_i (B, H), alpha_i (B, S))."""
        embedded = self.dropout(self.embedding(y_prev))  # (B, E)
        # c_i = sum_j alpha_ij h_j, with alpha_ij = softmax_j a(s_{i-1}, h_j)
        context, attn_weights = self.attention(dec_state, enc_outputs, src_mask, projected_keys)  # (B, K), (B, S)
        # s_i = GRU([E y_{i-1}; c_i], s_{i-1})
        dec_state = self.rnn(torch.cat([embedded, context], dim=-1), dec_state)  # (B, H)
        # p(y_i | y_<i, x) = softmax(W_o [s_i; c_i; E y_{i-1}])
        logits = self.output(torch.cat([dec_state, context, embedded], dim=-1))  # (B, V)
        return logits, dec_state, attn_weights

    def _context(self, dec_state, enc_outputs, src_mask, projected_keys):
        """(c_i (B, K), alpha_i (B, S) or None) for the state s_{i-1}: what the decoder may look at."""
        return self.attention(dec_state, enc_outputs, src_mask, projected_keys)

    def forward(self, tgt_in, enc_outputs, final, src_mask):
        """Teacher forcing: tgt_in (B, T) = SOS + target -> (logits (B, T, V), attn (B, T, S) or None).

        The same computation as calling `step` T times; only the embedding and the
        output layer, which do not feed the recurrence, run once over all T steps.
        """
        dec_state = self.init_state(enc_outputs, final, src_mask)  # (B, H)
        projected_keys = self.project_keys(enc_outputs)  # (B, S, A): once, not once per step
        embedded = self.dropout(self.embedding(tgt_in))  # (B, T, E)
        states, contexts, weights = [], [], []
        for i in range(tgt_in.shape[1]):
            context, attn_weights = self._context(dec_state, enc_outputs, src_mask, projected_keys)  # (B, K), (B, S)
            dec_state = self.rnn(torch.cat([embedded[:, i], context], dim=-1), dec_state)  # (B, H)
            states.append(dec_state)
            contexts.append(context)
            weights.append(attn_weights)
        states, contexts = torch.stack(states, dim=1), torch.stack(contexts, dim=1)  # (B, T, H), (B, T, K)
        logits = self.output(torch.cat([states, contexts, embedded], dim=-1))  # (B, T, V)
        attn = None if weights[0] is None else torch.stack(weights, dim=1)  # (B, T, S)
        return logits, attn


class PlainDecoder(AttentionDecoder):
    """Cho et al. (2014): no attention; every step's "context" is the fixed-size summary `final`.

    The whole source, however long, must pass through the K numbers of `final`:
    the bottleneck that attention removes. `step` returns None as attention weights.
    """

    def __init__(self, vocab_size, emb_size, hidden_size, enc_size, attn_size=None, attention="none", dropout=0.0):
        super().__init__(vocab_size, emb_size, hidden_size, enc_size, attn_size or 1, "none", dropout)

    def _make_attention(self, kind, hidden_size, enc_size, attn_size):
        return None

    def _init_size(self, enc_size: int) -> int:
        return enc_size  # all of `final`: it is the only view of the source

    @staticmethod
    def summary(enc_outputs, src_mask):
        """c = [forward state at the last real token; backward state at the first]: `final`, read off h_j."""
        half = enc_outputs.shape[-1] // 2
        last = src_mask.sum(dim=1) - 1  # (B,) index of each sentence's last real token
        rows = torch.arange(enc_outputs.shape[0], device=enc_outputs.device)  # (B,)
        forward_last = enc_outputs[rows, last, :half]  # (B, K/2)
        backward_first = enc_outputs[:, 0, half:]  # (B, K/2)
        return torch.cat([forward_last, backward_first], dim=-1)  # (B, K)

    def init_state(self, enc_outputs, final, src_mask):
        """s_0 = tanh(W_init c) with c = final, the summary of the whole source (B, H)."""
        return torch.tanh(self.init(final))  # (B, H)

    def project_keys(self, enc_outputs):
        """No attention, nothing to project."""
        return None

    def _context(self, dec_state, enc_outputs, src_mask, projected_keys):
        return self.summary(enc_outputs, src_mask), None  # the same c at every step

    def step(self, y_prev, dec_state, enc_outputs, src_mask, projected_keys):
        """One step with context c = final for every i: (logits (B, V), s_i (B, H), None)."""
        embedded = self.dropout(self.embedding(y_prev))  # (B, E)
        context = self.summary(enc_outputs, src_mask)  # (B, K): the same c at every step i
        dec_state = self.rnn(torch.cat([embedded, context], dim=-1), dec_state)  # (B, H)
        logits = self.output(torch.cat([dec_state, context, embedded], dim=-1))  # (B, V)
        return logits, dec_state, None


class LocationDecoder(AttentionDecoder):
    """The misconception made real: alpha_i = softmax(W s_{i-1}) from an nn.Linear(H, max_len).

    Same decoder as `AttentionDecoder` except for the weights, which come from a
    fixed-size layer (the old PyTorch tutorial's `nn.Linear(hidden_size * 2, max_length)`).
    Past max_len: weight 0 (strict=False, default) or a ValueError (strict=True).
    """

    def __init__(self, vocab_size, emb_size, hidden_size, enc_size, max_len, attn_size=None, dropout=0.0, strict=False):
        self._max_len, self._strict = max_len, strict
        super().__init__(vocab_size, emb_size, hidden_size, enc_size, attn_size or 1, "location", dropout)

    def _make_attention(self, kind, hidden_size, enc_size, attn_size):
        return LocationAttention(hidden_size, self._max_len, self._strict)

    @property
    def max_len(self) -> int:
        return self.attention.max_len


class Seq2Seq(nn.Module):
    """Encoder + decoder, with teacher-forced training and greedy decoding that keeps the alignments."""

    def __init__(self, encoder: Encoder, decoder: AttentionDecoder, sos_idx: int = SOS, eos_idx: int = EOS, pad_idx: int = PAD):
        super().__init__()
        self.encoder, self.decoder = encoder, decoder
        self.sos_idx, self.eos_idx, self.pad_idx = sos_idx, eos_idx, pad_idx

    def forward(self, src, src_lengths, tgt_in, return_attention: bool = False):
        """src (B, S), src_lengths (B,), tgt_in (B, T) -> logits (B, T, V) [, attn (B, T, S) or None]."""
        enc_outputs, final = self.encoder(src, src_lengths)  # (B, S, K), (B, K)
        src_mask = lengths_to_mask(src_lengths.to(src.device), src.shape[1])  # (B, S)
        logits, attn = self.decoder(tgt_in, enc_outputs, final, src_mask)  # (B, T, V), (B, T, S)
        return (logits, attn) if return_attention else logits

    @torch.no_grad()
    def greedy_decode(self, src, src_lengths, max_len: int):
        """Pick the most likely token at each step until every sentence has produced EOS (or max_len steps).

        Returns tokens (B, T) with T <= max_len, EOS included and PAD after it,
        and attn (B, T, S) (zeros after EOS), or None for a decoder without attention.
        """
        enc_outputs, final = self.encoder(src, src_lengths)  # (B, S, K), (B, K)
        src_mask = lengths_to_mask(src_lengths.to(src.device), src.shape[1])  # (B, S)
        dec_state = self.decoder.init_state(enc_outputs, final, src_mask)  # (B, H)
        projected_keys = self.decoder.project_keys(enc_outputs)
        B = src.shape[0]
        y_prev = torch.full((B,), self.sos_idx, dtype=torch.long, device=src.device)  # (B,)
        finished = torch.zeros(B, dtype=torch.bool, device=src.device)  # (B,)
        tokens, weights = [], []
        for _ in range(max_len):
            logits, dec_state, attn_weights = self.decoder.step(y_prev, dec_state, enc_outputs, src_mask, projected_keys)
            y_prev = logits.argmax(dim=-1)  # (B,)
            tokens.append(y_prev.masked_fill(finished, self.pad_idx))
            if attn_weights is not None:
                weights.append(attn_weights.masked_fill(finished.unsqueeze(1), 0.0))
            finished = finished | (y_prev == self.eos_idx)
            if bool(finished.all()):
                break
        attn = torch.stack(weights, dim=1) if weights else None  # (B, T, S)
        return torch.stack(tokens, dim=1), attn  # (B, T)


def build_model(src_vocab_size: int, tgt_vocab_size: int, cfg) -> Seq2Seq:
    """Build the Seq2Seq that cfg asks for (cfg: a TrainConfig or anything with the same fields).

    cfg.attention: "additive" (Bahdanau), "concat" (the same score), "dot",
    "general", "none" (PlainDecoder) or "location" (LocationDecoder with
    cfg.location_max_len positions).
    """
    get = cfg.get if isinstance(cfg, dict) else lambda name, default=None: getattr(cfg, name, default)
    emb, hidden, attn_size = get("emb_size"), get("hidden_size"), get("attn_size")
    dropout, kind = get("dropout", 0.0) or 0.0, get("attention", "additive")
    encoder = Encoder(src_vocab_size, emb, hidden, dropout)
    K = encoder.output_size
    if kind == "none":
        decoder = PlainDecoder(tgt_vocab_size, emb, hidden, K, dropout=dropout)
    elif kind == "location":
        max_len = get("location_max_len")
        if not max_len:
            raise ValueError("attention='location' needs cfg.location_max_len, the number of positions W can score")
        decoder = LocationDecoder(tgt_vocab_size, emb, hidden, K, int(max_len), dropout=dropout)
    elif kind in ("additive", "concat", "dot", "general"):
        decoder = AttentionDecoder(tgt_vocab_size, emb, hidden, K, attn_size, attention=kind, dropout=dropout)
    else:
        raise ValueError(f"attention must be one of {ATTENTION_KINDS}, got {kind!r}")
    return Seq2Seq(encoder, decoder)
