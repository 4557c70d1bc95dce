// Conv (+ folded BatchNorm, bias, activations, residual sum) and Gemm (inner product) builders.
#include <cmath>
#include <cstring>

#include "runtime/onednn/executor_impl.h"

namespace qd::runtime::onednn {

using dnnl::algorithm;
using dnnl::memory;
using dnnl::prop_kind;

namespace {

memory::desc any_md(const Shape& s) {
  return memory::desc(memory::dims(s.begin(), s.end()), memory::data_type::f32, memory::format_tag::any);
}

// Folds y = gamma*(conv(x)+b - mean)/sqrt(var+eps) + beta into the conv's weights and bias.
void fold_batchnorm(const ir::Graph& g, const ir::Node& bn, Tensor& w, Tensor& b) {
  const float eps = bn.attr<ir::BatchNormAttrs>().epsilon;
  const Tensor beta_t = g.value(bn.inputs[2]).constant.to_f32(),
               mean_t = g.value(bn.inputs[3]).constant.to_f32(),
               var_t = g.value(bn.inputs[4]).constant.to_f32(),
               gamma_t = g.value(bn.inputs[1]).constant.to_f32();
  const float* gamma = gamma_t.data<float>();
  const int64_t O = w.dim(0), per = w.numel() / O;
  float* wd = w.data<float>();
  float* bd = b.data<float>();
  for (int64_t o = 0; o < O; ++o) {
    const float s = gamma[o] / std::sqrt(var_t.data<float>()[o] + eps);
    for (int64_t i = 0; i < per; ++i) wd[o * per + i] *= s;
    bd[o] = (bd[o] - mean_t.data<float>()[o]) * s + beta_t.data<float>()[o];
  }
}

}  // namespace

bool OneDnnExecutor::build_conv(const FusedGroup& grp) {
  const ir::Graph& g = graph_;
  const ir::Node& n = g.node(grp.anchor);
  const auto& a = n.attr<ir::ConvAttrs>();
  const ir::ValueId x = n.inputs.at(0);
  if (g.value(x).is_constant() || !g.value(n.inputs.at(1)).is_constant())
    fail_unsupported("", "node '" + n.name + "': Conv needs a computed input and constant weights");
  const bool has_bias = n.inputs.size() > 2 && n.inputs[2] != ir::kNoValue;
  if (has_bias && !g.value(n.inputs[2]).is_constant())
    fail_unsupported("", "node '" + n.name + "': Conv bias must be constant");
  Tensor w = g.value(n.inputs[1]).constant.to_f32();
  const int64_t O = w.dim(0);
  Tensor b;
  if (has_bias || grp.batchnorm >= 0) {
    b = has_bias ? g.value(n.inputs[2]).constant.to_f32().clone() : Tensor(DataType::f32, {O});
  }
  if (grp.batchnorm >= 0) {
    w = w.clone();
    fold_batchnorm(g, g.node(grp.batchnorm), w, b);
  }

  const Shape& xs = g.value(x).shape;
  const Shape& ys = g.value(n.outputs[0]).shape;
  const int G = a.group;
  memory::dims wdims = G == 1 ? memory::dims{O, w.dim(1), w.dim(2), w.dim(3)}
                              : memory::dims{G, O / G, w.dim(1), w.dim(2), w.dim(3)};
  dnnl::post_ops po;
  for (const auto& act : grp.pre_sum) append_activation(po, act);
  if (grp.residual != ir::kNoValue) po.append_sum(1.f);
  for (const auto& act : grp.post_sum) append_activation(po, act);
  dnnl::primitive_attr attr;
  attr.set_post_ops(po);
  const memory::desc bias_md =
      b.empty() ? memory::desc() : memory::desc({O}, memory::data_type::f32, memory::format_tag::a);
  auto desc = dnnl::convolution_forward::desc(
      prop_kind::forward_inference, algorithm::convolution_direct, any_md(xs),
      memory::desc(wdims, memory::data_type::f32, memory::format_tag::any), bias_md, any_md(ys),
      {a.stride_h, a.stride_w}, {a.dilation_h - 1, a.dilation_w - 1}, {a.pad_top, a.pad_left},
      {a.pad_bottom, a.pad_right});
  auto pd = dnnl::convolution_forward::primitive_desc(desc, attr, eng_);

  std::vector<std::pair<int, MemRef>> refs;
  refs.push_back({DNNL_ARG_SRC, value_as(x, pd.src_desc())});
  refs.push_back({DNNL_ARG_WEIGHTS, {pd.weights_desc(), -1, constant_memory(w, pd.weights_desc())}});
  if (!b.empty()) refs.push_back({DNNL_ARG_BIAS, {pd.bias_desc(), -1, constant_memory(b, pd.bias_desc())}});

  const memory::desc dst_md = pd.dst_desc();
  MemRef dst;
  bool in_place_sum = false;
  if (grp.residual != ir::kNoValue) {
    const ir::ValueId r = grp.residual;
    const ValueState& rs = values_[r];
    // Accumulate in place into the residual's buffer (or its copy in dst's layout) when nothing reads it
    // afterwards.
    int res_buffer = rs.md == dst_md ? rs.buffer : -1;
    for (const auto& [md, buf] : rs.copies)
      if (md == dst_md) res_buffer = buf;
    const bool in_place = rs.live && res_buffer >= 0 && last_use_[r] == current_group_ &&
                          !g.is_graph_output(r) && buffer_refs_[res_buffer] == 1 && r != x;
    in_place_sum = in_place;
    if (in_place) {
      dst = define_value(grp.output, dst_md, res_buffer);
    } else {
      dst = define_value(grp.output, dst_md);
      const MemRef res = value_as(r, dst_md);  // same layout as dst (may add a reorder)
      add_primitive(dnnl::reorder(dnnl::reorder::primitive_desc(eng_, dst_md, eng_, dst_md)),
                    {{DNNL_ARG_FROM, res}, {DNNL_ARG_TO, dst}});
    }
  } else {
    dst = define_value(grp.output, dst_md);
  }
  refs.push_back({DNNL_ARG_DST, dst});
  add_primitive(dnnl::convolution_forward(pd), std::move(refs));
  std::string line = "conv " + n.name + (grp.batchnorm >= 0 ? " +bn" : "");
  for (const auto& act : grp.pre_sum) line += " +" + std::string(ir::op_name(act.kind));
  if (grp.residual != ir::kNoValue) line += in_place_sum ? " +sum(in-place)" : " +sum(copy)";
  for (const auto& act : grp.post_sum) line += " +" + std::string(ir::op_name(act.kind));
  summary_ += line + "\n";
  return true;
}

bool OneDnnExecutor::build_gemm(const FusedGroup& grp) {
  const ir::Graph& g = graph_;
  const ir::Node& n = g.node(grp.anchor);
  const auto& a = n.attr<ir::GemmAttrs>();
  if (a.trans_a || n.inputs.size() < 2 || g.value(n.inputs[0]).is_constant() ||
      !g.value(n.inputs[1]).is_constant())
    return false;
  const ir::ValueId x = n.inputs[0];
  const Shape& xs = g.value(x).shape;
  const Tensor bt = g.value(n.inputs[1]).constant.to_f32();
  if (xs.size() != 2 || bt.rank() != 2) return false;
  const int64_t M = xs[0], K = xs[1], N = a.trans_b ? bt.dim(0) : bt.dim(1);
  Tensor c;
  if (n.inputs.size() > 2 && n.inputs[2] != ir::kNoValue) {
    const ir::Value& cv = g.value(n.inputs[2]);
    if (!cv.is_constant() || cv.constant.numel() != N) return false;
    if (!(cv.shape.size() == 1 || (cv.shape.size() == 2 && cv.shape[0] == 1))) return false;
    c = cv.constant.to_f32().clone().reshaped({N});
    for (float& v : c.values<float>()) v *= a.beta;
  }
  // oneDNN inner product weights are [N, K] ("oi") = B^T; alpha folded into them.
  Tensor w(DataType::f32, {N, K});
  for (int64_t o = 0; o < N; ++o)
    for (int64_t k = 0; k < K; ++k)
      w.data<float>()[o * K + k] =
          a.alpha * (a.trans_b ? bt.data<float>()[o * K + k] : bt.data<float>()[k * N + o]);
  dnnl::post_ops po;
  for (const auto& act : grp.pre_sum) append_activation(po, act);
  dnnl::primitive_attr attr;
  attr.set_post_ops(po);
  const memory::desc src_md = plain_md(xs);
  const memory::desc bias_md =
      c.empty() ? memory::desc() : memory::desc({N}, memory::data_type::f32, memory::format_tag::a);
  auto pd = dnnl::inner_product_forward::primitive_desc(
      dnnl::inner_product_forward::desc(prop_kind::forward_inference, src_md, any_md({N, K}), bias_md,
                                        plain_md({M, N})),
      attr, eng_);
  std::vector<std::pair<int, MemRef>> refs;
  refs.push_back({DNNL_ARG_SRC, value_as(x, pd.src_desc())});
  refs.push_back({DNNL_ARG_WEIGHTS, {pd.weights_desc(), -1, constant_memory(w, pd.weights_desc())}});
  if (!c.empty()) refs.push_back({DNNL_ARG_BIAS, {pd.bias_desc(), -1, constant_memory(c, pd.bias_desc())}});
  refs.push_back({DNNL_ARG_DST, define_value(grp.output, pd.dst_desc())});
  add_primitive(dnnl::inner_product_forward(pd), std::move(refs));
  return true;
}

}  // namespace qd::runtime::onednn
