// BatchPrefetcher: a BatchLoader that decodes ahead on a worker thread (up to kDepth batches) while the
// caller uses the current batch, so decoding overlaps inference. Batches, their order, the skipped-image
// callbacks (made on the caller's thread, before the batch they belong to is returned) and the counters are
// exactly those of a plain BatchLoader with the same options.
#pragma once
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "data/batch_loader.h"

namespace qd {

class BatchPrefetcher {
 public:
  // Batches decoded ahead of the one the caller holds: two, so a caller never waits for the worker to be
  // scheduled while a batch is ready (the hand-over of a single slot cost ~2 ms per batch on a busy machine).
  static constexpr size_t kDepth = 2;

  // options.threads is the number of threads decoding one batch on the worker (0 = all cores).
  BatchPrefetcher(Dataset dataset, Preprocess preprocess, BatchLoaderOptions options);
  ~BatchPrefetcher();  // stops the worker after the batch it is decoding
  BatchPrefetcher(const BatchPrefetcher&) = delete;
  BatchPrefetcher& operator=(const BatchPrefetcher&) = delete;

  // Like BatchLoader::next; rethrows what decoding the batch threw.
  bool next(Batch& batch);

  size_t size() const { return loader_.size(); }
  // Counters up to the last batch returned (batches decoded ahead are not counted yet).
  size_t skipped() const { return skipped_; }
  size_t resized() const { return resized_; }

 private:
  using Skip = std::pair<std::string, std::string>;  // path, reason
  struct Decoded {
    Batch batch;
    bool has_batch = false;
    std::exception_ptr error;
    std::vector<Skip> skips;          // the images skipped while filling this batch
    size_t skipped = 0, resized = 0;  // the loader's counters after it
  };

  void work();

  BatchLoader loader_;
  std::vector<Skip> worker_skips_;  // the loader's skip handler appends here (worker thread only)
  std::function<void(const std::string& path, const std::string& reason)> on_skip_;  // the caller's
  size_t skipped_ = 0, resized_ = 0;
  bool ended_ = false;  // the caller has seen the end (or an error)

  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Decoded> ready_;  // guarded by mutex_
  bool stop_ = false;          // guarded by mutex_
  std::thread worker_;         // last: starts once everything above exists
};

}  // namespace qd
