# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 06 · Training Bahdanau attention
#
# *Put the pieces of notebooks 02 to 05 together into the model of Bahdanau, Cho and Bengio (2015) and train it to turn dates written by people into ISO dates.*
#
# **Time:** about 25 minutes of reading and exercises. The trained model loads in seconds (the course's reference model); training your own takes about 20 s on one core of a 2-core laptop CPU (measured), less on a GPU.
#
# **Questions**
# - How do the encoder, the attention module and the decoder fit together in one model?
# - What does the decoder do at one output step, equation by equation?
# - How is such a model trained, and how good does it get?
#
# **Learning goals.** After this notebook you can
# 1. write one decoder step of the Bahdanau model from its equations;
# 2. build the decoder's input and target from a target sentence (teacher forcing);
# 3. train the model with "load the checkpoint if it exists, else train", and read its loss and accuracy curves;
# 4. measure the model with exact match on held-out data.
#
# **You need:** the additive score $e_{ij} = v_a^\top \tanh(W_a s_{i-1} + U_a h_j)$ (notebook 02), the softmax $\alpha_{ij}$ (03), the context $c_i = \sum_j \alpha_{ij} h_j$ (04), and padded batches with masks (05).

# %% [markdown]
# ## 1. Set-up
#
# The set-up cell seeds the random numbers and says which device and which **training profile** this notebook uses.
# A profile says *where* the notebook runs, never *what* it learns: the model and its training budget are the same in every profile, so every machine gets the same results, a GPU only sooner.
#
# | profile | where | how it runs |
# |---|---|---|
# | `ci` | the tests | the CPU, one thread |
# | `cpu` | a laptop | the CPU, one thread per model |
# | `gpu` | a machine with CUDA | the GPU, mixed precision |
#
# The profile comes from the environment variable `COURSE_PROFILE`; without it you get `gpu` when there is a CUDA GPU, else `cpu`.

# %% tags=["nbval-ignore-output"]
import matplotlib.pyplot as plt
import torch

from rnn_attention import evaluate
from rnn_attention.claims import claim, result
from rnn_attention.data import build_vocabs, load_split
from rnn_attention.environment import describe_machine, setup
from rnn_attention.exercises import check_decoder_step, check_teacher_forcing
from rnn_attention.masking import lengths_to_mask
from rnn_attention.models import build_model, count_parameters
from rnn_attention.train import get_config, load_or_train

device = setup(seed=0)
cfg = get_config(task="dates")  # the course's recipe for dates; the profile only says where it runs
print(f"profile {cfg.profile}: E={cfg.emb_size}, H={cfg.hidden_size}, A={cfg.attn_size}, batch {cfg.batch_size}, "
      f"{cfg.max_steps} steps")

# %% [markdown]
# ## 2. The task: dates as people write them
#
# Each source is a date written in one of seven languages and many styles; each target is the same date in ISO format, `YYYY-MM-DD`.
# The model reads and writes **characters**, so the source length $T_x$ goes from 8 to 38 symbols, while every target has 10.

# %%
train_pairs = load_split("dates", "train")
test_pairs = load_split("dates", "test")
for source, target in test_pairs[:1500:250]:
    print(f"{source:>30}  ->  {target}")
print(f"{len(train_pairs)} training pairs, {len(test_pairs)} test pairs")

# %% [markdown]
# The year sits at the *end* of most sources and at the *front* of every target.
# To write the first character of the target, the model must look at the last characters of the source.
# A fixed weight per position could not do that for sources of different lengths: the year starts at position 6 in `20.5.2022` and at position 22 in `Freitag, 16. Oktober 2065`.
#
# The vocabularies are built from the training sources and targets, one id per character, plus four special tokens (`<pad>`, `<sos>`, `<eos>`, `<unk>`).

# %%
src_vocab, tgt_vocab = build_vocabs(train_pairs)
print("source vocabulary:", len(src_vocab), "symbols")
print("target vocabulary:", len(tgt_vocab), "symbols:", " ".join(tgt_vocab.itos))

# %% [markdown]
# ## 3. The model, piece by piece
#
# `build_model` puts together the pieces you derived. We build a fresh, untrained one to look inside; the seed makes its weights the same on every machine.

# %%
torch.manual_seed(0)
model = build_model(len(src_vocab), len(tgt_vocab), cfg)
encoder, decoder = model.encoder, model.decoder
print(type(encoder).__name__, "+", type(decoder).__name__, "with", type(decoder.attention).__name__)
print("parameters:", count_parameters(model))

