// Results of `qdeploy bench`: per (model, threads, batch) latency samples, the derived table (median and p90
// ms per batch, ms/image, images/s, speed-up over the first model) and the same as JSON.
#pragma once
#include <array>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "eval/latency.h"
#include "eval/profile_summary.h"

namespace qd {

struct BenchModel {
  std::string label;      // shown in tables
  std::string path;       // the model file given
  std::string precision;  // "fp32" or "int8"
  // Load time = open (read + import) + compile (first threads/batch) + first inference.
  double open_ms = 0, compile_ms = 0, first_run_ms = 0;
  double load_ms() const { return open_ms + compile_ms + first_run_ms; }
  // CPU time of the process over the three (all threads): what other load on a shared machine does not
  // stretch, unlike the wall times.
  double load_cpu_ms = 0;
};

// One measured combination.
struct BenchCase {
  size_t model = 0;  // index into BenchReport::models
  int threads = 0;
  int batch = 1;
  LatencyStats batch_ms;                  // wall time of each timed run (one batch each)
  LatencyStats cpu_ms;                    // process CPU time of each timed run (all threads; robust to a
                                          // busy machine at one thread, includes spin-waiting at more)
  std::optional<ProfileSummary> profile;  // with --profile
  bool ran_on_one_thread = false;         // threads > 1 asked for, but the model is too small to split
};

struct BenchReport {
  std::string config;          // model config path
  std::string images;          // where the inputs came from
  int images_decoded = 0;      // distinct images fed (batches repeat them when larger)
  int repeat = 0, warmup = 0;  // timed and untimed runs per case
  int block = 1;               // timed runs of one model back to back per turn (1: run by run)
  std::string date;            // UTC, ISO 8601
  std::string cpu;             // /proc/cpuinfo model name
  std::string isa;  // the ISA oneDNN dispatches to (runtime::onednn_cpu_isa), e.g. "avx512_core_vnni"
  int cores = 0;
  std::array<double, 3> load_average{0, 0, 0};  // at the start of the measurement
  double peak_rss_mb = 0;                       // getrusage ru_maxrss of the whole run
  std::vector<BenchModel> models;
  std::vector<BenchCase> cases;  // grouped by (threads, batch), models in order within a group
};

// Numbers derived from one case.
struct BenchRow {
  std::string model;
  int threads = 0, batch = 1;
  double median_ms = 0, p90_ms = 0;
  double cpu_median_ms = 0;      // 0 when CPU time was not recorded
  double ms_per_image = 0;       // median_ms / batch
  double images_per_second = 0;  // batch * 1000 / median_ms
  // median of the first model at the same threads and batch / this median (2.0 = twice as fast as the
  // first model); 0 when the first model has no such case.
  double speedup_vs_first = 0;
};

std::vector<BenchRow> bench_rows(const BenchReport& report);

// The readable report: the results table, load times, peak RSS; profiles when present (top_n steps each).
std::string format_bench_report(const BenchReport& report, size_t profile_top_n = 10);
// Only the results table (Markdown pipe table).
std::string format_bench_table(const BenchReport& report);

// {"config", "images", "images_decoded", "repeat", "warmup", "block", "date",
//  "machine": {"cpu", "isa", "cores", "load_average"}, "peak_rss_mb",
//  "models": [{"label", "path", "precision", "open_ms", "compile_ms", "first_run_ms", "load_ms",
//              "load_cpu_ms"}],
//  "results": [{"model", "precision", "threads", "batch", "median_ms", "p90_ms", "mean_ms", "min_ms",
//               "max_ms", "ms_per_image", "images_per_second", "speedup_vs_first", "cpu_median_ms", "runs",
//               "samples_ms", "cpu_samples_ms", "profile" (with --profile)}]}
nlohmann::json bench_json(const BenchReport& report, size_t profile_top_n = 10);

}  // namespace qd
