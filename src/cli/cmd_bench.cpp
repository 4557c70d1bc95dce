// qdeploy bench: speed of several models side by side on the same preprocessed images. One executor per
// (model, threads, batch); within a (threads, batch) group the models take turns run by run (the order
// rotates every repetition) so that machine noise hits all of them alike.
#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <set>

#include "cli/commands.h"
#include "cli/model_files.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "core/threads.h"
#include "data/batch_loader.h"
#include "data/dataset.h"
#include "data/model_config.h"
#include "eval/bench_report.h"
#include "eval/turn_schedule.h"
#include "runtime/cpu_isa.h"
#include "runtime/executor.h"
#include "runtime/onednn/onednn_executor.h"
#include "util/int_list.h"

namespace qd::cli {

namespace {
struct BenchArgs {
  std::string config;
  std::vector<std::string> models;
  std::vector<std::string> labels;
  std::string threads = "1";
  std::string batch = "1";
  int repeat = 20;
  int warmup = 3;
  int block = 10;
  std::string images;
  std::string json;
  bool profile = false;
  int profile_top = 10;
  bool plan = false;
  std::string winograd = "when_faster";
};

// Preprocessed images, decoded once; a batch of any size repeats them in order.
struct InputImages {
  Tensor rows;  // [n, 3, H, W]
  int count = 0;

  Tensor batch(int size) const {
    Shape s = rows.shape();
    const size_t row_bytes = rows.nbytes() / count;
    s[0] = size;
    Tensor t(DataType::f32, s);
    for (int i = 0; i < size; ++i)
      std::memcpy(static_cast<char*>(t.raw()) + i * row_bytes,
                  static_cast<const char*>(rows.raw()) + (i % count) * row_bytes, row_bytes);
    return t;
  }
};

InputImages load_images(const ModelConfig& cfg, const std::string& path, int wanted) {
  Dataset ds = limit(open_dataset(path, cfg.dataset_options), static_cast<size_t>(wanted));
  BatchLoaderOptions lo;
  lo.batch_size = wanted;
  lo.on_skip = [](const std::string& p, const std::string& reason) {
    std::fprintf(stderr, "qdeploy: warning: skipped %s: %s\n", p.c_str(), reason.c_str());
  };
  BatchLoader loader(ds, cfg.preprocess, lo);
  Batch b;
  if (!loader.next(b) || b.size() == 0) fail(path, "no readable images");
  return {b.input, b.size()};
}

std::string utc_now() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string cpu_name() {
  std::ifstream f("/proc/cpuinfo");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind("model name", 0) == 0) {
      const size_t colon = line.find(':');
      if (colon != std::string::npos) return line.substr(line.find_first_not_of(" \t", colon + 1));
    }
  return "unknown CPU";
}

double process_cpu_ms() {  // all threads of this process
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec * 1e-6;
}

double peak_rss_mb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024.0;  // Linux reports kilobytes
}

std::vector<std::string> model_labels(const BenchArgs& a) {
  if (!a.labels.empty()) {
    if (a.labels.size() != a.models.size())
      fail("--label", "give one label per --model (" + std::to_string(a.models.size()) + "), got " +
                          std::to_string(a.labels.size()));
    return a.labels;
  }
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (size_t i = 0; i < a.models.size(); ++i) {
    std::string name = std::filesystem::path(a.models[i]).filename().string();
    if (!seen.insert(name).second) name += "#" + std::to_string(i + 1);
    out.push_back(name);
  }
  return out;
}

runtime::CompileOptions compile_options(const BenchArgs& a, int threads, int batch, bool profile = false) {
  runtime::CompileOptions o;
  o.threads = threads;
  o.batch = batch;
  o.profile = profile;
  o.winograd = a.winograd == "always"  ? runtime::WinogradPolicy::always
               : a.winograd == "never" ? runtime::WinogradPolicy::never
                                       : runtime::WinogradPolicy::when_faster;
  return o;
}

