"""Generate the weak-label training corpus ``data/weak_feedback.csv``.

The corpus stands in for the open answers of past feedback with the recommendation score
(0-10) each came with. Texts are built from phrase templates per theme and polarity in
Finnish, Swedish and English, with a seeded generator, so the file is reproducible::

    python -m portal.feedback.weak_corpus  # rewrites data/weak_feedback.csv

Like real answers, the score and the text do not always agree: passives mix praise and
complaint, some promoters complain about one thing, some detractors write only a neutral
remark, and many answers are a word or two. The tone model learns from the score band
(the weak label) and never sees the score as a feature. The phrases were written apart
from the hand-labelled evaluation set and do not copy its sentences.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path
from typing import Final

__all__ = ["WEAK_CORPUS_FILE", "generate", "main"]

WEAK_CORPUS_FILE: Final = Path(__file__).with_name("data") / "weak_feedback.csv"
SEED: Final = 20261202
SIZES: Final = {"fi": 1400, "sv": 1000, "en": 300}

# PHRASES[language][theme] = (positive phrases, negative phrases)
PHRASES: Final[dict[str, dict[str, tuple[tuple[str, ...], tuple[str, ...]]]]] = {
    "fi": {
        "waiting": (
            (
                "Pääsin vastaanotolle lähes heti.",
                "Ei tarvinnut jonottaa lainkaan.",
                "Vastaanotto alkoi täsmälleen ajallaan.",
                "Odotusaika oli lyhyt.",
            ),
            (
                "Jouduin odottamaan yli tunnin.",
                "Jono oli aivan liian pitkä.",
                "Odotusajat ovat venyneet kohtuuttomiksi.",
                "Istuin odottamassa puolitoista tuntia.",
                "Vastaanotto oli taas myöhässä.",
            ),
        ),
        "access": (
            (
                "Aika löytyi helposti.",
                "Puhelimeen vastattiin heti.",
                "Sain ajan jo seuraavalle päivälle.",
                "Takaisinsoitto tuli samana päivänä.",
            ),
            (
                "Puhelimeen ei saa ketään kiinni.",
                "Aikaa ei saanut moneen viikkoon.",
                "Lähetteen käsittely kestää kuukausia.",
                "Terveysasemalle on liian pitkä matka.",
                "Aukioloajat ovat aivan liian lyhyet.",
            ),
        ),
        "treatment": (
            (
                "Henkilökunta oli ystävällistä ja kohteliasta.",
                "Minua kohdeltiin arvostavasti.",
                "Hoitaja oli lämmin ja kuunteli.",
                "Tunsin olevani hyvissä käsissä.",
                "Kiitos ystävällisestä palvelusta.",
            ),
            (
                "Henkilökunta oli töykeää.",
                "Minua ei kuunneltu lainkaan.",
                "Hoitaja oli välinpitämätön.",
                "Kohtelu oli nöyryyttävää.",
                "Lääkäri oli kiireinen eikä välittänyt.",
            ),
        ),
        "skill": (
            (
                "Lääkäri oli todella osaava.",
                "Hoito auttoi heti.",
                "Ammattitaitoista työtä alusta loppuun.",
                "Diagnoosi oli oikea ja nopea.",
            ),
            (
                "Lääkäri ei tutkinut minua kunnolla.",
                "Hoidossa tehtiin virhe.",
                "Diagnoosi osoittautui vääräksi.",
                "Tuntui ettei kukaan osannut asiaansa.",
            ),
        ),
        "information": (
            (
                "Sain selkeät ohjeet.",
                "Kaikki selitettiin ymmärrettävästi.",
                "Tulokset kerrottiin nopeasti.",
                "Tiesin koko ajan mitä seuraavaksi tapahtuu.",
            ),
            (
                "Kukaan ei kertonut mitään.",
                "Ohjeet olivat epäselviä.",
                "Tuloksista ei ilmoitettu.",
                "Jatkohoidosta ei saanut tietoa.",
            ),
        ),
        "digital": (
            (
                "Nettiajanvaraus toimi moitteettomasti.",
                "Sähköinen asiointi oli helppoa.",
                "Etävastaanotto säästi paljon aikaa.",
                "Chatissa sain avun nopeasti.",
            ),
            (
                "Nettisivut ovat sekavat.",
                "Sovellus ei toiminut.",
                "Sähköinen ajanvaraus ei toiminut.",
                "Chat katkesi kesken keskustelun.",
            ),
        ),
        "facilities": (
            (
                "Tilat olivat siistit ja viihtyisät.",
                "Pysäköinti oli helppoa.",
                "Odotustila oli rauhallinen.",
                "Esteetön kulku toimi hyvin.",
            ),
            (
                "Tilat olivat ahtaat ja vanhat.",
                "Parkkipaikkaa ei löytynyt.",
                "Odotustilassa oli kylmä.",
                "WC oli likainen.",
            ),
        ),
        "language": (
            (
                "Palvelu sujui ruotsiksi hienosti.",
                "Sain palvelua omalla kielelläni.",
                "Tulkki oli paikalla ja auttoi.",
            ),
            (
                "Ruotsiksi ei saanut palvelua.",
                "Tulkkia ei järjestetty.",
                "Kukaan ei puhunut kieltäni.",
            ),
        ),
        "cost": (
            ("Maksu oli kohtuullinen.", "Hinta oli sopiva.", "Lasku oli selkeä."),
            (
                "Asiakasmaksut ovat liian korkeat.",
                "Lasku oli virheellinen.",
                "Sain turhan maksun.",
                "Hinta on kohtuuton.",
            ),
        ),
    },
    "sv": {
        "waiting": (
            (
                "Jag kom in nästan direkt.",
                "Ingen kö alls.",
                "Besöket började precis i tid.",
                "Väntetiden var kort.",
            ),
            (
                "Jag fick vänta i över en timme.",
                "Kön var alldeles för lång.",
                "Väntetiderna har blivit orimliga.",
                "Mottagningen var försenad igen.",
            ),
        ),
        "access": (
            (
                "Det var lätt att få en tid.",
                "De svarade direkt i telefon.",
                "Jag fick en tid redan nästa dag.",
                "De ringde tillbaka samma dag.",
            ),
            (
                "Man når ingen per telefon.",
                "Det fanns inga tider på flera veckor.",
                "Remissen tar månader.",
                "Det är för långt till hälsostationen.",
                "Öppettiderna är för korta.",
            ),
        ),
        "treatment": (
            (
                "Personalen var vänlig och artig.",
                "Jag blev respektfullt bemött.",
                "Skötaren var varm och lyssnade.",
                "Jag kände mig i trygga händer.",
                "Tack för ett vänligt bemötande.",
            ),
            (
                "Personalen var otrevlig.",
                "Ingen lyssnade på mig.",
                "Skötaren var likgiltig.",
                "Bemötandet var förnedrande.",
                "Läkaren var stressad och brydde sig inte.",
            ),
        ),
        "skill": (
            (
                "Läkaren var mycket kunnig.",
                "Behandlingen hjälpte direkt.",
                "Professionellt arbete från början till slut.",
                "Diagnosen var rätt och snabb.",
            ),
            (
                "Läkaren undersökte mig inte ordentligt.",
                "Det blev fel i vården.",
                "Diagnosen visade sig vara fel.",
                "Det kändes som att ingen kunde sitt jobb.",
            ),
        ),
        "information": (
            (
                "Jag fick tydliga instruktioner.",
                "Allt förklarades begripligt.",
                "Provsvaren kom snabbt.",
                "Jag visste hela tiden vad som skulle hända.",
            ),
            (
                "Ingen berättade något.",
                "Instruktionerna var otydliga.",
                "Ingen meddelade provsvaren.",
                "Jag fick ingen information om fortsatt vård.",
            ),
        ),
        "digital": (
            (
                "Tidsbokningen på nätet fungerade felfritt.",
                "E-tjänsten var enkel att använda.",
                "Distansmottagningen sparade mycket tid.",
                "Jag fick snabbt hjälp i chatten.",
            ),
            (
                "Webbsidan är rörig.",
                "Appen fungerade inte.",
                "Den elektroniska bokningen fungerade inte.",
                "Chatten bröts mitt i.",
            ),
        ),
        "facilities": (
            (
                "Lokalerna var rena och trivsamma.",
                "Det var lätt att parkera.",
                "Väntrummet var lugnt.",
                "Tillgängligheten i huset var bra.",
            ),
            (
                "Lokalerna var trånga och slitna.",
                "Det fanns ingen parkering.",
                "Det var kallt i väntrummet.",
                "Toaletten var smutsig.",
            ),
        ),
        "language": (
            (
                "Det gick utmärkt på svenska.",
                "Jag fick service på mitt eget språk.",
                "Tolken var på plats och hjälpte.",
            ),
            (
                "Det gick inte att få service på svenska.",
                "Ingen tolk ordnades.",
                "Ingen talade mitt språk.",
                "All information var bara på finska.",
            ),
        ),
        "cost": (
            ("Avgiften var skälig.", "Priset var rimligt.", "Fakturan var tydlig."),
            (
                "Klientavgifterna är för höga.",
                "Fakturan var felaktig.",
                "Jag fick en onödig avgift.",
                "Priset är orimligt.",
            ),
        ),
    },
    "en": {
        "waiting": (
            ("I was seen almost immediately.", "No queue at all.", "Started right on time."),
            (
                "I had to wait over an hour.",
                "The queue was far too long.",
                "The clinic was running late again.",
            ),
        ),
        "access": (
            ("Easy to get an appointment.", "They answered the phone right away."),
            (
                "Nobody answers the phone.",
                "No appointments for weeks.",
                "The health centre is too far away.",
            ),
        ),
        "treatment": (
            (
                "The staff were friendly and polite.",
                "I was treated with respect.",
                "The nurse was warm and listened.",
            ),
            ("The staff were rude.", "Nobody listened to me.", "The doctor did not care."),
        ),
        "skill": (
            ("The doctor was very competent.", "The treatment helped straight away."),
            ("The doctor did not examine me properly.", "They made a mistake in my care."),
        ),
        "information": (
            ("I got clear instructions.", "Everything was explained well."),
            ("Nobody told me anything.", "The instructions were unclear."),
        ),
        "digital": (
            ("Online booking worked perfectly.", "The video call saved me a trip."),
            ("The website is confusing.", "The app did not work."),
        ),
        "facilities": (
            ("The premises were clean and pleasant.", "Parking was easy."),
            ("The rooms were cramped and old.", "There was no parking."),
        ),
        "language": (
            ("Service in English was no problem.", "The interpreter was very helpful."),
            ("Nobody spoke English.", "No interpreter was arranged."),
        ),
        "cost": (
            ("The fee was reasonable.", "The bill was clear."),
            ("The fees are too high.", "The bill was wrong."),
        ),
    },
}

GENERIC: Final[dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]]] = {
    # positive, neutral, negative one-liners
    "fi": (
        (
            "Kiitos!",
            "Hyvä palvelu.",
            "Kaikki toimi.",
            "Olen tyytyväinen.",
            "Loistavaa.",
            "Erittäin hyvä kokemus.",
            "Kiitos avusta.",
            "Hyvin hoidettu.",
        ),
        (
            "ok",
            "Ei kommentoitavaa.",
            "Normaali käynti.",
            "Ihan tavallista.",
            "En tiedä.",
            "Kävin kontrollissa.",
            "Asia hoitui.",
        ),
        (
            "Huono kokemus.",
            "Olen pettynyt.",
            "Ei toiminut.",
            "Ei kiitos.",
            "Kurjaa.",
            "Tyytymätön.",
            "Ei näin.",
        ),
    ),
    "sv": (
        (
            "Tack!",
            "Bra service.",
            "Allt fungerade.",
            "Jag är nöjd.",
            "Jättebra.",
            "Mycket bra upplevelse.",
            "Tack för hjälpen.",
            "Väl skött.",
        ),
        (
            "ok",
            "Inget att kommentera.",
            "Ett normalt besök.",
            "Helt vanligt.",
            "Vet inte.",
            "Jag var på kontroll.",
            "Ärendet sköttes.",
        ),
        (
            "Dålig upplevelse.",
            "Jag är besviken.",
            "Fungerade inte.",
            "Nej tack.",
            "Tråkigt.",
            "Missnöjd.",
            "Inte så här.",
        ),
    ),
    "en": (
        ("Thank you!", "Good service.", "Everything worked.", "Very happy.", "Great."),
        ("ok", "Nothing to add.", "A normal visit.", "Routine check."),
        ("Bad experience.", "Disappointed.", "Did not work.", "Not good."),
    ),
}
CONNECTIVES: Final = {"fi": " Mutta ", "sv": " Men ", "en": " But "}


def _score(rng: random.Random) -> int:
    # Roughly the score distribution of public health-care feedback: mostly promoters.
    return rng.choices(range(11), weights=(3, 1, 1, 2, 2, 4, 5, 7, 12, 20, 43))[0]


def _noisy(text: str, rng: random.Random) -> str:
    if rng.random() < 0.15:
        text = text.lower()
    if rng.random() < 0.1:
        text = text.rstrip(".!")
    if rng.random() < 0.08 and len(text) > 8:
        i = rng.randrange(1, len(text) - 1)
        text = text[:i] + text[i + 1 :]  # a dropped letter
    return text


def _answer(language: str, score: int, rng: random.Random) -> tuple[str, list[str]]:
    phrases = PHRASES[language]
    band = "positive" if score >= 9 else "neutral" if score >= 7 else "negative"
    # The text agrees with the score most of the time, not always.
    mood = band
    if rng.random() < 0.15:
        mood = rng.choice([m for m in ("positive", "neutral", "negative") if m != band])
    positive, neutral, negative = GENERIC[language]
    if rng.random() < 0.25:
        pool = {"positive": positive, "neutral": neutral, "negative": negative}[mood]
        return rng.choice(pool), []
    themes = rng.sample(sorted(phrases), k=rng.choice((1, 1, 1, 2)))
    if mood == "neutral" and len(themes) == 1:
        themes.append(rng.choice([t for t in sorted(phrases) if t != themes[0]]))
    parts = []
    for index, theme in enumerate(themes):
        good, bad = phrases[theme]
        if mood == "neutral":
            parts.append(rng.choice(good if index == 0 else bad))
        else:
            parts.append(rng.choice(good if mood == "positive" else bad))
    if mood == "neutral":
        text = parts[0] + CONNECTIVES[language] + parts[1][0].lower() + parts[1][1:]
    else:
        text = " ".join(parts)
        if rng.random() < 0.3:
            closer = positive if mood == "positive" else negative
            text += " " + rng.choice(closer)
    return _noisy(text, rng), themes


def generate(seed: int = SEED) -> list[dict[str, str]]:
    """The weak-label rows: id, language, text, score, themes (``|``-separated)."""
    rng = random.Random(seed)  # noqa: S311 - a reproducible corpus, not a secret
    rows = []
    for language, size in SIZES.items():
        for index in range(size):
            score = _score(rng)
            text, themes = _answer(language, score, rng)
            rows.append(
                {
                    "id": f"w-{language}-{index:04d}",
                    "language": language,
                    "text": text,
                    "score": str(score),
                    "themes": "|".join(sorted(themes)),
                }
            )
    return rows


def main() -> None:
    """Rewrite the shipped weak-label corpus."""
    rows = generate()
    with WEAK_CORPUS_FILE.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    main()
