#!/usr/bin/env python3
"""PyTorch / mmcls checkpoint -> end2end.onnx, the way MMDeploy exports an mmcls classifier.

Builds mmcls's ResNet_CIFAR (3x3 stem, no max-pool) or ResNet (ImageNet: 7x7 stem + max-pool) in plain
PyTorch with mmcls's module names, so an mmcls checkpoint (`{'state_dict': {...}, 'meta': ...}` or a bare
state dict, keys `backbone.*` and `head.fc.*`) loads strictly. The exported graph is what MMDeploy's
`tools/deploy.py` writes for mmcls classification: opset 11, input `input`, output `output` = softmax
probabilities (MMDeploy rewrites ClsHead.simple_test to softmax), static batch 1 unless --dynamic-batch.

Usage:
  python3 tools/export_pytorch.py --arch resnet18_cifar --checkpoint x.pth --out end2end.onnx \
      [--num-classes 10] [--input-size 32] [--dynamic-batch]
  python3 tools/export_pytorch.py --arch resnet18_cifar --random-init ckpt.pth   (test weights, mmcls keys)
  ... --dump-io io.bin   writes a fixed input and PyTorch's output for it (see write_io below)

Exit codes: 0 ok, 1 bad arguments or checkpoint, 3 PyTorch is not installed (scripts/setup.sh --with-torch).
"""
import argparse
import os
import struct
import sys

DEBIAN_PYTHON = "/usr/bin/python3"  # where Debian's python3-torch is importable

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError:
    # `python3` on PATH may be another interpreter (pyenv, venv) than the one apt installed torch for: retry
    # once with Debian's before giving up.
    if (os.path.exists(DEBIAN_PYTHON) and os.path.realpath(sys.executable) != os.path.realpath(DEBIAN_PYTHON)
            and not os.environ.get("QD_EXPORT_PYTORCH_REEXEC")):
        os.environ["QD_EXPORT_PYTORCH_REEXEC"] = "1"
        os.execv(DEBIAN_PYTHON, [DEBIAN_PYTHON, os.path.abspath(__file__)] + sys.argv[1:])
    # keep the message the C++ side shows to the user short and actionable
    sys.stderr.write("export_pytorch.py: python3 cannot import torch; install it with "
                     "`scripts/setup.sh --with-torch` (Debian python3-torch)\n")
    sys.exit(3)

# ---------------------------------------------------------------------------------------------------------
# mmcls building blocks (mmcls/models/backbones/resnet.py, style='pytorch': the stride sits on the 3x3 conv)


