# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 07 · Reading the alignments
#
# *Look inside the trained date translator: the matrix of attention weights shows, for every output character, which input characters it read.*
#
# **Time:** about 20 minutes. Nothing long runs here: the notebook loads the model that notebook 06 trained (if it is missing, it trains it first: about a minute on a CPU).
#
# **Questions**
# - What does the matrix $\alpha$ of a trained model look like?
# - Why does it cross, and why is it different for every sentence?
# - How does the alignment appear during training?
#
# **Learning goals.** After this notebook you can
# 1. draw and read the alignment heat map of any input;
# 2. explain why the year's rows look at the end of the source while the day's rows look near its start;
# 3. turn an alignment into one source position per output step, and measure how sharp each row is with its entropy;
# 4. say, with a picture, why $\alpha$ cannot be a fixed vector of weights.
#
# **You need:** notebook 06 (the model and its checkpoint). The weights $\alpha_{ij}$ of notebooks 02 to 04: row $i$ holds the weights of output step $i$ over the source positions $j$, and sums to one.

# %% [markdown]
# ## 1. Set-up
#
# The same configuration as notebook 06, so `load_or_train` finds its checkpoint and loads it.

# %% tags=["nbval-ignore-output"]
import matplotlib.pyplot as plt
import torch

from rnn_attention.claims import claim
from rnn_attention.data import load_split
from rnn_attention.environment import setup
from rnn_attention.evaluate import row_entropy as package_row_entropy
from rnn_attention.evaluate import translate
from rnn_attention.exercises import check_hard_alignment, check_row_entropy
from rnn_attention.plotting import plot_attention
from rnn_attention.train import get_config, load_or_train
from rnn_attention.widgets import alignment_history_widget, translate_widget

device = setup(seed=0)
cfg = get_config(task="dates")
run = load_or_train(cfg)  # the trained model, its vocabularies and its training history
model, vocabs, history = run.model, run.vocabs, run.history
train_pairs = load_split("dates", "train")
longest = max(len(source) for source, _ in train_pairs)  # the longest source seen in training

# %% [markdown]
# ## 2. One alignment matrix
#
# For one input, greedy decoding writes $T_y$ output symbols (ten characters and `<eos>`).
# At each step $i$ the decoder computed weights $\alpha_{i1}, \dots, \alpha_{iT_x}$ over the $T_x$ source characters.
# Stacked, they form a $T_y \times T_x$ matrix: one row per output step, one column per source position.
#
# `translate` returns the output and this matrix; `plot_attention` draws it, source along the bottom, output down the side, dark for 0 and yellow for 1.

# %%
text = "Freitag, 16. Oktober 2065"
output, attn_weights, src_tokens, tgt_tokens = translate(model, text, vocabs)  # attn_weights: (T_y, T_x)
ax = plot_attention(attn_weights, src_tokens, tgt_tokens, title=f"{text}  ->  {output}")

# %%
T_y, T_x = attn_weights.shape
print(f"alpha has shape (T_y, T_x) = ({T_y}, {T_x}): {T_y} output steps, {T_x} source characters")
print("every row sums to 1:", torch.allclose(attn_weights.sum(dim=1), torch.ones(T_y), atol=1e-5))

# %% [markdown]
# Read it row by row:
#
# - the rows of `2`, `0`, `6`, `5` (the year) are bright over the **last four** source characters, `2065`;
# - the rows of the month look at `Oktober`, somewhere in the middle;
# - the rows of the day look at `16`, near the **start**.
#
# So the bright cells run from the bottom-right corner up to the top, then back to the left: the alignment **crosses**.
# The year moves from the end of the source to the front of the target.
#
# The rows of the separators `-` and of `<eos>` are spread out: writing a dash does not need any particular source character.
#
# Reading a heat map by eye tells you what the model does, not whether it is right: [notebook 13](13_alignments_tested.ipynb) tests these heat maps against the right alignment, known by construction.

