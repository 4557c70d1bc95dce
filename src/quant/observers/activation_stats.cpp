#include "quant/observers/activation_stats.h"

#include <algorithm>

#include "core/error.h"

namespace qd::quant {

void ActivationStats::observe(std::span<const float> data, int64_t batch, int num_threads) {
  QD_CHECK(batch > 0, "ActivationStats::observe: batch must be positive");
  minmax.observe(data);
  moments.observe(data);
  histogram.observe(data, num_threads);
  elements_per_sample = std::max<int64_t>(elements_per_sample, static_cast<int64_t>(data.size()) / batch);
  samples += static_cast<uint64_t>(batch);
}

void ActivationStats::merge(const ActivationStats& other) {
  minmax.merge(other.minmax);
  moments.merge(other.moments);
  histogram.merge(other.histogram);
  // The second-pass histogram stays exact only when both cover the same data range; otherwise kl falls
  // back to the streaming histogram.
  const bool same_kl_range = kl_histogram.collected() && other.kl_histogram.collected() &&
                             kl_histogram.num_bins() == other.kl_histogram.num_bins() &&
                             kl_histogram.range() == other.kl_histogram.range();
  if (same_kl_range)
    kl_histogram.merge(other.kl_histogram);
  else
    kl_histogram = RangeHistogram();
  elements_per_sample = std::max(elements_per_sample, other.elements_per_sample);
  samples += other.samples;
}

}  // namespace qd::quant
