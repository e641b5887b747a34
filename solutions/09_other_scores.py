# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 09 · Other scores and the road to Transformers
#
# *Bahdanau's additive score is one of several ways to compare a query with a key. Luong's dot and general scores, scaling by $\sqrt{d}$, and self-attention all keep the same recipe: a score per position, a softmax over however many positions there are, a weighted sum.*
#
# **Time:** about 30 minutes. The four small models of section 3 train in about 1-2 minutes on a CPU (seconds on a GPU); a second run loads them from `runs/`.
#
# **Questions**
# - Which other score functions are there, and how do they differ from $v_a^\top \tanh(W_a s_{i-1} + U_a h_j)$?
# - Why does the Transformer divide its dot products by $\sqrt{d}$?
# - What is self-attention, and what of the RNN model carries over to Transformers?
# - If the decoder can look at every input position, why do we still need the encoder RNN?
#
# **Learning goals.** After this notebook you can
# 1. write the dot, general and concat scores of Luong et al. (2015) and compute each on a pencil example;
# 2. show that the concat score is Bahdanau's additive score with $W = [W_a \; U_a]$;
# 3. compare the scores trained on the same task: their accuracy, and their cost per step counted in multiply-adds;
# 4. explain with a number why unscaled dot products saturate the softmax as $d$ grows;
# 5. check the package's `scaled_dot_product_attention` against PyTorch's, with padding and causal masks;
# 6. build self-attention weights of shape $(B, T, T)$ and say what carries over to Transformers and what does not;
# 7. show that attention over a set of vectors ignores their order, so order must come from an encoder or from positional encodings.
#
# **You need:** notebooks 02-05 (scores, softmax, context, masks) and 06 (training with `load_or_train`).

# %% [markdown]
# ## 1. Set-up

# %% tags=["nbval-ignore-output"]
import math

import matplotlib.pyplot as plt
import torch
import torch.nn.functional as F

from rnn_attention import (
    AdditiveAttention,
    DotAttention,
    GeneralAttention,
    lengths_to_mask,
    scaled_dot_product_attention,
)
from rnn_attention.claims import claim, result
from rnn_attention.data import load_split
from rnn_attention.environment import course_profile, describe_machine, setup
from rnn_attention.exercises import check_general_score, check_scaled_dot_scores, check_self_attention_weights
from rnn_attention.models import build_model, count_parameters
from rnn_attention.plotting import plot_attention
from rnn_attention.train import get_config, load_or_train
from rnn_attention.widgets import scaling_widget

device = setup(seed=0)

# %% [markdown]
# ## 2. Four scores on the same inputs
#
# All the scores compare a **query** with each **key**. In the RNN model the query is the decoder state $s$ (Luong uses the current state $s_i$, Bahdanau the previous one $s_{i-1}$; we write $s$) and the keys are the encoder states $h_j$.
# Each score gives one number $e_j$ per position $j$; a softmax turns them into weights $\alpha_j$; the context is $c = \sum_j \alpha_j h_j$.
# Only the score changes. Luong, Pham and Manning (2015) list three:
#
# | name | score $e_j$ | parameters |
# |---|---|---|
# | dot | $s^\top h_j$ | none (needs $s$ and $h_j$ of the same size) |
# | general | $s^\top W_a h_j$ | $W_a$: $D_q \times D_k$ |
# | concat | $v_a^\top \tanh(W [s; h_j])$ | $W$: $A \times (D_q + D_k)$, $v_a$: $A$ |
#
# and Bahdanau's **additive** score is $v_a^\top \tanh(W_a s + U_a h_j)$.
#
# The pencil example: a query with 2 features and 3 keys.
#
# $$s = \begin{pmatrix}1\\2\end{pmatrix}, \quad h_1 = \begin{pmatrix}1\\0\end{pmatrix}, \quad h_2 = \begin{pmatrix}0\\1\end{pmatrix}, \quad h_3 = \begin{pmatrix}1\\1\end{pmatrix}$$

# %%
query = torch.tensor([[1.0, 2.0]])  # s: (B=1, D=2)
keys = torch.tensor([[[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]]])  # h_1, h_2, h_3: (B=1, S=3, D=2)
print("query s:", query[0].tolist())
print("keys h_j:", keys[0].tolist())

# %% [markdown]
# ### The dot score
#
# $$e_j = s^\top h_j$$
#
# By hand: $e_1 = 1 \cdot 1 + 2 \cdot 0 = 1$, $e_2 = 2$, $e_3 = 1 + 2 = 3$. The package's `DotAttention` has no parameters at all.

# %%
dot = DotAttention()
dot_scores = dot.score(query, keys)  # e_j = s^T h_j: (B, S)
print("dot scores:", dot_scores[0].tolist(), "| parameters:", count_parameters(dot))

# %% [markdown]
# ### The general score
#
# $$e_j = s^\top W_a h_j$$
#
# $W_a$ lets the query and the keys live in different spaces, even of different sizes. Take $W_a = \begin{pmatrix}1 & 0\\ 0 & 2\end{pmatrix}$: then $W_a h_1 = (1, 0)$, $W_a h_2 = (0, 2)$, $W_a h_3 = (1, 2)$, and the scores are $1$, $4$ and $1 + 4 = 5$.
# In `GeneralAttention`, $W_a$ is an `nn.Linear(key_size, query_size)`, whose `.weight` is the matrix $W_a$.

# %%
general = GeneralAttention(query_size=2, key_size=2)
with torch.no_grad():
    general.W_a.weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 2.0]]))  # W_a: (Dq, Dk)
general_scores = general.score(query, keys)  # e_j = s^T W_a h_j: (B, S)
print("general scores:", general_scores[0].tolist())

