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
# **Time:** about 30 minutes. Nothing is trained: the model of notebook 06 and the four models of notebook 09 are the course's reference models (`reference/`), loaded in seconds; executing the whole notebook takes about 2 minutes on a 2-core CPU, most of it forced decoding of the test set.
#
# **Questions**
# - For a date or a number, which input characters does each output character come from?
# - How do we score an attention map against that answer, with one number?
# - Does the model that translates best also align best?
# - If we replace the model's weights at one step, does its output change?
# - In Luong's decoder, which state does the attention use, and what feeds the output?
#
# **Learning goals.** After this notebook you can
# 1. read the gold alignment of a pair of every task, including the crossing of German numbers and a month written as a word;
# 2. compute the alignment error rate (AER) of Och and Ney (2003) and an alignment accuracy, by hand and in code;
# 3. measure, under forced decoding, how well a trained model's weights agree with the gold alignment, field by field;
# 4. compare the scores of notebook 09 on exact match and on AER, and say what the comparison does and does not show;
# 5. test the weights as an explanation by replacing them (uniform, permuted, gold) for one step and counting the changed outputs;
# 6. write Luong's attentional state $\tilde{h}_t = \tanh(W_c [c_t; s_t])$ and say which state it uses.
#
# **You need:** notebooks 06 (the trained model), 07 (heat maps, the arg-max of a row) and 09 (the other scores).

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
from rnn_attention.exercises import check_alignment_error_rate, check_attentional_state
from rnn_attention.plotting import plot_attention
from rnn_attention.train import get_config, load_or_train

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
# ## 5. The scores of notebook 09: translating against aligning
#
# Notebook 09 trained four scores in Bahdanau's decoder with the same recipe (600 steps); the additive model is notebook 06's. Their exact match and their AER (character level), side by side, with the share of misses that are one position off:

# %% tags=["nbval-ignore-output"]
KINDS = ["additive", "concat", "dot", "general"]
table, kind_weights, models = {}, {}, {}
for kind in KINDS:
    cfg_kind = get_config(task="dates", attention=kind, progress=False)  # notebook 09's models
    run_kind = load_or_train(cfg_kind)
    w = kind_weights[kind] = forced_attention(run_kind.model, test_pairs, run_kind.vocabs)
    table[kind] = {
        "exact match": run_kind.info["exact_match"],
        "AER": alignment_error_rate(w, gold),
        "accuracy": alignment_accuracy(w, gold),
        "field accuracy": alignment_accuracy(w, gold_fields),
        "misses one off": adjacent_share(w, gold),
    }
    models[kind] = run_kind
print(f"{'score':>9} {'exact match':>12} {'AER':>7} {'accuracy':>9} {'field acc.':>11} {'misses one off':>15}")
for kind, row in table.items():
    print(
        f"{kind:>9} {row['exact match']:12.3f} {row['AER']:7.3f} {row['accuracy']:9.3f} {row['field accuracy']:11.3f}"
        f" {row['misses one off']:15.3f}"
    )
result(
    "13 dates, alignment of four scores (forced decoding)",
    profile=course_profile(),
    machine=describe_machine(models["additive"].info["device"], cfg.num_threads),
    steps=models["additive"].info["steps"],
    **{
        f"{kind}_{key}": round(table[kind][name], 4)
        for kind in KINDS
        for key, name in [("aer", "AER"), ("alignment_accuracy", "accuracy"), ("exact_match", "exact match")]
    },
)

# %%
claim(
    "concat's row equals additive's and general's equals dot's (the same networks, notebook 09)",
    table["concat"] == table["additive"] and table["general"] == table["dot"],
)
claim(
    "the four exact matches lie within 0.02 of each other",
    max(row["exact match"] for row in table.values()) - min(row["exact match"] for row in table.values()) <= 0.02,
)
claim(
    "the additive model aligns better than the dot model: AER lower by >= 0.1, accuracy higher by >= 0.15",
    table["additive"]["AER"] <= table["dot"]["AER"] - 0.1
    and table["additive"]["accuracy"] >= table["dot"]["accuracy"] + 0.15,
)
claim(
    "at least 0.8 of the dot model's misses are one position off the gold digit",
    table["dot"]["misses one off"] >= 0.8,
)

# %% [markdown]
# Four rows, two models: concat is the additive network and general the dot network with the same parameters from the start (notebook 09, section 2), so their rows are identical to the last digit. Between the two networks, the exact matches differ by less than one point (1.000 and 0.991) and the alignments by far more: the dot model's arg-max leaves the gold digit at about one step in four, and the additive model's at about one in twenty. **The model that translates a little better aligns much better here, but exact match does not predict the alignment**: a model can write every digit right while its arg-max sits beside the digit it copies. Almost all the dot model's misses are one position off: the bidirectional encoder's state $h_{j \pm 1}$ also knows the character at $j$, so weight on the neighbour can carry the same digit.
#
# What the table cannot show: one seed per model, so we do not know how much of the difference is the score and how much the seed (Wiegreffe and Pinter 2019 compare maps across seeds for this reason). Two seeds per score are left for later (see the outlook). The same pair under the two networks:

