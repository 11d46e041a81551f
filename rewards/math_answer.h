// Final answers as values: normalisation of the many ways a number is
// written (LaTeX, thousands separators, units, currency, percentages, ...),
// a bounded evaluator for numeric expressions, and comparison.
//
//   ParsedAnswer a = ParseAnswer("\\frac{7}{2} cm");   // 7/2, exact
//   ParsedAnswer r = ParseAnswer("3.5");
//   CompareAnswers(a, r, MathTolerance()).equal;        // true
//
// Work is bounded: expressions nest at most kMaxDepth deep, literals have at
// most kMaxDigits digits, and values past what a double holds are "too
// large"; every input finishes in time linear in its length.
#ifndef REWARDS_MATH_ANSWER_H_
#define REWARDS_MATH_ANSWER_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace rewards {

// A real number: an exact rational when it is one and fits 128 bits,
// else a double.
struct Number {
  bool exact = true;
  __int128 num = 0;
  __int128 den = 1;  // > 0, coprime with num
  double approx = 0;
  bool percent = false;  // written with %; the value is the number before it
  int decimals = -1;     // a decimal literal's places as written ("0.3333": 4); -1 when computed

  static Number Integer(__int128 n);
  static Number Real(double d);
  std::string ToString() const;
};

struct ParsedAnswer {
  enum class Kind {
    kNumbers,   // one or more values (a tuple or set when several)
    kText,      // not numeric: compared as normalised text
    kSeveral,   // free text holding several different numbers ("14 or 20")
    kInvalid,   // empty, too large, too deep, division by zero, ...
    kExpression,  // values with free variables: `values` holds the value at each of
                  // kExpressionPoints fixed points, one after the other
  };
  Kind kind = Kind::kInvalid;
  std::vector<Number> values;
  bool is_set = false;        // written as \{...\}: order does not matter
  std::string brackets;       // "(]", "[)", ... around several values: intervals
  bool list = false;          // several values without brackets ("-2, -1, 1, 2"):
                              // as a reference, a list of solutions in any order
  int base = 10;              // one literal with a base subscript (7602_8): its base
  bool from_text = false;     // the one number found inside free text
  std::string text;           // normalised text (kText), or the problem (kInvalid)
  std::string normalized;     // the normalised input, whatever the kind
  std::string variables;      // kExpression: its variables (letters), sorted
  bool equation = false;      // kept whole as an equation (see ParseAnswer)
  // Several bracketed groups ("(1, 2), (2, 1)", "[-1, 0) \cup (0, 1]"): each
  // one's values (kNumbers); a collection of solutions or a union, in any order.
  std::vector<ParsedAnswer> parts;
};

// Points at which two expressions with free variables are compared.
constexpr int kExpressionPoints = 3;

constexpr int kMaxDepth = 100;
constexpr int kMaxDigits = 400;

// Parses a final answer. `allow_text` lets a single number be taken out of
// free text ("He makes 18 dollars") and reports several different numbers as
// kSeveral; without it such text is kText. `decimal_comma` lets "3,45" be
// 3.45; without it a comma between digits separates values (a reference of
// several values decides how an answer is read).
// `variables` lets an expression with free variables ("4a - 2", "x^2+10x+25")
// be kExpression: it is evaluated at kExpressionPoints fixed points.
// `keep_equations`: an equation ("a + 3z = 0", "7 = 11a+c": letters in an
// expression before "=", or a number before letters) stays whole
// (`equation` is set) instead of being read as a labelled value.
ParsedAnswer ParseAnswer(absl::string_view raw, bool allow_text = true, bool decimal_comma = true,
                         bool variables = false, bool keep_equations = false);

struct MathTolerance {
  double rel_tol = 1e-6;
  double abs_tol = 1e-9;
  bool percent_as_fraction = false;  // 50% also equals 0.5
  bool unordered = false;            // tuples compared as multisets
};

struct Comparison {
  bool equal = false;
  std::string how;  // "exact", "within tolerance", "as text", "size differs", ...
};

Comparison CompareAnswers(const ParsedAnswer& answer, const ParsedAnswer& reference,
                          const MathTolerance& tol);

// "14", "7/2", "(3, 5)", "\"monday\"": for reasons.
std::string DescribeAnswer(const ParsedAnswer& a);

// The text normalisation alone (exposed for tests).
std::string NormalizeAnswerText(absl::string_view raw);

}  // namespace rewards

#endif  // REWARDS_MATH_ANSWER_H_
