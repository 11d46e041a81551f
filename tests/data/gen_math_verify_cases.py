#!/usr/bin/env python3
"""Extract numeric-gold test cases from Hugging Face Math-Verify's test-suite.

Usage:
    python3 gen_math_verify_cases.py <math-verify git dir | checkout dir> [out.jsonl]
        [--commit REV] [--allow-unknown] [--all]

The script never imports math_verify.  It reads the test sources (via
``git show REV:tests/<file>`` when given a git dir, or directly from a checkout),
parses them with ``ast`` and pulls out every (gold, pred, expected) triple, i.e.

  * ``@pytest.mark.parametrize`` lists of tests whose body asserts
    ``compare_strings(gold, pred, ...) == expected`` (tests/test_all.py helper) or
    ``int(verify(parse(gold), parse(pred))) == result`` (tests/test_yujianll.py);
  * direct ``compare_strings("<const>", "<const>", ...) == <const>`` asserts in
    non-parametrized tests (test_all.py::test_precision).

String values are the values of the Python string constants (``ast.literal_eval``
semantics), so raw strings keep their backslashes and non-raw strings have their
escapes applied (e.g. ``"$\\text{13}$"`` contains a TAB character, exactly as in
upstream).  The only f-string case (test_float_precision) is evaluated with a
tiny whitelisted evaluator (``math.<fn>(<number>)`` with a format spec).

Each triple is then classified by its GOLD string: trivially numeric golds
(integer / decimal / fraction / percent) by regex, everything else through the
hand-curated table ``GOLD_TABLE`` below (keyed by the exact gold string; long
"full solution" golds are keyed by (file, test, index)).  Rows whose gold is
symbolic, a matrix, text-only or an equation in free variables are dropped
(``--all`` keeps them with ``"keep": false``).  A gold that is neither matched by
the regex rules nor present in the table is an error unless ``--allow-unknown``
is given (then it is kept as ``shape: "unsure"``, ``gold_kind: "other"``).

"index" is the 0-based position inside the test's parametrize list (pytest's
``[gold<index>-...]`` id order); commented-out upstream cases are not present in
the AST and therefore not counted.  For non-parametrized tests it is the 0-based
position of the ``compare_strings`` call inside the function.
"""

from __future__ import annotations

import ast
import io
import json
import math
import os
import re
import subprocess
import sys
import tokenize
from collections import Counter, OrderedDict

TEST_FILES = [
    "test_all.py",
    "test_open_thoughts.py",
    "test_numina_cases.py",
    "test_yujianll.py",
    "test_boxed.py",
    # The following have no gold/pred pairs of strings, but are scanned anyway so
    # that new pairs would be noticed:
    "test_strict.py",
    "test_string_extraction.py",
    "test_configs.py",
    "test_timeout.py",
    "test_raise_on_error.py",
]

# --------------------------------------------------------------------------
# How the upstream tests call the comparison (tests/test_all.py):
#
#   def compare_strings(gold, pred, match_types=["latex", "expr"], precision=6,
#                       strict=True, allow_set_relation_comp=False):
#       extraction_targets = []
#       for m in match_types:
#           if m == "latex": extraction_targets.append(LatexExtractionConfig(boxed_match_priority=0))
#           elif m == "expr": extraction_targets.append(ExprExtractionConfig())
#       gold_parsed = parse(gold, extraction_targets)
#       pred_parsed = parse(pred, extraction_targets)
#       return verify(gold_parsed, pred_parsed, float_rounding=precision,
#                     strict=strict, allow_set_relation_comp=allow_set_relation_comp)
#
# parse() defaults: fallback_mode="first_match", extraction_mode="any_match",
# parsing_timeout=5; verify() defaults: float_rounding=6, numeric_precision=15,
# strict=True, allow_set_relation_comp=False, timeout_seconds=5.
# test_yujianll.py instead calls verify(parse(gold), parse(pred)) with parse()'s
# default extraction_config = [LatexExtractionConfig(), ExprExtractionConfig()]
# i.e. boxed_match_priority=50 (boxed is matched after "final answer is" anchors).
# --------------------------------------------------------------------------
COMPARE_DEFAULTS = OrderedDict(
    match_types=["latex", "expr"],
    precision=6,
    strict=True,
    allow_set_relation_comp=False,
)


def extraction_desc(match_types, boxed_priority):
    parts = []
    for m in match_types:
        if m == "latex":
            parts.append(f"latex(boxed_match_priority={boxed_priority})")
        elif m == "expr":
            parts.append("expr")
    return "+".join(parts) if parts else "none"


# --------------------------------------------------------------------------
# Classification of golds.
# --------------------------------------------------------------------------
INT_RE = re.compile(r"^-?\d+$")
DEC_RE = re.compile(r"^-?\d*\.\d+$")
FRAC_RE = re.compile(r"^-?(?:\d+/\d+|\\frac\{\d+\}\{\d+\})$")
PCT_RE = re.compile(r"^-?\d+(?:\.\d+)?\s*(?:\\%|%)$")


def strip_math_delims(s: str) -> str:
    t = s.strip()
    for a, b in (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]")):
        if t.startswith(a) and t.endswith(b) and len(t) >= len(a) + len(b):
            inner = t[len(a): len(t) - len(b)]
            if a == "$" and "$" in inner:
                continue
            return inner.strip()
    return t


