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
# 4. precompute the keys $U_a h_j$ once per sentence (`project_keys`, `projected_keys=`), count the work that batching and precomputing save, and time it on your machine.
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
from rnn_attention.claims import claim
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
print(f"{int(src_mask.sum())} real positions of {src_mask.numel()}")
claim("the mask built from the lengths equals src != PAD here", torch.equal(src_mask, src != PAD))

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
forward_difference = (batched[:, :3] - alone[:, :3]).abs().max().item()
backward_difference = (batched[:, 3:] - alone[:, 3:]).abs().max().item()
print(f"forward  half, max |difference| = {forward_difference:.4f}")
print(f"backward half, max |difference| = {backward_difference:.4f}")
claim("without packing, the forward half agrees with the sentence alone (max |difference| < 1e-6)", forward_difference < 1e-6)
claim("without packing, the backward half does not (max |difference| > 0.01)", backward_difference > 0.01)

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
differences = [(enc_outputs[b, : len(t)] - encode_alone(t)).abs().max().item() for b, t in enumerate(sentences)]
padding_is_zero = [bool((enc_outputs[b, len(t) :] == 0).all()) for b, t in enumerate(sentences)]
claim("packed, every sentence gets the h_j it gets alone (max |difference| < 1e-6)", max(differences) < 1e-6)
claim("packed, the h_j on padded positions are exactly zero", all(padding_is_zero))

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
d_context, d_weights, on_padding = [], [], []
with torch.no_grad():
    for b, tokens in enumerate(sentences):
        length = len(tokens)
        keys_alone = encode_alone(tokens).unsqueeze(0)  # (1, L, 2H)
        context_alone, weights_alone = attention(dec_state[b : b + 1], keys_alone)  # (1, 2H), (1, L)
        d_context.append((context[b] - context_alone[0]).abs().max().item())
        d_weights.append((attn_weights[b, :length] - weights_alone[0]).abs().max().item())
        on_padding.append(attn_weights[b, length:].sum().item())
claim("every sentence's context c equals its context alone (max |difference| < 1e-6)", max(d_context) < 1e-6)
claim("every sentence's weights alpha equal its weights alone (max |difference| < 1e-6)", max(d_weights) < 1e-6)
claim("the padded positions get weight exactly 0", max(on_padding) == 0.0)

# %% [markdown]
# **And without the mask?** Packing made the padded $h_j$ zero. A common belief is that zero vectors then get zero weight by themselves.
# They do not: the score of a zero state is $v_a^\top \tanh(W_a s_{i-1} + U_a 0) = v_a^\top \tanh(W_a s_{i-1})$, an ordinary number, so the softmax gives it a share.

# %%
with torch.no_grad():
    context_nomask, weights_nomask = attention(dec_state, enc_outputs)  # (B, 2H), (B, S): no mask
on_padding = (weights_nomask * ~src_mask).sum(dim=1)  # (B,): weight that leaked onto padding
print("weight on padding without the mask:", [round(w, 3) for w in on_padding.tolist()])
print(f"largest change of a context vector: {(context_nomask - context).abs().max().item():.3f}")
claim("without the mask, sentences 1 and 3 put more than 0.1 of their weight on padding", on_padding[[0, 2]].min().item() > 0.1)

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
    largest = 0.0  # the largest difference between the two ways, over all steps
    for i in range(dec_states.shape[0]):
        c_slow, w_slow = attention(dec_states[i], enc_outputs, mask=src_mask)  # recomputes U_a h_j
        c_fast, w_fast = attention(dec_states[i], enc_outputs, mask=src_mask, projected_keys=projected_keys)
        largest = max(largest, (c_slow - c_fast).abs().max().item(), (w_slow - w_fast).abs().max().item())
print("projected_keys", tuple(projected_keys.shape))
claim("projected_keys gives the same contexts and weights (max |difference| < 1e-6)", largest < 1e-6)
B, S, Dk = enc_outputs.shape
A = attention.attn_size
print(f"multiply-adds saved per step: B*S*Dk*A = {B}*{S}*{Dk}*{A} = {B * S * Dk * A}")

