"""Names, ids, emails, timestamps and the formatting flaws of real exports, all vectorised."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from . import config as C

WORD_A = (
    "amber apex arc aster atlas aurora beacon birch bright cedar cinder cobalt coral crest crimson crystal "
    "delta drift ember echo falcon fern fjord flint forge frost gale garnet glacier golden granite harbor "
    "hazel helix horizon indigo iris ivory jade juniper kestrel lark lattice lumen maple marble meadow "
    "meridian mesa nimbus noble north nova oak onyx orbit pacific pine polar prairie prism quartz quill "
    "radiant raven redwood ridge river sable sage sapphire scarlet sierra silver slate solar spruce stellar "
    "stone summit swift tidal timber topaz true umber valley vector velvet vertex willow wren zenith zephyr"
).split()
WORD_B = (
    "analytics bank bio brands capital care cargo clinic cloud commerce consulting data dental design "
    "devices dynamics energy engineering farms finance foods freight games goods group health homes hotels "
    "industries insurance labs law learning legal logistics media medical metrics mobility motors networks "
    "optics partners pay pharma power press realty retail robotics security software solutions sports "
    "studios supply systems telecom textiles therapeutics tools transit travel ventures vision water works"
).split()
LEGAL = {"USD": ("Inc.", "LLC", "Corp."), "EUR": ("GmbH", "SA", "BV", "Ltd"), "JPY": ("K.K.", "Co., Ltd.")}
TLD = {"USD": ".com", "EUR": (".de", ".fr", ".nl", ".eu"), "JPY": ".co.jp"}
COUNTRY = {"USD": ("US", "CA"), "EUR": ("DE", "FR", "NL", "ES"), "JPY": ("JP",)}
# UTC offsets (minutes) used when a system exports local times with an offset.
OFFSETS = {"USD": (-300, -360, -420, -480, -240), "EUR": (60, 120), "JPY": (540,)}
INDUSTRIES = ("software", "healthcare", "financial_services", "retail", "manufacturing", "education",
              "media", "logistics", "professional_services", "public_sector")
FIRST = (
    "ada alan alex amara anna aria ben bianca carlos chen chloe daniel diego dina elena eli emma ethan "
    "farah felix fatima gabriel grace hana hugo ian ines isaac jack jana javier julia kai kenji laura leo "
    "lina lucas maya mei mia nadia nina noah omar oscar paula priya rafael rita ryo sara sofia sven tariq "
    "tomas uma victor wei yara yuki zoe"
).split()
LAST = (
    "abe adams alvarez baker bauer becker brown chen clark costa cruz dubois evans fischer garcia green "
    "hall hansen hayashi hill ito jansen jones kato khan kim klein kowalski lee lopez martin meyer moore "
    "muller nakamura nguyen novak ortiz patel perez petit rossi sato schmidt silva smith suzuki tanaka "
    "taylor thomas turner wagner walker wang weber white wilson wong yamamoto young zhang ziegler"
).split()
PERSONAL_DOMAINS = ("gmail.com", "outlook.com", "yahoo.com", "icloud.com", "proton.me")


def base36(values: np.ndarray, width: int) -> np.ndarray:
    """Fixed-width base-36 strings of non-negative integers."""
    digits = np.array(list("0123456789abcdefghijklmnopqrstuvwxyz"))
    v = np.asarray(values, dtype=np.int64).copy()
    out = np.empty((len(v), width), dtype="<U1")
    for pos in range(width - 1, -1, -1):
        out[:, pos] = digits[v % 36]
        v //= 36
    return np.ascontiguousarray(out).view(f"<U{width}").ravel()


def ids(prefix: str, n: int, salt: int, width: int = 10, upper: bool = False) -> np.ndarray:
    """Unique, random-looking ids: a bijective scramble of 0..n-1 (a multiplier prime to 6 is a bijection
    mod 36^w). Each salt has its own multiplier, so the same position in two id lists (a customer's ids in
    two systems) shares no visible stem."""
    assert width <= 12, "ids are int64 underneath: at most 12 base-36 characters"
    modulus = 36**width
    mult = int(modulus * (0.2 + 0.6 * (0.6180339887 * (salt + 1) % 1))) + salt
    while mult % 2 == 0 or mult % 3 == 0:
        mult += 1
    x = ((np.arange(n, dtype=object) + 1) * mult + salt * 97_531) % modulus
    s = base36(np.array(x, dtype=np.int64), width)
    if upper:
        s = np.char.upper(s)
    return np.char.add(prefix, s) if n else np.array([], dtype=str)


def join(*parts) -> np.ndarray:
    """Element-wise string concatenation of arrays and scalars."""
    n = max(len(p) for p in parts if not isinstance(p, str))
    arrs = [pa.array(np.full(n, p) if isinstance(p, str) else np.asarray(p).astype(str)) for p in parts]
    return np.asarray(pc.binary_join_element_wise(*arrs, "").to_numpy(zero_copy_only=False), dtype=object)


def pick(rng: np.random.Generator, options, n: int, p=None) -> np.ndarray:
    return np.asarray(options, dtype=object)[rng.choice(len(options), n, p=p)]


def company_names(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Unique company names and their root words (for domains)."""
    total = len(WORD_A) * len(WORD_B)
    rounds = int(np.ceil(n / total))
    codes = np.concatenate([rng.permutation(total) for _ in range(rounds)])[:n]
    a = np.asarray(WORD_A, dtype=object)[codes // len(WORD_B)]
    b = np.asarray(WORD_B, dtype=object)[codes % len(WORD_B)]
    suffix = np.repeat(np.arange(rounds), total)[:n]
    suffix_s = np.where(suffix == 0, "", np.char.add(" ", (suffix + 1).astype(str)))
    name = join(np.char.capitalize(a.astype(str)), " ", np.char.capitalize(b.astype(str)), suffix_s)
    slug = join(a, b, np.where(suffix == 0, "", (suffix + 1).astype(str)))
    return name, slug


def person_names(start: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The j-th person of a population whose names start at an offset: distinct for j < 4,000."""
    combos = len(FIRST) * len(LAST)
    code = (start + j * 2917) % combos
    return (np.asarray(FIRST, dtype=object)[code // len(LAST)], np.asarray(LAST, dtype=object)[code % len(LAST)])


def messy_email(rng: np.random.Generator, email: np.ndarray, rate: float) -> np.ndarray:
    """Upper-case some emails (first letter or all) and pad some with spaces, as CRMs and forms do."""
    email = np.asarray(email, dtype=object)
    n = len(email)
    hit = rng.random(n) < rate
    kind = rng.integers(0, 3, n)
    out = email.copy()
    s = email[hit].astype(str)
    k = kind[hit]
    s = np.where(k == 0, np.char.upper(s), np.where(k == 1, np.char.title(s), np.char.add(" ", s)))
    pad = rng.random(len(s)) < 0.5
    s = np.where(pad, np.char.add(s, "  "), s)
    out[hit] = s
    return out


def messy_domain(rng: np.random.Generator, domain: np.ndarray, rate: float) -> np.ndarray:
    """Websites as typed into a CRM: upper case, www., a scheme, a trailing slash, padding."""
    domain = np.asarray(domain, dtype=object)
    n = len(domain)
    hit = rng.random(n) < rate
    out = domain.copy()
    s = domain[hit].astype(str)
    k = rng.integers(0, 5, len(s))
    s = np.select(
        [k == 0, k == 1, k == 2, k == 3],
        [np.char.add("www.", s), np.char.add("https://www.", s), np.char.upper(s), np.char.add(s, "/")],
        np.char.add(np.char.add(" http://", s), " "),
    )
    out[hit] = s
    return out


def with_nulls(rng: np.random.Generator, values: np.ndarray, rate: float) -> np.ndarray:
    out = np.asarray(values, dtype=object).copy()
    out[rng.random(len(out)) < rate] = None
    return out


def iso_with_offset(seconds_utc: np.ndarray, offset_minutes: np.ndarray) -> np.ndarray:
    """ISO-8601 local timestamps with their UTC offset, e.g. 2025-03-04T10:00:00+09:00."""
    secs = np.asarray(seconds_utc, dtype=np.int64)
    off = np.asarray(offset_minutes, dtype=np.int64)
    local = (secs + off * 60).astype("datetime64[s]")
    text = np.datetime_as_string(local, unit="s")
    sign = np.where(off < 0, "-", "+")
    hh = np.char.zfill((np.abs(off) // 60).astype(str), 2)
    mm = np.char.zfill((np.abs(off) % 60).astype(str), 2)
    suffix = join(sign, hh, ":", mm)
    suffix = np.where(off == 0, "Z", suffix)
    return join(text, suffix)


def offsets_for(rng: np.random.Generator, currency_idx: np.ndarray) -> np.ndarray:
    """A home UTC offset per customer, consistent with its currency region."""
    out = np.zeros(len(currency_idx), np.int64)
    for ci, cur in enumerate(C.CURRENCIES):
        hit = currency_idx == ci
        out[hit] = rng.choice(OFFSETS[cur], hit.sum())
    return out
