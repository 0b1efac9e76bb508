"""More engine cases, written from the support terms' rules (not from any corpus): real secrets and
third-party data in the forms support mail takes, and clean mail that merely looks suspicious."""

from __future__ import annotations

import pytest

from redaction.types import Sender
from tests.redaction.velora import get_redactor

SENDER_A = Sender(name="Peter Miller", email="peter.miller@acme-shop.de", org="Acme Shop GmbH")
SENDER_B = Sender(name="Lena Vogt", email="lena.vogt@fjordhome.dk", org="Fjord Home ApS")


@pytest.fixture(scope="module")
def redactor():
    return get_redactor()


DIRTY = [
    (SENDER_A, 'apiVersion: v1\nkind: Secret\ndata:\n  password: cGFzc3dvcmQxMjM0NTY=\n  username: YWRtaW4='),
    (SENDER_A, '{"type": "service_account", "project_id": "acme", "private_key_id": "3f2a9c8e7d6b5a4f3e2d1c0b9a8f7e6d5c4b3a29", "client_email": "x@acme.iam.gserviceaccount.com"}'),
    (SENDER_A, "curl --header 'PRIVATE-TOKEN: glpat-Ab3dE5gH7jK9mN1pQ3sT' https://gitlab.acme.de/api/v4/projects"),
    (SENDER_A, 'DD_API_KEY=4f8e2c1a9b7d6e5f3a2c1b0d9e8f7a6b'),
    (SENDER_A, 'HEROKU_API_KEY=2c5e8f1a-4b7d-4e9a-8c3f-6d1b9e4a7c2f'),
    (SENDER_A, 'ALGOLIA_ADMIN_KEY=9f3c2b1a8e7d6c5b4a3f2e1d0c9b8a7f'),
    (SENDER_A, 'PAYPAL_CLIENT_SECRET=EHzP7hTq9xW2vB4nM6kL8jR3sD5fG1aC0yU7iO9pQ2wE4rT6'),
    (SENDER_A, '{"customer": {"name": "Anna Lange", "birthday": "1985-02-03", "city": "Berlin"}}'),
    (SENDER_A, '> Hi, my name is Jana Novak and my parcel never arrived. My phone is 0171 2345678.'),
    (SENDER_A, 'Kundin Frau Schäfer hat angerufen, ihre Bestellung fehlt.'),
    (SENDER_A, 'the user with email j.smith1987@hotmail.com reports a 500'),
    (SENDER_A, 'log: 2026-11-27 10:00:01 INFO login ok user=maria.rossi@libero.it ip=93.184.216.34'),
    (SENDER_A, 'Please refund Mr. Thompson, card ending 4242 was charged twice.'),
    (SENDER_A, "Customer Nguyen Van An (Hanoi) can't pay with MoMo."),
    (SENDER_A, "our customer's IBAN is GB33BUKB20201555555555"),
    (SENDER_A, 'Shopware connection: mysql://shopware:Wh1teRabbit!@10.0.0.5:3306/shop'),
    (SENDER_A, 'her address is 221B Baker Street, London NW1 6XE'),
    (SENDER_A, 'set NEXTAUTH_SECRET=Qm9vbGVhbkFsZ2VicmFJc0Z1bjEyMzQ1Njc4OTA= in prod'),
    (SENDER_A, 'webhook secret: whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'),
    (SENDER_A, 'Sentry auth token sntrys_eyJpYXQiOjE3MDAwMDAwMDAsInVybCI6Imh0dHBzOi8vc2VudHJ5LmlvIn0_abcdefghijklmnopqrstuvwxyz0123'),
    (SENDER_B, 'export VELORA_API_TOKEN=vlr_live_8Kq2mZ9xP4tL7wR3nB6vC1yH5jD0fG2s'),
    (SENDER_B, "our API token: 8Kq2mZ9xP4tL7wR3nB6vC1yH5jD0fG2s (please don't share)"),
    (SENDER_B, 'Login for staging: admin / Fj0rd!Home#2026'),
    (SENDER_B, 'creds are shop-admin:Hx72!kPz9q on https://staging.fjordhome.dk/admin'),
    (SENDER_B, "The SFTP password is 'Tr33House_77'"),
    (SENDER_B, 'AWS creds:\nAccess key: AKIAZ7Q3M5N2B4V6C8X1\nSecret: kL9mN2bV4cX6zQ8wE1rT3yU5iO7pA9sD0fG2hJ4k'),
    (SENDER_B, 'connect with mongodb+srv://feeds:Pa55w0rdFeeds@cluster0.ab1cd.mongodb.net/shop'),
    (SENDER_B, 'Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJzaG9wLWFkbWluIiwiZXhwIjoxOTAwMDAwMDAwfQ.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk'),
    (SENDER_B, "app.config.ts:\n  apiSecret: 'f8d2c4b6a0e9d7c5b3a1f9e7d5c3b1a0',"),
    (SENDER_B, 'ssh -i key.pem ec2-user@host; key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAx1y2z3AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\nBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB\n-----END RSA PRIVATE KEY-----'),
    (SENDER_B, 'Hi,\n\nplease delete the account of our customer Birgitte Holm, she asked us under GDPR.\n\nLena'),
    (SENDER_B, 'Kunde: Sören Lindgren, Tel. 0176 98765432, bestellt am 12.11.'),
    (SENDER_B, 'The order by j.hansen@gmail.com has the wrong address: Nørrebrogade 12, 2200 København N'),
    (SENDER_B, "Customer reports: 'I am Ole Jensen, born 14.05.1972, and my card 4539 1488 0343 6467 was declined'"),
    (SENDER_B, 'Her Klarna account (ingrid.berg@outlook.com, +46 70 123 45 67) is blocked.'),
    (SENDER_B, "User 8821 (Mette Frederiksen, mette.f@mail.dk) sees other people's orders"),
    (SENDER_B, 'Please refund to IBAN DK50 0040 0440 1162 43, account holder Karen Nielsen.'),
    (SENDER_B, 'Slack: the user <@U02ABCDEF> posted xoxp-1234567890-1234567890123-1234567890123-abcdef0123456789abcdef0123456789'),
]

