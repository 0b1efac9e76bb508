"""Bodies carrying third-party personal data: the sender's own customers, never the sender.

Support terms: requests including non-anonymized personal data of third parties (e.g. the
customer's own customers) can be deleted and re-requested in anonymized form.
"""

from __future__ import annotations

from collections.abc import Callable

from . import artifacts as a
from . import values as v
from .context import Ctx
from .doc import Doc, Value, pii

Template = Callable[[Ctx], Doc]


def _person(ctx: Ctx) -> tuple[str, str, Value]:
    first, last = ctx.third_party()
    return first, last, pii(f"{first} {last}", "PERSON")


def _email(ctx: Ctx, first: str, last: str) -> Value:
    return pii(v.consumer_email(ctx.rng, first, last), "EMAIL_ADDRESS")


def _phone(ctx: Ctx) -> Value:
    return pii(v.mobile_phone(ctx.rng), "PHONE_NUMBER")


def _addr(ctx: Ctx, one_line: bool = True) -> Value:
    return pii(v.postal_address(ctx.rng, one_line), "POSTAL_ADDRESS")


def complaint(ctx: Ctx) -> Doc:
    f, la, p = _person(ctx)
    return Doc().fmt("our customer {p} ({e}) complained that she was charged twice for order {o}. The payment provider shows "
                     "one capture only. Can you check the checkout logs for this order?",
                     p=p, e=_email(ctx, f, la), o=v.order_number(ctx.rng))


def order_export_csv(ctx: Ctx) -> Doc:
    r = ctx.rng
    d = Doc().add("the order export to our ERP drops rows. Here are the three affected orders from the export file:\n\n"
                  "order_id,created_at,customer_name,email,phone,street,zip_city,total_eur\n")
    for _ in range(3):
        f, la, p = _person(ctx)
        street, zip_city = v.postal_address(r).split(", ", 1)
        d.fmt("{o},{t},{p},{e},{ph},{s},{z},{tot}\n", o=v.order_number(r).lstrip("#"), t=a.ts(ctx), p=p, e=_email(ctx, f, la),
              ph=_phone(ctx), s=pii(street, "POSTAL_ADDRESS"), z=pii(zip_city, "POSTAL_ADDRESS"), tot=f"{r.randint(10, 900)}.{r.randint(0, 99):02d}")
    return d.add("\nAll three have a gift card applied. The export job ran at 02:00.")


def json_payload(ctx: Ctx) -> Doc:
    r = ctx.rng
    f, la = ctx.third_party()
    return Doc().fmt('the Commerce API rejects this order (422), payload from our log:\n\n'
                     '{{"orderNumber": "{o}", "customer": {{"firstName": "{fn}", "lastName": "{ln}", "email": "{e}", "phone": "{ph}"}},\n'
                     ' "shippingAddress": "{ad}", "lines": [{{"sku": "NW-{sku}", "qty": 2}}]}}\n\nError: "shippingAddress.houseNumber missing".',
                     o=v.order_number(r), fn=pii(f, "PERSON"), ln=pii(la, "PERSON"), e=_email(ctx, f, la), ph=_phone(ctx),
                     ad=_addr(ctx), sku=str(r.randint(10000, 99999)))


def forwarded(ctx: Ctx) -> Doc:
    f, la, p = _person(ctx)
    return Doc().fmt("forwarding a complaint we received, the voucher code was not accepted in checkout:\n\n"
                     "---------- Forwarded message ---------\nFrom: {p} <{e}>\nDate: Mon, 2 Nov 2026 18:22\nSubject: Gutschein funktioniert nicht\n\n"
                     "Hello, I tried the voucher WINTER20 three times and it always says invalid. Please call me back at {ph}.\n{p2}",
                     p=p, e=_email(ctx, f, la), ph=_phone(ctx), p2=pii(f"{f} {la}", "PERSON"))


