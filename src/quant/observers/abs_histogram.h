// Streaming, mergeable histogram of |x| (zeros counted apart, as ncnn's KL calibration skips them).
//
// Design: the range is always a power of two R = 2^e (the smallest one >= the largest |x| seen) split into
// num_bins equal bins. When a larger |x| arrives the range grows to 2^e' and old bin i folds into bin
// i >> (e' - e): an exact merge, because each new bin is the union of 2^(e'-e) old bins. So calibration
// streams any number of images in O(num_bins) memory, and the result depends only on the multiset of values
// seen — not on their order, batching, or how per-thread histograms are merged.
// Trade-off versus ncnn's two-pass (absmax pass, then a histogram over exactly [0, absmax]): one model pass
// instead of two, but R can be up to 2x absmax, so at worst half the bins cover data. The default of 8192
// bins keeps the resolution at absmax/4096 or finer, twice ncnn's absmax/2048; rebinned() then resamples to
// ncnn's 2048 bins over [0, absmax] assuming values are uniform within a source bin.
#pragma once
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace qd::quant {

class AbsHistogram {
 public:
  static constexpr int kDefaultBins = 8192;
  explicit AbsHistogram(int num_bins = kDefaultBins);

  // Adds |x| of every finite non-zero element; zeros go to zero_count(); NaN/inf are ignored (MinMaxObserver
  // counts them). num_threads > 1 bins large inputs in parallel (same result).
  void observe(std::span<const float> data, int num_threads = 1);
  // Adds the other histogram's counts (num_bins must match). Exact: see the header comment.
  void merge(const AbsHistogram& other);

  int num_bins() const { return num_bins_; }
  bool empty() const { return nonzero_count_ == 0; }
  // Upper edge of the last bin (a power of two), 0 while empty.
  double range() const;
  double bin_width() const { return range() / num_bins_; }
  // Bin i counts |x| in [i * bin_width, (i + 1) * bin_width); |x| == range falls in the last bin.
  std::span<const uint64_t> counts() const { return counts_; }
  uint64_t nonzero_count() const { return nonzero_count_; }
  uint64_t zero_count() const { return zero_count_; }
  float absmax() const { return absmax_; }
  // log2(range()); meaningful only when !empty().
  int exponent() const { return exponent_; }

  // Rebuilds a histogram from saved state (see quant/stats_io.h). Throws a user error naming `context` when
  // the state is inconsistent (counts not summing to nonzero_count, absmax outside the range, ...).
  static AbsHistogram restore(std::vector<uint64_t> counts, int exponent, uint64_t zero_count, float absmax,
                              const std::string& context);

  // Counts resampled to `bins` equal bins over [0, range_max], spreading each source bin uniformly over
  // [its lower edge, min(its upper edge, absmax)]; mass beyond range_max lands in the last bin. Zeros
  // excluded.
  std::vector<double> rebinned(int bins, double range_max) const;
  // The |x| below which `fraction` (0..1) of the values lie, interpolating linearly inside a bin. With
  // include_zeros the zero_count() values (at |x| = 0) are part of the population. 0 when empty.
  double quantile(double fraction, bool include_zeros) const;

 private:
  void grow_to_cover(float absmax);

  int num_bins_;
  int exponent_ = 0;  // range = 2^exponent_, valid when nonzero_count_ > 0
  std::vector<uint64_t> counts_;
  uint64_t nonzero_count_ = 0, zero_count_ = 0;
  float absmax_ = 0.f;
};

}  // namespace qd::quant
