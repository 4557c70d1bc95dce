// Generality of the quantization-quality features (issue 5, item 5): calibration with every range method,
// the per-layer error analysis, every PTQ pass, mixed precision, the int8 runtime and the ncnn int8 round
// trip, all on a MobileNet-style ONNX model (depthwise-separable blocks, an inverted residual, ReLU6 and
// ReLU, two BatchNormalizations the importer cannot fold; see mobilenet_style_model.h) with seeded random
// weights and seeded random images. Labels are the fp32 model's own top-1, so accuracy = agreement.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <stdexcept>

#include "exporters/ncnn/ncnn_table_writer.h"
#include "exporters/ncnn/ncnn_writer.h"
#include "frontend/ncnn/ncnn_reader.h"
#include "frontend/ncnn/ncnn_table_reader.h"
#include "quant/adaround.h"
#include "quant/analyse/error_metrics.h"
#include "quant/analyse/quant_error_analysis.h"
#include "quant/auto_quant.h"
#include "quant/bias_correction.h"
#include "quant/calibrate.h"
#include "quant/cross_layer_equalization.h"
#include "quant/method_selection.h"
#include "quant/mixed_precision.h"
#include "quant/pass_guard.h"
#include "quant/ptq/batch_list.h"
#include "quant/ptq/mobilenet_style_model.h"
#include "quant/ptq_passes.h"
#include "quant/weight_quant.h"
#include "runtime/executor.h"

