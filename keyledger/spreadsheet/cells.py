"""One cell into one value, as offices type them: phone numbers stored as numbers, with spaces or
in scientific notation (checked against China's numbering plan), dates as Excel serials or as
text (1942年7月, 1939.11, 1948-05, 1946/3/1), ages, identity card numbers (read for a year of
birth only, never kept), and the ledger's words for flags and care items."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from keyledger.i18n import _

_EXCEL_EPOCH = date(1899, 12, 30)
# A formula start that an export neutralised with a quote (OWASP): read back as it was.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


class CellError(Exception):
    pass


def text(value: Any) -> str:
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    out = str(value).strip()
    if out.startswith("'") and out[1:2] in FORMULA_STARTS and out[1:2]:
        out = out[1:]
    return out


def line(value: Any) -> str:
    """A cell's free text as the ledger keeps typed text (keyledger.text): one line, whitespace
    runs as one space, no control characters."""
    from keyledger.text import line as one_line

    return one_line(text(value))


def block(value: Any) -> str:
    """A cell's text of several lines (备注 written with Alt+Enter), each line as `line`."""
    from keyledger.text import block as lines

    return lines(text(value))


def _nfkc(value: Any) -> str:
    return unicodedata.normalize("NFKC", text(value)).strip()


# Phone numbers ---------------------------------------------------------------------------

_SCIENTIFIC = re.compile(r"([0-9])(?:\.([0-9]+))?[eE]\+?([0-9]+)")
_SEPARATORS = re.compile(r"[/、,，;；\n]|\s{2,}")
_DASHES = str.maketrans("—–―‐‑−", "------")
# A cell's numbers, and the words and bracketed remarks around them: 手机：138…, 138…（女儿）,
# 138… 女儿139….
_TOKENS = re.compile(r"(?P<number>\+?\(?[0-9][0-9\s\-().eE+]*[0-9]|[0-9])|\((?P<inside>[^0-9)]*)\)"
                     r"|(?P<word>[^0-9+(]+|[+(])")
# Words around a number that say only that it is a phone: left out. Any other (女儿, 办公室) is
# kept with the number, in brackets, so the register's word is not lost.
_PHONE_WORDS = {"", "手机", "手机号", "手机号码", "电话", "电话号码", "联系电话", "座机", "固话",
                "固定电话", "家庭电话", "家电", "宅电", "本人", "本人手机", "本人电话", "tel", "mobile",
                "phone"}


_EXTENSION = {"转", "分机", "ext", "x"}


def phone(value: Any) -> str:
    """One or more numbers (13800000101/010-12345678, 138… 139…, one a line), each checked;
    written as digits, a landline with a '-' after its area code, a foreign number in +CC form;
    a word written with a number other than 手机/座机/本人 (女儿) kept after it in brackets."""
    if isinstance(value, bool):
        raise CellError(_("{value!r} is not a phone number").format(value=text(value)))
    if isinstance(value, (int, float)):
        return _one_phone(_number_digits(value), text(value))
    parts = [p.strip() for p in _SEPARATORS.split(_nfkc(value).translate(_DASHES)) if p.strip()]
    if not parts:
        raise CellError(_("empty"))
    return " / ".join(dict.fromkeys(n for p in parts for n in _numbers(p)))


