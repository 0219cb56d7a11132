#!/usr/bin/env python3
"""Summaries, the markdown table and the chart, from dev/bench/results/results.json."""
import json
import os
import shutil
import statistics
import subprocess

NAMES = {
    "a": "pulumi up (component)",
    "b": "ansible-playbook",
    "c": "bash over ssh (floor)",
    "d": "pulumi up (empty stack)",
    "e": "pulumi up (hand-written recipe)",
    "s": "scaling: pulumi up (component), packages present",
}


def _med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def _ok(rec):
    return rec.get("exit_code") == 0


def summarize(doc):
    recs = doc["records"]
    groups = {}
    for r in recs:
        groups.setdefault((r["n"], r["contender"], r["phase"]), []).append(r)
    rows = []
    for (n, c, phase), rs in sorted(groups.items()):
        ok = [r for r in rs if _ok(r)]
        walls = [r["wall_s"] for r in ok]
        per_host = [v for r in ok for v in (r.get("ssh_sessions") or {}).values()]
        row = {
            "n": n, "contender": c, "phase": phase, "runs": len(rs), "ok_runs": len(ok),
            "wall_median_s": _r(_med(walls)), "wall_min_s": _r(min(walls)) if walls else None,
            "wall_max_s": _r(max(walls)) if walls else None, "walls_s": walls,
            "peak_tree_rss_median_mib": _mib(_med([r["peak_tree_rss_kib"] for r in ok])),
            "peak_tree_pss_median_mib": _mib(_med([r["peak_tree_pss_kib"] for r in ok])),
            "peak_single_rss_median_mib": _mib(_med([r["peak_single_rss_kib"] for r in ok])),
            "peak_processes_median": _med([r["peak_processes"] for r in ok]),
            "load_1m_median": _r(_med([r["load_1m"][0] for r in ok if r.get("load_1m")])),
            "cpu_median_s": _r(_med([r["cpu_user_s"] + r["cpu_sys_s"] for r in ok if "cpu_user_s" in r])),
        }
        for key, out_key, scale in (("cpu_by_comm_s", "cpu_by_comm_median_s", 1), ("peak_rss_by_comm_kib", "rss_by_comm_median_mib", 1024)):
            acc = {}
            for r in ok:
                for k, v in (r.get(key) or {}).items():
                    acc.setdefault(k, []).append(v / scale)
            if acc:
                row[out_key] = {k: _r(_med(v), 1) for k, v in sorted(acc.items())}
        if per_host:
            row["ssh_sessions_per_host"] = {"median": _med(per_host), "min": min(per_host), "max": max(per_host)}
        if c == "a":
            ev = [r["events"] for r in ok if r.get("events")]
            if ev:
                row["events"] = {k: _r(_med([e.get(k) for e in ev])) for k in
                                 ("stack_registered_t", "first_component_t", "startup_s", "resources_s",
                                  "gaps_s", "tail_s", "last_step_t")}
                for key in ("by_type", "by_step"):
                    acc = {}
                    for e in ev:
                        for t, v in (e.get(key) or {}).items():
                            for k, x in v.items():
                                acc.setdefault(t, {}).setdefault(k, []).append(x)
                    row["events"][key] = {t: {k: _r(_med(v)) for k, v in d.items()} for t, d in acc.items()}
            ch = {f"run {r['run']}": r["changes"] for r in ok if r.get("changes")}
            row["changes_by_run"] = ch
        if c == "c":
            steps = {}
            for r in ok:
                for st in (r.get("steps") or {}).values():
                    for k, v in st.items():
                        steps.setdefault(k, []).append(v)
            if steps:
                row["floor_steps_median_s"] = {k: _r(_med(v)) for k, v in steps.items()}
        rows.append(row)
    ratios = []
    for n in sorted({r["n"] for r in rows if r["contender"] != "s"}):
        get = {(r["contender"], r["phase"]): r["wall_median_s"] for r in rows if r["n"] == n}
        d = _med([r["wall_median_s"] for r in rows if r["contender"] == "d" and r["wall_median_s"]])
        a, b, c = get.get(("a", "up")), get.get(("b", "run")), get.get(("c", "run"))
        # paired: per round (run r), measured minutes apart, so a slow phase of the shared machine
        # hits both sides of the ratio
        byrun = {}
        for rec in recs:
            if rec["n"] == n and _ok(rec) and rec["phase"] in ("up", "run"):
                byrun.setdefault(rec["run"], {})[rec["contender"]] = rec["wall_s"]
        paired = {}
        for key, (x, y) in {"a_over_b": ("a", "b"), "a_over_c": ("a", "c"), "b_over_c": ("b", "c"),
                            "a_over_e": ("a", "e")}.items():
            vals = [w[x] / w[y] for w in byrun.values() if x in w and y in w and w[y]]
            if vals:
                paired[key] = {"median": _r(_med(vals)), "min": _r(min(vals)), "max": _r(max(vals)), "runs": len(vals)}
        e = get.get(("e", "up"))
        pss = {(r["contender"], r["phase"]): r["peak_tree_pss_median_mib"] for r in rows if r["n"] == n}
        dpss = _med([r["peak_tree_pss_median_mib"] for r in rows if r["contender"] == "d"])
        ratios.append({"n": n, "a_over_b": _ratio(a, b), "a_over_c": _ratio(a, c), "b_over_c": _ratio(b, c),
                       "a_over_e": _ratio(a, e),
                       "noop_a_over_b": _ratio(get.get(("a", "noop")), get.get(("b", "noop"))),
                       "a_minus_d_pss_mib": _r(pss[("a", "up")] - dpss, 1)
                       if pss.get(("a", "up")) is not None and dpss is not None else None,
                       "a_minus_d_s": _r(a - d) if a is not None and d is not None else None,
                       "paired": paired})
    return {"rows": rows, "ratios": ratios, "scaling": scaling(rows)}


