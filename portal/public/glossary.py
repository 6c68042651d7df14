"""The portal's glossary: one term per concept in Finnish, Swedish and English.

The same list is written out for translators in ``docs/glossary.md``, shown to residents on
the glossary page, and checked against the message catalogues: ``avoid`` holds the variants
that must not appear in a locale's translations (regular expressions, matched
case-insensitively), optionally only where the English text contains ``avoid_where``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString


@dataclass(frozen=True)
class GlossaryTerm:
    """One concept: its name in each language, what it means and the wrong variants."""

    en: str
    fi: str
    sv: str
    explanation: LazyString
    avoid: dict[str, tuple[str, ...]] = field(default_factory=dict)
    avoid_where: str = ""

    def name(self, locale: str) -> str:
        return {"fi": self.fi, "sv": self.sv}.get(locale, self.en)


GLOSSARY: tuple[GlossaryTerm, ...] = (
    GlossaryTerm(
        en="wellbeing services county",
        fi="hyvinvointialue",
        sv="välfärdsområde",
        explanation=_l(
            "The public body that organises social and health services and rescue services "
            "for the residents of its municipalities."
        ),
    ),
    GlossaryTerm(
        en="service area",
        fi="palvelualue",
        sv="tjänsteområde",
        explanation=_l(
            "A part of the county's services, such as health centres or family services."
        ),
        avoid={"sv": (r"serviceområde",)},
    ),
    GlossaryTerm(
        en="resident pool",
        fi="asukaspooli",
        sv="invånarpool",
        explanation=_l(
            "A list of residents who have volunteered to be invited to develop services. "
            "Joining the pool is not the same as having an account in the portal."
        ),
        avoid={"fi": (r"asukasrekister",), "sv": (r"invånarregist",)},
    ),
    GlossaryTerm(
        en="resident panel",
        fi="asukaspaneeli",
        sv="invånarpanel",
        explanation=_l(
            "A group of residents drawn by lot from volunteers so that it resembles the "
            "county's population. The panel studies a question and gives recommendations."
        ),
        avoid={"fi": (r"asukasraat", r"asukasraadi"), "sv": (r"invånarjury",)},
    ),
    GlossaryTerm(
        en="client council",
        fi="asiakasraati",
        sv="klientråd",
        explanation=_l(
            "A standing group of clients, patients or relatives who give the county feedback "
            "and ideas on its services."
        ),
        avoid={"fi": (r"asiakasneuvost", r"potilas- ja omaisneuvost"), "sv": (r"klientnämnd",)},
    ),
    GlossaryTerm(
        en="influence body",
        fi="vaikuttamistoimielin",
        sv="påverkansorgan",
        explanation=_l(
            "The elderly council, the disability council and the youth council: bodies the "
            "county must hear by law."
        ),
    ),
    GlossaryTerm(
        en="initiative",
        fi="aloite",
        sv="initiativ",
        explanation=_l(
            "A proposal a resident or service user makes to the county. The county tells the "
            "initiators what it did about it."
        ),
        avoid={"sv": (r"\bgöra (ett )?initiativ", r"\bgör (ett )?initiativ")},
    ),
    GlossaryTerm(
        en="experience expert",
        fi="kokemusasiantuntija",
        sv="erfarenhetsexpert",
        explanation=_l(
            "A person who has used the services or looked after someone who did, trained to "
            "bring that experience into the county's work."
        ),
    ),
    GlossaryTerm(
        en="statement",
        fi="väite",
        sv="påstående",
        explanation=_l(
            "In a discussion, a short sentence that participants agree or disagree with. A "
            "council's formal opinion is called a position statement instead."
        ),
    ),
    GlossaryTerm(
        en="rest of the county",
        fi="muut kunnat",
        sv="övriga kommuner",
        explanation=_l(
            "The municipalities of the county not named in a list. “Another county” is a "
            "different wellbeing services county."
        ),
        avoid={"fi": (r"\bmuu hyvinvointialue\b",), "sv": (r"övriga välfärdsområdet",)},
        avoid_where="rest of the county",
    ),
    GlossaryTerm(
        en="random seed",
        fi="siemenluku",
        sv="slumptalsfrö",
        explanation=_l(
            "A number announced before a draw. Anyone can repeat the draw with it and get the "
            "same result, which shows that the draw was not steered."
        ),
        avoid={"sv": (r"(?<![a-zåäö])frö(et|ets|n)?(?![a-zåäö])",)},
        avoid_where="seed",
    ),
    GlossaryTerm(
        en="optional",
        fi="valinnainen",
        sv="valfritt",
        explanation=_l(
            "A form field you may leave empty. Taking part as a volunteer is voluntary, which "
            "is a different word in Finnish and Swedish."
        ),
        avoid={"fi": (r"\(vapaaehtoinen",), "sv": (r"\(frivillig",)},
        avoid_where="optional",
    ),
)


def glossary_violations(locale: str, messages: list[tuple[str, str]]) -> list[str]:
    """The (English, translation) pairs of ``locale`` that use a variant the glossary avoids."""
    problems = []
    for term in GLOSSARY:
        patterns = [re.compile(p, re.IGNORECASE) for p in term.avoid.get(locale, ())]
        for english, translated in messages:
            if term.avoid_where and term.avoid_where not in english.lower():
                continue
            for pattern in patterns:
                if pattern.search(translated):
                    problems.append(
                        f"{locale}: use “{term.name(locale)}”, not “{pattern.pattern}”, in "
                        f"{translated!r}"
                    )
    return problems
