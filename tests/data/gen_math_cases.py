#!/usr/bin/python3
"""Writes tests/data/math_cases.jsonl, the math verifier's conformance table.

Every expected score is fixed by construction here (a correct answer written
another way -> 1, a different value or a hedge -> 0), never by running the
verifier. Rows:
  {"id", "category", "reference", "completion" | "completion_repeat",
   "params" (optional), "expected", "note"}
"completion_repeat" = [prefix, unit, times, suffix] builds large hostile
inputs without storing them.

Categories: form (every numeric form understood), hack (reward-hacking
attempts), hostile (inputs that must finish fast and score 0), gsm8k
(answers to GSM8K test problems, references in GSM8K's "#### N" form; see
tests/data/GSM8K_LICENSE), compete (competition-style answers, issue 12).

Usage: tests/data/gen_math_cases.py ../shared/data/gsm8k/test.jsonl > tests/data/math_cases.jsonl
"""
import json
import random
import sys

rows = []


def add(category, reference, completion, expected, note, params=None, repeat=None):
    row = {"id": f"{category}-{sum(r['category'] == category for r in rows) + 1:03d}", "category": category,
           "reference": reference}
    if repeat is not None:
        row["completion_repeat"] = repeat
    else:
        row["completion"] = completion
    if params:
        row["params"] = params
    row["expected"] = expected
    row["note"] = note
    rows.append(row)


def tag(answer, think="Let me work it out."):
    return f"<think>{think}</think>\n<answer>{answer}</answer>"


