"""Coding scheme v2: what the data says about how sure each fact is, who asserts it and where it
is, the three audit errors, and the judgement calls of seeds/README.md, each proved against the
seeds (through the API) and against a broken copy of them (through the build)."""

import sqlite3

import pytest

from api import create_app
from api.db import SCHEMA_VERSION as API_SCHEMA_VERSION
from api.db import DatabaseCorrupt
from data.build.write import SCHEMA_VERSION as BUILD_SCHEMA_VERSION

from .conftest import SEEDS, get_all, get_json
from .test_build import DOC, OTHER, edit, errors_of

TEXT = {name: (SEEDS / f"{name}.txt").read_text(encoding="utf-8") for name in (DOC, OTHER)}


def speakers(statement):
    return [s["actor"]["id"] for s in statement["speakers"]]


# --- the three audit errors -------------------------------------------------------------------


def test_un_member_states_speak_for_themselves_not_for_the_council(client):
    council = get_all(client, "/statements?actor=UNSC")
    assert all("unsc-member-states" not in speakers(s) for s in council)
    members = get_json(client, "/actors/unsc-member-states")
    assert members["affiliation"] is None
    condemned = get_json(client, "/statements/unsc-members-condemn-deployment")
    assert condemned["speakers"][0]["as_written"] == "member states"


def test_both_kcna_reports_are_north_korea_speaking_through_kcna(client):
    for statement_id in ("pyongyang-confirms-combat-role-via-kcna", "kcna-cites-ukrainian-incursion-and-treaty"):
        statement = get_json(client, f"/statements/{statement_id}")
        assert speakers(statement) == ["north-korea"], statement_id
        assert [link["actor"]["id"] for link in statement["via"]] == ["kcna"], statement_id
    assert {s["id"] for s in get_all(client, "/statements?actor=KCNA")} == set()  # the agency is the channel


def test_summaries_say_what_the_speaker_said(client):
    summary = get_json(client, "/statements/hong-min-russia-uses-kursk-victory")["summary"]
    assert "shift the deadlock in the negotiation phase" in summary and "break" not in summary


# --- several speakers, as written, and the chain a statement came through ---------------------


def test_a_statement_made_by_two_speakers_is_found_under_either(client):
    joint = "russia-acknowledges-deployment-april-26"
    statement = get_json(client, f"/statements/{joint}")
    assert speakers(statement) == ["russia", "vladimir-putin"]
    assert [s["as_written"] for s in statement["speakers"]] == ["The Russian government", "President Vladimir Putin"]
    by_putin = {s["id"] for s in get_all(client, "/statements?actor=Putin&include_affiliates=false")}
    assert joint in by_putin
    assert joint in {s["id"] for s in get_all(client, "/statements?actor=Russia&include_affiliates=false")}
    assert get_json(client, "/actors/vladimir-putin")["statement_count"] == len(by_putin)


def test_every_speaker_as_written_is_where_its_span_says(client):
    for statement in get_all(client, "/statements"):
        text = TEXT[statement["source"]["id"]]
        for speaker in statement["speakers"]:
            if speaker["as_written"] is None:
                assert speaker["span"] is None
                continue
            span = speaker["span"]
            assert text[span["start"] : span["end"]] == speaker["as_written"], statement["id"]
            if statement["quote"] is not None:  # named outside the quotation, never inside it
                quoted = statement["span"]
                assert span["end"] <= quoted["start"] or span["start"] >= quoted["end"], statement["id"]
    peskov = get_json(client, "/statements/peskov-russia-ready-to-send-troops")
    named, quoted = peskov["speakers"][0]["span"], peskov["span"]
    assert TEXT[OTHER].rfind("Kremlin spokesman Dmitry Peskov", 0, quoted["start"]) == named["start"]


def test_inferred_speakers_and_the_outlets_own_voice_are_marked(client):
    tass = get_json(client, "/statements/tass-describes-kursk-liberation-operation")
    assert tass["attribution"] == "inferred" and tass["speakers"][0]["as_written"] is None
    outlet = get_json(client, "/statements/kim-jong-un-unlikely-to-attend-parade")
    assert outlet["attribution"] == "outlet"
    assert speakers(outlet) == [outlet["source"]["outlet"]["id"]] == ["korea-joongang-daily"]
    attributions = {s["attribution"] for s in get_all(client, "/statements")}
    assert attributions == {"explicit", "inferred", "outlet"}


