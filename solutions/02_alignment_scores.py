# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 02 · Alignment scores $e_{ij}$: one small network, applied at every position
#
# *The score network $a(s_{i-1}, h_j)$ compares the decoder's state with one encoder state at a time, so it gives as many scores as there are positions, with a parameter count that never depends on the length.*
#
# **Time:** about 20 minutes (CPU or GPU, nothing trains here).
#
# **Questions**
# - What exactly is computed to get one score $e_{ij}$, and can I check it with pencil and paper?
# - If a sentence gets longer, does the score network need more parameters?
#
# **Learning goals.** After this notebook you can
# 1. compute $e_{ij} = v_a^\top \tanh(W_a s_{i-1} + U_a h_j)$ by hand for a small example, and match `AdditiveAttention`;
# 2. write the score for a whole batch with broadcasting, and say the shape of every tensor;
# 3. explain, with a parameter count, why the same network serves every source length $T_x$;
# 4. compute $U_a h_j$ once per sentence and reuse it at every decoder step.
#
# **You need:** notebook 00 (the question, and the formula previewed there). Matrix-vector products and `tanh`.

# %% [markdown]
# ## 1. Set-up

# %% tags=["nbval-ignore-output"]
import torch

from rnn_attention import AdditiveAttention
from rnn_attention.claims import claim
from rnn_attention.environment import setup
from rnn_attention.exercises import check_additive_score, check_score_matrix
from rnn_attention.widgets import score_length_widget

device = setup(seed=0)

# %% [markdown]
# ## 2. What a score is
#
# The encoder has read the source sentence and left one vector per position: $h_1, \dots, h_{T_x}$, each of size $D_k$.
# The decoder is about to produce output word $i$. Its previous state $s_{i-1}$ has size $D_q$.
#
# Before it writes word $i$, the decoder asks of every source position $j$: *how useful is $h_j$ now?*
# The answer is one number, the **alignment score** $e_{ij}$, computed by a small network $a$ (Bahdanau, Cho and Bengio, 2015):
#
# $$e_{ij} = a(s_{i-1}, h_j) = v_a^\top \tanh\left(W_a s_{i-1} + U_a h_j\right)$$
#
# - $W_a$ is an $A \times D_q$ matrix: it maps the decoder state into a space of size $A$ (the attention size);
# - $U_a$ is an $A \times D_k$ matrix: it maps one encoder state into the same space;
# - $\tanh$ is applied to each of the $A$ numbers;
# - $v_a$ is a vector of size $A$: the dot product $v_a^\top(\cdot)$ turns the $A$ numbers into one score.
#
# Look at what the formula takes as input: **one** $s_{i-1}$ and **one** $h_j$. Nothing in it mentions $T_x$.

# %% [markdown]
# ## 3. A three-position example you can check by hand
#
# Take 2-dimensional states and an attention size $A = 2$, with round weights:
#
# $$W_a = \begin{pmatrix}0.5 & 0\\ 0 & 1\end{pmatrix},\quad
#   U_a = \begin{pmatrix}-0.5 & 0\\ 0 & 1\end{pmatrix},\quad
#   v_a = \begin{pmatrix}1\\ -1\end{pmatrix},\quad
#   s_{i-1} = \begin{pmatrix}1\\ -1\end{pmatrix}$$
#
# and three encoder states $h_1 = (1, 0)$, $h_2 = (0, 1)$, $h_3 = (-1, -1)$.
#
# With pencil: $W_a s_{i-1} = (0.5, -1)$. Then, for each $j$, add $U_a h_j$, take $\tanh$, and take the dot product with $v_a = (1, -1)$.
# You need three values of $\tanh$: $\tanh(0.5) = 0.4621$, $\tanh(1) = 0.7616$, $\tanh(2) = 0.9640$ (and $\tanh(-x) = -\tanh(x)$).
# Do it on paper first, then run the cells.

# %%
W_a = torch.tensor([[0.5, 0.0], [0.0, 1.0]])  # (A, Dq) = (2, 2)
U_a = torch.tensor([[-0.5, 0.0], [0.0, 1.0]])  # (A, Dk) = (2, 2)
v_a = torch.tensor([1.0, -1.0])  # (A,)
dec_state = torch.tensor([1.0, -1.0])  # s_{i-1}: (Dq,)
enc_outputs = torch.tensor([[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]])  # h_1, h_2, h_3: (T_x, Dk) = (3, 2)

projected_query = W_a @ dec_state  # W_a s_{i-1}: (A,)
print("W_a s =", projected_query.tolist())

