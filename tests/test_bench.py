"""Tests of rnn_attention.bench at tiny sizes: the variants compute the same attention, the output is well formed.

No timing is asserted: timings depend on the machine and on what else runs on it.
"""

import json
import numbers

import pytest
import torch

from rnn_attention import bench

TINY = dict(batch_size=3, src_len=6, hidden_size=8, attn_size=5, decode_steps=4, repeats=2, loop_repeats=1, warmup=1)

NUMBER_KEYS = [
    "speedup_vectorized",
    "speedup_precompute",
    "bound_precompute",
    "bound_precompute_tanh",
    "precompute_fraction_of_bound",
    "speedup_fast_tanh",
    "ms_loop",
    "ms_batched",
    "ms_decode_recompute",
    "ms_decode_precompute",
    "ms_decode_precompute_tanh",
    "ms_step_recompute",
    "ms_step_precompute",
    "ms_keyproj",
    "ms_step_rest",
    "ms_step_rest_tanh",
    "ms_step_rest_sigmoid",
    "ms_add_tanh",
    "ms_add_sigmoid",
    "ms_v_reduce",
    "ms_softmax",
    "ms_weighted_sum",
]


@pytest.fixture(scope="module")
def tiny():
    cfg = bench.BenchConfig(**TINY)
    return cfg, bench.make_inputs(cfg)


def test_inputs_have_the_configured_sizes(tiny):
    cfg, (attn, query, keys, mask) = tiny
    assert query.shape == (3, 8) and keys.shape == (3, 6, 8) and mask.shape == (3, 6)
    assert mask.dtype == torch.bool and mask[0].all() and mask.any(1).all()
    assert attn.attn_size == 5


def test_loop_and_batched_compute_the_same_attention(tiny):
    _, (attn, query, keys, _) = tiny
    loop_context, loop_weights = bench.loop_attention(attn, query, keys)
    context, weights = bench.batched_attention(attn, query, keys)
    torch.testing.assert_close(context, loop_context, rtol=0, atol=1e-5)
    torch.testing.assert_close(weights, loop_weights, rtol=0, atol=1e-5)


def test_loop_with_mask_matches_masked_module(tiny):
    _, (attn, query, keys, mask) = tiny
    loop_context, loop_weights = bench.loop_attention(attn, query, keys, mask)
    with torch.no_grad():
        context, weights = attn(query, keys, mask)
    torch.testing.assert_close(context, loop_context, rtol=0, atol=1e-5)
    torch.testing.assert_close(weights, loop_weights, rtol=0, atol=1e-5)
    assert torch.all(loop_weights[~mask] == 0)


def test_decoding_variants_agree_with_each_other_and_the_loop(tiny):
    cfg, (attn, query, keys, mask) = tiny
    T = cfg.decode_steps
    re_context, re_weights = bench.decode_recompute(attn, query, keys, mask, T)
    pre_context, pre_weights = bench.decode_precompute(attn, query, keys, mask, T)
    assert re_context.shape == (3, T, 8) and re_weights.shape == (3, T, 6)
    torch.testing.assert_close(pre_context, re_context, rtol=0, atol=1e-5)
    torch.testing.assert_close(pre_weights, re_weights, rtol=0, atol=1e-5)
    # the same decoding loop written with the student's per-position loop
    q = query
    for t in range(T):
        context, weights = bench.loop_attention(attn, q, keys, mask)
        torch.testing.assert_close(pre_context[:, t], context, rtol=0, atol=1e-5)
        torch.testing.assert_close(pre_weights[:, t], weights, rtol=0, atol=1e-5)
        q = bench._next_query(q, context)
    # the query really changes from step to step, so the steps are not all the same
    assert not torch.allclose(pre_weights[:, 0], pre_weights[:, -1])


