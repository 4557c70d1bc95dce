// aciq (Banner et al., "ACIQ: Analytical Clipping for Integer Quantization"): assume a zero-centred Gaussian
// or Laplace distribution and clip at alpha(bits) * sigma (or * b), alpha minimising the expected MSE.
// Gaussian alphas are ncnn2table's table; Laplace alphas are the paper's.
// ncnn estimates sigma from absmax alone, treating absmax as the expected maximum of N Gaussian samples
// (N = elements of one image's tensor): sigma = absmax * 2 * c / sqrt(2 ln N), c = 0.175 * (1 + sqrt(pi ln
// 4)). Alternatively sigma = sqrt(E[x^2]) and b = E[|x|] from the observed moments.
#pragma once
#include "quant/observers/activation_stats.h"
#include "quant/ranges/range_options.h"

namespace qd::quant {

// alpha for `bits` in 2..8; throws an unsupported error otherwise.
double aciq_alpha(AciqDistribution distribution, int bits);

// ncnn's Gaussian sigma estimate from absmax and the number of elements N (N > 1).
double aciq_sigma_from_absmax(double absmax, double n);

// The ACIQ clip, capped at absmax (a clip beyond every observed value only coarsens the grid; ncnn does not
// cap). Laplace always uses b = E[|x|]. 0 for an all-zero activation.
float aciq_threshold(const ActivationStats& stats, const RangeOptions& options);

}  // namespace qd::quant
