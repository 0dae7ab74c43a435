"""Run a model under a plan's keep/recompute decisions.

A plan (docs/plan-format.md) computes some forward layers more than once: their outputs were
dropped after the forward pass and recomputed for the backward pass. `PlannedModule` runs the
model's captured graph (torch2graph.capture) node by node, as without the plan, under
saved-tensor hooks: what autograd saves of a layer the plan recomputes in its backward pass (its
output, a view of it, or a buffer its op made, such as pooling indices) is replaced by a token,
and recomputed when a backward formula first unpacks it, for as long as the plan's computation
of that layer serves backward readers (`_Run`). Layer names are the exporter's, so the plan must
come from a graph this package exported from the same model.

    graph = torch2graph.export(model, (x,), name="mlp")     # then: plan-cli plan ... -o plan.json
    planned = PlannedModule(model, json.load(open("plan.json")), (x,))
    loss = planned(x).sum(); loss.backward()                # gradients as without the plan

Recomputation replays the same operations on the same inputs, with the RNG state restored
(dropout draws the same mask), so gradients are the same. Stock models work unchanged:

- in-place ops run out of place under the plan (modules with `inplace=True`, `F.relu(...,
  inplace=True)`, `x += y`, and in a graph torch.export captured `relu_` and the like where
  nothing reads their input afterwards), since a tensor kept for a recomputation must not
  change; the model's own flags are restored after each run;
- a recomputation leaves the model's state alone (batch norm runs on copies of its running
  statistics, in-place updates of buffers are not replayed), so the running statistics and batch
  counter end as after a plain step.
"""
from __future__ import annotations

import bisect
import operator
import warnings
import weakref
from contextlib import contextmanager

import torch
import torch.nn as nn
import torch.nn.functional as F

from .export import _Recorder, _graph, capture


# In-place operators fx records for `x += y` and the like, with their out-of-place twins.
_OUT_OF_PLACE = {operator.iadd: operator.add, operator.isub: operator.sub, operator.imul: operator.mul,
                 operator.itruediv: operator.truediv}


def _returns_alias(node: torch.fx.Node) -> bool:
    schema = getattr(node.target, "_schema", None)
    return schema is not None and any(r.alias_info is not None for r in schema.returns)


def _out_of_place_aten(gm: torch.fx.GraphModule) -> None:
    """Replaces `op_(x, ...)` by `op(x, ...)` where that changes nothing the graph computes: `x`
    is a fresh tensor (made by an op of the graph, not a view, an input, a parameter or a buffer)
    and every other reader of `x` runs before, none of them a view. The later readers use the
    in-place op's result, which is then a new tensor."""
    position = {n: i for i, n in enumerate(gm.graph.nodes)}
    changed = False
    for node in gm.graph.nodes:
        if node.op != "call_function" or not isinstance(node.target, torch._ops.OpOverload) or not node.args:
            continue
        schema = node.target._schema
        first = schema.arguments[0].alias_info if schema.arguments else None
        name = node.target.overloadpacket.__name__
        if first is None or not first.is_write or not name.endswith("_") or name.endswith("__"):
            continue
        x = node.args[0]
        if not isinstance(x, torch.fx.Node) or x.op != "call_function" or _returns_alias(x):
            continue
        if any(u is not node and (position[u] > position[node] or _returns_alias(u)) for u in x.users):
            continue
        functional = getattr(getattr(torch.ops.aten, name[:-1], None), node.target._overloadname, None)
        if functional is None:
            continue
        node.target = functional
        changed = True
    if changed:
        gm.recompile()


@contextmanager
def _out_of_place(model: nn.Module):
    """Sets `inplace = False` on every submodule that has it set, restoring the flags after."""
    changed = [m for m in model.modules() if getattr(m, "inplace", False) is True]
    for m in changed:
        m.inplace = False
    try:
        yield
    finally:
        for m in changed:
            m.inplace = True


