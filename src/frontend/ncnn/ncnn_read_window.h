// The window params of ncnn Convolution/ConvolutionDepthWise and Pooling layers, read once for both.
#pragma once
#include "format/ncnn/ncnn_schema.h"
#include "frontend/ncnn/ncnn_param_text.h"
#include "ir/attrs.h"

namespace qd::ncnn {

struct WindowDilation {
  int h = 1, w = 1;
};

// Reads kernel, stride and pads into w with ncnn's defaults (see WindowParamIds); returns the dilation
// (1 x 1 for layers without one). Pads are returned as written: SAME markers are resolved by the caller.
WindowDilation read_window(const ParamDict& pd, const WindowParamIds& ids, ir::Window2d& w);

// TF-style SAME padding with stride 1: (kernel - 1) * dilation per axis, the odd pixel at the end (upper)
// or at the start (lower), as ncnn computes it.
void set_same_pads(ir::Window2d& w, bool upper, WindowDilation d = {});

}  // namespace qd::ncnn
