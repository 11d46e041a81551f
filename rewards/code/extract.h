// The program in a completion, and the comparison of a program's output with
// an io case's expected output.
#ifndef REWARDS_CODE_EXTRACT_H_
#define REWARDS_CODE_EXTRACT_H_

#include <string>

#include "absl/strings/string_view.h"

namespace rewards {

// The program in `completion`: the last fenced block of `language` (or with
// no language), searched in the whole completion (extract="fenced") or in
// its <answer> region (extract="answer", all of the region without a block).
std::string ExtractCode(absl::string_view completion, const std::string& language, const std::string& extract);

// Token-wise comparison after whitespace normalisation; tokens that are both
// numbers may differ by `float_tolerance` (relative, at least absolute).
bool OutputsMatch(absl::string_view got, absl::string_view want, double float_tolerance);

}  // namespace rewards

#endif  // REWARDS_CODE_EXTRACT_H_
