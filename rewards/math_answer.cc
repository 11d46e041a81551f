#include "rewards/math_answer.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "rewards/utf8.h"

namespace rewards {
namespace {

using int128 = __int128;

int128 Abs(int128 v) { return v < 0 ? -v : v; }

int128 Gcd(int128 a, int128 b) {
  a = Abs(a);
  b = Abs(b);
  while (b != 0) {
    int128 t = a % b;
    a = b;
    b = t;
  }
  return a;
}

std::string Int128ToString(int128 v) {
  if (v == 0) return "0";
  bool neg = v < 0;
  std::string s;
  // Work with negative values so the most negative one does not overflow.
  if (!neg) v = -v;
  while (v != 0) {
    s.push_back(static_cast<char>('0' - static_cast<int>(v % 10)));
    v /= 10;
  }
  if (neg) s.push_back('-');
  std::reverse(s.begin(), s.end());
  return s;
}

// An error while evaluating: the value is unusable and `why` says so.
struct EvalError {
  std::string why;
};

Number MakeRational(int128 num, int128 den) {
  Number n;
  if (den < 0) {
    num = -num;
    den = -den;
  }
  int128 g = Gcd(num, den);
  if (g > 1) {
    num /= g;
    den /= g;
  }
  n.num = num;
  n.den = den;
  n.approx = static_cast<double>(num) / static_cast<double>(den);
  return n;
}

bool Mul(int128 a, int128 b, int128* out) { return !__builtin_mul_overflow(a, b, out); }
bool Add(int128 a, int128 b, int128* out) { return !__builtin_add_overflow(a, b, out); }

}  // namespace

Number Number::Integer(int128 n) { return MakeRational(n, 1); }

Number Number::Real(double d) {
  Number n;
  n.exact = false;
  n.approx = d;
  return n;
}

std::string Number::ToString() const {
  std::string s;
  if (exact) {
    s = Int128ToString(num);
    if (den != 1) absl::StrAppend(&s, "/", Int128ToString(den));
  } else {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.10g", approx);
    s = buf;
  }
  if (percent) s += "%";
  return s;
}

namespace {

// ------------------------------------------------------------ arithmetic

std::optional<Number> CheckFinite(Number n, EvalError* err) {
  if (!std::isfinite(n.approx)) {
    err->why = std::isnan(n.approx) ? "undefined value" : "too large";
    return std::nullopt;
  }
  return n;
}

std::optional<Number> AddN(const Number& a, const Number& b, EvalError* err) {
  if (a.exact && b.exact) {
    int128 x, y, num, den;
    if (Mul(a.num, b.den, &x) && Mul(b.num, a.den, &y) && Add(x, y, &num) && Mul(a.den, b.den, &den)) {
      return MakeRational(num, den);
    }
  }
  return CheckFinite(Number::Real(a.approx + b.approx), err);
}

Number Neg(const Number& a) {
  Number n = a;
  n.num = -a.num;
  n.approx = -a.approx;
  return n;
}

std::optional<Number> MulN(const Number& a, const Number& b, EvalError* err) {
  if (a.exact && b.exact) {
    int128 g1 = Gcd(a.num, b.den), g2 = Gcd(b.num, a.den);
    if (g1 == 0) g1 = 1;
    if (g2 == 0) g2 = 1;
    int128 num, den;
    if (Mul(a.num / g1, b.num / g2, &num) && Mul(a.den / g2, b.den / g1, &den)) {
      return MakeRational(num, den);
    }
  }
  return CheckFinite(Number::Real(a.approx * b.approx), err);
}

std::optional<Number> DivN(const Number& a, const Number& b, EvalError* err) {
  if ((b.exact && b.num == 0) || (!b.exact && b.approx == 0)) {
    err->why = "division by zero";
    return std::nullopt;
  }
  if (b.exact) {
    Number inv = MakeRational(b.den, b.num);
    return MulN(a, inv, err);
  }
  return CheckFinite(Number::Real(a.approx / b.approx), err);
}

std::optional<Number> PowN(const Number& base, const Number& exp, EvalError* err) {
  if (exp.exact && exp.den == 1 && base.exact) {
    int128 e = exp.num;
    if (base.num == 0) {
      if (e < 0) {
        err->why = "division by zero";
        return std::nullopt;
      }
      return Number::Integer(e == 0 ? 1 : 0);
    }
    if (Abs(base.num) == 1 && base.den == 1) {
      return Number::Integer((base.num == -1 && (e % 2 != 0)) ? -1 : 1);
    }
    // |base| != 0, 1: past 2^127 the value cannot be exact anyway.
    if (Abs(e) <= 128) {
      int128 num = 1, den = 1;
      bool ok = true;
      for (int128 i = 0; i < Abs(e) && ok; ++i) ok = Mul(num, base.num, &num) && Mul(den, base.den, &den);
      if (ok) return e >= 0 ? MakeRational(num, den) : MakeRational(den, num);
    }
  }
  if (std::abs(exp.approx) > 1e6 && std::abs(base.approx) != 1 && base.approx != 0) {
    // Decide without computing: a huge exponent over/underflows.
    if ((std::abs(base.approx) > 1) == (exp.approx > 0)) {
      err->why = "too large";
      return std::nullopt;
    }
    return Number::Real(0);
  }
  return CheckFinite(Number::Real(std::pow(base.approx, exp.approx)), err);
}

// Exact square (or n-th) root of a rational when there is one.
std::optional<int128> ExactRoot(int128 v, int n) {
  if (v < 0) return std::nullopt;
  double guess = std::round(std::pow(static_cast<double>(v), 1.0 / n));
  for (double g = std::max(0.0, guess - 1); g <= guess + 1; g += 1) {
    if (g > 1e18) return std::nullopt;
    int128 r = static_cast<int128>(g), p = 1;
    bool ok = true;
    for (int i = 0; i < n && ok; ++i) ok = Mul(p, r, &p);
    if (ok && p == v) return r;
  }
  return std::nullopt;
}

std::optional<Number> RootN(const Number& x, const Number& degree, EvalError* err) {
  if (!(degree.exact && degree.den == 1 && degree.num >= 1 && degree.num <= 64)) {
    if (degree.approx == 0) {
      err->why = "zeroth root";
      return std::nullopt;
    }
    return CheckFinite(Number::Real(std::pow(x.approx, 1.0 / degree.approx)), err);
  }
  int n = static_cast<int>(degree.num);
  if (x.approx < 0 && n % 2 == 0) {
    err->why = "root of a negative number";
    return std::nullopt;
  }
  if (x.exact) {
    bool neg = x.num < 0;
    auto rn = ExactRoot(Abs(x.num), n), rd = ExactRoot(x.den, n);
    if (rn && rd) return MakeRational(neg ? -*rn : *rn, *rd);
  }
  double v = x.approx < 0 ? -std::pow(-x.approx, 1.0 / n) : std::pow(x.approx, 1.0 / n);
  return CheckFinite(Number::Real(v), err);
}

std::optional<Number> Factorial(const Number& x, EvalError* err) {
  if (!(x.exact && x.den == 1 && x.num >= 0)) {
    err->why = "factorial of a non-natural number";
    return std::nullopt;
  }
  if (x.num > 170) {
    err->why = "too large";
    return std::nullopt;
  }
  int n = static_cast<int>(x.num);
  int128 f = 1;
  for (int i = 2; i <= n; ++i) {
    if (!Mul(f, i, &f)) {
      double d = 1;
      for (int k = 2; k <= n; ++k) d *= k;
      return CheckFinite(Number::Real(d), err);
    }
  }
  return Number::Integer(f);
}

// ------------------------------------------------------------- tokenizer

enum class Tok {
  kNum, kPlus, kMinus, kStar, kSlash, kCaret, kLParen, kRParen, kLBrack, kRBrack,
  kLBrace, kRBrace, kSetOpen, kSetClose, kComma, kBang, kPercent, kCmd, kIdent, kEnd, kBad
};

struct Token {
  Tok type;
  std::string text;
  int base = 10;  // a number written with a base subscript: 7602_8, 0.0011_{2}
};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

std::vector<Token> Tokenize(absl::string_view s) {
  std::vector<Token> out;
  out.reserve(std::min<size_t>(s.size(), 64));
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      ++i;
      continue;
    }
    if (IsDigit(c) || (c == '.' && i + 1 < s.size() && IsDigit(s[i + 1]))) {
      size_t j = i;
      while (j < s.size() && IsDigit(s[j])) ++j;
      if (j < s.size() && s[j] == '.') {
        ++j;
        while (j < s.size() && IsDigit(s[j])) ++j;
      }
      // Scientific notation: 1.2e3, 1.2E-3 (a bare "e" after a number is Euler's).
      if (j + 1 < s.size() && (s[j] == 'e' || s[j] == 'E')) {
        size_t k = j + 1;
        if (k < s.size() && (s[k] == '+' || s[k] == '-')) ++k;
        if (k < s.size() && IsDigit(s[k])) {
          while (k < s.size() && IsDigit(s[k])) ++k;
          j = k;
        }
      }
      Token num{Tok::kNum, std::string(s.substr(i, j - i))};
      // A base subscript: 7602_8, 204_{5}, 0.0011_2 are one number in that base.
      if (j + 1 < s.size() && s[j] == '_') {
        size_t k = j + 1;
        bool braced = s[k] == '{';
        if (braced) ++k;
        size_t b = k;
        while (k < s.size() && IsDigit(s[k]) && k - b < 2) ++k;
        bool closed = !braced || (k < s.size() && s[k] == '}');
        if (k > b && closed && (k >= s.size() || !IsDigit(s[k]))) {
          int base = std::atoi(std::string(s.substr(b, k - b)).c_str());
          bool digits_fit = base >= 2 && base <= 10 && num.text.find_first_of("eE") == std::string::npos;
          for (char c : num.text) digits_fit = digits_fit && (c == '.' || c - '0' < base);
          if (digits_fit) {
            num.base = base;
            j = braced ? k + 1 : k;
          }
        }
      }
      out.push_back(std::move(num));
      i = j;
      continue;
    }
    if (c == '\\') {
      if (i + 1 < s.size() && (s[i + 1] == '{' || s[i + 1] == '}')) {
        out.push_back({s[i + 1] == '{' ? Tok::kSetOpen : Tok::kSetClose, ""});
        i += 2;
        continue;
      }
      size_t j = i + 1;
      while (j < s.size() && IsAlpha(s[j])) ++j;
      if (j == i + 1) {
        out.push_back({Tok::kBad, std::string(1, c)});
        ++i;
        continue;
      }
      out.push_back({Tok::kCmd, std::string(s.substr(i + 1, j - i - 1))});
      i = j;
      continue;
    }
    if (IsAlpha(c)) {
      size_t j = i;
      while (j < s.size() && IsAlpha(s[j])) ++j;
      out.push_back({Tok::kIdent, std::string(s.substr(i, j - i))});
      i = j;
      continue;
    }
    if (absl::StartsWith(s.substr(i), "π")) {
      out.push_back({Tok::kCmd, "pi"});
      i += std::string("π").size();
      continue;
    }
    Tok t = Tok::kBad;
    switch (c) {
      case '+': t = Tok::kPlus; break;
      case '-': t = Tok::kMinus; break;
      case '*': t = Tok::kStar; break;
      case '/': t = Tok::kSlash; break;
      case '^': t = Tok::kCaret; break;
      case '(': t = Tok::kLParen; break;
      case ')': t = Tok::kRParen; break;
      case '[': t = Tok::kLBrack; break;
      case ']': t = Tok::kRBrack; break;
      case '{': t = Tok::kLBrace; break;
      case '}': t = Tok::kRBrace; break;
      case ',': t = Tok::kComma; break;
      case '!': t = Tok::kBang; break;
      case '%': t = Tok::kPercent; break;
      default: break;
    }
    out.push_back({t, std::string(1, c)});
    ++i;
  }
  out.push_back({Tok::kEnd, ""});
  return out;
}

