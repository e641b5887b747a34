# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 10 · Longer than anything in training
#
# *The weights are computed, so one model runs on every length. Whether it **works** on a length it never saw is a measurement: train on short inputs, test on longer ones, and separate where the model looks from when it stops.*
#
# **Time:** about 40 minutes. The 20 trained models (4 decoders, 2 tests, 2 seeds; and 2 levers on the second test, 2 seeds) are the course's reference models: they load in seconds, and measuring them takes a few minutes on a 2-core CPU (section 5 prints how long it took in this run). Training your own (`COURSE_TRAIN=1`) takes about 27 minutes on an idle 2-core CPU, two models at a time, one per core (3,290 s of training in all, printed in section 5).
#
# **Questions**
# - A model trained on numbers of at most 60 characters is given one of 100. It runs. Does it work?
# - A model trained on inputs of one, two or three dates is given eight. What does it write?
# - Is the failure *where it looks* or *when it stops*? How can we tell them apart?
# - Does location-aware attention (Chorowski et al. 2015), which knows where it looked a step ago, extrapolate?
# - What does a model write *in order*, when it does not write each date in its place?
#
# **Learning goals.** After this notebook you can
# 1. say the difference between "runs on any length" and "works on any length", and measure the second;
# 2. compute the location features $f_i = F * \alpha_{i-1}$ of location-aware attention for any length, and count its parameters;
# 3. separate the stopping decision from the alignment with oracle-length decoding (EOS forbidden until the target's length);
# 4. score outputs per item (per date, per group of digits) instead of all or nothing, and in order (the longest common subsequence of dates), and read which input date each output date copies;
# 5. read a measurement over seeds: mean, min-max band, and what a claim needs from the spread;
# 6. keep a comparison fair: hold the output length fixed when the question is the input length.
#
# **You need:** notebook 08 (accuracy by length, the three decoders, location weights), notebook 06 (training with `load_or_train`), notebook 03 (masking before the softmax).

# %% [markdown]
# ## 1. Set-up

# %% tags=["nbval-ignore-output"]
from collections import Counter

import matplotlib.pyplot as plt
import torch

from rnn_attention.claims import claim, result
from rnn_attention.data import count_items, load_split
from rnn_attention.environment import describe_machine, setup
from rnn_attention.evaluate import decode, make_batch
from rnn_attention.evaluate import forbid_eos as package_forbid_eos
from rnn_attention.exercises import check_forbid_eos, check_item_accuracy, check_location_features
from rnn_attention.experiments.extrapolation import (
    KINDS,
    LEVERS,
    LONGER_BUCKETS,
    date_jumps,
    experiment_configs,
    format_tables,
    longer_splits,
    repeated_splits,
    repeated_tests,
    run_extrapolation,
    settings,
)
from rnn_attention.models import LocationAwareKind, build_model, count_parameters
from rnn_attention.plotting import plot_attention
from rnn_attention.widgets import extrapolation_widget

device = setup(seed=0)
SETTINGS = settings()  # the seeds, training budgets and test sizes (the same in every profile)

# %% [markdown]
# ## 2. Two tests: longer inputs, and more items
#
# **Longer sources.** The numbers task of notebook 08, but the models only see sources of at most $L$ characters in training.
# The test split keeps every length, up to 111 characters: almost twice $L$.
#
# One trap first. A longer number word usually means a longer number: the longest sources all write 9-digit numbers, and a 9-digit target is rare among the short training sources (the cell below counts them).
# So "accuracy past $L$" would mix two questions: can the model *read* a longer input, and can it *write* an output longer than it usually wrote?
# We keep this test, but answer the first question the way notebook 08 (section 5) does: **at a fixed number of digits**. Seven-digit targets are common in training and occur at every source length from 31 to 95 characters, so comparing them across source lengths changes only the input. (Notebook 11 asks the length question again on copy and reverse, where an output is exactly as long as its input.)

# %%
L = SETTINGS["train_max_len"]
short = longer_splits(L)
numbers_test = load_split("numbers", "test")
print(f"training: {len(short['train'])} numbers with sources of at most {L} characters "
      f"(of {len(load_split('numbers', 'train'))})")
print(f"test: {len(numbers_test)} numbers, sources of {min(len(s) for s, _ in numbers_test)} to "
      f"{max(len(s) for s, _ in numbers_test)} characters; "
      f"{sum(len(s) > L for s, _ in numbers_test)} of them longer than any training source")
for source, target in sorted(numbers_test, key=lambda pair: len(pair[0]))[-2:]:
    print(f"  {len(source)} characters: {source} -> {target}")
train_digits = Counter(len(t) for _, t in short["train"])
print("training targets by number of digits:", dict(sorted(train_digits.items())))
for lo, hi in LONGER_BUCKETS:
    in_bucket = Counter(len(t) for s, t in numbers_test if lo <= len(s) <= hi)
    print(f"  test sources of {lo:3d}-{hi:3d} characters, targets by digits: {dict(sorted(in_bucket.items()))}")

# %% [markdown]
# **Repeated inputs.** Chorowski et al. (2015) tested their speech recogniser on utterances glued together, ten times longer than any in training.
# We do the same with dates: a source is $k$ dates joined by ` ; `, its target the $k$ ISO dates joined by `;`.
# The models train on $k \in \{1, 2, 3\}$ and are tested on $k = 1, \dots, 8$, with dates of the test split only.
#
# Why three counts and not two? With $k \in \{1, 2\}$, "the second date" and "the last date" are the same thing in every training example, so a model can learn "write the first, then the last" instead of "write the next". Three counts at least separate *next* from *last*.

# %%
repeated = repeated_splits(SETTINGS["train_counts"], SETTINGS["n_train_repeated"])
tests = repeated_tests(SETTINGS["test_counts"], SETTINGS["n_test_per_count"])
counts = sorted({count_items(t) for _, t in repeated["train"]})
print(f"training: {len(repeated['train'])} pairs with k in {counts}; longest source "
      f"{max(len(s) for s, _ in repeated['train'])} characters")
for source, target in repeated["train"][:3]:
    print(f"  k={count_items(target)}: {source}  ->  {target}")
print(f"test: {SETTINGS['n_test_per_count']} pairs for each k in {list(tests)}; the k = 8 sources have "
      f"{min(len(s) for s, _ in tests[8])} to {max(len(s) for s, _ in tests[8])} characters")

