"""``misgen import csv``: one case skeleton per spreadsheet row. Never overwrites.

The lists researchers keep (the specification-gaming list, the goal-misgeneralization
sheet) are spreadsheets; this turns each row into a case file to curate. The skeleton is
:func:`misgen.scaffold.skeleton`'s (every signal present and ``unknown``, with guidance),
adjusted line by line (:func:`adjust`) with what the row says: title, summary, setup
fields, the domain, the source's URL and where the row came from.

Every skeleton validates as written. A case needs a curated label, and every signal is
unknown, so the classifier says ``undetermined``: the skeleton carries a placeholder label
(``--label``, a ``label`` column, or the policy's not-a-goal-failure label) and declares the
disagreement with the reason, so ``misgen eval`` passes until someone answers the signals.

Pure functions in the middle (:func:`parse_map`, :func:`read_rows`, :func:`plan`,
:func:`adjust`); reading the file and writing the skeletons at the edge (:func:`command`).
"""

from __future__ import annotations

import csv
import io
import json
import re
import sys
import typing
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from misgen import ids, models
from misgen.kb import KnowledgeBase
from misgen.output import clean
from misgen.problems import UsageError

SETUP_FIELDS = (
    "training",
    "intended_goal",
    "training_signal",
    "training_behaviour",
    "what_changed",
    "failure_behaviour",
)
#: what a column can fill
FIELDS = ("title", "summary", "url", "label", "domain", *SETUP_FIELDS)
#: the biggest CSV read (a list of a few thousand rows is well under this)
MAX_CSV_BYTES = 16 * 1024 * 1024
MAX_ROWS = 10_000
TITLE_MAX, TEXT_MAX = 300, 6000
DOMAINS: tuple[str, ...] = typing.get_args(models.Domain)
#: spreadsheet wording for misgen's domains (the specification-gaming list's "Type" column)
DOMAIN_SYNONYMS = {
    "rl": "reinforcement-learning",
    "deep-reinforcement-learning": "reinforcement-learning",
    "reward-modeling": "reinforcement-learning",
    "large-language-models": "language-model",
    "large-language-model": "language-model",
    "language-models": "language-model",
    "llm": "language-model",
    "llms": "language-model",
    "llm-agents": "llm-agent",
    "agents": "llm-agent",
    "evolutionary-algorithms": "evolutionary-computation",
    "evolutionary-algorithm": "evolutionary-computation",
    "genetic-algorithms": "evolutionary-computation",
    "genetic-algorithm": "evolutionary-computation",
    "genetic-programming": "evolutionary-computation",
    "evolved-creatures": "evolutionary-computation",
    "evolved-organisms": "evolutionary-computation",
    "supervised": "supervised-learning",
    "biological-evolution": "evolution",
    "self-driving": "autonomous-vehicle",
    "autonomous-vehicles": "autonomous-vehicle",
}
_URL = re.compile(r"""https?://[^\s<>"']+""")


@dataclass(frozen=True)
class Planned:
    """One skeleton to write."""

    line: int  # the row's line in the CSV file
    case_id: str
    title: str
    text: str


# --------------------------------------------------------------------------- pure parts


def parse_map(specs: Sequence[str]) -> dict[str, str]:
    """``["Title=title,Description=summary"]`` -> ``{"title": "Title", "summary": "Description"}``."""
    mapping: dict[str, str] = {}
    for spec in specs:
        for part in spec.split(","):
            if not part.strip():
                continue
            column, sep, field = part.rpartition("=")
            column, field = column.strip(), field.strip().lower().replace("-", "_")
            if not sep or not column:
                raise UsageError(f"--map '{part.strip()}': write COLUMN=FIELD (e.g. Title=title)")
            if field not in FIELDS:
                raise UsageError(
                    f"--map '{part.strip()}': unknown field '{field}'; fields: {', '.join(FIELDS)}"
                )
            if field in mapping:
                raise UsageError(
                    f"--map: field '{field}' is mapped twice ('{mapping[field]}' and '{column}')"
                )
            mapping[field] = column
    if "title" not in mapping:
        raise UsageError(
            "--map must map a column to 'title' (ids are derived from titles), e.g. --map Title=title"
        )
    return mapping


