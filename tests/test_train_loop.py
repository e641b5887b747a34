"""Tests of rnn_attention.train.loop: fit and its callbacks, the loss under mixed precision, learning."""

import torch

from rnn_attention.data import PairDataset, make_loader
from rnn_attention.evaluate import exact_match
from rnn_attention.models import build_model
from rnn_attention.train import (
    AlignmentSnapshots,
    Callback,
    choose_device,
    compute_loss,
    fit,
    pick_probe_pairs,
    prepare_data,
)

CPU = torch.device("cpu")


def tiny_setup(cfg):
    """(model, loader, splits, vocabs) for cfg, seeded like train_model."""
    splits, vocabs = prepare_data(cfg)
    torch.manual_seed(cfg.seed)
    model = build_model(len(vocabs[0]), len(vocabs[1]), cfg)
    loader = make_loader(PairDataset(splits["train"], *vocabs), cfg.batch_size, seed=cfg.seed)
    return model, loader, splits, vocabs


class Recorder(Callback):
    """Writes down every hook call."""

    def __init__(self):
        self.calls = []

    def on_train_start(self, state):
        self.calls.append(("start", state.steps_planned))
        self.state = state

    def on_step_end(self, step, stats):
        assert {"loss", "n_correct", "n_tokens", "lr", "seconds"} <= set(stats)
        self.calls.append(("step", step))

    def on_epoch_end(self, epoch, step):
        self.calls.append(("epoch", epoch, step))

    def on_train_end(self, step):
        assert self.state.history["steps"] == step  # set before on_train_end, for the callbacks to read
        self.calls.append(("end", step))


def test_choose_device_says_which(capsys):
    device = choose_device("cpu")
    assert device.type == "cpu" and "cpu" in capsys.readouterr().out


def test_callbacks_are_called_in_order_with_the_right_steps(tiny_cfg):
    cfg = tiny_cfg(epochs=2, max_steps=None, valid_pairs=0, snapshot_every=0)
    model, loader, _, _ = tiny_setup(cfg)
    n = len(loader)  # steps per epoch
    recorder = Recorder()
    history = fit(model, loader, cfg, CPU, callbacks=[recorder])
    expected = [("start", 2 * n)] + [("step", s) for s in range(1, n + 1)] + [("epoch", 1, n)]
    expected += [("step", s) for s in range(n + 1, 2 * n + 1)] + [("epoch", 2, 2 * n), ("end", 2 * n)]
    assert recorder.calls == expected
    assert history["steps"] == history["steps_planned"] == 2 * n and history["stopped_by_time"] is False
    assert history["step"] == list(range(1, 2 * n + 1))  # log_every=1


class ModeRecorder(Callback):
    """Writes down whether the model is in train mode after every step and every epoch (validation included)."""

    def on_train_start(self, state):
        self.state, self.training = state, []

    def on_step_end(self, step, stats):
        self.training.append(self.state.model.training)

    def on_epoch_end(self, epoch, step):
        self.training.append(self.state.model.training)


def test_validation_leaves_the_model_in_train_mode(tiny_cfg):
    cfg = tiny_cfg(epochs=2, max_steps=None, valid_pairs=5, snapshot_every=0)
    model, loader, splits, vocabs = tiny_setup(cfg)
    recorder = ModeRecorder()
    history = fit(model, loader, cfg, CPU, callbacks=[recorder], valid_pairs=splits["valid"][:5], vocabs=vocabs)
    assert len(history["valid_exact_match"]) == 2  # exact match ran after each epoch, before the recorder
    assert recorder.training and all(recorder.training)
    assert not model.training  # fit hands the trained model back in eval mode


def test_max_steps_cuts_mid_epoch_without_an_epoch_end(tiny_cfg):
    cfg = tiny_cfg(epochs=3, max_steps=5, log_every=2, valid_pairs=0, snapshot_every=0)
    model, loader, _, _ = tiny_setup(cfg)
    assert len(loader) > 5
    recorder = Recorder()
    history = fit(model, loader, cfg, CPU, callbacks=[recorder])
    assert [c for c in recorder.calls if c[0] == "epoch"] == []
    assert recorder.calls[0] == ("start", 5) and recorder.calls[-1] == ("end", 5)
    assert history["step"] == [2, 4] and history["steps"] == 5 and not history["stopped_by_time"]


