// Typed access to a TOML file for qdeploy's config readers: every getter checks the type and throws
// "<file>:<line>: ..." on a mismatch, and remembers the key so that unknown_keys() can list the rest.
// Internal to src/data (includes toml++, which is heavy: include only from .cpp files).
#pragma once
#include <toml++/toml.h>

#include <optional>
#include <set>
#include <string>
#include <vector>

namespace qd {

class TomlReader {
 public:
  // Parses the file; throws "<path>: ..." when it is missing or "<path>:<line>:<col>: ..." on a syntax error.
  explicit TomlReader(const std::string& path);

  const std::string& path() const { return path_; }

  // Each getter returns nullopt when the key is absent (dotted keys: "model.name") and throws on a wrong
  // type.
  std::optional<std::string> get_string(const std::string& key);
  std::optional<bool> get_bool(const std::string& key);
  std::optional<int64_t> get_int(const std::string& key);
  std::optional<double> get_number(const std::string& key);  // integer or float
  std::optional<std::vector<std::string>> get_strings(const std::string& key);
  std::optional<std::vector<int64_t>> get_ints(const std::string& key);
  std::optional<std::vector<double>> get_numbers(const std::string& key);
  // An integer n reads as {n}; an array of integers as it is.
  std::optional<std::vector<int64_t>> get_int_or_ints(const std::string& key);

  // Throws "<path>: missing required key 'key'" when absent.
  template <typename T>
  T require(std::optional<T> value, const std::string& key) const {
    if (!value) missing(key);
    return *value;
  }

  // Throws "<path>:<line>: key 'key' <message>" pointing at the key's value.
  [[noreturn]] void fail_at(const std::string& key, const std::string& message) const;

  // Warnings "<path>: unknown key 'a.b'" for every value no getter asked for (sorted by key).
  std::vector<std::string> unknown_keys() const;

 private:
  [[noreturn]] void missing(const std::string& key) const;
  const toml::node* find(const std::string& key);
  [[noreturn]] void wrong_type(const std::string& key, const toml::node& node, const char* expected) const;
  void collect_unknown(const toml::table& table, const std::string& prefix,
                       std::vector<std::string>& out) const;

  std::string path_;
  toml::table root_;
  std::set<std::string> known_;
};

}  // namespace qd
