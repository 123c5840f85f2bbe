"""Name keys that come out the same whether a name was written in Arabic, Cyrillic or Latin script.

One survivor may be recorded as محمد in Kabul, Мухаммад in Dushanbe and Muhammad in Tashkent
(DOMAIN.md §6, reference/linkage.md §4). Search and privacy-preserving linkage compare keys,
not what a clerk typed, so this module derives three of them:

- ``clean``: the name in its own script with invisible and variant characters folded, so that
  علي and علی, or a name typed with and without harakat, are the same string;
- ``romanise``: one house romanisation, lower-case a-z and single spaces, for q-gram and
  edit-distance comparison;
- ``skeleton``: a consonant skeleton for blocking. Arabic script does not write short vowels, so
  only a key without vowels lets محمد meet Muhammad (linkage.md §4.5).

The output depends on this file's tables, on the pinned anyascii release and on the Unicode
database of the Python runtime (NFKC and letter categories). Two sites compare keys only if
they produce identical ones, so any change of output for any input must bump
``NORMALISER_VERSION``; the fingerprint test in ``tests/test_names.py`` fails until someone does.
Store the version next to stored keys and recompute them when it differs.

Decisions the search and linkage code rely on:

- A word is a run of letters, combining marks and apostrophes. Everything else (spaces,
  hyphens, digits, punctuation, symbols, emoji) separates words: "Abdul-Rahman" has two parts.
  Apostrophes vanish inside a word (Ma'ruf → maruf, O'Brien → obrien), except that Uzbek gʻ
  becomes gh, like Cyrillic ғ; Uzbek oʻ becomes o, like Cyrillic ў.
- ZWNJ is removed, so گل‌احمد is one word (glahmd); a Latin "Gul Ahmad" is two. Compare the
  skeleton of the joined name as well when the part counts differ.
- ``clean`` keeps letter case; ``romanise`` and ``skeleton`` are lower-case.
- Romanise writes Arabic script letter by letter (محمد → mhmd, گلنار → glnar: alef is "a",
  ain and hamza are dropped). In Cyrillic, х is h, дж is j like Tajik ҷ (Джураев = Ҷӯраев =
  jurayev, so Мухаммаджон → muhammajon), and е is "ye" at the start of a word and after a
  vowel (Алиев → aliyev, as Uzbek Latin writes it).
- Skeleton: a word that starts with a vowel keeps one leading "a" (any of a e i o u in Latin or
  Cyrillic, ا آ or ع in Arabic script), so Ahmad / احمد / Ахмад → ahmd and Umar / عمر → amr;
  "y" is always dropped (Yusuf / یوسف → sv). A skeleton may be empty ("Yo").
- Skeleton: a word-final h after a vowel is silent (Abdullah / Abdulla / عبدالله → abdl,
  Shah / Шоҳ / شاه → s), as are Arabic-script word-final ه and ح; "kh", х and خ are kept.
- Skeleton: the Arabic article is resolved as spellings in the region write it: "Abd al-"
  loses its l in every script (Abdulkarim / Abdukarim / عبدالکریم → abdkrm) and a medial ال
  before a sun letter loses it in Arabic script (نورالدین / Nuriddin → nrdn).
- The skeleton is coarse on purpose (Muhammad and Mahmud are both mhmd; Zarina, Zarrin and
  Zorin are zrn). It selects candidates; the romanised form and other fields decide.
- ``father_name``: a father's name is often recorded as the child's patronymic (Russian and
  Tajik Рахимович / Rahimovna, Uzbek Karim oʻgʻli / Karim qizi, Arabic ibn Karim); this
  returns the father's own name (Rahim, Karim), so that it meets رحیم written elsewhere.

Version history: 1 clean, romanise, skeleton; 2 adds ``father_name`` (the three keys of 1
are unchanged, so the search index written with version 1 stays valid).
"""

import re
import unicodedata
from functools import lru_cache

from anyascii import anyascii

NORMALISER_VERSION = "2"

# --- clean(): Unicode invisibles and Arabic-script variants (linkage.md §4.2, §4.7 steps 1-2) ---