# ------------------------------------------------------------------- forms
FORMS = [
    # (reference, answer as written, expected, note)
    ("14", "14", 1, "plain integer"),
    ("14", "+14", 1, "leading plus"),
    ("-7", "-7", 1, "negative"),
    ("-7", "\u22127", 1, "U+2212 minus"),
    ("-7", "7", 0, "sign differs"),
    ("14", "14.0", 1, "trailing .0"),
    ("14", "14.00", 1, "trailing .00"),
    ("14", "14.", 1, "trailing period"),
    ("2.5", "2.50", 1, "decimal trailing zero"),
    ("0.25", ".25", 1, "no leading zero"),
    ("2.5", "2.4", 0, "different decimal"),
    ("1234", "1,234", 1, "comma thousands"),
    ("1234", "1 234", 1, "space thousands"),
    ("1234", "1\\,234", 1, "thin-space thousands"),
    ("1234", "1{,}234", 1, "braced comma thousands"),
    ("1234567", "1,234,567", 1, "two groups"),
    ("1234567.5", "1,234,567.5", 1, "groups and decimals"),
    ("1,234", "1234", 1, "reference with separators"),
    ("1234", "1,243", 0, "digits swapped"),
    ("0.5", "1/2", 1, "fraction vs decimal"),
    ("1/2", "0.5", 1, "decimal vs fraction"),
    ("0.5", "\\frac{1}{2}", 1, "\\frac"),
    ("0.5", "\\dfrac{1}{2}", 1, "\\dfrac"),
    ("0.5", "\\tfrac{1}{2}", 1, "\\tfrac"),
    ("0.5", "\\frac12", 1, "\\frac12 shorthand"),
    ("\\frac{3}{4}", "0.75", 1, "LaTeX reference"),
    ("\\frac{3}{4}", "\\frac{6}{8}", 1, "unreduced fraction"),
    ("\\frac{3}{4}", "3/5", 0, "different fraction"),
    ("1.5", "1\\frac{1}{2}", 1, "mixed number LaTeX"),
    ("1.5", "1 1/2", 1, "mixed number plain"),
    ("-2.25", "-2\\frac{1}{4}", 1, "negative mixed number"),
    ("\\frac{-1}{2}", "-0.5", 1, "negative fraction"),
    ("1/3", "0.333333333", 1, "decimal of a repeating fraction within tolerance"),
    ("1/3", "0.33", 0, "too coarse"),
    ("2/3", "0.6666667", 1, "rounded repeating decimal"),
    ("50", "50%", 1, "percent vs number"),
    ("50", "50\\%", 1, "LaTeX percent"),
    ("50%", "50", 1, "percent reference"),
    ("0.5", "50%", 0, "percent is not its fraction by default"),
    ("1200", "1.2e3", 1, "e notation"),
    ("0.0012", "1.2E-3", 1, "E notation negative"),
    ("1200", "1.2 \\times 10^{3}", 1, "\\times 10^"),
    ("1200", "1.2\\cdot10^3", 1, "\\cdot 10^"),
    ("1200", "1.2 \\times 10^{4}", 0, "wrong exponent"),
    ("14", "2 + 3 \\cdot 4", 1, "expression with \\cdot"),
    ("14", "2+3*4", 1, "expression"),
    ("20", "(2+3)*4", 1, "parentheses"),
    ("20", "\\left(2+3\\right)\\times 4", 1, "\\left \\right"),
    ("20", "[2+3] \\cdot 4", 1, "brackets"),
    ("1024", "2^{10}", 1, "power braces"),
    ("1024", "2^10", 1, "2^10 read as 2^{10}"),
    ("14", "140/1 - 126 + 0", 1, "an expression equal to the answer"),
    ("4", "\\sqrt{16}", 1, "sqrt"),
    ("3", "\\sqrt[3]{27}", 1, "cube root"),
    ("6", "2\\sqrt{9}", 1, "implicit multiplication"),
    ("2\\sqrt{2}", "\\sqrt{8}", 1, "irrational equal"),
    ("2\\sqrt{3}", "3.4641016", 1, "irrational decimal within tolerance"),
    ("2\\sqrt{3}", "3.46", 0, "irrational decimal too coarse"),
    ("3\\pi", "9.42477796", 1, "pi multiple"),
    ("\\pi", "3.14159265", 1, "pi"),
    ("\\pi", "3.14", 0, "pi too coarse"),
    ("2.5", "10 \\div 4", 1, "\\div"),
    ("0.25", "2^{-2}", 1, "negative exponent"),
    ("120", "5!", 1, "factorial"),
    ("14", "$14$", 1, "inline math"),
    ("14", "$$14$$", 1, "display math"),
    ("14", "\\(14\\)", 1, "\\( \\)"),
    ("14", "\\[14\\]", 1, "\\[ \\]"),
    ("14", "\\text{14}", 1, "\\text"),
    ("14", "\\mathbf{14}", 1, "\\mathbf"),
    ("14", "\\mathrm{14}", 1, "\\mathrm"),
    ("14", "14\\!", 1, "\\! spacing"),
    ("14", "\\,14\\;", 1, "spacing commands"),
    ("14", "~14", 1, "tilde"),
    ("90", "90^\\circ", 1, "degrees"),
    ("90", "90^{\\circ}", 1, "degrees braced"),
    ("90", "90\u00b0", 1, "degree sign"),
    ("90", "90 degrees", 1, "degrees word"),
    ("18", "$18", 1, "dollar sign"),
    ("18", "\\$18", 1, "escaped dollar"),
    ("18", "18 dollars", 1, "dollars word"),
    ("18", "\u20ac18", 1, "euro sign"),
    ("18.5", "$18.50", 1, "cents"),
    ("5", "5 cm", 1, "unit cm"),
    ("5", "5\\text{ cm}^2", 1, "LaTeX unit squared"),
    ("5", "5 meters", 1, "unit word"),
    ("12", "12 apples", 1, "count noun"),
    ("12", "13 apples", 0, "count noun wrong"),
    ("14", "x = 14", 1, "assignment"),
    ("14", "2 + 12 = 14", 1, "worked equation"),
    ("3, 5", "3, 5", 1, "tuple"),
    ("3, 5", "(3, 5)", 1, "parenthesised tuple"),
    ("(3, 5)", "(5, 3)", 0, "tuple order matters"),
    ("\\{3, 5\\}", "\\{5, 3\\}", 1, "set order does not matter"),
    ("3, 5", "3", 0, "missing value"),
    ("Monday", "monday", 1, "word, case-insensitive"),
    ("Monday", "Tuesday", 0, "different word"),
    ("x+1", "x + 1", 1, "expression with a free variable, as text"),
    ("x+1", "x + 2", 0, "different expression"),
    ("1e100", "10^{100}", 1, "huge values within tolerance"),
    ("0", "0", 1, "zero"),
    ("0", "-0", 1, "negative zero"),
    ("0", "0.0", 1, "zero decimal"),
    ("100", "1e2", 1, "e notation integer"),
    ("72", "\\boxed{72}", 1, "boxed inside answer tag"),
    ("72", "The final result is \\boxed{72}.", 1, "boxed with text inside answer tag"),
    ("72", "He needs 72 more", 1, "one number in a short sentence"),
    ("5/2", "2.5", 1, "reference fraction"),
    ("-3/4", "-\\frac{3}{4}", 1, "negative LaTeX fraction"),
    ("7", "\\frac{14}{2}", 1, "fraction equal to integer"),
    ("0.1", "\\frac{1}{10}", 1, "tenth"),
    ("0.3", "0.1 + 0.2", 1, "exact decimal arithmetic"),
    ("0.30000001", "0.1 + 0.2", 0, "exactness"),
    # Forms Math-Verify's own tests accept (values chosen here).
    ("3.45", "3,45", 1, "decimal comma"),
    ("0.222", "0,222", 1, "decimal comma after a lone zero"),
    ("3.45", "3, 45", 0, "comma and space separate values"),
    ("48210", "48,\\!210", 1, "thousands with ,\\!"),
    ("49.95", "49.95$", 1, "trailing dollar"),
    ("49.95", "49.95\u20ac", 1, "trailing euro"),
    ("42", "42.", 1, "sentence period inside math"),
    ("35", "35 percent", 1, "percent word"),
    ("35", "35 pct", 1, "pct"),
    ("0.5", "\\cfrac{1}{2}", 1, "\\cfrac"),
    ("11", "x \\approx 11", 1, "approximately"),
    ("11", "x = 5+5+1 = 7 = 11", 1, "last right-hand side of a chain"),
    ("4", "004", 1, "leading zeros"),
    ("5", "5 \\textnormal{ miles}", 1, "\\textnormal unit"),
    ("(0.6, 2.5]", "(3/5, 5/2]", 1, "half-open interval"),
    ("(0, 1)", "[0, 1)", 0, "interval ends differ"),
    ("2", "2^{10}.", 0, "a power is not its base"),
    ("2", "AZYUK2A", 0, "digit inside a word is not a number"),
    ("34", "The largest $n$ is 34.", 1, "one number in a sentence"),
]
for ref, ans, exp, note in FORMS:
    add("form", ref, tag(ans), exp, note)

