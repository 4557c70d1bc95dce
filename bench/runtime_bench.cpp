// Runtime speed on the shared CIFAR models: fp32 and int8, batch 1 and 8, one thread.
// Int8 steps come from a quick absmax pass over random data (speed does not depend on their values).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <random>

#include "frontend/onnx/onnx_importer.h"
#include "runtime/executor.h"

namespace {

using namespace qd;

Tensor random_input(const ir::Model& m, int64_t batch) {
  Shape s = m.graph.value(m.graph.inputs()[0]).shape;
  s[0] = batch;
  Tensor t(DataType::f32, s);
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> d(-2.f, 2.f);
  for (float& v : t.values<float>()) v = d(rng);
  return t;
}

// Per-channel absmax weight steps, absmax activation steps, int8 outputs between consecutive convs.
void add_absmax_quant(ir::Model& m) {
  std::map<std::string, float> act;
  runtime::CompileOptions ro;
  ro.backend = runtime::Backend::reference;
  ro.int8 = runtime::Int8Mode::off;
  runtime::compile(m, ro)->run({random_input(m, 1)}, [&](const std::string& n, const Tensor& t) {
    float mx = 0;
    for (float v : t.values<float>()) mx = std::max(mx, std::fabs(v));
    act[n] = mx / 127;
  });
  ir::Graph& g = m.graph;
  for (const ir::Node& n : g.nodes()) {
    if (n.op != ir::OpKind::Conv && n.op != ir::OpKind::Gemm) continue;
    ir::LayerQuant q;
    q.input_scale = act.at(g.value(n.inputs[0]).name);
    const Tensor w = g.value(n.inputs[1]).constant.to_f32();
    const int64_t O = w.dim(0), per = w.numel() / O;  // Gemm: ONNX exports use trans_b = 1
    for (int64_t o = 0; o < O; ++o) {
      float mx = 0;
      for (int64_t i = 0; i < per; ++i) mx = std::max(mx, std::fabs(w.data<float>()[o * per + i]));
      q.weight_scales.push_back(mx / 127);
    }
    m.quant.layers[n.name] = q;
  }
  for (const ir::Node& n : g.nodes()) {
    if (n.op != ir::OpKind::Conv) continue;
    ir::ValueId cur = n.outputs[0];
    while (g.consumers(cur).size() == 1 && ir::is_activation(g.node(g.consumers(cur)[0]).op))
      cur = g.node(g.consumers(cur)[0]).outputs[0];
    const auto cons = g.consumers(cur);
    if (!cons.empty() && g.node(cons[0]).op == ir::OpKind::Conv)
      m.quant.layers[n.name].output_scale = m.quant.layers[g.node(cons[0]).name].input_scale;
  }
}

void BM_Model(benchmark::State& state, const char* file, bool int8) {
  const int64_t batch = state.range(0);
  ir::Model m = frontend::import_onnx(std::string(QDEPLOY_SHARED_DIR) + "/models/" + file);
  runtime::CompileOptions o;
  o.threads = 1;
  o.batch = batch;
  o.int8 = int8 ? runtime::Int8Mode::real : runtime::Int8Mode::off;
  if (int8) add_absmax_quant(m);
  auto ex = runtime::compile(m, o);
  const Tensor in = random_input(m, batch);
  for (auto _ : state) benchmark::DoNotOptimize(ex->run({in}));
  state.counters["images/s"] =
      benchmark::Counter(static_cast<double>(batch), benchmark::Counter::kIsIterationInvariantRate);
}

BENCHMARK_CAPTURE(BM_Model, resnet18_fp32, "resnet18_cifar10.onnx", false)
    ->Arg(1)
    ->Arg(8)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Model, resnet18_int8, "resnet18_cifar10.onnx", true)
    ->Arg(1)
    ->Arg(8)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Model, resnet20_fp32, "resnet20_cifar10.onnx", false)
    ->Arg(1)
    ->Arg(8)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Model, resnet20_int8, "resnet20_cifar10.onnx", true)
    ->Arg(1)
    ->Arg(8)
    ->Unit(benchmark::kMillisecond);

// `--profile <model.onnx> <int8 0|1> <batch> <threads>`: median per-step times over 50 runs.
int profile_main(int argc, char** argv) {
  if (argc < 6)
    return std::fprintf(stderr, "usage: --profile <file in shared/models> <int8> <batch> <threads>\n"), 1;
  ir::Model m = frontend::import_onnx(std::string(QDEPLOY_SHARED_DIR) + "/models/" + argv[2]);
  runtime::CompileOptions o;
  o.int8 = std::atoi(argv[3]) ? runtime::Int8Mode::real : runtime::Int8Mode::off;
  o.batch = std::atoi(argv[4]);
  o.threads = std::atoi(argv[5]);
  o.profile = true;
  if (o.int8 == runtime::Int8Mode::real) add_absmax_quant(m);
  auto ex = runtime::compile(m, o);
  const Tensor in = random_input(m, o.batch);
  std::vector<std::vector<double>> ms;
  std::vector<runtime::StepProfile> names;
  for (int r = 0; r < 60; ++r) {
    ex->run({in});
    if (r < 10) continue;
    names = ex->last_profile();
    ms.resize(names.size());
    for (size_t i = 0; i < names.size(); ++i) ms[i].push_back(names[i].ms);
  }
  double total = 0;
  for (size_t i = 0; i < names.size(); ++i) {
    std::sort(ms[i].begin(), ms[i].end());
    const double med = ms[i][ms[i].size() / 2];
    total += med;
    std::printf("%-28s %-26s %8.3f\n", names[i].name.c_str(), names[i].op.c_str(), med);
  }
  std::printf("%-55s %8.3f ms\n", "total (sum of medians)", total);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "--profile") == 0) return profile_main(argc, argv);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}
