#include "data/toml_reader.h"

#include <filesystem>
#include <sstream>

#include "core/error.h"

namespace qd {
namespace {

const char* type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a number";
    case toml::node_type::boolean:
      return "a boolean";
    default:
      return "a date/time";
  }
}

}  // namespace

TomlReader::TomlReader(const std::string& path) : path_(path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) fail(path, "config file not found");
  try {
    root_ = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    fail(path + ":" + std::to_string(where.line) + ":" + std::to_string(where.column),
         "TOML syntax error: " + std::string(e.description()));
  }
}

const toml::node* TomlReader::find(const std::string& key) {
  known_.insert(key);
  // at_path would also accept "a[0]" syntax; config keys are plain dotted names, so walk them explicitly.
  const toml::node* node = &root_;
  std::stringstream parts(key);
  for (std::string part; std::getline(parts, part, '.');) {
    const toml::table* table = node->as_table();
    if (!table) return nullptr;
    node = table->get(part);
    if (!node) return nullptr;
  }
  return node;
}

void TomlReader::fail_at(const std::string& key, const std::string& message) const {
  const toml::node* node = root_.at_path(key).node();
  const std::string where =
      node && node->source().begin.line > 0 ? path_ + ":" + std::to_string(node->source().begin.line) : path_;
  fail(where, "key '" + key + "' " + message);
}

void TomlReader::missing(const std::string& key) const { fail(path_, "missing required key '" + key + "'"); }

void TomlReader::wrong_type(const std::string& key, const toml::node& node, const char* expected) const {
  fail_at(key, std::string("must be ") + expected + ", not " + type_name(node));
}

std::optional<std::string> TomlReader::get_string(const std::string& key) {
  const toml::node* n = find(key);
  if (!n) return std::nullopt;
  if (!n->is_string()) wrong_type(key, *n, "a string");
  return n->as_string()->get();
}

std::optional<bool> TomlReader::get_bool(const std::string& key) {
  const toml::node* n = find(key);
  if (!n) return std::nullopt;
  if (!n->is_boolean()) wrong_type(key, *n, "a boolean (true/false)");
  return n->as_boolean()->get();
}

std::optional<int64_t> TomlReader::get_int(const std::string& key) {
  const toml::node* n = find(key);
  if (!n) return std::nullopt;
  if (!n->is_integer()) wrong_type(key, *n, "an integer");
  return n->as_integer()->get();
}

std::optional<double> TomlReader::get_number(const std::string& key) {
  const toml::node* n = find(key);
  if (!n) return std::nullopt;
  if (n->is_integer()) return static_cast<double>(n->as_integer()->get());
  if (!n->is_floating_point()) wrong_type(key, *n, "a number");
  return n->as_floating_point()->get();
}

std::optional<std::vector<std::string>> TomlReader::get_strings(const std::string& key) {
  const toml::node* n = find(key);
  if (!n) return std::nullopt;
  const toml::array* a = n->as_array();
  if (!a) wrong_type(key, *n, "an array of strings");
  std::vector<std::string> out;
  for (const toml::node& e : *a) {
    if (!e.is_string()) fail_at(key, std::string("must be an array of strings, but has ") + type_name(e));
    out.push_back(e.as_string()->get());
  }
  return out;
}

std::optional<std::vector<int64_t>> TomlReader::get_ints(const std::string& key) {
  const toml::node* n = find(key);
  if (!n) return std::nullopt;
  const toml::array* a = n->as_array();
  if (!a) wrong_type(key, *n, "an array of integers");
  std::vector<int64_t> out;
  for (const toml::node& e : *a) {
    if (!e.is_integer()) fail_at(key, std::string("must be an array of integers, but has ") + type_name(e));
    out.push_back(e.as_integer()->get());
  }
  return out;
}

std::optional<std::vector<int64_t>> TomlReader::get_int_or_ints(const std::string& key) {
  const toml::node* n = find(key);
  if (!n) return std::nullopt;
  if (n->is_integer()) return std::vector<int64_t>{n->as_integer()->get()};
  return get_ints(key);
}

std::optional<std::vector<double>> TomlReader::get_numbers(const std::string& key) {
  const toml::node* n = find(key);
  if (!n) return std::nullopt;
  const toml::array* a = n->as_array();
  if (!a) wrong_type(key, *n, "an array of numbers");
  std::vector<double> out;
  for (const toml::node& e : *a) {
    if (e.is_integer())
      out.push_back(static_cast<double>(e.as_integer()->get()));
    else if (e.is_floating_point())
      out.push_back(e.as_floating_point()->get());
    else
      fail_at(key, std::string("must be an array of numbers, but has ") + type_name(e));
  }
  return out;
}

void TomlReader::collect_unknown(const toml::table& table, const std::string& prefix,
                                 std::vector<std::string>& out) const {
  for (const auto& [k, v] : table) {
    const std::string key = prefix.empty() ? std::string(k.str()) : prefix + "." + std::string(k.str());
    if (const toml::table* sub = v.as_table()) {
      collect_unknown(*sub, key, out);
    } else if (!known_.count(key)) {
      out.push_back(path_ + ": unknown key '" + key + "'");
    }
  }
}

std::vector<std::string> TomlReader::unknown_keys() const {
  std::vector<std::string> out;
  collect_unknown(root_, "", out);
  return out;
}

}  // namespace qd
