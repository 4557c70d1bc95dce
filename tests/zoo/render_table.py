#!/usr/bin/env python3
"""Prints the README's model-zoo table (markdown) from the figures test_zoo wrote to ZOO/results/*.json.

Every line of tests/zoo/models.txt gets a row; a check that is off in ctest shows its measured figure (if any)
followed by "(not yet)" and the line's reason.

Usage: tests/zoo/render_table.py [ZOO] [--into FILE]   (default build/zoo; --into: replace the table between
       FILE's <!-- qdeploy:zoo:begin --> and <!-- qdeploy:zoo:end --> markers, e.g. docs/zoo.md)
"""
import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TRAINED = ("resnet18_cifar10", "resnet20_cifar10")


def fig(r, check, fmt):
    c = r.get(check) if r else None
    if not c:
        return "-"
    if "error" in c and c.get("error") and not c.get("pass"):
        # "qdeploy: error: /abs/path/x.onnx: what" -> "what": the table names the model already
        what = re.sub(r"^(qdeploy: error: )?(our runtime: )?(\S+\.(onnx|param|bin): )?", "", str(c["error"]))
        return "fails: " + what.replace("|", "\\|")[:70]
    return fmt(c) + ("" if c.get("pass") else " ✗")


def stability(r):
    """The model's own output stability (reported, not judged): fp32 under input moves of 1e-6; real ncnn's
    int8 vs itself under input moves of 1e-5 (SNR, top-1 agreement)."""
    fp32 = (r or {}).get("a", {}).get("stability_snr_db")
    c = (r or {}).get("c", {})
    int8 = c.get("ncnn_stability_snr_db")
    text = f"{fp32:.0f} dB" if fp32 is not None else "-"
    if int8 is not None:
        shown = "identical" if int8 >= 999 else f"{int8:.1f} dB"
        text += f" / {shown}, {c['ncnn_stability_top1_agreement']:.0%}"
    return text


def d_cell(c):
    """(d): per image (judged, paired over the images) then pooled (reported)."""
    pooled = f"pooled {c.get('ours_vs_fp32_snr_db', float('nan')):.2f} vs {c['ncnn_chain_vs_fp32_snr_db']:.2f}"
    if "ours_minus_ncnn_chain_upper95_db" not in c:
        return pooled + " dB"
    return (f"{c['ours_vs_fp32_image_snr_db']:.2f} vs {c['ncnn_chain_vs_fp32_image_snr_db']:.2f} dB "
            f"({c['ours_minus_ncnn_chain_image_snr_db']:+.2f}, 95% bound {c['ours_minus_ncnn_chain_upper95_db']:+.2f}; "
            f"ours closer on {c['images_ours_closer']}/{c['images']}); {pooled}")


def row(name, opset, checks, reason, r, off="(not yet)"):
    a = fig(r, "a", lambda c: f"{c['snr_db']:.0f} dB, {c['top1_agreement']:.0%}")
    b = fig(r, "b", lambda c: f"{c['snr_db']:.0f} dB, {c['top1_agreement']:.0%}"
                              + (f"; {c['fp16_fc_snr_db']:.0f} dB" if "fp16_fc_snr_db" in c else ""))
    c = fig(r, "c", lambda c: f"{c['ours_vs_ncnn_snr_db']:.1f} dB, {c['ours_vs_ncnn_top1_agreement']:.0%}")
    e = fig(r, "e", lambda c: f"{c['ours_vs_fp32_snr_db']:.1f} / {c['ncnn_vs_fp32_snr_db']:.1f} dB")
    d = fig(r, "d", d_cell)
    cells = []
    for letter, text in zip("abced", (a, b, c, e, d)):
        shown = "same error" if text.startswith("fails") and cells and cells[-1].startswith(text) else text
        cells.append(shown if letter in checks else f"{shown} {off}")
    cells.append(stability(r))
    return f"| {name} | {opset} | " + " | ".join(cells) + f" | {reason} |"


def table(zoo):
    lines = ["| model | opset | (a) ours fp32 vs ORT: SNR, top-1 | (b) our fp32 files in ncnn vs ORT | "
             "(c) int8 ours vs ncnn: SNR, top-1 | (e) int8 vs fp32: ours / ncnn | "
             "(d) vs fp32 per image: ours vs ncnn2int8 in ncnn | model stability: fp32 / ncnn int8 vs itself | note |",
             "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    with open(os.path.join(HERE, "models.txt")) as f:
        for line in f:
            body, _, reason = line.partition("#")
            fields = body.split()
            if not fields:
                continue
            name, opset, checks = fields[0], fields[1], fields[2].replace("-", "")
            path = os.path.join(zoo, "results", f"{name}_op{opset}.json")
            r = json.load(open(path)) if os.path.exists(path) else None
            lines.append(row(name, opset, checks, reason.strip(), r))
    # The trained CIFAR-10 ResNets of ../shared under the same checks (zoo_test.cpp, TrainedZoo).
    for name in TRAINED:
        path = os.path.join(zoo, "results", f"{name}.json")
        r = json.load(open(path)) if os.path.exists(path) else None
        lines.append(row(f"{name} (trained)", "shared", "abcde", "trained weights (../shared); 500 CIFAR-10 test "
                         "images", r, off="(reported)"))
    return "\n".join(lines)


def main():
    args = sys.argv[1:]
    into = None
    if "--into" in args:
        i = args.index("--into")
        into = args[i + 1]
        del args[i:i + 2]
    text = table(args[0] if args else "build/zoo")
    if not into:
        print(text)
        return 0
    begin, end = "<!-- qdeploy:zoo:begin -->", "<!-- qdeploy:zoo:end -->"
    doc = open(into).read()
    if begin not in doc or end not in doc:
        sys.exit(f"render_table.py: {into}: markers {begin} ... {end} not found")
    doc = doc[:doc.index(begin) + len(begin)] + "\n" + text + "\n" + doc[doc.index(end):]
    tmp = f"{into}.tmp{os.getpid()}"
    with open(tmp, "w") as f:
        f.write(doc)
    os.replace(tmp, into)
    return 0


if __name__ == "__main__":
    sys.exit(main())