namespace qd::quant {
namespace {

namespace mns = qd::test::mobilenet_style;

constexpr uint32_t kGenModelSeed = 2026;
constexpr int64_t kGenBatch = 8;
constexpr int kGenCalibImages = 64, kGenEvalImages = 64;
constexpr int kGenBnImages = 32;
constexpr uint32_t kGenCalibSeed = 1000, kGenEvalSeed = 5000, kGenBnSeed = 9000;
constexpr int kGenThreads = 1;
constexpr size_t kGenSelectionBatches = 2;  // batches method_selection measures layer errors on

std::vector<Tensor> gen_images(int count, uint32_t first_seed) {
  return mns::image_batches(count, kGenBatch, first_seed);
}

using GenBatchList = test_data::BatchList;

runtime::CompileOptions gen_compile_options(runtime::Int8Mode mode) {
  runtime::CompileOptions c;
  c.backend = runtime::Backend::onednn;
  c.int8 = mode;
  c.threads = kGenThreads;
  c.batch = kGenBatch;
  return c;
}

// Logits of every batch.
std::vector<Tensor> gen_run(const ir::Model& m, runtime::Int8Mode mode, const std::vector<Tensor>& batches) {
  auto exec = runtime::compile(m, gen_compile_options(mode));
  std::vector<Tensor> out;
  for (const Tensor& x : batches) out.push_back(exec->run({x}).at(0).clone());
  return out;
}

double gen_snr(const std::vector<Tensor>& ref, const std::vector<Tensor>& test) {
  ErrorAccumulator acc;
  for (size_t i = 0; i < ref.size(); ++i) acc.add(ref[i].values<float>(), test[i].values<float>());
  return acc.snr_db();
}

// SNR with every image (row of mns::kClasses logits) weighing the same, -10 log10 of the mean of the images'
// noise-to-signal ratios: auto mode's and the pass guard's score.
double gen_image_snr(const std::vector<Tensor>& ref, const std::vector<Tensor>& test) {
  double sum_ratio = 0;
  int64_t rows = 0;
  for (size_t i = 0; i < ref.size(); ++i)
    for (int64_t r = 0; r < ref[i].dim(0); ++r, ++rows)
      sum_ratio += std::pow(10.0, -snr_db({ref[i].data<float>() + r * mns::kClasses, mns::kClasses},
                                          {test[i].data<float>() + r * mns::kClasses, mns::kClasses}) /
                                      10.0);
  return -10.0 * std::log10(sum_ratio / static_cast<double>(rows));
}

// Fraction of rows whose arg-max agrees between two runs.
double gen_top1_agreement(const std::vector<Tensor>& a, const std::vector<Tensor>& b) {
  int64_t same = 0, rows = 0;
  for (size_t i = 0; i < a.size(); ++i)
    for (int64_t r = 0; r < a[i].dim(0); ++r, ++rows) {
      const float* x = a[i].data<float>() + r * mns::kClasses;
      const float* y = b[i].data<float>() + r * mns::kClasses;
      same += std::max_element(x, x + mns::kClasses) - x == std::max_element(y, y + mns::kClasses) - y;
    }
  return static_cast<double>(same) / static_cast<double>(rows);
}

CalibOptions gen_calib_options(const std::string& method = "kl") {
  CalibOptions o;
  o.method = parse_range_method(method);
  o.batch = kGenBatch;
  o.num_threads = kGenThreads;
  return o;
}

// 4-bit weights (per channel) with kl activations: where weight rounding dominates the error.
CalibOptions gen_w4_options() {
  CalibOptions o = gen_calib_options();
  o.weight_bits = 4;
  return o;
}

bool gen_is_depthwise(const ir::Graph& g, const ir::Node& n) {
  if (n.op != ir::OpKind::Conv) return false;
  const int group = n.attr<ir::ConvAttrs>().group;
  return group > 1 && group == g.value(n.inputs[1]).constant.dim(0);
}

const ir::Node& gen_node_named(const ir::Graph& g, const std::string& name) {
  for (const ir::Node& n : g.nodes())
    if (n.name == name) return n;
  throw std::runtime_error("no node " + name);
}

// Names of every Conv / Gemm node: the layers a table must cover.
std::set<std::string> gen_weight_layers(const ir::Graph& g) {
  std::set<std::string> names;
  for (const ir::Node& n : g.nodes())
    if (n.op == ir::OpKind::Conv || n.op == ir::OpKind::Gemm) names.insert(n.name);
  return names;
}

// Makes the random classifier balanced, as training would: every logit standardised to mean 0 and standard
// deviation 1 over `batches` (Gemm rows divided by the logit's std, bias shifted), so the fp32 top-1 is
// spread over the classes instead of one class winning every image.
void gen_balance_classifier(ir::Model& m, const std::vector<Tensor>& batches) {
  std::vector<double> sum(mns::kClasses, 0.0), sum2(mns::kClasses, 0.0);
  int64_t rows = 0;
  for (const Tensor& y : gen_run(m, runtime::Int8Mode::off, batches)) {
    for (int64_t k = 0; k < y.numel(); ++k) {
      sum[k % mns::kClasses] += y.data<float>()[k];
      sum2[k % mns::kClasses] += double(y.data<float>()[k]) * y.data<float>()[k];
    }
    rows += y.dim(0);
  }
  ir::Node* fc_ptr = nullptr;
  for (ir::Node& n : m.graph.nodes())
    if (n.name == "fc") fc_ptr = &n;
  ASSERT_NE(fc_ptr, nullptr);
  ir::Node& fc = *fc_ptr;
  Tensor w = m.graph.value(fc.inputs[1]).constant.clone();  // [classes, features] (transB)
  Tensor b = m.graph.value(fc.inputs[2]).constant.clone();
  const int64_t features = w.dim(1);
  for (int64_t c = 0; c < mns::kClasses; ++c) {
    const double mean = sum[c] / rows, stddev = std::sqrt(std::max(sum2[c] / rows - mean * mean, 1e-12));
    for (int64_t f = 0; f < features; ++f) w.data<float>()[c * features + f] /= static_cast<float>(stddev);
    b.data<float>()[c] = static_cast<float>((b.data<float>()[c] - mean) / stddev);
  }
  fc.inputs[1] = m.graph.add_constant(m.graph.unique_value_name("fc_balanced_w"), w);
  fc.inputs[2] = m.graph.add_constant(m.graph.unique_value_name("fc_balanced_b"), b);
}

// One model, its calibration and evaluation images and its kl calibration, shared by the tests below.
class MobileNetStyleGenerality : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    calib_ = new std::vector<Tensor>(gen_images(kGenCalibImages, kGenCalibSeed));
    fp32_ = new ir::Model(mns::import_model(kGenModelSeed, gen_images(kGenBnImages, kGenBnSeed)));
    eval_ = new std::vector<Tensor>(gen_images(kGenEvalImages, kGenEvalSeed));
    gen_balance_classifier(*fp32_, *calib_);
    GenBatchList src(*calib_);
    stats_ = new CalibrationStats(collect_stats(*fp32_, src, gen_calib_options()));
    kl_ = new ir::Model{fp32_->graph, params_from_stats(*stats_, *fp32_, gen_calib_options())};
    rtn4_ = new ir::Model{fp32_->graph, params_from_stats(*stats_, *fp32_, gen_w4_options())};
    fp32_logits_ = new std::vector<Tensor>(gen_run(*fp32_, runtime::Int8Mode::off, *eval_));
    kl_snr_ = snr_vs_fp32(*kl_);
    std::printf("plain kl: model output SNR %.2f dB\n", kl_snr_);
  }
  static void TearDownTestSuite() {
    delete fp32_;
    delete calib_;
    delete eval_;
    delete stats_;
    delete kl_;
    delete fp32_logits_;
    delete rtn4_;
  }
  // Per logit, the mean of (int8 - fp32) over the held-out images; returns the root mean square over logits.
  static double mean_output_shift(const ir::Model& int8) {
    const std::vector<Tensor> q = gen_run(int8, runtime::Int8Mode::real, *eval_);
    std::vector<double> shift(mns::kClasses, 0.0);
    int64_t rows = 0;
    for (size_t i = 0; i < q.size(); ++i) {
      for (int64_t k = 0; k < q[i].numel(); ++k)
        shift[k % mns::kClasses] += q[i].data<float>()[k] - (*fp32_logits_)[i].data<float>()[k];
      rows += q[i].dim(0);
    }
    double rms = 0;
    for (double v : shift) rms += (v / rows) * (v / rows);
    return std::sqrt(rms / mns::kClasses);
  }
  // Model-output SNR (dB) of `int8` (real int8 arithmetic) against the fp32 model on the held-out images.
  static double snr_vs_fp32(const ir::Model& int8) {
    return gen_snr(*fp32_logits_, gen_run(int8, runtime::Int8Mode::real, *eval_));
  }
  static double image_snr_vs_fp32(const ir::Model& int8) {
    return gen_image_snr(*fp32_logits_, gen_run(int8, runtime::Int8Mode::real, *eval_));
  }
  PtqPassInputs pass_inputs() const {
    PtqPassInputs in;
    in.stats = stats_;
    const std::vector<Tensor>* calib = calib_;
    in.make_source = [calib] { return std::make_unique<GenBatchList>(*calib); };
    in.options = gen_calib_options();
    in.max_batches = kGenSelectionBatches;
    in.adaround.images = 32;
    in.adaround.max_samples = 1024;
    in.adaround.iterations = 200;
    in.adaround.batch_size = 128;
    in.adaround.threads = kGenThreads;
    return in;
  }

