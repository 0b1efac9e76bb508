"""Clean message bodies: no third-party personal data, no secrets.

``CLEAN`` are ordinary support requests; ``HARD_CLEAN`` are clean requests full of look-alikes:
placeholders, masked values, documentation example keys, PSP test cards, public keys, test
personas, vendor staff, the sender's own contact data, hashes and high-entropy identifiers.
"""

from __future__ import annotations

from collections.abc import Callable

from . import artifacts as a
from . import values as v
from . import vendor
from .context import Ctx
from .doc import Doc

Template = Callable[[Ctx], Doc]


def _d(text: str) -> Doc:
    return Doc().add(text)


def _comp(ctx: Ctx) -> str:
    return ctx.rng.choice(vendor.COMPONENTS)


def _prod(ctx: Ctx) -> str:
    return ctx.rng.choice(vendor.PRODUCTS)


def _proj(ctx: Ctx) -> str:
    return f"{ctx.domain.split('.')[0]}-{ctx.rng.choice(['prod', 'production', 'staging', 'live', 'eu'])}"


def _sev(ctx: Ctx) -> str:
    return ctx.rng.choice(["S1", "S2", "S3", "S4"])


def _form(ctx: Ctx) -> str:
    return f"Organization: {ctx.org}\nProject: {_proj(ctx)}\nSeverity: {_sev(ctx)}\n\n"


def checkout_java(ctx: Ctx) -> Doc:
    return _d(f"{_form(ctx)}since about {ctx.rng.randint(7, 22)}:{ctx.rng.randint(0, 59):02d} CET our checkout returns HTTP 500 for "
              f"roughly {ctx.rng.randint(5, 60)}% of orders. Customers cannot complete payment. Our backend log shows:\n\n"
              f"{a.java_trace(ctx)}\n\nWe did not deploy anything today. Can you check {_prod(ctx)} on your side?")


def storefront_slow(ctx: Ctx) -> Doc:
    return _d(f"the storefront on project {_proj(ctx)} has become very slow since this morning (TTFB > {ctx.rng.randint(3, 12)} s). "
              f"Excerpt from our ingress log:\n\n{a.access_log(ctx)}\n\nIs there a known issue with {_comp(ctx)}?")


def python_importer(ctx: Ctx) -> Doc:
    return _d(f"our nightly product import against the Commerce API started failing on {ctx.rng.choice(['Monday', 'Tuesday', 'Wednesday', 'Thursday'])}. "
              f"We use velora-sdk {v.version(ctx.rng)} on Python 3.11:\n\n{a.python_trace(ctx)}\n\n"
              "It fails after about 40 pages every time. Did the pagination behaviour change?")


def js_hydration(ctx: Ctx) -> Doc:
    return _d(f"after upgrading @velora/storefront-sdk from {v.version(ctx.rng)} to {v.version(ctx.rng)} the PDP crashes in the browser:\n\n"
              f"```\n{a.js_trace(ctx)}\n```\n\nThis only happens for products with more than 20 variants. Staging URL: "
              f"https://staging.{ctx.domain}/en/p/{ctx.rng.randint(1000, 9999)}")


def php_connector(ctx: Ctx) -> Doc:
    return _d(f"the Velora connector in our Magento 2.4.{ctx.rng.randint(4, 7)} shop throws fatal errors during the order export cron:\n\n"
              f"{a.php_trace(ctx)}\n\nConnector version {v.version(ctx.rng)}. Could you advise?")


def deploy_failed(ctx: Ctx) -> Doc:
    return _d(f"deployments of our storefront fail since commit {v.git_sha(ctx.rng, short=True)}. Build output:\n\n{a.build_log(ctx)}\n\n"
              "The same commit builds fine locally. Project: " + _proj(ctx))


def rate_limits(ctx: Ctx) -> Doc:
    r = ctx.rng
    ids = "\n".join(f"- {v.request_id(r)} at {a.ts(ctx)}" for _ in range(3))
    return _d(f"we are getting 429 responses from the Commerce API although we stay below {r.randint(10, 50)} requests/s. "
              f"A few request ids:\n{ids}\n\nWhat is the exact rate limit for our plan, and is it per API client or per project?")