CLEAN = [
    (SENDER_A, 'Our Kubernetes secret is mounted from velora-credentials, key api-token; see values.yaml.'),
    (SENDER_A, '{"name": "Trail Runner Jacket", "sku": "TRJ-001", "price": 129.0}'),
    (SENDER_A, 'Thanks Sarah! Also, Priya mentioned the fix is in 4.12.2.'),
    (SENDER_A, 'The error happens in Safari 17 on iOS; Chrome works. Page: https://www.acme-shop.de/de/p/trail-runner-jacket-123'),
    (SENDER_A, 'Deployment ID dpl_8f7e6d5c4b3a2918 failed; build log at https://vercel.com/acme/shop/dpl_8f7e6d5c4b3a2918'),
    (SENDER_A, "Our API key is stored in Vault, the env var is VELORA_API_KEY and it's injected at runtime."),
    (SENDER_A, "I'm Peter Miller, Head of E-Commerce at Acme Shop GmbH. Call me at +49 30 1234 5678."),
    (SENDER_A, 'Maximilian from our team will test tomorrow. Regards, Peter'),
    (SENDER_A, 'The release notes for Velora Storefront 4.12 mention George Washington Bridge as an example store name? weird'),
    (SENDER_A, 'sha256-9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08 integrity mismatch for main.js'),
    (SENDER_A, 'ETag: W/"5e8f1a2b3c4d5e6f7a8b9c0d1e2f3a4b" and Cache-Control: max-age=600'),
    (SENDER_A, 'password reset emails are not sent since 09:14 UTC, template id pwd-reset-v2'),
    (SENDER_A, 'Stripe webhook endpoint we_1OqK2xLkdIwHu7ixYz3AbCdE returns 400'),
    (SENDER_A, 'Customer support hours: Mon-Fri 9-17, phone hotline for our customers'),
    (SENDER_A, "The customer segment 'Gold Members' and the campaign 'Black Friday 2026' don't sync."),
    (SENDER_A, 'Order #100234567 from 2026-11-27 shows 3x item 4006381333931 (EAN).'),
    (SENDER_B, 'query { product(id: "gid://velora/Product/123") { title variants(first: 5) { edges { node { sku } } } } }'),
    (SENDER_B, "Content-Security-Policy: script-src 'self' 'nonce-r4nd0mN0nc3Value123456' https://cdn.velora-cdn.net"),
    (SENDER_B, 'Set-Cookie: consent=granted; Path=/; SameSite=Lax; Secure'),
    (SENDER_B, "Our Jenkins job 'storefront-deploy' fails at the Ada step; Jenkins says: Bearer token expired."),
    (SENDER_B, 'The Authorization header is missing on requests from the Edge worker; see the HAR attached.'),
    (SENDER_B, 'JWT exp claim is 900 seconds; refresh_token rotation is enabled in Studio.'),
    (SENDER_B, "reset token TTL is 15 minutes; password field placeholder says 'Enter password'."),
    (SENDER_B, 'GET /api/v2/orders?page=2&per_page=50&sort=-created_at HTTP/1.1 200 OK 183ms'),
    (SENDER_B, "Error: Cannot read properties of undefined (reading 'price') at ProductCard (ProductCard.tsx:42:17)"),
    (SENDER_B, "We're based in Copenhagen, our warehouse is in Aarhus. Could the Edge POP in Frankfurt be the issue?"),
    (SENDER_B, "Hi Daniel,\n\nthanks for the call with Hannah Vogel and Marco Bianchi yesterday. We'll try the workaround.\n\nBest,\nLena"),
    (SENDER_B, 'Ticket VEL-48213: checkout total shows 0,00 € for carts above 1.000 € (locale da-DK).'),
    (SENDER_B, 'npm ERR! 404 Not Found - GET https://registry.npmjs.org/@velora%2fstorefront-sdk - Not found'),
    (SENDER_B, 'Our uptime check (Pingdom) from 52.59.10.20 and 18.196.4.4 reports 503 every 10 minutes.'),
    (SENDER_B, 'Regards,\nLena Vogt\nFjord Home ApS · Vesterbrogade 149, 1620 København V · +45 33 12 88 70'),
    (SENDER_B, 'docker run -p 3000:3000 -e NODE_ENV=production velora/storefront:4.12.1'),
    (SENDER_B, "The product 'Anna Chair' and the collection 'Hans Wegner Classics' are missing in search."),
    (SENDER_B, 'SENTRY_DSN=https://3f2a9c8e7d6b5a4f@o123456.ingest.sentry.io/987654'),
    (SENDER_B, 'Invoice INV-2026-00042 (EUR 1.234,56) is due on 15.12.2026; our VAT ID DK12345678.'),
    (SENDER_B, "terraform plan shows 'velora_api_key' (sensitive value) will be updated in-place"),
    (SENDER_B, 'Our customers in Norway see prices in DKK instead of NOK since the 4.12 release.'),
    (SENDER_B, 'Could you whitelist our office IP 185.15.59.224 for the Studio admin?'),
    (SENDER_B, 'The cart id 7c9e6679-7425-40de-944b-e07fc1f90ae7 and session sess_01HF3K2ZQ8 show the bug.'),
    (SENDER_B, "PIM import: 'Herr Müller Design' brand fails validation (max length 16)."),
]



@pytest.mark.parametrize("sender,text", DIRTY, ids=[f"dirty-{i}" for i in range(len(DIRTY))])
def test_secrets_and_third_party_data_are_resubmitted(redactor, sender, text):
    decision = redactor.check(text, sender)
    assert decision.verdict == "resubmit", [(e.finding.type, e.suppressed_by) for e in redactor.explain(text, sender)]


@pytest.mark.parametrize("sender,text", CLEAN, ids=[f"clean-{i}" for i in range(len(CLEAN))])
def test_suspicious_looking_clean_mail_is_clean(redactor, sender, text):
    decision = redactor.check(text, sender)
    assert decision.verdict == "clean", [(f.type, f.recognizer) for f in decision.findings]
