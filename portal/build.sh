#!/usr/bin/env bash
# Builds the portal (stac-browser, configured for stacfed's /browser/) into portal/dist, only
# when its inputs changed: the stamp beside the dist (portal/dist.stamp) is a SHA-256 of
# package.json, package-lock.json, the configuration, the patches, this script and the path
# prefix (from STACFED_PUBLIC_URL). Installs exactly the
# locked versions (npm ci) from the npm registry; needs node and npm (deploy/install-deps.sh).
#
#   portal/build.sh            build if stale, else say it is up to date
#   portal/build.sh --check    exit 0 when the dist is up to date, 1 when it needs a build
#   portal/build.sh --force    build whatever the stamp says
set -euo pipefail
cd "$(dirname "$0")"

# The portal's path on the public host: /browser/, under the path of STACFED_PUBLIC_URL when
# stacfed is served below one (https://host/stac: /stac/browser/, which the proxy in front
# passes on to stacfed's /browser/). Its assets and routes are built with it.
public_path=${STACFED_PUBLIC_URL:-}
public_path=${public_path#*://}
case "$public_path" in
  */*) public_path=/${public_path#*/} ;;
  *) public_path= ;;
esac
prefix="${public_path%/}/browser/"
if ! [[ "$prefix" =~ ^[A-Za-z0-9._~/-]+$ ]] || [[ "$prefix" == *//* ]]; then
  echo "portal: STACFED_PUBLIC_URL='${STACFED_PUBLIC_URL}' has a path the portal cannot be built for" \
       "(letters, digits, '.', '_', '~', '-' and single '/' only; no query or fragment)" >&2
  exit 2
fi

stamp_inputs=(package.json package-lock.json stac-browser.config.js build.sh patches/*.patch)
stamp=$( { cat "${stamp_inputs[@]}"; node --version; echo "$prefix"; } | sha256sum | cut -d' ' -f1)
up_to_date() {
  [ -f dist/index.html ] && [ -f dist.stamp ] && [ "$(cat dist.stamp)" = "$stamp" ]
}
case "${1:-}" in
  --check) up_to_date; exit ;;
  --force) rm -f dist.stamp ;;
  "") ;;
  *) echo "usage: portal/build.sh [--check|--force]" >&2; exit 2 ;;
esac
if up_to_date; then
  echo "portal: dist is up to date" >&2
  exit 0
fi

# npm ci starts from an empty node_modules: skip it when the installed tree is from this lock.
lock_hash=$(sha256sum package.json package-lock.json | sha256sum | cut -d' ' -f1)
if [ "$(cat node_modules/.stacfed-lock 2>/dev/null)" != "$lock_hash" ]; then
  echo "portal: installing the locked packages (npm ci)" >&2
  npm ci --no-audit --no-fund --loglevel=error >/dev/null
  echo "$lock_hash" > node_modules/.stacfed-lock
fi

# stac-browser is published as source: build it in a scratch copy outside node_modules (so
# that its sources are transpiled), with our configuration, resolving its build tools from
# portal/node_modules (a parent folder of the copy).
src=node_modules/@radiantearth/stac-browser
work=.build
rm -rf "$work"
mkdir -p "$work"
cp -R "$src"/. "$work"/
cp stac-browser.config.js "$work"/config.js
# Its sources name some files as ../../node_modules/...
ln -s ../node_modules "$work"/node_modules
# Our fixes to stac-browser 4.0.1 (patches/README.md).
for patch in patches/*.patch; do
  patch -s -p1 -d "$work" < "$patch"
done
# Its lint plugin is a development tool we do not install: drop it from the plugin list.
node -e '
  const fs = require("fs"), file = process.argv[1];
  const pkg = JSON.parse(fs.readFileSync(file, "utf8"));
  for (const k of Object.keys(pkg.devDependencies || {})) if (/eslint/.test(k)) delete pkg.devDependencies[k];
  fs.writeFileSync(file, JSON.stringify(pkg, null, 2));' "$work"/package.json
# Run-time configuration: stacfed answers <pathPrefix>config.js; enable the script tag
# stac-browser ships commented out (absolute, so that deep links find it too).
sed -i 's#<!-- <script defer="defer" src="/config.js"></script> -->#<script defer="defer" src="<%= BASE_URL %>config.js"></script>#' \
  "$work"/public/index.html
grep -q 'BASE_URL %>config.js' "$work"/public/index.html || {
  echo "portal: could not enable config.js in stac-browser's public/index.html" >&2
  exit 1
}
rm -f "$work"/public/config.js  # served by stacfed, generated per request

echo "portal: building stac-browser for $prefix (about a minute)" >&2
# stac-browser takes SB_<option> from the environment over its configuration file.
(cd "$work" && SB_pathPrefix="$prefix" NODE_ENV=production \
  node ../node_modules/@vue/cli-service/bin/vue-cli-service.js build --dest dist >build.log 2>&1) ||
  { tail -40 "$work"/build.log >&2; exit 1; }

# Precompressed copies for clients that accept gzip (stacfed serves FILE.gz when present).
find "$work"/dist -type f \( -name '*.js' -o -name '*.css' -o -name '*.html' -o -name '*.json' \
  -o -name '*.svg' -o -name '*.map' -o -name '*.txt' \) -size +1k -exec gzip -9 -k -n {} +

rm -rf dist.new dist.stamp
mv "$work"/dist dist.new
rm -rf dist "$work"
mv dist.new dist
echo "$stamp" > dist.stamp
echo "portal: built $(du -sh dist | cut -f1) into portal/dist" >&2
