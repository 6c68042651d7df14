"""Adding members from a CSV file: a checked dry run, then all or nothing."""

from __future__ import annotations

import csv
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from portal.accounts.models import User
from portal.core.text_input import (
    csv_text_stream,
    decode_upload,
    fields_with_control_characters,
    read_rows,
)
from portal.extensions import db
from portal.pool import validation as checks
from portal.pool.models import PoolImport
from portal.pool.services._common import IMPORT_CONSENT, IMPORT_MAX_ROWS, PoolError, _today, audit
from portal.pool.services.members import MemberData, _add_member, interest_areas, municipalities


@dataclass
class ImportReport:
    rows: list[dict[str, Any]]
    errors: list[dict[str, Any]]  # {"row": n, "field": name, "code": code}
    total: int


IMPORT_REQUIRED = ("name", "birth_year", "gender", "municipality", "language")
# Columns whose text may span lines (a quoted cell with line breaks).
MULTI_LINE_COLUMNS = ("postal_address", "accessibility_needs")


def validate_member_fields(
    raw: dict[str, str],
    *,
    today: date,
    municipality_ids: dict[str, int],
    interest_ids: dict[str, int],
) -> tuple[MemberData | None, list[checks.Problem]]:
    """Check one record (a CSV row) with the same rules the forms use."""
    problems: list[checks.Problem] = []

    def take(field_name: str, result: tuple[Any, str | None]) -> Any:
        value, code = result
        if code:
            problems.append(checks.Problem(field_name, code))
        return value

    name = take("name", checks.check_name(raw.get("name")))
    email = take("email", checks.check_email(raw.get("email")))
    phone = take("phone", checks.check_phone(raw.get("phone")))
    channel = take(
        "contact_channel",
        checks.check_choice(
            raw.get("contact_channel") or "email", checks.CHANNELS, "channel_invalid"
        ),
    )
    address = take("postal_address", checks.check_text(raw.get("postal_address"), limit=300))
    birth_year = take("birth_year", checks.check_birth_year(raw.get("birth_year"), today=today))
    gender = take(
        "gender", checks.check_choice(raw.get("gender"), checks.GENDERS, "gender_invalid")
    )
    language = take(
        "language", checks.check_choice(raw.get("language"), checks.LANGUAGES, "language_invalid")
    )
    language_other = take("language_other", checks.check_text(raw.get("language_other"), limit=60))
    needs = take("accessibility_needs", checks.check_text(raw.get("accessibility_needs")))
    municipality_key = (raw.get("municipality") or "").strip().lower()
    municipality_other = municipality_key in {"other", "muu", "annan", "annat"}
    municipality_id = municipality_ids.get(municipality_key)
    if not municipality_other and municipality_id is None:
        problems.append(checks.Problem("municipality", "municipality_unknown"))
    chosen = []
    for slug in filter(
        None,
        (
            part.strip().lower()
            for part in (raw.get("interests") or "").replace(",", ";").split(";")
        ),
    ):
        if slug not in interest_ids:
            problems.append(checks.Problem("interests", "interest_unknown"))
            break
        chosen.append(interest_ids[slug])
    problems.extend(
        checks.check_contact(email=email, phone=phone, channel=channel, postal_address=address)
    )
    locale = (raw.get("locale") or "").strip().lower()
    if locale not in ("fi", "sv", "en"):
        locale = "sv" if language == "sv" else "fi"
    if problems:
        return None, problems
    return (
        MemberData(
            name=name,
            email=email,
            phone=phone,
            contact_channel=channel,
            postal_address=address,
            birth_year=birth_year,
            gender=gender,
            municipality_id=municipality_id,
            municipality_other=municipality_other,
            language=language,
            language_other=language_other,
            interest_ids=chosen,
            accessibility_needs=needs,
            locale=locale,
        ),
        [],
    )


def _lookup_maps() -> tuple[dict[str, int], dict[str, int]]:
    municipality_ids: dict[str, int] = {}
    for item in municipalities():
        for key in (item.slug, item.name_fi.lower(), item.name_sv.lower()):
            municipality_ids[key] = item.id
    interest_ids = {area.slug: area.id for area in interest_areas(active_only=False)}
    return municipality_ids, interest_ids