  static ir::Model* fp32_;
  static std::vector<Tensor>*calib_, *eval_;
  static CalibrationStats* stats_;
  static ir::Model* kl_;
  static std::vector<Tensor>* fp32_logits_;  // the fp32 model's logits on eval_
  static ir::Model* rtn4_;                   // kl activations, 4-bit round-to-nearest weights
  static double kl_snr_;
};
ir::Model* MobileNetStyleGenerality::fp32_ = nullptr;
std::vector<Tensor>* MobileNetStyleGenerality::calib_ = nullptr;
std::vector<Tensor>* MobileNetStyleGenerality::eval_ = nullptr;
CalibrationStats* MobileNetStyleGenerality::stats_ = nullptr;
ir::Model* MobileNetStyleGenerality::kl_ = nullptr;
std::vector<Tensor>* MobileNetStyleGenerality::fp32_logits_ = nullptr;
ir::Model* MobileNetStyleGenerality::rtn4_ = nullptr;
double MobileNetStyleGenerality::kl_snr_ = 0;

TEST_F(MobileNetStyleGenerality, ImportKeepsUnfoldableBatchNormsAndDepthwiseConvs) {
  const ir::Graph& g = fp32_->graph;
  std::vector<std::string> batch_norms;
  int depthwise = 0, convs = 0, gemms = 0;
  for (const ir::Node& n : g.nodes()) {
    if (n.op == ir::OpKind::BatchNormalization) batch_norms.push_back(n.name);
    depthwise += gen_is_depthwise(g, n);
    convs += n.op == ir::OpKind::Conv;
    gemms += n.op == ir::OpKind::Gemm;
  }
  // The 10 BNs behind convs fold; the one on the graph input and the one after the residual Add stay.
  EXPECT_EQ(batch_norms, (std::vector<std::string>{"input_bn", "ir3_add_bn"}));
  EXPECT_EQ(depthwise, 4);
  EXPECT_EQ(convs, 10);
  EXPECT_EQ(gemms, 1);
  // The fp32 labels are not degenerate (accuracy below means something).
  std::set<int> classes;
  for (const Tensor& y : *fp32_logits_)
    for (int64_t i = 0; i < y.dim(0); ++i) {
      const float* row = y.data<float>() + i * mns::kClasses;
      classes.insert(static_cast<int>(std::max_element(row, row + mns::kClasses) - row));
    }
  EXPECT_GE(classes.size(), 3u);
}

// (a) Every range method gives a table with every Conv (depthwise included) and the Gemm.
TEST_F(MobileNetStyleGenerality, EveryRangeMethodCalibratesEveryLayer) {
  const std::set<std::string> layers = gen_weight_layers(fp32_->graph);
  std::map<std::string, ir::QuantParams> tables;
  for (const std::string method : {"minmax", "kl", "percentile", "mse", "aciq"}) {
    // calibrate() = collect_stats() + params_from_stats(): the statistics are shared by the methods.
    const ir::QuantParams q = params_from_stats(*stats_, *fp32_, gen_calib_options(method));
    std::set<std::string> covered;
    for (const auto& [name, lq] : q.layers) covered.insert(name);
    EXPECT_EQ(covered, layers) << method;
    for (const ir::Node& n : fp32_->graph.nodes()) {
      const ir::LayerQuant* lq = q.find(n.name);
      if (!lq) continue;
      EXPECT_TRUE(std::isfinite(lq->input_scale) && lq->input_scale > 0) << method << " " << n.name;
      const int64_t out_c = fp32_->graph.value(n.inputs[1]).constant.dim(0);
      EXPECT_EQ(static_cast<int64_t>(lq->weight_scales.size()), out_c) << method << " " << n.name;
      for (float s : lq->weight_scales) EXPECT_TRUE(std::isfinite(s) && s > 0) << method << " " << n.name;
      EXPECT_EQ(lq->weight_bits, 8) << n.name;  // ncnn's 6-bit rule is for 3x3 s1 dense convs only
    }
    tables[method] = q;
    const std::vector<Tensor> int8 = gen_run({fp32_->graph, q}, runtime::Int8Mode::real, *eval_);
    const double snr = gen_snr(*fp32_logits_, int8);
    std::printf("%-10s model output SNR %.2f dB, top-1 agreement %.3f\n", method.c_str(), snr,
                gen_top1_agreement(*fp32_logits_, int8));
    EXPECT_GT(snr, 6.0) << method;  // measured 8.5 .. 10.6 dB; a broken layer gives <= 0 dB
  }
  // minmax never clips, so no method's clipping threshold (127 * step) exceeds minmax's.
  for (const auto& [method, q] : tables)
    for (const auto& [name, lq] : q.layers)
      EXPECT_LE(lq.input_scale, tables["minmax"].layers.at(name).input_scale * (1 + 1e-5f))
          << method << " " << name;
  // kl clips the widest activations of this model, so it differs from minmax somewhere.
  int clipped = 0;
  for (const auto& [name, lq] : tables["kl"].layers)
    clipped += lq.input_scale < 0.99f * tables["minmax"].layers.at(name).input_scale;
  EXPECT_GT(clipped, 0);

  // The kl table survives ncnn's .table format, depthwise layers (one scale per group) included.
  const std::string path = ::testing::TempDir() + "qd_mobilenet_generality_kl.table";
  exporters::save_ncnn_table(tables["kl"], fp32_->graph, path);
  const ir::QuantParams back = frontend::load_ncnn_table(path, fp32_->graph);
  ASSERT_EQ(back.layers.size(), layers.size());
  for (const auto& [name, lq] : tables["kl"].layers) {
    const ir::LayerQuant& b = back.layers.at(name);
    EXPECT_NEAR(b.input_scale, lq.input_scale, 1e-5f * lq.input_scale) << name;
    ASSERT_EQ(b.weight_scales.size(), lq.weight_scales.size()) << name;
    for (size_t c = 0; c < lq.weight_scales.size(); ++c)
      EXPECT_NEAR(b.weight_scales[c], lq.weight_scales[c], 1e-5f * lq.weight_scales[c]) << name << " " << c;
  }
}

