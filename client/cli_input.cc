#include "client/cli_input.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "google/protobuf/util/json_util.h"

namespace cli {

absl::StatusOr<std::vector<InputGroup>> ReadGroups(std::istream& in, const std::string& name) {
  std::vector<InputGroup> groups;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    InputGroup g;
    g.line = n;
    auto st = google::protobuf::util::JsonStringToMessage(line, &g.group);
    if (!st.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(name, " line ", n, ": ", st.message().as_string()));
    }
    groups.push_back(std::move(g));
  }
  if (groups.empty()) return absl::InvalidArgumentError(absl::StrCat(name, ": no groups"));
  return groups;
}

std::vector<Batch> MakeBatches(size_t n_groups, int groups_per_batch) {
  const size_t size = static_cast<size_t>(std::max(1, groups_per_batch));
  std::vector<Batch> batches;
  for (size_t begin = 0; begin < n_groups; begin += size) {
    batches.push_back({begin, std::min(n_groups, begin + size)});
  }
  return batches;
}

size_t CountSamples(const std::vector<InputGroup>& groups, size_t begin, size_t end) {
  size_t n = 0;
  for (size_t i = begin; i < end && i < groups.size(); ++i) n += groups[i].group.completions_size();
  return n;
}

std::string DescribeLines(const std::vector<InputGroup>& groups, size_t begin, size_t end) {
  if (begin >= end || end > groups.size()) return "no input lines";
  int first = groups[begin].line;
  int last = groups[end - 1].line;
  if (first == last) return absl::StrCat("input line ", first);
  return absl::StrCat("input lines ", first, "-", last);
}

}  // namespace cli