def edge_cache(ctx: Ctx) -> Doc:
    return _d(f"cache purges on Velora Edge do not seem to take effect. After purging /{ctx.rng.choice(['de', 'en'])}/ via the API we still get the old page:\n\n"
              f"{a.curl_dump(ctx)}\n\nPurge request id was {v.uuid4(ctx.rng)}. Any idea?")


def feature_bulk_edit(ctx: Ctx) -> Doc:
    return _d(f"{_form(ctx).replace('S1', 'S4').replace('S2', 'S4').replace('S3', 'S4')}a feature request: our editors would love a bulk edit for "
              f"SEO fields in Velora Studio (meta title/description for {ctx.rng.randint(200, 3000)} category pages). "
              "Is something like that on the roadmap? A CSV import would also work for us.")


def docs_bug(ctx: Ctx) -> Doc:
    return _d(f"small documentation issue: on https://docs.velora.io/commerce-api/v2/{ctx.rng.choice(['carts', 'webhooks', 'auth', 'search'])}#pagination "
              "the example response shows `next_cursor` but the API returns `nextCursor`. Which one is correct?")


def invoice_question(ctx: Ctx) -> Doc:
    r = ctx.rng
    return _d(f"a question about invoice VEL-INV-{r.randint(2025, 2026)}-{r.randint(1000, 9999)}: it lists {r.randint(3, 12)} Studio seats "
              f"but we only have {r.randint(1, 3)} active ones since {r.choice(['October', 'September', 'August'])}. Could you check "
              "the seat count for our organization?")


def preview_404(ctx: Ctx) -> Doc:
    r = ctx.rng
    return _d(f"the preview service returns 404 for some content entries, e.g. entry {v.uuid4(r)} and {v.uuid4(r)} in space "
              f"{v.chars(r, v.LOWER + v.DIGITS, 12)}. Published versions work fine. Preview URL pattern: "
              f"https://preview.velora.io/{_proj(ctx)}/{{locale}}/{{slug}}?version=draft")


def search_delay(ctx: Ctx) -> Doc:
    r = ctx.rng
    return _d(f"product updates take {r.randint(15, 90)} minutes to show up in Velora Search (normally under 1 minute). "
              f"Index: products_{r.choice(['de_DE', 'en_GB', 'fr_FR'])}, last full reindex at {a.ts(ctx)}. Indexing log:\n\n{a.json_log(ctx)}")


def status_followup(ctx: Ctx) -> Doc:
    r = ctx.rng
    return _d(f"regarding the incident on https://status.velora.io/incidents/{v.chars(r, v.LOWER + v.DIGITS, 12)}: it is marked resolved, "
              f"but we still see elevated error rates on {_comp(ctx)} ({r.randint(2, 9)}% 5xx over the last hour). Is the fix fully rolled out in eu-central?")


def umlauts(ctx: Ctx) -> Doc:
    return _d("product names with umlauts are broken in the German storefront: \"Outdoorjacke für Herren – Größe M\" is shown as "
              "\"Outdoorjacke fÃ¼r Herren â€“ GrÃ¶ÃŸe M\". It started after the last Studio release "
              f"({v.version(ctx.rng)}). Locale de-DE, channel {ctx.rng.randint(1, 9)}.")


def graphql(ctx: Ctx) -> Doc:
    return _d(f"this GraphQL query fails for some products:\n\n{a.graphql_error(ctx)}\n\nThe product has a price in the Studio UI. Bug?")


def cors(ctx: Ctx) -> Doc:
    return _d(f"we get CORS errors from https://www.{ctx.domain} calling https://api.velora.io/v2/carts:\n\n"
              f"Access to fetch at 'https://api.velora.io/v2/carts' from origin 'https://www.{ctx.domain}' has been blocked by CORS policy: "
              "No 'Access-Control-Allow-Origin' header is present on the requested resource.\n\n"
              f"We added https://www.{ctx.domain} to the allowed origins in Studio yesterday.")


