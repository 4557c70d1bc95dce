#include "format/ncnn/ncnn_weight_scales.h"

#include "core/error.h"

namespace qd::ncnn {

int ncnn_weight_scale_count(const ir::Graph& g, const ir::Node& n) {
  if (n.op == ir::OpKind::Conv) {
    const auto& a = n.attr<ir::ConvAttrs>();
    const Tensor& w = g.value(n.inputs.at(1)).constant;
    if (w.empty()) fail_unsupported(n.name, "int8 Conv needs constant weights");
    return a.group > 1 ? a.group : static_cast<int>(w.dim(0));
  }
  if (n.op == ir::OpKind::Gemm) {
    const Tensor& b = g.value(n.inputs.at(1)).constant;
    if (b.empty() || b.rank() != 2) fail_unsupported(n.name, "int8 Gemm needs a constant 2-D B");
    return static_cast<int>(n.attr<ir::GemmAttrs>().trans_b ? b.dim(0) : b.dim(1));
  }
  fail_unsupported(n.name,
                   "only Conv and Gemm (ncnn Convolution/ConvolutionDepthWise/InnerProduct) are int8");
}

}  // namespace qd::ncnn
