#!/usr/bin/env python3
"""Exports the benchmark set of real models (issue 21) with fixed-seed random weights.

    /usr/bin/python3 scripts/make_bench_models.py OUT_DIR [--only NAME,...] [--list]

Writes OUT_DIR/NAME/ in the layout of ../shared/models (bench/model_info.py's export_model_dir):
model.onnx (torch.onnx.export, constant folding), info.json (shapes, op counts, the MACs of
Conv, ConvTranspose, Gemm and MatMul from the graph's inferred shapes) and test_data_set_0/
(input_0.pb and output_0.pb: PyTorch's eval-mode output). Needs torch 1.13 and torchvision 0.14
(weights=None: no download). Networks with BatchNorm get Kaiming convolutions and BN running
statistics from a few seeded training-mode passes (bench/model_info.py's randomize_conv_bn), so
their activations stay in a sane range; the others keep their library's initialization.

The torchvision classifiers take 1x3x224x224 (ConvNeXt-T and the ViT too); the U-Net 1x3x256x256,
the super-resolution net 1x1x224x224, the GPT 64 token ids, the GRU seq2seq 16 token ids (12
decoded). Then: python3 scripts/bench.py ../shared/models OUT_DIR --rounds 3
"""
import argparse, os, sys, time, zlib

import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
from model_info import export_model_dir, randomize_conv_bn  # noqa: E402


def image(n=224, c=3):
    return torch.randn(1, c, n, n)


def torchvision_net(ctor, **kw):
    """A torchvision classifier without pretrained weights, BN calibrated on random images."""
    def build():
        import torchvision.models as tvm
        net = getattr(tvm, ctor)(weights=None, **kw)
        if any(isinstance(m, nn.BatchNorm2d) for m in net.modules()):
            randomize_conv_bn(net, (4, 3, 224, 224), 2)
        return net.eval(), image()
    return build


def convnext_tiny():
    import torchvision.models as tvm
    return tvm.convnext_tiny(weights=None).eval(), image()


def vit_small():
    """torchvision's VisionTransformer with DeiT-Tiny's widths (192, 3 heads) and 6 layers."""
    from torchvision.models.vision_transformer import VisionTransformer
    net = VisionTransformer(image_size=224, patch_size=16, num_layers=6, num_heads=3, hidden_dim=192, mlp_dim=768)
    nn.init.normal_(net.heads.head.weight, 0.0, 0.02)  # torchvision zeroes the head: the output would be 0
    return net.eval(), image()


class UNet(nn.Module):
    """A small U-Net: 4 levels of two 3x3 conv + BN + ReLU (16..128 channels), max pool down,
    2x2 transposed conv up, skip connections concatenated, 1x1 conv to 2 classes."""
    def __init__(self, cin=3, classes=2, base=16, levels=4):
        super().__init__()
        def block(a, b):
            return nn.Sequential(nn.Conv2d(a, b, 3, padding=1, bias=False), nn.BatchNorm2d(b), nn.ReLU(inplace=True),
                                 nn.Conv2d(b, b, 3, padding=1, bias=False), nn.BatchNorm2d(b), nn.ReLU(inplace=True))
        chans = [base * 2 ** i for i in range(levels)]
        self.down = nn.ModuleList()
        a = cin
        for c in chans:
            self.down.append(block(a, c))
            a = c
        self.mid = block(chans[-1], chans[-1] * 2)
        self.up, self.dec = nn.ModuleList(), nn.ModuleList()
        a = chans[-1] * 2
        for c in reversed(chans):
            self.up.append(nn.ConvTranspose2d(a, c, 2, stride=2))
            self.dec.append(block(2 * c, c))
            a = c
        self.head = nn.Conv2d(a, classes, 1)

    def forward(self, x):
        skips = []
        for d in self.down:
            x = d(x)
            skips.append(x)
            x = F.max_pool2d(x, 2)
        x = self.mid(x)
        for up, dec, s in zip(self.up, self.dec, reversed(skips)):
            x = dec(torch.cat([up(x), s], 1))
        return self.head(x)


def unet():
    return randomize_conv_bn(UNet(), (2, 3, 256, 256), 2), image(256)


class SuperResolutionNet(nn.Module):
    """The PyTorch ONNX export tutorial's net (sub-pixel convolution, upscale 3)."""
    def __init__(self, upscale_factor=3):
        super().__init__()
        self.relu = nn.ReLU()
        self.conv1 = nn.Conv2d(1, 64, (5, 5), (1, 1), (2, 2))
        self.conv2 = nn.Conv2d(64, 64, (3, 3), (1, 1), (1, 1))
        self.conv3 = nn.Conv2d(64, 32, (3, 3), (1, 1), (1, 1))
        self.conv4 = nn.Conv2d(32, upscale_factor ** 2, (3, 3), (1, 1), (1, 1))
        self.pixel_shuffle = nn.PixelShuffle(upscale_factor)
        for c in (self.conv1, self.conv2, self.conv3):
            nn.init.orthogonal_(c.weight, nn.init.calculate_gain("relu"))
        nn.init.orthogonal_(self.conv4.weight)

    def forward(self, x):
        x = self.relu(self.conv1(x))
        x = self.relu(self.conv2(x))
        x = self.relu(self.conv3(x))
        return self.pixel_shuffle(self.conv4(x))


def super_resolution():
    return SuperResolutionNet().eval(), image(224, 1)