def _slope(xs, ys):
    """Least-squares slope of ys over xs (None with fewer than 2 distinct xs)."""
    pts = [(x, y) for x, y in zip(xs, ys) if y is not None]
    if len({x for x, _ in pts}) < 2:
        return None
    mx = statistics.mean(x for x, _ in pts)
    my = statistics.mean(y for _, y in pts)
    return sum((x - mx) * (y - my) for x, y in pts) / sum((x - mx) ** 2 for x, _ in pts)


def scaling(rows):
    """The controller's curve (contender s): per N the medians, and per added host the least-squares
    slope of wall time, controller CPU and peak tree PSS; `last_over_first` compares the slope of the
    last segment with the first's (> 1 means growth faster than linear)."""
    pts = sorted((r for r in rows if r["contender"] == "s" and r["phase"] == "up" and r["wall_median_s"]),
                 key=lambda r: r["n"])
    if not pts:
        return None
    ns = [r["n"] for r in pts]
    out = {"points": [{"n": r["n"], "wall_s": r["wall_median_s"], "cpu_s": r["cpu_median_s"],
                       "pss_mib": r["peak_tree_pss_median_mib"], "rss_mib": r["peak_tree_rss_median_mib"],
                       "ssh_sessions_per_host": (r.get("ssh_sessions_per_host") or {}).get("median"),
                       "load_1m": r.get("load_1m_median")} for r in pts]}
    for key, col in (("wall_s", "wall_median_s"), ("cpu_s", "cpu_median_s"), ("pss_mib", "peak_tree_pss_median_mib")):
        ys = [r[col] for r in pts]
        out[f"per_host_{key}"] = _r(_slope(ns, ys), 3)
        if len(pts) >= 3 and ys[0] is not None and ys[1] is not None and ys[-1] is not None and ys[-2] is not None:
            first = (ys[1] - ys[0]) / (ns[1] - ns[0])
            last = (ys[-1] - ys[-2]) / (ns[-1] - ns[-2])
            out[f"{key}_last_over_first_segment"] = _r(last / first, 2) if first > 0 else None
    return out


def _r(x, nd=2):
    return round(x, nd) if isinstance(x, (int, float)) else x


def _mib(kib):
    return round(kib / 1024, 1) if kib is not None else None


def _ratio(x, y):
    return round(x / y, 2) if x is not None and y else None


