"""The README's case-base table matches the data, and README and CI run the same test command."""

from __future__ import annotations

import re
from collections import Counter

from misgen.kb import KnowledgeBase
from tests.conftest import REPO


def test_readme_counts_match_the_case_base(kb: KnowledgeBase) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    primaries = Counter(c.curated.labels[0] for c in kb.cases.values())
    for label, count in primaries.items():
        match = re.search(rf"^\| {re.escape(label)}[^|]*\| (\d+) \|", readme, re.MULTILINE)
        assert match, f"README has no row for {label}"
        assert int(match.group(1)) == count, (
            f"README says {match.group(1)} {label} cases, data has {count}: a case was added or "
            "relabelled; update the README's case-base table (see CONTRIBUTING, 'Run the checks')"
        )
    assert f"\n{len(kb.cases)} cases:" in readme


def test_readme_opens_with_two_setup_commands_and_ci_runs_the_second() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("```bash\n", 1)[1].split("```", 1)[0].strip().splitlines()
    assert len(block) == 2
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    test_cmd = block[1].replace("pip install '.[test]'", "pip install -q '.[test]'")
    assert test_cmd in ci


def test_readme_reliability_table_matches_agree(kb: KnowledgeBase) -> None:
    """Every kappa the README quotes is what `misgen agree` computes now."""
    from misgen import agree

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Reliability of the signals", 1)[1].split("\n## ", 1)[0]
    clf = agree.classifier(kb, None)
    rep = agree.report(
        kb,
        agree.read_coding(str(REPO / "cases"), kb),
        agree.read_coding(str(REPO / "reliability" / "second-coding"), kb),
        clf,
    )
    assert f"coded {rep['cases']} cases" in " ".join(section.split())
    for sid, stats in rep["signals"].items():
        kappa = "n/a" if stats["kappa"] is None else f"{stats['kappa']:.3f}"
        assert f"| {sid} | {stats['n']} | {stats['agreement']:.3f} | {kappa} |" in section, sid
    low = rep["lowest_kappa"]
    assert f"Lowest kappa: `{low['signal']}` {low['kappa']:.3f}" in section
    assert f"primary label agreement {rep['verdicts']['primary_agreement']:.3f}" in section


def test_readme_case_base_figures_match_the_data(kb: KnowledgeBase) -> None:
    """The kinds, disputes, bibliography and evidence-grade figures the README quotes."""
    readme = " ".join((REPO / "README.md").read_text(encoding="utf-8").split())
    section = readme.split("## The case base", 1)[1].split(" ## ", 1)[0]
    kinds = Counter(c.kind for c in kb.cases.values())
    for kind, words in (
        ("empirical", "empirical results"),
        ("model-organism", "model organisms"),
        ("thought-experiment", "thought experiments"),
        ("incident", "deployed-system incidents"),
        ("biological-analogy", "biological analogies"),
    ):
        assert f"{kinds[kind]} {words}" in section, kind
    disputed = sum(1 for c in kb.cases.values() if c.disputes)
    assert f"{disputed} record a dispute" in section
    cites = [c.source for case in kb.cases.values() for c in case.citations()]
    assert f"({len(kb.sources)} works, {len(set(cites))} of them cited by cases)" in section
    unverified = sum(1 for s in cites if not kb.sources[s].verified)
    assert f"{unverified} of the {len(cites)} case citations" in section
    answers = [a for c in kb.cases.values() for a in c.signals.values()]
    grades = Counter(a.strength for a in answers if a.strength)
    for grade in ("measured", "inferred", "speculative"):
        assert f"`{grade}` ({grades[grade]})" in section, grade
    anchored = sum(1 for a in answers if a.quote or a.locator)
    quoted = sum(1 for a in answers if a.quote)
    assert f"{anchored} answers carry an anchor, {quoted} of them a quote" in section
