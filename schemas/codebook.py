"""The codebook: one sentence defining every value of every vocabulary an annotator writes.

``schemas/vocab.py`` says which values exist; this module says what each one means. The
"Vocabularies" section of seeds/README.md is rendered from both by ``scripts/codebook.py``, and
tests/test_codebook.py keeps the two in step (every value defined, no definition of a value that
does not exist). A word in backticks in a definition is a field of an annotation or a value.
"""

from __future__ import annotations

from . import vocab

# Vocabulary name (as in schemas/vocab.py) -> its values, in vocab order.
VOCABULARIES: dict[str, tuple[str, ...]] = {
    "ACTOR_KINDS": vocab.ACTOR_KINDS,
    "STATEMENT_KINDS": vocab.STATEMENT_KINDS,
    "STANCES": vocab.STANCES,
    "CHANNELS": vocab.CHANNELS,
    "EVENT_TYPES": tuple(vocab.EVENT_TYPES),
    "EVENT_STATUSES": vocab.EVENT_STATUSES,
    "EVENT_CERTAINTIES": vocab.EVENT_CERTAINTIES,
    "PARTICIPANT_ROLES": vocab.PARTICIPANT_ROLES,
    "CASUALTY_CATEGORIES": vocab.CASUALTY_CATEGORIES,
    "CASUALTY_QUALIFIERS": vocab.CASUALTY_QUALIFIERS,
    "DATE_BASES": vocab.DATE_BASES,
    "PUBLISHED_BASES": vocab.PUBLISHED_BASES,
    "ATTRIBUTIONS": vocab.ATTRIBUTIONS,
    "PLACE_PRECISIONS": vocab.PLACE_PRECISIONS,
    "DATE_PRECISIONS": vocab.DATE_PRECISIONS,
    "DATE_DIRECTIONS": vocab.DATE_DIRECTIONS,
}

