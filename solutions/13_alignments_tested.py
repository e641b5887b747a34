# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 13 · Are the heat maps right?
#
# *Notebook 07 read the attention weights as "which input character the model looked at", and never tested it. Our tasks are generated, so the right alignment is known by construction: here we measure how often the model's weights point at it.*
#
# **Time:** about 45 minutes. Nothing is trained: the models of notebooks 06, 08 and 09 and fourteen more (second seeds, location-aware attention, Luong's architecture, on dates and on numbers) are the course's reference models (`reference/`), loaded in seconds; executing the whole notebook takes two to four minutes on a 2-core CPU, most of it forced decoding of the test sets. (With `COURSE_TRAIN=1` the fourteen models of this notebook train two at a time: on an idle 2-core CPU a dates model takes about 20 s and a numbers model 4 to 7 minutes, about 17 minutes in all.)
#
# **Questions**
# - For a date or a number, which input characters does each output character come from?
# - How do we score an attention map against that answer, with one number?
# - Does the model that translates best also align best?
# - If we replace the model's weights at one step, does its output change?
# - Do two seeds of the same model draw the same map?
# - In Luong's decoder, which state does the attention use, and what feeds the output? Does it align better than Bahdanau's?
#
# **Learning goals.** After this notebook you can
# 1. read the gold alignment of a pair of every task, including the crossing of German numbers and a month written as a word;
# 2. compute the alignment error rate (AER) of Och and Ney (2003) and an alignment accuracy, by hand and in code;
# 3. measure, under forced decoding, how well a trained model's weights agree with the gold alignment, field by field;
# 4. compare the scores of notebook 09 on exact match and on AER, and say what the comparison does and does not show;
# 5. test the weights as an explanation by replacing them (uniform, permuted, gold) for one step and counting the changed outputs;
# 6. compare the maps of two seeds of one model with the Jensen-Shannon divergence, the baseline for any comparison of models;
# 7. write Luong's attentional state $\tilde{h}_t = \tanh(W_c [c_t; s_t])$ and one step of his decoder, and compare it with Bahdanau's on exact match, AER and time per step.
#
# **You need:** notebooks 06 (the trained model), 07 (heat maps, the arg-max of a row), 08 (the numbers models) and 09 (the other scores).

# %% [markdown]
# ## 1. Set-up
#
# The same configurations as notebooks 06 and 09, so `load_or_train` loads the course's reference models: check the line "Loaded the course's reference model ..." below (a configuration that differs would train a new model instead).

# %% tags=["nbval-ignore-output"]
import matplotlib.pyplot as plt
import torch

from rnn_attention.alignment import forced_attention
from rnn_attention.claims import claim, result
from rnn_attention.data import gold_alignments, load_split
from rnn_attention.environment import course_profile, describe_machine, setup
from rnn_attention.evaluate import alignment_accuracy, alignment_error_rate, make_batch
from rnn_attention.exercises import check_alignment_error_rate, check_attentional_state, check_luong_step
from rnn_attention.plotting import plot_attention
from rnn_attention.reference import alignment_config
from rnn_attention.train import get_config, load_or_train
from rnn_attention.widgets import gold_map_widget

device = setup(seed=0)
cfg = get_config(task="dates")
run = load_or_train(cfg)  # notebook 06's model
model, vocabs = run.model, run.vocabs
test_pairs = load_split("dates", "test")

# %% [markdown]
# ## 2. The gold alignment, by construction
#
# Every pair was written by a generator (`rnn_attention/data/tasks.py`): a date by Babel with one of the CLDR patterns of a locale, a number by `num2words` in one of four languages. Running the generator again on the target tells us where each field of the source came from. `gold_alignments(task, pairs)` returns, for each pair, one set of source positions per target character:
#
# - copy: target character $t$ comes from position $t$; reverse: from $n - 1 - t$;
# - dates: the year, month and day digits come from the same digits in the source, a month written as a word gives both month digits the whole word, a padding zero the source does not write ("6" for "06") gets its whole field, and the two `-` come from nothing (an empty set);
# - numbers: a digit comes from the words whose value has a non-zero digit in its place; a zero nobody writes comes from the word that implies it ("hundred" for the 0 of 703, "million" for the zeros of 5,000,003).


# %%
def show_gold(task, source, target):
    """Print what each target character is aligned to, as the source characters of its gold set."""
    gold = gold_alignments(task, [(source, target)])[0]
    read = ["".join(source[p] for p in sorted(positions)) or "(none)" for positions in gold]
    print(f"{source!r} -> {target!r}")
    print("   " + ",  ".join(f"{ch} <- {r}" for ch, r in zip(target, read)))
    return gold


show_gold("copy", "123", "123")
show_gold("reverse", "abc", "cba")
show_gold("dates", "15 févr. 2027", "2027-02-15")
show_gold("dates", "6/15/2027", "2027-06-15")
german = show_gold("numbers", "einundzwanzig", "21")
french = show_gold("numbers", "sept cent trois", "703")

# %% [markdown]
# Check by hand: in "einundzwanzig" (21), "ein" (positions 0-2) writes the 1 and "zwanzig" (6-12) the 2. The units come first in the source and last in the target: the lines cross.

# %%
claim(
    "German 21: the 2 comes from 'zwanzig' (positions 6-12), the 1 from 'ein' (0-2)",
    german == [set(range(6, 13)), {0, 1, 2}],
)

# %% [markdown]
# ## 3. Scoring an alignment: AER and accuracy
#
# Read the model's alignment off its weights as in notebook 07: for each target step $i$ the position $\hat{a}_i = \arg\max_j \alpha_{ij}$, one link $(i, \hat{a}_i)$. Call $A$ the set of predicted links and $G$ the set of gold links $(i, j)$, $j$ in the gold set of step $i$. Och and Ney (2003) define the alignment error rate with "sure" and "possible" gold links; here every gold link is sure and possible, and it becomes
#
# $$\mathrm{AER} = 1 - \frac{2\,|A \cap G|}{|A| + |G|}.$$
#
# It is 0 when $A = G$ and 1 when they share no link. It is one minus the F-measure of precision $|A \cap G| / |A|$ and recall $|A \cap G| / |G|$: a model that links each step to one position cannot reach 0 where a gold set holds a whole month word. The **alignment accuracy** counts instead the steps whose $\hat{a}_i$ lies in the gold set. Steps whose gold set is empty (the `-` of a date) are scored by neither. Luong et al. (2015, section 5.4) measured AER this way under *forced decoding*: the decoder reads the reference, so the steps are the reference's, whatever the model would have written.
#
# Check by hand: gold sets $\{0, 1, 2\}, \{0, 1, 2\}, \{4\}$ (a month word, then a digit), predicted positions $1, 2, 3$. Then $|A| = 3$, $|G| = 7$, $|A \cap G| = 2$, and $\mathrm{AER} = 1 - 4/10 = 0.6$; the accuracy is $2/3$.

# %%
pencil_gold = [[{0, 1, 2}, {0, 1, 2}, {4}]]
pencil_predicted = [[{1}, {2}, {3}]]
pencil_aer = alignment_error_rate(pencil_predicted, pencil_gold)
pencil_accuracy = alignment_accuracy(pencil_predicted, pencil_gold)
print(f"AER {pencil_aer:.4f}, accuracy {pencil_accuracy:.4f}")
claim(
    "the pencil example has AER 0.6 and alignment accuracy 2/3",
    abs(pencil_aer - 0.6) < 1e-12 and abs(pencil_accuracy - 2 / 3) < 1e-12,
)

# %% [markdown]
# **Exercise 13.1.** Write `aer_from_weights(weights, gold)` for one pair: `weights` is the $(T_y + 1, T_x)$ matrix of a forced decoding, its last row the step that predicts EOS; `gold` is a list of $T_y$ sets of positions (none empty). Return the AER as one number.


