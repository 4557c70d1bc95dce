#include "quant/observers/range_histogram.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace qd::quant {
namespace {

// Counts |x| of the finite non-zero elements into `counts` (range [0, range]); returns how many.
uint64_t bin_into_range(std::span<const float> data, float range, std::vector<uint64_t>& counts) {
  const int bins = static_cast<int>(counts.size());
  uint64_t nonzero = 0;
  for (float x : data) {
    const float a = std::fabs(x);
    if (a == 0.f || !(a < INFINITY)) continue;
    // float arithmetic, as ncnn2table: the same value lands in the same bin
    const float pos = a / range * static_cast<float>(bins);
    ++counts[pos < static_cast<float>(bins) ? static_cast<int>(pos) : bins - 1];
    ++nonzero;
  }
  return nonzero;
}

}  // namespace

RangeHistogram::RangeHistogram(int num_bins, float range) : range_(range), counts_(num_bins, 0) {
  QD_CHECK(num_bins > 0 && range > 0.f && std::isfinite(range),
           "RangeHistogram needs bins > 0 and a finite range > 0");
}

void RangeHistogram::observe(std::span<const float> data, int num_threads) {
  QD_CHECK(collected(), "RangeHistogram::observe on a histogram without bins");
  constexpr size_t kParallelMin = size_t{1} << 16;
  if (num_threads > 1 && data.size() >= kParallelMin) {
    const int64_t n = static_cast<int64_t>(data.size());
    uint64_t nonzero = 0;
#pragma omp parallel for num_threads(num_threads) reduction(+ : nonzero)
    for (int64_t c = 0; c < num_threads; ++c) {
      const int64_t lo = n * c / num_threads, hi = n * (c + 1) / num_threads;
      std::vector<uint64_t> local(counts_.size(), 0);
      nonzero += bin_into_range(data.subspan(lo, hi - lo), range_, local);
#pragma omp critical(qd_range_histogram_merge)
      for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += local[i];
    }
    nonzero_count_ += nonzero;
  } else {
    nonzero_count_ += bin_into_range(data, range_, counts_);
  }
}

void RangeHistogram::merge(const RangeHistogram& other) {
  if (!other.collected()) return;
  if (!collected()) {
    *this = other;
    return;
  }
  QD_CHECK(other.counts_.size() == counts_.size() && other.range_ == range_,
           "RangeHistogram::merge: bins or range differ");
  for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  nonzero_count_ += other.nonzero_count_;
}

RangeHistogram RangeHistogram::restore(std::vector<uint64_t> counts, float range,
                                       const std::string& context) {
  if (counts.empty()) fail(context, "range histogram has no bins");
  if (!(range > 0.f) || !std::isfinite(range))
    fail(context, "range histogram range " + std::to_string(range) + " is not a positive number");
  RangeHistogram h(static_cast<int>(counts.size()), range);
  for (uint64_t c : counts) h.nonzero_count_ += c;
  h.counts_ = std::move(counts);
  return h;
}

}  // namespace qd::quant
