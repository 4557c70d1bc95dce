// Running min / max / absmax of a stream of activations, plus element counts. Mergeable (per-thread
// observers combine with merge()); order of observation and merging does not change the result.
#pragma once
#include <cstdint>
#include <span>

namespace qd::quant {

class MinMaxObserver {
 public:
  // Folds `data` in. Non-finite values (NaN, +-inf) are counted in nonfinite_count() and otherwise ignored.
  void observe(std::span<const float> data);
  void merge(const MinMaxObserver& other);

  bool empty() const { return count_ == 0; }
  float min() const { return count_ ? min_ : 0.f; }
  float max() const { return count_ ? max_ : 0.f; }
  // max(|min|, |max|); 0 when nothing finite was observed.
  float absmax() const;
  uint64_t count() const { return count_; }  // finite elements observed
  uint64_t zero_count() const { return zero_count_; }
  uint64_t nonfinite_count() const { return nonfinite_count_; }

  // Rebuilds an observer from saved state (see quant/stats_io.h).
  static MinMaxObserver restore(float min, float max, uint64_t count, uint64_t zero_count,
                                uint64_t nonfinite) {
    MinMaxObserver o;
    o.min_ = min, o.max_ = max, o.count_ = count, o.zero_count_ = zero_count, o.nonfinite_count_ = nonfinite;
    return o;
  }

 private:
  float min_ = 0.f, max_ = 0.f;
  uint64_t count_ = 0, zero_count_ = 0, nonfinite_count_ = 0;
};

}  // namespace qd::quant
