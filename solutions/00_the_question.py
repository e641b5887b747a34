# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 00 · The question: one weight per input position?
#
# *Why a fixed vector of learned weights cannot attend over inputs of any length, and a first look at what attention does instead.*
#
# **Time:** about 15 minutes (CPU or GPU, nothing trains here).
#
# **Questions**
# - If the attention weights $\alpha_{ij}$ are learned, how can there be one for each input position when inputs have different lengths?
#
# **Learning goals.** After this notebook you can
# 1. check that your environment works and say which device it uses;
# 2. show in code why "a learned weight per input position" breaks when the length changes;
# 3. state the course's answer in one sentence: the weights are *computed* by a small network with a fixed number of parameters.
#
# **You need:** Python and PyTorch basics (tensors, `nn.Module`). No earlier notebook.

# %% [markdown]
# ## 1. Set-up
#
# One set-up cell at the top of every notebook: it seeds the random numbers, prints the versions and says which device PyTorch will use.
# On a laptop you will see `CPU`; on a machine with an NVIDIA GPU, `CUDA`.

# %% tags=["nbval-ignore-output"]
import matplotlib.pyplot as plt
import torch
from torch import nn

from rnn_attention import AdditiveAttention
from rnn_attention.environment import setup
from rnn_attention.exercises import check_score_param_count, check_weighted_sum

device = setup(seed=0)

# %% [markdown]
# ## 2. The student's question
#
# An RNN encoder reads a source sentence $x_1, \dots, x_{T_x}$ and produces one vector per position, the **encoder states** $h_1, \dots, h_{T_x}$.
# Here $T_x$ is the source length: it is different for every sentence.
#
# With attention, the decoder builds at each output step $i$ a **context vector**
#
# $$c_i = \sum_{j=1}^{T_x} \alpha_{ij}\, h_j$$
#
# where the **attention weights** $\alpha_{ij}$ are non-negative and sum to one over $j$.
#
# Almost every student then asks:
#
# > *"If the $\alpha_{ij}$ are learned, how can there be one for each input position when inputs have different lengths?"*
#
# Let us take the question seriously and build what it suggests.

# %% [markdown]
# ## 3. The naive idea: a learned vector of weights
#
# The most direct reading of "learned weights" is a parameter vector with one entry per input position.
# We make it a distribution with a softmax, so the entries are positive and sum to one.
# To keep the numbers small, each $h_j$ has 4 features, and we pretend the encoder already ran.

# %%
class FixedAlpha(nn.Module):
    """The misconception: one learned weight per input position, fixed at construction."""

    def __init__(self, num_positions: int):
        super().__init__()
        self.logits = nn.Parameter(torch.zeros(num_positions))  # one number per position j

    def forward(self, enc_outputs):  # enc_outputs: (T_x, 4)
        alpha = torch.softmax(self.logits, dim=0)  # (T_x,)
        return alpha @ enc_outputs  # (4,) = sum_j alpha_j h_j


naive = FixedAlpha(num_positions=5)
h_five = torch.randn(5, 4)  # a sentence of T_x = 5 encoder states
print("T_x = 5 -> context of shape", tuple(naive(h_five).shape))

# %% [markdown]
# It works for a sentence of length 5. Now feed it a sentence of length 7.

# %%
h_seven = torch.randn(7, 4)  # another sentence, T_x = 7
try:
    naive(h_seven)
except RuntimeError as error:
    print("T_x = 7 fails:", str(error).splitlines()[0])

# %% [markdown]
# The error is not a bug to patch. The model has exactly 5 weights, so it can only ever weigh 5 positions.
# Two patches come to mind, and both are bad:
#
# - **Pad every input to a maximum length** (say 50) and learn 50 weights. Sentences longer than 50 still cannot be read, and the 50 weights are the *same for every sentence*: position 3 gets the same weight whether it holds the subject or a comma.
# - **Learn one vector per length.** Then the model never learns anything about lengths it has not seen.
#
# The first point is the real problem: fixed weights do not look at the input at all.
# Notebook 08 trains a close relative, a "location-based" model whose weights come from a layer with one output per position (they depend on the decoder state, but never on the content of each $h_j$), and measures where it fails.

