#include "quant/ranges/kl_range.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace qd::quant {
namespace {

constexpr double kKlEpsilon = 1e-4;  // ncnn's smoothing added to every bin of P and Q

// Mass of the normalised histogram over the fractional bin interval [0, x): prefix[floor(x)] plus the
// covered fraction of bin floor(x).
double mass_below(const std::vector<double>& prefix, const std::vector<double>& p, double x) {
  const int k = static_cast<int>(x);
  const double frac = x - k;
  return prefix[k] + (frac > 0 ? frac * p[k] : 0.0);
}

}  // namespace

std::vector<double> kl_divergence_curve(std::span<const double> hist, int target_bins) {
  const int n = static_cast<int>(hist.size());
  double total = 0;
  for (double h : hist) total += h;
  if (n <= target_bins || !(total > 0)) return {};

  std::vector<double> p(n), prefix(n + 1, 0.0);  // normalised histogram and its prefix sums
  for (int i = 0; i < n; ++i) {
    p[i] = hist[i] / total;
    prefix[i + 1] = prefix[i] + p[i];
  }

  std::vector<double> q(target_bins), curve;
  curve.reserve(n - target_bins);
  for (int t = target_bins; t < n; ++t) {
    const double width = static_cast<double>(t) / target_bins;  // source bins per quantized bin
    // Q before expansion: average density of each quantized bin over its (fractional) source bins.
    for (int j = 0; j < target_bins; ++j) {
      const double lo = j * width, hi = (j + 1 == target_bins) ? t : (j + 1) * width;
      q[j] = (mass_below(prefix, p, hi) - mass_below(prefix, p, lo)) / (hi - lo);
    }
    const double tail = prefix[n] - prefix[t];
    double kl = 0;
    for (int k = 0; k < t; ++k) {
      // Expanded Q at source bin k: the overlap-weighted densities of the (at most 2 when width >= 1)
      // quantized bins covering [k, k+1).
      const int j0 = std::min(static_cast<int>(k / width), target_bins - 1);
      const int j1 = std::min(static_cast<int>((k + 1) / width), target_bins - 1);
      double expanded = 0;
      for (int j = j0; j <= j1; ++j) {
        const double lo = j * width, hi = (j + 1 == target_bins) ? t : (j + 1) * width;
        const double overlap = std::min<double>(k + 1, hi) - std::max<double>(k, lo);
        if (overlap > 0) expanded += q[j] * overlap;
      }
      const double pk = p[k] + (k == t - 1 ? tail : 0.0) + kKlEpsilon;
      const double qk = expanded + kKlEpsilon;
      kl += pk * std::log(pk / qk);
    }
    curve.push_back(kl);
  }
  return curve;
}

int kl_best_bin_count(std::span<const double> hist, int target_bins) {
  const std::vector<double> curve = kl_divergence_curve(hist, target_bins);
  if (curve.empty()) return static_cast<int>(hist.size()) - 1;
  // First minimum, as ncnn (strict < while t increases).
  return target_bins + static_cast<int>(std::min_element(curve.begin(), curve.end()) - curve.begin());
}

float kl_threshold(const ActivationStats& stats, int num_bins, int target_bins) {
  const float absmax = stats.absmax();
  if (!(absmax > 0.f) || stats.histogram.empty()) return 0.f;  // all zeros (or nothing finite)
  // ncnn2table's histogram when the second calibration pass built it for these bins, else the streaming
  // histogram resampled to num_bins over [0, absmax].
  const RangeHistogram& exact = stats.kl_histogram;
  const std::vector<double> hist =
      exact.collected() && exact.num_bins() == num_bins && exact.range() == absmax
          ? std::vector<double>(exact.counts().begin(), exact.counts().end())
          : stats.histogram.rebinned(num_bins, absmax);
  const int t = kl_best_bin_count(hist, target_bins);
  return static_cast<float>((t + 0.5) * absmax / num_bins);
}

}  // namespace qd::quant