# %%
def aer_from_weights(weights, gold):
    """AER = 1 - 2|A n G| / (|A| + |G|) of one pair: (T_y + 1, T_x) weights with the EOS row last, T_y gold sets."""
    # BEGIN SOLUTION
    # HINT: which rows are target characters, and along which axis do the source positions j run?
    positions = weights[:-1].argmax(dim=-1).tolist()  # one position per target character, the EOS row dropped
    A = {(i, j) for i, j in enumerate(positions)}
    G = {(i, j) for i, step in enumerate(gold) for j in step}
    return 1.0 - 2.0 * len(A & G) / (len(A) + len(G))
    # END SOLUTION


check_alignment_error_rate(aer_from_weights)

# %% [markdown]
# ## 4. Does notebook 06's model look where it should?
#
# `forced_attention` runs the model on each test pair with the reference as decoder input and returns its $(T_y + 1, T_x)$ weights. We score them against the gold alignment at two levels: `detail="character"` (each digit its own digit) and `detail="field"` (each character its whole year, month or day).

# %% tags=["nbval-ignore-output"]
weights = forced_attention(model, test_pairs, vocabs)  # one (T_y + 1, T_x) matrix per pair
gold = gold_alignments("dates", test_pairs)
gold_fields = gold_alignments("dates", test_pairs, detail="field")
scores = {
    "character": (alignment_error_rate(weights, gold), alignment_accuracy(weights, gold)),
    "field": (alignment_error_rate(weights, gold_fields), alignment_accuracy(weights, gold_fields)),
}
# the accuracy of a uniformly random position on a one-digit gold set
chance = sum(1 / len(source) for source, _ in test_pairs) / len(test_pairs)
for detail, (aer, accuracy) in scores.items():
    print(f"{detail:>9}: AER {aer:.3f}, alignment accuracy {accuracy:.3f}")
print(
    f"exact match {run.info['exact_match']:.3f}; a random position would hit a one-digit gold set {chance:.3f} of the time"
)

# %%
claim(
    "06's model puts its arg-max inside the gold digit at >= 0.9 of the steps, more than 10 times a random position",
    scores["character"][1] >= 0.9 and scores["character"][1] > 10 * chance,
)
claim(
    "the field-level accuracy is at least the character-level one (a field contains its digits)",
    scores["field"][1] >= scores["character"][1],
)
claim(
    "yet the field-level AER is higher than the character-level one by >= 0.2 (one link per step cannot cover a field)",
    scores["field"][0] >= scores["character"][0] + 0.2,
)

# %% [markdown]
# The two levels answer different questions. The accuracy asks "is the arg-max inside the gold set?", and a field contains its digits, so it can only rise. The AER also counts the gold links the model does not make: the arg-max is one link per step, and a field has four (year) or two (month, day) positions, or a whole month word, so $|G|$ grows and the AER rises with it. Read the AER at the character level, where a digit has one gold position.
#
# Field by field: the year, the month and the day. Which one does the model find best?

# %%
FIELDS = {"year": range(0, 4), "month": range(5, 7), "day": range(8, 10)}
by_field = {}
for name, steps in FIELDS.items():
    only = [[g if t in steps else set() for t, g in enumerate(pair_gold)] for pair_gold in gold_fields]
    by_field[name] = alignment_accuracy(weights, only)
    print(f"{name:>5}: alignment accuracy {by_field[name]:.3f}")
claim(
    "the year is found at >= 0.99 of its steps, the month and the day each at < 0.95",
    by_field["year"] >= 0.99 and by_field["month"] < 0.95 and by_field["day"] < 0.95,
)


def adjacent_share(weights, gold):
    """Of the scored steps whose arg-max misses the gold set, the share that miss it by one position."""
    misses = adjacent = 0
    for w, pair_gold in zip(weights, gold):
        for t, j in enumerate(w[:-1].argmax(dim=-1).tolist()):
            if pair_gold[t] and j not in pair_gold[t]:
                misses += 1
                adjacent += min(abs(j - g) for g in pair_gold[t]) == 1
    return adjacent / max(misses, 1)


near = adjacent_share(weights, gold)
print(f"of the steps that miss the gold digit, {near:.3f} miss it by one position")
claim("at least 0.3 of 06's misses are one position off the gold digit", near >= 0.3)

# %% [markdown]
# The year is always found; the month and the day are missed at about one step in ten, and a miss is often the neighbouring character, not a random one. A picture: the forced-decoding map of one test pair, with the gold cells outlined.


# %%
def plot_with_gold(weights, gold, source, target, ax=None, title=None):
    """The (T_y + 1, T_x) heat map with a box around every gold cell (the EOS row has none)."""
    ax = plot_attention(weights, list(source), list(target) + ["<eos>"], ax=ax, title=title)
    for i, positions in enumerate(gold):
        for j in positions:
            ax.add_patch(plt.Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="red", linewidth=1.5))
    return ax


index = next(k for k, (s, _) in enumerate(test_pairs) if any(ch.isalpha() for ch in s[3:]))  # a month word
source, target = test_pairs[index]
plot_with_gold(weights[index], gold[index], source, target, title=f"{source} -> {target} (forced; red: gold)")
plt.show()

# %% [markdown]
# ## 5. Which models align best? Scores, architectures and seeds
#
# Now twelve converged models, all trained on dates with notebook 06's recipe (the same data, 600 steps, batch 64), forced-decoded on the 3000 test pairs and scored at the character level. The rows:
#
# - **additive, concat, dot, general**: notebook 09's four scores in Bahdanau's decoder (the additive model is notebook 06's);
# - **location_aware**: Chorowski et al. (2015)'s content and location score (notebook 10), here trained on notebook 06's data;
# - **luong-dot**: Luong's *architecture* with its dot score (section 7 builds it): the RNN step first, then the scores from the new state.
#
# Each with the seed of notebooks 06 and 09 (s0) and a second seed (s1): the same configuration, other random initial weights and batch order. Notebook 09 showed that the concat score *is* the additive score and that, in Bahdanau's decoder, the dot score needs a projection $P$ that makes it the general score; with the same seed they start from the same numbers and train to the same network, so their rows must be equal, at both seeds. (Section 8 measures the time per step of the two architectures side by side.)

# %% tags=["nbval-ignore-output"]
DATES_MODELS = [  # (architecture, score, seed)
    ("bahdanau", "additive", 0),
    ("bahdanau", "additive", 1),
    ("bahdanau", "concat", 0),
    ("bahdanau", "concat", 1),
    ("bahdanau", "dot", 0),
    ("bahdanau", "dot", 1),
    ("bahdanau", "general", 0),
    ("bahdanau", "general", 1),
    ("bahdanau", "location_aware", 0),
    ("bahdanau", "location_aware", 1),
    ("luong", "dot", 0),
    ("luong", "dot", 1),
]


def label(architecture, kind, seed):
    return f"{'' if architecture == 'bahdanau' else architecture + '-'}{kind} s{seed}"


def scores_of(run_model, pairs, gold, gold_fields):
    """Forced decoding of `pairs`, then the row of the table: exact match, AER, accuracy, field accuracy, misses."""
    w = forced_attention(run_model.model, pairs, run_model.vocabs)
    return w, {
        "exact match": run_model.info["exact_match"],
        "AER": alignment_error_rate(w, gold),
        "accuracy": alignment_accuracy(w, gold),
        "field accuracy": alignment_accuracy(w, gold_fields),
        "misses one off": adjacent_share(w, gold),
    }


def print_table(table):
    columns = ["exact match", "AER", "accuracy", "field accuracy", "misses one off"]
    print(f"{'model':>20} " + " ".join(f"{c:>14}" for c in columns))
    for name, row in table.items():
        print(f"{name:>20} " + " ".join(f"{row[c]:14.3f}" for c in columns))


table, kind_weights, models = {}, {}, {}
for architecture, kind, seed in DATES_MODELS:
    name = label(architecture, kind, seed)
    models[name] = load_or_train(alignment_config("dates", architecture, kind, seed).replace(progress=False))
    kind_weights[name], table[name] = scores_of(models[name], test_pairs, gold, gold_fields)
print_table(table)

