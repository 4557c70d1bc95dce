// Runtime speed on the shared CIFAR models: fp32 and int8, batch 1 and 8, one thread.
// Int8 steps come from a quick absmax pass over random data (speed does not depend on their values).
#include <benchmark/benchmark.h>
#include <immintrin.h>
#include <omp.h>
#include <sys/resource.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <map>
#include <random>

#include "frontend/ncnn/ncnn_reader.h"
#include "frontend/onnx/onnx_importer.h"
#include "ir/shape_inference.h"
#include "runtime/executor.h"
#include "runtime/onednn/signed_int8_depthwise.h"
#include "runtime/onednn/swish_step.h"
#include "runtime/onednn/winograd_int8_conv.h"

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

void BM_Model(benchmark::State& state, const char* file, bool int8,
              runtime::WinogradPolicy winograd = runtime::WinogradPolicy::when_faster) {
  const int64_t batch = state.range(0);
  const int threads = static_cast<int>(state.range(1));
  ir::Model m = frontend::import_onnx(std::string(QDEPLOY_SHARED_DIR) + "/models/" + file);
  runtime::CompileOptions o;
  o.threads = threads;
  o.batch = batch;
  o.int8 = int8 ? runtime::Int8Mode::real : runtime::Int8Mode::off;
  o.winograd = winograd;
  if (int8) add_absmax_quant(m);
  auto ex = runtime::compile(m, o);
  const Tensor in = random_input(m, batch);
  for (auto _ : state) benchmark::DoNotOptimize(ex->run({in}));
  state.counters["images/s"] =
      benchmark::Counter(static_cast<double>(batch), benchmark::Counter::kIsIterationInvariantRate);
}

BENCHMARK_CAPTURE(BM_Model, resnet18_fp32, "resnet18_cifar10.onnx", false)
    ->Args({1, 1})
    ->Args({1, 2})
    ->Args({8, 1})
    ->Unit(benchmark::kMillisecond);
// The same with every conv direct (oneDNN's jit:avx2 kernels): what Winograd F(2x2, 3x3) gains.
BENCHMARK_CAPTURE(BM_Model, resnet18_fp32_direct, "resnet18_cifar10.onnx", false,
                  runtime::WinogradPolicy::never)
    ->Args({1, 1})
    ->Args({1, 2})
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Model, resnet18_int8, "resnet18_cifar10.onnx", true)
    ->Args({1, 1})
    ->Args({1, 2})
    ->Args({8, 1})
    ->Unit(benchmark::kMillisecond);
// Batch 32 on 1 and 2 threads; CPU time of the whole process (all threads), so on a busy machine
// "CPU ms per batch" shows the work, and real time shows what the machine gave.
BENCHMARK_CAPTURE(BM_Model, resnet18_int8_b32, "resnet18_cifar10.onnx", true)
    ->Args({32, 1})
    ->Args({32, 2})
    ->MeasureProcessCPUTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Model, resnet20_fp32, "resnet20_cifar10.onnx", false)
    ->Args({1, 1})
    ->Args({1, 2})
    ->Args({8, 1})
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_Model, resnet20_int8, "resnet20_cifar10.onnx", true)
    ->Args({1, 1})
    ->Args({1, 2})
    ->Args({8, 1})
    ->Unit(benchmark::kMillisecond);

