#!/usr/bin/python3
"""Writes the model zoo of issue 14 under OUT (the build tree, e.g. build/zoo; never committed):

  OUT/models/<name>_op<opset>.onnx  torchvision 0.14 classifiers with a 10-class head, briefly trained on
                                    CIFAR-10 (TRAIN_STEPS SGD steps from a fixed seed per model, see
                                    train_briefly; ConvNeXt-Tiny untrained), BatchNorm statistics then set
                                    by passes over real images at 224x224; input `input` 1x3x224x224,
                                    output `output` 1x10;
                                    mmcls_resnet<D>: tools/export_pytorch.py's mmcls ResNet (trained at 32x32,
                                    BN set the same way), exported by that tool (opset 11, softmax output)
  OUT/models/<name>.pt              the torchvision model's state dict (the weights of its ONNX files)
  OUT/models/mmcls_resnet<D>.pth    the mmcls checkpoint its ONNX file was exported from
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
import io
import os
import shutil
import subprocess
import sys
import tarfile
import time
import zlib

# The brief training must give the same weights on every CI machine (AVX2-only or AVX-512): pin the kernels
# PyTorch dispatches by CPU (oneDNN's convolutions, ATen's own loops, OpenBLAS's GEMM) to their AVX2 versions;
# the thread count is fixed below. Set before torch is imported, which reads them.
for var, value in (("ONEDNN_MAX_CPU_ISA", "AVX2"), ("DNNL_MAX_CPU_ISA", "AVX2"), ("ATEN_CPU_CAPABILITY", "avx2"),
                   ("OPENBLAS_CORETYPE", "Haswell")):
    os.environ.setdefault(var, value)
TRAIN_THREADS = 2

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torchvision  # noqa: E402
from PIL import Image  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.dirname(os.path.dirname(HERE))
SHARED = os.path.join(SRC, "..", "shared", "cifar10")
SIZE = 224
TEST_PER_CLASS = 3  # x 10 classes = 30 test images per model
CALIB_IMAGES = 100
BN_IMAGES = 64  # train-mode passes that set the BatchNorm running statistics
# Brief training: random weights make networks chaotic (input noise at 40 dB SNR came out at 12-21 dB on
# MobileNetV3-Large / ResNet-50), so no int8 implementation could stay close to their fp32 output, and two
# int8 implementations that round one value differently could not agree. A hundred SGD steps on CIFAR-10 at
# 64x64 make them as smooth as trained networks (measured in PyTorch, 40-dB input noise: MobileNetV3-Large
# 14.7 -> 58.7 dB out, EfficientNet-B0 8.7 -> 69, ResNet-50 21.4 -> 47.5) at ~10-90 s per model on 2 cores.
TRAIN_STEPS = 100
# Three hundred where a hundred left the model's int8 form chaotic: real ncnn's int8 model against itself under
# 1e-5 input moves (the zoo's "model stability") under 35 dB, closer to (c)'s 30 dB than an implementation that
# rounds one value differently can stay. EfficientNet-B0 26.9 dB / 93% top-1 -> 40.0 / 100%, ShuffleNetV2
# 32.1 / 100% -> 36.1 / 97% (2026-12-07; ~70 + ~40 s more export). Not RegNetY-400MF: 28.8 -> 27.1 dB.
LONGER_TRAINING = {"efficientnet_b0": 300, "shufflenet_v2_x1_0": 300}
# ConvNeXt-Tiny stays at its random init: its LayerNorms keep it smooth untrained (int8 within 33.8 dB of fp32,
# real ncnn's int8 vs itself 47.9 dB), and 100 steps would take ~3 minutes of CI (its Linear layers run on the
# system BLAS).
UNTRAINED = {"convnext_tiny"}
# Linear layers with more weights (VGG-11's 103M + 17M classifier) keep their init: training them took ~4 s
# a step (12 s with netlib's BLAS).
FROZEN_LINEAR = 1 << 22
TRAIN_SIZE = 64
# The mmcls ResNets train at CIFAR's own 32x32 (their ImageNet stem leaves 1x1 at the last stage): a minute for both
# depths instead of ~7 at 64x64, and it is what makes them smooth: untrained, ResNet-50's own fp32 output was only
# 102.6 dB from float64 (PyTorch, the zoo's 30 test images), so check (a)'s 100 dB was a coin toss; trained, 134.5.
MMCLS_TRAIN_SIZE = 32
TRAIN_BATCH = 32
TRAIN_LR = 0.1  # peak of the one-cycle schedule
CLASSES = 10
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


def cifar_train_set():
    """[(jpeg bytes, class index)] of ../shared/cifar10/train.tar.gz (read once, decoded when drawn)."""
    items = []
    with tarfile.open(os.path.join(SHARED, "train.tar.gz")) as tar:
        for member in tar:
            parts = member.name.split("/")
            if member.isfile() and member.name.endswith(".jpg") and len(parts) >= 3:
                items.append((member.name, parts[-2], tar.extractfile(member).read()))
    classes = sorted({c for _, c, _ in items})
    assert len(classes) == CLASSES, f"{len(classes)} classes in train.tar.gz"
    return [(data, classes.index(c)) for _, c, data in sorted(items)]


def train_batch(train, idx, rng, size):
    x = []
    for i in idx:
        img = Image.open(io.BytesIO(train[i][0])).convert("RGB").resize((size, size), Image.BILINEAR)
        a = (np.asarray(img, np.float32) / 255 - MEAN) / STD
        x.append((a[:, ::-1] if rng.random() < 0.5 else a).transpose(2, 0, 1))  # random horizontal flip
    return torch.from_numpy(np.ascontiguousarray(np.stack(x))), torch.tensor([train[i][1] for i in idx])


def train_briefly(m, name, train, size=TRAIN_SIZE):
    """TRAIN_STEPS (LONGER_TRAINING) steps of SGD (one-cycle learning rate, weight decay) on random CIFAR-10
    batches."""
    if name in UNTRAINED:
        return
    steps = LONGER_TRAINING.get(name, TRAIN_STEPS)
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    for mod in m.modules():
        if isinstance(mod, torch.nn.Linear) and mod.weight.numel() > FROZEN_LINEAR:
            mod.requires_grad_(False)
    params = [p for p in m.parameters() if p.requires_grad]
    opt = torch.optim.SGD(params, lr=0.01, momentum=0.9, weight_decay=5e-4, nesterov=True)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=TRAIN_LR, total_steps=steps)
    m.train()
    t0, loss = time.time(), None
    for _ in range(steps):
        x, y = train_batch(train, rng.integers(0, len(train), TRAIN_BATCH), rng, size)
        loss = torch.nn.functional.cross_entropy(m(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
    print(f"make_zoo: {name}: {steps} training steps in {time.time() - t0:.0f} s, last loss {loss.item():.2f}",
          flush=True)


def set_bn_statistics(m, x):
    """Running statistics = the plain average over passes at the zoo's 224x224 (momentum None, reset after the
    64x64 training). With PyTorch's default 0.1, four passes left them 66% at their initial 0/1, and
    EfficientNet-B0 and MobileNetV3-Small came out with outputs that did not depend on the input."""
    for mod in m.modules():
        if isinstance(mod, torch.nn.modules.batchnorm._BatchNorm):
            mod.reset_running_stats()
            mod.momentum = None
    m.train()
    with torch.no_grad():
        for i in range(0, len(x), 16):
            m(x[i : i + 16])
    return m.eval()


def torchvision_model(name, x, train):
    torch.manual_seed(zlib.crc32(name.encode()))  # fixed seed per model: the same weights at every opset
    m = getattr(torchvision.models, name)(weights=None, num_classes=CLASSES)
    train_briefly(m, name, train)
    return set_bn_statistics(m, x)


def export_mmcls(name, out, x, train):
    """tools/export_pytorch.py's mmcls ResNet, made like the torchvision models (PyTorch's default init, brief
    training, at MMCLS_TRAIN_SIZE, BN statistics at 224x224), saved as an mmcls checkpoint and exported by the
    tool itself. With the tool's own --random-init (random BN statistics) activations grew stage by stage and
    ResNet-50's head came out with weights of ~3e-6: fp16 subnormals, which no deployed network has."""
    sys.path.insert(0, os.path.join(SRC, "tools"))
    import export_pytorch  # noqa: E402

    depth, cifar = export_pytorch.parse_arch(name[len("mmcls_"):])
    torch.manual_seed(zlib.crc32(name.encode()))
    model = export_pytorch.ImageClassifier(depth, cifar, CLASSES)
    # The head ends in softmax (MMDeploy's export): train on the logits.
    train_briefly(torch.nn.Sequential(model.backbone, model.neck, model.head.fc), name, train, MMCLS_TRAIN_SIZE)
    set_bn_statistics(model, x)
    dst = os.path.join(out, "models", f"{name}_op11.onnx")
    ckpt = os.path.join(out, "models", f"{name}.pth")
    torch.save({"meta": {"arch": name[len("mmcls_"):]}, "state_dict": model.state_dict()}, ckpt)
    subprocess.run([sys.executable, os.path.join(SRC, "tools", "export_pytorch.py"), "--arch", name[len("mmcls_"):],
                    "--checkpoint", ckpt, "--out", dst + ".tmp"], check=True)
    os.replace(dst + ".tmp", dst)
    print(f"make_zoo: wrote {dst}", flush=True)