# %% tags=["nbval-ignore-output"]
result(
    "13 dates, alignment of four scores (forced decoding)",
    profile=course_profile(),
    machine=describe_machine(models["additive s0"].info["device"], cfg.num_threads),
    steps=models["additive s0"].info["steps"],
    **{
        f"{kind}_{key}": round(table[f"{kind} s0"][name], 4)
        for kind in ["additive", "concat", "dot", "general"]
        for key, name in [("aer", "AER"), ("alignment_accuracy", "accuracy"), ("exact_match", "exact match")]
    },
)
result(
    "13 dates, alignment by architecture and seed (forced decoding)",
    profile=course_profile(),
    **{
        f"{name.replace('-', '_').replace(' ', '_')}_{key}": round(table[name][column], 4)
        for name in ["additive s1", "dot s1", "location_aware s0", "location_aware s1", "luong-dot s0", "luong-dot s1"]
        for key, column in [("aer", "AER"), ("alignment_accuracy", "accuracy"), ("exact_match", "exact match")]
    },
)

# %%
seeds_of = {
    kind: [table[f"{kind} s0"], table[f"{kind} s1"]] for kind in ["additive", "dot", "location_aware", "luong-dot"]
}
accuracies = {kind: [row["accuracy"] for row in rows] for kind, rows in seeds_of.items()}
claim(
    "concat's rows equal additive's and general's equal dot's, at both seeds (the same networks, notebook 09)",
    all(table[f"concat s{k}"] == table[f"additive s{k}"] and table[f"general s{k}"] == table[f"dot s{k}"] for k in (0, 1)),
)
claim(
    "every model of the table writes >= 0.99 of the test dates exactly (all converged)",
    min(row["exact match"] for row in table.values()) >= 0.99,
)
claim(
    "every model puts its arg-max inside the gold digit at >= 0.7 of the steps, at least 10 times a random position",
    min(row["accuracy"] for row in table.values()) >= max(0.7, 10 * chance),
)
claim(
    "seed 0: the additive model's accuracy beats the dot model's by >= 0.15; seed 1: by <= 0.05",
    accuracies["additive"][0] - accuracies["dot"][0] >= 0.15 and accuracies["additive"][1] - accuracies["dot"][1] <= 0.05,
)
claim(
    "the dot model's two seeds differ in accuracy by >= 0.1",
    abs(accuracies["dot"][0] - accuracies["dot"][1]) >= 0.1,
)
claim(
    "location-aware attention aligns best in both seeds: accuracy >= 0.96, above every seed of every other model",
    min(accuracies["location_aware"]) >= 0.96
    and min(accuracies["location_aware"]) > max(a for kind, accs in accuracies.items() if kind != "location_aware" for a in accs),
)
claim(
    "the seed ranges of Luong's architecture and the additive model overlap: neither aligns better in both seeds",
    not (min(accuracies["luong-dot"]) > max(accuracies["additive"]) or min(accuracies["additive"]) > max(accuracies["luong-dot"])),
)
claim(
    "at least 0.8 of each dot model's misses are one position off the gold digit",
    min(row["misses one off"] for row in seeds_of["dot"]) >= 0.8,
)
claim(
    "the models with the highest exact match (1.000, the additive ones) are not the best aligners",
    max(row["exact match"] for row in table.values()) == table["additive s0"]["exact match"] == table["additive s1"]["exact match"]
    and max(accuracies["additive"]) < max(accuracies["location_aware"]),
)

# %% [markdown]
# What the table shows:
#
# - **Every model translates; they align differently.** All twelve write at least 99 test dates in 100 exactly, while their alignment accuracy runs from 0.74 (dot s0) to 0.97 (location_aware s1). Exact match does not rank them: the two models with a perfect exact match (additive) are not the best aligners.
# - **One seed would have misled us.** At seed 0 the additive model finds the gold digit at 0.955 of the steps and the dot model at 0.738: a gap of 0.22, which notebook 09's seed alone suggests is the score's doing. At seed 1 the gap is 0.01 (0.914 against 0.903): the dot model's second seed aligns 0.17 better than its first. A difference between two scores has to be larger than this to mean anything.
# - **Location-aware attention aligns best, in both seeds** (0.966 and 0.973), above every seed of every other model: its scores see where the previous step looked, and dates are read mostly left to right within a field.
# - **Luong's architecture against Bahdanau's:** 0.957 and 0.878 over its two seeds, the additive model 0.955 and 0.914. The ranges overlap: with two seeds, neither architecture aligns better. Section 8 says more.
# - **Misses are near misses.** The dot models' misses are almost all one position off the gold digit (0.89 and 0.88): the bidirectional encoder's state $h_{j \pm 1}$ also knows the character at $j$, so weight on the neighbour can carry the same digit.
#
# The same pair under the additive and the dot network:

# %%
fig, axes = plt.subplots(1, 2, figsize=(13, 4.5))
for ax, name in zip(axes, ["additive s0", "dot s0"]):
    plot_with_gold(kind_weights[name][index], gold[index], source, target, ax=ax, title=f"{name} (red: gold)")
fig.tight_layout()
plt.show()

# %% [markdown]
# Both models write this date right. The additive model's year and day sit on their gold cells; the dot model reads the first 2 of the year off the 0 beside it and the month's 0 off the full stop after the month word, one position off each time, as the table's last column says most of its misses are.
#
# (The concat rows repeat the additive ones and the general rows the dot ones, number for number, at both seeds: trained from the same seed, the same network gives the same model, whichever name the score goes by.)
#
# ### Numbers
#
# Notebook 08 trained two kinds of attention on the numbers task, with two seeds each and a larger recipe (1500 steps, $H = 128$): the additive score, and location weights $\alpha_i = \mathrm{softmax}(W s_{i-1})$ that never look at the $h_j$. With the same recipe and data, this notebook adds three more, two seeds each: the dot score (in Bahdanau's decoder it is the general score, as on dates), location-aware attention, and Luong's architecture with its dot score, whose decoder state has the size of one $h_j$ ($2 \times 128 = 256$). A number's gold set is a whole word ("seven", "hundred"), so one arg-max link per step cannot reach a low AER: read the accuracy (is the arg-max inside the word?) and compare models with each other.

# %% tags=["nbval-ignore-output"]
NUMBERS_MODELS = [  # (architecture, score, seed): notebook 08's additive and location models, then this notebook's
    (architecture, kind, seed)
    for architecture, kind in [
        ("bahdanau", "additive"),
        ("bahdanau", "location"),
        ("bahdanau", "dot"),
        ("bahdanau", "location_aware"),
        ("luong", "dot"),
    ]
    for seed in (0, 1)
]
number_pairs = load_split("numbers", "test")
number_gold = gold_alignments("numbers", number_pairs)
number_gold_groups = gold_alignments("numbers", number_pairs, detail="field")
number_table, number_weights, number_models = {}, {}, {}
for architecture, kind, seed in NUMBERS_MODELS:
    name = label(architecture, kind, seed)
    number_models[name] = load_or_train(alignment_config("numbers", architecture, kind, seed).replace(progress=False))
    number_weights[name], number_table[name] = scores_of(number_models[name], number_pairs, number_gold, number_gold_groups)
number_chance = sum(1 / len(s) for s, _ in number_pairs) / len(number_pairs)
print_table(number_table)
print(f"a random position would hit a one-character gold set {number_chance:.3f} of the time")
print("training steps:", ", ".join(f"{name} {run_model.info['steps']}" for name, run_model in number_models.items()))
result(
    "13 numbers, alignment by kind, architecture and seed (forced decoding)",
    profile=course_profile(),
    **{
        f"{name.replace('-', '_').replace(' ', '_')}_{key}": round(number_table[name][column], 4)
        for name in number_table
        for key, column in [("aer", "AER"), ("alignment_accuracy", "accuracy"), ("exact_match", "exact match")]
    },
)

