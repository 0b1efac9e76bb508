"""Dates of birth: a date only counts next to birth context ("born", "date of birth", "DOB",
"birthday", "geb."). Timestamps, release dates and deadlines have no such context."""

from redaction.recognizers.base import PatternSpec, Rule

_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|"
    r"oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)

RULE = Rule(
    entity="DATE_OF_BIRTH",
    category="pii",
    patterns=(
        PatternSpec("numeric_dmy", r"(?<![\d.\-/])(?:0?[1-9]|[12]\d|3[01])[./\-](?:0?[1-9]|1[0-2])[./\-](?:19|20)?\d{2}(?![\d\-/]|\.\d)", 0.2),
        PatternSpec("numeric_mdy", r"(?<![\d.\-/])(?:0?[1-9]|1[0-2])/(?:0?[1-9]|[12]\d|3[01])/(?:19|20)\d{2}(?![\d\-/]|\.\d)", 0.2),
        PatternSpec("iso", r"(?<![\d\-])(?:19|20)\d{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])(?![\d\-:T])", 0.2),
        PatternSpec("words_dmy", r"(?i)\b(?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?\.? " + _MONTHS + r"\.?,? (?:19|20)\d{2}\b", 0.2),
        PatternSpec("words_mdy", r"(?i)\b" + _MONTHS + r"\.? (?:0?[1-9]|[12]\d|3[01])(?:st|nd|rd|th)?,? (?:19|20)\d{2}\b", 0.2),
    ),
    context=("born", "birth", "date of birth", "dob", "d.o.b", "birthday", "birthdate", "birth_date", "geb", "geboren",
             "geburtsdatum", "date_of_birth", "dateofbirth", "geburtstag",
             # the same in the languages customers write
             "né", "née", "né le", "née le", "date de naissance", "naissance", "nato", "nata", "nato il", "nata il",
             "data di nascita", "nascita", "nacido", "nacida", "fecha de nacimiento", "nacimiento", "geboortedatum",
             "geboren op", "data urodzenia", "urodzony", "urodzona", "ur.", "data de nascimento", "nascido",
             "nascida", "födelsedatum", "fødselsdato", "syntymäaika"),
    window=45,
    window_after=5,
    context_boost=0.7,
)
