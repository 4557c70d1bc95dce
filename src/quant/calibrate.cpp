#include "quant/calibrate.h"

#include <exception>
#include <set>

#include "core/error.h"
#include "core/threads.h"
#include "quant/ranges/range_methods.h"
#include "quant/rounding.h"
#include "quant/weight_quant.h"
#include "settings/deploy_target.h"
#include "settings/weight_bits.h"

namespace qd::quant {
namespace {

// Feeds tapped values into per-value statistics; a value reported twice within one batch counts once.
class StatsCollector {
 public:
  StatsCollector(std::set<std::string> wanted, int histogram_bins, int threads)
      : wanted_(std::move(wanted)), threads_(threads) {
    for (const std::string& name : wanted_) stats_.values.emplace(name, ActivationStats(histogram_bins));
  }

  void begin_batch(int64_t batch) {
    batch_ = batch;
    seen_.clear();
  }

  void observe(const std::string& name, const Tensor& data) {
    if (!wanted_.count(name) || !seen_.insert(name).second) return;
    const Tensor f32 = data.to_f32();
    stats_.values.at(name).observe(f32.values<float>(), batch_, threads_);
  }

  void end_batch() {
    ++stats_.batches;
    stats_.samples += static_cast<uint64_t>(batch_);
  }

  CalibrationStats take() { return std::move(stats_); }

 private:
  std::set<std::string> wanted_, seen_;
  int threads_;
  int64_t batch_ = 0;
  CalibrationStats stats_;
};

// The second pass: each value's histogram over [0, its first-pass absmax] (ActivationStats::kl_histogram).
class KlHistogramCollector {
 public:
  KlHistogramCollector(CalibrationStats& stats, int bins, int threads) : threads_(threads) {
    for (auto& [name, s] : stats.values)
      if (s.absmax() > 0.f) {  // an all-zero value has no kl threshold to find
        s.kl_histogram = RangeHistogram(bins, s.absmax());
        histograms_[name] = &s.kl_histogram;
      }
  }

  void begin_batch(int64_t) { seen_.clear(); }
  void observe(const std::string& name, const Tensor& data) {
    auto it = histograms_.find(name);
    if (it == histograms_.end() || !seen_.insert(name).second) return;
    const Tensor f32 = data.to_f32();
    it->second->observe(f32.values<float>(), threads_);
  }
  void end_batch() {}

