// qdeploy analyze: per-layer int8 error (SNR, cosine) against fp32, graph-wise and layer-wise, as a sorted
// terminal table, JSON, a bar chart of SNR per layer and input histograms of the worst layers.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/console.h"
#include "cli/model_files.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "eval/bar_chart.h"
#include "eval/chart_canvas.h"
#include "eval/histogram_chart.h"
#include "util/progress.h"
#include "frontend/ncnn/ncnn_table_reader.h"
#include "pipeline/dataset_batch_source.h"
#include "quant/analyse/quant_error_analysis.h"

namespace qd::cli {

namespace {
namespace fs = std::filesystem;

struct AnalyzeArgs {
  std::string config, images, out_dir = "analysis", json, rank_by = "layer";
  std::vector<std::string> files;
  size_t num = 256;
  int batch = 16, threads = 0, worst = 3;
};

struct ModelPair {
  ir::Model fp32, int8;
  std::string fp32_name, int8_name;
};

bool has_ext(const std::string& f, const char* ext) { return fs::path(f).extension() == ext; }

// files: fp32 (model.onnx | model.param [model.bin]) then int8 (int8.param [int8.bin] | calib.table).
ModelPair load_models(const std::vector<std::string>& files, const Shape& input_shape) {
  const char* usage = "expected <fp32 model.onnx | .param [.bin]> <int8 .param [.bin] | .table>";
  if (files.size() < 2) fail("", usage);
  size_t i = 0;
  std::vector<std::string> fp32_files{files[i++]};
  if (has_ext(fp32_files[0], ".param") && i < files.size() && has_ext(files[i], ".bin"))
    fp32_files.push_back(files[i++]);
  if (i >= files.size()) fail("", usage);
  ModelPair m;
  m.fp32 = load_model_files(fp32_files, input_shape);
  m.fp32.quant = {};
  m.fp32_name = fp32_files[0];
  m.int8_name = files[i];
  if (has_ext(files[i], ".table")) {
    if (i + 1 != files.size()) fail(files[i + 1], std::string("unexpected argument; ") + usage);
    if (!fs::exists(files[i])) fail(files[i], "no such file");
    m.int8 = m.fp32;
    m.int8.quant = frontend::load_ncnn_table(files[i], m.fp32.graph);
  } else if (has_ext(files[i], ".param")) {
    std::vector<std::string> int8_files(files.begin() + static_cast<long>(i), files.end());
    if (int8_files.size() > 2 || (int8_files.size() == 2 && !has_ext(int8_files[1], ".bin"))) fail("", usage);
    m.int8 = load_model_files(int8_files, input_shape);
    if (m.int8.quant.empty()) fail(files[i], "not an int8 model (no layer has int8 scales)");
  } else {
    fail(files[i], std::string("unknown int8 model format; ") + usage);
  }
  return m;
}

nlohmann::json finite_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); }

