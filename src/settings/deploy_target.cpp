#include "settings/deploy_target.h"

#include "core/error.h"
#include "settings/name_list.h"

namespace qd {
namespace {

// Indexed by DeployTarget.
constexpr TargetProfile kProfiles[] = {
    {DeployTarget::ncnn, "ncnn", true, true, true, true, false, true, true},
    {DeployTarget::qdeploy, "qdeploy", false, false, false, false, false, false, false},
    {DeployTarget::onnxruntime, "onnxruntime", false, false, false, false, true, false, false},
};

}  // namespace

bool is_ncnn_winograd_int8_conv(const ConvWindow& c) {
  return c.group == 1 && c.kernel_h == 3 && c.kernel_w == 3 && c.stride_h == 1 && c.stride_w == 1 &&
         c.dilation_h == 1 && c.dilation_w == 1;
}

bool is_ncnn_packed_int8_depthwise(const ConvWindow& c, int64_t in_channels, int64_t out_channels) {
  return c.group > 1 && c.group == in_channels && c.group == out_channels && out_channels % 8 == 0;
}

int TargetProfile::conv_weight_bits(const ConvWindow& conv) const {
  return winograd_convs_6bit && is_ncnn_winograd_int8_conv(conv) ? 6 : 8;
}

const TargetProfile& target_profile(DeployTarget target) {
  const TargetProfile& p = kProfiles[static_cast<int>(target)];
  QD_CHECK(p.target == target, "target profile table out of order");
  return p;
}

std::string_view deploy_target_name(DeployTarget target) { return target_profile(target).name; }

std::vector<std::string> deploy_target_names() {
  std::vector<std::string> out;
  for (const TargetProfile& p : kProfiles) out.emplace_back(p.name);
  return out;
}

bool is_deploy_target_name(std::string_view name) {
  for (const TargetProfile& p : kProfiles)
    if (p.name == name) return true;
  return false;
}

DeployTarget parse_deploy_target(std::string_view name, const std::string& context) {
  for (const TargetProfile& p : kProfiles)
    if (p.name == name) return p.target;
  fail(context, "unknown target '" + std::string(name) +
                    "' (valid: " + settings::join_names(deploy_target_names()) + ")");
}

}  // namespace qd