def dob_age_check(ctx: Ctx) -> Doc:
    f, la, p = _person(ctx)
    return Doc().fmt("the age verification step blocks a customer who is clearly of age: {p}, date of birth {dob}. "
                     "The check says under 18. Is the date parsed in the wrong format?", p=p, dob=pii(v.date_of_birth(ctx.rng), "DATE_OF_BIRTH"))


def iban_refund(ctx: Ctx) -> Doc:
    f, la, p = _person(ctx)
    return Doc().fmt("the refund for order {o} failed in the payment module. Could you trigger it manually to the customer's account? "
                     "Account holder: {p}, IBAN {iban}.", o=v.order_number(ctx.rng), p=p, iban=pii(v.iban(ctx.rng), "IBAN_CODE"))


def card_declined(ctx: Ctx) -> Doc:
    return Doc().fmt("a customer's card was declined although it works elsewhere. The card number is {c}, expiry {m:02d}/{y}. "
                     "Response code from the PSP: 05 do not honor. Can you see why?",
                     c=pii(v.card_number(ctx.rng), "CREDIT_CARD"), m=ctx.rng.randint(1, 12), y=ctx.rng.randint(27, 31))


def ip_login(ctx: Ctx) -> Doc:
    f, la = ctx.third_party()
    return Doc().fmt("we suspect an account takeover: customer account {e} logged in from {ip} at {t} and changed the delivery address. "
                     "Can you send us the audit trail of the customer account?",
                     e=_email(ctx, f, la), ip=pii(v.public_ipv4(ctx.rng), "IP_ADDRESS"), t=a.ts(ctx))


def exception_with_email(ctx: Ctx) -> Doc:
    f, la = ctx.third_party()
    return Doc().fmt("the registration endpoint fails for some customers:\n\n{t} ERROR c.v.account.RegistrationService - "
                     "com.velora.account.DuplicateCustomerException: customer with email {e} already exists in channel 3\n"
                     "\tat com.velora.account.RegistrationService.register(RegistrationService.java:212)\n\n"
                     "But the customer does not exist in Studio.", t=a.ts(ctx, " "), e=_email(ctx, f, la))


def phone_callback(ctx: Ctx) -> Doc:
    f, la, p = _person(ctx)
    return Doc().fmt("a customer called our hotline because the order status page shows 'unknown'. The caller was {p}, "
                     "mobile {ph}. Order {o}. Could you check the status service?", p=p, ph=_phone(ctx), o=v.order_number(ctx.rng))


def wrong_shipping(ctx: Ctx) -> Doc:
    f, la, p = _person(ctx)
    return Doc().fmt("the shipping label generated by Checkout has the wrong address. It should go to:\n\n{p}\n{ad}\n\n"
                     "but the label shows the billing address instead.", p=p, ad=_addr(ctx, one_line=False))


def gdpr_request(ctx: Ctx) -> Doc:
    f, la, p = _person(ctx)
    return Doc().fmt("we received a GDPR erasure request from one of our shop customers, {p} ({e}). Please delete all data "
                     "about this person in Velora Insights and confirm.", p=p, e=_email(ctx, f, la))


def newsletter_emails(ctx: Ctx) -> Doc:
    d = Doc().add("these subscribers got the newsletter twice:\n")
    for _ in range(ctx.rng.randint(2, 4)):
        f, la = ctx.third_party()
        d.add("- ").put(_email(ctx, f, la)).add("\n")
    return d.add("\nDuplicates in the audience list?")


def account_page(ctx: Ctx) -> Doc:
    f, la, p = _person(ctx)
    return Doc().fmt("the 'My account' page shows data of the wrong customer! Customer {p} logged in and saw:\n\n"
                     "Name: {p2}\nE-mail: {e}\nPhone: {ph}\nAddress: {ad}\n\nThis is a serious issue, please check session handling.",
                     p=p, p2=pii(" ".join(ctx.third_party()), "PERSON"), e=pii(v.consumer_email(ctx.rng, *ctx.third_party()), "EMAIL_ADDRESS"),
                     ph=_phone(ctx), ad=_addr(ctx))