def _snapshot(model: nn.Module) -> list[tuple[torch.Tensor, torch.Tensor]]:
    """Every buffer of `model` with a copy of its value, for ``_restore``."""
    return [(b, b.detach().clone()) for b in model.buffers()]


def _restore(buffers: list[tuple[torch.Tensor, torch.Tensor]]) -> None:
    with torch.no_grad():
        for b, value in buffers:
            b.copy_(value)


def recomputed_layers(plan: dict) -> set[str]:
    """Forward layers the plan computes more than once."""
    runs: dict[str, int] = {}
    for step in plan["steps"]:
        if "compute" in step:
            runs[step["compute"]] = runs.get(step["compute"], 0) + 1
    return {name for name, n in runs.items() if n > 1}


def _key(t: torch.Tensor) -> tuple:
    return (t.untyped_storage().data_ptr(), t.storage_offset(), tuple(t.shape), tuple(t.stride()), t.dtype)


class _Run(torch.fx.Interpreter):
    """One forward pass under the plan, and the recomputations its backward pass asks for.

    The forward runs the captured graph node by node as without the plan, under saved-tensor
    hooks: a tensor autograd saves that a layer the plan recomputes made — its output, or a
    buffer its op saved for its own backward (max pooling's indices, dropout's mask) — is not
    kept: autograd keeps a token instead, and the first backward formula that unpacks it gets
    it recomputed, from the inputs that layer had (tensors the plan keeps, or recomputed in
    turn), with the random state it ran with. It is dropped again once every token for it has
    been unpacked. So autograd holds what the plan keeps, and what the plan recomputes only from
    just before its first backward reader to its last."""

    def __init__(self, owner: "PlannedModule"):
        super().__init__(owner.gm)
        self.recomputed = owner.recompute_nodes
        self.model = owner.model
        self.inputs: dict[torch.fx.Node, object] = {}   # values a recomputation reads, detached
        self.requires: dict[torch.fx.Node, bool] = {}   # whether they required gradients
        self.states: dict[torch.fx.Node, tuple] = {}    # random state before a recomputed node
        self.outputs: dict[tuple, tuple] = {}           # tensor key -> (node, position, weak ref)
        self.storages: dict[int, tuple] = {}            # storage -> (node, position, weak ref)
        self.cache: dict[torch.fx.Node, object] = {}    # recomputed outputs
        self.captured: dict[torch.fx.Node, list] = {}   # recomputed saved buffers, in save order
        self.tokens: dict[tuple, int] = {}               # (node, episode) -> tokens not yet unpacked
        self.pending: list[_Packed] | None = None  # everything packed while a recomputed node runs
        self.owner = owner
        self.current: torch.fx.Node | None = None

    def run_node(self, n):
        self.current = n
        if n not in self.recomputed:
            return super().run_node(n)
        protected = set()
        for a in n.all_input_nodes:
            value = self.env[a]
            self.requires[a] = isinstance(value, torch.Tensor) and value.requires_grad
            if a not in self.recomputed and a not in self.inputs:
                self.inputs[a] = _detached(self.env[a])
            protected |= {t.untyped_storage().data_ptr() for t in _tensors(value)}
        if n.op == "call_module":
            module = self.module.get_submodule(n.target)
            protected |= {t.untyped_storage().data_ptr() for t in list(module.parameters()) + list(module.buffers())}
        self.states[n] = _random_state(self.env, n)
        self.pending = []
        try:
            value = super().run_node(n)
        finally:
            pending, self.pending = self.pending, None
        for position, t in enumerate(value if isinstance(value, (tuple, list)) else [value]):
            if isinstance(t, torch.Tensor):
                self.outputs[_key(t)] = (n, position, weakref.ref(t))
                self.storages[t.untyped_storage().data_ptr()] = (n, position, weakref.ref(t))
        # What the node's ops saved, known only now: its outputs (relu saves its output) and
        # buffers it made (indices, masks) are recomputed; its inputs, parameters and buffers kept.
        for k, packed in enumerate(pending):
            if packed.token is not None:
                continue
            owner = self._owner(packed.tensor, n)
            if owner is None and packed.tensor.untyped_storage().data_ptr() not in protected:
                owner = (n, "saved", k, self.owner.episode(n, n))
            if owner is not None and owner[3] != 1:
                packed.tensor, packed.token = None, owner
                self._count(owner, +1)
        return value

    def _owner(self, t, reader):
        """The token of `t` when it is the output of a recomputed node, (node, "output",
        position, episode), or a view of one, (node, "view", (position, size, stride, offset),
        episode); None otherwise. The output must still be alive (a freed one's address may be
        taken by another tensor). The episode: which of the plan's computations of the node
        serves `reader`'s backward layer."""
        entry = self.outputs.get(_key(t))
        if entry is not None and entry[2]() is not None:
            return (entry[0], "output", entry[1], self.owner.episode(entry[0], reader))
        entry = self.storages.get(t.untyped_storage().data_ptr())
        if entry is not None and entry[2]() is not None:
            base = entry[2]()
            view = (entry[1], tuple(t.shape), tuple(t.stride()), t.storage_offset() - base.storage_offset())
            return (entry[0], "view", view, self.owner.episode(entry[0], reader))
        return None

    def _count(self, token, change):
        key = (token[0], token[3])
        self.tokens[key] = self.tokens.get(key, 0) + change
        return self.tokens[key]

    def pack(self, t):
        owner = self._owner(t, self.current)
        if owner is not None and owner[3] == 1:
            owner = None  # the plan keeps the forward's computation for this reader: kept
        if owner is not None:
            self._count(owner, +1)
            packed = _Packed(None, owner)
        elif self.pending is None:
            return t
        else:
            packed = _Packed(t, None)
        if self.pending is not None:
            self.pending.append(packed)
        return packed

    def unpack(self, packed):
        if isinstance(packed, torch.Tensor):
            return packed
        if packed.token is None:
            return packed.tensor
        node, kind, i, episode = packed.token
        if kind in ("output", "view"):
            value = self._value(node, episode)
            position = i if kind == "output" else i[0]
            value = value[position] if isinstance(value, (tuple, list)) else value
            if kind == "view":
                _, size, stride, offset = i
                value = value.as_strided(size, stride, value.storage_offset() + offset)
        else:
            value = self._saved(node, episode)[i]
        if self._count(packed.token, -1) <= 0:
            self._drop(node, episode)
        return value

    def _drop(self, node, episode):
        """Frees the node's recomputed values of this episode (the plan frees them after its
        last backward reader of that computation)."""
        for store in (self.cache, self.captured):
            if node in store and store[node][0] == episode:
                del store[node]

    def _arguments(self, node, episode, requires_grad=False):
        needed = [(a, self.owner.input_episode(a, node, episode)) for a in node.all_input_nodes if a in self.recomputed]
        env = {a: self._value(a, e) for a, e in needed}

        def fetch(a):
            v = env[a] if a in env else self.inputs[a]
            if requires_grad and self.requires.get(a) and isinstance(v, torch.Tensor):
                v = v.detach().requires_grad_()
            return v

        return needed, torch.fx.node.map_arg((node.args, node.kwargs), fetch)

    @contextmanager
    def _as_in_forward(self, node):
        cpu, cuda = self.states[node]
        with torch.random.fork_rng(devices=[d for d, _ in cuda]), _out_of_place(self.model):
            torch.set_rng_state(cpu)
            for device, state in cuda:
                torch.cuda.set_rng_state(state, device)
            yield

    def _value(self, node, episode):
        if node in self.cache and self.cache[node][0] == episode:
            return self.cache[node][1]
        needed, (args, kwargs) = self._arguments(node, episode)
        with torch.no_grad(), self._as_in_forward(node):
            value = self._recompute(node, args, kwargs)
        self.cache[node] = (episode, value)
        self._drop_unread(needed)
        return value

    def _saved(self, node, episode):
        """The buffers the node's ops save, in order, from running it again as in the forward
        pass (with gradients, its inputs requiring them as they did)."""
        if node in self.captured and self.captured[node][0] == episode:
            return self.captured[node][1]
        needed, (args, kwargs) = self._arguments(node, episode, requires_grad=True)
        saved = []

        def keep(t):
            saved.append(t.detach())  # not t: its graph must not hold this list (a cycle)
            return None

        with torch.enable_grad(), self._as_in_forward(node), torch.autograd.graph.saved_tensors_hooks(keep, lambda _: None):
            value = self._recompute(node, args, kwargs)
        self.captured[node] = (episode, saved)
        if node not in self.cache or self.cache[node][0] != episode:
            self.cache[node] = (episode, _detached(value))
        self._drop_unread(needed)
        return saved

    def _drop_unread(self, needed):
        for a, episode in needed:  # inputs no backward formula of that episode reads
            if self.tokens.get((a, episode), 0) <= 0:
                self._drop(a, episode)

    def _recompute(self, node, args, kwargs):
        """The node's op again, without touching model state: batch norm in training mode on
        copies of its running statistics (its output depends only on the batch), in-place
        updates of buffers skipped."""
        if node.op == "call_module":
            module = self.module.get_submodule(node.target)
            if isinstance(module, nn.modules.batchnorm._BatchNorm) and module.training:
                mean, var = (None if b is None else b.clone() for b in (module.running_mean, module.running_var))
                return F.batch_norm(args[0], mean, var, module.weight, module.bias, True, module.momentum or 0.0, module.eps)
        elif node.op == "call_function" and isinstance(node.target, torch._ops.OpOverload):
            name = node.target.overloadpacket.__name__
            if name == "batch_norm" and len(args) > 5 and args[5]:
                args = tuple(a.clone() if i in (3, 4) and isinstance(a, torch.Tensor) else a for i, a in enumerate(args))
            elif name.endswith("_") and args and isinstance(node.args[0], torch.fx.Node) and node.args[0].op == "get_attr":
                return args[0]
        return getattr(self, node.op)(node.target, args, kwargs)


