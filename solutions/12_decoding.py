# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 12 · Decoding at test time: free running, beam search, and whose fault an error is
#
# *Training shows the decoder the true previous symbol; at test time it must live with its own. This notebook measures what changes, keeps more than one hypothesis with beam search, scores hypotheses of different lengths fairly, and asks of each wrong output whether the search or the model is to blame.*
#
# **Time:** about 30 minutes of reading and exercises. It loads two of the course's reference models, notebook 06's and an under-trained copy of it, and trains nothing; running it takes about 35 s on a 2-core CPU, up to 1.5 minutes when the machine is busy (training the two yourself, `COURSE_TRAIN=1`: about 45 s more).
#
# **Questions**
# - How much better is a model when it is fed the true prefix than when it is fed its own outputs?
# - What does beam search keep that greedy decoding throws away, and how is it written for a whole batch at once?
# - How should hypotheses of different lengths be compared?
# - When an output is wrong, did the search miss the right answer, or does the model prefer the wrong one?
#
# **Learning goals.** After this notebook you can
# 1. measure per-position accuracy under teacher forcing and under free running, and explain exposure bias;
# 2. write one beam-search step over a batch: a top-k over beam x vocabulary, with back-pointers;
# 3. compute Wu et al. (2016)'s length-normalised score and state which way its penalty pushes;
# 4. tell search errors from model errors by comparing the model's score of the output with its score of the reference.
#
# **You need:** notebook 06 (the model, teacher forcing, greedy decoding and `load_or_train`).

# %% [markdown]
# ## 1. Set-up
#
# The well-trained model is notebook 06's (the same configuration, so `load_or_train` loads the same reference model).
# Beam search only helps where greedy decoding makes mistakes, and that model makes almost none; so we also load the same model stopped after 250 of its 600 steps: an **under-trained** model, whose mistakes give beam search something to fix. It is one of the course's reference models too (`UNDER_TRAINED_STEPS` in `rnn_attention/reference.py`).

# %% tags=["nbval-ignore-output"]
import matplotlib.pyplot as plt
import torch

from rnn_attention import evaluate
from rnn_attention.claims import claim, result
from rnn_attention.data import load_split
from rnn_attention.environment import describe_machine, setup
from rnn_attention.exercises import check_beam_step, check_normalised_score
from rnn_attention.models.beam import beam_search, length_penalty_factor, output_lengths, sequence_log_probs
from rnn_attention.plotting import plot_attention
from rnn_attention.reference import UNDER_TRAINED_STEPS
from rnn_attention.train import get_config, load_or_train
from rnn_attention.widgets import beam_search_widget

device = setup(seed=0)
cfg = get_config(task="dates")  # notebook 06's configuration
run = load_or_train(cfg)
weak_cfg = get_config(task="dates", max_steps=UNDER_TRAINED_STEPS)  # 250 of the 600 steps
weak_run = load_or_train(weak_cfg)
model, weak, vocabs = run.model, weak_run.model, run.vocabs
src_vocab, tgt_vocab = vocabs
print(f"profile {cfg.profile}: trained {run.info['steps']} steps (test exact match {run.info['exact_match']:.3f}); "
      f"under-trained {weak_run.info['steps']} steps (test exact match {weak_run.info['exact_match']:.3f})")

# %% [markdown]
# We measure on the first 1000 test dates, as one padded batch (decoding is vectorised, so one call handles them all).

# %%
test_pairs = load_split("dates", "test")[:1000]
batch = evaluate.make_batch(test_pairs, vocabs).to(device)
MAX_LEN = batch.tgt_out.shape[1] + 4  # a little room past the longest target (10 characters + <eos>)
print("src", tuple(batch.src.shape), " tgt_out", tuple(batch.tgt_out.shape), " max_len", MAX_LEN)


def texts(tokens):
    """The output strings of a (B, T) tensor of token ids (stop at <eos>)."""
    return [tgt_vocab.decode(row) for row in tokens.tolist()]


def exact(outputs):
    """Fraction of outputs equal to their target."""
    return sum(o == t for o, t in zip(outputs, batch.tgt_text)) / len(outputs)


