#include "util/progress.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <thread>

#include "core/error.h"
#include "data/test_files.h"

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

}  // namespace
}  // namespace qd