def _numbers(part: str) -> list[str]:
    """The numbers of one part of a cell, each with the word written with it: a bracketed one
    is the number's before it (138…（女儿）), another the number's after it (女儿 139…), or
    before it when it ends the cell."""
    if re.fullmatch(r"\+?[0-9][0-9\- ]*", part) and _mobile().fullmatch(part.replace(" ", "")
                                                                        .replace("-", "")):
        return [part.replace(" ", "").replace("-", "")]  # most of a register: no words
    found: list[list[str]] = []   # [number as written, its word, its extension]
    word = ""
    for token in _TOKENS.finditer(part):
        number = token.group("number")
        if number is not None and found and word.strip(" :.").casefold() in _EXTENSION:
            found[-1][2] = f"转{number.strip()}"  # 0571-87654321转8021: kept with its number
            word = ""
        elif number is not None:
            found.append([number.strip(), word.strip(" :"), ""])
            word = ""
        elif token.group("inside") is not None and found and not found[-1][1]:
            found[-1][1] = token.group("inside").strip()
        else:
            word += token.group(0)
    if word.strip(" :") and found and not found[-1][1]:
        found[-1][1], word = word.strip(" :"), ""
    if not found or word.strip(" :"):
        raise CellError(_("{value!r} is not a phone number: write it like 13800000101 or "
                          "010-12345678").format(value=part))
    out = []
    for number, said, extension in found:
        kept = "" if said.casefold() in _PHONE_WORDS else f"（{said}）"
        out += [n + extension + kept for n in _spaced(number, part)]
    return out


def _spaced(number: str, part: str) -> list[str]:
    """One number (138 0000 0101, 0571 87654321), else several a space apart (138… 139…)."""
    try:
        return [_one_phone(number, part if number == part else number)]
    except CellError:
        pieces = number.split()
        if len(pieces) < 2:
            raise
        try:
            return [_one_phone(p, p) for p in pieces]
        except CellError:
            raise CellError(_("{value!r} is not a phone number: write it like 13800000101 or "
                              "010-12345678").format(value=part)) from None


def _number_digits(value: int | float) -> str:
    if isinstance(value, float) and not value.is_integer():
        raise CellError(_("{value!r} is not a phone number").format(value=text(value)))
    return str(int(value))


def _one_phone(raw: str, shown: str) -> str:
    import phonenumbers

    compact = re.sub(r"[\s\-()（）]", "", raw.strip())
    compact = re.sub(r"(?<=[0-9]{7})\.0+$", "", compact)  # 13800000101.0: a number saved as text
    scientific = _SCIENTIFIC.fullmatch(compact)
    if not scientific:
        compact = compact.replace(".", "")  # 138.0000.0101
    else:
        whole, fraction, exponent = scientific.group(1), scientific.group(2) or "", \
            int(scientific.group(3))
        if len(fraction) < exponent:
            raise CellError(_("{value!r} is a phone number that Excel showed in scientific "
                              "notation and cut to {n} digits; format the column as text and "
                              "type the number again").format(value=shown, n=1 + len(fraction)))
        compact = whole + fraction
    if not re.fullmatch(r"\+?[0-9]+", compact):
        raise CellError(_("{value!r} is not a phone number: write it like 13800000101 or "
                          "010-12345678").format(value=shown))
    if re.fullmatch(r"[2-9][0-9]{6,7}", compact):  # a local landline, its area code left out
        return compact
    if _mobile().fullmatch(compact):  # most of a register: phonenumbers' own test, ~40x faster
        return compact
    try:
        number = phonenumbers.parse(compact, "CN")
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        digits = compact.lstrip("+")
        if digits.startswith("1") and len(digits) != 11:
            raise CellError(_("{value!r} is not a mobile number: a mobile number has 11 digits")
                            .format(value=shown))
        raise CellError(_("{value!r} is not a phone number in use in China (check the digits)")
                        .format(value=shown))
    if number.country_code != 86:
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    national = phonenumbers.national_significant_number(number)
    area = phonenumbers.length_of_geographical_area_code(number)
    return f"0{national[:area]}-{national[area:]}" if area else national


@lru_cache(maxsize=1)
def _mobile() -> re.Pattern[str]:
    """China's mobile numbers as phonenumbers' metadata describes them."""
    import phonenumbers

    return re.compile(phonenumbers.PhoneMetadata.metadata_for_region("CN").mobile
                      .national_number_pattern)


# Dates -----------------------------------------------------------------------------------

