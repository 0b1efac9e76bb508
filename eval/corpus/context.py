"""Per-message context: who writes (the sender, a customer's employee) and to whom (vendor staff)."""

from __future__ import annotations

import random
from dataclasses import dataclass

from . import people, values, vendor


@dataclass(frozen=True)
class Ctx:
    rng: random.Random
    first: str
    last: str
    email: str
    org: str
    domain: str
    street: str
    city: str
    country: str
    phone: str
    title: str
    staff_first: str
    staff_last: str

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"

    @property
    def staff(self) -> str:
        return f"{self.staff_first} {self.staff_last}"

    @property
    def own_names(self) -> set[str]:
        """Name parts a third party must not share (so spans stay unambiguous)."""
        return {self.first, self.last, self.staff_first, self.staff_last}

    def sender(self) -> dict[str, str]:
        return {"name": self.name, "email": self.email, "org": self.org, "phone": self.phone}

    def third_party(self) -> tuple[str, str]:
        return values.person(self.rng, avoid=self.own_names)


def new_ctx(rng: random.Random) -> Ctx:
    org, domain, street, city, country = rng.choice(people.ORGS)
    staff_first, staff_last = rng.choice(vendor.STAFF)
    first, last = values.person(rng, avoid={staff_first, staff_last})
    phone = values.office_phone(rng, country) if rng.random() < 0.6 else values.mobile_phone(rng)
    return Ctx(rng=rng, first=first, last=last, email=values.work_email(first, last, domain), org=org,
               domain=domain, street=street, city=city, country=country, phone=phone,
               title=rng.choice(people.TITLES), staff_first=staff_first, staff_last=staff_last)