# %% [markdown]
# ## 3. Four decoders, one difference
#
# As in notebook 08, the decoders share the encoder (a bidirectional GRU), the sizes, the data and the training budget; only the kind of attention differs.
#
# | kind | weights $\alpha_{ij}$ from | can tell *where* it is by |
# |---|---|---|
# | `additive` | $v_a^\top \tanh(W_a s_{i-1} + U_a h_j)$ | what $h_j$ holds (content) |
# | `none` | no weights: $c = [\overrightarrow{h}_{T_x}; \overleftarrow{h}_1]$ | nothing: one summary for every step |
# | `location` | $(W s_{i-1})_j$ from a layer with $L$ outputs | the position $j$ itself, up to $L$ |
# | `location_aware` | $w^\top \tanh(W s_{i-1} + V h_j + U f_{ij} + b)$ | content, and where it looked one step ago |
#
# **Location-aware attention** (Chorowski, Bahdanau, Serdyuk, Cho, Bengio 2015) adds to Bahdanau's score a term $U f_{ij}$ for the *location features*
#
# $$f_i = F * \alpha_{i-1}, \qquad f_{ij} = \sum_{t=1}^{r} F_{:,t}\, \alpha_{i-1,\, j + t - \lceil r/2 \rceil}$$
#
# a 1-D convolution of the previous step's weights with $k$ filters of width $r$ (zeros outside the sentence).
# So the score of position $j$ can say "the attention was just to my left": a rule that means the same at every length.
# $F$ has $k \cdot r$ numbers, whatever $T_x$ is.
#
# A pencil example: $\alpha_{i-1} = (0, 0, 1, 0, 0)$ (the last step looked at position 3) and one filter $F = (1, 2, 3)$. Then
# $f_{i2} = F_3 \alpha_{i-1,3} = 3$, $f_{i3} = F_2 = 2$, $f_{i4} = F_1 = 1$ and the others are 0:

# %%
att = LocationAwareKind(query_size=4, key_size=6, attn_size=5, filters=1, kernel_size=3)
with torch.no_grad():
    att.F.weight.copy_(torch.tensor([[[1.0, 2.0, 3.0]]]))  # F: (k=1, 1, r=3)
prev = torch.tensor([[0.0, 0.0, 1.0, 0.0, 0.0]])  # alpha_{i-1}: (B=1, S=5)
f = att.location_features(prev)  # (B, S, k)
print("f_i =", f[0, :, 0].tolist())
torch.testing.assert_close(f[0, :, 0], torch.tensor([0.0, 3.0, 2.0, 1.0, 0.0]))
print("matches the pencil example")

# %% [markdown]
# **Exercise 10.1.** Write `location_features(prev_weights, filters)`: `prev_weights` is $\alpha_{i-1}$ of shape $(B, T_x)$, `filters` is $F$ of shape $(k, r)$ with $r$ odd.
# Return $f_i$ of shape $(B, T_x, k)$: for every position, the $k$ filter responses centred on it, with $\lfloor r/2 \rfloor$ zeros of padding on each side.
# `torch.nn.functional.conv1d` expects input $(B, 1, T_x)$ and weights $(k, 1, r)$; it computes exactly the sum above (it does not flip the filter).
# The check runs $T_x$ = 12, 200, 3 and 1 with the same filters.

