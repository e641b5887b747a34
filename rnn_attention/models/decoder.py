"""The decoder: one recurrence, whatever the attention passed in computes.

Introduced in notebook 06.

At every output step i (Bahdanau et al. 2015):

    c_i, alpha_i = attention(s_{i-1}, h_1..h_S)          the kind of attention (kinds.py)
    s_i          = GRU([E y_{i-1}; c_i], s_{i-1})
    logits_i     = W_o [s_i; c_i; E y_{i-1}]             p(y_i | y_<i, x) = softmax(logits_i)

with s_0 = tanh(W_init x0), x0 the part of the encoder's summary the kind of
attention names (`init_source`). A kind with `uses_coverage` (location-aware
attention with coverage, notebook 10) also reads the sum of all earlier weights,
alpha_1 + ... + alpha_{i-1}; the decoder carries it after s_i in the state it
returns, (B, H + S), so every decoding loop (teacher forcing, greedy, beam search,
which reorders the state's rows) carries it without knowing. `step` runs one step (decoding); `forward` runs
all T steps under teacher forcing with the same recurrence function, and batches
the embedding and the read-out, which do not feed the recurrence, over all T.

Shapes: B batch, S source length, T target length, E embedding size, H decoder
state size, K = size of one h_j, V vocabulary size.
"""

from __future__ import annotations

import torch
from torch import nn

from ..data.vocab import Vocab
from .kinds import AttentionKind

__all__ = ["Decoder"]