# %%
NUMBER_KINDS = ["additive", "location", "dot", "location_aware", "luong-dot"]
number_accuracies = {kind: [number_table[f"{kind} s{seed}"]["accuracy"] for seed in (0, 1)] for kind in NUMBER_KINDS}
number_exact = {kind: [number_table[f"{kind} s{seed}"]["exact match"] for seed in (0, 1)] for kind in NUMBER_KINDS}
claim(
    "numbers: every model of the table writes >= 0.98 of the test numbers exactly (all converged)",
    min(min(ems) for ems in number_exact.values()) >= 0.98,
)
claim(
    "numbers: the additive models put the arg-max inside the gold word at >= 0.8 of the steps, >= 25 times a random position",
    min(number_accuracies["additive"]) >= max(0.8, 25 * number_chance),
)
claim(
    "numbers: yet their AER is >= 0.7 (one link per step against a whole word)",
    min(number_table[f"additive s{seed}"]["AER"] for seed in (0, 1)) >= 0.7,
)
claim(
    "numbers: location weights find the gold word at <= 0.5 of the steps, yet write >= 0.98 of the numbers exactly",
    max(number_accuracies["location"]) <= 0.5 and min(number_exact["location"]) >= 0.98,
)
claim(
    "numbers: the dot score in Bahdanau's decoder finds the gold word at <= 0.5 of the steps in both seeds, "
    "Luong's architecture with its dot score at >= 0.7",
    max(number_accuracies["dot"]) <= 0.5 and min(number_accuracies["luong-dot"]) >= 0.7,
)
claim(
    "numbers: the seed ranges of Luong's architecture and the additive model overlap: neither aligns better in both seeds",
    not (
        min(number_accuracies["luong-dot"]) > max(number_accuracies["additive"])
        or min(number_accuracies["additive"]) > max(number_accuracies["luong-dot"])
    ),
)
claim(
    "numbers: the two seeds of location-aware attention differ in accuracy by >= 0.5, and both write >= 0.99 exactly",
    abs(number_accuracies["location_aware"][0] - number_accuracies["location_aware"][1]) >= 0.5
    and min(number_exact["location_aware"]) >= 0.99,
)
claim(
    "numbers: the accuracies of these ten models, each writing >= 0.98 exactly, span >= 0.6",
    max(max(a) for a in number_accuracies.values()) - min(min(a) for a in number_accuracies.values()) >= 0.6,
)

# %% [markdown]
# On numbers the AER stays high for every model, 0.73 to 0.94, because a gold set is a whole word ("sept", "hundred") and the arg-max is one link: read the accuracy. Ten models, each writing at least 98 numbers in 100 exactly, put their arg-max inside the gold word at anywhere from 0.23 to 0.94 of the steps:
#
# - **additive**: 0.85 to 0.88, more than 35 times a random position;
# - **location**, weights that never look at the $h_j$: 0.39 to 0.43, and still 99 numbers in 100 exactly;
# - **dot** in Bahdanau's decoder: 0.32 to 0.34, although its scores do read the $h_j$. (Its models were trained for twice 08's steps, as printed above: with 08's 1500 steps they had not converged yet, `reference/README.md` has the curves);
# - **luong-dot**, Luong's architecture with the same kind of score: 0.77 and 0.87, a range that overlaps the additive model's. Luong's and Bahdanau's dot models differ in three ways at once (the order of the step, a state twice as large, no projection $P$), so this table cannot say which of the three makes the difference;
# - **location_aware**: 0.23 in one seed and 0.94 in the other, the worst and the best aligner of the table, with the same exact match (0.998 and 0.999).
#
# So on numbers too, exact match does not tell how well a model aligns, and one seed can mislead by more than the gap between any two kinds. A model can translate well with weights that do not point at where each digit comes from. One possible reason, not tested here: its decoder gets the digits some other way, through encoder states that each know a wide stretch of the number. A heat map that does not look like the gold alignment does not tell you the model is wrong; a correct output does not tell you the map is right.
#
# One test number under four of these models. Read where each row's weight sits against the red boxes:

# %%
number_index = next(k for k, (s, t) in enumerate(number_pairs) if 20 <= len(s) <= 32 and len(t) == 4)
number_source, number_target = number_pairs[number_index]
fig, axes = plt.subplots(2, 2, figsize=(14, 8))
for ax, name in zip(axes.flat, ["additive s0", "dot s0", "location_aware s0", "location_aware s1"]):
    row = number_table[name]
    plot_with_gold(
        number_weights[name][number_index], number_gold[number_index], number_source, number_target, ax=ax,
        title=f"{name}: accuracy on the test set {row['accuracy']:.2f} (red: gold)",
    )
fig.tight_layout()
plt.show()

# %% [markdown]
# In this number the additive model and the second location-aware seed put their largest weight inside the gold word at every digit. The dot model puts nearly all its weight on one character per step, here mostly a space or a hyphen just before a word. The first location-aware seed spreads its weight over the word *before* the gold one: for the 6 it reads "mille". The table's accuracies, in the titles, say how typical each picture is.
#
# ### Two seeds of the same model: how much do their maps differ?
#
# A difference between two models means something only if it is larger than the difference between two seeds of the *same* model (Wiegreffe and Pinter 2019, section 4.2, use this baseline). For each digit step of each test pair we compare the two maps in two ways: whether their arg-max positions agree, and the Jensen-Shannon divergence between the two rows of weights,
#
# $$\mathrm{JSD}(p, q) = \tfrac{1}{2} \mathrm{KL}(p \,\|\, m) + \tfrac{1}{2} \mathrm{KL}(q \,\|\, m), \quad m = \tfrac{1}{2}(p + q),$$
#
# in bits: 0 for identical rows, 1 for rows with no position in common. Check by hand: $p = (1, 0)$, $q = (0, 1)$ give $m = (\tfrac12, \tfrac12)$ and $\mathrm{JSD} = \tfrac12 \log_2 2 + \tfrac12 \log_2 2 = 1$.


# %%
def jsd_bits(p, q):
    """Jensen-Shannon divergence of the rows of p and q (..., S), in bits."""
    m = (p + q) / 2
    kl_pm = torch.where(p > 0, p * torch.log2(p / m), torch.zeros_like(p)).sum(-1)
    kl_qm = torch.where(q > 0, q * torch.log2(q / m), torch.zeros_like(q)).sum(-1)
    return (kl_pm + kl_qm) / 2


def map_agreement(weights_a, weights_b, gold):
    """Over the scored steps: the share where the two arg-max positions agree, and the mean JSD (bits)."""
    agree, divergence, n = 0, 0.0, 0
    for wa, wb, pair_gold in zip(weights_a, weights_b, gold):
        steps = [t for t, g in enumerate(pair_gold) if g]
        a, b = wa[steps].double(), wb[steps].double()
        agree += int((a.argmax(-1) == b.argmax(-1)).sum())
        divergence += float(jsd_bits(a, b).sum())
        n += len(steps)
    return agree / n, divergence / n


print(f"pencil: JSD((1, 0), (0, 1)) = {float(jsd_bits(torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0]))):.3f} bits")
claim(
    "the pencil JSD of two disjoint one-hot rows is 1 bit",
    abs(float(jsd_bits(torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0]))) - 1) < 1e-9,
)

# %% tags=["nbval-ignore-output"]
COMPARISONS = {
    "dates": [
        ("additive s0", "additive s1"),
        ("dot s0", "dot s1"),
        ("location_aware s0", "location_aware s1"),
        ("luong-dot s0", "luong-dot s1"),
        ("additive s0", "dot s0"),
        ("additive s0", "location_aware s0"),
        ("additive s0", "luong-dot s0"),
        ("dot s0", "luong-dot s0"),
    ],
    "numbers": [
        ("additive s0", "additive s1"),
        ("location s0", "location s1"),
        ("dot s0", "dot s1"),
        ("location_aware s0", "location_aware s1"),
        ("luong-dot s0", "luong-dot s1"),
        ("additive s0", "location s0"),
        ("additive s0", "dot s0"),
        ("additive s0", "location_aware s0"),
        ("additive s0", "luong-dot s0"),
    ],
}
agreement = {}
for task, comparisons in COMPARISONS.items():
    weights_of, task_gold = (kind_weights, gold) if task == "dates" else (number_weights, number_gold)
    for a, b in comparisons:
        agreement[task, a, b] = map_agreement(weights_of[a], weights_of[b], task_gold)
