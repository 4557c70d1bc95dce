#!/usr/bin/python3
"""Writes the model zoo of issue 14 under OUT (the build tree, e.g. build/zoo; never committed):

  OUT/models/<name>_op<opset>.onnx  torchvision 0.14 classifiers, random weights (fixed seed per model) whose
                                    BatchNorm statistics come from train-mode passes over real images, input
                                    `input` 1x3x224x224, output `output` 1x1000; mmcls_resnet<D> from
                                    tools/export_pytorch.py (opset 11, softmax output)
  OUT/images/test/<class>/*.jpg     30 CIFAR-10 test images (3 per class) upscaled to 224x224
  OUT/images/calib/*.jpg            100 images of ../shared/cifar10/calib upscaled to 224x224

Models come from tests/zoo/models.txt (lines whose checks are not "-"; --all: every line). Files already
written by this very script (same content, same torch) are kept: OUT/STAMP holds the key; another key wipes OUT.
Needs Debian's python3-torch + python3-torchvision (scripts/setup.sh --with-torch).

Usage: /usr/bin/python3 tests/zoo/make_zoo.py OUT [--all] [--only name,name]
"""
import argparse
import glob
import hashlib
import os
import shutil
import subprocess
import sys
import zlib

import numpy as np
import torch
import torchvision
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
SHARED = os.path.join(SRC, "..", "shared", "cifar10")
SIZE = 224
TEST_PER_CLASS = 3  # x 10 classes = 30 test images per model
CALIB_IMAGES = 100
BN_IMAGES = 64  # train-mode passes that set the BatchNorm running statistics
MEAN = np.array([0.485, 0.456, 0.406], np.float32)  # ImageNet, as torchvision's weights expect
STD = np.array([0.229, 0.224, 0.225], np.float32)


def zoo_lines(all_lines):
    """(name, opset) of tests/zoo/models.txt, in file order."""
    r = []
    with open(os.path.join(HERE, "models.txt")) as f:
        for line in f:
            fields = line.split("#")[0].split()
            if fields and (all_lines or fields[2] != "-"):
                r.append((fields[0], int(fields[1])))
    return r


def upscale(src, dst):
    os.makedirs(os.path.dirname(dst), exist_ok=True)
    Image.open(src).convert("RGB").resize((SIZE, SIZE), Image.BILINEAR).save(dst, quality=95)


def write_images(out):
    test_dir = os.path.join(SHARED, "test")
    for cls in sorted(os.listdir(test_dir)):
        for f in sorted(glob.glob(os.path.join(test_dir, cls, "*.jpg")))[:TEST_PER_CLASS]:
            upscale(f, os.path.join(out, "images", "test", cls, os.path.basename(f)))
    calib = sorted(glob.glob(os.path.join(SHARED, "calib", "*.jpg")))
    for f in calib[:: len(calib) // CALIB_IMAGES][:CALIB_IMAGES]:
        upscale(f, os.path.join(out, "images", "calib", os.path.basename(f)))


def bn_batch(out):
    """BN_IMAGES upscaled calibration images, normalised as torchvision expects (NCHW float)."""
    files = sorted(glob.glob(os.path.join(out, "images", "calib", "*.jpg")))[:BN_IMAGES]
    x = [((np.asarray(Image.open(f).convert("RGB"), np.float32) / 255 - MEAN) / STD).transpose(2, 0, 1) for f in files]
    return torch.from_numpy(np.stack(x))


def torchvision_model(name, x):
    torch.manual_seed(zlib.crc32(name.encode()))  # fixed seed per model: the same weights at every opset
    m = getattr(torchvision.models, name)(weights=None)
    # Running statistics = the plain average over the passes (momentum None). With PyTorch's default 0.1,
    # four passes left them 66% at their initial 0/1, and EfficientNet-B0 and MobileNetV3-Small came out
    # with outputs that did not depend on the input (spread 4e-9 across images): every top-1 figure was
    # a coin toss.
    for mod in m.modules():
        if isinstance(mod, torch.nn.modules.batchnorm._BatchNorm):
            mod.momentum = None
    m.train()
    with torch.no_grad():
        for i in range(0, len(x), 16):
            m(x[i : i + 16])
    return m.eval()


def export(name, opsets, out, x):
    todo = [o for o in opsets if not os.path.exists(os.path.join(out, "models", f"{name}_op{o}.onnx"))]
    if not todo:
        return
    if name.startswith("mmcls_"):
        dst = os.path.join(out, "models", f"{name}_op11.onnx")
        ckpt = os.path.join(out, "models", f"{name}.pth")
        subprocess.run([sys.executable, os.path.join(SRC, "tools", "export_pytorch.py"), "--arch", name[6:],
                        "--random-init", ckpt, "--out", dst + ".tmp"], check=True)
        os.replace(dst + ".tmp", dst)
        os.remove(ckpt)
        return
    m = torchvision_model(name, x)
    for o in todo:
        dst = os.path.join(out, "models", f"{name}_op{o}.onnx")
        try:
            torch.onnx.export(m, x[:1], dst + ".tmp", opset_version=o, input_names=["input"],
                              output_names=["output"])
        except Exception as e:  # an opset the exporter cannot write this model in: reported, not fatal
            print(f"make_zoo: {name} opset {o}: not exportable: {str(e).splitlines()[0]}", flush=True)
            continue
        os.replace(dst + ".tmp", dst)
        print(f"make_zoo: wrote {dst}", flush=True)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("out")
    p.add_argument("--all", action="store_true", help="every line of models.txt, also those off in ctest")
    p.add_argument("--only", help="comma-separated model names")
    a = p.parse_args()
    with open(__file__, "rb") as f:
        key = hashlib.sha256(f.read() + torch.__version__.encode() + torchvision.__version__.encode()).hexdigest()
    stamp = os.path.join(a.out, "STAMP")
    if not os.path.exists(stamp) or open(stamp).read() != key:
        shutil.rmtree(a.out, ignore_errors=True)
        os.makedirs(os.path.join(a.out, "models"))
        write_images(a.out)
        with open(stamp, "w") as f:
            f.write(key)
    x = bn_batch(a.out)
    wanted = {}
    for name, opset in zoo_lines(a.all):
        if not a.only or name in a.only.split(","):
            wanted.setdefault(name, []).append(opset)
    for name, opsets in wanted.items():
        export(name, opsets, a.out, x)
    return 0


if __name__ == "__main__":
    sys.exit(main())
