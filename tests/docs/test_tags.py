"""The GitBook tag scanner and block matcher: exact tags and problems; never a crash on any text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from conformance.docs.tags import TagProblem, match_blocks, parse_tags, scan_tags


def test_tags_with_attributes_positions_and_end_tags() -> None:
    text = (
        '# T\n{% tabs %}{% tab title="Python" %}\n{% code overflow=wrap lineNumbers %}\nx\n'
        "{% endcode %}{% endtab %}{% endtabs %}\n{% hint style='info' %}\n{% endhint %}\n"
    )
    tags, problems = parse_tags(text)
    assert problems == []
    assert [(t.name, t.attrs, t.line, t.column, t.closing) for t in tags] == [
        ("tabs", (), 2, 1, False),
        ("tab", (("title", "Python"),), 2, 11, False),
        ("code", (("overflow", "wrap"), ("lineNumbers", "")), 3, 1, False),
        ("code", (), 5, 1, True),
        ("tab", (), 5, 14, True),
        ("tabs", (), 5, 26, True),
        ("hint", (("style", "info"),), 6, 1, False),
        ("hint", (), 7, 1, True),
    ]
    blocks, problems = match_blocks(tags)
    assert problems == []
    assert [(b.name, b.first_line, b.last_line) for b in blocks] == [
        ("tabs", 2, 5),
        ("tab", 2, 5),
        ("code", 3, 5),
        ("hint", 6, 7),
    ]
    assert tags[1].get("title") == "Python" and tags[1].get("missing") is None


def test_quoted_values_may_hold_percent_brace_and_tags_may_span_lines() -> None:
    text = '{% embed url="https://x.test/a%}b" %}\n{% openapi-operation spec="s"\n  path="/v1/x" method="post" %}'
    tags, problems = parse_tags(text)
    assert problems == []
    assert [(t.name, dict(t.attrs), t.line, t.end_line) for t in tags] == [
        ("embed", {"url": "https://x.test/a%}b"}, 1, 1),
        ("openapi-operation", {"spec": "s", "path": "/v1/x", "method": "post"}, 2, 3),
    ]


def test_problems_say_what_and_where() -> None:
    text = (
        '{% hint style="info" %}\nnever closed\n{% endtabs %}\n{% code title="open\n'
        '{% %}\n{% tab title="x" ??? %}{% endtab %}\n{% embed url="u" %}\n'
    )
    blocks, problems = scan_tags(text)
    assert problems == [
        TagProblem(1, 1, "{% hint %} is never closed (expected {% endhint %})"),
        TagProblem(3, 1, "{% endtabs %} has no matching {% tabs %} before it"),
        TagProblem(4, 1, "tag '{% code title=\"open' is not closed with '%}'"),
        TagProblem(5, 1, "tag '{% %}' has no name"),
        TagProblem(6, 1, "{% tab %}: attribute syntax not understood near '???'"),
    ]
    # an unknown tag without an end tag (embed) is a void tag, not a problem
    assert [b.name for b in blocks] == ["hint", "tab", "embed"]


def test_inner_blocks_closed_by_an_outer_end_tag_are_reported() -> None:
    _, problems = scan_tags('{% tabs %}\n{% tab title="a" %}\n{% endtabs %}')
    assert problems == [TagProblem(2, 1, "{% tab %} is not closed before {% endtabs %} at line 3")]


# -- properties ----------------------------------------------------------------------------------------
_pieces = st.sampled_from(
    [
        "{%",
        "%}",
        "{% ",
        " %}",
        "end",
        "hint",
        "tab",
        "tabs",
        "code",
        "=",
        '"',
        "'",
        "\n",
        "style",
        "x",
        " ",
        "{",
        "}",
        "%",
        "-",
        'title="a"',
    ]
)


@settings(max_examples=400)
@given(st.lists(_pieces, max_size=40).map("".join) | st.text(max_size=80))
def test_arbitrary_text_never_crashes_and_positions_are_inside(text: str) -> None:
    blocks, problems = scan_tags(text)
    lines = text.count("\n") + 1
    for problem in problems:
        assert 1 <= problem.line <= lines and problem.column >= 1
    for block in blocks:
        assert text[block.open.start : block.open.end].startswith("{%")
        assert text[block.open.start : block.open.end].endswith("%}")
        assert 1 <= block.first_line <= block.last_line <= lines


_names = st.from_regex(r"[a-z][a-z-]{0,8}", fullmatch=True).filter(lambda n: not n.startswith("end"))
_values = st.text(st.characters(blacklist_characters='"\n\r', blacklist_categories=("Cs",)), max_size=10)


@given(
    st.lists(
        st.tuples(_names, st.dictionaries(st.from_regex(r"[a-z][a-zA-Z]{0,6}", fullmatch=True), _values, max_size=3)),
        min_size=1,
        max_size=5,
    ),
    st.text(st.characters(blacklist_characters="{%", blacklist_categories=("Cs",)), max_size=20),
)
def test_rendered_tags_parse_back(tags: list[tuple[str, dict[str, str]]], filler: str) -> None:
    text = filler.join(
        "{% " + name + "".join(f' {k}="{v}"' for k, v in attrs.items()) + " %}" + filler + "{% end" + name + " %}"
        for name, attrs in tags
    )
    blocks, problems = scan_tags(text)
    assert problems == []
    assert [(b.name, dict(b.open.attrs)) for b in blocks] == [(n, a) for n, a in tags]
    assert all(b.close is not None for b in blocks)
