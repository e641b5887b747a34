"""Luong's decoder: the RNN step first, attention from the current state, an attentional state, input feeding.

Introduced in notebook 13.

At every output step i (Luong, Pham and Manning 2015, section 3 and 3.3):

    s_i           = GRU([E y_{i-1}; h~_{i-1}], s_{i-1})       input feeding: h~_{i-1} joins the input
    c_i, alpha_i  = attention(s_i, h_1..h_S)                  scored with the *current* state s_i
    h~_i          = tanh(W_c [c_i; s_i])                      the attentional state
    logits_i      = W_s h~_i                                  p(y_i | y_<i, x) = softmax(logits_i)

with s_0 = tanh(W_init x0) as in Bahdanau's decoder (x0 the part of the encoder's
summary the kind of attention names) and h~_0 = 0. Bahdanau's decoder (decoder.py)
scores with s_{i-1}, *before* its RNN step, and reads the output off [s_i; c_i; E y_{i-1}].

The decoder's state has the size of one h_j (H = K, twice the encoder's hidden
size), so Luong's dot score s_i^T h_j needs no parameters: `DotKind` with equal
sizes skips its projection. Any registered kind of attention plugs in (general,
concat, location-aware, ...), built for a query of size K.

The state a decoding loop carries from step to step (greedy decoding, beam
search) is the pair [s_i; h~_i] in one (B, 2H) tensor: input feeding needs
h~_i at the next step, and one tensor is reordered with the beams like any state.
`split_state` takes it apart.

Shapes: B batch, S source length, T target length, E embedding size, H decoder
state size (= K), K = size of one h_j, V vocabulary size.
"""

from __future__ import annotations

import torch
from torch import nn

from ..data.vocab import Vocab
from .kinds import AttentionKind, DotKind

__all__ = ["LuongDecoder"]


