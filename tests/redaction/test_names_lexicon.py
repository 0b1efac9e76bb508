"""The lexicon backend (given names from Faker's person providers + name structure), as a table."""

from __future__ import annotations

import pytest

from redaction.names import lexicon, name_spans

FOUND = [
    # (text, names the backend must return)
    ("Unsere Kundin Anna Berger kann sich nicht einloggen.", ["Anna Berger"]),
    ("Herr Jürgen Großmann hat zweimal bezahlt.", ["Jürgen Großmann"]),
    ("Anna-Lena Müller wohnt in der Lindenstraße.", ["Anna-Lena Müller"]),
    ("Frank Schulze, Sabine Zimmermann und Ernst Heinrich sind betroffen.",
     ["Frank Schulze", "Sabine Zimmermann", "Ernst Heinrich"]),
    ("Jan van der Berg heeft twee keer besteld.", ["Jan van der Berg"]),
    ("Onze klant Sanne de Jong belde gisteren.", ["Sanne de Jong"]),
    ("La cliente Giulia Romano ha pagato due volte.", ["Giulia Romano"]),
    ("Il signor Luca di Stefano aspetta il rimborso.", ["Luca di Stefano"]),
    ("Klientka Zofia Wiśniewska zapłaciła dwa razy.", ["Zofia Wiśniewska"]),
    ("Pan Grzegorz Brzęczyszczykiewicz czeka na zwrot.", ["Grzegorz Brzęczyszczykiewicz"]),
    ("La clienta Lucía Fernández no recibió el pedido.", ["Lucía Fernández"]),
    ("Kundin Zeynep Yılmaz hat storniert.", ["Zeynep Yılmaz"]),
    ("Anna Maria Berger hat angerufen.", ["Anna Maria Berger"]),
    ("Nom : Pierre-Alain Bolomey", ["Pierre-Alain Bolomey"]),  # hyphenated given names
    ("a customer again: Fiona MacLeod, born 1984", ["Fiona MacLeod"]),  # inner capitals
    ("Ludwig van Beethoven", ["Ludwig van Beethoven"]),  # an unknown given name before a particle
    ("Od: Grażyna Wiśniewska", ["Grażyna Wiśniewska"]),  # a Polish surname ending
]

NOT_FOUND = [
    # capitalised German nouns and greetings after a given name, stop words, mail and code shapes
    "Paul Bestellung",
    "Hallo Jonas, danke für die Hilfe!",
    "Danke Anna Bitte melde dich.",
    "Grüße Anna Montag geht es weiter.",
    "Die Vorschau im Storefront zeigt die alten Preise.",
    "Schreib an anna.berger@example.org wegen der Rechnung.",
    "Der Pfad ist /home/Anna Berger/export",
    "Unsere Kundin Anna\nBerger Straße 5",  # a line break is no space between name parts
    "Max Freundlichkeit ist gefragt.",
    "Will Smith",  # "Will" is an English stop word: no name starts with it here
    "Gare de Lyon ist gesperrt.",  # "de" is a name particle only in Dutch
    "Hotel de Madrid",
    "Firma Nowakowski liefert morgen.",  # an organization word, not a given name
    "Wysyłka Warszawa Północ",
    "Die Kategorie Sommer Angebote",
]


@pytest.mark.parametrize(("text", "names"), FOUND, ids=[t[:30] for t, _ in FOUND])
def test_names_are_found(text, names):
    assert [text[s:e] for s, e in name_spans(text)] == names


@pytest.mark.parametrize("text", NOT_FOUND, ids=[t[:30] for t in NOT_FOUND])
def test_no_name_is_made_up(text):
    assert [text[s:e] for s, e in name_spans(text)] == []


def test_the_lexicon_covers_the_customers_languages():
    lex = lexicon()
    for given in ("Anna", "Jürgen", "Sanne", "Giulia", "Zofia", "Lucía", "Zeynep", "Jean", "Sophie"):
        assert given in lex.given, given
    for surname in ("Müller", "Kowalski", "Rossi", "García", "Jansen"):
        assert surname in lex.surnames, surname
    assert "Will" not in lex.given and "Bitte" not in lex.given


@pytest.mark.parametrize(("text", "names"), [
    ("Zamówienie Krzysztofa Zielińskiego utknęło od piątku.", ["Krzysztofa Zielińskiego"]),
    ("Rozmawiałam z Tomaszem Nowakiem wczoraj.", ["Tomaszem Nowakiem"]),
    ("Zwrot dla Magdaleny Kamińskiej nie doszedł.", ["Magdaleny Kamińskiej"]),
])
def test_declined_polish_given_names_are_known_in_polish_text(text, names):
    assert [text[s:e] for s, e in name_spans(text, "pl")] == names


def test_a_dutch_particle_makes_a_name_in_dutch_text():
    text = "Mevrouw Annemiek de Wit heeft gebeld."
    assert [text[s:e] for s, e in name_spans(text, "nl")] == ["Annemiek de Wit"]
    assert name_spans("Gare de Lyon", "fr") == []


def test_declension_is_undone_only_for_languages_that_decline_names():
    assert name_spans("Tomaszem Nowakiem", "de") == []
