"""Bodies carrying application secrets (support terms: passwords, API credentials).

Each template plants one or more secrets in a realistic setting: .env files, YAML, JSON, code,
shell history, HTTP dumps, prose. ``SECRET`` are plain; ``hard.py`` wraps, quotes and HTML-encodes them.
"""

from __future__ import annotations

from collections.abc import Callable

from . import artifacts as a
from . import values as v
from .context import Ctx
from .doc import Doc, secret

Template = Callable[[Ctx], Doc]


def aws_pair(ctx: Ctx) -> Doc:
    r = ctx.rng
    return Doc().fmt("the S3 export to our bucket fails with SignatureDoesNotMatch. This is the profile we configured in Velora Connect:\n\n"
                     "[velora-export]\naws_access_key_id = {k}\naws_secret_access_key = {s}\nregion = eu-central-1\n\nIs the region relevant?",
                     k=secret(v.aws_key_id(r), "AWS_ACCESS_KEY"), s=secret(v.aws_secret(r), "AWS_SECRET_KEY"))


def aws_env(ctx: Ctx) -> Doc:
    r = ctx.rng
    return Doc().fmt("export AWS_ACCESS_KEY_ID={k}\nexport AWS_SECRET_ACCESS_KEY={s}\nexport AWS_DEFAULT_REGION=eu-west-1\n\n"
                     "With these in the CI job, `velora assets sync` still says 'no credentials'. What does the CLI read?",
                     k=secret(v.aws_key_id(r), "AWS_ACCESS_KEY"), s=secret(v.aws_secret(r), "AWS_SECRET_KEY"))


def github_token(ctx: Ctx) -> Doc:
    r = ctx.rng
    tok = secret(v.github_classic(r) if r.random() < 0.6 else v.github_fine_grained(r), "GITHUB_TOKEN")
    return Doc().fmt("the GitHub integration in Studio cannot read our theme repository. We entered the token {t} "
                     "with repo scope and it works with curl. Is SSO enforcement the problem?", t=tok)


def gitlab_token(ctx: Ctx) -> Doc:
    return Doc().fmt("our GitLab CI deploy to Velora fails at the clone step:\n\n$ git clone https://oauth2:{t}@gitlab.{d}/shop/storefront.git\n"
                     "fatal: unable to access: The requested URL returned error: 403\n\nDid the runner IPs change?",
                     t=secret(v.gitlab_pat(ctx.rng), "GITLAB_TOKEN"), d=ctx.domain)


def slack_bot(ctx: Ctx) -> Doc:
    return Doc().fmt("the Slack notification app for order alerts stopped posting. Config:\n\nSLACK_BOT_TOKEN={t}\nSLACK_CHANNEL=#shop-alerts\n\n"
                     "The token still works in the Slack API tester.", t=secret(v.slack_bot_token(ctx.rng), "SLACK_TOKEN"))


def slack_user(ctx: Ctx) -> Doc:
    return Doc().fmt("we used a user token ({t}) for the Insights Slack export because the bot token lacks history scope. "
                     "Exports are empty since Friday.", t=secret(v.slack_user_token(ctx.rng), "SLACK_TOKEN"))


def slack_webhook(ctx: Ctx) -> Doc:
    return Doc().fmt("deployment notifications to Slack don't arrive. Webhook URL configured in project settings: {u}\n"
                     "Testing it with curl -X POST works.", u=secret(v.slack_webhook(ctx.rng), "SLACK_WEBHOOK"))


def stripe_key(ctx: Ctx) -> Doc:
    return Doc().fmt("Checkout shows 'payment provider misconfigured' after we rotated our Stripe key. New key in the payment settings: "
                     "{k}\nWebhook endpoint secret unchanged. What else must be updated?", k=secret(v.stripe_live(ctx.rng), "STRIPE_KEY"))


def stripe_webhook(ctx: Ctx) -> Doc:
    return Doc().fmt("signature verification of Stripe webhooks fails in the Checkout plugin. The signing secret we entered is {s}. "
                     "Events arrive but are rejected with 400.", s=secret(v.stripe_webhook_secret(ctx.rng), "STRIPE_KEY"))