std::string safe_file_part(const std::string& s) {
  std::string out;
  for (char c : s) out += (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_') ? c : '_';
  return out;
}

void print_table(const quant::AnalysisResult& r, const std::vector<size_t>& order) {
  size_t w = 5;
  for (const auto& e : r.layers) w = std::max(w, e.node.size());
  std::printf("%4s  %-*s %-4s %5s  %9s %8s  %9s %8s  %9s %9s %8s\n", "rank", static_cast<int>(w), "layer",
              "op", "wbits", "graph SNR", "cos", "layer SNR", "cos", "threshold", "absmax", "clipped");
  for (size_t k = 0; k < order.size(); ++k) {
    const quant::LayerError& e = r.layers[order[k]];
    const double clipped = e.input_count ? 100.0 * e.input_clipped / e.input_count : 0.0;
    std::printf("%4zu  %-*s %-4s %5d  %9.2f %8.5f  %9.2f %8.5f  %9.4f %9.4f %7.3f%%\n", k + 1,
                static_cast<int>(w), e.node.c_str(), e.op.c_str(), e.weight_bits, e.graph_wise.snr_db(),
                e.graph_wise.cosine(), e.layer_wise.snr_db(), e.layer_wise.cosine(), e.clip_threshold(),
                e.input_absmax, clipped);
  }
}

Image snr_chart(const quant::AnalysisResult& r, const std::string& title) {
  BarChartSpec spec;
  spec.title = title;
  spec.value_label = "SNR (dB), higher is better";
  BarSeries gw{"graph-wise (errors accumulate)", chart::kBlue, {}},
      lw{"layer-wise (only this layer int8)", chart::kOrange, {}};
  for (const quant::LayerError& e : r.layers) {
    spec.categories.push_back(e.node);
    gw.values.push_back(e.graph_wise.snr_db());
    lw.values.push_back(e.layer_wise.snr_db());
  }
  spec.series = {gw, lw};
  return draw_bar_chart(spec);
}

Image input_histogram(const quant::LayerError& e, int rank) {
  HistogramSpec spec;
  const double threshold = e.clip_threshold();
  const double x_max = std::max<double>(std::max<double>(e.input_absmax, threshold), 1e-12) * 1.05;
  constexpr int kBins = 256;
  spec.title = "#" + std::to_string(rank) + " " + e.node + ": |input| of '" + e.input_value + "' (fp32)";
  spec.x_label = "|x|";
  spec.x_min = 0;
  spec.x_max = x_max;
  spec.counts = e.input_histogram.rebinned(kBins, x_max);
  spec.markers = {{threshold, chart::kRed, "clip threshold 127*step = " + chart::format_number(threshold, 4)},
                  {e.input_absmax, chart::kGreen, "max = " + chart::format_number(e.input_absmax, 4)}};
  const double total = static_cast<double>(std::max<uint64_t>(1, e.input_count));
  spec.notes = {"layer-wise SNR " + chart::format_number(e.layer_wise.snr_db(), 2) + " dB, graph-wise " +
                    chart::format_number(e.graph_wise.snr_db(), 2) + " dB",
                "clipped " + chart::format_number(100.0 * e.input_clipped / total, 3) + "%, zeros " +
                    chart::format_number(100.0 * e.input_histogram.zero_count() / total, 1) +
                    "% (not drawn)"};
  return draw_histogram_chart(spec);
}

int run_analyze(const AnalyzeArgs& a) {
  const auto t0 = std::chrono::steady_clock::now();
  ModelConfig cfg = load_model_config(a.config);
  const std::string images = a.images.empty() ? cfg.calib_data : a.images;
  if (images.empty()) fail(a.config, "no --images given and the config has no dataset.calib");
  if (a.rank_by != "layer" && a.rank_by != "graph") fail("", "--rank-by must be 'layer' or 'graph'");
  ModelPair m = load_models(a.files, cfg.input_shape);
  ensure_writable_dir(a.out_dir);
  pipeline::DatasetBatchSource src(images, cfg, a.num, a.batch, warn_skipped);
  quant::AnalysisOptions opt;
  opt.batch = a.batch;
  opt.num_threads = a.threads;
  ProgressBar bar("analyze", static_cast<int64_t>(src.size()));
  const quant::AnalysisResult r =
      quant::analyze_quant_error(m.fp32, m.int8, src, opt, [&](size_t, size_t) { bar.advance(1); });
  bar.finish();
  const quant::RankBy by = a.rank_by == "graph" ? quant::RankBy::graph_wise : quant::RankBy::layer_wise;
  const std::vector<size_t> order = quant::rank_worst_first(r, by);
  const double analysis_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  std::printf("analyze: %s vs %s, %llu images, %zu quantized layers, worst first by %s-wise SNR (dB)\n",
              m.int8_name.c_str(), m.fp32_name.c_str(), static_cast<unsigned long long>(r.images),
              r.layers.size(), a.rank_by.c_str());
  print_table(r, order);

  const std::string chart_path = (fs::path(a.out_dir) / "snr_per_layer.png").string();
  save_png(snr_chart(r, "int8 vs fp32 SNR per layer: " + fs::path(m.int8_name).filename().string() + " (" +
                            std::to_string(r.images) + " images)"),
           chart_path);
  std::vector<std::string> hist_paths;
  for (int k = 0; k < std::min<int>(a.worst, static_cast<int>(order.size())); ++k) {
    const quant::LayerError& e = r.layers[order[k]];
    hist_paths.push_back((fs::path(a.out_dir) /
                          ("worst" + std::to_string(k + 1) + "_" + safe_file_part(e.node) + "_input.png"))
                             .string());
    save_png(input_histogram(e, k + 1), hist_paths.back());
  }

  nlohmann::json j;
  j["fp32_model"] = m.fp32_name;
  j["int8_model"] = m.int8_name;
  j["images"] = r.images;
  j["rank_by"] = a.rank_by + "_wise_snr";
  j["snr_definition"] = "10*log10(sum fp32^2 / sum (fp32 - int8)^2) over all images; null = no error";
  j["layer_wise_mode"] = "real int8 (runtime Int8Mode::real), one layer alone on the fp32 graph's input";
  j["seconds"] = analysis_s;
  j["bar_chart"] = chart_path;
  j["histograms"] = hist_paths;
  nlohmann::json layers = nlohmann::json::array();
  for (size_t k = 0; k < order.size(); ++k) {
    const quant::LayerError& e = r.layers[order[k]];
    nlohmann::json l;
    l["rank"] = k + 1;
    l["layer"] = e.node;
    l["op"] = e.op;
    l["input"] = e.input_value;
    l["weight_bits"] = e.weight_bits;
    l["input_step"] = e.input_step;
    l["clip_threshold"] = e.clip_threshold();
    l["input_absmax"] = e.input_absmax;
    l["input_clipped_fraction"] = e.input_count ? static_cast<double>(e.input_clipped) / e.input_count : 0.0;
    l["graph_wise"] = {{"snr_db", finite_or_null(e.graph_wise.snr_db())}, {"cosine", e.graph_wise.cosine()}};
    l["layer_wise"] = {{"snr_db", finite_or_null(e.layer_wise.snr_db())}, {"cosine", e.layer_wise.cosine()}};
    layers.push_back(l);
  }
  j["layers"] = layers;
  const std::string json_path = a.json.empty() ? (fs::path(a.out_dir) / "analysis.json").string() : a.json;
  write_file_atomic(json_path, j.dump(2) + "\n");
  std::printf("analyze: %.1f s; wrote %s, %s and %zu histogram(s) in %s\n", analysis_s, json_path.c_str(),
              chart_path.c_str(), hist_paths.size(), a.out_dir.c_str());
  return 0;
}
}  // namespace

