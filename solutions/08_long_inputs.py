# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 08 · Attention and long inputs
#
# *The measured answer to the question of notebook 00: exact match against source length for a decoder with attention, one without, and one with fixed-size "learned weights per position".*
#
# **Time:** about 25 minutes. The first run trains three models, about 1 minute each on a 2-core CPU with the `ci` profile (a few minutes each with `cpu`, well under a minute on a GPU); later runs load them.
#
# **Questions**
# - Does attention help more as the input gets longer?
# - What goes wrong without attention?
# - What goes wrong with weights that are learned per position, the idea of notebook 00?
#
# **Learning goals.** After this notebook you can
# 1. explain the fixed-size bottleneck of an encoder-decoder without attention, and see it in a measurement;
# 2. explain why weights computed by a layer with `max_len` outputs cannot serve every length, and see where they fail;
# 3. compute the attention weights of a trained model for an input longer than any it saw in training;
# 4. compute accuracy per length bucket and read a plot in the style of Bahdanau et al. (2015), Figure 2.
#
# **You need:** notebook 06 (the model and `load_or_train`), notebook 01 (the bottleneck), notebook 00 (the question).

# %% [markdown]
# ## 1. Set-up

# %% tags=["nbval-ignore-output"]
import matplotlib.pyplot as plt
import torch

from rnn_attention.data import build_vocabs, load_split
from rnn_attention.environment import setup
from rnn_attention.exercises import check_exact_match_by_bucket, check_first_step_weights
from rnn_attention.experiments.length import experiment_configs, format_table, run_length_experiment
from rnn_attention.masking import lengths_to_mask
from rnn_attention.models import build_model, count_parameters
from rnn_attention.train import load_or_train

device = setup(seed=0)

# %% [markdown]
# ## 2. The task: numbers written in words
#
# The source is a number written in words in English, German, French or Spanish; the target is its digits.
# Sources run from 2 to over 100 characters, while a target never has more than 9 digits.
# So the difficulty is in **reading** a long input, not in writing a long output: the right task to measure length.

# %%
train_pairs = load_split("numbers", "train")
test_pairs = load_split("numbers", "test")
for source, target in sorted(test_pairs, key=lambda pair: len(pair[0]))[::600]:
    print(f"{len(source):3d} characters: {source}  ->  {target}")
longest_train = max(len(source) for source, _ in train_pairs)
print(f"longest training source: {longest_train} characters")

# %% [markdown]
# German writes the units before the tens: *vierundzwanzig* is "four-and-twenty", 24.
# So in German the alignment crosses inside every number below 100, and the model must read the source in two places to write two neighbouring digits.

# %% [markdown]
# ## 3. Three decoders, one difference
#
# The three models share the encoder (a bidirectional GRU, $h_1, \dots, h_{T_x}$), the sizes, the data and the training budget.
# They differ only in the context $c_i$ that the decoder gets at step $i$.
#
# **With attention (Bahdanau et al. 2015).** A small network scores every $h_j$ against the decoder's state, and a softmax over the $T_x$ scores gives the weights:
#
# $$\alpha_{ij} = \operatorname{softmax}_j\big(v_a^\top \tanh(W_a s_{i-1} + U_a h_j)\big), \qquad c_i = \sum_{j=1}^{T_x} \alpha_{ij} h_j$$
#
# **Without attention (a bidirectional variant of Cho et al. 2014, whose encoder was unidirectional).** Every step gets the same summary: the last forward state and the last backward state,
#
# $$c_i = c = [\overrightarrow{h}_{T_x} ; \overleftarrow{h}_1]$$
#
# $2H$ numbers for the whole sentence, however long.
#
# **Location weights (the misconception).** The weights come from a linear layer with one output per position, $W \in \mathbb{R}^{L \times H}$, where $L$ is a maximum length fixed before training (here the longest training source):
#
# $$\alpha_i = \operatorname{softmax}\big((W s_{i-1})_{1..T_x}\big), \qquad c_i = \sum_{j=1}^{T_x} \alpha_{ij} h_j$$
#
# The scores are cut to the sentence's $T_x$ positions and renormalised. They depend on the position $j$ and on $s_{i-1}$, never on the content of $h_j$.
# An earlier version of the official PyTorch seq2seq tutorial computed its attention weights this way (`nn.Linear(hidden_size * 2, max_length)`); Luong et al. (2015) call it the *location-based* score.
#
# Here are the three configurations and the size of the part that computes $c_i$:

# %%
configs = experiment_configs(task="numbers")
configs["location"] = configs["location"].replace(location_max_len=longest_train)  # what load_or_train fills in
src_vocab, tgt_vocab = build_vocabs(train_pairs)  # character vocabularies, as in training
torch.manual_seed(0)
for kind, cfg in configs.items():
    model = build_model(len(src_vocab), len(tgt_vocab), cfg)
    attention = model.decoder.attention
    part = "nothing: c is the encoder's summary" if kind == "none" else (
        f"{type(attention).__name__} with {count_parameters(attention)} parameters")
    print(f"{kind:>9}: {part}")

# %% [markdown]
# The additive network has $A \cdot H + A \cdot 2H + A$ parameters, whatever the length.
# The location layer has $L \cdot H + L$: its size **is** the maximum length. Positions past $L$ have no parameters at all.

# %% [markdown]
# ## 4. The measurement
#
# `run_length_experiment` trains (or loads) the three models and measures exact match on the test split in six buckets of source length.
# The first time, this cell trains for about three minutes on a CPU; afterwards it loads the checkpoints in seconds.

# %% tags=["nbval-ignore-output"]
result = run_length_experiment(task="numbers")
print(format_table(result))

# %% [markdown]
# The same numbers as a picture, in the spirit of Figure 2 of Bahdanau et al. (2015): exact match against source length, one line per model.

# %%
styles = {"additive": ("tab:blue", "o", "attention (additive)"),
          "none": ("tab:red", "s", "no attention (fixed summary)"),
          "location": ("tab:orange", "^", "location weights (max_len outputs)")}
fig, ax = plt.subplots(figsize=(8, 4))
for kind, (colour, marker, label) in styles.items():
    rows = result[kind]["accuracy_by_length"]
    middles = [(row["lo"] + row["hi"]) / 2 for row in rows]
    ax.plot(middles, [row["exact_match"] for row in rows], marker=marker, color=colour, label=label)
ax.set_xlabel("source length T_x (characters, bucket middle)")
ax.set_ylabel("exact match on the test split")
ax.set_ylim(0, 1.02)
ax.legend(loc="lower left")
ax.set_title("Longer inputs: attention holds up, the fixed summary does not")
fig.tight_layout()

# %% [markdown]
# Read the right end of the plot: the longest bucket has fewer sentences (see `n` in the table), so its numbers are the noisiest, but the gap there is large.
# The statements the course makes, checked on the longest bucket:

# %%
longest = {kind: result[kind]["accuracy_by_length"][-1]["exact_match"] for kind in styles}
print(f"attention >= 0.9 on the longest bucket: {longest['additive'] >= 0.9}")
print(f"attention beats no attention by >= 0.3 there: {longest['additive'] - longest['none'] >= 0.3}")
print(f"attention beats the location weights there: {longest['additive'] > longest['location']}")

# %% [markdown]
# ## 5. Why the two others fail
#
# **The bottleneck.** Without attention, the decoder sees the source only through $c = [\overrightarrow{h}_{T_x} ; \overleftarrow{h}_1]$, $2H$ numbers.
# For a short number that is plenty. For a 100-character number the encoder must squeeze every word into the same $2H$ numbers, and a GRU forgets: what it read 80 steps ago is faint by the end.
# So accuracy falls as the source grows. Attention removes the bottleneck: at every step, the decoder reads all $T_x$ states $h_j$ again and picks the ones it needs now.
#
# **Fixed-size weights.** The location model does well where most training sources are, in the middle lengths, and falls off at both ends.
# It can attend, but its weights $\alpha_i = \operatorname{softmax}(W s_{i-1})$ say "look at position 17" without looking at what position 17 holds.
# The thousands of *two hundred and five thousand* and of *vingt mille* sit at different positions, so a weight tied to a position cannot find them; the model must guess the position from the state $s_{i-1}$ alone.
# And it has no weight at all for a position past $L$.
#
# Additive attention has neither problem. Its weight for position $j$ is computed from $h_j$ itself, with the same small network for every $j$.
# That is the answer to the question of notebook 00: **the $\alpha_{ij}$ are not parameters; they are computed, one per position of this input.**