def upgrade_question(ctx: Ctx) -> Doc:
    a_, b = v.version(ctx.rng), v.version(ctx.rng)
    return _d(f"we plan to upgrade from Storefront SDK {a_} to {b}. The changelog (https://docs.velora.io/changelog) mentions a breaking "
              "change in the cart API. Is there a migration guide, and can both versions run side by side during the rollout?")


def thanks_close(ctx: Ctx) -> Doc:
    return _d(f"thanks a lot, the fix works for us. {ctx.staff_first}, thank you for the quick help! You can close ticket VEL-{ctx.rng.randint(10000, 99999)}.")


def staff_followup(ctx: Ctx) -> Doc:
    return _d(f"as {ctx.staff} suggested in our call on {ctx.rng.choice(['Monday', 'Tuesday', 'Thursday'])}, I'm sending the HAR file summary. "
              f"The slow request is GET /api/v2/carts/{v.uuid4(ctx.rng)} which takes {ctx.rng.randint(3, 15)} s. "
              f"{ctx.staff_first}, please let me know if you need anything else.")


def k8s(ctx: Ctx) -> Doc:
    return _d(f"our self-hosted storefront (Velora Storefront {v.version(ctx.rng)}) keeps restarting after the latest image:\n\n"
              f"{a.k8s_events(ctx)}\n\nThe readiness endpoint calls your Commerce API. Was there a change in response times?")


def sql_slow(ctx: Ctx) -> Doc:
    return _d(f"the connector's sync query is extremely slow on our database:\n\n{a.sql_slowlog(ctx)}\n\nIs there an index you recommend?")


def product_import_csv(ctx: Ctx) -> Doc:
    return _d(f"the CSV product import rejects the following file with 'invalid decimal' but the format matches your docs:\n\n{a.product_csv(ctx)}\n\n"
              "We use semicolons and decimal commas as in the German example.")


def terraform(ctx: Ctx) -> Doc:
    return _d(f"the Terraform provider (velora/velora {v.version(ctx.rng)}) wants to update our webhook on every plan:\n\n{a.terraform_plan(ctx)}\n\n"
              "Nothing changed in our config. Is this a known provider bug?")


def data_retention(ctx: Ctx) -> Doc:
    return _d("our data protection officer asks how long Velora keeps order data and access logs, and whether a DPA addendum "
              "for the new Insights module is required. Could you send us the current sub-processor list?")


def image_optim(ctx: Ctx) -> Doc:
    r = ctx.rng
    return _d(f"images delivered by the Asset Manager are not converted to AVIF any more. Example: "
              f"https://assets.velora-cdn.net/{v.chars(r, v.LOWER + v.DIGITS, 10)}/products/jacket-{v.chars(r, v.HEX, 8)}.jpg?w=800&fm=avif "
              f"returns image/jpeg. Response header x-velora-asset-id: {v.uuid4(r)}.")


def timezone_bug(ctx: Ctx) -> Doc:
    return _d("scheduled publishing in Studio uses the wrong timezone since the DST change on 25 October: a page scheduled for "
              "2026-11-02 08:00 Europe/Berlin went live at 09:00. Our project timezone is set to Europe/Berlin.")


def load_test(ctx: Ctx) -> Doc:
    r = ctx.rng
    rows = "\n".join(f"{p:<22}{r.randint(50, 900):>6} rps   p95 {r.randint(80, 4000):>5} ms   errors {r.random() * 3:.2f}%"
                     for p in ["/", "/c/outdoor", "/p/trail-jacket", "/api/v2/carts", "/checkout"])
    return _d(f"ahead of Black Friday we ran a load test against {_proj(ctx)} (staging, {r.randint(2, 10)}x normal traffic):\n\n{rows}\n\n"
              "The cart API p95 looks high. Should we request a capacity increase for Black Friday?")


def email_templates(ctx: Ctx) -> Doc:
    return _d("the order confirmation template renders the placeholder literally. Template excerpt:\n\n"
              "<p>Hello {{customer.firstName}},</p>\n<p>thank you for your order {{order.number}} from {{order.date | date('d.m.Y')}}.</p>\n\n"
              "The mail arrives with \"Hello {{customer.firstName}}\" in production. Staging is fine.")


