"""Redaction never reaches the network (tldextract would fetch the public-suffix list, issue 3)."""

from __future__ import annotations

import socket

import pytest

from redaction.engine import Redactor
from redaction.nlp import load_ner, offline_tldextract

TEXTS = [
    "Customer anna.lange@gmail.com visited https://shop.acme-shop.de/cart?x=1 from 212.229.190.11",
    "Our customer Maria Gonzalez (maria@web.de, +49 151 23456789) lives at Hauptstraße 5, 10115 Berlin.",
    "See www.velora.io/docs and mailto:support@velora.io",
]


@pytest.fixture
def no_network(monkeypatch):
    attempts: list[object] = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise AssertionError(f"network access attempted: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return attempts


def test_building_the_engine_and_redacting_makes_no_network_call(no_network):
    load_ner.cache_clear()  # load the model again under the guard
    redactor = Redactor.from_config()
    decisions = redactor.check_many([(t, None) for t in TEXTS])
    assert [d.verdict for d in decisions] == ["resubmit", "resubmit", "clean"]
    assert no_network == []


def test_tldextract_is_pinned_to_its_bundled_snapshot(no_network):
    import tldextract
    import tldextract.tldextract as tx

    offline_tldextract()
    assert tx.TLD_EXTRACTOR.suffix_list_urls == ()
    assert tldextract.extract("https://shop.acme-shop.co.uk/x").suffix == "co.uk"
    assert no_network == []
