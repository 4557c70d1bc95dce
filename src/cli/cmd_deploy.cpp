// qdeploy deploy: convert -> calibrate -> quantize in one command, then fp32 vs int8 on a test image, their
// batch-1 speed, the per-layer int8 SNR and (with a labelled test set) accuracy and confusion matrices.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/console.h"
#include "cli/model_files.h"
#include "cli/pytorch_export.h"
#include "core/atomic_file.h"
#include "core/error.h"
#include "data/dataset.h"
#include "data/deploy_config.h"
#include "data/image.h"
#include "data/preprocess.h"
#include "eval/report_html.h"
#include "eval/topk.h"
#include "exporters/ncnn/ncnn_table_writer.h"
#include "exporters/ncnn/ncnn_writer.h"
#include "exporters/onnx/onnx_writer.h"
#include "frontend/onnx/onnx_importer.h"
#include "pipeline/dataset_calibration.h"
#include "pipeline/deploy_measure.h"
#include "pipeline/onnxruntime_runner.h"
#include "pipeline/validation_set.h"
#include "quant/auto_quant.h"
#include "quant/mixed_precision.h"
#include "quant/ptq_passes.h"
#include "runtime/executor.h"
#include "settings/deploy_target.h"
#include "settings/name_list.h"
#include "settings/range_method.h"
#include "settings/weight_bits.h"
#include "util/progress.h"

