#include "frontend/ncnn/ncnn_param_text.h"

#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

#include "core/error.h"
#include "format/ncnn/ncnn_schema.h"

namespace qd::ncnn {
namespace {

std::string at_line(const std::string& path, int line) { return path + ":" + std::to_string(line); }

std::vector<std::string> split_ws(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream is(s);
  std::string t;
  while (is >> t) out.push_back(t);
  return out;
}

bool parse_int(const std::string& s, long& out) {
  if (s.empty()) return false;
  char* end = nullptr;
  errno = 0;
  out = std::strtol(s.c_str(), &end, 10);
  return errno == 0 && end && *end == '\0';
}

bool looks_float(const std::string& s) { return s.find_first_of(".eE") != std::string::npos; }

// One number of a value; records whether it was written as a float.
void parse_number(const std::string& s, const std::string& where, int key, ParamValue& v) {
  char* end = nullptr;
  double d = std::strtod(s.c_str(), &end);
  if (s.empty() || !end || *end != '\0')
    fail(where, "param " + std::to_string(key) + " has a non-numeric value '" + s + "'");
  v.values.push_back(d);
  v.is_float.push_back(looks_float(s));
}

const ParamValue* find_scalar(const ParamDict& pd, int id) {
  auto it = pd.entries.find(id);
  if (it == pd.entries.end()) return nullptr;
  if (it->second.is_array) fail(pd.where, "param " + std::to_string(id) + " must be a scalar, got an array");
  return &it->second;
}

// A param value as int; beyond int's range the cast would be undefined, so that is an error too.
int checked_int(double d, int id, const std::string& where) {
  if (d != std::floor(d) || std::fabs(d) > 2147483647.0)
    fail(where, "param " + std::to_string(id) + " must be an integer, got " + std::to_string(d));
  return static_cast<int>(d);
}

}  // namespace

int ParamDict::get_int(int id, int fallback) const {
  const ParamValue* v = find_scalar(*this, id);
  return v ? checked_int(v->values[0], id, where) : fallback;
}

float ParamDict::get_float(int id, float fallback) const {
  const ParamValue* v = find_scalar(*this, id);
  return v ? static_cast<float>(v->values[0]) : fallback;
}

std::vector<float> ParamDict::get_floats(int id) const {
  auto it = entries.find(id);
  if (it == entries.end()) return {};
  std::vector<float> out;
  for (double d : it->second.values) out.push_back(static_cast<float>(d));
  return out;
}

std::vector<int> ParamDict::get_ints(int id) const {
  auto it = entries.find(id);
  if (it == entries.end()) return {};
  std::vector<int> out;
  for (double d : it->second.values) out.push_back(checked_int(d, id, where));
  return out;
}

ParamFile parse_param_text(const std::string& text, const std::string& path) {
  ParamFile pf;
  pf.path = path;
  std::istringstream in(text);
  std::string line;
  int line_no = 0;
  // Header: magic, then counts (blank lines are skipped everywhere).
  std::vector<std::string> header;
  int header_line = 0;
  while (header.size() < 3 && std::getline(in, line)) {
    ++line_no;
    auto toks = split_ws(line);
    if (toks.empty()) continue;
    if (header.empty()) {
      long magic = 0;
      if (toks.size() != 1 || !parse_int(toks[0], magic) || magic != kParamMagic)
        fail(at_line(path, line_no), "not an ncnn .param file (first line must be the magic number " +
                                         std::to_string(kParamMagic) + ", got '" + line + "')");
      header.push_back(toks[0]);
      continue;
    }
    long lc = 0, bc = 0;
    if (toks.size() != 2 || !parse_int(toks[0], lc) || !parse_int(toks[1], bc) || lc <= 0 || bc <= 0 ||
        lc > INT_MAX || bc > INT_MAX)
      fail(at_line(path, line_no), "expected '<layer_count> <blob_count>', got '" + line + "'");
    pf.layer_count = static_cast<int>(lc);
    pf.blob_count = static_cast<int>(bc);
    header_line = line_no;
    break;
  }
  if (pf.layer_count == 0) fail(path, "file ends before the layer and blob counts");

  std::set<std::string> produced, layer_names;
  while (std::getline(in, line)) {
    ++line_no;
    auto toks = split_ws(line);
    if (toks.empty()) continue;
    const std::string where = at_line(path, line_no);
    if (static_cast<int>(pf.layers.size()) == pf.layer_count)
      fail(where, "more layers than the " + std::to_string(pf.layer_count) + " declared on line " +
                      std::to_string(header_line));
    LayerDesc L;
    L.line = line_no;
    long nb = 0, nt = 0;
    if (toks.size() < 4 || !parse_int(toks[2], nb) || !parse_int(toks[3], nt) || nb < 0 || nt < 0)
      fail(where, "expected '<type> <name> <bottom_count> <top_count> ...', got '" + line + "'");
    L.type = toks[0];
    L.name = toks[1];
    // Compared one at a time: nb + nt of two huge counts would overflow.
    const size_t names = toks.size() - 4;
    if (static_cast<unsigned long>(nb) > names || static_cast<unsigned long>(nt) > names - nb)
      fail(where, "layer '" + L.name + "' declares " + std::to_string(nb) + " bottoms and " +
                      std::to_string(nt) + " tops but lists fewer blob names");
    if (!layer_names.insert(L.name).second) fail(where, "duplicate layer name '" + L.name + "'");
    size_t t = 4;
    for (long i = 0; i < nb; ++i, ++t) {
      const std::string& b = toks[t];
      if (!produced.count(b))
        fail(where, "layer '" + L.name + "' reads blob '" + b + "' before any layer produces it");
      L.bottoms.push_back(b);
    }
    for (long i = 0; i < nt; ++i, ++t) {
      const std::string& b = toks[t];
      if (!produced.insert(b).second) fail(where, "blob '" + b + "' is produced twice");
      L.tops.push_back(b);
    }
    L.params.where = where + ": layer '" + L.name + "'";
    for (; t < toks.size(); ++t) {
      const std::string& kv = toks[t];
      size_t eq = kv.find('=');
      long key = 0;
      if (eq == std::string::npos || !parse_int(kv.substr(0, eq), key))
        fail(L.params.where, "expected 'key=value', got '" + kv + "'");
      const std::string val = kv.substr(eq + 1);
      ParamValue v;
      const bool is_array = key <= kArrayKeyBase;
      const long raw_id = is_array ? kArrayKeyBase - key : key;
      if (!is_array && key < 0) fail(L.params.where, "negative param id " + std::to_string(key));
      if (raw_id >= kMaxParamCount)
        fail(L.params.where, "param id " + std::to_string(raw_id) + " is beyond ncnn's limit of " +
                                 std::to_string(kMaxParamCount - 1));
      const int id = static_cast<int>(raw_id);
      if (is_array) {
        v.is_array = true;
        std::vector<std::string> parts;
        std::stringstream ss(val);
        std::string p;
        while (std::getline(ss, p, ',')) parts.push_back(p);
        long n = 0;
        if (parts.empty() || !parse_int(parts[0], n) || n < 0 || static_cast<size_t>(n) != parts.size() - 1)
          fail(L.params.where,
               "array param " + std::to_string(id) + " must be 'count,v0,v1,...', got '" + val + "'");
        for (size_t i = 1; i < parts.size(); ++i) parse_number(parts[i], L.params.where, id, v);
      } else {
        parse_number(val, L.params.where, id, v);
      }
      if (L.params.entries.count(id)) fail(L.params.where, "param " + std::to_string(id) + " given twice");
      L.params.entries[id] = std::move(v);
    }
    pf.layers.push_back(std::move(L));
  }
  if (static_cast<int>(pf.layers.size()) != pf.layer_count)
    fail(at_line(path, header_line), "declares " + std::to_string(pf.layer_count) +
                                         " layers but the file has " + std::to_string(pf.layers.size()));
  if (static_cast<int>(produced.size()) != pf.blob_count)
    fail(at_line(path, header_line), "declares " + std::to_string(pf.blob_count) +
                                         " blobs but the layers produce " + std::to_string(produced.size()));
  return pf;
}

ParamFile parse_param_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) fail(path, "cannot open ncnn .param file");
  std::stringstream ss;
  ss << f.rdbuf();
  return parse_param_text(ss.str(), path);
}

}  // namespace qd::ncnn
