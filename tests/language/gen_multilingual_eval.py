#!/usr/bin/python3
"""Writes multilingual_eval.jsonl: reasoning-like texts in 40 languages with
exact per-sentence (and per-term) language labels.

Sources (see README.md here for licences):
  * Tatoeba sentences, as published in the LASER repository's test set
    (github.com/facebookresearch/LASER, data/tatoeba/v1/tatoeba.<xxx>-eng.*,
    Tatoeba of 2018-11-17, CC-BY 2.0 FR);
  * translated program messages of Debian packages (gettext catalogues,
    /usr/share/locale/<lang>/LC_MESSAGES/*.mo; each under its package's licence).

Usage: gen_multilingual_eval.py TATOEBA_DIR > multilingual_eval.jsonl
where TATOEBA_DIR holds the LASER files tatoeba.<xxx>-eng.{<xxx>,eng}.
"""
import glob
import json
import os
import random
import re
import struct
import sys

# Tatoeba's (LASER's) code -> primary language subtag.
TATOEBA = {
    "afr": "af", "ara": "ar", "bul": "bg", "cat": "ca", "ces": "cs", "cmn": "zh", "cym": "cy",
    "dan": "da", "deu": "de", "ell": "el", "est": "et", "fin": "fi", "fra": "fr", "heb": "he",
    "hin": "hi", "hrv": "hr", "hun": "hu", "ind": "id", "ita": "it", "jpn": "ja", "kor": "ko",
    "lit": "lt", "lvs": "lv", "mkd": "mk", "mar": "mr", "nld": "nl", "nob": "no", "pes": "fa",
    "pol": "pl", "por": "pt", "ron": "ro", "rus": "ru", "slk": "sk", "slv": "sl", "spa": "es",
    "sqi": "sq", "swe": "sv", "tgl": "tl", "tha": "th", "tur": "tr", "ukr": "uk", "urd": "ur",
    "vie": "vi",
}
# gettext locale directory -> primary language subtag.
LOCALES = {
    "af": "af", "ar": "ar", "bg": "bg", "ca": "ca", "cs": "cs", "da": "da", "de": "de", "el": "el",
    "es": "es", "et": "et", "fa": "fa", "fi": "fi", "fr": "fr", "he": "he", "hi": "hi", "hr": "hr",
    "hu": "hu", "id": "id", "it": "it", "ja": "ja", "ko": "ko", "lt": "lt", "lv": "lv", "mk": "mk",
    "nb": "no", "nl": "nl", "pl": "pl", "pt": "pt", "pt_BR": "pt", "ro": "ro", "ru": "ru", "sk": "sk",
    "sl": "sl", "sq": "sq", "sv": "sv", "th": "th", "tr": "tr", "uk": "uk", "vi": "vi", "zh_CN": "zh",
    "zh_TW": "zh",
}
# Same-script neighbours a reasoning text may switch to.
NEIGHBOURS = {
    "es": ["pt", "ca", "it"], "pt": ["es", "ca"], "ca": ["es", "pt", "fr"], "it": ["es", "pt"],
    "fr": ["ca", "it"], "ru": ["uk", "bg"], "uk": ["ru", "bg"], "bg": ["ru", "mk"], "mk": ["bg", "ru"],
    "da": ["no", "sv"], "no": ["da", "sv"], "sv": ["no", "da"], "cs": ["sk", "pl"], "sk": ["cs", "pl"],
    "hr": ["sl", "cs"], "sl": ["hr", "sk"], "zh": ["ja"], "ja": ["zh"], "nl": ["af", "de"],
    "af": ["nl"], "de": ["nl"], "id": ["tl"], "fa": ["ar", "ur"], "ar": ["fa"], "ur": ["fa"],
    "hi": ["mr"], "mr": ["hi"], "et": ["fi"], "fi": ["et"], "lt": ["lv"], "lv": ["lt"],
    "pl": ["cs"], "ro": ["it"], "tr": ["en"], "vi": ["en"], "ko": ["ja"], "hu": ["en"],
}
NO_SPACES = {"zh", "ja", "th"}
# English terms a writer drops into other languages' prose.
ENGLISH_TERMS = [
    "machine learning", "gradient descent", "deadline", "the bottom line", "by the way", "workaround",
    "trade-off", "brute force", "edge case", "lookup table", "sanity check", "worst case", "rule of thumb",
    "off by one", "step by step", "loss function", "learning rate", "overfitting", "dynamic programming",
    "greedy algorithm", "upper bound", "lower bound", "proof of concept", "on the other hand",
    "best practice", "in a nutshell", "long story short", "as a matter of fact", "first principles",
]
ARITHMETIC = [
    "12 + 7 = 19", "3 * 4 = 12", "$x^2 = 49$", "\\(48 / 6 = 8\\)", "= 144", "$$\\frac{3}{4} + \\frac{1}{4} = 1$$",
    "15 - 9 = 6", "2^10 = 1024", "\\[ 7 \\times 8 = 56 \\]", "(3 + 5) * 2 = 16", "100 / 4 = 25", "$a + b = 10$",
]
TERMINAL = ".!?。！？؟।"


