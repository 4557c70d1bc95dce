#!/usr/bin/python3
"""Generates test images and the uint8 crops the reference pipelines feed a network, for
tests/data/reference/preprocess_reference_test.cpp.

Usage: /usr/bin/python3 make_preprocess_refs.py <shared cifar10 test dir> <out dir>

From CIFAR-10 test images: 220 files of varied sizes (small/large, portrait/landscape, odd), formats and
modes (baseline and progressive JPEG at 4:2:0 and 4:4:4, grayscale JPEG/PNG, RGB, RGBA, paletted and
grayscale+alpha PNG, CMYK JPEG, JPEGs with an EXIF orientation tag). For each, the reference crops:
  pil: torchvision's ImageFolder loader (PIL open + convert("RGB")), transforms.Resize(256) and
       CenterCrop(224) (bilinear; bicubic and nearest on some files);
  cv2: mmcv.imfrombytes (cv2.imdecode, IMREAD_COLOR, BGR) then mmcls ResizeEdge(256, edge="short",
       backend="cv2") and CenterCrop(224) arithmetic, converted to RGB.
Writes <out>/images/*, <out>/refs/*.rgb (224*224*3 bytes, RGB) and <out>/manifest.txt with one line per
reference: "<image> <backend> <interpolation> <resize_short> <crop> <ref>". Never commit the output.
"""
import io
import os
import random
import sys

import cv2
import numpy as np
from PIL import Image
import torchvision.transforms as T

RESIZE, CROP = 256, 224


def source_images(cifar_dir):
    files = []
    for cls in sorted(os.listdir(cifar_dir)):
        d = os.path.join(cifar_dir, cls)
        files += [os.path.join(d, f) for f in sorted(os.listdir(d))[:30]]
    return files


