#!/usr/bin/env bash
# make release: an offline release of this checkout for a regulator's intranet (no PyPI, no npm):
#   OUT/supervision-<version>-cp311-cp311-linux_x86_64.whl   code, templates, compiled catalogues,
#                                               vendored front-end assets, migrations, code lists,
#                                               reference data and the two compiled modules (built with
#                                               this machine's C compiler; SUPERVISION_PURE_PYTHON=1
#                                               builds supervision-<version>-py3-none-any.whl without them)
#   OUT/wheelhouse/                             that wheel and the wheel of every dependency, for this
#                                               platform (Python and OS of the build machine)
#   OUT/SHA256SUMS                              `cd OUT && sha256sum -c SHA256SUMS`
#   OUT/deploy/                                 systemd units and env example (docs/deploy.md §7)
# Built from the tracked files of the checkout (untracked files never ship) plus what `make setup`
# generates (static/vendor from npm, the .mo catalogues). Usage: scripts/release.sh [OUT] (default dist)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
OUT="$(mkdir -p "${1:-dist}" && cd "${1:-dist}" && pwd)"
BIN="${BIN:-$ROOT/.venv/bin}"
VERSION="$("$BIN/python" -c 'from supervision.version import platform_version; print(platform_version())')"

for f in supervision/static/vendor/echarts/echarts.min.js supervision/static/vendor/bootstrap/css/bootstrap.min.css; do
  [ -f "$f" ] || { echo "missing $f: run make assets (npm) first" >&2; exit 1; }
done
for po in supervision/translations/*/LC_MESSAGES/*.po; do
  [ "${po%.po}.mo" -nt "$po" ] || [ "${po%.po}.mo" -ef "$po" ] || { echo "${po%.po}.mo is missing or older than $po: run make translations" >&2; exit 1; }
done

SRC="$(mktemp -d "${TMPDIR:-/tmp}/supervision-release.XXXXXX")"
trap 'rm -rf "$SRC"' EXIT
if git rev-parse --git-dir >/dev/null 2>&1; then
  git ls-files -z | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done \
    | xargs -0 cp --parents -t "$SRC"
else
  echo "not a git checkout: building from the whole tree" >&2
  cp -a . "$SRC/"
  rm -rf "$SRC/.venv" "$SRC/node_modules" "$SRC/instance" "$SRC/build" "$SRC/dist"
fi
cp -a supervision/static/vendor "$SRC/supervision/static/"
rm -f "$SRC/supervision/static/vendor/.done"
for mo in supervision/translations/*/LC_MESSAGES/*.mo; do cp "$mo" "$SRC/$mo"; done

rm -rf "$OUT/wheelhouse" "$OUT"/supervision-*.whl "$OUT/SHA256SUMS"
mkdir -p "$OUT/wheelhouse"
echo "building supervision $VERSION"
# for this platform, as the wheelhouse: the guards' and the sheet reader's compiled modules in it
# (SUPERVISION_PURE_PYTHON=1: a py3-none-any wheel without them, which runs their slower paths)
(cd "$SRC" && "$BIN/pip" wheel --quiet --no-deps --no-build-isolation --wheel-dir "$OUT" . 2>"$SRC/build.log") \
  || { cat "$SRC/build.log" >&2; exit 1; }
WHEEL="$(ls "$OUT"/supervision-"$VERSION"-*.whl)"
"$BIN/python" tools/check_wheel.py "$WHEEL"
echo "collecting the wheels of every dependency into $OUT/wheelhouse (the versions installed here, which the tests ran on)"
"$BIN/pip" freeze --exclude-editable | grep -E '^[A-Za-z0-9_.-]+==' > "$SRC/constraints.txt" || true
"$BIN/pip" wheel --quiet --wheel-dir "$OUT/wheelhouse" --constraint "$SRC/constraints.txt" "$WHEEL" 2>"$SRC/deps.log" \
  || { cat "$SRC/deps.log" >&2; exit 1; }
(cd "$OUT" && sha256sum "$(basename "$WHEEL")" wheelhouse/*.whl > SHA256SUMS)
# the systemd units and the environment example of docs/deploy.md, to be adapted on each machine
rm -rf "$OUT/deploy" && cp -r deploy "$OUT/deploy"
echo "release: $WHEEL"
echo "         $OUT/wheelhouse ($(ls "$OUT/wheelhouse" | wc -l) wheels), $OUT/SHA256SUMS"
echo "install: pip install --no-index --find-links $OUT/wheelhouse supervision==$VERSION"