// ---------------------------------------------------------------- parser

// Recursive descent over the tokens; every failure is an EvalError (a
// problem with the value) or a syntax failure (not a numeric expression).
class Parser {
 public:
  explicit Parser(std::vector<Token> toks) : toks_(std::move(toks)) {}
  // Free variables take their values at `point` (0 <= point < kExpressionPoints).
  Parser(std::vector<Token> toks, int point, size_t max_name)
      : toks_(std::move(toks)), point_(point), max_name_(max_name) {}
  // The letters used as variables, sorted and unique.
  std::string variables() const {
    std::string v = vars_;
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    return v;
  }

  // Parses the whole input as a comma-separated list of expressions,
  // optionally wrapped in (), [] or \{\}.
  bool ParseList(std::vector<Number>* out, bool* is_set, EvalError* err) {
    Tok close = Tok::kEnd;
    bool wrapped = false;
    if (Peek() == Tok::kSetOpen) {
      *is_set = true;
      close = Tok::kSetClose;
    }
    // A list wrapped in brackets: only when the brackets close at the end and
    // a top-level comma exists, so "(2+3)*4" stays an expression.
    if ((Peek() == Tok::kLParen || Peek() == Tok::kLBrack || Peek() == Tok::kSetOpen) &&
        WrapsAllWithComma()) {
      wrapped = true;
      if (close == Tok::kEnd) close = Peek() == Tok::kLParen ? Tok::kRParen : Tok::kRBrack;
      if (!*is_set) brackets_ = Peek() == Tok::kLParen ? "(" : "[";
      ++pos_;
    } else if (*is_set) {
      wrapped = true;
      ++pos_;
    }
    for (;;) {
      std::optional<Number> v = Expr(err);
      if (!v) return false;
      if (Peek() == Tok::kPercent) {
        v->percent = true;
        ++pos_;
      }
      out->push_back(*v);
      if (Peek() == Tok::kComma) {
        ++pos_;
        continue;
      }
      break;
    }
    if (wrapped) {
      // (3, 5] and [3, 5) are intervals: any closing bracket, remembered.
      if (Peek() != close && Peek() != Tok::kRParen && Peek() != Tok::kRBrack) return Syntax(err);
      if (!*is_set) brackets_ += Peek() == Tok::kRParen ? ")" : "]";
      ++pos_;
    }
    if (Peek() != Tok::kEnd) return Syntax(err);
    return true;
  }

  bool syntax_error() const { return syntax_; }
  // The base of a lone (possibly signed) literal written with a base subscript, else 10.
  int SoleBase() const {
    size_t p = toks_.size() >= 1 && (toks_[0].type == Tok::kMinus || toks_[0].type == Tok::kPlus) ? 1 : 0;
    if (toks_.size() == p + 2 && toks_[p].type == Tok::kNum) return toks_[p].base;
    return 10;
  }
  // "(]", "[]", ...: the brackets around a list of values, if any.
  const std::string& brackets() const { return brackets_; }

 private:
  Tok Peek(size_t ahead = 0) const {
    size_t p = std::min(pos_ + ahead, toks_.size() - 1);
    return toks_[p].type;
  }

  bool Syntax(EvalError* err) {
    syntax_ = true;
    if (err->why.empty()) err->why = "not a numeric expression";
    return false;
  }
  std::optional<Number> SyntaxN(EvalError* err) {
    Syntax(err);
    return std::nullopt;
  }

  bool WrapsAllWithComma() const {
    int depth = 0;
    bool comma = false;
    for (size_t p = pos_; p < toks_.size(); ++p) {
      Tok t = toks_[p].type;
      if (t == Tok::kLParen || t == Tok::kLBrack || t == Tok::kLBrace || t == Tok::kSetOpen) ++depth;
      if (t == Tok::kRParen || t == Tok::kRBrack || t == Tok::kRBrace || t == Tok::kSetClose) {
        --depth;
        if (depth == 0) return comma && toks_[p + 1].type == Tok::kEnd;
      }
      if (t == Tok::kComma && depth == 1) comma = true;
    }
    return false;
  }

  struct DepthGuard {
    int* depth;
    explicit DepthGuard(int* d) : depth(d) { ++*depth; }
    ~DepthGuard() { --*depth; }
  };

  std::optional<Number> Expr(EvalError* err) {
    DepthGuard g(&depth_);
    if (depth_ > kMaxDepth) {
      err->why = "too deeply nested";
      return std::nullopt;
    }
    std::optional<Number> left = Term(err);
    while (left && (Peek() == Tok::kPlus || Peek() == Tok::kMinus)) {
      bool minus = Peek() == Tok::kMinus;
      ++pos_;
      std::optional<Number> right = Term(err);
      if (!right) return std::nullopt;
      left = AddN(*left, minus ? Neg(*right) : *right, err);
    }
    return left;
  }

  // Tokens that can start a factor multiplied implicitly: 2\sqrt{3}, 3\pi, 2(1+1).
  bool StartsImplicitFactor() const {
    Tok t = Peek();
    if (t == Tok::kLParen || t == Tok::kLBrack) return true;
    if (t == Tok::kCmd) {
      const std::string& c = toks_[pos_].text;
      return c == "sqrt" || c == "pi" || c == "frac" || IsFunction(c);
    }
    if (t == Tok::kIdent) return point_ >= 0 || toks_[pos_].text == "e" || toks_[pos_].text == "pi";
    return false;
  }

  std::optional<Number> Term(EvalError* err) {
    std::optional<Number> left = Unary(err);
    while (left) {
      Tok t = Peek();
      if (t == Tok::kStar || t == Tok::kSlash) {
        ++pos_;
        std::optional<Number> right = Unary(err);
        if (!right) return std::nullopt;
        left = t == Tok::kStar ? MulN(*left, *right, err) : DivN(*left, *right, err);
      } else if (StartsImplicitFactor()) {
        std::optional<Number> right = Power(err);
        if (!right) return std::nullopt;
        left = MulN(*left, *right, err);
      } else {
        break;
      }
    }
    return left;
  }

  std::optional<Number> Unary(EvalError* err) {
    if (Peek() == Tok::kMinus || Peek() == Tok::kPlus) {
      bool minus = Peek() == Tok::kMinus;
      ++pos_;
      DepthGuard g(&depth_);
      if (depth_ > kMaxDepth) {
        err->why = "too deeply nested";
        return std::nullopt;
      }
      std::optional<Number> v = Unary(err);
      if (!v) return std::nullopt;
      return minus ? Neg(*v) : *v;
    }
    return Power(err);
  }

  std::optional<Number> Power(EvalError* err) {
    std::optional<Number> base = Postfix(err);
    if (!base) return std::nullopt;
    if (Peek() == Tok::kCaret) {
      ++pos_;
      DepthGuard g(&depth_);
      if (depth_ > kMaxDepth) {
        err->why = "too deeply nested";
        return std::nullopt;
      }
      // Right-associative: 2^3^2 = 2^9. The exponent may be signed.
      std::optional<Number> exp = Unary(err);
      if (!exp) return std::nullopt;
      return PowN(*base, *exp, err);
    }
    return base;
  }

  std::optional<Number> Postfix(EvalError* err) {
    std::optional<Number> v = Primary(err);
    while (v && Peek() == Tok::kBang) {
      ++pos_;
      v = Factorial(*v, err);
    }
    return v;
  }

  // {expr} as a LaTeX argument; a single digit without braces (\frac12).
  std::optional<Number> Argument(EvalError* err) {
    if (Peek() == Tok::kLBrace) {
      ++pos_;
      std::optional<Number> v = Expr(err);
      if (!v) return std::nullopt;
      if (Peek() != Tok::kRBrace) return SyntaxN(err);
      ++pos_;
      return v;
    }
    if (Peek() == Tok::kNum) {
      // \frac12: the tokenizer read "12"; take its first digit, leave the rest.
      std::string& t = toks_[pos_].text;
      if (t.size() > 1 && IsDigit(t[0]) && IsDigit(t[1])) {
        Number n = Number::Integer(t[0] - '0');
        t.erase(0, 1);
        return n;
      }
      return Literal(err);
    }
    if (Peek() == Tok::kCmd || Peek() == Tok::kIdent) return Primary(err);
    return SyntaxN(err);
  }

  std::optional<Number> Literal(EvalError* err) {
    const std::string text = toks_[pos_].text;
    const int base = toks_[pos_].base;
    ++pos_;
    if (base != 10) {
      // Digits in base 2..9 (checked by the tokenizer): an exact rational.
      int128 num = 0, den = 1;
      bool after_dot = false, ok = true;
      for (char c : text) {
        if (c == '.') {
          after_dot = true;
          continue;
        }
        ok = ok && Mul(num, base, &num) && Add(num, c - '0', &num);
        if (after_dot) ok = ok && Mul(den, base, &den);
      }
      if (!ok) {
        err->why = "too large";
        return std::nullopt;
      }
      return MakeRational(num, den);
    }
    size_t digits = 0;
    for (char c : text) digits += IsDigit(c);
    if (digits > static_cast<size_t>(kMaxDigits)) {
      err->why = "too large";
      return std::nullopt;
    }
    // Exact: mantissa digits, decimal places, and a small exponent.
    size_t epos = text.find_first_of("eE");
    std::string mant = text.substr(0, epos);
    long exp10 = 0;
    if (epos != std::string::npos) exp10 = std::strtol(text.c_str() + epos + 1, nullptr, 10);
    int128 num = 0;
    bool ok = true;
    int decimals = 0;
    bool after_dot = false;
    for (char c : mant) {
      if (c == '.') {
        after_dot = true;
        continue;
      }
      ok = ok && Mul(num, 10, &num) && Add(num, c - '0', &num);
      if (after_dot) ++decimals;
    }
    exp10 -= decimals;
    if (ok && exp10 >= -36 && exp10 <= 36) {
      int128 scale = 1;
      for (long i = 0; i < std::abs(exp10) && ok; ++i) ok = Mul(scale, 10, &scale);
      if (ok) {
        if (exp10 >= 0) {
          int128 v;
          if (Mul(num, scale, &v)) return Number::Integer(v);
        } else {
          Number n = MakeRational(num, scale);
          if (epos == std::string::npos) n.decimals = decimals;
          return n;
        }
      }
    }
    return CheckFinite(Number::Real(std::strtod(text.c_str(), nullptr)), err);
  }

