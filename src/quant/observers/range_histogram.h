// Histogram of |x| over a range fixed before the data is seen: [0, range] in num_bins equal bins, as
// ncnn2table's KL calibration builds it in its second pass over the calibration set (the range is each
// blob's absmax from the first pass). Bin index = min(int(|x| / range * num_bins), num_bins - 1) computed in
// float, so the counts match ncnn2table's bin for bin on the same values; zeros are skipped (ncnn), NaN/inf
// ignored (MinMaxObserver counts them). Mergeable when bins and range are equal.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace qd::quant {

class RangeHistogram {
 public:
  // Not collected: no bins.
  RangeHistogram() = default;
  // num_bins > 0, range > 0 and finite.
  RangeHistogram(int num_bins, float range);

  void observe(std::span<const float> data, int num_threads = 1);
  // Adds the other histogram's counts (bins and range must match).
  void merge(const RangeHistogram& other);

  bool collected() const { return !counts_.empty(); }
  int num_bins() const { return static_cast<int>(counts_.size()); }
  float range() const { return range_; }
  std::span<const uint64_t> counts() const { return counts_; }
  uint64_t nonzero_count() const { return nonzero_count_; }

  // Rebuilds a histogram from saved state (see quant/stats_io.h). Throws a user error naming `context`
  // when the state is inconsistent.
  static RangeHistogram restore(std::vector<uint64_t> counts, float range, const std::string& context);

 private:
  float range_ = 0.f;
  std::vector<uint64_t> counts_;
  uint64_t nonzero_count_ = 0;
};

}  // namespace qd::quant
