"""The relation graph: structure, integrity checks, escaping, determinism, every format full and focused."""

from __future__ import annotations

import dataclasses
import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from misgen import models
from misgen.graph import (
    build,
    graph_problems,
    integrity_problems,
    narrow,
    neighbourhood,
    node_link,
    render,
    render_dot,
    render_json,
    render_mermaid,
    render_svg,
    render_text,
)
from misgen.graph.model import Edge
from misgen.kb import KnowledgeBase
from tests.conftest import REPO, run

FORMATS = ("svg", "mermaid", "dot", "json", "text")
SVG_NS = "{http://www.w3.org/2000/svg}"
SVG_TAGS = {"svg", "title", "desc", "defs", "marker", "path", "rect", "circle", "text", "g"}
SCRIPT = "<script>alert(1)</script>"
MERMAID_BREAKOUT = (
    'x"]; click label__misspecification "javascript:alert(1)"; A-->B[<img src=x onerror=alert(2)>]'
)


@pytest.fixture(scope="module")
def graph(kb: KnowledgeBase) -> Any:
    return build(kb)


@pytest.fixture(scope="module")
def hostile(kb: KnowledgeBase) -> KnowledgeBase:
    """The bundled data with attacker-controlled text where each format shows or hides it."""
    labels = dict(kb.labels)
    labels["misspecification"] = labels["misspecification"].model_copy(
        update={"name": MERMAID_BREAKOUT}
    )
    cases = dict(kb.cases)
    cases["coinrun-go-right"] = cases["coinrun-go-right"].model_copy(
        update={"title": f'{SCRIPT} [bold red]styled[/] \x1b[31m\u202e & "q" \\ end'}
    )
    return dataclasses.replace(kb, labels=labels, cases=cases)


@pytest.fixture(scope="module")
def hostile_graph(hostile: KnowledgeBase) -> Any:
    return build(hostile)


def _svg_tags(svg: str) -> set[str]:
    return {el.tag.removeprefix(SVG_NS) for el in ET.fromstring(svg.encode()).iter()}


# --------------------------------------------------------------------------- structure


def test_nodes_and_edges_are_typed(kb: KnowledgeBase, graph: Any) -> None:
    kinds = {a["kind"] for _, a in graph.nodes(data=True)}
    assert kinds == {"label", "subtype", "case", "framework", "term", "rule", "signal", "source"}
    types = {d["type"] for _, _, d in graph.edges(data=True)}
    assert {
        "subtype-of",
        "often-confused-with",
        "can-co-occur-with",
        "can-lead-to",
        "maps-to",
        "uses-signal",
        "supports",
        "classified-as",
        "curated-as",
        "cites",
        "has-term",
    } <= types
    assert types & {
        "variant-of",
        "same-mechanism-as",
        "contrast-with",
        "follow-up-of",
        "analogous-to",
    }
    for cid, case in kb.cases.items():
        node = f"case:{cid}"
        assert graph.has_edge(node, f"label:{case.curated.labels[0]}", "curated-as")
        for link in case.links:
            assert graph.has_edge(node, f"case:{link.case}", link.type)
    for fw in kb.frameworks.values():
        for term in fw.terms:
            for mapping in term.maps_to:
                kind = "subtype" if "." in mapping.target else "label"
                assert (
                    graph.edges[f"term:{fw.id}:{term.id}", f"{kind}:{mapping.target}", "maps-to"][
                        "fit"
                    ]
                    == mapping.fit
                )


def test_classified_as_is_the_classifier_verdict(kb: KnowledgeBase, graph: Any, clf: Any) -> None:
    for cid, case in kb.cases.items():
        primary = clf.classify(case.signals, case_id=cid).primary
        targets = [
            v for _, v, k in graph.out_edges(f"case:{cid}", keys=True) if k == "classified-as"
        ]
        assert targets == ([f"label:{primary}"] if primary else [])


def test_ids_of_different_kinds_never_collide(kb: KnowledgeBase) -> None:
    # a case whose id is also a source id stays two nodes
    source = next(iter(kb.sources))
    case = next(iter(kb.cases.values())).model_copy(update={"id": source, "links": []})
    g = build(dataclasses.replace(kb, cases={**kb.cases, source: case}))
    assert g.nodes[f"case:{source}"]["kind"] == "case"
    assert g.nodes[f"source:{source}"]["kind"] == "source"