def google_maps(ctx: Ctx) -> Doc:
    return Doc().fmt("the store locator map stays grey. We use <script src=\"https://maps.googleapis.com/maps/api/js?key={k}&callback=initMap\">. "
                     "Is the Velora CSP blocking it?", k=secret(v.google_api_key(ctx.rng), "GOOGLE_API_KEY"))


def openai_key(ctx: Ctx) -> Doc:
    return Doc().fmt("the AI product description generator in Studio returns 401. We set OPENAI_API_KEY to {k} in the integration "
                     "settings. Our OpenAI dashboard shows no requests.", k=secret(v.openai_key(ctx.rng), "OPENAI_KEY"))


def sendgrid(ctx: Ctx) -> Doc:
    return Doc().fmt("transactional mails via SendGrid are not sent. Mail settings:\n\nprovider: sendgrid\napi_key: {k}\n"
                     "from: shop@{d}\n\nThe SendGrid activity feed is empty.", k=secret(v.sendgrid_key(ctx.rng), "SENDGRID_KEY"), d=ctx.domain)


def twilio(ctx: Ctx) -> Doc:
    r = ctx.rng
    return Doc().fmt("SMS notifications fail with 20003 Authenticate. TWILIO_ACCOUNT_SID={sid}\nTWILIO_AUTH_TOKEN={t}\n"
                     "Both copied from the Twilio console this morning.", sid=v.twilio_sid(r), t=secret(v.twilio_token(r), "TWILIO_AUTH_TOKEN"))


def twilio_api_key(ctx: Ctx) -> Doc:
    r = ctx.rng
    return Doc().fmt("we switched the SMS integration to a Twilio API key: SID {sid}, secret {t}. Now every send returns 401.",
                     sid=v.twilio_sid(r, "SK"), t=secret(v.chars(r, v.ALNUM, 32), "TWILIO_AUTH_TOKEN"))


def shopify(ctx: Ctx) -> Doc:
    return Doc().fmt("the Shopify product sync in Velora Connect fails with 401. Admin API access token: {t}. The app has "
                     "read_products and read_inventory scopes.", t=secret(v.shopify_token(ctx.rng), "SHOPIFY_TOKEN"))


def npmrc(ctx: Ctx) -> Doc:
    return Doc().fmt("installing the private @velora packages fails in our Docker build. Our .npmrc:\n\n"
                     "@velora:registry=https://npm.velora.dev/\n//npm.velora.dev/:_authToken={t}\n\nError: 403 Forbidden - GET https://npm.velora.dev/@velora%2fui-kit",
                     t=secret(v.npm_token(ctx.rng), "NPM_TOKEN"))


def contentful(ctx: Ctx) -> Doc:
    return Doc().fmt("the Contentful migration into Studio stops at 40%. We run it with:\n\n"
                     "npx velora-migrate contentful --space {sp} --management-token {t}\n\nLog says 'rate limited' then exits.",
                     sp=v.chars(ctx.rng, v.LOWER + v.DIGITS, 12), t=secret(v.contentful_token(ctx.rng), "CONTENTFUL_TOKEN"))


def jwt_header(ctx: Ctx) -> Doc:
    return Doc().fmt("the Commerce API answers 401 for this request, which worked yesterday:\n\n"
                     "POST /v2/carts HTTP/1.1\nHost: api.velora.io\nAuthorization: Bearer {t}\nContent-Type: application/json\n\n"
                     "Did the token issuer change?", t=secret(v.jwt(ctx.rng), "JWT"))


def pem_key(ctx: Ctx) -> Doc:
    return Doc().fmt("we need to configure mTLS for the Edge origin. Here is our client certificate's key so you can check the format:\n\n{k}\n\n"
                     "Edge says 'unable to parse private key'.", k=secret(v.pem_private_key(ctx.rng), "PRIVATE_KEY"))


