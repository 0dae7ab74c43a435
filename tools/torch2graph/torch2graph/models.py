"""The bundled models: torchvision's CNNs, and plain-PyTorch definitions of a U-Net, a GPT-2-style
decoder and a BERT-base encoder whose parameters match the reference implementations'
(Ronneberger et al. 2015 with padded convolutions; Hugging Face's GPT2Model and BertModel).

Attention is written with matmul and softmax, so that the graph shows its tensors (the S×S score
matrix is what checkpointing a transformer is about).
"""
from __future__ import annotations

import math

import torch
import torch.nn as nn
import torch.nn.functional as F


# --- U-Net ---------------------------------------------------------------------------------------
class DoubleConv(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.relu2 = nn.ReLU()

    def forward(self, x):
        return self.relu2(self.bn2(self.conv2(self.relu1(self.bn1(self.conv1(x))))))


class UNet(nn.Module):
    """U-Net with padded 3×3 convolutions, batch normalization and transposed-convolution
    upsampling (64 → 1024 channels): 31,037,698 parameters for 3 input channels and 2 classes."""

    def __init__(self, in_channels=3, classes=2, width=64):
        super().__init__()
        w = [width * 2 ** i for i in range(5)]
        self.inc = DoubleConv(in_channels, w[0])
        self.down = nn.ModuleList(DoubleConv(w[i], w[i + 1]) for i in range(4))
        self.pool = nn.ModuleList(nn.MaxPool2d(2) for _ in range(4))
        self.up = nn.ModuleList(nn.ConvTranspose2d(w[i + 1], w[i], 2, stride=2) for i in reversed(range(4)))
        self.dec = nn.ModuleList(DoubleConv(w[i + 1], w[i]) for i in reversed(range(4)))
        self.outc = nn.Conv2d(w[0], classes, 1)

    def forward(self, x):
        skips = [self.inc(x)]
        for pool, down in zip(self.pool, self.down):
            skips.append(down(pool(skips[-1])))
        y = skips.pop()
        for up, dec in zip(self.up, self.dec):
            y = dec(torch.cat([skips.pop(), up(y)], dim=1))
        return self.outc(y)


# --- Transformers --------------------------------------------------------------------------------
class SelfAttention(nn.Module):
    def __init__(self, dim, heads, causal, fused_qkv, positions=1024):
        super().__init__()
        self.heads, self.causal = heads, causal
        if causal:
            # GPT-2's causal mask, a buffer (model state); sequences use every position.
            self.register_buffer("mask", torch.triu(torch.ones(positions, positions, dtype=torch.bool), diagonal=1), persistent=False)
        if fused_qkv:
            self.c_attn = nn.Linear(dim, 3 * dim)
        else:
            self.query, self.key, self.value = nn.Linear(dim, dim), nn.Linear(dim, dim), nn.Linear(dim, dim)
        self.fused = fused_qkv

    def forward(self, x):
        b, s, d = x.shape
        if self.fused:
            q, k, v = self.c_attn(x).split(d, dim=2)
        else:
            q, k, v = self.query(x), self.key(x), self.value(x)
        h = self.heads
        q = q.view(b, s, h, d // h).transpose(1, 2)
        k = k.view(b, s, h, d // h).transpose(1, 2)
        v = v.view(b, s, h, d // h).transpose(1, 2)
        scores = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(d // h)
        if self.causal:
            scores = scores.masked_fill(self.mask, float("-inf"))
        probs = F.softmax(scores, dim=-1)
        out = torch.matmul(probs, v).transpose(1, 2).reshape(b, s, d)
        return out


class GPT2Block(nn.Module):
    def __init__(self, dim=768, heads=12, positions=1024):
        super().__init__()
        self.ln_1 = nn.LayerNorm(dim)
        self.attn = SelfAttention(dim, heads, causal=True, fused_qkv=True, positions=positions)
        self.attn_proj = nn.Linear(dim, dim)
        self.ln_2 = nn.LayerNorm(dim)
        self.c_fc = nn.Linear(dim, 4 * dim)
        self.act = nn.GELU(approximate="tanh")
        self.c_proj = nn.Linear(4 * dim, dim)

    def forward(self, x):
        x = x + self.attn_proj(self.attn(self.ln_1(x)))
        return x + self.c_proj(self.act(self.c_fc(self.ln_2(x))))


class GPT2(nn.Module):
    """GPT-2 small's decoder (12 blocks, 768 wide, 12 heads): 124,439,808 parameters, as Hugging
    Face's GPT2Model (the language-model head shares the token embedding). Sequences are
    `positions` long (the causal mask is a buffer of that size)."""

    def __init__(self, vocab=50257, positions=1024, dim=768, heads=12, blocks=12):
        super().__init__()
        self.wte = nn.Embedding(vocab, dim)
        self.wpe = nn.Embedding(positions, dim)
        self.h = nn.ModuleList(GPT2Block(dim, heads, positions) for _ in range(blocks))
        self.ln_f = nn.LayerNorm(dim)

    def forward(self, ids, positions):
        x = self.wte(ids) + self.wpe(positions)
        for block in self.h:
            x = block(x)
        return self.ln_f(x)


class BertLayer(nn.Module):
    def __init__(self, dim=768, heads=12):
        super().__init__()
        self.attention = SelfAttention(dim, heads, causal=False, fused_qkv=False)
        self.attention_output = nn.Linear(dim, dim)
        self.attention_norm = nn.LayerNorm(dim, eps=1e-12)
        self.intermediate = nn.Linear(dim, 4 * dim)
        self.act = nn.GELU()
        self.output = nn.Linear(4 * dim, dim)
        self.output_norm = nn.LayerNorm(dim, eps=1e-12)

    def forward(self, x):
        x = self.attention_norm(x + self.attention_output(self.attention(x)))
        return self.output_norm(x + self.output(self.act(self.intermediate(x))))


class Bert(nn.Module):
    """BERT-base's encoder with embeddings and pooler (12 layers, 768 wide): 109,482,240
    parameters, as Hugging Face's BertModel."""

    def __init__(self, vocab=30522, positions=512, types=2, dim=768, heads=12, layers=12):
        super().__init__()
        self.word_embeddings = nn.Embedding(vocab, dim)
        self.position_embeddings = nn.Embedding(positions, dim)
        self.token_type_embeddings = nn.Embedding(types, dim)
        self.embeddings_norm = nn.LayerNorm(dim, eps=1e-12)
        self.layer = nn.ModuleList(BertLayer(dim, heads) for _ in range(layers))
        self.pooler = nn.Linear(dim, dim)
        self.pooler_act = nn.Tanh()

    def forward(self, ids, positions, types):
        x = self.embeddings_norm(self.word_embeddings(ids) + self.position_embeddings(positions) + self.token_type_embeddings(types))
        for layer in self.layer:
            x = layer(x)
        return self.pooler_act(self.pooler(x[:, 0]))


class ViTBlock(nn.Module):
    """A pre-norm encoder block as torchvision's EncoderBlock (attention, then a GELU MLP)."""

    def __init__(self, dim=768, heads=12, mlp=3072):
        super().__init__()
        self.ln_1 = nn.LayerNorm(dim, eps=1e-6)
        self.self_attention = SelfAttention(dim, heads, causal=False, fused_qkv=True)
        self.out_proj = nn.Linear(dim, dim)
        self.ln_2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp_1 = nn.Linear(dim, mlp)
        self.act = nn.GELU()
        self.mlp_2 = nn.Linear(mlp, dim)

    def forward(self, x):
        x = x + self.out_proj(self.self_attention(self.ln_1(x)))
        return x + self.mlp_2(self.act(self.mlp_1(self.ln_2(x))))


class ViT(nn.Module):
    """ViT-B/16 (Dosovitskiy et al. 2021) as torchvision's vit_b_16: 16×16 patches of a 224×224
    image, a class token, 12 pre-norm blocks 768 wide with 12 heads, 86,567,656 parameters.
    Written with this module's attention because torchvision's nn.MultiheadAttention does not
    trace into separate layers."""

    def __init__(self, image=224, patch=16, dim=768, heads=12, blocks=12, mlp=3072, classes=1000):
        super().__init__()
        self.conv_proj = nn.Conv2d(3, dim, kernel_size=patch, stride=patch)
        tokens = (image // patch) ** 2 + 1
        self.class_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embedding = nn.Parameter(torch.zeros(1, tokens, dim))
        self.layers = nn.ModuleList(ViTBlock(dim, heads, mlp) for _ in range(blocks))
        self.ln = nn.LayerNorm(dim, eps=1e-6)
        self.head = nn.Linear(dim, classes)

    def forward(self, x):
        x = self.conv_proj(x).flatten(2).transpose(1, 2)
        x = torch.cat([self.class_token.expand(x.shape[0], -1, -1), x], dim=1) + self.pos_embedding
        for block in self.layers:
            x = block(x)
        return self.head(self.ln(x)[:, 0])


# --- The bundled set -----------------------------------------------------------------------------
def bundled(name: str, batch: int, device: str = "cpu"):
    """(model, example inputs, input names) for a bundled model at a batch size; on the "meta"
    device nothing is allocated or computed (shapes and FLOPs only)."""
    with torch.device(device):
        return _bundled(name, batch)


def _bundled(name: str, batch: int):
    import torchvision
    if name in ("vgg16", "resnet50", "mobilenet_v2"):
        return getattr(torchvision.models, name)(), (torch.randn(batch, 3, 224, 224),), ["x"]
    if name == "mobilenet_v2_mcu":
        # A microcontroller model, as in MCUNet's visual-wake-words baselines: MobileNetV2 at
        # width 0.35, 96×96 input, two classes.
        return torchvision.models.mobilenet_v2(width_mult=0.35, num_classes=2), (torch.randn(batch, 3, 96, 96),), ["x"]
    if name == "unet":
        return UNet(), (torch.randn(batch, 3, 256, 256),), ["x"]
    if name == "gpt2":
        s = 1024
        return GPT2(), (torch.randint(0, 50257, (batch, s)), torch.arange(s).expand(batch, s)), ["ids", "positions"]
    if name == "bert":
        s = 128
        return Bert(), (torch.randint(0, 30522, (batch, s)), torch.arange(s).expand(batch, s),
                        torch.zeros(batch, s, dtype=torch.long)), ["ids", "positions", "types"]
    raise ValueError(f"unknown bundled model '{name}'")


# Typical batches: ImageNet CNNs at 32, the U-Net at 8 (256×256), GPT-2 at 8 × 1024 tokens,
# BERT-base at 32 × 128 tokens (fine-tuning); the microcontroller MobileNetV2 at 1.
BUNDLED = {"vgg16": 32, "resnet50": 32, "mobilenet_v2": 32, "unet": 8, "gpt2": 8, "bert": 32, "mobilenet_v2_mcu": 1}