# Bidi controls, zero-width characters (ZWNJ U+200C, ZWJ U+200D), soft hyphen, word joiner,
# Arabic letter mark, BOM; tatweel U+0640. Listed, not taken from the Cf category, so that a
# newer Unicode database cannot change the output.
_INVISIBLE = {
    0x00AD, 0x061C, 0x0640, 0xFEFF,
    *range(0x200B, 0x2010), *range(0x202A, 0x202F), *range(0x2060, 0x2065), *range(0x2066, 0x206A),
}  # fmt: skip
# Harakat U+064B-U+065F (incl. shadda, sukun, hamza and madda above/below), superscript alef
# U+0670, honorific signs U+0610-U+061A and Quranic annotation marks U+06D6-U+06ED.
_ARABIC_MARKS = {
    *range(0x0610, 0x061B), *range(0x064B, 0x0660), 0x0670,
    *range(0x06D6, 0x06DD), *range(0x06DF, 0x06E5), 0x06E7, 0x06E8, *range(0x06EA, 0x06EE),
}  # fmt: skip
# Arabic vs Persian code points and letter+hamza forms for one letter (linkage.md §4.2: keyboards
# and Faker data mix them); Urdu heh goal ہ and Kurdish/Uyghur ە are the letter ه.
_ARABIC_VARIANTS = {
    "ي": "ی", "ى": "ی", "ئ": "ی",
    "ك": "ک", "ڪ": "ک",
    "ة": "ه", "ۃ": "ه", "ۀ": "ه", "ہ": "ه", "ۂ": "ه", "ە": "ه",
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ٲ": "ا", "ٳ": "ا",
    "ؤ": "و",
    "ۓ": "ے",
}  # fmt: skip
_CLEAN_TABLE = str.maketrans(
    {
        **dict.fromkeys(_INVISIBLE | _ARABIC_MARKS),
        **{ord(k): v for k, v in _ARABIC_VARIANTS.items()},
    }
)
_SPACES = re.compile(r"\s+")

# --- romanise(): one house romanisation (linkage.md §4.2, §4.3, §4.7 steps 2-4) ---

# Arabic script. Pashto (ټ ډ ړ ښ ږ ځ څ ڼ ې ۍ ګ) and Urdu (ٹ ڈ ڑ ں ے ھ) letters pinned here
# rather than left to anyascii; ث ذ ض ظ as Persian and Urdu speakers say them, which is how
# regional Latin and Cyrillic spellings write them (Usmon, Zokir, Ramazon, Hafiz); alef as "a"
# so that گلنار reads glnar, not glnr; ain and hamza are not written. Other letters: anyascii.
_ARABIC_ROMAN = {
    "ا": "a", "ع": "", "ء": "",
    "ث": "s", "ذ": "z", "ض": "z", "ظ": "z",
    "ټ": "t", "ٹ": "t", "ډ": "d", "ڈ": "d", "ړ": "r", "ڑ": "r",
    "ښ": "sh", "ږ": "zh", "ځ": "dz", "څ": "ts", "ڼ": "n", "ں": "n",
    "ې": "y", "ۍ": "y", "ے": "y", "ھ": "h", "ګ": "g", "ڭ": "ng",
}  # fmt: skip
# Cyrillic. Russian after BGN/PCGN, except х → h (Tajik and Uzbek spell that sound h in Latin,
# so Мухаммад → muhammad) and щ → sh; Tajik ғ ӣ қ ӯ ҳ ҷ and Uzbek ў after the official Latin
# alphabets (ў → o as in Uzbek oʻ); Kazakh, Kyrgyz and Turkmen letters by the nearest house
# letter. е is "ye" at the start of a word and after a vowel, ъ or ь (see _romanise_char).
_CYRILLIC_ROMAN = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "yo", "ж": "zh",
    "з": "z", "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "ts",
    "ч": "ch", "ш": "sh", "щ": "sh", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu",
    "я": "ya",
    "ғ": "gh", "ӣ": "i", "қ": "q", "ӯ": "u", "ҳ": "h", "ҷ": "j", "ў": "o",
    "ә": "a", "і": "i", "ң": "ng", "ө": "o", "ұ": "u", "ү": "u", "һ": "h", "җ": "j",
}  # fmt: skip
_CYRILLIC_VOWELS = set("аеёиоуыэюяӣӯўәіөұү")
# Latin letters whose anyascii form loses a distinction the house keeps: Turkmen ň ž ş ç ý ä
# (official alphabet of 1993), Turkish ı, Azerbaijani ə, Czech-style š č ž in transliterations.
_LATIN_ROMAN = {
    "ň": "n", "ž": "zh", "ş": "sh", "ș": "sh", "ç": "ch", "ý": "y", "ä": "a",
    "ı": "i", "ə": "a", "š": "sh", "č": "ch",
}  # fmt: skip
# Apostrophe look-alikes: Uzbek oʻ gʻ (U+02BB, officially) and the marks people type instead,
# the Uzbek tutuq belgisi ʼ, ASCII transliteration of ain and hamza (ʿ ʾ `).
_APOSTROPHES = "'‘’ʻʼʹ`ʿʾ′"
_ROMAN = {**_ARABIC_ROMAN, **_CYRILLIC_ROMAN, **_LATIN_ROMAN, **dict.fromkeys(_APOSTROPHES, "")}
_UZBEK_G = re.compile(f"g[{_APOSTROPHES}]")
_NOT_A_TO_Z = re.compile("[^a-z]+")

