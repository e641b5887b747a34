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
# *The measured answer to the question of notebook 00, as a controlled experiment: accuracy against source length for a decoder with attention, one without, and one with fixed-size "learned weights per position", over several seeds and at a fixed output length.*
#
# **Time:** about 30 minutes. The six trained models (three decoders, two seeds) load in seconds: they are the course's reference models. Training your own (`COURSE_TRAIN=1`) takes about 11 minutes of training on a 2-core CPU, two models at a time, one per core (measured).
#
# **Questions**
# - Does attention help more as the input gets longer?
# - A longer number also has more digits to write. How do we measure *reading* length alone?
# - What goes wrong without attention?
# - What goes wrong with weights that are learned per position, the idea of notebook 00, and what does not?
#
# **Learning goals.** After this notebook you can
# 1. explain the fixed-size bottleneck of an encoder-decoder without attention, and see it in a measurement;
# 2. explain why weights computed by a layer with `max_len` outputs cannot serve every length, and say where they still work;
# 3. separate reading length from writing length by measuring at a fixed target length;
# 4. read a measurement over seeds (mean and min-max) and say which comparisons the spread allows;
# 5. compute the attention weights of a trained model for an input longer than any it saw in training, and accuracy per length bucket.
#
# **You need:** notebook 06 (the model and `load_or_train`), notebook 01 (the bottleneck), notebook 00 (the question).

# %% [markdown]
# ## 1. Set-up

# %% tags=["nbval-ignore-output"]
import matplotlib.pyplot as plt
import torch

from rnn_attention import claims
from rnn_attention.claims import claim
from rnn_attention.data import build_vocabs, load_split
from rnn_attention.environment import setup
from rnn_attention.evaluate import length_buckets
from rnn_attention.exercises import check_exact_match_by_bucket, check_first_step_weights
from rnn_attention.experiments.length import FIXED_TARGETS, experiment_configs, format_table, run_length_experiment
from rnn_attention.masking import lengths_to_mask
from rnn_attention.models import build_model, count_parameters
from rnn_attention.train import load_or_train

device = setup(seed=0)

# %% [markdown]
# ## 2. The task: numbers written in words
#
# The source is a number written in words in English, German, French or Spanish; the target is its digits.
# Sources run from 2 to over 100 characters, while a target never has more than 9 digits.
# Is a long number hard because it is long to **read**, or because its output is long to **write**? Both grow together here; section 5 separates them.

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
#
# One catch before we measure. A longer number in words is usually a *bigger* number, with more digits to write. Here are the six source-length buckets we will use, with how many test targets of each number of digits they hold:

# %%
buckets = length_buckets(test_pairs, 6)
print(f"{'source length':>14}  " + " ".join(f"{d} digits" for d in range(1, 10)))
for lo, hi in buckets:
    digits = [len(t) for s, t in test_pairs if lo <= len(s) <= hi]
    print(f"{lo:>6} - {hi:<5}  " + " ".join(f"{digits.count(d):8d}" for d in range(1, 10)))

# %% [markdown]
# The longest bucket holds only 8- and 9-digit targets, the shortest mostly 1 to 4 digits. Exact match per bucket therefore mixes *reading* a long input with *writing* a long output.
# Section 5 separates them: it keeps the target length fixed (only 6-digit, or only 9-digit, targets) and lets the source length vary.

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
seed_configs = experiment_configs(task="numbers")  # {kind: [one TrainConfig per seed]}
configs = {kind: cfgs[0] for kind, cfgs in seed_configs.items()}  # the first seed of each, for the pictures
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
# ## 4. The measurement, over seeds
#
# `run_length_experiment` trains (or loads) the three models with every seed of the profile and measures them on the test split: exact match per source-length bucket (mean over seeds, and the lowest and highest seed), and the same at a fixed target length.
# One seed can be lucky; the spread between seeds says how far a difference between two models can be trusted.
# It loads the course's reference models in seconds: trained to convergence by the course's code, every one with the same recipe (1,500 steps).
# With `COURSE_TRAIN=1` it trains your own instead, several at once, one process per CPU core (at most 4) and one thread each, and prints a line as each one finishes; `COURSE_TRAIN_WORKERS=1` trains them one after another in the notebook. A model comes out the same either way: each run is seeded.

