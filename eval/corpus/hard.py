"""Hard dirty cases: values wrapped across lines, inside quoted replies, inside HTML, in logs.

A recognizer that only scans one clean line at a time misses these; the support terms still
apply to them.
"""

from __future__ import annotations

from collections.abc import Callable

from . import artifacts as a
from . import frame, leaks, pii
from . import values as v
from .context import Ctx
from .doc import Doc, Value, secret, wrap
from .doc import pii as pii_value

Template = Callable[[Ctx], Doc]


def _long_secret(ctx: Ctx) -> Value:
    r = ctx.rng
    kind = r.randrange(5)
    if kind == 0:
        return secret(v.jwt(r), "JWT")
    if kind == 1:
        return secret(v.github_fine_grained(r), "GITHUB_TOKEN")
    if kind == 2:
        return secret(v.sendgrid_key(r), "SENDGRID_KEY")
    if kind == 3:
        return secret(v.slack_webhook(r), "SLACK_WEBHOOK")
    return secret(v.openai_key(r), "OPENAI_KEY")


def wrapped_token(ctx: Ctx) -> Doc:
    val = _long_secret(ctx)
    at = ctx.rng.randint(12, max(13, len(val.text) - 8))
    return Doc().fmt("our mail client wraps long lines, sorry. The credential configured in Connect is:\n\n{t}\n\n"
                     "and the integration reports 'unauthorized' since yesterday.", t=wrap(val, at))


def quoted_wrapped_bearer(ctx: Ctx) -> Doc:
    val = secret(v.jwt(ctx.rng), "JWT")
    inner = Doc().fmt("Authorization: Bearer {t}\nX-Request-Id: {rid}", t=wrap(val, ctx.rng.randint(30, 70)), rid=v.request_id(ctx.rng))
    d = Doc().add(f"my request from last week, still failing:\n\n{frame.quote_header(ctx, ctx.name, ctx.email)}")
    return d.embed(inner, prefix="> ")


def quoted_dirty(ctx: Ctx) -> Doc:
    """A colleague's earlier mail (or the customer's own) quoted, the dirty part inside the quote."""
    body = ctx.rng.choice(leaks.SECRET + pii.PII)(ctx)
    d = Doc().add(f"any news on this? Re-sending my mail from {ctx.rng.choice(['Monday', 'last week', 'yesterday'])}.\n\n"
                  f"{frame.quote_header(ctx, ctx.name, ctx.email)}")
    inner = Doc().add("Hi,\n\n").embed(body)
    return d.embed(inner, prefix="> ")


def html_table_pii(ctx: Ctx) -> Doc:
    f, la = ctx.third_party()
    return Doc().fmt("<html><body><p>Hello Velora team,</p><p>the order below is stuck in status <b>pending</b>:</p>\n"
                     "<table><tr><td>Order</td><td>{o}</td></tr>\n<tr><td>Customer</td><td>{p}</td></tr>\n"
                     "<tr><td>E-Mail</td><td><a href=\"mailto:{e}\">{e2}</a></td></tr>\n<tr><td>Phone</td><td>{ph}</td></tr></table>\n"
                     "<p>Thanks!</p></body></html>",
                     o=v.order_number(ctx.rng), p=pii_value(f"{f} {la}", "PERSON"),
                     e=pii_value(em := v.consumer_email(ctx.rng, f, la), "EMAIL_ADDRESS"), e2=pii_value(em, "EMAIL_ADDRESS"),
                     ph=pii_value(v.mobile_phone(ctx.rng), "PHONE_NUMBER"))


def html_code_secret(ctx: Ctx) -> Doc:
    r = ctx.rng
    tok = r.choice([secret(v.stripe_live(r), "STRIPE_KEY"), secret(v.github_classic(r), "GITHUB_TOKEN"),
                    secret(v.shopify_token(r), "SHOPIFY_TOKEN"), secret(v.aws_key_id(r), "AWS_ACCESS_KEY"),
                    secret(v.npm_token(r), "NPM_TOKEN"), secret(v.google_api_key(r), "GOOGLE_API_KEY")])
    return Doc().fmt("<div dir=\"ltr\"><div>Hi,</div><div><br></div><div>the key we use is <code>{t}</code>&nbsp;and it was "
                     "rejected.</div><div><br></div><div>Best</div></div>", t=tok)


def html_password_attr(ctx: Ctx) -> Doc:
    return Doc().fmt("<p>our login form markup for the shop:</p><pre>&lt;input type=&quot;hidden&quot; name=&quot;api_password&quot; "
                     "value=&quot;{pw}&quot;&gt;</pre><p>Is this safe?</p>", pw=secret(v.password(ctx.rng), "PASSWORD"))