# %% [markdown]
# ## 2. Teacher forcing against free running
#
# In training, step $i$ sees the true $y_{i-1}$ (teacher forcing). At test time it sees its own guess $\hat y_{i-1}$ (free running):
#
# $$\text{teacher forced: } \hat y_i = \arg\max_y p(y \mid y_{<i}, x) \qquad \text{free running: } \hat y_i = \arg\max_y p(y \mid \hat y_{<i}, x)$$
#
# The two agree until the first mistake. After it, the free-running decoder is in a state it never met in training: a prefix with an error in it. This mismatch is called **exposure bias** (Ranzato et al. 2016).
# We compare, position by position, the fraction of right symbols both ways, for the under-trained model.

# %%
def per_position_accuracy(model):
    """(teacher-forced, free-running) accuracy at each target position 1..10 (T,), and the greedy tokens."""
    with torch.no_grad():
        logits = model(batch.src, batch.src_lengths, batch.tgt_in)  # (B, T, V)
    forced = logits.argmax(dim=-1)  # (B, T): the best symbol given the true prefix
    free, _ = model.greedy_decode(batch.src, batch.src_lengths, MAX_LEN)  # (B, T') its own prefix
    T = batch.tgt_out.shape[1]
    free = torch.nn.functional.pad(free, (0, max(0, T - free.shape[1])))[:, :T]  # (B, T)
    real = batch.tgt_out != tgt_vocab.PAD  # (B, T)
    def accuracy(guess):
        return ((guess == batch.tgt_out) & real).sum(0).float() / real.sum(0)  # (T,)

    return accuracy(forced), accuracy(free), free


forced_acc, free_acc, weak_greedy = per_position_accuracy(weak)
for i, (f, g) in enumerate(zip(forced_acc.tolist(), free_acc.tolist()), start=1):
    print(f"position {i:2d}: teacher forced {f:.3f}   free running {g:.3f}")

# %%
fig, ax = plt.subplots(figsize=(6, 3))
positions = range(1, len(forced_acc) + 1)
ax.plot(positions, forced_acc, "o-", label="teacher forced (true prefix)")
ax.plot(positions, free_acc, "s-", label="free running (own prefix)")
ax.set_xlabel("target position i")
ax.set_ylabel("accuracy at position i")
ax.legend(loc="lower left")
fig.tight_layout()

# %% [markdown]
# The first five symbols (the year and its dash) are right both ways: the under-trained model already reads years. Its mistakes are in the month and the day (positions 6, 7, 9 and 10).
# At position 6, the first month digit, both ways agree: before it the free-running prefix is almost always the true one.
# From position 7 on, free running falls behind (0.856 against 0.915 at position 7): there the decoder sometimes continues a month whose first digit it already got wrong.
#
# What happens after the first mistake? For every output with a mistake, we look at the positions after it: are they right more or less often than positions that follow a correct prefix?

# %%
wrong = weak_greedy != batch.tgt_out  # (B, T)
real = batch.tgt_out != tgt_vocab.PAD
first = torch.where((wrong & real).any(1), (wrong & real).float().argmax(1), torch.full_like(batch.src_lengths, 99))
after = torch.arange(wrong.shape[1], device=device).unsqueeze(0) > first.unsqueeze(1)  # positions after the first mistake
error_after = (wrong & real & after).sum() / (real & after).sum().clamp(min=1)
error_before = (wrong & real & ~after).sum() / (real & ~after).sum()
print(f"error rate after a first mistake: {error_after:.3f}; elsewhere: {error_before:.3f}")
claim("teacher forcing is at least as accurate as free running at every position",
      bool((forced_acc >= free_acc - 1e-9).all()))
claim("at position 7 teacher forcing is ahead of free running by at least 0.03", forced_acc[6] - free_acc[6] >= 0.03)
claim("after a first mistake, free running errs at least twice as often as elsewhere", bool(error_after >= 2 * error_before))

# %% [markdown]
# After a first mistake, about one symbol in ten is wrong again, four times the rate elsewhere: one error puts the decoder in a state it never met in training, and it makes more.

