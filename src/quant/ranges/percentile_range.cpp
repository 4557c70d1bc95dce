#include "quant/ranges/percentile_range.h"

#include <algorithm>
#include <string>

#include "core/error.h"

namespace qd::quant {

float percentile_threshold(const ActivationStats& stats, double percentile) {
  if (!(percentile > 0.0 && percentile <= 100.0))
    fail("percentile range", "percentile must be in (0, 100], got " + std::to_string(percentile));
  const double q = stats.histogram.quantile(percentile / 100.0, /*include_zeros=*/true);
  return std::min(static_cast<float>(q), stats.absmax());
}

}  // namespace qd::quant
