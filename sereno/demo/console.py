"""The demo's console: what happens on the block, as lines a person can follow."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from controller.service import Happening
from sereno.demo.report import PressReport
from sereno.demo.site import DemoSite

WHAT_LABEL = {
    "frame": "radio ",
    "ack": "ACK   ",
    "street": "calle ",
    "episode": "alarma",
    "sms": "SMS   ",
    "silence": "calle ",
    "chirp": "calle ",
}

PATTERN_NAMES = {
    "continuous": "continua (PANICO)",
    "pulsed": "pulsante (ROBO)",
    "temporal-three": "tres toques (INCENDIO)",
    "medical-chirps": "pitidos cortos (EMERGENCIA MEDICA)",
}


class Console:
    """Prints each happening with the time since the demo started."""

    def __init__(self, site: DemoSite, out: TextIO = sys.stdout) -> None:
        self.site = site
        self.out = out
        self.started = time.monotonic()
        self._names: dict[str, str] = {}

    def attach(self) -> None:
        self._names = {v.phone: v.name for v in self.site.store.list_vecinos()}
        self.site.listeners.append(self.show)

    def line(self, label: str, text: str) -> None:
        elapsed = time.monotonic() - self.started
        print(f"[{elapsed:7.2f} s] {label}  {text}", file=self.out, flush=True)

    def show(self, happening: Happening) -> None:
        data = happening.data
        if happening.what == "sms":
            name = self._names.get(str(data.get("to")), "")
            if data.get("outcome") == "accepted":
                text = f"{name} ({data.get('to')}) recibe: «{data.get('body')}»"
            else:
                text = f"{name} ({data.get('to')}): el envío falló"
        elif happening.what == "street":
            siren = data.get("siren")
            siren_text = PATTERN_NAMES.get(str(siren), str(siren)) if siren else "apagada"
            strobe_text = "destellando" if data.get("strobe") else "apagada"
            text = f"sirena {siren_text}; baliza {strobe_text}"
        else:
            text = happening.text
        self.line(WHAT_LABEL.get(happening.what, happening.what[:6].ljust(6)), text)

    def report(self, report: PressReport) -> None:
        if report.acked:
            node = (
                f"el nodo recibió su ACK ({report.outcome}, {report.sends} envío(s)): LED fijo 3 s"
            )
        else:
            node = f"el nodo no obtuvo ACK tras {report.sends} envío(s): LED parpadeo rápido 10 s"
        self.line("casa  ", f"casa {report.home}: {node}")
        if report.sms_expected:
            self.line(
                "SMS   ",
                f"{report.sms_accepted} de {report.sms_expected} SMS aceptados por el sandbox",
            )

    def banner(self) -> None:
        print(
            "Sereno — demostración en un solo equipo (hardware emulado, SMS en sandbox)",
            file=self.out,
        )
        print(f"Carpeta de la demostración: {self.site.workdir}", file=self.out)
        if self.site.sandbox is not None:
            print(f"SMS sandbox: {self.site.sandbox.url}", file=self.out)
        if self.site.login is not None:
            login = self.site.login
            print(
                f"Hub municipal: {login.url}  (usuario {login.email}, contraseña "
                f"{login.password}; el controlador reporta cada 10 s)",
                file=self.out,
            )
        if self.site.gestora_login is not None:
            login = self.site.gestora_login
            print(
                f"Gestión territorial: usuario {login.email}, contraseña {login.password} "
                "(barrio Villa Los Aromos: diagnóstico, plan de acción, mesas)",
                file=self.out,
            )
        print("Casas de la cuadra:", file=self.out)
        for home in self.site.homes.values():
            print(f"  {home.number}: {home.label}, nodo {home.node_address}", file=self.out)
        print(file=self.out, flush=True)

    def help(self) -> None:
        print(
            "Escriba «CASA TIPO» y Enter, p. ej. «3 robo». Tipos: panico, robo, incendio, "
            "medica, silenciosa, cancel (mantener 3 s), test.\n"
            "«s» silencia la sirena (llave del instalador), «e» muestra el estado, "
            "«p» para el controlador (el hub lo verá sin conexión), «i» lo inicia, «q» sale.",
            file=self.out,
            flush=True,
        )
