"""Hugging Face models built from their configs (nothing downloaded), captured with torch.export
(torch.fx cannot trace them): GPT-2, BERT, Llama, ViT and T5 export with their exact parameter
count, what autograd saves matches the training graph with 0 unexplained differences, and a plan
that recomputes runs on the stock model with the gradients and buffers of the plain step
(issue 17)."""
import copy
import json
import warnings

import pytest
import torch
import transformers

from torch2graph import PlannedModule, capture, compare, dumps, export, measure, parameter_count, recomputed_layers
from torch2graph.zoo import checkpoint_all_peak, smallest_budget

from conftest import run_cli

transformers.logging.set_verbosity_error()
T = transformers


def build(name, attention_dropout=True, width=64):
    """A small model of each family, in training mode, and its example inputs: sequences long
    enough (64 tokens, 8×8 patches) that activations, not parameters, make the peak.
    `attention_dropout=False`: the attention probabilities' dropout off (T5: all dropout, it has
    one rate); `width`: the hidden size (the feed-forward layers' is twice that)."""
    torch.manual_seed(0)
    tokens = torch.randint(0, 128, (4, 64))
    off = {} if attention_dropout else {"gpt2": {"attn_pdrop": 0.0}, "bert": {"attention_probs_dropout_prob": 0.0},
                                        "t5": {"dropout_rate": 0.0}}.get(name, {})
    if name == "gpt2":
        config = T.GPT2Config(n_layer=2, n_embd=width, n_head=4, vocab_size=128, n_positions=64, bos_token_id=0, eos_token_id=0, **off)
        return T.GPT2LMHeadModel(config).train(), (tokens,)
    if name == "bert":
        config = T.BertConfig(num_hidden_layers=2, hidden_size=width, num_attention_heads=4, intermediate_size=2 * width,
                              vocab_size=128, max_position_embeddings=64, **off)
        return T.BertForMaskedLM(config).train(), (tokens,)
    if name == "llama":
        config = T.LlamaConfig(num_hidden_layers=2, hidden_size=width, num_attention_heads=4, num_key_value_heads=2,
                               intermediate_size=2 * width, vocab_size=128, max_position_embeddings=64)
        return T.LlamaForCausalLM(config).train(), (tokens,)
    if name == "vit":
        config = T.ViTConfig(num_hidden_layers=2, hidden_size=width, num_attention_heads=4, intermediate_size=2 * width,
                             image_size=64, patch_size=8)
        return T.ViTForImageClassification(config).train(), (torch.randn(4, 3, 64, 64),)
    if name == "t5":
        config = T.T5Config(num_layers=2, num_decoder_layers=2, d_model=width, d_kv=width // 4, num_heads=4, d_ff=2 * width,
                            vocab_size=128, decoder_start_token_id=0, **off)
        # forward(input_ids, attention_mask, decoder_input_ids)
        return T.T5ForConditionalGeneration(config).train(), (tokens, None, torch.randint(0, 128, (4, 32)))
    raise ValueError(name)


MODELS = ["gpt2", "bert", "llama", "vit", "t5"]


def training_graph(plan_cli, tmp_path, model, inputs, name):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        graph = export(model, inputs, name=name, batch=inputs[0].shape[0])
    forward, training = tmp_path / "f.json", tmp_path / "t.json"
    forward.write_text(dumps(graph))
    run_cli(plan_cli, "export", str(forward), "--training", "-o", str(training))
    return graph, json.loads(training.read_text()), [str(w.message) for w in caught]


