"""The generated documentation: complete, linked, deterministic, fresh, inert, and polite to --out."""

from __future__ import annotations

import dataclasses
import posixpath
import re
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest

from misgen.docs import context as paths
from misgen.docs import generate, md
from misgen.docs.site import CONFIG, MANIFEST, mkdocs_yml
from misgen.kb import KnowledgeBase, load
from tests.conftest import REPO, run

LINK_RE = re.compile(r"!?\[(?:[^\]\\]|\\.)*\]\(([^)\s]*)\)")
HOSTILE_TITLE = "<script>alert(1)</script> | [click](javascript:alert(2)) <img src=x onerror=alert(3)> ``` *b* _i_ &lt;i&gt;"
HOSTILE_TEXT = '- [a](javascript:alert(4)) <a href="javascript:alert(5)">x</a> <javascript:alert(6)> ![i](x.png) ~~s~~ $m$ #'


@pytest.fixture(scope="module")
def site() -> dict[str, str]:
    kb = load(REPO)
    assert kb.ok
    return generate(kb)


def _links(text: str) -> list[str]:
    # the fenced Mermaid block on the graph page is source code, not Markdown
    return LINK_RE.findall(
        re.sub(r"^(`{3,})mermaid\n.*?^\1$", "", text, flags=re.DOTALL | re.MULTILINE)
    )


def _check_links(files: dict[str, str]) -> list[str]:
    broken = []
    for page, text in files.items():
        if not page.endswith(".md"):
            continue
        for target in _links(text):
            if target.startswith(("https://", "http://")):
                continue
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(page), target))
            if target.startswith("/") or "#" in target or resolved not in files:
                broken.append(f"{page}: {target}")
    return broken


# --------------------------------------------------------------------------- structure


def test_internal_links_all_resolve(site: dict[str, str]) -> None:
    assert _check_links(site) == []
    assert sum(len(_links(t)) for t in site.values()) > 1000  # the pages are densely linked


def test_every_page_is_reachable_from_the_home_page(site: dict[str, str]) -> None:
    seen, todo = {paths.INDEX}, [paths.INDEX]
    while todo:
        page = todo.pop()
        for target in _links(site[page]):
            resolved = posixpath.normpath(posixpath.join(posixpath.dirname(page), target))
            if resolved.endswith(".md") and resolved not in seen:
                seen.add(resolved)
                todo.append(resolved)
    assert sorted(p for p in site if p.endswith(".md") and p not in seen) == []


def test_every_element_has_its_page(site: dict[str, str]) -> None:
    kb = load(REPO)
    expected = {
        "label": [(paths.label_page(x), kb.labels[x].definition) for x in kb.labels],
        "subtype": [(paths.subtype_page(x), kb.subtypes[x].definition) for x in kb.subtypes],
        "signal": [(paths.signal_page(x), kb.signals[x].question) for x in kb.signals],
        "rule": [(paths.rule_page(r.id), r.message) for r in kb.rules],
        "case": [(paths.case_page(x), kb.cases[x].summary) for x in kb.cases],
        "framework": [
            (paths.framework_page(x), kb.frameworks[x].description) for x in kb.frameworks
        ],
    }
    missing = [
        f"{kind} page {page}"
        for kind, pages in expected.items()
        for page, _ in pages
        if page not in site
    ]
    undocumented = [
        f"{kind} page {page} lacks its text"
        for kind, pages in expected.items()
        for page, text in pages
        if page in site and md.text(text) not in site[page]
    ]
    assert missing == [] and undocumented == []
    for page in (
        paths.INDEX,
        paths.AGREEMENT,
        paths.RELATIONS,
        paths.SOURCES,
        paths.GRAPH,
        paths.CASES,
    ):
        assert page in site
    # each element is listed on its section's index page
    for index, items in (
        (paths.LABELS, [*map(paths.label_page, kb.labels), *map(paths.subtype_page, kb.subtypes)]),
        (paths.SIGNALS, [paths.signal_page(x) for x in kb.signals]),
        (paths.RULES, [paths.rule_page(r.id) for r in kb.rules]),
        (paths.CASES, [paths.case_page(x) for x in kb.cases]),
        (paths.FRAMEWORKS, [paths.framework_page(x) for x in kb.frameworks]),
    ):
        linked = {
            posixpath.normpath(posixpath.join(posixpath.dirname(index), t))
            for t in _links(site[index])
        }
        assert sorted(set(items) - linked) == [], index


