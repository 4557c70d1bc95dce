// Helpers for tests that compare qdeploy with ONNX Runtime (npm onnxruntime-node, run by
// tools/ort/run_model.js): both runtimes get the very same preprocessed tensors, written by our data
// pipeline.
#pragma once
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "core/atomic_file.h"
#include "core/tensor.h"
#include "data/batch_loader.h"
#include "data/dataset.h"
#include "data/model_config.h"
#include "ir/model.h"
#include "runtime/executor.h"

namespace qd::ort_testing {

namespace fs = std::filesystem;

inline const std::string kShared = QDEPLOY_SHARED_DIR;
inline const std::string kSrc = QDEPLOY_SOURCE_DIR;

// Why ONNX Runtime cannot run here ("" when it can): Node.js missing or the npm package not installed.
inline std::string ort_unavailable() {
  if (std::system("node --version > /dev/null 2>&1") != 0) return "Node.js ('node') is not on PATH";
  if (!fs::exists(kSrc + "/tools/ort/node_modules/onnxruntime-node/package.json"))
    return "onnxruntime-node is not installed in tools/ort (scripts/setup.sh runs npm ci there)";
  return "";
}

#define QD_SKIP_WITHOUT_ORT()                                                 \
  do {                                                                        \
    if (std::string why = ::qd::ort_testing::ort_unavailable(); !why.empty()) \
      GTEST_SKIP() << "ONNX Runtime comparison skipped: " << why;             \
  } while (0)

// A fresh folder for one test's files.
inline std::string work_dir(const std::string& name) {
  fs::path d = fs::temp_directory_path() / ("qd_ort_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(d);
  fs::create_directories(d);
  return d.string();
}

// Preprocessed images of a dataset: NCHW f32 [n, 3, H, W] and their labels.
struct Images {
  Tensor x;
  std::vector<int> labels;
  int64_t count() const { return x.dim(0); }
};

// A deterministic subset of n images of `dataset` (limit(): seeded, original order kept; all when n = 0),
// decoded and preprocessed by our data pipeline as `qdeploy test` does.
inline Images load_images(const ModelConfig& cfg, const std::string& dataset, size_t n) {
  Dataset ds = open_dataset(dataset);
  if (n) ds = limit(ds, n);
  BatchLoaderOptions o;
  o.batch_size = 256;
  BatchLoader loader(ds, cfg.preprocess, o);
  const int64_t per = 3 * cfg.preprocess.height * cfg.preprocess.width;
  std::vector<float> all;
  Images r;
  Batch b;
  while (loader.next(b)) {
    const float* p = b.input.data<float>();
    all.insert(all.end(), p, p + b.size() * per);
    r.labels.insert(r.labels.end(), b.labels.begin(), b.labels.end());
  }
  const auto count = static_cast<int64_t>(r.labels.size());
  r.x = Tensor::from<float>({count, 3, cfg.preprocess.height, cfg.preprocess.width},
                            std::span<const float>(all));
  return r;
}

// Runs `model` in ONNX Runtime over every image of x; returns the outputs, one row per image.
inline std::vector<float> run_ort(const std::string& model, const Tensor& x, const std::string& dir,
                                  int threads = 1) {
  const std::string in = dir + "/ort_inputs.f32", out = dir + "/ort_outputs.f32";
  write_file_atomic(in, std::string_view(static_cast<const char*>(x.raw()), x.nbytes()));
  fs::remove(out);
  std::string cmd = "node " + kSrc + "/tools/ort/run_model.js " + model + " " + in + " " + out +
                    " --threads " + std::to_string(threads) + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string log;
  std::array<char, 4096> buf;
  while (size_t k = fread(buf.data(), 1, buf.size(), p)) log.append(buf.data(), k);
  int status = pclose(p);
  EXPECT_EQ(status, 0) << cmd << "\n" << log;
  std::ifstream f(out, std::ios::binary);
  std::vector<char> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  std::vector<float> r(bytes.size() / sizeof(float));
  std::memcpy(r.data(), bytes.data(), r.size() * sizeof(float));
  fs::remove(in);
  return r;
}

// Runs `model` on our runtime over every image of x in batches of `batch` (the last batch zero-padded);
// returns the first output, one row per image.
inline std::vector<float> run_ours(const ir::Model& model, const Tensor& x, runtime::Int8Mode int8,
                                   int64_t batch = 50) {
  auto exec = runtime::compile(model, {.backend = runtime::Backend::onednn, .int8 = int8, .batch = batch});
  const int64_t n = x.dim(0), per = x.numel() / n;
  std::vector<float> r;
  for (int64_t s = 0; s < n; s += batch) {
    const int64_t rows = std::min(batch, n - s);
    Tensor in(DataType::f32, {batch, x.dim(1), x.dim(2), x.dim(3)});
    std::memcpy(in.data<float>(), x.data<float>() + s * per, rows * per * sizeof(float));
    Tensor out = exec->run({in}).at(0);
    const int64_t row = out.numel() / batch;
    r.insert(r.end(), out.data<float>(), out.data<float>() + rows * row);
  }
  return r;
}

// Index of the largest value of each row of `cols` values (first one on ties).
inline std::vector<int> top1(const std::vector<float>& v, size_t cols) {
  std::vector<int> r;
  for (size_t i = 0; i + cols <= v.size(); i += cols)
    r.push_back(static_cast<int>(std::max_element(v.begin() + i, v.begin() + i + cols) - (v.begin() + i)));
  return r;
}

inline int correct(const std::vector<int>& pred, const std::vector<int>& labels) {
  int c = 0;
  for (size_t i = 0; i < pred.size() && i < labels.size(); ++i) c += pred[i] == labels[i];
  return c;
}

}  // namespace qd::ort_testing