  std::optional<Number> Group(Tok close, EvalError* err) {
    ++pos_;
    std::optional<Number> v = Expr(err);
    if (!v) return std::nullopt;
    if (Peek() != close) return SyntaxN(err);
    ++pos_;
    return v;
  }

  std::optional<Number> Primary(EvalError* err) {
    DepthGuard g(&depth_);
    if (depth_ > kMaxDepth) {
      err->why = "too deeply nested";
      return std::nullopt;
    }
    switch (Peek()) {
      case Tok::kNum:
        return Literal(err);
      case Tok::kLParen:
        return Group(Tok::kRParen, err);
      case Tok::kLBrack:
        return Group(Tok::kRBrack, err);
      case Tok::kLBrace:
        return Group(Tok::kRBrace, err);
      case Tok::kIdent: {
        const std::string name = toks_[pos_].text;
        ++pos_;
        if (name == "e") return Number::Real(M_E);
        if (name == "pi") return Number::Real(M_PI);
        // A free variable, or a product of them ("RC"): short names only.
        if (point_ < 0 || name.size() > max_name_) return SyntaxN(err);
        Number v = Number::Integer(1);
        for (char c : name) {
          vars_.push_back(c);
          std::optional<Number> m = MulN(v, VariableValue(c, point_), err);
          if (!m) return std::nullopt;
          v = *m;
        }
        return v;
      }
      case Tok::kCmd: {
        const std::string name = toks_[pos_].text;
        ++pos_;
        if (name == "pi") return Number::Real(M_PI);
        // An interval's end; any arithmetic on it is "too large".
        if (name == "infty") return Number::Real(HUGE_VAL);
        if (IsFunction(name)) return Function(name, err);
        if (name == "frac") {
          std::optional<Number> a = Argument(err);
          if (!a) return std::nullopt;
          std::optional<Number> b = Argument(err);
          if (!b) return std::nullopt;
          return DivN(*a, *b, err);
        }
        if (name == "sqrt") {
          Number degree = Number::Integer(2);
          if (Peek() == Tok::kLBrack) {
            std::optional<Number> d = Group(Tok::kRBrack, err);
            if (!d) return std::nullopt;
            degree = *d;
          }
          std::optional<Number> x = Argument(err);
          if (!x) return std::nullopt;
          return RootN(*x, degree, err);
        }
        if (name == "binom" || name == "dbinom" || name == "tbinom") {
          std::optional<Number> n = Argument(err);
          if (!n) return std::nullopt;
          std::optional<Number> k = Argument(err);
          if (!k) return std::nullopt;
          return Binomial(*n, *k, err);
        }
        return SyntaxN(err);
      }
      default:
        return SyntaxN(err);
    }
  }

  // \binom{n}{k} of natural numbers, exactly (k steps, each exact).
  static std::optional<Number> Binomial(const Number& n, const Number& k, EvalError* err) {
    if (!n.exact || !k.exact || n.den != 1 || k.den != 1 || n.num < 0 || k.num < 0) {
      err->why = "binomial of a non-natural number";
      return std::nullopt;
    }
    if (k.num > n.num) return Number::Integer(0);
    int128 steps = std::min(k.num, n.num - k.num);
    if (steps > 1000) {
      err->why = "too large";
      return std::nullopt;
    }
    int128 c = 1;
    for (int128 i = 1; i <= steps; ++i) {
      // c * (n - steps + i) / i stays an integer at every step.
      int128 t;
      if (!Mul(c, n.num - steps + i, &t)) {
        err->why = "too large";
        return std::nullopt;
      }
      c = t / i;
    }
    return Number::Integer(c);
  }

  static bool IsFunction(const std::string& c) {
    return c == "ln" || c == "log" || c == "sin" || c == "cos" || c == "tan" || c == "exp";
  }

  // Fixed values for a variable at each point: distinct rationals in (1, 4)
  // that depend on the letter, so that different polynomials rarely agree.
  static Number VariableValue(char c, int point) {
    // n, m, k name natural numbers by convention ((-1)^n, \binom{n}{k}):
    // distinct naturals, n and m above k.
    if (c == 'n') return Number::Integer(7 + 3 * point);
    if (c == 'm') return Number::Integer(8 + 4 * point);
    if (c == 'k') return Number::Integer(3 + point);
    static const int kPrimes[] = {11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59};
    int k = (static_cast<unsigned char>(c) * 7 + point * 5) % 13;
    int den = kPrimes[k];
    int num = den + 1 + (static_cast<unsigned char>(c) * 31 + point * 17) % (2 * den);
    return MakeRational(num, den);
  }

  // \ln x, \log x, \log_{b} x, \sin x, ...: the argument is a group or a power.
  std::optional<Number> Function(const std::string& name, EvalError* err) {
    std::optional<Number> base;
    if (name == "log" && Peek() == Tok::kBad && toks_[pos_].text == "_") {
      ++pos_;
      base = Argument(err);
      if (!base) return std::nullopt;
    }
    DepthGuard g(&depth_);
    if (depth_ > kMaxDepth) {
      err->why = "too deeply nested";
      return std::nullopt;
    }
    std::optional<Number> x = Power(err);
    if (!x) return std::nullopt;
    double v = x->approx, r = 0;
    if ((name == "ln" || name == "log") && v <= 0) {
      err->why = "undefined value";
      return std::nullopt;
    }
    if (name == "ln") r = std::log(v);
    if (name == "log") {
      r = std::log(v);
      if (base) {
        if (base->approx <= 0 || base->approx == 1) {
          err->why = "undefined value";
          return std::nullopt;
        }
        r /= std::log(base->approx);
      }
    }
    if (name == "sin") r = std::sin(v);
    if (name == "cos") r = std::cos(v);
    if (name == "tan") r = std::tan(v);
    if (name == "exp") r = std::exp(v);
    return CheckFinite(Number::Real(r), err);
  }

  std::vector<Token> toks_;
  int point_ = -1;  // no free variables
  size_t max_name_ = 0;
  std::string vars_;
  size_t pos_ = 0;
  int depth_ = 0;
  bool syntax_ = false;
  std::string brackets_;
};

// ---------------------------------------------------------- normalisation

void ReplaceAll(std::string* s, absl::string_view from, absl::string_view to) {
  if (s->find(from.data(), 0, from.size()) == std::string::npos) return;
  *s = absl::StrReplaceAll(*s, {{from, to}});
}

// Replaces \cmd{X} by X for the text-like commands, keeping X, in one pass
// (a stack of open braces remembers which ones to drop), so that deeply
// nested wrappers cost linear time.
std::string UnwrapCommands(const std::string& s) {
  if (s.find('\\') == std::string::npos) return s;
  static const absl::string_view kCommands[] = {"text", "textbf", "textit", "textrm", "textnormal", "mathrm", "mathbf",
                                                "mathit", "mbox", "operatorname", "boxed", "fbox"};
  std::string out;
  out.reserve(s.size());
  std::vector<bool> drop;  // per open brace: is it a wrapper's?
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\\') {
      size_t j = i + 1;
      while (j < s.size() && IsAlpha(s[j])) ++j;
      absl::string_view name(s.data() + i + 1, j - i - 1);
      bool wrapper = j < s.size() && s[j] == '{' &&
                     std::find(std::begin(kCommands), std::end(kCommands), name) != std::end(kCommands);
      if (wrapper) {
        drop.push_back(true);
        i = j;  // skip the command and its brace
        continue;
      }
      if (j == i + 1 && j < s.size()) {  // an escaped character: \{ \} \% ...
        out.append(s, i, 2);
        ++i;
        continue;
      }
      out.append(s, i, j - i);
      i = j - 1;
      continue;
    }
    if (c == '{') {
      drop.push_back(false);
    } else if (c == '}' && !drop.empty()) {
      bool d = drop.back();
      drop.pop_back();
      if (d) continue;
    }
    out.push_back(c);
  }
  return out;
}

// Words that join values (a hedge or a range), never a unit.
bool IsJoiningWord(absl::string_view w) {
  static const absl::string_view kWords[] = {"or", "and", "maybe", "not", "either", "possibly", "perhaps",
                                             "to", "plus", "minus", "times", "than", "between", "nor"};
  for (absl::string_view k : kWords) {
    if (absl::EqualsIgnoreCase(w, k)) return true;
  }
  return false;
}

// "12\text{ square units}", "65 \text{ children tickets }": a trailing
// \text{...} (or \mbox, \textnormal, \mathrm) of words after a value is a
// unit, dropped whole (with a ^2 after it). Words that join values ("or",
// "and", ...) are never a unit; each pass is linear and removes a group.
void StripTrailingTextUnits(std::string* s) {
  for (int pass = 0; pass < 4; ++pass) {
    std::string t(absl::StripTrailingAsciiWhitespace(*s));
    size_t n = t.size();
    if (n >= 2 && t[n - 2] == '^' && IsDigit(t[n - 1])) n -= 2;
    if (n == 0 || t[n - 1] != '}') return;
    size_t open = t.rfind('{', n - 1);
    if (open == std::string::npos) return;
    absl::string_view words(t.data() + open + 1, n - 1 - open - 1);
    bool ok = !words.empty();
    bool letters = false;
    for (char c : words) {
      ok = ok && (IsAlpha(c) || c == ' ' || c == '.' || c == '\'');
      letters = letters || IsAlpha(c);
    }
    if (!ok || !letters) return;
    for (absl::string_view w : absl::StrSplit(words, ' ', absl::SkipEmpty())) {
      if (IsJoiningWord(w)) return;
    }
    size_t cmd = open;
    while (cmd > 0 && IsAlpha(t[cmd - 1])) --cmd;
    if (cmd == 0 || t[cmd - 1] != '\\') return;
    absl::string_view name(t.data() + cmd, open - cmd);
    if (name != "text" && name != "mbox" && name != "textnormal" && name != "mathrm" && name != "textrm") return;
    std::string head(absl::StripTrailingAsciiWhitespace(absl::string_view(t.data(), cmd - 1)));
    if (head.empty()) return;
    char last = head.back();
    if (!(IsDigit(last) || last == '}' || last == ')' || last == '%' || IsAlpha(last))) return;
    // A value must stand before it: some digit or \pi in the head.
    if (head.find_first_of("0123456789") == std::string::npos) return;
    *s = head;
  }
}