def _fmt(x, unit=""):
    if x is None:
        return "–"
    if isinstance(x, float):
        return f"{x:.1f}{unit}"
    return f"{x}{unit}"


def _sess(row):
    s = row.get("ssh_sessions_per_host")
    if not s:
        return "–"
    if s["min"] == s["max"]:
        return f"{s['median']:g}"
    return f"{s['median']:g} ({s['min']:g}–{s['max']:g})"


def markdown(doc):
    s = doc.get("summary") or summarize(doc)
    m = doc["machine"]
    cfg = doc["config"]
    rows = s["rows"]
    L = []
    L.append("# `npm run bench` results")
    L.append("")
    if cfg.get("partial"):
        L.append("**Partial: the run was still going or was interrupted.**")
        L.append("")
    if cfg.get("quick"):
        L.append("**Quick mode (N=1, one run): a smoke test, not a measurement.**")
        L.append("")
    L.append(f"Measured {m['date']} on {m['nproc']} cores ({m['cpu']}), {m['memory_gib']} GiB, "
             f"{m['os']}, kernel {m['kernel']}; load average at start "
             f"{', '.join(f'{x:.2f}' for x in m['loadavg_at_start'])}. "
             f"Hosts: {m['lab']}"
             + (f"; {', '.join(f'{k} {v}' for k, v in (doc.get('hosts') or {}).items())}" if doc.get("hosts") else "")
             + ".")
    L.append("")
    L.append("Versions: " + "; ".join(f"{k}: {v}" for k, v in m["versions"].items() if v) + ".")
    L.append("")
    if cfg.get("sessions"):
        L.append("Measured in " + str(len(cfg["sessions"])) + " sessions of the same setup: " + "; ".join(
            f"{k}: {v['date']} (load at start {', '.join(f'{x:.2f}' for x in v['loadavg_at_start'])})"
            + (f", {v['note']}" if v.get("note") else "") for k, v in cfg["sessions"].items()) + ".")
        L.append("")
    st = m.get("setup")
    if st:
        cp, lh, en = st["command_provider"], st["language_host"], st["engine"]
        L.append(f"**Setup** (figures from another setup are not comparable with these): command provider "
                 f"**{cp['kind']}** {cp.get('version')} (`{cp.get('path')}`, sha256 {cp.get('sha256')}, {cp.get('how')}); "
                 f"language host **{lh['kind']}** {lh.get('version')} (sha256 {lh.get('sha256')}); engine `pulumi` "
                 f"{en.get('version')}; {st['cores']} cores; load average at start "
                 f"{', '.join(f'{x:.2f}' for x in st['loadavg_at_start'])}.")
        L.append("")
    kl = m.get("kernel_limits")
    if kl and kl.get("max_user_instances") is not None:
        how = (f"raised to {kl['raised_to']} for the run, "
               + ("restored afterwards" if kl.get("restored") else "NOT restored (see the run's log)" if kl.get("restored") is False else "restore pending")
               if kl.get("raised_to") else "left as it was")
        L.append(f"Kernel limit shared by all lab hosts: `fs.inotify.max_user_instances` {kl['max_user_instances']} "
                 f"({kl.get('instances_in_use_at_start')} in use at start, ~8 per booted host), {how}.")
        L.append("")
    L.append(f"Work per host: install qemu-user-static + binfmt-support, write /etc/binfmt.d/qemu-<t>.conf for "
             f"{' + '.join(cfg['targets'])} (rules from {cfg.get('rules_source')}), apply (systemd-binfmt), "
             f"verify /proc/sys/fs/binfmt_misc/qemu-<t>, docker acceptance check per target. "
             f"{cfg['runs']} run(s) per point, each on freshly created hosts, one at a time. "
             f"(a) and (d) run `{cfg.get('pulumi_up', 'pulumi up')}`. Memory: the peak over time of the summed PSS "
             f"of the measured command's whole process tree on this machine (shared pages divided among the "
             f"processes sharing them, so Ansible's forked workers are not counted once per fork); in brackets the "
             f"peak summed RSS, which counts shared pages in every process. The hosts' own processes are not "
             f"included.")
    L.append("")
    L.append("## Wall time and memory")
    L.append("")
    L.append("| N | contender | runs ok | median wall (s) | spread min–max (s) | median peak tree PSS [RSS sum] (MiB) "
             "| CPU (s) | SSH sessions per host | a/b | a/c | load before |")
    L.append("|---|---|---|---|---|---|---|---|---|---|---|")
    ratios = {r["n"]: r for r in s["ratios"]}
    for n in sorted({r["n"] for r in rows if r["contender"] != "s"}):
        for c in "abcde":
            for r in rows:
                if r["n"] != n or r["contender"] != c or r["phase"] not in ("up", "run"):
                    continue
                ra = ratios.get(n, {})
                ab = _fmt(ra.get("a_over_b")) if c == "a" else ""
                ac = _fmt(ra.get("a_over_c")) if c == "a" else ""
                if c == "a":
                    ab, ac = (f"**{ra['a_over_b']:.2f}**" if ra.get("a_over_b") else "–",
                              f"**{ra['a_over_c']:.2f}**" if ra.get("a_over_c") else "–")
                L.append(f"| {n if c != 'd' else '–'} | ({c}) {NAMES[c]} | {r['ok_runs']}/{r['runs']} | "
                         f"{_fmt(r['wall_median_s'])} | {_fmt(r['wall_min_s'])}–{_fmt(r['wall_max_s'])} | "
                         f"{_fmt(r['peak_tree_pss_median_mib'])} [{_fmt(r['peak_tree_rss_median_mib'])}] | "
                         f"{_fmt(r.get('cpu_median_s'))} | {_sess(r)} | {ab} | {ac} | {_fmt(r.get('load_1m_median'))} |")
    L.append("")
    L.append("(d) needs no hosts; it is listed once per N because it was run in each N's round. "
             "Load before = the machine's 1-minute load average when the command started (median over runs): "
             "2 cores are shared with other work, so read absolute times against it. "
             "CPU = user + system seconds of the measured process tree on this machine (the controller's own "
             "work; the lab's hosts run on the same 2 cores, so in this lab controller CPU slows the hosts down, "
             "which separate machines would not).")
    L.append("")
    L.append("## Ratios (medians)")
    L.append("")
    L.append("Ratios of medians, and paired: the ratio within each round (the contenders of one round run "
             "back to back), median and min–max over rounds.")
    L.append("")
    L.append("| N | a/b | a/c | b/c | a/e | a/b paired | a/c paired | a/e paired | no-op a/b "
             "| a − d (s): the component's time above the empty stack |")
    L.append("|---|---|---|---|---|---|---|---|---|---|")

    def f2(x):
        return f"{x:.2f}" if x is not None else "–"

    def fp(p):
        if not p:
            return "–"
        return f"{p['median']:.2f} ({p['min']:.2f}–{p['max']:.2f})" if p["runs"] > 1 else f"{p['median']:.2f}"

    for r in s["ratios"]:
        pr = r.get("paired", {})
        L.append(f"| {r['n']} | {f2(r['a_over_b'])} | {f2(r['a_over_c'])} | {f2(r['b_over_c'])} | {f2(r.get('a_over_e'))} | "
                 f"{fp(pr.get('a_over_b'))} | {fp(pr.get('a_over_c'))} | {fp(pr.get('a_over_e'))} | "
                 f"{f2(r.get('noop_a_over_b'))} | {_fmt(r['a_minus_d_s'])} |")
    L.append("")
    L.extend(targets_md(s))
    noop = [r for r in rows if r["contender"] in ("a", "b") and r["phase"] == "noop"]
    if noop:
        L.append("## Second, no-op run (same hosts, nothing changed)")
        L.append("")
        L.append("(a) `pulumi up` again (drift observation on: one read-only SSH session per host); (b) the same "
                 "playbook again (Ansible checks every task again and changes nothing).")
        L.append("")
        L.append("| N | contender | runs ok | median wall (s) | spread (s) | median peak tree PSS [RSS sum] (MiB) | CPU (s) "
                 "| SSH sessions per host | steps other than `same` (per run) |")
        L.append("|---|---|---|---|---|---|---|---|---|")
        for r in sorted(noop, key=lambda r: (r["n"], r["contender"])):
            ch = r.get("changes_by_run")
            L.append(f"| {r['n']} | ({r['contender']}) {NAMES[r['contender']]} | {r['ok_runs']}/{r['runs']} | "
                     f"{_fmt(r['wall_median_s'])} | "
                     f"{_fmt(r['wall_min_s'])}–{_fmt(r['wall_max_s'])} | {_fmt(r['peak_tree_pss_median_mib'])} "
                     f"[{_fmt(r['peak_tree_rss_median_mib'])}] | {_fmt(r.get('cpu_median_s'))} | "
                     f"{_sess(r)} | {'–' if r['contender'] == 'b' else '; '.join(f'{k}: ' + ', '.join(f'{op} {n}' for op, n in v.items()) for k, v in ch.items()) if ch else 'none'} |")
        L.append("")
    ev = [r for r in rows if r["contender"] == "a" and r.get("events")]
    if ev:
        L.append("## Where (a)'s time goes (engine event log, medians)")
        L.append("")
        L.append("Columns split the run: engine up = CLI start until the Stack resource is registered (CLI, "
                 "plugins, nodejs language host, node); program = until the first component is registered (loading "
                 "the package and its dependencies, building the args); to 1st step = until the first remote "
                 "command starts; in flight = time with at least one resource step running; gaps = idle time "
                 "between steps; tail = last step to CLI exit.")
        L.append("")
        L.append("| N | phase | wall (s) | engine up (s) | program (s) | to 1st step (s) | in flight (s) | gaps (s) "
                 "| tail (s) |")
        L.append("|---|---|---|---|---|---|---|---|---|")
        for r in sorted(ev, key=lambda r: (r["n"], r["phase"] != "up")):
            e = r["events"]
            st, fc, su = e.get("stack_registered_t"), e.get("first_component_t"), e.get("startup_s")
            prog = fc - st if fc is not None and st is not None else None
            first = su - fc if su is not None and fc is not None else None
            L.append(f"| {r['n']} | {r['phase']} | {_fmt(r['wall_median_s'])} | {_fmt(st)} | {_fmt(prog)} | "
                     f"{_fmt(first)} | {_fmt(e['resources_s'])} | {_fmt(e['gaps_s'])} | {_fmt(e['tail_s'])} |")
        noop_ev = [r for r in rows if r["contender"] == "a" and r["phase"] == "noop"]
        if noop_ev:
            L.append("")
            L.append("The no-op up creates nothing (every step is `same`); its only SSH is the observation, one "
                     "read-only session per host that the program opens to detect drift (`observe`, on by "
                     "default). Its time is engine start, program (the observation included: the first "
                     "resource registers once its host was read), the engine's diff of each registered "
                     "resource, and the tail (state write, plugin shutdown); its tail is counted from the last "
                     "`same` step.")
        L.append("")
        L.append("Per step of one host's chain, first up (median over hosts and runs; max = slowest host):")
        L.append("")
        steps = step_columns([r["events"].get("by_step", {}) for r in ev if r["phase"] == "up"], cfg.get("targets") or ())
        L.append("| N | " + " | ".join(f"{k} (s)" for k in steps) + " |")
        L.append("|---|" + "---|" * len(steps))
        for r in ev:
            if r["phase"] != "up":
                continue
            bs = r["events"].get("by_step", {})
            L.append(f"| {r['n']} | " + " | ".join(
                f"{_fmt(bs[k]['median_s'])} (max {_fmt(bs[k]['max_s'])})" if k in bs else "–" for k in steps) + " |")
        L.append("")
    fl = [r for r in rows if r["contender"] == "c" and r.get("floor_steps_median_s")]
    if fl:
        L.append("## The floor's steps on one host (median seconds, from provision.sh's timestamps)")
        L.append("")
        keys = list(fl[0]["floor_steps_median_s"].keys())
        label = {"packages installed": "apt-get update + install", "packages present": "packages (present)",
                 "rules written": "write rules", "applied": "apply (systemd-binfmt)", "verified": "verify /proc",
                 "acceptance ok": "docker checks (pull + run, both)"}
        L.append("| N | " + " | ".join(f"{label.get(k, k)} (s)" for k in keys) + " |")
        L.append("|---|" + "---|" * len(keys))
        for r in fl:
            L.append(f"| {r['n']} | " + " | ".join(_fmt(r["floor_steps_median_s"].get(k)) for k in keys) + " |")
        L.append("")
    L.append("![wall time against N](wall-time.png)")
    L.append("")
    L.extend(scaling_md(s))
    L.extend(where_md(s))
    L.append("Raw per-run records (logs, event logs, per-host session counts) are in results.json; "
             "`npm run bench -- --report` rewrites this file and the chart from it.")
    return "\n".join(L) + "\n"


