"""Blind index of names: search across scripts without a readable name in the database.

For every name part we store keyed HMAC tokens (organisation's index key) of:
- ``r`` its house romanisation (Мухаммад and Muhammad agree),
- ``d`` each form with one letter deleted, and the form itself: two spellings one
  edit apart share one of these (a typo still finds the person),
- ``s`` its consonant skeleton (محمد, Mohammad and Muhammad agree).
A query part matches a stored part on any shared token; the strongest kind wins.

What a stolen database reveals: how often each token occurs within one organisation
(common names stand out), never the names themselves; with the organisation's key
destroyed the tokens mean nothing.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import TYPE_CHECKING

from django.db import connection
from django.db.models import F

from payvand.core import crypto, names

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from payvand.cases.models import Person
    from payvand.orgs.models import Organisation

# Kind → score of a match on it.
STRENGTH = {"r": 3, "d": 2, "s": 1}
MIN_DELETION_LENGTH = 4
# More candidates than this are filtered after the query (SQLite's limit on parameters).
MAX_CANDIDATES_IN_SQL = 1000


def _forms(part_text: str) -> list[tuple[str, str]]:
    romanised = names.romanise(part_text).replace(" ", "")
    forms: list[tuple[str, str]] = []
    if len(romanised) >= 2:
        forms.append(("r", romanised))
    if len(romanised) >= MIN_DELETION_LENGTH:
        variants = {romanised} | {romanised[:i] + romanised[i + 1 :] for i in range(len(romanised))}
        forms.extend(("d", v) for v in sorted(variants))
    skeleton = names.skeleton(part_text)
    if len(skeleton) >= 2:
        forms.append(("s", skeleton))
    return forms


def _parts(text: str) -> list[str]:
    return [p for p in names.clean(text).replace("-", " ").split(" ") if p]


def tokens_for(key: bytes, field: str, text: str) -> dict[str, list[tuple[str, str]]]:
    """{part: [(kind, token), …]} for every part of ``text``."""
    result: dict[str, list[tuple[str, str]]] = {}
    for part in _parts(text):
        result[part] = [
            (
                kind,
                hmac.new(key, f"{field}|{kind}:{form}".encode(), hashlib.sha256).hexdigest()[:32],
            )
            for kind, form in _forms(part)
        ]
    return result


def person_tokens(
    org: Organisation, identity: dict, *, key: bytes | None = None, memo: dict | None = None
) -> list[tuple[str, str, str]]:
    """(field, kind, token) rows for a person's names.

    A bulk caller passes the index ``key`` (derived once) and a ``memo`` dict it keeps
    for one batch only: names repeat, and a repeated name's tokens are then computed once.
    """
    key = key if key is not None else crypto.index_key(org, create=True)
    memo = memo if memo is not None else {}
    rows: set[tuple[str, str, str]] = set()
    full_name = " ".join(
        identity.get(k) or "" for k in ("given_name", "family_name", "other_names")
    )
    for field, text in (("name", full_name), ("father", identity.get("father_name") or "")):
        memo_key = (field, text)
        if memo_key not in memo:
            memo[memo_key] = [
                (field, kind, token)
                for part_tokens in tokens_for(key, field, text).values()
                for kind, token in part_tokens
            ]
        rows.update(memo[memo_key])
    if (identity.get("external_id") or "").strip():
        rows.add(("ext", "r", external_id_token(key, identity["external_id"])))
    return sorted(rows)


def external_id_token(key: bytes, external_id: str) -> str:
    """The organisation's own reference for a person (from an import), as a keyed token."""
    return hmac.new(key, f"ext|r:{external_id.strip()}".encode(), hashlib.sha256).hexdigest()[:32]


def external_ids_known(org: Organisation, external_ids: list[str]) -> set[str]:
    """Which of these external ids the organisation already holds."""
    from payvand.cases.models import NameToken

    try:
        key = crypto.index_key(org)
    except (crypto.KeyMissing, crypto.KeyDestroyed):
        return set()
    by_token = {external_id_token(key, e): e for e in external_ids if e.strip()}
    found = NameToken.objects.filter(organisation=org, field="ext", token__in=list(by_token))
    return {by_token[t] for t in found.values_list("token", flat=True)}


def index_person(person: Person, identity: dict, *, new: bool = False) -> None:
    """(Re)write the person's tokens; ``new``: none exist yet, skip the delete."""
    from payvand.cases.models import NameToken

    if not new:
        NameToken.objects.filter(person=person).delete()
    index_new_persons(person.organisation, [(person, identity)])


