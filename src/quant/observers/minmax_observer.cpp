#include "quant/observers/minmax_observer.h"

#include <algorithm>
#include <cmath>

namespace qd::quant {

void MinMaxObserver::observe(std::span<const float> data) {
  float lo = count_ ? min_ : INFINITY, hi = count_ ? max_ : -INFINITY;
  uint64_t finite = 0, zeros = 0, nonfinite = 0;
  for (float x : data) {
    if (!std::isfinite(x)) {
      ++nonfinite;
      continue;
    }
    ++finite;
    zeros += (x == 0.f);
    lo = std::min(lo, x);
    hi = std::max(hi, x);
  }
  if (finite) min_ = lo, max_ = hi;
  count_ += finite;
  zero_count_ += zeros;
  nonfinite_count_ += nonfinite;
}

void MinMaxObserver::merge(const MinMaxObserver& other) {
  if (other.count_) {
    min_ = count_ ? std::min(min_, other.min_) : other.min_;
    max_ = count_ ? std::max(max_, other.max_) : other.max_;
  }
  count_ += other.count_;
  zero_count_ += other.zero_count_;
  nonfinite_count_ += other.nonfinite_count_;
}

float MinMaxObserver::absmax() const { return count_ ? std::max(std::fabs(min_), std::fabs(max_)) : 0.f; }

}  // namespace qd::quant