# --------------------------------------------------------------------------- integrity


def test_bundled_data_is_sound(kb: KnowledgeBase) -> None:
    assert integrity_problems(kb) == []


def test_a_subtype_cycle_is_reported() -> None:
    nodes = {
        n: {"kind": n.split(":")[0], "file": "taxonomy/labels.yaml"}
        for n in ("label:a", "subtype:a.x", "subtype:a.y")
    }
    edges = [
        Edge("subtype:a.x", "subtype:a.y", "subtype-of"),
        Edge("subtype:a.y", "subtype:a.x", "subtype-of"),
        Edge("subtype:a.x", "label:a", "subtype-of"),
    ]
    problems = graph_problems(nodes, edges)
    assert len(problems) == 1
    assert (
        "cycle" in problems[0].message
        and "subtype:a.x -> subtype:a.y -> subtype:a.x" in problems[0].message
    )
    assert problems[0].path == "taxonomy/labels.yaml"


def test_an_orphan_is_reported(kb: KnowledgeBase) -> None:
    lonely = models.Signal(
        id="lonely-signal",
        question="Is anything using this?",
        answers=["yes", "no", "unknown"],
        guidance="Nothing reads it.",
        examples={"yes": "None."},
    )
    problems = set(
        integrity_problems(dataclasses.replace(kb, signals={**kb.signals, lonely.id: lonely}))
    )
    new = sorted(problems - set(integrity_problems(kb)))
    assert [(p.path, p.field) for p in new] == [("taxonomy/signals.yaml", "lonely-signal")]
    assert "orphan" in new[0].message


def test_a_signal_read_only_by_a_policy_caveat_is_not_an_orphan(kb: KnowledgeBase) -> None:
    assert kb.policy is not None
    lonely = models.Signal(
        id="lonely-signal",
        question="Is anything using this?",
        answers=["yes", "no", "unknown"],
        guidance="Only a caveat reads it.",
        examples={"yes": "None."},
    )
    caveat = models.Caveat(
        id="lonely", when=models.IsNode(signal="lonely-signal", **{"is": "yes"}), message="A note."
    )
    policy = kb.policy.model_copy(update={"caveats": [*kb.policy.caveats, caveat]})
    changed = dataclasses.replace(kb, signals={**kb.signals, lonely.id: lonely}, policy=policy)
    assert set(integrity_problems(changed)) == set(integrity_problems(kb))


def test_a_case_unreachable_from_its_label_is_reported(kb: KnowledgeBase) -> None:
    cid = "coinrun-go-right"
    case = kb.cases[cid]
    stray = case.model_copy(
        update={
            "curated": case.curated.model_copy(
                update={"labels": ["no-such-label"], "subtype": None}
            )
        }
    )
    problems = set(integrity_problems(dataclasses.replace(kb, cases={**kb.cases, cid: stray})))
    new = sorted(problems - set(integrity_problems(kb)))
    assert [(p.path, p.field) for p in new] == [(kb.case_paths[cid], "curated.labels")]
    assert "not reachable from its label 'no-such-label'" in new[0].message


