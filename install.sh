#!/usr/bin/env bash
# Sets up Sereno on this machine. Every set-up step lives here; nothing is installed by hand.
#
#   ./install.sh --dev   development and CI: .venv with the project (editable) and the dev extra,
#                        plus the Debian packages the tests need. Idempotent; a second run is quick.
#   ./install.sh         production on a Raspberry Pi: not written yet (see the message below).
set -euo pipefail
cd "$(dirname "$0")"

mode="${1:-}"
case "$mode" in
  --dev) ;;
  -h|--help) sed -n '2,7p' "$0"; exit 0 ;;
  "")
    echo "La instalación de producción para Raspberry Pi (servicio systemd, usuario 'sereno', UART" >&2
    echo "habilitada) todavía no existe. Para desarrollar o probar use: ./install.sh --dev" >&2
    exit 2 ;;
  *) echo "Opción desconocida: $mode (use --dev)" >&2; exit 2 ;;
esac

PYTHON="${PYTHON:-python3}"
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
  echo "Sereno necesita Python 3.11 o más nuevo; '$PYTHON' no lo es." >&2
  exit 1
fi

# Debian packages the tests need: Chromium for the hub's browser tests (driven by Playwright;
# Playwright's own browser download cannot work offline and is never used), Node.js for the
# unit test of the map drawing script (hub/static/dibujo.js).
DEB_PACKAGES=(chromium nodejs)
"$PYTHON" -m venv --help >/dev/null 2>&1 || DEB_PACKAGES+=(python3-venv)
missing=()
for pkg in "${DEB_PACKAGES[@]+"${DEB_PACKAGES[@]}"}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then SUDO=(); else SUDO=(sudo); fi
  echo "Instalando paquetes de Debian: ${missing[*]}"
  "${SUDO[@]+"${SUDO[@]}"}" apt-get update -q
  DEBIAN_FRONTEND=noninteractive "${SUDO[@]+"${SUDO[@]}"}" apt-get install -y -q "${missing[@]}"
fi

[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv

# Reinstall only when the project's metadata changed since the last successful run.
stamp=.venv/.sereno-installed
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[dev]'
  echo "$want" > "$stamp"
fi
echo "Listo: entorno en .venv (active con: source .venv/bin/activate)"