# %% [markdown]
# Now the three positions, one line each. The same $W_a s_{i-1}$ is added to every $U_a h_j$.

# %%
for j, h_j in enumerate(enc_outputs, start=1):
    projected_key = U_a @ h_j  # U_a h_j: (A,)
    total = projected_query + projected_key  # W_a s + U_a h_j: (A,)
    hidden = torch.tanh(total)  # (A,)
    e_j = v_a @ hidden  # e_ij = v_a^T tanh(W_a s_{i-1} + U_a h_j): a number
    print(
        f"j={j}: U_a h_j = {projected_key.tolist()}, sum = {total.tolist()}, "
        f"tanh = [{hidden[0]:.4f}, {hidden[1]:.4f}], e_j = {e_j:.4f}"
    )

# %% [markdown]
# You should have found $e_{i1} = 0.7616$, $e_{i2} = 0.4621$, $e_{i3} = 0.7616 + 0.9640 = 1.7256$.
# Position 3 gets the highest score: for this decoder state, $h_3$ "fits" best. Notebook 03 turns these scores into weights.
#
# `AdditiveAttention` from the package computes the same thing. We copy our round numbers into its three weight matrices
# (PyTorch's `nn.Linear` stores $v_a$ as a $1 \times A$ matrix) and ask for its scores.

# %%
attention = AdditiveAttention(query_size=2, key_size=2, attn_size=2)
with torch.no_grad():
    attention.W_a.weight.copy_(W_a)
    attention.U_a.weight.copy_(U_a)
    attention.v_a.weight.copy_(v_a.unsqueeze(0))  # (1, A)
    package_scores = attention.score(dec_state.unsqueeze(0), enc_outputs.unsqueeze(0))  # (B=1, T_x=3)
print("AdditiveAttention.score:", [f"{e:.4f}" for e in package_scores[0].tolist()])
assert torch.allclose(package_scores[0], torch.tensor([0.7616, 0.4621, 1.7256]), atol=1e-4)

# %% [markdown]
# ## 4. The same network at every position, for a whole batch
#
# Real code works on a batch of $B$ sentences at once. The shapes (batch first) are:
#
# | tensor | symbol | shape |
# |---|---|---|
# | `dec_state` | $s_{i-1}$ | `(B, Dq)` |
# | `enc_outputs` | $h_1, \dots, h_S$ | `(B, S, Dk)` |
# | `scores` | $e_{i1}, \dots, e_{iS}$ | `(B, S)` |
#
# where $S = T_x$ is the source length. First the most literal version: a loop over $j$ that calls the *same* three layers of `a` at every position.
# Sizes: $D_q = 3$, $D_k = 4$, $A = 8$, as in notebook 00.

# %%
torch.manual_seed(0)
attention = AdditiveAttention(query_size=3, key_size=4, attn_size=8)


def score_loop(dec_state, enc_outputs):
    """e_ij for j = 1..S, one position at a time: (B, Dq), (B, S, Dk) -> (B, S)."""
    scores = []
    for j in range(enc_outputs.shape[1]):
        h_j = enc_outputs[:, j]  # (B, Dk)
        # e_ij = v_a^T tanh(W_a s_{i-1} + U_a h_j)
        e_j = attention.v_a(torch.tanh(attention.W_a(dec_state) + attention.U_a(h_j)))  # (B, 1)
        scores.append(e_j)
    return torch.cat(scores, dim=1)  # (B, S)


dec_state = torch.randn(2, 3)  # s_{i-1}: (B=2, Dq=3)
for length in (5, 12):
    enc_outputs = torch.randn(2, length, 4)  # (B=2, S, Dk=4)
    with torch.no_grad():
        looped = score_loop(dec_state, enc_outputs)  # (B, S)
        batched = attention.score(dec_state, enc_outputs)  # (B, S)
    print(f"S = {length:2d}: scores of shape {tuple(looped.shape)}")
    claim(f"S = {length}: the loop over j equals AdditiveAttention.score", torch.allclose(looped, batched, atol=1e-6))

# %% [markdown]
# The loop makes the point of the whole course visible: `a` is a function of one pair $(s_{i-1}, h_j)$.
# Slide it along the source like a window of width one (a "1×1 convolution over time") and you get one score per position, however many positions there are.
#
# Loops are slow, so the package does all positions at once. Two facts make that possible:
#
# 1. `nn.Linear` works on the last dimension of any tensor, so $U_a$ applied to `enc_outputs` of shape `(B, S, Dk)` gives every $U_a h_j$ at once, shape `(B, S, A)`.
# 2. Broadcasting adds $W_a s_{i-1}$, shape `(B, A)`, to each of the $S$ rows once we give it a length axis of size 1: `(B, 1, A)`.

