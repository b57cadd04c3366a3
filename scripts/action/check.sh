#!/usr/bin/env bash
# action.yml, step 2: run `iceprobe check` from the action's inputs (INPUT_* variables), write
# report.html, report.json and junit.xml to INPUT_REPORT_DIR, set the step outputs, and exit
# with iceprobe's exit code so a failed check or gate fails the job. Credentials are never
# arguments (they would be in the log): iceprobe reads ICEPROBE_USERNAME / ICEPROBE_CREDENTIAL /
# ICEPROBE_TURN_SECRET from the environment.
set -uo pipefail
bin="${ICEPROBE_BIN:-iceprobe}"
dir="${INPUT_REPORT_DIR:-iceprobe-report}"
mkdir -p "$dir"
args=(check --json "$dir/report.json" --html "$dir/report.html" --junit "$dir/junit.xml")
[ -n "${INPUT_CONFIG:-}" ] && args+=(--config "$INPUT_CONFIG")
while IFS= read -r line; do
  line="${line#"${line%%[![:space:]]*}"}"; line="${line%"${line##*[![:space:]]}"}"
  [ -n "$line" ] && args+=(--url "$line")
done <<< "${INPUT_URLS:-}"
while IFS= read -r line; do
  line="${line#"${line%%[![:space:]]*}"}"; line="${line%"${line##*[![:space:]]}"}"
  [ -n "$line" ] && args+=(--expect "$line")
done <<< "${INPUT_EXPECT:-}"
[ "${INPUT_STRICT:-false}" = "true" ] && args+=(--strict)
# Extra arguments split on spaces, as a user types them.
# shellcheck disable=SC2206
[ -n "${INPUT_ARGS:-}" ] && args+=(${INPUT_ARGS})
# shellcheck disable=SC2086
$bin "${args[@]}"
code=$?
status=$(node -e 'try { process.stdout.write(JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).summary.status) } catch { process.stdout.write("none") }' "$dir/report.json")
{
  echo "status=$status"
  echo "exit-code=$code"
} >> "${GITHUB_OUTPUT:-/dev/null}"
exit "$code"
