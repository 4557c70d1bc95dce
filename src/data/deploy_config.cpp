#include "data/deploy_config.h"

#include <climits>
#include <filesystem>

#include "core/error.h"
#include "data/toml_reader.h"
#include "settings/name_list.h"

namespace qd {
namespace {

int int_in_range(TomlReader& r, const std::string& key, int fallback, int64_t lo, int64_t hi) {
  const auto v = r.get_int(key);
  if (!v) return fallback;
  if (*v < lo || *v > hi)
    r.fail_at(key, "must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", not " +
                       std::to_string(*v));
  return static_cast<int>(*v);
}

// A relative path in the config is relative to the config's folder (as in model configs).
std::string relative_to_config(const std::string& config_path, const std::string& p) {
  if (p.empty() || std::filesystem::path(p).is_absolute()) return p;
  return (std::filesystem::path(config_path).parent_path() / p).lexically_normal().string();
}

}  // namespace

DeployConfig load_deploy_config(const std::string& path, std::vector<std::string>* warnings) {
  TomlReader r(path);
  DeployConfig c;
  c.path = path;
  const std::string target = r.get_string("backend.type").value_or(std::string(deploy_target_name(c.target)));
  if (!is_deploy_target_name(target)) {
    std::vector<std::string> quoted;
    for (const std::string& n : deploy_target_names()) quoted.push_back("\"" + n + "\"");
    r.fail_at("backend.type",
              "must be " + settings::join_names(quoted, ", ", " or ") + ", not \"" + target + "\"");
  }
  c.target = parse_deploy_target(target);

  c.quantize.enabled = r.get_bool("quantize.enabled").value_or(c.quantize.enabled);
  if (const auto method = r.get_string("quantize.method")) {
    if (method->empty()) r.fail_at("quantize.method", "must not be empty");
    try {
      c.quantize.method = parse_range_method_or_auto(*method, "");
    } catch (const Error& e) {
      r.fail_at("quantize.method", e.what());
    }
  }
  c.quantize.calib_num = int_in_range(r, "quantize.calib_num", c.quantize.calib_num, 1, INT_MAX);
  c.quantize.percentile = r.get_number("quantize.percentile").value_or(c.quantize.percentile);
  if (!(c.quantize.percentile > 0 && c.quantize.percentile <= 100))
    r.fail_at("quantize.percentile", "must be in (0, 100]");
  c.quantize.passes = r.get_strings("quantize.passes").value_or(c.quantize.passes);

  c.test.batch = int_in_range(r, "test.batch", c.test.batch, 1, 65536);
  c.test.threads = int_in_range(r, "test.threads", c.test.threads, 0, 4096);
  c.test.dataset = relative_to_config(path, r.get_string("test.dataset").value_or(c.test.dataset));
  c.test.num = int_in_range(r, "test.num", c.test.num, 0, INT_MAX);

  if (warnings) {
    auto unknown = r.unknown_keys();
    warnings->insert(warnings->end(), unknown.begin(), unknown.end());
  }
  return c;
}

}  // namespace qd
