// Conv, BatchNormalization and pooling ops: 2-D windows with explicit pads (auto_pad resolved here).
#include "frontend/onnx/onnx_translators.h"

namespace qd::frontend {

namespace {

// The IR window plus the dilations (convolutions only).
struct Window2d : ir::Window2d {
  int dilation_h = 1, dilation_w = 1;
};

int to_int(NodeContext& ctx, int64_t v, const char* what) {
  if (v < 0 || v > (int64_t{1} << 30))
    ctx.error(std::string(what) + " value " + std::to_string(v) + " out of range");
  return static_cast<int>(v);
}

// Reads strides/dilations/pads/auto_pad for a 2-D window whose kernel is already known. SAME_UPPER
// and SAME_LOWER are resolved against the input size: out = ceil(in / stride), total padding
// = max(0, (out - 1) * stride + (k - 1) * dilation + 1 - in); SAME_UPPER puts the odd extra at the end.
Window2d read_window(NodeContext& ctx, int64_t kh, int64_t kw) {
  Window2d w;
  w.kernel_h = to_int(ctx, kh, "kernel");
  w.kernel_w = to_int(ctx, kw, "kernel");
  std::vector<int64_t> strides = ctx.attr_ints("strides", {1, 1});
  std::vector<int64_t> dil = ctx.attr_ints("dilations", {1, 1});
  std::vector<int64_t> pads = ctx.attr_ints("pads", {0, 0, 0, 0});
  if (strides.size() != 2 || dil.size() != 2 || pads.size() != 4)
    ctx.error("strides/dilations need 2 values and pads 4 for a 2-D window");
  w.stride_h = to_int(ctx, strides[0], "stride");
  w.stride_w = to_int(ctx, strides[1], "stride");
  w.dilation_h = to_int(ctx, dil[0], "dilation");
  w.dilation_w = to_int(ctx, dil[1], "dilation");
  if (w.stride_h == 0 || w.stride_w == 0 || w.dilation_h == 0 || w.dilation_w == 0 || w.kernel_h == 0 ||
      w.kernel_w == 0)
    ctx.error("kernel, strides and dilations must be positive");
  std::string auto_pad = ctx.attr_string("auto_pad", "NOTSET");
  if (auto_pad == "NOTSET") {
    w.pad_top = to_int(ctx, pads[0], "pad");
    w.pad_left = to_int(ctx, pads[1], "pad");
    w.pad_bottom = to_int(ctx, pads[2], "pad");
    w.pad_right = to_int(ctx, pads[3], "pad");
  } else if (auto_pad == "VALID") {
    // all zero
  } else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
    const Shape& x = ctx.input_shape(0);
    if (x.size() != 4) ctx.error("input must be 4-D NCHW, got " + shape_str(x));
    if (x[2] < 0 || x[3] < 0)
      ctx.unsupported("auto_pad " + auto_pad + " needs a static input height and width");
    auto resolve = [&](int64_t in, int k, int s, int d, int& begin, int& end) {
      int64_t out = (in + s - 1) / s;
      int64_t total = std::max<int64_t>(0, (out - 1) * s + static_cast<int64_t>(k - 1) * d + 1 - in);
      int64_t small = total / 2, big = total - small;
      begin = static_cast<int>(auto_pad == "SAME_UPPER" ? small : big);
      end = static_cast<int>(auto_pad == "SAME_UPPER" ? big : small);
    };
    resolve(x[2], w.kernel_h, w.stride_h, w.dilation_h, w.pad_top, w.pad_bottom);
    resolve(x[3], w.kernel_w, w.stride_w, w.dilation_w, w.pad_left, w.pad_right);
  } else {
    ctx.error("unknown auto_pad '" + auto_pad + "'");
  }
  return w;
}

ir::PoolAttrs read_pool(NodeContext& ctx) {
  std::vector<int64_t> k = ctx.attr_ints("kernel_shape");
  if (k.size() != 2)
    ctx.unsupported("only 2-D pooling is supported (kernel_shape has " + std::to_string(k.size()) + " dims)");
  Window2d w = read_window(ctx, k[0], k[1]);
  if (w.dilation_h != 1 || w.dilation_w != 1) ctx.unsupported("pooling with dilations is not supported");
  ir::PoolAttrs a;
  static_cast<ir::Window2d&>(a) = w;
  a.ceil_mode = ctx.attr_int("ceil_mode", 0) != 0;
  return a;
}

}  // namespace

void translate_conv(NodeContext& ctx) {
  ir::ValueId x = ctx.input(0), w = ctx.input(1), b = ctx.optional_input(2);
  std::vector<int64_t> k = ctx.attr_ints("kernel_shape");
  if (k.empty()) {
    const Shape& ws = ctx.input_shape(1);
    if (ws.size() >= 2) k.assign(ws.begin() + 2, ws.end());
  }
  if (k.size() != 2) ctx.unsupported("only 2-D convolution is supported");
  Window2d win = read_window(ctx, k[0], k[1]);
  ir::ConvAttrs a;
  static_cast<ir::Window2d&>(a) = win;
  a.dilation_h = win.dilation_h;
  a.dilation_w = win.dilation_w;
  int64_t group = ctx.attr_int("group", 1);
  if (group < 1) ctx.error("group must be positive");
  a.group = static_cast<int>(group);
  std::vector<ir::ValueId> inputs{x, w};
  if (b != ir::kNoValue) inputs.push_back(b);
  ctx.emit(ir::OpKind::Conv, inputs, a);
}

void translate_batch_normalization(NodeContext& ctx) {
  if (ctx.attr_int("training_mode", 0) != 0) ctx.unsupported("training_mode=1 is not supported");
  ir::BatchNormAttrs a;
  a.epsilon = ctx.attr_float("epsilon", 1e-5f);
  ctx.emit(ir::OpKind::BatchNormalization,
           {ctx.input(0), ctx.input(1), ctx.input(2), ctx.input(3), ctx.input(4)}, a);
}

void translate_max_pool(NodeContext& ctx) {
  ir::PoolAttrs a = read_pool(ctx);
  if (ctx.attr_int("storage_order", 0) != 0) ctx.unsupported("storage_order=1 is not supported");
  ctx.emit(ir::OpKind::MaxPool, {ctx.input(0)}, a);
}

void translate_average_pool(NodeContext& ctx) {
  ir::PoolAttrs a = read_pool(ctx);
  a.count_include_pad = ctx.attr_int("count_include_pad", 0) != 0;
  ctx.emit(ir::OpKind::AveragePool, {ctx.input(0)}, a);
}

void translate_global_average_pool(NodeContext& ctx) {
  ctx.emit(ir::OpKind::GlobalAveragePool, {ctx.input(0)});
}

void translate_global_max_pool(NodeContext& ctx) { ctx.emit(ir::OpKind::GlobalMaxPool, {ctx.input(0)}); }

}  // namespace qd::frontend
