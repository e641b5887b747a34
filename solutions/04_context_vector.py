# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 04 · The context vector $c_i$: one vector, whatever the length
#
# *The weights of notebook 03 average the encoder states into one vector of fixed size; we see where it can land, how the gradients flow back, and answer the course's question.*
#
# **Time:** about 30 minutes (CPU or GPU: nothing trains here, every cell runs in under a second).
#
# **Questions**
# - Why does $c_i = \sum_j \alpha_{ij} h_j$ always have the size of one $h_j$, however long the input is?
# - Where can $c_i$ lie, compared with the $h_j$?
# - During training, which encoder states receive a gradient through $c_i$, and how much?
#
# **Learning goals.** After this notebook you can
# 1. compute $c_i$ in one line of PyTorch, for one sentence and for a batch, with the shapes written down;
# 2. explain why $c_i$ is a *convex combination*: it stays inside the hull of the $h_j$, feature by feature between their smallest and largest value;
# 3. show with autograd that $\partial c_i / \partial h_j = \alpha_{ij} I$, so every $h_j$ gets a share of the gradient in proportion to its weight, and a padded $h_j$ gets none;
# 4. read the full weight matrix $\alpha$ of shape $T_y \times T_x$ and state the answer to the course's question.
#
# **You need:** notebook 02 (the scores $e_{ij} = v_a^\top \tanh(W_a s_{i-1} + U_a h_j)$) and notebook 03 (the softmax that turns them into weights $\alpha_{ij}$, and the mask for padding).
# Here we import both from the package: `AdditiveAttention`, `masked_softmax` and `lengths_to_mask`.

# %% [markdown]
# ## 1. Set-up

# %% tags=["nbval-ignore-output"]
import matplotlib.pyplot as plt
import torch

from rnn_attention import AdditiveAttention, lengths_to_mask
from rnn_attention.claims import claim
from rnn_attention.environment import setup
from rnn_attention.exercises import check_context_vector, check_feature_bounds, check_state_gradients
from rnn_attention.geometry import convex_hull_2d, inside_hull_2d
from rnn_attention.plotting import plot_attention
from rnn_attention.widgets import context_hull_widget

device = setup(seed=0)

# %% [markdown]
# ## 2. From $T_x$ weights to one vector
#
# Recall the symbols. The encoder reads a source sentence of length $T_x$ and gives one state per position, $h_1, \dots, h_{T_x}$, each a vector of $H$ numbers.
# In this notebook $H$ is simply the size of one $h_j$. (With the bidirectional encoder of notebooks 01, 05 and 06, $H$ counts the units of *one* direction and $h_j$ has $2H$ numbers, which notebook 06 calls $K = 2H$.)
# At output step $i$ the decoder has scored every position (notebook 02) and turned the scores into weights $\alpha_{i1}, \dots, \alpha_{iT_x}$ (notebook 03).
# The weights are non-negative and sum to one.
#
# The **context vector** is their weighted sum:
#
# $$c_i = \sum_{j=1}^{T_x} \alpha_{ij}\, h_j$$
#
# Stack the states as the rows of a matrix `enc_outputs` of shape $(T_x, H)$ and the weights as a vector `attn_weights` of shape $(T_x,)$.
# The sum is then one matrix product. In code, $S$ stands for $T_x$:

# %%
H = 4  # numbers in one encoder state h_j
torch.manual_seed(0)
for S in (3, 5, 40):  # three source lengths T_x
    enc_outputs = torch.randn(S, H)  # (S, H): h_1 .. h_S
    attn_weights = torch.softmax(torch.randn(S), dim=0)  # (S,): alpha_i1 .. alpha_iS
    context = attn_weights @ enc_outputs  # (H,) = (S,) @ (S, H): c_i = sum_j alpha_ij h_j
    print(f"T_x = {S:2d}: {attn_weights.numel():2d} weights, enc_outputs {tuple(enc_outputs.shape)} -> context {tuple(context.shape)}")

# %% [markdown]
# The number of weights follows $T_x$; the context does not. The product sums over the position index $j$, so $T_x$ disappears and only $H$ is left.
# That is why the decoder, whose input size is fixed once and for all, can take $c_i$ from a sentence of any length.

# %% [markdown]
# ## 3. An example to check with a pencil
#
# Three states in the plane ($H = 2$) and weights $\alpha = (0.5, 0.25, 0.25)$:
#
# $$c = 0.5 \begin{pmatrix}0\\0\end{pmatrix} + 0.25 \begin{pmatrix}4\\0\end{pmatrix} + 0.25 \begin{pmatrix}0\\4\end{pmatrix} = \begin{pmatrix}1\\1\end{pmatrix}$$
#
# Before running the cell, work out the two other rows yourself: all the weight on $h_2$, and equal weights $1/3$.
# You should get $(4, 0)$, which is $h_2$ itself, and $(4/3, 4/3) \approx (1.333, 1.333)$, the centre of the triangle.

