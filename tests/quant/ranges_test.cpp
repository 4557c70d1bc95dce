#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numbers>
#include <random>
#include <vector>

#include "core/error.h"
#include "quant/ranges/aciq_range.h"
#include "quant/ranges/kl_range.h"
#include "quant/ranges/mse_range.h"
#include "quant/ranges/percentile_range.h"
#include "quant/ranges/range_methods.h"

namespace qd::quant {
namespace {

std::vector<float> laplace(size_t n, double b, unsigned seed) {
  std::mt19937 rng(seed);
  std::exponential_distribution<double> e(1.0 / b);
  std::bernoulli_distribution sign(0.5);
  std::vector<float> v(n);
  for (float& x : v) x = static_cast<float>(sign(rng) ? e(rng) : -e(rng));
  return v;
}

std::vector<float> gaussian(size_t n, double sigma, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> d(0.0, sigma);
  std::vector<float> v(n);
  for (float& x : v) x = static_cast<float>(d(rng));
  return v;
}

// Laplace body with a few rare large outliers: the long-tailed case where clipping pays. (With many
// outliers their clipping error dominates and the MSE optimum moves back towards absmax.)
std::vector<float> long_tailed(unsigned seed, size_t outliers = 4) {
  std::vector<float> v = laplace(200000, 1.0, seed);
  for (size_t i = 0; i < outliers; ++i) v[i * 9973] = (i % 2 ? 1 : -1) * (40.f + i);
  return v;
}

ActivationStats stats_of(const std::vector<float>& v, int64_t batch = 1) {
  ActivationStats s;
  s.observe(v, batch);
  return s;
}

// Real mean squared error of quantizing every sample to the int8 grid clipping at `threshold` (naive).
double real_quant_mse(const std::vector<float>& v, double threshold) {
  const double s = threshold / 127.0;
  double err = 0;
  for (float x : v) {
    const double q = std::clamp(std::round(x / s), -127.0, 127.0);
    err += (x - q * s) * (x - q * s);
  }
  return err / v.size();
}

TEST(MinMaxRange, IsAbsmax) {
  const ActivationStats s = stats_of({0.5f, -3.25f, 2.f, 0.f});
  EXPECT_EQ(compute_threshold(RangeMethod::minmax, s, {}), 3.25f);
}

TEST(KlRange, LongTailedClipsFarBelowAbsmax) {
  const ActivationStats s = stats_of(long_tailed(3, 20));
  const float t = kl_threshold(s);
  EXPECT_GT(t, 0.f);
  EXPECT_LT(t, 0.35f * s.absmax()) << "absmax " << s.absmax();
}

TEST(KlRange, ReluGaussianWithOutliersClipsBelowAbsmax) {
  std::vector<float> v = gaussian(400000, 1.0, 5);
  for (float& x : v) x = std::max(x, 0.f);  // ~half zeros, skipped by KL
  for (size_t i = 0; i < 10; ++i) v[i * 31337] = 25.f;
  const ActivationStats s = stats_of(v);
  EXPECT_LT(kl_threshold(s), 0.5f * s.absmax());
}

TEST(KlRange, UniformKeepsNearlyEverything) {
  std::mt19937 rng(9);
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  std::vector<float> v(400000);
  for (float& x : v) x = u(rng);
  const ActivationStats s = stats_of(v);
  EXPECT_GT(kl_threshold(s), 0.9f * s.absmax());
}

// Naive restatement of ncnn's KL search: quantized bins built by explicit overlap sums over every source bin.
int naive_kl_best(const std::vector<double>& hist, int target) {
  const int n = static_cast<int>(hist.size());
  double total = 0;
  for (double h : hist) total += h;
  std::vector<double> p(n);
  for (int i = 0; i < n; ++i) p[i] = hist[i] / total;
  auto overlap = [](double a0, double a1, double b0, double b1) {
    return std::max(0.0, std::min(a1, b1) - std::max(a0, b0));
  };
  int best = target;
  double best_kl = 1e300;
  for (int t = target; t < n; ++t) {
    const double r = double(t) / target;
    std::vector<double> q(target, 0.0), expanded(t, 0.0);
    for (int j = 0; j < target; ++j) {
      const double lo = j * r, hi = j == target - 1 ? t : (j + 1) * r;
      for (int k = 0; k < t; ++k) q[j] += p[k] * overlap(k, k + 1, lo, hi);
      q[j] /= (hi - lo);
      for (int k = 0; k < t; ++k) expanded[k] += q[j] * overlap(k, k + 1, lo, hi);
    }
    double tail = 0;
    for (int k = t; k < n; ++k) tail += p[k];
    double kl = 0;
    for (int k = 0; k < t; ++k) {
      const double pk = p[k] + (k == t - 1 ? tail : 0) + 1e-4, qk = expanded[k] + 1e-4;
      kl += pk * std::log(pk / qk);
    }
    if (kl < best_kl) best_kl = kl, best = t;
  }
  return best;
}

TEST(KlRange, MatchesNaiveSearchOnSmallHistograms) {
  std::mt19937 rng(21);
  for (int trial = 0; trial < 4; ++trial) {
    std::vector<double> hist(150);
    std::exponential_distribution<double> e(1.0 / (20 + 15 * trial));
    for (int i = 0; i < 20000; ++i) hist[std::min(149, static_cast<int>(e(rng)))] += 1;
    hist[3] = 0;  // empty bins must not break anything
    EXPECT_EQ(kl_best_bin_count(hist, 16), naive_kl_best(hist, 16)) << "trial " << trial;
    EXPECT_EQ(kl_best_bin_count(hist, 7), naive_kl_best(hist, 7)) << "trial " << trial;
  }
}

// Worked by hand (target 2 bins; P and Q get +1e-4 per bin, which moves the sums below by < 1e-3):
// hist [1, 1, 0, 3] -> p = [.2, .2, 0, .6].
//   t = 2: Q = [.2, .2]; P = [.2, .2 + tail .6] = [.2, .8]: KL = .8 ln(.8 / .2) = 1.109.
//   t = 3: quantized bins of 1.5 source bins: q0 = (.2 + .5 * .2) / 1.5 = .2, q1 = (.5 * .2 + 0) / 1.5 =
//   .0667;
//          expanded [.2, .5 q0 + .5 q1, q1] = [.2, .1333, .0667]; P = [.2, .2, .6]:
//          KL = .2 ln(.2 / .1333) + .6 ln(.6 / .0667) = .081 + 1.318 = 1.399.       -> t = 2
// hist [1, 1, 1, 2] -> p = [.2, .2, .2, .4].
//   t = 2: P = [.2, .8], Q = [.2, .2]: KL = 1.109.
//   t = 3: q0 = q1 = .2, expanded [.2, .2, .2]; P = [.2, .2, .6]: KL = .6 ln 3 = .659.   -> t = 3
TEST(KlRange, BestBinCountOnHistogramsWorkedByHand) {
  EXPECT_EQ(kl_best_bin_count(std::vector<double>{1, 1, 0, 3}, 2), 2);
  EXPECT_EQ(kl_best_bin_count(std::vector<double>{1, 1, 1, 2}, 2), 3);
}

TEST(KlRange, UsesTheSecondPassHistogramOverAbsmaxWhenThere) {
  // Streaming histogram of {0.5, 1.5, 2.5, 3.5, 4}: on 4 bins over [0, 4] it is [1, 1, 1, 2] -> t = 3,
  // threshold (3 + .5) * 4 / 4 = 3.5 (see the hand-worked case above).
  ActivationStats s = stats_of({0.5f, 1.5f, 2.5f, 3.5f, 4.f});
  EXPECT_FLOAT_EQ(kl_threshold(s, 4, 2), 3.5f);
  // A second-pass histogram over [0, absmax] with other counts, [1, 1, 0, 3] -> t = 2: threshold 2.5.
  s.kl_histogram = RangeHistogram(4, 4.f);
  s.kl_histogram.observe(std::vector<float>{0.5f, 1.5f, 3.5f, 3.9f, 4.f});
  EXPECT_FLOAT_EQ(kl_threshold(s, 4, 2), 2.5f);
  // ... but only when it has the bins asked for and covers exactly [0, absmax].
  EXPECT_FLOAT_EQ(kl_threshold(s, 8, 2), kl_threshold(stats_of({0.5f, 1.5f, 2.5f, 3.5f, 4.f}), 8, 2));
  s.kl_histogram = RangeHistogram(4, 5.f);
  s.kl_histogram.observe(std::vector<float>{0.5f, 1.5f, 3.5f, 3.9f, 4.f});
  EXPECT_FLOAT_EQ(kl_threshold(s, 4, 2), 3.5f);
}

TEST(KlRange, ThresholdIsBinCentreOfBestBinCount) {
  const ActivationStats s = stats_of(laplace(100000, 1.0, 4));
  const std::vector<double> hist = s.histogram.rebinned(2048, s.absmax());
  const int t = kl_best_bin_count(hist, 128);
  EXPECT_FLOAT_EQ(kl_threshold(s), static_cast<float>((t + 0.5) * s.absmax() / 2048));
}

TEST(PercentileRange, MatchesQuantileWithinABin) {
  const std::vector<float> v = gaussian(1000000, 1.0, 8);
  const ActivationStats s = stats_of(v);
  std::vector<double> a(v.size());
  std::transform(v.begin(), v.end(), a.begin(), [](float x) { return std::fabs(x); });
  std::sort(a.begin(), a.end());
  for (double pct : {90.0, 99.0, 99.99}) {
    const double exact = a[static_cast<size_t>(pct / 100 * a.size())];
    EXPECT_NEAR(percentile_threshold(s, pct), exact, s.histogram.bin_width() * 1.01) << pct;
  }
  // The analytic |N(0,1)| 99% quantile is 2.5758; sampling error at 1e6 samples is ~0.004.
  EXPECT_NEAR(percentile_threshold(s, 99.0), 2.5758, 0.02);
  EXPECT_EQ(percentile_threshold(s, 100.0), s.absmax());
}

TEST(PercentileRange, CountsZerosAndRejectsBadPercentiles) {
  std::vector<float> v = gaussian(200000, 1.0, 2);
  for (float& x : v) x = std::max(x, 0.f);  // ReLU: half are zeros
  const ActivationStats s = stats_of(v);
  EXPECT_EQ(percentile_threshold(s, 40.0), 0.f);
  // 75% of all values = the 50% point of the positive half-normal: 0.6745.
  EXPECT_NEAR(percentile_threshold(s, 75.0), 0.6745, 0.01);
  EXPECT_THROW(percentile_threshold(s, 0.0), Error);
  EXPECT_THROW(percentile_threshold(s, 100.5), Error);
  RangeOptions o;
  o.percentile = 99.0;
  EXPECT_FLOAT_EQ(compute_threshold(RangeMethod::percentile, s, o), percentile_threshold(s, 99.0));
}

TEST(MseRange, BeatsMinMaxOnLongTailedData) {
  const std::vector<float> v = long_tailed(12);
  const ActivationStats s = stats_of(v);
  const float t = mse_threshold(s);
  EXPECT_LT(t, s.absmax());
  const double mse_t = real_quant_mse(v, t), mse_max = real_quant_mse(v, s.absmax());
  EXPECT_LT(mse_t, 0.8 * mse_max);
  // Close to the best threshold of a brute-force grid search on the samples themselves.
  double best = 1e300;
  for (int i = 1; i <= 200; ++i) best = std::min(best, real_quant_mse(v, s.absmax() * i / 200.0));
  EXPECT_LT(mse_t, 1.05 * best);
}

TEST(MseRange, ExpectedMseOfUniformDataIsStepSquaredOver12) {
  // |x| uniform on [0, 1): a flat histogram; clipping at 1 leaves only rounding noise s^2 / 12.
  std::vector<double> flat(1000, 5.0);
  const double s = 1.0 / 127;
  EXPECT_NEAR(expected_quantization_mse(flat, 1.0 / 1000, 1.0, 127), s * s / 12, 0.01 * s * s / 12);
  // Clipping at 0.5 adds the integral of (x - 0.5)^2 over [0.5, 1) = 1/24 (mean over [0, 1)).
  const double s2 = 0.5 / 127;
  EXPECT_NEAR(expected_quantization_mse(flat, 1.0 / 1000, 0.5, 127), 0.5 * s2 * s2 / 12 + 1.0 / 24, 1e-6);
}

TEST(AciqRange, GaussianFromMomentsIsAlphaSigma) {
  const double sigma = 2.0;
  const std::vector<float> v = gaussian(100000, sigma, 13);
  const ActivationStats s = stats_of(v);
  RangeOptions o;
  o.aciq_sigma_from_absmax = false;
  EXPECT_NEAR(aciq_threshold(s, o), 3.92403714 * sigma, 0.02 * 3.92403714 * sigma);
}

TEST(AciqRange, GaussianFromAbsmaxFollowsNcnnFormula) {
  const double sigma = 2.0;
  const std::vector<float> v = gaussian(4 * 65536, sigma, 14);
  const ActivationStats s = stats_of(v, 4);  // 4 images of 65536 elements: N = 65536
  const double c = 0.175 * (1 + std::sqrt(std::numbers::pi * std::log(4.0)));
  const double expected = 3.92403714 * s.absmax() * 2 * c / std::sqrt(2 * std::log(65536.0));
  const float t = compute_threshold(RangeMethod::aciq, s, {});
  EXPECT_NEAR(t, std::min<double>(expected, s.absmax()), 1e-4 * expected);
  EXPECT_NEAR(t, 3.92403714 * sigma, 0.2 * 3.92403714 * sigma);  // absmax is a noisy sigma estimate
}

TEST(AciqRange, LaplaceUsesMeanAbsAndCapsAtAbsmax) {
  const std::vector<float> v = laplace(100000, 1.0, 15);
  const ActivationStats s = stats_of(v);
  RangeOptions o;
  o.aciq_distribution = AciqDistribution::laplace;
  EXPECT_NEAR(aciq_threshold(s, o), 9.89, 0.03 * 9.89);
  o.bits = 4;
  EXPECT_NEAR(aciq_threshold(s, o), 5.03, 0.03 * 5.03);
  const ActivationStats tiny = stats_of({0.1f, -0.2f});  // alpha * b far above absmax
  EXPECT_EQ(aciq_threshold(tiny, o), 0.2f);
  o.bits = 9;
  EXPECT_THROW(aciq_threshold(s, o), Error);
}

TEST(RangeMethods, AllZeroActivationGivesZeroThresholdEverywhere) {
  const ActivationStats s = stats_of(std::vector<float>(1000, 0.f));
  for (const std::string& m : range_method_names())
    EXPECT_EQ(compute_threshold(parse_range_method(m), s, {}), 0.f) << m;
}

TEST(RangeMethods, RegistryListsNamesAndRejectsUnknown) {
  EXPECT_EQ(range_method_names(), (std::vector<std::string>{"aciq", "kl", "minmax", "mse", "percentile"}));
  try {
    parse_range_method("entropy");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::user);
    const std::string msg = e.what();
    EXPECT_NE(msg.find("'entropy'"), std::string::npos) << msg;
    for (const std::string& m : range_method_names()) EXPECT_NE(msg.find(m), std::string::npos) << msg;
  }
}

}  // namespace
}  // namespace qd::quant