def test_case_pages_carry_the_verdict_and_its_context(site: dict[str, str]) -> None:
    kb = load(REPO)
    for cid, case in kb.cases.items():
        page = site[paths.case_page(cid)]
        for heading in (
            "## At a glance",
            "## Setup",
            "## Signals",
            "## Verdict",
            "## Curator's reasoning",
            "## Sources",
        ):
            assert heading in page, (cid, heading)
        if case.curated.disagreement:
            assert "### Declared disagreement" in page, cid
        if case.disputes:
            assert "## Disputes" in page, cid
        if case.links:
            assert "## Related cases" in page, cid
        if kb.frameworks:
            assert "## Perspectives by framework" in page, cid


def test_graph_page_has_svg_and_mermaid(site: dict[str, str]) -> None:
    assert paths.GRAPH_SVG in site and site[paths.GRAPH_SVG].lstrip().startswith(("<svg", "<?xml"))
    assert "](graph.svg)" in site[paths.GRAPH]
    # issue 18: the drawing inline (links work), no Mermaid source the static site cannot draw
    assert '<div class="misgen-graph"' in site[paths.GRAPH] and "<svg" in site[paths.GRAPH]
    assert "```mermaid" not in site[paths.GRAPH]


def test_mkdocs_nav_is_explicit_and_resolves(site: dict[str, str]) -> None:
    kb = load(REPO)
    config = mkdocs_yml(kb, "docs")
    targets = re.findall(r"^\s*- (?:\"[^\"]*\"|[^:]+): (\S+\.md)$", config, flags=re.MULTILINE)
    assert targets and all(t in site for t in targets)
    # case pages are reached from the cases index, so the nav does not grow with the case base
    assert not any(t.startswith("cases/") and t != paths.CASES for t in targets)
    listed = set(targets)
    assert (
        sorted(
            p for p in site if p.endswith(".md") and not p.startswith("cases/") and p not in listed
        )
        == []
    )


def test_generation_is_deterministic(site: dict[str, str]) -> None:
    kb = load(REPO)
    shuffled = dataclasses.replace(kb, cases=dict(reversed(list(kb.cases.items()))))
    assert generate(shuffled) == site
    assert list(site) == sorted(site)
    assert not re.search(r"20[0-9]{2}-[0-9]{2}-[0-9]{2}T", "".join(site.values()))  # no timestamps


# --------------------------------------------------------------------------- escaping


@pytest.mark.parametrize(
    ("raw", "inert"),
    [
        ("<script>alert(1)</script>", "&#60;script&#62;alert(1)&#60;/script&#62;"),
        ("[x](javascript:alert(1))", "&#91;x&#93;(javascript:alert(1))"),
        ("a | b", "a &#124; b"),
        (
            "*bold* _it_ `code` ~~s~~ $m$",
            "&#42;bold&#42; &#95;it&#95; &#96;code&#96; &#126;&#126;s&#126;&#126; &#36;m&#36;",
        ),
        ("&lt;b&gt;", "&#38;lt;b&#38;gt;"),
        ("# not a heading", "&#35; not a heading"),
        ("- not a list", "&#45; not a list"),
        ("1. not a list", "1&#46; not a list"),
        ("line\nbreak\u202eevil", "line break\ufffdevil"),
    ],
)
def test_text_is_escaped(raw: str, inert: str) -> None:
    assert md.text(raw) == inert


def test_only_http_urls_become_links() -> None:
    assert md.safe_url("javascript:alert(1)") is None
    assert md.safe_url("JaVaScRiPt:alert(1)") is None
    assert md.safe_url("data:text/html,<script>") is None
    assert md.safe_url("https://example.org/x y") is None
    assert md.safe_url("https://example.org/a_(b)") == "https://example.org/a_%28b%29"
    assert md.ext_link("t", "javascript:alert(1)") == "t"
    assert md.fence("a\n````\nb", "mermaid")[0] == "`````mermaid"
    with pytest.raises(ValueError):
        paths.case_page("../../etc/passwd")


class _Inert(HTMLParser):
    """Collects anything in rendered HTML that could run script or load a resource."""

    def __init__(self) -> None:
        super().__init__()
        self.bad: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "iframe", "object", "embed", "style"):
            self.bad.append(tag)
        if tag == "img" and dict(attrs).get("src") not in ("graph.svg", "../graph.svg"):
            self.bad.append(f"img {attrs}")
        for key, value in attrs:
            if key.startswith("on"):
                self.bad.append(f"{tag} {key}")
            if (
                key in ("href", "src")
                and value
                and not value.startswith(("http://", "https://", "#"))
                and ":" in value.split("/")[0]
            ):
                self.bad.append(f"{tag} {key}={value}")


