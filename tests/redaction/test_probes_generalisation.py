"""Generalisation probes: unseen, hand-written support messages in styles the corpora under-represent
(non-native English, Slack one-liners, forwarded chains, config files, SQL dumps, HAR/curl,
international names, addresses and phones, masked values).

Written apart from the generator and both holdouts. Each row is a whole message and the verdict the
support terms require: ``clean`` (the sender's own identity, colleagues, vendor staff, placeholders,
documentation/test values) or the category that must make it ``resubmit`` (``secret``: application
secrets; ``pii``: third parties' personal data).
"""

from __future__ import annotations

import pytest

from redaction.types import Sender
from tests.redaction.recognizer_tables import token
from tests.redaction.velora import get_redactor

TOM = Sender(name="Tom Fischer", email="tom@acme.example", org="ACME")
AYSE = Sender(name="Ayşe Yılmaz", email="ayse.yilmaz@kaffeekontor.de", org="Kaffeekontor Rösterei GmbH")
RAJ = Sender(name="Rajesh Iyer", email="rajesh@chaiwala.in", org="Chaiwala Retail Pvt Ltd")
SOFIA = Sender(name="Sofía Martínez García", email="sofia.martinez@lunaverde.es", org="Luna Verde S.L.")
KENJI = Sender(name="Kenji Watanabe", email="k.watanabe@sakura-goods.jp", org="Sakura Goods K.K.")
OLA = Sender(name="Ola Nordmann", email="ola@fjelltur.no", org="Fjelltur AS")
NGOZI = Sender(name="Ngozi Okonkwo", email="ngozi.okonkwo@lagosmart.ng", org="LagosMart Ltd")
GIULIA = Sender(name="Giulia Romano", email="giulia.romano@bottegaverde.it", org="Bottega Verde Srl")
SMALL = Sender(name="Rajesh Kumar", email="rajesh.k.shop@gmail.com", org="RK Handicrafts")
LENA = Sender(name="Lena Vogt", email="lena.vogt@fjordhome.dk", org="Fjord Home ApS")
TOM_GMBH = Sender(name="Tom Fischer", email="tom@acme.example", org="ACME GmbH")
PIERRE = Sender(name="Pierre-Louis Moreau", email="pl.moreau@maison-lumiere.fr", org="Maison Lumière SARL")

GH = token("ghp_", 36, seed=31)
SLACK_BOT = "xoxb-" + token("", 12, "0123456789", 32) + "-" + token("", 13, "0123456789", 33) + "-" + token("", 24, seed=34)
STRIPE = token("sk_live_", 24, seed=35)
HEX40 = token("", 40, "0123456789abcdef", 36)
B64 = token("", 40, seed=37)