class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, in_channels, out_channels, stride=1, downsample=None):
        super().__init__()
        mid = out_channels // self.expansion
        self.conv1 = nn.Conv2d(in_channels, mid, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(mid)
        self.conv2 = nn.Conv2d(mid, out_channels, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, in_channels, out_channels, stride=1, downsample=None):
        super().__init__()
        mid = out_channels // self.expansion
        self.conv1 = nn.Conv2d(in_channels, mid, 1, 1, 0, bias=False)
        self.bn1 = nn.BatchNorm2d(mid)
        self.conv2 = nn.Conv2d(mid, mid, 3, stride, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(mid)
        self.conv3 = nn.Conv2d(mid, out_channels, 1, 1, 0, bias=False)
        self.bn3 = nn.BatchNorm2d(out_channels)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x):
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        out = self.bn3(self.conv3(out))
        return self.relu(out + identity)


ARCH_SETTINGS = {
    18: (BasicBlock, (2, 2, 2, 2)),
    34: (BasicBlock, (3, 4, 6, 3)),
    50: (Bottleneck, (3, 4, 6, 3)),
    101: (Bottleneck, (3, 4, 23, 3)),
    152: (Bottleneck, (3, 8, 36, 3)),
}


class ResNet(nn.Module):
    """mmcls ResNet (cifar=False: ImageNet stem) / ResNet_CIFAR (cifar=True). Output: the last stage."""

    def __init__(self, depth, cifar):
        super().__init__()
        block, stages = ARCH_SETTINGS[depth]
        self.cifar = cifar
        if cifar:
            self.conv1 = nn.Conv2d(3, 64, 3, 1, 1, bias=False)
        else:
            self.conv1 = nn.Conv2d(3, 64, 7, 2, 3, bias=False)
            self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        in_ch = 64
        for i, num_blocks in enumerate(stages):
            out_ch = 64 * 2**i * block.expansion
            stride = 1 if i == 0 else 2
            layers = []
            for b in range(num_blocks):
                s = stride if b == 0 else 1
                down = None
                if s != 1 or in_ch != out_ch:  # mmcls ResLayer: 1x1 conv (stride s) + BN shortcut
                    down = nn.Sequential(nn.Conv2d(in_ch, out_ch, 1, s, bias=False), nn.BatchNorm2d(out_ch))
                layers.append(block(in_ch, out_ch, s, down))
                in_ch = out_ch
            setattr(self, f"layer{i + 1}", nn.Sequential(*layers))
        self.out_channels = in_ch

    def forward(self, x):
        x = self.relu(self.bn1(self.conv1(x)))
        if not self.cifar:
            x = self.maxpool(x)
        for i in range(4):
            x = getattr(self, f"layer{i + 1}")(x)
        return x


class GlobalAveragePooling(nn.Module):  # mmcls neck: no parameters
    def __init__(self):
        super().__init__()
        self.gap = nn.AdaptiveAvgPool2d((1, 1))

    def forward(self, x):
        x = self.gap(x)
        return x.view(x.size(0), -1)


class LinearClsHead(nn.Module):
    def __init__(self, in_channels, num_classes):
        super().__init__()
        self.fc = nn.Linear(in_channels, num_classes)

    def forward(self, x):
        return F.softmax(self.fc(x), dim=1)  # MMDeploy's rewrite of ClsHead.simple_test


class ImageClassifier(nn.Module):
    def __init__(self, depth, cifar, num_classes):
        super().__init__()
        self.backbone = ResNet(depth, cifar)
        self.neck = GlobalAveragePooling()
        self.head = LinearClsHead(self.backbone.out_channels, num_classes)

    def forward(self, x):
        return self.head(self.neck(self.backbone(x)))


def parse_arch(name):
    """'resnet18_cifar' -> (18, True); 'resnet50' -> (50, False)."""
    n = name.lower()
    cifar = n.endswith("_cifar")
    if cifar:
        n = n[: -len("_cifar")]
    if not n.startswith("resnet") or not n[len("resnet"):].isdigit():
        raise ValueError(f"unknown architecture '{name}' (use resnetD or resnetD_cifar, D in 18/34/50/101/152)")
    depth = int(n[len("resnet"):])
    if depth not in ARCH_SETTINGS:
        raise ValueError(f"unsupported depth {depth} in '{name}' (18, 34, 50, 101 or 152)")
    return depth, cifar


def load_state_dict(path):
    try:
        ckpt = torch.load(path, map_location="cpu")
    except Exception as e:  # unpickling errors have many types
        raise ValueError(f"{path}: cannot read as a PyTorch checkpoint ({e})")
    sd = ckpt.get("state_dict", ckpt) if isinstance(ckpt, dict) else None
    if not isinstance(sd, dict):
        raise ValueError(f"{path}: not a checkpoint (expected a dict with 'state_dict' or a state dict)")
    # Checkpoints saved from DataParallel carry a 'module.' prefix.
    return {(k[len("module."):] if k.startswith("module.") else k): v for k, v in sd.items()}


def load_checkpoint(model, path):
    sd = load_state_dict(path)
    result = model.load_state_dict(sd, strict=False)
    missing = [k for k in result.missing_keys if not k.endswith("num_batches_tracked")]
    if missing or result.unexpected_keys:
        msg = f"{path}: checkpoint does not match the architecture"
        if missing:
            msg += f"; missing {len(missing)} keys, e.g. {missing[:3]}"
        if result.unexpected_keys:
            msg += f"; unexpected {len(result.unexpected_keys)} keys, e.g. {result.unexpected_keys[:3]}"
        raise ValueError(msg)


def random_init(model, seed, h, w):
    """Random weights with non-trivial BN statistics, so a wrong BN fold in an exporter would show."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.Conv2d):
                fan_in = m.weight[0].numel()
                m.weight.copy_(torch.randn(m.weight.shape, generator=g) * (2.0 / fan_in) ** 0.5)
            elif isinstance(m, nn.BatchNorm2d):
                m.weight.copy_(0.5 + torch.rand(m.weight.shape, generator=g))
                m.bias.copy_(0.2 * torch.randn(m.bias.shape, generator=g))
                m.running_mean.copy_(0.2 * torch.randn(m.running_mean.shape, generator=g))
                m.running_var.copy_(0.5 + torch.rand(m.running_var.shape, generator=g))
            elif isinstance(m, nn.Linear):
                m.weight.copy_(torch.randn(m.weight.shape, generator=g) / m.weight.shape[1] ** 0.5)
                m.bias.copy_(0.1 * torch.randn(m.bias.shape, generator=g))
        # Un-normalised random ResNets grow activations stage by stage, so the softmax would saturate to a
        # one-hot vector that hides any error in the logits. Scale the head so the logits for the fixed test
        # input have a standard deviation of 1.5: a spread-out probability vector.
        model.eval()
        logits = model.head.fc(model.neck(model.backbone(fixed_input(h, w))))
        scale = 1.5 / max(float(logits.std()), 1e-12)
        model.head.fc.weight.mul_(scale)
        model.head.fc.bias.mul_(scale)


def fixed_input(h, w):
    """A deterministic input (roughly normalised-pixel range) shared with the C++ test through --dump-io."""
    g = torch.Generator().manual_seed(1234)
    return torch.randn((1, 3, h, w), generator=g)


def write_io(path, x, y):
    """Binary: int32 rank, int64 dims, float32 data (little-endian), first the input then the output."""
    with open(path, "wb") as f:
        for t in (x, y):
            t = t.detach().contiguous().float()
            f.write(struct.pack("<i", t.dim()))
            f.write(struct.pack(f"<{t.dim()}q", *t.shape))
            f.write(t.numpy().astype("<f4").tobytes())


def export_onnx(model, out, h, w, dynamic_batch):
    dummy = torch.zeros((1, 3, h, w))
    dynamic_axes = {"input": {0: "batch"}, "output": {0: "batch"}} if dynamic_batch else None
    torch.onnx.export(model, dummy, out, input_names=["input"], output_names=["output"], opset_version=11,
                      do_constant_folding=True, keep_initializers_as_inputs=False, dynamic_axes=dynamic_axes,
                      export_params=True, verbose=False)


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--arch", required=True, help="resnet18_cifar .. resnet152_cifar, resnet18 .. resnet152")
    p.add_argument("--checkpoint", help="mmcls checkpoint (.pth)")
    p.add_argument("--out", help="ONNX file to write (end2end.onnx)")
    p.add_argument("--num-classes", type=int, default=None,
                   help="default: from head.fc.weight in the checkpoint, else 10 (cifar) / 1000")
    p.add_argument("--input-size", type=int, nargs="+", default=None, metavar="H [W]",
                   help="default 32 (cifar) / 224")
    p.add_argument("--dynamic-batch", action="store_true", help="dynamic batch axis (MMDeploy dynamic config)")
    p.add_argument("--random-init", metavar="PTH", help="write random weights in mmcls key layout and exit "
                   "(unless --out is given too)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--dump-io", metavar="FILE", help="write a fixed input and PyTorch's output for it")
    a = p.parse_args(argv)

    try:
        depth, cifar = parse_arch(a.arch)
        num_classes = a.num_classes
        if num_classes is None and a.checkpoint:
            w = load_state_dict(a.checkpoint).get("head.fc.weight")
            num_classes = int(w.shape[0]) if w is not None else None
        if num_classes is None:
            num_classes = 10 if cifar else 1000
        size = a.input_size or [32 if cifar else 224]
        if len(size) > 2 or min(size) <= 0:
            raise ValueError("--input-size takes H or H W (positive)")
        h, w = size[0], size[-1]

        torch.manual_seed(a.seed)
        model = ImageClassifier(depth, cifar, num_classes)
        if a.random_init:
            random_init(model, a.seed, h, w)
            torch.save({"meta": {"arch": a.arch}, "state_dict": model.state_dict()}, a.random_init)
        elif a.checkpoint:
            load_checkpoint(model, a.checkpoint)
        else:
            raise ValueError("give --checkpoint (or --random-init to make test weights)")
        model.eval()

        with torch.no_grad():
            if a.dump_io:
                x = fixed_input(h, w)
                write_io(a.dump_io, x, model(x))
            if a.out:
                export_onnx(model, a.out, h, w, a.dynamic_batch)
    except (ValueError, RuntimeError, OSError) as e:
        sys.stderr.write(f"export_pytorch.py: {e}\n")
        return 1
    if a.out:
        print(f"export_pytorch.py: {a.arch} ({num_classes} classes, input 1x3x{h}x{w}) -> {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