def index_new_persons(org: Organisation, persons: list[tuple[Person, dict]]) -> None:
    """Write the tokens of persons (saved, none indexed yet) in one bulk insert."""
    from payvand.cases.models import NameToken

    key = crypto.index_key(org, create=True)
    memo: dict = {}
    rows = [
        (person.pk, org.pk, f, k, t)
        for person, identity in persons
        for f, k, t in person_tokens(org, identity, key=key, memo=memo)
    ]
    # About 27 tokens a person: as model instances through bulk_create they cost most of
    # a bulk registration's time, so they go in as plain rows, many to a statement.
    meta, quote = NameToken._meta, connection.ops.quote_name
    columns = ", ".join(
        quote(meta.get_field(name).column)
        for name in ("person", "organisation", "field", "kind", "token")
    )
    table = quote(meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY: no statement for the server to parse, no parameters to bind.
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        per_statement = min(1000, (connection.features.max_query_params or 5000) // 5)
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            values = ", ".join(["(%s, %s, %s, %s, %s)"] * len(chunk))
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {values}",  # noqa: S608
                [value for row in chunk for value in row],
            )


def match_scores(org: Organisation, field: str, text: str, candidates=None) -> dict[int, int]:
    """{person id: score} of persons of ``org`` whose ``field`` matches every part of ``text``.

    The score sums, over the query's parts, the strength of the best token shared.
    ``candidates``: only among these person ids.
    """
    from payvand.cases.models import NameToken

    try:
        key = crypto.index_key(org)
    except (crypto.KeyMissing, crypto.KeyDestroyed):
        return {}  # no key yet: nothing indexed; destroyed: nothing readable
    query = tokens_for(key, field, text)
    if not query or (candidates is not None and not candidates):
        return {}
    strength: dict[tuple[str, int], int] = {}
    for index, part_tokens in enumerate(query.values()):
        for kind, token in part_tokens:
            strength[token, index] = max(strength.get((token, index), 0), STRENGTH[kind])
    # The database keeps the best strength per person and part and only returns persons
    # matching every part: a common name shares ~11 tokens with each of thousands of
    # persons, and fetching those rows into Python cost 80 ms a search at 100,000 cases.
    # One aggregate per person (the best of each part a filtered MAX beside it), not one
    # per person and part and then one per person: two names read ~27,000 token rows at
    # 100,000 cases, and the second grouping cost about a fifth of the query.
    meta, quote = NameToken._meta, connection.ops.quote_name
    person, organisation, field_column, token_column = (
        quote(meta.get_field(name).column) for name in ("person", "organisation", "field", "token")
    )
    params: list = [
        value for (token, index), best in strength.items() for value in (token, index, best)
    ]
    params += [org.pk, field]
    among = ""
    if candidates is not None and len(candidates) <= MAX_CANDIDATES_IN_SQL:
        among = f"AND t.{person} IN ({', '.join(['%s'] * len(candidates))})"
        params += list(candidates)
    # int() — only numbers and quoted column names are formatted into the statement.
    best = [f"MAX(q.strength) FILTER (WHERE q.part = {int(i)})" for i in range(len(query))]
    sql = f"""
        WITH q (token, part, strength) AS (VALUES {", ".join(["(%s, %s, %s)"] * len(strength))})
        SELECT t.{person}, {" + ".join(best)}
        FROM {quote(meta.db_table)} t JOIN q ON q.token = t.{token_column}
        WHERE t.{organisation} = %s AND t.{field_column} = %s {among}
        GROUP BY t.{person}
        HAVING {" AND ".join(f"{b} IS NOT NULL" for b in best)}
    """  # noqa: S608  (only column names, numbers and placeholders are formatted in)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        scores = {person_id: int(score) for person_id, score in cursor.fetchall()}
    if candidates is not None and not among:
        wanted = set(candidates)
        scores = {p: score for p, score in scores.items() if p in wanted}
    return scores


def ranked_case_ids(cases: QuerySet, orgs: list[Organisation], names: dict[str, str]) -> list[int]:
    """Keys of ``cases`` whose person matches every part of every ``names`` field
    (``{"name": …, "father": …}``) in the blind index of its organisation, best first:
    by the summed strength of the parts, then newest identified, then newest key.

    One statement for every organisation and field: the tokens of each organisation
    (each has its own index key) in one list of values, grouped once per person and
    joined to the filtered cases, instead of a query per organisation and field, then
    one for the cases with a list of every matching person.
    """
    from payvand.cases.models import NameToken

    keys = {}
    for org in orgs:
        try:
            keys[org.pk] = crypto.index_key(org)
        except (crypto.KeyMissing, crypto.KeyDestroyed):
            continue  # nothing indexed yet, or nothing readable any more
    values: dict[tuple[int, str, str, int], int] = {}  # (org, field, token, part) → strength
    parts = 0
    for field, text in names.items():
        texts = None
        for org_pk, key in keys.items():
            texts = tokens_for(key, field, text)
            if not all(texts.values()):
                return []  # a part with no token in it ("%", one letter) matches no one
            for index, part_tokens in enumerate(texts.values(), start=parts):
                for kind, token in part_tokens:
                    slot = (org_pk, field, token, index)
                    values[slot] = max(values.get(slot, 0), STRENGTH[kind])
        if not texts:
            return []  # no organisation to search, or a text without a name in it
        parts += len(texts)
    meta, quote = NameToken._meta, connection.ops.quote_name
    person, organisation, field_column, token_column = (
        quote(meta.get_field(name).column) for name in ("person", "organisation", "field", "token")
    )
    # One branch per organisation and field, each with them as constants: the planner
    # then estimates the token rows as it does for one (a hash, not a sort of 27,000).
    branches: dict[tuple[int, str], list] = {}
    for (org_pk, field, token, part), strength in values.items():
        branches.setdefault((org_pk, field), []).append((token, part, strength))
    hits, params = [], []
    for (org_pk, field), rows in branches.items():
        hits.append(
            # A VALUES list's columns are column1, column2 … on both databases.
            f"""SELECT t.{person} AS person_id, q.column2 AS part, q.column3 AS strength
            FROM {quote(meta.db_table)} t
            JOIN (VALUES {", ".join(["(%s, %s, %s)"] * len(rows))}) q
                ON q.column1 = t.{token_column}
            WHERE t.{organisation} = %s AND t.{field_column} = %s"""  # noqa: S608
        )
        params += [value for row in rows for value in row] + [org_pk, field]
    matching, matching_params = (
        cases.order_by()
        .values(case_key=F("pk"), case_day=F("identified_on"), case_person=F("person_id"))
        .query.sql_with_params()
    )
    if connection.vendor == "postgresql":
        # From the few persons who match to their cases over the index on the person (a
        # few hundred lookups), not a hash join over every case of the organisations,
        # which PostgreSQL picks as it guesses ten times more persons than match: 2.5 ms
        # of a search at 100,000 cases. OFFSET 0 keeps the subquery from being flattened.
        cases_of_scores = f"""scores s CROSS JOIN LATERAL (
            SELECT * FROM ({matching}) m WHERE m.case_person = s.person_id OFFSET 0) c"""  # noqa: S608
    else:
        cases_of_scores = f"({matching}) c JOIN scores s ON s.person_id = c.case_person"
    # int() — only numbers and quoted column names are formatted into the statement.
    best = [f"MAX(h.strength) FILTER (WHERE h.part = {int(i)})" for i in range(parts)]
    sql = f"""
        WITH scores AS (
            SELECT h.person_id, {" + ".join(best)} AS score
            FROM ({" UNION ALL ".join(hits)}) h
            GROUP BY h.person_id
            HAVING {" AND ".join(f"{b} IS NOT NULL" for b in best)}
        )
        SELECT c.case_key FROM {cases_of_scores}
        ORDER BY s.score DESC, c.case_day DESC, c.case_key DESC
    """  # noqa: S608  (column names, numbers, placeholders and Django's compiled query)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *matching_params])
        return [row[0] for row in cursor.fetchall()]


def reindex_org(org: Organisation) -> int:
    """Rebuild the organisation's tokens under its current key (after rotation or purge)."""
    from payvand.cases.models import NameToken, Person

    NameToken.objects.filter(organisation=org).delete()
    try:
        crypto.index_key(org)
    except (crypto.KeyMissing, crypto.KeyDestroyed):
        return 0
    count = 0
    people = Person.objects.filter(organisation=org, identity__isnull=False, erased_at__isnull=True)
    for person in people.iterator():
        from payvand.core.sealed import context_for

        person.organisation = org
        identity = crypto.unseal_json(org, person.identity, context=context_for(person, "identity"))
        index_person(person, identity)
        count += 1
    return count