# %%
with torch.no_grad():
    projected_keys = attention.project_keys(enc_outputs)  # U_a h_j for all j: (B, S, A)
    projected_query = attention.W_a(dec_state)  # W_a s_{i-1}: (B, A)
    summed = projected_query.unsqueeze(1) + projected_keys  # (B, 1, A) + (B, S, A) -> (B, S, A)
print("projected_keys", tuple(projected_keys.shape), "| projected_query", tuple(projected_query.shape),
      "| summed", tuple(summed.shape))

# %% [markdown]
# What is left, $\tanh$ and the dot product with $v_a$ over the last axis, is your first exercise.
#
# **Exercise 2.1.** Write `additive_score(query, keys, W_a, U_a, v_a)` that returns the scores of shape `(B, S)` for
# `query` $= s_{i-1}$ of shape `(B, Dq)`, `keys` $= h_1..h_S$ of shape `(B, S, Dk)`, `W_a` of shape `(A, Dq)`, `U_a` of shape `(A, Dk)` and `v_a` of shape `(A,)`.
# No loop over positions: the check also tries $T_x = 300$ and refuses code that runs tensor operations position by position. It compares with `AdditiveAttention.score` (which you may not call here) for $T_x$ from 3 to 300.

# %%
def additive_score(query, keys, W_a, U_a, v_a):
    """e_ij = v_a^T tanh(W_a s_{i-1} + U_a h_j) for every j: (B, Dq), (B, S, Dk) -> (B, S)."""
    # BEGIN SOLUTION
    # HINT: write down the shapes of W_a s_{i-1} and of U_a h_j for all j at once: what must W_a s_{i-1} get so that it is added to every position of its own sentence?
    projected_keys = keys @ U_a.T  # (B, S, A)
    projected_query = (query @ W_a.T).unsqueeze(1)  # (B, 1, A)
    return torch.tanh(projected_query + projected_keys) @ v_a  # (B, S)
    # END SOLUTION


check_additive_score(additive_score)

# %% [markdown]
# ## 5. The key fact: more positions, the same parameters
#
# The parameters of $a$ are the entries of $W_a$, $U_a$ and $v_a$:
#
# $$\#\text{params}(a) = A \cdot D_q + A \cdot D_k + A = 8 \cdot 3 + 8 \cdot 4 + 8 = 64$$
#
# Feed the same module sources of very different lengths and count.

# %%
n_params = sum(p.numel() for p in attention.parameters())  # A*Dq + A*Dk + A
for length in (3, 10, 100, 1000):
    enc_outputs = torch.randn(1, length, 4)  # (B=1, S, Dk)
    with torch.no_grad():
        scores = attention.score(dec_state[:1], enc_outputs)  # (B=1, S)
    print(f"T_x = {length:4d}: scores of shape {tuple(scores.shape)}, parameters of a = {n_params}")

# %% [markdown]
# Compare with the "learned weight per position" of notebook 00. To serve sentences up to 1000 words it would need 1000 numbers,
# the same 1000 for every sentence, none of them looking at what the words say.
# `a` has 64 numbers and reads the content: its score for a position moves with the *vector* $h_j$, not with the index $j$.
# Swap two encoder states and their scores swap with them:

# %%
enc_outputs = torch.randn(1, 4, 4)  # h_1..h_4: (B=1, S=4, Dk=4)
swapped = enc_outputs[:, [1, 0, 2, 3]]  # h_2, h_1, h_3, h_4
with torch.no_grad():
    before = attention.score(dec_state[:1], enc_outputs)[0]  # (S,)
    after = attention.score(dec_state[:1], swapped)[0]  # (S,)
print("scores            :", [f"{e:+.4f}" for e in before.tolist()])
print("h_1, h_2 swapped  :", [f"{e:+.4f}" for e in after.tolist()])

# %% [markdown]
# ### Try it: a slider over the source length
#
# The widget below keeps one decoder state and a pool of encoder states. The slider **source length T_x** chooses how many of them the sentence has.
# The bars are the scores $e_{1j}$; the title gives the parameter count of $a$. Move the slider: the number of bars follows $T_x$, the parameter count does not move,
# and the score of a position does not change when more positions are added after it.

# %% tags=["nbval-ignore-output"]
explorer = score_length_widget(max_len=30, initial_len=7)
explorer.widget

# %% [markdown]
# The same check in code: set the slider, read what the widget computed.

# %%
for T_x in (3, 15, 30):
    explorer.length.value = T_x
    print(explorer.state["text"])
    assert explorer.state["scores"].shape == (T_x,) and explorer.state["n_params"] == 64
