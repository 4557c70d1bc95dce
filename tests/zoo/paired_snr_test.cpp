#include "zoo/paired_snr.h"

#include <gtest/gtest.h>

#include <random>

namespace qd::zoo_testing {
namespace {

constexpr size_t kClasses = 10, kImages = 30;

std::vector<float> reference_outputs() {
  std::mt19937 rng(7);
  std::normal_distribution<float> n(0, 3);
  std::vector<float> r(kClasses * kImages);
  for (float& v : r) v = n(rng);
  return r;
}

// ref plus an error whose energy is exactly `snr_db[i]` below image i's.
std::vector<float> with_image_snr(const std::vector<float>& ref, const std::vector<double>& snr_db) {
  std::vector<float> x(ref);
  for (size_t img = 0; img < kImages; ++img) {
    double s = 0;
    for (size_t c = 0; c < kClasses; ++c) s += double(ref[img * kClasses + c]) * ref[img * kClasses + c];
    // the same error direction on every image: 1, -1, 1, ... (energy kClasses), scaled
    const double scale = std::sqrt(s * std::pow(10.0, -snr_db[img] / 10) / kClasses);
    for (size_t c = 0; c < kClasses; ++c) x[img * kClasses + c] += float(c % 2 ? -scale : scale);
  }
  return x;
}

std::vector<double> spread_around(double mean_db, double spread_db, unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(-spread_db, spread_db);
  std::vector<double> v(kImages);
  for (double& e : v) e = mean_db + u(rng);
  return v;
}

TEST(PairedSnr, TheSameOutputsAreNotWorse) {
  const auto ref = reference_outputs();
  const auto x = with_image_snr(ref, spread_around(30, 4, 1));
  const PairedSnr p = compare_image_snr(ref, x, x, kClasses);
  EXPECT_EQ(p.images, kImages);
  EXPECT_EQ(p.ours_closer, kImages);
  EXPECT_DOUBLE_EQ(p.difference_db, 0);
  EXPECT_TRUE(p.ours_not_worse());
}

TEST(PairedSnr, AChainBehindOnEveryImageIsWorse) {
  const auto ref = reference_outputs();
  std::vector<double> theirs = spread_around(30, 4, 1), ours(theirs);
  for (double& e : ours) e -= 0.4;  // 0.4 dB behind on every image
  const PairedSnr p =
      compare_image_snr(ref, with_image_snr(ref, ours), with_image_snr(ref, theirs), kClasses);
  EXPECT_NEAR(p.difference_db, -0.4, 0.02);
  EXPECT_EQ(p.ours_closer, 0u);
  EXPECT_LT(p.upper_db, 0);
  EXPECT_FALSE(p.ours_not_worse());
  EXPECT_FALSE(p.ours_not_worse(0.1));
}

TEST(PairedSnr, AMarginForgivesAConsistentGapSmallerThanItself) {
  const auto ref = reference_outputs();
  std::vector<double> theirs = spread_around(30, 4, 1), ours(theirs);
  for (double& e : ours) e -= 0.05;
  const PairedSnr p =
      compare_image_snr(ref, with_image_snr(ref, ours), with_image_snr(ref, theirs), kClasses);
  EXPECT_FALSE(p.ours_not_worse());
  EXPECT_TRUE(p.ours_not_worse(0.1));
  EXPECT_FALSE(p.ours_not_worse(0.04));
}

TEST(PairedSnr, TheSameGapWithinTheImagesSpreadIsATie) {
  // Two chains each a few dB either side of the other per image: what two kl calibrations whose
  // thresholds differ by a bin give (ConvNeXt-Tiny in the zoo)
  const auto ref = reference_outputs();
  const std::vector<double> theirs = spread_around(30, 4, 1);
  std::vector<double> ours(theirs);
  const std::vector<double> jitter = spread_around(0, 3, 2);
  for (size_t i = 0; i < kImages; ++i) ours[i] += jitter[i];
  const PairedSnr p =
      compare_image_snr(ref, with_image_snr(ref, ours), with_image_snr(ref, theirs), kClasses);
  EXPECT_GT(p.ours_closer, 5u);
  EXPECT_LT(p.ours_closer, 25u);
  EXPECT_GT(p.upper_db, p.difference_db);
  EXPECT_TRUE(p.ours_not_worse()) << p.difference_db << " " << p.upper_db;
}

TEST(PairedSnr, AClearlyBetterChainIsNotWorseAndTheReverseIs) {
  const auto ref = reference_outputs();
  const std::vector<double> good = spread_around(36, 4, 3), bad = spread_around(30, 4, 4);
  const auto g = with_image_snr(ref, good), b = with_image_snr(ref, bad);
  EXPECT_TRUE(compare_image_snr(ref, g, b, kClasses).ours_not_worse());
  EXPECT_FALSE(compare_image_snr(ref, b, g, kClasses).ours_not_worse());
}

}  // namespace
}  // namespace qd::zoo_testing
