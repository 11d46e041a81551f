// The character n-gram profiles of 55 languages shipped by langdetect
// (Debian's python3-langdetect 1.0.9, Apache-2.0; see README.md here), as
// one compact text built into the binary: for each language a line
// "@<name> <total 1-grams> <total 2-grams> <total 3-grams>" followed by
// "<n-gram>\t<count>" lines. Parsed by rewards/language_model.cc.
#ifndef THIRD_PARTY_LANGDETECT_LANGDETECT_PROFILES_H_
#define THIRD_PARTY_LANGDETECT_LANGDETECT_PROFILES_H_

#include "absl/strings/string_view.h"

namespace langdetect {

absl::string_view Profiles();

}  // namespace langdetect

#endif  // THIRD_PARTY_LANGDETECT_LANGDETECT_PROFILES_H_