 private:
  std::map<std::string, RangeHistogram*> histograms_;
  std::set<std::string> seen_;
  int threads_;
};

// Quantization parameters of one node from its input statistics.
ir::LayerQuant layer_params(const ir::Graph& g, const QuantizableNode& q, const ActivationStats& input_stats,
                            const CalibOptions& options, const RangeOptions& ranges) {
  const ir::Node& node = g.node(q.node);
  ir::LayerQuant lq;
  const float threshold = compute_threshold(options.method, input_stats, ranges);
  lq.input_scale = step_from_threshold(threshold, qmax_for_bits(ranges.bits));
  const TargetProfile& target = target_profile(options.target);
  lq.weight_bits = options.weight_bits ? options.weight_bits : weight_bits_for_node(node, options.target);
  const Tensor& w = g.value(q.weight).constant;
  lq.weight_scales = per_channel_weight_steps(w, weight_channel_axis(node), lq.weight_bits, node.name);
  if (target.grouped_conv_scale_per_group && node.op == ir::OpKind::Conv) {
    // ncnn keeps one weight scale per group for grouped (non-depthwise) convolutions.
    const int group = node.attr<ir::ConvAttrs>().group;
    if (group > 1 && group != static_cast<int>(lq.weight_scales.size()))
      lq.weight_scales = share_steps_within_groups(lq.weight_scales, group);
  }
  if (target.depthwise_dequant_estimate && node.op == ir::OpKind::Conv) {
    const Shape& xs = g.value(q.input).shape;
    const int64_t in_c = xs.size() > 1 ? xs[1] : -1;
    lq.dequant_reciprocal_estimate =
        is_ncnn_packed_int8_depthwise(conv_window_of(node.attr<ir::ConvAttrs>()), in_c, w.dim(0));
  }
  return lq;
}

}  // namespace

RangeOptions range_options(const CalibOptions& options) {
  RangeOptions r;
  r.percentile = options.percentile;
  return r;
}

std::vector<QuantizableNode> quantizable_nodes(const ir::Graph& graph) {
  std::vector<QuantizableNode> out;
  for (ir::NodeId id = 0; id < static_cast<ir::NodeId>(graph.nodes().size()); ++id) {
    const ir::Node& n = graph.node(id);
    if (n.op != ir::OpKind::Conv && n.op != ir::OpKind::Gemm) continue;
    if (n.inputs.size() < 2 || n.inputs[0] == ir::kNoValue || n.inputs[1] == ir::kNoValue) continue;
    if (graph.value(n.inputs[0]).is_constant() || !graph.value(n.inputs[1]).is_constant()) continue;
    out.push_back({id, n.inputs[0], n.inputs[1]});
  }
  return out;
}

bool needs_kl_histogram_pass(const CalibOptions& options) {
  return options.method == RangeMethod::kl && target_profile(options.target).kl_histogram_second_pass;
}

CalibrationStats collect_stats(const ir::Model& model, BatchSource& source, const CalibOptions& options,
                               const ExecutorFactory& make_executor, const CalibProgress& progress) {
  const ir::Graph& g = model.graph;
  if (g.inputs().size() != 1)
    fail("calibration", "the model must have exactly one input, it has " + std::to_string(g.inputs().size()));
  std::set<std::string> wanted;
  for (const QuantizableNode& q : quantizable_nodes(g)) wanted.insert(g.value(q.input).name);
  const std::string& input_name = g.value(g.inputs()[0]).name;
  const int threads = resolve_threads(options.num_threads);

  std::map<int64_t, std::unique_ptr<runtime::Executor>> executors;  // one per batch size met (last batch)
  const bool second_pass = needs_kl_histogram_pass(options);
  const size_t total = source.size() * (second_pass ? 2 : 1);
  size_t done = 0;
  // One pass over `source`: every batch through the fp32 model, its input and tapped values to `collector`.
  auto run_pass = [&](auto& collector) {
    const runtime::Tap tap = [&](const std::string& name, const Tensor& data) {
      collector.observe(name, data);
    };
    size_t batches = 0;
    Tensor batch;
    while (source.next(batch)) {
      if (batch.rank() < 1 || batch.dim(0) < 1)
        fail("calibration", "batch " + std::to_string(batches) + " is empty");
      const Tensor input = batch.to_f32();
      const int64_t n = input.dim(0);
      auto& exec = executors[n];
      if (!exec) exec = make_executor(model, n);
      collector.begin_batch(n);
      collector.observe(input_name, input);  // a graph input feeding a Conv is observed even if not tapped
      exec->run({input}, tap);
      collector.end_batch();
      ++batches;
      if (progress) progress(++done, total);
    }
    return batches;
  };

  StatsCollector collector(wanted, options.histogram_bins, threads);
  if (run_pass(collector) == 0) fail("calibration", "the calibration set is empty");
  CalibrationStats stats = collector.take();
  for (const auto& [name, s] : stats.values) {
    if (s.minmax.nonfinite_count())
      fail("calibration", "value '" + name + "' has " + std::to_string(s.minmax.nonfinite_count()) +
                              " non-finite elements (NaN/inf) in the calibration run");
    if (s.samples == 0) fail_internal("calibration: the runtime never reported value '" + name + "'");
  }
  if (second_pass && source.rewind()) {
    KlHistogramCollector kl(stats, range_options(options).kl_bins, threads);
    run_pass(kl);
  }
  return stats;
}

ir::QuantParams params_from_stats(const CalibrationStats& stats, const ir::Model& model,
                                  const CalibOptions& options) {
  parse_weight_bits(options.weight_bits,
                    "calibration: weight bits");  // parsed at the edge; a library caller too
  const RangeOptions ranges = range_options(options);
  const ir::Graph& g = model.graph;

  const std::vector<QuantizableNode> nodes = quantizable_nodes(g);
  for (const QuantizableNode& q : nodes) {
    const std::string& input = g.value(q.input).name;
    if (!stats.find(input))
      fail("calibration",
           "no statistics for value '" + input + "' (input of node '" + g.node(q.node).name + "')");
  }

  // Range methods are pure and some (kl, mse) cost O(bins^2): nodes run in parallel. Exceptions cannot
  // leave an OpenMP region, so each node's is kept and the first one rethrown.
  std::vector<ir::LayerQuant> layers(nodes.size());
  std::vector<std::exception_ptr> errors(nodes.size());
  const int64_t count = static_cast<int64_t>(nodes.size());
#pragma omp parallel for schedule(dynamic) num_threads(resolve_threads(options.num_threads))
  for (int64_t i = 0; i < count; ++i) {
    try {
      layers[i] = layer_params(g, nodes[i], *stats.find(g.value(nodes[i].input).name), options, ranges);
    } catch (...) {
      errors[i] = std::current_exception();
    }
  }
  for (const std::exception_ptr& e : errors)
    if (e) std::rethrow_exception(e);

  ir::QuantParams params;
  for (size_t i = 0; i < nodes.size(); ++i)
    if (target_computes_int8(g.node(nodes[i].node), g, options.target))
      params.layers[g.node(nodes[i].node).name] = std::move(layers[i]);
  return params;
}

}  // namespace qd::quant