def test_the_time_cap_is_recorded(tiny_cfg):
    cfg = tiny_cfg(max_steps=50, epochs=5, max_seconds=1e-9)  # the cap is past before the first step
    model, loader, _, _ = tiny_setup(cfg)
    history = fit(model, loader, cfg, CPU)
    assert history["stopped_by_time"] is True and history["steps"] == 0 and history["steps_planned"] == 50


def test_alignment_snapshots_at_zero_every_n_and_at_the_end(tiny_cfg):
    cfg = tiny_cfg(max_steps=5, snapshot_every=2, probe_size=3)
    model, loader, splits, vocabs = tiny_setup(cfg)
    probe = pick_probe_pairs(splits["test"], cfg.probe_size)
    history = fit(model, loader, cfg, CPU, callbacks=[AlignmentSnapshots(probe, vocabs)])
    assert [s["step"] for s in history["alignments"]] == [0, 2, 4, 5]
    assert history["probe"] == {"src": [s for s, _ in probe], "tgt": [t for _, t in probe]}
    for snapshot in history["alignments"]:
        assert len(snapshot["attn"]) == len(snapshot["outputs"]) == 3
        for (src, tgt), attn in zip(probe, snapshot["attn"]):
            assert attn.shape == (len(tgt) + 1, len(src))  # (T, S): + EOS
            torch.testing.assert_close(attn.sum(-1), torch.ones(len(tgt) + 1))
    # when the last step is a snapshot step, it is recorded once
    model, loader, _, _ = tiny_setup(cfg.replace(max_steps=4))
    history = fit(model, loader, cfg.replace(max_steps=4), CPU, callbacks=[AlignmentSnapshots(probe, vocabs)])
    assert [s["step"] for s in history["alignments"]] == [0, 2, 4]


def test_callbacks_do_not_change_what_is_learned(tiny_cfg):
    cfg = tiny_cfg(epochs=2, max_steps=16, snapshot_every=3, valid_pairs=10)  # validation between steps
    plain, loader, splits, vocabs = tiny_setup(cfg)
    fit(plain, loader, cfg, CPU)
    watched, loader, _, _ = tiny_setup(cfg)
    probe = pick_probe_pairs(splits["test"], 2)
    fit(
        watched,
        loader,
        cfg,
        CPU,
        callbacks=[AlignmentSnapshots(probe, vocabs), Recorder()],
        valid_pairs=splits["valid"][:10],
        vocabs=vocabs,
    )
    for (name, a), b in zip(plain.state_dict().items(), watched.state_dict().values()):
        assert torch.equal(a, b), name


def test_one_step_under_bfloat16_autocast_is_finite(tiny_cfg):
    cfg = tiny_cfg()
    splits, vocabs = prepare_data(cfg)
    model = build_model(len(vocabs[0]), len(vocabs[1]), cfg)
    batch = next(iter(make_loader(PairDataset(splits["train"], *vocabs), 16)))
    optimizer = torch.optim.Adam(model.parameters(), 1e-3)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        loss, _, _ = compute_loss(model, batch)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    assert torch.isfinite(loss) and all(torch.isfinite(p).all() for p in model.parameters())


def test_short_training_learns_to_copy(tiny_cfg):
    """A real (small) run: if learning were broken, accuracy would stay near chance (1/5)."""
    cfg = tiny_cfg(
        hidden_size=32,
        emb_size=16,
        attn_size=16,
        epochs=20,
        max_steps=150,
        max_seconds=None,
        lr=1e-2,
        warmup_steps=10,
        valid_pairs=0,
        snapshot_every=0,
    )
    splits, vocabs = prepare_data(cfg)
    torch.manual_seed(0)
    model = build_model(len(vocabs[0]), len(vocabs[1]), cfg)
    loader = make_loader(PairDataset(splits["train"], *vocabs), cfg.batch_size, seed=0)
    history = fit(model, loader, cfg, CPU)
    assert history["loss"][-1] < history["loss"][0] / 3
    em = exact_match(model, splits["test"], vocabs)
    assert em >= 0.6