# %% [markdown]
# We push a small batch of two test dates of different lengths through it, one piece at a time.

# %%
batch = evaluate.make_batch(test_pairs[:2], (src_vocab, tgt_vocab))
print("sources:", batch.src_text)
print("src:", tuple(batch.src.shape), " src_lengths:", batch.src_lengths.tolist())  # (B, S), (B,)

# %% [markdown]
# ### The encoder
#
# A bidirectional GRU reads the source forwards and backwards. The encoder state of position $j$ puts the two side by side:
#
# $$h_j = [\overrightarrow{h}_j ; \overleftarrow{h}_j]$$
#
# so $h_j$ knows about the whole sentence, with a focus on position $j$. Each $h_j$ has $K = 2H$ numbers.

# %%
enc_outputs, final = encoder(batch.src, batch.src_lengths)  # h_j = [fwd h_j; bwd h_j]: (B, S, K), final (B, K)
src_mask = lengths_to_mask(batch.src_lengths, batch.src.shape[1])  # (B, S): True = real token
print("enc_outputs:", tuple(enc_outputs.shape), " final:", tuple(final.shape), " src_mask:", tuple(src_mask.shape))
claim("h_j on padding is zero", bool(enc_outputs[~src_mask].abs().max() == 0))

# %% [markdown]
# ### The first decoder state
#
# Bahdanau et al. start the decoder from the backward RNN's state after it read the whole sentence, $\overleftarrow{h}_1$:
#
# $$s_0 = \tanh(W_{\text{init}}\, \overleftarrow{h}_1)$$

# %%
dec_state = decoder.init_state(enc_outputs, final, src_mask)  # s_0 = tanh(W_init bwd h_1): (B, H)
projected_keys = decoder.project_keys(enc_outputs)  # U_a h_j, once per sentence: (B, S, A)
print("s_0:", tuple(dec_state.shape), " U_a h_j:", tuple(projected_keys.shape))

# %% [markdown]
# ### The pieces of a decoder step
#
# At output step $i$ the decoder has its previous state $s_{i-1}$ and the previous output symbol $y_{i-1}$ (at $i = 1$, the start token `<sos>`).
# A step uses four pieces of `decoder`. Here is each one with its equation and the sizes it takes and gives; putting them together into a step is exercise 6.1.
#
# **The embedding** `decoder.embedding` turns a symbol into $E$ numbers, $E y$:

# %%
y_prev = torch.full((2,), tgt_vocab.SOS)  # y_0 = <sos>: (B,)
embedded = decoder.embedding(y_prev)  # E y_0: (B, E)
print("E y:", tuple(embedded.shape))

# %% [markdown]
# **The attention module** `decoder.attention(query, keys, mask, projected_keys)` is the one of notebooks 02 to 05: the query scores every $h_j$, a masked softmax turns the scores into weights, and the context is their weighted sum. In the decoder, the query is a state $s$:
#
# $$e_{ij} = v_a^\top \tanh(W_a s_{i-1} + U_a h_j), \qquad \alpha_{ij} = \operatorname{softmax}_j(e_{ij}), \qquad c_i = \sum_j \alpha_{ij} h_j$$
#
# It returns `(context, attn_weights)`. Here with an arbitrary query of the state's size $H$:

# %%
query = torch.randn(dec_state.shape, generator=torch.Generator().manual_seed(0))  # any (B, H) query
context, attn_weights = decoder.attention(query, enc_outputs, src_mask, projected_keys)  # c (B, K), alpha (B, S)
print("c:", tuple(context.shape), " alpha:", tuple(attn_weights.shape))
print("rows of alpha sum to", [f"{total:.4f}" for total in attn_weights.sum(dim=1).tolist()])
print("weight on padding:", f"{attn_weights[~src_mask].sum().item():.4f}")

# %% [markdown]
# **The GRU cell** `decoder.rnn` makes the new state from the previous state and an input vector, the embedding and the context side by side ($E + K$ numbers):
#
# $$s_i = \operatorname{GRU}([E y_{i-1} ; c_i],\ s_{i-1})$$

# %%
print(decoder.rnn, "| input size", decoder.rnn.input_size, "= E + K | state size", decoder.rnn.hidden_size, "= H")

