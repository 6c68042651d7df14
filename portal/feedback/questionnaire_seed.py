"""The seed questionnaires: the national customer-feedback model's questions, per channel.

Pure data. Texts are stored in the database in Finnish, Swedish and English (they are
data, edited by administrators as new versions, not user-interface strings), with
plain-language versions in Finnish and Swedish for readers who need simpler text: short
sentences and everyday words, following the guidance of Selkokeskus and LL-Center. The
statements are those of the national customer-feedback model for social and health
services (asiakaspalautteen kansallinen malli); the participation-experience set is the
county's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

NATIONAL: Final = "national_customer_feedback_model"
COUNTY: Final = "county"


@dataclass(frozen=True, slots=True)
class SeedQuestion:
    kind: str
    code: str
    fi: str
    sv: str
    en: str
    source: str = NATIONAL
    #: Plain-language versions (selkokieli, lättläst), where the county provides them.
    plain_fi: str = ""
    plain_sv: str = ""


NPS = SeedQuestion(
    "nps",
    "recommend",
    "Kuinka todennäköisesti suosittelisit saamaasi palvelua perheenjäsenellesi tai "
    "ystävällesi, jos hän olisi samassa tilanteessa?",
    "Hur sannolikt är det att du skulle rekommendera den service du fick till en "
    "familjemedlem eller vän i samma situation?",
    "How likely would you be to recommend the service you received to a family member or "
    "friend in the same situation?",
    plain_fi="Suosittelisitko tätä palvelua perheellesi tai ystävällesi?",
    plain_sv="Skulle du tipsa din familj eller dina vänner om den här servicen?",
)

STATEMENTS: Final = (
    SeedQuestion(
        "statement",
        "help_when_needed",
        "Sain apua silloin, kun sitä tarvitsin.",
        "Jag fick hjälp när jag behövde det.",
        "I got help when I needed it.",
        plain_fi="Sain apua, kun tarvitsin apua.",
        plain_sv="Jag fick hjälp när jag behövde hjälp.",
    ),
    SeedQuestion(
        "statement",
        "holistic_care",
        "Asiaani hoidettiin kokonaisuutena.",
        "Min situation sköttes som en helhet.",
        "My situation was looked after as a whole.",
        plain_fi="Minun kaikki asiani otettiin huomioon.",
        plain_sv="Man tänkte på allt som gällde mig.",
    ),
    SeedQuestion(
        "statement",
        "decided_together",
        "Minua koskevista asioista päätettiin yhdessä kanssani.",
        "Beslut som gällde mig fattades tillsammans med mig.",
        "Decisions about me were made together with me.",
        plain_fi="Sain itse olla mukana päättämässä asioistani.",
        plain_sv="Jag fick vara med och bestämma om mina saker.",
    ),
    SeedQuestion(
        "statement",
        "safety",
        "Koin oloni turvalliseksi.",
        "Jag kände mig trygg.",
        "I felt safe.",
        plain_fi="Tunsin oloni turvalliseksi.",
        plain_sv="Jag kände mig trygg.",
    ),
    SeedQuestion(
        "statement",
        "care_continues",
        "Tiedän, miten hoitoni tai palveluni jatkuu.",
        "Jag vet hur min vård eller service fortsätter.",
        "I know how my care or service continues.",
        plain_fi="Tiedän, mitä hoidossani tapahtuu seuraavaksi.",
        plain_sv="Jag vet vad som händer sedan i min vård.",
    ),
    SeedQuestion(
        "statement",
        "understandable_information",
        "Sain tietoa ymmärrettävästi.",
        "Jag fick information på ett begripligt sätt.",
        "I got information in a way I could understand.",
        plain_fi="Ymmärsin, mitä minulle kerrottiin.",
        plain_sv="Jag förstod det som man berättade för mig.",
    ),
    SeedQuestion(
        "statement",
        "useful",
        "Saamastani palvelusta oli minulle hyötyä.",
        "Den service jag fick var till nytta för mig.",
        "The service I received was useful to me.",
        plain_fi="Palvelu auttoi minua.",
        plain_sv="Servicen hjälpte mig.",
    ),
)

BILINGUAL = SeedQuestion(
    "bilingual",
    "own_language",
    "Sain hoitoa ja palvelua omalla kielelläni.",
    "Jag fick vård och service på mitt eget språk.",
    "I got care and service in my own language.",
    plain_fi="Sain palvelua omalla kielelläni.",
    plain_sv="Jag fick service på mitt eget språk.",
)

OPEN = SeedQuestion(
    "open",
    "open",
    "Mitä muuta haluat kertoa? Älä kirjoita nimiä tai henkilötietoja.",
    "Vad mer vill du berätta? Skriv inte namn eller personuppgifter.",
    "What else would you like to tell us? Please do not write names or personal details.",
    plain_fi="Mitä muuta haluat kertoa? Älä kirjoita nimiä.",
    plain_sv="Vad mer vill du berätta? Skriv inte namn.",
)

CONTACT = SeedQuestion(
    "contact",
    "contact_me",
    "Haluan, että minuun otetaan yhteyttä.",
    "Jag vill att ni kontaktar mig.",
    "I would like to be contacted.",
    plain_fi="Haluan, että minuun otetaan yhteyttä puhelimella tai viestillä.",
    plain_sv="Jag vill att ni ringer eller skriver till mig.",
)

PARTICIPATION: Final = (
    SeedQuestion(
        "nps",
        "take_part_again",
        "Kuinka todennäköisesti osallistuisit uudelleen?",
        "Hur sannolikt är det att du skulle delta igen?",
        "How likely would you be to take part again?",
        COUNTY,
    ),
    SeedQuestion(
        "statement",
        "could_influence",
        "Pystyin vaikuttamaan.",
        "Jag kunde påverka.",
        "I could influence.",
        COUNTY,
    ),
    SeedQuestion(
        "statement",
        "know_what_happened",
        "Tiedän, mitä näkemyksillemme tapahtui.",
        "Jag vet vad som hände med våra synpunkter.",
        "I know what happened with our views.",
        COUNTY,
    ),
    SeedQuestion(
        "open",
        "open",
        "Mitä muuta haluat kertoa?",
        "Vad mer vill du berätta?",
        "What else would you like to tell us?",
        COUNTY,
    ),
)

FULL: Final = (NPS, *STATEMENTS, BILINGUAL, OPEN, CONTACT)
SHORT_KIOSK: Final = (NPS, STATEMENTS[0], STATEMENTS[5], OPEN)
SHORT_SMS: Final = (NPS, OPEN)

#: channel -> (questionnaire code, titles fi/sv/en, questions)
SEED_QUESTIONNAIRES: Final = {
    "web": ("national-web", ("Asiakaspalaute", "Kundrespons", "Customer feedback"), FULL),
    "paper": (
        "national-paper",
        ("Asiakaspalaute (paperi)", "Kundrespons (papper)", "Customer feedback (paper)"),
        FULL,
    ),
    "import": (
        "national-import",
        ("Asiakaspalaute (tuonti)", "Kundrespons (import)", "Customer feedback (import)"),
        FULL,
    ),
    "kiosk": ("national-kiosk", ("Pikapalaute", "Snabbrespons", "Quick feedback"), SHORT_KIOSK),
    "sms": ("national-sms", ("Tekstiviestikysely", "Sms-enkät", "SMS survey"), SHORT_SMS),
    "survey": (
        "participation",
        ("Osallistumiskokemus", "Delaktighetsupplevelse", "Participation experience"),
        PARTICIPATION,
    ),
}