explorer.length.value = 7  # back to where it started

# %% [markdown]
# ## 6. Computing $U_a h_j$ once per sentence
#
# The decoder produces $T_y$ output words, so it needs scores $e_{ij}$ for every pair $(i, j)$: a $T_y \times T_x$ matrix.
# Look at the two terms inside the $\tanh$ again:
#
# - $W_a s_{i-1}$ depends on the step $i$ but not on $j$;
# - $U_a h_j$ depends on $j$ but **not** on $i$.
#
# So $U_a h_j$ can be computed once per sentence (`attention.project_keys`) and reused at every decoder step; only $W_a s_{i-1}$ changes.
# Notebook 05 times the difference.
#
# **Exercise 2.2.** Write `score_matrix(dec_states, projected_keys, W_a, v_a)` that returns all scores at once, shape `(B, T, S)`,
# from the decoder states $s_0, \dots, s_{T-1}$ of shape `(B, T, Dq)` and the keys projected once, $U_a h_j$, of shape `(B, S, A)`.
# The check compares with calling `AdditiveAttention.score` one step at a time.

# %%
def score_matrix(dec_states, projected_keys, W_a, v_a):
    """e_ij for every decoder step i and source position j: (B, T, Dq), (B, S, A) -> (B, T, S)."""
    # BEGIN SOLUTION
    # HINT: W_a s_i for all i is (B, T, A); give it an axis for j, (B, T, 1, A), and give the keys one for i, (B, 1, S, A)
    projected_queries = dec_states @ W_a.T  # (B, T, A)
    summed = projected_queries.unsqueeze(2) + projected_keys.unsqueeze(1)  # (B, T, 1, A) + (B, 1, S, A) -> (B, T, S, A)
    return torch.tanh(summed) @ v_a  # (B, T, S)
    # END SOLUTION


check_score_matrix(score_matrix)

# %% [markdown]
# With the package, the same matrix is one decoder step at a time, each step reusing `projected_keys`. Here $T_y = 3$ steps over $T_x = 5$ positions:

# %%
torch.manual_seed(1)
enc_outputs = torch.randn(1, 5, 4)  # (B=1, S=5, Dk=4)
dec_states = torch.randn(1, 3, 3)  # s_0, s_1, s_2: (B=1, T=3, Dq=3)
with torch.no_grad():
    projected_keys = attention.project_keys(enc_outputs)  # once per sentence: (B, S, A)
    scores = torch.stack(
        [attention.score(dec_states[:, i], enc_outputs, projected_keys) for i in range(3)], dim=1
    )  # (B, T, S)
print("score matrix (T_y x T_x) =", tuple(scores[0].shape))
print(scores[0].numpy().round(3))

# %% [markdown]
# ## Exercises, for more practice (no check)
#
# - Redo the hand example of section 3 with $s_{i-1} = (0, 0)$. Which position wins now, and why does $W_a$ no longer matter?
# - How many parameters would `AdditiveAttention(query_size=512, key_size=1024, attn_size=256)` have? Does your answer change for a book-length input?

# %% [markdown]
# ## Key points
#
# - A score $e_{ij} = v_a^\top \tanh(W_a s_{i-1} + U_a h_j)$ compares **one** decoder state with **one** encoder state; its inputs say nothing about $T_x$.
# - The same network $a$ is applied at every position (a 1×1 convolution over time), so a source of length $T_x$ gives exactly $T_x$ scores.
# - The parameters are $W_a$, $U_a$, $v_a$: $A D_q + A D_k + A$ numbers, set by the state sizes, never by the length.
# - The scores follow the *content* $h_j$, not the index $j$; a fixed weight per position cannot do that.
# - $U_a h_j$ does not depend on the decoder step, so it is computed once per sentence; the full score matrix is $T_y \times T_x$.
#
# ## References
#
# - D. Bahdanau, K. Cho, Y. Bengio (2015). *Neural Machine Translation by Jointly Learning to Align and Translate.* ICLR. arXiv:1409.0473. Section 3.1 and Appendix A.1.2 (the score $a$).
# - M.-T. Luong, H. Pham, C. D. Manning (2015). *Effective Approaches to Attention-based Neural Machine Translation.* EMNLP. arXiv:1508.04025 (other scores; notebook 09).
# - PyTorch documentation: [`torch.nn.Linear`](https://pytorch.org/docs/stable/generated/torch.nn.Linear.html) (applies to the last dimension) and [broadcasting semantics](https://pytorch.org/docs/stable/notes/broadcasting.html).