# %% [markdown]
# **The read-out** `decoder.output` sees the new state, the context and the previous symbol, and gives one score (logit) per target symbol.
# A softmax of the logits is the probability of the next symbol:
#
# $$p(y_i \mid y_{<i}, x) = \operatorname{softmax}(W_o [s_i ; c_i ; E y_{i-1}])$$
#
# This is a simplified read-out. Bahdanau et al. (2015, appendix A.2.2) use a deeper one, a maxout layer over $s_{i-1}$, $E y_{i-1}$ and $c_i$, before the softmax; a single linear layer is enough for dates.

# %%
print(decoder.output, "| input size", decoder.output.in_features, "= H + K + E | one logit per symbol, V =", len(tgt_vocab))

# %% [markdown]
# Notice what has no $T_x$ in it: the sizes of $W_a$, $U_a$, $v_a$, the GRU cell and $W_o$.
# Only the number of $h_j$, and so the number of weights $\alpha_{ij}$, follows the sentence.

# %%
for name, part in [("encoder", encoder), ("attention a", decoder.attention), ("decoder GRU cell", decoder.rnn),
                   ("output layer W_o", decoder.output)]:
    print(f"{name:>18}: {count_parameters(part):6d} parameters")

# %% [markdown]
# **Exercise 6.1.** Put the pieces together: write one decoder step, from $y_{i-1}$ (`y_prev`) and $s_{i-1}$ (`dec_state`) to the logits of $y_i$, the new state $s_i$ and the weights $\alpha_i$.
# The order is yours to read from the equations: which state scores the $h_j$, what the GRU reads, what the read-out sees.
# Return `(logits, new_state, attn_weights)` like `decoder.step`. The check compares your step with the package's, with the same weights, to $10^{-5}$, on batches of several lengths, and names the usual wrong orders.

# %%
def decoder_step(decoder, y_prev, dec_state, enc_outputs, src_mask, projected_keys):
    """One Bahdanau decoder step: (logits (B, V), s_i (B, H), alpha_i (B, S))."""
    # BEGIN SOLUTION
    # HINT: compute each quantity once its inputs exist: c_i needs s_{i-1}; s_i needs c_i; the logits need s_i
    # HINT: concatenate in the order the equations write them: [E y_{i-1}; c_i], then [s_i; c_i; E y_{i-1}]
    embedded = decoder.embedding(y_prev)  # E y_{i-1}: (B, E)
    context, attn_weights = decoder.attention(dec_state, enc_outputs, src_mask, projected_keys)  # (B, K), (B, S)
    new_state = decoder.rnn(torch.cat([embedded, context], dim=-1), dec_state)  # s_i: (B, H)
    logits = decoder.output(torch.cat([new_state, context, embedded], dim=-1))  # (B, V)
    return logits, new_state, attn_weights
    # END SOLUTION


check_decoder_step(decoder_step)

# %% [markdown]
# The package's `decoder.step` is this step; from here on the notebook uses it. The first step of the untrained model on our batch, from $s_0$ and `<sos>`:

# %%
logits, new_state, attn_weights = decoder.step(y_prev, dec_state, enc_outputs, src_mask, projected_keys)
print("logits:", tuple(logits.shape), " s_1:", tuple(new_state.shape), " alpha_1:", tuple(attn_weights.shape))
print("rows of alpha_1 sum to", [f"{total:.4f}" for total in attn_weights.sum(dim=1).tolist()])

# %% [markdown]
# ## 4. Teacher forcing
#
# During training we know the whole target. At step $i$ we feed the decoder the **true** previous symbol $y_{i-1}$, not its own guess: this is **teacher forcing**.
# So each target gives two sequences of the same length:
#
# - the decoder input `tgt_in` $= (\text{<sos>}, y_1, \dots, y_n)$,
# - what it must predict `tgt_out` $= (y_1, \dots, y_n, \text{<eos>})$.
#
# The loss is the cross-entropy between the logits of step $i$ and `tgt_out[i]`, averaged over the real (non-padding) symbols.
# Here is one target of the batch; the target vocabulary has `<sos>` = 1 and `<eos>` = 2.

# %%
print("target:  ", batch.tgt_text[0])
print("tgt_ids: ", tgt_vocab.encode(batch.tgt_text[0]))
print("tgt_in:  ", batch.tgt_in[0].tolist())  # <sos> y_1 .. y_n: (T,)
print("tgt_out: ", batch.tgt_out[0].tolist())  # y_1 .. y_n <eos>: (T,)

