#include "rewards/completion.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace rewards {
namespace {

constexpr absl::string_view kThink = "<think>", kThinkEnd = "</think>";
constexpr absl::string_view kAnswer = "<answer>", kAnswerEnd = "</answer>";

// From `start` to the next `close`, or to the end.
absl::string_view UpTo(absl::string_view text, size_t start, absl::string_view close) {
  size_t end = text.find(close, start);
  return text.substr(start, end == absl::string_view::npos ? absl::string_view::npos : end - start);
}

}  // namespace

bool PromptPrefillsThink(absl::string_view prompt) {
  return absl::EndsWith(absl::StripTrailingAsciiWhitespace(prompt), kThink);
}

std::vector<absl::string_view> AnswerBlocks(absl::string_view text) {
  std::vector<absl::string_view> out;
  size_t pos = 0;
  for (;;) {
    size_t open = text.find(kAnswer, pos);
    if (open == absl::string_view::npos) break;
    size_t start = open + kAnswer.size();
    size_t close = text.find(kAnswerEnd, start);
    if (close == absl::string_view::npos) break;
    size_t inner = text.substr(start, close - start).rfind(kAnswer);
    if (inner != absl::string_view::npos) start += inner + kAnswer.size();
    out.push_back(text.substr(start, close - start));
    pos = close + kAnswerEnd.size();
  }
  return out;
}

std::optional<absl::string_view> LastAnswer(absl::string_view completion) {
  size_t open = completion.rfind(kAnswer);
  if (open == absl::string_view::npos) return std::nullopt;
  return UpTo(completion, open + kAnswer.size(), kAnswerEnd);
}

std::optional<absl::string_view> FirstAnswer(absl::string_view completion) {
  size_t open = completion.find(kAnswer);
  if (open == absl::string_view::npos) return std::nullopt;
  return UpTo(completion, open + kAnswer.size(), kAnswerEnd);
}

ReasoningParts ReasoningRegion(absl::string_view completion) {
  const size_t open = completion.find(kAnswer);
  if (open == absl::string_view::npos) return {completion, absl::string_view()};
  const size_t close = completion.rfind(kAnswerEnd);
  const size_t end = close != absl::string_view::npos && close > open ? close + kAnswerEnd.size() : completion.size();
  return {completion.substr(0, open), completion.substr(end)};
}

}  // namespace rewards
