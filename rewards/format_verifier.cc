#include "rewards/format_verifier.h"

#include <algorithm>
#include <array>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "re2/re2.h"
#include "rewards/completion.h"
#include "rewards/utf8.h"
#include "rewards/verifier.h"

namespace rewards {
namespace {

// A custom pattern is compiled on the request's thread, before any deadline
// applies, and RE2 cannot be interrupted; it is slow on long patterns and
// expands counted repetitions ({n,m}) when it compiles, which took it seconds
// to minutes (a 1 KB pattern of a{2,1000} repeated: 25 s). Both are bounded.
constexpr size_t kMaxPatternBytes = 2048;
constexpr size_t kMaxPatternRepetitions = 1000;

// The sum of the upper bounds of the counted repetitions in an RE2 pattern
// ({n} and {n,} count n, {n,m} counts m), outside classes, escapes and
// \Q...\E. One linear pass; numbers saturate.
size_t CountedRepetitions(absl::string_view p) {
  auto number = [&](size_t* i, size_t* value) {
    size_t start = *i;
    *value = 0;
    while (*i < p.size() && absl::ascii_isdigit(static_cast<unsigned char>(p[*i]))) {
      *value = std::min<size_t>(*value * 10 + (p[*i] - '0'), 1000000);
      ++*i;
    }
    return *i > start;
  };
  size_t total = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    const char c = p[i];
    if (c == '\\') {
      if (i + 1 < p.size() && p[i + 1] == 'Q') {  // literal text up to \E
        size_t end = p.find("\\E", i + 2);
        if (end == absl::string_view::npos) break;
        i = end + 1;
      } else if (i + 2 < p.size() && absl::string_view("pPx").find(p[i + 1]) != absl::string_view::npos &&
                 p[i + 2] == '{') {  // \p{Greek}, \x{10FFFF}
        size_t end = p.find('}', i + 3);
        if (end == absl::string_view::npos) break;
        i = end;
      } else {
        ++i;
      }
    } else if (c == '[') {  // a class: [^]...], with [:alpha:] and escapes inside
      size_t j = i + 1;
      if (j < p.size() && p[j] == '^') ++j;
      if (j < p.size() && p[j] == ']') ++j;
      while (j < p.size() && p[j] != ']') {
        if (p[j] == '\\') {
          j += 2;
        } else if (p[j] == '[' && j + 1 < p.size() && p[j + 1] == ':') {
          size_t end = p.find(":]", j + 2);
          j = end == absl::string_view::npos ? p.size() : end + 2;
        } else {
          ++j;
        }
      }
      i = j;
    } else if (c == '{') {
      size_t j = i + 1, low = 0, high = 0;
      if (!number(&j, &low)) continue;
      high = low;
      if (j < p.size() && p[j] == ',') {
        ++j;
        if (!number(&j, &high)) high = low;
      }
      if (j < p.size() && p[j] == '}') {
        total = std::min<size_t>(total + std::max(low, high), 1000000);
        i = j;
      }
    }
  }
  return total;
}

constexpr std::array<absl::string_view, 4> kTags = {"<think>", "</think>", "<answer>",
                                                    "</answer>"};

// Occurrences of `needle` in `text`, and the offset of the first one.
struct TagCount {
  int count = 0;
  size_t first = absl::string_view::npos;
};

TagCount CountTag(absl::string_view text, absl::string_view needle) {
  TagCount c;
  for (size_t pos = text.find(needle); pos != absl::string_view::npos;
       pos = text.find(needle, pos + needle.size())) {
    if (c.count == 0) c.first = pos;
    ++c.count;
  }
  return c;
}

bool OnlySpace(absl::string_view s) {
  return absl::StripAsciiWhitespace(s).empty();
}

// RE2's \s (Perl's): ASCII whitespace without \v, unlike absl's.
bool IsTemplateSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r'; }

bool AllTemplateSpace(absl::string_view s) {
  return std::all_of(s.begin(), s.end(), IsTemplateSpace);
}

// What is wrong with `text` against the strict template ("" when nothing),
// with the tags' counts and first positions in `c`.
std::string Diagnose(absl::string_view text, std::array<TagCount, 4>& c) {
  std::vector<std::string> missing, repeated;
  for (size_t i = 0; i < kTags.size(); ++i) {
    c[i] = CountTag(text, kTags[i]);
    if (c[i].count == 0) missing.push_back(std::string(kTags[i]));
    if (c[i].count > 1) repeated.push_back(absl::StrCat(kTags[i], " appears ", c[i].count, " times"));
  }
  if (!missing.empty() || !repeated.empty()) {
    std::vector<std::string> problems;
    if (!missing.empty()) problems.push_back(absl::StrCat("missing ", absl::StrJoin(missing, ", ")));
    problems.insert(problems.end(), repeated.begin(), repeated.end());
    return absl::StrJoin(problems, "; ");
  }
  for (size_t i = 0; i + 1 < kTags.size(); ++i) {
    if (c[i].first > c[i + 1].first) {
      return absl::StrCat(kTags[i + 1], " comes before ", kTags[i]);
    }
  }
  if (!OnlySpace(text.substr(0, c[0].first))) return "text before <think>";
  size_t end_think = c[1].first + kTags[1].size();
  if (!OnlySpace(text.substr(end_think, c[2].first - end_think))) {
    return "text between </think> and <answer>";
  }
  if (!OnlySpace(text.substr(c[3].first + kTags[3].size()))) return "text after </answer>";
  return "";
}

// Once Diagnose found nothing (each tag once, in order, only whitespace
// outside them), what the strict template as a regex,
// \s*<think>.*</think>\s*<answer>.*</answer>\s* (`.` matching newlines),
// adds: its \s has no \v, and its `.` matches valid UTF-8 only. The same
// verdict as RE2::FullMatch of that regex (the format_verifier fuzz target
// checks it), in one pass without the regex, which cost a third of the
// server's CPU at r1_zero load.
bool HasTemplateShape(absl::string_view text, const std::array<TagCount, 4>& c) {
  const size_t think_end = c[0].first + kTags[0].size();
  const size_t close_think_end = c[1].first + kTags[1].size();
  const size_t answer_end = c[2].first + kTags[2].size();
  const size_t close_answer_end = c[3].first + kTags[3].size();
  return AllTemplateSpace(text.substr(0, c[0].first)) &&
         AllTemplateSpace(text.substr(close_think_end, c[2].first - close_think_end)) &&
         AllTemplateSpace(text.substr(close_answer_end)) &&
         IsValidUtf8(text.substr(think_end, c[1].first - think_end)) &&
         IsValidUtf8(text.substr(answer_end, c[3].first - answer_end));
}

}  // namespace

