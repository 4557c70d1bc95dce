#include "frontend/ncnn/ncnn_read_window.h"

namespace qd::ncnn {

WindowDilation read_window(const ParamDict& pd, const WindowParamIds& ids, ir::Window2d& w) {
  w.kernel_w = pd.get_int(ids.kernel_w, 0);
  w.kernel_h = pd.get_int(ids.kernel_h, w.kernel_w);
  w.stride_w = pd.get_int(ids.stride_w, 1);
  w.stride_h = pd.get_int(ids.stride_h, w.stride_w);
  w.pad_left = pd.get_int(ids.pad_left, 0);
  w.pad_right = pd.get_int(ids.pad_right, w.pad_left);
  w.pad_top = pd.get_int(ids.pad_top, w.pad_left);
  w.pad_bottom = pd.get_int(ids.pad_bottom, w.pad_top);
  WindowDilation d;
  if (ids.dilation_w >= 0) {
    d.w = pd.get_int(ids.dilation_w, 1);
    d.h = pd.get_int(ids.dilation_h, d.w);
  }
  return d;
}

void set_same_pads(ir::Window2d& w, bool upper, WindowDilation d) {
  const int th = d.h * (w.kernel_h - 1), tw = d.w * (w.kernel_w - 1);
  w.pad_top = upper ? th / 2 : th - th / 2;
  w.pad_bottom = th - w.pad_top;
  w.pad_left = upper ? tw / 2 : tw - tw / 2;
  w.pad_right = tw - w.pad_left;
}

}  // namespace qd::ncnn
