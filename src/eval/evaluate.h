// Runs a model over a dataset: top-1/top-5, per-batch latency (decode excluded) and end-to-end throughput
// (the next batches decode on a worker thread while the current one runs). Used by `qdeploy test`,
// deploy's accuracy measurement, tests and benches.
#pragma once
#include <string>

#include "data/model_config.h"
#include "eval/accuracy.h"
#include "eval/latency.h"
#include "ir/model.h"
#include "nlohmann/json_fwd.hpp"
#include "util/progress.h"

namespace qd {

struct EvalOptions {
  int batch = 1;
  int threads = 0;
  int warmup = 3;
  size_t limit = 0;  // 0 = every image
  bool keep_predictions = false;
  std::string label = "test";  // progress bar label
  Reporting reporting;         // progress and skipped images (silent by default)
};

struct EvalResult {
  TopKAccumulator accuracy{1};
  LatencyStats batch_ms;  // one sample per batch run (warm-up excluded)
  // Wall time of the timed batches (after the warm-up) and their images: decoding, as far as it does not
  // overlap inference, included.
  double timed_wall_ms = 0;
  size_t timed_images = 0;
  size_t images = 0, skipped = 0, resized = 0;
};

// Throws "<dataset_path>: no readable images" when every image was skipped.
EvalResult evaluate(const ir::Model& model, const ModelConfig& config, const std::string& dataset_path,
                    const EvalOptions& options, nlohmann::json* predictions = nullptr);

}  // namespace qd
