#include "quant/ranges/aciq_range.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>

#include "core/error.h"

namespace qd::quant {

double aciq_alpha(AciqDistribution distribution, int bits) {
  // Index = bits - 2.
  static constexpr double kGaussian[] = {1.71063519, 2.15159277, 2.55913646, 2.93620062,
                                         3.28691474, 3.6151146,  3.92403714};
  static constexpr double kLaplace[] = {2.83, 3.89, 5.03, 6.2, 7.41, 8.64, 9.89};
  if (bits < 2 || bits > 8)
    fail_unsupported("aciq range", "no alpha for " + std::to_string(bits) + " bits (2..8)");
  return distribution == AciqDistribution::gaussian ? kGaussian[bits - 2] : kLaplace[bits - 2];
}

double aciq_sigma_from_absmax(double absmax, double n) {
  const double c = 0.5 * 0.35 * (1.0 + std::sqrt(std::numbers::pi * std::log(4.0)));
  return absmax * 2.0 * c / std::sqrt(2.0 * std::log(n));
}

float aciq_threshold(const ActivationStats& stats, const RangeOptions& options) {
  const double absmax = stats.absmax();
  if (!(absmax > 0)) return 0.f;
  const double alpha = aciq_alpha(options.aciq_distribution, options.bits);
  double spread;
  if (options.aciq_distribution == AciqDistribution::laplace) {
    spread = stats.moments.mean_abs();
  } else if (options.aciq_sigma_from_absmax) {
    if (stats.elements_per_sample <= 1) return static_cast<float>(absmax);  // ln N undefined or 0
    spread = aciq_sigma_from_absmax(absmax, static_cast<double>(stats.elements_per_sample));
  } else {
    spread = stats.moments.rms();
  }
  return static_cast<float>(std::min(alpha * spread, absmax));
}

}  // namespace qd::quant