def allowlist(ctx: Ctx) -> Doc:
    r = ctx.rng
    return _d(f"please allowlist our new office egress IPs for the Studio admin: {v.doc_ip(r)} and {v.doc_ip(r)}, plus the CI runner "
              f"network 2001:db8:{v.chars(r, v.HEX, 4)}::/48. The old range 198.51.100.0/24 can be removed.")


def meeting(ctx: Ctx) -> Doc:
    r = ctx.rng
    return _d(f"could we schedule a call with {ctx.staff_first} about the migration to Checkout v3? We are available on "
              f"{r.randint(1, 28)} {r.choice(['December', 'January'])} between 10:00 and 14:00 CET, or any afternoon next week.")


def webhook_retry(ctx: Ctx) -> Doc:
    r = ctx.rng
    return _d(f"webhook deliveries for order.created are retried although our endpoint answers 200 within {r.randint(50, 900)} ms. "
              f"Delivery ids: {v.uuid4(r)}, {v.uuid4(r)}. Endpoint: https://hooks.{ctx.domain}/velora/orders (behind Cloudflare).")


def sitemap(ctx: Ctx) -> Doc:
    return _d(f"the generated sitemap at https://www.{ctx.domain}/sitemap.xml contains {ctx.rng.randint(200, 4000)} URLs of deleted "
              "categories. Google Search Console reports them as 404. How can we trigger a sitemap rebuild?")


def access_agency(ctx: Ctx) -> Doc:
    return _d(f"our agency Pixelwerk Digital GmbH will take over frontend development from January. Please give their team "
              f"developer access to project {_proj(ctx)} (not production). Their registered organization id is "
              f"ORG-{ctx.rng.randint(1000, 9999)}.")


def checkout_payment_provider(ctx: Ctx) -> Doc:
    r = ctx.rng
    return _d(f"since the last Checkout release, Klarna payments fail with \"PAYMENT_METHOD_NOT_AVAILABLE\" for orders above {r.randint(500, 2000)} EUR. "
              f"Adyen and PayPal work. Example order ids: {v.order_number(r)}, {v.order_number(r)}. Checkout session {v.uuid4(r)}.")


def inventory_sync(ctx: Ctx) -> Doc:
    r = ctx.rng
    skus = ", ".join(f"{r.choice(['NW', 'AK'])}-{r.randint(10000, 99999)}" for _ in range(4))
    return _d(f"stock levels in the storefront differ from our ERP for these SKUs: {skus}. The inventory sync job "
              f"(job id {v.uuid4(r)}) reports success. Last sync {a.ts(ctx)}.")


def mobile_auth_flow(ctx: Ctx) -> Doc:
    return _d("for our mobile app we want to use the PKCE flow against the Velora auth server. Is the refresh token rotated on "
              "every use, and what is its lifetime? We could not find it in https://docs.velora.io/auth/pkce.")


def redirect_loop(ctx: Ctx) -> Doc:
    return _d(f"after enabling the new locale routing, https://www.{ctx.domain}/ redirects in a loop between /de and /de-de "
              "(301 → 302 → 301 ...). The rule set in Edge is attached as JSON export. This blocks our launch next week.")


def background_jobs(ctx: Ctx) -> Doc:
    return _d(f"background processing in {_comp(ctx)} is stuck: {ctx.rng.randint(300, 9000)} jobs queued since {a.ts(ctx)}, "
              f"none processed. Queue: velora.events.{ctx.rng.choice(['orders', 'products', 'prices'])}. Production project {_proj(ctx)}.")


def a11y(ctx: Ctx) -> Doc:
    return _d("the default mini cart component from @velora/ui-kit fails WCAG 2.1 checks: the close button has no accessible name "
              "and focus is not trapped in the drawer. axe-core reports 3 serious issues. Can this be fixed in the kit?")


def price_rounding(ctx: Ctx) -> Doc:
    r = ctx.rng
    return _d(f"prices with tax are rounded differently in cart and checkout: {r.randint(10, 99)},99 EUR x 3 shows "
              f"{r.randint(100, 300)},97 in the cart but one cent more in checkout. Tax mode: gross, rounding: per line.")