// The int8 Winograd F(4x4, 3x3) conv alone (transforms + products, exact int32 accumulators) at ResNet-18
// CIFAR's stride-1 shapes: {H = W, C = OC, threads}. Shows how the kernel scales with threads apart from
// the rest of the model.
void BM_WinogradInt8Conv(benchmark::State& state) {
  namespace od = runtime::onednn;
  if (!__builtin_cpu_supports("avx2")) {
    state.SkipWithError("needs AVX2");
    return;
  }
  od::WinogradInt8Shape s;
  s.N = 1, s.H = s.W = s.OH = s.OW = state.range(0), s.C = s.OC = state.range(1);
  s.pad_top = s.pad_left = 1, s.tile = 4, s.vnni = od::winograd_int8_vnni_available();
  const int threads = static_cast<int>(state.range(2));
  od::winograd_int8_plan(s, threads);
  std::mt19937 rng(3);
  Tensor qw(DataType::i8, {s.OC, s.C, 3, 3});
  for (int8_t& w : qw.values<int8_t>()) w = static_cast<int8_t>(static_cast<int>(rng() % 63) - 31);
  std::vector<uint8_t> src(static_cast<size_t>(s.H * s.W * s.C));
  for (uint8_t& x : src) x = static_cast<uint8_t>(rng() % 128);
  const auto u = od::winograd_int8_weights(qw, s.tile, s.c_padded(), s.oc_padded());
  std::vector<int16_t> v(s.v_bytes() / sizeof(int16_t));
  std::vector<int32_t> mm(s.m_bytes() / sizeof(int32_t)), acc(static_cast<size_t>(s.OH * s.OW * s.OC));
  omp_set_num_threads(threads);
  for (auto _ : state) {
    od::winograd_int8_accumulate(s, src.data(), u.data(), v.data(), mm.data(), acc.data());
    benchmark::DoNotOptimize(acc.data());
  }
  state.counters["tile_block"] = static_cast<double>(s.tile_block);
}
BENCHMARK(BM_WinogradInt8Conv)
    ->Args({32, 64, 1})
    ->Args({32, 64, 2})
    ->Args({16, 128, 1})
    ->Args({16, 128, 2})
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

// The AVX2 int8 depthwise conv (signed_int8_depthwise.h) on a u8 source with a u8 (ReLU6-like) output, at
// MobileNetV2's 3x3 shapes: {H = W, C, stride, threads}. One thread: compare with the model profile's step.
void BM_Int8Depthwise(benchmark::State& state) {
  namespace od = runtime::onednn;
  if (!__builtin_cpu_supports("avx2")) return state.SkipWithError("needs AVX2");
  od::SignedInt8DepthwiseShape s;
  s.N = 1, s.H = s.W = state.range(0), s.C = state.range(1), s.kh = s.kw = 3;
  s.stride_h = s.stride_w = static_cast<int>(state.range(2)), s.pad_top = s.pad_left = 1, s.u8_source = true;
  s.OH = s.OW = (s.H + 2 - 3) / s.stride_h + 1;
  std::mt19937 rng(7);
  Tensor qw(DataType::i8, {s.C, 1, 3, 3});
  for (int8_t& w : qw.values<int8_t>()) w = static_cast<int8_t>(static_cast<int>(rng() % 255) - 127);
  std::vector<uint8_t> src(static_cast<size_t>(s.H * s.W * s.C));
  for (uint8_t& x : src) x = static_cast<uint8_t>(rng() % 256);
  const auto w = od::signed_int8_depthwise_weights(qw);
  std::vector<float> scales(static_cast<size_t>(s.C), 1e-4f);
  const od::Int8ConvEpilogue e = od::make_int8_conv_epilogue(s.C, s.c_padded(), scales, nullptr, 0.05f, true);
  AlignedArray<uint8_t> scratch(s.scratch_bytes());
  std::vector<uint8_t> dst(static_cast<size_t>(s.OH * s.OW * s.C));
  omp_set_num_threads(static_cast<int>(state.range(3)));
  for (auto _ : state) {
    od::signed_int8_depthwise_convolve(s, reinterpret_cast<const int8_t*>(src.data()), w, scratch.data(),
                                       dst.data(), e, false);
    benchmark::DoNotOptimize(dst.data());
  }
}
BENCHMARK(BM_Int8Depthwise)
    ->Args({112, 32, 1, 1})
    ->Args({56, 144, 1, 1})
    ->Args({112, 96, 2, 1})
    ->Args({112, 16, 2, 1})
    ->Args({28, 192, 1, 1})
    ->Args({14, 384, 1, 1})
    ->Args({7, 960, 1, 1})
    ->Args({112, 32, 1, 2})
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