# %% [markdown]
# ## 3. Beam search, one step
#
# Greedy decoding keeps one hypothesis. **Beam search** keeps the $K$ best partial outputs (the *beam*). At each step, each hypothesis $k$ with score $\sigma_k$ (its summed log-probability) is extended by every symbol $v$:
#
# $$\sigma_{k,v} = \sigma_k + \log p(v \mid \text{hypothesis } k, x)$$
#
# That makes $K \times V$ candidates; the new beam is the best $K$ of them, **all together**: a strong hypothesis may fill several places, a weak one none.
# On a batch, `scores` is $(B, K)$ and `log_probs` $(B, K, V)$; flatten the candidates to $(B, K V)$, take `topk(K)`, and recover from each flat index $= k V + v$ the **back-pointer** $k$ = index // V and the symbol $v$ = index % V.
# A hypothesis that has ended with `<eos>` is *finished*: it is carried over unchanged (its score as it is, symbol `<pad>`), never extended.
#
# A pencil example, $K = 2$, $V = 5$ (`<pad>`, `<sos>`, `<eos>`, `a`, `b`): scores $(-0.5, -1.0)$, hypothesis 0 gives `a` 0.5 and `b` 0.4, hypothesis 1 gives `b` 0.6.
# The candidates are $-0.5 + \log 0.5 = -1.19$, $-0.5 + \log 0.4 = -1.42$ and $-1.0 + \log 0.6 = -1.51$: both places go to hypothesis 0, back-pointers $(0, 0)$, symbols $(3, 4)$.
#
# **Exercise 12.1.** Write `beam_step(scores, log_probs, finished)` returning `(new_scores, back_pointers, symbols)`, each $(B, K)$, best first.

# %%
def beam_step(scores, log_probs, finished):
    """One beam-search step: (B, K), (B, K, V), (B, K) bool -> new scores, back-pointers, symbols, each (B, K)."""
    # BEGIN SOLUTION
    # HINT: a finished hypothesis has one candidate: itself, symbol <pad> (id 0), score unchanged; -inf elsewhere
    # HINT: flatten (B, K, V) to (B, K * V) before topk; the flat index is k * V + v
    B, K, V = log_probs.shape
    candidates = scores.unsqueeze(2) + log_probs  # (B, K, V)
    carried = torch.full_like(candidates, float("-inf"))
    carried[:, :, 0] = scores  # a finished hypothesis continues as itself, with <pad>
    candidates = torch.where(finished.unsqueeze(2), carried, candidates)
    new_scores, index = candidates.reshape(B, K * V).topk(K, dim=1)  # (B, K)
    return new_scores, index // V, index % V
    # END SOLUTION


check_beam_step(beam_step)

# %% [markdown]
# The package's `Seq2Seq.beam_search(src, src_lengths, max_len, beam_size, length_penalty)` does this for the whole batch at once, with one decoder step per output step for all $B \times K$ hypotheses (`models/beam.py`).
# Two differences from the exercise: a hypothesis that ends is moved out of the beam into a list of finished ones, so the beam always holds $K$ live hypotheses; and a sentence is done when no live hypothesis can still beat its best finished one.
# The decoder's state, and for location-aware attention the previous weights $\alpha_{i-1}$, follow their hypothesis through the back-pointers.
# With $K = 1$ it is greedy decoding, exactly:

# %%
greedy_tokens, _ = weak.greedy_decode(batch.src, batch.src_lengths, MAX_LEN)
one_tokens, _ = weak.beam_search(batch.src, batch.src_lengths, MAX_LEN, beam_size=1)
claim("beam search with K = 1 returns greedy decoding's outputs exactly", torch.equal(one_tokens, greedy_tokens))