# %% tags=["nbval-ignore-output"]
result = run_length_experiment(task="numbers")
for kind in ("additive", "none", "location"):
    entry = result[kind]
    print(f"{kind:>9}: {len(result['seeds'])} seeds, steps {entry['steps']} of {entry['steps_planned']}, "
          f"{entry['train_seconds']:.0f} s of training")

# %% [markdown]
# Exact match per bucket, mean [lowest seed - highest seed]. These numbers come from the stored models, so a rerun prints the same table.

# %%
print(format_table(result))

# %% [markdown]
# The same as a picture, in the spirit of Figure 2 of Bahdanau et al. (2015): the line is the mean over seeds, the band the min-max.
# The right panel counts digits instead of whole numbers: the fraction of the target's digits that the output has right at their place value (units with units, tens with tens), so a number with one wrong digit still scores most of its digits.

# %%
styles = {"additive": ("tab:blue", "o", "attention (additive)"),
          "none": ("tab:red", "s", "no attention (fixed summary)"),
          "location": ("tab:orange", "^", "location weights (max_len outputs)")}


def plot_rows(ax, rows, colour, marker, label, key="exact_match"):
    """Mean over seeds against the bucket middle, with the min-max band when the rows have one."""
    middles = [(row["lo"] + row["hi"]) / 2 for row in rows]
    ax.plot(middles, [row[f"{key}_mean"] for row in rows], marker=marker, color=colour, label=label)
    if f"{key}_min" in rows[0]:
        ax.fill_between(middles, [row[f"{key}_min"] for row in rows], [row[f"{key}_max"] for row in rows],
                        color=colour, alpha=0.2, linewidth=0)


fig, (ax, ax_digits) = plt.subplots(1, 2, figsize=(13, 4), sharey=True)
for kind, (colour, marker, label) in styles.items():
    plot_rows(ax, result[kind]["accuracy_by_length"], colour, marker, label)
    plot_rows(ax_digits, result[kind]["accuracy_by_length"], colour, marker, label, key="place_accuracy")
ax.set_ylabel("exact match (test split)")
ax_digits.set_ylabel("digits right at their place")
for a in (ax, ax_digits):
    a.set_xlabel("source length T_x (characters, bucket middle)")
    a.set_ylim(0, 1.02)
ax_digits.tick_params(labelleft=True)  # the shared scale, shown on both panels
ax.set_title("exact match: mean over seeds, band = min-max")
ax_digits.set_title("per-digit accuracy (by place value)")
fig.legend(*ax.get_legend_handles_labels(), loc="lower center", ncol=3)  # below the panels: it hides no line
fig.tight_layout(rect=(0, 0.08, 1, 1))

# %% [markdown]
# The statements this section makes, computed from the table. "Beats" means on the mean over seeds; the second claim asks more: that the *worst* seed with attention is above the *best* seed without.

# %%
rows = {kind: result[kind]["accuracy_by_length"] for kind in styles}
claim("attention holds up: its worst seed reaches at least 0.95 exact match in every bucket",
      all(row["exact_match_min"] >= 0.95 for row in rows["additive"]))
claim("attention reaches at least 0.97 (mean over seeds) in the middle buckets (40-96 characters)",
      all(row["exact_match_mean"] >= 0.97 for row in rows["additive"] if 40 <= row["lo"] and row["hi"] <= 96))
for i in (-2, -1):  # the two longest buckets
    lo, hi = rows["additive"][i]["lo"], rows["additive"][i]["hi"]
    gap = rows["additive"][i]["exact_match_mean"] - rows["none"][i]["exact_match_mean"]
    claim(f"attention beats no attention by at least 0.3 on {lo}-{hi} characters", gap >= 0.3)
