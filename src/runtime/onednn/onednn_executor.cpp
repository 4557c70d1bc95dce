#include "runtime/onednn/onednn_executor.h"

#include <omp.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "runtime/onednn/executor_impl.h"
#include "runtime/prepare_graph.h"

namespace qd::runtime {

std::unique_ptr<Executor> make_onednn_executor(const ir::Model& model, const CompileOptions& options) {
  return std::make_unique<onednn::OneDnnExecutor>(model, options);
}

std::string onednn_plan_summary(const Executor& executor) {
  auto* e = dynamic_cast<const onednn::OneDnnExecutor*>(&executor);
  return e ? e->summary() : std::string();
}

namespace onednn {

namespace {

std::shared_ptr<void> aligned_alloc_bytes(size_t bytes) {
  void* p = std::aligned_alloc(64, std::max<size_t>(64, (bytes + 63) / 64 * 64));
  if (!p) throw std::bad_alloc();
  std::memset(p, 0, std::max<size_t>(64, (bytes + 63) / 64 * 64));
  return std::shared_ptr<void>(p, [](void* q) { std::free(q); });
}

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

}  // namespace

OneDnnExecutor::OneDnnExecutor(const ir::Model& model, const CompileOptions& options)
    : graph_(prepare_graph(model.graph, options.batch)) {
  threads_ = options.threads > 0 ? options.threads : omp_get_num_procs();
  omp_set_num_threads(threads_);
  const ir::Graph& g = graph_;
  tapped_ = tapped_values(g);
  values_.assign(g.num_values(), {});
  std::vector<bool> fusable(g.nodes().size(), true), sum_ok(g.nodes().size(), true);
  for (size_t i = 0; i < g.nodes().size(); ++i)
    if (g.nodes()[i].op == ir::OpKind::Gemm) fusable[i] = gemm_mappable(g, g.nodes()[i]);
  const std::vector<FusedGroup> groups = fuse_groups(g, fusable, sum_ok);

  last_use_.assign(g.num_values(), -1);
  for (size_t gi = 0; gi < groups.size(); ++gi) {
    for (ir::NodeId m : groups[gi].members)
      for (ir::ValueId v : g.node(m).inputs)
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
    build_group(grp);
    for (ir::ValueId o : g.node(grp.last).outputs)
      if (o != ir::kNoValue && values_[o].live && tapped_[o])
        steps_.push_back(std::make_unique<TapStep>(g.value(o).name, g.value(o).shape, value_ref(o), eng_));
    for (ir::NodeId m : grp.members) {
      for (ir::ValueId v : g.node(m).inputs)
        if (v != ir::kNoValue && last_use_[v] == current_group_) release_value(v);
    }
    for (ir::ValueId o : g.node(grp.last).outputs)
      if (o != ir::kNoValue && last_use_[o] < 0) release_value(o);  // produced but never read
  }

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
  s.copies.clear();
}

MemRef OneDnnExecutor::define_value(ir::ValueId v, const dnnl::memory::desc& md, int buffer) {
  if (buffer < 0) buffer = alloc_buffer(md.get_size());
  values_[v] = {md, buffer, true, {}};
  ++buffer_refs_[buffer];
  return {md, buffer, {}};
}

dnnl::memory OneDnnExecutor::constant_memory(const Tensor& t, const dnnl::memory::desc& want) {
  Tensor f = t.to_f32();
  dnnl::memory::desc src_md = plain_md(f.shape());
  if (want.get_size() == src_md.get_size() && want.data_type() == dnnl::memory::data_type::f32 &&
      want.dims().size() != src_md.dims().size())
    src_md = src_md.reshape(want.dims());  // e.g. conv weights [O,I,kh,kw] viewed as [G,O/G,I,kh,kw]
  storage_.push_back(aligned_alloc_bytes(want.get_size()));
  dnnl::memory dst(want, eng_, storage_.back().get());
  dnnl::memory src(src_md, eng_, const_cast<void*>(f.raw()));
  dnnl::reorder(src, dst).execute(stream_, src, dst);
  stream_.wait();
  return dst;
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
  add_primitive(dnnl::reorder(dnnl::reorder::primitive_desc(eng_, s.md, eng_, want)),
                {{DNNL_ARG_FROM, value_ref(v)}, {DNNL_ARG_TO, dst}});
  summary_ += "reorder " + val.name + "\n";
  return dst;
}

void OneDnnExecutor::add_primitive(dnnl::primitive p, std::vector<std::pair<int, MemRef>> refs) {
  steps_.push_back(std::make_unique<PrimitiveStep>(std::move(p), std::move(refs)));
}

std::vector<Tensor> OneDnnExecutor::run(const std::vector<Tensor>& inputs, const Tap& tap) {
  const ir::Graph& g = graph_;
  if (inputs.size() != g.inputs().size())
    fail("",
         "expected " + std::to_string(g.inputs().size()) + " inputs, got " + std::to_string(inputs.size()));
  omp_set_num_threads(threads_);
  for (size_t i = 0; i < inputs.size(); ++i) {
    const ir::Value& v = g.value(g.inputs()[i]);
    if (inputs[i].shape() != v.shape)
      fail("", "input '" + v.name + "' has shape " + shape_str(inputs[i].shape()) + ", expected " +
                   shape_str(v.shape) + " (the executor was compiled for this batch size)");
    Tensor f = inputs[i].to_f32();
    std::memcpy(buffer_ptrs_[values_[g.inputs()[i]].buffer], f.raw(), f.nbytes());
  }
  RunContext ctx{&stream_, tap ? &tap : nullptr, &buffer_ptrs_};
  for (auto& s : steps_) s->execute(ctx);
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
  return result;
}

}  // namespace onednn
}  // namespace qd::runtime
