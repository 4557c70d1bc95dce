// Parser for ncnn's text .param format: the magic line, "layer_count blob_count", then one layer per
// line: "type name n_bottoms n_tops bottom... top... key=value ...". A key <= -23300 carries an array
// "n,v0,v1,..." for param id (-23300 - key). Values containing '.', 'e' or 'E' are floats.
#pragma once
#include <map>
#include <string>
#include <vector>

namespace qd::ncnn {

struct ParamValue {
  bool is_array = false;
  std::vector<double> values;  // one element for a scalar
  std::vector<bool> is_float;  // per element: written with a '.' or exponent
};

// The k=v pairs of one layer. Getters throw a user error naming `where` on type mismatches.
class ParamDict {
 public:
  std::string where;  // "<file>:<line>: layer '<name>'" for messages
  std::map<int, ParamValue> entries;

  bool has(int id) const { return entries.count(id) != 0; }
  int get_int(int id, int fallback) const;
  float get_float(int id, float fallback) const;
  std::vector<float> get_floats(int id) const;  // empty when absent
  std::vector<int> get_ints(int id) const;      // empty when absent
};

struct LayerDesc {
  std::string type, name;
  std::vector<std::string> bottoms, tops;
  ParamDict params;
  int line = 0;  // 1-based line number in the .param file
};

struct ParamFile {
  std::string path;
  int layer_count = 0, blob_count = 0;
  std::vector<LayerDesc> layers;
};

// Reads and checks a .param file: magic, counts, syntax, every bottom produced by an earlier layer,
// every blob produced once. Throws a user error "<path>:<line>: ..." on any problem.
ParamFile parse_param_file(const std::string& path);
// Same for text already in memory (`path` only names it in messages).
ParamFile parse_param_text(const std::string& text, const std::string& path);

}  // namespace qd::ncnn
