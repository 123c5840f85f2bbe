"""Digits that str.isdigit() accepts and int() refuses are a named error, not a traceback."""

import pytest
from django.core.management.base import CommandError

from payvand.linkage.tests.test_command import HEADER, RIGHT, run_match, write


@pytest.mark.parametrize("year", ["²⁰⁰¹", "１９９９９"])
def test_a_birth_year_of_unusual_digits_is_named_by_line_and_column(tmp_path, year):
    bad = write(tmp_path, "bad.csv", HEADER + f"c1,Zarina,,,,{year},,,\n")
    with pytest.raises(CommandError) as caught:
        run_match(tmp_path, bad, write(tmp_path, "good.csv", RIGHT))
    assert "bad.csv, line 2, column birth_year" in str(caught.value)
