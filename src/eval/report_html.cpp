#include "eval/report_html.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <sstream>

#include "core/atomic_file.h"

namespace qd {

namespace fs = std::filesystem;
using nlohmann::json;

std::string base64_encode(const std::string& bytes) {
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    uint32_t v = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
    for (int s = 18; s >= 0; s -= 6) out += k[(v >> s) & 63];
  }
  size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t v = uint8_t(bytes[i]) << 16;
    if (rest == 2) v |= uint8_t(bytes[i + 1]) << 8;
    out += k[(v >> 18) & 63];
    out += k[(v >> 12) & 63];
    out += rest == 2 ? k[(v >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

std::string html_escape(const std::string& text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

namespace {

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::string human_bytes(double b) {
  if (b >= 1024.0 * 1024.0) return fmt("%.2f MiB", b / (1024.0 * 1024.0));
  if (b >= 1024.0) return fmt("%.1f KiB", b / 1024.0);
  return fmt("%.0f B", b);
}

std::string not_measured(const std::string& what) {
  return "<p class=\"absent\">" + html_escape(what) + ": not measured in this run.</p>\n";
}

std::string class_name(const std::vector<std::string>& classes, int i) {
  return i >= 0 && i < static_cast<int>(classes.size()) ? classes[i] : "class " + std::to_string(i);
}

// "path (size)" list of a stage's "inputs"/"outputs".
std::string files_cell(const json& files) {
  if (!files.is_array() || files.empty()) return "&ndash;";
  std::string s;
  for (auto& f : files) {
    if (!s.empty()) s += "<br>";
    std::string path = f.value("path", std::string());
    s += "<code>" + html_escape(fs::path(path).filename().string()) + "</code>";
    if (f.contains("bytes")) s += " " + human_bytes(f["bytes"].get<double>());
    if (f.contains("images")) s += " (" + std::to_string(f["images"].get<long long>()) + " images)";
  }
  return s;
}

double total_output_bytes(const json& stage) {
  double b = 0;
  if (stage.contains("outputs") && stage["outputs"].is_array())
    for (auto& f : stage["outputs"])
      if (f.contains("bytes")) b += f["bytes"].get<double>();
  return b;
}

// Boxes left to right, one per stage, with its time and output size; arrows between them.
std::string pipeline_svg(const json& stages) {
  const int box_w = 150, box_h = 70, gap = 40, pad = 10;
  int n = static_cast<int>(stages.size());
  int width = pad * 2 + n * box_w + std::max(0, n - 1) * gap;
  std::ostringstream s;
  s << "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"figure\" id=\"pipeline\" width=\"" << width
    << "\" height=\"" << box_h + 2 * pad << "\" viewBox=\"0 0 " << width << " " << box_h + 2 * pad
    << "\" role=\"img\" aria-label=\"deploy pipeline\">\n"
    << "<defs><marker id=\"arrow\" markerWidth=\"8\" markerHeight=\"8\" refX=\"7\" refY=\"4\" "
       "orient=\"auto\">"
       "<path d=\"M0,0 L8,4 L0,8 z\" fill=\"#555\"/></marker></defs>\n";
  for (int i = 0; i < n; ++i) {
    const json& st = stages[i];
    int x = pad + i * (box_w + gap);
    s << "<rect x=\"" << x << "\" y=\"" << pad << "\" width=\"" << box_w << "\" height=\"" << box_h
      << "\" rx=\"8\" fill=\"#e8f0fe\" stroke=\"#3367d6\"/>\n";
    s << "<text x=\"" << x + box_w / 2 << "\" y=\"" << pad + 22 << "\" class=\"stage\">"
      << html_escape(st.value("stage", std::string("?"))) << "</text>\n";
    s << "<text x=\"" << x + box_w / 2 << "\" y=\"" << pad + 42 << "\">"
      << (st.contains("seconds") ? fmt("%.2f s", st["seconds"].get<double>()) : std::string("time ?"))
      << "</text>\n";
    s << "<text x=\"" << x + box_w / 2 << "\" y=\"" << pad + 60 << "\">"
      << human_bytes(total_output_bytes(st)) << " out</text>\n";
    if (i + 1 < n)
      s << "<line x1=\"" << x + box_w + 2 << "\" y1=\"" << pad + box_h / 2 << "\" x2=\""
        << x + box_w + gap - 4 << "\" y2=\"" << pad + box_h / 2
        << "\" stroke=\"#555\" stroke-width=\"2\" marker-end=\"url(#arrow)\"/>\n";
  }
  s << "</svg>\n";
  return s.str();
}

std::string pipeline_section(const json& d) {
  std::string h = "<h2>Pipeline</h2>\n";
  if (!d.contains("stages") || !d["stages"].is_array() || d["stages"].empty())
    return h + not_measured("Pipeline stages");
  const json& stages = d["stages"];
  h += pipeline_svg(stages);
  h += "<table><tr><th>stage</th><th>time</th><th>inputs</th><th>outputs</th><th>details</th></tr>\n";
  double total = 0;
  for (auto& st : stages) {
    double sec = st.value("seconds", 0.0);
    total += sec;
    std::string details;
    for (auto& [key, v] : st.items()) {
      if (key == "stage" || key == "seconds" || key == "inputs" || key == "outputs") continue;
      if (!details.empty()) details += ", ";
      details += html_escape(key) + " " + html_escape(v.is_string() ? v.get<std::string>() : v.dump());
    }
    h += "<tr><td>" + html_escape(st.value("stage", std::string("?"))) + "</td><td class=\"num\">" +
         fmt("%.2f s", sec) + "</td><td>" + files_cell(st.value("inputs", json::array())) + "</td><td>" +
         files_cell(st.value("outputs", json::array())) + "</td><td>" + details + "</td></tr>\n";
  }
  h += "<tr><td><b>total</b></td><td class=\"num\"><b>" + fmt("%.2f s", total) +
       "</b></td><td></td><td></td><td></td></tr>\n</table>\n";
  return h;
}

std::string embedded_png(const std::string& path, const std::string& alt) {
  std::error_code ec;
  if (path.empty() || !fs::is_regular_file(path, ec))
    return "<p class=\"absent\">" + html_escape(alt) + ": no image in this run.</p>";
  std::ifstream f(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  return "<img class=\"figure\" alt=\"" + html_escape(alt) + "\" src=\"data:image/png;base64," +
         base64_encode(bytes) + "\">";
}

std::string top5_table(const json& top, const std::vector<float>& scores,
                       const std::vector<std::string>& classes) {
  std::string h = "<table><tr><th>rank</th><th>class</th><th>score</th></tr>\n";
  int rank = 1;
  for (auto& c : top) {
    int i = c.get<int>();
    std::string score = i >= 0 && i < static_cast<int>(scores.size()) ? fmt("%.4f", scores[i]) : "&ndash;";
    h += "<tr><td>" + std::to_string(rank++) + "</td><td>" + html_escape(class_name(classes, i)) +
         "</td><td class=\"num\">" + score + "</td></tr>\n";
  }
  return h + "</table>\n";
}

std::string test_image_section(const DeployReportInputs& in) {
  std::string h = "<h2>Test image: fp32 vs int8</h2>\n";
  const json& d = in.deploy;
  if (!d.contains("test_image")) return h + not_measured("Test image predictions");
  const json& t = d["test_image"];
  h += "<p>Image <code>" + html_escape(t.value("path", std::string())) + "</code></p>\n<div class=\"row\">\n";
  auto column = [&](const char* name, const char* key, const std::vector<float>& scores,
                    const std::string& png) {
    std::string c = std::string("<div class=\"col\"><h3>") + name + "</h3>\n";
    if (!t.contains(key) || !t[key].is_array() || t[key].empty())
      return c + not_measured(std::string(name) + " prediction") + "</div>\n";
    return c + embedded_png(png, std::string(name) + " result image") + "\n" +
           top5_table(t[key], scores, in.classes) + "</div>\n";
  };
  h += column("fp32", "fp32_top5", in.fp32_scores, in.fp32_png);
  h += column("int8", "int8_top5", in.int8_scores, in.int8_png);
  return h + "</div>\n";
}

// A number at d[key], or `fallback` when absent or not a number (null = e.g. an infinite SNR).
double num(const json& d, const char* key, double fallback = 0.0) {
  return d.is_object() && d.contains(key) && d[key].is_number() ? d[key].get<double>() : fallback;
}

// A string at d[key], or `fallback` when absent or not a string.
std::string str(const json& d, const char* key, const std::string& fallback = "") {
  return d.is_object() && d.contains(key) && d[key].is_string() ? d[key].get<std::string>() : fallback;
}

bool has_object(const json& d, const char* key) { return d.contains(key) && d[key].is_object(); }

// "<p>what: not measured in this run. hint</p>"
std::string not_measured_hint(const std::string& what, const std::string& hint_html) {
  return "<p class=\"absent\">" + html_escape(what) + ": not measured in this run. " + hint_html + "</p>\n";
}

std::string accuracy_section(const json& d) {
  std::string h = "<h2>Accuracy (fp32 vs int8)</h2>\n";
  if (!has_object(d, "accuracy"))
    return h +
           not_measured_hint("Accuracy",
                             "Give deploy a labelled test set: <code>--test-dataset DIR</code> (ImageFolder, "
                             "list file or CIFAR-10 binary batch) and optionally <code>--test-num N</code>, "
                             "or set <code>test.dataset</code> in the deploy config.");
  const json& acc = d["accuracy"];
  if (has_object(d, "test_dataset")) {
    const json& t = d["test_dataset"];
    h += "<p>Test set <code>" + html_escape(str(t, "path")) + "</code>: " + fmt("%.0f", num(t, "images")) +
         " images";
    if (num(t, "skipped") > 0) h += fmt(" (%.0f unreadable, skipped)", num(t, "skipped"));
    if (num(t, "requested") > 0) h += fmt(", a deterministic subset of %.0f", num(t, "requested"));
    h += ", batch " + fmt("%.0f", num(t, "batch", 1)) + ".</p>\n";
  }
  h += "<table id=\"accuracy\"><tr><th>model</th><th>top-1</th><th>top-5</th><th>top-1 correct</th>"
       "<th>images</th></tr>\n";
  for (const char* name : {"fp32", "int8"}) {
    if (!has_object(acc, name)) continue;
    const json& a = acc[name];
    h += std::string("<tr><td>") + name + "</td><td class=\"num\">" + fmt("%.4f", num(a, "top1")) +
         "</td><td class=\"num\">" + (a.contains("topk") ? fmt("%.4f", num(a, "topk")) : "&ndash;") +
         "</td><td class=\"num\">" + fmt("%.0f", num(a, "top1_correct")) + "</td><td class=\"num\">" +
         fmt("%.0f", num(a, "images")) + "</td></tr>\n";
  }
  if (has_object(acc, "fp32") && has_object(acc, "int8"))
    h += "<tr><td>int8 &minus; fp32</td><td class=\"num\">" +
         fmt("%+.2f points", 100 * (num(acc["int8"], "top1") - num(acc["fp32"], "top1"))) +
         "</td><td class=\"num\">" +
         fmt("%+.2f points", 100 * (num(acc["int8"], "topk") - num(acc["fp32"], "topk"))) +
         "</td><td></td><td></td></tr>\n";
  h += "</table>\n";
  if (has_object(d, "agreement")) {
    const json& g = d["agreement"];
    h += "<p>int8 predicts the same top-1 class as fp32 on " + fmt("%.0f", num(g, "top1_same")) + " of " +
         fmt("%.0f", num(g, "images")) + " images (" + fmt("%.2f%%", 100 * num(g, "fraction")) +
         "); largest score difference " + fmt("%.4g", num(g, "max_abs_score_diff")) + ".</p>\n";
  }
  return h;
}

std::string speed_section(const json& d) {
  std::string h = "<h2>Speed (fp32 vs int8)</h2>\n";
  if (!has_object(d, "speed")) return h + not_measured("Speed");
  const json& sp = d["speed"];
  if (sp.contains("threads"))
    h += "<p>Batch " + fmt("%.0f", num(sp, "batch", 1)) + ", " + fmt("%.0f", num(sp, "threads")) +
         " thread(s), " + fmt("%.0f", num(sp, "runs")) + " timed runs per model after " +
         fmt("%.0f", num(sp, "warmup")) + " warm-up runs (fp32 and int8 take turns" +
         (sp.contains("block") ? " of " + fmt("%.0f", num(sp, "block")) + " runs" : std::string()) +
         "), input: " + html_escape(str(sp, "input", "?")) + ". Median wall time per run.</p>\n";
  if (sp.contains("load_average_1min") && sp["load_average_1min"].is_number())
    h += "<p>Load average " + fmt("%.2f", num(sp, "load_average_1min")) + " on " +
         fmt("%.0f", num(sp, "cores")) +
         " cores when timing: on a busy machine these times are indicative; <code>qdeploy bench</code> "
         "measures more carefully.</p>\n";
  h +=
      "<table id=\"speed\"><tr><th>model</th><th>median</th><th>p90</th><th>min</th><th>images/s</th></tr>\n";
  for (const char* name : {"fp32", "int8"}) {
    if (!has_object(sp, name)) continue;
    const json& m = sp[name];
    const double med = num(m, "median_ms");
    auto cell = [&](const char* key) {
      return m.contains(key) ? fmt("%.3f ms", num(m, key)) : std::string("&ndash;");
    };
    h += std::string("<tr><td>") + name + "</td><td class=\"num\">" + fmt("%.3f ms", med) +
         "</td><td class=\"num\">" + cell("p90_ms") + "</td><td class=\"num\">" + cell("min_ms") +
         "</td><td class=\"num\">" + (med > 0 ? fmt("%.1f", 1000.0 * num(sp, "batch", 1) / med) : "&ndash;") +
         "</td></tr>\n";
  }
  double ratio = num(sp, "int8_over_fp32", -1);
  if (ratio < 0 && has_object(sp, "fp32") && has_object(sp, "int8") && num(sp["fp32"], "median_ms") > 0)
    ratio = num(sp["int8"], "median_ms") / num(sp["fp32"], "median_ms");
  if (ratio > 0)
    h += "<tr><td>int8 / fp32</td><td class=\"num\">" + fmt("%.2f", ratio) + "</td><td colspan=\"3\">" +
         (ratio < 1 ? fmt("int8 is %.2fx as fast", 1 / ratio) : fmt("int8 is %.2fx slower", ratio)) +
         "</td></tr>\n";
  return h + "</table>\n";
}

// SNR in dB for drawing; null (no error at all) and +inf count as `cap`.
double snr_value(const json& row, const char* key, double cap) {
  if (!row.is_object() || !row.contains(key)) return 0.0;
  if (row[key].is_null()) return cap;
  return row[key].is_number() ? std::min(row[key].get<double>(), cap) : 0.0;
}

std::string snr_text(const json& row, const char* key) {
  if (!row.is_object() || !row.contains(key)) return "&ndash;";
  if (row[key].is_null()) return "no error";
  return row[key].is_number() ? fmt("%.1f dB", row[key].get<double>()) : "?";
}

// Horizontal bars, one row per layer in graph order: graph-wise SNR (and layer-wise when recorded);
// higher = closer to fp32.
std::string snr_svg(const json& rows) {
  bool layer_wise = false;
  double max_db = 1;
  for (auto& r : rows) {
    if (!r.is_object()) continue;
    layer_wise |= r.contains("layer_wise_snr_db");
    for (const char* k : {"snr_db", "layer_wise_snr_db"})
      if (r.contains(k) && r[k].is_number()) max_db = std::max(max_db, r[k].get<double>());
  }
  const double cap = max_db;  // "no error" is drawn as long as the longest bar
  // Layer names right-aligned before the bars: about 7 px per character at the 12 px label font.
  size_t longest = 8;
  for (auto& r : rows) longest = std::max(longest, str(r, "layer", "?").size());
  const int label_w = 10 + 7 * static_cast<int>(std::min<size_t>(longest, 80)), bar_w = 360, bar_h = 12;
  const int legend_h = layer_wise ? 34 : 20;
  const int row_h = layer_wise ? 2 * bar_h + 4 : bar_h + 4;
  const int height = 5 + legend_h + static_cast<int>(rows.size()) * row_h + 5;
  std::ostringstream s;
  s << "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"figure\" id=\"snr\" width=\""
    << label_w + bar_w + 80 << "\" height=\"" << height << "\" role=\"img\" aria-label=\"per-layer SNR\">\n";
  s << "<rect x=\"" << label_w << "\" y=\"4\" width=\"12\" height=\"10\" fill=\"#3367d6\"/><text x=\""
    << label_w + 16
    << "\" y=\"13\" class=\"value\">graph-wise (errors of earlier layers accumulate)</text>\n";
  if (layer_wise)
    s << "<rect x=\"" << label_w << "\" y=\"" << 4 + 14 << "\" width=\"12\" height=\"10\" fill=\"#f9ab00\"/>"
      << "<text x=\"" << label_w + 16 << "\" y=\"" << 13 + 14
      << "\" class=\"value\">layer-wise (only this layer int8)</text>\n";
  int y = 5 + legend_h;
  auto bar = [&](const json& r, const char* key, int top, const char* color) {
    const double db = snr_value(r, key, cap);
    const int w = static_cast<int>(std::max(0.0, db) / max_db * bar_w);
    s << "<rect x=\"" << label_w << "\" y=\"" << top << "\" width=\"" << w << "\" height=\"" << bar_h - 2
      << "\" fill=\"" << color << "\"/><text x=\"" << label_w + w + 4 << "\" y=\"" << top + bar_h - 3
      << "\" class=\"value\">" << snr_text(r, key) << "</text>";
  };
  for (auto& r : rows) {
    s << "<text x=\"" << label_w - 4 << "\" y=\"" << y + bar_h - 2 << "\" class=\"label\">"
      << html_escape(str(r, "layer", "?")) << "</text>";
    bar(r, "snr_db", y, "#3367d6");
    if (layer_wise) bar(r, "layer_wise_snr_db", y + bar_h, "#f9ab00");
    s << "\n";
    y += row_h;
  }
  s << "</svg>\n";
  return s.str();
}

std::string snr_section(const json& d) {
  std::string h = "<h2>Per-layer SNR (int8 vs fp32)</h2>\n";
  if (!d.contains("layer_snr") || !d["layer_snr"].is_array() || d["layer_snr"].empty()) {
    const std::string why = has_object(d, "snr_analysis") ? str(d["snr_analysis"], "error") : "";
    if (!why.empty()) return h + not_measured_hint("Per-layer SNR", "It failed: " + html_escape(why));
    return h + not_measured_hint("Per-layer SNR",
                                 "It is computed for an int8 deploy (<code>--quant</code>, "
                                 "<code>--snr-num N</code> &gt; 0).");
  }
  const json& rows = d["layer_snr"];
  if (has_object(d, "snr_analysis")) {
    const json& a = d["snr_analysis"];
    h += "<p>" + fmt("%.0f", num(a, "images")) + " images of <code>" + html_escape(str(a, "source")) +
         "</code>, " + fmt("%.2f s", num(a, "seconds")) +
         ". SNR = 10 log10(&Sigma; fp32&sup2; / &Sigma; (fp32 &minus; int8)&sup2;) of each layer's output; "
         "below 20 dB is a large error.</p>\n";
  }
  h += snr_svg(rows);
  // The worst layers by graph-wise SNR (null = no error sorts last).
  std::vector<size_t> order(rows.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  const double inf = std::numeric_limits<double>::infinity();
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return snr_value(rows[a], "snr_db", inf) < snr_value(rows[b], "snr_db", inf);
  });
  constexpr size_t kWorst = 5;
  h += "<h3>Worst layers</h3>\n<table id=\"worst-layers\"><tr><th>rank</th><th>layer</th><th>op</th>"
       "<th>graph-wise SNR</th><th>layer-wise SNR</th></tr>\n";
  for (size_t k = 0; k < std::min(kWorst, order.size()); ++k) {
    const json& r = rows[order[k]];
    h += "<tr><td>" + std::to_string(k + 1) + "</td><td>" + html_escape(str(r, "layer", "?")) + "</td><td>" +
         html_escape(str(r, "op")) + "</td><td class=\"num\">" + snr_text(r, "snr_db") +
         "</td><td class=\"num\">" + snr_text(r, "layer_wise_snr_db") + "</td></tr>\n";
  }
  return h + "</table>\n";
}

// A square matrix of numbers, else false (the section then says it cannot be shown).
bool is_count_matrix(const json& m) {
  if (!m.is_array() || m.empty()) return false;
  for (auto& row : m) {
    if (!row.is_array() || row.size() != m.size()) return false;
    for (auto& v : row)
      if (!v.is_number()) return false;
  }
  return true;
}

std::string confusion_table(const json& m, const std::vector<std::string>& classes) {
  double max_v = 1, diag = 0, total = 0;
  for (size_t i = 0; i < m.size(); ++i)
    for (size_t j = 0; j < m[i].size(); ++j) {
      const double x = m[i][j].get<double>();
      max_v = std::max(max_v, x);
      total += x;
      if (i == j) diag += x;
    }
  std::string h = "<table class=\"confusion\"><tr><th>true \\ predicted</th>";
  for (size_t j = 0; j < m.size(); ++j)
    h += "<th>" + html_escape(class_name(classes, static_cast<int>(j))) + "</th>";
  h += "</tr>\n";
  for (size_t i = 0; i < m.size(); ++i) {
    h += "<tr><th>" + html_escape(class_name(classes, static_cast<int>(i))) + "</th>";
    for (size_t j = 0; j < m[i].size(); ++j) {
      const double x = m[i][j].get<double>();
      const int shade = 255 - static_cast<int>(std::lround(x / max_v * 180));
      // Diagonal (correct) in blue, errors in red.
      const std::string rgb = i == j ? std::to_string(shade) + "," + std::to_string(shade) + ",255"
                                     : "255," + std::to_string(shade) + "," + std::to_string(shade);
      h += "<td class=\"num\" style=\"background:rgb(" + rgb + ")\">" + fmt("%.0f", x) + "</td>";
    }
    h += "</tr>\n";
  }
  h += "</table>\n<p>Diagonal " + fmt("%.0f", diag) + " of " + fmt("%.0f", total) + " images = top-1 " +
       (total > 0 ? fmt("%.4f", diag / total) : std::string("&ndash;")) + ".</p>\n";
  return h;
}

std::string confusion_section(const json& d, const std::vector<std::string>& classes) {
  std::string h = "<h2>Confusion matrices</h2>\n";
  if (!has_object(d, "confusion") || d["confusion"].empty())
    return h + not_measured_hint("Confusion matrices",
                                 "They need a labelled test set: <code>--test-dataset DIR</code>.");
  h += "<p>Rows: true class; columns: predicted class (top-1).</p>\n<div class=\"row\">\n";
  for (auto& [name, m] : d["confusion"].items()) {
    h += "<div class=\"col\"><h3>" + html_escape(name) + "</h3>\n";
    h += is_count_matrix(m) ? confusion_table(m, classes)
                            : "<p class=\"absent\">not a square matrix of counts; not shown.</p>\n";
    h += "</div>\n";
  }
  return h + "</div>\n";
}

const char* kStyle = R"(body{font-family:sans-serif;margin:24px;color:#202124;max-width:1100px}
h1{font-size:22px}h2{font-size:18px;margin-top:28px;border-bottom:1px solid #ddd}h3{font-size:15px}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #ccc;padding:3px 8px;font-size:13px;text-align:left}
td.num{text-align:right;font-variant-numeric:tabular-nums}.absent{color:#80868b;font-style:italic}
svg text{font-size:12px;text-anchor:middle;fill:#202124}svg text.stage{font-weight:bold;font-size:14px}
svg text.label{text-anchor:end}svg text.value{text-anchor:start}
.row{display:flex;gap:32px;flex-wrap:wrap}img.figure{image-rendering:pixelated;width:256px;border:1px solid #ccc}
code{font-size:12px}
)";

// The browser refuses any fetch: the page must stand alone (images are data: URLs, CSS is inline).
const char* kPolicy =
    "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src data:; "
    "style-src 'unsafe-inline'\">\n";

}  // namespace

std::string render_deploy_report(const DeployReportInputs& in) {
  const json& d = in.deploy;
  std::string title = in.title.empty() ? "qdeploy deploy report" : "qdeploy deploy report: " + in.title;
  std::string h = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n" +
                  std::string(kPolicy) + "<title>" + html_escape(title) + "</title>\n<style>" + kStyle +
                  "</style>\n</head>\n<body>\n<h1>" + html_escape(title) + "</h1>\n";
  h += pipeline_section(d);
  h += test_image_section(in);
  h += accuracy_section(d);
  h += speed_section(d);
  h += snr_section(d);
  h += confusion_section(d, in.classes);
  h += "<p class=\"absent\">Written by qdeploy deploy; all figures are inline (no network access).</p>\n";
  return h + "</body>\n</html>\n";
}

void write_deploy_report(const DeployReportInputs& in, const std::string& path) {
  std::string page = render_deploy_report(in);
  write_file_atomic(path, std::string_view(page));
}

}  // namespace qd
