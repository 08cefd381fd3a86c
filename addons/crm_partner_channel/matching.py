"""Is this registered customer one we already know? Plain Python, no ORM: keys that identify a
company (tax ID, phone number, email domain, name) and the comparison of two companies, built on
the field's libraries instead of hand-written rules:

- python-stdnum (LGPL-2.1+) cleans tax IDs country by country;
- phonenumbers (Apache-2.0) reads national and international numbers into E.164;
- cleanco (MIT) knows the legal forms of many countries ("S.A.", "Sp. z o.o.", "A/S");
- anyascii (ISC) transliterates any script and accent (Café, Müller, Ромашка);
- rapidfuzz (MIT) measures how similar two names are.

The ORM side (crm.channel.registration) finds candidates in the database and asks
``companies_match`` about each one; the benchmark in tests/ measures the rules on a labelled set of
pairs (tests/data/registration_pairs.csv).
"""

import re

import phonenumbers
from anyascii import anyascii
from cleanco import basename, prepare_default_terms
from rapidfuzz import fuzz
from stdnum import get_cc_module
from stdnum.exceptions import ValidationError as StdnumError

_NOT_ALNUM = re.compile(r"[^0-9A-Z]")
_WORD = re.compile(r"[a-z0-9]+")
_CLEANCO_TERMS = prepare_default_terms()

