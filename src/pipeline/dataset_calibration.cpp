#include "pipeline/dataset_calibration.h"

#include "core/error.h"

namespace qd::pipeline {

DatasetCalibration::DatasetCalibration(const ModelConfig& config, DatasetCalibrationOptions options)
    : config_(config), options_(std::move(options)), first_(source()) {}

std::unique_ptr<DatasetBatchSource> DatasetCalibration::source(size_t max_images) const {
  return std::make_unique<DatasetBatchSource>(
      options_.images, config_, max_images ? max_images : options_.max_images,
      static_cast<int>(options_.calib.batch), options_.reporting.on_skip);
}

const quant::CalibrationStats& DatasetCalibration::collect(const ir::Model& fp32) {
  const size_t passes = quant::needs_kl_histogram_pass(options_.calib) ? 2 : 1;  // kl: a second pass
  ProgressBar bar("calibrate", static_cast<int64_t>(first_->size() * passes), options_.reporting.progress);
  stats_ = std::make_unique<quant::CalibrationStats>(
      quant::collect_stats(fp32, *first_, options_.calib, [&](size_t, size_t) { bar.advance(1); }));
  bar.finish();
  return *stats_;
}

quant::PtqPassInputs DatasetCalibration::pass_inputs() const {
  QD_CHECK(stats_, "DatasetCalibration: collect() first");
  quant::PtqPassInputs in;
  in.stats = stats_.get();
  in.make_source = [this] { return std::unique_ptr<quant::BatchSource>(source()); };
  in.options = options_.calib;
  in.log = options_.log;
  return in;
}

ir::Model DatasetCalibration::quantize(const ir::Model& fp32, const std::vector<std::string>& passes,
                                       std::vector<std::string>* pass_log) const {
  QD_CHECK(stats_, "DatasetCalibration: collect() first");
  ir::Model model = fp32;
  model.quant = quant::params_from_stats(*stats_, fp32, options_.calib);
  std::vector<std::string> lines = quant::run_ptq_passes(passes, model, pass_inputs());
  if (pass_log) *pass_log = std::move(lines);
  return model;
}

}  // namespace qd::pipeline
