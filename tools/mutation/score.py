"""Reads Stryker JSON reports (mutation-testing-elements schema) and prints
`mutation <project>: <score>% (<killed>/<total>)`, where killed counts Killed and Timeout, and total counts every
mutant that was tested (Killed, Timeout, Survived, NoCoverage): the score Stryker itself reports.

Several reports are the parts of one run, each made with its own --mutate set (docs/mutation-testing.md, "A full run
in parts"): each file's mutants are read from the one report that mutated it, and a file mutated in two reports is an
error. `--files` adds one line per file, most survivors (survived + no coverage) first."""
import json
import sys

args = [a for a in sys.argv[1:] if a != '--files']
project, paths = args[0], args[1:]
mutated_in = {}
per_file = {}
for path in paths:
    with open(path, encoding='utf-8') as f:
        report = json.load(f)
    for name, file in report['files'].items():
        if not file['mutants']:
            continue
        if name in mutated_in:
            sys.exit(f'score.py: {name} is mutated in both {mutated_in[name]} and {path}; the parts of a run must not overlap')
        mutated_in[name] = path
        counts = per_file[name] = {}
        for mutant in file['mutants']:
            counts[mutant['status']] = counts.get(mutant['status'], 0) + 1


def score(counts):
    killed = counts.get('Killed', 0) + counts.get('Timeout', 0)
    total = killed + counts.get('Survived', 0) + counts.get('NoCoverage', 0)
    return killed, total, (100.0 * killed / total if total else 100.0)


counts = {}
for file_counts in per_file.values():
    for status, n in file_counts.items():
        counts[status] = counts.get(status, 0) + n
killed, total, percent = score(counts)
others = ', '.join(f'{k} {v}' for k, v in sorted(counts.items()) if k not in ('Killed', 'Timeout', 'Survived', 'NoCoverage'))
print(f'mutation {project}: {percent:.2f}% ({killed}/{total})' + (f'; not tested: {others}' if others else ''))
if '--files' in sys.argv:
    print(f'  {sum(counts.values())} mutants: ' + ', '.join(f'{k} {v}' for k, v in sorted(counts.items())))
    for name, file_counts in sorted(per_file.items(), key=lambda kv: -(kv[1].get('Survived', 0) + kv[1].get('NoCoverage', 0))):
        file_killed, file_total, _ = score(file_counts)
        print(f'  {name}: {file_killed}/{file_total}, survived {file_counts.get("Survived", 0)}, no coverage {file_counts.get("NoCoverage", 0)}, '
              f'timeout {file_counts.get("Timeout", 0)}, compile error {file_counts.get("CompileError", 0)}, ignored {file_counts.get("Ignored", 0)}')
