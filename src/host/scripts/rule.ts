/**
 * The per-target rule scripts: apply (create/update) and remove (delete) ONE binfmt_misc registration and
 * its binfmt.d file.
 *
 * Apply, in order (each step idempotent):
 * 1. the interpreter exists, is executable and — when flag F is requested — has no ELF interpreter
 *    (static or static-pie), because the kernel keeps it open and runs it inside containers and chroots;
 * 2. the binfmt.d file is written atomically (temp file + rename) when its content differs. A file at that
 *    path that this component did not write (no marker line) is never overwritten;
 * 3. binfmt_misc is mounted when it is not;
 * 4. the kernel entry is applied: ApplyMode.PerFile removes a same-named entry that differs (write -1) and
 *    registers the rendered line (nothing at all when the entry already matches, so running containers
 *    never see it missing); ApplyMode.SystemdRestart runs the seed's `systemctl restart systemd-binfmt`;
 * 5. /proc/sys/fs/binfmt_misc/<name> is read back and every field compared with the rendering: state,
 *    interpreter, flags, offset, magic, mask. Any difference fails the command, naming each field.
 *
 * Remove: unregister the entry only if it is still exactly ours (otherwise leave it and say so), and
 * delete the file only if it carries our marker.
 */
import { MANAGED_MARKER } from "../../binfmt";
import { ApplyMode } from "../enums";
import { prelude, shellQuote, shellVars } from "../shell";
import { ELF_STATIC_FN } from "./elf";

/**
 * First line of every binfmt.d file the component writes (the core's marker comment, which
 * renderBinfmtDFile puts first); how the scripts recognise files they may overwrite or delete.
 */
export const FILE_MARKER = MANAGED_MARKER;

/** The kernel's own spelling of an entry's fields (as /proc/sys/fs/binfmt_misc/<name> prints them). */
export interface KernelFields {
  readonly interpreter: string;
  /** Flags in the kernel's order P, O, C, F (C implies O). */
  readonly flags: string;
  readonly offset: string;
  /** Lower-case hex, no separators. */
  readonly magic: string;
  /** Lower-case hex, or "" when the rule has no mask. */
  readonly mask: string;
}

export interface RuleScriptInput {
  readonly label: string;
  /** QEMU target name, e.g. "aarch64". */
  readonly target: string;
  /** binfmt_misc entry name, e.g. "qemu-aarch64". */
  readonly entryName: string;
  /** Absolute path of the binfmt.d file. */
  readonly file: string;
  /** The file's full content (marker line included), without the final newline. */
  readonly content: string;
  /** The registration line written to /proc/sys/fs/binfmt_misc/register. */
  readonly registerLine: string;
  readonly expected: KernelFields;
  /** Fail unless the interpreter is statically linked (flag F requested). */
  readonly requireStatic: boolean;
  /** Effective apply mode (SystemdRestart only on systemd hosts). */
  readonly applyMode: ApplyMode;
  /** The host applies binfmt.d at boot (systemd). Reported only. */
  readonly persistent: boolean;
}

const MNT = "/proc/sys/fs/binfmt_misc";

function vars(input: RuleScriptInput): string {
  const slash = input.file.lastIndexOf("/");
  return shellVars({
    TARGET: input.target,
    NAME: input.entryName,
    FILE: input.file,
    DIR: slash > 0 ? input.file.slice(0, slash) : "/",
    CONTENT: input.content,
    LINE: input.registerLine,
    INTERP: input.expected.interpreter,
    FLAGS: input.expected.flags,
    OFFSET: input.expected.offset,
    MAGIC: input.expected.magic,
    MASK: input.expected.mask,
    MARKER: FILE_MARKER,
    MNT,
    MODE: input.applyMode,
    PERSISTENT: input.persistent ? "true" : "false",
  });
}

/** Shell helpers shared by apply and remove: `entry_diff` sets DIFF to "" when the entry is exactly ours. */
const ENTRY_FNS = `
field() { sed -n "s/^$1//p" "$MNT/$NAME" 2>/dev/null | head -n 1; }
cmp_field() { [ "$2" = "$3" ] || DIFF="\${DIFF:+$DIFF; }$1 (expected \\"$2\\", actual \\"$3\\")"; }
entry_diff() {
  DIFF=""
  if [ ! -e "$MNT/$NAME" ]; then DIFF="not registered"; return 0; fi
  cmp_field state enabled "$(sed -n 1p "$MNT/$NAME")"
  cmp_field interpreter "$INTERP" "$(field 'interpreter ')"
  cmp_field flags "$FLAGS" "$(field 'flags: ')"
  cmp_field offset "$OFFSET" "$(field 'offset ')"
  cmp_field magic "$MAGIC" "$(field 'magic ')"
  cmp_field mask "$MASK" "$(field 'mask ')"
}
ours_file() { [ -f "$FILE" ] && [ ! -L "$FILE" ] && [ "$(head -n 1 "$FILE")" = "$MARKER" ]; }
`;