# %% [markdown]
# ### Bahdanau's additive score
#
# $$e_j = v_a^\top \tanh(W_a s + U_a h_j)$$
#
# Take $W_a = U_a = I$ (the $2 \times 2$ identity) and $v_a = (1, -1)$. Then $e_j = \tanh(s_1 + h_{j1}) - \tanh(s_2 + h_{j2})$:
#
# - $e_1 = \tanh(2) - \tanh(2) = 0$
# - $e_2 = \tanh(1) - \tanh(3) = 0.7616 - 0.9951 = -0.2335$
# - $e_3 = \tanh(2) - \tanh(3) = 0.9640 - 0.9951 = -0.0310$ (to four places: $0.96403 - 0.99505$)

# %%
additive = AdditiveAttention(query_size=2, key_size=2, attn_size=2)
with torch.no_grad():
    additive.W_a.weight.copy_(torch.eye(2))  # W_a: (A, Dq)
    additive.U_a.weight.copy_(torch.eye(2))  # U_a: (A, Dk)
    additive.v_a.weight.copy_(torch.tensor([[1.0, -1.0]]))  # v_a: (1, A)
    additive_scores = additive.score(query, keys)  # e_j = v_a^T tanh(W_a s + U_a h_j): (B, S)
print("additive scores:", [f"{e:.4f}" for e in additive_scores[0].tolist()])

# %% [markdown]
# ### The concat score is the additive score
#
# Luong's concat score stacks $s$ and $h_j$ into one vector $[s; h_j]$ and multiplies by one matrix $W$:
#
# $$e_j = v_a^\top \tanh\big(W [s; h_j]\big)$$
#
# Split $W$ into its first $D_q$ columns and its last $D_k$ columns, $W = [W_a \; U_a]$. A matrix times a stacked vector is the sum of the blocks times the parts:
# $W [s; h_j] = W_a s + U_a h_j$. So concat and additive are the same score, written two ways.
# Here $W = [I \; I]$, a $2 \times 4$ matrix, and the code below computes the concat form directly.

# %%
W = torch.cat([additive.W_a.weight, additive.U_a.weight], dim=1)  # W = [W_a U_a]: (A, Dq + Dk)
v_a = additive.v_a.weight[0]  # (A,)
with torch.no_grad():
    stacked = torch.cat([query.expand(3, 2), keys[0]], dim=1)  # [s; h_j] for each j: (S, Dq + Dk)
    concat_scores = torch.tanh(stacked @ W.T) @ v_a  # e_j = v_a^T tanh(W [s; h_j]): (S,)
print("W = [W_a U_a] =", W.tolist())
print("concat scores:  ", [f"{e:.4f}" for e in concat_scores.tolist()])
claim("concat == additive (max abs difference < 1e-6)", (concat_scores - additive_scores[0]).abs().max().item() < 1e-6)

# %% [markdown]
# The same holds for any sizes. A random additive module with $D_q = 5$, $D_k = 7$, $A = 4$ and 9 random keys:

# %%
torch.manual_seed(0)
big = AdditiveAttention(query_size=5, key_size=7, attn_size=4)
s_big, h_big = torch.randn(1, 5), torch.randn(1, 9, 7)  # (B, Dq), (B, S, Dk)
W_big = torch.cat([big.W_a.weight, big.U_a.weight], dim=1)  # (A, Dq + Dk) = (4, 12)
with torch.no_grad():
    stacked = torch.cat([s_big.expand(9, 5), h_big[0]], dim=1)  # (S, Dq + Dk)
    concat_big = torch.tanh(stacked @ W_big.T) @ big.v_a.weight[0]  # (S,)
    additive_big = big.score(s_big, h_big)[0]  # (S,)
print("W has shape", tuple(W_big.shape))
claim("for random sizes too, concat == additive (within 1e-5)", torch.allclose(concat_big, additive_big, atol=1e-5))

# %% [markdown]
# ### Same inputs, different weights
#
# The softmax turns each row of scores into weights. For the dot scores $(1, 2, 3)$: $e^1, e^2, e^3 = 2.718, 7.389, 20.09$, sum $30.19$, so $\alpha = (0.0900, 0.2447, 0.6652)$.
# A larger spread of scores gives a sharper distribution: the general scores $(1, 4, 5)$ put 72% on $h_3$; the additive scores, all within $0.24$ of each other, stay close to uniform.

# %%
for name, scores in (("dot", dot_scores), ("general", general_scores), ("additive", additive_scores)):
    weights = torch.softmax(scores, dim=-1)  # alpha_j = exp(e_j) / sum_k exp(e_k): (B, S)
    print(f"{name:>8}: alpha = {[f'{a:.4f}' for a in weights[0].tolist()]}")

# %% [markdown]
# **Exercise 9.1.** Write `general_score(query, keys, W)` for Luong's general score $e_j = s^\top W h_j$, with a query of shape `(B, Dq)`, keys of shape `(B, S, Dk)` and a matrix `W` of shape `(Dq, Dk)`. Return `(B, S)`.
# The check first tries the pencil example above: it should give $(1, 4, 5)$.

# %%
def general_score(query, keys, W):
    """e_j = s^T W h_j for every j: (B, Dq), (B, S, Dk), (Dq, Dk) -> (B, S)."""
    # BEGIN SOLUTION
    # HINT: W is (Dq, Dk) and h_j is (Dk,), so W h_j has the size of s: compute it for all j at once, then the dot product with s
    projected = keys @ W.T  # W h_j: (B, S, Dq)
    return (projected * query.unsqueeze(1)).sum(dim=-1)  # (B, S)
    # END SOLUTION


check_general_score(general_score)

# %% [markdown]
# ## 3. Trained on the same task
#
# Now the four scores inside the same encoder-decoder of notebook 06, trained on the same dates task (`24. November 2026` $\to$ `2026-11-24`), with the same seed and the same number of steps.
# `load_or_train` loads a checkpoint from `runs/` when one with exactly this configuration exists, and trains it otherwise.
#
# Two facts about the package's models before we look at numbers:
#
# - **concat** builds the same network as **additive**, as section 2 showed.
# - In this model the decoder state $s$ has $H$ features and each $h_j$ has $2H$ (the encoder is bidirectional). A plain dot product of vectors of different sizes does not exist, so the package's **dot** model first projects the keys, $P h_j$, with a $H \times 2H$ matrix $P$. Then $e_j = s^\top P h_j$: that is the general score. A truly parameter-free dot score needs $s$ and $h_j$ of the same size.
#
# So there are really two different models among the four. The next cell checks it on the untrained networks.