print(f"{'task':>8} {'maps compared':>38} {'arg-max agree':>14} {'JSD (bits)':>11}")
for (task, a, b), (agree, divergence) in agreement.items():
    kind = "same model, two seeds" if a.split()[0] == b.split()[0] else "two models"
    print(f"{task:>8} {a + ' vs ' + b:>38} {agree:14.3f} {divergence:11.3f}   {kind}")

# %%
def divergence(task, a, b):
    return agreement[task, a, b][1]


claim(
    "dates: the dot model's two seeds diverge more (JSD) than the additive and the dot model of seed 0 do",
    divergence("dates", "dot s0", "dot s1") > divergence("dates", "additive s0", "dot s0"),
)
claim(
    "dates: the additive and the location-aware models (seed 0) diverge less than the additive model's two seeds",
    divergence("dates", "additive s0", "location_aware s0") < divergence("dates", "additive s0", "additive s1"),
)
claim(
    "numbers: the additive and the location model diverge >= 3 times more than either model's two seeds",
    divergence("numbers", "additive s0", "location s0")
    >= 3 * max(divergence("numbers", "additive s0", "additive s1"), divergence("numbers", "location s0", "location s1")),
)
claim(
    "numbers: the location model's two seeds agree on the arg-max at <= 0.4 of the steps, the additive's at >= 0.6",
    agreement["numbers", "location s0", "location s1"][0] <= 0.4
    and agreement["numbers", "additive s0", "additive s1"][0] >= 0.6,
)
claim(
    "numbers: the dot model's two seeds diverge more (JSD) than the additive and the dot model of seed 0 do",
    divergence("numbers", "dot s0", "dot s1") > divergence("numbers", "additive s0", "dot s0"),
)
claim(
    "numbers: the location-aware model's two seeds agree on the arg-max at <= 0.2 of the steps and diverge >= 3 times "
    "more than the additive model's two seeds",
    agreement["numbers", "location_aware s0", "location_aware s1"][0] <= 0.2
    and divergence("numbers", "location_aware s0", "location_aware s1")
    >= 3 * divergence("numbers", "additive s0", "additive s1"),
)
claim(
    "numbers: the maps of Luong's and the additive model (seed 0) diverge >= 1.5 times more than either model's two seeds",
    divergence("numbers", "additive s0", "luong-dot s0")
    >= 1.5 * max(divergence("numbers", "additive s0", "additive s1"), divergence("numbers", "luong-dot s0", "luong-dot s1")),
)

# %% [markdown]
# Read each "two models" row against the "two seeds" rows of the same models. On dates, the maps of the additive and the dot model of seed 0 diverge by 0.31 bits, less than the dot model's own two seeds (0.36); the additive and location-aware maps diverge by 0.04, less than the additive model's own two seeds (0.08). Luong's and the additive model's maps (0.15) diverge about as much as Luong's own two seeds (0.16). So on dates, no difference between two models' maps is larger than the difference between two seeds of one of them: the maps say more about the training run than about the score. On numbers the picture depends on the model:
#
# - The additive and location maps differ three to four times more than either model's seeds (0.44 bits against 0.11 and 0.09): for this pair, the kind of attention, not the seed, decides the map. The location model's seeds agree on the arg-max at only 0.28 of the steps and still diverge little: its weights are spread thinly over many positions, so the arg-max of a flat row is close to arbitrary.
# - Luong's and the additive model's maps diverge by 0.51 bits, 1.8 times Luong's own two seeds (0.28): the architecture leaves a mark on the map that the seed does not wipe out.
# - The seeds of the dot and the location-aware models are the baseline that fails: the location-aware model's two seeds agree on the arg-max at 0.10 of the steps and diverge by 0.48 bits, more than three times the additive model's seeds. The dot model's two seeds diverge by 0.85 bits, more than the additive and the dot model do (0.81). For these two kinds, one trained network says little about another trained the same way.

# %% [markdown]
# ## 6. Is attention an explanation? Replace the weights and watch the output
#
# A heat map is read as "the model wrote this digit *because* it looked there". Jain and Wallace (2019) tested such readings by changing the weights and checking whether the prediction moves; Wiegreffe and Pinter (2019) answered that the test must keep the rest of the model fixed and be compared with baselines. Our decoder makes the test exact. Under forced decoding, at one target step $i$ we replace $\alpha_i$ by other weights $\alpha'_i$, recompute $c_i = \sum_j \alpha'_{ij} h_j$, keep everything else, and ask whether the arg-max output at step $i$ changes. Five replacements:
#
# - **uniform**: $\alpha'_{ij} = 1 / T_x$, the average of the encoder states;
# - **permuted**: the model's own weights, shuffled over the positions (the same values, elsewhere);
# - **gold**: weight spread evenly over the gold set of step $i$ (one-hot on a digit, the whole word for a month name);
# - **first** and **last**: all the weight on the first, or the last, character of the gold set (the same as gold where the set is one digit).
#
# If the output ignored the weights, nothing would change. If the weights were the explanation and the gold alignment the right one, the gold weights would keep the output. We test the 8 digit steps of 500 test dates (the `-` have no gold set), one step at a time, for the additive and dot networks of section 5 and for Luong's architecture; and the 6 digit steps of 500 test numbers of six digits for notebook 08's additive model and both seeds of Luong's architecture.


# %%
@torch.no_grad()
def outputs_with(model, pairs, vocabs, step=None, replace=None):
    """Forced decoding, (B, T) arg-max outputs; at `step`, alpha_i is replaced by replace(alpha_i, mask)."""
    batch = make_batch(pairs, vocabs)
    attention = model.decoder.attention
    original = attention.forward
    calls = [0]  # the decoder calls its attention once per step, in order

    def forward(query, keys, mask=None, *rest):
        context, weights = original(query, keys, mask, *rest)
        if calls[0] == step:
            weights = replace(weights, mask)  # (B, S)
            context = torch.bmm(weights.unsqueeze(1), keys).squeeze(1)  # c_i = sum_j alpha'_ij h_j
        calls[0] += 1
        return context, weights

    attention.forward = forward  # for this one forward pass only
    try:
        model.eval()
        logits = model(batch.src, batch.src_lengths, batch.tgt_in)  # (B, T, V)
    finally:
        del attention.forward
    return logits.argmax(dim=-1)


def uniform(weights, mask):
    return mask.float() / mask.float().sum(dim=-1, keepdim=True)


SHUFFLE = torch.Generator()


def permuted(weights, mask):
    out = torch.zeros_like(weights)
    for b, n in enumerate(mask.sum(dim=-1).tolist()):
        out[b, :n] = weights[b, torch.randperm(n, generator=SHUFFLE)]
    return out


def gold_weights(pairs_gold, step, part="gold"):
    """Weights on the gold set of `step`: spread evenly over it ("gold"), or one-hot on its "first" or "last" position."""

    def replace(weights, mask):
        out = torch.zeros_like(weights)
        for b, pair_gold in enumerate(pairs_gold):
            positions = sorted(pair_gold[step])
            chosen = {"gold": positions, "first": positions[:1], "last": positions[-1:]}[part]
            out[b, chosen] = 1.0 / len(chosen)
        return out

    return replace


REPLACEMENTS = ["uniform", "permuted", "gold", "first", "last"]


# %% tags=["nbval-ignore-output"]
def share_changed(run_model, pairs, pairs_gold):
    """{replacement: share of the digit steps whose forced-decoding output changes when alpha_i is replaced}."""
    steps = [i for i in range(len(pairs[0][1])) if all(g[i] for g in pairs_gold)]  # the digit steps
    base = outputs_with(run_model.model, pairs, run_model.vocabs)
    out_shares = {}
    for name in REPLACEMENTS:
        n_changed = 0
        for step in steps:
            replace = {"uniform": uniform, "permuted": permuted}.get(name) or gold_weights(pairs_gold, step, name)
            out = outputs_with(run_model.model, pairs, run_model.vocabs, step, replace)
            n_changed += int((out[:, step] != base[:, step]).sum())
        out_shares[name] = n_changed / (len(pairs) * len(steps))
    return out_shares


