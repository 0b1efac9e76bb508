"""Hostile structure and HTML: the parser refuses or converts it in one pass, under its budget."""

from __future__ import annotations

import importlib.metadata
import itertools

import pytest

from intake.mail.html_text import html_to_text
from intake.mail.parse import MailParseError, parse_message
from intake.mail.structure import nesting_depth

HEAD = "From: a@customer.example\nTo: support@vendor.example\nSubject: hostile\nMessage-ID: <h@customer.example>\n"


def html_mail(html: str) -> bytes:
    return (HEAD + 'MIME-Version: 1.0\nContent-Type: text/html; charset="utf-8"\n\n' + html).encode()


def deep_multipart(levels: int) -> bytes:
    parts = [HEAD, "MIME-Version: 1.0\n"]
    for i in range(levels):
        parts.append(f'Content-Type: multipart/mixed; boundary="b{i}"\n\n--b{i}\n')
    parts.append("Content-Type: text/plain\n\ninnermost\n")
    parts.extend(f"--b{i}--\n" for i in reversed(range(levels)))
    return "".join(parts).encode()


def deep_forward(levels: int) -> bytes:
    parts = [HEAD, "MIME-Version: 1.0\n"]
    for i in range(levels):
        parts.append(f"Content-Type: message/rfc822\n\nSubject: level {i}\n")
    parts.append("Content-Type: text/plain\n\ninnermost\n")
    return "".join(parts).encode()


# -- deep structure --------------------------------------------------------------------------------------

@pytest.mark.parametrize("build", [deep_multipart, deep_forward])
def test_a_2000_deep_mail_is_refused_as_too_deep_instead_of_a_recursion_error(build):
    with pytest.raises(MailParseError) as exc:
        parse_message(build(2000))
    assert exc.value.reason == "too_deep" and exc.value.permanent


@pytest.mark.parametrize("build", [deep_multipart, deep_forward])
def test_nesting_within_the_limit_still_parses_with_the_deep_parts_ignored(build):
    m = parse_message(build(40))  # deeper than max_depth (12), within the nesting limit (64)
    assert any("deeper than" in d for d in m.defects)
    m = parse_message(build(3))
    assert "innermost" in (m.body + "".join(a.text or "" for a in m.attachments))


def test_the_prescan_follows_boundaries_so_many_siblings_are_not_depth():
    inner = "".join(f'--o\nContent-Type: multipart/alternative; boundary="i{i}"\n\n--i{i}\n'
                    f"Content-Type: text/plain\n\nx{i}\n--i{i}--\n" for i in range(150))
    raw = (HEAD + 'Content-Type: multipart/mixed; boundary="o"\n\n' + inner + "--o--\n").encode()
    assert nesting_depth(raw) == 2
    with pytest.raises(MailParseError) as exc:  # 301 parts: refused for their number, not their depth
        parse_message(raw, max_parts=100)
    assert exc.value.reason == "too_many_parts"


# -- HTML ------------------------------------------------------------------------------------------------

def test_html2text_is_gone_from_the_runtime_dependencies():
    requires = importlib.metadata.requires("supportbot") or []
    assert not [r for r in requires if r.lower().startswith("html2text")]


def test_the_time_budget_is_enforced_inside_the_html_conversion():
    html = "<p>start</p>" + "<div><span>x</span>" * 40_000  # many tags, nothing quadratic
    ticks = itertools.count(0.0, 0.001)  # a clock that advances a millisecond per look
    with pytest.raises(MailParseError) as exc:
        parse_message(html_mail(html), time_budget=0.1, clock=lambda: next(ticks))
    assert exc.value.reason == "too_slow"
    assert "converting HTML" in exc.value.detail


def test_an_unclosed_script_hides_the_rest_as_a_browser_would_and_leaks_nothing():
    html = "<p>Portal down since 9:00</p><script>var key='sk_live_abcdef';" + "a<b>" * 50_000
    m = parse_message(html_mail(html))
    assert m.body == "Portal down since 9:00"


def test_an_unclosed_comment_and_a_run_of_bare_angle_brackets_are_one_pass():
    assert html_to_text("<p>hi</p><!--" + "x" * 100_000) == "hi"
    assert html_to_text("a" + "<" * 100_000 + "b") == "a" + "<" * 100_000 + "b"


def test_html_over_the_size_cap_is_stripped_not_parsed_and_keeps_its_text():
    html = "<p>first</p><script>x</script>" + "<b>y</b>" * 10 + "<p>last words</p>"
    out = html_to_text(html, max_chars=50)
    assert out.startswith("first") and "last words" in out and "<" not in out


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<p>Portal is <b>down</b></p><p>since 9:00</p>", "Portal is down\n\nsince 9:00"),
        ("<a href='https://status.example/x'>status</a>", "status (https://status.example/x)"),
        ("<a href='https://status.example/'>https://status.example/</a>", "https://status.example/"),
        ("<a href='mailto:bob@customer.example'>Bob</a>", "Bob (bob@customer.example)"),
        ("<ul><li>one</li><li>two</li></ul>", "- one\n- two"),
        ("<table><tr><th>user</th><th>password</th></tr><tr><td>bob</td><td>hunter2</td></tr></table>",
         "user | password\nbob | hunter2"),
        ("a<br>b&amp;c &lt;tag&gt;", "a\nb&c <tag>"),
        ("<pre>  x = 1\n  y = 2</pre>", "x = 1\n  y = 2"),
        ("<html><head><title>T</title><style>p{}</style></head><body>body</body></html>", "body"),
        ("<head><meta charset=utf-8><body><p>unclosed head</p>", "unclosed head"),
        ("<template><p>hidden</p></template><svg><text>no</text></svg>shown", "shown"),
        ("<div><div><div>deep</div></div></div>" * 3, "deep\ndeep\ndeep"),
        ("<img src=x alt='logo'> text", "logo text"),
    ],
)
def test_html_conversion_table(html: str, expected: str) -> None:
    assert html_to_text(html) == expected
