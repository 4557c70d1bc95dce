// Calibration images of a dataset (through the data module) as preprocessed batches for quant, which never
// reads image files itself.
#pragma once
#include <memory>
#include <string>

#include "core/error.h"
#include "data/batch_loader.h"
#include "data/dataset.h"
#include "data/model_config.h"
#include "quant/calibrate.h"
#include "util/progress.h"

namespace qd::pipeline {

class DatasetBatchSource : public quant::BatchSource {
 public:
  // The first `max_images` (0 = all) of the dataset at `dir`, in batches of `batch`, preprocessed by `cfg`.
  DatasetBatchSource(const std::string& dir, const ModelConfig& cfg, size_t max_images, int batch,
                     SkipHandler on_skip = {})
      : loader_(make_dataset(dir, cfg.dataset_options, max_images), cfg.preprocess,
                options(batch, cfg.max_pixels, first_pass_only(std::move(on_skip), rewound_))),
        dir_(dir),
        batch_(batch) {}
  // Throws "<dir>: no readable calibration images" when every image was skipped.
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
  // The same images again (a second calibration pass); skipped images are reported and counted once.
  bool rewind() override {
    if (!*rewound_) skipped_first_pass_ = loader_.skipped();
    *rewound_ = true;
    loader_.reset();
    return true;
  }
  size_t images() const { return loader_.size(); }
  size_t skipped() const { return *rewound_ ? skipped_first_pass_ : loader_.skipped(); }

 private:
  static Dataset make_dataset(const std::string& dir, const DatasetOptions& opts, size_t max_images) {
    Dataset ds = open_dataset(dir, opts);
    return max_images ? limit(ds, max_images) : ds;
  }
  static BatchLoaderOptions options(int batch, int64_t max_pixels, SkipHandler on_skip) {
    BatchLoaderOptions o;
    o.batch_size = batch;
    o.max_pixels = max_pixels;
    o.on_skip = std::move(on_skip);
    return o;
  }
  // on_skip, silenced once the source is rewound (the second pass skips the same images)
  static SkipHandler first_pass_only(SkipHandler on_skip, const std::shared_ptr<bool>& rewound) {
    if (!on_skip) return on_skip;
    return [on_skip = std::move(on_skip), rewound](const std::string& path, const std::string& reason) {
      if (!*rewound) on_skip(path, reason);
    };
  }
  std::shared_ptr<bool> rewound_ = std::make_shared<bool>(false);  // declared before loader_ (its handler)
  size_t skipped_first_pass_ = 0;
  BatchLoader loader_;
  std::string dir_;
  int batch_;
  size_t read_ = 0;
};

}  // namespace qd::pipeline
