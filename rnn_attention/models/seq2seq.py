"""Encoder + decoder: teacher-forced training, greedy decoding that keeps the alignments, and build_model.

Introduced in notebook 06.

`build_model` reads two things from the config: the decoder's architecture,
cfg.decoder ("bahdanau" or "luong": DECODERS), and the kind of
attention, cfg.attention (the registry of kinds.py). Neither is an if/elif:
adding an architecture is one entry in DECODERS, adding a kind one class and
one registry line.

Shapes: B batch, S source length, T target length, H decoder state size,
K = size of one h_j, V vocabulary size.
"""

from __future__ import annotations

import torch
from torch import nn

from ..data.vocab import Vocab
from ..masking import lengths_to_mask
from .beam import beam_search
from .decoder import Decoder
from .encoder import Encoder, build_encoder
from .kinds import build_attention, config_value
from .luong import LuongDecoder

__all__ = ["Seq2Seq", "build_model", "count_parameters", "DECODERS"]

# cfg.decoder -> decoder class. The key names the architecture, the class its role in the model:
#   bahdanau  Bahdanau et al. (2015): c_i from s_{i-1}, then s_i = GRU([E y_{i-1}; c_i], s_{i-1}) (decoder.py)
#   luong     Luong et al. (2015): s_i = GRU([E y_{i-1}; h~_{i-1}], s_{i-1}) first, then c_i from s_i and
#             h~_i = tanh(W_c [c_i; s_i]) (luong.py); its state has the size of one h_j
# A class may say how large its state is from the encoder's sizes (a classmethod state_size(hidden, K));
# without one the decoder's state has cfg.hidden_size numbers.
DECODERS: dict[str, type] = {"bahdanau": Decoder, "luong": LuongDecoder}


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters: it does not depend on any sequence length."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


class Seq2Seq(nn.Module):
    """Encoder + decoder, with teacher-forced training and greedy decoding that keeps the alignments."""

    def __init__(
        self,
        encoder: Encoder,
        decoder: Decoder,
        sos_idx: int = Vocab.SOS,
        eos_idx: int = Vocab.EOS,
        pad_idx: int = Vocab.PAD,
    ):
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
    def greedy_decode(self, src, src_lengths, max_len: int, step_mask=None, adjust_logits=None):
        """Pick the most likely token at each step until every sentence has produced EOS (or max_len steps).

        Returns tokens (B, T) with T <= max_len, EOS included and PAD after it,
        and attn (B, T, S) (zeros after EOS), or None for a decoder without attention.
        Two optional controls (evaluate.decode uses them): step_mask(step, src_mask,
        prev_weights) -> the (B, S) mask the step may attend to; adjust_logits(step,
        logits) -> the (B, V) logits the choice is made from.
        """
        if isinstance(max_len, bool) or not hasattr(max_len, "__index__") or max_len < 1:
            raise ValueError(f"max_len must be a positive int (the most tokens to produce), got {max_len!r}")
        max_len = int(max_len)
        enc_outputs, final = self.encoder(src, src_lengths)  # (B, S, K), (B, K)
        src_mask = lengths_to_mask(src_lengths.to(src.device), src.shape[1])  # (B, S)
        dec_state = self.decoder.init_state(enc_outputs, final, src_mask)  # (B, H)
        projected_keys = self.decoder.project_keys(enc_outputs)  # (B, S, A) or None
        B = src.shape[0]
        y_prev = torch.full((B,), self.sos_idx, dtype=torch.long, device=src.device)  # (B,)
        finished = torch.zeros(B, dtype=torch.bool, device=src.device)  # (B,)
        attn_weights = None  # alpha_0: the attention's own first-step convention
        tokens, weights = [], []
        for step in range(max_len):
            mask = src_mask if step_mask is None else step_mask(step, src_mask, attn_weights)  # (B, S)
            logits, dec_state, attn_weights = self.decoder.step(
                y_prev, dec_state, enc_outputs, mask, projected_keys, attn_weights
            )  # (B, V), (B, H), (B, S) or None
            if adjust_logits is not None:
                logits = adjust_logits(step, logits)  # (B, V)
            y_prev = logits.argmax(dim=-1)  # (B,)
            tokens.append(y_prev.masked_fill(finished, self.pad_idx))  # (B,)
            if attn_weights is not None:
                weights.append(attn_weights.masked_fill(finished.unsqueeze(1), 0.0))  # (B, S)
            finished = finished | (y_prev == self.eos_idx)  # (B,)
            if bool(finished.all()):
                break
        attn = torch.stack(weights, dim=1) if weights else None  # (B, T, S)
        return torch.stack(tokens, dim=1), attn  # (B, T)

    def beam_search(self, src, src_lengths, max_len: int, beam_size: int = 4, length_penalty: float = 0.0):
        """Beam search (beam.py): tokens (B, T) laid out as greedy_decode's, scores (B,) = log p(Y | X) / lp(Y).

        lp(Y) = ((5 + |Y|) / 6) ** length_penalty (Wu et al. 2016), |Y| counting
        EOS; a larger length_penalty favours longer outputs. beam_size=1 is
        greedy decoding.
        """
        return beam_search(self, src, src_lengths, max_len, beam_size=beam_size, length_penalty=length_penalty)


def build_model(src_vocab_size: int, tgt_vocab_size: int, cfg) -> Seq2Seq:
    """Build the Seq2Seq that cfg asks for (cfg: a TrainConfig, or a dict with the same fields).

    cfg.decoder is the architecture (default "bahdanau"; "luong"), cfg.attention the kind
    of attention (default "additive"; see attention_kinds()); emb_size,
    hidden_size, dropout size the encoder and decoder, and each kind of attention
    reads its own fields (attn_size, location_max_len, ...).
    """
    architecture = config_value(cfg, "decoder", "bahdanau")
    if architecture not in DECODERS:
        raise ValueError(f"decoder must be one of {tuple(DECODERS)}, got {architecture!r}")
    emb, hidden = config_value(cfg, "emb_size"), config_value(cfg, "hidden_size")
    dropout = config_value(cfg, "dropout", 0.0)
    encoder = build_encoder(src_vocab_size, cfg)  # cfg.encoder: "bigru" (Encoder) or "conv" (notebook 10)
    K = encoder.output_size
    decoder_class = DECODERS[architecture]
    state_size = decoder_class.state_size(hidden, K) if hasattr(decoder_class, "state_size") else hidden
    attention = build_attention(cfg, query_size=state_size, key_size=K)
    decoder = decoder_class(tgt_vocab_size, emb, state_size, K, attention, dropout)
    return Seq2Seq(encoder, decoder)
