# shellcheck shell=sh
# The observation: everything the component needs to know about a host, read in ONE session, before any
# change is planned. Read-only: it changes no configuration (it writes and runs tiny probe executables in
# a private temporary directory and removes them). Runs as the login user, never through sudo.
#
# Needs elf.sh and binfmt-entries.sh. Variables set before this text (each through shellQuote):
#   LABEL       host label for messages
#   FILES       binfmt.d paths of the requested targets, one per line
#   ELFS        executables whose ELF header and linking to report (interpreter candidates), one per line
#   PACKAGES    package names whose dpkg status and apt versions to report, space separated
#   PROBES      "<target> <bytes as \ooo escapes>" per line: probe executables (src/binfmt/probe-elf.ts)
#   CONFIG_DIR  the binfmt.d directory of the rules
#   FRESH_LISTS_TIMEOUT  seconds a private `apt-get update` may take (see "fresh apt lists" below); 0: none
#
# Prints one JSON object per line; "kind" names the record (parsed by src/host/observation.ts):
#   facts · binfmt · binfmtSupport · entry · registration (when a requested target's entry was registered) · file · boot ·
#   elf · package · freshLists · freshPackage · probe
# Fails (non-zero) only when the login user is not root and `sudo -n` would need a password: every
# change needs root, and remote commands have no terminal to prompt on.

MNT=/proc/sys/fs/binfmt_misc

# --- facts -------------------------------------------------------------------------------------------
osr=/etc/os-release
[ -r "$osr" ] || osr=/usr/lib/os-release
osv() { if [ -r "$osr" ]; then sed -n "s/^$1=//p" "$osr" | head -n 1 | sed -e 's/^"\(.*\)"$/\1/' -e "s/^'\(.*\)'$/\1/"; fi; }
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
if [ -e "$MNT/register" ]; then mounted=true; else mounted=false; fi
if command -v docker >/dev/null 2>&1; then docker=true; else docker=false; fi
if command -v apt-get >/dev/null 2>&1 && command -v dpkg-query >/dev/null 2>&1; then apt=true; else apt=false; fi
if command -v flock >/dev/null 2>&1; then flock=true; else flock=false; fi
printf '{"kind":"facts","machine":%s,"kernel":%s,"hostname":%s,"distroId":%s,"distroVersion":%s,"distroCodename":%s,"distroName":%s,"distroLike":%s,"systemd":%s,"binfmtMiscMounted":%s,"user":%s,"privilege":%s,"docker":%s,"apt":%s,"flock":%s}\n' \
  "$(js "$(uname -m)")" "$(js "$(uname -r)")" "$(js "$(uname -n)")" \
  "$(js "$(osv ID)")" "$(js "$(osv VERSION_ID)")" "$(js "$(osv VERSION_CODENAME)")" "$(js "$(osv PRETTY_NAME)")" "$(js "$(osv ID_LIKE)")" \
  "$systemd" "$mounted" "$(js "$user")" "$(js "$priv")" "$docker" "$apt" "$flock"

# --- binfmt_misc: the switch and every entry ----------------------------------------------------------
status=""
[ -r "$MNT/status" ] && status=$(cat "$MNT/status")
printf '{"kind":"binfmt","mounted":%s,"status":%s}\n' "$mounted" "$(js "$status")"
# --- binfmt_misc support: can this kernel have it, and may it be written here? (src/host/capability.ts) ------
# support: "listed" (/proc/filesystems lists it: built in, or its module loaded), "builtin" (modules.builtin of
# the running kernel names it), "module" (a binfmt_misc module of the running kernel: modules.dep, or
# kernel/fs/binfmt_misc.ko*; a mount loads it), "none" (neither, while /lib/modules/<release> exists),
# "no-modules" (neither, and no /lib/modules/<release>: modprobe can load nothing for this kernel).
# readOnly: binfmt_misc is mounted read-only (as a container runtime may bind it): nothing can be registered.
# Not judged when it is not mounted: a read-only /proc/sys (systemd-nspawn, containers) does not stop a
# mount on top of it where the session may mount at all; the rule step mounts it and names the failure.
kmods=/lib/modules/$(uname -r)
if grep -qw binfmt_misc /proc/filesystems 2>/dev/null; then support=listed
elif [ -r "$kmods/modules.builtin" ] && grep -q '/binfmt_misc\.ko$' "$kmods/modules.builtin"; then support=builtin
elif { [ -r "$kmods/modules.dep" ] && grep -q '/binfmt_misc\.ko[^:]*:' "$kmods/modules.dep"; } ||
  ls "$kmods"/kernel/fs/binfmt_misc.ko* >/dev/null 2>&1; then support=module