# %%
enc_outputs = torch.tensor([[0.0, 0.0], [4.0, 0.0], [0.0, 4.0]])  # (S=3, H=2): h_1, h_2, h_3
for attn_weights in ([0.5, 0.25, 0.25], [0.0, 1.0, 0.0], [1 / 3, 1 / 3, 1 / 3]):
    attn_weights = torch.tensor(attn_weights)  # (S,)
    context = attn_weights @ enc_outputs  # (H,): c = sum_j alpha_j h_j
    print(f"alpha = {[round(a, 3) for a in attn_weights.tolist()]} -> c = {[round(x, 3) for x in context.tolist()]}")

# %% [markdown]
# ## 4. A convex combination stays inside the hull
#
# A weighted sum whose weights are $\ge 0$ and add up to 1 is called a **convex combination**.
# Geometrically, $c_i$ always lies in the **convex hull** of the $h_j$: the smallest convex polygon (in 2-D) that contains all of them.
#
# Feature by feature this says: for each feature $k$,
#
# $$\min_j h_{jk} \;\le\; c_{ik} \;\le\; \max_j h_{jk}$$
#
# because $c_{ik} = \sum_j \alpha_{ij} h_{jk} \le \sum_j \alpha_{ij} \max_j h_{jk} = \max_j h_{jk}$, and the same for the minimum.
# So attention can *choose* and *blend* what the encoder wrote, but it cannot invent a value that no $h_j$ has, nor grow with the length as a plain sum would.
#
# Let us test it: 1000 random weight vectors over 6 states in the plane, each giving one $c$.

# %%
torch.manual_seed(1)
enc_outputs = torch.randn(6, 2) * 1.5  # (S=6, H=2): six encoder states in the plane
attn_weights = torch.softmax(2 * torch.randn(1000, 6), dim=1)  # (1000, S): 1000 weight vectors, rows sum to 1
contexts = attn_weights @ enc_outputs  # (1000, H): one c per weight vector
hull = convex_hull_2d(enc_outputs)  # the corners of the hull, counter-clockwise
inside = sum(inside_hull_2d(c, hull, tol=1e-6) for c in contexts.tolist())
low, high = enc_outputs.min(dim=0).values, enc_outputs.max(dim=0).values  # (H,), (H,): per-feature bounds
within_bounds = bool(((contexts >= low) & (contexts <= high)).all())
print(f"{inside} of {len(contexts)} contexts inside the hull; all within the per-feature bounds: {within_bounds}")

# %%
fig, ax = plt.subplots(figsize=(5.5, 5))
xs, ys = zip(*(hull + hull[:1]))
ax.fill(xs, ys, color="tab:blue", alpha=0.12)
ax.plot(xs, ys, color="tab:blue", lw=1, label="convex hull of the h_j")
ax.scatter(contexts[:, 0], contexts[:, 1], s=4, color="tab:red", alpha=0.5, label="c for 1000 random alpha")
ax.scatter(enc_outputs[:, 0], enc_outputs[:, 1], s=60, color="tab:blue", zorder=3, label="h_j")
for j, (x, y) in enumerate(enc_outputs.tolist(), start=1):
    ax.annotate(f"h_{j}", (x, y), textcoords="offset points", xytext=(6, 5))
ax.set_aspect("equal")
ax.set_xlabel("feature 1")
ax.set_ylabel("feature 2")
ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, fontsize=8, frameon=False)
ax.set_title("every c = sum_j alpha_j h_j lies in the hull", pad=14)
fig.tight_layout();

# %% [markdown]
# The red points crowd towards the middle: with random weights, several states share the weight and $c$ is an average.
# Sharp weights (one $\alpha_{ij}$ close to 1) push $c$ into a corner, onto one $h_j$.
# A state inside the hull, one that is not a corner, is harder to pick. A softmax never gives a weight of exactly 1, so $c$ only comes close to any $h_j$.
# And with the dot or general scores of notebook 09, which are linear in $h_j$, an interior $h_j$ can never have the top score: a linear function is largest at a corner.
# Only a non-linear score, such as the additive $v_a^\top \tanh(W_a s + U_a h_j)$, can make an interior state the winner.

