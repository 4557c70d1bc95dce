// Elementwise passes split over OpenMP threads: contiguous spans, one per thread.
#pragma once
#include <omp.h>

#include <algorithm>
#include <cstdint>

namespace qd::runtime::onednn {

// Runs f(begin, end) over [0, count) in one contiguous span per thread, span starts on multiples of `granule`
// (64 elements keep every thread's writes on its own cache lines), on at most omp_get_max_threads() threads
// and only on as many as get `min_per_thread` elements each (a fork costs more than a small pass).
template <typename F>
void for_spans(int64_t count, int64_t granule, int64_t min_per_thread, F f) {
  const int threads = static_cast<int>(
      std::min<int64_t>(omp_get_max_threads(), count / std::max<int64_t>(min_per_thread, 1)));
  if (threads <= 1) return f(int64_t{0}, count);
#pragma omp parallel num_threads(threads)
  {
    const int64_t t = omp_get_thread_num(), nt = omp_get_num_threads();
    const int64_t span = (count + nt - 1) / nt / granule * granule + granule;
    const int64_t b = std::min<int64_t>(count, t * span), e = std::min<int64_t>(count, b + span);
    if (b < e) f(b, e);
  }
}

}  // namespace qd::runtime::onednn