// EfficientNet-B0's Swish passes (swish_step.h) over n floats: 1.2M = its 16 -> 96 conv at 112x112 (beyond
// the caches), 96K = 96 channels at 32x32 (in L2). Arg 1: in place (fp32 models), or Swish + int8
// quantization into a separate buffer (int8 models). "elem/s" counts elements per second.
void BM_SwishPass(benchmark::State& state) {
  if (!runtime::onednn::swish_pass_available()) return state.SkipWithError("needs AVX-512");
  const int64_t n = state.range(0);
  std::vector<float> x(static_cast<size_t>(n)), work(x.size());
  std::vector<int8_t> q(x.size());
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> d(-6.f, 6.f);
  for (float& v : x) v = d(rng);
  for (auto _ : state) {
    if (state.range(1) == 0) {
      state.PauseTiming();
      std::copy(x.begin(), x.end(), work.begin());
      state.ResumeTiming();
      runtime::onednn::swish_inplace(work.data(), n);
      benchmark::DoNotOptimize(work.data());
    } else {
      runtime::onednn::swish_quantize(x.data(), q.data(), n, 0.05f);
      benchmark::DoNotOptimize(q.data());
    }
  }
  state.counters["elem/s"] =
      benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_SwishPass)
    ->Args({1204224, 0})
    ->Args({1204224, 1})
    ->Args({98304, 0})
    ->Args({98304, 1})
    ->Unit(benchmark::kMicrosecond);

// Machine ceilings, to judge the model times against: the best u8 x s8 multiply-accumulate rate AVX2
// allows (vpmaddubsw + vpmaddwd + vpaddd, what oneDNN's jit_uni_int8:avx2 convolutions use without VNNI)
// and the best fp32 FMA rate, one thread, with enough independent chains to hide latency. "MAC/s" counts
// multiply-accumulates per CPU second.
__attribute__((target("avx2"))) void BM_PeakInt8Avx2(benchmark::State& state) {
  __m256i a = _mm256_set1_epi8(3), ones = _mm256_set1_epi16(1);
  __m256i acc[8], b[8];  // a different weight vector per chain, so no product is shared
  for (int i = 0; i < 8; ++i)
    acc[i] = _mm256_setzero_si256(), b[i] = _mm256_set1_epi8(static_cast<char>(i % 2 ? -1 - i : 1 + i));
  constexpr int64_t kIters = 1 << 16;
  for (auto _ : state) {
    for (int64_t i = 0; i < kIters; ++i) {
      asm volatile("" : "+x"(a));  // a is opaque each iteration: nothing can be hoisted
      for (int k = 0; k < 8; ++k)
        acc[k] = _mm256_add_epi32(acc[k], _mm256_madd_epi16(_mm256_maddubs_epi16(a, b[k]), ones));
    }
  }
  for (auto& x : acc) benchmark::DoNotOptimize(x);
  state.counters["MAC/s"] =
      benchmark::Counter(static_cast<double>(kIters * 8 * 32), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_PeakInt8Avx2);

__attribute__((target("avx2,fma"))) void BM_PeakFp32Fma(benchmark::State& state) {
  __m256 a = _mm256_set1_ps(1.0001f), b = _mm256_set1_ps(0.9999f);
  __m256 acc[10];
  for (auto& x : acc) x = _mm256_setzero_ps();
  constexpr int64_t kIters = 1 << 16;
  for (auto _ : state) {
    for (int64_t i = 0; i < kIters; ++i) {
      asm volatile("" : "+x"(a));
      for (auto& x : acc) x = _mm256_fmadd_ps(a, b, x);
    }
  }
  for (auto& x : acc) benchmark::DoNotOptimize(x);
  state.counters["MAC/s"] =
      benchmark::Counter(static_cast<double>(kIters * 10 * 8), benchmark::Counter::kIsIterationInvariantRate);
}
BENCHMARK(BM_PeakFp32Fma);

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
  const int reps = std::getenv("QD_REPS") ? std::atoi(std::getenv("QD_REPS")) : 60;
  for (int r = 0; r < reps; ++r) {
    ex->run({in});
    if (r < reps / 6) continue;
    names = ex->last_profile();
    ms.resize(names.size());
    for (size_t i = 0; i < names.size(); ++i) ms[i].push_back(names[i].ms);
  }
  // Multiply-accumulates of each Conv / Gemm node, for the GMAC/s column.
  std::map<std::string, double> macs;
  const ir::Graph g = ir::with_batch(m.graph, o.batch);
  for (const ir::Node& n : g.nodes()) {
    if (n.op != ir::OpKind::Conv && n.op != ir::OpKind::Gemm) continue;
    const Shape& w = g.value(n.inputs[1]).shape;
    const Shape& y = g.value(n.outputs[0]).shape;
    double per = 1;
    for (size_t d = 1; d < w.size(); ++d) per *= static_cast<double>(w[d]);
    double outs = 1;
    for (int64_t d : y) outs *= static_cast<double>(d);
    macs[n.name] =
        n.op == ir::OpKind::Conv ? outs * per : outs * static_cast<double>(w[0] == y[1] ? w[1] : w[0]);
  }
  double total = 0, conv_ms = 0, total_macs = 0;
  for (size_t i = 0; i < names.size(); ++i) {
    std::sort(ms[i].begin(), ms[i].end());
    const double med = ms[i][ms[i].size() / 2];
    total += med;
    const bool compute = names[i].op.rfind("conv", 0) == 0 || names[i].op.rfind("gemm", 0) == 0;
    const double mac = compute && macs.count(names[i].name) ? macs[names[i].name] : 0;
    if (compute) conv_ms += med, total_macs += mac;
    std::printf("%-50s %-24s %8.3f", names[i].name.c_str(), names[i].op.c_str(), med);
    if (mac > 0) std::printf("  %6.1f GMAC/s", mac / med / 1e6);
    std::printf("\n");
  }
  std::printf("total (sum of medians) %.3f ms; conv/gemm %.3f ms for %.1f MMAC (%.1f GMAC/s)\n", total,
              conv_ms, total_macs / 1e6, total_macs / conv_ms / 1e6);
  return 0;
}