# %% [markdown]
# %%
fig, axes = plt.subplots(1, 2, figsize=(13, 4.5))
for ax, kind in zip(axes, ["additive", "dot"]):
    plot_with_gold(kind_weights[kind][index], gold[index], source, target, ax=ax, title=f"{kind} (red: gold)")
fig.tight_layout()
plt.show()

# %% [markdown]
# Both models write this date right. The additive model's year and day sit on their gold cells; the dot model reads the first 2 of the year off the 0 beside it and the month's 0 off the full stop after the month word, one position off each time, as the table's last column says most of its misses are.

# %% [markdown]
# ## 6. Is attention an explanation? Replace the weights and watch the output
#
# A heat map is read as "the model wrote this digit *because* it looked there". Jain and Wallace (2019) tested such readings by changing the weights and checking whether the prediction moves; Wiegreffe and Pinter (2019) answered that the test must keep the rest of the model fixed and be compared with baselines. Our decoder makes the test exact. Under forced decoding, at one target step $i$ we replace $\alpha_i$ by other weights $\alpha'_i$, recompute $c_i = \sum_j \alpha'_{ij} h_j$, keep everything else, and ask whether the arg-max output at step $i$ changes. Three replacements:
#
# - **uniform**: $\alpha'_{ij} = 1 / T_x$, the average of the encoder states;
# - **permuted**: the model's own weights, shuffled over the positions (the same values, elsewhere);
# - **gold**: weight spread evenly over the gold set of step $i$ (one-hot on a digit, the whole word for a month name).
#
# If the output ignored the weights, nothing would change. If the weights were the explanation and the gold alignment the right one, the gold weights would keep the output. We test the 8 digit steps of 500 test pairs (the `-` have no gold set), one step at a time, for the two networks of section 5.


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


def gold_weights(pairs_gold, step):
    def replace(weights, mask):
        out = torch.zeros_like(weights)
        for b, pair_gold in enumerate(pairs_gold):
            out[b, sorted(pair_gold[step])] = 1.0 / len(pair_gold[step])
        return out

    return replace


# %% tags=["nbval-ignore-output"]
SHUFFLE.manual_seed(0)
perturb_pairs, perturb_gold = test_pairs[:500], gold[:500]
STEPS = [i for i in range(len(perturb_pairs[0][1])) if all(g[i] for g in perturb_gold)]  # the digit steps
changed = {}
for kind in ["additive", "dot"]:
    run_kind = models[kind]
    base = outputs_with(run_kind.model, perturb_pairs, run_kind.vocabs)
    for name in ["uniform", "permuted", "gold"]:
        n_changed = 0
        for step in STEPS:
            replace = gold_weights(perturb_gold, step) if name == "gold" else {"uniform": uniform, "permuted": permuted}[name]
            out = outputs_with(run_kind.model, perturb_pairs, run_kind.vocabs, step, replace)
            n_changed += int((out[:, step] != base[:, step]).sum())
        changed[kind, name] = n_changed / (len(perturb_pairs) * len(STEPS))
print(f"share of digit steps whose output changes ({len(perturb_pairs)} pairs x {len(STEPS)} steps)")
print(f"{'model':>9} {'uniform':>8} {'permuted':>9} {'gold':>6}")
for kind in ["additive", "dot"]:
    print(f"{kind:>9} {changed[kind, 'uniform']:8.3f} {changed[kind, 'permuted']:9.3f} {changed[kind, 'gold']:6.3f}")

# %%
for kind in ["additive", "dot"]:
    claim(
        f"{kind}: uniform weights change the output at >= 0.4 of the digit steps, permuted ones at >= 0.5",
        changed[kind, "uniform"] >= 0.4 and changed[kind, "permuted"] >= 0.5,
    )
    claim(f"{kind}: the gold weights change it at <= 0.05 of them", changed[kind, "gold"] <= 0.05)
claim(
    "the dot model's outputs survive the gold weights although its own arg-max misses the gold digit at >= 0.2 of the steps",
    changed["dot", "gold"] <= 0.05 and 1 - table["dot"]["accuracy"] >= 0.2,
)

# %% [markdown]
# What the numbers support, in both directions:
#
# - **The weights matter.** Spread them evenly, or move the model's own values to other positions, and about half the digits or more change (against no change at all if the output ignored $c_i$). So the weights are not decoration: the output depends on where they are.
# - **The gold alignment is enough.** Put the weight on the gold digit, and the output stays what it was at almost every step: the context $c_i$ built from the gold position carries the digit the model writes. This holds for the dot model too, whose own arg-max misses the gold digit at a quarter of the steps: its weight on the neighbour $j \pm 1$ and the gold weight on $j$ lead to the same output.
# - **What it does not show.** That a *different* map could not give the same output: the dot model's maps and the gold maps differ and both work, so one heat map is one sufficient explanation, not *the* explanation. And these are two models of one task with one seed each, and single-step changes under forced decoding, not whole greedy outputs.