claim("on the longest bucket, attention's worst seed beats no attention's best seed",
      rows["additive"][-1]["exact_match_min"] > rows["none"][-1]["exact_match_max"])
claim("no attention gets at most 0.6 exact match on the longest bucket", rows["none"][-1]["exact_match_mean"] <= 0.6)
best_none = max(row["exact_match_mean"] for row in rows["none"])
claim("no attention loses at least 0.3 from its best bucket to the longest",
      best_none - rows["none"][-1]["exact_match_mean"] >= 0.3)

# %% [markdown]
# ## 5. Reading length alone: a fixed target length
#
# Now only the test targets with exactly 6 digits (sources of 26 to 71 characters), and only those with 9 digits (55 to 111 characters). Within each group the model writes the same number of digits; only the length of what it reads changes.

# %%
fig, axes = plt.subplots(1, 2, figsize=(13, 4), sharey=True)
for ax, digits in zip(axes, FIXED_TARGETS):
    for kind, (colour, marker, label) in styles.items():
        plot_rows(ax, result[kind]["fixed_target"][str(digits)], colour, marker, label)
    ax.set_title(f"only {digits}-digit targets")
    ax.set_xlabel("source length T_x (characters, bucket middle)")
    ax.set_ylim(0, 1.02)
axes[0].set_ylabel("exact match")
axes[1].tick_params(labelleft=True)  # the shared scale, shown on both panels
fig.legend(*axes[0].get_legend_handles_labels(), loc="lower center", ncol=3)
fig.tight_layout(rect=(0, 0.08, 1, 1))
for digits in FIXED_TARGETS:
    print(f"{digits}-digit targets:")
    print(format_table(result, rows_of=lambda entry, d=str(digits): entry["fixed_target"][d]))

# %% [markdown]
# If reading a long input were what makes these models fail, every line would fall from left to right. The first and the last bucket of each line:

# %%
for digits in FIXED_TARGETS:
    for kind in styles:
        rows_d = result[kind]["fixed_target"][str(digits)]
        first, last = rows_d[0]["exact_match_mean"], rows_d[-1]["exact_match_mean"]
        trend = "rises" if last > first + 0.02 else "falls" if last < first - 0.02 else "stays level"
        print(f"{digits} digits, {kind:>8}: {first:.2f} at {rows_d[0]['lo']}-{rows_d[0]['hi']} characters, "
              f"{last:.2f} at {rows_d[-1]['lo']}-{rows_d[-1]['hi']}: {trend}")


def pooled_per_seed(rows):
    """Exact match over the pairs of all the rows together, one number per seed (each bucket weighted by its n)."""
    total = sum(row["n"] for row in rows)
    seeds = range(len(rows[0]["exact_match_per_seed"]))
    return [sum(row["n"] * row["exact_match_per_seed"][s] for row in rows) / total for s in seeds]


nine = {kind: pooled_per_seed(result[kind]["fixed_target"]["9"]) for kind in styles}
for kind, per_seed in nine.items():
    print(f"all 9-digit targets, {kind:>8}: exact match {min(per_seed):.3f} to {max(per_seed):.3f} over the seeds")
claim("at 9-digit targets, attention's worst seed gets more numbers exactly right than no attention's best seed",
      min(nine["additive"]) > max(nine["none"]))
claim("at 9-digit targets, attention's worst seed is ahead of no attention's best seed by at least 0.5",
      min(nine["additive"]) - max(nine["none"]) >= 0.5)
claim("at a fixed number of digits, no attention does not fall from the shortest sources to the longest",
      all(result["none"]["fixed_target"][str(d)][-1]["exact_match_mean"]
          >= result["none"]["fixed_target"][str(d)][0]["exact_match_mean"] - 0.02 for d in FIXED_TARGETS))

