// Calibration from a dataset, the sequence `qdeploy calibrate` and `qdeploy deploy` share: statistics
// collected once over the calibration images, then QuantParams by the range method and the PTQ passes.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "data/model_config.h"
#include "ir/model.h"
#include "pipeline/dataset_batch_source.h"
#include "quant/calibrate.h"
#include "quant/ptq_passes.h"
#include "util/progress.h"

namespace qd::pipeline {

struct DatasetCalibrationOptions {
  std::string images;         // calibration dataset (folder, list file, CIFAR batch)
  size_t max_images = 0;      // first N images (0 = all)
  quant::CalibOptions calib;  // method, target, weight bits, batch (settings parsed by the caller)
  Reporting reporting;        // progress bar "calibrate" and skipped images
  std::function<void(const std::string& line)> log;  // progress lines of long passes, when set
};

class DatasetCalibration {
 public:
  // Opens the dataset (throws "<images>: ..." for a missing or empty one); nothing runs yet.
  DatasetCalibration(const ModelConfig& config, DatasetCalibrationOptions options);

  // Runs `fp32` over the calibration images (twice for kl: quant::needs_kl_histogram_pass) and keeps the
  // statistics (quant::collect_stats).
  const quant::CalibrationStats& collect(const ir::Model& fp32);
  const quant::CalibrationStats& stats() const { return *stats_; }

  // What run_ptq_passes and auto_quantize need: the statistics, the options and a fresh source each time.
  quant::PtqPassInputs pass_inputs() const;

  // `fp32` with QuantParams from the statistics (options.calib.method), then `passes` (parsed names, in
  // order; weight-changing ones change the returned model's weights). Returns the passes' summary lines.
  ir::Model quantize(const ir::Model& fp32, const std::vector<std::string>& passes,
                     std::vector<std::string>* pass_log = nullptr) const;

  // A fresh source over the first `max_images` calibration images (0 = the configured count).
  std::unique_ptr<DatasetBatchSource> source(size_t max_images = 0) const;
  size_t images() const { return first_->images(); }
  size_t skipped() const { return first_->skipped(); }

 private:
  const ModelConfig& config_;
  DatasetCalibrationOptions options_;
  std::unique_ptr<DatasetBatchSource> first_;  // the source collect() reads
  std::unique_ptr<quant::CalibrationStats> stats_;
};

}  // namespace qd::pipeline