# Extraction rules.
add("form", "14", "Therefore \\boxed{14}", 1, "boxed without answer tag")
add("form", "14", "Therefore \\fbox{14}", 1, "fbox")
add("form", "14", "Thus the answer is 14.", 1, "phrase rule", {"extract": ["phrase"]})
add("form", "14", "Final answer: 14", 1, "final answer colon", {"extract": ["phrase"]})
add("form", "14", "所以答案是 14", 1, "Chinese phrase", {"extract": ["phrase"]})
add("form", "14", "Entonces, la respuesta es 14.", 1, "Spanish phrase", {"extract": ["phrase"]})
add("form", "14", "3 times 4 is 12, plus 2 is 14", 1, "last number", {"extract": ["last_number"]})
add("form", "14", "3 times 4 is 12, plus 2 is 14.", 1, "last number with period", {"extract": ["last_number"]})
add("form", "14", "no tag but the answer is 14", 0, "default rules ignore phrases")
add("form", "14", "I think the answer is 14", 1, "fallback chain", {"extract": ["answer_tag", "boxed", "phrase"]})
add("form", "0.5", tag("50%"), 1, "percent_as_fraction", {"percent_as_fraction": True})
add("form", "3, 5", tag("5, 3"), 1, "unordered", {"unordered": True})
add("form", "\\pi", tag("3.14"), 1, "loose tolerance", {"rel_tol": 0.001})
add("form", "72", "<think>...</think><answer>\n\n  72  \n</answer>", 1, "whitespace in tag")
add("form", "72", "<answer>72</answer>", 1, "answer tag only")
add("form", "72", "<think>maybe 70</think><answer>72</answer>", 1, "numbers in think ignored")
add("form", "14", "<answer>\\boxed{14}</answer> and later \\boxed{20}", 1,
    "answer tag wins over boxed outside it")
add("form", "1, 2", "so \\boxed{1} and \\boxed{2}", 1, "one boxed value per reference value")
add("form", "1, 2", "so \\boxed{2} and \\boxed{1}", 0, "one boxed value each, wrong order")

# ------------------------------------------------------------------- hacks
HACKS = [
    (tag("\\boxed{14} \\boxed{20}"), "two boxed answers in the tag"),
    ("\\boxed{14} or maybe \\boxed{20}", "two boxed answers"),
    ("\\boxed{13}\\boxed{14}\\boxed{15}", "three boxed answers"),
    (tag("14 or 20"), "x or y"),
    (tag("either 14 or 20"), "either x or y"),
    (tag("14 or maybe 20"), "hedge with maybe"),
    (tag("14, 20"), "list of candidates"),
    (tag("(14, 20)"), "tuple of candidates"),
    (tag("\\{14, 20\\}"), "set of candidates"),
    (tag("13, 14, 15"), "range of candidates"),
    (tag("13 to 15"), "range in words"),
    (tag("between 13 and 15"), "between"),
    (tag("14 / 20"), "slash hedge (= 0.7)"),
    (tag("14 \\text{ or } 20"), "LaTeX text or"),
    (tag("14 \\lor 20"), "logical or"),
    (tag("14 \\pm 1"), "plus-minus"),
    (tag("\\approx 13"), "approximate wrong value"),
    ("<answer>14</answer><answer>20</answer>", "two answer tags"),
    ("<answer>20</answer> no wait <answer>14</answer>", "answer tags disagree"),
    ("<think><answer>14</answer></think><answer>20</answer>", "right answer hidden in think"),
    ("<think>\\boxed{14}</think><answer>20</answer>", "boxed in think, wrong tag"),
    (tag(""), "empty answer tag"),
    (tag("   "), "blank answer tag"),
    (tag("\\boxed{}"), "empty boxed"),
    ("\\boxed{}", "empty boxed alone"),
    (tag("$$"), "empty math"),
    (tag("\\text{}"), "empty text"),
    ("14", "bare number without a tag"),
    ("The answer is 14", "phrase without the phrase rule"),
    ("I will not answer", "no answer"),
    ("", "empty completion"),
    ("<answer>14", "unclosed answer tag"),
    ("14</answer>", "missing opening tag"),
    ("<ANSWER>14</ANSWER>", "wrong case tags"),
    ("<answer >14</answer >", "spaced tags"),
    (tag(" " * 300 + "14"), "padding past max_answer_chars"),
    (tag("14 " + "pad " * 60), "long answer region"),
    (tag("The answer could be 10, 11, 12, 13, 14, 15 or 16"), "enumeration"),
    (tag("-14"), "negated value"),
    (tag("14^{1}\\cdot 0 + 20"), "expression evaluating to 20"),
    (tag("\\frac{14}{0}"), "division by zero"),
    (tag("14!"), "factorial of the right number"),
    (tag("1.4e1 or 2e1"), "hedged e notation"),
    (tag("14\u200b0"), "zero-width space splitting 140"),
    (tag("fourteen or twenty"), "words hedge"),
    (tag("14 (or 20 if rounding)"), "parenthetical hedge"),
    (tag("x = 14, y = 20"), "two assignments"),
    (tag("14 and 20"), "both"),
    (tag("\\boxed{14}\\text{ or }\\boxed{20}"), "boxed hedge in tag"),
]
for completion, note in HACKS:
    add("hack", "14", completion, 0, note)
add("hack", "14", "", 0, "prompt holds the answer, completion does not")
add("hack", "14", tag("\\boxed{14} \\boxed{20}"), 1, "allow_multiple accepts a hedge with the answer",
    {"allow_multiple": True})
add("hack", "14", tag("13 or 15"), 0, "allow_multiple still needs a right one", {"allow_multiple": True})