# %%
def initial_parameters(kind, src_vocab_size=61, tgt_vocab_size=15):
    """The parameters of a freshly built model with `kind` of attention, seeded as in training."""
    torch.manual_seed(0)
    model = build_model(src_vocab_size, tgt_vocab_size, get_config("ci", attention=kind))
    return [p.detach().clone() for p in model.parameters()]


def same_network(a, b):
    """True when two kinds of attention build identical networks (same parameters, same values)."""
    pa, pb = initial_parameters(a), initial_parameters(b)
    return len(pa) == len(pb) and all(x.shape == y.shape and torch.equal(x, y) for x, y in zip(pa, pb))


claim("the concat model is the additive model before training (same parameters, same values)", same_network("concat", "additive"))
claim("the dot model is the general model before training", same_network("dot", "general"))
claim("the additive and general models are different networks", not same_network("additive", "general"))

# %% [markdown]
# We still train all four: identical networks trained identically should give identical accuracy, and their training times show how much a time measured on one machine varies by itself.
#
# One more fact: all four scores sit inside the same decoder, Bahdanau's. They score the previous state $s_{i-1}$ before the GRU step, and $c_i$ is an input of that step.
# That is not the architecture of Luong et al. (2015), who score the *new* state $s_i$ after the step and combine it with $c_i$ in an extra layer, $\tilde{s}_i = \tanh(W_c [c_i; s_i])$, fed into the next step.
# So this section compares score functions inside one model, not Luong's model with Bahdanau's.
#
# Every model gets notebook 06's recipe: the same sizes, 600 steps each, on every device. The additive model *is* notebook 06's model, so the course stores it once.
# The cell loads the course's reference models (seconds); with `COURSE_TRAIN=1` it trains your own, about 20 s each on one CPU core.
# The cell prints one line per model when it is done (`progress=False` turns off the progress bars of notebook 06: four of them would fill the screen).

# %% tags=["nbval-ignore-output"]
KINDS = ["additive", "concat", "dot", "general"]
print("training profile:", course_profile())

results = {}
for kind in KINDS:
    print(f"--- {kind}: loading or training (about 20 s on a CPU) ...", flush=True)
    cfg = get_config(task="dates", attention=kind, progress=False)  # notebook 06's recipe, this score
    run = load_or_train(cfg)
    results[kind] = {"model": run.model, "vocabs": run.vocabs, "info": run.info}

# %% [markdown]
# The table: test exact match (the whole output date right), per-token accuracy, and the training time, on this machine, now.
# The accuracies are the same on every machine and in every profile; the times are those of the training runs, and depend on the machine and on what else it was doing.

# %% tags=["nbval-ignore-output"]
print(f"{'score':>9} {'exact match':>12} {'token acc':>10} {'train s':>8} {'ms/step':>8} {'params':>8}   (times: this machine, now)")
for kind in KINDS:
    info = results[kind]["info"]
    print(
        f"{kind:>9} {info['exact_match']:12.4f} {info['token_accuracy']:10.4f} {info['seconds']:8.1f} "
        f"{1000 * info['seconds'] / max(info['steps'], 1):8.1f} {info['params']:8d}"
    )
info = results["additive"]["info"]
result("09 dates, four scores", profile=course_profile(), machine=describe_machine(info["device"], cfg.num_threads),
       steps=info["steps"], steps_planned=info["steps_planned"],
       seconds=round(sum(results[k]["info"]["seconds"] for k in KINDS), 1),
       **{f"{k}_exact_match": round(results[k]["info"]["exact_match"], 4) for k in KINDS})

# %%
fig, (ax_acc, ax_time) = plt.subplots(1, 2, figsize=(9, 3))
colours = ["tab:blue", "tab:blue", "tab:orange", "tab:orange"]  # same colour = same network
ax_acc.bar(KINDS, [results[k]["info"]["exact_match"] for k in KINDS], color=colours)
ax_acc.set_ylim(0, 1)
ax_acc.set_ylabel("test exact match")
ax_acc.set_title(f"accuracy after {info['steps']} steps")
ax_time.bar(KINDS, [results[k]["info"]["seconds"] for k in KINDS], color=colours)
ax_time.set_ylabel("training seconds")
ax_time.set_title("time for the same steps (the training runs)")
fig.tight_layout()

# %% [markdown]
# The compared accuracies, as statements checked on the results:

# %%
exact = {kind: results[kind]["info"]["exact_match"] for kind in KINDS}
claim("the additive score reaches >= 0.97 exact match", exact["additive"] >= 0.97)
claim("every score reaches >= 0.97 exact match", all(em >= 0.97 for em in exact.values()))
claim("concat and additive within 0.02 of each other", abs(exact["concat"] - exact["additive"]) <= 0.02)
claim("dot and general within 0.02 of each other", abs(exact["dot"] - exact["general"]) <= 0.02)

# %% [markdown]
# **Which score costs more?** The training times cannot say: additive and concat are the same network, doing the same arithmetic, and their times differ by whatever else the machine was doing.
# So we count the arithmetic instead. A linear layer whose weight matrix has $n$ entries costs $n$ multiply-adds per example, so the count follows from the sizes of the trained models. For one sentence with $S$ source positions, per decoder step:
#
# - **additive**: $W_a s_{i-1}$ costs $H \cdot A$; then $v_a^\top \tanh(\cdot)$ at every position costs $S \cdot A$, plus $S \cdot A$ evaluations of $\tanh$;
# - **general** (and the projected dot): $s_{i-1}^\top (W_a h_j)$ at every position costs $S \cdot H$;
# - **every model**: the GRU step and the read-out (their weight counts) and the weighted sum $\sum_j \alpha_{ij} h_j$ ($S \cdot 2H$).
#
# Once per sentence, not per step, each score also projects every key: $U_a h_j$ costs $S \cdot 2H \cdot A$, $W_a h_j$ (or $P h_j$) $S \cdot 2H \cdot H$.
# $S$ and the number of steps $T$ (target length + 1, for the end symbol) are the averages over the test set.

