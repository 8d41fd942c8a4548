"""``misgen export --format sqlite``: a normalised database for ``sqlite3`` and Datasette.

:func:`tables` is pure: it turns the knowledge base and its verdicts into rows, table by
table, in a fixed order. :func:`database_bytes` runs :data:`SCHEMA` and inserts them into a
fresh database file (with foreign keys enforced, so a dangling reference is a bug that
fails the export rather than a row that quietly joins to nothing) and returns its bytes.
The same data gives the same bytes: no timestamps, rows inserted in sorted order.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from misgen import ids
from misgen.evaluation import Row
from misgen.kb import KnowledgeBase

#: bumped when a table or column changes meaning
SCHEMA_VERSION = 1

SCHEMA = """
CREATE TABLE meta (
  key TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE labels (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  goal_failure INTEGER NOT NULL CHECK (goal_failure IN (0, 1)),
  definition TEXT NOT NULL,
  position INTEGER NOT NULL
);
CREATE TABLE subtypes (
  id TEXT PRIMARY KEY,
  label_id TEXT NOT NULL REFERENCES labels(id),
  name TEXT NOT NULL,
  definition TEXT NOT NULL
);
CREATE TABLE signals (
  id TEXT PRIMARY KEY,
  question TEXT NOT NULL,
  answers TEXT NOT NULL, -- JSON list of the allowed answers
  position INTEGER NOT NULL
);
CREATE TABLE sources (
  id TEXT PRIMARY KEY,
  authors TEXT NOT NULL, -- JSON list
  year INTEGER NOT NULL,
  title TEXT NOT NULL,
  venue TEXT NOT NULL,
  arxiv TEXT,
  doi TEXT,
  url TEXT,
  locator TEXT NOT NULL, -- the link to follow: arXiv, then DOI, then URL
  verified INTEGER NOT NULL CHECK (verified IN (0, 1)),
  note TEXT
);
CREATE TABLE cases (
  id TEXT PRIMARY KEY,
  title TEXT NOT NULL,
  kind TEXT NOT NULL,
  domain TEXT NOT NULL,
  summary TEXT NOT NULL,
  training TEXT NOT NULL,
  intended_goal TEXT NOT NULL,
  training_signal TEXT NOT NULL,
  training_behaviour TEXT NOT NULL,
  what_changed TEXT NOT NULL,
  failure_behaviour TEXT NOT NULL,
  curated_primary TEXT NOT NULL REFERENCES labels(id),
  curated_subtype TEXT REFERENCES subtypes(id),
  curated_reasoning TEXT NOT NULL,
  declared_disagreement TEXT, -- what the curator says the classifier says, when it differs
  disagreement_reason TEXT,
  path TEXT NOT NULL
);
CREATE TABLE case_labels (
  case_id TEXT NOT NULL REFERENCES cases(id),
  label_id TEXT NOT NULL REFERENCES labels(id),
  position INTEGER NOT NULL, -- 0 is the curated primary label
  PRIMARY KEY (case_id, label_id)
);
CREATE TABLE answers (
  case_id TEXT NOT NULL REFERENCES cases(id),
  signal_id TEXT NOT NULL REFERENCES signals(id),
  answer TEXT NOT NULL,
  strength TEXT CHECK (strength IN ('measured', 'inferred', 'speculative')),
  evidence TEXT,
  source_id TEXT REFERENCES sources(id),
  PRIMARY KEY (case_id, signal_id)
);
CREATE TABLE citations (
  case_id TEXT NOT NULL REFERENCES cases(id),
  source_id TEXT NOT NULL REFERENCES sources(id),
  position INTEGER NOT NULL,
  PRIMARY KEY (case_id, source_id)
);
CREATE TABLE disputes (
  case_id TEXT NOT NULL REFERENCES cases(id),
  position INTEGER NOT NULL,
  disputed TEXT NOT NULL, -- the label or subtype the named sources argue for
  label_id TEXT NOT NULL REFERENCES labels(id), -- its label
  with_labels TEXT NOT NULL, -- JSON list: the rest of the disputed label set
  held_by TEXT NOT NULL, -- JSON list of source ids
  argument TEXT NOT NULL,
  PRIMARY KEY (case_id, position)
);
CREATE TABLE links (
  case_id TEXT NOT NULL REFERENCES cases(id),
  type TEXT NOT NULL,
  target_case TEXT NOT NULL REFERENCES cases(id),
  note TEXT,
  PRIMARY KEY (case_id, type, target_case)
);
CREATE TABLE relations (
  id TEXT PRIMARY KEY,
  type TEXT NOT NULL,
  source TEXT NOT NULL, -- a label or subtype id
  source_label TEXT NOT NULL REFERENCES labels(id),
  target TEXT NOT NULL, -- a label or subtype id
  target_label TEXT NOT NULL REFERENCES labels(id),
  rationale TEXT NOT NULL,
  deciding_question TEXT
);
CREATE TABLE rules (
  id TEXT PRIMARY KEY,
  label_id TEXT NOT NULL REFERENCES labels(id),
  role TEXT NOT NULL CHECK (role IN ('primary', 'secondary')),
  subtype TEXT REFERENCES subtypes(id),
  message TEXT NOT NULL
);
CREATE TABLE verdicts (
  case_id TEXT PRIMARY KEY REFERENCES cases(id),
  policy TEXT NOT NULL,
  status TEXT NOT NULL,
  primary_label TEXT REFERENCES labels(id), -- NULL when undetermined
  subtype TEXT REFERENCES subtypes(id),
  evidence_grade TEXT NOT NULL,
  agrees INTEGER NOT NULL CHECK (agrees IN (0, 1)) -- primary label = curated primary label
);
CREATE TABLE verdict_labels (
  case_id TEXT NOT NULL REFERENCES verdicts(case_id),
  label_id TEXT NOT NULL REFERENCES labels(id),
  kind TEXT NOT NULL CHECK (kind IN ('holds', 'possible')),
  position INTEGER NOT NULL,
  PRIMARY KEY (case_id, label_id, kind)
);
CREATE TABLE fired_rules (
  case_id TEXT NOT NULL REFERENCES verdicts(case_id),
  rule_id TEXT NOT NULL REFERENCES rules(id),
  position INTEGER NOT NULL,
  label_id TEXT NOT NULL REFERENCES labels(id),
  role TEXT NOT NULL,
  subtype TEXT REFERENCES subtypes(id),
  grade TEXT NOT NULL,
  PRIMARY KEY (case_id, rule_id)
);
CREATE INDEX subtypes_label ON subtypes(label_id);
CREATE INDEX cases_curated_primary ON cases(curated_primary);
CREATE INDEX cases_curated_subtype ON cases(curated_subtype);
CREATE INDEX cases_domain ON cases(domain);
CREATE INDEX case_labels_label ON case_labels(label_id);
CREATE INDEX answers_signal_answer ON answers(signal_id, answer);
CREATE INDEX answers_source ON answers(source_id);
CREATE INDEX citations_source ON citations(source_id);
CREATE INDEX disputes_label ON disputes(label_id);
CREATE INDEX links_target ON links(target_case);
CREATE INDEX relations_source_label ON relations(source_label);
CREATE INDEX relations_target_label ON relations(target_label);
CREATE INDEX rules_label ON rules(label_id);
CREATE INDEX verdicts_primary ON verdicts(primary_label);
CREATE INDEX verdict_labels_label ON verdict_labels(label_id);
CREATE INDEX fired_rules_rule ON fired_rules(rule_id);
CREATE INDEX fired_rules_label ON fired_rules(label_id);
"""


def _list(values: Sequence[str]) -> str:
    return json.dumps(list(values), ensure_ascii=False)


def tables(kb: KnowledgeBase, rows: Sequence[Row]) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows, in insertion order (parents before children)."""
    from misgen.export_bib import bibliography

    assert kb.policy is not None
    policy = rows[0].verdict.policy if rows else kb.policy.default
    out: dict[str, list[tuple[Any, ...]]] = {
        "meta": [
            ("schema_version", str(SCHEMA_VERSION)),
            ("policy", policy),
            ("cases", str(len(kb.cases))),
        ],
        "labels": [
            (lab.id, lab.name, int(lab.goal_failure), lab.definition, i)
            for i, lab in enumerate(kb.labels.values())
        ],
        "subtypes": [
            (sub.id, ids.label_of_subtype(sub.id), sub.name, sub.definition)
            for sub in kb.subtypes.values()
        ],
        "signals": [
            (sig.id, sig.question, _list(sig.answers), i)
            for i, sig in enumerate(kb.signals.values())
        ],
        "sources": [
            (
                s.id,
                _list(s.authors),
                s.year,
                s.title,
                s.venue,
                s.arxiv,
                s.doi,
                s.url,
                s.locator(),
                int(s.verified),
                s.note,
            )
            for s in bibliography(kb)
        ],
    }
    cases, case_labels, answers, citations, disputes, links = [], [], [], [], [], []
    for cid, case in kb.cases.items():
        cur, setup = case.curated, case.setup
        cases.append(
            (
                cid,
                case.title,
                case.kind,
                case.domain,
                case.summary,
                setup.training,
                setup.intended_goal,
                setup.training_signal,
                setup.training_behaviour,
                setup.what_changed,
                setup.failure_behaviour,
                cur.labels[0],
                cur.subtype,
                cur.reasoning,
                cur.disagreement.classifier if cur.disagreement else None,
                cur.disagreement.reason if cur.disagreement else None,
                kb.case_paths.get(cid, ""),
            )
        )
        case_labels += [(cid, lab, i) for i, lab in enumerate(cur.labels)]
        answers += [
            (cid, sid, a.answer, a.strength, a.evidence, a.source)
            for sid, a in sorted(case.signals.items())
        ]
        citations += [(cid, c.source, i) for i, c in enumerate(case.citations())]
        disputes += [
            (
                cid,
                i,
                d.label,
                ids.label_of_subtype(d.label),
                _list(d.with_labels),
                _list(d.held_by),
                d.argument,
            )
            for i, d in enumerate(case.disputes)
        ]
        links += [(cid, link.type, link.case, link.note) for link in case.links]
    out["cases"] = cases
    out["case_labels"] = case_labels
    out["answers"] = answers
    out["citations"] = citations
    out["disputes"] = disputes
    unique = {(r[0], r[1], r[2]): r for r in reversed(links)}  # the first of a repeated link
    out["links"] = [unique[k] for k in sorted(unique)]
    out["relations"] = [
        (
            r.id,
            r.type,
            r.source,
            ids.label_of_subtype(r.source),
            r.target,
            ids.label_of_subtype(r.target),
            r.rationale,
            r.deciding_question,
        )
        for r in sorted(kb.relations, key=lambda r: r.id)
    ]
    out["rules"] = [
        (rule.id, rule.label, rule.role, rule.subtype, rule.message)
        for rule in sorted(kb.rules, key=lambda r: r.id)
    ]
    verdicts, verdict_labels, fired = [], [], []
    for row in sorted(rows, key=lambda r: r.case):
        v = row.verdict
        verdicts.append(
            (row.case, v.policy, v.status, v.primary, v.subtype, v.evidence_grade, int(row.agrees))
        )
        verdict_labels += [(row.case, lab, "holds", i) for i, lab in enumerate(v.labels)]
        verdict_labels += [(row.case, lab, "possible", i) for i, lab in enumerate(v.possible)]
        fired += [
            (row.case, f.rule, i, f.label, f.role, f.subtype, f.grade)
            for i, f in enumerate(v.fired)
        ]
    out["verdicts"] = verdicts
    out["verdict_labels"] = verdict_labels
    out["fired_rules"] = fired
    return out


def fill(conn: sqlite3.Connection, kb: KnowledgeBase, rows: Sequence[Row]) -> None:
    """Create the schema and insert every row, foreign keys enforced."""
    conn.execute("PRAGMA foreign_keys = ON")
    conn.executescript(SCHEMA)
    with conn:
        for name, values in tables(kb, rows).items():
            if values:
                marks = ", ".join("?" * len(values[0]))
                conn.executemany(f"INSERT INTO {name} VALUES ({marks})", values)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    problems = conn.execute("PRAGMA foreign_key_check").fetchall()
    if problems:  # pragma: no cover - enforced on insert; a second line of defence
        raise RuntimeError(f"dangling references in the export: {problems[:5]}")
    conn.execute("VACUUM")


def database_bytes(kb: KnowledgeBase, rows: Sequence[Row]) -> bytes:
    """The database file's bytes (built in a private temporary folder, then read back)."""
    with tempfile.TemporaryDirectory(prefix="misgen-export-") as folder:
        path = Path(folder) / "misgen.sqlite"
        conn = sqlite3.connect(path)
        try:
            fill(conn, kb, rows)
        finally:
            conn.close()
        return path.read_bytes()
