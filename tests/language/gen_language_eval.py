#!/usr/bin/python3
"""Builds the language verifier's evaluation set from Debian's manual pages.

Paragraphs come from the groff sources of `manpages` (English) and the
translated `manpages-es -fr -de -it -pt-br -ru -pl -nl -ja -zh` packages
(install them first; they are not needed to run the tests). Each sample is a
list of labelled segments, so the true share of every language follows from
the labels; the test counts words with the verifier's own word counter.

  single  one paragraph of one language (target = that language)
  mixed   sentences of a target and another language interleaved at a random
          ratio, with math and code snippets between them (labelled "math")

Usage:
  tests/language/gen_language_eval.py > tests/language/language_eval.jsonl
"""
import glob
import gzip
import json
import random
import re
import sys

LANGS = {
    "en": ["/usr/share/man/man[1-8]"],
    "es": ["/usr/share/man/es/man[1-8]"],
    "fr": ["/usr/share/man/fr/man[1-8]"],
    "de": ["/usr/share/man/de/man[1-8]"],
    "it": ["/usr/share/man/it/man[1-8]"],
    "pt": ["/usr/share/man/pt_BR/man[1-8]"],
    "ru": ["/usr/share/man/ru/man[1-8]"],
    "pl": ["/usr/share/man/pl/man[1-8]"],
    "nl": ["/usr/share/man/nl/man[1-8]"],
    "ja": ["/usr/share/man/ja/man[1-8]"],
    "zh": ["/usr/share/man/zh_CN/man[1-8]", "/usr/share/man/zh_TW/man[1-8]"],
}
SINGLE_PER_LANG = 100
MIXED = 500
MATH = ["$x = 3$", "\\(a^2 + b^2 = c^2\\)", "$$\\frac{1}{2} + \\frac{1}{3} = \\frac{5}{6}$$", "2 + 2 = 4.",
        "`n = len(items)`", "```python\nprint(sum(range(10)))\n```", "\\[ \\sum_{i=1}^{n} i \\]", "= 42"]

PARA_MACROS = re.compile(r"^[.'](PP|P|LP|SH|SS|TP|IP|HP|sp|br|RS|RE|TH|nf|fi|EX|EE|in|ti|ne|bp)\b")
FONT_MACROS = re.compile(r"^[.'](B|I|BR|RB|IR|RI|BI|IB|SM|SB)\s+(.*)$")
ESCAPES = [
    (re.compile(r"\\f(\[[^\]]*\]|\(..|.)"), ""), (re.compile(r"\\\((..)"), " "), (re.compile(r"\\\[[^\]]*\]"), " "),
    (re.compile(r"\\\*(\(..|\[[^\]]*\]|.)"), ""), (re.compile(r"\\s[+-]?\d"), ""), (re.compile(r"\\[&c%]"), ""),
    (re.compile(r"\\-"), "-"), (re.compile(r"\\e"), "\\\\"), (re.compile(r"\\ "), " "), (re.compile(r"\\\|"), ""),
]
EN_STOP = {"the", "and", "of", "to", "is", "are", "with", "for", "this", "that", "be", "by", "if", "or"}


def text_of(line):
    for pat, rep in ESCAPES:
        line = pat.sub(rep, line)
    return line.replace('"', " ")


def paragraphs(path):
    try:
        raw = gzip.open(path).read().decode("utf-8")
    except (OSError, UnicodeDecodeError, EOFError):
        return
    para = []
    for line in raw.splitlines():
        if PARA_MACROS.match(line) or not line.strip():
            if para:
                yield " ".join(para)
            para = []
            continue
        m = FONT_MACROS.match(line)
        if m:
            para.append(text_of(m.group(2)))
        elif line.startswith((".", "'", '\\"')):
            continue
        else:
            para.append(text_of(line))
    if para:
        yield " ".join(para)


def cjk_share(s):
    cjk = sum(1 for c in s if "\u3040" <= c <= "\u30ff" or "\u4e00" <= c <= "\u9fff")
    return cjk / max(1, len(s))


def good(lang, p):
    p = re.sub(r"\s+", " ", p).strip()
    if lang in ("ja", "zh"):
        if len(p) < 40 or cjk_share(p) < 0.35:
            return None
        if lang == "zh" and any("\u3040" <= c <= "\u30ff" for c in p):
            return None
        if lang == "ja" and not any("\u3040" <= c <= "\u30ff" for c in p):
            return None  # kanji only: cannot tell from Chinese
        return p[:400]
    tokens = p.split()
    if len(tokens) < 15:
        return None
    alpha = sum(1 for t in tokens if re.fullmatch(r"[^\W\d_]+[.,;:]?", t))
    if alpha / len(tokens) < 0.7:
        return None  # option lists, code, paths
    if lang != "en" and sum(1 for t in tokens if t.lower() in EN_STOP) / len(tokens) > 0.04:
        return None  # left untranslated
    if lang == "ru" and sum(1 for c in p if "\u0400" <= c <= "\u04ff") < 0.5 * sum(c.isalpha() for c in p):
        return None
    return p[:700].rsplit(" ", 1)[0] if len(p) > 700 else p


def sentences(lang, p):
    parts = re.split(r"(?<=[。！？])|(?<=[.!?])\s+", p)
    return [s.strip() for s in parts if s and len(s.strip()) > (8 if lang in ("ja", "zh") else 25)]


def main():
    rng = random.Random(5)
    pools = {}
    for lang, dirs in LANGS.items():
        files = sorted(f for d in dirs for g in glob.glob(d) for f in glob.glob(g + "/*.gz"))
        rng.shuffle(files)
        seen, paras = set(), []
        for f in files:
            for p in paragraphs(f):
                q = good(lang, p)
                if q and q not in seen:
                    seen.add(q)
                    paras.append(q)
            if len(paras) >= 1500:
                break
        if len(paras) < SINGLE_PER_LANG + 50:
            sys.exit(f"{lang}: only {len(paras)} paragraphs; install manpages-{lang}")
        rng.shuffle(paras)
        pools[lang] = paras
        print(f"{lang}: {len(paras)} paragraphs", file=sys.stderr)

    rows = []
    for lang in LANGS:
        for i, p in enumerate(pools[lang][:SINGLE_PER_LANG]):
            rows.append({"id": f"single-{lang}-{i:03d}", "kind": "single", "target": lang,
                         "segments": [{"lang": lang, "text": p}]})
    sentence_pools = {lang: [s for p in pools[lang][SINGLE_PER_LANG:] for s in sentences(lang, p)] for lang in LANGS}
    langs = list(LANGS)
    for i in range(MIXED):
        target = rng.choice(langs)
        other = rng.choice([l for l in langs if l != target])
        ratio = rng.uniform(0.1, 0.9)
        n = rng.randint(5, 10)
        picks = [target if rng.random() < ratio else other for _ in range(n)]
        picks[0], picks[-1] = target, other  # both present
        rng.shuffle(picks)
        segments = []
        for lang in picks:
            segments.append({"lang": lang, "text": rng.choice(sentence_pools[lang])})
            if rng.random() < 0.3:
                segments.append({"lang": "math", "text": rng.choice(MATH)})
        rows.append({"id": f"mixed-{target}-{other}-{i:03d}", "kind": "mixed", "target": target, "segments": segments})
    for r in rows:
        print(json.dumps(r, ensure_ascii=False))
    print(f"{len(rows)} samples", file=sys.stderr)


if __name__ == "__main__":
    main()
