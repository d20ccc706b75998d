"""Figures out for the street office: households, keys or visits as a spreadsheet with Chinese
headers. Every cell is data, never a formula: an .xlsx cell holding text is written as text
(a name typed as =HYPERLINK(…) stays those characters), and a CSV cell that a spreadsheet would
run (starting with =, +, -, @, a tab or a carriage return) is prefixed with ' as OWASP
advises; an import reads that quote away again."""

from __future__ import annotations

import csv
import io
import os
from datetime import date, datetime
from typing import Any, Iterable

from keyledger import vocab
from keyledger.errors import FatalError
from keyledger.i18n import _
from keyledger.ledger import Ledger
from keyledger.spreadsheet.cells import FORMULA_STARTS
from keyledger.timeutil import now, zone
from keyledger.visits import recorded_late


WHAT = ("households", "keys", "visits")
FORMATS = ("xlsx", "csv")
SHEET_TITLES = {"households": "住户台账", "keys": "钥匙", "visits": "上门记录"}


def _zh(kind: str, code: str | None) -> str | None:
    """A code as a Chinese register writes it (the vocabulary's Chinese name)."""
    return vocab.name(kind, code, "zh") if code else None


def _join(values: Iterable[str | None]) -> str:
    return "、".join(v for v in values if v)


def household_rows(ledger: Ledger, wanted: list[str] | None = None
                   ) -> tuple[list[str], list[list[Any]]]:
    """One row a household (of `wanted`, when the register's filters picked some); its people and
    contacts past the first in 同住人 and 其他联系人, and the elderly register's fields, as the
    import reads them back."""
    from keyledger.register import aged
    from keyledger.spreadsheet.merge import contact_text, resident_text

    headers = ["户号", "户名", "姓名", "地址", "户别", "电话", "出生年份", "生日", "年龄", "高龄", "居住状态",
               "兴趣爱好", "健康状况", "同住人",
               "紧急联系人", "关系", "紧急联系电话", "其他联系人", "标签", "照看事项", "离开日期",
               "返回日期", "外出说明", "A岗", "B岗", "授权至", "钥匙", "备注"]
    today = now(zone(ledger.settings.timezone)).date()
    names = {s.id: s.name for s in ledger.stewards()}
    keys: dict[str, list[str]] = {}
    for k in ledger.keys():
        if k.state != "handed-back":
            keys.setdefault(k.household, []).append(k.id)
    rows = []
    for h in ledger.households(wanted):
        main = h.people[0] if h.people else None
        first = h.contacts[0] if h.contacts else None
        away = next((a for a in h.away if a.until >= today), h.away[-1] if h.away else None)
        auth = h.authorization
        rows.append([
            h.id, h.name, main.name if main else None, h.address,
            _zh("household-kind", h.kind),
            main.phone if main else None,
            main.born if main else None, main.birthday if main else None,
            main.age(today) if main else None,
            "是" if aged(tuple((p.born, p.birthday) for p in h.people), today,
                        ledger.settings.aged_from) else None,
            _zh("living", h.living),
            (_join(main.interests) or None) if main else None,
            main.health if main else None,
            _join(resident_text(p.to_dict()) for p in h.people[1:]) or None,
            first.name if first else None, first.relation if first else None,
            first.phone if first else None,
            _join(contact_text(c.to_dict()) for c in h.contacts[1:]) or None,
            _join(_zh("flag", f) for f in h.flags) or None,
            _join(_zh("care", c) for c in h.care) or None,
            away.start if away else None, away.until if away else None,
            away.note if away else None,
            names.get(h.pair_a, h.pair_a) if h.pair_a else None,
            names.get(h.pair_b, h.pair_b) if h.pair_b else None,
            ("已撤销" if auth.revoked else auth.until) if auth else None,
            _join(keys.get(h.id, [])) or None, h.notes or None])
    return headers, rows


def key_rows(ledger: Ledger) -> tuple[list[str], list[list[Any]]]:
    headers = ["钥匙编号", "户号", "户名", "类型", "说明", "柜位", "状态", "持有人", "借出时间",
               "事由", "预计归还", "见证人", "预约", "备注"]
    tz = zone(ledger.settings.timezone)
    names = {s.id: s.name for s in ledger.stewards()}
    households = {h.id: h.name for h in ledger.households()}

    def local(moment: datetime | None) -> datetime | None:
        return moment.astimezone(tz).replace(tzinfo=None) if moment else None

    rows = []
    for k in ledger.keys():
        # A key's `since` is when its state began: the return, the loss, the handback. The
        # column is the checkout's time, so only a key that is out has one.
        rows.append([
            k.id, k.household, households.get(k.household), _zh("key-kind", k.kind),
            k.label, k.slot, _zh("key-state", k.state),
            names.get(k.holder, k.holder) if k.holder else None,
            local(k.since) if k.state == "out" else None,
            _zh("visit-purpose", k.purpose) if k.purpose else None,
            local(k.expected_back), names.get(k.witness, k.witness) if k.witness else None,
            _join(f"{r.start.astimezone(tz):%Y-%m-%d %H:%M}–{r.until.astimezone(tz):%H:%M} "
                  f"{_zh('visit-purpose', r.purpose)} {names.get(r.steward, r.steward)}"
                  for r in k.reservations) or None,
            k.note])
    return headers, rows