CLEAN: tuple[Template, ...] = (
    checkout_java, storefront_slow, python_importer, js_hydration, php_connector, deploy_failed, rate_limits,
    edge_cache, feature_bulk_edit, docs_bug, invoice_question, preview_404, search_delay, status_followup, umlauts,
    graphql, cors, upgrade_question, thanks_close, staff_followup, k8s, sql_slow, product_import_csv, terraform,
    data_retention, image_optim, timezone_bug, load_test, email_templates, allowlist, meeting, webhook_retry,
    sitemap, access_agency, checkout_payment_provider, inventory_sync, mobile_auth_flow, redirect_loop,
    background_jobs, a11y, price_rounding,
)


# ------------------------------------------------------------------- hard clean (look-alikes)
def env_placeholders(ctx: Ctx) -> Doc:
    return _d("our .env for the storefront looks like this (values removed):\n\n"
              "VELORA_PROJECT=" + _proj(ctx) + "\nVELORA_API_KEY=${VELORA_API_KEY}\nVELORA_CLIENT_SECRET=xxxxxxxxxxxxxxxxxxxx\n"
              "DATABASE_URL=postgres://app:${DB_PASSWORD}@db:5432/shop\nSTRIPE_SECRET_KEY=sk_live_****************\n"
              "SESSION_SECRET=<redacted>\n\nWith this the SDK throws 'invalid client'. Is the variable name correct?")


def aws_doc_keys(ctx: Ctx) -> Doc:
    return _d("we followed your S3 export guide. The example in the docs uses\n\n"
              "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n\n"
              "and we replaced them with our real values of course. The export still fails with AccessDenied on "
              f"arn:aws:s3:::{ctx.domain.split('.')[0]}-velora-exports/*. Which bucket policy do you need?")


def stripe_test_card(ctx: Ctx) -> Doc:
    card = ctx.rng.choice(["4242 4242 4242 4242", "4000 0025 0000 3155", "5555 5555 5555 4444", "4000 0000 0000 3220"])
    return _d(f"on staging, 3-D Secure fails with the Stripe test card {card} (exp 12/34, CVC 123). Production is not affected. "
              "Checkout session id cs_test_" + v.chars(ctx.rng, v.ALNUM, 24) + ".")


def adyen_test_cards(ctx: Ctx) -> Doc:
    return _d("we test the Adyen integration with the documented test cards 4111 1111 1111 1111 and 3714 4963 5398 431 "
              "(holder name: John Doe, expiry 03/30). Amex is declined with 'Refused' in the test environment. Why?")


def ssh_pubkey(ctx: Ctx) -> Doc:
    return _d("please add this public key for the SFTP product feed import:\n\n"
              f"{v.ssh_public_key(ctx.rng, 'feeds@' + ctx.domain)}\n\nThe user should be {ctx.domain.split('.')[0]}-feeds.")


def pubkey_pem(ctx: Ctx) -> Doc:
    return _d(f"to verify your webhook signatures we need your current public key. Is this still the right one?\n\n{v.public_key_pem(ctx.rng)}\n\n"
              "Our verification fails since yesterday.")


def personas(ctx: Ctx) -> Doc:
    r = ctx.rng
    p = r.choice(["Max Mustermann", "Erika Mustermann", "John Doe", "Jane Doe"])
    first, last = p.split()
    return _d(f"test orders created with our QA persona fail validation:\n\n"
              f'{{"customer": {{"firstName": "{first}", "lastName": "{last}", "email": "{first.lower()}.{last.lower()}@example.com"}},\n'
              f' "shippingAddress": {{"street": "Musterstraße 1", "zip": "12345", "city": "Musterstadt"}},\n'
              f' "lines": [{{"sku": "NW-{r.randint(10000, 99999)}", "qty": 1}}]}}\n\n'
              "Response: 422 \"postalCode invalid for country DE\". 12345 is a valid German format, isn't it?")