# %% [markdown]
# ## 4. Comparing hypotheses of different lengths
#
# Every symbol multiplies the probability by a number below 1, so the summed log-probability favours **short** outputs. Wu et al. (2016, section 7) divide it by a length penalty:
#
# $$\text{score}(Y) = \frac{\log p(Y \mid X)}{lp(Y)}, \qquad lp(Y) = \left(\frac{5 + |Y|}{6}\right)^{\alpha}$$
#
# with $|Y|$ the number of output symbols **including** `<eos>`. Log-probabilities are negative, so dividing a long hypothesis by a larger $lp$ makes its score *less* negative: a larger $\alpha$ favours **longer** outputs ($\alpha = 0$ is the raw log-probability). Some textbooks state the opposite; section 6 measures it.
#
# Pencil example: `a b <eos>`, each symbol with probability 1/2: $\log p = 3 \log \tfrac12 = -2.079$, $|Y| = 3$, $lp = (8/6)^\alpha$; with $\alpha = 1$ the score is $-2.079 / 1.333 = -1.559$.
#
# **Exercise 12.2.** Write `normalised_score(token_log_probs, tokens, length_penalty)`: `tokens` $(B, T)$ as decoding returns them (`<eos>` = 2, then `<pad>`; a row without `<eos>` counts all $T$ symbols), `token_log_probs` $(B, T)$ the log-probability of each; return the $(B,)$ scores.

# %%
def normalised_score(token_log_probs, tokens, length_penalty):
    """log p(Y | X) / ((5 + |Y|) / 6) ** length_penalty for each row, |Y| counting <eos>: (B,)."""
    # BEGIN SOLUTION
    # HINT: |Y| = position of the first <eos> + 1, or T when there is none; only positions < |Y| count in the sum
    T = tokens.shape[1]
    is_eos = tokens == 2  # (B, T)
    lengths = torch.where(is_eos.any(dim=1), is_eos.long().argmax(dim=1) + 1, T)  # (B,)
    counted = torch.arange(T).unsqueeze(0) < lengths.unsqueeze(1)  # (B, T)
    total = (token_log_probs * counted).sum(dim=1)  # (B,)
    return total / ((5 + lengths) / 6) ** length_penalty
    # END SOLUTION


check_normalised_score(normalised_score)

# %% [markdown]
# The package's `beam_search` returns exactly this score for its output; the model's own teacher-forced log-probability of the returned symbols (`sequence_log_probs`) says the same:

# %%
tokens4, scores4 = weak.beam_search(batch.src, batch.src_lengths, MAX_LEN, beam_size=4, length_penalty=1.0)
rescored = sequence_log_probs(weak, batch.src, batch.src_lengths, tokens4) / length_penalty_factor(
    output_lengths(tokens4, tgt_vocab.EOS), 1.0)
gap = (rescored - scores4).abs().max().item()
print(f"largest difference: {gap:.2e}")
claim("beam search's scores are the model's own log-probabilities divided by lp, to 1e-3", gap < 1e-3)

# %% [markdown]
# ## 5. Greedy against beam search
#
# For beam sizes 1 (greedy), 2, 4 and 8: exact match, and the mean log-probability the model gives its output ($\alpha = 0$, so the search maximises exactly that).

# %%
BEAMS = (1, 2, 4, 8)
reference_score = sequence_log_probs(weak, batch.src, batch.src_lengths, batch.tgt_out).cpu()  # (B,) the truth's
by_beam = {}
for K in BEAMS:
    tokens, scores = weak.beam_search(batch.src, batch.src_lengths, MAX_LEN, beam_size=K)
    outputs = texts(tokens)
    by_beam[K] = dict(tokens=tokens, scores=scores.cpu(), outputs=outputs, exact=exact(outputs),
                      log_prob=scores.mean().item())
    print(f"K = {K}: exact match {by_beam[K]['exact']:.3f}   mean log p(output) {by_beam[K]['log_prob']:.3f}")
result("12 dates, under-trained model, beam size", profile=cfg.profile,
       machine=describe_machine(weak_run.info["device"], cfg.num_threads), steps=weak_run.info["steps"],
       seconds=round(weak_run.info["seconds"], 1),
       **{f"exact_K{K}": round(by_beam[K]["exact"], 4) for K in BEAMS},
       **{f"log_prob_K{K}": round(by_beam[K]["log_prob"], 4) for K in BEAMS})

# %% [markdown]
# A beam of 2 gets 22 more dates in 1000 right than greedy decoding (0.785 against 0.763) and raises the mean log-probability of the outputs (-0.718 against -0.725).
# Larger beams change nothing more here: with 4 or 8 hypotheses the search finds the same outputs as with 2. Most of the 215 dates still wrong are not a matter of search (section 7 shows it).

