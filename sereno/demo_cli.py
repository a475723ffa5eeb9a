"""``sereno demo``: the whole alarm path on one machine, no hardware, no account."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import tempfile
from pathlib import Path

import click

from sereno.demo.console import PATTERN_NAMES, Console
from sereno.demo.report import PressReport
from sereno.demo.site import DemoError, DemoSite


def parse_press(text: str) -> tuple[int, str]:
    """``"3:robo"`` or ``"3 robo"`` → ``(3, "robo")``; Spanish error otherwise."""
    home, sep, what = text.replace(" ", ":", 1).partition(":")
    if not sep or not home.strip().isdigit() or not what.strip():
        raise DemoError(f"«{text}» no se entiende; escriba CASA:TIPO, por ejemplo 3:robo")
    return int(home), what.strip().lower()


def summary(reports: list[PressReport]) -> dict[str, object]:
    """One JSON object: the single press's fields, or aggregates plus every press."""
    if len(reports) == 1:
        return reports[0].to_json()
    sirens = [r.press_to_siren_ms for r in reports if r.press_to_siren_ms is not None]
    return {
        "press_to_siren_ms": round(max(sirens) * 1000, 1) if sirens else None,
        "airtime_ms": round(reports[0].airtime_ms, 1),
        "acked": all(r.acked for r in reports),
        "siren": next((r.siren for r in reversed(reports) if r.siren), None),
        "strobe": any(r.strobe for r in reports),
        "sms_expected": sum(r.sms_expected for r in reports),
        "sms_accepted": sum(r.sms_accepted for r in reports),
        "sms_segments": sum(r.sms_segments for r in reports),
        "ok": all(r.ok for r in reports),
        "presses": [r.to_json() for r in reports],
    }


@click.command()
@click.option(
    "--press",
    "presses",
    multiple=True,
    metavar="CASA:TIPO",
    help="Presiona un botón sin teclado (p. ej. 3:robo); se puede repetir. "
    "Tipos: panico, robo, incendio, medica, silenciosa, cancel, test.",
)
@click.option("--json", "as_json", is_flag=True, help="Con --press: imprime un objeto JSON.")
@click.option(
    "--seconds-scale",
    type=click.FloatRange(min=0.001, max=1.0),
    default=1.0,
    show_default=True,
    help="Acorta los tiempos de sirena y baliza (0.01 = cien veces más rápido).",
)
@click.option(
    "--dir",
    "workdir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Carpeta de la demostración (por omisión, una temporal nueva).",
)
@click.option("--homes", type=click.IntRange(1, 8), default=8, show_default=True)
def demo(
    presses: tuple[str, ...],
    as_json: bool,
    seconds_scale: float,
    workdir: Path | None,
    homes: int,
) -> None:
    """Demostración: un controlador, 8 casas con botón de pánico y SMS en un sandbox local."""
    if as_json and not presses:
        raise click.UsageError("--json necesita al menos un --press (p. ej. --press 3:robo)")
    try:
        wanted = [parse_press(p) for p in presses]
    except DemoError as exc:
        raise click.UsageError(str(exc)) from None
    folder = workdir or Path(tempfile.mkdtemp(prefix="sereno-demo-"))
    folder.mkdir(parents=True, exist_ok=True)
    logging.basicConfig(
        filename=folder / "demo.log",
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    site = DemoSite(folder, homes=homes, seconds_scale=seconds_scale)
    try:
        if wanted:
            ok = asyncio.run(_pressed(site, wanted, as_json))
            sys.exit(0 if ok else 1)
        asyncio.run(_interactive(site))
    except DemoError as exc:
        raise click.ClickException(str(exc)) from None


async def _pressed(site: DemoSite, wanted: list[tuple[int, str]], as_json: bool) -> bool:
    async with site.running():
        console = Console(site, out=sys.stderr if as_json else sys.stdout)
        console.attach()
        if not as_json:
            console.banner()
        reports = []
        for home, what in wanted:
            console.line("casa  ", f"casa {home}: se presiona el botón {what.upper()}")
            report = await site.press(home, what)
            console.report(report)
            reports.append(report)
        if as_json:
            click.echo(json.dumps(summary(reports), ensure_ascii=False, indent=2))
        return all(r.ok for r in reports)


async def _interactive(site: DemoSite) -> None:
    async with site.running():
        console = Console(site)
        console.attach()
        console.banner()
        console.help()
        while True:
            line = await asyncio.to_thread(sys.stdin.readline)
            if not line:
                return
            command = line.strip().lower()
            if not command:
                continue
            if command in ("q", "salir", "quit"):
                return
            if site.controller_app is None and command not in ("i", "iniciar", "h", "?", "ayuda"):
                console.line("calle ", "el controlador está detenido; escriba «i» para iniciarlo")
                continue
            if command in ("s", "silenciar"):
                assert site.controller_app is not None and site.controller_app.controller
                site.controller_app.controller.silence()
                continue
            if command in ("p", "parar"):
                await site.stop_controller()
                console.line("calle ", "controlador detenido (sin energía)")
                continue
            if command in ("i", "iniciar"):
                await site.start_controller()
                console.line("calle ", "controlador en marcha otra vez")
                continue
            if command in ("e", "estado"):
                _status(site, console)
                continue
            if command in ("h", "?", "ayuda"):
                console.help()
                continue
            try:
                home, what = parse_press(command)
                console.line("casa  ", f"casa {home}: se presiona el botón {what.upper()}")
                console.report(await site.press(home, what))
            except DemoError as exc:
                console.line("error ", str(exc))


def _status(site: DemoSite, console: Console) -> None:
    assert site.controller_app is not None and site.controller_app.controller is not None
    controller = site.controller_app.controller
    state = controller.outputs.state
    siren = PATTERN_NAMES.get(state.siren, state.siren) if state.siren else "apagada"
    console.line("estado", f"sirena {siren}; baliza {'destellando' if state.strobe else 'apagada'}")
    for episode in controller.alarm.open_episodes:
        console.line(
            "estado",
            f"episodio {episode.kind.name}: {len(episode.triggers)} activación(es)",
        )