def example_domains(ctx: Ctx) -> Doc:
    return _d("the newsletter double opt-in mails are not sent on staging. We tested with test@example.com, "
              "jane.doe@example.org and qa+1@example.net. The mail log in Studio shows status 'queued' for hours.")


def masked_values(ctx: Ctx) -> Doc:
    r = ctx.rng
    return _d(f"a customer's payment was captured twice (card **** **** **** {r.randint(1000, 9999)}, order {v.order_number(r)}). "
              f"The customer's email shows as a***@g***.com in the Insights export, which is fine. Payment ids: "
              f"pi_{v.chars(r, v.ALNUM, 24)} and pi_{v.chars(r, v.ALNUM, 24)}. Could the retry logic have captured twice?")


def sender_escalation(ctx: Ctx) -> Doc:
    return _d(f"please update our 24/7 escalation contact for {ctx.org}: from now on it is me, {ctx.name}, "
              f"reachable at {ctx.phone} or {ctx.email}. Please remove the old contact.")


def vendor_staff_cc(ctx: Ctx) -> Doc:
    other = ctx.rng.choice([s for s in vendor.STAFF if s[0] != ctx.staff_first])
    return _d(f"{ctx.staff_first}, I'm copying {other[0]} {other[1]} ({vendor.staff_email(*other)}) as agreed, since {other[0]} owns "
              f"the Checkout migration on your side. The open question is whether Velora Checkout supports split shipments.")


def hashes_integrity(ctx: Ctx) -> Doc:
    r = ctx.rng
    return _d(f"the browser blocks your SDK script because of an SRI mismatch:\n\n"
              f"Failed to find a valid digest in the 'integrity' attribute for resource "
              f"'https://cdn.velora-cdn.net/sdk/{v.version(r)}/velora.min.js' with computed SHA-384 integrity '{v.sri_hash(r)[7:]}'.\n\n"
              f"Our tag: <script src=\"https://cdn.velora-cdn.net/sdk/{v.version(r)}/velora.min.js\" integrity=\"{v.sri_hash(r)}\" crossorigin=\"anonymous\"></script>\n\n"
              f"File sha256: {v.sha256_hex(r)}")


def placeholders_code(ctx: Ctx) -> Doc:
    return _d("this is how we initialise the client (secrets come from Vault):\n\n"
              "const client = createClient({\n  projectKey: process.env.VELORA_PROJECT,\n  clientId: '<your-client-id>',\n"
              "  clientSecret: '{{ vault \"secret/velora\" \"client_secret\" }}',\n  apiKey: 'YOUR_API_KEY',\n});\n\n"
              "Authorization: Bearer <token>\n\nDo we need a separate client for the preview API?")


def yaml_sensitive(ctx: Ctx) -> Doc:
    return _d("our Helm values for the self-hosted preview proxy (secrets are injected from a Kubernetes Secret):\n\n"
              f"preview:\n  projectKey: {_proj(ctx)}\n  apiToken:\n    secretKeyRef:\n      name: velora-credentials\n      key: api-token\n"
              "  password: \"********\"\n  webhookSecret: \"REPLACE_ME\"\n\nThe proxy logs 'unauthorized' on start. What scope does the token need?")


def git_shas(ctx: Ctx) -> Doc:
    r = ctx.rng
    return _d(f"the regression appeared between our commits {v.git_sha(r)} and {v.git_sha(r)}; the only dependency change is "
              f"@velora/storefront-sdk {v.version(r)} -> {v.version(r)} (lockfile hash {v.sha256_hex(r)[:32]}). Bisect log attached.")


def uuid_heavy(ctx: Ctx) -> Doc:
    r = ctx.rng
    rows = "\n".join(f"{v.uuid4(r)}  {r.choice(['published', 'draft', 'archived'])}  {a.ts(ctx)}  rev {v.chars(r, v.HEX, 12)}" for _ in range(5))
    return _d(f"these content entries cannot be unpublished (409 Conflict):\n\n{rows}\n\nSpace id {v.chars(r, v.LOWER + v.DIGITS, 12)}.")