def db_url(ctx: Ctx) -> Doc:
    r = ctx.rng
    scheme, port = r.choice([("postgresql", 5432), ("postgres", 5432), ("mysql", 3306), ("mongodb+srv", None), ("redis", 6379)])
    if port is None:
        hostport = f"cluster0.{v.chars(r, v.LOWER + v.DIGITS, 5)}.mongodb.net"
    else:
        host = r.choice([f"db.{ctx.domain}", f"{ctx.domain.split('.')[0]}-prod.cluster-{v.chars(r, v.LOWER + v.DIGITS, 12)}.eu-central-1.rds.amazonaws.com"])
        hostport = f"{host}:{port}"
    return Doc().fmt("the Connect sync job cannot reach our database. Connection string:\n\n{s}://{u}:{pw}@{h}/shop?sslmode=require\n\n"
                     "Telnet to the port works from the Connect egress IP.",
                     s=scheme, u=r.choice(["shop", "velora_sync", "admin", "app"]), pw=secret(v.password(r, url_safe=True), "CONNECTION_STRING"), h=hostport)


def url_credentials(ctx: Ctx) -> Doc:
    r = ctx.rng
    return Doc().fmt("the product feed import uses basic auth in the URL: https://{u}:{pw}@feeds.{d}/export/products.xml - "
                     "since Monday the import says 'unauthorized'.", u=r.choice(["velora", "feed", "export"]),
                     pw=secret(v.password(r, url_safe=True), "URL_CREDENTIALS"), d=ctx.domain)


def bearer_opaque(ctx: Ctx) -> Doc:
    return Doc().fmt("curl -H \"Authorization: Bearer {t}\" https://api.velora.io/v2/projects/{p}/orders?limit=5\n\n"
                     "returns {{\"error\":\"insufficient_scope\"}}. The API client has orders:read. Why?",
                     t=secret(v.opaque_token(ctx.rng), "AUTH_HEADER"), p=ctx.domain.split(".")[0])


def basic_header(ctx: Ctx) -> Doc:
    return Doc().fmt("our ERP calls the order webhook relay with\n\nAuthorization: Basic {b}\n\nand gets 403 since your maintenance.",
                     b=secret(v.basic_auth(ctx.rng, "erp-sync"), "AUTH_HEADER"))


def cookie(ctx: Ctx) -> Doc:
    r = ctx.rng
    return Doc().fmt("Studio logs us out every few minutes. Request headers from the browser:\n\nGET /studio/api/me HTTP/2\n"
                     "Cookie: velora_session={s}; _ga=GA1.2.{ga}; locale=de\n\nResponse: 401.",
                     s=secret(v.session_id(r), "COOKIE"), ga=f"{r.randint(10**8, 10**9)}.{r.randint(10**9, 2 * 10**9)}")


def set_cookie(ctx: Ctx) -> Doc:
    return Doc().fmt("after login the admin returns\n\nSet-Cookie: PHPSESSID={s}; path=/; HttpOnly; SameSite=Lax\n\n"
                     "but the next request has no session. Load balancer stickiness?", s=secret(v.session_id(ctx.rng), "COOKIE"))


def env_password(ctx: Ctx) -> Doc:
    r = ctx.rng
    return Doc().fmt("our .env for the self-hosted storefront:\n\nVELORA_PROJECT={p}\nDB_HOST=db.internal\nDB_USER=shop\nDB_PASSWORD={pw}\n"
                     "VELORA_API_SECRET={k}\n\nThe container fails to start with 'invalid client'.",
                     p=ctx.domain.split(".")[0], pw=secret(v.password(r), "PASSWORD"), k=secret(v.opaque_token(r), "API_KEY"))


def yaml_secret(ctx: Ctx) -> Doc:
    r = ctx.rng
    return Doc().fmt("Helm values of our preview proxy:\n\npreview:\n  projectKey: {p}\n  apiToken: \"{t}\"\n  basicAuth:\n"
                     "    user: preview\n    password: {pw}\n\nThe proxy answers 502.",
                     p=ctx.domain.split(".")[0], t=secret(v.opaque_token(r), "API_KEY"), pw=secret(v.password(r), "PASSWORD"))


def json_secret(ctx: Ctx) -> Doc:
    r = ctx.rng
    return Doc().fmt("the connector config that fails validation:\n\n{{\n  \"endpoint\": \"https://api.velora.io\",\n  \"clientId\": \"{cid}\",\n"
                     "  \"clientSecret\": \"{cs}\",\n  \"scopes\": [\"orders:read\"]\n}}\n\nError: invalid_client.",
                     cid=f"{ctx.domain.split('.')[0]}-connector", cs=secret(v.opaque_token(r), "API_KEY"))


