#!/usr/bin/env bash
# Runs every `build/qdeploy ...` command of the given docs' ```bash blocks as written (continuation lines joined),
# in a scratch folder laid out like the repository (build/, configs/, tools/, and ../shared beside it), so the
# docs cannot drift from the CLI. A command right after a line `# illustrative: <why>` is only listed, not run.
#   tests/docs/doc_commands_test.sh BUILD_DIR docs/pipeline.md [more.md ...]
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=$(cd "$1" && pwd)
shift
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/repo"
ln -s "$BUILD" "$scratch/repo/build"
ln -s "$ROOT/configs" "$scratch/repo/configs"
ln -s "$ROOT/tools" "$scratch/repo/tools"
ln -s "$(cd "$ROOT/../shared" && pwd)" "$scratch/shared"

passed=0 failed=0
for doc in "$@"; do
  # One command per output line: bash blocks only, `\`-continued lines joined, "SKIP " before illustrative ones.
  mapfile -t commands < <(awk '
    /^```bash/ { inblock = 1; next }
    /^```/ { inblock = 0; next }
    !inblock { next }
    cont { cmd = cmd " " $0; sub(/\\$/, "", cmd); cont = ($0 ~ /\\$/); if (!cont) print prefix cmd; next }
    /^# illustrative:/ { skipnext = 1; next }
    /^build\/qdeploy / {
      prefix = skipnext ? "SKIP " : ""; skipnext = 0
      cmd = $0; sub(/\\$/, "", cmd); cont = ($0 ~ /\\$/); if (!cont) print prefix cmd; next
    }
    { skipnext = 0 }
  ' "$ROOT/$doc")
  for c in "${commands[@]}"; do
    if [[ $c == SKIP* ]]; then
      echo "illustrative ($doc): ${c#SKIP }"
      continue
    fi
    if (cd "$scratch/repo" && eval "$c") >"$scratch/out.log" 2>&1; then
      ((++passed))
      echo "ok ($doc): $c"
    else
      ((++failed))
      echo "FAILED ($doc): $c"
      tail -5 "$scratch/out.log"
    fi
  done
done
echo "$passed passed, $failed failed"
((failed == 0 && passed > 0))
