"""A synthetic corpus in the seeds/ format, for benchmarks and query-plan tests.

    python bench/generate.py --statements 100000 --seed 1 --out bench/work/100k/seeds

writes ``actors.yaml``, ``places.yaml`` and one ``NNN_<hash>.txt`` + ``NNN_<hash>.yaml`` pair per
article, exactly as an annotator would (coding scheme v2, see seeds/README.md): the texts are
news-style articles whose quotations are all coded statements (quotes verbatim, curly or straight
marks), paraphrases anchored on their own sentences, each speaker with the words that name it in
the sentence (one statement in twenty has two: a state and its leader), the chain a statement came
through (``via``), dates written as texts write them ("on April 28", "on Monday", "last November",
"in 2023"), events with participants, a certainty (mostly confirmed; otherwise asserted by a speaker
of the document), a place of the registry and supporting sources, and casualty claims whose anchors
carry the figure. Publication dates are stated, or (one text in ten) an inferred window. Actors come
with aliases (capital-city metonyms included) and an affiliation tree: state -> ministry ->
spokesperson, state -> UN ambassador, international body -> council. Places form a tree too:
country -> region -> city, each with its ISO 3166-2 region, coordinates and aliases; events at sea
have no place.

The output is a function of (--statements, --seed) only: documents are generated in fixed chunks,
each from its own random stream, so the worker count does not change a byte.
Build it with the same command as the seeds:

    .venv/bin/flask --app api build-db --seeds DIR --out FILE
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import random
import re
import shutil
import sys
import time
from bisect import bisect
from concurrent.futures import ProcessPoolExecutor
from itertools import accumulate
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # run as a script: the project's schemas

from schemas import vocab  # noqa: E402

CHUNK = 500  # documents per random stream
MEAN_STATEMENTS = 10  # per document (4..16)
FIRST_DAY = dt.date(2015, 1, 1)
LAST_DAY = dt.date(2025, 12, 31)

# --------------------------------------------------------------------------------------------
# The actor registry

# id, name, ISO code, adjective, aliases (metonyms first), leader title, weight
STATES = [
    ("south-korea", "South Korea", "KR", "South Korean", ["Seoul", "Republic of Korea", "ROK"], "President", 9),
    ("north-korea", "North Korea", "KP", "North Korean", ["Pyongyang", "DPRK"], "Leader", 9),
    ("russia", "Russia", "RU", "Russian", ["Moscow", "the Kremlin", "Russian Federation"], "President", 10),
    ("ukraine", "Ukraine", "UA", "Ukrainian", ["Kyiv"], "President", 9),
    ("united-states", "United States", "US", "American", ["Washington", "U.S.", "USA"], "President", 9),
    ("china", "China", "CN", "Chinese", ["Beijing", "PRC"], "President", 7),
    ("japan", "Japan", "JP", "Japanese", ["Tokyo"], "Prime Minister", 6),
    ("united-kingdom", "United Kingdom", "GB", "British", ["London", "Britain", "UK"], "Prime Minister", 4),
    ("france", "France", "FR", "French", ["Paris"], "President", 3),
    ("germany", "Germany", "DE", "German", ["Berlin"], "Chancellor", 3),
    ("poland", "Poland", "PL", "Polish", ["Warsaw"], "President", 2),
    ("india", "India", "IN", "Indian", ["New Delhi"], "Prime Minister", 2),
    ("iran", "Iran", "IR", "Iranian", ["Tehran"], "President", 2),
    ("israel", "Israel", "IL", "Israeli", ["Jerusalem"], "Prime Minister", 2),
    ("turkey", "Turkey", "TR", "Turkish", ["Ankara", "Turkiye"], "President", 2),
    ("belarus", "Belarus", "BY", "Belarusian", ["Minsk"], "President", 2),
    ("taiwan", "Taiwan", "TW", "Taiwanese", ["Taipei"], "President", 2),
    ("vietnam", "Vietnam", "VN", "Vietnamese", ["Hanoi"], "Prime Minister", 1),
    ("philippines", "Philippines", "PH", "Philippine", ["Manila"], "President", 1),
    ("australia", "Australia", "AU", "Australian", ["Canberra"], "Prime Minister", 1),
    ("canada", "Canada", "CA", "Canadian", ["Ottawa"], "Prime Minister", 1),
    ("brazil", "Brazil", "BR", "Brazilian", ["Brasilia"], "President", 1),
    ("egypt", "Egypt", "EG", "Egyptian", ["Cairo"], "President", 1),
    ("saudi-arabia", "Saudi Arabia", "SA", "Saudi", ["Riyadh"], "Crown Prince", 1),
    ("italy", "Italy", "IT", "Italian", ["Rome"], "Prime Minister", 1),
    ("sweden", "Sweden", "SE", "Swedish", ["Stockholm"], "Prime Minister", 1),
    ("finland", "Finland", "FI", "Finnish", ["Helsinki"], "President", 1),
    ("mongolia", "Mongolia", "MN", "Mongolian", ["Ulaanbaatar"], "President", 1),
    ("indonesia", "Indonesia", "ID", "Indonesian", ["Jakarta"], "President", 1),
    ("pakistan", "Pakistan", "PK", "Pakistani", ["Islamabad"], "Prime Minister", 1),
    ("syria", "Syria", "SY", "Syrian", ["Damascus"], "President", 1),
    ("qatar", "Qatar", "QA", "Qatari", ["Doha"], "Emir", 1),
]

# Bodies every state has: suffix, name pattern, kind, aliases, weight within the state's cluster.
STATE_BODIES = [
    (
        "mofa",
        "{adj} Foreign Ministry",
        "ministry",
        ["{name} Ministry of Foreign Affairs", "{metonym} foreign ministry"],
        6,
    ),
    ("mod", "{adj} Defense Ministry", "ministry", ["{name} Ministry of Defense", "{metonym} defense ministry"], 4),
    ("military", "{adj} Armed Forces", "military", ["{adj} military"], 3),
    ("intelligence", "{adj} Intelligence Service", "intelligence_agency", ["{adj} spy agency"], 2),
    ("government", "{adj} Government", "government_body", ["{adj} authorities", "{metonym} government"], 3),
]
# Persons every state has: suffix, title, parent body suffix (None: the state), weight.
STATE_PERSONS = [
    ("leader", "{leader}", None, 6),
    ("foreign-minister", "Foreign Minister", "mofa", 3),
    ("mofa-spokesperson", "Foreign Ministry spokesperson", "mofa", 5),
    ("defense-minister", "Defense Minister", "mod", 2),
    ("mod-spokesperson", "Defense Ministry spokesperson", "mod", 3),
    ("un-ambassador", "Ambassador to the UN", None, 2),
    ("army-chief", "Army Chief of Staff", "military", 1),
]
MINOR_TITLES = [
    ("lawmaker", "lawmaker", "government"),
    ("official", "senior official", "government"),
    ("diplomat", "diplomat", "mofa"),
    ("envoy", "special envoy", "mofa"),
    ("general", "General", "military"),
    ("analyst", "intelligence analyst", "intelligence"),
]

INTERNATIONAL = [
    # id, name, kind, aliases, affiliation, weight
    ("united-nations", "United Nations", "international_body", ["UN", "the world body"], None, 3),
    (
        "un-security-council",
        "UN Security Council",
        "international_body",
        ["UNSC", "Security Council"],
        "united-nations",
        3,
    ),
    ("un-secretary-general", "UN Secretary-General", "person", ["the secretary-general"], "united-nations", 2),
    ("nato", "NATO", "international_body", ["North Atlantic Treaty Organization", "the alliance"], None, 3),
    ("european-union", "European Union", "international_body", ["EU", "Brussels"], None, 3),
    ("european-commission", "European Commission", "international_body", ["the Commission"], "european-union", 1),
    (
        "iaea",
        "International Atomic Energy Agency",
        "international_body",
        ["IAEA", "the UN nuclear watchdog"],
        "united-nations",
        1,
    ),
    ("g7", "Group of Seven", "international_body", ["G7"], None, 1),
    ("asean", "Association of Southeast Asian Nations", "international_body", ["ASEAN"], None, 1),
    ("kinu", "Korea Institute for National Unification", "research_institute", ["KINU"], None, 1),
    ("isw", "Institute for the Study of War", "research_institute", ["ISW"], None, 1),
    ("rusi", "Royal United Services Institute", "research_institute", ["RUSI"], None, 1),
    ("csis", "Center for Strategic and International Studies", "research_institute", ["CSIS"], None, 1),
    ("sipri", "Stockholm International Peace Research Institute", "research_institute", ["SIPRI"], None, 1),
    ("wagner-group", "Wagner Group", "group", ["Wagner", "the mercenary group"], None, 1),
    ("hamas", "Hamas", "group", [], None, 1),
    ("houthis", "Houthis", "group", ["Ansar Allah", "Houthi rebels"], None, 1),
]
OUTLETS = [
    # id, name, kind, aliases, state affiliation (state media), domain
    ("yonhap", "Yonhap News Agency", "news_outlet", ["Yonhap"], None, "en.yna.co.kr"),
    (
        "korea-joongang-daily",
        "Korea JoongAng Daily",
        "news_outlet",
        ["JoongAng Daily"],
        None,
        "koreajoongangdaily.joins.com",
    ),
    ("kcna", "Korean Central News Agency", "state_media", ["KCNA"], "north-korea", "kcnawatch.org"),
    ("rodong-sinmun", "Rodong Sinmun", "state_media", [], "north-korea", "rodong.rep.kp"),
    ("tass", "TASS", "state_media", ["Tass News Agency"], "russia", "tass.com"),
    ("ria-novosti", "RIA Novosti", "state_media", ["RIA"], "russia", "ria.ru"),
    ("xinhua", "Xinhua News Agency", "state_media", ["Xinhua"], "china", "xinhuanet.com"),
    ("kyodo", "Kyodo News", "news_outlet", ["Kyodo"], None, "english.kyodonews.net"),
    ("reuters", "Reuters", "news_outlet", [], None, "reuters.com"),
    ("associated-press", "Associated Press", "news_outlet", ["AP"], None, "apnews.com"),
    ("nk-news", "NK News", "news_outlet", [], None, "nknews.org"),
    ("ukrinform", "Ukrinform", "state_media", [], "ukraine", "ukrinform.net"),
    ("bbc", "BBC", "news_outlet", ["British Broadcasting Corporation"], None, "bbc.com"),
    ("al-jazeera", "Al Jazeera", "news_outlet", [], None, "aljazeera.com"),
]

FIRST_NAMES = """Min-jun Seo-yeon Ji-hoon Ha-eun Joon-ho Su-bin Tae-yang Hye-jin Dong-hyun Eun-ji Sergei Olga
Dmitri Anastasia Mikhail Irina Andriy Oksana Taras Yulia Bohdan Kateryna John Mary Robert Linda James
Patricia Thomas Karen Wei Li Jun Mei Hao Xiu Hiroshi Yuki Kenji Aiko Takeshi Haruka Oliver Amelia
Pierre Claire Lukas Hanna Piotr Agnieszka Arjun Priya Reza Leila Avi Noa Mehmet Elif Nguyen Maria Jose
Lars Ingrid Aino Mikko Bat Saran Budi Ayu Imran Sana Omar Layla Khalid Noura Marco Giulia""".split()
LAST_NAMES = """Kim Lee Park Choi Jung Kang Cho Yoon Jang Lim Han Oh Seo Shin Kwon Hwang Ahn Song Ivanov
Petrov Sokolov Volkov Kuznetsov Morozov Shevchenko Kovalenko Bondarenko Tkachenko Kravchenko Smith
Johnson Williams Brown Miller Davis Wilson Taylor Anderson Wang Zhang Liu Chen Yang Zhao Huang Sato
Suzuki Takahashi Tanaka Watanabe Ito Walker Wright Dubois Martin Bernard Schmidt Weber Fischer Nowak
Kowalski Wisniewski Sharma Patel Singh Hosseini Rahimi Cohen Levi Yilmaz Kaya Tran Pham Santos
Silva Andersson Nilsson Virtanen Korhonen Enkhbold Batbayar Santoso Wijaya Khan Qureshi Haddad
Mansour Rossi Bianchi Hong Nam Baek Moon""".split()

# --------------------------------------------------------------------------------------------
# Language

MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
STANCES = list(vocab.STANCES)  # the vocabulary the build validates against, in its order
STANCE_WEIGHTS = [8, 6, 3, 5, 4, 3, 2, 2, 4, 3, 7, 3, 2, 4, 5, 3, 6, 5, 1]  # one per stance, in order
assert len(STANCE_WEIGHTS) == len(STANCES), "a weight for every stance of schemas/vocab.py"
STANCE_VERB = {
    "condemn": "condemned",
    "accuse": "accused",
    "acknowledge": "acknowledged",
    "confirm": "confirmed",
    "deny": "denied",
    "defend": "defended",
    "thank": "thanked",
    "praise": "praised",
    "demand": "demanded",
    "appeal": "appealed over",
    "warn": "warned about",
    "pledge": "pledged support over",
    "offer": "offered help with",
    "reject": "rejected",
    "assess": "assessed",
    "predict": "made a prediction about",
    "report": "reported on",
    "announce": "announced",
    "hint": "hinted at",
}
SUBJECTS = [
    "the deployment",
    "this provocation",
    "the latest missile launch",
    "our position",
    "the alliance",
    "such cooperation",
    "the sanctions regime",
    "the ceasefire",
    "the international community",
    "this so-called exercise",
    "the illegal transfer of weapons",
    "the regime",
    "our armed forces",
    "any attempt to change the status quo",
    "the peace process",
    "the border situation",
    "the humanitarian corridor",
    "the nuclear program",
    "the arms deal",
    "the occupation",
    "the treaty",
    "the strategic partnership",
    "the military buildup",
    "the negotiations",
    "the delegation",
    "the drone attacks",
    "the blockade",
    "the prisoner exchange",
    "the grain agreement",
    "the security guarantee",
]
PREDICATES = [
    "clearly violates",
    "poses a direct threat to",
    "will not change",
    "is fully consistent with",
    "undermines",
    "cannot be separated from",
    "must be judged against",
    "further destabilizes",
    "strengthens",
    "has nothing to do with",
    "is a matter for",
    "deserves the support of",
    "directly contradicts",
    "will only deepen",
    "puts at risk",
    "shows the true nature of",
    "remains essential to",
    "is the result of",
    "was coordinated with",
    "exposes the failure of",
]
OBJECTS = [
    "Security Council resolutions",
    "regional stability",
    "the security of our people",
    "international law",
    "the sovereignty of Ukraine",
    "peace on the Korean Peninsula",
    "the sanctions on Pyongyang",
    "freedom of navigation",
    "our national interests",
    "the rules-based order",
    "the interests of ordinary citizens",
    "the talks in Geneva",
    "the nonproliferation treaty",
    "the frontline in Kursk",
    "the grain exports",
    "the security of Europe",
    "the defense of the Baltic states",
    "the families of the soldiers",
    "the reconstruction effort",
    "the energy supply",
    "the air defense network",
    "the economic recovery",
    "the search for the missing",
    "the bilateral relationship",
]
ADJUNCTS = [
    "and we will respond accordingly",
    "whatever others may claim",
    "as everyone can see",
    "and this must stop",
    "and the world is watching",
    "in every possible way",
    "according to our information",
    "for years to come",
    "and we will not accept it",
    "and history will judge it",
    "without any doubt",
    "and there is no alternative",
    "as we have said many times",
    "more than ever before",
    "and that is our firm position",
    "under any circumstances",
    "at this critical moment",
    "and the evidence is clear",
    "in the coming weeks",
    "and we expect a response",
]
PARTIAL_PHRASES = [
    "a grave provocation",
    "an act of aggression",
    "a reckless gamble",
    "a crime",
    "a violation of international law",
    "a turning point",
    "a necessary step",
    "an unacceptable escalation",
    "a matter of survival",
    "pure propaganda",
    "a strategic mistake",
    "an open threat",
    "a historic opportunity",
    "a dangerous precedent",
    "a direct challenge",
    "a cynical maneuver",
    "a breach of trust",
    "an act of solidarity",
    "a gross distortion",
    "a test of resolve",
    "a sign of weakness",
    "a clear signal",
]
PARTIAL_TAILS = [
    "",
    "",
    "",
    " to the region",
    " against our people",
    " for the whole world",
    " by any standard",
    " of historic proportions",
    " with consequences",
    " for years",
]
THINGS = [
    "troop deployment",
    "missile test",
    "military drills",
    "arms shipments",
    "sanctions policy",
    "border incursion",
    "nuclear ambitions",
    "naval patrols",
    "peace proposal",
    "ceasefire offer",
    "grain deal",
    "drone strikes",
    "prisoner swap",
    "cyberattacks",
    "air defense aid",
    "energy exports",
    "mobilization plans",
    "humanitarian aid",
    "election interference",
    "satellite launch",
]
SAYING = [
    "saying it would consult its allies",
    "saying the matter was under review",
    "saying the claims were baseless",
    "saying more details would follow",
    "saying it expected a swift response",
    "saying the region could not afford escalation",
    "saying the evidence would be shared with partners",
    "saying talks remained possible",
    "saying it would raise the issue at the United Nations",
    "saying the move had been long planned",
    "without giving further details",
    "according to a readout of the call",
    "in remarks carried by local media",
    "in a post on social media",
]
FILLER = [
    "Analysts say the move could reshape the security balance in the region.",
    "The two sides have traded accusations for months.",
    "The claim could not be independently verified.",
    "Officials did not respond to requests for comment.",
    "The development comes amid growing concern over military cooperation in the region.",
    "Diplomats said further consultations were expected later in the week.",
    "Markets in the region showed little reaction to the news.",
    "The ministry later published a transcript of the briefing.",
    "The issue is expected to dominate talks at the next summit.",
    "Observers note that similar statements have been made before.",
    "The government has faced criticism at home over its handling of the crisis.",
    "Satellite imagery reviewed by researchers appeared to show new construction at the site.",
    "Both countries have denied wrongdoing.",
    "It was not immediately clear how many people were involved.",
    "The report cited unnamed sources familiar with the matter.",
]
PLACES = [
    # as written in the text, id in the place registry (None: open sea, which no country holds)
    ("the Kursk region", "kursk-oblast"),
    ("the Belgorod region", "belgorod-oblast"),
    ("Moscow", "moscow"),
    ("Vladivostok", "vladivostok"),
    ("the Donetsk region", "donetsk-oblast"),
    ("Kharkiv", "kharkiv"),
    ("Kyiv", "kyiv"),
    ("Zaporizhzhia", "zaporizhzhia"),
    ("Odesa", "odesa"),
    ("Pyongyang", "pyongyang"),
    ("Wonsan", "wonsan"),
    ("Seoul", "seoul"),
    ("Busan", "busan"),
    ("Gyeonggi Province", "gyeonggi-province"),
    ("Tokyo", "tokyo"),
    ("Okinawa", "okinawa-prefecture"),
    ("Beijing", "beijing"),
    ("Taipei", "taipei"),
    ("Washington", "washington-dc"),
    ("New York", "new-york-city"),
    ("Warsaw", "warsaw"),
    ("Minsk", "minsk"),
    ("Geneva", "geneva"),
    ("the Yellow Sea", None),
    ("the South China Sea", None),
    ("the Black Sea", None),
]
# The place registry (places.yaml): every place PLACES names, and the places they lie within.
# id, name, aliases, precision, within, ISO 3166-2 region, country, lat, lon, wikidata
PLACE_REGISTRY = [
    ("russia", "Russia", ["Russian Federation"], "country", None, None, "RU", 61.524, 105.3188, "Q159"),
    (
        "kursk-oblast",
        "Kursk Oblast",
        ["Kursk region", "Kursk"],
        "region",
        "russia",
        "RU-KRS",
        "RU",
        51.7373,
        36.1874,
        None,
    ),
    (
        "belgorod-oblast",
        "Belgorod Oblast",
        ["Belgorod region", "Belgorod"],
        "region",
        "russia",
        "RU-BEL",
        "RU",
        50.5977,
        36.5858,
        None,
    ),
    ("moscow", "Moscow", [], "city", "russia", "RU-MOW", "RU", 55.7558, 37.6173, "Q649"),
    ("primorsky-krai", "Primorsky Krai", ["Primorye"], "region", "russia", "RU-PRI", "RU", 45.0525, 135.0, None),
    ("vladivostok", "Vladivostok", [], "city", "primorsky-krai", "RU-PRI", "RU", 43.1155, 131.8855, None),
    ("ukraine", "Ukraine", [], "country", None, None, "UA", 48.3794, 31.1656, "Q212"),
    (
        "donetsk-oblast",
        "Donetsk Oblast",
        ["Donetsk region", "Donbas"],
        "region",
        "ukraine",
        "UA-14",
        "UA",
        48.0159,
        37.8028,
        None,
    ),
    ("kharkiv", "Kharkiv", ["Kharkov"], "city", "ukraine", "UA-63", "UA", 49.9935, 36.2304, None),
    ("kyiv", "Kyiv", ["Kiev"], "city", "ukraine", "UA-30", "UA", 50.4501, 30.5234, "Q1899"),
    ("zaporizhzhia", "Zaporizhzhia", ["Zaporozhye"], "city", "ukraine", "UA-23", "UA", 47.8388, 35.1396, None),
    ("odesa", "Odesa", ["Odessa"], "city", "ukraine", "UA-51", "UA", 46.4825, 30.7233, None),
    ("north-korea", "North Korea", ["DPRK"], "country", None, None, "KP", 40.3399, 127.5101, "Q423"),
    ("pyongyang", "Pyongyang", [], "city", "north-korea", "KP-01", "KP", 39.0392, 125.7625, "Q18808"),
    ("wonsan", "Wonsan", [], "city", "north-korea", "KP-07", "KP", 39.1528, 127.4436, None),
    ("south-korea", "South Korea", ["Republic of Korea"], "country", None, None, "KR", 35.9078, 127.7669, "Q884"),
    ("seoul", "Seoul", [], "city", "south-korea", "KR-11", "KR", 37.5665, 126.978, "Q8684"),
    ("busan", "Busan", ["Pusan"], "city", "south-korea", "KR-26", "KR", 35.1796, 129.0756, None),
    (
        "gyeonggi-province",
        "Gyeonggi Province",
        ["Gyeonggi"],
        "region",
        "south-korea",
        "KR-41",
        "KR",
        37.4138,
        127.5183,
        None,
    ),
    ("japan", "Japan", [], "country", None, None, "JP", 36.2048, 138.2529, "Q17"),
    ("tokyo", "Tokyo", [], "city", "japan", "JP-13", "JP", 35.6762, 139.6503, "Q1490"),
    (
        "okinawa-prefecture",
        "Okinawa Prefecture",
        ["Okinawa"],
        "region",
        "japan",
        "JP-47",
        "JP",
        26.2124,
        127.6809,
        None,
    ),
    ("china", "China", ["People's Republic of China"], "country", None, None, "CN", 35.8617, 104.1954, "Q148"),
    ("beijing", "Beijing", ["Peking"], "city", "china", "CN-BJ", "CN", 39.9042, 116.4074, "Q956"),
    ("taiwan", "Taiwan", [], "country", None, None, "TW", 23.6978, 120.9605, "Q865"),
    ("taipei", "Taipei", [], "city", "taiwan", "TW-TPE", "TW", 25.033, 121.5654, None),
    ("united-states", "United States", ["USA"], "country", None, None, "US", 39.8283, -98.5795, "Q30"),
    (
        "washington-dc",
        "Washington D.C.",  # no comma: a filter reads a comma as between two names
        ["Washington"],
        "city",
        "united-states",
        "US-DC",
        "US",
        38.9072,
        -77.0369,
        "Q61",
    ),
    (
        "new-york-city",
        "New York City",
        ["New York", "NYC"],
        "city",
        "united-states",
        "US-NY",
        "US",
        40.7128,
        -74.006,
        "Q60",
    ),
    ("poland", "Poland", [], "country", None, None, "PL", 51.9194, 19.1451, "Q36"),
    ("warsaw", "Warsaw", [], "city", "poland", "PL-14", "PL", 52.2297, 21.0122, "Q270"),
    ("belarus", "Belarus", [], "country", None, None, "BY", 53.7098, 27.9534, "Q184"),
    ("minsk", "Minsk", [], "city", "belarus", "BY-HM", "BY", 53.9006, 27.559, "Q2280"),
    ("switzerland", "Switzerland", [], "country", None, None, "CH", 46.8182, 8.2275, "Q39"),
    ("geneva", "Geneva", ["Genève"], "city", "switzerland", "CH-GE", "CH", 46.2044, 6.1432, "Q71"),
]
VILLAGES = """Sudzha Plekhovo Guevo Malaya Loknya Pogrebki Tetkino Sverdlikovo Kurilovka Bakhmut Avdiivka
Pokrovsk Vuhledar Chasiv Yar Toretsk Kupiansk Lyman Siversk Orikhiv Robotyne Kamianske Vovchansk Lyptsi
Hlyboke Krasnohorivka Novomykhailivka Velyka Novosilka Kurakhove Selydove Myrnohrad""".split()
EVENT_PHRASES = {
    # type: (past tense, participants shape)
    "troop_deployment": "deployed {n:,} troops to {place}",
    "combat_operation": "launched an assault near {village} in {place}",
    "military_training": "held joint military drills with {other} near {place}",
    "incursion": "crossed into {place} near {village}",
    "territorial_change": "took control of {village} in {place}",
    "media_release": "released video footage filmed near {village} in {place}",
    "official_acknowledgment": "officially acknowledged its forces were operating in {place}",
    "condemnation": "formally condemned the strikes on {place}",
    "diplomatic_meeting": "held talks with {other} in {place}",
    "military_parade": "staged a military parade in {place}",
    "invitation": "invited {other} to a summit in {place}",
    "expression_of_gratitude": "thanked {other} for its support in {place}",
    "delegation_visit": "sent a delegation to {place}",
    "alliance_treaty": "signed a mutual defense treaty with {other} in {place}",
    "demand": "demanded that {other} withdraw its forces from {place}",
    "military_cooperation": "agreed to expand military cooperation with {other} in {place}",
}
EVENT_TYPE_WEIGHTS = [6, 8, 4, 3, 3, 2, 2, 4, 5, 1, 1, 1, 2, 1, 2, 3]
WITH_OTHER = {
    "military_training",
    "diplomatic_meeting",
    "invitation",
    "expression_of_gratitude",
    "alliance_treaty",
    "demand",
    "military_cooperation",
}
CASUALTY_WORDS = {
    "killed": "{party} soldiers have been killed",
    "wounded": "{party} soldiers have been wounded",
    "total_casualties": "{party} troops have become casualties",
    "captured": "{party} soldiers have been taken prisoner",
    "missing": "{party} soldiers are missing",
}
QUALIFIER_WORDS = {
    "exact": "",
    "approximately": "approximately ",
    "estimated": "an estimated ",
    "at_least": "at least ",
    "at_most": "up to ",
}

# --------------------------------------------------------------------------------------------
# YAML, written the way a person writes it


_PLAIN = re.compile(r"^[A-Za-z][A-Za-z0-9 ,.'’()/-]*$")
_RESERVED = {"yes", "no", "true", "false", "on", "off", "null", "y", "n", "~"}


def scalar(value, in_flow: bool = False) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value)
    if (
        _PLAIN.match(text)
        and text.lower() not in _RESERVED
        and not text.endswith((":", " "))
        and ": " not in text
        and not (in_flow and "," in text)
    ):
        return text
    return json.dumps(text, ensure_ascii=False)


def flow(mapping: dict) -> str:
    return "{" + ", ".join(f"{k}: {scalar(v, True)}" for k, v in mapping.items() if v is not None) + "}"


def flow_list(values) -> str:
    return "[" + ", ".join(scalar(v, True) for v in values) + "]"


def flow_maps(mappings) -> str:
    return "[" + ", ".join(flow(m) for m in mappings) + "]"


# --------------------------------------------------------------------------------------------
# The registry


def make_actors(statements: int, seed: int) -> list[dict]:
    rng = random.Random(f"actors:{seed}")
    actors: list[dict] = []
    taken: set[str] = set()

    def norm(value: str) -> str:
        return " ".join(value.casefold().split())

    def add(
        actor_id,
        name,
        kind,
        *,
        country=None,
        aliases=(),
        title=None,
        affiliation=None,
        weight=0.0,
        mention=None,
        party=None,
        wikidata=None,
    ):
        keys = [norm(actor_id.replace("-", " ")), norm(name)]
        if any(k in taken for k in keys[1:]) or (keys[0] in taken and keys[0] != keys[1]):
            return None
        good = []
        for alias in aliases:
            key = norm(alias)
            if key not in taken and key not in keys and key not in {norm(a) for a in good}:
                good.append(alias)
        taken.update(keys)
        taken.update(norm(a) for a in good)
        actor = {
            "id": actor_id,
            "name": name,
            "kind": kind,
            "country": country,
            "aliases": good,
            "title": title,
            "affiliation": affiliation,
            "wikidata": wikidata,
            "_weight": weight,
            "_mentions": [mention or name, *good] if kind != "person" else [mention or name],
            "_party": party,
        }
        actors.append(actor)
        return actor

    wikidata = {
        "south-korea": "Q884",
        "north-korea": "Q423",
        "russia": "Q159",
        "ukraine": "Q212",
        "united-states": "Q30",
        "china": "Q148",
        "japan": "Q17",
    }

    def person_name() -> str:
        for _ in range(1000):
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            if norm(name) not in taken:
                return name
        raise RuntimeError("ran out of person names")

    def slug(value: str) -> str:
        return re.sub(r"[^a-z0-9]+", "-", value.lower()).strip("-")

    minor_total = 40 + statements // 400
    for sid, name, code, adj, metonyms, leader, weight in STATES:
        metonym = metonyms[0]
        add(
            sid,
            name,
            "state",
            country=code,
            aliases=metonyms + [f"{adj} government officials"],
            weight=weight * 4,
            wikidata=wikidata.get(sid),
        )
        bodies = {}
        for suffix, pattern, kind, aliases, w in STATE_BODIES:
            fill = dict(adj=adj, name=name, metonym=metonym)
            body = add(
                f"{sid}-{suffix}",
                pattern.format(**fill),
                kind,
                country=code,
                aliases=[a.format(**fill) for a in aliases],
                affiliation=sid,
                weight=weight * w * 0.6,
                party=f"{adj}" if kind == "military" else None,
            )
            bodies[suffix] = body["id"] if body else sid
        for suffix, title, parent, w in STATE_PERSONS:
            title = title.format(leader=leader)
            pname = person_name()
            add(
                f"{sid}-{suffix}-{slug(pname)}",
                pname,
                "person",
                country=code,
                aliases=[f"{adj} {title} {pname}"] if rng.random() < 0.5 else [],
                title=title if suffix != "un-ambassador" else f"{adj} {title}",
                affiliation=bodies.get(parent, sid) if parent else sid,
                weight=weight * w * 0.5,
                mention=f"{adj} {title} {pname}" if suffix != "leader" else f"{title} {pname}",
            )
        for contingent_target in ("russia", "ukraine", "belarus"):
            if sid in ("north-korea", "russia", "ukraine", "belarus", "united-states") and sid != contingent_target:
                tname = next(s[1] for s in STATES if s[0] == contingent_target)
                add(
                    f"{sid}-forces-in-{contingent_target}",
                    f"{adj} forces in {tname}",
                    "troop_contingent",
                    country=code,
                    affiliation=bodies["military"],
                    weight=weight * 0.3,
                    party=adj,
                )
    for aid, name, kind, aliases, parent, weight in INTERNATIONAL:
        add(aid, name, kind, aliases=aliases, affiliation=parent, weight=weight * 3)
    for oid, name, kind, aliases, parent, _domain in OUTLETS:
        add(
            oid,
            name,
            kind,
            country=None if parent is None else next(s[2] for s in STATES if s[0] == parent),
            aliases=aliases,
            affiliation=parent,
            weight=0.5,
        )
    states = [s for s in STATES]
    for i in range(minor_total):
        sid, sname, code, adj, *_rest, weight = states[min(int(rng.paretovariate(1.2)) - 1, len(states) - 1)]
        role, title, parent = rng.choice(MINOR_TITLES)
        pname = person_name()
        add(
            f"{slug(pname)}-{i}",
            pname,
            "person",
            country=code,
            title=f"{adj} {title}",
            affiliation=f"{sid}-{parent}",
            weight=weight * 0.15,
            mention=f"{adj} {title} {pname}",
        )
    for actor in actors:
        actor["_weight"] = max(actor["_weight"], 0.05)
    return actors


def write_actors(actors: list[dict], path: Path) -> None:
    lines = ["# Synthetic actor registry written by bench/generate.py", "actors:"]
    for a in actors:
        lines.append(f"  - id: {a['id']}")
        lines.append(f"    name: {scalar(a['name'])}")
        lines.append(f"    kind: {a['kind']}")
        lines.append(f"    country: {scalar(a['country'])}")
        lines.append(f"    aliases: {flow_list(a['aliases'])}")
        lines.append(f"    title: {scalar(a['title'])}")
        lines.append(f"    affiliation: {scalar(a['affiliation'])}")
        if a["wikidata"]:
            lines.append(f"    wikidata: {a['wikidata']}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_places(path: Path) -> None:
    lines = ["# Synthetic place registry written by bench/generate.py", "places:"]
    for pid, name, aliases, precision, within, region, country, lat, lon, wikidata in PLACE_REGISTRY:
        lines.append(f"  - id: {pid}")
        lines.append(f"    name: {scalar(name)}")
        lines.append(f"    aliases: {flow_list(aliases)}")
        lines.append(f"    precision: {precision}")
        lines.append(f"    within: {scalar(within)}")
        lines.append(f"    region: {scalar(region)}")
        lines.append(f"    country: {scalar(country)}")
        lines.append(f"    lat: {lat}")
        lines.append(f"    lon: {lon}")
        if wikidata:
            lines.append(f"    wikidata: {wikidata}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


# --------------------------------------------------------------------------------------------
# Documents


class Context:
    """What every worker needs: the actors with their sampling tables."""

    def __init__(self, actors: list[dict]):
        self.actors = actors
        self.by_id = {a["id"]: a for a in actors}
        speakers = [a for a in actors if a["kind"] not in ("news_outlet",)]
        self.speakers = speakers
        self.speaker_cum = list(accumulate(a["_weight"] for a in speakers))
        states = [a for a in actors if a["kind"] in ("state", "international_body", "group")]
        self.targets = states
        self.target_cum = list(accumulate(a["_weight"] for a in states))
        self.outlets = [a for a in actors if a["kind"] in ("news_outlet", "state_media")]
        self.parties = [a for a in actors if a["_party"]]
        self.claimants = [
            a
            for a in actors
            if a["kind"]
            in ("ministry", "intelligence_agency", "military", "state", "research_institute", "government_body")
        ]
        # A state and its leader speak together now and then ("Moscow and President ... said").
        self.leader_of = {
            a["affiliation"]: a
            for a in actors
            if a["kind"] == "person" and a["affiliation"] and a["id"].startswith(f"{a['affiliation']}-leader-")
        }
        self.led_states = [a for a in actors if a["kind"] == "state" and a["id"] in self.leader_of]
        self.led_state_cum = list(accumulate(a["_weight"] for a in self.led_states))
        self.stance_cum = list(accumulate(STANCE_WEIGHTS))
        self.event_cum = list(accumulate(EVENT_TYPE_WEIGHTS))
        self.event_types = list(EVENT_PHRASES)


def pick(rng, items, cum):
    return items[bisect(cum, rng.random() * cum[-1])]


def mention(rng, actor) -> str:
    return rng.choice(actor["_mentions"])


def possessive(name: str) -> str:
    return name + ("’" if name.endswith("s") else "’s")


def cap(sentence: str) -> str:
    return sentence[0].upper() + sentence[1:]


def when_for(rng, published: dt.date):
    """(text as written, the day or None) for a statement or event reported on ``published``."""
    r = rng.random()
    if r < 0.50:
        day = published - dt.timedelta(days=rng.randint(0, 9))
        written = f"{MONTHS[day.month - 1]} {day.day}"
        if day.year != published.year or rng.random() < 0.1:
            written += f", {day.year}"
        return f"on {written}"
    if r < 0.65:
        day = published - dt.timedelta(days=rng.randint(0, 6))
        return f"on {WEEKDAYS[day.weekday()]}"
    if r < 0.70:
        return "the day before"
    if r < 0.80:
        month = rng.choice([m for m in range(1, 13) if m != published.month])
        return f"last {MONTHS[month - 1]}"
    if r < 0.85:
        return f"in {published.year - rng.randint(0, 2)}"
    return None


def doc_plan(seed: int, statements: int) -> list[int]:
    """How many statements each document gets: deterministic, summing to ``statements``."""
    rng = random.Random(f"plan:{seed}:{statements}")
    counts, left = [], statements
    while left > 0:
        n = min(left, rng.randint(4, 2 * MEAN_STATEMENTS - 4))
        counts.append(n)
        left -= n
    return counts


def generate_chunk(args) -> tuple[int, int, int, int]:
    """Write the documents of one chunk; returns (documents, statements, events, casualties)."""
    seed, chunk_index, counts, first_doc, out_dir, ctx = args
    rng = random.Random(f"chunk:{seed}:{chunk_index}")
    out_dir = Path(out_dir)
    previous = None  # (source id, an event anchor, event id) of the chunk's previous document
    totals = [0, 0, 0, 0]
    span_days = (LAST_DAY - FIRST_DAY).days
    for k, n_statements in enumerate(counts):
        doc_index = first_doc + k
        published = FIRST_DAY + dt.timedelta(days=rng.randint(0, span_days))
        doc = Document(rng, ctx, doc_index, published, seed)
        doc.fill(n_statements, previous)
        source_id = doc.source_id
        (out_dir / f"{source_id}.txt").write_text(doc.text, encoding="utf-8")
        (out_dir / f"{source_id}.yaml").write_text(doc.annotation(), encoding="utf-8")
        if doc.events:
            previous = (source_id, doc.events[0]["anchor"], doc.events[0]["id"])
        totals[0] += 1
        totals[1] += len(doc.statements)
        totals[2] += len(doc.events)
        totals[3] += len(doc.casualties)
    return tuple(totals)


def b36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, r = divmod(number, 36)
        out = digits[r] + out
        if number == 0:
            return out


class Document:
    def __init__(self, rng, ctx: Context, index: int, published: dt.date, seed: int):
        self.rng, self.ctx, self.index, self.published = rng, ctx, index, published
        self.tag = b36(index)
        digest = hashlib.sha256(f"{seed}:{index}".encode()).hexdigest()[:16]
        self.source_id = f"{index % 1000:03d}_{digest}"
        self.outlet = rng.choice(ctx.outlets)
        # Most texts carry a dateline; one in ten is dated by inference only, to a window around the day.
        self.published_window: tuple[dt.date, dt.date] | None = None
        if rng.random() < 0.1:
            self.published_window = (
                published - dt.timedelta(days=rng.randint(0, 3)),
                published + dt.timedelta(days=rng.randint(1, 6)),
            )
        self.paragraphs: list[list[str]] = []
        self.statements: list[dict] = []
        self.events: list[dict] = []
        self.casualties: list[dict] = []
        self.quotes: set[str] = set()
        self.text = ""

    # -- sentences -------------------------------------------------------------------------

    def quote_text(self) -> str:
        rng = self.rng
        for _ in range(20):
            words = f"{rng.choice(SUBJECTS)} {rng.choice(PREDICATES)} {rng.choice(OBJECTS)}"
            if rng.random() < 0.6:
                words += f", {rng.choice(ADJUNCTS)}"
            words = cap(words)
            if not any(words in q or q in words for q in self.quotes):
                self.quotes.add(words)
                return words
        return None

    def partial_text(self) -> str:
        for _ in range(20):
            words = self.rng.choice(PARTIAL_PHRASES) + self.rng.choice(PARTIAL_TAILS)
            if not any(words in q or q in words for q in self.quotes):
                self.quotes.add(words)
                return words
        return None

    def statement(self, i: int, events: list[dict]) -> tuple[str, dict] | None:
        rng, ctx = self.rng, self.ctx
        if rng.random() < 0.05:
            # Two speakers: a state and its leader ("Moscow and President ... said").
            state = pick(rng, ctx.led_states, ctx.led_state_cum)
            speakers = [state, ctx.leader_of[state["id"]]]
        else:
            speakers = [pick(rng, ctx.speakers, ctx.speaker_cum)]
        speaker_ids = [s["id"] for s in speakers]
        stance = pick(rng, STANCES, ctx.stance_cum)
        targets = []
        for _ in range(rng.choice((0, 1, 1, 1, 2))):
            target = pick(rng, ctx.targets, ctx.target_cum)
            if target["id"] not in speaker_ids and target["id"] not in targets:
                targets.append(target["id"])
        mentions = [mention(rng, s) for s in speakers]
        when = when_for(rng, self.published)
        w = f" {when}" if when else ""
        open_q, close_q = ("“", "”") if rng.random() < 0.85 else ('"', '"')
        r = rng.random()
        first = True  # does the sentence open with the speakers (capitalized)?
        if r < 0.4 and (quote := self.quote_text()):
            form = rng.randrange(3)
            first = form == 0
            who = " and ".join([cap(mentions[0]), *mentions[1:]] if first else mentions)
            if form == 0:
                sentence = f"{who} said{w}: {open_q}{quote}.{close_q}"
            elif form == 1:
                sentence = f"{open_q}{quote},{close_q} {who} told reporters{w}."
            else:
                sentence = f"{open_q}{quote},{close_q} {who} said in a statement{w}."
            record = dict(quote=quote, kind="direct_quote")
        elif r < 0.65 and (quote := self.partial_text()):
            thing = rng.choice(THINGS)
            who = " and ".join([cap(mentions[0]), *mentions[1:]])
            sentence = f"{who} described the {thing}{w} as {open_q}{quote}.{close_q}"
            record = dict(quote=quote, kind="partial_quote")
        else:
            thing = rng.choice(THINGS)
            about = f"{possessive(mention(rng, ctx.by_id[targets[0]]))} {thing}" if targets else f"the {thing}"
            who = " and ".join([cap(mentions[0]), *mentions[1:]])
            sentence = f"{who} {STANCE_VERB[stance]} {about}{w}, {rng.choice(SAYING)}."
            record = dict(anchor=sentence[:-1], kind="paraphrase")
        # Each speaker as the sentence names it: the words are in the statement's own paragraph.
        written = [cap(mentions[0]), *mentions[1:]] if first else mentions
        record = {
            "id": f"{stance}-{self.tag}-{i}",
            "speakers": [{"actor": s["id"], "as_written": words} for s, words in zip(speakers, written, strict=True)],
            **record,
        }
        names = " and ".join(s["name"] for s in speakers)
        record.update(
            stance=stance,
            summary=f"{names} {STANCE_VERB[stance]} "
            + (
                f"{possessive(ctx.by_id[targets[0]]['name'])} {rng.choice(THINGS)}."
                if targets
                else f"the {rng.choice(THINGS)}."
            ),
            targets=targets,
        )
        if rng.random() < 0.25:
            # The chain it came through: how it was first delivered, then the outlet that relayed it.
            channel = rng.choice(["press_briefing", "written_statement", "speech", "interview", "video"])
            relay = {"actor": rng.choice(ctx.outlets)["id"], "channel": "news_report"}
            r = rng.random()
            if r < 0.4:
                record["via"] = [{"channel": channel}, relay]
            elif r < 0.7:
                record["via"] = [{"channel": channel}]
            else:
                record["via"] = [relay]
        if when:
            record["when"] = {"text": when}
        if events and rng.random() < 0.3:
            record["event"] = rng.choice(events)["id"]
        return sentence, record

    def event(self, i: int, previous) -> tuple[str, dict] | None:
        rng, ctx = self.rng, self.ctx
        etype = pick(rng, ctx.event_types, ctx.event_cum)
        initiator = pick(rng, ctx.targets, ctx.target_cum)
        other = pick(rng, ctx.targets, ctx.target_cum)
        if other["id"] == initiator["id"]:
            other = None
        if etype in WITH_OTHER and other is None:
            return None
        place = rng.choice(PLACES)
        phrase = EVENT_PHRASES[etype].format(
            n=rng.randrange(500, 20000, 100),
            place=place[0],
            village=rng.choice(VILLAGES),
            other=mention(rng, other) if other else "",
        )
        status = rng.choices(["occurred", "ongoing", "planned", "expected"], [80, 10, 5, 5])[0]
        who = cap(mention(rng, initiator))
        if status in ("occurred", "ongoing"):
            when = when_for(rng, self.published)
            anchor = f"{who} {phrase}" + (f" {when}" if when else "")
        else:
            when = None
            anchor = (
                f"{who} is expected to have {phrase}" if status == "expected" else f"{who} has planned to have {phrase}"
            )
        participants = [{"actor": initiator["id"], "role": "initiator"}]
        if other and etype in WITH_OTHER:
            participants.append({"actor": other["id"], "role": "target" if etype == "demand" else "participant"})
        record = {
            "id": f"{etype.replace('_', '-')}-{self.tag}-{i}",
            "type": etype,
            "status": status,
            "certainty": "confirmed",  # decided in fill(), once the document's statements are known
            "title": f"{initiator['name']} {phrase.split(' with ')[0].split(' near ')[0]}",
            "description": f"{initiator['name']} {phrase}.",
            "participants": participants,
            "anchor": anchor,
        }
        if place[1] is not None:  # open sea is in no country, so in no registry place
            record["location"] = {"place": place[1], "as_written": place[0] if rng.random() < 0.9 else None}
        if when:
            record["when"] = {"text": when}
        if previous and rng.random() < 0.15:
            record["also_reported_in"] = [{"source": previous[0], "anchor": previous[1]}]
        if previous and rng.random() < 0.05:
            record["related"] = [previous[2]]
        return anchor + ".", record

    def casualty(self, i: int) -> list[tuple[str, dict]]:
        rng, ctx = self.rng, self.ctx
        party = rng.choice(ctx.parties)
        claimant = rng.choice(ctx.claimants)
        category = rng.choice(list(CASUALTY_WORDS))
        qualifier = rng.choice(list(QUALIFIER_WORDS))
        value = rng.choice([rng.randrange(10, 1000), rng.randrange(100, 50000, 100)])
        words = CASUALTY_WORDS[category].format(party=party["_party"])
        anchor = f"{QUALIFIER_WORDS[qualifier]}{value:,} {words}"
        record = {
            "id": f"casualty-{self.tag}-{i}",
            "party": party["id"],
            "category": category,
            "value": value,
            "qualifier": qualifier,
            "claimed_by": claimant["id"],
            "anchor": anchor,
        }
        if qualifier == "at_least":
            record["low"] = value
        sentence = f"According to {mention(rng, claimant)}, {anchor}"
        place = None
        if rng.random() < 0.2:
            place = rng.choice([p for p in PLACES if p[1] is not None])
            sentence += f" in {place[0]}"
        out = [record]
        if category == "total_casualties" and value >= 100 and rng.random() < 0.5:
            part = rng.randrange(1, value // 5)
            q2 = rng.choice(["approximately", "exact", "at_least"])
            sub_anchor = f"including {QUALIFIER_WORDS[q2]}{part:,} deaths"
            out.append(
                {
                    "id": f"casualty-{self.tag}-{i}-killed",
                    "party": party["id"],
                    "category": "killed",
                    "value": part,
                    "qualifier": q2,
                    "claimed_by": claimant["id"],
                    "anchor": sub_anchor,
                    "part_of": record["id"],
                }
            )
            sentence += f", {sub_anchor}"
        if rng.random() < 0.3:
            as_of = when_for(rng, self.published)
            if as_of:
                sentence += f" as of {as_of.removeprefix('on ')}" if as_of.startswith("on ") else f" {as_of}"
                for rec in out:
                    rec["as_of"] = {"text": as_of.removeprefix("on ")}
        if place is not None:
            for rec in out:
                rec["location"] = {"place": place[1], "as_written": place[0]}
        return [(sentence + ".", out)]

    # -- assembling ------------------------------------------------------------------------

    def fill(self, n_statements: int, previous) -> None:
        rng = self.rng
        sentences: list[tuple[str, str, object]] = []  # (sentence, kind, record(s))
        n_events = rng.choices([0, 1, 2, 3], [35, 35, 20, 10])[0]
        for i in range(n_events):
            made = self.event(i, previous)
            if made:
                sentences.append((made[0], "event", made[1]))
        events = [s[2] for s in sentences]
        for i in range(n_statements):
            sentence, record = self.statement(i, events)
            sentences.append((sentence, "statement", record))
        for i in range(rng.choices([0, 0, 0, 1, 1, 2], k=1)[0]):
            for sentence, records in self.casualty(i):
                sentences.append((sentence, "casualty", records))
        rng.shuffle(sentences)
        for _ in range(rng.randint(1, 4)):
            sentences.insert(rng.randrange(len(sentences) + 1), (rng.choice(FILLER), "filler", None))

        # Paragraphs of 1-3 sentences, an image now and then, a byline at the end.
        lines = []
        if rng.random() < 0.6:
            lines.append(self.image_line())
        pos = 0
        while pos < len(sentences):
            take = rng.randint(1, 3)
            lines.append(" ".join(s[0] for s in sentences[pos : pos + take]))
            pos += take
            if rng.random() < 0.08:
                lines.append(self.image_line())
        name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}".upper()
        lines.append(f"BY {name} [{name.split()[-1].lower()}.{b36(self.index)}@example.com]")
        text = "\n".join(lines) + "\n"

        # Keep only what the build can anchor exactly once (collisions are rare but possible).
        def once(needle):
            return needle is not None and text.count(needle) == 1

        for _sentence, kind, rec in sentences:
            if kind == "statement":
                if once(rec.get("quote") or rec.get("anchor")):
                    self.statements.append(rec)
                elif "quote" in rec:
                    raise RuntimeError(f"{self.source_id}: quotation {rec['quote']!r} not unique")
            elif kind == "event" and once(rec["anchor"]):
                self.events.append(rec)
            elif kind == "casualty":
                self.casualties.extend(r for r in rec if once(r["anchor"]))
        event_ids = {e["id"] for e in self.events}
        casualty_ids = {c["id"] for c in self.casualties}
        for rec in self.statements:
            if rec.get("event") not in event_ids:
                rec.pop("event", None)
        for rec in self.casualties:
            if rec.get("part_of") not in casualty_ids:
                rec.pop("part_of", None)
            by_claimant = [
                s["id"] for s in self.statements if any(sp["actor"] == rec["claimed_by"] for sp in s["speakers"])
            ]
            if by_claimant and rng.random() < 0.5:
                rec["statement"] = by_claimant[0]
        for ev in self.events:
            self.certainty(ev)
        self.text = text

    def certainty(self, ev: dict) -> None:
        """Most events are reported as fact; the rest are someone's claim, hint or speculation,
        asserted by who speaks of it in the document (else by another speaker, else its initiator)."""
        rng = self.rng
        ev["certainty"] = rng.choices(["confirmed", "claimed", "hinted", "speculative"], [80, 12, 5, 3])[0]
        if ev["certainty"] == "confirmed":
            return
        initiator = ev["participants"][0]["actor"]
        about = [sp["actor"] for s in self.statements if s.get("event") == ev["id"] for sp in s["speakers"]]
        anyone = [sp["actor"] for s in self.statements for sp in s["speakers"]]
        claimant = rng.choice(about or anyone or [initiator])
        ev["asserted_by"] = [claimant]
        if claimant != initiator and rng.random() < 0.1:
            ev["asserted_by"].append(initiator)

    def image_line(self) -> str:
        rng = self.rng
        credit = rng.choice(["YONHAP", "REUTERS", "SCREEN CAPTURE", "AP", "JOONGANG ILBO", "TASS"])
        place = rng.choice(PLACES)[0]
        return (
            f"![Soldiers are seen in {place} in a photo released on {MONTHS[self.published.month - 1]} "
            f"{self.published.day} [{credit}]](https://images.example.com/{self.published:%Y/%m/%d}/"
            f"{hashlib.md5(f'{self.index}:{rng.random()}'.encode()).hexdigest()}.jpg)"
        )

    def annotation(self) -> str:
        rng = self.rng
        first = self.statements[0]["summary"] if self.statements else "Events in the region."
        out = [
            "document:",
            f"  title: {scalar(self.title())}",
            f"  outlet: {self.outlet['id']}",
            f"  outlet_basis: {scalar('the byline and image URLs name the outlet')}",
            *self.published_lines(),
            "  language: en",
            f"  summary: {scalar(first)}",
        ]
        if rng.random() < 0.5:
            out.append(f"  url: https://{self.outlet['id']}.example.com/article/{self.source_id}")
        out.append("statements:" if self.statements else "statements: []")
        for s in self.statements:
            out.append(f"  - id: {s['id']}")
            out.append(f"    speakers: {flow_maps(s['speakers'])}")
            if "quote" in s:
                out.append(f"    quote: {scalar(s['quote'])}")
            if "anchor" in s:
                out.append(f"    anchor: {scalar(s['anchor'])}")
            out.append(f"    kind: {s['kind']}")
            out.append(f"    stance: {s['stance']}")
            out.append(f"    summary: {scalar(s['summary'])}")
            if s["targets"]:
                out.append(f"    targets: {flow_list(s['targets'])}")
            if "via" in s:
                out.append(f"    via: {flow_maps(s['via'])}")
            if "when" in s:
                out.append(f"    when: {flow(s['when'])}")
            if "event" in s:
                out.append(f"    event: {s['event']}")
        if self.events:
            out.append("events:")
        for e in self.events:
            out.append(f"  - id: {e['id']}")
            out.append(f"    type: {e['type']}")
            out.append(f"    status: {e['status']}")
            out.append(f"    certainty: {e['certainty']}")
            if e.get("asserted_by"):
                out.append(f"    asserted_by: {flow_list(e['asserted_by'])}")
            out.append(f"    title: {scalar(e['title'])}")
            out.append(f"    description: {scalar(e['description'])}")
            out.append("    participants:")
            for p in e["participants"]:
                out.append(f"      - {flow(p)}")
            if "location" in e:
                out.append(f"    location: {flow(e['location'])}")
            if "when" in e:
                out.append(f"    when: {flow(e['when'])}")
            out.append(f"    anchor: {scalar(e['anchor'])}")
            if "also_reported_in" in e:
                out.append("    also_reported_in:")
                for extra in e["also_reported_in"]:
                    out.append(f"      - {flow(extra)}")
            if "related" in e:
                out.append(f"    related: {flow_list(e['related'])}")
        if self.casualties:
            out.append("casualties:")
        for c in self.casualties:
            out.append(f"  - id: {c['id']}")
            for key in ("party", "category", "value", "low", "qualifier", "claimed_by"):
                if key in c:
                    out.append(f"    {key}: {scalar(c[key])}")
            out.append(f"    anchor: {scalar(c['anchor'])}")
            for key in ("as_of", "location"):
                if key in c:
                    out.append(f"    {key}: {flow(c[key])}")
            for key in ("part_of", "statement"):
                if key in c:
                    out.append(f"    {key}: {c[key]}")
        return "\n".join(out) + "\n"

    def published_lines(self) -> list[str]:
        if self.published_window is None:
            return [
                f"  published: {self.published.isoformat()}",
                "  published_basis: stated",
                f"  published_note: {scalar('The dateline gives the day.')}",
            ]
        first, last = self.published_window
        note = (
            "A window, inferred: the text has no dateline; it reports the dates it gives as recent news, "
            "so it was published within days of the latest of them."
        )
        return [
            f"  published: {{not_before: {first.isoformat()}, not_after: {last.isoformat()}}}",
            "  published_basis: inferred",
            f"  published_note: {scalar(note)}",
        ]

    def title(self) -> str:
        if self.events:
            return self.events[0]["title"]
        if self.statements:
            return self.statements[0]["summary"].rstrip(".")
        return "Regional security roundup"


# --------------------------------------------------------------------------------------------


def generate(statements: int, seed: int, out_dir: Path, workers: int | None = None) -> dict:
    out_dir = Path(out_dir)
    if out_dir.exists():
        shutil.rmtree(out_dir)
    out_dir.mkdir(parents=True)
    actors = make_actors(statements, seed)
    write_actors(actors, out_dir / "actors.yaml")
    write_places(out_dir / "places.yaml")
    ctx = Context(actors)
    counts = doc_plan(seed, statements)
    jobs = []
    for chunk_index, first in enumerate(range(0, len(counts), CHUNK)):
        jobs.append((seed, chunk_index, counts[first : first + CHUNK], first, str(out_dir), ctx))
    workers = workers or min(os.cpu_count() or 1, 4)
    totals = [0, 0, 0, 0]
    if workers == 1 or len(jobs) == 1:
        results = map(generate_chunk, jobs)
    else:
        pool = ProcessPoolExecutor(workers)
        results = pool.map(generate_chunk, jobs, chunksize=1)
    for result in results:
        totals = [a + b for a, b in zip(totals, result, strict=True)]
    if workers != 1 and len(jobs) > 1:
        pool.shutdown()
    return {
        "actors": len(actors),
        "documents": totals[0],
        "statements": totals[1],
        "events": totals[2],
        "casualties": totals[3],
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--statements", type=int, required=True, help="How many statements (about 10 per document).")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--out", type=Path, required=True, help="Folder to write (replaced if it exists).")
    parser.add_argument("--workers", type=int, default=None)
    args = parser.parse_args(argv)
    started = time.monotonic()
    totals = generate(args.statements, args.seed, args.out, args.workers)
    print(
        f"generated {args.out} in {time.monotonic() - started:.1f} s: "
        + ", ".join(f"{v} {k}" for k, v in totals.items()),
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
