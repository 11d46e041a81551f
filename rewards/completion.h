// Where a completion's parts are, for every verifier: DeepSeek-R1's template
// <think>…</think><answer>…</answer>, and a prompt that pre-fills <think>.
// Each verifier reads the part its rule names:
//
//   math      AnswerBlocks: every complete <answer>…</answer> block
//   code      LastAnswer: the last <answer>, to its close or the end
//   language  ReasoningRegion / FirstAnswer
//   format    the template itself (format_verifier.h)
//
// All are linear in the completion and return views into it.
#ifndef REWARDS_COMPLETION_H_
#define REWARDS_COMPLETION_H_

#include <optional>
#include <vector>

#include "absl/strings/string_view.h"

namespace rewards {

// True when `prompt` ends with <think> and optional whitespace (a chat
// template that pre-fills it: the completion starts inside the reasoning).
bool PromptPrefillsThink(absl::string_view prompt);

// Every complete <answer>…</answer> block, in order; a later <answer> before
// a block's close starts the block ("<answer>a<answer>b</answer>" is "b").
std::vector<absl::string_view> AnswerBlocks(absl::string_view completion);

// The content of the last <answer>, to its </answer> or to the end when it
// is not closed; nullopt without <answer>.
std::optional<absl::string_view> LastAnswer(absl::string_view completion);

// The content of the first <answer>, to the next </answer> or to the end;
// nullopt without <answer>.
std::optional<absl::string_view> FirstAnswer(absl::string_view completion);

// The reasoning: all of the completion but its answer, which runs from the
// first <answer> to the last </answer> after it (to the end when none does).
// The <think> block and whatever was written beside it are reasoning, so
// that reasoning moved out of the block still counts as such.
struct ReasoningParts {
  absl::string_view before;  // up to the first <answer> (all without one)
  absl::string_view after;   // after the answer's last </answer>
};
ReasoningParts ReasoningRegion(absl::string_view completion);

}  // namespace rewards

#endif  // REWARDS_COMPLETION_H_