# legal forms cleanco misses once names are transliterated and split into words ("s a r l",
# "sp z o o"), written as their words joined
LEGAL_FORMS = frozenset(
    [
        "ab",
        "abp",
        "ad",
        "ae",
        "ag",
        "aps",
        "as",
        "asa",
        "bhd",
        "bv",
        "bva",
        "bvba",
        "co",
        "company",
        "corp",
        "corporation",
        "cv",
        "cvba",
        "dd",
        "doo",
        "ead",
        "eeig",
        "ehf",
        "eood",
        "ev",
        "gbr",
        "gmbh",
        "gmbhcokg",
        "group",
        "hf",
        "holding",
        "holdings",
        "inc",
        "incorporated",
        "kabushikikaisha",
        "kd",
        "kft",
        "kg",
        "kgaa",
        "kk",
        "limited",
        "llc",
        "llp",
        "lda",
        "ltd",
        "ltda",
        "nv",
        "nyrt",
        "oao",
        "ohg",
        "ooo",
        "ood",
        "oy",
        "oyj",
        "pao",
        "plc",
        "pte",
        "ptyltd",
        "pty",
        "pvtltd",
        "sa",
        "sadecv",
        "sae",
        "sal",
        "sarl",
        "sas",
        "sasu",
        "sc",
        "scrl",
        "scs",
        "sia",
        "sl",
        "slu",
        "snc",
        "spa",
        "spolsro",
        "sprl",
        "sro",
        "spzoo",
        "srl",
        "srls",
        "uab",
        "ug",
        "zao",
        "zrt",
        "tov",
        "gesmbh",
        "privatelimited",
        "coltd",
        "limitada",
        "ptylimited",
        "pvt",
        "companylimited",
    ]
)
# words that join names: "Smith & Sons", "Smith and Sons", "Schmidt und Partner"
CONNECTORS = frozenset({"and", "und", "et", "y", "e", "en", "og", "och", "i", "the", "der", "die"})
# EU VAT prefixes that are not the ISO country code
_VAT_PREFIX_COUNTRY = {"EL": "GR", "XI": "GB"}
_COUNTRY_VAT_PREFIX = {"GR": "EL"}
# free mail providers of many countries (on top of Odoo's list): an address there says nothing
# about the company
FREE_MAIL_DOMAINS = frozenset(
    [
        "gmail.com",
        "googlemail.com",
        "yahoo.com",
        "yahoo.fr",
        "yahoo.de",
        "yahoo.it",
        "yahoo.es",
        "yahoo.co.uk",
        "yahoo.co.jp",
        "ymail.com",
        "hotmail.com",
        "hotmail.fr",
        "hotmail.de",
        "hotmail.it",
        "hotmail.es",
        "hotmail.co.uk",
        "hotmail.be",
        "outlook.com",
        "outlook.fr",
        "outlook.de",
        "outlook.es",
        "live.com",
        "live.fr",
        "live.de",
        "live.be",
        "live.nl",
        "live.it",
        "msn.com",
        "aol.com",
        "aol.de",
        "icloud.com",
        "me.com",
        "mac.com",
        "mail.com",
        "email.com",
        "protonmail.com",
        "proton.me",
        "pm.me",
        "zoho.com",
        "gmx.com",
        "gmx.net",
        "gmx.de",
        "gmx.at",
        "gmx.ch",
        "gmx.fr",
        "web.de",
        "t-online.de",
        "freenet.de",
        "arcor.de",
        "posteo.de",
        "mailbox.org",
        "orange.fr",
        "wanadoo.fr",
        "free.fr",
        "sfr.fr",
        "laposte.net",
        "neuf.fr",
        "bbox.fr",
        "club-internet.fr",
        "libero.it",
        "virgilio.it",
        "tiscali.it",
        "alice.it",
        "tin.it",
        "fastwebnet.it",
        "email.it",
        "inwind.it",
        "telefonica.net",
        "terra.es",
        "movistar.es",
        "sapo.pt",
        "netcabo.pt",
        "telenet.be",
        "skynet.be",
        "proximus.be",
        "ziggo.nl",
        "kpnmail.nl",
        "planet.nl",
        "hetnet.nl",
        "home.nl",
        "xs4all.nl",
        "bluewin.ch",
        "sunrise.ch",
        "hispeed.ch",
        "aon.at",
        "chello.at",
        "a1.net",
        "seznam.cz",
        "centrum.cz",
        "email.cz",
        "atlas.cz",
        "post.cz",
        "wp.pl",
        "o2.pl",
        "onet.pl",
        "op.pl",
        "interia.pl",
        "gazeta.pl",
        "tlen.pl",
        "poczta.fm",
        "freemail.hu",
        "citromail.hu",
        "index.hu",
        "abv.bg",
        "dir.bg",
        "mail.bg",
        "yandex.ru",
        "yandex.com",
        "mail.ru",
        "bk.ru",
        "inbox.ru",
        "list.ru",
        "rambler.ru",
        "ukr.net",
        "i.ua",
        "meta.ua",
        "inbox.lv",
        "one.lt",
        "mail.ee",
        "telia.com",
        "spray.se",
        "bredband.net",
        "online.no",
        "frisurf.no",
        "hotmail.no",
        "live.no",
        "sol.dk",
        "jubii.dk",
        "mail.dk",
        "suomi24.fi",
        "luukku.com",
        "otenet.gr",
        "hol.gr",
        "naver.com",
        "daum.net",
        "hanmail.net",
        "qq.com",
        "163.com",
        "126.com",
        "sina.com",
        "sohu.com",
        "yeah.net",
        "rediffmail.com",
        "uol.com.br",
        "bol.com.br",
        "terra.com.br",
        "ig.com.br",
        "yahoo.com.br",
        "hotmail.com.br",
        "outlook.com.br",
        "prodigy.net.mx",
        "bigpond.com",
        "optusnet.com.au",
        "xtra.co.nz",
        "shaw.ca",
        "rogers.com",
        "pt.lu",
        "azet.sk",
        "post.sk",
        "zoznam.sk",
        "centrum.sk",
        "sympatico.ca",
        "comcast.net",
        "verizon.net",
        "att.net",
        "sbcglobal.net",
        "btinternet.com",
        "sky.com",
        "virginmedia.com",
        "talktalk.net",
        "ntlworld.com",
        "eircom.net",
        "mweb.co.za",
        "webmail.co.za",
    ]
)
# second-level suffixes under which companies register their domain (acme.co.uk)
_SECOND_LEVEL = frozenset(
    ["co", "com", "net", "org", "gov", "ac", "edu", "ltd", "plc", "or", "ne", "go", "gob", "nic"]
)


# ------------------------------------------------------------
# Keys
# ------------------------------------------------------------