# %% [markdown]
# ## 5. Move the weights yourself
#
# In the widget below, the weights are a bump around a **focus position** $j$: position $j$ gets the highest score, its neighbours less,
# $e_{j'} = -(j' - j)^2$, and $\alpha = \mathrm{softmax}(e / \tau)$ with a **temperature** $\tau$ (notebook 03): small $\tau$ gives sharp weights, large $\tau$ flat ones.
#
# - Move the focus: the star $c_i$ walks from state to state.
# - Raise the temperature: the star drifts to the middle of the hull (the plain average).
# - Change the **source length** $T_x$: points join or leave, there are always $T_x$ weights, the text line says how many numbers $c_i$ has.

# %% tags=["nbval-ignore-output"]
hull_widget = context_hull_widget(initial_len=5)
hull_widget

# %% [markdown]
# The check cell drives the same widget from code: it sets the sliders, then prints what the widget computed.
# (`trying()` puts the sliders back where they were afterwards, so the widget above still shows your choice.)

# %%
with hull_widget.trying():
    for length, focus, temperature in ((5, 2, 1.0), (9, 7, 0.3), (3, 1, 20.0)):
        hull_widget.length.value = length
        hull_widget.focus.value = focus
        hull_widget.temperature.value = temperature
        state = hull_widget.state
        print(
            f"T_x = {state['T_x']}, focus {focus}, temperature {temperature:4.1f}: "
            f"{state['weights'].numel()} weights, sum {state['weights'].sum().item():.3f}, "
            f"c_i = ({state['context'][0]:.2f}, {state['context'][1]:.2f})"
        )
        claim(f"T_x = {length}: c_i lies inside the hull of the h_j", state["inside"])
    print("text line:", state["text"])

# %% [markdown]
# ## 6. Gradients reach every $h_j$, in proportion to $\alpha_{ij}$
#
# Training changes the encoder through the gradient that flows back from the loss $L$ through $c_i$.
# Because $c_i = \sum_j \alpha_{ij} h_j$ is linear in each $h_j$, its Jacobian with respect to one state is the weight times the identity matrix:
#
# $$\frac{\partial c_i}{\partial h_j} = \alpha_{ij}\, I_H \qquad\text{so}\qquad \frac{\partial L}{\partial h_j} = \alpha_{ij}\, \frac{\partial L}{\partial c_i}$$
#
# (for now we hold the weights fixed; the end of this section adds the path through the scores).
# Each state gets the same direction of change, scaled by its weight: a state with $\alpha = 0.4$ gets four times the push of one with $\alpha = 0.1$.
#
# Check it with autograd. Take $L = \sum_k c_{ik}$, so $\partial L / \partial c_i = (1, \dots, 1)$ and each row of the gradient should be $\alpha_j$ repeated.

# %%
torch.manual_seed(2)
enc_outputs = torch.randn(4, 3, requires_grad=True)  # (S=4, H=3): h_1..h_4, autograd tracks them
attn_weights = torch.tensor([0.1, 0.2, 0.3, 0.4])  # (S,): fixed weights
context = attn_weights @ enc_outputs  # (H,): c = sum_j alpha_j h_j
context.sum().backward()  # L = c_1 + c_2 + c_3
for j, row in enumerate(enc_outputs.grad.tolist(), start=1):
    print(f"dL/dh_{j} = {[round(g, 4) for g in row]}   alpha_{j} = {attn_weights[j - 1].item():.1f}")

# %% [markdown]
# Each row is $\alpha_j$ three times, as the formula says. The whole Jacobian $\partial c / \partial h$ has shape $(H, T_x, H)$; its slice for position $j$ should be $\alpha_j I_3$:

# %%
jacobian = torch.autograd.functional.jacobian(lambda h: attn_weights @ h, enc_outputs.detach())  # (H, S, H)
print("jacobian shape:", tuple(jacobian.shape))
for j in range(4):
    block = jacobian[:, j, :]  # (H, H): d c / d h_j
    claim(f"d c / d h_{j + 1} == alpha_{j + 1} * I", torch.allclose(block, attn_weights[j] * torch.eye(3)))

# %% [markdown]
# **The full path, and padding.** In a real model the weights are not fixed: $\alpha_{ij}$ comes from the score $e_{ij}$, which looks at $h_j$.
# So a real position gets a second share of gradient through its score. A **padded** position (notebook 03) is different:
# the mask sets its score $e_{ij}$ to `finfo.min` *before* the softmax, so its weight $\alpha_{ij}$ is exactly 0, both paths are cut and its gradient is exactly zero.
# Below, one sentence of 3 real states is padded to length 5, and the loss flows through `AdditiveAttention` with the mask.

