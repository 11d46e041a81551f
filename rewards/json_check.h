// Checks of JSON texts that arrive as strings in a request (the code
// verifier's reference.tests.calls[].args and .expected), without building
// them: each is one linear pass that never recurses, whatever the nesting, and
// allocates at most one bit per open bracket.
#ifndef REWARDS_JSON_CHECK_H_
#define REWARDS_JSON_CHECK_H_

#include <cstddef>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace rewards {

// True when arrays and objects in `text` nest deeper than `max_depth` levels
// ("[[1]]" is 2 levels). Brackets inside strings do not count; the text need
// not be valid JSON. Stops at the first bracket past the limit.
bool JsonDeeperThan(absl::string_view text, size_t max_depth);

enum class JsonType { kNull, kBool, kNumber, kString, kArray, kObject };

// The type of the one JSON value `text` holds (RFC 8259: no NaN or Infinity,
// comments, single quotes, unquoted keys or trailing commas; strings valid
// UTF-8 without raw control characters or lone surrogate escapes), or
// InvalidArgument saying what is wrong and at which byte.
absl::StatusOr<JsonType> CheckJson(absl::string_view text);

}  // namespace rewards

#endif  // REWARDS_JSON_CHECK_H_
