# shellcheck shell=sh
# The rule of a target the host runs natively (skipped by the plan): touches nothing, prints why.
# Variables: TARGET NAME REASON.
# shellcheck disable=SC2154 # defined by the component before this text
printf '{"target":%s,"name":%s,"skipped":%s}\n' "$(js "$TARGET")" "$(js "$NAME")" "$(js "$REASON")"