def step_columns(by_steps, targets=()):
    """The step names of one host's chain, in chain order: by the median of each step's rank in its
    host's chain (events.py `chain_rank`), so the table follows whatever resources the component
    creates. Steps that run side by side (the rules of a host: rule-<target>) start in any order, so
    they share the rank of the first of them and follow the order of TARGETS (the request), then their
    names. Records without ranks (results.json of older runs) keep the order the steps first appeared
    in, which was chain order there."""
    seen, ranks = [], {}
    for bs in by_steps:
        for k, v in bs.items():
            if k not in seen:
                seen.append(k)
            if v.get("chain_rank") is not None:
                ranks.setdefault(k, []).append(v["chain_rank"])
    rank = {k: (_med(ranks[k]) if k in ranks else seen.index(k)) for k in seen}
    rules = [k for k in seen if k.startswith("rule-")]
    first_rule = min((rank[k] for k in rules), default=0)
    order = list(targets)

    def key(k):
        if k in rules:
            t = k[len("rule-"):]
            return (first_rule, order.index(t) if t in order else len(order), k)
        return (rank[k], -1, k)
    return sorted(seen, key=key)


TARGETS = [
    # (label, ratio key, N values, limit)
    ("first up a/b", "a_over_b", (4, 8), 0.75),
    ("first up a/c", "a_over_c", (4, 8), 1.15),
    ("first up a/c", "a_over_c", (1,), 1.3),
    ("first up a/e", "a_over_e", None, 1.05),
    ("no-op a/b (drift observation on)", "noop_a_over_b", (8,), 0.35),
    ("memory (a) − (d), peak tree PSS (MiB)", "a_minus_d_pss_mib", (8,), 40),
]