# %% [markdown]
# Content-based weights also handle the crossing of German numbers. In *siebenhundertdreiundachtzig* (783) the tens, *acht*, come after the units, *drei*.
# The attention model's heat maps: look at the rows of the last two digits, and at where they look in the source.

# %%
from rnn_attention.evaluate import translate
from rnn_attention.plotting import plot_attention

additive = load_or_train(configs["additive"], verbose=False)  # loads the model trained in section 4
fig, axes = plt.subplots(2, 1, figsize=(11, 5.5))
for ax, text in zip(axes, ["siebenhundertdreiundachtzig", "dreitausendvierhundertsiebenundfünfzig"]):
    output, weights, src_tokens, tgt_tokens = translate(additive.model, text, additive.vocabs)  # weights: (T_y, T_x)
    plot_attention(weights, src_tokens, tgt_tokens, ax=ax, title=f"{text}  ->  {output}", colorbar=False)
    ax.set_xlabel("")
fig.tight_layout()

# %% [markdown]
# The row of the tens digit looks at *acht* (or *fünfzig*), to the right; the row of the units digit then jumps back left, to *drei* (or *sieben*).
# A weight tied to a position could not do this for every number: where *drei* sits depends on how long the words before it are.

# %% [markdown]
# ## 6. Longer than anything seen in training
#
# What happens with a source longer than every training source? We look at the weights of the first output step, $\alpha_1$, for one source of any length.
#
# **Exercise 8.1 (what a layer with $L$ outputs can give).** The location model scores the positions with one layer, `location.W`, of $L$ = `location.max_len` outputs:
# `location.W(s_0)` has shape $(B, L)$, one score per position $1..L$, whatever the source.
# Write `first_step_weights(location, s_0, T_x)` that returns the weights $\alpha_1$ the model gives a source of $T_x$ positions (no padding), shape $(B, T_x)$, from `location.W(s_0)` alone (the check refuses a call of `location` itself).
# You decide what happens when $T_x < L$ and when $T_x > L$: which positions have a score, which get weight 0, and what the others add up to. The check compares with the model for $T_x$ = 1, 3, $L$ and $2.5L$.

# %%
def first_step_weights(location, s_0, T_x):
    """alpha_1 of the location model for a source of T_x positions, from its L scores W s_0: (B, H) -> (B, T_x)."""
    # BEGIN SOLUTION
    # HINT: a softmax can only run over positions that have a score; what can a position past L have?
    scores = location.W(s_0)  # (B, L): positions 1..L have a score, later ones none
    L = scores.shape[1]
    weights = torch.softmax(scores[:, : min(T_x, L)], dim=-1)  # the sentence's positions that W can score
    padding = weights.new_zeros(weights.shape[0], max(T_x - L, 0))  # no score, no parameter: weight 0
    return torch.cat([weights, padding], dim=1)  # (B, T_x)
    # END SOLUTION


check_first_step_weights(first_step_weights)

# %% [markdown]
# Now the trained models. We glue two long test sources together, so the input is longer than any training source.
# The cell computes $\alpha_1$ with the package's pieces (not your function), for the attention model and for the location model.

# %%
long_text = " ".join(sorted((source for source, _ in test_pairs), key=len)[-2:])  # two of the longest test sources
print(f"a source of {len(long_text)} characters; the longest in training had {longest_train}")

