# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 03 · From scores to weights: the softmax
#
# *A softmax turns however many scores there are into exactly that many weights that sum to one; done right, it survives huge scores, ignores padding and never returns NaN.*
#
# **Time:** about 25 minutes (CPU or GPU, nothing trains here).
#
# **Questions**
# - How do $T_x$ scores become $T_x$ weights, whatever $T_x$ is?
# - Why does every implementation subtract the maximum first?
# - In a padded batch, how do padded positions get weight zero, and what goes wrong with the obvious shortcuts?
#
# **Learning goals.** After this notebook you can
# 1. compute $\alpha_{ij} = \exp(e_{ij}) / \sum_k \exp(e_{ik})$ by hand and in code, for any number of positions;
# 2. show the overflow of a naive softmax and fix it by subtracting the maximum;
# 3. mask padded positions with `lengths_to_mask` and `masked_softmax`, and explain why zero padding vectors, zeroing after the softmax, `-inf` and `-1e9` each go wrong;
# 4. say what a temperature does to the weights.
#
# **You need:** notebook 02 (the scores $e_{ij}$ and `AdditiveAttention`).

# %% [markdown]
# ## 1. Set-up

# %% tags=["nbval-ignore-output"]
import math

import torch

from rnn_attention import AdditiveAttention, lengths_to_mask, masked_softmax
from rnn_attention.claims import claim
from rnn_attention.environment import setup
from rnn_attention.exercises import check_masked_softmax, check_stable_softmax
from rnn_attention.widgets import softmax_widget

device = setup(seed=0)

# %% [markdown]
# ## 2. The softmax: as many weights as there are scores
#
# Notebook 02 gave one score $e_{ij}$ per source position $j = 1, \dots, T_x$. Scores can be any real numbers.
# The weights $\alpha_{ij}$ must be non-negative and sum to one over $j$. The softmax does both:
#
# $$\alpha_{ij} = \frac{\exp(e_{ij})}{\sum_{k=1}^{T_x} \exp(e_{ik})}$$
#
# $\exp$ makes every score positive; dividing by the sum makes them add up to one. The sum runs over however many positions there are:
# the softmax has no parameters and no fixed size.
#
# A pencil example: scores $e = (0, \ln 2, \ln 3)$ give $\exp(e) = (1, 2, 3)$, a sum of 6, so $\alpha = (1/6, 2/6, 3/6) = (0.1667, 0.3333, 0.5)$.

# %%
scores = torch.tensor([0.0, math.log(2), math.log(3)])  # e_1j: (T_x=3,)
exps = torch.exp(scores)  # (T_x,)
attn_weights = exps / exps.sum()  # alpha_ij = exp(e_ij) / sum_k exp(e_ik): (T_x,)
print("exp(e)  =", [f"{x:.4f}" for x in exps.tolist()])
print("alpha   =", [f"{a:.4f}" for a in attn_weights.tolist()], "sum =", f"{attn_weights.sum():.4f}")

# %% [markdown]
# The scores of the hand example of notebook 02 were $(0.7616, 0.4621, 1.7256)$. The biggest score gets the biggest weight,
# and `torch.softmax` gives the same numbers as the formula:

# %%
scores = torch.tensor([0.7616, 0.4621, 1.7256])  # e_1j from notebook 02: (T_x=3,)
attn_weights = torch.exp(scores) / torch.exp(scores).sum()  # (T_x,)
print("alpha =", [f"{a:.4f}" for a in attn_weights.tolist()])
print("torch.softmax agrees:", torch.allclose(attn_weights, torch.softmax(scores, dim=0)))

# %% [markdown]
# One function, any length: here are 3, 7 and 50 scores, turned into 3, 7 and 50 weights.

# %%
torch.manual_seed(0)
for length in (3, 7, 50):
    scores = torch.randn(length)  # (T_x,)
    attn_weights = torch.softmax(scores, dim=0)  # (T_x,)
    print(f"T_x = {length:2d}: {attn_weights.numel():2d} weights, sum = {attn_weights.sum():.4f}")
    claim(f"T_x = {length}: {length} weights, all >= 0, summing to 1",
          attn_weights.numel() == length and bool((attn_weights >= 0).all())
          and abs(attn_weights.sum().item() - 1) < 1e-6)