# %% [markdown]
# ## 7. What batching and precomputing buy: count the work, then time it
#
# `rnn_attention.bench` has three ways of doing the same work (run `make bench` or `python -m rnn_attention.bench` to time them at the course's full sizes):
#
# - **loop**: a Python loop over sentences $b$ and positions $j$, one score at a time, the way one first writes the formula;
# - **vectorised**: one call of `AdditiveAttention` for the whole batch;
# - a decoding loop of $T$ steps that **recomputes** $U_a h_j$ at every step, against one that **precomputes** it with `project_keys`.
#
# We use small sizes so the cells run in seconds. First, all variants compute the same numbers:

# %%
from rnn_attention import bench

config = bench.BenchConfig(batch_size=16, src_len=20, hidden_size=64, attn_size=64, decode_steps=20, repeats=9, loop_repeats=3, warmup=2)
attn, query, keys, mask = bench.make_inputs(config)  # module, (B, H), (B, S, H), (B, S)
T = config.decode_steps
variants = {  # name -> one run of the variant
    "loop": lambda: bench.loop_attention(attn, query, keys),
    "vectorised": lambda: bench.batched_attention(attn, query, keys),
    "recompute": lambda: bench.decode_recompute(attn, query, keys, mask, T),
    "precompute": lambda: bench.decode_precompute(attn, query, keys, mask, T),
}
(c_loop, w_loop), (c_vec, w_vec), (c_re, w_re), (c_pre, w_pre) = (run() for run in variants.values())
print(f"B = {config.batch_size}, S = {config.src_len}, H = A = {config.hidden_size}, T = {T}")
claim("loop == vectorised (contexts within 1e-5, weights within 1e-6)",
      torch.allclose(c_loop, c_vec, atol=1e-5) and torch.allclose(w_loop, w_vec, atol=1e-6))
claim("recompute == precompute (contexts within 1e-5, weights within 1e-6)",
      torch.allclose(c_re, c_pre, atol=1e-5) and torch.allclose(w_re, w_pre, atol=1e-6))

# %% [markdown]
# **Count before you time.** A clock reading depends on the machine and on whatever else runs on it: on a busy laptop the same comparison can change by a factor of two, or even turn round.
# How much work each variant asks for does not change. We count two things in one run of each:
#
# - **calls**: how many tensor operations the Python code asks PyTorch for. Each call has a fixed cost (Python, argument checks, starting a kernel) of some microseconds, however small its tensors.
# - **multiply-adds** in matrix products: the arithmetic, which grows with $B$, $S$, $H$ and $A$. PyTorch's `FlopCounterMode` counts them (as 2 floating-point operations each).

# %%
from torch.overrides import TorchFunctionMode
from torch.utils.flop_counter import FlopCounterMode


class CountCalls(TorchFunctionMode):
    """Counts the calls into PyTorch that return a tensor (reading an attribute such as .weight excluded)."""

    def __init__(self):
        super().__init__()
        self.calls = 0

    def __torch_function__(self, func, types, args=(), kwargs=None):
        result = func(*args, **(kwargs or {}))
        if isinstance(result, torch.Tensor) and getattr(func, "__name__", "") != "__get__":
            self.calls += 1
        return result


def count_work(run):
    """(tensor operations called, multiply-adds in matrix products) in one call of run()."""
    calls, flops = CountCalls(), FlopCounterMode(display=False)
    with calls, flops:
        run()
    return calls.calls, flops.get_total_flops() // 2


work = {name: count_work(run) for name, run in variants.items()}
print(f"{'variant':>11} {'calls':>6} {'multiply-adds':>14}")
for name, (calls, madds) in work.items():
    print(f"{name:>11} {calls:6d} {madds:14,d}")