# %% [markdown]
# Read the printed lines before the explanation. A line can *rise* with source length at a fixed number of digits: among the 6-digit numbers, the shortest sources are the round ones, *two hundred thousand*, *cent mille*, whose zeros no word spells out; the model must infer them from *thousand*, and that is hard. Fixing the output length does not make every source equally hard.
# What the fixed-length panels do settle is the comparison between decoders at the *same* output length: attention against no attention over all the 9-digit targets (the claim above), and, in the table, bucket by bucket at the same source length too. Where the per-bucket curve of section 4 falls with length, part of that fall is the output growing with the input.

# %% [markdown]
# ## 6. The location model, as it behaves
#
# The location weights come from a layer with one output per position, $\alpha_i = \operatorname{softmax}((W s_{i-1})_{1..T_x})$. Two failures are built in:
# - a **hard** one: a position past $L$ has no output of $W$, so it gets weight exactly 0 (section 9 shows it);
# - a **soft** one: an output of $W$ is trained only by sentences that reach its position, so the last positions, which few training sources reach, are trained least.
#
# But within the lengths it was trained on, it comes close to attention (section 4's table; the claims below measure how close). It does not look at $h_j$ when it scores position $j$, yet it is not blind to the sentence: $s_0 = \tanh(W_{init} \overleftarrow{h}_1)$ has read the whole source, and each step's context $c_{i-1}$ feeds back into $s_{i-1}$. It is blind to the *content at position $j$*, not to the content of the sentence; a state that knows "this is a 47-character French number in the thousands" can say where the thousands sit.

# %%
middle = [i for i, row in enumerate(rows["additive"]) if 40 <= row["lo"] and row["hi"] <= 96]
for i in middle:
    row_a, row_l = rows["additive"][i], rows["location"][i]
    print(f"{row_a['lo']:>3}-{row_a['hi']:<3}: attention {row_a['exact_match_mean']:.3f}, "
          f"location {row_l['exact_match_mean']:.3f}")
claim("in the middle buckets (40-96 characters) the location model is within 0.02 of attention",
      all(abs(rows["location"][i]["exact_match_mean"] - rows["additive"][i]["exact_match_mean"]) <= 0.02
          for i in middle))
claim("in every bucket, attention is at least as accurate as the location model (to within 0.01)",
      all(att["exact_match_mean"] >= loc["exact_match_mean"] - 0.01 for att, loc in zip(rows["additive"], rows["location"])))

# %% [markdown]
# ## 7. The shortest bucket
#
# Attention's accuracy is not always lowest at the *long* end. What is special about the shortest bucket?

# %%
train_targets = {t for _, t in train_pairs}
print(f"{'bucket':>8} {'test pairs':>10} {'training sources':>16} {'attention':>9}")
for (lo, hi), n_train, row in zip(buckets, result["train_sources_by_bucket"], rows["additive"]):
    print(f"{lo:>3}-{hi:<4} {row['n']:>10} {n_train:>16} {row['exact_match_mean']:>9.3f}")
worst = min(range(len(buckets)), key=lambda i: rows["additive"][i]["exact_match_mean"])
print(f"attention's worst bucket in this run: {buckets[worst][0]}-{buckets[worst][1]} characters")
lo, hi = buckets[0]
small = sorted({int(t) for s, t in test_pairs if lo <= len(s) <= hi and len(t) <= 2})
print(f"numbers below 100 among the {lo}-{hi} character test sources: {small}")
print(f"training pairs with a target below 100: {sum(len(t) <= 2 for _, t in train_pairs)}")
claim("no value below 100 of the shortest test bucket appears as a training target",
      not any(str(v) in train_targets for v in small))

# %% [markdown]
# Two things set the shortest bucket apart, and neither is length:
# - it holds few test pairs (each one moves its exact match by about 0.01), and few training sources are that short: numbers of one or two words are few;
# - its small numbers are the irregular words (*thirteen*, *treize*, *dreizehn*, *trece*), and the splits are disjoint by value: the test's small numbers never appear on their own in training, only inside longer numbers (*dreizehntausend...*).
#
# So when the shortest bucket is attention's worst, the reason is the data, not the length. Every bucket's accuracy is also an accuracy *for that part of the training distribution*: a fair comparison across lengths needs enough training examples at every length.