def test_integrity_checks_do_not_import_networkx() -> None:
    code = (
        "import sys; from misgen.kb import load; from misgen.graph import integrity_problems; "
        f"integrity_problems(load(__import__('pathlib').Path({str(REPO)!r}))); "
        "assert 'networkx' not in sys.modules and 'rich' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --------------------------------------------------------------------------- focus


def test_focus_walks_around_hubs(graph: Any) -> None:
    near = neighbourhood(graph, "case:coinrun-go-right", 2)
    assert near.graph["focus"] == "case:coinrun-go-right"
    label = near.nodes["label:misspecification"]
    assert label["distance"] == 1 and label["hub"] and label["hidden"] > 0
    # the label is reached but not walked through: most of its cases stay out
    members = [
        u for u, _, k in graph.in_edges("label:misspecification", keys=True) if k == "curated-as"
    ]
    assert sum(m in near for m in members) < len(members)
    assert set(neighbourhood(graph, "case:coinrun-go-right", 0)) == {"case:coinrun-go-right"}


def test_focus_on_a_hub_shows_its_neighbours(graph: Any) -> None:
    near = neighbourhood(graph, "label:misspecification", 1)
    assert set(near) == {"label:misspecification"} | set(
        graph.pred["label:misspecification"]
    ) | set(graph.succ["label:misspecification"])


# --------------------------------------------------------------------------- every format, full and focused


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("focus", [None, "coinrun-go-right"])
def test_every_format_renders_full_and_focused(
    fmt: str, focus: str | None, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--root", str(REPO), "graph", "--format", fmt] + (
        ["--focus", focus, "--depth", "2"] if focus else []
    )
    code, out, err = run(argv, capsys)
    assert code == 0, err
    assert (focus or "misspecification") in out
    if fmt == "svg":
        assert _svg_tags(out) <= SVG_TAGS
    elif fmt == "json":
        data = json.loads(out)
        assert data["graph"]["format"] == "misgen-graph" and data["nodes"] and data["links"]
        assert {"id", "kind"} <= set(data["nodes"][0]) and {"source", "target", "type"} <= set(
            data["links"][0]
        )
    elif fmt == "mermaid":
        assert out.startswith("flowchart LR\n")
    elif fmt == "dot":
        assert out.startswith("digraph misgen {") and out.rstrip().endswith("}")


def test_the_overview_svg_shows_every_label_and_case(kb: KnowledgeBase, graph: Any) -> None:
    svg = render_svg(narrow(graph, "svg"))
    root = ET.fromstring(svg.encode())
    ids = {el.get("id") for el in root.iter() if el.get("id")}
    assert {f"case-{c}" for c in kb.cases} <= ids
    assert {f"label-{lab}" for lab in kb.labels} | {f"subtype-{s}" for s in kb.subtypes} <= ids
    tooltips = [t.text or "" for t in root.iter(f"{SVG_NS}title")]
    assert any(t.startswith("case coinrun-go-right: ") for t in tooltips)
    assert float(root.get("width", 0)) >= 1000 and float(root.get("height", 0)) >= 600


def _node_boxes(svg: str) -> list[tuple[str, float, float, float, float]]:
    out = []
    for group in ET.fromstring(svg.encode()).iter(f"{SVG_NS}g"):
        rect = group.find(f"{SVG_NS}rect")
        if (group.get("class") or "").startswith("node ") and rect is not None:
            out.append(
                (
                    group.get("id") or "",
                    *(float(rect.get(k, 0)) for k in ("x", "y", "width", "height")),
                )
            )
    return out


def _overlaps(boxes: list[tuple[str, float, float, float, float]]) -> list[tuple[str, str]]:
    boxes = sorted(boxes, key=lambda b: b[1])
    found = []
    for i, (a, ax, ay, aw, ah) in enumerate(boxes):
        for b, bx, by, bw, bh in boxes[i + 1 :]:
            if bx >= ax + aw:
                break
            if by < ay + ah and ay < by + bh:
                found.append((a, b))
    return found


@pytest.mark.parametrize("focus", [None, "coinrun-go-right", "misspecification"])
def test_no_two_nodes_overlap(graph: Any, focus: str | None) -> None:
    boxes = _node_boxes(render_svg(narrow(graph, "svg", focus, 2)))
    assert len(boxes) >= 20
    assert _overlaps(boxes) == []


def test_the_overview_scales_to_500_cases(kb: KnowledgeBase) -> None:
    cases = {}
    for i in range(500):
        case = list(kb.cases.values())[i % len(kb.cases)]
        cid = f"{case.id[:50]}-{i}"
        cases[cid] = case.model_copy(update={"id": cid, "links": []})
    big = dataclasses.replace(
        kb, cases=cases, case_paths={}, policy=None
    )  # no policy: no classifier run
    svg = render_svg(narrow(build(big), "svg"))
    boxes = _node_boxes(svg)
    assert sum(b[0].startswith("case-") for b in boxes) == 500
    assert _overlaps(boxes) == []
    root = ET.fromstring(svg.encode())
    width, height = float(root.get("width", 0)), float(root.get("height", 0))
    assert (
        1.2 < width / height < 2.4 and width < 5000
    )  # about a slide's shape, chips stay legible when fitted


def test_json_is_node_link_that_networkx_reads(graph: Any) -> None:
    import networkx as nx

    data = json.loads(render_json(graph))
    back = nx.node_link_graph(data, edges="links")
    assert back.number_of_nodes() == graph.number_of_nodes()
    assert back.number_of_edges() == graph.number_of_edges()
    assert data == node_link(graph)


def test_drawings_leave_signals_rules_and_sources_out_unless_asked(
    kb: KnowledgeBase, graph: Any
) -> None:
    overview = narrow(graph, "svg")
    assert {a["kind"] for _, a in overview.nodes(data=True)} == {
        "label",
        "subtype",
        "case",
        "framework",
        "term",
    }
    sources = sum(1 for _, a in graph.nodes(data=True) if a["kind"] == "source")
    assert overview.graph["not_shown"] == {
        "rule": len(kb.rules),
        "signal": len(kb.signals),
        "source": sources,
    }
    asked = narrow(graph, "svg", kinds=["rule", "signal"])
    assert {a["kind"] for _, a in asked.nodes(data=True)} == {"rule", "signal"}
    assert "<svg" in render_svg(asked)
    assert {a["kind"] for _, a in narrow(graph, "json").nodes(data=True)} >= {
        "rule",
        "signal",
        "source",
    }


# --------------------------------------------------------------------------- escaping


@pytest.mark.parametrize("focus", [None, "coinrun-go-right"])
def test_hostile_text_is_inert_in_svg(hostile_graph: Any, focus: str | None) -> None:
    svg = render_svg(narrow(hostile_graph, "svg", focus))
    assert _svg_tags(svg) <= SVG_TAGS  # well-formed, and no <script>, <img>, <foreignObject>, <a>
    root = ET.fromstring(svg.encode())
    assert not [name for el in root.iter() for name in el.attrib if name.lower().startswith("on")]
    assert "<script" not in svg and "&lt;script&gt;" in svg
    texts = "".join(el.text or "" for el in root.iter())
    assert MERMAID_BREAKOUT[:30] in texts
    if focus:
        assert SCRIPT in texts and "\u202e" not in texts and "\x1b" not in texts


@pytest.mark.parametrize("focus", [None, "coinrun-go-right"])
def test_hostile_text_is_inert_in_mermaid(hostile_graph: Any, focus: str | None) -> None:
    g = narrow(hostile_graph, "mermaid", focus)
    text = render_mermaid(g)
    assert "click" not in [line.split()[0] for line in text.splitlines() if line.strip()]
    assert '"]; click' not in text and "<img" not in text and "-->B" not in text
    label_line = next(
        line for line in text.splitlines() if line.strip().startswith("label__misspecification(")
    )
    assert (
        "#quot;#93;#59; click label__misspecification #quot;javascript:alert(1)#quot;" in label_line
    )
    # every quoted label is one "..." span with no raw quote inside: nothing can close it early
    for line in text.splitlines():
        assert line.count('"') in (0, 2), line
    # node ids only from the id grammar
    for nid in re.findall(r"^\s*([^\s(\[{>]+)[(\[{>]", text, flags=re.MULTILINE):
        assert re.fullmatch(r"[a-z][a-z0-9_]*", nid), nid


@pytest.mark.parametrize(
    "kinds", [["case"], ["case", "subtype"], ["case", "label"], ["label", "subtype", "case"]]
)
def test_mermaid_defines_every_node_once_in_filtered_views(graph: Any, kinds: list[str]) -> None:
    g = narrow(graph, "mermaid", kinds=kinds)
    text = render_mermaid(g)
    defined = re.findall(r"^\s*([a-z][a-z0-9_]*)[(\[{>]", text, flags=re.MULTILINE)
    assert len(defined) == len(set(defined)) == g.number_of_nodes()


def test_hostile_text_is_inert_in_dot_json_and_text(hostile_graph: Any) -> None:
    g = narrow(hostile_graph, "dot", "coinrun-go-right")
    dot = render_dot(g)
    for line in dot.splitlines():
        unescaped = re.sub(r"\\.", "", line)
        assert unescaped.count('"') % 2 == 0, line  # every string closes where it should
    assert '\\"]; click' in dot and "\x1b" not in dot
    data = json.loads(render_json(g))
    assert next(n for n in data["nodes"] if n["id"] == "case:coinrun-go-right")["name"].startswith(
        SCRIPT
    )
    text = render_text(g)
    assert "[bold red]styled[/]" in text and "\\x1b" in text and "\\u202e" in text
    assert "\x1b" not in text and "\u202e" not in text


# --------------------------------------------------------------------------- determinism and output


def test_rendering_is_deterministic(kb: KnowledgeBase, graph: Any) -> None:
    again = build(kb)  # a second build from the same data, in the same process
    for fmt in FORMATS:
        for focus in (None, "coinrun-go-right", "misspecification"):
            first = render(narrow(graph, fmt, focus, 2), fmt)
            assert render(narrow(again, fmt, focus, 2), fmt) == first, (fmt, focus)


def test_rendering_is_byte_identical_across_processes(tmp_path: Path) -> None:
    # a fresh interpreter has a different string-hash seed: set and dict order must not leak out
    outputs = []
    for seed in ("1", "2"):
        target = tmp_path / f"graph-{seed}.svg"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "misgen",
                "--root",
                str(REPO),
                "graph",
                "--format",
                "svg",
                "-o",
                str(target),
            ],
            check=True,
            capture_output=True,
            env={"PYTHONHASHSEED": seed, "PATH": ""},
        )
        outputs.append(target.read_bytes())
    assert outputs[0] == outputs[1]


