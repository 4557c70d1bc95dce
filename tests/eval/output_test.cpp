#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <thread>

#include "core/error.h"
#include "data/test_files.h"
#include "eval/results_json.h"

namespace qd {
namespace {

TEST(ResultsJson, WritesSummaryAndPredictions) {
  test::TempDir dir;
  const std::vector<std::string> names = {"cat", "dog", "fish"};
  TopKAccumulator acc(3, 2);
  acc.add(std::vector<float>{0.1f, 0.7f, 0.2f}, 1);
  acc.add(std::vector<float>{0.5f, 0.3f, 0.2f}, 2);
  LatencyStats lat;
  lat.add(2.0);
  lat.add(4.0);
  nlohmann::json summary = {{"accuracy", accuracy_summary(acc, names)}, {"latency", latency_summary(lat, 1)}};
  std::vector<ImagePrediction> preds = {{"a.jpg", 1, {1, 2}, {0.7f, 0.2f}},
                                        {"b.jpg", -1, {0, 1}, {0.5f, 0.3f}}};
  write_results_json(dir / "results.json", summary, preds, names);

  std::ifstream in(dir / "results.json");
  const nlohmann::json j = nlohmann::json::parse(in);
  EXPECT_EQ(j["summary"]["accuracy"]["images"], 2);
  EXPECT_DOUBLE_EQ(j["summary"]["accuracy"]["top1"].get<double>(), 0.5);
  EXPECT_DOUBLE_EQ(j["summary"]["accuracy"]["topk"].get<double>(), 0.5);  // label 2 not in {0, 1}
  EXPECT_EQ(j["summary"]["accuracy"]["k"], 2);
  EXPECT_DOUBLE_EQ(j["summary"]["accuracy"]["per_class_top1"]["dog"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(j["summary"]["latency"]["median_ms"].get<double>(), 3.0);
  EXPECT_DOUBLE_EQ(j["summary"]["latency"]["images_per_second"].get<double>(), 2 * 1000.0 / 6.0);
  ASSERT_EQ(j["predictions"].size(), 2u);
  const auto& p0 = j["predictions"][0];
  EXPECT_EQ(p0["path"], "a.jpg");
  EXPECT_EQ(p0["label_name"], "dog");
  EXPECT_EQ(p0["predicted"], 1);
  EXPECT_EQ(p0["correct"], true);
  EXPECT_EQ(p0["top"][1]["name"], "fish");
  EXPECT_NEAR(p0["top"][0]["score"].get<double>(), 0.7, 1e-6);
  const auto& p1 = j["predictions"][1];
  EXPECT_EQ(p1["label"], -1);
  EXPECT_FALSE(p1.contains("correct"));
  EXPECT_FALSE(p1.contains("label_name"));

  EXPECT_THROW(write_results_json(dir / "missing/dir/r.json", summary, preds, names), Error);
}

}  // namespace
}  // namespace qd