# %% [markdown]
# The converged model of notebook 06, for comparison: greedy decoding and a beam of 4 on the same dates.

# %%
strong_exact = {K: exact(texts(model.beam_search(batch.src, batch.src_lengths, MAX_LEN, beam_size=K)[0])) for K in (1, 4)}
print(f"converged model: exact match greedy {strong_exact[1]:.3f}, K = 4 {strong_exact[4]:.3f}")
claim("on the converged model greedy decoding and K = 4 both get at least 0.995 exact match",
      min(strong_exact.values()) >= 0.995)

# %% [markdown]
# On the converged model there is nothing left for the beam to fix: greedy decoding is already right. Beam search pays off where the model is unsure.

# %%
claim("a larger beam never lowers the mean log-probability of the outputs (K = 1, 2, 4, 8)",
      all(by_beam[a]["log_prob"] <= by_beam[b]["log_prob"] + 1e-6 for a, b in zip(BEAMS, BEAMS[1:])))
claim("beam search with K = 4 gets at least 0.01 more exact match than greedy decoding",
      by_beam[4]["exact"] >= by_beam[1]["exact"] + 0.01)

# %% [markdown]
# By source length: the sources split into three buckets of equal size, exact match per bucket and beam size.

# %%
order = batch.src_lengths.argsort()
buckets = order.chunk(3)
fig, ax = plt.subplots(figsize=(6, 3))
for K, style, size in zip(BEAMS, ("o-", "s--", "^:", "x-"), (6, 9, 7, 9)):  # markers that show through when lines coincide
    hits = torch.tensor([o == t for o, t in zip(by_beam[K]["outputs"], batch.tgt_text)], dtype=torch.float)
    by_length = [hits[b].mean().item() for b in buckets]
    print(f"K = {K}: exact match by source length bucket", ", ".join(f"{x:.3f}" for x in by_length))
    ax.plot(range(3), by_length, style, markersize=size, label=f"K = {K}")
ax.set_xticks(range(3), [f"{int(batch.src_lengths[b].min())}-{int(batch.src_lengths[b].max())}" for b in buckets])
ax.set_xlabel("source length (characters)")
ax.set_ylabel("exact match")
ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0))
ax.set_title("exact match by source length (K = 2, 4 and 8 coincide)")
fig.tight_layout()

# %% [markdown]
# Beam search helps in every bucket, and most on the longest sources (16-38 characters): 0.816 against 0.780 for greedy decoding.

# %% [markdown]
# ## 6. The length penalty, measured
#
# Mean output length (`<eos>` included) for $\alpha$ = 0, 0.5, 1, 2, with $K = 4$. Every date has 10 characters, so the right length is 11.
# A larger $\alpha$ can only lengthen the outputs; how much depends on how sure the model is of where an output ends.

# %%
ALPHAS = (0.0, 0.5, 1.0, 2.0)
mean_length = {}
for alpha in ALPHAS:
    tokens, _ = weak.beam_search(batch.src, batch.src_lengths, MAX_LEN, beam_size=4, length_penalty=alpha)
    mean_length[alpha] = output_lengths(tokens, tgt_vocab.EOS).float().mean().item()
    print(f"alpha = {alpha}: mean output length {mean_length[alpha]:.3f}")
result("12 dates, under-trained model, length penalty", profile=cfg.profile,
       machine=describe_machine(weak_run.info["device"], cfg.num_threads), steps=weak_run.info["steps"],
       **{f"mean_length_alpha{a}": round(mean_length[a], 4) for a in ALPHAS})
claim("on dates every length penalty from 0 to 2 leaves the mean output length at 11 (within 0.01)",
      all(abs(mean_length[a] - 11) <= 0.01 for a in ALPHAS))

# %% [markdown]
# Nothing moves: even the under-trained model is sure that a date ends after 10 characters. In the search that section 8 prints, the hypotheses that go on past 10 characters score about 7 lower than the one that stops, far more than any of these penalties gives back.
# The penalty matters where outputs of different lengths are close in log-probability, as in translation. Its direction, on two hypotheses whose log-probabilities differ by less:

# %%
short, long = (6, -3.0), (11, -3.5)  # (|Y| with <eos>, log p(Y | X))
for alpha in ALPHAS:
    s_short, s_long = (lp / length_penalty_factor(torch.tensor(n), alpha).item() for n, lp in (short, long))
    print(f"alpha = {alpha}: short {s_short:.3f}, long {s_long:.3f}: the {'long' if s_long > s_short else 'short'} one wins")


# %% [markdown]
# ## 7. Search errors against model errors
#
# When an output $\hat Y$ is wrong, compare the model's log-probability of the reference $Y^*$ with that of $\hat Y$ (Stahlberg and Byrne 2019):
#
# - $\log p(Y^* \mid x) > \log p(\hat Y \mid x)$: the model prefers the truth, the search did not find it: a **search error**; a larger beam may fix it;
# - otherwise the model itself prefers a wrong output: a **model error**; no search fixes it, only a better model.

# %%
shares = {}
for K in BEAMS:
    wrong = torch.tensor([o != t for o, t in zip(by_beam[K]["outputs"], batch.tgt_text)])
    search = wrong & (reference_score > by_beam[K]["scores"] + 1e-6)
    shares[K] = dict(wrong=int(wrong.sum()), search=int(search.sum()), model=int((wrong & ~search).sum()))
    print(f"K = {K}: {shares[K]['wrong']} wrong; {shares[K]['search']} search errors, {shares[K]['model']} model errors")
result("12 dates, under-trained model, search and model errors", profile=cfg.profile,
       machine=describe_machine(weak_run.info["device"], cfg.num_threads), steps=weak_run.info["steps"],
       **{f"search_K{K}": shares[K]["search"] for K in BEAMS}, **{f"model_K{K}": shares[K]["model"] for K in BEAMS})
claim("beam search with K = 8 makes at most half as many search errors as greedy decoding",
      shares[8]["search"] <= 0.5 * shares[1]["search"])
claim("at every beam size at least three quarters of the wrong outputs are model errors",
      all(shares[K]["model"] >= 0.75 * shares[K]["wrong"] for K in BEAMS))

# %% [markdown]
# Of greedy decoding's 237 wrong dates, 28 are search errors: the model gives the true date a higher probability than the one greedy decoding chose.
# A beam of 2 removes all of them; 22 become right, and for 6 the beam finds a wrong date that the model scores above the truth, so they become model errors.
# The other 209 are model errors at every beam size, and only a better model fixes them: 06's converged model gets them right.

# %% [markdown]
# ## 8. Inside one search
#
# The hypotheses alive after each step for one source, with their scores (`trace=` records them), and the alignment of the chosen output (the teacher-forced weights of the output, the same numbers decoding computed).

# %%
# the first source that greedy decoding gets wrong and a beam of 4 gets right
fixed = [i for i, (g, b, t) in enumerate(zip(by_beam[1]["outputs"], by_beam[4]["outputs"], batch.tgt_text)) if g != t == b]
index = fixed[0]
one = slice(index, index + 1)
trace = []
tokens, score = beam_search(weak, batch.src[one], batch.src_lengths[one], MAX_LEN, beam_size=4, trace=trace)
print("source:", batch.src_text[index], "  target:", batch.tgt_text[index])
for step, record in enumerate(trace, start=1):
    alive = ", ".join(f"{tgt_vocab.decode(t)!r} {s:.2f}" for t, s in zip(record["tokens"][0].tolist(),
                                                                         record["scores"][0].tolist()))
    print(f"step {step:2d}: {alive}")
print("chosen:", texts(tokens)[0], f"(score {score.item():.3f}); greedy:", by_beam[1]["outputs"][index])

# %% [markdown]
# Greedy decoding and the beam part at step 6, the first digit of the month: `0` scores -0.72 and `1` -0.73, almost a tie, and greedy decoding keeps only `0`.
# One step later the month `02` costs more than `12` (-0.89 against -0.78), and the beam, which kept both, ends with the right date; greedy decoding cannot go back and writes `2068-02-24`.
# At step 11 the hypotheses still alive are those that go on past 10 characters: about 7 below the finished `2068-12-24`, so the search stops.
#
# In the alignment, the year and the day look sharply at their digits; the month, where greedy decoding went wrong, looks weakly and in several places around `dec`: the under-trained model has not yet learned to read month names well.

