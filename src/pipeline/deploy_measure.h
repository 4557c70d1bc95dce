// The measurements `qdeploy deploy` adds to deploy.json / report.html after writing its model files:
// accuracy and confusion matrices on a labelled test set, batch-1 latency, and the per-layer int8 SNR.
// Library functions (cli, tests and benches call them); they report through `Reporting` only.
// Each returns the JSON fragment it adds (keys documented in eval/report_html.h).
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "core/tensor.h"
#include "data/model_config.h"
#include "ir/model.h"
#include "util/progress.h"

namespace qd::pipeline {

// Checks, before deploy writes anything, that `path` opens as a dataset with labelled images whose labels
// fit the config's classes. Throws "<path>: ..." otherwise. Returns the number of images it holds.
size_t check_test_dataset(const std::string& path, const ModelConfig& config);

struct AccuracyOptions {
  size_t num = 0;  // images to use (deterministic subset; 0 = all)
  int batch = 1;
  int threads = 0;  // 0 = all cores
  Reporting reporting;
};

// Evaluates fp32 (and int8 when not null) on the labelled set `path` with qd::evaluate.
// Returns {"test_dataset": {...}, "accuracy": {"fp32": summary, "int8": summary},
// "confusion": {"fp32": rows, "int8": rows}, "agreement": {...} (int8 only)}.
nlohmann::json measure_accuracy(const ir::Model& fp32, const ir::Model* int8, const ModelConfig& config,
                                const std::string& path, const AccuracyOptions& options);

struct SpeedOptions {
  int threads = 0;  // 0 = all cores (reported as the count used)
  int warmup = 3;
  int runs = 20;   // timed runs per model
  int block = 10;  // in turns of this many back to back (eval/turn_schedule.h), so machine noise hits both
  Reporting reporting;
};

// Batch-1 latency of fp32 (and int8 when not null) on `input` ([1, C, H, W]).
// Returns {"batch": 1, "threads", "warmup", "runs", "fp32": latency, "int8": latency, "int8_over_fp32"}.
nlohmann::json measure_speed(const ir::Model& fp32, const ir::Model* int8, const Tensor& input,
                             const SpeedOptions& options);

// Graph-wise and layer-wise SNR of every quantized layer (quant::analyze_quant_error) over the first
// `num` images of `images`. Returns {"layer_snr": [{"layer", "op", "snr_db" (graph-wise),
// "layer_wise_snr_db", "cosine"}] in graph order (null SNR = no error), "snr_analysis": {"images", "source",
// "seconds", ...}}.
nlohmann::json measure_layer_snr(const ir::Model& fp32, const ir::Model& int8, const ModelConfig& config,
                                 const std::string& images, size_t num, int threads,
                                 const Reporting& reporting = {});

// Top-1/top-k of the ONNX model `onnx_model` run in ONNX Runtime (run_onnxruntime) on the same labelled
// images as measure_accuracy (deterministic subset of options.num). `scratch_dir` holds the runner's files.
// Returns {"images", "top1", "topk", "top1_correct", ...} (eval accuracy_summary) plus "runtime".
nlohmann::json measure_onnxruntime_accuracy(const std::string& onnx_model, const ModelConfig& config,
                                            const std::string& path, const AccuracyOptions& options,
                                            const std::string& scratch_dir);

}  // namespace qd::pipeline