def auto_kind(gold: str):
    """Return (kind, note) for trivially numeric golds, else None."""
    core = strip_math_delims(gold)
    if INT_RE.match(core):
        return "integer", ""
    if DEC_RE.match(core):
        return "decimal", ""
    if FRAC_RE.match(core):
        return "fraction", ""
    if PCT_RE.match(core):
        return "percent", ""
    # thousands separators / comma decimal separators are deliberately NOT
    # auto-classified (they are ambiguous) -- see GOLD_TABLE.
    return None


DROP = "DROP"
N, U = "numeric", "unsure"

# gold string -> (kind | DROP, shape, note)
GOLD_TABLE = {
    # ---- test_all.py::test_number_extraction (expr only) -----------------
    "1,22": ("decimal", N, "comma used as decimal separator (1,22 == 1.22)"),
    "0,111": ("decimal", N, "comma used as decimal separator (0,111 == 0.111), not a thousands separator"),
    # ---- test_sets_handling ---------------------------------------------
    "$[0,1)$": ("interval", N, ""),
    "$[0,9)$": ("interval", N, ""),
    "$(0,9)$": ("interval", N, "open pair (a,b) read as an open interval in this test (test_sets_handling)"),
    # ---- test_latex_notation --------------------------------------------
    "$\\sqrt{3}$": ("irrational", N, ""),
    # ---- test_latex_notation_math ---------------------------------------
    "$2-2p$": (DROP, None, "symbolic (free variable p)"),
    "\\boxed{\n\\begin{pmatrix} 0 & 3 \\\\ 0 & -1 \\end{pmatrix}\n}.\n\\end{align*}": (DROP, None, "matrix"),
    "$(3, \\frac{\\pi}{2})$": ("tuple", N, "polar coordinates (3, pi/2)"),
    "$\\text{Evelyn}$": (DROP, None, "text answer"),
    "$90^\\circ$": ("units", N, "degrees (^\\circ)"),
    "$3\\sqrt{13}$": ("irrational", N, ""),
    "$\\frac{3}{56}$": ("fraction", N, ""),
    "$\\frac{14}{3}$": ("fraction", N, ""),
    "$15\\mbox{ cm}^2$": ("units", N, "unit via \\mbox{ cm}^2"),
    "$-2,1$": ("list", N, "comma-separated list of integers (roots)"),
    "$204_5$": ("base", N, "base-5 numeral 204_5"),
    "$(6,31,-1)$": ("tuple", N, ""),
    "$1 \\pm \\sqrt{19}$": ("pm", N, ""),
    "$3 \\pm 2 \\sqrt{2}$": ("pm", N, ""),
    "$\\{1\\pm\\sqrt{5},-2\\}$": ("set", N, "set containing a \\pm element"),
    "$f(2) < f(1) < f(4)$": (DROP, None, "symbolic relation chain"),
    "$2 \\sin b \\cos a$": (DROP, None, "symbolic (free variables a, b)"),
    "$\\frac{\\pi r}{h+r}$": (DROP, None, "symbolic (free variables r, h)"),
    "$125$ miles": ("units", N, "units as plain text outside the math delimiters"),
    "$[-1, -\\frac{1}{2}) \\cup (-\\frac{1}{2}, 0) \\cup (0, 1) \\cup (1, \\infty)$": ("union", N, "union of intervals incl. \\infty"),
    "$\\sqrt{2}+\\sqrt{5}$": ("irrational", N, ""),
    "$\\frac{9}{4}\\pi$": ("irrational", N, ""),
    "x \\in \\boxed{\\{-1\\} \\cup [0,7)}.$": ("union", N, "labelled 'x \\in'; union of a singleton set and an interval; unbalanced $"),
    # ---- test_relations_math (latex only) -------------------------------
    "$x >= 5$": ("interval", U, "gold is a one-variable inequality (relational form, equivalent to [5, oo))"),
    "$x < 3$": ("interval", U, "gold is a one-variable inequality (relational form)"),
    "$x \\leq 2$": ("interval", U, "gold is a one-variable inequality (relational form)"),
    "$x > 5$": ("interval", U, "gold is a one-variable inequality (relational form)"),
    "$x \\geq 5$": ("interval", U, "gold is a one-variable inequality (relational form)"),
    "$x \\leq 5$": ("interval", U, "gold is a one-variable inequality (relational form)"),
    "$x < 1$": ("interval", U, "gold is a one-variable inequality (relational form)"),
    "$x <= 1$": ("interval", U, "gold is a one-variable inequality (relational form)"),
    "$x != 3$": ("other", U, "gold is a one-variable inequation x != 3"),
    "$x \\neq 5$": ("other", U, "gold is a one-variable inequation x != 5"),
    "$x = 11$": ("labelled", N, ""),
    "$x = 1/3$": ("labelled", N, ""),
    "$7 = 11a+c$": ("other", U, "equation number = expression in free variables; not an assignment (pred is symbolic)"),
    "$a +3z = 0$": ("other", U, "equation expression = number whose LHS is not a simple label; Math-Verify must NOT treat it as an assignment"),
    "$1 = \\zzz = x = 0$": ("labelled", U, "chain of equalities with unknown macro \\zzz; last value 0 is the answer"),
    "$2x + z = 1$": ("other", U, "equation expression = number whose LHS is not a simple label; Math-Verify must NOT treat it as an assignment"),
    "$a^2 + b = 0$": ("other", U, "equation expression = number whose LHS is not a simple label; Math-Verify must NOT treat it as an assignment"),
    "$k=1$": ("labelled", N, ""),
    "$z = 1 + 1 = 2$": ("labelled", N, "chain of equalities; last value is the answer"),
    "$2x+4y-3=0$": (DROP, None, "equation in free variables (line)"),
    "$x^2/4 + y^2/3 = 1$": (DROP, None, "equation in free variables (ellipse)"),
    # ---- test_matrix_extraction (latex only) ------------------------------
    "$\\begin{pmatrix}1 & 0 \\\\ 0 & 1\\end{pmatrix}$": (DROP, None, "matrix"),
    "$\\begin{bmatrix}0 & 0 \\\\0 & 0\\end{bmatrix}$": (DROP, None, "matrix"),
    "$\\begin{pmatrix}1 & 2 \\\\3 & 4\\end{pmatrix}$": (DROP, None, "matrix"),
    "$\\begin{pmatrix}\\frac{1}{2} & \\frac{3}{4} \\\\ \\frac{5}{6} & \\frac{7}{8}\\end{pmatrix}$": (DROP, None, "matrix"),
    "$\\begin{pmatrix}6 & 8 \\\\ 10 & 12\\end{pmatrix}$": (DROP, None, "matrix"),
    "$\\begin{pmatrix}1 & 2 \\\\ 3 & 4\\end{pmatrix}$": (DROP, None, "matrix"),
    # ---- test_complex_math_expressions ----------------------------------
    "$(1,\\frac{9}{2})$": ("tuple", N, ""),
    "$\\frac{x+2}{7}$": (DROP, None, "symbolic (free variable x)"),
    "$\\tan^2(y)+1$": (DROP, None, "symbolic (free variable y)"),
    "$\\begin{pmatrix}-\\\x0crac{7}{4}&-2\\\\4&\\frac{1}{4}\\\\\\end{pmatrix}$": (DROP, None, "matrix"),
    "$\\begin{pmatrix}\\frac{1}{3\\sqrt[3]{x}^2}&0&0\\\\0&1&0\\\\-\\sin(x)&0&0\\\\\\end{pmatrix}$": (DROP, None, "matrix"),
    "$34x+45y-20z+100=0$": (DROP, None, "equation in free variables (plane)"),
    "$(\\begin{pmatrix}\\frac{1}{3}\\\\ \\frac{1}{5} \\end{pmatrix})$": (DROP, None, "matrix / vector"),
    "$\\frac{\\sqrt{\\sqrt{11}+\\sqrt{194}}}{15+2\\sqrt{33}}$": ("irrational", N, "nested radicals"),
    "$(a+5)(b+2)$": (DROP, None, "symbolic (free variables a, b)"),
    "$1\\sqrt{19}$": ("irrational", N, ""),
    "$(\\frac{3}{5},\\frac{8}{3}]$": ("interval", N, ""),
    "$x+2n+1$": (DROP, None, "symbolic (free variables x, n)"),
    # ---- test_math_extraction_edge_cases --------------------------------
    "$(7,6)$": ("tuple", N, "solution (x, y) of a linear system"),
    "$[-3,2]$": ("interval", N, ""),
    "$16386.20$": ("decimal", N, "trailing zero in the gold decimal"),
    "$\\\\left(\\\\frac{1}{5},\\\\frac{1}{6}\\\\right)$": ("tuple", N, "gold string literally contains DOUBLE backslashes (raw string with \\\\left, \\\\frac); upstream comment calls it 'interval notation' but it is a coefficient pair"),
    "$\\\\left(\\\\frac{4}{5},\\\\frac{1}{5}\\\\right)$": ("tuple", N, "gold string literally contains DOUBLE backslashes (raw string with \\\\left, \\\\frac)"),
    "$\\frac{5\\sqrt{42}}{27}$": ("irrational", N, ""),
    # ---- test_math_extraction_additional_cases ---------------------------
    "$(\\tfrac{27}{8},\\tfrac{15}{8})$": ("tuple", N, "point coordinates with \\tfrac"),
    "$\\\\left( \\\\frac{4}{3}, -\\\\frac{1}{3} \\\\right)$": ("tuple", N, "gold string literally contains DOUBLE backslashes (raw string with \\\\left, \\\\frac)"),
    "$(3,1)$": ("tuple", N, "ordered pair vs pred set {1,3}"),
    "$(1,3)$": ("tuple", U, "open pair (1,3) is ambiguous tuple / open interval; upstream expects it to match pred '{1,3}'"),
    "$100%$": ("percent", N, "bare % without backslash inside $...$"),
    "$20\\%$": ("percent", N, ""),
    "$x-2y+z-1=0$": (DROP, None, "equation in free variables (plane)"),
    "$[-4,0]$": ("interval", N, ""),
    "$1112112_3$": ("base", N, "base-3 numeral 1112112_3"),
    "\\(\\boxed{\\text{C}}\\).": (DROP, None, "multiple-choice letter"),
    " So the answer is: \\[ \\boxed{11111111100} \\]": ("integer", N, "gold is a sentence with \\boxed{} answer"),
    " So the answer is: \\[ \\boxed{32349} \\]": ("integer", N, "gold is a sentence with \\boxed{} answer"),
    "Thus, the domain of the function \\( f(x) \\) is: \\[ \\boxed{(2, 12) \\cup (12, 102)} \\]": ("union", N, "gold is a sentence with \\boxed{} answer"),
    "$\\text{E}$": (DROP, None, "text / multiple-choice letter"),
    "$\\boxed{1}\\boxed{2}$": ("list", N, "several \\boxed values (1 and 2) in the gold"),
    # ---- test_set_rel_assymetry (latex only, allow_set_relation_comp varies)
    "$-2 \\\\le x \\\\le 7$": ("interval", U, "gold is a relation chain -2 <= x <= 7; string literally contains DOUBLE backslashes ('\\\\le', raw string)"),
    "$x \\in [-2,7]$": ("interval", N, "labelled with 'x \\in'"),
    # ---- test_sqrt_precision / test_symbols ------------------------------
    "$\text{13}$": ("other", U, "NON-raw upstream string: '\\t' is a TAB, so the gold is '$<TAB>ext{13}$' (intended \\text{13}); upstream expects it NOT to equal 13 (issue #37)"),
    # ---- test_open_thoughts.py ------------------------------------------
    "$$\\boxed{2}, \\boxed{3}, \\boxed{5}, \\boxed{7}, \\boxed{13}$$": ("list", N, "several \\boxed values (2,3,5,7,13) separated by commas"),
    "$$f(y) = y$$": (DROP, None, "functional equation answer"),
    "$$-793 < a < 10$$": ("interval", U, "gold is a relation chain -793 < a < 10 (== (-793, 10))"),
    "$$\\text{The midpoints form a regular hexagon}$$": (DROP, None, "text answer"),
    "$$a_3 = 2, a_{37} = 19$$": ("labelled", N, "two labelled values (a_3, a_37)"),
    "$$(2, 2), (1, 3), (3, 3)$$": ("list", N, "list of tuples"),
    "$$(1, +\\infty)$$": ("interval", N, "interval with +\\infty"),
    "$$x = \\frac{1}{2}, x = \\frac{-1 \\pm \\sqrt{13}}{4}$$": ("labelled", N, "repeated label x with a \\pm value (3 roots)"),
    "$$0.06 \\text{ yuan}$$": ("units", N, "decimal with \\text unit"),
    "$$(5, 8), (8, 5)$$": ("list", N, "list of tuples"),
    "$$667$$": ("integer", N, "display math $$...$$"),
    "$$6 \\text{ and } 8$$": ("list", N, "two numbers joined by \\text{ and }"),
    "$$(2, 2), (6, 2)$$": ("list", N, "list of tuples"),
    "$$(98, 2), (99, 503)$$": ("list", N, "list of tuples"),
    "$$(3, 3), (1, 1)$$": ("list", N, "list of tuples"),
    "$$k \\ge 2$$": ("interval", U, "gold is a one-variable inequality (relational form)"),
    "$$k = 45, n = 2$$": ("labelled", N, "two labelled values"),
    "$${1,2,3}$$": ("set", N, "braces without backslash ({...} is a LaTeX group) treated as a set"),
    "$$|AB|=1$$": ("labelled", N, "label is |AB|"),
    "$$A:B=1$$": ("labelled", N, "label is the ratio A:B"),
    "$$f(x)=1$$": ("labelled", N, "label is f(x)"),
    "$x_{1}=10^{\\frac{-5+\\sqrt{13}}{6}},\\quadx_{2}=10^{\\frac{-5-\\sqrt{13}}{6}}$": ("labelled", N, "two labelled irrational values (x_1, x_2); note '\\quadx_{2}' without space"),
    "$y_{1}=-2 x^{2}+4 x+3, y_{2}=3 x^{2}+12 x+10$": (DROP, None, "symbolic (polynomials in x)"),
    "$x_{1}=\\frac{1}{2}+\\frac{31\\sqrt{5}}{216},\\quadx_{2}=\\frac{1}{2}-\\frac{31\\sqrt{5}}{216}$": ("labelled", N, "two labelled irrational values (x_1, x_2); note '\\quadx_{2}' without space"),
    "\\boxed{1} papers and \\boxed{2} bins": ("list", N, "several \\boxed values separated by prose"),
    "\\boxed{1} no no no no no \\boxed{2}": ("list", N, "several \\boxed values separated by long prose (upstream expects only the last box to count)"),
    # ---- test_numina_cases.py -------------------------------------------
    "$(37,3,3,13),(17,3,3,7),(3,37,3,13),(3,17,3,7),(3,3,2,3)$": ("list", N, "list of 4-tuples (order-insensitive match expected)"),
    "$(37,3,3),(17,3,3,7),(3,37,3,13),(3,17,3,7),(3,3,2,3)$": ("list", N, "list of tuples, first one has only 3 entries"),
    "$(p,q)=(3,2)$": ("labelled", N, "tuple label (p,q) = tuple value"),
    "$(0;0;0),(0;-2;0),(0;0;6),(0;-2;6),(4;0;0),(4;-2;0),(4;0;6),(4;-2;6)$": ("list", N, "list of 3-tuples with ';' as coordinate separator"),
    "$1\\leq|z|\\leq \\frac{3}{2}$": ("union", U, "relation chain on |z|; equivalent to [-3/2,-1] U [1,3/2]"),
    "$-12;-11;-10;-8;-7;-6$": ("list", N, "';'-separated list of integers"),
    "$AB=4,CD=5$": ("labelled", N, "two labelled values"),
    "$(11,7)or(7,11)$": ("list", N, "two tuples joined by 'or'"),
    "$S_{MBCN}:S=7:32$": ("ratio", N, "labelled ratio (label S_{MBCN}:S)"),
    "$\\frac{NO}{BO}=\\frac{1}{\\sqrt{6}}$": ("labelled", N, "label is a fraction of segment names; value 1/sqrt(6)"),
    "$p=5,q=2;p=7,q=2$": ("labelled", N, "two labelled solutions separated by ';'"),
    "$(p,q,r)=(3,2,7)$": ("labelled", N, "tuple label (p,q,r) = tuple value"),
    "$V_{1}:V_{2}=11:21$": ("ratio", N, "labelled ratio (label V_1:V_2)"),
    "$(2,1),(1,2),(-1,-20),(-20,-1)$": ("list", N, "list of tuples"),
    "\\(\\boxed{1}\\) and \\(\\boxed{-2}\\).": ("list", N, "several \\boxed values, each in its own \\(...\\)"),
    "$\\text{odd}$": (DROP, None, "text answer"),
    "$\\text{e}$": (DROP, None, "text answer (letter e)"),
    "$d$": (DROP, None, "single symbol"),
    "$1$ and $2$ and $3$": ("list", N, "three separate $..$ environments joined by 'and'"),
    "\\boxed{x = -5,\\ p = \\frac{14}{3}} ": ("labelled", N, "two labelled values in one \\boxed"),
    "\\boxed{a=4,\\,-8,\\,-10}": ("labelled", N, "one label followed by a list of values (a = 4, -8, -10)"),
    "\\\\boxed{W(n) = 1 \\\\text{ and } W(n) = -1": ("labelled", U, "string literally contains DOUBLE backslashes and the \\boxed{ is never closed; label W(n) with values 1, -1"),
    "$21,16$ or $11$": ("list", N, "list split across two $..$ environments joined by 'or'"),
    "\\n\\n\\[ \\boxed{p = -1 \\text{ and } p = \\dfrac{15}{8}} \\]": ("labelled", N, "raw string: starts with literal backslash-n characters; repeated label p"),
    "$0<f(x)<1$": ("interval", U, "relation chain 0 < f(x) < 1 (== (0,1))"),
    "\\(\\boxed{6 \\text{ and } 8}\\)": ("list", N, "two numbers joined by \\text{ and } inside one \\boxed"),
    "$\\text{Even}$": (DROP, None, "text answer"),
    # ---- test_yujianll.py (parse()/verify() defaults) ---------------------
    "$n=1, 2, 3$": ("labelled", N, "one label followed by a list of values"),
    "$n=2, 3, 4$": ("labelled", N, "one label followed by a list of values"),
    "$D = (0, 1)$": ("labelled", N, "label D with a point (0, 1)"),
    "$F_n = \\sum_{k=0}^{n-1} F_k F_{n-k-1}$": (DROP, None, "symbolic recurrence"),
    "$19, 46, and 82$": ("list", N, "list with an Oxford 'and'"),
    "$1 - \\frac{1}{\\mathrm{e}}$": ("irrational", N, "Euler's number written \\mathrm{e}"),
    "$\\pm 2021$": ("pm", N, ""),
    "$12:00$": ("ratio", U, "clock time 12:00 (colon form)"),
    # ---- test_boxed.py --------------------------------------------------
    "$\\\\boxed{35 cm} ++++++ \\\\boxed{4}$": ("list", N, "string literally contains DOUBLE backslashes (\\\\boxed); two boxed values, the first with a unit (35 cm, 4)"),
    # ---- test_strict.py --------------------------------------------------
    "$f(x)$": (DROP, None, "symbolic (function of x)"),
}