// (b) The error analysis reports every quantized layer, depthwise ones included, with finite metrics.
TEST_F(MobileNetStyleGenerality, ErrorAnalysisReportsEveryLayer) {
  GenBatchList src(*eval_);
  AnalysisOptions o;
  o.batch = kGenBatch;
  o.num_threads = kGenThreads;
  o.histogram_bins = 256;
  const AnalysisResult r = analyze_quant_error(*fp32_, *kl_, src, o);
  EXPECT_EQ(r.images, static_cast<uint64_t>(kGenEvalImages));
  std::set<std::string> reported;
  int depthwise = 0;
  for (const LayerError& l : r.layers) {
    reported.insert(l.node);
    const ir::Node& n = gen_node_named(fp32_->graph, l.node);
    depthwise += gen_is_depthwise(fp32_->graph, n);
    EXPECT_EQ(l.op, n.op == ir::OpKind::Gemm ? "Gemm" : "Conv") << l.node;
    EXPECT_EQ(l.input_step, kl_->quant.layers.at(l.node).input_scale) << l.node;
    for (const ErrorAccumulator* e : {&l.graph_wise, &l.layer_wise}) {
      EXPECT_TRUE(std::isfinite(e->snr_db())) << l.node;
      EXPECT_TRUE(std::isfinite(e->cosine()) && e->cosine() > 0.5 && e->cosine() <= 1.0 + 1e-9) << l.node;
    }
    EXPECT_GT(l.input_count, 0u) << l.node;
    std::printf("%-12s %s graph-wise %6.2f dB cos %.5f   layer-wise %6.2f dB cos %.5f\n", l.node.c_str(),
                gen_is_depthwise(fp32_->graph, n) ? "dw" : "  ", l.graph_wise.snr_db(), l.graph_wise.cosine(),
                l.layer_wise.snr_db(), l.layer_wise.cosine());
  }
  EXPECT_EQ(reported, gen_weight_layers(fp32_->graph));
  EXPECT_EQ(depthwise, 4);
  ASSERT_FALSE(r.layers.empty());
  // The stem reads the (fp32) input BatchNormalization in both graphs: graph-wise = layer-wise.
  const LayerError& stem = r.layers.front();
  EXPECT_EQ(stem.node, "stem");
  EXPECT_NEAR(stem.graph_wise.snr_db(), stem.layer_wise.snr_db(), 1e-6);
  // The Gemm's graph-wise output IS the int8 model's output: same SNR as the whole-model measurement.
  const LayerError& fc = r.layers.back();
  EXPECT_EQ(fc.node, "fc");
  EXPECT_NEAR(fc.graph_wise.snr_db(), kl_snr_, 0.05);
  // Ranking: worst first.
  const std::vector<size_t> order = rank_worst_first(r, RankBy::graph_wise);
  ASSERT_EQ(order.size(), r.layers.size());
  for (size_t i = 1; i < order.size(); ++i)
    EXPECT_LE(r.layers[order[i - 1]].graph_wise.snr_db(), r.layers[order[i]].graph_wise.snr_db());
}

