"""Reading what a partner types in the portal, plain Python: amounts in the partner's language
("45.000,00" from a German partner is forty-five thousand), refused when they could be read two
ways, never silently a thousand times off."""

import re

_SPACES = re.compile(r"[\s\u00a0\u202f']+")
# a currency written before or after the amount (codes, symbols): anything else is refused
_CURRENCY = re.compile(
    r"^(?:[A-Z]{3}|[€$£¥₹₽₺₩]|zł|kr|Kč|Ft|CHF)\s*|\s*(?:[A-Z]{3}|[€$£¥₹₽₺₩]|zł|kr|Kč|Ft)$"
)


def parse_amount(text, thousands_sep=",", decimal_point="."):
    """The amount written in ``text`` with the language's separators, or ValueError when it is
    not written that way (a decimal point where the language groups thousands, groups that are
    not of three digits, two decimal points...)."""
    if isinstance(text, int | float):
        return float(text)
    value = _CURRENCY.sub("", (text or "").strip())
    thousands = "" if _SPACES.fullmatch(thousands_sep or " ") else thousands_sep
    value = _SPACES.sub("", value)
    if not value:
        raise ValueError("empty amount")
    point = re.escape(decimal_point or ".")
    grouped = (
        rf"\d{{1,3}}(?:{re.escape(thousands)}\d{{3}})+(?:{point}\d+)?" if thousands else r"(?!)"
    )
    plain = rf"\d+(?:{point}\d+)?"
    if re.fullmatch(grouped, value):
        value = value.replace(thousands, "")
    elif not re.fullmatch(plain, value):
        raise ValueError(
            f"{text!r} is not an amount written with {thousands_sep!r} and {decimal_point!r}"
        )
    return float(value.replace(decimal_point or ".", "."))


def amount_example(thousands_sep=",", decimal_point="."):
    """How the language writes forty-five thousand and a half."""
    return f"45{thousands_sep}000{decimal_point}50"