# Long "full solution" golds, keyed by (file, test, index); the snippet must be
# contained in the gold (guards against upstream re-ordering).
SOLUTION_TABLE = {
    ("test_all.py", "test_latex_notation_math", 2): ("$28 \\%$", "percent", N, "gold is a full (rambling) solution; its answer is 'Final Answer: The final answer is $28 \\%$. I hope it is correct.' (repeated)"),
    ("test_all.py", "test_latex_notation_math", 3): ("\\boxed{14{,}916}", "integer", N, "gold is a full solution; answer \\boxed{14{,}916} uses {,} as thousands separator"),
    ("test_all.py", "test_latex_notation_math", 4): ("\\boxed{12\\text{ and }13}", "list", N, "gold is a full solution; answer \\boxed{12\\text{ and }13}"),
    ("test_all.py", "test_math_extraction_edge_cases", 13): ("$\\boxed{20}$ percent", "percent", N, "gold is a full solution; answer '$\\boxed{20}$ percent' (percent word outside the math)"),
    ("test_all.py", "test_math_extraction_additional_cases", 0): ("\\boxed{[-2, 7]}", "interval", N, "gold is a solution fragment wrapped in one $...$; answer \\boxed{[-2, 7]} inside \\[...\\]"),
    ("test_all.py", "test_math_extraction_additional_cases", 19): ("\\boxed{(-6, 10)}", "tuple", N, "gold is a full solution; answer '(A, B) = \\boxed{(-6, 10)}'"),
    ("test_all.py", "test_math_extraction_additional_cases", 28): ("\\boxed{1,-2}", "list", N, "gold is a full solution; answer 'n = \\boxed{1,-2}'"),
    ("test_boxed.py", "test_boxed", 1): ("\\\\boxed{004}", "integer", N, "gold is a full solution whose string literally contains DOUBLE backslashes (\\\\boxed) and literal backslash-n; answer 004 (leading zeros)"),
    ("test_boxed.py", "test_boxed", 2): ("\\\\boxed{840}", "integer", N, "gold is a full solution whose string literally contains DOUBLE backslashes (\\\\boxed) and literal backslash-n; answer 840"),
}