// (c) cross_layer_equalization: pairs across Relu (depthwise ones included), ReLU6 pairs skipped, the fp32
// function kept, and the int8 output closer to fp32 than plain kl.
TEST_F(MobileNetStyleGenerality, CrossLayerEqualizationKeepsFp32AndImprovesInt8) {
  const EqualizationPairs pairs = find_equalization_pairs(fp32_->graph);
  std::vector<std::string> names;
  for (const EqualizationPair& p : pairs.pairs)
    names.push_back(fp32_->graph.node(p.first).name + ">" + fp32_->graph.node(p.second).name);
  EXPECT_EQ(names, (std::vector<std::string>{"ds2_dw>ds2_pw", "ir3_expand>ir3_dw", "ir3_dw>ir3_project"}));
  // stem>ds1_dw, ds1_dw>ds1_pw, ds1_pw>ds2_dw, ds4_dw>ds4_pw, ds4_pw>fc sit across ReLU6.
  EXPECT_EQ(pairs.skipped_bounded, 5);

  ir::Model m = *kl_;
  PtqPassInputs in = pass_inputs();
  in.keep_only_if_no_worse = false;  // the equalization itself (on the calibration images the guard undoes
                                     // it: EveryPassIsKeptOnlyWhenTheCalibrationOutputIsNoWorse)
  const std::vector<std::string> log = run_ptq_passes({"cross_layer_equalization"}, m, in);
  ASSERT_EQ(log.size(), 1u);
  std::printf("%s\n", log[0].c_str());
  EXPECT_NE(log[0].find("3 layer pairs equalized"), std::string::npos) << log[0];

  const double fp32_kept =
      gen_snr(*fp32_logits_, gen_run(ir::Model{m.graph, {}}, runtime::Int8Mode::off, *eval_));
  std::printf("equalized fp32 vs original fp32: %.1f dB\n", fp32_kept);
  EXPECT_GT(fp32_kept, 80.0);  // float rounding only

  const ir::Node& dw = gen_node_named(m.graph, "ds2_dw");
  auto spread = [](const std::vector<float>& r) {
    return *std::max_element(r.begin(), r.end()) / *std::min_element(r.begin(), r.end());
  };
  const ir::Node& dw_before = gen_node_named(fp32_->graph, "ds2_dw");
  const float spread_before =
      spread(output_channel_ranges(dw_before, fp32_->graph.value(dw_before.inputs[1]).constant));
  const float spread_after = spread(output_channel_ranges(dw, m.graph.value(dw.inputs[1]).constant));
  std::printf("ds2_dw weight range spread %.1f -> %.1f\n", spread_before, spread_after);
  EXPECT_LT(spread_after, 0.5f * spread_before);

  const double snr = snr_vs_fp32(m);
  std::printf("cross_layer_equalization: model output SNR %.2f dB (kl %.2f)\n", snr, kl_snr_);
  EXPECT_GT(snr, kl_snr_ + 0.5);
}

// (c) method_selection: every layer's layer-wise SNR at least kl's (what it optimises), the model output
// not noticeably worse. (The pass itself runs in AllPassesTogether.)
TEST_F(MobileNetStyleGenerality, MethodSelectionBeatsKlPerLayer) {
  const std::vector<Tensor> measured(calib_->begin(), calib_->begin() + kGenSelectionBatches);
  GenBatchList measure(measured);
  const MethodSelection sel = select_range_methods(*fp32_, *stats_, measure, gen_calib_options(),
                                                   default_selection_methods(), kGenSelectionBatches);
  ASSERT_EQ(sel.choices.size(), gen_weight_layers(fp32_->graph).size());
  std::map<std::string, int> counts;
  for (const MethodChoice& c : sel.choices) ++counts[c.method];
  for (const auto& [m, n] : counts) std::printf("method_selection: %s x%d\n", m.c_str(), n);

  // Measured independently with the analysis module on the batches the selection used.
  AnalysisOptions o;
  o.batch = kGenBatch;
  o.num_threads = kGenThreads;
  o.histogram_bins = 0;
  GenBatchList a(measured), b(measured);
  const AnalysisResult with_kl = analyze_quant_error(*fp32_, *kl_, a, o);
  const AnalysisResult with_sel = analyze_quant_error(*fp32_, {fp32_->graph, sel.params}, b, o);
  ASSERT_EQ(with_kl.layers.size(), with_sel.layers.size());
  for (size_t i = 0; i < with_kl.layers.size(); ++i)
    EXPECT_GE(with_sel.layers[i].layer_wise.snr_db(), with_kl.layers[i].layer_wise.snr_db() - 0.01)
        << with_kl.layers[i].node;

  const double snr = snr_vs_fp32({fp32_->graph, sel.params});
  std::printf("method_selection: model output SNR %.2f dB (kl %.2f)\n", snr, kl_snr_);
  EXPECT_GT(snr, kl_snr_ - 1.0);
}

// Every weight of every quantized layer lies on its grid: step * round(w / step) == w, with the fp32 step the
// runtimes compute with.
void gen_expect_weights_on_grid(const ir::Model& m) {
  for (const ir::Node& n : m.graph.nodes()) {
    const ir::LayerQuant* q = m.quant.find(n.name);
    if (!q) continue;
    const Tensor& w = m.graph.value(n.inputs[1]).constant;
    const Tensor qi = quantize_weights(w, q->weight_scales, weight_channel_axis(n), q->weight_bits);
    const int64_t per = w.numel() / w.dim(0);  // Conv and Gemm (transB) have channels on axis 0 here
    int off_grid = 0;
    for (int64_t i = 0; i < w.numel(); ++i)
      off_grid += qi.data<int8_t>()[i] * static_cast<float>(q->weight_scales[i / per]) != w.data<float>()[i];
    EXPECT_EQ(off_grid, 0) << n.name;
  }
}