elif [ -d "$kmods" ]; then support=none
else support=no-modules
fi
# The last mount of MNT is the one in effect (systemd's autofs mount comes before binfmt_misc's).
ro=false
if [ "$mounted" = true ] && awk -v d="$MNT" '$2 == d { ro = ($4 ~ /(^|,)ro(,|$)/) } END { exit !ro }' /proc/mounts 2>/dev/null; then ro=true; fi
printf '{"kind":"binfmtSupport","support":%s,"readOnly":%s,"modulesDir":%s}\n' "$(js "$support")" "$ro" "$(js "$kmods")"
# The awk functions of the records printed by one awk (entries, packages): esc(v) escapes v as js does (quotes
# and backslashes; control characters dropped). Backslashes are swapped by split and join: a backslash in
# gsub's replacement means different things in mawk, gawk and busybox awk.
JSON_AWK='
  function swap(v, c, r,  p, n, i, o) { n = split(v, p, c); o = p[1]; for (i = 2; i <= n; i++) o = o r p[i]; return o }
  function esc(v) {
    if (cc == "") cc = "[" sprintf("%c", 1) "-" sprintf("%c", 31) "]"
    v = swap(v, "\\", "\\\\"); v = swap(v, "\"", "\\\""); gsub(cc, "", v); return v
  }
