"""Public IP addresses tied to a person ("the customer's IP", "she logged in from ...").

Server addresses in logs and infrastructure talk are not personal data; so the pattern score is
below the threshold and person context lifts it. Private, loopback, link-local, reserved and the
documentation ranges (RFC 5737, RFC 3849) never match.
"""

import ipaddress

from redaction.recognizers.base import PatternSpec, Rule


def _public(value: str, text: str, start: int, end: int) -> bool:
    try:
        ip = ipaddress.ip_address(value)
    except ValueError:
        return False
    if not ip.is_global or ip.is_multicast:
        return False
    doc_nets = ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")
    return not any(ip in ipaddress.ip_network(n) for n in doc_nets if ip.version == ipaddress.ip_network(n).version)


RULE = Rule(
    entity="IP_ADDRESS",
    category="pii",
    patterns=(
        PatternSpec(
            "ipv4",
            r"(?<![\d.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?!\d|\.\d)",  # a sentence may end right after it
            0.2,
        ),
        # Any colon-hex run; ipaddress validates (compressed "::" forms included).
        PatternSpec("ipv6", r"(?<![0-9A-Za-z:])(?=[0-9A-Fa-f:]*:[0-9A-Fa-f]*:)[0-9A-Fa-f:]{6,39}(?![0-9A-Za-z:])", 0.2),
    ),
    context=(
        "customer", "customers", "user", "users", "shopper", "buyer", "visitor", "client ip", "his", "her", "their",
        "she", "he", "him", "logged in", "login from", "signed in", "home", "ip of", "ip address of", "personal",
        "end user", "enduser", "member", "account", "person", "guest", "her ip", "his ip", "placed from",
        "ordered from", "order", "fraud",
        # the same in the languages customers write
        "kunde", "kundin", "kunden", "besteller", "bestellers", "bestellerin", "bestellung", "betrug", "betrügerisch",
        "klant", "klanten", "bestelling", "bestellingen", "fraude", "client", "clients", "cliente", "clienti",
        "clientes", "commande", "commandes", "pedido", "pedidos", "ordine", "ordini", "klient", "klienta",
        "zamówienie", "zamówienia", "oszust", "oszustwo", "truffa", "betrügerische", "frauduleuse", "fraudulent",
    ),
    window=80,
    window_after=40,
    context_boost=0.6,
    validator=_public,
)