SHUFFLE.manual_seed(0)
perturb_pairs, perturb_gold = test_pairs[:500], gold[:500]
six_digits = [k for k, (_, t) in enumerate(number_pairs) if len(t) == 6][:500]
PERTURBED = {
    ("dates", "additive s0"): (models["additive s0"], perturb_pairs, perturb_gold),
    ("dates", "dot s0"): (models["dot s0"], perturb_pairs, perturb_gold),
    ("dates", "luong-dot s0"): (models["luong-dot s0"], perturb_pairs, perturb_gold),
}
for name in ["additive s0", "luong-dot s0", "luong-dot s1"]:
    PERTURBED["numbers", name] = (
        number_models[name],
        [number_pairs[k] for k in six_digits],
        [number_gold[k] for k in six_digits],
    )
changed = {}
for (task, name), (run_model, pairs, pairs_gold) in PERTURBED.items():
    for replacement, share in share_changed(run_model, pairs, pairs_gold).items():
        changed[task, name, replacement] = share
print("share of digit steps whose output changes when alpha_i is replaced at that step (forced decoding)")
print(f"{'task':>8} {'model':>14} {'pairs':>6} " + " ".join(f"{r:>9}" for r in REPLACEMENTS))
for (task, name), (_, pairs, _) in PERTURBED.items():
    print(f"{task:>8} {name:>14} {len(pairs):6d} " + " ".join(f"{changed[task, name, r]:9.3f}" for r in REPLACEMENTS))

# %%
for task, name in PERTURBED:
    claim(
        f"{task} {name}: uniform weights change the output at >= 0.4 of the digit steps, permuted ones at >= 0.5",
        changed[task, name, "uniform"] >= 0.4 and changed[task, name, "permuted"] >= 0.5,
    )
    if task == "numbers" and name.startswith("luong"):
        claim(
            f"{task} {name}: but the gold weights change it too, at >= 0.2 of them, over twice as often as for the additive model",
            changed[task, name, "gold"] >= max(0.2, 2 * changed["numbers", "additive s0", "gold"]),
        )
    else:
        limit = 0.05 if task == "dates" else 0.1
        claim(f"{task} {name}: the gold weights change it at <= {limit} of them", changed[task, name, "gold"] <= limit)
    if task == "numbers":
        claim(
            f"{task} {name}: all the weight on the first character of the gold word changes the output at <= 0.12 of the "
            "steps, on its last character at >= 0.5",
            changed[task, name, "first"] <= 0.12 and changed[task, name, "last"] >= 0.5,
        )
claim(
    "the gold weights change more outputs on numbers than on dates (additive s0)",
    changed["numbers", "additive s0", "gold"] > changed["dates", "additive s0", "gold"],
)
claim(
    "numbers, Luong's two seeds: the first character of the gold word changes the output less than half as often as "
    "the gold weights spread over the whole word",
    all(changed["numbers", name, "first"] < changed["numbers", name, "gold"] / 2 for name in ["luong-dot s0", "luong-dot s1"]),
)
claim(
    "the dot model's outputs survive the gold weights although its own arg-max misses the gold digit at >= 0.2 of the steps",
    changed["dates", "dot s0", "gold"] <= 0.05 and 1 - table["dot s0"]["accuracy"] >= 0.2,
)

# %% [markdown]
# What the numbers support, in both directions:
#
# - **The weights matter.** Spread them evenly, or move the model's own values to other positions, and about half the digits or more change (against no change at all if the output ignored $c_i$). So the weights are not decoration: the output depends on where they are.
# - **On dates, the gold alignment is enough, almost.** Put the weight on the gold digit, and the output stays what it was at 97 steps in 100 or more, for all three models: the context $c_i$ built from the gold position carries the digit the model writes. This holds for the dot model too, whose own arg-max misses the gold digit at a quarter of the steps: its weight on the neighbour $j \pm 1$ and the gold weight on $j$ lead to the same output. It holds for Luong's architecture, whose $c_t$ passes through $\tilde{h}_t$ before the output. On numbers the gold weights change more for the additive model (7 steps in 100): they spread evenly over a whole word, where the model itself looks at one or two of its characters.
# - **On numbers, not for every model.** For Luong's numbers models the gold weights change the output at 0.43 and 0.26 of the steps (seeds 0 and 1), far more than for the additive model, although their own arg-max lies inside the gold word at 0.77 and 0.87 of the steps. The last two columns say why: put all the weight on the *first* character of the gold word and the output changes at only 0.08 and 0.07 of the steps, as for the additive model; on its *last* character, at 0.81 and 0.68. These models read a word at its first character, and an average over the whole word is not what they read. (The additive model also needs the first character: its last changes 0.54 of the outputs.) So "the gold alignment" is a sufficient explanation only when it is drawn at the right grain: the whole word is too coarse for Luong's models, and its first character is enough for the three numbers models tested.
# - **What it does not show.** That a *different* map could not give the same output: the dot model's maps and the gold maps differ and both work, so one heat map is one sufficient explanation, not *the* explanation. And these are single-step changes under forced decoding, one seed per model (two for Luong's numbers models), not whole greedy outputs.


# %% [markdown]
# ## 7. Luong's architecture
#
# Notebook 09 put Luong's *scores* inside Bahdanau's decoder, which scores the encoder states with the *previous* decoder state $s_{i-1}$ before the RNN step. Luong et al. (2015, section 3) order the step the other way. At output step $t$ (the same $i$ as before):
#
# 1. the RNN runs first, fed the previous output and the previous attentional state (*input feeding*, section 3.3): $s_t = \mathrm{GRU}([E y_{t-1}; \tilde{h}_{t-1}], s_{t-1})$;
# 2. the attention scores the encoder states with this *current* state, $e_{tj} = s_t^\top h_j$ for the dot score, and $c_t = \sum_j \alpha_{tj} h_j$;
# 3. the context and the state are joined into the attentional state
#
# $$\tilde{h}_t = \tanh(W_c [c_t; s_t]),$$
#
# 4. which alone feeds the output, $p(y_t) = \mathrm{softmax}(W_s \tilde{h}_t)$.
#
# With $c_t$ of size $C$ and $s_t$ of size $H$, $W_c$ is $(H, C + H)$, no bias. The dot score $s_t^\top h_j$ needs $s_t$ and $h_j$ of the same size: the package's Luong decoder takes $H = C$, twice the encoder's hidden size (128 here), so the score has no parameters at all, and refuses a dot score between sizes that differ. Luong used LSTMs and a unidirectional encoder; ours keeps the course's GRUs and bidirectional encoder, so that only the order of the step differs from Bahdanau's.
#
# `get_config(decoder="luong", attention="dot")` builds it (`"general"` and `"concat"` too); the step, from `rnn_attention/models/luong.py`:
#
# ```python
# dec_state = self.rnn(torch.cat([embedded, h_tilde], dim=-1), dec_state)       # s_t = GRU([E y_{t-1}; h~_{t-1}], s_{t-1})
# context, attn_weights = self.attention(dec_state, enc_outputs, src_mask, ...)  # c_t from the current s_t
# h_tilde = torch.tanh(self.W_c(torch.cat([context, dec_state], dim=-1)))      # h~_t = tanh(W_c [c_t; s_t])
# logits = self.output(h_tilde)                                                 # W_s h~_t
# ```
#
# Check by hand: $c_t = (1, 0)$, $s_t = (0, 1)$, $W_c = \begin{pmatrix} 1 & 0 & 0 & 2 \\ 0 & 0 & 0 & 0 \end{pmatrix}$: $W_c [c_t; s_t] = (1 + 2, 0)$ and $\tilde{h}_t = (\tanh 3, 0) = (0.9951, 0)$.