def test_the_via_chain_is_ordered_from_the_original_channel(client):
    statement = get_json(client, "/statements/south-korean-foreign-ministry-condemns-deployment")
    assert [(v["actor"] and v["actor"]["id"], v["channel"]) for v in statement["via"]] == [
        (None, "written_statement"),
        ("yonhap-news-agency", "news_report"),
    ]
    assert get_json(client, "/statements/hong-min-russia-uses-kursk-victory")["via"] == []


def test_the_outlets_voice_needs_the_outlet_as_speaker(seeds_copy):
    def change(d):
        statement = next(s for s in d["statements"] if s.get("attribution") == "outlet")
        statement["speakers"] = [{"actor": "joongang-ilbo"}]

    edit(seeds_copy, DOC, change)
    assert any("attribution: the outlet's own voice" in e for e in errors_of(seeds_copy))


def test_a_speaker_as_written_must_be_near_the_statement(seeds_copy):
    edit(seeds_copy, DOC, lambda d: d["statements"][1]["speakers"][0].update(as_written="Zelensky"))
    assert f"seeds/{DOC}.yaml: statements[1].speakers[0].as_written: not found in the statement's paragraph" in (
        " ".join(errors_of(seeds_copy))
    )


# --- dates and their basis --------------------------------------------------------------------


def test_every_date_says_how_it_was_determined(client):
    statements = {s["id"]: s for s in get_all(client, "/statements")}
    assert statements["seoul-condemns-admission-of-criminal-act"]["date_basis"] == "stated"  # "On April 28"
    monday = statements["peskov-russia-ready-to-send-troops"]  # "Monday", in a source published that week
    assert (monday["date_start"], monday["date_basis"]) == ("2025-04-28", "relative")
    undated = statements["us-denounces-north-korea-russia-ties"]
    assert (undated["date_start"], undated["date_precision"], undated["date_basis"]) == (None, "unknown", "unknown")
    events = {e["id"]: e for e in get_all(client, "/events")}
    assert {e["date_basis"] for e in events.values()} == {"stated", "relative", "inferred", "unknown"}
    assert events["north-korean-delegation-to-victory-parade"]["date_basis"] == "inferred"  # the parade's date
    for casualty in get_all(client, "/casualties"):  # the NIS figure: no date in the text
        assert casualty["as_of_basis"] == "inferred" and casualty["as_of"]["text"] is None
        assert casualty["as_of"]["start"] == casualty["as_of"]["end"] == "2025-04-30"


def test_a_date_the_annotator_inferred_is_a_window_with_its_reason(seeds_copy, tmp_path):
    from data.build import build_database

    def change(d):
        d["statements"][0]["when"] = {"not_before": "2025-04-26", "not_after": "2025-04-28", "reason": "003 dates it"}

    edit(seeds_copy, OTHER, change)
    client = create_app({"TESTING": True, "DATABASE": str(build_database(seeds_copy, tmp_path / "x.db").path)})
    statement = get_json(client.test_client(), "/statements/moscow-confirms-north-korean-involvement")
    assert (statement["date_start"], statement["date_end"]) == ("2025-04-26", "2025-04-28")
    assert (statement["date_precision"], statement["date_basis"], statement["date_text"]) == ("range", "inferred", None)


def test_an_inferred_date_needs_its_reason_and_a_publication_date_its_basis(seeds_copy):
    edit(
        seeds_copy,
        OTHER,
        lambda d: d["statements"][0].update(when={"not_before": "2025-04-26", "not_after": "2025-04-28"}),
    )
    edit(seeds_copy, DOC, lambda d: d["document"].update(published_basis="unknown"))
    errors = errors_of(seeds_copy)
    assert f"seeds/{OTHER}.yaml: statements[0].when.reason: an inferred date needs the reasoning behind it" in errors
    assert f"seeds/{DOC}.yaml: document.published_basis: is unknown exactly when published is null" in errors


# --- events: certainty and who asserts it -----------------------------------------------------


