#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <thread>

#include "core/error.h"
#include "data/test_files.h"
#include "eval/progress.h"
#include "eval/results_json.h"

namespace qd {
namespace {

std::string read_stream(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string out;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) out.append(buf, n);
  return out;
}

TEST(FormatProgress, LineByHand) {
  // 1234 of 10000 in 100 s: 12.34 it/s; 8766 left -> 710.4 s -> 11:50; 12.34% of 10 cells -> 1 '#'.
  EXPECT_EQ(format_progress("eval", 1234, 10000, 100.0, 10),
            "eval [#.........] 1234/10000 12.3 it/s ETA 11:50");
  EXPECT_EQ(format_progress("calib", 0, 50, 0.0, 4), "calib [....] 0/50 ? it/s ETA ?");
  EXPECT_EQ(format_progress("x", 50, 50, 2.0, 4), "x [####] 50/50 25.0 it/s ETA 0:00");
  EXPECT_EQ(format_duration(42), "0:42");
  EXPECT_EQ(format_duration(3725), "1:02:05");
  EXPECT_EQ(format_duration(-1), "?");
}

TEST(ProgressBar, RedrawsWithCarriageReturnAndEndsWithSummary) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  {
    ProgressOptions opt;
    opt.stream = f;
    opt.redraw = ProgressOptions::Redraw::always;
    opt.min_interval_s = 0;
    opt.bar_width = 4;
    ProgressBar bar("eval", 3, opt);
    bar.advance();
    bar.advance(2);
    EXPECT_EQ(bar.done(), 3);
  }  // destructor finishes
  const std::string out = read_stream(f);
  std::fclose(f);
  EXPECT_EQ(out.rfind("\reval [#...] 1/3", 0), 0u) << out;
  EXPECT_NE(out.find("\reval [####] 3/3"), std::string::npos) << out;
  EXPECT_NE(out.find("\reval 3/3 in "), std::string::npos) << out;
  EXPECT_EQ(out.back(), '\n');
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1);
}

TEST(ProgressBar, NonTerminalGetsOnlyTheSummaryLine) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  ProgressOptions opt;
  opt.stream = f;  // a file is not a TTY: auto mode must not redraw
  ProgressBar bar("calib", 100, opt);
  std::vector<std::thread> workers;
  for (int t = 0; t < 4; ++t)
    workers.emplace_back([&] {
      for (int i = 0; i < 25; ++i) bar.advance();
    });
  for (auto& w : workers) w.join();
  bar.finish();
  bar.finish();  // idempotent
  const std::string out = read_stream(f);
  std::fclose(f);
  EXPECT_EQ(out.find('\r'), std::string::npos) << out;
  EXPECT_EQ(out.rfind("calib 100/100 in ", 0), 0u) << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1);
}

TEST(ProgressBar, ConcurrentRedrawsKeepCountAndEndWithSummary) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  ProgressOptions opt;
  opt.stream = f;
  opt.redraw = ProgressOptions::Redraw::always;
  opt.min_interval_s = 0;
  ProgressBar bar("run", 1000, opt);
  std::vector<std::thread> workers;
  for (int t = 0; t < 4; ++t)
    workers.emplace_back([&] {
      for (int i = 0; i < 250; ++i) bar.advance();
    });
  for (auto& w : workers) w.join();
  EXPECT_EQ(bar.done(), 1000);
  bar.finish();
  const std::string out = read_stream(f);
  std::fclose(f);
  const size_t last = out.rfind('\r');
  ASSERT_NE(last, std::string::npos);
  EXPECT_EQ(out.substr(last, 14), "\rrun 1000/1000") << out.substr(last);
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1);
}

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