// (c) adaround: 8-bit weights land on the grid without hurting the output; with 4-bit weights (where
// rounding matters) every layer's reconstruction error drops, and the model output gets closer to fp32.
TEST_F(MobileNetStyleGenerality, AdaRoundOnDepthwiseLayers) {
  ir::Model m8 = *kl_;
  const std::vector<std::string> log8 = run_ptq_passes({"adaround"}, m8, pass_inputs());
  std::printf("%s\n", log8.at(0).c_str());
  gen_expect_weights_on_grid(m8);
  const double snr8 = snr_vs_fp32(m8);
  std::printf("adaround W8: model output SNR %.2f dB (kl %.2f)\n", snr8, kl_snr_);
  EXPECT_GT(snr8, kl_snr_ - 0.5);

  const ir::Model& rtn4 = *rtn4_;
  ir::Model ada4 = rtn4;
  GenBatchList src(*calib_);
  const std::vector<AdaRoundLayerReport> reports =
      adaround(ada4, src, gen_w4_options(), pass_inputs().adaround);
  ASSERT_EQ(reports.size(), gen_weight_layers(fp32_->graph).size());
  int depthwise = 0;
  for (const AdaRoundLayerReport& r : reports) {
    EXPECT_LT(r.mse_adaround, r.mse_nearest) << r.node;
    depthwise += gen_is_depthwise(fp32_->graph, gen_node_named(fp32_->graph, r.node));
  }
  EXPECT_EQ(depthwise, 4);
  gen_expect_weights_on_grid(ada4);
  const double snr_rtn4 = snr_vs_fp32(rtn4), snr_ada4 = snr_vs_fp32(ada4);
  std::printf("W4: round-to-nearest %.2f dB, adaround %.2f dB\n", snr_rtn4, snr_ada4);
  EXPECT_GT(snr_ada4, snr_rtn4 + 1.0);
}

// (c) bias_correction: removes the mean output shift weight rounding causes. Clear with 4-bit weights
// (depthwise channels have only 9 weights, so their rounding errors do not average out); with 8-bit weights
// that shift is small next to the activation quantization error it does not target, so it must only not
// hurt.
TEST_F(MobileNetStyleGenerality, BiasCorrectionReducesTheMeanOutputShift) {
  ir::Model m8 = *kl_;
  run_ptq_passes({"bias_correction"}, m8, pass_inputs());
  const double snr8 = snr_vs_fp32(m8);
  std::printf("bias_correction W8: mean output shift %.5f -> %.5f, SNR %.2f dB (kl %.2f)\n",
              mean_output_shift(*kl_), mean_output_shift(m8), snr8, kl_snr_);
  EXPECT_GT(snr8, kl_snr_ - 1.0);

  const ir::Model& rtn4 = *rtn4_;
  ir::Model bc4 = rtn4;
  PtqPassInputs in = pass_inputs();
  in.options = gen_w4_options();
  run_ptq_passes({"bias_correction"}, bc4, in);
  const double shift4_before = mean_output_shift(rtn4), shift4_after = mean_output_shift(bc4);
  const double snr_rtn4 = snr_vs_fp32(rtn4), snr_bc4 = snr_vs_fp32(bc4);
  std::printf("bias_correction W4: mean output shift %.5f -> %.5f, SNR %.2f -> %.2f dB\n", shift4_before,
              shift4_after, snr_rtn4, snr_bc4);
  EXPECT_LT(shift4_after, 0.5 * shift4_before);
  EXPECT_GT(snr_bc4, snr_rtn4 + 1.0);
}

// Every pass goes through the guard (pass_guard.h): its result is kept exactly when the int8 model's output
// on the calibration batches is, image by image, no further from fp32 than before the pass; otherwise the
// model before it comes back unchanged (graph and quant). Both outcomes are compared with the pass run
// unguarded and scored here.
TEST_F(MobileNetStyleGenerality, EveryPassIsKeptOnlyWhenTheCalibrationOutputIsNoWorse) {
  GenBatchList src(*calib_);
  const PassGuard guard(*fp32_, unlabelled_batches(src, kGenSelectionBatches), kGenThreads);
  const double kl_db = guard.score(*kl_);
  PtqPassInputs unguarded = pass_inputs();
  unguarded.keep_only_if_no_worse = false;
  for (const std::string pass : {"cross_layer_equalization", "method_selection", "bias_correction"}) {
    ir::Model raw = *kl_, guarded = *kl_;
    run_ptq_passes({pass}, raw, unguarded);
    const std::vector<std::string> log = run_ptq_passes({pass}, guarded, pass_inputs());
    const double raw_db = guard.score(raw);
    const bool keep = raw_db >= kl_db;
    std::printf("%s: %.3f dB per image (kl %.3f): %s\n  %s\n", pass.c_str(), raw_db, kl_db,
                keep ? "kept" : "undone", log.at(0).c_str());
    EXPECT_NE(log[0].find(keep ? "): kept" : "not kept"), std::string::npos) << log[0];
    const ir::Model& expect = keep ? raw : *kl_;
    EXPECT_NEAR(guard.score(guarded), keep ? raw_db : kl_db, 1e-9) << pass;
    ASSERT_EQ(guarded.graph.nodes().size(), expect.graph.nodes().size());
    for (size_t i = 0; i < expect.graph.nodes().size(); ++i)
      EXPECT_EQ(guarded.graph.nodes()[i].inputs, expect.graph.nodes()[i].inputs) << pass << " node " << i;
    ASSERT_EQ(guarded.quant.layers.size(), expect.quant.layers.size()) << pass;
    for (const auto& [name, lq] : expect.quant.layers) {
      EXPECT_EQ(guarded.quant.layers.at(name).input_scale, lq.input_scale) << pass << " " << name;
      EXPECT_EQ(guarded.quant.layers.at(name).weight_scales, lq.weight_scales) << pass << " " << name;
    }
  }
}

