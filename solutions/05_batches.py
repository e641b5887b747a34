# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 05 · Batches of sentences of different lengths
#
# *Pad, mask and pack a batch so that attention over it gives exactly what it gives one sentence at a time, only faster.*
#
# **Time:** about 40 minutes (CPU or GPU: nothing trains here; the timing cell takes a few seconds).
#
# **Questions**
# - A GPU wants one rectangular tensor. How do we put sentences of lengths 3, 5 and 2 into one, and what must we do so the filler changes nothing?
# - Why does a bidirectional GRU need `pack_padded_sequence`, and what goes wrong without it?
# - $U_a h_j$ does not depend on the decoder step $i$. What do we gain by computing it once per sentence?
#
# **Learning goals.** After this notebook you can
# 1. pad a list of sentences with `pad_sequence` and build the mask with `lengths_to_mask`;
# 2. run a bidirectional GRU encoder over a padded batch with `pack_padded_sequence(..., enforce_sorted=False)`, and show that without packing the backward direction reads the padding;
# 3. prove in code that a padded, masked batch gives the same weights $\alpha_{ij}$ and contexts $c_i$ as processing each sentence alone;
# 4. precompute the keys $U_a h_j$ once per sentence (`project_keys`, `projected_keys=`) and measure what batching and precomputing save.
#
# **You need:** notebooks 02 to 04: the scores $e_{ij} = v_a^\top \tanh(W_a s_{i-1} + U_a h_j)$, the masked softmax $\alpha_{ij}$, and the context $c_i = \sum_j \alpha_{ij} h_j$.
# We import them from the package as `AdditiveAttention`, `masked_softmax` and `lengths_to_mask`.

# %% [markdown]
# ## 1. Set-up

# %% tags=["nbval-ignore-output"]
import matplotlib.pyplot as plt
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence

from rnn_attention import AdditiveAttention, lengths_to_mask
from rnn_attention.environment import setup
from rnn_attention.exercises import check_make_mask, check_one_by_one, check_pad_batch
from rnn_attention.widgets import padded_batch_widget

device = setup(seed=0)

# %% [markdown]
# ## 2. Padding: one rectangle from sentences of different lengths
#
# Three source sentences, already turned into token ids, with lengths 3, 5 and 2.
# To stack them into one tensor of shape $(B, S)$, with $B$ sentences and $S$ the longest length, we fill the end of the shorter ones with a **padding id**, here `PAD = 0`.
# `torch.nn.utils.rnn.pad_sequence` does exactly that.

# %%
PAD = 0  # the id of the padding token; real tokens are 1..9
sentences = [torch.tensor([5, 3, 8]), torch.tensor([2, 9, 4, 7, 6]), torch.tensor([7, 1])]
src = pad_sequence(sentences, batch_first=True, padding_value=PAD)  # (B, S) = (3, 5)
src_lengths = torch.tensor([len(s) for s in sentences])  # (B,)
print("src =")
print(src)
print("lengths =", src_lengths.tolist())

# %% [markdown]
# Check by hand: every row has $S = 5$ entries, and the third row is `[7, 1, 0, 0, 0]`: its 2 tokens, then 3 padding ids.

# %% [markdown]
# ## 3. The mask says which positions are real
#
# The padding is not part of the input. Notebook 03 gave it weight zero with a boolean **mask**, True on real tokens:
#
# $$m_{bj} = [\, j \le L_b \,]$$
#
# where $L_b$ is the length of sentence $b$ and positions count from 1. `lengths_to_mask` builds it from the lengths:

# %%
src_mask = lengths_to_mask(src_lengths)  # (B, S): m_bj = j <= L_b
print(src_mask.int())
print(f"{int(src_mask.sum())} real positions of {src_mask.numel()}; the same as src != PAD: {torch.equal(src_mask, src != PAD)}")

