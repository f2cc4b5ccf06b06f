"""The portal's processes as Linux shows them in /proc: the server, its zygote and the workers it forks.

Read by the load benchmark (memory before and after, workers replaced) and by the tests of the pool
(a killed worker is gone, a zygote's workers die with it); the portal itself does not need it.
"""

from __future__ import annotations

from pathlib import Path


def descendants(pid: int) -> dict[int, str]:
    """The live processes below ``pid`` (children, grandchildren…), each with its name (``/proc/PID/comm``)."""
    children: dict[int, list[int]] = {}
    names: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            names[int(entry.name)] = (entry / "comm").read_text().strip()
        except OSError:
            continue
        children.setdefault(int(stat.rsplit(")", 1)[1].split()[1]), []).append(int(entry.name))
    found, todo = {}, list(children.get(pid, []))
    while todo:
        current = todo.pop()
        if current in names and alive(current):
            found[current] = names[current]
        todo.extend(children.get(current, []))
    return found


def alive(pid: int) -> bool:
    """Whether a process exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"