def names_products(ctx: Ctx) -> Doc:
    return _d("in Velora Studio the Page Builder crashes when we drag the 'Hero Banner' block into a page created from the "
              "'Jasper' template. Also, the Frontastic Bridge migration tool shows 'Camille theme not found'; Camille is the name "
              "of our design system, not a person. Mobile Safari 17.4, macOS Sonoma.")


def public_business_contact(ctx: Ctx) -> Doc:
    return _d(f"the footer of our shop shows the wrong company address. The correct address of {ctx.org} is {ctx.street}, "
              f"{ctx.city} (as on https://www.{ctx.domain}/imprint). Where is this configured in Studio?")


def dates_not_dob(ctx: Ctx) -> Doc:
    r = ctx.rng
    return _d(f"the promotion 'Winter Sale' (valid {r.randint(1, 15)}.12.2026 - {r.randint(16, 31)}.12.2026) is already visible although "
              f"its start date is in the future. Created on {r.randint(1, 28)}.10.2026 by our marketing team. Preview mode is off.")


def high_entropy_ids(ctx: Ctx) -> Doc:
    r = ctx.rng
    return _d(f"the CloudFront distribution in front of our storefront caches 502s. Request ids from the error page: "
              f"{v.chars(r, v.ALNUM + '_-', 56)}==, {v.chars(r, v.ALNUM + '_-', 56)}==. Trace id {v.chars(r, v.HEX, 32)}.\n\n{a.curl_dump(ctx)}")


def public_stripe_key(ctx: Ctx) -> Doc:
    return _d("the Stripe Payment Element does not load on staging; the console says the publishable key is invalid. We use "
              f"pk_test_{v.chars(ctx.rng, v.ALNUM, 99)} (the test publishable key, it is public anyway). Does Checkout expect a live key?")


def quoted_own(ctx: Ctx) -> Doc:
    d = Doc().add(f"following up on my mail below; the issue still happens.\n\n{ctx.rng.choice(['On', 'Am'])} Tue, 3 Nov 2026, {ctx.name} <{ctx.email}> wrote:\n")
    return d.embed(_d(f"Hi,\nsince the update the checkout shows an empty shipping method list.\nOrg: {ctx.org}\n\nBest,\n{ctx.name}\n{ctx.phone}"), prefix="> ")


HARD_CLEAN: tuple[Template, ...] = (
    env_placeholders, aws_doc_keys, stripe_test_card, adyen_test_cards, ssh_pubkey, pubkey_pem, personas,
    example_domains, masked_values, sender_escalation, vendor_staff_cc, hashes_integrity, placeholders_code,
    yaml_sensitive, git_shas, uuid_heavy, names_products, public_business_contact, dates_not_dob,
    high_entropy_ids, public_stripe_key, quoted_own,
)


def jwt_io_example(ctx: Ctx) -> Doc:
    return _d("your docs use the jwt.io example token eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6"
              "IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c in the auth guide "
              f"(https://docs.velora.io/auth/v{ctx.rng.randint(1, 3)}/tokens); does the Commerce API accept HS256 or only RS256 tokens?")


def data_uri(ctx: Ctx) -> Doc:
    r = ctx.rng
    import base64 as _b64

    png = _b64.b64encode(b"\x89PNG\r\n\x1a\n" + bytes(r.getrandbits(8) for _ in range(180))).decode()
    return _d(f"the inline placeholder image breaks the AMP validation:\n\n<img src=\"data:image/png;base64,{png}\" alt=\"\" width=\"1\">\n\n"
              "Can the Page Builder emit a normal URL instead?")


def password_policy(ctx: Ctx) -> Doc:
    r = ctx.rng
    return _d(f"our security team wants to change the customer password policy in Checkout: at least {r.randint(10, 16)} characters, "
              f"one digit, no reuse of the last {r.randint(3, 10)} passwords, and the reset token should expire after "
              f"{r.choice([15, 30, 60])} minutes. Where are these settings? The current 'Forgot password' mail says the token "
              "is valid for 24 hours.")


