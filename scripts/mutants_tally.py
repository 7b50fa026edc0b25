"""The tally `scripts/mutants` prints: read `mutmut results --all true` on stdin."""

import collections
import sys

rows = [line.strip().rsplit(": ", 1) for line in sys.stdin if ": " in line]
tally = collections.Counter(status for _, status in rows)
checked = sum(tally.values()) - tally["not checked"]
killed = tally["killed"] + tally["caught by type check"] + tally["timeout"]
print(f"mutants {len(rows)}, judged {checked}, not yet judged {tally['not checked']}")
print(f"  killed by a test {tally['killed']}, rejected by mypy {tally['caught by type check']}, "
      f"timed out {tally['timeout']}, survived {tally['survived']}, no test ran "
      f"{tally['no tests']}, other {checked - killed - tally['survived'] - tally['no tests']}")
if checked:
    print(f"killed: {100 * killed / checked:.1f}% of those judged")
for name, status in rows:
    if status in ("survived", "no tests", "suspicious"):
        print(f"  {status:9} {name}")
