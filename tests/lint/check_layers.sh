#!/bin/sh
# check_layers: no source file includes a header from a layer above its own.
#
# Layers, bottom to top (README "Source layout"): core; codec, http,
# tokenizer, ratelimit (which know nothing but core: services know no HTTP);
# onemin; engine; api. A file may include headers of its own folder and of the
# folders below() lists for it. src/main.c and src/app.h are the composition root and may include
# anything. Prints TAP; fails on every upward or sideways include.
top=${TOP_SRCDIR:-.}
cd "$top/src" || exit 1

# The folders each layer may include besides its own.
below() {
    case $1 in
    core) echo "" ;;
    codec) echo "core" ;;
    http) echo "core" ;;
    tokenizer|ratelimit) echo "core" ;;            # services know no HTTP
    onemin) echo "core codec http tokenizer ratelimit" ;;
    engine) echo "core codec http tokenizer ratelimit onemin" ;;
    api) echo "core codec http tokenizer ratelimit onemin engine" ;;
    *) echo "-" ;;
    esac
}

# Known exceptions being removed (one "file -> folder" per line); none left.
allowed() {
    return 1
}

n=0
fail=0
for f in $(find . -name '*.[ch]' | sed 's|^\./||' | sort); do
    dir=${f%%/*}
    [ "$dir" = "$f" ] && continue            # main.c, app.h: the composition root
    allow=$(below "$dir")
    if [ "$allow" = "-" ]; then
        n=$((n + 1)); fail=1
        echo "not ok $n - $f is in a folder that belongs to no layer"
        continue
    fi
    for inc in $(sed -n 's/^#include "\([a-z_]*\)\/[^"]*".*/\1/p' "$f" | sort -u); do
        [ "$inc" = "$dir" ] && continue
        case " $allow " in *" $inc "*) continue ;; esac
        n=$((n + 1)); fail=1
        echo "not ok $n - $f includes a header of $inc/, a layer above or beside $dir/"
    done
done
n=$((n + 1))
if [ $fail -eq 0 ]; then echo "ok $n - no file includes a header from a layer above its own"; else echo "not ok $n - upward includes found"; fi
echo "1..$n"
exit $fail
