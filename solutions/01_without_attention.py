# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3 (ipykernel)
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 01 · Encoder-decoder without attention: one vector for the whole sentence
#
# *Before attention, the decoder saw the source sentence only through one fixed-size vector; we build that encoder, measure how much of a long input survives the squeeze, and see why "a learned weight per position" is no way out.*
#
# **Time:** about 25 minutes on a CPU (two tiny models train for about a minute in all); the same on a GPU.
#
# **Questions**
# - What does the decoder of a plain encoder-decoder actually receive from the encoder?
# - Does that change with the length of the input?
# - Why not let the decoder mix the encoder states with one learned weight per position?
#
# **Learning goals.** After this notebook you can
# 1. run a bidirectional GRU encoder over a batch of inputs of different lengths with `pack_padded_sequence`;
# 2. read its fixed-size summary $[\overrightarrow{h}_{T_x}; \overleftarrow{h}_1]$ from the outputs, and count what the decoder sees for any $T_x$;
# 3. show with a small experiment that less of the input can be read back from that summary as the input grows, while the same model with attention reads back every length it was trained on (1 to 20), and less past them;
# 4. give three reasons why a learned weight per input position cannot replace it.
#
# **You need:** notebook 00 (the question). What a GRU is: a recurrent layer that updates a state vector once per input token.

# %% [markdown]
# ## 1. Set-up

# %% tags=["nbval-ignore-output"]
import matplotlib.pyplot as plt
import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from rnn_attention import AdditiveAttention, lengths_to_mask
from rnn_attention.claims import claim
from rnn_attention.environment import setup
from rnn_attention.exercises import check_final_summary, check_numbers_seen
from rnn_attention.models import count_parameters

device = setup(seed=0)

# %% [markdown]
# ## 2. The encoder-decoder of 2014
#
# Cho et al. (2014) and Sutskever et al. (2014) translate with two recurrent networks.
# The **encoder** reads the source $x_1, \dots, x_{T_x}$ one token at a time. The **decoder** writes the target $y_1, \dots, y_{T_y}$ one token at a time.
# Between them passes **one vector** $c$, a summary of the whole source. In Sutskever et al.'s model the decoder starts from it and never sees the source again.
# Cho et al. used a unidirectional encoder and also fed $c$ into every decoder step and into the output. The model of this notebook (section 5) and the package's no-attention decoder (notebook 08) do what Cho et al. did, with the bidirectional encoder below.
#
# Bahdanau et al. (2015) use a **bidirectional** encoder: a forward GRU reads left to right and gives states $\overrightarrow{h}_1, \dots, \overrightarrow{h}_{T_x}$;
# a backward GRU reads right to left and gives $\overleftarrow{h}_{T_x}, \dots, \overleftarrow{h}_1$. Each has $H$ numbers. The state at position $j$ is both halves stacked:
#
# $$h_j = [\overrightarrow{h}_j;\ \overleftarrow{h}_j] \in \mathbb{R}^{2H}$$
#
# Each GRU has read the whole sentence at the end of its pass: the forward one at position $T_x$, the backward one at position 1. Without attention, the summary is those two final states:
#
# $$c = [\overrightarrow{h}_{T_x};\ \overleftarrow{h}_1] \in \mathbb{R}^{2H}$$

# %% [markdown]
# ## 3. A bidirectional GRU over inputs of different lengths
#
# Our inputs are digit strings: a vocabulary of $V = 10$ digits plus a padding symbol. A batch of $B = 3$ strings of lengths 3, 5 and 9 is padded to $S = 9$.

# %%
PAD = 10  # the padding token; digits are 0..9
lengths = torch.tensor([3, 5, 9])  # T_x of each string: (B,)
src = torch.randint(0, 10, (3, 9))  # (B, S)
src = src.masked_fill(~lengths_to_mask(lengths), PAD)  # padding after each string's end
print(src)

# %% [markdown]
# An embedding turns each token into $E = 8$ numbers; a bidirectional GRU with $H = 16$ reads them.
# `pack_padded_sequence` tells the GRU where each string ends, so that it never reads the padding:
# the backward GRU of the string of length 3 starts at position 3, not at the padded position 9.

# %%
torch.manual_seed(0)
embedding = nn.Embedding(11, 8, padding_idx=PAD)  # V + 1 tokens -> E = 8
encoder = nn.GRU(input_size=8, hidden_size=16, batch_first=True, bidirectional=True)  # H = 16