def targets_md(s):
    """Issue 16's targets as measured figures (printed, never asserted)."""
    ratios = {r["n"]: r for r in s["ratios"]}
    L = ["## Issue 16's targets, as measured here", "",
         "| figure | N | target | measured | met |", "|---|---|---|---|---|"]
    for label, key, ns, limit in TARGETS:
        for n in (ns or sorted(ratios)):
            v = (ratios.get(n) or {}).get(key)
            met = "–" if v is None else ("yes" if v <= limit else "**no**")
            L.append(f"| {label} | {n} | ≤ {limit:g} | {_fmt(v) if not isinstance(v, float) else f'{v:.2f}'} | {met} |")
    sc = s.get("scaling")
    if sc:
        last = sc["points"][-1]["n"]
        for label, key, limit in (("scaling: controller CPU per added host (s)", "per_host_cpu_s", 0.3),
                                  ("scaling: peak tree PSS per added host (MiB)", "per_host_pss_mib", 1.5),
                                  ("scaling: CPU growth, last segment / first (1 = linear)",
                                   "cpu_s_last_over_first_segment", None)):
            v = sc.get(key)
            met = "–" if v is None else ("yes" if limit is None and v <= 1.25 or limit is not None and v <= limit
                                         else "**no**")
            L.append(f"| {label} | 1–{last} | {'≤ ' + format(limit, 'g') if limit is not None else 'not super-linear'} | "
                     f"{_fmt(v) if v is None else f'{v:.3f}'} | {met} |")
    L.append("")
    return L