// (c) All four passes in the valid order.
TEST_F(MobileNetStyleGenerality, AllPassesTogether) {
  ir::Model m = *kl_;
  const std::vector<std::string> names =
      parse_ptq_passes("cross_layer_equalization,method_selection,adaround,bias_correction");
  PtqPassInputs in = pass_inputs();
  in.keep_only_if_no_worse = false;  // what the four passes do together; the guard has its own test
  const std::vector<std::string> log = run_ptq_passes(names, m, in);
  ASSERT_EQ(log.size(), 4u);
  for (const std::string& l : log) std::printf("%s\n", l.c_str());
  std::set<std::string> covered;
  for (const auto& [name, lq] : m.quant.layers) covered.insert(name);
  EXPECT_EQ(covered, gen_weight_layers(fp32_->graph));
  const double snr = snr_vs_fp32(m);
  std::printf("all passes: model output SNR %.2f dB (kl %.2f)\n", snr, kl_snr_);
  EXPECT_GT(snr, kl_snr_ + 0.5);
}

// Labels = the fp32 model's own top-1 on the held-out images.
LabelledBatches gen_labelled(const ir::Model& fp32, const std::vector<Tensor>& images) {
  LabelledBatches d;
  d.inputs = images;
  for (const Tensor& y : gen_run(ir::Model{fp32.graph, {}}, runtime::Int8Mode::off, images)) {
    std::vector<int> labels;
    for (int64_t i = 0; i < y.dim(0); ++i) {
      const float* row = y.data<float>() + i * mns::kClasses;
      labels.push_back(static_cast<int>(std::max_element(row, row + mns::kClasses) - row));
    }
    d.labels.push_back(labels);
  }
  return d;
}

// (d) Mixed precision: within the budget, and the layers it lists are the ones left in fp32.
TEST_F(MobileNetStyleGenerality, MixedPrecisionMeetsTheBudget) {
  const LabelledBatches data = gen_labelled(*fp32_, *eval_);
  ir::Model m = *kl_;
  const double int8_top1 = top1_accuracy(m, data, kGenThreads);
  const double drop_points = 100.0 * (1.0 - int8_top1);
  std::printf("int8 (kl) top-1 agreement with fp32: %.4f\n", int8_top1);
  ASSERT_GT(drop_points, 2.0) << "the budget below must force at least one layer back to fp32";
  const double budget = drop_points / 2;
  const MixedPrecisionResult r = keep_sensitive_layers_fp32(m, data, budget, kGenThreads);
  EXPECT_DOUBLE_EQ(r.fp32_top1, 1.0);
  EXPECT_DOUBLE_EQ(r.int8_top1, int8_top1);
  EXPECT_TRUE(r.budget_met);
  EXPECT_LE(100.0 * (r.fp32_top1 - r.final_top1), budget + 1e-9);
  EXPECT_EQ(r.ranking.size(), gen_weight_layers(fp32_->graph).size());
  ASSERT_FALSE(r.steps.empty());
  EXPECT_EQ(r.steps.front().layer, r.ranking.front().layer);  // greedy: most sensitive first
  std::string kept;
  for (const MixedPrecisionStep& s : r.steps) {
    EXPECT_EQ(m.quant.layers.count(s.layer), 0u) << s.layer;
    kept += " " + s.layer;
  }
  std::printf("budget %.2f points: fp32 layers:%s, top-1 %.4f\n", budget, kept.c_str(), r.final_top1);
  EXPECT_EQ(m.quant.layers.size() + r.steps.size(), gen_weight_layers(fp32_->graph).size());
  EXPECT_DOUBLE_EQ(top1_accuracy(m, data, kGenThreads), r.final_top1);
}

// Auto mode (deploy --calib-method auto): every candidate scored, the returned model is the best one, and
// the scores agree with independent measurements (plain kl's SNR; the returned model's top-1 and SNR).
TEST_F(MobileNetStyleGenerality, AutoModeKeepsTheBestMeasuredCandidate) {
  const std::vector<AutoCandidate> candidates = default_auto_candidates(false);
  LabelledBatches unlabelled;
  unlabelled.inputs = *eval_;
  for (const Tensor& t : *eval_) unlabelled.labels.emplace_back(static_cast<size_t>(t.dim(0)), -1);
  const AutoResult by_snr =
      auto_quantize(*fp32_, *stats_, pass_inputs(), candidates, unlabelled, kGenThreads);
  ASSERT_EQ(by_snr.scores.size(), candidates.size());
  EXPECT_FALSE(by_snr.by_accuracy);
  const double best_snr = by_snr.scores[by_snr.best].output_snr_db;
  for (const AutoScore& s : by_snr.scores) {
    std::printf("auto candidate %-70s SNR %.2f dB\n", s.candidate.label().c_str(), s.output_snr_db);
    EXPECT_LE(s.output_snr_db, best_snr) << s.candidate.label();
    EXPECT_EQ(s.top1, -1);
  }
  ASSERT_EQ(by_snr.scores[0].candidate.label(), "kl");
  // Against the original fp32 model's logits (the reference every candidate is scored on), image by image,
  // measured by this test's own SNR code: plain kl's score, and the returned model's.
  const double kl_image_snr = image_snr_vs_fp32(*kl_);
  EXPECT_NEAR(by_snr.scores[0].output_snr_db, kl_image_snr, 1e-6);
  EXPECT_NEAR(image_snr_vs_fp32(by_snr.model), best_snr, 1e-6);
  EXPECT_GT(best_snr, kl_image_snr)
      << "on this model a pass beats plain kl (bias correction, see the guard test)";

  const LabelledBatches labelled = gen_labelled(*fp32_, *eval_);
  const std::vector<AutoCandidate> few = {
      {RangeMethod::minmax, {}}, {RangeMethod::kl, {}}, {RangeMethod::kl, {"cross_layer_equalization"}}};
  const AutoResult by_top1 = auto_quantize(*fp32_, *stats_, pass_inputs(), few, labelled, kGenThreads);
  EXPECT_TRUE(by_top1.by_accuracy);
  const AutoScore& best = by_top1.scores[by_top1.best];
  for (const AutoScore& s : by_top1.scores) {
    EXPECT_LE(s.top1, best.top1) << s.candidate.label();
    if (s.top1 == best.top1) {
      EXPECT_LE(s.output_snr_db, best.output_snr_db) << s.candidate.label();
    }
  }
  EXPECT_DOUBLE_EQ(top1_accuracy(by_top1.model, labelled, kGenThreads), best.top1);
  std::printf("auto by top-1: %s (%.4f); by SNR: %s (%.2f dB)\n", best.candidate.label().c_str(), best.top1,
              by_snr.scores[by_snr.best].candidate.label().c_str(), best_snr);
}

