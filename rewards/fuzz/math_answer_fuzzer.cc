// libFuzzer target: the math answer parser and comparison on arbitrary
// bytes. The input is an answer and a reference separated by the first NUL
// (all of it is the answer when there is none); both are parsed every way
// the verifier parses them (answer: text allowed, decimal comma or not, with
// free variables or not; reference: as the verifier reads references), then
// compared and described. Nothing may crash, hang or trip a sanitizer.
//
//   make fuzz                      (clang, ASan + UBSan, FUZZ_SECONDS each)
//   bazel test //rewards/fuzz:all  (replays the checked-in corpus with g++)
#include <cstddef>
#include <cstdint>
#include <string>

#include "rewards/math_answer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  const size_t nul = input.find('\0');
  const std::string answer = input.substr(0, nul);
  const std::string reference = nul == std::string::npos ? "14" : input.substr(nul + 1);
  rewards::ParsedAnswer ref = rewards::ParseAnswer(reference, /*allow_text=*/false, /*decimal_comma=*/false,
                                                   /*variables=*/true, /*keep_equations=*/true);
  rewards::MathTolerance tol;
  for (bool decimal_comma : {false, true}) {
    for (bool variables : {false, true}) {
      rewards::ParsedAnswer a = rewards::ParseAnswer(answer, /*allow_text=*/true, decimal_comma, variables,
                                                     /*keep_equations=*/ref.equation);
      rewards::CompareAnswers(a, ref, tol);
      rewards::CompareAnswers(ref, a, tol);
      rewards::DescribeAnswer(a);
    }
  }
  rewards::DescribeAnswer(ref);
  rewards::NormalizeAnswerText(answer);
  return 0;
}