def scaling_md(s):
    sc = s.get("scaling")
    if not sc:
        return []
    L = ["## Scaling curve of the controller (packages already installed)", "",
         "Contender (s): (a)'s program on hosts whose qemu-user-static and binfmt-support were installed "
         "beforehand (untimed), so dpkg, which is CPU-bound and shares this machine's cores with the controller, "
         "does not hide it. Controller CPU = user + system seconds of the whole measured process tree (engine, "
         "language host, node, provider plugins); memory = its peak summed PSS.", "",
         "| N | wall (s) | controller CPU (s) | peak tree PSS (MiB) | [RSS sum] | SSH sessions per host | load before |",
         "|---|---|---|---|---|---|---|"]
    for p in sc["points"]:
        L.append(f"| {p['n']} | {_fmt(p['wall_s'])} | {_fmt(p['cpu_s'])} | {_fmt(p['pss_mib'])} | {_fmt(p['rss_mib'])} | "
                 f"{_fmt(p['ssh_sessions_per_host'])} | {_fmt(p['load_1m'])} |")

    def f3(x):
        return "–" if x is None else f"{x:.3f}"

    L.append(f"| per added host (least-squares slope) | {f3(sc.get('per_host_wall_s'))} | {f3(sc.get('per_host_cpu_s'))} | "
             f"{f3(sc.get('per_host_pss_mib'))} | | | |")
    L.append("")
    L.append("![controller cost against N](scaling.png)")
    L.append("")
    return L