# %% [markdown]
# The figures the README quotes, one line each (`make figures` reads them):

# %% tags=["nbval-ignore-output"]
for kind in styles:
    entry = result[kind]
    by_bucket = entry["accuracy_by_length"]
    claims.result(f"08 length: {kind}", profile=result["profile"], machine=entry["machine"],
           seeds=len(result["seeds"]), steps=entry["steps"],
           steps_planned=entry["steps_planned"], seconds=round(entry["train_seconds"], 1),
           exact_match_middle=round(by_bucket[2]["exact_match_mean"], 3),
           exact_match_longest=round(by_bucket[-1]["exact_match_mean"], 3),
           exact_match_longest_min=round(by_bucket[-1]["exact_match_min"], 3),
           exact_match_9_digits_longest=round(entry["fixed_target"]["9"][-1]["exact_match_mean"], 3))

# %% [markdown]
# ## 8. Why the two others fail
#
# **The bottleneck.** Without attention, the decoder sees the source only through $c = [\overrightarrow{h}_{T_x} ; \overleftarrow{h}_1]$, $2H$ numbers.
# For a short number that is plenty. For a 100-character number with nine digits the encoder must squeeze every word, and every digit to write, into the same $2H$ numbers.
# Section 4 measured what that costs per bucket; section 5 showed that at a fixed number of digits the long sources are not worse, so what the fixed vector fails to hold is the *output* a long number asks for, more than the length of what was read. Attention removes this bottleneck: at every step, the decoder reads all $T_x$ states $h_j$ again and picks the ones it needs now.
#
# **Fixed-size weights.** The location model's weights $\alpha_i = \operatorname{softmax}(W s_{i-1})$ say "look at position 17" without looking at what position 17 holds.
# The thousands of *two hundred and five thousand* and of *vingt mille* sit at different positions, so the model must work out the position from the state $s_{i-1}$, which has read the whole sentence. Section 6 measured how well that goes inside the training lengths.
# What it cannot do at all is give weight to a position past $L$ (section 9), and the positions that few training sources reach are the ones its layer learned least.
#
# Additive attention has no hard limit: its weight for position $j$ is computed from $h_j$ itself, with the same small network for every $j$, so every position of every input gets one.
# It keeps the *soft* limit of any learned model: on lengths seldom or never seen in training it may be wrong. Notebook 10 measures how wrong.
# That is the answer to the question of notebook 00: **the $\alpha_{ij}$ are not parameters; they are computed, one per position of this input.**

# %% [markdown]
# Content-based weights can also follow the crossing of German numbers. In *siebenhundertdreiundachtzig* (783) the tens, *acht*, come after the units, *drei*.
# The attention model's heat maps (first seed): look at the rows of the last two digits, and at where they look in the source. The cell also prints the source around each of those rows' heaviest weight.

# %%
from rnn_attention.evaluate import translate
from rnn_attention.plotting import plot_attention

additive = load_or_train(configs["additive"], verbose=False)  # loads the model trained in section 4
# (number, its digits, the word of its tens, the word of its units)
GERMAN = [("siebenhundertdreiundachtzig", "783", "acht", "drei"),
          ("dreitausendvierhundertsiebenundfünfzig", "3457", "fünf", "sieben")]
fig, axes = plt.subplots(2, 1, figsize=(12, 6.5))
crossing = []
for ax, (text, digits, tens_word, units_word) in zip(axes, GERMAN):
    output, weights, src_tokens, tgt_tokens = translate(additive.model, text, additive.vocabs)  # weights: (T_y, T_x)
    plot_attention(weights, src_tokens, tgt_tokens, ax=ax, title=f"{text}  ->  {output}", colorbar=True)
    ax.set_xlabel("")
    looked = []
    for row in (len(output) - 2, len(output) - 1):  # the tens and the units digit
        j = int(weights[row].argmax())
        looked.append(j)
        print(f"{text}: digit {row + 1} ({output[row]!r}) looks most at ...{text[max(0, j - 3) : j + 4]}... "
              f"(weight {weights[row, j]:.2f})")
    in_word = [text.index(word) <= j < text.index(word) + len(word) for j, word in zip(looked, (tens_word, units_word))]
    crossing.append(output == digits and all(in_word))
