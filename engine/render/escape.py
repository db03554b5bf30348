"""Escaping for every output format, in one place: what a value may not carry into each.

Values come from files and requests a user (or an attacker) wrote: a customer name, a file
name, a case description. Each function makes one value safe for one kind of output:

- ``visible``: terminal text. Newlines, control characters (ESC, so no ANSI sequence),
  Unicode line separators and bidirectional overrides are shown as escapes (``\\n``,
  ``\\x1b``, ``\\u202e``), so a value is one line that looks like what it holds.
- ``github_property`` and ``github_data``: GitHub workflow commands (``::error file=...::``).
- ``xml_text``: XML 1.0, which cannot carry most control characters at all.
- ``uri``: a file path as a SARIF artifact URI (RFC 3986 percent-encoding).
- ``json_text``: JSON output that is also safe to print (C1 controls, separators and lone
  surrogates as ``\\uXXXX``; the data read back is unchanged).
"""

from __future__ import annotations

import re
from urllib.parse import quote

# C0 and C1 controls, DEL, the Unicode line and paragraph separators, the bidirectional marks,
# embeddings, overrides and isolates ("Trojan Source"), and lone surrogates (which cannot be
# encoded, so printing them would fail).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e"
                     "\u2066-\u2069\ud800-\udfff]")
_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}
# What XML 1.0 forbids (section 2.2 of the specification allows tab, newline, carriage return,
# \x20-\ud7ff, \ue000-\ufffd and \U00010000-\U0010ffff): written as the forbidden characters,
# this class compiles in a tenth of the time of the negated one, at every start of the tool.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Characters json.dumps(ensure_ascii=False) writes raw that a terminal may act on, and lone
# surrogates, which UTF-8 cannot encode.
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
                          "\ud800-\udfff]")


def _escaped(match: re.Match[str]) -> str:
    char = match.group()
    if char in _SHORT:
        return _SHORT[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(value: object) -> str:
    """``value`` as one line of terminal text that shows what it holds and does nothing."""
    return _UNSAFE.sub(_escaped, str(value))


def github_property(value: object) -> str:
    """A property of a GitHub workflow command (``file=``, ``title=``).

    The runner decodes %25, %0D, %0A, %3A and %2C in properties, so a file name keeps its
    newline or comma and still names the file; other control characters are shown escaped.
    """
    text = (str(value).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
            .replace(":", "%3A").replace(",", "%2C"))
    return visible(text)


def github_data(value: object) -> str:
    """The message of a GitHub workflow command: one line, whatever the value holds."""
    return visible(value).replace("%", "%25")


def xml_text(value: object) -> str:
    """Text XML 1.0 can carry: characters it forbids (NUL, ESC, ...) shown escaped.

    ElementTree escapes markup (``<``, ``&``, quotes, and ``>`` so that no ``]]>`` appears)
    but writes forbidden characters as they are, which makes the document malformed.
    """
    return _NOT_XML.sub(_escaped, str(value))


def uri(path: str) -> str:
    """A file path as a URI reference: relative paths stay relative, absolute ones get
    ``file://``; every character outside RFC 3986's unreserved set and ``/`` is
    percent-encoded (UTF-8), so ``#``, ``?``, ``%``, ``:`` and spaces keep their meaning as
    part of the name."""
    encoded = quote(path, safe="/", errors="surrogateescape")
    return f"file://{encoded}" if path.startswith("/") else encoded


def json_text(text: str) -> str:
    """JSON text (from json.dumps) with the characters a terminal acts on written as \\uXXXX.

    They can only stand inside JSON strings, where the escape reads back as the same value.
    """
    return _JSON_UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)