def test_component_ops_compute_the_attention_step(tiny):
    """The sigmoid form timed for the bound gives the same scores as tanh."""
    _, (attn, query, keys, _) = tiny
    with torch.no_grad():
        x = attn.project_keys(keys) + attn.W_a(query).unsqueeze(1)  # (B, S, A)
        v = attn.v_a.weight[0]
        by_tanh = torch.tanh(x) @ v
        by_sigmoid = torch.sigmoid(2 * x) @ (2 * v) - v.sum()
        torch.testing.assert_close(by_sigmoid, by_tanh, rtol=0, atol=1e-6)
        torch.testing.assert_close(attn.score(query, keys), by_tanh, rtol=0, atol=1e-6)


def test_the_fast_path_and_the_reference_form_compute_the_same_decoding(tiny):
    """The benchmark times the module the models use (sigmoid form) against the equation as it reads."""
    cfg, (attn, query, keys, mask) = tiny
    reference = bench.reference_form(attn)
    assert attn.tanh_via_sigmoid and not reference.tanh_via_sigmoid
    assert reference.W_a is attn.W_a and reference.v_a is attn.v_a  # the same weights, not a copy
    fast = bench.decode_precompute(attn, query, keys, mask, cfg.decode_steps)
    literal = bench.decode_precompute(reference, query, keys, mask, cfg.decode_steps)
    for a, b in zip(fast, literal):
        torch.testing.assert_close(a, b, rtol=0, atol=1e-6)


def test_time_ms_is_a_median_in_milliseconds():
    calls = []
    ms = bench.time_ms(lambda: calls.append(1), repeats=5, warmup=2)
    assert len(calls) == 7
    assert isinstance(ms, float) and 0 <= ms < 100


def test_time_interleaved_runs_each_function_its_own_number_of_times():
    order = []
    ms = bench.time_interleaved({"a": (lambda: order.append("a"), 3), "b": (lambda: order.append("b"), 1)}, warmup=1)
    assert order == ["a", "b", "a", "b", "a", "a"]  # warm-up, then turns
    assert set(ms) == {"a", "b"} and all(isinstance(t, float) and t >= 0 for t in ms.values())


def check_result(result):
    for key in NUMBER_KEYS:
        assert isinstance(result[key], float), key
        assert result[key] > 0, key
    assert result["speedup_vectorized"] == pytest.approx(result["ms_loop"] / result["ms_batched"])
    assert result["speedup_precompute"] == pytest.approx(result["ms_decode_recompute"] / result["ms_decode_precompute"])
    step_rest = result["ms_step_rest"]
    assert result["bound_precompute"] == pytest.approx((result["ms_keyproj"] + step_rest) / step_rest)
    assert step_rest == min(result["ms_step_rest_tanh"], result["ms_step_rest_sigmoid"])
    fast_tanh = result["ms_decode_precompute_tanh"] / result["ms_decode_precompute"]
    assert result["speedup_fast_tanh"] == pytest.approx(fast_tanh)
    assert (result["B"], result["S"], result["H"], result["A"], result["T"]) == (3, 6, 8, 5, 4)
    assert result["num_threads"] == torch.get_num_threads()
    assert result["torch_version"] == torch.__version__
    assert isinstance(result["load_average_1min"], float)


def test_run_benchmark_returns_every_key(tiny):
    cfg, _ = tiny
    result = bench.run_benchmark(cfg)
    check_result(result)
    table = bench.format_table(result)
    assert "speedup_vectorized" in table and "bound_precompute" in table and "speedup_fast_tanh" in table


def test_main_json_last_line_is_one_object(capsys):
    result = bench.main(["--json", "--repeats", "2"], config=bench.BenchConfig(**TINY))
    last = capsys.readouterr().out.strip().splitlines()[-1]
    parsed = json.loads(last)
    assert parsed == json.loads(json.dumps(result))
    check_result(parsed)
    assert all(isinstance(value, (numbers.Number, str)) for value in parsed.values())


def test_main_without_json_prints_a_table(capsys):
    bench.main([], config=bench.BenchConfig(**TINY))
    out = capsys.readouterr().out
    assert "speedup_precompute" in out and "bound_precompute" in out
    assert "{" not in out