# ----------------------------------------------------------------- hostile
HOSTILE = [
    (tag("2^{2^{2^{2^{100}}}}"), None, "exponent tower"),
    (tag("9^9^9^9^9"), None, "right-associative tower"),
    (tag("10^{10^{10}}"), None, "googolplex-like"),
    (tag("100000!"), None, "huge factorial"),
    (tag("171!"), None, "factorial past double"),
    (tag("(10^{300})^{10}"), None, "overflow"),
    (tag("1e400"), None, "literal past double"),
    (tag("\\frac{1}{0}"), None, "division by zero"),
    (tag("0^{-1}"), None, "zero to a negative power"),
    (tag("\\sqrt{-4}"), None, "root of a negative"),
    (tag("\\boxed{\\frac{5^{5^{5^{5^{5}}}}}{2}}"), None, "power tower in a fraction (Math-Verify #65 hangs)"),
    (tag("2^{2^{2^{2^{2^{2^{2^{2}}}}}}}"), None, "deep tower"),
    (None, ["<answer>", "{", 10000, "14" + "}" * 10000 + "</answer>"], "10,000 nested braces"),
    (None, ["<answer>", "(", 10000, "14" + ")" * 10000 + "</answer>"], "10,000 nested parentheses"),
    (None, ["<answer>", "\\frac{1}{", 1000, "2" + "}" * 1000 + "</answer>"], "\\frac nested 1000 deep"),
    (None, ["<answer>", "9", 1 << 20, "</answer>"], "1 MB digit string in the answer tag"),
    (None, ["", "9", 1 << 20, ""], "1 MB digit string, no tag"),
    (None, ["\\boxed{", "9", 1 << 20, "}"], "1 MB digit string boxed"),
    (None, ["", "\\boxed{", 10000, ""], "10,000 unclosed \\boxed{"),
    (None, ["", "<answer>", 10000, "14"], "10,000 unclosed answer tags"),
    (None, ["", "</answer>", 10000, ""], "10,000 closing tags"),
    (None, ["<answer>", "-", 100000, "14</answer>"], "100,000 minus signs"),
    (None, ["<answer>", "\\sqrt{", 5000, "4" + "}" * 5000 + "</answer>"], "nested roots"),
    (None, ["<answer>", "2^", 5000, "2</answer>"], "5,000-level power chain"),
    (None, ["<answer>1", "+1", 100000, "</answer>"], "100,000-term sum"),
    (None, ["<answer>", "\\left(", 5000, "1" + "\\right)" * 5000 + "</answer>"], "nested \\left("),
    (None, ["<think>", "a", 1 << 20, "</think><answer>20</answer>"], "1 MB of reasoning, wrong answer"),
    (None, ["<answer>", "1,000", 20000, "</answer>"], "20,000 thousands groups"),
    (None, ["<answer>", "\\text{", 5000, "14" + "}" * 5000 + "</answer>"], "nested \\text"),
    (None, ["<answer>", "\\boxed{", 5000, "14" + "}" * 5000 + "</answer>"], "nested \\boxed in tag"),
    (tag("\\frac{" * 50 + "1" + "}{2}" * 50), None, "balanced \\frac chain of 50"),
    (tag("1" * 500), None, "500-digit literal"),
    (tag("0." + "0" * 450 + "1"), None, "tiny literal with 450 digits"),
]
for completion, repeat, note in HOSTILE:
    add("hostile", "14", completion, 0, note, repeat=repeat)
# The same inputs with the region limit lifted: the parser's own bounds
# (nesting depth, literal size, magnitude) must still hold.
for completion, repeat, note in HOSTILE:
    if repeat is not None and "no tag" not in note and "unclosed" not in note and "closing tags" not in note \
            and "reasoning" not in note:
        # Wrappers around the right value are peeled (in linear time): that is 14.
        expected = 1 if note.startswith("nested \\text") or note.startswith("nested \\boxed") else 0
        add("hostile", "14", None, expected, note + " (max_answer_chars lifted)", {"max_answer_chars": 10000000},
            repeat=repeat)

# ------------------------------------------------------------------- gsm8k
def with_commas(n):
    return f"{n:,}"


def gsm8k(path):
    rng = random.Random(8)
    problems = [json.loads(line) for line in open(path, encoding="utf-8")]
    picked = problems[:90] + [p for p in problems if "," in p["answer"].split("####")[-1]][:30]
    for i, p in enumerate(picked):
        ref = p["answer"]
        n = int(p["answer"].split("####")[-1].strip().replace(",", ""))
        forms = [
            str(n), f"\\boxed{{{n}}}", f"${n}$", f"{n}.0", with_commas(n), f"\\frac{{{2 * n}}}{{2}}",
            f"{n} dollars", f"\\${with_commas(n)}", f"x = {n}", f"{n}.", f"\\text{{{n}}}",
            f"The answer is {n}", f"{n}\\,\\text{{units}}", f"{n - 1} + 1",
        ]
        right = forms[i % len(forms)]
        think = f"Step by step: ... so the result is {n}."
        add("gsm8k", ref, tag(right, think), 1, f"GSM8K test #{problems.index(p)}: {right}")
        wrong = rng.choice([n + 1, n - 1, n * 10, n + 10, -n if n else 1])
        if wrong == n:
            wrong = n + 2
        add("gsm8k", ref, tag(str(wrong), think), 0, f"GSM8K test #{problems.index(p)}: wrong {wrong}")


