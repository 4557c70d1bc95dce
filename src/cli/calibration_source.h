// Feeds calibration images (through the data module) to quant::calibrate as preprocessed batches.
#pragma once
#include <cstdio>

#include "core/error.h"
#include "data/batch_loader.h"
#include "data/dataset.h"
#include "data/model_config.h"
#include "quant/calibrate.h"

namespace qd::cli {

class CalibrationSource : public quant::BatchSource {
 public:
  CalibrationSource(const std::string& dir, const ModelConfig& cfg, size_t max_images, int batch)
      : loader_(make_dataset(dir, max_images), cfg.preprocess, options(batch, cfg.max_pixels)),
        dir_(dir),
        batch_(batch) {}
  bool next(Tensor& out) override {
    Batch b;
    if (!loader_.next(b)) {
      if (read_ == 0)
        fail(dir_, "no readable calibration images (" + std::to_string(loader_.skipped()) +
                       " skipped, see the warnings)");
      return false;
    }
    read_ += b.size();
    out = b.input;
    return true;
  }
  size_t size() const override { return (loader_.size() + batch_ - 1) / batch_; }
  size_t images() const { return loader_.size(); }
  size_t skipped() const { return loader_.skipped(); }

 private:
  static Dataset make_dataset(const std::string& dir, size_t max_images) {
    Dataset ds = open_dataset(dir);
    return max_images ? limit(ds, max_images) : ds;
  }
  static BatchLoaderOptions options(int batch, int64_t max_pixels) {
    BatchLoaderOptions o;
    o.batch_size = batch;
    o.max_pixels = max_pixels;
    o.on_skip = [](const std::string& path, const std::string& reason) {
      std::fprintf(stderr, "qdeploy: warning: skipped %s: %s\n", path.c_str(), reason.c_str());
    };
    return o;
  }
  BatchLoader loader_;
  std::string dir_;
  int batch_;
  size_t read_ = 0;
};

}  // namespace qd::cli
