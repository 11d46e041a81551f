#include "client/output.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/util/json_util.h"

namespace cli {

std::string Clip(absl::string_view s, size_t width) {
  std::string out;
  size_t cols = 0;
  for (size_t i = 0; i < s.size();) {
    unsigned char c = s[i];
    size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : 4;
    if (cols + 1 >= width && i + len < s.size()) {
      out += "…";
      break;
    }
    absl::string_view ch = s.substr(i, len);
    if (ch == "\n" || ch == "\t" || ch == "\r") {
      out += ' ';
    } else {
      out.append(ch.data(), ch.size());
    }
    i += len;
    ++cols;
  }
  return out;
}

std::string Pad(absl::string_view s, size_t width) {
  std::string out = Clip(s, width);
  size_t cols = 0;
  for (unsigned char c : out) cols += (c & 0xC0) != 0x80;  // count lead bytes only
  if (cols < width) out.append(width - cols, ' ');
  return out;
}

std::string TableGroup(const reward::v1::GroupResult& g, const std::string& estimator) {
  std::string out = absl::StrFormat("group %s  mean %.4f  std %.4f  (%s)", g.id(), g.mean(), g.std(), estimator);
  if (g.status() != "OK") absl::StrAppend(&out, "  ", g.status(), ": ", Clip(g.error(), 200));
  out += "\n";
  absl::StrAppendFormat(&out, "  %-10s %9s %10s  %-10s %7s %7s  %-14s %s\n", "sample", "reward", "advantage",
                        "component", "score", "weight", "status", "reason");
  for (const auto& s : g.samples()) {
    bool first = true;
    for (const auto& c : s.components()) {
      std::string head = first ? absl::StrFormat("  %s %9.4f %+10.4f", Pad(s.id(), 10), s.reward(), s.advantage())
                               : absl::StrFormat("  %-10s %9s %10s", "", "", "");
      absl::StrAppendFormat(&out, "%s  %s %7.4f %7.3g  %s %s\n", head, Pad(c.verifier(), 10), c.score(),
                            c.weight(), Pad(c.status(), 14), Clip(c.reason(), 72));
      first = false;
    }
    if (s.components().empty()) {
      absl::StrAppendFormat(&out, "  %s %9.4f %+10.4f  %s\n", Pad(s.id(), 10), s.reward(), s.advantage(),
                            s.status());
    }
  }
  out += "\n";
  return out;
}

std::string JsonGroup(const reward::v1::GroupResult& g) {
  std::string out;
  (void)google::protobuf::util::MessageToJsonString(g, &out);
  out += "\n";
  return out;
}

std::string CsvField(absl::string_view s) {
  if (s.find_first_of(",\"\r\n") == absl::string_view::npos) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  out += "\"";
  return out;
}

std::string CsvHeader() {
  return "group,group_status,sample,reward,advantage,sample_status,component,score,weight,weighted,"
         "component_status,reason\n";
}

namespace {

// Numbers as %.17g would print noise (0.10000000000000001); %.10g keeps
// every digit a reward computation produces and reads back the same.
std::string Num(double v) { return absl::StrFormat("%.10g", v); }

}  // namespace

std::string CsvRows(const reward::v1::GroupResult& g) {
  std::string out;
  const std::string group = absl::StrCat(CsvField(g.id()), ",", CsvField(g.status()));
  if (g.samples().empty()) {
    absl::StrAppend(&out, group, ",,,,,,,,,,", CsvField(g.error()), "\n");
    return out;
  }
  for (const auto& s : g.samples()) {
    const std::string sample = absl::StrCat(group, ",", CsvField(s.id()), ",", Num(s.reward()), ",",
                                            Num(s.advantage()), ",", CsvField(s.status()));
    if (s.components().empty()) {
      absl::StrAppend(&out, sample, ",,,,,,", CsvField(g.error()), "\n");
      continue;
    }
    for (const auto& c : s.components()) {
      absl::StrAppend(&out, sample, ",", CsvField(c.verifier()), ",", Num(c.score()), ",", Num(c.weight()), ",",
                      Num(c.weighted()), ",", CsvField(c.status()), ",", CsvField(c.reason()), "\n");
    }
  }
  return out;
}

}  // namespace cli
