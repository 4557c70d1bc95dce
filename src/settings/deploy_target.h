// Deploy targets (deploy config `backend.type`, `calibrate --target`): what the int8 model is written for,
// and every rule that depends on it. The name table is the only list of target names; a target's rules
// live in its TargetProfile, nowhere else. (Not to be confused with runtime::Backend, the kernels our own
// runtime uses: onednn or reference.)
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace qd {

enum class DeployTarget {
  ncnn,         // .param/.bin/.table for ncnn (ncnn2table/ncnn2int8 compatible)
  qdeploy,      // our own runtime: 8-bit weights everywhere, per-channel scales; no ncnn files
  onnxruntime,  // ONNX QDQ for ONNX Runtime (end2end_quant.onnx), run there for the accuracy line
};

// The window of a convolution, as the weight-bit rules see it.
struct ConvWindow {
  int kernel_h = 1, kernel_w = 1, stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1, group = 1;
};

// The window of any attribute struct with these fields (ir::ConvAttrs).
template <class Attrs>
ConvWindow conv_window_of(const Attrs& a) {
  return {a.kernel_h, a.kernel_w, a.stride_h, a.stride_w, a.dilation_h, a.dilation_w, a.group};
}

// ncnn's int8 winograd F(4,3) runs 3x3, stride 1, dilation 1, group 1 convolutions and needs 6-bit weights
// (ncnn2table gives them multiplier 31/absmax). The one place this rule is written.
bool is_ncnn_winograd_int8_conv(const ConvWindow& conv);

// ncnn's x86 int8 depthwise kernel for packs of 8 channels (every depthwise conv whose channel count is a
// multiple of 8) dequantizes with _mm_rcp_ps(m_in * m_w), not 1/(m_in * m_w). The one place this is written.
bool is_ncnn_packed_int8_depthwise(const ConvWindow& conv, int64_t in_channels, int64_t out_channels);

struct TargetProfile {
  DeployTarget target;
  std::string_view name;
  bool winograd_convs_6bit;           // ncnn: 6-bit weights for is_ncnn_winograd_int8_conv layers
  bool grouped_conv_scale_per_group;  // ncnn: one weight scale per group for grouped, non-depthwise convs
  // ncnn: a grouped, non-depthwise conv with 8k outputs per group is computed right in int8 only when its
  // output is requantized; otherwise it stays fp32 (quant::target_computes_int8).
  bool grouped_conv_int8_needs_requant;
  bool writes_ncnn_files;  // deploy writes .param/.bin (fp32, int8): a layer ncnn cannot express is an error
  bool runs_in_onnxruntime;  // deploy measures the int8 accuracy of end2end_quant.onnx in ONNX Runtime
  // ncnn: kl calibrates as ncnn2table, on 2048 bins over each activation's exact [0, absmax] from a second
  // pass over the calibration set (same data -> the same table as ncnn2table). Others: one pass, kl on the
  // streaming histogram resampled to that grid (ResNet-20 CIFAR int8 0.8653 vs 0.8641 two-pass).
  bool kl_histogram_second_pass;
  // ncnn: depthwise convs of is_ncnn_packed_int8_depthwise dequantize with a reciprocal estimate
  // (ir::LayerQuant::dequant_reciprocal_estimate), so that our runtime computes what ncnn computes.
  bool depthwise_dequant_estimate;
  // Weight bits of a convolution with this window (6 or 8).
  int conv_weight_bits(const ConvWindow& conv) const;
};

const TargetProfile& target_profile(DeployTarget target);
std::string_view deploy_target_name(DeployTarget target);
// Every target's name, in enum order: ncnn, qdeploy, onnxruntime.
std::vector<std::string> deploy_target_names();
// The target called `name`, or a user error "unknown target '<name>' (valid: ...)" naming `context`.
DeployTarget parse_deploy_target(std::string_view name, const std::string& context = "deploy target");
// True when `name` is a target's name.
bool is_deploy_target_name(std::string_view name);

}  // namespace qd