with torch.no_grad():
    embedded = embedding(src)  # (B, S, E)
    packed = pack_padded_sequence(embedded, lengths, batch_first=True, enforce_sorted=False)
    packed_outputs, h_n = encoder(packed)
    enc_outputs, _ = pad_packed_sequence(packed_outputs, batch_first=True)  # h_1..h_S: (B, S, 2H), zeros on padding
print("enc_outputs (B, S, 2H):", tuple(enc_outputs.shape))
print("h_n (directions, B, H):", tuple(h_n.shape))

# %% [markdown]
# `h_n[0]` is the forward GRU's final state $\overrightarrow{h}_{T_x}$ and `h_n[1]` the backward GRU's final state $\overleftarrow{h}_1$, for each string.
# The summary $c$ stacks them:

# %%
summary = torch.cat([h_n[0], h_n[1]], dim=-1)  # c = [forward h_{T_x}; backward h_1]: (B, 2H)
for b in range(3):
    print(f"T_x = {lengths[b]}: the decoder receives {summary[b].numel()} numbers")

# %% [markdown]
# Three strings, three lengths, and the decoder receives 32 numbers each time.
# The per-position states `enc_outputs` would have held $T_x \times 32$ numbers; without attention they are thrown away.
#
# The final states are also inside `enc_outputs`: the forward half at the last *real* position $T_x$, the backward half at position 1.
#
# **Exercise 1.1.** Write `final_summary(enc_outputs, lengths)` that returns the summary $c$ of shape `(B, 2H)` from the padded outputs
# `enc_outputs` of shape `(B, S, 2H)` (forward half first) and the lengths `(B,)`. The check compares with `torch.cat([h_n[0], h_n[1]], -1)`.

# %%
def final_summary(enc_outputs, lengths):
    """c = [forward h_{T_x}; backward h_1] for each sentence: (B, S, 2H), (B,) -> (B, 2H)."""
    # BEGIN SOLUTION
    # HINT: the forward half of position lengths[b] - 1 (not -1: that is padding for short strings), and the backward half of position 0
    H = enc_outputs.shape[-1] // 2
    rows = torch.arange(enc_outputs.shape[0])  # (B,)
    forward_last = enc_outputs[rows, lengths - 1, :H]  # (B, H)
    backward_first = enc_outputs[:, 0, H:]  # (B, H)
    return torch.cat([forward_last, backward_first], dim=-1)  # (B, 2H)
    # END SOLUTION


check_final_summary(final_summary)

# %% [markdown]
# ## 4. What the decoder sees, counted
#
# Without attention, the decoder sees $2H$ numbers whatever $T_x$ is. With attention (notebooks 02 to 04) it can look at every $h_j$ at every step: $T_x \cdot 2H$ numbers.
#
# **Exercise 1.2.** Write `numbers_seen(T_x, hidden_size)` that returns the pair `(without_attention, with_attention)`:
# how many numbers the decoder can read from a bidirectional encoder with hidden size $H$ = `hidden_size`.

# %%
def numbers_seen(T_x, hidden_size):
    """(numbers in the summary c, numbers in all of h_1..h_{T_x}) for a bidirectional encoder."""
    # BEGIN SOLUTION
    # HINT: each h_j has 2 * hidden_size numbers (two directions)
    return 2 * hidden_size, T_x * 2 * hidden_size
    # END SOLUTION


check_numbers_seen(numbers_seen)

# %% [markdown]
# With $H = 16$: a 5-token input and a 50-token input both squeeze into 32 numbers; attention could read 160 and 1600.

# %%
for T_x in (5, 50, 500):
    print(f"T_x = {T_x:3d}: without attention {2 * 16:3d} numbers, with attention {T_x * 2 * 16:5d}")

# %% [markdown]
# ## 5. The bottleneck, measured
#
# 32 real numbers could in principle encode a lot. The question is how much a trained network actually manages to put in and get out.
# A direct test: train an encoder-decoder to **copy** its input. The decoder must write the digit string back from the summary alone,
# so every digit it gets right passed through the 32 numbers.
#
# The model: the encoder above, a bridge layer that turns $c$ into the decoder's first state $s_0$, and a GRU decoder that writes one digit per step.
# At step $i$ it reads the previous correct digit $y_{i-1}$ (teacher forcing) and a **context**, here the same $c$ at every step; the read-out that scores the next digit sees the new state $s_i$ and the context too, as in Cho et al. (2014).
# It trains on strings of every length from 1 to 20.

