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
# **Time:** about 35 minutes. The 16 trained models (4 decoders, 2 tests, 2 seeds) are the course's reference models: they load in seconds, and measuring them takes about 3 minutes on a 2-core CPU. Training your own (`COURSE_TRAIN=1`) takes about 19 minutes on a 2-core CPU, two models at a time, one per core (measured: 2,246 s of training).
#
# **Questions**
# - A model trained on numbers of at most 60 characters is given one of 100. It runs. Does it work?
# - A model trained on inputs of one, two or three dates is given eight. What does it write?
# - Is the failure *where it looks* or *when it stops*? How can we tell them apart?
# - Does location-aware attention (Chorowski et al. 2015), which knows where it looked a step ago, extrapolate?
#
# **Learning goals.** After this notebook you can
# 1. say the difference between "runs on any length" and "works on any length", and measure the second;
# 2. compute the location features $f_i = F * \alpha_{i-1}$ of location-aware attention for any length, and count its parameters;
# 3. separate the stopping decision from the alignment with oracle-length decoding (EOS forbidden until the target's length);
# 4. score outputs per item (per date, per group of digits) instead of all or nothing;
# 5. read a measurement over seeds: mean, min-max band, and what a claim needs from the spread.
#
# **You need:** notebook 08 (accuracy by length, the three decoders, location weights), notebook 06 (training with `load_or_train`), notebook 03 (masking before the softmax).

# %% [markdown]
# ## 1. Set-up

# %% tags=["nbval-ignore-output"]
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
# A pencil example: logits $(0.5, 3.0)$ for (a digit, EOS) at step 1 of a target of length 2: EOS is forbidden, so the digit wins.

# %%
EOS = 2  # Vocab.EOS, the same id in every vocabulary
logits = torch.tensor([[0.1, 0.2, 3.0, 0.5]])  # (B=1, V=4): EOS (id 2) would win
changed = package_forbid_eos(logits, step=1, min_lengths=torch.tensor([2]))
print("before:", logits.argmax(-1).item(), " after:", changed.argmax(-1).item(), " EOS logit:", changed[0, EOS].item())

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
# `run_extrapolation` loads (or trains) the four decoders on both tests, with both seeds, and measures them: exact match (mean and min-max over seeds), per-item accuracy, and per-item accuracy with oracle length; for repeated dates also how many dates the model wrote.
# `location_aware_window` is the location-aware model again, decoded with a window: $\alpha_i$ may only cover positions within 40 characters of the median of $\alpha_{i-1}$ (section 8).
# It loads the course's reference models, trained to convergence by the course's code (1,000 steps each, the same recipe on every device).
# With `COURSE_TRAIN=1` it trains your own, several at once, one process per CPU core (at most 4), as notebook 08 does; `COURSE_TRAIN_WORKERS` sets how many.

# %% tags=["nbval-ignore-output"]
results, runs = run_extrapolation(return_runs=True)
for test in runs:
    for kind in KINDS:
        info = runs[test][kind][0].info
        print(f"{test:>8}/{kind:<15} steps {info['steps']} of {info['steps_planned']}, "
              f"{sum(run.info['seconds'] for run in runs[test][kind]):.0f} s for {len(runs[test][kind])} seeds")

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
# Every decoder runs on the 100-character numbers: the weights are computed for every position. None of them *works* there.
# In the training range every decoder that weighs positions is nearly perfect (0.99 exact match; no attention gets 0.75), and past it every one falls off. Forcing the right length does not rescue the content-based models: with oracle length their per-group accuracy on long sources stays far below the training range. So it is not only the stopping decision: they get the groups of a longer number wrong. (One caution: the longest numbers also have 9 digits, and a 9-digit target is rare among the short training sources, so "reading a longer number" and "writing a number longer than the usual" are mixed here; notebook 08 separates them at a fixed target length.)
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
# Why? Nothing in the score $v_a^\top \tanh(W_a s_{i-1} + U_a h_j)$ depends on $T_x$, but the *states* do: a GRU that has read 100 characters is in states it never reached in training, both the encoder's $h_j$ and the decoder's $s_{i-1}$, and the score network was never trained on them.

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
# Even when it must go on writing, a content-based model does not write "the next date". It writes the *last* date well, and the dates in the middle badly: in training, "the last date" was always the one with no ` ; ` after it, and the bidirectional encoder's states $h_j$ carry that (the backward GRU has read what follows $j$).
# The content of $h_j$ includes *how far from the end* a date is, so content-based scores can find "the last date" at any $k$, and "the second date" only for the $k$ they were trained on.
# The location weights fail the other way round: their best date is the *first*, whose positions every training input had; the last date of a long input sits at positions few or no training inputs reached.
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
# So on this task, with these budgets, **nothing here extrapolates the count of dates**.
# That is the lesson, and it is a measured one. Computed weights make a model *applicable* to every length; they do not make it *right* on lengths it never saw. What it does there depends on what its scores can tell apart (content, position, where it looked last) and on the stopping decision it learned from the training lengths.
# What would make it extrapolate is left open here; questions 2 and 3 below point where to look.

