"""Every statement the server ran for one request, with its parameters, from PostgreSQL's log,
as one pgbench script and its -D variables (bench/aggregate.sh): an aggregation runs several
statements (the collections' counts, or one statement over the matches), and pgbench runs all
of them, each planned as the server plans it.

    python3 bench/capture_aggregate.py LOG SQL_OUT VARS_OUT NAME
"""
import re
import sys

log, sql_out, vars_out, name = sys.argv[1:]
lines = open(log, encoding="utf-8", errors="replace").read().splitlines()
# "... LOG:  duration: 0.5 ms  execute NAME: SQL" then, with parameters,
# "... DETAIL:  parameters: $1 = '...', ..."
statements = []
for i, line in enumerate(lines):
    m = re.search(r"execute ([^:]+): (.*)$", line)
    if not m:
        continue
    d = re.search(r"DETAIL:  parameters: (.*)$", lines[i + 1]) if i + 1 < len(lines) else None
    params = d.group(1) if d else ""
    statements.append((m.group(1), m.group(2), params))
if not statements:
    sys.exit("%s: no statement in the log" % name)
script, variables = [], []
for k, (stmt_name, statement, params) in enumerate(statements, 1):
    values = {int(n): (None if v == "NULL" else v[1:-1].replace("''", "'"))
              for n, v in re.findall(r"\$(\d+) = (NULL|'(?:[^']|'')*')", params)}
    for n in sorted(values):
        if values[n] is None:
            continue
        if "\n" in values[n]:
            sys.exit("%s: parameter $%d cannot be passed to pgbench" % (name, n))
        variables.append("s%dp%d=%s" % (k, n, values[n]))
    text = re.sub(r"\$(\d+)", lambda m: ("NULL" if values.get(int(m.group(1))) is None
                                         else ":s%dp%s" % (k, m.group(1))),
                  " ".join(statement.split()))
    # The server plans a statement it runs unnamed with its values (pg::Plan::kCustom).
    custom = stmt_name == "<unnamed>"
    if custom:
        script.append("SET plan_cache_mode = force_custom_plan;")
    script.append(text + ";")
    if custom:
        script.append("SET plan_cache_mode = force_generic_plan;")
open(sql_out, "w").write("\n".join(script) + "\n")
with open(vars_out, "w") as f:
    for line in variables:
        f.write(line + "\n")
print("%s: %d statements: %s" % (name, len(statements), ", ".join(s[0] for s in statements)),
      file=sys.stderr)
