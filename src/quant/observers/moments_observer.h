// Running moments about zero of a stream of activations: E[x^2] and E[|x|] (what symmetric clipping
// statistics such as ACIQ need). Mergeable; sums are kept in double.
#pragma once
#include <cmath>
#include <cstdint>
#include <span>

namespace qd::quant {

class MomentsObserver {
 public:
  // Folds `data` in; non-finite values are skipped (MinMaxObserver counts them).
  void observe(std::span<const float> data) {
    double sq = 0, ab = 0;
    uint64_t n = 0;
    for (float x : data) {
      if (!std::isfinite(x)) continue;
      sq += double(x) * x;
      ab += std::fabs(double(x));
      ++n;
    }
    sum_sq_ += sq, sum_abs_ += ab, count_ += n;
  }
  void merge(const MomentsObserver& o) { sum_sq_ += o.sum_sq_, sum_abs_ += o.sum_abs_, count_ += o.count_; }

  uint64_t count() const { return count_; }
  // sqrt(E[x^2]): the Gaussian sigma of a zero-centred distribution.
  double rms() const { return count_ ? std::sqrt(sum_sq_ / double(count_)) : 0.0; }
  // E[|x|]: the Laplace scale b of a zero-centred distribution.
  double mean_abs() const { return count_ ? sum_abs_ / double(count_) : 0.0; }
  double sum_sq() const { return sum_sq_; }
  double sum_abs() const { return sum_abs_; }

  // Rebuilds an observer from saved state (see quant/stats_io.h).
  static MomentsObserver restore(uint64_t count, double sum_sq, double sum_abs) {
    MomentsObserver o;
    o.count_ = count, o.sum_sq_ = sum_sq, o.sum_abs_ = sum_abs;
    return o;
  }

 private:
  double sum_sq_ = 0, sum_abs_ = 0;
  uint64_t count_ = 0;
};

}  // namespace qd::quant
