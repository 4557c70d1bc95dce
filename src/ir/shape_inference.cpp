#include "ir/shape_inference.h"

#include <algorithm>
#include <numeric>

#include "ir/axis.h"

namespace qd::ir {

namespace {

[[noreturn]] void shape_error(const Node& n, const std::string& msg) {
  fail("", "node '" + n.name + "' (" + std::string(op_name(n.op)) + "): " + msg);
}

const Shape& in_shape(const Graph& g, const Node& n, size_t i) {
  if (i >= n.inputs.size() || n.inputs[i] == kNoValue) shape_error(n, "missing input " + std::to_string(i));
  return g.value(n.inputs[i]).shape;
}

int64_t norm_axis(const Node& n, int64_t axis, int64_t rank) {
  try {
    return normalize_axis(axis, rank);
  } catch (const Error& e) {
    shape_error(n, e.what());
  }
}

// Product of dims [begin, end); -1 when any is symbolic.
int64_t dim_product(const Shape& s, size_t begin, size_t end) {
  int64_t p = 1;
  for (size_t i = begin; i < end; ++i) {
    if (s[i] < 0) return kDynamicDim;
    p *= s[i];
  }
  return p;
}

// Output size of a sliding window along one axis (ONNX conv/pool formula).
int64_t window_out(const Node& n, int64_t in, int kernel, int stride, int pad_begin, int pad_end,
                   int dilation, bool ceil_mode) {
  if (in < 0) return kDynamicDim;
  int64_t eff = static_cast<int64_t>(dilation) * (kernel - 1) + 1;
  int64_t span = in + pad_begin + pad_end - eff;
  if (span < 0) shape_error(n, "window larger than the padded input (" + std::to_string(in) + ")");
  if (stride <= 0) shape_error(n, "stride must be positive");
  int64_t out = ceil_mode ? (span + stride - 1) / stride + 1 : span / stride + 1;
  // With ceil_mode the last window must start inside the input or left padding.
  if (ceil_mode && (out - 1) * stride >= in + pad_begin) --out;
  return out;
}

// Numpy-style broadcast (ir/axis.h) with the node named in errors.
Shape broadcast(const Node& n, const Shape& a, const Shape& b) {
  try {
    return broadcast_shapes(a, b);
  } catch (const Error& e) {
    shape_error(n, e.what());
  }
}

Shape infer_conv(const Graph& g, const Node& n) {
  const auto& a = n.attr<ConvAttrs>();
  const Shape& x = in_shape(g, n, 0);
  const Shape& w = in_shape(g, n, 1);
  if (x.size() != 4) shape_error(n, "input must be 4-D NCHW, got " + shape_str(x));
  if (w.size() != 4) shape_error(n, "weight must be 4-D, got " + shape_str(w));
  if (a.group <= 0 || w[0] % a.group != 0) shape_error(n, "output channels not divisible by group");
  if (x[1] >= 0 && x[1] != w[1] * a.group)
    shape_error(n, "input has " + std::to_string(x[1]) + " channels, weight expects " +
                       std::to_string(w[1] * a.group));
  if (w[2] != a.kernel_h || w[3] != a.kernel_w)
    shape_error(n, "kernel attribute disagrees with weight shape");
  if (n.inputs.size() > 2 && n.inputs[2] != kNoValue && shape_numel(in_shape(g, n, 2)) != w[0])
    shape_error(n, "bias size disagrees with output channels");
  return {x[0], w[0],
          window_out(n, x[2], a.kernel_h, a.stride_h, a.pad_top, a.pad_bottom, a.dilation_h, false),
          window_out(n, x[3], a.kernel_w, a.stride_w, a.pad_left, a.pad_right, a.dilation_w, false)};
}

Shape infer_pool(const Graph& g, const Node& n) {
  const auto& a = n.attr<PoolAttrs>();
  const Shape& x = in_shape(g, n, 0);
  if (x.size() != 4) shape_error(n, "input must be 4-D NCHW, got " + shape_str(x));
  return {x[0], x[1], window_out(n, x[2], a.kernel_h, a.stride_h, a.pad_top, a.pad_bottom, 1, a.ceil_mode),
          window_out(n, x[3], a.kernel_w, a.stride_w, a.pad_left, a.pad_right, 1, a.ceil_mode)};
}

Shape infer_reshape(const Node& n, const Shape& x, const std::vector<int64_t>& target) {
  Shape out(target.size());
  int infer_at = -1;
  for (size_t i = 0; i < target.size(); ++i) {
    if (target[i] == 0) {
      if (i >= x.size()) shape_error(n, "0 in target shape beyond input rank");
      out[i] = x[i];
    } else if (target[i] == -1) {
      if (infer_at >= 0) shape_error(n, "more than one -1 in target shape");
      infer_at = static_cast<int>(i);
    } else if (target[i] < 0) {
      shape_error(n, "negative dimension in target shape");
    } else {
      out[i] = target[i];
    }
  }
  int64_t in_n = shape_numel(x);
  if (infer_at >= 0) {
    int64_t known = 1;
    bool known_static = true;
    for (size_t i = 0; i < out.size(); ++i)
      if (static_cast<int>(i) != infer_at) {
        if (out[i] < 0)
          known_static = false;
        else
          known *= out[i];
      }
    if (in_n >= 0 && known_static) {
      if (known == 0 || in_n % known != 0)
        shape_error(n, "cannot reshape " + shape_str(x) + " to " + shape_str(target));
      out[infer_at] = in_n / known;
    } else if (!known_static && in_n < 0 && x.size() > 0 && x[0] < 0 && out[0] < 0 && infer_at != 0) {
      // Symbolic batch copied through dim 0: the rest must account for the other input dims.
      int64_t rest_in = dim_product(x, 1, x.size());
      int64_t rest_known = 1;
      for (size_t i = 1; i < out.size(); ++i)
        if (static_cast<int>(i) != infer_at) rest_known *= out[i];
      out[infer_at] = (rest_in >= 0 && rest_known > 0) ? rest_in / rest_known : kDynamicDim;
    } else {
      out[infer_at] = kDynamicDim;
    }
  } else if (in_n >= 0 && shape_is_static(out) && shape_numel(out) != in_n) {
    shape_error(n, "cannot reshape " + shape_str(x) + " to " + shape_str(target));
  }
  return out;
}

Shape infer_matmul(const Node& n, Shape a, Shape b) {
  if (a.empty() || b.empty()) shape_error(n, "MatMul of a scalar");
  bool a1 = a.size() == 1, b1 = b.size() == 1;
  if (a1) a.insert(a.begin(), 1);
  if (b1) b.push_back(1);
  int64_t ka = a[a.size() - 1], kb = b[b.size() - 2];
  if (ka >= 0 && kb >= 0 && ka != kb)
    shape_error(n, "inner dimensions differ: " + shape_str(a) + " x " + shape_str(b));
  Shape batch = broadcast(n, Shape(a.begin(), a.end() - 2), Shape(b.begin(), b.end() - 2));
  Shape out = batch;
  if (!a1) out.push_back(a[a.size() - 2]);
  if (!b1) out.push_back(b[b.size() - 1]);
  return out;
}

// Elements start, start+step, ... before end along each sliced axis (attrs already normalised).
Shape infer_slice(const Graph& g, const Node& n) {
  Shape out = in_shape(g, n, 0);
  const auto& a = n.attr<SliceAttrs>();
  if (a.starts.size() != a.axes.size() || a.ends.size() != a.axes.size() || a.steps.size() != a.axes.size())
    shape_error(n, "starts, ends, axes and steps differ in length");
  for (size_t i = 0; i < a.axes.size(); ++i) {
    int64_t axis = norm_axis(n, a.axes[i], static_cast<int64_t>(out.size()));
    if (a.steps[i] == 0) shape_error(n, "step 0");
    if (out[axis] < 0) continue;  // symbolic stays symbolic
    int64_t end = a.ends[i];
    if (a.steps[i] > 0) end = std::min(end, out[axis]);
    int64_t span = a.steps[i] > 0 ? end - a.starts[i] : a.starts[i] - end;
    int64_t step = a.steps[i] > 0 ? a.steps[i] : -a.steps[i];
    out[axis] = span <= 0 ? 0 : (span + step - 1) / step;
  }
  return out;
}

std::vector<Shape> infer_node(const Graph& g, const Node& n) {
  switch (n.op) {
    case OpKind::Conv:
      return {infer_conv(g, n)};
    case OpKind::BatchNormalization:
    case OpKind::Relu:
    case OpKind::Clip:
    case OpKind::LeakyRelu:
    case OpKind::Sigmoid:
    case OpKind::HardSigmoid:
    case OpKind::HardSwish:
    case OpKind::Swish:
    case OpKind::Identity:
    case OpKind::Erf:
    case OpKind::Sqrt:
    case OpKind::Gelu:
    case OpKind::Dropout: {
      std::vector<Shape> r{in_shape(g, n, 0)};
      for (size_t i = 1; i < n.outputs.size(); ++i) r.push_back(in_shape(g, n, 0));  // Dropout mask
      return r;
    }
    case OpKind::Softmax: {
      const Shape& x = in_shape(g, n, 0);
      norm_axis(n, n.attr<AxisAttrs>().axis, static_cast<int64_t>(x.size()));
      return {x};
    }
    case OpKind::Add:
    case OpKind::Sub:
    case OpKind::Mul:
    case OpKind::Div:
    case OpKind::Pow:
      return {broadcast(n, in_shape(g, n, 0), in_shape(g, n, 1))};
    case OpKind::LayerNorm: {
      const Shape& x = in_shape(g, n, 0);
      const auto& a = n.attr<LayerNormAttrs>();
      const int64_t r = static_cast<int64_t>(x.size());
      const int64_t axis = norm_axis(n, a.axis, r);
      if (a.num_axes < 1 || axis + a.num_axes > r)
        shape_error(n, "normalised axes exceed rank " + std::to_string(r));
      const int64_t count = dim_product(x, axis, axis + a.num_axes);
      for (size_t i = 1; i < n.inputs.size(); ++i)
        if (n.inputs[i] != kNoValue && count >= 0 && shape_numel(in_shape(g, n, i)) != count)
          shape_error(n, "scale/bias size " + shape_str(in_shape(g, n, i)) + " differs from the " +
                             std::to_string(count) + " normalised elements");
      return {x};
    }
    case OpKind::MaxPool:
    case OpKind::AveragePool:
      return {infer_pool(g, n)};
    case OpKind::GlobalAveragePool:
    case OpKind::GlobalMaxPool: {
      Shape x = in_shape(g, n, 0);
      if (x.size() < 3) shape_error(n, "input must be at least 3-D, got " + shape_str(x));
      for (size_t i = 2; i < x.size(); ++i) x[i] = 1;
      return {x};
    }
    case OpKind::ReduceMean:
    case OpKind::ReduceMax:
    case OpKind::ReduceSum: {
      const Shape& x = in_shape(g, n, 0);
      const auto& a = n.attr<ReduceAttrs>();
      int64_t r = static_cast<int64_t>(x.size());
      std::vector<bool> reduce(x.size(), a.axes.empty());
      for (int64_t ax : a.axes) reduce[norm_axis(n, ax, r)] = true;
      Shape out;
      for (size_t i = 0; i < x.size(); ++i) {
        if (!reduce[i])
          out.push_back(x[i]);
        else if (a.keepdims)
          out.push_back(1);
      }
      return {out};
    }
    case OpKind::Flatten: {
      const Shape& x = in_shape(g, n, 0);
      int64_t r = static_cast<int64_t>(x.size());
      int64_t axis = n.attr<AxisAttrs>().axis;
      if (axis < 0) axis += r;
      if (axis < 0 || axis > r) shape_error(n, "axis out of range");
      return {{dim_product(x, 0, axis), dim_product(x, axis, x.size())}};
    }
    case OpKind::Reshape:
      return {infer_reshape(n, in_shape(g, n, 0), n.attr<ReshapeAttrs>().shape)};
    case OpKind::Squeeze: {
      const Shape& x = in_shape(g, n, 0);
      const auto& axes = n.attr<AxesAttrs>().axes;
      std::vector<bool> drop(x.size(), false);
      int64_t r = static_cast<int64_t>(x.size());
      if (axes.empty()) {
        for (size_t i = 0; i < x.size(); ++i) drop[i] = x[i] == 1;
      } else {
        for (int64_t ax : axes) {
          int64_t a = norm_axis(n, ax, r);
          if (x[a] > 1)
            shape_error(n, "cannot squeeze axis " + std::to_string(ax) + " of size " + std::to_string(x[a]));
          drop[a] = true;
        }
      }
      Shape out;
      for (size_t i = 0; i < x.size(); ++i)
        if (!drop[i]) out.push_back(x[i]);
      return {out};
    }
    case OpKind::Unsqueeze: {
      const Shape& x = in_shape(g, n, 0);
      const auto& axes = n.attr<AxesAttrs>().axes;
      int64_t r = static_cast<int64_t>(x.size() + axes.size());
      std::vector<bool> ins(r, false);
      for (int64_t ax : axes) ins[norm_axis(n, ax, r)] = true;
      Shape out;
      size_t j = 0;
      for (int64_t i = 0; i < r; ++i) out.push_back(ins[i] ? 1 : x.at(j++));
      return {out};
    }
    case OpKind::Gemm: {
      const auto& a = n.attr<GemmAttrs>();
      const Shape& sa = in_shape(g, n, 0);
      const Shape& sb = in_shape(g, n, 1);
      if (sa.size() != 2 || sb.size() != 2)
        shape_error(n, "Gemm needs 2-D inputs, got " + shape_str(sa) + " and " + shape_str(sb));
      int64_t m = a.trans_a ? sa[1] : sa[0], ka = a.trans_a ? sa[0] : sa[1];
      int64_t kb = a.trans_b ? sb[1] : sb[0], nn = a.trans_b ? sb[0] : sb[1];
      if (ka >= 0 && kb >= 0 && ka != kb)
        shape_error(n, "inner dimensions differ: " + shape_str(sa) + " x " + shape_str(sb));
      Shape out{m, nn};
      if (n.inputs.size() > 2 && n.inputs[2] != kNoValue) broadcast(n, out, in_shape(g, n, 2));
      return {out};
    }
    case OpKind::MatMul:
      return {infer_matmul(n, in_shape(g, n, 0), in_shape(g, n, 1))};
    case OpKind::Concat: {
      Shape out = in_shape(g, n, 0);
      int64_t axis = norm_axis(n, n.attr<AxisAttrs>().axis, static_cast<int64_t>(out.size()));
      for (size_t i = 1; i < n.inputs.size(); ++i) {
        const Shape& s = in_shape(g, n, i);
        if (s.size() != out.size()) shape_error(n, "inputs have different ranks");
        for (size_t d = 0; d < s.size(); ++d) {
          if (static_cast<int64_t>(d) == axis) {
            out[d] = (out[d] < 0 || s[d] < 0) ? kDynamicDim : out[d] + s[d];
          } else if (out[d] >= 0 && s[d] >= 0 && out[d] != s[d]) {
            shape_error(n,
                        "inputs differ outside the concat axis: " + shape_str(out) + " vs " + shape_str(s));
          }
        }
      }
      return {out};
    }
    case OpKind::Pad: {
      Shape x = in_shape(g, n, 0);
      const auto& p = n.attr<PadAttrs>().pads;
      if (p.size() != 2 * x.size()) shape_error(n, "pads must have 2*rank entries");
      for (size_t i = 0; i < x.size(); ++i)
        if (x[i] >= 0) {
          x[i] += p[i] + p[i + x.size()];
          if (x[i] < 0) shape_error(n, "negative padded size");
        }
      return {x};
    }
    case OpKind::Transpose: {
      const Shape& x = in_shape(g, n, 0);
      std::vector<int64_t> perm = n.attr<AxesAttrs>().axes;
      if (perm.empty())
        for (size_t i = x.size(); i-- > 0;) perm.push_back(static_cast<int64_t>(i));
      if (perm.size() != x.size()) shape_error(n, "perm length differs from rank");
      Shape out;
      for (int64_t p : perm) out.push_back(x.at(norm_axis(n, p, static_cast<int64_t>(x.size()))));
      return {out};
    }
    case OpKind::Slice:
      return {infer_slice(g, n)};
    case OpKind::Split: {
      const Shape& x = in_shape(g, n, 0);
      const auto& a = n.attr<SplitAttrs>();
      int64_t axis = norm_axis(n, a.axis, static_cast<int64_t>(x.size()));
      if (a.sizes.size() != n.outputs.size()) shape_error(n, "split sizes and outputs differ in number");
      int64_t total = 0;
      std::vector<Shape> r;
      for (int64_t size : a.sizes) {
        if (size < 0) shape_error(n, "negative split size");
        total += size;
        Shape o = x;
        o[axis] = size;
        r.push_back(o);
      }
      if (x[axis] >= 0 && total != x[axis])
        shape_error(n,
                    "split sizes sum to " + std::to_string(total) + ", axis has " + std::to_string(x[axis]));
      return r;
    }
    case OpKind::ShuffleChannel: {
      const Shape& x = in_shape(g, n, 0);
      int64_t group = n.attr<ShuffleChannelAttrs>().group;
      if (x.size() < 2 || group <= 0 || (x[1] >= 0 && x[1] % group != 0))
        shape_error(n, "channels of " + shape_str(x) + " not divisible by group " + std::to_string(group));
      return {x};
    }
  }
  shape_error(n, "no shape inference for this op");
}

}  // namespace

void infer_shapes(Graph& g) {
  for (Node& n : g.nodes()) {
    std::vector<Shape> shapes = infer_node(g, n);
    for (size_t i = 0; i < n.outputs.size() && i < shapes.size(); ++i) {
      Value& v = g.value(n.outputs[i]);
      if (v.is_constant()) continue;
      v.shape = shapes[i];
      v.dtype = DataType::f32;
    }
  }
}

Graph with_batch(const Graph& g, int64_t batch) {
  Graph r = g;
  std::vector<int64_t> old_batch;
  for (ValueId in : r.inputs()) {
    Shape& s = r.value(in).shape;
    if (!s.empty()) {
      old_batch.push_back(s[0]);
      s[0] = batch;
    }
  }
  // Exporters often bake the traced batch (usually 1) into Reshape targets; make dim 0 follow the input.
  for (Node& n : r.nodes()) {
    if (n.op != OpKind::Reshape) continue;
    auto& target = n.attr<ReshapeAttrs>().shape;
    const Shape& x = g.value(n.inputs[0]).shape;
    if (!target.empty() && !x.empty() && target[0] > 0 && target[0] == x[0] &&
        std::find(old_batch.begin(), old_batch.end(), x[0]) != old_batch.end())
      target[0] = 0;
  }
  infer_shapes(r);
  return r;
}

}  // namespace qd::ir
