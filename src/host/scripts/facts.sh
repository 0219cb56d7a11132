# shellcheck shell=sh
# The facts script: read-only, unprivileged. Prints one JSON object (parsed by ../facts.ts) with the
# native machine, kernel, distribution, init system, binfmt_misc mount state, login user, privilege and
# whether a docker CLI exists. Fails (non-zero) only when the login user is not root and `sudo -n` would
# need a password: every later step needs root, and remote commands have no terminal to prompt on.
osr=/etc/os-release
[ -r "$osr" ] || osr=/usr/lib/os-release
osv() {
  if [ -r "$osr" ]; then sed -n "s/^$1=//p" "$osr" | head -n 1 | sed -e 's/^"\(.*\)"$/\1/' -e "s/^'\(.*\)'$/\1/"; fi
}
uid=$(id -u)
user=$(id -un 2>/dev/null || echo "$uid")
if [ "$uid" = 0 ]; then
  priv=root
elif ! command -v sudo >/dev/null 2>&1; then
  fail "user $user is not root and sudo is not installed; connect as root, or install sudo and give $user passwordless sudo (NOPASSWD)"
elif sudo -n true >/dev/null 2>&1; then
  priv=sudo
else
  fail "user $user is not root and 'sudo -n true' failed: sudo wants a password (or $user may not use sudo). Remote commands have no terminal to type one: connect as root or give $user passwordless sudo (NOPASSWD) for the commands this component runs"
fi
if [ -d /run/systemd/system ]; then systemd=true; else systemd=false; fi
if grep -qs ' /proc/sys/fs/binfmt_misc binfmt_misc ' /proc/mounts; then mounted=true; else mounted=false; fi
if command -v docker >/dev/null 2>&1; then docker=true; else docker=false; fi
printf '{"machine":%s,"kernel":%s,"hostname":%s,"distroId":%s,"distroVersion":%s,"distroCodename":%s,"distroName":%s,"distroLike":%s,"systemd":%s,"binfmtMiscMounted":%s,"user":%s,"privilege":%s,"docker":%s}\n' \
  "$(js "$(uname -m)")" "$(js "$(uname -r)")" "$(js "$(uname -n)")" \
  "$(js "$(osv ID)")" "$(js "$(osv VERSION_ID)")" "$(js "$(osv VERSION_CODENAME)")" "$(js "$(osv PRETTY_NAME)")" "$(js "$(osv ID_LIKE)")" \
  "$systemd" "$mounted" "$(js "$user")" "$(js "$priv")" "$docker"