# %% [markdown]
# ## 9. Explore the results
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
# ## 10. The answer to the question, in full
#
# The question of the course was how there can be a weight for every input position when the length changes. Notebooks 02-05 answered: the weights $\alpha_{ij}$ are not parameters; a scoring network of fixed size computes one per position, and a softmax normalises however many there are. That is why **one model runs on every length**, including lengths it never saw.
#
# This notebook adds what that answer does not promise. Whether the model **works** on a length it never saw is an empirical question, and here the answer was no, for every decoder:
# - past the training length of the numbers, accuracy fell, even when the model was told the right output length;
# - past the training count of dates, the models stopped after the number of dates they had seen, and when forced to go on they wrote the last date, not the next one.
#
# What decides it is what the scores can tell apart (the content of $h_j$, which here carries how far from the end a date is; the position, up to $L$; where the attention was a step ago) and the stopping decision, learned from the training lengths. "Any length" is a property of the computation, not of what was learned.

# %% [markdown]
# ## 11. Questions to think about
#
# 1. The location model of the longer test has $L = 60$ outputs. What exactly does it do with the 61st character of a source? Which of its failures is *hard* and which *soft*?
# 2. Train on $k \in \{1, \dots, 5\}$ instead (`repeated_splits((1, 2, 3, 4, 5), ...)` and `load_or_train(cfg, splits=...)`). Where do you expect the edge to be, and does per-place accuracy at $k = 7$ still show "first and last right, middle wrong"?
# 3. Suppose the encoder had no recurrence: $h_j$ computed from a few characters around $j$ only. Which decoder would you expect to extrapolate the count of dates then, and why?

# %% [markdown]
# ## Key points
#
# - Computed weights make one model *applicable* to every length. Whether it is *right* on a length it never saw must be measured.
# - Measure with seeds (mean and min-max) and separate failures: exact match, per-item accuracy, how many items were written, and the same with oracle length (EOS forbidden until the target's length).
# - Here no decoder extrapolated: content-based attention read longer numbers wrongly and stopped after as many dates as in training; fixed location weights cannot see past $L$; location-aware attention, with or without a window, did hardly better than content alone.
# - The bidirectional encoder's states carry where a token sits relative to the ends of the input, so content-based scores can use position without being asked to, and that is what breaks past the training range.
# - Location features $f_i = F * \alpha_{i-1}$ have $k \cdot r$ parameters whatever the length; they allow a rule such as "move right" but do not force the model to learn it.
#
# ## References
#
# - J. Chorowski, D. Bahdanau, D. Serdyuk, K. Cho, Y. Bengio (2015). *Attention-Based Models for Speech Recognition.* NeurIPS. arXiv:1506.07503. (Location-aware attention, section 2.2; sharpening, smoothing and windowing, section 2.3; repeated utterances.)
# - B. Newman, J. Hewitt, P. Liang, C. D. Manning (2020). *The EOS Decision and Length Extrapolation.* BlackboxNLP. arXiv:2010.07174. (Oracle-length decoding.)
# - D. Bahdanau, K. Cho, Y. Bengio (2015). *Neural Machine Translation by Jointly Learning to Align and Translate.* ICLR. arXiv:1409.0473.
# - M.-T. Luong, H. Pham, C. D. Manning (2015). *Effective Approaches to Attention-based Neural Machine Translation.* EMNLP. arXiv:1508.04025. (The location-based score.)
# - PyTorch documentation: [`torch.nn.functional.conv1d`](https://pytorch.org/docs/stable/generated/torch.nn.functional.conv1d.html).
