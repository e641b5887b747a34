"""The encoder: embedding + bidirectional GRU, h_j = [forward h_j; backward h_j], zero on padding.

The lesson path is packing (notebook 05): `pack_padded_sequence` runs each
sentence over its real tokens only, so padding cannot leak into the states and
the backward GRU starts at the true last token.

On a CPU the same numbers come faster without packing: run the forward weights
over the padded batch (right padding comes after every real token, so it cannot
reach them) and the backward weights over each sentence reversed within its own
length (`reverse_within_lengths`). `run_one_direction` runs one direction of the
bidirectional GRU on its own. tests/test_models_encoder.py checks that both paths agree.

Introduced in notebook 05 (packing); the model built from it, in notebook 06.
"""

from __future__ import annotations

import functools

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from ..data.vocab import Vocab
from ..masking import lengths_to_mask

__all__ = ["Encoder", "reverse_within_lengths", "run_one_direction", "build_encoder"]

_GRU_WEIGHTS = ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0")


def check_src(src: torch.Tensor, src_lengths: torch.Tensor, vocab_size: int | None = None) -> None:
    """Raise a clear error unless src is (B, S) long with B >= 1, ids < vocab_size, and src_lengths (B,) fits it."""
    if not isinstance(src, torch.Tensor) or src.dim() != 2 or src.dtype != torch.long:
        got = f"shape {tuple(src.shape)} dtype {src.dtype}" if isinstance(src, torch.Tensor) else type(src).__name__
        raise ValueError(f"src must be a (B, S) tensor of token ids (torch.long), got {got}")
    if src.shape[0] == 0 or src.shape[1] == 0:
        raise ValueError(f"src must hold at least one sentence of at least one token, got shape {tuple(src.shape)}")
    if vocab_size is not None and (int(src.min()) < 0 or int(src.max()) >= vocab_size):
        raise ValueError(
            f"src holds token ids from {int(src.min())} to {int(src.max())}; "
            f"this encoder's vocabulary has ids 0..{vocab_size - 1}"
        )
    if not isinstance(src_lengths, torch.Tensor) or tuple(src_lengths.shape) != (src.shape[0],):
        got = tuple(src_lengths.shape) if isinstance(src_lengths, torch.Tensor) else type(src_lengths).__name__
        raise ValueError(f"src_lengths must be a ({src.shape[0]},) tensor, one length per sentence, got {got}")
    if int(src_lengths.min()) < 1 or int(src_lengths.max()) > src.shape[1]:
        raise ValueError(
            f"src_lengths must lie in 1..S={src.shape[1]}, "
            f"got min {int(src_lengths.min())}, max {int(src_lengths.max())}"
        )