# %% [markdown]
# Check with a pencil: `tgt_in` is `tgt_out` moved one place to the right, with 1 in front; `tgt_out` ends with 2.
#
# **Exercise 6.2.** Write `teacher_forcing(tgt_ids, sos, eos)` that takes the ids of one target as a 1-D tensor of length $n$ and returns `(tgt_in, tgt_out)`, each of length $n + 1$.

# %%
def teacher_forcing(tgt_ids, sos, eos):
    """(y_1..y_n) -> (tgt_in = <sos> y_1..y_n, tgt_out = y_1..y_n <eos>), each (n + 1,)."""
    # BEGIN SOLUTION
    # HINT: torch.cat with a one-element tensor, e.g. torch.tensor([sos])
    tgt_in = torch.cat([torch.tensor([sos], dtype=tgt_ids.dtype), tgt_ids])  # (n + 1,)
    tgt_out = torch.cat([tgt_ids, torch.tensor([eos], dtype=tgt_ids.dtype)])  # (n + 1,)
    return tgt_in, tgt_out
    # END SOLUTION


check_teacher_forcing(teacher_forcing)

# %% [markdown]
# ## 5. Training
#
# `load_or_train(cfg)` first looks for the course's **reference model** of exactly this configuration: trained to convergence by the course's own code and stored in `reference/` with a manifest (its sha256, its configuration, how long it trained and on what).
# It loads it in a second and says so. So a first run of this notebook (and of notebook 07, which uses the same model) takes seconds.
# To train your own, call `load_or_train(cfg, train=True)` (or set `COURSE_TRAIN=1` before starting Jupyter): about a minute on one core of a laptop, the time the cell below prints.
# Your model is saved in `runs/` and loaded from there next time.
# It returns a `run` that holds the trained `model`, its `vocabs`, the training `history` (the curves below) and `info` (a summary: steps, seconds, test accuracy).
#
# The training loop is the usual one: for each batch, the teacher-forced loss, `loss.backward()`, gradient clipping at norm 1, an Adam step.
# The learning rate warms up for a few steps, then decays. On a CUDA GPU training runs in mixed precision.
# A progress bar shows the loss and the token accuracy as they go, with the time left.

# %% tags=["nbval-ignore-output"]
run = load_or_train(cfg)
model, vocabs, history, info = run.model, run.vocabs, run.history, run.info
print(f"{'loaded' if run.loaded else 'trained'}: {info['steps']} steps, {info['epochs']:.1f} epochs, "
      f"trained in {info['seconds']:.0f} s on {info['device']}, {info['params']} parameters")

# %% [markdown]
# The curves: the loss falls and the token accuracy (the next symbol right, given the true prefix) climbs towards 1.
# The dots are the **exact match** on validation data after each epoch: the fraction of dates where the whole greedy output is right.

# %%
fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 3.2))
ax_loss.plot(history["step"], history["loss"], color="tab:blue")
ax_loss.set_yscale("log")
ax_loss.set_xlabel("training step")
ax_loss.set_ylabel("cross-entropy loss (log scale)")
ax_acc.plot(history["step"], history["token_accuracy"], color="tab:green", label="token accuracy (teacher forced)")
if history["valid_exact_match"]:  # one dot per finished epoch (a run shorter than an epoch has none)
    ax_acc.plot(history["epoch_end"], history["valid_exact_match"], "o", color="tab:red", label="validation exact match")
ax_acc.set_ylim(0, 1.02)
ax_acc.set_xlabel("training step")
ax_acc.set_ylabel("accuracy")
ax_acc.legend(loc="lower right")
fig.tight_layout()

# %% [markdown]
# What the curves show, computed from the history:

# %%
claim("the loss falls: the last logged loss is below a tenth of the first", history["loss"][-1] < 0.1 * history["loss"][0])
claim("the token accuracy climbs towards 1: above 0.98 at the end", history["token_accuracy"][-1] > 0.98)

# %% [markdown]
# ## 6. Translating held-out dates
#
# At test time there is no teacher: **greedy decoding** feeds the model its own previous output and picks the most likely symbol at each step, until `<eos>`.
# These dates come from the test split: the model never saw them.