def visit_rows(ledger: Ledger, start: date | None = None,
               until: date | None = None) -> tuple[list[str], list[list[Any]]]:
    from keyledger.visits import FOLDER, visits_between

    headers = ["记录编号", "日期", "开始", "结束", "户号", "户名", "事由", "管家", "钥匙",
               "检查情况", "发现问题", "处理情况", "放行人员", "告知业主", "照片数", "回访日期",
               "备注", "补录"]
    tz = zone(ledger.settings.timezone)
    if start is None or until is None:
        years = sorted(int(e.name) for e in os.scandir(ledger.root / FOLDER)
                       if e.name.isdigit()) if (ledger.root / FOLDER).is_dir() else []
        start = start or (date(years[0], 1, 1) if years else now(tz).date())
        until = until or (date(years[-1], 12, 31) if years else now(tz).date())
    names = {s.id: s.name for s in ledger.stewards()}
    households = {h.id: h.name for h in ledger.households()}
    rows = []
    for v in visits_between(ledger, start, until):
        started = v.started.astimezone(tz)
        rows.append([
            v.id, started.date(), started.replace(tzinfo=None),
            v.ended.astimezone(tz).replace(tzinfo=None) if v.ended else None,
            v.household, households.get(v.household), _zh("visit-purpose", v.purpose),
            _join(names.get(s, s) for s in v.stewards), v.key,
            _join(f"{_zh('care', c.item)}:{_zh('check-result', c.result)}"
                  + (f"({c.note})" if c.note else "") for c in v.checklist) or None,
            _join(v.findings) or None, _join(v.actions) or None,
            _join(" ".join(x for x in (i.who, i.company, i.did) if x) for i in v.let_in) or None,
            _join(v.informed) or None, len(v.photos), v.follow_up, v.note,
            "是" if recorded_late(v) else None])
    return headers, rows


def rows_of(ledger: Ledger, what: str, start: date | None = None, until: date | None = None,
            wanted: list[str] | None = None) -> tuple[list[str], list[list[Any]]]:
    if what == "households":
        return household_rows(ledger, wanted)
    if what == "keys":
        return key_rows(ledger)
    if what == "visits":
        return visit_rows(ledger, start, until)
    raise FatalError(_("export takes households, keys or visits, not {what!r}.").format(what=what))


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str):
        return "'" + value if value.startswith(FORMULA_STARTS) else value
    return str(value)


def write_csv(headers: list[str], rows: list[list[Any]]) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel opens the Chinese as Chinese."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_csv_value(h) for h in headers])
    writer.writerows([[_csv_value(v) for v in row] for row in rows])
    return out.getvalue().encode("utf-8-sig")


def as_text(cells: Iterable[Any]) -> None:
    """openpyxl takes a text starting with '=' for a formula and '#N/A' for an error: every
    text cell is made a text cell again, and characters XML cannot hold become U+FFFD."""
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    for cell in cells:
        if isinstance(cell.value, str):
            if ILLEGAL_CHARACTERS_RE.search(cell.value):
                cell.value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", cell.value)
            cell.data_type = "s"


def write_xlsx(title: str, headers: list[str], rows: list[list[Any]]) -> bytes:
    import openpyxl
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = [max(4, len(h) * 2) for h in headers]
    for row in rows:
        sheet.append(row)
        for i, value in enumerate(row):
            if value is not None:
                text = _csv_value(value)
                wide = sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)
                widths[i] = min(60, max(widths[i], wide))
    for row in sheet.iter_rows():
        as_text(row)
        for cell in row:
            if isinstance(cell.value, datetime):
                cell.number_format = "yyyy-mm-dd hh:mm"
            elif isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
    for i, width in enumerate(widths, 1):
        sheet.column_dimensions[get_column_letter(i)].width = width + 2
    sheet.freeze_panes = "A2"
    if rows:
        sheet.auto_filter.ref = sheet.dimensions
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def export(ledger: Ledger, what: str, fmt: str, start: date | None = None,
           until: date | None = None, wanted: list[str] | None = None) -> tuple[bytes, int]:
    """The file's bytes and its number of data rows."""
    if fmt not in FORMATS:
        raise FatalError(_("--format takes xlsx or csv, not {fmt!r}.").format(fmt=fmt))
    headers, rows = rows_of(ledger, what, start, until, wanted)
    data = write_xlsx(SHEET_TITLES[what], headers, rows) if fmt == "xlsx" else \
        write_csv(headers, rows)
    return data, len(rows)