// "{1, 3}": braces around the whole answer only group (LaTeX prints "1, 3").
bool StripGroupingBraces(std::string* s) {
  if (s->size() < 2 || s->front() != '{' || s->back() != '}') return false;
  int depth = 0;
  for (size_t i = 0; i + 1 < s->size(); ++i) {
    char c = (*s)[i];
    if (c == '\\') {
      ++i;
      continue;
    }
    depth += c == '{' ? 1 : c == '}' ? -1 : 0;
    if (depth == 0) return false;  // the first brace closes before the end
  }
  *s = s->substr(1, s->size() - 2);
  return true;
}

bool StripAffix(std::string* s, absl::string_view pre, absl::string_view post) {
  if (s->size() >= pre.size() + post.size() && absl::StartsWith(*s, pre) && absl::EndsWith(*s, post)) {
    *s = s->substr(pre.size(), s->size() - pre.size() - post.size());
    return true;
  }
  return false;
}

// Removes separators inside digit groups: 1,234,567  1 234  1\,234 (already
// turned into "1\x01234" by the caller) -> 1234567. A group separator is
// taken as such only before exactly three digits.
// `lists`: commas separate values unless the whole text is one number
// ("1,234", "$6,600"), so "27,54,108,135" and "(3,331)" keep their values.
std::string JoinThousands(const std::string& s, bool lists = false) {
  if (s.find_first_of(", \x01") == std::string::npos) return s;
  std::string out;
  out.reserve(s.size());
  size_t commas = 0;
  bool brackets = false;
  for (char c : s) {
    commas += c == ',';
    brackets = brackets || c == '(' || c == '[' || c == '{';
  }
  size_t i = 0;
  while (i < s.size()) {
    if (!IsDigit(s[i]) || (i > 0 && (IsDigit(s[i - 1]) || s[i - 1] == '.'))) {
      out.push_back(s[i++]);
      continue;
    }
    // A run of digits starting a number.
    size_t j = i;
    while (j < s.size() && IsDigit(s[j])) ++j;
    size_t lead = j - i;
    std::string num = s.substr(i, lead);
    size_t k = j;
    if (lead <= 3 && !(lead == 1 && s[i] == '0')) {  // "0,111" is not a thousands form
      char sep = 0;
      size_t groups = 0;
      for (;;) {
        if (k + 4 > s.size()) break;
        char c = s[k];
        bool is_sep = c == ',' || c == ' ' || c == '\x01';
        if (!is_sep || (sep != 0 && c != sep)) break;
        if (!(IsDigit(s[k + 1]) && IsDigit(s[k + 2]) && IsDigit(s[k + 3]))) break;
        if (k + 4 < s.size() && IsDigit(s[k + 4])) break;
        sep = c;
        num += s.substr(k + 1, 3);
        k += 4;
        ++groups;
      }
      if (lists && sep == ',' && (brackets || groups != commas)) {
        num = s.substr(i, lead);  // a list, not thousands
        k = j;
      }
      // A space-separated pair such as "3 500" is only joined when it cannot
      // be a mixed number or list: accept it (a lone "1 234" is a thousands form).
    }
    out += num;
    i = k;
  }
  return out;
}

// A comma between digits is a decimal mark ("3,45", "0,222", as written in
// much of Europe) when it is the only comma outside brackets, has no space
// after it, and cannot be a thousands separator (not exactly three digits
// after it, or a lone 0 before it). Otherwise commas separate values or groups.
std::string DecimalComma(const std::string& s) {
  if (s.find(',') == std::string::npos) return s;
  size_t at = std::string::npos;
  int depth = 0, commas = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '(' || c == '[' || c == '{') ++depth;
    if (c == ')' || c == ']' || c == '}') --depth;
    if (c == ',' && depth == 0) {
      ++commas;
      at = i;
    }
  }
  if (commas != 1 || at == 0 || at + 1 >= s.size() || !IsDigit(s[at - 1]) || !IsDigit(s[at + 1])) return s;
  size_t lead = at;
  while (lead > 0 && IsDigit(s[lead - 1])) --lead;
  size_t tail = at + 1;
  while (tail < s.size() && IsDigit(s[tail])) ++tail;
  bool lone_zero = at - lead == 1 && s[lead] == '0';
  if (tail - at - 1 == 3 && !lone_zero) return s;  // 1,234: thousands
  if (tail < s.size() && s[tail] == '.') return s;  // 12,34.5 is not a decimal comma
  std::string out = s;
  out[at] = '.';
  return out;
}

const absl::string_view kUnitWords[] = {
    "dollars", "dollar", "usd", "euros", "euro", "cents", "cent", "units", "unit", "degrees", "degree",
};

}  // namespace

