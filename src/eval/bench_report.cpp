#include "eval/bench_report.h"

#include "util/text_table.h"

namespace qd {

namespace {
const BenchCase* first_model_case(const BenchReport& r, int threads, int batch) {
  for (const BenchCase& c : r.cases)
    if (c.model == 0 && c.threads == threads && c.batch == batch) return &c;
  return nullptr;
}

std::string fmt_ms(double ms) { return format_number(ms < 100 ? "%.3f" : "%.1f", ms); }
std::string fmt_rate(double v) { return format_number(v < 100 ? "%.1f" : "%.0f", v); }
}  // namespace

std::vector<BenchRow> bench_rows(const BenchReport& report) {
  std::vector<BenchRow> rows;
  for (const BenchCase& c : report.cases) {
    BenchRow r;
    r.model = c.model < report.models.size() ? report.models[c.model].label : "?";
    r.threads = c.threads;
    r.batch = c.batch;
    r.median_ms = c.batch_ms.median();
    r.p90_ms = c.batch_ms.p90();
    r.cpu_median_ms = c.cpu_ms.median();
    if (r.median_ms > 0) {
      r.ms_per_image = r.median_ms / c.batch;
      r.images_per_second = c.batch * 1000.0 / r.median_ms;
    }
    const BenchCase* f = first_model_case(report, c.threads, c.batch);
    if (f && r.median_ms > 0) r.speedup_vs_first = f->batch_ms.median() / r.median_ms;
    rows.push_back(r);
  }
  return rows;
}

std::string format_bench_table(const BenchReport& report) {
  const std::string first = report.models.empty() ? "first" : report.models[0].label;
  std::vector<std::vector<std::string>> cells;
  for (const BenchRow& r : bench_rows(report))
    cells.push_back({r.model, std::to_string(r.threads), std::to_string(r.batch), fmt_ms(r.median_ms),
                     fmt_ms(r.p90_ms), r.cpu_median_ms > 0 ? fmt_ms(r.cpu_median_ms) : "-",
                     fmt_ms(r.ms_per_image), fmt_rate(r.images_per_second),
                     r.speedup_vs_first > 0 ? format_number("%.2fx", r.speedup_vs_first) : "-"});
  return format_text_table({"model", "threads", "batch", "median ms/batch", "p90 ms/batch", "cpu ms/batch",
                            "ms/image", "images/s", "speed-up vs " + first},
                           cells, {false, true, true, true, true, true, true, true, true});
}

std::string format_bench_report(const BenchReport& report, size_t profile_top_n) {
  std::string out = format_text_table({"model", "precision", "file"}, [&] {
    std::vector<std::vector<std::string>> rows;
    for (const BenchModel& m : report.models) rows.push_back({m.label, m.precision, m.path});
    return rows;
  }());
  out += "\n" + format_bench_table(report);
  for (const BenchCase& c : report.cases)
    if (c.ran_on_one_thread)
      out += "note: " + report.models[c.model].label + " at " + std::to_string(c.threads) +
             " threads, batch " + std::to_string(c.batch) +
             " ran on one thread: too few multiply-adds to split\n";
  out += "\nload time (open + compile + first inference, ms):\n";
  std::vector<std::vector<std::string>> load;
  for (const BenchModel& m : report.models)
    load.push_back({m.label, fmt_ms(m.open_ms), fmt_ms(m.compile_ms), fmt_ms(m.first_run_ms),
                    fmt_ms(m.load_ms()), fmt_ms(m.load_cpu_ms)});
  out += format_text_table({"model", "open", "compile", "first run", "total", "total cpu"}, load,
                           {false, true, true, true, true, true});
  out += format_number("\npeak RSS %.1f MB", report.peak_rss_mb);
  out += " · " + std::to_string(report.repeat) + " timed runs per case after " +
         std::to_string(report.warmup) + " warm-up, " +
         (report.block > 1 ? "models taking turns of " + std::to_string(report.block) + " runs"
                           : std::string("models interleaved run by run")) +
         " · inputs: " + std::to_string(report.images_decoded) + " images from " + report.images + "\n";
  out += report.cpu + ", " + std::to_string(report.cores) + " cores, oneDNN ISA " + report.isa +
         ", load average " + format_number("%.2f", report.load_average[0]) + " " +
         format_number("%.2f", report.load_average[1]) + " " + format_number("%.2f", report.load_average[2]) +
         " · " + report.date + "\n";
  for (const BenchCase& c : report.cases) {
    if (!c.profile) continue;
    const std::string head = "\nprofile: " + report.models[c.model].label + ", threads " +
                             std::to_string(c.threads) + ", batch " + std::to_string(c.batch);
    if (c.profile->empty()) {
      out += head + ": no per-step times (this runtime build does not record profiles)\n";
      continue;
    }
    out += head + " (median of " + std::to_string(c.profile->runs) + " profiled runs, top " +
           std::to_string(profile_top_n) + " steps)\n";
    out += format_profile(*c.profile, profile_top_n);
  }
  return out;
}

nlohmann::json bench_json(const BenchReport& report, size_t profile_top_n) {
  nlohmann::json j;
  j["config"] = report.config;
  j["images"] = report.images;
  j["images_decoded"] = report.images_decoded;
  j["repeat"] = report.repeat;
  j["warmup"] = report.warmup;
  j["block"] = report.block;
  j["date"] = report.date;
  j["machine"] = {{"cpu", report.cpu},
                  {"isa", report.isa},
                  {"cores", report.cores},
                  {"load_average", report.load_average}};
  j["peak_rss_mb"] = report.peak_rss_mb;
  j["models"] = nlohmann::json::array();
  for (const BenchModel& m : report.models)
    j["models"].push_back({{"label", m.label},
                           {"path", m.path},
                           {"precision", m.precision},
                           {"open_ms", m.open_ms},
                           {"compile_ms", m.compile_ms},
                           {"first_run_ms", m.first_run_ms},
                           {"load_ms", m.load_ms()},
                           {"load_cpu_ms", m.load_cpu_ms}});
  j["results"] = nlohmann::json::array();
  const std::vector<BenchRow> rows = bench_rows(report);
  for (size_t i = 0; i < rows.size(); ++i) {
    const BenchRow& r = rows[i];
    const BenchCase& c = report.cases[i];
    nlohmann::json e{{"model", r.model},
                     {"precision", c.model < report.models.size() ? report.models[c.model].precision : ""},
                     {"threads", r.threads},
                     {"batch", r.batch},
                     {"median_ms", r.median_ms},
                     {"p90_ms", r.p90_ms},
                     {"mean_ms", c.batch_ms.mean()},
                     {"min_ms", c.batch_ms.min()},
                     {"max_ms", c.batch_ms.max()},
                     {"ms_per_image", r.ms_per_image},
                     {"images_per_second", r.images_per_second},
                     {"speedup_vs_first", r.speedup_vs_first},
                     {"cpu_median_ms", r.cpu_median_ms},
                     {"runs", c.batch_ms.count()},
                     {"samples_ms", c.batch_ms.samples()},
                     {"cpu_samples_ms", c.cpu_ms.samples()},
                     {"ran_on_one_thread", c.ran_on_one_thread}};
    if (c.profile) e["profile"] = profile_json(*c.profile, profile_top_n);
    j["results"].push_back(std::move(e));
  }
  return j;
}

}  // namespace qd
