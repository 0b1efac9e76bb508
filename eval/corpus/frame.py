"""What surrounds a message body: greeting, closing, the sender's signature, quoted replies.

All of it is the sender's or the vendor's own identity, which is never a finding.
"""

from __future__ import annotations

from . import vendor
from .context import Ctx
from .doc import Doc

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def greeting(ctx: Ctx) -> str:
    r = ctx.rng
    return r.choice([
        "Hi Velora team,", "Hello Velora Support,", "Dear support team,", "Hi,", "Hello,",
        f"Hi {ctx.staff_first},", f"Dear {ctx.staff},", "Hi support,", "Good morning,",
        "Hey team,", "Dear Sir or Madam,", f"Hello {ctx.staff_first} and team,",
    ]) + "\n\n"


def closing(ctx: Ctx) -> str:
    return ctx.rng.choice([
        "Best regards,", "Kind regards,", "Thanks in advance,", "Cheers,", "Many thanks,",
        "Thanks,", "Best,", "Regards,", "Thank you and best regards,", "Viele Grüße / Best regards,",
    ])


def signature(ctx: Ctx) -> str:
    r = ctx.rng
    web = "www." + ctx.domain
    style = r.randrange(6)
    if style == 0:
        return (f"{ctx.name}\n{ctx.title}\n{ctx.org}\n{ctx.street}, {ctx.city}, {ctx.country}\n"
                f"Phone: {ctx.phone}\n{ctx.email} | {web}")
    if style == 1:
        return f"-- \n{ctx.name} | {ctx.title} | {ctx.org}\nT {ctx.phone} | E {ctx.email}\n{ctx.street} · {ctx.city}"
    if style == 2:
        return f"{ctx.first}"
    if style == 3:
        return (f"{ctx.name}\n{ctx.title}\n\n{ctx.org}\n{ctx.street}\n{ctx.city}\n{ctx.country}\n"
                f"Tel.: {ctx.phone}\nMail: {ctx.email}\nWeb: https://{web}\n\n"
                f"{ctx.org} · Registered office: {ctx.city.split(' ', 1)[-1]} · Managing director: {ctx.name}")
    if style == 4:
        return f"{ctx.name}\n{ctx.org}\n{ctx.phone}"
    return (f"{ctx.name}\n{ctx.title}, {ctx.org}\nm: {ctx.phone}\ne: {ctx.email}\n\n"
            "This e-mail may contain confidential information. If you are not the intended recipient, "
            "please notify the sender and delete it.")


def date_line(ctx: Ctx) -> str:
    r = ctx.rng
    return f"{r.choice(DAYS)}, {r.randint(1, 28)} {r.choice(MONTHS)} 2026 at {r.randint(7, 19):02d}:{r.randint(0, 59):02d}"


def vendor_reply(ctx: Ctx) -> Doc:
    """A previous reply from vendor staff, to be quoted."""
    r = ctx.rng
    ticket = f"VEL-{r.randint(10000, 99999)}"
    body = r.choice([
        "thanks for reaching out. Could you send us the request ids of a few failing calls and the time window?",
        f"we have forwarded this to our {r.choice(vendor.COMPONENTS)} team. We will get back to you shortly.",
        "could you please check whether the issue also happens on your staging project?",
        "this looks related to the incident on our status page (https://status.velora.io). Can you confirm it is resolved for you?",
        "we deployed a fix for this. Please let us know if you still see the error.",
    ])
    d = Doc()
    d.add(f"Hi {ctx.first},\n\n{body}\n\nTicket: {ticket}\n\nBest regards,\n{ctx.staff}\n"
          f"{r.choice(['Customer Support', 'Technical Support Engineer', 'Support Team Lead'])}, {vendor.VENDOR_LEGAL_NAME}\n"
          f"{vendor.SUPPORT_EMAIL} | {vendor.VENDOR_PHONE}")
    return d


def quote_header(ctx: Ctx, who: str, addr: str) -> str:
    return ctx.rng.choice([
        f"On {date_line(ctx)}, {who} <{addr}> wrote:\n",
        f"-----Original Message-----\nFrom: {who} <{addr}>\nSent: {date_line(ctx)}\nSubject: Re: support request\n\n",
        f"Am {date_line(ctx)} schrieb {who} <{addr}>:\n",
    ])


def frame(ctx: Ctx, body: Doc, *, quote_vendor: bool) -> Doc:
    doc = Doc()
    doc.add(greeting(ctx))
    doc.embed(body)
    doc.add(f"\n\n{closing(ctx)}\n{signature(ctx)}\n")
    if quote_vendor:
        doc.add("\n" + quote_header(ctx, f"{ctx.staff} (Velora Support)", vendor.SUPPORT_EMAIL))
        doc.embed(vendor_reply(ctx), prefix="> ")
        doc.add("\n")
    return doc