/** create/update of `${name}-rule-<target>`. Prints one JSON object describing the result. */
export function applyRuleScript(input: RuleScriptInput): string {
  return `${prelude(input.label)}
${vars(input)}
${ELF_STATIC_FN}
${ENTRY_FNS}
# 1. the interpreter
[ -e "$INTERP" ] || fail "interpreter $INTERP for target $TARGET does not exist. Install the package that provides it (installPackages) or point interpreterDir/interpreterSuffix at it"
[ -x "$INTERP" ] || fail "interpreter $INTERP for target $TARGET is not executable"
if [ ${input.requireStatic ? "true" : "false"} = true ]; then
  rc=0; elf_static "$INTERP" || rc=$?
  case $rc in
    0) ;;
    1) fail "interpreter $INTERP is dynamically linked, but flag F makes the kernel run it inside containers and chroots, where its shared libraries are missing. Use a static build (qemu-user-static on Debian 12 / Ubuntu 24.04, qemu-user on Debian 13) or leave F out of flags";;
    *) fail "interpreter $INTERP is not an ELF executable; with flag F it must be a static binary";;
  esac
fi
# 2. the binfmt.d file
wrote=false
if ! ours_file || [ "$(cat "$FILE")" != "$CONTENT" ]; then
  if { [ -e "$FILE" ] || [ -L "$FILE" ]; } && ! ours_file; then
    fail "$FILE exists and was not written by pulumi-qemu-binfmt (its first line is not \\"$MARKER\\"). Move it away (it configures the same entry $NAME) or choose another configDir"
  fi
  mkdir -p "$DIR"
  tmp="$FILE.pqb.$$"
  printf '%s\\n' "$CONTENT" >"$tmp"
  chmod 0644 "$tmp"
  mv -f "$tmp" "$FILE"
  wrote=true
fi
# 3. binfmt_misc mounted
if [ ! -e "$MNT/register" ]; then
  mount -t binfmt_misc binfmt_misc "$MNT" 2>/dev/null || fail "binfmt_misc is not mounted at $MNT and 'mount -t binfmt_misc binfmt_misc $MNT' failed (is the binfmt_misc module available? /proc/sys read-only?)"
fi
# 4. apply
applied=unchanged
entry_diff
if [ -n "$DIFF" ]; then
  if [ "$MODE" = systemd-restart ]; then
    systemctl restart systemd-binfmt.service || fail "systemctl restart systemd-binfmt failed; see journalctl -u systemd-binfmt"
    applied=systemd-restart
  else
    if [ -e "$MNT/$NAME" ]; then
      note "replacing binfmt_misc entry $NAME registered by someone else ($DIFF)"
      err=$(env printf '%s\\n' -1 2>&1 >"$MNT/$NAME") || fail "could not unregister the existing entry $NAME: $err"
    fi
    # env printf: the external printf reports the kernel's errno (File exists, Invalid argument, ...)
    err=$(env printf '%s\\n' "$LINE" 2>&1 >"$MNT/register") || fail "the kernel rejected the registration of $NAME: $err (kernels before 4.8 reject flag F)"
    applied=proc
  fi
fi
# 5. verify
entry_diff
[ -z "$DIFF" ] || fail "binfmt_misc entry $NAME is not what was rendered: $DIFF. Another registrar (binfmt-support, a distro package, a container tool) may have registered this name; see $MNT/$NAME"
printf '{"target":%s,"name":%s,"file":%s,"wroteFile":%s,"applied":%s,"persistent":%s,"state":%s,"interpreter":%s,"flags":%s,"offset":%s,"magic":%s,"mask":%s}\\n' \\
  "$(js "$TARGET")" "$(js "$NAME")" "$(js "$FILE")" "$wrote" "$(js "$applied")" "$PERSISTENT" \\
  "$(js "$(sed -n 1p "$MNT/$NAME")")" "$(js "$(field 'interpreter ')")" "$(js "$(field 'flags: ')")" \\
  "$(js "$(field 'offset ')")" "$(js "$(field 'magic ')")" "$(js "$(field 'mask ')")"`;
}

/** delete of `${name}-rule-<target>`. */
export function removeRuleScript(input: RuleScriptInput): string {
  return `${prelude(input.label)}
${vars(input)}
${ENTRY_FNS}
unregistered=false
if [ -e "$MNT/$NAME" ]; then
  entry_diff
  if [ -z "$DIFF" ]; then
    err=$(env printf '%s\\n' -1 2>&1 >"$MNT/$NAME") || fail "could not unregister binfmt_misc entry $NAME: $err"
    unregistered=true
  else
    note "leaving binfmt_misc entry $NAME registered: it is no longer the one this component wrote ($DIFF)"
  fi
fi
removed=false
if ours_file; then rm -f "$FILE"; removed=true
elif [ -e "$FILE" ] || [ -L "$FILE" ]; then note "leaving $FILE: it was not written by pulumi-qemu-binfmt"
fi
printf '{"target":%s,"name":%s,"unregistered":%s,"removedFile":%s}\\n' "$(js "$TARGET")" "$(js "$NAME")" "$unregistered" "$removed"`;
}

/** The no-op script of a target the host runs natively (skipped by the plan). */
export function skippedRuleScript(label: string, target: string, entryName: string, reason: string): string {
  return `${prelude(label)}
printf '{"target":%s,"name":%s,"skipped":%s}\\n' "$(js ${shellQuote(target)})" "$(js ${shellQuote(entryName)})" "$(js ${shellQuote(reason)})"`;
}