# %%
class CopyModel(nn.Module):
    """Encoder-decoder with no attention: the decoder sees the source only through c (2H numbers)."""

    def __init__(self, emb_size=16, hidden_size=16):
        super().__init__()
        K = 2 * hidden_size  # the size of c, and of each h_j
        self.embedding = nn.Embedding(12, emb_size, padding_idx=PAD)  # 10 digits, PAD, BOS = 11
        self.encoder = nn.GRU(emb_size, hidden_size, batch_first=True, bidirectional=True)
        self.bridge = nn.Linear(K, K)  # c -> the decoder's first state s_0
        self.decoder = nn.GRUCell(emb_size + K, K)  # s_i = GRU([E y_{i-1}; context], s_{i-1})
        self.out = nn.Linear(2 * K, 10)  # a score for each digit, from [s_i; context]

    def encode(self, src, lengths):
        """The encoder states h_1..h_S (B, S, 2H), zero on padding, and the summary c (B, 2H)."""
        packed = pack_padded_sequence(self.embedding(src), lengths, batch_first=True, enforce_sorted=False)
        packed_outputs, h_n = self.encoder(packed)  # h_n: (2, B, H)
        enc_outputs, _ = pad_packed_sequence(packed_outputs, batch_first=True, total_length=src.shape[1])
        return enc_outputs, torch.cat([h_n[0], h_n[1]], dim=-1)  # (B, S, 2H), c: (B, 2H)

    def context(self, dec_state, enc_outputs, mask, c):
        """What the decoder reads at step i: without attention, the same c at every step."""
        return c  # (B, 2H): all the decoder will know about src

    def forward(self, src, lengths):
        enc_outputs, c = self.encode(src, lengths)  # (B, S, 2H), (B, 2H)
        mask = lengths_to_mask(lengths, src.shape[1])  # (B, S)
        previous = torch.cat([torch.full_like(src[:, :1], 11), src[:, :-1]], dim=1)  # BOS, y_1..y_{S-1}: (B, S)
        embedded = self.embedding(previous)  # (B, S, E)
        dec_state = torch.tanh(self.bridge(c))  # s_0: (B, 2H)
        read_out = []
        for i in range(src.shape[1]):  # one output digit per step
            context = self.context(dec_state, enc_outputs, mask, c)  # (B, 2H)
            dec_state = self.decoder(torch.cat([embedded[:, i], context], dim=-1), dec_state)  # s_i: (B, 2H)
            read_out.append(torch.cat([dec_state, context], dim=-1))  # [s_i; context]: (B, 4H)
        return self.out(torch.stack(read_out, dim=1))  # (B, S, 10)


def random_strings(batch_size, min_len, max_len, generator):
    """A padded batch of random digit strings: (B, S) tokens, (B,) lengths, (B, S) mask."""
    lengths = torch.randint(min_len, max_len + 1, (batch_size,), generator=generator)  # (B,)
    src = torch.randint(0, 10, (batch_size, int(lengths.max())), generator=generator)  # (B, S)
    mask = lengths_to_mask(lengths)  # (B, S)
    return src.masked_fill(~mask, PAD), lengths, mask


print("parameters:", count_parameters(CopyModel()))

# %% [markdown]
# Is a falling curve the fault of the 32 numbers, or only of too little training? A curve of the plain model alone cannot say. So we train a **control** beside it.
#
# **A preview: the same model, allowed to look back at every $h_j$.** Notebooks 02 to 04 build attention step by step; here we only borrow it from the package.
# `AdditiveAttention` compares the decoder state $s_{i-1}$ with every encoder state $h_j$, turns the scores into weights $\alpha_{ij}$ that sum to one, and returns $c_i = \sum_j \alpha_{ij} h_j$.
# Everything else stays: the encoder, the bridge, the decoder and the read-out, which now get $c_i$ where they got $c$. One line differs: the context.

# %%
class CopyModelWithAttention(CopyModel):
    """The same copy model, but at every step its context is c_i = sum_j alpha_ij h_j (a preview of notebooks 02-06)."""

    def __init__(self, emb_size=16, hidden_size=16):
        super().__init__(emb_size, hidden_size)
        K = 2 * hidden_size
        self.attention = AdditiveAttention(query_size=K, key_size=K, attn_size=K)  # e_ij = v_a^T tanh(W_a s_{i-1} + U_a h_j)

    def context(self, dec_state, enc_outputs, mask, c):
        return self.attention(dec_state, enc_outputs, mask)[0]  # c_i = sum_j alpha_ij h_j: (B, 2H)