def _tensors(value) -> list[torch.Tensor]:
    if isinstance(value, torch.Tensor):
        return [value]
    if isinstance(value, (tuple, list)):
        return [t for v in value for t in _tensors(v)]
    return []


class _Packed:
    """A saved tensor (`tensor`), or the (node, position) of the output to recompute (`token`)."""
    __slots__ = ("tensor", "token")

    def __init__(self, tensor, token):
        self.tensor, self.token = tensor, token


def _detached(value):
    if isinstance(value, torch.Tensor):
        return value.detach()
    if isinstance(value, (tuple, list)):
        return type(value)(_detached(v) for v in value) if not hasattr(value, "_fields") else value
    return value


def _random_state(env, node) -> tuple:
    """The CPU random state, and that of every CUDA device the node's inputs are on."""
    devices = {t.device.index or 0 for a in node.all_input_nodes for t in _tensors(env.get(a)) if t.is_cuda}
    return torch.get_rng_state(), [(d, torch.cuda.get_rng_state(d)) for d in sorted(devices)]


class PlannedModule(nn.Module):
    """`model` (its parameters shared, not copied) running under a plan's recomputation."""

    def __init__(self, model: nn.Module, plan: dict, example_inputs: tuple, leaves=(), method: str = "auto"):
        super().__init__()
        self.model = model
        self.gm = capture(model, example_inputs, leaves, method)
        node_map: dict = {}
        recorder = _Recorder(self.gm, count_flops=False)
        # The run that names the layers must not move the model's buffers (running statistics)
        # nor the random state (dropout), and warns of nothing export has not warned of.
        buffers = _snapshot(model)
        with torch.no_grad(), torch.random.fork_rng(), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            outputs = recorder.run(*example_inputs)
            _graph(self.gm, recorder, model, "planned", None, None, None, outputs, node_map)
        _restore(buffers)
        del recorder, outputs
        # Where the plan computes each layer (step indices), for the episodes of recomputation.
        self.runs_at: dict[str, list[int]] = {}
        for index, step in enumerate(plan["steps"]):
            if "compute" in step:
                self.runs_at.setdefault(step["compute"], []).append(index)
        recompute = {layer for layer, runs in self.runs_at.items() if len(runs) > 1}
        known = {layer for layer, _ in node_map.values()}
        unknown = sorted(l for l in recompute if l not in known and not l.endswith(".backward") and l != "loss")
        if unknown:
            raise ValueError(f"the plan recomputes layers this model does not have: {', '.join(unknown[:5])}")
        # Layers the plan recomputes only before its backward pass (to free memory for later
        # forward layers) run once here: the forward keeps what autograd saves until backward.
        first_backward = min((runs[0] for layer, runs in self.runs_at.items() if layer.endswith(".backward")),
                             default=len(plan["steps"]))
        late = {layer for layer in recompute if self.runs_at[layer][-1] > first_backward}
        # In this module's own graph, in-place calls become out-of-place ones (a tensor kept for
        # a recomputation must not change; the graph counts every layer's output as a tensor of
        # its own); in a graph torch.export captured, where nothing reads the input afterwards
        # (relu_).
        _out_of_place_aten(self.gm)
        for node in self.gm.graph.nodes:
            if node.op == "call_function" and node.target in _OUT_OF_PLACE:
                node.target = _OUT_OF_PLACE[node.target]
            if node.op in ("call_function", "call_method") and node.kwargs.get("inplace") is True:
                node.kwargs = {**node.kwargs, "inplace": False}
        self.gm.recompile()
        self.layer_of = {node: layer for node, (layer, _) in node_map.items()}
        self.recompute_nodes = {n for n in self.gm.graph.nodes if self.layer_of.get(n.name) in late}

    def episode(self, node: torch.fx.Node, reader: torch.fx.Node | None) -> int | None:
        """Which of the plan's computations of `node`'s layer is resident when the backward
        layer of `reader` runs (1: the forward's); None when the plan does not say."""
        runs = self.runs_at.get(self.layer_of.get(node.name))
        backward = self.runs_at.get(f"{self.layer_of.get(reader.name)}.backward") if reader is not None else None
        if not runs or not backward:
            return None
        return bisect.bisect(runs, backward[0])

    def input_episode(self, node: torch.fx.Node, consumer: torch.fx.Node, episode: int | None) -> int | None:
        """Which computation of `node` the plan's `episode`-th computation of `consumer` reads."""
        runs, consumer_runs = self.runs_at.get(self.layer_of.get(node.name)), self.runs_at.get(self.layer_of.get(consumer.name))
        if episode is None or not runs or not consumer_runs or episode > len(consumer_runs):
            return None
        return bisect.bisect(runs, consumer_runs[episode - 1])

    def forward(self, *args):
        run = _Run(self)
        with _out_of_place(self.model), torch.autograd.graph.saved_tensors_hooks(run.pack, run.unpack):
            out = run.run(*args)
        # The autograd graph holds the hooks, hence the run: it must hold no tensor of that graph
        # (a cycle through C++ that the collector cannot see).
        run.env.clear()
        return out


def apply(model: nn.Module, plan: dict | str, example_inputs: tuple, leaves=(), method: str = "auto") -> PlannedModule:
    """The module to train under `plan` (a plan dict or the path of a plan file, made for a graph
    exported from `model`, for example by `python -m torch2graph plan`)."""
    if isinstance(plan, str):
        import json
        with open(plan) as f:
            plan = json.load(f)
    return PlannedModule(model, plan, example_inputs, leaves, method)