# %%
test_pairs = load_split("dates", "test")
S_avg = sum(len(src) for src, _ in test_pairs) / len(test_pairs)  # average source length
T_avg = 1 + sum(len(tgt) for _, tgt in test_pairs) / len(test_pairs)  # decoder steps: the target and the end symbol


def multiply_adds(model, S, T):
    """(score per step, whole decoder step, keys once per sentence, decoder per sentence) in multiply-adds."""
    decoder, attention = model.decoder, model.decoder.attention
    H, K = decoder.hidden_size, decoder.enc_size  # K = 2H: the size of one h_j
    if hasattr(attention, "v_a"):  # additive, concat: W_a s_{i-1}, then v_a^T over S vectors of size A
        A = attention.attn_size
        score, keys_once = H * A + S * A, S * K * A
    else:  # dot, general: s_{i-1}^T (W_a h_j) at each of S positions
        score, keys_once = S * H, S * K * H
    rest = decoder.rnn.weight_ih.numel() + decoder.rnn.weight_hh.numel() + decoder.output.weight.numel() + S * K
    return score, score + rest, keys_once, T * (score + rest) + keys_once


counts = {kind: multiply_adds(results[kind]["model"], S_avg, T_avg) for kind in KINDS}
print(f"S = {S_avg:.1f} source positions, T = {T_avg:.1f} decoder steps on average")
print(f"{'score':>9} {'score/step':>11} {'decoder/step':>13} {'keys/sentence':>14} {'decoder/sentence':>17}")
for kind in KINDS:
    print(f"{kind:>9}" + "".join(f"{n:>{w},.0f}" for n, w in zip(counts[kind], (12, 14, 15, 18))))

# %%
additive_step, general_step = counts["additive"][0], counts["general"][0]
share_of_step = (additive_step - general_step) / counts["additive"][1]
share_of_sentence = abs(counts["additive"][3] - counts["general"][3]) / counts["additive"][3]
print(f"additive - general: {share_of_step:.1%} of a decoder step, {share_of_sentence:.1%} of the decoder's work per sentence")
claim("per decoder step, the additive score needs more multiply-adds than the general score", additive_step > general_step)
claim("the difference is less than 15% of a decoder step's multiply-adds", share_of_step < 0.15)
claim("per sentence, the two scores' totals differ by less than 15%", share_of_sentence < 0.15)

# %% [markdown]
# What to read from it:
#
# - On this task every score reaches a high exact match (at least 0.85, checked above); notebook 08 compares attention with no attention at all.
# - Counted, the additive score costs more per step than the general score: $W_a s_{i-1}$ and a $\tanh$ at every position. But the GRU step costs far more than either score, so the difference is a small part of a step; and per sentence, the keys' projection (which is larger for general when $H > A$) can make up for it.
#   Whether a measured time could show a difference of a few percent, the table tells you itself: additive and concat are the same network, so the gap between their times is noise alone.
# - Luong et al. (2015) compare the scores in section 5.3 (Table 4): dot worked well for their global attention and general for their local attention; their concat score did not perform well, and they left its analysis open. (Here, inside Bahdanau's decoder, concat is the additive score, the course's default.)
# - Transformers use the dot score, scaled: all the scores of a layer are one matrix product, which Vaswani et al. (2017, section 3.2.1) found much faster and more memory-efficient in practice than additive attention, for the same theoretical cost.

# %% [markdown]
# ## 4. Global and local attention, in brief
#
# Everything so far is **global** attention: every source position gets a weight at every step. Luong et al. also proposed **local** attention.
# At step $i$ the model predicts a centre $p_i$ in the source, scores only the window $[p_i - D, p_i + D]$, and multiplies the weights by a Gaussian around $p_i$ with $\sigma = D/2$:
#
# $$\alpha_{ij} = \mathrm{softmax}_{j \in \text{window}}(e_{ij}) \cdot \exp\!\Big(-\frac{(j - p_i)^2}{2\sigma^2}\Big)$$
#
# The Gaussian pulls the weights towards $p_i$ (so they sum to a little less than one). The cost per step drops from $T_x$ scores to $2D + 1$. Local attention needs a good guess of $p_i$. Luong's *predictive* window with a learned centre is rarely used today, but windowed attention around each position is common for long inputs (Longformer and BigBird in 2020, the sliding window of Mistral 7B in 2023). The picture shows both on 20 positions.

# %%
torch.manual_seed(1)
S, p_i, D = 20, 12.0, 3  # source length, predicted centre, half-width of the window
positions = torch.arange(1, S + 1, dtype=torch.float32)  # j = 1..S: (S,)
scores_20 = torch.randn(S)  # e_ij for one step i: (S,)
global_weights = torch.softmax(scores_20, dim=0)  # (S,)
window = (positions - p_i).abs() <= D  # (S,) bool: the 2D + 1 positions that are scored
gaussian = torch.exp(-((positions - p_i) ** 2) / (2 * (D / 2) ** 2))  # (S,)
local_weights = torch.zeros(S)
local_weights[window] = torch.softmax(scores_20[window], dim=0) * gaussian[window]  # (S,)