_FULL = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?")
# A date a CSV or a text cell carries with Excel's midnight: 1942-7-15 0:00:00.
_MIDNIGHT = re.compile(r"\s+0{1,2}:00(:00)?$")
# 42.7, 42年7月: a year of birth in two digits, as hand-kept registers write it.
_SHORT_MONTH = re.compile(r"(\d{2})\s*[-/.年]\s*(\d{1,2})\s*月?")
_MONTH_DAY = re.compile(r"(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?")
_LUNAR = ("农历", "阴历", "旧历")
_MONTH = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?")
_YEAR = re.compile(r"(\d{4})\s*年?")
_DIGITS8 = re.compile(r"(\d{4})(\d{2})(\d{2})")
_DIGITS6 = re.compile(r"(\d{4})(\d{2})")
CHINESE_DIGITS = str.maketrans("〇○零一二三四五六七八九", "000123456789")


def _serial(number: float) -> date:
    return _EXCEL_EPOCH + timedelta(days=int(number))


def _date_text(value: Any) -> str:
    """A date cell's text as compared: full-width digits folded, 〇一九四二 as digits, Excel's
    midnight left out."""
    return _MIDNIGHT.sub("", _nfkc(value).translate(CHINESE_DIGITS))


def _century(short: int, today: date) -> int:
    """42 is 1942, 05 is 2005: the latest year with those two digits not after today."""
    year = today.year // 100 * 100 + short
    return year if year <= today.year else year - 100


