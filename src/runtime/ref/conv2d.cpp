#include "runtime/ref/conv_loop.h"
#include "runtime/ref/kernels.h"

namespace qd::runtime::ref {

Tensor conv2d(const Tensor& x, const Tensor& w, const Tensor& bias, const ir::ConvAttrs& a) {
  const ConvGeometry s = conv_geometry(x, w, a);
  Tensor y(DataType::f32, {s.N, s.O, s.OH, s.OW});
  const float* bd = bias.empty() ? nullptr : bias.data<float>();
  float* yd = y.data<float>();
  conv_loop<double>(
      s, a, x.data<float>(), w.data<float>(), [&](int64_t o) { return bd ? bd[o] : 0.0; },
      [&](int64_t i, int64_t, double acc) {
        float v = static_cast<float>(acc);
        if (a.activation) v = activate(v, *a.activation);
        yd[i] = v;
      });
  return y;
}

}  // namespace qd::runtime::ref