def test_events_say_how_sure_the_source_is_and_who_asserts_them(client):
    events = {e["id"]: e for e in get_all(client, "/events")}
    claims = {
        "kursk-territory-reclaimed": ("claimed", {"vladimir-putin"}),  # Putin's "territory reclaimed"
        "kursk-liberation-operation": ("claimed", {"tass"}),  # TASS's "liberation operation"
        "joint-military-response-in-kursk": ("claimed", {"north-korea"}),  # KCNA's framing
        "north-korean-troops-in-victory-parade": ("hinted", {"vladimir-putin"}),
    }
    for event_id, (certainty, by) in claims.items():
        assert events[event_id]["certainty"] == certainty
        assert {a["id"] for a in events[event_id]["asserted_by"]} == by
    for event in events.values():
        assert (event["certainty"] == "confirmed") == (event["asserted_by"] == []), event["id"]
    claimed = {e["id"] for e in get_all(client, "/events?certainty=claimed")}
    assert claimed == {i for i, e in events.items() if e["certainty"] == "claimed"}
    by_putin = {e["id"] for e in get_all(client, "/events?asserted_by=Putin")}
    assert by_putin == {"kursk-territory-reclaimed", "north-korean-troops-in-victory-parade"}


def test_a_claim_needs_its_claimant_and_a_fact_has_none(seeds_copy):
    edit(seeds_copy, DOC, lambda d: d["events"][0].update(certainty="claimed"))
    edit(seeds_copy, OTHER, lambda d: d["events"][0].update(asserted_by=["russia"]))
    errors = errors_of(seeds_copy)
    assert f"seeds/{DOC}.yaml: events[0].asserted_by: a claimed event needs who asserts it" in errors
    assert any(e.startswith(f"seeds/{OTHER}.yaml: events[0].asserted_by: a confirmed event") for e in errors)


# --- judgement calls --------------------------------------------------------------------------


def test_one_thanks_reported_by_two_sources_is_one_undated_by_the_other(client):
    thanks = get_json(client, "/events/putin-thanks-kim-jong-un")
    assert {s["source"]["id"] for s in thanks["sources"]} == {DOC, OTHER}
    assert (thanks["date_start"], thanks["date_basis"]) == ("2025-04-28", "relative")
    assert client.get("/events/russia-thanks-north-korea-april-26").status_code == 404
    gratitude = get_json(client, "/statements/russia-thanks-north-korean-leadership")
    assert gratitude["event"]["id"] == "putin-thanks-kim-jong-un" and gratitude["date_start"] is None


def test_nothing_is_coded_from_a_caption(client, seeds_copy):
    assert client.get("/events/victory-day-parade-2024").status_code == 404

    def change(d):
        d["events"][0]["anchor"] = "Victory Day military parade at the Red Square in Moscow"

    edit(seeds_copy, DOC, change)
    assert f"seeds/{DOC}.yaml: events[0].anchor: is inside an image caption; captions are not coded" in (
        errors_of(seeds_copy)
    )


# --- places -----------------------------------------------------------------------------------


def test_locations_are_places_with_coordinates_and_the_words_of_the_text(client):
    event = get_json(client, "/events/kursk-liberation-operation")
    location = event["location"]
    assert (location["id"], location["name"], location["as_written"]) == (
        "sudzhansky-district",
        "Sudzhansky District",
        "Suzhansky district",
    )
    assert (location["region"], location["country"], location["precision"]) == ("RU-KRS", "RU", "district")
    assert 51 < location["lat"] < 52 and 35 < location["lon"] < 36
    for record in get_all(client, "/events") + get_all(client, "/casualties"):
        written = (record["location"] or {}).get("as_written")
        assert written is None or written in TEXT[DOC] + TEXT[OTHER], record["id"]


def test_location_matches_any_spelling_and_the_places_within(client):
    sudzha = {e["id"] for e in get_all(client, "/events?location=Sudzha")}
    assert sudzha == {"kursk-liberation-operation"}
    assert {e["id"] for e in get_all(client, "/events?location=Suzhansky district")} == sudzha
    kursk = {e["id"] for e in get_all(client, "/events?location=Kursk")}
    assert sudzha < kursk and "ukrainian-incursion-into-kursk" in kursk
    assert {e["id"] for e in get_all(client, "/events?location=RU-KRS")} == kursk
    assert {e["id"] for e in get_all(client, "/events?location=the Kursk region")} == kursk  # as the texts write it
    russia = {e["id"] for e in get_all(client, "/events?location=Russia")}
    assert kursk < russia and "victory-day-parade-2025" in russia  # Red Square, in Moscow, in Russia
    assert get_all(client, "/events?location=Atlantis") == []
    assert len(get_all(client, "/casualties?location=Russia")) == 2