def token_in_query(ctx: Ctx) -> Doc:
    return Doc().fmt("this URL from our logs returns 401:\nhttps://api.velora.io/v2/orders?project={p}&access_token={t}&limit=20\n"
                     "Is query-string auth deprecated?", p=ctx.domain.split(".")[0], t=secret(v.opaque_token(ctx.rng), "AUTH_HEADER"))


def json_log_header(ctx: Ctx) -> Doc:
    r = ctx.rng
    return Doc().fmt("request log of the failing call:\n\n{{\"ts\":\"{ts}\",\"method\":\"POST\",\"path\":\"/v2/checkout\",\"status\":401,"
                     "\"headers\":{{\"authorization\":\"Bearer {t}\",\"x-request-id\":\"{rid}\"}}}}",
                     ts=a.ts(ctx), t=secret(v.opaque_token(r), "AUTH_HEADER"), rid=v.uuid4(r))


def log_with_customer(ctx: Ctx) -> Doc:
    r = ctx.rng
    f, la = ctx.third_party()
    return Doc().fmt("{t1} INFO  checkout.session created id={sid} ip={pip}\n{t2} WARN  payment.declined customer={e} "
                     "client_ip={ip} reason=insufficient_funds\n{t3} INFO  checkout.session closed id={sid}\n\n"
                     "Why is the session closed right after the decline?",
                     t1=a.ts(ctx), t2=a.ts(ctx), t3=a.ts(ctx), sid=v.uuid4(r), pip=v.private_ip(r),
                     e=pii_value(v.consumer_email(r, f, la), "EMAIL_ADDRESS"), ip=pii_value(v.public_ipv4(r), "IP_ADDRESS"))


def pem_in_quote(ctx: Ctx) -> Doc:
    d = Doc().add(f"forwarding the setup mail from our former developer:\n\n{frame.quote_header(ctx, ctx.name, ctx.email)}")
    inner = Doc().fmt("Key for the SFTP export user:\n\n{k}\n", k=secret(v.pem_private_key(ctx.rng), "PRIVATE_KEY"))
    return d.embed(inner, prefix="> ")


def split_key_pair_prose(ctx: Ctx) -> Doc:
    r = ctx.rng
    return Doc().fmt("the access key id is {k} and the secret is\n{s}\n(both from the IAM user velora-export).",
                     k=secret(v.aws_key_id(r), "AWS_ACCESS_KEY"), s=secret(v.aws_secret(r), "AWS_SECRET_KEY"))


def obfuscated_email(ctx: Ctx) -> Doc:
    f, la = ctx.third_party()
    em = v.consumer_email(ctx.rng, f, la)
    local, dom = em.split("@")
    shown = f"{local} (at) {dom}" if ctx.rng.random() < 0.5 else f"{local} [at] {dom.replace('.', ' [dot] ')}"
    return Doc().fmt("a customer, {p}, cannot reset her password; her login is {e}. The reset mail never arrives.",
                     p=pii_value(f"{f} {la}", "PERSON"), e=pii_value(shown, "EMAIL_ADDRESS"))


def slack_style_secret(ctx: Ctx) -> Doc:
    r = ctx.rng
    tok = r.choice([secret(v.stripe_live(r), "STRIPE_KEY"), secret(v.slack_bot_token(r), "SLACK_TOKEN"),
                    secret(v.gitlab_pat(r), "GITLAB_TOKEN"), secret(v.contentful_token(r), "CONTENTFUL_TOKEN")])
    return Doc().fmt("quick one - prod is using `{t}` right now, can you check why it gets 401?", t=tok)


def customer_name_lower(ctx: Ctx) -> Doc:
    f, la = ctx.third_party()
    return Doc().fmt("order {o} for customer {p} shows the wrong VAT. shipping to {ad}.",
                     o=v.order_number(ctx.rng), p=pii_value(f"{f.lower()} {la.lower()}", "PERSON"),
                     ad=pii_value(v.postal_address(ctx.rng), "POSTAL_ADDRESS"))


HARD_DIRTY: tuple[Template, ...] = (
    wrapped_token, quoted_wrapped_bearer, quoted_dirty, html_table_pii, html_code_secret, html_password_attr,
    token_in_query, json_log_header, log_with_customer, pem_in_quote, split_key_pair_prose, obfuscated_email,
    slack_style_secret, customer_name_lower,
)