fig, axes = plt.subplots(1, 2, figsize=(10, 2.6), sharey=True)
axes[0].bar(positions, global_weights, color="tab:blue")
axes[0].set_title(f"global: {S} weights")
axes[1].bar(positions, local_weights, color="tab:green")
axes[1].axvspan(p_i - D - 0.5, p_i + D + 0.5, color="tab:green", alpha=0.12, label="window")
axes[1].plot(positions, gaussian * local_weights.max(), ":", color="grey", label="Gaussian around p_i")
axes[1].set_title(f"local: window p_i = {p_i:.0f} +/- {D}")
axes[1].legend(fontsize=8, frameon=False)
for ax in axes:
    ax.set_xlabel("source position j")
    ax.set_xticks(range(1, S + 1, 2))
axes[0].set_ylabel("alpha_ij")
fig.tight_layout()
print("global: non-zero weights =", int((global_weights > 0).sum()), "| local: non-zero weights =", int((local_weights > 0).sum()))
claim("local attention gives weight only to the 2D + 1 positions of its window", int((local_weights > 0).sum()) == 2 * D + 1)

# %% [markdown]
# ## 5. Why divide by $\sqrt{d}$?
#
# The Transformer's score is the dot score, divided by the square root of the key size $d$ (Vaswani et al., 2017):
#
# $$e_j = \frac{q^\top k_j}{\sqrt{d}}$$
#
# Why? Take $q$ and $k$ with $d$ independent entries of mean 0 and variance 1. Then $q^\top k = \sum_{m=1}^{d} q_m k_m$ is a sum of $d$ terms, each of mean 0 and variance 1.
# Variances of independent terms add, so $\mathrm{Var}(q^\top k) = d$ and its standard deviation is $\sqrt{d}$.
# The spread of the scores grows with $d$; dividing by $\sqrt{d}$ brings it back to 1. Measured on 20,000 random pairs:

# %%
generator = torch.Generator().manual_seed(0)
scaled_spread = []  # std of q.k / sqrt(d), for each d
print(f"{'d':>5} {'std of q.k':>11} {'sqrt(d)':>8} {'std of q.k/sqrt(d)':>19}")
for d in (4, 16, 64, 256, 1024):
    q = torch.randn(20_000, d, generator=generator, dtype=torch.float64)  # 20,000 queries: (N, d)
    k = torch.randn(20_000, d, generator=generator, dtype=torch.float64)  # 20,000 keys: (N, d)
    dots = (q * k).sum(dim=1)  # q . k for each pair: (N,)
    scaled_spread.append((dots / math.sqrt(d)).std().item())
    print(f"{d:5d} {dots.std().item():11.1f} {math.sqrt(d):8.1f} {scaled_spread[-1]:19.2f}")
claim("divided by sqrt(d), the spread is within 0.05 of 1 for every d", all(abs(sd - 1) < 0.05 for sd in scaled_spread))

# %% [markdown]
# Why does a large spread hurt? The softmax is $\exp(e_j) / \sum_k \exp(e_k)$. When the scores differ by tens, the largest one takes almost all the weight: the softmax **saturates** into a one-hot vector.
# Its gradient then nearly vanishes (a one-hot softmax barely changes when a score moves a little), so training stalls. Scaling keeps the softmax in its useful range.
#
# The widget draws the weights of 10 random keys for one random query, with entries of variance 1. Move the **key size d**; tick **scale by sqrt(d)**.
# The text line gives the spread of the scores, the largest weight, and the entropy $-\sum_j \alpha_j \ln \alpha_j$ (2.30 for 10 equal weights, 0 for one-hot).

# %% tags=["nbval-ignore-output"]
scaling = scaling_widget(n_keys=10, initial_d=16)
scaling.widget

# %% [markdown]
# The check cell drives the widget in code: the largest key size, without and with scaling.
# (`trying()` puts the widget back afterwards, so it still shows the key size you chose.)

# %%
with scaling.trying():  # afterwards the widget above shows your own setting again, not the check's
    scaling.scaled.value = False
    scaling.d.value = 1024
    print(scaling.state["text"])
    unscaled = dict(scaling.state)
    scaling.scaled.value = True
    print(scaling.state["text"])
    scaled = dict(scaling.state)
print("the widget shows again: d =", scaling.d.value, "| scaled:", scaling.scaled.value)
claim("unscaled at d = 1024 is one-hot (max weight > 0.99)", unscaled["max_weight"] > 0.99)
claim("scaled at d = 1024 stays spread (entropy > 1.5)", scaled["entropy"] > 1.5)

# %% [markdown]
# **Exercise 9.2.** The scaled score for many queries at once. Write `scaled_dot_scores(query, keys)` that returns the scores $e_{ij} = q_i^\top k_j / \sqrt{d}$ for queries of shape `(B, T, d)` and keys of shape `(B, S, d)`, as a tensor of shape `(B, T, S)`. Section 6 starts from exactly these scores.

# %%
def scaled_dot_scores(query, keys):
    """e_ij = q_i . k_j / sqrt(d): (B, T, d), (B, S, d) -> (B, T, S)."""
    # BEGIN SOLUTION
    # HINT: which axis of keys must meet the last axis of query in a matrix product? And which size is d?
    d = query.shape[-1]
    return query @ keys.transpose(1, 2) / math.sqrt(d)
    # END SOLUTION


check_scaled_dot_scores(scaled_dot_scores)

# %% [markdown]
# ## 6. `scaled_dot_product_attention`, checked against PyTorch
#
# With many queries at once, stacked as rows of $Q$ (shape $T \times d$), keys as rows of $K$ ($S \times d$) and values as rows of $V$ ($S \times d_v$), the whole attention is three matrix operations:
#
# $$\mathrm{Attention}(Q, K, V) = \mathrm{softmax}\!\Big(\frac{Q K^\top}{\sqrt{d}}\Big)\, V$$
#
# In the RNN model there was one query per step ($s_{i-1}$) and keys = values = $h_j$. Here all $T$ queries are answered together, and the weights form a $T \times S$ matrix: the $\alpha$ matrix of notebook 07.
# The package's `scaled_dot_product_attention(q, k, v, mask)` returns the output and that matrix; PyTorch's `torch.nn.functional.scaled_dot_product_attention` returns only the output (and uses fused kernels on a GPU). Both use a boolean mask with True = may attend.
#
# First, a batch of two sentences of source lengths 6 and 3: a **key padding mask** of shape $(B, S)$.