fig.tight_layout()
claim("both numbers are right, and the tens digit looks most at the tens word, the units digit at the units word",
      all(crossing))

# %% [markdown]
# The model has learned the crossing: the row of the tens digit sits on *acht* (or *fünfzig*), to the right, and the row of the units digit jumps back left, to *drei* (or *sieben*). The printed lines and the claim check it on these two numbers.
# A weight tied to a position cannot do this the same way for every number: where *drei* sits depends on how long the words before it are.

# %% [markdown]
# ## 9. Longer than anything seen in training
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
    print(f"{kind:>9}: {weights.shape[1]} weights, sum {weights.sum().item():.3f}, "
          f"weight past position {longest_train}: {past:.3g}")
    if kind == "additive":
        claim(f"attention gives weight to positions past {longest_train}", past > 0)
    else:
        claim(f"the location model gives exactly 0 weight past position {longest_train}", past == 0)

# %% [markdown]
# The additive model gives a weight to every one of the positions, including those it never saw in training: the same scoring network runs on each $h_j$.
# The location model has nothing past position $L$: its layer has exactly $L$ outputs, so it gives those positions weight 0 (a stricter version raises an error instead).
# Whatever the rest of the sentence says, the location model cannot read its end.

# %% [markdown]
# ## 10. Accuracy per bucket, by hand
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
# - Without attention, the whole source passes through one fixed-size vector, and its accuracy per bucket falls as sources grow. At a fixed output length it does not fall here (the shortest sources of a given digit count are the round numbers, which are hard), so part of that fall is the output growing with the input; at the same output length, attention still beats it.
# - A longer source usually also means a longer target. Measure reading length at a fixed target length, and count digits (place accuracy) as well as whole numbers.
# - Measure with several seeds; report the mean and the spread, and claim a difference only where the spread allows it.
# - Weights from a layer with `max_len` outputs are tied to positions, not to content: they stop at `max_len` (a hard failure) and are trained least where few sentences reach (a soft one). Inside the training lengths they can match attention, because the decoder state has read the whole sentence.
# - Additive attention computes one weight per position of *this* input from $h_j$ itself, with a network whose size does not depend on $T_x$: it gives weights even to positions longer than any training source. Whether it is *right* there is notebook 10's question.
# - Accuracy per bucket also reflects how many training examples the bucket had: the shortest numbers are rare.

# ## References
#
# - D. Bahdanau, K. Cho, Y. Bengio (2015). *Neural Machine Translation by Jointly Learning to Align and Translate.* ICLR. arXiv:1409.0473. (Figure 2: BLEU against sentence length, with and without attention.)
# - K. Cho, B. van Merriënboer, C. Gulcehre, D. Bahdanau, F. Bougares, H. Schwenk, Y. Bengio (2014). *Learning Phrase Representations using RNN Encoder-Decoder for Statistical Machine Translation.* EMNLP. arXiv:1406.1078.
# - K. Cho, B. van Merriënboer, D. Bahdanau, Y. Bengio (2014). *On the Properties of Neural Machine Translation: Encoder-Decoder Approaches.* SSST-8. arXiv:1409.1259. (Accuracy falls with sentence length without attention.)
# - M.-T. Luong, H. Pham, C. D. Manning (2015). *Effective Approaches to Attention-based Neural Machine Translation.* EMNLP. arXiv:1508.04025. (Section 3.1: the location-based score.)
# - PyTorch documentation: [`nn.Linear`](https://pytorch.org/docs/stable/generated/torch.nn.Linear.html), [`nn.GRU`](https://pytorch.org/docs/stable/generated/torch.nn.GRU.html).
