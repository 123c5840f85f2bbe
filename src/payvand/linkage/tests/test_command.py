"""`payvand linkage`: CSV in, pairs out; every bad input a sentence and a non-zero exit."""

import csv
import os
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from payvand.linkage import evaluation, matching
from payvand.linkage.encoding import DEVELOPMENT_SECRET, encoder_for

HEADER = "id,given_name,family_name,father_name,birth_date,birth_year,gender,citizenship,place_of_origin\n"
LEFT = HEADER + (
    "a1,گلنار,رحیمی,احمد,,1380,F,AF,هرات\n"
    "a2,محمد,کریمی,علی,1365-05-12,,M,AF,کابل\n"
    "a3,Bibi,Ahmadi,,,1990,F,AF,\n"
)
RIGHT = HEADER + (
    "b1,Гулнора,Раҳимӣ,Аҳмад,,2003,F,AF TJ,Ҳирот\n"
    "b2,Мухаммад,Каримӣ,Алӣ,1986-08-03,,M,AF,Кобул\n"
    "b3,Farida,Yusufi,Sharif,,1975,F,UZ,Samarkand\n"
)


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return str(path)


def run_match(tmp_path, left, right, *extra):
    out = tmp_path / "pairs.csv"
    call_command("linkage", "match", "--left", left, "--right", right, "--out", str(out), *extra)
    with out.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_match_links_the_same_people_across_scripts(tmp_path):
    rows = run_match(tmp_path, write(tmp_path, "a.csv", LEFT), write(tmp_path, "b.csv", RIGHT))
    assert {(r["left_id"], r["right_id"]) for r in rows} == {("a1", "b1"), ("a2", "b2")}
    assert all(matching.POSSIBLE <= float(r["score"]) <= 1 for r in rows)
    lower = run_match(
        tmp_path, write(tmp_path, "a.csv", LEFT), write(tmp_path, "b.csv", RIGHT),
        "--threshold", "0.5", "--one-to-one",
    )  # fmt: skip
    assert len(lower) == 3 and len({r["left_id"] for r in lower}) == 3


BAD = {
    "missing columns": (
        "id,given_name\nx,Zarina\n",
        "lacks the column(s) family_name, father_name, birth_date",
    ),
    "empty file": ("", "is empty"),
    "only a header": (HEADER, "has a header but no records"),
    "Windows-1251 instead of UTF-8": (
        (HEADER + "c1,Зарина,,,,,,,\n").encode("cp1251"),
        "is not UTF-8 text (line 2",
    ),
    "a ten-megabyte name": (HEADER + "c1," + "Z" * 10_000_000 + ",,,,,,,\n", "line 2"),
    "a long name on a short line": (HEADER + "c1," + "Z" * 5000 + ",,,,,,,\n", "given_name"),
    "no date": (HEADER + "c1,Zarina,,,31/31/2001,,,,\n", "column birth_date"),
    "no year": (HEADER + "c1,Zarina,,,,nineteen,,,\n", "column birth_year"),
    "no id": (HEADER + ",Zarina,,,,,,,\n", "the id is empty"),
    "too many values": (HEADER + "c1,Zarina,,,,,,,,,extra\n", "more values than columns"),
}


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_bad_input_is_refused_with_a_sentence_naming_the_problem(tmp_path, case):
    text, message = BAD[case]
    good = write(tmp_path, "good.csv", RIGHT)
    bad = write(tmp_path, "bad.csv", text)
    with pytest.raises(CommandError) as caught:
        run_match(tmp_path, bad, good)
    assert message in str(caught.value)
    assert "bad.csv" in str(caught.value)


def test_a_missing_file_and_a_bad_threshold(tmp_path):
    good = write(tmp_path, "good.csv", RIGHT)
    with pytest.raises(CommandError, match="does not exist"):
        run_match(tmp_path, str(tmp_path / "nowhere.csv"), good)
    with pytest.raises(CommandError, match="between 0 and 1"):
        run_match(tmp_path, good, good, "--threshold", "7")


def test_from_the_shell_bad_input_exits_non_zero_without_a_traceback(tmp_path):
    big = write(tmp_path, "big.csv", HEADER + "c1," + "Z" * 10_000_000 + ",,,,,,,\n")
    latin1 = write(tmp_path, "latin1.csv", (HEADER + "c1,Zoë,,,,,,,\n").encode("latin-1"))
    good = write(tmp_path, "good.csv", RIGHT)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "payvand.testing.settings"}
    for left in (big, latin1):
        done = subprocess.run(
            [sys.executable, "-m", "payvand", "linkage", "match", "--left", left,
             "--right", good, "--out", str(tmp_path / "o.csv")],
            capture_output=True, text=True, env=env, timeout=120,
        )  # fmt: skip
        assert done.returncode != 0
        assert "Traceback" not in done.stderr
        assert left in done.stderr


def test_febrl4_precision_and_recall_meet_the_issue_targets():
    """Measured at 0.76 (README): precision 1.000, recall 0.997 on FEBRL 4 (encoder 3)."""
    quality = evaluation.evaluate("febrl4", encoder_for(DEVELOPMENT_SECRET), blocking="none")
    assert quality.threshold == matching.POSSIBLE
    assert quality.true_pairs == 5000
    assert quality.precision >= 0.995
    assert quality.recall >= 0.99


def test_the_cross_script_set_meets_the_issue_targets():
    """Whole records across scripts, with brothers and sisters and namesakes as the pairs
    that must not match: measured at 0.76 precision 0.976, recall 0.976 (README, encoder 3;
    encoder 2 at 0.75: 0.924 / 0.943 on its first 335 people)."""
    left, right, _left_ids, _right_ids = evaluation.crossscript_records()
    first = evaluation.crossscript_records(additions=False)
    assert len(first[0]) == 392 and len(first[1]) == 501  # the set encoder 2 was measured on
    assert (left[:392], right[:501]) == (first[0], first[1])  # additions come after it
    assert len(left) == 472 and len(right) > 580  # people, siblings and namesakes
    assert evaluation.crossscript_records()[0] == left  # deterministic
    enc = encoder_for(DEVELOPMENT_SECRET)
    quality = evaluation.evaluate("crossscript", enc, blocking="none")
    assert quality.true_pairs == 415
    assert quality.found > quality.correct  # some namesakes do score as matches
    assert quality.precision >= 0.95 and quality.recall >= 0.95
    original = evaluation.evaluate("crossscript-335", enc, blocking="none")
    assert original.true_pairs == 335
    assert original.precision >= 0.95 and original.recall >= 0.95


def test_evaluate_prints_precision_recall_and_f1(capsys):
    call_command("linkage", "evaluate", "--dataset", "febrl1", "--blocking", "none")
    out = capsys.readouterr().out
    assert "precision" in out and "recall" in out and "F1" in out
    assert out.strip().splitlines()[-1].startswith("febrl1          none        1000    500")