# %%
torch.manual_seed(0)
B, T, S, d, d_v = 2, 4, 6, 8, 5
q = torch.randn(B, T, d)  # queries: (B, T, d)
k = torch.randn(B, S, d)  # keys: (B, S, d)
v = torch.randn(B, S, d_v)  # values: (B, S, d_v)
key_mask = lengths_to_mask(torch.tensor([6, 3]), max_len=S)  # (B, S): True = real token

ours, weights = scaled_dot_product_attention(q, k, v, mask=key_mask)  # (B, T, d_v), (B, T, S)
theirs = F.scaled_dot_product_attention(q, k, v, attn_mask=key_mask.unsqueeze(1))  # mask (B, 1, S) broadcasts over T
print("output shape:", tuple(ours.shape), "| weights shape:", tuple(weights.shape))
claim("padding mask: max |ours - torch| < 1e-6", (ours - theirs).abs().max().item() < 1e-6)
claim("the 3 padded keys of sentence 2 get weight exactly 0", weights[1, :, 3:].abs().max().item() == 0.0)

# %% [markdown]
# Second, a **causal mask**: position $i$ may look at positions $j \le i$ only, as a decoder that must not see the future. It is lower-triangular, shape $(T, T)$; PyTorch builds it itself with `is_causal=True`.
# Then both masks together: causal, and no attention to padding.

# %%
torch.manual_seed(1)
T = 5
x_q, x_k, x_v = torch.randn(B, T, d), torch.randn(B, T, d), torch.randn(B, T, d_v)  # (B, T, d), (B, T, d), (B, T, d_v)
causal = torch.tril(torch.ones(T, T, dtype=torch.bool))  # (T, T): True on and below the diagonal
ours, weights = scaled_dot_product_attention(x_q, x_k, x_v, mask=causal.expand(B, T, T))  # (B, T, d_v), (B, T, T)
theirs = F.scaled_dot_product_attention(x_q, x_k, x_v, is_causal=True)  # (B, T, d_v)
claim("causal mask: max |ours - torch| < 1e-6", (ours - theirs).abs().max().item() < 1e-6)
print("weights of sentence 1, row by row (zeros above the diagonal):")
print(weights[0].numpy().round(2))

both = causal & lengths_to_mask(torch.tensor([5, 3]), max_len=T).unsqueeze(1)  # (B, T, T)
ours, _ = scaled_dot_product_attention(x_q, x_k, x_v, mask=both)
theirs = F.scaled_dot_product_attention(x_q, x_k, x_v, attn_mask=both)
claim("causal + padding: max |ours - torch| < 1e-6", (ours - theirs).abs().max().item() < 1e-6)

# %% [markdown]
# ## 7. Self-attention: every position queries every other
#
# In the RNN model, the query was the decoder state $s_{i-1}$ and the keys were the encoder states $h_j$: one sequence asks about another.
# **Self-attention** replaces the decoder state by the positions of the same sequence: every position $t$ asks about every position $u$.
# From the inputs $X$ (one row $x_t$ per position, shape $T \times E$), three learned matrices make queries, keys and values:
#
# $$Q = X W_q, \quad K = X W_k, \quad V = X W_v, \qquad \alpha = \mathrm{softmax}\!\Big(\frac{Q K^\top}{\sqrt{d}}\Big) \in \mathbb{R}^{T \times T}$$
#
# and each output row is $\sum_u \alpha_{tu} v_u$. The parameters $W_q, W_k, W_v$ have sizes $E \times d$: again nothing depends on $T$.

# %%
torch.manual_seed(0)
tokens = list("24.11.2026")
E, d = 16, 8
X = torch.randn(1, len(tokens), E)  # one "sentence" of T = 10 input vectors: (B, T, E)
W_q, W_k, W_v = (torch.randn(E, d) / math.sqrt(E) for _ in range(3))  # (E, d) each
Q, K, V = X @ W_q, X @ W_k, X @ W_v  # Q = X W_q, K = X W_k, V = X W_v: (B, T, d) each
out, self_weights = scaled_dot_product_attention(Q, K, V)  # (B, T, d), (B, T, T)
print("X:", tuple(X.shape), "-> weights:", tuple(self_weights.shape), "-> outputs:", tuple(out.shape))
claim("the rows of the self-attention weights sum to 1", torch.allclose(self_weights.sum(-1), torch.ones(1, len(tokens))))

# %% [markdown]
# The $T \times T$ weights, drawn with the same `plot_attention` as the alignments of notebook 07: rows are the querying positions, columns the positions looked at.
# The matrices are random, so the pattern means nothing yet; a trained Transformer learns it.

# %%
ax = plot_attention(self_weights[0], tokens, tokens, title="self-attention: T x T weights (random W_q, W_k)")
ax.set_xlabel("position u looked at (key)")
ax.set_ylabel("querying position t")
ax.figure.tight_layout()

# %% [markdown]
# **Exercise 9.3.** Write `self_attention_weights(X, W_q, W_k)` that returns the self-attention weights $\alpha = \mathrm{softmax}(Q K^\top / \sqrt{d})$ with $Q = X W_q$, $K = X W_k$, for `X` of shape `(B, T, E)` and `W_q`, `W_k` of shape `(E, d)`. Return `(B, T, T)`; each row must sum to 1.

# %%
def self_attention_weights(X, W_q, W_k):
    """alpha = softmax(X W_q (X W_k)^T / sqrt(d)): (B, T, E), (E, d), (E, d) -> (B, T, T)."""
    # BEGIN SOLUTION
    # HINT: build Q and K, then the scores as in exercise 9.2; over which axis must each row of weights sum to 1?
    Q, K = X @ W_q, X @ W_k  # (B, T, d) each
    scores = Q @ K.transpose(1, 2) / math.sqrt(W_q.shape[1])  # (B, T, T)
    return torch.softmax(scores, dim=-1)
    # END SOLUTION