# %% [markdown]
# ## 3. Different lengths, different languages
#
# The same model, with the same parameters, on four inputs of 9 to 38 characters.
# Each matrix has as many columns as its source has characters. This is the answer to the question of notebook 00 in a picture: the weights are computed for each sentence, so there are always exactly $T_x$ of them.

# %%
inputs = ["20.5.2022", "Wed, 25 Oct 2017", "mardi 24 novembre 2026", "segunda-feira, 17 de fevereiro de 2076"]
fig, axes = plt.subplots(2, 2, figsize=(13, 8), gridspec_kw={"width_ratios": [1, 2]})
for ax, source in zip(axes.T.flatten(), inputs):
    output, weights, src_tokens, tgt_tokens = translate(model, source, vocabs)
    plot_attention(weights, src_tokens, tgt_tokens, ax=ax, title=f"{source}  ->  {output}", colorbar=False)
    ax.set_xlabel("")
fig.tight_layout()

# %%
for source in inputs:
    _, weights, _, _ = translate(model, source, vocabs)
    print(f"{source:>40}: alpha is {tuple(weights.shape)}, T_x = {len(source)}")

# %% [markdown]
# Look at `20.5.2022`. The target month is `05`, but the source has only `5`.
# The row of the `0` looks at the `5` (and its neighbours): to decide to write a leading zero, the decoder must see that the month has one digit.
# The encoder's states help here: $h_j$ comes from a bidirectional GRU, so the state at `5` also knows that a `.` follows.

# %% [markdown]
# ## 4. Where the alignment crosses, in numbers
#
# A heat map is a picture; for a test we want numbers.
# The **hard alignment** of step $i$ is the source position with the largest weight, $\hat{a}_i = \arg\max_j \alpha_{ij}$.
#
# **Exercise 7.1.** Write `hard_alignment(weights)` that returns, for a $(T_y, T_x)$ matrix, the $T_y$ positions $\hat{a}_i$ as a tensor of integers.

# %%
def hard_alignment(weights):
    """(T_y, T_x) attention weights -> (T_y,) source position of the largest weight of each row."""
    # BEGIN SOLUTION
    # HINT: which dimension of weights runs over the source positions j?
    return weights.argmax(dim=-1)  # (T_y,)
    # END SOLUTION


check_hard_alignment(hard_alignment)

# %% [markdown]
# Here is the hard alignment of the longest input, written as "output character <- source character (position)".
# Positions count from 0. The year's four rows should point at positions 34 to 37, the last four; the day's rows at 15 and 16, the `17`.

# %% tags=["nbval-ignore-output"]
source = inputs[-1]
output, weights, src_tokens, tgt_tokens = translate(model, source, vocabs)
positions = weights.argmax(dim=-1)  # (T_y,): the package's own argmax, not the exercise
for i, (token, j) in enumerate(zip(tgt_tokens, positions.tolist())):
    print(f"step {i + 1:2d}: {token:>5} <- {src_tokens[j]!r} (position {j})")

# %% [markdown]
# The year rows should put most of their weight on the last four characters of the source, whatever the language and the length.
# We check it on 200 test dates: for each, the total weight that the four year rows give to the last four source positions, averaged over the four rows.

# %%
test_pairs = load_split("dates", "test")
year_mass = []
for source, _target in test_pairs[:200]:
    _, weights, _, _ = translate(model, source, vocabs)  # (T_y, T_x)
    year_mass.append(weights[:4, -4:].sum(dim=1).mean().item())  # rows of YYYY, columns of the last 4 characters
year_mass = torch.tensor(year_mass)
claim("year rows on the last four source characters, median weight > 0.5", year_mass.median().item() > 0.5)

