// libFuzzer target: the `format` verifier with fuzzed patterns and texts.
// The input is a pattern and a completion separated by the first NUL (all of
// it is the completion when there is none, and the pattern is then unset).
// The completion is scored by the strict template, by tag_count, with
// prefilled <think> on and off, and, when the pattern compiles (RE2 refuses
// what it cannot run in linear time), by the custom pattern; the strict
// template's diagnosis runs too. Nothing may crash, hang or trip a sanitizer,
// every score must be in [0, 1], and the strict template's check without a
// regex (MatchesStrictTemplate) must agree with the diagnosis plus
// RE2::FullMatch of the template's regex, as it was scored before, on every
// text.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "google/protobuf/struct.pb.h"
#include "re2/re2.h"
#include "rewards/format_verifier.h"
#include "rewards/params.h"
#include "rewards/verifier.h"

namespace {

void ScoreWith(const google::protobuf::Struct& given, const std::string& text) {
  const rewards::VerifierFactory* factory = rewards::FindVerifier("format");
  if (factory == nullptr) std::abort();
  absl::StatusOr<rewards::Params> params = rewards::ParseParams(given, factory->Params());
  if (!params.ok()) return;
  auto verifier = factory->Create(*params);
  if (!verifier.ok()) return;  // a pattern RE2 refuses
  reward::v1::Reference reference;
  rewards::SampleInput in;
  in.completion = text;
  in.prompt = "Solve it. <think>";
  in.reference = &reference;
  rewards::Verdict v = (*verifier)->Score(in);
  if (!(v.score >= 0 && v.score <= 1)) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const size_t nul = input.find('\0');
  const std::string text = nul == std::string::npos ? input : input.substr(nul + 1);
  rewards::DiagnoseThinkAnswer(text);
  static const RE2* const strict = [] {
    RE2::Options o;
    o.set_dot_nl(true);
    return new RE2(R"(\s*<think>.*</think>\s*<answer>.*</answer>\s*)", o);
  }();
  // (The regex alone would also take a repeated tag: the diagnosis rules that out.)
  if (rewards::MatchesStrictTemplate(text) !=
      (rewards::DiagnoseThinkAnswer(text).empty() &&
       RE2::FullMatch(re2::StringPiece(text.data(), text.size()), *strict))) {
    std::abort();
  }
  for (const char* mode : {"strict", "tag_count"}) {
    for (const char* prefill : {"auto", "true", "false"}) {
      google::protobuf::Struct given;
      (*given.mutable_fields())["mode"].set_string_value(mode);
      (*given.mutable_fields())["prefilled_think"].set_string_value(prefill);
      ScoreWith(given, text);
    }
  }
  if (nul != std::string::npos) {
    google::protobuf::Struct given;
    (*given.mutable_fields())["pattern"].set_string_value(input.substr(0, nul));
    ScoreWith(given, text);
  }
  return 0;
}