# %%
def location_features(prev_weights, filters):
    """f_i = F * alpha_{i-1}: (B, T_x), (k, r) -> (B, T_x, k), zero padding r // 2 on each side."""
    # BEGIN SOLUTION
    # HINT: conv1d wants (B, 1, T_x) and (k, 1, r): which axis does each tensor lack? How much padding keeps T_x positions? Where does conv1d put the k channels?
    r = filters.shape[1]
    f = torch.nn.functional.conv1d(prev_weights.unsqueeze(1), filters.unsqueeze(1), padding=r // 2)  # (B, k, T_x)
    return f.transpose(1, 2)  # (B, T_x, k)
    # END SOLUTION


check_location_features(location_features)

# %% [markdown]
# The parameters of the four kinds of attention, for the sizes the models use: none of them grows with $T_x$, and the location layer's *is* its maximum length.

# %%
configs = {kind: cfgs[0] for kind, cfgs in experiment_configs(test="longer").items()}  # the first seed's
for kind, cfg in configs.items():
    torch.manual_seed(0)
    model = build_model(60, 14, cfg.replace(location_max_len=L))  # 60 source symbols, 14 target symbols
    attention = model.decoder.attention
    print(f"{kind:>15}: {type(attention).__name__:>22} with {count_parameters(attention):6d} parameters")

# %% [markdown]
# ## 4. When it stops, and where it looks
#
# Exact match mixes two failures. A model can write the right dates and stop too early; or it can go on to the right length and write the wrong dates.
# Newman, Hewitt, Liang and Manning (2020) separate them with **oracle-length decoding**: the end-of-sentence token is forbidden until the output has the target's length, then forced.
# At step $i$ (counting the tokens already written), with $n$ the target's length,
#
# $$\hat y_{i+1} = \arg\max_{y \ne \mathrm{EOS}} p(y \mid \hat y_{\le i}, x) \quad \text{while } i < n, \qquad \hat y_{n+1} = \mathrm{EOS}.$$
#
# Forbidding a token is the masking trick of notebook 03: give its logit the lowest float, so it never wins the argmax and its softmax weight is 0.
# A pencil example: four tokens with logits $(0.1, 0.2, 3.0, 0.5)$, EOS the third (id 2), at step 1 of a target of length 2. EOS has the largest logit, but it is forbidden, so the argmax moves to the next largest, token 3 (logit 0.5).

# %%
EOS = 2  # Vocab.EOS, the same id in every vocabulary
logits = torch.tensor([[0.1, 0.2, 3.0, 0.5]])  # (B=1, V=4): EOS (id 2) would win
changed = package_forbid_eos(logits, step=1, min_lengths=torch.tensor([2]))
print("before:", logits.argmax(-1).item(), " after:", changed.argmax(-1).item(), " EOS logit:", changed[0, EOS].item())
assert logits.argmax(-1).item() == EOS and changed.argmax(-1).item() == 3  # the pencil example

# %% [markdown]
# **Exercise 10.2.** Write `forbid_eos(logits, step, min_lengths, eos_idx=2)`: `logits` $(B, V)$, `step` the number of tokens already written, `min_lengths` $(B,)$ the length each sentence must reach.
# Return new logits in which EOS has `torch.finfo(logits.dtype).min` for every sentence with `step < min_lengths[b]`, and every other entry unchanged. Do not change `logits` in place.

# %%
def forbid_eos(logits, step, min_lengths, eos_idx=EOS):
    """Logits (B, V) with EOS impossible for each sentence b that has written fewer than min_lengths[b] tokens."""
    # BEGIN SOLUTION
    # HINT: which sentences are still too early, as a (B,) tensor of True/False? And how do you change EOS's column without touching the caller's logits?
    out = logits.clone()  # (B, V)
    too_early = step < min_lengths  # (B,)
    lowest = torch.finfo(logits.dtype).min
    out[:, eos_idx] = torch.where(too_early, torch.full_like(out[:, eos_idx], lowest), out[:, eos_idx])
    return out
    # END SOLUTION


check_forbid_eos(forbid_eos)

# %% [markdown]
# **Per-item accuracy.** Exact match is all or nothing: a model that writes 3 of 4 dates right scores 0.
# Per-item accuracy compares item $k$ of the output with item $k$ of the target and counts the fraction of the target's items that are right; missing items are wrong, extra items are reported separately (how many items the model wrote).
# For numbers, the items are the groups of three digits by place value (units, thousands, millions), so a missing leading digit does not shift the others.
#
# Pencil example: target `A;B;C`, output `A;C`: item 1 is right, item 2 (`C` for `B`) is wrong, item 3 is missing: $1/3$.
#
# **Exercise 10.3.** Write `item_accuracy(output, target)` for repeated dates (items separated by `;`; an empty output has no items).

# %%
def item_accuracy(output, target):
    """Fraction of the target's ;-separated items that the output has right at the same place."""
    # BEGIN SOLUTION
    # HINT: split both on ";" (an empty output has no items), zip them, count equal pairs, divide by the target's count
    target_items = target.split(";")
    output_items = output.split(";") if output else []
    right = sum(out == tgt for out, tgt in zip(output_items, target_items))
    return right / len(target_items)
    # END SOLUTION


check_item_accuracy(item_accuracy)

# %% [markdown]
# ## 5. The measurement
#
# `run_extrapolation` loads (or trains) the four decoders on both tests, with both seeds, and measures them: exact match (mean and min-max over seeds), per-item accuracy, and per-item accuracy with oracle length; for numbers also exact match at each number of digits; for repeated dates also how many dates the model wrote and the order-aware scores of section 7. It also loads the two levers of section 9 and measures them on the repeated dates.
# `location_aware_window` is the location-aware model again, decoded with a window: $\alpha_i$ may only cover positions within 40 characters of the median of $\alpha_{i-1}$ (section 8).
# It loads the course's reference models, trained to convergence by the course's code (1,000 steps each, the same recipe on every device).
# With `COURSE_TRAIN=1` it trains your own, several at once, one process per CPU core (at most 4), as notebook 08 does; `COURSE_TRAIN_WORKERS` sets how many.

# %% tags=["nbval-ignore-output"]
results, runs = run_extrapolation(return_runs=True, levers=True)
for test in runs:
    for kind in runs[test]:
        info = runs[test][kind][0].info
        print(f"{test:>8}/{kind:<15} steps {info['steps']} of {info['steps_planned']}, "
              f"{sum(run.info['seconds'] for run in runs[test][kind]):.0f} s for {len(runs[test][kind])} seeds")
print(f"training time of all {sum(len(r) for t in runs.values() for r in t.values())} models: "
      f"{sum(results['train_seconds'].values()):.0f} s; loading and measuring them took {results['seconds']:.0f} s")

# %% [markdown]
# Every number below comes from these runs: the same seeds and step counts give the same tables on every run.

# %%
print(format_tables(results))

# %% [markdown]
# ## 6. Longer sources
#
# The training range is shaded. Each line is the mean over seeds; the band is their min-max.

# %%
STYLE = {"additive": ("tab:blue", "o"), "none": ("tab:red", "s"), "location": ("tab:orange", "^"),
         "location_aware": ("tab:green", "D"), "location_aware_window": ("tab:purple", "v")}


def plot_measure(ax, rows_by_kind, x_of, key, title, shade):
    """Mean of `key` against x for each decoder, with the min-max band when there is one."""
    ax.axvspan(*shade, color="0.9", label="training range")
    for kind, rows in rows_by_kind.items():
        colour, marker = STYLE[kind]
        xs = [x_of(row) for row in rows]
        ax.plot(xs, [row[f"{key}_mean"] for row in rows], marker=marker, color=colour, label=kind)
        if f"{key}_min" in rows[0]:
            ax.fill_between(xs, [row[f"{key}_min"] for row in rows], [row[f"{key}_max"] for row in rows],
                            color=colour, alpha=0.2, linewidth=0)
    ax.set_ylim(0, 1.02)
    ax.set_title(title)


def middle(row):
    return (row["lo"] + row["hi"]) / 2


fig, axes = plt.subplots(1, 3, figsize=(14, 3.8), sharey=True)
for ax, (key, title) in zip(axes, [("exact_match", "exact match"), ("item_accuracy", "per-group accuracy"),
                                   ("oracle_item_accuracy", "per-group accuracy, oracle length")]):
    plot_measure(ax, results["longer"], middle, key, title, (0, L))
    ax.set_xlabel("source length (characters, bucket middle)")
fig.legend(*axes[0].get_legend_handles_labels(), loc="lower center", ncol=5)  # below the panels: it hides no line
fig.tight_layout(rect=(0, 0.08, 1, 1))

# %% [markdown]
# The statements this section makes, computed from the table (mean over seeds; "in range" is the 31-60 bucket, "longest" 96-111):

# %%
longer = {kind: {(row["lo"], row["hi"]): row for row in rows} for kind, rows in results["longer"].items()}
IN_RANGE, LONG, LONGEST = (31, 60), (81, 95), (96, 111)
for kind in ("additive", "location", "location_aware"):
    claim(f"in the training range (31-60 characters) {kind} reaches at least 0.95 exact match in every seed",
          longer[kind][IN_RANGE]["exact_match_min"] >= 0.95)
for kind in ("additive", "location_aware"):
    drop = longer[kind][IN_RANGE]["exact_match_mean"] - longer[kind][LONGEST]["exact_match_mean"]
    claim(f"{kind} loses at least 0.8 exact match from 31-60 to 96-111 characters", drop >= 0.8)
claim("no decoder's exact match on 96-111 characters exceeds 0.2 in any seed",
      all(longer[kind][LONGEST]["exact_match_max"] <= 0.2 for kind in KINDS))
claim("location weights (L = 60 outputs) reach at most 0.1 exact match on 81-95 characters",
      longer["location"][LONG]["exact_match_mean"] <= 0.1)
gap = longer["additive"][IN_RANGE]["oracle_item_accuracy_mean"] - longer["additive"][LONG]["oracle_item_accuracy_mean"]
claim("with oracle length, additive's per-group accuracy on 81-95 is still 0.4 below 31-60", gap >= 0.4)

# %% [markdown]
# Every decoder runs on the 100-character numbers: the weights are computed for every position. None of them *works* on the longest ones.
# In the training range every decoder that weighs positions is nearly perfect (0.99 exact match; no attention gets 0.75), and past it every one falls off. Forcing the right length does not rescue the content-based models: with oracle length their per-group accuracy on the longest sources stays far below the training range.
#
# But these curves mix the two questions of section 2: past $L$ the targets also get longer. Hold the number of digits fixed. The same measurement, on the 7-digit targets only (and the 8-digit ones, rarer in training), at every source length where there are at least 20 of them:

# %%
MIN_PAIRS = 20  # a bucket's rate from fewer pairs is too noisy to read
fig, axes = plt.subplots(1, 2, figsize=(11, 3.6), sharey=True)
for ax, digits in zip(axes, (7, 8)):
    ax.axvspan(0, L, color="0.9", label="training range")
    for kind in KINDS:
        rows = [r for r in results["longer"][kind] if r["n_by_digits"].get(digits, 0) >= MIN_PAIRS]
        ax.plot([middle(r) for r in rows], [r["exact_match_by_digits_mean"][digits] for r in rows],
                marker=STYLE[kind][1], color=STYLE[kind][0], label=kind)
    ax.set_title(f"exact match, {digits}-digit targets only ({train_digits[digits]} in training)")
    ax.set_xlabel("source length (characters, bucket middle)")
    ax.set_ylim(0, 1.02)
axes[0].legend(loc="lower left", fontsize=7)
fig.tight_layout()
print(f"exact match at a fixed number of digits (mean over seeds; n in brackets; buckets with >= {MIN_PAIRS} pairs):")
for digits in (7, 8):
    for kind in KINDS:
        cells = [f"{r['lo']}-{r['hi']}: {r['exact_match_by_digits_mean'][digits]:.2f} ({r['n_by_digits'][digits]})"
                 for r in results["longer"][kind] if r["n_by_digits"].get(digits, 0) >= MIN_PAIRS]
        print(f"  {digits} digits, {kind:>15}: " + ", ".join(cells))

# %%
def at_digits(kind, digits, bucket):
    """Exact match (mean over seeds) of one decoder on the bucket's targets of exactly `digits` digits."""
    return longer[kind][bucket]["exact_match_by_digits_mean"][digits]


for kind in ("additive", "location_aware"):
    claim(f"at exactly 7 digits, {kind} keeps at least 0.9 exact match on 61-70 and on 71-80 characters",
          min(at_digits(kind, 7, (61, 70)), at_digits(kind, 7, (71, 80))) >= 0.9)
    claim(f"at exactly 7 digits, {kind} loses less than 0.1 exact match from 31-60 to 71-80 characters",
          at_digits(kind, 7, IN_RANGE) - at_digits(kind, 7, (71, 80)) < 0.1)
claim("at exactly 7 digits, the location model falls from at least 0.9 (31-60) to at most 0.05 (71-80)",
      at_digits("location", 7, IN_RANGE) >= 0.9 and at_digits("location", 7, (71, 80)) <= 0.05)
claim("at exactly 8 digits, additive loses at least 0.3 exact match from 31-60 to 81-95 characters",
      at_digits("additive", 8, IN_RANGE) - at_digits("additive", 8, LONG) >= 0.3)

# %% [markdown]
# This changes the story of the first figure. **At a fixed number of digits, the content-based models read longer sources almost as well as short ones**: 7-digit numbers written in 71-80 characters, 1.2 to 1.3 times the longest training source, come out right about as often as in the training range. What falls is the number of *digits*: 8-digit targets (259 of the 13,607 training targets) are written worse and worse as the source grows, and 9-digit ones (46 in training) are almost never right. So most of the fall past $L$ in the first figure is the confound of section 2: longer sources there are mostly longer numbers, which the models rarely had to write. The location model is the exception: at 7 digits it falls to zero past $L$, because it cannot look there at all.
#
# The location model, with no weight at all past position $L$, cannot read the end of a long number, where the units are. Compare its two per-group columns, and the content-based model's with oracle length:

# %%
for bucket in (LONG, LONGEST):
    row = longer["location"][bucket]
    print(f"location, {bucket[0]}-{bucket[1]} characters: per-group accuracy {row['item_accuracy_mean']:.2f}, "
          f"with oracle length {row['oracle_item_accuracy_mean']:.2f} (additive with oracle length: "
          f"{longer['additive'][bucket]['oracle_item_accuracy_mean']:.2f})")
claim("with oracle length, the location model gets more groups right than additive on 81-95 characters",
      longer["location"][LONG]["oracle_item_accuracy_mean"] > longer["additive"][LONG]["oracle_item_accuracy_mean"])

# %% [markdown]
# Where the oracle column is much higher, the location model read the leading groups (millions, thousands: words near the start, inside its $L$ positions) and then stopped or went wrong where it could not see; told the length, it puts those groups in their place, and then it is ahead of the content-based model. Its failure is where it *cannot* look, and its stopping decision.
# Why do the content-based models fail on longer sources? Nothing in the score $v_a^\top \tanh(W_a s_{i-1} + U_a h_j)$ depends on $T_x$. A likely reason, a **hypothesis** this section does not test, is the *states*: a GRU that has read 100 characters may be in states it never reached in training, both the encoder's $h_j$ and the decoder's $s_{i-1}$, and the score network was never trained on them. (The location model reads the same out-of-range states and, told the length, does better at 81-95 characters, so the states cannot be the whole story.) Section 9 tests one version of it on the repeated dates: an encoder whose states see only a few characters.

# %% [markdown]
# ## 7. More dates than in training

# %%
fig, axes = plt.subplots(1, 4, figsize=(16, 3.8))
for ax, (key, title) in zip(axes[:3], [("exact_match", "exact match"), ("item_accuracy", "per-date accuracy"),
                                       ("oracle_item_accuracy", "per-date accuracy, oracle length")]):
    plot_measure(ax, results["repeated"], lambda row: row["k"], key, title, (0.5, max(SETTINGS["train_counts"]) + 0.5))
    ax.set_xlabel("dates in the input, k")
axes[0].legend(loc="upper right", fontsize=7)
ax = axes[3]
ax.axvspan(0.5, max(SETTINGS["train_counts"]) + 0.5, color="0.9")
for kind, rows in results["repeated"].items():
    ax.plot([row["k"] for row in rows], [row["items_out_mean"] for row in rows], marker=STYLE[kind][1],
            color=STYLE[kind][0])
ax.plot([1, 8], [1, 8], color="black", linestyle=":", label="as many as in the input")
ax.set_xlabel("dates in the input, k")
ax.set_title("dates written (mean)")
ax.legend(loc="upper left", fontsize=7)
fig.tight_layout()

# %% [markdown]
# In the training range the content-based decoders (additive, location-aware) are nearly perfect; the location weights, which must find each date's position from the decoder state alone, are far behind. Past the range, exact match is zero for every decoder, and the fourth panel shows one reason: the content-based decoders write about as many dates as the training inputs had, and stop.
# Oracle length takes that decision away. Then the question is which dates they write. The per-place accuracy at $k = 5$ (oracle length): the fraction of outputs whose date number $p$ is right.

# %%
by_k = {kind: {row["k"]: row for row in rows} for kind, rows in results["repeated"].items()}
for kind in KINDS:
    places = by_k[kind][5]["oracle_item_accuracy_by_place_mean"]
    print(f"{kind:>22}: " + "  ".join(f"date {p + 1}: {value:.2f}" for p, value in enumerate(places)))

# %% [markdown]
# The statements of this section:

# %%
inside = [k for k in by_k["additive"] if k <= max(SETTINGS["train_counts"])]
beyond = [k for k in by_k["additive"] if k > max(SETTINGS["train_counts"])]
for kind in ("additive", "location_aware"):
    claim(f"{kind} reaches at least 0.99 exact match for every k in the training range",
          all(by_k[kind][k]["exact_match_mean"] >= 0.99 for k in inside))
claim("no decoder's exact match exceeds 0.05 for any k past the training range, in any seed",
      all(by_k[kind][k]["exact_match_max"] <= 0.05 for kind in by_k for k in beyond))
claim("the location weights are at least 0.1 below additive at k = 3",
      by_k["location"][3]["exact_match_mean"] <= by_k["additive"][3]["exact_match_mean"] - 0.1)
claim("additive and location-aware write fewer dates than the input has for every k past the range",
      all(by_k[kind][k]["items_out_mean"] < k - 0.5 for kind in ("additive", "location_aware") for k in beyond))
claim("even at k = 8, additive and location-aware write at most 4.5 dates on average",
      all(by_k[kind][8]["items_out_mean"] <= 4.5 for kind in ("additive", "location_aware")))
claim("with oracle length, no decoder gets even 3 of 4 dates right on average at k = 4",
      all(by_k[kind][4]["oracle_item_accuracy_mean"] < 0.75 for kind in by_k))
for kind in ("additive", "location_aware"):
    places = by_k[kind][5]["oracle_item_accuracy_by_place_mean"]
    claim(f"at k = 5 with oracle length, {kind} gets the last date right more often than the second, by 0.3",
          places[-1] - places[1] >= 0.3)
places = by_k["location"][5]["oracle_item_accuracy_by_place_mean"]
claim("at k = 5 with oracle length, the location weights get the first date right more often than the last, by 0.2",
      places[0] - places[-1] >= 0.2)

# %% [markdown]
# ### In place, or in order?
#
# The per-place score compares output date $p$ with target date $p$. It cannot see a shift: if a model skips date 2 and then writes dates 3 and 4 in order, every one of them sits one place early and counts as wrong.
# Two order-aware scores see it:
# - **in-order recall**: the longest common subsequence (LCS) of the output's dates and the target's, divided by $k$: how many dates the output writes in the right order, gaps allowed;
# - **which input date each output date copies**: for output date $p$, the number $q$ of the target date it equals (0 if none).
#
# Pencil example: target `A;B;C;D`, output `X;C;D;D`. Per place only date 4 is right: $1/4$. In order, `C;D` is a common subsequence of length 2: $2/4$. The copies are $(0, 3, 4, 4)$. In-order recall is never below the per-place score, since the dates right in their place are already a common subsequence.

# %%
from rnn_attention.evaluate import item_accuracy as package_item_accuracy  # noqa: E402
from rnn_attention.items import copied_from, in_order_recall  # noqa: E402

print("per place:", package_item_accuracy("X;C;D;D", "A;B;C;D"), " in order:", in_order_recall("X;C;D;D", "A;B;C;D"),
      " copies:", copied_from("X;C;D;D", "A;B;C;D"))

# %% [markdown]
# The two scores side by side, with oracle length, for every $k$ past the training range (mean over seeds):

# %%
SHOWN = ("additive", "location", "location_aware")
print(f"{'k':>3} " + " ".join(f"{kind + ': place / order':>32}" for kind in SHOWN))
for k in beyond:
    print(f"{k:>3} " + " ".join(f"{by_k[kind][k]['oracle_item_accuracy_mean']:>23.2f} / "
                                f"{by_k[kind][k]['oracle_in_order_recall_mean']:.2f}" for kind in SHOWN))

# %% [markdown]
# And which input date each output date copies, at $k = 4$ and $k = 5$: the fraction of the 200 outputs whose date $p$ (a row) equals input date $q$ (a column; "none" if it equals no input date), mean over seeds. The diagonal is the per-place score.

# %%
def print_copy_table(kind, k):
    """Rows: output date p; columns: none, input date 1..k; cells: fraction of outputs (mean over seeds)."""
    row = by_k[kind][k]
    print(f"{kind}, k = {k}: " + "  ".join(f"{'none' if q == 0 else f'date {q}':>6}" for q in range(k + 1)))
    for p, cells in enumerate(row["oracle_copy_table_mean"], start=1):
        print(f"{'':>{len(kind) + 4}}out {p}  " + "  ".join(f"{c:6.2f}" for c in cells))
    for seed, (pattern, share) in zip(SETTINGS["seeds"], row["oracle_top_pattern_per_seed"]):
        print(f"{'':>{len(kind) + 4}}seed {seed}: the most common copies {tuple(pattern)} in {share:.0%} of the outputs")


for kind in ("additive", "location_aware", "location"):
    for k in (4, 5):
        print_copy_table(kind, k)

# %%
table4, table5 = by_k["additive"][4]["oracle_copy_table_mean"], by_k["additive"][5]["oracle_copy_table_mean"]
claim("decoding freely at k = 4, additive's in-order recall is at least 0.3 above its per-place accuracy",
      by_k["additive"][4]["in_order_recall_mean"] - by_k["additive"][4]["item_accuracy_mean"] >= 0.3)
claim("at k = 4 with oracle length, additive's output date 2 copies input date 3 in at least half of the outputs",
      table4[1][3] >= 0.5)
claim("at k = 4 with oracle length, additive's output dates 3 and 4 each copy input date 4 in at least 0.8 of them",
      min(table4[2][4], table4[3][4]) >= 0.8)
claim("at k = 5 with oracle length, additive's output dates 3, 4 and 5 each copy input date 5 in at least 0.8",
      min(table5[p][5] for p in (2, 3, 4)) >= 0.8)
table4_aware = by_k["location_aware"][4]["oracle_copy_table_mean"]
claim("at k = 4 with oracle length, location-aware's output date 1 copies input date 1, and its dates 3 and 4 copy "
      "input date 4, each in at least 0.8 of the outputs", min(table4_aware[0][1], table4_aware[2][4], table4_aware[3][4]) >= 0.8)
claim("the location weights' most common copies at k = 5 are (1, 2, none, none, none), in both seeds",
      all(pattern == [1, 2, 0, 0, 0] for pattern, _ in by_k["location"][5]["oracle_top_pattern_per_seed"]))

# %% [markdown]
# Now the content-based model's failure reads differently. Decoding freely, it writes three dates, as in training, and two of them are right and **in order**: the second-to-last and the last input dates (free in-order recall 0.50 at $k$ = 4, where the per-place score says 0.09). Its first output date is mostly a date that matches no input date (a blend of fields), or, in one seed, the first date.
# Forced to go on (oracle length), it does not find the dates it skipped: it writes the last date again and again. At $k$ = 4 its most common output is (a blend, date 3, date 4, date 4) in one seed and (date 1, a blend, date 4, date 4) in the other; at $k$ = 5 the last three output dates are all date 5 in about 9 outputs of 10.
# Location-aware attention does the same with one difference: it writes the *first* date right (0.91 of the outputs at $k$ = 4), then a blend, then the last date again and again.
# So it has learned a three-date template anchored at the **end** of the input: "the one before the last, then the last", which is right for $k \le 3$ and says nothing about "the next". In training, "the last date" was always the one with no ` ; ` after it, and the bidirectional encoder's states $h_j$ carry that (the backward GRU has read what follows $j$): the content of $h_j$ includes *how far from the end* a date is, so content-based scores find "the last date" and "the one before it" at any $k$, and the dates further from the end only for the $k$ they were trained on.
# The location weights fail the other way round: at $k$ = 5 they write the first two dates in their places (the copy table's first two rows) and then, in almost every output, dates that match no input date: they find positions near the start, where every training input had a date, and not the later ones.
#
# The heat maps of one $k = 4$ input, decoded with oracle length (columns: source characters, the dashed lines between the source dates; rows: output characters).
# Of the 45 output rows, each panel shows the 16 this section reads: the four year digits of each output date.

# %%
pair = tests[4][0]
source, target = pair
separators = [j for j, char in enumerate(source) if char == ";"]


def source_date(j):
    """Which of the k source dates position j belongs to (1 = the first)."""
    return 1 + sum(j > sep for sep in separators)


print("target:", target)
year_rows = [11 * p + d for p in range(count_items(target)) for d in range(4)]  # the 4 year digits of each date
fig, axes = plt.subplots(3, 1, figsize=(14, 11))  # 16 of the 45 rows each: the rows the text reads
for ax, kind in zip(axes, ("additive", "location", "location_aware")):
    run = runs["repeated"][kind][0]
    batch = make_batch([pair], run.vocabs)
    n = len(target)
    tokens, attn = decode(run.model, batch.src, batch.src_lengths, n + 1, oracle_lengths=torch.tensor([n]))
    output = run.vocabs[1].decode(tokens[0])  # attn: (1, n + 1, S), one row per output character and EOS
    labels = [f"date {row // 11 + 1}: {output[row]}" for row in year_rows]
    plot_attention(attn[0, year_rows], list(source), labels, ax=ax, title=f"{kind}: {output}", colorbar=True)
    for sep in separators:  # where one source date ends and the next begins
        ax.axvline(sep, color="white", linestyle="--", linewidth=1)
    for boundary in range(4, len(year_rows), 4):
        ax.axhline(boundary - 0.5, color="white", linewidth=0.5)
    # the first year digit of output date p is row 11 p: which source date does it look at most?
    read_from = [source_date(int(attn[0, 11 * p].argmax())) for p in range(count_items(target))]
    print(f"{kind:>15} writes {output}: output dates 1-4 read their year from source dates {read_from}")
fig.tight_layout()

# %% [markdown]
# Read each output date's four year rows and the printed lines, which say where each output date's first year digit looks most.
# Where an output date is right, its year rows sit on that source date's year, at the end of the date (the year moves to the front). Where it goes wrong, compare the printed source dates with 1, 2, 3, 4: a model that writes "the next date" would read them in that order.
# The `none` model has no weights to draw: its one summary vector must hold all $k$ dates.

# %% [markdown]
# ## 8. Does knowing where it looked help?
#
# Location-aware attention was built for this: Chorowski et al. (2015) report that their content-only model "can only be applied to utterances which are roughly as long as the ones it was trained on", while the location-aware one kept 20 % phoneme error on utterances ten times longer (18 % on single ones).
# Its features $f_{ij}$ let a score say "just to the right of where I looked", a rule that holds at every $k$.
# Here it does hardly better than content alone (the claims below). It *can* use $f_{ij}$, but in training it does not have to: the content of $h_j$ already tells a date's place among three, so nothing pushes the learned score to rely on "where I looked", and the content cue is what changes past the training range.
#
# Our setting is also unlike Chorowski's. Speech alignments move a little to the right at every step, and their filters are wide (ESPnet's replica of their model uses filters 201 frames wide). Here the filters are $r$ = 11 characters wide, so $f_{ij}$ sees 5 characters either side of where the attention was; and the alignment of dates crosses and jumps. After writing date $p$ (its day comes last in the ISO form) the attention must jump from the day of input date $p$ to the year of input date $p + 1$. How far is that? Counted on the test inputs, $k$ = 2 to 8:

# %%
r = runs["repeated"]["location_aware"][0].cfg.location_kernel_size
jumps = sorted(date_jumps([pair for k in tests if k >= 2 for pair in tests[k]]))
median_jump, p90_jump = jumps[len(jumps) // 2], jumps[int(0.9 * len(jumps))]
print(f"the location-aware filters are r = {r} characters wide: they see {r // 2} characters either side")
print(f"{len(jumps)} jumps from a date's day to the next date's year: median {median_jump}, 90th percentile "
      f"{p90_jump}, shortest {jumps[0]}, longest {jumps[-1]} characters; {sum(j > 40 for j in jumps) / len(jumps):.1%} "
      f"longer than 40")
claim(f"every jump from a date's day to the next date's year is longer than the {r // 2} characters the filters see",
      jumps[0] > r // 2)

# %% [markdown]
# So $f_{ij}$ is zero at every position the attention must move to next: the 11-wide filters can say "just beside where I looked", never "the next date". Whatever the model learned about the next date, it learned from content. (Section 9 widens them.)
#
# Their section 2.3 proposes to constrain the attention further. We try **windowing**: $\alpha_i$ may only cover positions within 40 characters of the median of $\alpha_{i-1}$ (enough for the year-to-day jump inside one date, up to 38 characters), computed on the same checkpoints by masking before the softmax.

# %%
late = [k for k in beyond if k >= 6]
for kind in ("additive", "location_aware", "location_aware_window"):
    print(f"{kind:>22}: oracle per-date accuracy at k = " +
          ", ".join(f"{k}: {by_k[kind][k]['oracle_item_accuracy_mean']:.2f}" for k in beyond))
mean_beyond = {kind: sum(by_k[kind][k]["oracle_item_accuracy_mean"] for k in beyond) / len(beyond) for kind in by_k}
claim("past the range, location-aware attention gets below 0.5 of the dates right at every k, even with oracle length",
      all(by_k["location_aware"][k]["oracle_item_accuracy_mean"] < 0.5 for k in beyond))
claim("location-aware attention gains less than 0.15 over content-only past the range (oracle per-date, mean over k)",
      mean_beyond["location_aware"] - mean_beyond["additive"] < 0.15)
claim("the window does not rescue it: oracle per-date accuracy below 0.3 for k >= 6",
      all(by_k["location_aware_window"][k]["oracle_item_accuracy_mean"] < 0.3 for k in late))

# %% [markdown]
# The window does change one thing: how many dates the model writes when it decides itself when to stop (the fourth panel of section 7).

# %%
for kind in ("location_aware", "location_aware_window"):
    print(f"{kind:>22}: dates written (free decoding, mean over seeds) at k = " +
          ", ".join(f"{k}: {by_k[kind][k]['items_out_mean']:.1f}" for k in beyond))
claim("the window makes location-aware attention write at least 3 more dates at k = 8 (free decoding, mean)",
      by_k["location_aware_window"][8]["items_out_mean"] - by_k["location_aware"][8]["items_out_mean"] >= 3)
claim("with the window, location-aware attention's in-order recall at k = 8 stays below 0.2 (oracle length)",
      by_k["location_aware_window"][8]["oracle_in_order_recall_mean"] < 0.2)

# %% [markdown]
# With the window the model nearly writes the right *number* of dates: 7.4 for 8 at $k$ = 8, where it wrote 3.3 without. That fits a guess about how it stops: in training, EOS came when the attention had reached the end of the input, and the window keeps the attention from jumping there. But the dates it writes are no better (in-order recall 0.15 at $k$ = 8): it goes on writing, without knowing which date comes next.
#
# So on this task, with these decoders, **nothing so far extrapolates the count of dates**. Computed weights make a model *applicable* to every length; they do not make it *right* on lengths it never saw. What it does there depends on what its scores can tell apart (content, position, where it looked last) and on the stopping decision it learned from the training lengths.
# The next section pulls two levers this section points to.

# %% [markdown]
# ## 9. Pulling the levers
#
# Sections 7 and 8 point at two causes. Each suggests a lever; we pull them one after the other, on the repeated dates, and measure. (A third lever, training without the EOS token so that nothing has to learn *when* to stop, is measured in notebook 11, which also shows a decoder that does extrapolate.)
#
# **(c) Coverage and wide filters.** Tacotron 2 (Shen et al. 2018) gives location-sensitive attention a second input channel: the *cumulative* weights $\alpha_1 + \dots + \alpha_{i-1}$, everything already read. Then
#
# $$f_i = F * [\alpha_{i-1};\ \textstyle\sum_{i' < i} \alpha_{i'}], \qquad F \text{ of shape } (k, 2, r),$$
#
# and "the first year to the right of what is already covered" is a rule with no length in it. We widen the filters to $r$ = 121, so that every jump measured in section 8 (at most 60 characters) lies inside them. Everything else is the location-aware model of section 8.
#
# **(b) A local encoder**, on top of (c). The bidirectional GRU lets $h_j$ know how far it is from the end of the input, which section 7 blames. A convolution over a few characters does not: $h_j = \tanh(W_2\, \mathrm{relu}(W_1 * E x)_j + b_2)$ with $W_1$ 9 characters wide, so the same few characters give the same state wherever they sit. The decoder must then find "the next date" from where it looked (the location features), since every date looks alike.
#
# In code these are two fields of the configuration (`location_coverage=True, location_kernel_size=121` and `encoder="conv"`); the models are trained exactly as the others (1,000 steps, both seeds) and loaded in section 5. Their parameters, and what the coverage features look like by hand, with one filter that weighs the cumulative channel by 10:

# %%
print("the levers:", {name: changes for name, changes in LEVERS.items()})
for name in LEVERS:
    model = runs["levers"][name][0].model
    print(f"{name:>15}: encoder {type(model.encoder).__name__:>10}, attention {count_parameters(model.decoder.attention)} "
          f"parameters (F: {tuple(model.decoder.attention.F.weight.shape)}), whole model {count_parameters(model)}")
cov = LocationAwareKind(query_size=4, key_size=6, attn_size=5, filters=1, kernel_size=3, coverage=True)
with torch.no_grad():
    cov.F.weight.copy_(torch.tensor([[[1.0, 2.0, 3.0], [0.0, 10.0, 0.0]]]))  # (k=1, 2 channels, r=3)
covered = torch.tensor([[1.0, 1.0, 1.0, 0.0, 0.0]])  # positions 1-3 already read
print("f_i =", cov.location_features(prev, covered)[0, :, 0].tolist(), "(the single-channel (0, 3, 2, 1, 0) + 10 x covered)")

# %% [markdown]
# The measurement: exact match, per-date accuracy and in-order recall with oracle length, and dates written, for the location-aware model of section 8 and the two levers (mean over seeds, min-max in brackets where it matters).

# %%
LEVER_ROWS = {"location_aware": by_k["location_aware"],
              **{name: {row["k"]: row for row in rows} for name, rows in results["levers"].items()}}
print(f"{'':>15} {'k':>3} {'exact [min-max]':>17} {'per date':>9} {'in order':>9} {'dates written':>14}")
for name, rows in LEVER_ROWS.items():
    for k, row in rows.items():
        print(f"{name:>15} {k:>3} {row['exact_match_mean']:6.2f} [{row['exact_match_min']:.2f}-{row['exact_match_max']:.2f}]"
              f" {row['oracle_item_accuracy_mean']:9.2f} {row['oracle_in_order_recall_mean']:9.2f}"
              f" {row['items_out_mean']:14.1f}")

# %%
fig, axes = plt.subplots(1, 3, figsize=(15, 3.8))
LEVER_STYLE = {"additive": ("tab:blue", "o"), "location_aware": ("tab:green", "D"),
               "coverage": ("tab:brown", "P"), "local_coverage": ("black", "*")}
shown = {"additive": by_k["additive"], **LEVER_ROWS}
for ax, (key, title) in zip(axes, [("oracle_item_accuracy", "per-date accuracy, oracle length"),
                                   ("oracle_in_order_recall", "in-order recall, oracle length"),
                                   ("items_out", "dates written (mean)")]):
    ax.axvspan(0.5, max(SETTINGS["train_counts"]) + 0.5, color="0.9", label="training range")
    for name, rows in shown.items():
        ks = sorted(rows)
        ax.plot(ks, [rows[k][f"{key}_mean"] for k in ks], marker=LEVER_STYLE[name][1], color=LEVER_STYLE[name][0],
                label=name)
        if f"{key}_min" in rows[ks[0]]:
            ax.fill_between(ks, [rows[k][f"{key}_min"] for k in ks], [rows[k][f"{key}_max"] for k in ks],
                            color=LEVER_STYLE[name][0], alpha=0.15, linewidth=0)
    ax.set_xlabel("dates in the input, k")
    ax.set_title(title)
    if key != "items_out":
        ax.set_ylim(0, 1.02)
axes[2].plot([1, 8], [1, 8], color="black", linestyle=":", label="as many as in the input")
axes[2].legend(loc="upper left", fontsize=7)
fig.tight_layout()

# %%
la, cov, loc = (LEVER_ROWS[name] for name in ("location_aware", "coverage", "local_coverage"))
after = [k for k in cov if k > max(SETTINGS["train_counts"])]  # k = 4 ... 8
print("k = 4, exact match per seed:", {name: rows[4]["exact_match_per_seed"] for name, rows in LEVER_ROWS.items()})
claim("coverage with 121-wide filters turns k = 4 from at most 0.05 into at least 0.8 exact match, in both seeds",
      la[4]["exact_match_max"] <= 0.05 and cov[4]["exact_match_min"] >= 0.8)
claim("neither lever writes inputs of 5 or more dates: at most 0.05 exact match at every k from 5 to 8, in both seeds",
      all(rows[k]["exact_match_max"] <= 0.05 for rows in (cov, loc) for k in after if k >= 5))
claim("with either lever the models write at most 5 dates on average at every k from 4 to 8 (one or two more than "
      "the 3 of training, never k)", all(rows[k]["items_out_max"] <= 5.0 for rows in (cov, loc) for k in after))
claim("coverage lifts in-order recall (oracle length) at k = 5 and 6 by at least 0.1 over location-aware, worst seed "
      "against best", all(cov[k]["oracle_in_order_recall_min"] >= la[k]["oracle_in_order_recall_max"] + 0.1
                          for k in (5, 6)))
claim("but per-date accuracy (oracle length) at k = 6 to 8 is lower with coverage than without, in every seed",
      all(cov[k]["oracle_item_accuracy_max"] < la[k]["oracle_item_accuracy_min"] for k in (6, 7, 8)))
claim("the local encoder on top of coverage is worse at k = 4 (exact match lower in both seeds than coverage alone)",
      loc[4]["exact_match_max"] < cov[4]["exact_match_min"])

# %% [markdown]
# What the levers did, read from the table, the figure and the claims above:
#
# - **Coverage with wide filters works for one more date.** At $k = 4$ exact match goes from 0.00 to about 0.9 in both seeds, and per-date accuracy to 0.95. The model has learned "the first date to the right of what is covered", which is a rule with no length in it, and the 121-wide filters can now see the next date.
# - **It does not extrapolate the count.** From $k = 5$ on, exact match is 0.00 again. The models write about four dates whatever $k$ is (the third panel): one more than the most they saw, never $k$. With oracle length their in-order recall is higher than location-aware's at $k$ = 5 and 6, but their per-date accuracy at $k \ge 6$ is *lower*: the dates they write are right and in order, then they drift.
# - **The local encoder does not add what section 7's hypothesis predicted.** On top of coverage, it is worse at $k = 4$ (about 0.46 exact) and no better past it. A state that cannot know its distance from the end was not enough here; the stopping decision and what the decoder state carries remain.
#
# So both levers are worth pulling, and neither is the whole answer on this task: the count of dates is still learned as a number seen in training. Notebook 11 shows a task and a decoder where the rule *is* the same at every length, and what that takes.

# %% [markdown]
# ## 10. Explore the results
#
# The widget reads the results above (no training, no model): move the test count $k$; choose what to measure. The training range is shaded; the right panel compares the decoders at the chosen $k$.

# %% tags=["nbval-ignore-output"]
explorer = extrapolation_widget(results, test="repeated")
explorer.widget

# %% [markdown]
# The check cell drives the widget in code: the first count past the training range, then the longest input.

# %%
print(explorer.state["text"])
explorer.point.value = len(explorer.points) - 1
print(explorer.state["text"])
explorer.point.value = 3  # back to k = 4

# %% [markdown]
# The figures the README quotes, printed once as one line each (`make figures` reads them):

# %% tags=["nbval-ignore-output"]
for test, key, point in (("longer", (96, 111), "96-111 characters"), ("repeated", 8, "k = 8")):
    for kind in ("additive", "location_aware"):
        rows = {((r["lo"], r["hi"]) if test == "longer" else r["k"]): r for r in results[test][kind]}
        inside_row = rows[IN_RANGE if test == "longer" else max(SETTINGS["train_counts"])]
        run = runs[test][kind][0]
        result(f"10 {test}: {kind}", profile=SETTINGS["profile"], seeds=len(SETTINGS["seeds"]),
               machine=describe_machine(run.info["device"], run.cfg.num_threads),
               steps=run.info["steps"], steps_planned=run.info["steps_planned"],
               seconds=round(sum(r.info["seconds"] for r in runs[test][kind]), 1),
               exact_match_in_range=round(inside_row["exact_match_mean"], 3),
               exact_match_beyond=round(rows[key]["exact_match_mean"], 3),
               oracle_item_accuracy_beyond=round(rows[key]["oracle_item_accuracy_mean"], 3), beyond=point)

# %% [markdown]
# ## 11. The answer to the question, in full
#
# The question of the course was how there can be a weight for every input position when the length changes. Notebooks 02-05 answered: the weights $\alpha_{ij}$ are not parameters; a scoring network of fixed size computes one per position, and a softmax normalises however many there are. That is why **one model runs on every length**, including lengths it never saw.
#
# This notebook adds what that answer does not promise. Whether the model **works** on a length it never saw is an empirical question, and the answer depended on what "longer" meant:
# - past the training length of the numbers, exact match fell; but at a fixed number of digits the content-based models read sources up to 80 characters (1.3 times the longest in training) almost as well as short ones. What failed was writing numbers with more digits than the training targets usually had. Only the location weights, which cannot look past $L$, failed because the *source* was longer;
# - past the training count of dates, the content-based models (additive, location-aware, without a window) stopped after as many dates as in training. Scored in order, they wrote the last two dates (or the first and the last) right; forced to go on, they wrote the last date again, never "the next". The window made location-aware attention write nearly as many dates as the input had, none of them better.
#
# What decides it is what the scores can tell apart (the content of $h_j$; the position, up to $L$; where the attention was a step ago), what the decoder has learned to write, and the stopping decision, learned from the training lengths. "Any length" is a property of the computation, not of what was learned. Notebook 11 shows a decoder that does extrapolate, and what it takes.

# %% [markdown]
# ## 12. Questions to think about
#
# 1. The location model of the longer test has $L = 60$ outputs. What exactly does it do with the 61st character of a source? Which of its failures is *hard* and which *soft*?
# 2. Train on $k \in \{1, \dots, 5\}$ instead (`repeated_splits((1, 2, 3, 4, 5), ...)` and `load_or_train(cfg, splits=...)`). Where do you expect the edge to be, and does per-place accuracy at $k = 7$ still show "first and last right, middle wrong"?
# 3. Section 9 changed the encoder and the location features together. Which single change would you try next (wider filters without coverage, coverage with the 11-wide filters, a local encoder with content attention only), and what would each result tell you?

# %% [markdown]
# ## Key points
#
# - Computed weights make one model *applicable* to every length. Whether it is *right* on a length it never saw must be measured.
# - Measure with seeds (mean and min-max) and separate failures: exact match, per-item accuracy, how many items were written, and the same with oracle length (EOS forbidden until the target's length).
# - Keep a comparison fair: longer numbers are also numbers with more digits. At a fixed number of digits, content-based attention read longer sources almost as well as short ones; fixed location weights cannot see past $L$.
# - Score in order as well as in place: a model that skips a date and writes the next ones in order scores zero per place. Here the content-based models wrote a three-date template anchored at the end of the input (the last two dates, or the first and the last) and then repeated the last date; the bidirectional encoder's states carry how far a date is from the end, which is a likely reason.
# - Location features $f_i = F * \alpha_{i-1}$ have $k \cdot r$ parameters whatever the length; they allow a rule such as "move right" but do not force the model to learn it.
#
# ## References
#
# - J. Chorowski, D. Bahdanau, D. Serdyuk, K. Cho, Y. Bengio (2015). *Attention-Based Models for Speech Recognition.* NeurIPS. arXiv:1506.07503. (Location-aware attention, section 2.2; sharpening, smoothing and windowing, section 2.3; repeated utterances.)
# - B. Newman, J. Hewitt, P. Liang, C. D. Manning (2020). *The EOS Decision and Length Extrapolation.* BlackboxNLP. arXiv:2010.07174. (Oracle-length decoding; training without EOS, measured in notebook 11.)
# - J. Shen, R. Pang, R. J. Weiss et al. (2018). *Natural TTS Synthesis by Conditioning WaveNet on Mel Spectrogram Predictions* (Tacotron 2). ICASSP. arXiv:1712.05884. (Location-sensitive attention with cumulative weights, section 2.2.)
# - S. Watanabe, T. Hori, S. Karita et al. (2018). *ESPnet: End-to-End Speech Processing Toolkit.* Interspeech. arXiv:1804.00015. (Its `AttLoc` location-aware attention, filters 2 x 100 + 1 wide by default.)
# - D. Bahdanau, K. Cho, Y. Bengio (2015). *Neural Machine Translation by Jointly Learning to Align and Translate.* ICLR. arXiv:1409.0473.
# - M.-T. Luong, H. Pham, C. D. Manning (2015). *Effective Approaches to Attention-based Neural Machine Translation.* EMNLP. arXiv:1508.04025. (The location-based score.)
# - PyTorch documentation: [`torch.nn.functional.conv1d`](https://pytorch.org/docs/stable/generated/torch.nn.functional.conv1d.html).