# %%
torch.manual_seed(3)
attention = AdditiveAttention(query_size=3, key_size=3, attn_size=5)
enc_outputs = torch.randn(1, 5, 3, requires_grad=True)  # (B=1, S=5, H=3): 3 real states + 2 padding
dec_state = torch.randn(1, 3)  # (B, Dq): s_{i-1}
src_mask = lengths_to_mask(torch.tensor([3]), max_len=5)  # (B, S): True on the real positions
context, attn_weights = attention(dec_state, enc_outputs, mask=src_mask)  # (B, H), (B, S)
context.sum().backward()
grad_norms = enc_outputs.grad[0].norm(dim=1)  # (S,): size of dL/dh_j for each position
for j in range(5):
    kind = "real  " if src_mask[0, j] else "padded"
    print(f"h_{j + 1} ({kind}): alpha = {attn_weights[0, j].item():.4f}, |dL/dh_j| = {grad_norms[j].item():.4f}")

# %% [markdown]
# The three real states all receive a gradient; the two padded ones receive exactly 0.
# Padding cannot change the model, and a model cannot learn to rely on it.

# %% [markdown]
# ## 7. The whole matrix $\alpha$: $T_y \times T_x$, different for every sentence pair
#
# So far we looked at one output step $i$. A decoder that writes $T_y$ output tokens attends $T_y$ times over the same $T_x$ states.
# Stacking the weight rows gives a matrix $\alpha$ with $T_y$ rows and $T_x$ columns; row $i$ sums to one.
# Each sentence pair has its own $T_x$ and $T_y$, so its own matrix shape.
#
# We build three such matrices with one `AdditiveAttention` module and random states standing in for a trained encoder and decoder (we scale $v_a$ up so that the rows are not almost flat).
# The model is untrained, so *which* cells are bright means nothing yet (notebook 07 shows trained alignments). Look at the shapes.

# %%
pairs = [
    ("the cat sleeps".split(), "le chat dort".split()),
    ("where is the train station ?".split(), "où est la gare ?".split()),
    ("24 November 2026".split(), "2026 - 11 - 24".split()),
]
H = 8
torch.manual_seed(4)
attention = AdditiveAttention(query_size=H, key_size=H, attn_size=16)
alphas = []
with torch.no_grad():
    attention.v_a.weight.mul_(4)  # larger scores, sharper weights: a fresh module gives nearly flat rows
    for src_tokens, tgt_tokens in pairs:
        T_x, T_y = len(src_tokens), len(tgt_tokens)
        enc_outputs = 2 * torch.randn(1, T_x, H)  # (B=1, S, H): stand-in encoder states h_j
        dec_states = 2 * torch.randn(T_y, 1, H)  # T_y stand-in decoder states s_{i-1}, each (B=1, H)
        rows = [attention(dec_states[i], enc_outputs)[1] for i in range(T_y)]  # T_y times (B, S)
        alpha = torch.cat(rows)  # (T, S) = (T_y, T_x)
        alphas.append(alpha)
        print(f"T_x = {T_x}, T_y = {T_y}: alpha {tuple(alpha.shape)}, row sums {[round(r, 3) for r in alpha.sum(1).tolist()]}")
print("parameters of the attention module, the same for every pair:", sum(p.numel() for p in attention.parameters()))

# %%
fig, axes = plt.subplots(1, 3, figsize=(13, 3.6), gridspec_kw={"width_ratios": [3, 6, 3]})
for ax, alpha, (src_tokens, tgt_tokens) in zip(axes, alphas, pairs):
    plot_attention(alpha, src_tokens, tgt_tokens, ax=ax, title=f"T_y x T_x = {alpha.shape[0]} x {alpha.shape[1]}")
fig.tight_layout();

# %% [markdown]
# ## 8. The answer to the student's question
#
# > **"If the $\alpha_{ij}$ are learned, how can there be one for each input position when inputs have different lengths?"**
# >
# > **They are not learned. They are computed.** What is learned is a small scoring network $a(s_{i-1}, h_j) = v_a^\top \tanh(W_a s_{i-1} + U_a h_j)$, whose parameters $W_a$, $U_a$, $v_a$ have sizes set by the state sizes, never by $T_x$ (notebook 02).
# > It is applied to **each** of the $T_x$ encoder states, giving $T_x$ scores; a softmax over exactly those $T_x$ scores gives $T_x$ weights that sum to one (notebook 03).
# > The context $c_i = \sum_j \alpha_{ij} h_j$ sums over $j$, so it has the size of one $h_j$ whatever $T_x$ is (this notebook).
# > Every sentence pair thus gets its own $T_y \times T_x$ matrix $\alpha$, recomputed from the data at every step, from the same fixed set of parameters.
# > So one model *runs* on inputs of any length. That is all "any length" promises: whether it is *right* on lengths it never saw in training is a separate question, measured in notebook 10; notebook 11 shows what it takes.