# --- skeleton(): consonant skeleton (linkage.md §4.5) ---

# Spellings of one sound in Latin, folded to one letter; applied to Latin text only, where a
# digraph is a digraph (but not dz: Ahmad-zai, Saidzoda). Each Arabic or Cyrillic letter is
# folded on its own, so that س+ه in سهراب stays s-h (Suhrob) instead of becoming ش.
_FOLDS = {
    "dzh": "j", "dj": "j", "zh": "j", "kh": "h", "gh": "g", "sh": "s", "ch": "c",
    "x": "h", "q": "k", "w": "v", "f": "v",
}  # fmt: skip
_FOLD = re.compile("|".join(sorted(_FOLDS, key=len, reverse=True)))
_SILENT_FINAL_H = re.compile("(?<=[aeiou])h$")
# "Abd al-": Abdul-, Abdu-, Abdol-, عبدال all become abd (then Abdulkarim = Abdukarim).
_ABD_AL = re.compile("^abd[aeiou]?l")
_VOWELS_AND_Y = re.compile("[aeiouy]")
_DOUBLES = re.compile(r"(.)\1+")
_ARABIC_YEHS = "یېۍے"
_ALEF_OR_YEH = set("ا" + _ARABIC_YEHS)
# Letters that assimilate the l of the article: Nur al-Din is said and spelt Nuriddin.
_SUN_LETTERS = set("تثدذرزسشصضطظلن")


def clean(text: str) -> str:
    """The name in its own script, for equality that ignores how it was typed.

    NFKC (presentation forms, full-width letters), then invisible characters, tatweel and
    harakat removed, Arabic-script letter variants folded, whitespace collapsed. Case is kept.
    """
    text = unicodedata.normalize("NFKC", text).translate(_CLEAN_TABLE)
    return _SPACES.sub(" ", text).strip()


def _words(cleaned: str) -> list[str]:
    """Runs of letters, marks and apostrophes; anything else separates words."""
    words, current = [], []
    for ch in cleaned:
        if ch.isalpha() or ch in _APOSTROPHES or unicodedata.category(ch)[0] == "M":
            current.append(ch)
        elif current:
            words.append("".join(current))
            current = []
    if current:
        words.append("".join(current))
    return words


def _prepare(word: str) -> str:
    # Russian writes the sound of Tajik ҷ as дж (Джураев = Ҷӯраев); Uzbek gʻ is Cyrillic ғ.
    return _UZBEK_G.sub("gh", word.lower().replace("дж", "ҷ"))


@lru_cache(maxsize=4096)
def _letter(ch: str) -> str:
    roman = _ROMAN.get(ch)
    return roman if roman is not None else anyascii(ch).lower()


def _romanise_char(word: str, i: int) -> str:
    ch = word[i]
    if ch == "е" and (i == 0 or word[i - 1] in _CYRILLIC_VOWELS or word[i - 1] in "ъь"):
        return "ye"
    return _letter(ch)


@lru_cache(maxsize=16384)  # names repeat; a cache makes indexing a register cheap
def _romanise_word(word: str) -> str:
    word = _prepare(word)
    return _NOT_A_TO_Z.sub("", "".join(_romanise_char(word, i) for i in range(len(word))))


def romanise(text: str) -> str:
    """One house romanisation: lower-case a-z, words separated by single spaces.

    Idempotent, and ``romanise(x) == " ".join(name_parts(x))``. It writes what the script
    writes: Arabic script has no short vowels, so محمد → mhmd; ``skeleton`` bridges that gap.
    """
    return " ".join(name_parts(text))


def name_parts(text: str) -> list[str]:
    """The romanised parts of a full name; parts that romanise to nothing are dropped."""
    return [part for word in _words(clean(text)) if (part := _romanise_word(word))]


def _is_arabic(ch: str) -> bool:
    return "\u0600" <= ch <= "\u06ff" or "\u0750" <= ch <= "\u077f" or "\u08a0" <= ch <= "\u08ff"


def _is_cyrillic(ch: str) -> bool:
    return "\u0400" <= ch <= "\u052f"