# Extra per-row remarks, keyed by (file, test, index).
ROW_NOTES = {
    ("test_yujianll.py", "test_string_extraction", 9): "SUSPICIOUS upstream expectation: 1 - 1/e vs 1 + 1/e is asserted equal (result=1); kept verbatim",
    ("test_all.py", "test_percent_notation", 6): "pred has an unbalanced '$'",
    ("test_all.py", "test_percent_notation", 7): "pred has an unbalanced '$'",
    ("test_all.py", "test_percent_notation", 8): "pred has an unbalanced '$'",
    ("test_all.py", "test_math_extraction_additional_cases", 24): "pred '32, 349' (comma+space) must NOT be read as 32349",
    ("test_open_thoughts.py", "test_open_thoughts", 28): "upstream expects False: the two boxes are too far apart to be joined, so only one value is extracted",
}


def string_oddities(label, s):
    """Automatic remarks about escape artefacts in an extracted string."""
    out = []
    if re.search(r"\\\\[A-Za-z]", s):
        out.append(f"{label} contains literal DOUBLE backslashes before LaTeX commands (upstream raw string with '\\\\')")
    if re.search(r"\\n(?:\\n|(?![a-z]))", s):
        out.append(f"{label} contains literal backslash-n sequences instead of newlines")
    if "\t" in s:
        out.append(f"{label} contains a TAB character (from a non-raw '\\t')")
    if "\x0c" in s:
        out.append(f"{label} contains a form-feed character (from a non-raw '\\f')")
    return out


