#include "eval/latency.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace qd {

double LatencyStats::total_ms() const { return std::accumulate(samples_.begin(), samples_.end(), 0.0); }

double LatencyStats::mean() const { return samples_.empty() ? 0.0 : total_ms() / samples_.size(); }

double LatencyStats::min() const {
  return samples_.empty() ? 0.0 : *std::min_element(samples_.begin(), samples_.end());
}

double LatencyStats::max() const {
  return samples_.empty() ? 0.0 : *std::max_element(samples_.begin(), samples_.end());
}

double LatencyStats::percentile(double p) const {
  if (samples_.empty()) return 0.0;
  std::vector<double> sorted = samples_;
  std::sort(sorted.begin(), sorted.end());
  const double rank = std::clamp(p, 0.0, 100.0) / 100.0 * (sorted.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(rank));
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
}

double LatencyStats::images_per_second(int batch) const {
  const double total = total_ms();
  return total > 0 ? batch * static_cast<double>(samples_.size()) * 1000.0 / total : 0.0;
}

}  // namespace qd