# %% [markdown]
# Each row has as many ones as its length: $3 + 5 + 2 = 10$ real positions out of $3 \times 5 = 15$.
# (Building the mask from the lengths, not from `src != PAD`, keeps working if a real token ever shares the padding id.)

# %% [markdown]
# ## 4. The encoder: a bidirectional GRU must not read the padding
#
# The encoder of Bahdanau et al. (2015) is a **bidirectional** RNN: a forward GRU reads $x_1 \to x_{T_x}$, a backward GRU reads $x_{T_x} \to x_1$, and
# $h_j = [\overrightarrow{h}_j ; \overleftarrow{h}_j]$ joins the two states at position $j$.
#
# Here is a tiny one: a vocabulary of $V = 10$ ids, embeddings of size $E = 4$, and $H = 3$ numbers per direction, so each $h_j$ has $2H = 6$.
# `encode_alone` runs one sentence by itself, with no padding anywhere: the reference we want the batch to match.

# %%
torch.manual_seed(0)
embedding = nn.Embedding(10, 4, padding_idx=PAD)  # V=10 ids -> E=4 numbers
rnn = nn.GRU(4, 3, batch_first=True, bidirectional=True)  # H=3 per direction


def encode_alone(tokens):
    """h_1..h_L of one sentence with no padding: (L,) -> (L, 2H)."""
    enc_outputs, _ = rnn(embedding(tokens.unsqueeze(0)))  # (1, L, 2H)
    return enc_outputs[0]  # (L, 2H)


print("one sentence alone:", tuple(encode_alone(sentences[2]).shape))

# %% [markdown]
# **Without packing.** Feed the padded batch to the GRU as it is. The forward direction reads the real tokens first, so its states on them are fine.
# The backward direction starts at position $S = 5$: for the short sentence it reads three padding embeddings *before* its real tokens, and its $\overleftarrow{h}_j$ change.

# %%
naive_outputs, _ = rnn(embedding(src))  # (B, S, 2H): the padding is read as if it were input
alone = encode_alone(sentences[2])  # (2, 2H): the short sentence by itself
batched = naive_outputs[2, :2]  # (2, 2H): the same positions inside the padded batch
print(f"forward  half, max |difference| = {(batched[:, :3] - alone[:, :3]).abs().max().item():.4f}")
print(f"backward half, max |difference| = {(batched[:, 3:] - alone[:, 3:]).abs().max().item():.4f}")

# %% [markdown]
# The forward half agrees (0.0000); the backward half does not. The states of a sentence would depend on how long its *neighbours* in the batch are.
#
# **With packing.** `pack_padded_sequence` hands the GRU only the real tokens of each sentence, so each direction starts and stops at the sentence's own ends.
# `enforce_sorted=False` lets the batch come in any order (PyTorch sorts by length inside and restores the order).
# `pad_packed_sequence` turns the result back into a rectangle, with zeros on padded positions.

# %%
embedded = embedding(src)  # (B, S, E)
packed = pack_padded_sequence(embedded, src_lengths, batch_first=True, enforce_sorted=False)
packed_outputs, final_state = rnn(packed)  # final_state (2, B, H): each direction's last state, real tokens only
enc_outputs, _ = pad_packed_sequence(packed_outputs, batch_first=True, total_length=src.shape[1])  # (B, S, 2H)
for b, tokens in enumerate(sentences):
    length = len(tokens)
    difference = (enc_outputs[b, :length] - encode_alone(tokens)).abs().max().item()
    padding_is_zero = bool((enc_outputs[b, length:] == 0).all())
    print(f"sentence {b + 1} (length {length}): same h_j as alone: {difference < 1e-6}, padded h_j are zero: {padding_is_zero}")

# %% [markdown]
# Every sentence now gets exactly the states it gets alone. The package's encoder, `rnn_attention.models.Encoder` (notebook 06), does the same packing.