def _fold_header(name: str) -> str:
    return " ".join(name.split()).casefold()


def read_rows(text: str, mapping: dict[str, str], name: str) -> list[tuple[int, dict[str, str]]]:
    """The mapped cells of every data row, with the row's line number: ``[(line, {field: text})]``."""
    first = text.split("\n", 1)[0]
    dialect = csv.excel_tab if "\t" in first and "," not in first else csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = next(reader, None)
        if not header:
            raise UsageError(f"{name}: empty file; the first row must name the columns")
        folded = [_fold_header(h) for h in header]
        where: dict[str, int] = {}
        for field, column in mapping.items():
            exact = [i for i, h in enumerate(header) if h == column]
            loose = [i for i, h in enumerate(folded) if h == _fold_header(column)]
            found = exact or loose
            if not found:
                columns = ", ".join(f"'{h}'" for h in header if h.strip())
                raise UsageError(f"{name}: no column '{column}'; the columns are: {columns}")
            if len(found) > 1:
                raise UsageError(f"{name}: more than one column is called '{column}'")
            where[field] = found[0]
        rows: list[tuple[int, dict[str, str]]] = []
        start = reader.line_num + 1  # the line a row starts on (a quoted cell may span lines)
        for cells in reader:
            if len(rows) >= MAX_ROWS:
                raise UsageError(f"{name}: more than {MAX_ROWS:,} rows; split the file")
            if any(c.strip() for c in cells):
                rows.append(
                    (start, {f: cells[i] if i < len(cells) else "" for f, i in where.items()})
                )
            start = reader.line_num + 1
    except csv.Error as exc:
        raise UsageError(f"{name}: line {reader.line_num}: not readable as CSV ({exc})") from None
    return rows


def one_line(text: str, limit: int) -> str:
    """Text from a cell, safe for YAML and the models: no control or format characters,
    white space collapsed, cut to ``limit`` characters with an ellipsis."""
    kept = "".join(
        " " if ch.isspace() else ch
        for ch in unicodedata.normalize("NFC", text)
        if ch.isspace() or not unicodedata.category(ch).startswith("C")
    )
    kept = " ".join(kept.split())
    return kept if len(kept) <= limit else kept[: limit - 1].rstrip() + "…"


def slugify(title: str) -> str:
    """An id from a title, by the id rules: ASCII lowercase words joined by single hyphens."""
    ascii_text = (
        unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii").lower()
    )
    slug = "-".join(re.findall(r"[a-z0-9]+", ascii_text.replace("'", "")))
    if len(slug) > ids.MAX_ID_LENGTH:
        cut = slug[: ids.MAX_ID_LENGTH + 1]
        slug = cut[: cut.rfind("-")] if "-" in cut[1:] else slug[: ids.MAX_ID_LENGTH]
        slug = slug.strip("-")
    return slug or "imported-case"


def unique_id(base: str, taken: set[str]) -> str:
    """``base``, or ``base-2``, ``base-3``, ... (cut to fit the id length), not in ``taken``
    (compared folded, as ids are); the result is added to ``taken``."""
    candidate, n = base, 1
    while ids.fold(candidate) in taken:
        n += 1
        suffix = f"-{n}"
        candidate = base[: ids.MAX_ID_LENGTH - len(suffix)].rstrip("-") + suffix
    assert ids.is_slug(candidate), candidate
    taken.add(ids.fold(candidate))
    return candidate


def domain_of(text: str) -> str | None:
    """misgen's domain for a spreadsheet's wording, or None when there is none."""
    slug = slugify(text)
    if slug in DOMAINS:
        return slug
    return DOMAIN_SYNONYMS.get(slug)


