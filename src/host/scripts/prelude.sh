# shellcheck shell=sh
# The start of every remote script (after the variables the component defines with shellVars).
# Strict mode, a predictable PATH and locale (apt's messages are matched in English), and helpers:
# - `fail MSG` prints "LABEL: MSG" on stderr and exits 1 (a non-zero exit fails the Pulumi resource and
#   the message reaches the Pulumi log);
# - `note MSG` prints "LABEL: MSG" on stderr;
# - `js VALUE` prints VALUE as a JSON string (quotes and backslashes escaped, control characters dropped);
# - `js_lines VALUE` the same, but keeps line breaks as \n (for text such as a /proc entry).
set -eu
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
LC_ALL=C
export PATH LC_ALL
fail() { printf '%s: %s\n' "$LABEL" "$*" >&2; exit 1; }
note() { printf '%s: %s\n' "$LABEL" "$*" >&2; }
js() { printf '"%s"' "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' | tr -d '\000-\037')"; }
js_lines() {
  printf '"%s"' "$(printf '%s' "$1" | sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' | tr -d '\000-\011\013-\037' | awk '{ printf "%s%s", (NR > 1 ? "\\n" : ""), $0 }')"
}
