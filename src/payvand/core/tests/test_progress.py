import io

from payvand.core.progress import ProgressBar


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_into_a_log_the_bar_writes_a_line_per_step_and_the_end():
    log = io.StringIO()
    bar = ProgressBar(log, unit="cases", every=1000)
    for done in (0, 500, 1000, 1500, 2500, 2600):
        bar(done, 2600)
    lines = log.getvalue().splitlines()
    assert [line.split("]")[1].split()[0] for line in lines] == [
        "0/2600",
        "1000/2600",
        "2500/2600",
        "2600/2600",
    ]
    assert lines[-1].startswith("[" + "#" * 30 + "]") and " in " in lines[-1]


def test_on_a_terminal_the_bar_is_redrawn_in_place_and_ends_the_line():
    screen = Terminal()
    bar = ProgressBar(screen, unit="rows")
    bar(0, 10)
    bar(10, 10)
    first, last = screen.getvalue().split("\r")[1:]
    assert first.startswith("[" + "." * 30 + "] 0/10 rows")
    assert last.startswith("[" + "#" * 30 + "] 10/10 rows") and last.endswith("\n")