def read_mo(path):
    """(msgid, msgstr) pairs of a gettext .mo file."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 28:
        return []
    magic = struct.unpack("<I", data[:4])[0]
    end = "<" if magic == 0x950412DE else ">"
    n, orig, trans = struct.unpack(end + "III", data[8:20])
    out = []
    for i in range(n):
        ol, oo = struct.unpack(end + "II", data[orig + 8 * i: orig + 8 * i + 8])
        tl, to = struct.unpack(end + "II", data[trans + 8 * i: trans + 8 * i + 8])
        try:
            msgid = data[oo: oo + ol].decode("utf-8").split("\0")[0].split("\x04")[-1]
            msgstr = data[to: to + tl].decode("utf-8").split("\0")[0]
        except UnicodeDecodeError:
            continue
        if msgid and msgstr:
            out.append((msgid, msgstr))
    return out


WORD = re.compile(r"\w+", re.UNICODE)


def words(text, lang):
    if lang in NO_SPACES:
        return len(re.sub(r"\W", "", text))  # characters, for length filters only
    return len(WORD.findall(text))


def usable_message(msgid, msgstr, lang):
    """A translated message that reads as one plain sentence of `lang`."""
    if msgstr == msgid or re.search(r"[%$<>{}\[\]_/\\=@#|*`\"]|--|\.\.\.|https?:", msgstr):
        return False
    if "\n" in msgstr.strip() or "\t" in msgstr:
        return False
    if re.search(r"[0-9]", msgstr):
        return False
    lo, hi = (10, 120) if lang in NO_SPACES else (5, 45)
    if not lo <= words(msgstr, lang) <= hi:
        return False
    # Names and English words kept in the translation (GPG, URL, tar) are
    # neither the target language nor a labelled English term: skip them.
    src = {w.lower() for w in WORD.findall(msgid)}
    for w in WORD.findall(msgstr):
        if re.search(r"[A-Za-z]", w) and lang not in ("en",) and (
            not re.fullmatch(r"[^\W\d_]+", w) or
            (w.lower() in src and len(w) >= 3) or (w[1:] != w[1:].lower())):
            return False
        if lang in ("ru", "uk", "bg", "mk", "el", "he", "ar", "fa", "ur", "hi", "mr", "th", "ko", "zh", "ja") \
                and re.search(r"[A-Za-z]", w):
            return False
    return True


def usable_tatoeba(sentence, lang):
    if re.search(r"[0-9\"«»“”„]", sentence):
        return False
    lo, hi = (8, 120) if lang in NO_SPACES else (5, 60)
    if not lo <= words(sentence, lang) <= hi:
        return False
    if lang not in ("en",) and re.search(r"\bTom\b|\bMary\b|\bJohn\b", sentence):
        return False  # English names count as the language they stand in, but read as English
    if lang in ("ru", "uk", "bg", "mk", "el", "he", "ar", "fa", "ur", "hi", "mr", "th", "ko", "zh", "ja") \
            and re.search(r"[A-Za-z]", sentence):
        return False
    return True


def finish(sentence, lang):
    s = sentence.strip()
    if s and s[-1] not in TERMINAL:
        s += "。" if lang in ("zh", "ja") else "."
    if s and s[0].islower():
        s = s[0].upper() + s[1:]
    return s


def load(tatoeba_dir):
    pools = {}  # lang -> source -> sentences
    for code, lang in TATOEBA.items():
        path = os.path.join(tatoeba_dir, "tatoeba.%s-eng.%s" % (code, code))
        if not os.path.exists(path):
            continue
        with open(path, encoding="utf-8") as f:
            sents = [l.strip() for l in f if usable_tatoeba(l.strip(), lang)]
        pools.setdefault(lang, {})["tatoeba"] = sents
        with open(os.path.join(tatoeba_dir, "tatoeba.%s-eng.eng" % code), encoding="utf-8") as f:
            pools.setdefault("en", {}).setdefault("tatoeba", []).extend(
                l.strip() for l in f if usable_tatoeba(l.strip(), "en"))
    english_messages = set()
    for loc, lang in LOCALES.items():
        msgs = []
        for mo in sorted(glob.glob("/usr/share/locale/%s/LC_MESSAGES/*.mo" % loc)):
            if "/iso_" in mo:
                continue
            for msgid, msgstr in read_mo(mo):
                if usable_message(msgid, msgstr, lang):
                    msgs.append(msgstr.strip())
                if usable_message("", msgid, "en"):
                    english_messages.add(msgid.strip())
        pools.setdefault(lang, {}).setdefault("gettext", []).extend(msgs)
    pools["en"]["gettext"] = sorted(english_messages)
    for lang in pools:
        for src in pools[lang]:
            pools[lang][src] = sorted(set(pools[lang][src]))
    return pools


def main():
    rng = random.Random(13)
    pools = load(sys.argv[1])
    langs = sorted(l for l in pools if sum(len(v) for v in pools[l].values()) >= 200)

    def sentence(lang):
        srcs = [s for s in sorted(pools[lang]) if len(pools[lang][s]) >= 20]
        src = rng.choice(srcs)
        return src, finish(rng.choice(pools[lang][src]), lang)

    def neighbour(lang):
        options = [n for n in NEIGHBOURS.get(lang, []) if n in langs]
        return rng.choice(options) if options else rng.choice([l for l in langs if l != lang])

    def code_switch(text, lang):
        """`text` with an English term inside: three segments."""
        term = rng.choice(ENGLISH_TERMS)
        if lang in NO_SPACES:
            body = text[:-1]
            cut = rng.randint(2, max(2, len(body) - 2))
            return [(lang, body[:cut]), ("en", term), (lang, body[cut:] + text[-1])]
        parts = text.split(" ")
        if len(parts) < 4:
            return [(lang, text)]
        cut = rng.randint(2, len(parts) - 1)
        return [(lang, " ".join(parts[:cut])), ("en", term), (lang, " ".join(parts[cut:]))]

    out = []
    kinds = [("pure", 6), ("mixed_en", 5), ("mixed_other", 5), ("neighbour", 5), ("arith", 5),
             ("wrong", 3), ("codeswitch", 5)]
    for lang in langs:
        for kind, count in kinds:
            for i in range(count):
                n = rng.randint(4, 12)
                segs, sources = [], set()
                other = "en" if kind == "mixed_en" else neighbour(lang) if kind == "neighbour" else \
                    rng.choice([l for l in langs if l != lang])
                if kind == "mixed_en" and lang == "en":
                    other = rng.choice([l for l in langs if l != "en"])
                share = rng.choice([0.2, 0.35, 0.5, 0.65, 0.8])
                switched = 0
                for k in range(n):
                    if kind == "wrong":
                        l = other
                    elif kind in ("mixed_en", "mixed_other", "neighbour") or (kind == "arith" and i % 2):
                        l = other if rng.random() > share else lang
                    else:
                        l = lang
                    src, s = sentence(l)
                    sources.add(src)
                    if kind == "codeswitch" and l == lang and lang != "en" and switched < 2 and rng.random() < 0.4:
                        segs.extend(code_switch(s, lang))
                        switched += 1
                    else:
                        segs.append((l, s))
                    if kind == "arith" and rng.random() < 0.5:
                        segs.append(("math", "\n" + rng.choice(ARITHMETIC) + "\n"))
                out.append({
                    "id": "%s-%s-%02d" % (kind, lang, i), "kind": kind, "target": lang,
                    "sources": sorted(sources),
                    "segments": [{"lang": l, "text": t} for l, t in segs],
                })
    for row in out:
        print(json.dumps(row, ensure_ascii=False))
    print("%d samples, %d languages: %s" % (len(out), len(langs), " ".join(langs)), file=sys.stderr)
    for lang in langs:
        print("  %s %s" % (lang, {s: len(v) for s, v in pools[lang].items()}), file=sys.stderr)


if __name__ == "__main__":
    main()
