// confusion_matrix(): rows = true class, columns = predicted class, from hand-made score rows.
#include "eval/confusion_matrix.h"

#include <gtest/gtest.h>

#include <vector>

namespace qd {
namespace {

TEST(ConfusionMatrix, CountsByTrueAndPredictedClass) {
  TopKAccumulator acc(3, 2);
  // Predictions (argmax): 0, 2, 2, 1, and one unlabelled image that must not be counted.
  const std::vector<std::vector<float>> rows = {
      {0.9f, 0.05f, 0.05f}, {0.1f, 0.2f, 0.7f}, {0.3f, 0.1f, 0.6f}, {0.2f, 0.5f, 0.3f}, {1.f, 0.f, 0.f}};
  const std::vector<int> labels = {0, 1, 2, 2, -1};
  for (size_t i = 0; i < rows.size(); ++i) acc.add(rows[i], labels[i]);
  const ConfusionMatrix m = confusion_matrix(acc);
  const ConfusionMatrix expected = {{1, 0, 0}, {0, 0, 1}, {0, 1, 1}};
  EXPECT_EQ(m, expected);
  EXPECT_EQ(confusion_trace(m), 2);  // images 0 and 2 are right
  EXPECT_EQ(confusion_total(m), 4);  // the unlabelled one is not counted
  EXPECT_EQ(confusion_trace(m), acc.top1_correct());
}

TEST(ConfusionMatrix, EmptyAccumulatorIsAllZero) {
  TopKAccumulator acc(2, 1);
  const ConfusionMatrix m = confusion_matrix(acc);
  EXPECT_EQ(m, (ConfusionMatrix{{0, 0}, {0, 0}}));
  EXPECT_EQ(confusion_trace(m), 0);
  EXPECT_EQ(confusion_total(m), 0);
}

}  // namespace
}  // namespace qd
