"""The carta Gantt of a plan de acción, drawn as SVG by the server (no JavaScript).

One row per acción, grouped under its objetivo específico; a time axis with a tick at the
first of every month, labelled in Spanish (``ene``, ``feb``… and the year on January and
on the first tick); each bar runs from the acción's fecha de inicio to its fecha de
término, both days included (a one-day acción is one day wide), with its avance filled in
a darker tone; colours by situation (pendiente, en curso, realizada, suspendida,
atrasada); hitos as diamonds on their own row; a red "hoy" line.

The axis covers the plan's periodo, **extended** to any acción or hito outside it (nothing
is clipped: an acción moved outside the periodo, or a periodo shortened afterwards, still
shows whole), and is snapped to whole months. The root element carries the scale
(``data-desde``, ``data-hasta``, ``data-x``, ``data-ancho``) so a reader — and the tests —
can turn a date into its x: ``x(d) = data-x + (d - data-desde).days * data-ancho / días``.

All text is XML-escaped. Only presentation attributes are used (no ``<style>``, which the
hub's Content-Security-Policy would block), so the file looks the same inline in the page,
opened alone or printed.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Final
from xml.sax.saxutils import escape, quoteattr

from hub.enlace.planes.model import ATRASADA, SITUACIONES, Accion, Hito, Objetivo, Plan

MESES: Final = ("ene", "feb", "mar", "abr", "may", "jun", "jul", "ago", "sep", "oct", "nov", "dic")
LABEL_WIDTH: Final = 300
CHART_WIDTH: Final = 840
RIGHT_MARGIN: Final = 20
HEADER: Final = 56
ROW: Final = 24
BAR: Final = 14
LEGEND: Final = 40
MAX_LABEL: Final = 42
FONT: Final = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', sans-serif"
COLOURS: Final = {
    # situation: (track, filled progress)
    "pendiente": ("#d5dadd", "#6b7780"),
    "en_curso": ("#c9daf0", "#1f5fa8"),
    "realizada": ("#bfe3cb", "#1b7a3e"),
    "suspendida": ("#e6dfd3", "#7a6a55"),
    ATRASADA: ("#f6c9c6", "#b3261e"),
}


@dataclass(frozen=True)
class Scale:
    """Dates to x: ``start`` (first day shown) at ``left``, ``end`` (last day shown, whole)
    ending at ``left + width``."""

    start: date
    end: date
    left: float
    width: float

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    @property
    def day(self) -> float:
        """The width of one day."""
        return self.width / self.days

    def x(self, day: date) -> float:
        """Where ``day`` begins."""
        return self.left + (day - self.start).days * self.day

    def span(self, inicio: date, termino: date) -> tuple[float, float]:
        """x and width of a bar from ``inicio`` to ``termino``, both days included."""
        return self.x(inicio), ((termino - inicio).days + 1) * self.day


def axis(plan: Plan, acciones: Sequence[Accion], hitos: Sequence[Hito]) -> Scale:
    """The plan's periodo, extended to every acción and hito, in whole months."""
    first = min([plan.inicio, *(a.inicio for a in acciones), *(h.fecha for h in hitos)])
    last = max([plan.termino, *(a.termino for a in acciones), *(h.fecha for h in hitos)])
    start = first.replace(day=1)
    end = last.replace(day=calendar.monthrange(last.year, last.month)[1])
    return Scale(start, end, LABEL_WIDTH, CHART_WIDTH)


def months(scale: Scale) -> list[date]:
    """The first day of every month on the axis."""
    found = []
    day = scale.start
    while day <= scale.end:
        found.append(day)
        day = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return found


def month_label(day: date, first: bool) -> str:
    name = MESES[day.month - 1]
    return f"{name} {day.year}" if first or day.month == 1 else name


def _n(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _short(text: str) -> str:
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "…"


def _dmy(day: date) -> str:
    return day.strftime("%d-%m-%Y")


def _text(
    x: float, y: float, text: str, *, size: int = 12, extra: str = "", fill: str = "#1d2428"
) -> str:
    return (
        f'<text x="{_n(x)}" y="{_n(y)}" font-size="{size}" fill="{fill}"{extra}>'
        f"{escape(text)}</text>"
    )


def gantt_svg(
    plan: Plan,
    groups: Sequence[tuple[Objetivo, Sequence[Accion]]],
    hitos: Sequence[Hito],
    *,
    today: date,
    href: Callable[[Accion], str] | None = None,
) -> str:
    """The carta Gantt of ``plan``: ``groups`` are its objetivos with their acciones."""
    acciones = [a for _, own in groups for a in own]
    scale = axis(plan, acciones, hitos)
    rows = len(groups) + len(acciones) + (1 if hitos else 0) or 1
    chart_bottom = HEADER + rows * ROW
    width = LABEL_WIDTH + CHART_WIDTH + RIGHT_MARGIN
    height = chart_bottom + LEGEND
    title = f"Carta Gantt · {plan.titulo} ({_dmy(plan.inicio)} al {_dmy(plan.termino)})"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-labelledby="gantt-titulo" '
        f'font-family="{FONT}" data-desde="{scale.start.isoformat()}" '
        f'data-hasta="{scale.end.isoformat()}" data-x="{_n(scale.left)}" '
        f'data-ancho="{_n(scale.width)}">',
        f'<title id="gantt-titulo">{escape(title)}</title>',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
        _text(8, 20, _short(plan.titulo), size=14, extra=' font-weight="700"'),
    ]
    out += _outside_period(scale, plan, chart_bottom)
    out += _month_grid(scale, chart_bottom)
    y = HEADER
    for objetivo, own in groups:
        out.append(
            f'<rect x="0" y="{y}" width="{width}" height="{ROW}" fill="#f3f5f6"/>'
            + _text(8, y + 16, _short(objetivo.titulo), extra=' font-weight="700"')
        )
        y += ROW
        for accion in own:
            out.append(_bar(scale, accion, y, today, href))
            y += ROW
    if not acciones:
        out.append(_text(LABEL_WIDTH + 8, y + 16, "El plan aún no tiene acciones."))
    if hitos:
        out.append(_text(8, y + 16, "Hitos", extra=' font-weight="700"'))
        out += [_diamond(scale, hito, y) for hito in hitos]
    if scale.start <= today <= scale.end:
        x = scale.x(today) + scale.day / 2
        out.append(
            f'<line class="hoy" x1="{_n(x)}" y1="{HEADER - 34}" x2="{_n(x)}" y2="{chart_bottom}" '
            'stroke="#b3261e" stroke-width="2" stroke-dasharray="4 3"/>'
            + _text(x + 3, HEADER - 26, "hoy", size=11, fill="#b3261e")
        )
    out += _legend(chart_bottom + 24)
    out.append("</svg>")
    return "\n".join(out) + "\n"