# %% [markdown]
# ## 5. Proof: a padded, masked batch = one sentence at a time
#
# Now the attention. One decoder step $i$ for the whole batch: a decoder state $s_{i-1}$ per sentence, shape $(B, D_q)$, the states $h_j$ of shape $(B, S, 2H)$, and the mask.
# The claim: for each sentence $b$, the weights on its real positions and its context are the same as if it were alone, and its padded positions get weight exactly 0.

# %%
torch.manual_seed(1)
attention = AdditiveAttention(query_size=5, key_size=6, attn_size=7)
dec_state = torch.randn(3, 5)  # (B, Dq): s_{i-1} for each sentence
with torch.no_grad():
    context, attn_weights = attention(dec_state, enc_outputs, mask=src_mask)  # (B, 2H), (B, S)
print("context", tuple(context.shape), " attn_weights", tuple(attn_weights.shape))
print(attn_weights.round(decimals=3))

# %% [markdown]
# Row $b$ has non-zero weights only on its first $L_b$ positions, and sums to one. Now each sentence alone, no padding, no mask:

# %%
largest = 0.0
with torch.no_grad():
    for b, tokens in enumerate(sentences):
        length = len(tokens)
        keys_alone = encode_alone(tokens).unsqueeze(0)  # (1, L, 2H)
        context_alone, weights_alone = attention(dec_state[b : b + 1], keys_alone)  # (1, 2H), (1, L)
        d_context = (context[b] - context_alone[0]).abs().max().item()
        d_weights = (attn_weights[b, :length] - weights_alone[0]).abs().max().item()
        on_padding = attn_weights[b, length:].sum().item()
        largest = max(largest, d_context, d_weights, on_padding)
        print(f"sentence {b + 1}: |c diff| < 1e-6: {d_context < 1e-6}, |alpha diff| < 1e-6: {d_weights < 1e-6}, weight on padding: {on_padding:.1f}")
print("padded, masked batch == one by one:", largest < 1e-6)

# %% [markdown]
# **And without the mask?** Packing made the padded $h_j$ zero. A common belief is that zero vectors then get zero weight by themselves.
# They do not: the score of a zero state is $v_a^\top \tanh(W_a s_{i-1} + U_a 0) = v_a^\top \tanh(W_a s_{i-1})$, an ordinary number, so the softmax gives it a share.

# %%
with torch.no_grad():
    context_nomask, weights_nomask = attention(dec_state, enc_outputs)  # (B, 2H), (B, S): no mask
on_padding = (weights_nomask * ~src_mask).sum(dim=1)  # (B,): weight that leaked onto padding
print("weight on padding without the mask:", [round(w, 3) for w in on_padding.tolist()])
print(f"largest change of a context vector: {(context_nomask - context).abs().max().item():.3f}")

# %% [markdown]
# Sentence 2 fills the batch and is unchanged; sentences 1 and 3 lose part of their weight to padding, so their contexts shrink towards zero. The mask is not optional.

# %% [markdown]
# ## 6. Project the keys once per sentence
#
# At step $i$ the score needs $W_a s_{i-1}$ and $U_a h_j$. The first changes with $i$. The second does **not**: it depends only on the source sentence.
# A decoder that writes $T_y$ tokens would compute the same $U_a h_j$ $T_y$ times, at a cost of $B \cdot S \cdot D_k \cdot A$ multiply-adds each time.
# So we compute it once, with `project_keys`, and pass it to every step:
#
# $$e_{ij} = v_a^\top \tanh\big(W_a s_{i-1} + \underbrace{U_a h_j}_{\text{once per sentence}}\big)$$

# %%
torch.manual_seed(2)
dec_states = torch.randn(4, 3, 5)  # T_y = 4 decoder steps, each (B, Dq)
with torch.no_grad():
    projected_keys = attention.project_keys(enc_outputs)  # (B, S, A): U_a h_j for every j, once
    largest = 0.0
    for i in range(dec_states.shape[0]):
        c_slow, w_slow = attention(dec_states[i], enc_outputs, mask=src_mask)  # recomputes U_a h_j
        c_fast, w_fast = attention(dec_states[i], enc_outputs, mask=src_mask, projected_keys=projected_keys)
        largest = max(largest, (c_slow - c_fast).abs().max().item(), (w_slow - w_fast).abs().max().item())