def code_secret(ctx: Ctx) -> Doc:
    r = ctx.rng
    return Doc().fmt("our webhook handler (simplified):\n\n```python\nimport hmac, hashlib\n\nWEBHOOK_SECRET = \"{s}\"\n\n"
                     "def verify(body: bytes, signature: str) -> bool:\n    mac = hmac.new(WEBHOOK_SECRET.encode(), body, hashlib.sha256)\n"
                     "    return hmac.compare_digest(mac.hexdigest(), signature)\n```\n\nSignatures never match. Is the body re-serialised?",
                     s=secret(v.chars(r, v.HEX, 64), "API_KEY"))


def prose_password(ctx: Ctx) -> Doc:
    r = ctx.rng
    return Doc().fmt("you can log into our staging admin to reproduce: user velora-support, the password is {pw} "
                     "(please don't change anything in production).", pw=secret(v.password(r), "PASSWORD"))


def prose_api_key(ctx: Ctx) -> Doc:
    return Doc().fmt("to reproduce, use our staging API key {k} against project {p}; it has read-only scope.",
                     k=secret(v.opaque_token(ctx.rng), "API_KEY"), p=ctx.domain.split(".")[0] + "-staging")


def entropy_context(ctx: Ctx) -> Doc:
    r = ctx.rng
    return Doc().fmt("the HMAC signing key for the Edge signed URLs is {k} - URLs signed with it are rejected with 403 "
                     "since the key rotation. Generated at {t}.", k=secret(v.chars(r, v.B64, 44), "HIGH_ENTROPY_SECRET"), t=a.ts(ctx))


def azure_conn(ctx: Ctx) -> Doc:
    r = ctx.rng
    return Doc().fmt("asset uploads to our Azure blob storage fail:\n\nDefaultEndpointsProtocol=https;AccountName={an};AccountKey={k};EndpointSuffix=core.windows.net\n\n"
                     "AuthenticationFailed.", an=ctx.domain.split(".")[0].replace("-", "") + "assets",
                     k=secret(v.chars(r, v.B64, 86) + "==", "CONNECTION_STRING"))


def shell_history(ctx: Ctx) -> Doc:
    r = ctx.rng
    return Doc().fmt("what I ran:\n\n$ velora login --token {t}\nLogged in as {u}\n$ velora deploy --project {p}\nError: project not found\n\n"
                     "The project exists in Studio.", t=secret(v.opaque_token(r), "API_KEY"), u=ctx.email, p=ctx.domain.split(".")[0])


def docker_login(ctx: Ctx) -> Doc:
    r = ctx.rng
    return Doc().fmt("pulling the self-hosted image fails:\n\n$ docker login registry.velora.io -u {u} -p {pw}\nWARNING! Using --password via the CLI is insecure.\n"
                     "Error response from daemon: unauthorized", u=ctx.domain.split(".")[0], pw=secret(v.password(r), "PASSWORD"))


SECRET: tuple[Template, ...] = (
    aws_pair, aws_env, github_token, gitlab_token, slack_bot, slack_user, slack_webhook, stripe_key, stripe_webhook,
    google_maps, openai_key, sendgrid, twilio, twilio_api_key, shopify, npmrc, contentful, jwt_header, pem_key, db_url,
    url_credentials, bearer_opaque, basic_header, cookie, set_cookie, env_password, yaml_secret, json_secret,
    code_secret, prose_password, prose_api_key, entropy_context, azure_conn, shell_history, docker_login,
)


# ------------------------------------------------------------------- more settings, more providers
def gcp_service_account(ctx: Ctx) -> Doc:
    r = ctx.rng
    key = v.pem_private_key(r)
    while "BEGIN PRIVATE KEY" not in key:
        key = v.pem_private_key(r)
    escaped = key.replace("\n", "\\n") + "\\n"
    project = ctx.domain.split(".")[0] + "-shop"
    return Doc().fmt('the BigQuery export in Insights rejects our service account file:\n\n{{\n  "type": "service_account",\n'
                     '  "project_id": "{p}",\n  "private_key_id": "{kid}",\n  "private_key": "{k}",\n'
                     '  "client_email": "velora-export@{p}.iam.gserviceaccount.com"\n}}\n\nError: invalid_grant.',
                     p=project, kid=v.chars(r, v.HEX, 40), k=secret(escaped, "PRIVATE_KEY"))