@pytest.mark.parametrize("name", MODELS)
def test_exports_with_exact_parameters_and_saved_tensors(plan_cli, tmp_path, name):
    model, inputs = build(name)
    graph, training, messages = training_graph(plan_cli, tmp_path, model, inputs, name)
    assert parameter_count(graph) == sum(p.numel() for p in model.parameters())
    # Mask arithmetic (arange, comparisons) has no cost formula: priced by the fallback, with a
    # warning naming the ops, never refused.
    assert set(graph["exporter"].get("cost_fallback", [])) <= {
        "__and__", "arange", "cos", "cumsum", "diff", "eq", "full_like", "gather", "ge", "gt", "index", "le", "lt",
        "min", "ne", "new_ones", "sin", "to", "where", "zeros", "zeros_like"}
    assert any("priced at one operation per output element" in m for m in messages) == bool(graph["exporter"].get("cost_fallback"))
    # Layers are named after the module that runs them.
    assert any(l["name"].endswith(".attention") or "scaled_dot_product_attention" in l["name"] for l in graph["layers"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _, saved = measure(model, inputs)
    rows = compare(training, saved)
    assert len(rows) >= 40
    bad = [(r.layer, r.measured_bytes, r.graph_bytes) for r in rows if not r.matches]
    assert not bad, f"{name}: {bad[:5]}"


def _middle_budget(plan_cli, training_path):
    """Halfway between the smallest budget best-baseline reaches and the checkpoint-all peak."""
    return (smallest_budget(plan_cli, training_path) + checkpoint_all_peak(plan_cli, training_path)) // 2


def _loss(out):
    logits = out.logits if hasattr(out, "logits") else out[0]
    return logits.float().pow(2).mean()


@pytest.mark.parametrize("name", MODELS)
def test_a_plan_runs_on_the_stock_model(plan_cli, tmp_path, name):
    base, inputs = build(name)
    graph, _, _ = training_graph(plan_cli, tmp_path, base, inputs, name)
    training, plan_path = str(tmp_path / "t.json"), str(tmp_path / "plan.json")
    budget = _middle_budget(plan_cli, training)
    run_cli(plan_cli, "plan", training, "--budget", f"{budget}B", "--solver", "best-baseline", "--time-limit", "5", "-o", plan_path)
    plan = json.load(open(plan_path))
    assert len(recomputed_layers(plan)) >= 5

    def step(wrap):
        model = copy.deepcopy(base)
        run = wrap(model)
        torch.manual_seed(1)  # the same dropout masks in every run
        out = run(*inputs)
        _loss(out).backward()
        return out, [p.grad for p in model.parameters()], list(model.buffers())

    plain_out, plain, plain_buffers = step(lambda m: m)
    _, captured, _ = step(lambda m: (lambda *a, g=capture(m, inputs): torch.fx.Interpreter(g).run(*a)))
    planned_out, planned, planned_buffers = step(lambda m: PlannedModule(m, plan, inputs))
    if name == "t5":
        # Its output holds the cache object torch.export cannot return: the output's tensors, in order.
        assert isinstance(planned_out, tuple) and torch.equal(planned_out[0], plain_out.logits)
    else:
        assert type(planned_out) is type(plain_out)  # a ModelOutput, as the model returns it
    # The plan changes nothing the captured graph computes: bit for bit.
    assert all(torch.equal(a, b) for a, b in zip(planned, captured))
    assert all(torch.equal(a, b) for a, b in zip(planned_buffers, plain_buffers))
    if name == "llama":
        # torch.export captures transformers' traceable attention (an explicit causal mask, key and
        # value heads repeated) where eager Llama calls SDPA with is_causal and enable_gqa: the
        # forward pass is bit-identical, the gradients differ by float32 rounding.
        assert torch.equal(planned_out.logits, plain_out.logits)
        assert all(torch.allclose(a, b, rtol=1e-5, atol=1e-7) for a, b in zip(planned, plain))
    else:
        assert all(torch.equal(a, b) for a, b in zip(planned, plain))


def test_one_command_builds_a_hugging_face_model_from_its_config(plan_cli, tmp_path):
    # transformers:GPT2LMHeadModel with --factory-args for its config, token ids as int64 inputs.
    from torch2graph import apply
    from torch2graph.__main__ import main
    config = {"n_layer": 2, "n_embd": 64, "n_head": 4, "vocab_size": 128, "n_positions": 64, "bos_token_id": 0, "eos_token_id": 0}
    out = tmp_path / "plan.json"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert main(["plan", "transformers:GPT2LMHeadModel", "--factory-args", json.dumps(config), "--input", "4,64:int64",
                     "--budget", "80%", "--solver", "best-baseline", "--time-limit", "5", "--plan-cli", plan_cli, "-o", str(out)]) == 0
    assert recomputed_layers(json.load(open(out)))
    torch.manual_seed(0)
    base = T.GPT2LMHeadModel(T.GPT2Config(**config)).train()
    model = copy.deepcopy(base)
    tokens = torch.randint(0, 128, (4, 64))
    planned = apply(model, str(out), (tokens,))
    torch.manual_seed(1)
    _loss(base(tokens)).backward()
    torch.manual_seed(1)
    _loss(planned(tokens)).backward()
    assert all(torch.equal(a.grad, b.grad) for a, b in zip(base.parameters(), model.parameters()))
    with pytest.raises(SystemExit):
        main(["plan", "transformers:GPT2LMHeadModel", "--input", "4,64:int8", "--budget", "50%", "-o", str(tmp_path / "x.json")])