def day(value: Any) -> date:
    """A full date: a date cell, an Excel serial, 2026-11-25, 2026/11/25, 2026.11.25,
    2026年11月25日 or 20261125."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 20_000_000 < value < 21_000_000 and float(value).is_integer():
            value = str(int(value))
        elif 1 <= value < 80_000:
            return _serial(value)
    shown = _date_text(value)
    match = _FULL.fullmatch(shown) or _DIGITS8.fullmatch(shown)
    if match:
        try:
            return date(*map(int, match.groups()))
        except ValueError:
            raise CellError(_("{value!r} is not a date that exists").format(value=shown))
    if _MONTH.fullmatch(shown):
        raise CellError(_("{value!r} has no day; write the whole date, like 2026-11-25")
                        .format(value=shown))
    raise CellError(_("{value!r} is not a date; write it like 2026-11-25").format(value=shown))


def born(value: Any, today: date) -> int:
    """A year of birth from 1946, 1946年, 1942年7月, 1942年07月, 1939.11, 1948-05, 42.7,
    1946/3/1, 1942-7-15 0:00:00, 19460301, a date cell or an Excel serial."""
    if isinstance(value, (datetime, date)):
        year = value.year
    elif isinstance(value, (int, float)) and not isinstance(value, bool) and \
            not 1000 <= value <= 9999 and float(value).is_integer() and \
            not 100_000 <= value < 100_000_000:
        if value < 1000:  # 42 is neither a year nor a day since 1900 anyone alive was born on
            raise CellError(_("{value!r} is not a year of birth; write it like 1946 or "
                              "1946年3月").format(value=text(value)))
        year = _serial(value).year if value < 80_000 else int(value)
    else:
        shown = _date_text(value)  # 一九四六年
        match = _YEAR.fullmatch(shown) or _MONTH.fullmatch(shown) or _FULL.fullmatch(shown) or \
            _DIGITS8.fullmatch(shown) or _DIGITS6.fullmatch(shown) or \
            _SHORT_MONTH.fullmatch(shown)
        if not match:
            raise CellError(_("{value!r} is not a year of birth; write it like 1946 or 1946年3月")
                            .format(value=shown))
        year = int(match.group(1))
        if match.re is _SHORT_MONTH:
            year = _century(year, today)
        if match.re is not _YEAR and len(match.groups()) >= 2 and not 1 <= int(match.group(2)) <= 12:
            raise CellError(_("{value!r} is not a date that exists").format(value=shown))
    if not 1900 <= year <= today.year:
        raise CellError(_("{year} is not a year of birth between 1900 and {now}").format(
            year=year, now=today.year))
    return year


@dataclass(frozen=True)
class Birthday:
    """What a 生日 cell says: a whole date (the year born with it), a month and day only, a
    year (and month) only, or a day of the lunar calendar, kept as written."""

    day: date | None = None
    month_day: tuple[int, int] | None = None
    year: int | None = None
    lunar: str | None = None


def birthday(value: Any, today: date) -> Birthday:
    """1942-07-15, 1942年7月15日, an Excel date: the whole date; 7月15日, 07-15, 7.15: the month
    and day; 1942年7月: the year; 农历七月十五: kept as written (no calendar converts it here)."""
    if isinstance(value, (datetime, date)) or (
            isinstance(value, (int, float)) and not isinstance(value, bool) and
            float(value).is_integer() and 1000 <= value < 80_000 and not 1900 <= value <= 9999):
        found = day(value)
    else:
        shown = _date_text(value)
        if shown.startswith(_LUNAR):
            return Birthday(lunar=line(value))
        match = _MONTH_DAY.fullmatch(shown)
        if match:
            month, dom = map(int, match.groups())
            try:
                date(2000, month, dom)  # a leap year: 2月29日 exists
            except ValueError:
                if not _SHORT_MONTH.fullmatch(shown):
                    raise CellError(_("{value!r} is not a date that exists").format(value=shown))
                return Birthday(year=born(value, today))  # 42.7: July 1942
            return Birthday(month_day=(month, dom))
        if not (_FULL.fullmatch(shown) or _DIGITS8.fullmatch(shown)):
            return Birthday(year=born(value, today))
        found = day(value)
    if found > today or found.year < 1900:
        raise CellError(_("{value!r} is not a birthday between 1900 and today").format(
            value=found.isoformat()))
    return Birthday(day=found)


def age(value: Any, today: date) -> int:
    """A year of birth from an age (78, 78岁, 78周岁, 七十八岁)."""
    from keyledger.spreadsheet.address import arabic

    shown = _nfkc(value)
    match = re.fullmatch(r"(\d{1,3})(?:\.0+)?\s*(岁|周岁)?", shown) or \
        re.fullmatch(r"(\d{1,3})\s*(岁|周岁)?", arabic(re.sub(r"(周岁|岁)$", "", shown)))
    if not match or int(match.group(1)) > 120:
        raise CellError(_("{value!r} is not an age in years").format(value=shown))
    return today.year - int(match.group(1))


_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def id_number_year(value: Any, today: date) -> int:
    """The year of birth in an identity card number (18 digits, the last a check digit or X; or
    the old 15). The number itself is never kept, nor shown in a message."""
    shown = _nfkc(value).upper()
    if re.fullmatch(r"[0-9]{17}[0-9X]", shown):
        total = sum(int(d) * w for d, w in zip(shown[:17], _ID_WEIGHTS))
        if "10X98765432"[total % 11] != shown[17]:
            raise CellError(_("not an identity card number (its check digit does not match)"))
        year, month, dom = int(shown[6:10]), int(shown[10:12]), int(shown[12:14])
    elif re.fullmatch(r"[0-9]{15}", shown):
        year, month, dom = 1900 + int(shown[6:8]), int(shown[8:10]), int(shown[10:12])
    else:
        raise CellError(_("not an identity card number (18 digits, the last may be X)"))
    try:
        date(year, month, dom)
    except ValueError:
        raise CellError(_("not an identity card number (its date of birth does not exist)"))
    if not 1900 <= year <= today.year:
        raise CellError(_("not an identity card number (its year of birth is {year})")
                        .format(year=year))
    return year


# Words of the ledger's vocabularies --------------------------------------------------------

def words(value: Any, kind: str) -> list[str]:
    """The codes of a cell's words (季节性外出、独居; 暖气检查/浇花), read through the one vocabulary
    (keyledger/vocab.py): a code, a name in either language or any other word for it."""
    from keyledger import vocab

    which = {"flags": vocab.FLAG, "care": vocab.CARE_ITEM, "kind": vocab.HOUSEHOLD_KIND}[kind]
    try:
        return list(vocab.codes_of(which, _nfkc(value)))
    except vocab.UnknownWord as error:  # the choices as a Chinese register writes them
        raise CellError(error.sentence("zh").rstrip(".。"))


def living(value: Any) -> str:
    """居住状态 as offices write it (独居, 空巢老人, 随子女…), through the one vocabulary."""
    from keyledger import vocab

    found = vocab.lookup(vocab.LIVING_SITUATION, _nfkc(value))
    if found is None:
        raise CellError(vocab.UnknownWord(vocab.LIVING_SITUATION, _nfkc(value))
                        .sentence("zh").rstrip(".。"))
    return found


def interests(value: Any) -> list[str]:
    """兴趣爱好 as a list: 京剧、养花; 下棋，太极 (a space stays inside one: table tennis)."""
    return list(dict.fromkeys(p for p in (line(p) for p in re.split(r"[、，,;；/\n]", block(value)))
                              if p))


_YES = {"是", "√", "✓", "✔", "☑", "●", "y", "yes", "1", "有", "true", "对"}
_NO = {"否", "×", "✗", "✘", "x", "n", "no", "0", "不是", "false"}


def yes(value: Any) -> bool:
    """A 是否 column's answer: 是, √, Y, 1 or 否, ×, N, 0."""
    answer = _nfkc(value).casefold()
    if answer in _YES or answer in _NO:
        return answer in _YES
    raise CellError(_("{value!r}: write 是 or 否 (or √ and ×)").format(value=_nfkc(value)))


