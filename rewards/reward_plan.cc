#include "rewards/reward_plan.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace rewards {

absl::StatusOr<RewardPlan> BuildPlan(const Terms& terms, const std::string& field,
                                     const TimeoutOverrides& timeouts) {
  RewardPlan plan;
  for (int i = 0; i < terms.size(); ++i) {
    const reward::v1::RewardTerm& t = terms[i];
    std::string at = absl::StrCat(field, "[", i, "]");
    const VerifierFactory* factory = FindVerifier(t.verifier());
    if (factory == nullptr) {
      std::vector<std::string> known;
      for (const auto* f : AllVerifiers()) known.push_back(f->Name());
      return absl::InvalidArgumentError(
          absl::StrCat(at, ".verifier: unknown verifier '", t.verifier(), "' (known: ",
                       absl::StrJoin(known, ", "), ")"));
    }
    if (!std::isfinite(t.weight())) {
      return absl::InvalidArgumentError(absl::StrCat(at, ".weight: must be a finite number"));
    }
    for (const auto& other : plan.terms) {
      if (other.verifier == t.verifier()) {
        return absl::InvalidArgumentError(absl::StrCat(
            at, ".verifier: '", t.verifier(), "' appears twice; give it one term"));
      }
    }
    absl::StatusOr<Params> params = ParseParams(t.params(), factory->Params());
    if (!params.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(at, ".params: ", params.status().message()));
    }
    absl::StatusOr<std::unique_ptr<Verifier>> impl = factory->Create(*params);
    if (!impl.ok()) {
      return absl::Status(impl.status().code(),
                          absl::StrCat(at, ".params: ", impl.status().message()));
    }
    PlannedTerm term;
    term.verifier = t.verifier();
    term.weight = t.has_weight() ? t.weight() : 1.0;
    term.impl = std::move(*impl);
    auto it = timeouts.find(t.verifier());
    term.budget = it != timeouts.end() ? it->second : factory->DefaultTimeout();
    plan.terms.push_back(std::move(term));
  }
  if (plan.terms.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": no verifier given"));
  }
  return plan;
}

namespace {

reward::v1::Profile MakeProfile(const std::string& name, const std::string& description,
                                std::vector<std::pair<std::string, double>> terms) {
  reward::v1::Profile p;
  p.set_name(name);
  p.set_description(description);
  for (const auto& [verifier, weight] : terms) {
    auto* t = p.add_terms();
    t->set_verifier(verifier);
    t->set_weight(weight);
  }
  return p;
}

}  // namespace

std::vector<reward::v1::Profile> BuiltinProfiles() {
  return {
      MakeProfile("r1_zero", "DeepSeek-R1-Zero: accuracy 1.0 + format 0.1",
                  {{"math", 1.0}, {"format", 0.1}}),
      MakeProfile("r1", "DeepSeek-R1: accuracy 1.0 + format 0.1 + language consistency 0.2",
                  {{"math", 1.0}, {"format", 0.1}, {"language", 0.2}}),
      MakeProfile("code", "Code: unit tests 1.0 + format 0.1", {{"code", 1.0}, {"format", 0.1}}),
  };
}

bool IsValidUtf8(absl::string_view s) {
  size_t i = 0, n = s.size();
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  while (i < n) {
    unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    int len;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (int k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF are invalid.
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += len;
  }
  return true;
}

std::string SanitizeUtf8(absl::string_view s) {
  if (IsValidUtf8(s)) return std::string(s);
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    // Take the longest valid sequence starting at i (1 to 4 bytes).
    size_t take = 0;
    for (size_t len = 1; len <= 4 && i + len <= s.size(); ++len) {
      if (IsValidUtf8(s.substr(i, len))) {
        take = len;
        break;
      }
    }
    if (take == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(s.data() + i, take);
      i += take;
    }
  }
  return out;
}

std::optional<Verdict> CheckCompletion(absl::string_view text, size_t max_bytes) {
  if (max_bytes > 0 && text.size() > max_bytes) {
    return Verdict::Error("TOO_LONG", absl::StrCat("completion has ", text.size(),
                                                   " bytes, the limit is ", max_bytes));
  }
  if (!IsValidUtf8(text)) {
    return Verdict::Error("INVALID_UTF8", "completion is not valid UTF-8");
  }
  return std::nullopt;
}

}  // namespace rewards
