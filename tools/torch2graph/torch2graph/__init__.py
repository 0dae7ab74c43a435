"""PyTorch in, plans out: export modules to MemoryPlanner's graph format, check the tensors autograd
saves against a training graph, and run a model under a plan's keep/recompute decisions."""
from .export import capture, export, trace, parameter_count, tensor_bytes, dumps

__all__ = ["capture", "export", "trace", "parameter_count", "tensor_bytes", "dumps"]
from .saved import measure, compare, SavedByLayer, Comparison

__all__ += ["measure", "compare", "SavedByLayer", "Comparison"]
from .apply import PlannedModule, apply, recomputed_layers

__all__ += ["PlannedModule", "apply", "recomputed_layers"]