print("projected_keys", tuple(projected_keys.shape))
print("same contexts and weights with projected_keys:", largest < 1e-6)
B, S, Dk, A = 3, 5, 6, 7
print(f"multiply-adds saved per step: B*S*Dk*A = {B * S * Dk * A}")

# %% [markdown]
# ## 7. What batching and precomputing buy: timings
#
# `rnn_attention.bench` times three ways of doing the same work (run `make bench` or `python -m rnn_attention.bench` for the full-size table):
#
# - **loop**: a Python loop over sentences $b$ and positions $j$, one score at a time, the way one first writes the formula;
# - **vectorised**: one call of `AdditiveAttention` for the whole batch;
# - a decoding loop of $T$ steps that **recomputes** $U_a h_j$ at every step, against one that **precomputes** it with `project_keys`.
#
# We use small sizes so the cell runs in seconds. First, all variants compute the same numbers:

# %%
from rnn_attention import bench

config = bench.BenchConfig(batch_size=16, src_len=20, hidden_size=64, attn_size=64, decode_steps=20, repeats=9, loop_repeats=3, warmup=2)
attn, query, keys, mask = bench.make_inputs(config)  # module, (B, H), (B, S, H), (B, S)
c_loop, w_loop = bench.loop_attention(attn, query, keys)
c_vec, w_vec = bench.batched_attention(attn, query, keys)
c_re, w_re = bench.decode_recompute(attn, query, keys, mask, config.decode_steps)
c_pre, w_pre = bench.decode_precompute(attn, query, keys, mask, config.decode_steps)
print(f"B = {config.batch_size}, S = {config.src_len}, H = A = {config.hidden_size}, T = {config.decode_steps}")
print("loop == vectorised:", torch.allclose(c_loop, c_vec, atol=1e-5) and torch.allclose(w_loop, w_vec, atol=1e-6))
print("recompute == precompute:", torch.allclose(c_re, c_pre, atol=1e-5) and torch.allclose(w_re, w_pre, atol=1e-6))

# %% [markdown]
# Now the clock. The numbers depend on your machine, so they are not checked; the ratios are what to look at. On a busy machine they jump around: run the cell again.

# %% tags=["nbval-ignore-output"]
T = config.decode_steps
threads = torch.get_num_threads()
torch.set_num_threads(1)  # tensors this small gain nothing from more threads, and the timings are steadier
try:
    timings = {
        "loop over b and j": bench.time_ms(lambda: bench.loop_attention(attn, query, keys), config.loop_repeats, 1),
        "vectorised": bench.time_ms(lambda: bench.batched_attention(attn, query, keys), config.repeats, config.warmup),
        f"decode {T} steps,\nrecompute U_a h_j": bench.time_ms(
            lambda: bench.decode_recompute(attn, query, keys, mask, T), config.repeats, config.warmup
        ),
        f"decode {T} steps,\nproject_keys once": bench.time_ms(
            lambda: bench.decode_precompute(attn, query, keys, mask, T), config.repeats, config.warmup
        ),
    }
finally:
    torch.set_num_threads(threads)
names = list(timings)
print(f"vectorised is {timings[names[0]] / timings[names[1]]:.0f}x faster than the loop")
print(f"time to recompute U_a h_j / time to precompute it, over {T} steps: {timings[names[2]] / timings[names[3]]:.2f}x")

