"""A local encoder: each h_j reads only the few characters around position j, so no state knows where it sits.

Introduced in notebook 10.

The bidirectional GRU of encoder.py gives every h_j the whole sentence: its
backward half has read everything after j, so h_j can carry "how far from the
end I am". Notebook 10 suspects that cue of breaking past the training lengths.
`ConvEncoder` removes it:

    h_j = tanh(W_2 relu(W_1 * E x)_j + b_2)

a convolution W_1 of width r over the embeddings E x (zero padding r // 2 on
each side), then a per-position layer W_2 to the size K = 2H of one h_j. So h_j
depends on the characters j - r//2 .. j + r//2 only: the same state for the
same few characters, wherever they sit and however long the sentence is.

It keeps the Encoder's interface (cfg.encoder = "conv" picks it in build_model):
enc_outputs (B, S, K), zero on padding, and `final` (B, K) laid out as the GRU's,
[first half of h at the last real token; second half of h_1], states that also
see only their own few characters.

Shapes: B batch, S source length, E embedding size, H hidden size, K = 2H.
"""

from __future__ import annotations

import torch
from torch import nn

from ..data.vocab import Vocab
from ..masking import lengths_to_mask
from .encoder import check_src

__all__ = ["ConvEncoder"]


class ConvEncoder(nn.Module):
    """h_j = tanh(W_2 relu(W_1 * E x)_j + b_2): each state reads the r characters around j, zero on padding."""

    def __init__(self, vocab_size: int, emb_size: int, hidden_size: int, dropout: float = 0.0, kernel_size: int = 9):
        super().__init__()
        if not isinstance(kernel_size, int) or kernel_size < 1 or kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be an odd positive int (h_j centred on j), got {kernel_size!r}")
        self.hidden_size, self.kernel_size = hidden_size, kernel_size
        self.output_size = 2 * hidden_size  # K, the size of one h_j, as the bidirectional GRU's
        self.embedding = nn.Embedding(vocab_size, emb_size, padding_idx=Vocab.PAD)  # PAD embeds to zeros
        self.dropout = nn.Dropout(dropout)
        self.conv = nn.Conv1d(emb_size, hidden_size, kernel_size, padding=kernel_size // 2)  # W_1
        self.out = nn.Linear(hidden_size, self.output_size)  # W_2, b_2

    def forward(self, src: torch.Tensor, src_lengths: torch.Tensor, packed: bool | None = None):
        """src (B, S), src_lengths (B,) -> enc_outputs (B, S, K), final (B, K). `packed` is ignored (no recurrence)."""
        check_src(src, src_lengths, self.embedding.num_embeddings)
        lengths = src_lengths.to(src.device)  # (B,)
        real = lengths_to_mask(lengths, src.shape[1])  # (B, S)
        # padding embeds to zeros, exactly the convolution's own zero padding: a padded batch == one by one
        embedded = self.dropout(self.embedding(src)) * real.unsqueeze(2)  # (B, S, E)
        local = torch.relu(self.conv(embedded.transpose(1, 2))).transpose(1, 2)  # (B, S, H): W_1 * E x
        enc_outputs = torch.tanh(self.out(local)) * real.unsqueeze(2)  # (B, S, K), 0 on padding
        rows = torch.arange(src.shape[0], device=src.device)  # (B,)
        half = self.output_size // 2
        final = torch.cat([enc_outputs[rows, lengths - 1, :half], enc_outputs[:, 0, half:]], dim=-1)  # (B, K)
        return enc_outputs, final