def _q(text: str) -> str:
    """A YAML double-quoted scalar (a JSON string is one), as the skeleton writes them."""
    return json.dumps(text, ensure_ascii=False)


def _swap(lines: list[str], prefix: str, new: Iterable[str]) -> None:
    """Replace the one line starting with ``prefix`` by ``new`` (a bug if it is not there once)."""
    found = [i for i, line in enumerate(lines) if line.startswith(prefix)]
    if len(found) != 1:
        raise RuntimeError(
            f"misgen.scaffold.skeleton changed: expected one line starting {prefix!r}, found {len(found)}"
        )
    lines[found[0] : found[0] + 1] = list(new)


def adjust(
    text: str,
    *,
    origin: str,
    label: str,
    cells: dict[str, str],
    url_column: str | None,
) -> tuple[str, list[str]]:
    """The skeleton ``text`` with the row's values in place; also notes for the user."""
    lines = text.split("\n")
    notes: list[str] = []
    lines[1:1] = [f"# Imported by 'misgen import csv' from {origin}; curate it before committing."]
    for field in SETUP_FIELDS:
        value = one_line(cells.get(field, ""), TEXT_MAX)
        if value:
            _swap(lines, f"  {field}: ", [f"  {field}: {_q(value)}"])
    raw_domain = cells.get("domain", "").strip()
    if raw_domain:
        domain = domain_of(raw_domain)
        if domain:
            _swap(lines, "domain: ", [f"domain: {domain}"])
        else:
            notes.append(
                f"'{one_line(raw_domain, 60)}' is not a misgen domain; left as the default (TODO)"
            )
    _swap(
        lines,
        "  labels: [",
        [
            f"  labels: [{label}]  # a placeholder set by 'misgen import': choose the labels, primary first"
        ],
    )
    _swap(
        lines,
        "  reasoning: ",
        [
            f"  reasoning: {_q('TODO: why these labels, in the taxonomy terms')}",
            "  disagreement:  # remove once the signals are answered and the verdict is reviewed",
            "    classifier: undetermined",
            "    reason: "
            + _q(
                "Imported skeleton: every signal is unknown, so the classifier cannot decide "
                f"and '{label}' is a placeholder. TODO: answer the signals and choose the labels."
            ),
        ],
    )
    raw_url = cells.get("url", "")
    match = _URL.search(raw_url)
    url = match.group().rstrip(".,;:)]}") if match else None
    if url and len(url) > 500:
        url = None
    if url:
        _swap(lines, "    url: https://example.org/TODO", [f"    url: {_q(url)}"])
    elif raw_url.strip():
        notes.append("no web address in the source column; kept it in the source's note")
    cited = one_line(raw_url, 1000)
    note = f"Imported from {origin}" + (
        f" ({url_column}: {cited})" if cited and cited != url else ""
    )
    note += ". TODO: check title, authors, year and identifier, then set verified: true"
    _swap(lines, "    note: ", [f"    note: {_q(one_line(note, TEXT_MAX))}"])
    return "\n".join(lines), notes


def plan(
    kb: KnowledgeBase,
    rows: Sequence[tuple[int, dict[str, str]]],
    *,
    taken: set[str],
    origin: str,
    default_label: str,
    url_column: str | None,
) -> tuple[list[Planned], list[str]]:
    """The skeletons to write (ids unique against ``taken``), and notes ``line N: ...``."""
    from misgen.scaffold import skeleton

    planned: list[Planned] = []
    notes: list[str] = []
    problems: list[str] = []
    for line, cells in rows:
        title = one_line(cells.get("title", ""), TITLE_MAX)
        if not title:
            notes.append(f"line {line}: no title; skipped")
            continue
        label = default_label
        raw_label = cells.get("label", "").strip()
        if raw_label:
            label = slugify(raw_label)
            if label not in kb.labels:
                problems.append(
                    f"line {line}: '{one_line(raw_label, 60)}' is not a label ({', '.join(kb.labels)})"
                )
                continue
        case_id = unique_id(slugify(title), taken)
        summary = one_line(cells.get("summary", ""), TEXT_MAX) or None
        text = skeleton(case_id, kb, {}, title=title, summary=summary)
        text, row_notes = adjust(
            text, origin=f"{origin} line {line}", label=label, cells=cells, url_column=url_column
        )
        _check(text, case_id)
        planned.append(Planned(line, case_id, title, text))
        notes += [f"line {line}: {n}" for n in row_notes]
    if problems:
        raise UsageError("; ".join(problems) + "; nothing was written")
    return planned, notes


