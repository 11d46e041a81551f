#include "rewards/language_verifier.h"

#include <algorithm>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "rewards/language_model.h"
#include "rewards/verifier_testing.h"

namespace rewards {
namespace {

using ::testing::HasSubstr;

// The language with the most words, and its share.
std::pair<std::string, double> Top(const std::string& text) {
  LanguageAnalysis a = AnalyzeLanguages(text);
  if (a.languages.empty()) return {"", 0};
  return {a.languages[0].language, static_cast<double>(a.languages[0].words) / a.words};
}

double ShareOf(const std::string& text, const std::string& lang) {
  LanguageAnalysis a = AnalyzeLanguages(text);
  for (const auto& l : a.languages) {
    if (l.language == lang) return static_cast<double>(l.words) / a.words;
  }
  return 0;
}

TEST(LanguageTest, EachScript) {
  struct Case {
    std::string text, want;
  };
  const Case kCases[] = {
      {"First we compute the total number of apples. Then we divide it between the two friends.", "en"},
      {"Primero calculamos el número total de manzanas. Luego lo dividimos entre los dos amigos.", "es"},
      {"D'abord, nous calculons le nombre total de pommes. Ensuite, nous le divisons entre les deux amis.", "fr"},
      {"Zuerst berechnen wir die Gesamtzahl der Äpfel. Dann teilen wir sie zwischen den beiden Freunden auf.", "de"},
      {"Сначала мы вычисляем общее количество яблок. Затем делим его между двумя друзьями.", "ru"},
      {"首先我们计算苹果的总数。然后把它分给两个朋友。", "zh"},
      {"まず、りんごの合計数を計算します。それから二人の友達に分けます。", "ja"},
      {"먼저 사과의 총 개수를 계산합니다. 그런 다음 두 친구에게 나눕니다.", "ko"},
      {"ก่อนอื่นเราคำนวณจำนวนแอปเปิ้ลทั้งหมด แล้วแบ่งให้เพื่อนสองคน", "th"},
      {"Πρώτα υπολογίζουμε τον συνολικό αριθμό των μήλων.", "el"},
      {"קודם אנחנו מחשבים את המספר הכולל של התפוחים.", "he"},
      {"أولاً نحسب العدد الإجمالي للتفاح. ثم نقسمه بين الصديقين.", "ar"},
  };
  for (const Case& c : kCases) {
    auto [lang, share] = Top(c.text);
    EXPECT_EQ(lang, c.want) << c.text;
    EXPECT_GT(share, 0.9) << c.text;
  }
}

TEST(LanguageTest, MixedTextShares) {
  // 8 English words and 8 Spanish words, in alternating sentences.
  std::string text =
      "We need to find the sum of numbers. Necesitamos encontrar la suma de los números. "
      "Then we check the answer very carefully. Luego comprobamos la respuesta con mucho cuidado.";
  double en = ShareOf(text, "en"), es = ShareOf(text, "es");
  EXPECT_NEAR(en + es, 1.0, 1e-9);
  EXPECT_NEAR(en, 15.0 / 30, 0.1);
  // Chinese reasoning with English sentences.
  std::string zh_en = "我们先算出总数。The total is fifteen apples in all. 然后除以三。";
  EXPECT_GT(ShareOf(zh_en, "zh"), 0.2);
  EXPECT_GT(ShareOf(zh_en, "en"), 0.3);
}

TEST(LanguageTest, CodeMathAndNumbersDoNotCount) {
  EXPECT_EQ(CountWords("The value is 42."), 3);
  EXPECT_EQ(CountWords("Compute $\\frac{a}{b} + x^2$ now"), 2);
  EXPECT_EQ(CountWords("Use \\(x + y\\) and \\[z\\] here"), 3);
  EXPECT_EQ(CountWords("Run `print(hello)` first"), 2);
  EXPECT_EQ(CountWords("Code:\n```python\nfor item in list:\n    print(item)\n```\nDone."), 2);
  EXPECT_EQ(CountWords("\\begin{align} x &= y \\end{align} ok"), 1);
  EXPECT_EQ(CountWords("3 + 4 = 7, 12 * 2 = 24."), 0);
  EXPECT_EQ(CountWords(""), 0);
  EXPECT_EQ(CountWords("今天天气很好"), 3);  // dictionary segmentation: 今天 天气 很好
}

// Prose hidden in math or code delimiters counts as what it is (a red-team
// finding: a German reasoning wrapped in $…$ scored 1 for English); math,
// labels and code stay blank.
TEST(LanguageTest, ProseInsideMathOrCodeCounts) {
  const std::string german = "Wir berechnen zuerst drei mal vier, das ergibt zwölf. Dann addieren wir zwei.";
  EXPECT_LT(ShareOf("$" + german + "$ Ok.", "en"), 0.2);
  EXPECT_LT(ShareOf("\\begin{align} " + german + " \\end{align} Ok.", "en"), 0.2);
  EXPECT_LT(ShareOf("`" + german + "` So the answer.", "en"), 0.3);
  EXPECT_LT(ShareOf("$\\text{" + german + "}$ Ok.", "en"), 0.2);
  EXPECT_GT(ShareOf("$我们先算出总数然后除以三$ ok", "zh"), 0.6);
  EXPECT_EQ(CountWords("$\\text{for all } x \\in \\mathbb{R}, \\sin x \\le 1$"), 0);
  EXPECT_EQ(CountWords("`for item in list:`"), 0);
}

// Variables written without math delimiters are not words of a language
// (red team: "已知 a + b = 10，ab = 21，所以 a = 3，b = 7。" counted as English).
TEST(LanguageTest, BareFormulasDoNotCount) {
  EXPECT_GT(ShareOf("已知 a + b = 10，ab = 21，所以 a = 3，b = 7。", "zh"), 0.9);
  EXPECT_GT(ShareOf("设 f(x) = x^2 + 3x，则 f'(x) = 2x + 3。所以 f'(5.5) = 14。", "zh"), 0.9);
  EXPECT_EQ(CountWords("Let n = 7. Then 2n = 14."), 2);
  // Not formulas: paths, words beside an operator, spaced words.
  EXPECT_EQ(CountWords("/proc/sys/kernel"), 3);
  EXPECT_EQ(CountWords("12 + 7 = 19. Il y a un chat."), 5);
}

TEST(LanguageTest, PrimaryLanguage) {
  EXPECT_EQ(PrimaryLanguage("pt-BR"), "pt");
  EXPECT_EQ(PrimaryLanguage("zh-Hant"), "zh");
  EXPECT_EQ(PrimaryLanguage("EN_us"), "en");
  EXPECT_EQ(PrimaryLanguage("iw"), "he");
  EXPECT_EQ(PrimaryLanguage("nb"), "no");
}

Verdict Score(const std::string& params, const std::string& completion, const std::string& target,
              const std::string& prompt = "") {
  auto v = BuildVerifier("language", params);
  EXPECT_TRUE(v.ok()) << v.status();
  reward::v1::Reference ref;
  ref.set_target_language(target);
  return ScoreOne(**v, completion, ref, prompt);
}

TEST(LanguageVerifierTest, SeedExample) {
  // The seed's r1 example: o1 and o2 reason in English, target en.
  EXPECT_EQ(Score("{}", "<think>2 + 3 = 5, 5 * 4 = 20</think>  <answer> 20</answer>", "en").score, 1);
  Verdict v = Score("{}", "<think>First multiply three by four, then add two.</think><answer>14</answer>", "en");
  EXPECT_EQ(v.score, 1);
  EXPECT_THAT(v.reason, HasSubstr("target en (reference): en 1.00"));
}

TEST(LanguageVerifierTest, TargetFromReferenceParameterOrPrompt) {
  const std::string es = "<think>Primero calculamos el total de manzanas y luego dividimos.</think><answer>3</answer>";
  EXPECT_GT(Score("{}", es, "es").score, 0.9);
  EXPECT_LT(Score("{}", es, "en").score, 0.1);
  EXPECT_GT(Score(R"({"target":"es"})", es, "").score, 0.9);
  Verdict from_prompt = Score("{}", es, "", "¿Cuántas manzanas quedan si dividimos el total entre tres amigos?");
  EXPECT_GT(from_prompt.score, 0.9);
  EXPECT_THAT(from_prompt.reason, HasSubstr("target es (prompt)"));
  Verdict none = Score("{}", es, "", "12 + 4");
  EXPECT_TRUE(none.error);
  EXPECT_EQ(none.status, "NO_TARGET");
}

TEST(LanguageVerifierTest, RegionsModesAndEmptyText) {
  const std::string mixed =
      "<think>Let us count the apples carefully one by one.</think><answer>Hay catorce manzanas en total.</answer>";
  EXPECT_GT(Score("{}", mixed, "en").score, 0.9);
  EXPECT_LT(Score(R"({"region":"answer"})", mixed, "en").score, 0.1);
  EXPECT_NEAR(Score(R"({"region":"all"})", mixed, "en").score, 9.0 / 14, 0.15);
  EXPECT_EQ(Score(R"({"mode":"binary","threshold":0.9})", mixed, "en").score, 1);
  EXPECT_EQ(Score(R"({"mode":"binary","threshold":0.9,"region":"all"})", mixed, "en").score, 0);
  Verdict empty = Score("{}", "<think>3 + 4 = 7</think><answer>7</answer>", "en");
  EXPECT_EQ(empty.score, 1);
  EXPECT_THAT(empty.reason, HasSubstr("no words to count"));
  // No <think>: the whole completion is the reasoning.
  EXPECT_LT(Score("{}", "Calculamos el total de manzanas.", "en").score, 0.1);
  // Reasoning moved out of <think> (giving up the format reward) still
  // counts: all but the answer is the reasoning (red team).
  const std::string outside =
      "<think>ok</think> Wir berechnen zuerst drei mal vier, das ergibt zwölf. Dann addieren wir zwei."
      "<answer>14</answer>";
  EXPECT_LT(Score("{}", outside, "en").score, 0.2);
  EXPECT_GT(Score("{}", outside, "de").score, 0.8);
}

TEST(LanguageVerifierTest, BadTargetParameter) {
  auto v = BuildVerifier("language", R"({"target":"english please"})");
  ASSERT_FALSE(v.ok());
  EXPECT_THAT(std::string(v.status().message()),
              HasSubstr("parameter 'target' must be a BCP-47 language tag the model identifies, or \"prompt\": "
                        "\"english please\" is not a BCP-47 language tag"));
  auto unknown = BuildVerifier("language", R"({"target":"tlh"})");
  ASSERT_FALSE(unknown.ok());
  EXPECT_THAT(std::string(unknown.status().message()), HasSubstr("\"tlh\" is not a language the model identifies"));
}

TEST(LanguageVerifierTest, TargetLanguageChecks) {
  auto v = BuildVerifier("language", "{}");
  ASSERT_TRUE(v.ok());
  struct Case {
    std::string target, prompt, error;  // error "" = accepted
  };
  const Case kCases[] = {
      {"pt-BR", "", ""},
      {"zh-Hant", "", ""},
      {"nb", "", ""},
      {"xx-INVALID", "", "targetLanguage: \"xx-INVALID\" is not a language the model identifies"},
      {"english", "", "targetLanguage: \"english\" is not a BCP-47 language tag"},
      {"en--US", "", "is not a BCP-47 language tag"},
      {"e\xffn", "", "\"e\xEF\xBF\xBDn\" is not a BCP-47 language tag"},
      {"tlh", "", "\"tlh\" is not a language the model identifies (supported: af am ar"},
      {"", "¿Cuántas manzanas quedan?", ""},
      {"", "12 + 4", "targetLanguage: empty, and no language identified in the prompt"},
  };
  for (const Case& c : kCases) {
    reward::v1::Reference ref;
    ref.set_target_language(c.target);
    absl::Status st = (*v)->CheckGroup(ref, c.prompt);
    if (c.error.empty()) {
      EXPECT_TRUE(st.ok()) << c.target << ": " << st;
    } else {
      EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << c.target;
      EXPECT_THAT(std::string(st.message()), HasSubstr(c.error)) << c.target;
    }
  }
  reward::v1::Reference none;
  EXPECT_THAT(std::string((*v)->CheckGroup(none, "").message()), HasSubstr("targetLanguage: missing"));
}

TEST(LanguageTest, SupportedLanguages) {
  const auto& langs = SupportedLanguages();
  EXPECT_EQ(langs.size(), 62u);
  const LanguageModel& model = LanguageModel::Get();
  EXPECT_EQ(model.Candidates(model.ScriptIndex(USCRIPT_LATIN)).size(), 31u);
  EXPECT_EQ(model.Candidates(model.ScriptIndex(USCRIPT_CYRILLIC)).size(), 4u);
  EXPECT_EQ(model.Candidates(model.ScriptIndex(USCRIPT_ARABIC)).size(), 3u);
  EXPECT_EQ(model.Candidates(model.ScriptIndex(USCRIPT_DEVANAGARI)).size(), 3u);
  for (const char* l : {"en", "es", "pt", "ca", "ru", "uk", "bg", "da", "no", "sv", "id", "hr", "zh", "ja", "ko",
                        "vi", "tr", "pl", "nl", "de", "fr", "it", "ar", "hi", "th", "el", "he"}) {
    EXPECT_TRUE(std::binary_search(langs.begin(), langs.end(), l)) << l;
  }
}

// Short sentences (5 words) decided on their own evidence, knowing the
// target: a neighbour's sentence is not the target's, the target's own is.
TEST(LanguageTest, ShortSentencesAndNeighbours) {
  struct Case {
    std::string text, target;
    double share;  // of the target
  };
  const Case kCases[] = {
      {"Calculamos el total de manzanas.", "es", 1},
      {"Calculamos el total de manzanas.", "en", 0},
      {"Calculamos el total de manzanas.", "pt", 0},
      {"Nós calculamos o total das maçãs.", "pt", 1},
      {"Nós calculamos o total das maçãs.", "es", 0},
      {"Després dividim les pomes entre els dos amics.", "ca", 1},
      {"Després dividim les pomes entre els dos amics.", "es", 0},
      {"Спочатку ми рахуємо всі яблука.", "uk", 1},
      {"Спочатку ми рахуємо всі яблука.", "ru", 0},
      {"Сначала мы считаем все яблоки.", "ru", 1},
      {"Сначала мы считаем все яблоки.", "uk", 0},
      {"Först räknar vi alla äpplen.", "sv", 1},
      {"Först räknar vi alla äpplen.", "da", 0},
      {"まず、りんごの数を数えます。", "ja", 1},
      {"首先我们计算苹果的总数。", "ja", 0},
      {"Önce tüm elmaları sayıyoruz şimdi.", "tr", 1},
      {"Đầu tiên chúng ta đếm táo.", "vi", 1},
  };
  for (const Case& c : kCases) {
    LanguageAnalysis a = AnalyzeLanguages(c.text, c.target);
    double share = 0;
    for (const auto& l : a.languages) {
      if (l.language == PrimaryLanguage(c.target)) share = static_cast<double>(l.words) / a.words;
    }
    EXPECT_NEAR(share, c.share, 1e-9) << c.text << " target " << c.target;
  }
}

TEST(LanguageTest, EnglishTermsInsideSentences) {
  // "machine learning" and "sanity check" are English words in French prose.
  LanguageAnalysis a = AnalyzeLanguages(
      "Nous utilisons le machine learning pour entraîner le modèle. Ensuite nous faisons une sanity check sur "
      "toutes les données.",
      "fr");
  int en = 0, fr = 0;
  for (const auto& l : a.languages) {
    if (l.language == "en") en = l.words;
    if (l.language == "fr") fr = l.words;
  }
  EXPECT_EQ(en, 4);
  EXPECT_EQ(fr, a.words - 4);
}

}  // namespace
}  // namespace rewards