# %% tags=["nbval-ignore-output"]
fig, (ax_one, ax_decode) = plt.subplots(1, 2, figsize=(10, 3.4))
ax_one.bar(names[:2], [timings[n] for n in names[:2]], color=["tab:orange", "tab:blue"])
ax_one.set_yscale("log")
ax_one.set_ylim(top=3 * max(timings[n] for n in names[:2]))  # room for the labels
ax_one.set_ylabel("milliseconds (log scale)")
ax_one.set_title("one attention step for the batch")
ax_decode.bar(names[2:], [timings[n] for n in names[2:]], color=["tab:orange", "tab:green"])
ax_decode.set_ylabel("milliseconds")
ax_decode.set_ylim(0, 1.15 * max(timings[n] for n in names[2:]))
ax_decode.set_title(f"{T} decoding steps")
for ax in (ax_one, ax_decode):
    for patch in ax.patches:
        ax.annotate(f"{patch.get_height():.2f} ms", (patch.get_x() + patch.get_width() / 2, patch.get_height()), ha="center", va="bottom", fontsize=9)
fig.tight_layout();

# %% [markdown]
# The loop pays Python's overhead $B \cdot S$ times; the vectorised call pays it once and lets the tensor library do the arithmetic.
# Precomputing removes one matrix product per step; how much that saves depends on how large it is compared with the rest of the step (the tanh, the softmax, the weighted sum).
# `make bench` reports these parts separately at the course's full sizes.

# %% [markdown]
# ## 8. See the mask and the weights together
#
# The widget draws a batch of random lengths, padded to the **maximum source length** $S$ (the first sentence always has length $S$).
# Left: the mask. Right: the weights of one attention step, with padding greyed out.
# Move $S$ and the **batch size** $B$: the rectangle changes, every row of weights still sums to one over its own real positions only.

# %% tags=["nbval-ignore-output"]
batch_widget = padded_batch_widget(initial_batch=4, initial_len=9)
batch_widget

# %% [markdown]
# The check cell sets the sliders from code and prints what the widget computed.

# %%
for S, B in ((9, 4), (14, 7), (3, 2)):
    batch_widget.max_len.value = S
    batch_widget.batch_size.value = B
    state = batch_widget.state
    row_sums = [round(r, 3) for r in state["row_sums"].tolist()]
    print(f"{state['text']}; lengths {state['lengths'].tolist()}, row sums {row_sums}, weight on padding {state['weight_on_padding']:.1f}")

# %% [markdown]
# ## 9. Exercises
#
# **Exercise 5.1 (the mask).** Write `make_mask(lengths, max_len)` that returns a boolean tensor of shape $(B, \text{max\_len})$, True where the position $j$ (counted from 0) is smaller than `lengths[b]`.
# No Python loop: compare a row of positions with a column of lengths (the check tries 300 lengths and refuses reading them one at a time). The check compares with `lengths_to_mask`, which you may not call here.

# %%
def make_mask(lengths, max_len):
    """lengths (B,) int -> mask (B, max_len) bool, True on real tokens."""
    # BEGIN SOLUTION
    # HINT: torch.arange(max_len) numbers the positions from 0: which comparison with lengths[b] is True exactly on the real ones, and which shapes make it broadcast to (B, S)?
    positions = torch.arange(max_len)  # (S,)
    return positions.unsqueeze(0) < lengths.unsqueeze(1)  # (1, S) < (B, 1) -> (B, S)
    # END SOLUTION


check_make_mask(make_mask)

# %% [markdown]
# **Exercise 5.2 (pad a batch).** Write `pad_batch(sequences)` that takes a list of $B$ tensors of shapes $(L_b, H)$, for example encoder states of sentences of different lengths,
# and returns `(padded, mask)`: a tensor of shape $(B, S, H)$ with zeros after each sentence, $S = \max_b L_b$, and the boolean mask of shape $(B, S)$.