def classify(source, test, index, gold, allow_unknown):
    key = (source, test, index)
    if key in SOLUTION_TABLE:
        snippet, kind, shape, note = SOLUTION_TABLE[key]
        if snippet not in gold:
            raise SystemExit(f"SOLUTION_TABLE snippet not found for {key}: {snippet!r}")
        return kind, shape, note
    if gold in GOLD_TABLE:
        return GOLD_TABLE[gold]
    ak = auto_kind(gold)
    if ak is not None:
        return ak[0], N, ak[1]
    if allow_unknown:
        return "other", U, "UNCLASSIFIED gold (not in table)"
    raise SystemExit(f"unclassified gold in {source}::{test}[{index}]: {gold!r}")


# --------------------------------------------------------------------------
# Source reading.
# --------------------------------------------------------------------------
def read_source(repo, rev, fname):
    path = os.path.join(repo, "tests", fname)
    if os.path.isfile(path):
        with open(path, encoding="utf-8") as f:
            return f.read()
    try:
        return subprocess.run(
            ["git", f"--git-dir={repo}", "show", f"{rev}:tests/{fname}"],
            check=True, capture_output=True, text=True,
        ).stdout
    except subprocess.CalledProcessError:
        return None


def resolve_commit(repo, rev):
    try:
        return subprocess.run(
            ["git", f"--git-dir={repo}", "rev-parse", rev],
            check=True, capture_output=True, text=True,
        ).stdout.strip()
    except Exception:
        return None