print("parameters:", count_parameters(CopyModelWithAttention()), "(the attention adds W_a, U_a and v_a)")

# %% [markdown]
# Training: batches of 64 random strings, Adam, a learning rate that decays along a cosine so that the last steps settle.
# Every 200 steps we read back 400 fixed test strings of length 20, to see whether the model is still improving.
# The models are tiny, so one CPU thread is fastest, and it keeps the runs reproducible.

# %%
PLAIN_STEPS = 1600  # the plain model gets more than twice the attention model's steps
ATTENTION_STEPS = 600
EVAL_EVERY = 200
test_sets = {}  # T_x -> 400 test strings of exactly that length, the same for both models
generator = torch.Generator().manual_seed(1)
for T_x in range(1, 21):
    test_sets[T_x] = random_strings(400, T_x, T_x, generator)


def accuracy(model, T_x):
    """The fraction of the digits of the test strings of length T_x that the model copies correctly."""
    src, lengths, _ = test_sets[T_x]
    with torch.no_grad():
        return (model(src, lengths).argmax(dim=-1) == src).float().mean().item()


def train_copy(model, steps, lr=1e-2, seed=0):
    """Train to copy strings of lengths 1..20; return {step: accuracy at T_x = 20} every EVAL_EVERY steps."""
    torch.manual_seed(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    schedule = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps, eta_min=0.05 * lr)
    generator = torch.Generator().manual_seed(seed)
    history = {0: accuracy(model, 20)}
    for step in range(1, steps + 1):
        src, lengths, mask = random_strings(64, 1, 20, generator)
        logits = model(src, lengths)  # (B, S, 10)
        loss = nn.functional.cross_entropy(logits[mask], src[mask])  # real positions only
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        schedule.step()
        if step % EVAL_EVERY == 0 or step == steps:
            history[step] = accuracy(model, 20)
            print(f"step {step:4d}: loss {loss.item():.3f}, accuracy at T_x = 20: {history[step]:.2f}")
    return history


torch.set_num_threads(1)

# %% [markdown]
# The plain model first (about half a minute on one CPU thread):

# %% tags=["nbval-ignore-output"]
torch.manual_seed(0)
model = CopyModel()
plain_history = train_copy(model, PLAIN_STEPS)

# %% [markdown]
# Then the control, with fewer steps (each costs more: the decoder compares $s_{i-1}$ with every $h_j$):

# %% tags=["nbval-ignore-output"]
torch.manual_seed(0)
model_attention = CopyModelWithAttention()
attention_history = train_copy(model_attention, ATTENTION_STEPS)

# %% [markdown]
# Now read back the test strings of each length and count the digits each model gets right. Chance is 1 in 10.

# %% tags=["nbval-ignore-output"]
test_lengths = list(range(1, 21))
plain = {T_x: accuracy(model, T_x) for T_x in test_lengths}
attended = {T_x: accuracy(model_attention, T_x) for T_x in test_lengths}
print("T_x:           " + " ".join(f"{T_x:4d}" for T_x in test_lengths))
print("no attention:  " + " ".join(f"{plain[T_x]:4.2f}" for T_x in test_lengths))
print("attention:     " + " ".join(f"{attended[T_x]:4.2f}" for T_x in test_lengths))

fig, (ax, ax_steps) = plt.subplots(1, 2, figsize=(11, 3.4))
ax.plot(test_lengths, [plain[T_x] for T_x in test_lengths], "o-", label=f"read back from c (32 numbers), {PLAIN_STEPS} steps")
ax.plot(test_lengths, [attended[T_x] for T_x in test_lengths], "s-", color="tab:green",
        label=f"the same model with attention, {ATTENTION_STEPS} steps")
ax.axhline(0.1, color="grey", linestyle="--", label="chance")
ax.set_ylim(0, 1.05)
ax.set_xticks([1, 5, 10, 15, 20])
ax.set_xlabel("source length T_x")
ax.set_ylabel("digits copied correctly")
ax.set_title("after training")
ax.legend(loc="center left", fontsize=8)
ax_steps.plot(list(plain_history), list(plain_history.values()), "o-", label="no attention")
ax_steps.plot(list(attention_history), list(attention_history.values()), "s-", color="tab:green", label="attention")
ax_steps.set_ylim(0, 1.05)
ax_steps.set_xlabel("training step")
ax_steps.set_ylabel("digits copied correctly, T_x = 20")
ax_steps.set_title("during training, on the longest strings")
ax_steps.legend(loc="lower right", fontsize=8)
fig.tight_layout()