'
# One record per entry, as js/js_lines would print it (quotes and backslashes escaped, control characters
# dropped, lines joined with \n, trailing empty lines dropped), but every entry through ONE awk (a host with
# QEMU's ~30 entries forked sed, tr and awk per entry). The awk reads each file itself with getline, so an
# empty file still gets its record and one that vanished since the listing is skipped. If the awk fails, its
# output is dropped and the entries are read one by one.
entry_loop() {
  for e in "$@"; do
    [ -f "$e" ] && printf '{"kind":"entry","name":%s,"text":%s}\n' "$(js "${e##*/}")" "$(js_lines "$(cat "$e")")"
  done
}
entry_records() {
  set --
  for e in "$MNT"/*; do
    case ${e##*/} in register | status) continue ;; esac
    [ -f "$e" ] && set -- "$@" "$e"
  done
  [ $# -gt 0 ] || return 0
  if _recs=$(awk "$JSON_AWK"'
    function flush(f,  name, line, k, r, l, t, i) {
      k = 0; while ((r = (getline l < f)) > 0) line[++k] = esc(l)
      close(f)
      if (r < 0) return
      while (k > 0 && line[k] == "") k--
      t = ""; for (i = 1; i <= k; i++) t = t (i > 1 ? "\\n" : "") line[i]
      name = f; sub(/.*\//, "", name)
      printf "{\"kind\":\"entry\",\"name\":\"%s\",\"text\":\"%s\"}\n", esc(name), t
    }
    BEGIN { for (a = 1; a < ARGC; a++) flush(ARGV[a]) }' "$@" 2>/dev/null); then
    [ -z "$_recs" ] || printf '%s\n' "$_recs"
  else
    entry_loop "$@"
  fi
}
[ "$mounted" != true ] || entry_records
# When the requested targets' entries were registered (binfmt_misc stamps an entry's file then): with flag F
# the kernel keeps running the interpreter file it opened then, so one replaced since (a package upgrade) is
# drift (src/host/drift.ts). Entry names are the binfmt.d files' names without ".conf".
if [ "$mounted" = true ]; then
  printf '%s\n' "$FILES" | while IFS= read -r f; do
    n=${f##*/}
    n=${n%.conf}
    { [ -n "$n" ] && [ -f "$MNT/$n" ]; } || continue
    t=$(stat -c %Y "$MNT/$n" 2>/dev/null) || continue
    case $t in '' | *[!0-9]*) continue ;; esac
    printf '{"kind":"registration","name":%s,"time":%s}\n' "$(js "$n")" "$t"
  done
fi

# --- the rules' binfmt.d files --------------------------------------------------------------------------
printf '%s\n' "$FILES" | while IFS= read -r f; do
  [ -n "$f" ] || continue
  if [ -L "$f" ]; then state="symlink"; text=""
  elif [ -f "$f" ]; then state="file"; text=$(cat "$f" 2>/dev/null || true)
  elif [ -e "$f" ]; then state="other"; text=""
  else state="missing"; text=""
  fi
  printf '{"kind":"file","path":%s,"state":%s,"text":%s}\n' "$(js "$f")" "$(js "$state")" "$(js_lines "$text")"
done

# --- the boot path: does systemd-binfmt apply CONFIG_DIR at the next boot? ----------------------------------
load=""; unit=""; active=""
if [ "$systemd" = true ]; then
  load=$(systemctl show --property=LoadState --value systemd-binfmt.service 2>/dev/null || true)
  unit=$(systemctl show --property=UnitFileState --value systemd-binfmt.service 2>/dev/null || true)
  active=$(systemctl show --property=ActiveState --value systemd-binfmt.service 2>/dev/null || true)
fi
d=$CONFIG_DIR
while [ ! -e "$d" ] && [ "$d" != / ]; do d=$(dirname "$d"); done
fs=$(stat -f -c %T "$d" 2>/dev/null || true)
# --- the boot path, continued: does systemd-binfmt RUN at boot, or do its conditions skip it? -------------
# A loaded, unmasked unit is still skipped at every boot when one of its conditions fails (Ubuntu on WSL2
# shipped a drop-in with ConditionVirtualization=!wsl). `run` holds: this boot's ConditionResult and when it
# was checked (ConditionTimestampMonotonic, µs; 0: not at this boot), Result, the unit file and drop-ins
# (FragmentPath, DropInPaths), and the conditions those files set, in systemd's order (the unit file, then
# each drop-in; an empty "ConditionX=" resets the list: systemd.unit(5)), each with its file and evaluated
# NOW by ONE `systemd-analyze condition` (systemd ≥ 243; it prints "…: COND succeeded." or "failed." per
# condition it evaluated and stops at the first failing non-trigger one: the others are "", as on older
# systemd, where systemctl status's "COND was not met" line of this boot is read instead). `systemctl show`
# prints no conditions (its Conditions property is "[unprintable]"). Measured on a Debian 12 lab host: 0.13 s.
boot_run() {
  _all=$(systemctl show -p FragmentPath -p DropInPaths -p ConditionResult -p ConditionTimestampMonotonic -p Result systemd-binfmt.service 2>/dev/null || true)
  _bp() { printf '%s\n' "$_all" | sed -n "s/^$1=//p" | head -n 1; }
  _srcs="$(_bp FragmentPath) $(_bp DropInPaths)"
  _list=""
  for _f in $_srcs; do
    [ -r "$_f" ] || continue
    # read with the default IFS drops the line's leading and trailing blanks.
    while read -r _c; do
      case $_c in
        Condition[A-Z]*=) _list="" ;;
        Condition[A-Z]*=*) _list="$_list$_f $_c
" ;;
      esac
    done <"$_f"
  done
  set --
  while read -r _f _c; do [ -z "$_c" ] || set -- "$@" "$_c"; done <<EOF
$_list
EOF
  _eval=""
  [ $# -eq 0 ] || _eval=$(systemd-analyze condition "$@" 2>&1 </dev/null || true)
  _notmet=""
  case $_eval in
    *"Conditions succeeded."* | *"Conditions failed."*) ;;
    *) _notmet=$(systemctl status -n 0 --no-pager systemd-binfmt.service 2>/dev/null | sed -n 's/^.*[^ ]* \(Condition[A-Za-z]*=.* was not met\)$/\1/p; s/^.*\(none of the trigger conditions were met\).*$/\1/p' | head -n 1) ;;
  esac
  _conds=""
  while read -r _f _c; do
    [ -n "$_c" ] || continue
    case $_eval in
      *": $_c succeeded."*) _met=yes ;;
      *": $_c failed."*) _met=no ;;
      *) _met="" ;;
    esac
    _conds="$_conds${_conds:+,}{\"text\":$(js "$_c"),\"met\":$(js "$_met"),\"source\":$(js "$_f")}"
  done <<EOF
