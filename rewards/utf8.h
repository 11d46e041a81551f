// UTF-8 for strings a response carries. Proto strings must be valid UTF-8
// (proto3 parsers and JSON printers reject the message otherwise), and many
// response strings quote client bytes or are cut to a length: CleanUtf8 is
// the one way such a string is built.
#ifndef REWARDS_UTF8_H_
#define REWARDS_UTF8_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace rewards {

// True when `s` is valid UTF-8: no overlong forms, surrogates, code points
// past U+10FFFF or cut sequences.
bool IsValidUtf8(absl::string_view s);

// `s` as valid UTF-8: every byte that starts no valid sequence becomes U+FFFD.
// When the result is longer than `max_bytes`, it is cut on a character
// boundary and ends with `ellipsis`, the whole at most `max_bytes` long.
// Reads at most about `max_bytes` of `s`.
std::string CleanUtf8(absl::string_view s, size_t max_bytes = std::string::npos,
                      absl::string_view ellipsis = "...");

}  // namespace rewards

#endif  // REWARDS_UTF8_H_