# %% [markdown]
# What the counts say, as statements that hold on any machine:

# %%
(loop_calls, loop_madds), (vec_calls, vec_madds) = work["loop"], work["vectorised"]
(re_calls, re_madds), (pre_calls, pre_madds) = work["recompute"], work["precompute"]
B, S, H, A = config.batch_size, config.src_len, config.hidden_size, config.attn_size
print(f"loop / vectorised: {loop_calls / vec_calls:.0f}x the calls, {loop_madds / vec_madds:.1f}x the multiply-adds")
print(f"precompute saves {1 - pre_madds / re_madds:.0%} of the multiply-adds and {1 - pre_calls / re_calls:.0%} of the calls")
claim("the loop makes more than 100 times as many calls as the vectorised version", loop_calls > 100 * vec_calls)
claim("the loop does less than 3 times the arithmetic of the vectorised version", loop_madds < 3 * vec_madds)
claim("precomputing saves exactly (T - 1) key projections, (T-1)*B*S*H*A multiply-adds", re_madds - pre_madds == (T - 1) * B * S * H * A)
claim("precomputing does fewer calls and fewer multiply-adds than recomputing", pre_calls < re_calls and pre_madds < re_madds)

# %% [markdown]
# - The loop does about twice the arithmetic of the vectorised call (it recomputes $W_a s_b$ for every position $j$), but it makes some 150 times as many calls: one per score part, per position, per sentence.
#   Expect it to be far slower: not because of the arithmetic, but because it pays the fixed cost of a call $B \cdot S$ times over.
# - Precomputing never does more work: it removes $T - 1$ of the $T$ key projections, most of the multiply-adds at these sizes, but only a few of the calls.
#   So how much time it saves depends on how the arithmetic compares with the fixed cost of the calls: little for tiny tensors, more for large $B \cdot S \cdot H \cdot A$.
#
# Now the clock. Each time is the median of several runs, the two variants of a comparison taking turns so that other work on the machine slows both alike.
# The ratios are what your machine gives now; rerun the cell and they move, and on a busy machine they can move a lot. Nothing is checked here: the counts above are the argument.

# %% tags=["nbval-ignore-output"]
threads = torch.get_num_threads()
torch.set_num_threads(1)  # tensors this small gain nothing from more threads, and the timings are steadier
try:
    batch_ms = bench.time_interleaved(
        {"loop": (variants["loop"], config.loop_repeats), "vectorised": (variants["vectorised"], config.repeats)}, 1
    )
    decode_ms = bench.time_interleaved(
        {"recompute": (variants["recompute"], config.repeats), "precompute": (variants["precompute"], config.repeats)},
        config.warmup,
    )
finally:
    torch.set_num_threads(threads)
timings = {**batch_ms, **decode_ms}  # median milliseconds of each variant
print(f"on this machine, now (median of {config.repeats} runs, the loop {config.loop_repeats}):")
print(f"  the loop takes {timings['loop'] / timings['vectorised']:.0f}x the time of the vectorised call")
print(f"  recomputing U_a h_j takes {timings['recompute'] / timings['precompute']:.2f}x the time of precomputing it, over {T} steps")

# %% [markdown]
# The figure puts the argument first: the counts (left and middle columns, the same on every machine), then the clock (right column, grey: this machine, now).
# If a bar of the grey column contradicts the counts beside it, the machine was busy: the counts, not the clock, are what this section argues from.

# %% tags=["nbval-ignore-output"]
fig, axes = plt.subplots(2, 3, figsize=(11, 5.6))
labels = {"loop": "loop over\nb and j", "vectorised": "vectorised",
          "recompute": "recompute\nU_a h_j", "precompute": "project_keys\nonce"}
