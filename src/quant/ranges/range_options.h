// Tunables of the activation range methods (all have ncnn-compatible defaults).
#pragma once

namespace qd::quant {

enum class AciqDistribution { gaussian, laplace };

struct RangeOptions {
  int bits = 8;               // activation grid: symmetric, qmax = 2^(bits-1) - 1
  double percentile = 99.99;  // percentile method: percent of |x| (zeros included) kept unclipped
  int kl_bins = 2048;         // kl: histogram bins over [0, absmax] (ncnn, TensorRT)
  int kl_target_bins = 0;     // kl: quantized bins; 0 = 2^(bits-1) = 128 for int8 (ncnn)
  int mse_bins = 2048;        // mse: histogram bins over [0, absmax]; candidate thresholds at bin edges
  AciqDistribution aciq_distribution = AciqDistribution::gaussian;  // ncnn's aciq is Gaussian
  bool aciq_sigma_from_absmax =
      true;  // gaussian: ncnn's sigma estimate from absmax and N; false = sqrt(E[x^2])
};

}  // namespace qd::quant