$_list
EOF
  _ts=$(_bp ConditionTimestampMonotonic)
  case $_ts in '' | *[!0-9]*) _ts=0 ;; esac
  printf '{"conditionResult":%s,"conditionChecked":%s,"result":%s,"files":%s,"notMet":%s,"conditions":[%s]}' \
    "$(js "$(_bp ConditionResult)")" "$_ts" "$(js "$(_bp Result)")" "$(js "$(printf '%s' "$_srcs" | sed 's/^ *//; s/ *$//')")" "$(js "$_notmet")" "$_conds"
}
run=null
[ "$systemd" != true ] || [ "$load" != loaded ] || run=$(boot_run)
printf '{"kind":"boot","load":%s,"unitFileState":%s,"active":%s,"configDirFs":%s,"run":%s}\n' "$(js "$load")" "$(js "$unit")" "$(js "$active")" "$(js "$fs")" "$run"

# --- executables: interpreter candidates, the shell and init (for the self-match guard) ------------------------
elf_report() {
  p=$1
  if [ ! -e "$p" ]; then printf '{"kind":"elf","path":%s,"exists":false,"executable":false,"linking":"missing","header":"","changed":0}\n' "$(js "$p")"; return 0; fi
  if [ -x "$p" ]; then x=true; else x=false; fi
  rc=0; elf_static "$p" || rc=$?
  case $rc in 0) l=static ;; 1) l=dynamic ;; *) l=not-elf ;; esac
  c=$(stat -L -c %Z "$p" 2>/dev/null) || c=0
  # A change time after this host's "now" (its clock was set back) is no evidence of anything: 0.
  case $c in '' | *[!0-9]*) c=0 ;; *) [ "$c" -le "$now" ] || c=0 ;; esac
  printf '{"kind":"elf","path":%s,"exists":true,"executable":%s,"linking":%s,"header":%s,"changed":%s}\n' "$(js "$p")" "$x" "$(js "$l")" "$(js "$(file_hex "$p" 0 64)")" "$c"
}
now=$(date +%s)
printf '%s\n' "$ELFS" | while IFS= read -r p; do [ -n "$p" ] && elf_report "$p"; done
elf_report /bin/sh
if [ -r /proc/1/exe ]; then elf_report /proc/1/exe; else elf_report /sbin/init; fi