CLEAN: list[tuple[str, Sender, str]] = [
    ("one-line signature with company and phone", TOM,
     "Hello, the checkout fails since 10:00 with error 502. Stack: at com.acme.Pay(Pay.java:12). "
     "Regards, Tom Fischer, ACME GmbH, +49 89 1234567"),
    ("pipe signature on one line", TOM,
     "cart total wrong after coupon. Tom Fischer | Lead Dev | ACME GmbH | +49 89 1234567 | tom@acme.example"),
    ("signature after -- with title and address", AYSE,
     "Hi team,\nthe product feed import stops at item 5000.\n-- \nAyşe Yılmaz\nHead of E-Commerce\n"
     "Kaffeekontor Rösterei GmbH, Speicherstadt 12, 20457 Hamburg\nMobil +49 171 9876543"),
    ("Best, on the same line as the name", RAJ,
     "Payment page shows 'undefined' in INR currency field. Best, Rajesh Iyer (Chaiwala Retail) +91 98450 12345"),
    ("Mit freundlichen Grüßen block", AYSE,
     "Guten Tag,\n\ndie Suche liefert seit gestern keine Treffer.\n\nMit freundlichen Grüßen\nAyşe Yılmaz\n"
     "Tel.: 040 123456-78"),
    ("Cheers with first name only and phone", OLA, "Deploy is stuck in 'pending' again. Cheers, Ola - 412 34 567"),
    ("signature before a quoted vendor reply", SOFIA,
     "Hola, still broken after your fix.\n\nSaludos,\nSofía Martínez García\nLuna Verde S.L. · Calle de Alcalá 45, "
     "28014 Madrid · +34 612 345 678\n\nOn Tue, 24 Nov 2026 at 10:12, Sarah Klein <sarah.klein@velora.io> wrote:\n"
     "> Could you retry the deployment?\n> Sarah"),
    ("HTML signature table", KENJI,
     "<p>The Japanese locale shows tofu glyphs in the checkout.</p><p>Best regards,</p><table><tr><td>Kenji Watanabe</td>"
     "<td>Sakura Goods K.K.</td></tr><tr><td>Tel</td><td>+81 3-1234-5678</td></tr></table>"),
    ("Thanks, name and org, two phone lines", NGOZI,
     "The webhook retries are flooding our queue.\n\nThanks,\nNgozi Okonkwo, LagosMart Ltd\nOffice: +234 1 463 0000\n"
     "Mobile: +234 803 123 4567"),
    ("French signature with hyphenated first name", PIERRE,
     "Bonjour, the images do not load on iOS 17.\nCordialement,\nPierre-Louis Moreau – Maison Lumière SARL – "
     "12 rue de la Paix, 75002 Paris – 06 12 34 56 78"),
    ("Slack one-liner with masked key", TOM, "our stripe key sk_live_...redacted stops working since deploy, any idea?"),
    ("masked card tail", TOM, "customer paid with card ****1234, order 1000234 still shows unpaid"),
    ("password placeholder in config", TOM,
     "database:\n  host: db.internal\n  user: shop\n  password: <password>\n  port: 5432"),
    ("env with references only", TOM, "STRIPE_SECRET_KEY=${STRIPE_SECRET_KEY}\nDB_PASS=$DB_PASS\nAPI_TOKEN=<your token>"),
    ("terraform with var reference", TOM,
     'resource "velora_project" "shop" {\n  name    = "acme-shop"\n  api_key = var.velora_api_key\n'
     '  region  = "eu-central-1"\n}'),
    ("k8s secretKeyRef", TOM,
     "env:\n  - name: VELORA_TOKEN\n    valueFrom:\n      secretKeyRef:\n        name: velora\n        key: token"),
    ("non-native English with colleague", RAJ,
     "Dear Sir, kindly do the needful, my colleague Priyanka Sharma (priyanka@chaiwala.in) is also facing same issue "
     "since morning only."),
    ("stack trace with person-like class names", TOM,
     "Caused by: java.lang.IllegalStateException: Connection pool exhausted\n\tat com.zaxxer.hikari.pool.HikariPool"
     ".createTimeoutException(HikariPool.java:696)\n\tat org.hibernate.engine.jdbc.connections.internal."
     "DatasourceConnectionProviderImpl.getConnection(DatasourceConnectionProviderImpl.java:122)"),
    ("SQL schema without data", TOM,
     "CREATE TABLE customers (id SERIAL PRIMARY KEY, first_name TEXT, last_name TEXT, email TEXT, phone TEXT);"),
    ("curl with placeholder token", TOM,
     "curl -X POST https://api.velora.io/v2/orders -H 'Authorization: Bearer <TOKEN>' -d '{\"sku\":\"A-100\"}'"),
    ("vendor staff in forwarded chain", OLA,
     "---------- Forwarded message ---------\nFrom: Tobias Wagner <tobias.wagner@velora.io>\nDate: Mon, 23 Nov 2026\n"
     "Subject: Re: build cache\n\nHi Ola, please clear the cache and redeploy.\nTobias"),
    ("documentation IP and example email", TOM,
     "the webhook target 198.51.100.23 returns 403 for test@example.com payloads"),
    ("PHP config with env lookups", TOM,
     "<?php\nreturn [\n  'db' => ['user' => 'shop', 'password' => getenv('DB_PASSWORD')],\n"
     "  'stripe' => env('STRIPE_SECRET'),\n];"),
    ("version and order numbers", KENJI,
     "After upgrading to 4.12.3 order 2026-000451 fails; build 20261124.3 and trace 7f3a9c2e"),
    ("test persona in test data", SOFIA,
     "Test order by Max Mustermann, max.mustermann@example.org, Musterstraße 1, 12345 Musterstadt fails at payment"),
    ("own phone in prose with 'reach me'", NGOZI,
     "Urgent: checkout down for Lagos region. You can reach me on +234 803 123 4567 anytime."),
    ("Italian sign-off with direct line", GIULIA,
     "Buongiorno,\nil checkout non carica.\n\nCordiali saluti,\nGiulia Romano\nBottega Verde Srl\n"
     "Tel. dir.: +39 02 1234 5678 | Cell. +39 347 123 4567"),
    ("intro with org and phone", TOM, "This is Tom from ACME (+49 171 2233445), our storefront is down since 9:00."),
    ("own billing address in an invoice question", TOM,
     "our billing address ACME GmbH, Leopoldweg 3, 80331 München is printed wrong on invoice 2026-114."),
    ("vendor staff signature with a direct line in a quoted reply", OLA,
     "Thanks!\n\n> Kind regards,\n> Tobias Wagner | Velora Support | +49 89 2154 7701"),
    ("freemail shop owner signs with a phone", SMALL,
     "Pls check asap, payment not coming to my account. Regards Rajesh Kumar, RK Handicrafts, +91 98450 12399"),
    ("masked emails", TOM, "the customer j***@gmail.com and a.b****@web.de did not get the mail"),
    ("card last four", TOM, "the Visa ending 4242 and Mastercard ending in 4444 were declined"),
    ("public keys and DSN in .env", TOM,
     "NEXT_PUBLIC_STRIPE_KEY=pk_live_" + "51H" + "a" * 20 + "\nSENTRY_DSN=https://3f2a9c8e7d6b@o4504.ingest.sentry.io/4505"),
    ("URL without a password", TOM, "DATABASE_URL=postgres://shop@db.internal:5432/shop?sslmode=require"),
    ("terraform references to generated secrets", TOM,
     'resource "aws_db_instance" "shop" {\n  password = random_password.db.result\n  username = var.db_user\n}'),
    ("docker secrets file", TOM, "environment:\n  POSTGRES_PASSWORD_FILE: /run/secrets/db_password"),
    ("GraphQL variables with placeholders", TOM,
     'query { customer(email: $email) { id } }\nvariables: {"email": "<customer email>"}'),
    ("nginx log with private IPs", TOM,
     '10.0.3.17 - - [28/Nov/2026:10:01:02 +0100] "GET /checkout HTTP/1.1" 502 157 "-" "Mozilla/5.0 (iPhone)"'),
    ('release notes', TOM_GMBH,
     "After the release of Velora Studio 5.2 on 2026-11-20, the page builder shows 'Hello Kitty' and 'Harry Potter' product teasers twice."),
    ('product title', TOM_GMBH,
     "The product 'Emma Sleep Mattress 90x200' and 'Marc O'Polo Shirt' are missing from search."),
    ('our address', TOM_GMBH,
     'Please update our company address to ACME GmbH, Leopoldweg 3, 80331 München in the billing portal.'),
    ('warehouse', TOM_GMBH,
     'Our warehouse at Industriestraße 12, 85748 Garching sends the stock feed every hour.'),
    ('store locator', TOM_GMBH,
     'The store locator shows our Berlin store (Friedrichstraße 68, 10117 Berlin) twice.'),
    ('sentry', TOM_GMBH,
     "Sentry issue SHOP-4F2 'TypeError: Cannot read properties of undefined (reading 'price')' first seen 2026-11-27 08:14:02 UTC, 1,284 events, 312 users."),
    ('k8s events', TOM_GMBH,
     'Warning  BackOff  12m (x45 over 3h)  kubelet  Back-off restarting failed container storefront in pod storefront-7c9f8d6b5-x2lqz'),
    ('docker digest', TOM_GMBH,
     'image ghcr.io/acme/storefront@sha256:a3f1a3f1a3f1a3f1a3f1a3f1a3f1a3f1a3f1a3f1a3f1a3f1a3f1a3f1a3f1a3f1 fails health check'),
    ('npm lock', TOM_GMBH,
     '"integrity": "sha512-Qm9vQm9vQm9vQm9vQm9vQm9vQm9vQm9vQm9vQm9vQm9vQm9vQm9vQm9vQm9vQm9vQm9vQm9vQm9vQm9v==", "resolved": "https://registry.npmjs.org/lodash/-/lodash-4.17.21.tgz"'),
    ('order ids', TOM_GMBH,
     'Orders 100234, 100235 and 100236 (total 1.234,56 EUR) are stuck; PayPal txn 8VK12345AB678901C.'),
    ('tracking', TOM_GMBH,
     'DHL tracking 00340434161234567890 and UPS 1Z999AA10123456784 show delivered but customers complain.'),
    ('ean', TOM_GMBH,
     'GTIN 4006381333931 and EAN 5901234123457 fail the feed validation.'),
    ('timestamps', TOM_GMBH,
     'Between 10:00 and 10:45 CET (09:00-09:45 UTC) we saw 502s; peak at 10:17:33.'),
    ('meeting', TOM_GMBH,
     'Can we have a call on Tuesday 1 Dec at 14:00? Our dial-in: https://meet.acme.example/tom-fischer'),
    ('german prose', AYSE,
     'Sehr geehrte Damen und Herren,\n\nseit dem Update funktioniert die Suche nicht mehr. Könnten Sie bitte prüfen?\n\nMit freundlichen Grüßen\nAyşe Yılmaz'),
    ('french prose', TOM_GMBH,
     "Bonjour,\n\nDepuis hier, le paiement par carte échoue avec l'erreur 'card_declined'. Pouvez-vous vérifier ?\n\nCordialement,\nTom Fischer"),
    ('regex code', TOM_GMBH,
     'const re = /^(?:\\+49|0)[1-9][0-9]{7,12}$/; // phone validation fails for +49 numbers'),
    ('sql no data', TOM_GMBH,
     "SELECT id, email, created_at FROM customers WHERE created_at > '2026-11-01' LIMIT 10; -- returns 0 rows"),
    ('uuid list', TOM_GMBH,
     'Affected carts: 3f2a9c8e-7d6b-4a5f-9e2d-1c0b9a8f7e6d, 9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d'),
    ('ip private', TOM_GMBH,
     'the origin 10.12.0.7 and 172.16.4.20 time out, the LB 192.168.1.10 is fine'),
    ('cdn ip', TOM_GMBH,
     'Cloudflare edge 104.16.132.229 returns 520 for our shop'),
    ('percent numbers', TOM_GMBH,
     'Conversion dropped from 3.2% to 1.1% on 28.11.2026, revenue -45,000 EUR vs. 27.11.'),
    ('git log', TOM_GMBH,
     'commit 9f2c4e1a7b3d5f6e8a0c1b2d3e4f5a6b7c8d9e0f\nAuthor: Tom Fischer <tom@acme.example>\nDate:   Fri Nov 27 10:01:02 2026 +0100\n\n    fix: checkout rounding'),
    ('vendor quote', TOM_GMBH,
     'As Hannah Vogel from your team wrote last week, the cache TTL is 300s.'),
    ('phone ticket', TOM_GMBH,
     'Ticket 4711-0815-2026 and case 2026112800123 refer to the same issue.'),
    ('version phone like', TOM_GMBH,
     'Node 18.19.1, npm 10.2.4, Velora CLI 3.14.159, build 20261127.1042'),
    ('sig ayse', AYSE,
     'Merhaba,\nthe Turkish locale breaks prices.\n\nSaygılarımla / Best regards\nAyşe Yılmaz\nKaffeekontor Rösterei GmbH\nT: +49 40 3344 5566'),
    ('customer generic', TOM_GMBH,
     'Many customers complain that the checkout is slow; one customer said it took 2 minutes.'),
    ('brand person names', TOM_GMBH,
     'We sell Ralph Lauren, Hugo Boss and Calvin Klein; the facet filter for Tom Tailor is empty.'),
    ('city names', TOM_GMBH,
     'Deliveries to Santa Cruz, Port Elizabeth and Saint Louis fail address validation.'),
    ('thread C1', TOM_GMBH,
     'Hi Sarah,\n\nstill broken, see below.\n\nTom\n\nOn Wed, 25 Nov 2026 at 09:14, Sarah Klein <sarah.klein@velora.io> wrote:\n> Hi Tom,\n> could you send a HAR file?\n> Best regards\n> Sarah Klein\n> Velora Systems GmbH | Leopoldstraße 120 | 80804 München | +49 89 2154 7700\n>\n> On Tue, 24 Nov 2026 at 17:02, Tom Fischer <tom@acme.example> wrote:\n>> Checkout returns 502.\n>> --\n>> Tom Fischer | ACME GmbH | +49 89 1234567'),
    ('thread C2', LENA,
     'Hej,\n\nthe Danish VAT is shown wrong (25% instead of 25,00 %).\n\nMed venlig hilsen\nLena Vogt\nE-commerce Manager\nFjord Home ApS\nStrandvejen 12\n2100 København Ø\nTlf. +45 22 81 47 90\nCVR 12345678'),
    ('thread C3', TOM_GMBH,
     'FYI our agency Pixelwerk (contact: Jonas Brandt, jonas@pixelwerk.example) built the theme; they see the same error.'),
    ('thread C4', TOM_GMBH,
     'Our developer Ana Ruiz from the agency will join: ana.ruiz@pixelwerk.de, +34 612 987 654.'),
    ('thread C5', LENA,
     'Slack thread:\n<@U02ABCD> deploy is red\n<@U03EFGH> looking, seems like the Edge cache\n:white_check_mark: fixed by clearing cache'),
    ('thread C6', TOM_GMBH,
     "From Jira: SHOP-1234 'Checkout: Apple Pay button missing' (reporter: Tom Fischer, assignee: Ana Ruiz, priority High)"),
    ("Thanks & regards block with Ph and M labels", RAJ,
     "Issue persists on prod.\n\nThanks & regards,\nRajesh Iyer\nSr. Manager - IT\nChaiwala Retail Pvt Ltd\n"
     "Ph: +91-80-4123 4567 | M: +91 98450 12345"),
    ("bilingual closing and title", AYSE,
     "Hallo,\nder Export bricht ab.\n\nViele Grüße / Best regards\nAyşe Yılmaz | Geschäftsführerin\n"
     "Kaffeekontor Rösterei GmbH | Am Sandtorkai 5, 20457 Hamburg | +49 40 3344 5566"),
    ("signature followed by a legal disclaimer", TOM,
     "Checkout slow again.\n\nTom Fischer\nCTO\nACME GmbH\nT +49 89 1234567\nM +49 171 2233445\n"
     "www.acme.example\n\nThis e-mail may contain confidential information. If you are not the intended "
     "recipient please delete it."),
    ("signature then Sent from my iPhone", OLA, "Still down!\n\nOla Nordmann\nFjelltur AS\n+47 412 34 567\n\nSent from my iPhone"),
    ("Slack export with vendor staff", TOM,
     "[10:02] Tom Fischer: deploy failed again\n[10:03] Priya Raman: checking the build logs\n"
     "[10:05] Tom Fischer: thanks Priya"),
    ("brands and company names", SOFIA,
     "The facet 'Calvin Klein' and 'Tommy Hilfiger' disappear, also Müller & Söhne GmbH products are missing."),
    ("password policy words without a value", TOM,
     "the field password must be at least 12 chars and the reset password link expired; error invalid_grant"),
    ("masked card, IBAN and phone", SOFIA,
     "the customer card 4111 **** **** 1111 and IBAN ES** **** **** **** 1332, phone +34 6** *** *78 are masked"),
    ("Japanese signature with postcode", KENJI,
     "Search returns nothing for katakana.\n\nよろしくお願いします。\n渡辺 健二 (Kenji Watanabe)\nSakura Goods K.K.\n"
     "〒150-0002 東京都渋谷区渋谷2-21-1\nTEL 03-1234-5678"),
    ("vendor signature in quoted reply", NGOZI,
     "Thanks, that helped.\n\n> Best regards,\n> Daniel Okafor\n> Velora Systems GmbH, Leopoldstraße 120, "
     "80804 München\n> +49 89 2154 7700"),
    ("commit SHA, UUID and GitHub handle", TOM,
     "reverted commit 9f2c4e1a7b3d5f6e8a0c1b2d3e4f5a6b7c8d9e0f by @tfischer, request id 3f2a9c8e-7d6b-4a5f-9e2d-1c0b9a8f7e6d"),
    ("colleague signature forwarded internally", AYSE,
     "FYI see below from my colleague.\n\n---------- Forwarded message ---------\nFrom: Jonas Weber "
     "<jonas.weber@kaffeekontor.de>\n\nHi Ayşe, the feed is broken again.\nJonas Weber\nIT\n+49 40 3344 5570"),
]

