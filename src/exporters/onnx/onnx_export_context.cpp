#include "exporters/onnx/onnx_export_context.h"

#include <cmath>
#include <cstring>

#include "core/error.h"

namespace qd::exporters::onnx_export {

int32_t onnx_elem_type(DataType t) {
  switch (t) {
    case DataType::f32:
      return onnx::TensorProto::FLOAT;
    case DataType::f16:
      return onnx::TensorProto::FLOAT16;
    case DataType::i8:
      return onnx::TensorProto::INT8;
    case DataType::u8:
      return onnx::TensorProto::UINT8;
    case DataType::i32:
      return onnx::TensorProto::INT32;
    case DataType::i64:
      return onnx::TensorProto::INT64;
  }
  fail_internal("onnx_elem_type: unknown dtype");
}

ExportContext::ExportContext(const ir::Graph& g, onnx::GraphProto* out) : g_(g), out_(out) {
  for (size_t v = 0; v < g.num_values(); ++v) used_.insert(g.value(static_cast<ir::ValueId>(v)).name);
  for (const ir::Node& n : g.nodes()) node_names_.insert(n.name);
}

std::string ExportContext::fresh(const std::string& base) {
  std::string name = base;
  for (int k = 1; used_.count(name); ++k) name = base + "_" + std::to_string(k);
  used_.insert(name);
  return name;
}

std::string ExportContext::input(ir::ValueId v) {
  if (v == ir::kNoValue) return "";
  const ir::Value& val = g_.value(v);
  if (val.is_constant() && written_constants_.insert(v).second) add_initializer(val.name, val.constant, true);
  return val.name;
}

std::string ExportContext::add_initializer(const std::string& base, const Tensor& t, bool exact) {
  std::string name = exact ? base : fresh(base);
  onnx::TensorProto* p = out_->add_initializer();
  p->set_name(name);
  p->set_data_type(onnx_elem_type(t.dtype()));
  for (int64_t d : t.shape()) p->add_dims(d);
  p->set_raw_data(std::string(static_cast<const char*>(t.raw()), t.nbytes()));  // little-endian host
  return name;
}

std::string ExportContext::add_i64s(const std::string& base, const std::vector<int64_t>& values) {
  return add_initializer(
      base, Tensor::from<int64_t>({static_cast<int64_t>(values.size())}, std::span<const int64_t>(values)));
}

std::string ExportContext::add_f32_scalar(const std::string& base, float v) {
  return add_initializer(base, Tensor::from<float>({}, std::span<const float>(&v, 1)));
}

onnx::NodeProto* ExportContext::add_node(const std::string& op_type, const std::vector<std::string>& inputs,
                                         const std::vector<std::string>& outputs, const std::string& name,
                                         bool exact) {
  onnx::NodeProto* n = out_->add_node();
  n->set_op_type(op_type);
  std::string unique = name;
  if (!exact)
    for (int k = 1; node_names_.count(unique); ++k) unique = name + "_" + std::to_string(k);
  node_names_.insert(unique);
  n->set_name(unique);
  for (const auto& i : inputs) n->add_input(i);
  for (const auto& o : outputs) n->add_output(o);
  return n;
}

std::string ExportContext::qdq_activation(ir::ValueId x, float step, const std::string& node_name) {
  if (!(step > 0.f) || !std::isfinite(step))
    fail(node_name, "input step " + std::to_string(step) + " must be a positive finite number");
  auto key = std::make_pair(x, step);
  if (auto it = qdq_cache_.find(key); it != qdq_cache_.end()) return it->second;
  const std::string& xn = name(x);
  std::string scale = add_f32_scalar(xn + "_scale", step);
  int8_t zero = 0;
  std::string zp =
      add_initializer(xn + "_zero_point", Tensor::from<int8_t>({}, std::span<const int8_t>(&zero, 1)));
  std::string q = fresh(xn + "_quantized");
  std::string dq = fresh(xn + "_dequantized");
  add_node("QuantizeLinear", {input(x), scale, zp}, {q}, xn + "_QuantizeLinear");
  add_node("DequantizeLinear", {q, scale, zp}, {dq}, xn + "_DequantizeLinear");
  qdq_cache_[key] = dq;
  return dq;
}

std::string ExportContext::dq_weight(ir::ValueId w, const std::vector<float>& steps, int axis, int bits,
                                     const std::string& node_name) {
  const ir::Value& wv = g_.value(w);
  if (!wv.is_constant()) fail_unsupported(node_name, "a quantized layer needs a constant weight");
  Tensor wf = wv.constant.to_f32();
  if (axis < 0 || axis >= wf.rank()) fail_internal("dq_weight: axis out of range for " + node_name);
  const int64_t channels = wf.dim(axis);
  if (steps.size() != 1 && static_cast<int64_t>(steps.size()) != channels)
    fail(node_name,
         std::to_string(steps.size()) + " weight steps for " + std::to_string(channels) + " output channels");
  if (bits < 2 || bits > 8) fail(node_name, "weight bits " + std::to_string(bits) + " not in 2..8");
  for (float s : steps)
    if (!(s >= 0.f) || !std::isfinite(s)) fail(node_name, "weight step " + std::to_string(s) + " is invalid");

  // Same grid as qdeploy's runtime (runtime/ref/int8.h): half away from zero, symmetric clamp; a zero step
  // (all-zero channel) gives q = 0, written with step 1 so the file has no zero scale.
  const float qmax = static_cast<float>((1 << (bits - 1)) - 1);
  int64_t inner = 1;
  for (int d = axis + 1; d < wf.rank(); ++d) inner *= wf.dim(d);
  Tensor q(DataType::i8, wf.shape());
  const float* src = wf.data<float>();
  int8_t* dst = q.data<int8_t>();
  for (int64_t i = 0; i < wf.numel(); ++i) {
    float s = steps.size() == 1 ? steps[0] : steps[static_cast<size_t>((i / inner) % channels)];
    float r = s > 0.f ? std::round(src[i] / s) : 0.f;
    r = r < -qmax ? -qmax : (r > qmax ? qmax : r);
    dst[i] = static_cast<int8_t>(r);
  }
  std::vector<float> file_steps(steps);
  for (float& s : file_steps)
    if (s == 0.f) s = 1.f;

  const std::string base = wv.name;
  std::string qname = add_initializer(base + "_quantized", q);
  std::string scale, zp;
  if (steps.size() == 1) {
    scale = add_f32_scalar(base + "_scale", file_steps[0]);
    int8_t zero = 0;
    zp = add_initializer(base + "_zero_point", Tensor::from<int8_t>({}, std::span<const int8_t>(&zero, 1)));
  } else {
    scale =
        add_initializer(base + "_scale", Tensor::from<float>({channels}, std::span<const float>(file_steps)));
    zp = add_initializer(base + "_zero_point", Tensor(DataType::i8, {channels}));
  }
  std::string dq = fresh(base + "_dequantized");
  onnx::NodeProto* n = add_node("DequantizeLinear", {qname, scale, zp}, {dq}, base + "_DequantizeLinear");
  if (steps.size() != 1) set_attr(n, "axis", int64_t{axis});
  return dq;
}

void set_attr(onnx::NodeProto* n, const std::string& name, int64_t v) {
  onnx::AttributeProto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}

void set_attr(onnx::NodeProto* n, const std::string& name, float v) {
  onnx::AttributeProto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(v);
}

void set_attr(onnx::NodeProto* n, const std::string& name, const std::vector<int64_t>& v) {
  onnx::AttributeProto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t x : v) a->add_ints(x);
}

void set_attr(onnx::NodeProto* n, const std::string& name, const std::string& v) {
  onnx::AttributeProto* a = n->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(v);
}

}  // namespace qd::exporters::onnx_export