namespace {

// A relation of one variable as an interval: "x < 3" -> "(-\infty,3)",
// "k \geqslant 2" -> "[2,\infty)", "5 \geq x" -> "(-\infty,5]",
// "-2 \le x \le 7" -> "[-2,7]". Anything else is returned unchanged. Linear.
std::string RelationToInterval(const std::string& s) {
  struct Op {
    size_t at, len;
    bool less, strict;
  };
  static const struct {
    absl::string_view text;
    bool less, strict;
  } kOps[] = {{"\\leqslant", true, false}, {"\\geqslant", false, false}, {"\\leq", true, false},
              {"\\geq", false, false}, {"\\le", true, false}, {"\\ge", false, false}, {"\\lt", true, true},
              {"\\gt", false, true}, {"<=", true, false}, {">=", false, false}, {"<", true, true},
              {">", false, true}};
  std::vector<Op> ops;
  for (size_t i = 0; i < s.size() && ops.size() <= 2; ++i) {
    if (s[i] != '\\' && s[i] != '<' && s[i] != '>') continue;
    for (const auto& o : kOps) {
      if (s.compare(i, o.text.size(), o.text.data(), o.text.size()) != 0) continue;
      size_t end = i + o.text.size();
      if (o.text[0] == '\\' && end < s.size() && IsAlpha(s[end])) continue;  // \left, \lessdot, ...
      ops.push_back({i, o.text.size(), o.less, o.strict});
      i = end - 1;
      break;
    }
  }
  if (ops.empty() || ops.size() > 2) return s;
  auto piece = [&](size_t from, size_t to) { return std::string(absl::StripAsciiWhitespace(s.substr(from, to - from))); };
  // A variable: "x", "a_n", "a_{n}", or a function's value "f(x)".
  auto is_var = [](const std::string& t) {
    if (t.empty() || !IsAlpha(t[0])) return false;
    if (t.size() == 1) return true;
    if (t[1] == '_') return t.size() <= 8 && t.find_first_of("+-*/^=<> ") == std::string::npos;
    return t.size() >= 4 && t.size() <= 8 && t[1] == '(' && t.back() == ')' &&
           t.find_first_of("+-*/^=<> ", 2) == std::string::npos;
  };
  auto ray = [](bool less, bool strict, const std::string& v) {
    return less ? absl::StrCat("(-\\infty,", v, strict ? ")" : "]")
                : absl::StrCat(strict ? "(" : "[", v, ",\\infty)");
  };
  if (ops.size() == 1) {
    std::string lhs = piece(0, ops[0].at), rhs = piece(ops[0].at + ops[0].len, s.size());
    if (lhs.empty() || rhs.empty()) return s;
    if (is_var(lhs) && !is_var(rhs)) return ray(ops[0].less, ops[0].strict, rhs);
    if (is_var(rhs) && !is_var(lhs)) return ray(!ops[0].less, ops[0].strict, lhs);
    // "-x > -1": the variable negated; the relation turns over.
    if (lhs.size() >= 2 && lhs[0] == '-' && is_var(lhs.substr(1)) && !is_var(rhs)) {
      return ray(!ops[0].less, ops[0].strict, absl::StrCat("-(", rhs, ")"));
    }
    return s;
  }
  std::string a = piece(0, ops[0].at), x = piece(ops[0].at + ops[0].len, ops[1].at),
              b = piece(ops[1].at + ops[1].len, s.size());
  if (a.empty() || b.empty() || !is_var(x) || ops[0].less != ops[1].less) return s;
  if (!ops[0].less) {
    std::swap(a, b);
    std::swap(ops[0], ops[1]);
  }
  return absl::StrCat(ops[0].strict ? "(" : "[", a, ",", b, ops[1].strict ? ")" : "]");
}

// What stands after the last "=", or, when every top-level comma-separated
// element has a "=" ("k = 45, n = 2", "a=2, a=-6-4\sqrt{2}"), each
// element's value: "45, 2". One linear pass.
std::string DropLabels(const std::string& s, bool peel = true);

// "(f(n) = n, g(n) = 1)": labelled values in one pair of parentheses.
std::string PeelLabelled(const std::string& s) {
  std::string t(absl::StripAsciiWhitespace(s));
  if (t.size() < 2 || t.front() != '(' || t.back() != ')') return "";
  int depth = 0;
  for (size_t i = 0; i + 1 < t.size(); ++i) {
    depth += t[i] == '(' ? 1 : t[i] == ')' ? -1 : 0;
    if (depth == 0) return "";  // the first parenthesis closes before the end
  }
  std::string inner = t.substr(1, t.size() - 2);
  std::string values = DropLabels(inner, /*peel=*/false);
  // Only when every element was labelled (a list came out, not a last value).
  size_t eqs = std::count(inner.begin(), inner.end(), '=');
  if (eqs < 2 || values.find(',') == std::string::npos) return "";
  return values;
}

std::string DropLabels(const std::string& s, bool peel) {
  if (s.find('=') == std::string::npos) return s;
  if (peel) {
    std::string peeled = PeelLabelled(s);
    if (!peeled.empty()) return peeled;
  }
  std::vector<std::pair<size_t, size_t>> elements;  // [start, end)
  std::vector<size_t> last_eq;
  int depth = 0;
  size_t start = 0, eq = std::string::npos;
  for (size_t i = 0; i <= s.size(); ++i) {
    char c = i < s.size() ? s[i] : ',';
    if (c == '(' || c == '[' || c == '{') ++depth;
    if (c == ')' || c == ']' || c == '}') --depth;
    if (c == '=' && depth == 0) eq = i;
    // " and " / " or " between labelled values also separate them.
    size_t word = 0;
    if (depth == 0 && c == ' ') {
      if (s.compare(i, 5, " and ") == 0) word = 5;
      if (s.compare(i, 4, " or ") == 0) word = 4;
    }
    if ((c == ',' || word > 0) && depth == 0) {
      elements.emplace_back(start, i);
      last_eq.push_back(eq);
      start = i + (word > 0 ? word : 1);
      if (word > 0) i += word - 1;
      eq = std::string::npos;
    }
  }
  bool all = elements.size() >= 2;
  for (size_t e : last_eq) all = all && e != std::string::npos;
  if (all) {
    std::vector<std::string> values;
    for (size_t k = 0; k < elements.size(); ++k) {
      values.push_back(s.substr(last_eq[k] + 1, elements[k].second - last_eq[k] - 1));
    }
    return absl::StrJoin(values, ",");
  }
  size_t at = s.rfind('=');
  return at == std::string::npos ? s : s.substr(at + 1);
}

// "a + 3z = 0", "7 = 11a+c": an equation, not a labelled value ("x = 14",
// "f(x) = x^2", "2 + 12 = 14"): a side before the last "=" is an expression
// in letters, or a number stands before letters. A reference that is an
// equation is compared whole.
bool IsEquation(const std::string& s) {
  size_t eq = s.rfind('=');
  if (eq == std::string::npos || s.find('=') != eq || s.find(',') != std::string::npos) return false;
  absl::string_view lhs = absl::StripAsciiWhitespace(absl::string_view(s).substr(0, eq));
  absl::string_view rhs = absl::StripAsciiWhitespace(absl::string_view(s).substr(eq + 1));
  auto letters = [](absl::string_view t) {  // a variable's letter, not a command's name
    for (size_t i = 0; i < t.size(); ++i) {
      if (t[i] == '\\') {
        while (i + 1 < t.size() && IsAlpha(t[i + 1])) ++i;
      } else if (IsAlpha(t[i])) {
        return true;
      }
    }
    return false;
  };
  auto digits_only = [](absl::string_view t) {
    return !t.empty() && std::all_of(t.begin(), t.end(), [](char c) { return IsDigit(c) || c == '.' || c == '-'; });
  };
  if (lhs.empty() || rhs.empty()) return false;
  if (digits_only(lhs) && letters(rhs)) return true;
  if (!letters(lhs)) return false;
  int depth = 0;
  for (size_t i = 1; i < lhs.size(); ++i) {  // an operator at the top level of the left side
    char c = lhs[i];
    depth += (c == '(' || c == '{' || c == '[') ? 1 : (c == ')' || c == '}' || c == ']') ? -1 : 0;
    if (depth == 0 && (c == '+' || c == '-' || c == '^')) return true;
  }
  return false;
}

// Semicolons: inside brackets they separate coordinates ("(0;-2;6)"); at the
// top level between labelled values they separate solutions
// ("p=5,q=2;p=7,q=2" -> "(5,2),(7,2)"). Linear.
std::string Semicolons(const std::string& s) {
  std::string t = s;
  int depth = 0;
  std::vector<size_t> top;
  for (size_t i = 0; i < t.size(); ++i) {
    char c = t[i];
    depth += (c == '(' || c == '[' || c == '{') ? 1 : (c == ')' || c == ']' || c == '}') ? -1 : 0;
    if (c == ';') {
      if (depth > 0) t[i] = ',';
      else top.push_back(i);
    }
  }
  if (top.empty()) return t;
  std::vector<std::string> groups;
  size_t start = 0;
  top.push_back(t.size());
  for (size_t end : top) {
    std::string piece(absl::StripAsciiWhitespace(absl::string_view(t).substr(start, end - start)));
    if (piece.find('=') == std::string::npos || piece.find(',') == std::string::npos) return t;
    groups.push_back(absl::StrCat("(", DropLabels(piece), ")"));
    start = end + 1;
  }
  return absl::StrJoin(groups, ", ");
}

// A whole-answer matrix "\begin{pmatrix} a & b \\ c & d \end{pmatrix}"
// (also bmatrix, matrix) becomes the tuple "(a, b, c, d)" of its cells in row
// order, with its shape ("2x2 matrix") in *shape. Rows must be equally long.
bool MatrixToTuple(std::string* s, std::string* shape) {
  if (!absl::StartsWith(*s, "\\begin{")) return false;
  for (absl::string_view env : {"pmatrix", "bmatrix", "matrix"}) {
    std::string begin = absl::StrCat("\\begin{", env, "}"), end = absl::StrCat("\\end{", env, "}");
    if (!absl::StartsWith(*s, begin) || !absl::EndsWith(*s, end) || s->size() < begin.size() + end.size()) continue;
    std::string inner = s->substr(begin.size(), s->size() - begin.size() - end.size());
    std::vector<std::string> cells;
    size_t rows = 0, cols = 0;
    for (absl::string_view row : absl::StrSplit(inner, "\\\\")) {
      if (absl::StripAsciiWhitespace(row).empty()) continue;  // a trailing \\ before \end
      size_t n = 0;
      for (absl::string_view cell : absl::StrSplit(row, '&')) {
        cell = absl::StripAsciiWhitespace(cell);
        if (cell.empty()) return false;
        cells.emplace_back(cell);
        ++n;
      }
      if (rows > 0 && n != cols) return false;
      cols = n;
      ++rows;
    }
    if (cells.empty()) return false;
    *s = absl::StrCat("(", absl::StrJoin(cells, ", "), ")");
    if (cells.size() == 1) *s = cells[0];
    *shape = absl::StrCat(rows, "x", cols, " matrix");
    return true;
  }
  return false;
}

std::string Normalize(absl::string_view raw, bool decimal_comma, std::string* shape = nullptr,
                      bool keep_equations = false) {
  std::string s(absl::StripAsciiWhitespace(raw));
  // Math delimiters.
  int grouping = 0;  // outer "{…}" stripped at most twice: deeper nesting stays (and is refused)
  for (;;) {
    // Sentence punctuation after a math span: "\(k < -5\).", "$x = 2$,".
    size_t n = s.size();
    // Also after a closing brace or bracket ("\\end{pmatrix}.").
    if (n >= 2 && (s[n - 1] == '.' || s[n - 1] == ',' || s[n - 1] == ';') && !IsDigit(s[n - 2]) &&
        s[n - 2] != '\\') {  // "\\," is a space
      s.pop_back();
      absl::StripTrailingAsciiWhitespace(&s);
    }
    if (!(StripAffix(&s, "$$", "$$") || StripAffix(&s, "$", "$") || StripAffix(&s, "\\(", "\\)") ||
          StripAffix(&s, "\\[", "\\]") || (grouping++ < 2 && StripGroupingBraces(&s)))) {
      break;
    }
    absl::StripAsciiWhitespace(&s);
  }
  std::string matrix;
  if (MatrixToTuple(&s, &matrix) && shape != nullptr) *shape = matrix;
  // "\\le", "\\frac": a command escaped twice (a line break before a letter
  // means nothing in an answer).
  if (s.find("\\\\") != std::string::npos) {
    std::string t;
    t.reserve(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '\\' && i + 2 < s.size() && s[i + 1] == '\\' && IsAlpha(s[i + 2])) continue;
      t.push_back(s[i]);
    }
    s = std::move(t);
  }
  // LaTeX spellings.
  ReplaceAll(&s, "{,}", ",");
  ReplaceAll(&s, "\\,", "\x01");  // thin space: a thousands separator between digits
  static const std::pair<absl::string_view, absl::string_view> kReplace[] = {
      {",\\! ", ","}, {",\\!", ","} /* "11,\\! 111": a grouping comma */, {"\\dfrac", "\\frac"}, {"\\tfrac", "\\frac"}, {"\\cfrac", "\\frac"}, {"\\approx", "="},
      {"\xE2\x89\x88", "="} /* ≈ */, {"\\left", ""}, {"\\right", ""},
      {"\\displaystyle", ""}, {"\xE2\x88\x92", "-"} /* U+2212 minus */,
      // Other dashes written as a minus sign (red team: "–2" read as 2, "－2"
      // likewise): en dash, em dash, hyphen, non-breaking hyphen, full-width
      // and small hyphen-minus; and full-width digits.
      {"\xE2\x80\x93", "-"}, {"\xE2\x80\x94", "-"}, {"\xE2\x80\x90", "-"}, {"\xE2\x80\x91", "-"},
      {"\xEF\xBC\x8D", "-"}, {"\xEF\xB9\xA3", "-"}, {"\xEF\xBC\x90", "0"}, {"\xEF\xBC\x91", "1"},
      {"\xEF\xBC\x92", "2"}, {"\xEF\xBC\x93", "3"}, {"\xEF\xBC\x94", "4"}, {"\xEF\xBC\x95", "5"},
      {"\xEF\xBC\x96", "6"}, {"\xEF\xBC\x97", "7"}, {"\xEF\xBC\x98", "8"}, {"\xEF\xBC\x99", "9"}, {"\\cdot", "*"},
      {"\\times", "*"}, {"\\div", "/"}, {"\xC3\x97", "*"} /* × */, {"\xC3\xB7", "/"} /* ÷ */,
      {"\xC2\xB7", "*"} /* · */, {"\\%", "%"}, {"^{\\circ}", ""}, {"^\\circ", ""}, {"\\circ", ""},
      {"\\degree", ""}, {"\xC2\xB0", ""} /* ° */, {"\\!", ""}, {"\\;", " "}, {"\\:", " "},
      {"\\quad", " "}, {"\\qquad", " "}, {"~", " "}, {"\\ ", " "}, {"\\$", ""}, {"$", ""},
      {"\xC2\xB1", "\\pm"} /* ± */, {"\xE2\x88\x9E", "\\infty"} /* ∞ */, {"\xE2\x82\xAC", ""} /* € */, {"\xC2\xA3", ""} /* £ */, {"\\euro", ""},
  };
  // "x = 1/3 \\approx 0.33": the exact value stands before the approximation.
  for (absl::string_view approx : {"\\approx", "\xE2\x89\x88"}) {
    size_t at = s.find(approx.data(), 0, approx.size());
    absl::string_view before = absl::string_view(s).substr(0, at == std::string::npos ? 0 : at);
    if (at != std::string::npos && std::any_of(before.begin(), before.end(), IsDigit)) {
      s.resize(at);
      absl::StripTrailingAsciiWhitespace(&s);
    }
  }
  // Every spelling replaced starts with '\\', '$', '~', '^' or a UTF-8 byte.
  bool spelled = false;
  for (char c : s) spelled = spelled || c == '\\' || c == '$' || c == '~' || c == '^' || (c & 0x80) != 0;
  if (spelled) {
    for (const auto& [from, to] : kReplace) ReplaceAll(&s, from, to);
  }
  ReplaceAll(&s, "\\text {", "\\text{");
  StripTrailingTextUnits(&s);
  s = UnwrapCommands(s);
  // "x \in [-2, 7]": membership names the value like "=" (not \infty, \int).
  if (s.find("\\in") != std::string::npos) {
    std::string t;
    t.reserve(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
      if (s.compare(i, 3, "\\in") == 0 && (i + 3 >= s.size() || !IsAlpha(s[i + 3]))) {
        t.push_back('=');
        i += 2;
      } else {
        t.push_back(s[i]);
      }
    }
    s = std::move(t);
  }
  s = RelationToInterval(s);
  if (s.find(';') != std::string::npos) s = Semicolons(s);
  // "x = 14", "2 + 12 = 14": the value is what stands after the last "=";
  // "k = 45, n = 2" (every comma-separated element labelled): each element's.
  if (!(keep_equations && IsEquation(s))) s = DropLabels(s);
  s = decimal_comma ? JoinThousands(DecimalComma(s)) : JoinThousands(s, /*lists=*/true);
  ReplaceAll(&s, "\x01", " ");
  s = std::string(absl::StripAsciiWhitespace(s));
  // "35 percent", "35 pct", "35 per cent" are 35%.
  for (absl::string_view word : {"per cent", "percent", "pct"}) {
    if (s.size() > word.size() && absl::EndsWithIgnoreCase(s, word)) {
      std::string head(absl::StripTrailingAsciiWhitespace(s.substr(0, s.size() - word.size())));
      if (!head.empty() && (IsDigit(head.back()) || head.back() == '}')) s = head + "%";
      break;
    }
  }
  while (!s.empty() && (s.back() == '.' || s.back() == ';' || s.back() == '!')) {
    // Trailing sentence punctuation; "5!" is a factorial only after a digit
    // run we keep: "5!" stays, "five!" loses it.
    if (s.back() == '!' && s.size() >= 2 && IsDigit(s[s.size() - 2])) break;
    s.pop_back();
    s = std::string(absl::StripTrailingAsciiWhitespace(s));
  }
  return s;
}

}  // namespace

