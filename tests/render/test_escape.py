"""engine/render/escape.py, on any text: what each output format receives is safe for it and
still says what the value held."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from urllib.parse import unquote

from hypothesis import given
from hypothesis import strategies as st

from engine.render.escape import github_data, github_property, json_text, uri, visible, xml_text

# Any text, weighted towards what attacks use: controls, ANSI, bidi, separators, markup.
NASTY = st.sampled_from(["\n", "\r", "\x00", "\x01", "\x1b[2J", "\x1b]0;t\x07", "\x9b31m",
                         "\u202e", "\u2066", "\u2028", "%", "%0A", ",", ":", "::", "]]>", "<",
                         "&", '"', "\\", "å", "\U0001f600", "\ud800"])
TEXT = st.lists(st.one_of(st.text(), NASTY)).map("".join)
ACTIVE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


@given(TEXT)
def test_visible_text_is_one_line_without_control_characters(text: str) -> None:
    shown = visible(text)
    assert not ACTIVE.search(shown)
    shown.encode("utf-8")  # raises on a lone surrogate: what is shown can be printed
    assert visible(shown) == shown  # nothing left to escape


def test_visible_names_what_it_escaped() -> None:
    assert visible("a\nb\tc\x1b[31md\u202ee\x00") == "a\\nb\\tc\\x1b[31md\\u202ee\\x00"
    assert visible("Öberg & Söner, 100 %") == "Öberg & Söner, 100 %"


def runner_unescape(value: str, is_property: bool) -> str:
    """What GitHub's runner makes of an escaped value (actions/toolkit command.ts, reversed)."""
    pairs = [("%0D", "\r"), ("%0A", "\n")]
    if is_property:
        pairs += [("%3A", ":"), ("%2C", ",")]
    for escaped, char in [*pairs, ("%25", "%")]:
        value = value.replace(escaped, char)
    return value


@given(TEXT)
def test_github_values_cannot_end_the_command_or_add_properties(text: str) -> None:
    prop, data = github_property(text), github_data(text)
    assert not re.search("[\r\n,:]", prop)
    assert not re.search("[\r\n]", data)
    assert not ACTIVE.search(prop + data)
    if not ACTIVE.search(text.replace("\n", "").replace("\r", "")):  # a printable file name:
        assert runner_unescape(prop, True) == text  # the runner gets the very name back
    assert runner_unescape(data, False) == visible(text)


@given(TEXT)
def test_xml_text_is_well_formed_in_attributes_and_text(text: str) -> None:
    element = ET.Element("case", message=xml_text(text))
    element.text = xml_text(text)
    parsed = ET.fromstring(ET.tostring(element, encoding="unicode"))
    assert parsed.get("message") == xml_text(text)
    assert "]]>" not in ET.tostring(element, encoding="unicode")  # no CDATA end, even raw


def test_xml_text_keeps_what_xml_allows() -> None:
    assert xml_text("a\tb\nc <&> å \x01\x00") == "a\tb\nc <&> å \\x01\\x00"


@given(st.lists(st.text().filter(lambda part: "/" not in part), min_size=1).map("/".join))
def test_uri_is_percent_encoded_and_names_the_same_path(path: str) -> None:
    for name in (path, "/" + path):
        encoded = uri(name)
        assert re.fullmatch(r"(file://)?[A-Za-z0-9\-._~/%]*", encoded)
        assert unquote(encoded.removeprefix("file://")) == name


def test_uri_examples() -> None:
    assert uri("my cat#1/rules/a?b%.yaml") == "my%20cat%231/rules/a%3Fb%25.yaml"
    assert uri("/tmp/x y.yaml") == "file:///tmp/x%20y.yaml"
    assert uri("c:/x.yaml") == "c%3A/x.yaml"  # not read as a scheme


@given(TEXT)
def test_json_text_reads_back_the_same_data(text: str) -> None:
    import json

    written = json_text(json.dumps({"value": text}, ensure_ascii=False))
    assert json.loads(written) == {"value": text}
    assert not ACTIVE.search(written)
    written.encode("utf-8")  # a lone surrogate is written as \\ud800, so it can be printed
