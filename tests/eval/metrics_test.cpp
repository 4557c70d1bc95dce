#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "core/error.h"
#include "eval/accuracy.h"
#include "eval/latency.h"
#include "eval/topk.h"

namespace qd {
namespace {

TEST(TopK, BestFirstTiesByLowerIndex) {
  const std::vector<float> s = {0.1f, 0.5f, 0.5f, 0.9f, -1.f};
  EXPECT_EQ(top_k(s, 3), (std::vector<int>{3, 1, 2}));
  EXPECT_EQ(top_k(s, 1), (std::vector<int>{3}));
  EXPECT_EQ(top_k(s, 9), (std::vector<int>{3, 1, 2, 0, 4}));  // k clamped to the row length
  EXPECT_TRUE(top_k(s, 0).empty());
  const std::vector<float> ties = {2.f, 2.f, 2.f};
  EXPECT_EQ(top_k(ties, 2), (std::vector<int>{0, 1}));
  EXPECT_EQ(arg_max(ties), 0);
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const std::vector<float> with_nan = {nan, -5.f, nan, -7.f};
  EXPECT_EQ(top_k(with_nan, 4), (std::vector<int>{1, 3, 0, 2}));
  EXPECT_EQ(arg_max(with_nan), 1);
  EXPECT_EQ(arg_max(std::vector<float>{}), -1);
}

TEST(TopKAccumulator, HandCountedTop1Top2AndConfusion) {
  TopKAccumulator acc(3, 2);
  EXPECT_EQ(acc.add(std::vector<float>{0.1f, 0.7f, 0.2f}, 1), 1);  // top-1 right
  EXPECT_EQ(acc.add(std::vector<float>{0.5f, 0.3f, 0.2f}, 1), 0);  // top-2 right only
  EXPECT_EQ(acc.add(std::vector<float>{0.2f, 0.3f, 0.5f}, 0), 2);  // wrong: top-2 is {2, 1}
  EXPECT_EQ(acc.add(std::vector<float>{0.4f, 0.4f, 0.2f}, 1), 0);  // tie -> class 0; top-2 right
  EXPECT_EQ(acc.add(std::vector<float>{0.f, 0.f, 1.f}, -1), 2);    // unlabelled: not counted
  EXPECT_EQ(acc.total(), 4);
  EXPECT_EQ(acc.top1_correct(), 1);
  EXPECT_EQ(acc.topk_correct(), 3);
  EXPECT_DOUBLE_EQ(acc.top1(), 0.25);
  EXPECT_DOUBLE_EQ(acc.topk(), 0.75);
  EXPECT_EQ(acc.confusion(1, 1), 1);
  EXPECT_EQ(acc.confusion(1, 0), 2);
  EXPECT_EQ(acc.confusion(0, 2), 1);
  EXPECT_EQ(acc.confusion(2, 2), 0);
  const std::vector<double> per_class = acc.per_class_top1();
  EXPECT_DOUBLE_EQ(per_class[0], 0.0);
  EXPECT_DOUBLE_EQ(per_class[1], 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(per_class[2], 0.0);  // no images of class 2

  TopKAccumulator other(3, 2);
  other.add(std::vector<float>{0.f, 0.f, 1.f}, 2);
  acc.merge(other);
  EXPECT_EQ(acc.total(), 5);
  EXPECT_EQ(acc.top1_correct(), 2);
  EXPECT_EQ(acc.confusion(2, 2), 1);
}

TEST(TopKAccumulator, RejectsWrongRowLengthAndLabel) {
  TopKAccumulator acc(3);
  EXPECT_THROW(acc.add(std::vector<float>{1.f, 2.f}, 0), Error);
  EXPECT_THROW(acc.add(std::vector<float>{1.f, 2.f, 3.f}, 3), Error);
  EXPECT_EQ(acc.total(), 0);
  EXPECT_DOUBLE_EQ(acc.top1(), 0.0);
}

TEST(AgreementCounter, CountsTop1MatchesAndMaxDiff) {
  AgreementCounter a;
  a.add(std::vector<float>{1.f, 2.f, 3.f}, std::vector<float>{1.5f, 2.f, 2.9f});  // both pick 2
  a.add(std::vector<float>{3.f, 2.f, 1.f}, std::vector<float>{1.f, 2.5f, 1.f});   // 0 vs 1
  EXPECT_EQ(a.count(), 2);
  EXPECT_EQ(a.agree(), 1);
  EXPECT_DOUBLE_EQ(a.fraction(), 0.5);
  EXPECT_DOUBLE_EQ(a.max_abs_diff(), 2.0);
  EXPECT_THROW(a.add(std::vector<float>{1.f}, std::vector<float>{1.f, 2.f}), Error);
}

TEST(LatencyStats, MedianP90MeanThroughputByHand) {
  LatencyStats s;
  for (double ms : {5.0, 1.0, 3.0, 2.0, 4.0}) s.add(ms);
  EXPECT_DOUBLE_EQ(s.median(), 3.0);
  EXPECT_DOUBLE_EQ(s.p90(), 4.6);  // rank 0.9 * 4 = 3.6 between 4 and 5
  EXPECT_DOUBLE_EQ(s.mean(), 3.0);
  EXPECT_DOUBLE_EQ(s.min(), 1.0);
  EXPECT_DOUBLE_EQ(s.max(), 5.0);
  EXPECT_DOUBLE_EQ(s.total_ms(), 15.0);
  EXPECT_NEAR(s.images_per_second(), 5 * 1000.0 / 15.0, 1e-9);
  EXPECT_NEAR(s.images_per_second(8), 40 * 1000.0 / 15.0, 1e-9);

  LatencyStats even;
  for (double ms : {4.0, 1.0, 2.0, 3.0}) even.add(ms);
  EXPECT_DOUBLE_EQ(even.median(), 2.5);
  EXPECT_DOUBLE_EQ(even.percentile(0), 1.0);
  EXPECT_DOUBLE_EQ(even.percentile(100), 4.0);

  LatencyStats empty;
  EXPECT_DOUBLE_EQ(empty.median(), 0.0);
  EXPECT_DOUBLE_EQ(empty.images_per_second(), 0.0);
}

TEST(Stopwatch, MeasuresForwardTime) {
  Stopwatch w;
  volatile double x = 0;
  for (int i = 0; i < 100000; ++i) x = x + i;
  EXPECT_GE(w.elapsed_ms(), 0.0);
}

}  // namespace
}  // namespace qd
