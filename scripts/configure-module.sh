#!/usr/bin/env bash
# configure-module.sh DIR CC_OPT LD_OPT
# Configures a private copy of Debian's nginx source tree (nginx-dev) in DIR
# with the flags Debian's nginx was built with (conf_flags), so the module
# carries the same --with-compat signature and `load_module` accepts it.
set -euo pipefail

dir=$1 cc_opt=$2 ld_opt=$3
src=${NGX_SRC:-/usr/share/nginx/src}
root=$(cd "$(dirname "$0")/.." && pwd)

[ -f "$src/conf_flags" ] || { echo "configure-module: $src/conf_flags missing: apt-get install nginx-dev" >&2; exit 1; }

# shellcheck disable=SC1091
. "$src/conf_flags"

rm -rf "$dir"
mkdir -p "$dir"
cp -r "$src"/. "$dir"/
cd "$dir"

./configure "${NGX_CONF_FLAGS[@]}" \
    --with-cc-opt="$cc_opt" --with-ld-opt="$ld_opt" \
    --add-dynamic-module="$root" > configure.log 2>&1 \
    || { tail -20 configure.log >&2; exit 1; }