std::string DiagnoseThinkAnswer(absl::string_view text) {
  std::array<TagCount, 4> c;
  return Diagnose(text, c);
}

absl::string_view WithoutEndTokens(absl::string_view text) {
  static const absl::string_view kEnd[] = {"<|endoftext|>", "<|im_end|>", "<|eot_id|>", "<|end_of_text|>", "<|end|>",
                                           "</s>", "<eos>", "<\xEF\xBD\x9C" "end\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>"};
  for (bool again = true; again;) {
    again = false;
    absl::string_view trimmed = absl::StripTrailingAsciiWhitespace(text);
    for (absl::string_view end : kEnd) {
      if (absl::ConsumeSuffix(&trimmed, end)) {
        text = trimmed;
        again = true;
        break;
      }
    }
  }
  return text;
}

bool MatchesStrictTemplate(absl::string_view text) {
  std::array<TagCount, 4> c;
  return Diagnose(text, c).empty() && HasTemplateShape(text, c);
}

namespace {

class FormatVerifier : public Verifier {
 public:
  enum class Mode { kStrict, kTagCount, kPattern };
  enum class Prefill { kAuto, kOn, kOff };

  FormatVerifier(Mode mode, Prefill prefill, std::unique_ptr<RE2> pattern)
      : mode_(mode), prefill_(prefill), pattern_(std::move(pattern)) {}

  Verdict Score(const SampleInput& in) const override {
    bool prefilled = prefill_ == Prefill::kOn ||
                     (prefill_ == Prefill::kAuto && PromptPrefillsThink(in.prompt));
    std::string with_tag;
    absl::string_view text = in.completion;
    if (prefilled) {
      with_tag = absl::StrCat("<think>", in.completion);
      text = with_tag;
    }
    const char* note = prefilled ? " (<think> prefilled by the prompt)" : "";
    // The template's own checks look past end-of-sequence tokens a trainer
    // left in the decoded text (decoding without skip_special_tokens): they
    // are not text after </answer>. A pattern sees the text as it is.
    if (mode_ != Mode::kPattern) text = WithoutEndTokens(text);
    switch (mode_) {
      case Mode::kPattern:
        if (RE2::FullMatch(re2::StringPiece(text.data(), text.size()), *pattern_)) return Verdict::Ok(1, absl::StrCat("matches pattern", note));
        return Verdict::Ok(0, absl::StrCat("does not match pattern", note));
      case Mode::kTagCount:
        return TagCountScore(text, note);
      case Mode::kStrict:
        break;
    }
    std::array<TagCount, 4> tags;
    std::string problem = Diagnose(text, tags);
    if (problem.empty() && HasTemplateShape(text, tags)) {
      return Verdict::Ok(1, absl::StrCat("<think>…</think><answer>…</answer>", note));
    }
    if (problem.empty()) problem = "does not match <think>…</think><answer>…</answer>";
    return Verdict::Ok(0, absl::StrCat(problem, note));
  }