# %% [markdown]
# ## 3. Why subtract the maximum
#
# Adding the same number $c$ to every score does not change the weights, because $\exp(e_j + c) = \exp(c)\exp(e_j)$ and the $\exp(c)$ cancels:
#
# $$\frac{\exp(e_{ij} - c)}{\sum_k \exp(e_{ik} - c)} = \frac{\exp(e_{ij})}{\sum_k \exp(e_{ik})}$$
#
# On paper that is a curiosity. In a computer it matters, because `float32` cannot hold $\exp(x)$ for $x > 88.7$: it becomes `inf`,
# and `inf / inf` is `nan`. Very negative scores fail the other way: every $\exp$ rounds to 0, and $0/0$ is `nan` too.

# %%
def naive_softmax(scores):
    """exp(e) / sum exp(e) straight from the formula: breaks for large scores."""
    exps = torch.exp(scores)  # (..., T_x)
    return exps / exps.sum(dim=-1, keepdim=True)  # (..., T_x)


for row in ([1.0, 2.0, 3.0], [100.0, 101.0, 102.0], [1000.0, 10.0, -1000.0], [-1000.0, -1001.0]):
    scores = torch.tensor(row)  # float32
    print(f"scores {str(row):25s} exp -> {str([f'{x:.3g}' for x in torch.exp(scores).tolist()]):35s} "
          f"naive -> {[round(a, 4) for a in naive_softmax(scores).tolist()]}")

# %% [markdown]
# Are scores of 100 exotic? A dot-product score $q^\top k$ of two vectors of $d = 512$ random numbers, each of spread (standard deviation) 1, has a spread of $\sqrt{512} \approx 23$ (notebook 09 shows why it grows as $\sqrt{d}$), so 100 is rare.
# But nothing keeps the vectors that small: with entries of spread 2, the score's spread is four times larger, and scores of 100 are common.

# %%
torch.manual_seed(0)
share_over_100, score_spread = {}, {}
for spread in (1.0, 2.0):
    q, k = spread * torch.randn(20_000, 512), spread * torch.randn(20_000, 512)  # (N, d) each
    dots = (q * k).sum(dim=-1)  # q.k for each of the N pairs: (N,)
    share_over_100[spread] = (dots.abs() >= 100).float().mean().item()
    score_spread[spread] = dots.std().item()
    print(f"entries of spread {spread:.0f}: scores of spread {score_spread[spread]:5.1f} "
          f"(sqrt(512) = {math.sqrt(512):.1f}), share of |q.k| >= 100: {share_over_100[spread]:.3f}")
claim("with entries of spread 1, the scores' spread is within 5% of sqrt(512)",
      abs(score_spread[1.0] / math.sqrt(512) - 1) < 0.05)
claim("with entries of spread 2, the scores' spread is four times larger (within 5%)",
      abs(score_spread[2.0] / score_spread[1.0] / 4 - 1) < 0.05)
claim("with entries of spread 1, under 1 score in 1000 reaches 100", share_over_100[1.0] < 0.001)
claim("with entries of spread 2, over 1 score in 5 reaches 100", share_over_100[2.0] > 0.2)

# %% [markdown]
# The fix uses the identity above with $c = \max_k e_{ik}$. After subtracting it, the largest score is 0, so every $\exp$ lies in $(0, 1]$:
# nothing overflows, and the denominator is at least $\exp(0) = 1$, so it is never 0.
# For $(100, 101, 102)$ you get the same weights as for $(-2, -1, 0)$, or $(0, 1, 2)$: $(0.0900, 0.2447, 0.6652)$.
#
# **Exercise 3.1.** Write `stable_softmax(scores)`, a softmax over the last axis that subtracts each row's maximum first.
# The check compares with `torch.softmax` (which you may not call here) on ordinary scores, on scores like 1000 and -1000, and on rows of very different scales.

# %%
def stable_softmax(scores):
    """softmax over the last axis, safe for huge scores: (..., T_x) -> (..., T_x)."""
    # BEGIN SOLUTION
    # HINT: scores.max(dim=-1, keepdim=True).values is the maximum of each row, with a length-1 axis kept for broadcasting
    shifted = scores - scores.max(dim=-1, keepdim=True).values  # largest score of each row is now 0
    exps = torch.exp(shifted)  # every entry in (0, 1]
    return exps / exps.sum(dim=-1, keepdim=True)  # (..., T_x)
    # END SOLUTION


check_stable_softmax(stable_softmax)

# %% [markdown]
# `torch.softmax` does the same subtraction inside. From here on we use it.

# %%
print("torch.softmax([100, 101, 102]) =", [f"{a:.4f}" for a in torch.softmax(torch.tensor([100.0, 101.0, 102.0]), 0).tolist()])