# --- packages: what is installed and what apt would install -------------------------------------------------
# Per requested package: dpkg's status, version and Depends, apt's candidate, its Depends and Conflicts (what
# apt -y would remove to install it: src/host/apt-conflicts.ts), and every version the repositories offer. Each apt-cache call maps apt's whole cache (~10 ms apiece on a Debian 12 lab host),
# so the queries run ONCE for all packages (1 dpkg-query + 3 apt-cache, where one package at a time took 6
# each) and one awk splits their output per package. What a package's record holds is what the one-at-a-time
# loop below prints; that loop still serves names with an architecture ("name:arch"), whose sections apt and
# dpkg label differently, and runs if the awk fails.
package_one() {
  # "name=version" (apt's pin syntax) is queried by name; dpkg knows no versions in names.
  n=${1%%=*}
  # The first instance dpkg lists (a Multi-Arch: same package may be installed for several architectures).
  st=$(dpkg-query -W -f='${db:Status-Status}\n' "$n" 2>/dev/null | head -n 1)
  iv=$(dpkg-query -W -f='${Version}\n' "$n" 2>/dev/null | head -n 1)
  idep=$(dpkg-query -W -f='${Depends}\n' "$n" 2>/dev/null | head -n 1)
  [ "$st" = installed ] || { iv=""; idep=""; }
  cand=$(apt-cache policy "$n" 2>/dev/null | sed -n 's/^ *Candidate: //p' | head -n 1)
  [ "$cand" = "(none)" ] && cand=""
  show=$(apt-cache show --no-all-versions "$n" 2>/dev/null || true)
  dep=$(printf '%s\n' "$show" | sed -n 's/^Depends: //p' | head -n 1)
  conf=$(printf '%s\n' "$show" | sed -n 's/^Conflicts: //p' | head -n 1)
  # Every version the repositories offer ("pkg | version | source" per line), for packageVersion.
  vers=$(apt-cache madison "$n" 2>/dev/null | awk -F'|' '{ gsub(/[ \t]/, "", $2); if ($2 != "") print $2 }' | sort -u | tr '\n' ' ')
  printf '{"kind":"package","name":%s,"status":%s,"installed":%s,"installedDepends":%s,"candidate":%s,"depends":%s,"versions":%s,"conflicts":%s}\n' \
    "$(js "$1")" "$(js "${st:-not-installed}")" "$(js "$iv")" "$(js "$idep")" "$(js "$cand")" "$(js "$dep")" "$(js "$vers")" "$(js "$conf")"
}
package_loop() { for p in $PACKAGES; do package_one "$p"; done; }
# The four queries' outputs, each after a line "\001<query>" (no query prints a control character).
package_queries() {
  printf '\001dpkg\n'
  dpkg-query -W -f='${Package}\t${db:Status-Status}\t${Version}\t${Depends}\n' "$@" 2>/dev/null || true
  printf '\001policy\n'
  apt-cache policy "$@" 2>/dev/null || true
  printf '\001show\n'
  apt-cache show --no-all-versions "$@" 2>/dev/null || true
  printf '\001madison\n'
  apt-cache madison "$@" 2>/dev/null || true
}
package_records() {
  set --
  for p in $PACKAGES; do
    n=${p%%=*}
    case $n in *:*) package_loop; return 0 ;; esac
    set -- "$@" "$n"
  done
  [ $# -gt 0 ] || return 0
  # Per package, as the loop reads it: the first dpkg line; the first Candidate of its policy section (whose
  # header is "name:" or "name:arch:"); the first Depends of its `show` stanzas; its madison versions, unique,
  # in byte order (insertion sort; the "" forces a string comparison, versions look numeric), each followed by
  # a space.
  if _recs=$(package_queries "$@" | awk -v packages="$PACKAGES" "$JSON_AWK"'
    BEGIN { mark = sprintf("%c", 1) }
    substr($0, 1, 1) == mark { q = substr($0, 2); cur = ""; next }
    q == "dpkg" { split($0, f, "\t"); if (!(f[1] in st)) { st[f[1]] = f[2]; iv[f[1]] = f[3]; idep[f[1]] = f[4] }; next }
    q == "policy" && /^[^ \t]/ { cur = $0; sub(/:.*/, "", cur); next }
    q == "policy" && /^ *Candidate: / { if (cur != "" && !(cur in cand)) { c = $0; sub(/^ *Candidate: /, "", c); cand[cur] = c }; next }
    q == "show" && /^Package: / { cur = substr($0, 10); next }
    q == "show" && /^Depends: / { if (cur != "" && !(cur in dep)) dep[cur] = substr($0, 10); next }
    q == "show" && /^Conflicts: / { if (cur != "" && !(cur in conf)) conf[cur] = substr($0, 12); next }
    q == "madison" {
      if (split($0, f, "|") < 2) next
      n = f[1]; gsub(/[ \t]/, "", n); v = f[2]; gsub(/[ \t]/, "", v)
      key = n SUBSEP v
      if (v == "" || (key in offered)) next
      offered[key] = 1; k = ++count[n]
      while (k > 1 && (vs[n, k - 1] "") > (v "")) { vs[n, k] = vs[n, k - 1]; k-- }
      vs[n, k] = v
    }
    END {
      np = split(packages, req, " ")
      for (i = 1; i <= np; i++) {
        n = req[i]; sub(/=.*/, "", n)
        s = (n in st) && st[n] != "" ? st[n] : "not-installed"
        c = (n in cand) && cand[n] != "(none)" ? cand[n] : ""
        t = ""; for (k = 1; k <= count[n]; k++) t = t vs[n, k] " "
        printf "{\"kind\":\"package\",\"name\":\"%s\",\"status\":\"%s\",\"installed\":\"%s\",\"installedDepends\":\"%s\",\"candidate\":\"%s\",\"depends\":\"%s\",\"versions\":\"%s\",\"conflicts\":\"%s\"}\n", \
          esc(req[i]), esc(s), s == "installed" ? esc(iv[n]) : "", s == "installed" ? esc(idep[n]) : "", esc(c), esc(dep[n]), esc(t), esc(conf[n])
      }
    }' 2>/dev/null); then
    [ -z "$_recs" ] || printf '%s\n' "$_recs"
  else
    package_loop
  fi
}
[ "$apt" != true ] || package_records

# --- fresh apt lists, read privately, when the host's own tell nothing (src/host/evidence.ts) ------------------
# When the host has no apt lists (no *_Packages* index: a fresh cloud image, or lists cleaned to save space) and
# no QEMU package installed, the interpreter layout and the package set cannot be read from the host's lists, and a name table
# would guess. The packages step runs `apt-get update` anyway; here the host's own sources are read into a
# PRIVATE directory (lists and caches under a temporary directory, removed after): the host's lists, caches and
# locks are not touched, so a preview changes nothing. apt.conf.d files with update hooks (APT::Update::*-Invoke,
# e.g. command-not-found's database) are left out, so nothing runs that writes elsewhere. Bounded by
# FRESH_LISTS_TIMEOUT seconds. Prints a freshLists record ("updated", "failed" or "unavailable", and why) and,
# when updated, each QEMU package as apt sees it there (kind freshPackage, the package record's fields).
# Read from the files themselves, not through apt-cache and dpkg-query (each call maps apt's whole cache).
no_lists_no_qemu() {
  ! ls /var/lib/apt/lists/*_Packages* >/dev/null 2>&1 &&
    ! awk 'BEGIN { RS = "" } /(^|\n)Package: qemu-user(-static)?\n/ && /\nStatus: install ok installed/ { f = 1 } END { exit !f }' /var/lib/dpkg/status 2>/dev/null
}
fresh_lists() {
  _fl_cache=$(command -v apt-cache) || { printf '{"kind":"freshLists","result":"unavailable","detail":"no apt-cache"}\n'; return 0; }
  if grep -qi 'invoke' /etc/apt/apt.conf 2>/dev/null; then
    printf '{"kind":"freshLists","result":"unavailable","detail":"/etc/apt/apt.conf sets hooks that an update would run"}\n'; return 0
  fi
  _fl=$(mktemp -d "${TMPDIR:-/tmp}/pqb-lists.XXXXXX" 2>/dev/null) || { printf '{"kind":"freshLists","result":"unavailable","detail":"no temporary directory"}\n'; return 0; }
  mkdir -p "$_fl/lists/partial" "$_fl/cache/archives/partial" "$_fl/conf.d" "$_fl/bin"
  for _f in /etc/apt/apt.conf.d/*; do [ -f "$_f" ] && ! grep -qi 'invoke' "$_f" && cp "$_f" "$_fl/conf.d/"; done
  _sandbox=$user; [ "$uid" = 0 ] && _sandbox=root
  printf '#!/bin/sh\nexec %s -o Dir::State::Lists=%s/lists -o Dir::Cache=%s/cache -o Dir::Etc::Parts=%s/conf.d -o APT::Sandbox::User=%s "$@"\n' \
    "$_fl_cache" "$_fl" "$_fl" "$_fl" "$_sandbox" >"$_fl/bin/apt-cache"
  chmod 700 "$_fl/bin/apt-cache"
  _rc=0
  _out=$(timeout "$FRESH_LISTS_TIMEOUT" apt-get -q -o Dir::State::Lists="$_fl/lists" -o Dir::Cache="$_fl/cache" \
    -o Dir::Etc::Parts="$_fl/conf.d" -o APT::Sandbox::User="$_sandbox" update 2>&1) || _rc=$?
  if [ "$_rc" -ne 0 ]; then
    _why=$(printf '%s\n' "$_out" | grep -E '^(E|W):' | head -n 1)
    [ "$_rc" -eq 124 ] && _why="no answer within $FRESH_LISTS_TIMEOUT s"
    printf '{"kind":"freshLists","result":"failed","detail":%s}\n' "$(js "apt-get update (private lists) exit $_rc: ${_why:-no message}")"
  else
    printf '{"kind":"freshLists","result":"updated","detail":%s}\n' "$(js "$(printf '%s\n' "$_out" | grep -c '^Get:') lists fetched into a private directory")"
    (PATH="$_fl/bin:$PATH" package_records) | sed 's/^{"kind":"package"/{"kind":"freshPackage"/'
  fi
  rm -rf "$_fl"
}
# 0 turns it off (tests that run this script on a machine with fake apt commands).
if [ "$apt" = true ] && [ -n "$PACKAGES" ] && [ "$FRESH_LISTS_TIMEOUT" != 0 ] && no_lists_no_qemu; then fresh_lists; fi

# --- probes: does the kernel run this format itself? -----------------------------------------------------
if [ -n "$PROBES" ]; then
  pdir=""
  # A directory where this user may create AND execute files (a noexec /tmp would make every probe fail).
  for base in "${TMPDIR:-/tmp}" /var/tmp /dev/shm "$HOME"; do
    pdir=$(mktemp -d "$base/pqb-probe.XXXXXX" 2>/dev/null) || { pdir=""; continue; }
    printf '#!/bin/sh\nexit 42\n' >"$pdir/x" && chmod 700 "$pdir/x"
    rc=0; "$pdir/x" >/dev/null 2>&1 || rc=$?
    rm -f "$pdir/x"
    [ "$rc" -eq 42 ] && break
    rm -rf "$pdir"; pdir=""
  done
  magics=""
  [ "$mounted" != true ] || magics=$(binfmt_magics "$MNT")
  printf '%s\n' "$PROBES" | while IFS=' ' read -r t bytes; do
    [ -n "$t" ] || continue
    if [ -z "$pdir" ]; then result=unavailable; detail="no temporary directory where $user may create and run a file"
    else
      f="$pdir/$t"
      # shellcheck disable=SC2059 # the format IS the probe: \ooo escapes only, no % (src/binfmt/probe-elf.ts)
      printf "$bytes" >"$f" && chmod 700 "$f"
      handler=$(magic_handler "$magics" "$f")
      if [ -n "$handler" ]; then
        result=inconclusive; detail="binfmt_misc entry $handler would run it"
      else
        rc=0; "$f" >/dev/null 2>&1 || rc=$?
        # 42 only comes from the probe's own machine code; after ENOEXEC the shell reads the file as a
        # script (dash: exit 2 or 127) or says "cannot execute binary file" (bash: 126).
        if [ "$rc" -eq 42 ]; then result=native; detail="the kernel ran it (exit 42)"
        else result=foreign; detail="the kernel did not run it (exit $rc)"
        fi
      fi
      rm -f "$f"
    fi
    printf '{"kind":"probe","target":%s,"result":%s,"detail":%s,"handler":%s}\n' "$(js "$t")" "$(js "$result")" "$(js "$detail")" "$(js "${handler:-}")"
  done
  [ -z "$pdir" ] || rm -rf "$pdir"
fi