# %% [markdown]
# ## 7. Luong's attentional state
#
# Notebook 09 put Luong's *scores* inside Bahdanau's decoder (and so did every model above), which scores the encoder states with the *previous* decoder state $s_{i-1}$ before the RNN step. Luong et al. (2015, section 3) order the step the other way: the RNN runs first, giving $s_t$; the attention scores the encoder states with this *current* state; the context $c_t$ and $s_t$ are joined into the attentional state
#
# $$\tilde{h}_t = \tanh(W_c [c_t; s_t]),$$
#
# which feeds the output softmax, $p(y_t) = \mathrm{softmax}(W_s \tilde{h}_t)$, and (input feeding) joins the next step's input. With $c_t$ of size $C$ and $s_t$ of size $H$, $W_c$ is $(H, C + H)$, no bias.
#
# The package does not build Luong's decoder yet, so this notebook does not measure it: its exact match, its AER and its time per step against Bahdanau's are left for later (see the outlook). Here we compute its attentional state by hand and in code.
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
# ## 8. Questions to think about
#
# 1. A model links every step to exactly one position. What is the lowest AER it can reach on a date whose month is written as a six-letter word? (Count $|A|$, $|G|$ and $|A \cap G|$ for the two month digits alone.)
# 2. Why does forced decoding make the AER of two models comparable, when greedy decoding would not?
# 3. In Luong's order the attention uses $s_t$; in Bahdanau's, $s_{i-1}$. Which of the two can use the character just written when it chooses where to look?

# %% [markdown]
# ## Key points
#
# - Generated tasks give the gold alignment for free: `gold_alignments` rebuilds it from the generators (CLDR patterns, `num2words`), digit by digit or field by field, with the German units-before-tens crossing.
# - With sure = possible = gold, $\mathrm{AER} = 1 - 2|A \cap G| / (|A| + |G|)$: 0 for a perfect alignment, 1 for a disjoint one; it is one minus the F-measure, not one minus the precision. The alignment accuracy counts the steps whose arg-max lies in the gold set.
# - Measure under forced decoding (Luong et al. 2015, section 5.4) and leave out the EOS row and the steps no source character writes.
# - On dates, notebook 06's additive model finds the gold digit at about 19 steps in 20 and the dot model at about 3 in 4, with exact matches within one point: exact match does not tell how well a model aligns. Most misses are one position off. With one seed per model, this compares two trained networks, not two scores in general.
# - Replacing the weights of one step changes the output: uniform or permuted weights change about half the digits or more, the gold weights almost none, for both networks. The weights matter, and the gold alignment is a sufficient one; a model whose arg-max sits beside the gold digit writes the same digits from it.
# - Luong's decoder runs the RNN first and feeds $\tilde{h}_t = \tanh(W_c [c_t; s_t])$, built from the current state, to the output.
#
# ## Outlook: not measured here
#
# Issue 21 asks for more than this notebook measures yet:
#
# - **Luong's architecture** (`get_config(decoder="luong")`: the RNN step first, $\tilde{h}_t$, input feeding) is not in the package; its exact match, AER and time per step against Bahdanau's decoder are not measured.
# - **Seeds**: one seed per model. Wiegreffe and Pinter's baseline, how much two seeds of the same model disagree in their maps, is not measured, so the AER gap of section 5 is not separated from seed variance.
# - **Numbers** and **location-aware attention**: the tables are on dates only, for the additive and dot networks; the German units-before-tens crossing is in the gold alignment (section 2) but no model is scored on it.
# - **Perturbation** of whole greedy outputs (not one step under forced decoding), and at several steps at once.
#
# ## References
#
# - F. J. Och, H. Ney (2003). *A Systematic Comparison of Various Statistical Alignment Models.* Computational Linguistics 29(1). (AER with sure and possible links, section 6.)
# - M.-T. Luong, H. Pham, C. D. Manning (2015). *Effective Approaches to Attention-based Neural Machine Translation.* EMNLP. arXiv:1508.04025. (The attentional state and input feeding, section 3; AER under forced decoding, section 5.4.)
# - D. Bahdanau, K. Cho, Y. Bengio (2015). *Neural Machine Translation by Jointly Learning to Align and Translate.* ICLR. arXiv:1409.0473.
# - S. Jain, B. C. Wallace (2019). *Attention is not Explanation.* NAACL. arXiv:1902.10186.
# - S. Wiegreffe, Y. Pinter (2019). *Attention is not not Explanation.* EMNLP. arXiv:1908.04626.