def _hostile_kb() -> KnowledgeBase:
    kb = load(REPO)
    cid = min(kb.cases)
    case = kb.cases[cid]
    first = case.citations()[0].source
    src = kb.sources[first].model_copy(
        update={"url": "javascript:alert(7)", "arxiv": None, "doi": None, "title": HOSTILE_TITLE}
    )
    hostile = case.model_copy(update={"title": HOSTILE_TITLE, "summary": HOSTILE_TEXT})
    lab_id = next(iter(kb.labels))
    label = kb.labels[lab_id].model_copy(update={"name": HOSTILE_TITLE, "definition": HOSTILE_TEXT})
    return dataclasses.replace(
        kb,
        cases={**kb.cases, cid: hostile},
        labels={**kb.labels, lab_id: label},
        sources={**kb.sources, first: src},
    )


SVG_TAGS = {"div", "svg", "title", "desc", "defs", "marker", "path", "rect", "g", "a", "text", "tspan", "circle", "line", "polyline", "polygon"}


def test_hostile_text_is_inert_in_markdown_and_html() -> None:
    from markdown_it import MarkdownIt

    kb = _hostile_kb()
    files = generate(kb)
    cid = min(kb.cases)
    assert md.text(HOSTILE_TITLE) in files[paths.case_page(cid)]
    assert "javascript:alert(7)" not in "".join(t for t in _links(files[paths.case_page(cid)]))
    gfm = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    renderers: list[Callable[[str], str]] = [gfm.render]
    try:
        import markdown

        def python_markdown(text: str) -> str:
            return str(markdown.markdown(text, extensions=["tables", "toc", "fenced_code"]))

        renderers.append(python_markdown)
    except ImportError:  # pragma: no cover - Python-Markdown comes with the docs extra
        pass
    for page, text in files.items():
        if not page.endswith(".md"):
            continue
        # the graph page's drawing is generated SVG markup (issue 18): only drawing elements
        drawing = "".join(re.findall(r'^<div class="misgen-graph".*?^</div>$', text, flags=re.DOTALL | re.MULTILINE))
        assert set(re.findall(r"<([A-Za-z]+)", drawing)) <= SVG_TAGS, page
        text_only = text.replace(drawing, "") if drawing else text
        stray = re.findall(
            r"<(?!!-- Generated by `misgen docs`)",
            re.sub(r"^(`{3,})mermaid\n.*?^\1$", "", text_only, flags=re.DOTALL | re.MULTILINE),
        )
        assert stray == [], page
        for render in renderers:
            checker = _Inert()
            checker.feed(render(text))
            assert checker.bad == [], (page, checker.bad)
    graph = files.get(paths.GRAPH, "")
    assert not re.search(r"^\s*click\b", graph, flags=re.MULTILINE)
    config = mkdocs_yml(kb, "docs")
    assert "<script" not in config and "<img" not in config