def vat_key(vat, country_code=None):
    """A tax ID with its country: "BE 0477.472.701", "0477472701" (Belgium) and "be0477472701"
    give "BE0477472701"; a number without prefix nor country stays as its digits."""
    number = _NOT_ALNUM.sub("", (vat or "").upper())
    if len(number) < 4:
        return ""
    prefix = number[:2]
    if prefix.isalpha():
        country = _VAT_PREFIX_COUNTRY.get(prefix, prefix)
        number = number[2:]
    else:
        country = (country_code or "").upper()
    if country == "CH" and number.startswith("E"):
        number = number[1:]
    module = None
    if country:
        try:
            module = get_cc_module(country.lower(), "vat")
        except (ImportError, AttributeError):
            module = None
    if module:
        try:
            compact = module.compact(number)
        except StdnumError:
            compact = number
        number = _NOT_ALNUM.sub("", compact.upper())
        # modules that keep the prefix (CHE..., GB...) give the number only
        for known in (country, _COUNTRY_VAT_PREFIX.get(country, country), "CHE"):
            if number.startswith(known) and not number[len(known) :][:1].isalpha():
                number = number[len(known) :]
        number = number.removesuffix("MWST").removesuffix("TVA").removesuffix("IVA")
        number = number.removesuffix("MVA")
    return f"{country}{number}" if country else number


def vat_number_part(key):
    return key[2:] if key[:2].isalpha() else key


def phone_key(phone, country_code=None):
    """The number in E.164 ("+49301234567"): national or international writing, spaces, dots,
    "(0)" and extensions do not matter. Numbers that cannot be read give their last nine
    digits, so that two of them can still be compared."""
    text = (phone or "").strip()
    digits = re.sub(r"\D", "", text)
    if len(digits) < 6:
        return ""
    try:
        number = phonenumbers.parse(text, (country_code or "").upper() or None)
    except phonenumbers.NumberParseException:
        number = None
    if number is not None and phonenumbers.is_possible_number(number):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return digits[-9:]


def email_domain_key(email, extra_free_domains=()):
    """The domain of the address ("sales.acme.co.uk"), or the whole address for free mail
    providers, which say nothing about the company."""
    email = (email or "").strip().lower()
    if "@" not in email:
        return ""
    domain = email.rsplit("@", 1)[1].strip(".")
    if not domain or "." not in domain:
        return ""
    if domain in FREE_MAIL_DOMAINS or domain in extra_free_domains:
        return email
    return domain


def registrable_domain(domain):
    """The domain a company registers: "sales.acme.co.uk" -> "acme.co.uk"."""
    labels = domain.split(".")
    keep = 3 if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2 else 2
    return ".".join(labels[-keep:])


def parent_domains(domain, free_domains=()):
    """The domain and its parents down to the registrable one: a company's subdomain
    ("sales.acme.de") is the company's ("acme.de"); a parent that is a free mail or shared
    domain (``free_domains``, example.com) is nobody's."""
    if not domain or "@" in domain:
        return [domain] if domain else []
    registrable = registrable_domain(domain)
    labels = domain.split(".")
    parents = [domain]
    for index in range(1, len(labels)):
        candidate = ".".join(labels[index:])
        if candidate in FREE_MAIL_DOMAINS or candidate in free_domains:
            break
        parents.append(candidate)
        if candidate == registrable:
            break
    return parents


def domains_match(key_a, key_b, free_domains=()):
    """Same address (free mail), same domain, or one a subdomain of the other: "sales.acme.de"
    and "acme.de" match, "harbor.example.com" and "bright.example.com" do not."""
    if not key_a or not key_b:
        return False
    if "@" in key_a or "@" in key_b:
        return key_a == key_b
    return key_a in parent_domains(key_b, free_domains) or key_b in parent_domains(
        key_a, free_domains
    )


def _fold(text):
    """Lower-case ASCII: any script transliterated, German umlauts folded the same way whether
    written "ü" or "ue"."""
    # Greek "ου" is "ou" (ELOT 743), not the letter-by-letter "oy"
    text = (text or "").replace("ου", "ou").replace("ΟΥ", "OU").replace("Ου", "Ou")
    text = anyascii(text).lower()
    return text.replace("ae", "a").replace("oe", "o").replace("ue", "u").replace("ss", "s")