// (e) The int8 model runs on the fast int8 runtime like the exact int8 reference, and its ncnn int8 files
// read back into a model with the same outputs (and the same error analysis).
TEST_F(MobileNetStyleGenerality, Int8RuntimeAndNcnnRoundTrip) {
  const std::vector<Tensor> fast = gen_run(*kl_, runtime::Int8Mode::real, *eval_);
  runtime::CompileOptions ref_options = gen_compile_options(runtime::Int8Mode::real);
  ref_options.backend = runtime::Backend::reference;
  auto ref = runtime::compile(*kl_, ref_options);
  std::vector<Tensor> exact;
  for (const Tensor& x : *eval_) exact.push_back(ref->run({x}).at(0).clone());
  // Not bit-exact: the two backends' fp32 sums differ in the last bits, and an activation within that of a
  // rounding boundary quantizes one step apart (137 dB at the logits here; 41 dB in a variant of this
  // model where one such tie flipped).
  const double fast_vs_ref = gen_snr(exact, fast);
  const double fast_ref_top1 = gen_top1_agreement(exact, fast);
  std::printf("int8 oneDNN vs int8 reference: %.2f dB, top-1 agreement %.3f\n", fast_vs_ref, fast_ref_top1);
  EXPECT_GT(fast_vs_ref, 30.0);
  EXPECT_GE(fast_ref_top1, 0.95);

  const std::string dir = ::testing::TempDir() + "qd_mobilenet_generality";
  std::filesystem::create_directories(dir);
  exporters::save_ncnn(*kl_, dir + "/m.param", dir + "/m.bin");
  const ir::Model back = frontend::load_ncnn(dir + "/m.param", dir + "/m.bin");
  std::vector<std::string> batch_norms;  // ncnn BatchNorm layers, read back as BatchNormalization
  for (const ir::Node& n : back.graph.nodes())
    if (n.op == ir::OpKind::BatchNormalization) batch_norms.push_back(n.name);
  EXPECT_EQ(batch_norms, (std::vector<std::string>{"input_bn", "ir3_add_bn"}));
  ASSERT_EQ(back.quant.layers.size(), kl_->quant.layers.size());
  // ncnn requantizes a conv's output to int8 when only int8 convs read it: the read-back model does that
  // after ReLU6 / Relu convs, depthwise ones included.
  int requantized = 0;
  for (const auto& [name, lq] : back.quant.layers) requantized += lq.output_scale > 0;
  EXPECT_GE(requantized, 4);
  for (const auto& [name, lq] : kl_->quant.layers) {
    const ir::LayerQuant* b = back.quant.find(name);
    ASSERT_NE(b, nullptr) << name;
    EXPECT_NEAR(b->input_scale, lq.input_scale, 1e-6f * lq.input_scale) << name;
  }
  const std::vector<Tensor> read_back = gen_run(back, runtime::Int8Mode::real, *eval_);
  // The same int8 weights and steps, and requantization to the next layer's own input step: same numbers
  // up to fp32 rounding (the steps go through ncnn's 127 / absmax text), except where a value lies within
  // that rounding of a requantization boundary and lands one step apart: 128 dB with oneDNN's AVX-512
  // kernels, 48 dB with its AVX2 ones (every layer of the first batch within 127-155 dB; one such step in
  // another batch).
  const double round_trip = gen_snr(fast, read_back);
  std::printf("int8 model vs its ncnn round trip: %.2f dB\n", round_trip);
  EXPECT_GT(round_trip, 40.0);
  EXPECT_EQ(gen_top1_agreement(fast, read_back), 1.0);

  // The analysis of the ncnn int8 file against the fp32 model (matched by node name, as `qdeploy analyze`
  // does) finds the same model-output error.
  GenBatchList src(*eval_);
  AnalysisOptions o;
  o.batch = kGenBatch;
  o.num_threads = kGenThreads;
  o.histogram_bins = 0;
  const AnalysisResult r = analyze_quant_error(*fp32_, back, src, o);
  ASSERT_EQ(r.layers.size(), kl_->quant.layers.size());
  EXPECT_EQ(r.layers.back().node, "fc");
  EXPECT_NEAR(r.layers.back().graph_wise.snr_db(), kl_snr_, 0.05);
}

}  // namespace
}  // namespace qd::quant