def test_hostile_case_builds_an_inert_static_site(
    root_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mkdocs = pytest.importorskip("mkdocs.commands.build")
    from mkdocs.config import load_config

    case_file = min((root_copy / "cases").glob("*.yaml"))
    text = case_file.read_text(encoding="utf-8")
    text = re.sub(
        r"^title: .*$", "title: " + _yaml_str(HOSTILE_TITLE), text, count=1, flags=re.MULTILINE
    )
    text = re.sub(
        r"^summary: .*$", "summary: " + _yaml_str(HOSTILE_TEXT), text, count=1, flags=re.MULTILINE
    )
    text = re.sub(r"^(summary: .*\n)(?:  .*\n)+", r"\1", text, count=1, flags=re.MULTILINE)
    case_file.write_text(text, encoding="utf-8")
    assert load(root_copy).ok, [p.message for p in load(root_copy).problems]
    code, _, err = run(["--root", str(root_copy), "docs"], capsys)
    assert code == 0, err
    site_dir = tmp_path / "site"
    mkdocs.build(load_config(str(root_copy / CONFIG), strict=True, site_dir=str(site_dir)))
    pages = list(site_dir.rglob("*.html"))
    assert len(pages) > 50
    for page in pages:
        checker = _Inert()
        checker.feed(page.read_text(encoding="utf-8"))
        # the theme's own scripts are fine; nothing from the data may add any
        bad = [b for b in checker.bad if b not in ("script", "style")]
        assert bad == [], (page, bad)
        assert "<script>alert" not in page.read_text(encoding="utf-8")


def _yaml_str(value: str) -> str:
    import json

    return json.dumps(value)


# --------------------------------------------------------------------------- the command


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_check_passes_after_generating_and_fails_after_a_change(
    root_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = str(root_copy)
    code, _, err = run(["--root", root, "docs", "--check"], capsys)
    assert code == 1 and "misgen --root" in err and " docs" in err and "missing" in err
    assert not (root_copy / "docs").exists()  # --check writes nothing
    code, _out, err = run(["--root", root, "docs"], capsys)
    assert code == 0 and err == ""  # no progress bar when not on a terminal
    assert (root_copy / CONFIG).is_file() and (root_copy / "docs" / MANIFEST).is_file()
    assert run(["--root", root, "docs", "--check"], capsys)[0] == 0
    before = _tree(root_copy / "docs")
    case_file = min((root_copy / "cases").glob("*.yaml"))
    case_file.write_text(
        re.sub(
            r"^title: .*$",
            "title: A retitled case",
            case_file.read_text(encoding="utf-8"),
            count=1,
            flags=re.MULTILINE,
        ),
        encoding="utf-8",
    )
    code, _, err = run(["--root", root, "docs", "--check"], capsys)
    assert (
        code == 1
        and "out of date" in err
        and f"cases/{case_file.stem}.md" in err
        and "run 'misgen" in err
    )
    assert _tree(root_copy / "docs") == before
    assert run(["--root", root, "docs"], capsys)[0] == 0
    assert run(["--root", root, "docs", "--check"], capsys)[0] == 0
    (root_copy / "docs" / "index.md").unlink()
    code, _, err = run(["--root", root, "docs", "--check"], capsys)
    assert code == 1 and "index.md" in err


def test_output_is_byte_identical_across_runs(
    root_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("a", "b"):
        assert (
            run(["--root", str(root_copy), "docs", "--out", str(tmp_path / name / "docs")], capsys)[
                0
            ]
            == 0
        )
    assert _tree(tmp_path / "a") == _tree(tmp_path / "b")


def test_out_never_deletes_or_replaces_foreign_files(
    root_copy: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "site" / "docs"
    (out / "cases").mkdir(parents=True)
    foreign = {
        out / "notes.txt": "mine\n",
        out / "cases" / "my-notes.md": "# my notes\n",
        tmp_path / "site" / "outside.txt": "x\n",
    }
    for path, text in foreign.items():
        path.write_text(text)
    extra = root_copy / "cases" / "zz-docs-temporary-case.yaml"
    source = min((root_copy / "cases").glob("*.yaml"))
    extra.write_text(
        source.read_text(encoding="utf-8").replace(
            f"id: {source.stem}\n", f"id: {extra.stem}\n", 1
        ),
        encoding="utf-8",
    )
    argv = ["--root", str(root_copy), "docs", "--out", str(out)]
    assert run(argv, capsys)[0] == 0
    assert (out / "cases" / f"{extra.stem}.md").is_file()
    # a tampered manifest must not make it delete anything outside what it generates
    manifest = out / MANIFEST
    manifest.write_text(manifest.read_text() + "../outside.txt\nnotes.txt\n/etc/hostname\n")
    extra.unlink()
    code, _out_text, err = run(argv, capsys)
    assert code == 0, err
    assert not (out / "cases" / f"{extra.stem}.md").exists()  # its own obsolete page is removed
    for path, text in foreign.items():
        assert path.read_text() == text
    assert (tmp_path / "site" / "outside.txt").is_file()
    # a foreign file where a generated one would go (not listed, no marker): refuse, write nothing
    fresh = tmp_path / "fresh" / "docs"
    fresh.mkdir(parents=True)
    (fresh / "index.md").write_text("# hand-written home page\n")
    code, _, err = run(["--root", str(root_copy), "docs", "--out", str(fresh)], capsys)
    assert code == 2 and "index.md" in err and "nothing was written" in err
    assert _tree(fresh.parent) == {"docs/index.md": b"# hand-written home page\n"}


def test_a_foreign_mkdocs_yml_is_left_alone(
    root_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (root_copy / CONFIG).write_text("site_name: someone else's\n")
    code, _, err = run(["--root", str(root_copy), "docs"], capsys)
    assert code == 0 and "left" in err
    assert (root_copy / CONFIG).read_text() == "site_name: someone else's\n"


def test_committed_docs_are_fresh(capsys: pytest.CaptureFixture[str]) -> None:
    """CI's guarantee: `misgen docs --check` passes on the committed docs."""
    code, _, err = run(["--root", str(REPO), "docs", "--check"], capsys)
    assert code == 0, err
