import pytest

from data import text
from data.text import AnchorError, Span

ARTICLE = 'He said "one thing," and then “another.”\nShe said nothing.\nBY KIM A [kim@example.com]'


def test_quotations_pairs_straight_and_curly_marks_per_paragraph():
    spans = text.quotations(ARTICLE)
    assert [ARTICLE[s.start : s.end] for s in spans] == ["one thing,", "another."]


def test_an_unclosed_quote_does_not_pair_across_paragraphs():
    assert text.quotations('He said "open\nand "closed" here') == [Span(19, 25)]


def test_a_quote_covers_a_quotation_up_to_trailing_punctuation():
    q = text.quotations(ARTICLE)[0]
    assert text.covers(Span(q.start, q.end - 1), q, ARTICLE)  # without the comma
    assert text.covers(q, q, ARTICLE)
    assert not text.covers(Span(q.start, q.start + 3), q, ARTICLE)  # "one" alone


def test_locate_requires_exactly_one_occurrence():
    assert text.locate("abc abc x", "x") == Span(8, 9)
    with pytest.raises(AnchorError, match="2 times"):
        text.locate("abc abc", "abc")
    with pytest.raises(AnchorError, match="not found"):
        text.locate("abc", "zzz")
    assert text.locate("abc abc", "abc", within=Span(3, 7)) == Span(4, 7)


def test_sentence_around_does_not_split_at_abbreviations():
    body = "First one. The U.S. State Department said “no.” Then more."
    span = text.locate(body, "no.")
    around = text.sentence_around(body, span)
    assert body[around.start : around.end] == "The U.S. State Department said “no.”"


def test_byline_and_images():
    assert text.byline(ARTICLE) == {"name": "KIM A", "email": "kim@example.com"}
    body = "![A soldier in a video [SCREEN CAPTURE]](https://example.com/a.jpg)\nText."
    (image,) = text.images(body)
    assert image["url"] == "https://example.com/a.jpg"
    assert image["caption"] == "A soldier in a video"
    assert image["credit"] == "SCREEN CAPTURE"


def test_a_speaker_is_named_outside_the_quote_and_outside_captions():
    body = 'Seoul said, "Seoul will respond."\n![Seoul in 2024 [AP]](https://x.example/a.jpg)\nIt added more.'
    quote = text.Span(body.index("Seoul will"), body.index('."'))
    assert text.nearest(body, "Seoul", quote, skip=[quote]) == text.Span(0, 5)
    caption = text.images(body)[0]["span"]
    later = text.Span(body.index("It added"), len(body))
    # The paragraph before the last one is a caption: looking back passes over it.
    assert text.nearest(body, "Seoul", later, skip=[caption]) == text.Span(13, 18)


def test_relative_offsets_are_clipped_to_the_excerpt():
    sentence = Span(10, 20)
    assert text.relative(Span(12, 15), sentence) == Span(2, 5)
    assert text.relative(Span(10, 20), sentence) == Span(0, 10)
    assert text.relative(Span(5, 15), sentence) == Span(0, 5)  # starts before: the overlap
    assert text.relative(Span(15, 25), sentence) == Span(5, 10)  # ends after: the overlap
    assert text.relative(Span(0, 5), sentence) == Span(0, 0)  # before it: empty at its start
    assert text.relative(Span(30, 40), sentence) == Span(10, 10)  # after it: empty at its end


def test_a_sentence_always_contains_the_span_it_is_cut_around():
    body = "First one. Second one, said Mr. Kim. Third.\nNext paragraph. Last one."
    for start in range(len(body)):
        for end in range(start + 1, len(body) + 1):
            span = Span(start, end)
            assert span.within(text.sentence_around(body, span)), span