def check_import(content: bytes) -> ImportReport:
    """Validate a CSV file row by row; changes nothing."""
    text = decode_upload(content)
    if text is None:
        return ImportReport(rows=[], errors=[{"row": 1, "field": "", "code": "not_text"}], total=0)
    sample = text[:4096]
    delimiter = ";" if sample.count(";") >= sample.count(",") else ","
    reader = csv.DictReader(csv_text_stream(text), delimiter=delimiter)
    try:
        headers = [h.strip().lower() for h in (reader.fieldnames or [])]
    except csv.Error:  # e.g. a header cell over the csv module's field size limit
        headers = []
    if headers and fields_with_control_characters((h, h) for h in headers):
        return ImportReport(
            rows=[], errors=[{"row": 1, "field": "", "code": "control_characters"}], total=0
        )
    missing = [name for name in IMPORT_REQUIRED if name not in headers]
    if missing:
        return ImportReport(
            rows=[],
            errors=[{"row": 1, "field": name, "code": "column_missing"} for name in missing],
            total=0,
        )
    today = _today()
    municipality_ids, interest_ids = _lookup_maps()
    existing = set(db.session.scalars(select(User.email).where(User.email.is_not(None))))
    seen: set[str] = set()
    rows: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    total = 0
    for line, raw in read_rows(reader):
        total += 1
        if total > IMPORT_MAX_ROWS:
            errors.append({"row": line, "field": "", "code": "too_many_rows"})
            break
        if raw is None:
            errors.append({"row": line, "field": "", "code": "row_unreadable"})
            continue
        record = {
            (k or "").strip().lower(): (v or "") if isinstance(v, str) else ""
            for k, v in raw.items()
        }
        controls = fields_with_control_characters(record.items(), multiline=MULTI_LINE_COLUMNS)
        for name in controls:
            errors.append({"row": line, "field": name, "code": "control_characters"})
        if controls:
            continue
        data, problems = validate_member_fields(
            record, today=today, municipality_ids=municipality_ids, interest_ids=interest_ids
        )
        for problem in problems:
            errors.append({"row": line, "field": problem.field, "code": problem.code})
        if data is None:
            continue
        if data.email and data.email in existing:
            errors.append({"row": line, "field": "email", "code": "email_taken"})
        elif data.email and data.email in seen:
            errors.append({"row": line, "field": "email", "code": "email_repeated"})
        else:
            if data.email:
                seen.add(data.email)
            rows.append(asdict(data))
    if total == 0:
        errors.append({"row": 2, "field": "", "code": "file_empty"})
    return ImportReport(rows=rows, errors=errors, total=total)


def prepare_import(
    *, actor: User, filename: str, content: bytes
) -> tuple[ImportReport, PoolImport | None]:
    """Dry run: validate, and keep a clean file server-side until it is confirmed."""
    report = check_import(content)
    if report.errors:
        return report, None
    pending = PoolImport(
        created_by_id=actor.id,
        filename=filename[:200],
        row_count=len(report.rows),
        rows=report.rows,
    )
    db.session.add(pending)
    db.session.flush()
    audit(actor, "import_checked", "pool_import", pending.id, rows=len(report.rows))
    db.session.commit()
    return report, pending


def confirm_import(*, actor: User, pending: PoolImport) -> int:
    """Create the members of a checked file, all or nothing."""
    if pending.status != "pending" or pending.created_by_id != actor.id:
        raise PoolError("import_not_pending")
    created = 0
    try:
        for row in pending.rows:
            _add_member(data=MemberData(**row), consent_version=IMPORT_CONSENT, source="import")
            created += 1
    except PoolError:
        db.session.rollback()
        raise PoolError("import_conflict") from None
    pending.status = "done"
    pending.rows = []
    pending.imported_count = created
    audit(actor, "imported", "pool_import", pending.id, rows=created)
    db.session.commit()
    return created


def discard_import(*, actor: User, pending: PoolImport) -> None:
    if pending.status != "pending" or pending.created_by_id != actor.id:
        raise PoolError("import_not_pending")
    pending.status = "discarded"
    pending.rows = []
    db.session.commit()
