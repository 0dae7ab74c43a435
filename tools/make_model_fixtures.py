#!/usr/bin/env python3
"""Writes the bundled model graphs (fixtures/models/) in the native graph format.

The graphs are forward-only and carry shapes and attributes, not FLOP counts: the library's
cost model derives those, so that the tests comparing them with published figures check the
cost model rather than this script.

    python3 tools/make_model_fixtures.py                 # regenerate fixtures/models/*.json
    python3 tools/make_model_fixtures.py --synthetic 10000 -o /tmp/deep.json
                                                         # a deep residual graph of ~10,000 layers
    python3 tools/make_model_fixtures.py --chain 40 --seed 3 -o /tmp/c40.json
                                                         # a random training chain (81 layers)

Layer and parameter names follow torchvision's module names (features.0, layer1.0.conv1, ...).
Modelling choices, documented in docs/graph-format.md: every op writes a new tensor (no in-place
ReLU), batch normalization's running statistics (buffers, not parameters) are left out.
"""
import argparse
import json
import os
import sys


class GraphBuilder:
    def __init__(self, name, batch):
        self.name = name
        self.batch = batch
        self.tensors = []
        self.layers = []
        self.shapes = {}

    def tensor(self, name, shape, kind=None, dtype=None):
        assert name not in self.shapes, name
        t = {"name": name, "shape": list(shape)}
        if kind:
            t["kind"] = kind
        if dtype:
            t["dtype"] = dtype
        self.tensors.append(t)
        self.shapes[name] = list(shape)
        return name

    def input(self, name, shape, dtype=None):
        return self.tensor(name, shape, kind="input", dtype=dtype)

    def param(self, name, shape):
        return self.tensor(name, shape, kind="parameter")

    def layer(self, name, op, inputs, out_shape, attributes=None, out_name=None):
        out = self.tensor(out_name or name, out_shape)
        l = {"name": name, "op": op, "inputs": list(inputs), "outputs": [out]}
        if attributes:
            l["attributes"] = attributes
        self.layers.append(l)
        return out

    # --- ops -------------------------------------------------------------------------------
    def conv2d(self, name, x, out_channels, kernel, stride=1, padding=0, groups=1, bias=True):
        n, c, h, w = self.shapes[x]
        weight = self.param(f"{name}.weight", [out_channels, c // groups, kernel, kernel])
        inputs = [x, weight]
        if bias:
            inputs.append(self.param(f"{name}.bias", [out_channels]))
        ho = (h + 2 * padding - kernel) // stride + 1
        wo = (w + 2 * padding - kernel) // stride + 1
        return self.layer(name, "conv2d", inputs, [n, out_channels, ho, wo], {
            "kernel": [kernel, kernel], "stride": [stride, stride], "padding": [padding, padding], "groups": groups})

    def batch_norm(self, name, x):
        c = self.shapes[x][1]
        return self.layer(name, "batch_norm", [x, self.param(f"{name}.weight", [c]), self.param(f"{name}.bias", [c])],
                          self.shapes[x])

    def relu(self, name, x):
        return self.layer(name, "relu", [x], self.shapes[x])

    def max_pool2d(self, name, x, kernel, stride, padding=0):
        n, c, h, w = self.shapes[x]
        ho = (h + 2 * padding - kernel) // stride + 1
        wo = (w + 2 * padding - kernel) // stride + 1
        return self.layer(name, "max_pool2d", [x], [n, c, ho, wo], {
            "kernel": [kernel, kernel], "stride": [stride, stride], "padding": [padding, padding]})

    def adaptive_avg_pool2d(self, name, x, size):
        n, c, _, _ = self.shapes[x]
        return self.layer(name, "adaptive_avg_pool2d", [x], [n, c, size, size], {"output_size": [size, size]})

    def flatten(self, name, x):
        s = self.shapes[x]
        features = 1
        for d in s[1:]:
            features *= d
        return self.layer(name, "flatten", [x], [s[0], features])

    def linear(self, name, x, out_features):
        s = self.shapes[x]
        w = self.param(f"{name}.weight", [out_features, s[-1]])
        b = self.param(f"{name}.bias", [out_features])
        return self.layer(name, "linear", [x, w, b], s[:-1] + [out_features])

    def dropout(self, name, x, p=0.5):
        return self.layer(name, "dropout", [x], self.shapes[x], {"p": p})

    def add(self, name, a, b):
        assert self.shapes[a] == self.shapes[b], (self.shapes[a], self.shapes[b])
        return self.layer(name, "add", [a, b], self.shapes[a])

    def document(self):
        return {"name": self.name, "batch": self.batch, "tensors": self.tensors, "layers": self.layers}

    def parameter_count(self):
        total = 0
        for t in self.tensors:
            if t.get("kind") == "parameter":
                n = 1
                for d in t["shape"]:
                    n *= d
                total += n
        return total


def vgg16(batch):
    """VGG-16 (configuration D of Simonyan and Zisserman 2015), as torchvision.models.vgg16."""
    g = GraphBuilder(f"vgg16-b{batch}", batch)
    x = g.input("input", [batch, 3, 224, 224])
    cfg = [64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512, "M"]
    index = 0
    for v in cfg:
        if v == "M":
            x = g.max_pool2d(f"features.{index}", x, 2, 2)
            index += 1
        else:
            x = g.conv2d(f"features.{index}", x, v, 3, padding=1)
            x = g.relu(f"features.{index + 1}", x)
            index += 2
    x = g.adaptive_avg_pool2d("avgpool", x, 7)
    x = g.flatten("flatten", x)
    x = g.relu("classifier.1", g.linear("classifier.0", x, 4096))
    x = g.dropout("classifier.2", x)
    x = g.relu("classifier.4", g.linear("classifier.3", x, 4096))
    x = g.dropout("classifier.5", x)
    g.linear("classifier.6", x, 1000)
    return g


def resnet50(batch):
    """ResNet-50 (He et al. 2016) with stride on the 3x3 convolution (v1.5), as torchvision.models.resnet50."""
    g = GraphBuilder(f"resnet50-b{batch}", batch)
    x = g.input("input", [batch, 3, 224, 224])
    x = g.conv2d("conv1", x, 64, 7, stride=2, padding=3, bias=False)
    x = g.relu("relu", g.batch_norm("bn1", x))
    x = g.max_pool2d("maxpool", x, 3, 2, padding=1)
    in_channels = 64
    for stage, (width, blocks, stride) in enumerate([(64, 3, 1), (128, 4, 2), (256, 6, 2), (512, 3, 2)], start=1):
        for b in range(blocks):
            p = f"layer{stage}.{b}"
            s = stride if b == 0 else 1
            identity = x
            y = g.relu(f"{p}.relu1", g.batch_norm(f"{p}.bn1", g.conv2d(f"{p}.conv1", x, width, 1, bias=False)))
            y = g.relu(f"{p}.relu2", g.batch_norm(f"{p}.bn2", g.conv2d(f"{p}.conv2", y, width, 3, stride=s, padding=1, bias=False)))
            y = g.batch_norm(f"{p}.bn3", g.conv2d(f"{p}.conv3", y, width * 4, 1, bias=False))
            if b == 0:
                identity = g.batch_norm(f"{p}.downsample.1",
                                        g.conv2d(f"{p}.downsample.0", x, width * 4, 1, stride=s, bias=False))
            x = g.relu(f"{p}.relu3", g.add(f"{p}.add", y, identity))
            in_channels = width * 4
    x = g.adaptive_avg_pool2d("avgpool", x, 1)
    x = g.flatten("flatten", x)
    g.linear("fc", x, 1000)
    return g


def synthetic(layers, batch=8):
    """A deep residual network of about `layers` layers (conv, bn, relu, add), for scale benchmarks."""
    g = GraphBuilder(f"deep-residual-{layers}", batch)
    x = g.input("input", [batch, 3, 32, 32])
    x = g.relu("stem.relu", g.batch_norm("stem.bn", g.conv2d("stem.conv", x, 32, 3, padding=1, bias=False)))
    b = 0
    while len(g.layers) + 7 <= layers - 3:
        p = f"block{b}"
        y = g.relu(f"{p}.relu1", g.batch_norm(f"{p}.bn1", g.conv2d(f"{p}.conv1", x, 32, 3, padding=1, bias=False)))
        y = g.batch_norm(f"{p}.bn2", g.conv2d(f"{p}.conv2", y, 32, 3, padding=1, bias=False))
        x = g.relu(f"{p}.relu2", g.add(f"{p}.add", y, x))
        b += 1
    k = 0
    while len(g.layers) < layers - 3:
        x = g.relu(f"tail.relu{k}", x)
        k += 1
    x = g.flatten("flatten", g.adaptive_avg_pool2d("avgpool", x, 1))
    g.linear("fc", x, 10)
    return g


def chain(n, seed):
    """A training chain of n forward layers with random sizes and times and its mirrored backward
    (f_i: a_{i-1} -> a_i; b_n: a_n -> g_n; b_i: (g_{i+1}, a_i) -> g_i), as a native document."""
    import random
    random.seed(seed)
    tensors = [{"name": "a0", "bytes": random.randint(1, 8), "kind": "input"}]
    layers = []
    for i in range(1, n + 1):
        tensors.append({"name": f"a{i}", "bytes": random.randint(1, 8)})
        layers.append({"name": f"f{i}", "op": "f", "inputs": [f"a{i-1}"], "outputs": [f"a{i}"], "time": random.randint(1, 5)})
    tensors.append({"name": f"g{n}", "bytes": tensors[n]["bytes"], "kind": "gradient"})
    layers.append({"name": f"b{n}", "op": "b", "inputs": [f"a{n}"], "outputs": [f"g{n}"], "phase": "backward", "time": random.randint(1, 5)})
    for i in range(n - 1, -1, -1):
        tensors.append({"name": f"g{i}", "bytes": tensors[i]["bytes"], "kind": "gradient"})
        layers.append({"name": f"b{i}", "op": "b", "inputs": [f"g{i+1}", f"a{i}"], "outputs": [f"g{i}"], "phase": "backward",
                       "time": random.randint(1, 5)})
    return {"name": f"chain{n}", "tensors": tensors, "layers": layers, "outputs": ["g0"]}


def write(graph, path):
    doc = graph.document()
    with open(path, "w") as f:
        # One tensor or layer a line: readable, and small diffs when a model changes.
        f.write("{\n")
        f.write(f' "name": {json.dumps(doc["name"])},\n "batch": {doc["batch"]},\n')
        for key in ["tensors", "layers"]:
            f.write(f' "{key}": [\n')
            f.write(",\n".join("  " + json.dumps(item) for item in doc[key]))
            f.write("\n ]" + ("," if key == "tensors" else "") + "\n")
        f.write("}\n")
    print(f"{path}: {len(graph.layers)} layers, {len(graph.tensors)} tensors, {graph.parameter_count():,} parameters")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--batch", type=int, default=32, help="batch size of the bundled models (default 32)")
    parser.add_argument("--synthetic", type=int, metavar="LAYERS", help="write a deep residual graph of about LAYERS layers instead")
    parser.add_argument("--chain", type=int, metavar="N", help="write a random training chain of N forward layers instead")
    parser.add_argument("--seed", type=int, default=1, help="seed for --chain")
    parser.add_argument("-o", "--output", help="output file for --synthetic or --chain")
    parser.add_argument("--out-dir", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "models"))
    args = parser.parse_args()
    if args.chain:
        if not args.output:
            parser.error("--chain needs -o FILE")
        with open(args.output, "w") as f:
            json.dump(chain(args.chain, args.seed), f)
        print(f"{args.output}: training chain of {args.chain} forward layers, seed {args.seed}")
        return
    if args.synthetic:
        if not args.output:
            parser.error("--synthetic needs -o FILE")
        write(synthetic(args.synthetic), args.output)
        return
    os.makedirs(args.out_dir, exist_ok=True)
    for build, file in [(vgg16, "vgg16.json"), (resnet50, "resnet50.json")]:
        write(build(args.batch), os.path.normpath(os.path.join(args.out_dir, file)))


if __name__ == "__main__":
    sys.exit(main())
