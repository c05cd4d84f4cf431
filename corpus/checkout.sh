#!/bin/sh
# Makes the work trees corpus/score.ts reads: <dir>/<owner>+<name>/ at the commit pinned in corpus/repos.tsv.
# Usage: corpus/checkout.sh <mirrors-dir> <checkouts-dir>
#   <mirrors-dir>/<owner>+<name>/repo is a bare git directory holding the pinned commit (any clone or mirror:
#   `git clone --bare https://github.com/<owner>/<name> <mirrors-dir>/<owner>+<name>/repo`).
# Nothing is fetched here. Typed runs want pg's typings next to the checkouts:
#   (cd <checkouts-dir> && echo '{"private":true}' > package.json && npm install --no-save pg @types/pg @types/node)
set -eu
mirrors=${1:?usage: corpus/checkout.sh <mirrors-dir> <checkouts-dir>}
checkouts=${2:?usage: corpus/checkout.sh <mirrors-dir> <checkouts-dir>}
here=$(dirname "$0")
mkdir -p "$checkouts"
tail -n +2 "$here/repos.tsv" | while IFS="$(printf '\t')" read -r repo commit kind why; do
  [ -n "$repo" ] || continue
  target="$checkouts/$repo"
  rm -rf "$target"
  mkdir -p "$target"
  git --git-dir="$mirrors/$repo/repo" archive "$commit" | tar -x -C "$target"
  echo "$repo $commit ($kind)"
done