# %% [markdown]
# ## 9. Exercises
#
# **Exercise 4.1 (batched context).** A batch holds $B$ sentences padded to a common length $S$. Write `context_vector(attn_weights, enc_outputs)` that takes weights of shape $(B, S)$ and states of shape $(B, S, H)$ and returns the $B$ context vectors, shape $(B, H)$.
# The weights of padded positions are already 0. The check compares with the package's `attend`.

# %%
def context_vector(attn_weights, enc_outputs):
    """c_b = sum_j alpha_bj h_bj for every sentence b: (B, S), (B, S, H) -> (B, H)."""
    # BEGIN SOLUTION
    # HINT: c_b sums alpha_bj h_bj over j: which axis of enc_outputs is j, and what shape must the weights take to meet it?
    return torch.bmm(attn_weights.unsqueeze(1), enc_outputs).squeeze(1)  # (B, 1, S) @ (B, S, H) -> (B, H)
    # END SOLUTION


check_context_vector(context_vector)

# %% [markdown]
# **Exercise 4.2 (gradients by hand).** Given fixed weights $\alpha$ of shape $(S,)$ and the gradient of the loss with respect to the context, $g = \partial L / \partial c$ of shape $(H,)$,
# return $\partial L / \partial h_j$ for every $j$, a tensor of shape $(S, H)$, without autograd. The check compares with autograd.

# %%
def state_gradients(attn_weights, grad_context):
    """dL/dh_j = alpha_j * dL/dc for every j: (S,), (H,) -> (S, H)."""
    # BEGIN SOLUTION
    # HINT: row j is alpha_j times g: an outer product
    return attn_weights.unsqueeze(1) * grad_context.unsqueeze(0)  # (S, 1) * (1, H) -> (S, H)
    # END SOLUTION


check_state_gradients(state_gradients)

# %% [markdown]
# **Exercise 4.3 (the bounds of a convex combination).** Write `feature_bounds(enc_outputs)` that returns two tensors `(low, high)`, each of shape $(H,)$: the smallest and the largest value of each feature over the states $h_j$.
# The check then draws 200 random weight vectors and verifies that every context vector lies between your bounds, as section 4 proved.

# %%
def feature_bounds(enc_outputs):
    """Per-feature minimum and maximum over the positions: (S, H) -> ((H,), (H,))."""
    # BEGIN SOLUTION
    # HINT: one bound per feature: over which dimension do you reduce? (.min and .max with a dim return values and indices)
    return enc_outputs.min(dim=0).values, enc_outputs.max(dim=0).values
    # END SOLUTION


check_feature_bounds(feature_bounds)

# %% [markdown]
# ## Key points
#
# - $c_i = \sum_j \alpha_{ij} h_j$ is one matrix product, `attn_weights @ enc_outputs`; it sums over the positions, so $c_i$ has the size $H$ of one $h_j$ for any $T_x$.
# - With weights $\ge 0$ that sum to one, $c_i$ is a convex combination: it lies in the hull of the $h_j$, each feature between the smallest and largest value of that feature.
# - $\partial c_i / \partial h_j = \alpha_{ij} I$: every encoder state gets a share of the gradient in proportion to its weight; a masked (padded) position gets exactly zero.
# - The weights form a $T_y \times T_x$ matrix, different for every sentence pair, computed from the data by a scoring network whose size never depends on the length.
#
# ## References
#
# - D. Bahdanau, K. Cho, Y. Bengio (2015). *Neural Machine Translation by Jointly Learning to Align and Translate.* ICLR. arXiv:1409.0473. Section 3.1 defines $c_i$; Figure 3 shows alignment matrices.
# - M.-T. Luong, H. Pham, C. D. Manning (2015). *Effective Approaches to Attention-based Neural Machine Translation.* EMNLP. arXiv:1508.04025.
# - S. Boyd, L. Vandenberghe (2004). *Convex Optimization*, section 2.1.4 (convex combinations and the convex hull). Cambridge University Press.
# - PyTorch documentation: [`torch.bmm`](https://pytorch.org/docs/stable/generated/torch.bmm.html), [`torch.autograd.functional.jacobian`](https://pytorch.org/docs/stable/generated/torch.autograd.functional.jacobian.html).