# %% [markdown]
# ## 4. A preview of the answer
#
# Attention does not learn the $\alpha_{ij}$. It learns a small **scoring network** $a$ that compares the decoder's previous state $s_{i-1}$ with *one* encoder state $h_j$ and returns one number, the score $e_{ij}$ (Bahdanau, Cho and Bengio, 2015):
#
# $$e_{ij} = a(s_{i-1}, h_j) = v_a^\top \tanh(W_a s_{i-1} + U_a h_j)$$
#
# The same $a$ is applied to every position $j$, so there are as many scores as positions.
# A softmax over $j$ turns them into weights, $\alpha_{ij} = \exp(e_{ij}) / \sum_k \exp(e_{ik})$.
# The parameters are $W_a$, $U_a$ and $v_a$; their sizes depend on the sizes of $s$ and $h$, never on $T_x$.
#
# The package's `AdditiveAttention` does exactly this. Here $s$ has 3 features, each $h_j$ has 4, and $a$ works internally with 8.

# %%
attention = AdditiveAttention(query_size=3, key_size=4, attn_size=8)
n_params = sum(p.numel() for p in attention.parameters())
print("parameters of the scoring network a:", n_params)

dec_state = torch.randn(1, 3)  # s_{i-1}: (B=1, 3)
for enc_outputs in (h_five, h_seven, torch.randn(40, 4)):
    keys = enc_outputs.unsqueeze(0)  # (B=1, T_x, 4)
    context, attn_weights = attention(dec_state, keys)  # (1, 4), (1, T_x)
    print(
        f"T_x = {keys.shape[1]:2d}: {attn_weights.shape[1]:2d} weights summing to "
        f"{attn_weights.sum().item():.3f}, context of shape {tuple(context.shape)}"
    )

# %% [markdown]
# One module, three lengths, the same 64 parameters: $8 \cdot 3 + 8 \cdot 4 + 8 = 64$.
# Each time, one weight per position comes out, the weights sum to one, and the context always has the 4 features of one $h_j$.
#
# The picture below shows the weights for the sentences of length 5 and 7. The bars differ because the *contents* of the $h_j$ differ.

# %%
fig, axes = plt.subplots(1, 2, figsize=(9, 2.6), sharey=True)
for ax, enc_outputs in zip(axes, (h_five, h_seven)):
    _, attn_weights = attention(dec_state, enc_outputs.unsqueeze(0))
    length = enc_outputs.shape[0]
    ax.bar(range(1, length + 1), attn_weights[0].detach(), color="tab:blue")
    ax.set_xticks(range(1, length + 1))
    ax.set_xlabel("source position j")
    ax.set_title(f"T_x = {length}: {length} weights, sum = 1")
axes[0].set_ylabel("alpha_j")
fig.tight_layout()

# %% [markdown]
# ## 5. A small example you can check by hand
#
# The context is a weighted average of the encoder states. Take three 2-dimensional states and weights $\alpha = (0.5, 0.25, 0.25)$:
#
# $$c = 0.5 \begin{pmatrix}2\\0\end{pmatrix} + 0.25 \begin{pmatrix}0\\4\end{pmatrix} + 0.25 \begin{pmatrix}4\\4\end{pmatrix} = \begin{pmatrix}2\\2\end{pmatrix}$$
#
# The code line is one matrix product, `alpha @ enc_outputs`:

# %%
enc_outputs = torch.tensor([[2.0, 0.0], [0.0, 4.0], [4.0, 4.0]])  # h_1, h_2, h_3: (T_x=3, 2)
alpha = torch.tensor([0.5, 0.25, 0.25])  # (T_x=3,)
context = alpha @ enc_outputs  # c = sum_j alpha_j h_j: (2,)
print("c =", context.tolist())
assert torch.allclose(context, torch.tensor([2.0, 2.0]))