# %% [markdown]
# ## 5. Sharp and diffuse rows
#
# How concentrated is a row? Its **entropy** measures it:
#
# $$H_i = -\sum_{j=1}^{T_x} \alpha_{ij} \log \alpha_{ij}$$
#
# A row with all its weight on one position has $H_i = 0$. A uniform row, $\alpha_{ij} = 1/T_x$, has the largest possible value, $H_i = \log T_x$.
# A weight of exactly 0 (a padded position) contributes $0 \log 0$, which we count as 0.
#
# Check by hand: weights $(0.5, 0.5, 0, 0)$ give $H = -2 \cdot 0.5 \log 0.5 = \log 2 \approx 0.693$.
#
# **Exercise 7.2.** Write `row_entropy(weights)` that returns the $T_y$ entropies of a $(T_y, T_x)$ matrix. It must not return `nan` when some weights are 0.

# %%
def row_entropy(weights):
    """(T_y, T_x) attention weights -> (T_y,) entropies H_i = -sum_j alpha_ij log alpha_ij, with 0 log 0 = 0."""
    # BEGIN SOLUTION
    # HINT: what is 0 * log(0) in floating point? Decide what a weight of exactly 0 contributes, and make the code give that
    return -torch.special.xlogy(weights, weights).sum(dim=-1)  # (T_y,)
    # END SOLUTION


check_row_entropy(row_entropy)

# %% [markdown]
# The trained model's rows, for the German date of section 2, next to the largest possible value $\log T_x$.
# The code uses the package's `row_entropy` (imported as `package_row_entropy`), the same formula, so it runs even if your exercise is not done yet.

# %%
example = torch.tensor([[0.5, 0.5, 0.0, 0.0]])
print(f"by hand: H = {package_row_entropy(example).item():.3f} (log 2 = 0.693)")

# %% tags=["nbval-ignore-output"]
output, weights, src_tokens, tgt_tokens = translate(model, text, vocabs)
entropy = package_row_entropy(weights)  # H_i: (T_y,)
print(f"uniform rows would have H = log {len(src_tokens)} = {torch.log(torch.tensor(float(len(src_tokens)))):.2f}")
for token, value in zip(tgt_tokens, entropy.tolist()):
    print(f"{token:>5}: H = {value:.2f} " + "#" * round(10 * value))

# %% [markdown]
# Not every row is equally sharp. The output `2065-10-16` has four kinds of rows; their mean entropies:

# %%
kinds = {"year digits": [0, 1, 2, 3], "month digits": [5, 6], "day digits": [8, 9], "dashes": [4, 7]}
mean_entropy = {kind: entropy[rows].mean().item() for kind, rows in kinds.items()}
for kind, value in mean_entropy.items():
    print(f"{kind:>13}: mean H = {value:.2f}")
uniform = torch.log(torch.tensor(float(len(src_tokens)))).item()
claim("the year rows are the sharpest kind (each year digit copies one source character)",
      mean_entropy["year digits"] == min(mean_entropy.values()))
claim("the month rows are more diffuse than the year rows (10 is read off the letters of Oktober)",
      mean_entropy["month digits"] > mean_entropy["year digits"])
claim("the month rows are less diffuse than the dashes (which copy nothing at all)",
      mean_entropy["month digits"] < mean_entropy["dashes"])
claim("on average the rows are much sharper than uniform (mean H below half of log T_x)",
      entropy.mean().item() < 0.5 * uniform)

# %% [markdown]
# The year's digits each copy one source character, so their rows are close to one-hot.
# The month's digits have no character to copy: `10` must be read off the whole word *Oktober*, so their weight spreads over its letters. Their entropy is far above the year's, though still below that of the dashes, which copy nothing at all.

# %% [markdown]
# ## 6. Translate your own input
#
# Type a date in any of the seven languages (English, German, French, Spanish, Italian, Portuguese, Dutch) and press **Translate** (or Enter).
# The widget shows the output and its alignment. Try:
#
# - the same date in two languages: which columns light up?
# - a date with a weekday (`Sunday, 1 January 2045`): do the weekday's columns get any weight?
# - a date longer than any date in training: the model still translates it, since its weights are computed for every position, and the widget warns you that nothing in training promises it works that far;
# - a date the model cannot read: an empty box, or a symbol it never saw (`3 mai 1999 ☺`). It answers with a message, not an error.