// `--load <x.param> <x.bin> <threads>`: CPU and wall time of reading an ncnn model, compiling it and the
// first inference (issue: open resnet18 int8 and run once in under 100 ms), and the peak RSS after.
int load_main(int argc, char** argv) {
  if (argc < 5) return std::fprintf(stderr, "usage: --load <x.param> <x.bin> <threads>\n"), 1;
  auto cpu_ms = [] {
    timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
  };
  auto wall_ms = [] {
    timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
  };
  const double c0 = cpu_ms(), w0 = wall_ms();
  ir::Model m = frontend::load_ncnn(argv[2], argv[3]);
  Shape s = m.graph.value(m.graph.inputs()[0]).shape;
  if (s.size() == 4 && s[1] < 0) m.graph.value(m.graph.inputs()[0]).shape = s = {kDynamicDim, 3, 32, 32};
  const double c1 = cpu_ms(), w1 = wall_ms();
  runtime::CompileOptions o;
  o.threads = std::atoi(argv[4]);
  auto ex = runtime::compile(m, o);
  const double c2 = cpu_ms(), w2 = wall_ms();
  s[0] = 1;
  ex->run({Tensor(DataType::f32, s)});
  const double c3 = cpu_ms(), w3 = wall_ms();
  ex->run({Tensor(DataType::f32, s)});
  const double c4 = cpu_ms(), w4 = wall_ms();
  rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  std::printf(
      "read %.1f ms cpu (%.1f wall), compile %.1f (%.1f), first run %.1f (%.1f), total %.1f (%.1f); "
      "second run %.1f (%.1f); peak RSS %.1f MB\n",
      c1 - c0, w1 - w0, c2 - c1, w2 - w1, c3 - c2, w3 - w2, c3 - c0, w3 - w0, c4 - c3, w4 - w3,
      ru.ru_maxrss / 1024.0);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::strcmp(argv[1], "--profile") == 0) return profile_main(argc, argv);
  if (argc > 1 && std::strcmp(argv[1], "--load") == 0) return load_main(argc, argv);
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}