def docker_config_auth(ctx: Ctx) -> Doc:
    r = ctx.rng
    return Doc().fmt('our CI pulls from your registry with this ~/.docker/config.json:\n\n{{"auths": {{"registry.velora.io": '
                     '{{"auth": "{a}"}}}}}}\n\nbut gets "denied: requested access to the resource is denied".',
                     a=secret(v.basic_auth(r, ctx.domain.split(".")[0]), "AUTH_HEADER"))


def curl_user(ctx: Ctx) -> Doc:
    r = ctx.rng
    return Doc().fmt("curl -u export:{pw} https://feeds.{d}/velora/products.xml -o products.xml\n\nworks from my laptop but the "
                     "Velora feed importer reports 401 with the same credentials.",
                     pw=secret(v.password(r, url_safe=True), "PASSWORD"), d=ctx.domain)


def mysql_cli(ctx: Ctx) -> Doc:
    r = ctx.rng
    return Doc().fmt("to check the connector tables I ran\n\n$ PGPASSWORD='{pw}' psql -h db.{d} -U velora_sync shop -c '\\dt'\n\n"
                     "and the velora_* tables are missing after the upgrade.", pw=secret(v.password(r), "PASSWORD"), d=ctx.domain)


def algolia_admin(ctx: Ctx) -> Doc:
    r = ctx.rng
    return Doc().fmt("we connected Velora Search to our Algolia app {app} with the admin API key {k}. Indexing works but "
                     "synonyms are not synced.", app=v.chars(r, v.UPPER + v.DIGITS, 10), k=secret(v.chars(r, v.HEX, 32), "API_KEY"))


def datadog(ctx: Ctx) -> Doc:
    r = ctx.rng
    return Doc().fmt("the Datadog log forwarding in Edge does not send anything. Settings:\n\nDD_SITE=datadoghq.eu\nDD_API_KEY={k}\n"
                     "DD_SERVICE=storefront\n\nDatadog shows no intake.", k=secret(v.chars(r, v.HEX, 32), "API_KEY"))


def mailchimp(ctx: Ctx) -> Doc:
    r = ctx.rng
    return Doc().fmt("newsletter sign-ups are not synced to Mailchimp. The integration uses API key {k} and audience {aud}.",
                     k=secret(f"{v.chars(r, v.HEX, 32)}-us{r.randint(1, 21)}", "API_KEY"), aud=v.chars(r, v.HEX, 10))


def git_credentials(ctx: Ctx) -> Doc:
    r = ctx.rng
    tok = secret(v.github_classic(r), "GITHUB_TOKEN")
    return Doc().fmt("the build container has this in ~/.git-credentials:\n\nhttps://ci-bot:{t}@github.com\n\n"
                     "and still cannot fetch the private theme submodule.", t=tok)


def kubeconfig_token(ctx: Ctx) -> Doc:
    r = ctx.rng
    return Doc().fmt("our kubeconfig for the self-hosted preview cluster:\n\nusers:\n- name: velora-preview\n  user:\n    token: {t}\n\n"
                     "kubectl says 'You must be logged in to the server (Unauthorized)'.", t=secret(v.jwt(r), "JWT"))


def paypal_secret(ctx: Ctx) -> Doc:
    r = ctx.rng
    return Doc().fmt("PayPal in Checkout fails with invalid_client. Client ID {cid}\nSecret: {s}\nLive mode.",
                     cid="A" + v.chars(r, v.B64URL, 79), s=secret("E" + v.chars(r, v.B64URL, 79), "API_KEY"))


def adyen_key(ctx: Ctx) -> Doc:
    r = ctx.rng
    return Doc().fmt("after rotating the Adyen web service user credentials, payments fail. X-API-Key we use: {k}",
                     k=secret("AQE" + v.chars(r, v.B64URL + "=", 120), "API_KEY"))


SECRET = SECRET + (
    gcp_service_account, docker_config_auth, curl_user, mysql_cli, algolia_admin, datadog, mailchimp,
    git_credentials, kubeconfig_token, paypal_secret, adyen_key,
)
