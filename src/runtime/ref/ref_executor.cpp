#include "runtime/ref/ref_executor.h"

#include <chrono>

#include "runtime/prepare_graph.h"
#include "runtime/ref/run_node.h"

namespace qd::runtime {

namespace {

class ReferenceExecutor : public Executor {
 public:
  ReferenceExecutor(const ir::Model& model, const CompileOptions& options)
      : graph_(prepare_graph(model.graph, options.batch)),
        quant_(model.quant),
        mode_(options.int8),
        profiling_(options.profile) {}

  std::vector<StepProfile> last_profile() const override { return profile_; }

  std::vector<Tensor> run(const std::vector<Tensor>& inputs, const Tap& tap) override {
    const ir::Graph& g = graph_;
    if (inputs.size() != g.inputs().size())
      fail("",
           "expected " + std::to_string(g.inputs().size()) + " inputs, got " + std::to_string(inputs.size()));
    std::vector<Tensor> vals(g.num_values());
    for (size_t v = 0; v < g.num_values(); ++v)
      if (g.value(v).is_constant()) vals[v] = g.value(v).constant;
    for (size_t i = 0; i < inputs.size(); ++i) {
      const ir::Value& v = g.value(g.inputs()[i]);
      if (inputs[i].shape() != v.shape)
        fail("", "input '" + v.name + "' has shape " + shape_str(inputs[i].shape()) + ", expected " +
                     shape_str(v.shape));
      vals[g.inputs()[i]] = inputs[i].to_f32();
      if (tap) tap(v.name, vals[g.inputs()[i]]);
    }
    profile_.clear();
    for (const ir::Node& n : g.nodes()) {
      std::vector<Tensor> in;
      for (ir::ValueId v : n.inputs) in.push_back(v == ir::kNoValue ? Tensor() : vals[v]);
      const auto t0 = std::chrono::steady_clock::now();
      std::vector<Tensor> out = ref::run_node(g, n, in, quant_.find(n.name), mode_);
      if (profiling_)
        profile_.push_back(
            {n.name,
             std::string(ir::op_name(n.op)) + (mode_ != Int8Mode::off && quant_.find(n.name) ? " int8" : ""),
             std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count()});
      for (size_t i = 0; i < n.outputs.size() && i < out.size(); ++i) {
        if (n.outputs[i] == ir::kNoValue) continue;
        vals[n.outputs[i]] = out[i];
        if (tap && !out[i].empty()) tap(g.value(n.outputs[i]).name, out[i]);
      }
    }
    std::vector<Tensor> result;
    for (ir::ValueId v : g.outputs()) result.push_back(vals[v]);
    return result;
  }

 private:
  ir::Graph graph_;
  ir::QuantParams quant_;
  Int8Mode mode_;
  bool profiling_ = false;
  std::vector<StepProfile> profile_;
};

}  // namespace

std::unique_ptr<Executor> make_reference_executor(const ir::Model& model, const CompileOptions& options) {
  return std::make_unique<ReferenceExecutor>(model, options);
}

}  // namespace qd::runtime
