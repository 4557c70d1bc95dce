// Everything the range methods may need about one activation tensor, accumulated over the calibration set:
// min/max, moments and a |x| histogram, collected in one pass; every range method is a pure function of it.
// kl_histogram is filled by a second pass for kl with the ncnn target (collect_stats): ncnn2table's histogram
// over exactly [0, absmax], which the first pass cannot build because absmax is known only at its end.
#pragma once
#include <cstdint>
#include <span>

#include "quant/observers/abs_histogram.h"
#include "quant/observers/minmax_observer.h"
#include "quant/observers/moments_observer.h"
#include "quant/observers/range_histogram.h"

namespace qd::quant {

struct ActivationStats {
  MinMaxObserver minmax;
  MomentsObserver moments;
  AbsHistogram histogram;
  RangeHistogram kl_histogram;      // [0, absmax] of the first pass; not collected() without the second pass
  int64_t elements_per_sample = 0;  // elements of one image's tensor (ncnn's ACIQ "N"); max over batches
  uint64_t samples = 0;             // images observed

  explicit ActivationStats(int histogram_bins = AbsHistogram::kDefaultBins) : histogram(histogram_bins) {}

  // Folds one batch in: `data` holds `batch` images' worth of this tensor. num_threads > 1 parallelises
  // the histogram of large tensors.
  void observe(std::span<const float> data, int64_t batch, int num_threads = 1);
  void merge(const ActivationStats& other);

  float absmax() const { return minmax.absmax(); }
};

}  // namespace qd::quant
