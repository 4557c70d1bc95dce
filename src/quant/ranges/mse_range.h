// mse: the clip threshold minimising the expected squared quantization error, rounding noise inside the
// range plus clipping error outside, for values distributed like the |x| histogram (uniform within a bin).
//
// With step s = T / qmax, a value x in [0, T] is rounded to s * round(x / s); its squared error r(x)^2 is a
// sawtooth with the closed-form integral F(x) = k s^3 / 12 + u^3 / 3 (k = round(x / s), u = x - k s).
// A value x > T is clipped to T with error (x - T)^2. A bin [a, b) holding c values contributes
// c / (b - a) times the integral of the error over the bin, so the expectation is exact for the histogram
// (no "step^2 / 12" approximation), and the search over all bin-edge thresholds is O(bins^2).
#pragma once
#include <span>

#include "quant/observers/activation_stats.h"

namespace qd::quant {

// Mean squared error per histogram value for threshold T on a grid [-qmax, qmax] * (T / qmax); hist[i]
// counts |x| in [i * bin_width, (i + 1) * bin_width).
double expected_quantization_mse(std::span<const double> hist, double bin_width, double threshold, int qmax);

// The bin-edge threshold (over `num_bins` bins of [0, absmax]) with the smallest expected MSE; 0 for an
// all-zero activation.
float mse_threshold(const ActivationStats& stats, int bits = 8, int num_bins = 2048);

}  // namespace qd::quant
