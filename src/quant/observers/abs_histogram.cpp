#include "quant/observers/abs_histogram.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace qd::quant {
namespace {

// Smallest e with 2^e >= a (a > 0, finite).
int ceil_log2(float a) {
  int e = 0;
  const double m = std::frexp(static_cast<double>(a), &e);  // a = m * 2^e, m in [0.5, 1)
  return m == 0.5 ? e - 1 : e;
}

// Largest finite |x| in data (0 if none).
float finite_absmax(std::span<const float> data) {
  float m = 0.f;
  for (float x : data) {
    const float a = std::fabs(x);
    if (a > m && a != INFINITY) m = a;  // NaN compares false
  }
  return m;
}

// Adds |x| of the finite non-zero elements to counts (bins of width 2^exponent / counts.size()) and tallies
// zeros and finite non-zero values. The caller guarantees every finite |x| <= 2^exponent.
struct BinTally {
  uint64_t zeros = 0, nonzero = 0;
};
BinTally bin_values(std::span<const float> data, int exponent, std::vector<uint64_t>& counts) {
  const int last = static_cast<int>(counts.size()) - 1;
  // Scaling by a power of two is exact, so bin indices at different exponents nest exactly.
  const double scale = std::ldexp(static_cast<double>(counts.size()), -exponent);
  BinTally tally;
  for (float x : data) {
    const float a = std::fabs(x);
    if (a == 0.f) {
      ++tally.zeros;
      continue;
    }
    if (!(a < INFINITY)) continue;  // NaN or inf
    ++tally.nonzero;
    const int idx = static_cast<int>(a * scale);
    ++counts[std::min(idx, last)];
  }
  return tally;
}

}  // namespace

AbsHistogram::AbsHistogram(int num_bins) : num_bins_(num_bins), counts_(num_bins, 0) {
  QD_CHECK(num_bins > 0, "AbsHistogram needs at least one bin");
}

double AbsHistogram::range() const { return nonzero_count_ ? std::ldexp(1.0, exponent_) : 0.0; }

void AbsHistogram::grow_to_cover(float absmax) {
  if (!(absmax > 0.f)) return;
  const int e = ceil_log2(absmax);
  if (nonzero_count_ == 0) {  // nothing binned yet: just take the range
    exponent_ = e;
    return;
  }
  if (e <= exponent_) return;
  const int shift = e - exponent_;
  std::vector<uint64_t> grown(num_bins_, 0);
  for (int i = 0; i < num_bins_; ++i) grown[shift >= 31 ? 0 : (i >> shift)] += counts_[i];
  counts_ = std::move(grown);
  exponent_ = e;
}

void AbsHistogram::observe(std::span<const float> data, int num_threads) {
  const float batch_absmax = finite_absmax(data);
  if (batch_absmax > 0.f) {
    grow_to_cover(batch_absmax);
    absmax_ = std::max(absmax_, batch_absmax);
  }
  constexpr size_t kParallelMin = size_t{1} << 16;
  uint64_t zeros = 0, nonzero = 0;
  if (num_threads > 1 && data.size() >= kParallelMin) {
    const int64_t n = static_cast<int64_t>(data.size());
    const int64_t chunks = num_threads;
#pragma omp parallel for num_threads(num_threads) reduction(+ : zeros, nonzero)
    for (int64_t c = 0; c < chunks; ++c) {
      const int64_t lo = n * c / chunks, hi = n * (c + 1) / chunks;
      std::vector<uint64_t> local(num_bins_, 0);
      const BinTally t = bin_values(data.subspan(lo, hi - lo), exponent_, local);
      zeros += t.zeros;
      nonzero += t.nonzero;
#pragma omp critical(qd_abs_histogram_merge)
      for (int i = 0; i < num_bins_; ++i) counts_[i] += local[i];
    }
  } else {
    const BinTally t = bin_values(data, exponent_, counts_);
    zeros = t.zeros;
    nonzero = t.nonzero;
  }
  zero_count_ += zeros;
  nonzero_count_ += nonzero;
}