# %%
tgt_in = torch.cat([torch.full((1, 1), tgt_vocab.SOS, device=device), tokens[:, :-1]], dim=1)
with torch.no_grad():
    _, attn = weak(batch.src[one], batch.src_lengths[one], tgt_in, return_attention=True)  # (1, T, S)
n = int(batch.src_lengths[index])
plot_attention(attn[0, :, :n], list(batch.src_text[index]), [tgt_vocab.itos[t] for t in tokens[0].tolist()],
               title=f"{batch.src_text[index]}  ->  {texts(tokens)[0]} (beam of 4)")

# %% [markdown]
# The same search as a widget: move the **beam size K** slider (1 to 8) and the search is run again on this source.
# Each line is one step, with the hypotheses alive after it and their scores (at most $K$), then the scores of those that ended with `<eos>` at that step; under them, the chosen output's alignment.
# At $K = 1$ it is greedy decoding's output; from $K = 2$ on, the month `12` survives the near-tie of step 6.

# %% tags=["nbval-ignore-output"]
searcher = beam_search_widget(weak, vocabs, batch.src_text[index], max_beam=8, initial_beam=4, max_len=MAX_LEN)
searcher

# %% [markdown]
# Driven from code (`trying()` puts the slider back afterwards): the chosen output and the number of hypotheses kept per step, by beam size.

# %%
with searcher.trying():
    for K in (1, 2, 4, 8):
        searcher.beam.value = K
        state = searcher.state
        print(f"K = {K}: {state['output']!r} (score {state['score']:.3f}), {len(state['steps'])} steps, "
              f"hypotheses alive per step: at most {max(len(alive) for alive in state['steps'])}")
print("the widget shows again: beam of", searcher.state["beam_size"])

# %% [markdown]
# ## Key points
#
# - Training feeds the decoder the true prefix; decoding feeds it its own. After a first mistake the decoder is in states it never saw in training (exposure bias).
# - Beam search keeps the $K$ best partial outputs: a top-k over all $K \times V$ candidates of a sentence, with back-pointers index // V and symbols index % V; everything the decoder carries (its state, the previous weights) follows the back-pointers.
# - Finished hypotheses are kept aside and compared by $\log p(Y \mid X) / lp(Y)$, $lp(Y) = ((5 + |Y|)/6)^\alpha$ with $|Y|$ counting `<eos>`. A larger $\alpha$ favours longer outputs where lengths compete; on dates, whose length the model is sure of, it changes nothing.
# - Beam search maximises the model's score, not accuracy: a wrong output that the model scores above the truth is a model error, and no beam fixes it. On the under-trained model a beam of 2 removes every search error of greedy decoding (28 in 1000 dates) and 209 model errors remain.
#
# ## References
#
# - Y. Wu et al. (2016). *Google's Neural Machine Translation System: Bridging the Gap between Human and Machine Translation.* arXiv:1609.08144. (Length normalisation and coverage penalty, section 7.)
# - F. Stahlberg, B. Byrne (2019). *On NMT Search Errors and Model Errors: Cat Got Your Tongue?* EMNLP. arXiv:1908.10090.
# - M. Ranzato, S. Chopra, M. Auli, W. Zaremba (2016). *Sequence Level Training with Recurrent Neural Networks.* ICLR. arXiv:1511.06732. (Exposure bias.)
# - S. Bengio, O. Vinyals, N. Jaitly, N. Shazeer (2015). *Scheduled Sampling for Sequence Prediction with Recurrent Neural Networks.* NeurIPS. arXiv:1506.03099.
# - I. Sutskever, O. Vinyals, Q. V. Le (2014). *Sequence to Sequence Learning with Neural Networks.* NeurIPS. arXiv:1409.3215. (Beam search for neural translation.)
# - M. Ott et al. (2019). *fairseq: A Fast, Extensible Toolkit for Sequence Modeling*; J. Kreutzer, J. Bastings, S. Riezler (2019). *Joey NMT.* (Batched beam search implementations.)
