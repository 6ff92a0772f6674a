#!/usr/bin/env bash
# tests/installed/run.sh BUILD_DIR: installs BUILD_DIR into a temporary
# DESTDIR and builds and runs, against what was installed there only (the
# .pc, the headers, the VAPI, the typelib, the shared library), a C program,
# a Vala program and a Python program: what a user of the installed library
# gets. Exits non-zero on the first failure.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$1" && pwd)
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT

meson install -C "$build" --destdir "$dest" --no-rebuild > "$dest/install.log"
prefix=$(meson introspect "$build" --buildoptions | /usr/bin/python3 -c \
  'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"]=="prefix"))')
root="$dest$prefix"
pc=$(dirname "$(find "$root" -name gossip-glib-1.pc | head -n 1)")
libdir=$(dirname "$pc")
# The installed .pc names the real prefix; a copy pointing into the DESTDIR
# (only ours: glib's own .pc files stay as they are).
mkdir -p "$dest/pc"
sed "s|^prefix=.*|prefix=$root|" "$pc/gossip-glib-1.pc" > "$dest/pc/gossip-glib-1.pc"
export PKG_CONFIG_PATH="$dest/pc"
export LD_LIBRARY_PATH="$libdir"
export GI_TYPELIB_PATH="$libdir/girepository-1.0"

echo "installed into $root"
grep -q '<c:include name="gossip-glib.h"/>' "$root/share/gir-1.0/Gossip-1.0.gir"
echo "GIR c:include: gossip-glib.h"

# shellcheck disable=SC2046
cc -o "$dest/two-nodes-c" "$here/two-nodes.c" \
  $(pkg-config --cflags --libs gossip-glib-1)
"$dest/two-nodes-c"

if command -v valac > /dev/null && [ -f "$root/share/vala/vapi/gossip-glib-1.vapi" ]; then
  grep -q 'cheader_filename = "gossip-glib.h"' "$root/share/vala/vapi/gossip-glib-1.vapi"
  echo "VAPI cheader_filename: gossip-glib.h"
  # valac reads the .pc through PKG_CONFIG_PATH, as for an installed library.
  # shellcheck disable=SC2046
  valac -q --vapidir "$root/share/vala/vapi" --pkg gossip-glib-1 --pkg gio-2.0 \
    -X -w \
    -o "$dest/two-nodes-vala" "$here/two-nodes.vala" --cc=cc
  "$dest/two-nodes-vala"
else
  echo "valac or the VAPI missing: Vala program skipped" >&2
  exit 1
fi

/usr/bin/python3 "$here/two-nodes.py"
echo "installed library: C, Vala and Python programs passed"
