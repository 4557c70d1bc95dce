// A tiny valid model in every format the CLI reads, built in a temp folder: tiny.onnx (Conv 3->16 3x3,
// Relu, GlobalAveragePool, Flatten, Gemm 16->10), its model config tiny.toml (8x8 RGB input), the ncnn
// files qdeploy converts it to (tiny.param/.bin), and a calibration folder of two PNG images. Error tests
// derive each bad file from these good ones, so only the defect under test differs.
#pragma once
#include <cmath>
#include <string>
#include <vector>

#include "cli_errors/cli_harness.h"
#include "data/test_files.h"
#include "frontend/onnx/onnx_builder.h"

namespace qd::test {

inline std::vector<float> wave(size_t n, float scale) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = scale * std::sin(0.7f * static_cast<float>(i) + 0.3f);
  return v;
}

// Builds the tiny ONNX model; `edit` may change it before it is returned.
inline OnnxBuilder tiny_onnx() {
  OnnxBuilder b;
  b.input("input", {1, 3, 8, 8}).output("output");
  b.init_f32("conv0.w", {16, 3, 3, 3}, wave(16 * 27, 0.2f));
  b.init_f32("conv0.b", {16}, wave(16, 0.05f));
  b.init_f32("fc.w", {10, 16}, wave(160, 0.3f));
  b.init_f32("fc.b", {10}, wave(10, 0.01f));
  auto& conv = b.node("Conv", {"input", "conv0.w", "conv0.b"}, {"c0"}, "conv0");
  set_attr(conv, "kernel_shape", std::vector<int64_t>{3, 3});
  set_attr(conv, "pads", std::vector<int64_t>{1, 1, 1, 1});
  b.node("Relu", {"c0"}, {"r0"}, "relu0");
  b.node("GlobalAveragePool", {"r0"}, {"g0"}, "gap");
  b.node("Flatten", {"g0"}, {"f0"}, "flat");
  auto& fc = b.node("Gemm", {"f0", "fc.w", "fc.b"}, {"output"}, "fc");
  set_attr(fc, "transB", int64_t{1});
  return b;
}

inline const char* kTinyToml = R"([model]
name = "tiny"
input_name = "input"
input_shape = [1, 3, 8, 8]
output_name = "output"

[preprocess]
color = "RGB"
mean = [127.5, 127.5, 127.5]
std = [64.0, 64.0, 64.0]

[dataset]
calib = "calib"
num_classes = 10
)";

// Small RGB pixels with some structure (so calibration sees a range).
inline std::vector<uint8_t> test_pixels(int w, int h, int comp, int seed) {
  std::vector<uint8_t> px(static_cast<size_t>(w) * h * comp);
  for (size_t i = 0; i < px.size(); ++i) px[i] = static_cast<uint8_t>((i * 37 + seed * 91) % 251);
  return px;
}

class TinyModelFiles {
 public:
  TinyModelFiles() {
    onnx = dir / "tiny.onnx";
    tiny_onnx().save(onnx);
    toml = dir / "tiny.toml";
    write_bytes(toml, kTinyToml);
    calib = dir / "calib";
    write_png(calib + "/a.png", 8, 8, 3, test_pixels(8, 8, 3, 1));
    write_png(calib + "/b.png", 8, 8, 3, test_pixels(8, 8, 3, 2));
    image = dir / "cat.png";
    write_png(image, 8, 8, 3, test_pixels(8, 8, 3, 3));
    const std::string conv_dir = dir / "ncnn";
    RunResult r = run_qdeploy({"convert", onnx, "--work-dir", conv_dir});
    if (r.code != 0) throw std::runtime_error("converting the tiny model failed: " + describe(r));
    param = dir / "tiny.param";
    bin = dir / "tiny.bin";
    std::filesystem::copy_file(conv_dir + "/end2end.param", param);
    std::filesystem::copy_file(conv_dir + "/end2end.bin", bin);
  }

  TempDir dir;
  std::string onnx, toml, calib, image, param, bin;
};

}  // namespace qd::test