colours = {"loop": "tab:orange", "vectorised": "tab:blue", "recompute": "tab:orange", "precompute": "tab:green"}
pairs = (("loop", "vectorised", "one attention step"), ("recompute", "precompute", f"{T} decoding steps"))
rows = (
    ("calls", lambda name: work[name][0], "{:,.0f}"),
    ("multiply-adds", lambda name: work[name][1], "{:,.0f}"),
    ("ms, this machine, now", lambda name: timings[name], "{:.2f}"),
)
for row, (first, second, what) in enumerate(pairs):
    for column, (quantity, value, fmt) in enumerate(rows):
        ax = axes[row, column]
        heights = [value(first), value(second)]
        ax.bar([labels[first], labels[second]], heights, color=[colours[first], colours[second]])
        ax.set_ylim(0, 1.25 * max(heights))
        for patch in ax.patches:
            ax.annotate(fmt.format(patch.get_height()), (patch.get_x() + patch.get_width() / 2, patch.get_height()),
                        ha="center", va="bottom", fontsize=9)
        ax.set_title(f"{what}: {quantity}", fontsize=10)
        ax.tick_params(axis="x", labelsize=9)
for ax in axes[:, 2]:
    ax.set_facecolor("#f3f3f3")  # the clock: grey, it changes from run to run
fig.suptitle(f"counted (any machine) | timed (this machine, now: median of {config.repeats} runs taking turns)", fontsize=10)
fig.tight_layout();

# %% [markdown]
# `make bench` times the parts of one decoding step separately (the key projection, the tanh, the softmax, the weighted sum) at the course's full sizes, where the arithmetic weighs more.

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
# (`trying()` puts the sliders back where they were afterwards, so the widget above still shows your choice.)

# %%
largest_row_error, largest_on_padding = 0.0, 0.0
with batch_widget.trying():
    for S, B in ((9, 4), (14, 7), (3, 2)):
        batch_widget.max_len.value = S
        batch_widget.batch_size.value = B
        state = batch_widget.state
        print(f"{state['text']}; lengths {state['lengths'].tolist()}")
        largest_row_error = max(largest_row_error, (state["row_sums"] - 1).abs().max().item())
        largest_on_padding = max(largest_on_padding, state["weight_on_padding"])
claim("for every (S, B) tried, each row of weights sums to 1 (within 1e-6)", largest_row_error < 1e-6)
claim("for every (S, B) tried, the padding gets weight exactly 0", largest_on_padding == 0.0)

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
# - Batching replaces thousands of small calls into PyTorch with a handful, for about half the arithmetic: it saves the fixed cost of each call. Precomputing $U_a h_j$ saves $T - 1$ key projections and adds no work.
# - Count the work (calls, multiply-adds) to compare two ways of computing; a measured time holds for one machine at one moment, so take the median of repeats and read it as that.
#
# ## References
#
# - D. Bahdanau, K. Cho, Y. Bengio (2015). *Neural Machine Translation by Jointly Learning to Align and Translate.* ICLR. arXiv:1409.0473. Section 3.2 (the bidirectional encoder) and Appendix A.1.2 (precomputing $U_a h_j$).
# - K. Cho, B. van Merriënboer, C. Gulcehre, D. Bahdanau, F. Bougares, H. Schwenk, Y. Bengio (2014). *Learning Phrase Representations using RNN Encoder-Decoder for Statistical Machine Translation.* EMNLP. arXiv:1406.1078 (the GRU).
# - M.-T. Luong, H. Pham, C. D. Manning (2015). *Effective Approaches to Attention-based Neural Machine Translation.* EMNLP. arXiv:1508.04025.
# - PyTorch documentation: [`pad_sequence`](https://pytorch.org/docs/stable/generated/torch.nn.utils.rnn.pad_sequence.html), [`pack_padded_sequence`](https://pytorch.org/docs/stable/generated/torch.nn.utils.rnn.pack_padded_sequence.html), [`pad_packed_sequence`](https://pytorch.org/docs/stable/generated/torch.nn.utils.rnn.pad_packed_sequence.html), [`nn.GRU`](https://pytorch.org/docs/stable/generated/torch.nn.GRU.html).