def make_image(rng, src_path, i):
    """A synthetic photo: the CIFAR image upscaled to a random size, with a gradient and noise so that
    resizing has detail to get wrong. Returns (PIL RGB image, description)."""
    base = Image.open(src_path).convert("RGB")
    sizes = [(rng.randint(230, 300), rng.randint(230, 300)), (rng.randint(300, 700), rng.randint(240, 520)),
             (rng.randint(240, 520), rng.randint(300, 700)), (500, 375), (375, 500), (512, 768), (768, 512),
             (rng.randint(700, 1100), rng.randint(500, 900)), (256, 256), (224, 224), (rng.randint(40, 200),
             rng.randint(40, 200)), (257, 999), (1001, 333)]
    w, h = sizes[i % len(sizes)]
    img = base.resize((w, h), Image.BICUBIC)
    arr = np.asarray(img).astype(np.int16)
    yy, xx = np.mgrid[0:h, 0:w]
    arr = arr + ((xx * 7 + yy * 3) % 23 - 11)[..., None] + rng.randint(0, 1 << 30) % 5
    noise = np.random.default_rng(i).integers(-12, 13, size=arr.shape)
    arr = np.clip(arr + noise, 0, 255).astype(np.uint8)
    if i % 17 == 5:  # padded like a letterboxed photo
        arr[: h // 8] = 0
        arr[h - h // 8:] = 0
    return Image.fromarray(arr, "RGB")


def save_variant(img, i, out_images):
    kind = ["jpeg420", "jpeg444", "progressive", "png", "gray_jpeg", "gray_png", "rgba_png", "cmyk_jpeg",
            "exif_jpeg", "jpeg420", "palette_png", "gray_alpha_png"][i % 12]
    q = 60 + (i * 7) % 40
    name = "%03d_%s" % (i, kind)
    if kind == "jpeg420":
        path = os.path.join(out_images, name + ".jpg")
        img.save(path, quality=q, subsampling=2)
    elif kind == "jpeg444":
        path = os.path.join(out_images, name + ".jpg")
        img.save(path, quality=q, subsampling=0)
    elif kind == "progressive":
        path = os.path.join(out_images, name + ".jpg")
        img.save(path, quality=q, progressive=True)
    elif kind == "png":
        path = os.path.join(out_images, name + ".png")
        img.save(path)
    elif kind == "gray_jpeg":
        path = os.path.join(out_images, name + ".jpg")
        img.convert("L").save(path, quality=q)
    elif kind == "gray_png":
        path = os.path.join(out_images, name + ".png")
        img.convert("L").save(path)
    elif kind == "rgba_png":
        path = os.path.join(out_images, name + ".png")
        rgba = img.convert("RGBA")
        alpha = Image.fromarray((np.indices((img.height, img.width)).sum(0) % 256).astype(np.uint8))
        rgba.putalpha(alpha)
        rgba.save(path)
    elif kind == "palette_png":
        path = os.path.join(out_images, name + ".png")
        img.convert("P", palette=Image.ADAPTIVE, colors=200).save(path)
    elif kind == "gray_alpha_png":
        path = os.path.join(out_images, name + ".png")
        la = img.convert("LA")
        la.putalpha(Image.fromarray((np.indices((img.height, img.width))[1] % 256).astype(np.uint8)))
        la.save(path)
    elif kind == "cmyk_jpeg":
        path = os.path.join(out_images, name + ".jpg")
        img.convert("CMYK").save(path, quality=q)
    else:  # EXIF orientation 6 (rotate 90 degrees clockwise to display) or 3 or 8
        path = os.path.join(out_images, name + ".jpg")
        exif = Image.Exif()
        exif[0x0112] = [6, 3, 8][i % 3]
        img.save(path, quality=q, exif=exif.tobytes())
    return path


def pil_reference(path, interpolation):
    with open(path, "rb") as f:
        img = Image.open(f).convert("RGB")  # torchvision.datasets.folder.pil_loader
    t = T.Compose([T.Resize(RESIZE, interpolation=interpolation), T.CenterCrop(CROP)])
    return np.asarray(t(img))


def cv2_reference(path, interpolation):
    with open(path, "rb") as f:
        img = cv2.imdecode(np.frombuffer(f.read(), np.uint8), cv2.IMREAD_COLOR)  # mmcv.imfrombytes
    h, w = img.shape[:2]
    if w < h:  # mmcls ResizeEdge(scale, edge="short")
        width, height = RESIZE, int(RESIZE * h / w)
    else:
        height, width = RESIZE, int(RESIZE * w / h)
    img = cv2.resize(img, (width, height), interpolation=interpolation)
    h, w = img.shape[:2]
    y1 = max(0, int(round((h - CROP) / 2.0)))  # mmcv CenterCrop
    x1 = max(0, int(round((w - CROP) / 2.0)))
    img = img[y1:y1 + CROP, x1:x1 + CROP]
    return np.ascontiguousarray(img[:, :, ::-1])


def main():
    cifar_dir, out = sys.argv[1], sys.argv[2]
    out_images, out_refs = os.path.join(out, "images"), os.path.join(out, "refs")
    os.makedirs(out_images, exist_ok=True)
    os.makedirs(out_refs, exist_ok=True)
    rng = random.Random(17)
    sources = source_images(cifar_dir)
    lines = []
    for i in range(220):
        img = make_image(rng, sources[(i * 37) % len(sources)], i)
        path = save_variant(img, i, out_images)
        rel = os.path.relpath(path, out)
        refs = [("pil", "bilinear", pil_reference(path, T.InterpolationMode.BILINEAR)),
                ("cv2", "bilinear", cv2_reference(path, cv2.INTER_LINEAR))]
        if i % 4 == 1:
            refs.append(("pil", "bicubic", pil_reference(path, T.InterpolationMode.BICUBIC)))
        if i % 4 == 2:
            refs.append(("pil", "nearest", pil_reference(path, T.InterpolationMode.NEAREST)))
        if i % 4 == 3:
            refs.append(("cv2", "nearest", cv2_reference(path, cv2.INTER_NEAREST)))
        for backend, interp, arr in refs:
            assert arr.shape == (CROP, CROP, 3) and arr.dtype == np.uint8, (path, arr.shape)
            ref = os.path.join("refs", "%03d_%s_%s.rgb" % (i, backend, interp))
            with open(os.path.join(out, ref), "wb") as f:
                f.write(arr.tobytes())
            lines.append("%s %s %s %d %d %s" % (rel, backend, interp, RESIZE, CROP, ref))
    tmp = os.path.join(out, "manifest.txt.tmp")
    with open(tmp, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.replace(tmp, os.path.join(out, "manifest.txt"))
    print("make_preprocess_refs: %d images, %d reference crops in %s" % (220, len(lines), out))


if __name__ == "__main__":
    main()
