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
# **Time:** about 30 minutes. Nothing new is trained: the model of notebook 06 and the four models of notebook 09 are loaded from `runs/` (if they are not there, `load_or_train` trains them, 1-3 minutes on a CPU).
#
# **Questions**
# - For a date or a number, which input characters does each output character come from?
# - How do we score an attention map against that answer, with one number?
# - Does the model that translates best also align best?
# - In Luong's decoder, which state does the attention use, and what feeds the output?
#
# **Learning goals.** After this notebook you can
# 1. read the gold alignment of a pair of every task, including the crossing of German numbers and a month written as a word;
# 2. compute the alignment error rate (AER) of Och and Ney (2003) and an alignment accuracy, by hand and in code;
# 3. measure, under forced decoding, how well a trained model's weights agree with the gold alignment, field by field;
# 4. compare the scores of notebook 09 on exact match and on AER, and say what the comparison does and does not show;
# 5. write Luong's attentional state $\tilde{h}_t = \tanh(W_c [c_t; s_t])$ and say which state it uses.
#
# **You need:** notebooks 06 (the trained model), 07 (heat maps, the arg-max of a row) and 09 (the other scores).

# %% [markdown]
# ## 1. Set-up
#
# The same configurations as notebooks 06 and 09, so `load_or_train` finds their checkpoints.

# %% tags=["nbval-ignore-output"]
import matplotlib.pyplot as plt
import torch

from rnn_attention.alignment import forced_attention
from rnn_attention.claims import claim
from rnn_attention.data import gold_alignments, load_split
from rnn_attention.environment import setup
from rnn_attention.evaluate import alignment_accuracy, alignment_error_rate
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
    "06's model puts its arg-max inside the gold field more often than a random position would hit one digit",
    scores["field"][1] > chance,
)
claim(
    "the field-level accuracy is at least the character-level one (a field contains its digits)",
    scores["field"][1] >= scores["character"][1],
)

# %% [markdown]
# Field by field: the year, the month and the day. Which one does the model find best?

# %%
FIELDS = {"year": range(0, 4), "month": range(5, 7), "day": range(8, 10)}
by_field = {}
for name, steps in FIELDS.items():
    only = [[g if t in steps else set() for t, g in enumerate(pair_gold)] for pair_gold in gold_fields]
    by_field[name] = alignment_accuracy(weights, only)
    print(f"{name:>5}: alignment accuracy {by_field[name]:.3f}")
best_field = max(by_field, key=by_field.get)
claim(
    f"of the three fields, the {best_field} has the highest alignment accuracy ({by_field[best_field]:.3f})",
    all(by_field[best_field] >= v for v in by_field.values()),
)

# %% [markdown]
# A picture: the forced-decoding map of one test pair, with the gold cells outlined.


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
# Notebook 09 trained four scores in Bahdanau's decoder with the same budget. Their exact match and their AER, side by side:

# %% tags=["nbval-ignore-output"]
KINDS = ["additive", "concat", "dot", "general"]
table = {}
for kind in KINDS:
    cfg_kind = get_config(task="dates", attention=kind, progress=False)  # notebook 09's models
    run_kind = load_or_train(cfg_kind)
    w = forced_attention(run_kind.model, test_pairs, run_kind.vocabs)
    table[kind] = {
        "exact match": run_kind.info["exact_match"],
        "AER": alignment_error_rate(w, gold),
        "accuracy": alignment_accuracy(w, gold),
        "field accuracy": alignment_accuracy(w, gold_fields),
    }
print(f"{'score':>9} {'exact match':>12} {'AER':>7} {'accuracy':>9} {'field acc.':>11}")
for kind, row in table.items():
    print(
        f"{kind:>9} {row['exact match']:12.3f} {row['AER']:7.3f} {row['accuracy']:9.3f} {row['field accuracy']:11.3f}"
    )

# %%
best_translator = max(table, key=lambda k: table[k]["exact match"])
best_aligner = min(table, key=lambda k: table[k]["AER"])
same = best_translator == best_aligner
claim(
    f"the score with the best exact match ({best_translator}) {'is' if same else 'is not'} the one with the lowest AER ({best_aligner})",
    table[best_translator]["exact match"] == max(row["exact match"] for row in table.values())
    and table[best_aligner]["AER"] == min(row["AER"] for row in table.values()),
)
order_em = sorted(table, key=lambda k: -table[k]["exact match"])
order_aer = sorted(table, key=lambda k: table[k]["AER"])
claim(
    f"ranked by exact match: {', '.join(order_em)}; ranked by AER (lowest first): {', '.join(order_aer)}",
    all(table[a]["AER"] <= table[b]["AER"] for a, b in zip(order_aer, order_aer[1:]))
    and all(table[a]["exact match"] >= table[b]["exact match"] for a, b in zip(order_em, order_em[1:])),
)

# %% [markdown]
# What the table can show: whether, on this task and budget, the four scores find the same fields. What it cannot: one seed per score, so a difference of a few points in AER may be the seed, not the score (Wiegreffe and Pinter 2019 compare maps across seeds for exactly this reason). And a model can translate well while its arg-max sits beside the digit it copies: the encoder's state at position $j$ also knows its neighbours, so "looking at" $j \pm 1$ can carry the same information.

# %% [markdown]
# ## 6. Luong's attentional state
#
# Notebook 09 put Luong's *scores* inside Bahdanau's decoder, which scores the encoder states with the *previous* decoder state $s_{i-1}$ before the RNN step. Luong et al. (2015, section 3) order the step the other way: the RNN runs first, giving $s_t$; the attention scores the encoder states with this *current* state; the context $c_t$ and $s_t$ are joined into the attentional state
#
# $$\tilde{h}_t = \tanh(W_c [c_t; s_t]),$$
#
# which feeds the output softmax, $p(y_t) = \mathrm{softmax}(W_s \tilde{h}_t)$, and (input feeding) joins the next step's input. With $c_t$ of size $C$ and $s_t$ of size $H$, $W_c$ is $(H, C + H)$, no bias.
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
# ## 7. Questions to think about
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
# - Section 4 and 5's printed claims say how well notebook 06's and 09's models align on this task; with one seed per model, small differences in AER are not evidence about the score.
# - Luong's decoder runs the RNN first and feeds $\tilde{h}_t = \tanh(W_c [c_t; s_t])$, built from the current state, to the output.
#
# ## References
#
# - F. J. Och, H. Ney (2003). *A Systematic Comparison of Various Statistical Alignment Models.* Computational Linguistics 29(1). (AER with sure and possible links, section 6.)
# - M.-T. Luong, H. Pham, C. D. Manning (2015). *Effective Approaches to Attention-based Neural Machine Translation.* EMNLP. arXiv:1508.04025. (The attentional state and input feeding, section 3; AER under forced decoding, section 5.4.)
# - D. Bahdanau, K. Cho, Y. Bengio (2015). *Neural Machine Translation by Jointly Learning to Align and Translate.* ICLR. arXiv:1409.0473.
# - S. Jain, B. C. Wallace (2019). *Attention is not Explanation.* NAACL. arXiv:1902.10186.
# - S. Wiegreffe, Y. Pinter (2019). *Attention is not not Explanation.* EMNLP. arXiv:1908.04626.