void AbsHistogram::merge(const AbsHistogram& other) {
  QD_CHECK(other.num_bins_ == num_bins_, "AbsHistogram::merge: bin counts differ");
  if (other.nonzero_count_ == 0) {
    zero_count_ += other.zero_count_;
    return;
  }
  grow_to_cover(other.absmax_);
  if (nonzero_count_ == 0) exponent_ = std::max(exponent_, other.exponent_);
  // other's bins fold into ours: its range is <= ours, both powers of two.
  const int shift = exponent_ - other.exponent_;
  for (int i = 0; i < num_bins_; ++i) counts_[shift >= 31 ? 0 : (i >> shift)] += other.counts_[i];
  nonzero_count_ += other.nonzero_count_;
  zero_count_ += other.zero_count_;
  absmax_ = std::max(absmax_, other.absmax_);
}

AbsHistogram AbsHistogram::restore(std::vector<uint64_t> counts, int exponent, uint64_t zero_count,
                                   float absmax, const std::string& context) {
  if (counts.empty()) fail(context, "histogram has no bins");
  AbsHistogram h(static_cast<int>(counts.size()));
  uint64_t nonzero = 0;
  for (uint64_t c : counts) nonzero += c;
  if (nonzero > 0) {
    if (!(absmax > 0.f) || !std::isfinite(absmax) || ceil_log2(absmax) != exponent)
      fail(context, "histogram range 2^" + std::to_string(exponent) + " does not match its absmax " +
                        std::to_string(absmax));
  } else if (absmax != 0.f) {
    fail(context, "empty histogram with a non-zero absmax");
  }
  h.counts_ = std::move(counts);
  h.exponent_ = nonzero ? exponent : 0;
  h.nonzero_count_ = nonzero;
  h.zero_count_ = zero_count;
  h.absmax_ = absmax;
  return h;
}

std::vector<double> AbsHistogram::rebinned(int bins, double range_max) const {
  QD_CHECK(bins > 0 && range_max > 0, "AbsHistogram::rebinned needs bins > 0 and range_max > 0");
  std::vector<double> out(bins, 0.0);
  if (nonzero_count_ == 0) return out;
  const double w = bin_width(), out_w = range_max / bins;
  for (int i = 0; i < num_bins_; ++i) {
    const double c = static_cast<double>(counts_[i]);
    if (c == 0) continue;
    const double lo = i * w, hi = std::min((i + 1) * w, static_cast<double>(absmax_));
    const int first = std::min(static_cast<int>(lo / out_w), bins - 1);
    if (!(hi > lo) || first == bins - 1) {
      out[first] += c;
      continue;
    }
    const int last = std::min(static_cast<int>(hi / out_w), bins - 1);
    double placed = 0;
    for (int j = first; j < last; ++j) {  // the part of [lo, hi) in target bin j; the rest goes to `last`
      const double part = c * (std::min(hi, (j + 1) * out_w) - std::max(lo, j * out_w)) / (hi - lo);
      out[j] += part;
      placed += part;
    }
    out[last] += c - placed;
  }
  return out;
}

double AbsHistogram::quantile(double fraction, bool include_zeros) const {
  const uint64_t zeros = include_zeros ? zero_count_ : 0;
  const double total = static_cast<double>(nonzero_count_ + zeros);
  if (nonzero_count_ == 0) return 0.0;
  double target = std::clamp(fraction, 0.0, 1.0) * total - static_cast<double>(zeros);
  if (target <= 0) return 0.0;
  const double w = bin_width();
  double cum = 0;
  for (int i = 0; i < num_bins_; ++i) {
    const double c = static_cast<double>(counts_[i]);
    if (c > 0 && cum + c >= target) {
      const double lo = i * w, hi = std::min((i + 1) * w, static_cast<double>(absmax_));
      return lo + (hi > lo ? (target - cum) / c * (hi - lo) : 0.0);
    }
    cum += c;
  }
  return absmax_;
}

}  // namespace qd::quant