# %% [markdown]
# ## 6. Exercises
#
# **Exercise 0.1.** Write `weighted_sum(alpha, enc_outputs)` that returns $c = \sum_j \alpha_j h_j$ for weights `alpha` of shape `(T_x,)` and states `enc_outputs` of shape `(T_x, D)`.
# It must work for any $T_x$. The check tries $T_x$ = 1, 3, 7 and 20.

# %%
def weighted_sum(alpha, enc_outputs):
    """c = sum_j alpha_j h_j: (T_x,), (T_x, D) -> (D,)."""
    # BEGIN SOLUTION
    # HINT: a matrix product, or (alpha[:, None] * enc_outputs).sum(0)
    return (alpha.unsqueeze(1) * enc_outputs).sum(dim=0)
    # END SOLUTION


check_weighted_sum(weighted_sum)

# %% [markdown]
# **Exercise 0.2.** The additive score has three weight matrices: $W_a$ of shape $A \times D_q$, $U_a$ of shape $A \times D_k$ and $v_a$ of shape $1 \times A$, all without bias.
# Write `count_score_params(query_size, key_size, attn_size)` that returns how many numbers they hold.
# Notice which argument is *not* there: the source length.

# %%
def count_score_params(query_size, key_size, attn_size):
    """The number of parameters of a(s, h) = v_a^T tanh(W_a s + U_a h)."""
    # BEGIN SOLUTION
    # HINT: count the entries of each of the three matrices and add them up
    return attn_size * query_size + attn_size * key_size + attn_size
    # END SOLUTION


check_score_param_count(count_score_params)

# %% [markdown]
# ## 7. The map of the course
#
# | # | notebook | the step |
# |---|---|---|
# | 01 | encoder-decoder without attention | one fixed-size vector for a whole sentence: the bottleneck |
# | 02 | alignment scores $e_{ij}$ | $a(s, h)$ by hand on 3 positions; the parameter count stays put while $T_x$ moves |
# | 03 | softmax to $\alpha$ | stability, masking padded positions, temperature |
# | 04 | context vector $c_i$ | a convex combination; gradients reach every $h_j$ |
# | 05 | batches of different lengths | padding, masks, packed sequences, precomputing $U_a h_j$ |
# | 06 | training Bahdanau attention | a date translator trained in about a minute |
# | 07 | reading the alignments | heat maps of $\alpha$, translate your own input |
# | 08 | attention and long inputs | accuracy against source length: with, without, fixed-size weights |
# | 09 | other scores, road to Transformers | dot, general, scaled dot-product |
# | 10 | longer than anything in training | train short, test long: what "any length" does and does not promise |
# | 11 | what it takes to extrapolate | a decoder that copies ten times its training length, and why content attention does not |
# | 12 | decoding at test time | free running against teacher forcing, beam search, search errors against model errors |
# | 13 | are the heat maps right? | attention weights scored against gold alignments, and tested as an explanation |

# %% [markdown]
# ## Key points
#
# - A vector of learned weights, one per position, has a fixed size: it cannot serve inputs of another length, and it ignores what the input says.
# - Attention learns a scoring network $a(s_{i-1}, h_j)$ instead. Its parameters ($W_a$, $U_a$, $v_a$) have sizes set by the state sizes, not by $T_x$.
# - Applied to each position, $a$ gives $T_x$ scores; a softmax turns them into $T_x$ weights that sum to one.
# - The context $c_i = \sum_j \alpha_{ij} h_j$ always has the size of one $h_j$.
#
# ## References
#
# - D. Bahdanau, K. Cho, Y. Bengio (2015). *Neural Machine Translation by Jointly Learning to Align and Translate.* ICLR. arXiv:1409.0473.
# - M.-T. Luong, H. Pham, C. D. Manning (2015). *Effective Approaches to Attention-based Neural Machine Translation.* EMNLP. arXiv:1508.04025.
