#include "rewards/math_verifier.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rewards/verifier_testing.h"

namespace rewards {
namespace {

using ::testing::HasSubstr;

std::unique_ptr<Verifier> Make(const std::string& params_json = "{}") {
  auto v = BuildVerifier("math", params_json);
  EXPECT_TRUE(v.ok()) << v.status();
  return v.ok() ? std::move(*v) : nullptr;
}

Verdict Score(const Verifier& v, const std::string& completion, const std::string& answer,
              const std::string& prompt = "") {
  reward::v1::Reference ref;
  ref.set_answer(answer);
  return ScoreOne(v, completion, ref, prompt);
}

TEST(MathVerifierTest, SeedExample) {
  auto v = Make();
  struct Case {
    std::string completion;
    double want;
    std::string reason;
  };
  const Case kCases[] = {
      {"<think>2 + 3 = 5, 5 * 4 = 20</think>  <answer> 20</answer>", 0, "20 ≠ 14 (answer_tag)"},
      {"<think>3 * 4 = 12, 2 + 12 = 14</think> <answer>14</answer>", 1, "14 = 14 (answer_tag, exact)"},
      {"<answer>14</answer>", 1, "14 = 14"},
      {"<think>...</think>  <answer> 7<answer>", 0, "no answer found (answer_tag, boxed)"},
  };
  for (const Case& c : kCases) {
    Verdict got = Score(*v, c.completion, "14");
    EXPECT_EQ(got.score, c.want) << c.completion << " -> " << got.reason;
    EXPECT_THAT(got.reason, HasSubstr(c.reason)) << c.completion;
    EXPECT_EQ(got.status, "OK");
  }
}

TEST(MathVerifierTest, ExtractionRules) {
  struct Case {
    std::string params, completion;
    double want;
    std::string reason;
  };
  const Case kCases[] = {
      {"{}", "<answer>The total is \\boxed{14}.</answer>", 1, "(answer_tag"},
      {"{}", "so \\boxed{14}", 1, "(boxed"},
      {"{}", "so \\fbox{14}", 1, "(boxed"},
      {"{}", "the answer is 14", 0, "no answer found"},
      {R"({"extract":["phrase"]})", "Thus, the answer is 14.", 1, "(phrase"},
      {R"({"extract":["phrase"]})", "Final answer: $14$", 1, "(phrase"},
      {R"({"extract":["phrase"]})", "所以答案是14", 1, "(phrase"},
      {R"({"extract":["phrase"]})", "Por lo tanto, la respuesta es 14.", 1, "(phrase"},
      {R"({"extract":["phrase"]})", "The answer is 3.5. Done.", 0, "7/2 ≠ 14"},
      {R"({"extract":["last_number"]})", "3 * 4 = 12, plus 2 gives 14", 1, "(last_number"},
      {R"({"extract":["last_number"]})", "it is 1,014", 0, "1014 ≠ 14"},
      {R"({"extract":["answer_tag","phrase","last_number"]})", "I think the answer is 14", 1, "(phrase"},
      {"{}", "<answer>\\boxed{\\frac{28}{2}}</answer>", 1, ""},
      {"{}", "<answer>fourteen</answer>", 0, "compared as text"},
      {"{}", "<answer>x = 14</answer>", 1, ""},
      {"{}", "<answer>He gets 14 apples</answer>", 1, ""},
  };
  for (const Case& c : kCases) {
    Verdict got = Score(*Make(c.params), c.completion, "14");
    EXPECT_EQ(got.score, c.want) << c.params << " " << c.completion << " -> " << got.reason;
    EXPECT_THAT(got.reason, HasSubstr(c.reason)) << c.completion;
  }
}

TEST(MathVerifierTest, ReferenceForms) {
  auto v = Make();
  EXPECT_EQ(Score(*v, "<answer>72</answer>", "Natalia sold 48/2 = 24 clips... 48+24 = 72\n#### 72").score, 1);
  EXPECT_EQ(Score(*v, "<answer>1000</answer>", "#### 1,000").score, 1);
  EXPECT_EQ(Score(*v, "<answer>0.5</answer>", "\\boxed{\\frac{1}{2}}").score, 1);
  EXPECT_EQ(Score(*v, "<answer>Monday</answer>", "monday").score, 1);
  Verdict text = Score(*v, "<answer>Tuesday</answer>", "Monday");
  EXPECT_EQ(text.score, 0);
  EXPECT_THAT(text.reason, HasSubstr("compared as text"));
}

TEST(MathVerifierTest, CheckReference) {
  auto v = Make();
  reward::v1::Reference ref;
  EXPECT_THAT(std::string(v->CheckReference(ref).message()), HasSubstr("answer is missing"));
  ref.set_answer("#### ");
  EXPECT_FALSE(v->CheckReference(ref).ok());
  ref.set_answer("1/0");
  EXPECT_THAT(std::string(v->CheckReference(ref).message()), HasSubstr("division by zero"));
  // Too large for exact arithmetic: compared as written, not refused.
  ref.set_answer("2^{2^{2^{100}}}");
  EXPECT_TRUE(v->CheckReference(ref).ok());
  ref.set_answer("14");
  EXPECT_TRUE(v->CheckReference(ref).ok());
}

TEST(MathVerifierTest, HugeReferencesComparedAsWritten) {
  auto v = Make();
  EXPECT_EQ(Score(*v, "so \\boxed{3^{2007}}", "3^{2007}").score, 1);
  EXPECT_EQ(Score(*v, "so \\boxed{3^{2008}}", "3^{2007}").score, 0);
  EXPECT_EQ(Score(*v, "so \\boxed{4^{2017} - 2 \\cdot 3^{2017} + 2^{2017}}", "4^{2017}-2 \\cdot 3^{2017}+2^{2017}").score, 1);
  EXPECT_EQ(Score(*v, "so \\boxed{14}", "3^{2007}").score, 0);
}

TEST(MathVerifierTest, SeveralValuesInWords) {
  auto v = Make();
  // Against several values: joined by words, in one box or one box each.
  EXPECT_EQ(Score(*v, "so \\boxed{7 \\text{ and } -5}", "-5,7").score, 1);
  EXPECT_EQ(Score(*v, "so \\boxed{19, 46, \\text{ and } 82}", "19, 46, 82").score, 1);
  EXPECT_EQ(Score(*v, "so \\boxed{2 \\text{ and } -6 - 4\\sqrt{2}}", "$a=2$, $a=-6-4 \\sqrt{2}$").score, 1);
  EXPECT_EQ(Score(*v, "so \\boxed{5 or -2}", "5, -2").score, 1);
  EXPECT_EQ(Score(*v, "so \\boxed{10, 11} and \\boxed{12}", "10,11,12").score, 1);
  EXPECT_EQ(Score(*v, "so \\boxed{\\{(0, 0), (0, \\frac{5}{2})\\}}", "(0,0),(0, \\frac{5}{2})").score, 1);
  // Negatives: a missing, extra or wrong element; a hedge against one value.
  EXPECT_EQ(Score(*v, "so \\boxed{7 \\text{ and } -5}", "-5,7,9").score, 0);
  EXPECT_EQ(Score(*v, "so \\boxed{7, -5, \\text{ and } 9}", "-5,7").score, 0);
  EXPECT_EQ(Score(*v, "so \\boxed{7 \\text{ and } -6}", "-5,7").score, 0);
  EXPECT_EQ(Score(*v, "so \\boxed{14 or 20}", "14").score, 0);
  EXPECT_EQ(Score(*v, "so \\boxed{14 \\text{ and } 20}", "14").score, 0);
  // "3i" is a multiple of i, not 3 with a unit.
  EXPECT_EQ(Score(*v, "so \\boxed{3 and -3}", "3i,-3i").score, 0);
  // A reference's several boxed values are its list; one boxed twice is one value.
  EXPECT_EQ(Score(*v, "so \\boxed{1, 2}", "\\boxed{1} papers and \\boxed{2} bins").score, 1);
  EXPECT_EQ(Score(*v, "so \\boxed{840}", "so \\boxed{840}. Final: \\boxed{840}").score, 1);
}

TEST(MathVerifierTest, EquationReferencesComparedWhole) {
  auto v = Make();
  EXPECT_EQ(Score(*v, "so \\boxed{0}", "a + 3z = 0").score, 0);
  EXPECT_EQ(Score(*v, "so \\boxed{11a+c}", "7 = 11a+c").score, 0);
  EXPECT_EQ(Score(*v, "so \\boxed{4x - 5y = -50}", "4x-5y=-50").score, 1);
  EXPECT_EQ(Score(*v, "so \\boxed{-50}", "4x-5y=-50").score, 0);
  // Labels and calculation chains are not equations.
  EXPECT_EQ(Score(*v, "so \\boxed{14}", "x = 14").score, 1);
  EXPECT_EQ(Score(*v, "so \\boxed{x^2+1}", "f(x) = x^2+1").score, 1);
  EXPECT_EQ(Score(*v, "so \\boxed{2-\\sqrt{2}}", "(\\sqrt{2}-1)\\sqrt{2}=2-\\sqrt{2}").score, 1);
}

TEST(MathVerifierTest, MoreForms) {
  auto v = Make();
  auto tail = Make(R"({"extract": ["boxed", "phrase", "last_number"]})");
  // Several solutions stated in the last sentence, without a marked answer.
  std::string stated = "So the values are \\(x = -1\\), \\(x = 2\\), and \\(x = -2\\).";
  EXPECT_EQ(Score(*tail, stated, "-1, 2, -2").score, 1);
  EXPECT_EQ(Score(*tail, stated, "-1, 2").score, 0);
  EXPECT_EQ(Score(*tail, stated, "-1, 2, 3").score, 0);
  EXPECT_EQ(Score(*tail, stated, "[-1, 2]").score, 0);
  // The exact value before \approx; "x \approx 11" is 11.
  EXPECT_EQ(Score(*v, "so \\boxed{x = 1/3 \\approx 0.33}", "1/3").score, 1);
  EXPECT_EQ(Score(*v, "so \\boxed{x \\approx 11}", "11").score, 1);
  // Ratios keep their terms; a ratio is not a tuple.
  EXPECT_EQ(Score(*v, "so \\boxed{7:32}", "S_{MBCN}:S=7:32").score, 1);
  EXPECT_EQ(Score(*v, "so \\boxed{32:7}", "7:32").score, 0);
  EXPECT_EQ(Score(*v, "so \\boxed{(7, 32)}", "7:32").score, 0);
  // Words around one math value; disagreeing math values are a hedge.
  EXPECT_EQ(Score(*v, "<answer>Answer \\( (9+1) \\)</answer>", "10").score, 1);
  EXPECT_EQ(Score(*v, "<answer>Therefore $x \\geq 5$ is the solution.</answer>", "x >= 5").score, 1);
  EXPECT_EQ(Score(*v, "<answer>It is $10$ or maybe $12$</answer>", "12").score, 0);
  // Grouping commas written with \\!, and a repeated solution.
  EXPECT_EQ(Score(*v, "so \\boxed{11,\\! 111,\\! 111,\\! 100}", "11111111100").score, 1);
  EXPECT_EQ(Score(*v, "so \\boxed{(1, 2), (3, 4), (1, 2)}", "(1,2),(3,4)").score, 1);
  EXPECT_EQ(Score(*v, "so \\boxed{(1, 2), (1, 2)}", "(1,2),(3,4)").score, 0);
  // A solution as the reference: its final-answer phrase.
  EXPECT_EQ(Score(*v, "so \\boxed{28\\%}", "... a loss of 28 %. Final Answer: The final answer is $28\\%$. I hope it is correct.").score, 1);
}

TEST(MathVerifierTest, BinomialsAndNaturalVariables) {
  auto v = Make();
  EXPECT_EQ(Score(*v, "so \\boxed{\\dbinom{30}{15} \\cdot 2}", "310235040").score, 1);
  EXPECT_EQ(Score(*v, "so \\boxed{\\binom{6}{2}}", "15").score, 1);
  EXPECT_EQ(Score(*v, "so \\boxed{\\binom{6}{3}}", "15").score, 0);
  // n, m, k are naturals: (-1)^n and \binom{n}{k} have values.
  EXPECT_EQ(Score(*v, "so \\boxed{\\dfrac{2^{n +1} + (-1)^{n}}{3}}", "\\frac{2 \\cdot 2^{n}+(-1)^{n}}{3}").score, 1);
  EXPECT_EQ(Score(*v, "so \\boxed{\\dfrac{2^{n +1} - (-1)^{n}}{3}}", "\\frac{2 \\cdot 2^{n}+(-1)^{n}}{3}").score, 0);
  EXPECT_EQ(Score(*v, "so \\boxed{\\binom{m+n-1}{n-1}}", "\\binom{n+m-1}{m}").score, 1);
  EXPECT_EQ(Score(*v, "so \\boxed{\\binom{m+n-1}{n}}", "\\binom{n+m-1}{m}").score, 0);
}

TEST(MathVerifierTest, PercentReferencesAndFlatLists) {
  auto v = Make();
  // A percentage reference names its fraction too; not the converse by default.
  EXPECT_EQ(Score(*v, "so \\boxed{0.625}", "62.5%").score, 1);
  EXPECT_EQ(Score(*v, "so \\boxed{62.5}", "62.5%").score, 1);
  EXPECT_EQ(Score(*v, "so \\boxed{0.6}", "62.5%").score, 0);
  EXPECT_EQ(Score(*v, "so \\boxed{62.5\\%}", "0.625").score, 0);
  // A flat list answered as groups of its values; not with a value missing.
  EXPECT_EQ(Score(*v, "so \\boxed{\\{1, 2\\}, \\{-2, -1\\}}", "1,2,-2,-1").score, 1);
  EXPECT_EQ(Score(*v, "so \\boxed{\\{1, 2\\}, \\{-2\\}}", "1,2,-2,-1").score, 0);
  // Against an equation, last_number reads the whole math span.
  auto tail = Make(R"({"extract": ["boxed", "phrase", "last_number"]})");
  EXPECT_EQ(Score(*tail, "Thus the circle is \\[ x^2 + y^2 = 13 \\]", "x^2 + y^2 = 13").score, 1);
  EXPECT_EQ(Score(*tail, "Thus the circle is \\[ x^2 + y^2 = 14 \\]", "x^2 + y^2 = 13").score, 0);
}

TEST(MathVerifierTest, HedgingScoresZero) {
  auto v = Make();
  const std::string kHedges[] = {
      "<answer>\\boxed{14} or \\boxed{20}</answer>",
      "\\boxed{14} and also \\boxed{20}",
      "<answer>14 or 20</answer>",
      "<answer>either 14 or 20</answer>",
      "<answer>14</answer> <answer>20</answer>",
      "<answer>14, 20</answer>",
  };
  for (const std::string& h : kHedges) {
    Verdict got = Score(*v, h, "14");
    EXPECT_EQ(got.score, 0) << h << " -> " << got.reason;
  }
  EXPECT_THAT(Score(*v, kHedges[0], "14").reason, HasSubstr("several answers: 14, 20"));
  // A reference of several values answered one \boxed{} per value.
  EXPECT_EQ(Score(*v, "\\boxed{1} and \\boxed{2}", "1, 2").score, 1);
  EXPECT_EQ(Score(*v, "\\boxed{2} and \\boxed{1}", "1, 2").score, 0);
  EXPECT_EQ(Score(*v, "\\boxed{2} and \\boxed{1}", "\\{1, 2\\}").score, 1);
  // Repeating the same answer is not a hedge.
  EXPECT_EQ(Score(*v, "\\boxed{14} so \\boxed{14.0}", "14").score, 1);
  // allow_multiple accepts any matching answer.
  auto lenient = Make(R"({"allow_multiple":true})");
  EXPECT_EQ(Score(*lenient, kHedges[0], "14").score, 1);
  EXPECT_EQ(Score(*lenient, kHedges[2], "14").score, 1);
  EXPECT_EQ(Score(*lenient, kHedges[2], "15").score, 0);
}

// Red-team findings on numbers. An answer computed through constants or
// functions equals an exact reference only to the precision of the
// arithmetic (a constant that cancels once widened the comparison to the
// tolerance for decimals); dashes other than U+2212 are minus signs, and
// full-width digits are digits.
TEST(MathVerifierTest, ExactReferencesAndUnicodeSigns) {
  auto v = Make();
  auto score = [&](const std::string& answer, const std::string& ref) {
    return Score(*v, "<answer>" + answer + "</answer>", ref).score;
  };
  EXPECT_EQ(score("1000001 \\cdot \\frac{\\pi}{\\pi}", "1000000"), 0);
  EXPECT_EQ(score("999999.5 \\cdot \\frac{e}{e}", "1000000"), 0);
  EXPECT_EQ(score("\\sqrt{196.00001}", "14"), 0);
  EXPECT_EQ(score("e^{\\ln 14}", "14"), 1);
  EXPECT_EQ(score("\\sqrt{196}", "14"), 1);
  EXPECT_EQ(score("2\\sqrt{2} \\cdot \\sqrt{2}", "4"), 1);
  EXPECT_EQ(score("1.41421356", "\\sqrt{2}"), 1);  // a decimal for an irrational: the tolerance
  EXPECT_EQ(score("\xE2\x80\x93" "2", "2"), 0);    // en dash
  EXPECT_EQ(score("\xE2\x80\x93" "2", "-2"), 1);
  EXPECT_EQ(score("\xEF\xBC\x8D" "2", "-2"), 1);   // full-width hyphen-minus
  EXPECT_EQ(score("\xE2\x80\x94" "2 \\text{ or } 2", "2"), 0);  // a sign hedge with an em dash
  EXPECT_EQ(score("\xEF\xBC\x91\xEF\xBC\x94", "14"), 1);  // full-width 14
}

// An answer that denies or bounds the value it names does not state it
// (red team: every one of these scored 1 against 14); a reference written
// that way is compared by its shape as before.
TEST(MathVerifierTest, DeniedOrBoundedAnswersDoNotStateTheValue) {
  auto v = Make();
  for (const char* a : {"x \\neq 14", "\\ne 14", "\\not 14", "x \\notin \\{14\\}", "not 14",
                               "less than 14", "at least 14", "at most 14", "up to 14", "anything but 14",
                               "14 is wrong", "14 \\text{ or more}", "\\ge 14", "\\geq 14", "14+", "\xE2\x89\xA0 14"}) {
    Verdict got = Score(*v, std::string("<answer>") + a + "</answer>", "14");
    EXPECT_EQ(got.score, 0) << a << " -> " << got.reason;
    EXPECT_THAT(got.reason, HasSubstr("denied or bounded")) << a;
  }
  EXPECT_EQ(Score(*v, "<answer>\\left( 14 \\right)</answer>", "14").score, 1);
  EXPECT_EQ(Score(*v, "<answer>14</answer>", "14").score, 1);
  EXPECT_EQ(Score(*v, "<answer>x \\geq 2</answer>", "k \\geqslant 2").score, 1);
}

TEST(MathVerifierTest, LimitsAndEmptyAnswers) {
  auto v = Make();
  std::string padded = "<answer>" + std::string(300, ' ') + "14</answer>";
  Verdict got = Score(*v, padded, "14");
  EXPECT_EQ(got.score, 0);
  EXPECT_THAT(got.reason, HasSubstr("answer too long: 302 chars > 200"));
  EXPECT_EQ(Score(*Make(R"({"max_answer_chars":1000})"), padded, "14").score, 1);
  EXPECT_THAT(Score(*v, "<answer></answer>", "0").reason, HasSubstr("empty answer"));
  EXPECT_EQ(Score(*v, "<answer></answer>", "0").score, 0);
  EXPECT_EQ(Score(*v, "\\boxed{}", "0").score, 0);
  EXPECT_EQ(Score(*v, "<answer>  </answer>", "0").score, 0);
  // Nothing is taken from the prompt.
  EXPECT_EQ(Score(*v, "I don't know", "14", "<answer>14</answer>").score, 0);
}

TEST(MathVerifierTest, Parameters) {
  EXPECT_EQ(Score(*Make(R"({"percent_as_fraction":true})"), "<answer>50%</answer>", "0.5").score, 1);
  EXPECT_EQ(Score(*Make(), "<answer>50%</answer>", "0.5").score, 0);
  EXPECT_EQ(Score(*Make(R"({"unordered":true})"), "<answer>5, 3</answer>", "3, 5").score, 1);
  EXPECT_EQ(Score(*Make(R"({"rel_tol":0.01})"), "<answer>3.14</answer>", "\\pi").score, 1);
  EXPECT_EQ(Score(*Make(), "<answer>3.14</answer>", "\\pi").score, 0);
  auto v = BuildVerifier("math", R"({"extract":["answer_tag","guess"]})");
  ASSERT_FALSE(v.ok());
  EXPECT_THAT(std::string(v.status().message()), HasSubstr("parameter 'extract': unknown rule 'guess'"));
}

TEST(MathVerifierTest, EmptyBoxedIsNotACandidate) {
  AnswerRegion r = ExtractAnswer("put it in \\boxed{} ... so \\boxed{6}", {"boxed"});
  ASSERT_TRUE(r.found);
  ASSERT_EQ(r.candidates.size(), 1u);
  EXPECT_EQ(r.candidates[0], "6");
  EXPECT_EQ(r.region, "6");
  // Only empty ones: they stay, and an empty answer never matches.
  r = ExtractAnswer("\\boxed{} \\boxed{ }", {"boxed"});
  ASSERT_TRUE(r.found);
  EXPECT_EQ(r.candidates.size(), 2u);
  auto v = Make();
  EXPECT_EQ(Score(*v, "\\boxed{} so \\boxed{6} or \\boxed{7}", "6").score, 0);
  EXPECT_EQ(Score(*v, "\\boxed{} so \\boxed{6}", "6").score, 1);
}

TEST(MathVerifierTest, LastNumberReadsTheLastExpression) {
  struct Case {
    std::string completion, region;
  };
  const Case kCases[] = {
      {"is \\(\\frac{11}{36}\\).", "\\frac{11}{36}"},
      {"so $\\cos A = -\\frac{24}{25}$.", "-\\frac{24}{25}"},
      {"so $$ x = 6\\sqrt{2} $$ units", "6\\sqrt{2}"},
      {"\\[ a = 3 \\] and \\[ b = 5 \\]", "5"},
      {"$1$ then $x$ is $2$ and $y$ ok", "2"},
      {"no math: 3 times 4 is 12.", "12"},
      {"unclosed \\(\\frac{1}{2}", "2"},
      {"\\(x\\) is 7 and $$", "7"},
  };
  for (const Case& c : kCases) {
    AnswerRegion r = ExtractAnswer(c.completion, {"last_number"});
    ASSERT_TRUE(r.found) << c.completion;
    EXPECT_EQ(r.region, c.region) << c.completion;
  }
  // A long span is read for its last number only.
  std::string sum = "\\(" + std::string(2000, '1') + "+7\\)";
  EXPECT_EQ(ExtractAnswer(sum, {"last_number"}).region, "7");
}

TEST(MathVerifierTest, FinalAnswerPhrases) {
  AnswerRegion r = ExtractAnswer("work\n\n# Answer\n\n12\\pi\n", {"phrase"});
  ASSERT_TRUE(r.found);
  EXPECT_EQ(r.region, "12\\pi");
  r = ExtractAnswer("<answer>5 then 7. The final answer is 7. I hope it is correct.</answer>", {"answer_tag"});
  ASSERT_EQ(r.candidates.size(), 1u);
  EXPECT_EQ(r.candidates[0], "7");
  r = ExtractAnswer("<answer>The final answer is 14. Or maybe 20.</answer>", {"answer_tag"});
  ASSERT_EQ(r.candidates.size(), 1u);
  EXPECT_EQ(r.candidates[0], "The final answer is 14. Or maybe 20.");
}

TEST(FindBoxedTest, BalancedAndLinear) {
  EXPECT_THAT(FindBoxed("a \\boxed{1} b \\boxed{\\frac{1}{2}} c"), ::testing::ElementsAre("1", "\\frac{1}{2}"));
  EXPECT_THAT(FindBoxed("\\boxed{\\boxed{3}}"), ::testing::ElementsAre("\\boxed{3}"));
  EXPECT_THAT(FindBoxed("\\boxed{ unclosed \\boxed{4}"), ::testing::ElementsAre("4"));
  EXPECT_THAT(FindBoxed("\\boxed{\\{1, 2\\}}"), ::testing::ElementsAre("\\{1, 2\\}"));
  std::string deep;
  for (int i = 0; i < 10000; ++i) deep += "\\boxed{";
  EXPECT_TRUE(FindBoxed(deep).empty());
}

}  // namespace
}  // namespace rewards
