#!/usr/bin/env bash
# Fail when detect-secrets finds anything in the files git tracks. A fake value that must stay
# (the emulator's credentials) carries `# pragma: allowlist secret` and a comment saying why.
set -euo pipefail
cd "$(dirname "$0")/.."
report=$(mktemp)
trap 'rm -f "$report"' EXIT
"${VENV:-.venv}/bin/detect-secrets" scan >"$report"
python3 - "$report" <<'PY'
import json
import sys

results = json.load(open(sys.argv[1]))["results"]
found = [f"{path}:{hit['line_number']}: {hit['type']}" for path, hits in results.items() for hit in hits]
if found:
    print("detect-secrets found possible secrets:", *found, sep="\n  ", file=sys.stderr)
    sys.exit(1)
print(f"detect-secrets: no findings")
PY
