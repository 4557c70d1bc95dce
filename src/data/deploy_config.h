// Deploy config (TOML): which target the model is deployed for, whether and how it is quantized, and test settings.
// Examples: configs/deploy/classification_ncnn_static.toml,
// configs/deploy/classification_ncnn-int8_static.toml.
//
//   [backend]   type = deploy_target_names() (settings/deploy_target.h)
//   [quantize]  enabled = false, method = "kl" (a range method or "auto"), calib_num = 1000,
//               percentile = 99.99, passes = [] (names checked by quant's PTQ pass registry at the edge)
//   [test]      batch = 1, threads = 0 (0 = all cores), dataset = "" (labelled set deploy evaluates fp32 and
//               int8 on; relative to the deploy config's folder; "" = none), num = 0 (images of it; 0 = all)
//
// Every key is optional; absent keys keep the defaults below.
#pragma once
#include <optional>
#include <string>
#include <vector>

#include "settings/deploy_target.h"
#include "settings/range_method.h"

namespace qd {

struct DeployConfig {
  std::string path;                          // the config file ("" for defaults)
  DeployTarget target = DeployTarget::ncnn;  // TOML backend.type: what the model is deployed for
  struct Quantize {
    bool enabled = false;
    std::optional<RangeMethod> method = RangeMethod::kl;  // nullopt = "auto" (try methods, keep the best)
    int calib_num = 1000;                                 // calibration images to use
    double percentile = 99.99;                            // for method = "percentile"
    std::vector<std::string> passes;                      // extra PTQ passes, in order
  } quantize;
  struct Test {
    int batch = 1;
    int threads = 0;      // 0 = all cores
    std::string dataset;  // labelled test set for deploy's accuracy figures ("" = not evaluated)
    int num = 0;          // images of `dataset` to use (0 = all)
  } test;
};

// Reads a deploy config; same warning/error behaviour as load_model_config.
DeployConfig load_deploy_config(const std::string& path, std::vector<std::string>* warnings = nullptr);

}  // namespace qd