DIRTY: list[tuple[str, Sender, str, str]] = [
    ("third party's phone in a sentence", TOM,
     "Hi, please call our customer Tom Berg at +49 89 7654321 about the refund.", "pii"),
    ("third party with same first name as sender, one line", TOM,
     "Regards, Tom Fischer. PS: the buyer Tom Becker (+49 30 5550123) wants his money back", "pii"),
    ("customer phone after own signature line", TOM,
     "Checkout broken. Tom Fischer, ACME GmbH. The affected customer's mobile: 0171 2345678", "pii"),
    ("GitHub token in Slack one-liner", TOM, f"pushed with {GH} but CI still 401", "secret"),
    ("Slack bot token in YAML", OLA, f"slack:\n  channel: '#alerts'\n  bot_token: {SLACK_BOT}\n", "secret"),
    ("Stripe live key in PHP", TOM, f"<?php\n\\Stripe\\Stripe::setApiKey('{STRIPE}');", "secret"),
    ("terraform hard-coded password", TOM,
     'resource "aws_db_instance" "shop" {\n  username = "admin"\n  password = "Kx9#mQ2$vLp7"\n}', "secret"),
    ("k8s secret with stringData", KENJI,
     "apiVersion: v1\nkind: Secret\nstringData:\n  VELORA_API_TOKEN: " + B64 + "\n", "secret"),
    ("docker-compose env password", RAJ,
     "services:\n  db:\n    environment:\n      - POSTGRES_PASSWORD=Chai@2026!Mumbai\n", "secret"),
    ("HAR cookie value", TOM,
     '"cookies": [{"name": "session_id", "value": "' + HEX40 + '", "httpOnly": true}]', "secret"),
    ("curl basic auth", OLA, "curl -u admin:Fjell!Tur2026 https://shop.fjelltur.no/admin/api/orders", "secret"),
    ("Java properties datasource password", TOM,
     "spring.datasource.url=jdbc:postgresql://db:5432/shop\nspring.datasource.username=shop\n"
     "spring.datasource.password=S3cure!Pay2026", "secret"),
    ("password in non-native prose", RAJ, "for login use user admin and password is Chaiwala@123 kindly check", "secret"),
    ("SQL dump with customer rows", TOM,
     "INSERT INTO customers (first_name,last_name,email,phone) VALUES ('Amara','Diallo','amara.diallo@orange.sn',"
     "'+221 77 123 45 67');", "pii"),
    ("forwarded customer mail with address", PIERRE,
     "---------- Message transféré ---------\nDe : Camille Dubois <camille.dubois@free.fr>\n\nBonjour, je n'ai "
     "jamais reçu ma commande. Mon adresse : 8 avenue Jean Jaurès, 69007 Lyon.", "pii"),
    ("Japanese customer name and phone", KENJI,
     "Customer Yuki Tanaka (090-1234-5678) cannot receive the OTP SMS.", "pii"),
    ("Indian customer with mobile", RAJ, "customer Ananya Krishnan mobile 98450 67890 order not delivered kindly check",
     "pii"),
    ("Nigerian customer email", NGOZI, "One buyer, chinedu.eze@yahoo.com, was charged twice for order 88812.", "pii"),
    ("Spanish customer DNI-like address", SOFIA,
     "La clienta María López vive en Calle Mayor 10, 3º B, 28013 Madrid y no recibe el pedido.", "pii"),
    ("Norwegian customer phone", OLA, "kunden Kari Hansen ringte fra +47 912 34 567 om ordren", "pii"),
    ("IBAN of a customer for refund", SOFIA, "refund please to the customer's account ES91 2100 0418 4502 0005 1332",
     "pii"),
    ("date of birth in JSON", TOM, '{"customer":{"name":"Lea Wolf","dob":"1990-07-14","tier":"gold"}}', "pii"),
    ("AWS keys in .env", TOM,
     "AWS_ACCESS_KEY_ID=AKIA" + token("", 16, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 38)
     + "\nAWS_SECRET_ACCESS_KEY=" + token("", 40, seed=39), "secret"),
    ("webhook URL in chat", NGOZI,
     "posting to https://hooks.slack.com/services/T" + token("", 8, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 40)
     + "/B" + token("", 8, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 41) + "/" + token("", 24, seed=42)
     + " fails", "secret"),
    ("mongo URL with password", KENJI,
     "MONGO_URL=mongodb+srv://sakura:Sak%40ra2026@cluster0.ab1cd.mongodb.net/shop", "secret"),
    ("HTML table of customers", TOM,
     "<table><tr><th>Name</th><th>Phone</th></tr><tr><td>Greta Lind</td><td>+46 70 123 45 67</td></tr></table>", "pii"),
    ("French password in prose", PIERRE, "le mot de passe est Lumière#75 pour le compte admin", "secret"),
    ("Spanish password in prose", SOFIA, "la contraseña es Verde2026! para el usuario tienda", "secret"),
    ("access token in a query string", TOM,
     "GET https://api.acme-shop.io/v1/orders?access_token=" + token("", 32, seed=45) + " returns 403", "secret"),
    (".npmrc auth token", TOM, "//registry.npmjs.org/:_authToken=" + token("npm_", 36, seed=46), "secret"),
    ("basic auth URL", TOM, "staging is https://admin:Stag1ng!Acme@staging.acme-shop.de/admin", "secret"),
    ("WhatsApp export with a customer's number", TOM,
     "[12/11/26, 14:02] +49 171 9988776: hallo, wo ist mein Paket?\n[12/11/26, 14:05] ACME Support: wir prüfen", "pii"),
    ("Swedish customer address", OLA, "Kunden bor på Storgatan 12, 114 51 Stockholm och fick inget paket", "pii"),
    ("US date of birth", TOM, "customer DOB 07/14/1990 fails the age check", "pii"),
    ("customer sharing the sender's surname", NGOZI,
     "My customer, Mr. Emeka Okonkwo, cannot log in since Monday.", "pii"),
    ("own phone then customer phone on one line", TOM,
     "Tom Fischer, ACME, +49 89 1234567 - customer Jana Berg +49 171 5556667 never got the parcel", "pii"),
    ("forwarded customer signature without email", TOM,
     "see below\n\n---------- Forwarded message ---------\nFrom: Jana Berg\n\nHello, my order 1234 never came.\n\n"
     "Best regards,\nJana Berg\n+49 171 5556667", "pii"),
    ('ini', TOM,
     '[database]\nuser = shop\npass = Wq8#zLm2!x\nhost = db1', 'secret'),
    ('xml', TOM,
     '<config><apiKey>9382dffx1kVZQ2tqMnMcLRkBOzZU3G8x</apiKey></config>', 'secret'),
    ('php_define', TOM,
     "define('DB_PASSWORD', 'Sh0p!2026pw');", 'secret'),
    ('prose_pw_german', TOM,
     'Zugangsdaten: Benutzer shopadmin, Kennwort Frühling2026!', 'secret'),
    ('redis_url', TOM,
     'REDIS_URL=redis://:R3d1s!Pass@redis.acme.internal:6379/0', 'secret'),
    ('az_sas', TOM,
     'https://acmeshop.blob.core.windows.net/media?sv=2022-11-02&ss=b&srt=o&sp=r&se=2026-12-01&sig=C3J27XDCG2LmlZGEONYlgCtjfIZ4SOcMz9CPVNPkNa1%3D', 'secret'),
    ('otp_secret', TOM,
     'the 2FA secret for the admin account is JBSWY3DPEHPK3PXPJBSWY3DP', 'secret'),
    ('pw_in_parens', TOM,
     'the admin account (password Tannenbaum_77) is locked', 'secret'),
    ('phone_uk_mobile', TOM,
     'buyer rang from 07700 918 441 about the missing parcel', 'pii'),
    ('phone_jp', TOM,
     'お客様の電話番号 090-4821-7736 です', 'pii'),
    ('address_uk', TOM,
     "deliver to Flat 2, 14 Queen's Road, Bristol BS8 1QU please", 'pii'),
    ('address_nl', TOM,
     'klant woont op Keizersgracht 221, 1016 DV Amsterdam', 'pii'),
    ('dob_text', TOM,
     'she was born on 3 March 1985 and the age check fails', 'pii'),
    ('ip_user', TOM,
     'user jan.kowal logged in from 89.64.12.201 and got blocked', 'pii'),
    ('csv', TOM,
     'email;first_name;last_name;phone\nlucas.b@gmx.de;Lucas;Becker;0170 1234567\nanna.k@web.de;Anna;Koch;0151 7654321', 'pii'),
    ('markdown', TOM,
     '| Name | Email | Phone |\n|---|---|---|\n| Olga Petrova | olga.p@mail.ru | +7 912 345 67 89 |', 'pii'),
    ('slack_mention_ext', TOM,
     'customer @jenny.wilson reported via DM that her address 55 Elm Street, Boston, MA 02110 is wrong', 'pii'),
    ('forwarded_customer', TOM,
     '---------- Forwarded message ---------\nFrom: Kari Nordmann <kari.nordmann@online.no>\nDate: Fri\n\nHei, my order never came.', 'pii'),
    ('thread D1', TOM_GMBH,
     "Hi, forwarding our customer's complaint.\n\n---------- Forwarded message ---------\nFrom: Peter Schmidt <p.schmidt1970@t-online.de>\n\nmy package never arrived, call me 0171 4455667\nPeter", 'pii'),
    ('thread D2', LENA,
     'a customer (Mette Jensen, Nørrebrogade 40, 2200 København N) got two invoices', 'pii'),
    ('thread D3', TOM_GMBH,
     "please check user account 'lisa.meier' - she lives in Hamburg and her birthday is 12.05.1992", 'pii'),
    ('secret form html_code', TOM,
     '<p>our key is <code>sk_live_eYMVlwSINxtVTRMiSSvoyjObSZoDZaCeXsfGuUb3</code> please help</p>', 'secret'),
    ('secret form html_entity', TOM,
     '<p>DB_PASSWORD=Sh&amp;p!2026pw</p>', 'secret'),
    ('secret form quoted_wrapped', TOM,
     '> the token is ghp_uGNZaqj0WmqfmGdM\n> mGb0SHx70DWiwPkcwMby\n> thanks', 'secret'),
    ('secret form slack_wrapped', TOM,
     'OPENAI_API_KEY=sk-proj-rhGEKlDtLeFzHGmChbqAX2\nbAwJBFJBl2d7qKMmY4T2fDTZw4', 'secret'),
    ('secret form md_inline', TOM,
     'set `STRIPE_KEY` to `sk_live_eYMVlwSINxtVTRMiSSvoyjObSZoDZaCeXsfGuUb3` in prod', 'secret'),
    ('secret form json_escaped', TOM,
     '{"env": "API_TOKEN=3NG3huhZtl427nwhCZDH7rCkurGNaSGc\\nDEBUG=1"}', 'secret'),
    ('secret form b64_k8s', TOM,
     'data:\n  DB_PASSWORD: UzNjdXIzIVBhc3N3MHJkMjAyNg==', 'secret'),
    ('secret form url_token', TOM,
     'webhook https://api.acme-shop.io/hooks/orders?token=CLBDcUXGR2Q7E6RR42S0wg5Su7fWqrFU', 'secret'),
    ('secret form pw_quote_de', TOM,
     'Das Passwort lautet „Herbst!Laub42“.', 'secret'),
    ('secret form pw_label_fr', TOM,
     'Identifiant : admin / Mot de passe : Lumiere#2026', 'secret'),
    ('secret form sendgrid', TOM,
     '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', 'secret'),
    ('secret form twilio', TOM,
     'TWILIO_AUTH_TOKEN=6398d14c6fc075bdad55bb16364e9485', 'secret'),
    ('secret form gitlab', TOM,
     'glpat-jCwMkppUSFjewbmhUFTt', 'secret'),
    ('secret form aws_pair_prose', TOM,
     'key id AKIARZ2XXZXBYODYPKAJ secret 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', 'secret'),
    ("Nigerian customer phone with honorific", NGOZI,
     "Could you unlock the account of Mrs. Oyelaran? She called us from 0803 555 1234.", "pii"),
    ("Azure storage connection string", TOM,
     "AzureWebJobsStorage=DefaultEndpointsProtocol=https;AccountName=acmeshop;AccountKey="
     + token("", 86, seed=43) + "==;EndpointSuffix=core.windows.net", "secret"),
    ("helm values admin password", OLA, 'grafana:\n  adminUser: admin\n  adminPassword: "Fj3ll!Admin"\n', "secret"),
    ("Polish SQL dump row", TOM,
     "(1042,'Jan','Kowalski','jan.kowalski@wp.pl','ul. Długa 5, 00-238 Warszawa'),", "pii"),
    ("API key header in curl", RAJ,
     "curl -H \"X-Api-Key: " + HEX40[:32] + "\" https://api.velora.io/v2/products", "secret"),
    ("GDPR erasure request for named person", PIERRE,
     "Please delete the account for Mr Jean-Baptiste Nkemelu, he requested erasure under GDPR.", "pii"),
    ("UK landline of a caller", TOM, "a customer called from (020) 7946 0958 about a double charge", "pii"),
    ("US ship-to address", TOM, "Ship to: Maria Gonzalez, 742 Evergreen Terrace, Springfield, OR 97477", "pii"),
    ("customer IP with name", OLA, "the customer Lars Svensson got blocked, his IP 84.17.45.210 is on the deny list",
     "pii"),
    ("German birth date", AYSE, "Kundin Petra Albrecht, geb. 12.03.1985, kann sich nicht anmelden", "pii"),
    ("password in German prose", AYSE, "Das Passwort für den Admin ist Rösterei#2026, bitte nicht weitergeben", "secret"),
    ("HAR Authorization header", TOM,
     '{"name": "Authorization", "value": "Basic ' + token("", 28, seed=44) + '="}', "secret"),
]


@pytest.fixture(scope="module")
def redactor():
    return get_redactor()


@pytest.mark.parametrize(("case", "sender", "text"), CLEAN, ids=[c[0] for c in CLEAN])
def test_probe_clean_message_is_not_bounced(redactor, case, sender, text):
    decision = redactor.check(text, sender)
    assert decision.verdict == "clean", [(f.type, f.recognizer, text[f.start:f.end]) for f in decision.findings]


@pytest.mark.parametrize(("case", "sender", "text", "category"), DIRTY, ids=[c[0] for c in DIRTY])
def test_probe_third_party_data_or_secret_is_bounced(redactor, case, sender, text, category):
    decision = redactor.check(text, sender)
    assert any(f.category == category for f in decision.findings), [
        (e.finding.type, e.finding.score, e.suppressed_by, text[e.finding.start:e.finding.end])
        for e in redactor.explain(text, sender)
    ]
