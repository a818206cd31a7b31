"""Reads a Stryker JSON report (mutation-testing-elements schema) and prints
`mutation <project>: <score>% (<killed>/<total>)`, where killed counts Killed and Timeout, and total counts every
mutant that was tested (Killed, Timeout, Survived, NoCoverage): the score Stryker itself reports."""
import json
import sys

project, path = sys.argv[1], sys.argv[2]
with open(path, encoding='utf-8') as f:
    report = json.load(f)
counts = {}
for file in report['files'].values():
    for mutant in file['mutants']:
        counts[mutant['status']] = counts.get(mutant['status'], 0) + 1
killed = counts.get('Killed', 0) + counts.get('Timeout', 0)
total = killed + counts.get('Survived', 0) + counts.get('NoCoverage', 0)
score = 100.0 * killed / total if total else 100.0
others = ', '.join(f'{k} {v}' for k, v in sorted(counts.items()) if k not in ('Killed', 'Timeout', 'Survived', 'NoCoverage'))
print(f'mutation {project}: {score:.2f}% ({killed}/{total})' + (f'; not tested: {others}' if others else ''))