def export(name, opsets, out, x, train):
    todo = [o for o in opsets if not os.path.exists(os.path.join(out, "models", f"{name}_op{o}.onnx"))]
    if not name.startswith("mmcls_") and not os.path.exists(os.path.join(out, "models", f"{name}.pt")):
        todo = opsets  # the ONNX files and the weights come from one training run
    if not todo:
        return
    if name.startswith("mmcls_"):
        return export_mmcls(name, out, x, train())
    m = torchvision_model(name, x, train())
    # The weights too: training is not bit-reproducible across runs (thread timing in oneDNN's reductions),
    # so consumers that rebuild the PyTorch model (tests/data/reference/check_end_to_end.py) load these.
    torch.save(m.state_dict(), os.path.join(out, "models", f"{name}.pt.tmp"))
    os.replace(os.path.join(out, "models", f"{name}.pt.tmp"), os.path.join(out, "models", f"{name}.pt"))
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
    torch.set_num_threads(TRAIN_THREADS)
    x = bn_batch(a.out)
    train_set = []

    def train():  # read only when a model needs exporting
        if not train_set:
            train_set.extend(cifar_train_set())
        return train_set

    wanted = {}
    for name, opset in zoo_lines(a.all):
        if not a.only or name in a.only.split(","):
            wanted.setdefault(name, []).append(opset)
    for name, opsets in wanted.items():
        export(name, opsets, a.out, x, train)
    return 0


if __name__ == "__main__":
    sys.exit(main())