void register_analyze(CLI::App& app) {
  auto a = std::make_shared<AnalyzeArgs>();
  auto* sub = app.add_subcommand(
      "analyze", "Per-layer int8 error vs fp32 (SNR, cosine; graph-wise and layer-wise) with charts");
  sub->add_option("config", a->config, "model config")->required();
  sub->add_option("models", a->files,
                  "fp32 model (model.onnx | model.param [model.bin]) then the int8 model "
                  "(int8.param [int8.bin]) or a .table applied to the fp32 model")
      ->required();
  sub->add_option("--images", a->images, "images to analyse (default: dataset.calib of the config)");
  sub->add_option("--num", a->num, "at most N images (0 = all)")->capture_default_str();
  sub->add_option("--out-dir", a->out_dir, "folder for the PNG charts (and the JSON)")->capture_default_str();
  sub->add_option("--json", a->json, "JSON report path (default: <out-dir>/analysis.json)");
  sub->add_option("--rank-by", a->rank_by, "layer | graph: which SNR sorts the table")->capture_default_str();
  sub->add_option("--worst", a->worst, "input histograms for the N worst layers")->capture_default_str();
  sub->add_option("--batch", a->batch, "batch size")->capture_default_str();
  sub->add_option("--threads", a->threads, "threads (0 = all cores)")->capture_default_str();
  add_command(sub, [a] { return run_analyze(*a); });
}

}  // namespace qd::cli