class CausalSelfAttention(nn.Module):
    def __init__(self, d, heads, block):
        super().__init__()
        self.c_attn, self.c_proj, self.heads = nn.Linear(d, 3 * d), nn.Linear(d, d), heads
        self.register_buffer("bias", torch.tril(torch.ones(block, block)).view(1, 1, block, block))

    def forward(self, x):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = (t.view(B, T, self.heads, C // self.heads).transpose(1, 2) for t in (q, k, v))
        att = (q @ k.transpose(-2, -1)) * (1.0 / (k.size(-1) ** 0.5))
        att = att.masked_fill(self.bias[:, :, :T, :T] == 0, float("-inf"))
        y = F.softmax(att, dim=-1) @ v
        return self.c_proj(y.transpose(1, 2).contiguous().view(B, T, C))


class GPTBlock(nn.Module):
    def __init__(self, d, heads, block):
        super().__init__()
        self.ln_1, self.attn = nn.LayerNorm(d), CausalSelfAttention(d, heads, block)
        self.ln_2 = nn.LayerNorm(d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    """nanoGPT's model (Karpathy), small: 4 layers, 4 heads, 256 wide, 512 tokens, context 64."""
    def __init__(self, vocab=512, block=64, layers=4, heads=4, d=256):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(vocab, d), nn.Embedding(block, d)
        self.h = nn.ModuleList(GPTBlock(d, heads, block) for _ in range(layers))
        self.ln_f = nn.LayerNorm(d)
        self.lm_head = nn.Linear(d, vocab, bias=False)
        self.lm_head.weight = self.wte.weight
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, 0.0, 0.02)
            if isinstance(m, nn.Linear) and m.bias is not None:
                nn.init.zeros_(m.bias)

    def forward(self, idx):
        pos = torch.arange(0, idx.size(1), dtype=torch.long).unsqueeze(0)
        x = self.wte(idx) + self.wpe(pos)
        for b in self.h:
            x = b(x)
        return self.lm_head(self.ln_f(x))


def gpt():
    return GPT().eval(), torch.randint(0, 512, (1, 64))


class Seq2Seq(nn.Module):
    """A GRU encoder-decoder with greedy decoding for a fixed number of steps (unrolled by the
    export): source ids -> encoder GRU -> its last state starts the decoder GRU, fed each step
    the embedding of the previous step's argmax; returns the logits of every step."""
    def __init__(self, vocab=96, emb=64, hidden=128, steps=12, bos=1):
        super().__init__()
        self.src_emb, self.tgt_emb = nn.Embedding(vocab, emb), nn.Embedding(vocab, emb)
        self.enc = nn.GRU(emb, hidden, batch_first=True)
        self.dec = nn.GRU(emb, hidden, batch_first=True)
        self.out = nn.Linear(hidden, vocab)
        self.steps, self.bos = steps, bos

    def forward(self, src):
        _, h = self.enc(self.src_emb(src))
        tok = torch.full((src.size(0), 1), self.bos, dtype=torch.long)
        logits = []
        for _ in range(self.steps):
            o, h = self.dec(self.tgt_emb(tok), h)
            step = self.out(o)
            logits.append(step)
            tok = step.argmax(-1)
        return torch.cat(logits, 1)


def gru_seq2seq():
    return Seq2Seq().eval(), torch.randint(2, 96, (1, 16))


# name -> (build() -> (eval model, example input), opset)
MODELS = {
    "resnet18": (torchvision_net("resnet18"), 13),
    "squeezenet1_1": (torchvision_net("squeezenet1_1"), 13),
    "shufflenet_v2_x1_0": (torchvision_net("shufflenet_v2_x1_0"), 13),
    "efficientnet_b0": (torchvision_net("efficientnet_b0"), 13),
    "densenet121": (torchvision_net("densenet121"), 13),
    "mobilenet_v3_small": (torchvision_net("mobilenet_v3_small"), 13),
    "mobilenet_v3_large": (torchvision_net("mobilenet_v3_large"), 13),
    "regnet_y_400mf": (torchvision_net("regnet_y_400mf"), 13),
    "googlenet": (torchvision_net("googlenet", aux_logits=False, init_weights=True), 13),
    "mnasnet0_5": (torchvision_net("mnasnet0_5"), 13),
    "convnext_tiny": (convnext_tiny, 13),
    "vit_small": (vit_small, 17),
    "unet": (unet, 13),
    "super_resolution": (super_resolution, 13),
    "gpt_small": (gpt, 17),
    "gru_seq2seq": (gru_seq2seq, 13),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out_dir", nargs="?")
    ap.add_argument("--only", help="comma-separated names (default: all)")
    ap.add_argument("--list", action="store_true", help="print the names and exit")
    a = ap.parse_args()
    if a.list:
        print("\n".join(MODELS))
        return
    if not a.out_dir:
        ap.error("OUT_DIR is required")
    names = a.only.split(",") if a.only else list(MODELS)
    unknown = [n for n in names if n not in MODELS]
    if unknown:
        sys.exit(f"unknown model(s): {', '.join(unknown)} (known: {', '.join(MODELS)})")
    torch.set_num_threads(max(1, min(2, os.cpu_count() or 1)))
    for name in names:
        build, opset = MODELS[name]
        seed = zlib.crc32(name.encode())
        torch.manual_seed(seed)
        t0 = time.time()
        model, x = build()
        torch.manual_seed(seed + 1)
        y, info = export_model_dir(os.path.join(a.out_dir, name), model, x, opset, {
            "name": name, "family": name, "seed": seed, "set": "bench21",
            "params": sum(p.numel() for p in model.parameters())})
        print(f"{name}: opset {opset}, {info['params']:,} params, {info['macs'] / 1e6:.1f} MMACs "
              f"{info['macs_per_op']}, {info['nodes']} nodes, output std {y.float().std().item():.3g}, "
              f"{time.time() - t0:.1f} s", flush=True)


if __name__ == "__main__":
    main()
