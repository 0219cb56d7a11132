/**
 * The package scripts: install (create) and, only when asked, remove (delete) the distribution packages
 * that provide the QEMU interpreters. Debian/Ubuntu (apt) only.
 *
 * Design points:
 * - Idempotent: packages already installed are not touched and apt is not even called.
 * - Non-interactive: DEBIAN_FRONTEND=noninteractive, keep existing conffiles, no recommends (recommends
 *   would bring `qemu-user-binfmt`/`binfmt-support`, i.e. other registrars).
 * - A held dpkg lock is waited for at most LOCK_TIMEOUT seconds (apt's DPkg::Lock::Timeout); then the
 *   script fails naming the lock and the processes that look like holders.
 * - Foreign registrations survive the install: Debian's systemd package restarts systemd-binfmt from a
 *   dpkg trigger whenever a package ships /usr/lib/binfmt.d files (qemu-user-static on Debian 12,
 *   qemu-user on Debian 13), and that restart unregisters EVERY entry (WSLInterop, docker's, ...). During
 *   the apt run the unit is masked with `--runtime` (the trigger then skips the restart) and unmasked on
 *   exit. A runtime mask lives in /run, so even a killed script leaves nothing behind after a reboot.
 */
import { prelude, shellVars } from "../shell";

export interface PackageScriptInput {
  /** Host label for messages. */
  readonly label: string;
  /** Packages to install / remove. */
  readonly packages: readonly string[];
  /** Seconds to wait for a held dpkg lock. */
  readonly lockTimeoutSeconds: number;
}

const APT_HELPERS = String.raw`
lock_holders() {
  # /proc/locks names the PID before each lock's MAJ:MIN:INODE; match the lock file's inode.
  ino=$(stat -c %i /var/lib/dpkg/lock-frontend 2>/dev/null || true)
  [ -n "$ino" ] || return 0
  for pid in $(awk -v i="$ino" '{ for (k = 2; k <= NF; k++) if ($k ~ (":" i "$")) print $(k - 1) }' /proc/locks | sort -u); do
    printf '%s[%s] ' "$(cat "/proc/$pid/comm" 2>/dev/null || echo '?')" "$pid"
  done
}
guard_binfmt() {
  GUARDED=""
  if [ -d /run/systemd/system ] && [ "$(systemctl show -P LoadState systemd-binfmt.service 2>/dev/null || true)" = loaded ]; then
    systemctl mask --runtime --quiet systemd-binfmt.service && GUARDED=1
  fi
}
unguard_binfmt() {
  if [ -n "\${GUARDED:-}" ]; then systemctl unmask --runtime --quiet systemd-binfmt.service || true; GUARDED=""; fi
}
apt_run() {
  log=$(mktemp)
  rc=0
  DEBIAN_FRONTEND=noninteractive apt-get -q -y -o DPkg::Lock::Timeout="$LOCK_TIMEOUT" \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "$@" >"$log" 2>&1 || rc=$?
  if [ "$rc" -eq 0 ]; then rm -f "$log"; return 0; fi
  if grep -qiE 'could not get lock|unable to acquire the dpkg frontend lock|unable to lock' "$log"; then
    rm -f "$log"
    fail "the dpkg lock (/var/lib/dpkg/lock-frontend) stayed held for more than $LOCK_TIMEOUT s (possible holders: $(lock_holders)). Wait for that apt/dpkg run (often unattended-upgrades) to finish and run pulumi up again, or raise lockTimeoutSeconds"
  fi
  tail -n 25 "$log" >&2; rm -f "$log"
  fail "apt-get $1 failed (exit $rc); the last lines of its output are above"
}
missing_packages() {
  MISSING=""
  for p in $PACKAGES; do
    st=$(dpkg-query -W -f='\${db:Status-Status}' "$p" 2>/dev/null || true)
    [ "$st" = installed ] || MISSING="$MISSING $p"
  done
}
json_list() { sep=""; printf '['; for w in $1; do printf '%s%s' "$sep" "$(js "$w")"; sep=,; done; printf ']'; }
`.replace(/\\\$/g, "$");

/** Install the packages that are missing. Prints {"packages":[…],"installed":[…]}. */
export function installPackagesScript(input: PackageScriptInput): string {
  return `${prelude(input.label)}
${shellVars({ PACKAGES: input.packages.join(" "), LOCK_TIMEOUT: String(input.lockTimeoutSeconds) })}
${APT_HELPERS}
if [ -z "$PACKAGES" ]; then printf '{"packages":[],"installed":[]}\\n'; exit 0; fi
command -v dpkg-query >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 || \\
  fail "apt-get/dpkg not found: packages are installed on Debian and Ubuntu only. Install QEMU's static interpreters yourself and set installPackages to none"
missing_packages
if [ -n "$MISSING" ]; then
  trap unguard_binfmt EXIT
  guard_binfmt
  apt_run update
  apt_run install --no-install-recommends $MISSING
  unguard_binfmt
  trap - EXIT
  installed=$MISSING
  missing_packages
  [ -z "$MISSING" ] || fail "apt-get reported success but these packages are still not installed:$MISSING"
else
  installed=""
fi
printf '{"packages":%s,"installed":%s}\\n' "$(json_list "$PACKAGES")" "$(json_list "$installed")"`;
}

/** Remove the packages (only used when removePackagesOnDestroy is set). */
export function removePackagesScript(input: PackageScriptInput): string {
  return `${prelude(input.label)}
${shellVars({ PACKAGES: input.packages.join(" "), LOCK_TIMEOUT: String(input.lockTimeoutSeconds) })}
${APT_HELPERS}
[ -n "$PACKAGES" ] || exit 0
command -v apt-get >/dev/null 2>&1 || exit 0
present=""
for p in $PACKAGES; do
  st=$(dpkg-query -W -f='\${db:Status-Status}' "$p" 2>/dev/null || true)
  [ "$st" = installed ] && present="$present $p"
done
[ -n "$present" ] || exit 0
trap unguard_binfmt EXIT
guard_binfmt
apt_run remove $present
printf '{"removed":%s}\\n' "$(json_list "$present")"`;
}