def _arabic_sound(word: str, i: int) -> str:
    """The Latin letters for an Arabic-script letter in context, before folding.

    Long-vowel letters become vowels (dropped later unless they start the word); و is v where
    it stands for a consonant: at the start, after a non-initial alef (داود Davud), or before
    alef or yeh (جواد Javad, نوید Navid), except the silent و of خوا (Khoja).
    """
    ch, last = word[i], i == len(word) - 1
    prev, after = word[i - 1] if i else "", "" if last else word[i + 1]
    if ch in "اع":
        return "a"
    if ch in _ARABIC_YEHS:
        return "y"
    if ch == "ځ":
        return "z"  # Latin spellings follow the z of most dialects: ځدران Zadran
    if ch == "و":
        if prev == "خ" and after in _ALEF_OR_YEH:
            return ""
        consonant = i == 0 or (prev == "ا" and i > 1) or after in _ALEF_OR_YEH
        return "v" if consonant else "u"
    if ch in "هح" and last and i > 0:
        return ""
    # The article after عبد is left to _ABD_AL, which treats every script alike.
    if ch == "ل" and prev == "ا" and i >= 3 and after in _SUN_LETTERS and word[:i] != "عبدا":
        return ""
    return _romanise_char(word, i)


@lru_cache(maxsize=4096)
def _fold(sound: str) -> str:
    return _FOLD.sub(lambda m: _FOLDS[m[0]], sound)


@lru_cache(maxsize=16384)
def _skeleton_word(word: str) -> str:
    word = _prepare(word)
    pieces, latin = [], []
    for i, ch in enumerate(word):
        if _is_arabic(ch) or _is_cyrillic(ch) or ch in _APOSTROPHES:
            if latin:
                pieces.append(_fold("".join(latin)))
                latin = []
            if _is_arabic(ch):
                sound = _arabic_sound(word, i)
            elif ch in "ҳһ" and i == len(word) - 1 and i > 0 and word[i - 1] in _CYRILLIC_VOWELS:
                sound = ""  # Шоҳ, like Shah and شاه
            else:
                sound = _romanise_char(word, i)
            pieces.append(_fold(sound))
        else:
            latin.append(_romanise_char(word, i))
    if latin:
        run = _SILENT_FINAL_H.sub("", _NOT_A_TO_Z.sub("", "".join(latin)))
        pieces.append(_fold(run))
    letters = _ABD_AL.sub("abd", _NOT_A_TO_Z.sub("", "".join(pieces)))
    if letters[:1] in ("a", "e", "i", "o", "u"):
        letters = "a" + _VOWELS_AND_Y.sub("", letters[1:])
    else:
        letters = _VOWELS_AND_Y.sub("", letters)
    return _DOUBLES.sub(r"\1", letters)


def skeleton(part: str) -> str:
    """The consonant skeleton of one name part, from its original text, for blocking.

    محمد, مُحَمَّد, Мухаммад, Muhammad, Mohammed → mhmd; Ҷӯраев, Джураев, Joʻrayev → jrv.
    Given several words it returns their skeletons separated by spaces.
    """
    return " ".join(s for s in map(_skeleton_word, _words(clean(part))) if s)


def name_keys(text: str) -> dict[str, list[str]]:
    """Romanised parts and their skeletons, position by position (a skeleton may be "")."""
    keys: dict[str, list[str]] = {"romanised": [], "skeleton": []}
    for word in _words(clean(text)):
        if roman := _romanise_word(word):
            keys["romanised"].append(roman)
            keys["skeleton"].append(_skeleton_word(word))
    return keys


# --- father_name(): a patronymic back to the father's name ---

# Words that say "son of" / "daughter of" next to the father's name, romanised: Uzbek oʻgʻli
# and qizi (Cyrillic ўғли, угли, қизи), Turkic oglu / ogly / uly / uulu / kyzy, Arabic ibn /
# bin / bint (بن bn, بنت bnt), Dari and Pashto walad (ولد wld). They carry no name.
_PATRONYMIC_WORDS = {
    "oghli", "ogli", "ugli", "oghly", "ogly", "oglu", "uly", "uulu", "qizi", "kizi", "kyzy", "gizi",
    "ibn", "bin", "bint", "binti", "bn", "bnt", "walad", "valad", "wald", "wld",
}  # fmt: skip
# Russian-style patronymic endings, on the word as written (Cyrillic) or romanised (Latin):
# Рахимович, Рахимовна, Алиевич, Алиевна; Rahimovich, Rahimovna, Alievich, Aliyevna.
_PATRONYMIC_ENDINGS = re.compile(
    "(?<=..)(?:ович|евич|ёвич|овна|евна|ёвна|ovich|evich|yevich|ovitch|ovna|evna|yevna)$",
    re.IGNORECASE,
)


def father_name(text: str) -> str:
    """The father's own name in a patronymic, in its own script: Раҳимовна → Раҳим,
    Rahimovich → Rahim, Karim oʻgʻli → Karim, bin Karim → Karim; anything else unchanged
    apart from ``clean``. A name that is nothing but such words is returned as it was.
    """
    kept = []
    for word in _words(clean(text)):
        if _romanise_word(word) in _PATRONYMIC_WORDS:
            continue
        kept.append(_PATRONYMIC_ENDINGS.sub("", word))
    return " ".join(kept) if kept else clean(text)
