#include "data/batch_loader.h"

#include <algorithm>
#include <cstring>
#include <exception>

#include "core/error.h"
#include "core/threads.h"

namespace qd {

Tensor Batch::row(int i) const {
  QD_CHECK(i >= 0 && i < size(), "Batch::row: index out of range");
  return input.rows(i, 1);
}

BatchLoader::BatchLoader(Dataset dataset, Preprocess preprocess, BatchLoaderOptions options)
    : dataset_(std::move(dataset)), preprocess_(preprocess), options_(std::move(options)) {
  QD_CHECK(options_.batch_size >= 1, "BatchLoader: batch_size must be >= 1");
  QD_CHECK(preprocess_.width > 0 && preprocess_.height > 0, "BatchLoader: preprocess width/height not set");
}

bool BatchLoader::next(Batch& batch) {
  const int64_t plane = static_cast<int64_t>(3) * preprocess_.height * preprocess_.width;
  const int want = options_.batch_size;
  std::vector<float> rows(static_cast<size_t>(want) * plane);
  batch = Batch{};
  int filled = 0;
  // Decode in rounds: a round takes as many samples as rows are still free; skipped samples leave gaps that
  // the next round fills, so only the dataset's end makes a batch short.
  while (filled < want && cursor_ < dataset_.samples.size()) {
    const int take = static_cast<int>(std::min<size_t>(want - filled, dataset_.samples.size() - cursor_));
    std::vector<std::string> errors(take);
    std::vector<char> was_resized(take, 0);
    std::vector<float> slots(static_cast<size_t>(take) * plane);
    const int threads = resolve_threads(options_.threads);
#pragma omp parallel for schedule(dynamic) num_threads(std::min(threads, take))
    for (int i = 0; i < take; ++i) {
      const Sample& s = dataset_.samples[cursor_ + i];
      try {
        const Image img = load_sample(dataset_, s, options_.max_pixels, image_loader(preprocess_));
        was_resized[i] = image_to_nchw(img, preprocess_, slots.data() + i * plane);
      } catch (const std::exception& e) {
        // Errors carry "<path>: <reason>"; keep only the reason, the callback gets the path separately.
        std::string msg = e.what();
        const std::string prefix = sample_name(dataset_, s) + ": ";
        if (msg.rfind(prefix, 0) == 0) msg.erase(0, prefix.size());
        errors[i] = msg.empty() ? "unknown error" : msg;
      }
    }
    for (int i = 0; i < take; ++i) {
      const Sample& s = dataset_.samples[cursor_ + i];
      if (!errors[i].empty()) {
        ++skipped_;
        if (options_.on_skip) options_.on_skip(sample_name(dataset_, s), errors[i]);
        continue;
      }
      resized_ += was_resized[i] ? 1 : 0;
      std::memcpy(rows.data() + filled * plane, slots.data() + i * plane, plane * sizeof(float));
      batch.labels.push_back(s.label);
      batch.paths.push_back(sample_name(dataset_, s));
      batch.indices.push_back(s.index);
      ++filled;
    }
    cursor_ += take;
  }
  if (filled == 0) return false;
  batch.input = Tensor(DataType::f32, {filled, 3, preprocess_.height, preprocess_.width});
  std::memcpy(batch.input.raw(), rows.data(), static_cast<size_t>(filled) * plane * sizeof(float));
  return true;
}

}  // namespace qd