# %% tags=["nbval-ignore-output"]
translator = translate_widget(model, vocabs, initial_text="Freitag, 16. Oktober 2065", longest_training_source=longest)
translator

# %% [markdown]
# The cell below drives the widget from code, as a test would: it types into the box and presses the button.
# (`trying()` puts the box back as it was afterwards, so the widget above still shows your own input.)

# %%
long_date = "Donnerstag, der 24. September im Jahre 2064"  # longer than every training source
with translator.trying():  # afterwards the widget above shows your last input again, not the check's
    for attempt in ["3 mai 1999", "", long_date, "3 mai 1999 ☺"]:
        translator.text_box.value = attempt
        translator.button.click()
        state = translator.state
        if state["error"]:
            print(state["text"])
        else:
            print(f"{attempt!r} -> {state['output']!r}: {state['weights'].shape[1]} columns of weights "
                  f"for {len(attempt)} characters" + (f"\n    warning: {state['warning']}" if state["warning"] else ""))
print("the widget shows again:", translator.state["text"])

# %% [markdown]
# ## 7. How the alignment appears during training
#
# While training, notebook 06 recorded the alignments of four test sentences every few dozen steps (`history["alignments"]`).
# Move the **training step** slider: at step 0 the weights are almost uniform (the model knows nothing), then the year rows find the end of the source, and the rest follows.

# %% tags=["nbval-ignore-output"]
steps = [snapshot["step"] for snapshot in history["alignments"]]
print(f"{len(steps)} snapshots, steps {steps[0]} to {steps[-1]}; probe sentences: {history['probe']['src']}")
emerging = alignment_history_widget(history, initial_probe=2, initial_step=steps[len(steps) // 4])
emerging

# %% [markdown]
# Driven from code: the mean row entropy at the first and at the last snapshot.

# %%
with emerging.trying():  # the slider goes back to where it was
    emerging.step.value = steps[0]
    first = dict(emerging.state)
    emerging.step.value = steps[-1]
    last = dict(emerging.state)
print("the slider shows again: training step", emerging.step.value)
claim("step 0: rows nearly uniform (mean entropy above 80% of log T_x)",
      first["mean_entropy"] > 0.8 * first["uniform_entropy"])
claim("last step: rows sharper than at step 0", last["mean_entropy"] < first["mean_entropy"])
claim("last step: greedy output right", last["correct"])

# %% [markdown]
# ## Key points
#
# - The alignment of one input is a $T_y \times T_x$ matrix: one row of weights per output step, one column per source character. Every input has its own.
# - In the date task the alignment crosses: the year is read at the end of the source and written first; the day is read near the start and written last.
# - The hard alignment $\arg\max_j \alpha_{ij}$ turns the matrix into one source position per output step; the entropy $H_i$ says how sharp row $i$ is ($0$ for one position, $\log T_x$ for uniform).
# - Rows that need no particular source character (the dashes, `<eos>`) stay diffuse.
# - The weights are not learned numbers: they are computed anew for each input, which is why a 9-character and a 38-character date get matrices of 9 and 38 columns from the same parameters.
#
# ## References
#
# - D. Bahdanau, K. Cho, Y. Bengio (2015). *Neural Machine Translation by Jointly Learning to Align and Translate.* ICLR. arXiv:1409.0473. (Figure 3: alignment heat maps of English-French sentence pairs.)
# - M.-T. Luong, H. Pham, C. D. Manning (2015). *Effective Approaches to Attention-based Neural Machine Translation.* EMNLP. arXiv:1508.04025. (Section 5.4: alignment quality.)
# - PyTorch documentation: [`torch.special.xlogy`](https://pytorch.org/docs/stable/special.html#torch.special.xlogy), [`torch.argmax`](https://pytorch.org/docs/stable/generated/torch.argmax.html).
# - ipywidgets documentation: [Widget events (Button.on_click)](https://ipywidgets.readthedocs.io/en/stable/examples/Widget%20Events.html).