# %% tags=["nbval-ignore-output"]
examples = [
    "Fr., 22.11.2075",
    "vie, 25 dic 2037",
    "1 mars 1955",
    "Freitag, 16. Oktober 2065",
    "6 januari 2060",
    "20.5.2022",
]
targets = dict(test_pairs)
hits = 0
for source in examples:
    output, _, _, _ = evaluate.translate(model, source, vocabs)
    hits += output == targets[source]
    print(f"{source:>28}  ->  {output}   ({'right' if output == targets[source] else 'expected ' + targets[source]})")

# %%
claim(f"at least 5 of the {len(examples)} examples right", hits >= 5)

# %% [markdown]
# The model also reads dates that are not in any split, as long as it knows their characters.
# Try your own in the cell below; notebook 07 has a text box for this.

# %% tags=["nbval-ignore-output"]
for source in ["3 mai 1999", "Sunday, 1 January 2045", "31.12.1900"]:
    print(f"{source:>28}  ->  {evaluate.translate(model, source, vocabs)[0]}")

# %% [markdown]
# ## 7. How good is it?
#
# **Exact match** counts a date as right only when all ten characters are right. It is stricter than token accuracy, and it is what a user cares about.
# We measure it on the whole test split, 3000 dates.

# %% tags=["nbval-ignore-output"]
exact = evaluate.exact_match(model, test_pairs, vocabs)
token = evaluate.token_accuracy(model, test_pairs, vocabs)
print(f"test exact match: {exact:.4f}   test token accuracy: {token:.4f}")
result("06 dates, additive attention", profile=cfg.profile, machine=describe_machine(info["device"], cfg.num_threads),
       steps=info["steps"], steps_planned=info["steps_planned"], seconds=round(info["seconds"], 1),
       exact_match=round(exact, 4), token_accuracy=round(token, 4))

# %% [markdown]
# The model gets at least 995 dates in 1000 right, and it has converged: its validation exact match, measured every 100 steps during training, no longer rises at the end.

# %%
curve = history["valid_curve"]  # [step, seconds, validation exact match], every 100 steps
print("validation exact match by step:", ", ".join(f"{step}: {em:.3f}" for step, _, em in curve))
claim("test exact match >= 0.995", exact >= 0.995)
claim("converged: the last two validation points differ by at most 0.005", abs(curve[-1][2] - curve[-2][2]) <= 0.005)
assert exact >= 0.995, f"the model should get at least 99.5% of the test dates right, got {exact:.4f}"

# %% [markdown]
# ## Key points
#
# - The Bahdanau model is an encoder (a bidirectional GRU giving one $h_j$ per source position), an attention module $a(s_{i-1}, h_j)$, and a decoder GRU cell that reads $[E y_{i-1} ; c_i]$.
# - One decoder step is four lines: embed $y_{i-1}$; attend with $s_{i-1}$ to get $\alpha_i$ and $c_i$; update $s_i = \operatorname{GRU}([E y_{i-1}; c_i], s_{i-1})$; score the next symbol from $[s_i ; c_i ; E y_{i-1}]$.
# - No parameter has a size that depends on $T_x$. The model trains once and reads sources of 8 or 38 characters alike.
# - Training uses teacher forcing (`tgt_in` = `<sos>` + target, `tgt_out` = target + `<eos>`); testing uses greedy decoding and exact match.
# - "Load the reference model or your checkpoint if it exists, else train" makes every run fast; both are keyed on the configuration, so a changed configuration trains again.
#
# ## References
#
# - D. Bahdanau, K. Cho, Y. Bengio (2015). *Neural Machine Translation by Jointly Learning to Align and Translate.* ICLR. arXiv:1409.0473. (Appendix A: the decoder's equations.)
# - K. Cho, B. van Merriënboer, C. Gulcehre, D. Bahdanau, F. Bougares, H. Schwenk, Y. Bengio (2014). *Learning Phrase Representations using RNN Encoder-Decoder for Statistical Machine Translation.* EMNLP. arXiv:1406.1078.
# - M.-T. Luong, H. Pham, C. D. Manning (2015). *Effective Approaches to Attention-based Neural Machine Translation.* EMNLP. arXiv:1508.04025.
# - PyTorch documentation: [`nn.GRU`](https://pytorch.org/docs/stable/generated/torch.nn.GRU.html), [`nn.GRUCell`](https://pytorch.org/docs/stable/generated/torch.nn.GRUCell.html), [`pack_padded_sequence`](https://pytorch.org/docs/stable/generated/torch.nn.utils.rnn.pack_padded_sequence.html), [automatic mixed precision](https://pytorch.org/docs/stable/amp.html).