int run_bench(const BenchArgs& a) {
  if (a.repeat < 1) fail("--repeat", "must be at least 1");
  if (a.warmup < 0) fail("--warmup", "must be at least 0");
  std::vector<int> threads = parse_int_list(a.threads, "--threads", 0);
  for (int& t : threads) t = resolve_threads(t);  // show the count that runs
  const std::vector<int> batches = parse_int_list(a.batch, "--batch");
  const std::vector<std::string> labels = model_labels(a);
  std::vector<std::string> warnings;
  const ModelConfig cfg = load_model_config(a.config, &warnings);
  for (auto& w : warnings) std::fprintf(stderr, "qdeploy: warning: %s\n", w.c_str());

  BenchReport report;
  report.config = a.config;
  report.images = a.images.empty() ? cfg.test_data : a.images;
  if (report.images.empty()) fail(a.config, "no images: give --images or set dataset.test in the config");
  report.repeat = a.repeat;
  report.warmup = a.warmup;
  report.block = a.block;
  report.date = utc_now();
  report.cpu = cpu_name();
  report.isa = runtime::onednn_cpu_isa();
  report.cores = available_cores();
  const int max_batch = *std::max_element(batches.begin(), batches.end());
  const InputImages images = load_images(cfg, report.images, max_batch);
  report.images_decoded = images.count;

  // Load time of each model: open + compile + first inference at the first threads/batch.
  std::vector<ir::Model> models;
  for (size_t m = 0; m < a.models.size(); ++m) {
    BenchModel info;
    info.label = labels[m];
    info.path = a.models[m];
    const Tensor in = images.batch(batches[0]);
    const double cpu0 = process_cpu_ms();
    Stopwatch sw;
    models.push_back(load_model_files({a.models[m]}, cfg.input_shape));
    info.open_ms = sw.elapsed_ms();
    info.precision = models.back().quant.empty() ? "fp32" : "int8";
    sw.restart();
    auto ex = runtime::compile(models.back(), compile_options(a, threads[0], batches[0]));
    info.compile_ms = sw.elapsed_ms();
    if (a.plan)
      std::printf("plan: %s (threads %d, batch %d)\n%s\n", labels[m].c_str(), threads[0], batches[0],
                  runtime::onednn_plan_summary(*ex).c_str());
    sw.restart();
    ex->run({in});
    info.first_run_ms = sw.elapsed_ms();
    info.load_cpu_ms = process_cpu_ms() - cpu0;
    report.models.push_back(info);
  }

  double loads[3] = {0, 0, 0};
  if (getloadavg(loads, 3) == 3) report.load_average = {loads[0], loads[1], loads[2]};
  const size_t n = models.size();
  for (int t : threads)
    for (int b : batches) {
      std::fprintf(stderr, "bench: threads %d, batch %d: %zu models x %d runs\n", t, b, n, a.repeat);
      const Tensor in = images.batch(b);
      std::vector<std::unique_ptr<runtime::Executor>> ex;
      for (const ir::Model& m : models) ex.push_back(runtime::compile(m, compile_options(a, t, b)));
      const size_t first_case = report.cases.size();
      for (size_t m = 0; m < n; ++m) {
        report.cases.push_back(BenchCase{m, t, b, {}, {}, std::nullopt});
        report.cases.back().ran_on_one_thread = runtime::onednn_runs_on_one_thread(*ex[m]);
      }
      for (int w = 0; w < a.warmup; ++w)
        for (auto& e : ex) e->run({in});
      for (const ScheduledRun& run : turn_schedule(n, a.repeat, a.block)) {
        if (!run.timed) {
          ex[run.model]->run({in});
          continue;
        }
        const double cpu0 = process_cpu_ms();
        Stopwatch sw;
        ex[run.model]->run({in});
        const double wall = sw.elapsed_ms();
        report.cases[first_case + run.model].batch_ms.add(wall);
        report.cases[first_case + run.model].cpu_ms.add(process_cpu_ms() - cpu0);
      }
      ex.clear();
      if (!a.profile) continue;
      // Profiling runs are separate so that their bookkeeping never touches the timings above.
      for (size_t m = 0; m < n; ++m) {
        auto pe = runtime::compile(models[m], compile_options(a, t, b, true));
        std::vector<std::vector<runtime::StepProfile>> runs;
        for (int w = 0; w < std::max(1, a.warmup); ++w) pe->run({in});
        for (int r = 0; r < a.repeat; ++r) {
          pe->run({in});
          runs.push_back(pe->last_profile());
        }
        report.cases[first_case + m].profile = summarize_profiles(runs);
      }
    }
  report.peak_rss_mb = peak_rss_mb();

  std::printf("%s", format_bench_report(report, static_cast<size_t>(a.profile_top)).c_str());
  if (!a.json.empty()) {
    const std::string text = bench_json(report, static_cast<size_t>(a.profile_top)).dump(1);
    write_file_atomic(a.json, [&](std::ostream& os) { os << text << "\n"; });
  }
  return 0;
}
}  // namespace

void register_bench(CLI::App& app) {
  auto a = std::make_shared<BenchArgs>();
  auto* sub = app.add_subcommand(
      "bench",
      "Speed of models side by side (median/p90 ms per batch, images/s, speed-up over the first model)");
  sub->add_option("config", a->config, "model config (configs/*.toml): input size, preprocessing, images")
      ->required();
  sub->add_option(
         "--model", a->models,
         "model.onnx or model.param (fp32 or int8 ncnn; the .bin next to it); repeat for more models, "
         "the first is the reference for the speed-up column")
      ->required();
  sub->add_option("--label", a->labels, "a name per --model for the tables (default: file names)");
  sub->add_option("--threads", a->threads, "thread counts, comma-separated (0 = all cores)")
      ->capture_default_str();
  sub->add_option("--batch", a->batch, "batch sizes, comma-separated")->capture_default_str();
  sub->add_option("--repeat", a->repeat, "timed runs per model and case")->capture_default_str();
  sub->add_option("--warmup", a->warmup, "untimed runs per model and case")->capture_default_str();
  sub->add_option("--block", a->block,
                  "timed runs of one model back to back before the next model's turn (each turn starts "
                  "with one untimed run); 1 = the models alternate run by run, each run starting with the "
                  "caches the other model left")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  sub->add_option("--images", a->images, "images to feed (dataset path; default: the config's test set)");
  sub->add_option("--json", a->json, "also write the results as JSON to this file");
  sub->add_flag("--profile", a->profile, "per-step times (median over --repeat profiled runs), top steps");
  sub->add_option("--profile-top", a->profile_top, "steps shown per profile")->capture_default_str();
  sub->add_flag("--plan", a->plan,
                "print each model's compiled plan: the kernel of every layer (oneDNN primitive or ours), "
                "fusions, reorders and quantize steps");
  sub->add_option("--winograd", a->winograd,
                  "fp32 3x3 stride-1 convs as Winograd F(2x2,3x3): when_faster (default: convs of >= 64 "
                  "channels and >= 8M MACs), always, never (all direct; to measure what Winograd gains)")
      ->check(CLI::IsMember({"when_faster", "always", "never"}))
      ->capture_default_str();
  add_command(sub, [a] { return run_bench(*a); });
}

}  // namespace qd::cli