# process names (comm, 15 characters at most) of the pulumi contenders' trees
PROCS = [("pulumi", "engine (pulumi)"), ("pulumi-language", "language host"), ("node", "node"),
         ("pulumi-resource", "command provider"), ("ssh", "ssh")]


def where_md(s):
    """CPU seconds and peak RSS per process name of the pulumi contenders' trees (medians)."""
    rows = [r for r in s["rows"] if r["contender"] in ("a", "d", "e", "s") and r.get("cpu_by_comm_median_s")]
    if not rows:
        return []
    # a run with dynamic resources (pulumi-nodejs:dynamic...) has a second node process: the provider host
    dynamic = any(t.startswith("pulumi-nodejs:dynamic") for r in s["rows"]
                  for t in ((r.get("events") or {}).get("by_type") or {}))
    L = ["## Where the controller's CPU and memory go (per process name, medians)", "",
         "CPU seconds (user + system, sampled every 50 ms from /proc/PID/stat) and peak RSS (MiB) per process "
         "name of the measured tree ((d) needs no hosts: N is the round it ran in)."
         + (" In (a) and (s) `node` is two processes: the program and the Node SDK's dynamic-provider host that "
            "serves the component's dynamic resources." if dynamic else ""), "",
         "| contender | N | phase | " + " | ".join(f"{label} CPU s / RSS MiB" for _, label in PROCS[:4]) + " |",
         "|---|---|---|" + "---|" * 4]
    for r in sorted(rows, key=lambda r: (r["contender"], r["n"], r["phase"])):
        cpu, rss = r.get("cpu_by_comm_median_s") or {}, r.get("rss_by_comm_median_mib") or {}
        cells = [f"{_fmt(cpu.get(k))} / {_fmt(rss.get(k))}" for k, _ in PROCS[:4]]
        L.append(f"| ({r['contender']}) | {r['n']} | {r['phase']} | " + " | ".join(cells) + " |")
    L.append("")
    return L