 private:
  static Verdict TagCountScore(absl::string_view text, const char* note) {
    double score = 0;
    std::vector<std::string> wrong;
    for (absl::string_view tag : kTags) {
      int n = CountTag(text, tag).count;
      if (n == 1) {
        score += 0.25;
      } else {
        wrong.push_back(absl::StrCat(tag, " x", n));
      }
    }
    if (wrong.empty()) return Verdict::Ok(score, absl::StrCat("all 4 tags once", note));
    return Verdict::Ok(score, absl::StrCat("not once: ", absl::StrJoin(wrong, ", "), note));
  }

  Mode mode_;
  Prefill prefill_;
  std::unique_ptr<RE2> pattern_;
};

class FormatVerifierFactory : public VerifierFactory {
 public:
  std::string Name() const override { return "format"; }
  std::string Description() const override {
    return "Reasoning template check (RE2): DeepSeek-R1's "
           "<think>…</think><answer>…</answer> spanning the whole completion "
           "scores 1, else 0; or partial credit per tag; or a custom pattern.";
  }
  const std::vector<ParamSpec>& Params() const override {
    static const auto* specs = new std::vector<ParamSpec>{
        ParamSpec::Enum("mode", {"strict", "tag_count"}, "strict",
                        "strict: the whole template or 0; tag_count: 0.25 for each of "
                        "<think>, </think>, <answer>, </answer> found exactly once."),
        ParamSpec::String("pattern", "",
                          "Custom RE2 pattern the whole completion must match (`.` matches "
                          "newlines); replaces the template, 1 or 0."),
        ParamSpec::Enum("prefilled_think", {"auto", "true", "false"}, "auto",
                        "Score the completion as if it began with <think>: auto = when the "
                        "prompt ends with <think> (DeepSeek-R1's chat template)."),
    };
    return *specs;
  }
  absl::Duration DefaultTimeout() const override { return absl::Milliseconds(500); }

  absl::StatusOr<std::unique_ptr<Verifier>> Create(const rewards::Params& p) const override {
    FormatVerifier::Prefill prefill = FormatVerifier::Prefill::kAuto;
    if (p.GetString("prefilled_think") == "true") prefill = FormatVerifier::Prefill::kOn;
    if (p.GetString("prefilled_think") == "false") prefill = FormatVerifier::Prefill::kOff;
    const std::string& pattern = p.GetString("pattern");
    if (!pattern.empty()) {
      if (p.IsSet("mode")) {
        return absl::InvalidArgumentError("parameters 'pattern' and 'mode' exclude each other");
      }
      if (pattern.size() > kMaxPatternBytes) {
        return absl::InvalidArgumentError(absl::StrCat("parameter 'pattern' is ", pattern.size(),
                                                       " bytes, the limit is ", kMaxPatternBytes));
      }
      if (size_t n = CountedRepetitions(pattern); n > kMaxPatternRepetitions) {
        return absl::InvalidArgumentError(absl::StrCat("parameter 'pattern': its counted repetitions ({n,m}) ",
                                                       "add up to ", n, ", the limit is ", kMaxPatternRepetitions));
      }
      RE2::Options o;
      o.set_dot_nl(true);
      o.set_log_errors(false);
      auto re = std::make_unique<RE2>(pattern, o);
      if (!re->ok()) {
        return absl::InvalidArgumentError(
            absl::StrCat("parameter 'pattern' is not a valid RE2 pattern: ", re->error()));
      }
      return std::make_unique<FormatVerifier>(FormatVerifier::Mode::kPattern, prefill,
                                              std::move(re));
    }
    auto mode = p.GetString("mode") == "tag_count" ? FormatVerifier::Mode::kTagCount
                                                    : FormatVerifier::Mode::kStrict;
    return std::make_unique<FormatVerifier>(mode, prefill, nullptr);
  }
};

REGISTER_VERIFIER(FormatVerifierFactory);

}  // namespace
}  // namespace rewards
