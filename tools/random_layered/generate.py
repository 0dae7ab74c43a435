#!/usr/bin/env python3
"""Random layered DAGs in Moccasin's random-layered JSON format (standard library only).

The family is the synthetic "layered graphs" of Gagrani et al., "Neural Topological Ordering for
Computation Graphs" (NeurIPS 2022, appendix), which Moccasin (ICML 2023) used for its random-graph
benchmark. The recipe, written from the paper's description (our own code and parameters):

  1. The N nodes are split into L layers (default L = round(sqrt(N)), at least 2), every layer
     non-empty, the widths drawn at random around N / L; the last layer is one node (the
     network's output, like a loss), unless --sinks says how many.
  2. Every node of layer l > 0 reads at least one node of layer l - 1 (so the graph is connected
     layer to layer), plus each further node of layer l - 1 with probability --p-next.
  3. Skip connections: each node of layer l reads each node of layer l - d, d >= 2, with
     probability --p-skip * --skip-decay^(d - 2), like the long edges of real networks.
  4. Every node of layers < L - 1 that nothing reads gets one reader in the next layer, so the
     graph's only sinks are in the last layer.
  5. Each node gets an integer out_cost (bytes of its output) and duration (its compute cost),
     drawn independently and uniformly from [--min-cost, --max-cost] and
     [--min-duration, --max-duration], and a param_cost from [0, --max-param] (Moccasin ignores it).

The order of first computation, graph.order, is layer by layer, nodes in index order; node names
are their indices 0..N-1. Links are {"0": source, "1": target}: target reads source's output.
Output is deterministic for a given --seed.

Usage:
  python3 tools/random_layered/generate.py -n 250 --seed 1 -o random_layered_n250_s1.json
"""
import argparse, json, math, random, sys


def generate(n, seed, layers=None, p_next=0.1, p_skip=0.02, skip_decay=0.5,
             min_cost=1, max_cost=100, min_duration=1, max_duration=100, max_param=0, sinks=1):
    if n < 2:
        raise ValueError("a layered graph needs at least 2 nodes")
    rng = random.Random(seed)
    L = layers if layers is not None else max(2, round(math.sqrt(n)))
    L = max(2, min(L, n))
    # Widths: every layer one node, the rest spread at random.
    sinks = max(1, min(sinks, n - L + 1))
    widths = [1] * L
    widths[-1] = sinks
    for _ in range(n - L - sinks + 1):
        widths[rng.randrange(L - 1)] += 1
    layer_nodes, k = [], 0
    for w in widths:
        layer_nodes.append(list(range(k, k + w)))
        k += w
    edges = set()
    for l in range(1, L):
        prev = layer_nodes[l - 1]
        for v in layer_nodes[l]:
            edges.add((rng.choice(prev), v))
            for u in prev:
                if rng.random() < p_next:
                    edges.add((u, v))
            for d in range(2, l + 1):
                p = p_skip * skip_decay ** (d - 2)
                if p < 1e-4:
                    break
                for u in layer_nodes[l - d]:
                    if rng.random() < p:
                        edges.add((u, v))
    has_reader = {u for u, _ in edges}
    for l in range(L - 1):
        for u in layer_nodes[l]:
            if u not in has_reader:
                edges.add((u, rng.choice(layer_nodes[l + 1])))
    nodes = [{"name": v, "out_cost": rng.randint(min_cost, max_cost),
              "duration": rng.randint(min_duration, max_duration),
              "param_cost": rng.randint(0, max_param) if max_param > 0 else 0} for v in range(n)]
    links = [{"0": u, "1": v} for u, v in sorted(edges, key=lambda e: (e[1], e[0]))]
    return {"directed": True, "multigraph": False,
            "graph": {"name": f"random_layered_n{n}_s{seed}", "order": list(range(n))},
            "nodes": nodes, "links": links}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("-n", "--nodes", type=int, required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--layers", type=int, default=None, help="number of layers (default round(sqrt(N)))")
    ap.add_argument("--p-next", type=float, default=0.1, help="probability of each further edge from the previous layer")
    ap.add_argument("--p-skip", type=float, default=0.02, help="probability of an edge from two layers back")
    ap.add_argument("--skip-decay", type=float, default=0.5, help="factor on --p-skip per further layer back")
    ap.add_argument("--min-cost", type=int, default=1)
    ap.add_argument("--max-cost", type=int, default=100)
    ap.add_argument("--min-duration", type=int, default=1)
    ap.add_argument("--max-duration", type=int, default=100)
    ap.add_argument("--max-param", type=int, default=0)
    ap.add_argument("--sinks", type=int, default=1, help="nodes in the last layer (default 1: one output)")
    ap.add_argument("-o", "--output", default="-", help="output file (default: standard output)")
    a = ap.parse_args(argv)
    for name in ("p_next", "p_skip", "skip_decay"):
        if not 0 <= getattr(a, name) <= 1:
            ap.error(f"--{name.replace('_', '-')} must be between 0 and 1")
    if not (1 <= a.min_cost <= a.max_cost and 0 <= a.min_duration <= a.max_duration):
        ap.error("cost and duration ranges must be non-empty, sizes at least 1")
    try:
        g = generate(a.nodes, a.seed, a.layers, a.p_next, a.p_skip, a.skip_decay,
                     a.min_cost, a.max_cost, a.min_duration, a.max_duration, a.max_param, a.sinks)
    except ValueError as e:
        ap.error(str(e))
    text = json.dumps(g, separators=(",", ":")) + "\n"
    if a.output == "-":
        sys.stdout.write(text)
    else:
        with open(a.output, "w") as f:
            f.write(text)


if __name__ == "__main__":
    main()