# --------------------------------------------------------------------------
# Value evaluation.
# --------------------------------------------------------------------------
def eval_node(node):
    """literal_eval plus the single f-string form used upstream."""
    try:
        return ast.literal_eval(node)
    except ValueError:
        pass
    if isinstance(node, ast.JoinedStr):
        out = []
        for part in node.values:
            if isinstance(part, ast.Constant):
                out.append(part.value)
            elif isinstance(part, ast.FormattedValue):
                v = eval_math_call(part.value)
                spec = ""
                if part.format_spec is not None:
                    spec = eval_node(part.format_spec)
                out.append(format(v, spec))
            else:
                raise ValueError(ast.dump(part))
        return "".join(out)
    if isinstance(node, ast.Tuple):
        return tuple(eval_node(e) for e in node.elts)
    if isinstance(node, ast.List):
        return [eval_node(e) for e in node.elts]
    raise ValueError(f"cannot evaluate {ast.dump(node)[:200]}")


def eval_math_call(node):
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name) and node.func.value.id == "math"
            and node.func.attr in {"sqrt", "pi", "exp", "log"} and len(node.args) == 1):
        return getattr(math, node.func.attr)(ast.literal_eval(node.args[0]))
    raise ValueError(f"unsupported f-string expression {ast.dump(node)[:200]}")


def source_expr(node):
    return ast.unparse(node) if hasattr(ast, "unparse") else ast.dump(node)


# --------------------------------------------------------------------------
# Comment collection (upstream comments are kept as context in "notes").
# --------------------------------------------------------------------------
CODE_COMMENT_RE = re.compile(r'^\s*(?:\(|\)|r?"|r?\'|\d+\s*,?\s*$|\),?\s*$)')


def collect_comments(src):
    """line -> (text, inline?)"""
    comments = {}
    lines_with_code = set()
    for tok in tokenize.generate_tokens(io.StringIO(src).readline):
        if tok.type == tokenize.COMMENT:
            text = tok.string.lstrip("#").strip()
            comments[tok.start[0]] = (text, tok.start[0] in lines_with_code)
        elif tok.type not in (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
                              tokenize.DEDENT, tokenize.ENCODING):
            for ln in range(tok.start[0], tok.end[0] + 1):
                lines_with_code.add(ln)
    return comments


def element_comments(comments, elts):
    """For each element of a parametrize list: (comment block directly above, inline comment).

    Only full-line comments in the gap between the previous element and this one
    are used (no carry-over to later elements); a commented-out case resets the
    block, so comments describing a disabled case are not attributed.
    """
    res = []
    for k, e in enumerate(elts):
        if k == 0:
            start = e.lineno - 1
            while start in comments and not comments[start][1]:
                start -= 1
        else:
            start = elts[k - 1].end_lineno
        block = []
        for ln in range(start + 1, e.lineno):
            if ln in comments and not comments[ln][1]:
                text = comments[ln][0]
                if CODE_COMMENT_RE.match(text):
                    block = []
                elif text:
                    block.append(text)
        inline = [comments[ln][0] for ln in range(e.lineno, e.end_lineno + 1)
                  if ln in comments and comments[ln][1]]
        res.append((" ".join(block), " ".join(inline)))
    return res