def scaling_chart(doc, out_png):
    sc = (doc.get("summary") or summarize(doc)).get("scaling")
    if not sc or not shutil.which("gnuplot"):
        return False
    dat = out_png[:-4] + ".dat"
    with open(dat, "w") as f:
        f.write("# N wall_s cpu_s pss_mib\n")
        for p in sc["points"]:
            f.write(" ".join(str(v if v is not None else "NaN") for v in (p["n"], p["wall_s"], p["cpu_s"], p["pss_mib"])) + "\n")
    ns = [p["n"] for p in sc["points"]]
    xt = ", ".join(f'"{n}" {n}' for n in ns)
    script = f"""
set terminal pngcairo size 900,560 enhanced font "DejaVu Sans,11"
set output "{out_png}"
set title "Controller cost against N (packages present; one stack, BinfmtFleet)"
set xlabel "hosts (N)"
set ylabel "seconds"
set y2label "peak tree PSS (MiB)"
set xtics ({xt})
set ytics nomirror
set y2tics
set yrange [0:*]
set y2range [0:*]
set grid ytics lc rgb "#dddddd"
set key top left box opaque
plot "{dat}" using 1:2 with linespoints lw 2 pt 7 lc rgb "#1f77b4" title "wall time (s)", \\
     "{dat}" using 1:3 with linespoints lw 2 pt 5 lc rgb "#d62728" title "controller CPU (s)", \\
     "{dat}" using 1:4 axes x1y2 with linespoints lw 2 pt 9 dt 2 lc rgb "#2ca02c" title "peak tree PSS (MiB, right)"
"""
    r = subprocess.run(["gnuplot"], input=script, text=True, capture_output=True)
    if r.returncode != 0:
        print("report: gnuplot failed:", r.stderr[-1000:])
        return False
    return True


def chart(doc, out_png):
    s = doc.get("summary") or summarize(doc)
    rows = s["rows"]
    ns = sorted({r["n"] for r in rows if r["contender"] != "s"})
    if not ns:
        return False
    dat = out_png[:-4] + ".dat"
    get = {(r["n"], r["contender"], r["phase"]): r for r in rows}
    dmed = _med([r["wall_median_s"] for r in rows if r["contender"] == "d" and r["wall_median_s"]])
    with open(dat, "w") as f:
        f.write("# N  a_med a_min a_max  b_med b_min b_max  c_med c_min c_max  e_med e_min e_max  d_med\n")
        for n in ns:
            vals = [n]
            for c, ph in (("a", "up"), ("b", "run"), ("c", "run"), ("e", "up")):
                r = get.get((n, c, ph))
                if r and r["wall_median_s"] is not None:
                    vals += [r["wall_median_s"], r["wall_min_s"], r["wall_max_s"]]
                else:
                    vals += ["NaN"] * 3
            vals.append(dmed if dmed is not None else "NaN")
            f.write(" ".join(str(v) for v in vals) + "\n")
    gp = shutil.which("gnuplot")
    if not gp:
        print("report: gnuplot not found; chart not drawn")
        return False
    xt = ", ".join(f'"{n}" {n}' for n in ns)
    script = f"""
set terminal pngcairo size 900,560 enhanced font "DejaVu Sans,11"
set output "{out_png}"
set title "Wall time to provision N fresh hosts (median, bars: min–max)"
set xlabel "hosts (N)"
set ylabel "wall time (s)"
set xtics ({xt})
set xrange [{min(ns) - 0.5}:{max(ns) + 0.5}]
set yrange [0:*]
set grid ytics lc rgb "#dddddd"
set key top left box opaque
plot "{dat}" using 1:2:3:4 with yerrorlines lw 2 pt 7 lc rgb "#1f77b4" title "(a) pulumi up, component", \\
     "{dat}" using 1:5:6:7 with yerrorlines lw 2 pt 5 lc rgb "#ff7f0e" title "(b) ansible-playbook", \\
     "{dat}" using 1:8:9:10 with yerrorlines lw 2 pt 9 lc rgb "#2ca02c" title "(c) bash over ssh (floor)", \\
     "{dat}" using 1:11:12:13 with yerrorlines lw 2 pt 11 lc rgb "#9467bd" title "(e) pulumi up, hand-written recipe", \\
     "{dat}" using 1:14 with lines dt 2 lw 1.5 lc rgb "#7f7f7f" title "(d) pulumi up, empty stack"
"""
    r = subprocess.run([gp], input=script, text=True, capture_output=True)
    if r.returncode != 0:
        print("report: gnuplot failed:", r.stderr[-1000:])
        return False
    return True


def write_all(out):
    with open(os.path.join(out, "results.json")) as f:
        doc = json.load(f)
    doc["summary"] = summarize(doc)
    with open(os.path.join(out, "results.md"), "w") as f:
        f.write(markdown(doc))
    chart(doc, os.path.join(out, "wall-time.png"))
    scaling_chart(doc, os.path.join(out, "scaling.png"))
