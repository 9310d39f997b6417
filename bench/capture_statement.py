"""The page statement of a search and its parameters, from PostgreSQL's log of one request, as a
pgbench script and its -D variables (bench/search_lib.sh).

    python3 bench/capture_statement.py LOG SQL_OUT VARS_OUT NAME
"""
import re
import sys

log, sql_out, vars_out, name = sys.argv[1:]
lines = open(log, encoding="utf-8", errors="replace").read().splitlines()
# "... LOG:  duration: 0.5 ms  execute search_...: WITH ..." (colsearch_... for collection search) then "... DETAIL:  parameters: $1 = '...', ..."
found = []
for i, line in enumerate(lines[:-1]):
    m = re.search(r"execute ((?:colsearch|search)_[0-9a-f]+): (.*)$", line)
    d = re.search(r"DETAIL:  parameters: (.*)$", lines[i + 1])
    if m and d:
        found.append((m.group(1), m.group(2), d.group(1)))
pages = [f for f in found if "LIMIT" in f[1] and not f[1].startswith("SELECT count(*)")]
if not pages:
    sys.exit("%s: no page statement in the log" % name)
_, statement, params = pages[-1]
values = {int(n): (None if v == "NULL" else v[1:-1].replace("''", "'"))
          for n, v in re.findall(r"\$(\d+) = (NULL|'(?:[^']|'')*')", params)}
statement = re.sub(r"\$(\d+)", lambda m: ":p" + m.group(1), " ".join(statement.split()))
open(sql_out, "w").write(statement + ";\n")
with open(vars_out, "w") as f:
    for n in sorted(values):
        if values[n] is None or "\n" in values[n]:
            sys.exit("%s: parameter $%d cannot be passed to pgbench" % (name, n))
        f.write("p%d=%s\n" % (n, values[n]))
