#include "quant/ranges/mse_range.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "quant/rounding.h"

namespace qd::quant {
namespace {

// Integral over [0, x] of the squared rounding error to a grid of step s (x >= 0).
double rounding_error_integral(double x, double s) {
  const double k = std::floor(x / s + 0.5);  // round half away from zero, x >= 0
  const double u = x - k * s;
  return k * s * s * s / 12.0 + u * u * u / 3.0;
}

}  // namespace

double expected_quantization_mse(std::span<const double> hist, double bin_width, double threshold, int qmax) {
  const double s = threshold / qmax;
  double err = 0, total = 0;
  for (size_t i = 0; i < hist.size(); ++i) {
    const double c = hist[i];
    if (c == 0) continue;
    total += c;
    const double a = i * bin_width, b = (i + 1) * bin_width;
    double integral = 0;
    if (a < threshold) {  // rounding part over [a, min(b, T)]
      const double hi = std::min(b, threshold);
      integral += rounding_error_integral(hi, s) - rounding_error_integral(a, s);
    }
    if (b > threshold) {  // clipping part over [max(a, T), b]
      const double lo = std::max(a, threshold) - threshold, hi = b - threshold;
      integral += (hi * hi * hi - lo * lo * lo) / 3.0;
    }
    err += c / bin_width * integral;
  }
  return total > 0 ? err / total : 0.0;
}

float mse_threshold(const ActivationStats& stats, int bits, int num_bins) {
  const float absmax = stats.absmax();
  if (!(absmax > 0.f) || stats.histogram.empty()) return 0.f;
  const std::vector<double> hist = stats.histogram.rebinned(num_bins, absmax);
  const double w = static_cast<double>(absmax) / num_bins;
  const int qmax = qmax_for_bits(bits);
  int best = num_bins - 1;
  double best_mse = INFINITY;
  for (int i = 0; i < num_bins; ++i) {
    const double mse = expected_quantization_mse(hist, w, (i + 1) * w, qmax);
    if (mse < best_mse) {
      best_mse = mse;
      best = i;
    }
  }
  return best == num_bins - 1 ? absmax : static_cast<float>((best + 1) * w);
}

}  // namespace qd::quant
