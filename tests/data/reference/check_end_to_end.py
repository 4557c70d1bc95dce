#!/usr/bin/python3
"""End to end on the images of make_preprocess_refs.py (220 generated images of every kind): `qdeploy test`
with the shipped ImageNet configs against the reference pipelines.

  torchvision (issue 17 point 2): the reference is PyTorch itself. The zoo's resnet18 is rebuilt from the
      weights make_zoo.py saved with its ONNX files (<zoo>/models/resnet18.pt) and run in PyTorch (fp32, eval
      mode) on PIL loader + Resize(256) + CenterCrop(224) + ToTensor + Normalize(ImageNet mean/std) of each
      image. qdeploy runs the ONNX export of that model
      (<zoo>/models/resnet18_op13.onnx) with configs/imagenet/torchvision_resize256_crop224.toml, fp32.
  mmcls: cv2.imdecode, ResizeEdge(256) + CenterCrop(224) arithmetic, to_rgb, mean/std feeding the same ONNX
      model in ONNX Runtime (configs/imagenet/mmcls_resnet50_cv2.toml, zoo model mmcls_resnet18_op11).

Compared, per image: the logits `qdeploy test --out` writes ("scores") with the reference's logits (the zoo's
heads have 10 classes; the configs' num_classes is set to that in copies under the work folder).
Every image must give the same top-1 (argmax), and the relative logit error max_i |ours_i - ref_i| / max_i
|ref_i| (per image, i over the classes) must be <= 1e-4 on every image.

Usage: /usr/bin/python3 check_end_to_end.py <qdeploy> <source dir> <zoo models dir> <refs dir>
Exit 0 when all agree; prints one line per pipeline.
"""
import json
import os
import re
import subprocess
import sys

import cv2
import numpy as np
from PIL import Image
import torch
import torchvision
import torchvision.transforms as T

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "zoo"))
import make_zoo  # noqa: E402  (the zoo's model builder; importing it runs nothing)

MEAN = np.array([123.675, 116.28, 103.53], np.float32)
STD = np.array([58.395, 57.12, 57.375], np.float32)


def torchvision_input(path):
    with open(path, "rb") as f:
        img = Image.open(f).convert("RGB")
    t = T.Compose([T.Resize(256), T.CenterCrop(224), T.ToTensor(),
                   T.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225])])
    return t(img).numpy()


def mmcls_input(path):
    with open(path, "rb") as f:
        img = cv2.imdecode(np.frombuffer(f.read(), np.uint8), cv2.IMREAD_COLOR)
    h, w = img.shape[:2]
    width, height = (256, int(256 * h / w)) if w < h else (int(256 * w / h), 256)
    img = cv2.resize(img, (width, height), interpolation=cv2.INTER_LINEAR)
    y1, x1 = max(0, int(round((height - 224) / 2.0))), max(0, int(round((width - 224) / 2.0)))
    img = img[y1:y1 + 224, x1:x1 + 224, ::-1].astype(np.float32)
    return ((img - MEAN) / STD).transpose(2, 0, 1)


def ort_logits(src, model, make_input, images, work, name):
    """ONNX Runtime on the ONNX model, fed the reference pipeline's inputs."""
    inputs, ort_out = (os.path.join(work, name + s) for s in (".f32", "_ort.f32"))
    with open(inputs, "wb") as f:
        for p in images:
            f.write(make_input(p).astype(np.float32).tobytes())
    subprocess.run(["node", os.path.join(src, "tools/ort/run_model.js"), model, inputs, ort_out, "--threads", "1"],
                   check=True, stdout=subprocess.DEVNULL)
    os.remove(inputs)
    return np.fromfile(ort_out, np.float32).reshape(len(images), -1)


def torch_logits(zoo, name, make_input, images):
    """PyTorch on the zoo model `name` rebuilt by make_zoo.py (the model its ONNX files were exported from)."""
    model = getattr(torchvision.models, name)(weights=None, num_classes=make_zoo.CLASSES)
    model.load_state_dict(torch.load(os.path.join(zoo, "models", name + ".pt")))
    model.eval()
    out = []
    with torch.no_grad():
        for i in range(0, len(images), 20):
            x = torch.from_numpy(np.stack([make_input(p) for p in images[i : i + 20]]))
            out.append(model(x).numpy())
    return np.concatenate(out)


def check(name, qdeploy, src, model, config, ref, images, work):
    """qdeploy test on `model` against the reference logits `ref` (images x classes)."""
    pred = os.path.join(work, name.split()[0] + ".json")
    # The ImageNet configs with the zoo's class count (its heads have make_zoo.CLASSES outputs)
    cfg = os.path.join(work, config)
    with open(os.path.join(src, "configs/imagenet", config)) as f:
        text = f.read().replace("num_classes = 1000", f"num_classes = {make_zoo.CLASSES}")
    text = re.sub(r'^classes_file = .*$', "", text, flags=re.M)  # ImageNet's 1000 names do not fit 10 outputs
    with open(cfg, "w") as f:
        f.write(text)
    subprocess.run([qdeploy, "test", cfg, "--model", model, "--dataset",
                    os.path.join(work, "list.txt"), "--out", pred, "--threads", "1"], check=True,
                   stdout=subprocess.DEVNULL)
    ours = np.array([p["scores"] for p in json.load(open(pred))["predictions"]], np.float64)
    ref = ref.astype(np.float64)
    same = int((ours.argmax(1) == ref.argmax(1)).sum())
    rel = np.abs(ours - ref).max(1) / np.abs(ref).max(1)
    worst = int(rel.argmax())
    print("%s: %d/%d same top-1, logits max relative difference %.2e (%s)" %
          (name, same, len(images), rel.max(), os.path.basename(images[worst])))
    return same == len(images) and rel.max() <= 1e-4


def main():
    qdeploy, src, models, refs = sys.argv[1:5]
    images = sorted({os.path.join(refs, line.split()[0]) for line in open(os.path.join(refs, "manifest.txt"))})
    work = os.path.join(refs, "end_to_end")
    os.makedirs(work, exist_ok=True)
    with open(os.path.join(work, "list.txt"), "w") as f:
        f.writelines(p + " 0\n" for p in images)
    ok = check("torchvision (vs PyTorch)", qdeploy, src, os.path.join(models, "resnet18_op13.onnx"),
               "torchvision_resize256_crop224.toml",
               torch_logits(os.path.dirname(os.path.abspath(models)), "resnet18", torchvision_input, images), images,
               work)
    mmcls = os.path.join(models, "mmcls_resnet18_op11.onnx")
    ok &= check("mmcls (vs ONNX Runtime)", qdeploy, src, mmcls, "mmcls_resnet50_cv2.toml",
                ort_logits(src, mmcls, mmcls_input, images, work, "mmcls"), images, work)
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