def reverse_within_lengths(x: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
    """x (B, S, D) with each sentence's first lengths[b] positions reversed; padding stays where it is.

    Applying it twice gives x back, so the same call also undoes the reversal.
    """
    B, S, D = x.shape
    lengths = lengths.to(x.device).unsqueeze(1)  # (B, 1)
    positions = torch.arange(S, device=x.device).expand(B, S)  # (B, S)
    source = torch.where(positions < lengths, lengths - 1 - positions, positions)  # (B, S): where each position reads
    return x.gather(1, source.unsqueeze(2).expand(-1, -1, D))  # (B, S, D)


@functools.cache
def _parameterless_gru(input_size: int, hidden_size: int) -> nn.GRU:
    """A one-direction nn.GRU that owns no parameters: a template that runs with borrowed weights.

    Made on the meta device, so building it draws no random numbers (a seeded
    run does not depend on when the first encoder ran).
    """
    gru = nn.GRU(input_size, hidden_size, batch_first=True, device="meta")
    for name in _GRU_WEIGHTS:
        delattr(gru, name)
    return gru


def run_one_direction(gru: nn.GRU, inputs: torch.Tensor, backward: bool = False) -> torch.Tensor:
    """Run the forward (or, backward=True, the backward) weights of a bidirectional GRU left to right.

    inputs (B, S, E) -> outputs (B, S, H). The weights are the GRU's own, so
    gradients reach them as if the bidirectional GRU had run.
    """
    suffix = "_reverse" if backward else ""
    weights = {name: getattr(gru, name + suffix) for name in _GRU_WEIGHTS}
    template = _parameterless_gru(gru.input_size, gru.hidden_size)
    outputs, _ = torch.func.functional_call(template, weights, (inputs,))
    return outputs  # (B, S, H)


class Encoder(nn.Module):
    """Embedding + bidirectional GRU: h_j = [forward h_j; backward h_j], zero on padding."""

    def __init__(self, vocab_size: int, emb_size: int, hidden_size: int, dropout: float = 0.0):
        super().__init__()
        self.hidden_size = hidden_size
        self.output_size = 2 * hidden_size  # K, the size of one h_j
        self.embedding = nn.Embedding(vocab_size, emb_size, padding_idx=Vocab.PAD)
        self.dropout = nn.Dropout(dropout)
        self.rnn = nn.GRU(emb_size, hidden_size, batch_first=True, bidirectional=True)

    def forward(self, src: torch.Tensor, src_lengths: torch.Tensor, packed: bool | None = None):
        """src (B, S), src_lengths (B,) -> enc_outputs (B, S, 2H), final (B, 2H) = [fwd last; bwd first].

        packed=True runs the GRU over a PackedSequence; packed=False runs the exact
        equivalent by reversing each sentence within its length. None picks packing
        on CUDA (cuDNN) and the reversal on the CPU, where it is about twice as fast
        to train: the CPU backward pass of a packed GRU fills a zero tensor the size
        of the whole batch at every time step.
        """
        check_src(src, src_lengths, self.embedding.num_embeddings)
        embedded = self.dropout(self.embedding(src))  # (B, S, E)
        if packed is None:
            packed = embedded.is_cuda
        if packed:
            return self._forward_packed(embedded, src_lengths)
        return self._forward_by_reversal(embedded, src_lengths)

    def _forward_packed(self, embedded: torch.Tensor, src_lengths: torch.Tensor):
        """The lesson path: the GRU over a PackedSequence, only the real tokens of each sentence."""
        packed = pack_padded_sequence(embedded, src_lengths.cpu(), batch_first=True, enforce_sorted=False)
        packed_out, h_n = self.rnn(packed)  # h_n (2, B, H), already in the batch's order
        enc_outputs, _ = pad_packed_sequence(packed_out, batch_first=True, total_length=embedded.shape[1])  # (B, S, 2H)
        final = torch.cat([h_n[0], h_n[1]], dim=-1)  # (B, 2H)
        return enc_outputs, final

    def _forward_by_reversal(self, embedded: torch.Tensor, src_lengths: torch.Tensor):
        """The packed computation without packing: exact, because padding sits on the right."""
        lengths = src_lengths.to(embedded.device)  # (B,)
        real = lengths_to_mask(lengths, embedded.shape[1])  # (B, S) True on real tokens
        forward_out = run_one_direction(self.rnn, embedded)  # (B, S, H): padding comes after the real tokens
        # the backward GRU reads each sentence from its last real token: reverse, run, reverse back
        reversed_embedded = reverse_within_lengths(embedded, lengths)  # (B, S, E): last real token first
        backward_rev = run_one_direction(self.rnn, reversed_embedded, backward=True)  # (B, S, H)
        backward_out = reverse_within_lengths(backward_rev, lengths)  # (B, S, H): back in the sentence's order
        enc_outputs = torch.cat([forward_out, backward_out], dim=2) * real.unsqueeze(2)  # (B, S, 2H), 0 on padding
        rows = torch.arange(embedded.shape[0], device=embedded.device)  # (B,)
        final = torch.cat([forward_out[rows, lengths - 1], backward_out[:, 0]], dim=-1)  # (B, 2H)
        return enc_outputs, final


def build_encoder(src_vocab_size: int, cfg) -> nn.Module:
    """The encoder cfg.encoder names: "bigru" (default, this module's Encoder) or "conv" (local_encoder.ConvEncoder)."""
    from .kinds import config_value
    from .local_encoder import ConvEncoder  # it imports check_src from this module

    kind = config_value(cfg, "encoder", "bigru")
    emb, hidden, dropout = (
        config_value(cfg, "emb_size"),
        config_value(cfg, "hidden_size"),
        config_value(cfg, "dropout", 0.0),
    )
    if kind == "bigru":
        return Encoder(src_vocab_size, emb, hidden, dropout)
    if kind == "conv":  # notebook 10: h_j reads only its neighbours
        return ConvEncoder(src_vocab_size, emb, hidden, dropout, int(config_value(cfg, "encoder_kernel_size", 9)))
    raise ValueError(f"encoder must be 'bigru' or 'conv', got {kind!r}")
