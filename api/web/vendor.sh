#!/usr/bin/env bash
# Re-vendors GOV.UK Frontend (its built dist files) and axe-core (for the
# browser tests) at the versions given, so that building, running and
# testing never need npm or the network:
#
#   api/web/vendor.sh 6.6.0 4.14.1
#
# GOV.UK Frontend's @font-face rules are removed: GDS Transport is licensed
# for GOV.UK services only, and a police service is not one; the pages fall
# back to Arial, as GOV.UK Frontend's own font stack does.
set -euo pipefail
govuk=${1:?usage: vendor.sh GOVUK_FRONTEND_VERSION AXE_CORE_VERSION}
axe=${2:?usage: vendor.sh GOVUK_FRONTEND_VERSION AXE_CORE_VERSION}
here="$(cd "$(dirname "$0")" && pwd)"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT

(cd "$tmp" && npm pack --silent "govuk-frontend@$govuk" "axe-core@$axe" >/dev/null)
mkdir -p "$tmp/g" "$tmp/a"
tar -xzf "$tmp/govuk-frontend-$govuk.tgz" -C "$tmp/g"
tar -xzf "$tmp/axe-core-$axe.tgz" -C "$tmp/a"

dest="$here/static/govuk"
rm -rf "$dest"; mkdir -p "$dest/assets"
dist="$tmp/g/package/dist/govuk"
sed -E 's/@font-face\{[^}]*\}//g; s#/\*\# sourceMappingURL=[^*]*\*/##' "$dist/govuk-frontend.min.css" >"$dest/govuk-frontend.min.css"
sed -E 's#//\# sourceMappingURL=.*$##' "$dist/govuk-frontend.min.js" >"$dest/govuk-frontend.min.js"
cp -r "$dist/assets/images" "$dest/assets/"
cp "$dist/assets/manifest.json" "$dest/assets/"
echo "MIT licence: https://github.com/alphagov/govuk-frontend/blob/main/LICENSE.txt; images are Crown copyright" >"$dest/LICENSE"
echo "govuk-frontend $govuk" >"$dest/VERSION"

mkdir -p "$here/journeys/axe"
cp "$tmp/a/package/axe.min.js" "$here/journeys/axe/axe.min.js"
cp "$tmp/a/package/LICENSE" "$here/journeys/axe/LICENSE"
echo "axe-core $axe" >"$here/journeys/axe/VERSION"
echo "vendored govuk-frontend $govuk and axe-core $axe"
