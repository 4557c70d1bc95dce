// Runs a model over a dataset: top-1/top-5 and per-batch latency (decode excluded). Used by `qdeploy test`,
// deploy's accuracy measurement, tests and benches.
#pragma once
#include <string>

#include "data/model_config.h"
#include "eval/accuracy.h"
#include "eval/latency.h"
#include "util/progress.h"
#include "ir/model.h"
#include "nlohmann/json_fwd.hpp"

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
  size_t images = 0, skipped = 0, resized = 0;
};

// Throws "<dataset_path>: no readable images" when every image was skipped.
EvalResult evaluate(const ir::Model& model, const ModelConfig& config, const std::string& dataset_path,
                    const EvalOptions& options, nlohmann::json* predictions = nullptr);

}  // namespace qd
