// Quantization error metrics of a tested tensor against its fp32 reference, accumulated over many images:
//   SNR (dB)  = 10 * log10( sum ref^2 / sum (ref - test)^2 )
//   cosine    = sum ref*test / sqrt( sum ref^2 * sum test^2 )
// Sums run over every element of every image added (one global ratio, not a mean of per-image ratios).
#pragma once
#include <cstdint>
#include <span>

namespace qd::quant {

class ErrorAccumulator {
 public:
  // Adds elementwise pairs; ref and test must have the same length.
  void add(std::span<const float> ref, std::span<const float> test);
  void merge(const ErrorAccumulator& other);

  // +inf when there is no noise (including the empty case); -inf when the reference is all zero but the
  // test is not.
  double snr_db() const;
  // 1 when both are all zero, 0 when exactly one is.
  double cosine() const;

  double signal_power() const { return ref2_; }
  double noise_power() const { return noise2_; }
  uint64_t count() const { return count_; }

 private:
  double ref2_ = 0, test2_ = 0, dot_ = 0, noise2_ = 0;
  uint64_t count_ = 0;
};

// SNR over many images with every image weighing the same: 10*log10(1 / mean_i(noise_i / signal_i)). A pooled
// ratio weighs images by their signal, so one image with outsized values can rule it (docs/zoo.md, RegNetY:
// one calibration image set a layer's range); a mean of per-image dB would forgive the few images a choice
// ruins, the mean noise ratio is ruled by the worst images instead. Each image's SNR is capped at
// +-kImageSnrCapDb so that an exact or a silent image stays countable.
class PerImageSnr {
 public:
  static constexpr double kImageSnrCapDb = 300.0;
  // `rows` images laid out one after another (equal sizes); ref and test of the same length.
  void add_rows(std::span<const float> ref, std::span<const float> test, size_t rows);
  double snr_db() const;  // 0 images: +kImageSnrCapDb (nothing measured, nothing lost)
  size_t images() const { return images_; }

 private:
  double sum_noise_ratio_ = 0;
  size_t images_ = 0;
};

// One-shot versions over a single pair of arrays.
double snr_db(std::span<const float> ref, std::span<const float> test);
double cosine_similarity(std::span<const float> ref, std::span<const float> test);

}  // namespace qd::quant