def _check(text: str, case_id: str) -> None:
    """A skeleton that does not validate is a bug here, never a file left for the user."""
    from pydantic import ValidationError

    from misgen import yamlio

    try:
        models.Case.model_validate(yamlio.parse(text, f"{case_id}.yaml").data)
    except ValidationError as exc:  # pragma: no cover - a bug
        raise RuntimeError(f"the skeleton for '{case_id}' does not validate: {exc}") from None


# --------------------------------------------------------------------------- the edges


def read_text(name: str) -> str:
    """The CSV file's text: UTF-8 (a byte-order mark is dropped), size-capped."""
    if name == "-":
        raw = sys.stdin.buffer.read(MAX_CSV_BYTES + 1)
    else:
        path = Path(name)
        if not path.is_file():
            raise UsageError(f"{name}: no such file")
        with path.open("rb") as handle:
            raw = handle.read(MAX_CSV_BYTES + 1)
    if len(raw) > MAX_CSV_BYTES:
        raise UsageError(f"{name}: larger than {MAX_CSV_BYTES:,} bytes; split the file")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError(
            f"{name}: not UTF-8 (byte {exc.start}); save or export the sheet as CSV UTF-8"
        ) from None


def command(
    kb: KnowledgeBase,
    *,
    file: str,
    column_map: list[str] | None,
    label: str | None,
    output: str | None,
    dry_run: bool,
) -> int:
    from misgen.output import atomic_create

    mapping = parse_map(column_map or [])
    assert kb.policy is not None
    label = label or kb.policy.not_a_goal_failure
    if label not in kb.labels:
        raise UsageError(f"--label '{label}' is not a label; labels: {', '.join(kb.labels)}")
    if output:
        folder = Path(output)
        if folder.exists() and not folder.is_dir():
            raise UsageError(f"{folder}: not a folder (-o names the folder to write into)")
    else:
        from misgen.root import refuse_bundled

        refuse_bundled(kb.root, "imported cases", "Pass -o DIR")
        folder = kb.root / "cases"
    text = read_text(file)
    rows = read_rows(text, mapping, clean(file))
    taken = {ids.fold(cid) for cid in kb.cases}
    if folder.is_dir():
        taken |= {ids.fold(p.stem) for p in folder.iterdir() if p.suffix in (".yaml", ".yml")}
    origin = "standard input" if file == "-" else Path(file).name
    planned, notes = plan(
        kb,
        rows,
        taken=taken,
        origin=one_line(origin, 120),
        default_label=label,
        url_column=mapping.get("url"),
    )
    for note in notes:
        print(f"misgen: {clean(note)}", file=sys.stderr)
    verb = "would write" if dry_run else "wrote"
    for item in planned:
        target = folder / f"{item.case_id}.yaml"
        if not dry_run:
            atomic_create(target, item.text)
        print(f"{verb} {clean(target)}  (line {item.line}: {clean(item.title)})")
    if not planned:
        print("nothing to import: no row has a title", file=sys.stderr)
    elif dry_run:
        print(
            f"{len(planned)} case skeleton(s) would be written to {clean(folder)}; nothing was written"
        )
    else:
        print(
            f"{len(planned)} case skeleton(s) written to {clean(folder)}: every signal is unknown and "
            f"the curated label is a placeholder ('{label}'). Answer the signals, choose the labels, "
            f"then run: misgen validate {clean(folder)}"
        )
    return 0
