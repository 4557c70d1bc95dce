#include "data/batch_prefetcher.h"

namespace qd {

namespace {

// The loader's options with its skip handler replaced by `record` (the caller's is replayed later).
BatchLoaderOptions recording_skips(BatchLoaderOptions options,
                                   std::function<void(const std::string&, const std::string&)> record) {
  options.on_skip = std::move(record);
  return options;
}

}  // namespace

BatchPrefetcher::BatchPrefetcher(Dataset dataset, Preprocess preprocess, BatchLoaderOptions options)
    : loader_(std::move(dataset), preprocess,
              recording_skips(options,
                              [this](const std::string& path, const std::string& reason) {
                                worker_skips_.emplace_back(path, reason);
                              })),
      on_skip_(std::move(options.on_skip)),
      worker_([this] { work(); }) {}

BatchPrefetcher::~BatchPrefetcher() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  worker_.join();
}

void BatchPrefetcher::work() {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      cv_.wait(lock, [this] { return stop_ || ready_.size() < kDepth; });
      if (stop_) return;
    }
    Decoded d;
    try {
      d.has_batch = loader_.next(d.batch);
    } catch (...) {
      d.error = std::current_exception();
    }
    d.skips.swap(worker_skips_);
    d.skipped = loader_.skipped();
    d.resized = loader_.resized();
    const bool last = !d.has_batch || d.error;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ready_.push_back(std::move(d));
    }
    cv_.notify_all();
    if (last) return;
  }
}

bool BatchPrefetcher::next(Batch& batch) {
  batch = Batch{};
  if (ended_) return false;
  Decoded d;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    cv_.wait(lock, [this] { return !ready_.empty(); });
    d = std::move(ready_.front());
    ready_.pop_front();
  }
  cv_.notify_all();  // a slot is free
  if (on_skip_)
    for (const auto& [path, reason] : d.skips) on_skip_(path, reason);
  skipped_ = d.skipped;
  resized_ = d.resized;
  if (d.error) {
    ended_ = true;
    std::rethrow_exception(d.error);
  }
  if (!d.has_batch) {
    ended_ = true;
    return false;
  }
  batch = std::move(d.batch);
  return true;
}

}  // namespace qd
