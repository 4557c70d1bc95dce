// BatchLoader: walks a Dataset in order and produces preprocessed NCHW float batches, decoding the images of
// a batch in parallel (OpenMP). Unreadable images are skipped (reported through a callback and counted), so
// one bad file never stops an evaluation or a calibration.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "data/dataset.h"
#include "data/preprocess.h"

namespace qd {

struct Batch {
  Tensor input;                    // f32 [B, 3, H, W]; B <= batch size (smaller for the last batch)
  std::vector<int> labels;         // per row; -1 = unlabelled
  std::vector<std::string> paths;  // per row: sample_name() of the source
  std::vector<int> indices;        // per row: Sample::index

  int size() const { return static_cast<int>(labels.size()); }
  // Row i as a [1, 3, H, W] view into `input` (no copy; valid while this batch's input is alive). For models
  // with a static batch of 1: load with a larger batch_size so decoding runs in parallel, then run row by
  // row.
  Tensor row(int i) const;
};

struct BatchLoaderOptions {
  int batch_size = 1;
  int threads = 0;  // 0 = OpenMP default
  int64_t max_pixels = kDefaultMaxPixels;
  // Called (from the calling thread, never concurrently) for each skipped sample with its name and the
  // reason.
  std::function<void(const std::string& path, const std::string& reason)> on_skip;
};

class BatchLoader {
 public:
  BatchLoader(Dataset dataset, Preprocess preprocess, BatchLoaderOptions options);

  // Fills `batch` with the next up-to-batch_size readable samples; returns false when the dataset is
  // exhausted (then `batch` is left empty). A batch is short only at the end of the dataset.
  bool next(Batch& batch);
  // Starts again from the first sample (counters are kept).
  void reset() { cursor_ = 0; }

  const Dataset& dataset() const { return dataset_; }
  const Preprocess& preprocess() const { return preprocess_; }
  size_t size() const { return dataset_.size(); }  // samples in the dataset (a progress bar's total)
  size_t consumed() const { return cursor_; }      // samples taken so far, skipped ones included
  size_t skipped() const { return skipped_; }
  size_t resized() const { return resized_; }

 private:
  Dataset dataset_;
  Preprocess preprocess_;
  BatchLoaderOptions options_;
  size_t cursor_ = 0;
  size_t skipped_ = 0;
  size_t resized_ = 0;
};

}  // namespace qd
