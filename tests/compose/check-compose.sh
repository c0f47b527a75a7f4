#!/bin/sh
# Checks the container setup without a Docker engine:
#   - compose.yaml is valid (docker-compose config -q needs no engine),
#   - it defines the services collector and gate,
#   - every FROM in the Dockerfile is a Debian 12 (bookworm) image or an
#     earlier stage of the same file.
#
# usage: check-compose.sh [PROJECT_DIR]   (default: two levels up from here)
# Exit status: 0 ok, 1 a check failed, 77 docker-compose is not installed
# (ctest SKIP_RETURN_CODE).
set -u

dir=${1:-$(cd "$(dirname "$0")/../.." && pwd)}
compose_file=$dir/compose.yaml
dockerfile=$dir/Dockerfile

fail() {
    echo "check-compose: $*" >&2
    exit 1
}

command -v docker-compose >/dev/null 2>&1 || {
    echo "check-compose: docker-compose not installed; skipped" >&2
    exit 77
}
[ -f "$compose_file" ] || fail "$compose_file: no such file"
[ -f "$dockerfile" ] || fail "$dockerfile: no such file"

# Run from a scratch directory so no .env or override file of the caller's
# working directory takes part.
scratch=$(mktemp -d) || fail "mktemp failed"
trap 'rm -rf "$scratch"' EXIT
cd "$scratch" || fail "cannot enter $scratch"

docker-compose -f "$compose_file" config -q ||
    fail "$compose_file: docker-compose config refused it"

services=$(docker-compose -f "$compose_file" config --services) ||
    fail "$compose_file: cannot list services"
for s in collector gate; do
    printf '%s\n' "$services" | grep -qx "$s" ||
        fail "$compose_file: no service '$s'"
done

# Image of every FROM line (flags such as --platform skipped), one a line.
images=$(awk 'toupper($1) == "FROM" {
                  for (i = 2; i <= NF && $i ~ /^--/; i++) ;
                  print $i
              }' "$dockerfile")
[ -n "$images" ] || fail "$dockerfile: no FROM line"
stages=$(awk 'toupper($1) == "FROM" && toupper($(NF-1)) == "AS" {
                  print $NF
              }' "$dockerfile")
for img in $images; do
    case $img in
    debian:bookworm | debian:bookworm-*) ;;
    *)
        printf '%s\n' "$stages" | grep -qx "$img" ||
            fail "$dockerfile: FROM $img is not Debian 12 (bookworm)"
        ;;
    esac
done

echo "check-compose: ok ($compose_file, $dockerfile)"