def test_output_file_is_written_once_and_replaced_only_with_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "graph.svg"
    argv = ["--root", str(REPO), "graph", "--format", "svg", "-o", str(target)]
    assert run(argv, capsys)[0] == 0
    first = target.read_bytes()
    target.write_text("keep me")
    code, _, err = run(argv, capsys)
    assert code == 2 and "--force" in err and target.read_text() == "keep me"
    assert run([*argv, "--force"], capsys)[0] == 0
    assert target.read_bytes() == first
    assert [p.name for p in tmp_path.iterdir()] == ["graph.svg"]  # no temporary files left behind


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--focus", "no-such-thing"], "no such case"),
        (["--focus", "coinrun-go-rigth"], "did you mean coinrun-go-right"),
        (["--kind", "widget"], "unknown kind"),
        (["--focus", "coinrun-go-right", "--depth", "-1"], "--depth"),
    ],
)
def test_usage_errors_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(["--root", str(REPO), "graph", *argv], capsys)
    assert code == 2 and message in err and out == ""


def test_focus_accepts_qualified_ids(graph: Any) -> None:
    g = narrow(graph, "json", "subtype:misspecification.spec-level", 1)
    assert g.graph["focus"] == "subtype:misspecification.spec-level"
    assert (
        narrow(graph, "json", "misspecification.spec-level", 1).graph["focus"] == g.graph["focus"]
    )


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_renders_a_label_neighbourhood(graph: Any, fmt: str) -> None:
    out = render(narrow(graph, fmt, "misspecification", 1), fmt)
    assert "coinrun-go-right" in out  # one of the label's cases


def test_path_to_gives_a_shortest_chain_of_relations(kb, capsys: pytest.CaptureFixture[str]) -> None:
    import networkx as nx

    from misgen.graph.command import view
    from misgen.graph.model import build

    graph = view(kb, "json", "coinrun-go-right", 1, None, "evolution-contraception")
    chain = graph.graph["path"]
    assert chain[0] == "case:coinrun-go-right" and chain[-1] == "case:evolution-contraception"
    full = build(kb).to_undirected(as_view=True)
    for a, b in zip(chain, chain[1:]):  # each step is a relation of the full graph
        assert full.has_edge(a, b)
    hubs = {n for n, k in build(kb).nodes(data="kind") if k in ("label", "subtype")}
    assert not hubs & set(chain[1:-1])  # a path through a label hub says little: avoided
    # no shorter chain avoiding hubs exists
    free = nx.restricted_view(full, hubs, [])
    assert len(chain) == len(nx.shortest_path(free, chain[0], chain[-1]))


def test_path_to_needs_a_focus(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["--root", str(REPO), "graph", "--path-to", "coinrun-go-right"], capsys)
    assert code == 2 and "--path-to needs --focus" in err