check_self_attention_weights(self_attention_weights)

# %% [markdown]
# ## 8. "Attention sees the whole input, so the encoder RNN is unnecessary"?
#
# A tempting conclusion: the decoder can look at every input position at once, so why run an RNN over the input first? Why not attend over the raw embeddings?
#
# Because attention over a set of vectors **ignores their order**. Each score $e_j = a(s, h_j)$ depends only on the query and $h_j$. Each weight $\alpha_j = \exp(e_j) / \sum_k \exp(e_k)$ depends on every $h_k$ too, but only through the sum $\sum_k$, which does not care about the order of its terms.
# So shuffling the $h_j$ shuffles their scores and their weights in the same way (the softmax is *permutation-equivariant*), and the context $c = \sum_j \alpha_j h_j$, a sum again, does not change.
#
# Take two dates with the same characters in a different order: `12.11.2026` means 12 November (`2026-11-12`), `11.12.2026` means 11 December (`2026-12-11`).
# We use the embedding table and the encoder of the additive model trained in section 3.

# %%
trained = results["additive"]["model"].cpu().eval()
src_vocab = results["additive"]["vocabs"][0]
first, second = "12.11.2026", "11.12.2026"
claim("the two dates have the same characters in a different order", sorted(first) == sorted(second) and first != second)
src_a = torch.tensor([src_vocab.encode(first)])  # (B=1, S=10)
src_b = torch.tensor([src_vocab.encode(second)])  # (B=1, S=10)
lengths = torch.tensor([src_a.shape[1]])  # (B,)

# %% [markdown]
# **Without an encoder.** Keys and values are the raw embeddings $E x_j$. For any query, the two dates give the same context: the decoder could not tell 12 November from 11 December.

# %%
torch.manual_seed(0)
with torch.no_grad():
    emb_a, emb_b = trained.encoder.embedding(src_a), trained.encoder.embedding(src_b)  # (B, S, E) each
    probe = torch.randn(1, 5, emb_a.shape[-1])  # 5 arbitrary queries: (B, 5, E)
    context_a, _ = scaled_dot_product_attention(probe, emb_a, emb_a)  # (B, 5, E)
    context_b, _ = scaled_dot_product_attention(probe, emb_b, emb_b)  # (B, 5, E)
claim("raw embeddings: the two contexts are equal (max difference < 1e-6)", (context_a - context_b).abs().max().item() < 1e-6)

# %% [markdown]
# The same holds for any shuffle, not only this pair: permute the positions of a sentence and the context stays put.

# %%
perm = torch.randperm(src_a.shape[1], generator=torch.Generator().manual_seed(0))  # a random order of the S positions
with torch.no_grad():
    shuffled, _ = scaled_dot_product_attention(probe, emb_a[:, perm], emb_a[:, perm])  # (B, 5, E)
print("permutation:", perm.tolist())
claim("the context is unchanged by the permutation (max difference < 1e-6)", (shuffled - context_a).abs().max().item() < 1e-6)

# %% [markdown]
# **With the encoder.** The bidirectional GRU reads the characters in order, so each $h_j$ carries what came before and after it: the `1` of `12` and the `1` of `11` become different vectors.
# Now the contexts differ, and the decoder can tell the dates apart.

# %%
with torch.no_grad():
    h_a, _ = trained.encoder(src_a, lengths)  # (B, S, K)
    h_b, _ = trained.encoder(src_b, lengths)  # (B, S, K)
    probe_h = torch.randn(1, 5, h_a.shape[-1])  # (B, 5, K)
    enc_context_a, _ = scaled_dot_product_attention(probe_h, h_a, h_a)  # (B, 5, K)
    enc_context_b, _ = scaled_dot_product_attention(probe_h, h_b, h_b)  # (B, 5, K)
enc_difference = (enc_context_a - enc_context_b).abs().max().item()
print(f"encoder states: max difference between the two contexts {enc_difference:.2f}")
claim("encoder states: the two contexts differ (max difference > 0.01)", enc_difference > 0.01)

# %% [markdown]
# **Transformers drop the RNN, so they must put the order back in.** They add a **positional encoding** $p_j$ to each embedding: a fixed vector that depends only on the position $j$.
# Vaswani et al. use sines and cosines of different frequencies. With $x_j + p_j$ as keys, the same character at different positions becomes a different vector, and the contexts differ again.

# %%
def sinusoidal_positions(length, size):
    """p_{j, 2m} = sin(j / 10000^(2m/size)), p_{j, 2m+1} = cos(...): (length, size)."""
    j = torch.arange(length, dtype=torch.float32).unsqueeze(1)  # (S, 1)
    freq = torch.exp(-math.log(10000.0) * torch.arange(0, size, 2, dtype=torch.float32) / size)  # (size/2,)
    pe = torch.zeros(length, size)
    pe[:, 0::2], pe[:, 1::2] = torch.sin(j * freq), torch.cos(j * freq)
    return pe  # (S, E)


with torch.no_grad():
    pe = sinusoidal_positions(src_a.shape[1], emb_a.shape[-1])  # (S, E)
    pos_a, pos_b = emb_a + pe, emb_b + pe  # x_j + p_j: (B, S, E)
    pos_context_a, _ = scaled_dot_product_attention(probe, pos_a, pos_a)  # (B, 5, E)
    pos_context_b, _ = scaled_dot_product_attention(probe, pos_b, pos_b)  # (B, 5, E)
pos_difference = (pos_context_a - pos_context_b).abs().max().item()
print(f"embeddings + positions: max difference between the two contexts {pos_difference:.2f}")
claim("embeddings + positions: the two contexts differ (max difference > 0.01)", pos_difference > 0.01)

# %% [markdown]
# Stacking self-attention layers does not put the order back by itself. Each layer is permutation-equivariant (shuffle its inputs and its outputs come out shuffled the same way), so a stack of layers is too.
# Two random self-attention layers, each adding its output to its input as Transformers do, over the raw embeddings and over the shuffled ones:

