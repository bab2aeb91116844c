"""The numeric witnesses: the ag graph a Program describes, a live ag graph read back as a
Program, and finite differences computed from forward values alone.

`build` (Program → ag graph, the engine witness), `capture` (live ag graph →
Program), `finite_diff` (perturb one node, re-run only its downstream nodes).
"""