class Decoder(nn.Module):
    """s_i = GRU([E y_{i-1}; c_i], s_{i-1}) with c_i from `attention`, an AttentionKind; no subclass per kind."""

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
                f"attention must be an AttentionKind (rnn_attention.models.kinds; formerly ContextModule), "
                f"got {type(attention).__name__}; build one with build_attention(cfg, query_size, key_size)"
            )
        self.vocab_size, self.hidden_size, self.enc_size = vocab_size, hidden_size, enc_size
        self.embedding = nn.Embedding(vocab_size, emb_size, padding_idx=Vocab.PAD)  # E
        self.dropout = nn.Dropout(dropout)
        self.attention = attention  # the kind of attention: c_i (and alpha_i) from s_{i-1} and the h_j
        self.init = nn.Linear(attention.init_source_size(enc_size), hidden_size)  # W_init
        self.rnn = nn.GRUCell(emb_size + enc_size, hidden_size)  # s_i = GRU([E y_{i-1}; c_i], s_{i-1})
        self.output = nn.Linear(hidden_size + enc_size + emb_size, vocab_size)  # W_o sees s_i, c_i, E y_{i-1}

    def init_state(self, enc_outputs, final, src_mask):
        """s_0 = tanh(W_init x0), x0 = the part of `final` the kind of attention names (B, H).

        Only `final` is read; enc_outputs and src_mask stay in the signature, which notebooks 06 and 08 call.
        """
        dec_state = torch.tanh(self.init(self.attention.init_source(final)))  # (B, H)
        if self._uses_coverage():
            dec_state = torch.cat([dec_state, enc_outputs.new_zeros(enc_outputs.shape[:2])], dim=1)  # (B, H + S)
        return dec_state

    def _uses_coverage(self) -> bool:
        return getattr(self.attention, "uses_coverage", False)

    def project_keys(self, enc_outputs):
        """The part of the scores that depends only on h_j, computed once per sentence (or None)."""
        return self.attention.project_keys(enc_outputs)  # (B, S, A), or None

    def _recurrence(self, embedded, dec_state, enc_outputs, src_mask, projected_keys, prev_weights):
        """Step i without the read-out: (E y_{i-1} (B, E), s_{i-1} (B, H)) -> (s_i (B, H), c_i (B, K), alpha_i).

        With a coverage kind the state in and out is (B, H + S): s and the sum of the earlier weights.
        """
        if self._uses_coverage():
            H = self.hidden_size
            coverage = dec_state[:, H:]  # (B, S): alpha_1 + ... + alpha_{i-1}
            context, attn_weights = self.attention(
                dec_state[:, :H], enc_outputs, src_mask, projected_keys, prev_weights, coverage=coverage
            )  # (B, K), (B, S)
            s_i = self.rnn(torch.cat([embedded, context], dim=-1), dec_state[:, :H])  # (B, H)
            return torch.cat([s_i, coverage + attn_weights], dim=1), context, attn_weights  # (B, H + S)
        if self.attention.uses_previous_weights:
            # c_i = sum_j alpha_ij h_j, alpha_i also reading alpha_{i-1}
            context, attn_weights = self.attention(dec_state, enc_outputs, src_mask, projected_keys, prev_weights)
        else:
            # c_i = sum_j alpha_ij h_j, with alpha_ij = softmax_j a(s_{i-1}, h_j)
            context, attn_weights = self.attention(dec_state, enc_outputs, src_mask, projected_keys)  # (B, K), (B, S)
        # s_i = GRU([E y_{i-1}; c_i], s_{i-1})
        dec_state = self.rnn(torch.cat([embedded, context], dim=-1), dec_state)  # (B, H)
        return dec_state, context, attn_weights

    def _read_out(self, dec_state, context, embedded):
        """logits = W_o [s_i; c_i; E y_{i-1}], for one step (B, .) or all steps at once (B, T, .)."""
        return self.output(torch.cat([dec_state, context, embedded], dim=-1))  # (B, V) or (B, T, V)

    def step(self, y_prev, dec_state, enc_outputs, src_mask, projected_keys, prev_weights=None):
        """One output step i: (y_{i-1} (B,), s_{i-1} (B, H)) -> (logits (B, V), s_i (B, H), alpha_i (B, S) or None).

        prev_weights is alpha_{i-1}, the weights the previous step returned; only a
        kind of attention with `uses_previous_weights` reads it, and None means the
        first step (the module's own alpha_0). A loop over steps passes each
        step's weights to the next, as `forward` and `Seq2Seq.greedy_decode` do.
        """
        embedded = self.dropout(self.embedding(y_prev))  # (B, E)
        dec_state, context, attn_weights = self._recurrence(
            embedded, dec_state, enc_outputs, src_mask, projected_keys, prev_weights
        )  # (B, H), (B, K), (B, S)
        logits = self._read_out(dec_state[:, : self.hidden_size], context, embedded)  # (B, V): s_i without coverage
        return logits, dec_state, attn_weights  # (B, V), (B, H), (B, S)

    def forward(self, tgt_in, enc_outputs, final, src_mask):
        """Teacher forcing: tgt_in (B, T) = SOS + target -> (logits (B, T, V), attn (B, T, S) or None).

        The same computation as calling `step` T times, each step given the previous
        step's weights; only the embedding and the read-out, which do not feed the
        recurrence, run once over all T steps.
        """
        dec_state = self.init_state(enc_outputs, final, src_mask)  # (B, H)
        projected_keys = self.project_keys(enc_outputs)  # (B, S, A): once, not once per step
        embedded = self.dropout(self.embedding(tgt_in))  # (B, T, E)
        states, contexts, weights = [], [], []
        attn_weights = None  # alpha_0: the attention's own first-step convention
        for i in range(tgt_in.shape[1]):
            dec_state, context, attn_weights = self._recurrence(
                embedded[:, i], dec_state, enc_outputs, src_mask, projected_keys, attn_weights
            )  # (B, H), (B, K), (B, S)
            states.append(dec_state[:, : self.hidden_size])  # s_i (without a coverage kind's sum)
            contexts.append(context)
            weights.append(attn_weights)
        states, contexts = torch.stack(states, dim=1), torch.stack(contexts, dim=1)  # (B, T, H), (B, T, K)
        logits = self._read_out(states, contexts, embedded)  # (B, T, V)
        attn = None if weights[0] is None else torch.stack(weights, dim=1)  # (B, T, S)
        return logits, attn