def sepa_mandate(ctx: Ctx) -> Doc:
    f, la, p = _person(ctx)
    return Doc().fmt("SEPA direct debit fails for one subscription. Mandate reference MNDT-{m}, debtor {p}, {iban}. "
                     "The bank says the mandate is unknown.", m=str(ctx.rng.randint(100000, 999999)), p=p, iban=pii(v.iban(ctx.rng), "IBAN_CODE"))


def account_merge(ctx: Ctx) -> Doc:
    f, la = ctx.third_party()
    return Doc().fmt("please merge two customer accounts of the same person: {e1} and {e2}. The loyalty points should be combined.",
                     e1=_email(ctx, f, la), e2=_email(ctx, f, la))


def fraud_check(ctx: Ctx) -> Doc:
    f, la, p = _person(ctx)
    return Doc().fmt("the fraud rule flagged order {o} by {p}, placed from IP {ip} with card {c}. We think it is a false positive; "
                     "can you whitelist it?", o=v.order_number(ctx.rng), p=p, ip=pii(v.public_ipv4(ctx.rng), "IP_ADDRESS"),
                     c=pii(v.card_number(ctx.rng), "CREDIT_CARD"))


def address_validation(ctx: Ctx) -> Doc:
    return Doc().fmt("address validation rejects a valid address entered by a customer: \"{ad}\". Error: ADDRESS_NOT_FOUND. "
                     "Is the validation provider down?", ad=_addr(ctx))


def loyalty_birthday(ctx: Ctx) -> Doc:
    f, la, p = _person(ctx)
    return Doc().fmt("the birthday voucher was not sent to {p}, born on {dob}, member since 2019. Is the loyalty job running?",
                     p=p, dob=pii(v.date_of_birth(ctx.rng), "DATE_OF_BIRTH"))


def chat_transcript(ctx: Ctx) -> Doc:
    f, la, p = _person(ctx)
    return Doc().fmt("transcript from our live chat:\n\n[14:02] {p}: my order never arrived\n[14:03] Agent: sorry! can you give me your phone number?\n"
                     "[14:03] {p2}: {ph}\n[14:05] Agent: thanks, checking\n\nThe chat widget then crashed. Can you reproduce?",
                     p=p, p2=pii(f"{f} {la}", "PERSON"), ph=_phone(ctx))


def python_with_name(ctx: Ctx) -> Doc:
    f, la, p = _person(ctx)
    return Doc().fmt("our invoice PDF generator fails:\n\nTraceback (most recent call last):\n  File \"/app/invoices.py\", line 88, in render\n"
                     "    addr = format_address(order.billing)\nValueError: invalid postcode '{z}' for customer '{p}'\n\nThe postcode is fine though.",
                     z=str(ctx.rng.randint(10000, 99999)), p=p)


def caps_label(ctx: Ctx) -> Doc:
    f, la = ctx.third_party()
    return Doc().fmt("the DHL label printer cuts the name. Label preview:\n\nSHIP TO:\n{p}\n{ad}\n\nShould be wrapped instead.",
                     p=pii(f"{f} {la}".upper(), "PERSON"), ad=pii(v.postal_address(ctx.rng, one_line=False).upper(), "POSTAL_ADDRESS"))


def review_moderation(ctx: Ctx) -> Doc:
    f, la, p = _person(ctx)
    return Doc().fmt("a product review by {p} ({e}) is stuck in moderation for two weeks. Review id {rid}. Can you release it?",
                     p=p, e=_email(ctx, f, la), rid=v.uuid4(ctx.rng))


def returns(ctx: Ctx) -> Doc:
    f, la, p = _person(ctx)
    return Doc().fmt("the return portal does not create a label for this return:\nCustomer: {p}\nPhone: {ph}\nPickup address: {ad}\n"
                     "Return id {rid}.", p=p, ph=_phone(ctx), ad=_addr(ctx), rid=f"RMA-{ctx.rng.randint(10000, 99999)}")