# %% [markdown]
# ## 4. Padded batches and masks
#
# To use the hardware well, sentences are processed in batches. A tensor must be rectangular,
# so shorter sentences are **padded** to the length $S$ of the longest one. A boolean **mask** says which positions are real:
# `True` for a real token, `False` for padding. `lengths_to_mask` builds it from the lengths.

# %%
lengths = torch.tensor([3, 5])  # two sentences: T_x = 3 and T_x = 5
src_mask = lengths_to_mask(lengths)  # (B=2, S=5), True = real token
print(src_mask.int())

# %% [markdown]
# The padded positions are not part of the sentence, so they must get weight exactly 0, and the real ones must still sum to 1.

# %% [markdown]
# ### Misconception: "padding vectors are zeros, so they get zero weight"
#
# Padding is usually filled with zero vectors, $h_j = 0$. It is tempting to think their weight is then 0 too. It is not.
# With $h_j = 0$ the score is
#
# $$e_{ij} = v_a^\top \tanh(W_a s_{i-1} + U_a \cdot 0) = v_a^\top \tanh(W_a s_{i-1})$$
#
# which is not 0 unless $W_a s_{i-1}$ happens to be. And even a score of 0 gives a weight of $\exp(0) / \sum_k \exp(e_{ik}) > 0$.
#
# Take the round weights of notebook 02 again: $W_a s_{i-1} = (0.5, -1)$, so a zero vector scores
# $v_a^\top \tanh(0.5, -1) = 0.4621 + 0.7616 = 1.2237$, more than $h_1$ (0.7616) and $h_2$ (0.4621)! Pad the 3-word sentence with two zero vectors:

# %%
attention = AdditiveAttention(query_size=2, key_size=2, attn_size=2)
with torch.no_grad():  # the round weights of notebook 02
    attention.W_a.weight.copy_(torch.tensor([[0.5, 0.0], [0.0, 1.0]]))
    attention.U_a.weight.copy_(torch.tensor([[-0.5, 0.0], [0.0, 1.0]]))
    attention.v_a.weight.copy_(torch.tensor([[1.0, -1.0]]))
dec_state = torch.tensor([[1.0, -1.0]])  # s_{i-1}: (B=1, Dq=2)
sentence = torch.tensor([[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]])  # h_1..h_3: (T_x=3, Dk=2)
padded = torch.cat([sentence, torch.zeros(2, 2)]).unsqueeze(0)  # two zero vectors of padding: (B=1, S=5, Dk=2)

with torch.no_grad():
    scores = attention.score(dec_state, padded)  # (B, S)
attn_weights = torch.softmax(scores, dim=-1)  # (B, S), no mask
print("scores  e_j  :", [f"{e:.4f}" for e in scores[0].tolist()])
print("weights, no mask:", [f"{a:.4f}" for a in attn_weights[0].tolist()])
print(f"weight on the two padding positions: {attn_weights[0, 3:].sum():.4f}")

# %% [markdown]
# Almost half of the attention goes to positions that do not exist. The context vector would be pulled towards zero,
# and how much would depend on how much padding the batch happened to need.
#
# ### The fix: mask before the softmax
#
# `masked_softmax(scores, mask)` replaces each padded score by the most negative number the dtype can hold,
# `torch.finfo(dtype).min`, before the softmax. Its $\exp$ is exactly 0, so the padding gets weight 0 and the real weights sum to 1.
# They are then identical to the weights of the sentence on its own, without any padding:

# %%
mask = lengths_to_mask(torch.tensor([3]), max_len=5)  # (B=1, S=5)
masked = masked_softmax(scores, mask)  # alpha: (B, S), 0 on padding
with torch.no_grad():
    alone = torch.softmax(attention.score(dec_state, sentence.unsqueeze(0)), dim=-1)  # (B=1, T_x=3), no padding at all
print("masked weights     :", [f"{a:.4f}" for a in masked[0].tolist()], f"sum = {masked.sum():.4f}")
print("sentence on its own:", [f"{a:.4f}" for a in alone[0].tolist()])
assert torch.allclose(masked[0, :3], alone[0]) and (masked[0, 3:] == 0).all()

# %% [markdown]
# ### Misconception: "zero the padded weights after the softmax"
#
# Another shortcut: run the plain softmax, then multiply by the mask. The padding gets 0, but the weight it had is simply lost:
# the row no longer sums to one, and the context $c_i = \sum_j \alpha_{ij} h_j$ shrinks by that much.

