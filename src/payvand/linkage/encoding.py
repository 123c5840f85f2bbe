"""A person as one keyed Bloom filter: comparable across organisations, readable by nobody.

The encoding is a *cryptographic long-term key* (CLK, Schnell, Bachteler & Reiher 2011;
reference/linkage.md §2): every identifying field is cut into tokens and every token sets a
few bits of one filter of ``FILTER_BITS`` bits. Two encodings of the same survivor, made from
محمد in Kabul and Мухаммад in Dushanbe, share most of their bits; the bits reveal no name.

Tokens (all from core/names.py, so that every script gives the same ones):

- names: bigrams of each romanised part (``_m mu uh ...``) and, as a feature of its own,
  bigrams of each consonant skeleton (``_m mh hm md d_``). The skeleton is what lets محمد
  (romanised mhmd) meet Muhammad; the romanised form keeps Zarina apart from Zorin. Given
  and family name form one bag (registers disagree on which is which, and Afghan records
  often have no family name), with a fixed number of bits per bigram; the given name is
  also a small feature of its own (a brother differs from the survivor there). The
  father's name is a feature of its own, a patronymic read as the father's name
  (``names.father_name``: Rahimovna, Karim oʻgʻli).
- birth year: the neighbourhood tokens of Vatsalan & Christen, the year and the two either
  side of it (y-2 … y+2), so two years one apart share four of five tokens and two apart
  share three: an age estimated two years off still matches, only a little weaker.
  A Solar Hijri year or date (1300-1450 SH) is converted to Gregorian first.
- the month and the day of birth (two tokens), when the date is exact on the record;
- gender (female / male; anything else adds nothing), each citizenship (ISO alpha-2);
- the place of origin: bigrams of the skeletons of its words and, apart, bigrams of its
  romanised words (numbers kept in both).

Most features have a budget of bits (``WEIGHTS``) shared by their tokens, clkhash's
``bitsPerFeature``: the fields weigh what we decided, not what their length says. The name
bag and the place set a fixed number of bits per token (``BITS_PER_TOKEN``, clkhash's
``bitsPerToken``): a missing family name then costs only its own bits instead of
thinning out the given name's, and a full address (street, number, suburb, postcode) says
more and weighs more than a village.

Keys and hashing: a per-feature key is derived with HKDF-SHA256 from the platform's linkage
secret (PAYVAND_LINKAGE_SECRET), so the same bigram in the given name and in the father's
name lands on unrelated bits. A token's bit positions are the 16-bit words of
HMAC-SHA256(feature key, token) (more HMACs with a counter when a token needs more than 16
bits), taken modulo the filter length (a power of two: no bias). Independent HMAC outputs,
not double hashing, because the structure of double hashing is what Kroll & Steinmetzer's
attack exploits (linkage.md §2.8). Without the secret nobody can compute or test a token.

Hardening against frequency attacks — balancing, and why (linkage.md §2.9): what is stored
is the filter followed by its complement, both halves mixed by a permutation keyed from the
secret (Schnell & Borgs 2016). Every stored encoding then has exactly ``FILTER_BITS`` bits
set, so a seized database no longer shows how full a record is (how many fields, how long
the names) — the signal frequency and pattern-mining attacks start from; measured on FEBRL4
it costs no linkage quality (F1 0.9999 vs 0.9998). The other hardenings measured there cost
recall: XOR-folding (F1 0.9865), and salting with the birth year loses every survivor whose
age was estimated differently, which is exactly the case we must not lose. The similarity of
two balanced filters is ``1 - hamming/FILTER_BITS`` of the unbalanced ones, so the matcher
un-permutes them in memory once (it holds the secret anyway) and compares half the bits.
What balancing does not stop is an attack on the similarities themselves (graph matching):
that is why no score, only a strength band, ever leaves the matcher, and every query is
audited (selectors.py).

Deterministic and pinned: the output depends on this file, on core/names.py
(``NORMALISER_VERSION``) and on the secret. ``ENCODER_VERSION`` names this file's part; the
fingerprint test in ``tests/test_encoding.py`` fails until someone bumps it after a change.
Encodings of different versions are never compared.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import hmac
import math
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from payvand.core import calendars, names

ENCODER_VERSION = "3"
FILTER_BITS = 1024
FILTER_BYTES = FILTER_BITS // 8
STORED_BYTES = 2 * FILTER_BYTES  # balanced: the filter and its complement
YEAR_TOLERANCE = 2

# Bits per feature (clkhash's bitsPerFeature) and bits per token (bitsPerToken). Skeletons
# weigh more than romanised forms: the skeleton is the only bridge across scripts (محمد
# romanises to mhmd, which shares two bigrams with muhammad), while the romanised form still
# separates Zarina from Zorin. Chosen on FEBRL 4 and the cross-script set (README; not
# held-out data, though other draws of the cross-script set agree).
#
# Version 3 (measured in README and bench/RESULTS.md; cross-script set from P 0.924 / R 0.943
# at 0.75 to 0.976 / 0.982 at 0.76 on its first 335 people, FEBRL 4 from 1.000 / 0.991 to
# 1.000 / 0.997): most cross-script misses were a record without family or father's name
# against a full one — with a budget, the missing family name thinned out the given name's
# bits as well — and most false matches were brothers, sisters and same-year namesakes. So
# the name bag sets bits per bigram, the given name is also a feature of its own (light, so
# that a swapped given and family name still matches), gender and citizenship weigh more,
# the place more per bigram, and everything is a fifth heavier (the filter fuller: a
# difference costs more against the 1,024 bits). Patronymics count as the father's name.
WEIGHTS = {
    "given": 12,
    "given_sk": 48,
    "father": 60,
    "father_sk": 84,
    "year": 144,  # 29 per neighbourhood token
    "day": 60,  # month and day
    "gender": 48,
    "citizenship": 72,
}
BITS_PER_TOKEN = {
    "name": 9,  # romanised bigrams of given and family name, one bag
    "name_sk": 14,  # their skeletons' bigrams
    "origin": 8,  # skeleton bigrams: Хуҷанд, خجند and Khujand agree
    "origin_rom": 8,  # romanised bigrams: separate streets and villages within one script
}
FEATURES = (*WEIGHTS, *BITS_PER_TOKEN)
_WORD = re.compile(r"\w+")

# Solar Hijri years of people alive today; no Gregorian birth year is that small.
_SOLAR_HIJRI_YEARS = range(1280, 1451)
_MIN_YEAR, _MAX_YEAR = 1880, 2100

_FEMALE = {
    "f", "female", "feminine", "woman", "girl", "ж", "жен", "женский", "زن",
    "transgenderfeminine",
}  # fmt: skip
_MALE = {
    "m", "male", "masculine", "man", "boy", "м", "муж", "мужской", "مرد",
    "transgendermasculine",
}  # fmt: skip

# The development secret: public on purpose, like the test suite's master key. Encodings made
# with it match only encodings made with it (demo, tests, a developer's laptop).
DEVELOPMENT_SECRET = hashlib.sha256(b"payvand-development-linkage-secret").digest()


class LinkageSecretMissing(ImproperlyConfigured):
    pass


def decode_secret(raw: str) -> bytes:
    raw = raw.strip()
    try:
        secret = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ImproperlyConfigured("PAYVAND_LINKAGE_SECRET is not base64.") from exc
    if len(secret) != 32:
        raise ImproperlyConfigured(
            f"PAYVAND_LINKAGE_SECRET must be 32 bytes, base64-encoded; it is {len(secret)}."
        )
    return secret


def linkage_secret() -> bytes:
    """The platform's linkage secret, shared by every site that links with this one.

    Read from ``PAYVAND_LINKAGE_SECRET`` (a Django setting of that name wins, for tests).
    Without it, a plain-http installation (the demo, the tests, development) uses the public
    development secret; a production one refuses, because encodings made with a public
    secret can be tested against guessed names by anyone who obtains them.
    """
    raw = getattr(settings, "PAYVAND_LINKAGE_SECRET", None) or os.environ.get(
        "PAYVAND_LINKAGE_SECRET", ""
    )
    if raw:
        return decode_secret(raw)
    if settings.DEMO or settings.DEBUG or not settings.HTTPS:
        return DEVELOPMENT_SECRET
    raise LinkageSecretMissing(
        "PAYVAND_LINKAGE_SECRET is not set: duplicate detection needs the platform's linkage "
        "secret (32 bytes, base64), the same at every site that links."
    )


def version() -> str:
    """What is stored next to an encoding: this encoder and the name normaliser."""
    return f"{ENCODER_VERSION}.{names.NORMALISER_VERSION}"


@dataclass(frozen=True)
class LinkageRecord:
    """What the encoder reads of a person; any field may be empty."""

    given_name: str = ""
    family_name: str = ""
    father_name: str = ""
    birth_date: dt.date | None = None
    birth_year: int | None = None
    gender: str = ""
    citizenship: tuple[str, ...] = field(default_factory=tuple)
    place_of_origin: str = ""


def gregorian_year(year: int | None) -> int | None:
    """A plausible Gregorian birth year: Solar Hijri years converted, nonsense dropped."""
    if year is None:
        return None
    if year in _SOLAR_HIJRI_YEARS:
        # 1 Hamal (21 March) to 29 Esfand: mostly the Gregorian year + 621.
        year += 621
    return year if _MIN_YEAR <= year <= _MAX_YEAR else None


def gregorian_date(day: dt.date) -> dt.date:
    """A date whose year is a Solar Hijri year was written in Solar Hijri: convert it."""
    if day.year in _SOLAR_HIJRI_YEARS:
        return calendars.from_solar_hijri(day.year, day.month, day.day)
    return day


def _gender(value: str) -> str:
    value = value.strip().lower()
    if value in _FEMALE:
        return "f"
    if value in _MALE:
        return "m"
    return ""


def _bigrams(text: str) -> list[str]:
    padded = f"_{text}_"
    return [padded[i : i + 2] for i in range(len(padded) - 1)]


def _name_bigrams(keys: Iterable[str]) -> list[str]:
    grams: list[str] = []
    for part in keys:
        if part:
            grams.extend(_bigrams(part))
    return sorted(set(grams))


def tokens(record: LinkageRecord) -> dict[str, list[str]]:
    """Feature → its tokens; a feature without a value has none (it sets no bits)."""
    feats: dict[str, list[str]] = {}
    # Given and family name are one bag of parts: which part is the "family" name is what
    # registers disagree on most (Afghan records often have none; FEBRL swaps them).
    given, family = names.name_keys(record.given_name), names.name_keys(record.family_name)
    feats["name"] = _name_bigrams(given["romanised"] + family["romanised"])
    feats["name_sk"] = _name_bigrams(given["skeleton"] + family["skeleton"])
    feats["given"] = _name_bigrams(given["romanised"])
    feats["given_sk"] = _name_bigrams(given["skeleton"])
    father = names.name_keys(names.father_name(record.father_name))
    feats["father"] = _name_bigrams(father["romanised"])
    feats["father_sk"] = _name_bigrams(father["skeleton"])
    day = gregorian_date(record.birth_date) if record.birth_date else None
    year = day.year if day else gregorian_year(record.birth_year)
    if year is not None:
        feats["year"] = [str(y) for y in range(year - YEAR_TOLERANCE, year + YEAR_TOLERANCE + 1)]
    if day is not None:
        feats["day"] = [f"m{day.month:02d}", f"d{day.day:02d}"]
    if gender := _gender(record.gender or ""):
        feats["gender"] = [gender]
    codes = sorted({c.strip().upper() for c in record.citizenship if len(c.strip()) == 2})
    if codes:
        feats["citizenship"] = codes
    # A place by its consonant skeletons (Хуҷанд, خجند and Khujand agree), numbers kept.
    words = _WORD.findall(names.clean(record.place_of_origin or ""))
    feats["origin"] = _name_bigrams(w if w.isdigit() else names.skeleton(w) for w in words)
    feats["origin_rom"] = _name_bigrams(w if w.isdigit() else names.romanise(w) for w in words)
    return {k: v for k, v in feats.items() if v}


def _hkdf(secret: bytes, info: str) -> bytes:
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=b"payvand-linkage", info=info.encode()
    ).derive(secret)


class Encoder:
    """Encodes records under one secret; keep one per process (it caches token positions)."""

    def __init__(self, secret: bytes) -> None:
        self.keys = {
            feature: _hkdf(secret, f"payvand-linkage|{ENCODER_VERSION}|feature|{feature}")
            for feature in FEATURES
        }
        perm_key = _hkdf(secret, f"payvand-linkage|{ENCODER_VERSION}|permutation")
        order = [
            hmac.digest(perm_key, i.to_bytes(2, "big"), "sha256") for i in range(2 * FILTER_BITS)
        ]
        # stored bit p holds balanced bit permutation[p]
        self.permutation = np.array(sorted(range(2 * FILTER_BITS), key=order.__getitem__))
        self.inverse = np.argsort(self.permutation)
        self._positions: dict[tuple[str, str, int], np.ndarray] = {}

    def _token_positions(self, feature: str, token: str, k: int) -> np.ndarray:
        memo = (feature, token, k)
        hit = self._positions.get(memo)
        if hit is None:
            key, message = self.keys[feature], token.encode()
            digest = b"".join(
                hmac.digest(key, message + b"\x00" + bytes([n]), "sha256")
                for n in range(math.ceil(k / 16))
            )
            hit = np.frombuffer(digest, dtype=">u2")[:k].astype(np.intp) & (FILTER_BITS - 1)
            if len(self._positions) < 500_000:  # names repeat; the memory stays bounded
                self._positions[memo] = hit
        return hit

    def positions(self, record: LinkageRecord) -> np.ndarray:
        """The bit positions a record sets (with repeats)."""
        chunks = []
        for feature, toks in tokens(record).items():
            k = BITS_PER_TOKEN.get(feature) or max(1, round(WEIGHTS[feature] / len(toks)))
            chunks.extend(self._token_positions(feature, t, k) for t in toks)
        return np.concatenate(chunks) if chunks else np.empty(0, dtype=np.intp)

    def filters(self, records: Sequence[LinkageRecord]) -> np.ndarray:
        """One unbalanced filter per record, bit-packed: ``(n, FILTER_BYTES)`` uint8."""
        bits = np.zeros((len(records), FILTER_BITS), dtype=np.uint8)
        for row, record in enumerate(records):
            bits[row, self.positions(record)] = 1
        return np.packbits(bits, axis=1, bitorder="little")

    def harden(self, filters: np.ndarray) -> np.ndarray:
        """The stored form: filter ‖ complement, permuted; exactly FILTER_BITS bits set."""
        bits = np.unpackbits(filters, axis=1, bitorder="little")
        balanced = np.concatenate([bits, 1 - bits], axis=1)
        return np.packbits(balanced[:, self.permutation], axis=1, bitorder="little")

    def unharden(self, stored: np.ndarray) -> np.ndarray:
        """Back from the stored form to the filter, in chunks (memory stays small)."""
        out = np.empty((len(stored), FILTER_BYTES), dtype=np.uint8)
        for start in range(0, len(stored), 65536):
            chunk = np.unpackbits(stored[start : start + 65536], axis=1, bitorder="little")
            out[start : start + 65536] = np.packbits(
                chunk[:, self.inverse[:FILTER_BITS]], axis=1, bitorder="little"
            )
        return out

    def encode(self, records: Sequence[LinkageRecord]) -> np.ndarray:
        """Stored encodings of ``records``: ``(n, STORED_BYTES)`` uint8."""
        return self.harden(self.filters(records))


@lru_cache(maxsize=4)
def encoder_for(secret: bytes) -> Encoder:
    return Encoder(secret)


def default_encoder() -> Encoder:
    return encoder_for(linkage_secret())


def stored_matrix(blobs: Iterable[bytes]) -> np.ndarray:
    """Stored encodings (bytes) as one ``(n, STORED_BYTES)`` array."""
    data = b"".join(bytes(b) for b in blobs)
    return np.frombuffer(data, dtype=np.uint8).reshape(-1, STORED_BYTES)