for kind in ("additive", "location"):
    run = load_or_train(configs[kind], verbose=False)
    model, vocabs = run.model, run.vocabs
    src = torch.tensor([vocabs[0].encode(long_text)])  # (1, T_x)
    with torch.no_grad():
        lengths = torch.tensor([src.shape[1]])
        enc_outputs, final = model.encoder(src, lengths)  # (1, T_x, 2H)
        src_mask = lengths_to_mask(lengths, src.shape[1])  # (1, T_x)
        dec_state = model.decoder.init_state(enc_outputs, final, src_mask)  # s_0: (1, H)
        _, weights = model.decoder.attention(dec_state, enc_outputs, src_mask, model.decoder.project_keys(enc_outputs))
    past = weights[0, longest_train:].sum().item()  # weight on the positions never seen in training
    print(f"{kind:>9}: {weights.shape[1]} weights, sum {weights.sum().item():.3f}; "
          f"weight past position {longest_train} is {'exactly 0' if past == 0 else 'above 0'}")

# %% [markdown]
# The additive model gives a weight to every one of the positions, including those it never saw in training: the same scoring network runs on each $h_j$.
# The location model has nothing past position $L$: its layer has exactly $L$ outputs, so it gives those positions weight 0 (a stricter version raises an error instead).
# Whatever the rest of the sentence says, the location model cannot read its end.

# %% [markdown]
# ## 7. Accuracy per bucket, by hand
#
# **Exercise 8.2.** Write `exact_match_by_bucket(sources, targets, outputs, buckets)`: for each bucket `(lo, hi)` (source lengths from `lo` to `hi`, both included), the fraction of the pairs in it whose output equals the target; `None` if no source falls in the bucket.
# This is what `accuracy_by_length` in the package computes.
#
# Check by hand: with sources `dix`, `onze` (3 and 4 characters), targets `10`, `11`, outputs `10`, `12`, the bucket `(1, 5)` has exact match $1/2 = 0.5$.

# %%
def exact_match_by_bucket(sources, targets, outputs, buckets):
    """[exact match of the pairs with lo <= len(source) <= hi, or None] for each (lo, hi) in buckets."""
    # BEGIN SOLUTION
    # HINT: for each bucket, collect output == target for the pairs whose source length is in [lo, hi]
    fractions = []
    for lo, hi in buckets:
        hits = [output == target for source, target, output in zip(sources, targets, outputs) if lo <= len(source) <= hi]
        fractions.append(sum(hits) / len(hits) if hits else None)
    return fractions
    # END SOLUTION


check_exact_match_by_bucket(exact_match_by_bucket)

# %% [markdown]
# ## Key points
#
# - Without attention, the whole source passes through one fixed-size vector; as sources grow, accuracy falls.
# - With fixed-size weights (a layer with `max_len` outputs), attention is tied to positions, not to content, and stops at `max_len`.
# - Additive attention computes one weight per position of *this* input from $h_j$ itself, with a network whose size does not depend on $T_x$: it holds up on the longest inputs and even gives weights to positions longer than any training source.
# - The answer to the question of notebook 00, measured: the $\alpha_{ij}$ are not learned parameters; they are computed.
#
# ## References
#
# - D. Bahdanau, K. Cho, Y. Bengio (2015). *Neural Machine Translation by Jointly Learning to Align and Translate.* ICLR. arXiv:1409.0473. (Figure 2: BLEU against sentence length, with and without attention.)
# - K. Cho, B. van Merriënboer, C. Gulcehre, D. Bahdanau, F. Bougares, H. Schwenk, Y. Bengio (2014). *Learning Phrase Representations using RNN Encoder-Decoder for Statistical Machine Translation.* EMNLP. arXiv:1406.1078.
# - K. Cho, B. van Merriënboer, D. Bahdanau, Y. Bengio (2014). *On the Properties of Neural Machine Translation: Encoder-Decoder Approaches.* SSST-8. arXiv:1409.1259. (Accuracy falls with sentence length without attention.)
# - M.-T. Luong, H. Pham, C. D. Manning (2015). *Effective Approaches to Attention-based Neural Machine Translation.* EMNLP. arXiv:1508.04025. (Section 3.1: the location-based score.)
# - PyTorch documentation: [`nn.Linear`](https://pytorch.org/docs/stable/generated/torch.nn.Linear.html), [`nn.GRU`](https://pytorch.org/docs/stable/generated/torch.nn.GRU.html).
