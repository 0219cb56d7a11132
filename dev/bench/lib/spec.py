#!/usr/bin/env python3
"""The work every contender does, as data: which targets, the exact binfmt.d line
for each, and the docker acceptance check (platform, image, expected `uname -m`).

    spec.py [--repo DIR] > spec.json

The rule lines come from the project's own CLI (`pulumi-qemu-binfmt rules`, over
the binfmt core, with the component's defaults), so Ansible and the floor script
write byte for byte what the component writes; without it, from the fallback
below (QEMU's magic/mask, Debian 12's packaged interpreter path and flags).
"""
import argparse
import json
import os
import subprocess
import sys

TARGETS = ["arm", "aarch64"]
ACCEPT = {
    "arm": {"platform": "linux/arm", "image": "arm32v7/busybox", "expect": "armv7l"},
    "aarch64": {"platform": "linux/arm64", "image": "arm64v8/busybox", "expect": "aarch64"},
}
FALLBACK = {
    "arm": r":qemu-arm:M::\x7fELF\x01\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x28\x00"
           r":\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff"
           r":/usr/libexec/qemu-binfmt/arm-binfmt-P:POF",
    "aarch64": r":qemu-aarch64:M::\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\xb7\x00"
               r":\xff\xff\xff\xff\xff\xff\xff\x00\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xff\xff\xff"
               r":/usr/libexec/qemu-binfmt/aarch64-binfmt-P:POF",
}


CLI_ARGS = ["rules", "--json", "--host-arch=x86_64", "--interpreter-suffix=-static", *TARGETS]


def from_cli(repo):
    """{target: rule line} as the project's CLI renders them with the component's defaults for a
    Debian 12 host (flags F, the "Jetson Containers" article's mask, /usr/bin/qemu-<cpu>-static), or None."""
    main = os.path.join(repo, "dist", "src", "cli", "main.js")
    if os.path.exists(main):
        cmd = ["node", main, *CLI_ARGS]
    elif os.path.exists(os.path.join(repo, "src", "cli", "main.ts")):
        cmd = ["node", "--import", "tsx", os.path.join(repo, "src", "cli", "main.ts"), *CLI_ARGS]
    else:
        return None
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=60, cwd=repo)
        rules = {r["target"]: r["registerString"] for r in json.loads(out.stdout)["rules"]}
    except Exception:
        return None
    return rules if all(t in rules for t in TARGETS) else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--repo", default=os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..")))
    ap.add_argument("--apt-update", action="store_true", default=True)
    a = ap.parse_args()
    rules = from_cli(os.path.abspath(a.repo))
    source = "pulumi-qemu-binfmt " + " ".join(CLI_ARGS) if rules else "fallback"
    rules = rules or FALLBACK
    targets = [{"target": t, "rule": rules[t], **ACCEPT[t]} for t in TARGETS]
    json.dump({"targets": targets, "packages": ["qemu-user-static", "binfmt-support"],
               "apt_update": a.apt_update, "rules_source": source}, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