def func_level_comments(comments, fn):
    """Comment lines directly above a function (decorators included)."""
    first = min([fn.lineno] + [d.lineno for d in fn.decorator_list])
    ln = first - 1
    out = []
    while ln in comments and not comments[ln][1]:
        out.insert(0, comments[ln][0])
        ln -= 1
    return " ".join(out)


# --------------------------------------------------------------------------
# Test analysis.
# --------------------------------------------------------------------------
def find_parametrize(fn):
    for d in fn.decorator_list:
        if (isinstance(d, ast.Call) and isinstance(d.func, ast.Attribute)
                and d.func.attr == "parametrize"):
            names = ast.literal_eval(d.args[0])
            if isinstance(names, str):
                names = [n.strip() for n in names.split(",")]
            return list(names), d.args[1]
    return None, None


def call_name(node):
    if isinstance(node, ast.Call):
        if isinstance(node.func, ast.Name):
            return node.func.id
        if isinstance(node.func, ast.Attribute):
            return node.func.attr
    return None


def analyse_assert(test):
    """Return a descriptor of the comparison asserted by an `assert` node, or None.

    Descriptor: dict(kind="compare_strings"|"verify_parse", gold=node, pred=node,
                     kwargs={name: node}, expected=node, negated=bool)
    """
    t = test
    negated = False
    if isinstance(t, ast.UnaryOp) and isinstance(t.op, ast.Not):
        negated, t = True, t.operand
    if isinstance(t, ast.Compare) and len(t.ops) == 1 and isinstance(t.ops[0], ast.Eq):
        left, expected = t.left, t.comparators[0]
    else:
        left, expected = t, None
    if call_name(left) == "int" and left.args:
        left = left.args[0]
    name = call_name(left)
    if name == "compare_strings":
        kw = {k.arg: k.value for k in left.keywords}
        return dict(kind="compare_strings", gold=left.args[0], pred=left.args[1],
                    extra_pos=left.args[2:], kwargs=kw, expected=expected, negated=negated)
    if name == "verify" and len(left.args) >= 2 and all(call_name(a) == "parse" for a in left.args[:2]):
        g, p = left.args[0], left.args[1]
        if len(g.args) == 1 and len(p.args) == 1 and not g.keywords and not p.keywords:
            kw = {k.arg: k.value for k in left.keywords}
            return dict(kind="verify_parse", gold=g.args[0], pred=p.args[0],
                        extra_pos=[], kwargs=kw, expected=expected, negated=negated)
    return None


def resolve(node, params):
    if isinstance(node, ast.Name) and node.id in params:
        return params[node.id]
    return eval_node(node)


def build_row(source, test, index, desc, params, section_comment, inline_comment, func_comment):
    gold = resolve(desc["gold"], params)
    pred = resolve(desc["pred"], params)
    if desc["expected"] is None:
        expected = not desc["negated"]
    else:
        expected = bool(resolve(desc["expected"], params))
        if desc["negated"]:
            expected = not expected
    notes = []
    gold_src = desc["gold"]
    if isinstance(gold_src, ast.Name) and gold_src.id in params.get("__src__", {}):
        src_node = params["__src__"][gold_src.id]
        if isinstance(src_node, ast.JoinedStr):
            notes.append(f"gold generated by upstream f-string {source_expr(src_node)}")
    pred_src = desc["pred"]
    if isinstance(pred_src, ast.Name) and pred_src.id in params.get("__src__", {}):
        src_node = params["__src__"][pred_src.id]
        if isinstance(src_node, ast.JoinedStr):
            notes.append(f"pred generated by upstream f-string {source_expr(src_node)}")

    if desc["kind"] == "compare_strings":
        opts = OrderedDict(COMPARE_DEFAULTS)
        pos_names = list(COMPARE_DEFAULTS.keys())
        for i, n in enumerate(desc["extra_pos"]):
            opts[pos_names[i]] = resolve(n, params)
        for k, v in desc["kwargs"].items():
            opts[k] = resolve(v, params)
        match_types = list(opts["match_types"])
        row_call = dict(
            call="compare_strings",
            match_types=match_types,
            extraction=extraction_desc(match_types, 0),
            boxed_match_priority=0 if "latex" in match_types else None,
            precision=int(opts["precision"]),
            strict=bool(opts["strict"]),
            allow_set_relation_comp=bool(opts["allow_set_relation_comp"]),
        )
        explicit = []
        for k in ("match_types", "precision", "strict", "allow_set_relation_comp"):
            if k in desc["kwargs"] or pos_names.index(k) < len(desc["extra_pos"]):
                explicit.append(f"{k}={opts[k]!r}")
        notes.append("compare_strings(" + ", ".join(explicit) + ")")
        if match_types == ["expr"]:
            notes.append("gold and pred both parsed with ExprExtractionConfig only (no LaTeX extraction)")
        elif match_types == ["latex"]:
            notes.append("gold and pred both parsed with LatexExtractionConfig(boxed_match_priority=0) only (no plain-number expr extraction)")
        else:
            notes.append("gold and pred both parsed with [LatexExtractionConfig(boxed_match_priority=0), ExprExtractionConfig()]")
        if int(opts["precision"]) != 6:
            notes.append(f"float_rounding={int(opts['precision'])} (non-default)")
    else:
        verify_kw = {k: resolve(v, params) for k, v in desc["kwargs"].items()}
        row_call = dict(
            call="verify(parse(gold), parse(pred))",
            match_types=["latex", "expr"],
            extraction=extraction_desc(["latex", "expr"], 50),
            boxed_match_priority=50,
            precision=int(verify_kw.get("float_rounding", 6)),
            strict=bool(verify_kw.get("strict", True)),
            allow_set_relation_comp=bool(verify_kw.get("allow_set_relation_comp", False)),
        )
        notes.append("verify(parse(gold), parse(pred)) with all defaults: parse() uses [LatexExtractionConfig() (boxed_match_priority=50), ExprExtractionConfig()], verify float_rounding=6")
    if section_comment:
        notes.append(f"upstream comment: {section_comment}")
    if inline_comment:
        notes.append(f"upstream inline comment: {inline_comment}")
    if func_comment:
        notes.append(f"upstream comment: {func_comment}")
    return gold, pred, expected, row_call, notes