def name_words(name):
    """The words that say who a company is: transliterated, without legal forms (first and
    last words, ours and cleanco's), connectors and punctuation."""
    name = (name or "").strip()
    if not name:
        return []
    words = _strip_legal_forms(_WORD.findall(_fold(name)))
    words = _strip_legal_forms([word for word in words if word not in CONNECTORS])
    try:
        cleaned = basename(" ".join(words), _CLEANCO_TERMS, prefix=True, suffix=True, middle=False)
    except (AttributeError, TypeError, ValueError):
        cleaned = ""
    if cleaned:
        words = _strip_legal_forms(_WORD.findall(cleaned.lower())) or words
    return words or _WORD.findall(_fold(name))


def _strip_legal_forms(words):
    changed = True
    while changed and words:
        changed = False
        for size in (5, 4, 3, 2, 1):
            if len(words) > size and "".join(words[-size:]) in LEGAL_FORMS:
                words, changed = words[:-size], True
                break
            if len(words) > size and "".join(words[:size]) in LEGAL_FORMS:
                words, changed = words[size:], True
                break
    return words


def name_key(name):
    """The name as one string of letters and digits ("Alpen-Hotel" and "Alpenhotel" alike)."""
    return "".join(name_words(name))


# ------------------------------------------------------------
# Comparison
# ------------------------------------------------------------


def names_match(name_a, name_b, min_length=12, threshold=94.0):
    """Same company name: equal once normalised (legal forms, accents, transliteration, "&",
    hyphens, word order), or a typo in a long name (one or two letters of a name of at least
    ``min_length`` letters, similarity >= ``threshold``). Short names differing by a letter are
    different companies (Axon / Axion)."""
    words_a, words_b = name_words(name_a), name_words(name_b)
    key_a, key_b = "".join(words_a), "".join(words_b)
    if not key_a or not key_b or min(len(key_a), len(key_b)) < 3:
        return False
    if key_a == key_b or "".join(sorted(words_a)) == "".join(sorted(words_b)):
        return True
    if min(len(key_a), len(key_b)) < min_length:
        return False
    return fuzz.ratio(key_a, key_b) >= threshold


def company_signals(company, free_domains=()):
    """Keys of a company given as a dict (name, email, vat, phone, country)."""
    country = (company.get("country") or "").upper() or None
    return {
        "name": company.get("name") or "",
        "email_domain": email_domain_key(company.get("email"), free_domains),
        "vat": vat_key(company.get("vat"), country),
        "phone": phone_key(company.get("phone"), country),
        "country": country,
    }


def match_reasons(a, b, name_threshold=94.0, free_domains=()):
    """The kinds of match between two companies (dicts of name, email, vat, phone, country):
    a subset of ("email_domain", "vat", "phone", "company_name")."""
    sa, sb = company_signals(a, free_domains), company_signals(b, free_domains)
    reasons = []
    if domains_match(sa["email_domain"], sb["email_domain"], free_domains):
        reasons.append("email_domain")
    if sa["vat"] and sb["vat"]:
        same_vat = sa["vat"] == sb["vat"]
        if not same_vat and not (sa["vat"][:2].isalpha() and sb["vat"][:2].isalpha()):
            # one written without its country and no country known: compare the numbers
            same_vat = vat_number_part(sa["vat"]) == vat_number_part(sb["vat"])
        if same_vat:
            reasons.append("vat")
    if sa["phone"] and sa["phone"] == sb["phone"]:
        reasons.append("phone")
    countries_differ = sa["country"] and sb["country"] and sa["country"] != sb["country"]
    if not countries_differ and names_match(sa["name"], sb["name"], threshold=name_threshold):
        reasons.append("company_name")
    return reasons


def companies_match(a, b, name_threshold=94.0, free_domains=()):
    return bool(match_reasons(a, b, name_threshold=name_threshold, free_domains=free_domains))