# ------------------------------------------------------------- competition
# Competition-style answers (issue 12): each class with right answers
# written another way (1) and the anti-hacking negatives that must still
# hold (0). Appended after the GSM8K rows so existing ids never move.
ALL_RULES = {"extract": ["answer_tag", "boxed", "phrase", "last_number"]}
COMPETITION = [
    # (reference, completion, expected, note, params)
    # Class 1: an empty \boxed{} (the echoed instruction) is not a candidate.
    ("6", "Put your final answer within \\boxed{}. ... so the total is \\boxed{6}.", 1,
     "empty boxed echoed before the answer", None),
    ("6", "So \\boxed{6}. (Answer format: \\boxed{})", 1, "empty boxed echoed after the answer", None),
    ("6", "\\boxed{} and \\boxed{ } then \\boxed{6}", 1, "several empty boxes", None),
    ("6", tag("\\boxed{}\\boxed{6}"), 1, "empty boxed inside the answer tag", None),
    ("6", "\\boxed{} so \\boxed{6} or \\boxed{7}", 0, "empty boxed does not hide a hedge", None),
    ("6", "\\boxed{}", 0, "only an empty boxed", None),
    ("6", "\\boxed{} \\boxed{7}", 0, "empty boxed and a wrong one", None),
    # Class 6: last_number reads the last expression of a math span, not its last digit run.
    ("\\frac{11}{36}", "The probability is \\(\\frac{11}{36}\\).", 1, "last fraction in \\( \\)", ALL_RULES),
    ("-\\frac{24}{25}", "Therefore, $\\cos \\angle RPS = -\\frac{24}{25}$.", 1, "last span after =", ALL_RULES),
    ("6\\sqrt{2}", "The length of \\(AB\\) is \\(6\\sqrt{2}\\).", 1, "last radical", ALL_RULES),
    ("-\\frac{2 \\sqrt{3}}{3}", "so \\[ x = -\\frac{2\\sqrt{3}}{3} \\]", 1, "display math", ALL_RULES),
    ("\\tfrac{8\\pi}5", "the area is $$\\frac{8\\pi}{5}$$ square units.", 1, "$$ span with words after", ALL_RULES),
    ("2007+\\frac{\\pi}{2}", "the value of \\(x + y\\) is \\(2007 + \\frac{\\pi}{2}\\).", 1, "sum in a span",
     ALL_RULES),
    ("15", "So $x$ is $3$ and $y$ is $15$.", 1, "several spans, the last one", ALL_RULES),
    ("36", "The probability is \\(\\frac{11}{36}\\).", 0, "a denominator is not the answer", ALL_RULES),
    ("2", "The length of \\(AB\\) is \\(6\\sqrt{2}\\).", 0, "a radicand is not the answer", ALL_RULES),
    ("14", "the value is \\(14 \\text{ or } 20\\).", 0, "a hedge inside the last span", ALL_RULES),
    ("14", "the values are \\(14, 20\\).", 0, "a list inside the last span", ALL_RULES),
    ("14", None, 0, "100,000-term sum in one span (read for its last number)", ALL_RULES | {"max_answer_chars": 10000000},
     ["\\(", "1+", 100000, "1\\)"]),
    ("14", None, 0, "100,000 dollar spans", ALL_RULES, ["", "$1$ ", 100000, ""]),
    # Class 5: a reference listing values without brackets is a set of solutions;
    # a comma in a several-value reference separates values.
    ("-2,-1,1,2", tag("2, 1, -1, -2"), 1, "list reference, any order", None),
    ("7,14,18", "so \\boxed{(18, 14, 7)}", 1, "list reference, answer in parentheses", None),
    ("-2,-1,1,2", "so \\boxed{2, 1, -1}", 0, "list reference, a value missing", None),
    ("-2,-1,1,2", "so \\boxed{2, 1, -1, -2, 3}", 0, "list reference, an extra value", None),
    ("-2,-1,1,2", "so \\boxed{2, 1, -1, 3}", 0, "list reference, a wrong value", None),
    ("-2,-1,1,2", "so \\boxed{2, 2, -1, -2}", 0, "list reference, a value twice", None),
    ("(7, 14, 18)", "so \\boxed{(18, 14, 7)}", 0, "a tuple reference keeps its order", None),
    ("$8$,$4$", "so \\boxed{4, 8}", 1, "comma between math spans separates values", None),
    ("$8$,$4$", "so \\boxed{8.4}", 0, "not a decimal comma", None),
    ("5,1", "so \\boxed{5,1}", 1, "two values, not 5.1", None),
    ("1, 2", "so \\boxed{1.2}", 0, "spaced list is not a decimal", None),
    ("14", "so \\boxed{14,5}", 0, "a decimal comma against one value is 14.5", None),
    ("14", "so \\boxed{14, 20}", 0, "a list against one value", None),
    ("1,22", tag("1.22"), 1, "decimal-comma reference", None),
    ("0,111", tag("0.111"), 1, "decimal-comma reference after a lone zero", None),
    ("0,111", tag("111"), 0, "decimal-comma reference is not thousands", None),
    # Class 2: a final-answer phrase narrows the region; "# Answer" (PRM800K) names the next line.
    ("12\\pi", "The speed is 12*pi inches per second.\n\n# Answer\n\n12\\pi", 1, "# Answer heading",
     ALL_RULES),
    ("(2,4)", "So the point is $(2,4)$.\n\n# Answer\n\n(2, 4)", 1, "# Answer heading, a pair", ALL_RULES),
    ("12\\pi", "About 37 inches.\n\n# Answer\n\n13\\pi", 0, "# Answer heading, wrong value", ALL_RULES),
    ("14", "So 14 it is.\n\n# Answer\n\n14 or 20", 0, "# Answer heading, a hedge", ALL_RULES),
    ("28%", tag("It lost 10% then gained 20%. Final Answer: The final answer is 28%. I hope it is correct."), 1,
     "final-answer phrase inside the answer tag", None),
    ("7", tag("We get 5 and then 7. The final answer is 7"), 1, "phrase narrows a block with other numbers", None),
    ("5", tag("We get 5 and then 7. The final answer is 7"), 0, "phrase narrows to the last value", None),
    ("14", tag("The final answer is 14. Or maybe 20."), 0, "a number after the phrase keeps the block whole", None),
    ("14", tag("The answer is 14 or 20"), 0, "a hedge in the phrase", None),
    # Class 3: \\text{...} words after a value are a unit, on either side.
    ("12\\text{ square units}", "so \\boxed{12}", 1, "reference with a two-word unit", None),
    ("65 \\text{ children tickets }", "so \\boxed{65}", 1, "reference with a padded unit", None),
    ("8\\sqrt{3} \\text { square inches}", "so \\boxed{8\\sqrt{3}}", 1, "\\text { with a space", None),
    ("12", "so \\boxed{12 \\text{ square units}}", 1, "answer with a two-word unit", None),
    ("12", "so \\boxed{12 \\mbox{ sq. units}^2}", 1, "\\mbox unit squared", None),
    ("12\\text{ square units}", "so \\boxed{13}", 0, "unit reference, wrong value", None),
    ("14", "so \\boxed{14 \\text{ or } 20}", 0, "a hedge in words is not a unit", None),
    ("14", "so \\boxed{14 \\text{ and } 20 \\text{ cm}}", 0, "a unit after a hedge", None),
    ("\\text{No}", "so \\boxed{\\text{Yes}}", 0, "a word alone is not a unit", None),
    # Class 4: a base subscript makes one number in that base.
    ("7602_8", "so \\boxed{7602_8}", 1, "base 8, same form", None),
    ("204_5", "so \\boxed{204_{5}}", 1, "braced base", None),
    ("0.0011_{2}", "so $\\boxed{0.0011_2}$", 1, "binary fraction", None),
    ("2516_8", tag("2516"), 1, "digits without the subscript, read in the reference's base", None),
    ("7602_8", "so \\boxed{7603_8}", 0, "base 8, wrong digit", None),
    ("7602_8", "so \\boxed{7602}", 1, "bare digits of the base-8 reference", None),
    ("7602_8", "so \\boxed{3970}", 0, "the decimal value is not the base-8 answer", None),
    ("7602_8", "so \\boxed{7602_9}", 0, "another base", None),
    ("7602", "so \\boxed{7602_8}", 0, "a base-8 answer to a decimal reference", None),
    ("7602_8", "so \\boxed{7602_8 \\text{ or } 7603_8}", 0, "hedge in base 8", None),
    # Class 7: expressions with free variables compare by value at fixed points.
    ("4a-2", "so \\boxed{4a - 2}", 1, "linear expression, spacing", None),
    ("-13x+3", "so \\boxed{3 - 13x}", 1, "terms reordered", None),
    ("x^2 + 10x + 25", "so \\boxed{(x+5)^2}", 1, "factored form", None),
    ("7x(x-1)(x-2)", "so \\boxed{7x^3 - 21x^2 + 14x}", 1, "expanded form", None),
    ("2RC+R+C", "so \\boxed{2CR + C + R}", 1, "two variables, products of letters", None),
    ("\\frac{n(n+1)}{2}", "so \\boxed{\\frac{n^2+n}{2}}", 1, "fraction of a polynomial", None),
    ("f(x)=1-\\dfrac{x^2}{2}", "so \\boxed{1 - \\frac{1}{2}x^2}", 1, "a function's definition", None),
    ("1-\\ln (e-1)", "so \\boxed{1 - \\ln(e - 1)}", 1, "\\ln", None),
    ("\\log _{2008} 2009", "so \\boxed{\\frac{\\ln 2009}{\\ln 2008}}", 1, "\\log with a base", None),
    ("4a-2", "so \\boxed{4a+2}", 0, "a sign differs", None),
    ("4a-2", "so \\boxed{4b-2}", 0, "another variable", None),
    ("x^2 + 10x + 25", "so \\boxed{x^2 + 10x + 24}", 0, "a constant differs", None),
    ("\\frac{n(n+1)}{2}", "so \\boxed{\\frac{n(n-1)}{2}}", 0, "a factor differs", None),
    ("4a-2", "so \\boxed{4a-2 \\text{ or } 4a+2}", 0, "a hedge between expressions", None),
    ("4a-2", "so \\boxed{4a-2, 4a+2}", 0, "a list of expressions", None),
    ("4a-2", "so \\boxed{2}", 0, "a number for an expression", None),
    ("14", "so \\boxed{14x + 1}", 0, "an expression for a number", None),
    ("x", None, 0, "100,000-term sum in x", {"max_answer_chars": 10000000}, ["\\boxed{", "x+", 100000, "x}"]),
    # Class 5: several bracketed groups (solutions, a union of intervals) in any order.
    ("(2,1),(1,2)", "so \\boxed{(1, 2), (2, 1)}", 1, "two solution pairs, reordered", None),
    ("(2,1),(1,2)", "so \\boxed{(1, 2)}, \\boxed{(2, 1)}", 1, "one pair per box", None),
    ("$(3,0),(-3,1)$", "so \\boxed{(-3,1) \\text{ and } (3,0)}", 1, "pairs joined by 'and'", None),
    ("(1,4-\\sqrt{3})\\cup(4+\\sqrt{3},7)", "so \\boxed{(4+\\sqrt{3}, 7) \\cup (1, 4-\\sqrt{3})}", 1,
     "union of intervals, reordered", None),
    ("[-1, -\\tfrac12) \\cup (-\\tfrac12, 0)", "so \\boxed{[-1, -0.5) \\cup (-0.5, 0)}", 1, "half-open union",
     None),
    ("(2,1),(1,2)", "so \\boxed{(1, 2)}", 0, "a pair missing", None),
    ("(2,1),(1,2)", "so \\boxed{(1, 2), (2, 1), (3, 3)}", 0, "an extra pair", None),
    ("(2,1),(1,2)", "so \\boxed{(1, 2), (2, 2)}", 0, "a wrong pair", None),
    ("(2,1),(1,2)", "so \\boxed{(1, 2)}, \\boxed{(2, 1)}, \\boxed{(3, 3)}", 0, "an extra box", None),
    ("(1, 2)", "so \\boxed{(1, 2), (2, 1)}", 0, "two pairs for one", None),
    ("(1, 2)", "so \\boxed{(1, 2)} or \\boxed{(2, 1)}", 0, "two boxed pairs for one", None),
    ("[-1, -\\tfrac12) \\cup (-\\tfrac12, 0)", "so \\boxed{[-1, -0.5] \\cup (-0.5, 0)}", 0,
     "a closed end for an open one", None),
    ("(1,2),(3,4)", None, 0, "100,000 groups", {"max_answer_chars": 10000000}, ["\\boxed{", "(1,2),", 100000, "(3,4)}"]),
    # Class 7: matrices are tuples of their cells with their shape.
    ("\\begin{pmatrix} 1/5 \\\\ -3/5 \\end{pmatrix}",
     "so \\[\\boxed{\\begin{pmatrix} \\frac{1}{5} \\\\ -\\frac{3}{5} \\end{pmatrix}}\\]", 1, "column vector", None),
    ("\\begin{pmatrix} 0 & 1 \\\\ 1 & 0 \\end{pmatrix}", "so \\boxed{\\begin{pmatrix}0&1\\\\1&0\\end{pmatrix}}", 1,
     "2x2 matrix, no spaces", None),
    ("\\begin{pmatrix} 2 & 7 \\\\ 13 & -2 \\end{pmatrix}", "so \\boxed{\\begin{bmatrix} 2 & 7 \\\\ 13 & -2 \\end{bmatrix}}",
     1, "bmatrix for pmatrix", None),
    ("\\begin{pmatrix} 1/5 \\\\ -3/5 \\end{pmatrix}",
     "so \\boxed{\\begin{pmatrix} \\frac{1}{5} \\\\ \\frac{3}{5} \\end{pmatrix}}", 0, "a sign differs", None),
    ("\\begin{pmatrix} 2 & 7 \\\\ 13 & -2 \\end{pmatrix}", "so \\boxed{\\begin{pmatrix} 2 & 13 \\\\ 7 & -2 \\end{pmatrix}}",
     0, "the transpose", None),
    ("\\begin{pmatrix} 2 & 7 \\\\ 13 & -2 \\end{pmatrix}", "so \\boxed{\\begin{pmatrix} 2 \\\\ 7 \\\\ 13 \\\\ -2 \\end{pmatrix}}",
     0, "same cells, another shape", None),
    ("\\begin{pmatrix} 6 \\\\ 3 \\end{pmatrix}", "so \\boxed{(6, 3)}", 0, "a tuple for a column vector", None),
    ("\\begin{pmatrix} 6 \\\\ 3 \\end{pmatrix}", "so \\boxed{\\begin{pmatrix} 6 \\\\ 3 \\end{pmatrix}} or "
     "\\boxed{\\begin{pmatrix} 3 \\\\ 6 \\end{pmatrix}}", 0, "two matrices", None),
    # Class 5: \\pm stands for its two values.
    ("1 \\pm \\sqrt{19}", "so \\boxed{1 \\pm \\sqrt{19}}", 1, "\\pm both sides", None),
    ("1 \\pm \\sqrt{19}", "so \\boxed{1 - \\sqrt{19}, 1 + \\sqrt{19}}", 1, "both roots listed", None),
    ("\\{1\\pm\\sqrt{5},-2\\}", "so \\boxed{-2, 1+\\sqrt{5}, 1-\\sqrt{5}}", 1, "\\pm inside a set", None),
    ("$\\pm 2021$", "so \\boxed{2021, -2021}", 1, "\\pm alone", None),
    ("x = \\frac{-1 \\pm \\sqrt{13}}{4}", "so \\boxed{\\frac{-1 \\pm \\sqrt{13}}{4}}", 1, "\\pm inside \\frac", None),
    ("1 \\pm \\sqrt{19}", "so \\boxed{1 + \\sqrt{19}}", 0, "only one root", None),
    ("1 \\pm \\sqrt{19}", "so \\boxed{1 \\pm \\sqrt{18}}", 0, "\\pm, wrong radicand", None),
    ("1 + \\sqrt{19}", "so \\boxed{1 \\pm \\sqrt{19}}", 0, "\\pm for one root", None),
    ("1 \\pm \\sqrt{19}", "so \\boxed{1 \\pm \\sqrt{19}, 5}", 0, "\\pm and an extra value", None),
    ("2", "so \\boxed{2 \\pm 0 \\pm 0}", 0, "two \\pm in one element", None),
    # Class 5: in a list, comma groups of three digits are values, not thousands.
    ("27,54,108,135", "so \\boxed{27, 54, 108, 135}", 1, "three-digit values in a list reference", None),
    ("$(1,1006),(3,331),(11,31)$", "so \\boxed{(1, 1006), (3, 331), (11, 31)}", 1, "three digits after a comma in a tuple",
     None),
    ("27,54,108,135", "so \\boxed{27, 54108135}", 0, "a list is not a thousands number", None),
    ("(3,331)", "so \\boxed{3331}", 0, "a pair is not a thousands number", None),
    ("1,234,567", tag("1234567"), 1, "a reference that is one number keeps its thousands", None),
    ("$6,600", tag("6600"), 1, "currency and thousands in a reference", None),
    # Class 5: labelled values ("k = 45, n = 2") are their values.
    ("$$k = 45, n = 2$$", tag("k = 45, n = 2"), 1, "labelled values", None),
    ("$$k = 45, n = 2$$", tag("45, 2"), 1, "labels dropped", None),
    ("$a=2$, $a=-6-4 \\sqrt{2}$", "so \\boxed{a = -6 - 4\\sqrt{2}, a = 2}", 1, "labelled solutions, reordered", None),
    ("p = -1 \\text{ and } p = \\dfrac{15}{8}", tag("$p=-1,p=\\frac{15}{8}$"), 1, "'and' between labelled values",
     None),
    ("$f(n)=n$, $g(n)=1$", "so \\boxed{\\left( f(n) = n, g(n) = 1 \\right)}", 1, "labelled values in parentheses", None),
    ("$$k = 45, n = 2$$", tag("k = 45, n = 3"), 0, "a labelled value differs", None),
    ("$$k = 45, n = 2$$", tag("k = 45"), 0, "a labelled value missing", None),
    ("14", tag("x = 14 or x = 20"), 0, "labelled hedge", None),
    ("14", tag("x = 14, 20"), 0, "a label before a list", None),
    # Class 5: intervals with infinite ends; "x \\in" names the value.
    ("(-\\infty,-5)", "so \\boxed{(-\\infty, -5)}", 1, "open ray", None),
    ("[2, \\infty)", "so \\boxed{x \\in [2, \\infty)}", 1, "\\in and a ray", None),
    ("x \\in [-2,7]", "so \\boxed{[-2, 7]}", 1, "\\in in the reference", None),
    ("(-\\infty, 1) \\cup (2, \\infty)", "so \\boxed{(2,\\infty)\\cup(-\\infty,1)}", 1, "union of rays", None),
    ("(-\\infty,-5)", "so \\boxed{(-\\infty, -5]}", 0, "closed end for an open one", None),
    ("(-\\infty,-5)", "so \\boxed{(\\infty, -5)}", 0, "sign of infinity", None),
    ("(-\\infty,-5)", "so \\boxed{(-10^{300}, -5)}", 0, "a large number is not infinity", None),
    ("14", "so \\boxed{\\infty}", 0, "infinity for a number", None),
    ("14", "so \\boxed{\\infty - \\infty + 14}", 0, "arithmetic on infinity", None),
    ("14", None, 1, "100,000 \\in finish fast (the value after the last one)", {"max_answer_chars": 10000000}, ["\\boxed{", "\\in ", 100000, "14}"]),
    # A bare word is text (without case), not an expression in its letters.
    ("\\text{No}", "so \\boxed{no}", 1, "a word reference, another case", None),
    ("\\text{(C)}", "so \\boxed{\\text{C}}", 1, "a choice letter", None),
    ("C", "so \\boxed{c}", 1, "a choice letter, another case", None),
    ("\\text{No}", "so \\boxed{\\text{On}}", 0, "the same letters in another order", None),
    # Relations of one variable are intervals.
    ("$x < 3$", "so \\boxed{x \\lt 3}", 1, "\\lt", None),
    ("$x < 3$", "so \\boxed{(-\\infty, 3)}", 1, "a relation as an interval", None),
    ("$x \\leq 5$", "so \\boxed{5 \\geq x}", 1, "a relation read backwards", None),
    ("$k \\geqslant 2$", "so \\boxed{[2, \\infty)}", 1, "\\geqslant", None),
    ("$-2 \\le x \\le 7$", "so \\boxed{x \\in [-2, 7]}", 1, "a double inequality", None),
    ("$x <= 1$", "so \\boxed{x \\leq 1}", 1, "<=", None),
    ("$x < 3$", "so \\boxed{x \\leq 3}", 0, "strict vs not", None),
    ("$x < 3$", "so \\boxed{x > 3}", 0, "direction", None),
    ("$x < 3$", "so \\boxed{3}", 0, "the bound alone", None),
    ("$x \\ge 5$", "so \\boxed{x \\geq 5 \\text{ or } x \\leq 1}", 0, "a hedge of relations", None),
    ("$-2 \\le x \\le 7$", "so \\boxed{-2 < x \\le 7}", 0, "one end open", None),
    ("5", "so \\boxed{x \\geq 5}", 0, "a relation for a number", None),
]


def competition():
    for ref, completion, expected, note, params, *repeat in COMPETITION:
        add("compete", ref, completion, expected, note, params, repeat=repeat[0] if repeat else None)


if __name__ == "__main__":
    gsm8k(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/gsm8k/test.jsonl")
    competition()
    for row in rows:
        print(json.dumps(row, ensure_ascii=False))
    counts = {}
    for r in rows:
        counts[r["category"]] = counts.get(r["category"], 0) + 1
    print(f"{len(rows)} cases: {counts}", file=sys.stderr)