std::string NormalizeAnswerText(absl::string_view raw) { return Normalize(raw, /*decimal_comma=*/true); }

namespace {

// Strips trailing unit words ("cm", "meters^2", "apples", "dollars") and a
// leading currency word; returns false when nothing changed.
bool StripUnits(std::string* s) {
  std::string t = *s;
  bool changed = false;
  for (;;) {
    std::string before = t;
    // A trailing ^2 / ^{3} after a unit word.
    size_t n = t.size();
    if (n >= 2 && t[n - 2] == '^' && IsDigit(t[n - 1])) t.resize(n - 2);
    if (absl::EndsWith(t, "}") && t.size() >= 4 && absl::EndsWith(t.substr(0, t.size() - 2), "^{")) {
      t.resize(t.size() - 4);
    }
    size_t end = t.size();
    size_t start = end;
    while (start > 0 && (IsAlpha(t[start - 1]) || t[start - 1] == '.')) --start;
    if (start < end && start > 0) {
      std::string word = absl::AsciiStrToLower(t.substr(start, end - start));
      // The word must follow a number (digit, %, }, or a space after one).
      size_t k = start;
      while (k > 0 && t[k - 1] == ' ') --k;
      if (k > 0 && (IsDigit(t[k - 1]) || t[k - 1] == '%' || t[k - 1] == '}' || t[k - 1] == ')')) {
        t = std::string(absl::StripTrailingAsciiWhitespace(t.substr(0, start)));
      }
    }
    // Leading currency words: "USD 5".
    for (absl::string_view w : kUnitWords) {
      if (t.size() > w.size() + 1 && absl::StartsWithIgnoreCase(t, w) && t[w.size()] == ' ') {
        t = std::string(absl::StripAsciiWhitespace(t.substr(w.size())));
      }
    }
    if (t == before) break;
    changed = true;
  }
  if (changed) *s = t;
  return changed;
}

// Mixed numbers: "1 1/2", "-2 3/4", "1\frac{1}{2}" -> "(1+1/2)" style.
bool MixedNumber(const std::string& s, std::vector<Number>* out) {
  size_t i = 0;
  bool neg = false;
  if (i < s.size() && s[i] == '-') {
    neg = true;
    ++i;
  }
  size_t a = i;
  while (i < s.size() && IsDigit(s[i])) ++i;
  if (i == a || i - a > 30) return false;
  std::string whole = s.substr(a, i - a);
  std::string rest = std::string(absl::StripLeadingAsciiWhitespace(s.substr(i)));
  std::string num, den;
  auto digits = [](const std::string& x) {
    return !x.empty() && x.size() <= 30 && std::all_of(x.begin(), x.end(), IsDigit);
  };
  if (absl::StartsWith(rest, "\\frac")) {
    std::string r = rest.substr(5);
    if (r.size() >= 2 && IsDigit(r[0]) && IsDigit(r[1]) && r.size() == 2) {
      num = r.substr(0, 1);
      den = r.substr(1, 1);
    } else if (r.size() >= 4 && r[0] == '{') {
      size_t c1 = r.find('}');
      if (c1 == std::string::npos || c1 + 1 >= r.size() || r[c1 + 1] != '{' || r.back() != '}') return false;
      num = r.substr(1, c1 - 1);
      den = r.substr(c1 + 2, r.size() - c1 - 3);
    } else {
      return false;
    }
  } else if (i < s.size() && s[i] == ' ') {
    size_t slash = rest.find('/');
    if (slash == std::string::npos) return false;
    num = rest.substr(0, slash);
    den = rest.substr(slash + 1);
  } else {
    return false;
  }
  if (!digits(whole) || !digits(num) || !digits(den)) return false;
  int128 w = 0, n = 0, d = 0;
  for (char c : whole) w = w * 10 + (c - '0');
  for (char c : num) n = n * 10 + (c - '0');
  for (char c : den) d = d * 10 + (c - '0');
  if (d == 0 || n >= d) return false;  // "1 3/2" is not a mixed number
  Number v = MakeRational(w * d + n, d);
  out->push_back(neg ? Neg(v) : v);
  return true;
}

// Every number literal in free text ("18", "1/2", "3.5", "-4"), in order.
std::vector<std::string> NumbersInText(const std::string& s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    if (IsDigit(s[i]) && (i == 0 || !IsAlpha(s[i - 1]))) {
      size_t st = i;
      if (st > 0 && s[st - 1] == '-') --st;
      while (i < s.size() && (IsDigit(s[i]) || ((s[i] == '.' || s[i] == '/') && i + 1 < s.size() && IsDigit(s[i + 1])))) ++i;
      if (i < s.size() && s[i] == '%') ++i;
      out.push_back(s.substr(st, i - st));
    } else {
      ++i;
    }
  }
  return out;
}

bool ParseNumeric(const std::string& s, ParsedAnswer* out, EvalError* err, bool* syntax) {
  std::vector<Number> mixed;
  if (MixedNumber(s, &mixed)) {
    out->kind = ParsedAnswer::Kind::kNumbers;
    out->values = mixed;
    return true;
  }
  Parser p(Tokenize(s));
  std::vector<Number> values;
  bool is_set = false;
  if (p.ParseList(&values, &is_set, err)) {
    out->kind = ParsedAnswer::Kind::kNumbers;
    out->values = std::move(values);
    out->is_set = is_set;
    out->brackets = p.brackets();
    out->list = out->values.size() > 1 && !is_set && out->brackets.empty();
    out->base = p.SoleBase();
    return true;
  }
  *syntax = p.syntax_error();
  return false;
}

// An expression with free variables, evaluated at each fixed point (one
// linear parse per point); false when it has no variable or fails anywhere.
bool ParseExpression(const std::string& s, size_t max_name, ParsedAnswer* out) {
  // A bare word ("No", "Yes", "C") stays text, compared without case.
  if (std::all_of(s.begin(), s.end(), [](char c) { return IsAlpha(c) || c == ' ' || c == '(' || c == ')'; })) {
    return false;
  }
  std::vector<Token> toks = Tokenize(s);
  ParsedAnswer e;
  e.kind = ParsedAnswer::Kind::kExpression;
  for (int point = 0; point < kExpressionPoints; ++point) {
    Parser p(toks, point, max_name);
    std::vector<Number> values;
    bool is_set = false;
    EvalError err;
    if (!p.ParseList(&values, &is_set, &err)) return false;
    if (point == 0) {
      e.variables = p.variables();
      e.is_set = is_set;
      e.brackets = p.brackets();
      e.list = values.size() > 1 && !is_set && e.brackets.empty();
    }
    if (e.variables.empty()) return false;
    e.values.insert(e.values.end(), values.begin(), values.end());
  }
  e.normalized = out->normalized;
  *out = e;
  return true;
}

// Splits "(1, 2), (2, 1)", "[-1, 0) \cup (0, 1]", "(1, 1) and (3, 3)" into
// its bracketed groups, in one linear pass; empty unless there are at least
// two groups and only ",", ";", "\cup" or "and" between them.
std::vector<std::string> BracketGroups(const std::string& s, bool or_joins = false) {
  std::vector<std::string> groups;
  size_t i = 0;
  auto opener = [&](size_t k) {
    return s[k] == '(' || s[k] == '[' || (s[k] == '\\' && k + 1 < s.size() && s[k + 1] == '{');
  };
  while (i < s.size()) {
    // Separators between groups.
    size_t j = i;
    bool separated = false;
    for (;;) {
      while (j < s.size() && s[j] == ' ') ++j;
      size_t before = j;
      if (j < s.size() && (s[j] == ',' || s[j] == ';')) {
        ++j;
      } else if (s.compare(j, 4, "\\cup") == 0) {
        j += 4;
      } else if (s.compare(j, 3, "and") == 0 && (j + 3 >= s.size() || !IsAlpha(s[j + 3]))) {
        j += 3;
      } else if (or_joins && s.compare(j, 2, "or") == 0 && (j + 2 >= s.size() || !IsAlpha(s[j + 2]))) {
        j += 2;
      } else {
        break;
      }
      separated = separated || j > before;
    }
    if (j >= s.size()) break;
    if (!opener(j)) return {};
    if (!groups.empty() && !separated) return {};  // groups must be separated
    int depth = 0;
    size_t k = j;
    for (; k < s.size(); ++k) {
      if (opener(k)) {
        ++depth;
        if (s[k] == '\\') ++k;
      } else if (s[k] == ')' || s[k] == ']' || (s[k] == '\\' && k + 1 < s.size() && s[k + 1] == '}')) {
        --depth;
        if (s[k] == '\\') ++k;
        if (depth == 0) break;
      }
    }
    if (k >= s.size()) return {};
    groups.push_back(s.substr(j, k + 1 - j));
    i = k + 1;
  }
  if (groups.size() < 2) return {};
  return groups;
}

