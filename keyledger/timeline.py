"""The week's custody timeline as inline SVG, for the HTML reports and the site: one row per key,
one bar per time a steward held it (a handover starts the next holder's bar), the part past the
time it was due back hatched red, an emergency entry in orange and named in words, since a
printout may be black and white.

Pure drawing: intervals in, markup out. The SVG scales to the width it is given (its viewBox
keeps the proportions), so it never runs past an A4 page.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from html import escape
from typing import Any, Iterable

WIDTH = 1000
LABEL = 190          # the key's column
ROW, BAR, HEAD = 32, 18, 26
_STYLE = (".day{stroke:#bbb;stroke-width:1}.dayname{font-size:15px;fill:#333}"
          ".keyname{font-size:16px;fill:#000}.bar,.swatch{fill:#4a78b5}.emergency{fill:#e08a1e}"
          ".overdue-part,.swatch.late{fill:url(#kl-hatch);stroke:#c00;stroke-width:1}"
          ".who{font-size:15px;fill:#222}.mark{font-size:15px;font-weight:bold;fill:#c00}")


def timeline(formats: Any, custody: Iterable[Any], begin: datetime, end: datetime,
             now: datetime, names: dict[str, str], words: dict[str, Any]) -> Any:
    """`custody`: custody_log.Interval values; `words`: the template's words for `overdue`,
    `emergency`, `out`, `still_out` and the `purposes` by code."""
    from markupsafe import Markup

    intervals = sorted(custody, key=lambda i: (i.key, i.start))
    household_of = {i.key: i.household for i in intervals}
    keys = list(household_of)
    row_of = {k: n for n, k in enumerate(keys)}
    height = HEAD + ROW * max(len(keys), 1) + 34
    span = (end - begin).total_seconds()
    plot = WIDTH - LABEL - 10

    def x(moment: datetime) -> float:
        seconds = (min(max(moment, begin), end) - begin).total_seconds()
        return round(LABEL + plot * seconds / span, 1)

    out = [f'<svg class="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} '
           f'{height}" width="100%" role="img" aria-label="{escape(words["title"])}">',
           f"<style>{_STYLE}</style>",
           '<defs><pattern id="kl-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
           'patternTransform="rotate(45)"><rect width="6" height="6" fill="#fdd"/>'
           '<line x1="0" y1="0" x2="0" y2="6" stroke="#c00" stroke-width="3"/></pattern></defs>']
    day = begin
    while day < end:
        out.append(f'<line class="day" x1="{x(day)}" y1="0" x2="{x(day)}" y2="{height - 34}"/>')
        out.append(f'<text class="dayname" x="{x(day) + 3}" y="18">'
                   f"{escape(formats.day(day))}</text>")
        day += timedelta(days=1)
    for key in keys:
        y = HEAD + ROW * row_of[key]
        out.append(f'<text class="keyname" x="2" y="{y + BAR}">{escape(key)} '
                   f"{escape(household_of[key])}</text>")
    for i in intervals:
        y = HEAD + ROW * row_of[i.key] + 3
        stop = i.end or now
        x0, x1 = x(i.start), x(stop)
        holder = names.get(i.holder, i.holder)
        purpose = words["purposes"].get(i.purpose, i.purpose)
        overdue = bool(i.expected_back and i.expected_back < stop)
        marks = ([words["emergency"]] if i.emergency else []) + \
            ([words["overdue"]] if overdue else []) + ([] if i.end else [words["still_out"]])
        title = f"{i.key} {holder} {purpose} {formats.span(i.start, i.end)}" + \
            ("".join(f" ({m})" for m in marks))
        kinds = "bar" + (" emergency" if i.emergency else "") + (" overdue" if overdue else "")
        out.append(f'<rect class="{kinds}" data-key="{escape(i.key)}" '
                   f'data-holder="{escape(i.holder)}" x="{x0}" y="{y}" '
                   f'width="{max(x1 - x0, 2.0):.1f}" height="{BAR}"><title>{escape(title)}'
                   "</title></rect>")
        if overdue and i.expected_back:
            late = x(i.expected_back)
            out.append(f'<rect class="overdue-part" x="{late}" y="{y}" '
                       f'width="{max(x1 - late, 2.0):.1f}" height="{BAR}"/>')
        label = holder + "".join(f" {m}" for m in marks)
        # The holder's name just after the bar, or before it when the bar ends near the edge.
        after = x1 + 3 < WIDTH - 10 - 15 * len(label)
        anchor = f'x="{x1 + 3}"' if after else f'x="{max(x0 - 3, LABEL)}" text-anchor="end"'
        out.append(f'<text class="{"mark" if marks else "who"}" {anchor} y="{y + BAR - 3}">'
                   f"{escape(label)}</text>")
    legend_y = height - 8
    out.append(f'<rect class="swatch" x="{LABEL}" y="{legend_y - 13}" width="24" height="14"/>'
               f'<text class="who" x="{LABEL + 30}" y="{legend_y}">{escape(words["out"])}</text>'
               f'<rect class="swatch emergency" x="{LABEL + 120}" y="{legend_y - 13}" width="24" '
               f'height="14"/><text class="who" x="{LABEL + 150}" y="{legend_y}">'
               f'{escape(words["emergency"])}</text>'
               f'<rect class="swatch late" x="{LABEL + 240}" y="{legend_y - 13}" width="24" '
               f'height="14"/><text class="who" x="{LABEL + 270}" y="{legend_y}">'
               f'{escape(words["overdue"])}</text>')
    out.append("</svg>")
    return Markup("".join(out))
