# Sourced by test/docs/readme-commands.test.ts before each shell block of the README, which then
# runs as written in bash. The commands a block may use are shell functions here that run the real
# command offline, or, for what needs AWS or a terminal, record what would be sent; any other
# command of this list that the test does not know fails the block (exit 97), so a new command in
# the README needs a stand-in here before its test can pass.
#
# Set by the test:
#   README_STATE     a scratch folder: calls.jsonl (one JSON array per recorded call), start.env,
#                    cdk.out
#   README_LOCAL     host:port of the local server the test started (`localhost:3000` in the README)
#   README_SITE      origin of the ArcGIS simulator (`https://gis.example.com` in the README)
#   README_API_URL   what the deployed stack's ApiUrl output would be: the SigV4-checking stand-in
set -eo pipefail

_readme_record() {
  # `--`: jq would otherwise read the recorded -c or --query as its own options.
  jq -cn '$ARGS.positional' --args -- "$@" >> "$README_STATE/calls.jsonl"
}

_readme_unknown() {
  echo "readme test: no stand-in for: $*" >&2
  return 97
}

# The README's example site is the simulator; it speaks plain http on loopback.
_readme_site_args() {
  local arg
  _readme_args=()
  for arg in "$@"; do _readme_args+=("${arg//https:\/\/gis.example.com/$README_SITE}"); done
}

npm() {
  case "$*" in
    # The install already ran (the suite runs from it): check, offline and without writing, that
    # the lock file still installs as package.json says.
    ci) command npm ci --dry-run --offline --no-audit --no-fund --ignore-scripts > /dev/null ;;
    # The suite cannot run itself: list the files `npm test` runs instead (CI runs them all).
    test) command npx vitest list --filesOnly ;;
    # The server outlives the block: the test starts it with this environment.
    start) _readme_record npm start; env -0 > "$README_STATE/start.env" ;;
    *) _readme_unknown npm "$@" ;;
  esac
}

npx() {
  case "${1-} ${2-}" in
    "cdk synth") _readme_record npx "$@"; command npx cdk synth "${@:3}" --quiet --output "$README_STATE/cdk.out" ;;
    # These talk to AWS: recorded, and their -c keys synthesized by the test.
    "cdk bootstrap" | "cdk diff" | "cdk deploy" | "cdk destroy") _readme_record npx "$@" ;;
    "arcgis-token-vending doctor")
      _readme_record npx "$@"
      _readme_site_args "$@"
      command npx "${_readme_args[@]}" --allow-insecure-http
      ;;
    "arcgis-token-vending smoke") _readme_record npx "$@"; command npx "$@" ;;
    *) _readme_unknown npx "$@" ;;
  esac
}

aws() {
  _readme_record aws "$@"
  case "${1-} ${2-}" in
    "cloudformation describe-stacks") printf '%s\n' "$README_API_URL" ;;
    "secretsmanager put-secret-value") ;;
    # The stand-in profile's credentials are the test's fake keys, already in the environment.
    "configure export-credentials")
      [ "$*" = "configure export-credentials --format env" ] || { _readme_unknown aws "$@"; return 97; }
      printf 'export %s=%q\n' AWS_ACCESS_KEY_ID "$AWS_ACCESS_KEY_ID" AWS_SECRET_ACCESS_KEY "$AWS_SECRET_ACCESS_KEY" AWS_SESSION_TOKEN "$AWS_SESSION_TOKEN"
      ;;
    *) _readme_unknown aws "$@" ;;
  esac
}

curl() {
  local arg args=()
  for arg in "$@"; do args+=("${arg//localhost:3000/$README_LOCAL}"); done
  command curl --silent --show-error --fail-with-body --max-time 25 "${args[@]}"
}