class LuongDecoder(nn.Module):
    """s_i = GRU([E y_{i-1}; h~_{i-1}], s_{i-1}); c_i from s_i; h~_i = tanh(W_c [c_i; s_i]); logits = W_s h~_i."""

    @classmethod
    def state_size(cls, hidden_size: int, enc_size: int) -> int:
        """H of Luong's decoder: the size K of one h_j, so that s_i . h_j is defined without a projection."""
        return enc_size

    def __init__(
        self,
        vocab_size: int,
        emb_size: int,
        hidden_size: int,
        enc_size: int,
        attention: AttentionKind,
        dropout: float = 0.0,
    ):
        super().__init__()
        if not isinstance(attention, AttentionKind):
            raise TypeError(
                f"attention must be an AttentionKind (rnn_attention.models.kinds), got {type(attention).__name__}; "
                "build one with build_attention(cfg, query_size, key_size)"
            )
        if isinstance(attention, DotKind) and hidden_size != enc_size:
            raise ValueError(
                f"Luong's dot score s_i^T h_j has no parameters: it needs the decoder state size equal to the size "
                f"of one encoder output h_j, got decoder size {hidden_size} and encoder output size {enc_size} "
                "(build_model makes them equal; use attention='general' for a learned W_a between sizes)"
            )
        if attention.query_size is not None and attention.query_size != hidden_size:
            raise ValueError(
                f"the attention was built for a query of size {attention.query_size}, but Luong's decoder scores "
                f"with its state s_i of size {hidden_size}"
            )
        self.vocab_size, self.hidden_size, self.enc_size = vocab_size, hidden_size, enc_size
        self.embedding = nn.Embedding(vocab_size, emb_size, padding_idx=Vocab.PAD)  # E
        self.dropout = nn.Dropout(dropout)
        self.attention = attention  # c_i (and alpha_i) from s_i and the h_j
        self.init = nn.Linear(attention.init_source_size(enc_size), hidden_size)  # W_init
        self.rnn = nn.GRUCell(emb_size + hidden_size, hidden_size)  # s_i = GRU([E y_{i-1}; h~_{i-1}], s_{i-1})
        self.W_c = nn.Linear(enc_size + hidden_size, hidden_size, bias=False)  # h~_i = tanh(W_c [c_i; s_i])
        self.output = nn.Linear(hidden_size, vocab_size)  # W_s: logits_i = W_s h~_i

    def split_state(self, carried: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The carried (B, 2H) state -> (s_i (B, H), h~_i (B, H))."""
        if carried.dim() != 2 or carried.shape[-1] != 2 * self.hidden_size:
            raise ValueError(
                f"Luong's decoder carries [s_i; h~_i] of shape (B, {2 * self.hidden_size}), got {tuple(carried.shape)}"
            )
        return carried[:, : self.hidden_size], carried[:, self.hidden_size :]

    def init_state(self, enc_outputs, final, src_mask):
        """[s_0; h~_0] (B, 2H): s_0 = tanh(W_init x0), h~_0 = 0 (nothing attended yet)."""
        s0 = torch.tanh(self.init(self.attention.init_source(final)))  # (B, H)
        return torch.cat([s0, torch.zeros_like(s0)], dim=-1)  # (B, 2H)

    def project_keys(self, enc_outputs):
        """The part of the scores that depends only on h_j, computed once per sentence (or None)."""
        return self.attention.project_keys(enc_outputs)  # (B, S, A), or None

    def _recurrence(self, embedded, carried, enc_outputs, src_mask, projected_keys, prev_weights):
        """Step i without the read-out: (E y_{i-1} (B, E), [s_{i-1}; h~_{i-1}]) -> ([s_i; h~_i], h~_i, alpha_i)."""
        dec_state, h_tilde = self.split_state(carried)  # (B, H), (B, H)
        # s_i = GRU([E y_{i-1}; h~_{i-1}], s_{i-1}): the RNN step first, fed the last attentional state
        dec_state = self.rnn(torch.cat([embedded, h_tilde], dim=-1), dec_state)  # (B, H)
        # c_i = sum_j alpha_ij h_j, with alpha_ij = softmax_j score(s_i, h_j): the *current* state
        if self.attention.uses_previous_weights:
            context, attn_weights = self.attention(dec_state, enc_outputs, src_mask, projected_keys, prev_weights)
        else:
            context, attn_weights = self.attention(dec_state, enc_outputs, src_mask, projected_keys)  # (B, K), (B, S)
        # h~_i = tanh(W_c [c_i; s_i])
        h_tilde = torch.tanh(self.W_c(torch.cat([context, dec_state], dim=-1)))  # (B, H)
        return torch.cat([dec_state, h_tilde], dim=-1), h_tilde, attn_weights  # (B, 2H), (B, H), (B, S)

    def step(self, y_prev, dec_state, enc_outputs, src_mask, projected_keys, prev_weights=None):
        """One output step i: (y_{i-1} (B,), [s_{i-1}; h~_{i-1}] (B, 2H)) -> (logits (B, V), [s_i; h~_i], alpha_i).

        prev_weights is alpha_{i-1}, read only by a kind with `uses_previous_weights`
        (None = the first step), as in Bahdanau's decoder.
        """
        embedded = self.dropout(self.embedding(y_prev))  # (B, E)
        carried, h_tilde, attn_weights = self._recurrence(
            embedded, dec_state, enc_outputs, src_mask, projected_keys, prev_weights
        )  # (B, 2H), (B, H), (B, S)
        return self.output(h_tilde), carried, attn_weights  # logits_i = W_s h~_i: (B, V)

    def forward(self, tgt_in, enc_outputs, final, src_mask):
        """Teacher forcing: tgt_in (B, T) = SOS + target -> (logits (B, T, V), attn (B, T, S) or None).

        The same computation as calling `step` T times; the embedding and the
        read-out W_s h~_i run once over all T steps.
        """
        carried = self.init_state(enc_outputs, final, src_mask)  # (B, 2H)
        projected_keys = self.project_keys(enc_outputs)  # once per sentence
        embedded = self.dropout(self.embedding(tgt_in))  # (B, T, E)
        states, weights = [], []
        attn_weights = None  # alpha_0: the attention's own first-step convention
        for i in range(tgt_in.shape[1]):
            carried, h_tilde, attn_weights = self._recurrence(
                embedded[:, i], carried, enc_outputs, src_mask, projected_keys, attn_weights
            )  # (B, 2H), (B, H), (B, S)
            states.append(h_tilde)
            weights.append(attn_weights)
        logits = self.output(torch.stack(states, dim=1))  # (B, T, V)
        attn = None if weights[0] is None else torch.stack(weights, dim=1)  # (B, T, S)
        return logits, attn
