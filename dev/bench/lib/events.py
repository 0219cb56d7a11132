#!/usr/bin/env python3
"""Where the time of a `pulumi up` goes, from its engine event log.

    events.py STAMPED.jsonl [--wall SECONDS]   prints a JSON summary

STAMPED.jsonl is what measure.py --tail writes: one {"t": seconds since the CLI
started, "event": <engine event>} per line. (The engine's own `timestamp` field
has one-second resolution; `t` is when the line appeared in the file, ~20 ms.)

The summary splits the run into:
  startup   CLI start -> first resource step begins (CLI, plugins, language host,
            program load, up to the first registration)
  resources the union of intervals during which at least one custom resource
            step was in flight (resourcePreEvent -> resOutputsEvent/resOpFailedEvent)
  gaps      idle time between the first and last step with nothing in flight
  tail      last step done -> CLI exit (summary, state write, plugin shutdown)
and lists each resource step (type, name, op, start, duration).
"""
import argparse
import json
import re
import statistics
import sys


def load(path):
    out = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line:
                out.append(json.loads(line))
    return out


def urn_name(urn):
    return urn.rsplit("::", 1)[-1]


def urn_type(urn):
    # urn:pulumi:stack::project::parentType$parentType$type::name
    try:
        types = urn.split("::")[2]
    except IndexError:
        return ""
    return types.split("$")[-1]


# A resource of one host's chain: "[<fleet>-]<host>-<step>", the host named like the lab's hosts
# (bench.py --prefix: letters and digits ending in a letter, then the host's number), e.g.
# "bench-bench3-rule-arm" (component) or "s4b3-recipe" (the hand-written recipe).
STEP_RE = re.compile(r"^(?:[^-]+-)?(?P<host>[a-z](?:[a-z0-9]*[a-z])?[0-9]+)-(?P<step>.+)$")


def host_step(name):
    """(host, step) of a chain resource's name; (None, name) for a name of no host."""
    m = STEP_RE.match(name)
    return (m.group("host"), m.group("step")) if m else (None, name)


def summarize(stamped, wall=None):
    steps = {}
    first_t = None
    summary_t = None
    prelude_t = None
    for rec in stamped:
        t, ev = rec["t"], rec["event"]
        first_t = t if first_t is None else min(first_t, t)
        if "preludeEvent" in ev:
            prelude_t = t
        if "summaryEvent" in ev:
            summary_t = t
        for kind in ("resourcePreEvent", "resOutputsEvent", "resOpFailedEvent"):
            if kind not in ev:
                continue
            md = ev[kind].get("metadata", {})
            if ev[kind].get("planning"):
                continue
            urn = md.get("urn", "")
            s = steps.setdefault(urn, {"urn": urn, "type": md.get("type") or urn_type(urn),
                                       "name": urn_name(urn), "op": md.get("op"),
                                       "custom": bool(md.get("provider")) or md.get("type", "").startswith("pulumi:providers:")})
            if kind == "resourcePreEvent":
                s["start"] = t
                s["op"] = md.get("op")
            else:
                s["end"] = t
                s["failed"] = kind == "resOpFailedEvent"
    rows = []
    for s in steps.values():
        if "start" in s and "end" in s:
            s["duration"] = round(s["end"] - s["start"], 3)
        rows.append(s)
    stack = [s for s in rows if s["type"] == "pulumi:pulumi:Stack" and "start" in s]
    comps = [s["start"] for s in rows if not s["custom"] and s["type"] != "pulumi:pulumi:Stack" and "start" in s]
    custom = [s for s in rows if s["custom"] and "start" in s and "end" in s and s["op"] not in ("same", "read")]
    allsteps = [s for s in rows if s["custom"] and "start" in s]
    res = {"events": len(stamped), "first_event_t": first_t, "prelude_t": prelude_t, "summary_t": summary_t,
           "steps": sorted(rows, key=lambda s: s.get("start", 1e9)), "wall_s": wall,
           # CLI start -> the Stack resource registered (CLI, plugins, language host, node up)
           "stack_registered_t": stack[0]["start"] if stack else None,
           # -> the first component registered (the program's own module loading and setup)
           "first_component_t": min(comps) if comps else None}
    marks = [x for s in allsteps for x in (s.get("start"), s.get("end")) if x is not None]
    res["last_step_t"] = max(marks) if marks else None
    if not custom:
        # nothing created/updated (a no-op up): only `same` steps; tail from the last of them
        res.update({"startup_s": None, "resources_s": 0.0, "gaps_s": 0.0,
                    "tail_s": round(wall - res["last_step_t"], 3) if wall is not None and marks else None,
                    "ops": {s["op"]: sum(1 for x in allsteps if x["op"] == s["op"]) for s in allsteps}})
        return res
    ivs = sorted((s["start"], s["end"]) for s in custom)
    busy, cur_s, cur_e = 0.0, ivs[0][0], ivs[0][1]
    for a, b in ivs[1:]:
        if a > cur_e:
            busy += cur_e - cur_s
            cur_s, cur_e = a, b
        else:
            cur_e = max(cur_e, b)
    busy += cur_e - cur_s
    first_start, last_end = ivs[0][0], max(b for _, b in ivs)
    res["startup_s"] = round(first_start, 3)
    res["resources_s"] = round(busy, 3)
    res["gaps_s"] = round((last_end - first_start) - busy, 3)
    res["tail_s"] = round(wall - last_end, 3) if wall is not None else None
    by_type = {}
    for s in custom:
        by_type.setdefault(s["type"], []).append(s["duration"])
    res["by_type"] = {k: {"count": len(v), "median_s": round(statistics.median(v), 3),
                          "max_s": round(max(v), 3), "sum_s": round(sum(v), 3)}
                      for k, v in sorted(by_type.items())}
    # each step name's durations, and its place in its host's chain: the rank of its start among that
    # host's steps (report.py orders the per-step table by it, whatever the resources are called)
    by_step, rank, chains = {}, {}, {}
    for s in custom:
        if s["type"].startswith("pulumi:providers:"):
            continue
        host, step = host_step(s["name"])
        by_step.setdefault(step, []).append(s["duration"])
        chains.setdefault(host, []).append((s["start"], step))
    for chain in chains.values():
        for i, (_, step) in enumerate(sorted(chain)):
            rank.setdefault(step, []).append(i)
    order = sorted(by_step, key=lambda k: (statistics.median(rank[k]), k))
    res["by_step"] = {k: {"count": len(by_step[k]), "median_s": round(statistics.median(by_step[k]), 3),
                          "max_s": round(max(by_step[k]), 3), "chain_rank": statistics.median(rank[k])}
                      for k in order}
    res["ops"] = {}
    for s in allsteps:
        res["ops"][s["op"]] = res["ops"].get(s["op"], 0) + 1
    return res


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("stamped")
    ap.add_argument("--wall", type=float)
    a = ap.parse_args()
    json.dump(summarize(load(a.stamped), a.wall), sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