# %%
zeroed = torch.softmax(scores, dim=-1) * mask  # (B, S): padding set to 0 after the softmax
print("zeroed after softmax:", [f"{a:.4f}" for a in zeroed[0].tolist()], f"sum = {zeroed.sum():.4f}")
renormalised = zeroed / zeroed.sum(dim=-1, keepdim=True)  # divide by what is left
print("renormalised        :", [f"{a:.4f}" for a in renormalised[0].tolist()], f"sum = {renormalised.sum():.4f}")
assert torch.allclose(renormalised, masked)

# %% [markdown]
# Renormalising repairs it (the result equals `masked_softmax`), but it needs a second division and, like the naive softmax, it can underflow.
# Masking *before* the softmax is the simpler and safer habit.
#
# ### Misconception: "mask with `-inf` and you are done"
#
# Filling padded scores with $-\infty$ works for ordinary rows, since $\exp(-\infty) = 0$.
# But a row may have **no** real position at all: an empty sentence in a batch, or a row of a combined padding-and-causal mask in a Transformer.
# Then every score is $-\infty$, the softmax computes $0/0$, and the row is `nan`. One `nan` in a batch makes the loss and every gradient `nan`.

# %%
scores = torch.tensor([[1.0, 2.0, 3.0], [1.0, 2.0, 3.0]])  # (B=2, S=3)
mask = torch.tensor([[True, True, False], [False, False, False]])  # second row: padding only
with_inf = torch.softmax(scores.masked_fill(~mask, float("-inf")), dim=-1)  # (B, S)
print("fill with -inf :", [[round(a, 4) for a in row] for row in with_inf.tolist()])
print("masked_softmax :", [[round(a, 4) for a in row] for row in masked_softmax(scores, mask).tolist()])

# %% [markdown]
# `masked_softmax` returns zeros for such a row: its context is the zero vector, and its gradients stay finite.
#
# ### A constant like `-1e9` is not the answer either
#
# Many code bases fill with a constant such as `-1e9` or `-1e4`. Two things go wrong:
#
# - The constant must fit in the dtype. In `float16` the largest magnitude is 65504, so `-1e9` cannot even be written into the tensor.
# - It must be far below every real score. If real scores can be as low as the constant, the "masked" positions win.
#
# `torch.finfo(dtype).min` fits by definition, and it is the lowest number there is.

# %%
row_mask = torch.tensor([[True, True, False]])  # (B=1, S=3): the third position is padding
for dtype in (torch.float32, torch.float16, torch.bfloat16):
    low = torch.tensor([[2.0, 1.0, 0.0]], dtype=dtype)  # (B, S)
    try:
        low.masked_fill(~row_mask, -1e9)
        verdict = "fits"
    except RuntimeError as error:
        verdict = "RuntimeError: " + str(error).split(" without")[0]
    weights = masked_softmax(low, row_mask)
    print(f"{str(dtype):15s} finfo.min = {torch.finfo(dtype).min:.4g}; -1e9: {verdict}; "
          f"masked_softmax -> {[round(a, 3) for a in weights.float()[0].tolist()]}")

# %% [markdown]
# And a constant that is too close: real scores of $-20000$ (a scale you can meet with unscaled dot products in `float16`) against a fill of `-1e4`.
# The padding now has the *largest* score and takes all the weight.

# %%
very_low = torch.tensor([[-20000.0, -20001.0, 0.0]], dtype=torch.float16)  # two real scores, then padding: (B=1, S=3)
too_close = torch.softmax(very_low.masked_fill(~row_mask, -1e4), dim=-1)  # (B, S)
print("fill -1e4       :", [round(a, 3) for a in too_close.float()[0].tolist()])
print("masked_softmax  :", [round(a, 3) for a in masked_softmax(very_low, row_mask).float()[0].tolist()])

# %% [markdown]
# **Exercise 3.2.** Write `my_masked_softmax(scores, mask)`: a softmax over the last axis of `scores` `(B, S)`
# that gives exactly 0 where `mask` `(B, S)` is `False`, sums to 1 over the real positions, returns zeros (not `nan`) for a row with no real position,
# and works in `float16` and `bfloat16` whatever the scale of the scores. The check compares with the package's `masked_softmax` (which you may not call here).