def _outside_period(scale: Scale, plan: Plan, bottom: int) -> list[str]:
    """Shade the days the axis shows beyond the plan's periodo."""
    out = []
    stretches = (
        (scale.start, plan.inicio - timedelta(days=1)),
        (plan.termino + timedelta(days=1), scale.end),
    )
    for first, last in stretches:
        if first <= last:
            x, width = scale.span(first, last)
            out.append(
                f'<rect class="fuera-del-periodo" x="{_n(x)}" y="{HEADER}" width="{_n(width)}" '
                f'height="{bottom - HEADER}" fill="#eceff1"/>'
            )
    return out


def _month_grid(scale: Scale, bottom: int) -> list[str]:
    out = [
        f'<line x1="{LABEL_WIDTH}" y1="{HEADER}" x2="{LABEL_WIDTH + CHART_WIDTH}" y2="{HEADER}" '
        'stroke="#5b6770"/>'
    ]
    for index, first in enumerate(months(scale)):
        x = scale.x(first)
        out.append(
            f'<line class="mes" x1="{_n(x)}" y1="{HEADER - 22}" x2="{_n(x)}" y2="{bottom}" '
            'stroke="#d5dadd"/>' + _text(x + 3, HEADER - 8, month_label(first, index == 0))
        )
    end = scale.left + scale.width
    out.append(
        f'<line x1="{_n(end)}" y1="{HEADER - 22}" x2="{_n(end)}" y2="{bottom}" stroke="#d5dadd"/>'
    )
    return out


def _bar(
    scale: Scale, accion: Accion, y: int, today: date, href: Callable[[Accion], str] | None
) -> str:
    situacion = accion.situacion(today)
    track, filled = COLOURS[situacion]
    x, width = scale.span(accion.inicio, accion.termino)
    top = y + (ROW - BAR) / 2
    tip = (
        f"{accion.actividad}: {_dmy(accion.inicio)} al {_dmy(accion.termino)} · "
        f"{SITUACIONES[situacion]} · {accion.avance} %"
    )
    parts = [
        _text(20, y + 16, _short(accion.actividad)),
        f'<g class="accion" data-accion="{accion.id}" data-situacion="{situacion}">'
        f"<title>{escape(tip)}</title>",
        f'<rect class="barra" x="{_n(x)}" y="{_n(top)}" width="{_n(width)}" height="{BAR}" '
        f'rx="2" fill="{track}" stroke="{filled}"/>',
        f'<rect class="avance" x="{_n(x)}" y="{_n(top)}" width="{_n(width * accion.avance / 100)}" '
        f'height="{BAR}" rx="2" fill="{filled}"/>',
        "</g>",
    ]
    body = "".join(parts[1:])
    if href is not None:
        body = f"<a href={quoteattr(href(accion))}>{body}</a>"
    return parts[0] + body


def _diamond(scale: Scale, hito: Hito, y: int) -> str:
    cx = scale.x(hito.fecha) + scale.day / 2
    cy = y + ROW / 2
    r = 7
    points = (
        f"{_n(cx)},{_n(cy - r)} {_n(cx + r)},{_n(cy)} {_n(cx)},{_n(cy + r)} {_n(cx - r)},{_n(cy)}"
    )
    fill = "#1b7a3e" if hito.cumplido else "#ffffff"
    state = "cumplido" if hito.cumplido else "pendiente"
    tip = f"Hito: {hito.titulo} · {_dmy(hito.fecha)} · {state}"
    return (
        f'<g class="hito" data-hito="{hito.id}"><title>{escape(tip)}</title>'
        f'<polygon points="{points}" fill="{fill}" stroke="#1d2428" stroke-width="1.5"/></g>'
        + _text(cx + r + 3, cy + 4, _short(hito.titulo)[:24], size=10)
    )


def _legend(y: int) -> list[str]:
    out = []
    x = 8
    for key, label in SITUACIONES.items():
        filled = COLOURS[key][1]
        out.append(
            f'<rect x="{x}" y="{y - 10}" width="18" height="10" fill="{filled}" '
            f'stroke="{filled}"/>' + _text(x + 24, y, label, size=11)
        )
        x += 120
    out.append(
        f'<polygon points="{x + 6},{y - 12} {x + 12},{y - 6} {x + 6},{y} {x},{y - 6}" '
        'fill="#ffffff" stroke="#1d2428"/>' + _text(x + 18, y, "Hito", size=11)
    )
    x += 80
    out.append(
        f'<rect x="{x}" y="{y - 10}" width="18" height="10" fill="#eceff1" stroke="#5b6770"/>'
        + _text(x + 24, y, "Fuera del periodo del plan", size=11)
    )
    return out