# %% [markdown]
# The numbers vary a little between machines; the statements below are checked on them, each with a margin:

# %%
claim("both models copy strings of 2 digits almost perfectly (>= 0.95)", min(plain[2], attended[2]) >= 0.95)
claim("without attention, T_x = 20 is at least 0.2 below T_x = 5", plain[5] - plain[20] >= 0.2)
claim("with attention, at least 0.9 of the digits come back at every T_x from 1 to 20", min(attended.values()) >= 0.9)
claim("at T_x = 20, attention is at least 0.15 ahead, with under half the steps",
      attended[20] - plain[20] >= 0.15 and 2 * ATTENTION_STEPS < PLAIN_STEPS)
claim("the plain model was still improving: at T_x = 20 it gained over 0.03 in its last 1000 steps",
      plain_history[PLAIN_STEPS] - plain_history[PLAIN_STEPS - 1000] > 0.03)

# %% [markdown]
# What the two curves show:
#
# - Short strings come back almost perfectly either way: a few digits fit easily into 32 numbers.
# - Without attention, the longer the string, the more digits are lost, even with more than twice the training steps of the control.
# - The control differs in one line, and it copies every length from 1 to 20, the lengths it trained on: looking back at every $h_j$ removes the difficulty, with fewer steps.
# - The plain model is not finished: the right panel shows it still improving on the longest strings. This experiment does not say where its curve would stop.
#   It says that pushing a long input through a fixed-size summary and reading it back out is much harder to learn than looking back at every position, and harder the longer the input.
#
# On translation, Cho et al. (2014b) found the same: in the words of Bahdanau et al. (2015), the performance of a basic encoder-decoder
# "deteriorates rapidly as the length of an input sentence increases".
# Notebook 08 repeats the measurement on a real task, with and without attention.
#
# *Try it:* set `PLAIN_STEPS` to 8000 and rerun the plain model's cells (about two minutes): does its curve still fall with $T_x$?

# %% [markdown]
# **Every length?** Both models trained on lengths 1 to 20 only, so "every length" above means every length *they trained on*.
# The attention model has a weight for every position of a longer string too: nothing in it depends on $T_x$. Whether those weights are *right* there is another question, and a quick one to ask.
# Here are 400 new strings of length 30 and of length 60, read back the same way (each digit with the correct previous digit given), and the share of strings copied with no mistake at all:

# %% tags=["nbval-ignore-output"]
generator_long = torch.Generator().manual_seed(2)
for T_x in (30, 60):
    test_sets[T_x] = random_strings(400, T_x, T_x, generator_long)


def exact_match(model, T_x):
    """The fraction of the test strings of length T_x that the model copies with every digit right."""
    src, lengths, _ = test_sets[T_x]
    with torch.no_grad():
        return (model(src, lengths).argmax(dim=-1) == src).all(dim=-1).float().mean().item()


beyond = {T_x: (accuracy(model_attention, T_x), exact_match(model_attention, T_x)) for T_x in (20, 30, 60)}
for T_x, (digits, exact) in beyond.items():
    print(f"with attention, T_x = {T_x}: digits copied {digits:.2f}, strings copied exactly {exact:.2f}")

# %%
claim("with attention, the digits copied fall by over 0.1 from T_x = 20 to 30, and again from 30 to 60",
      beyond[20][0] - beyond[30][0] > 0.1 and beyond[30][0] - beyond[60][0] > 0.1)
claim("with attention, T_x = 60 (3 times the longest training string) loses over 0.3 of the digits that T_x = 20 keeps",
      beyond[20][0] - beyond[60][0] > 0.3)
claim("with attention, under half of the strings of length 30 come back exactly", beyond[30][1] < 0.5)

# %% [markdown]
# The model runs on strings of length 60, but reads back fewer and fewer digits past the lengths it trained on.
# "A weight for every position" makes a model *applicable* to every length; it does not make it *right* there.
# Notebook 10 measures this on dates and numbers, and notebook 11 (*What it takes to extrapolate*) builds a decoder that copies ten times its training length, and shows why this content-based attention does not.

# %% [markdown]
# ## 6. Why not one learned weight per input position?
#
# The natural fix: let the decoder use *all* the $h_j$, mixed as $c = \sum_j \alpha_j h_j$ with learned weights $\alpha_1, \dots, \alpha_{T_x}$,
# as the student of notebook 00 proposed. Such a vector of weights has three faults, each visible in a few lines:

# %%
class FixedWeights(nn.Module):
    """The misconception: one learned weight per position, up to a maximum length."""

    def __init__(self, max_len):
        super().__init__()
        self.logits = nn.Parameter(torch.randn(max_len))  # one number per position j

    def forward(self, enc_outputs, length):  # enc_outputs: (S, 2H) for one string
        alpha = torch.softmax(self.logits[:length], dim=0)  # (T_x,)
        return alpha @ enc_outputs[:length], alpha  # (context, weights) as in the package: (2H,), (T_x,)


torch.manual_seed(0)
fixed = FixedWeights(max_len=9)
print("1. size tied to T_x: parameters =", count_parameters(fixed), "= max_len; 9 weights for a string of length 12 ->", end=" ")
try:
    fixed(torch.randn(12, 32), 12)
except RuntimeError as error:
    print("RuntimeError:", str(error).split("(")[0].strip())

# %%
with torch.no_grad():
    _, alpha_a = fixed(enc_outputs[1], 5)  # the string of length 5 above
    _, alpha_b = fixed(torch.randn(5, 32), 5)  # another string of length 5, different content
print("2. same weights for every string:", [f"{a:.3f}" for a in alpha_a.tolist()])
print("                   another string:", [f"{a:.3f}" for a in alpha_b.tolist()])
claim("2. two strings of the same length with different content get the same weights", torch.equal(alpha_a, alpha_b))
claim("3. blind to content: swapping h_1 and h_2 leaves the weights unchanged",
      torch.equal(fixed(enc_outputs[1, [1, 0, 2, 3, 4]], 5)[1], alpha_a))

# %% [markdown]
# 1. **Its size is tied to $T_x$.** It has `max_len` parameters and cannot weigh position `max_len + 1`; positions near the end are rarely seen in training and barely learned.
# 2. **It is the same for every sentence.** Position 3 gets the same weight whether it holds the subject or a comma.
# 3. **It is blind to content.** The weights are computed without looking at any $h_j$, nor at what the decoder is writing; in translation, the word to look at depends on both.
#
# Attention keeps the good part of the idea (a weighted sum $\sum_j \alpha_{ij} h_j$ over all positions) and fixes all three faults:
# the $\alpha_{ij}$ are *computed* for each sentence and each output step by a small network that compares the decoder state with each $h_j$.
# Notebook 02 builds that network.

# %% [markdown]
# ## Key points
#
# - A plain encoder-decoder passes one vector $c = [\overrightarrow{h}_{T_x}; \overleftarrow{h}_1]$ of $2H$ numbers from encoder to decoder, whatever $T_x$ is.
# - `pack_padded_sequence` lets a (bidirectional) GRU read a batch of different lengths without reading the padding.
# - On a copy task, the longer the input, the less of it the plain model reads back from $c$; the same model with attention (one line of difference) reads back every length it was trained on (1 to 20), with fewer training steps. Past those lengths it runs, but reads back less (section 5; notebooks 10 and 11).
# - The encoder already computes $T_x \cdot 2H$ numbers, one $h_j$ per position; the plain decoder throws them away.
# - A learned weight per position cannot fix it: its size is tied to a maximum length, it is the same for every sentence, and it never looks at the content.
#
# ## References
#
# - K. Cho, B. van Merriënboer, C. Gulcehre, D. Bahdanau, F. Bougares, H. Schwenk, Y. Bengio (2014). *Learning Phrase Representations using RNN Encoder-Decoder for Statistical Machine Translation.* EMNLP. arXiv:1406.1078.
# - K. Cho, B. van Merriënboer, D. Bahdanau, Y. Bengio (2014). *On the Properties of Neural Machine Translation: Encoder-Decoder Approaches.* SSST-8. arXiv:1409.1259 (quality falls with sentence length).
# - I. Sutskever, O. Vinyals, Q. V. Le (2014). *Sequence to Sequence Learning with Neural Networks.* NeurIPS. arXiv:1409.3215.
# - D. Bahdanau, K. Cho, Y. Bengio (2015). *Neural Machine Translation by Jointly Learning to Align and Translate.* ICLR. arXiv:1409.0473. Sections 1 and 3.2 (the bidirectional encoder).
# - PyTorch documentation: [`nn.GRU`](https://pytorch.org/docs/stable/generated/torch.nn.GRU.html), [`pack_padded_sequence`](https://pytorch.org/docs/stable/generated/torch.nn.utils.rnn.pack_padded_sequence.html).
