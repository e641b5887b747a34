"""The training-step profile of `make bench` (rnn_attention.train_bench), on a tiny model: it measures every phase."""

import pytest

from rnn_attention import train_bench


def test_phase_times_cover_every_part_of_a_step(tiny_cfg, one_thread):
    phases = train_bench.phase_times(tiny_cfg(batch_size=8), n=2, warmup=1)
    assert list(phases) == ["encoder", "decoder recurrence", "read-out and loss", "backward", "optimizer"]
    assert all(ms > 0 for ms in phases.values())


def test_step_ms_restores_the_thread_count(tiny_cfg, one_thread):
    import torch

    assert train_bench.step_ms(tiny_cfg(), batch_size=8, threads=2, n=2, warmup=1) > 0
    assert torch.get_num_threads() == 1


def test_the_two_recipes_are_the_reference_models():
    recipes = train_bench.recipes()
    assert [cfg.task for cfg in recipes.values()] == ["dates", "numbers"]
    assert recipes["numbers (08, 10)"].hidden_size == 128 and recipes["dates (06, 07, 09)"].hidden_size == 64


@pytest.mark.parametrize("bad", [0, -1])
def test_a_measurement_needs_timed_steps(tiny_cfg, bad):
    with pytest.raises(ValueError, match=f"n must be >= 1, got {bad}"):
        train_bench.step_ms(tiny_cfg(), batch_size=8, n=bad)
    with pytest.raises(ValueError, match=f"n must be >= 1, got {bad}"):
        train_bench.phase_times(tiny_cfg(), n=bad)