def extract_file(source, src):
    tree = ast.parse(src)
    comments = collect_comments(src)
    rows = []
    for fn in tree.body:
        if not isinstance(fn, ast.FunctionDef) or not fn.name.startswith("test"):
            continue
        asserts = [n for n in ast.walk(fn) if isinstance(n, ast.Assert)]
        descs = [d for d in (analyse_assert(a.test) for a in asserts) if d]
        names, values = find_parametrize(fn)
        fcomment = func_level_comments(comments, fn)
        if names is not None:
            param_descs = [d for d in descs
                           if isinstance(d["gold"], ast.Name) and d["gold"].id in names]
            if not param_descs:
                continue
            if len(param_descs) != 1:
                raise SystemExit(f"{source}::{fn.name}: {len(param_descs)} parametrized comparisons")
            desc = param_descs[0]
            ecomments = element_comments(comments, values.elts)
            for idx, elt in enumerate(values.elts):
                vals = eval_node(elt)
                params = dict(zip(names, vals))
                params["__src__"] = dict(zip(names, elt.elts if isinstance(elt, ast.Tuple) else [elt]))
                sc, ic = ecomments[idx]
                rows.append((source, fn.name, idx) + build_row(source, fn.name, idx, desc, params, sc, ic, fcomment))
        else:
            idx = 0
            for desc in descs:
                try:
                    params = {"__src__": {}}
                    rows.append((source, fn.name, idx) + build_row(source, fn.name, idx, desc, params, "", "", fcomment))
                    idx += 1
                except ValueError:
                    continue
    return rows


def main(argv):
    args = [a for a in argv[1:] if not a.startswith("--")]
    flags = {a for a in argv[1:] if a.startswith("--") and "=" not in a}
    rev = "HEAD"
    for a in argv[1:]:
        if a.startswith("--commit="):
            rev = a.split("=", 1)[1]
    if not args:
        print(__doc__)
        return 2
    repo = args[0]
    here = os.path.dirname(os.path.abspath(__file__))
    out = args[1] if len(args) > 1 else os.path.join(here, "math_verify_cases.jsonl")
    allow_unknown = "--allow-unknown" in flags
    keep_all = "--all" in flags

    commit = resolve_commit(repo, rev)
    found = Counter()
    kept = Counter()
    kinds = Counter()
    shapes = Counter()
    exp_counter = Counter()
    rows_out = []
    for fname in TEST_FILES:
        src = read_source(repo, rev, fname)
        if src is None:
            continue
        for source, test, idx, gold, pred, expected, call, notes in extract_file(fname, src):
            found[source] += 1
            kind, shape, cnote = classify(source, test, idx, gold, allow_unknown)
            keep = kind != DROP
            if not keep and not keep_all:
                continue
            extra = []
            if cnote:
                extra.append(cnote)
            if (source, test, idx) in ROW_NOTES:
                extra.append(ROW_NOTES[(source, test, idx)])
            extra += [o for o in string_oddities("gold", gold)
                      if not (("DOUBLE" in o and "DOUBLE" in cnote)
                              or ("backslash-n" in o and "backslash-n" in cnote)
                              or ("TAB" in o and "TAB" in cnote))]
            extra += string_oddities("pred", pred)
            notes = extra + notes
            row = OrderedDict(
                source=source,
                test=test,
                index=idx,
                gold=gold,
                pred=pred,
                expected=expected,
                gold_kind=(kind if keep else None),
                shape=(shape if keep else "dropped"),
                notes="; ".join(notes),
            )
            row.update(call)
            if keep_all:
                row["keep"] = keep
            rows_out.append(row)
            if keep:
                kept[source] += 1
                kinds[kind] += 1
                shapes[shape] += 1
                exp_counter[expected] += 1

    with open(out, "w", encoding="utf-8") as f:
        for r in rows_out:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")

    print(f"commit: {commit}", file=sys.stderr)
    print("triples found per file:", dict(found), "total", sum(found.values()), file=sys.stderr)
    print("kept (numeric) per file:", dict(kept), "total", sum(kept.values()), file=sys.stderr)
    print("gold_kind:", dict(sorted(kinds.items(), key=lambda kv: -kv[1])), file=sys.stderr)
    print("shape:", dict(shapes), file=sys.stderr)
    print("expected:", {str(k).lower(): v for k, v in exp_counter.items()}, file=sys.stderr)
    print(f"wrote {len(rows_out)} rows to {out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
