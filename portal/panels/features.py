"""The features a panel can be stratified on: values, labels and population shares.

Values are stable codes (``"45-54"``, ``"woman"``, a municipality slug, a group name) so
that snapshots and published files stay the same in every language; labels are translated
only when shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from flask_babel import lazy_gettext as _l

from portal.core.population import (
    AGE_BANDS,
    age_band,
    load_municipalities,
    municipality_shares,
    reference_shares,
)
from portal.panels.selection import Category, propose_quotas

UNKNOWN = "unknown"
REST = "rest"
OTHER = "other"

FEATURES: dict[str, Any] = {
    "age_band": _l("Age band"),
    "gender": _l("Gender"),
    "municipality": _l("Municipality"),
    "municipality_group": _l("Municipality group"),
    "language": _l("Language"),
}
FEATURE_ORDER = tuple(FEATURES)

# Tampere, the municipalities around it, and the rest of the county: the grouping the
# county's participation reports use. Coordinators can change it per panel.
DEFAULT_MUNICIPALITY_GROUPS: dict[str, list[str]] = {
    "Tampere": ["tampere"],
    "Kehyskunnat": [
        "kangasala",
        "lempaala",
        "nokia",
        "orivesi",
        "pirkkala",
        "vesilahti",
        "ylojarvi",
    ],
}


def feature_label(feature: str) -> str:
    return str(FEATURES.get(feature, feature))


def value_label(feature: str, value: str, locale: str = "fi") -> str:
    """The translated label of a feature value (data such as group names stay as typed)."""
    common = {UNKNOWN: _l("not known"), OTHER: _l("other")}
    if feature == "gender":
        labels = {"woman": _l("woman"), "man": _l("man"), **common}
        return str(labels.get(value, value))
    if feature == "language":
        labels = {"fi": _l("Finnish"), "sv": _l("Swedish"), OTHER: _l("other language")}
        return str(labels.get(value, common.get(value, value)))
    if feature == "municipality":
        for municipality in load_municipalities():
            if municipality.slug == value:
                return municipality.name_sv if locale == "sv" else municipality.name_fi
    if feature == "municipality_group" and value == REST:
        return str(_l("rest of the county"))
    if feature == "age_band" and value != UNKNOWN:
        return str(_l("%(band)s years", band=value))
    return str(common.get(value, value))


def category_label(feature: str, value: str, locale: str = "fi") -> str:
    return f"{feature_label(feature)}: {value_label(feature, value, locale)}"


def group_of(slug: str | None, groups: Mapping[str, list[str]]) -> str:
    if not slug:
        return UNKNOWN
    for name, members in groups.items():
        if slug in members:
            return name
    return REST


def user_features(
    user: Any, features: list[str], groups: Mapping[str, list[str]], on_date: date
) -> dict[str, str]:
    """The stratification values of a portal user (``unknown`` where they gave none)."""
    slug = user.municipality.slug if user.municipality is not None else None
    values: dict[str, str] = {}
    for feature in features:
        if feature == "age_band":
            values[feature] = age_band(user.birth_year, on_date) or UNKNOWN
        elif feature == "gender":
            gender = (user.gender or "").strip().lower()
            values[feature] = gender if gender in ("woman", "man") else OTHER if gender else UNKNOWN
        elif feature == "municipality":
            values[feature] = slug or UNKNOWN
        elif feature == "municipality_group":
            values[feature] = group_of(slug, groups)
        elif feature == "language":
            language = (user.language or "").strip().lower()
            values[feature] = (
                language if language in ("fi", "sv") else OTHER if language else UNKNOWN
            )
    return values


def feature_values(feature: str, groups: Mapping[str, list[str]]) -> list[str]:
    """Every value a feature can take, in display order."""
    if feature == "age_band":
        return [band.label for band in AGE_BANDS] + [UNKNOWN]
    if feature == "gender":
        return ["woman", "man", OTHER, UNKNOWN]
    if feature == "municipality":
        return [m.slug for m in load_municipalities()] + [UNKNOWN]
    if feature == "municipality_group":
        return [*groups, REST, UNKNOWN]
    if feature == "language":
        return ["fi", "sv", OTHER, UNKNOWN]
    raise KeyError(feature)


def population_shares(feature: str, groups: Mapping[str, list[str]]) -> dict[str, float]:
    """The county population's shares of a feature's values (values without data absent)."""
    if feature not in FEATURES:
        raise KeyError(feature)
    if feature != "municipality_group":
        return reference_shares(feature)
    shares: dict[str, float] = {name: 0.0 for name in groups}
    shares[REST] = 0.0
    for slug, share in municipality_shares().items():
        shares[group_of(slug, groups)] += share
    return shares


def proposed_quotas(
    features: list[str], groups: Mapping[str, list[str]], size: int
) -> list[dict[str, Any]]:
    """Quotas from the county population (±25 %), plus small room for unknown values."""
    shares = {feature: population_shares(feature, groups) for feature in features}
    categories = list(propose_quotas(shares, size, slack=0.25))
    spare = max(1, size // 10)
    for feature in features:
        for value in feature_values(feature, groups):
            if value not in shares[feature]:
                categories.append(Category(feature, value, 0, spare))
    order = {f: i for i, f in enumerate(FEATURE_ORDER)}
    positions = {f: {v: i for i, v in enumerate(feature_values(f, groups))} for f in features}
    categories.sort(key=lambda c: (order[c.feature], positions[c.feature].get(c.value, 999)))
    return [
        {"feature": c.feature, "value": c.value, "min": c.min, "max": c.max} for c in categories
    ]


def parse_groups(text: str) -> dict[str, list[str]]:
    """Parse ``Group name: slug, slug`` lines (names or slugs of municipalities)."""
    from portal.core.population import slugify

    known = {m.slug for m in load_municipalities()}
    groups: dict[str, list[str]] = {}
    problems: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, sep, rest = line.partition(":")
        name = name.strip()
        slugs = [slugify(part) for part in rest.split(",") if part.strip()]
        unknown = [s for s in slugs if s not in known]
        if not sep or not name or not slugs or unknown or name in (REST, UNKNOWN):
            problems.append(str(number))
            continue
        groups[name] = slugs
    if problems:
        raise ValueError(",".join(problems))
    return groups


def format_groups(groups: Mapping[str, list[str]]) -> str:
    return "\n".join(f"{name}: {', '.join(slugs)}" for name, slugs in groups.items())
