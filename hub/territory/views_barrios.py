"""The barrio forms: a new barrio (an administrator in any territorio, a gestor in one of
theirs), its datos (sector and caracterización sociodemográfica) and its limits (drawn on
the map, pasted or uploaded as GeoJSON)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from aiohttp import web

from hub import keys
from hub.enlace.web import actor, barrio_of, current_user, done, now, page
from hub.errors import Invalid
from hub.roles import Role
from hub.territory.barrio_forms import (
    AGE_LABELS,
    LIMIT_KINDS,
    age_field,
    gse_field,
    read_barrio_data,
    read_limits,
    read_new_barrio,
)
from hub.territory.barrios import AGE_BANDS, GSE_GROUPS, Barrio, profile
from hub.territory.limits import MAX_UPLOAD, hectares
from hub.territory.mapview import MAIPU, map_view
from hub.territory.records import BarrioRecords
from hub.territory.territorios import Territorio, Territorios
from hub.web.access import CSRF_FIELD
from hub.web.render import form

NOTICES: Final = {
    "barrio-creado": "El barrio fue creado. Complete sus datos y dibuje sus límites.",
    "datos-guardados": "Los datos del barrio fueron guardados.",
    "limites-guardados": "Los límites del barrio fueron guardados.",
    "limites-borrados": "El barrio quedó sin límites.",
}


def _territorios_for(request: web.Request) -> list[Territorio]:
    """The territorios this person may put a new barrio in."""
    user = current_user(request)
    territorios = Territorios(request.app[keys.db])
    if user.role is Role.ADMIN:
        return territorios.all()
    return territorios.of_gestor(user.id)


async def new_barrio_form(request: web.Request) -> web.StreamResponse:
    choices = _territorios_for(request)
    fields = {"territorio_id": str(choices[0].id)} if len(choices) == 1 else {}
    return _new_page(request, choices, fields, {})


async def create_barrio(request: web.Request) -> web.StreamResponse:
    choices = _territorios_for(request)
    fields = await form(request)
    is_admin = current_user(request).role is Role.ADMIN
    try:
        draft = read_new_barrio(fields, {t.id for t in choices}, must_choose=not is_admin)
        made = BarrioRecords(request.app[keys.db]).create(
            draft, actor=actor(request), at=now(request)
        )
    except Invalid as exc:
        return _new_page(request, choices, fields, exc.problems, status=400)
    raise done(request, "barrio", "barrio-creado", NOTICES, barrio_id=made.id)


def _new_page(
    request: web.Request,
    choices: list[Territorio],
    fields: Mapping[str, str],
    errors: Mapping[str, str],
    *,
    status: int = 200,
) -> web.Response:
    context = {
        "territorio_options": [(str(t.id), t.name) for t in choices],
        "is_admin": current_user(request).role is Role.ADMIN,
        "fields": fields,
        "errors": errors,
    }
    return page(request, "territory/barrio_nuevo.html", context, status=status)


async def barrio_data_form(request: web.Request) -> web.StreamResponse:
    barrio = barrio_of(request)
    found = profile(request.app[keys.db], barrio.id)
    fields: dict[str, str] = {
        "name": barrio.name,
        "sector": found.sector,
        "poblacion": "" if found.poblacion is None else str(found.poblacion),
        "fuente": found.fuente,
    }
    fields.update({age_field(b): str(n) for b, n in found.grupos_etarios.items()})
    fields.update({gse_field(g): _percent(p) for g, p in found.gse.items()})
    return _data_page(request, barrio, fields, {})


async def save_barrio_data(request: web.Request) -> web.StreamResponse:
    barrio = barrio_of(request, write=True)
    fields = await form(request)
    try:
        data = read_barrio_data(fields)
        BarrioRecords(request.app[keys.db]).update(
            barrio.id, data, actor=actor(request), at=now(request)
        )
    except Invalid as exc:
        return _data_page(request, barrio, fields, exc.problems, status=400)
    raise done(request, "barrio", "datos-guardados", NOTICES, barrio_id=barrio.id)


def _data_page(
    request: web.Request,
    barrio: Barrio,
    fields: Mapping[str, str],
    errors: Mapping[str, str],
    *,
    status: int = 200,
) -> web.Response:
    context = {
        "barrio": barrio,
        "ages": [(age_field(band), AGE_LABELS[band]) for band in AGE_BANDS],
        "groups": [(gse_field(group), group) for group in GSE_GROUPS],
        "fields": fields,
        "errors": errors,
    }
    return page(request, "territory/barrio_datos.html", context, status=status)


async def barrio_limits_form(request: web.Request) -> web.StreamResponse:
    barrio = barrio_of(request)
    limits = profile(request.app[keys.db], barrio.id).limites
    text = "" if limits is None else limits.to_json()
    return _limits_page(request, barrio, {"limites": text}, {})


async def save_barrio_limits(request: web.Request) -> web.StreamResponse:
    """``accion=borrar`` removes the limits; otherwise the uploaded file (``archivo``), if
    any, or the text of ``limites`` (drawn or pasted) is checked and saved."""
    barrio = barrio_of(request, write=True)
    try:
        fields = await _limits_fields(request)
    except Invalid as exc:
        return _limits_page(request, barrio, {}, exc.problems, status=400)
    records = BarrioRecords(request.app[keys.db])
    try:
        if fields.get("accion") == "borrar":
            records.set_limits(barrio.id, None, actor=actor(request), at=now(request))
            raise done(request, "barrio", "limites-borrados", NOTICES, barrio_id=barrio.id)
        limits = read_limits(fields.get("limites", ""))
        if limits is None:
            raise Invalid(
                "Dibuje el límite en el mapa, pegue el GeoJSON o suba un archivo .geojson.",
                field="limites",
            )
        records.set_limits(barrio.id, limits, actor=actor(request), at=now(request))
    except Invalid as exc:
        return _limits_page(request, barrio, fields, exc.problems, status=400)
    raise done(request, "barrio", "limites-guardados", NOTICES, barrio_id=barrio.id)


def _limits_page(
    request: web.Request,
    barrio: Barrio,
    fields: Mapping[str, str],
    errors: Mapping[str, str],
    *,
    status: int = 200,
) -> web.Response:
    limits = profile(request.app[keys.db], barrio.id).limites
    context: dict[str, Any] = {
        "barrio": barrio,
        "view": map_view(limits, fallback=MAIPU, widen=0.25),
        "hectares": None if limits is None else hectares(limits),
        "has_limits": limits is not None,
        "kinds": " ".join(sorted(LIMIT_KINDS)),
        "max_upload_kb": MAX_UPLOAD // 1000,
        "fields": fields,
        "errors": errors,
    }
    return page(request, "territory/barrio_limites.html", context, notices=NOTICES, status=status)


async def _limits_fields(request: web.Request) -> dict[str, str]:
    """The limits form's text fields, with ``limites`` replaced by the uploaded file's
    text when one was chosen (:func:`hub.web.render.form` drops files)."""
    too_big = Invalid(
        f"El archivo es demasiado grande: use uno de menos de {MAX_UPLOAD // 1000} kB "
        "(simplifique el polígono en QGIS o geojson.io).",
        field="archivo",
    )
    try:
        posted = await request.post()
    except web.HTTPRequestEntityTooLarge:
        raise too_big from None
    fields = {
        name: value
        for name, value in posted.items()
        if isinstance(value, str) and name != CSRF_FIELD
    }
    upload = posted.get("archivo")
    if isinstance(upload, web.FileField) and upload.filename:
        data = upload.file.read(MAX_UPLOAD + 1)
        if len(data) > MAX_UPLOAD:
            raise too_big
        try:
            fields["limites"] = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise Invalid(
                "El archivo no es texto GeoJSON (UTF-8); expórtelo de nuevo como .geojson.",
                field="archivo",
            ) from None
    return fields


def _percent(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")
