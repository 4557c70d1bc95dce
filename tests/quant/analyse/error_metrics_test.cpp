#include "quant/analyse/error_metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <span>
#include <vector>

#include "core/error.h"

namespace qd::quant {
namespace {

TEST(ErrorMetrics, SnrAndCosineMatchHandComputedValues) {
  const std::vector<float> ref{1, 2, 3}, test{1, 2, 2};
  // signal = 1+4+9 = 14, noise = (3-2)^2 = 1 -> 10*log10(14) = 11.46128 dB
  EXPECT_NEAR(snr_db(ref, test), 11.46128, 1e-4);
  // dot = 1+4+6 = 11, |test|^2 = 9 -> 11 / sqrt(14 * 9) = 0.9799579
  EXPECT_NEAR(cosine_similarity(ref, test), 0.9799579, 1e-6);
}

TEST(ErrorMetrics, NegativeAndScaledSignals) {
  const std::vector<float> ref{-2, 4}, test{-1, 2};  // test = ref / 2
  // signal = 4+16 = 20, noise = 1+4 = 5 -> 10*log10(4) = 6.0206 dB; same direction -> cosine 1
  EXPECT_NEAR(snr_db(ref, test), 6.0206, 1e-4);
  EXPECT_NEAR(cosine_similarity(ref, test), 1.0, 1e-9);
  const std::vector<float> opposite{2, -4};
  EXPECT_NEAR(cosine_similarity(ref, opposite), -1.0, 1e-9);
  // noise = 16 + 64 = 80 -> 10*log10(20/80) = -6.0206 dB
  EXPECT_NEAR(snr_db(ref, opposite), -6.0206, 1e-4);
}

TEST(ErrorMetrics, AccumulatesOneGlobalRatioNotAMeanOfRatios) {
  // image 1: signal 1, noise 1 (0 dB); image 2: signal 100, noise 0 -> pooled 10*log10(101/1) = 20.0432 dB
  ErrorAccumulator a;
  a.add(std::vector<float>{1}, std::vector<float>{0});
  a.add(std::vector<float>{10}, std::vector<float>{10});
  EXPECT_NEAR(a.snr_db(), 20.0432, 1e-4);
  EXPECT_EQ(a.count(), 2u);
  // cosine: dot = 0 + 100, |ref|^2 = 101, |test|^2 = 100 -> 100 / sqrt(10100) = 0.995037
  EXPECT_NEAR(a.cosine(), 0.995037, 1e-6);
  ErrorAccumulator b, c;
  b.add(std::vector<float>{1}, std::vector<float>{0});
  c.add(std::vector<float>{10}, std::vector<float>{10});
  b.merge(c);
  EXPECT_DOUBLE_EQ(b.snr_db(), a.snr_db());
}

TEST(ErrorMetrics, PerImageSnrWeighsEveryImageTheSame) {
  // three images of two values: noise/signal 0.01 (20 dB: ref {10, 0}, test {9, 0}), 1 (0 dB: ref {1, 1},
  // test {0, 0}) and an exact image (capped at 300 dB: ratio 1e-30) -> mean ratio (0.01 + 1 + 1e-30) / 3,
  // 10*log10(3 / 1.01) = 4.7283 dB. The pooled ratio of the same values is ruled by the first image's large
  // signal: 10*log10(110 / 3) = 15.64 dB.
  const std::vector<float> ref{10, 0, 1, 1, 2, 2}, test{9, 0, 0, 0, 2, 2};
  PerImageSnr m;
  m.add_rows(ref, test, 3);
  EXPECT_EQ(m.images(), 3u);
  EXPECT_NEAR(m.snr_db(), 10 * std::log10(3 / 1.01), 1e-9);
  EXPECT_NEAR(snr_db(ref, test), 10 * std::log10(110.0 / 3), 1e-9);
  // rows added in several calls count the same as in one
  PerImageSnr split;
  split.add_rows(std::span(ref).first(2), std::span(test).first(2), 1);
  split.add_rows(std::span(ref).subspan(2), std::span(test).subspan(2), 2);
  EXPECT_DOUBLE_EQ(split.snr_db(), m.snr_db());
  // an image with no signal and some noise counts at the lower cap, not -inf
  PerImageSnr silent;
  silent.add_rows(std::vector<float>{0, 0}, std::vector<float>{1, 1}, 1);
  EXPECT_NEAR(silent.snr_db(), -PerImageSnr::kImageSnrCapDb, 1e-9);
  EXPECT_EQ(PerImageSnr().snr_db(), PerImageSnr::kImageSnrCapDb);
  PerImageSnr exact;
  exact.add_rows(ref, ref, 3);
  EXPECT_EQ(exact.snr_db(), PerImageSnr::kImageSnrCapDb);
  EXPECT_THROW(m.add_rows(ref, test, 4), Error);  // 6 values are not 4 equal images
}

TEST(ErrorMetrics, EdgeCases) {
  const std::vector<float> z{0, 0}, x{1, -1};
  EXPECT_TRUE(std::isinf(snr_db(x, x)) && snr_db(x, x) > 0);  // no noise
  EXPECT_TRUE(std::isinf(snr_db(z, x)) && snr_db(z, x) < 0);  // no signal, some noise
  EXPECT_EQ(cosine_similarity(z, z), 1.0);
  EXPECT_EQ(cosine_similarity(z, x), 0.0);
  EXPECT_TRUE(std::isinf(ErrorAccumulator().snr_db()));
}

TEST(ErrorMetrics, LargeInputsUseTheParallelPathWithTheSameResult) {
  std::vector<float> ref(200000), test(200000);
  double s = 0, n = 0;
  for (size_t i = 0; i < ref.size(); ++i) {
    ref[i] = static_cast<float>(static_cast<int>(i % 97) - 48) * 0.5f;
    test[i] = ref[i] + ((i % 3) == 0 ? 0.25f : 0.f);
    s += double(ref[i]) * ref[i];
    n += (i % 3) == 0 ? 0.0625 : 0.0;
  }
  EXPECT_NEAR(snr_db(ref, test), 10 * std::log10(s / n), 1e-6);
}

}  // namespace
}  // namespace qd::quant
