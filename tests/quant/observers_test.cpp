#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "quant/observers/abs_histogram.h"
#include "quant/observers/activation_stats.h"
#include "quant/observers/minmax_observer.h"
#include "quant/observers/range_histogram.h"

namespace qd::quant {
namespace {

std::vector<float> gaussian(size_t n, float sigma, unsigned seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> d(0.f, sigma);
  std::vector<float> v(n);
  for (float& x : v) x = d(rng);
  return v;
}

// Empirical quantile of |x| over the non-zero values (sorted, nearest rank).
double empirical_abs_quantile(std::vector<float> v, double q) {
  std::vector<double> a;
  for (float x : v)
    if (x != 0.f) a.push_back(std::fabs(x));
  std::sort(a.begin(), a.end());
  return a[std::min(a.size() - 1, static_cast<size_t>(q * a.size()))];
}

TEST(MinMaxObserver, TracksExtremesZerosAndNonFinite) {
  MinMaxObserver a, b;
  const float nan = std::nanf(""), inf = std::numeric_limits<float>::infinity();
  a.observe(std::vector<float>{0.f, -3.5f, 2.f, nan, 0.f});
  b.observe(std::vector<float>{inf, 1.f, 4.f});
  EXPECT_EQ(a.min(), -3.5f);
  EXPECT_EQ(a.max(), 2.f);
  EXPECT_EQ(a.absmax(), 3.5f);
  EXPECT_EQ(a.count(), 4u);
  EXPECT_EQ(a.zero_count(), 2u);
  EXPECT_EQ(a.nonfinite_count(), 1u);
  a.merge(b);
  EXPECT_EQ(a.max(), 4.f);
  EXPECT_EQ(a.absmax(), 4.f);
  EXPECT_EQ(a.count(), 6u);
  EXPECT_EQ(a.nonfinite_count(), 2u);
  MinMaxObserver empty;
  EXPECT_EQ(empty.absmax(), 0.f);
  empty.merge(b);
  EXPECT_EQ(empty.min(), 1.f);
}

TEST(AbsHistogram, RangeIsSmallestPowerOfTwoCoveringAbsmax) {
  AbsHistogram h(16);
  h.observe(std::vector<float>{0.3f, -0.7f});
  EXPECT_EQ(h.range(), 1.0);
  h.observe(std::vector<float>{-3.f});
  EXPECT_EQ(h.range(), 4.0);
  h.observe(std::vector<float>{4.f});  // exactly the range: stays, lands in the last bin
  EXPECT_EQ(h.range(), 4.0);
  EXPECT_EQ(h.counts()[15], 1u);
  // Bins of width 0.25 now: 0.3 and 0.7 (first seen with width 1/16) folded into bins 1 and 2.
  EXPECT_EQ(h.counts()[1], 1u);
  EXPECT_EQ(h.counts()[2], 1u);
  EXPECT_EQ(h.counts()[12], 1u);  // 3.0 / 0.25
  EXPECT_EQ(h.absmax(), 4.f);
}

TEST(AbsHistogram, GrowthKeepsCountsAndSkipsZerosAndNonFinite) {
  AbsHistogram h;
  std::vector<float> all;
  const float scales[] = {0.01f, 1.f, 30.f, 2000.f};
  unsigned seed = 1;
  for (float s : scales) {
    std::vector<float> v = gaussian(20000, s, seed++);
    for (int i = 0; i < 1000; ++i) v[i * 7] = 0.f;
    v[5] = std::nanf("");
    h.observe(v);
    all.insert(all.end(), v.begin(), v.end());
  }
  uint64_t zeros = 0, nonzero = 0;
  float absmax = 0.f;
  for (float x : all) {
    if (std::isnan(x)) continue;
    if (x == 0.f)
      ++zeros;
    else
      ++nonzero, absmax = std::max(absmax, std::fabs(x));
  }
  uint64_t binned = 0;
  for (uint64_t c : h.counts()) binned += c;
  EXPECT_EQ(h.zero_count(), zeros);
  EXPECT_EQ(h.nonzero_count(), nonzero);
  EXPECT_EQ(binned, nonzero);
  EXPECT_EQ(h.absmax(), absmax);
  EXPECT_GE(h.range(), absmax);
  EXPECT_LT(h.range(), 2.0 * absmax);
  // Quantiles of |x| stay within one (final) bin of the exact ones.
  for (double q : {0.1, 0.5, 0.9, 0.999}) {
    const double tol = h.bin_width() * 1.01;
    EXPECT_NEAR(h.quantile(q, false), empirical_abs_quantile(all, q), tol) << "q=" << q;
  }
}

TEST(AbsHistogram, ResultIndependentOfOrderChunkingMergingAndThreads) {
  std::vector<float> v = gaussian(300000, 1.f, 7);
  for (size_t i = 0; i < v.size(); i += 1000) v[i] *= 40.f;  // outliers force growth mid-stream
  AbsHistogram whole;
  whole.observe(v);

  // Reverse order in uneven chunks.
  std::vector<float> r(v.rbegin(), v.rend());
  AbsHistogram chunked;
  for (size_t i = 0; i < r.size(); i += 777)
    chunked.observe(std::span<const float>(r).subspan(i, std::min<size_t>(777, r.size() - i)));

  // Two per-thread histograms, the second only small values, merged both ways.
  AbsHistogram small, big;
  std::vector<float> lo, hi;
  for (float x : v) (std::fabs(x) < 0.5f ? lo : hi).push_back(x);
  small.observe(lo);
  big.observe(hi);
  AbsHistogram merged_a = small, merged_b = big;
  merged_a.merge(big);
  merged_b.merge(small);

  AbsHistogram parallel;
  parallel.observe(v, 4);

  for (const AbsHistogram* h : {&chunked, &merged_a, &merged_b, &parallel}) {
    EXPECT_EQ(h->range(), whole.range());
    EXPECT_EQ(h->nonzero_count(), whole.nonzero_count());
    EXPECT_TRUE(std::equal(h->counts().begin(), h->counts().end(), whole.counts().begin()));
  }
}

TEST(AbsHistogram, RebinnedKeepsMassAndCumulativeCounts) {
  std::vector<float> v = gaussian(200000, 1.f, 11);
  AbsHistogram h;
  h.observe(v);
  const double absmax = h.absmax();
  const int bins = 2048;
  const std::vector<double> rb = h.rebinned(bins, absmax);
  double total = 0;
  for (double c : rb) total += c;
  EXPECT_NEAR(total, static_cast<double>(h.nonzero_count()), 1e-6 * total);
  // Cumulative count below an edge differs from the exact count by at most the source bin containing it.
  std::vector<double> a;
  for (float x : v) a.push_back(std::fabs(x));
  std::sort(a.begin(), a.end());
  for (int k : {1, 100, 700, 1500, 2047}) {
    const double edge = k * absmax / bins;
    double cum = 0;
    for (int i = 0; i < k; ++i) cum += rb[i];
    const double exact = std::lower_bound(a.begin(), a.end(), edge) - a.begin();
    const int src = std::min(static_cast<int>(edge / h.bin_width()), h.num_bins() - 1);
    EXPECT_LE(std::fabs(cum - exact), h.counts()[src] + 1e-6) << "k=" << k;
  }
}

TEST(RangeHistogram, BinsLikeNcnn2tableOverAFixedRange) {
  // 8 bins over [0, 4]: bin = int(|x| / 4 * 8); |x| >= 4 in the last bin; zeros and NaN/inf not counted.
  RangeHistogram h(8, 4.f);
  h.observe(std::vector<float>{0.f, 0.5f, -1.f, 1.49f, 3.f, -4.f, 9.f, NAN, INFINITY, -0.f, 0.49f});
  EXPECT_EQ(h.nonzero_count(), 7u);
  const std::vector<uint64_t> expected = {1, 1, 2, 0, 0, 0, 1, 2};  // 0.49 | 0.5 | 1, 1.49 | 3 | 4, 9
  EXPECT_TRUE(std::equal(h.counts().begin(), h.counts().end(), expected.begin()));
  // Threads and merging give the same counts.
  std::vector<float> big(200000);
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<float>(i % 1000) / 250.f;  // [0, 4)
  RangeHistogram one(8, 4.f), threaded(8, 4.f), a(8, 4.f), b(8, 4.f);
  one.observe(big);
  threaded.observe(big, 4);
  a.observe(std::span<const float>(big).first(70000));
  b.observe(std::span<const float>(big).subspan(70000));
  a.merge(b);
  EXPECT_TRUE(std::equal(one.counts().begin(), one.counts().end(), threaded.counts().begin()));
  EXPECT_TRUE(std::equal(one.counts().begin(), one.counts().end(), a.counts().begin()));
  EXPECT_EQ(one.counts()[0], 200u * 124);  // i % 1000 in 1..124 (0 is skipped): |x| < 0.5
  EXPECT_FALSE(RangeHistogram().collected());
}

TEST(ActivationStats, ObserveAndMerge) {
  ActivationStats a, b;
  std::vector<float> x1(2 * 10, 1.f), x2(3 * 10, -2.f);
  a.observe(x1, 2);
  b.observe(x2, 3);
  a.merge(b);
  EXPECT_EQ(a.samples, 5u);
  EXPECT_EQ(a.elements_per_sample, 10);
  EXPECT_EQ(a.absmax(), 2.f);
  EXPECT_EQ(a.histogram.nonzero_count(), 50u);
  EXPECT_NEAR(a.moments.rms(), std::sqrt((20 * 1.0 + 30 * 4.0) / 50), 1e-9);
  EXPECT_NEAR(a.moments.mean_abs(), (20 * 1.0 + 30 * 2.0) / 50, 1e-9);
}

TEST(ActivationStats, MergeKeepsSecondPassHistogramsOnlyOverTheSameRange) {
  ActivationStats a, b, c;
  a.kl_histogram = RangeHistogram(4, 2.f);
  a.kl_histogram.observe(std::vector<float>{1.f});
  b.kl_histogram = RangeHistogram(4, 2.f);
  b.kl_histogram.observe(std::vector<float>{1.5f, 0.1f});
  a.merge(b);
  ASSERT_TRUE(a.kl_histogram.collected());
  EXPECT_EQ(a.kl_histogram.nonzero_count(), 3u);
  c.kl_histogram = RangeHistogram(4, 3.f);  // another range: the merged histogram would be wrong
  a.merge(c);
  EXPECT_FALSE(a.kl_histogram.collected());
}

}  // namespace
}  // namespace qd::quant