DEFINITIONS: dict[str, dict[str, str]] = {
    "ACTOR_KINDS": {
        "person": "A named individual, whatever office the texts give them (kept in `title`).",
        "state": "A sovereign country as an actor, including its government when the text names it by the "
        "country or a metonym such as its capital ('Seoul', 'Moscow').",
        "government_body": "An institution of a state's government other than a ministry: a presidency, a "
        "commission, an administration.",
        "ministry": "A government ministry or department (foreign affairs, defense, the U.S. State Department).",
        "military": "A state's armed forces, as a whole or one service of them.",
        "troop_contingent": "A particular body of troops sent away from home, coded apart from the armed forces "
        "it belongs to.",
        "intelligence_agency": "A state intelligence or security service.",
        "state_media": "A news agency or newspaper run by a state, usually the channel of its government's "
        "position (see the rule 'State media').",
        "news_outlet": "A news organisation not run by a state, speaking for itself only.",
        "research_institute": "A think tank or research body, whose staff speak as analysts, not for a government.",
        "international_body": "An intergovernmental organisation or one of its organs (the UN, its Security "
        "Council), speaking as a body.",
        "group": "A collective the text treats as one voice or one party without naming its members "
        "(analysts, 'member states', the international community).",
    },
    "STATEMENT_KINDS": {
        "direct_quote": "A whole quoted utterance, the words between the marks verbatim, even with an editor's "
        "bracketed insertion kept as written.",
        "partial_quote": "A quoted fragment worked into the reporter's own sentence.",
        "paraphrase": "The reporter's account of what was said, with no quotation marks; it is located by its "
        "`anchor`.",
    },
    "STANCES": {
        "condemn": "Denounces an act or an actor as wrong ('condemned', 'denounced', 'called it a crime').",
        "accuse": "Charges an actor with a specific wrong or violation ('violates resolutions', 'bear "
        "responsibility').",
        "acknowledge": "Officially admits a fact the speaker had not admitted before, when the source's verb is "
        "'acknowledged' or 'admitted'.",
        "confirm": "Says that a reported fact is true, when the source's verb is 'confirmed'.",
        "deny": "Says that a reported fact is untrue.",
        "defend": "Justifies an act, its own or an ally's, against criticism.",
        "thank": "Expresses gratitude to an actor.",
        "praise": "Commends an actor or credits it with a result.",
        "demand": "Insists that a named actor do, or stop doing, something ('must cease', 'urged … to cease').",
        "appeal": "Calls on others, usually a wide audience such as the international community, to act or to "
        "ensure an outcome.",
        "warn": "Cautions about a danger or a consequence.",
        "pledge": "Commits the speaker to a future action.",
        "offer": "Declares the speaker ready or willing to do something for another party.",
        "reject": "Refuses a proposal, a condition or a demand.",
        "assess": "Gives an analysis, an estimate or an interpretation of a situation.",
        "predict": "Says what the speaker expects to happen.",
        "report": "Relays or describes happenings as news, taking no position of its own.",
        "announce": "Makes a decision, a plan or a fact public for the first time.",
        "hint": "Suggests a possibility without stating it.",
    },
    "CHANNELS": {
        "press_briefing": "A press briefing or remarks to reporters.",
        "written_statement": "A written statement, communiqué or article issued by the speaker.",
        "news_report": "A news report by an agency or outlet that carries or relays the words.",
        "speech": "A speech or address delivered to an audience.",
        "meeting": "A meeting, session or conference at which the words were said.",
        "interview": "An interview given to a journalist.",
        "video": "Video footage or a broadcast released by the speaker.",
        "unspecified": "The text says the words were delivered or relayed, but not how.",
    },
    "EVENT_TYPES": {
        "troop_deployment": "A state sends military forces to another country or theatre.",
        "combat_operation": "Armed forces fight or take part in military operations.",
        "military_training": "Forces train or are trained.",
        "incursion": "Armed forces enter territory held by another party.",
        "territorial_change": "Control of territory passes from one party to another (taken, reclaimed, liberated).",
        "media_release": "An actor publishes footage, photographs or documents; the event is the release, "
        "located where it was released.",
        "official_acknowledgment": "A government or one of its bodies officially admits or confirms a fact it had "
        "not acknowledged before.",
        "condemnation": "One party's reaction of condemning another's act, the happening its statements belong to.",
        "diplomatic_meeting": "Representatives of states or of international bodies meet.",
        "military_parade": "A military parade takes place or is to take place.",
        "invitation": "One party invites another to an occasion.",
        "expression_of_gratitude": "One party publicly thanks another.",
        "delegation_visit": "A delegation travels to attend an occasion or to meet a counterpart.",
        "alliance_treaty": "A treaty of alliance or mutual defense is concluded or in force.",
        "demand": "One party sets conditions or makes demands on another (ceasefire conditions).",
        "military_cooperation": "Two or more parties act together militarily (joint operations, joint responses, "
        "transfers of arms).",
    },
    "EVENT_STATUSES": {
        "occurred": "It happened and is over at the time of the report.",
        "ongoing": "It began before the report and is still going on.",
        "planned": "It is scheduled to take place after the report by those who will carry it out.",
        "expected": "It is forecast to take place after the report, but not (or not known to be) scheduled.",
    },
    "EVENT_CERTAINTIES": {
        "confirmed": "The source reports it as fact, and it has no `asserted_by`.",
        "claimed": "One party asserts it, in its own framing, and the source reports it as that party's claim; "
        "`asserted_by` names the party.",
        "hinted": "Someone suggests it may happen or have happened without saying so; `asserted_by` names who.",
        "speculative": "Analysts or observers conjecture it ('may', 'could'); `asserted_by` names them.",
    },
    "PARTICIPANT_ROLES": {
        "initiator": "The actor that carries out or starts the event.",
        "target": "The actor the event is aimed at or done to.",
        "participant": "An actor that takes part without leading the event or being its target.",
    },
    "CASUALTY_CATEGORIES": {
        "killed": "People dead ('deaths', 'killed', 'fatalities').",
        "wounded": "People injured.",
        "total_casualties": "Killed, wounded, captured and missing counted together as one figure ('casualties').",
        "captured": "People taken prisoner.",
        "missing": "People whose fate is unknown ('missing in action').",
    },
    "CASUALTY_QUALIFIERS": {
        "exact": "The figure is given without a hedge.",
        "approximately": "The figure is rounded or hedged ('approximately', 'about', 'some').",
        "estimated": "The figure is the claimant's estimate ('an estimated').",
        "at_least": "The figure is a lower bound ('at least', 'more than').",
        "at_most": "The figure is an upper bound ('up to', 'fewer than').",
    },
    "DATE_BASES": {
        "stated": "The text writes the date whole ('April 28', 'in 2024'), the year taken from the anchor when "
        "it is left out.",
        "relative": "The text writes the date relative to another ('on Monday', 'the day before', 'last "
        "November', 'in August'), and the build resolves it against that anchor.",
        "inferred": "The text writes no date: the annotator reasoned a window from other evidence, or a "
        "casualty figure defaults to the publication date.",
        "unknown": "No date can be determined: the words name none, or there is nothing to resolve them against.",
    },
    "PUBLISHED_BASES": {
        "stated": "The text gives its own publication date (a dateline or date line).",
        "inferred": "The publication day or window is reasoned from other evidence, spelled out in `published_note`.",
        "unknown": "Nothing shows when the text was published, and `published` is null.",
    },
    "ATTRIBUTIONS": {
        "explicit": "The text names the speaker, and each speaker's `as_written` gives the words that name it.",
        "inferred": "The text does not name the speaker ('what was described as'), so the annotator infers it "
        "and gives no `as_written`.",
        "outlet": "The outlet's own narration, coded as a statement whose one speaker is the document's `outlet`.",
    },
    "PLACE_PRECISIONS": {
        "point": "A site small enough for one coordinate: a square, a building.",
        "city": "A city or town, at its centre.",
        "district": "A district below a region, at its administrative seat.",
        "region": "A first-level subdivision of a country (an oblast, a province), at its seat or centre.",
        "country": "A whole country, at its geographic centre.",
    },
    "DATE_PRECISIONS": {
        "day": "A single day.",
        "month": "A calendar month ('in August', 'last November').",
        "year": "A calendar year ('in 2024').",
        "range": "Known only to lie between a first and a last possible day: an inferred window, or a date "
        "resolved against both ends of a publication window.",
        "unknown": "No date at all; written as `precision: unknown` for words that name none ('in recent months').",
    },
    "DATE_DIRECTIONS": {
        "past": "A relative date looks back from its anchor (the latest such weekday or month before it); the default.",
        "future": "A relative date looks forward from its anchor (the next such weekday or month).",
    },
}


def definition(vocabulary: str, value: str) -> str:
    """The one-sentence definition of ``value`` in ``vocabulary`` (a name of schemas/vocab.py)."""
    return DEFINITIONS[vocabulary][value]
