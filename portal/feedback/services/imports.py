"""CSV import of answers from feedback devices and other systems.

One documented column format (UTF-8, ``;`` or ``,`` separated, a header line)::

    unit_id;date;language;score;text
    12;2026-03-04;fi;9;Ystävällinen palvelu

``unit_id`` is the portal's unit number (the default unit of the form is used when the
column is empty), ``date`` is ``YYYY-MM-DD``, ``language`` ``fi``/``sv``/``en``,
``score`` 0-10 and ``text`` an optional open answer (anonymised before it is stored).
Optional columns ``s_<statement code>`` (e.g. ``s_help_when_needed``) carry 0-5.

Every row is checked first; if any row has an error, nothing is stored and the report
lists each bad row (line number and reason). Importing the same file again stores
nothing new, because each row's submission id is derived from the file and line.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass, field
from datetime import date

from portal.accounts.models import OrgUnit, OrgUnitKind
from portal.extensions import db
from portal.feedback.models import Channel, Entry
from portal.feedback.services._common import LANGUAGES, FeedbackError
from portal.feedback.services.intake import (
    MAX_OPEN_TEXT,
    QuestionnaireShape,
    Submission,
    store_answer,
)
from portal.feedback.services.questionnaires import current_questionnaire

REQUIRED = ("date", "language", "score")
MAX_ROWS = 50_000


@dataclass
class ImportReport:
    stored: int = 0
    repeated: int = 0
    errors: list[tuple[int, str, dict[str, object]]] = field(default_factory=list)


def _rows(data: bytes) -> list[dict[str, str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FeedbackError("import_not_utf8") from None
    sample = text[:4096]
    delimiter = ";" if sample.count(";") >= sample.count(",") else ","
    try:
        return list(csv.DictReader(io.StringIO(text), delimiter=delimiter))
    except csv.Error:
        raise FeedbackError("import_not_csv") from None


def import_answers(
    *, data: bytes, allowed_units: list[OrgUnit], default_unit: OrgUnit | None = None
) -> ImportReport:
    """Check every row, then store them all (and commit) or none."""
    rows = _rows(data)
    if not rows:
        raise FeedbackError("import_empty")
    if len(rows) > MAX_ROWS:
        raise FeedbackError("import_too_long", limit=MAX_ROWS)
    missing = [c for c in REQUIRED if c not in rows[0]]
    if missing:
        raise FeedbackError("import_column_missing", column=", ".join(missing))
    units = {u.id: u for u in allowed_units if u.kind != OrgUnitKind.COUNTY}
    questionnaire = current_questionnaire(Channel.IMPORT)
    statement_codes = {
        q.code for q in questionnaire.questions if q.kind in ("statement", "bilingual")
    }
    digest = hashlib.sha256(data).hexdigest()[:24]
    report = ImportReport()
    checked: list[tuple[int, Submission]] = []
    for line, row in enumerate(rows, start=2):

        def fail(code: str, line: int = line, **params: object) -> None:
            report.errors.append((line, code, params))

        unit_text = (row.get("unit_id") or "").strip()
        unit = (
            default_unit
            if not unit_text
            else (units.get(int(unit_text)) if unit_text.isdigit() else None)
        )
        if unit is None or unit.id not in units:
            fail("import_unit")
            continue
        try:
            day = date.fromisoformat((row.get("date") or "").strip())
        except ValueError:
            fail("import_date")
            continue
        if day > date.today():
            fail("import_date")
            continue
        language = (row.get("language") or "").strip().lower()
        if language not in LANGUAGES:
            fail("language_unsupported")
            continue
        score_text = (row.get("score") or "").strip()
        if not score_text.isdigit() or not 0 <= int(score_text) <= 10:
            fail("score_out_of_range")
            continue
        text = (row.get("text") or "").strip()
        if len(text) > MAX_OPEN_TEXT:
            fail("text_too_long", limit=MAX_OPEN_TEXT)
            continue
        statements: dict[str, int] = {}
        bad_statement = False
        for column, value in row.items():
            if column and column.startswith("s_") and (value or "").strip():
                code = column[2:]
                if code not in statement_codes or not value.strip().isdigit() or int(value) > 5:
                    bad_statement = True
                    break
                statements[code] = int(value)
        if bad_statement:
            fail("statement_out_of_range")
            continue
        checked.append(
            (
                line,
                Submission(
                    unit=unit,
                    channel=Channel.IMPORT,
                    language=language,
                    score=int(score_text),
                    statements=statements,
                    open_text=text,
                    entry=Entry.IMPORT,
                    submitted_on=day,
                ),
            )
        )
    if report.errors:
        return report
    shape = QuestionnaireShape.of(questionnaire)
    for line, submission in checked:
        _answer_id, created = store_answer(
            submission, shape=shape, submission_id=f"import:{digest}:{line}"
        )
        if created:
            report.stored += 1
        else:
            report.repeated += 1
    db.session.commit()
    return report