def test_media_releases_are_located_where_released(client):
    for event in get_all(client, "/events?type=media_release"):
        assert event["location"]["id"] == "russia", event["id"]


def test_an_unknown_place_fails(seeds_copy):
    edit(seeds_copy, DOC, lambda d: d["events"][0].update(location={"place": "atlantis"}))
    assert f"seeds/{DOC}.yaml: events[0].location.place: unknown place id 'atlantis'" in errors_of(seeds_copy)


# --- the database layout ----------------------------------------------------------------------


def test_the_api_refuses_a_database_of_another_layout(tmp_path, built_db):
    assert API_SCHEMA_VERSION == BUILD_SCHEMA_VERSION
    old = tmp_path / "old.db"
    old.write_bytes(built_db.read_bytes())
    with sqlite3.connect(old) as conn:
        conn.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    conn.close()
    with pytest.raises(DatabaseCorrupt, match="built for database schema 1.*rebuild it with `make db`"):
        create_app({"TESTING": True, "DATABASE": str(old)})


def test_a_date_carried_over_from_another_sentence_is_inferred(client):
    carried = get_json(client, "/statements/south-korean-foreign-ministry-condemns-deployment")
    assert (carried["date_start"], carried["date_text"], carried["date_basis"]) == (
        "2025-04-28",
        "On April 28",
        "inferred",
    )
    own = get_json(client, "/statements/seoul-condemns-admission-of-criminal-act")
    assert (own["date_start"], own["date_basis"]) == ("2025-04-28", "stated")


def test_a_window_has_both_ends(seeds_copy):
    edit(seeds_copy, OTHER, lambda d: d["document"].update(published={"not_before": "2025-04-28"}))
    edit(seeds_copy, DOC, lambda d: d["statements"][0].update(when={"not_after": "2025-04-28", "reason": "r"}))
    errors = errors_of(seeds_copy)
    assert f"seeds/{OTHER}.yaml: document.published.not_after: Missing data for required field." in errors
    assert any(e.startswith(f"seeds/{DOC}.yaml: statements[0].when.text: give the date as written") for e in errors)


def test_only_an_explicit_speaker_has_words_as_written(seeds_copy):
    def change(d):
        statement = next(s for s in d["statements"] if s.get("attribution") == "inferred")
        statement["speakers"][0]["as_written"] = "Tass"

    edit(seeds_copy, DOC, change)
    assert any(
        "speakers[0].as_written: an inferred speaker is not named by the text" in e for e in errors_of(seeds_copy)
    )


def test_a_place_named_like_a_country_code_is_still_that_place(seeds_copy, tmp_path):
    from data.build import build_database

    registry = seeds_copy / "places.yaml"
    registry.write_text(
        registry.read_text(encoding="utf-8").replace(
            "aliases: [Russian Federation]", "aliases: [Russian Federation, RF]"
        ),
        encoding="utf-8",
    )
    client = create_app({"TESTING": True, "DATABASE": str(build_database(seeds_copy, tmp_path / "x.db").path)})
    by_alias = get_all(client.test_client(), "/events?location=RF")
    assert by_alias and by_alias == get_all(client.test_client(), "/events?location=Russia")


def test_the_build_command_replaces_a_database_the_api_refuses_and_only_it_may(tmp_path, built_db):
    import os
    import subprocess

    from .conftest import ROOT

    stale = tmp_path / "corpus.db"
    stale.write_bytes(built_db.read_bytes())
    with sqlite3.connect(stale) as conn:
        conn.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    conn.close()
    flask = str(ROOT / ".venv" / "bin" / "flask")
    env = {**os.environ, "ANCHORED_NEWS_DATABASE": str(stale)}
    other = subprocess.run([flask, "--app", "api", "routes"], env=env, capture_output=True, text=True, timeout=120)
    assert other.returncode != 0 and "rebuild it with `make db`" in other.stderr
    rebuilt = subprocess.run([flask, "--app", "api", "build-db"], env=env, capture_output=True, text=True, timeout=300)
    assert rebuilt.returncode == 0, rebuilt.stderr
    create_app({"TESTING": True, "DATABASE": str(stale)})  # served again