# %%
c_t, s_t = torch.tensor([[1.0, 0.0]]), torch.tensor([[0.0, 1.0]])
W_c = torch.tensor([[1.0, 0.0, 0.0, 2.0], [0.0, 0.0, 0.0, 0.0]])
h_tilde = torch.tanh(torch.cat([c_t, s_t], dim=-1) @ W_c.T)
print(h_tilde)
claim(
    "the pencil attentional state is (tanh 3, 0) = (0.9951, 0)",
    torch.allclose(h_tilde, torch.tensor([[0.9951, 0.0]]), atol=1e-4),
)

# %% [markdown]
# **Exercise 13.2.** Write `attentional_state(context, previous_state, state, W_c)` for a batch: `context` is $c_t$, `(B, C)`; `previous_state` is $s_{t-1}$ and `state` is $s_t$, both `(B, H)`; `W_c` is `(H, C + H)`. Return $\tilde{h}_t$, `(B, H)`. (One of the two states is not needed: which?)


# %%
def attentional_state(context, previous_state, state, W_c):
    """h~_t = tanh(W_c [c_t; s_t]): (B, C), (B, H), (B, H), (H, C + H) -> (B, H)."""
    # BEGIN SOLUTION
    # HINT: which state has Luong's decoder just computed when it builds h~_t? In which order are c_t and s_t joined?
    return torch.tanh(torch.cat([context, state], dim=-1) @ W_c.T)
    # END SOLUTION


check_attentional_state(attentional_state)


# %% [markdown]
# **Exercise 13.3.** Now one whole step of the package's Luong decoder, from its pieces. Write `luong_step(decoder, y_prev, s_prev, h_tilde_prev, enc_outputs, src_mask)`: `decoder` is a `LuongDecoder` with the dot score; `y_prev` `(B,)` the previous tokens, `s_prev` and `h_tilde_prev` `(B, H)` the previous state and attentional state, `enc_outputs` `(B, S, H)` the $h_j$, `src_mask` `(B, S)`. Use `decoder.embedding`, `decoder.rnn` (a `GRUCell`), `decoder.attention(query, enc_outputs, src_mask)` (returns `(context, weights)`), `decoder.W_c` and `decoder.output` ($W_s$). Return `(logits, s_t, h_tilde_t)`.


# %%
def luong_step(decoder, y_prev, s_prev, h_tilde_prev, enc_outputs, src_mask):
    """One step of Luong's decoder: (logits (B, V), s_t (B, H), h~_t (B, H))."""
    # BEGIN SOLUTION
    # HINT: the order is RNN, then attention with the new state, then h~_t; what joins E y_{t-1} at the RNN's input?
    s = decoder.rnn(torch.cat([decoder.embedding(y_prev), h_tilde_prev], dim=-1), s_prev)  # s_t
    context, _ = decoder.attention(s, enc_outputs, src_mask)  # c_t from s_t
    h_tilde = torch.tanh(decoder.W_c(torch.cat([context, s], dim=-1)))  # h~_t = tanh(W_c [c_t; s_t])
    return decoder.output(h_tilde), s, h_tilde
    # END SOLUTION


check_luong_step(luong_step)

# %% [markdown]
# ## 8. Luong against Bahdanau
#
# The two decoders differ in *which state scores when*. In Bahdanau's step the attention comes first and reads $s_{i-1}$, the state before the step has seen $y_{i-1}$; in Luong's the RNN comes first, so the scores read $s_t$, which has already taken in $y_{t-1}$ (and, through input feeding, where the previous step looked). The picture: one step of each, the state that scores in red.


# %%
def draw_step(ax, boxes, title):
    """A row of boxes joined by arrows; the box whose name is in red scores the h_j."""
    ax.set_xlim(-0.5, len(boxes) - 0.5)
    ax.set_ylim(-1, 1)
    ax.axis("off")
    ax.set_title(title, loc="left")
    for k, (text, scores) in enumerate(boxes):
        ax.text(
            k, 0, text, ha="center", va="center", fontsize=10,
            bbox=dict(boxstyle="round", facecolor="mistyrose" if scores else "whitesmoke",
                      edgecolor="red" if scores else "grey", linewidth=2 if scores else 1),
        )
        if k:
            ax.annotate("", xy=(k - 0.42, 0), xytext=(k - 0.58, 0), arrowprops=dict(arrowstyle="->"))


fig, axes = plt.subplots(2, 1, figsize=(14, 3.6))
draw_step(axes[0], [
    ("$s_{i-1}$\n(before the step)", True), ("$e_{ij} = a(s_{i-1}, h_j)$\n$\\alpha_i$, $c_i$", False),
    ("GRU: $s_i$\nfrom $E y_{i-1}$, $c_i$", False), ("$W_o [s_i; c_i; E y_{i-1}]$", False), ("$y_i$", False),
], "Bahdanau: score, then step")
draw_step(axes[1], [
    ("$s_{t-1}$, $\\tilde{h}_{t-1}$", False), ("GRU: $s_t$\nfrom $E y_{t-1}$, $\\tilde{h}_{t-1}$", False),
    ("$s_t$\n(after the step)", True), ("$e_{tj} = s_t^\\top h_j$\n$\\alpha_t$, $c_t$", False),
    ("$\\tilde{h}_t = \\tanh(W_c [c_t; s_t])$", False), ("$W_s \\tilde{h}_t$, $y_t$", False),
], "Luong: step, then score (input feeding: $\\tilde{h}_t$ joins the next input)")
fig.tight_layout()
plt.show()

# %% [markdown]
# Same data, same recipe, two seeds each: on dates notebook 06's (600 steps, batch 64), on numbers notebook 08's (1500 steps, batch 64). Luong's decoder state is twice as large as Bahdanau's (the size of one $h_j$: 128 numbers on dates where Bahdanau's is 64, 256 on numbers where it is 128), so its GRU costs more, while its dot score has no parameters. The time per step is measured here, side by side on this machine: one training step (forward and backward, teacher forcing) and one greedy decoding step, on the same batch of 64 test pairs, the models taking turns, the median of 9 rounds.

# %% tags=["nbval-ignore-output"]
import time


def time_per_step(model, batch):
    """(training, greedy decoding) seconds per output step on one batch."""
    model.train()
    start = time.perf_counter()
    logits = model(batch.src, batch.src_lengths, batch.tgt_in)  # (B, T, V)
    torch.nn.functional.cross_entropy(logits.transpose(1, 2), batch.tgt_out, ignore_index=0).backward()
    train = (time.perf_counter() - start) / batch.tgt_in.shape[1]
    model.zero_grad()
    model.eval()
    start = time.perf_counter()
    tokens, _ = model.greedy_decode(batch.src, batch.src_lengths, max_len=batch.tgt_in.shape[1])
    return train, (time.perf_counter() - start) / tokens.shape[1]


COMPARED = ["additive s0", "additive s1", "luong-dot s0", "luong-dot s1"]
ARCHITECTURES = {  # task: (its models, its table, one batch of 64 test pairs)
    "dates": (models, table, make_batch(test_pairs[:64], vocabs)),
    "numbers": (number_models, number_table, make_batch(number_pairs[:64], number_models["additive s0"].vocabs)),
}
timing, params = {}, {}
for task, (task_models, task_table, timing_batch) in ARCHITECTURES.items():
    rounds = {name: [] for name in COMPARED}
    for _ in range(9):
        for name in COMPARED:
            rounds[name].append(time_per_step(task_models[name].model, timing_batch))
    print(f"{task}:")
    print(f"{'model':>14} {'params':>8} {'exact match':>12} {'AER':>7} {'accuracy':>9} {'train ms/step':>14} {'decode ms/step':>15}")
    for name in COMPARED:
        timing[task, name] = [sorted(r[k] for r in rounds[name])[4] for k in range(2)]
        params[task, name] = sum(p.numel() for p in task_models[name].model.parameters())
        row = task_table[name]
        print(
            f"{name:>14} {params[task, name]:8d} {row['exact match']:12.3f} {row['AER']:7.3f} {row['accuracy']:9.3f}"
            f" {1000 * timing[task, name][0]:14.2f} {1000 * timing[task, name][1]:15.2f}"
        )
    result(
        f"13 {task}, Luong against Bahdanau (median time per step on one batch of 64)",
        profile=course_profile(),
        machine=describe_machine("cpu", torch.get_num_threads()),
        **{
            f"{name.replace('-', '_').replace(' ', '_')}_{key}_ms_per_step": round(1000 * timing[task, name][k], 2)
            for name in COMPARED
            for k, key in enumerate(["train", "decode"])
        },
    )


