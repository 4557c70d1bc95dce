#include "runtime/onednn/onednn_executor.h"

#include <omp.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <thread>

#include "core/aligned_buffer.h"
#include "core/threads.h"
#include "ir/non_negative.h"
#include "runtime/cpu_isa.h"
#include "runtime/onednn/concat_nhwc.h"
#include "runtime/onednn/conv_swish_rows.h"
#include "runtime/onednn/direct_int8_conv.h"
#include "runtime/onednn/executor_impl.h"
#include "runtime/onednn/interleave_step.h"
#include "runtime/onednn/s8_source_exact.h"
#include "runtime/onednn/signed_int8_conv.h"
#include "runtime/onednn/swish_step.h"
#include "runtime/onednn/winograd_conv.h"
#include "runtime/onednn/winograd_int8_conv.h"
#include "runtime/prepare_graph.h"
#include "runtime/ref/int8.h"

namespace qd::runtime {

std::unique_ptr<Executor> make_onednn_executor(const ir::Model& model, const CompileOptions& options) {
  return std::make_unique<onednn::OneDnnExecutor>(model, options);
}

std::string onednn_plan_summary(const Executor& executor) {
  auto* e = dynamic_cast<const onednn::OneDnnExecutor*>(&executor);
  return e ? e->summary() : std::string();
}

bool onednn_runs_on_one_thread(const Executor& executor) {
  auto* e = dynamic_cast<const onednn::OneDnnExecutor*>(&executor);
  return e && e->whole_model_serial();
}

namespace onednn {

namespace {

// Zeroed: padded blocked layouts (e.g. 3 input channels in blocks of 4) must not read garbage.
std::shared_ptr<void> aligned_alloc_bytes(size_t bytes) { return allocate_lasting_zeroed(bytes); }

bool gemm_mappable(const ir::Graph& g, const ir::Node& n) {
  const auto& a = n.attr<ir::GemmAttrs>();
  if (a.trans_a || n.inputs.size() < 2 || g.value(n.inputs[0]).is_constant()) return false;
  if (!g.value(n.inputs[1]).is_constant() || g.value(n.inputs[1]).shape.size() != 2) return false;
  const int64_t N = a.trans_b ? g.value(n.inputs[1]).shape[0] : g.value(n.inputs[1]).shape[1];
  if (n.inputs.size() > 2 && n.inputs[2] != ir::kNoValue) {
    const ir::Value& c = g.value(n.inputs[2]);
    if (!c.is_constant() || c.constant.numel() != N) return false;
    if (!(c.shape.size() == 1 || (c.shape.size() == 2 && c.shape[0] == 1))) return false;
  }
  return true;
}

// Groups with less work than the executor's min_parallel_work run on one thread. Every oneDNN step is an
// OpenMP fork/join; with OMP_WAIT_POLICY=passive (needed on a busy machine) waking the other thread cost
// ~15 us per step on the shared 2-core AVX2 test machine (measured under load 5-10) even for a 10-element
// softmax, and ResNet-20's 2.4M-MAC convs (~70 us on one thread) ran slower on two threads than on one;
// ResNet-18's 19M-38M-MAC convs still gain from two. With spinning threads (the default policy) on an idle
// machine every split paid off.
constexpr double kPassiveMinParallelWork = 4e6;

// A whole model with less work than this (multiply-adds weighed as fp32 ones with AVX-512: a one-thread run
// under ~0.6 ms) runs on one thread even when more are asked for. Its steps last 2-10 us, and
// at two threads on the test VM (AVX-512, idle, default wait policy) waking the second thread between them
// cost more than it added: ResNet-20 CIFAR (41M) int8 0.23 ms at two threads against 0.16 at one, fp32 0.49
// vs 0.41; MobileNetV3-Small (60M) int8 0.83 vs 0.62; ShuffleNetV2 int8 (146M) 1.36 vs 1.11. Per-group
// thresholds cannot fix it: serial groups inside a parallel model read data half in the other core's cache
// (MobileNetV2 at two threads got slower with any threshold; docs/benchmarks.md). With oneDNN capped to AVX2,
// ResNet-20's fp32 run (0.9 ms at one thread) still gains from two (0.59), its int8 one (0.40) does not.
constexpr double kSmallModelWork = 6e7;

bool wait_policy_is_passive() {
  const char* p = std::getenv("OMP_WAIT_POLICY");
  if (!p) return false;
  std::string v(p);
  for (char& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return v == "passive";
}

// Multiply-accumulates (Conv, Gemm) or output elements (other ops) of a group.
double group_work(const ir::Graph& g, const FusedGroup& grp) {
  const ir::Node& n = g.node(grp.anchor);
  if (n.outputs.empty() || n.outputs[0] == ir::kNoValue) return 0;
  const Shape& ys = g.value(n.outputs[0]).shape;
  double out = 1;
  for (int64_t d : ys) out *= static_cast<double>(d);
  if (n.op == ir::OpKind::Conv && n.inputs.size() > 1) {
    const Shape& ws = g.value(n.inputs[1]).shape;  // [O, I/group, kh, kw]
    double per = 1;
    for (size_t i = 1; i < ws.size(); ++i) per *= static_cast<double>(ws[i]);
    return out * per;
  }
  if (n.op == ir::OpKind::Gemm && !n.inputs.empty()) {
    const Shape& xs = g.value(n.inputs[0]).shape;
    return out * static_cast<double>(xs.empty() ? 1 : xs.back());
  }
  return out;
}

}  // namespace

const ir::LayerQuant* OneDnnExecutor::quant_of(const ir::Node& n) const {
  if (int8_mode_ == Int8Mode::off || (n.op != ir::OpKind::Conv && n.op != ir::OpKind::Gemm)) return nullptr;
  return quant_.find(n.name);
}

// The step with which conv `c` may emit s8: its output (after single-consumer activations) is read only
// by int8 Convs with one common input step, so emitting q directly changes no numerics (the reference
// quantizes the fp32 output with that step; the IR's output_scale does not matter). 0 if not.
float OneDnnExecutor::requant_step(const ir::Graph& g, ir::NodeId c) {
  ir::ValueId cur = g.node(c).outputs[0];
  // The requantization's linear post-op and the activations must all fuse (see eltwise_algorithm_bits).
  unsigned used = kRequantEltwiseBits;
  if (const auto& act = g.node(c).attr<ir::ConvAttrs>().activation) {  // (never a GELU: ncnn has none)
    if (used & eltwise_algorithm_bits(*act)) return 0.f;
    used |= eltwise_algorithm_bits(*act);
  }
  while (true) {
    if (g.is_graph_output(cur)) return 0.f;
    const auto cons = g.consumers(cur);
    if (cons.size() == 1 && group_activation(g.node(cons[0]).op)) {
      if (g.node(cons[0]).op == ir::OpKind::Gelu && !gelu_ok_[c]) return 0.f;  // fuse_groups keeps it apart
      const unsigned bits = eltwise_algorithm_bits(standalone_activation(g.node(cons[0])));
      if (used & bits) return 0.f;
      used |= bits;
      cur = g.node(cons[0]).outputs[0];
      continue;
    }
    return int8_consumer_step(cur);
  }
}

float OneDnnExecutor::int8_consumer_step(ir::ValueId v) {
  const ir::Graph& g = graph_;
  if (int8_mode_ != Int8Mode::real || g.is_graph_output(v)) return 0.f;
  const auto cons = g.consumers(v);
  if (cons.empty()) return 0.f;
  float step = 0.f;
  for (ir::NodeId m : cons) {
    const ir::Node& mn = g.node(m);
    if (mn.op == ir::OpKind::Concat || (mn.op == ir::OpKind::MaxPool && mn.inputs[0] == v)) {
      // A concat or max pool read only by int8 convs with one step (SqueezeNet's fire modules): its inputs
      // can be q with that step too; build_concat joins the bytes and build_pool takes the max of q
      // (quantization is elementwise and monotonic).
      const float concat_step = int8_consumer_step(mn.outputs[0]);
      if (concat_step == 0.f || (step != 0.f && concat_step != step)) return 0.f;
      step = concat_step;
      continue;
    }
    const ir::LayerQuant* q = quant_of(mn);
    if (mn.op != ir::OpKind::Conv || !q || mn.inputs[0] != v || !(q->input_scale > 0.f)) return 0.f;
    // A conv reading a signed value as two u8 halves split from f32 (build_conv_int8_signed): emitting s8
    // would only add a dequantizing round trip.
    if (signed_split_[m]) return 0.f;
    if (step != 0.f && static_cast<float>(q->input_scale) != step) return 0.f;
    step = static_cast<float>(q->input_scale);
    for (size_t k = 1; k < mn.inputs.size(); ++k)
      if (mn.inputs[k] == v) return 0.f;
  }
  return step;
}

bool OneDnnExecutor::non_negative(ir::ValueId v) {
  return ir::non_negative_by_construction(graph_, v, &nonneg_memo_);
}

OneDnnExecutor::OneDnnExecutor(const ir::Model& model, const CompileOptions& options)
    : graph_(prepare_graph(model.graph, options.batch)),
      quant_(model.quant),
      int8_mode_(options.int8),
      profiling_(options.profile) {
  winograd_ = options.winograd;
  int8_direct_ = options.int8_direct;
  int8_signed_ = options.int8_signed;
  threads_ = resolve_threads(options.threads);
  const ThreadCountScope threads(threads_);  // oneDNN reads it when creating primitives
  double min_work =
      options.min_parallel_work >= 0 ? options.min_parallel_work : default_min_parallel_work(threads_);
  const ir::Graph& g = graph_;
  s8_sources_exact_ = int8_mode_ == Int8Mode::real && s8_sources_exact(eng_);
  tapped_ = tapped_values(g);
  values_.assign(g.num_values(), {});
  const size_t num_nodes = g.nodes().size();
  std::vector<bool> fusable(num_nodes, true), sum_ok(num_nodes, true), bn_ok(num_nodes, true);
  requant_step_.assign(num_nodes, 0.f);
  signed_split_.assign(num_nodes, false);
  gelu_ok_.assign(num_nodes, true);
  written_before_.assign(num_nodes, nullptr);
  // Convs reading a signed value that oneDNN cannot read exactly: our int16 kernel where it supports the
  // conv, else two u8 convs on the value's halves (no requantized output, no fused residual).
  for (size_t i = 0; i < num_nodes; ++i) {
    const ir::Node& n = g.nodes()[i];
    if (int8_mode_ == Int8Mode::real && n.op == ir::OpKind::Conv && quant_of(n) && needs_split(n.inputs[0])) {
      signed_split_[i] = !signed_kernel_may_take(n);
      // A GELU stays its own step after a conv with a signed source: our int16 kernel has no GELU, and as a
      // post-op of the two u8 convs oneDNN's AVX2 GELU made ConvNeXt-Tiny's pwconv1 steps 41 -> 53 ms.
      gelu_ok_[i] = false;
    }
  }
  for (size_t i = 0; i < num_nodes; ++i) {
    const ir::Node& n = g.nodes()[i];
    if (n.op == ir::OpKind::Gemm) fusable[i] = gemm_mappable(g, n);
    const ir::LayerQuant* q = quant_of(n);
    if (!q) continue;
    if (!(q->input_scale > 0.f) || !std::isfinite(q->input_scale))
      fail("", "node '" + n.name + "': int8 input step must be positive (got " +
                   std::to_string(q->input_scale) + ")");
    bn_ok[i] = false;  // the quantization steps refer to the weights as they are
    if (signed_split_[i]) {
      sum_ok[i] = false;  // signed input: two u8 convs (see build_conv), no room for more fusion
    } else if (int8_mode_ == Int8Mode::real && n.op == ir::OpKind::Conv) {
      requant_step_[i] = requant_step(g, static_cast<ir::NodeId>(i));
      sum_ok[i] = requant_step_[i] == 0.f;
    }
  }
  std::vector<FusedGroup> groups = fuse_groups(g, fusable, sum_ok, bn_ok, gelu_ok_);
  // The int16 kernel's epilogue lacks some activations a group may have fused (Sigmoid, Swish): those convs
  // take the split after all, planned again without what the split cannot do.
  bool replan = false;
  for (const FusedGroup& grp : groups) {
    const ir::Node& n = g.node(grp.anchor);
    if (n.op != ir::OpKind::Conv || signed_split_[grp.anchor] || !quant_of(n) ||
        int8_mode_ != Int8Mode::real || !needs_split(n.inputs[0]))
      continue;
    std::vector<ir::FusedActivation> acts = grp.pre_sum;
    acts.insert(acts.end(), grp.post_sum.begin(), grp.post_sum.end());
    bool ok = true;
    for (const auto& act : acts) ok = ok && signed_int8_activation_supported(act);
    if (ok) continue;
    signed_split_[grp.anchor] = true;
    sum_ok[grp.anchor] = false;
    requant_step_[grp.anchor] = 0.f;
    replan = true;
  }
  if (replan) groups = fuse_groups(g, fusable, sum_ok, bn_ok, gelu_ok_);
  if (threads_ > 1 && options.min_parallel_work < 0) {
    double total = 0;
    // Multiply-adds weighed by their cost relative to an fp32 one with AVX-512: with AVX2 an fp32 one costs
    // twice as much and an int8 one (no VNNI) about as much as an AVX-512 fp32 one.
    const bool below_avx512 = onednn_below_avx512();
    for (const FusedGroup& grp : groups)
      total += group_work(g, grp) *
               (quant_of(g.node(grp.anchor)) ? (below_avx512 ? 1.0 : 0.25) : (below_avx512 ? 2.0 : 1.0));
    if (total < kSmallModelWork) {
      min_work = std::numeric_limits<double>::infinity();
      whole_model_serial_ = true;
      summary_ += "one thread: the model has " + std::to_string(static_cast<int64_t>(total / 1e6)) +
                  "M fp32-equivalent multiply-adds, too few to split\n";
    }
  }
  std::vector<bool> fp32_conv(num_nodes);
  for (size_t i = 0; i < num_nodes; ++i) fp32_conv[i] = quant_of(g.nodes()[i]) == nullptr;
  folded_ = find_foldable_scales(g, fp32_conv);
  folded_of_value_.assign(g.num_values(), -1);
  for (size_t f = 0; f < folded_.size(); ++f)
    folded_of_value_[g.node(folded_[f].mul).outputs[0]] = static_cast<int>(f);

  last_use_.assign(g.num_values(), -1);
  for (size_t gi = 0; gi < groups.size(); ++gi) {
    for (ir::NodeId m : groups[gi].members)
      for (ir::ValueId v : values_read(m))
        if (v != ir::kNoValue) last_use_[v] = static_cast<int>(gi);
  }

  for (ir::ValueId in : g.inputs()) {
    define_value(in, plain_md(g.value(in).shape));
    if (tapped_[in])
      steps_.push_back(std::make_unique<TapStep>(g.value(in).name, g.value(in).shape, value_ref(in), eng_));
  }
  for (size_t gi = 0; gi < groups.size(); ++gi) {
    current_group_ = static_cast<int>(gi);
    const FusedGroup& grp = groups[gi];
    const size_t first_step = steps_.size();
    const bool serial = threads_ > 1 && group_work(g, grp) < min_work;
    {
      const ThreadCountScope scope(serial ? 1
                                          : threads_);  // oneDNN kernels fix their thread count when created
      build_group(grp);
    }
    if (serial) {
      for (size_t i = first_step; i < steps_.size(); ++i) steps_[i]->threads = 1;
      summary_ += "  (1 thread)\n";
    }
    label_steps(first_step, grp);
    for (ir::ValueId o : g.node(grp.last).outputs)
      if (o != ir::kNoValue && values_[o].live && tapped_[o])
        steps_.push_back(std::make_unique<TapStep>(g.value(o).name, g.value(o).shape, value_ref(o), eng_,
                                                   values_[o].int8_step));
    if (const ir::ValueId y = g.node(grp.last).outputs.empty() ? ir::kNoValue : g.node(grp.last).outputs[0];
        y != ir::kNoValue && folded_of_value_[y] >= 0 && tapped_[y]) {
      const FoldedScale& f = folded_[folded_of_value_[y]];
      auto tap = std::make_unique<TapStep>(g.value(y).name, g.value(y).shape, value_ref(f.x), eng_);
      tap->scale_channels_by(channel_vector(f.scale).buffer);
      steps_.push_back(std::move(tap));
    }
    for (ir::NodeId m : grp.members) {
      for (ir::ValueId v : values_read(m))
        if (v != ir::kNoValue && last_use_[v] == current_group_) release_value(v);
    }
    for (ir::ValueId o : g.node(grp.last).outputs)
      if (o != ir::kNoValue && last_use_[o] < 0) release_value(o);  // produced but never read
  }

  reorder_scratch_.reset();  // every constant is in place
  reorder_scratch_bytes_ = 0;
  // Allocate the planned buffers once and bind every step's memories.
  for (size_t b = 0; b < buffer_bytes_.size(); ++b) {
    storage_.push_back(aligned_alloc_bytes(buffer_bytes_[b]));
    buffer_ptrs_.push_back(storage_.back().get());
  }
  for (auto& s : steps_) s->finalize(eng_, buffer_ptrs_);
  for (ir::ValueId o : g.outputs()) {
    if (!values_[o].live) fail_internal("graph output '" + g.value(o).name + "' was not materialised");
    OutputPlan p;
    p.value = o;
    p.src = dnnl::memory(values_[o].md, eng_, buffer_ptrs_[values_[o].buffer]);
    p.plain = plain_md(g.value(o).shape);
    p.needs_reorder = !(values_[o].md == p.plain);
    if (p.needs_reorder)
      p.to_plain = dnnl::reorder(dnnl::reorder::primitive_desc(eng_, values_[o].md, eng_, p.plain));
    outputs_.push_back(std::move(p));
  }
}

MemRef OneDnnExecutor::channel_vector(ir::ValueId s) {
  const Shape& ss = graph_.value(s).shape;
  // [1, C, 1, 1] is stored channel after channel in every layout broadcast_md_like knows.
  const bool direct = values_[s].md.data_type() == dnnl::memory::data_type::f32 &&
                      broadcast_md_like(values_[s].md, ss) == values_[s].md;
  return direct ? value_ref(s) : value_as(s, plain_md(ss));
}

std::vector<ir::ValueId> OneDnnExecutor::values_read(ir::NodeId m) const {
  std::vector<ir::ValueId> vs;
  for (ir::ValueId v : graph_.node(m).inputs) {
    vs.push_back(v);
    if (v != ir::kNoValue && folded_of_value_[v] >= 0) {
      vs.push_back(folded_[folded_of_value_[v]].x);
      vs.push_back(folded_[folded_of_value_[v]].scale);
    }
  }
  return vs;
}

int OneDnnExecutor::alloc_buffer(size_t bytes) {
  int best = -1;
  for (int b : free_buffers_)  // smallest free buffer that fits
    if (buffer_bytes_[b] >= bytes && (best < 0 || buffer_bytes_[b] < buffer_bytes_[best])) best = b;
  if (best < 0)  // else grow the largest free one (sizes are final only after planning)
    for (int b : free_buffers_)
      if (best < 0 || buffer_bytes_[b] > buffer_bytes_[best]) best = b;
  if (best < 0) {
    best = static_cast<int>(buffer_bytes_.size());
    buffer_bytes_.push_back(bytes);
    buffer_refs_.push_back(0);
  } else {
    free_buffers_.erase(std::find(free_buffers_.begin(), free_buffers_.end(), best));
    buffer_bytes_[best] = std::max(buffer_bytes_[best], bytes);
  }
  return best;
}

void OneDnnExecutor::release_buffer(int b) {
  if (std::find(free_buffers_.begin(), free_buffers_.end(), b) == free_buffers_.end())
    free_buffers_.push_back(b);
}

void OneDnnExecutor::release_value(ir::ValueId v) {
  ValueState& s = values_[v];
  if (!s.live || graph_.is_graph_output(v)) return;
  s.live = false;
  if (--buffer_refs_[s.buffer] == 0) release_buffer(s.buffer);
  for (const auto& c : s.copies)
    if (--buffer_refs_[c.second] == 0) release_buffer(c.second);
  for (const auto& c : s.quantized)
    if (--buffer_refs_[c.buffer] == 0) release_buffer(c.buffer);
  s.copies.clear();
  s.quantized.clear();
}

MemRef OneDnnExecutor::define_value(ir::ValueId v, const dnnl::memory::desc& md, int buffer) {
  if (buffer < 0) buffer = alloc_buffer(md.get_size());
  values_[v] = ValueState{};
  values_[v].md = md;
  values_[v].buffer = buffer;
  values_[v].live = true;
  ++buffer_refs_[buffer];
  return {md, buffer, {}};
}

void* OneDnnExecutor::constant_bytes(size_t bytes) {
  bytes = (bytes + 63) / 64 * 64;  // every piece 64-byte aligned, as aligned_alloc_bytes gives
  if (bytes > constants_left_) {
    const size_t chunk = std::max(bytes, kConstantChunkBytes);
    storage_.push_back(aligned_alloc_bytes(chunk));
    constants_next_ = static_cast<char*>(storage_.back().get());
    constants_left_ = chunk;
  }
  void* p = constants_next_;
  constants_next_ += bytes;
  constants_left_ -= bytes;
  return p;
}

dnnl::memory OneDnnExecutor::constant_memory(const Tensor& t, const dnnl::memory::desc& want) {
  const bool s8 = t.dtype() == DataType::i8;  // quantized weights stay s8; anything else goes through f32
  Tensor f = s8 ? t : t.to_f32();
  dnnl::memory::desc src_md =
      plain_md(f.shape(), s8 ? dnnl::memory::data_type::s8 : dnnl::memory::data_type::f32);
  if (want.dims().size() != src_md.dims().size())
    src_md = src_md.reshape(want.dims());  // e.g. conv weights [O,I,kh,kw] viewed as [G,O/G,I,kh,kw]
  dnnl::memory dst(want, eng_, constant_bytes(want.get_size()));
  dnnl::memory src(src_md, eng_, const_cast<void*>(f.raw()));
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  const dnnl::reorder::primitive_desc pd(eng_, src_md, eng_, want, attr);
  const dnnl::memory scratch(pd.scratchpad_desc(), eng_,
                             constant_reorder_scratch(pd.scratchpad_desc().get_size()));
  dnnl::reorder(pd).execute(stream_,
                            {{DNNL_ARG_FROM, src}, {DNNL_ARG_TO, dst}, {DNNL_ARG_SCRATCHPAD, scratch}});
  stream_.wait();
  return dst;
}

void* OneDnnExecutor::constant_reorder_scratch(size_t bytes) {
  if (bytes > reorder_scratch_bytes_) {
    reorder_scratch_.reset();  // before the new one: the old pages may serve it
    reorder_scratch_ = aligned_alloc_bytes(bytes);
    reorder_scratch_bytes_ = bytes;
  }
  return reorder_scratch_.get();
}

MemRef OneDnnExecutor::value_as(ir::ValueId v, const dnnl::memory::desc& want) {
  const ir::Value& val = graph_.value(v);
  if (val.is_constant()) return {want, -1, constant_memory(val.constant, want)};
  ValueState& s = values_[v];
  if (!s.live) fail_internal("value '" + val.name + "' read before it is produced or after it is freed");
  if (s.md == want) return value_ref(v);
  for (const auto& [md, buf] : s.copies)
    if (md == want) return {want, buf, {}};
  const int temp = alloc_buffer(want.get_size());
  ++buffer_refs_[temp];
  s.copies.push_back({want, temp});
  MemRef dst{want, temp, {}};
  dnnl::primitive_attr attr;  // an s8 value read as f32 is dequantized
  if (s.int8_step > 0.f && want.data_type() == dnnl::memory::data_type::f32)
    attr.set_output_scales(0, {s.int8_step});
  QD_CHECK(!(s.int8_step == 0.f && want.data_type() != dnnl::memory::data_type::f32),
           "f32 value read as int8");
  const auto& d = want.dims();
  const auto f32 = dnnl::memory::data_type::f32;
  const MemRef from = value_ref(v);
  if (s.int8_step == 0.f && from.buffer >= 0 && d.size() == 4 && d[1] <= 4 &&
      s.md == dnnl::memory::desc(d, f32, dnnl::memory::format_tag::nchw) &&
      want == dnnl::memory::desc(d, f32, dnnl::memory::format_tag::nhwc)) {
    steps_.push_back(std::make_unique<InterleavePlanesStep>(from.buffer, temp, d[0], d[1], d[2] * d[3], 4));
    summary_ += "interleave " + val.name + " (nchw -> nhwc)\n";
    return dst;
  }
  add_primitive(dnnl::reorder(dnnl::reorder::primitive_desc(eng_, s.md, eng_, want, attr)),
                {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, dst}});
  summary_ += "reorder " + val.name + "\n";
  return dst;
}

MemRef OneDnnExecutor::quantized_as(ir::ValueId v, const dnnl::memory::desc& want_s8, float step) {
  ValueState& s = values_[v];
  if (s.int8_step == step) return value_as(v, want_s8);  // already q with this step (any layout)
  // Otherwise quantize the f32 value; an s8 value read with another step is dequantized first.
  for (const auto& c : s.quantized)
    if (c.md == want_s8 && c.step == step) return {want_s8, c.buffer, {}};
  const dnnl::memory::desc f32_md = with_type(want_s8, dnnl::memory::data_type::f32);
  bool has_f32_copy = s.md == f32_md;
  for (const auto& c : s.copies) has_f32_copy = has_f32_copy || c.first == f32_md;
  if (s.md.data_type() == dnnl::memory::data_type::f32 && !has_f32_copy && s.md.dims() == want_s8.dims()) {
    // In another layout (the image before the first conv: nchw, the conv wants nhwc): quantize where it is,
    // then reorder the s8 bytes, 4x fewer than an f32 reorder (7% of MobileNetV3-Small's int8 run).
    // Quantization is elementwise, so the values are those of quantizing after an f32 reorder.
    const dnnl::memory::desc here = with_type(s.md, want_s8.data_type());
    const int qbuf = alloc_buffer(here.get_size());
    ++buffer_refs_[qbuf];
    values_[v].quantized.push_back({here, step, qbuf});
    steps_.push_back(
        std::make_unique<QuantizeStep>(s.buffer, qbuf, s.md.get_size() / sizeof(float), step, false));
    const int dst = alloc_buffer(want_s8.get_size());
    ++buffer_refs_[dst];
    values_[v].quantized.push_back({want_s8, step, dst});
    const auto& d = want_s8.dims();
    const auto plain = [&](const dnnl::memory::desc& md, dnnl::memory::format_tag tag) {
      return md == dnnl::memory::desc(d, want_s8.data_type(), tag);
    };
    if (d.size() == 4 && d[1] <= 4 && plain(here, dnnl::memory::format_tag::nchw) &&
        plain(want_s8, dnnl::memory::format_tag::nhwc))
      steps_.push_back(std::make_unique<InterleavePlanesStep>(qbuf, dst, d[0], d[1], d[2] * d[3], 1));
    else
      add_primitive(dnnl::reorder(dnnl::reorder::primitive_desc(eng_, here, eng_, want_s8)),
                    {{DNNL_ARG_FROM, {here, qbuf, {}}}, {DNNL_ARG_TO, {want_s8, dst, {}}}});
    summary_ += "quantize " + graph_.value(v).name + " (then an s8 reorder)\n";
    return {want_s8, dst, {}};
  }
  const MemRef src = value_as(v, f32_md);
  const int dst = alloc_buffer(want_s8.get_size());
  ++buffer_refs_[dst];
  values_[v].quantized.push_back({want_s8, step, dst});
  steps_.push_back(
      std::make_unique<QuantizeStep>(src.buffer, dst, f32_md.get_size() / sizeof(float), step, false));
  summary_ += "quantize " + graph_.value(v).name + "\n";
  return {want_s8, dst, {}};
}

std::pair<MemRef, MemRef> OneDnnExecutor::split_quantized_as(ir::ValueId v, const dnnl::memory::desc& want_u8,
                                                             float step) {
  // An s8 value is dequantized (value_as) and split again: round(q * step / step) == q, so a requantized
  // producer read by a signed conv keeps its numerics (requant_step avoids planning this round trip).
  int pos = -1, neg = -1;  // cached as (md, step) and (md, -step)
  for (const auto& c : values_[v].quantized) {
    if (c.md == want_u8 && c.step == step) pos = c.buffer;
    if (c.md == want_u8 && c.step == -step) neg = c.buffer;
  }
  if (pos < 0 || neg < 0) {
    const dnnl::memory::desc f32_md = with_type(want_u8, dnnl::memory::data_type::f32);
    const MemRef src = value_as(v, f32_md);
    pos = alloc_buffer(want_u8.get_size());
    ++buffer_refs_[pos];
    neg = alloc_buffer(want_u8.get_size());
    ++buffer_refs_[neg];
    values_[v].quantized.push_back({want_u8, step, pos});
    values_[v].quantized.push_back({want_u8, -step, neg});
    steps_.push_back(
        std::make_unique<QuantizeStep>(src.buffer, pos, neg, f32_md.get_size() / sizeof(float), step));
    summary_ += "quantize(split) " + graph_.value(v).name + "\n";
  }
  return {{want_u8, pos, {}}, {want_u8, neg, {}}};
}

MemRef OneDnnExecutor::fake_quantized_as(ir::ValueId v, const dnnl::memory::desc& want, float step) {
  for (const auto& c : values_[v].quantized)
    if (c.md == want && c.step == step) return {want, c.buffer, {}};
  const MemRef src = value_as(v, want);
  const int dst = alloc_buffer(want.get_size());
  ++buffer_refs_[dst];
  values_[v].quantized.push_back({want, step, dst});
  steps_.push_back(
      std::make_unique<QuantizeStep>(src.buffer, dst, want.get_size() / sizeof(float), step, true));
  return {want, dst, {}};
}

void OneDnnExecutor::label_steps(size_t first, const FusedGroup& grp) {
  const ir::Node& n = graph_.node(grp.anchor);
  std::string op;
  if (n.op == ir::OpKind::Conv) {
    const auto& a = n.attr<ir::ConvAttrs>();
    const ir::LayerQuant* q = quant_of(n);
    const bool int8 = q && int8_mode_ == Int8Mode::real;
    op = "conv ";
    op += !q                                ? "fp32"
          : !int8                           ? "fake-quant"
          : needs_split(n.inputs[0])        ? "int8(signed)"
          : requant_step_[grp.anchor] > 0.f ? "int8->int8"
                                            : "int8";
    const Shape& ws = graph_.value(n.inputs[1]).shape;
    op += " " + std::to_string(ws[2]) + "x" + std::to_string(ws[3]);
    if (a.stride_h > 1 || a.stride_w > 1) op += "/s" + std::to_string(a.stride_h);
    if (a.group > 1) op += " g" + std::to_string(a.group);
    if (grp.residual != ir::kNoValue) op += " +add";
  } else if (n.op == ir::OpKind::Gemm) {
    const ir::LayerQuant* q = quant_of(n);
    op = std::string("gemm ") + (!q ? "fp32" : int8_mode_ == Int8Mode::real ? "int8" : "fake-quant");
  } else if (n.op == ir::OpKind::Concat && grp.batchnorm >= 0) {
    op = "Concat+BatchNorm+Relu";
  } else if (n.op == ir::OpKind::Concat && grp.shuffle >= 0) {
    op = "Concat+ShuffleChannel";
  } else {
    op = ir::op_name(n.op);
  }
  for (size_t i = first; i < steps_.size(); ++i) {
    Step& s = *steps_[i];
    if (dynamic_cast<TapStep*>(&s)) continue;
    s.prof_name = n.name;
    if (auto* p = dynamic_cast<PrimitiveStep*>(&s); p && p->kind() == dnnl::primitive::kind::reorder)
      s.prof_op = "reorder";
    else if (p && p->kind() == dnnl::primitive::kind::convolution &&
             p->implementation().find("wino") != std::string::npos)
      s.prof_op = op + " winograd " + onednn_winograd_tile(p->implementation());  // oneDNN's (build_conv)
    else if (dynamic_cast<SwishStep*>(&s))
      s.prof_op = "Swish (AVX-512 pass)";
    else if (dynamic_cast<SwishPoolStep*>(&s))
      s.prof_op = "Swish + GlobalAveragePool (AVX-512 pass)";
    else if (dynamic_cast<ConvSwishQuantizeRowsStep*>(&s))
      s.prof_op = op + " + Swish + quantize (rows)";
    else if (dynamic_cast<SwishQuantizeStep*>(&s))
      s.prof_op = "Swish + quantize (AVX-512 pass)";
    else if (dynamic_cast<InputChannelScaleStep*>(&s))
      s.prof_op = "SE scale into conv weights";
    else if (dynamic_cast<QuantizeStep*>(&s))
      s.prof_op = "quantize";
    else if (dynamic_cast<InterleavePlanesStep*>(&s))
      s.prof_op = "interleave (nchw -> nhwc)";
    else if (dynamic_cast<ConcatNhwcStep*>(&s))
      s.prof_op = "Concat (nhwc rows)";
    else if (dynamic_cast<WinogradConvStep*>(&s))
      s.prof_op = op + " winograd F(2x2)";
    else if (dynamic_cast<DirectInt8ConvStep*>(&s))
      s.prof_op = op + " direct int16 sums";
    else if (auto* w = dynamic_cast<WinogradInt8ConvStep*>(&s))
      s.prof_op = op + " winograd F(" + std::to_string(w->tile()) + "x" + std::to_string(w->tile()) + ")";
    else if (dynamic_cast<ReferenceStep*>(&s))
      s.prof_op = "reference " + std::string(ir::op_name(n.op));
    else
      s.prof_op = op;
  }
}

void OneDnnExecutor::add_primitive(dnnl::primitive p, std::vector<std::pair<int, MemRef>> refs) {
  steps_.push_back(std::make_unique<PrimitiveStep>(std::move(p), std::move(refs)));
}

std::vector<Tensor> OneDnnExecutor::run(const std::vector<Tensor>& inputs, const Tap& tap) {
  const ir::Graph& g = graph_;
  if (inputs.size() != g.inputs().size())
    fail("",
         "expected " + std::to_string(g.inputs().size()) + " inputs, got " + std::to_string(inputs.size()));
  const ThreadCountScope threads(threads_);  // the caller's OpenMP setting is restored on return
  const auto in_t0 = std::chrono::steady_clock::now();
  for (size_t i = 0; i < inputs.size(); ++i) {
    const ir::Value& v = g.value(g.inputs()[i]);
    if (inputs[i].shape() != v.shape)
      fail("", "input '" + v.name + "' has shape " + shape_str(inputs[i].shape()) + ", expected " +
                   shape_str(v.shape) + " (the executor was compiled for this batch size)");
    Tensor f = inputs[i].to_f32();
    std::memcpy(buffer_ptrs_[values_[g.inputs()[i]].buffer], f.raw(), f.nbytes());
  }
  RunContext ctx{&stream_, tap ? &tap : nullptr, &buffer_ptrs_};
  int current_threads = threads_;
  auto set_threads = [&](const Step& s) {
    const int want = s.threads > 0 ? s.threads : threads_;
    if (want != current_threads) omp_set_num_threads(current_threads = want);
  };
  if (!profiling_) {
    for (auto& s : steps_) {
      set_threads(*s);
      s->execute(ctx);
    }
  } else {
    // Each timed step waits for its work; consecutive steps with the same label (e.g. the two convs of
    // a signed int8 layer) are one entry.
    using clock = std::chrono::steady_clock;
    profile_.clear();
    profile_.push_back(
        {"(inputs)", "copy in", std::chrono::duration<double, std::milli>(clock::now() - in_t0).count()});
    for (auto& s : steps_) {
      set_threads(*s);
      if (s->prof_op.empty()) {
        s->execute(ctx);
        continue;
      }
      const auto t0 = clock::now();
      s->execute(ctx);
      stream_.wait();
      const double ms = std::chrono::duration<double, std::milli>(clock::now() - t0).count();
      if (!profile_.empty() && profile_.back().name == s->prof_name && profile_.back().op == s->prof_op)
        profile_.back().ms += ms;
      else
        profile_.push_back({s->prof_name, s->prof_op, ms});
    }
  }
  const auto out_t0 = std::chrono::steady_clock::now();
  std::vector<Tensor> result;
  for (OutputPlan& p : outputs_) {
    Tensor t(DataType::f32, g.value(p.value).shape);
    if (p.needs_reorder) {
      dnnl::memory dst(p.plain, eng_, t.raw());
      p.to_plain.execute(stream_, p.src, dst);
    } else {
      stream_.wait();
      std::memcpy(t.raw(), p.src.get_data_handle(), t.nbytes());
    }
    result.push_back(t);
  }
  stream_.wait();
  if (profiling_)
    profile_.push_back(
        {"(outputs)", "copy out",
         std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - out_t0).count()});
  return result;
}

}  // namespace onednn

double min_parallel_work_for(bool passive_wait, int other_runnable_tasks, int threads, int cpus) {
  const bool busy = other_runnable_tasks + threads > cpus;
  return passive_wait || busy ? onednn::kPassiveMinParallelWork : 0;
}

double default_min_parallel_work(int threads) {
  int others = 0;  // 0 when /proc/loadavg cannot be read
  if (threads > 1) {
    others = INT_MAX;
    for (int i = 0; i < 5 && others > 0; ++i) {
      if (i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      std::ifstream f("/proc/loadavg");
      double l1, l5, l15;
      int running = 0;
      char slash;
      if (!(f >> l1 >> l5 >> l15 >> running >> slash)) {
        others = 0;
        break;
      }
      others = std::min(others, std::max(0, running - 1));
    }
  }
  return min_parallel_work_for(onednn::wait_policy_is_passive(), others, threads, available_cores());
}

}  // namespace qd::runtime