// "1 \pm \sqrt{19}", "\{1\pm\sqrt{5}, -2\}": each comma-separated element
// with one \pm stands for its two values; the whole is a set. Empty when
// there is no \pm, or an element has more than one.
std::string ExpandPlusMinus(const std::string& s) {
  if (s.find("\\pm") == std::string::npos) return "";
  absl::string_view body = s;
  if (absl::StartsWith(body, "\\{") && absl::EndsWith(body, "\\}") && body.size() >= 4) {
    body = body.substr(2, body.size() - 4);
  }
  std::vector<std::string> elements;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i <= body.size(); ++i) {
    char c = i < body.size() ? body[i] : ',';
    if (c == '(' || c == '[' || c == '{') ++depth;
    if (c == ')' || c == ']' || c == '}') --depth;
    if (c == ',' && depth == 0) {
      elements.emplace_back(body.substr(start, i - start));
      start = i + 1;
    }
  }
  std::vector<std::string> out;
  for (const std::string& e : elements) {
    size_t at = e.find("\\pm");
    if (at == std::string::npos) {
      out.push_back(e);
      continue;
    }
    if (e.find("\\pm", at + 3) != std::string::npos) return "";
    out.push_back(e.substr(0, at) + "+" + e.substr(at + 3));
    out.push_back(e.substr(0, at) + "-" + e.substr(at + 3));
  }
  return absl::StrCat("\\{", absl::StrJoin(out, ","), "\\}");
}

// A collection of bracketed groups, each parsed as numbers.
// `or_joins`: "or" separates groups too (a reference's list of solutions; in
// an answer it hedges).
bool ParseGroups(const std::string& s, ParsedAnswer* out, bool or_joins) {
  std::vector<std::string> groups = BracketGroups(s, or_joins);
  // "\{(0, 0), (1, 2)\}": a set of groups.
  if (groups.empty() && absl::StartsWith(s, "\\{") && absl::EndsWith(s, "\\}") && s.size() > 4) {
    groups = BracketGroups(s.substr(2, s.size() - 4), or_joins);
  }
  if (groups.empty()) return false;
  ParsedAnswer all;
  all.kind = ParsedAnswer::Kind::kNumbers;
  for (const std::string& g : groups) {
    ParsedAnswer one;
    EvalError err;
    bool syntax = false;
    if (!ParseNumeric(g, &one, &err, &syntax)) return false;
    one.normalized = g;
    all.values.insert(all.values.end(), one.values.begin(), one.values.end());
    all.parts.push_back(std::move(one));
  }
  all.normalized = out->normalized;
  *out = std::move(all);
  return true;
}

// "6 and 8", "19, 46, and 82", "-12;-11;-10", "14 or 20": values joined by
// commas, semicolons or the words "and"/"or" at the top level, each piece one
// number (a unit after it allowed). One linear split; false unless there are
// at least two pieces and every one is a single value. `*hedged`: an "or"
// joins them (a hedge against one value, a list of solutions against several).
bool ParseJoined(const std::string& s, std::vector<Number>* values, bool* hedged) {
  std::vector<std::string> pieces;
  *hedged = false;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i <= s.size(); ++i) {
    char c = i < s.size() ? s[i] : ',';
    if (c == '(' || c == '[' || c == '{') ++depth;
    if (c == ')' || c == ']' || c == '}') --depth;
    if (depth != 0) continue;
    size_t skip = 0;
    if (c == ',' || c == ';') {
      skip = 1;
    } else if (c == ' ') {
      size_t w = i + 1;
      for (absl::string_view word : {"and", "or"}) {
        if (s.compare(w, word.size(), word.data(), word.size()) == 0 &&
            (w + word.size() >= s.size() || !IsAlpha(s[w + word.size()])) && (w == 0 || !IsAlpha(s[w - 1]))) {
          skip = w + word.size() - i;
          *hedged = *hedged || word == "or";
        }
      }
    }
    if (skip == 0) continue;
    pieces.emplace_back(absl::StripAsciiWhitespace(absl::string_view(s).substr(start, i - start)));
    start = i + skip;
    i = start - 1;
  }
  if (pieces.size() < 2) return false;
  values->clear();
  for (const std::string& piece : pieces) {
    if (piece.empty()) continue;  // the Oxford comma in "a, b, and c"
    ParsedAnswer one;
    EvalError err;
    bool syntax = false;
    // A unit word after a value ("35 cm"), not a letter ("3i" is a variable's multiple).
    std::string unitless = piece;
    size_t letters = 0;
    while (letters < piece.size() && IsAlpha(piece[piece.size() - 1 - letters])) ++letters;
    if (!ParseNumeric(piece, &one, &err, &syntax) &&
        !(letters >= 2 && StripUnits(&unitless) && ParseNumeric(unitless, &one, &err, &syntax))) {
      return false;
    }
    if (one.values.size() != 1 || !one.parts.empty()) return false;
    values->push_back(one.values[0]);
  }
  return values->size() >= 2;
}

std::string TextKey(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '{' || c == '}' || c == '\\') continue;
    out.push_back(absl::ascii_tolower(static_cast<unsigned char>(c)));
  }
  // A multiple-choice letter: "(C)" is "c".
  if (out.size() == 3 && out[0] == '(' && IsAlpha(out[1]) && out[2] == ')') return out.substr(1, 1);
  return out;
}

}  // namespace

// "14", "-3.25": a plain decimal number, which normalisation leaves as it is
// (the common answer, spared every normalising pass).
static bool IsPlainDecimal(absl::string_view s) {
  size_t i = !s.empty() && s[0] == '-' ? 1 : 0;
  size_t digits = 0, dots = 0;
  for (; i < s.size(); ++i) {
    if (s[i] >= '0' && s[i] <= '9') {
      ++digits;
    } else if (s[i] == '.' && dots == 0 && digits > 0 && i + 1 < s.size()) {
      ++dots;
    } else {
      return false;
    }
  }
  return digits > 0 && digits <= 40;
}

ParsedAnswer ParseAnswer(absl::string_view raw, bool allow_text, bool decimal_comma, bool variables,
                         bool keep_equations) {
  ParsedAnswer out;
  std::string shape;
  const absl::string_view trimmed = absl::StripAsciiWhitespace(raw);
  std::string s = IsPlainDecimal(trimmed) ? std::string(trimmed)
                                          : Normalize(raw, decimal_comma, &shape, keep_equations);
  out.normalized = s;
  out.equation = keep_equations && IsEquation(s);
  if (!shape.empty()) {
    // A matrix: its cells in row order, compared with its shape.
    ParsedAnswer m = ParseAnswer(s, /*allow_text=*/false, decimal_comma, variables);
    if (m.kind == ParsedAnswer::Kind::kNumbers && m.parts.empty()) {
      m.brackets = shape;
      m.list = false;
      return m;
    }
  }
  if (s.empty()) {
    out.text = "empty answer";
    return out;
  }
  if (out.equation) {  // compared whole, as text
    out.kind = ParsedAnswer::Kind::kText;
    out.text = s;
    return out;
  }
  EvalError err;
  bool syntax = false;
  if (ParseNumeric(s, &out, &err, &syntax)) return out;
  if (!syntax) {  // numeric but unusable: too large, division by zero, ...
    out.text = err.why;
    return out;
  }
  std::string pm = ExpandPlusMinus(s);
  if (!pm.empty()) {
    EvalError e;
    bool sx = false;
    ParsedAnswer both;
    if (ParseNumeric(pm, &both, &e, &sx)) {
      both.normalized = s;
      return both;
    }
  }
  if (ParseGroups(s, &out, /*or_joins=*/!allow_text)) return out;
  // "7:32": a ratio, its two terms in order (not equal to a tuple).
  size_t colon = s.find(':');
  if (colon != std::string::npos && s.find(':', colon + 1) == std::string::npos) {
    ParsedAnswer a, b;
    EvalError e1, e2;
    bool sx1 = false, sx2 = false;
    if (ParseNumeric(s.substr(0, colon), &a, &e1, &sx1) && ParseNumeric(s.substr(colon + 1), &b, &e2, &sx2) &&
        a.values.size() == 1 && b.values.size() == 1 && a.parts.empty() && b.parts.empty()) {
      out.kind = ParsedAnswer::Kind::kNumbers;
      out.values = {a.values[0], b.values[0]};
      out.brackets = ":";
      return out;
    }
  }
  bool hedged = false;
  std::vector<Number> joined;
  if (ParseJoined(s, &joined, &hedged)) {
    out.values = std::move(joined);
    // A reference lists its solutions; an answer joined by "or" hedges
    // (several answers) unless the reference has as many values.
    out.kind = hedged && allow_text ? ParsedAnswer::Kind::kSeveral : ParsedAnswer::Kind::kNumbers;
    out.list = true;
    return out;
  }
  // Single-letter variables before units ("3 - 13x" is not "3 - 13" in x);
  // products of letters ("2RC") only after, so that "5 cm" stays 5.
  if (variables && ParseExpression(s, 1, &out)) return out;
  std::string stripped = s;
  if (StripUnits(&stripped) && !stripped.empty()) {
    EvalError err2;
    bool syntax2 = false;
    if (ParseNumeric(stripped, &out, &err2, &syntax2)) return out;
    if (!syntax2) {
      out.text = err2.why;
      return out;
    }
  }
  if (variables && ParseExpression(s, 3, &out)) return out;
  if (allow_text) {
    std::vector<std::string> nums = NumbersInText(stripped);
    std::vector<Number> distinct;
    for (const std::string& n : nums) {
      EvalError e;
      bool sx = false;
      ParsedAnswer one;
      if (!ParseNumeric(n, &one, &e, &sx) || one.values.size() != 1) continue;
      bool seen = false;
      for (const Number& d : distinct) {
        seen = seen || (d.exact && one.values[0].exact ? (d.num == one.values[0].num && d.den == one.values[0].den)
                                                       : d.approx == one.values[0].approx);
      }
      if (!seen) distinct.push_back(one.values[0]);
    }
    if (distinct.size() == 1) {
      out.kind = ParsedAnswer::Kind::kNumbers;
      out.values = distinct;
      out.from_text = true;
      return out;
    }
    if (distinct.size() > 1) {
      out.kind = ParsedAnswer::Kind::kSeveral;
      out.values = distinct;
      return out;
    }
  }
  out.kind = ParsedAnswer::Kind::kText;
  out.text = s;
  return out;
}

