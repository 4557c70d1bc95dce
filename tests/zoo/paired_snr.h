// Which of two int8 models is closer to fp32 on a sample of images, and whether the sample can tell.
// Zoo check (d) compares our int8 files with ncnn2table + ncnn2int8's on 30 test images. Both chains run
// kl on the same pixels; their thresholds differ where kl's minimum jumps a bin (ncnn2table measures the
// activations with ncnn's fp32 kernels, we with ours), and on 30 images the per-image differences then
// range over several dB either way (ConvNeXt-Tiny: -5.1..+3.9 dB, ours closer on 12 of 30). A point figure
// cannot rank such chains; a paired bootstrap over the images says whether one is further from fp32 than
// the sample's own spread explains. Where the tables are equal but for one threshold a kl bin away, the
// images move together and ours can be behind on all of them by a hair (MobileNetV3-Large: 0.11 dB, one
// of 128 thresholds 3.7% apart): the zoo allows a non-inferiority margin of 0.1 dB for that.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <random>
#include <vector>

namespace qd::zoo_testing {

// |x - ref|^2 / |ref|^2 of every image (row of `classes` values).
inline std::vector<double> image_noise_ratios(const std::vector<float>& ref, const std::vector<float>& x,
                                              size_t classes) {
  std::vector<double> r;
  for (size_t row = 0; (row + 1) * classes <= ref.size() && (row + 1) * classes <= x.size(); ++row) {
    double s = 0, n = 0;
    for (size_t i = row * classes; i < (row + 1) * classes; ++i) {
      s += double(ref[i]) * ref[i];
      n += (double(x[i]) - ref[i]) * (double(x[i]) - ref[i]);
    }
    r.push_back(s > 0 ? n / s : (n > 0 ? 1e30 : 0));
  }
  return r;
}

// Per-image SNR of a set of images given by index: 10 log10(1 / mean noise ratio); 999 when exact.
inline double image_snr_of(const std::vector<double>& ratios, const std::vector<size_t>& images) {
  double sum = 0;
  for (size_t i : images) sum += ratios[i];
  return sum == 0 ? 999 : 10 * std::log10(double(images.size()) / sum);
}

struct PairedSnr {
  double ours_db = 0, theirs_db = 0;  // per-image SNR vs fp32 on the whole sample
  double difference_db = 0;           // ours - theirs
  double upper_db = 0;                // one-sided 95% bootstrap bound of the difference
  size_t images = 0, ours_closer = 0;
  // Ours is not further from fp32 than theirs beyond what the sample's spread explains, give or take
  // `margin_db`: the difference could be >= -margin_db at the 95% level. A chain consistently behind on
  // the images by more than the margin fails.
  bool ours_not_worse(double margin_db = 0) const { return upper_db >= -margin_db; }
};

// Resamples the images with replacement (fixed seed: the same figures every run) and takes the 95th
// percentile of ours - theirs.
inline PairedSnr compare_image_snr(const std::vector<float>& ref, const std::vector<float>& ours,
                                   const std::vector<float>& theirs, size_t classes, int resamples = 4000) {
  const std::vector<double> a = image_noise_ratios(ref, ours, classes),
                            b = image_noise_ratios(ref, theirs, classes);
  PairedSnr p;
  p.images = std::min(a.size(), b.size());
  if (p.images == 0) return p;
  std::vector<size_t> all(p.images);
  for (size_t i = 0; i < p.images; ++i) {
    all[i] = i;
    p.ours_closer += a[i] <= b[i];
  }
  p.ours_db = image_snr_of(a, all);
  p.theirs_db = image_snr_of(b, all);
  p.difference_db = p.ours_db - p.theirs_db;
  std::mt19937 rng(2026);
  std::uniform_int_distribution<size_t> pick(0, p.images - 1);
  std::vector<double> d(resamples);
  std::vector<size_t> sample(p.images);
  for (double& e : d) {
    for (size_t& s : sample) s = pick(rng);
    e = image_snr_of(a, sample) - image_snr_of(b, sample);
  }
  const size_t k = std::min(d.size() - 1, size_t(0.95 * d.size()));
  std::nth_element(d.begin(), d.begin() + k, d.end());
  p.upper_db = d[k];
  return p;
}

}  // namespace qd::zoo_testing
