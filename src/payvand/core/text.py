"""Text people type that other people read: what must not be in it."""


def invisible_character(text: str, allowed: str = "") -> str:
    """The first character of ``text`` that a reader cannot see and that changes what she
    sees, or "": a control character (ESC, a pasted terminal colour, NUL…) not in
    ``allowed``, or a bidirectional embedding, override or isolate (U+202A–U+202E,
    U+2066–U+2069), which reorders the rest of the line on every page that shows it. The
    joiners and marks of Persian and Arabic script (U+200C, U+200D, U+200E, U+200F) are
    the script's business and are not refused."""
    for char in text:
        if char in allowed:
            continue
        if (
            char < " "
            or "\x7f" <= char <= "\x9f"
            or "\u202a" <= char <= "\u202e"
            or "\u2066" <= char <= "\u2069"
        ):
            return char
    return ""
