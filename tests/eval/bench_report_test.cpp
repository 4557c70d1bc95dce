// qdeploy bench's pieces that need no timing: list parsing, the derived numbers (median, p90, ms/image,
// images/s, speed-up), the table text, the JSON keys and the profile summary. Expected values are worked out
// by hand in the comments.
#include "eval/bench_report.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/error.h"
#include "eval/profile_summary.h"
#include "util/int_list.h"
#include "util/text_table.h"

namespace qd {
namespace {

std::string error_of(std::string_view text, int min_value = 1) {
  try {
    parse_int_list(text, "--threads", min_value);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::user);
    return e.what();
  }
  return "";
}

TEST(IntList, ParsesCommaSeparatedValuesKeepingOrderAndDroppingDuplicates) {
  EXPECT_EQ(parse_int_list("1,2", "--threads"), (std::vector<int>{1, 2}));
  EXPECT_EQ(parse_int_list("32", "--batch"), (std::vector<int>{32}));
  EXPECT_EQ(parse_int_list(" 1 , 8,32 ", "--batch"), (std::vector<int>{1, 8, 32}));
  EXPECT_EQ(parse_int_list("8,1,8", "--batch"), (std::vector<int>{8, 1}));
  EXPECT_EQ(parse_int_list("0,2", "--threads", 0), (std::vector<int>{0, 2}));
  EXPECT_EQ(format_int_list({1, 8, 32}), "1,8,32");
  EXPECT_EQ(format_int_list({}), "");
}

TEST(IntList, RejectsBadItemsNamingOptionAndItem) {
  EXPECT_EQ(error_of(""), "--threads: expected a comma-separated list of numbers, got an empty value");
  EXPECT_EQ(error_of("1,"), "--threads: empty item in '1,'");
  EXPECT_EQ(error_of(",1"), "--threads: empty item in ',1'");
  EXPECT_EQ(error_of("1,,2"), "--threads: empty item in '1,,2'");
  EXPECT_EQ(error_of("1,x"), "--threads: 'x' is not a whole number");
  EXPECT_EQ(error_of("1.5"), "--threads: '1.5' is not a whole number");
  EXPECT_EQ(error_of("2a"), "--threads: '2a' is not a whole number");
  EXPECT_EQ(error_of("0"), "--threads: '0' is out of range [1, 1000000]");
  EXPECT_EQ(error_of("-1", 0), "--threads: '-1' is out of range [0, 1000000]");
  EXPECT_EQ(error_of("1000001"), "--threads: '1000001' is out of range [1, 1000000]");
  EXPECT_EQ(error_of("99999999999999999999"),
            "--threads: '99999999999999999999' is out of range [1, 1000000]");
}

TEST(TextTable, PadsColumnsAndMarksRightAlignment) {
  const std::string t = format_text_table({"name", "n"}, {{"a", "10"}, {"long name", "7"}}, {false, true});
  EXPECT_EQ(t,
            "| name      |   n |\n"
            "| --------- | --: |\n"
            "| a         |  10 |\n"
            "| long name |   7 |\n");
  // A short row is padded with empty cells.
  EXPECT_EQ(format_text_table({"a", "b"}, {{"x"}}), "| a   | b   |\n| --- | --- |\n| x   |     |\n");
}

LatencyStats stats(std::vector<double> v) {
  LatencyStats s;
  for (double x : v) s.add(x);
  return s;
}

// Two models, one case each at threads 1 / batch 4, plus a case at batch 8 only the second model has.
BenchReport sample_report() {
  BenchReport r;
  r.config = "configs/x.toml";
  r.images = "imgs";
  r.images_decoded = 4;
  r.repeat = 4;
  r.warmup = 1;
  r.date = "2026-11-26T00:00:00Z";
  r.cpu = "Test CPU";
  r.cores = 2;
  r.peak_rss_mb = 123.4;
  r.models = {{"fp32", "a.onnx", "fp32", 10, 20, 5, 31}, {"int8", "b.param", "int8", 1, 2, 3, 4}};
  r.cases.push_back({0, 1, 4, stats({40, 10, 30, 20}), stats({9, 11, 10, 10}), std::nullopt});
  r.cases.push_back({1, 1, 4, stats({5, 5, 6, 4}), {}, std::nullopt});
  r.cases.push_back({1, 1, 8, stats({3, 1, 2}), {}, std::nullopt});
  return r;
}

TEST(BenchReport, DerivedNumbers) {
  const std::vector<BenchRow> rows = bench_rows(sample_report());
  ASSERT_EQ(rows.size(), 3u);
  // Sorted {10,20,30,40}: median = (20+30)/2 = 25; p90 rank 0.9*3 = 2.7 -> 30 + 0.7*10 = 37.
  EXPECT_DOUBLE_EQ(rows[0].median_ms, 25);
  EXPECT_DOUBLE_EQ(rows[0].p90_ms, 37);
  EXPECT_DOUBLE_EQ(rows[0].cpu_median_ms, 10);
  EXPECT_DOUBLE_EQ(rows[0].ms_per_image, 6.25);      // 25 / 4
  EXPECT_DOUBLE_EQ(rows[0].images_per_second, 160);  // 4 * 1000 / 25
  EXPECT_DOUBLE_EQ(rows[0].speedup_vs_first, 1);
  // {4,5,5,6}: median 5 -> 25 / 5 = 5x the first model; p90 rank 2.7 -> 5 + 0.7*1 = 5.7.
  EXPECT_DOUBLE_EQ(rows[1].median_ms, 5);
  EXPECT_DOUBLE_EQ(rows[1].p90_ms, 5.7);
  EXPECT_DOUBLE_EQ(rows[1].speedup_vs_first, 5);
  EXPECT_DOUBLE_EQ(rows[1].cpu_median_ms, 0);  // not recorded
  // {1,2,3}: median 2, p90 rank 1.8 -> 2.8; no first-model case at batch 8 -> no speed-up.
  EXPECT_DOUBLE_EQ(rows[2].median_ms, 2);
  EXPECT_NEAR(rows[2].p90_ms, 2.8, 1e-12);
  EXPECT_DOUBLE_EQ(rows[2].images_per_second, 4000);  // 8 * 1000 / 2
  EXPECT_DOUBLE_EQ(rows[2].speedup_vs_first, 0);
}

TEST(BenchReport, TableText) {
  const std::string t = format_bench_table(sample_report());
  EXPECT_NE(t.find("| model | threads | batch | median ms/batch | p90 ms/batch | cpu ms/batch | ms/image | "
                   "images/s | speed-up vs fp32 |"),
            std::string::npos)
      << t;
  EXPECT_NE(
      t.find("| fp32  |       1 |     4 |          25.000 |       37.000 |       10.000 |    6.250 |      "
             "160 |            1.00x |"),
      std::string::npos)
      << t;
  EXPECT_NE(
      t.find("| int8  |       1 |     4 |           5.000 |        5.700 |            - |    1.250 |      "
             "800 |            5.00x |"),
      std::string::npos)
      << t;
  EXPECT_NE(t.find("|     8 |           2.000 |        2.800 |            - |    0.250 |     4000 |          "
                   "      - |"),
            std::string::npos)
      << t;
  const std::string full = format_bench_report(sample_report());
  EXPECT_NE(full.find("peak RSS 123.4 MB"), std::string::npos) << full;
  EXPECT_NE(full.find("| fp32  | 10.000 |  20.000 |     5.000 | 35.000 |    31.000 |"), std::string::npos)
      << full;
  EXPECT_EQ(full.find("note:"), std::string::npos) << full;
  // A case whose model ran on one thread although more were asked for says so.
  BenchReport two = sample_report();
  two.cases[2].threads = 2;
  two.cases[2].ran_on_one_thread = true;
  const std::string noted = format_bench_report(two);
  EXPECT_NE(
      noted.find("note: int8 at 2 threads, batch 8 ran on one thread: too few multiply-adds to split\n"),
      std::string::npos)
      << noted;
  EXPECT_EQ(noted.find("note: fp32"), std::string::npos) << noted;
}

TEST(BenchReport, JsonKeysAndValues) {
  BenchReport r = sample_report();
  r.cases[0].profile = ProfileSummary{};
  const nlohmann::json j = bench_json(r);
  for (const char* k : {"config", "images", "images_decoded", "repeat", "warmup", "date", "machine",
                        "peak_rss_mb", "models", "results"})
    EXPECT_TRUE(j.contains(k)) << k;
  EXPECT_EQ(j["machine"]["cores"], 2);
  EXPECT_EQ(j["models"].size(), 2u);
  EXPECT_DOUBLE_EQ(j["models"][0]["load_ms"].get<double>(), 35);
  EXPECT_DOUBLE_EQ(j["models"][1]["load_cpu_ms"].get<double>(), 4);
  EXPECT_EQ(j["models"][1]["precision"], "int8");
  ASSERT_EQ(j["results"].size(), 3u);
  const auto& e = j["results"][1];
  for (const char* k : {"model", "precision", "threads", "batch", "median_ms", "p90_ms", "mean_ms", "min_ms",
                        "max_ms", "ms_per_image", "images_per_second", "speedup_vs_first", "cpu_median_ms",
                        "runs", "samples_ms", "cpu_samples_ms", "ran_on_one_thread"})
    EXPECT_TRUE(e.contains(k)) << k;
  EXPECT_EQ(e["model"], "int8");
  EXPECT_EQ(e["runs"], 4);
  EXPECT_DOUBLE_EQ(e["mean_ms"].get<double>(), 5);
  EXPECT_DOUBLE_EQ(e["speedup_vs_first"].get<double>(), 5);
  EXPECT_EQ(e["samples_ms"], (std::vector<double>{5, 5, 6, 4}));  // in measured order
  EXPECT_TRUE(j["results"][0].contains("profile"));
  EXPECT_FALSE(e.contains("profile"));
}

std::vector<runtime::StepProfile> run_of(double conv1, double conv2, double pool) {
  return {{"conv1", "conv int8 3x3", conv1}, {"pool", "pool avg", pool}, {"conv2", "conv int8 3x3", conv2}};
}

TEST(ProfileSummary, MedianPerStepSharesAndOps) {
  // conv1 {1,3,2} -> 2; pool {1,1,4} -> 1; conv2 {6,5,7} -> 6; total 9.
  const ProfileSummary s = summarize_profiles({run_of(1, 6, 1), {}, run_of(3, 5, 1), run_of(2, 7, 4)});
  EXPECT_EQ(s.runs, 3);  // the empty profile is ignored
  ASSERT_EQ(s.steps.size(), 3u);
  EXPECT_EQ(s.steps[0].name, "conv1");
  EXPECT_DOUBLE_EQ(s.steps[0].median_ms, 2);
  EXPECT_DOUBLE_EQ(s.steps[1].median_ms, 1);
  EXPECT_DOUBLE_EQ(s.steps[2].median_ms, 6);
  EXPECT_DOUBLE_EQ(s.total_ms, 9);
  EXPECT_DOUBLE_EQ(s.steps[2].share, 6.0 / 9);
  const auto top = s.top(2);
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0].name, "conv2");
  EXPECT_EQ(top[1].name, "conv1");
  ASSERT_EQ(s.by_op.size(), 2u);
  EXPECT_EQ(s.by_op[0].op, "conv int8 3x3");
  EXPECT_EQ(s.by_op[0].steps, 2);
  EXPECT_DOUBLE_EQ(s.by_op[0].ms, 8);
  EXPECT_DOUBLE_EQ(s.by_op[1].share, 1.0 / 9);
  const std::string text = format_profile(s, 2);
  EXPECT_NE(text.find("|   1 | conv2 | conv int8 3x3 |     6.000 | 66.7% |"), std::string::npos) << text;
  EXPECT_NE(text.find("|   2 | conv1 | conv int8 3x3 |     2.000 | 22.2% |"), std::string::npos) << text;
  const std::string steps_part = text.substr(0, text.find("\n\n"));
  EXPECT_EQ(steps_part.find("pool"), std::string::npos) << text;  // not in the top 2 steps
  EXPECT_NE(text.find("| pool avg                    |     1 | 1.000 |  11.1% |"), std::string::npos) << text;
  const nlohmann::json j = profile_json(s, 1);
  EXPECT_EQ(j["steps"].size(), 3u);
  EXPECT_EQ(j["top"].size(), 1u);
  EXPECT_EQ(j["top"][0]["name"], "conv2");
  EXPECT_EQ(j["by_op"][0]["steps"], 2);
}

TEST(ProfileSummary, EmptyAndMismatchedProfiles) {
  EXPECT_TRUE(summarize_profiles({}).empty());
  EXPECT_TRUE(summarize_profiles({{}, {}}).empty());
  EXPECT_THROW(summarize_profiles({run_of(1, 1, 1), {{"conv1", "conv", 1}}}), Error);
  auto other = run_of(1, 1, 1);
  other[1].name = "other";
  EXPECT_THROW(summarize_profiles({run_of(1, 1, 1), other}), Error);
}

}  // namespace
}  // namespace qd