# %%
def mean_of(task, names, k):
    return sum(timing[task, name][k] for name in names) / len(names)


bahdanau_names, luong_names = ["additive s0", "additive s1"], ["luong-dot s0", "luong-dot s1"]
for task, (_, task_table, _) in ARCHITECTURES.items():
    claim(
        f"{task}: Luong's model has 1.8 to 2.1 times the parameters of Bahdanau's additive model (its state is twice as large)",
        1.8 * params[task, "additive s0"] <= params[task, "luong-dot s0"] <= 2.1 * params[task, "additive s0"],
    )
    claim(
        f"{task}: yet a training step and a decoding step of Luong's model cost less than twice Bahdanau's (medians, two seeds each)",
        all(mean_of(task, luong_names, k) < 2 * mean_of(task, bahdanau_names, k) for k in (0, 1)),
    )
    claim(
        f"{task}: Luong's two seeds write >= 0.99 of the test set exactly, as Bahdanau's additive seeds do",
        min(task_table[name]["exact match"] for name in luong_names + bahdanau_names) >= 0.99,
    )

# %% [markdown]
# On the same data and budget, the two architectures translate equally well on both tasks (dates: 0.998 and 0.999 exact match for Luong's, 1.000 for Bahdanau's additive model; numbers: 0.997 for both of Luong's seeds, 0.998 and 0.999 for the additive model). They align about equally well: on dates Luong's accuracy spans 0.878 to 0.957 over its two seeds and the additive model's 0.914 to 0.955; on numbers 0.772 to 0.874 against 0.852 to 0.878. On both tasks the ranges overlap. Luong's model has about twice the parameters (its state is twice as large); its dot score has none. Its time per step is printed above for the machine that ran this notebook: a training step and a decoding step cost less than twice Bahdanau's, on both tasks. (On a busy machine these timings move from run to run; rerun the cell to see how much.) Notebook 06's point holds for both architectures: the scores, whichever state they read, give one weight per source position, for any number of positions.
#
# The same test date under the two architectures (seed 0):

# %%
fig, axes = plt.subplots(1, 2, figsize=(13, 4.5))
for ax, name in zip(axes, ["additive s0", "luong-dot s0"]):
    plot_with_gold(kind_weights[name][index], gold[index], source, target, ax=ax, title=f"{name} (red: gold)")
fig.tight_layout()
plt.show()

# %% [markdown]
# Every test date under four models: move the **test sentence** slider and pick a **model**. The red boxes are the gold cells; a white o marks an arg-max inside its gold set, a white x one outside it.

# %% tags=["nbval-ignore-output"]
MAP_MODELS = ["additive s0", "dot s0", "location_aware s0", "luong-dot s0"]
explorer = gold_map_widget({name: kind_weights[name] for name in MAP_MODELS}, test_pairs, gold, initial_index=index)
explorer

# %% [markdown]
# Driven from code (`trying()` puts the controls back afterwards): the date above under each model.

# %%
with explorer.trying():
    for name in MAP_MODELS:
        explorer.model.value = name
        print(explorer.state["text"])

# %% [markdown]
# ## 9. Questions to think about
#
# 1. A model links every step to exactly one position. What is the lowest AER it can reach on a date whose month is written as a six-letter word? (Count $|A|$, $|G|$ and $|A \cap G|$ for the two month digits alone.)
# 2. Why does forced decoding make the AER of two models comparable, when greedy decoding would not?
# 3. In Luong's order the attention uses $s_t$; in Bahdanau's, $s_{i-1}$. Which of the two can use the character just written when it chooses where to look?
# 4. Two seeds of the same model disagree on some arg-max positions. What would you need to see before saying that one *score* aligns better than another, rather than one trained network?

# %% [markdown]
# ## Key points
#
# - Generated tasks give the gold alignment for free: `gold_alignments` rebuilds it from the generators (CLDR patterns, `num2words`), digit by digit or field by field, with the German units-before-tens crossing.
# - With sure = possible = gold, $\mathrm{AER} = 1 - 2|A \cap G| / (|A| + |G|)$: 0 for a perfect alignment, 1 for a disjoint one; it is one minus the F-measure, not one minus the precision. The alignment accuracy counts the steps whose arg-max lies in the gold set.
# - Measure under forced decoding (Luong et al. 2015, section 5.4) and leave out the EOS row and the steps no source character writes.
# - Twelve converged dates models write 99 dates in 100 or more exactly, and their alignment accuracy runs from 0.74 to 0.97; ten numbers models write 98 numbers in 100 or more, and theirs runs from 0.23 to 0.94: exact match does not tell how well a model aligns. On dates most misses are one position off.
# - Two seeds are the baseline (Wiegreffe and Pinter 2019): the additive-over-dot gap of 0.22 at seed 0 is 0.01 at seed 1, and on dates no two models' maps differ more than two seeds of one model do. On numbers the kind of attention can decide the map (location weights find the gold word at 0.4 of the steps and still write 99 numbers in 100), and for the dot and location-aware scores the seed decides it: location-aware attention finds the gold word at 0.23 in one seed and 0.94 in the other.
# - Replacing the weights of one step changes the output: uniform or permuted weights change about half the digits or more, the gold weights few (up to 3 in 100 on dates, 7 in 100 for the additive model on numbers). The weights matter, and there the gold alignment is a sufficient one; it is not the only one. For Luong's numbers models the gold weights spread over a word are not even sufficient (26 to 43 changes in 100); all the weight on the word's first character is (7 to 8 in 100).
# - Luong's decoder runs the RNN first, scores with the current state $s_t$ and feeds $\tilde{h}_t = \tanh(W_c [c_t; s_t])$ to the output and to the next input. On dates and on numbers it translates and aligns as well as Bahdanau's additive model, within the seeds' spread; with the same dot score, Bahdanau's decoder finds the gold word on numbers at only 0.32 to 0.34 of the steps.
#
# ## Outlook: not measured here
#
# - **Why Luong's dot score aligns on numbers and Bahdanau's does not**: the two differ in the order of the step, the state size and the projection $P$; one model per difference would tell them apart.
# - **Why the first character of a word**: the backward half of the encoder state at a word's first character has read the whole word, which would make it the one state that knows the word; a test would replace $h_j$'s two halves separately.
# - **Perturbation** of whole greedy outputs (not one step under forced decoding), and at several steps at once.
# - **More seeds**: two per model give a first baseline, not a distribution.
#
# ## References
#
# - F. J. Och, H. Ney (2003). *A Systematic Comparison of Various Statistical Alignment Models.* Computational Linguistics 29(1). (AER with sure and possible links, section 6.)
# - M.-T. Luong, H. Pham, C. D. Manning (2015). *Effective Approaches to Attention-based Neural Machine Translation.* EMNLP. arXiv:1508.04025. (The attentional state and input feeding, section 3; AER under forced decoding, section 5.4.)
# - D. Bahdanau, K. Cho, Y. Bengio (2015). *Neural Machine Translation by Jointly Learning to Align and Translate.* ICLR. arXiv:1409.0473.
# - J. Chorowski, D. Bahdanau, D. Serdyuk, K. Cho, Y. Bengio (2015). *Attention-Based Models for Speech Recognition.* NeurIPS. arXiv:1506.07503. (Location-aware attention.)
# - S. Jain, B. C. Wallace (2019). *Attention is not Explanation.* NAACL. arXiv:1902.10186.
# - S. Wiegreffe, Y. Pinter (2019). *Attention is not not Explanation.* EMNLP. arXiv:1908.04626. (Seed variance as a baseline, section 4.2.)
