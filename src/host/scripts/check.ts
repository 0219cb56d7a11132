/**
 * The acceptance check through `@pulumi/command`: on the host, with the host's own docker daemon,
 * `docker run --rm --platform PLATFORM IMAGE uname -m` must print the target's machine name (the seed
 * article's test: arm64v8/busybox prints aarch64). Prints one JSON object with the same fields the
 * docker-provider path reports; a failure or a mismatch fails the command with a message naming host,
 * target, expected and actual.
 */
import { prelude, shellVars } from "../shell";

export interface CheckScriptInput {
  readonly label: string;
  readonly target: string;
  readonly image: string;
  /** Docker platform, e.g. "linux/arm64"; "" runs without --platform. */
  readonly platform: string;
  /** What `uname -m` must print. */
  readonly expected: string;
  /** Upper bound for pull + run. */
  readonly timeoutSeconds: number;
  /** Why the host skips this target (native); the script then reports it and runs nothing. */
  readonly skipped?: string;
}

/** The check of a target the host runs natively: nothing to prove; reports why, touches nothing. */
export function skippedCheckScript(input: Pick<CheckScriptInput, "label" | "target" | "image" | "platform" | "expected" | "skipped">): string {
  return `${prelude(input.label)}
${shellVars({ TARGET: input.target, IMAGE: input.image, PLATFORM: input.platform, EXPECTED: input.expected, REASON: input.skipped ?? "" })}
printf '{"target":%s,"image":%s,"platform":%s,"expected":%s,"actual":"","exitCode":0,"ok":true,"detail":%s,"skipped":true}\\n' \\
  "$(js "$TARGET")" "$(js "$IMAGE")" "$(js "$PLATFORM")" "$(js "$EXPECTED")" "$(js "$REASON")"`;
}

export function checkScript(input: CheckScriptInput): string {
  return `${prelude(input.label)}
${shellVars({
  TARGET: input.target,
  IMAGE: input.image,
  PLATFORM: input.platform,
  EXPECTED: input.expected,
  TIMEOUT: String(input.timeoutSeconds),
})}
command -v docker >/dev/null 2>&1 || fail "acceptance check for target $TARGET: no docker CLI on the host (Debian 13: docker.io brings the daemon, docker-cli the command). Install docker or disable acceptance"
out=$(mktemp); err=$(mktemp)
rc=0
if [ -n "$PLATFORM" ]; then
  timeout "$TIMEOUT" docker run --rm --platform "$PLATFORM" "$IMAGE" uname -m >"$out" 2>"$err" || rc=$?
else
  timeout "$TIMEOUT" docker run --rm "$IMAGE" uname -m >"$out" 2>"$err" || rc=$?
fi
actual=$(grep -v '^[[:space:]]*$' "$out" | tail -n 1 | tr -d '\\r' || true)
detail=$(grep -v -i 'warning' "$err" | grep -v '^[[:space:]]*$' | tail -n 3 | tr '\\n' ' ' || true)
rm -f "$out" "$err"
if [ "$rc" -eq 0 ] && [ "$actual" = "$EXPECTED" ]; then ok=true; else ok=false; fi
printf '{"target":%s,"image":%s,"platform":%s,"expected":%s,"actual":%s,"exitCode":%d,"ok":%s,"detail":%s}\\n' \\
  "$(js "$TARGET")" "$(js "$IMAGE")" "$(js "$PLATFORM")" "$(js "$EXPECTED")" "$(js "$actual")" "$rc" "$ok" "$(js "$detail")"
[ "$ok" = true ] || fail "acceptance check failed for target $TARGET: docker run --platform \${PLATFORM:-(none)} $IMAGE uname -m printed \\"$actual\\", expected \\"$EXPECTED\\" (exit $rc)\${detail:+: $detail}"`;
}