namespace {

// True when the rational has a finite decimal expansion (den = 2^a 5^b).
bool Terminates(int128 den) {
  while (den % 2 == 0) den /= 2;
  while (den % 5 == 0) den /= 5;
  return den == 1;
}

// The relative error of a value computed in double precision through a few
// functions (e^{\ln 14}, \sqrt{2}^2, \sin^2 x + \cos^2 x): far above 2^-52,
// far below any tolerance a decimal answer needs.
constexpr double kFloatingPoint = 1e-11;

// `a` is the answer's value, `b` the reference's.
bool NumbersEqual(const Number& a, const Number& b, const MathTolerance& tol, bool* exact) {
  auto equal = [&](const Number& x, const Number& y) {
    if (std::isinf(x.approx) || std::isinf(y.approx)) {  // \infty: only itself, with its sign
      *exact = true;
      return x.approx == y.approx;
    }
    // A decimal can only approximate a repeating fraction (0.333333 vs 1/3):
    // that pair is compared within the tolerance, every other exact pair exactly.
    bool approximates = x.exact && y.exact && Terminates(x.den) != Terminates(y.den);
    if (x.exact && y.exact && !approximates) {
      *exact = true;
      return x.num == y.num && x.den == y.den;
    }
    *exact = false;
    double diff = std::abs(x.approx - y.approx);
    // An answer computed through constants or functions (\pi, \sqrt{},
    // \ln) against an exact reference: equal only to the precision of the
    // arithmetic, not within the tolerance meant for decimals. Else
    // "1000001 \cdot \frac{\pi}{\pi}" would equal 1000000 (red team).
    if (y.exact && !x.exact) {
      return diff <= std::max(kFloatingPoint * std::max(std::abs(x.approx), std::abs(y.approx)), kFloatingPoint);
    }
    return diff <= std::max(tol.rel_tol * std::max(std::abs(x.approx), std::abs(y.approx)), tol.abs_tol);
  };
  if (equal(a, b)) return true;
  // A decimal rounded at the places it shows ("0.3333" for 1/3, "2.6667" for
  // 8/3), with at least 4 significant digits, against a fraction no decimal
  // writes exactly (not an irrational: "1.414" is not \sqrt{2}).
  for (const auto& [d, v] : {std::make_pair(&a, &b), std::make_pair(&b, &a)}) {
    if (d->decimals < 1 || !v->exact || Terminates(v->den) || d->percent != v->percent) continue;
    double mag = std::abs(d->approx);
    if (!(mag > 0) || !std::isfinite(v->approx)) continue;
    int significant = d->decimals + static_cast<int>(std::floor(std::log10(mag))) + 1;
    if (significant < 4) continue;
    if (std::abs(d->approx - v->approx) <= 0.5 * std::pow(10.0, -d->decimals) * (1 + 1e-9)) {
      *exact = false;
      return true;
    }
  }
  // `a` is the answer, `b` the reference. A reference written with % names
  // its fraction too: 0.625 answers 62.5% (as 62.5 does); the converse, a
  // percentage against a plain reference, needs percent_as_fraction.
  if ((tol.percent_as_fraction || (b.percent && !a.percent)) && (a.percent != b.percent)) {
    // 50% = 0.5: divide the percent side by 100.
    EvalError err;
    const Number& pct = a.percent ? a : b;
    const Number& other = a.percent ? b : a;
    std::optional<Number> frac = DivN(pct, Number::Integer(100), &err);
    if (frac && equal(*frac, other)) return true;
  }
  return false;
}

}  // namespace

Comparison CompareAnswers(const ParsedAnswer& answer, const ParsedAnswer& reference, const MathTolerance& tol) {
  using Kind = ParsedAnswer::Kind;
  Comparison c;
  if (!answer.parts.empty() || !reference.parts.empty()) {
    // Collections of groups: the same groups in any order, each equal in
    // order; a group written twice is one solution.
    auto distinct = [&](const ParsedAnswer& a) {
      std::vector<const ParsedAnswer*> out;
      for (const ParsedAnswer& g : a.parts) {
        bool seen = false;
        for (const ParsedAnswer* d : out) seen = seen || CompareAnswers(g, *d, MathTolerance()).how == "exact";
        if (!seen) out.push_back(&g);
      }
      return out;
    };
    // (Only a few repeats in a short answer: past twice the reference's
    // groups, or 64, every one counts; this bounds the quadratic pass.)
    std::vector<const ParsedAnswer*> ans, ref;
    if (answer.parts.size() <= 2 * std::max<size_t>(reference.parts.size(), 1) && answer.parts.size() <= 64 &&
        reference.parts.size() <= 64) {
      ans = distinct(answer);
      ref = distinct(reference);
    } else {
      for (const ParsedAnswer& g : answer.parts) ans.push_back(&g);
      for (const ParsedAnswer& g : reference.parts) ref.push_back(&g);
    }
    if (ans.size() != ref.size() || answer.kind != Kind::kNumbers || reference.kind != Kind::kNumbers) {
      c.how = absl::StrCat("answer has ", std::max<size_t>(ans.size(), 1), " groups, reference ",
                           std::max<size_t>(ref.size(), 1));
      return c;
    }
    std::vector<bool> used(ref.size(), false);
    bool any_inexact = false;
    for (const ParsedAnswer* a : ans) {
      bool found = false;
      for (size_t j = 0; j < ref.size() && !found; ++j) {
        if (used[j]) continue;
        Comparison one = CompareAnswers(*a, *ref[j], tol);
        if (one.equal) {
          used[j] = true;
          found = true;
          any_inexact |= one.how != "exact";
        }
      }
      if (!found) {
        c.how = "a group differs";
        return c;
      }
    }
    c.equal = true;
    c.how = any_inexact ? "within tolerance" : "exact";
    return c;
  }
  if (answer.kind == Kind::kNumbers && reference.kind == Kind::kNumbers && reference.base != 10 &&
      answer.base == 10) {
    // A reference in base b (2516_8): an answer without a subscript is read
    // in base b ("2516"); one that cannot be ("1358", digits past b) differs.
    c.how = absl::StrCat("reference is in base ", reference.base);
    if (answer.values.size() != 1 || answer.from_text) return c;
    ParsedAnswer in_base = ParseAnswer(absl::StrCat(answer.normalized, "_", reference.base), false);
    if (in_base.kind != Kind::kNumbers || in_base.base != reference.base) return c;
    return CompareAnswers(in_base, reference, tol);
  }
  if (answer.kind == Kind::kNumbers && reference.kind == Kind::kNumbers) {
    const auto& a = answer.values;
    const auto& r = reference.values;
    if (a.size() != r.size()) {
      c.how = absl::StrCat("answer has ", a.size(), " values, reference ", r.size());
      return c;
    }
    if (!answer.brackets.empty() && !reference.brackets.empty() && answer.brackets != reference.brackets) {
      c.how = absl::StrCat("brackets differ: ", answer.brackets, " vs ", reference.brackets);
      return c;
    }
    bool any_inexact = false;
    bool unordered = tol.unordered || answer.is_set || reference.is_set || reference.list;
    if (!unordered) {
      for (size_t i = 0; i < a.size(); ++i) {
        bool exact = true;
        if (!NumbersEqual(a[i], r[i], tol, &exact)) return c;
        any_inexact |= !exact;
      }
    } else {
      // Multiset match; sizes are small, so a greedy pass is enough.
      std::vector<bool> used(r.size(), false);
      for (const Number& x : a) {
        bool found = false;
        for (size_t j = 0; j < r.size() && !found; ++j) {
          bool exact = true;
          if (!used[j] && NumbersEqual(x, r[j], tol, &exact)) {
            used[j] = true;
            found = true;
            any_inexact |= !exact;
          }
        }
        if (!found) return c;
      }
    }
    c.equal = true;
    c.how = any_inexact ? "within tolerance" : "exact";
    return c;
  }
  if (answer.kind == Kind::kExpression && reference.kind == Kind::kExpression) {
    // Equal at every fixed point, element by element (in any order for a
    // set or a list reference).
    if (answer.variables != reference.variables) {
      c.how = absl::StrCat("variables differ: ", answer.variables, " vs ", reference.variables);
      return c;
    }
    size_t n = answer.values.size() / kExpressionPoints, m = reference.values.size() / kExpressionPoints;
    if (n != m) {
      c.how = absl::StrCat("answer has ", n, " values, reference ", m);
      return c;
    }
    if (!answer.brackets.empty() && !reference.brackets.empty() && answer.brackets != reference.brackets) {
      c.how = absl::StrCat("brackets differ: ", answer.brackets, " vs ", reference.brackets);
      return c;
    }
    bool any_inexact = false;
    auto same = [&](size_t i, size_t j) {
      bool all = true;
      for (int p = 0; p < kExpressionPoints && all; ++p) {
        bool exact = true;
        all = NumbersEqual(answer.values[p * n + i], reference.values[p * n + j], tol, &exact);
        any_inexact |= all && !exact;
      }
      return all;
    };
    bool unordered = tol.unordered || answer.is_set || reference.is_set || reference.list;
    std::vector<bool> used(n, false);
    for (size_t i = 0; i < n; ++i) {
      bool found = false;
      for (size_t j = unordered ? 0 : i; j < (unordered ? n : i + 1) && !found; ++j) {
        if (!used[j] && same(i, j)) {
          used[j] = true;
          found = true;
        }
      }
      if (!found) {
        c.how = "differs at a point";
        return c;
      }
    }
    c.equal = true;
    c.how = any_inexact ? "equal at every point, within tolerance" : "equal at every point";
    return c;
  }
  if (reference.kind == Kind::kText && (answer.kind == Kind::kText || answer.kind == Kind::kNumbers)) {
    c.equal = !answer.normalized.empty() && TextKey(answer.normalized) == TextKey(reference.normalized);
    c.how = "as text";
    return c;
  }
  c.how = "not comparable";
  return c;
}

std::string DescribeAnswer(const ParsedAnswer& a) {
  switch (a.kind) {
    case ParsedAnswer::Kind::kNumbers: {
      if (!a.parts.empty()) {
        std::vector<std::string> groups;
        for (const ParsedAnswer& g : a.parts) {
          std::string d = DescribeAnswer(g);
          if (g.brackets.size() == 2 && g.values.size() > 1) d = absl::StrCat(g.brackets.substr(0, 1), d.substr(1, d.size() - 2), g.brackets.substr(1));
          if (g.values.size() == 1 && !g.is_set) d = absl::StrCat("(", d, ")");
          groups.push_back(d);
        }
        return absl::StrJoin(groups, ", ");
      }
      std::vector<std::string> parts;
      for (const Number& n : a.values) parts.push_back(n.ToString());
      if (parts.size() == 1) return parts[0];
      return absl::StrCat(a.is_set ? "{" : "(", absl::StrJoin(parts, ", "), a.is_set ? "}" : ")");
    }
    case ParsedAnswer::Kind::kSeveral: {
      std::vector<std::string> parts;
      for (const Number& n : a.values) parts.push_back(n.ToString());
      return absl::StrJoin(parts, ", ");
    }
    case ParsedAnswer::Kind::kText:
      return absl::StrCat("\"", CleanUtf8(a.text, 40), "\"");
    case ParsedAnswer::Kind::kInvalid:
      return a.text;
    case ParsedAnswer::Kind::kExpression:
      return absl::StrCat("\"", CleanUtf8(a.normalized, 40), "\" (in ", a.variables, ")");
  }
  return "";
}

}  // namespace rewards