def kind(value: Any) -> str:
    found = words(value, "kind")
    if len(found) != 1:
        raise CellError(_("expected one of: 居民, 商户"))
    return found[0]


# People ------------------------------------------------------------------------------------

_BRACKETED = re.compile(r"(.+?)\s*[(（\[【]\s*([^)）\]】]+?)\s*[)）\]】]\s*(.*)")


def person(value: Any) -> tuple[str, str | None, str | None]:
    """A contact as offices write one in a cell: 李晓梅, 李晓梅（女儿）, 李晓梅 女儿 13900000201,
    李晓梅(女儿)13900000201: (name, relation or None, phone text or None)."""
    shown = unicodedata.normalize("NFKC", line(value))
    relation = phone_text = None
    match = _BRACKETED.fullmatch(shown)
    if match:
        shown, relation, rest = match.group(1), match.group(2), match.group(3).strip()
        phone_text = rest or None
    digits = re.search(r"\+?[0-9][0-9\s\-/,，、]{5,}[0-9]$", shown)
    if digits:
        phone_text, shown = digits.group(0), shown[: digits.start()].strip()
    shown = plain_name(shown)
    parts = shown.split()
    if len(parts) == 2 and relation is None and len(parts[1]) <= 3:
        shown, relation = parts  # 李晓梅 女儿
    return " ".join(shown.split()), relation, phone_text


_CJK = re.compile(r"[\u3400-\u9fff]+")


def plain_name(text: str) -> str:
    """A Chinese name spaced out to line up in a column (王  芳, 钱 玉 珍, 张 晓梅) as one word;
    李晓梅 女儿 (a name and a relation) and Latin names keep their spaces."""
    parts = text.split()
    if len(parts) > 1 and all(_CJK.fullmatch(p) for p in parts) and \
            (len(parts[0]) == 1 or len(parts[-1]) == 1) and len("".join(parts)) <= 4:
        return "".join(parts)
    return text


def same_name(first: str | None, second: str | None) -> bool:
    def plain(name: str | None) -> str:
        return re.sub(r"[\s·•.]", "", unicodedata.normalize("NFKC", name or ""))
    return plain(first) == plain(second)