def analytics_ids(ctx: Ctx) -> Doc:
    r = ctx.rng
    return _d(f"the consent banner blocks our tags although consent is given: GTM-{v.chars(r, v.UPPER + v.DIGITS, 7)}, "
              f"G-{v.chars(r, v.UPPER + v.DIGITS, 10)}, Meta pixel {r.randint(10**14, 10**15)}, Hotjar site id "
              f"{r.randint(10**6, 10**7)}. Consent mode v2 is enabled in the Velora Studio tag settings.")


def vault_reference(ctx: Ctx) -> Doc:
    return _d("the staging admin credentials are in our shared 1Password vault ('Velora staging'); I can grant your support "
              f"engineer temporary access if needed. Token rotation is scheduled for {ctx.rng.randint(1, 28)} December. "
              "Password and API key are NOT in this mail on purpose.")


def csp_nonce(ctx: Ctx) -> Doc:
    r = ctx.rng
    nonce = v.chars(r, v.B64, 22) + "=="
    return _d(f"Edge strips our CSP nonce:\n\nContent-Security-Policy: script-src 'self' 'nonce-{nonce}' https://cdn.velora-cdn.net; "
              f"object-src 'none'\n<script nonce=\"{nonce}\">window.__STATE__={{}}</script>\n\nThe nonce differs per response, as it should.")


def customer_company_names(ctx: Ctx) -> Doc:
    return _d("B2B buyers from Schneider Elektrotechnik GmbH and Bergmann & Söhne KG cannot see their negotiated prices since "
              f"{ctx.rng.choice(['Monday', 'Tuesday', 'yesterday', 'the last deployment'])}. Both company accounts are in the "
              f"'{ctx.rng.choice(['wholesale', 'b2b-gold', 'dealer'])}' customer group. Other B2B accounts are fine.")


def sha_and_b64_config(ctx: Ctx) -> Doc:
    r = ctx.rng
    return _d(f"after upgrading the storefront our build cache never hits. Cache keys from the log:\n\n"
              f"cache-key: storefront-{v.sha256_hex(r)}\nrestore-keys: storefront-{v.git_sha(r)}\n"
              f"asset manifest: main.{v.chars(r, v.HEX, 8)}.js, vendor.{v.chars(r, v.HEX, 8)}.js, styles.{v.chars(r, v.HEX, 20)}.css")


HARD_CLEAN = HARD_CLEAN + (
    jwt_io_example, data_uri, password_policy, analytics_ids, vault_reference, csp_nonce, customer_company_names,
    sha_and_b64_config,
)


# ------------------------------------------------------------------- anonymized resubmissions
def anonymized_complaint(ctx: Ctx) -> Doc:
    r = ctx.rng
    return _d(f"re-sending my request in anonymized form as you asked: our customer [NAME REMOVED] (email: {r.choice('abcdefghjklmnprst')}***@***.com, "
              f"phone +49 1** *******) was charged twice for order {v.order_number(r)}. The payment provider shows one capture only.")


def anonymized_export(ctx: Ctx) -> Doc:
    r = ctx.rng
    rows = "\n".join(f"{v.order_number(r).lstrip('#')},{a.ts(ctx)},<redacted>,<redacted>,XXXXX,{r.randint(10, 900)}.{r.randint(0, 99):02d}"
                     for _ in range(3))
    return _d("here is the export again with the personal columns blanked:\n\norder_id,created_at,customer_name,email,zip,total_eur\n"
              f"{rows}\n\nRefund IBAN was DE** **** **** **** **** {r.randint(10, 99)} (masked). The rows are still dropped by the ERP export.")


def anonymized_secret(ctx: Ctx) -> Doc:
    r = ctx.rng
    return _d(f"sorry for the key in my last mail, it is rotated now. Anonymized config:\n\nSTRIPE_SECRET_KEY=sk_live_...{v.chars(r, v.ALNUM, 4)}\n"
              "AWS_SECRET_ACCESS_KEY=[REMOVED]\nDB_PASSWORD=******\nAuthorization: Bearer <token removed>\n\n"
              "The checkout still reports 'payment provider misconfigured'.")


HARD_CLEAN = HARD_CLEAN + (anonymized_complaint, anonymized_export, anonymized_secret)