# %%
def pad_batch(sequences):
    """A list of (L_b, H) tensors -> padded (B, S, H) with zeros, mask (B, S) bool."""
    # BEGIN SOLUTION
    # HINT: pad_sequence(..., batch_first=True) pads with zeros; the lengths are the sequences' first dimensions
    padded = pad_sequence(sequences, batch_first=True)  # (B, S, H)
    lengths = torch.tensor([len(s) for s in sequences])  # (B,)
    return padded, lengths_to_mask(lengths, padded.shape[1])  # (B, S, H), (B, S)
    # END SOLUTION


check_pad_batch(pad_batch)

# %% [markdown]
# **Exercise 5.3 (one by one).** Write `attend_one_by_one(attention, query, keys, lengths)` that attends for each sentence $b$ separately: crop its keys to its own length $L_b$, call `attention` with a batch of one and no mask,
# and put the results back into `contexts` of shape $(B, D_k)$ and `weights` of shape $(B, S)$, with zeros on the padded positions.
# The check compares with one masked batch call, as section 5 did.

# %%
def attend_one_by_one(attention, query, keys, lengths):
    """Attention sentence by sentence: (B, Dq), (B, S, Dk), (B,) -> contexts (B, Dk), weights (B, S)."""
    # BEGIN SOLUTION
    # HINT: start from torch.zeros for the weights; keys[b : b + 1, :L] keeps a batch dimension of one
    B, S, Dk = keys.shape
    contexts = torch.zeros(B, Dk, dtype=keys.dtype)  # (B, Dk)
    weights = torch.zeros(B, S, dtype=keys.dtype)  # (B, S): padded positions stay 0
    for b in range(B):
        length = int(lengths[b])
        context, attn_weights = attention(query[b : b + 1], keys[b : b + 1, :length])  # (1, Dk), (1, L)
        contexts[b] = context[0]
        weights[b, :length] = attn_weights[0]
    return contexts, weights
    # END SOLUTION


check_one_by_one(attend_one_by_one)

# %% [markdown]
# ## Key points
#
# - A batch pads every sentence to the longest one, $S$; `lengths_to_mask` marks the real positions, and the masked softmax gives padding weight exactly 0.
# - A bidirectional RNN must not read padding: `pack_padded_sequence(..., enforce_sorted=False)` runs each sentence over its own tokens, so its $h_j$ equal those it gets alone.
# - Zero-valued padding still gets a score and a weight: only the mask removes it.
# - With packing and masking, a padded batch gives exactly the weights and contexts of one sentence at a time, checked to $10^{-6}$.
# - $U_a h_j$ does not depend on the decoder step: `project_keys` computes it once per sentence, and `projected_keys=` reuses it, with identical results.
# - Batching replaces $B \cdot S$ small Python-level operations with a few large tensor operations: that is where the speed comes from.
#
# ## References
#
# - D. Bahdanau, K. Cho, Y. Bengio (2015). *Neural Machine Translation by Jointly Learning to Align and Translate.* ICLR. arXiv:1409.0473. Section 3.2 (the bidirectional encoder) and Appendix A.1.2 (precomputing $U_a h_j$).
# - K. Cho, B. van Merriënboer, C. Gulcehre, D. Bahdanau, F. Bougares, H. Schwenk, Y. Bengio (2014). *Learning Phrase Representations using RNN Encoder-Decoder for Statistical Machine Translation.* EMNLP. arXiv:1406.1078 (the GRU).
# - M.-T. Luong, H. Pham, C. D. Manning (2015). *Effective Approaches to Attention-based Neural Machine Translation.* EMNLP. arXiv:1508.04025.
# - PyTorch documentation: [`pad_sequence`](https://pytorch.org/docs/stable/generated/torch.nn.utils.rnn.pad_sequence.html), [`pack_padded_sequence`](https://pytorch.org/docs/stable/generated/torch.nn.utils.rnn.pack_padded_sequence.html), [`pad_packed_sequence`](https://pytorch.org/docs/stable/generated/torch.nn.utils.rnn.pad_packed_sequence.html), [`nn.GRU`](https://pytorch.org/docs/stable/generated/torch.nn.GRU.html).