# %%
def my_masked_softmax(scores, mask):
    """softmax over the last axis, only over positions where mask is True: (B, S), (B, S) bool -> (B, S)."""
    # BEGIN SOLUTION
    # HINT: which fill value is below every score, in any dtype? And what does a softmax give a row whose scores are all that value?
    filled = scores.masked_fill(~mask, torch.finfo(scores.dtype).min)  # (B, S)
    weights = torch.softmax(filled, dim=-1)  # (B, S); an all-padding row is uniform here
    return weights * mask.to(weights.dtype)  # (B, S); that row becomes zeros
    # END SOLUTION


check_masked_softmax(my_masked_softmax)

# %% [markdown]
# ## 5. Temperature: sharper or flatter
#
# Dividing every score by a **temperature** $\tau > 0$ before the softmax changes how peaked the weights are:
#
# $$\alpha_{ij} = \frac{\exp(e_{ij}/\tau)}{\sum_k \exp(e_{ik}/\tau)}$$
#
# - $\tau < 1$ stretches the differences: the weights get sharper; as $\tau \to 0$ all the weight goes to the largest score.
# - $\tau > 1$ shrinks them: as $\tau \to \infty$ the weights become uniform, $1/T_x$ each.
#
# Pencil: $e = (0, \ln 2, \ln 3)$ with $\tau = 0.5$ gives $\exp(2e) = (1, 4, 9)$, so $\alpha = (1/14, 4/14, 9/14) = (0.0714, 0.2857, 0.6429)$.
# Bahdanau attention uses $\tau = 1$; the scaled dot product of Transformers uses $\tau = \sqrt{d}$ (notebook 09).

# %%
scores = torch.tensor([0.0, math.log(2), math.log(3)])  # (T_x=3,)
for tau in (0.1, 0.5, 1.0, 10.0):
    attn_weights = torch.softmax(scores / tau, dim=0)  # alpha = softmax(e / tau): (T_x,)
    print(f"tau = {tau:4.1f}: alpha = {[f'{a:.4f}' for a in attn_weights.tolist()]}")

# %% [markdown]
# ### Try it: length and temperature
#
# The widget holds one padded batch row of 20 scores. The slider **source length T_x** says how many of them are real; the rest is padding, masked.
# The slider **temperature tau** divides the scores. Whatever you choose, the bars (the weights of the real positions) sum to 1 and the padding (grey crosses) gets 0.
# The dashed line is the uniform weight $1/T_x$.

# %% tags=["nbval-ignore-output"]
explorer = softmax_widget(max_len=20, initial_len=7, initial_temperature=1.0)
explorer.widget

# %% [markdown]
# The same in code: move the sliders and read what the widget computed.

# %%
for T_x, tau in ((3, 1.0), (12, 1.0), (12, 0.2), (12, 5.0)):
    explorer.length.value, explorer.temperature.value = T_x, tau
    state = explorer.state
    print(f"{state['text']}, largest weight = {state['weights'].max():.3f}, padding weight = {state['padded_weights'][T_x:].sum():.3f}")
explorer.length.value, explorer.temperature.value = 7, 1.0  # back to where it started

# %% [markdown]
# ## Key points
#
# - The softmax turns $T_x$ scores into $T_x$ non-negative weights that sum to one, for any $T_x$; it has no parameters.
# - Adding a constant to all scores does not change the weights; subtracting the maximum uses this to avoid `inf` and `nan`.
# - Zero padding vectors still get scores and weights. Mask **before** the softmax; zeroing after it breaks the sum to one.
# - Fill masked scores with `torch.finfo(dtype).min`, not `-inf` (an all-padding row becomes `nan`) and not `-1e9` (does not fit `float16`); `masked_softmax` also turns an all-padding row into zeros.
# - A temperature $\tau$ makes the weights sharper ($\tau < 1$) or flatter ($\tau > 1$).
#
# ## References
#
# - D. Bahdanau, K. Cho, Y. Bengio (2015). *Neural Machine Translation by Jointly Learning to Align and Translate.* ICLR. arXiv:1409.0473. Equation (6): the softmax over the scores.
# - M.-T. Luong, H. Pham, C. D. Manning (2015). *Effective Approaches to Attention-based Neural Machine Translation.* EMNLP. arXiv:1508.04025.
# - A. Vaswani et al. (2017). *Attention Is All You Need.* NeurIPS. arXiv:1706.03762 (the $\sqrt{d}$ temperature and masking with $-\infty$).
# - PyTorch documentation: [`torch.softmax`](https://pytorch.org/docs/stable/generated/torch.nn.functional.softmax.html), [`torch.finfo`](https://pytorch.org/docs/stable/type_info.html), [`Tensor.masked_fill`](https://pytorch.org/docs/stable/generated/torch.Tensor.masked_fill.html).