# %%
torch.manual_seed(0)
E_emb = emb_a.shape[-1]
layers = [[torch.randn(E_emb, E_emb) / math.sqrt(E_emb) for _ in range(3)] for _ in range(2)]  # (W_q, W_k, W_v) per layer: (E, E)


def two_layers(X):
    """X + self-attention(X), twice, with no positions: (B, S, E) -> (B, S, E)."""
    for W_q, W_k, W_v in layers:
        X = X + scaled_dot_product_attention(X @ W_q, X @ W_k, X @ W_v)[0]  # (B, S, E)
    return X


with torch.no_grad():
    stacked_a, stacked_shuffled = two_layers(emb_a), two_layers(emb_a[:, perm])  # (B, S, E) each
claim("two stacked layers: shuffling the input only shuffles the output (max difference < 1e-5)",
      (stacked_shuffled - stacked_a[:, perm]).abs().max().item() < 1e-5)

# %% [markdown]
# So the answer to the misconception: attention gives the decoder *access* to every position, but not their *order*.
# In the RNN model, the encoder puts order and neighbourhood into each $h_j$. A Transformer has no recurrence: positional encodings give it the order, and in its decoder a causal mask decides what each position may see; stacking more layers adds no order on its own.

# %% [markdown]
# ## 9. What carries over to Transformers, and what does not
#
# | carries over | does not |
# |---|---|
# | a score per (query, key) pair, from a function with a fixed number of parameters | the recurrence: no $s_{i-1}$ that depends on $s_{i-2}$, no GRU over the input |
# | the softmax over however many positions there are | order for free: it must be injected by positional encodings |
# | masks: padding (key padding mask) and, for the decoder, causal | the step-by-step computation: in training, all positions are computed at once, in parallel |
# | the weighted sum $\sum_j \alpha_{ij} v_j$, the size of one value whatever the length | the encoder's linear cost: a GRU reads $T_x$ positions in $T_x$ steps, while self-attention scores every pair, so its cost and memory grow as $T_x^2$ per layer |
# | the $\alpha$ matrix you can plot (now one per layer and head) | one attention per step: a Transformer has many heads and layers |
#
# The answer to the course's question is the same in a Transformer: the weights are computed from the data by a score function whose size does not depend on the length, so the model *runs* on any length its position scheme allows.
# Whether it is *right* on longer inputs than it was trained on depends on those positions: learned absolute positions (BERT, GPT-2) are a vector per position up to a maximum, like notebook 08's location model; Vaswani et al. (2017, §3.5) chose sinusoids hoping they "may allow the model to extrapolate", and they do so poorly, while relative schemes such as ALiBi do better (Press et al. 2022). For our RNN models, notebook 10 measures the question, and notebook 11 asks what it takes to extrapolate.

# %% [markdown]
# ## 10. Questions to think about
#
# 1. The dot score has no parameters. What does the model lose compared with the general score? (Hint: which directions of $h_j$ can the query ignore?)
# 2. With $d = 64$, by what factor does the spread of unscaled scores exceed that of scaled ones?
# 3. A sentence of 1,000 tokens: how many weights does one self-attention layer compute? And the RNN decoder of notebook 06 with 1,000 output steps over 1,000 inputs?

# %% [markdown]
# ## Key points
#
# - Dot ($s^\top h_j$), general ($s^\top W_a h_j$), concat ($v_a^\top \tanh(W[s; h_j])$) and additive ($v_a^\top \tanh(W_a s + U_a h_j)$) are different score functions in the same recipe: score, softmax, weighted sum. None has a parameter that depends on the length.
# - Concat is the additive score with $W = [W_a \; U_a]$. A dot score between vectors of different sizes needs a projection, which makes it the general score.
# - Trained on the dates task (inside Bahdanau's decoder), every score reaches a high exact match. Counted in multiply-adds, the additive score costs more per step than the general one, but the difference is a few percent of a decoder step: compare such costs by counting, not by timing one training run.
# - For random vectors with unit-variance entries, $q^\top k$ has standard deviation $\sqrt{d}$; unscaled, the softmax saturates as $d$ grows. Dividing by $\sqrt{d}$ keeps it spread.
# - `scaled_dot_product_attention` answers all queries at once, $\mathrm{softmax}(QK^\top/\sqrt{d})V$, with padding and causal masks; it matches PyTorch's.
# - Self-attention: every position queries every other, weights of shape $(B, T, T)$.
# - Attention over a set ignores order: the softmax is permutation-equivariant, and so is a stack of self-attention layers. The RNN encoder (or, in Transformers, positional encodings) is what tells `12.11` from `11.12`.
#
# ## References
#
# - M.-T. Luong, H. Pham, C. D. Manning (2015). *Effective Approaches to Attention-based Neural Machine Translation.* EMNLP. arXiv:1508.04025. (Dot, general, concat and location scores, section 3.1; global and local attention; the comparison of the scores in section 5.3, Table 4.)
# - D. Bahdanau, K. Cho, Y. Bengio (2015). *Neural Machine Translation by Jointly Learning to Align and Translate.* ICLR. arXiv:1409.0473.
# - A. Vaswani et al. (2017). *Attention Is All You Need.* NeurIPS. arXiv:1706.03762. (Scaled dot-product attention and why dot rather than additive, section 3.2.1; self-attention, positional encodings; the $\sqrt{d}$ argument is in its footnote 4.)
# - O. Press, N. A. Smith, M. Lewis (2022). *Train Short, Test Long: Attention with Linear Biases Enables Input Length Extrapolation.* ICLR. arXiv:2108.12409. (ALiBi; sinusoidal positions extrapolate poorly.)
# - PyTorch documentation: [`torch.nn.functional.scaled_dot_product_attention`](https://pytorch.org/docs/stable/generated/torch.nn.functional.scaled_dot_product_attention.html).