namespace qd::cli {

namespace fs = std::filesystem;

namespace {
constexpr size_t kSnrBudgetImages = 32;  // --min-snr's measure: ranking every layer costs one run each

struct DeployArgs {
  std::string deploy_config, model_config, model, image, work_dir = "work_dirs/deploy", quant_dir, method,
                                                         arch, passes, test_dataset;
  bool quant = false;
  int64_t test_num = -1;   // -1 = the deploy config's test.num
  int64_t calib_num = -1;  // -1 = the deploy config's quantize.calib_num
  int64_t snr_num = 32;    // images for the per-layer SNR analysis (0 = skip it)
  double max_drop = -1;    // < 0: no mixed precision
  double min_snr = NAN;    // NaN: no output-SNR budget
  size_t val_num = 500;    // labelled calibration images measuring accuracy for --max-drop
  int weight_bits = 0;     // 0 = by backend (ncnn: 6-bit for winograd-eligible convs)
  int threads = -1;        // -1 = the deploy config's test.threads (0 = all cores)
};

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

nlohmann::json file_info(const std::string& p) {
  return {{"path", p}, {"bytes", fs::exists(p) ? fs::file_size(p) : 0}};
}

std::vector<float> scores_for(const ir::Model& m, const Tensor& input, int threads) {
  runtime::CompileOptions co;
  co.threads = threads;
  auto exec = runtime::compile(m, co);
  Tensor out = exec->run({input}).at(0);
  return {out.data<float>(), out.data<float>() + out.numel()};
}

void write_result_png(const Image& img, const std::string& text, const std::string& path) {
  Image big = enlarge_nearest(img, 8);
  draw_text(big, 4, 4, text, 18.f, Rgb{255, 255, 0});
  save_png(big, path);
}

int run_deploy(DeployArgs a) {
  std::vector<std::string> warnings;
  DeployConfig dc = load_deploy_config(a.deploy_config, &warnings);
  ModelConfig mc = load_model_config(a.model_config, &warnings);
  for (auto& w : warnings) std::fprintf(stderr, "qdeploy: warning: %s\n", w.c_str());
  bool quant = a.quant || dc.quantize.enabled;
  // Settings are parsed here, before any file is written: the deploy config's were parsed by its loader.
  std::optional<RangeMethod> chosen_method =  // nullopt = auto
      a.method.empty() ? dc.quantize.method : parse_range_method_or_auto(a.method, "--calib-method");
  const int weight_bits = parse_weight_bits(a.weight_bits, "--weight-bits");
  std::string pass_list = a.passes;  // --passes overrides the deploy config's quantize.passes
  if (pass_list.empty())
    for (const std::string& p : dc.quantize.passes) pass_list += (pass_list.empty() ? "" : ",") + p;
  std::vector<std::string> passes =  // fail before any work
      quant::parse_ptq_passes(pass_list, a.passes.empty() ? a.deploy_config : "--passes");
  const bool auto_mode = quant && !chosen_method;  // issue 5: try methods and passes, keep the best
  if (auto_mode && !passes.empty())
    fail(a.passes.empty() ? a.deploy_config : "--passes",
         "PTQ passes cannot be combined with --calib-method auto, which tries them itself");
  if (a.test_num < -1) fail("--test-num", "must be at least 0 (0 = every image)");
  if (a.calib_num == 0 || a.calib_num < -1) fail("--calib-num", "must be at least 1");
  if (a.snr_num < 0) fail("--snr-num", "must be at least 0 (0 = no SNR analysis)");
  if (a.threads < -1) fail("--threads", "must be at least 0 (0 = all cores)");
  if (a.threads >= 0) dc.test.threads = a.threads;
  const size_t calib_num = static_cast<size_t>(a.calib_num > 0 ? a.calib_num : dc.quantize.calib_num);
  const std::string test_data = a.test_dataset.empty() ? dc.test.dataset : a.test_dataset;
  const size_t test_num = static_cast<size_t>(a.test_num >= 0 ? a.test_num : dc.test.num);

  // Every input is read or checked before the first output is written (issue 6): a bad test image, a
  // missing calibration or test set fails here and leaves the work dir as it was.
  Image img = decode_image(a.image, mc.max_pixels, image_loader(mc.preprocess));
  Tensor input(DataType::f32, {1, 3, mc.preprocess.height, mc.preprocess.width});
  try {
    image_to_nchw(img, mc.preprocess, input.data<float>());
  } catch (const Error& e) {  // e.g. smaller than the crop: name the image
    if (e.kind() != ErrorKind::user) throw;
    fail(a.image, e.what());
  }
  const std::string images = a.quant_dir.empty() ? mc.calib_data : a.quant_dir;
  if (quant) {
    if (images.empty())
      fail(a.model_config, "no calibration images: give --quant-image-dir or set dataset.calib");
    (void)open_dataset(images, mc.dataset_options);  // throws for a missing or empty folder
  }
  if (!test_data.empty()) pipeline::check_test_dataset(test_data, mc);
  // --max-drop measures accuracy on labelled calibration images (e.g. cifar10/calib's <class>_* names).
  quant::LabelledBatches validation;
  if (quant && a.max_drop >= 0)
    validation = pipeline::load_validation_set(mc, images, a.val_num, 16, warn_skipped);
  // Auto mode scores candidates by top-1 on the same labelled calibration subset, or, without labels, by
  // the int8 output's SNR on calibration batches.
  if (auto_mode && validation.inputs.empty() && pipeline::open_labelled_dataset(mc, images))
    validation = pipeline::load_validation_set(mc, images, a.val_num, 16, warn_skipped);

  ensure_writable_dir(a.work_dir);
  std::string base = (fs::path(a.work_dir) / "end2end").string();
  nlohmann::json report;
  report["stages"] = nlohmann::json::array();
  // A PyTorch checkpoint is exported to ONNX first; a.model then names that file.
  if (auto st = deploy_pytorch_stage(a.model, a.arch, mc, a.work_dir); !st.is_null())
    report["stages"].push_back(st);

  // The int8 flow runs on the IR: only the ncnn target needs the ncnn writer (and stops, exit 2, at a
  // layer ncnn cannot express); qdeploy and onnxruntime deploy every model our runtime runs.
  const TargetProfile& target = target_profile(dc.target);
  auto t = std::chrono::steady_clock::now();
  ir::Model fp32 = frontend::import_onnx(a.model);
  copy_file_atomic(a.model, base + ".onnx");
  // json::array: clang reads `json x = {obj}` as a copy of obj, gcc as a one-element array.
  nlohmann::json convert_outputs = nlohmann::json::array({file_info(base + ".onnx")});
  if (target.writes_ncnn_files) {
    exporters::save_ncnn(fp32, base + ".param", base + ".bin");
    convert_outputs.push_back(file_info(base + ".param"));
    convert_outputs.push_back(file_info(base + ".bin"));
  }
  report["stages"].push_back({{"stage", "convert"},
                              {"inputs", nlohmann::json::array({file_info(a.model)})},
                              {"outputs", convert_outputs},
                              {"seconds", seconds_since(t)}});
  std::printf("[1/3] convert   %.2f s -> %s%s\n", seconds_since(t), base.c_str(),
              target.writes_ncnn_files ? ".param/.bin" : ".onnx");

  ir::Model int8;
  if (quant) {
    t = std::chrono::steady_clock::now();
    quant::CalibOptions co;
    co.method = chosen_method.value_or(RangeMethod::kl);  // auto: each candidate sets its own
    co.percentile = static_cast<float>(dc.quantize.percentile);
    co.target = dc.target;
    co.batch = 16;
    co.weight_bits = weight_bits;
    co.num_threads = dc.test.threads;
    pipeline::DatasetCalibrationOptions dco;
    dco.images = images;
    dco.max_images = calib_num;
    dco.calib = co;
    dco.reporting = console_reporting();
    dco.log = [](const std::string& line) { std::printf("      %s\n", line.c_str()); };
    pipeline::DatasetCalibration calibration(mc, dco);
    const quant::CalibrationStats& stats = calibration.collect(fp32);
    std::vector<std::string> pass_log;  // one line per PTQ pass, with the guard's verdict
    if (auto_mode) {
      // PTQ passes (issue 5): they may change QuantParams and, for bias_correction, the int8 model's biases.
      const quant::PtqPassInputs pass_in = calibration.pass_inputs();
      quant::LabelledBatches scoring = validation;
      if (scoring.inputs.empty())
        scoring =
            quant::unlabelled_batches(*calibration.source(std::min<size_t>(calib_num, a.val_num)), SIZE_MAX);
      const auto candidates = quant::default_auto_candidates(weight_bits > 0 && weight_bits < 8);
      const size_t scoring_images = scoring.inputs.size() * static_cast<size_t>(scoring.batch_size());
      std::printf("      auto: %zu candidates scored by %s on %zu calibration images\n", candidates.size(),
                  scoring.images() > 0 ? "validation top-1" : "int8-vs-fp32 per-image output SNR",
                  scoring_images);
      quant::AutoResult ar =
          quant::auto_quantize(fp32, stats, pass_in, candidates, scoring, 0,
                               [](const std::string& line) { std::printf("      %s\n", line.c_str()); });
      int8 = std::move(ar.model);
      const quant::AutoScore& best = ar.scores[ar.best];
      chosen_method = best.candidate.method;
      passes = best.candidate.passes;
      nlohmann::json rows = nlohmann::json::array();
      for (const quant::AutoScore& sc : ar.scores)
        rows.push_back({{"candidate", sc.candidate.label()},
                        {"method", range_method_name(sc.candidate.method)},
                        {"passes", sc.candidate.passes},
                        {"top1", ar.by_accuracy ? nlohmann::json(sc.top1) : nlohmann::json(nullptr)},
                        {"output_snr_db", sc.output_snr_db},
                        {"seconds", sc.seconds}});
      report["auto"] = {{"chosen", best.candidate.label()},
                        {"scored_by", ar.by_accuracy ? "validation_top1" : "output_snr_db"},
                        {"scoring_images", scoring_images},
                        {"labelled_images", scoring.images()},
                        {"candidates", rows}};
      std::printf("      auto: chose %s\n", best.candidate.label().c_str());
    } else {
      int8 = calibration.quantize(fp32, passes, &pass_log);
      for (const std::string& line : pass_log) std::printf("      %s\n", line.c_str());
    }
    if (a.max_drop >= 0) {  // issue 5: the most sensitive layers back to fp32 until within the budget
      const quant::MixedPrecisionResult mp = quant::keep_sensitive_layers_fp32(
          int8, validation, a.max_drop, 0,
          [](const std::string& s) { std::printf("      %s\n", s.c_str()); });
      nlohmann::json kept = nlohmann::json::array();
      for (const auto& st : mp.steps) kept.push_back({{"layer", st.layer}, {"top1_after", st.top1}});
      report["mixed_precision"] = {
          {"max_drop_points", a.max_drop}, {"validation_images", validation.images()},
          {"fp32_top1", mp.fp32_top1},     {"all_int8_top1", mp.int8_top1},
          {"final_top1", mp.final_top1},   {"budget_met", mp.budget_met},
          {"layers_kept_fp32", kept}};
      std::printf("      mixed precision: %zu layer(s) kept in fp32, validation top-1 %.4f (fp32 %.4f)\n",
                  mp.steps.size(), mp.final_top1, mp.fp32_top1);
    }
    if (!std::isnan(a.min_snr)) {  // the most sensitive layers back to fp32 until the output is close enough
      quant::LabelledBatches scoring = quant::unlabelled_batches(
          *calibration.source(std::min<size_t>(calib_num, kSnrBudgetImages)), SIZE_MAX);
      const quant::SnrBudgetResult sb = quant::keep_sensitive_layers_fp32_for_snr(
          int8, scoring, a.min_snr, 0, [](const std::string& s) { std::printf("      %s\n", s.c_str()); });
      nlohmann::json kept = nlohmann::json::array();
      for (const auto& st : sb.steps) kept.push_back({{"layer", st.layer}, {"snr_db_after", st.snr_db}});
      const size_t scored = scoring.inputs.size() * static_cast<size_t>(scoring.batch_size());
      report["snr_budget"] = {{"min_snr_db", a.min_snr},           {"images", scored},
                              {"all_int8_snr_db", sb.int8_snr_db}, {"final_snr_db", sb.final_snr_db},
                              {"budget_met", sb.budget_met},       {"layers_kept_fp32", kept}};
      std::printf("      snr budget: %zu layer(s) kept in fp32, int8 output %.2f dB from fp32 (min %.1f)\n",
                  sb.steps.size(), sb.final_snr_db, a.min_snr);
    }
    const ir::QuantParams& q = int8.quant;
    exporters::save_ncnn_table(q, fp32.graph, base + ".table");
    // Weight-changing passes (CLE, adaround, bias_correction): the table belongs to their fp32 weights, which
    // are written next to it so `qdeploy quantize end2end_ptq.param end2end_ptq.bin end2end.table` reproduces
    // end2end_int8 (end2end.param/.bin stay the plain conversion of the ONNX model).
    const bool weights_changed = std::any_of(passes.begin(), passes.end(), quant::ptq_pass_changes_weights);
    nlohmann::json calib_outputs = nlohmann::json::array({file_info(base + ".table")});
    if (weights_changed) {
      ir::Model ptq_fp32 = int8;
      ptq_fp32.quant = {};
      if (target.writes_ncnn_files) {
        exporters::save_ncnn(ptq_fp32, base + "_ptq.param", base + "_ptq.bin");
        calib_outputs.push_back(file_info(base + "_ptq.param"));
        calib_outputs.push_back(file_info(base + "_ptq.bin"));
      } else {
        exporters::save_onnx(ptq_fp32, base + "_ptq.onnx");
        calib_outputs.push_back(file_info(base + "_ptq.onnx"));
      }
    }
    report["stages"].push_back({{"stage", "calibrate"},
                                {"inputs", {{{"path", images}, {"images", calibration.images()}}}},
                                {"method", range_method_name(*chosen_method)},
                                {"passes", passes},
                                {"pass_log", pass_log},
                                {"outputs", calib_outputs},
                                {"seconds", seconds_since(t)}});
    std::printf("[2/3] calibrate %.2f s, %zu images, method %s -> %s.table\n", seconds_since(t),
                calibration.images(), std::string(range_method_name(*chosen_method)).c_str(), base.c_str());

    if (target.writes_ncnn_files) {
      t = std::chrono::steady_clock::now();
      exporters::save_ncnn(int8, base + "_int8.param", base + "_int8.bin");
      report["stages"].push_back(
          {{"stage", "quantize"},
           {"inputs", {file_info(base + ".param"), file_info(base + ".table")}},
           {"outputs", {file_info(base + "_int8.param"), file_info(base + "_int8.bin")}},
           {"seconds", seconds_since(t)}});
      std::printf("[3/3] quantize  %.2f s -> %s_int8.param/.bin\n", seconds_since(t), base.c_str());
    }

    // The same int8 model as ONNX QDQ, for ONNX Runtime (issue 7.3).
    t = std::chrono::steady_clock::now();
    exporters::save_onnx_qdq(int8, base + "_quant.onnx");
    report["stages"].push_back({{"stage", "export_qdq"},
                                {"inputs", {file_info(base + ".onnx"), file_info(base + ".table")}},
                                {"outputs", nlohmann::json::array({file_info(base + "_quant.onnx")})},
                                {"seconds", seconds_since(t)}});
    std::printf("%s %.2f s -> %s_quant.onnx\n",
                target.writes_ncnn_files ? "      qdq onnx " : "[3/3] quantize ", seconds_since(t),
                base.c_str());
  }

  const int threads = dc.test.threads;
  std::vector<float> s32 = scores_for(fp32, input, threads);
  std::vector<int> top32 = top_k(s32, 5);
  auto cls = [&](int i) {
    return i < static_cast<int>(mc.classes.size()) ? mc.classes[i] : std::to_string(i);
  };
  std::vector<float> s8;
  std::vector<int> top8;
  if (quant) {
    s8 = scores_for(int8, input, threads);
    top8 = top_k(s8, 5);
  }
  std::printf("\n%s\n%-4s %-24s %s\n", a.image.c_str(), "rank", "fp32", quant ? "int8" : "");
  for (size_t r = 0; r < top32.size(); ++r) {
    std::printf("%-4zu %-12s %10.4f", r + 1, cls(top32[r]).c_str(), s32[top32[r]]);
    if (quant) std::printf("   %-12s %10.4f", cls(top8[r]).c_str(), s8[top8[r]]);
    std::printf("\n");
  }
  write_result_png(img, "fp32: " + cls(top32[0]), (fs::path(a.work_dir) / "output_fp32.png").string());
  if (quant)
    write_result_png(img, "int8: " + cls(top8[0]), (fs::path(a.work_dir) / "output_int8.png").string());
  report["test_image"] = {{"path", a.image}, {"fp32_top5", top32}, {"int8_top5", top8}};
  if (quant && target.runs_in_onnxruntime) {  // the deployed file itself, in the runtime it is meant for
    const std::vector<float> ort =
        pipeline::run_onnxruntime(base + "_quant.onnx", input, a.work_dir, threads);
    const std::vector<int> top_ort = top_k(ort, 5);
    std::printf("ONNX Runtime, %s_quant.onnx: %s %.4f\n", base.c_str(), cls(top_ort[0]).c_str(),
                ort[top_ort[0]]);
    report["test_image"]["onnxruntime_int8_top5"] = top_ort;
  }

  // Measurements for the report: speed (always), per-layer SNR (int8), accuracy (with a test set).
  const ir::Model* int8_or_null = quant ? &int8 : nullptr;
  pipeline::SpeedOptions so;
  so.threads = threads;
  so.reporting = console_reporting();
  report["speed"] = pipeline::measure_speed(fp32, int8_or_null, input, so);
  const nlohmann::json& sp = report["speed"];
  std::printf("\nspeed (batch 1, %d threads, median of %d runs): fp32 %.3f ms", sp["threads"].get<int>(),
              so.runs, sp["fp32"]["median_ms"].get<double>());
  if (quant)
    std::printf(", int8 %.3f ms (int8/fp32 %.2f)", sp["int8"]["median_ms"].get<double>(),
                sp.value("int8_over_fp32", 0.0));
  std::printf("\n");
  if (quant && a.snr_num > 0) {
    // The SNR is a diagnostic: when it cannot be computed (e.g. every calibration image is unreadable
    // by now) the deploy still succeeds, with a warning and the reason in the record.
    try {
      report.update(pipeline::measure_layer_snr(fp32, int8, mc, images, static_cast<size_t>(a.snr_num),
                                                threads, console_reporting()));
      std::printf("per-layer SNR: %zu layers on %llu images\n", report["layer_snr"].size(),
                  static_cast<unsigned long long>(report["snr_analysis"]["images"].get<uint64_t>()));
    } catch (const Error& e) {
      if (e.kind() == ErrorKind::internal) throw;
      std::fprintf(stderr, "qdeploy: warning: per-layer SNR not measured: %s\n", e.what());
      report["snr_analysis"] = {{"error", e.what()}};
    }
  }
  if (!test_data.empty()) {
    pipeline::AccuracyOptions ao;
    ao.num = test_num;
    ao.batch = dc.test.batch;
    ao.threads = threads;
    ao.reporting = console_reporting();
    report.update(pipeline::measure_accuracy(fp32, int8_or_null, mc, test_data, ao));
    const nlohmann::json& acc = report["accuracy"];
    std::printf("accuracy on %s (%zu images): fp32 top-1 %.4f top-5 %.4f", test_data.c_str(),
                report["test_dataset"]["images"].get<size_t>(), acc["fp32"]["top1"].get<double>(),
                acc["fp32"]["topk"].get<double>());
    if (quant)
      std::printf(", int8 top-1 %.4f top-5 %.4f", acc["int8"]["top1"].get<double>(),
                  acc["int8"]["topk"].get<double>());
    std::printf("\n");
    if (quant && target.runs_in_onnxruntime) {
      const nlohmann::json ort =
          pipeline::measure_onnxruntime_accuracy(base + "_quant.onnx", mc, test_data, ao, a.work_dir);
      report["accuracy_onnxruntime"] = {{"int8", ort}};
      std::printf("accuracy of %s_quant.onnx in ONNX Runtime (%zu images): int8 top-1 %.4f top-5 %.4f\n",
                  base.c_str(), ort["images"].get<size_t>(), ort["top1"].get<double>(),
                  ort["topk"].get<double>());
    }
  }
  std::string text = report.dump(1);
  write_file_atomic((fs::path(a.work_dir) / "deploy.json").string(), [&](std::ostream& os) { os << text; });
  fs::path wd(a.work_dir);
  write_deploy_report({report, mc.name, mc.classes, s32, s8, (wd / "output_fp32.png").string(),
                       quant ? (wd / "output_int8.png").string() : ""},
                      (wd / "report.html").string());
  return 0;
}
}  // namespace

void register_deploy(CLI::App& app) {
  auto a = std::make_shared<DeployArgs>();
  auto* sub = app.add_subcommand("deploy",
                                 "convert -> calibrate -> quantize in one command (like MMDeploy deploy.py)");
  sub->add_option("deploy_config", a->deploy_config, "configs/deploy/*.toml")->required();
  sub->add_option("model_config", a->model_config, "configs/*.toml")->required();
  sub->add_option("model", a->model, "model.onnx, or an mmcls/PyTorch checkpoint .pth (with --arch)")
      ->required();
  sub->add_option("image", a->image, "test image for the fp32 vs int8 comparison")->required();
  sub->add_option("--work-dir", a->work_dir, "output folder")->capture_default_str();
  sub->add_flag("--quant", a->quant, "quantize to int8 (also when the deploy config says so)");
  sub->add_option("--calib-num", a->calib_num, "calibration images (default: quantize.calib_num)");
  sub->add_option("--test-dataset", a->test_dataset,
                  "labelled set (ImageFolder dir, list file, CIFAR .bin) for fp32/int8 accuracy and "
                  "confusion matrices in the report (default: test.dataset of the deploy config; none)");
  sub->add_option("--test-num", a->test_num,
                  "use a deterministic subset of N test images (0 = all; default: test.num)");
  sub->add_option("--threads", a->threads,
                  "threads for calibration, tests and the speed line (0 = all cores; default: test.threads)");
  sub->add_option("--snr-num", a->snr_num,
                  "calibration images for the per-layer SNR analysis of the int8 model (0 = skip)")
      ->capture_default_str();
  sub->add_option("--quant-image-dir", a->quant_dir,
                  "calibration images (default: dataset.calib of the config)");
  sub->add_option(
      "--calib-method", a->method,
      range_method_choices(true) +
          " (default: deploy config). auto tries every method "
          "and the PTQ passes (adaround too with --weight-bits 4 or 6) and keeps the best by top-1 on "
          "--val-num labelled calibration images, or by int8 output SNR when they have no labels");
  sub->add_option("--passes", a->passes,
                  "PTQ passes after calibration, comma-separated, in order: " +
                      settings::join_names(quant::ptq_pass_names()) +
                      " (default: quantize.passes of the deploy config); each is undone when the int8 output "
                      "on the calibration images gets further from fp32 (docs/ptq_passes.md)");
  sub->add_option("--weight-bits", a->weight_bits, weight_bits_help())->capture_default_str();
  sub->add_option(
         "--max-drop", a->max_drop,
         "accuracy budget in top-1 points: keep the most sensitive layers in fp32 until int8 top-1 on "
         "labelled calibration images (<class>_* names or an ImageFolder) is within it")
      ->check(CLI::NonNegativeNumber);
  sub->add_option("--min-snr", a->min_snr,
                  "output-error budget in dB: keep the most sensitive layers in fp32 until the int8 model's "
                  "output is at least this SNR from fp32's on " +
                      std::to_string(kSnrBudgetImages) + " calibration images (no labels needed)");
  sub->add_option("--val-num", a->val_num, "calibration images that measure accuracy for --max-drop")
      ->capture_default_str();
  sub->add_option("--arch", a->arch,
                  "architecture of a .pth model: resnet18_cifar..resnet152_cifar, resnet18..resnet152");
  add_command(sub, [a] { return run_deploy(*a); });
}

}  // namespace qd::cli
