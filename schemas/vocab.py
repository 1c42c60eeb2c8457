"""Controlled vocabularies.

Defined once here; the annotation schemas validate seeds against them, the resource schemas
serialize with them and the OpenAPI document lists them as enums.
"""

SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
# A document id is its file name without extension, e.g. 003_4c4acd25798775f3.
SOURCE_ID_PATTERN = r"^[0-9]{3}_[0-9a-f]{16}$"
# Ids no record may have: the API routes /<resource>/facets to the facet counts.
RESERVED_IDS = ("facets",)

ACTOR_KINDS = (
    "person",
    "state",
    "government_body",
    "ministry",
    "military",
    "troop_contingent",
    "intelligence_agency",
    "state_media",
    "news_outlet",
    "research_institute",
    "international_body",
    "group",
)

STATEMENT_KINDS = ("direct_quote", "partial_quote", "paraphrase")

STANCES = (
    "condemn",
    "accuse",
    "acknowledge",
    "confirm",
    "deny",
    "defend",
    "thank",
    "praise",
    "demand",
    "appeal",
    "warn",
    "pledge",
    "offer",
    "reject",
    "assess",
    "predict",
    "report",
    "announce",
    "hint",
)

CHANNELS = (
    "press_briefing",
    "written_statement",
    "news_report",
    "speech",
    "meeting",
    "interview",
    "video",
    "unspecified",
)

# PLOVER (Political Language Ontology for Verifiable Event Records) event categories.
PLOVER_CATEGORIES = (
    "AGREE",
    "CONSULT",
    "SUPPORT",
    "CONCEDE",
    "COOPERATE",
    "AID",
    "RETREAT",
    "REQUEST",
    "ACCUSE",
    "REJECT",
    "THREATEN",
    "PROTEST",
    "SANCTION",
    "MOBILIZE",
    "COERCE",
    "ASSAULT",
)

# Event type -> default PLOVER category (None: PLOVER has no category for it).
EVENT_TYPES = {
    "troop_deployment": "MOBILIZE",
    "combat_operation": "ASSAULT",
    "military_training": "MOBILIZE",
    "incursion": "ASSAULT",
    "territorial_change": "ASSAULT",
    "media_release": None,
    "official_acknowledgment": "CONCEDE",
    "condemnation": "ACCUSE",
    "diplomatic_meeting": "CONSULT",
    "military_parade": "MOBILIZE",
    "invitation": "CONSULT",
    "expression_of_gratitude": "SUPPORT",
    "delegation_visit": "CONSULT",
    "alliance_treaty": "AGREE",
    "demand": "REQUEST",
    "military_cooperation": "COOPERATE",
}

EVENT_STATUSES = ("occurred", "ongoing", "planned", "expected")
PARTICIPANT_ROLES = ("initiator", "target", "participant")

CASUALTY_CATEGORIES = ("killed", "wounded", "total_casualties", "captured", "missing")
CASUALTY_QUALIFIERS = ("exact", "approximately", "estimated", "at_least", "at_most")

# "range": known only to lie between a first and a last possible day (an inferred window).
DATE_PRECISIONS = ("day", "month", "year", "range", "unknown")
DATE_DIRECTIONS = ("past", "future")

# How a date was determined (date_basis, as_of_basis, published_basis).
DATE_BASES = ("stated", "relative", "inferred", "unknown")
# A source's publication date is never relative to anything.
PUBLISHED_BASES = ("stated", "inferred", "unknown")

# How sure the source is that an event happened (or will), and who says so when it is not sure.
EVENT_CERTAINTIES = ("confirmed", "claimed", "hinted", "speculative")

# Who the words of a statement are attributed to: a speaker the text names ("explicit"), one the
# annotator inferred ("inferred": "what was described as"), or the outlet's own narration ("outlet").
ATTRIBUTIONS = ("explicit", "inferred", "outlet")

# How precisely a place's coordinates locate it.
PLACE_PRECISIONS = ("point", "city", "district", "region", "country")