def ipv6_person(ctx: Ctx) -> Doc:
    f, la, p = _person(ctx)
    return Doc().fmt("customer {p} says she is blocked by the rate limiter. Her IP according to our logs: {ip}. Please unblock.",
                     p=p, ip=pii(v.public_ipv6(ctx.rng), "IP_ADDRESS"))


PII: tuple[Template, ...] = (
    complaint, order_export_csv, json_payload, forwarded, dob_age_check, iban_refund, card_declined, ip_login,
    exception_with_email, phone_callback, wrong_shipping, gdpr_request, newsletter_emails, account_page,
    sepa_mandate, account_merge, fraud_check, address_validation, loyalty_birthday, chat_transcript,
    python_with_name, caps_label, review_moderation, returns, ipv6_person,
)


def honorific(ctx: Ctx) -> Doc:
    f, la = ctx.third_party()
    title = ctx.rng.choice(["Mrs", "Ms", "Mr", "Frau", "Herr", "Dr."])
    return Doc().fmt("{t} {n} called twice today because her order confirmation never arrived. Order {o}.",
                     t=title, n=pii(la, "PERSON") if ctx.rng.random() < 0.5 else pii(f"{f} {la}", "PERSON"), o=v.order_number(ctx.rng))


def markdown_table(ctx: Ctx) -> Doc:
    d = Doc().add("affected orders after the tax bug:\n\n| order | customer | email | total |\n|---|---|---|---|\n")
    for _ in range(ctx.rng.randint(2, 4)):
        f, la = ctx.third_party()
        d.fmt("| {o} | {p} | {e} | {t} EUR |\n", o=v.order_number(ctx.rng), p=pii(f"{f} {la}", "PERSON"),
              e=pii(v.consumer_email(ctx.rng, f, la), "EMAIL_ADDRESS"), t=f"{ctx.rng.randint(20, 400)}.{ctx.rng.randint(0, 99):02d}")
    return d.add("\nCan you recalculate them?")


def form_fields(ctx: Ctx) -> Doc:
    f, la = ctx.third_party()
    return Doc().fmt("the B2C registration form saves the fields in the wrong order. Submitted:\nfirst name: {fn}\nlast name: {ln}\n"
                     "birthday: {dob}\nphone: {ph}\nStored: all fields shifted by one.",
                     fn=pii(f, "PERSON"), ln=pii(la, "PERSON"), dob=pii(v.date_of_birth(ctx.rng), "DATE_OF_BIRTH"),
                     ph=pii(v.mobile_phone(ctx.rng), "PHONE_NUMBER"))


def intl_phone_format(ctx: Ctx) -> Doc:
    r = ctx.rng
    phone = r.choice([f"0049 (0) 15{r.randint(1, 9)}-{v.chars(r, v.DIGITS, 8)}", f"+49 (0)1{r.choice('567')}{r.randint(0, 9)}/{v.chars(r, v.DIGITS, 7)}",
                      f"07{r.randint(700, 999)} {v.chars(r, v.DIGITS, 6)}", f"+33 (0)6 {v.chars(r, v.DIGITS, 2)} {v.chars(r, v.DIGITS, 2)} {v.chars(r, v.DIGITS, 2)} {v.chars(r, v.DIGITS, 2)}"])
    return Doc().fmt("phone validation rejects numbers like {ph} that a customer typed at checkout. Is the format not supported?",
                     ph=pii(phone, "PHONE_NUMBER"))


def delivery_note(ctx: Ctx) -> Doc:
    f, la, p = _person(ctx)
    return Doc().fmt("the delivery note PDF is missing the recipient's house number. Example: recipient {p}, {ad}. "
                     "The address is complete in the order.", p=p, ad=_addr(ctx))


PII = PII + (honorific, markdown_table, form_fields, intl_phone_format, delivery_note)
