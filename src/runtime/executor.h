// The runtime's public face: compile a model once, run it many times.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/tensor.h"
#include "ir/model.h"

namespace qd::runtime {

enum class Backend {
  onednn,     // fast path: oneDNN primitives, fused post-ops, real int8 arithmetic
  reference,  // naive kernels; fp32 oracle, and exact int8 reference with the same rounding as the fast path
};

enum class Int8Mode {
  off,       // ignore model.quant, run everything in fp32
  real,      // int8 x int8 -> int32 arithmetic for layers in model.quant (default)
  simulate,  // fake-quantize in fp32 (quantize->dequantize); analysis only
};

enum class WinogradPolicy { never, when_faster, always };
// When an optional own kernel of the oneDNN backend runs: where it was measured faster, on everything it
// supports (tests), or never.
enum class KernelPolicy { never, when_faster, always };

struct CompileOptions {
  Backend backend = Backend::onednn;
  Int8Mode int8 = Int8Mode::real;
  int threads = 0;       // 0 = all cores
  int64_t batch = 1;     // batch size the executor is compiled for (replaces a symbolic or fixed batch dim)
  bool profile = false;  // record each step's wall time during run() (see Executor::last_profile)
  // oneDNN backend with threads > 1: steps with less work than this (multiply-accumulates for Conv/Gemm,
  // output elements otherwise) run on one thread. < 0 = default_min_parallel_work().
  double min_parallel_work = -1;
  // oneDNN backend, fp32 3x3 stride-1 convs as Winograd F(2x2, 3x3): 2.25x fewer multiply-adds, results
  // differ from direct convolution by fp32 rounding only. `when_faster`: convs large enough to gain (see
  // build_conv_winograd); `always`: every conv it supports (tests); `never`: direct convolution only.
  WinogradPolicy winograd = WinogradPolicy::when_faster;
  // oneDNN backend, int8 3x3 convs on our own AVX2 direct kernel with int16 partial sums
  // (direct_int8_conv.h): `when_faster`: small outputs on machines without VNNI; `always`: every conv it
  // supports that Winograd does not take (tests); `never`: oneDNN's.
  KernelPolicy int8_direct = KernelPolicy::when_faster;
  // oneDNN backend, int8 convs reading a signed source where oneDNN's s8 sources are inexact (no VNNI) on
  // our int16 kernel (signed_int8_conv.h) instead of two u8 convs on the value's halves: `never` keeps the
  // split (tests); `when_faster` and `always`: every conv it supports.
  KernelPolicy int8_signed = KernelPolicy::when_faster;
};

// The one-thread threshold: 4M when OpenMP threads sleep between steps (OMP_WAIT_POLICY=passive: each
// parallel step must wake them, ~15 us on the 2-core test machine) or when other processes keep the cores
// busy (a spinning thread gets descheduled and a barrier waits for it: ResNet-20 at 2 threads took 184 ms
// instead of 1.6 with every step split); else 0: on an idle machine ResNet-20 at 2 threads ran 0.84 ms
// with every step split vs 1.50 ms with its 2.4M-MAC convs on one thread.
double min_parallel_work_for(bool passive_wait, int other_runnable_tasks, int threads, int cpus);
// min_parallel_work_for with OMP_WAIT_POLICY and the runnable tasks of /proc/loadavg (least of a few
// samples 1 ms apart, this process's sampling thread excluded).
double default_min_parallel_work(int threads);

// One executed step of the last run(): a fused layer (e.g. conv+bias+relu+add) or a single op.
struct StepProfile {
  std::string name;  // IR node name of the step's main node
  std::string op;    // what ran, e.g. "conv int8 3x3" or "pool max"
  double ms = 0;     // wall time of this step in the last run()
};

// Observes a materialised value during run(): called with the value's IR name and its data (NCHW f32).
// The input value of every Conv / Gemm node and every graph output is always observable (the reference
// backend shows every value). A value the oneDNN backend keeps in int8 (between two int8 convs) is shown
// dequantized (q * step). Without a tap nothing is reordered or copied.
using Tap = std::function<void(const std::string& value_name, const Tensor& data)>;

class Executor {
 public:
  virtual ~Executor() = default;
  // Runs one batch. Inputs in graph-input order, f32 NCHW with the compiled batch size. Returns graph
  // outputs (f32). Never creates primitives or allocates weights. Not thread-safe: an executor owns its
  // activation buffers; use one executor per thread.
  virtual std::vector<Tensor> run(const std::vector<Tensor>& inputs, const Tap& tap = {}) = 0;
  // Per-step times of the last run() when compiled with CompileOptions::profile; empty otherwise.
  virtual std::vector<StepProfile> last_profile() const { return {}; }
};

// Builds an executor (primitives created, weights reordered/quantized once). Throws qd::Error.
std::unique_ptr<Executor> compile(const ir::Model& model, const CompileOptions& options);

}  // namespace qd::runtime
